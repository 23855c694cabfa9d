//! The monthly blank-usage report, in the office's (WIB) month.

use cetak_print::schedule::{self};
use cetak_print::stock::{Reconciliation, Serial, SpoilCause};
use serde::Serialize;

use super::*;
use crate::{Result, Store, StoreError};

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

impl Store {
    /// The monthly blank-usage report for `month` (`YYYY-MM`).
    pub fn monthly_report(&self, month: &str) -> Result<MonthlyReport> {
        let valid = month.len() == 7
            && month.as_bytes()[4] == b'-'
            && month[..4].bytes().all(|b| b.is_ascii_digit())
            && matches!(month[5..].parse::<u8>(), Ok(1..=12));
        if !valid {
            return Err(StoreError::Refused(format!(
                "bulan harus berbentuk TTTT-BB, bukan {month:?} / month must be YYYY-MM, got {month:?}"
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
}
