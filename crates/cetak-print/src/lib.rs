//! Card production as plain state machines: no files, sockets, databases or clocks.
//!
//! - [`stock`]: every blank card serial (blangko) and the states it may pass through, and the
//!   reconciliation that proves `received = issued + spoiled + on hand + missing`.
//! - [`spool`]: one print attempt — the intent written before anything is sent, what the printer
//!   said, and the decision that follows. Nothing here ever decides to send a card again.
//! - [`schedule`]: the order of the print queue and which printer may take the next card
//!   (daily capacity, working hours, bursts and cool-downs, longer cool-downs for a failing
//!   printer).
//! - [`driver`]: one print run as a state machine — what happened in, the next command out —
//!   executed by the office against the store and IPP and by the simulator against its world.
//! - [`clock`]: effective time that never runs backwards when the office PC's clock does.
//!
//! The store (`cetak-store`) persists the states and applies the decisions in one transaction;
//! the binary talks IPP (`cetak-ipp`); the simulator drives the same types under a fake clock.
#![deny(missing_docs)]

pub mod clock;
pub mod driver;
pub mod schedule;
pub mod spool;
pub mod stock;
