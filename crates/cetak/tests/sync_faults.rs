//! The link to the centre under faults: a TCP proxy between office and centre cuts every
//! connection, stalls, slows and drops connections mid-request and mid-response at random
//! (seeded), while the office's `cetak sync` and the centre are SIGKILLed mid-round. 1,100
//! outbox events flow up (some written while rounds run) and 10,000 records flow down.
//! Afterwards the centre holds each event exactly once, the outbox is empty, the office holds
//! each record exactly once, and the audit chain verifies.
//!
//! The seed is printed; `CETAK_FAULT_SEED=N` replays a schedule (thread timing still varies).

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cetak_domain::lifecycle::Actor;
use cetak_print::stock::{BlankEvent, SerialRange};
use cetak_store::Store;
use common::central::{Centre, add_office};
use common::pg::Postgres;
use common::{cetak, json};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Blank deliveries received at the office (one `stock` event each); every tenth blank is
/// also reported missing at a count (another `stock` event).
const RECEIPTS: i64 = 1_000;
/// Receipts written before the first round; the rest arrive while rounds run.
const BEFORE: i64 = 400;
const RECORDS: u64 = 10_000;
/// The records reach the centre in this many loads, one every `LOAD_EVERY`.
const LOADS: usize = 4;
const LOAD_EVERY: Duration = Duration::from_secs(6);
/// After this long, the faults stop so the last rounds can finish.
const CHAOS_FOR: Duration = Duration::from_secs(40);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------------------------------------------------------------------------------------------
// The faulty link.

#[derive(Default)]
struct Counts {
    connections: AtomicU64,
    refused: AtomicU64,
    cuts: AtomicU64,
    stalls: AtomicU64,
    delays: AtomicU64,
    resets_mid_request: AtomicU64,
    resets_mid_response: AtomicU64,
}

struct Link {
    target: u16,
    seed: u64,
    open: Mutex<HashMap<u64, (TcpStream, TcpStream)>>,
    stall_until: Mutex<Instant>,
    delay_ms: AtomicU64,
    /// Per mille of new connections that are dropped after a random number of bytes.
    reset_permille: AtomicU64,
    chaos: AtomicBool,
    n: Counts,
}

impl Link {
    /// Close every connection now (a cable pulled, a NAT table flushed).
    fn cut(&self) {
        let open = std::mem::take(&mut *self.open.lock().expect("lock"));
        for (a, b) in open.values() {
            let _ = a.shutdown(Shutdown::Both);
            let _ = b.shutdown(Shutdown::Both);
        }
        self.n.cuts.fetch_add(1, SeqCst);
    }

    fn calm(&self) {
        self.chaos.store(false, SeqCst);
        self.reset_permille.store(0, SeqCst);
        self.delay_ms.store(0, SeqCst);
        *self.stall_until.lock().expect("lock") = Instant::now();
    }
}

#[derive(Clone, Copy)]
enum Dir {
    Request,
    Response,
}

/// Listen on a free port and forward to `link.target`; returns the port.
fn start_proxy(link: Arc<Link>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        let mut rng = ChaCha8Rng::seed_from_u64(link.seed ^ 0x9e37_79b9);
        for (id, client) in listener.incoming().enumerate() {
            let Ok(client) = client else { continue };
            let id = id as u64;
            link.n.connections.fetch_add(1, SeqCst);
            // The centre may be down (killed, restarting): the office sees the link close.
            let Ok(server) = TcpStream::connect(("127.0.0.1", link.target)) else {
                link.n.refused.fetch_add(1, SeqCst);
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            // Some connections are dropped after a random number of bytes: mid-request (a
            // push body is ~300 KB) or mid-response (a pull answer is a few MB).
            let plan = if rng.random_range(0..1000) < link.reset_permille.load(SeqCst) {
                // Log-uniform: headers, small bodies and multi-megabyte answers all get hit.
                let (dir, max) = if rng.random_bool(0.4) {
                    (Dir::Request, 400e3f64)
                } else {
                    (Dir::Response, 3e6f64)
                };
                Some((dir, rng.random_range(4.0..max.ln()).exp() as u64))
            } else {
                None
            };
            let up_limit = match plan {
                Some((Dir::Request, k)) => Some(k),
                _ => None,
            };
            let down_limit = match plan {
                Some((Dir::Response, k)) => Some(k),
                _ => None,
            };
            let clones = |s: &TcpStream| s.try_clone().expect("clone");
            link.open
                .lock()
                .expect("lock")
                .insert(id, (clones(&client), clones(&server)));
            let (c2, s2) = (clones(&client), clones(&server));
            let l1 = Arc::clone(&link);
            thread::spawn(move || pump(&l1, id, client, server, up_limit, Dir::Request));
            let l2 = Arc::clone(&link);
            thread::spawn(move || pump(&l2, id, s2, c2, down_limit, Dir::Response));
        }
    });
    port
}

fn pump(
    link: &Link,
    id: u64,
    mut from: TcpStream,
    mut to: TcpStream,
    limit: Option<u64>,
    dir: Dir,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // A stall: nothing moves until it ends (the office's timeout may fire first).
        loop {
            let until = *link.stall_until.lock().expect("lock");
            if Instant::now() >= until {
                break;
            }
            thread::sleep(ms(10));
        }
        let delay = link.delay_ms.load(SeqCst);
        if delay > 0 {
            thread::sleep(ms(delay));
        }
        if let Some(limit) = limit
            && sent + n as u64 > limit
        {
            let _ = to.write_all(&buf[..(limit - sent) as usize]);
            match dir {
                Dir::Request => link.n.resets_mid_request.fetch_add(1, SeqCst),
                Dir::Response => link.n.resets_mid_response.fetch_add(1, SeqCst),
            };
            break;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n as u64;
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
    link.open.lock().expect("lock").remove(&id);
}

/// Random faults until `link.chaos` goes false.
fn start_chaos(link: Arc<Link>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut rng = ChaCha8Rng::seed_from_u64(link.seed ^ 0xc4a0);
        link.reset_permille.store(400, SeqCst);
        while link.chaos.load(SeqCst) {
            thread::sleep(ms(rng.random_range(50..500)));
            if !link.chaos.load(SeqCst) {
                break;
            }
            match rng.random_range(0..4) {
                0 => link.cut(),
                1 => {
                    *link.stall_until.lock().expect("lock") =
                        Instant::now() + ms(rng.random_range(300..3_000));
                    link.n.stalls.fetch_add(1, SeqCst);
                }
                2 => {
                    link.delay_ms.store(rng.random_range(1..12), SeqCst);
                    link.n.delays.fetch_add(1, SeqCst);
                }
                _ => link.delay_ms.store(0, SeqCst),
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The centre, killable.

// ---------------------------------------------------------------------------------------------
// The office.

/// Write receipts `from..=to` (and every tenth blank missing) through the store, as the
/// office's own commands do: real audit entries, so real outbox events.
fn receive(store: &mut Store, from: i64, to: i64, mut pause: impl FnMut()) {
    let actor = Actor("operator:fauzi".into());
    for serial in from..=to {
        store
            .stock_receive(
                SerialRange {
                    first: serial,
                    last: serial,
                },
                "2026-11-28",
                &format!("SP-{serial}"),
                &actor,
                time::OffsetDateTime::now_utc(),
            )
            .expect("receive");
        if serial % 10 == 0 {
            store
                .stock_blank_event(
                    serial,
                    BlankEvent::MarkMissing,
                    &actor,
                    time::OffsetDateTime::now_utc(),
                    "not in the safe at the count",
                )
                .expect("missing");
        }
        pause();
    }
}

fn spawn_sync(dir: &Path, url: &str, token: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(dir)
        .env("CETAK_LANG", "en")
        .env("CETAK_OFFICE_TOKEN", token)
        .args([
            "--db",
            "office.db",
            "sync",
            "--central",
            url,
            "--insecure-http",
            "--retries",
            "1",
            "--timeout-s",
            "2",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cetak sync starts")
}

/// Wait for a round (bounded: a round that hangs is a bug).
fn finish(mut child: Child) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut out = String::new();
            if let Some(mut s) = child.stdout.take() {
                let _ = s.read_to_string(&mut out);
            }
            return (status.code(), out);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("a sync round hung for 60 s");
        }
        thread::sleep(ms(10));
    }
}

fn lines(s: &str) -> BTreeSet<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_event_and_record_crosses_a_faulty_link_exactly_once() {
    let t0 = Instant::now();
    let seed: u64 = std::env::var("CETAK_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_128);
    eprintln!("sync_faults: seed {seed} (CETAK_FAULT_SEED)");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = Postgres::start(d);
    let centre = Arc::new(Mutex::new(Centre::start(d, &pg)));
    let centre_port = centre.lock().expect("lock").port;
    let token = add_office(d, &pg, "PLG");
    // 10,000 print-ready records wait at the centre for Palembang.
    json(&cetak(
        d,
        &[
            "gen", "--rows", "10000", "--seed", "9", "--out", "data", "--json",
        ],
    ));
    // They reach the centre in four loads while the office syncs, so pulls happen all along.
    let csv = std::fs::read_to_string(d.join("data/recordings.csv")).expect("csv");
    let mut rows = csv.lines();
    let header = rows.next().expect("header");
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len() as u64, RECORDS);
    for (i, part) in rows.chunks(rows.len() / LOADS).enumerate() {
        std::fs::write(
            d.join(format!("data/part{i}.csv")),
            format!("{header}\n{}\n", part.join("\n")),
        )
        .expect("part");
    }
    let load = |i: usize| {
        let out = json(&cetak(
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
                &format!("data/part{i}.csv"),
                "--json",
            ],
        ));
        assert_eq!(out["added"], RECORDS / LOADS as u64);
    };
    load(0);
    let mut loaded = 1;
    // The office has blanks delivered before the link comes up; more arrive while it syncs.
    let mut store = Store::open(&d.join("office.db")).expect("office db");
    receive(&mut store, 1, BEFORE, || {});
    drop(store);
    let office_db = d.join("office.db");
    let writer = thread::spawn(move || {
        let mut store = Store::open(&office_db).expect("office db");
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0ff1ce);
        receive(&mut store, BEFORE + 1, RECEIPTS, || {
            thread::sleep(ms(rng.random_range(10..80)))
        });
    });

    let link = Arc::new(Link {
        target: centre_port,
        seed,
        open: Mutex::new(HashMap::new()),
        stall_until: Mutex::new(Instant::now()),
        delay_ms: AtomicU64::new(0),
        reset_permille: AtomicU64::new(0),
        chaos: AtomicBool::new(true),
        n: Counts::default(),
    });
    let proxy = format!("http://127.0.0.1:{}", start_proxy(Arc::clone(&link)));
    let chaos = start_chaos(Arc::clone(&link));

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut rounds, mut failed, mut office_kills, mut centre_kills) = (0u32, 0u32, 0u32, 0u32);
    let rounds_start = Instant::now();
    let mut chaos_rounds = 0;
    let mut errors = std::collections::BTreeMap::new();
    loop {
        rounds += 1;
        assert!(rounds < 400, "no convergence after 400 rounds");
        let chaotic = link.chaos.load(SeqCst);
        if chaotic && rounds_start.elapsed() > CHAOS_FOR {
            link.calm();
            chaos_rounds = rounds - 1;
        }
        if loaded < LOADS && rounds_start.elapsed() >= LOAD_EVERY * loaded as u32 {
            load(loaded);
            loaded += 1;
        }
        let child = spawn_sync(d, &proxy, &token);
        let fault = if link.chaos.load(SeqCst) {
            // The first rounds carry most of the data: make sure those are hit too.
            if rounds <= 4 {
                rounds % 2
            } else {
                rng.random_range(0..4)
            }
        } else {
            5
        };
        match fault {
            1 if office_kills < 10 => {
                // SIGKILL the office mid-round (start-up, a request, an import transaction).
                let mut child = child;
                thread::sleep(ms(
                    rng.random_range(20..if rounds <= 4 { 1_500 } else { 400 })
                ));
                if child.try_wait().expect("wait").is_none() {
                    child.kill().expect("kill -9");
                    office_kills += 1;
                }
                let _ = child.wait();
                continue;
            }
            0 if centre_kills < 5 => {
                // SIGKILL the centre mid-round, and bring it back a moment later.
                thread::sleep(ms(rng.random_range(20..400)));
                let mut c = centre.lock().expect("lock");
                c.kill();
                centre_kills += 1;
                thread::sleep(ms(rng.random_range(0..700)));
                c.up();
            }
            _ => {}
        }
        let (code, out) = finish(child);
        match code {
            Some(0) => {
                let r: serde_json::Value = serde_json::from_str(&out).expect("round JSON");
                if writer.is_finished() && loaded == LOADS && r["outbox_depth"] == 0 {
                    break;
                }
            }
            Some(3) => {
                failed += 1;
                let r: serde_json::Value = serde_json::from_str(&out).expect("round JSON");
                let e = r["error"].as_str().unwrap_or("?");
                *errors
                    .entry(e.chars().take(70).collect::<String>())
                    .or_insert(0u32) += 1;
            }
            other => panic!("cetak sync exited {other:?}: {out}"),
        }
    }
    link.calm();
    writer.join().expect("writer");
    chaos.join().expect("chaos thread");
    if chaos_rounds == 0 {
        chaos_rounds = rounds;
    }
    // One more round: the link is healthy and there is nothing left to do either way.
    let (code, out) = finish(spawn_sync(d, &proxy, &token));
    assert_eq!(code, Some(0), "{out}");
    let last: serde_json::Value = serde_json::from_str(&out).expect("round JSON");
    assert_eq!(last["pushed"], 0, "{last}");
    assert_eq!(last["pulled"], 0, "{last}");
    assert_eq!(last["outbox_depth"], 0, "{last}");

    // The centre holds every outbox event of the office exactly once, under its audit key.
    let db = rusqlite::Connection::open(d.join("office.db")).expect("db");
    let actions = cetak_store::OUTBOX_ACTIONS
        .iter()
        .map(|(a, _)| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(",");
    let outbox: BTreeSet<String> = db
        .prepare(&format!(
            "SELECT seq FROM audit_log WHERE action IN ({actions})"
        ))
        .expect("sql")
        .query_map([], |r| r.get::<_, i64>(0))
        .expect("query")
        .map(|s| format!("audit-{}", s.expect("seq")))
        .collect();
    let expected_events = (RECEIPTS + RECEIPTS / 10) as usize;
    assert_eq!(outbox.len(), expected_events, "the office wrote its events");
    let held: u64 = pg
        .sql("SELECT count(*) FROM events WHERE office = 'PLG'")
        .parse()
        .expect("n");
    assert_eq!(held, outbox.len() as u64, "each event once at the centre");
    let keys = lines(&pg.sql("SELECT key FROM events WHERE office = 'PLG'"));
    assert_eq!(keys, outbox, "the centre's keys are the office's outbox");
    // The office's outbox is empty.
    let status = Store::open(&d.join("office.db"))
        .expect("db")
        .sync_status()
        .expect("status");
    assert_eq!(status.outbox_depth, 0, "{status:?}");
    let max_outbox: u64 = db
        .query_row(
            &format!("SELECT max(seq) FROM audit_log WHERE action IN ({actions})"),
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("max") as u64;
    assert!(status.pushed_seq >= max_outbox, "{status:?}");
    // The office holds each record exactly once: the centre's set, nothing quarantined.
    let (n, distinct): (i64, i64) = db
        .query_row(
            "SELECT count(*), count(DISTINCT recording_id) FROM records",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!((n, distinct), (RECORDS as i64, RECORDS as i64));
    let quarantined: i64 = db
        .query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0))
        .expect("quarantine");
    assert_eq!(quarantined, 0, "a re-pulled batch must not conflict");
    let office_ids: BTreeSet<String> = db
        .prepare("SELECT recording_id FROM records")
        .expect("sql")
        .query_map([], |r| r.get::<_, String>(0))
        .expect("query")
        .map(|r| r.expect("id"))
        .collect();
    let centre_ids = lines(&pg.sql("SELECT recording_id FROM records WHERE office = 'PLG'"));
    assert_eq!(office_ids.len(), RECORDS as usize);
    assert_eq!(
        office_ids, centre_ids,
        "the office holds the centre's records"
    );
    let max_seq: i64 = pg
        .sql("SELECT max(seq) FROM records WHERE office = 'PLG'")
        .parse()
        .expect("seq");
    assert_eq!(status.pull_after, max_seq);
    // Every pulled batch was imported once: the import audit entries add up to the records.
    let imported: i64 = db
        .query_row(
            "SELECT coalesce(sum(json_extract(detail, '$.imported')), 0) FROM audit_log
             WHERE action = 'import_batch' AND subject LIKE 'central:%'",
            [],
            |r| r.get(0),
        )
        .expect("imported");
    assert_eq!(imported, RECORDS as i64);
    // The audit chain survived the SIGKILLs.
    let verify = json(&cetak(
        d,
        &["--db", "office.db", "audit", "verify", "--json"],
    ));
    assert_eq!(verify["ok"], true, "{verify}");

    let n = &link.n;
    eprintln!(
        "sync_faults: {rounds} rounds ({chaos_rounds} under faults, {failed} failed), \
         {office_kills} office SIGKILLs, {centre_kills} centre SIGKILLs+restarts, \
         {} connections ({} refused while the centre was down), {} cuts, {} stalls, \
         {} delay spells, {} resets mid-request, {} resets mid-response; {} events, {} records; \
         {:.1} s",
        n.connections.load(SeqCst),
        n.refused.load(SeqCst),
        n.cuts.load(SeqCst),
        n.stalls.load(SeqCst),
        n.delays.load(SeqCst),
        n.resets_mid_request.load(SeqCst),
        n.resets_mid_response.load(SeqCst),
        outbox.len(),
        RECORDS,
        t0.elapsed().as_secs_f64()
    );
    eprintln!("sync_faults: failed rounds by error: {errors:#?}");
    assert!(office_kills >= 1 && centre_kills >= 1, "the kills happened");
    assert!(
        n.cuts.load(SeqCst)
            + n.resets_mid_request.load(SeqCst)
            + n.resets_mid_response.load(SeqCst)
            >= 1,
        "the link failed at least once"
    );
}
