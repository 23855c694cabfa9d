//! Backups an office can live with: an online, consistent copy of the live database
//! (`VACUUM INTO` reads one snapshot while the office keeps working), verified by reopening it
//! and checking its integrity and the whole audit chain; and putting one back in place.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, AuditEntry};
use crate::{Result, Store, StoreError, rfc3339};

/// A verified backup.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Audit entries it holds (all verified).
    pub entries: u64,
    /// Its audit head (hex): the last entry it holds.
    pub head: String,
}

/// Check a backup file without changing it: SQLite's integrity check, then the audit chain.
pub fn verify_backup(path: &Path) -> Result<BackupReport> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(StoreError::Corrupt(format!(
            "{}: integrity check failed: {ok}",
            path.display()
        )));
    }
    let report = audit::verify_conn(&conn, None)?.map_err(|brk| {
        StoreError::Corrupt(format!("{}: audit chain broken: {brk}", path.display()))
    })?;
    Ok(BackupReport {
        path: path.to_path_buf(),
        bytes: std::fs::metadata(path)?.len(),
        entries: report.entries,
        head: report.head,
    })
}

impl Store {
    /// Write a consistent copy of this database to `dest` (which must not exist yet: the copy
    /// goes to `dest.partial` and is renamed once verified), and verify it.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupReport> {
        if dest.exists() {
            return Err(StoreError::Conflict(format!(
                "{} sudah ada / {} already exists",
                dest.display(),
                dest.display()
            )));
        }
        let mut partial = dest.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let _ = std::fs::remove_file(&partial);
        let target = partial
            .to_str()
            .ok_or_else(|| StoreError::Refused("backup path is not UTF-8".into()))?;
        self.conn.execute("VACUUM INTO ?1", [target])?;
        let verified = verify_backup(&partial).inspect_err(|_| {
            let _ = std::fs::remove_file(&partial);
        })?;
        std::fs::File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, dest)?;
        if let Some(dir) = dest.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(BackupReport {
            path: dest.to_path_buf(),
            ..verified
        })
    }
}

/// Put the verified backup `from` in place of the database at `db`. The database being
/// replaced is kept beside it (`<db>.before-restore-<time>`), never deleted; the restored
/// database records the restore in its audit log. The caller makes sure no one else has the
/// database open (see `cetak restore`).
pub fn restore_backup(
    from: &Path,
    db: &Path,
    actor: &str,
    at: OffsetDateTime,
) -> Result<(BackupReport, Option<PathBuf>)> {
    let report = verify_backup(from)?;
    let stamp = rfc3339(at).replace([':', '-'], "");
    let mut kept = None;
    if db.exists() {
        // Fold the write-ahead log into the file first: what it holds is part of the database.
        let conn = Connection::open(db)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        drop(conn);
        let mut old = db.as_os_str().to_owned();
        old.push(format!(".before-restore-{stamp}"));
        let old = PathBuf::from(old);
        std::fs::rename(db, &old)?;
        kept = Some(old);
    }
    for ext in ["-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    let mut tmp = db.as_os_str().to_owned();
    tmp.push(".restoring");
    let tmp = PathBuf::from(tmp);
    std::fs::copy(from, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, db)?;
    let mut store = Store::open(db)?;
    let tx = store.conn.transaction()?;
    audit::append(
        &tx,
        &AuditEntry {
            seq: 0,
            at: rfc3339(at),
            actor: actor.to_string(),
            action: "restore_backup".into(),
            subject: from.display().to_string(),
            reason: "database restored from a backup".into(),
            detail: serde_json::json!({
                "backup_head": report.head,
                "entries": report.entries,
                "replaced": kept.as_ref().map(|p| p.display().to_string()),
            })
            .to_string(),
        },
    )?;
    tx.commit()?;
    Ok((report, kept))
}
