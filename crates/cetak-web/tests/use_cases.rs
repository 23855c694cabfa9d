//! The pages call the office's use cases themselves (`cetak-office`), typed, as the command
//! line does (issue 14): "Start printing" runs `cetak_office::print_run` and the page words
//! its report; an inspection asks the attempt's printer through `cetak_office::inspect`; a
//! supervisor's decision runs `cetak_office::dedup_run`. The fixture's printer answers at no
//! address (`127.0.0.1:9`), so each use case meets a real refusal from the network.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use cetak_domain::access::Role;
use cetak_domain::lifecycle::{Actor, RecordState};
use common::*;

const IP: [u8; 4] = [10, 0, 0, 7];

fn with_use_cases() -> Fixture {
    fixture(Opts {
        use_cases: true,
        ..Opts::default()
    })
}

async fn get(f: &Fixture, uri: &str, who: &Session) -> Resp {
    let cookie = who.cookie_header();
    send(
        &f.app,
        request(Method::GET, uri, IP, &[("cookie", &cookie)], Body::empty()),
    )
    .await
}

/// The text of the print page's "last run" (`<span id="last-run">`), once the run ended.
async fn last_run(f: &Fixture, who: &Session) -> String {
    // The run goes on a blocking thread; a bounded number of looks, not a clock.
    for _ in 0..600 {
        let page = get(f, "/print", who).await;
        if let Some((_, rest)) = page.body.split_once("id=\"last-run\">") {
            let (text, _) = rest.split_once("</span>").expect("span closes");
            return unescape(text);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the print run started from the page never ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn start_printing_runs_the_office_print_run_and_words_its_report() {
    let f = with_use_cases();
    let s = login(&f.app, user_of(Role::Operator), IP).await;
    // The printer answers at no address: the real run finds it blocked, and says so.
    let r = post_as(&f, "/print/start", &s, &[], IP).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let said = last_run(&f, &s).await;
    let (id, _) = cetak_words::stop_reason("printers_blocked");
    assert!(
        said.contains(&format!("berhenti: {id}")),
        "the run's own stop reason, in words: {said}"
    );
    assert!(said.contains("0 dikirim"), "{said}");
    assert!(
        !said.contains("printers_blocked"),
        "no code on the page: {said}"
    );
    assert_eq!(
        f.store().print_queue_len().expect("queue"),
        1,
        "the record still waits"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_print_run_that_cannot_start_says_why_in_both_languages() {
    let f = with_use_cases();
    {
        let mut store = f.store();
        store
            .printer_remove(
                PRINTER,
                cetak_store::Change::new(
                    &Actor("system:test".into()),
                    time::OffsetDateTime::now_utc(),
                    "the office has no printer in this test",
                ),
            )
            .expect("printer removed");
    }
    let s = login(&f.app, user_of(Role::Operator), IP).await;
    let r = post_as(&f, "/print/start", &s, &[], IP).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let said = last_run(&f, &s).await;
    assert!(said.starts_with("gagal: belum ada printer"), "{said}");
    let english = get(&f, "/print?lang=en", &s).await;
    assert!(
        unescape(&english.body).contains("failed: no printers yet"),
        "the English half: {}",
        english.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inspection_asks_the_attempts_printer_and_records_nothing_when_it_cannot() {
    let f = with_use_cases();
    f.attempt_waiting_for_inspection(41);
    let s = login(&f.app, user_of(Role::Operator), IP).await;
    let before = f.snapshot();
    let r = post_as(
        &f,
        "/print/inspect/41",
        &s,
        &[("verdict", "good"), ("cause", "")],
        IP,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let body = unescape(&r.body);
    assert!(
        body.contains(&format!("printer {PRINTER} tidak dapat ditanya")),
        "the office's refusal, naming the printer: {body}"
    );
    assert!(
        !body.contains("Connection refused"),
        "no English from the OS: {body}"
    );
    assert_eq!(f.snapshot(), before, "nothing recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decision_on_the_page_is_applied_by_a_data_ganda_run() {
    let f = with_use_cases();
    let s = login(&f.app, user_of(Role::Supervisor), IP).await;
    assert_eq!(
        f.store().record_state(REC_B).expect("record"),
        RecordState::Received
    );
    let r = post_as(
        &f,
        "/review/1/decide",
        &s,
        &[("decision", "same"), ("reason", "satu orang, foto sama")],
        IP,
    )
    .await;
    assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);
    // The page waits for the run before it answers.
    let states = [
        f.store().record_state(REC_A).expect("record"),
        f.store().record_state(REC_B).expect("record"),
    ];
    assert!(
        states.contains(&RecordState::Duplicate),
        "the supervisor's 'same' applied by the run: {states:?}"
    );
}
