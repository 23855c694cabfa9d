//! Passwords (argon2id), sessions (random token in an HttpOnly, SameSite=Strict cookie; only its
//! hash is stored), CSRF tokens on every state-changing request, and the one guard that checks
//! every route against the permission table.

use std::net::SocketAddr;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use cetak_domain::access::{Permission, allows};
use cetak_store::SessionRow;
use rand::RngCore;
use time::{Duration, OffsetDateTime};

use crate::error::page_error;
use crate::state::AppState;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in user whose role has the permission.
    Signed(Permission),
}

/// What [`guard`] enforces for one route (from its entry in `routes::ROUTES`).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Who may use the route.
    pub access: Access,
    /// The largest body it accepts (the CSRF field of a form is read within it).
    pub body_limit: usize,
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cetak_session";
/// The pre-login CSRF cookie's name.
pub const LOGIN_COOKIE: &str = "cetak_login";
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 10;
/// The largest request body accepted anywhere but the photo upload.
pub const MAX_BODY: usize = 64 * 1024;
/// The largest body of the photo and signature upload (`POST /correct/{id}/media`). Far above
/// the largest file kept ([`cetak_media::PHOTO_MAX_BYTES`], 2 MiB): a phone's 5 MiB photo is
/// read and refused by the check, with the slot and the reason kept on the page; only a body
/// beyond this is refused unread.
pub const MAX_UPLOAD: usize = 16 * 1024 * 1024;

/// Hash a password with argon2id (a PHC string with its own salt).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Check a password against a stored hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A fresh random token (hex).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A new random password (three groups of five hex digits) that passes the password policy
/// for account `name`; shown once to whoever set it.
pub fn random_password_for(name: &str) -> String {
    loop {
        let t = random_token();
        let p = format!("{}-{}-{}", &t[..5], &t[5..10], &t[10..15]);
        if crate::password::check(name, &p).is_ok() {
            return p;
        }
    }
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

/// A cookie value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure behind TLS.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The client's address (for rate limits).
pub fn client_ip(req: &Request) -> std::net::IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// The logged-in user of a request (put there by [`guard`]).
#[derive(Clone)]
pub struct Session(pub SessionRow);

fn wants_json(req: &Request) -> bool {
    req.uri().path().starts_with("/api/")
}

/// A page's form post (not the API).
fn req_is_page(parts: &axum::http::request::Parts) -> bool {
    !parts.uri.path().starts_with("/api/")
}

/// The refusal in Indonesian, for the API's `error_id` (the English is `message`).
fn deny_id(status: StatusCode, message: &str) -> &'static str {
    match (status, message) {
        (StatusCode::UNAUTHORIZED, "login required") => "perlu masuk (login)",
        (StatusCode::UNAUTHORIZED, _) => "sesi kedaluwarsa atau sudah diakhiri",
        (StatusCode::FORBIDDEN, "missing or wrong CSRF token") => "token CSRF tidak ada atau salah",
        (StatusCode::FORBIDDEN, _) => "peran Anda tidak boleh melakukan ini",
        _ => "basis data kantor sedang sibuk; coba lagi sebentar lagi",
    }
}

fn deny(req: &Request, status: StatusCode, message: &str) -> Response {
    if wants_json(req) {
        (
            status,
            axum::Json(crate::views::ErrorAnswer {
                error: message.to_string(),
                error_id: deny_id(status, message).to_string(),
                status: status.as_u16(),
            }),
        )
            .into_response()
    } else if status == StatusCode::UNAUTHORIZED {
        let next = req.uri().path();
        let target = if next.starts_with('/') && !next.starts_with("//") {
            format!("/login?next={}", urlencode(next))
        } else {
            "/login".into()
        };
        Redirect::to(&target).into_response()
    } else if status == StatusCode::FORBIDDEN {
        page_error(
            status,
            "Peran Anda tidak boleh melakukan ini, atau formulir kedaluwarsa (muat ulang halaman)",
            &format!("Not allowed: {message} (reload the page if the form expired)"),
        )
    } else {
        page_error(
            status,
            "Basis data kantor sedang sibuk; coba lagi sebentar lagi",
            message,
        )
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The one access check, layered by the router on every route with that route's [`Rule`]
/// (its entry in `routes::ROUTES`; HEAD goes through its GET route's). Signed-in routes need a
/// live session with the permission; every non-GET request of a session needs its CSRF token
/// (form field `csrf` or header `X-CSRF-Token`).
pub async fn guard(
    State((state, rule)): State<(Arc<AppState>, Rule)>,
    req: Request,
    next: Next,
) -> Response {
    let Access::Signed(permission) = rule.access else {
        return next.run(req).await;
    };
    let Some(token) = cookie(req.headers(), SESSION_COOKIE).map(str::to_string) else {
        return deny(&req, StatusCode::UNAUTHORIZED, "login required");
    };
    let hash = token_hash(&token);
    let now = OffsetDateTime::now_utc();
    let session = state.pool.run(move |s| s.session_get(&hash, now)).await;
    let session = match session {
        Ok(Some(s)) => s,
        Ok(None) => return deny(&req, StatusCode::UNAUTHORIZED, "session expired or ended"),
        Err(e) => {
            tracing::error!("session check: {e}");
            return deny(
                &req,
                StatusCode::SERVICE_UNAVAILABLE,
                "the office database is busy; try again in a moment",
            );
        }
    };
    if !allows(session.user.role, permission) {
        return deny(&req, StatusCode::FORBIDDEN, "your role may not do this");
    }
    let mut req = req;
    // A form whose token is stale (the session was renewed in another tab, the page stood
    // open overnight): what was typed, to be shown and sent again — never a password.
    let mut stale_form: Option<crate::error::Resend> = None;
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let header_token = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let ok = match header_token {
            Some(t) => constant_eq(&t, &session.csrf),
            None => {
                // Forms: read the (small) body, find `csrf`, and hand the body on unchanged.
                let (parts, body) = req.into_parts();
                let bytes = match to_bytes(body, rule.body_limit).await {
                    Ok(b) => b,
                    Err(_) => {
                        let (id, en) = crate::error::too_large_words(parts.uri.path(), MAX_UPLOAD);
                        return page_error(StatusCode::PAYLOAD_TOO_LARGE, &id, &en);
                    }
                };
                let multipart = multipart_boundary(&parts.headers);
                let found = match &multipart {
                    Some(boundary) => {
                        multipart_field(bytes.clone(), boundary.clone(), "csrf").await
                    }
                    None => form_field(&bytes, "csrf"),
                };
                let ok = found.is_some_and(|t| constant_eq(&t, &session.csrf));
                if !ok && multipart.is_none() && req_is_page(&parts) {
                    stale_form = Some(crate::error::Resend {
                        action: parts.uri.path().to_string(),
                        fields: form_urlencoded::parse(&bytes)
                            .filter(|(k, _)| k != "csrf" && !k.contains("password"))
                            .take(64)
                            .map(|(k, v)| (k.into_owned(), v.chars().take(4000).collect()))
                            .collect(),
                    });
                }
                req = Request::from_parts(parts, Body::from(bytes));
                ok
            }
        };
        if !ok {
            if let Some(resend) = stale_form {
                let mut resp = page_error(
                    StatusCode::FORBIDDEN,
                    "Formulir ini sudah kedaluwarsa (halaman terbuka terlalu lama, atau sesi diperbarui); belum ada yang diubah. Periksa isian di bawah, lalu kirim ulang",
                    "This form had expired (the page was open too long, or the session was renewed); nothing was changed yet. Check what you typed below, then send it again",
                );
                if let Some(e) = resp.extensions_mut().get_mut::<crate::error::PageError>() {
                    e.resend = Some(resend);
                }
                resp.extensions_mut().insert(Session(session));
                return resp;
            }
            return deny(&req, StatusCode::FORBIDDEN, "missing or wrong CSRF token");
        }
    }
    let session = Session(session);
    req.extensions_mut().insert(session.clone());
    let mut resp = next.run(req).await;
    // For the error page the outer layer may render: it shows the signed-in navigation.
    resp.extensions_mut().insert(session);
    resp
}

/// A field of an `application/x-www-form-urlencoded` body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The boundary of a `multipart/form-data` request (the upload form), if it is one.
fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(ct).ok()
}

/// A short text field of a `multipart/form-data` body (the CSRF token), read from the buffered
/// body; files are skipped, and a field longer than a token is not one.
async fn multipart_field(body: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut m = multer::Multipart::with_constraints(
        stream,
        boundary,
        multer::Constraints::new().size_limit(multer::SizeLimit::new().for_field(name, 256)),
    );
    while let Ok(Some(field)) = m.next_field().await {
        if field.name() == Some(name) && field.file_name().is_none() {
            return field.text().await.ok();
        }
    }
    None
}

/// Compare secrets without leaking where they differ.
pub fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Start a session for a user: the cookie to set and the session's CSRF token.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<(String, String), String> {
    let token = random_token();
    let csrf = random_token();
    let hash = token_hash(&token);
    let now = OffsetDateTime::now_utc();
    let csrf2 = csrf.clone();
    state
        .pool
        .run(move |s| {
            s.session_create(
                &hash,
                user_id,
                &csrf2,
                now,
                now + Duration::hours(SESSION_HOURS),
            )
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok((
        set_cookie(
            SESSION_COOKIE,
            &token,
            SESSION_HOURS * 3600,
            state.secure_cookies,
        ),
        csrf,
    ))
}
