//! The link to the centre, as messages and decisions (no sockets here).
//!
//! Protocol version 1 (documented in `docs/sync-protocol.md`), JSON over HTTP:
//! - `POST /sync/v1/push`: the office sends outbox events, each with an idempotency key; the
//!   centre stores each (office, key) once and acknowledges every key it holds — a replay is
//!   acknowledged again and changes nothing.
//! - `POST /sync/v1/pull`: the office asks for print-ready records after its cursor; the centre
//!   answers a batch in sequence order with the next cursor. The office commits the records and
//!   the cursor in one transaction, so a crash mid-batch resumes where it stopped.
//!
//! Every request carries `Authorization: Bearer <office token>` and the `version` field; the
//! centre derives the office from the token, so an office can only read and write its own data.

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The largest request or response body either side accepts.
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// Events per push request.
pub const PUSH_BATCH: usize = 2_000;
/// Records per pull response.
pub const PULL_BATCH: usize = 5_000;

/// Something the office owes the centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Idempotency key: unique per office for ever (the audit log position).
    pub key: String,
    /// What happened: printed, spoiled, issued, duplicate_decision, stock, …
    pub kind: String,
    /// When (RFC 3339).
    pub at: String,
    /// The facts (recording id, NIK, serial, cause, decision, …).
    pub body: serde_json::Value,
}

/// `POST /sync/v1/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Protocol version.
    pub version: u32,
    /// The events, oldest first.
    pub events: Vec<Event>,
}

/// The centre's answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Keys now held by the centre (new and already known).
    pub acknowledged: Vec<String>,
    /// Of those, how many were new.
    pub new: usize,
}

/// `POST /sync/v1/pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// Protocol version.
    pub version: u32,
    /// The last sequence number the office holds (0 at first).
    pub after: i64,
    /// At most this many records.
    pub limit: usize,
}

/// A print-ready record for the office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledRecord {
    /// Its position in the office's feed.
    pub seq: i64,
    /// The record in import-contract v1 column order.
    pub fields: Vec<String>,
    /// Another office already issued this resident (same NIK) a card: treat as a duplicate
    /// candidate. Names that office.
    pub card_issued_by: Option<String>,
}

/// The centre's answer to a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Records after the cursor, in order.
    pub records: Vec<PulledRecord>,
    /// Whether more wait.
    pub more: bool,
}

/// An error answer from the centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
    /// The protocol versions the centre speaks.
    pub supported_versions: Vec<u32>,
}

/// Retry with exponential backoff and full jitter: the delay before attempt `failures + 1`.
/// `random` is any uniformly random u64 (the caller's RNG; the simulator's seeded one).
pub fn backoff_ms(failures: u32, base_ms: u64, max_ms: u64, random: u64) -> u64 {
    let ceiling = base_ms
        .saturating_mul(1u64 << failures.min(20))
        .min(max_ms)
        .max(1);
    random % (ceiling + 1)
}

/// The link as the office sees it (for the dashboard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "link", rename_all = "snake_case")]
pub enum LinkState {
    /// Never tried.
    Unknown,
    /// The last round went through.
    Up {
        /// When (RFC 3339).
        since: String,
    },
    /// The last rounds failed.
    Down {
        /// Since when (RFC 3339).
        since: String,
        /// Failed rounds in a row.
        failures: u32,
        /// The last error.
        error: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_ceiling_and_jitter_stays_below_it() {
        assert_eq!(backoff_ms(0, 500, 60_000, u64::MAX), u64::MAX % 501);
        for failures in 0..40 {
            for r in [0, 1, 12345, u64::MAX] {
                let d = backoff_ms(failures, 500, 60_000, r);
                assert!(d <= (500u64 << failures.min(20)).min(60_000));
            }
        }
        assert!(backoff_ms(30, 500, 60_000, 59_999) == 59_999);
    }

    #[test]
    fn requests_from_the_future_or_with_extra_fields_do_not_parse_silently() {
        let ok: PullRequest =
            serde_json::from_str(r#"{"version":1,"after":0,"limit":10}"#).unwrap();
        assert_eq!(ok.limit, 10);
        assert!(
            serde_json::from_str::<PullRequest>(
                r#"{"version":1,"after":0,"limit":10,"office":"X"}"#
            )
            .is_err()
        );
        let future: PullRequest =
            serde_json::from_str(r#"{"version":9,"after":0,"limit":10}"#).unwrap();
        assert_ne!(future.version, PROTOCOL_VERSION);
    }
}
