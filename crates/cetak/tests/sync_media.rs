//! The link brings each record's photo, signature and fingerprint templates (issue 17 item 6):
//! byte for byte into the office registry, each item hashed and the record's hash covering
//! them, so a photo damaged on the way is never imported; answers stay under the message limit
//! whatever the photo sizes, and a record whose media can never travel is parked with its
//! reason while the rest arrive; an invalid photo arrives and waits for a correction. Each test
//! runs the real `cetak` against the real centre on PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use cetak_domain::media::MediaSlot;
use cetak_store::Store;
use common::central::{Centre, add_office, backlog, central_load, sync_with};
use common::pg::Postgres;
use common::proxy;
use serde_json::Value;

/// One `cetak sync` round with two retries (creating the office database).
fn sync(dir: &Path, db: &str, centre: &str, token: &str) -> (Value, bool) {
    sync_with(dir, db, centre, token, &["--retries", "2"])
}

/// Queue `out/recordings.csv` with `out/media` for the office; the loader's JSON.
fn load(dir: &Path, pg: &Postgres, office: &str, out: &str) -> Value {
    let media = format!("{out}/media");
    central_load(
        dir,
        pg,
        office,
        &format!("{out}/recordings.csv"),
        Some(&media),
    )
}

/// The recording ids of a generated CSV, in order.
fn ids(dir: &Path, out: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(out).join("recordings.csv")).expect("csv");
    text.lines()
        .skip(1)
        .map(|l| l.split(',').next().expect("id").to_string())
        .collect()
}

/// The files of a recording's media folder: slot name → BLAKE3 hex.
fn files(dir: &Path, out: &str, id: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir.join(out).join("media").join(id)).expect("media dir") {
        let e = e.expect("entry");
        let name = e.file_name().into_string().expect("name");
        let slot = name.split('.').next().expect("slot").to_string();
        let bytes = std::fs::read(e.path()).expect("read");
        m.insert(slot, blake3::hash(&bytes).to_hex().to_string());
    }
    m
}

/// What the office registry holds for a recording: slot name → BLAKE3 hex.
fn held(store: &Store, id: &str) -> BTreeMap<String, String> {
    store
        .media_list(id)
        .expect("media list")
        .into_iter()
        .map(|m| (m.slot, m.hash))
        .collect()
}

fn open(dir: &Path, db: &str) -> Store {
    Store::open(&dir.join(db)).expect("office db")
}

/// A JPEG grown to about `size` bytes with comment segments (still the same valid picture).
fn padded_jpeg(jpeg: &[u8], size: usize) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "a JPEG");
    let mut out = jpeg[..2].to_vec();
    let mut i = 0u32;
    while out.len() + jpeg.len() < size {
        let n = 60_000usize.min(size - out.len() - jpeg.len()).max(1);
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((n + 2) as u16).to_be_bytes());
        out.extend((0..n).map(|k| (k as u32).wrapping_mul(2_654_435_761).wrapping_add(i) as u8));
        i += 1;
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn pulled_records_bring_their_photo_signature_and_templates_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 40, 81, "a", true);
    let loaded = load(d, &pg, "PLG", "a");
    assert_eq!(loaded["added"], 40, "{loaded}");
    assert_eq!(loaded["media_items"], 160, "{loaded}");
    assert_eq!(
        pg.sql("SELECT count(*) FROM record_media WHERE office = 'PLG'"),
        "160"
    );
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done, "{r}");
    assert_eq!(r["pulled"], 40, "{r}");
    let store = open(d, "plg.db");
    for id in ids(d, "a") {
        let want = files(d, "a", &id);
        assert_eq!(
            want.keys().cloned().collect::<Vec<_>>(),
            ["foto", "jari-02", "jari-07", "tanda_tangan"]
        );
        assert_eq!(held(&store, &id), want, "{id}");
        // The card's own copy, byte for byte.
        let foto = store
            .media_for_card(&id, MediaSlot::Foto)
            .expect("read")
            .expect("a valid photo");
        assert_eq!(blake3::hash(&foto).to_hex().to_string(), want["foto"]);
    }
    // Generated media is valid: nothing waits for a correction.
    let waiting: i64 = rusqlite::Connection::open(d.join("plg.db"))
        .expect("db")
        .query_row(
            "SELECT count(*) FROM record_states WHERE state = 'perlu_perbaikan'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(waiting, 0);
    drop(store);
    // The cursor stands on a record pulled with its media: the next round agrees with the
    // centre about it and finds nothing new.
    let (again, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(
        done && again["pulled"] == 0 && again["rewound"] == Value::Array(vec![]),
        "{again}"
    );
}

#[test]
fn a_photo_damaged_on_the_way_is_never_imported_and_the_next_pull_brings_it_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 20, 82, "a", true);
    assert_eq!(load(d, &pg, "PLG", "a")["added"], 20);
    // One character deep inside the first photo of the first answer, changed on the way.
    let damaged = Arc::new(Mutex::new(0u32));
    let seen = Arc::clone(&damaged);
    let line = proxy::start(
        centre.port,
        Arc::new(move |path: &str, _: &[u8], resp: Vec<u8>| {
            let mut n = seen.lock().expect("lock");
            if *n > 0 || !path.ends_with("/pull") {
                return resp;
            }
            let marker = b"\"slot\":\"foto\"";
            let Some(at) = resp.windows(marker.len()).position(|w| w == marker) else {
                return resp;
            };
            let bytes_at = at
                + resp[at..]
                    .windows(9)
                    .position(|w| w == b"\"bytes\":\"")
                    .expect("bytes")
                + 9;
            let mut resp = resp;
            let k = bytes_at + 500;
            resp[k] = if resp[k] == b'A' { b'B' } else { b'A' };
            *n += 1;
            resp
        }),
        None,
    );
    // No retries: the round stops at the damaged answer, and nothing of it is imported.
    let (r, done) = sync_with(d, "plg.db", &line.url, &plg, &["--retries", "0"]);
    assert!(!done, "{r}");
    assert_eq!(*damaged.lock().expect("lock"), 1);
    assert!(
        r["error"].as_str().is_some_and(|e| e.contains("damaged")),
        "{r}"
    );
    assert_eq!(r["pulled"], 0, "{r}");
    let first = &ids(d, "a")[0];
    {
        let store = open(d, "plg.db");
        assert!(
            held(&store, first).is_empty(),
            "nothing of the damaged answer"
        );
    }
    // The next pull brings it intact.
    let (r, done) = sync(d, "plg.db", &line.url, &plg);
    assert!(done && r["pulled"] == 20, "{r}");
    let store = open(d, "plg.db");
    for id in ids(d, "a") {
        assert_eq!(held(&store, &id), files(d, "a", &id), "{id}");
    }
}

#[test]
fn big_photos_arrive_in_answers_under_the_limit_and_a_record_too_large_to_travel_is_parked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 40, 83, "a", true);
    let all = ids(d, "a");
    // Every fourth record has a 1.5 MB photo (still a valid JPEG under the 2 MiB contract
    // limit): 10 of them, 20 MB of base64, far more than one answer may carry. Record 21's
    // photo is 5 MB: more than any answer.
    let giant = all[21].clone();
    for (i, id) in all.iter().enumerate() {
        let path = d.join("a/media").join(id).join("foto.jpg");
        let size = match i {
            21 => 5_000_000,
            i if i % 4 == 0 => 1_500_000,
            _ => continue,
        };
        let jpeg = std::fs::read(&path).expect("foto");
        std::fs::write(&path, padded_jpeg(&jpeg, size)).expect("write");
    }
    assert_eq!(load(d, &pg, "PLG", "a")["added"], 40);
    // Every answer's size, as it crossed the line.
    let answers = Arc::new(Mutex::new(Vec::<usize>::new()));
    let sizes = Arc::clone(&answers);
    let line = proxy::start(
        centre.port,
        Arc::new(move |path: &str, _: &[u8], resp: Vec<u8>| {
            if path.ends_with("/pull") {
                sizes.lock().expect("lock").push(resp.len());
            }
            resp
        }),
        None,
    );
    let (r, done) = sync(d, "plg.db", &line.url, &plg);
    assert!(done, "{r}");
    assert_eq!(
        (r["pulled"].as_u64(), r["parked_records"].as_u64()),
        (Some(39), Some(1)),
        "{r}"
    );
    let answers = answers.lock().expect("lock").clone();
    eprintln!("pull answers (bytes): {answers:?}");
    assert!(answers.len() >= 5, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|n| *n <= cetak_sync::BATCH_BYTES + 64 * 1024),
        "every answer within the batch budget: {answers:?}"
    );
    assert!(answers.iter().all(|n| *n < cetak_sync::MAX_BODY));
    let store = open(d, "plg.db");
    for (i, id) in all.iter().enumerate() {
        if *id == giant {
            assert!(held(&store, id).is_empty());
            continue;
        }
        assert_eq!(held(&store, id), files(d, "a", id), "{i} {id}");
    }
    // Parked at both ends, with its reason.
    let reason: String = rusqlite::Connection::open(d.join("plg.db"))
        .expect("db")
        .query_row(
            "SELECT reason FROM sync_parked WHERE kind = 'record' AND name = ?1",
            [&giant],
            |r| r.get(0),
        )
        .expect("parked");
    assert!(
        reason.contains("photo, signature and templates"),
        "{reason}"
    );
    assert_eq!(
        pg.sql(&format!(
            "SELECT count(*) FROM records WHERE parked_reason IS NOT NULL AND recording_id = '{giant}'"
        )),
        "1"
    );
    assert_eq!(r["waiting_at_centre"], 0, "{r}");
}

#[test]
fn a_record_with_an_invalid_photo_arrives_and_waits_for_a_correction_with_its_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Centre::start(d, &pg);
    let plg = add_office(d, &pg, "PLG");
    backlog(d, 10, 84, "a", true);
    let all = ids(d, "a");
    let (bad, unsigned) = (&all[3], &all[6]);
    std::fs::write(
        d.join("a/media").join(bad).join("foto.jpg"),
        b"this is not a photo",
    )
    .expect("write");
    std::fs::remove_file(d.join("a/media").join(unsigned).join("tanda_tangan.png"))
        .expect("remove");
    assert_eq!(load(d, &pg, "PLG", "a")["added"], 10);
    let (r, done) = sync(d, "plg.db", &centre.url, &plg);
    assert!(done && r["pulled"] == 10, "{r}");
    let db = rusqlite::Connection::open(d.join("plg.db")).expect("db");
    let state = |id: &str| -> String {
        db.query_row(
            "SELECT state FROM record_states WHERE recording_id = ?1",
            [id],
            |r| r.get(0),
        )
        .expect("state")
    };
    let problems = |id: &str| -> Vec<(String, String)> {
        let mut s = db
            .prepare(
                "SELECT field, code FROM record_problems
                 WHERE recording_id = ?1 AND resolved_seq IS NULL AND blocking = 1 ORDER BY field",
            )
            .expect("sql");
        s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(state(bad), "perlu_perbaikan");
    let p = problems(bad);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, "foto");
    assert_eq!(state(unsigned), "perlu_perbaikan");
    assert_eq!(
        problems(unsigned),
        [(
            "tanda_tangan".to_string(),
            "tanda_tangan_missing".to_string()
        )]
    );
    // Nothing lost: the bad photo's bytes are kept as they came.
    let store = open(d, "plg.db");
    let list = store.media_list(bad).expect("list");
    let foto = list.iter().find(|m| m.slot == "foto").expect("foto kept");
    assert!(!foto.valid);
    assert_eq!(
        foto.hash,
        blake3::hash(b"this is not a photo").to_hex().to_string()
    );
    for id in all.iter().filter(|id| *id != bad && *id != unsigned) {
        assert_ne!(state(id), "perlu_perbaikan", "{id}");
        assert_eq!(held(&store, id), files(d, "a", id));
    }
}
