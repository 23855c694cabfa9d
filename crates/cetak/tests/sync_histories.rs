//! The link keeps one history at both ends through what broke it before (issue 15): a centre
//! or an office restored from an older backup, a pulled record that goes to quarantine, an
//! office writing another region's cards, an answer larger than any body, an event the centre
//! cannot store, a replayed answer, a slow line, a byte damaged on the way. Each test runs the
//! real `cetak` against the real centre on PostgreSQL.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::central::{Centre, add_office, backlog, central_load, sync_with};
use common::pg::Postgres;
use common::{cetak, cetak_env, json, ok, proxy};
use serde_json::Value;

/// Queue a CSV for an office at the centre; how many were added.
fn load(dir: &Path, pg: &Postgres, office: &str, csv: &str) -> u64 {
    central_load(dir, pg, office, csv, None)["added"]
        .as_u64()
        .expect("added")
}

/// One `cetak sync` round (creating the office database); its JSON and whether it finished.
fn sync(dir: &Path, db: &str, centre: &str, token: &str) -> (Value, bool) {
    sync_with(dir, db, centre, token, &["--retries", "2"])
}

/// Write the header and rows `from..to` of `csv` into `out`.
fn slice(dir: &Path, csv: &str, from: usize, to: usize, out: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(csv)).expect("csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header").to_string();
    let rows: Vec<String> = lines
        .skip(from)
        .take(to - from)
        .map(str::to_string)
        .collect();
    std::fs::write(dir.join(out), format!("{header}\n{}\n", rows.join("\n"))).expect("write");
    rows
}

/// A blank delivery at the office: one `stock` event.
fn receive(dir: &Path, db: &str, first: u32, last: u32, reference: &str) {
    ok(&cetak(
        dir,
        &[
            "--db",
            db,
            "--create",
            "stock",
            "receive",
            "--first",
            &first.to_string(),
            "--last",
            &last.to_string(),
            "--ref",
            reference,
        ],
    ));
}

/// The office's outbox as `audit-N:hash` (every event it ever owed the centre).
fn office_events(dir: &Path, db: &str) -> BTreeSet<String> {
    let actions: Vec<String> = cetak_store::OUTBOX_ACTIONS
        .iter()
        .map(|(a, _)| format!("'{a}'"))
        .collect();
    let c = rusqlite::Connection::open(dir.join(db)).expect("db");
    let mut stmt = c
        .prepare(&format!(
            "SELECT seq, hash FROM audit_log WHERE action IN ({}) ORDER BY seq",
            actions.join(",")
        ))
        .expect("query");
    stmt.query_map([], |r| {
        let hash: Vec<u8> = r.get(1)?;
        Ok(format!(
            "audit-{}:{}",
            r.get::<_, i64>(0)?,
            hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ))
    })
    .expect("rows")
    .collect::<Result<_, _>>()
    .expect("rows")
}

fn centre_events(pg: &Postgres, office: &str) -> BTreeSet<String> {
    pg.sql(&format!(
        "SELECT key || ':' || hash FROM events WHERE office = '{office}'"
    ))
    .lines()
    .map(str::to_string)
    .collect()
}

fn office_ids(dir: &Path, db: &str) -> BTreeSet<String> {
    let c = rusqlite::Connection::open(dir.join(db)).expect("db");
    let mut stmt = c.prepare("SELECT recording_id FROM records").expect("q");
    stmt.query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn count(dir: &Path, db: &str, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join(db))
        .expect("db")
        .query_row(sql, [], |r| r.get(0))
        .expect("count")
}

/// A minimal HTTP/1.1 POST.
fn post(base: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let hostport = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(hostport).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body.as_bytes());
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// A card event as an office would push it.
fn card_event(key: &str, kind: &str, nik: &str) -> Value {
    serde_json::json!({
        "key": key,
        "hash": blake3::hash(key.as_bytes()).to_hex().to_string(),
        "kind": kind,
        "at": "2026-11-30T01:00:00Z",
        "body": {"action": if kind == "issued" { "hand_over" } else { "card_revoke" },
                 "actor": "op", "subject": "x", "reason": "", "detail": {}, "nik": nik},
    })
}

fn push_events(base: &str, token: &str, events: &[Value]) -> (u16, String) {
    post(
        base,
        "/sync/v2/push",
        token,
        &serde_json::json!({"version": 2, "events": events}).to_string(),
    )
}

#[test]
fn a_centre_restored_from_an_older_backup_gets_every_event_again_and_the_office_every_new_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let mut centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 300, 21, "a", false);
    backlog(d, 50, 22, "b", false);
    slice(d, "a/recordings.csv", 0, 200, "first.csv");
    slice(d, "a/recordings.csv", 200, 300, "second.csv");
    assert_eq!(load(d, &pg, "PLG", "first.csv"), 200);
    receive(d, "plg.db", 1, 50, "R1");
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    // The centre's nightly backup.
    let backup = d.join("centre.sql");
    pg.dump(&backup);
    // The next day: more events up, more records down.
    receive(d, "plg.db", 51, 100, "R2");
    receive(d, "plg.db", 101, 150, "R3");
    assert_eq!(load(d, &pg, "PLG", "second.csv"), 100);
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done && r["pulled"] == 100, "{r}");
    // The centre's disk dies; it comes back from the backup, and new records are loaded.
    centre.kill();
    pg.restore(&backup);
    centre.up();
    // New recordings (their own ids) loaded after the restore.
    let text = std::fs::read_to_string(d.join("b/recordings.csv")).expect("csv");
    let renamed: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| match (i, l.split_once(',')) {
            (0, _) | (_, None) => l.to_string(),
            (_, Some((_, rest))) => format!("BRU{i:08},{rest}"),
        })
        .collect();
    std::fs::write(d.join("new.csv"), renamed.join("\n") + "\n").expect("write");
    assert_eq!(load(d, &pg, "PLG", "new.csv"), 50);
    // One ordinary round brings both ends back to one history, and says so.
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    assert!(
        !r["rewound"].as_array().expect("rewound").is_empty(),
        "the round must say it started again: {r}"
    );
    assert_eq!(
        centre_events(&pg, "PLG"),
        office_events(d, "plg.db"),
        "every event the office wrote is at the centre again"
    );
    let ids = office_ids(d, "plg.db");
    let new: BTreeSet<String> = std::fs::read_to_string(d.join("new.csv"))
        .expect("csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().expect("id").to_string())
        .collect();
    assert!(
        new.is_subset(&ids),
        "records loaded after the restore reach the office"
    );
    assert_eq!(
        ids.len(),
        350,
        "nothing doubled, nothing lost at the office"
    );
    // And the next round has nothing to do.
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done && r["pushed"] == 0 && r["pulled"] == 0, "{r}");
    assert!(r["rewound"].as_array().expect("rewound").is_empty(), "{r}");
}

#[test]
fn an_office_restored_from_an_older_backup_gets_its_new_events_to_the_centre_with_an_alarm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    receive(d, "plg.db", 1, 50, "R1");
    receive(d, "plg.db", 51, 60, "R2");
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    // The office's backup (a consistent copy of the live database).
    rusqlite::Connection::open(d.join("plg.db"))
        .expect("db")
        .execute(
            "VACUUM INTO ?1",
            [d.join("backup.db").to_str().expect("path")],
        )
        .expect("backup");
    receive(d, "plg.db", 61, 70, "R3");
    receive(d, "plg.db", 71, 80, "R4");
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    let before_restore = office_events(d, "plg.db");
    // The office's disk dies; it comes back from the backup and goes on working: its new
    // entries take the audit positions of the lost ones, with other content.
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(d.join(format!("plg.db{ext}")));
    }
    std::fs::copy(d.join("backup.db"), d.join("plg.db")).expect("restore");
    receive(d, "plg.db", 200, 220, "R5");
    receive(d, "plg.db", 221, 240, "R6");
    let after_restore = office_events(d, "plg.db");
    assert!(
        !after_restore.is_subset(&before_restore),
        "the restored office reuses positions with other content"
    );
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    assert!(r["forks"].as_u64().expect("forks") >= 1, "an alarm: {r}");
    // The centre holds both histories: nothing the office ever reported is lost.
    let held = centre_events(&pg, "PLG");
    let both: BTreeSet<String> = before_restore.union(&after_restore).cloned().collect();
    assert_eq!(held, both);
    let forks: u64 = pg
        .sql("SELECT count(*) FROM events WHERE office = 'PLG' AND fork")
        .parse()
        .expect("n");
    assert_eq!(forks, r["forks"].as_u64().expect("forks"));
    assert_eq!(r["outbox_depth"], 0, "{r}");
}

#[test]
fn a_pulled_record_that_goes_to_quarantine_never_stops_the_feed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    let lbg = add_office(d, &pg, "LBG");
    backlog(d, 20, 31, "a", false);
    let rows = slice(d, "a/recordings.csv", 0, 20, "all.csv");
    slice(d, "a/recordings.csv", 0, 1, "one.csv");
    assert_eq!(load(d, &pg, "PLG", "one.csv"), 1);
    let nik = rows[0].split(',').nth(1).expect("nik").to_string();
    // Palembang hands the resident a card.
    let (status, text) = push_events(&centre.url, &plg, &[card_event("audit-1", "issued", &nik)]);
    assert_eq!(status, 200, "{text}");
    // Lubuklinggau is sent an unreadable recording of that resident among 19 good ones.
    let text = std::fs::read_to_string(d.join("all.csv")).expect("csv");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let id = lines[1].split(',').next().expect("id").to_string();
    lines[1] = lines[1].replacen(&id, "LBG 0001", 1);
    std::fs::write(d.join("lbg.csv"), lines.join("\n") + "\n").expect("write");
    assert_eq!(load(d, &pg, "LBG", "lbg.csv"), 20);
    let (r, done) = sync(d, "lbg.db", &centre.url, &lbg);
    assert!(done, "{r}");
    assert_eq!(r["pulled"], 20, "{r}");
    assert_eq!(count(d, "lbg.db", "SELECT count(*) FROM records"), 19);
    assert_eq!(
        count(
            d,
            "lbg.db",
            "SELECT count(*) FROM quarantine WHERE moved_to IS NULL"
        ),
        1
    );
    assert_eq!(count(d, "lbg.db", "SELECT pull_after FROM sync_state"), 20);
}

#[test]
fn an_office_issues_and_revokes_only_cards_of_records_the_centre_sent_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    let lbg = add_office(d, &pg, "LBG");
    backlog(d, 10, 41, "a", false);
    let rows = slice(d, "a/recordings.csv", 0, 10, "plg.csv");
    assert_eq!(load(d, &pg, "PLG", "plg.csv"), 10);
    let niks: Vec<String> = rows
        .iter()
        .map(|r| r.split(',').nth(1).expect("nik").to_string())
        .collect();
    // Lubuklinggau forges 4,000 hand-overs, one for a Palembang resident.
    let mut forged: Vec<Value> = (0..4000)
        .map(|i| {
            card_event(
                &format!("audit-{i}"),
                "issued",
                &format!("16710101010{i:05}"),
            )
        })
        .collect();
    forged[7] = card_event("audit-7", "issued", &niks[0]);
    let (status, text) = push_events(&centre.url, &lbg, &forged);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("never sent"), "{text}");
    assert_eq!(pg.sql("SELECT count(*) FROM cards_issued"), "0");
    assert_eq!(pg.sql("SELECT count(*) FROM events"), "0");
    // Palembang hands over two cards and revokes one.
    let (status, text) = push_events(
        &centre.url,
        &plg,
        &[
            card_event("audit-1", "issued", &niks[0]),
            card_event("audit-2", "issued", &niks[1]),
            card_event("audit-3", "revoked", &niks[1]),
        ],
    );
    assert_eq!(status, 200, "{text}");
    // Both residents move to Lubuklinggau: only the valid card is reported, naming the
    // region and the office.
    let text = std::fs::read_to_string(d.join("plg.csv")).expect("csv");
    let mut lines: Vec<String> = text.lines().take(3).map(str::to_string).collect();
    for (i, line) in lines.iter_mut().enumerate().skip(1) {
        let id = line.split(',').next().expect("id").to_string();
        *line = line.replacen(&id, &format!("LBG0000000{i}"), 1);
    }
    std::fs::write(d.join("moved.csv"), lines.join("\n") + "\n").expect("write");
    assert_eq!(load(d, &pg, "LBG", "moved.csv"), 2);
    let (status, text) = post(
        &centre.url,
        "/sync/v2/pull",
        &lbg,
        r#"{"version":2,"after":0,"limit":10,"max_bytes":100000,"count_waiting":true}"#,
    );
    assert_eq!(status, 200, "{text}");
    let body: Value =
        serde_json::from_str(text.split("\r\n\r\n").nth(1).expect("body")).expect("json");
    let by: Vec<Value> = body["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["card_issued_by"].clone())
        .collect();
    assert_eq!(by, vec![Value::from("1671/PLG"), Value::Null], "{body}");
    assert_eq!(
        pg.sql("SELECT count(*) FROM cards_issued WHERE revoked_key IS NOT NULL"),
        "1",
        "the revocation is kept"
    );
}

#[test]
fn a_pull_larger_than_any_answer_arrives_in_smaller_batches_and_a_giant_record_is_parked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 2500, 51, "a", false);
    // Every address 4,000 characters long (the import puts such rows aside): 10 MB in all,
    // more than one answer may carry; one record alone is larger still.
    let text = std::fs::read_to_string(d.join("a/recordings.csv")).expect("csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let alamat = header
        .split(',')
        .position(|c| c == "alamat")
        .expect("alamat column");
    let mut out = vec![header.to_string()];
    for (i, l) in lines.enumerate() {
        let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
        f[alamat] = "J".repeat(if i == 1000 { 5_000_000 } else { 4_000 });
        out.push(f.join(","));
    }
    std::fs::write(d.join("long.csv"), out.join("\n") + "\n").expect("write");
    assert_eq!(load(d, &pg, "PLG", "long.csv"), 2500);
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    assert_eq!(
        (r["pulled"].as_u64(), r["parked_records"].as_u64()),
        (Some(2499), Some(1)),
        "{r}"
    );
    let registry = count(d, "plg.db", "SELECT count(*) FROM records");
    let quarantine = count(
        d,
        "plg.db",
        "SELECT count(*) FROM quarantine WHERE moved_to IS NULL",
    );
    assert_eq!(
        registry + quarantine,
        2499,
        "every record pulled is accounted for"
    );
    assert_eq!(
        count(
            d,
            "plg.db",
            "SELECT count(*) FROM sync_parked WHERE kind = 'record'"
        ),
        1
    );
    assert_eq!(
        pg.sql("SELECT count(*) FROM records WHERE parked_reason IS NOT NULL"),
        "1",
        "parked at both ends"
    );
    assert_eq!(r["waiting_at_centre"], 0, "{r}");
}

#[test]
fn an_event_the_centre_cannot_store_is_parked_with_its_cause_and_the_rest_go_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    receive(d, "plg.db", 1, 10, "R1");
    // A reason with a NUL typed on an older version's page: a real, chained audit entry.
    {
        let c = rusqlite::Connection::open(d.join("plg.db")).expect("db");
        let (seq, prev): (i64, Vec<u8>) = c
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("tail");
        let prev: [u8; 32] = prev.try_into().expect("hash");
        let content = cetak_domain::audit::EntryContent {
            seq: seq as u64 + 1,
            at: "2026-11-30T01:00:00Z",
            actor: "op",
            action: "stock_blank",
            subject: "stock:5",
            reason: "rusak\u{0}",
            detail: "{}",
        };
        let hash = cetak_domain::audit::entry_hash(&prev, &content);
        c.execute(
            "INSERT INTO audit_log (seq, at, actor, action, subject, reason, detail, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rusqlite::params![
                content.seq as i64,
                content.at,
                content.actor,
                content.action,
                content.subject,
                content.reason,
                content.detail,
                &prev[..],
                &hash[..]
            ],
        )
        .expect("insert");
    }
    receive(d, "plg.db", 11, 20, "R2");
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    assert_eq!(
        (r["pushed"].as_u64(), r["parked_events"].as_u64()),
        (Some(2), Some(1)),
        "{r}"
    );
    assert_eq!(r["outbox_depth"], 0, "{r}");
    assert_eq!(pg.sql("SELECT count(*) FROM events"), "2");
    let reason: String = rusqlite::Connection::open(d.join("plg.db"))
        .expect("db")
        .query_row(
            "SELECT reason FROM sync_parked WHERE kind = 'event'",
            [],
            |r| r.get(0),
        )
        .expect("parked");
    assert!(reason.contains("NUL"), "{reason}");
    let s = json(&cetak(d, &["--db", "plg.db", "status", "--json"]));
    assert_eq!(s["parked"][0]["name"], format!("audit-{}", 2), "{s}");
    assert_eq!(s["link"]["state"], "up", "{s}");
    assert!(
        s["link"]["warnings"][0]["en"]
            .as_str()
            .is_some_and(|w| w.contains("1 events the centre cannot store")),
        "{s}"
    );
    let status = json(&cetak(d, &["--db", "plg.db", "audit", "verify", "--json"]));
    assert_eq!(status["ok"], true, "{status}");
}

#[test]
fn a_replayed_answer_acknowledges_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    // Something between office and centre answers every push with the first answer it saw.
    let first: Arc<Mutex<Option<Vec<u8>>>> = Arc::new(Mutex::new(None));
    let seen = first.clone();
    let replay = proxy::start(
        centre.port,
        Arc::new(move |path: &str, _req: &[u8], resp: Vec<u8>| {
            if !path.ends_with("/push") {
                return resp;
            }
            let mut f = seen.lock().expect("lock");
            f.get_or_insert(resp).clone()
        }),
        None,
    );
    for i in 0..20 {
        receive(d, "plg.db", i * 10 + 1, i * 10 + 10, &format!("A{i}"));
    }
    let (r, done) = sync(d, "plg.db", &replay.url, &plg);
    assert!(done && r["pushed"] == 20, "{r}");
    for i in 20..40 {
        receive(d, "plg.db", i * 10 + 1, i * 10 + 10, &format!("B{i}"));
    }
    let (r, done) = sync(d, "plg.db", &replay.url, &plg);
    assert!(
        !done && r["pushed"] == 0,
        "a replayed answer acknowledges nothing: {r}"
    );
    assert_eq!(r["outbox_depth"], 20, "{r}");
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done && r["pushed"] == 20, "{r}");
    assert_eq!(centre_events(&pg, "PLG"), office_events(d, "plg.db"));
}

#[test]
fn a_slow_line_still_brings_every_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 600, 61, "a", false);
    assert_eq!(load(d, &pg, "PLG", "a/recordings.csv"), 600);
    // 40 KB/s, always moving: a whole answer takes far longer than the 2 s stall limit.
    let slow = proxy::start(
        centre.port,
        Arc::new(|_: &str, _: &[u8], r| r),
        Some(40_000),
    );
    let (r, done) = sync_with(
        d,
        "plg.db",
        &slow.url,
        &plg,
        &["--retries", "2", "--timeout-s", "2"],
    );
    assert!(done, "{r}");
    assert_eq!(r["pulled"], 600, "{r}");
    assert_eq!(office_ids(d, "plg.db").len(), 600);
}

#[test]
fn a_record_damaged_on_the_way_is_never_imported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 30, 71, "a", false);
    assert_eq!(load(d, &pg, "PLG", "a/recordings.csv"), 30);
    let text = std::fs::read_to_string(d.join("a/recordings.csv")).expect("csv");
    let header: Vec<&str> = text.lines().next().expect("header").split(',').collect();
    let nama = header.iter().position(|c| *c == "nama").expect("nama");
    let row: Vec<String> = text
        .lines()
        .nth(1)
        .expect("row")
        .split(',')
        .map(str::to_string)
        .collect();
    let name = row[nama].clone();
    assert!(name.len() >= 4, "{name}");
    // Swap the last two letters of the first record's name, in the first answer only.
    let mut damaged = name.clone().into_bytes();
    let n = damaged.len();
    damaged.swap(n - 1, n - 2);
    let damaged = String::from_utf8(damaged).expect("utf8");
    assert_ne!(damaged, name);
    let once = Arc::new(Mutex::new(false));
    let (from, to) = (format!("\"{name}\""), format!("\"{damaged}\""));
    let line = proxy::start(
        centre.port,
        Arc::new(move |path: &str, _: &[u8], resp: Vec<u8>| {
            let mut done = once.lock().expect("lock");
            if *done || !path.ends_with("/pull") {
                return resp;
            }
            *done = true;
            String::from_utf8(resp)
                .expect("utf8")
                .replacen(&from, &to, 1)
                .into_bytes()
        }),
        None,
    );
    let (r, done) = sync(d, "plg.db", &line.url, &plg);
    assert!(done && r["pulled"] == 30, "{r}");
    let id = &row[0];
    let stored: String = rusqlite::Connection::open(d.join("plg.db"))
        .expect("db")
        .query_row(
            "SELECT nama FROM records WHERE recording_id = ?1",
            [id],
            |r| r.get(0),
        )
        .expect("record");
    assert_eq!(
        stored, name,
        "the damaged copy was refused and the record pulled again"
    );
}

#[test]
fn a_plain_http_centre_needs_consent_and_a_revoked_token_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    let out = cetak_env(
        d,
        &[
            "--db",
            "plg.db",
            "--create",
            "sync",
            "--central",
            &centre.url,
        ],
        &[("CETAK_OFFICE_TOKEN", plg.as_str())],
    );
    common::fails_with(&out, "plain http://");
    // The token never goes on the command line.
    let out = cetak(
        d,
        &[
            "--db",
            "plg.db",
            "--create",
            "sync",
            "--central",
            &centre.url,
            "--insecure-http",
            "--token",
            &plg,
        ],
    );
    assert!(!out.status.success());
    std::fs::write(d.join("token"), format!("{plg}\n")).expect("token file");
    ok(&cetak(
        d,
        &[
            "--db",
            "plg.db",
            "--create",
            "sync",
            "--central",
            &centre.url,
            "--insecure-http",
            "--token-file",
            "token",
        ],
    ));
    ok(&cetak(
        d,
        &[
            "central",
            "token",
            "revoke",
            "--database-url",
            &pg.url(),
            "--region",
            "1671",
            "PLG",
        ],
    ));
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(!done && r["fault"] == "token", "{r}");
    // The operator is told which fault it is and what to do, not just a timestamp.
    let s = json(&cetak(d, &["--db", "plg.db", "status", "--json"]));
    assert_eq!(s["link"]["state"], "fault", "{s}");
    assert!(
        s["link"]["action"]["en"]
            .as_str()
            .is_some_and(|a| a.contains("token rotate")),
        "{s}"
    );
    let text = ok(&cetak_env(
        d,
        &["--db", "plg.db", "status"],
        &[("CETAK_LANG", "id")],
    ));
    assert!(text.contains("token kantor salah atau dicabut"), "{text}");
    let fresh = json(&cetak(
        d,
        &[
            "central",
            "token",
            "rotate",
            "--database-url",
            &pg.url(),
            "--region",
            "1671",
            "PLG",
            "--json",
        ],
    ))["token"]
        .as_str()
        .expect("token")
        .to_string();
    let (r, done) = sync(d, "plg.db", &centre.url, &fresh);
    assert!(done, "{r}");
}

#[test]
fn a_backup_put_back_at_the_office_syncs_back_to_one_history_with_nothing_lost_or_doubled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 300, 81, "a", false);
    slice(d, "a/recordings.csv", 0, 150, "first.csv");
    slice(d, "a/recordings.csv", 150, 300, "second.csv");
    assert_eq!(load(d, &pg, "PLG", "first.csv"), 150);
    receive(d, "plg.db", 1, 50, "R1");
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    // The evening's backup to removable media: one verified file, its path printed.
    let b = json(&cetak(
        d,
        &["--db", "plg.db", "backup", "--to", "usb", "--json"],
    ));
    let path = b["path"].as_str().expect("path").to_string();
    assert!(Path::new(&path).is_file() || d.join(&path).is_file(), "{b}");
    assert!(b["audit_entries"].as_u64().expect("entries") > 0, "{b}");
    // Backups rotate: with --keep 2, three runs leave two files.
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(1100));
        json(&cetak(
            d,
            &[
                "--db", "plg.db", "backup", "--to", "rot", "--keep", "2", "--json",
            ],
        ));
    }
    std::thread::sleep(Duration::from_millis(1100));
    json(&cetak(
        d,
        &[
            "--db", "plg.db", "backup", "--to", "rot", "--keep", "2", "--json",
        ],
    ));
    assert_eq!(std::fs::read_dir(d.join("rot")).expect("rot").count(), 2);
    // The next day's work reaches the centre.
    receive(d, "plg.db", 51, 100, "R2");
    assert_eq!(load(d, &pg, "PLG", "second.csv"), 150);
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done && r["pulled"] == 150, "{r}");
    let lost_branch = office_events(d, "plg.db");
    // The disk fails. A running server refuses the restore; stopped, the backup goes back.
    let port = common::free_port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(d)
        .env("CETAK_LANG", "en")
        .args([
            "--db",
            "plg.db",
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    common::fails_with(
        &cetak(d, &["--db", "plg.db", "restore", &path]),
        "cetak serve",
    );
    let _ = server.kill();
    let _ = server.wait();
    let restored = json(&cetak(d, &["--db", "plg.db", "restore", &path, "--json"]));
    assert!(restored["replaced_kept_at"].is_string(), "{restored}");
    assert_eq!(office_ids(d, "plg.db").len(), 150, "the backup's registry");
    // Work goes on after the restore, then ordinary rounds.
    receive(d, "plg.db", 200, 250, "R3");
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done && r["pushed"] == 0 && r["pulled"] == 0, "settled: {r}");
    // Nothing lost: every record is back at the office once, every event of both histories
    // is at the centre once.
    let ids = office_ids(d, "plg.db");
    assert_eq!(ids.len(), 300);
    assert_eq!(count(d, "plg.db", "SELECT count(*) FROM records"), 300);
    let both: BTreeSet<String> = lost_branch
        .union(&office_events(d, "plg.db"))
        .cloned()
        .collect();
    assert_eq!(centre_events(&pg, "PLG"), both);
    let held: u64 = pg
        .sql("SELECT count(*) FROM events WHERE office = 'PLG'")
        .parse()
        .expect("n");
    assert_eq!(held as usize, both.len(), "nothing doubled at the centre");
    let v = json(&cetak(d, &["--db", "plg.db", "audit", "verify", "--json"]));
    assert_eq!(v["ok"], true, "{v}");
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_centre_serves_tls_itself_and_the_office_checks_its_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A private certificate authority and the centre's certificate for 127.0.0.1.
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        d,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=cetak test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        d,
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "centre.key",
                "-out",
                "centre.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        ]
        .concat(),
    );
    std::fs::write(d.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "centre.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "centre.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    let pg = Postgres::start(d);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 40, 91, "a", false);
    assert_eq!(load(d, &pg, "PLG", "a/recordings.csv"), 40);
    let port = common::free_port();
    let mut centre = std::process::Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(d)
        .args([
            "central",
            "serve",
            "--database-url",
            &pg.url(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--tls-cert",
            "centre.pem",
            "--tls-key",
            "centre.key",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("central");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "centre did not come up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("https://127.0.0.1:{port}");
    // A certificate the office cannot check is refused: nothing travels.
    let out = cetak_env(
        d,
        &[
            "--db",
            "plg.db",
            "--create",
            "sync",
            "--central",
            &url,
            "--retries",
            "0",
            "--json",
        ],
        &[("CETAK_OFFICE_TOKEN", plg.as_str())],
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(!out.status.success() && r["pulled"] == 0, "{r}");
    // Trusting the centre's authority, everything arrives over TLS.
    let out = cetak_env(
        d,
        &[
            "--db",
            "plg.db",
            "sync",
            "--central",
            &url,
            "--ca-file",
            "ca.pem",
            "--json",
        ],
        &[("CETAK_OFFICE_TOKEN", plg.as_str())],
    );
    let r = json(&out);
    assert_eq!(r["pulled"], 40, "{r}");
    // Plain HTTP on the TLS port gets no answer.
    let (status, _) = post(
        &format!("http://127.0.0.1:{port}"),
        "/sync/v2/pull",
        &plg,
        "{}",
    );
    assert_eq!(status, 0);
    let _ = centre.kill();
    let _ = centre.wait();
}
