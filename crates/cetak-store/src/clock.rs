//! The office clock guard: every command that writes records no time before the newest one in
//! the books; a supervisor declares a clock that ran ahead fixed (audited).

use cetak_print::clock::{ClockWarning, RunClock};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::print::audit as audit_entry;
use crate::{Change, Result, Store, StoreError, rfc3339};

/// The office clock guard: the latest recorded time, and what the wall clock is believed to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficeClock {
    /// The time to record.
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// Why the wall clock was not believed.
    pub warning: Option<ClockWarning>,
}

impl Store {
    /// The latest time the office recorded: the newest audit entry (every change is audited,
    /// and every writer records no earlier time than this).
    pub fn office_high_water(&self) -> Result<Option<OffsetDateTime>> {
        let at: Option<String> = self
            .conn
            .query_row(
                "SELECT at FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        at.map(|s| {
            OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
                .map_err(|e| StoreError::Corrupt(format!("audit time {s:?}: {e}")))
        })
        .transpose()
    }

    /// The clock guard for every command that writes: the wall clock, unless it is behind the
    /// latest recorded time (then that time, with a warning).
    pub fn office_time(&self, wall: OffsetDateTime) -> Result<OfficeClock> {
        let (clock, warning) = RunClock::start(wall, self.office_high_water()?);
        let (now, _) = clock.now(wall, std::time::Duration::ZERO);
        Ok(OfficeClock { now, warning })
    }

    /// A supervisor confirms that the wall clock is right now and that the times recorded
    /// after it came from a clock that ran ahead (audited; the one entry whose time may go
    /// back). Cool-downs set in that future end now. The change's time is the wall clock
    /// confirmed. Returns the high-water mark it replaced.
    pub fn clock_reset(&mut self, change: Change<'_>) -> Result<Option<OffsetDateTime>> {
        let Change {
            actor,
            at: wall,
            reason,
        } = change;
        if reason.trim().is_empty() {
            return Err(StoreError::Refused(
                "penyetelan ulang jam perlu alasan / a clock reset needs a reason".into(),
            ));
        }
        let before = self.office_high_water()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let wall_s = rfc3339(wall);
        let mut stmt =
            tx.prepare("SELECT id, cooling_until FROM printers WHERE cooling_until IS NOT NULL")?;
        let cooling: Vec<(i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        for (id, until) in cooling {
            let until =
                OffsetDateTime::parse(&until, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| StoreError::Corrupt(format!("cooling time {until:?}: {e}")))?;
            if until > wall {
                tx.execute(
                    "UPDATE printers SET cooling_until = ?2 WHERE id = ?1",
                    params![id, wall_s],
                )?;
            }
        }
        audit_entry(
            &tx,
            wall,
            actor,
            "clock_reset",
            "clock",
            reason,
            serde_json::json!({ "previous_high_water": before.map(rfc3339) }),
        )?;
        tx.commit()?;
        Ok(before)
    }
}
