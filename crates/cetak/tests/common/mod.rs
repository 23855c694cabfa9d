//! Helpers shared by the binary's integration tests: run the real `cetak` in a folder.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub mod central;
pub mod chip;
pub mod ledger;
pub mod pg;
pub mod proxy;
pub mod web;

use serde_json::Value;

/// Run `cetak` in `dir` with English messages and database `x.db`.
pub fn cetak(dir: &Path, args: &[&str]) -> Output {
    cetak_env(dir, args, &[])
}

/// [`cetak`] with extra environment variables.
pub fn cetak_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cetak"));
    cmd.current_dir(dir)
        .env("CETAK_LANG", "en")
        .env("CETAK_DB", "x.db")
        .env_remove("CETAK_CLOCK_SKEW_S")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("cetak runs")
}

/// Assert success and parse stdout as JSON.
pub fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout {}\nstderr {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The JSON of a `print run`: exit 0 (a card was sent, or nothing waits) or 3 (cards wait but
/// none could be sent) are both answers, not failures.
pub fn run_json(out: &Output) -> Value {
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(3)),
        "exit {:?}\nstdout {}\nstderr {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let nothing = v["started"] == 0 && v["recovered"] == 0 && v["queue"] != 0;
    assert_eq!(
        code == Some(3),
        nothing,
        "exit code must say whether anything printed: {v}"
    );
    v
}

/// Assert success.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout {}\nstderr {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Assert failure with a message containing `needle` (case-insensitive) on stderr.
pub fn fails_with(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        !out.status.success() && err.contains(&needle.to_lowercase()),
        "expected failure mentioning {needle:?}; exit {:?}\nstdout {}\nstderr {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        err
    );
}

/// A print-ready office: `rows` generated recordings imported (creating `x.db`) and
/// deduplicated.
pub fn office(dir: &Path, rows: u64) -> Value {
    let rows = rows.to_string();
    json(&cetak(
        dir,
        &[
            "gen", "--rows", &rows, "--seed", "11", "--out", "data", "--json",
        ],
    ));
    json(&cetak(
        dir,
        &["--create", "import", "data/recordings.csv", "--json"],
    ));
    json(&cetak(dir, &["dedup", "--json"]))
}

/// A loopback port nobody listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A SoftHSM2 token labelled `T` (user PIN 1234 in the file `dir/pin`) in `dir/tokens`; the
/// configuration file to pass as `SOFTHSM2_CONF`.
pub fn softhsm_token(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir(dir.join("tokens")).expect("dir");
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            dir.join("tokens").display()
        ),
    )
    .expect("conf");
    let init = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "T",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util");
    assert!(init.status.success(), "{init:?}");
    std::fs::write(dir.join("pin"), "1234\n").expect("pin");
    conf
}
