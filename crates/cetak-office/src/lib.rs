//! The office's use cases as a library, called alike by the command line (`cetak`), the office
//! server (`cetak serve`, through `cetak-web`) and — for the print run, through the sans-IO
//! driver in `cetak_print::driver` — the simulator.
//!
//! - [`print_run`]: one run of the spool: leases, recovery of what a crash left open, the
//!   driver's commands executed against the store and the printers' IPP.
//! - [`dedup_run`]: one data ganda run over the whole registry, outcomes written.
//! - [`inspect`]: whether a person's finding for an attempt may be recorded (the printer must
//!   have let go of the job).
//! - [`card`]: the mapping from a stored record (with its photo and signature) to the card.
//! - [`chip`]: the chip of a claimed card: built from the record, signed on the token, written
//!   over PC/SC, read back and verified, kept in the books (the print run's `Encode`).
//! - [`port`]: printers as the spool sees them (IPP, or a folder that prints instantly).
//!
//! Errors are typed ([`OfficeError`]); the words an operator reads stay in the binary.
#![deny(missing_docs)]

pub mod card;
pub mod chip;
pub mod dedup_run;
pub mod inspect;
pub mod port;
pub mod print_run;

use cetak_store::StoreError;
use time::OffsetDateTime;

/// A use case that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The card could not be drawn.
    #[error(transparent)]
    Card(#[from] cetak_card::CardError),
    /// No printer is configured.
    #[error("no printers yet")]
    NoPrinters,
    /// Every printer is unusable or driven by another run (the notices say why).
    #[error("no printer this run can drive")]
    NoDrivablePrinter(Vec<print_run::RunNotice>),
    /// The driver and its executor disagree (a bug).
    #[error(transparent)]
    Driver(#[from] cetak_print::driver::WrongAnswer),
    /// No such print attempt.
    #[error("no print attempt {0}")]
    NoSuchAttempt(i64),
    /// The document-signer key cannot sign now (missing, no certificate, certificate not
    /// valid): checked before the run's first card.
    #[error(transparent)]
    ChipKeys(#[from] cetak_chip::KeyError),
    /// A trusted CA certificate for the read-back check could not be read.
    #[error("chip trust anchor {path}: {why}")]
    ChipTrust {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
}

/// The wall clock, shifted by `CETAK_CLOCK_SKEW_S` seconds: tests use it to play an office PC
/// whose clock is wrong after a power cut.
pub fn wall_now() -> OffsetDateTime {
    let skew = std::env::var("CETAK_CLOCK_SKEW_S")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    OffsetDateTime::now_utc() + time::Duration::seconds(skew)
}
