//! What an operator does to a printer besides printing: change its address or profile, take it
//! out of service, empty its hopper into the safe ("re-seat") instead of waiting for an
//! inspection.

use crate::Change;
use cetak_domain::lifecycle::Actor;
use cetak_print::schedule::PrinterProfile;
use cetak_print::stock::{Serial, compact_ranges};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use super::audit as audit_entry;
use crate::{Result, Store, StoreError, rfc3339};

/// The oldest attempt of `printer_id` waiting for inspection that still holds it back.
pub(crate) fn held_by_inspection(
    tx: &rusqlite::Connection,
    printer_id: i64,
) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT min(a.id) FROM print_attempts a JOIN printers p ON p.id = a.printer_id
             WHERE a.printer_id = ?1 AND a.state = 'inspect' AND a.id > p.hopper_reseated_after",
            [printer_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

fn printer_id(tx: &rusqlite::Connection, name: &str) -> Result<i64> {
    tx.query_row(
        "SELECT id FROM printers WHERE name = ?1 AND retired_at IS NULL",
        [name],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        StoreError::NotFound(format!(
            "tidak ada printer bernama {name:?} / no printer named {name:?}"
        ))
    })
}

fn open_attempts(tx: &rusqlite::Connection, printer_id: i64) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT count(*) FROM print_attempts WHERE printer_id = ?1 AND state IN ('intent', 'sent')",
        [printer_id],
        |r| r.get(0),
    )?)
}

impl Store {
    /// The unused blanks the books place in a printer's hopper, lowest first (the order the
    /// operator was told to load them).
    pub fn hopper(&self, printer_id: i64) -> Result<Vec<Serial>> {
        hopper_in(&self.conn, printer_id)
    }

    /// Change a printer's address or profile (audited). `None` keeps a value.
    pub fn printer_set(
        &mut self,
        name: &str,
        uri: Option<&str>,
        profile: &PrinterProfile,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<()> {
        if profile.cards_per_day == 0 || profile.burst == Some(0) || profile.cooldown_min < 0.0 {
            return Err(StoreError::Refused(
                "kartu per hari dan jumlah kartu berturut-turut harus positif, pendinginan tidak boleh negatif / cards per day and burst must be positive, cool-down not negative".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = printer_id(&tx, name)?;
        let hm = |t: time::Time| format!("{:02}:{:02}", t.hour(), t.minute());
        tx.execute(
            "UPDATE printers SET uri = coalesce(?2, uri), cards_per_day = ?3, burst = ?4, cooldown_min = ?5,
               hours_start = ?6, hours_end = ?7 WHERE id = ?1",
            params![
                id,
                uri,
                profile.cards_per_day,
                profile.burst,
                profile.cooldown_min,
                profile.hours.map(|h| hm(h.0)),
                profile.hours.map(|h| hm(h.1)),
            ],
        )?;
        audit_entry(
            &tx,
            at,
            actor,
            "printer_set",
            &format!("printer:{name}"),
            "printer changed",
            serde_json::json!({ "uri": uri, "profile": profile }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Take a printer out of service (audited). Refused while it works on a card, holds an
    /// attempt waiting for inspection, or a run drives it. Its unused blanks go back to the
    /// safe: the serials returned are the ones to take out of its hopper.
    pub fn printer_remove(&mut self, name: &str, change: Change<'_>) -> Result<Vec<Serial>> {
        let Change { actor, at, reason } = change;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = printer_id(&tx, name)?;
        if open_attempts(&tx, id)? > 0 {
            return Err(StoreError::Conflict(format!(
                "printer {name} sedang mencetak: tunggu prosesnya selesai / printer {name} is working on a card: let the run finish first"
            )));
        }
        if let Some(a) = held_by_inspection(&tx, id)? {
            return Err(StoreError::Conflict(format!(
                "percobaan {a} di printer {name} menunggu pemeriksaan: catat dulu dengan `cetak print inspect {a}` / attempt {a} on printer {name} waits for inspection: record it with `cetak print inspect {a}` first"
            )));
        }
        let leased: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM print_leases WHERE printer_id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if leased {
            return Err(StoreError::Conflict(format!(
                "printer {name} sedang dijalankan proses cetak: hentikan dulu / a print run drives printer {name}: stop it first"
            )));
        }
        let serials = hopper_in(&tx, id)?;
        tx.execute(
            "UPDATE blanks SET loaded_in = NULL WHERE loaded_in = ?1",
            [id],
        )?;
        // The name is free again for a new printer; history keeps the old row.
        tx.execute(
            "UPDATE printers SET retired_at = ?2, name = name || ' #' || id WHERE id = ?1",
            params![id, rfc3339(at)],
        )?;
        audit_entry(
            &tx,
            at,
            actor,
            "printer_remove",
            &format!("printer:{name}"),
            reason,
            serde_json::json!({ "blanks_to_safe": compact_ranges(&serials) }),
        )?;
        tx.commit()?;
        Ok(serials)
    }

    /// The operator empties a printer's hopper into the safe instead of waiting for an
    /// inspection (audited). Returns the serials the books had in the hopper. Afterwards the
    /// printer takes cards again; the next card says which blanks to load, in which order. A
    /// blank of an attempt still waiting for inspection is in the safe if it was never fed.
    pub fn printer_reseat(&mut self, name: &str, change: Change<'_>) -> Result<Vec<Serial>> {
        let Change { actor, at, reason } = change;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = printer_id(&tx, name)?;
        if open_attempts(&tx, id)? > 0 {
            return Err(StoreError::Conflict(format!(
                "printer {name} sedang mencetak: tunggu sebelum mengosongkan wadah blangko / printer {name} is working on a card: wait for it before emptying the hopper"
            )));
        }
        let serials = hopper_in(&tx, id)?;
        let newest_inspect: i64 = tx.query_row(
            "SELECT coalesce(max(id), 0) FROM print_attempts WHERE printer_id = ?1 AND state = 'inspect'",
            [id],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE blanks SET loaded_in = NULL WHERE loaded_in = ?1 AND state IN ('on_hand', 'in_print')",
            [id],
        )?;
        tx.execute(
            "UPDATE printers SET hopper_reseated_after = max(hopper_reseated_after, ?2) WHERE id = ?1",
            params![id, newest_inspect],
        )?;
        audit_entry(
            &tx,
            at,
            actor,
            "printer_reseat",
            &format!("printer:{name}"),
            reason,
            serde_json::json!({ "blanks_to_safe": compact_ranges(&serials), "inspections_pending_up_to": newest_inspect }),
        )?;
        tx.commit()?;
        Ok(serials)
    }
}

fn hopper_in(tx: &rusqlite::Connection, printer_id: i64) -> Result<Vec<Serial>> {
    let mut stmt = tx.prepare(
        "SELECT serial FROM blanks WHERE loaded_in = ?1 AND state = 'on_hand' ORDER BY serial",
    )?;
    let rows = stmt.query_map([printer_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
