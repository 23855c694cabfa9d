//! One print attempt, from the intent written before sending to its final outcome.
//!
//! ```text
//!  Intent ──Accepted──► Sent ──Observed(completed)──► Completed ──ReportedSpoiled──► Spoiled
//!   │ │                  │ └──Observed(aborted/canceled) / NotFound──► Inspect
//!   │ └─NotDelivered──► NotSent                                         │ ├─InspectedGood──► Good
//!   └──FoundByName──► Sent (then as Sent) ; NotFound──► Inspect          │ ├─InspectedSpoiled──► Spoiled
//!                                                                       │ └─InspectedUnused──► NotSent
//! ```
//!
//! The intent (record, blank serial, printer, job name) is stored durably *before* the printer
//! hears of it. After that, only the printer's own word or a person moves the attempt on:
//! - the printer accepted the job → follow it by `job-uuid` (job ids restart with the printer);
//! - the request certainly never arrived (connection refused, an IPP error status) → not sent:
//!   the blank goes back on hand and the record back to the queue;
//! - anything that may have reached the printer (a timeout, a crash of ours, a reset) → look the
//!   job up in the printer's own job list by its name; if the printer does not know it, a person
//!   inspects the output tray.
//!
//! `completed` means the printer says it sent the card through, not that the card is good: a
//! melted or misprinted card is reported afterwards ([`AttemptEvent::ReportedSpoiled`]).
//! No event here ever leads to sending the same card again; a new attempt on a new blank is the
//! only way to print a record twice, and only after this one is final and not good.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use cetak_domain::lifecycle::Event;
use serde::Serialize;
use thiserror::Error;

use crate::stock::{BlankEvent, Serial, SpoilCause};

/// Where an attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    /// Written down; the printer may or may not have it.
    Intent,
    /// The printer accepted the job; following it.
    Sent,
    /// The printer completed the job: the card is presumed good.
    Completed,
    /// Outcome not known or the job failed: a person must look.
    Inspect,
    /// A person found the card good.
    Good,
    /// The card was spoiled.
    Spoiled,
    /// The printer never got the job; the blank was not used.
    NotSent,
}

impl AttemptState {
    /// Every state.
    pub const ALL: [AttemptState; 7] = [
        AttemptState::Intent,
        AttemptState::Sent,
        AttemptState::Completed,
        AttemptState::Inspect,
        AttemptState::Good,
        AttemptState::Spoiled,
        AttemptState::NotSent,
    ];

    /// Stable string form, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Intent => "intent",
            AttemptState::Sent => "sent",
            AttemptState::Completed => "completed",
            AttemptState::Inspect => "inspect",
            AttemptState::Good => "good",
            AttemptState::Spoiled => "spoiled",
            AttemptState::NotSent => "not_sent",
        }
    }

    /// Parse the stored form.
    pub fn parse(s: &str) -> Option<AttemptState> {
        AttemptState::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Waiting on the printer (the spool follows it).
    pub fn is_pending(self) -> bool {
        matches!(self, AttemptState::Intent | AttemptState::Sent)
    }

    /// A good card came of it.
    pub fn made_a_card(self) -> bool {
        matches!(self, AttemptState::Completed | AttemptState::Good)
    }
}

impl fmt::Display for AttemptState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IPP job's state as the printer reports it (RFC 8011 §5.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobPhase {
    /// pending, pending-held, processing.
    Underway,
    /// processing-stopped: the printer needs a hand (jam, cover, hopper).
    Stopped,
    /// completed.
    Completed,
    /// aborted by the printer.
    Aborted,
    /// canceled.
    Canceled,
}

/// What happened to an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEvent {
    /// Print-Job answered with a job.
    Accepted {
        /// Its id (restarts with the printer).
        job_id: i32,
        /// Its uuid (stable).
        job_uuid: String,
    },
    /// The request certainly never reached the printer, or the printer refused it.
    NotDelivered {
        /// Why.
        why: String,
    },
    /// The request may have reached the printer (timeout, reset, crash of ours): look it up.
    Uncertain {
        /// Why.
        why: String,
    },
    /// The printer's job list holds this attempt's job (matched by name or uuid).
    Found {
        /// Its id now.
        job_id: i32,
        /// Its uuid.
        job_uuid: String,
        /// Its state.
        phase: JobPhase,
        /// job-state-reasons and printer-state-reasons, suffixes stripped.
        reasons: Vec<String>,
    },
    /// The printer reported on the job.
    Observed {
        /// Its state.
        phase: JobPhase,
        /// Reasons, suffixes stripped.
        reasons: Vec<String>,
    },
    /// The printer does not know the job (it restarted, purged it, or never got it).
    NotFound {
        /// What was asked and what the printer said.
        why: String,
    },
    /// An operator takes over an attempt the printer cannot answer for (printer gone).
    OperatorTakesOver {
        /// Why.
        why: String,
    },
    /// Inspection: the card is good.
    InspectedGood,
    /// Inspection: the card is spoiled.
    InspectedSpoiled(SpoilCause),
    /// Inspection: the blank is unused (the printer never fed it).
    InspectedUnused,
    /// A card presumed good turned out spoiled (melted, misprint, dead chip, …).
    ReportedSpoiled(SpoilCause),
    /// The chip was written (in whole or in part) before printing and is not good: it failed
    /// the write, the read-back or passive authentication. The blank is spoiled
    /// (`chip_failure`) and the record goes back to the queue; the print job was never sent.
    ChipFailed {
        /// The card fault's code and words.
        why: String,
    },
    /// After an interruption, the chip of an intent could not be read back (no card in the
    /// encoder, …): nobody knows what is on the blank, so a person looks.
    ChipUnknown {
        /// Why it could not be checked.
        why: String,
    },
}

/// What the store must do, in one transaction, for an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The attempt's new state.
    pub to: AttemptState,
    /// The blank's event, if any.
    pub blank: Option<BlankEvent>,
    /// The record's lifecycle event, if any.
    pub record: Option<Event>,
    /// A card is born (printed) or dies (spoiled).
    pub card: Option<CardChange>,
    /// The printer itself is to blame: cool it down longer.
    pub printer_failure: Option<SpoilCause>,
    /// For the operator: what happened and what to do (most notes are fixed words: borrowed,
    /// not copied, on every card).
    pub note: Cow<'static, str>,
    /// Job identity learned from the printer.
    pub job: Option<(i32, String)>,
    /// A cause the printer's reasons suggest, for inspection.
    pub suggested_cause: Option<SpoilCause>,
}

impl Decision {
    /// The printer's duty cycle after this decision: a failure blamed on the printer cools it
    /// down longer ([`crate::schedule::after_failure`]), with the words for the operator;
    /// `None`: unchanged. The store and the simulator both apply exactly this.
    pub fn printer_run_after(
        &self,
        profile: &crate::schedule::PrinterProfile,
        run: &crate::schedule::PrinterRun,
        at: time::OffsetDateTime,
    ) -> Option<(crate::schedule::PrinterRun, String)> {
        self.printer_failure
            .map(|_| crate::schedule::after_failure(profile, run, at))
    }
}

/// A change to the card table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardChange {
    /// A card exists for the record on this blank.
    Printed,
    /// The card on this blank is spoiled.
    Spoiled,
}

/// An event its attempt's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("attempt is {from}: {event} is not allowed")]
pub struct IllegalAttemptEvent {
    /// The attempt's state.
    pub from: AttemptState,
    /// The event, for the message.
    pub event: String,
}

impl Decision {
    fn to(to: AttemptState, note: impl Into<Cow<'static, str>>) -> Decision {
        Decision {
            to,
            blank: None,
            record: None,
            card: None,
            printer_failure: None,
            note: note.into(),
            job: None,
            suggested_cause: None,
        }
    }
}

fn reasons_text(reasons: &[String]) -> String {
    if reasons.is_empty() {
        "no reason given".into()
    } else {
        reasons.join(", ")
    }
}

/// The spoil cause a printer's reasons point to, if any.
pub fn suggested_cause(reasons: &[String]) -> Option<SpoilCause> {
    reasons.iter().find_map(|r| match r.as_str() {
        "media-jam" | "input-tray-missing" => Some(SpoilCause::Jam),
        "marker-supply-empty" | "marker-supply-low" => Some(SpoilCause::Misprint),
        _ => None,
    })
}

fn completed(note: &'static str) -> Decision {
    Decision {
        blank: Some(BlankEvent::CardGood),
        record: Some(Event::PrintConfirmed),
        card: Some(CardChange::Printed),
        ..Decision::to(AttemptState::Completed, note)
    }
}

fn observe(phase: JobPhase, reasons: &[String]) -> Option<Decision> {
    match phase {
        JobPhase::Underway => None,
        JobPhase::Stopped => None,
        JobPhase::Completed => Some(completed(
            "the printer completed the job (a completed job is not proof of a good card)",
        )),
        JobPhase::Aborted | JobPhase::Canceled => Some(Decision {
            suggested_cause: suggested_cause(reasons),
            ..Decision::to(
                AttemptState::Inspect,
                format!(
                    "the printer {} the job ({}): check the card and record the outcome",
                    if phase == JobPhase::Aborted {
                        "aborted"
                    } else {
                        "canceled"
                    },
                    reasons_text(reasons)
                ),
            )
        }),
    }
}

/// Decide what an event means for an attempt in `from`. `Ok(None)`: nothing changes (the job is
/// still underway).
pub fn decide(
    from: AttemptState,
    event: &AttemptEvent,
) -> Result<Option<Decision>, IllegalAttemptEvent> {
    use AttemptEvent as E;
    use AttemptState as S;
    let illegal = || IllegalAttemptEvent {
        from,
        event: format!("{event:?}"),
    };
    let d = match (from, event) {
        (S::Intent, E::Accepted { job_id, job_uuid }) => Some(Decision {
            job: Some((*job_id, job_uuid.clone())),
            ..Decision::to(S::Sent, accepted_note(*job_id, job_uuid))
        }),
        (S::Intent, E::NotDelivered { why }) => Some(Decision {
            blank: Some(BlankEvent::Unused),
            record: Some(Event::PrintNotSent),
            ..Decision::to(S::NotSent, format!("not sent: {why}"))
        }),
        // Stay an intent; the spool looks the job up by name before anything else.
        (S::Intent, E::Uncertain { .. }) => None,
        (
            S::Intent | S::Sent,
            E::Found {
                job_id,
                job_uuid,
                phase,
                reasons,
            },
        ) => {
            let mut d = observe(*phase, reasons).unwrap_or_else(|| {
                Decision::to(
                    S::Sent,
                    format!("found job {job_id} ({job_uuid}) at the printer"),
                )
            });
            d.job = Some((*job_id, job_uuid.clone()));
            Some(d)
        }
        (S::Sent, E::Observed { phase, reasons }) => observe(*phase, reasons),
        (S::Intent | S::Sent, E::NotFound { why }) => Some(Decision::to(
            S::Inspect,
            format!(
                "the printer cannot confirm this card ({why}): look in the output tray and record the outcome"
            ),
        )),
        // Encoding comes before the print job: an intent whose chip failed was never sent.
        (S::Intent, E::ChipFailed { why }) => Some(Decision {
            note: format!(
                "the chip failed before printing ({why}): spoiled (chip_failure); the record goes back to the queue"
            )
            .into(),
            ..spoiled(SpoilCause::ChipFailure, "encoding")
        }),
        (S::Intent, E::ChipUnknown { why }) => Some(Decision::to(
            S::Inspect,
            format!(
                "the chip could not be checked after an interruption ({why}): find the blank, look at it and record the outcome"
            ),
        )),
        (S::Intent | S::Sent, E::OperatorTakesOver { why }) => Some(Decision::to(
            S::Inspect,
            format!("taken over by an operator: {why}"),
        )),
        (S::Inspect, E::InspectedGood) => Some(Decision {
            to: S::Good,
            ..completed("inspected: the card is good")
        }),
        (S::Inspect, E::InspectedSpoiled(cause)) => Some(spoiled(*cause, "inspected")),
        (S::Inspect, E::InspectedUnused) => Some(Decision {
            blank: Some(BlankEvent::Unused),
            record: Some(Event::PrintNotSent),
            ..Decision::to(S::NotSent, "inspected: the blank was never used")
        }),
        (S::Completed | S::Good, E::ReportedSpoiled(cause)) => Some(Decision {
            card: Some(CardChange::Spoiled),
            ..spoiled(*cause, "reported after printing")
        }),
        _ => return Err(illegal()),
    };
    Ok(d)
}

/// "printer accepted job {job_id} ({job_uuid})", written once for every card sent, without the
/// formatting machinery.
fn accepted_note(job_id: i32, job_uuid: &str) -> String {
    let mut note = String::with_capacity(40 + job_uuid.len());
    note.push_str("printer accepted job ");
    note.push_str(itoa::Buffer::new().format(job_id));
    note.push_str(" (");
    note.push_str(job_uuid);
    note.push(')');
    note
}

fn spoiled(cause: SpoilCause, how: &str) -> Decision {
    Decision {
        blank: Some(BlankEvent::Spoil(cause)),
        record: Some(Event::PrintSpoiled),
        printer_failure: cause.blames_printer().then_some(cause),
        ..Decision::to(
            AttemptState::Spoiled,
            format!(
                "{how}: spoiled ({cause}); cut the card's corner and keep it for the monthly return"
            ),
        )
    }
}

/// The IPP job name of an attempt: it carries the blank serial, so a card in the output tray
/// and a job in the printer's list both say which blank and which attempt they are.
pub fn job_name(serial: Serial, attempt_id: i64) -> String {
    match (u64::try_from(serial), u64::try_from(attempt_id)) {
        (Ok(serial), Ok(attempt_id)) => {
            // Every card's job gets one: written without the formatting machinery, which was
            // a twentieth of a simulated office's time.
            let mut name = String::with_capacity(36);
            name.push_str("KTP-");
            push_zero_padded(&mut name, serial, 10);
            name.push_str("-A");
            push_zero_padded(&mut name, attempt_id, 0);
            name
        }
        _ => format!("KTP-{serial:010}-A{attempt_id}"),
    }
}

/// Append `n` in at least `width` digits, as `write!(out, "{n:0width$}")` does.
pub fn push_zero_padded(out: &mut String, n: u64, width: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(n);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.push_str(digits);
}

/// The serial and attempt id in a job name made by [`job_name`].
pub fn parse_job_name(name: &str) -> Option<(Serial, i64)> {
    let rest = name.strip_prefix("KTP-")?;
    let (serial, attempt) = rest.split_once("-A")?;
    Some((serial.parse().ok()?, attempt.parse().ok()?))
}

/// A job in the printer's own list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterJob {
    /// Its id.
    pub job_id: i32,
    /// Its uuid.
    pub job_uuid: Option<String>,
    /// Its name.
    pub job_name: Option<String>,
    /// Its state.
    pub phase: JobPhase,
    /// Its reasons.
    pub reasons: Vec<String>,
}

/// An attempt the spool is still waiting on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAttempt {
    /// Its state (intent or sent).
    pub state: AttemptState,
    /// Its job name (shared, not copied: a run reads its attempts at every poll).
    pub job_name: Arc<str>,
    /// The uuid, once the printer gave one.
    pub job_uuid: Option<Arc<str>>,
    /// An intent on a printer with a chip encoder whose chip is not known to be verified: its
    /// print job was certainly never submitted (a job goes to the printer only after the
    /// verified chip is in the books), so the chip is read back before anything else.
    pub chip_pending: bool,
}

/// What to make of "the printer does not know this job".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFoundVerdict {
    /// Believe it: the attempt goes to inspection.
    Believe,
    /// First idle miss: remember when, look again later.
    StartWaiting,
    /// Missed again, but too soon after the first: look again later.
    KeepWaiting,
    /// The printer is working: a card may still come out; forget the earlier miss.
    RestartWaiting,
}

/// "Not in the printer" is believed only when the printer is idle and a second lookup, at least
/// `gap` after the first idle miss, agrees. A printer that was restarted mid-job may feed the
/// card seconds after its job list came back empty.
pub fn not_found_verdict(
    since_first_idle_miss: Option<std::time::Duration>,
    idle: bool,
    gap: std::time::Duration,
) -> NotFoundVerdict {
    match (idle, since_first_idle_miss) {
        (false, _) => NotFoundVerdict::RestartWaiting,
        (true, None) => NotFoundVerdict::StartWaiting,
        (true, Some(waited)) if waited >= gap => NotFoundVerdict::Believe,
        (true, Some(_)) => NotFoundVerdict::KeepWaiting,
    }
}

/// After a crash, a timeout or a printer restart: find the attempt in the printer's job list.
/// A sent job is matched by uuid only (ids restart); an intent by its name (we never heard a
/// uuid).
pub fn find_in_printer(attempt: &PendingAttempt, jobs: &[PrinterJob]) -> AttemptEvent {
    let hit = match &attempt.job_uuid {
        Some(uuid) => jobs.iter().find(|j| j.job_uuid.as_deref() == Some(&**uuid)),
        None => jobs
            .iter()
            .find(|j| j.job_name.as_deref() == Some(&*attempt.job_name)),
    };
    match hit {
        Some(j) => AttemptEvent::Found {
            job_id: j.job_id,
            job_uuid: j.job_uuid.clone().unwrap_or_default(),
            phase: j.phase,
            reasons: j.reasons.clone(),
        },
        None => AttemptEvent::NotFound {
            why: match &attempt.job_uuid {
                Some(u) => format!("job {u} is not in the printer's job list"),
                None => format!(
                    "no job named {} in the printer's job list",
                    attempt.job_name
                ),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_job_is_believed_only_idle_and_twice() {
        use std::time::Duration as D;
        let gap = D::from_secs(10);
        assert_eq!(
            not_found_verdict(None, true, gap),
            NotFoundVerdict::StartWaiting
        );
        assert_eq!(
            not_found_verdict(Some(D::from_secs(3)), true, gap),
            NotFoundVerdict::KeepWaiting
        );
        assert_eq!(
            not_found_verdict(Some(D::from_secs(10)), true, gap),
            NotFoundVerdict::Believe
        );
        assert_eq!(
            not_found_verdict(Some(D::from_secs(60)), false, gap),
            NotFoundVerdict::RestartWaiting,
            "a busy printer may still feed the card"
        );
        assert_eq!(
            not_found_verdict(None, false, gap),
            NotFoundVerdict::RestartWaiting
        );
    }

    fn all_events() -> Vec<AttemptEvent> {
        vec![
            AttemptEvent::Accepted {
                job_id: 1,
                job_uuid: "u".into(),
            },
            AttemptEvent::NotDelivered { why: "x".into() },
            AttemptEvent::Uncertain { why: "x".into() },
            AttemptEvent::Found {
                job_id: 1,
                job_uuid: "u".into(),
                phase: JobPhase::Completed,
                reasons: vec![],
            },
            AttemptEvent::Observed {
                phase: JobPhase::Aborted,
                reasons: vec!["media-jam".into()],
            },
            AttemptEvent::NotFound { why: "x".into() },
            AttemptEvent::OperatorTakesOver { why: "x".into() },
            AttemptEvent::InspectedGood,
            AttemptEvent::InspectedSpoiled(SpoilCause::Melted),
            AttemptEvent::InspectedUnused,
            AttemptEvent::ReportedSpoiled(SpoilCause::Misprint),
            AttemptEvent::ChipFailed { why: "x".into() },
            AttemptEvent::ChipUnknown { why: "x".into() },
        ]
    }

    #[test]
    fn a_failed_chip_spoils_the_blank_and_requeues_only_from_an_intent() {
        let d = decide(
            AttemptState::Intent,
            &AttemptEvent::ChipFailed {
                why: "card_removed".into(),
            },
        )
        .expect("legal")
        .expect("a decision");
        assert_eq!(d.to, AttemptState::Spoiled);
        assert_eq!(d.blank, Some(BlankEvent::Spoil(SpoilCause::ChipFailure)));
        assert_eq!(d.record, Some(Event::PrintSpoiled));
        assert_eq!(d.card, None, "no card was ever printed on it");
        assert_eq!(
            d.printer_failure, None,
            "a bad chip does not heat the printer"
        );
        assert!(d.note.contains("card_removed"), "{}", d.note);
        // Once sent, the printer has the card: a chip fault is reported as a spoiled card.
        for from in [
            AttemptState::Sent,
            AttemptState::Completed,
            AttemptState::Inspect,
            AttemptState::Spoiled,
        ] {
            let e = AttemptEvent::ChipFailed { why: "x".into() };
            assert!(decide(from, &e).is_err(), "{from:?}");
        }
    }

    #[test]
    fn a_chip_that_cannot_be_checked_goes_to_a_person() {
        let d = decide(
            AttemptState::Intent,
            &AttemptEvent::ChipUnknown {
                why: "card_absent".into(),
            },
        )
        .expect("legal")
        .expect("a decision");
        assert_eq!(d.to, AttemptState::Inspect);
        assert_eq!((d.blank, d.record, d.card), (None, None, None));
        assert!(
            decide(
                AttemptState::Sent,
                &AttemptEvent::ChipUnknown { why: "x".into() }
            )
            .is_err()
        );
    }

    #[test]
    fn no_event_ever_leads_back_to_intent_or_sent_from_a_final_state() {
        // Never re-send: once an attempt is past the printer, nothing returns it there.
        for from in [
            AttemptState::Completed,
            AttemptState::Inspect,
            AttemptState::Good,
            AttemptState::Spoiled,
            AttemptState::NotSent,
        ] {
            for e in all_events() {
                if let Ok(Some(d)) = decide(from, &e) {
                    assert!(!d.to.is_pending(), "{from:?} + {e:?} -> {:?}", d.to);
                }
            }
        }
    }

    #[test]
    fn completed_makes_a_card_and_aborted_goes_to_inspection_with_a_cause() {
        let d = decide(
            AttemptState::Sent,
            &AttemptEvent::Observed {
                phase: JobPhase::Completed,
                reasons: vec![],
            },
        )
        .unwrap()
        .unwrap();
        assert_eq!(d.to, AttemptState::Completed);
        assert_eq!(d.blank, Some(BlankEvent::CardGood));
        assert_eq!(d.record, Some(Event::PrintConfirmed));
        let d = decide(
            AttemptState::Sent,
            &AttemptEvent::Observed {
                phase: JobPhase::Aborted,
                reasons: vec!["media-jam".into()],
            },
        )
        .unwrap()
        .unwrap();
        assert_eq!(d.to, AttemptState::Inspect);
        assert_eq!(d.blank, None);
        assert_eq!(d.record, None);
        assert_eq!(d.suggested_cause, Some(SpoilCause::Jam));
    }

    #[test]
    fn underway_jobs_change_nothing_and_uncertain_stays_an_intent() {
        for phase in [JobPhase::Underway, JobPhase::Stopped] {
            assert_eq!(
                decide(
                    AttemptState::Sent,
                    &AttemptEvent::Observed {
                        phase,
                        reasons: vec![]
                    }
                ),
                Ok(None)
            );
        }
        assert_eq!(
            decide(
                AttemptState::Intent,
                &AttemptEvent::Uncertain { why: "t".into() }
            ),
            Ok(None)
        );
    }

    #[test]
    fn only_a_certain_non_delivery_returns_the_blank_and_the_record() {
        let d = decide(
            AttemptState::Intent,
            &AttemptEvent::NotDelivered {
                why: "refused".into(),
            },
        )
        .unwrap()
        .unwrap();
        assert_eq!(d.blank, Some(BlankEvent::Unused));
        assert_eq!(d.record, Some(Event::PrintNotSent));
        assert!(
            decide(
                AttemptState::Sent,
                &AttemptEvent::NotDelivered { why: "x".into() }
            )
            .is_err()
        );
    }

    #[test]
    fn melted_cards_blame_the_printer_jams_do_not() {
        let melted = decide(
            AttemptState::Completed,
            &AttemptEvent::ReportedSpoiled(SpoilCause::Melted),
        )
        .unwrap()
        .unwrap();
        assert_eq!(melted.printer_failure, Some(SpoilCause::Melted));
        assert_eq!(melted.card, Some(CardChange::Spoiled));
        let jam = decide(
            AttemptState::Inspect,
            &AttemptEvent::InspectedSpoiled(SpoilCause::Jam),
        )
        .unwrap()
        .unwrap();
        assert_eq!(jam.printer_failure, None);
        assert_eq!(jam.blank, Some(BlankEvent::Spoil(SpoilCause::Jam)));
    }

    #[test]
    fn recovery_matches_sent_jobs_by_uuid_and_intents_by_name() {
        let jobs = vec![PrinterJob {
            job_id: 1,
            job_uuid: Some("urn:uuid:new".into()),
            job_name: Some(job_name(7, 3)),
            phase: JobPhase::Completed,
            reasons: vec![],
        }];
        // The id 1 now belongs to another job: a sent attempt with another uuid is not found.
        let sent = PendingAttempt {
            state: AttemptState::Sent,
            job_name: job_name(5, 1).into(),
            job_uuid: Some("urn:uuid:old".into()),
            chip_pending: false,
        };
        assert!(matches!(
            find_in_printer(&sent, &jobs),
            AttemptEvent::NotFound { .. }
        ));
        let intent = PendingAttempt {
            state: AttemptState::Intent,
            job_name: job_name(7, 3).into(),
            job_uuid: None,
            chip_pending: false,
        };
        assert!(matches!(
            find_in_printer(&intent, &jobs),
            AttemptEvent::Found { job_id: 1, .. }
        ));
    }

    #[test]
    fn job_names_round_trip() {
        assert_eq!(job_name(123, 45), "KTP-0000000123-A45");
        assert_eq!(job_name(-5, 7), "KTP--000000005-A7");
        assert_eq!(job_name(12_345_678_901, 0), "KTP-12345678901-A0");
        assert_eq!(
            accepted_note(-3, "urn:uuid:x"),
            "printer accepted job -3 (urn:uuid:x)"
        );
        for n in [0, 7, 10, 99_999, u64::MAX] {
            for width in [0, 1, 8, 20, 25] {
                let mut s = String::from("x");
                push_zero_padded(&mut s, n, width);
                assert_eq!(s, format!("x{n:0width$}"), "{n} in {width}");
            }
        }
        assert_eq!(parse_job_name(&job_name(123, 45)), Some((123, 45)));
        assert_eq!(parse_job_name("KTP-x-A1"), None);
        assert_eq!(parse_job_name("other"), None);
    }
}
