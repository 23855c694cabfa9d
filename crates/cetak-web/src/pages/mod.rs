//! Handlers: server-rendered pages and the JSON API, one module per area; here what they
//! share — rendering within the layout (`render`, `Page`), the language, paging, the one-shot
//! confirmation after a redirect — and [`finish`], the outermost layer, which turns an error
//! answer ([`WebError`]) into a page: the refused form's own page again, or the layout's
//! error page (JSON on the API), and puts the security headers on every response.
//! Handlers answer `Answer<T>` (= `Result<T, WebError>`) and use `?`.

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
use minijinja::context;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::auth::{self, LOGIN_COOKIE, SESSION_COOKIE, Session};
use crate::error::{
    FormPage, PageError, Refusal, RefusedForm, WebError, page_error, split_message, store_refusal,
};
use crate::state::{AppState, LastRun};
use crate::{fmt, views, words};

type S = State<Arc<AppState>>;
/// What a handler answers: the page or data asked for, or why not ([`WebError`]).
type Answer<T = Response> = Result<T, WebError>;

pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod correct;
pub(crate) mod dashboard;
pub(crate) mod handover;
pub(crate) mod media;
pub(crate) mod print;
pub(crate) mod public;
pub(crate) mod resident;
pub(crate) mod review;
pub(crate) mod stock;

// The views a refused form is answered with (`refused_form`), and what one area uses of
// another (the print page shows the hand-over's identity checks; the groups page decides like
// the pair page), reached by every area through its `use super::*`.
use admin::*;
use correct::*;
use handover::*;
use print::*;
use public::*;
use review::*;
use stock::*;

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
fn pager(param: &str, page: u64, total: Option<u64>, more: bool) -> views::Pager {
    let pages = total.map(|t| t.div_ceil(PER_PAGE).max(1));
    let has_next = match pages {
        Some(n) => page < n,
        None => more,
    };
    views::Pager {
        page,
        pages,
        total,
        prev: (page > 1).then(|| format!("?{param}={}", page - 1)),
        next: has_next.then(|| format!("?{param}={}", page + 1)),
    }
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

pub(crate) struct Page {
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

/// Where "back" goes from an error: the page the browser came from (same site only, and a
/// page — not the address of a form's answer), else the section the request belongs to.
fn back_link(headers: &HeaderMap, path: &str, signed_in: bool, pages: &PagePaths) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let referer = headers.get(header::REFERER).and_then(|h| h.to_str().ok());
    if let (Some(host), Some(referer)) = (host, referer) {
        for scheme in ["http://", "https://"] {
            if let Some(p) = referer
                .strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix(host))
                .filter(|p| p.starts_with('/') && is_page(p, pages))
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

/// The paths of the declared `GET` routes (axum syntax), handed to [`finish`] by the router.
pub(crate) type PagePaths = Arc<[&'static str]>;

/// Whether `path` (a query allowed) is a page a browser can go back to: a declared `GET`
/// route. A refused form's answer stands at its POST's address, which is not one.
fn is_page(path: &str, pages: &PagePaths) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segs: Vec<&str> = path.split('/').collect();
    pages.iter().any(|p| {
        let pattern: Vec<&str> = p.split('/').collect();
        pattern.len() == segs.len()
            && pattern
                .iter()
                .zip(&segs)
                .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
    })
}

/// The outermost layer: error answers become pages within the layout (or JSON on the API),
/// and every response gets the security headers.
pub(crate) async fn finish(
    State((st, pages)): State<(Arc<AppState>, PagePaths)>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let mut resp = next.run(req).await;
    // A refused staff form: its own page again (the refusal on its own when that page
    // cannot be read, or nobody is signed in to read it).
    if let Some(refused) = resp.extensions_mut().remove::<RefusedForm>()
        && let Some(sess) = resp.extensions().get::<Session>().cloned()
    {
        resp = refused_form(&st, &headers, &sess, refused).await;
        resp.extensions_mut().insert(sess);
    }
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
            crate::error::too_large_words(&path, crate::auth::MAX_UPLOAD)
        } else {
            (
                "Isian formulir tidak lengkap atau tidak sah; tidak ada yang diubah. Periksa isian dan coba lagi".to_string(),
                "The form is incomplete or invalid; nothing was changed. Check it and try again".to_string(),
            )
        };
        resp = page_error(status, &id, &en);
        if let Some(s) = session {
            resp.extensions_mut().insert(s);
        }
    }
    if let Some(err) = resp.extensions().get::<PageError>().cloned() {
        let status = resp.status();
        let retry = resp.headers().get(header::RETRY_AFTER).cloned();
        let session = resp.extensions().get::<Session>().cloned();
        let mut page = if path.starts_with("/api/") {
            Json(views::ErrorAnswer {
                error: err.en,
                error_id: err.id,
                status: status.as_u16(),
            })
            .into_response()
        } else {
            let back = back_link(&headers, &path, session.is_some(), &pages);
            render(
                &st,
                "message.html",
                &headers,
                &LangQuery::default(),
                session.as_ref(),
                context! {
                    message_id => err.id, message_en => err.en, back => back, error => true,
                    resend => err.resend.map(|r| context! {
                        action => r.action,
                        fields => r.fields.into_iter().map(|(k, v)| vec![k, v]).collect::<Vec<_>>(),
                    }),
                },
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
    refused: RefusedForm,
) -> Response {
    let RefusedForm {
        on,
        form,
        kept,
        why,
    } = refused;
    let values: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let path = on.path();
    let extra = refusal_ctx(&path, &form, &values, &why);
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
            can_hand_over => allows(role, Permission::HandOver),
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
    st.pool.run(move |s| change(s, &a)).await?;
    Ok(flash_back(st, to, &done.0, &done.1))
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
