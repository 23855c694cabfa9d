//! The server's modules form layers without a circle: each may use only the modules below it.
//!
//! routes → pages → auth → state → templates → error, views, pool, password → fmt, words
//!
//! Read from the sources (`crate::x` paths and `use crate::{…}` groups), so a new import
//! that points up a layer fails here with the file and the module it named.

use std::path::Path;

/// (module, layer): a module may name only modules of a higher layer number.
const LAYERS: &[(&str, u8)] = &[
    ("routes", 1),
    ("pages", 2),
    ("auth", 3),
    ("state", 4),
    ("templates", 5),
    ("error", 6),
    ("views", 6),
    ("pool", 6),
    ("password", 6),
    ("fmt", 7),
    ("words", 7),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The crate modules a source names.
fn named(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        } else {
            out.push(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for (module, _) in LAYERS {
        let file = src.join(format!("{module}.rs"));
        if file.exists() {
            files.push((module.to_string(), file));
        }
        let dir = src.join(module);
        if dir.is_dir() {
            for entry in std::fs::read_dir(&dir).expect("module folder") {
                let path = entry.expect("entry").path();
                files.push((module.to_string(), path));
            }
        }
    }
    assert!(files.len() >= LAYERS.len(), "{files:?}");
    let mut wrong = Vec::new();
    for (module, file) in &files {
        let own = layer(module).expect("listed");
        let source = std::fs::read_to_string(file).expect("source");
        for other in named(&source) {
            if other == *module {
                continue;
            }
            match layer(&other) {
                Some(l) if l > own => {}
                Some(_) => wrong.push(format!("{} names crate::{other}", file.display())),
                None => wrong.push(format!(
                    "{} names crate::{other}, a module not in LAYERS",
                    file.display()
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up a layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_finds_paths_and_groups() {
    assert_eq!(
        named("use crate::auth::Session;\nuse crate::{fmt, views};\nlet x = crate::state::X;"),
        ["auth", "fmt", "views", "state"]
    );
}
