//! One print run per printer at a time, for the CLI and the pages alike: a lease in the
//! database naming its holder (pid and host), taken over when the holder is gone.

use cetak_domain::lifecycle::Actor;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use super::audit as audit_entry;
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

pub(crate) fn lease_is(tx: &rusqlite::Connection, printer_id: i64, token: &str) -> Result<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM print_leases WHERE printer_id = ?1 AND token = ?2)",
        params![printer_id, token],
        |r| r.get(0),
    )?)
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
}
