//! Issue 16, item 7, "every page in the office's language": every HTML page of the route table,
//! rendered for an admin in Indonesian, has no English word and no stored code in its visible
//! text; times are WIB dates and numbers use Indonesian separators; every action confirms itself
//! on the next page; a decision without a choice is a page in the layout; the review list shows
//! names and a decided pair stays viewable; long tables come a page at a time.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use cetak_domain::access::Role;
use cetak_domain::lifecycle::Actor;
use cetak_web::routes::ROUTES;
use common::{
    Fixture, Opts, PRINTER, REC_A, REC_B, Resp, Session, fixture, login, post_as, request, send,
    user_of,
};
use time::OffsetDateTime;

fn admin() -> &'static str {
    user_of(Role::Admin)
}

async fn get(f: &Fixture, uri: &str, who: Option<&Session>, ip: [u8; 4]) -> Resp {
    get_with(f, uri, who, None, ip).await
}

/// GET with the session and, optionally, a confirmation cookie left by a redirect.
async fn get_with(
    f: &Fixture,
    uri: &str,
    who: Option<&Session>,
    flash: Option<&str>,
    ip: [u8; 4],
) -> Resp {
    let mut cookie = who.map(Session::cookie_header).unwrap_or_default();
    if let Some(v) = flash {
        cookie.push_str(&format!("; cetak_flash={v}"));
    }
    let headers: Vec<(&str, &str)> = if cookie.is_empty() {
        vec![]
    } else {
        vec![("cookie", &cookie)]
    };
    send(
        &f.app,
        request(Method::GET, uri, ip, &headers, Body::empty()),
    )
    .await
}

/// The text a reader sees: tags (and style/script) removed, entities decoded, plus the
/// attributes a reader meets (placeholder, aria-label, title).
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    for attr in ["placeholder=\"", "aria-label=\"", "title=\""] {
        let mut s = html;
        while let Some(i) = s.find(attr) {
            s = &s[i + attr.len()..];
            if let Some(end) = s.find('"') {
                out.push_str(&s[..end]);
                out.push('\n');
                s = &s[end..];
            }
        }
    }
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let after = &rest[lt..];
        let skip_to = if after.starts_with("<style") {
            after.find("</style>").map(|i| i + 8)
        } else if after.starts_with("<script") {
            after.find("</script>").map(|i| i + 9)
        } else {
            after.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(n) => rest = &after[n..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// English that must not be on an Indonesian page (whole words, any case).
const ENGLISH: &[&str] = &[
    "refused",
    "printer cannot",
    "cannot",
    "pending",
    "completed",
    "spoiled",
    "operator",
    "supervisor",
    "admin",
    "awaiting",
    "queued",
    "received",
    "issued",
    "cancelled",
    "decided",
    "duplicate",
    "dashboard",
    "backlog",
    "outbox",
    "users",
    "reason",
    "action",
    "subject",
    "error",
    "failed",
    "not found",
    "previous",
    "next",
    "unused",
    "melted",
    "misprint",
    "paused",
    "resumed",
    "ready",
    "blocked",
    "inspected",
    "attempt",
    "blank",
    "blanks",
    "created",
    "disabled",
    "enabled",
    "password",
    "sessions",
    "printed",
    "handed",
    "the",
    "and",
    "with",
    "from",
    "account",
    "role",
    "changed",
    "imported",
];

/// Codes and names that are written with capitals or underscores on purpose.
const ALLOWED_CODES: &[&str] = &["NIK", "KTP", "IPP", "URI", "CSV", "PDF", "WIB", "RT", "RW"];

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// What is English or a raw code in a page's visible text.
fn not_indonesian(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let words = words_of(text);
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    for bad in ENGLISH {
        let parts: Vec<&str> = bad.split(' ').collect();
        if lower
            .windows(parts.len())
            .any(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
        {
            found.push(format!("English {bad:?}"));
        }
    }
    for w in &words {
        let snake = w.contains('_')
            && w.split('_').filter(|p| !p.is_empty()).count() >= 2
            && !ALLOWED_CODES.contains(&w.as_str());
        if snake {
            found.push(format!("code {w:?}"));
        }
    }
    // Times: never raw RFC 3339 (`2026-11-29T07:05:00Z`) nor nanoseconds.
    if text
        .as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'T' && w[2].is_ascii_digit())
    {
        found.push("a raw RFC 3339 time".into());
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_checker_finds_english_and_codes() {
    assert!(not_indonesian("Ditolak: data sudah ada").is_empty());
    assert_eq!(
        not_indonesian("Refused: the printer cannot confirm"),
        [
            "English \"cannot\"",
            "English \"printer cannot\"",
            "English \"refused\"",
            "English \"the\""
        ]
    );
    assert_eq!(
        not_indonesian("status awaiting_decision"),
        ["code \"awaiting_decision\""]
    );
    assert_eq!(
        not_indonesian("2026-11-29T07:05:00.123Z"),
        ["a raw RFC 3339 time"]
    );
    assert_eq!(
        visible_text("<p title=\"x\">a<b>b</b></p>").trim(),
        "x\n a b"
    );
}

const IP: [u8; 4] = [10, 70, 0, 1];

/// The fixture with the things the pages show when an office has worked a while: audit entries
/// of many kinds, a decided pair, a paused printer, a batch of blanks, a second user.
async fn busy_office() -> (Fixture, Session) {
    let f = fixture(Opts::default());
    let s = login(&f.app, admin(), IP).await;
    let now = OffsetDateTime::now_utc();
    {
        let mut store = f.store();
        let admin_actor = Actor(format!("user:{}", admin()));
        store
            .user_set_role(user_of(Role::Operator), Role::Supervisor, &admin_actor, now)
            .expect("role");
        store
            .user_set_role(user_of(Role::Operator), Role::Operator, &admin_actor, now)
            .expect("role back");
        store
            .user_set_disabled(user_of(Role::Operator), true, &admin_actor, now)
            .expect("disable");
        store
            .user_set_disabled(user_of(Role::Operator), false, &admin_actor, now)
            .expect("enable");
    }
    for (uri, fields) in [
        (format!("/printers/{PRINTER}/pause"), vec![]),
        (format!("/printers/{PRINTER}/resume"), vec![]),
        (format!("/printers/{PRINTER}/pause"), vec![]),
        (
            "/stock/receive".to_string(),
            vec![
                ("first", "1"),
                ("last", "14798"),
                ("date", "2026-11-02"),
                ("reference", "SJ-0042"),
            ],
        ),
        (
            "/print/raise".to_string(),
            vec![("recording_id", REC_A), ("reason", "warga lansia")],
        ),
    ] {
        let r = post_as(&f, &uri, &s, &fields, IP).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}: {}", r.body);
    }
    (f, s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_speaks_indonesian() {
    let (f, s) = busy_office().await;
    // Pair 1 open (its page has the decision form); a second pair decided.
    f.store()
        .raw_connection()
        .execute_batch(&format!(
            "INSERT INTO dedup_pairs (a, b, kind, probability, evidence, why, run_seq)
             VALUES ('{REC_B}', '{REC_A}', 'review', 0.958,
                     '[{{\"field\":\"nama\",\"level\":\"fuzzy\",\"weight\":2.5}},{{\"field\":\"tanggal_lahir\",\"level\":\"transposed\",\"weight\":-1.25}}]',
                     'the evidence is not conclusive either way', 0);"
        ))
        .expect("second pair");
    let r = post_as(
        &f,
        "/review/2/decide",
        &s,
        &[("decision", "different"), ("reason", "ibu kandung berbeda")],
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let mut pages: Vec<(String, bool)> = Vec::new();
    // The media route answers images, not pages (its words: tests/media_pages.rs).
    for spec in ROUTES
        .iter()
        .filter(|r| r.method == "GET" && !r.path.starts_with("/media/"))
    {
        let uri = match spec.path {
            "/stock/report.csv" => "/stock/report.csv?month=2026-11".to_string(),
            p => p.replace("{id}", "1").replace("{name}", PRINTER),
        };
        let public = matches!(spec.access, cetak_web::routes::Access::Public);
        pages.push((uri, public));
    }
    // The decided pair, a page number past the end, and an error page.
    pages.push(("/review/2".into(), false));
    pages.push(("/audit?page=2".into(), false));
    pages.push(("/halaman-yang-tidak-ada".into(), false));

    let mut failures = Vec::new();
    let mut html_pages = 0;
    for (uri, public) in &pages {
        let r = get(&f, uri, (!public).then_some(&s), IP).await;
        let html = r
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !html {
            continue;
        }
        html_pages += 1;
        if !r.status.is_success() && !uri.starts_with("/halaman") {
            failures.push(format!("GET {uri}: {}", r.status));
        }
        assert!(r.body.contains("<html lang=\"id\""), "{uri} is not in id");
        let text = visible_text(&r.body);
        let bad = not_indonesian(&text);
        if !bad.is_empty() {
            failures.push(format!(
                "GET {uri}: {}\n---\n{}\n---",
                bad.join(", "),
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            ));
        }
    }
    assert!(
        html_pages >= 12,
        "only {html_pages} HTML pages were checked"
    );
    // Refused forms answer with their pages again, the reason above: in Indonesian too.
    for (uri, fields) in [
        ("/review/1/decide", vec![("reason", "lupa memilih")]),
        (
            "/stock/receive",
            vec![("first", "1"), ("last", "9"), ("reference", "SJ-1")],
        ),
        ("/handover", vec![("nik", "123")]),
        (
            "/print/raise",
            vec![("recording_id", REC_B), ("reason", "x")],
        ),
        ("/users", vec![("name", "baru"), ("role", "operator")]),
        (
            "/account/password",
            vec![("current", "salah-sekali-123"), ("password", "x")],
        ),
    ] {
        let r = post_as(&f, uri, &s, &fields, IP).await;
        assert!(r.status.is_client_error(), "POST {uri}: {}", r.status);
        assert!(r.body.contains("id=\"message\""), "POST {uri}: {}", r.body);
        let text = visible_text(&r.body);
        let bad = not_indonesian(&text);
        if !bad.is_empty() {
            failures.push(format!(
                "POST {uri} (refused): {}\n---\n{}\n---",
                bad.join(", "),
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The same pages are really in English on request (the checker is not blind).
    let en = get(&f, "/audit?lang=en", Some(&s), IP).await;
    let bad = not_indonesian(&visible_text(&en.body));
    assert!(
        bad.iter().any(|b| b.contains("paused")),
        "the English audit page says paused: {bad:?}"
    );
}

#[tokio::test]
async fn times_are_wib_dates_and_numbers_indonesian() {
    let (f, s) = busy_office().await;
    let stock = get(&f, "/stock", Some(&s), IP).await;
    assert!(stock.body.contains("14.798"), "{}", stock.body);
    assert!(stock.body.contains("2 Nov 2026"), "{}", stock.body);
    let audit = get(&f, "/audit", Some(&s), IP).await;
    assert!(audit.body.contains(" WIB</td>"), "{}", audit.body);
    let review = get(&f, "/review", Some(&s), IP).await;
    assert!(review.body.contains("0,800"), "{}", review.body);
    let review = get(&f, "/review?lang=en", Some(&s), IP).await;
    assert!(review.body.contains("0.800"), "{}", review.body);
}

#[tokio::test]
async fn every_action_confirms_itself_on_the_next_page() {
    let f = fixture(Opts::default());
    let s = login(&f.app, admin(), IP).await;
    for (uri, fields, lands, says) in [
        (
            format!("/printers/{PRINTER}/pause"),
            vec![],
            "/print",
            "Printer fargo-1 dijeda.",
        ),
        (
            format!("/printers/{PRINTER}/resume"),
            vec![],
            "/print",
            "Printer fargo-1 dilanjutkan.",
        ),
        (
            "/stock/receive".into(),
            vec![
                ("first", "1"),
                ("last", "20"),
                ("date", "2026-11-02"),
                ("reference", "SJ-1"),
            ],
            "/stock",
            "20 blangko diterima",
        ),
        (
            "/print/raise".into(),
            vec![("recording_id", REC_A), ("reason", "lansia")],
            "/print",
            "dinaikkan ke depan antrean",
        ),
        (
            "/review/1/decide".into(),
            vec![("decision", "same"), ("reason", "orang yang sama")],
            "/review",
            "Pasangan 1 diputuskan: orang yang sama",
        ),
    ] {
        let r = post_as(&f, &uri, &s, &fields, IP).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}: {}", r.body);
        assert_eq!(r.location(), Some(lands), "{uri}");
        let flash = r.cookie("cetak_flash").expect("a confirmation cookie");
        let page = get_with(&f, lands, Some(&s), Some(&flash), IP).await;
        assert_eq!(page.status, StatusCode::OK, "{lands}: {}", page.body);
        let shown = page
            .body
            .split("id=\"flash\">")
            .nth(1)
            .and_then(|b| b.split("</p>").next())
            .unwrap_or_default();
        assert!(shown.contains(says), "{uri}: {shown:?} lacks {says:?}");
        // Shown once: the page clears it.
        assert!(
            page.set_cookies()
                .iter()
                .any(|c| c.starts_with("cetak_flash=;") && c.contains("Max-Age=0")),
            "{lands} does not clear the confirmation: {:?}",
            page.set_cookies()
        );
        let again = get(&f, lands, Some(&s), IP).await;
        assert!(
            !again.body.contains("id=\"flash\""),
            "{lands} shows it twice"
        );
    }
}

#[tokio::test]
async fn a_decision_without_a_choice_is_refused_in_the_layout() {
    let f = fixture(Opts::default());
    let s = login(&f.app, user_of(Role::Supervisor), IP).await;
    let page = get(&f, "/review/1", Some(&s), IP).await;
    assert!(
        page.body
            .contains("name=\"decision\" value=\"same\" id=\"same\" required"),
        "the browser must insist on a choice: {}",
        page.body
    );
    let before = f.snapshot();
    for fields in [
        vec![("reason", "lupa memilih")],
        vec![("decision", ""), ("reason", "kosong")],
        vec![("decision", "maybe"), ("reason", "asal")],
        vec![("decision", "same")],
        vec![],
    ] {
        let r = post_as(&f, "/review/1/decide", &s, &fields, IP).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(
            r.body.contains("<header>") && r.body.contains("id=\"back\""),
            "{fields:?}: not a page in the layout: {}",
            r.body
        );
        assert!(
            !r.body.contains("deserialize") && !r.body.contains("missing field"),
            "{fields:?}: {}",
            r.body
        );
        assert!(
            r.body.contains("Pilih keputusan") || r.body.contains("perlu alasan"),
            "{fields:?}: {}",
            r.body
        );
    }
    assert_eq!(f.snapshot(), before, "nothing was decided");
    // A form field that is not a number: a page too, not axum's text.
    let r = post_as(
        &f,
        "/stock/receive",
        &login(&f.app, admin(), IP).await,
        &[
            ("first", "satu"),
            ("last", "20"),
            ("date", "2026-11-02"),
            ("reference", "x"),
        ],
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("<header>") && r.body.contains("harus angka"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_review_list_names_both_recordings_and_a_decided_pair_stays_viewable() {
    let f = fixture(Opts::default());
    let s = login(&f.app, user_of(Role::Supervisor), IP).await;
    let list = get(&f, "/review", Some(&s), IP).await;
    let row = list
        .body
        .split("href=\"/review/1\"")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("pair 1 listed");
    // Both recordings are SITI AMINAH (the example row) with their ids.
    assert_eq!(row.matches("SITI AMINAH").count(), 2, "{row}");
    assert!(row.contains(REC_A) && row.contains(REC_B), "{row}");

    let r = post_as(
        &f,
        "/review/1/decide",
        &s,
        &[("decision", "different"), ("reason", "ibu kandung berbeda")],
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The next dedup run no longer lists the pair (as `cetak dedup` does after a decision).
    f.store()
        .raw_connection()
        .execute_batch("DELETE FROM dedup_pairs")
        .expect("drop pairs");
    let page = get(&f, "/review/1", Some(&s), IP).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let decided = page
        .body
        .split("id=\"decided\">")
        .nth(1)
        .and_then(|b| b.split("</p>").next())
        .expect("marked as decided");
    assert!(decided.contains("orang berbeda"), "{decided}");
    assert!(
        decided.contains(user_of(Role::Supervisor)),
        "who: {decided}"
    );
    assert!(decided.contains(" WIB"), "when: {decided}");
    assert!(decided.contains("ibu kandung berbeda"), "{decided}");
    assert!(page.body.contains("SITI AMINAH"), "side by side still");
    assert!(
        !page.body.contains("action=\"/review/1/decide\""),
        "no second decision form"
    );
    // A pair that never existed is still not found.
    let none = get(&f, "/review/999", Some(&s), IP).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

/// The rows of the table with this id.
fn rows(body: &str, table: &str) -> usize {
    body.split(&format!("<table id=\"{table}\">"))
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .map_or(0, |t| t.matches("<tr").count().saturating_sub(1))
}

#[tokio::test]
async fn long_tables_come_a_page_at_a_time() {
    let f = fixture(Opts::default());
    let s = login(&f.app, admin(), IP).await;
    {
        let mut store = f.store();
        let a = Actor(format!("user:{}", admin()));
        let now = OffsetDateTime::now_utc();
        for i in 0..120 {
            store
                .printer_set_paused(
                    PRINTER,
                    i % 2 == 0,
                    cetak_store::Change::new(&a, now, "uji halaman"),
                )
                .expect("pause");
        }
        let values: Vec<String> = (0..60)
            .map(|i| format!("('X{i:04}', 'Y{i:04}', 'review', 0.5, '[]', NULL, 0)"))
            .collect();
        store
            .raw_connection()
            .execute_batch(&format!(
                "INSERT INTO dedup_pairs (a, b, kind, probability, evidence, why, run_seq) VALUES {};",
                values.join(", ")
            ))
            .expect("pairs");
        let hash = store
            .users()
            .expect("users")
            .first()
            .map(|u| u.password_hash.clone())
            .expect("a user");
        for i in 0..55 {
            store
                .user_add(&format!("petugas{i:02}"), Role::Operator, &hash, &a, now)
                .expect("user");
        }
    }
    let total = f.store().audit_head().expect("head").0 as usize;
    assert!(total > 180, "{total}");

    let first = get(&f, "/audit", Some(&s), IP).await;
    assert_eq!(rows(&first.body, "audit"), 50);
    assert!(first.body.contains("href=\"?page=2\""), "a link to page 2");
    assert!(!first.body.contains("rel=\"prev\""));
    let pages = total.div_ceil(50);
    let last = get(&f, &format!("/audit?page={pages}"), Some(&s), IP).await;
    assert_eq!(rows(&last.body, "audit"), total - (pages - 1) * 50);
    assert!(last.body.contains(&format!("href=\"?page={}\"", pages - 1)));
    assert!(!last.body.contains("rel=\"next\""));
    // The oldest entry (the import) is on the last page only.
    assert!(last.body.contains("test.csv") && !first.body.contains("test.csv"));
    for odd in ["/audit?page=abc", "/audit?page=0", "/audit?page=-3"] {
        let r = get(&f, odd, Some(&s), IP).await;
        assert_eq!(r.status, StatusCode::OK, "{odd}");
        assert_eq!(rows(&r.body, "audit"), 50, "{odd} is the first page");
    }
    let far = get(&f, "/audit?page=99999999999", Some(&s), IP).await;
    assert_eq!(far.status, StatusCode::OK);
    assert_eq!(rows(&far.body, "audit"), 0);

    let review = get(&f, "/review", Some(&s), IP).await;
    assert_eq!(rows(&review.body, "pairs"), 50);
    let review2 = get(&f, "/review?page=2", Some(&s), IP).await;
    assert_eq!(rows(&review2.body, "pairs"), 11);
    assert!(
        review2.body.contains("Halaman 2 dari 2"),
        "{}",
        review2.body
    );

    let users = get(&f, "/users", Some(&s), IP).await;
    assert_eq!(rows(&users.body, "users"), 50);
    let users2 = get(&f, "/users?page=2", Some(&s), IP).await;
    assert_eq!(rows(&users2.body, "users"), 3 + 55 - 50);

    let print = get(&f, "/print?page=3&ipage=2", Some(&s), IP).await;
    assert_eq!(print.status, StatusCode::OK);
}

/// `cetak --lang en serve`: the pages speak English until a browser chooses; Bahasa Indonesia
/// stays the default otherwise, and a browser's choice (`?lang=`, then its cookie) wins.
#[tokio::test]
async fn the_pages_speak_the_offices_language_unless_the_browser_chooses() {
    let ip = [10, 0, 0, 77];
    let en = fixture(Opts {
        english: true,
        ..Opts::default()
    });
    let page = get(&en, "/login", None, ip).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Log in"), "{}", page.body);
    assert!(!page.body.contains("Kata sandi"), "{}", page.body);
    let chosen = get(&en, "/login?lang=id", None, ip).await;
    assert!(chosen.body.contains("Kata sandi"), "{}", chosen.body);
    let cookie = send(
        &en.app,
        request(
            Method::GET,
            "/login",
            ip,
            &[("cookie", "cetak_lang=id")],
            Body::empty(),
        ),
    )
    .await;
    assert!(cookie.body.contains("Kata sandi"), "{}", cookie.body);
    let id = fixture(Opts::default());
    let page = get(&id, "/login", None, ip).await;
    assert!(page.body.contains("Kata sandi"), "{}", page.body);
    assert!(!page.body.contains("Log in"), "{}", page.body);
}

/// Issue 15, "the operator cannot tell a cut cable from a revoked token": the dashboard says
/// how long the link has been down in words, what waits on each side, and a different message
/// with what to do for a permanent fault.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_tells_a_cut_cable_from_a_revoked_token() {
    let now = OffsetDateTime::now_utc();
    let rfc = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .expect("time")
    };
    let mut pages = Vec::new();
    for fault in ["NULL", "'token'"] {
        let f = fixture(Opts::default());
        f.store()
            .raw_connection()
            .execute_batch(&format!(
                "UPDATE sync_state SET failures = 30, fault = {fault}, last_error = 'connection refused',
                   down_since = '{}', last_ok = '{}', waiting_at_centre = 1234;",
                rfc(now - time::Duration::hours(2 * 24 + 3) - time::Duration::minutes(1)),
                rfc(now - time::Duration::days(3)),
            ))
            .expect("sync state");
        let s = login(&f.app, user_of(Role::Operator), [10, 0, 0, 7]).await;
        let page = get(&f, "/", Some(&s), [10, 0, 0, 7]).await;
        assert_eq!(page.status, StatusCode::OK);
        pages.push(visible_text(&page.body));
    }
    let (cable, token) = (&pages[0], &pages[1]);
    assert!(cable.contains("terputus 2 hari 3 jam"), "{cable}");
    assert!(cable.contains("periksa kabel"), "{cable}");
    assert!(
        cable.contains("1.234"),
        "records waiting at the centre: {cable}"
    );
    assert!(token.contains("token kantor salah atau dicabut"), "{token}");
    assert!(token.contains("cetak central token rotate"), "{token}");
    assert!(!token.contains("periksa kabel"), "{token}");
}
