//! The office's side of the link to the centre: the outbox (audit entries the centre must
//! learn), its acknowledged position, the pull cursor, the link's health.

use rusqlite::{OptionalExtension, params};
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
    /// The audit chain hash at that position (hex): what the key stands for.
    pub hash: String,
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
    /// When the oldest event not yet acknowledged happened.
    pub oldest_unsent_at: Option<String>,
    /// The centre's history this office follows.
    pub epoch: Option<String>,
    /// Records the centre said were still waiting after the last pull.
    pub waiting_at_centre: Option<u64>,
    /// Events the centre can never store, kept aside.
    pub parked_events: u64,
    /// Records the centre will never send, kept aside.
    pub parked_records: u64,
    /// Times the centre found a second history of this office's events (restored office).
    pub forks: u64,
    /// The last time the office pushed or pulled again from the start, and why.
    pub last_rewind: Option<String>,
    /// The link's permanent fault, by kind (`token`, `version`, `refused`, `history`), if the
    /// last round stopped on one.
    pub fault: Option<String>,
}

/// Something kept aside by the link, with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct Parked {
    /// `event` or `record`.
    pub kind: String,
    /// Audit position or the centre's sequence number.
    pub item: i64,
    /// Event key or recording id.
    pub name: String,
    /// Why.
    pub reason: String,
    /// When.
    pub parked_at: String,
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
            "SELECT a.seq, a.action, a.at, a.actor, a.subject, a.reason, a.detail, r.nik, a.hash
             FROM audit_log a LEFT JOIN records r ON r.recording_id = a.subject
             WHERE a.seq > (SELECT pushed_seq FROM sync_state WHERE id = 1) AND a.action IN ({})
               AND a.seq NOT IN (SELECT item FROM sync_parked WHERE kind = 'event')
             ORDER BY a.seq LIMIT ?1",
            actions_sql()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([limit as i64], |r| {
            let action: String = r.get(1)?;
            let detail: String = r.get(6)?;
            Ok(OutboxEvent {
                seq: r.get::<_, i64>(0)? as u64,
                hash: hex(&r.get::<_, Vec<u8>>(8)?),
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

    /// The last acknowledged event as (audit position, chain hash), the anchor of the next
    /// push; none before the first acknowledgement.
    pub fn sync_push_anchor(&self) -> Result<Option<(u64, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT a.seq, a.hash FROM audit_log a
                 WHERE a.seq = (SELECT pushed_seq FROM sync_state WHERE id = 1)",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, hex(&r.get::<_, Vec<u8>>(1)?))),
            )
            .optional()?)
    }

    /// The pull cursor and the hash of the record it stands on.
    pub fn sync_pull_anchor(&self) -> Result<(i64, Option<String>)> {
        Ok(self.conn.query_row(
            "SELECT pull_after, pull_hash FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Push and/or pull again from the start (after a restore on either side; both are
    /// idempotent), remembering when and why.
    pub fn sync_rewind(
        &mut self,
        push: bool,
        pull: bool,
        why: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let note = format!("{} {why}", rfc3339(at));
        self.conn.execute(
            "UPDATE sync_state SET
               pushed_seq = CASE WHEN ?1 THEN 0 ELSE pushed_seq END,
               pull_after = CASE WHEN ?2 THEN 0 ELSE pull_after END,
               pull_hash = CASE WHEN ?2 THEN NULL ELSE pull_hash END,
               last_rewind = ?3
             WHERE id = 1",
            params![push, pull, note],
        )?;
        tracing::warn!(push, pull, why, "sync starts again from the beginning");
        Ok(())
    }

    /// Remember the centre's history id.
    pub fn sync_set_epoch(&mut self, epoch: &str) -> Result<()> {
        self.conn
            .execute("UPDATE sync_state SET epoch = ?1 WHERE id = 1", [epoch])?;
        Ok(())
    }

    /// What the centre said still waits for this office.
    pub fn sync_set_waiting(&mut self, waiting: u64) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_state SET waiting_at_centre = ?1 WHERE id = 1",
            [waiting as i64],
        )?;
        Ok(())
    }

    /// The centre found keys it already held with other content (a restored office).
    pub fn sync_add_forks(&mut self, n: u64) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_state SET forks = forks + ?1 WHERE id = 1",
            [n as i64],
        )?;
        Ok(())
    }

    /// Keep events the centre can never store aside, with its reason: (audit position, key,
    /// reason). The outbox skips them from now on.
    pub fn sync_park_events(
        &mut self,
        events: &[(u64, String, String)],
        at: OffsetDateTime,
    ) -> Result<()> {
        let at = rfc3339(at);
        let tx = self.conn.transaction()?;
        for (seq, key, reason) in events {
            tx.execute(
                "INSERT OR IGNORE INTO sync_parked (kind, item, name, reason, parked_at)
                 VALUES ('event', ?1, ?2, ?3, ?4)",
                params![*seq as i64, key, reason, at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Everything the link has kept aside, oldest first.
    pub fn sync_parked(&self) -> Result<Vec<Parked>> {
        let mut stmt = self.conn.prepare(
            "SELECT kind, item, name, reason, parked_at FROM sync_parked ORDER BY parked_at, kind, item",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Parked {
                kind: r.get(0)?,
                item: r.get(1)?,
                name: r.get(2)?,
                reason: r.get(3)?,
                parked_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Record the outcome of a sync round for the dashboard; `fault` names a permanent fault.
    pub fn sync_round(
        &mut self,
        error: Option<&str>,
        fault: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<()> {
        let at = rfc3339(at);
        match error {
            None => self.conn.execute(
                "UPDATE sync_state SET last_ok = ?1, last_error = NULL, failures = 0, down_since = NULL, fault = NULL WHERE id = 1",
                [&at],
            )?,
            Some(e) => self.conn.execute(
                "UPDATE sync_state SET last_error = ?1, failures = failures + 1,
                   down_since = coalesce(down_since, ?2), fault = ?3 WHERE id = 1",
                params![e, at, fault],
            )?,
        };
        Ok(())
    }

    /// Where the link stands.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        #[allow(clippy::type_complexity)]
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
        #[allow(clippy::type_complexity)]
        let (epoch, waiting, forks, last_rewind, fault): (
            Option<String>,
            Option<i64>,
            i64,
            Option<String>,
            Option<String>,
        ) = self.conn.query_row(
            "SELECT epoch, waiting_at_centre, forks, last_rewind, fault FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let (depth, oldest): (i64, Option<String>) = self.conn.query_row(
            &format!(
                "SELECT count(*), min(at) FROM audit_log WHERE seq > ?1 AND action IN ({})
                   AND seq NOT IN (SELECT item FROM sync_parked WHERE kind = 'event')",
                actions_sql()
            ),
            [pushed],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let count = |kind: &str| -> Result<u64> {
            Ok(self.conn.query_row(
                "SELECT count(*) FROM sync_parked WHERE kind = ?1",
                [kind],
                |r| r.get::<_, i64>(0),
            )? as u64)
        };
        Ok(SyncStatus {
            pushed_seq: pushed as u64,
            outbox_depth: depth as u64,
            pull_after,
            last_ok,
            last_error,
            failures,
            down_since,
            oldest_unsent_at: oldest,
            epoch,
            waiting_at_centre: waiting.map(|w| w as u64),
            parked_events: count("event")?,
            parked_records: count("record")?,
            forks: forks as u64,
            last_rewind,
            fault,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn epoch_seconds(t: &Option<String>) -> Option<i64> {
    t.as_deref()
        .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
        .map(|t| t.unix_timestamp())
}

impl Store {
    /// The link as the operator should see it at `now` (`cetak status` and the dashboard).
    pub fn link_view(&self, now: OffsetDateTime) -> Result<cetak_sync::view::LinkView> {
        let s = self.sync_status()?;
        Ok(cetak_sync::view::link_view(&cetak_sync::view::LinkFacts {
            now: now.unix_timestamp(),
            last_ok: epoch_seconds(&s.last_ok),
            down_since: epoch_seconds(&s.down_since),
            failures: s.failures,
            fault: s.fault.clone(),
            outbox_depth: s.outbox_depth,
            oldest_unsent: epoch_seconds(&s.oldest_unsent_at),
            waiting_at_centre: s.waiting_at_centre,
            parked: (s.parked_events, s.parked_records),
            forks: s.forks,
        }))
    }
}
