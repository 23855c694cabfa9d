//! The chip from the office server, against the real stack: `cetak serve` with the
//! document-signer token (`--chip-token`, `--chip-pin-file`, `--chip-trust`), so "Start
//! printing" on the print page encodes chips on a printer with an encoder; and with the
//! counter's reader (`--chip-reader "Virtual PCD 00 00"`), so the hand-over page reads the card
//! on it — pcscd with vpcd, the E-KTP test card, a SoftHSM2 token and a test CA
//! (`common::chip`), an operator logged in through the login page with its CSRF token.
//!
//! The reader is one system-wide resource: each test holds `common::chip::pcscd`'s lock for
//! its whole run. Missing packages are installed (as root) or the test fails loudly.

mod common;

use std::path::Path;

use base64::Engine as _;
use cetak_chip::testcard::Fault;
use common::chip::{MODULE, READER, insert, office_with_encoder, pcscd, pull};
use common::web::{PASSWORD, Server, form, http, login, serve_with, unescape};
use common::{cetak_env, fails_with, json, ok};
use rusqlite::Connection;

/// `cetak serve` with the token given by flags (only the SoftHSM2 configuration from the
/// environment), and `extra` flags.
fn serve_office(d: &Path, env: &[(&'static str, String)], extra: &[&str]) -> Server {
    let conf = env
        .iter()
        .find(|(k, _)| *k == "SOFTHSM2_CONF")
        .map(|(_, v)| v.as_str())
        .expect("SOFTHSM2_CONF");
    let pin = d.join("pin").display().to_string();
    let args = [
        &[
            "--chip-token",
            "T",
            "--chip-pin-file",
            &pin,
            "--chip-module",
            MODULE,
            "--chip-trust",
            "ca.pem",
        ][..],
        extra,
    ]
    .concat();
    serve_with(d, &args, &[("SOFTHSM2_CONF", conf)])
}

/// The chip's verdict on the hand-over page: `ok`, `bad`, or `None` when there is none.
fn verdict(page: &str) -> Option<&str> {
    let key = "data-verdict=\"";
    let start = page.find(key)? + key.len();
    page[start..].split('"').next()
}

/// The bytes of the chip photo's `data:` URL on the page.
fn chip_photo(page: &str) -> Option<Vec<u8>> {
    let key = "<img src=\"data:image/jpeg;base64,";
    let start = page.find(key)? + key.len();
    let b64 = page[start..].split('"').next()?;
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// The chip the books kept for the card of `nik`, as a chip image.
fn kept_chip(d: &Path, nik: &str) -> cetak_chip::ChipImage {
    let store = cetak_store::Store::open(&d.join("x.db")).expect("store");
    let kept = store
        .chip_of_card(nik)
        .expect("books")
        .expect("a verified chip for the card");
    cetak_chip::ChipImage::from_dump(&kept.dump).expect("the kept dump")
}

/// POST the hand-over page's chip check for `nik`.
fn check_chip(port: u16, session: &str, csrf: &str, nik: &str) -> (u16, String) {
    let (status, page) = http(
        port,
        "POST",
        "/handover/chip",
        session,
        &form(&[("csrf", csrf), ("nik", nik)]),
    );
    (status, unescape(&page))
}

#[test]
fn the_print_page_encodes_chips_and_the_hand_over_page_checks_the_card_on_the_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let _pcscd = pcscd();
    let env = office_with_encoder(d, "4");
    let queued = json(&common::cetak(d, &["print", "status", "--json"]))["queue"]
        .as_i64()
        .expect("queue");
    assert!(queued >= 2, "the office has cards to print: {queued}");
    for (name, role) in [("rina", "operator"), ("adi", "admin")] {
        ok(&cetak_env(
            d,
            &["user", "add", name, "--role", role],
            &[("CETAK_PASSWORD", PASSWORD)],
        ));
    }
    // A token without a trusted CA is refused before anything is claimed (every read-back
    // would fail and spoil its blank), and so is a counter's reader without one.
    let envs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let o = cetak_env(d, &["print", "run", "--json"], &envs);
    fails_with(&o, "give --chip-trust with --chip-token");
    let o = common::cetak(d, &["serve", "--chip-reader", READER]);
    fails_with(&o, "--chip-trust");

    let card = insert(Fault::None);
    let server = serve_office(d, &env, &["--chip-reader", READER]);
    let port = server.port;
    let (session, csrf) = login(port, "rina");

    // "Start printing": the run has the token, so the encoder printer is not set aside —
    // every queued card is encoded, verified and printed.
    let (status, resp) = http(
        port,
        "POST",
        "/print/start",
        &session,
        &form(&[("csrf", &csrf)]),
    );
    assert_eq!(status, 303, "{resp}");
    // Up to 1200 looks, 100 ms apart, for the background run to end.
    let mut last_run = None;
    for _ in 0..1200 {
        let (status, resp) = http(port, "GET", "/api/v1/print/status", &session, "");
        assert_eq!(status, 200, "{resp}");
        let body = resp.split("\r\n\r\n").nth(1).expect("a body");
        let v: serde_json::Value = serde_json::from_str(body).expect("JSON");
        if v["printing_now"] == false && v["last_run"].is_string() {
            last_run = v["last_run"].as_str().map(str::to_string);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let last_run = last_run.expect("the page's print run ended");
    assert!(
        last_run.contains(&format!("{queued} sent, {queued} completed")),
        "{last_run}"
    );
    let db = Connection::open(d.join("x.db")).expect("db");
    let verified: i64 = db
        .query_row(
            "SELECT count(*) FROM chip_encodings WHERE verified_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(
        verified, queued,
        "every card printed from the page got its chip"
    );
    // The card still on the reader holds the last chip written: that resident's card.
    let niks: Vec<String> = db
        .prepare("SELECT nik FROM cards ORDER BY serial DESC")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let (nik, other) = (&niks[0], &niks[1]);
    let serial: i64 = db
        .query_row("SELECT max(serial) FROM cards", [], |r| r.get(0))
        .expect("serial");

    // The confirmation step offers the check.
    let (status, page) = http(
        port,
        "POST",
        "/handover",
        &session,
        &form(&[("csrf", &csrf), ("nik", nik)]),
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"form-chip-check\""), "{page}");
    assert!(page.contains("Check the chip"), "{page}");

    // The resident whose card is on the reader: it holds, it is the kept chip, and the page
    // shows the chip's photo and fields beside the record's.
    let (status, page) = check_chip(port, &session, &csrf, nik);
    assert_eq!(status, 200, "{page}");
    assert_eq!(verdict(&page), Some("ok"), "{page}");
    assert!(page.contains("Passive authentication holds"), "{page}");
    assert!(
        page.contains(&format!(
            "The chip the books kept for this card</span> (blank {serial})"
        )),
        "{page}"
    );
    assert!(!page.contains("DO NOT HAND OVER"), "{page}");
    let chip = kept_chip(d, nik);
    let foto = chip.media().expect("media").foto;
    assert!(!foto.is_empty());
    assert_eq!(
        chip_photo(&page).as_deref(),
        Some(foto.as_slice()),
        "the photo shown is the chip's DG2"
    );
    assert!(
        page.contains(&format!(
            "<tr id=\"chip-field-nik\"><th>NIK</th><td>{nik}</td><td>{nik}</td></tr>"
        )),
        "{page}"
    );
    assert!(!page.contains("class=\"differs\""), "{page}");
    // The hand-over form is still there below.
    assert!(page.contains("id=\"form-handover-confirm\""), "{page}");

    // Another resident: not their chip — flagged, and the fields that differ are marked.
    let (status, page) = check_chip(port, &session, &csrf, other);
    assert_eq!(status, 200, "{page}");
    assert_eq!(verdict(&page), Some("bad"), "{page}");
    assert!(page.contains("DO NOT HAND OVER this card"), "{page}");
    assert!(
        page.contains("NOT the chip the books kept for this resident's card"),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<tr id=\"chip-field-nik\" class=\"differs\"><th>NIK</th><td>{nik}</td><td>{other}</td></tr>"
        )),
        "{page}"
    );
    // The chain itself still holds: the card is genuine, just not this resident's.
    assert!(page.contains("Passive authentication holds"), "{page}");

    // The admin (IT) does not hand cards over, so it may not check the chip either: refused,
    // and no photo leaves the server.
    let (admin, admin_csrf) = login(port, "adi");
    let (status, page) = check_chip(port, &admin, &admin_csrf, nik);
    assert_eq!(status, 403, "{page}");
    assert!(chip_photo(&page).is_none(), "{page}");

    // No card on the reader: a clear message on the page, not a server error.
    pull(card);
    let (status, page) = check_chip(port, &session, &csrf, nik);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"chip-fault\""), "{page}");
    assert!(
        page.contains("The chip could not be read; the card was not checked"),
        "{page}"
    );
    assert!(
        page.contains("no card in the reader; put the card on the reader and try again"),
        "{page}"
    );
    assert_eq!(verdict(&page), None, "{page}");
    // In Indonesian too (the language the browser chose).
    let (status, page) = check_chip(port, &format!("{session}; cetak_lang=id"), &csrf, nik);
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Chip tidak dapat dibaca; kartu belum diperiksa"),
        "{page}"
    );
    assert!(
        page.contains("tidak ada kartu di pembaca; letakkan kartu di pembaca lalu coba lagi"),
        "{page}"
    );
    drop(server);

    // A reader that is not there: said on the page too.
    let server = serve_office(d, &env, &["--chip-reader", "No Such Reader 09"]);
    let (session, csrf) = login(server.port, "rina");
    let (status, page) = check_chip(server.port, &session, &csrf, nik);
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("the card reader was not found; check its cable"),
        "{page}"
    );
    drop(server);

    // No reader configured: the hand-over page says nothing about chips, and the check is
    // refused with words, not a server error.
    let server = serve_office(d, &env, &[]);
    let (session, csrf) = login(server.port, "rina");
    let (status, page) = http(
        server.port,
        "POST",
        "/handover",
        &session,
        &form(&[("csrf", &csrf), ("nik", nik)]),
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"form-handover-confirm\""), "{page}");
    assert!(!page.contains("form-chip-check"), "{page}");
    assert!(!page.to_lowercase().contains("chip"), "{page}");
    let (status, page) = check_chip(server.port, &session, &csrf, nik);
    assert_eq!(status, 503, "{page}");
    assert!(
        page.contains("There is no chip reader at this counter"),
        "{page}"
    );
}
