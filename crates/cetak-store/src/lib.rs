//! The office's embedded store: one SQLite file (WAL, `synchronous=FULL`).
//!
//! This is the only crate that touches SQLite. It keeps the registry of records, the quarantine
//! of rejected rows and the audit log, and it writes every state change together with its audit
//! entry in one transaction, so that a power cut leaves either both or neither.
#![deny(missing_docs)]

mod audit;
mod backup;
mod clock;
mod correct;
mod dedup;
mod import;
mod media;
mod migrate;
#[doc(hidden)]
pub use migrate::create_at_version;
mod print;
mod registry;
mod sync;
mod users;

use std::path::Path;

use rusqlite::Connection;
use thiserror::Error;

pub use audit::{AuditEntry, VerifyReport};
pub use backup::{BackupReport, restore_backup, verify_backup};
pub use cetak_sync::view::{LinkView, Words};
pub use clock::OfficeClock;
pub use correct::{
    CorrectionItem, CorrectionOutcome, CorrectionRow, CorrectionView, OriginalRow, ProblemRow,
    ReadmitReport,
};
pub use dedup::{DedupSummary, PairGroup, PairView, Stored};
pub use import::{BatchOutcome, ImportRow, ImportTx, QuarantinedRow};
pub use media::{AttachOutcome, EraseOutcome, MediaInfo};
pub use print::{
    AttemptRow, CardFieldsRow, ChipEncoding, Claim, ClaimRefusal, LEASE_STALE, Lease, LeaseHolder,
    MonthlyReport, PrinterRow, SpoilOutcome, StockReceipt, encoder_reader,
};
pub use registry::{RecordStatus, StateCount};
pub use sync::{OUTBOX_ACTIONS, OutboxEvent, Parked, SyncStatus};
pub use users::{SessionRow, UserRow, valid_user_name};

/// Who changes the books, when, and why: what every audited change carries, in one argument
/// (three loose ones came in three different orders, and two `&str` can swap unseen).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// Who: `user:<name>`, `system:<part>`.
    pub actor: &'a cetak_domain::lifecycle::Actor,
    /// When, on the office's clock.
    pub at: time::OffsetDateTime,
    /// Why, as the audit entry keeps it.
    pub reason: &'a str,
}

impl<'a> Change<'a> {
    /// A change by `actor` at `at` for `reason`.
    pub fn new(
        actor: &'a cetak_domain::lifecycle::Actor,
        at: time::OffsetDateTime,
        reason: &'a str,
    ) -> Change<'a> {
        Change { actor, at, reason }
    }
}

/// What can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer cetak.
    #[error(
        "the database is at schema version {found}, newer than this cetak knows ({known}); upgrade cetak"
    )]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A record that is not there.
    #[error("no record with recording_id {0}")]
    NoSuchRecord(String),
    /// The lifecycle refused the event.
    #[error(transparent)]
    Transition(#[from] cetak_domain::lifecycle::TransitionError),
    /// Writing the data out failed (a full disk, a closed pipe): the stored data is fine.
    #[error("writing the output failed")]
    Output(#[source] std::io::Error),
    /// A file beside the database (a backup, a restore) could not be read or written.
    #[error("file: {0}")]
    File(#[from] std::io::Error),
    /// Stored data that cannot be read back (edited by hand?).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A request whose input the office's rules refuse (an empty reason, a malformed month,
    /// an overlapping stock batch, …): correct the input. Carries "id / en".
    #[error("{0}")]
    Refused(String),
    /// A request the current state does not allow (the card was handed over, the printer is
    /// working, already recorded, …): the same input may succeed later. Carries "id / en".
    #[error("{0}")]
    Conflict(String),
    /// What the request names does not exist (a printer, an attempt, a user, a blank's card).
    /// Carries "id / en".
    #[error("{0}")]
    NotFound(String),
    /// A blank-stock event its serial's state does not allow.
    #[error(transparent)]
    Blank(#[from] cetak_print::stock::IllegalBlankEvent),
    /// A spool event its attempt's state does not allow.
    #[error(transparent)]
    Attempt(#[from] cetak_print::spool::IllegalAttemptEvent),
}

/// What kind of trouble SQLite reported, for words a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseFault {
    /// The file is not an SQLite database (or its header is damaged).
    NotADatabase,
    /// The database file is damaged.
    Damaged,
    /// Another process holds the database (a running `cetak serve` or print run).
    Busy,
    /// The file or its folder cannot be written.
    ReadOnly,
    /// The disk is full.
    DiskFull,
    /// The file cannot be opened (missing folder, no permission).
    CannotOpen,
}

impl StoreError {
    /// SQLite's trouble, when this is SQLite's error.
    pub fn database_fault(&self) -> Option<DatabaseFault> {
        let StoreError::Sqlite(e) = self else {
            return None;
        };
        Some(match e.sqlite_error_code()? {
            rusqlite::ErrorCode::NotADatabase => DatabaseFault::NotADatabase,
            rusqlite::ErrorCode::DatabaseCorrupt => DatabaseFault::Damaged,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                DatabaseFault::Busy
            }
            rusqlite::ErrorCode::ReadOnly => DatabaseFault::ReadOnly,
            rusqlite::ErrorCode::DiskFull => DatabaseFault::DiskFull,
            rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied => {
                DatabaseFault::CannotOpen
            }
            _ => return None,
        })
    }
}

/// Indexes that a bulk load may drop and rebuild; every open makes sure they exist.
/// (A state index waits for the print queue, which will know the order it needs; counting by
/// state scans the table.)
const SECONDARY_INDEXES: &str = "CREATE INDEX IF NOT EXISTS records_nik ON record_fields (nik);";

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open office database.
pub struct Store {
    conn: Connection,
    path: Option<std::path::PathBuf>,
}

/// A second connection to the same file that moves committed WAL pages into the database
/// file, so that a long import's writer thread does not stop to checkpoint.
pub struct Checkpointer {
    conn: Connection,
}

impl Checkpointer {
    /// Copy what it can without waiting for the writer (SQLite's PASSIVE checkpoint).
    pub fn passive(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }
}

impl Store {
    /// Open (or create) the database and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        let mut store = Self::configure(conn)?;
        store.path = Some(path.to_path_buf());
        Ok(store)
    }

    /// A [`Checkpointer`] for this file (`None` for an in-memory store). While one runs, call
    /// [`Store::set_auto_checkpoint`]`(false)` so the writer leaves checkpoints to it.
    pub fn checkpointer(&self) -> Result<Option<Checkpointer>> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(Some(Checkpointer { conn }))
    }

    /// Whether commits on this connection checkpoint the WAL themselves (SQLite's default,
    /// every 1000 pages).
    pub fn set_auto_checkpoint(&self, on: bool) -> Result<()> {
        self.conn
            .pragma_update(None, "wal_autocheckpoint", if on { 1000 } else { 0 })?;
        Ok(())
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL keeps readers (the office pages) off the writer's back; FULL sync makes a
        // committed transaction survive a power cut.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted content is overwritten, never left in free pages or page gaps: an erased
        // photo or template (UU PDP) must not survive in the file. The office deletes rarely,
        // so the extra writes cost nothing measurable.
        conn.pragma_update(None, "secure_delete", true)?;
        // 64 MiB of page cache: a million-row registry's indexes stay in memory during import.
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Let SQLite's sorter use a helper thread when it builds an index.
        conn.pragma_update(None, "threads", 2)?;
        let mut store = Store { conn, path: None };
        migrate::migrate(&mut store.conn)?;
        // A bulk load killed before it rebuilt its indexes leaves them missing: rebuild here.
        store.conn.execute_batch(SECONDARY_INDEXES)?;
        Ok(store)
    }

    /// Prepare a large import into an empty registry: drop the secondary indexes, which are
    /// rebuilt in one sorted pass by [`Store::end_bulk_load`] (or by the next `open` after a
    /// crash) — several times faster than updating a random-order NIK index row by row.
    /// Returns `false`, changing nothing, when the registry already holds records.
    pub fn begin_bulk_load(&mut self) -> Result<bool> {
        let empty: bool =
            self.conn
                .query_row("SELECT NOT EXISTS (SELECT 1 FROM records)", [], |r| {
                    r.get(0)
                })?;
        if empty {
            self.conn
                .execute_batch("DROP INDEX IF EXISTS records_nik;")?;
        }
        Ok(empty)
    }

    /// Rebuild the indexes dropped by [`Store::begin_bulk_load`].
    pub fn end_bulk_load(&mut self) -> Result<()> {
        self.conn.execute_batch(SECONDARY_INDEXES)?;
        Ok(())
    }

    /// Schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Direct access for tests that tamper with the file on purpose.
    #[doc(hidden)]
    pub fn raw_connection(&self) -> &Connection {
        &self.conn
    }
}

/// Every act a person records needs a reason (promise 5): refuse an empty one before anything
/// is written.
pub(crate) fn require_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(StoreError::Transition(
            cetak_domain::lifecycle::TransitionError::NoReason,
        ));
    }
    Ok(())
}

pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
