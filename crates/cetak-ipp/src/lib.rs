//! A small blocking IPP client for ID-card printers, built so that the caller can always tell
//! whether a card may have been accepted by the printer (see [`IppError`] for the full table),
//! and — behind the `sim` feature — a harness that runs a real simulated card printer
//! (`ippeveprinter` from Debian's `cups-ipp-utils`).
//!
//! ```no_run
//! use std::time::Duration;
//! use cetak_ipp::{IppError, PrinterClient};
//!
//! let printer = PrinterClient::new("ipp://printer1.local/ipp/print", Duration::from_secs(10))?;
//! match printer.submit("BLANK-000123.attempt-7", std::fs::read("card.png").unwrap_or_default(), "image/png") {
//!     Ok(job) => println!("accepted as job {} ({:?})", job.job_id, job.job_uuid),
//!     Err(e) if e.job_may_exist() => println!("outcome unknown, reconcile before re-sending: {e}"),
//!     Err(e) => println!("not accepted, safe to retry later: {e}"),
//! }
//! # Ok::<(), IppError>(())
//! ```
//!
//! Facts about the printers this was tested against are in `README.md` beside this crate.

mod client;
pub mod decode;
mod error;
mod http;
#[cfg(feature = "sim")]
pub mod sim;
pub mod tls;

pub use client::{MAX_REPLY_BYTES, PrinterClient};
pub use error::{
    IppError, STATUS_DEVICE_ERROR, STATUS_DOCUMENT_FORMAT_NOT_SUPPORTED, STATUS_INTERNAL_ERROR,
    STATUS_NOT_ACCEPTING_JOBS, STATUS_NOT_FOUND, STATUS_TEMPORARY_ERROR,
};

/// `printer-state` (RFC 8011 §5.4.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrinterState {
    /// 3: ready for a job.
    Idle,
    /// 4: working on a job.
    Processing,
    /// 5: stopped; `reasons` say why.
    Stopped,
}

/// What Get-Printer-Attributes said about the printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterStatus {
    /// `printer-state`.
    pub state: PrinterState,
    /// `printer-state-reasons` with the `-report`/`-warning`/`-error` suffix stripped, `none`
    /// removed, duplicates removed (e.g. `["media-empty", "media-needed"]`).
    pub reasons: Vec<String>,
    /// `printer-state-reasons` exactly as sent (e.g. `["media-empty-warning", …]` or `["none"]`).
    pub raw_reasons: Vec<String>,
    /// `printer-is-accepting-jobs` (false when the printer did not say).
    pub accepting_jobs: bool,
    /// `printer-make-and-model`.
    pub make_and_model: Option<String>,
    /// `media-ready` (media loaded, by name; an empty hopper is reported in `reasons`, not here).
    pub media_ready: Vec<String>,
}

impl PrinterStatus {
    /// True if `reason` (without suffix, e.g. `"media-jam"`) is among the printer's reasons.
    pub fn has_reason(&self, reason: &str) -> bool {
        self.reasons.iter().any(|r| r == reason)
    }
}

/// `job-state` (RFC 8011 §5.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// 3
    Pending,
    /// 4
    PendingHeld,
    /// 5
    Processing,
    /// 6
    ProcessingStopped,
    /// 7 (final)
    Canceled,
    /// 8 (final)
    Aborted,
    /// 9 (final) — "completed" does not prove a good card.
    Completed,
}

impl JobState {
    /// Canceled, Aborted and Completed never change again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Canceled | JobState::Aborted | JobState::Completed
        )
    }

    /// From the IPP enum value (3–9).
    pub fn from_ipp(value: i32) -> Option<JobState> {
        Some(match value {
            3 => JobState::Pending,
            4 => JobState::PendingHeld,
            5 => JobState::Processing,
            6 => JobState::ProcessingStopped,
            7 => JobState::Canceled,
            8 => JobState::Aborted,
            9 => JobState::Completed,
            _ => return None,
        })
    }

    /// The IPP keyword (`"processing-stopped"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::PendingHeld => "pending-held",
            JobState::Processing => "processing",
            JobState::ProcessingStopped => "processing-stopped",
            JobState::Canceled => "canceled",
            JobState::Aborted => "aborted",
            JobState::Completed => "completed",
        }
    }
}

/// What the printer said about one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    /// `job-id`: only unique until the printer restarts (ids restart at 1).
    pub job_id: i32,
    /// `job-uuid` (`urn:uuid:…`): the stable key. `None` if the printer did not report one.
    pub job_uuid: Option<String>,
    /// `job-name` as the printer reports it.
    pub job_name: Option<String>,
    /// `job-state`.
    pub state: JobState,
    /// `job-state-reasons`, `none` removed (e.g. `["job-completed-successfully"]`).
    pub reasons: Vec<String>,
    /// `job-impressions-completed`.
    pub impressions_completed: Option<i32>,
}

impl JobStatus {
    /// True if `reason` is among the job's reasons.
    pub fn has_reason(&self, reason: &str) -> bool {
        self.reasons.iter().any(|r| r == reason)
    }
}
