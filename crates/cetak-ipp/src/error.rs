//! What can go wrong talking to a printer, sorted by the one question the spool must answer:
//! **may the printer have accepted this request?**
//!
//! | variant | when | delivered? | job may exist? |
//! |---|---|---|---|
//! | [`IppError::BadUri`] | the URI cannot be used (bad syntax, `ipps://` without a pin, no host) | never sent | no |
//! | [`IppError::Invalid`] | the request cannot be encoded (e.g. job name over 255 bytes) | never sent | no |
//! | [`IppError::Unreachable`] | name lookup failed, or no TCP connection could be opened (refused, no route, connect timed out), or the TLS handshake of `ipps://` did not finish | **certainly not** | no |
//! | [`IppError::Untrusted`] | `ipps://`: the printer's certificate is not the pinned one (or its TLS is refused) — found in the handshake, before any byte of the request | **certainly not** | no |
//! | [`IppError::Timeout`] | connected, but the request could not be written or no complete reply arrived before the deadline (incl. a slowloris drip) | unknown | **yes** |
//! | [`IppError::Broken`] | connected, then reset / closed / truncated before a complete reply | unknown | **yes** |
//! | [`IppError::Malformed`] | a complete reply that is not a valid IPP response to this request (garbage, truncated IPP, over the size cap, wrong request-id, Print-Job success without job-id) | unknown | **yes** |
//! | [`IppError::Http`] | an HTTP status other than 200 | unknown (a 4xx may come from a proxy after the printer took the job) | **yes** |
//! | [`IppError::Refused`] | a valid IPP reply with an error status (≥ 0x0400) | yes, and refused | no, except `server-error-internal-error`, `-device-error`, `-temporary-error` (RFC 8011 §4.1.8: these can be sent *after* the job was created) |
//!
//! Only the first four are safe to re-send blindly (an untrusted printer must of course not get
//! the card; another printer may). Everything that says "yes" must be reconciled
//! from the printer's own job list (key: `job-uuid`, or the job name that carries the attempt id)
//! or decided by a person.

/// An error from [`crate::PrinterClient`]. See the module docs for the delivery table.
#[derive(Debug, thiserror::Error)]
pub enum IppError {
    /// Could not connect at all (DNS failure, connection refused, no route, connect timeout).
    /// No byte of the request reached the printer.
    #[error("printer unreachable: {0}")]
    Unreachable(String),
    /// `ipps://`: the printer presented another certificate than the pinned one, or its TLS
    /// was refused; found during the handshake, before any byte of the request was written.
    #[error("printer not trusted: {0}")]
    Untrusted(String),
    /// Connected (and possibly sent everything), but no complete reply arrived in time.
    /// The outcome is unknown: a Print-Job may have been accepted.
    #[error("printer timed out: {0}")]
    Timeout(String),
    /// The connection was reset or closed after it was opened, or the reply was cut short.
    /// The outcome is unknown.
    #[error("connection to printer broken: {0}")]
    Broken(String),
    /// A reply arrived but is not a valid IPP response (garbage, truncated, too large, wrong
    /// request id). The outcome is unknown.
    #[error("malformed reply from printer: {0}")]
    Malformed(String),
    /// A valid IPP reply with an error status code (e.g. 0x0506 server-error-not-accepting-jobs,
    /// 0x040A client-error-document-format-not-supported). The request was not accepted, except
    /// for the statuses listed in [`IppError::job_may_exist`].
    #[error("printer refused the request: {message} (IPP status 0x{status:04x})")]
    Refused {
        /// The IPP status code (RFC 8011 §4.1.8 / IANA registry).
        status: u16,
        /// `status-message` if the printer sent one, otherwise the status name.
        message: String,
    },
    /// The HTTP layer answered with a status other than 200 OK.
    #[error("printer answered HTTP {status} {reason}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The reason phrase (as sent, trimmed and shortened).
        reason: String,
    },
    /// The printer URI is unusable.
    #[error("bad printer URI: {0}")]
    BadUri(String),
    /// The request could not be encoded (nothing was sent).
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// `server-error-internal-error`: may be sent after the job was created.
pub const STATUS_INTERNAL_ERROR: u16 = 0x0500;
/// `server-error-device-error`: sent with the job's true state (the job exists).
pub const STATUS_DEVICE_ERROR: u16 = 0x0504;
/// `server-error-temporary-error`: may be sent while the document was being fed (the job exists).
pub const STATUS_TEMPORARY_ERROR: u16 = 0x0505;
/// `client-error-not-found`.
pub const STATUS_NOT_FOUND: u16 = 0x0406;
/// `server-error-not-accepting-jobs`.
pub const STATUS_NOT_ACCEPTING_JOBS: u16 = 0x0506;
/// `client-error-document-format-not-supported`.
pub const STATUS_DOCUMENT_FORMAT_NOT_SUPPORTED: u16 = 0x040A;

impl IppError {
    /// True when no byte of the request can have reached the printer: it is safe to send it again
    /// (to this or another printer) without reconciling first.
    pub fn request_certainly_not_delivered(&self) -> bool {
        matches!(
            self,
            IppError::Unreachable(_)
                | IppError::Untrusted(_)
                | IppError::BadUri(_)
                | IppError::Invalid(_)
        )
    }

    /// True when a Print-Job that ended with this error may nevertheless have created a job on the
    /// printer (so it may print). Such an attempt must never be re-sent silently.
    pub fn job_may_exist(&self) -> bool {
        match self {
            IppError::Unreachable(_)
            | IppError::Untrusted(_)
            | IppError::BadUri(_)
            | IppError::Invalid(_) => false,
            IppError::Timeout(_) | IppError::Broken(_) | IppError::Malformed(_) => true,
            IppError::Refused { status, .. } => matches!(
                *status,
                STATUS_INTERNAL_ERROR | STATUS_DEVICE_ERROR | STATUS_TEMPORARY_ERROR
            ),
            // No HTTP status is proof: a proxy or a printer's web layer may answer 4xx (408,
            // 413, 429, even 400) after the IPP part already created the job. Looking the job
            // up costs one request; a second card costs a blank and a resident's trust.
            IppError::Http { .. } => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_table() {
        let unreachable = IppError::Unreachable("refused".into());
        assert!(unreachable.request_certainly_not_delivered());
        assert!(!unreachable.job_may_exist());
        for e in [
            IppError::Timeout("t".into()),
            IppError::Broken("b".into()),
            IppError::Malformed("m".into()),
        ] {
            assert!(!e.request_certainly_not_delivered());
            assert!(e.job_may_exist());
        }
        let refused = IppError::Refused {
            status: STATUS_NOT_ACCEPTING_JOBS,
            message: "stopped".into(),
        };
        assert!(!refused.request_certainly_not_delivered());
        assert!(!refused.job_may_exist());
        let device = IppError::Refused {
            status: STATUS_DEVICE_ERROR,
            message: "jam".into(),
        };
        assert!(device.job_may_exist());
        let http401 = IppError::Http {
            status: 401,
            reason: "Unauthorized".into(),
        };
        assert!(
            http401.job_may_exist(),
            "a 4xx may follow a created job: look it up"
        );
        let http502 = IppError::Http {
            status: 502,
            reason: "Bad Gateway".into(),
        };
        assert!(http502.job_may_exist());
    }
}
