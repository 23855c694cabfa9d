//! The README's short tour as a test (issue 19): every command of its first ```sh block, read
//! from README.md itself so the two cannot drift, runs in a fresh folder against the demo's data
//! (seed 2015, 25,000 recordings) with the real binary on the PATH. Each must exit 0, and in
//! Bahasa Indonesia (`CETAK_LANG=id`) nothing English may reach stdout or stderr: a list of
//! English words, with an allow-list for what is a contract rather than a sentence (field and
//! column names, reason codes, command names and flags, data values in capitals, what the
//! person typed on the command line). `scripts/tour` runs the same commands from a shell.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The tour: from "## A short tour" to the end of its first ```sh block, without blank lines
/// and comment lines (what `scripts/tour` runs).
fn tour() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let after = readme
        .split_once("\n## A short tour")
        .expect("a short tour in README.md")
        .1;
    let block = after.split_once("\n```sh\n").expect("a ```sh block").1;
    let block = block.split_once("\n```").expect("the block ends").0;
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// English words that have no place in an Indonesian message. Loanwords the office uses in
/// Indonesian (data, status, printer, operator, supervisor, admin, log, hash, hopper, chip,
/// token) are not here; nor is "jam" (an hour, in Indonesian).
const ENGLISH: &[&str] = &[
    "the",
    "of",
    "and",
    "or",
    "is",
    "are",
    "was",
    "were",
    "not",
    "no",
    "to",
    "for",
    "with",
    "by",
    "from",
    "in",
    "on",
    "at",
    "this",
    "that",
    "it",
    "its",
    "be",
    "been",
    "has",
    "have",
    "will",
    "would",
    "can",
    "cannot",
    "must",
    "should",
    "all",
    "any",
    "none",
    "yes",
    "error",
    "warning",
    "usage",
    "options",
    "arguments",
    "commands",
    "help",
    "try",
    "more",
    "information",
    "unknown",
    "invalid",
    "required",
    "missing",
    "value",
    "values",
    "found",
    "expected",
    "argument",
    "subcommand",
    "unique",
    "duplicate",
    "duplicates",
    "received",
    "queued",
    "printing",
    "printed",
    "issued",
    "cancelled",
    "spoiled",
    "awaiting",
    "decision",
    "decided",
    "needs",
    "correction",
    "corrected",
    "pending",
    "ready",
    "busy",
    "paused",
    "blocked",
    "cooling",
    "completed",
    "sent",
    "good",
    "melted",
    "misprint",
    "other",
    "record",
    "records",
    "recording",
    "recordings",
    "person",
    "people",
    "same",
    "different",
    "blank",
    "blanks",
    "card",
    "cards",
    "stock",
    "queue",
    "done",
    "created",
    "added",
    "imported",
    "written",
    "wrote",
    "file",
    "files",
    "database",
    "reason",
    "action",
    "actor",
    "subject",
    "mark",
    "marked",
    "system",
    "head",
    "entries",
    "entry",
    "intact",
    "broken",
    "checked",
    "twins",
    "unit",
    "run",
    "page",
    "pages",
    "user",
    "users",
    "password",
    "role",
    "handed",
    "over",
    "printer's",
    "today",
    "state",
    "problems",
    "field",
    "fields",
    "row",
    "rows",
    "pair",
    "pairs",
    "link",
    "linked",
    "review",
    "which",
    "when",
    "then",
    "only",
    "also",
];

/// Identifiers that are part of a contract, shown as they are: the import contract's fields,
/// the cluster export's columns, problem and quarantine reason codes.
const CONTRACT: &[&str] = &[
    "recording_id",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "golongan_darah",
    "kabupaten_kota",
    "status_perkawinan",
    "nama_ibu",
    "recorded_at",
    "recording_site",
    "jenis_permohonan",
    "cluster_id",
];

/// Command names after `cetak` in a hint ("Lihat antrean: cetak review list").
const COMMANDS: &[&str] = &[
    "init",
    "gen",
    "import",
    "quarantine",
    "list",
    "correct",
    "show",
    "set",
    "audit",
    "verify",
    "head",
    "log",
    "dedup",
    "review",
    "groups",
    "decide",
    "decide-group",
    "overrule",
    "export",
    "clusters",
    "printer",
    "add",
    "remove",
    "pause",
    "resume",
    "reseat",
    "print",
    "run",
    "status",
    "inspect",
    "spoil",
    "raise",
    "replace",
    "stock",
    "receive",
    "reconcile",
    "missing",
    "found",
    "handover",
    "report",
    "monthly",
    "card",
    "render",
    "serve",
    "user",
    "sync",
    "central",
    "simulate",
    "demo",
    "clock",
    "reset",
];

/// The English words in `text`; `typed` are words the person gave on the command line.
fn english_in(text: &str, typed: &HashSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut after_cetak = false;
        for chunk in line.split_whitespace() {
            let bare = chunk.trim_matches(|c: char| "`'\"(),.:;".contains(c));
            if bare == "cetak" {
                after_cetak = true;
                continue;
            }
            // A hint's command words, flags, and placeholders in capitals follow `cetak`.
            if after_cetak
                && (COMMANDS.contains(&bare)
                    || bare.starts_with('-')
                    || bare.chars().all(|c| !c.is_lowercase()))
            {
                continue;
            }
            after_cetak = false;
            // Flags, paths and file names (`backlog/recordings.csv`, `card.pdf`).
            if chunk.starts_with("--") || chunk.contains('/') || is_file_name(bare) {
                continue;
            }
            for word in chunk.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\'')) {
                let word = word.trim_matches('\'');
                // Data in capitals (names, addresses, NIK, KK), numbers, times, hashes.
                if word.is_empty()
                    || !word.chars().any(char::is_lowercase)
                    || word.chars().any(|c| c.is_ascii_digit())
                {
                    continue;
                }
                let lower = word.to_lowercase();
                if typed.contains(&lower) {
                    continue;
                }
                if word.contains('_') {
                    // A stored code shown raw (`mark_unique`, `perlu_perbaikan`) unless it is
                    // a contract's identifier or a documented reason code.
                    if !CONTRACT.contains(&word) && !is_reason_code(word) {
                        found.push(word.to_string());
                    }
                } else if ENGLISH.contains(&lower.as_str()) {
                    found.push(word.to_string());
                }
            }
        }
    }
    found
}

fn is_file_name(word: &str) -> bool {
    // `recordings.csv:64`: a file and a line.
    let word = word.trim_end_matches(|c: char| c.is_ascii_digit() || c == ':');
    word.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && matches!(ext, "csv" | "pdf" | "png" | "db" | "json" | "toml" | "svg")
    })
}

/// Problem and quarantine reason codes of the import contract (docs/import-contract.md).
/// Record states are shown in words, never as their code.
fn is_reason_code(word: &str) -> bool {
    if ["perlu_perbaikan", "awaiting_decision"].contains(&word) {
        return false;
    }
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/import-contract.md"
    ))
    .expect("docs/import-contract.md");
    doc.contains(&format!("`{word}`"))
}

/// Words inside quotes on the command line: what the person typed ("twins, checked the KK").
fn typed_words(line: &str) -> HashSet<String> {
    line.split('"')
        .skip(1)
        .step_by(2)
        .flat_map(|q| q.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn run(dir: &Path, line: &str, lang: &str) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_cetak"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    Command::new("bash")
        .args(["-o", "pipefail", "-c", line])
        .current_dir(dir)
        .env("PATH", path)
        .env("CETAK_LANG", lang)
        .env("NO_COLOR", "1")
        .env("USER", "petugas")
        .env_remove("CETAK_DB")
        .env_remove("CETAK_ACTOR")
        .env_remove("CETAK_PASSWORD")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("bash runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn every_tour_command_works_and_speaks_indonesian() {
    let lines = tour();
    assert!(lines.len() > 20, "the tour is in README.md: {lines:?}");
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let mut leaks = Vec::new();
    for line in &lines {
        let out = run(p, line, "id");
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            out.status.success(),
            "tour command failed ({:?}): {line}\nstdout {stdout}\nstderr {stderr}",
            out.status
        );
        let typed = typed_words(line);
        // `--json` prints the JSON contract (English keys and codes by design): it must parse.
        let shown = if line.contains("--json") {
            serde_json::from_str::<serde_json::Value>(stdout.trim())
                .unwrap_or_else(|e| panic!("{line}: not JSON ({e}): {stdout}"));
            stderr.clone()
        } else {
            format!("{stdout}\n{stderr}")
        };
        for word in english_in(&shown, &typed) {
            leaks.push(format!("{line}\n    {word:?}"));
        }
    }
    // Every audit entry the tour wrote (imports, dedup, decisions, corrections, printing,
    // stock, hand-over, accounts), in the office's words; what the person typed stays.
    let typed: HashSet<String> = lines.iter().flat_map(|l| typed_words(l)).collect();
    let out = run(p, "cetak --db office.db audit log --limit 1000000", "id");
    assert!(out.status.success(), "audit log: {}", text(&out.stderr));
    let log = text(&out.stdout);
    assert!(
        log.lines().count() > 25_000,
        "the whole log: {} lines",
        log.lines().count()
    );
    let mut in_log: Vec<String> = english_in(&log, &typed);
    in_log.sort();
    in_log.dedup();
    for word in in_log {
        let line = log.lines().find(|l| l.contains(&word)).unwrap_or_default();
        leaks.push(format!("audit log: {word:?} in {line}"));
    }
    assert!(
        leaks.is_empty(),
        "English in --lang id ({}):\n{}",
        leaks.len(),
        leaks.join("\n")
    );

    // The check can fail: the same commands in English are caught.
    for line in [
        "cetak --db office.db audit log --subject PLG000000042",
        "cetak --db office.db correct show PLG000000063",
        "cetak --db office.db status 1671010105790001",
    ] {
        let out = run(p, line, "en");
        assert!(out.status.success(), "{line}: {}", text(&out.stderr));
        let en = english_in(&text(&out.stdout), &HashSet::new());
        assert!(
            !en.is_empty(),
            "the check finds no English in: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn the_leak_check_knows_contracts_from_sentences() {
    let none = HashSet::new();
    assert_eq!(
        english_in("Lihat antrean: cetak review list --all", &none),
        Vec::<String>::new()
    );
    assert_eq!(
        english_in(
            "recording_id,cluster_id\nnik_length (nik): NIK tidak 16 digit",
            &none
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        english_in("JL. MAWAR NO. 250, 2013-05-12T04:32:00Z", &none),
        Vec::<String>::new()
    );
    assert_eq!(
        english_in("oleh system:dedup mark_unique", &none),
        vec!["system", "mark_unique"]
    );
    assert_eq!(
        english_in("Status: perlu_perbaikan → received", &none),
        vec!["perlu_perbaikan", "received"]
    );
    assert_eq!(
        english_in("no other recording of this person found", &none),
        vec!["no", "other", "recording", "of", "this", "person", "found"]
    );
    let typed = typed_words(r#"cetak decide 1 --reason "twins, checked the KK""#);
    assert_eq!(
        english_in("alasan: twins, checked the KK", &typed),
        Vec::<String>::new()
    );
}
