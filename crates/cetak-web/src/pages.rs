//! Handlers: server-rendered pages and the JSON API.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{Extension, Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cetak_domain::access::{Permission, Role, allows};
use cetak_domain::lifecycle::{Actor, RecordState};
use cetak_print::schedule::{self, Readiness};
use cetak_print::spool::{AttemptEvent, AttemptState};
use cetak_print::stock::{SerialRange, SpoilCause};
use cetak_store::{Store, StoreError};
use minijinja::{Environment, State as TplState, context};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::auth::{self, LOGIN_COOKIE, SESSION_COOKIE, Session};
use crate::state::AppState;

type S = State<Arc<AppState>>;

/// The templates, embedded; `.html` templates are auto-escaped.
pub(crate) fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in [
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        (
            "dashboard.html",
            include_str!("../templates/dashboard.html"),
        ),
        ("print.html", include_str!("../templates/print.html")),
        (
            "review_list.html",
            include_str!("../templates/review_list.html"),
        ),
        (
            "review_show.html",
            include_str!("../templates/review_show.html"),
        ),
        (
            "correct_list.html",
            include_str!("../templates/correct_list.html"),
        ),
        (
            "correct_show.html",
            include_str!("../templates/correct_show.html"),
        ),
        ("stock.html", include_str!("../templates/stock.html")),
        ("audit.html", include_str!("../templates/audit.html")),
        ("users.html", include_str!("../templates/users.html")),
        ("resident.html", include_str!("../templates/resident.html")),
        ("message.html", include_str!("../templates/message.html")),
    ] {
        // The templates are part of the binary: a broken one fails the test suite.
        if let Err(e) = env.add_template(name, src) {
            tracing::error!("template {name}: {e}");
        }
    }
    // tr("Bahasa Indonesia", "English"): the page's language picks one.
    env.add_function("tr", |state: &TplState, id: String, en: String| -> String {
        match state
            .lookup("lang")
            .and_then(|l| l.as_str().map(str::to_string))
        {
            Some(l) if l == "en" => en,
            _ => id,
        }
    });
    // label("awaiting_decision"): a stored code in the page's language.
    env.add_function("label", |state: &TplState, code: String| -> String {
        let en = state
            .lookup("lang")
            .and_then(|l| l.as_str().map(|l| l == "en"))
            .unwrap_or(false);
        match label(&code) {
            Some((id, e)) => if en { e } else { id }.to_string(),
            None => code,
        }
    });
    env
}

/// Indonesian and English words for the codes the pages show.
fn label(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "received" => ("diterima", "received"),
        "unique" => ("unik, siap antre", "unique, ready to queue"),
        "duplicate" => ("data ganda", "duplicate"),
        "awaiting_decision" => ("menunggu keputusan", "awaiting a decision"),
        "queued" => ("dalam antrean", "queued"),
        "printing" => ("sedang dicetak", "printing"),
        "printed" => ("sudah dicetak", "printed"),
        "issued" => ("sudah diserahkan", "handed over"),
        "cancelled" => ("dibatalkan", "cancelled"),
        "ready" => ("siap", "ready"),
        "busy" => ("sedang mencetak", "busy"),
        "paused" => ("dijeda", "paused"),
        "blocked" => ("terhenti", "blocked"),
        "capacity_spent" => ("kapasitas hari ini habis", "today's capacity spent"),
        "cooling" => ("mendinginkan", "cooling down"),
        "outside_hours" => ("di luar jam kerja", "outside working hours"),
        // Evidence levels and the reasons a pair waits come from the dedup model.
        _ => return cetak_dedup::model::words(code),
    })
}

/// The page language: `?lang=` wins and is remembered in a cookie; Indonesian by default.
fn lang(headers: &HeaderMap, query: Option<&str>) -> &'static str {
    match query.or_else(|| auth::cookie(headers, "cetak_lang")) {
        Some("en") => "en",
        _ => "id",
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
    next: Option<String>,
    month: Option<String>,
}

struct Page {
    html: Result<String, String>,
    set_lang: Option<&'static str>,
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        match self.html {
            Ok(html) => {
                let mut r = Html(html).into_response();
                if let Some(l) = self.set_lang
                    && let Ok(v) = HeaderValue::from_str(&format!(
                        "cetak_lang={l}; Path=/; SameSite=Strict; Max-Age=31536000"
                    ))
                {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
                security_headers(&mut r);
                r
            }
            Err(e) => {
                tracing::error!("render: {e}");
                (StatusCode::INTERNAL_SERVER_ERROR, "page error").into_response()
            }
        }
    }
}

fn security_headers(r: &mut Response) {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

fn render(
    state: &AppState,
    name: &str,
    headers: &HeaderMap,
    q: &LangQuery,
    session: Option<&Session>,
    ctx: minijinja::Value,
) -> Page {
    let l = lang(headers, q.lang.as_deref());
    let user = session.map(|s| {
        let role = s.0.user.role;
        context! {
            name => s.0.user.name.clone(),
            role => role.as_str(),
            csrf => s.0.csrf.clone(),
            can_print => allows(role, Permission::Print),
            can_decide => allows(role, Permission::Decide),
            can_stock => allows(role, Permission::Stock),
            can_audit => allows(role, Permission::Audit),
            can_users => allows(role, Permission::Users),
        }
    });
    let html = state
        .templates
        .get_template(name)
        .and_then(|t| t.render(context! { lang => l, user => user, ..ctx }))
        .map_err(|e| e.to_string());
    Page {
        html,
        set_lang: q.lang.as_deref().map(|_| l),
    }
}

/// Any serializable value for a template.
fn ser<T: serde::Serialize>(x: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(x))
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::Refused(m) => (StatusCode::UNPROCESSABLE_ENTITY, m).into_response(),
        StoreError::NoSuchRecord(m) => {
            (StatusCode::NOT_FOUND, format!("no record {m}")).into_response()
        }
        StoreError::Transition(t) => (StatusCode::CONFLICT, t.to_string()).into_response(),
        StoreError::Attempt(t) => (StatusCode::CONFLICT, t.to_string()).into_response(),
        StoreError::Blank(t) => (StatusCode::CONFLICT, t.to_string()).into_response(),
        other => {
            tracing::error!("store: {other}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

fn actor(s: &Session) -> Actor {
    Actor(format!("user:{}", s.0.user.name))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn back(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Make a change in the store as the signed-in user, then send the browser back to `to`; a
/// refused change answers with its reason ([`store_error`]).
async fn change_then_back<R: Send + 'static>(
    st: &AppState,
    sess: &Session,
    to: &str,
    change: impl FnOnce(&mut Store, &Actor) -> Result<R, StoreError> + Send + 'static,
) -> Response {
    let a = actor(sess);
    match st.pool.run(move |s| change(s, &a)).await {
        Ok(_) => back(to),
        Err(e) => store_error(e),
    }
}

// ---------------------------------------------------------------- public

pub(crate) async fn health() -> &'static str {
    "ok"
}

pub(crate) async fn ready(State(st): S) -> Response {
    match st.pool.run(|s| s.schema_version()).await {
        Ok(v) => Json(serde_json::json!({ "ready": true, "schema_version": v })).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "ready": false, "error": e.to_string() })),
        )
            .into_response(),
    }
}

pub(crate) async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../templates/app.css"),
    )
        .into_response()
}

pub(crate) async fn openapi() -> Json<serde_json::Value> {
    Json(crate::routes::openapi())
}

pub(crate) async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found / tidak ditemukan").into_response()
}

pub(crate) async fn login_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let token = auth::random_token();
    let next = safe_next(q.next.as_deref());
    let mut r = render(
        &st,
        "login.html",
        &headers,
        &q,
        None,
        context! { login_csrf => token.clone(), next => next, error => "" },
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(
        LOGIN_COOKIE,
        &token,
        3600,
        st.secure_cookies,
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Only local paths: `next=//evil.example` or `https://…` go to the dashboard.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                // Browsers drop tabs and newlines: `/\t/evil.example` is `//evil.example`.
                && !n.chars().any(char::is_control)
                && n.len() < 200 =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    name: String,
    password: String,
    login_csrf: String,
    next: Option<String>,
}

pub(crate) async fn login_submit(State(st): S, headers: HeaderMap, req: Request) -> Response {
    let ip = auth::client_ip(&req);
    let q = LangQuery::default();
    let Ok(Form(f)) = Form::<LoginForm>::from_request_parts_and_body(req).await else {
        return (StatusCode::BAD_REQUEST, "bad form").into_response();
    };
    let fail = |msg: &str, status: StatusCode| {
        let token = auth::random_token();
        let mut r = render(&st, "login.html", &headers, &q, None, context! { login_csrf => token.clone(), next => safe_next(f.next.as_deref()), error => msg })
            .into_response();
        *r.status_mut() = status;
        if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(
            LOGIN_COOKIE,
            &token,
            3600,
            st.secure_cookies,
        )) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
        r
    };
    let cookie_token = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !auth::constant_eq(cookie_token, &f.login_csrf) {
        return fail(
            "Formulir kedaluwarsa, coba lagi / The form expired, try again",
            StatusCode::FORBIDDEN,
        );
    }
    let keys = vec![
        format!("ip:{ip}"),
        format!("user:{}", f.name.to_lowercase()),
    ];
    if st.login_throttle.blocked(&keys) {
        return fail(
            "Terlalu banyak percobaan; tunggu 15 menit / Too many attempts; wait 15 minutes",
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let name = f.name.trim().to_string();
    let user = st.pool.run(move |s| s.user_by_name(&name)).await;
    let user = match user {
        Ok(u) => u,
        Err(e) => return store_error(e),
    };
    // Verify against a dummy hash when the user is unknown: the same work either way.
    let password = f.password.clone();
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(dummy_hash);
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            st.login_throttle.failed(&keys);
            return fail(
                "Nama atau kata sandi salah / Wrong name or password",
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    st.login_throttle.succeeded(&keys);
    match auth::start_session(&st, user.id).await {
        Ok((cookie, _csrf)) => {
            let mut r = Redirect::to(&safe_next(f.next.as_deref())).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    }
}

/// An argon2id hash of a random password nobody knows (for unknown user names).
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| auth::hash_password(&auth::random_token()).unwrap_or_default())
        .clone()
}

pub(crate) async fn logout(State(st): S, headers: HeaderMap) -> Response {
    if let Some(token) = auth::cookie(&headers, SESSION_COOKIE) {
        let hash = auth::token_hash(token);
        if let Err(e) = st.pool.run(move |s| s.session_revoke(&hash, now())).await {
            return store_error(e);
        }
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) =
        HeaderValue::from_str(&auth::set_cookie(SESSION_COOKIE, "", 0, st.secure_cookies))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

// ---------------------------------------------------------------- resident

#[derive(Debug, Deserialize)]
pub(crate) struct ResidentQuery {
    nik: String,
    tanggal_lahir: String,
}

/// The answer a resident gets: the same shape whether the NIK or the date is wrong.
#[derive(Debug, serde::Serialize)]
struct ResidentAnswer {
    found: bool,
    state: Option<RecordState>,
    message_id: String,
    message_en: String,
    collect_at: Option<String>,
}

/// `05-08-1990`, `05/08/1990` or `1990-08-05` → `1990-08-05`.
fn iso_date(s: &str) -> String {
    let s = s.trim();
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => s.to_string(),
    }
}

async fn resident_answer(st: &AppState, q: ResidentQuery) -> Result<ResidentAnswer, StoreError> {
    let nik: String = q.nik.trim().chars().take(32).collect();
    let dob = iso_date(&q.tanggal_lahir.chars().take(32).collect::<String>());
    let found = st.pool.run(move |s| s.resident_lookup(&nik)).await?;
    // Compare against a dummy when the NIK is unknown, so both failures cost the same.
    let (stored, state, site) = match &found {
        Some((d, st, site)) => (d.as_str(), Some(*st), Some(site.clone())),
        None => ("0000-00-00", None, None),
    };
    let matches = auth::constant_eq(stored, &dob) && found.is_some();
    Ok(match (matches, state) {
        (true, Some(state)) => {
            let (id, en) = state.describe();
            let ready = matches!(state, RecordState::Printed);
            ResidentAnswer {
                found: true,
                state: Some(state),
                message_id: id.into(),
                message_en: en.into(),
                collect_at: if ready { site } else { None },
            }
        }
        _ => ResidentAnswer {
            found: false,
            state: None,
            message_id: "Data tidak ditemukan. Periksa NIK dan tanggal lahir, atau datang ke kantor Disdukcapil.".into(),
            message_en: "Not found. Check the NIK and birth date, or visit the Disdukcapil office.".into(),
            collect_at: None,
        },
    })
}

fn too_many() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, "60")],
        "Terlalu banyak permintaan; coba lagi sebentar / Too many requests; try again in a minute",
    )
        .into_response()
}

pub(crate) async fn resident_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    render(
        &st,
        "resident.html",
        &headers,
        &q,
        None,
        context! { answer => (), asked => false },
    )
    .into_response()
}

pub(crate) async fn resident_submit(State(st): S, headers: HeaderMap, req: Request) -> Response {
    if !st.resident_limit.allow(auth::client_ip(&req)) {
        return too_many();
    }
    let Ok(Form(q)) = Form::<ResidentQuery>::from_request_parts_and_body(req).await else {
        return (
            StatusCode::BAD_REQUEST,
            "NIK dan tanggal lahir wajib / NIK and birth date required",
        )
            .into_response();
    };
    match resident_answer(&st, q).await {
        Ok(a) => render(
            &st,
            "resident.html",
            &headers,
            &LangQuery::default(),
            None,
            context! { answer => ser(&a), asked => true },
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

pub(crate) async fn resident_api(State(st): S, req: Request) -> Response {
    if !st.resident_limit.allow(auth::client_ip(&req)) {
        return too_many();
    }
    let Ok(Json(q)) = Json::<ResidentQuery>::from_request_parts_and_body(req).await else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": "expected JSON {\"nik\": \"…\", \"tanggal_lahir\": \"YYYY-MM-DD\"}" })),
        )
            .into_response();
    };
    match resident_answer(&st, q).await {
        Ok(a) => Json(a).into_response(),
        Err(e) => store_error(e),
    }
}

/// Axum extractors take the whole request; these helpers let a handler look at its parts first.
trait FromWhole: Sized {
    async fn from_request_parts_and_body(req: Request) -> Result<Self, Response>;
}

impl<T: serde::de::DeserializeOwned + Send> FromWhole for Form<T> {
    async fn from_request_parts_and_body(req: Request) -> Result<Self, Response> {
        use axum::extract::FromRequest;
        Form::<T>::from_request(req, &())
            .await
            .map_err(IntoResponse::into_response)
    }
}

impl<T: serde::de::DeserializeOwned + Send> FromWhole for Json<T> {
    async fn from_request_parts_and_body(req: Request) -> Result<Self, Response> {
        use axum::extract::FromRequest;
        Json::<T>::from_request(req, &())
            .await
            .map_err(IntoResponse::into_response)
    }
}

// ---------------------------------------------------------------- dashboard

#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Dashboard {
    states: Vec<cetak_store::StateCount>,
    backlog: i64,
    today_printed: u32,
    today_capacity: u32,
    printers: Vec<serde_json::Value>,
    stock: cetak_print::stock::Reconciliation,
    inspection: usize,
    daily: Vec<(String, i64)>,
    projected_clear: Option<String>,
    link: cetak_store::SyncStatus,
    printing_now: bool,
}

/// The dashboard's numbers, refreshed at most every five seconds: counting a large registry by state
/// reads the whole table, and every office screen polls the dashboard. A stale copy is served
/// while one background task refreshes it, so no request waits for the count.
async fn dashboard_data(st: &Arc<AppState>) -> Result<Arc<Dashboard>, StoreError> {
    let cached = st.dashboard_cache.lock().ok().and_then(|c| c.clone());
    let printing = st.printing.load(Ordering::Relaxed);
    if let Some((at, d)) = cached {
        if at.elapsed() >= std::time::Duration::from_secs(5)
            && !st.dashboard_refreshing.swap(true, Ordering::SeqCst)
        {
            let st2 = st.clone();
            tokio::spawn(async move {
                if let Ok(fresh) = dashboard_fresh(&st2).await
                    && let Ok(mut cache) = st2.dashboard_cache.lock()
                {
                    *cache = Some((std::time::Instant::now(), Arc::new(fresh)));
                }
                st2.dashboard_refreshing.store(false, Ordering::SeqCst);
            });
        }
        if d.printing_now == printing {
            return Ok(d);
        }
        let mut d = (*d).clone();
        d.printing_now = printing;
        return Ok(Arc::new(d));
    }
    let d = Arc::new(dashboard_fresh(st).await?);
    if let Ok(mut cache) = st.dashboard_cache.lock() {
        *cache = Some((std::time::Instant::now(), d.clone()));
    }
    Ok(d)
}

async fn dashboard_fresh(st: &AppState) -> Result<Dashboard, StoreError> {
    let printing_now = st.printing.load(Ordering::Relaxed);
    st.pool
        .run(move |s| {
            let at = now();
            let states = s.counts_by_state()?;
            let printers = s.printers(&schedule::office_day(at))?;
            let backlog: i64 = states
                .iter()
                .filter(|c| {
                    matches!(
                        c.state,
                        RecordState::Received | RecordState::Unique | RecordState::Queued | RecordState::AwaitingDecision | RecordState::Printing
                    )
                })
                .map(|c| c.count as i64)
                .sum();
            let daily = s.daily_output(30)?;
            let recent: Vec<i64> = daily.iter().rev().take(7).map(|d| d.1).collect();
            let per_day = if recent.is_empty() { 0.0 } else { recent.iter().sum::<i64>() as f64 / recent.len() as f64 };
            let projected_clear = (per_day > 0.0).then(|| {
                let days = (backlog as f64 / per_day).ceil() as i64;
                // Working days: five of seven.
                let calendar = days * 7 / 5;
                let d = (at + time::Duration::days(calendar)).to_offset(schedule::OFFICE_OFFSET).date();
                format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
            });
            Ok(Dashboard {
                today_printed: printers.iter().map(|p| p.run.printed_today).sum(),
                today_capacity: printers.iter().map(|p| p.profile.cards_per_day).sum(),
                printers: printers
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "name": p.name, "uri": p.uri, "printed_today": p.run.printed_today,
                            "cards_per_day": p.profile.cards_per_day, "blanks_loaded": p.blanks_loaded,
                            "paused": p.run.paused, "heat_strikes": p.run.heat_strikes,
                            "readiness": schedule::readiness(&p.profile, &p.run, at),
                        })
                    })
                    .collect(),
                stock: s.stock_reconcile()?,
                inspection: s.inspection_count()? as usize,
                states,
                backlog,
                daily,
                projected_clear,
                link: s.sync_status()?,
                printing_now,
            })
        })
        .await
}

/// The burn-down chart as SVG polyline points: the backlog at the end of each recent printing
/// day (today's backlog plus the cards printed after that day) and a straight projection from
/// today to the projected clearing date. Returns (history, projection, top value).
fn burn_down(d: &Dashboard) -> (String, String, i64) {
    let mut levels: Vec<i64> = Vec::with_capacity(d.daily.len() + 1);
    let mut after = 0;
    for (_, printed) in d.daily.iter().rev() {
        levels.push(d.backlog + after);
        after += printed;
    }
    levels.push(d.backlog + after);
    levels.reverse();
    let top = levels.iter().copied().max().unwrap_or(1).max(1);
    // History on the left two thirds, projection on the right third.
    let n = (levels.len().max(2) - 1) as f64;
    let y = |v: i64| 150.0 - v as f64 * 140.0 / top as f64;
    let history = levels
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", i as f64 * 400.0 / n, y(*v)))
        .collect::<Vec<_>>()
        .join(" ");
    let projection = if d.projected_clear.is_some() {
        format!("400.0,{:.1} 600.0,150.0", y(d.backlog))
    } else {
        String::new()
    };
    (history, projection, top)
}

pub(crate) async fn dashboard(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    match dashboard_data(&st).await {
        Ok(d) => {
            let (history, projection, max) = burn_down(&d);
            render(
                &st,
                "dashboard.html",
                &headers,
                &q,
                Some(&sess),
                context! { d => ser(&*d), history => history, projection => projection, max => max },
            )
            .into_response()
        }
        Err(e) => store_error(e),
    }
}

pub(crate) async fn dashboard_api(State(st): S) -> Response {
    match dashboard_data(&st).await {
        Ok(d) => Json(&*d).into_response(),
        Err(e) => store_error(e),
    }
}

// ---------------------------------------------------------------- printing

async fn print_data(st: &AppState) -> Result<serde_json::Value, StoreError> {
    let printing_now = st.printing.load(Ordering::Relaxed);
    let last_run = st.last_run.lock().ok().and_then(|l| l.clone());
    st.pool
        .run(move |s| {
            let at = now();
            let printers: Vec<_> = s
                .printers(&schedule::office_day(at))?
                .into_iter()
                .map(|p| {
                    let r = schedule::readiness(&p.profile, &p.run, at);
                    serde_json::json!({
                        "name": p.name, "uri": p.uri, "printed_today": p.run.printed_today,
                        "cards_per_day": p.profile.cards_per_day, "blanks_loaded": p.blanks_loaded,
                        "paused": p.run.paused, "readiness": r,
                        "ready": r == Readiness::Ready,
                    })
                })
                .collect();
            Ok(serde_json::json!({
                "printers": printers,
                "queue": s.print_queue_len()?,
                "next": s.print_queue(10)?.into_iter().map(|(k, _)| k).collect::<Vec<_>>(),
                "pending": s.attempts(&[AttemptState::Intent, AttemptState::Sent], 100)?,
                "inspection": s.attempts(&[AttemptState::Inspect], 100)?,
                "printed": s.recent_printed(20)?,
                "printing_now": printing_now,
                "last_run": last_run,
            }))
        })
        .await
}

pub(crate) async fn print_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    match print_data(&st).await {
        Ok(d) => render(
            &st,
            "print.html",
            &headers,
            &q,
            Some(&sess),
            context! { d => ser(&d), causes => SpoilCause::ALL.map(|c| c.as_str()).to_vec() },
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

pub(crate) async fn print_api(State(st): S) -> Response {
    match print_data(&st).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => store_error(e),
    }
}

pub(crate) async fn print_start(State(st): S) -> Response {
    let Some(runner) = st.runner.clone() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "printing is not available on this server",
        )
            .into_response();
    };
    if st.printing.swap(true, Ordering::SeqCst) {
        return back("/print");
    }
    let flag = st.printing.clone();
    let last = st.last_run.clone();
    tokio::task::spawn_blocking(move || {
        let result = runner();
        if let Ok(mut l) = last.lock() {
            *l = Some(match result {
                Ok(s) => s,
                Err(e) => format!("error: {e}"),
            });
        }
        flag.store(false, Ordering::SeqCst);
    });
    back("/print")
}

pub(crate) async fn printer_pause(st: S, name: Path<String>, sess: Extension<Session>) -> Response {
    set_paused(st, name, sess, true).await
}

pub(crate) async fn printer_resume(
    st: S,
    name: Path<String>,
    sess: Extension<Session>,
) -> Response {
    set_paused(st, name, sess, false).await
}

async fn set_paused(
    State(st): S,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
    paused: bool,
) -> Response {
    let why = if paused {
        "paused from the print page"
    } else {
        "resumed from the print page"
    };
    change_then_back(&st, &sess, "/print", move |s, a| {
        s.printer_set_paused(&name, paused, a, now(), why)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(crate) struct InspectForm {
    verdict: String,
    cause: Option<String>,
}

pub(crate) async fn inspect(
    State(st): S,
    Path(id): Path<i64>,
    Extension(sess): Extension<Session>,
    Form(f): Form<InspectForm>,
) -> Response {
    let event = match f.verdict.as_str() {
        "good" => AttemptEvent::InspectedGood,
        "unused" => AttemptEvent::InspectedUnused,
        "spoiled" => match f.cause.as_deref().and_then(SpoilCause::parse) {
            Some(c) => AttemptEvent::InspectedSpoiled(c),
            None => return (StatusCode::UNPROCESSABLE_ENTITY, "choose a cause").into_response(),
        },
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "verdict must be good, spoiled or unused",
            )
                .into_response();
        }
    };
    change_then_back(&st, &sess, "/print", move |s, a| {
        s.attempt_apply(id, &event, a, now())
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RaiseForm {
    recording_id: String,
    reason: String,
}

pub(crate) async fn raise(
    State(st): S,
    Extension(sess): Extension<Session>,
    Form(f): Form<RaiseForm>,
) -> Response {
    change_then_back(&st, &sess, "/print", move |s, a| {
        s.print_raise(f.recording_id.trim(), a, now(), &f.reason)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(crate) struct HandoverForm {
    nik: String,
    to: String,
    id_check: String,
}

pub(crate) async fn handover(
    State(st): S,
    Extension(sess): Extension<Session>,
    Form(f): Form<HandoverForm>,
) -> Response {
    change_then_back(&st, &sess, "/print", move |s, a| {
        s.handover(f.nik.trim(), &f.to, &f.id_check, a, now())
    })
    .await
}

// ---------------------------------------------------------------- review

pub(crate) async fn review_list(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    match st.pool.run(|s| s.dedup_pairs(true, 500)).await {
        Ok(pairs) => render(
            &st,
            "review_list.html",
            &headers,
            &q,
            Some(&sess),
            context! { pairs => ser(&pairs) },
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

pub(crate) async fn review_api(State(st): S) -> Response {
    match st.pool.run(|s| s.dedup_pairs(true, 500)).await {
        Ok(pairs) => Json(serde_json::json!({ "pairs": pairs })).into_response(),
        Err(e) => store_error(e),
    }
}

pub(crate) async fn review_show(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Path(id): Path<i64>,
    Extension(sess): Extension<Session>,
) -> Response {
    let data = st
        .pool
        .run(move |s| {
            let Some(pair) = s.dedup_pair(id)? else {
                return Ok(None);
            };
            let a = s.record_fields(&pair.a)?;
            let b = s.record_fields(&pair.b)?;
            let rows: Vec<_> = a
                .iter()
                .zip(b.iter())
                .map(|((name, va), (_, vb))| serde_json::json!({ "field": name, "a": va, "b": vb, "same": va == vb }))
                .collect();
            Ok(Some((pair, rows)))
        })
        .await;
    match data {
        Ok(Some((pair, rows))) => render(
            &st,
            "review_show.html",
            &headers,
            &q,
            Some(&sess),
            context! { pair => ser(&pair), rows => ser(&rows) },
        )
        .into_response(),
        Ok(None) => not_found().await,
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecideForm {
    decision: String,
    reason: String,
}

pub(crate) async fn review_decide(
    State(st): S,
    Path(id): Path<i64>,
    Extension(sess): Extension<Session>,
    Form(f): Form<DecideForm>,
) -> Response {
    let same = match f.decision.as_str() {
        "same" => true,
        "different" => false,
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "decision must be same or different",
            )
                .into_response();
        }
    };
    if f.reason.trim().is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "a decision needs a reason",
        )
            .into_response();
    }
    let a = actor(&sess);
    match st
        .pool
        .run(move |s| s.decide_pair(id, same, &f.reason, &a, now()))
        .await
    {
        Ok(_) => {
            // Apply the decision now (as `cetak review decide` does): the pair's recordings
            // become unique, duplicates or stay apart for good.
            if let Some(runner) = st.dedup_runner.clone() {
                match tokio::task::spawn_blocking(move || runner()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::error!("applying the decision: {e}"),
                    Err(e) => tracing::error!("applying the decision: {e}"),
                }
            }
            back("/review")
        }
        Err(e) => store_error(e),
    }
}

// ---------------------------------------------------------------- correction (issue 12)

pub(crate) async fn correct_list(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    match st.pool.run(|s| s.correction_list(false, 500)).await {
        Ok(items) => render(
            &st,
            "correct_list.html",
            &headers,
            &q,
            Some(&sess),
            context! { items => ser(&items) },
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

pub(crate) async fn correct_show(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Path(id): Path<String>,
    Extension(sess): Extension<Session>,
) -> Response {
    let wanted = id.clone();
    let data = st
        .pool
        .run(move |s| match s.correction_view(&id) {
            Ok(v) => Ok(Ok(v)),
            // An id that is not there: the worklist, saying so.
            Err(StoreError::NoSuchRecord(_)) => Ok(Err(s.correction_list(false, 500)?)),
            Err(e) => Err(e),
        })
        .await;
    match data {
        Ok(Ok(v)) => render(
            &st,
            "correct_show.html",
            &headers,
            &q,
            Some(&sess),
            context! { v => ser(&v) },
        )
        .into_response(),
        Ok(Err(items)) => render(
            &st,
            "correct_list.html",
            &headers,
            &q,
            Some(&sess),
            context! { items => ser(&items), missing => wanted },
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CorrectForm {
    field: String,
    value: String,
    reason: String,
}

pub(crate) async fn correct_set(
    State(st): S,
    Path(id): Path<String>,
    Extension(sess): Extension<Session>,
    Form(f): Form<CorrectForm>,
) -> Response {
    let to = format!("/correct/{id}");
    change_then_back(&st, &sess, &to, move |s, a| {
        s.correct_field(&id, &f.field, &f.value, &f.reason, a, now())
    })
    .await
}

// ---------------------------------------------------------------- stock, audit, users

pub(crate) async fn stock_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    match st
        .pool
        .run(|s| Ok((s.stock_reconcile()?, s.stock_receipts()?)))
        .await
    {
        Ok((r, receipts)) => {
            let n = now().to_offset(schedule::OFFICE_OFFSET);
            let month = format!("{:04}-{:02}", n.year(), u8::from(n.month()));
            render(
                &st,
                "stock.html",
                &headers,
                &q,
                Some(&sess),
                context! { r => ser(&r), receipts => ser(&receipts), month => month },
            )
            .into_response()
        }
        Err(e) => store_error(e),
    }
}

pub(crate) async fn stock_api(State(st): S) -> Response {
    match st.pool.run(|s| s.stock_reconcile()).await {
        Ok(r) => Json(r).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReceiveForm {
    first: i64,
    last: i64,
    reference: String,
    date: String,
}

pub(crate) async fn stock_receive(
    State(st): S,
    Extension(sess): Extension<Session>,
    Form(f): Form<ReceiveForm>,
) -> Response {
    if time::Date::parse(
        &f.date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_err()
    {
        return (StatusCode::UNPROCESSABLE_ENTITY, "date must be YYYY-MM-DD").into_response();
    }
    change_then_back(&st, &sess, "/stock", move |s, a| {
        let range = SerialRange {
            first: f.first,
            last: f.last,
        };
        s.stock_receive(range, &f.date, &f.reference, a, now())
    })
    .await
}

pub(crate) async fn stock_report(State(st): S, Query(q): Query<LangQuery>) -> Response {
    let month = q.month.unwrap_or_default();
    match st.pool.run(move |s| s.monthly_report(&month)).await {
        Ok(r) => {
            use cetak_print::stock::compact_ranges;
            let mut csv = String::from("category,cause,count,serials\n");
            let line = |csv: &mut String, a: &str, b: &str, n: usize, serials: &[i64]| {
                csv.push_str(&format!("{a},{b},{n},{}\n", compact_ranges(serials)));
            };
            line(&mut csv, "issued", "", r.issued.len(), &r.issued);
            for (c, serials) in &r.spoiled {
                line(&mut csv, "spoiled", c.as_str(), serials.len(), serials);
            }
            line(&mut csv, "missing", "", r.missing.len(), &r.missing);
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"blangko-{}.csv\"", r.month),
                    ),
                ],
                csv,
            )
                .into_response()
        }
        Err(e) => store_error(e),
    }
}

pub(crate) async fn audit_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    let data = st
        .pool
        .run(|s| {
            let v = s.audit_verify(None)?;
            let verdict = match v {
                Ok(r) => serde_json::json!({ "ok": true, "entries": r.entries, "head": r.head }),
                Err(b) => serde_json::json!({ "ok": false, "error": b.to_string() }),
            };
            Ok((verdict, s.audit_list(None, 200)?))
        })
        .await;
    match data {
        Ok((verdict, entries)) => render(
            &st,
            "audit.html",
            &headers,
            &q,
            Some(&sess),
            context! { verdict => ser(&verdict), entries => ser(&entries) },
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

pub(crate) async fn audit_api(State(st): S) -> Response {
    match st.pool.run(|s| s.audit_verify(None)).await {
        Ok(Ok(r)) => Json(serde_json::json!({ "ok": true, "entries": r.entries, "head": r.head }))
            .into_response(),
        Ok(Err(b)) => {
            Json(serde_json::json!({ "ok": false, "error": b.to_string() })).into_response()
        }
        Err(e) => store_error(e),
    }
}

pub(crate) async fn users_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    match st.pool.run(|s| s.users()).await {
        Ok(users) => render(
            &st,
            "users.html",
            &headers,
            &q,
            Some(&sess),
            context! { users => ser(&users), roles => Role::ALL.map(|r| r.as_str()).to_vec() },
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserForm {
    name: String,
    role: String,
    password: String,
}

pub(crate) async fn users_create(
    State(st): S,
    Extension(sess): Extension<Session>,
    Form(f): Form<UserForm>,
) -> Response {
    let Some(role) = Role::parse(&f.role) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "role must be operator, supervisor or admin",
        )
            .into_response();
    };
    if f.password.chars().count() < 10 || f.password.len() > 1024 {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "a password needs at least 10 characters",
        )
            .into_response();
    }
    let Ok(hash) = tokio::task::spawn_blocking(move || auth::hash_password(&f.password))
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
    else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not hash the password",
        )
            .into_response();
    };
    change_then_back(&st, &sess, "/users", move |s, a| {
        s.user_add(f.name.trim(), role, &hash, a, now())
    })
    .await
}
