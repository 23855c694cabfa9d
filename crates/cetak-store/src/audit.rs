//! The audit log table: append inside the caller's transaction, verify the whole chain.

use cetak_domain::audit::{ChainBreak, ChainVerifier, EntryContent, GENESIS, entry_hash};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// An entry to append.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Position (filled in on append).
    pub seq: u64,
    /// RFC 3339 time.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What kind of change.
    pub action: String,
    /// What it changed.
    pub subject: String,
    /// Why.
    pub reason: String,
    /// JSON details.
    pub detail: String,
}

/// The outcome of a full verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: u64,
    /// Hash of the newest entry, hex.
    pub head: String,
}

/// The next free position and the hash it must follow.
pub(crate) fn tail(tx: &Transaction<'_>) -> Result<(u64, [u8; 32])> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match last {
        None => Ok((1, GENESIS)),
        Some((seq, hash)) => Ok((seq as u64 + 1, to_hash(&hash, seq as u64)?)),
    }
}

fn to_hash(bytes: &[u8], seq: u64) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("audit entry {seq} has a malformed hash")))
}

/// The chain's end inside one transaction: appending many entries reads the tail once.
pub(crate) struct Chain {
    next: u64,
    prev: [u8; 32],
}

impl Chain {
    /// Read the tail (the writer holds the transaction, so it cannot move under us).
    pub(crate) fn load(tx: &Transaction<'_>) -> Result<Chain> {
        let (next, prev) = tail(tx)?;
        Ok(Chain { next, prev })
    }

    /// The position the next entry will take.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next
    }

    /// Append an entry; returns its position.
    pub(crate) fn append(&mut self, tx: &Transaction<'_>, entry: &AuditEntry) -> Result<u64> {
        let seq = self.next;
        let content = EntryContent {
            seq,
            at: &entry.at,
            actor: &entry.actor,
            action: &entry.action,
            subject: &entry.subject,
            reason: &entry.reason,
            detail: &entry.detail,
        };
        if let Some((field, c)) = content.control_character() {
            return Err(StoreError::Refused(format!(
                "{field} berisi karakter kendali U+{:04X}; ketik ulang tanpa itu / {field} holds the control character U+{:04X}; type it again without",
                c as u32, c as u32
            )));
        }
        let hash = entry_hash(&self.prev, &content);
        tx.prepare_cached(
            "INSERT INTO audit_log (seq, at, actor, action, subject, reason, detail, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            seq as i64,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.reason,
            entry.detail,
            &self.prev[..],
            &hash[..]
        ])?;
        self.next += 1;
        self.prev = hash;
        Ok(seq)
    }
}

/// An entry for an act at `at` by `actor` on `subject`, appended in the caller's transaction;
/// returns its position.
pub(crate) fn record(
    tx: &Transaction<'_>,
    at: time::OffsetDateTime,
    actor: &cetak_domain::lifecycle::Actor,
    action: &str,
    subject: &str,
    reason: &str,
    detail: serde_json::Value,
) -> Result<u64> {
    append(
        tx,
        &AuditEntry {
            seq: 0,
            at: crate::rfc3339(at),
            actor: actor.0.clone(),
            action: action.to_string(),
            subject: subject.to_string(),
            reason: reason.to_string(),
            detail: detail.to_string(),
        },
    )
}

/// Append one entry in the caller's transaction; returns its position.
pub(crate) fn append(tx: &Transaction<'_>, entry: &AuditEntry) -> Result<u64> {
    Chain::load(tx)?.append(tx, entry)
}

impl Store {
    /// Check every link of the chain; `expect_head` (hex) also catches a cut-off tail.
    pub fn audit_verify(
        &self,
        expect_head: Option<&str>,
    ) -> Result<Result<VerifyReport, ChainBreak>> {
        verify_conn(&self.conn, expect_head)
    }

    /// The newest entry's position and hash (hex), to be written into the monthly report.
    pub fn audit_head(&self) -> Result<(u64, String)> {
        let last: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(last
            .map(|(s, h)| (s as u64, hex::encode(h)))
            .unwrap_or((0, hex::encode(GENESIS))))
    }

    /// One page of the log, newest first: `limit` entries after skipping the `offset` newest
    /// (the audit page shows the log a page at a time; [`Store::audit_head`] gives the count).
    pub fn audit_page(&self, offset: u64, limit: u32) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, actor, action, subject, reason, detail FROM audit_log
             ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
        )?;
        let rows = stmt.query_map(params![limit, offset as i64], |r| {
            Ok(AuditEntry {
                seq: r.get::<_, i64>(0)? as u64,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                reason: r.get(5)?,
                detail: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest entries, newest first; `subject` filters to one record or file.
    pub fn audit_list(&self, subject: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, actor, action, subject, reason, detail FROM audit_log
             WHERE ?1 IS NULL OR subject = ?1 ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![subject, limit], |r| {
            Ok(AuditEntry {
                seq: r.get::<_, i64>(0)? as u64,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                reason: r.get(5)?,
                detail: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Check every link of the chain on any connection to a cetak database (a backup too).
pub(crate) fn verify_conn(
    conn: &rusqlite::Connection,
    expect_head: Option<&str>,
) -> Result<Result<VerifyReport, ChainBreak>> {
    let mut stmt = conn
        .prepare("SELECT seq, at, actor, action, subject, reason, detail, prev_hash, hash FROM audit_log ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut v = ChainVerifier::default();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let (at, actor, action, subject, reason, detail): (
            String,
            String,
            String,
            String,
            String,
            String,
        ) = (
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        );
        let prev: Vec<u8> = r.get(7)?;
        let hash: Vec<u8> = r.get(8)?;
        let content = EntryContent {
            seq: seq as u64,
            at: &at,
            actor: &actor,
            action: &action,
            subject: &subject,
            reason: &reason,
            detail: &detail,
        };
        // A hash of the wrong length is tampering too: it cannot match.
        let prev = prev.as_slice().try_into().unwrap_or([0xff; 32]);
        let hash = hash.as_slice().try_into().unwrap_or([0xff; 32]);
        if let Err(brk) = v.check(&content, &prev, &hash) {
            return Ok(Err(brk));
        }
    }
    let head = hex::encode(v.head());
    if let Some(expected) = expect_head
        && !expected.eq_ignore_ascii_case(&head)
    {
        return Ok(Err(ChainBreak::HeadMismatch {
            last_seq: v.checked(),
        }));
    }
    Ok(Ok(VerifyReport {
        entries: v.checked(),
        head,
    }))
}
