//! The registry: record states, transitions with their audit entries, lookups.

use crate::Change;
use cetak_domain::lifecycle::{Actor, Event, RecordState, Transition, transition};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, AuditEntry};
use crate::{Result, Store, StoreError, rfc3339};

/// Where one recording of a resident stands.
#[derive(Debug, Clone, Serialize)]
pub struct RecordStatus {
    /// The enrollment's id.
    pub recording_id: String,
    /// Resident number.
    pub nik: String,
    /// Name as printed.
    pub nama: String,
    /// Kecamatan of the address.
    pub kecamatan: String,
    /// Lifecycle state.
    pub state: RecordState,
    /// The surviving recording, when this one is a duplicate.
    pub duplicate_of: Option<String>,
    /// When recorded.
    pub recorded_at: String,
    /// When the state last changed.
    pub state_changed_at: String,
}

/// Records per state.
#[derive(Debug, Clone, Serialize)]
pub struct StateCount {
    /// State.
    pub state: RecordState,
    /// How many records are in it.
    pub count: u64,
}

fn parse_state(s: &str) -> Result<RecordState> {
    RecordState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown record state {s:?}")))
}

/// A record's current state (a transaction derefs to its connection).
fn state_of(conn: &rusqlite::Connection, recording_id: &str) -> Result<RecordState> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM records WHERE recording_id = ?1")?
        .query_row([recording_id], |r| r.get(0))
        .optional()?;
    parse_state(&state.ok_or_else(|| StoreError::NoSuchRecord(recording_id.to_string()))?)
}

/// A record's state inside the caller's transaction.
pub(crate) fn state_of_conn(
    conn: &rusqlite::Connection,
    recording_id: &str,
) -> Result<RecordState> {
    state_of(conn, recording_id)
}

/// Apply one event inside the caller's transaction and audit it.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    recording_id: &str,
    event: Event,
    actor: &Actor,
    at: OffsetDateTime,
    reason: &str,
) -> Result<Transition> {
    let from = state_of(tx, recording_id)?;
    apply_from(
        tx,
        &mut audit::Chain::load(tx)?,
        Target {
            recording_id,
            row: None,
        },
        from,
        event,
        actor,
        at,
        reason,
    )
}

/// Which record a transition is for: its id, and its row when the caller knows it (an
/// update by row skips the text-index search, which matters for a million of them).
pub(crate) struct Target<'a> {
    pub recording_id: &'a str,
    pub row: Option<i64>,
}

/// [`apply`] for a caller that already holds the record's state and the chain's end (bulk
/// changes such as a dedup run).
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_from(
    tx: &Transaction<'_>,
    chain: &mut audit::Chain,
    target: Target<'_>,
    from: RecordState,
    event: Event,
    actor: &Actor,
    at: OffsetDateTime,
    reason: &str,
) -> Result<Transition> {
    let recording_id = target.recording_id;
    let t = transition(recording_id, from, event, actor.clone(), at, reason)?;
    let at_s = rfc3339(at);
    let duplicate_of = match &t.event {
        Event::MarkDuplicate { survivor } => Some(survivor.as_str()),
        _ => None,
    };
    // A record with an open problem in a printed field never becomes unique or queued: the
    // guard is in the one statement that moves states, whoever asks.
    let sql = match target.row {
        Some(_) => {
            "UPDATE record_states SET state = ?2, state_changed_at = ?3,
               duplicate_of = CASE WHEN ?2 = 'duplicate' THEN ?4 WHEN ?2 = 'cancelled' THEN duplicate_of ELSE NULL END
             WHERE id = ?1 AND NOT (blocked AND ?2 IN ('unique', 'queued'))"
        }
        None => {
            "UPDATE record_states SET state = ?2, state_changed_at = ?3,
               duplicate_of = CASE WHEN ?2 = 'duplicate' THEN ?4 WHEN ?2 = 'cancelled' THEN duplicate_of ELSE NULL END
             WHERE id = (SELECT id FROM record_fields WHERE recording_id = ?1)
               AND NOT (blocked AND ?2 IN ('unique', 'queued'))"
        }
    };
    let key: &dyn rusqlite::ToSql = match &target.row {
        Some(row) => row,
        None => &recording_id,
    };
    let changed =
        tx.prepare_cached(sql)?
            .execute(params![key, t.to.as_str(), at_s, duplicate_of])?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "recording {recording_id} has a printed field that needs correction: it cannot become {}",
            t.to
        )));
    }
    // The event's name is the entry's action; only its data (a duplicate's survivor) joins
    // the states here. A million-row data ganda run writes a million of these: every byte
    // counts twice (the WAL, then the checkpoint).
    let detail = match &t.event {
        Event::MarkDuplicate { survivor } => {
            serde_json::json!({ "from": t.from, "to": t.to, "survivor": survivor })
        }
        _ => serde_json::json!({ "from": t.from, "to": t.to }),
    };
    chain.append(
        tx,
        &AuditEntry {
            seq: 0,
            at: at_s,
            actor: t.actor.0.clone(),
            action: t.event.name().to_string(),
            subject: recording_id.to_string(),
            reason: t.reason.clone(),
            detail: detail.to_string(),
        },
    )?;
    Ok(t)
}

impl Store {
    /// Apply a lifecycle event to a record, with its audit entry, in one transaction.
    pub fn apply_event(
        &mut self,
        recording_id: &str,
        event: Event,
        change: Change<'_>,
    ) -> Result<Transition> {
        let Change { actor, at, reason } = change;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let t = apply(&tx, recording_id, event, actor, at, reason)?;
        tx.commit()?;
        Ok(t)
    }

    /// Mark recordings that share a NIK as duplicates of one survivor: a recording that
    /// already has a card if there is one, else the latest recording (the current address).
    /// Returns how many recordings were marked. The fuzzy search is `cetak dedup`'s job.
    pub fn mark_exact_nik_duplicates(&mut self, actor: &Actor, at: OffsetDateTime) -> Result<u64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let groups: Vec<(String, String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT nik, recording_id, state FROM records
                 WHERE state NOT IN ('duplicate', 'cancelled')
                   AND nik IN (SELECT nik FROM records WHERE state NOT IN ('duplicate', 'cancelled')
                               GROUP BY nik HAVING count(*) > 1)
                 ORDER BY nik,
                   CASE WHEN state IN ('printing', 'printed', 'issued') THEN 0 ELSE 1 END,
                   blocked, recorded_at DESC, recording_id DESC",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut marked = 0;
        let mut survivor: Option<(&str, &str)> = None;
        for (nik, recording_id, state) in &groups {
            match survivor {
                Some((n, s)) if n == nik => {
                    let state = parse_state(state)?;
                    // A second card in flight or issued for one NIK is not ours to undo here.
                    if matches!(
                        state,
                        RecordState::Printing | RecordState::Printed | RecordState::Issued
                    ) {
                        continue;
                    }
                    let reason = format!("same NIK {nik} as recording {s}, which is kept");
                    apply(
                        &tx,
                        recording_id,
                        Event::MarkDuplicate {
                            survivor: s.to_string(),
                        },
                        actor,
                        at,
                        &reason,
                    )?;
                    marked += 1;
                }
                _ => survivor = Some((nik, recording_id)),
            }
        }
        tx.commit()?;
        Ok(marked)
    }

    /// Every recording of a resident, newest first.
    pub fn records_by_nik(&self, nik: &str) -> Result<Vec<RecordStatus>> {
        let mut stmt = self.conn.prepare(
            "SELECT recording_id, nik, nama, kecamatan, state, duplicate_of, recorded_at,
               coalesce(state_changed_at, (SELECT at FROM audit_log WHERE seq = records.audit_seq))
             FROM records WHERE nik = ?1 ORDER BY recorded_at DESC, recording_id DESC",
        )?;
        let rows = stmt.query_map([nik], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                recording_id,
                nik,
                nama,
                kecamatan,
                state,
                duplicate_of,
                recorded_at,
                state_changed_at,
            ) = row?;
            out.push(RecordStatus {
                recording_id,
                nik,
                nama,
                kecamatan,
                state: parse_state(&state)?,
                duplicate_of,
                recorded_at,
                state_changed_at,
            });
        }
        Ok(out)
    }

    /// The state of one record.
    pub fn record_state(&self, recording_id: &str) -> Result<RecordState> {
        state_of(&self.conn, recording_id)
    }

    /// Records per state, every state listed.
    pub fn counts_by_state(&self) -> Result<Vec<StateCount>> {
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM records GROUP BY state")?;
        let found: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        RecordState::ALL
            .into_iter()
            .map(|state| {
                let count = found
                    .iter()
                    .find(|(s, _)| s == state.as_str())
                    .map_or(0, |(_, n)| *n as u64);
                Ok(StateCount { state, count })
            })
            .collect()
    }

    /// Every recording id in the registry (tests and the crash checker use it).
    pub fn recording_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT recording_id FROM records ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// A NIK with more than one recording, else any NIK (for the demo's hints).
    pub fn sample_nik(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT nik FROM records ORDER BY (state = 'duplicate') DESC, id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }
}

impl Store {
    /// A record's fields in contract order, as stored, with their names (for side-by-side views).
    pub fn record_fields(&self, recording_id: &str) -> Result<Vec<(&'static str, String)>> {
        use cetak_domain::record::COLUMNS;
        let sql = format!(
            "SELECT {} FROM records WHERE recording_id = ?1",
            COLUMNS.join(", ")
        );
        let values: Option<Vec<String>> = self
            .conn
            .query_row(&sql, [recording_id], |r| {
                (0..COLUMNS.len()).map(|i| r.get::<_, String>(i)).collect()
            })
            .optional()?;
        let values = values.ok_or_else(|| StoreError::NoSuchRecord(recording_id.to_string()))?;
        Ok(COLUMNS.iter().copied().zip(values).collect())
    }
}
