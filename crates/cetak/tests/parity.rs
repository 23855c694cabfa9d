//! The print page and the command line are one office: the same action gives the same result,
//! because both call the same use case in `cetak-office` (issue 14). Here: a person's finding
//! for a card the printer still holds is refused by both with the same reason and moves
//! nothing; once the printer let go, the page records the finding as the command line does.

mod common;

use std::path::Path;
use std::time::Duration;

use cetak_ipp::sim::{Fault, SimPrinter};
use common::web::{PASSWORD, form, http, login, serve};
use common::{cetak, cetak_env, fails_with, json, ok};

fn attempt(d: &Path) -> (i64, String) {
    let store = cetak_store::Store::open(&d.join("x.db")).expect("store");
    let a = store
        .attempts(&[], 10)
        .expect("attempts")
        .into_iter()
        .next()
        .expect("an attempt");
    (a.id, a.state.as_str().to_string())
}

#[test]
fn the_print_page_and_the_command_line_give_the_same_inspection_result() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    common::office(d, 20);
    ok(&cetak(
        d,
        &[
            "stock", "receive", "--first", "1", "--last", "50", "--ref", "R1",
        ],
    ));
    let sim = SimPrinter::start(&d.join("printer"))
        .expect("ippeveprinter starts (apt-get install cups-ipp-utils dbus)");
    ok(&cetak(
        d,
        &[
            "printer",
            "add",
            "P1",
            "--uri",
            &sim.uri(),
            "--cards-per-day",
            "100",
        ],
    ));
    ok(&cetak_env(
        d,
        &["user", "add", "budi", "--role", "operator"],
        &[("CETAK_PASSWORD", PASSWORD)],
    ));
    // A card the printer is still working on when the run stops waiting for it.
    sim.set_fault(Fault::Slow(6));
    let r = common::run_json(&cetak(
        d,
        &[
            "print",
            "run",
            "--max-cards",
            "1",
            "--job-timeout-s",
            "1",
            "--json",
        ],
    ));
    assert_eq!(r["still_pending"], 1, "{r}");
    let (id, state) = attempt(d);
    assert_eq!(state, "sent");

    // The command line refuses "unused" while the printer holds the job…
    let cli = cetak(d, &["print", "inspect", &id.to_string(), "--unused"]);
    fails_with(&cli, "still holds this job");
    // …and so does the page, for the same reason, and nothing moves.
    let server = serve(d);
    let (session, csrf) = login(server.port, "budi");
    let path = format!("/print/inspect/{id}");
    let body = form(&[("csrf", &csrf), ("verdict", "unused")]);
    let (status, page) = http(server.port, "POST", &path, &session, &body);
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("still holds this job"), "{page}");
    assert_eq!(attempt(d).1, "sent", "a refused finding moves nothing");

    // Once the printer let go, the page records "good" as `cetak print inspect --good` does:
    // the printer's hold is taken over and the card is made, in one transaction.
    std::thread::sleep(Duration::from_secs(7));
    let (status, resp) = http(server.port, "POST", &path, &session, &body_good(&csrf));
    assert_eq!(status, 303, "{resp}");
    // The state `cetak print inspect --good` leaves (tests/print_promises.rs).
    assert_eq!(attempt(d).1, "good");
    // A second finding is refused by both, and still nothing moves.
    let cli = cetak(d, &["print", "inspect", &id.to_string(), "--unused"]);
    assert!(!cli.status.success());
    let (status, _) = http(server.port, "POST", &path, &session, &body);
    assert!(status >= 400, "a second finding on the page: {status}");
    assert_eq!(attempt(d).1, "good");
    let stock = json(&cetak(d, &["stock", "reconcile", "--json"]));
    assert_eq!(
        (stock["balanced"].as_bool(), stock["issued"].as_i64()),
        (Some(true), Some(1)),
        "{stock}"
    );
    drop(server);
}

fn body_good(csrf: &str) -> String {
    form(&[("csrf", csrf), ("verdict", "good")])
}
