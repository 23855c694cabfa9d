//! Every route, once: its method, path, who may use it, what it is and its handler. The
//! router, the access guard (each route gets its own rule), the OpenAPI document and the
//! route × role test matrix are all built from [`ROUTES`]; there is no second list.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use cetak_domain::access::Permission;

pub use crate::auth::Access;
use crate::auth::{MAX_BODY, MAX_UPLOAD, Rule, guard};
use crate::pages::{
    PagePaths, admin, audit, correct, dashboard, finish, handover, media, print, public, resident,
    review, stock,
};
use crate::state::AppState;
use crate::views;

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path, axum syntax (`/review/{id}`).
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
    /// What it does (OpenAPI summary).
    pub summary: &'static str,
    /// Its handler, for its method.
    pub handler: fn() -> MethodRouter<Arc<AppState>>,
    /// The largest body it accepts: [`MAX_UPLOAD`] for the photo and signature upload,
    /// [`MAX_BODY`] everywhere else.
    pub body_limit: usize,
    /// The JSON schema of its `200` answer, for the API routes (from [`views`]).
    pub answer: Option<fn() -> serde_json::Value>,
}

use Access::{Public, Signed};
use Permission as P;

const fn r(
    method: &'static str,
    path: &'static str,
    access: Access,
    summary: &'static str,
    handler: fn() -> MethodRouter<Arc<AppState>>,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        summary,
        handler,
        body_limit: MAX_BODY,
        answer: None,
    }
}

impl RouteSpec {
    /// The route takes an upload (up to [`MAX_UPLOAD`]).
    const fn upload(mut self) -> RouteSpec {
        self.body_limit = MAX_UPLOAD;
        self
    }

    /// The route answers JSON of this view.
    const fn json<V: views::View>(mut self) -> RouteSpec {
        self.answer = Some(views::schema_of::<V>);
        self
    }
}

/// The route table.
pub const ROUTES: &[RouteSpec] = &[
    r(
        "GET",
        "/health",
        Public,
        "Liveness: the process answers",
        || get(public::health),
    ),
    r(
        "GET",
        "/ready",
        Public,
        "Readiness: the database answers",
        || get(public::ready),
    )
    .json::<views::Ready>(),
    r(
        "GET",
        "/static/app.css",
        Public,
        "Style sheet",
        || get(public::css),
    ),
    r(
        "GET",
        "/api/v1/openapi.json",
        Public,
        "This API's OpenAPI document",
        || get(openapi_json),
    ),
    r(
        "GET",
        "/login",
        Public,
        "Login page",
        || get(public::login_page),
    ),
    r(
        "POST",
        "/login",
        Public,
        "Log in (throttled)",
        || post(public::login_submit),
    ),
    r(
        "GET",
        "/cek",
        Public,
        "Resident page: is my card ready?",
        || get(resident::resident_page),
    ),
    r(
        "POST",
        "/cek",
        Public,
        "Resident lookup by NIK and birth date (rate-limited)",
        || post(resident::resident_submit),
    ),
    r(
        "POST",
        "/api/v1/resident/status",
        Public,
        "Resident lookup, JSON (rate-limited)",
        || post(resident::resident_api),
    )
    .json::<views::ResidentAnswer>(),
    r(
        "POST",
        "/logout",
        Signed(P::View),
        "Log out (the session ends at once)",
        || post(public::logout),
    ),
    r(
        "GET",
        "/",
        Signed(P::View),
        "Dashboard",
        || get(dashboard::dashboard),
    ),
    r(
        "GET",
        "/api/v1/dashboard",
        Signed(P::View),
        "Dashboard data: backlog, output, printers, stock",
        || get(dashboard::dashboard_api),
    )
    .json::<views::Dashboard>(),
    r(
        "GET",
        "/print",
        Signed(P::View),
        "Print queue, printers, inspection queue",
        || get(print::print_page),
    ),
    r(
        "GET",
        "/api/v1/print/status",
        Signed(P::View),
        "Printers, queue and inspection queue",
        || get(print::print_api),
    )
    .json::<views::PrintStatus>(),
    r(
        "POST",
        "/print/start",
        Signed(P::Print),
        "Start printing (runs the spool in the background)",
        || post(print::print_start),
    ),
    r(
        "POST",
        "/printers/{name}/pause",
        Signed(P::Print),
        "Pause a printer",
        || post(print::printer_pause),
    ),
    r(
        "POST",
        "/printers/{name}/resume",
        Signed(P::Print),
        "Resume a printer",
        || post(print::printer_resume),
    ),
    r(
        "POST",
        "/print/inspect/{id}",
        Signed(P::Print),
        "Record an inspected card's outcome",
        || post(print::inspect),
    ),
    r(
        "POST",
        "/handover",
        Signed(P::HandOver),
        "Hand a printed card to its resident",
        || post(handover::handover),
    ),
    r(
        "POST",
        "/handover/chip",
        Signed(P::HandOver),
        "Read the card on the counter's chip reader: its data, photo and signature chain against the books (only with cetak serve --chip-reader)",
        || post(handover::handover_chip),
    ),
    r(
        "POST",
        "/print/raise",
        Signed(P::Decide),
        "Raise a record to the front of the queue",
        || post(print::raise),
    ),
    r(
        "GET",
        "/review",
        Signed(P::Decide),
        "Duplicate pairs waiting for a decision",
        || get(review::review_list),
    ),
    r(
        "GET",
        "/api/v1/review",
        Signed(P::Decide),
        "Duplicate pairs waiting for a decision, JSON",
        || get(review::review_api),
    )
    .json::<views::ReviewList>(),
    r(
        "GET",
        "/review/groups",
        Signed(P::Decide),
        "Pairs waiting for a decision, grouped by evidence pattern",
        || get(review::review_groups),
    ),
    r(
        "POST",
        "/review/groups/decide",
        Signed(P::Decide),
        "Decide every pair of one evidence pattern at once",
        || post(review::review_group_decide),
    ),
    r(
        "GET",
        "/review/{id}",
        Signed(P::Decide),
        "One pair side by side with its evidence",
        || get(review::review_show),
    ),
    r(
        "POST",
        "/review/{id}/decide",
        Signed(P::Decide),
        "Decide a pair: same person or different people",
        || post(review::review_decide),
    ),
    r(
        "GET",
        "/correct",
        Signed(P::Print),
        "Recordings waiting for a correction (perlu perbaikan)",
        || get(correct::correct_list),
    ),
    r(
        "GET",
        "/correct/{id}",
        Signed(P::Print),
        "One recording's problems, original row and candidate duplicates",
        || get(correct::correct_show),
    ),
    r(
        "POST",
        "/correct/{id}",
        Signed(P::Print),
        "Correct one field of a recording (audited; validated again)",
        || post(correct::correct_set),
    ),
    r(
        "POST",
        "/correct/{id}/media",
        Signed(P::Media),
        "Attach a new photo or signature to a recording (multipart, up to 16 MiB read; a photo over 2 MiB is refused by the check with the form kept; audited)",
        || post(media::correct_media),
    )
    .upload(),
    r(
        "GET",
        "/media/{recording_id}/{slot}",
        Signed(P::Media),
        "A recording's photo (foto) or signature (tanda_tangan), for the page named by ?for= (each view audited)",
        || get(media::media_show),
    ),
    r(
        "GET",
        "/stock",
        Signed(P::Stock),
        "Blank stock and reconciliation",
        || get(stock::stock_page),
    ),
    r(
        "GET",
        "/api/v1/stock/reconcile",
        Signed(P::Stock),
        "Blank reconciliation, JSON",
        || get(stock::stock_api),
    )
    .json::<cetak_print::stock::Reconciliation>(),
    r(
        "POST",
        "/stock/receive",
        Signed(P::Stock),
        "Receive a batch of blanks",
        || post(stock::stock_receive),
    ),
    r(
        "GET",
        "/stock/report.csv",
        Signed(P::Stock),
        "Monthly blank-usage report (CSV)",
        || get(stock::stock_report),
    ),
    r(
        "GET",
        "/audit",
        Signed(P::Audit),
        "Audit log with the chain's verification",
        || get(audit::audit_page),
    ),
    r(
        "GET",
        "/api/v1/audit/verify",
        Signed(P::Audit),
        "Verify the audit chain, JSON",
        || get(audit::audit_api),
    )
    .json::<views::AuditVerdict>(),
    r(
        "GET",
        "/users",
        Signed(P::Users),
        "User accounts",
        || get(admin::users_page),
    ),
    r(
        "POST",
        "/users",
        Signed(P::Users),
        "Create a user account",
        || post(admin::users_create),
    ),
    r(
        "POST",
        "/users/{name}/disable",
        Signed(P::Users),
        "Disable an account (its sessions end at once)",
        || post(admin::user_disable),
    ),
    r(
        "POST",
        "/users/{name}/enable",
        Signed(P::Users),
        "Enable a disabled account",
        || post(admin::user_enable),
    ),
    r(
        "POST",
        "/users/{name}/role",
        Signed(P::Users),
        "Change an account's role",
        || post(admin::user_role),
    ),
    r(
        "POST",
        "/users/{name}/password",
        Signed(P::Users),
        "Reset an account's password (given, or random and shown once); its sessions end",
        || post(admin::user_password_reset),
    ),
    r(
        "POST",
        "/users/{name}/sessions-end",
        Signed(P::Users),
        "End every session of an account",
        || post(admin::user_sessions_end),
    ),
    r(
        "GET",
        "/account",
        Signed(P::View),
        "My account: change my own password",
        || get(admin::account_page),
    ),
    r(
        "POST",
        "/account/password",
        Signed(P::View),
        "Change my own password (needs the current one; my other sessions end)",
        || post(admin::account_password),
    ),
];

/// The route for a method and matched path.
pub fn find_route(method: &Method, path: &str) -> Option<&'static RouteSpec> {
    ROUTES
        .iter()
        .find(|r| r.path == path && r.method == method.as_str())
}

/// The router: every route of [`ROUTES`] behind the access guard with that route's own rule
/// (matched routes only: a wrong method is the router's 405, an unknown path its 404);
/// outermost, the layer that turns error answers into pages and puts the security headers on
/// every response.
pub fn router(state: Arc<AppState>) -> Router {
    let mut by_path: BTreeMap<&str, MethodRouter<Arc<AppState>>> = BTreeMap::new();
    for spec in ROUTES {
        let rule = Rule {
            access: spec.access,
            body_limit: spec.body_limit,
        };
        let h = (spec.handler)()
            .route_layer(DefaultBodyLimit::max(spec.body_limit))
            .route_layer(axum::middleware::from_fn_with_state(
                (state.clone(), rule),
                guard,
            ));
        let entry = by_path.remove(spec.path);
        by_path.insert(
            spec.path,
            match entry {
                Some(e) => e.merge(h),
                None => h,
            },
        );
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(path, mr);
    }
    let pages: PagePaths = ROUTES
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    router
        .fallback(public::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), pages),
            finish,
        ))
        .with_state(state)
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi())
}

/// The OpenAPI 3.1 document, generated from [`ROUTES`] (the JSON API and the form endpoints).
pub fn openapi() -> serde_json::Value {
    let mut paths = serde_json::Map::new();
    for spec in ROUTES {
        let path = spec.path.to_string();
        let entry = paths.entry(path).or_insert_with(|| serde_json::json!({}));
        let mut op = serde_json::json!({
            "summary": spec.summary,
            "responses": {
                "200": { "description": "OK" },
                "401": { "description": "Not signed in" },
                "403": { "description": "Role lacks the permission, or CSRF token missing" },
                "413": { "description": "Body larger than 64 KiB (16 MiB for the photo upload)" },
                "429": { "description": "Rate limit or login throttle (Retry-After says how long)" },
                "503": { "description": "The office database is busy; try again (Retry-After)" }
            }
        });
        if let Some(schema) = spec.answer {
            op["responses"]["200"] = serde_json::json!({
                "description": "OK",
                "content": { "application/json": { "schema": schema() } } });
        }
        if spec.path.starts_with("/api/") {
            let error = serde_json::json!({ "$ref": "#/components/schemas/ErrorAnswer" });
            if let Some(responses) = op["responses"].as_object_mut() {
                for (code, r) in responses.iter_mut() {
                    if code.as_str() >= "400" {
                        r["content"] =
                            serde_json::json!({ "application/json": { "schema": error.clone() } });
                    }
                }
            }
        }
        if let Access::Signed(p) = spec.access {
            op["security"] = serde_json::json!([{ "session": [] }]);
            op["x-permission"] = serde_json::json!(p);
        } else {
            op["security"] = serde_json::json!([]);
        }
        let params: Vec<serde_json::Value> = spec
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| serde_json::json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = serde_json::Value::Array(params);
        }
        if spec.path == "/api/v1/resident/status" {
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "application/json": { "schema": {
                    "type": "object", "required": ["nik", "tanggal_lahir", "nama_ibu"],
                    "properties": {
                        "nik": { "type": "string", "pattern": "^[0-9]{16}$" },
                        "tanggal_lahir": { "type": "string", "format": "date" },
                        "nama_ibu": { "type": "string", "maxLength": 200,
                            "description": "The mother's name (nama ibu kandung) as on the family card; compared ignoring case, spaces and punctuation. Without it the answer is never found: the birth date is written inside the NIK, so NIK and date alone prove nothing." } } } } }
            });
            op["description"] = serde_json::json!(
                "Answers the card's state and where to collect it when NIK, birth date and mother's name all match; otherwise `found: false` with the same shape, whichever was wrong. Limited per client address (per minute) and per NIK (5 failed checks an hour, from all addresses together): 429 with Retry-After."
            );
        }
        if spec.path == "/correct/{id}/media" {
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "multipart/form-data": { "schema": {
                    "type": "object", "required": ["csrf", "slot", "reason", "file"],
                    "properties": {
                        "csrf": { "type": "string", "description": "The session's CSRF token" },
                        "slot": { "type": "string", "enum": ["foto", "tanda_tangan"] },
                        "reason": { "type": "string", "maxLength": 500 },
                        "file": { "type": "string", "format": "binary", "description": "JPEG photo, or PNG/JPEG signature; checked like an import, refused with its reason when not valid" } } } } }
            });
        }
        if spec.path == "/media/{recording_id}/{slot}" {
            if let Some(params) = op["parameters"].as_array_mut() {
                params.push(serde_json::json!({
                    "name": "for", "in": "query", "required": true,
                    "description": "The page the image is shown on (review-<pair>, correct-<recording>, handover), kept in the audit entry",
                    "schema": { "type": "string", "maxLength": 80 } }));
            }
            op["responses"]["200"] = serde_json::json!({
                "description": "The image, never cached",
                "content": { "image/jpeg": {}, "image/png": {} } });
            op["responses"]["404"] = serde_json::json!({
                "description": "Empty slot, a slot other than foto/tanda_tangan, or content that is not a valid image" });
        }
        entry[spec.method.to_ascii_lowercase()] = op;
    }
    serde_json::json!({
        "openapi": "3.1.0",
        "info": { "title": "cetak office server", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Disdukcapil office: E-KTP printing, duplicates, blank stock. Signed-in routes use the session cookie; every non-GET request needs the session's CSRF token in X-CSRF-Token (or a `csrf` form field)." },
        "components": {
            "securitySchemes": { "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE } },
            "schemas": { "ErrorAnswer": views::schema_of::<views::ErrorAnswer>() },
        },
        "paths": paths,
    })
}
