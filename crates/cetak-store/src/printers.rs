//! The printers as the office changes them — edit, take out of service, re-seat a hopper —,
//! the lease that lets one print run at a time drive a printer, and the office clock guard.
//!
//! These rules exist because of what an operator reasonably does next (issue 13): start a
//! second run from the pages while the CLI prints, fix a printer's address, empty a hopper to
//! look at it, set a clock that ran ahead.

use cetak_domain::lifecycle::Actor;
use cetak_print::clock::{ClockWarning, RunClock};
use cetak_print::schedule::PrinterProfile;
use cetak_print::stock::Serial;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, AuditEntry};
use crate::{Result, Store, StoreError, rfc3339};

/// A lease not renewed for this long, held from another host, may be taken over.
pub const LEASE_STALE: time::Duration = time::Duration::minutes(2);

/// Who runs a print run: a process on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaseHolder {
    /// Process id.
    pub pid: u32,
    /// Host name.
    pub host: String,
}

/// A lease this run holds on a printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lease {
    /// The printer.
    pub printer_id: i64,
    /// Proof of holding it (checked by every claim).
    pub token: String,
    /// A crashed holder's lease was taken over.
    pub took_over: Option<LeaseHolder>,
}

/// The office clock guard: the latest recorded time, and what the wall clock is believed to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficeClock {
    /// The time to record.
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// Why the wall clock was not believed.
    pub warning: Option<ClockWarning>,
}

pub(crate) fn lease_is(tx: &rusqlite::Connection, printer_id: i64, token: &str) -> Result<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM print_leases WHERE printer_id = ?1 AND token = ?2)",
        params![printer_id, token],
        |r| r.get(0),
    )?)
}

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
        StoreError::Refused(format!(
            "tidak ada printer bernama {name:?} / no printer named {name:?}"
        ))
    })
}

fn audit_entry(
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

fn open_attempts(tx: &rusqlite::Connection, printer_id: i64) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT count(*) FROM print_attempts WHERE printer_id = ?1 AND state IN ('intent', 'sent')",
        [printer_id],
        |r| r.get(0),
    )?)
}

/// Serials in order, as ranges an operator can read (`[(1, 50), (53, 53)]`).
pub fn serial_ranges(serials: &[Serial]) -> Vec<(Serial, Serial)> {
    let mut out: Vec<(Serial, Serial)> = Vec::new();
    for &s in serials {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == s => *last = s,
            _ => out.push((s, s)),
        }
    }
    out
}

impl Store {
    /// Take (or take over) the lease on a printer for one print run. `Err(holder)`: another
    /// live run holds it. A lease from this host whose pid `is_alive` says is gone, or one not
    /// renewed for [`LEASE_STALE`], is taken over (audited).
    pub fn lease_take(
        &mut self,
        printer_id: i64,
        me: &LeaseHolder,
        is_alive: &dyn Fn(u32) -> bool,
        at: OffsetDateTime,
    ) -> Result<std::result::Result<Lease, LeaseHolder>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<(u32, String, String)> = tx
            .query_row(
                "SELECT pid, host, renewed_at FROM print_leases WHERE printer_id = ?1",
                [printer_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let mut took_over = None;
        if let Some((pid, host, renewed)) = current {
            let holder = LeaseHolder { pid, host };
            let renewed =
                OffsetDateTime::parse(&renewed, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| StoreError::Corrupt(format!("lease time {renewed:?}: {e}")))?;
            let stale = if holder.host == me.host {
                holder.pid != me.pid && !is_alive(holder.pid)
            } else {
                at - renewed > LEASE_STALE
            };
            if !stale {
                return Ok(Err(holder));
            }
            took_over = Some(holder);
        }
        // Unique per take: the holder and the moment, to the nanosecond.
        let token = format!(
            "{}@{}#{}",
            me.pid,
            me.host,
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        );
        tx.execute(
            "INSERT INTO print_leases (printer_id, token, pid, host, taken_at, renewed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (printer_id) DO UPDATE SET token = ?2, pid = ?3, host = ?4, taken_at = ?5, renewed_at = ?5",
            params![printer_id, token, me.pid, me.host, rfc3339(at)],
        )?;
        if let Some(old) = &took_over {
            audit_entry(
                &tx,
                at,
                &Actor::system("spool"),
                "print_lease_takeover",
                &format!("printer_id:{printer_id}"),
                "the run that held this printer is gone",
                serde_json::json!({ "old": old, "new": me }),
            )?;
        }
        tx.commit()?;
        Ok(Ok(Lease {
            printer_id,
            token,
            took_over,
        }))
    }

    /// Renew a lease; false when it was taken over.
    pub fn lease_renew(&mut self, lease: &Lease, at: OffsetDateTime) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE print_leases SET renewed_at = ?3 WHERE printer_id = ?1 AND token = ?2",
            params![lease.printer_id, lease.token, rfc3339(at)],
        )? == 1)
    }

    /// Give a lease back at the end of a run.
    pub fn lease_release(&mut self, lease: &Lease) -> Result<()> {
        self.conn.execute(
            "DELETE FROM print_leases WHERE printer_id = ?1 AND token = ?2",
            params![lease.printer_id, lease.token],
        )?;
        Ok(())
    }

    /// Who holds each printer's lease now (printer id, holder).
    pub fn leases(&self) -> Result<Vec<(i64, LeaseHolder)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT printer_id, pid, host FROM print_leases ORDER BY printer_id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                LeaseHolder {
                    pid: r.get(1)?,
                    host: r.get(2)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The unused blanks the books place in a printer's hopper, lowest first (the order the
    /// operator was told to load them).
    pub fn hopper(&self, printer_id: i64) -> Result<Vec<Serial>> {
        let mut stmt = self.conn.prepare(
            "SELECT serial FROM blanks WHERE loaded_in = ?1 AND state = 'on_hand' ORDER BY serial",
        )?;
        let rows = stmt.query_map([printer_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
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
                "kartu per hari dan burst harus positif, pendinginan tidak boleh negatif / cards per day and burst must be positive, cool-down not negative".into(),
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
    pub fn printer_remove(
        &mut self,
        name: &str,
        actor: &Actor,
        at: OffsetDateTime,
        reason: &str,
    ) -> Result<Vec<Serial>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = printer_id(&tx, name)?;
        if open_attempts(&tx, id)? > 0 {
            return Err(StoreError::Refused(format!(
                "printer {name} sedang mencetak: tunggu prosesnya selesai / printer {name} is working on a card: let the run finish first"
            )));
        }
        if let Some(a) = held_by_inspection(&tx, id)? {
            return Err(StoreError::Refused(format!(
                "percobaan {a} di printer {name} menunggu pemeriksaan: catat dulu dengan `cetak print inspect {a}` / attempt {a} on printer {name} waits for inspection: record it with `cetak print inspect {a}` first"
            )));
        }
        let leased: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM print_leases WHERE printer_id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if leased {
            return Err(StoreError::Refused(format!(
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
            serde_json::json!({ "blanks_to_safe": serial_ranges(&serials) }),
        )?;
        tx.commit()?;
        Ok(serials)
    }

    /// The operator empties a printer's hopper into the safe instead of waiting for an
    /// inspection (audited). Returns the serials the books had in the hopper. Afterwards the
    /// printer takes cards again; the next card says which blanks to load, in which order. A
    /// blank of an attempt still waiting for inspection is in the safe if it was never fed.
    pub fn printer_reseat(
        &mut self,
        name: &str,
        actor: &Actor,
        at: OffsetDateTime,
        reason: &str,
    ) -> Result<Vec<Serial>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = printer_id(&tx, name)?;
        if open_attempts(&tx, id)? > 0 {
            return Err(StoreError::Refused(format!(
                "printer {name} sedang mencetak: tunggu sebelum mengosongkan hopper / printer {name} is working on a card: wait for it before emptying the hopper"
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
            serde_json::json!({ "blanks_to_safe": serial_ranges(&serials), "inspections_pending_up_to": newest_inspect }),
        )?;
        tx.commit()?;
        Ok(serials)
    }

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
    /// back). Cool-downs set in that future end now. Returns the high-water mark it replaced.
    pub fn clock_reset(
        &mut self,
        wall: OffsetDateTime,
        actor: &Actor,
        reason: &str,
    ) -> Result<Option<OffsetDateTime>> {
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

fn hopper_in(tx: &rusqlite::Connection, printer_id: i64) -> Result<Vec<Serial>> {
    let mut stmt = tx.prepare(
        "SELECT serial FROM blanks WHERE loaded_in = ?1 AND state = 'on_hand' ORDER BY serial",
    )?;
    let rows = stmt.query_map([printer_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_read_as_ranges() {
        assert_eq!(serial_ranges(&[]), vec![]);
        assert_eq!(
            serial_ranges(&[1, 2, 3, 5, 7, 8]),
            vec![(1, 3), (5, 5), (7, 8)]
        );
    }
}
