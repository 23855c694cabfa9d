//! Every route, once: its method, path, who may use it and what it is. The router, the access
//! guard, the OpenAPI document and the route × role test matrix are all built from [`ROUTES`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use cetak_domain::access::Permission;

use crate::auth::{MAX_BODY, MAX_UPLOAD, guard};
use crate::pages as p;
use crate::state::AppState;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in user whose role has the permission.
    Signed(Permission),
}

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
}

use Access::{Public, Signed};
use Permission as P;

const fn r(
    method: &'static str,
    path: &'static str,
    access: Access,
    summary: &'static str,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        summary,
    }
}

/// The route table.
pub const ROUTES: &[RouteSpec] = &[
    r("GET", "/health", Public, "Liveness: the process answers"),
    r("GET", "/ready", Public, "Readiness: the database answers"),
    r("GET", "/static/app.css", Public, "Style sheet"),
    r(
        "GET",
        "/api/v1/openapi.json",
        Public,
        "This API's OpenAPI document",
    ),
    r("GET", "/login", Public, "Login page"),
    r("POST", "/login", Public, "Log in (throttled)"),
    r("GET", "/cek", Public, "Resident page: is my card ready?"),
    r(
        "POST",
        "/cek",
        Public,
        "Resident lookup by NIK and birth date (rate-limited)",
    ),
    r(
        "POST",
        "/api/v1/resident/status",
        Public,
        "Resident lookup, JSON (rate-limited)",
    ),
    r(
        "POST",
        "/logout",
        Signed(P::View),
        "Log out (the session ends at once)",
    ),
    r("GET", "/", Signed(P::View), "Dashboard"),
    r(
        "GET",
        "/api/v1/dashboard",
        Signed(P::View),
        "Dashboard data: backlog, output, printers, stock",
    ),
    r(
        "GET",
        "/print",
        Signed(P::View),
        "Print queue, printers, inspection queue",
    ),
    r(
        "GET",
        "/api/v1/print/status",
        Signed(P::View),
        "Printers, queue and inspection queue",
    ),
    r(
        "POST",
        "/print/start",
        Signed(P::Print),
        "Start printing (runs the spool in the background)",
    ),
    r(
        "POST",
        "/printers/{name}/pause",
        Signed(P::Print),
        "Pause a printer",
    ),
    r(
        "POST",
        "/printers/{name}/resume",
        Signed(P::Print),
        "Resume a printer",
    ),
    r(
        "POST",
        "/print/inspect/{id}",
        Signed(P::Print),
        "Record an inspected card's outcome",
    ),
    r(
        "POST",
        "/handover",
        Signed(P::Print),
        "Hand a printed card to its resident",
    ),
    r(
        "POST",
        "/print/raise",
        Signed(P::Decide),
        "Raise a record to the front of the queue",
    ),
    r(
        "GET",
        "/review",
        Signed(P::Decide),
        "Duplicate pairs waiting for a decision",
    ),
    r(
        "GET",
        "/api/v1/review",
        Signed(P::Decide),
        "Duplicate pairs waiting for a decision, JSON",
    ),
    r(
        "GET",
        "/review/groups",
        Signed(P::Decide),
        "Pairs waiting for a decision, grouped by evidence pattern",
    ),
    r(
        "POST",
        "/review/groups/decide",
        Signed(P::Decide),
        "Decide every pair of one evidence pattern at once",
    ),
    r(
        "GET",
        "/review/{id}",
        Signed(P::Decide),
        "One pair side by side with its evidence",
    ),
    r(
        "POST",
        "/review/{id}/decide",
        Signed(P::Decide),
        "Decide a pair: same person or different people",
    ),
    r(
        "GET",
        "/correct",
        Signed(P::Print),
        "Recordings waiting for a correction (perlu perbaikan)",
    ),
    r(
        "GET",
        "/correct/{id}",
        Signed(P::Print),
        "One recording's problems, original row and candidate duplicates",
    ),
    r(
        "POST",
        "/correct/{id}",
        Signed(P::Print),
        "Correct one field of a recording (audited; validated again)",
    ),
    r(
        "POST",
        "/correct/{id}/media",
        Signed(P::Media),
        "Attach a new photo or signature to a recording (multipart, up to 3 MiB; checked like an import; audited)",
    ),
    r(
        "GET",
        "/media/{recording_id}/{slot}",
        Signed(P::Media),
        "A recording's photo (foto) or signature (tanda_tangan), for the page named by ?for= (each view audited)",
    ),
    r(
        "GET",
        "/stock",
        Signed(P::Stock),
        "Blank stock and reconciliation",
    ),
    r(
        "GET",
        "/api/v1/stock/reconcile",
        Signed(P::Stock),
        "Blank reconciliation, JSON",
    ),
    r(
        "POST",
        "/stock/receive",
        Signed(P::Stock),
        "Receive a batch of blanks",
    ),
    r(
        "GET",
        "/stock/report.csv",
        Signed(P::Stock),
        "Monthly blank-usage report (CSV)",
    ),
    r(
        "GET",
        "/audit",
        Signed(P::Audit),
        "Audit log with the chain's verification",
    ),
    r(
        "GET",
        "/api/v1/audit/verify",
        Signed(P::Audit),
        "Verify the audit chain, JSON",
    ),
    r("GET", "/users", Signed(P::Users), "User accounts"),
    r("POST", "/users", Signed(P::Users), "Create a user account"),
    r(
        "POST",
        "/users/{name}/disable",
        Signed(P::Users),
        "Disable an account (its sessions end at once)",
    ),
    r(
        "POST",
        "/users/{name}/enable",
        Signed(P::Users),
        "Enable a disabled account",
    ),
    r(
        "POST",
        "/users/{name}/role",
        Signed(P::Users),
        "Change an account's role",
    ),
    r(
        "POST",
        "/users/{name}/password",
        Signed(P::Users),
        "Reset an account's password (given, or random and shown once); its sessions end",
    ),
    r(
        "POST",
        "/users/{name}/sessions-end",
        Signed(P::Users),
        "End every session of an account",
    ),
    r(
        "GET",
        "/account",
        Signed(P::View),
        "My account: change my own password",
    ),
    r(
        "POST",
        "/account/password",
        Signed(P::View),
        "Change my own password (needs the current one; my other sessions end)",
    ),
];

/// The largest body a route accepts: [`MAX_UPLOAD`] for the photo and signature upload,
/// [`MAX_BODY`] everywhere else.
pub fn body_limit(spec: &RouteSpec) -> usize {
    if spec.method == "POST" && spec.path == "/correct/{id}/media" {
        MAX_UPLOAD
    } else {
        MAX_BODY
    }
}

/// The route for a method and matched path.
pub fn find_route(method: &Method, path: &str) -> Option<&'static RouteSpec> {
    ROUTES
        .iter()
        .find(|r| r.path == path && r.method == method.as_str())
}

fn handler(spec: &RouteSpec) -> MethodRouter<Arc<AppState>> {
    match (spec.method, spec.path) {
        ("GET", "/health") => get(p::health),
        ("GET", "/ready") => get(p::ready),
        ("GET", "/static/app.css") => get(p::css),
        ("GET", "/api/v1/openapi.json") => get(p::openapi),
        ("GET", "/login") => get(p::login_page),
        ("POST", "/login") => post(p::login_submit),
        ("GET", "/cek") => get(p::resident_page),
        ("POST", "/cek") => post(p::resident_submit),
        ("POST", "/api/v1/resident/status") => post(p::resident_api),
        ("POST", "/logout") => post(p::logout),
        ("GET", "/") => get(p::dashboard),
        ("GET", "/api/v1/dashboard") => get(p::dashboard_api),
        ("GET", "/print") => get(p::print_page),
        ("GET", "/api/v1/print/status") => get(p::print_api),
        ("POST", "/print/start") => post(p::print_start),
        ("POST", "/printers/{name}/pause") => post(p::printer_pause),
        ("POST", "/printers/{name}/resume") => post(p::printer_resume),
        ("POST", "/print/inspect/{id}") => post(p::inspect),
        ("POST", "/handover") => post(p::handover),
        ("POST", "/print/raise") => post(p::raise),
        ("GET", "/review") => get(p::review_list),
        ("GET", "/api/v1/review") => get(p::review_api),
        ("GET", "/review/groups") => get(p::review_groups),
        ("POST", "/review/groups/decide") => post(p::review_group_decide),
        ("GET", "/review/{id}") => get(p::review_show),
        ("POST", "/review/{id}/decide") => post(p::review_decide),
        ("GET", "/correct") => get(p::correct_list),
        ("GET", "/correct/{id}") => get(p::correct_show),
        ("POST", "/correct/{id}") => post(p::correct_set),
        ("POST", "/correct/{id}/media") => {
            post(p::correct_media).layer(DefaultBodyLimit::max(MAX_UPLOAD))
        }
        ("GET", "/media/{recording_id}/{slot}") => get(p::media_show),
        ("GET", "/stock") => get(p::stock_page),
        ("GET", "/api/v1/stock/reconcile") => get(p::stock_api),
        ("POST", "/stock/receive") => post(p::stock_receive),
        ("GET", "/stock/report.csv") => get(p::stock_report),
        ("GET", "/audit") => get(p::audit_page),
        ("GET", "/api/v1/audit/verify") => get(p::audit_api),
        ("GET", "/users") => get(p::users_page),
        ("POST", "/users") => post(p::users_create),
        ("POST", "/users/{name}/disable") => post(p::user_disable),
        ("POST", "/users/{name}/enable") => post(p::user_enable),
        ("POST", "/users/{name}/role") => post(p::user_role),
        ("POST", "/users/{name}/password") => post(p::user_password_reset),
        ("POST", "/users/{name}/sessions-end") => post(p::user_sessions_end),
        ("GET", "/account") => get(p::account_page),
        ("POST", "/account/password") => post(p::account_password),
        _ => get(p::not_found),
    }
}

/// The router: every route of [`ROUTES`] behind the one access guard; outermost, the layer
/// that turns error answers into pages and puts the security headers on every response.
pub fn router(state: Arc<AppState>) -> Router {
    let mut by_path: BTreeMap<&str, MethodRouter<Arc<AppState>>> = BTreeMap::new();
    for spec in ROUTES {
        let h = handler(spec);
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
    router
        .fallback(p::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            p::finish,
        ))
        .with_state(state)
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
                "413": { "description": "Body larger than 64 KiB (3 MiB for the photo upload)" },
                "429": { "description": "Rate limit or login throttle (Retry-After says how long)" },
                "503": { "description": "The office database is busy; try again (Retry-After)" }
            }
        });
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
        "components": { "securitySchemes": { "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE } } },
        "paths": paths,
    })
}
