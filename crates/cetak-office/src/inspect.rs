//! A person's finding for a print attempt (`cetak print inspect`, the print page's inspection
//! form): before it is recorded, the printer must have let go of the job — not in its list as
//! underway, and for "unused" idle, so no card can still come out. Both the command line and
//! the page ask here, then record the finding with `Store::attempt_inspect`, which takes an
//! attempt the printer still answers for over first.

use std::time::Duration;

use cetak_print::schedule;
use cetak_print::spool::{AttemptEvent, JobPhase};
use cetak_store::Store;

use crate::print_run::ask;
use crate::{OfficeError, port, wall_now};

/// Why a finding may not be recorded now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectRefusal {
    /// The attempt's printer was removed: only a check by hand can say.
    #[error("the printer of this attempt was removed: {printer}")]
    PrinterRemoved {
        /// Its name.
        printer: String,
    },
    /// The printer could not be asked.
    #[error("cannot ask the printer {printer}: {error}")]
    CannotAsk {
        /// Its name.
        printer: String,
        /// What went wrong.
        error: String,
    },
    /// The printer still holds the job.
    #[error("printer {printer} still holds this job")]
    StillHolds {
        /// Its name.
        printer: String,
    },
    /// "Unused", but the printer says it completed the card.
    #[error("the printer says it completed this card")]
    SaysCompleted,
    /// "Unused", but the printer is working: the blank may still be fed.
    #[error("printer {printer} is busy")]
    Busy {
        /// Its name.
        printer: String,
    },
}

/// Whether `finding` for `attempt` may be recorded now. `Ok(Err(_))`: not now, and why.
pub fn printer_lets_go(
    store: &Store,
    attempt: i64,
    finding: &AttemptEvent,
) -> Result<Result<(), InspectRefusal>, OfficeError> {
    let a = store
        .attempt(attempt)?
        .ok_or(OfficeError::NoSuchAttempt(attempt))?;
    let uri = store
        .printers(&schedule::office_day(wall_now()))?
        .into_iter()
        .find(|p| p.id == a.printer_id)
        .map(|p| p.uri);
    let Some(uri) = uri else {
        return Ok(Err(InspectRefusal::PrinterRemoved {
            printer: a.printer.clone(),
        }));
    };
    let cannot_ask = |error: String| InspectRefusal::CannotAsk {
        printer: a.printer.clone(),
        error,
    };
    let port = match port::open(&uri, Duration::from_secs(5)) {
        Ok(port) => port,
        Err(e) => return Ok(Err(cannot_ask(e.to_string()))),
    };
    let status = match port.status() {
        Ok(s) => s,
        Err(e) => return Ok(Err(cannot_ask(e.to_string()))),
    };
    let event = match ask(port.as_ref(), &a) {
        Ok(e) => e,
        Err(e) => return Ok(Err(cannot_ask(e.to_string()))),
    };
    let phase = match &event {
        AttemptEvent::Found { phase, .. } | AttemptEvent::Observed { phase, .. } => Some(*phase),
        _ => None,
    };
    if matches!(phase, Some(JobPhase::Underway | JobPhase::Stopped)) {
        return Ok(Err(InspectRefusal::StillHolds {
            printer: a.printer.clone(),
        }));
    }
    if matches!(finding, AttemptEvent::InspectedUnused) {
        if phase == Some(JobPhase::Completed) {
            return Ok(Err(InspectRefusal::SaysCompleted));
        }
        if !status.idle {
            return Ok(Err(InspectRefusal::Busy {
                printer: a.printer.clone(),
            }));
        }
    }
    Ok(Ok(()))
}
