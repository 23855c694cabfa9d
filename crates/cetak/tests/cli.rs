//! The command contract, run as a user or a script would: the real binary, a fresh folder each.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn cetak(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cetak"))
        .current_dir(dir)
        .env("CETAK_LANG", "en")
        .env_remove("CETAK_DB")
        .args(args)
        .output()
        .expect("cetak runs")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout {}\nstderr {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn generate(dir: &Path, rows: u64, extra: &[&str]) -> PathBuf {
    let rows = rows.to_string();
    let mut args = vec!["gen", "--rows", &rows, "--seed", "7", "--out", "data"];
    args.extend_from_slice(extra);
    json(&cetak(dir, &[&args[..], &["--json"]].concat()));
    dir.join("data/recordings.csv")
}

/// Generate `rows` recordings and import them into `x.db`.
fn import_generated(dir: &Path, rows: u64) {
    let file = generate(dir, rows, &[]);
    json(&cetak(
        dir,
        &[
            "--db",
            "x.db",
            "--create",
            "import",
            file.to_str().expect("path"),
            "--json",
        ],
    ));
}

#[test]
fn gen_writes_the_contract_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generate(dir.path(), 1000, &[]);
    let text = std::fs::read_to_string(&file).expect("recordings");
    let header = text.lines().next().expect("header");
    assert_eq!(header, cetak_domain::record::COLUMNS.join(","));
    assert_eq!(text.lines().count(), 1001);
    let truth = std::fs::read_to_string(dir.path().join("data/truth.csv")).expect("truth");
    assert_eq!(truth.lines().next(), Some("recording_id,person_id"));
    assert_eq!(truth.lines().count(), 1001);
}

#[test]
fn import_reports_counts_and_a_second_import_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generate(dir.path(), 3000, &["--bad-share", "0.02"]);
    // Two rows that cannot be read as a recording: Latin-1 bytes, and a truncated row.
    let mut bytes = std::fs::read(&file).expect("read");
    bytes.extend_from_slice(b"PLGX0001,1671014508900001,JOS\xc9 RIZAL\n");
    bytes.extend_from_slice(b"PLGX0002,1671014508900001\n");
    std::fs::write(&file, bytes).expect("write");
    let f = file.to_str().expect("path");
    let first = json(&cetak(
        dir.path(),
        &["--db", "x.db", "--create", "import", f, "--json"],
    ));
    let imported = first["imported"].as_u64().expect("imported");
    let quarantined = first["quarantined"].as_u64().expect("quarantined");
    let needs_correction = first["needs_correction"]
        .as_u64()
        .expect("needs_correction");
    // Contract 1.1: every row read is imported, quarantined or already present; a readable
    // row with field problems is imported (counted again in needs_correction).
    assert_eq!(imported + quarantined, 3002);
    assert_eq!(quarantined, 2, "{first}");
    assert!(
        needs_correction > 20 && needs_correction < imported,
        "{first}"
    );
    assert!(
        first["held_for_correction"]
            .as_u64()
            .is_some_and(|n| n > 0 && n <= needs_correction),
        "{first}"
    );
    assert_eq!(first["already_present"], 0);
    let head = json(&cetak(
        dir.path(),
        &["--db", "x.db", "audit", "head", "--json"],
    ));

    let second = json(&cetak(dir.path(), &["--db", "x.db", "import", f, "--json"]));
    assert_eq!(
        (
            second["imported"].as_u64(),
            second["quarantined"].as_u64(),
            second["already_present"].as_u64()
        ),
        (Some(0), Some(0), Some(3002))
    );
    assert_eq!(second["nothing_changed"], true);
    assert_eq!(
        json(&cetak(
            dir.path(),
            &["--db", "x.db", "audit", "head", "--json"]
        )),
        head,
        "a no-op import writes no audit entry"
    );

    let q = json(&cetak(
        dir.path(),
        &[
            "--db",
            "x.db",
            "quarantine",
            "list",
            "--json",
            "--limit",
            "1000",
        ],
    ));
    assert_eq!(
        q["rows"].as_array().map(Vec::len),
        Some(quarantined as usize)
    );
    assert!(
        q["rows"][0]["reason_code"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert!(
        q["rows"][0]["raw"]
            .as_str()
            .is_some_and(|r| r.starts_with("PLG"))
    );
}

#[test]
fn a_refused_file_writes_nothing_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir(p.join("adir")).expect("mkdir");
    std::fs::write(p.join("empty.csv"), b"").expect("write");
    std::fs::write(p.join("short.csv"), b"recording_id,nik\nA,1\n").expect("write");
    json(&cetak(p, &["--db", "x.db", "init", "--json"]));
    for (file, needle) in [
        ("adir", "directory"),
        ("empty.csv", "empty"),
        ("short.csv", "lacks column"),
        ("missing.csv", "cannot read"),
    ] {
        let out = cetak(p, &["--db", "x.db", "import", file]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(stderr(&out).contains(needle), "{file}: {}", stderr(&out));
    }
    let states = json(&cetak(p, &["--db", "x.db", "audit", "verify", "--json"]));
    assert_eq!(states["entries"], 0, "nothing was written");
}

#[test]
fn audit_verify_exits_nonzero_naming_the_tampered_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generate(dir.path(), 500, &["--bad-share", "0.05"]);
    json(&cetak(
        dir.path(),
        &[
            "--db",
            "x.db",
            "--create",
            "import",
            file.to_str().expect("path"),
            "--json",
            "--commit-rows",
            "100",
        ],
    ));
    let ok = cetak(dir.path(), &["--db", "x.db", "audit", "verify"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    {
        let conn = rusqlite::Connection::open(dir.path().join("x.db")).expect("open");
        conn.execute_batch("DROP TRIGGER audit_log_no_update")
            .expect("drop trigger");
        let n = conn
            .execute(
                "UPDATE audit_log SET actor = 'someone else' WHERE seq = 1",
                [],
            )
            .expect("tamper");
        assert_eq!(n, 1);
    }
    let bad = cetak(dir.path(), &["--db", "x.db", "audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("entry 1 was edited"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn status_finds_every_recording_of_a_nik_and_refuses_a_bad_nik() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cetak(dir.path(), &["demo", "office", "--rows", "2000", "--json"]);
    let demo = json(&out);
    assert!(
        demo["dedup"]["auto_linked"]
            .as_u64()
            .is_some_and(|n| n > 400),
        "{demo}"
    );
    assert_eq!(demo["audit_ok"], true);
    // The demo shows the evening backup: a verified file in office/backup.
    let backup = demo["backup"].as_str().expect("backup path");
    assert!(
        std::path::Path::new(backup).is_file() || dir.path().join(backup).is_file(),
        "{demo}"
    );
    // Pick a NIK recorded more than once straight from the generated file.
    let text = std::fs::read_to_string(dir.path().join("office/recordings.csv")).expect("csv");
    let mut seen = std::collections::HashMap::new();
    let nik = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .filter(|n| n.len() == 16 && n.bytes().all(|b| b.is_ascii_digit()))
        .find(|n| seen.insert(n.to_string(), ()).is_some())
        .expect("a repeated NIK");
    let st = json(&cetak(
        dir.path(),
        &["--db", "office/cetak.db", "status", nik, "--json"],
    ));
    let recs = st["recordings"].as_array().expect("recordings");
    assert!(recs.len() >= 2);
    // One survivor, or the recordings wait for a supervisor together (same NIK, other names).
    let unique = recs.iter().filter(|r| r["state"] == "unique").count();
    let waiting = recs
        .iter()
        .filter(|r| r["state"] == "awaiting_decision")
        .count();
    assert!(
        unique == 1 || (unique == 0 && waiting >= 2),
        "one survivor: {st}"
    );

    let bad = cetak(dir.path(), &["--db", "office/cetak.db", "status", "12345"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("16 digits"), "{}", stderr(&bad));
    let unknown = cetak(
        dir.path(),
        &["--db", "office/cetak.db", "status", "1671010101990009"],
    );
    assert_eq!(unknown.status.code(), Some(1));

    let again = cetak(dir.path(), &["demo", "office"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "the demo refuses a used folder"
    );
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().expect("tempdir");
    for cmd in [
        &["gen"][..],
        &["import"],
        &["quarantine", "list"],
        &["quarantine", "readmit"],
        &["correct", "list"],
        &["correct", "show"],
        &["correct", "set"],
        &["audit", "verify"],
        &["audit", "head"],
        &["audit", "log"],
        &["status"],
        &["backup"],
        &["restore"],
        #[cfg(feature = "central")]
        &["central", "token", "rotate"],
        #[cfg(feature = "central")]
        &["central", "token", "revoke"],
        &["demo"],
        &["printer", "add"],
        &["print", "run"],
        &["print", "status"],
        &["print", "inspect"],
        &["stock", "receive"],
        &["stock", "reconcile"],
        &["handover"],
        &["report", "monthly"],
        &["card", "render"],
        &["simulate"],
        &["serve"],
        &["user", "add"],
        &["user", "disable"],
        &["user", "enable"],
        &["user", "set-role"],
        &["user", "reset-password"],
        &["user", "sessions-end"],
    ] {
        let out = cetak(dir.path(), &[cmd, &["--help"]].concat());
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{cmd:?}"
        );
    }
}

#[test]
fn dedup_review_and_export_follow_the_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    import_generated(p, 4000);
    let run = json(&cetak(p, &["--db", "x.db", "dedup", "--json"]));
    let (linked, waiting, unique) = (
        run["auto_linked"].as_u64(),
        run["awaiting_decision"].as_u64(),
        run["unique"].as_u64(),
    );
    assert_eq!(
        linked.zip(waiting).zip(unique).map(|((a, b), c)| a + b + c),
        Some(4000),
        "{run}"
    );
    assert!(linked.is_some_and(|n| n > 1000), "{run}");

    // A second run finds the same and changes nothing.
    let again = json(&cetak(p, &["--db", "x.db", "dedup", "--json"]));
    assert_eq!(again["transitions"], 0, "{again}");

    let out = cetak(
        p,
        &["--db", "x.db", "export", "clusters", "--format", "csv"],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("recording_id,cluster_id"));
    let rows: Vec<(&str, &str)> = lines.filter_map(|l| l.split_once(',')).collect();
    assert_eq!(rows.len(), 4000, "every recording, singletons included");
    let clusters: std::collections::HashSet<&str> = rows.iter().map(|(_, c)| *c).collect();
    assert_eq!(clusters.len() as u64, 4000 - linked.unwrap_or(0));

    // Decide every open pair "different people": none is asked again, none is linked.
    let open = json(&cetak(
        p,
        &[
            "--db", "x.db", "review", "list", "--json", "--limit", "1000",
        ],
    ));
    let pairs = open.as_array().expect("pairs").clone();
    for pair in &pairs {
        let id = pair["id"].as_i64().expect("id").to_string();
        let shown = json(&cetak(
            p,
            &["--db", "x.db", "review", "show", &id, "--json"],
        ));
        assert_eq!(
            shown["pair"]["evidence"].as_array().map(Vec::len),
            Some(7),
            "evidence per field"
        );
        json(&cetak(
            p,
            &[
                "--db",
                "x.db",
                "review",
                "decide",
                &id,
                "--different",
                "--reason",
                "checked the KK",
                "--json",
            ],
        ));
    }
    let after = json(&cetak(
        p,
        &[
            "--db", "x.db", "review", "list", "--json", "--limit", "1000",
        ],
    ));
    let reasked: Vec<_> = after
        .as_array()
        .expect("pairs")
        .iter()
        .filter(|x| pairs.iter().any(|q| q["a"] == x["a"] && q["b"] == x["b"]))
        .collect();
    assert!(reasked.is_empty(), "decided pairs asked again: {reasked:?}");
    let log = json(&cetak(
        p,
        &["--db", "x.db", "audit", "log", "--json", "--limit", "5000"],
    ));
    let decisions = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["action"] == "decide_different_people")
        .count();
    assert_eq!(decisions, pairs.len(), "every decision audited");
    let no_reason = cetak(
        p,
        &[
            "--db", "x.db", "review", "decide", "1", "--same", "--reason", " ",
        ],
    );
    assert_eq!(no_reason.status.code(), Some(2));
    assert!(
        cetak(p, &["--db", "x.db", "audit", "verify"])
            .status
            .success()
    );
}

#[test]
fn review_commands_refuse_bad_input_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    import_generated(p, 500);
    json(&cetak(p, &["--db", "x.db", "dedup", "--json"]));
    let head = json(&cetak(p, &["--db", "x.db", "audit", "head", "--json"]));
    for (args, needle) in [
        (&["review", "show", "999999"][..], "no pair"),
        (
            &["review", "decide", "999999", "--same", "--reason", "x"],
            "no pair 999999",
        ),
        (&["review", "show", "abc"], "invalid value"),
        (
            &[
                "review",
                "decide",
                "1",
                "--same",
                "--different",
                "--reason",
                "x",
            ],
            "cannot be used with",
        ),
        (&["review", "decide", "1", "--reason", "x"], "required"),
        (
            &["dedup", "--review", "0.9", "--auto-link", "0.5"],
            "thresholds",
        ),
        (&["export", "clusters", "--format", "xml"], "invalid value"),
    ] {
        let out = cetak(p, &[&["--db", "x.db"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).to_lowercase().contains(needle),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        json(&cetak(p, &["--db", "x.db", "audit", "head", "--json"])),
        head,
        "a refused command wrote nothing"
    );
}

/// `cetak user …` with `CETAK_PASSWORD` set (or not) and `stdin` piped in.
fn user_cmd(dir: &Path, args: &[&str], password: Option<&str>, stdin: &str) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cetak"));
    cmd.current_dir(dir)
        .env("CETAK_LANG", "en")
        .env_remove("CETAK_DB")
        .env_remove("CETAK_PASSWORD")
        .args([&["--db", "x.db", "user"], args].concat())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(p) = password {
        cmd.env("CETAK_PASSWORD", p);
    }
    let mut child = cmd.spawn().expect("cetak runs");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("cetak ends")
}

#[test]
fn user_accounts_have_a_life_cycle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let good = Some("kuda merah makan pempek");
    assert!(cetak(d, &["--db", "x.db", "init"]).status.success(), "init");
    json(&user_cmd(
        d,
        &["add", "admin1", "--role", "admin", "--json"],
        good,
        "",
    ));
    // Names ignore case and are unique; the password policy applies.
    let out = user_cmd(d, &["add", "ADMIN1", "--role", "operator"], good, "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    for weak in [
        "aaaaaaaaaa",
        "          ",
        "op1-rahasia-sekali",
        "bismillah123",
    ] {
        let out = user_cmd(d, &["add", "op1", "--role", "operator"], Some(weak), "");
        assert!(!out.status.success(), "{weak:?} accepted");
    }
    json(&user_cmd(
        d,
        &["add", "op1", "--role", "operator", "--json"],
        good,
        "",
    ));

    let list = |d: &Path| json(&user_cmd(d, &["list", "--json"], None, ""));
    let find = |v: &Value, name: &str| {
        v["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["name"] == name)
            .cloned()
            .expect("listed")
    };
    json(&user_cmd(
        d,
        &["set-role", "OP1", "supervisor", "--json"],
        None,
        "",
    ));
    assert_eq!(find(&list(d), "op1")["role"], "supervisor");
    json(&user_cmd(d, &["disable", "op1", "--json"], None, ""));
    assert_eq!(find(&list(d), "op1")["disabled"], true);
    json(&user_cmd(d, &["enable", "op1", "--json"], None, ""));
    assert_eq!(find(&list(d), "op1")["disabled"], false);
    // The last enabled admin stays.
    let out = user_cmd(d, &["disable", "admin1"], None, "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("last enabled admin"),
        "{}",
        stderr(&out)
    );
    let out = user_cmd(d, &["set-role", "admin1", "operator"], None, "");
    assert!(!out.status.success());
    // A password from stdin, or a random one when stdin is empty.
    let r = json(&user_cmd(
        d,
        &["reset-password", "op1", "--json"],
        None,
        "nasi goreng pedas sekali\n",
    ));
    assert!(r["password"].is_null(), "{r}");
    let r = json(&user_cmd(d, &["reset-password", "op1", "--json"], None, ""));
    assert!(r["password"].as_str().is_some_and(|p| p.len() >= 10), "{r}");
    let out = user_cmd(d, &["reset-password", "op1"], None, "aaaaaaaaaaaa\n");
    assert!(!out.status.success(), "a weak password from stdin");
    let r = json(&user_cmd(d, &["sessions-end", "op1", "--json"], None, ""));
    assert_eq!(r["sessions_ended"], 0);
    let out = user_cmd(d, &["disable", "nobody"], None, "");
    assert!(!out.status.success());
    // All audited.
    let log = json(&cetak(
        d,
        &["--db", "x.db", "audit", "log", "--limit", "100", "--json"],
    ));
    let actions: Vec<&str> = log
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "user_add",
        "user_role",
        "user_disable",
        "user_enable",
        "user_password_reset",
        "user_sessions_end",
    ] {
        assert!(actions.contains(&a), "{a} not in {actions:?}");
    }
}

/// Issue 12 through the binary: readable rows with problems are imported (contract 1.1), data
/// ganda resolves the ones that are duplicates of a clean recording, the rest are corrected
/// with `cetak correct` (audited) and go back through data ganda to the queue.
#[test]
fn needs_correction_rows_are_imported_resolved_and_corrected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let file = generate(p, 2000, &[]);
    let text = std::fs::read_to_string(&file).expect("read");
    let first: Vec<String> = text
        .lines()
        .nth(1)
        .expect("row")
        .split(',')
        .map(str::to_string)
        .collect();
    // A re-recording of the first resident, later, with a digit for a letter in the name
    // and an impossible date in the NIK.
    let mut again = first.clone();
    again[0] = "PLGAGAIN1".into();
    again[2] = format!("{}1", &first[2][..first[2].len() - 1]);
    again[1].replace_range(6..7, "9");
    again[19] = "2024-06-01T09:00:00+07:00".into();
    // Someone alone in the file with an empty occupation and an empty mother's name.
    let mut alone = first.clone();
    alone[0] = "PLGALONE1".into();
    alone[1] = "1671019999990001".into();
    alone[2] = "ZEBEDEUS QWERTYUIOP".into();
    alone[4] = "1931-01-01".into();
    alone[7] = "JL. TIDAK ADA NO. 999".into();
    alone[16] = String::new();
    alone[18] = String::new();
    let mut body = text.clone();
    body.push_str(&again.join(","));
    body.push('\n');
    body.push_str(&alone.join(","));
    body.push('\n');
    std::fs::write(&file, body).expect("write");
    let f = file.to_str().expect("path");
    let imp = json(&cetak(
        p,
        &["--db", "x.db", "--create", "import", f, "--json"],
    ));
    assert_eq!(
        (
            imp["imported"].as_u64(),
            imp["needs_correction"].as_u64(),
            imp["held_for_correction"].as_u64(),
            imp["quarantined"].as_u64()
        ),
        (Some(2002), Some(2), Some(2), Some(0)),
        "{imp}"
    );
    let run = json(&cetak(p, &["--db", "x.db", "dedup", "--json"]));
    let n = |k: &str| run[k].as_u64().unwrap_or_else(|| panic!("{k} in {run}"));
    assert_eq!(
        n("auto_linked") + n("awaiting_decision") + n("unique") + n("needs_correction"),
        2002,
        "{run}"
    );
    assert_eq!(n("resolved_without_correction"), 1, "{run}");
    assert_eq!(n("needs_correction"), 1, "{run}");
    let out = cetak(p, &["--db", "x.db", "export", "clusters"]);
    let clusters = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(clusters.lines().count(), 2003, "every recording");
    assert!(clusters.contains("PLGALONE1,PLGALONE1"));
    assert!(
        !clusters.contains("PLGAGAIN1,PLGAGAIN1"),
        "linked to the clean one"
    );

    let list = json(&cetak(p, &["--db", "x.db", "correct", "list", "--json"]));
    let ids: Vec<&str> = list["recordings"]
        .as_array()
        .expect("recordings")
        .iter()
        .filter_map(|r| r["recording_id"].as_str())
        .collect();
    assert_eq!(ids, ["PLGALONE1"], "{list}");
    let shown = json(&cetak(
        p,
        &["--db", "x.db", "correct", "show", "PLGALONE1", "--json"],
    ));
    assert_eq!(shown["state"], "perlu_perbaikan");
    assert_eq!(
        shown["problems"].as_array().map(Vec::len),
        Some(3),
        "{shown}"
    );
    assert!(
        shown["original"]["raw"]
            .as_str()
            .is_some_and(|r| r.starts_with("PLGALONE1,")),
        "{shown}"
    );
    let set = |field: &str, value: &str| {
        json(&cetak(
            p,
            &[
                "--db",
                "x.db",
                "--actor",
                "op.rina",
                "correct",
                "set",
                "PLGALONE1",
                field,
                value,
                "--reason",
                "checked the family card",
                "--json",
            ],
        ))
    };
    let r = set("pekerjaan", "PELAJAR/MAHASISWA");
    assert_eq!(r["state_after"], "perlu_perbaikan", "{r}");
    let r = set("nik", "1671010101310001");
    assert_eq!(r["state_after"], "received", "{r}");
    // The mother's name does not hold the card back; it can still be corrected.
    assert_eq!(r["open"].as_array().map(Vec::len), Some(1), "{r}");
    let again = json(&cetak(p, &["--db", "x.db", "dedup", "--json"]));
    assert_eq!(again["needs_correction"], 0, "{again}");
    let status = json(&cetak(
        p,
        &["--db", "x.db", "status", "1671010101310001", "--json"],
    ));
    assert!(status.to_string().contains("unique"), "{status}");
    let log = json(&cetak(
        p,
        &["--db", "x.db", "audit", "log", "--json", "--limit", "10"],
    ));
    let corrections: Vec<&serde_json::Value> = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["action"] == "correct_field")
        .collect();
    assert_eq!(corrections.len(), 2, "{log}");
    assert!(corrections.iter().all(|e| e["actor"] == "op.rina"));
    // No reason, or a recording with nothing to correct: refused, exit 2.
    let refused = cetak(
        p,
        &[
            "--db",
            "x.db",
            "correct",
            "set",
            "PLGALONE1",
            "nama",
            "X",
            "--reason",
            " ",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        cetak(p, &["--db", "x.db", "audit", "verify"])
            .status
            .success()
    );
}

/// Issue 12, item 6: a review queue people can finish — open pairs grouped by evidence
/// pattern, one decision for a group after looking at its sample, audited per pair.
#[test]
fn review_pairs_are_grouped_by_evidence_and_a_group_is_decided_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    import_generated(p, 4000);
    json(&cetak(p, &["--db", "x.db", "dedup", "--json"]));
    let open = json(&cetak(
        p,
        &[
            "--db", "x.db", "review", "list", "--json", "--limit", "100000",
        ],
    ));
    let open_n = open.as_array().map(Vec::len).expect("pairs");
    let groups = json(&cetak(p, &["--db", "x.db", "review", "groups", "--json"]));
    let groups = groups.as_array().expect("groups").clone();
    assert!(!groups.is_empty(), "no review pairs to group");
    let total: u64 = groups.iter().filter_map(|g| g["pairs"].as_u64()).sum();
    assert!(total as usize <= open_n, "{total} > {open_n}");
    let first = &groups[0];
    let n = first["pairs"].as_u64().expect("pairs");
    assert!(
        first["sample"]
            .as_array()
            .is_some_and(|s| !s.is_empty() && s.len() <= 3)
    );
    // A count that is not what the supervisor saw is refused.
    let wrong = cetak(
        p,
        &[
            "--db",
            "x.db",
            "review",
            "decide-group",
            "1",
            "--different",
            "--expect-pairs",
            &(n + 1).to_string(),
            "--reason",
            "x",
        ],
    );
    assert_eq!(wrong.status.code(), Some(2), "{}", stderr(&wrong));
    let done = json(&cetak(
        p,
        &[
            "--db",
            "x.db",
            "review",
            "decide-group",
            "1",
            "--different",
            "--expect-pairs",
            &n.to_string(),
            "--reason",
            "looked at the sample",
            "--json",
        ],
    ));
    assert_eq!(done["decided"].as_u64(), Some(n), "{done}");
    let after = json(&cetak(
        p,
        &[
            "--db", "x.db", "review", "list", "--json", "--limit", "100000",
        ],
    ));
    let after = after.as_array().expect("pairs");
    assert!(
        after.len() < open_n,
        "{} of {open_n} still open",
        after.len()
    );
    let asked_again = first["sample"]
        .as_array()
        .expect("sample")
        .iter()
        .filter(|s| after.iter().any(|x| x["a"] == s["a"] && x["b"] == s["b"]))
        .count();
    assert_eq!(asked_again, 0, "a decided pair is asked again");
    let log = json(&cetak(
        p,
        &[
            "--db", "x.db", "audit", "log", "--json", "--limit", "100000",
        ],
    ));
    let decisions = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| {
            e["action"] == "decide_different_people"
                && e["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("group decision"))
        })
        .count();
    assert_eq!(decisions as u64, n, "one audited decision per pair");
}

/// Issue 12, item 4: a database from contract 1.0 quarantined readable rows with field
/// problems; `cetak quarantine readmit` moves them into the registry (audited), reading the
/// stored CSV and NDJSON rows with the real readers, and leaves the unreadable ones.
#[test]
fn quarantine_readmit_moves_readable_rows_of_an_older_database() {
    use cetak_domain::record::{EXAMPLE_ROW, ReasonCode, Rejection};
    use cetak_store::ImportRow;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let mut csv_row = EXAMPLE_ROW.map(str::to_string);
    csv_row[0] = "OLD-CSV".into();
    csv_row[2] = "RAF1".into();
    let csv_row = csv_row.join(",");
    let json_row = serde_json::Value::Object(
        cetak_domain::record::COLUMNS
            .iter()
            .zip(EXAMPLE_ROW)
            .map(|(k, v)| {
                let v = match *k {
                    "recording_id" => "OLD-JSON",
                    "nama_ibu" => "",
                    _ => v,
                };
                (k.to_string(), serde_json::Value::String(v.to_string()))
            })
            .collect(),
    )
    .to_string();
    let rejected = |line: u64, raw: &str, code: ReasonCode| ImportRow::Rejected {
        line,
        raw: raw.as_bytes().to_vec(),
        raw_len: raw.len() as u64,
        rejection: Rejection::row(code, "as contract 1.0 said"),
    };
    {
        let mut store = cetak_store::Store::open(&p.join("x.db")).expect("store");
        store
            .import_batch(
                "old.csv",
                &[
                    rejected(2, &csv_row, ReasonCode::InvalidCharacters),
                    rejected(3, &json_row, ReasonCode::EmptyField),
                    rejected(4, "OLD-SHORT,1671", ReasonCode::FieldCount),
                ],
                "system:import",
                time::OffsetDateTime::now_utc(),
            )
            .expect("import");
    }
    let r = json(&cetak(
        p,
        &["--db", "x.db", "quarantine", "readmit", "--json"],
    ));
    assert_eq!(
        (
            r["examined"].as_u64(),
            r["moved"].as_u64(),
            r["held_for_correction"].as_u64()
        ),
        (Some(2), Some(2), Some(1)),
        "{r}"
    );
    let q = json(&cetak(p, &["--db", "x.db", "quarantine", "list", "--json"]));
    assert_eq!(q["rows"].as_array().map(Vec::len), Some(1), "{q}");
    let list = json(&cetak(
        p,
        &["--db", "x.db", "correct", "list", "--all", "--json"],
    ));
    assert_eq!(
        list["recordings"].as_array().map(Vec::len),
        Some(2),
        "{list}"
    );
    let log = json(&cetak(p, &["--db", "x.db", "audit", "log", "--json"]));
    assert!(
        log.as_array()
            .expect("log")
            .iter()
            .any(|e| e["action"] == "readmit_quarantine"),
        "{log}"
    );
}

/// An office build (`--no-default-features`) links no central server: `cetak central …` says
/// so in both languages and fails, instead of pretending.
#[cfg(not(feature = "central"))]
#[test]
fn an_office_build_says_the_central_server_is_left_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cetak(dir.path(), &["central", "serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("office build"), "{err}");
}
