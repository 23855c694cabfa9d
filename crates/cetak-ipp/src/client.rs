//! [`PrinterClient`]: the four IPP operations the spool needs.

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use ipp::attribute::IppAttribute;
use ipp::model::{DelimiterTag, IppVersion, Operation};
use ipp::request::IppRequestResponse;
use ipp::value::IppValue;

use crate::decode::{self, Parsed};
use crate::error::IppError;
use crate::http::{self, Target};
use crate::{JobStatus, PrinterStatus};

/// Replies larger than this are rejected as [`IppError::Malformed`] (a card printer's replies
/// to these operations are a few KiB).
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// The `requesting-user-name` sent with every request.
const USER_NAME: &str = "cetak";

/// Status `client-error-attributes-or-values-not-supported`.
const STATUS_ATTRIBUTES_NOT_SUPPORTED: u16 = 0x040B;
/// Status `client-error-bad-request`.
const STATUS_BAD_REQUEST: u16 = 0x0400;

const JOB_ATTRIBUTES: [&str; 6] = [
    "job-id",
    "job-uuid",
    "job-name",
    "job-state",
    "job-state-reasons",
    "job-impressions-completed",
];

const PRINTER_ATTRIBUTES: [&str; 5] = [
    "printer-state",
    "printer-state-reasons",
    "printer-is-accepting-jobs",
    "printer-make-and-model",
    "media-ready",
];

/// A blocking IPP client for one printer queue. Each call opens one connection, sends one
/// request and reads one reply within the request timeout; nothing is retried.
///
/// The client is `Send + Sync`; calls from several threads are independent.
#[derive(Debug)]
pub struct PrinterClient {
    target: Target,
    printer_uri: String,
    timeout: Duration,
    next_request_id: AtomicI32,
}

impl PrinterClient {
    /// A client for `uri`: `ipp://host[:631]/path`, `http://host[:80]/path`, or
    /// `ipps://host[:631]/path#sha256=<certificate fingerprint>` (TLS to exactly that
    /// certificate, see [`crate::tls`]; `ipps://` without a pin is refused with
    /// [`IppError::BadUri`]). `request_timeout` bounds each call from connect (TLS handshake
    /// included) to the last byte of the reply.
    pub fn new(uri: &str, request_timeout: Duration) -> Result<Self, IppError> {
        let target = Target::parse(uri)?;
        if request_timeout.is_zero() {
            return Err(IppError::Invalid(
                "request timeout must be above zero".into(),
            ));
        }
        Ok(PrinterClient {
            printer_uri: target.printer_uri(),
            target,
            timeout: request_timeout,
            next_request_id: AtomicI32::new(1),
        })
    }

    /// The `printer-uri` sent in requests (`ipp://host:port/path`).
    pub fn printer_uri(&self) -> &str {
        &self.printer_uri
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    /// Get-Printer-Attributes: state, reasons, accepting-jobs, make and model, media ready.
    pub fn status(&self) -> Result<PrinterStatus, IppError> {
        let mut req = self.request(Operation::GetPrinterAttributes)?;
        add(
            &mut req,
            "requested-attributes",
            keywords(&PRINTER_ATTRIBUTES)?,
        )?;
        let reply = self.send(req, &[])?.ok()?;
        decode::printer_status_of(&reply)
    }

    /// Print-Job: send one document as one job named `job_name` (put the blank serial and the
    /// attempt id in it: the printer's job list then identifies the attempt even when the
    /// job id is reused after a restart).
    ///
    /// On `Ok` the printer has accepted the job (it may not have printed yet: `ippeveprinter`
    /// answers as soon as the document is spooled). The returned status carries the job's
    /// `job-uuid` when a follow-up Get-Job-Attributes could confirm it (same id, same name);
    /// a failed follow-up only leaves `job_uuid` empty. On `Err`, see
    /// [`IppError::job_may_exist`] before sending the card again.
    pub fn submit(
        &self,
        job_name: &str,
        document: Vec<u8>,
        mime: &str,
    ) -> Result<JobStatus, IppError> {
        let mut req = self.request(Operation::PrintJob)?;
        add(
            &mut req,
            "job-name",
            IppValue::new_name_without_language(job_name)
                .map_err(|e| IppError::Invalid(format!("job-name {job_name:?}: {e}")))?,
        )?;
        add(
            &mut req,
            "document-format",
            IppValue::new_mime_media_type(mime)
                .map_err(|e| IppError::Invalid(format!("document-format {mime:?}: {e}")))?,
        )?;
        let reply = self.send(req, &document)?.ok()?;
        let mut job = decode::print_job_of(&reply)?;
        if job.job_name.is_none() {
            job.job_name = Some(job_name.to_string());
        }
        if job.job_uuid.is_none()
            && let Ok(Some(confirmed)) = self.job(job.job_id)
            && confirmed.job_name.as_deref() == Some(job_name)
        {
            return Ok(confirmed);
        }
        Ok(job)
    }

    /// Get-Job-Attributes for `job_id`; `Ok(None)` if the printer does not know the id
    /// (`client-error-not-found`: never existed, purged after completion, or lost in a restart).
    /// Compare `job_uuid` with the one you recorded: after a restart the id may belong to
    /// another job.
    pub fn job(&self, job_id: i32) -> Result<Option<JobStatus>, IppError> {
        let mut req = self.request(Operation::GetJobAttributes)?;
        add(&mut req, "job-id", IppValue::Integer(job_id))?;
        add(&mut req, "requested-attributes", keywords(&JOB_ATTRIBUTES)?)?;
        let reply = self.send(req, &[])?;
        decode::job_of(reply)
    }

    /// Get-Jobs with `which-jobs=all` (falling back to `not-completed` + `completed` on
    /// printers that do not support `all`): every job the printer still remembers.
    pub fn jobs(&self) -> Result<Vec<JobStatus>, IppError> {
        match self.get_jobs("all") {
            Err(IppError::Refused { status, .. })
                if status == STATUS_ATTRIBUTES_NOT_SUPPORTED || status == STATUS_BAD_REQUEST =>
            {
                let mut all = self.get_jobs("not-completed")?;
                for job in self.get_jobs("completed")? {
                    if !all.iter().any(|j| j.job_id == job.job_id) {
                        all.push(job);
                    }
                }
                Ok(all)
            }
            other => other,
        }
    }

    fn get_jobs(&self, which: &str) -> Result<Vec<JobStatus>, IppError> {
        let mut req = self.request(Operation::GetJobs)?;
        add(
            &mut req,
            "which-jobs",
            IppValue::new_keyword(which).map_err(|e| IppError::Invalid(e.to_string()))?,
        )?;
        add(&mut req, "requested-attributes", keywords(&JOB_ATTRIBUTES)?)?;
        let reply = self.send(req, &[])?.ok()?;
        decode::jobs_of(&reply)
    }

    /// A request with charset, language, printer-uri and requesting-user-name.
    fn request(&self, op: Operation) -> Result<IppRequestResponse, IppError> {
        let uri: ::http::Uri = self
            .printer_uri
            .parse()
            .map_err(|e| IppError::BadUri(format!("{}: {e}", self.printer_uri)))?;
        let mut req = IppRequestResponse::new(IppVersion::v1_1(), op, Some(uri))
            .map_err(|e| IppError::BadUri(format!("{}: {e}", self.printer_uri)))?;
        let id = self
            .next_request_id
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |id| {
                Some(if id >= i32::MAX - 1 { 1 } else { id + 1 })
            })
            .unwrap_or(1);
        req.header_mut().request_id = id;
        add(
            &mut req,
            "requesting-user-name",
            IppValue::new_name_without_language(USER_NAME)
                .map_err(|e| IppError::Invalid(e.to_string()))?,
        )?;
        Ok(req)
    }

    /// POST the request (plus document) and parse the reply; checks the request id.
    fn send(&self, req: IppRequestResponse, document: &[u8]) -> Result<Parsed, IppError> {
        let id = req.header().request_id;
        let message = req.to_bytes();
        let reply = http::exchange(
            &self.target,
            "POST",
            &self.target.path,
            Some("application/ipp"),
            &[message.as_ref(), document],
            self.timeout,
            MAX_REPLY_BYTES,
        )?;
        let parsed = decode::parse(&reply.body)?;
        if parsed.request_id != id {
            return Err(IppError::Malformed(format!(
                "reply is for request {} but request {id} was sent",
                parsed.request_id
            )));
        }
        Ok(parsed)
    }

    /// Plain HTTP GET on the printer's web interface (used by the simulator harness).
    #[cfg_attr(not(feature = "sim"), allow(dead_code))]
    pub(crate) fn http_get(&self, path_and_query: &str) -> Result<u16, IppError> {
        let reply = http::exchange(
            &self.target,
            "GET",
            path_and_query,
            None,
            &[],
            self.timeout,
            MAX_REPLY_BYTES,
        )?;
        Ok(reply.status)
    }
}

fn add(req: &mut IppRequestResponse, name: &str, value: IppValue) -> Result<(), IppError> {
    let attr =
        IppAttribute::with_name(name, value).map_err(|e| IppError::Invalid(e.to_string()))?;
    req.attributes_mut()
        .add(DelimiterTag::OperationAttributes, attr);
    Ok(())
}

fn keywords(names: &[&str]) -> Result<IppValue, IppError> {
    names
        .iter()
        .map(|n| IppValue::new_keyword(*n).map_err(|e| IppError::Invalid(e.to_string())))
        .collect::<Result<Vec<_>, _>>()
        .map(IppValue::Array)
}
