//! Chips in the spool against the real stack: `cetak print run` on a printer with a chip
//! encoder (`--encoder pcsc:Virtual PCD 00 00`), the document-signer key on a SoftHSM2 token,
//! pcscd with the vpcd virtual reader, and the E-KTP test card (`cetak_chip::testcard`) played
//! by this test as the blank in the encoder.
//!
//! pcscd's socket and vpcd's port are system-wide: every test holds the lock of
//! `common::chip::pcscd` for its whole run. Missing packages are installed (as root) or the
//! test fails loudly — never skipped.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cetak_chip::testcard::Fault;
use common::chip::{READER, insert, office_with_encoder, pcscd, pull};
use common::*;
use rusqlite::Connection;

fn run(dir: &Path, env: &[(&'static str, String)], extra: &[&str]) -> serde_json::Value {
    let envs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = [
        &[
            "print",
            "run",
            "--json",
            "--chip-trust",
            "ca.pem",
            "--gone-confirm-s",
            "0",
            "--poll-ms",
            "20",
        ][..],
        extra,
    ]
    .concat();
    run_json(&cetak_env(dir, &args, &envs))
}

/// Promises 2 and 3 from the database, and every good card on a verified chip.
fn books_hold(dir: &Path) {
    let store = cetak_store::Store::open(&dir.join("x.db")).expect("store");
    let books = store.stock_reconcile().expect("reconcile");
    assert!(books.balanced, "books do not balance: {books:?}");
    let v = store.card_violations().expect("violations");
    assert!(v.is_empty(), "{v:?}");
    drop(store);
    let db = Connection::open(dir.join("x.db")).expect("db");
    let unverified: i64 = db
        .query_row(
            "SELECT count(*) FROM print_attempts a LEFT JOIN chip_encodings c ON c.attempt_id = a.id
             WHERE a.state IN ('sent', 'completed', 'good') AND c.verified_at IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(
        unverified, 0,
        "a card went to the printer without a verified chip"
    );
}

fn count(db: &Connection, sql: &str) -> i64 {
    db.query_row(sql, [], |r| r.get(0)).expect("query")
}

#[test]
fn an_encoder_printer_encodes_verifies_and_prints_and_a_failed_chip_spoils_its_blank() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let _pcscd = pcscd();
    let env = office_with_encoder(d, "8");
    let list = json(&cetak(d, &["printer", "list", "--json"]));
    assert_eq!(
        list["printers"][0]["encoder"],
        format!("pcsc:{READER}"),
        "{list}"
    );
    let queued = json(&cetak(d, &["print", "status", "--json"]))["queue"]
        .as_i64()
        .expect("queue");
    assert!(queued >= 4, "the office has cards to print: {queued}");

    // Each fault on the blank in the encoder spoils that blank with chip_failure; the record
    // goes back to the queue and nothing is sent to the printer.
    for fault in [
        Fault::RefuseWrites,
        Fault::RemoveAtWrite(5),
        Fault::WrongCard,
    ] {
        let card = insert(fault);
        let r = run(d, &env, &["--max-cards", "1"]);
        assert_eq!(r["chip_failures"], 1, "{fault:?}: {r}");
        assert_eq!(r["completed"], 0, "{fault:?}: {r}");
        pull(card);
        books_hold(d);
    }
    let db = Connection::open(d.join("x.db")).expect("db");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM blanks WHERE state = 'spoiled' AND cause = 'chip_failure'"
        ),
        3
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM print_attempts WHERE state = 'spoiled' AND spoil_cause = 'chip_failure'"
        ),
        3
    );
    assert_eq!(
        std::fs::read_dir(d.join("printer-P1"))
            .map(|r| r.count())
            .unwrap_or(0),
        0,
        "no card was printed on a failed chip"
    );

    // A good blank: the whole queue is encoded, verified and printed, the spoiled records too.
    let card = insert(Fault::None);
    let start = Instant::now();
    let r = run(d, &env, &[]);
    let took = start.elapsed();
    assert_eq!(r["chip_failures"], 0, "{r}");
    assert_eq!(r["completed"].as_i64(), Some(queued), "{r}");
    assert_eq!(r["queue"], 0, "{r}");
    println!(
        "MEASURE print run with encoder: {queued} cards in {took:?} ({:?}/card, process start and token login included)",
        took / queued as u32
    );
    books_hold(d);
    // The records whose chips failed got a card on a later blank.
    let requeued = count(
        &db,
        "SELECT count(*) FROM print_attempts s JOIN cards k ON k.recording_id = s.recording_id
         WHERE s.spoil_cause = 'chip_failure' AND k.state = 'printed' AND k.serial > s.serial",
    );
    assert_eq!(requeued, 3);

    // What the last blank's chip got, as a dump that verifies against the CA and carries the
    // card's NIK.
    let (serial, nik): (i64, String) = db
        .query_row(
            "SELECT serial, nik FROM cards ORDER BY serial DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a card");
    let dump = json(&cetak(
        d,
        &[
            "chip",
            "dump",
            &serial.to_string(),
            "--out",
            "chip.bin",
            "--json",
        ],
    ));
    assert!(dump["verified_at"].is_string(), "{dump}");
    let on_card = card.files();
    let chip = cetak_chip::ChipImage::from_dump(&std::fs::read(d.join("chip.bin")).expect("dump"))
        .expect("a dump");
    assert_eq!(
        on_card.get(&0x011D).map(Vec::as_slice),
        Some(chip.sod.as_slice()),
        "the dump is what the chip holds"
    );
    let o = cetak(
        d,
        &[
            "chip", "verify", "--from", "chip.bin", "--trust", "ca.pem", "--json",
        ],
    );
    let v = json(&o);
    assert_eq!(v["passive_authentication"], true, "{v}");
    assert_eq!(v["fields"]["nik"], nik.as_str());
    let o = cetak(d, &["chip", "dump", "999", "--out", "none.bin"]);
    fails_with(&o, "no chip was written on blank 999");

    // At the counter: the card still in the reader is read, verified and found to be the very
    // chip the books kept for this resident; asked about another resident, it is not theirs.
    let o = cetak(
        d,
        &[
            "chip",
            "verify",
            "--reader",
            READER,
            "--nik",
            &nik,
            "--trust",
            "ca.pem",
            "--photo-out",
            "face.jpg",
            "--json",
        ],
    );
    let v = json(&o);
    assert_eq!(v["passive_authentication"], true, "{v}");
    assert_eq!(v["books"]["match"], true, "{v}");
    assert_eq!(v["books"]["serial"], serial, "{v}");
    assert_eq!(
        std::fs::read(d.join("face.jpg")).expect("photo"),
        chip.media().expect("media").foto,
        "the photo written is the chip's DG2"
    );
    let other: String = db
        .query_row(
            "SELECT nik FROM cards WHERE nik <> ?1 AND serial IS NOT NULL LIMIT 1",
            [&nik],
            |r| r.get(0),
        )
        .expect("another printed card");
    let o = cetak(
        d,
        &[
            "chip", "verify", "--reader", READER, "--nik", &other, "--trust", "ca.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("NOT the chip the books kept for this resident"),
        "{out}"
    );
    // Without the CA the chain does not hold: exit 1, naming the signer.
    let o = cetak(d, &["chip", "verify", "--reader", READER]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    pull(card);
    // No card in the reader: a clear error, exit 2.
    let o = cetak(
        d,
        &[
            "chip",
            "verify",
            "--reader",
            READER,
            "--card-wait-s",
            "0.2",
            "--trust",
            "ca.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("reading the chip in"),
        "{o:?}"
    );
}

#[test]
fn without_a_card_in_the_encoder_the_blank_is_not_used_and_an_expired_key_stops_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let _pcscd = pcscd();
    let env = office_with_encoder(d, "4");
    // No blank in the encoder: nothing written, the blank stays on hand, nothing spoiled.
    let r = run(d, &env, &["--chip-card-wait-s", "0.3"]);
    assert_eq!(r["not_sent"], 1, "{r}");
    assert_eq!(r["chip_failures"], 0, "{r}");
    books_hold(d);
    let db = Connection::open(d.join("x.db")).expect("db");
    assert_eq!(
        count(&db, "SELECT count(*) FROM blanks WHERE state = 'spoiled'"),
        0
    );
    // A clock years past the certificate: the run refuses before its first card.
    let envs: Vec<(&str, &str)> = env
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain([("CETAK_CLOCK_SKEW_S", "63072000")])
        .collect();
    let o = cetak_env(
        d,
        &["print", "run", "--json", "--chip-trust", "ca.pem"],
        &envs,
    );
    fails_with(&o, "ds_expired");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM print_attempts WHERE state <> 'not_sent'"
        ),
        0
    );
}

/// A contract v1 recording (no media, so no photo for DG2) first in the queue: the encoder
/// printer passes it over and prints the records behind it; the v1 record keeps its place for
/// a printer without an encoder, and the run says so once instead of stopping the printer.
#[test]
fn a_photo_less_record_first_in_the_queue_does_not_stop_the_encoder_printer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let _pcscd = pcscd();
    let env = office_with_encoder(d, "3");
    let v1 = cetak_domain::record::EXAMPLE_ROW;
    std::fs::write(
        d.join("v1.csv"),
        format!(
            "{}\n{}\n",
            cetak_domain::record::COLUMNS.join(","),
            v1.join(",")
        ),
    )
    .expect("write");
    json(&cetak(d, &["import", "v1.csv", "--json"]));
    json(&cetak(d, &["dedup", "--json"]));
    ok(&cetak(
        d,
        &["print", "raise", v1[0], "--reason", "first in the queue"],
    ));
    let queued = json(&cetak(d, &["print", "status", "--json"]))["queue"]
        .as_i64()
        .expect("queue");
    assert!(
        queued >= 2,
        "the v1 record and at least one with media: {queued}"
    );

    let card = insert(Fault::None);
    let r = run(d, &env, &[]);
    pull(card);
    assert_eq!(
        r["not_sent"], 0,
        "no encode was started for the v1 record: {r}"
    );
    assert_eq!(r["chip_failures"], 0, "{r}");
    assert_eq!(r["completed"].as_i64(), Some(queued - 1), "{r}");
    assert_eq!(r["queue"], 1, "{r}");
    assert_eq!(r["stopped_because"], "no_photo_for_chip", "{r}");
    let told: Vec<&str> = r["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| n.contains("no valid face photo for the chip"))
        .collect();
    assert_eq!(told.len(), 1, "{r}");
    assert!(told[0].contains("1 records in the queue"), "{told:?}");
    books_hold(d);
    let db = Connection::open(d.join("x.db")).expect("db");
    let state: String = db
        .query_row(
            "SELECT state FROM records WHERE recording_id = ?1",
            [v1[0]],
            |r| r.get(0),
        )
        .expect("the v1 record");
    assert!(matches!(state.as_str(), "unique" | "queued"), "{state}");
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM print_attempts WHERE recording_id = '{}'",
                v1[0]
            )
        ),
        0,
        "the v1 record was never claimed"
    );
}

/// Settles what a kill sent to inspection as a person would: a card in the tray is good, none
/// means the blank was never fed. Returns how many there were.
fn settle_inspections(d: &Path) -> usize {
    let db = Connection::open(d.join("x.db")).expect("db");
    let inspect: Vec<(i64, String)> = db
        .prepare("SELECT id, job_name FROM print_attempts WHERE state = 'inspect'")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for (id, job) in &inspect {
        let printed = d.join("printer-P1").join(format!("{job}.png")).exists();
        let finding = if printed { "--good" } else { "--unused" };
        ok(&cetak(d, &["print", "inspect", &id.to_string(), finding]));
    }
    inspect.len()
}

/// SIGKILLs while chips are written (a slow card makes the write take seconds): after each
/// kill the books hold, and the next run settles the open intent by reading the chip — no
/// blank is spoiled by a kill and no record is printed twice.
#[test]
fn kills_during_encoding_are_settled_by_reading_the_chip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let _pcscd = pcscd();
    let env = office_with_encoder(d, "6");
    let queued = json(&cetak(d, &["print", "status", "--json"]))["queue"]
        .as_i64()
        .expect("queue");
    let card = insert(Fault::Slow(Duration::from_millis(8)));
    let envs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut kills = 0;
    let mut final_runs = 0;
    let mut cut_mid_chip = 0;
    let mut delays = [700u64, 1300, 2100, 900, 1700, 2500, 1100].into_iter();
    loop {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cetak"));
        c.current_dir(d)
            .env("CETAK_LANG", "en")
            .env("CETAK_DB", "x.db")
            .env_remove("CETAK_CLOCK_SKEW_S")
            .args([
                "print",
                "run",
                "--json",
                "--chip-trust",
                "ca.pem",
                "--gone-confirm-s",
                "0",
                "--poll-ms",
                "20",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &envs {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("cetak starts");
        let Some(delay) = delays.next() else {
            let out = child.wait_with_output().expect("run ends");
            let r = run_json(&out);
            books_hold(d);
            // A kill after the verified mark but before the job's answer leaves an intent
            // the printer may have: the run sends it to a person, who settles it.
            if settle_inspections(d) == 0 {
                assert_eq!(r["queue"], 0, "{r}");
                break;
            }
            final_runs += 1;
            assert!(final_runs < 4, "the queue never emptied: {r}");
            continue;
        };
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait();
        books_hold(d);
        // A kill never spoils a blank, and an open intent never has a second attempt.
        let db = Connection::open(d.join("x.db")).expect("db");
        assert_eq!(
            count(&db, "SELECT count(*) FROM blanks WHERE state = 'spoiled'"),
            0,
            "after kill {kills}"
        );
        // Killed between the write and the verified mark: the next run must read the chip.
        cut_mid_chip += count(
            &db,
            "SELECT count(*) FROM print_attempts a JOIN chip_encodings c ON c.attempt_id = a.id
             WHERE a.state = 'intent' AND c.verified_at IS NULL",
        );
        settle_inspections(d);
    }
    books_hold(d);
    let db = Connection::open(d.join("x.db")).expect("db");
    assert_eq!(
        count(&db, "SELECT count(*) FROM cards WHERE state = 'printed'"),
        queued
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM blanks WHERE state IN ('issued', 'spoiled')"
        ),
        queued,
        "no blank used beyond one per card"
    );
    println!(
        "MEASURE chip kill loop: {kills} kills ({cut_mid_chip} between write and verify), {queued} cards, books held"
    );
    assert!(kills >= 3, "the kills landed during the run: {kills}");
    assert!(
        cut_mid_chip >= 1,
        "no kill landed between a chip's write and its verified mark"
    );
    pull(card);
}

/// `cetak demo --chip on` encodes its cards on the virtual reader with a SoftHSM2 token in its
/// folder, and leaves one card's chip as `chip-dump.bin` and the signing CA as `chip-ca.pem`:
/// the dump verifies against that CA and carries a printed card's NIK. The demo takes the
/// reader lock itself, so this test holds only the in-process mutex.
#[test]
fn the_demo_encodes_its_cards_and_leaves_a_dump_that_verifies() {
    let _turn = common::chip::in_process_turn();
    common::chip::ensure_debian_packages(
        &[
            "/etc/reader.conf.d/vpcd",
            "/usr/sbin/pcscd",
            common::chip::MODULE,
            "/usr/bin/softhsm2-util",
        ],
        &["pcscd", "vsmartcard-vpcd", "softhsm2"],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let demo = json(&cetak(
        d,
        &[
            "demo",
            "office",
            "--rows",
            "600",
            "--json",
            "--no-serve",
            "--chip",
            "on",
        ],
    ));
    let chip = &demo["chip"];
    let completed = demo["printing"]["run"]["completed"]
        .as_u64()
        .expect("completed");
    assert!(completed > 0, "{demo}");
    assert_eq!(chip["encoded"], true, "{demo}");
    assert_eq!(chip["verified"].as_u64(), Some(completed), "{demo}");
    assert_eq!(chip["written"].as_u64(), Some(completed), "{demo}");
    assert_eq!(chip["passive_authentication"], true, "{demo}");
    assert_eq!(demo["stock"]["balanced"], true, "{demo}");
    for f in ["chip-dump.bin", "chip-ca.pem", "softhsm2.conf", "chip-pin"] {
        assert!(d.join("office").join(f).is_file(), "office/{f} missing");
    }
    let v = json(&cetak(
        d,
        &[
            "chip",
            "verify",
            "--from",
            "office/chip-dump.bin",
            "--trust",
            "office/chip-ca.pem",
            "--json",
        ],
    ));
    assert_eq!(v["passive_authentication"], true, "{v}");
    let nik = v["fields"]["nik"].as_str().expect("nik").to_string();
    let db = Connection::open(d.join("office/cetak.db")).expect("db");
    let serial: i64 = db
        .query_row(
            "SELECT serial FROM cards WHERE nik = ?1 AND state IN ('printed', 'handed_over')",
            [&nik],
            |r| r.get(0),
        )
        .expect("the dump's NIK has a printed card");
    assert_eq!(chip["dump_serial"].as_i64(), Some(serial), "{demo}");
    // Another CA does not vouch for it: the chain is checked, not assumed.
    let other = cetak_chip::certs::self_signed_ca(
        &common::chip::key(0x22),
        "CN=Other CSCA,O=Elsewhere,C=ID",
        time::macros::datetime!(2020-01-01 0:00 UTC),
        time::macros::datetime!(2060-01-01 0:00 UTC),
    )
    .expect("CA");
    std::fs::write(
        d.join("other.pem"),
        cetak_chip::certs::to_pem(&other).expect("pem"),
    )
    .expect("write");
    let o = cetak(
        d,
        &[
            "chip",
            "verify",
            "--from",
            "office/chip-dump.bin",
            "--trust",
            "other.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
}
