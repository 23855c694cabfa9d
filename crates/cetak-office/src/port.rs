//! Printers as the spool sees them: an IPP printer, or a directory that "prints" instantly
//! (for demos and the spool benchmark). Errors say one thing the spool needs: could the job
//! exist at the printer?

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use cetak_ipp::{IppError, JobState, PrinterClient, PrinterState};
use cetak_print::spool::{JobPhase, PrinterJob};

/// A failed request, by what it means for the job.
#[derive(Debug)]
pub enum PortError {
    /// The printer certainly did not take it (unreachable before sending, or refused).
    NotDelivered(String),
    /// It may have reached the printer: the job may exist.
    MayExist(String),
}

impl std::fmt::Display for PortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortError::NotDelivered(s) | PortError::MayExist(s) => f.write_str(s),
        }
    }
}

fn port_error(e: IppError) -> PortError {
    if e.job_may_exist() {
        PortError::MayExist(e.to_string())
    } else {
        PortError::NotDelivered(e.to_string())
    }
}

/// What a printer says about itself.
#[derive(Debug, Clone)]
pub struct PortStatus {
    /// Reasons that stop it printing a card now (empty: it can print).
    pub blocking: Vec<String>,
    /// Every printer-state-reason, suffixes stripped.
    pub reasons: Vec<String>,
    /// Idle: no job in the engine (only then may "the job is not here" be believed).
    pub idle: bool,
}

/// Printer-state-reasons after which a card must not be sent.
const BLOCKING_REASONS: &[&str] = &[
    "media-empty",
    "media-needed",
    "media-jam",
    "cover-open",
    "door-open",
    "input-tray-missing",
    "marker-supply-empty",
    "paused",
    "shutdown",
    "offline",
    "spool-area-full",
    "stopped-partly",
];

/// A printer the spool can drive.
pub trait Port {
    /// Its state.
    fn status(&self) -> Result<PortStatus, PortError>;
    /// Send one card; `(job id, job uuid)`.
    fn submit(&self, job_name: &str, png: Vec<u8>) -> Result<(i32, Option<String>), PortError>;
    /// One job by id.
    fn job(&self, job_id: i32) -> Result<Option<PrinterJob>, PortError>;
    /// Every job it remembers.
    fn jobs(&self) -> Result<Vec<PrinterJob>, PortError>;
}

/// Check a printer URI against what this client can actually reach: `ipp://host[:port]/path`,
/// `http://…`, `ipps://host[:port]/path#sha256=<certificate fingerprint>` (TLS to exactly that
/// certificate; `ipps://` without a pin is refused, see `cetak_ipp::tls`), or `dir:/path`.
pub fn check_uri(uri: &str) -> Result<(), String> {
    if let Some(path) = uri.strip_prefix("dir:") {
        if path.trim_start_matches("//").is_empty() {
            return Err("dir: needs a folder, e.g. dir:/srv/cards".into());
        }
        return Ok(());
    }
    PrinterClient::new(uri, Duration::from_secs(1))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A printer address that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// A `dir:` folder that cannot be created or read.
    #[error("{path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An IPP address the client refuses.
    #[error(transparent)]
    Ipp(#[from] IppError),
}

/// Open the port for a printer URI: `ipp://`, `http://` or `dir:/path`.
pub fn open(uri: &str, timeout: Duration) -> Result<Box<dyn Port>, OpenError> {
    if let Some(path) = uri.strip_prefix("dir:") {
        let dir = PathBuf::from(path.trim_start_matches("//"));
        let folder = |source| OpenError::Folder {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(folder)?;
        let next = std::fs::read_dir(&dir).map_err(folder)?.count() as i32 + 1;
        return Ok(Box::new(DirPort {
            dir,
            next_id: AtomicI32::new(next),
            written: Mutex::new(HashMap::new()),
        }));
    }
    Ok(Box::new(IppPort(PrinterClient::new(uri, timeout)?)))
}

struct IppPort(PrinterClient);

fn phase(state: JobState) -> JobPhase {
    match state {
        JobState::Pending | JobState::PendingHeld | JobState::Processing => JobPhase::Underway,
        JobState::ProcessingStopped => JobPhase::Stopped,
        JobState::Completed => JobPhase::Completed,
        JobState::Aborted => JobPhase::Aborted,
        JobState::Canceled => JobPhase::Canceled,
    }
}

fn printer_job(j: cetak_ipp::JobStatus) -> PrinterJob {
    PrinterJob {
        job_id: j.job_id,
        job_uuid: j.job_uuid,
        job_name: j.job_name,
        phase: phase(j.state),
        reasons: j.reasons,
    }
}

impl Port for IppPort {
    fn status(&self) -> Result<PortStatus, PortError> {
        let s = self.0.status().map_err(port_error)?;
        let mut blocking: Vec<String> = s
            .reasons
            .iter()
            .filter(|r| BLOCKING_REASONS.contains(&r.as_str()))
            .cloned()
            .collect();
        if !s.accepting_jobs {
            blocking.push("not-accepting-jobs".into());
        }
        if s.state == PrinterState::Stopped && blocking.is_empty() {
            blocking.push("stopped".into());
        }
        Ok(PortStatus {
            blocking,
            reasons: s.reasons,
            idle: s.state == PrinterState::Idle,
        })
    }

    fn submit(&self, job_name: &str, png: Vec<u8>) -> Result<(i32, Option<String>), PortError> {
        let j = self
            .0
            .submit(job_name, png, "image/png")
            .map_err(port_error)?;
        Ok((j.job_id, j.job_uuid))
    }

    fn job(&self, job_id: i32) -> Result<Option<PrinterJob>, PortError> {
        Ok(self.0.job(job_id).map_err(port_error)?.map(printer_job))
    }

    fn jobs(&self) -> Result<Vec<PrinterJob>, PortError> {
        Ok(self
            .0
            .jobs()
            .map_err(port_error)?
            .into_iter()
            .map(printer_job)
            .collect())
    }
}

/// A directory that prints instantly: each card becomes `<job name>.png`.
struct DirPort {
    dir: PathBuf,
    next_id: AtomicI32,
    /// Jobs written by this process, by id (a folder has no job list but its files).
    written: Mutex<HashMap<i32, String>>,
}

impl DirPort {
    fn uuid(name: &str) -> String {
        format!("urn:cetak-dir:{name}")
    }
}

impl Port for DirPort {
    fn status(&self) -> Result<PortStatus, PortError> {
        if self.dir.is_dir() {
            Ok(PortStatus {
                blocking: vec![],
                reasons: vec![],
                idle: true,
            })
        } else {
            Err(PortError::NotDelivered(format!(
                "{} is not a directory",
                self.dir.display()
            )))
        }
    }

    fn submit(&self, job_name: &str, png: Vec<u8>) -> Result<(i32, Option<String>), PortError> {
        let tmp = self.dir.join(format!(".{job_name}.tmp"));
        std::fs::write(&tmp, png)
            .map_err(|e| PortError::NotDelivered(format!("writing {}: {e}", tmp.display())))?;
        // After the rename the card "exists": a crash before it leaves only a temp file.
        std::fs::rename(&tmp, self.dir.join(format!("{job_name}.png")))
            .map_err(|e| PortError::MayExist(format!("renaming {}: {e}", tmp.display())))?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut written) = self.written.lock() {
            written.insert(id, job_name.to_string());
        }
        Ok((id, Some(Self::uuid(job_name))))
    }

    fn job(&self, job_id: i32) -> Result<Option<PrinterJob>, PortError> {
        // Ids of earlier runs are unknown here: the spool then looks in the folder by uuid.
        let name = self
            .written
            .lock()
            .ok()
            .and_then(|w| w.get(&job_id).cloned());
        Ok(name.map(|name| PrinterJob {
            job_id,
            job_uuid: Some(Self::uuid(&name)),
            job_name: Some(name),
            phase: JobPhase::Completed,
            reasons: vec![],
        }))
    }

    fn jobs(&self) -> Result<Vec<PrinterJob>, PortError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| PortError::MayExist(format!("listing {}: {e}", self.dir.display())))?;
        let mut out = Vec::new();
        for (i, entry) in entries.flatten().enumerate() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(job) = name.strip_suffix(".png") {
                out.push(PrinterJob {
                    job_id: i as i32 + 1,
                    job_uuid: Some(Self::uuid(job)),
                    job_name: Some(job.to_string()),
                    phase: JobPhase::Completed,
                    reasons: vec![],
                });
            }
        }
        Ok(out)
    }
}
