//! Hostile input against the office server, in process: each case gets a clear status, never a
//! server error, never a file's contents or unescaped markup, and leaves the database as it was
//! (audit entries, users and sessions counted before and after).

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use cetak_domain::access::Role;
use cetak_domain::lifecycle::Actor;
use cetak_domain::record::{EXAMPLE_ROW, col};
use cetak_print::schedule::PrinterProfile;
use common::{
    FORM, Fixture, Opts, PASSWORD, REC_A, Resp, Session, fixture, form, login, login_raw, request,
    send, user_of,
};

const SCRIPT: &str = "<script>alert(1)</script>";
const ATTR: &str = "\"'><img src=x onerror=alert(2)>";

fn admin() -> &'static str {
    user_of(Role::Admin)
}

async fn get(f: &Fixture, uri: &str, who: Option<&Session>, ip: [u8; 4]) -> Resp {
    let cookie = who.map(Session::cookie_header).unwrap_or_default();
    let headers: Vec<(&str, &str)> = if who.is_some() {
        vec![("cookie", &cookie)]
    } else {
        vec![]
    };
    send(
        &f.app,
        request(Method::GET, uri, ip, &headers, Body::empty()),
    )
    .await
}

/// POST a form as `who`; `csrf_header` goes in X-CSRF-Token when given.
async fn post_form(
    f: &Fixture,
    uri: &str,
    who: &Session,
    csrf_header: Option<&str>,
    body: impl Into<Body>,
    ip: [u8; 4],
) -> Resp {
    let cookie = who.cookie_header();
    let mut headers = vec![("cookie", cookie.as_str()), ("content-type", FORM)];
    if let Some(t) = csrf_header {
        headers.push(("x-csrf-token", t));
    }
    send(&f.app, request(Method::POST, uri, ip, &headers, body)).await
}

async fn post_json(f: &Fixture, uri: &str, body: impl Into<Body>, ip: [u8; 4]) -> Resp {
    send(
        &f.app,
        request(
            Method::POST,
            uri,
            ip,
            &[("content-type", "application/json")],
            body,
        ),
    )
    .await
}

fn content_type(r: &Resp) -> &str {
    r.headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A page that echoes hostile input shows it escaped, never as markup.
fn assert_escaped(r: &Resp, what: &str) {
    assert!(!r.body.contains("<script>alert(1)"), "{what}: raw <script>");
    assert!(
        !r.body.contains("<img src=x"),
        "{what}: raw attribute break-out"
    );
}

fn new_user_form(name: &str, csrf: Option<&str>) -> String {
    let mut fields = vec![
        ("name", name),
        ("role", "admin"),
        ("password", "sangat-rahasia-sekali"),
    ];
    if let Some(c) = csrf {
        fields.push(("csrf", c));
    }
    form(&fields)
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413_or_400() {
    const IP: [u8; 4] = [10, 1, 0, 1];
    let f = fixture(Opts::default());
    let s = login(&f.app, admin(), IP).await;
    let before = f.snapshot();
    let pad = "a".repeat(70 * 1024);

    // A form whose CSRF token is in the body: the guard reads at most 64 KiB.
    let body = format!("{}&pad={pad}", new_user_form("big.one", Some(&s.csrf)));
    let r = post_form(&f, "/users", &s, None, body, IP).await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "form, token in body"
    );

    // Token in the header: the handler's form extractor has the same limit.
    let body = format!("{}&pad={pad}", new_user_form("big.two", None));
    let r = post_form(&f, "/users", &s, Some(&s.csrf), body, IP).await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "form, token in header"
    );

    // The resident JSON API: refused, with a JSON error.
    let body = format!(
        "{{\"nik\": \"{}\", \"tanggal_lahir\": \"1990-08-05\", \"pad\": \"{pad}\"}}",
        EXAMPLE_ROW[col::NIK]
    );
    let r = post_json(&f, "/api/v1/resident/status", body, IP).await;
    assert!(
        matches!(r.status.as_u16(), 400 | 413),
        "resident API: {}",
        r.status
    );
    assert!(content_type(&r).starts_with("application/json"));
    assert!(r.body.contains("\"error\""), "{}", r.body);

    // The public forms.
    for uri in ["/login", "/cek"] {
        let r = send(
            &f.app,
            request(
                Method::POST,
                uri,
                IP,
                &[("content-type", FORM)],
                format!("name=x&pad={pad}"),
            ),
        )
        .await;
        assert!(
            matches!(r.status.as_u16(), 400 | 413),
            "{uri}: {}",
            r.status
        );
    }
    assert_eq!(
        f.snapshot(),
        before,
        "an oversized request changed the database"
    );
}

#[tokio::test]
async fn malformed_resident_json_gets_a_json_400() {
    const IP: [u8; 4] = [10, 2, 0, 1];
    let f = fixture(Opts::default());
    let before = f.snapshot();
    let nik = EXAMPLE_ROW[col::NIK];
    let cases = [
        "{".to_string(),
        "not json".to_string(),
        String::new(),
        "[]".to_string(),
        "null".to_string(),
        format!("{{\"nik\": {nik}, \"tanggal_lahir\": \"1990-08-05\"}}"),
        format!("{{\"nik\": \"{nik}\", \"tanggal_lahir\": true}}"),
        format!("{{\"nik\": \"{nik}\"}}"),
        "{\"tanggal_lahir\": \"1990-08-05\"}".to_string(),
        format!("{{\"nik\": [\"{nik}\"], \"tanggal_lahir\": {{}}}}"),
    ];
    for body in cases {
        let r = post_json(&f, "/api/v1/resident/status", body.clone(), IP).await;
        assert!(
            matches!(r.status.as_u16(), 400 | 422),
            "{body:?}: {}",
            r.status
        );
        assert!(content_type(&r).starts_with("application/json"), "{body:?}");
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("a JSON error");
        assert!(v["error"].is_string(), "{body:?}: {}", r.body);
    }
    // The wrong content type.
    let r = send(
        &f.app,
        request(
            Method::POST,
            "/api/v1/resident/status",
            IP,
            &[("content-type", "text/plain")],
            format!("{{\"nik\": \"{nik}\", \"tanggal_lahir\": \"1990-08-05\"}}"),
        ),
    )
    .await;
    assert!(matches!(r.status.as_u16(), 400 | 415), "{}", r.status);
    assert!(r.body.contains("\"error\""), "{}", r.body);
    assert_eq!(f.snapshot(), before);
}

#[tokio::test]
async fn path_traversal_finds_nothing() {
    const IP: [u8; 4] = [10, 3, 0, 1];
    let f = fixture(Opts::default());
    let s = login(&f.app, admin(), IP).await;
    let before = f.snapshot();
    for uri in [
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2fetc%2fpasswd",
        "/static/app.css/../../../etc/passwd",
        "/review/..%2f..%2fetc",
        "/review/../../etc/passwd",
        "/stock/report.csv?month=../../etc/passwd",
        "/stock/report.csv?month=..%2f..%2fetc%2fpasswd",
    ] {
        for who in [None, Some(&s)] {
            let r = get(&f, uri, who, IP).await;
            let ok = match who {
                Some(_) => matches!(r.status.as_u16(), 400 | 404 | 422),
                // Anonymous: a 404, or the login redirect for a signed-in route.
                None => matches!(r.status.as_u16(), 303 | 400 | 404 | 422),
            };
            assert!(ok, "{uri} (signed in: {}): {}", who.is_some(), r.status);
            assert!(!r.body.contains("root:"), "{uri}: {}", r.body);
        }
    }
    let r = post_form(
        &f,
        "/printers/..%2f..%2fetc%2fpasswd/pause",
        &s,
        Some(&s.csrf),
        "",
        IP,
    )
    .await;
    assert!(matches!(r.status.as_u16(), 400 | 404 | 422), "{}", r.status);
    assert_eq!(f.snapshot(), before);
}

#[tokio::test]
async fn markup_in_data_is_escaped_on_every_page() {
    const IP: [u8; 4] = [10, 4, 0, 1];
    let f = fixture(Opts::default());
    {
        // Markup that validation would refuse, written behind its back, and printer names
        // (which may hold any printable character).
        let mut store = f.store();
        store
            .raw_connection()
            .execute_batch(&format!(
                "UPDATE record_fields SET nama = '{SCRIPT}', tempat_lahir = '{a}' WHERE recording_id = '{REC_A}';
                 UPDATE dedup_pairs SET why = '{SCRIPT}';",
                a = ATTR.replace('\'', "''")
            ))
            .expect("tamper");
        let profile = PrinterProfile {
            cards_per_day: 100,
            burst: None,
            cooldown_min: 0.0,
            hours: None,
        };
        for name in [SCRIPT, ATTR] {
            store
                .printer_add(
                    name,
                    "ipp://127.0.0.1:9/",
                    &profile,
                    &Actor("system:test".into()),
                    time::OffsetDateTime::now_utc(),
                )
                .expect("printer_add");
        }
    }
    let s = login(&f.app, user_of(Role::Admin), IP).await;

    // Markup arriving through the pages: a reason in the audit log; a user name and a
    // recording id with quotes and markup are refused.
    let reason = format!("{SCRIPT}{ATTR}");
    let r = post_form(
        &f,
        "/print/raise",
        &s,
        None,
        form(&[
            ("recording_id", REC_A),
            ("reason", &reason),
            ("csrf", &s.csrf),
        ]),
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "raise: {}", r.body);
    let before = f.snapshot();
    for name in [SCRIPT, ATTR, "o'brien\"x"] {
        let r = post_form(
            &f,
            "/users",
            &s,
            Some(&s.csrf),
            new_user_form(name, None),
            IP,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "user {name:?}");
        // Errors are pages within the layout now: escaped like every page.
        assert_escaped(&r, &format!("user {name:?}"));
    }
    for id in [SCRIPT, ATTR] {
        let r = post_form(
            &f,
            "/print/raise",
            &s,
            Some(&s.csrf),
            form(&[("recording_id", id), ("reason", "x")]),
            IP,
        )
        .await;
        assert!(
            matches!(r.status.as_u16(), 404 | 422),
            "raise {id:?}: {}",
            r.status
        );
        assert_escaped(&r, &format!("raise {id:?}"));
    }
    assert_eq!(
        f.snapshot(),
        before,
        "a refused request changed the database"
    );

    let mut escaped_seen = 0;
    for uri in [
        "/",
        "/print",
        "/review",
        "/review/1",
        "/audit",
        "/users",
        "/stock",
        "/login?next=/%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
        "/cek",
    ] {
        let r = get(&f, uri, Some(&s), IP).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
        assert!(content_type(&r).starts_with("text/html"), "{uri}");
        assert!(!r.body.contains("<script>alert(1)"), "{uri}: raw <script>");
        assert!(
            !r.body.contains("<img src=x"),
            "{uri}: raw attribute break-out"
        );
        assert!(!r.body.contains("\"'>"), "{uri}: raw quote break-out");
        if r.body.contains("&lt;script&gt;alert(1)") {
            escaped_seen += 1;
        }
    }
    // /print (printer names), /review and /review/1 (names, why), /audit (reason), /login (next).
    assert!(
        escaped_seen >= 5,
        "escaped markup seen on {escaped_seen} pages"
    );
}

#[tokio::test]
async fn forged_csrf_tokens_are_refused_and_change_nothing() {
    const IP: [u8; 4] = [10, 5, 0, 1];
    let f = fixture(Opts::default());
    let a = login(&f.app, admin(), IP).await;
    let b = login(&f.app, admin(), IP).await;
    assert_ne!(a.csrf, b.csrf);
    let before = f.snapshot();
    let forged = "0".repeat(a.csrf.len());
    let cases: Vec<(&str, Option<&str>, String)> = vec![
        ("no token", None, new_user_form("mallory", None)),
        (
            "wrong header",
            Some(&forged),
            new_user_form("mallory", None),
        ),
        ("empty header", Some(""), new_user_form("mallory", None)),
        (
            "wrong form field",
            None,
            new_user_form("mallory", Some(&forged)),
        ),
        (
            "other session's token, header",
            Some(&b.csrf),
            new_user_form("mallory", None),
        ),
        (
            "other session's token, form field",
            None,
            new_user_form("mallory", Some(&b.csrf)),
        ),
        (
            "wrong header beats a right form field",
            Some(&forged),
            new_user_form("mallory", Some(&a.csrf)),
        ),
    ];
    for (what, header_token, body) in cases {
        let r = post_form(&f, "/users", &a, header_token, body, IP).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}");
    }
    // Logging out is a state change too: a forged logout leaves the session alive.
    let r = post_form(&f, "/logout", &a, Some(&forged), "", IP).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "logout with a forged token"
    );
    assert_eq!(
        f.snapshot(),
        before,
        "a forged request changed the database"
    );
    let still = get(&f, "/api/v1/dashboard", Some(&a), IP).await;
    assert_eq!(
        still.status,
        StatusCode::OK,
        "the session survives a forged logout"
    );

    // The control: the right token does create the user.
    let r = post_form(
        &f,
        "/users",
        &a,
        None,
        new_user_form("mallory", Some(&a.csrf)),
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("mallory"), "a confirmation: {}", r.body);
    assert_eq!(f.snapshot().1, before.1 + 1);
}

#[tokio::test]
async fn a_session_is_dead_after_logout() {
    const IP: [u8; 4] = [10, 6, 0, 1];
    let f = fixture(Opts::default());
    let s = login(&f.app, admin(), IP).await;
    let r = post_form(&f, "/logout", &s, Some(&s.csrf), "", IP).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login"));
    assert!(r.cookie("cetak_session").is_some_and(|v| v.is_empty()));
    let before = f.snapshot();

    // The browser kept the cookie: every use of it is refused.
    let r = get(&f, "/", Some(&s), IP).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().is_some_and(|l| l.starts_with("/login")));
    let r = get(&f, "/api/v1/dashboard", Some(&s), IP).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = post_form(
        &f,
        "/users",
        &s,
        Some(&s.csrf),
        new_user_form("mallory", None),
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "POST with a dead session");
    assert!(r.location().is_some_and(|l| l.starts_with("/login")));
    let r = post_form(&f, "/logout", &s, Some(&s.csrf), "", IP).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().is_some_and(|l| l.starts_with("/login")));
    assert_eq!(f.snapshot(), before);
}

#[tokio::test]
async fn login_is_throttled_after_five_wrong_passwords() {
    const IP: [u8; 4] = [10, 7, 0, 1];
    let f = fixture(Opts::default());
    let before = f.snapshot();
    for i in 0..5 {
        let r = login_raw(&f.app, admin(), "salah-sekali-123", "/", IP).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(r.cookie("cetak_session").is_none());
    }
    // The right password, from the same address, for the same name or another.
    for (who, ip) in [
        (admin(), IP),
        (user_of(Role::Operator), IP),
        (admin(), [10, 7, 0, 2]),
    ] {
        let r = login_raw(&f.app, who, PASSWORD, "/", ip).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{who} from {ip:?}");
        assert!(r.cookie("cetak_session").is_none(), "{who}: a session");
    }
    assert_eq!(f.snapshot(), before, "no session was created");
    // Someone else, elsewhere, is not affected.
    let r = login_raw(
        &f.app,
        user_of(Role::Supervisor),
        PASSWORD,
        "/",
        [10, 7, 0, 3],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_wrong_nik_and_a_wrong_birth_date_look_the_same() {
    const IP: [u8; 4] = [10, 8, 0, 1];
    let f = fixture(Opts::default());
    let nik = EXAMPLE_ROW[col::NIK];
    let dob = EXAMPLE_ROW[col::TANGGAL_LAHIR];
    let mother = EXAMPLE_ROW[col::NAMA_IBU];
    let json = |n: &str, d: &str| {
        format!("{{\"nik\": \"{n}\", \"tanggal_lahir\": \"{d}\", \"nama_ibu\": \"{mother}\"}}")
    };
    let right = post_json(&f, "/api/v1/resident/status", json(nik, dob), IP).await;
    assert_eq!(right.status, StatusCode::OK);
    assert!(right.body.contains("\"found\":true"), "{}", right.body);
    let wrong_nik = post_json(
        &f,
        "/api/v1/resident/status",
        json("1671014508909999", dob),
        IP,
    )
    .await;
    let wrong_dob = post_json(&f, "/api/v1/resident/status", json(nik, "1990-08-06"), IP).await;
    assert_eq!(wrong_nik.status, wrong_dob.status);
    assert_eq!(wrong_nik.body, wrong_dob.body);
    assert!(wrong_nik.body.contains("\"found\":false"));

    let page = |n: &str, d: &str| {
        request(
            Method::POST,
            "/cek",
            IP,
            &[("content-type", FORM)],
            form(&[("nik", n), ("tanggal_lahir", d), ("nama_ibu", mother)]),
        )
    };
    let wrong_nik = send(&f.app, page("1671014508909999", dob)).await;
    let wrong_dob = send(&f.app, page(nik, "05-08-1991")).await;
    assert_eq!(wrong_nik.status, StatusCode::OK);
    assert_eq!(wrong_nik.status, wrong_dob.status);
    // The form keeps what each typed (issue 16); apart from that, the pages are the same.
    let typed_away = |body: &str, typed: &[&str]| {
        typed.iter().fold(body.to_string(), |b, t| {
            b.replace(&format!("value=\"{t}\""), "value=\"\"")
        })
    };
    assert_ne!(wrong_nik.body, wrong_dob.body, "each keeps its own input");
    assert_eq!(
        typed_away(&wrong_nik.body, &["1671014508909999", dob]),
        typed_away(&wrong_dob.body, &[nik, "05-08-1991"])
    );
    let right = send(&f.app, page(nik, "05-08-1990")).await;
    assert_ne!(right.body, wrong_dob.body);
}

#[tokio::test]
async fn resident_lookups_are_rate_limited_per_address() {
    const IP: [u8; 4] = [10, 9, 0, 1];
    let f = fixture(Opts {
        resident_per_minute: 3,
        ..Opts::default()
    });
    let body = format!(
        "{{\"nik\": \"{}\", \"tanggal_lahir\": \"1990-08-05\", \"nama_ibu\": \"{}\"}}",
        EXAMPLE_ROW[col::NIK],
        EXAMPLE_ROW[col::NAMA_IBU]
    );
    for i in 0..3 {
        let r = post_json(&f, "/api/v1/resident/status", body.clone(), IP).await;
        assert_eq!(r.status, StatusCode::OK, "request {i}");
    }
    let r = post_json(&f, "/api/v1/resident/status", body.clone(), IP).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry = r
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert!(retry.is_some_and(|s| s > 0), "Retry-After: {retry:?}");
    // The page shares the limit; another address has its own.
    let r = send(
        &f.app,
        request(
            Method::POST,
            "/cek",
            IP,
            &[("content-type", FORM)],
            form(&[
                ("nik", EXAMPLE_ROW[col::NIK]),
                ("tanggal_lahir", "1990-08-05"),
            ]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = post_json(&f, "/api/v1/resident/status", body, [10, 9, 0, 2]).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn login_never_redirects_off_site() {
    const IP: [u8; 4] = [10, 10, 0, 1];
    let f = fixture(Opts::default());
    for next in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
    ] {
        let r = login_raw(&f.app, admin(), PASSWORD, next, IP).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "next={next:?}: {}", r.body);
        assert_eq!(r.location(), Some("/"), "next={next:?}");
    }
    let r = login_raw(&f.app, admin(), PASSWORD, "/review?lang=en", IP).await;
    assert_eq!(
        r.location(),
        Some("/review?lang=en"),
        "a local next is kept"
    );
    // The login page does not carry an off-site next either.
    let r = get(&f, "/login?next=//evil.example", None, IP).await;
    assert_eq!(r.hidden("next").as_deref(), Some("/"));
}

fn assert_cookie_flags(set_cookie: &str, secure: bool) {
    let attrs: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs.iter().any(|a| a == "httponly"), "{set_cookie}");
    assert!(attrs.iter().any(|a| a == "samesite=strict"), "{set_cookie}");
    assert!(attrs.iter().any(|a| a == "path=/"), "{set_cookie}");
    assert_eq!(attrs.iter().any(|a| a == "secure"), secure, "{set_cookie}");
}

#[tokio::test]
async fn cookies_are_httponly_strict_and_secure_only_behind_tls() {
    for secure in [false, true] {
        let ip = [10, 11, 0, u8::from(secure)];
        let f = fixture(Opts {
            secure_cookies: secure,
            ..Opts::default()
        });
        let page = get(&f, "/login", None, ip).await;
        let login_cookie = page
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("cetak_login="))
            .expect("login cookie");
        assert_cookie_flags(&login_cookie, secure);
        let r = login_raw(&f.app, admin(), PASSWORD, "/", ip).await;
        let session_cookie = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("cetak_session="))
            .expect("session cookie");
        assert_cookie_flags(&session_cookie, secure);
        let s = Session {
            cookie: r.cookie("cetak_session").expect("session"),
            csrf: String::new(),
        };
        let page = get(&f, "/print", Some(&s), ip).await;
        let s = Session {
            csrf: page.hidden("csrf").expect("csrf"),
            ..s
        };
        let r = post_form(&f, "/logout", &s, Some(&s.csrf), "", ip).await;
        let cleared = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("cetak_session="))
            .expect("cleared cookie");
        assert_cookie_flags(&cleared, secure);
    }
}

#[tokio::test]
async fn head_requests_pass_the_same_guard() {
    const IP: [u8; 4] = [10, 12, 0, 1];
    let f = fixture(Opts::default());
    let op = login(&f.app, user_of(Role::Operator), IP).await;
    // A photo for the media route to answer.
    {
        let mut item = cetak_domain::media::MediaItem {
            slot: cetak_domain::media::MediaSlot::Foto,
            bytes: cetak_media::synth::portrait(1, 1),
            verdict: cetak_domain::media::MediaVerdict::Unchecked,
        };
        cetak_ingest::media::check(&mut item);
        f.store()
            .media_attach(
                common::REC_A,
                &item,
                cetak_store::Change::new(
                    &cetak_domain::lifecycle::Actor("system:test".into()),
                    time::OffsetDateTime::now_utc(),
                    "test photo",
                ),
            )
            .expect("attach");
    }
    for route in cetak_web::routes::ROUTES {
        if route.method != "GET" {
            continue;
        }
        let mut uri = route
            .path
            .replace("{id}", "1")
            .replace("{recording_id}", common::REC_A)
            .replace("{slot}", "foto");
        if uri.starts_with("/media/") {
            uri.push_str("?for=review-1");
        }
        let head = |who: Option<&Session>| {
            let cookie = who.map(Session::cookie_header).unwrap_or_default();
            let headers: Vec<(&str, &str)> = if who.is_some() {
                vec![("cookie", &cookie)]
            } else {
                vec![]
            };
            request(Method::HEAD, &uri, IP, &headers, Body::empty())
        };
        let anon = send(&f.app, head(None)).await;
        let oper = send(&f.app, head(Some(&op))).await;
        match route.access {
            cetak_web::routes::Access::Public => {
                assert!(anon.status.is_success(), "HEAD {uri}: {}", anon.status);
            }
            cetak_web::routes::Access::Signed(p) => {
                assert!(
                    matches!(anon.status.as_u16(), 303 | 401),
                    "anonymous HEAD {uri}: {}",
                    anon.status
                );
                let want_ok = cetak_domain::access::allows(Role::Operator, p);
                assert_eq!(
                    oper.status.is_success(),
                    want_ok,
                    "operator HEAD {uri}: {}",
                    oper.status
                );
            }
        }
    }
}
