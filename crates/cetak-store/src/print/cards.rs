//! Cards: spoiled or returned, raised in the queue, replaced, handed over; the checks of
//! promise 2.

use crate::Change;
use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_print::spool::AttemptEvent;
use cetak_print::stock::{BlankEvent, Serial, SpoilCause};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use super::*;
use crate::registry::{self};
use crate::{Result, Store, StoreError, rfc3339};

impl Store {
    /// A card on `serial` turned out spoiled, or came back: one rule for every caller.
    /// - a printed card not yet handed over: the attempt is spoiled and the record reprinted;
    /// - a card revoked by a replacement and returned to the office: its blank is spoiled
    ///   (cause kept for the monthly return); the record and its current card are untouched;
    /// - a card in a resident's hands: refused (request a replacement first).
    pub fn print_spoil(
        &mut self,
        serial: Serial,
        cause: SpoilCause,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<SpoilOutcome> {
        let card: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT state, recording_id FROM cards WHERE serial = ?1",
                [serial],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match card {
            Some((state, recording_id)) if state == "revoked" => {
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                let returned: Option<String> = tx.query_row(
                    "SELECT returned_at FROM cards WHERE serial = ?1",
                    [serial],
                    |r| r.get(0),
                )?;
                if returned.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "pengembalian KTP-el pada blangko {serial} sudah dicatat / the returned card on blank {serial} is already recorded"
                    )));
                }
                move_blank(
                    &tx,
                    serial,
                    BlankEvent::Spoil(cause),
                    at,
                    Some("returned card"),
                )?;
                tx.execute(
                    "UPDATE cards SET returned_at = ?2, returned_cause = ?3 WHERE serial = ?1",
                    params![serial, rfc3339(at), cause.as_str()],
                )?;
                audit(
                    &tx,
                    at,
                    actor,
                    "card_returned",
                    &recording_id,
                    "a revoked card came back to the office; its blank is spoiled for the monthly return",
                    serde_json::json!({ "serial": serial, "cause": cause.as_str() }),
                )?;
                tx.commit()?;
                Ok(SpoilOutcome::Returned { recording_id })
            }
            Some((state, _)) if state == "issued" => Err(StoreError::Conflict(format!(
                "KTP-el pada blangko {serial} ada di tangan warga: ajukan penggantian dulu (`cetak print replace NIK`), lalu catat KTP-el yang dikembalikan / the card on blank {serial} is in the resident's hands: request a replacement (`cetak print replace NIK`) first, then record the returned card"
            ))),
            _ => {
                let attempt = self.attempt_by_serial(serial)?.ok_or_else(|| {
                    StoreError::NotFound(format!("tidak ada KTP-el yang dicetak pada blangko {serial} / no card was printed on blank {serial}"))
                })?;
                let d = self
                    .attempt_apply(attempt, &AttemptEvent::ReportedSpoiled(cause), actor, at)?
                    .ok_or_else(|| {
                        StoreError::Conflict(format!("blangko {serial}: tidak ada yang berubah / blank {serial}: nothing changed"))
                    })?;
                Ok(SpoilOutcome::Reprint(d))
            }
        }
    }

    /// Raise a record to the front of the queue (a supervisor's call; audited).
    pub fn print_raise(&mut self, recording_id: &str, change: Change<'_>) -> Result<()> {
        let Change { actor, at, reason } = change;
        if reason.trim().is_empty() {
            return Err(StoreError::Refused(
                "menaikkan antrean perlu alasan / raising a record needs a reason".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let state = registry_state(&tx, recording_id)?;
        if !matches!(state, RecordState::Unique | RecordState::Queued) {
            // The state in words (the message is shown on the office's pages), not its code.
            let (now_id, now_en) = state.describe();
            return Err(StoreError::Conflict(format!(
                "perekaman {recording_id} tidak sedang menunggu KTP-el ({now_id}) / recording {recording_id} is not waiting for a card ({now_en})"
            )));
        }
        tx.execute(
            "INSERT INTO print_requests (recording_id, raised, changed_at) VALUES (?1, 1, ?2)
             ON CONFLICT (recording_id) DO UPDATE SET raised = 1, changed_at = ?2",
            params![recording_id, rfc3339(at)],
        )?;
        audit(
            &tx,
            at,
            actor,
            "print_raise",
            recording_id,
            reason,
            serde_json::json!({}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A resident's issued card was lost or damaged: revoke it and queue a replacement.
    pub fn print_replace(&mut self, nik: &str, change: Change<'_>) -> Result<String> {
        let Change { actor, at, reason } = change;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let card: Option<(Serial, String)> = tx
            .query_row(
                "SELECT serial, recording_id FROM cards WHERE nik = ?1 AND state = 'issued'",
                [nik],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (serial, recording_id) = card.ok_or_else(|| {
            StoreError::NotFound(format!("belum ada KTP-el yang diserahkan untuk NIK {nik}: tidak ada yang diganti / no card issued for NIK {nik}: nothing to replace"))
        })?;
        let at_s = rfc3339(at);
        tx.execute(
            "UPDATE cards SET state = 'revoked', revoked_at = ?2, revoked_reason = ?3 WHERE serial = ?1",
            params![serial, at_s, reason],
        )?;
        tx.execute(
            "INSERT INTO print_requests (recording_id, replacement, changed_at) VALUES (?1, 1, ?2)
             ON CONFLICT (recording_id) DO UPDATE SET replacement = 1, changed_at = ?2",
            params![recording_id, at_s],
        )?;
        audit(
            &tx,
            at,
            actor,
            "card_revoke",
            &recording_id,
            reason,
            serde_json::json!({ "serial": serial }),
        )?;
        registry::apply(
            &tx,
            &recording_id,
            Event::RequestReplacement,
            actor,
            at,
            &format!("replacement for card {serial}: {reason}"),
        )?;
        tx.commit()?;
        Ok(recording_id)
    }

    /// Hand a printed card to its resident (audited). Returns (recording id, serial).
    pub fn handover(
        &mut self,
        nik: &str,
        handed_to: &str,
        identity_check: &str,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<(String, Serial)> {
        if handed_to.trim().is_empty() {
            return Err(StoreError::Refused(
                "sebutkan siapa yang menerima KTP-el / say who received the card".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let cards: Vec<(Serial, String)> = {
            let mut stmt = tx.prepare(
                "SELECT k.serial, k.recording_id FROM cards k JOIN records r ON r.recording_id = k.recording_id
                 WHERE k.nik = ?1 AND k.state = 'printed' AND r.state = 'printed'",
            )?;
            stmt.query_map([nik], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let (serial, recording_id) = match cards.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(StoreError::NotFound(format!(
                    "tidak ada KTP-el tercetak yang menunggu untuk NIK {nik} / no printed card waits for NIK {nik}"
                )));
            }
            _ => {
                return Err(StoreError::Conflict(format!(
                    "{0} KTP-el tercetak menunggu untuk NIK {nik}: penyelia harus menyelesaikan data ganda dulu / {0} printed cards wait for NIK {nik}: a supervisor must resolve the duplicate first",
                    cards.len()
                )));
            }
        };
        let at_s = rfc3339(at);
        tx.execute(
            "UPDATE cards SET state = 'issued', issued_at = ?2, handed_to = ?3, identity_check = ?4, issued_by = ?5
             WHERE serial = ?1",
            params![serial, at_s, handed_to.trim(), identity_check, actor.0],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::Conflict(format!(
                    "NIK {nik} sudah memegang KTP-el yang berlaku: cabut dulu lewat permohonan penggantian / NIK {nik} already holds a valid card: revoke it with a replacement request first"
                ))
            }
            e => e.into(),
        })?;
        registry::apply(
            &tx,
            &recording_id,
            Event::HandOver,
            actor,
            at,
            &format!(
                "card {serial} handed to {}; identity checked: {identity_check}",
                handed_to.trim()
            ),
        )?;
        tx.commit()?;
        Ok((recording_id, serial))
    }

    /// Good cards made per office day, for the last `days` days that had any (oldest first).
    pub fn daily_output(&self, days: u32) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT print_day, count(*) FROM print_attempts WHERE state IN ('completed', 'good')
             GROUP BY print_day ORDER BY print_day DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([days], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out: Vec<(String, i64)> = rows.collect::<Result<_, _>>()?;
        out.reverse();
        Ok(out)
    }

    /// What a resident may learn about their card: for the NIK's current recording (not a
    /// duplicate, not cancelled, newest), its birth date (to check), state and recording site.
    /// The same query runs whatever the answer, so a wrong NIK costs what a wrong date costs.
    pub fn resident_lookup(&self, nik: &str) -> Result<Option<(String, RecordState, String)>> {
        let row: Option<(String, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT tanggal_lahir, state, recording_site FROM records
                 WHERE nik = ?1 ORDER BY state IN ('duplicate', 'cancelled'), recorded_at DESC LIMIT 1",
            )?
            .query_row([nik], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(dob, state, site)| {
            let state = RecordState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("record state {state:?}")))?;
            Ok((dob, state, site))
        })
        .transpose()
    }

    /// NIKs with a printed card waiting for its owner, at most `limit`.
    pub fn printed_niks(&self, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT nik FROM cards WHERE state = 'printed' ORDER BY serial LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Promise 2 in the data: records with more than one good card, NIKs with more than one
    /// valid card, cards of records that must never be printed. Empty when all is well.
    pub fn card_violations(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let checks = [
            (
                "SELECT recording_id FROM cards WHERE state IN ('printed','issued') GROUP BY recording_id HAVING count(*) > 1",
                "record has more than one good card",
            ),
            (
                "SELECT nik FROM cards WHERE state = 'issued' GROUP BY nik HAVING count(*) > 1",
                "NIK holds more than one valid card",
            ),
            (
                "SELECT k.recording_id FROM cards k JOIN records r ON r.recording_id = k.recording_id
                 WHERE r.state IN ('duplicate', 'awaiting_decision', 'received')",
                "a card exists for a record that may not be printed",
            ),
        ];
        for (sql, what) in checks {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for id in rows {
                out.push(format!("{}: {what}", id?));
            }
        }
        Ok(out)
    }
}
