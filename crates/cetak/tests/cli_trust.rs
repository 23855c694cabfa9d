//! A command line a clerk can trust (issue 19): no false alarms, no silent empty databases,
//! no half-written files, output that behaves like a Unix tool. The real binary, a fresh
//! folder each.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cetak"));
    cmd.current_dir(dir)
        .env("CETAK_LANG", "en")
        .env_remove("CETAK_DB")
        .env_remove("CETAK_PASSWORD")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .args(args);
    cmd
}

fn cetak(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("cetak runs")
}

fn cetak_id(dir: &Path, args: &[&str]) -> Output {
    command(dir, args)
        .env("CETAK_LANG", "id")
        .output()
        .expect("cetak runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout {}\nstderr {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn json(out: &Output) -> Value {
    let s = ok(out);
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

/// Exit code 2 (a usage error or a refusal) with `needle` on stderr.
fn refused(out: &Output, needle: &str) {
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2 mentioning {needle:?}\nstdout {}\nstderr {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains(needle),
        "expected {needle:?} on stderr: {}",
        text(&out.stderr)
    );
}

/// `rows` generated recordings (a few defective) imported into `x.db`, deduplicated.
fn office(dir: &Path, rows: u64) {
    let rows = rows.to_string();
    ok(&cetak(
        dir,
        &[
            "gen",
            "--rows",
            &rows,
            "--seed",
            "5",
            "--out",
            "data",
            "--bad-share",
            "0.02",
        ],
    ));
    ok(&cetak(dir, &["--db", "x.db", "init"]));
    ok(&cetak(
        dir,
        &["--db", "x.db", "import", "data/recordings.csv", "--quiet"],
    ));
    ok(&cetak(dir, &["--db", "x.db", "dedup"]));
}

// 1. A closed pipe.

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    office(p, 600);
    for args in [
        &["audit", "log", "--limit", "5000"][..],
        &["audit", "log", "--json"],
        &["export", "clusters", "--format", "csv"],
        &["quarantine", "list"],
        &["review", "list", "--all"],
        &["dedup"],
        &["print", "status"],
        &["printer", "list"],
    ] {
        let mut child = command(p, &[&["--db", "x.db"][..], args].concat())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cetak starts");
        // Closed before the command writes: its first line meets a closed pipe (`| head -0`).
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("cetak ends");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("corrupt"), "{args:?}: {err}");
        assert!(!err.contains("error"), "{args:?}: {err}");
    }
}

// 2. `audit verify --expect-head` never cries wolf.

#[test]
fn audit_verify_accepts_what_audit_head_prints_and_refuses_a_malformed_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    office(p, 300);
    let head = ok(&cetak(p, &["--db", "x.db", "audit", "head"]));
    let head = head.trim();
    let (seq, hash) = head.split_once(' ').expect("SEQ HASH");
    assert_eq!(hash.len(), 64, "{head}");
    for expected in [head, hash, &hash.to_uppercase(), &format!("  {head}\n")] {
        let out = cetak(
            p,
            &["--db", "x.db", "audit", "verify", "--expect-head", expected],
        );
        assert!(
            text(&out.stdout).contains("Audit chain intact"),
            "{expected:?}: {}",
            text(&out.stderr)
        );
        ok(&out);
    }
    // Malformed: a usage error (exit 2), never "AUDIT CHAIN BROKEN".
    for bad in [
        "xyz",
        "",
        &hash[..63],
        &format!("{hash}0"),
        &format!("seven {hash}"),
        &format!("{seq} {hash} extra"),
        &format!("{}g", &hash[..63]),
    ] {
        let out = cetak(
            p,
            &["--db", "x.db", "audit", "verify", "--expect-head", bad],
        );
        refused(&out, "--expect-head");
        assert!(!text(&out.stderr).contains("BROKEN"), "{bad:?}");
    }
    // Well-formed but not this log's head: that is the alarm (exit 1).
    let other = format!(
        "{}{}",
        &hash[..63],
        if hash.ends_with('0') { '1' } else { '0' }
    );
    for wrong in [other.clone(), format!("{seq} {other}"), format!("1 {hash}")] {
        let out = cetak(
            p,
            &["--db", "x.db", "audit", "verify", "--expect-head", &wrong],
        );
        assert_eq!(out.status.code(), Some(1), "{wrong}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("AUDIT CHAIN BROKEN"), "{wrong}");
    }
    // The alarm in the office's language, details included.
    let id = cetak_id(
        p,
        &["--db", "x.db", "audit", "verify", "--expect-head", &other],
    );
    assert_eq!(id.status.code(), Some(1));
    let err = text(&id.stderr);
    assert!(
        err.contains("RANTAI AUDIT RUSAK: log berakhir di entri"),
        "{err}"
    );
    assert!(!err.contains("the log ends"), "{err}");
}

// 3. Databases created only on purpose.

#[test]
fn a_missing_database_is_refused_and_never_created_by_accident() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(&cetak(p, &["gen", "--rows", "50", "--out", "data"]));
    let abs = std::fs::canonicalize(p).expect("canonical").join("typo.db");
    for args in [
        &["audit", "verify"][..],
        &["audit", "head"],
        &["quarantine", "list"],
        &["review", "list"],
        &["print", "status"],
        &["status", "1671010101990009"],
        &["export", "clusters"],
        // Commands that write need --create (or `init`) too.
        &["import", "data/recordings.csv"],
        &["dedup"],
        &["user", "add", "rina", "--role", "admin"],
        // A command that only reads never creates one, --create or not.
        &["audit", "verify", "--create"],
    ] {
        let out = cetak(p, &[&["--db", "typo.db"][..], args].concat());
        refused(&out, "no database at");
        assert!(
            text(&out.stderr).contains(&abs.display().to_string()),
            "{args:?} names the path it looked at: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("init"), "{args:?}");
        assert!(!p.join("typo.db").exists(), "{args:?} created a database");
    }
    let id = cetak_id(p, &["--db", "typo.db", "audit", "verify"]);
    refused(&id, "tidak ada basis data di");

    // `import --check` reads no database at all.
    ok(&cetak(
        p,
        &[
            "--db",
            "typo.db",
            "import",
            "--check",
            "data/recordings.csv",
        ],
    ));
    assert!(!p.join("typo.db").exists());

    // On purpose: init (idempotent, and says which it did) …
    let first = cetak(p, &["--db", "office.db", "init"]);
    assert!(
        ok(&first).contains("Database created"),
        "{}",
        text(&first.stdout)
    );
    let again = cetak(p, &["--db", "office.db", "init"]);
    assert!(
        ok(&again).contains("already exists"),
        "{}",
        text(&again.stdout)
    );
    let v = json(&cetak(
        p,
        &["--db", "office.db", "audit", "verify", "--json"],
    ));
    assert_eq!(v["entries"], 0);
    // … or --create on a command that writes.
    let imported = json(&cetak(
        p,
        &[
            "--db",
            "other.db",
            "--create",
            "import",
            "data/recordings.csv",
            "--json",
        ],
    ));
    assert_eq!(imported["imported"], 50);
    // The demo makes its own.
    let demo = json(&cetak(
        p,
        &["demo", "demo", "--rows", "300", "--no-serve", "--json"],
    ));
    assert_eq!(demo["audit_ok"], true);
}

// 4. Files written atomically, after the arguments are checked.

#[test]
fn a_refused_gen_leaves_the_old_files_as_they_were() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(&cetak(p, &["gen", "--rows", "200", "--out", "data"]));
    let rec = std::fs::read(p.join("data/recordings.csv")).expect("recordings");
    let truth = std::fs::read(p.join("data/truth.csv")).expect("truth");
    assert!(rec.len() > 1000);
    for args in [
        &["--rows", "0"][..],
        &["--duplicate-share", "1.5"],
        &["--duplicate-share", "-0.1"],
        &["--bad-share", "2"],
        &["--duplicate-share", "NaN"],
    ] {
        let out = cetak(p, &[&["gen", "--out", "data"][..], args].concat());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(
            std::fs::read(p.join("data/recordings.csv")).expect("recordings"),
            rec,
            "{args:?} changed recordings.csv"
        );
        assert_eq!(
            std::fs::read(p.join("data/truth.csv")).expect("truth"),
            truth,
            "{args:?} changed truth.csv"
        );
    }
    // A successful run replaces them, and leaves no temporary file behind.
    ok(&cetak(p, &["gen", "--rows", "100", "--out", "data"]));
    let now = std::fs::read_to_string(p.join("data/recordings.csv")).expect("recordings");
    assert_eq!(now.lines().count(), 101);
    let names: Vec<String> = std::fs::read_dir(p.join("data"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn export_and_card_render_replace_their_files_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    office(p, 200);
    std::fs::write(p.join("clusters.csv"), b"old").expect("write");
    ok(&cetak(
        p,
        &[
            "--db",
            "x.db",
            "export",
            "clusters",
            "--out",
            "clusters.csv",
        ],
    ));
    let csv = std::fs::read_to_string(p.join("clusters.csv")).expect("csv");
    assert!(csv.starts_with("recording_id,cluster_id\n"), "{csv}");
    assert!(csv.lines().count() > 150);
    std::fs::write(p.join("card.png"), b"old card").expect("write");
    let unknown = cetak(
        p,
        &[
            "--db", "x.db", "card", "render", "NOPE", "--out", "card.png",
        ],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        std::fs::read(p.join("card.png")).expect("card"),
        b"old card",
        "a refused render left the old file"
    );
    let names: Vec<String> = std::fs::read_dir(p)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

// 6. Overruling an automatic link is its own, deliberate act.

fn cluster_of(dir: &Path, recording: &str) -> String {
    let csv = ok(&cetak(dir, &["--db", "x.db", "export", "clusters"]));
    csv.lines()
        .find_map(|l| {
            l.strip_prefix(recording)
                .and_then(|rest| rest.strip_prefix(','))
        })
        .unwrap_or_else(|| panic!("{recording} not exported"))
        .to_string()
}

#[test]
fn an_automatic_link_is_overruled_only_with_a_reason_and_a_confirmation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    office(p, 1500);
    let db = ["--db", "x.db"];
    let pairs = json(&cetak(
        p,
        &[
            &db[..],
            &["review", "list", "--all", "--json", "--limit", "100000"],
        ]
        .concat(),
    ));
    let pairs = pairs.as_array().expect("pairs");
    let link = pairs
        .iter()
        .find(|x| x["kind"] == "link")
        .expect("an automatic link");
    let id = link["id"].as_i64().expect("id").to_string();
    let head = ok(&cetak(p, &[&db[..], &["audit", "head"]].concat()));
    let (a, b) = (
        link["a"].as_str().expect("a"),
        link["b"].as_str().expect("b"),
    );
    assert_eq!(cluster_of(p, a), cluster_of(p, b), "linked: one person");

    // `review decide` refuses it and points to the overrule command.
    let decide = cetak(
        p,
        &[
            &db[..],
            &["review", "decide", &id, "--different", "--reason", "twins"],
        ]
        .concat(),
    );
    refused(&decide, "review overrule");
    // Without --yes and without a terminal to ask on: not confirmed.
    let unconfirmed = cetak(
        p,
        &[&db[..], &["review", "overrule", &id, "--reason", "twins"]].concat(),
    );
    refused(&unconfirmed, "not confirmed");
    // A reason is required.
    let no_reason = cetak(
        p,
        &[
            &db[..],
            &["review", "overrule", &id, "--reason", " ", "--yes"],
        ]
        .concat(),
    );
    refused(&no_reason, "reason");
    let missing_reason = cetak(
        p,
        &[&db[..], &["review", "overrule", &id, "--yes"]].concat(),
    );
    refused(&missing_reason, "--reason");
    assert_eq!(
        ok(&cetak(p, &[&db[..], &["audit", "head"]].concat())),
        head,
        "nothing was written by the refusals"
    );
    // A pair awaiting review is decided, not overruled.
    if let Some(review) = pairs.iter().find(|x| x["kind"] == "review") {
        let rid = review["id"].as_i64().expect("id").to_string();
        refused(
            &cetak(
                p,
                &[
                    &db[..],
                    &["review", "overrule", &rid, "--reason", "x", "--yes"],
                ]
                .concat(),
            ),
            "review decide",
        );
    }

    // Deliberately: reason and --yes.
    let done = json(&cetak(
        p,
        &[
            &db[..],
            &[
                "review",
                "overrule",
                &id,
                "--reason",
                "twins, checked the KK",
                "--yes",
                "--json",
            ],
        ]
        .concat(),
    ));
    assert_eq!(done["overruled"], true);
    assert_eq!(done["pair"]["decision"][0], false, "{done}");
    assert_ne!(
        cluster_of(p, a),
        cluster_of(p, b),
        "the overruled pair stands apart"
    );
    let log = json(&cetak(
        p,
        &[&db[..], &["audit", "log", "--json", "--limit", "100000"]].concat(),
    ));
    let overrules: Vec<&Value> = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["action"] == "overrule_automatic_link")
        .collect();
    assert_eq!(overrules.len(), 1, "{overrules:?}");
    assert_eq!(overrules[0]["reason"], "twins, checked the KK");
    ok(&cetak(p, &[&db[..], &["audit", "verify"]].concat()));
}

// 7. `import --check` reads as a check.

#[test]
fn import_check_reads_as_a_check_in_both_languages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(&cetak(
        p,
        &[
            "gen",
            "--rows",
            "300",
            "--out",
            "data",
            "--bad-share",
            "0.05",
        ],
    ));
    let args = ["import", "data/recordings.csv", "--check"];
    let en = ok(&cetak(p, &args));
    assert!(en.contains("would enter the registry"), "{en}");
    assert!(en.contains("would be quarantined"), "{en}");
    assert!(en.contains("nothing was written"), "{en}");
    assert!(!en.contains("quarantine list"), "{en}");
    assert!(!en.contains("imported"), "{en}");
    let id = ok(&cetak_id(p, &args));
    assert!(id.contains("akan masuk register"), "{id}");
    assert!(id.contains("tidak ada yang ditulis"), "{id}");
    assert!(!id.contains("quarantine list"), "{id}");
    let j = json(&cetak(
        p,
        &["import", "data/recordings.csv", "--check", "--json"],
    ));
    assert_eq!(j["check"], true);
    assert_eq!(j["nothing_changed"], true);
    assert!(!p.join("cetak.db").exists(), "a check creates no database");
}

// 8. The small ones.

#[test]
fn user_add_without_a_terminal_makes_a_password_and_still_reads_a_piped_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(&cetak(p, &["--db", "x.db", "init"]));
    // stdin is empty (not a terminal, nothing piped): a random password, printed once.
    let made = json(&cetak(
        p,
        &[
            "--db", "x.db", "user", "add", "rina", "--role", "admin", "--json",
        ],
    ));
    // A made password passes the policy (at least 10 characters).
    assert!(
        made["password"].as_str().map(str::len) >= Some(10),
        "{made}"
    );
    let plain = ok(&cetak(
        p,
        &["--db", "x.db", "user", "add", "budi", "--role", "operator"],
    ));
    assert!(plain.contains("password"), "{plain}");
    // A password piped in is used (and not printed).
    let mut child = command(
        p,
        &[
            "--db",
            "x.db",
            "user",
            "add",
            "siti",
            "--role",
            "supervisor",
            "--json",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a-long-enough-password\n")
        .expect("write");
    let piped = json(&child.wait_with_output().expect("ends"));
    assert_eq!(piped["password"], Value::Null, "{piped}");
    let users = ok(&cetak(p, &["--db", "x.db", "user", "list"]));
    assert_eq!(users.lines().count(), 3, "{users}");
}

#[test]
fn review_decide_without_a_choice_names_both_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(&cetak(p, &["--db", "x.db", "init"]));
    let out = cetak(
        p,
        &["--db", "x.db", "review", "decide", "1", "--reason", "x"],
    );
    refused(&out, "--same");
    refused(&out, "--different");
}

#[test]
fn no_colour_escapes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(&cetak(p, &["gen", "--rows", "100", "--out", "data"]));
    ok(&cetak(p, &["--db", "x.db", "init"]));
    ok(&cetak(
        p,
        &["--db", "x.db", "import", "data/recordings.csv"],
    ));
    // Log lines (here at info level) into a pipe or a log file: plain text.
    let out = command(p, &["--db", "x.db", "dedup"])
        .env("RUST_LOG", "info")
        .output()
        .expect("runs");
    let err = text(&out.stderr);
    ok(&out);
    assert!(err.contains("registry read"), "logging is on: {err}");
    assert!(!err.contains('\u{1b}'), "colour escapes in a pipe: {err:?}");
}

// 9. Indonesian beyond the surface: state names and quarantine reasons.

#[test]
fn states_and_quarantine_reasons_are_in_indonesian() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    office(p, 800);
    // A NIK recorded twice: one recording unique, the other a duplicate of it (or both wait).
    let csv = std::fs::read_to_string(p.join("data/recordings.csv")).expect("csv");
    let mut seen = std::collections::HashSet::new();
    let nik = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .filter(|n| n.len() == 16 && n.bytes().all(|b| b.is_ascii_digit()))
        .find(|n| !seen.insert(n.to_string()))
        .expect("a NIK recorded twice");
    let id = ok(&cetak_id(p, &["--db", "x.db", "status", nik]));
    for english in ["unique", "duplicate", "awaiting_decision"] {
        assert!(!id.contains(english), "{english} in: {id}");
    }
    assert!(
        id.contains("data ganda") || id.contains("menunggu verifikasi"),
        "{id}"
    );
    let en = ok(&cetak(p, &["--db", "x.db", "status", nik]));
    assert!(
        en.contains("duplicate") || en.contains("awaiting a decision"),
        "{en}"
    );

    // Rows with field problems now wait for a correction (contract 1.1); unreadable rows go
    // to quarantine. Both speak Indonesian: the validator's English detail stays for en.
    ok(&cetak(
        p,
        &[
            "gen",
            "--rows",
            "800",
            "--seed",
            "11",
            "--office-errors",
            "--out",
            "desk",
        ],
    ));
    let mut bytes = std::fs::read(p.join("desk/recordings.csv")).expect("csv");
    bytes.extend_from_slice(b"PLGX0001,1671014508900001,JOS\xc9 RIZAL\n");
    std::fs::write(p.join("desk/recordings.csv"), bytes).expect("write");
    ok(&cetak(
        p,
        &[
            "--db",
            "desk.db",
            "--create",
            "import",
            "desk/recordings.csv",
        ],
    ));
    let english_details = [
        " is not ",
        " has 16 digits",
        "cannot be printed",
        "not in the value list",
        "is empty",
    ];
    let c = ok(&cetak_id(
        p,
        &["--db", "desk.db", "correct", "list", "--all"],
    ));
    assert!(c.lines().count() > 5, "{c}");
    for english in english_details {
        assert!(!c.contains(english), "{english:?} in: {c}");
    }
    assert!(
        !c.contains("perlu_perbaikan"),
        "a state code, not words: {c}"
    );
    let c_en = ok(&cetak(p, &["--db", "desk.db", "correct", "list", "--all"]));
    assert!(
        english_details.iter().any(|e| c_en.contains(e)),
        "the English detail stays in English: {c_en}"
    );
    let q = ok(&cetak_id(p, &["--db", "desk.db", "quarantine", "list"]));
    assert!(q.contains("bukan teks UTF-8"), "{q}");
    assert!(!q.contains("not UTF-8"), "{q}");
    let pairs = ok(&cetak_id(p, &["--db", "x.db", "review", "list", "--all"]));
    assert!(pairs.contains("tautan otomatis"), "{pairs}");
    assert!(!pairs.contains("┆ link "), "{pairs}");
}

#[test]
fn audit_reasons_are_shown_in_the_offices_language_and_stored_as_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    office(p, 300);
    std::fs::create_dir(p.join("printers")).expect("mkdir");
    ok(&cetak(
        p,
        &[
            "--db",
            "x.db",
            "printer",
            "add",
            "P1",
            "--uri",
            "dir:printers/P1",
            "--cards-per-day",
            "100",
        ],
    ));
    // A default reason (the command line's) and one a person typed.
    ok(&cetak(p, &["--db", "x.db", "printer", "pause", "P1"]));
    ok(&cetak(
        p,
        &[
            "--db",
            "x.db",
            "printer",
            "resume",
            "P1",
            "--reason",
            "kabel diganti",
        ],
    ));
    let args = ["--db", "x.db", "audit", "log", "--limit", "1000"];
    let id = ok(&cetak_id(p, &args));
    for indonesian in [
        "printer diatur",
        "printer dijeda",
        "dijeda oleh petugas",
        "kabel diganti",
        "sistem (pemeriksa data ganda)",
        "ditandai unik",
        "tidak ada perekaman lain orang ini",
        "data siap cetak diimpor",
    ] {
        assert!(id.contains(indonesian), "{indonesian:?} missing: {id}");
    }
    for english in [
        "printer configured",
        "paused by operator",
        "system:dedup",
        "mark_unique",
        "no other recording",
        "printer_pause",
    ] {
        assert!(!id.contains(english), "{english:?} in: {id}");
    }
    let en = ok(&cetak(p, &args));
    for english in [
        "printer configured",
        "paused by operator",
        "no other recording of this person found",
        "kabel diganti",
    ] {
        assert!(en.contains(english), "{english:?} missing: {en}");
    }
    // The help says the default reason in the office's words too.
    let help = ok(&cetak_id(p, &["printer", "pause", "--help"]));
    assert!(help.contains("[bawaan: dijeda oleh petugas]"), "{help}");
    // Stored as before (the catalogue reads the stored sentence): entries written by earlier
    // versions keep their hashes, and the chain verifies.
    let stored = json(&cetak(
        p,
        &["--db", "x.db", "--json", "audit", "log", "--limit", "1000"],
    ));
    let reasons: Vec<&str> = stored
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"paused by operator"), "{reasons:?}");
    assert!(reasons.contains(&"no other recording of this person found"));
    ok(&cetak(p, &["--db", "x.db", "audit", "verify"]));
}

#[test]
fn refusals_name_no_internal_types_in_either_language() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    office(p, 300);
    std::fs::create_dir(p.join("printers")).expect("mkdir");
    fn run<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [&["--db", "x.db"][..], args].concat()
    }
    ok(&cetak(
        p,
        &run(&[
            "printer",
            "add",
            "P1",
            "--uri",
            "dir:printers/P1",
            "--cards-per-day",
            "100",
            "--burst",
            "3",
        ]),
    ));
    ok(&cetak(
        p,
        &run(&[
            "stock", "receive", "--first", "1", "--last", "50", "--ref", "SPB/1",
        ]),
    ));
    ok(&cetak(p, &run(&["print", "run", "--no-wait"])));
    // A completed attempt inspected again; a pair that is not there; a recording that is not.
    let internal = [
        "InspectedGood",
        "Inspected",
        "IllegalAttemptEvent",
        "is not allowed",
        "recording_id pair",
    ];
    for (args, id_words, en_words) in [
        (
            run(&["print", "inspect", "1", "--good"]),
            "Percobaan ini sudah selesai dicetak",
            "This attempt is already printed",
        ),
        (
            run(&["review", "decide", "999999", "--same", "--reason", "x"]),
            "tidak ada pasangan nomor 999999",
            "no pair 999999",
        ),
        (
            run(&["correct", "show", "PLGNOPE"]),
            "tidak ada perekaman PLGNOPE",
            "no recording PLGNOPE",
        ),
    ] {
        let id = cetak_id(p, &args);
        refused(&id, id_words);
        let en = cetak(p, &args);
        refused(&en, en_words);
        for (out, lang) in [(&id, "id"), (&en, "en")] {
            let err = text(&out.stderr);
            for word in internal {
                assert!(!err.contains(word), "{lang} {args:?}: {word:?} in {err}");
            }
        }
        let err = text(&id.stderr);
        for english in ["completed", "pair", "no record", "error"] {
            assert!(!err.contains(english), "{args:?}: {english:?} in {err}");
        }
    }
}

// 5. From the README to a `cetak` on the PATH, in a repository that is complete.

#[test]
fn the_readme_says_how_to_install_and_the_repository_is_self_contained() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let rust = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("rust-version in Cargo.toml");
    for needed in [
        format!("Rust {rust}"),
        "C compiler".to_string(),
        "cargo install --path crates/cetak".to_string(),
        "scripts/test".to_string(),
    ] {
        assert!(
            readme.contains(&needed),
            "README.md does not say {needed:?}"
        );
    }
    // Every file the documentation names in backticks or links is in the repository.
    let mut missing = Vec::new();
    for doc in ["README.md", "ARCHITECTURE.md", "BENCHMARKS.md"] {
        let text = std::fs::read_to_string(root.join(doc)).expect("doc");
        for name in text
            .split(['`', '(', ')', ' ', '\n'])
            .filter(|w| w.ends_with(".md") && !w.contains("://") && !w.contains('*'))
        {
            if !root.join(name).exists() {
                missing.push(format!("{doc}: {name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "named but not in the repository: {missing:?}"
    );
    // `demo --help` describes the demo as it runs now.
    let dir = tempfile::tempdir().expect("tempdir");
    let help = ok(&cetak(dir.path(), &["demo", "--help"]));
    for now in [
        "--no-serve",
        "hand over",
        "monthly report",
        "serve the office pages",
    ] {
        assert!(help.contains(now), "{now:?} missing in demo --help: {help}");
    }
}

#[test]
fn the_simulator_says_kartu_macet_for_a_jam_and_jam_only_for_hours() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let id = ok(&cetak_id(p, &["simulate", "--days", "60"]));
    let downtime = id
        .lines()
        .find(|l| l.contains("waktu henti"))
        .unwrap_or_else(|| panic!("no downtime row: {id}"));
    assert!(downtime.contains("kartu macet"), "{downtime}");
    assert!(!downtime.contains(", jam "), "{downtime}");
    let spoiled = id
        .lines()
        .find(|l| l.contains("kartu rusak"))
        .unwrap_or_else(|| panic!("no spoiled row: {id}"));
    assert!(
        !spoiled.contains("melted") && !spoiled.contains("jam"),
        "{spoiled}"
    );
}

#[test]
fn help_is_in_the_chosen_language() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let id = ok(&cetak_id(p, &["--help"]));
    for indonesian in [
        "Penggunaan:",
        "Perintah:",
        "Opsi:",
        "Buat basis data kantor",
        "Basis data kantor (SQLite)",
        "Tampilkan bantuan",
    ] {
        assert!(id.contains(indonesian), "{indonesian:?} missing: {id}");
    }
    for english in [
        "Usage:",
        "Commands:",
        "Options:",
        "Print help",
        "The office database",
    ] {
        assert!(!id.contains(english), "{english:?} in: {id}");
    }
    // Phrasing reviewed: not the word-for-word "peluang sama orang".
    let dedup = ok(&cetak_id(p, &["dedup", "--help"]));
    assert!(dedup.contains("Peluang orang yang sama"), "{dedup}");
    assert!(!dedup.contains("peluang sama orang"), "{dedup}");
    let sub = ok(&cetak_id(p, &["review", "--help"]));
    assert!(sub.contains("Batalkan tautan otomatis"), "{sub}");
    // English on request, by flag or environment.
    let en = ok(&cetak_id(p, &["--lang", "en", "--help"]));
    assert!(
        en.contains("Usage:") && en.contains("Create the office database"),
        "{en}"
    );
    let en = ok(&cetak(p, &["review", "--help"]));
    assert!(en.contains("Overrule an automatic link"), "{en}");
    // Parsing is the same in both languages.
    ok(&cetak_id(p, &["--version"]));
    ok(&cetak_id(p, &["simulate", "--days", "5", "--json"]));
}

/// Exit code 2 and clap's usage error said in Indonesian, with `needles` on stderr.
fn usage_error_id(p: &Path, args: &[&str], needles: &[&str]) {
    let out = cetak_id(p, args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
    for needle in needles {
        assert!(
            err.contains(needle),
            "{args:?}: {needle:?} missing in: {err}"
        );
    }
    for english in [
        "error:",
        "Usage:",
        "For more information",
        "unexpected",
        "required",
        "invalid",
        "[OPTIONS]",
        "possible values",
        "tip:",
        "cannot be used",
    ] {
        assert!(!err.contains(english), "{args:?}: {english:?} in: {err}");
    }
}

#[test]
fn usage_errors_are_in_indonesian() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let hint = "Untuk keterangan lebih lanjut, coba '--help'.";
    // Unknown argument, with clap's suggestion.
    usage_error_id(
        p,
        &["--bogus"],
        &[
            "kesalahan: argumen '--bogus' tidak dikenal",
            "Penggunaan: cetak [OPSI] <PERINTAH>",
            hint,
        ],
    );
    usage_error_id(
        p,
        &["audit", "log", "--limt", "3"],
        &[
            "argumen '--limt' tidak dikenal",
            "'--limit'",
            "Penggunaan: cetak audit log",
        ],
    );
    // Missing required arguments: all of them named.
    usage_error_id(
        p,
        &["review", "decide"],
        &[
            "argumen wajib ini belum diberikan",
            "--reason",
            "<--same|--different>",
            "Penggunaan: cetak review decide",
            hint,
        ],
    );
    // An invalid value, with the valid ones.
    usage_error_id(
        p,
        &["--lang", "xx", "init"],
        &[
            "nilai 'xx' tidak sah untuk '--lang",
            "[pilihan: id, en]",
            hint,
        ],
    );
    // A value its parser refuses, and a value left out.
    usage_error_id(
        p,
        &["gen", "--rows", "abc"],
        &[
            "nilai 'abc' tidak sah untuk '--rows",
            "bukan bilangan bulat",
        ],
    );
    usage_error_id(
        p,
        &["gen", "--rows"],
        &["'--rows <BARIS>' perlu nilai, tetapi tidak ada yang diberikan"],
    );
    // An unknown subcommand, with the near one.
    usage_error_id(
        p,
        &["revew", "list"],
        &["perintah 'revew' tidak dikenal", "'review'", hint],
    );
    // Two flags that exclude each other; a flag given twice.
    usage_error_id(
        p,
        &[
            "review",
            "decide",
            "1",
            "--same",
            "--different",
            "--reason",
            "x",
        ],
        &["'--same' tidak boleh dipakai bersama '--different'"],
    );
    usage_error_id(
        p,
        &["--json", "--json", "init"],
        &["'--json' tidak boleh diberikan lebih dari sekali"],
    );
    // A command group without its subcommand (the language set, so clap counts an argument).
    usage_error_id(
        p,
        &["review"],
        &[
            "'cetak review' perlu subperintah, tetapi tidak ada yang diberikan",
            "[subperintah: list, show",
            "Penggunaan: cetak review [OPSI] <PERINTAH>",
        ],
    );
    // Nothing at all on the command line: the group's help, in Indonesian, exit 2.
    let out = command(p, &["review"])
        .env_remove("CETAK_LANG")
        .output()
        .expect("runs");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for needle in [
        "Penggunaan: cetak review [OPSI] <PERINTAH>",
        "Perintah:",
        "Opsi:",
    ] {
        assert!(err.contains(needle), "{needle:?} missing in: {err}");
    }
    assert!(
        !err.contains("Usage:") && !err.contains("Print this"),
        "{err}"
    );
    // Help lists clap's own `help` subcommand and placeholders in Indonesian too.
    let help = ok(&cetak_id(p, &["review", "--help"]));
    for english in [
        "Print this message",
        "[OPTIONS]",
        "[default:",
        "[possible values:",
    ] {
        assert!(!help.contains(english), "{english:?} in: {help}");
    }
    assert!(help.contains("[bawaan: cetak.db]"), "{help}");
    // Placeholders too: `--reason <ALASAN>`, in help and in the usage line.
    let decide = ok(&cetak_id(p, &["review", "decide", "--help"]));
    assert!(decide.contains("--reason <ALASAN>"), "{decide}");
    assert!(
        !decide.contains("<REASON>") && !decide.contains("<DB>"),
        "{decide}"
    );
    let decide_en = ok(&cetak(p, &["review", "decide", "--help"]));
    assert!(decide_en.contains("--reason <REASON>"), "{decide_en}");
    // English on request: clap's own words, and the same exit code.
    let out = cetak(p, &["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("unexpected argument '--bogus'"), "{err}");
    assert!(err.contains("Usage:"), "{err}");
}

/// Every command path ("", "audit", "audit verify", …) as the binary lists them in its
/// "Commands:" sections, depth first (what `scripts/cli-docs` walks).
fn all_commands(p: &Path) -> Vec<String> {
    fn walk(p: &Path, path: &str, out: &mut Vec<String>) {
        out.push(path.to_string());
        let args: Vec<&str> = path.split_whitespace().chain(["--help"]).collect();
        let help = ok(&cetak(p, &args));
        let children: Vec<String> = help
            .lines()
            .skip_while(|l| *l != "Commands:")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_whitespace().next())
            .filter(|c| *c != "help")
            .map(String::from)
            .collect();
        for c in children {
            let child = if path.is_empty() {
                c
            } else {
                format!("{path} {c}")
            };
            walk(p, &child, out);
        }
    }
    let mut out = Vec::new();
    walk(p, "", &mut out);
    assert!(out.len() > 60, "{out:?}");
    out
}

/// The description part of each line of a `--help` text (flags, defaults and the like cut off).
fn help_texts(help: &str) -> Vec<String> {
    help.lines()
        .filter(|l| !l.trim_start().starts_with("help "))
        // A flag alone on its line (long help): its text follows on the next line.
        .filter(|l| {
            let l = l.trim();
            !((l.starts_with('-') || l.starts_with('<')) && !l.contains("  "))
        })
        .map(|l| {
            let l = l.trim();
            // "--flag <X>  text", "<ARG>  text", "name  text": the part after the first wide gap.
            let text = match l.find("  ") {
                Some(i) if l.starts_with('-') || l.starts_with('<') || l.starts_with('[') => {
                    l[i..].trim()
                }
                Some(i) if !l[..i].contains(' ') => l[i..].trim(),
                _ => l,
            };
            text.split(" [default:")
                .next()
                .unwrap_or(text)
                .split(" [env:")
                .next()
                .unwrap_or(text)
                .split(" [possible values:")
                .next()
                .unwrap_or(text)
                .trim()
                .to_string()
        })
        .filter(|t| t.len() > 2 && !t.starts_with("Usage") && !t.starts_with("Penggunaan"))
        .collect()
}

#[test]
fn every_help_text_exists_in_both_languages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    // The same in both languages on purpose: a URL pattern.
    let same = ["postgres://user@host:port/db"];
    let mut missing = Vec::new();
    for cmd in all_commands(p) {
        let cmd = cmd.as_str();
        let args: Vec<&str> = cmd.split_whitespace().chain(["--help"]).collect();
        let en = ok(&cetak(p, &args));
        let id = ok(&cetak_id(p, &args));
        for text in help_texts(&en) {
            if id.contains(&text) && !same.contains(&text.as_str()) {
                missing.push(format!("{cmd}: {text}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "help in English only ({}):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn docs_show_every_commands_help_in_both_languages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cli.md"))
        .expect("docs/cli.md");
    let (id_part, en_part) = docs
        .split_once("\n## English\n")
        .expect("an English part in docs/cli.md");
    let mut stale = Vec::new();
    for cmd in all_commands(p) {
        let args: Vec<&str> = cmd.split_whitespace().chain(["--help"]).collect();
        for (lang, part) in [("id", id_part), ("en", en_part)] {
            let mut all = vec!["--lang", lang];
            all.extend(&args);
            let out = command(p, &all)
                .env_remove("CETAK_LANG")
                .env_remove("CETAK_ACTOR")
                .output()
                .expect("runs");
            let help = ok(&out);
            let heading = format!(
                "### `cetak{}{cmd} --help`",
                if cmd.is_empty() { "" } else { " " }
            );
            let block = format!("{heading}\n\n```text\n{help}```");
            if !part.contains(&block) {
                stale.push(format!("{lang}: cetak {cmd} --help"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/cli.md lacks or has an old help text (run scripts/cli-docs; CETAK_BIN_DIR=target/debug scripts/cli-docs gives the same text):\n{}",
        stale.join("\n")
    );
}

/// A link that cannot be made is told in the office's words (issue 19, item 8): the
/// technical error (English, from the HTTP client) stays out of what the clerk reads.
#[test]
fn an_unreachable_centre_is_told_in_words_not_in_the_http_clients_english() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(&cetak(p, &["--db", "o.db", "init"]));
    std::fs::write(p.join("tok"), "PLG.abc\n").expect("token");
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let central = format!("http://127.0.0.1:{port}");
    let args = [
        "--db",
        "o.db",
        "sync",
        "--central",
        &central,
        "--insecure-http",
        "--token-file",
        "tok",
        "--retries",
        "0",
    ];
    let id = cetak_id(p, &args);
    assert_eq!(id.status.code(), Some(3), "{id:?}");
    let shown = format!("{}{}", text(&id.stdout), text(&id.stderr));
    assert!(shown.contains("sambungan ditolak"), "{shown}");
    for english in ["os error", "Connection refused", "io:"] {
        assert!(!shown.contains(english), "{english:?} in: {shown}");
    }
    let en = cetak(p, &args);
    let shown = format!("{}{}", text(&en.stdout), text(&en.stderr));
    assert!(
        shown.contains("connection refused (is the centre's server running"),
        "{shown}"
    );
}

/// A printer that is off is told in words in Bahasa Indonesia (`print run`, `printer list`);
/// the operating system's English stays out of it.
#[test]
fn an_unreachable_printer_is_told_in_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let uri = format!("ipp://127.0.0.1:{port}/ipp/print");
    ok(&cetak(p, &["--db", "o.db", "init"]));
    ok(&cetak(
        p,
        &["gen", "--rows", "20", "--seed", "3", "--out", "g"],
    ));
    ok(&cetak(p, &["--db", "o.db", "import", "g/recordings.csv"]));
    ok(&cetak(p, &["--db", "o.db", "dedup"]));
    ok(&cetak(
        p,
        &[
            "--db",
            "o.db",
            "printer",
            "add",
            "P1",
            "--uri",
            &uri,
            "--cards-per-day",
            "10",
        ],
    ));
    ok(&cetak(
        p,
        &[
            "--db", "o.db", "stock", "receive", "--first", "1", "--last", "5", "--ref", "R",
        ],
    ));
    for args in [
        &["--db", "o.db", "print", "run", "--no-wait"][..],
        &["--db", "o.db", "printer", "list"],
    ] {
        let out = cetak_id(p, args);
        let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            shown.contains("printer tidak terjangkau (sambungan ditolak"),
            "{args:?}: {shown}"
        );
        for english in ["os error", "Connection refused", "cannot connect"] {
            assert!(!shown.contains(english), "{args:?}: {english:?} in {shown}");
        }
    }
}

/// Errors from below (the operating system, SQLite, the store wrapped by a use case) reach the
/// clerk in Bahasa Indonesia: what happened, not the OS's or SQLite's English.
#[test]
fn errors_from_the_os_and_sqlite_are_told_in_indonesian() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(&cetak(p, &["--db", "o.db", "init"]));
    std::fs::write(p.join("garbage.db"), b"not a database at all, just text\n").expect("write");
    std::fs::write(p.join("latin1.csv"), b"recording_id,nik,nama\xe9\n").expect("write");
    std::fs::write(p.join("bad.toml"), b"garbage\n").expect("write");
    for (args, words) in [
        (
            &["--db", "o.db", "import", "nofile.csv"][..],
            "berkas atau folder tidak ada",
        ),
        (
            &["--db", "garbage.db", "status", "1671010101990009"],
            "berkas ini bukan basis data",
        ),
        (
            &["--db", "o.db", "card", "render", "XX", "--out", "x.png"],
            "tidak ada perekaman XX",
        ),
        (
            &[
                "--db", "o.db", "stock", "receive", "--first", "5", "--last", "1", "--ref", "R",
            ],
            "rentang nomor 5..1 kosong atau tidak positif",
        ),
        (&["simulate", "--days", "0"], "days harus 1 sampai 3660"),
        (
            &["simulate", "--scenario", "bad.toml"],
            "kesalahan TOML di baris 1",
        ),
        (
            &["--db", "o.db", "import", "latin1.csv"],
            "baris judul kolom bukan UTF-8",
        ),
        (
            &[
                "--db",
                "o.db",
                "printer",
                "add",
                "P9",
                "--uri",
                "foo://x",
                "--cards-per-day",
                "5",
            ],
            "alamat printer tidak dapat dipakai",
        ),
        (
            &[
                "--db",
                "o.db",
                "chip",
                "keys",
                "show",
                "--token",
                "T",
                "--pin-file",
                "nopin",
            ],
            "berkas PIN nopin tidak dapat dibaca",
        ),
    ] {
        let out = cetak_id(p, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = text(&out.stderr);
        assert!(err.contains(words), "{args:?}: {err}");
        for english in [
            "No such file",
            "os error",
            "file is not a database",
            "database error",
            "no record",
            "is empty",
            "must be",
            "not UTF-8",
            "scheme must be",
            "PIN file",
            "TOML parse error",
        ] {
            assert!(!err.contains(english), "{args:?}: {english:?} in {err}");
        }
    }
}

#[test]
fn chip_problems_are_told_in_the_catalogues_words_not_the_errors_english() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::write(p.join("junk.chip"), b"hello, not a chip").expect("write");
    let out = cetak_id(p, &["chip", "verify", "--from", "junk.chip"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = text(&out.stderr);
    let (id, _) = cetak_words::chip_problem("chip_malformed").expect("catalogued");
    assert!(err.contains(id), "{err}");
    assert!(err.contains("(chip_malformed)"), "the code stays: {err}");
    let words = err.replace("(chip_malformed)", "");
    for english in ["malformed", "magic", "not a chip"] {
        assert!(!words.contains(english), "{english:?} in {err}");
    }
    // The same in English keeps the error's own detail.
    let out = cetak(
        p,
        &["--lang", "en", "chip", "verify", "--from", "junk.chip"],
    );
    assert!(text(&out.stderr).contains("CETAKCHIP1"), "{out:?}");
}
