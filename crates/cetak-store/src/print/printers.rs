//! Printers: add, list with today's state, pause and resume.

use crate::Change;
use cetak_domain::lifecycle::Actor;
use cetak_print::schedule::{PrinterProfile, PrinterRun};
use rusqlite::{TransactionBehavior, params};
use time::OffsetDateTime;

use super::*;
use crate::{Result, Store, StoreError, rfc3339};

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
                "kartu per hari dan jumlah kartu berturut-turut harus positif, pendinginan tidak boleh negatif / cards per day and burst must be positive, cool-down not negative".into(),
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
            return Err(StoreError::Conflict(format!(
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
                        AND a.id > p.hopper_reseated_after),
                    p.encoder
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
                r.get::<_, Option<String>>(16)?,
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
                encoder,
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
                encoder,
            });
        }
        Ok(out)
    }

    /// Pause or resume a printer (audited).
    pub fn printer_set_paused(
        &mut self,
        name: &str,
        paused: bool,
        change: Change<'_>,
    ) -> Result<()> {
        let Change { actor, at, reason } = change;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE printers SET paused = ?2 WHERE name = ?1",
            params![name, paused],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
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
}
