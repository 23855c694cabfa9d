//! Issue 16, "errors as pages with the input kept": a refused staff form (a missing choice, a
//! value the rules refuse, a busy database, a wrong current password) answers with the form's
//! own page inside the layout — the reason above, a way back — and what was typed put back
//! into the form, never a password. Before, each refusal was a bare message and the clerk typed
//! everything again.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use cetak_domain::access::Role;
use cetak_domain::record::{Checked, EXAMPLE_ROW, Record, col};
use cetak_store::ImportRow;
use common::{
    FORM, Fixture, Opts, REC_A, Resp, Session, fixture, form, login, login_raw, request, send,
    unescape, user_of,
};

const IP: [u8; 4] = [10, 116, 0, 1];

async fn post(f: &Fixture, uri: &str, who: &Session, fields: &[(&str, &str)]) -> Resp {
    common::post_as(f, uri, who, fields, IP).await
}

async fn post_public(f: &Fixture, uri: &str, fields: &[(&str, &str)], ip: [u8; 4]) -> Resp {
    send(
        &f.app,
        request(
            Method::POST,
            uri,
            ip,
            &[("content-type", FORM)],
            form(fields),
        ),
    )
    .await
}

/// The HTML of the form with element id `id` (up to its `</form>`); panics when absent.
fn form_html<'a>(r: &'a Resp, id: &str) -> &'a str {
    let start = r
        .body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no form #{id} on the page: {}", r.body));
    let start = r.body[..start].rfind("<form").expect("a form element");
    let end = r.body[start..].find("</form>").expect("form ends") + start;
    &r.body[start..end]
}

/// The `value` of input `name` in a form's HTML (empty when it has none).
fn input_value(form: &str, name: &str) -> String {
    let at = form
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name} in {form}"));
    let tag_start = form[..at].rfind('<').expect("tag");
    let tag = &form[tag_start..tag_start + form[tag_start..].find('>').expect("tag end")];
    match tag.find("value=\"") {
        Some(v) => {
            let v = &tag[v + 7..];
            unescape(&v[..v.find('"').expect("quote")])
        }
        None => String::new(),
    }
}

/// The selected option of select `name` in a form's HTML.
fn selected(form: &str, name: &str) -> Option<String> {
    let at = form
        .find(&format!("<select name=\"{name}\""))
        .unwrap_or_else(|| panic!("no select {name} in {form}"));
    let select = &form[at..at + form[at..].find("</select>").expect("select ends")];
    select.split("<option").find_map(|o| {
        o.contains(" selected").then(|| {
            let v = &o[o.find("value=\"").expect("value") + 7..];
            v[..v.find('"').expect("quote")].to_string()
        })
    })
}

/// The refusal is a page in the layout with a way back and a link down to the form.
fn assert_refused_in_layout(r: &Resp, status: StatusCode, words: &str, form: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(
        r.body.contains("<header>") && r.body.contains("<nav>"),
        "not a page in the layout: {}",
        r.body
    );
    assert!(r.body.contains("id=\"back\""), "no way back: {}", r.body);
    assert!(r.body.contains(words), "the reason {words:?}: {}", r.body);
    assert!(
        r.body.contains(&format!("href=\"#{form}\"")),
        "no link to the refused form: {}",
        r.body
    );
}

#[tokio::test]
async fn a_refused_decision_keeps_the_reason_and_the_choice() {
    let f = fixture(Opts::default());
    let s = login(&f.app, user_of(Role::Supervisor), IP).await;
    let before = f.snapshot();
    let reason = "Ibu kandung <b>berbeda</b> & \"tanggal\" tertukar";
    // No choice: the pair's page again, the reason typed still in its box (escaped).
    let r = post(&f, "/review/1/decide", &s, &[("reason", reason)]).await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Pilih keputusan",
        "form-decide",
    );
    assert!(
        r.body.contains("table class=\"side\""),
        "the pair itself is shown again: {}",
        r.body
    );
    let decide = form_html(&r, "form-decide");
    assert_eq!(input_value(decide, "reason"), reason);
    assert!(
        !r.body.contains("<b>berbeda</b>"),
        "typed markup is escaped"
    );
    assert!(!decide.contains("checked"), "nothing was chosen: {decide}");
    assert!(
        unescape(&r.body).contains("href=\"/review/1\" id=\"back\""),
        "back to the pair's page afresh: {}",
        r.body
    );
    // A choice without a reason: the choice stays chosen.
    let r = post(&f, "/review/1/decide", &s, &[("decision", "different")]).await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "perlu alasan",
        "form-decide",
    );
    let decide = form_html(&r, "form-decide");
    assert!(
        decide.contains("value=\"different\" id=\"different\" required checked"),
        "{decide}"
    );
    assert!(!decide.contains("value=\"same\" id=\"same\" required checked"));
    assert_eq!(f.snapshot(), before, "nothing was decided");
    // The same page without a refusal keeps nothing.
    let cookie = s.cookie_header();
    let fresh = send(
        &f.app,
        request(
            Method::GET,
            "/review/1",
            IP,
            &[("cookie", &cookie)],
            Body::empty(),
        ),
    )
    .await;
    assert_eq!(input_value(form_html(&fresh, "form-decide"), "reason"), "");
    assert!(!fresh.body.contains("id=\"message\""));
    // Refused by the guard (a stale form) from a refusal's page: "back" is never the
    // POST's address, which is no page.
    let stale = send(
        &f.app,
        request(
            Method::POST,
            "/review/1/decide",
            IP,
            &[
                ("cookie", &cookie),
                ("content-type", FORM),
                ("host", "office.local"),
                ("referer", "http://office.local/review/1/decide"),
            ],
            form(&[("decision", "same"), ("reason", "x"), ("csrf", "stale")]),
        ),
    )
    .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    let body = unescape(&stale.body);
    assert!(body.contains("href=\"/review\" id=\"back\""), "{body}");
    // From a page, back goes to that page.
    let stale = send(
        &f.app,
        request(
            Method::POST,
            "/review/1/decide",
            IP,
            &[
                ("cookie", &cookie),
                ("content-type", FORM),
                ("host", "office.local"),
                ("referer", "http://office.local/review/1?lang=id"),
            ],
            form(&[("decision", "same"), ("reason", "x"), ("csrf", "stale")]),
        ),
    )
    .await;
    assert!(unescape(&stale.body).contains("href=\"/review/1?lang=id\" id=\"back\""));
}

/// A form refused by the guard because its token went stale (the page stood open while the
/// session was renewed) keeps what was typed: shown, and sent again with the current token
/// after one press — nothing was changed before that. A password is never carried over.
#[tokio::test]
async fn a_stale_form_keeps_what_was_typed_and_sends_it_again() {
    let f = fixture(Opts::default());
    let s = login(&f.app, user_of(Role::Supervisor), IP).await;
    let before = f.snapshot();
    let cookie = s.cookie_header();
    let reason = "kembar, sudah cek KK <b>asli</b>";
    let stale = send(
        &f.app,
        request(
            Method::POST,
            "/review/1/decide",
            IP,
            &[("cookie", &cookie), ("content-type", FORM)],
            form(&[
                ("decision", "different"),
                ("reason", reason),
                ("password", "never-shown-again"),
                ("csrf", "stale-token"),
            ]),
        ),
    )
    .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert!(
        stale.body.contains("Formulir ini sudah kedaluwarsa"),
        "{}",
        stale.body
    );
    assert_eq!(f.snapshot(), before, "nothing changed on a stale form");
    let again = form_html(&stale, "form-resend");
    assert!(
        unescape(again).contains("action=\"/review/1/decide\""),
        "{again}"
    );
    assert_eq!(input_value(again, "reason"), reason);
    assert_eq!(input_value(again, "decision"), "different");
    assert!(
        again.contains("<dt>Alasan</dt>"),
        "fields named in words: {again}"
    );
    assert_eq!(
        input_value(again, "csrf"),
        s.csrf,
        "the session's current token"
    );
    assert!(
        !stale.body.contains("never-shown-again"),
        "no password carried"
    );
    assert!(!again.contains("stale-token"));
    // One press: the same fields with the current token are accepted.
    let resent = post(
        &f,
        "/review/1/decide",
        &s,
        &[("decision", "different"), ("reason", reason)],
    )
    .await;
    assert!(
        resent.status.is_redirection() || resent.status.is_success(),
        "{}: {}",
        resent.status,
        resent.body
    );
    assert_ne!(f.snapshot(), before, "the decision was recorded");
}

#[tokio::test]
async fn a_refused_stock_receipt_keeps_the_numbers_typed() {
    let f = fixture(Opts::default());
    let s = login(&f.app, user_of(Role::Admin), IP).await;
    let ok = post(
        &f,
        "/stock/receive",
        &s,
        &[
            ("first", "1"),
            ("last", "500"),
            ("date", "2026-11-02"),
            ("reference", "SJ-0041"),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // Checked by the page: no date.
    let typed = [
        ("first", "14001"),
        ("last", "14798"),
        ("date", ""),
        ("reference", "SJ-0042/XI"),
    ];
    let r = post(&f, "/stock/receive", &s, &typed).await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Isi tanggal penerimaan",
        "form-receive",
    );
    let receive = form_html(&r, "form-receive");
    for (name, value) in typed {
        assert_eq!(input_value(receive, name), value, "{name}");
    }
    assert!(r.body.contains("id=\"balanced\""), "the stock page itself");
    // Refused by the store: the range overlaps the batch received.
    let typed = [
        ("first", "450"),
        ("last", "900"),
        ("date", "2026-11-03"),
        ("reference", "SJ-0043"),
    ];
    let r = post(&f, "/stock/receive", &s, &typed).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("Ditolak"), "{}", r.body);
    assert!(r.body.contains("bertumpang"), "in Indonesian: {}", r.body);
    let receive = form_html(&r, "form-receive");
    for (name, value) in typed {
        assert_eq!(input_value(receive, name), value, "{name}");
    }
    // Not a number: still a page with what was typed.
    let r = post(
        &f,
        "/stock/receive",
        &s,
        &[
            ("first", "satu"),
            ("last", "20"),
            ("date", "2026-11-02"),
            ("reference", "x"),
        ],
    )
    .await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "harus angka",
        "form-receive",
    );
    assert_eq!(input_value(form_html(&r, "form-receive"), "first"), "satu");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_refused_by_a_busy_database_answers_the_form_with_the_values_kept() {
    let f = fixture(Opts::default());
    let admin = login(&f.app, user_of(Role::Admin), IP).await;
    let spv = login(&f.app, user_of(Role::Supervisor), IP).await;
    // Another process (an import, a dedup run) holds the write lock.
    let holder = f.store();
    holder
        .raw_connection()
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let typed = [
        ("first", "1"),
        ("last", "14798"),
        ("date", "2026-11-02"),
        ("reference", "SJ-0042"),
    ];
    let r = post(&f, "/stock/receive", &admin, &typed).await;
    assert_refused_in_layout(
        &r,
        StatusCode::SERVICE_UNAVAILABLE,
        "sedang sibuk",
        "form-receive",
    );
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    let receive = form_html(&r, "form-receive");
    for (name, value) in typed {
        assert_eq!(input_value(receive, name), value, "{name}");
    }
    let reason = "dua orang: ibu kandung berbeda";
    let r = post(
        &f,
        "/review/1/decide",
        &spv,
        &[("decision", "same"), ("reason", reason)],
    )
    .await;
    assert_refused_in_layout(
        &r,
        StatusCode::SERVICE_UNAVAILABLE,
        "sedang sibuk",
        "form-decide",
    );
    let decide = form_html(&r, "form-decide");
    assert_eq!(input_value(decide, "reason"), reason);
    assert!(decide.contains("value=\"same\" id=\"same\" required checked"));
    let r = post(
        &f,
        "/users",
        &admin,
        &[
            ("name", "kasir.dewi"),
            ("role", "supervisor"),
            ("password", "kuda merah makan pempek"),
        ],
    )
    .await;
    assert_refused_in_layout(
        &r,
        StatusCode::SERVICE_UNAVAILABLE,
        "sedang sibuk",
        "form-user-add",
    );
    let add = form_html(&r, "form-user-add");
    assert_eq!(input_value(add, "name"), "kasir.dewi");
    assert_eq!(selected(add, "role").as_deref(), Some("supervisor"));
    assert!(!r.body.contains("kuda merah"), "a password is never echoed");
    holder
        .raw_connection()
        .execute_batch("ROLLBACK")
        .expect("release");
}

#[tokio::test]
async fn refused_account_forms_keep_names_and_choices_but_never_passwords() {
    let f = fixture(Opts::default());
    let admin = login(&f.app, user_of(Role::Admin), IP).await;
    let before = f.snapshot();
    // A weak password: the name and role stay, the password does not come back.
    let r = post(
        &f,
        "/users",
        &admin,
        &[
            ("name", "kasir.dewi"),
            ("role", "operator"),
            ("password", "kasir.dewi-2024"),
        ],
    )
    .await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Kata sandi",
        "form-user-add",
    );
    let add = form_html(&r, "form-user-add");
    assert_eq!(input_value(add, "name"), "kasir.dewi");
    assert_eq!(selected(add, "role").as_deref(), Some("operator"));
    assert_eq!(input_value(add, "password"), "");
    assert!(r.body.contains("id=\"users\""), "the users page itself");
    // A role change without a role: that row's form is pointed at.
    let op = user_of(Role::Operator);
    let r = post(&f, &format!("/users/{op}/role"), &admin, &[("role", "")]).await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Pilih peran",
        &format!("form-role-{op}"),
    );
    // A typed reset password the policy refuses is not shown again.
    let r = post(
        &f,
        &format!("/users/{op}/password"),
        &admin,
        &[("password", "bismillah123")],
    )
    .await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Kata sandi",
        &format!("form-reset-{op}"),
    );
    assert!(!r.body.contains("bismillah123"), "{}", r.body);
    // An unknown account: a page with a way back, not a bare error.
    let r = post(&f, "/users/nobody.here/disable", &admin, &[]).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.body.contains("id=\"back\"") && r.body.contains("<nav>"));
    // My own password: a wrong current one is refused on the account page; nothing typed
    // (all passwords) comes back.
    let r = post(
        &f,
        "/account/password",
        &admin,
        &[
            ("current", "salah-sekali-123"),
            ("password", "sungai musi lebar sekali"),
            ("password2", "sungai musi lebar sekali"),
        ],
    )
    .await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Kata sandi sekarang salah",
        "form-password",
    );
    assert!(
        !r.body.contains("salah-sekali-123") && !r.body.contains("sungai musi"),
        "{}",
        r.body
    );
    assert!(r.body.contains("id=\"current\""), "the account form itself");
    assert_eq!(f.snapshot(), before, "nothing changed");
}

#[tokio::test]
async fn a_refused_correction_keeps_field_value_and_reason() {
    const ID: &str = "PLG-FIX-9";
    let f = fixture(Opts::default());
    {
        let mut fields = EXAMPLE_ROW;
        fields[col::RECORDING_ID] = ID;
        fields[col::NAMA] = "S1TI AMINAH";
        let Checked::NeedsCorrection(draft) = Record::check(&fields) else {
            panic!("a row needing correction");
        };
        f.store()
            .import_batch(
                "desk.csv",
                &[ImportRow::NeedsCorrection {
                    line: 2,
                    draft,
                    raw: fields.join(",").into_bytes(),
                    media: None,
                }],
                "system:test",
                time::OffsetDateTime::now_utc(),
            )
            .expect("import");
    }
    let s = login(&f.app, user_of(Role::Operator), IP).await;
    // The "corrected" name is the name already there: refused, with all three kept.
    let typed = [
        ("field", "nama"),
        ("value", "S1TI AMINAH"),
        ("reason", "salah ketik di loket 3"),
    ];
    let r = post(&f, &format!("/correct/{ID}"), &s, &typed).await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    assert!(r.body.contains("id=\"back\"") && r.body.contains("<nav>"));
    assert!(
        r.body.contains("sudah &quot;S1TI AMINAH&quot;"),
        "the store's refusal in Indonesian: {}",
        r.body
    );
    let correct = form_html(&r, "correct");
    assert_eq!(selected(correct, "field").as_deref(), Some("nama"));
    assert_eq!(input_value(correct, "value"), "S1TI AMINAH");
    assert_eq!(input_value(correct, "reason"), "salah ketik di loket 3");
}

#[tokio::test]
async fn refused_print_page_forms_keep_what_was_typed() {
    let f = fixture(Opts::default());
    let s = login(&f.app, user_of(Role::Supervisor), IP).await;
    // Raising a recording that is not waiting for a card.
    let r = post(
        &f,
        "/print/raise",
        &s,
        &[("recording_id", "PLG99999999"), ("reason", "warga lansia")],
    )
    .await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    assert!(r.body.contains("href=\"#form-raise\"") && r.body.contains("id=\"back\""));
    let raise = form_html(&r, "form-raise");
    assert_eq!(input_value(raise, "recording_id"), "PLG99999999");
    assert_eq!(input_value(raise, "reason"), "warga lansia");
    assert!(r.body.contains("id=\"queue\""), "the print page itself");
    // Hand-over: a NIK of 15 digits stays in the box to be corrected.
    let r = post(&f, "/handover", &s, &[("nik", "167101450890000")]).await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "NIK harus 16 angka",
        "form-handover",
    );
    assert_eq!(
        input_value(form_html(&r, "form-handover"), "nik"),
        "167101450890000"
    );
    // A raise of a queued recording works, and the next print page keeps nothing.
    let ok = post(
        &f,
        "/print/raise",
        &s,
        &[("recording_id", REC_A), ("reason", "warga lansia")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

#[tokio::test]
async fn the_resident_page_keeps_what_was_typed_unless_the_card_was_found() {
    let f = fixture(Opts {
        resident_per_minute: 3,
        ..Opts::default()
    });
    let nik = EXAMPLE_ROW[col::NIK];
    let dob = EXAMPLE_ROW[col::TANGGAL_LAHIR];
    let mother = EXAMPLE_ROW[col::NAMA_IBU];
    let ip = [10, 116, 9, 1];
    let typed = [
        ("nik", nik),
        ("tanggal_lahir", dob),
        ("nama_ibu", "SITI SALAH"),
    ];
    let r = post_public(&f, "/cek", &typed, ip).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("tidak ditemukan"), "{}", r.body);
    let cek = form_html(&r, "form-cek");
    for (name, value) in typed {
        assert_eq!(input_value(cek, name), value, "{name}");
    }
    let found = post_public(
        &f,
        "/cek",
        &[("nik", nik), ("tanggal_lahir", dob), ("nama_ibu", mother)],
        ip,
    )
    .await;
    assert!(!found.body.contains("tidak ditemukan"), "{}", found.body);
    assert_eq!(input_value(form_html(&found, "form-cek"), "nik"), "");
    // Over the per-minute limit: a refusal on the same page, the input still there.
    let r = post_public(&f, "/cek", &typed, ip).await;
    let r2 = post_public(&f, "/cek", &typed, ip).await;
    let limited = if r.status == StatusCode::TOO_MANY_REQUESTS {
        r
    } else {
        r2
    };
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    assert!(limited.body.contains("Terlalu banyak") && limited.body.contains("id=\"back\""));
    assert_eq!(input_value(form_html(&limited, "form-cek"), "nik"), nik);
}

#[tokio::test]
async fn a_failed_login_keeps_the_name_but_not_the_password() {
    let f = fixture(Opts::default());
    let r = login_raw(&f.app, "spv.budi", "tebakan-yang-salah", "/", IP).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let login = form_html(&r, "form-login");
    assert_eq!(input_value(login, "name"), "spv.budi");
    assert_eq!(input_value(login, "password"), "");
    assert!(!r.body.contains("tebakan-yang-salah"));
}

#[tokio::test]
async fn a_refused_inspection_keeps_the_finding_and_cause_chosen() {
    let f = fixture(Opts::default());
    f.attempt_waiting_for_inspection(41);
    let s = login(&f.app, user_of(Role::Operator), IP).await;
    let before = f.snapshot();
    let inspect_form = |r: &Resp| {
        let form = form_html(r, "form-inspect-41").to_string();
        (selected(&form, "verdict"), selected(&form, "cause"))
    };
    // No finding: the cause chosen stays chosen (not the suggested one).
    let r = post(&f, "/print/inspect/41", &s, &[("cause", "melted")]).await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Pilih hasil pemeriksaan",
        "form-inspect-41",
    );
    assert_eq!(inspect_form(&r), (None, Some("melted".into())));
    // Spoiled without a cause: the finding stays chosen.
    let r = post(
        &f,
        "/print/inspect/41",
        &s,
        &[("verdict", "spoiled"), ("cause", "")],
    )
    .await;
    assert_refused_in_layout(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Pilih penyebab",
        "form-inspect-41",
    );
    assert_eq!(inspect_form(&r).0.as_deref(), Some("spoiled"));
    // Complete, but no printer can be asked from here: both kept.
    let r = post(
        &f,
        "/print/inspect/41",
        &s,
        &[("verdict", "spoiled"), ("cause", "chip_failure")],
    )
    .await;
    assert_refused_in_layout(
        &r,
        StatusCode::CONFLICT,
        "Belum dapat dicatat",
        "form-inspect-41",
    );
    assert_eq!(
        inspect_form(&r),
        (Some("spoiled".into()), Some("chip_failure".into()))
    );
    assert_eq!(f.snapshot(), before, "nothing recorded");
    // Without a refusal the page suggests the attempt's own cause.
    let cookie = s.cookie_header();
    let fresh = send(
        &f.app,
        request(
            Method::GET,
            "/print",
            IP,
            &[("cookie", &cookie)],
            Body::empty(),
        ),
    )
    .await;
    assert_eq!(inspect_form(&fresh), (None, Some("jam".into())));
}

/// What a browser may type into a form always fits the body the server reads, so a form is
/// never refused unread (and its input lost): every field a person types into has a
/// `maxlength`, and each form's fields together, at nine bytes a character (a three-byte UTF-8
/// character percent-encoded), stay under the limit. Only the photo upload can be larger; it
/// says its limits and is read up to far beyond them (see `media_pages.rs`).
#[test]
fn a_browser_cannot_type_a_form_too_large_to_read() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("templates") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("template");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for form in text.split("<form").skip(1) {
            let form = form.split("</form>").next().unwrap_or(form);
            let mut total = 0usize;
            for tag in form.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap_or(tag);
                let typed = if tag.starts_with("textarea") {
                    true
                } else if tag.starts_with("input") {
                    let kind = tag
                        .split("type=\"")
                        .nth(1)
                        .and_then(|t| t.split('"').next())
                        .unwrap_or("text");
                    matches!(
                        kind,
                        "text" | "password" | "search" | "tel" | "email" | "url"
                    )
                } else {
                    false
                };
                if !typed {
                    continue;
                }
                checked += 1;
                let max = tag
                    .split("maxlength=\"")
                    .nth(1)
                    .and_then(|t| t.split('"').next())
                    .and_then(|n| n.parse::<usize>().ok());
                let Some(max) = max else {
                    panic!("{name}: a field without maxlength: <{tag}>");
                };
                total += max * 9;
            }
            assert!(
                total + 1024 < cetak_web::auth::MAX_BODY,
                "{name}: a form whose fields may reach {total} bytes"
            );
        }
    }
    assert!(checked >= 10, "only {checked} typed fields found");
}
