//! Issue 12, "a review queue people can finish": open pairs grouped by evidence pattern on the
//! pages, a sample to look at, and one decision for the whole group — a choice required, the
//! count the supervisor saw checked, what was typed kept on a refusal, each pair audited.

mod common;

use axum::http::{Method, StatusCode};
use cetak_domain::access::Role;
use common::{
    Fixture, Opts, REC_A, REC_B, Resp, Session, fixture, login, request, send, unescape, user_of,
};

const IP: [u8; 4] = [10, 116, 0, 2];

async fn get(f: &Fixture, uri: &str, who: &Session) -> Resp {
    let cookie = who.cookie_header();
    send(
        &f.app,
        request(Method::GET, uri, IP, &[("cookie", &cookie)], String::new()),
    )
    .await
}

async fn post(f: &Fixture, uri: &str, who: &Session, fields: &[(&str, &str)]) -> Resp {
    common::post_as(f, uri, who, fields, IP).await
}

#[tokio::test]
async fn a_group_of_pairs_is_decided_at_once_after_a_look() {
    let f = fixture(Opts::default());
    let s = login(&f.app, user_of(Role::Supervisor), IP).await;

    let page = get(&f, "/review/groups", &s).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = unescape(&page.body);
    assert!(body.contains("Kelompok 1"), "{body}");
    assert!(
        body.contains(REC_A) && body.contains(REC_B),
        "the sample names the pair: {body}"
    );
    assert!(body.contains("id=\"form-group-1\""), "{body}");
    let pattern = page
        .hidden("pattern")
        .expect("the group's pattern in its form");
    assert_eq!(page.hidden("expect_pairs").as_deref(), Some("1"));

    // No choice: refused, nothing decided, the reason typed kept in the group's form.
    let before = f.snapshot();
    let r = post(
        &f,
        "/review/groups/decide",
        &s,
        &[
            ("pattern", &pattern),
            ("expect_pairs", "1"),
            ("group", "1"),
            ("reason", "kembar, dicek di KK"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let body = unescape(&r.body);
    assert!(body.contains("Pilih keputusan untuk kelompok"), "{body}");
    assert!(
        body.contains("value=\"kembar, dicek di KK\""),
        "the reason is kept: {body}"
    );
    assert!(
        body.contains("href=\"/review/groups\" id=\"back\""),
        "{body}"
    );
    assert_eq!(f.snapshot(), before, "nothing written");

    // The group changed since the supervisor looked: refused, not decided blind.
    let r = post(
        &f,
        "/review/groups/decide",
        &s,
        &[
            ("pattern", &pattern),
            ("expect_pairs", "2"),
            ("group", "1"),
            ("decision", "different"),
            ("reason", "kembar"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        unescape(&r.body).contains("sekarang berisi 1 pasangan"),
        "{}",
        r.body
    );
    assert_eq!(f.snapshot(), before, "nothing written");

    // Decided: each pair of the group gets its own audited decision.
    let r = post(
        &f,
        "/review/groups/decide",
        &s,
        &[
            ("pattern", &pattern),
            ("expect_pairs", "1"),
            ("group", "1"),
            ("decision", "different"),
            ("reason", "kembar, dicek di KK"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/review/groups"));
    let store = f.store();
    let pair = store.dedup_pair(1).expect("read").expect("pair 1");
    let (same, reason, who) = pair.decision.expect("decided");
    assert!(!same);
    assert!(reason.starts_with("kembar, dicek di KK"), "{reason}");
    assert_eq!(who, format!("user:{}", user_of(Role::Supervisor)));
    assert_eq!(
        f.snapshot().0,
        before.0 + 1,
        "one audit entry for the one pair"
    );

    let after = get(&f, "/review/groups", &s).await;
    assert!(after.body.contains("id=\"empty\""), "{}", after.body);
}

#[tokio::test]
async fn operators_cannot_decide_groups() {
    let f = fixture(Opts::default());
    let op = login(&f.app, user_of(Role::Operator), IP).await;
    assert_eq!(
        get(&f, "/review/groups", &op).await.status,
        StatusCode::FORBIDDEN
    );
    let before = f.snapshot();
    let r = post(
        &f,
        "/review/groups/decide",
        &op,
        &[
            ("pattern", "x"),
            ("expect_pairs", "1"),
            ("decision", "same"),
            ("reason", "r"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(f.snapshot(), before);
}
