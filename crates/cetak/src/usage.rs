//! clap's own messages in Bahasa Indonesia. clap has no translations: a usage error is read
//! by its kind and context (the argument, the value, what was valid, clap's suggestion) and
//! said again here; help and version text (already in Indonesian from `localize`) only lose
//! clap's few English placeholders. Exit codes stay clap's: 0 for help and version, 2 for a
//! usage error.

use std::io::Write;

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// clap's English placeholders in help and usage text, in Indonesian.
pub fn help_words(text: &str) -> String {
    text.replace("Usage:", "Penggunaan:")
        .replace("[OPTIONS]", "[OPSI]")
        .replace("<COMMAND>", "<PERINTAH>")
        .replace("[default: ", "[bawaan: ")
        .replace("[possible values: ", "[pilihan: ")
        .replace("[aliases: ", "[alias: ")
        // The `help` subcommand clap adds when it builds the command (after `localize`).
        .replace(
            "Print this message or the help of the given subcommand(s)",
            "Tampilkan pesan ini atau bantuan subperintah yang disebut",
        )
}

fn text(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Number(n) => Some(n.to_string()),
        ContextValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn list(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    }
}

/// A value parser's complaint (Rust's standard parse errors) in Indonesian; other text as it is.
fn parse_problem(source: &str) -> String {
    match source {
        "invalid digit found in string" => "bukan bilangan bulat".into(),
        "cannot parse integer from empty string" | "cannot parse float from empty string" => {
            "kosong".into()
        }
        "number too large to fit in target type" => "angka terlalu besar".into(),
        "number too small to fit in target type" => "angka terlalu kecil".into(),
        "invalid float literal" => "bukan angka".into(),
        "provided string was not `true` or `false`" => "bukan true atau false".into(),
        other => other.into(),
    }
}

/// The message for a usage error, in Indonesian (without "kesalahan:", the usage and the hint).
pub fn message(e: &clap::Error) -> String {
    let arg = text(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = text(e, ContextKind::InvalidValue).unwrap_or_default();
    let mut m = match e.kind() {
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("'{arg}' perlu nilai, tetapi tidak ada yang diberikan")
        }
        ErrorKind::InvalidValue => format!("nilai '{value}' tidak sah untuk '{arg}'"),
        ErrorKind::UnknownArgument => format!("argumen '{arg}' tidak dikenal"),
        ErrorKind::InvalidSubcommand => format!(
            "perintah '{}' tidak dikenal",
            text(e, ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::NoEquals => format!("'{arg}' perlu nilai dengan tanda '='"),
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| parse_problem(&s.to_string()))
                .unwrap_or_default();
            format!("nilai '{value}' tidak sah untuk '{arg}': {why}")
        }
        ErrorKind::TooManyValues => {
            format!("nilai '{value}' tidak diharapkan untuk '{arg}' (terlalu banyak nilai)")
        }
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => format!(
            "'{arg}' perlu {} nilai, diberikan {}",
            text(e, ContextKind::ExpectedNumValues)
                .or_else(|| text(e, ContextKind::MinValues))
                .unwrap_or_else(|| "lebih banyak".into()),
            text(e, ContextKind::ActualNumValues).unwrap_or_else(|| "0".into())
        ),
        ErrorKind::ArgumentConflict => match text(e, ContextKind::PriorArg) {
            Some(prior) if prior != arg => {
                format!("'{arg}' tidak boleh dipakai bersama '{prior}'")
            }
            _ => format!("'{arg}' tidak boleh diberikan lebih dari sekali"),
        },
        ErrorKind::MissingRequiredArgument => {
            let mut m = String::from("argumen wajib ini belum diberikan:");
            for a in list(e, ContextKind::InvalidArg) {
                m.push_str(&format!("\n  {a}"));
            }
            m
        }
        ErrorKind::MissingSubcommand => format!(
            "'{}' perlu subperintah, tetapi tidak ada yang diberikan",
            text(e, ContextKind::InvalidSubcommand).unwrap_or_else(|| "cetak".into())
        ),
        ErrorKind::InvalidUtf8 => "argumen ini bukan teks UTF-8 yang sah".into(),
        // Anything else (clap's I/O or formatting trouble): clap's words.
        _ => e
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string(),
    };
    let valid = list(e, ContextKind::ValidValue);
    if !valid.is_empty() {
        m.push_str(&format!("\n  [pilihan: {}]", valid.join(", ")));
    }
    let subcommands = list(e, ContextKind::ValidSubcommand);
    if !subcommands.is_empty() {
        m.push_str(&format!("\n  [subperintah: {}]", subcommands.join(", ")));
    }
    m.push('\n');
    for s in list(e, ContextKind::SuggestedSubcommand) {
        m.push_str(&format!("\n  saran: ada perintah serupa '{s}'"));
    }
    for s in list(e, ContextKind::SuggestedArg) {
        m.push_str(&format!("\n  saran: ada argumen serupa '{s}'"));
    }
    for s in list(e, ContextKind::SuggestedValue) {
        m.push_str(&format!("\n  saran: ada nilai serupa '{s}'"));
    }
    for s in list(e, ContextKind::SuggestedCommand) {
        m.push_str(&format!("\n  saran: mungkin maksudnya '{s}'"));
    }
    if let Some(t) = text(e, ContextKind::TrailingArg)
        && t == "true"
    {
        m.push_str(&format!(
            "\n  saran: untuk memakai '{arg}' sebagai nilai, tulis '-- {arg}'"
        ));
    }
    m.trim_end().to_string()
}

/// Say clap's error in Indonesian and end the process with clap's exit code.
pub fn exit(e: clap::Error) -> ! {
    match e.kind() {
        // Help (already localised) and version: as clap prints them, to stdout, exit 0.
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(help_words(&e.render().to_string()).as_bytes());
            let _ = out.flush();
            std::process::exit(0)
        }
        // A command group without its subcommand: its help, to stderr, exit 2.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", help_words(&e.render().to_string()));
            std::process::exit(e.exit_code())
        }
        _ => {}
    }
    let mut err = format!("kesalahan: {}\n", message(&e));
    if let Some(usage) = text(&e, ContextKind::Usage) {
        err.push('\n');
        err.push_str(help_words(usage.trim()).as_str());
        err.push('\n');
    }
    err.push_str("\nUntuk keterangan lebih lanjut, coba '--help'.\n");
    eprint!("{err}");
    std::process::exit(e.exit_code())
}
