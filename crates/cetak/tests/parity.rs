//! The print page and the command line are one office: the same action gives the same result,
//! because both call the same use case in `cetak-office` (issue 14). Here: a person's finding
//! for a card the printer still holds is refused by both with the same reason and moves
//! nothing; once the printer let go, the page records the finding as the command line does.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cetak_ipp::sim::{Fault, SimPrinter};
use common::{cetak, cetak_env, fails_with, json, ok};

const PASSWORD: &str = "kata-sandi-yang-panjang-1";

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange: (status, headers and body as text).
fn http(port: u16, method: &str, path: &str, cookie: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept-Language: en\r\n"
    );
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nOrigin: http://127.0.0.1:{port}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// `name=value` of every Set-Cookie in a response.
fn cookies(resp: &str) -> Vec<String> {
    resp.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie")
                .then(|| v.trim().split(';').next().unwrap_or("").to_string())
        })
        .collect()
}

/// The value of the first hidden input named `name`.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn serve(d: &Path) -> Server {
    let port = common::free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(d)
        .env("CETAK_DB", "x.db")
        .env("CETAK_LANG", "en")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    // Up to 600 looks, 50 ms apart: a server that never listens fails the test.
    let up = (0..600).any(|_| {
        let listening = TcpStream::connect(("127.0.0.1", port)).is_ok();
        if !listening {
            std::thread::sleep(Duration::from_millis(50));
        }
        listening
    });
    assert!(up, "server did not come up");
    Server { child, port }
}

/// Log in; the session cookie and the page's CSRF token.
fn login(port: u16, name: &str) -> (String, String) {
    let (_, page) = http(port, "GET", "/login", "", "");
    let jar = cookies(&page).join("; ");
    let body = form(&[
        ("name", name),
        ("password", PASSWORD),
        ("login_csrf", &hidden(&page, "login_csrf")),
        ("next", "/print"),
    ]);
    let (status, resp) = http(port, "POST", "/login", &jar, &body);
    assert_eq!(status, 303, "login: {resp}");
    let session = cookies(&resp).join("; ");
    let (status, print) = http(port, "GET", "/print", &session, "");
    assert_eq!(status, 200, "{print}");
    (session, hidden(&print, "csrf"))
}

fn attempt(d: &Path) -> (i64, String) {
    let store = cetak_store::Store::open(&d.join("x.db")).expect("store");
    let a = store
        .attempts(&[], 10)
        .expect("attempts")
        .into_iter()
        .next()
        .expect("an attempt");
    (a.id, a.state.as_str().to_string())
}

#[test]
fn the_print_page_and_the_command_line_give_the_same_inspection_result() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    common::office(d, 20);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "50", "--ref", "R1",
        ],
    ));
    let sim = SimPrinter::start(&d.join("printer"))
        .expect("ippeveprinter starts (apt-get install cups-ipp-utils dbus)");
    ok(&cetak(
        d,
        &[
            "printer",
            "add",
            "P1",
            "--uri",
            &sim.uri(),
            "--cards-per-day",
            "100",
        ],
    ));
    ok(&cetak_env(
        d,
        &["user", "add", "budi", "--role", "operator"],
        &[("CETAK_PASSWORD", PASSWORD)],
    ));
    // A card the printer is still working on when the run stops waiting for it.
    sim.set_fault(Fault::Slow(6));
    let r = common::run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "1",
            "--job-timeout-s",
            "1",
            "--json",
        ],
    ));
    assert_eq!(r["still_pending"], 1, "{r}");
    let (id, state) = attempt(d);
    assert_eq!(state, "sent");

    // The command line refuses "unused" while the printer holds the job…
    let cli = cetak(d, &["print", "inspect", &id.to_string(), "--unused"]);
    fails_with(&cli, "still holds this job");
    // …and so does the page, for the same reason, and nothing moves.
    let server = serve(d);
    let (session, csrf) = login(server.port, "budi");
    let path = format!("/print/inspect/{id}");
    let body = form(&[("csrf", &csrf), ("verdict", "unused")]);
    let (status, page) = http(server.port, "POST", &path, &session, &body);
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("still holds this job"), "{page}");
    assert_eq!(attempt(d).1, "sent", "a refused finding moves nothing");

    // Once the printer let go, the page records "good" as `cetak print inspect --good` does:
    // the printer's hold is taken over and the card is made, in one transaction.
    std::thread::sleep(Duration::from_secs(7));
    let (status, resp) = http(server.port, "POST", &path, &session, &body_good(&csrf));
    assert_eq!(status, 303, "{resp}");
    // The state `cetak print inspect --good` leaves (tests/print_promises.rs).
    assert_eq!(attempt(d).1, "good");
    // A second finding is refused by both, and still nothing moves.
    let cli = cetak(d, &["print", "inspect", &id.to_string(), "--unused"]);
    assert!(!cli.status.success());
    let (status, _) = http(server.port, "POST", &path, &session, &body);
    assert!(status >= 400, "a second finding on the page: {status}");
    assert_eq!(attempt(d).1, "good");
    let stock = json(&cetak(d, &["stock", "reconcile", "--json"]));
    assert_eq!(
        (stock["balanced"].as_bool(), stock["issued"].as_i64()),
        (Some(true), Some(1)),
        "{stock}"
    );
    drop(server);
}

fn body_good(csrf: &str) -> String {
    form(&[("csrf", csrf), ("verdict", "good")])
}
