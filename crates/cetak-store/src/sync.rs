//! The office's side of the link to the centre: the outbox (audit entries the centre must
//! learn), its acknowledged position, the pull cursor, the link's health.

use rusqlite::params;
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Result, Store, rfc3339};

/// Audit actions the centre must learn, and the event kind each becomes.
pub const OUTBOX_ACTIONS: &[(&str, &str)] = &[
    ("attempt_completed", "printed"),
    ("attempt_good", "printed"),
    ("attempt_spoiled", "spoiled"),
    ("hand_over", "issued"),
    ("card_revoke", "revoked"),
    ("decide_same_person", "duplicate_decision"),
    ("decide_different_people", "duplicate_decision"),
    ("overrule_automatic_link", "duplicate_decision"),
    ("mark_duplicate", "duplicate"),
    ("stock_receive", "stock"),
    ("stock_blank", "stock"),
];

/// One event the office owes the centre.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEvent {
    /// Audit position (the idempotency key is derived from it).
    pub seq: u64,
    /// Event kind (see [`OUTBOX_ACTIONS`]).
    pub kind: String,
    /// When.
    pub at: String,
    /// The audit entry's facts, plus the record's NIK when the subject is a record.
    pub body: serde_json::Value,
}

/// Where the link stands.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// Audit position the centre has acknowledged.
    pub pushed_seq: u64,
    /// Events still to push.
    pub outbox_depth: u64,
    /// Last record sequence pulled.
    pub pull_after: i64,
    /// Last successful round.
    pub last_ok: Option<String>,
    /// Last error.
    pub last_error: Option<String>,
    /// Failed rounds in a row.
    pub failures: u32,
    /// Down since (first failure of the current run of failures).
    pub down_since: Option<String>,
}

fn actions_sql() -> String {
    OUTBOX_ACTIONS
        .iter()
        .map(|(a, _)| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// Events after the acknowledged position, oldest first, at most `limit`.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxEvent>> {
        let sql = format!(
            "SELECT a.seq, a.action, a.at, a.actor, a.subject, a.reason, a.detail, r.nik
             FROM audit_log a LEFT JOIN records r ON r.recording_id = a.subject
             WHERE a.seq > (SELECT pushed_seq FROM sync_state WHERE id = 1) AND a.action IN ({})
             ORDER BY a.seq LIMIT ?1",
            actions_sql()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([limit as i64], |r| {
            let action: String = r.get(1)?;
            let detail: String = r.get(6)?;
            Ok(OutboxEvent {
                seq: r.get::<_, i64>(0)? as u64,
                kind: OUTBOX_ACTIONS
                    .iter()
                    .find(|(a, _)| *a == action)
                    .map(|(_, k)| k.to_string())
                    .unwrap_or(action.clone()),
                at: r.get(2)?,
                body: serde_json::json!({
                    "action": action,
                    "actor": r.get::<_, String>(3)?,
                    "subject": r.get::<_, String>(4)?,
                    "reason": r.get::<_, String>(5)?,
                    "detail": serde_json::from_str::<serde_json::Value>(&detail).unwrap_or(serde_json::Value::String(detail)),
                    "nik": r.get::<_, Option<String>>(7)?,
                }),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Record that the centre holds every event up to audit position `seq`.
    pub fn sync_acknowledge(&mut self, seq: u64) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_state SET pushed_seq = max(pushed_seq, ?1) WHERE id = 1",
            [seq as i64],
        )?;
        Ok(())
    }

    /// Record the outcome of a sync round for the dashboard.
    pub fn sync_round(&mut self, error: Option<&str>, at: OffsetDateTime) -> Result<()> {
        let at = rfc3339(at);
        match error {
            None => self.conn.execute(
                "UPDATE sync_state SET last_ok = ?1, last_error = NULL, failures = 0, down_since = NULL WHERE id = 1",
                [&at],
            )?,
            Some(e) => self.conn.execute(
                "UPDATE sync_state SET last_error = ?1, failures = failures + 1,
                   down_since = coalesce(down_since, ?2) WHERE id = 1",
                params![e, at],
            )?,
        };
        Ok(())
    }

    /// Where the link stands.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let (pushed, pull_after, last_ok, last_error, failures, down_since): (
            i64,
            i64,
            Option<String>,
            Option<String>,
            u32,
            Option<String>,
        ) = self.conn.query_row(
            "SELECT pushed_seq, pull_after, last_ok, last_error, failures, down_since FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
        let depth: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM audit_log WHERE seq > ?1 AND action IN ({})",
                actions_sql()
            ),
            [pushed],
            |r| r.get(0),
        )?;
        Ok(SyncStatus {
            pushed_seq: pushed as u64,
            outbox_depth: depth as u64,
            pull_after,
            last_ok,
            last_error,
            failures,
            down_since,
        })
    }
}
