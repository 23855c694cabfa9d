//! `cetak clock …`: the office clock guard, seen and corrected.

use std::process::ExitCode;

use anyhow::bail;
use cetak_domain::lifecycle::Actor;
use cetak_store::Change;
use clap::Subcommand;
use serde_json::json;

use super::{Context, office_time_text, open_store, print_json};
use crate::text::t;

#[derive(Debug, Subcommand)]
pub enum ClockCommand {
    /// The computer clock, the latest recorded time, and whether the guard holds it back.
    Show,
    /// Supervisor: the computer clock is right now; the times recorded after it came from a
    /// clock that ran ahead. Audited; cool-downs set in that future end now.
    Reset {
        /// Why (e.g. "BIOS battery replaced, clock set from the phone network").
        #[arg(long)]
        reason: String,
    },
}

pub fn run(ctx: &Context, cmd: ClockCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    let wall = super::print::wall_now();
    match cmd {
        ClockCommand::Show => {
            let high = store.office_high_water()?;
            let guard = store.office_time(wall)?;
            if ctx.json {
                print_json(&json!({
                    "wall": wall.format(&time::format_description::well_known::Rfc3339)?,
                    "last_recorded": high.map(|h| h.format(&time::format_description::well_known::Rfc3339)).transpose()?,
                    "warning": guard.warning,
                }))?;
            } else {
                outln!(
                    "{}: {}",
                    t("Jam komputer", "Computer clock"),
                    office_time_text(wall)
                )?;
                if let Some(h) = high {
                    outln!(
                        "{}: {}",
                        t("Waktu terakhir tercatat", "Last recorded time"),
                        office_time_text(h)
                    )?;
                }
                if let Some(w) = &guard.warning {
                    outln!("{}", super::print::clock_warning_text(w))?;
                }
            }
        }
        ClockCommand::Reset { reason } => {
            if !ctx.actor.starts_with("supervisor:") && !ctx.actor.starts_with("admin:") {
                bail!(
                    "{}",
                    t(
                        "hanya penyelia yang dapat menyetel ulang jam: --actor supervisor:NAMA",
                        "only a supervisor resets the clock: --actor supervisor:NAME"
                    )
                );
            }
            let before =
                store.clock_reset(Change::new(&Actor(ctx.actor.clone()), wall, &reason))?;
            if ctx.json {
                print_json(&json!({
                    "reset_to": wall.format(&time::format_description::well_known::Rfc3339)?,
                    "previous_high_water": before.map(|h| h.format(&time::format_description::well_known::Rfc3339)).transpose()?,
                }))?;
            } else {
                outln!(
                    "{} {}",
                    t(
                        "Jam kantor kini mengikuti jam komputer:",
                        "The office clock now follows the computer clock:"
                    ),
                    office_time_text(wall)
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
