//! `cetak print run` against a real IPP printer (`ippeveprinter` with CR80 card media, started
//! by the harness on a free loopback port) and its faults: jam, cover open, empty hopper,
//! unreachable, killed and restarted mid-job, slower than the run waits.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use cetak_ipp::sim::{Fault, SimPrinter};
use common::{cetak, json, office, ok, run_json};
use rusqlite::Connection;

fn printer(d: &Path, name: &str, uri: &str, per_day: &str) {
    ok(&cetak(
        d,
        &[
            "printer",
            "add",
            name,
            "--uri",
            uri,
            "--cards-per-day",
            per_day,
        ],
    ));
}

fn setup(rows: u64) -> (tempfile::TempDir, SimPrinter) {
    let dir = tempfile::tempdir().expect("tempdir");
    office(dir.path(), rows);
    ok(&cetak(
        dir.path(),
        &[
            "stock", "receive", "--first", "1", "--last", "50", "--ref", "R1",
        ],
    ));
    let sim = SimPrinter::start(&dir.path().join("printer"))
        .expect("ippeveprinter starts (apt-get install cups-ipp-utils dbus)");
    printer(dir.path(), "P1", &sim.uri(), "100");
    (dir, sim)
}

fn attempts(d: &Path) -> Vec<(i64, String, String, Option<String>)> {
    let db = Connection::open(d.join("x.db")).expect("db");
    let mut s = db
        .prepare("SELECT id, state, job_name, suggested_cause FROM print_attempts ORDER BY id")
        .expect("prepare");
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn balanced(d: &Path) -> serde_json::Value {
    let r = json(&cetak(d, &["stock", "reconcile", "--json"]));
    assert_eq!(r["balanced"], true, "{r}");
    r
}

#[test]
fn cards_go_through_a_real_ipp_printer_and_are_followed_to_completion() {
    let (dir, sim) = setup(60);
    let d = dir.path();
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "3",
            "--poll-ms",
            "50",
            "--json",
        ],
    ));
    assert_eq!(
        (run["started"].as_i64(), run["completed"].as_i64()),
        (Some(3), Some(3)),
        "{run}"
    );
    let printed = sim.printed();
    assert_eq!(printed.len(), 3, "{printed:?}");
    for (_, state, job_name, _) in attempts(d) {
        assert_eq!(state, "completed");
        assert!(
            printed.iter().any(|f| f.starts_with(&job_name)),
            "{job_name} not among {printed:?}"
        );
    }
    let r = balanced(d);
    assert_eq!(r["issued"], 3);
}

#[test]
fn a_jam_sends_the_card_to_inspection_and_stops_the_printer() {
    let (dir, sim) = setup(60);
    let d = dir.path();
    sim.set_fault(Fault::Jam);
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "5",
            "--poll-ms",
            "50",
            "--json",
        ],
    ));
    assert_eq!(
        run["started"], 1,
        "a jammed printer gets no second card: {run}"
    );
    assert_eq!(run["to_inspect"], 1, "{run}");
    assert_eq!(run["stopped_because"], "awaiting_inspection", "{run}");
    assert!(run["notices"].to_string().contains("media-jam"), "{run}");
    let a = attempts(d);
    assert_eq!(a[0].1, "inspect");
    assert_eq!(
        a[0].3.as_deref(),
        Some("jam"),
        "the printer's reason suggests the cause"
    );
    let r = balanced(d);
    assert_eq!(r["awaiting_outcome"], 1);
    // The operator clears the jam and records the spoiled card.
    ok(&cetak(
        d,
        &["print", "inspect", &a[0].0.to_string(), "--spoiled", "jam"],
    ));
    let r = balanced(d);
    assert_eq!(
        (r["spoiled"].as_i64(), r["awaiting_outcome"].as_i64()),
        (Some(1), Some(0))
    );
}

#[test]
fn cover_open_and_empty_hopper_block_the_printer_without_using_a_blank() {
    let (dir, mut sim) = setup(60);
    let d = dir.path();
    sim.set_fault(Fault::CoverOpen);
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "5",
            "--poll-ms",
            "50",
            "--json",
        ],
    ));
    assert_eq!(run["to_inspect"], 1, "{run}");
    assert!(run["notices"].to_string().contains("cover-open"), "{run}");
    // A fresh printer with an empty hopper: nothing is claimed at all.
    sim.restart().expect("restart");
    sim.set_fault(Fault::None);
    sim.set_media_empty(true);
    let before = attempts(d).len();
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "5",
            "--poll-ms",
            "50",
            "--json",
        ],
    ));
    assert_eq!(run["started"], 0, "{run}");
    assert!(run["notices"].to_string().contains("media-empty"), "{run}");
    assert_eq!(attempts(d).len(), before);
    balanced(d);
    // The cover-open card never left the hopper: the operator says so, and the blank and the
    // record are used again for the next card.
    ok(&cetak(d, &["print", "inspect", "1", "--unused"]));
    sim.set_media_empty(false);
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "1",
            "--poll-ms",
            "50",
            "--json",
        ],
    ));
    assert_eq!(run["completed"], 1, "{run}");
    let db = Connection::open(d.join("x.db")).expect("db");
    let (serials, records): (i64, i64) = db
        .query_row(
            "SELECT count(DISTINCT serial), count(DISTINCT recording_id) FROM print_attempts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("query");
    assert_eq!(
        (serials, records),
        (1, 1),
        "same blank, same record, a new attempt"
    );
    let r = balanced(d);
    assert_eq!(r["issued"], 1);
}

/// `printer add` with an `ipps://` URI pinning the printer's certificate, then `print run`:
/// the cards go over TLS (ippeveprinter logs each encrypted session) and are followed to
/// completion like over `ipp://`. Without a pin the address is refused when it is added.
#[test]
fn cards_go_over_ipps_to_the_pinned_printer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 20);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "10", "--ref", "R1",
        ],
    ));
    let sim = SimPrinter::start(&d.join("printer"))
        .expect("ippeveprinter starts (apt-get install cups-ipp-utils dbus)");
    let unpinned = format!("ipps://localhost:{}/ipp/print", sim.port());
    let refused = cetak(
        d,
        &[
            "printer",
            "add",
            "P0",
            "--uri",
            &unpinned,
            "--cards-per-day",
            "10",
        ],
    );
    assert!(
        !refused.status.success(),
        "an unpinned ipps:// printer was added"
    );
    let uri = sim.ipps_uri().expect("the printer's certificate");
    printer(d, "P1", &uri, "100");
    let encrypted = || {
        std::fs::read_to_string(sim.log_path())
            .expect("printer.log")
            .matches("Connection now encrypted")
            .count()
    };
    let before = encrypted();
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "2",
            "--poll-ms",
            "50",
            "--json",
        ],
    ));
    assert_eq!(
        (run["started"].as_i64(), run["completed"].as_i64()),
        (Some(2), Some(2)),
        "{run}"
    );
    let printed = sim.printed();
    assert_eq!(printed.len(), 2, "{printed:?}");
    for (_, state, job_name, _) in attempts(d) {
        assert_eq!(state, "completed");
        assert!(printed.iter().any(|f| f.starts_with(&job_name)));
    }
    // Each request is one connection: at least the two Print-Jobs went over TLS.
    assert!(encrypted() >= before + 2, "{before} → {}", encrypted());
    assert_eq!(balanced(d)["issued"], 2);
}

#[test]
fn an_unreachable_printer_uses_no_blank_and_no_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 40);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "10", "--ref", "R1",
        ],
    ));
    // A port nobody listens on.
    let port = common::free_port();
    printer(d, "P1", &format!("ipp://127.0.0.1:{port}/ipp/print"), "10");
    let run = run_json(&cetak(
        d,
        &["print", "run", "--request-timeout-s", "2", "--json"],
    ));
    assert_eq!(run["started"], 0, "{run}");
    assert_eq!(run["stopped_because"], "printers_blocked", "{run}");
    assert!(run["notices"].to_string().contains("unreachable"), "{run}");
    let r = balanced(d);
    assert_eq!(r["unused"], 10);
}

#[test]
fn a_printer_restarted_mid_job_is_not_trusted_with_a_reused_job_id() {
    let (dir, mut sim) = setup(60);
    let d = dir.path();
    sim.set_fault(Fault::Slow(4));
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(d)
        .env("CETAK_DB", "x.db")
        .env("CETAK_LANG", "en")
        .args([
            "print",
            "run",
            "--max-cards",
            "1",
            "--poll-ms",
            "50",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while attempts(d).first().map(|a| a.1.as_str()) != Some("sent") {
        assert!(Instant::now() < deadline, "the job was never accepted");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The printer dies mid-job and comes back with its job ids starting again at 1.
    sim.kill();
    sim.set_fault(Fault::None);
    sim.restart().expect("restart");
    let out = run.wait_with_output().expect("run ends");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["to_inspect"], 1, "{summary}");
    let a = attempts(d);
    assert_eq!(a.len(), 1, "nothing was sent again");
    assert_eq!(a[0].1, "inspect");
    // The printer waits for that inspection (its blank may be on top of the hopper); the
    // operator empties the hopper into the safe instead, and the next run prints the next
    // record, never this one again on its own.
    let held = run_json(&cetak(d, &["print", "run", "--max-cards", "1", "--json"]));
    assert_eq!(held["started"], 0, "{held}");
    ok(&cetak(d, &["printer", "reseat", "P1"]));
    let next = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "1",
            "--poll-ms",
            "50",
            "--json",
        ],
    ));
    assert_eq!(next["completed"], 1, "{next}");
    let a = attempts(d);
    assert_eq!((a[0].1.as_str(), a[1].1.as_str()), ("inspect", "completed"));
    balanced(d);
}

#[test]
fn a_job_slower_than_the_run_waits_stays_open_and_the_next_run_finishes_it() {
    let (dir, sim) = setup(60);
    let d = dir.path();
    sim.set_fault(Fault::Slow(3));
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "1",
            "--poll-ms",
            "50",
            "--job-timeout-s",
            "0.5",
            "--json",
        ],
    ));
    assert_eq!(run["still_pending"], 1, "{run}");
    assert_eq!(attempts(d)[0].1, "sent");
    // Nothing else goes to a printer that still works on a card.
    sim.set_fault(Fault::None);
    std::thread::sleep(Duration::from_secs(4));
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "0",
            "--poll-ms",
            "50",
            "--json",
        ],
    ));
    assert_eq!(run["recovered"], 1, "{run}");
    assert_eq!(attempts(d)[0].1, "completed");
    assert_eq!(sim.printed().len(), 1);
    balanced(d);
}

/// A proxy in front of a real printer that forwards every request but never answers a
/// Print-Job: the printer takes the card, the office never hears back — the request times out.
fn start_reply_eating_proxy(upstream_port: u16) -> u16 {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            std::thread::spawn(move || {
                // The client sends one request with Content-Length and `Connection: close`.
                let mut req = Vec::new();
                let mut buf = [0u8; 65536];
                let body_start = loop {
                    let Ok(n) = client.read(&mut buf) else { return };
                    if n == 0 {
                        return;
                    }
                    req.extend_from_slice(&buf[..n]);
                    if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&req[..body_start]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while req.len() < body_start + length {
                    let Ok(n) = client.read(&mut buf) else { return };
                    if n == 0 {
                        return;
                    }
                    req.extend_from_slice(&buf[..n]);
                }
                // IPP operation-id: bytes 2..4 of the body; 0x0002 is Print-Job.
                let print_job = req.get(body_start + 2..body_start + 4) == Some(&[0, 2][..]);
                let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                    return;
                };
                if up.write_all(&req).is_err() {
                    return;
                }
                // The printer may keep the connection open: take what arrives until it pauses.
                let _ = up.set_read_timeout(Some(Duration::from_millis(300)));
                let mut reply = Vec::new();
                while let Ok(n) = up.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    reply.extend_from_slice(&buf[..n]);
                }
                if print_job {
                    // Hold the line until the client gives up.
                    let _ = client.read(&mut buf);
                    return;
                }
                let _ = client.write_all(&reply);
            });
        }
    });
    port
}

#[test]
fn a_print_job_whose_reply_is_lost_is_found_in_the_printer_and_not_sent_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 60);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "50", "--ref", "R1",
        ],
    ));
    let sim = SimPrinter::start(&d.join("printer")).expect("ippeveprinter starts");
    let port = start_reply_eating_proxy(sim.port());
    printer(d, "P1", &format!("ipp://localhost:{port}/ipp/print"), "100");
    let run = run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "2",
            "--poll-ms",
            "50",
            "--request-timeout-s",
            "1",
            "--json",
        ],
    ));
    // Each card: the Print-Job times out, the spool finds the job by its name in the printer's
    // own list and follows it to completion — one card each, never a second submission.
    assert_eq!(
        (run["started"].as_i64(), run["completed"].as_i64()),
        (Some(2), Some(2)),
        "{run}"
    );
    let a = attempts(d);
    assert!(a.iter().all(|a| a.1 == "completed"), "{a:?}");
    let printed = sim.printed();
    assert_eq!(printed.len(), 2, "{printed:?}");
    let db = Connection::open(d.join("x.db")).expect("db");
    let uncertain: i64 = db
        .query_row(
            "SELECT count(*) FROM print_attempts WHERE uncertain = 1",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(uncertain, 2, "both submissions were recorded as unanswered");
    balanced(d);
}
