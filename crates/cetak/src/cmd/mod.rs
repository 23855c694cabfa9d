//! One module per subcommand; shared context and helpers here.

pub mod audit;
pub mod card;
pub mod central;
pub mod clock;
pub mod correct;
pub mod dedup;
pub mod demo;
pub mod gen_cmd;
pub mod import;
pub mod port;
pub mod print;
pub mod quarantine;
pub mod serve;
pub mod simulate;
pub mod status;
pub mod stock;
pub mod sync;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use cetak_store::Store;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

/// What every command gets from the global flags.
pub struct Context {
    pub db: PathBuf,
    pub json: bool,
    pub actor: String,
}

pub fn actor(flag: Option<&str>) -> String {
    match flag {
        Some(a) if !a.trim().is_empty() => a.trim().to_string(),
        _ => format!(
            "operator:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        ),
    }
}

pub fn open_store(path: &Path) -> anyhow::Result<Store> {
    Store::open(path).with_context(|| format!("opening the database {}", path.display()))
}

pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header.to_vec());
    t
}

pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}")?;
    Ok(())
}

pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// The time a command that writes records: the office clock guard (never before the latest
/// recorded time; the operator is told once when the computer clock is behind it).
pub fn office_now(store: &Store) -> anyhow::Result<time::OffsetDateTime> {
    let clock = store.office_time(print::wall_now())?;
    if let Some(w) = &clock.warning {
        eprintln!("{}", print::clock_warning_text(w));
    }
    Ok(clock.now)
}

/// A time as the office reads it: WIB, to the second (`2026-11-29 14:05:09 WIB`).
pub fn office_time_text(at: time::OffsetDateTime) -> String {
    let local = at.to_offset(cetak_print::schedule::OFFICE_OFFSET);
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    format!(
        "{} WIB",
        local.format(fmt).unwrap_or_else(|_| local.to_string())
    )
}

/// Peak resident memory of this process in MiB (Linux), for benchmark output.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
