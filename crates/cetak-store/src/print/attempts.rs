//! The spool: the queue, claims (the intent before sending), what happened to an attempt,
//! and a person's findings.

use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_print::schedule::{self, PrinterRun};
use cetak_print::spool::{self, AttemptEvent, AttemptState, CardChange, Decision};
use cetak_print::stock::{BlankEvent, Serial};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use time::OffsetDateTime;

use super::*;
use crate::audit::{self, AuditEntry};
use crate::registry::{self, Target};
use crate::{Change, Result, Store, StoreError, rfc3339};

fn attempt_state(conn: &rusqlite::Connection, attempt_id: i64) -> Result<AttemptState> {
    let state: Option<String> = conn
        .query_row(
            "SELECT state FROM print_attempts WHERE id = ?1",
            [attempt_id],
            |r| r.get(0),
        )
        .optional()?;
    let state = state.ok_or_else(|| {
        StoreError::NotFound(format!(
            "tidak ada percobaan cetak {attempt_id} / no print attempt {attempt_id}"
        ))
    })?;
    AttemptState::parse(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("attempt state {state:?}")))
}

/// Apply what happened to an attempt inside the caller's transaction (see
/// [`Store::attempt_apply`]).
fn apply_in(
    tx: &Transaction<'_>,
    attempt_id: i64,
    event: &AttemptEvent,
    actor: &Actor,
    at: OffsetDateTime,
) -> Result<Option<Decision>> {
    let row: Option<(String, String, Serial, i64, String)> = tx
        .query_row(
            "SELECT a.state, a.recording_id, a.serial, a.printer_id, r.nik FROM print_attempts a
             JOIN records r ON r.recording_id = a.recording_id WHERE a.id = ?1",
            [attempt_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let (state, recording_id, serial, printer_id, nik) = row.ok_or_else(|| {
        StoreError::NotFound(format!(
            "tidak ada percobaan cetak {attempt_id} / no print attempt {attempt_id}"
        ))
    })?;
    let from = AttemptState::parse(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("attempt state {state:?}")))?;
    let Some(d) = spool::decide(from, event)? else {
        if let AttemptEvent::Uncertain { why } = event {
            tx.execute(
                "UPDATE print_attempts SET uncertain = 1, note = ?2 WHERE id = ?1",
                params![attempt_id, format!("no answer from the printer: {why}")],
            )?;
        }
        return Ok(None);
    };
    if matches!(event, AttemptEvent::ReportedSpoiled(_)) {
        let card: Option<String> = tx
            .query_row("SELECT state FROM cards WHERE serial = ?1", [serial], |r| {
                r.get(0)
            })
            .optional()?;
        match card.as_deref() {
            Some("printed") => {}
            Some("issued") => {
                return Err(StoreError::Conflict(format!(
                    "KTP-el pada blangko {serial} sudah diserahkan; ajukan penggantian / the card on blank {serial} was already handed over; request a replacement instead"
                )));
            }
            Some("revoked") => {
                return Err(StoreError::Conflict(format!(
                    "KTP-el pada blangko {serial} sudah dicabut karena penggantian: catat pengembaliannya dengan `cetak print spoil {serial}` (KTP-el yang berlaku tidak berubah) / the card on blank {serial} was revoked by a replacement: record its return with `cetak print spoil {serial}` (the record's current card is not touched)"
                )));
            }
            other => {
                return Err(StoreError::Conflict(format!(
                    "blangko {serial} bukan KTP-el tercetak ({0}) / blank {serial} holds no printed card ({0})",
                    other.unwrap_or("none")
                )));
            }
        }
    }
    let at_s = rfc3339(at);
    let spoil_cause = match event {
        AttemptEvent::InspectedSpoiled(c) | AttemptEvent::ReportedSpoiled(c) => Some(c.as_str()),
        AttemptEvent::ChipFailed { .. } => {
            Some(cetak_print::stock::SpoilCause::ChipFailure.as_str())
        }
        _ => None,
    };
    let final_state = !d.to.is_pending() && d.to != AttemptState::Inspect;
    tx.execute(
        "UPDATE print_attempts SET state = ?2, note = ?3,
           job_id = coalesce(?4, job_id), job_uuid = coalesce(?5, job_uuid),
           suggested_cause = coalesce(?6, suggested_cause), spoil_cause = coalesce(?7, spoil_cause),
           finished_at = CASE WHEN ?8 THEN coalesce(finished_at, ?9) ELSE finished_at END,
           decided_by = CASE WHEN ?10 THEN ?11 ELSE decided_by END
         WHERE id = ?1",
        params![
            attempt_id,
            d.to.as_str(),
            d.note,
            d.job.as_ref().map(|j| j.0),
            d.job.as_ref().map(|j| j.1.clone()),
            d.suggested_cause.map(|c| c.as_str()),
            spoil_cause,
            final_state,
            at_s,
            matches!(
                event,
                AttemptEvent::InspectedGood
                    | AttemptEvent::InspectedSpoiled(_)
                    | AttemptEvent::InspectedUnused
                    | AttemptEvent::ReportedSpoiled(_)
                    | AttemptEvent::OperatorTakesOver { .. }
            ),
            actor.0,
        ],
    )?;
    if let Some(b) = d.blank {
        move_blank(tx, serial, b, at, None)?;
    }
    match d.card {
        Some(CardChange::Printed) => {
            tx.execute(
                "INSERT INTO cards (serial, recording_id, nik, state, printed_at) VALUES (?1, ?2, ?3, 'printed', ?4)",
                params![serial, recording_id, nik, at_s],
            )?;
        }
        Some(CardChange::Spoiled) => {
            tx.execute(
                "UPDATE cards SET state = 'spoiled' WHERE serial = ?1",
                [serial],
            )?;
        }
        None => {}
    }
    let mut chain = audit::Chain::load(tx)?;
    chain.append(
        tx,
        &AuditEntry {
            seq: 0,
            at: at_s.clone(),
            actor: actor.0.clone(),
            action: format!("attempt_{}", d.to.as_str()),
            subject: recording_id.clone(),
            reason: d.note.to_string(),
            detail: serde_json::json!({
                "attempt": attempt_id, "serial": serial, "printer_id": printer_id,
                "from": from, "to": d.to, "job": d.job,
            })
            .to_string(),
        },
    )?;
    if let Some(ev) = d.record.clone() {
        let rec_state = registry_state(tx, &recording_id)?;
        if ev == Event::PrintSpoiled && rec_state == RecordState::Issued {
            return Err(StoreError::Conflict(format!(
                "KTP-el pada blangko {serial} sudah diserahkan; ajukan penggantian / the card on blank {serial} was already handed over; request a replacement instead"
            )));
        }
        registry::apply_from(
            tx,
            &mut chain,
            Target {
                recording_id: &recording_id,
                row: None,
            },
            rec_state,
            ev,
            actor,
            at,
            &format!("attempt {attempt_id}, blank {serial}: {}", d.note),
        )?;
    }
    if d.printer_failure.is_some() {
        let run = self_printer_run(tx, printer_id)?;
        let profile = printer_profile_of(tx, printer_id)?;
        let Some((next, note)) = d.printer_run_after(&profile, &run, at) else {
            return Ok(Some(d));
        };
        save_run(tx, printer_id, &next)?;
        chain.append(
            tx,
            &AuditEntry {
                seq: 0,
                at: at_s,
                actor: actor.0.clone(),
                action: "printer_cooldown".into(),
                subject: format!("printer_id:{printer_id}"),
                reason: note,
                detail: serde_json::json!({ "heat_strikes": next.heat_strikes }).to_string(),
            },
        )?;
    }
    Ok(Some(d))
}

/// The one rule for what a chip needs of a record's media: a current, valid face photo (the
/// intake check accepts only a JPEG, which DG2 carries as is). `s` is the record's
/// `record_states` row. A recording imported by contract v1 has no media at all, so it never
/// meets it; it prints with an empty photo box on a printer without an encoder.
macro_rules! has_chip_photo {
    () => {
        "EXISTS (SELECT 1 FROM record_media m WHERE m.recording_id = s.recording_id
                 AND m.slot = 'foto' AND m.replaced_seq IS NULL AND m.valid)"
    };
}

/// Records waiting for a card (unique or queued) that cannot go on a chip (see
/// `has_chip_photo!`).
fn waiting_without_chip_photo(conn: &rusqlite::Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached(concat!(
            "SELECT count(*) FROM record_states s WHERE s.state IN ('unique', 'queued') AND NOT ",
            has_chip_photo!()
        ))?
        .query_row([], |r| r.get(0))?;
    Ok(n as u64)
}

/// The queue in policy order: raised records, then first-time cards, then replacements; each
/// longest-waiting first. Three small indexed queries instead of one big sort. With
/// `for_chip` (a printer with a chip encoder claims), records without a valid face photo are
/// passed over: they keep their place for a printer without an encoder, and the order of
/// the others is unchanged.
fn next_in_queue(
    conn: &rusqlite::Connection,
    limit: usize,
    for_chip: bool,
) -> Result<Vec<(schedule::QueueKey, RecordState)>> {
    let limit = limit as i64;
    let mut out: Vec<(schedule::QueueKey, RecordState)> = Vec::new();
    // They read record_states, where the queue's columns and index live (migration 0008).
    // `?2`: only records that can go on a chip.
    let queries = [
        // raised
        concat!(
            "SELECT s.recording_id, s.waiting_since, s.state, 1,
                (pr.replacement = 1 OR s.first_time = 0)
         FROM print_requests pr JOIN record_fields f ON f.recording_id = pr.recording_id
           JOIN record_states s ON s.id = f.id
         WHERE pr.raised = 1 AND s.state IN ('unique', 'queued') AND (NOT ?2 OR ",
            has_chip_photo!(),
            ")
         ORDER BY 5, s.waiting_since, s.recording_id LIMIT ?1"
        ),
        // first-time cards
        concat!(
            "SELECT s.recording_id, s.waiting_since, s.state, 0, 0 FROM record_states s
         WHERE s.state IN ('unique', 'queued') AND s.first_time = 1
           AND NOT EXISTS (SELECT 1 FROM print_requests pr WHERE pr.recording_id = s.recording_id
                           AND (pr.raised = 1 OR pr.replacement = 1))
           AND (NOT ?2 OR ",
            has_chip_photo!(),
            ")
         ORDER BY s.waiting_since, s.recording_id LIMIT ?1"
        ),
        // replacements
        concat!(
            "SELECT s.recording_id, s.waiting_since, s.state, 0, 1 FROM record_states s
         LEFT JOIN print_requests pr ON pr.recording_id = s.recording_id
         WHERE s.state IN ('unique', 'queued') AND coalesce(pr.raised, 0) = 0
           AND (s.first_time = 0 OR coalesce(pr.replacement, 0) = 1)
           AND (NOT ?2 OR ",
            has_chip_photo!(),
            ")
         ORDER BY s.waiting_since, s.recording_id LIMIT ?1"
        ),
    ];
    for sql in queries {
        if out.len() as i64 >= limit {
            break;
        }
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![limit - out.len() as i64, for_chip], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })?;
        for row in rows {
            let (recording_id, recorded_at, state, raised, replacement) = row?;
            let state = RecordState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("record state {state:?}")))?;
            out.push((
                schedule::QueueKey {
                    raised,
                    replacement,
                    waiting_since: recorded_at,
                    recording_id,
                },
                state,
            ));
        }
    }
    Ok(out)
}

impl Store {
    /// Make sure the queue's index exists (built by the first print run, see the migration).
    pub fn ensure_queue_index(&mut self) -> Result<()> {
        self.conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS records_queue ON record_states (first_time, waiting_since, recording_id)
               WHERE state IN ('unique', 'queued');",
        )?;
        Ok(())
    }

    /// The next records in queue order (see `cetak_print::schedule::QueueKey`), at most `limit`.
    pub fn print_queue(&self, limit: usize) -> Result<Vec<(schedule::QueueKey, RecordState)>> {
        next_in_queue(&self.conn, limit, false)
    }

    /// Records waiting for a card (unique or queued).
    pub fn print_queue_len(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM records WHERE state IN ('unique', 'queued')",
            [],
            |r| r.get(0),
        )?)
    }

    /// Claim the next record and the next blank in `printer_id`'s hopper, and write the intent
    /// (with the record's `StartPrinting`) durably — before anything is sent. An empty hopper is
    /// loaded from the safe with up to `load` blanks (at most [`HOPPER_LOAD`]), lowest serials
    /// first.
    ///
    /// `after` is the printer's duty-cycle state once it has taken this card
    /// (`schedule::after_card`); it is saved in the same transaction.
    ///
    /// `lease` is the token of this run's lease on the printer ([`Store::lease_take`]): a run
    /// that lost its lease claims nothing. A printer with an attempt waiting for inspection gets
    /// nothing either (its blank may still be on top of the hopper).
    ///
    /// A printer with a chip encoder claims only records that can go on a chip (a valid face
    /// photo for DG2): the others are passed over and keep their place for a printer without
    /// an encoder. When only such records wait, it is refused with
    /// [`ClaimRefusal::NoPhotoForChip`] and their number, not told the queue is empty.
    #[allow(clippy::too_many_arguments)]
    pub fn print_claim(
        &mut self,
        printer_id: i64,
        lease: &str,
        load: i64,
        after: &PrinterRun,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<std::result::Result<Claim, ClaimRefusal>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !super::lease_is(&tx, printer_id, lease)? {
            return Ok(Err(ClaimRefusal::LeaseLost));
        }
        if let Some(attempt) = super::held_by_inspection(&tx, printer_id)? {
            return Ok(Err(ClaimRefusal::AwaitingInspection { attempt }));
        }
        let for_chip: bool = tx
            .query_row(
                "SELECT encoder IS NOT NULL FROM printers WHERE id = ?1",
                [printer_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        let Some((key, state)) = next_in_queue(&tx, 1, for_chip)?.into_iter().next() else {
            let waiting = if for_chip {
                waiting_without_chip_photo(&tx)?
            } else {
                0
            };
            return Ok(Err(if waiting > 0 {
                ClaimRefusal::NoPhotoForChip { waiting }
            } else {
                ClaimRefusal::QueueEmpty
            }));
        };
        let next_loaded = |tx: &Transaction<'_>| -> Result<Option<Serial>> {
            Ok(tx
                .query_row(
                    "SELECT min(serial) FROM blanks WHERE loaded_in = ?1 AND state = 'on_hand'",
                    [printer_id],
                    |r| r.get(0),
                )
                .optional()?
                .flatten())
        };
        let mut loaded = None;
        let serial = match next_loaded(&tx)? {
            Some(s) => s,
            None => {
                // The hopper is empty in our books: load the next blanks from the safe, in order.
                let range: Option<(Option<Serial>, Option<Serial>)> = tx
                    .query_row(
                        "SELECT min(serial), max(serial) FROM (SELECT serial FROM blanks
                           WHERE state = 'on_hand' AND loaded_in IS NULL ORDER BY serial LIMIT ?1)",
                        [load.clamp(1, HOPPER_LOAD)],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let Some((Some(first), Some(last))) = range else {
                    return Ok(Err(ClaimRefusal::NoBlanks));
                };
                tx.execute(
                    "UPDATE blanks SET loaded_in = ?1 WHERE serial IN (SELECT serial FROM blanks
                       WHERE state = 'on_hand' AND loaded_in IS NULL ORDER BY serial LIMIT ?2)",
                    params![printer_id, load.clamp(1, HOPPER_LOAD)],
                )?;
                audit(
                    &tx,
                    at,
                    actor,
                    "stock_load",
                    &format!("stock:{first}-{last}"),
                    "blanks loaded into the printer's hopper",
                    serde_json::json!({ "printer_id": printer_id, "first": first, "last": last }),
                )?;
                loaded = Some((first, last));
                first
            }
        };
        move_blank(&tx, serial, BlankEvent::Use, at, None)?;
        let recording_id = key.recording_id.clone();
        let mut chain = audit::Chain::load(&tx)?;
        let mut from = state;
        if from == RecordState::Unique {
            registry::apply_from(
                &tx,
                &mut chain,
                Target {
                    recording_id: &recording_id,
                    row: None,
                },
                from,
                Event::Enqueue,
                actor,
                at,
                "print-ready and unique: queued for printing",
            )?;
            from = RecordState::Queued;
        }
        tx.execute(
            "INSERT INTO print_attempts (recording_id, serial, printer_id, job_name, state, created_at, print_day)
             VALUES (?1, ?2, ?3, '', 'intent', ?4, ?5)",
            params![recording_id, serial, printer_id, rfc3339(at), schedule::office_day(at)],
        )?;
        let attempt_id = tx.last_insert_rowid();
        let job_name = spool::job_name(serial, attempt_id);
        tx.execute(
            "UPDATE print_attempts SET job_name = ?2 WHERE id = ?1",
            params![attempt_id, job_name],
        )?;
        registry::apply_from(
            &tx,
            &mut chain,
            Target {
                recording_id: &recording_id,
                row: None,
            },
            from,
            Event::StartPrinting,
            actor,
            at,
            &format!("print attempt {attempt_id} on blank {serial}, job {job_name}"),
        )?;
        save_run(&tx, printer_id, after)?;
        tx.commit()?;
        Ok(Ok(Claim {
            attempt_id,
            recording_id,
            serial,
            job_name,
            loaded,
        }))
    }

    /// Apply what happened to an attempt: the spool's decision and everything it implies, in
    /// one transaction. Returns the decision (`None`: nothing changed).
    pub fn attempt_apply(
        &mut self,
        attempt_id: i64,
        event: &AttemptEvent,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<Option<Decision>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let d = apply_in(&tx, attempt_id, event, actor, at)?;
        tx.commit()?;
        Ok(d)
    }

    /// A person's finding for an attempt, in one transaction: an attempt the printer is still
    /// answering for is first taken over (`OperatorTakesOver`), then the finding applied. If
    /// the finding is refused, nothing moves — not even the take-over. The change's reason is
    /// the take-over's.
    pub fn attempt_inspect(
        &mut self,
        attempt_id: i64,
        finding: &AttemptEvent,
        change: Change<'_>,
    ) -> Result<Decision> {
        let Change { actor, at, reason } = change;
        if !matches!(
            finding,
            AttemptEvent::InspectedGood
                | AttemptEvent::InspectedSpoiled(_)
                | AttemptEvent::InspectedUnused
        ) {
            return Err(StoreError::Refused(
                "hasil pemeriksaan adalah baik, rusak atau tidak terpakai / an inspection finds the card good, spoiled or unused".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let state = attempt_state(&tx, attempt_id)?;
        if state.is_pending() {
            apply_in(
                &tx,
                attempt_id,
                &AttemptEvent::OperatorTakesOver {
                    why: reason.to_string(),
                },
                actor,
                at,
            )?;
        }
        let d = apply_in(&tx, attempt_id, finding, actor, at)?
            .ok_or_else(|| StoreError::Conflict(format!("percobaan {attempt_id}: tidak ada yang berubah / attempt {attempt_id}: nothing changed")))?;
        tx.commit()?;
        Ok(d)
    }

    /// An attempt's state.
    pub fn attempt_state(&self, attempt_id: i64) -> Result<AttemptState> {
        attempt_state(&self.conn, attempt_id)
    }

    /// Attempts in the given states (all when empty), oldest first.
    pub fn attempts(&self, states: &[AttemptState], limit: usize) -> Result<Vec<AttemptRow>> {
        self.attempts_ordered(states, limit, false, None)
    }

    /// One attempt, for the operator (`None`: no such attempt).
    pub fn attempt(&self, id: i64) -> Result<Option<AttemptRow>> {
        Ok(self.attempts_ordered(&[], 1, false, Some(id))?.pop())
    }

    fn attempts_ordered(
        &self,
        states: &[AttemptState],
        limit: usize,
        newest_first: bool,
        id: Option<i64>,
    ) -> Result<Vec<AttemptRow>> {
        let mut conditions = Vec::new();
        if !states.is_empty() {
            conditions.push(format!(
                "a.state IN ({})",
                states
                    .iter()
                    .map(|s| format!("'{}'", s.as_str()))
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        if let Some(id) = id {
            conditions.push(format!("a.id = {id}"));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT a.id, a.recording_id, r.nik, r.nama, a.serial, a.printer_id, p.name, a.job_name, a.state,
                    a.job_id, a.job_uuid, a.uncertain, a.note, a.suggested_cause, a.spoil_cause, a.created_at, a.finished_at
             FROM print_attempts a JOIN records r ON r.recording_id = a.recording_id
             JOIN printers p ON p.id = a.printer_id {filter} ORDER BY a.id {} LIMIT ?1",
            if newest_first { "DESC" } else { "ASC" }
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([limit.min(i64::MAX as usize) as i64], |r| {
            Ok((
                AttemptRow {
                    id: r.get(0)?,
                    recording_id: r.get(1)?,
                    nik: r.get(2)?,
                    nama: r.get(3)?,
                    serial: r.get(4)?,
                    printer_id: r.get(5)?,
                    printer: r.get(6)?,
                    job_name: r.get(7)?,
                    state: AttemptState::Intent,
                    job_id: r.get(9)?,
                    job_uuid: r.get(10)?,
                    uncertain: r.get(11)?,
                    note: r.get(12)?,
                    suggested_cause: r.get(13)?,
                    spoil_cause: r.get(14)?,
                    created_at: r.get(15)?,
                    finished_at: r.get(16)?,
                },
                r.get::<_, String>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (mut a, state) = row?;
            a.state = AttemptState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("attempt state {state:?}")))?;
            out.push(a);
        }
        Ok(out)
    }

    /// The newest attempts that made a card, newest first, at most `limit`.
    pub fn recent_printed(&self, limit: usize) -> Result<Vec<AttemptRow>> {
        self.attempts_ordered(
            &[AttemptState::Completed, AttemptState::Good],
            limit,
            true,
            None,
        )
    }

    /// The attempt that used a blank.
    pub fn attempt_by_serial(&self, serial: Serial) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM print_attempts WHERE serial = ?1 AND state <> 'not_sent'",
                [serial],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Attempts waiting for a person to inspect the card.
    pub fn inspection_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM print_attempts WHERE state = 'inspect'",
            [],
            |r| r.get(0),
        )?)
    }
}
