//! Blank stock (blangko): receipts, blank events by hand, and the reconciliation.

use cetak_domain::lifecycle::Actor;
use cetak_print::stock::{
    self, BlankEvent, BlankState, Reconciliation, Serial, SerialProblem, SerialRange, StockCounts,
};
use rusqlite::{TransactionBehavior, params};
use time::OffsetDateTime;

use super::*;
use crate::{Result, Store, StoreError, rfc3339};

impl Store {
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
        stock::check_receipt(range, &existing).map_err(|e| match e {
            stock::ReceiveError::BadRange { first, last } => StoreError::Refused(format!(
                "rentang nomor {first}..{last} kosong atau tidak positif / {e}"
            )),
            stock::ReceiveError::TooLarge { count, max, .. } => StoreError::Refused(format!(
                "rentang berisi {count} blangko; satu pengiriman paling banyak {max} (salah ketik?) / {e}"
            )),
            stock::ReceiveError::Overlap {
                existing_first,
                existing_last,
                ..
            } => StoreError::Conflict(format!(
                "nomor ini bertumpang dengan kiriman {existing_first}..{existing_last} yang sudah diterima / {e}"
            )),
        })?;
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
            return Err(StoreError::Conflict(
                "pemakaian, kartu baik dan blangko tidak terpakai dicatat oleh antrean cetak, tidak secara manual / use, good card and unused are recorded by the spool, not by hand".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        match blank_state(&tx, serial)? {
            BlankState::InPrint => {
                return Err(StoreError::Conflict(format!(
                    "blangko {serial} milik sebuah percobaan cetak: catat hasilnya dengan `cetak print inspect` / blank {serial} belongs to a print attempt: record its outcome with `cetak print inspect`"
                )));
            }
            // An issued blank is a card: the books would say spoiled while the card is valid.
            BlankState::Issued => {
                return Err(StoreError::Conflict(format!(
                    "blangko {serial} sudah menjadi KTP-el tercetak, bukan blangko: KTP-el rusak sebelum diserahkan dicatat dengan `cetak print spoil {serial} --cause PENYEBAB`; KTP-el yang sudah diserahkan kembali lewat `cetak print replace NIK`, lalu `cetak print spoil {serial} --cause PENYEBAB` mencatat pengembaliannya / blank {serial} is a printed card, not a blank: a card spoiled before hand-over is reported with `cetak print spoil {serial} --cause CAUSE`; a card handed over comes back through `cetak print replace NIK`, then `cetak print spoil {serial} --cause CAUSE` records its return"
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
}
