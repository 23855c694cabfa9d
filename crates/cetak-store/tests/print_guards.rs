//! The print rules of issue 13 at the store's level (fast, beside the real-printer tests in
//! `crates/cetak/tests/print_promises.rs`): leases, the inspection hold and re-seat, an atomic
//! inspection, revoked-card returns, the clock guard and its reset.

use cetak_domain::lifecycle::{Actor, Event};
use cetak_domain::record::{EXAMPLE_ROW, Record};
use cetak_print::schedule::{PrinterProfile, PrinterRun};
use cetak_print::spool::{AttemptEvent, AttemptState};
use cetak_print::stock::{SerialRange, SpoilCause};
use cetak_store::{Change, ClaimRefusal, ImportRow, LeaseHolder, SpoilOutcome, Store, StoreError};
use time::OffsetDateTime;
use time::macros::datetime;

const AT: OffsetDateTime = datetime!(2026-01-05 10:00 +7);

fn at(minutes: i64) -> OffsetDateTime {
    AT + time::Duration::minutes(minutes)
}

fn op() -> Actor {
    Actor("operator:test".into())
}

fn me(pid: u32) -> LeaseHolder {
    LeaseHolder {
        pid,
        host: "office-pc".into(),
    }
}

/// `n` unique records, a printer, blanks 1..=20.
fn office(n: usize) -> (Store, i64) {
    let mut store = Store::open_in_memory().expect("store");
    let rows: Vec<ImportRow> = (0..n)
        .map(|i| {
            let mut f = EXAMPLE_ROW.map(str::to_string);
            f[0] = format!("REC{i:04}");
            // NIK: region 167101, date 450890, serial varies.
            f[1] = format!("167101450890{:04}", i + 1);
            let refs: [&str; 22] = std::array::from_fn(|k| f[k].as_str());
            ImportRow::Valid {
                line: i as u64 + 2,
                record: Record::validate(&refs).expect("valid row"),
                raw: f.join(",").into_bytes(),
                media: None,
            }
        })
        .collect();
    store
        .import_batch("t.csv", &rows, "system:import", at(0))
        .expect("import");
    for i in 0..n {
        store
            .apply_event(
                &format!("REC{i:04}"),
                Event::MarkUnique,
                cetak_store::Change::new(&op(), at(1), "unique"),
            )
            .expect("unique");
    }
    store
        .stock_receive(
            SerialRange { first: 1, last: 20 },
            "2026-01-05",
            "R1",
            &op(),
            at(2),
        )
        .expect("stock");
    let profile = PrinterProfile {
        cards_per_day: 100,
        burst: None,
        cooldown_min: 0.0,
        hours: None,
    };
    let id = store
        .printer_add("P1", "dir:/tmp/x", &profile, &op(), at(2))
        .expect("printer");
    (store, id)
}

fn claim(
    store: &mut Store,
    printer: i64,
    token: &str,
    minute: i64,
) -> Result<cetak_store::Claim, ClaimRefusal> {
    store
        .print_claim(
            printer,
            token,
            100,
            &PrinterRun::default(),
            &op(),
            at(minute),
        )
        .expect("claim query")
}

#[test]
fn one_run_per_printer_and_a_dead_holder_is_taken_over() {
    let (mut store, p) = office(3);
    let first = store
        .lease_take(p, &me(100), &|_| true, at(3))
        .expect("query")
        .expect("free printer");
    let busy = store
        .lease_take(p, &me(200), &|_| true, at(3))
        .expect("query");
    assert_eq!(busy, Err(me(100)), "a live holder keeps the printer");
    // The first run died (its pid is gone): the second takes over, and the first's claims fail.
    let second = store
        .lease_take(p, &me(200), &|pid| pid != 100, at(4))
        .expect("query")
        .expect("taken over");
    assert_eq!(second.took_over, Some(me(100)));
    assert!(matches!(
        claim(&mut store, p, &first.token, 5),
        Err(ClaimRefusal::LeaseLost)
    ));
    assert!(claim(&mut store, p, &second.token, 5).is_ok());
    // Another host's lease is taken over only once it is stale.
    let other = LeaseHolder {
        pid: 300,
        host: "other-pc".into(),
    };
    assert!(
        store
            .lease_take(p, &other, &|_| false, at(6))
            .expect("q")
            .is_err()
    );
    assert!(
        store
            .lease_take(p, &other, &|_| false, at(30))
            .expect("q")
            .is_ok()
    );
}

#[test]
fn a_card_waiting_for_inspection_holds_its_printer_until_answered_or_reseated() {
    let (mut store, p) = office(4);
    let lease = store
        .lease_take(p, &me(1), &|_| true, at(3))
        .expect("q")
        .expect("lease");
    let c1 = claim(&mut store, p, &lease.token, 4).expect("first card");
    assert_eq!(c1.serial, 1);
    store
        .attempt_apply(
            c1.attempt_id,
            &AttemptEvent::NotFound { why: "gone".into() },
            &op(),
            at(5),
        )
        .expect("apply");
    assert_eq!(
        claim(&mut store, p, &lease.token, 6).map(|c| c.serial),
        Err(ClaimRefusal::AwaitingInspection {
            attempt: c1.attempt_id
        })
    );
    // Answered unused: the same blank (still on top of the hopper) takes the next card.
    store
        .attempt_inspect(
            c1.attempt_id,
            &AttemptEvent::InspectedUnused,
            Change::new(&op(), at(7), "look"),
        )
        .expect("inspect");
    let c2 = claim(&mut store, p, &lease.token, 8).expect("printer free again");
    assert_eq!(c2.serial, 1, "the unfed blank is used next");
    store
        .attempt_apply(
            c2.attempt_id,
            &AttemptEvent::NotFound { why: "gone".into() },
            &op(),
            at(9),
        )
        .expect("apply");
    // Re-seated instead: the hopper goes to the safe and the printer prints again.
    let out = store
        .printer_reseat("P1", cetak_store::Change::new(&op(), at(10), "check"))
        .expect("reseat");
    assert_eq!(
        out.first(),
        Some(&2),
        "the books' hopper went to the safe: {out:?}"
    );
    let c3 = claim(&mut store, p, &lease.token, 11).expect("re-seated printer prints");
    assert_eq!(
        c3.loaded.map(|l| l.0),
        Some(2),
        "the operator is told what to load"
    );
    let books = store.stock_reconcile().expect("reconcile");
    assert!(books.balanced, "{books:?}");
}

#[test]
fn a_refused_finding_moves_nothing_not_even_the_take_over() {
    let (mut store, p) = office(2);
    let lease = store
        .lease_take(p, &me(1), &|_| true, at(3))
        .expect("q")
        .expect("lease");
    let c = claim(&mut store, p, &lease.token, 4).expect("card");
    store
        .attempt_apply(
            c.attempt_id,
            &AttemptEvent::Accepted {
                job_id: 1,
                job_uuid: "u1".into(),
            },
            &op(),
            at(5),
        )
        .expect("sent");
    // The record is no longer printing (edited behind the store's back): the finding's record
    // transition fails, and the take-over before it must not stay.
    store
        .raw_connection()
        .execute_batch(&format!(
            "UPDATE record_states SET state = 'duplicate'
             WHERE id = (SELECT id FROM record_fields WHERE recording_id = '{}')",
            c.recording_id
        ))
        .expect("raw");
    let r = store.attempt_inspect(
        c.attempt_id,
        &AttemptEvent::InspectedGood,
        Change::new(&op(), at(6), "look"),
    );
    assert!(r.is_err(), "{r:?}");
    assert_eq!(
        store.attempt_state(c.attempt_id).expect("state"),
        AttemptState::Sent
    );
    let r = store.attempt_inspect(
        c.attempt_id,
        &AttemptEvent::NotFound { why: "x".into() },
        Change::new(&op(), at(6), "x"),
    );
    assert!(
        matches!(r, Err(StoreError::Refused(_))),
        "only findings: {r:?}"
    );
}

#[test]
fn a_returned_revoked_card_is_spoiled_without_touching_the_record() {
    let (mut store, p) = office(2);
    let lease = store
        .lease_take(p, &me(1), &|_| true, at(3))
        .expect("q")
        .expect("lease");
    let c = claim(&mut store, p, &lease.token, 4).expect("card");
    store
        .attempt_apply(
            c.attempt_id,
            &AttemptEvent::Found {
                job_id: 1,
                job_uuid: "u".into(),
                phase: cetak_print::spool::JobPhase::Completed,
                reasons: vec![],
            },
            &op(),
            at(5),
        )
        .expect("printed");
    let nik = "167101450890".to_string() + "0001";
    assert!(matches!(
        store.print_spoil(c.serial, SpoilCause::Other, &op(), at(6)),
        Ok(SpoilOutcome::Reprint(_))
    ));
    // Print it again, hand it over, replace it, and the old one comes back.
    let c2 = claim(&mut store, p, &lease.token, 7).expect("reprint");
    assert_eq!(c2.recording_id, c.recording_id);
    store
        .attempt_apply(
            c2.attempt_id,
            &AttemptEvent::Found {
                job_id: 2,
                job_uuid: "u2".into(),
                phase: cetak_print::spool::JobPhase::Completed,
                reasons: vec![],
            },
            &op(),
            at(8),
        )
        .expect("printed");
    store
        .handover(&nik, "SITI", "fingerprint", &op(), at(9))
        .expect("handover");
    let err = store.print_spoil(c2.serial, SpoilCause::Other, &op(), at(10));
    assert!(
        matches!(err, Err(StoreError::Conflict(ref m)) if m.contains("resident's hands")),
        "{err:?}"
    );
    store
        .print_replace(&nik, cetak_store::Change::new(&op(), at(11), "lost"))
        .expect("replace");
    let queued = store.print_queue_len().expect("queue");
    match store.print_spoil(c2.serial, SpoilCause::Other, &op(), at(12)) {
        Ok(SpoilOutcome::Returned { recording_id }) => assert_eq!(recording_id, c.recording_id),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.print_queue_len().expect("queue"),
        queued,
        "nothing re-queued"
    );
    let books = store.stock_reconcile().expect("reconcile");
    assert!(books.balanced, "{books:?}");
    assert!(store.card_violations().expect("violations").is_empty());
}

#[test]
fn the_clock_guard_never_goes_back_and_a_supervisor_resets_a_clock_that_ran_ahead() {
    let (mut store, _) = office(1);
    let ahead = at(60 * 24 * 40);
    store
        .printer_set_paused(
            "P1",
            true,
            cetak_store::Change::new(&op(), ahead, "clock ran ahead"),
        )
        .expect("pause");
    let guard = store.office_time(at(10)).expect("guard");
    assert_eq!(guard.now, ahead, "never before the newest recorded time");
    assert!(guard.warning.is_some());
    let before = store
        .clock_reset(Change::new(
            &Actor("supervisor:rina".into()),
            at(10),
            "BIOS battery",
        ))
        .expect("reset");
    assert_eq!(before, Some(ahead));
    let guard = store.office_time(at(11)).expect("guard");
    assert_eq!((guard.now, guard.warning), (at(11), None));
    assert!(
        store.clock_reset(Change::new(&op(), at(12), " ")).is_err(),
        "a reset needs a reason"
    );
}

#[test]
fn the_monthly_report_counts_by_the_offices_month_not_utc() {
    let (mut store, _) = office(1);
    // 06:00 WIB on 1 December is still 30 November in UTC.
    let early_december = datetime!(2026-11-30 23:00 UTC);
    store
        .stock_blank_event(
            5,
            cetak_print::stock::BlankEvent::Spoil(SpoilCause::Other),
            &op(),
            early_december,
            "scratched",
        )
        .expect("spoil");
    let count = |month: &str| -> usize {
        store
            .monthly_report(month)
            .expect("report")
            .spoiled
            .iter()
            .map(|(_, s)| s.len())
            .sum()
    };
    assert_eq!(count("2026-12"), 1, "the office's December");
    assert_eq!(count("2026-11"), 0, "not November");
}

#[test]
fn a_reason_with_a_control_character_is_refused_where_it_is_typed() {
    // Issue 15: a NUL typed on a page reached the outbox and blocked the link; the escape
    // sequences of a terminal would corrupt reports. Refused before anything changes.
    let (mut store, _) = office(1);
    let before = store.stock_reconcile().expect("reconcile");
    for note in ["rusak\u{0}", "rusak\u{1b}[2J", "rusak\u{7f}"] {
        let err = store
            .stock_blank_event(
                5,
                cetak_print::stock::BlankEvent::Spoil(SpoilCause::Other),
                &op(),
                at(1),
                note,
            )
            .expect_err("refused");
        assert!(matches!(err, StoreError::Refused(_)), "{err}");
        assert!(err.to_string().contains("control character"), "{err}");
    }
    let after = store.stock_reconcile().expect("reconcile");
    assert_eq!(
        format!("{before:?}"),
        format!("{after:?}"),
        "nothing changed"
    );
    // Lines and tabs are text.
    store
        .stock_blank_event(
            5,
            cetak_print::stock::BlankEvent::Spoil(SpoilCause::Other),
            &op(),
            at(2),
            "tergores\r\ndi sudut\t(kiri)",
        )
        .expect("a multi-line note");
}
