//! Issue 19, "a test that fails when a string exists in one language only": every sentence a
//! clerk reads is written as a pair — `t("id", "en")` and `tr(("id", "en"))` in the command
//! line, `tr("id", "en")` in the page handlers and templates — and this test reads every pair
//! in the sources: neither half may be empty while the other says something, and the two halves
//! may be the same only for the words both languages share (an allow-list).

use std::path::{Path, PathBuf};

/// Words the office says the same way in both languages.
const SAME_IN_BOTH: &[&str] = &["Printer", "printer", "Status", "kecamatan"];

/// An English-only detail appended to a sentence (`tr("", ": " ~ detail)`): the Indonesian
/// page keeps the code and leaves the operating system's English out.
const ENGLISH_ONLY_DETAIL: &str = ": ";

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// A string literal at the start of `s` (after blanks): its text (escapes kept) and the rest.
fn literal(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let body = s.strip_prefix('"')?;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some((&body[..i], &body[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Every `(indonesian, english)` pair of literals in `text`.
fn pairs(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for call in ["t(", "tr("] {
        let mut from = 0;
        while let Some(at) = text[from..].find(call) {
            let start = from + at;
            from = start + call.len();
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let rest = text[from..].trim_start();
            let rest = rest.strip_prefix('(').unwrap_or(rest);
            let Some((id, rest)) = literal(rest) else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix(',') else {
                continue;
            };
            let Some((en, _)) = literal(rest) else {
                continue;
            };
            found.push((id.to_string(), en.to_string()));
        }
    }
    found
}

fn problems(pairs: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (id, en) in pairs {
        let (id_empty, en_empty) = (id.trim().is_empty(), en.trim().is_empty());
        if id_empty && en == ENGLISH_ONLY_DETAIL {
            continue;
        }
        if id_empty != en_empty {
            out.push(format!("one language only: ({id:?}, {en:?})"));
        } else if !id_empty && id == en && !SAME_IN_BOTH.contains(&id.as_str()) {
            out.push(format!("not translated: ({id:?}, {en:?})"));
        }
    }
    out
}

#[test]
fn every_sentence_a_clerk_reads_exists_in_both_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sources = Vec::new();
    files(&root.join("cetak/src"), "rs", &mut sources);
    files(&root.join("cetak-web/src"), "rs", &mut sources);
    files(&root.join("cetak-web/templates"), "html", &mut sources);
    let mut total = 0;
    let mut all = Vec::new();
    for path in &sources {
        let text = std::fs::read_to_string(path).expect("source");
        let found = pairs(&text);
        total += found.len();
        for p in problems(&found) {
            all.push(format!("{}: {p}", path.display()));
        }
    }
    assert!(
        total > 700,
        "only {total} pairs found: the scanner lost its way"
    );
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn the_check_can_fail() {
    let text = r#"
        outln!("{}", t("Kartu dicetak", ""));
        let x = tr(("", "Card printed"));
        let y = t("Queue empty", "Queue empty");
        let z = t("Antrean kosong", "Queue empty");
        let w = tr("", ": " ~ detail);
    "#;
    let found = pairs(text);
    assert_eq!(found.len(), 5, "{found:?}");
    let p = problems(&found);
    assert_eq!(p.len(), 3, "{p:?}");
}
