//! The link to the centre with a real PostgreSQL (started by the harness): offices push their
//! events exactly once in effect and pull their own records; strangers and bad messages are
//! refused and change nothing.

mod common;

use std::path::Path;
use std::time::Duration;

use common::central::{Centre, add_office};
use common::pg::Postgres;
use common::{cetak, cetak_env, json, ok};

fn sync(dir: &Path, db: &str, centre: &str, token: &str) -> serde_json::Value {
    json(&cetak_env(
        dir,
        &[
            "--db",
            db,
            // The first round of a new office creates its database.
            "--create",
            "sync",
            "--central",
            centre,
            "--insecure-http",
            "--retries",
            "2",
            "--json",
        ],
        &[("CETAK_OFFICE_TOKEN", token)],
    ))
}

#[test]
fn offices_pull_their_records_and_push_their_events_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    let other = add_office(d, &pg, "LBG");
    // The centre holds 600 print-ready records for Palembang.
    json(&cetak(
        d,
        &[
            "gen", "--rows", "600", "--seed", "5", "--out", "data", "--json",
        ],
    ));
    let load = json(&cetak(
        d,
        &[
            "central",
            "load",
            "--database-url",
            &pg.url(),
            "--region",
            "1671",
            "--office",
            "PLG",
            "data/recordings.csv",
            "--json",
        ],
    ));
    assert_eq!(load["added"], 600);
    // First round: everything pulled; nothing to push yet but the import itself.
    let r = sync(d, "plg.db", &centre.url, &plg);
    assert_eq!(r["pulled"], 600, "{r}");
    let again = sync(d, "plg.db", &centre.url, &plg);
    assert_eq!(again["pulled"], 0, "the cursor moved: {again}");
    // Another office sees none of Palembang's records.
    let lbg = sync(d, "lbg.db", &centre.url, &other);
    assert_eq!(lbg["pulled"], 0, "{lbg}");
    // Palembang finds duplicates, prints and hands over; the centre learns each event once.
    json(&cetak(d, &["--db", "plg.db", "dedup", "--json"]));
    ok(&cetak(
        d,
        &[
            "--db",
            "plg.db",
            "printer",
            "add",
            "P1",
            "--uri",
            &format!("dir:{}", d.join("out").display()),
            "--cards-per-day",
            "20",
        ],
    ));
    ok(&cetak(
        d,
        &[
            "--db", "plg.db", "stock", "receive", "--first", "1", "--last", "50", "--ref", "R",
        ],
    ));
    json(&cetak(d, &["--db", "plg.db", "print", "run", "--json"]));
    let r = sync(d, "plg.db", &centre.url, &plg);
    assert_eq!(r["outbox_depth"], 0, "{r}");
    let pushed = r["pushed"].as_u64().expect("pushed");
    assert!(pushed > 20, "{r}");
    let held: u64 = pg
        .sql("SELECT count(*) FROM events WHERE office = 'PLG'")
        .parse()
        .expect("n");
    assert_eq!(held, pushed);
    let printed: u64 = pg
        .sql("SELECT count(*) FROM events WHERE office = 'PLG' AND kind = 'printed'")
        .parse()
        .expect("n");
    assert_eq!(printed, 20);
    // Replaying the whole outbox (as after a lost answer) changes nothing at the centre.
    let db = rusqlite::Connection::open(d.join("plg.db")).expect("db");
    db.execute("UPDATE sync_state SET pushed_seq = 0", [])
        .expect("rewind");
    let replay = sync(d, "plg.db", &centre.url, &plg);
    assert_eq!(replay["new_at_centre"], 0, "{replay}");
    let held_again: u64 = pg
        .sql("SELECT count(*) FROM events WHERE office = 'PLG'")
        .parse()
        .expect("n");
    assert_eq!(held_again, held);
}

#[test]
fn strangers_bad_messages_and_future_versions_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let token = add_office(d, &pg, "PLG");
    let before = pg.sql("SELECT count(*) FROM events");
    let post =
        |path: &str, auth: Option<&str>, body: &str| ureq_like(&centre.url, path, auth, body);
    for (auth, path, body, status, needle) in [
        (
            None,
            "/sync/v2/push",
            r#"{"version":2,"events":[]}"#,
            401,
            "missing bearer",
        ),
        (
            Some("PLG.wrong"),
            "/sync/v2/push",
            r#"{"version":2,"events":[]}"#,
            401,
            "unknown office",
        ),
        (
            Some(token.as_str()),
            "/sync/v2/push",
            r#"{"version":9,"events":[]}"#,
            400,
            "not supported",
        ),
        (
            Some(token.as_str()),
            "/sync/v2/push",
            r#"{"version":2,"events":[{"key":"k"}]}"#,
            400,
            "malformed",
        ),
        (
            Some(token.as_str()),
            "/sync/v2/push",
            "{truncated",
            400,
            "malformed",
        ),
        (
            Some(token.as_str()),
            "/sync/v2/pull",
            r#"{"version":2,"after":0,"limit":10,"max_bytes":1000,"office":"LBG"}"#,
            400,
            "unknown field",
        ),
        (
            Some(token.as_str()),
            "/sync/v2/pull",
            r#"{"version":3,"after":0,"limit":10,"max_bytes":1000}"#,
            400,
            "speaks 2",
        ),
        (
            Some(token.as_str()),
            "/sync/v1/pull",
            r#"{"version":1,"after":0,"limit":10}"#,
            400,
            "speaks 2",
        ),
    ] {
        let (got, text) = post(path, auth, body);
        assert_eq!(got, status, "{path} {body}: {text}");
        assert!(text.contains(needle), "{path} {body}: {text}");
    }
    // An oversized message.
    let huge = format!(
        r#"{{"version":2,"events":[{{"key":"k","kind":"x","at":"t","body":"{}"}}]}}"#,
        "x".repeat(9 * 1024 * 1024)
    );
    let (got, _) = post("/sync/v2/push", Some(&token), &huge);
    assert_eq!(got, 413);
    assert_eq!(pg.sql("SELECT count(*) FROM events"), before);
}

/// A minimal HTTP/1.1 POST (the test does not need a client crate).
fn ureq_like(base: &str, path: &str, auth: Option<&str>, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let hostport = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(hostport).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let auth = auth
        .map(|a| format!("Authorization: Bearer {a}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
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

#[test]
fn a_resident_with_a_card_from_another_office_arrives_as_a_duplicate_candidate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    let lbg = add_office(d, &pg, "LBG");
    // Palembang prints and hands over a card.
    json(&cetak(
        d,
        &[
            "gen",
            "--rows",
            "50",
            "--seed",
            "8",
            "--duplicate-share",
            "0",
            "--out",
            "data",
            "--json",
        ],
    ));
    json(&cetak(
        d,
        &[
            "central",
            "load",
            "--database-url",
            &pg.url(),
            "--region",
            "1671",
            "--office",
            "PLG",
            "data/recordings.csv",
            "--json",
        ],
    ));
    sync(d, "plg.db", &centre.url, &plg);
    json(&cetak(d, &["--db", "plg.db", "dedup", "--json"]));
    ok(&cetak(
        d,
        &[
            "--db",
            "plg.db",
            "printer",
            "add",
            "P1",
            "--uri",
            &format!("dir:{}", d.join("out").display()),
            "--cards-per-day",
            "1",
        ],
    ));
    ok(&cetak(
        d,
        &[
            "--db", "plg.db", "stock", "receive", "--first", "1", "--last", "5", "--ref", "R",
        ],
    ));
    json(&cetak(d, &["--db", "plg.db", "print", "run", "--json"]));
    let db = rusqlite::Connection::open(d.join("plg.db")).expect("db");
    let (nik, id): (String, String) = db
        .query_row("SELECT nik, recording_id FROM cards LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("a card");
    ok(&cetak(
        d,
        &["--db", "plg.db", "handover", &nik, "--to", "resident"],
    ));
    sync(d, "plg.db", &centre.url, &plg);
    // The resident moves; a new recording under the same NIK is queued for Lubuklinggau.
    let text = std::fs::read_to_string(d.join("data/recordings.csv")).expect("csv");
    let header = text.lines().next().expect("header");
    let row = text
        .lines()
        .find(|l| l.starts_with(&format!("{id},")))
        .expect("row");
    let moved = row.replacen(&id, "LBG00000001", 1);
    std::fs::write(d.join("moved.csv"), format!("{header}\n{moved}\n")).expect("write");
    json(&cetak(
        d,
        &[
            "central",
            "load",
            "--database-url",
            &pg.url(),
            "--region",
            "1671",
            "--office",
            "LBG",
            "moved.csv",
            "--json",
        ],
    ));
    let r = sync(d, "lbg.db", &centre.url, &lbg);
    assert_eq!(
        (r["pulled"].as_u64(), r["flagged_card_elsewhere"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    let st = json(&cetak(d, &["--db", "lbg.db", "status", &nik, "--json"]));
    assert_eq!(st["state"], "awaiting_decision", "{st}");
}

/// The centre's schema can be spread over Citus workers as ARCHITECTURE.md plans: every table
/// is either distributed (and every primary and unique key includes its distribution column)
/// or a small reference table; distributed tables reference only reference tables.
#[test]
fn the_centres_schema_is_distributable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    add_office(d, &pg, "PLG");
    let distributed: std::collections::BTreeMap<&str, &str> =
        cetak_central::DISTRIBUTED.iter().copied().collect();
    let tables = pg.sql(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
    );
    for t in tables.lines() {
        assert!(
            distributed.contains_key(t) || cetak_central::REFERENCE.contains(&t),
            "table {t} is neither distributed nor a reference table"
        );
    }
    let keys = pg.sql(
        "SELECT c.relname, i.indexrelid::regclass::text,
                string_agg(a.attname, ' ' ORDER BY a.attname)
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
         WHERE n.nspname = 'public' AND i.indisunique GROUP BY 1, 2",
    );
    let mut checked = 0;
    for line in keys.lines() {
        let f: Vec<&str> = line.split('|').collect();
        if let Some(column) = distributed.get(f[0]) {
            checked += 1;
            assert!(
                f[2].split(' ').any(|c| c == *column),
                "unique key {} of {} lacks {column}: {}",
                f[1],
                f[0],
                f[2]
            );
        }
    }
    assert!(checked >= distributed.len(), "{keys}");
    let fks = pg.sql(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
         WHERE contype = 'f'",
    );
    for line in fks.lines() {
        let (from, to) = line.split_once('|').expect("fk");
        if distributed.contains_key(from) {
            assert!(
                cetak_central::REFERENCE.contains(&to),
                "{from} references {to}, not a reference table"
            );
        }
    }
}
