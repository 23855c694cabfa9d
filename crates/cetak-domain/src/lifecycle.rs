//! The record lifecycle as an explicit state machine.
//!
//! ```text
//!              ┌──────────── SendToReview ───────────┐
//!  Received ──MarkUnique──► Unique ──Enqueue──► Queued ──StartPrinting──► Printing
//!     │  └─MarkDuplicate─► Duplicate ◄─┐          ▲  ▲                     │
//!     └─SendToReview─► AwaitingDecision┘          │  └── PrintSpoiled ─────┤  (and PrintNotSent)
//!                                                 │                  PrintConfirmed
//!                                      RequestReplacement                   ▼
//!                                                 └──── Issued ◄─HandOver─ Printed
//!  Cancel: from any state before Printing (and from Printed, card destroyed) → Cancelled
//!
//!  PerluPerbaikan (needs correction) ──Corrected──► Received     (every printed field valid)
//!     ├─MarkDuplicate─► Duplicate   (a duplicate of a clean recording: resolved, nobody corrects it)
//!     └─Cancel─► Cancelled
//!  Received / Unique / Duplicate / AwaitingDecision ──MarkNeedsCorrection──► PerluPerbaikan
//! ```
//!
//! A recording in `NeedsCorrection` (`perlu_perbaikan`) has a printed field that is not valid:
//! it takes part in data ganda with what it has, but it can never be marked unique, queued or
//! printed until it is corrected (the store also refuses `unique`/`queued` for any record with
//! an open blocking problem).
//!
//! Only `Queued` may start printing and only `Unique` may be queued: a record marked duplicate
//! or awaiting a decision can never reach a printer (promise 2). Every transition carries who,
//! when and why (promise 5); the store writes it to the audit log in the same transaction.

use std::fmt;

use serde::Serialize;
use thiserror::Error;
use time::OffsetDateTime;

/// Where a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// A print-ready record (PRR) imported, not yet checked for duplicates.
    Received,
    /// Checked: no other recording of this person.
    Unique,
    /// Another recording of a person who already has a surviving record.
    Duplicate,
    /// A possible duplicate waiting for a supervisor.
    AwaitingDecision,
    /// In the print queue.
    Queued,
    /// Sent to a printer; outcome not yet known.
    Printing,
    /// A good card exists and waits for its owner.
    Printed,
    /// The card was handed to the resident.
    Issued,
    /// Withdrawn; final.
    Cancelled,
    /// Imported with a printed field that is not valid (*perlu perbaikan*): waits for a
    /// correction or for data ganda to find it a duplicate of a clean recording.
    #[serde(rename = "perlu_perbaikan")]
    NeedsCorrection,
}

impl RecordState {
    /// Every state, in lifecycle order.
    pub const ALL: [RecordState; 10] = [
        RecordState::Received,
        RecordState::Unique,
        RecordState::Duplicate,
        RecordState::AwaitingDecision,
        RecordState::Queued,
        RecordState::Printing,
        RecordState::Printed,
        RecordState::Issued,
        RecordState::Cancelled,
        RecordState::NeedsCorrection,
    ];

    /// Stable string form, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Received => "received",
            RecordState::Unique => "unique",
            RecordState::Duplicate => "duplicate",
            RecordState::AwaitingDecision => "awaiting_decision",
            RecordState::Queued => "queued",
            RecordState::Printing => "printing",
            RecordState::Printed => "printed",
            RecordState::Issued => "issued",
            RecordState::Cancelled => "cancelled",
            RecordState::NeedsCorrection => "perlu_perbaikan",
        }
    }

    /// Parse the stored form.
    pub fn parse(s: &str) -> Option<RecordState> {
        RecordState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// What a resident is told, in Indonesian and English.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            RecordState::Received => (
                "Data diterima, menunggu pemeriksaan",
                "Received, awaiting checks",
            ),
            RecordState::Unique => (
                "Data lolos pemeriksaan, menunggu antrean cetak",
                "Checked, awaiting the print queue",
            ),
            RecordState::Duplicate => (
                "Data ganda: perekaman lain dipakai",
                "Duplicate: another recording is used",
            ),
            RecordState::AwaitingDecision => (
                "Menunggu verifikasi data ganda",
                "Awaiting a duplicate decision",
            ),
            RecordState::Queued => ("Dalam antrean cetak", "In the print queue"),
            RecordState::Printing => ("Sedang dicetak", "Being printed"),
            RecordState::Printed => (
                "KTP-el sudah dicetak, siap diambil",
                "Card printed, ready for collection",
            ),
            RecordState::Issued => ("KTP-el sudah diserahkan", "Card handed over"),
            RecordState::Cancelled => ("Dibatalkan", "Cancelled"),
            RecordState::NeedsCorrection => (
                "Data perlu diperbaiki oleh petugas sebelum dicetak",
                "Data needs correction by the office before printing",
            ),
        }
    }
}

impl fmt::Display for RecordState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// No other recording of this person was found (or a supervisor said so).
    MarkUnique,
    /// Another recording of the same person survives.
    MarkDuplicate {
        /// The surviving recording.
        survivor: String,
    },
    /// Unclear: a supervisor must decide.
    SendToReview,
    /// Put in the print queue.
    Enqueue,
    /// Sent to a printer.
    StartPrinting,
    /// The card came out good.
    PrintConfirmed,
    /// The card was spoiled (melted, misprint, jam, …): print again on a new blank.
    PrintSpoiled,
    /// The printer certainly never received the job (refused, unreachable, or an operator found
    /// the blank unused): back to the queue, no blank consumed.
    PrintNotSent,
    /// Handed to the resident.
    HandOver,
    /// The resident's card was lost or damaged: print a replacement.
    RequestReplacement,
    /// Withdrawn.
    Cancel,
    /// A printed field is not valid: the record waits for a correction.
    MarkNeedsCorrection,
    /// Every printed field is valid again after a correction: back through data ganda.
    Corrected,
}

impl Event {
    /// Stable name of the event, as written to the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Event::MarkUnique => "mark_unique",
            Event::MarkDuplicate { .. } => "mark_duplicate",
            Event::SendToReview => "send_to_review",
            Event::Enqueue => "enqueue",
            Event::StartPrinting => "start_printing",
            Event::PrintConfirmed => "print_confirmed",
            Event::PrintSpoiled => "print_spoiled",
            Event::PrintNotSent => "print_not_sent",
            Event::HandOver => "hand_over",
            Event::RequestReplacement => "request_replacement",
            Event::Cancel => "cancel",
            Event::MarkNeedsCorrection => "mark_needs_correction",
            Event::Corrected => "corrected",
        }
    }
}

/// An event that is not allowed in the record's state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{event} is not allowed while the record is {from}")]
pub struct IllegalTransition {
    /// The state the record is in.
    pub from: RecordState,
    /// The event's name.
    pub event: &'static str,
}

/// The pure transition function.
pub fn next_state(from: RecordState, event: &Event) -> Result<RecordState, IllegalTransition> {
    use RecordState as S;
    let to = match (from, event) {
        (S::Received | S::AwaitingDecision | S::Duplicate, Event::MarkUnique) => S::Unique,
        // Duplicate → Duplicate re-points the survivor when a later run finds a better one.
        (
            S::Received
            | S::AwaitingDecision
            | S::Unique
            | S::Queued
            | S::Duplicate
            | S::NeedsCorrection,
            Event::MarkDuplicate { .. },
        ) => S::Duplicate,
        (S::Received | S::Unique | S::Queued | S::Duplicate, Event::SendToReview) => {
            S::AwaitingDecision
        }
        (S::Unique, Event::Enqueue) => S::Queued,
        (S::Queued, Event::StartPrinting) => S::Printing,
        (S::Printing, Event::PrintConfirmed) => S::Printed,
        (S::Printing | S::Printed, Event::PrintSpoiled) => S::Queued,
        (S::Printing, Event::PrintNotSent) => S::Queued,
        (S::Printed, Event::HandOver) => S::Issued,
        (S::Issued, Event::RequestReplacement) => S::Queued,
        (
            S::Received
            | S::Unique
            | S::Duplicate
            | S::AwaitingDecision
            | S::Queued
            | S::Printed
            | S::NeedsCorrection,
            Event::Cancel,
        ) => S::Cancelled,
        (
            S::Received | S::Unique | S::Duplicate | S::AwaitingDecision,
            Event::MarkNeedsCorrection,
        ) => S::NeedsCorrection,
        (S::NeedsCorrection, Event::Corrected) => S::Received,
        _ => {
            return Err(IllegalTransition {
                from,
                event: event.name(),
            });
        }
    };
    Ok(to)
}

/// Who did something: a logged-in person or a part of the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor(pub String);

impl Actor {
    /// The system itself (import, automatic dedup, the spool).
    pub fn system(part: &str) -> Actor {
        Actor(format!("system:{part}"))
    }
}

/// A transition that happened: the audit log records each one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The record.
    pub recording_id: String,
    /// Before.
    pub from: RecordState,
    /// After.
    pub to: RecordState,
    /// What happened.
    pub event: Event,
    /// Who.
    pub actor: Actor,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why.
    pub reason: String,
}

/// An event without a reason: every transition must say why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    /// Not allowed from this state.
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    /// No reason given.
    #[error("a state change needs a reason")]
    NoReason,
}

/// Decide a transition: the new state plus the audit-ready record of it.
pub fn transition(
    recording_id: &str,
    from: RecordState,
    event: Event,
    actor: Actor,
    at: OffsetDateTime,
    reason: &str,
) -> Result<Transition, TransitionError> {
    if reason.trim().is_empty() {
        return Err(TransitionError::NoReason);
    }
    let to = next_state(from, &event)?;
    Ok(Transition {
        recording_id: recording_id.to_string(),
        from,
        to,
        event,
        actor,
        at,
        reason: reason.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecordState as S;

    fn all_events() -> Vec<Event> {
        vec![
            Event::MarkUnique,
            Event::MarkDuplicate {
                survivor: "X".into(),
            },
            Event::SendToReview,
            Event::Enqueue,
            Event::StartPrinting,
            Event::PrintConfirmed,
            Event::PrintSpoiled,
            Event::PrintNotSent,
            Event::HandOver,
            Event::RequestReplacement,
            Event::Cancel,
            Event::MarkNeedsCorrection,
            Event::Corrected,
        ]
    }

    #[test]
    fn the_happy_path_reaches_issued() {
        let mut s = S::Received;
        for e in [
            Event::MarkUnique,
            Event::Enqueue,
            Event::StartPrinting,
            Event::PrintConfirmed,
            Event::HandOver,
        ] {
            s = next_state(s, &e).expect("legal");
        }
        assert_eq!(s, S::Issued);
        assert_eq!(next_state(s, &Event::RequestReplacement), Ok(S::Queued));
    }

    #[test]
    fn only_queued_records_reach_a_printer() {
        for from in S::ALL {
            let r = next_state(from, &Event::StartPrinting);
            assert_eq!(r.is_ok(), from == S::Queued, "{from}");
        }
        for from in S::ALL {
            let r = next_state(from, &Event::Enqueue);
            assert_eq!(r.is_ok(), from == S::Unique, "{from}");
        }
    }

    #[test]
    fn cancelled_is_final_and_printing_cannot_be_cancelled() {
        for e in all_events() {
            assert!(next_state(S::Cancelled, &e).is_err(), "{e:?}");
        }
        // An attempt in flight must be reconciled first (promise 4).
        assert!(next_state(S::Printing, &Event::Cancel).is_err());
    }

    #[test]
    fn illegal_transitions_name_the_state_and_event() {
        let e = next_state(S::Duplicate, &Event::Enqueue).expect_err("illegal");
        assert_eq!(
            e.to_string(),
            "enqueue is not allowed while the record is duplicate"
        );
    }

    #[test]
    fn every_transition_needs_a_reason() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let t = transition(
            "R1",
            S::Received,
            Event::MarkUnique,
            Actor::system("test"),
            at,
            "  ",
        );
        assert_eq!(t, Err(TransitionError::NoReason));
        let t = transition(
            "R1",
            S::Received,
            Event::MarkUnique,
            Actor::system("test"),
            at,
            "checked",
        )
        .expect("legal");
        assert_eq!(
            (t.from, t.to, t.reason.as_str()),
            (S::Received, S::Unique, "checked")
        );
    }

    #[test]
    fn a_record_needing_correction_never_reaches_the_queue_uncorrected() {
        // From perlu_perbaikan only a correction, a duplicate link or a cancel lead out.
        for e in all_events() {
            let to = next_state(S::NeedsCorrection, &e);
            match e {
                Event::Corrected => assert_eq!(to, Ok(S::Received)),
                Event::MarkDuplicate { .. } => assert_eq!(to, Ok(S::Duplicate)),
                Event::Cancel => assert_eq!(to, Ok(S::Cancelled)),
                _ => assert!(to.is_err(), "{e:?} from perlu_perbaikan"),
            }
        }
        // Marking unique and queueing are refused: no way to the printer but a correction.
        assert!(next_state(S::NeedsCorrection, &Event::MarkUnique).is_err());
        assert!(next_state(S::NeedsCorrection, &Event::Enqueue).is_err());
        // A record whose duplicate link is undone goes back to waiting for its correction.
        assert_eq!(
            next_state(S::Duplicate, &Event::MarkNeedsCorrection),
            Ok(S::NeedsCorrection)
        );
        // A corrected record goes back through data ganda before it can be queued.
        let s = next_state(S::NeedsCorrection, &Event::Corrected).expect("legal");
        assert!(next_state(s, &Event::Enqueue).is_err());
        for from in [S::Queued, S::Printing, S::Printed, S::Issued, S::Cancelled] {
            assert!(
                next_state(from, &Event::MarkNeedsCorrection).is_err(),
                "{from}"
            );
        }
        assert_eq!(S::NeedsCorrection.as_str(), "perlu_perbaikan");
        // JSON says what the database says, for every state.
        for s in S::ALL {
            assert_eq!(
                serde_json::to_string(&s).ok(),
                Some(format!("\"{}\"", s.as_str()))
            );
        }
    }

    #[test]
    fn states_round_trip_through_their_stored_form() {
        for s in S::ALL {
            assert_eq!(RecordState::parse(s.as_str()), Some(s));
        }
    }
}
