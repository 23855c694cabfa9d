//! Card production's tables: printers, blank stock, the spool of print attempts, cards.
//!
//! The decisions come from `cetak-print` (sans-IO); this module stores them. Each change — an
//! intent, an outcome, a blank's new state, the record's transition and their audit entries —
//! commits in one transaction, so a power cut leaves all of it or none.

use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_print::schedule::{self, PrinterProfile, PrinterRun};
use cetak_print::spool::{self, AttemptEvent, AttemptState, CardChange, Decision};
use cetak_print::stock::{
    self, BlankEvent, BlankState, Reconciliation, Serial, SerialProblem, SerialRange, SpoilCause,
    StockCounts,
};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, AuditEntry};
use crate::registry::{self, Target};
use crate::{Result, Store, StoreError, rfc3339};

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

/// Why nothing was claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimRefusal {
    /// No record waits for a card.
    QueueEmpty,
    /// No blank is left in the printer or the safe.
    NoBlanks,
    /// An attempt of this printer waits for inspection: its blank may still be on top of the
    /// hopper, so no new card goes to this printer until the attempt is resolved (or the
    /// operator re-seats the hopper: `cetak printer reseat`).
    AwaitingInspection {
        /// The attempt to resolve first.
        attempt: i64,
    },
    /// This run no longer holds the printer's lease (another run took it over).
    LeaseLost,
}

impl MonthlyReport {
    /// The report as one table (`category, cause, count, serials`, serials as ranges): the
    /// CSV file of `cetak report monthly`, its PDF and the stock page's download all use it.
    pub fn rows(&self) -> Vec<[String; 4]> {
        use cetak_print::stock::compact_ranges;
        let mut rows: Vec<[String; 4]> = vec![[
            "category".into(),
            "cause".into(),
            "count".into(),
            "serials".into(),
        ]];
        let received: Vec<Serial> = self
            .received
            .iter()
            .flat_map(|b| b.first..=b.last)
            .collect();
        rows.push([
            "received".into(),
            String::new(),
            self.received_count.to_string(),
            compact_ranges(&received),
        ]);
        rows.push([
            "issued".into(),
            String::new(),
            self.issued.len().to_string(),
            compact_ranges(&self.issued),
        ]);
        for (cause, serials) in &self.spoiled {
            rows.push([
                "spoiled".into(),
                cause.as_str().into(),
                serials.len().to_string(),
                compact_ranges(serials),
            ]);
        }
        rows.push([
            "missing".into(),
            String::new(),
            self.missing.len().to_string(),
            compact_ranges(&self.missing),
        ]);
        rows.push([
            "handed_over".into(),
            String::new(),
            self.handed_over.to_string(),
            String::new(),
        ]);
        let rec = &self.reconciliation;
        for (k, v) in [
            ("total_received", rec.received),
            ("total_issued", rec.issued),
            ("total_spoiled", rec.spoiled),
            ("total_on_hand", rec.on_hand),
            ("total_missing", rec.missing),
        ] {
            rows.push([k.into(), String::new(), v.to_string(), String::new()]);
        }
        rows
    }

    /// [`MonthlyReport::rows`] as CSV text (no cell needs quoting: words, numbers, ranges
    /// joined with spaces).
    pub fn csv(&self) -> String {
        let mut out = String::new();
        for row in self.rows() {
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }
}

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

/// The monthly blank-usage report.
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyReport {
    /// `YYYY-MM`.
    pub month: String,
    /// Batches received in the month.
    pub received: Vec<StockReceipt>,
    /// Blanks received in the month.
    pub received_count: i64,
    /// Serials that became good cards in the month.
    pub issued: Vec<Serial>,
    /// Serials spoiled in the month, by cause.
    pub spoiled: Vec<(SpoilCause, Vec<Serial>)>,
    /// Serials found missing in the month.
    pub missing: Vec<Serial>,
    /// Cards handed to residents in the month.
    pub handed_over: i64,
    /// The books as they stand now.
    pub reconciliation: Reconciliation,
}

fn parse_time(s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("bad time {s:?}: {e}")))
}

fn audit(
    tx: &Transaction<'_>,
    at: OffsetDateTime,
    actor: &Actor,
    action: &str,
    subject: &str,
    reason: &str,
    detail: serde_json::Value,
) -> Result<u64> {
    audit::append(
        tx,
        &AuditEntry {
            seq: 0,
            at: rfc3339(at),
            actor: actor.0.clone(),
            action: action.to_string(),
            subject: subject.to_string(),
            reason: reason.to_string(),
            detail: detail.to_string(),
        },
    )
}

fn blank_state(tx: &rusqlite::Connection, serial: Serial) -> Result<BlankState> {
    let s: Option<String> = tx
        .query_row(
            "SELECT state FROM blanks WHERE serial = ?1",
            [serial],
            |r| r.get(0),
        )
        .optional()?;
    let s = s.ok_or_else(|| {
        StoreError::Refused(format!(
            "blangko {serial} tidak pernah diterima / blank {serial} was never received"
        ))
    })?;
    BlankState::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("blank state {s:?}")))
}

/// Move a blank through its state machine inside the caller's transaction.
fn move_blank(
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

fn printer_profile(r: &rusqlite::Row<'_>, base: usize) -> rusqlite::Result<PrinterProfile> {
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

impl Store {
    /// Add a printer. Names are unique.
    #[allow(clippy::too_many_arguments)]
    pub fn printer_add(
        &mut self,
        name: &str,
        uri: &str,
        profile: &PrinterProfile,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(StoreError::Refused(
                "nama printer harus 1-64 karakter yang dapat dicetak / a printer name must be 1-64 printable characters".into(),
            ));
        }
        if profile.cards_per_day == 0 || profile.burst == Some(0) || profile.cooldown_min < 0.0 {
            return Err(StoreError::Refused(
                "kartu per hari dan burst harus positif, pendinginan tidak boleh negatif / cards per day and burst must be positive, cool-down not negative".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM printers WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(StoreError::Refused(format!(
                "printer bernama {name:?} sudah ada / a printer named {name:?} already exists"
            )));
        }
        let hm = |t: time::Time| format!("{:02}:{:02}", t.hour(), t.minute());
        tx.execute(
            "INSERT INTO printers (name, uri, cards_per_day, burst, cooldown_min, hours_start, hours_end, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                name,
                uri,
                profile.cards_per_day,
                profile.burst,
                profile.cooldown_min,
                profile.hours.map(|h| hm(h.0)),
                profile.hours.map(|h| hm(h.1)),
                rfc3339(at)
            ],
        )?;
        let id = tx.last_insert_rowid();
        audit(
            &tx,
            at,
            actor,
            "printer_add",
            &format!("printer:{name}"),
            "printer configured",
            serde_json::json!({ "uri": uri, "profile": profile }),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Every printer, with today's (`day`, office time) count and whether it is busy.
    pub fn printers(&self, day: &str) -> Result<Vec<PrinterRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.name, p.uri, p.cards_per_day, p.burst, p.cooldown_min, p.hours_start, p.hours_end,
                    p.paused, p.since_cooldown, p.cooling_until, p.heat_strikes,
                    (SELECT count(*) FROM print_attempts a WHERE a.printer_id = p.id AND a.print_day = ?1
                        AND a.state <> 'not_sent'),
                    EXISTS (SELECT 1 FROM print_attempts a WHERE a.printer_id = p.id AND a.state IN ('intent', 'sent')),
                    (SELECT count(*) FROM blanks b WHERE b.loaded_in = p.id AND b.state = 'on_hand'),
                    (SELECT min(a.id) FROM print_attempts a WHERE a.printer_id = p.id AND a.state = 'inspect'
                        AND a.id > p.hopper_reseated_after)
             FROM printers p WHERE p.retired_at IS NULL ORDER BY p.id",
        )?;
        let rows = stmt.query_map([day], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                printer_profile(r, 3)?,
                r.get::<_, bool>(8)?,
                r.get::<_, u32>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, u32>(11)?,
                r.get::<_, u32>(12)?,
                r.get::<_, bool>(13)?,
                r.get::<_, i64>(14)?,
                r.get::<_, Option<i64>>(15)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                name,
                uri,
                profile,
                paused,
                since,
                cooling,
                strikes,
                today,
                busy,
                loaded,
                held,
            ) = row?;
            out.push(PrinterRow {
                id,
                name,
                uri,
                profile,
                run: PrinterRun {
                    printed_today: today,
                    since_cooldown: since,
                    cooling_until: cooling.as_deref().map(parse_time).transpose()?,
                    heat_strikes: strikes,
                    paused,
                    busy,
                    blocked: None,
                },
                blanks_loaded: loaded,
                held_by_inspection: held,
            });
        }
        Ok(out)
    }

    /// Pause or resume a printer (audited).
    pub fn printer_set_paused(
        &mut self,
        name: &str,
        paused: bool,
        actor: &Actor,
        at: OffsetDateTime,
        reason: &str,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE printers SET paused = ?2 WHERE name = ?1",
            params![name, paused],
        )?;
        if n == 0 {
            return Err(StoreError::Refused(format!(
                "tidak ada printer bernama {name:?} / no printer named {name:?}"
            )));
        }
        audit(
            &tx,
            at,
            actor,
            if paused {
                "printer_pause"
            } else {
                "printer_resume"
            },
            &format!("printer:{name}"),
            reason,
            serde_json::json!({}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Receive a batch of blanks `first..=last` (audited). Overlapping batches are refused.
    pub fn stock_receive(
        &mut self,
        range: SerialRange,
        received_on: &str,
        reference: &str,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<i64> {
        let reference = reference.trim();
        if reference.is_empty() || reference.len() > 200 || reference.chars().any(char::is_control)
        {
            return Err(StoreError::Refused(
                "nomor referensi pengiriman harus 1-200 karakter / a delivery reference must be 1-200 printable characters".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Vec<SerialRange> = {
            let mut stmt = tx.prepare("SELECT first_serial, last_serial FROM stock_receipts")?;
            stmt.query_map([], |r| {
                Ok(SerialRange {
                    first: r.get(0)?,
                    last: r.get(1)?,
                })
            })?
            .collect::<Result<_, _>>()?
        };
        stock::check_receipt(range, &existing).map_err(|e| StoreError::Refused(e.to_string()))?;
        let at_s = rfc3339(at);
        tx.execute(
            "INSERT INTO stock_receipts (first_serial, last_serial, received_on, reference, received_at, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![range.first, range.last, received_on, reference, at_s, actor.0],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "WITH RECURSIVE s(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM s WHERE n < ?2)
             INSERT INTO blanks (serial, receipt_id, state, changed_at)
             SELECT n, ?3, 'on_hand', ?4 FROM s",
            params![range.first, range.last, id, at_s],
        )?;
        audit(
            &tx,
            at,
            actor,
            "stock_receive",
            &format!("stock:{}-{}", range.first, range.last),
            reference,
            serde_json::json!({ "first": range.first, "last": range.last, "received_on": received_on }),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Every batch received.
    pub fn stock_receipts(&self) -> Result<Vec<StockReceipt>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, first_serial, last_serial, received_on, reference FROM stock_receipts ORDER BY first_serial",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StockReceipt {
                id: r.get(0)?,
                first: r.get(1)?,
                last: r.get(2)?,
                received_on: r.get(3)?,
                reference: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A blank event outside printing: spoiled in storage, missing at a count, found again.
    pub fn stock_blank_event(
        &mut self,
        serial: Serial,
        event: BlankEvent,
        actor: &Actor,
        at: OffsetDateTime,
        note: &str,
    ) -> Result<BlankState> {
        if matches!(
            event,
            BlankEvent::Use | BlankEvent::CardGood | BlankEvent::Unused
        ) {
            return Err(StoreError::Refused(
                "pemakaian, kartu baik dan blangko tak terpakai dicatat oleh antrean cetak, bukan manual / use, good card and unused are recorded by the spool, not by hand".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        match blank_state(&tx, serial)? {
            BlankState::InPrint => {
                return Err(StoreError::Refused(format!(
                    "blangko {serial} milik sebuah percobaan cetak: catat hasilnya dengan `cetak print inspect` / blank {serial} belongs to a print attempt: record its outcome with `cetak print inspect`"
                )));
            }
            // An issued blank is a card: the books would say spoiled while the card is valid.
            BlankState::Issued => {
                return Err(StoreError::Refused(format!(
                    "blangko {serial} sudah menjadi KTP tercetak, bukan blangko: KTP rusak sebelum diserahkan dicatat dengan `cetak print spoil {serial} --cause SEBAB`; KTP yang sudah diserahkan kembali lewat `cetak print replace NIK`, lalu `cetak print spoil {serial} --cause SEBAB` mencatat pengembaliannya / blank {serial} is a printed card, not a blank: a card spoiled before hand-over is reported with `cetak print spoil {serial} --cause CAUSE`; a card handed over comes back through `cetak print replace NIK`, then `cetak print spoil {serial} --cause CAUSE` records its return"
                )));
            }
            _ => {}
        }
        let to = move_blank(&tx, serial, event, at, Some(note))?;
        audit(
            &tx,
            at,
            actor,
            "stock_blank",
            &format!("blank:{serial}"),
            note,
            serde_json::json!({ "event": format!("{event:?}"), "to": to }),
        )?;
        tx.commit()?;
        Ok(to)
    }

    /// Prove `received = issued + spoiled + on hand + missing` and name every serial that
    /// breaks the books.
    pub fn stock_reconcile(&self) -> Result<Reconciliation> {
        let c = &self.conn;
        let received: i64 = c.query_row(
            "SELECT coalesce(sum(last_serial - first_serial + 1), 0) FROM stock_receipts",
            [],
            |r| r.get(0),
        )?;
        let mut counts = StockCounts {
            received,
            ..StockCounts::default()
        };
        {
            let mut stmt = c.prepare("SELECT state, count(*) FROM blanks GROUP BY state")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (state, n) = row?;
                match BlankState::parse(&state) {
                    Some(BlankState::OnHand) => counts.on_hand = n,
                    Some(BlankState::InPrint) => counts.in_print = n,
                    Some(BlankState::Issued) => counts.issued = n,
                    Some(BlankState::Spoiled) => counts.spoiled = n,
                    Some(BlankState::Missing) => counts.missing = n,
                    None => {}
                }
            }
        }
        // Each check names serials; together they tie blanks, receipts, attempts and cards.
        let checks: [(&str, &str); 8] = [
            (
                "SELECT b.serial FROM blanks b LEFT JOIN stock_receipts r ON r.id = b.receipt_id
                 WHERE r.id IS NULL OR b.serial NOT BETWEEN r.first_serial AND r.last_serial",
                "blank is not inside the batch it was received in",
            ),
            (
                "SELECT serial, state FROM blanks WHERE state NOT IN ('on_hand','in_print','issued','spoiled','missing')",
                "blank has an unknown state",
            ),
            (
                "SELECT b.serial FROM blanks b WHERE b.state = 'in_print' AND NOT EXISTS
                   (SELECT 1 FROM print_attempts a WHERE a.serial = b.serial AND a.state IN ('intent','sent','inspect'))",
                "blank is in print but no attempt waits on it",
            ),
            (
                "SELECT a.serial FROM print_attempts a JOIN blanks b ON b.serial = a.serial
                 WHERE a.state IN ('intent','sent','inspect') AND b.state <> 'in_print'",
                "an attempt waits on this blank but the blank is not in print",
            ),
            (
                "SELECT b.serial FROM blanks b WHERE b.state = 'issued' AND NOT EXISTS
                   (SELECT 1 FROM print_attempts a WHERE a.serial = b.serial AND a.state IN ('completed','good'))",
                "blank is issued but no attempt made a card of it",
            ),
            (
                "SELECT b.serial FROM blanks b WHERE b.state = 'issued' AND NOT EXISTS
                   (SELECT 1 FROM cards k WHERE k.serial = b.serial AND k.state IN ('printed','issued','revoked'))",
                "blank is issued but has no card",
            ),
            (
                "SELECT k.serial FROM cards k JOIN blanks b ON b.serial = k.serial
                 WHERE ((k.state = 'spoiled' OR k.returned_at IS NOT NULL) <> (b.state = 'spoiled'))
                    OR (k.state <> 'spoiled' AND k.returned_at IS NULL AND b.state <> 'issued')",
                "card and blank disagree",
            ),
            (
                "SELECT a.serial FROM print_attempts a JOIN blanks b ON b.serial = a.serial
                 WHERE a.state = 'not_sent' AND b.state NOT IN ('on_hand', 'missing', 'spoiled') AND NOT EXISTS
                   (SELECT 1 FROM print_attempts o WHERE o.serial = a.serial AND o.state <> 'not_sent')",
                "attempt was not sent but its blank is no longer unused and no later attempt took it",
            ),
        ];
        let mut problems = Vec::new();
        for (sql, problem) in checks {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map([], |r| r.get::<_, Serial>(0))?;
            for serial in rows {
                problems.push(SerialProblem {
                    serial: serial?,
                    problem: problem.to_string(),
                });
            }
        }
        // Serials a batch promised but that have no row.
        let per_receipt: Vec<(i64, i64, i64, i64)> = {
            let mut stmt = c.prepare(
                "SELECT r.id, r.first_serial, r.last_serial,
                        (SELECT count(*) FROM blanks b WHERE b.receipt_id = r.id)
                 FROM stock_receipts r",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<_, _>>()?
        };
        for (id, first, last, have) in per_receipt {
            if have != last - first + 1 {
                let mut stmt = c.prepare(
                    "WITH RECURSIVE s(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM s WHERE n < ?2)
                     SELECT n FROM s WHERE NOT EXISTS (SELECT 1 FROM blanks b WHERE b.serial = n AND b.receipt_id = ?3)
                     LIMIT 1000",
                )?;
                let rows = stmt.query_map(params![first, last, id], |r| r.get::<_, Serial>(0))?;
                for serial in rows {
                    problems.push(SerialProblem {
                        serial: serial?,
                        problem: "received but has no blank record".into(),
                    });
                }
            }
        }
        problems.sort_by_key(|p| p.serial);
        Ok(stock::reconcile(counts, problems))
    }

    /// The latest time the spool recorded (the clock guard's high-water mark).
    pub fn print_high_water(&self) -> Result<Option<OffsetDateTime>> {
        let s: Option<String> = self.conn.query_row(
            "SELECT max(t) FROM (SELECT max(created_at) AS t FROM print_attempts
                                 UNION ALL SELECT max(finished_at) FROM print_attempts)",
            [],
            |r| r.get(0),
        )?;
        s.as_deref().map(parse_time).transpose()
    }

    /// Make sure the queue's index exists (built by the first print run, see the migration).
    pub fn ensure_queue_index(&mut self) -> Result<()> {
        self.conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS records_queue ON records (state, jenis_permohonan, recorded_at, recording_id)
               WHERE state IN ('unique', 'queued');",
        )?;
        Ok(())
    }

    /// The next records in queue order (see `cetak_print::schedule::QueueKey`), at most `limit`.
    pub fn print_queue(&self, limit: usize) -> Result<Vec<(schedule::QueueKey, RecordState)>> {
        next_in_queue(&self.conn, limit)
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
        if !crate::printers::lease_is(&tx, printer_id, lease)? {
            return Ok(Err(ClaimRefusal::LeaseLost));
        }
        if let Some(attempt) = crate::printers::held_by_inspection(&tx, printer_id)? {
            return Ok(Err(ClaimRefusal::AwaitingInspection { attempt }));
        }
        let Some((key, state)) = next_in_queue(&tx, 1)?.into_iter().next() else {
            return Ok(Err(ClaimRefusal::QueueEmpty));
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
    /// the finding is refused, nothing moves — not even the take-over.
    pub fn attempt_inspect(
        &mut self,
        attempt_id: i64,
        finding: &AttemptEvent,
        takeover_why: &str,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<Decision> {
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
                    why: takeover_why.to_string(),
                },
                actor,
                at,
            )?;
        }
        let d = apply_in(&tx, attempt_id, finding, actor, at)?
            .ok_or_else(|| StoreError::Refused(format!("percobaan {attempt_id}: tidak ada yang berubah / attempt {attempt_id}: nothing changed")))?;
        tx.commit()?;
        Ok(d)
    }

    /// An attempt's state.
    pub fn attempt_state(&self, attempt_id: i64) -> Result<AttemptState> {
        attempt_state(&self.conn, attempt_id)
    }
}

fn attempt_state(conn: &rusqlite::Connection, attempt_id: i64) -> Result<AttemptState> {
    let state: Option<String> = conn
        .query_row(
            "SELECT state FROM print_attempts WHERE id = ?1",
            [attempt_id],
            |r| r.get(0),
        )
        .optional()?;
    let state = state.ok_or_else(|| {
        StoreError::Refused(format!(
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
        StoreError::Refused(format!(
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
                return Err(StoreError::Refused(format!(
                    "KTP pada blangko {serial} sudah diserahkan; ajukan penggantian / the card on blank {serial} was already handed over; request a replacement instead"
                )));
            }
            Some("revoked") => {
                return Err(StoreError::Refused(format!(
                    "KTP pada blangko {serial} sudah dicabut karena penggantian: catat pengembaliannya dengan `cetak print spoil {serial}` (KTP yang berlaku tidak tersentuh) / the card on blank {serial} was revoked by a replacement: record its return with `cetak print spoil {serial}` (the record's current card is not touched)"
                )));
            }
            other => {
                return Err(StoreError::Refused(format!(
                    "blangko {serial} bukan KTP tercetak ({0}) / blank {serial} holds no printed card ({0})",
                    other.unwrap_or("none")
                )));
            }
        }
    }
    let at_s = rfc3339(at);
    let spoil_cause = match event {
        AttemptEvent::InspectedSpoiled(c) | AttemptEvent::ReportedSpoiled(c) => Some(c.as_str()),
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
            reason: d.note.clone(),
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
            return Err(StoreError::Refused(format!(
                "KTP pada blangko {serial} sudah diserahkan; ajukan penggantian / the card on blank {serial} was already handed over; request a replacement instead"
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
        let (next, note) = schedule::after_failure(&profile, &run, at);
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
                    return Err(StoreError::Refused(format!(
                        "pengembalian KTP pada blangko {serial} sudah dicatat / the returned card on blank {serial} is already recorded"
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
            Some((state, _)) if state == "issued" => Err(StoreError::Refused(format!(
                "KTP pada blangko {serial} ada di tangan penduduk: ajukan penggantian dulu (`cetak print replace NIK`), lalu catat KTP yang dikembalikan / the card on blank {serial} is in the resident's hands: request a replacement (`cetak print replace NIK`) first, then record the returned card"
            ))),
            _ => {
                let attempt = self.attempt_by_serial(serial)?.ok_or_else(|| {
                    StoreError::Refused(format!("tidak ada KTP yang dicetak pada blangko {serial} / no card was printed on blank {serial}"))
                })?;
                let d = self
                    .attempt_apply(attempt, &AttemptEvent::ReportedSpoiled(cause), actor, at)?
                    .ok_or_else(|| {
                        StoreError::Refused(format!("blangko {serial}: tidak ada yang berubah / blank {serial}: nothing changed"))
                    })?;
                Ok(SpoilOutcome::Reprint(d))
            }
        }
    }

    /// Attempts in the given states (all when empty), oldest first.
    pub fn attempts(&self, states: &[AttemptState], limit: usize) -> Result<Vec<AttemptRow>> {
        self.attempts_ordered(states, limit, false)
    }

    fn attempts_ordered(
        &self,
        states: &[AttemptState],
        limit: usize,
        newest_first: bool,
    ) -> Result<Vec<AttemptRow>> {
        let filter = if states.is_empty() {
            String::new()
        } else {
            format!(
                "WHERE a.state IN ({})",
                states
                    .iter()
                    .map(|s| format!("'{}'", s.as_str()))
                    .collect::<Vec<_>>()
                    .join(",")
            )
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
        self.attempts_ordered(&[AttemptState::Completed, AttemptState::Good], limit, true)
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

    /// Raise a record to the front of the queue (a supervisor's call; audited).
    pub fn print_raise(
        &mut self,
        recording_id: &str,
        actor: &Actor,
        at: OffsetDateTime,
        reason: &str,
    ) -> Result<()> {
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
            return Err(StoreError::Refused(format!(
                "perekaman {recording_id} berstatus {state}, tidak sedang menunggu KTP / recording {recording_id} is {state}, not waiting for a card"
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
    pub fn print_replace(
        &mut self,
        nik: &str,
        actor: &Actor,
        at: OffsetDateTime,
        reason: &str,
    ) -> Result<String> {
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
            StoreError::Refused(format!("belum ada KTP yang diserahkan untuk NIK {nik}: tidak ada yang diganti / no card issued for NIK {nik}: nothing to replace"))
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
                "sebutkan siapa yang menerima KTP / say who received the card".into(),
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
                return Err(StoreError::Refused(format!(
                    "tidak ada KTP tercetak yang menunggu untuk NIK {nik} / no printed card waits for NIK {nik}"
                )));
            }
            _ => {
                return Err(StoreError::Refused(format!(
                    "{0} KTP tercetak menunggu untuk NIK {nik}: supervisor harus menyelesaikan data ganda dulu / {0} printed cards wait for NIK {nik}: a supervisor must resolve the duplicate first",
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
                StoreError::Refused(format!(
                    "NIK {nik} sudah memegang KTP yang berlaku: cabut dulu lewat permohonan penggantian / NIK {nik} already holds a valid card: revoke it with a replacement request first"
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

    /// The monthly blank-usage report for `month` (`YYYY-MM`).
    pub fn monthly_report(&self, month: &str) -> Result<MonthlyReport> {
        let valid = month.len() == 7
            && month.as_bytes()[4] == b'-'
            && month[..4].bytes().all(|b| b.is_ascii_digit())
            && matches!(month[5..].parse::<u8>(), Ok(1..=12));
        if !valid {
            return Err(StoreError::Refused(format!(
                "bulan harus YYYY-MM, bukan {month:?} / month must be YYYY-MM, got {month:?}"
            )));
        }
        let c = &self.conn;
        let received: Vec<StockReceipt> = self
            .stock_receipts()?
            .into_iter()
            .filter(|r| r.received_on.starts_with(month))
            .collect();
        let received_count = received.iter().map(|r| r.last - r.first + 1).sum();
        // Times are stored with the offset they were recorded in; the month is the office's
        // (WIB): a card printed at 06:00 WIB on the 1st belongs to that month, not the one before.
        let in_month = |at: &str| -> Result<bool> {
            let local = parse_time(at)?.to_offset(schedule::OFFICE_OFFSET);
            Ok(format!("{:04}-{:02}", local.year(), u8::from(local.month())) == month)
        };
        let serials = |sql: &str, cause: Option<&str>| -> Result<Vec<Serial>> {
            let mut stmt = c.prepare(sql)?;
            let rows: Vec<(Serial, String)> = match cause {
                Some(cause) => stmt
                    .query_map([cause], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?,
                None => stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?,
            };
            let mut out = Vec::new();
            for (serial, at) in rows {
                if in_month(&at)? {
                    out.push(serial);
                }
            }
            Ok(out)
        };
        let issued = serials(
            "SELECT serial, changed_at FROM blanks WHERE state = 'issued' ORDER BY serial",
            None,
        )?;
        let missing = serials(
            "SELECT serial, changed_at FROM blanks WHERE state = 'missing' ORDER BY serial",
            None,
        )?;
        let mut spoiled = Vec::new();
        for cause in SpoilCause::ALL {
            spoiled.push((
                cause,
                serials(
                    "SELECT serial, changed_at FROM blanks WHERE state = 'spoiled' AND cause = ?1 ORDER BY serial",
                    Some(cause.as_str()),
                )?,
            ));
        }
        let mut handed_over = 0;
        let mut stmt = c.prepare("SELECT issued_at FROM cards WHERE issued_at IS NOT NULL")?;
        for at in stmt.query_map([], |r| r.get::<_, String>(0))? {
            if in_month(&at?)? {
                handed_over += 1;
            }
        }
        Ok(MonthlyReport {
            month: month.to_string(),
            received,
            received_count,
            issued,
            spoiled,
            missing,
            handed_over,
            reconciliation: self.stock_reconcile()?,
        })
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

    /// Attempts waiting for a person to inspect the card.
    pub fn inspection_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM print_attempts WHERE state = 'inspect'",
            [],
            |r| r.get(0),
        )?)
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

/// Save a printer's duty-cycle state (bursts, cool-down, strikes).
fn save_run(conn: &rusqlite::Connection, printer_id: i64, run: &PrinterRun) -> Result<()> {
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

fn registry_state(conn: &rusqlite::Connection, recording_id: &str) -> Result<RecordState> {
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

fn self_printer_run(conn: &rusqlite::Connection, printer_id: i64) -> Result<PrinterRun> {
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

fn printer_profile_of(conn: &rusqlite::Connection, printer_id: i64) -> Result<PrinterProfile> {
    Ok(conn.query_row(
        "SELECT cards_per_day, burst, cooldown_min, hours_start, hours_end FROM printers WHERE id = ?1",
        [printer_id],
        |r| printer_profile(r, 0),
    )?)
}

/// The queue in policy order: raised records, then first-time cards, then replacements; each
/// longest-waiting first. Three small indexed queries instead of one big sort.
fn next_in_queue(
    conn: &rusqlite::Connection,
    limit: usize,
) -> Result<Vec<(schedule::QueueKey, RecordState)>> {
    let limit = limit as i64;
    let mut out: Vec<(schedule::QueueKey, RecordState)> = Vec::new();
    let queries = [
        // raised
        "SELECT r.recording_id, r.recorded_at, r.state, 1,
                (pr.replacement = 1 OR r.jenis_permohonan = 'PENGGANTIAN')
         FROM print_requests pr JOIN records r ON r.recording_id = pr.recording_id
         WHERE pr.raised = 1 AND r.state IN ('unique', 'queued')
         ORDER BY 5, r.recorded_at, r.recording_id LIMIT ?1",
        // first-time cards
        "SELECT r.recording_id, r.recorded_at, r.state, 0, 0 FROM records r
         WHERE r.state IN ('unique', 'queued') AND r.jenis_permohonan = 'BARU'
           AND NOT EXISTS (SELECT 1 FROM print_requests pr WHERE pr.recording_id = r.recording_id
                           AND (pr.raised = 1 OR pr.replacement = 1))
         ORDER BY r.recorded_at, r.recording_id LIMIT ?1",
        // replacements
        "SELECT r.recording_id, r.recorded_at, r.state, 0, 1 FROM records r
         LEFT JOIN print_requests pr ON pr.recording_id = r.recording_id
         WHERE r.state IN ('unique', 'queued') AND coalesce(pr.raised, 0) = 0
           AND (r.jenis_permohonan <> 'BARU' OR coalesce(pr.replacement, 0) = 1)
         ORDER BY r.recorded_at, r.recording_id LIMIT ?1",
    ];
    for sql in queries {
        if out.len() as i64 >= limit {
            break;
        }
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([limit - out.len() as i64], |r| {
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
