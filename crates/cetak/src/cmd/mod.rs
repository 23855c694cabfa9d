//! One module per subcommand; shared context and helpers here.

pub mod audit;
pub mod backup;
pub mod card;
#[cfg(feature = "central")]
pub mod central;
pub mod chip;
pub mod clock;
pub mod correct;
pub mod dedup;
pub mod demo;
pub mod demo_chip;
pub mod finger;
pub mod gen_cmd;
pub mod import;
pub mod media;
pub mod print;
pub mod quarantine;
pub mod serve;
pub mod simulate;
pub mod status;
pub mod stock;
pub mod sync;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use cetak_domain::lifecycle::RecordState;
use cetak_store::Store;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::text::t;

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
    Store::open(path).with_context(|| {
        format!(
            "{} {}",
            t("membuka basis data", "opening the database"),
            path.display()
        )
    })
}

/// A record state as the office says it (the stored code stays in `--json`); the words are
/// the pages' words (`cetak-words`).
pub fn state_word(state: RecordState) -> &'static str {
    let (id, en) = cetak_words::record_state(state);
    t(id, en)
}

/// A role as the office says it (`supervisor` is a penyelia), from the pages' catalogue.
pub fn role_word(role: cetak_domain::access::Role) -> &'static str {
    match cetak_words::label(role.as_str()) {
        Some((id, en)) => t(id, en),
        None => role.as_str(),
    }
}

/// A printer's readiness code (`cooling`, `capacity_spent`, …) as the office says it.
pub fn readiness_word(code: &str) -> &str {
    match cetak_words::label(code) {
        Some((id, en)) => t(id, en),
        None => code,
    }
}

/// What a quarantine or problem reason code means, in the interface's language (`None`: an
/// unknown code); the words are the pages' (`cetak-words`).
pub fn reason_word(code: &str) -> Option<&'static str> {
    cetak_words::problem(code).map(|(id, en)| t(id, en))
}

pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header.to_vec());
    t
}

pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}")?;
    Ok(())
}

/// What `outln!` writes: standard output, with its error returned rather than a panic, so
/// that a closed pipe (`cetak … | head`) ends the command quietly (`main` maps it to exit 0).
pub fn out_fmt(args: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    std::io::stdout().lock().write_fmt(args)
}

/// A file written under a temporary name in the same folder and renamed into place by
/// [`AtomicFile::commit`]: a refused or killed run leaves the old file as it was (dropped
/// without a commit, the temporary file is removed).
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Start writing `dest` (its folder must exist).
    pub fn create(dest: &Path) -> anyhow::Result<AtomicFile> {
        let name = dest.file_name().with_context(|| {
            format!(
                "{} {}",
                t("bukan nama berkas:", "not a file name:"),
                dest.display()
            )
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = dest.with_file_name(tmp_name);
        let file = File::create(&tmp).with_context(|| {
            format!(
                "{} {}",
                t("tidak dapat membuat", "cannot create"),
                tmp.display()
            )
        })?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            tmp,
            file: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// Where the bytes go until the commit.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.file
            .as_mut()
            .expect("an AtomicFile is only written before its commit")
    }

    /// Flush, sync and rename into place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let Some(w) = self.file.take() else {
            return Ok(());
        };
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.dest).with_context(|| {
            format!(
                "{} {}",
                t("tidak dapat menulis", "cannot write"),
                self.dest.display()
            )
        })?;
        // The rename itself survives a power cut once the folder is synced.
        if let Some(dir) = self.dest.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Write `bytes` to `dest` atomically (see [`AtomicFile`]).
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.writer().write_all(bytes)?;
    f.commit()
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
