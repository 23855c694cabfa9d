//! Card production stays true after an operator's reasonable move (issue 13): each test plays
//! one move that broke a promise before, against real ippeveprinters, with the physical ledger
//! (`common::ledger`) compared with the books after every step.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cetak_ipp::sim::{Fault, SimPrinter};
use common::ledger::Ledger;
use common::{cetak, cetak_env, fails_with, json, office, ok, run_json};
use rusqlite::Connection;

fn setup(rows: u64, blanks: i64) -> (tempfile::TempDir, SimPrinter, Ledger) {
    let dir = tempfile::tempdir().expect("tempdir");
    office(dir.path(), rows);
    let last = blanks.to_string();
    ok(&cetak(
        dir.path(),
        &[
            "stock", "receive", "--first", "1", "--last", &last, "--ref", "R1",
        ],
    ));
    let sim = SimPrinter::start(&dir.path().join("printer"))
        .expect("ippeveprinter starts (apt-get install cups-ipp-utils dbus)");
    ok(&cetak(
        dir.path(),
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
    let mut ledger = Ledger::default();
    ledger.receive(1, blanks);
    (dir, sim, ledger)
}

fn step(ledger: &mut Ledger, d: &Path, sim: &SimPrinter) {
    ledger.observe(d, &[("P1", sim)]);
    ledger.check(d);
}

fn run(d: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["print", "run", "--poll-ms", "50", "--json"];
    args.extend_from_slice(extra);
    run_json(&cetak(d, &args))
}

fn attempt_states(d: &Path) -> Vec<(i64, String, String)> {
    let db = Connection::open(d.join("x.db")).expect("db");
    let mut s = db
        .prepare("SELECT id, state, job_name FROM print_attempts ORDER BY id")
        .expect("prepare");
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn balanced_and_one_card(d: &Path) -> serde_json::Value {
    let r = json(&cetak(d, &["stock", "reconcile", "--json"]));
    assert_eq!(r["balanced"], true, "{r}");
    let store = cetak_store::Store::open(&d.join("x.db")).expect("store");
    let v = store.card_violations().expect("violations");
    assert!(v.is_empty(), "{v:?}");
    r
}

/// 1. The returned old card after a replacement is spoiled without touching the resident's
///    new card or putting the record back in the queue.
#[test]
fn spoiling_a_returned_revoked_card_never_prints_a_third_card() {
    let (dir, sim, mut ledger) = setup(30, 50);
    let d = dir.path();
    run(d, &["--max-cards", "1"]);
    step(&mut ledger, d, &sim);
    let (_, _, job) = attempt_states(d).remove(0);
    let old_serial = common::ledger::serial_of(&job);
    let db = Connection::open(d.join("x.db")).expect("db");
    let nik: String = db
        .query_row(
            "SELECT nik FROM cards WHERE serial = ?1",
            [old_serial],
            |r| r.get(0),
        )
        .expect("card");
    ok(&cetak(d, &["handover", &nik, "--to", "SITI"]));
    ok(&cetak(d, &["print", "replace", &nik, "--reason", "lost"]));
    // The replacement is printed: raised to the front, so the next card is it.
    let rec: String = db
        .query_row(
            "SELECT recording_id FROM cards WHERE serial = ?1",
            [old_serial],
            |r| r.get(0),
        )
        .expect("record");
    ok(&cetak(
        d,
        &["print", "raise", &rec, "--reason", "replacement"],
    ));
    run(d, &["--max-cards", "1"]);
    step(&mut ledger, d, &sim);
    let queue_before: i64 = db
        .query_row(
            "SELECT count(*) FROM records WHERE state IN ('unique', 'queued')",
            [],
            |r| r.get(0),
        )
        .expect("queue");
    // The resident brings the old card back; the monthly return needs it spoiled.
    let out = json(&cetak(
        d,
        &[
            "print",
            "spoil",
            &old_serial.to_string(),
            "--cause",
            "other",
            "--json",
        ],
    ));
    assert_eq!(out["returned"], true, "{out}");
    assert_eq!(out["reprint"], false, "{out}");
    let queue_after: i64 = db
        .query_row(
            "SELECT count(*) FROM records WHERE state IN ('unique', 'queued')",
            [],
            |r| r.get(0),
        )
        .expect("queue");
    assert_eq!(
        queue_after, queue_before,
        "the record did not go back to the queue"
    );
    // The next run prints other residents, never a third card for this one, and never dies.
    run(d, &["--max-cards", "3"]);
    step(&mut ledger, d, &sim);
    let cards: i64 = db
        .query_row("SELECT count(*) FROM cards WHERE nik = ?1", [&nik], |r| {
            r.get(0)
        })
        .expect("cards");
    assert_eq!(cards, 2, "the old card and its replacement, nothing more");
    // Spoiling the same returned card again, or the card in the resident's hands, is refused.
    fails_with(
        &cetak(
            d,
            &[
                "print",
                "spoil",
                &old_serial.to_string(),
                "--cause",
                "other",
            ],
        ),
        "already recorded",
    );
    let r = balanced_and_one_card(d);
    assert!(r["spoiled"].as_i64() >= Some(1), "{r}");
}

/// 2. An attempt waiting for inspection holds its printer back: the next card is not printed on
///    a blank the books think is next while the unfed blank is still on top of the hopper.
#[test]
fn a_card_waiting_for_inspection_holds_its_printer_and_every_serial_stays_exact() {
    let (dir, mut sim, mut ledger) = setup(40, 50);
    let d = dir.path();
    run(d, &["--max-cards", "2"]);
    step(&mut ledger, d, &sim);
    // The cover opens: the job aborts before the engine takes a blank.
    sim.set_fault(Fault::CoverOpen);
    let r = run(d, &["--max-cards", "5"]);
    step(&mut ledger, d, &sim);
    assert_eq!(
        r["started"], 1,
        "a printer waiting for an inspection gets no second card: {r}"
    );
    assert_eq!(r["stopped_because"], "awaiting_inspection", "{r}");
    // The operator closes the cover; a new run still gives the printer nothing.
    sim.restart().expect("restart");
    sim.set_fault(Fault::None);
    let r = run(d, &["--max-cards", "5"]);
    assert_eq!(r["started"], 0, "{r}");
    step(&mut ledger, d, &sim);
    // The truth from the ledger: the blank was never fed.
    let (id, state, job) = attempt_states(d).pop().expect("attempt");
    assert_eq!(state, "inspect");
    assert!(
        ledger.fed_job(&job).is_none(),
        "the cover-open job fed no blank"
    );
    ok(&cetak(
        d,
        &["print", "inspect", &id.to_string(), "--unused"],
    ));
    step(&mut ledger, d, &sim);
    // Printing goes on, and the next card goes on the blank physically on top.
    let r = run(d, &["--max-cards", "4"]);
    assert_eq!(r["completed"], 4, "{r}");
    step(&mut ledger, d, &sim);
    balanced_and_one_card(d);

    // The other way out: the operator empties the hopper into the safe instead.
    sim.set_fault(Fault::CoverOpen);
    run(d, &["--max-cards", "1"]);
    step(&mut ledger, d, &sim);
    sim.restart().expect("restart");
    sim.set_fault(Fault::None);
    ok(&cetak(d, &["printer", "reseat", "P1"]));
    ledger.reseat("P1");
    step(&mut ledger, d, &sim);
    let r = run(d, &["--max-cards", "3"]);
    assert_eq!(r["completed"], 3, "a re-seated printer prints again: {r}");
    assert!(
        !r["loads"].as_array().expect("loads").is_empty(),
        "told what to load: {r}"
    );
    step(&mut ledger, d, &sim);
    // The held attempt's blank went to the safe with the hopper; found unused, it stays there.
    let (id, state, job) = attempt_states(d)
        .into_iter()
        .find(|a| a.1 == "inspect")
        .expect("the held attempt is still open");
    assert_eq!(state, "inspect");
    assert!(ledger.fed_job(&job).is_none());
    ok(&cetak(
        d,
        &["print", "inspect", &id.to_string(), "--unused"],
    ));
    step(&mut ledger, d, &sim);
    let r = run(d, &["--max-cards", "2"]);
    assert_eq!(r["completed"], 2, "{r}");
    step(&mut ledger, d, &sim);
    balanced_and_one_card(d);
}

/// 3. "Unused" is refused while the printer still holds the job; the card then comes out and is
///    recorded once.
#[test]
fn inspect_unused_is_refused_while_the_printer_still_holds_the_job() {
    let (dir, sim, mut ledger) = setup(20, 50);
    let d = dir.path();
    sim.set_fault(Fault::Slow(4));
    // The run stops waiting after 1 s; the job stays open at the printer.
    let r = run(d, &["--max-cards", "1", "--job-timeout-s", "1"]);
    assert_eq!(r["still_pending"], 1, "{r}");
    let (id, _, _) = attempt_states(d).remove(0);
    let out = cetak(d, &["print", "inspect", &id.to_string(), "--unused"]);
    fails_with(&out, "still holds this job");
    let (_, state, _) = attempt_states(d).remove(0);
    assert_eq!(state, "sent", "a refused inspection moves nothing");
    std::thread::sleep(Duration::from_secs(5));
    let r = run(d, &[]);
    assert_eq!(r["recovered"], 1, "{r}");
    step(&mut ledger, d, &sim);
    let (_, state, _) = attempt_states(d).remove(0);
    assert_eq!(state, "completed");
    balanced_and_one_card(d);
}

/// 4. A printer whose controller restarts while the engine still feeds the card: the run does
///    not call the card missing until the printer is idle and a second look agrees — by then
///    the card is in the tray.
#[test]
fn after_a_printer_restart_the_card_is_out_before_anyone_is_asked_to_look() {
    let (dir, mut sim, mut ledger) = setup(20, 50);
    let d = dir.path();
    sim.set_fault(Fault::Slow(5));
    let r = run(d, &["--max-cards", "1", "--job-timeout-s", "0.5"]);
    assert_eq!(r["still_pending"], 1, "{r}");
    let t0 = Instant::now();
    sim.kill_controller_only();
    sim.start_controller().expect("controller back");
    sim.set_fault(Fault::None);
    // The restarted printer knows no job; its engine still has the card.
    let r = run(d, &["--max-cards", "1", "--gone-confirm-s", "8"]);
    step(&mut ledger, d, &sim);
    let (id, state, job) = attempt_states(d).remove(0);
    // The restarted printer cannot vouch for the job: a person looks — but only once the card
    // had time to come out.
    assert_eq!(state, "inspect", "{r}");
    assert!(
        sim.printed().iter().any(|f| f.starts_with(&job)),
        "the run sent the operator to the tray before the card was there ({:.1} s): {r}",
        t0.elapsed().as_secs_f64()
    );
    // The operator finds it and says good; nothing prints twice.
    ok(&cetak(d, &["print", "inspect", &id.to_string(), "--good"]));
    step(&mut ledger, d, &sim);
    balanced_and_one_card(d);
}

/// 5. Two print runs at once: the second drives no printer the first holds, says so in words,
///    and the first's card is never marked "cannot confirm" by the other.
#[test]
fn a_second_print_run_leaves_the_printer_to_the_first() {
    let (dir, sim, mut ledger) = setup(20, 50);
    let d = dir.path();
    sim.set_fault(Fault::Slow(2));
    let first = Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(d)
        .env("CETAK_LANG", "en")
        .env("CETAK_DB", "x.db")
        .args([
            "print",
            "run",
            "--max-cards",
            "2",
            "--poll-ms",
            "50",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("first run");
    std::thread::sleep(Duration::from_millis(700));
    let second = cetak(d, &["print", "run", "--poll-ms", "50", "--json"]);
    fails_with(&second, "no printer this run can drive");
    fails_with(&second, "driven by another print run");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        !err.contains("UNIQUE") && !err.contains("database"),
        "{err}"
    );
    let out = first.wait_with_output().expect("first ends");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (v["completed"].as_i64(), v["to_inspect"].as_i64()),
        (Some(2), Some(0)),
        "{v}"
    );
    step(&mut ledger, d, &sim);
    // A run killed mid-card leaves its lease; the next run on this host takes it over.
    sim.set_fault(Fault::Slow(1));
    let mut killed = Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(d)
        .env("CETAK_LANG", "en")
        .env("CETAK_DB", "x.db")
        .args([
            "print",
            "run",
            "--max-cards",
            "1",
            "--poll-ms",
            "50",
            "--json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run");
    std::thread::sleep(Duration::from_millis(500));
    killed.kill().expect("SIGKILL");
    killed.wait().expect("reap");
    std::thread::sleep(Duration::from_secs(2));
    let r = run(d, &["--max-cards", "1"]);
    assert!(r["notices"].to_string().contains("taken over"), "{r}");
    step(&mut ledger, d, &sim);
    balanced_and_one_card(d);
}

/// 6. A blank that is a card cannot be "spoiled" from the stock commands.
#[test]
fn stock_spoil_refuses_an_issued_blank_and_says_how_to_record_a_returned_card() {
    let (dir, sim, mut ledger) = setup(20, 50);
    let d = dir.path();
    run(d, &["--max-cards", "1"]);
    step(&mut ledger, d, &sim);
    let serial = common::ledger::serial_of(&attempt_states(d).remove(0).2).to_string();
    let out = cetak(
        d,
        &[
            "stock",
            "spoil",
            &serial,
            "--cause",
            "other",
            "--reason",
            "scratched",
        ],
    );
    fails_with(&out, "is a printed card");
    fails_with(&out, "cetak print spoil");
    balanced_and_one_card(d);
}

/// 7. A printer with an unusable address is refused at `printer add`, and one that became
///    unusable stops only itself; printers can be edited and removed.
#[test]
fn a_bad_printer_address_never_blocks_the_others() {
    let (dir, sim, mut ledger) = setup(30, 50);
    let d = dir.path();
    for bad in [
        "ipps://localhost:631/ipp/print",
        "ipp:///ipp/print",
        "lpd://x/q",
    ] {
        fails_with(
            &cetak(
                d,
                &["printer", "add", "P9", "--uri", bad, "--cards-per-day", "5"],
            ),
            "unusable printer address",
        );
    }
    // An address written by an older cetak that the client cannot use.
    ok(&cetak(
        d,
        &[
            "printer",
            "add",
            "P2",
            "--uri",
            "ipp://localhost:9/x",
            "--cards-per-day",
            "5",
        ],
    ));
    let db = Connection::open(d.join("x.db")).expect("db");
    db.execute("UPDATE printers SET uri = 'ipps://' WHERE name = 'P2'", [])
        .expect("old uri");
    let r = run(d, &["--max-cards", "2"]);
    assert_eq!(r["completed"], 2, "P1 prints: {r}");
    assert!(
        r["notices"].to_string().contains("cetak printer set P2"),
        "{r}"
    );
    step(&mut ledger, d, &sim);
    ok(&cetak(
        d,
        &[
            "printer",
            "set",
            "P2",
            "--uri",
            "dir:p2-cards",
            "--cards-per-day",
            "3",
        ],
    ));
    ok(&cetak(d, &["printer", "pause", "P2"]));
    let removed = json(&cetak(d, &["printer", "remove", "P2", "--json"]));
    assert_eq!(removed["name"], "P2");
    let list = json(&cetak(d, &["printer", "list", "--json"]));
    assert_eq!(list["printers"].as_array().map(Vec::len), Some(1), "{list}");
    // The name is free again.
    ok(&cetak(
        d,
        &[
            "printer",
            "add",
            "P2",
            "--uri",
            "dir:p2b",
            "--cards-per-day",
            "3",
        ],
    ));
    balanced_and_one_card(d);
}

/// 8. A clock that jumped forward does not block printing once a supervisor says it is right
///    again, and no writing command records a time before the last one.
#[test]
fn a_clock_that_ran_ahead_is_recognised_and_recovered_by_a_supervisor() {
    let (dir, sim, mut ledger) = setup(30, 50);
    let d = dir.path();
    ok(&cetak(
        d,
        &[
            "printer",
            "set",
            "P1",
            "--cards-per-day",
            "100",
            "--burst",
            "2",
            "--cooldown-min",
            "30",
        ],
    ));
    let ahead = (40 * 86_400).to_string();
    let r = run_json(&cetak_env(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "2",
            "--poll-ms",
            "50",
            "--no-wait",
            "--json",
        ],
        &[("CETAK_CLOCK_SKEW_S", &ahead)],
    ));
    assert_eq!(r["completed"], 2, "{r}");
    step(&mut ledger, d, &sim);
    // The clock is set right: the guard keeps the recorded (future) time and says so.
    let nik: String = Connection::open(d.join("x.db"))
        .expect("db")
        .query_row("SELECT nik FROM cards LIMIT 1", [], |r| r.get(0))
        .expect("card");
    let out = cetak(d, &["handover", &nik, "--to", "AMINAH"]);
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("clock reset"),
        "the hand-over warns about the clock"
    );
    let db = Connection::open(d.join("x.db")).expect("db");
    let backwards: i64 = db
        .query_row(
            "SELECT count(*) FROM audit_log a JOIN audit_log b ON b.seq = a.seq + 1 WHERE b.at < a.at",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(backwards, 0, "no audit time runs backwards");
    // The printer cools down until a date 40 days away; a run prints nothing.
    let r = run(d, &["--max-cards", "2", "--no-wait"]);
    assert_eq!(r["started"], 0, "{r}");
    fails_with(
        &cetak(d, &["clock", "reset", "--reason", "BIOS battery"]),
        "only a supervisor",
    );
    ok(&cetak(
        d,
        &[
            "--actor",
            "supervisor:rina",
            "clock",
            "reset",
            "--reason",
            "BIOS battery replaced",
        ],
    ));
    let r = run(d, &["--max-cards", "2", "--no-wait"]);
    assert_eq!(r["completed"], 2, "printing goes on after the reset: {r}");
    step(&mut ledger, d, &sim);
    let resets: i64 = db
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'clock_reset' AND actor = 'supervisor:rina'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(resets, 1);
    ok(&cetak(d, &["audit", "verify"]));
    balanced_and_one_card(d);
}

/// 9. A run tells a script whether anything printed; each notice is said once; HTTP 4xx after a
///    Print-Job is never "not delivered" (covered in cetak-ipp's hostile tests).
#[test]
fn exit_codes_say_whether_anything_printed_and_notices_come_once() {
    let (dir, sim, _ledger) = setup(20, 50);
    let d = dir.path();
    sim.set_media_empty(true);
    let out = cetak(d, &["print", "run", "--max-cards", "2", "--poll-ms", "50"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "nothing printed while cards wait"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("media-empty").count(),
        1,
        "one notice, said once: {err}"
    );
    sim.set_media_empty(false);
    let out = cetak(d, &["print", "run", "--max-cards", "1", "--poll-ms", "50"]);
    assert_eq!(out.status.code(), Some(0));
    // Status asks the printer and shows the hopper.
    let st = json(&cetak(d, &["print", "status", "--json"]));
    assert_eq!(st["printers"][0]["reachable"], true, "{st}");
    assert!(
        !st["printers"][0]["hopper"]
            .as_array()
            .expect("hopper")
            .is_empty()
    );
    drop(sim);
    let st = json(&cetak(d, &["print", "status", "--json"]));
    assert_eq!(
        st["printers"][0]["reachable"], false,
        "an unreachable printer is not ready: {st}"
    );
}
