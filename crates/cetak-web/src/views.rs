//! The JSON answers of the API as types, each with its JSON schema for the OpenAPI document.
//!
//! A view declared with [`view!`] gets its schema from its own fields and their types (the
//! macro writes the struct and the schema from one list), so the document cannot drift from
//! what is served. Types of other crates that appear inside a view get their schema through
//! [`foreign!`], which lists their fields once more — and destructures the type with that list
//! and those types, so the compiler refuses a list that is no longer the type's. A few nested
//! types are described, not enumerated ([`described!`]): their schema says where they are
//! defined. Every view's schema is checked against a real answer in the tests
//! (`tests/views.rs`).

use serde_json::{Map, Value, json};

/// A JSON answer with its schema (JSON Schema 2020-12, as OpenAPI 3.1 uses it).
pub trait View {
    /// The schema.
    fn schema() -> Value;
}

/// `V`'s schema (as a function pointer for the route table).
pub fn schema_of<V: View>() -> Value {
    V::schema()
}

macro_rules! scalar {
    ($($t:ty => $schema:tt),* $(,)?) => {
        $(impl View for $t {
            fn schema() -> Value {
                json!($schema)
            }
        })*
    };
}

scalar! {
    bool => { "type": "boolean" },
    i32 => { "type": "integer" },
    i64 => { "type": "integer" },
    u32 => { "type": "integer", "minimum": 0 },
    u64 => { "type": "integer", "minimum": 0 },
    usize => { "type": "integer", "minimum": 0 },
    f64 => { "type": "number" },
    String => { "type": "string" },
}

impl View for &str {
    fn schema() -> Value {
        json!({ "type": "string" })
    }
}

impl<T: View> View for Option<T> {
    fn schema() -> Value {
        json!({ "anyOf": [T::schema(), { "type": "null" }] })
    }
}

impl<T: View> View for Vec<T> {
    fn schema() -> Value {
        json!({ "type": "array", "items": T::schema() })
    }
}

impl<A: View, B: View> View for (A, B) {
    fn schema() -> Value {
        json!({ "type": "array", "prefixItems": [A::schema(), B::schema()], "minItems": 2, "maxItems": 2 })
    }
}

/// An object schema from `(name, schema, description)` triples, every field required.
fn object(fields: &[(&str, Value, &str)]) -> Value {
    let mut props = Map::new();
    for (name, schema, doc) in fields {
        let mut schema = schema.clone();
        if !doc.is_empty()
            && let Some(o) = schema.as_object_mut()
        {
            o.insert("description".into(), Value::from(doc.trim()));
        }
        props.insert((*name).to_string(), schema);
    }
    let required: Vec<&str> = fields.iter().map(|f| f.0).collect();
    json!({ "type": "object", "required": required, "properties": props })
}

/// A view: the struct (serialized as it is declared) and its schema, from one field list.
macro_rules! view {
    ($(#[doc = $doc:literal])* pub struct $name:ident {
        $($(#[doc = $fdoc:literal])* pub $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, serde::Serialize)]
        pub struct $name {
            $($(#[doc = $fdoc])* pub $field: $ty),*
        }
        impl View for $name {
            fn schema() -> Value {
                let mut s = object(&[$((
                    stringify!($field),
                    <$ty as View>::schema(),
                    concat!($($fdoc),*),
                )),*]);
                s["description"] = Value::from(concat!($($doc),*).trim());
                s
            }
        }
    };
}

/// The schema of another crate's type, from its fields listed here; the list is checked
/// against the type by destructuring it (a field added, removed or retyped there fails to
/// compile here).
macro_rules! foreign {
    ($path:path { $($field:ident : $ty:ty),* $(,)? }) => {
        impl View for $path {
            fn schema() -> Value {
                #[allow(dead_code, unused_variables)]
                fn same_fields(x: &$path) {
                    let $path { $($field),* } = x;
                    $(let _: &$ty = $field;)*
                }
                object(&[$((stringify!($field), <$ty as View>::schema(), "")),*])
            }
        }
    };
}

/// The schema of another crate's type that is described rather than enumerated.
macro_rules! described {
    ($path:path, $what:literal) => {
        impl View for $path {
            fn schema() -> Value {
                json!({ "type": "object", "description": $what })
            }
        }
    };
}

impl View for cetak_domain::lifecycle::RecordState {
    fn schema() -> Value {
        let states: Vec<&str> = cetak_domain::lifecycle::RecordState::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        json!({ "type": "string", "enum": states })
    }
}

impl View for cetak_print::schedule::Readiness {
    fn schema() -> Value {
        json!({
            "type": "object", "required": ["readiness"],
            "description": "Whether the printer can take a card now; `blocked` carries `reason`, `cooling` carries `until` (RFC 3339)",
            "properties": {
                "readiness": { "type": "string", "enum": ["ready", "busy", "paused", "blocked", "capacity_spent", "cooling", "outside_hours"] },
                "reason": { "type": "string" },
                "until": { "type": "string", "format": "date-time" }
            }
        })
    }
}

foreign!(cetak_store::StateCount {
    state: cetak_domain::lifecycle::RecordState,
    count: u64,
});

foreign!(cetak_print::stock::Reconciliation {
    received: i64,
    issued: i64,
    spoiled: i64,
    on_hand: i64,
    unused: i64,
    awaiting_outcome: i64,
    missing: i64,
    balanced: bool,
    problems: Vec<cetak_print::stock::SerialProblem>,
});

foreign!(cetak_print::schedule::QueueKey {
    raised: bool,
    replacement: bool,
    waiting_since: String,
    recording_id: String,
});

described!(
    cetak_print::stock::SerialProblem,
    "A serial that breaks the books and why (cetak_print::stock::SerialProblem)"
);
described!(
    cetak_store::SyncStatus,
    "The link to the centre as stored (cetak_store::SyncStatus: pushed_seq, outbox_depth, pull_after, last_ok, last_error, failures, …)"
);
described!(
    cetak_store::LinkView,
    "The link as the operator sees it (cetak_store::LinkView)"
);
described!(
    cetak_store::AttemptRow,
    "One print attempt (cetak_store::AttemptRow: id, recording_id, nik, nama, serial, printer, job_name, state, job_id, job_uuid, uncertain, …)"
);
described!(
    cetak_store::PairView,
    "One duplicate pair with its evidence and decision (cetak_store::PairView)"
);

view! {
    /// `GET /ready`: the database answers.
    pub struct Ready {
        /// Always true in a 200 answer (503 otherwise, with `error`).
        pub ready: bool,
        /// The office database's schema version.
        pub schema_version: i64,
    }
}

view! {
    /// An error answer of the API (any status ≥ 400).
    pub struct ErrorAnswer {
        /// What went wrong, in English.
        pub error: String,
        /// The same in Bahasa Indonesia.
        pub error_id: String,
        /// The HTTP status again.
        pub status: u16,
    }
}

impl View for u16 {
    fn schema() -> Value {
        json!({ "type": "integer", "minimum": 0 })
    }
}

view! {
    /// `POST /api/v1/resident/status`: the same shape whichever of NIK, date or mother's name is wrong.
    pub struct ResidentAnswer {
        /// NIK, birth date and mother's name all matched a record.
        pub found: bool,
        /// The card's record state, when found.
        pub state: Option<cetak_domain::lifecycle::RecordState>,
        /// What to tell the resident, in Bahasa Indonesia.
        pub message_id: String,
        /// The same in English.
        pub message_en: String,
        /// Where to collect the card, when it is ready.
        pub collect_at: Option<String>,
    }
}

view! {
    /// `GET /api/v1/audit/verify`: the audit chain checked from its first entry.
    pub struct AuditVerdict {
        /// The chain is whole.
        pub ok: bool,
        /// Entries checked (when whole).
        pub entries: Option<u64>,
        /// The newest entry's hash, hex (when whole).
        pub head: Option<String>,
        /// Where and how the chain breaks (when not whole).
        pub error: Option<String>,
    }
}

view! {
    /// One printer on the dashboard.
    pub struct DashboardPrinter {
        /// Its name.
        pub name: String,
        /// Its address (`ipp://…`, `ipps://…`, `dir:…`).
        pub uri: String,
        /// Cards printed today.
        pub printed_today: u32,
        /// Its rated capacity per day.
        pub cards_per_day: u32,
        /// Blanks in its hopper.
        pub blanks_loaded: i64,
        /// Paused by an operator.
        pub paused: bool,
        /// Overheating strikes today.
        pub heat_strikes: u32,
        /// Whether it can take a card now.
        pub readiness: cetak_print::schedule::Readiness,
    }
}

view! {
    /// `GET /api/v1/dashboard`: backlog, output, printers, stock, the link.
    pub struct Dashboard {
        /// Records per state.
        pub states: Vec<cetak_store::StateCount>,
        /// Records still to print (received, unique, queued, awaiting a decision, printing).
        pub backlog: i64,
        /// Cards printed today, all printers.
        pub today_printed: u32,
        /// Today's rated capacity, all printers.
        pub today_capacity: u32,
        /// The printers.
        pub printers: Vec<DashboardPrinter>,
        /// The blank books.
        pub stock: cetak_print::stock::Reconciliation,
        /// Attempts waiting for a person's inspection.
        pub inspection: usize,
        /// Cards printed per office day, oldest first: (YYYY-MM-DD, count).
        pub daily: Vec<(String, i64)>,
        /// When the backlog is projected to clear (YYYY-MM-DD), at the last week's pace.
        pub projected_clear: Option<String>,
        /// The link to the centre as stored.
        pub link: cetak_store::SyncStatus,
        /// The link as the operator sees it.
        pub link_view: cetak_store::LinkView,
        /// A print run is going on now.
        pub printing_now: bool,
    }
}

view! {
    /// One printer on the print page.
    pub struct PrintPrinter {
        /// Its name.
        pub name: String,
        /// Its address.
        pub uri: String,
        /// Cards printed today.
        pub printed_today: u32,
        /// Its rated capacity per day.
        pub cards_per_day: u32,
        /// Blanks in its hopper.
        pub blanks_loaded: i64,
        /// Paused by an operator.
        pub paused: bool,
        /// Whether it can take a card now.
        pub readiness: cetak_print::schedule::Readiness,
        /// `readiness` is `ready`.
        pub ready: bool,
    }
}

view! {
    /// `GET /api/v1/print/status`: printers, queue, attempts under way, inspection queue.
    pub struct PrintStatus {
        /// The printers.
        pub printers: Vec<PrintPrinter>,
        /// Records queued.
        pub queue: i64,
        /// The next recordings in queue order (up to 10).
        pub next: Vec<cetak_print::schedule::QueueKey>,
        /// Attempts written (intent) or sent, not yet settled (up to 100).
        pub pending: Vec<cetak_store::AttemptRow>,
        /// Attempts waiting for a person's inspection (first page).
        pub inspection: Vec<cetak_store::AttemptRow>,
        /// How many wait for inspection in all.
        pub inspection_total: i64,
        /// The pages of `inspection` (`?ipage=N` on the print page).
        pub inspection_pager: Pager,
        /// The last cards printed (first page).
        pub printed: Vec<cetak_store::AttemptRow>,
        /// The pages of `printed` (`?page=N` on the print page).
        pub printed_pager: Pager,
        /// A print run is going on now.
        pub printing_now: bool,
        /// The last run's summary on this server.
        pub last_run: Option<String>,
    }
}

view! {
    /// Where a paged list stands.
    pub struct Pager {
        /// This page (1 = the first).
        pub page: u64,
        /// Pages in all, when the count is known.
        pub pages: Option<u64>,
        /// Rows in all, when known.
        pub total: Option<u64>,
        /// The previous page's query (`?page=N`), if any.
        pub prev: Option<String>,
        /// The next page's query, if any.
        pub next: Option<String>,
    }
}

view! {
    /// `GET /api/v1/review`: duplicate pairs waiting for a decision (up to 500).
    pub struct ReviewList {
        /// The pairs.
        pub pairs: Vec<cetak_store::PairView>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_lists_every_field_as_required_with_its_type() {
        let s = ResidentAnswer::schema();
        assert_eq!(s["type"], "object");
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            required,
            ["found", "state", "message_id", "message_en", "collect_at"]
        );
        assert_eq!(s["properties"]["found"]["type"], "boolean");
        assert_eq!(s["properties"]["state"]["anyOf"][1]["type"], "null");
        assert!(
            s["properties"]["state"]["anyOf"][0]["enum"]
                .as_array()
                .is_some_and(|e| e.iter().any(|v| v == "queued"))
        );
    }
}
