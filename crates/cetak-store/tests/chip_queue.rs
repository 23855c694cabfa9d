//! A printer with a chip encoder claims only records that can go on a chip (a valid face
//! photo for DG2); a recording imported by contract v1 carries no media, keeps its place in
//! the queue and is claimed by a printer without an encoder.

mod common;

use cetak_domain::lifecycle::{Actor, Event, RecordState};
use cetak_domain::media::{MediaSlot, MediaVerdict, RowMedia};
use cetak_print::schedule::{PrinterProfile, PrinterRun};
use cetak_print::spool::{AttemptEvent, JobPhase};
use cetak_print::stock::SerialRange;
use cetak_store::{Claim, ClaimRefusal, ImportRow, LeaseHolder, Store};
use common::{item, row};
use time::OffsetDateTime;
use time::macros::datetime;

const AT: OffsetDateTime = datetime!(2026-01-05 10:00 +7);

fn op() -> Actor {
    Actor("operator:test".into())
}

fn photo_media(person: u64) -> RowMedia {
    let item = |slot, bytes| {
        let i = item(slot, bytes);
        assert!(
            matches!(i.verdict, MediaVerdict::Valid { .. }),
            "{:?}",
            i.verdict
        );
        i
    };
    RowMedia {
        items: vec![
            item(MediaSlot::Foto, cetak_media::synth::portrait(person, 1)),
            item(
                MediaSlot::TandaTangan,
                cetak_media::synth::signature(person, 1),
            ),
        ],
        unplaced: Vec::new(),
    }
}

struct Office {
    store: Store,
    chip: (i64, String),
    plain: (i64, String),
}

/// `rows` imported and marked unique, blanks 1..=10, printer CHIP with an encoder and PLAIN
/// without, each leased.
fn office(rows: &[ImportRow]) -> Office {
    let mut store = Store::open_in_memory().expect("store");
    store
        .import_batch("t.ndjson", rows, "system:import", AT)
        .expect("import");
    for r in rows {
        let ImportRow::Valid { record, .. } = r else {
            unreachable!()
        };
        store
            .apply_event(
                &record.recording_id,
                Event::MarkUnique,
                cetak_store::Change::new(&op(), AT, "unique"),
            )
            .expect("unique");
    }
    store
        .stock_receive(
            SerialRange { first: 1, last: 10 },
            "2026-01-05",
            "R1",
            &op(),
            AT,
        )
        .expect("stock");
    let profile = PrinterProfile {
        cards_per_day: 100,
        burst: None,
        cooldown_min: 0.0,
        hours: None,
    };
    let mut printer = |name: &str, encoder: Option<&str>| {
        let id = store
            .printer_add(name, &format!("dir:/tmp/{name}"), &profile, &op(), AT)
            .expect("printer");
        if encoder.is_some() {
            store
                .printer_set_encoder(name, encoder, &op(), AT)
                .expect("encoder");
        }
        let lease = store
            .lease_take(
                id,
                &LeaseHolder {
                    pid: 100,
                    host: "office-pc".into(),
                },
                &|_| true,
                AT,
            )
            .expect("query")
            .expect("free printer");
        (id, lease.token)
    };
    let chip = printer("CHIP", Some("pcsc:Virtual PCD 00 00"));
    let plain = printer("PLAIN", None);
    Office { store, chip, plain }
}

fn claim(store: &mut Store, (id, token): &(i64, String)) -> Result<Claim, ClaimRefusal> {
    store
        .print_claim(*id, token, 2, &PrinterRun::default(), &op(), AT)
        .expect("claim query")
}

/// Claims for the printer and, when it got a record, prints it (sent, completed: a printer
/// has one attempt open at a time). The record claimed, or the refusal.
fn print(store: &mut Store, printer: &(i64, String)) -> Result<String, ClaimRefusal> {
    let c = claim(store, printer)?;
    for event in [
        AttemptEvent::Accepted {
            job_id: c.attempt_id as i32,
            job_uuid: format!("urn:uuid:{}", c.attempt_id),
        },
        AttemptEvent::Observed {
            phase: JobPhase::Completed,
            reasons: vec![],
        },
    ] {
        store
            .attempt_apply(c.attempt_id, &event, &op(), AT)
            .expect("apply");
    }
    Ok(c.recording_id)
}

fn queue(store: &Store) -> Vec<String> {
    store
        .print_queue(10)
        .expect("queue")
        .into_iter()
        .map(|(k, _)| k.recording_id)
        .collect()
}

fn state(store: &Store, id: &str) -> RecordState {
    store.record_state(id).expect("state")
}

#[test]
fn an_encoder_printer_passes_over_a_photo_less_record_which_keeps_its_place_for_a_plain_printer() {
    let Office {
        mut store,
        chip,
        plain,
    } = office(&[
        row("A-V1", "1671014508900001", None),
        row("B-V2", "1671014508900002", Some(photo_media(7))),
    ]);
    assert_eq!(queue(&store), ["A-V1", "B-V2"], "the v1 record comes first");

    // The encoder printer claims the second record: the first cannot go on a chip.
    assert_eq!(print(&mut store, &chip).expect("a claim"), "B-V2");
    assert_eq!(state(&store, "B-V2"), RecordState::Printed);
    // The skipped record keeps its place, untouched.
    assert_eq!(queue(&store), ["A-V1"]);
    assert_eq!(state(&store, "A-V1"), RecordState::Unique);

    // Only it is left: the encoder printer is told how many wait, not that the queue is empty.
    assert_eq!(
        print(&mut store, &chip),
        Err(ClaimRefusal::NoPhotoForChip { waiting: 1 })
    );
    assert_eq!(queue(&store), ["A-V1"]);

    // A printer without an encoder claims it.
    assert_eq!(print(&mut store, &plain).expect("a claim"), "A-V1");
    assert_eq!(print(&mut store, &chip), Err(ClaimRefusal::QueueEmpty));
    assert_eq!(print(&mut store, &plain), Err(ClaimRefusal::QueueEmpty));
}

#[test]
fn a_printer_without_an_encoder_keeps_the_queue_order_and_a_raised_photo_less_record_is_passed_over()
 {
    let Office {
        mut store,
        chip,
        plain,
    } = office(&[
        row("A-V1", "1671014508900001", None),
        row("B-V2", "1671014508900002", Some(photo_media(7))),
        row("C-V2", "1671014508900003", Some(photo_media(8))),
        row("D-V1", "1671014508900004", None),
    ]);
    // Raised: C and D (no photo) go first, by id (the same wait).
    store
        .print_raise(
            "D-V1",
            cetak_store::Change::new(&op(), AT, "resident leaves town"),
        )
        .expect("raise");
    store
        .print_raise(
            "C-V2",
            cetak_store::Change::new(&op(), AT, "resident leaves town"),
        )
        .expect("raise");
    assert_eq!(queue(&store), ["C-V2", "D-V1", "A-V1", "B-V2"]);
    // The encoder printer: the raised record with a photo, then the next one with a photo.
    assert_eq!(print(&mut store, &chip).expect("a claim"), "C-V2");
    assert_eq!(print(&mut store, &chip).expect("a claim"), "B-V2");
    assert_eq!(
        print(&mut store, &chip),
        Err(ClaimRefusal::NoPhotoForChip { waiting: 2 })
    );
    // The plain printer takes the rest in queue order.
    assert_eq!(queue(&store), ["D-V1", "A-V1"]);
    assert_eq!(print(&mut store, &plain).expect("a claim"), "D-V1");
    assert_eq!(print(&mut store, &plain).expect("a claim"), "A-V1");
}
