//! The operator and resident pages in a real headless Chromium (Debian `chromium`, driven by
//! playwright-core from `tests/browser/e2e.mjs`), against a real `cetak serve` and a real IPP
//! card printer (`ippeveprinter`): log in, read the dashboard, decide a duplicate pair, print,
//! refuse a decision sent without a choice (in the browser and on the server), see the decided
//! pair afterwards, ask the resident page, visit the admin pages, live an account's whole life
//! on the pages (created, own password changed, disabled, enabled, role changed, password
//! reset, all sessions ended — watched from the account's own browser), hand a printed card
//! over in two steps (a confirmation without an identity check refused in the browser and on
//! the server), and measure every staff page on a 390 px phone: any page screenshot wider than
//! its window fails the test; the office's recordings come with photos and signatures (import
//! contract v2): the pair's page shows both recordings' photos (`review-photos.png`), and the
//! correction page attaches a new photo through its upload form (`correct-photo.png`).
//! Screenshots land in `target/browser-artifacts/`.
//!
//! Needs `/usr/bin/chromium`, `node` and `npm ci` in `crates/cetak/tests/browser` (scripts/test
//! installs all three); fails, never skips, when one is missing.

mod common;

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use cetak_ipp::sim::SimPrinter;
use common::{cetak, cetak_env, json, ok};
use rusqlite::Connection;

const CHROMIUM: &str = "/usr/bin/chromium";
const PASSWORD: &str = "rahasia-kantor-2015!";
const SUPERVISOR: &str = "rina";
const ADMIN: &str = "budi";

/// Two recordings of SRI WAHYUNI(NGSIH): same address, close name, day and month swapped,
/// different mothers: the evidence is not conclusive either way, so the pair waits for a
/// supervisor. The other pairs around it are plain duplicates that steady the model's fit.
const PLANTED: &str = "\
TEST00000001,1671021505880007,BUDI SANTOSO,PALEMBANG,1988-05-15,LAKI-LAKI,O,JL. MAWAR NO. 5,001,002,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,KAWIN,WIRASWASTA,WNI,SUMARNI,2012-01-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
TEST00000002,1671021505880009,BUDI SANTOSA,PALEMBANG,1988-05-15,LAKI-LAKI,O,LR. MELATI NO. 12,003,002,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,KAWIN,WIRASWASTA,WNI,SUMARNI,2013-02-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
TEST00000003,1671025107900003,SRI WAHYUNI,PALEMBANG,1990-07-11,PEREMPUAN,A,JL. KENANGA NO. 8,001,002,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,KAWIN,WIRASWASTA,WNI,AMINAH,2012-01-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
TEST00000004,1671025107900004,SRI WAHYUNINGSIH,PALEMBANG,1990-11-07,PEREMPUAN,A,JL. KENANGA NO. 8,001,002,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,KAWIN,WIRASWASTA,WNI,ROSMINI,2013-02-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
TEST00000005,1671020303700001,AHMAD SYAFEI,PALEMBANG,1970-03-03,LAKI-LAKI,B,JL. DURIAN NO. 1,001,002,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,KAWIN,WIRASWASTA,WNI,FATIMAH,2012-01-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
TEST00000006,1671020303700002,AHMAD SYAFEI,PALEMBANG,1970-03-03,LAKI-LAKI,B,JL. RAMBUTAN NO. 9,004,005,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,KAWIN,WIRASWASTA,WNI,FATMAH,2013-02-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
TEST00000007,1671024408850011,NUR HASANAH,PALEMBANG,1985-08-04,PEREMPUAN,O,LR. SEPAKAT NO. 3,001,002,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,KAWIN,WIRASWASTA,WNI,MASITAH,2012-01-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
TEST00000008,1671024408850012,NURHASANAH,PALEMBANG,1985-08-14,PEREMPUAN,O,LR. SEPAKAT NO. 3,001,002,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,KAWIN,WIRASWASTA,WNI,MASITAH,2013-02-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
TEST00000009,1671026512950001,DEW1 LESTARI,PALEMBANG,1995-12-25,PEREMPUAN,AB,JL. CEMPAKA NO. 21,002,003,TANGGATAKAT,SEBERANG ULU DUA,KOTA PALEMBANG,SUMATERA SELATAN,ISLAM,BELUM KAWIN,PELAJAR/MAHASISWA,WNI,RUKIAH,2014-03-10T09:00:00+07:00,KECAMATAN SEBERANG ULU DUA,BARU
";

/// The planted recording with a digit typed for a letter in its name: it waits in
/// `perlu_perbaikan` for the correction the browser makes.
const TO_CORRECT: &str = "TEST00000009";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// `target/browser-artifacts`, beside `target/tmp` (follows CARGO_TARGET_DIR).
fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("browser-artifacts")
}

/// Fail loudly, with the install command, when the browser test cannot run.
fn require_tools() {
    let mut missing = Vec::new();
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!(
            "{CHROMIUM} is missing: install Debian's chromium (as root: apt-get install -y chromium)"
        ));
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => missing.push(
            "node is missing: install Node.js >= 20 (as root: apt-get install -y nodejs npm)"
                .into(),
        ),
    }
    if !browser_dir().join("node_modules/playwright-core").is_dir() {
        missing.push(format!(
            "playwright-core is not installed: run `npm ci --prefix {}` (no browser download needed)",
            browser_dir().display()
        ));
    }
    assert!(
        missing.is_empty(),
        "the browser test cannot run (scripts/test installs all of this):\n  {}",
        missing.join("\n  ")
    );
}

/// `cetak serve` on its own loopback port; SIGTERM on drop (SIGKILL if it lingers).
struct Server {
    child: Child,
    log: PathBuf,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let port = common::free_port();
        let log = dir.join("server.log");
        let out = fs::File::create(&log).expect("server log");
        let child = Command::new(env!("CARGO_BIN_EXE_cetak"))
            .current_dir(dir)
            // The office works in Bahasa Indonesia; `cetak --lang` (CETAK_LANG) is the pages'
            // default too since the server follows it, so the harness must not say `en`.
            .env("CETAK_LANG", "id")
            .env_remove("CETAK_CLOCK_SKEW_S")
            .args(["--db", "x.db", "serve", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("cetak serve starts");
        let mut server = Server {
            child,
            log,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("cetak serve exited with {status}:\n{}", server.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "cetak serve did not listen within 20 s:\n{}",
                server.log_text()
            );
            sleep(Duration::from_millis(50));
        }
        server
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then wait up to 10 s for a clean exit.
    fn stop(&mut self) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Run the browser script with a wall-clock limit; its output is printed either way.
fn run_e2e(dir: &Path, envs: &[(&str, String)], limit: Duration) -> (bool, String) {
    let out_path = dir.join("e2e.log");
    let out = fs::File::create(&out_path).expect("e2e log");
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join("e2e.mjs"))
        .current_dir(browser_dir())
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log"))
        .stderr(out);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("node starts");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for node") {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        sleep(Duration::from_millis(100));
    };
    let text = fs::read_to_string(&out_path).unwrap_or_default();
    match status {
        Some(s) => (s.success(), text),
        None => (
            false,
            format!("{text}\n[harness] e2e.mjs killed after {limit:?}"),
        ),
    }
}

/// The planted recordings' photos and signatures: each borrows them from a different
/// generated recording (import contract v2 holds a recording without a photo in
/// perlu_perbaikan, which the planted pair must not be). They get no fingerprint templates:
/// borrowed prints would be two people's, which data ganda settles as different without a
/// supervisor — the planted pair must wait for one.
fn plant_media(root: &Path) {
    let mut generated: Vec<PathBuf> = fs::read_dir(root)
        .expect("the generated media folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    generated.sort();
    let planted: Vec<&str> = PLANTED
        .lines()
        .filter_map(|l| l.split(',').next())
        .filter(|id| !id.is_empty())
        .collect();
    assert!(
        generated.len() >= planted.len(),
        "too few generated folders"
    );
    for (id, from) in planted.iter().zip(&generated) {
        let to = root.join(id);
        fs::create_dir_all(&to).expect("planted media folder");
        for file in fs::read_dir(from).expect("a generated folder") {
            let file = file.expect("entry").path();
            if let Some(name) = file.file_name()
                && !name.to_string_lossy().starts_with("jari-")
            {
                fs::copy(&file, to.join(name)).expect("copy media");
            }
        }
    }
}

#[test]
fn operator_and_resident_pages_work_in_a_real_browser() {
    require_tools();
    let t0 = Instant::now();
    let artifacts = artifacts_dir();
    let _ = fs::remove_dir_all(&artifacts);
    fs::create_dir_all(&artifacts).expect("artifacts dir");

    // An office: generated backlog plus a planted pair that waits for a supervisor.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    json(&cetak(
        d,
        &[
            "gen", "--rows", "200", "--seed", "11", "--out", "data", "--media", "--json",
        ],
    ));
    let csv = d.join("data/recordings.csv");
    let mut text = fs::read_to_string(&csv).expect("recordings");
    text.push_str(PLANTED);
    fs::write(&csv, text).expect("append planted rows");
    plant_media(&d.join("data/media"));
    let imported = json(&cetak(
        d,
        &[
            "--create",
            "import",
            "data/recordings.csv",
            "--media",
            "data/media",
            "--json",
        ],
    ));
    assert_eq!(imported["quarantined"], 0, "{imported}");
    let dedup = json(&cetak(d, &["dedup", "--json"]));
    assert!(
        dedup["awaiting_decision"].as_u64() >= Some(1),
        "no pair awaits a decision: {dedup}"
    );
    let pairs = json(&cetak(d, &["review", "list", "--json", "--limit", "1000"]));
    assert!(
        pairs.as_array().map(Vec::len) >= Some(2),
        "a pair must still wait after the planted one is decided, for the group decision: {pairs}"
    );
    let held: String = Connection::open(d.join("x.db"))
        .expect("db")
        .query_row(
            "SELECT state FROM records WHERE recording_id = ?1",
            [TO_CORRECT],
            |r| r.get(0),
        )
        .expect("the planted recording");
    assert_eq!(
        held, "perlu_perbaikan",
        "{TO_CORRECT} waits for its correction"
    );
    let pair_id = pairs
        .as_array()
        .expect("pairs")
        .iter()
        .find(|p| {
            let ab = [p["a"].as_str(), p["b"].as_str()];
            ab.contains(&Some("TEST00000003")) && ab.contains(&Some("TEST00000004"))
        })
        .unwrap_or_else(|| panic!("the planted pair is not in review: {pairs}"))["id"]
        .as_i64()
        .expect("pair id");
    let pair = pair_id.to_string();

    // Blanks, a real IPP printer rated 5 cards a day, two accounts.
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "20", "--ref", "T",
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
            "5",
        ],
    ));
    for (name, role) in [(SUPERVISOR, "supervisor"), (ADMIN, "admin")] {
        ok(&cetak_env(
            d,
            &["user", "add", name, "--role", role],
            &[("CETAK_PASSWORD", PASSWORD)],
        ));
    }

    // NIK → birth date and mother's name of every print-ready record: the resident's half of
    // the lookup.
    let dobs: serde_json::Map<String, serde_json::Value> = {
        let db = Connection::open(d.join("x.db")).expect("db");
        let mut s = db
            .prepare("SELECT nik, tanggal_lahir, nama_ibu FROM records WHERE state = 'unique'")
            .expect("prepare");
        s.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                serde_json::json!({ "dob": r.get::<_, String>(1)?, "ibu": r.get::<_, String>(2)? }),
            ))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    };
    assert!(!dobs.is_empty());
    let dobs_path = d.join("dobs.json");
    fs::write(&dobs_path, serde_json::Value::Object(dobs).to_string()).expect("dobs.json");

    // The photo the correction page attaches: another person's, from the generator.
    let new_photo = d.join("new-photo.jpg");
    fs::write(&new_photo, cetak_media::synth::portrait(4242, 1)).expect("new photo");

    let mut server = Server::start(d);
    println!(
        "[harness] office ready in {:?}; server {}",
        t0.elapsed(),
        server.url
    );
    let (passed, output) = run_e2e(
        d,
        &[
            ("CETAK_URL", server.url.clone()),
            ("CETAK_ARTIFACTS", artifacts.display().to_string()),
            ("CETAK_DOBS", dobs_path.display().to_string()),
            ("CETAK_PAIR", pair.clone()),
            ("CETAK_TO_CORRECT", TO_CORRECT.into()),
            ("CETAK_NEW_PHOTO", new_photo.display().to_string()),
            ("CETAK_SUPERVISOR", SUPERVISOR.into()),
            ("CETAK_ADMIN", ADMIN.into()),
            ("CETAK_PASSWORD", PASSWORD.into()),
            ("CETAK_CHROMIUM", CHROMIUM.into()),
        ],
        Duration::from_secs(120),
    );
    println!("{output}");
    let stopped = server.stop();
    let log = server.log_text();
    assert!(
        passed,
        "the browser test failed (screenshots in {}):\n{output}\nserver log:\n{log}",
        artifacts.display()
    );
    assert!(
        stopped.is_some_and(|s| s.success()),
        "cetak serve did not stop cleanly on SIGTERM ({stopped:?}):\n{log}"
    );

    // What the browser did is in the database.
    let open = json(&cetak(d, &["review", "list", "--json", "--limit", "1000"]));
    assert!(
        open.as_array()
            .expect("pairs")
            .iter()
            .all(|p| p["id"].as_i64() != Some(pair_id)),
        "pair {pair} still open after the browser decided it: {open}"
    );
    let stock = json(&cetak(d, &["stock", "reconcile", "--json"]));
    assert_eq!(stock["balanced"], true, "{stock}");
    let issued = stock["issued"].as_u64().unwrap_or(0);
    assert!(
        (1..=5).contains(&issued),
        "1 to 5 cards (the printer's daily capacity): {stock}"
    );
    assert_eq!(
        sim.printed().len() as u64,
        issued,
        "the printer received one document per issued blank"
    );
    drop(sim);
    let shots: Vec<_> = fs::read_dir(&artifacts)
        .expect("artifacts")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .collect();
    assert!(
        shots.len() >= 25,
        "expected 25 screenshots (9 of them staff pages at phone width), found {}",
        shots.len()
    );
    // The account the browser created, as it left it: a supervisor, enabled, no session open,
    // every step audited under the admin's name.
    {
        let db = Connection::open(d.join("x.db")).expect("db");
        let (role, disabled, sessions): (String, bool, i64) = db
            .query_row(
                "SELECT role, disabled, (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL)
                 FROM users u WHERE name = 'kasir-e2e'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("the account made in the browser");
        assert_eq!(
            (role.as_str(), disabled, sessions),
            ("supervisor", false, 0)
        );
        let actions: Vec<String> = db
            .prepare(
                "SELECT action FROM audit_log WHERE subject = 'user:kasir-e2e' AND actor = 'user:budi' ORDER BY seq",
            )
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert!(
            actions.len() >= 6,
            "the admin's account changes are audited: {actions:?}"
        );
        // The card handed over in the browser: to whom, how identity was checked, and by the
        // supervisor (the admin may not hand cards over: it does not see the photo).
        let (to, check, by): (String, String, String) = db
            .query_row(
                "SELECT handed_to, identity_check, issued_by FROM cards WHERE state = 'issued'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("one card handed over");
        assert_eq!(
            (to.as_str(), check.as_str(), by.as_str()),
            (
                "SITI (uji peramban)",
                "Kartu Keluarga dan wajah cocok",
                "user:rina"
            )
        );
    }
    // The photos the supervisor saw are audited views, each naming the page; the photo
    // attached on the correction page is the recording's photo now, its attachment audited.
    {
        let db = Connection::open(d.join("x.db")).expect("db");
        let views: Vec<(String, String)> = db
            .prepare(
                "SELECT subject, reason FROM audit_log WHERE action = 'media_view' AND actor = 'user:rina'",
            )
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        for id in ["TEST00000003", "TEST00000004"] {
            assert!(
                views
                    .iter()
                    .any(|(s, r)| s == id && r.contains(&format!("review-{pair}"))),
                "no audited view of {id}'s photo on the pair page: {views:?}"
            );
        }
        let attached: i64 = db
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'media_attach' AND subject = ?1 AND actor = 'user:rina'",
                [TO_CORRECT],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(
            attached, 1,
            "the photo attached in the browser is audited once"
        );
        let hash: Vec<u8> = db
            .query_row(
                "SELECT hash FROM record_media WHERE recording_id = ?1 AND slot = 'foto' AND replaced_seq IS NULL",
                [TO_CORRECT],
                |r| r.get(0),
            )
            .expect("the current photo");
        assert_eq!(
            hash,
            blake3::hash(&fs::read(&new_photo).expect("new photo"))
                .as_bytes()
                .to_vec(),
            "the current photo is the one attached in the browser"
        );
    }
    // "Different people" applies at once (docs/dedup.md): neither recording waits any more.
    let states: Vec<(String, String)> = {
        let db = Connection::open(d.join("x.db")).expect("db");
        let mut s = db
            .prepare(
                "SELECT recording_id, state FROM records
                 WHERE recording_id IN ('TEST00000003', 'TEST00000004') ORDER BY recording_id",
            )
            .expect("prepare");
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert!(
        states.len() == 2 && states.iter().all(|(_, s)| s != "awaiting_decision"),
        "the decision taken in the browser was recorded but not applied (`cetak review decide` re-runs dedup; POST /review/{{id}}/decide does not): {states:?}"
    );
    // The correction made in the browser: the name as typed, the recording out of
    // perlu_perbaikan, the change audited; and the group decided at once, a pair at a time.
    {
        let db = Connection::open(d.join("x.db")).expect("db");
        let (nama, state): (String, String) = db
            .query_row(
                "SELECT nama, state FROM records WHERE recording_id = ?1",
                [TO_CORRECT],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("the corrected recording");
        assert_eq!(nama, "DEWI LESTARI");
        assert_ne!(
            state, "perlu_perbaikan",
            "the corrected recording still waits"
        );
        let corrections: i64 = db
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'correct_field' AND subject = ?1",
                [TO_CORRECT],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(corrections, 1, "the correction is audited once");
        let group_decisions: i64 = db
            .query_row(
                "SELECT count(*) FROM audit_log WHERE reason LIKE '%(group decision:%'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert!(
            group_decisions >= 1,
            "the group decision is audited per pair"
        );
    }
    println!(
        "[harness] passed in {:?}; screenshots in {}",
        t0.elapsed(),
        artifacts.display()
    );
}
