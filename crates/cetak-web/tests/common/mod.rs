//! Shared fixtures for the in-process server tests: a temp office database with one user per
//! role, two records, a printer and a duplicate pair; requests sent with `oneshot`; logins made
//! like a browser (GET /login for the form token, then POST /login).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use cetak_domain::access::Role;
use cetak_domain::lifecycle::{Actor, Event};
use cetak_domain::record::{EXAMPLE_ROW, ImportRow, Record, col};
use cetak_print::schedule::PrinterProfile;
use cetak_store::Store;
use cetak_web::ServerConfig;
use http_body_util::BodyExt;
use time::OffsetDateTime;
use tower::ServiceExt;

/// Every test user's password.
pub const PASSWORD: &str = "kata-sandi-uji-2015";
/// The printer every fixture has.
pub const PRINTER: &str = "fargo-1";
/// The first record (NIK and birth date of [`EXAMPLE_ROW`]).
pub const REC_A: &str = "PLG00000001";
/// The second record.
pub const REC_B: &str = "PLG00000002";
/// The user name of each role.
pub fn user_of(role: Role) -> &'static str {
    match role {
        Role::Operator => "op.rina",
        Role::Supervisor => "spv.budi",
        Role::Admin => "adm.sari",
    }
}

/// One argon2 hash for every user of every fixture (hashing is the slow part).
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| cetak_web::hash_password(PASSWORD).expect("hash"))
}

fn row(id: &str, nik: &str) -> ImportRow {
    let mut f = EXAMPLE_ROW;
    f[col::RECORDING_ID] = id;
    f[col::NIK] = nik;
    ImportRow::Valid {
        line: 2,
        record: Record::validate(&f).expect("valid row"),
        raw: f.join(",").into_bytes(),
        media: None,
    }
}

/// A temp database and the app built on it.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub app: Router,
}

/// Options for [`fixture`].
#[derive(Default, Clone, Copy)]
pub struct Opts {
    pub resident_per_minute: u32,
    pub secure_cookies: bool,
    /// Pages in English unless the browser chooses (`cetak --lang en serve`).
    pub english: bool,
    /// The office's use cases behind the pages, as `cetak serve` wires them: "Start printing"
    /// runs the print run, an inspection asks the printer, a decision runs data ganda.
    pub use_cases: bool,
}

/// A database with the three users, records [`REC_A`] (unique, in the queue) and [`REC_B`],
/// printer [`PRINTER`] and an open review pair (id 1) between them.
pub fn fixture(opts: Opts) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("office.db");
    let now = OffsetDateTime::now_utc();
    {
        let mut store = Store::open(&db).expect("open store");
        let admin = Actor("system:test".into());
        for role in Role::ALL {
            store
                .user_add(user_of(role), role, password_hash(), &admin, now)
                .expect("user_add");
        }
        store
            .import_batch(
                "test.csv",
                &[
                    row(REC_A, EXAMPLE_ROW[col::NIK]),
                    row(REC_B, "1671014508900002"),
                ],
                "system:test",
                now,
            )
            .expect("import");
        store
            .apply_event(
                REC_A,
                Event::MarkUnique,
                cetak_store::Change::new(&admin, now, "no other recording"),
            )
            .expect("mark unique");
        store
            .printer_add(
                PRINTER,
                "ipp://127.0.0.1:9/ipp/print",
                &PrinterProfile {
                    cards_per_day: 100,
                    burst: None,
                    cooldown_min: 0.0,
                    hours: None,
                },
                &admin,
                now,
            )
            .expect("printer_add");
        store
            .raw_connection()
            .execute_batch(&format!(
                "INSERT INTO dedup_pairs (a, b, kind, probability, evidence, why, run_seq)
                 VALUES ('{REC_A}', '{REC_B}', 'review', 0.8, '[]', 'test pair', 0);"
            ))
            .expect("insert pair");
    }
    let app = cetak_web::app(&ServerConfig {
        db: db.clone(),
        resident_per_minute: opts.resident_per_minute,
        secure_cookies: opts.secure_cookies,
        printing: opts
            .use_cases
            .then(cetak_office::print_run::RunArgs::default),
        ask_printers: opts.use_cases,
        chip_check: None,
        dedup_after_decision: opts.use_cases.then(cetak_dedup::Config::default),
        connections: 2,
        english: opts.english,
    })
    .expect("app");
    Fixture { dir, db, app }
}

impl Fixture {
    /// Print attempt `id` of [`REC_A`] on blank 1 and [`PRINTER`], waiting for a person's
    /// finding (the printer suggests a jam).
    pub fn attempt_waiting_for_inspection(&self, id: i64) {
        let mut store = self.store();
        store
            .stock_receive(
                cetak_print::stock::SerialRange { first: 1, last: 1 },
                "2026-11-02",
                "SJ-1",
                &Actor("system:test".into()),
                OffsetDateTime::now_utc(),
            )
            .expect("a blank");
        store
            .raw_connection()
            .execute_batch(&format!(
                "INSERT INTO print_attempts (id, recording_id, serial, printer_id, job_name, state,
                     note, suggested_cause, created_at, print_day)
                 VALUES ({id}, '{REC_A}', 1, (SELECT id FROM printers LIMIT 1), 'job-{id}', 'inspect',
                     '', 'jam', '2026-11-02T03:00:00Z', '2026-11-02');"
            ))
            .expect("an attempt waiting for inspection");
    }

    /// Mark [`REC_A`] printed, its card waiting for hand-over.
    pub fn mark_printed(&self) {
        self.store()
            .raw_connection()
            .execute_batch(&format!(
                "UPDATE record_states SET state = 'printed' WHERE recording_id = '{REC_A}'"
            ))
            .expect("mark printed");
    }

    /// A fresh connection to the fixture's database (for before/after counts).
    pub fn store(&self) -> Store {
        Store::open(&self.db).expect("open store")
    }

    /// Audit entries, users and sessions: what a refused request must leave alone.
    pub fn snapshot(&self) -> (u64, i64, i64) {
        let s = self.store();
        let (seq, _) = s.audit_head().expect("audit head");
        let sessions: i64 = s
            .raw_connection()
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
            .expect("count sessions");
        (seq, s.user_count().expect("user count"), sessions)
    }
}

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// The `Set-Cookie` values.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    /// The value a `Set-Cookie` gives `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k.trim() == name).then(|| v.to_string())
        })
    }

    /// The value of a hidden input `name="…" value="…"` in the page.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let needle = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&needle)? + needle.len();
        let end = self.body[start..].find('"')? + start;
        // minijinja escapes `/`, quotes and markup; `&amp;` last.
        Some(
            self.body[start..end]
                .replace("&#x2f;", "/")
                .replace("&#x27;", "'")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    }
}

/// A request from `ip` (handlers read the client address from `ConnectInfo`).
pub fn request(
    method: Method,
    uri: &str,
    ip: [u8; 4],
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .extension(ConnectInfo(SocketAddr::from((ip, 40000))));
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.into()).expect("request")
}

/// Send one request to the app.
pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    let r = app.clone().oneshot(req).await.expect("infallible");
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = r.into_body().collect().await.expect("body").to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A form body, URL-encoded.
pub fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

pub const FORM: &str = "application/x-www-form-urlencoded";

/// A signed-in browser: its session cookie and the session's CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    pub fn cookie_header(&self) -> String {
        format!("cetak_session={}", self.cookie)
    }
}

/// POST /login like a browser (GET /login first for the form token); the raw answer.
pub async fn login_raw(app: &Router, name: &str, password: &str, next: &str, ip: [u8; 4]) -> Resp {
    let page = send(app, request(Method::GET, "/login", ip, &[], Body::empty())).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = page.cookie("cetak_login").expect("login cookie");
    assert_eq!(page.hidden("login_csrf").as_deref(), Some(token.as_str()));
    let cookie = format!("cetak_login={token}");
    let body = form(&[
        ("name", name),
        ("password", password),
        ("login_csrf", &token),
        ("next", next),
    ]);
    send(
        app,
        request(
            Method::POST,
            "/login",
            ip,
            &[("content-type", FORM), ("cookie", &cookie)],
            body,
        ),
    )
    .await
}

/// Log in and read the session's CSRF token from a rendered page (GET /print).
pub async fn login(app: &Router, name: &str, ip: [u8; 4]) -> Session {
    let r = login_raw(app, name, PASSWORD, "/", ip).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "login {name}: {}", r.body);
    let cookie = r.cookie("cetak_session").expect("session cookie");
    let page = send(
        app,
        request(
            Method::GET,
            "/print",
            ip,
            &[("cookie", &format!("cetak_session={cookie}"))],
            Body::empty(),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "GET /print: {}", page.body);
    let csrf = page.hidden("csrf").expect("csrf field on /print");
    Session { cookie, csrf }
}

/// POST a staff form as `who` (its CSRF token added) from address `ip`.
pub async fn post_as(
    f: &Fixture,
    uri: &str,
    who: &Session,
    fields: &[(&str, &str)],
    ip: [u8; 4],
) -> Resp {
    let cookie = who.cookie_header();
    let mut fields = fields.to_vec();
    fields.push(("csrf", &who.csrf));
    send(
        &f.app,
        request(
            Method::POST,
            uri,
            ip,
            &[("cookie", &cookie), ("content-type", FORM)],
            form(&fields),
        ),
    )
    .await
}

/// A page body with the template engine's HTML escapes undone, for comparing typed text.
pub fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
