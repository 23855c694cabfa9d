//! The link to the centre, as messages and decisions (no sockets here).
//!
//! Protocol version 2 (documented in `docs/sync-protocol.md`), JSON over HTTP:
//! - `POST /sync/v2/push`: the office sends outbox events, each with an idempotency key and
//!   its audit chain hash; the centre stores each (office, key, hash) once and acknowledges
//!   every event key by key — a replay is acknowledged again and changes nothing, a key seen
//!   with other content is kept too and raised as an alarm.
//! - `POST /sync/v2/pull`: the office asks for print-ready records after its cursor; the centre
//!   answers a batch bounded by bytes, in sequence order, each record with its content hash.
//!   The office checks the hashes, then commits the records and the cursor in one
//!   transaction, so a crash mid-batch resumes where it stopped. An office that asks
//!   (`media`) gets each record's photo, signature and templates too, each item with its
//!   BLAKE3 hash and the record's hash covering them, counted base64-expanded in the budget.
//! - Every answer names the centre's history (`epoch`), and both requests name the position
//!   the office believes in (an [`Anchor`]): after a restore on either side the centre answers
//!   `history_differs` and the office pushes and pulls again from the start (idempotent).
//!
//! Every request carries `Authorization: Bearer <office token>` and the `version` field; the
//! centre derives the office from the token, so an office can only read and write its own data.

pub mod view;

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 2;
/// The largest request or response body either side accepts.
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// Events per push request, at most (the byte budget usually stops a batch first).
pub const PUSH_BATCH: usize = 2_000;
/// Records per pull response, at most (the byte budget usually stops a batch first).
pub const PULL_BATCH: usize = 5_000;
/// The byte budget a batch starts with, in either direction (half the largest body: ordinary
/// records still travel 5,000 to a batch, as in version 1).
pub const BATCH_BYTES: usize = 4 * 1024 * 1024;
/// The smallest byte budget a batch shrinks to (one record or event always travels).
pub const MIN_BATCH_BYTES: usize = 16 * 1024;
/// A record or event larger than this can never travel: it is parked with its reason.
pub const MAX_ITEM_BYTES: usize = MAX_BODY / 2;

/// Something the office owes the centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Idempotency key: unique per office for ever (the audit log position).
    pub key: String,
    /// The office's audit chain hash at that position (hex): the content behind the key. A key
    /// seen again with another hash is a second history (an office restored from an older copy).
    pub hash: String,
    /// What happened: printed, spoiled, issued, duplicate_decision, stock, …
    pub kind: String,
    /// When (RFC 3339).
    pub at: String,
    /// The facts (recording id, NIK, serial, cause, decision, …).
    pub body: serde_json::Value,
}

/// A position in one side's history, with the content that stands there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The event key (push) or record sequence number (pull), as text.
    pub at: String,
    /// Its hash (hex).
    pub hash: String,
}

/// `POST /sync/v2/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Protocol version.
    pub version: u32,
    /// The last event the office believes the centre holds (none at first). The centre
    /// answers 409 `history_differs` when it does not hold exactly that event.
    #[serde(default)]
    pub since: Option<Anchor>,
    /// The events, oldest first.
    pub events: Vec<Event>,
}

/// One acknowledged event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// Its key.
    pub key: String,
    /// The hash the centre holds under that key for this push.
    pub hash: String,
}

/// The centre's answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The centre's history id.
    pub epoch: String,
    /// Events now held by the centre (new and already known), key by key.
    pub acknowledged: Vec<Ack>,
    /// Of those, how many were new.
    pub new: usize,
    /// Keys the centre already held with other content: both are kept, and this is an alarm.
    #[serde(default)]
    pub forks: Vec<String>,
}

/// `POST /sync/v2/pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// Protocol version.
    pub version: u32,
    /// The last sequence number the office holds (0 at first).
    pub after: i64,
    /// The hash of the record at `after` (none at 0). The centre answers 409
    /// `history_differs` when it does not hold exactly that record there.
    #[serde(default)]
    pub after_hash: Option<String>,
    /// At most this many records.
    pub limit: usize,
    /// At most about this many bytes of records (at least one record is sent).
    pub max_bytes: usize,
    /// Count the records still waiting after this batch (the office asks once a round: the
    /// count reads the whole remaining range).
    #[serde(default)]
    pub count_waiting: bool,
    /// Send each record's photo, signature and templates (import contract v2). An office that
    /// does not ask gets the records without them, hashed as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub media: bool,
}

/// A print-ready record for the office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledRecord {
    /// Its position in the office's feed.
    pub seq: i64,
    /// [`record_hash`] of the fields, checked by the office before import.
    pub hash: String,
    /// The record in import-contract v1 column order.
    pub fields: Vec<String>,
    /// Another office already issued this resident (same NIK) a card: treat as a duplicate
    /// candidate. Names that office as `region/office`.
    pub card_issued_by: Option<String>,
    /// The record's photo, signature and templates, when the office asked for them and the
    /// record was loaded with media (`Some(vec![])`: loaded with media, none came). `hash`
    /// then covers each item's hash ([`record_hash_with_media`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<PulledMedia>>,
}

/// One photo, signature or template of a pulled record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PulledMedia {
    /// `foto`, `tanda_tangan`, `jari-02`, … (`cetak_domain::media::MediaSlot` names).
    pub slot: String,
    /// BLAKE3 of the bytes, hex.
    pub hash: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub bytes: String,
}

impl PulledMedia {
    /// An item for the wire.
    pub fn new(slot: &str, bytes: &[u8]) -> PulledMedia {
        use base64::Engine as _;
        PulledMedia {
            slot: slot.to_string(),
            hash: blake3::hash(bytes).to_hex().to_string(),
            bytes: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    /// The bytes, checked against the item's hash: an error when they were damaged on the way.
    pub fn decode(&self) -> Result<Vec<u8>, String> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.bytes.as_bytes())
            .map_err(|e| format!("{} is not base64: {e}", self.slot))?;
        if blake3::hash(&bytes).to_hex().as_str() != self.hash {
            return Err(format!(
                "{} does not match its hash (damaged on the way)",
                self.slot
            ));
        }
        Ok(bytes)
    }
}

impl PulledRecord {
    /// The hash this record's content should have: [`record_hash`] of the fields, or with its
    /// media [`record_hash_with_media`].
    pub fn expected_hash(&self) -> String {
        match &self.media {
            None => record_hash(&self.fields),
            Some(items) => record_hash_with_media(
                &self.fields,
                items.iter().map(|m| (m.slot.as_str(), m.hash.as_str())),
            ),
        }
    }
}

/// About how many bytes a record's fields take in an answer (JSON, with its framing).
pub fn record_wire_bytes(fields: &[String]) -> usize {
    fields
        .iter()
        .map(|f| serde_json::to_string(f).map_or(f.len() * 6 + 2, |s| s.len()) + 1)
        .sum::<usize>()
        + 200
}

/// How many bytes a media item of `len` bytes takes in an answer: base64 (4 characters for
/// every 3 bytes) with its slot, hash and framing.
pub fn media_wire_bytes(slot: &str, len: usize) -> usize {
    len.div_ceil(3) * 4 + slot.len() + 64 + 40
}

/// A record the centre will never send (too large to travel): the office's cursor moves past
/// it and both sides keep the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedRecord {
    /// Its position in the feed.
    pub seq: i64,
    /// Its recording id.
    pub recording_id: String,
    /// [`record_hash`] of its fields (the office's cursor may stand on it).
    pub hash: String,
    /// Why.
    pub reason: String,
}

/// The centre's answer to a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// The centre's history id.
    pub epoch: String,
    /// Records after the cursor, in order.
    pub records: Vec<PulledRecord>,
    /// Records in this range the centre parked instead of sending.
    #[serde(default)]
    pub parked: Vec<ParkedRecord>,
    /// Whether more wait.
    pub more: bool,
    /// How many records wait after this batch: counted when the request asked
    /// (`count_waiting`), and 0 on a last batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u64>,
}

/// An event the centre cannot store, with the cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The event's key.
    pub key: String,
    /// Why, for a person.
    pub reason: String,
}

/// An error answer from the centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
    /// The protocol versions the centre speaks.
    pub supported_versions: Vec<u32>,
    /// A machine-readable cause: `history_differs` (409: re-push or re-pull from the start),
    /// `rejected` (422: the events in `rejected` can never be stored; park them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The centre's history id, when it knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
    /// Events refused one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<Rejected>,
}

/// The hash of a record's fields (hex BLAKE3 over the length-prefixed fields).
pub fn record_hash(fields: &[String]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"cetak-record-v1");
    for f in fields {
        h.update(&(f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// The hash of a record with its media (contract v2): BLAKE3 over the length-prefixed fields
/// and each item's slot and content hash, in the order sent. An item damaged on the way fails
/// its own hash; an item swapped, added or dropped fails this one.
pub fn record_hash_with_media<'a>(
    fields: &[String],
    media: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"cetak-record-v2");
    let mut put = |s: &str| {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    for f in fields {
        put(f);
    }
    put("media");
    for (slot, hash) in media {
        put(slot);
        put(hash);
    }
    h.finalize().to_hex().to_string()
}

pub use cetak_domain::audit::control_character;

/// Why an event cannot be stored anywhere (checked by the centre before it stores a batch):
/// text a database cannot hold, or a key or kind out of bounds.
pub fn event_problem(e: &Event) -> Option<String> {
    if e.key.is_empty() || e.key.len() > 200 || control_character(&e.key).is_some() {
        return Some(format!("bad event key {:?}", e.key));
    }
    if e.kind.is_empty() || e.kind.len() > 64 || control_character(&e.kind).is_some() {
        return Some(format!("bad event kind {:?}", e.kind));
    }
    if e.hash.len() != 64 || !e.hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some("bad event hash".into());
    }
    fn nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().any(nul),
            serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || nul(v)),
            _ => false,
        }
    }
    if e.at.contains('\0') || nul(&e.body) {
        return Some(
            "the event holds a NUL character (U+0000), which no text field may hold / \
             kejadian berisi karakter NUL (U+0000)"
                .into(),
        );
    }
    None
}

/// Why the answer to a push does not acknowledge exactly what was sent: every event sent must
/// come back with its key and hash (a replayed or foreign answer must never move the office's
/// acknowledged position).
pub fn check_acks(sent: &[Event], resp: &PushResponse) -> Result<(), String> {
    let acked: std::collections::HashMap<&str, &str> = resp
        .acknowledged
        .iter()
        .map(|a| (a.key.as_str(), a.hash.as_str()))
        .collect();
    for e in sent {
        match acked.get(e.key.as_str()) {
            Some(h) if *h == e.hash => {}
            Some(_) => {
                return Err(format!(
                    "the centre acknowledged {} with other content",
                    e.key
                ));
            }
            None => return Err(format!("the centre did not acknowledge {}", e.key)),
        }
    }
    if acked.len() != sent.len() {
        return Err(format!(
            "the centre acknowledged {} events, {} were sent",
            acked.len(),
            sent.len()
        ));
    }
    Ok(())
}

/// Why a pulled batch cannot be imported: records out of order or at/before the cursor, or
/// whose content does not match its hash (damaged on the way).
pub fn check_records(after: i64, records: &[PulledRecord]) -> Result<(), String> {
    let mut last = after;
    for r in records {
        if r.seq <= last {
            return Err(format!(
                "the centre sent record {} out of order (after {last})",
                r.seq
            ));
        }
        last = r.seq;
        if r.expected_hash() != r.hash {
            return Err(format!(
                "record {} arrived damaged (its content does not match its hash)",
                r.seq
            ));
        }
        for m in r.media.iter().flatten() {
            m.decode()
                .map_err(|why| format!("record {} arrived damaged: {why}", r.seq))?;
        }
    }
    Ok(())
}

/// What the office makes of the centre's history id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EpochCheck {
    /// The same centre history as before.
    Same,
    /// The first answer ever: remember it.
    First,
    /// Another history (the centre was rebuilt or restored): push and pull again from the
    /// start (both are idempotent), and say so.
    Changed,
}

/// Compare the epoch the office knows with the one in an answer.
pub fn check_epoch(known: Option<&str>, seen: &str) -> EpochCheck {
    match known {
        None => EpochCheck::First,
        Some(k) if k == seen => EpochCheck::Same,
        Some(_) => EpochCheck::Changed,
    }
}

/// A byte budget for batches that halves when a transfer stalls and grows back after
/// transfers that went through, so a slow line still moves (smaller) batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchBudget {
    bytes: usize,
}

impl Default for BatchBudget {
    fn default() -> Self {
        BatchBudget { bytes: BATCH_BYTES }
    }
}

impl BatchBudget {
    /// The budget now.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
    /// A transfer timed out or was too large: halve. False when already at the floor.
    pub fn shrink(&mut self) -> bool {
        if self.bytes <= MIN_BATCH_BYTES {
            return false;
        }
        self.bytes = (self.bytes / 2).max(MIN_BATCH_BYTES);
        true
    }
    /// A transfer went through: grow back slowly.
    pub fn grow(&mut self) {
        self.bytes = (self.bytes + self.bytes / 4).min(BATCH_BYTES);
    }
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
            serde_json::from_str(r#"{"version":2,"after":0,"limit":10,"max_bytes":100}"#).unwrap();
        assert_eq!(ok.limit, 10);
        assert!(
            serde_json::from_str::<PullRequest>(
                r#"{"version":2,"after":0,"limit":10,"max_bytes":100,"office":"X"}"#
            )
            .is_err()
        );
        let future: PullRequest =
            serde_json::from_str(r#"{"version":9,"after":0,"limit":10,"max_bytes":100}"#).unwrap();
        assert_ne!(future.version, PROTOCOL_VERSION);
    }

    fn event(key: &str, hash: char) -> Event {
        Event {
            key: key.into(),
            hash: hash.to_string().repeat(64),
            kind: "stock".into(),
            at: "2026-01-01T00:00:00Z".into(),
            body: serde_json::json!({"reason": "ok"}),
        }
    }

    #[test]
    fn acks_are_compared_key_by_key_and_hash_by_hash() {
        let sent = vec![event("audit-3", 'a'), event("audit-4", 'b')];
        let ack = |k: &str, h: char| Ack {
            key: k.into(),
            hash: h.to_string().repeat(64),
        };
        let resp = |acks: Vec<Ack>| PushResponse {
            epoch: "e".into(),
            acknowledged: acks,
            new: 0,
            forks: vec![],
        };
        assert!(check_acks(&sent, &resp(vec![ack("audit-3", 'a'), ack("audit-4", 'b')])).is_ok());
        // A replayed answer of the same size for other keys.
        assert!(check_acks(&sent, &resp(vec![ack("audit-1", 'a'), ack("audit-2", 'b')])).is_err());
        assert!(check_acks(&sent, &resp(vec![ack("audit-3", 'a'), ack("audit-4", 'c')])).is_err());
        assert!(check_acks(&sent, &resp(vec![ack("audit-3", 'a')])).is_err());
        assert!(
            check_acks(
                &sent,
                &resp(vec![
                    ack("audit-3", 'a'),
                    ack("audit-4", 'b'),
                    ack("audit-5", 'b')
                ])
            )
            .is_err()
        );
    }

    #[test]
    fn a_damaged_or_misordered_record_is_refused_before_import() {
        let fields: Vec<String> = vec!["PLG1".into(), "ANTASARI".into()];
        let good = PulledRecord {
            seq: 5,
            hash: record_hash(&fields),
            fields: fields.clone(),
            card_issued_by: None,
            media: None,
        };
        assert!(check_records(4, std::slice::from_ref(&good)).is_ok());
        assert!(check_records(5, std::slice::from_ref(&good)).is_err());
        let mut swapped = good.clone();
        swapped.fields[1] = "ANTASAIR".into();
        assert!(check_records(4, &[swapped]).is_err());
        // Length-prefixed: moving a character across a field boundary changes the hash.
        assert_ne!(
            record_hash(&["ab".into(), "c".into()]),
            record_hash(&["a".into(), "bc".into()])
        );
    }

    #[test]
    fn a_photo_damaged_swapped_or_dropped_on_the_way_is_caught() {
        let fields: Vec<String> = vec!["PLG1".into(), "ANTASARI".into()];
        let photo: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let media = vec![
            PulledMedia::new("foto", &photo),
            PulledMedia::new("tanda_tangan", b"ttd"),
        ];
        let hash = record_hash_with_media(
            &fields,
            media.iter().map(|m| (m.slot.as_str(), m.hash.as_str())),
        );
        let good = PulledRecord {
            seq: 5,
            hash,
            fields: fields.clone(),
            card_issued_by: None,
            media: Some(media),
        };
        assert!(check_records(4, std::slice::from_ref(&good)).is_ok());
        assert_eq!(good.media.as_ref().unwrap()[0].decode().unwrap(), photo);
        // One character of the photo's base64 changed on the way.
        let mut damaged = good.clone();
        let item = &mut damaged.media.as_mut().unwrap()[0];
        let mut b = item.bytes.clone().into_bytes();
        b[100] = if b[100] == b'A' { b'B' } else { b'A' };
        item.bytes = String::from_utf8(b).unwrap();
        assert!(
            check_records(4, &[damaged])
                .unwrap_err()
                .contains("damaged")
        );
        // A photo replaced by another with its own (right) item hash: the record hash says no.
        let mut swapped = good.clone();
        swapped.media.as_mut().unwrap()[0] = PulledMedia::new("foto", b"another");
        assert!(check_records(4, &[swapped]).is_err());
        let mut dropped = good.clone();
        dropped.media.as_mut().unwrap().pop();
        assert!(check_records(4, &[dropped]).is_err());
        // Loaded with media but none came is not the same record as one without media.
        assert_ne!(
            record_hash(&fields),
            record_hash_with_media(&fields, std::iter::empty())
        );
        assert!(media_wire_bytes("foto", 3000) >= 4000);
        let json = serde_json::to_string(&good.media.as_ref().unwrap()[0]).unwrap();
        assert!(
            json.len() <= media_wire_bytes("foto", 3000),
            "{}",
            json.len()
        );
    }

    #[test]
    fn events_with_text_no_database_can_hold_are_named() {
        assert_eq!(event_problem(&event("audit-1", 'a')), None);
        let mut nul = event("audit-1", 'a');
        nul.body = serde_json::json!({"reason": "rusak\u{0}"});
        assert!(event_problem(&nul).unwrap().contains("NUL"));
        let mut bad_hash = event("audit-1", 'a');
        bad_hash.hash = "xyz".into();
        assert!(event_problem(&bad_hash).is_some());
        assert_eq!(control_character("baris\nkedua\tok"), None);
        assert_eq!(control_character("a\u{1b}[2J"), Some((1, '\u{1b}')));
    }

    #[test]
    fn the_budget_halves_to_its_floor_and_grows_back() {
        let mut b = BatchBudget::default();
        let mut halvings = 0;
        while b.shrink() {
            halvings += 1;
        }
        assert_eq!(b.bytes(), MIN_BATCH_BYTES);
        assert_eq!(halvings, 8);
        for _ in 0..100 {
            b.grow();
        }
        assert_eq!(b.bytes(), BATCH_BYTES);
    }

    #[test]
    fn a_changed_epoch_is_told_apart_from_the_first_one() {
        assert_eq!(check_epoch(None, "a"), EpochCheck::First);
        assert_eq!(check_epoch(Some("a"), "a"), EpochCheck::Same);
        assert_eq!(check_epoch(Some("a"), "b"), EpochCheck::Changed);
    }
}
