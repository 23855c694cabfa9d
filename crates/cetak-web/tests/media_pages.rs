//! Issue 17 item 5: the person on the card on the staff pages. A photo or signature is served
//! only to the roles whose work needs it (operator, supervisor — never the admin, never the
//! public), one audited view at a time, with headers that keep it out of caches and sniffers;
//! the review pair shows both recordings' photos; the correction page attaches a new photo
//! after the import's checks; the hand-over confirmation shows whose card it is.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use cetak_domain::access::Role;
use cetak_domain::lifecycle::Actor;
use cetak_domain::media::{MediaItem, MediaSlot, MediaVerdict, RowMedia};
use cetak_domain::record::{EXAMPLE_ROW, ImportRow, Record, col};
use common::{Fixture, Opts, REC_A, REC_B, Resp, Session, fixture, login, request, send, user_of};

const IP: [u8; 4] = [10, 17, 5, 1];
/// A recording that came without a photo: held in perlu_perbaikan.
const NO_PHOTO: &str = "PLG-NOFOTO-1";

fn checked(slot: MediaSlot, bytes: Vec<u8>) -> MediaItem {
    let mut item = MediaItem {
        slot,
        bytes,
        verdict: MediaVerdict::Unchecked,
    };
    cetak_ingest::media::check(&mut item);
    item
}

fn photo(n: u64) -> Vec<u8> {
    cetak_media::synth::portrait(n, n)
}

fn signature(n: u64) -> Vec<u8> {
    cetak_media::synth::signature(n, n)
}

/// Attach a valid photo (and signature) to a fixture recording, as the command line does.
fn attach(f: &Fixture, id: &str, n: u64, with_signature: bool) {
    let mut s = f.store();
    let a = Actor("system:test".into());
    let now = time::OffsetDateTime::now_utc();
    let item = checked(MediaSlot::Foto, photo(n));
    assert!(matches!(item.verdict, MediaVerdict::Valid { .. }));
    s.media_attach(id, &item, cetak_store::Change::new(&a, now, "test photo"))
        .expect("attach photo");
    if with_signature {
        let item = checked(MediaSlot::TandaTangan, signature(n));
        s.media_attach(
            id,
            &item,
            cetak_store::Change::new(&a, now, "test signature"),
        )
        .expect("attach signature");
    }
}

/// Import [`NO_PHOTO`]: a signature and a fingerprint template, no photo.
fn import_without_photo(f: &Fixture) {
    let mut fields = EXAMPLE_ROW;
    fields[col::RECORDING_ID] = NO_PHOTO;
    fields[col::NIK] = "1671014508900003";
    let media = RowMedia {
        items: vec![
            checked(MediaSlot::TandaTangan, signature(3)),
            MediaItem {
                slot: MediaSlot::Jari(2),
                bytes: b"FMR\0 not really".to_vec(),
                verdict: MediaVerdict::Valid {
                    mime: "application/x-iso19794-2".into(),
                    width: 0,
                    height: 0,
                },
            },
        ],
        unplaced: Vec::new(),
    };
    f.store()
        .import_batch(
            "desk.csv",
            &[ImportRow::Valid {
                line: 2,
                record: Record::validate(&fields).expect("valid row"),
                raw: fields.join(",").into_bytes(),
                media: Some(Box::new(media)),
            }],
            "system:test",
            time::OffsetDateTime::now_utc(),
        )
        .expect("import");
}

async fn get(f: &Fixture, uri: &str, who: Option<&Session>) -> Resp {
    let cookie = who.map(Session::cookie_header).unwrap_or_default();
    let headers: Vec<(&str, &str)> = if who.is_some() {
        vec![("cookie", cookie.as_str())]
    } else {
        Vec::new()
    };
    send(
        &f.app,
        request(Method::GET, uri, IP, &headers, Body::empty()),
    )
    .await
}

/// `GET` returning the raw bytes (images).
async fn get_bytes(
    f: &Fixture,
    uri: &str,
    who: &Session,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let cookie = who.cookie_header();
    let r = f
        .app
        .clone()
        .oneshot(request(
            Method::GET,
            uri,
            IP,
            &[("cookie", &cookie)],
            Body::empty(),
        ))
        .await
        .expect("infallible");
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = r.into_body().collect().await.expect("body").to_bytes();
    (status, headers, bytes.to_vec())
}

fn media_views(f: &Fixture) -> Vec<(String, String, String)> {
    f.store()
        .raw_connection()
        .prepare(
            "SELECT actor, subject, reason FROM audit_log WHERE action = 'media_view' ORDER BY seq",
        )
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

const BOUNDARY: &str = "----cetak-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body: text fields, then the file (if any) as `file`.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, mime, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn upload(f: &Fixture, id: &str, who: &Session, body: Vec<u8>) -> Resp {
    let cookie = who.cookie_header();
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    send(
        &f.app,
        request(
            Method::POST,
            &format!("/correct/{id}/media"),
            IP,
            &[("cookie", &cookie), ("content-type", &ct)],
            body,
        ),
    )
    .await
}

#[tokio::test]
async fn operator_and_supervisor_see_a_photo_each_view_audited_the_admin_and_strangers_do_not() {
    let f = fixture(Opts::default());
    attach(&f, REC_A, 1, true);
    let uri = format!("/media/{REC_A}/foto?for=review-1");
    for role in [Role::Operator, Role::Supervisor] {
        let s = login(&f.app, user_of(role), IP).await;
        let before = media_views(&f).len();
        let (status, headers, bytes) = get_bytes(&f, &uri, &s).await;
        assert_eq!(status, StatusCode::OK, "{role:?}");
        assert_eq!(bytes, photo(1), "the stored photo, byte for byte");
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(h("content-type"), "image/jpeg");
        assert_eq!(h("cache-control"), "no-store");
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("content-disposition"), "inline");
        assert!(h("content-security-policy").contains("default-src 'none'"));
        assert!(h("content-security-policy").contains("sandbox"));
        // One audit entry per view, naming the person and the page.
        let views = media_views(&f);
        assert_eq!(views.len(), before + 1, "{views:?}");
        let (actor, subject, reason) = views.last().expect("a view").clone();
        assert_eq!(actor, format!("user:{}", user_of(role)));
        assert_eq!(subject, REC_A);
        assert!(reason.contains("review-1"), "{reason}");
        // The signature too, with its own type.
        let (status, headers, _) =
            get_bytes(&f, &format!("/media/{REC_A}/tanda_tangan?for=review-1"), &s).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "image/png");
    }
    let before = media_views(&f).len();
    // The admin is IT, not registry staff.
    let admin = login(&f.app, user_of(Role::Admin), IP).await;
    let r = get(&f, &uri, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.headers["cache-control"], "no-store");
    // No session: to the login page, as every staff page.
    let r = get(&f, &uri, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().is_some_and(|l| l.starts_with("/login")));
    // A forged or ended session: the same.
    let forged = Session {
        cookie: "0".repeat(64),
        csrf: String::new(),
    };
    let r = get(&f, &uri, Some(&forged)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(media_views(&f).len(), before, "refused views are not shown");
}

#[tokio::test]
async fn templates_empty_slots_and_hostile_paths_are_refused_without_a_view() {
    let f = fixture(Opts::default());
    attach(&f, REC_A, 1, false);
    import_without_photo(&f);
    let spv = login(&f.app, user_of(Role::Supervisor), IP).await;
    let huge = "A".repeat(10_000);
    let cases: Vec<(String, StatusCode)> = vec![
        // Fingerprint templates are never served, even to a supervisor.
        (
            format!("/media/{NO_PHOTO}/jari-02?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{NO_PHOTO}/jari-07?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        // Empty slots.
        (
            format!("/media/{NO_PHOTO}/foto?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{REC_A}/tanda_tangan?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{REC_B}/foto?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        // Slots that are not slots, ids that are not ids.
        (
            format!("/media/{REC_A}/FOTO?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{REC_A}/foto.jpg?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{REC_A}/..%2Ffoto?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        ("/media/../foto?for=review-1".into(), StatusCode::NOT_FOUND),
        (
            "/media/..%2F..%2F..%2Fetc%2Fpasswd/foto?for=review-1".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{REC_A}%2F..%2F{REC_A}/foto?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{REC_A}%00/foto?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/media/%27%20OR%201%3D1--/foto?for=review-1".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{huge}/foto?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{REC_A}/foto/x?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/media/{REC_A}?for=review-1"),
            StatusCode::NOT_FOUND,
        ),
        // No page named, or one that is not a page: nothing shown.
        (format!("/media/{REC_A}/foto"), StatusCode::BAD_REQUEST),
        (format!("/media/{REC_A}/foto?for="), StatusCode::BAD_REQUEST),
        (
            format!("/media/{REC_A}/foto?for=audit"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/media/{REC_A}/foto?for=review-%3Cscript%3E"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/media/{REC_A}/foto?for=review-{huge}"),
            StatusCode::BAD_REQUEST,
        ),
    ];
    let before = f.snapshot();
    for (uri, want) in &cases {
        let r = get(&f, uri, Some(&spv)).await;
        assert_eq!(
            r.status,
            *want,
            "{}: {}",
            &uri[..uri.len().min(120)],
            r.body
        );
        assert!(
            !r.headers["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("image/"),
            "{uri}"
        );
        if r.status == StatusCode::NOT_FOUND || r.status == StatusCode::BAD_REQUEST {
            // Said in words, within the layout.
            assert!(r.body.contains("<html"), "{uri}: {}", r.body);
        }
    }
    assert!(media_views(&f).is_empty(), "{:?}", media_views(&f));
    assert_eq!(f.snapshot(), before, "nothing written");
    // And the real photo still answers.
    let r = get(&f, &format!("/media/{REC_A}/foto?for=review-1"), Some(&spv)).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_review_pair_shows_both_recordings_photos_side_by_side() {
    let f = fixture(Opts::default());
    attach(&f, REC_A, 1, true);
    attach(&f, REC_B, 2, true);
    let spv = login(&f.app, user_of(Role::Supervisor), IP).await;
    let page = get(&f, "/review/1", Some(&spv)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = common::unescape(&page.body);
    for id in [REC_A, REC_B] {
        for slot in ["foto", "tanda_tangan"] {
            assert!(
                body.contains(&format!("<img src=\"/media/{id}/{slot}?for=review-1\"")),
                "{id} {slot}: {body}"
            );
        }
    }
    assert_eq!(body.matches("<img ").count(), 4, "{body}");
    assert!(body.contains("id=\"media-pair\""));
    // Rendering the page shows nothing by itself: only the browser's image requests are views.
    assert!(media_views(&f).is_empty());

    // A side without a photo says so in words.
    let f = fixture(Opts::default());
    attach(&f, REC_A, 1, true);
    let spv = login(&f.app, user_of(Role::Supervisor), IP).await;
    let page = get(&f, "/review/1", Some(&spv)).await;
    let body = common::unescape(&page.body);
    assert_eq!(body.matches("<img ").count(), 2, "{body}");
    assert!(body.contains("Tidak ada foto"), "{body}");
    assert!(body.contains("Tidak ada tanda tangan"), "{body}");
    let page = get(&f, "/review/1?lang=en", Some(&spv)).await;
    assert!(page.body.contains("No photo"), "{}", page.body);
}

#[tokio::test]
async fn an_operator_attaches_a_photo_that_resolves_the_missing_one() {
    let f = fixture(Opts::default());
    import_without_photo(&f);
    let op = login(&f.app, user_of(Role::Operator), IP).await;
    let page = get(&f, &format!("/correct/{NO_PHOTO}"), Some(&op)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The open media problem in words, the empty photo box, the signature shown, the form.
    assert!(page.body.contains("foto tidak ada"), "{}", page.body);
    assert!(!page.body.contains("foto_missing"), "{}", page.body);
    assert!(page.body.contains("Tidak ada foto"), "{}", page.body);
    let body = common::unescape(&page.body);
    assert!(
        body.contains(&format!(
            "<img src=\"/media/{NO_PHOTO}/tanda_tangan?for=correct-{NO_PHOTO}\""
        )),
        "{body}"
    );
    assert!(body.contains("enctype=\"multipart/form-data\""), "{body}");
    let csrf = page.hidden("csrf").expect("csrf");
    assert_eq!(csrf, op.csrf);
    let state = |f: &Fixture| {
        f.store()
            .correction_view(NO_PHOTO)
            .expect("view")
            .state
            .as_str()
            .to_string()
    };
    assert_eq!(state(&f), "perlu_perbaikan");

    let r = upload(
        &f,
        NO_PHOTO,
        &op,
        multipart(
            &[
                ("csrf", &op.csrf),
                ("slot", "foto"),
                ("reason", "foto baru dari loket"),
            ],
            Some(("wajah.jpg", "image/jpeg", &photo(3))),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(format!("/correct/{NO_PHOTO}").as_str()));
    assert_ne!(state(&f), "perlu_perbaikan", "no blocking problem is left");
    let v = f.store().correction_view(NO_PHOTO).expect("view");
    assert!(
        v.problems
            .iter()
            .filter(|p| p.field == "foto")
            .all(|p| p.resolved_seq.is_some()),
        "{:?}",
        v.problems
    );
    let attached: (String, String) = f
        .store()
        .raw_connection()
        .query_row(
            "SELECT actor, reason FROM audit_log WHERE action = 'media_attach' AND subject = ?1",
            [NO_PHOTO],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the attachment is audited");
    assert_eq!(
        attached,
        ("user:op.rina".into(), "foto baru dari loket".into())
    );
    // Back on the page, with the confirmation and the new photo.
    let cookie = format!("{}; {}", op.cookie_header(), {
        let flash = r.cookie("cetak_flash").expect("flash");
        format!("cetak_flash={flash}")
    });
    let page = send(
        &f.app,
        request(
            Method::GET,
            &format!("/correct/{NO_PHOTO}"),
            IP,
            &[("cookie", &cookie)],
            Body::empty(),
        ),
    )
    .await;
    let body = common::unescape(&page.body);
    assert!(body.contains("Foto PLG-NOFOTO-1 dilampirkan"), "{body}");
    assert!(
        body.contains(&format!(
            "<img src=\"/media/{NO_PHOTO}/foto?for=correct-{NO_PHOTO}\""
        )),
        "{body}"
    );
    assert!(!body.contains("foto tidak ada"), "{body}");
    let (status, _, bytes) = get_bytes(
        &f,
        &format!("/media/{NO_PHOTO}/foto?for=correct-{NO_PHOTO}"),
        &op,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, photo(3));
}

#[tokio::test]
async fn bad_uploads_are_refused_with_words_and_nothing_is_written() {
    let f = fixture(Opts::default());
    import_without_photo(&f);
    let op = login(&f.app, user_of(Role::Operator), IP).await;
    let list = || f.store().media_list(NO_PHOTO).expect("list");
    let media_before = list();
    let before = f.snapshot();
    let mut random = vec![0u8; 40_000];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (i.wrapping_mul(2654435761) >> 13) as u8;
    }
    let png = signature(9);
    let ok_fields = |slot: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", op.csrf.clone()),
            ("slot", slot.into()),
            ("reason", "foto baru".into()),
        ]
    };
    let body = |fields: &[(&str, String)], file: Option<(&str, &str, &[u8])>| {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        multipart(&f, file)
    };
    // (what, body, status, words the page must say)
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "a PNG as the photo",
            body(&ok_fields("foto"), Some(("foto.jpg", "image/jpeg", &png))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Foto ditolak",
        ),
        (
            "random bytes",
            body(
                &ok_fields("foto"),
                Some(("foto.jpg", "image/jpeg", &random)),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Foto ditolak",
        ),
        (
            "random bytes as the signature",
            body(
                &ok_fields("tanda_tangan"),
                Some(("ttd.png", "image/png", &random)),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tanda tangan ditolak",
        ),
        (
            "no file",
            body(&ok_fields("foto"), None),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Pilih berkas gambar",
        ),
        (
            "no reason",
            body(
                &[("csrf", op.csrf.clone()), ("slot", "foto".into())],
                Some(("foto.jpg", "image/jpeg", &photo(4))),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Isi alasan",
        ),
        (
            "a template slot",
            body(
                &ok_fields("jari-02"),
                Some(("j.fmr", "application/octet-stream", &random)),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Pilih foto atau tanda tangan",
        ),
        (
            "no CSRF token",
            body(
                &[("slot", "foto".into()), ("reason", "x".into())],
                Some(("foto.jpg", "image/jpeg", &photo(4))),
            ),
            StatusCode::FORBIDDEN,
            "formulir kedaluwarsa",
        ),
        (
            "a wrong CSRF token",
            body(
                &[
                    ("csrf", "0".repeat(64)),
                    ("slot", "foto".into()),
                    ("reason", "x".into()),
                ],
                Some(("foto.jpg", "image/jpeg", &photo(4))),
            ),
            StatusCode::FORBIDDEN,
            "formulir kedaluwarsa",
        ),
        (
            // A phone's photo: read, refused by the check with the sizes, the form kept.
            "a 5 MiB photo",
            body(
                &ok_fields("foto"),
                Some(("foto.jpg", "image/jpeg", &vec![0xffu8; 5 * 1024 * 1024])),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "(5,0 MiB, paling besar 2,0 MiB)",
        ),
        (
            "a body beyond the upload limit",
            body(
                &ok_fields("foto"),
                Some((
                    "foto.jpg",
                    "image/jpeg",
                    &vec![0xffu8; cetak_web::auth::MAX_UPLOAD + 10],
                )),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "lebih dari 16,0 MiB; foto paling besar 2,0 MiB",
        ),
    ];
    for (what, b, status, words) in cases {
        let had_reason = b.windows(9).any(|w| w == b"foto baru");
        let r = upload(&f, NO_PHOTO, &op, b).await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert!(r.body.contains(words), "{what}: {}", r.body);
        assert!(r.body.contains("<html"), "{what}: within the layout");
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            // The correction page again, the form kept.
            assert!(r.body.contains("id=\"form-media\""), "{what}: {}", r.body);
            assert!(
                !had_reason || r.body.contains("value=\"foto baru\""),
                "{what}: the reason kept: {}",
                r.body
            );
        }
        assert_eq!(list(), media_before, "{what}: media unchanged");
        assert_eq!(f.snapshot(), before, "{what}: nothing audited");
    }
    // The form says the limits before anyone tries.
    let page = get(&f, &format!("/correct/{NO_PHOTO}"), Some(&op)).await;
    assert!(
        page.body
            .contains("Foto paling besar 2,0 MiB, tanda tangan paling besar 0,5 MiB."),
        "{}",
        page.body
    );
    // The words of the check, not its code.
    let r = upload(
        &f,
        NO_PHOTO,
        &op,
        body(&ok_fields("foto"), Some(("foto.jpg", "image/jpeg", &png))),
    )
    .await;
    assert!(!r.body.contains("media_wrong_format"), "{}", r.body);
    // The admin may not attach photos either.
    let admin = login(&f.app, user_of(Role::Admin), IP).await;
    let r = upload(
        &f,
        NO_PHOTO,
        &admin,
        multipart(
            &[("csrf", &admin.csrf), ("slot", "foto"), ("reason", "x")],
            Some(("foto.jpg", "image/jpeg", &photo(4))),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(list(), media_before);
    // Other forms keep their 64 KiB limit.
    let big = "x".repeat(100 * 1024);
    let r = common::post_as(
        &f,
        &format!("/correct/{NO_PHOTO}"),
        &op,
        &[("field", "nama"), ("value", &big), ("reason", "x")],
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
}

#[tokio::test]
async fn the_hand_over_confirmation_shows_the_owners_photo() {
    let f = fixture(Opts::default());
    attach(&f, REC_A, 1, true);
    f.mark_printed();
    let op = login(&f.app, user_of(Role::Operator), IP).await;
    let r = common::post_as(&f, "/handover", &op, &[("nik", EXAMPLE_ROW[col::NIK])], IP).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = common::unescape(&r.body);
    assert!(
        body.contains(&format!("<img src=\"/media/{REC_A}/foto?for=handover\"")),
        "{body}"
    );
    assert!(body.contains("id=\"confirm-photo\""));
    let (status, _, bytes) = get_bytes(&f, &format!("/media/{REC_A}/foto?for=handover"), &op).await;
    assert_eq!((status, bytes), (StatusCode::OK, photo(1)));

    // Without a photo: words, not an empty frame.
    let f = fixture(Opts::default());
    f.mark_printed();
    let op = login(&f.app, user_of(Role::Operator), IP).await;
    let r = common::post_as(&f, "/handover", &op, &[("nik", EXAMPLE_ROW[col::NIK])], IP).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("<img "), "{}", r.body);
    assert!(r.body.contains("Tidak ada foto"), "{}", r.body);
}

/// Handing a card over is an identity check against its photo: only roles that may see the
/// photo may do it. The admin (IT) is refused, and its print page offers no hand-over form.
#[tokio::test]
async fn only_staff_who_may_see_the_photo_hand_cards_over() {
    let f = fixture(Opts::default());
    attach(&f, REC_A, 1, true);
    f.mark_printed();
    let admin = login(&f.app, user_of(Role::Admin), IP).await;
    let audit_before = f.snapshot();
    let r = common::post_as(
        &f,
        "/handover",
        &admin,
        &[("nik", EXAMPLE_ROW[col::NIK])],
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!r.body.contains("/media/"), "{}", r.body);
    assert_eq!(f.snapshot(), audit_before, "nothing seen, nothing recorded");
    let page = get(&f, "/print", Some(&admin)).await;
    assert!(!page.body.contains("id=\"form-handover\""), "{}", page.body);
    for role in [Role::Operator, Role::Supervisor] {
        let who = login(&f.app, user_of(role), IP).await;
        let page = get(&f, "/print", Some(&who)).await;
        assert!(page.body.contains("id=\"form-handover\""), "{role:?}");
        let r = common::post_as(&f, "/handover", &who, &[("nik", EXAMPLE_ROW[col::NIK])], IP).await;
        assert_eq!(r.status, StatusCode::OK, "{role:?}: {}", r.body);
        assert!(r.body.contains("id=\"confirm-photo\""), "{role:?}");
    }
}

#[tokio::test]
async fn the_resident_page_never_shows_or_links_media() {
    let f = fixture(Opts::default());
    attach(&f, REC_A, 1, true);
    let page = get(&f, "/cek", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/media/"));
    let r = send(
        &f.app,
        request(
            Method::POST,
            "/cek",
            IP,
            &[("content-type", common::FORM)],
            common::form(&[
                ("nik", EXAMPLE_ROW[col::NIK]),
                ("tanggal_lahir", EXAMPLE_ROW[col::TANGGAL_LAHIR]),
                ("nama_ibu", EXAMPLE_ROW[col::NAMA_IBU]),
            ]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("/media/"), "{}", r.body);
    assert!(!r.body.contains("<img"), "{}", r.body);
    let api = send(
        &f.app,
        request(
            Method::POST,
            "/api/v1/resident/status",
            IP,
            &[("content-type", "application/json")],
            serde_json::json!({
                "nik": EXAMPLE_ROW[col::NIK],
                "tanggal_lahir": EXAMPLE_ROW[col::TANGGAL_LAHIR],
                "nama_ibu": EXAMPLE_ROW[col::NAMA_IBU],
            })
            .to_string(),
        ),
    )
    .await;
    assert!(api.body.contains("\"found\":true"), "{}", api.body);
    assert!(!api.body.contains("/media/"), "{}", api.body);
    // The media route itself refuses the public.
    let r = get(&f, &format!("/media/{REC_A}/foto?for=review-1"), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[test]
fn the_openapi_document_describes_the_media_routes() {
    let doc = cetak_web::routes::openapi();
    let upload = &doc["paths"]["/correct/{id}/media"]["post"];
    assert_eq!(upload["x-permission"], "media");
    let schema = &upload["requestBody"]["content"]["multipart/form-data"]["schema"];
    assert_eq!(schema["properties"]["slot"]["enum"][0], "foto", "{schema}");
    let show = &doc["paths"]["/media/{recording_id}/{slot}"]["get"];
    assert_eq!(show["x-permission"], "media");
    assert!(
        show["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "for")),
        "{show}"
    );
    assert!(show["responses"]["200"]["content"]["image/jpeg"].is_object());
}
