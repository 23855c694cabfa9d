//! `cetak serve` as a process: it answers health and readiness, refuses signed-in pages to
//! strangers, and stops cleanly on SIGTERM even with requests in flight — the database is
//! intact afterwards.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{cetak, ok};

fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    common::office(d, 200);
    let port = common::free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(d)
        .env("CETAK_DB", "x.db")
        .env("CETAK_LANG", "en")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    let health = loop {
        if let Some(r) = get(port, "/health") {
            break r;
        }
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok"),
        "{health}"
    );
    let ready = get(port, "/ready").expect("ready");
    assert!(ready.contains("\"ready\":true"), "{ready}");
    let dash = get(port, "/api/v1/dashboard").expect("dashboard");
    assert!(dash.starts_with("HTTP/1.1 401"), "{dash}");
    let page = get(port, "/").expect("page");
    assert!(
        page.starts_with("HTTP/1.1 303") && page.contains("location: /login"),
        "{page}"
    );
    // Requests in flight while the signal arrives.
    let load: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(move || (0..20).filter_map(|_| get(port, "/cek")).count()))
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    for t in load {
        t.join().expect("client thread");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = server.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    server
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(err.contains("stopped cleanly"), "{err}");
    ok(&cetak(d, &["audit", "verify"]));
}
