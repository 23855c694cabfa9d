//! Health, readiness, the style sheet, the OpenAPI document, login and logout.

use super::*;

pub(crate) async fn health() -> &'static str {
    "ok"
}

pub(crate) async fn ready(State(st): S) -> Response {
    match st.pool.run(|s| s.schema_version()).await {
        Ok(v) => Json(views::Ready {
            ready: true,
            schema_version: v,
        })
        .into_response(),
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
        include_str!("../../templates/app.css"),
    )
        .into_response()
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
pub(super) fn safe_next(next: Option<&str>) -> String {
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
        Err(e) => return WebError::from(e).into_response(),
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
pub(super) fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| auth::hash_password(&auth::random_token()).unwrap_or_default())
        .clone()
}

pub(crate) async fn logout(State(st): S, headers: HeaderMap) -> Answer {
    if let Some(token) = auth::cookie(&headers, SESSION_COOKIE) {
        let hash = auth::token_hash(token);
        st.pool.run(move |s| s.session_revoke(&hash, now())).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) =
        HeaderValue::from_str(&auth::set_cookie(SESSION_COOKIE, "", 0, st.secure_cookies))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}
