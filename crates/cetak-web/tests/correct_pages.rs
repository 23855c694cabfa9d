//! Issue 12: the correction worklist on the pages — an operator sees a recording held in
//! perlu_perbaikan, its problem and original row, corrects a field (audited as the signed-in
//! user, validated again), and the recording goes back to `received`.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use cetak_domain::access::Role;
use cetak_domain::lifecycle::RecordState;
use cetak_domain::record::{Checked, EXAMPLE_ROW, Record, col};
use cetak_store::ImportRow;
use common::{FORM, Opts, fixture, form, login, request, send, user_of};

const IP: [u8; 4] = [10, 12, 0, 1];
const ID: &str = "PLG-FIX-1";

#[tokio::test]
async fn an_operator_corrects_a_recording_on_the_pages() {
    let f = fixture(Opts::default());
    {
        let mut fields = EXAMPLE_ROW;
        fields[col::RECORDING_ID] = ID;
        fields[col::NAMA] = "S1TI <b>AMINAH</b>";
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
    let get = |uri: String| {
        let cookie = s.cookie_header();
        let app = f.app.clone();
        async move {
            send(
                &app,
                request(Method::GET, &uri, IP, &[("cookie", &cookie)], Body::empty()),
            )
            .await
        }
    };
    let list = get("/correct".into()).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.body.contains(&format!("/correct/{ID}")),
        "{}",
        list.body
    );
    let page = get(format!("/correct/{ID}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Words, not stored codes: the state, the column names and the problem (the Indonesian
    // page used to show `perlu_perbaikan`, `tempat_lahir`, `invalid_characters: …`).
    for code in [
        "invalid_characters",
        "perlu_perbaikan",
        "<td>tempat_lahir</td>",
    ] {
        assert!(
            !page.body.contains(code),
            "{code} on the page: {}",
            page.body
        );
    }
    assert!(page.body.contains("perlu perbaikan"), "{}", page.body);
    assert!(page.body.contains("<td>Tempat lahir</td>"), "{}", page.body);
    // The problem in the office's words (the shared catalogue), not the validator's English.
    assert!(
        page.body
            .contains("berisi karakter yang tidak dapat dicetak (angka di nama?)"),
        "{}",
        page.body
    );
    // The markup that arrived is shown escaped, in the fields and in the original row.
    assert!(!page.body.contains("<b>AMINAH"), "{}", page.body);

    let cookie = s.cookie_header();
    let r = send(
        &f.app,
        request(
            Method::POST,
            &format!("/correct/{ID}"),
            IP,
            &[("cookie", &cookie), ("content-type", FORM)],
            form(&[
                ("field", "nama"),
                ("value", "SITI AMINAH"),
                ("reason", "checked the family card"),
                ("csrf", &s.csrf),
            ]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let store = f.store();
    assert_eq!(
        store.record_state(ID).expect("state"),
        RecordState::Received
    );
    let entries = store.audit_list(Some(ID), 10).expect("audit");
    let c = entries
        .iter()
        .find(|e| e.action == "correct_field")
        .expect("audited");
    assert_eq!(c.actor, format!("user:{}", user_of(Role::Operator)));
    assert_eq!(c.reason, "checked the family card");
    let after = get(format!("/correct/{ID}")).await;
    assert!(after.body.contains("SITI AMINAH"));
    // Without a reason: refused, nothing changes.
    let r = send(
        &f.app,
        request(
            Method::POST,
            &format!("/correct/{ID}"),
            IP,
            &[("cookie", &cookie), ("content-type", FORM)],
            form(&[
                ("field", "nama_ibu"),
                ("value", "FATIMAH"),
                ("reason", " "),
                ("csrf", &s.csrf),
            ]),
        ),
    )
    .await;
    assert!(r.status.is_client_error(), "{:?}", r.status);
    assert_eq!(
        store.audit_list(Some(ID), 10).expect("audit").len(),
        entries.len()
    );
}
