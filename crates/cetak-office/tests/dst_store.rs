//! Simulation over the real store: the simulated office (its own print driver, printers,
//! power cuts, jams, staff) with the SQLite store kept beside the simulator's books. Every
//! claim and every attempt decision is made by the store's SQL too and compared; after every
//! event `Store::card_violations` and `Store::stock_reconcile` must find nothing.
//! A failure names the seed: `cetak_sim::run_with_shadow(&scenario(), SEED, …)` replays it.

use cetak_domain::lifecycle::{Actor, Event};
use cetak_domain::record::{EXAMPLE_ROW, Record};
use cetak_print::driver::ClaimRefusal;
use cetak_print::schedule::{PrinterProfile, PrinterRun};
use cetak_print::spool::{AttemptEvent, AttemptState};
use cetak_print::stock::SerialRange;
use cetak_sim::{Scenario, Shadow, run_with_shadow};
use cetak_store::{ImportRow, Lease, LeaseHolder, Store};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The store beside the simulator: its serials are the simulator's plus one; printers and
/// attempts are mapped.
struct StoreShadow {
    store: Store,
    leases: Vec<Lease>,
    printer_ids: Vec<i64>,
    /// Store attempt id of each simulator attempt, in claim order.
    attempts: Vec<i64>,
    next_nik: u32,
    /// Checks run (a shadow that never checked would pass anything).
    checks: u64,
}

fn actor() -> Actor {
    Actor::system("spool")
}

impl StoreShadow {
    fn new(sc: &Scenario, start: OffsetDateTime) -> StoreShadow {
        let mut store = Store::open_in_memory().expect("store");
        let profile = PrinterProfile {
            cards_per_day: sc.cards_per_day,
            burst: Some(sc.burst),
            cooldown_min: sc.cooldown_min,
            hours: None,
        };
        let mut leases = Vec::new();
        let mut printer_ids = Vec::new();
        for p in 0..sc.printers {
            let id = store
                .printer_add(
                    &format!("SIM{p}"),
                    &format!("dir:/nonexistent/sim{p}"),
                    &profile,
                    &actor(),
                    start,
                )
                .expect("printer");
            let holder = LeaseHolder {
                pid: 1,
                host: "sim".into(),
            };
            let lease = store
                .lease_take(id, &holder, &|_| true, start)
                .expect("lease")
                .expect("free");
            leases.push(lease);
            printer_ids.push(id);
        }
        StoreShadow {
            store,
            leases,
            printer_ids,
            attempts: Vec::new(),
            next_nik: 1,
            checks: 0,
        }
    }
}

impl Shadow for StoreShadow {
    fn record(
        &mut self,
        recording_id: &str,
        recorded: OffsetDateTime,
        duplicate: bool,
        at: OffsetDateTime,
    ) -> Result<(), String> {
        let mut f = EXAMPLE_ROW.map(str::to_string);
        f[0] = recording_id.to_string();
        // One NIK per recording: the simulator's persons carry the one-card-per-person check.
        f[1] = format!("167101450890{:04}", self.next_nik);
        self.next_nik += 1;
        // The queue waits in recording order, as in the simulator.
        f[19] = recorded.format(&Rfc3339).map_err(|e| e.to_string())?;
        let refs: [&str; 22] = std::array::from_fn(|k| f[k].as_str());
        let record = Record::validate(&refs).map_err(|e| format!("{e:?}"))?;
        let rows = [ImportRow::Valid {
            line: 2,
            record,
            raw: f.join(",").into_bytes(),
            media: None,
        }];
        self.store
            .import_batch("sim.csv", &rows, "system:import", at)
            .map_err(|e| e.to_string())?;
        let event = if duplicate {
            Event::MarkDuplicate {
                survivor: "the person's first recording".into(),
            }
        } else {
            Event::MarkUnique
        };
        self.store
            .apply_event(
                recording_id,
                event,
                cetak_store::Change::new(&actor(), at, "data ganda"),
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn receive(&mut self, first: u32, last: u32, at: OffsetDateTime) -> Result<(), String> {
        self.store
            .stock_receive(
                SerialRange {
                    first: i64::from(first) + 1,
                    last: i64::from(last) + 1,
                },
                &cetak_print::schedule::office_day(at),
                &format!("SIM-{first}"),
                &actor(),
                at,
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn claim(
        &mut self,
        printer: u32,
        load: i64,
        after: &PrinterRun,
        at: OffsetDateTime,
    ) -> Result<Result<(String, u32), ClaimRefusal>, String> {
        let p = printer as usize;
        let claim = self
            .store
            .print_claim(
                self.printer_ids[p],
                &self.leases[p].token,
                load,
                after,
                &actor(),
                at,
            )
            .map_err(|e| e.to_string())?;
        match claim {
            Ok(c) => {
                self.attempts.push(c.attempt_id);
                Ok(Ok((c.recording_id, (c.serial - 1) as u32)))
            }
            // The attempt named in the simulator's numbering.
            Err(ClaimRefusal::AwaitingInspection { attempt }) => {
                let ours = self
                    .attempts
                    .iter()
                    .position(|&a| a == attempt)
                    .ok_or_else(|| format!("the store holds for unknown attempt {attempt}"))?;
                Ok(Err(ClaimRefusal::AwaitingInspection {
                    attempt: ours as i64,
                }))
            }
            Err(r) => Ok(Err(r)),
        }
    }

    fn apply(
        &mut self,
        attempt: u32,
        event: &AttemptEvent,
        at: OffsetDateTime,
    ) -> Result<Option<AttemptState>, String> {
        let id = *self
            .attempts
            .get(attempt as usize)
            .ok_or_else(|| format!("attempt {attempt} was never claimed in the store"))?;
        Ok(self
            .store
            .attempt_apply(id, event, &actor(), at)
            .map_err(|e| e.to_string())?
            .map(|d| d.to))
    }

    fn check(&mut self) -> Vec<String> {
        self.checks += 1;
        let mut out = match self.store.card_violations() {
            Ok(v) => v,
            Err(e) => vec![e.to_string()],
        };
        match self.store.stock_reconcile() {
            Ok(r) if r.balanced => {}
            Ok(r) => out.push(format!(
                "blank books do not balance: {} received, {} issued, {} spoiled, {} on hand, {} missing; {:?}",
                r.received, r.issued, r.spoiled, r.on_hand, r.missing, r.problems
            )),
            Err(e) => out.push(e.to_string()),
        }
        out
    }
}

/// A hard office, small enough to check the whole store after every event.
fn scenario() -> Scenario {
    Scenario {
        days: 6,
        backlog: 300,
        new_per_day: 10.0,
        blanks_initial: 150,
        delivery_every_days: 2,
        delivery_size: 150,
        replacement_share: 0.0,
        ..Scenario::torture()
    }
}

#[test]
fn the_store_agrees_with_the_simulated_office_and_its_checks_hold_after_every_event() {
    let sc = scenario();
    let start = OffsetDateTime::parse(&format!("{}T00:00:00+07:00", sc.start), &Rfc3339)
        .expect("scenario start");
    let (mut cards, mut crashes, mut inspections) = (0, 0, 0);
    for seed in 0..4u64 {
        let mut shadow = StoreShadow::new(&sc, start);
        let out = run_with_shadow(&sc, seed, &mut shadow).expect("valid scenario");
        assert!(
            out.invariant_violations.is_empty(),
            "seed {seed}: {:#?}",
            out.invariant_violations
        );
        assert!(
            shadow.checks > 1_000,
            "seed {seed}: {} checks",
            shadow.checks
        );
        // The store's good cards are the simulator's good cards.
        let issued = shadow.store.stock_reconcile().expect("reconcile").issued;
        assert_eq!(issued as u64, out.cards_printed, "seed {seed}");
        cards += out.cards_printed;
        crashes += out.crashes;
        inspections += out.inspections;
    }
    assert!(cards > 100, "{cards} cards");
    assert!(crashes > 20, "{crashes} crashes");
    assert!(inspections > 5, "{inspections} inspections");
}

#[test]
fn a_store_that_loses_a_blank_is_caught_by_its_own_checks_under_the_simulation() {
    // The checks can fail: the same office with a store whose hopper quietly loses a blank
    // (written behind the store's back, as a buggy claim would) is reported.
    struct Leaky(StoreShadow, bool);
    impl Shadow for Leaky {
        fn record(
            &mut self,
            r: &str,
            rec: OffsetDateTime,
            d: bool,
            at: OffsetDateTime,
        ) -> Result<(), String> {
            self.0.record(r, rec, d, at)
        }
        fn receive(&mut self, f: u32, l: u32, at: OffsetDateTime) -> Result<(), String> {
            self.0.receive(f, l, at)
        }
        fn claim(
            &mut self,
            p: u32,
            load: i64,
            after: &PrinterRun,
            at: OffsetDateTime,
        ) -> Result<Result<(String, u32), ClaimRefusal>, String> {
            let c = self.0.claim(p, load, after, at);
            if !self.1 && self.0.attempts.len() == 20 {
                self.1 = true;
                self.0
                    .store
                    .raw_connection()
                    .execute(
                        "DELETE FROM blanks WHERE serial = (SELECT max(serial) FROM blanks)",
                        [],
                    )
                    .map_err(|e| e.to_string())?;
            }
            c
        }
        fn apply(
            &mut self,
            a: u32,
            e: &AttemptEvent,
            at: OffsetDateTime,
        ) -> Result<Option<AttemptState>, String> {
            self.0.apply(a, e, at)
        }
        fn check(&mut self) -> Vec<String> {
            self.0.check()
        }
    }
    let sc = scenario();
    let start = OffsetDateTime::parse(&format!("{}T00:00:00+07:00", sc.start), &Rfc3339)
        .expect("scenario start");
    let mut leaky = Leaky(StoreShadow::new(&sc, start), false);
    let out = run_with_shadow(&sc, 0, &mut leaky).expect("valid");
    assert!(leaky.1, "the fault was injected");
    assert!(
        out.invariant_violations
            .iter()
            .any(|v| v.contains("store: blank books do not balance")),
        "{:#?}",
        out.invariant_violations
    );
}
