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
use crate::{fmt, words};

type S = State<Arc<AppState>>;

mod media;
pub(crate) use media::{correct_media, media_show};

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
            "review_groups.html",
            include_str!("../templates/review_groups.html"),
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
        ("account.html", include_str!("../templates/account.html")),
        (
            "handover_confirm.html",
            include_str!("../templates/handover_confirm.html"),
        ),
        (
            "media_box.html",
            include_str!("../templates/media_box.html"),
        ),
        ("pager.html", include_str!("../templates/pager.html")),
    ] {
        // The templates are part of the binary: a broken one fails the test suite.
        if let Err(e) = env.add_template(name, src) {
            tracing::error!("template {name}: {e}");
        }
    }
    // tr("Bahasa Indonesia", "English"): the page's language picks one.
    env.add_function("tr", |state: &TplState, id: String, en: String| -> String {
        if english(state) { en } else { id }
    });
    // kept("form-decide", "reason"): what was typed into that form before it was refused
    // (empty for any other form, or on a page that was not a refusal).
    env.add_function(
        "kept",
        |state: &TplState, form: String, field: String| -> String {
            let Some(k) = state.lookup("kept_form") else {
                return String::new();
            };
            let same_form = k
                .get_attr("form")
                .ok()
                .is_some_and(|f| f.as_str() == Some(form.as_str()));
            if !same_form {
                return String::new();
            }
            k.get_attr("values")
                .and_then(|v| v.get_attr(&field))
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        },
    );
    // label("awaiting_decision"): a stored code in the page's language.
    env.add_function("label", |state: &TplState, code: String| -> String {
        match words::label(&code) {
            Some((id, en)) => pick(state, id, en).to_string(),
            None => code,
        }
    });
    // problem(code, message): a reason code's words in Indonesian, the validator's detail in
    // English (the catalogue the command line shares).
    env.add_function(
        "problem",
        |state: &TplState, code: String, message: String| -> String {
            match cetak_words::problem(&code) {
                Some((id, _)) if !english(state) => id.to_string(),
                _ => message,
            }
        },
    );
    // Stored words as the office reads them: {{ e.at | when }}, {{ n | num }}, {{ p | num(3) }},
    // {{ e.action | action }}, {{ e.reason | reason }}, …
    env.add_filter("when", |state: &TplState, v: minijinja::Value| -> String {
        if v.is_none() || v.is_undefined() {
            return "-".into();
        }
        fmt::when(&v.to_string(), english(state))
    });
    env.add_filter(
        "num",
        |state: &TplState, v: minijinja::Value, places: Option<usize>| -> String {
            let en = english(state);
            match (places, v.as_i64()) {
                (None, Some(n)) => fmt::int(n, en),
                _ => match f64::try_from(v.clone()) {
                    Ok(x) => fmt::dec(x, places.unwrap_or(0), en),
                    Err(_) => v.to_string(),
                },
            }
        },
    );
    for (name, f) in [
        ("action", words::action as fn(&str) -> (String, String)),
        ("actor", words::actor),
        ("subject", words::subject),
        ("reason", words::reason),
        ("note", |n: &str| {
            words::note(n).unwrap_or_else(|| words::reason(n))
        }),
        ("blank", |b: &str| {
            let (id, en) = words::blank_state(b);
            (id.to_string(), en.to_string())
        }),
        ("message", split_message),
    ] {
        env.add_filter(name, move |state: &TplState, v: String| -> String {
            let (id, en) = f(&v);
            if english(state) { en } else { id }
        });
    }
    env
}

/// Whether the page being rendered is in English.
fn english(state: &TplState) -> bool {
    state
        .lookup("lang")
        .and_then(|l| l.as_str().map(|l| l == "en"))
        .unwrap_or(false)
}

fn pick<'a>(state: &TplState, id: &'a str, en: &'a str) -> &'a str {
    if english(state) { en } else { id }
}

/// The page language: `?lang=` wins and is remembered in a cookie; otherwise the office's
/// (`cetak --lang`), Indonesian by default.
fn lang(headers: &HeaderMap, query: Option<&str>, english: bool) -> &'static str {
    match query.or_else(|| auth::cookie(headers, "cetak_lang")) {
        Some("en") => "en",
        Some("id") => "id",
        _ if english => "en",
        _ => "id",
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
    next: Option<String>,
    month: Option<String>,
    /// `?page=N` of a long table (1 = the first; anything else that is not a number is 1).
    page: Option<String>,
    /// The print page's second table (the inspection queue).
    ipage: Option<String>,
}

/// A page number from the query: 1-based, at most [`MAX_PAGE`].
fn page_no(p: Option<&str>) -> u64 {
    p.and_then(|p| p.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE)
}

/// Pages beyond this are not offered (a link typed by hand is clamped).
const MAX_PAGE: u64 = 100_000;
/// Rows per page of a long table.
pub(crate) const PER_PAGE: u64 = 50;

/// The links under a paged table: `param=N` for the previous and next page; `total` when the
/// count is known (else "next" only when one more row was found).
fn pager(param: &str, page: u64, total: Option<u64>, more: bool) -> serde_json::Value {
    let pages = total.map(|t| t.div_ceil(PER_PAGE).max(1));
    let has_next = match pages {
        Some(n) => page < n,
        None => more,
    };
    serde_json::json!({
        "page": page,
        "pages": pages,
        "total": total,
        "prev": (page > 1).then(|| format!("?{param}={}", page - 1)),
        "next": has_next.then(|| format!("?{param}={}", page + 1)),
    })
}

/// The confirmation shown once on the next page (after a redirect), "id / en", in a cookie.
const FLASH_COOKIE: &str = "cetak_flash";

/// Send the browser to `to` with a confirmation of what was done, shown once there.
fn flash_back(st: &AppState, to: &str, id: &str, en: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    let value: String =
        form_urlencoded::byte_serialize(format!("{id} / {en}").as_bytes()).collect();
    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(
        FLASH_COOKIE,
        &value,
        120,
        st.secure_cookies,
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The confirmation a redirect left for this page, if any: (Indonesian, English).
fn flash_of(headers: &HeaderMap) -> Option<(String, String)> {
    let raw = auth::cookie(headers, FLASH_COOKIE).filter(|v| !v.is_empty())?;
    let text: String = form_urlencoded::parse(format!("f={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.chars().take(1000).collect())?;
    Some(split_message(&text))
}

struct Page {
    html: Result<String, String>,
    set_lang: Option<&'static str>,
    /// The page showed a confirmation: clear it so it shows once.
    clear_flash: Option<bool>,
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
                if let Some(secure) = self.clear_flash
                    && let Ok(v) =
                        HeaderValue::from_str(&auth::set_cookie(FLASH_COOKIE, "", 0, secure))
                {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
                r
            }
            Err(e) => {
                tracing::error!("render: {e}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "halaman gagal dibuat / page error",
                )
                    .into_response()
            }
        }
    }
}

/// The headers every response gets (pages, errors, redirects, JSON, CSS), unless the handler
/// set its own: a strict content policy, no framing, no sniffing, and `Cache-Control:
/// no-store` — pages carry NIKs, names and addresses, and Back after logout must not show them.
fn security_headers(r: &mut Response) {
    let h = r.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// An error shown as a page within the layout, with a way back (JSON `{"error": …}` on the
/// API): handlers answer with [`page_error`], and [`finish`] renders it.
#[derive(Debug, Clone)]
pub(crate) struct PageError {
    id: String,
    en: String,
}

/// An error answer in both languages.
pub(crate) fn page_error(status: StatusCode, id: &str, en: &str) -> Response {
    let mut r = (status, format!("{id} / {en}")).into_response();
    r.extensions_mut().insert(PageError {
        id: id.to_string(),
        en: en.to_string(),
    });
    r
}

/// A message in both languages as "id / en" (the store's refusals), split for the page.
fn split_message(m: &str) -> (String, String) {
    match m.split_once(" / ") {
        Some((id, en)) => (id.to_string(), en.to_string()),
        None => (m.to_string(), m.to_string()),
    }
}

/// Where "back" goes from an error: the page the browser came from (same site only, and a
/// page — not the address of a form's answer), else the section the request belongs to.
fn back_link(headers: &HeaderMap, path: &str, signed_in: bool) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let referer = headers.get(header::REFERER).and_then(|h| h.to_str().ok());
    if let (Some(host), Some(referer)) = (host, referer) {
        for scheme in ["http://", "https://"] {
            if let Some(p) = referer
                .strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix(host))
                .filter(|p| p.starts_with('/') && is_page(p))
            {
                return safe_next(Some(p));
            }
        }
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "cek" | "api" if !signed_in => "/cek".into(),
        "print" | "printers" | "handover" => "/print".into(),
        "review" | "stock" | "audit" | "users" | "account" => format!("/{first}"),
        _ if signed_in => "/".into(),
        _ => "/login".into(),
    }
}

/// Whether `path` (a query allowed) is a page a browser can go back to: a declared `GET`
/// route. A refused form's answer stands at its POST's address, which is not one.
fn is_page(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segs: Vec<&str> = path.split('/').collect();
    crate::routes::ROUTES.iter().any(|r| {
        let pattern: Vec<&str> = r.path.split('/').collect();
        r.method == "GET"
            && pattern.len() == segs.len()
            && pattern
                .iter()
                .zip(&segs)
                .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
    })
}

/// The outermost layer: error answers become pages within the layout (or JSON on the API),
/// and every response gets the security headers.
pub(crate) async fn finish(State(st): S, req: Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let mut resp = next.run(req).await;
    // A request the extractors refused (a form field missing or not a number, a body too
    // large) answers axum's bare text: on a page, say it in the layout.
    if resp.extensions().get::<PageError>().is_none()
        && matches!(resp.status().as_u16(), 400 | 413 | 415 | 422)
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
    {
        let status = resp.status();
        let session = resp.extensions().get::<Session>().cloned();
        let (id, en) = if status == StatusCode::PAYLOAD_TOO_LARGE {
            (
                "Isian terlalu besar; tidak ada yang diubah",
                "The request is too large; nothing was changed",
            )
        } else {
            (
                "Isian formulir tidak lengkap atau tidak sah; tidak ada yang diubah. Periksa isian dan coba lagi",
                "The form is incomplete or invalid; nothing was changed. Check it and try again",
            )
        };
        resp = page_error(status, id, en);
        if let Some(s) = session {
            resp.extensions_mut().insert(s);
        }
    }
    if let Some(err) = resp.extensions().get::<PageError>().cloned() {
        let status = resp.status();
        let retry = resp.headers().get(header::RETRY_AFTER).cloned();
        let session = resp.extensions().get::<Session>().cloned();
        let mut page = if path.starts_with("/api/") {
            Json(serde_json::json!({
                "error": err.en, "error_id": err.id, "status": status.as_u16(),
            }))
            .into_response()
        } else {
            let back = back_link(&headers, &path, session.is_some());
            render(
                &st,
                "message.html",
                &headers,
                &LangQuery::default(),
                session.as_ref(),
                context! { message_id => err.id, message_en => err.en, back => back, error => true },
            )
            .into_response()
        };
        *page.status_mut() = status;
        if let Some(v) = retry {
            page.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp = page;
    }
    security_headers(&mut resp);
    resp
}

/// A confirmation page within the layout: what was done, and a way back.
fn done_page(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    id: &str,
    en: &str,
    back: &str,
    secret: Option<&str>,
) -> Response {
    render(
        st,
        "message.html",
        headers,
        &LangQuery::default(),
        Some(sess),
        context! { message_id => id, message_en => en, back => back, error => false, secret => secret },
    )
    .into_response()
}

/// The page a staff form lives on: a refused form is answered with that page again.
enum FormPage {
    Print,
    Review(i64),
    ReviewGroups,
    Correct(String),
    Stock,
    Users,
    Account,
}

impl FormPage {
    fn path(&self) -> String {
        match self {
            FormPage::Print => "/print".into(),
            FormPage::Review(id) => format!("/review/{id}"),
            FormPage::ReviewGroups => "/review/groups".into(),
            FormPage::Correct(id) => format!("/correct/{id}"),
            FormPage::Stock => "/stock".into(),
            FormPage::Users => "/users".into(),
            FormPage::Account => "/account".into(),
        }
    }
}

/// What a refused form shows above its page: the reason, a link down to the form (its element
/// id) and a way back (`back`: the form's page afresh — not the referring URL, which after a
/// refusal is the POST's own); and what was typed, put back into that form by the template's
/// `kept(form, field)`. Passwords are never among `values`.
fn refusal_ctx(back: &str, form: &str, values: &[(&str, &str)], why: &Refusal) -> minijinja::Value {
    context! {
        refusal => context! {
            id => why.id.clone(), en => why.en.clone(), form => form, back => back,
        },
        kept_form => kept_ctx(form, values),
    }
}

/// What was typed into form `form`, for the template's `kept(form, field)`.
fn kept_ctx(form: &str, values: &[(&str, &str)]) -> minijinja::Value {
    let values: std::collections::BTreeMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    context! { form => form, values => values }
}

/// A page answered with a refusal's status (and `Retry-After` when the database was busy).
fn refused_page(page: Page, why: &Refusal) -> Response {
    let mut r = page.into_response();
    if r.status().is_success() {
        *r.status_mut() = why.status;
        why.add_retry(&mut r);
    }
    r
}

/// A refused staff form: its page again, within the layout, with the reason above, a way
/// back, and what was typed kept in form `form`. Only when the page itself cannot be read is
/// the refusal shown on its own.
async fn refused_form(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    on: FormPage,
    form: &str,
    values: &[(&str, &str)],
    why: Refusal,
) -> Response {
    let path = on.path();
    let extra = refusal_ctx(&path, form, values, &why);
    let q = LangQuery::default();
    let page = match on {
        FormPage::Print => print_view(st, headers, &q, sess, extra).await.map(Some),
        FormPage::Review(id) => review_view(st, headers, &q, sess, id, extra).await,
        FormPage::ReviewGroups => review_groups_view(st, headers, &q, sess, extra)
            .await
            .map(Some),
        FormPage::Correct(id) => correct_view(st, headers, &q, sess, id, extra)
            .await
            .map(Some),
        FormPage::Stock => stock_view(st, headers, &q, sess, extra).await.map(Some),
        FormPage::Users => users_view(st, headers, &q, sess, extra).await.map(Some),
        FormPage::Account => Ok(Some(render(
            st,
            "account.html",
            headers,
            &q,
            Some(sess),
            extra,
        ))),
    };
    match page {
        Ok(Some(page)) => refused_page(page, &why),
        Ok(None) => why.page(),
        Err(e) => {
            tracing::warn!("the page of a refused form: {e}");
            why.page()
        }
    }
}

fn render(
    state: &AppState,
    name: &str,
    headers: &HeaderMap,
    q: &LangQuery,
    session: Option<&Session>,
    ctx: minijinja::Value,
) -> Page {
    let l = lang(headers, q.lang.as_deref(), state.english);
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
            can_media => allows(role, Permission::Media),
        }
    });
    // A confirmation left by the redirect that led here (staff pages only).
    let flash = session.and_then(|_| flash_of(headers));
    let has_flash = flash.is_some();
    let html = state
        .templates
        .get_template(name)
        .and_then(|t| t.render(context! { lang => l, user => user, flash => flash, ..ctx }))
        .map_err(|e| e.to_string());
    Page {
        html,
        set_lang: q.lang.as_deref().map(|_| l),
        clear_flash: has_flash.then_some(state.secure_cookies),
    }
}

/// Any serializable value for a template.
fn ser<T: serde::Serialize>(x: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(x))
}

/// Why a request was refused, in both languages: its status, and how many seconds to wait
/// before trying again when the database was busy.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    status: StatusCode,
    id: String,
    en: String,
    retry_after: Option<u64>,
}

impl Refusal {
    fn new(status: StatusCode, id: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal {
            status,
            id: id.into(),
            en: en.into(),
            retry_after: None,
        }
    }

    /// A 422: what was sent cannot be done as it is.
    fn invalid(id: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, id, en)
    }

    /// The refusal on its own page (the layout's error page, or JSON on the API).
    fn page(&self) -> Response {
        let mut r = page_error(self.status, &self.id, &self.en);
        self.add_retry(&mut r);
        r
    }

    fn add_retry(&self, r: &mut Response) {
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.max(1).to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
}

fn store_error(e: StoreError) -> Response {
    store_refusal(e).page()
}

/// A store error in the office's words.
fn store_refusal(e: StoreError) -> Refusal {
    if e.is_busy() {
        let mut r = Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Basis data kantor sedang sibuk (misalnya impor atau pemeriksaan data ganda sedang berjalan). Tidak ada yang diubah; coba lagi sebentar lagi.",
            "The office database is busy (an import or a duplicate check is running, for example). Nothing was changed; try again in a moment.",
        );
        r.retry_after = Some(5);
        return r;
    }
    let refused = |status: StatusCode, m: &str| {
        let (id, en) = split_message(m);
        Refusal::new(status, format!("Ditolak: {id}"), format!("Refused: {en}"))
    };
    if let Some((id, en)) = words::refusal(&e) {
        return Refusal::new(
            StatusCode::CONFLICT,
            format!("Ditolak: {id}"),
            format!("Refused: {en}"),
        );
    }
    match e {
        StoreError::Refused(m) => refused(StatusCode::UNPROCESSABLE_ENTITY, &m),
        StoreError::NoSuchRecord(m) => {
            let (id, en) = cetak_words::not_found(&m);
            Refusal::new(StatusCode::NOT_FOUND, id, en)
        }
        StoreError::Transition(t) => refused(StatusCode::CONFLICT, &t.to_string()),
        StoreError::Attempt(t) => refused(StatusCode::CONFLICT, &t.to_string()),
        StoreError::Blank(t) => refused(StatusCode::CONFLICT, &t.to_string()),
        other => {
            tracing::error!("store: {other}");
            Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Basis data tidak tersedia; coba lagi nanti",
                "The database is unavailable; try again later",
            )
        }
    }
}

fn actor(s: &Session) -> Actor {
    Actor(format!("user:{}", s.0.user.name))
}

/// The time a change records: the office clock guard (never before the newest time in the
/// books), as the command line uses it.
fn office(s: &Store) -> OffsetDateTime {
    s.office_time(now())
        .map(|c| c.now)
        .unwrap_or_else(|_| now())
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Make a change in the store as the signed-in user, then send the browser back to `to` with
/// the confirmation `done` (Indonesian, English); a refused change says why
/// ([`store_refusal`]), for the caller to answer with the form kept.
async fn change_then_back<R: Send + 'static>(
    st: &AppState,
    sess: &Session,
    to: &str,
    done: (String, String),
    change: impl FnOnce(&mut Store, &Actor) -> Result<R, StoreError> + Send + 'static,
) -> Result<Response, Refusal> {
    let a = actor(sess);
    match st.pool.run(move |s| change(s, &a)).await {
        Ok(_) => Ok(flash_back(st, to, &done.0, &done.1)),
        Err(e) => Err(store_refusal(e)),
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
    page_error(
        StatusCode::NOT_FOUND,
        "Halaman tidak ditemukan",
        "Page not found",
    )
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
        return page_error(
            StatusCode::BAD_REQUEST,
            "Formulir tidak lengkap",
            "The form is incomplete",
        );
    };
    let fail = |msg: &str, status: StatusCode| -> Response {
        let token = auth::random_token();
        // The name typed is kept; the password never comes back.
        let mut r = render(&st, "login.html", &headers, &q, None, context! { login_csrf => token.clone(), next => safe_next(f.next.as_deref()), error => msg, name => f.name.trim() })
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
    // One key per account however it is typed (" Admin1" is "admin1"), one per address.
    let wait = st
        .login_throttle
        .wait(&f.name, ip, std::time::Instant::now());
    if !wait.is_zero() {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut r = fail(
            &format!(
                "Terlalu banyak percobaan yang salah; coba lagi dalam {secs} detik / Too many wrong attempts; try again in {secs} seconds"
            ),
            StatusCode::TOO_MANY_REQUESTS,
        );
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
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
            st.login_throttle
                .failed(&f.name, ip, std::time::Instant::now());
            return fail(
                "Nama atau kata sandi salah / Wrong name or password",
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    st.login_throttle.succeeded(&f.name);
    match auth::start_session(&st, user.id).await {
        Ok((cookie, _csrf)) => {
            let mut r = Redirect::to(&safe_next(f.next.as_deref())).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            tracing::error!("session: {e}");
            page_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Basis data kantor sedang sibuk; coba masuk lagi sebentar lagi",
                "The office database is busy; try logging in again in a moment",
            )
        }
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
    /// The mother's name (nama ibu kandung), as on the family card: the factor the NIK does
    /// not encode. Absent (an old client) means "not given": never found.
    #[serde(default)]
    nama_ibu: String,
}

/// The answer a resident gets: the same shape whichever of NIK, date or mother's name is wrong.
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

/// A name as compared: letters and digits only, lower-case (`Siti  Nur'aini` = `SITI NURAINI`).
pub(crate) fn name_for_comparison(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Equal without leaking where or how long: the hashes of both are compared in constant time.
fn same_secret(a: &str, b: &str) -> bool {
    let (ha, hb) = (blake3::hash(a.as_bytes()), blake3::hash(b.as_bytes()));
    auth::constant_eq(&ha.to_hex(), &hb.to_hex())
}

/// A check of one NIK was refused: it failed too often lately.
struct NikLimited;

async fn resident_answer(
    st: &AppState,
    q: ResidentQuery,
) -> Result<Result<ResidentAnswer, NikLimited>, StoreError> {
    let nik: String = q.nik.trim().chars().take(32).collect();
    let dob = iso_date(&q.tanggal_lahir.chars().take(32).collect::<String>());
    let mother = name_for_comparison(&q.nama_ibu.chars().take(200).collect::<String>());
    let started = std::time::Instant::now();
    if !st.resident_nik_limit.allow(&nik, started) {
        return Ok(Err(NikLimited));
    }
    let key = nik.clone();
    let found = st.pool.run(move |s| s.resident_facts(&key)).await?;
    // Compare against dummies when the NIK is unknown, and make every comparison whatever the
    // others gave, so each kind of failure costs the same.
    let (stored_dob, stored_mother, state, site) = match &found {
        Some(f) => (
            f.tanggal_lahir.clone(),
            name_for_comparison(&f.nama_ibu),
            Some(f.state),
            Some(f.recording_site.clone()),
        ),
        None => ("0000-00-00".to_string(), String::new(), None, None),
    };
    let dob_ok = auth::constant_eq(&stored_dob, &dob);
    let mother_ok = same_secret(&stored_mother, &mother);
    let matches = dob_ok & mother_ok & !mother.is_empty() & found.is_some();
    if !matches {
        st.resident_nik_limit.failed(&nik, started);
    }
    Ok(Ok(match (matches, state) {
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
            message_id: "Data tidak ditemukan. Periksa NIK, tanggal lahir dan nama ibu kandung, atau datang ke kantor Disdukcapil.".into(),
            message_en: "Not found. Check the NIK, birth date and mother's name, or visit the Disdukcapil office.".into(),
            collect_at: None,
        },
    }))
}

fn too_many(retry_after_s: u64) -> Response {
    let mut r = page_error(
        StatusCode::TOO_MANY_REQUESTS,
        "Terlalu banyak permintaan; coba lagi nanti",
        "Too many requests; try again later",
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after_s.max(1).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
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
    let allowed = st.resident_limit.allow(auth::client_ip(&req));
    let Ok(Form(q)) = Form::<ResidentQuery>::from_request_parts_and_body(req).await else {
        if !allowed {
            return too_many(60);
        }
        return page_error(
            StatusCode::BAD_REQUEST,
            "NIK, tanggal lahir dan nama ibu kandung wajib diisi",
            "NIK, birth date and mother's name are required",
        );
    };
    // What the resident typed goes back into the form unless the card was found.
    let (nik, dob, mother) = (q.nik.clone(), q.tanggal_lahir.clone(), q.nama_ibu.clone());
    let typed = [
        ("nik", nik.as_str()),
        ("tanggal_lahir", dob.as_str()),
        ("nama_ibu", mother.as_str()),
    ];
    let kept = |why: Option<&Refusal>| match why {
        Some(why) => refusal_ctx("/cek", "form-cek", &typed, why),
        None => context! { kept_form => kept_ctx("form-cek", &typed) },
    };
    let refused = |why: Refusal| {
        let page = render(
            &st,
            "resident.html",
            &headers,
            &LangQuery::default(),
            None,
            context! { answer => (), asked => false, ..kept(Some(&why)) },
        );
        refused_page(page, &why)
    };
    let limited = |retry_after_s: u64| {
        let mut why = Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Terlalu banyak permintaan; coba lagi nanti",
            "Too many requests; try again later",
        );
        why.retry_after = Some(retry_after_s);
        refused(why)
    };
    if !allowed {
        return limited(60);
    }
    match resident_answer(&st, q).await {
        Ok(Ok(a)) => {
            let extra = if a.found {
                context! {}
            } else {
                kept(None)
            };
            render(
                &st,
                "resident.html",
                &headers,
                &LangQuery::default(),
                None,
                context! { answer => ser(&a), asked => true, ..extra },
            )
            .into_response()
        }
        Ok(Err(NikLimited)) => limited(crate::state::NIK_WINDOW.as_secs()),
        Err(e) => refused(store_refusal(e)),
    }
}

pub(crate) async fn resident_api(State(st): S, req: Request) -> Response {
    if !st.resident_limit.allow(auth::client_ip(&req)) {
        return too_many(60);
    }
    let Ok(Json(q)) = Json::<ResidentQuery>::from_request_parts_and_body(req).await else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": "expected JSON {\"nik\": \"…\", \"tanggal_lahir\": \"YYYY-MM-DD\", \"nama_ibu\": \"…\"}" })),
        )
            .into_response();
    };
    match resident_answer(&st, q).await {
        Ok(Ok(a)) => Json(a).into_response(),
        Ok(Err(NikLimited)) => too_many(crate::state::NIK_WINDOW.as_secs()),
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
    link_view: cetak_store::LinkView,
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
                link_view: s.link_view(at)?,
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

/// The print page's data; `printed_page` and `inspect_page` pick the page of the two lists
/// that grow (1 = the newest).
async fn print_data(
    st: &AppState,
    printed_page: u64,
    inspect_page: u64,
) -> Result<serde_json::Value, StoreError> {
    let printing_now = st.printing.load(Ordering::Relaxed);
    let last_run = st.last_run.lock().ok().and_then(|l| l.clone());
    st.pool
        .run(move |s| {
            // The store lists the newest first, up to a limit: one row more than the page
            // says whether another page follows.
            let page_of = |rows: Vec<cetak_store::AttemptRow>, page: u64| {
                let skip = ((page - 1) * PER_PAGE) as usize;
                let more = rows.len() > skip + PER_PAGE as usize;
                let rows: Vec<_> = rows
                    .into_iter()
                    .skip(skip)
                    .take(PER_PAGE as usize)
                    .collect();
                (rows, more)
            };
            let want = |page: u64| (page * PER_PAGE + 1) as usize;
            let (printed, printed_more) =
                page_of(s.recent_printed(want(printed_page))?, printed_page);
            let inspect_total = s.inspection_count()?;
            let (inspection, _) = page_of(
                s.attempts(&[AttemptState::Inspect], want(inspect_page))?,
                inspect_page,
            );
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
                "inspection": inspection,
                "inspection_total": inspect_total,
                "inspection_pager": pager("ipage", inspect_page, Some(inspect_total as u64), false),
                "printed": printed,
                "printed_pager": pager("page", printed_page, None, printed_more),
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
    match print_view(&st, &headers, &q, &sess, context! {}).await {
        Ok(p) => p.into_response(),
        Err(e) => store_error(e),
    }
}

/// The print page, with `extra` in its context (a refused form's reason and input).
async fn print_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let (printed_page, inspect_page) = (
        page_no(q.page.as_deref()).min(MAX_LIST_PAGE),
        page_no(q.ipage.as_deref()).min(MAX_LIST_PAGE),
    );
    let d = print_data(st, printed_page, inspect_page).await?;
    Ok(render(
        st,
        "print.html",
        headers,
        q,
        Some(sess),
        context! {
            d => ser(&d),
            causes => SpoilCause::ALL.map(|c| c.as_str()).to_vec(),
            id_checks => ID_CHECKS.to_vec(),
            ..extra
        },
    ))
}

/// The print page's lists are read whole up to the page shown: at most this many pages.
const MAX_LIST_PAGE: u64 = 200;

pub(crate) async fn print_api(State(st): S) -> Response {
    match print_data(&st, 1, 1).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => store_error(e),
    }
}

pub(crate) async fn print_start(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
) -> Response {
    let Some(runner) = st.runner.clone() else {
        let why = Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Pencetakan tidak tersedia di server ini",
            "Printing is not available on this server",
        );
        return refused_form(&st, &headers, &sess, FormPage::Print, "", &[], why).await;
    };
    if st.printing.swap(true, Ordering::SeqCst) {
        return flash_back(
            &st,
            "/print",
            "Pencetakan sudah berjalan.",
            "Printing is already running.",
        );
    }
    let flag = st.printing.clone();
    let last = st.last_run.clone();
    tokio::task::spawn_blocking(move || {
        let result = runner();
        if let Ok(mut l) = last.lock() {
            *l = Some(match result {
                Ok(s) => s,
                Err(e) => format!("gagal: {e} / error: {e}"),
            });
        }
        flag.store(false, Ordering::SeqCst);
    });
    flash_back(
        &st,
        "/print",
        "Pencetakan dimulai; muat ulang halaman untuk melihat hasilnya.",
        "Printing started; reload the page to see what was printed.",
    )
}

pub(crate) async fn printer_pause(
    st: S,
    headers: HeaderMap,
    name: Path<String>,
    sess: Extension<Session>,
) -> Response {
    set_paused(st, headers, name, sess, true).await
}

pub(crate) async fn printer_resume(
    st: S,
    headers: HeaderMap,
    name: Path<String>,
    sess: Extension<Session>,
) -> Response {
    set_paused(st, headers, name, sess, false).await
}

async fn set_paused(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
    paused: bool,
) -> Response {
    let why = if paused {
        "paused from the print page"
    } else {
        "resumed from the print page"
    };
    let (id, en) = if paused {
        (
            format!("Printer {name} dijeda."),
            format!("Printer {name} paused."),
        )
    } else {
        (
            format!("Printer {name} dilanjutkan."),
            format!("Printer {name} resumed."),
        )
    };
    match change_then_back(&st, &sess, "/print", (id, en), move |s, a| {
        s.printer_set_paused(&name, paused, a, office(s), why)
    })
    .await
    {
        Ok(r) => r,
        Err(why) => refused_form(&st, &headers, &sess, FormPage::Print, "", &[], why).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct InspectForm {
    /// good, spoiled or unused: chosen, no default.
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    cause: Option<String>,
}

pub(crate) async fn inspect(
    State(st): S,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Extension(sess): Extension<Session>,
    Form(f): Form<InspectForm>,
) -> Response {
    match inspect_do(&st, &sess, id, &f).await {
        Ok(r) => r,
        Err(why) => {
            let form = format!("form-inspect-{id}");
            let cause = f.cause.clone().unwrap_or_default();
            let kept = [("verdict", f.verdict.as_str()), ("cause", cause.as_str())];
            refused_form(&st, &headers, &sess, FormPage::Print, &form, &kept, why).await
        }
    }
}

async fn inspect_do(
    st: &AppState,
    sess: &Session,
    id: i64,
    f: &InspectForm,
) -> Result<Response, Refusal> {
    let event = match f.verdict.as_str() {
        "good" => AttemptEvent::InspectedGood,
        "unused" => AttemptEvent::InspectedUnused,
        "spoiled" => match f.cause.as_deref().and_then(SpoilCause::parse) {
            Some(c) => AttemptEvent::InspectedSpoiled(c),
            None => {
                return Err(Refusal::invalid(
                    "Pilih penyebab kartu rusak",
                    "Choose why the card is spoiled",
                ));
            }
        },
        _ => {
            return Err(Refusal::invalid(
                "Pilih hasil pemeriksaan: baik, rusak atau tidak terpakai",
                "Choose the finding: good, spoiled or unused",
            ));
        }
    };
    let (verdict_id, verdict_en) = match &event {
        AttemptEvent::InspectedSpoiled(_) => ("rusak", "spoiled"),
        AttemptEvent::InspectedUnused => ("blangko tidak terpakai", "blank unused"),
        _ => ("kartu baik", "card good"),
    };
    // The same rule as `cetak print inspect`: the printer must have let go of the job.
    let check = st.inspect_check.clone();
    let verdict = f.verdict.clone();
    let allowed = tokio::task::spawn_blocking(move || match check {
        Some(check) => check(id, &verdict),
        None => Err("printer tidak dapat ditanya dari server ini / no printer can be asked from this server".into()),
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    if let Err(why) = allowed {
        let (why_id, why_en) = split_message(&why);
        return Err(Refusal::new(
            StatusCode::CONFLICT,
            format!("Belum dapat dicatat: {why_id}"),
            format!("Cannot be recorded yet: {why_en}"),
        ));
    }
    let done = (
        format!("Hasil pemeriksaan percobaan cetak {id} dicatat: {verdict_id}."),
        format!("The finding for print attempt {id} was recorded: {verdict_en}."),
    );
    change_then_back(st, sess, "/print", done, move |s, a| {
        s.attempt_inspect(
            id,
            &event,
            "an operator inspected the card on the print page",
            a,
            office(s),
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RaiseForm {
    #[serde(default)]
    recording_id: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn raise(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    Form(f): Form<RaiseForm>,
) -> Response {
    let rid = f.recording_id.trim().to_string();
    let done = (
        format!("Perekaman {rid} dinaikkan ke depan antrean."),
        format!("Recording {rid} was raised to the front of the queue."),
    );
    let reason = f.reason.clone();
    let result = change_then_back(&st, &sess, "/print", done, move |s, a| {
        s.print_raise(&rid, a, office(s), &reason)
    })
    .await;
    match result {
        Ok(r) => r,
        Err(why) => {
            let kept = [
                ("recording_id", f.recording_id.as_str()),
                ("reason", f.reason.as_str()),
            ];
            refused_form(
                &st,
                &headers,
                &sess,
                FormPage::Print,
                "form-raise",
                &kept,
                why,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct HandoverForm {
    #[serde(default)]
    nik: String,
    #[serde(default)]
    to: String,
    /// One of [`ID_CHECKS`]; there is no default, it must be chosen.
    #[serde(default)]
    id_check: String,
    /// "1" on the confirmation step, after staff saw whose card it is.
    #[serde(default)]
    confirm: String,
}

/// How identity was checked at hand-over: (code, Indonesian, English). The Indonesian words
/// are what the audit entry records.
pub(crate) const ID_CHECKS: [(&str, &str, &str); 4] = [
    ("sidik_jari", "sidik jari cocok", "fingerprint matched"),
    (
        "ktp_lama",
        "KTP lama atau surat keterangan cocok",
        "old card or certificate matched",
    ),
    (
        "kk_wajah",
        "Kartu Keluarga dan wajah cocok",
        "family card and face matched",
    ),
    (
        "surat_kuasa",
        "surat kuasa dan KTP penerima diperiksa",
        "power of attorney and the receiver's card checked",
    ),
];

/// Hand-over in two steps. The print page's form finds the card by NIK and answers a
/// confirmation page with the owner's name, NIK and photo box; there staff say who received
/// it and choose how identity was checked (no default), and only that form (`confirm=1`)
/// hands the card over. A mistyped NIK shows a stranger's name, not a done deed. A refusal
/// answers the step it came from again, with what was typed kept.
pub(crate) async fn handover(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    Form(f): Form<HandoverForm>,
) -> Response {
    let nik = f.nik.trim().to_string();
    let kept = [("nik", f.nik.as_str())];
    let find_refused = |why: Refusal| {
        refused_form(
            &st,
            &headers,
            &sess,
            FormPage::Print,
            "form-handover",
            &kept,
            why,
        )
    };
    if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
        return find_refused(Refusal::invalid(
            "NIK harus 16 angka",
            "The NIK must be 16 digits",
        ))
        .await;
    }
    let key = nik.clone();
    let see = media::may_see(&sess);
    let found = st
        .pool
        .run(move |s| {
            let Some(facts) = s.resident_facts(&key)? else {
                return Ok(None);
            };
            // The printed recording's photo, so staff see whose card it is.
            let printed = s
                .records_by_nik(&key)?
                .into_iter()
                .find(|r| r.state == RecordState::Printed);
            let photo = match printed {
                Some(r) => {
                    let info = s.media_list(&r.recording_id)?;
                    Some(media::slot_view(
                        &r.recording_id,
                        cetak_domain::media::MediaSlot::Foto,
                        &info,
                        "handover",
                        see,
                        "confirm-photo",
                    ))
                }
                None => None,
            };
            Ok(Some((facts, photo)))
        })
        .await;
    let (facts, photo) = match found {
        Ok(Some((f, p))) => (Some(f), p),
        Ok(None) => (None, None),
        Err(e) => return find_refused(store_refusal(e)).await,
    };
    let Some(facts) = facts.filter(|f| f.state == RecordState::Printed) else {
        return find_refused(Refusal::invalid(
            "Tidak ada KTP-el tercetak yang menunggu untuk NIK ini; periksa NIK",
            "No printed card is waiting for this NIK; check the NIK",
        ))
        .await;
    };
    let to = f.to.trim().to_string();
    let confirm_page = |why: Option<Refusal>| {
        let extra = match &why {
            Some(why) => refusal_ctx("/print", "form-handover-confirm", &[], why),
            None => context! {},
        };
        let page = render(
            &st,
            "handover_confirm.html",
            &headers,
            &LangQuery::default(),
            Some(&sess),
            context! {
                nik => nik.clone(), nama => facts.nama.clone(), to => to.clone(),
                photo => ser(&photo),
                id_check => f.id_check.clone(), id_checks => ID_CHECKS.to_vec(),
                ..extra
            },
        );
        match why {
            Some(why) => refused_page(page, &why),
            None => page.into_response(),
        }
    };
    if f.confirm != "1" {
        return confirm_page(None);
    }
    if to.is_empty() {
        return confirm_page(Some(Refusal::invalid(
            "Isi nama penerima KTP-el. Belum diserahkan.",
            "Say who received the card. Not handed over yet.",
        )));
    }
    let Some(&(_, check_id, check_en)) = ID_CHECKS.iter().find(|c| c.0 == f.id_check) else {
        return confirm_page(Some(Refusal::invalid(
            "Pilih cara pemeriksaan identitas. Belum diserahkan.",
            "Choose how identity was checked. Not handed over yet.",
        )));
    };
    let a = actor(&sess);
    let (n, t) = (nik.clone(), to.clone());
    match st
        .pool
        .run(move |s| s.handover(&n, &t, check_id, &a, office(s)))
        .await
    {
        Ok(_) => flash_back(
            &st,
            "/print",
            &format!(
                "KTP-el {} (NIK {nik}) diserahkan kepada {to}; identitas: {check_id}.",
                facts.nama
            ),
            &format!(
                "The card of {} (NIK {nik}) was handed over to {to}; identity: {check_en}.",
                facts.nama
            ),
        ),
        Err(e) => confirm_page(Some(store_refusal(e))),
    }
}

// ---------------------------------------------------------------- review

pub(crate) async fn review_list(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    let page = page_no(q.page.as_deref());
    let data = st
        .pool
        .run(move |s| {
            let (pairs, total) = s.open_reviews_page((page - 1) * PER_PAGE, PER_PAGE as u32)?;
            let ids: Vec<&str> = pairs
                .iter()
                .flat_map(|p| [p.a.as_str(), p.b.as_str()])
                .collect();
            let names = s.record_names(&ids)?;
            let rows: Vec<_> = pairs
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "id": p.id, "a": p.a, "b": p.b, "probability": p.probability, "why": p.why,
                        "name_a": names.get(&p.a), "name_b": names.get(&p.b),
                    })
                })
                .collect();
            Ok((rows, total))
        })
        .await;
    match data {
        Ok((pairs, total)) => render(
            &st,
            "review_list.html",
            &headers,
            &q,
            Some(&sess),
            context! { pairs => ser(&pairs), total => total, pager => ser(&pager("page", page, Some(total), false)) },
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
    match review_view(&st, &headers, &q, &sess, id, context! {}).await {
        Ok(Some(p)) => p.into_response(),
        Ok(None) => not_found().await,
        Err(e) => store_error(e),
    }
}

/// One pair's page (`None`: no such pair), with `extra` in its context.
async fn review_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    id: i64,
    extra: minijinja::Value,
) -> Result<Option<Page>, StoreError> {
    let see = media::may_see(sess);
    let data = st
        .pool
        .run(move |s| {
            let Some((pair, decided_at)) = s.pair_for_view(id)? else {
                return Ok(None);
            };
            let a = s.record_fields(&pair.a)?;
            let b = s.record_fields(&pair.b)?;
            let rows: Vec<_> = a
                .iter()
                .zip(b.iter())
                .map(|((name, va), (_, vb))| serde_json::json!({ "field": name, "a": va, "b": vb, "same": va == vb }))
                .collect();
            let token = media::token_for("review", &id.to_string());
            let sides: Vec<_> = [("a", &pair.a), ("b", &pair.b)]
                .into_iter()
                .map(|(side, rid)| {
                    Ok(serde_json::json!({
                        "side": side,
                        "recording_id": rid,
                        "slots": media::slots_view(rid, &s.media_list(rid)?, &token, see, &format!("media-{side}")),
                    }))
                })
                .collect::<Result<_, StoreError>>()?;
            Ok(Some((pair, rows, decided_at, sides)))
        })
        .await?;
    Ok(data.map(|(pair, rows, decided_at, sides)| {
        render(
            st,
            "review_show.html",
            headers,
            q,
            Some(sess),
            context! { pair => ser(&pair), rows => ser(&rows), decided_at => decided_at, media => ser(&sides), ..extra },
        )
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecideForm {
    /// `same` or `different`: chosen, no default (a form sent without choosing has no field).
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn review_decide(
    State(st): S,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Extension(sess): Extension<Session>,
    Form(f): Form<DecideForm>,
) -> Response {
    match decide(&st, &sess, id, &f).await {
        Ok(r) => r,
        Err(why) => {
            let kept = [
                ("decision", f.decision.as_str()),
                ("reason", f.reason.as_str()),
            ];
            refused_form(
                &st,
                &headers,
                &sess,
                FormPage::Review(id),
                "form-decide",
                &kept,
                why,
            )
            .await
        }
    }
}

async fn decide(
    st: &AppState,
    sess: &Session,
    id: i64,
    f: &DecideForm,
) -> Result<Response, Refusal> {
    let same = chosen_decision(
        &f.decision,
        &f.reason,
        (
            "Pilih keputusan: orang yang sama atau orang berbeda. Tidak ada yang diputuskan.",
            "Choose a decision: same person or different people. Nothing was decided.",
        ),
    )?;
    let a = actor(sess);
    let reason = f.reason.clone();
    st.pool
        .run(move |s| s.decide_pair(id, same, &reason, &a, office(s)))
        .await
        .map_err(store_refusal)?;
    apply_decisions(st).await;
    let (what_id, what_en) = decision_words(same);
    Ok(flash_back(
        st,
        "/review",
        &format!("Pasangan {id} diputuskan: {what_id}. Keputusan dapat dilihat di /review/{id}."),
        &format!("Pair {id} decided: {what_en}. The decision stays viewable at /review/{id}."),
    ))
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
    match correct_view(&st, &headers, &q, &sess, id, context! {}).await {
        Ok(p) => p.into_response(),
        Err(e) => store_error(e),
    }
}

/// One recording's correction page (the worklist, saying so, for an id that is not there),
/// with `extra` in its context.
async fn correct_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    id: String,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let wanted = id.clone();
    let see = media::may_see(sess);
    let data = st
        .pool
        .run(move |s| match s.correction_view(&id) {
            Ok(v) => {
                let token = media::token_for("correct", &id);
                let slots = media::slots_view(&id, &s.media_list(&id)?, &token, see, "media");
                Ok(Ok((v, slots)))
            }
            Err(StoreError::NoSuchRecord(_)) => Ok(Err(s.correction_list(false, 500)?)),
            Err(e) => Err(e),
        })
        .await?;
    Ok(match data {
        Ok((v, slots)) => render(
            st,
            "correct_show.html",
            headers,
            q,
            Some(sess),
            context! { v => ser(&v), media => ser(&slots), ..extra },
        ),
        Err(items) => render(
            st,
            "correct_list.html",
            headers,
            q,
            Some(sess),
            context! { items => ser(&items), missing => wanted, ..extra },
        ),
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct CorrectForm {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn correct_set(
    State(st): S,
    headers: HeaderMap,
    Path(id): Path<String>,
    Extension(sess): Extension<Session>,
    Form(f): Form<CorrectForm>,
) -> Response {
    let to = format!("/correct/{id}");
    let done = (
        format!("Perbaikan {id} dicatat; perekaman diperiksa ulang."),
        format!("Correction of {id} recorded; the recording is checked again."),
    );
    let (rid, field, value, reason) = (
        id.clone(),
        f.field.clone(),
        f.value.clone(),
        f.reason.clone(),
    );
    match change_then_back(&st, &sess, &to, done, move |s, a| {
        s.correct_field(&rid, &field, &value, &reason, a, office(s))
    })
    .await
    {
        Ok(r) => r,
        Err(why) => {
            let kept = [
                ("field", f.field.as_str()),
                ("value", f.value.as_str()),
                ("reason", f.reason.as_str()),
            ];
            refused_form(
                &st,
                &headers,
                &sess,
                FormPage::Correct(id),
                "correct",
                &kept,
                why,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- stock, audit, users

pub(crate) async fn stock_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    match stock_view(&st, &headers, &q, &sess, context! {}).await {
        Ok(p) => p.into_response(),
        Err(e) => store_error(e),
    }
}

/// The stock page, with `extra` in its context.
async fn stock_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let page = page_no(q.page.as_deref());
    let (r, receipts) = st
        .pool
        .run(|s| Ok((s.stock_reconcile()?, s.stock_receipts()?)))
        .await?;
    let n = now().to_offset(schedule::OFFICE_OFFSET);
    let month = format!("{:04}-{:02}", n.year(), u8::from(n.month()));
    let total = receipts.len() as u64;
    // The newest batches first, a page at a time.
    let receipts: Vec<_> = receipts
        .into_iter()
        .rev()
        .skip(((page - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .collect();
    Ok(render(
        st,
        "stock.html",
        headers,
        q,
        Some(sess),
        context! {
            r => ser(&r), receipts => ser(&receipts), month => month,
            pager => ser(&pager("page", page, Some(total), false)),
            ..extra
        },
    ))
}

pub(crate) async fn stock_api(State(st): S) -> Response {
    match st.pool.run(|s| s.stock_reconcile()).await {
        Ok(r) => Json(r).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReceiveForm {
    #[serde(default)]
    first: String,
    #[serde(default)]
    last: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    date: String,
}

pub(crate) async fn stock_receive(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    Form(f): Form<ReceiveForm>,
) -> Response {
    match receive(&st, &sess, &f).await {
        Ok(r) => r,
        Err(why) => {
            let kept = [
                ("first", f.first.as_str()),
                ("last", f.last.as_str()),
                ("date", f.date.as_str()),
                ("reference", f.reference.as_str()),
            ];
            refused_form(
                &st,
                &headers,
                &sess,
                FormPage::Stock,
                "form-receive",
                &kept,
                why,
            )
            .await
        }
    }
}

async fn receive(st: &AppState, sess: &Session, f: &ReceiveForm) -> Result<Response, Refusal> {
    let (Ok(first), Ok(last)) = (f.first.trim().parse::<i64>(), f.last.trim().parse::<i64>())
    else {
        return Err(Refusal::invalid(
            "Nomor seri pertama dan terakhir harus angka",
            "The first and last serial must be numbers",
        ));
    };
    let date = f.date.trim().to_string();
    if time::Date::parse(
        &date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_err()
    {
        return Err(Refusal::invalid(
            "Isi tanggal penerimaan",
            "Give the date the blanks were received",
        ));
    }
    let reference = f.reference.trim().to_string();
    if reference.is_empty() {
        return Err(Refusal::invalid(
            "Isi referensi (nomor surat jalan)",
            "Give the reference (delivery note number)",
        ));
    }
    let count = last.saturating_sub(first).saturating_add(1).max(0);
    let done = (
        format!(
            "{} blangko diterima (seri {} sampai {}).",
            fmt::int(count, false),
            first,
            last
        ),
        format!(
            "{} blanks received (serials {} to {}).",
            fmt::int(count, true),
            first,
            last
        ),
    );
    change_then_back(st, sess, "/stock", done, move |s, a| {
        let range = SerialRange { first, last };
        s.stock_receive(range, &date, &reference, a, office(s))
    })
    .await
}

pub(crate) async fn stock_report(State(st): S, Query(q): Query<LangQuery>) -> Response {
    let month = q.month.unwrap_or_default();
    match st.pool.run(move |s| s.monthly_report(&month)).await {
        Ok(r) => {
            // The same table as `cetak report monthly` writes.
            let csv = r.csv();
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
    let page = page_no(q.page.as_deref());
    let data = st
        .pool
        .run(move |s| {
            let v = s.audit_verify(None)?;
            let verdict = match v {
                Ok(r) => serde_json::json!({ "ok": true, "entries": r.entries, "head": r.head }),
                Err(b) => serde_json::json!({ "ok": false, "error": b.to_string() }),
            };
            let (total, _) = s.audit_head()?;
            Ok((
                verdict,
                s.audit_page((page - 1) * PER_PAGE, PER_PAGE as u32)?,
                total,
            ))
        })
        .await;
    match data {
        Ok((verdict, entries, total)) => render(
            &st,
            "audit.html",
            &headers,
            &q,
            Some(&sess),
            context! {
                verdict => ser(&verdict), entries => ser(&entries),
                pager => ser(&pager("page", page, Some(total), false)),
            },
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
    match users_view(&st, &headers, &q, &sess, context! {}).await {
        Ok(p) => p.into_response(),
        Err(e) => store_error(e),
    }
}

/// The users page, with `extra` in its context.
async fn users_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let page = page_no(q.page.as_deref());
    let users = st.pool.run(|s| s.users()).await?;
    let total = users.len() as u64;
    let users: Vec<_> = users
        .into_iter()
        .skip(((page - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .collect();
    Ok(render(
        st,
        "users.html",
        headers,
        q,
        Some(sess),
        context! {
            users => ser(&users), roles => Role::ALL.map(|r| r.as_str()).to_vec(),
            pager => ser(&pager("page", page, Some(total), false)),
            ..extra
        },
    ))
}

/// A password the policy refuses.
fn weak_password(e: crate::password::PasswordError) -> Refusal {
    let (id, en) = split_message(&e.to_string());
    Refusal::invalid(id, en)
}

async fn hash(password: String) -> Result<String, Refusal> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
        .map_err(|e| {
            tracing::error!("hashing a password: {e}");
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Kata sandi tidak bisa diproses",
                "The password could not be processed",
            )
        })
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// A role's words (Indonesian, English).
fn role_words(role: Role) -> (&'static str, &'static str) {
    words::label(role.as_str()).unwrap_or((role.as_str(), role.as_str()))
}

fn bad_role() -> Refusal {
    Refusal::invalid(
        "Pilih peran: petugas, penyelia atau pengelola",
        "Choose a role: operator, supervisor or admin",
    )
}

/// A users-page action refused: the users page again, the reason above, what was typed
/// (never a password) kept in form `form`.
async fn users_refused(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    form: &str,
    kept: &[(&str, &str)],
    why: Refusal,
) -> Response {
    refused_form(st, headers, sess, FormPage::Users, form, kept, why).await
}

pub(crate) async fn users_create(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    Form(f): Form<UserForm>,
) -> Response {
    match user_create(&st, &headers, &sess, &f).await {
        Ok(r) => r,
        Err(why) => {
            let kept = [("name", f.name.as_str()), ("role", f.role.as_str())];
            users_refused(&st, &headers, &sess, "form-user-add", &kept, why).await
        }
    }
}

async fn user_create(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    f: &UserForm,
) -> Result<Response, Refusal> {
    let role = Role::parse(&f.role).ok_or_else(bad_role)?;
    let name = f.name.trim().to_string();
    crate::password::check(&name, &f.password).map_err(weak_password)?;
    let hash = hash(f.password.clone()).await?;
    let a = actor(sess);
    let n = name.clone();
    st.pool
        .run(move |s| s.user_add(&n, role, &hash, &a, office(s)))
        .await
        .map_err(store_refusal)?;
    Ok(done_page(
        st,
        headers,
        sess,
        &format!("Pengguna {name} dibuat ({}).", role_words(role).0),
        &format!("User {name} created ({}).", role.as_str()),
        "/users",
        None,
    ))
}

/// What an admin does to an account from the users page.
enum UserChange {
    Disable,
    Enable,
    SessionsEnd,
}

async fn user_change(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    name: String,
    change: UserChange,
) -> Response {
    let a = actor(sess);
    let n = name.clone();
    let result = st
        .pool
        .run(move |s| match change {
            UserChange::Disable => s.user_set_disabled(&n, true, &a, office(s)).map(|()| {
                (
                    format!("Pengguna {n} dinonaktifkan; semua sesinya diakhiri."),
                    format!("User {n} disabled; all their sessions ended."),
                )
            }),
            UserChange::Enable => s.user_set_disabled(&n, false, &a, office(s)).map(|()| {
                (
                    format!("Pengguna {n} diaktifkan kembali."),
                    format!("User {n} enabled again."),
                )
            }),
            UserChange::SessionsEnd => s.user_sessions_end(&n, &a, office(s)).map(|k| {
                (
                    format!("{k} sesi pengguna {n} diakhiri."),
                    format!("{k} sessions of user {n} ended."),
                )
            }),
        })
        .await;
    match result {
        Ok((id, en)) => done_page(st, headers, sess, &id, &en, "/users", None),
        Err(e) => {
            let row = format!("user-{name}");
            users_refused(st, headers, sess, &row, &[], store_refusal(e)).await
        }
    }
}

pub(crate) async fn user_disable(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
) -> Response {
    user_change(&st, &headers, &sess, name, UserChange::Disable).await
}

pub(crate) async fn user_enable(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
) -> Response {
    user_change(&st, &headers, &sess, name, UserChange::Enable).await
}

pub(crate) async fn user_sessions_end(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
) -> Response {
    user_change(&st, &headers, &sess, name, UserChange::SessionsEnd).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    role: String,
}

pub(crate) async fn user_role(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
    Form(f): Form<RoleForm>,
) -> Response {
    let result = match Role::parse(&f.role) {
        None => Err(bad_role()),
        Some(role) => {
            let a = actor(&sess);
            let n = name.clone();
            st.pool
                .run(move |s| s.user_set_role(&n, role, &a, office(s)))
                .await
                .map(|()| role)
                .map_err(store_refusal)
        }
    };
    match result {
        Ok(role) => done_page(
            &st,
            &headers,
            &sess,
            &format!("Peran {name} sekarang {}.", role_words(role).0),
            &format!("{name} is now {}.", role.as_str()),
            "/users",
            None,
        ),
        Err(why) => {
            let form = format!("form-role-{name}");
            let kept = [("role", f.role.as_str())];
            users_refused(&st, &headers, &sess, &form, &kept, why).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResetForm {
    /// Empty: make a random one and show it once.
    #[serde(default)]
    password: String,
}

pub(crate) async fn user_password_reset(
    State(st): S,
    headers: HeaderMap,
    Path(name): Path<String>,
    Extension(sess): Extension<Session>,
    Form(f): Form<ResetForm>,
) -> Response {
    match password_reset(&st, &headers, &sess, &name, f).await {
        Ok(r) => r,
        Err(why) => {
            // The password typed is not shown again.
            let form = format!("form-reset-{name}");
            users_refused(&st, &headers, &sess, &form, &[], why).await
        }
    }
}

async fn password_reset(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    name: &str,
    f: ResetForm,
) -> Result<Response, Refusal> {
    let (password, generated) = if f.password.trim().is_empty() {
        (auth::random_password_for(name), true)
    } else {
        (f.password, false)
    };
    crate::password::check(name, &password).map_err(weak_password)?;
    let hash = hash(password.clone()).await?;
    let a = actor(sess);
    let n = name.to_string();
    st.pool
        .run(move |s| s.user_set_password(&n, &hash, None, false, &a, office(s)))
        .await
        .map_err(store_refusal)?;
    Ok(done_page(
        st,
        headers,
        sess,
        &if generated {
            format!(
                "Kata sandi {name} diganti; semua sesinya diakhiri. Kata sandi baru (catat sekarang, tidak ditampilkan lagi):"
            )
        } else {
            format!("Kata sandi {name} diganti; semua sesinya diakhiri.")
        },
        &if generated {
            format!(
                "{name}'s password was reset; all their sessions ended. The new password (note it now, it is not shown again):"
            )
        } else {
            format!("{name}'s password was reset; all their sessions ended.")
        },
        "/users",
        generated.then_some(password.as_str()),
    ))
}

pub(crate) async fn account_page(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    render(&st, "account.html", &headers, &q, Some(&sess), context! {}).into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct OwnPasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub(crate) async fn account_password(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    req: Request,
) -> Response {
    let ip = auth::client_ip(&req);
    let f = match Form::<OwnPasswordForm>::from_request_parts_and_body(req).await {
        Ok(Form(f)) => Ok(f),
        Err(_) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "Formulir tidak lengkap",
            "The form is incomplete",
        )),
    };
    let result = match f {
        Ok(f) => own_password(&st, &headers, &sess, ip, f).await,
        Err(why) => Err(why),
    };
    match result {
        Ok(r) => r,
        // Nothing typed here is shown again: every field is a password.
        Err(why) => {
            refused_form(
                &st,
                &headers,
                &sess,
                FormPage::Account,
                "form-password",
                &[],
                why,
            )
            .await
        }
    }
}

async fn own_password(
    st: &AppState,
    headers: &HeaderMap,
    sess: &Session,
    ip: std::net::IpAddr,
    f: OwnPasswordForm,
) -> Result<Response, Refusal> {
    let name = sess.0.user.name.clone();
    // The current password is guessed like a login: the same throttle.
    let wait = st.login_throttle.wait(&name, ip, std::time::Instant::now());
    if !wait.is_zero() {
        let mut why = Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Terlalu banyak percobaan yang salah; coba lagi nanti",
            "Too many wrong attempts; try again later",
        );
        why.retry_after = Some(wait.as_secs() + 1);
        return Err(why);
    }
    let stored = sess.0.user.password_hash.clone();
    let current = f.current.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&stored, &current))
        .await
        .unwrap_or(false);
    if !ok {
        st.login_throttle
            .failed(&name, ip, std::time::Instant::now());
        return Err(Refusal::invalid(
            "Kata sandi sekarang salah",
            "The current password is wrong",
        ));
    }
    if f.password != f.password2 {
        return Err(Refusal::invalid(
            "Kedua kata sandi baru tidak sama",
            "The two new passwords differ",
        ));
    }
    crate::password::check(&name, &f.password).map_err(weak_password)?;
    let hash = hash(f.password).await?;
    let keep = auth::cookie(headers, SESSION_COOKIE).map(auth::token_hash);
    let a = actor(sess);
    let ended = st
        .pool
        .run(move |s| s.user_set_password(&name, &hash, keep.as_ref(), true, &a, office(s)))
        .await
        .map_err(store_refusal)?;
    Ok(done_page(
        st,
        headers,
        sess,
        &format!("Kata sandi Anda diganti; {ended} sesi lain diakhiri."),
        &format!("Your password was changed; {ended} other sessions ended."),
        "/",
        None,
    ))
}

/// Pairs shown per group on the groups page, to look at before deciding the group.
const GROUP_SAMPLE: usize = 5;

/// Open review pairs grouped by evidence pattern (issue 12): each group with its levels in
/// words, a sample of pairs with names, and one decision for the whole group.
pub(crate) async fn review_groups(
    State(st): S,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Extension(sess): Extension<Session>,
) -> Response {
    match review_groups_view(&st, &headers, &q, &sess, context! {}).await {
        Ok(page) => page.into_response(),
        Err(e) => store_error(e),
    }
}

async fn review_groups_view(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    sess: &Session,
    extra: minijinja::Value,
) -> Result<Page, StoreError> {
    let page = page_no(q.page.as_deref());
    let (groups, total) = st
        .pool
        .run(move |s| {
            let groups = s.dedup_pair_groups(GROUP_SAMPLE)?;
            let total = groups.len() as u64;
            let ids: Vec<&str> = groups
                .iter()
                .flat_map(|g| &g.sample)
                .flat_map(|p| [p.a.as_str(), p.b.as_str()])
                .collect();
            let names = s.record_names(&ids)?;
            let shown: Vec<_> = groups
                .iter()
                .enumerate()
                .skip(((page - 1) * PER_PAGE) as usize)
                .take(PER_PAGE as usize)
                .map(|(i, g)| {
                    let levels: Vec<_> = g
                        .pattern
                        .split(" | ")
                        .next()
                        .unwrap_or("")
                        .split(' ')
                        .filter_map(|fl| fl.split_once('='))
                        .map(|(f, l)| serde_json::json!({ "field": f, "level": l }))
                        .collect();
                    let sample: Vec<_> = g
                        .sample
                        .iter()
                        .map(|p| {
                            serde_json::json!({
                                "id": p.id, "a": p.a, "b": p.b, "probability": p.probability,
                                "name_a": names.get(&p.a), "name_b": names.get(&p.b),
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "number": i + 1, "pattern": g.pattern, "why": g.why, "pairs": g.pairs,
                        "min": g.min_probability, "max": g.max_probability,
                        "levels": levels, "sample": sample,
                    })
                })
                .collect();
            Ok((shown, total))
        })
        .await?;
    Ok(render(
        st,
        "review_groups.html",
        headers,
        q,
        Some(sess),
        context! {
            groups => ser(&groups), total => total,
            pager => ser(&pager("page", page, Some(total), false)),
            ..extra
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct GroupDecideForm {
    /// The group's evidence pattern, as the page showed it.
    #[serde(default)]
    pattern: String,
    /// How many pairs the group had when the supervisor looked: a group that changed since
    /// is not decided blind.
    #[serde(default)]
    expect_pairs: String,
    /// The group's number on the page (which form to put the input back into).
    #[serde(default)]
    group: String,
    /// `same` or `different`: chosen, no default.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn review_group_decide(
    State(st): S,
    headers: HeaderMap,
    Extension(sess): Extension<Session>,
    Form(f): Form<GroupDecideForm>,
) -> Response {
    match decide_group(&st, &sess, &f).await {
        Ok(r) => r,
        Err(why) => {
            let form = format!("form-group-{}", f.group.trim());
            let kept = [
                ("decision", f.decision.as_str()),
                ("reason", f.reason.as_str()),
            ];
            refused_form(
                &st,
                &headers,
                &sess,
                FormPage::ReviewGroups,
                &form,
                &kept,
                why,
            )
            .await
        }
    }
}

async fn decide_group(
    st: &AppState,
    sess: &Session,
    f: &GroupDecideForm,
) -> Result<Response, Refusal> {
    let same = chosen_decision(
        &f.decision,
        &f.reason,
        (
            "Pilih keputusan untuk kelompok: orang yang sama atau orang berbeda. Tidak ada yang diputuskan.",
            "Choose a decision for the group: same person or different people. Nothing was decided.",
        ),
    )?;
    let expected: u64 = f.expect_pairs.trim().parse().map_err(|_| {
        Refusal::invalid(
            "Jumlah pasangan kelompok tidak terbaca. Tidak ada yang diputuskan.",
            "The group's pair count could not be read. Nothing was decided.",
        )
    })?;
    let pattern = f.pattern.clone();
    let now = {
        let pattern = pattern.clone();
        st.pool
            .run(move |s| {
                Ok(s.dedup_pair_groups(0)?
                    .into_iter()
                    .find(|g| g.pattern == pattern)
                    .map(|g| g.pairs))
            })
            .await
            .map_err(store_refusal)?
    };
    match now {
        None => {
            return Err(Refusal::new(
                StatusCode::CONFLICT,
                "Kelompok ini tidak ada lagi (sudah diputuskan atau pencarian data ganda berjalan lagi). Tidak ada yang diputuskan.",
                "This group is gone (decided, or data ganda ran again). Nothing was decided.",
            ));
        }
        Some(n) if n != expected => {
            return Err(Refusal::new(
                StatusCode::CONFLICT,
                format!(
                    "Kelompok ini sekarang berisi {n} pasangan, bukan {expected} seperti yang Anda lihat. Periksa lagi; tidak ada yang diputuskan."
                ),
                format!(
                    "This group now holds {n} pairs, not the {expected} you saw. Look again; nothing was decided."
                ),
            ));
        }
        Some(_) => {}
    }
    let a = actor(sess);
    let reason = f.reason.clone();
    let decided = st
        .pool
        .run(move |s| s.decide_pair_group(&pattern, same, &reason, &a, office(s)))
        .await
        .map_err(store_refusal)?;
    apply_decisions(st).await;
    let (what_id, what_en) = decision_words(same);
    Ok(flash_back(
        st,
        "/review/groups",
        &format!("{decided} pasangan diputuskan sekaligus: {what_id}."),
        &format!("{decided} pairs decided at once: {what_en}."),
    ))
}

/// A supervisor's choice from a decision form: `same` or `different` (no default) and a
/// reason; `unchosen` is the refusal when nothing was chosen.
fn chosen_decision(
    decision: &str,
    reason: &str,
    unchosen: (&'static str, &'static str),
) -> Result<bool, Refusal> {
    let same = match decision {
        "same" => true,
        "different" => false,
        _ => return Err(Refusal::invalid(unchosen.0, unchosen.1)),
    };
    if reason.trim().is_empty() {
        return Err(Refusal::invalid(
            "Keputusan perlu alasan. Tidak ada yang diputuskan.",
            "A decision needs a reason. Nothing was decided.",
        ));
    }
    Ok(same)
}

/// Apply recorded decisions now (as `cetak review decide` does): the pairs' recordings become
/// unique, duplicates or stay apart for good.
async fn apply_decisions(st: &AppState) {
    if let Some(runner) = st.dedup_runner.clone() {
        match tokio::task::spawn_blocking(move || runner()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!("applying a decision: {e}"),
            Err(e) => tracing::error!("applying a decision: {e}"),
        }
    }
}

/// A decision in words, for the confirmation.
fn decision_words(same: bool) -> (&'static str, &'static str) {
    if same {
        ("orang yang sama", "same person")
    } else {
        ("orang berbeda", "different people")
    }
}
