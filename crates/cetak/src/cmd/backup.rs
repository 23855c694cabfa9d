//! `cetak backup --to DIR` and `cetak restore FILE`: a daily copy to removable media that the
//! office can put back, after which ordinary `cetak sync` rounds bring the office and the
//! centre back to one history (the protocol notices the older history and re-sends).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args as ClapArgs;

use super::{Context, open_store, print_json};
use crate::text::t;

#[derive(Debug, ClapArgs)]
pub struct BackupArgs {
    /// Folder for the backup (e.g. a USB disk); made if missing.
    #[arg(long)]
    to: PathBuf,
    /// Backups to keep in that folder (the oldest beyond this are removed).
    #[arg(long, default_value_t = 7)]
    keep: usize,
}

#[derive(Debug, ClapArgs)]
pub struct RestoreArgs {
    /// The backup file (from `cetak backup`).
    from: PathBuf,
}

const PREFIX: &str = "cetak-backup-";

/// The lock `cetak serve` holds on its database while it runs (`<db>.serve-lock`).
pub fn server_lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".serve-lock");
    PathBuf::from(p)
}

/// Taken by `cetak serve` for as long as it runs: `cetak restore` refuses while it is held.
pub fn hold_server_lock(db: &Path) -> anyhow::Result<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(server_lock_path(db))
        .with_context(|| format!("{}", server_lock_path(db).display()))?;
    if f.try_lock().is_err() {
        bail!(
            "{}",
            t(
                "server lain sudah memakai basis data ini",
                "another server already uses this database"
            )
        );
    }
    Ok(f)
}

pub fn run_backup(ctx: &Context, a: BackupArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&ctx.db)?;
    let (report, removed) = write_backup(&store, &a.to, a.keep)?;
    if ctx.json {
        print_json(&serde_json::json!({
            "path": report.path,
            "bytes": report.bytes,
            "audit_entries": report.entries,
            "audit_head": report.head,
            "removed": removed,
        }))?;
    } else {
        outln!("{}", report.path.display())?;
        outln!(
            "{}: {} {}, {} {}",
            t("Cadangan diperiksa", "Backup verified"),
            report.entries,
            t("entri audit utuh", "audit entries intact"),
            removed.len(),
            t("cadangan lama dihapus", "old backups removed")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One verified backup of `store` into the folder `to`, keeping the newest `keep` there; the
/// report and the old backups removed (`cetak backup` and the demo).
pub fn write_backup(
    store: &cetak_store::Store,
    to: &Path,
    keep: usize,
) -> anyhow::Result<(cetak_store::BackupReport, Vec<String>)> {
    std::fs::create_dir_all(to).with_context(|| to.display().to_string())?;
    let now = super::office_now(store)?;
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let mut dest = to.join(format!("{PREFIX}{stamp}.db"));
    let mut n = 1;
    while dest.exists() {
        dest = to.join(format!("{PREFIX}{stamp}-{n}.db"));
        n += 1;
    }
    let report = store.backup_to(&dest)?;
    // Rotation: the newest `keep` stay (names sort by time).
    let mut old: Vec<PathBuf> = std::fs::read_dir(to)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(".db"))
        })
        .collect();
    old.sort();
    let excess = old.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for p in old.into_iter().take(excess) {
        if p != dest {
            std::fs::remove_file(&p)?;
            removed.push(p.display().to_string());
        }
    }
    Ok((report, removed))
}

pub fn run_restore(ctx: &Context, a: RestoreArgs) -> anyhow::Result<ExitCode> {
    // Nobody may have the database open for writing: a running server would go on writing
    // into the replaced file.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(server_lock_path(&ctx.db))
        .with_context(|| server_lock_path(&ctx.db).display().to_string())?;
    if lock.try_lock().is_err() {
        bail!(
            "{}",
            t(
                "`cetak serve` sedang memakai basis data ini: hentikan dulu, lalu pulihkan",
                "`cetak serve` is using this database: stop it first, then restore"
            )
        );
    }
    let now = super::print::wall_now();
    let (report, kept) = cetak_store::restore_backup(&a.from, &ctx.db, &ctx.actor, now)
        .with_context(|| {
            format!(
                "{} {}",
                t("memulihkan dari", "restoring from"),
                a.from.display()
            )
        })?;
    drop(lock);
    if ctx.json {
        print_json(&serde_json::json!({
            "restored": ctx.db,
            "from": a.from,
            "audit_entries": report.entries,
            "audit_head": report.head,
            "replaced_kept_at": kept,
        }))?;
    } else {
        outln!(
            "{} {} ({} {})",
            t("Dipulihkan dari", "Restored from"),
            a.from.display(),
            report.entries,
            t("entri audit utuh", "audit entries intact")
        )?;
        if let Some(k) = kept {
            outln!(
                "{}: {}",
                t(
                    "Basis data yang diganti disimpan di",
                    "The replaced database is kept at"
                ),
                k.display()
            )?;
        }
        outln!(
            "{}",
            t(
                "Jalankan `cetak sync`: pusat dan kantor kembali ke satu riwayat dengan sendirinya",
                "Run `cetak sync`: the centre and the office come back to one history by themselves"
            )
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
