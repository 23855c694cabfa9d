//! Decoding IPP replies (the body of an HTTP 200) into [`PrinterStatus`] / [`JobStatus`].
//!
//! Every function takes untrusted bytes and returns an error, never panics. Before the `ipp`
//! crate's parser sees the bytes, a structural walk rejects what it would handle badly: deeply
//! nested collections (its collection handling clones subtrees at every level, quadratic in
//! depth, and drops them recursively) and absurd attribute counts.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ipp::attribute::{IppAttributeGroup, IppAttributes};
use ipp::model::DelimiterTag;
use ipp::parser::IppParser;
use ipp::reader::IppReader;
use ipp::value::IppValue;

use crate::error::{IppError, STATUS_NOT_FOUND};
use crate::{JobState, JobStatus, PrinterState, PrinterStatus};

/// Collections nested deeper than this are rejected (real printers use 2–3 levels).
pub const MAX_COLLECTION_DEPTH: usize = 16;
/// Replies with more attribute values than this are rejected.
pub const MAX_VALUES: usize = 50_000;

/// A structurally valid IPP reply.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub status: u16,
    pub request_id: i32,
    pub attributes: IppAttributes,
}

impl Parsed {
    /// Turn an error status into [`IppError::Refused`].
    pub fn ok(self) -> Result<Parsed, IppError> {
        if self.status >= 0x0400 {
            Err(IppError::Refused {
                status: self.status,
                message: self.status_message(),
            })
        } else {
            Ok(self)
        }
    }

    fn status_message(&self) -> String {
        self.attributes
            .groups_of(DelimiterTag::OperationAttributes)
            .find_map(|g| g.get("status-message"))
            .and_then(|a| string(a.value()))
            .map(|m| m.chars().take(300).collect())
            .unwrap_or_else(|| status_name(self.status))
    }
}

/// The registered name of an IPP status code, or its hex value.
pub fn status_name(status: u16) -> String {
    // The prelude brings `StatusCode` and the crate's `FromPrimitive` (re-exported as `_`).
    use ipp::prelude::*;
    match StatusCode::from_u16(status) {
        Some(code) if code != StatusCode::UnknownStatusCode => format!("{code:?}"),
        _ => format!("status 0x{status:04x}"),
    }
}

/// Check the shape of an IPP message without building anything.
fn check_structure(body: &[u8]) -> Result<(), IppError> {
    let bad = |why: &str| Err(IppError::Malformed(format!("not a valid IPP reply: {why}")));
    if body.len() < 8 {
        return bad("shorter than the 8-byte IPP header");
    }
    let mut pos = 8;
    let mut depth = 0usize;
    let mut values = 0usize;
    let u16_at = |pos: usize| -> Option<usize> {
        let b = body.get(pos..pos + 2)?;
        Some(usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    loop {
        let Some(&tag) = body.get(pos) else {
            return bad("no end-of-attributes tag");
        };
        pos += 1;
        match tag {
            0x03 => return Ok(()),
            0x01..=0x0a => {}
            0x10..=0x4a => {
                values += 1;
                if values > MAX_VALUES {
                    return bad("too many attribute values");
                }
                let Some(name_len) = u16_at(pos) else {
                    return bad("truncated attribute name length");
                };
                pos += 2 + name_len;
                let Some(value_len) = u16_at(pos) else {
                    return bad("truncated attribute");
                };
                let value = body.get(pos + 2..pos + 2 + value_len);
                pos += 2 + value_len;
                let Some(value) = value else {
                    return bad("truncated attribute value");
                };
                // textWithLanguage / nameWithLanguage hold two length-prefixed strings; the
                // `ipp` crate slices them without a bounds check (it panics on bad lengths).
                if (tag == 0x35 || tag == 0x36) && !two_strings_fit(value) {
                    return bad("malformed textWithLanguage/nameWithLanguage value");
                }
                if tag == 0x34 {
                    depth += 1;
                    if depth > MAX_COLLECTION_DEPTH {
                        return bad("collections nested too deeply");
                    }
                } else if tag == 0x37 {
                    if depth == 0 {
                        return bad("end of a collection that was never begun");
                    }
                    depth -= 1;
                }
            }
            other => return bad(&format!("invalid tag 0x{other:02x}")),
        }
    }
}

/// Whether `value` is exactly `len₁ string₁ len₂ string₂` (u16 big-endian lengths).
fn two_strings_fit(value: &[u8]) -> bool {
    let len_at = |pos: usize| -> Option<usize> {
        value
            .get(pos..pos + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let Some(first) = len_at(0) else {
        return false;
    };
    let Some(second) = len_at(2 + first) else {
        return false;
    };
    2 + first + 2 + second <= value.len()
}

/// Parse an IPP reply body (no request-id check).
pub(crate) fn parse(body: &[u8]) -> Result<Parsed, IppError> {
    check_structure(body)?;
    let owned = body.to_vec();
    let parsed = catch_unwind(AssertUnwindSafe(move || {
        IppParser::new(IppReader::new(Cursor::new(owned))).parse_parts()
    }))
    .map_err(|_| IppError::Malformed("IPP decoder panicked on this reply".into()))?;
    let (header, attributes, _payload) =
        parsed.map_err(|e| IppError::Malformed(format!("not a valid IPP reply: {e}")))?;
    let major = header.version.0 >> 8;
    if !(1..=2).contains(&major) {
        return Err(IppError::Malformed(format!(
            "unsupported IPP version 0x{:04x}",
            header.version.0
        )));
    }
    Ok(Parsed {
        // The status is an unsigned 16-bit field that the crate stores as i16.
        status: u16::from_be_bytes(header.operation_or_status.to_be_bytes()),
        request_id: header.request_id,
        attributes,
    })
}

/// Decode a Get-Printer-Attributes reply.
pub fn printer_status(body: &[u8]) -> Result<PrinterStatus, IppError> {
    printer_status_of(&parse(body)?.ok()?)
}

/// Decode a Get-Job-Attributes reply: `Ok(None)` for `client-error-not-found`.
pub fn job(body: &[u8]) -> Result<Option<JobStatus>, IppError> {
    job_of(parse(body)?)
}

/// Decode a Get-Jobs reply.
pub fn jobs(body: &[u8]) -> Result<Vec<JobStatus>, IppError> {
    jobs_of(&parse(body)?.ok()?)
}

/// Decode a Print-Job reply (the job must have a `job-id`).
pub fn print_job(body: &[u8]) -> Result<JobStatus, IppError> {
    print_job_of(&parse(body)?.ok()?)
}

pub(crate) fn printer_status_of(reply: &Parsed) -> Result<PrinterStatus, IppError> {
    let group = reply
        .attributes
        .groups_of(DelimiterTag::PrinterAttributes)
        .next()
        .ok_or_else(|| IppError::Malformed("reply has no printer attributes".into()))?;
    let state = match group.get("printer-state").and_then(|a| int(a.value())) {
        Some(3) => PrinterState::Idle,
        Some(4) => PrinterState::Processing,
        Some(5) => PrinterState::Stopped,
        Some(other) => {
            return Err(IppError::Malformed(format!(
                "unknown printer-state {other}"
            )));
        }
        None => return Err(IppError::Malformed("reply lacks printer-state".into())),
    };
    let raw_reasons = strings_of(group, "printer-state-reasons");
    let mut reasons: Vec<String> = Vec::new();
    for raw in &raw_reasons {
        let base = ["-report", "-warning", "-error"]
            .iter()
            .find_map(|suffix| raw.strip_suffix(suffix))
            .unwrap_or(raw);
        if base != "none" && !base.is_empty() && !reasons.iter().any(|r| r == base) {
            reasons.push(base.to_string());
        }
    }
    let accepting_jobs = matches!(
        group.get("printer-is-accepting-jobs").map(|a| a.value()),
        Some(IppValue::Boolean(true))
    );
    Ok(PrinterStatus {
        state,
        reasons,
        raw_reasons,
        accepting_jobs,
        make_and_model: group
            .get("printer-make-and-model")
            .and_then(|a| string(a.value())),
        media_ready: strings_of(group, "media-ready"),
    })
}

pub(crate) fn job_of(reply: Parsed) -> Result<Option<JobStatus>, IppError> {
    if reply.status == STATUS_NOT_FOUND {
        return Ok(None);
    }
    let reply = reply.ok()?;
    let group = reply
        .attributes
        .groups_of(DelimiterTag::JobAttributes)
        .next()
        .ok_or_else(|| IppError::Malformed("reply has no job attributes".into()))?;
    job_status(group).map(Some)
}

pub(crate) fn jobs_of(reply: &Parsed) -> Result<Vec<JobStatus>, IppError> {
    reply
        .attributes
        .groups_of(DelimiterTag::JobAttributes)
        .map(job_status)
        .collect()
}

pub(crate) fn print_job_of(reply: &Parsed) -> Result<JobStatus, IppError> {
    let group = reply
        .attributes
        .groups_of(DelimiterTag::JobAttributes)
        .next()
        .ok_or_else(|| {
            IppError::Malformed("Print-Job succeeded but the reply names no job".into())
        })?;
    if group.get("job-id").is_none() {
        return Err(IppError::Malformed(
            "Print-Job succeeded but the reply has no job-id".into(),
        ));
    }
    let mut status = job_status_lenient(group)?;
    // Some printers omit job-state from the Print-Job reply: the job is at least pending.
    if status.1.is_none() {
        status.0.state = JobState::Pending;
    }
    Ok(status.0)
}

fn job_status(group: &IppAttributeGroup) -> Result<JobStatus, IppError> {
    let (status, state) = job_status_lenient(group)?;
    if state.is_none() {
        return Err(IppError::Malformed(format!(
            "job {} has no job-state",
            status.job_id
        )));
    }
    Ok(status)
}

/// A job group; the second value says whether `job-state` was present.
fn job_status_lenient(
    group: &IppAttributeGroup,
) -> Result<(JobStatus, Option<JobState>), IppError> {
    let job_id = group
        .get("job-id")
        .and_then(|a| match a.value() {
            IppValue::Integer(i) => Some(*i),
            _ => None,
        })
        .ok_or_else(|| IppError::Malformed("job without an integer job-id".into()))?;
    let state =
        match group.get("job-state").map(|a| int(a.value())) {
            None => None,
            Some(Some(n)) => Some(JobState::from_ipp(n).ok_or_else(|| {
                IppError::Malformed(format!("job {job_id}: unknown job-state {n}"))
            })?),
            Some(None) => {
                return Err(IppError::Malformed(format!(
                    "job {job_id}: job-state is not an enum"
                )));
            }
        };
    let reasons = strings_of(group, "job-state-reasons")
        .into_iter()
        .filter(|r| r != "none")
        .collect();
    Ok((
        JobStatus {
            job_id,
            job_uuid: group.get("job-uuid").and_then(|a| string(a.value())),
            job_name: group.get("job-name").and_then(|a| string(a.value())),
            state: state.unwrap_or(JobState::Pending),
            reasons,
            impressions_completed: group.get("job-impressions-completed").and_then(|a| {
                match a.value() {
                    IppValue::Integer(i) => Some(*i),
                    _ => None,
                }
            }),
        },
        state,
    ))
}

fn int(v: &IppValue) -> Option<i32> {
    match v {
        IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
        _ => None,
    }
}

fn string(v: &IppValue) -> Option<String> {
    let s: &str = match v {
        IppValue::TextWithoutLanguage(t) | IppValue::TextWithLanguage { text: t, .. } => t.as_ref(),
        IppValue::NameWithoutLanguage(n) | IppValue::NameWithLanguage { name: n, .. } => n.as_str(),
        IppValue::Keyword(k) => k.as_str(),
        IppValue::Uri(u) | IppValue::UriScheme(u) => u.as_str(),
        IppValue::MimeMediaType(m) => m.as_str(),
        IppValue::Charset(c) => c.as_str(),
        IppValue::NaturalLanguage(l) => l.as_str(),
        _ => return None,
    };
    Some(s.to_string())
}

fn strings_of(group: &IppAttributeGroup, name: &str) -> Vec<String> {
    match group.get(name).map(|a| a.value()) {
        Some(IppValue::Array(values)) => values.iter().filter_map(string).collect(),
        Some(value) => string(value).into_iter().collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(status: u16) -> Vec<u8> {
        let mut v = vec![1, 1];
        v.extend_from_slice(&status.to_be_bytes());
        v.extend_from_slice(&7i32.to_be_bytes());
        v
    }

    fn attr(out: &mut Vec<u8>, tag: u8, name: &str, value: &[u8]) {
        out.push(tag);
        out.extend_from_slice(&(name.len() as u16).to_be_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(value);
    }

    #[test]
    fn printer_reasons_are_normalised() {
        let mut b = header(0);
        b.push(0x04);
        attr(&mut b, 0x23, "printer-state", &3i32.to_be_bytes());
        attr(&mut b, 0x44, "printer-state-reasons", b"media-empty-report");
        attr(&mut b, 0x44, "", b"media-needed-warning");
        attr(&mut b, 0x44, "", b"media-empty-error");
        attr(&mut b, 0x22, "printer-is-accepting-jobs", &[1]);
        b.push(0x03);
        let s = printer_status(&b).expect("valid");
        assert_eq!(s.state, PrinterState::Idle);
        assert_eq!(s.reasons, vec!["media-empty", "media-needed"]);
        assert_eq!(s.raw_reasons.len(), 3);
        assert!(s.accepting_jobs);
    }

    #[test]
    fn not_found_is_none_and_errors_are_refused() {
        let mut b = header(STATUS_NOT_FOUND);
        b.push(0x03);
        assert!(matches!(job(&b), Ok(None)));
        let mut b = header(0x0506);
        b.push(0x01);
        attr(&mut b, 0x41, "status-message", b"not accepting");
        b.push(0x03);
        match print_job(&b) {
            Err(IppError::Refused { status, message }) => {
                assert_eq!(status, 0x0506);
                assert_eq!(message, "not accepting");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn print_job_without_job_id_is_malformed() {
        let mut b = header(0);
        b.push(0x02);
        attr(&mut b, 0x23, "job-state", &3i32.to_be_bytes());
        b.push(0x03);
        let err = print_job(&b).expect_err("no job-id");
        assert!(matches!(err, IppError::Malformed(_)));
        assert!(err.job_may_exist());
    }

    #[test]
    fn bad_text_with_language_is_malformed_not_a_panic() {
        let mut b = header(0);
        b.push(0x04);
        attr(&mut b, 0x23, "printer-state", &3i32.to_be_bytes());
        attr(&mut b, 0x35, "printer-info", &[0xff, 0x00, b'e', b'n']);
        b.push(0x03);
        assert!(matches!(printer_status(&b), Err(IppError::Malformed(_))));
        let mut ok = header(0);
        ok.push(0x04);
        attr(&mut ok, 0x23, "printer-state", &4i32.to_be_bytes());
        attr(
            &mut ok,
            0x35,
            "printer-info",
            &[0, 2, b'e', b'n', 0, 2, b'h', b'i'],
        );
        ok.push(0x03);
        assert_eq!(
            printer_status(&ok).expect("valid").state,
            PrinterState::Processing
        );
    }

    #[test]
    fn deep_collections_are_rejected() {
        let mut b = header(0);
        b.push(0x04);
        attr(&mut b, 0x34, "media-col", b"");
        for _ in 0..50_000 {
            attr(&mut b, 0x4a, "", b"m");
            attr(&mut b, 0x34, "", b"");
        }
        b.push(0x03);
        assert!(matches!(printer_status(&b), Err(IppError::Malformed(_))));
    }
}
