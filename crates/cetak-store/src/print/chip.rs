//! The E-KTP chip in the books: which printers have a chip encoder, and what was written on
//! each blank's chip (the `CETAKCHIP1` dump, docs/chip.md), kept *before* the write and marked
//! verified after the read-back passed passive authentication. A print job is sent only after
//! the verified mark is durable, so an intent without it was certainly never sent
//! (`cetak_print::spool::PendingAttempt::chip_pending`).

use cetak_domain::lifecycle::Actor;
use cetak_print::stock::Serial;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use super::*;
use crate::{Result, Store, StoreError, rfc3339};

/// What was written on one blank's chip for one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChipEncoding {
    /// The attempt.
    pub attempt_id: i64,
    /// The blank.
    pub serial: Serial,
    /// The dump file's bytes (`CETAKCHIP1`).
    #[serde(skip)]
    pub dump: Vec<u8>,
    /// When it was about to be written.
    pub written_at: String,
    /// When its read-back passed passive authentication (`None`: not known to be good).
    pub verified_at: Option<String>,
}

/// The one form an encoder setting takes: `pcsc:<reader name>`.
pub fn encoder_reader(setting: &str) -> Option<&str> {
    setting
        .strip_prefix("pcsc:")
        .filter(|r| !r.trim().is_empty() && r.len() <= 128 && !r.chars().any(char::is_control))
}

/// A `chip_encodings` row (attempt_id, serial, dump, written_at, verified_at).
fn chip_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChipEncoding> {
    Ok(ChipEncoding {
        attempt_id: r.get(0)?,
        serial: r.get(1)?,
        dump: r.get(2)?,
        written_at: r.get(3)?,
        verified_at: r.get(4)?,
    })
}

impl Store {
    /// Set or clear a printer's chip encoder (`pcsc:READER`; `None`: no encoder), audited.
    /// Refused while the printer has an attempt open: its chip rule must not change under it.
    pub fn printer_set_encoder(
        &mut self,
        name: &str,
        encoder: Option<&str>,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<()> {
        if let Some(e) = encoder
            && encoder_reader(e).is_none()
        {
            return Err(StoreError::Refused(format!(
                "encoder harus pcsc:NAMA-PEMBACA atau none: {e:?} / the encoder must be pcsc:READER-NAME or none: {e:?}"
            )));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: Option<i64> = tx
            .query_row(
                "SELECT id FROM printers WHERE name = ?1 AND retired_at IS NULL",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        let id = id.ok_or_else(|| {
            StoreError::NotFound(format!(
                "tidak ada printer bernama {name:?} / no printer named {name:?}"
            ))
        })?;
        let open: i64 = tx.query_row(
            "SELECT count(*) FROM print_attempts WHERE printer_id = ?1 AND state IN ('intent', 'sent')",
            [id],
            |r| r.get(0),
        )?;
        if open > 0 {
            return Err(StoreError::Conflict(format!(
                "printer {name:?} sedang mengerjakan kartu; ubah penulis chip setelah selesai / printer {name:?} is working on a card; change its encoder when it is done"
            )));
        }
        tx.execute(
            "UPDATE printers SET encoder = ?2 WHERE id = ?1",
            params![id, encoder],
        )?;
        audit(
            &tx,
            at,
            actor,
            "printer_set",
            &format!("printer:{name}"),
            "chip encoder changed",
            serde_json::json!({ "encoder": encoder }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Keep what is about to be written on an intent's chip, before the write. Written again
    /// (replaced) only while it is not verified: a recovered intent whose chip was cut short
    /// is written again on the same blank.
    pub fn chip_written(&mut self, attempt_id: i64, dump: &[u8], at: OffsetDateTime) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(String, Serial)> = tx
            .query_row(
                "SELECT state, serial FROM print_attempts WHERE id = ?1",
                [attempt_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (state, serial) = row.ok_or_else(|| {
            StoreError::NotFound(format!(
                "tidak ada percobaan cetak {attempt_id} / no print attempt {attempt_id}"
            ))
        })?;
        if state != "intent" {
            return Err(StoreError::Conflict(format!(
                "percobaan {attempt_id} sudah {state}; chip hanya ditulis sebelum mencetak / attempt {attempt_id} is {state}; a chip is written only before printing"
            )));
        }
        let n = tx.execute(
            "INSERT INTO chip_encodings (attempt_id, serial, dump, written_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (attempt_id) DO UPDATE SET dump = excluded.dump, written_at = excluded.written_at
             WHERE chip_encodings.verified_at IS NULL",
            params![attempt_id, serial, dump, rfc3339(at)],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "chip percobaan {attempt_id} sudah terverifikasi / the chip of attempt {attempt_id} is already verified"
            )));
        }
        tx.commit()?;
        Ok(())
    }

    /// Mark an intent's chip verified (its read-back passed passive authentication). After
    /// this, and only after it, its print job may be sent.
    pub fn chip_verified(&mut self, attempt_id: i64, at: OffsetDateTime) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE chip_encodings SET verified_at = coalesce(verified_at, ?2) WHERE attempt_id = ?1",
            params![attempt_id, rfc3339(at)],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "tidak ada chip untuk percobaan {attempt_id} / no chip written for attempt {attempt_id}"
            )));
        }
        Ok(())
    }

    /// What was written for an attempt.
    pub fn chip_encoding(&self, attempt_id: i64) -> Result<Option<ChipEncoding>> {
        self.chip_where("attempt_id = ?1", attempt_id)
    }

    /// What was last written on a blank's chip (the newest attempt on it).
    pub fn chip_for_serial(&self, serial: Serial) -> Result<Option<ChipEncoding>> {
        self.chip_where("serial = ?1", serial)
    }

    /// Chips written and, of them, verified (all attempts).
    pub fn chip_counts(&self) -> Result<(u64, u64)> {
        let (written, verified): (i64, i64) = self.conn.query_row(
            "SELECT count(*), count(verified_at) FROM chip_encodings",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((written.max(0) as u64, verified.max(0) as u64))
    }

    /// The chip the books say is on the resident's current card: the newest verified chip of a
    /// printed (completed or good) attempt for a recording with this NIK. The counter compares
    /// what its reader finds with it.
    pub fn chip_of_card(&self, nik: &str) -> Result<Option<ChipEncoding>> {
        Ok(self
            .conn
            .query_row(
                "SELECT c.attempt_id, c.serial, c.dump, c.written_at, c.verified_at
                 FROM chip_encodings c
                 JOIN print_attempts a ON a.id = c.attempt_id
                 JOIN records r ON r.recording_id = a.recording_id
                 WHERE r.nik = ?1 AND a.state IN ('completed', 'good')
                   AND c.verified_at IS NOT NULL
                 ORDER BY c.attempt_id DESC LIMIT 1",
                [nik],
                chip_row,
            )
            .optional()?)
    }

    fn chip_where(&self, filter: &str, value: i64) -> Result<Option<ChipEncoding>> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT attempt_id, serial, dump, written_at, verified_at FROM chip_encodings
                     WHERE {filter} ORDER BY attempt_id DESC LIMIT 1"
                ),
                [value],
                chip_row,
            )
            .optional()?)
    }
}
