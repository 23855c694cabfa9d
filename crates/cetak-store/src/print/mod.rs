//! Card production's tables: printers, blank stock, the spool of print attempts, cards.
//!
//! The decisions come from `cetak-print` (sans-IO); this module stores them. Each change — an
//! intent, an outcome, a blank's new state, the record's transition and their audit entries —
//! commits in one transaction, so a power cut leaves all of it or none.
//!
//! Along its seams: `printers` (add, list, pause), `hopper` (change, remove, re-seat: what an
//! operator does to a printer besides printing), `leases` (one run per printer), `blanks`
//! (stock and reconciliation), `attempts` (queue, claims, outcomes, inspections), `cards`
//! (spoiled, returned, replaced, handed over; promise 2's checks), `reports` (the monthly
//! blank report). Shared row types and the in-transaction helpers stay here.

use cetak_domain::lifecycle::RecordState;
use cetak_print::schedule::{PrinterProfile, PrinterRun};
use cetak_print::spool::{AttemptState, Decision};
use cetak_print::stock::{self, BlankEvent, BlankState, Serial};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit;
use crate::{Result, StoreError, rfc3339};

mod attempts;
mod blanks;
mod cards;
mod chip;
mod hopper;
mod leases;
mod printers;
mod reports;

pub use chip::{ChipEncoding, encoder_reader};
pub(crate) use hopper::held_by_inspection;
pub(crate) use leases::lease_is;
pub use leases::{LEASE_STALE, Lease, LeaseHolder};
pub use reports::MonthlyReport;

/// How many blanks go into a printer's hopper at a time (a CR80 input hopper holds ~100).
pub const HOPPER_LOAD: i64 = 100;

/// A configured printer and how it stands today.
#[derive(Debug, Clone, Serialize)]
pub struct PrinterRow {
    /// Row id.
    pub id: i64,
    /// Name the office gives it.
    pub name: String,
    /// IPP URI.
    pub uri: String,
    /// How it may be driven.
    pub profile: PrinterProfile,
    /// Its running state (today's count for the day asked, busy if an attempt is pending).
    pub run: PrinterRun,
    /// Unused blanks loaded in its hopper.
    pub blanks_loaded: i64,
    /// An attempt waiting for inspection that holds this printer back (see
    /// [`ClaimRefusal::AwaitingInspection`]).
    pub held_by_inspection: Option<i64>,
    /// Its chip encoder (`pcsc:READER`), if it writes chips.
    pub encoder: Option<String>,
}

/// A batch of blanks received.
#[derive(Debug, Clone, Serialize)]
pub struct StockReceipt {
    /// Row id.
    pub id: i64,
    /// First serial.
    pub first: Serial,
    /// Last serial.
    pub last: Serial,
    /// Date on the delivery note.
    pub received_on: String,
    /// Delivery reference.
    pub reference: String,
}

/// One print attempt, for the operator.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptRow {
    /// Attempt id.
    pub id: i64,
    /// The record.
    pub recording_id: String,
    /// Its NIK.
    pub nik: String,
    /// Its name.
    pub nama: String,
    /// Blank serial.
    pub serial: Serial,
    /// Printer id.
    pub printer_id: i64,
    /// Printer name.
    pub printer: String,
    /// IPP job name (carries serial and attempt id).
    pub job_name: String,
    /// Where it is.
    pub state: AttemptState,
    /// IPP job id, once accepted.
    pub job_id: Option<i32>,
    /// IPP job uuid, once accepted.
    pub job_uuid: Option<String>,
    /// The submission may have reached the printer but no answer came.
    pub uncertain: bool,
    /// What happened last, for the operator.
    pub note: String,
    /// A spoil cause the printer's reasons suggest.
    pub suggested_cause: Option<String>,
    /// The cause, when spoiled.
    pub spoil_cause: Option<String>,
    /// When the intent was written.
    pub created_at: String,
    /// When it reached a final state.
    pub finished_at: Option<String>,
}

/// A record and blank claimed for one card.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// The attempt written (state intent).
    pub attempt_id: i64,
    /// The record.
    pub recording_id: String,
    /// The blank.
    pub serial: Serial,
    /// The IPP job name.
    pub job_name: String,
    /// Blanks moved from the safe into the printer's hopper by this claim (operator: load
    /// these serials, in order).
    pub loaded: Option<(Serial, Serial)>,
}

/// Why nothing was claimed (the print driver's type: the store answers it).
pub use cetak_print::driver::ClaimRefusal;

/// What [`Store::print_spoil`] did.
#[derive(Debug, Clone)]
pub enum SpoilOutcome {
    /// The card was spoiled before hand-over; its record goes back to the queue.
    Reprint(Decision),
    /// A revoked card came back; only its blank changed.
    Returned {
        /// The record the card belonged to.
        recording_id: String,
    },
}

/// The printable fields of a record, by column name (for rendering).
pub type CardFieldsRow = Vec<(&'static str, String)>;

pub(super) fn parse_time(s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("bad time {s:?}: {e}")))
}

/// One audit entry (kept under this name for the print modules).
pub(crate) use crate::audit::record as audit;

pub(super) fn blank_state(tx: &rusqlite::Connection, serial: Serial) -> Result<BlankState> {
    let s: Option<String> = tx
        .query_row(
            "SELECT state FROM blanks WHERE serial = ?1",
            [serial],
            |r| r.get(0),
        )
        .optional()?;
    let s = s.ok_or_else(|| {
        StoreError::NotFound(format!(
            "blangko {serial} tidak pernah diterima / blank {serial} was never received"
        ))
    })?;
    BlankState::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("blank state {s:?}")))
}

/// Move a blank through its state machine inside the caller's transaction.
pub(super) fn move_blank(
    tx: &Transaction<'_>,
    serial: Serial,
    event: BlankEvent,
    at: OffsetDateTime,
    note: Option<&str>,
) -> Result<BlankState> {
    let from = blank_state(tx, serial)?;
    let to = stock::next_blank_state(serial, from, event)?;
    let cause = match event {
        BlankEvent::Spoil(c) => Some(c.as_str()),
        _ => None,
    };
    tx.prepare_cached(
        "UPDATE blanks SET state = ?2, cause = ?3, changed_at = ?4,
           note = COALESCE(?5, note),
           loaded_in = CASE WHEN ?2 IN ('on_hand', 'in_print') THEN loaded_in ELSE NULL END
         WHERE serial = ?1",
    )?
    .execute(params![serial, to.as_str(), cause, rfc3339(at), note])?;
    Ok(to)
}

pub(super) fn printer_profile(
    r: &rusqlite::Row<'_>,
    base: usize,
) -> rusqlite::Result<PrinterProfile> {
    let parse_hm = |s: Option<String>| {
        s.and_then(|s| {
            time::Time::parse(&s, time::macros::format_description!("[hour]:[minute]")).ok()
        })
    };
    let start = parse_hm(r.get(base + 3)?);
    let end = parse_hm(r.get(base + 4)?);
    Ok(PrinterProfile {
        cards_per_day: r.get(base)?,
        burst: r.get(base + 1)?,
        cooldown_min: r.get(base + 2)?,
        hours: start.zip(end),
    })
}

/// Save a printer's duty-cycle state (bursts, cool-down, strikes).
pub(super) fn save_run(
    conn: &rusqlite::Connection,
    printer_id: i64,
    run: &PrinterRun,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE printers SET since_cooldown = ?2, cooling_until = ?3, heat_strikes = ?4 WHERE id = ?1",
    )?
    .execute(params![
        printer_id,
        run.since_cooldown,
        run.cooling_until.map(rfc3339),
        run.heat_strikes
    ])?;
    Ok(())
}

pub(super) fn registry_state(
    conn: &rusqlite::Connection,
    recording_id: &str,
) -> Result<RecordState> {
    let s: Option<String> = conn
        .query_row(
            "SELECT state FROM records WHERE recording_id = ?1",
            [recording_id],
            |r| r.get(0),
        )
        .optional()?;
    let s = s.ok_or_else(|| StoreError::NoSuchRecord(recording_id.to_string()))?;
    RecordState::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("record state {s:?}")))
}

pub(super) fn self_printer_run(conn: &rusqlite::Connection, printer_id: i64) -> Result<PrinterRun> {
    let (since, cooling, strikes): (u32, Option<String>, u32) = conn.query_row(
        "SELECT since_cooldown, cooling_until, heat_strikes FROM printers WHERE id = ?1",
        [printer_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(PrinterRun {
        since_cooldown: since,
        cooling_until: cooling.as_deref().map(parse_time).transpose()?,
        heat_strikes: strikes,
        ..PrinterRun::default()
    })
}

pub(super) fn printer_profile_of(
    conn: &rusqlite::Connection,
    printer_id: i64,
) -> Result<PrinterProfile> {
    Ok(conn.query_row(
        "SELECT cards_per_day, burst, cooldown_min, hours_start, hours_end FROM printers WHERE id = ?1",
        [printer_id],
        |r| printer_profile(r, 0),
    )?)
}
