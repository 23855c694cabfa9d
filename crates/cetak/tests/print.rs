//! Card production through the real binary with instant directory printers: the spool's
//! durable path, blank stock, hand-over, replacement, reports, bad input and clock jumps.
//! (The IPP printer tests are in ipp.rs; crash tests in print_crash.rs.)

mod common;

use std::path::Path;

use common::{cetak, cetak_env, fails_with, json, office, ok, run_json};
use rusqlite::Connection;

fn add_dir_printer(dir: &Path, name: &str, per_day: &str, extra: &[&str]) {
    let uri = format!("dir:{}", dir.join(format!("out-{name}")).display());
    let mut args = vec![
        "printer",
        "add",
        name,
        "--uri",
        &uri,
        "--cards-per-day",
        per_day,
    ];
    args.extend_from_slice(extra);
    ok(&cetak(dir, &args));
}

fn reconcile(dir: &Path) -> serde_json::Value {
    json(&cetak(dir, &["stock", "reconcile", "--json"]))
}

/// Promise 2 and 3 straight from the database.
fn assert_books_and_cards(dir: &Path) {
    let r = reconcile(dir);
    assert_eq!(r["balanced"], true, "{r}");
    let n = |k: &str| r[k].as_i64().expect("count");
    assert_eq!(
        n("received"),
        n("issued") + n("spoiled") + n("on_hand") + n("missing"),
        "{r}"
    );
    let db = Connection::open(dir.join("x.db")).expect("db");
    let two_good: i64 = db
        .query_row(
            "SELECT count(*) FROM (SELECT recording_id FROM cards WHERE state IN ('printed','issued')
             GROUP BY recording_id HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(two_good, 0, "a record has two good cards");
    let forbidden: i64 = db
        .query_row(
            "SELECT count(*) FROM cards k JOIN records r ON r.recording_id = k.recording_id
             WHERE r.state IN ('duplicate','awaiting_decision','received')",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(
        forbidden, 0,
        "a card exists for a record that may not be printed"
    );
    ok(&cetak(dir, &["audit", "verify"]));
}

#[test]
fn a_day_of_printing_spends_capacity_and_balances_the_books() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let summary = office(d, 400);
    let unique = summary["unique"].as_i64().expect("unique");
    add_dir_printer(d, "P1", "30", &["--burst", "10"]);
    add_dir_printer(d, "P2", "20", &[]);
    ok(&cetak(
        d,
        &[
            "stock",
            "receive",
            "--first",
            "5001",
            "--last",
            "5100",
            "--ref",
            "SJ-01/2026",
        ],
    ));
    let run = run_json(&cetak(d, &["print", "run", "--json"]));
    // 50 cards of capacity in the day, split by capacity left; the queue is longer.
    assert!(unique > 50, "test needs a longer queue than capacity");
    assert_eq!(run["started"], 50, "{run}");
    assert_eq!(run["completed"], 50, "{run}");
    assert_eq!(run["stopped_because"], "capacity_or_hours", "{run}");
    let status = json(&cetak(d, &["print", "status", "--json"]));
    let today: Vec<i64> = status["printers"]
        .as_array()
        .expect("printers")
        .iter()
        .map(|p| p["printed_today"].as_i64().expect("n"))
        .collect();
    assert_eq!(today, vec![30, 20]);
    assert_eq!(status["queue"].as_i64(), Some(unique - 50));
    let files = std::fs::read_dir(d.join("out-P1")).expect("out").count()
        + std::fs::read_dir(d.join("out-P2")).expect("out").count();
    assert_eq!(files, 50, "one file per card");
    let r = reconcile(d);
    assert_eq!(
        (r["issued"].as_i64(), r["on_hand"].as_i64()),
        (Some(50), Some(50))
    );
    assert_books_and_cards(d);
}

#[test]
fn the_queue_prints_raised_records_first_then_longest_waiting_first_cards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 300);
    let db = Connection::open(d.join("x.db")).expect("db");
    let order: Vec<String> = {
        let mut s = db
            .prepare(
                "SELECT recording_id FROM records WHERE state = 'unique' AND jenis_permohonan = 'BARU'
                 ORDER BY recorded_at, recording_id",
            )
            .expect("prepare");
        s.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let newest = order.last().expect("some").clone();
    ok(&cetak(
        d,
        &[
            "print",
            "raise",
            &newest,
            "--reason",
            "resident is travelling for hajj",
        ],
    ));
    add_dir_printer(d, "P1", "4", &[]);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "10", "--ref", "R1",
        ],
    ));
    run_json(&cetak(d, &["print", "run", "--json"]));
    let printed: Vec<String> = {
        let mut s = db
            .prepare("SELECT recording_id FROM print_attempts ORDER BY id")
            .expect("prepare");
        s.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(printed[0], newest, "the raised record goes first");
    assert_eq!(
        printed[1..],
        order[..3],
        "then the longest-waiting first cards"
    );
    // Serials follow the hopper: the lowest first.
    let serials: Vec<i64> = {
        let mut s = db
            .prepare("SELECT serial FROM print_attempts ORDER BY id")
            .expect("prepare");
        s.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(serials, vec![1, 2, 3, 4]);
}

#[test]
fn handover_spoil_and_replacement_keep_one_valid_card_per_resident() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 200);
    add_dir_printer(d, "P1", "5", &["--burst", "5", "--cooldown-min", "1"]);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "100", "--last", "199", "--ref", "R1",
        ],
    ));
    run_json(&cetak(d, &["print", "run", "--json", "--no-wait"]));
    let db = Connection::open(d.join("x.db")).expect("db");
    let cards: Vec<(i64, String)> = {
        let mut s = db
            .prepare("SELECT serial, nik FROM cards ORDER BY serial")
            .expect("prepare");
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(cards.len(), 5);
    let (serial0, nik0) = cards[0].clone();
    let (serial1, nik1) = cards[1].clone();
    // Hand one over; a second hand-over of the same NIK finds no printed card.
    let h = json(&cetak(
        d,
        &["handover", &nik0, "--to", "the resident", "--json"],
    ));
    assert_eq!(h["serial"], serial0);
    fails_with(
        &cetak(d, &["handover", &nik0, "--to", "someone"]),
        "no printed card",
    );
    // A card handed over cannot be reported spoiled: it needs a replacement.
    fails_with(
        &cetak(
            d,
            &["print", "spoil", &serial0.to_string(), "--cause", "melted"],
        ),
        "in the resident's hands",
    );
    // A melted card before hand-over: reprinted later, and the printer cools down longer.
    let s = ok(&cetak(
        d,
        &["print", "spoil", &serial1.to_string(), "--cause", "melted"],
    ));
    assert!(s.contains("cools down longer"), "{s}");
    let strikes: i64 = db
        .query_row(
            "SELECT heat_strikes FROM printers WHERE name = 'P1'",
            [],
            |r| r.get(0),
        )
        .expect("strikes");
    assert_eq!(strikes, 1);
    let state: String = db
        .query_row(
            "SELECT r.state FROM records r JOIN cards k ON k.recording_id = r.recording_id WHERE k.serial = ?1",
            [serial1],
            |r| r.get(0),
        )
        .expect("state");
    assert_eq!(
        state, "queued",
        "a spoiled card's record goes back to the queue"
    );
    fails_with(
        &cetak(d, &["handover", &nik1, "--to", "x"]),
        "no printed card",
    );
    // Replacement: the old card is revoked, the record is queued again.
    ok(&cetak(
        d,
        &["print", "replace", &nik0, "--reason", "lost in a flood"],
    ));
    let old: String = db
        .query_row(
            "SELECT state FROM cards WHERE serial = ?1",
            [serial0],
            |r| r.get(0),
        )
        .expect("card");
    assert_eq!(old, "revoked");
    let r = reconcile(d);
    assert_eq!(r["spoiled"], 1, "{r}");
    assert_eq!(r["issued"], 4, "{r}");
    assert_books_and_cards(d);
    // The audit log says who did each of these.
    let log = ok(&cetak(d, &["audit", "log", "--limit", "500", "--json"]));
    for action in [
        "hand_over",
        "print_spoiled",
        "card_revoke",
        "request_replacement",
        "printer_cooldown",
    ] {
        assert!(log.contains(action), "audit log lacks {action}");
    }
}

#[test]
fn inspection_decides_unknown_outcomes_and_missing_blanks_are_flagged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 100);
    add_dir_printer(d, "P1", "10", &[]);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "20", "--ref", "R1",
        ],
    ));
    run_json(&cetak(d, &["print", "run", "--max-cards", "3", "--json"]));
    // An operator takes over a completed attempt? Not allowed: it is final.
    fails_with(
        &cetak(d, &["print", "inspect", "1", "--unused"]),
        "completed this card",
    );
    fails_with(
        &cetak(
            d,
            &[
                "print",
                "inspect",
                "1",
                "--unused",
                "--physically-checked",
                "tray empty",
            ],
        ),
        "this attempt is already printed",
    );
    fails_with(
        &cetak(d, &["print", "inspect", "1", "--good", "--unused"]),
        "cannot be used with",
    );
    fails_with(
        &cetak(d, &["print", "inspect", "99", "--good"]),
        "no print attempt",
    );
    // Lose blank 10 and find 11 spoiled in the safe.
    ok(&cetak(
        d,
        &[
            "stock",
            "missing",
            "10",
            "--reason",
            "not in the safe at the count",
        ],
    ));
    ok(&cetak(
        d,
        &[
            "stock",
            "spoil",
            "11",
            "--cause",
            "other",
            "--reason",
            "scratched",
        ],
    ));
    fails_with(
        &cetak(d, &["stock", "missing", "10", "--reason", "x"]),
        "not allowed",
    );
    fails_with(
        &cetak(d, &["stock", "missing", "999", "--reason", "x"]),
        "never received",
    );
    fails_with(
        &cetak(d, &["stock", "spoil", "12", "--cause", "dropped"]),
        "unknown cause",
    );
    let r = reconcile(d);
    assert_eq!(
        (
            r["missing"].as_i64(),
            r["spoiled"].as_i64(),
            r["issued"].as_i64()
        ),
        (Some(1), Some(1), Some(3))
    );
    assert_books_and_cards(d);
    // Tamper: a blank deleted behind cetak's back is named by serial.
    let db = Connection::open(d.join("x.db")).expect("db");
    db.execute("DELETE FROM blanks WHERE serial = 15", [])
        .expect("delete");
    let out = cetak(d, &["stock", "reconcile", "--json"]);
    assert!(!out.status.success(), "unbalanced books exit non-zero");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["balanced"], false);
    assert_eq!(r["problems"][0]["serial"], 15, "{r}");
}

#[test]
fn stock_and_printer_commands_refuse_bad_input_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 20);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "100", "--last", "199", "--ref", "R1",
        ],
    ));
    for (args, needle) in [
        (
            vec!["--first", "150", "--last", "250", "--ref", "R2"],
            "overlap",
        ),
        (
            vec!["--first", "300", "--last", "299", "--ref", "R2"],
            "empty",
        ),
        (
            vec!["--first", "0", "--last", "5", "--ref", "R2"],
            "not positive",
        ),
        (
            vec!["--first", "1000", "--last", "99999999", "--ref", "R2"],
            "at most",
        ),
        (
            vec!["--first", "1000", "--last", "1001", "--ref", " "],
            "reference",
        ),
        (
            vec![
                "--first",
                "1000",
                "--last",
                "1001",
                "--ref",
                "R",
                "--date",
                "2026-13-01",
            ],
            "yyyy-mm-dd",
        ),
        (
            vec!["--first", "x", "--last", "1001", "--ref", "R"],
            "invalid value",
        ),
    ] {
        let out = cetak(d, &[&["stock", "receive"][..], &args[..]].concat());
        fails_with(&out, needle);
    }
    assert_eq!(reconcile(d)["received"], 100);
    add_dir_printer(d, "P1", "10", &[]);
    for (args, needle) in [
        (
            vec!["P1", "--uri", "dir:/tmp/x", "--cards-per-day", "5"],
            "already exists",
        ),
        (
            vec!["P2", "--uri", "ftp://x", "--cards-per-day", "5"],
            "unusable printer address",
        ),
        (
            vec!["P2", "--uri", "ipp://x", "--cards-per-day", "0"],
            "positive",
        ),
        (
            vec![
                "P2",
                "--uri",
                "ipp://x",
                "--cards-per-day",
                "5",
                "--hours",
                "8-16",
            ],
            "bad start",
        ),
        (
            vec!["", "--uri", "ipp://x", "--cards-per-day", "5"],
            "printable",
        ),
    ] {
        fails_with(
            &cetak(d, &[&["printer", "add"][..], &args[..]].concat()),
            needle,
        );
    }
    let list = json(&cetak(d, &["printer", "list", "--json"]));
    assert_eq!(list["printers"].as_array().map(Vec::len), Some(1));
    fails_with(
        &cetak(d, &["report", "monthly", "--month", "2026-1"]),
        "yyyy-mm",
    );
    fails_with(
        &cetak(d, &["print", "raise", "NOPE", "--reason", "x"]),
        "no record",
    );
    fails_with(
        &cetak(
            d,
            &["print", "replace", "1671010101010001", "--reason", "x"],
        ),
        "nothing to replace",
    );
}

#[test]
fn monthly_report_counts_by_cause_and_lists_serials_in_csv_and_pdf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 100);
    add_dir_printer(d, "P1", "10", &[]);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "20", "--ref", "R1",
        ],
    ));
    run_json(&cetak(d, &["print", "run", "--json"]));
    ok(&cetak(d, &["print", "spoil", "2", "--cause", "misprint"]));
    ok(&cetak(
        d,
        &["print", "spoil", "3", "--cause", "chip-failure"],
    ));
    ok(&cetak(d, &["stock", "missing", "20", "--reason", "count"]));
    let month = json(&cetak(d, &["print", "status", "--json"]));
    assert!(month["printers"].is_array());
    // The office's month (WIB): from 17:00 UTC on the last day, UTC is a month behind.
    let wib = time::UtcOffset::from_hms(7, 0, 0).expect("WIB");
    let now = time::OffsetDateTime::now_utc().to_offset(wib);
    let month = format!("{:04}-{:02}", now.year(), u8::from(now.month()));
    json(&cetak(
        d,
        &[
            "report", "monthly", "--month", &month, "--out", "rep", "--json",
        ],
    ));
    let csv = std::fs::read_to_string(d.join(format!("rep/blangko-{month}.csv"))).expect("csv");
    assert!(csv.starts_with("category,cause,count,serials"), "{csv}");
    assert!(csv.contains("spoiled,misprint,1,2\n"), "{csv}");
    assert!(csv.contains("spoiled,chip_failure,1,3\n"), "{csv}");
    assert!(csv.contains("missing,,1,20\n"), "{csv}");
    assert!(csv.contains("issued,,8,1 4-10\n"), "{csv}");
    let pdf = std::fs::read(d.join(format!("rep/blangko-{month}.pdf"))).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn a_clock_set_back_after_a_power_cut_does_not_reopen_the_day() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 200);
    add_dir_printer(d, "P1", "6", &[]);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "50", "--ref", "R1",
        ],
    ));
    run_json(&cetak(d, &["print", "run", "--max-cards", "4", "--json"]));
    // The PC wakes up three days in the past: the spool keeps the last recorded time, so the
    // day's capacity is not granted again and no time in the log runs backwards.
    let back = (-3 * 86_400).to_string();
    let run = run_json(&cetak_env(
        d,
        &["print", "run", "--json"],
        &[("CETAK_CLOCK_SKEW_S", &back)],
    ));
    assert_eq!(
        run["started"], 2,
        "only the day's remaining capacity: {run}"
    );
    let notices = run["notices"].to_string();
    assert!(
        notices.contains("behind the last recorded time"),
        "{notices}"
    );
    let db = Connection::open(d.join("x.db")).expect("db");
    let backwards: i64 = db
        .query_row(
            "SELECT count(*) FROM print_attempts a JOIN print_attempts b ON b.id = a.id + 1
             WHERE b.created_at < a.created_at",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(backwards, 0);
    let days: i64 = db
        .query_row(
            "SELECT count(DISTINCT print_day) FROM print_attempts",
            [],
            |r| r.get(0),
        )
        .expect("days");
    assert_eq!(days, 1);
}

#[test]
fn an_encoder_printer_passes_over_records_without_a_photo_and_the_run_says_so_once() {
    // A v1 office (no media at all) whose only printer writes chips: no encode is started for
    // a record that cannot go on a chip — nothing is claimed, the printer is not stopped by a
    // failed encode, and the operator hears why nothing printed, once.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    office(d, 5);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "20", "--ref", "R1",
        ],
    ));
    add_dir_printer(d, "CHIP", "100", &["--encoder", "pcsc:No Such Reader"]);
    let r = run_json(&cetak(d, &["print", "run", "--json"]));
    let queued = r["queue"].as_i64().expect("queue");
    assert!(queued > 0, "{r}");
    assert_eq!(r["stopped_because"], "no_photo_for_chip", "{r}");
    assert_eq!(
        (r["started"].as_i64(), r["not_sent"].as_i64()),
        (Some(0), Some(0)),
        "{r}"
    );
    let told = |r: &serde_json::Value| -> Vec<String> {
        r["notices"]
            .as_array()
            .expect("notices")
            .iter()
            .filter_map(|n| n.as_str())
            .filter(|n| n.contains("no valid face photo for the chip"))
            .map(str::to_string)
            .collect()
    };
    let notices = told(&r);
    assert_eq!(notices.len(), 1, "{r}");
    assert!(
        notices[0].contains(&format!("{queued} records in the queue")),
        "{notices:?}"
    );
    let db = Connection::open(d.join("x.db")).expect("db");
    let attempts: i64 = db
        .query_row("SELECT count(*) FROM print_attempts", [], |r| r.get(0))
        .expect("query");
    assert_eq!(attempts, 0, "no record was claimed for the chip printer");

    // A printer without an encoder prints them; the chip printer is told once and sits out.
    add_dir_printer(d, "PLAIN", "100", &[]);
    let r = run_json(&cetak(d, &["print", "run", "--json"]));
    assert_eq!(r["stopped_because"], "queue_empty", "{r}");
    assert_eq!(r["completed"].as_i64(), Some(queued), "{r}");
    assert_eq!(r["queue"], 0, "{r}");
    assert_eq!(told(&r).len(), 1, "{r}");
    let on_chip_printer: i64 = db
        .query_row(
            "SELECT count(*) FROM print_attempts a JOIN printers p ON p.id = a.printer_id
             WHERE p.name = 'CHIP'",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(on_chip_printer, 0);
    assert_books_and_cards(d);
}
