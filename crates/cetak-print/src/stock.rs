//! Blank card stock (blangko): controlled security stock, accounted for serial by serial.
//!
//! ```text
//!  OnHand ──Use──► InPrint ──CardGood──► Issued ──Spoil──► Spoiled
//!   │  ▲              │ └────Spoil────────────────────────► Spoiled
//!   │  └──Unused──────┘
//!   ├──Spoil──► Spoiled          (damaged in storage)
//!   └──MarkMissing──► Missing ──Found──► OnHand
//! ```
//!
//! `Issued` means the blank became a good card (handed over or waiting for its owner); a card
//! later revoked by a replacement stays issued in stock terms. `InPrint` is a blank consumed by
//! an attempt whose outcome is not yet known: it is still physically in the office, so the
//! reconciliation counts it on hand and says how many of those wait for an outcome.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

/// A blank card's serial number.
pub type Serial = i64;

/// Why a card was spoiled. The physical card gets its corner cut and goes back monthly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SpoilCause {
    /// Printed too hot: the laminate melted or the card warped.
    Melted,
    /// Wrong or unreadable print.
    Misprint,
    /// Stuck in the card transport.
    Jam,
    /// The chip does not answer.
    ChipFailure,
    /// Anything else (say what in the note).
    Other,
}

impl SpoilCause {
    /// Every cause, in report order.
    pub const ALL: [SpoilCause; 5] = [
        SpoilCause::Melted,
        SpoilCause::Misprint,
        SpoilCause::Jam,
        SpoilCause::ChipFailure,
        SpoilCause::Other,
    ];

    /// Stable string form, as stored and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SpoilCause::Melted => "melted",
            SpoilCause::Misprint => "misprint",
            SpoilCause::Jam => "jam",
            SpoilCause::ChipFailure => "chip_failure",
            SpoilCause::Other => "other",
        }
    }

    /// Parse the stored form (also accepts `chip-failure`).
    pub fn parse(s: &str) -> Option<SpoilCause> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        SpoilCause::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether this cause says the printer itself is in trouble (heat or print head).
    pub fn blames_printer(self) -> bool {
        matches!(self, SpoilCause::Melted | SpoilCause::Misprint)
    }
}

impl fmt::Display for SpoilCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a blank is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlankState {
    /// In the safe or loaded in a printer, unused.
    OnHand,
    /// Taken by a print attempt whose outcome is not known yet.
    InPrint,
    /// Became a good card.
    Issued,
    /// Spoiled, with a cause.
    Spoiled,
    /// Not found where it should be.
    Missing,
}

impl BlankState {
    /// Every state.
    pub const ALL: [BlankState; 5] = [
        BlankState::OnHand,
        BlankState::InPrint,
        BlankState::Issued,
        BlankState::Spoiled,
        BlankState::Missing,
    ];

    /// Stable string form, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            BlankState::OnHand => "on_hand",
            BlankState::InPrint => "in_print",
            BlankState::Issued => "issued",
            BlankState::Spoiled => "spoiled",
            BlankState::Missing => "missing",
        }
    }

    /// Parse the stored form.
    pub fn parse(s: &str) -> Option<BlankState> {
        BlankState::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

impl fmt::Display for BlankState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlankEvent {
    /// A print attempt takes it (the next serial in the printer).
    Use,
    /// The attempt's card is good.
    CardGood,
    /// The attempt never touched it (the printer never got the job).
    Unused,
    /// Spoiled, with its cause.
    Spoil(SpoilCause),
    /// Not found at a count.
    MarkMissing,
    /// A missing blank turned up again.
    Found,
}

/// A blank event that its state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("blank {serial}: {event} is not allowed while it is {from}")]
pub struct IllegalBlankEvent {
    /// The serial.
    pub serial: Serial,
    /// Its state.
    pub from: BlankState,
    /// The event, for the message.
    pub event: String,
}

/// The pure transition function for one blank.
pub fn next_blank_state(
    serial: Serial,
    from: BlankState,
    event: BlankEvent,
) -> Result<BlankState, IllegalBlankEvent> {
    use BlankEvent as E;
    use BlankState as S;
    let to = match (from, event) {
        (S::OnHand, E::Use) => S::InPrint,
        (S::InPrint, E::CardGood) => S::Issued,
        (S::InPrint, E::Unused) => S::OnHand,
        (S::OnHand | S::InPrint | S::Issued, E::Spoil(_)) => S::Spoiled,
        (S::OnHand, E::MarkMissing) => S::Missing,
        (S::Missing, E::Found) => S::OnHand,
        _ => {
            return Err(IllegalBlankEvent {
                serial,
                from,
                event: format!("{event:?}"),
            });
        }
    };
    Ok(to)
}

/// A received batch: serials `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SerialRange {
    /// First serial.
    pub first: Serial,
    /// Last serial, inclusive.
    pub last: Serial,
}

/// A batch that cannot be received.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiveError {
    /// `last < first`, or a serial below 1.
    #[error("serial range {first}..{last} is empty or not positive")]
    BadRange {
        /// First.
        first: Serial,
        /// Last.
        last: Serial,
    },
    /// Larger than any real delivery: almost certainly a typing error.
    #[error("serial range {first}..{last} holds {count} blanks; one delivery holds at most {max}")]
    TooLarge {
        /// First.
        first: Serial,
        /// Last.
        last: Serial,
        /// Blanks in it.
        count: i64,
        /// The limit.
        max: i64,
    },
    /// Overlaps a batch already received: the same blank cannot arrive twice.
    #[error(
        "serials {first}..{last} overlap batch {existing_first}..{existing_last} already received"
    )]
    Overlap {
        /// First.
        first: Serial,
        /// Last.
        last: Serial,
        /// The batch it overlaps.
        existing_first: Serial,
        /// Its last serial.
        existing_last: Serial,
    },
}

/// The most blanks one delivery may hold.
pub const MAX_BATCH: i64 = 1_000_000;

/// Check a new batch against those already received.
pub fn check_receipt(new: SerialRange, existing: &[SerialRange]) -> Result<(), ReceiveError> {
    let SerialRange { first, last } = new;
    if first < 1 || last < first {
        return Err(ReceiveError::BadRange { first, last });
    }
    let count = last - first + 1;
    if count > MAX_BATCH {
        return Err(ReceiveError::TooLarge {
            first,
            last,
            count,
            max: MAX_BATCH,
        });
    }
    if let Some(e) = existing.iter().find(|e| e.first <= last && first <= e.last) {
        return Err(ReceiveError::Overlap {
            first,
            last,
            existing_first: e.first,
            existing_last: e.last,
        });
    }
    Ok(())
}

/// Counts per state, as the store found them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StockCounts {
    /// Blanks received (sum of batch sizes).
    pub received: i64,
    /// Blank rows per state.
    pub on_hand: i64,
    /// Taken by an attempt, outcome pending.
    pub in_print: i64,
    /// Became good cards.
    pub issued: i64,
    /// Spoiled.
    pub spoiled: i64,
    /// Missing.
    pub missing: i64,
}

/// A serial that breaks the books, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SerialProblem {
    /// The serial.
    pub serial: Serial,
    /// What is wrong with it.
    pub problem: String,
}

/// The answer of `cetak stock reconcile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// Blanks received.
    pub received: i64,
    /// Became good cards.
    pub issued: i64,
    /// Spoiled (all causes).
    pub spoiled: i64,
    /// Physically in the office and not a card: unused plus awaiting an outcome.
    pub on_hand: i64,
    /// Of `on_hand`, unused.
    pub unused: i64,
    /// Of `on_hand`, taken by an attempt whose outcome is not known yet (see inspection).
    pub awaiting_outcome: i64,
    /// Not found.
    pub missing: i64,
    /// `received = issued + spoiled + on_hand + missing` and no serial breaks the books.
    pub balanced: bool,
    /// Every serial that breaks the books.
    pub problems: Vec<SerialProblem>,
}

/// Reconcile the counts and the per-serial problems the store found.
pub fn reconcile(counts: StockCounts, problems: Vec<SerialProblem>) -> Reconciliation {
    let on_hand = counts.on_hand + counts.in_print;
    let sum = counts.issued + counts.spoiled + on_hand + counts.missing;
    Reconciliation {
        received: counts.received,
        issued: counts.issued,
        spoiled: counts.spoiled,
        on_hand,
        unused: counts.on_hand,
        awaiting_outcome: counts.in_print,
        missing: counts.missing,
        balanced: sum == counts.received && problems.is_empty(),
        problems,
    }
}

/// Write serials compactly: `1001-1005 1010 1012-1013`.
pub fn compact_ranges(serials: &[Serial]) -> String {
    let mut sorted = serials.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_used_then_good_is_issued_and_cannot_be_used_again() {
        let s = next_blank_state(1, BlankState::OnHand, BlankEvent::Use).unwrap();
        let s = next_blank_state(1, s, BlankEvent::CardGood).unwrap();
        assert_eq!(s, BlankState::Issued);
        assert!(next_blank_state(1, s, BlankEvent::Use).is_err());
        assert!(next_blank_state(1, s, BlankEvent::Unused).is_err());
    }

    #[test]
    fn spoiled_and_missing_are_final_except_found() {
        for e in [
            BlankEvent::Use,
            BlankEvent::CardGood,
            BlankEvent::Unused,
            BlankEvent::MarkMissing,
            BlankEvent::Found,
            BlankEvent::Spoil(SpoilCause::Jam),
        ] {
            assert!(
                next_blank_state(7, BlankState::Spoiled, e).is_err(),
                "{e:?}"
            );
        }
        assert_eq!(
            next_blank_state(7, BlankState::Missing, BlankEvent::Found),
            Ok(BlankState::OnHand)
        );
    }

    #[test]
    fn receipts_must_not_overlap_or_be_empty() {
        let have = [SerialRange {
            first: 100,
            last: 199,
        }];
        assert!(
            check_receipt(
                SerialRange {
                    first: 200,
                    last: 299
                },
                &have
            )
            .is_ok()
        );
        assert!(matches!(
            check_receipt(
                SerialRange {
                    first: 150,
                    last: 250
                },
                &have
            ),
            Err(ReceiveError::Overlap { .. })
        ));
        assert!(matches!(
            check_receipt(SerialRange { first: 10, last: 9 }, &have),
            Err(ReceiveError::BadRange { .. })
        ));
        assert!(matches!(
            check_receipt(SerialRange { first: 0, last: 9 }, &have),
            Err(ReceiveError::BadRange { .. })
        ));
        assert!(matches!(
            check_receipt(
                SerialRange {
                    first: 1,
                    last: MAX_BATCH + 1
                },
                &have
            ),
            Err(ReceiveError::TooLarge { .. })
        ));
    }

    #[test]
    fn reconcile_counts_blanks_awaiting_an_outcome_as_on_hand() {
        let r = reconcile(
            StockCounts {
                received: 10,
                on_hand: 4,
                in_print: 1,
                issued: 3,
                spoiled: 1,
                missing: 1,
            },
            vec![],
        );
        assert!(r.balanced);
        assert_eq!((r.on_hand, r.unused, r.awaiting_outcome), (5, 4, 1));
        let short = reconcile(
            StockCounts {
                received: 11,
                ..StockCounts::default()
            },
            vec![],
        );
        assert!(!short.balanced);
        let named = reconcile(
            StockCounts::default(),
            vec![SerialProblem {
                serial: 5,
                problem: "x".into(),
            }],
        );
        assert!(!named.balanced);
    }

    #[test]
    fn compact_ranges_joins_runs() {
        assert_eq!(compact_ranges(&[5, 1, 2, 3, 10, 12, 11]), "1-3 5 10-12");
        assert_eq!(compact_ranges(&[]), "");
    }
}
