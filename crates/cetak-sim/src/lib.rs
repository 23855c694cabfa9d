//! A seeded discrete-event simulation of an E-KTP office.
//!
//! It answers "when will the backlog be cleared?" and "what would a third printer, a UPS or
//! fewer power cuts change?", and it checks that the promises hold through months of power
//! cuts, jams and melted cards. The office's decisions are made by the *real* state machines:
//! `cetak_domain::lifecycle::next_state` for records, `cetak_print::spool::decide` and
//! `find_in_printer` for print attempts, `cetak_print::stock::next_blank_state` for blanks,
//! `cetak_print::schedule` for queue order, readiness, bursts, cool-downs and the back-off of a
//! failing printer. What is simulated is the world around them: the clock, the printers'
//! engines and heat, the power, the link, the staff.
//!
//! The spool's storage is modelled as durable (what the office committed survives a power cut)
//! and its loop as in `cetak print run`: intent committed, job sent, acceptance committed a
//! moment later, the job followed; after a crash every open attempt is looked up in the
//! printer's own job list and what the printer cannot confirm is inspected by a person.
//!
//! Every event is checked against the promises; a violation is recorded with the day and event,
//! and `cetak simulate --seed N` replays the same run exactly.
#![deny(missing_docs)]

pub mod chart;
pub mod scenario;

use std::borrow::Cow;
use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::sync::Arc;

use cetak_domain::lifecycle::{Event, RecordState, next_state};
use cetak_print::driver::{
    ClaimRefusal, Claimed, Command, Driver, DriverConfig, EncodeFault, Input, PrinterAnswer,
    PrinterBook, StopReason,
};
use cetak_print::schedule::{self, PrinterProfile, PrinterRun, QueueKey};
use cetak_print::spool::{
    self, AttemptEvent, AttemptState, CardChange, JobPhase, PendingAttempt, PrinterJob,
};
use cetak_print::stock::{BlankEvent, BlankState, SpoilCause, next_blank_state};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, Time, Weekday};

pub use scenario::{Policy, Scenario, ScenarioError};

/// Milliseconds since the first day's midnight, office time.
type Ms = i64;

const SECOND: Ms = 1_000;
const MINUTE: Ms = 60 * SECOND;
const HOUR: Ms = 60 * MINUTE;
const DAY: Ms = 24 * HOUR;
/// Between committing the intent and the printer holding the job (rendering, sending): a crash
/// here leaves an intent the printer never heard of.
const SEND_DELAY: Ms = 200;
/// Between sending a job and committing the printer's acceptance: a crash here leaves an intent
/// the printer did take.
const ACCEPT_DELAY: Ms = SECOND;
/// How long the operator takes to see a melted card in the output tray and report it.
const MELT_SEEN: Ms = 30 * SECOND;
/// Blanks an operator loads into an empty hopper at most (as `cetak_store::HOPPER_LOAD`).
const HOPPER_LOAD: i64 = 100;

/// The simulated office's `cetak print run`: polls jobs in flight every 5 s, otherwise the
/// defaults of the command line.
fn run_config() -> DriverConfig {
    DriverConfig {
        max_cards: None,
        poll: std::time::Duration::from_secs(5),
        job_timeout: std::time::Duration::from_secs(300),
        gone_confirm: std::time::Duration::from_secs(10),
        no_wait: false,
    }
}

/// The office's own books — the real store — kept beside the simulator's: every change the
/// simulated office makes to its books is made there too, each answer is compared with the
/// simulator's, and the store's own checks run after every event. Serials and attempts are the
/// simulator's numbers; the shadow maps them to its own.
pub trait Shadow {
    /// A recording arrives (`duplicate`: data ganda marks it a duplicate, else unique).
    fn record(
        &mut self,
        recording_id: &str,
        recorded: OffsetDateTime,
        duplicate: bool,
        at: OffsetDateTime,
    ) -> Result<(), String>;
    /// Blanks `first..=last` are received.
    fn receive(&mut self, first: u32, last: u32, at: OffsetDateTime) -> Result<(), String>;
    /// `Store::print_claim` for printer `printer` (0-based): the record and serial claimed.
    fn claim(
        &mut self,
        printer: u32,
        load: i64,
        after: &PrinterRun,
        at: OffsetDateTime,
    ) -> Result<Result<(String, u32), ClaimRefusal>, String>;
    /// `Store::attempt_apply` for the simulator's attempt `attempt` (numbered in claim order).
    fn apply(
        &mut self,
        attempt: u32,
        event: &AttemptEvent,
        at: OffsetDateTime,
    ) -> Result<Option<AttemptState>, String>;
    /// The store's own checks (`card_violations`, `stock_reconcile`): what is wrong.
    fn check(&mut self) -> Vec<String>;
}

/// One day of the run, for charts.
#[derive(Debug, Clone, Serialize)]
pub struct DayStats {
    /// Date.
    pub date: String,
    /// Records of the original backlog still without a card at the end of the day.
    pub backlog_left: u32,
    /// Records waiting in the print queue.
    pub queue: u32,
    /// Good cards made that day.
    pub printed: u32,
    /// Cards spoiled that day.
    pub spoiled: u32,
    /// Rated capacity that day (0 on a closed day).
    pub capacity: u32,
}

/// Hours printers could not print, by cause (printer-hours inside working hours).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Downtime {
    /// Power cut (office process down, printers dark).
    pub power_h: f64,
    /// Printer broken, waiting for repair.
    pub breakdown_h: f64,
    /// Printer jammed, waiting for staff.
    pub jam_h: f64,
    /// No blank cards left.
    pub no_blanks_h: f64,
}

/// The result of one run (`cetak simulate --json`).
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// The day the last record of the original backlog got its card (`None`: not within the run).
    pub backlog_cleared_on: Option<String>,
    /// Days simulated.
    pub days_simulated: u32,
    /// Good cards made.
    pub cards_printed: u64,
    /// Cards spoiled.
    pub cards_spoiled: u64,
    /// Spoiled cards by cause.
    pub spoiled_by_cause: BTreeMap<String, u64>,
    /// Blanks used (good + spoiled).
    pub blanks_used: u64,
    /// Good cards ÷ rated capacity over the working days simulated.
    pub utilisation: f64,
    /// Good cards per working day.
    pub cards_per_day: f64,
    /// Printer-hours lost, by cause.
    pub downtime: Downtime,
    /// Power cuts that crashed the office (a UPS absorbs the short ones).
    pub crashes: u32,
    /// Attempts a person had to inspect.
    pub inspections: u64,
    /// Residents holding two valid cards (only possible without dedup: the cost of skipping it).
    pub persons_with_two_cards: u64,
    /// Records printed that were extra recordings of someone already printed.
    pub duplicate_cards: u64,
    /// Broken promises (must be empty): each names the day and what broke.
    pub invariant_violations: Vec<String>,
    /// Per-day series.
    pub daily: Vec<DayStats>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    DayStart(u32),
    PowerCut {
        duration_ms: Ms,
    },
    PowerBack,
    LinkDown {
        duration_ms: Ms,
    },
    LinkUp,
    /// Someone starts `cetak print run` if none is running.
    Kick,
    /// The print run resumes: after a wait, or with the answer to a submission.
    Office {
        generation: u32,
        run: u32,
    },
    Deliver {
        printer: u32,
        attempt: u32,
        generation: u32,
    },
    /// The chip encoder finished writing and verifying an attempt's chip.
    Encoded {
        attempt: u32,
        generation: u32,
    },
    /// The operator sees a melted card in the output tray.
    MeltedSeen(u32),
    JobDone {
        printer: u32,
        job: u32,
    },
    Breakdown(u32),
    Repaired(u32),
    /// Staff finished clearing a jam: the printer is back in service.
    JamCleared(u32),
    StaffFree,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Good,
    Melted,
    Jam,
}

/// What physically happened to the blank of an attempt (what a person finds when they look).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    NotYet,
    Good,
    Spoiled(SpoilCause),
    Unused,
}

struct Rec {
    person: u32,
    state: RecordState,
    key: QueueKey,
    backlog: bool,
    duplicate: bool,
    open_attempt: bool,
    /// The physical ledger: good cards that really came out of a printer for this record,
    /// counted by the world, never by the office's books.
    cards_out: u8,
}

struct Att {
    record: u32,
    serial: u32,
    printer: u32,
    job_name: Arc<str>,
    job_uuid: Option<Arc<str>>,
    submissions: u32,
    truth: Truth,
    /// Its chip was written and verified (printers with an encoder).
    chip_verified: bool,
}

struct PhysJob {
    id: u32,
    attempt: u32,
    uuid: String,
    started: Ms,
    fate: Fate,
}

struct Prn {
    run: PrinterRun,
    heat: f64,
    heat_at: Ms,
    job: Option<PhysJob>,
    /// The printer's own job list (lost when it loses power).
    jobs: Vec<PrinterJob>,
    next_job_id: u32,
    jobs_made: u32,
    pending: Option<u32>,
    /// Unused blanks in its hopper (the books' `loaded_in`).
    hopper: BTreeSet<u32>,
    /// Its attempts waiting for a person's inspection: it gets no card meanwhile.
    held: BTreeSet<u32>,
    jammed: bool,
    broken: bool,
    blocked_since: Option<(Ms, Block)>,
}

/// The print run in progress: the office's own driver, and the answer the world will give to
/// the command it waits on.
struct OfficeRun {
    driver: Driver,
    id: u32,
    started: Ms,
    answer: Option<Input>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Jam,
    Breakdown,
    NoBlanks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    ClearJam(u32),
    Inspect(u32),
}

struct Sim<'a> {
    sc: &'a Scenario,
    shadow: Option<&'a mut dyn Shadow>,
    /// Skip the print run's wake-ups that the driver says are quiet until the next event.
    skip_quiet_wakes: bool,
    rng: ChaCha8Rng,
    now: Ms,
    seq: u64,
    events: BinaryHeap<Reverse<(Ms, u64, Ev)>>,
    base: OffsetDateTime,
    /// The last instant worked out from `base` (adding to an `OffsetDateTime` normalises the
    /// date, and one event asks for the same instant several times).
    last_instant: Cell<(Ms, OffsetDateTime)>,
    profile: PrinterProfile,
    records: Vec<Rec>,
    /// Good cards per record in the books, beside `records` (the daily recount reads only
    /// this, not the whole record).
    record_cards: Vec<u8>,
    queue: BTreeSet<(QueueKey, u32)>,
    persons: Vec<u8>,
    blanks: Vec<BlankState>,
    blank_counts: [u64; 5],
    /// Unused blanks in the safe (on hand, in no hopper).
    safe: BTreeSet<u32>,
    /// The hopper each blank was loaded into.
    loaded_in: Vec<Option<u32>>,
    office: Option<OfficeRun>,
    runs: u32,
    kick_at: Option<Ms>,
    attempts: Vec<Att>,
    /// The attempts still open (intent or sent), as the books' index finds them.
    pending_attempts: BTreeSet<u32>,
    /// Each attempt's state, beside `attempts` (the daily recount reads only this; the one
    /// place an attempt's state is kept).
    attempt_states: Vec<AttemptState>,
    printers: Vec<Prn>,
    power: bool,
    power_down_since: Option<Ms>,
    process_up: bool,
    generation: u32,
    link: bool,
    waiting_at_centre: u32,
    staff: VecDeque<Task>,
    staff_busy: bool,
    today: u32,
    backlog_left: u32,
    cleared_on: Option<String>,
    day_printed: u32,
    day_spoiled: u32,
    out: Outcome,
    working_days: u32,
}

/// `prefix` and `n` in at least `width` digits, as `format!("{prefix}{n:0width$}")` writes it
/// (the setup makes thousands of these per seed; the formatting machinery was a tenth of a
/// DST run).
fn zero_padded(prefix: &str, n: u64, width: usize) -> String {
    let mut s = String::with_capacity(prefix.len() + width.max(20));
    s.push_str(prefix);
    spool::push_zero_padded(&mut s, n, width);
    s
}

/// The uuid a simulated printer gives its `n`th job, `urn:uuid:sim-P-N`.
fn job_uuid(printer: u32, n: u32) -> String {
    let mut uuid = String::with_capacity(40);
    uuid.push_str("urn:uuid:sim-");
    spool::push_zero_padded(&mut uuid, u64::from(printer), 0);
    uuid.push('-');
    spool::push_zero_padded(&mut uuid, u64::from(n), 0);
    uuid
}

fn blank_index(s: BlankState) -> usize {
    match s {
        BlankState::OnHand => 0,
        BlankState::InPrint => 1,
        BlankState::Issued => 2,
        BlankState::Spoiled => 3,
        BlankState::Missing => 4,
    }
}

/// Run one scenario with one seed. `stop_when_cleared`: end on the day the backlog is cleared
/// (the planner's question) rather than after `days`.
pub fn run(sc: &Scenario, seed: u64, stop_when_cleared: bool) -> Result<Outcome, ScenarioError> {
    run_inner(sc, seed, stop_when_cleared, None, true)
}

/// As [`run`], but the print run wakes every time it asked to, even where the driver says the
/// wake-ups until the world's next event would be quiet ([`Driver::quiet_until`]). The outcome
/// must be the same as [`run`]'s; this is the reference that shows it.
pub fn run_waking_every_time(
    sc: &Scenario,
    seed: u64,
    stop_when_cleared: bool,
) -> Result<Outcome, ScenarioError> {
    run_inner(sc, seed, stop_when_cleared, None, false)
}

/// Run one scenario with one seed and the real store beside the simulator's books (see
/// [`Shadow`]); its disagreements and its checks' findings are invariant violations.
pub fn run_with_shadow(
    sc: &Scenario,
    seed: u64,
    shadow: &mut dyn Shadow,
) -> Result<Outcome, ScenarioError> {
    run_inner(sc, seed, false, Some(shadow), true)
}

fn run_inner<'a>(
    sc: &'a Scenario,
    seed: u64,
    stop_when_cleared: bool,
    shadow: Option<&'a mut dyn Shadow>,
    skip_quiet_wakes: bool,
) -> Result<Outcome, ScenarioError> {
    sc.validate()?;
    let mut sim = Sim::new(sc, seed)?;
    sim.shadow = shadow;
    sim.skip_quiet_wakes = skip_quiet_wakes;
    sim.setup();
    let end = Ms::from(sc.days) * DAY;
    while let Some(Reverse((at, _, ev))) = sim.events.pop() {
        if at >= end {
            break;
        }
        sim.now = at;
        sim.handle(ev);
        sim.shadow_check();
        // Judged after the whole event: a card that comes out melted was never made.
        if sim.backlog_left == 0 && sim.cleared_on.is_none() {
            sim.cleared_on = Some(sim.date_of(at));
        }
        if stop_when_cleared && sim.cleared_on.is_some() {
            break;
        }
    }
    Ok(sim.finish())
}

impl<'a> Sim<'a> {
    fn new(sc: &'a Scenario, seed: u64) -> Result<Sim<'a>, ScenarioError> {
        let start = Date::parse(
            &sc.start,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|e| ScenarioError::Invalid {
            name: sc.name.clone(),
            field: "start",
            problem: e.to_string(),
        })?;
        let base = start.midnight().assume_offset(schedule::OFFICE_OFFSET);
        let hour = |h: u8| Time::from_hms(h.min(23), 0, 0).unwrap_or(Time::MIDNIGHT);
        let end_time = if sc.hours_end >= 24 {
            Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT)
        } else {
            hour(sc.hours_end)
        };
        let profile = match sc.policy {
            Policy::Thermal => PrinterProfile {
                cards_per_day: sc.cards_per_day,
                burst: Some(sc.burst),
                cooldown_min: sc.cooldown_min,
                hours: Some((hour(sc.hours_start), end_time)),
            },
            Policy::Fifo => PrinterProfile {
                cards_per_day: sc.cards_per_day,
                burst: None,
                cooldown_min: 0.0,
                hours: Some((hour(sc.hours_start), end_time)),
            },
        };
        let printers = (0..sc.printers)
            .map(|_| Prn {
                run: PrinterRun::default(),
                heat: 0.0,
                heat_at: 0,
                job: None,
                jobs: Vec::new(),
                next_job_id: 1,
                jobs_made: 0,
                pending: None,
                hopper: BTreeSet::new(),
                held: BTreeSet::new(),
                jammed: false,
                broken: false,
                blocked_since: None,
            })
            .collect();
        Ok(Sim {
            sc,
            shadow: None,
            skip_quiet_wakes: true,
            rng: ChaCha8Rng::seed_from_u64(seed),
            now: 0,
            seq: 0,
            events: BinaryHeap::new(),
            base,
            last_instant: Cell::new((0, base)),
            profile,
            records: Vec::new(),
            record_cards: Vec::new(),
            queue: BTreeSet::new(),
            persons: Vec::new(),
            blanks: Vec::new(),
            blank_counts: [0; 5],
            safe: BTreeSet::new(),
            loaded_in: Vec::new(),
            office: None,
            runs: 0,
            kick_at: None,
            attempts: Vec::new(),
            pending_attempts: BTreeSet::new(),
            attempt_states: Vec::new(),
            printers,
            power: true,
            power_down_since: None,
            process_up: true,
            generation: 0,
            link: true,
            waiting_at_centre: 0,
            staff: VecDeque::new(),
            staff_busy: false,
            today: 0,
            backlog_left: 0,
            cleared_on: None,
            day_printed: 0,
            day_spoiled: 0,
            out: Outcome {
                scenario: sc.name.clone(),
                seed,
                backlog_cleared_on: None,
                days_simulated: 0,
                cards_printed: 0,
                cards_spoiled: 0,
                spoiled_by_cause: BTreeMap::new(),
                blanks_used: 0,
                utilisation: 0.0,
                cards_per_day: 0.0,
                downtime: Downtime::default(),
                crashes: 0,
                inspections: 0,
                persons_with_two_cards: 0,
                duplicate_cards: 0,
                invariant_violations: Vec::new(),
                daily: Vec::new(),
            },
            working_days: 0,
        })
    }

    fn shadow_check(&mut self) {
        let Some(shadow) = self.shadow.as_deref_mut() else {
            return;
        };
        for v in shadow.check() {
            self.violation(format!("store: {v}"));
        }
    }

    /// Do `f` on the shadow store, if any; its failure is a violation.
    fn shadow<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Shadow, OffsetDateTime) -> Result<T, String>,
    ) -> Option<T> {
        self.shadow.as_ref()?;
        let at = self.instant(self.now);
        let shadow = self.shadow.as_deref_mut()?;
        match f(shadow, at) {
            Ok(t) => Some(t),
            Err(e) => {
                self.violation(format!("store: {e}"));
                None
            }
        }
    }

    fn at(&mut self, at: Ms, ev: Ev) {
        self.seq += 1;
        self.events.push(Reverse((at, self.seq, ev)));
    }

    fn exp(&mut self, mean: f64) -> f64 {
        let u: f64 = self.rng.random_range(f64::EPSILON..1.0);
        -u.ln() * mean
    }

    fn violation(&mut self, what: String) {
        if self.out.invariant_violations.len() < 100 {
            let day = self.date_of(self.now);
            self.out
                .invariant_violations
                .push(format!("{day} (t={} ms): {what}", self.now));
        }
    }

    fn instant(&self, at: Ms) -> OffsetDateTime {
        let (last_at, last) = self.last_instant.get();
        if last_at == at {
            return last;
        }
        let instant = self.base + Duration::milliseconds(at);
        self.last_instant.set((at, instant));
        instant
    }

    fn date_of(&self, at: Ms) -> String {
        let d = self.instant(at).date();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }

    fn is_working_day(&self, day: u32) -> bool {
        match self.instant(Ms::from(day) * DAY).weekday() {
            Weekday::Sunday => false,
            Weekday::Saturday => self.sc.saturday,
            _ => true,
        }
    }

    fn setup(&mut self) {
        let backlog = self.sc.backlog;
        let dups = (f64::from(backlog) * self.sc.duplicate_share).round() as u32;
        let people = backlog - dups;
        // Recorded over the years before the printers came: spread over 4 years back.
        for i in 0..backlog {
            let person = if i < people {
                i
            } else {
                self.rng.random_range(0..people.max(1))
            };
            let back = self.rng.random_range(0..4 * 365 * DAY);
            self.add_record(person, -back, false, true, i >= people);
        }
        self.persons.resize(people as usize, 0);
        self.receive(self.sc.blanks_initial);
        self.at(0, Ev::DayStart(0));
        self.schedule_power_cut(0);
        self.schedule_link_outage(0);
        for p in 0..self.sc.printers {
            self.schedule_breakdown(p, 0);
        }
    }

    fn add_record(
        &mut self,
        person: u32,
        recorded: Ms,
        replacement: bool,
        backlog: bool,
        duplicate: bool,
    ) {
        let id = self.records.len() as u32;
        let key = QueueKey {
            raised: false,
            replacement,
            // Fixed-width text so that text order is time order, as in the store.
            waiting_since: zero_padded("", (recorded + 10 * 365 * DAY).max(0) as u64, 20),
            recording_id: zero_padded("SIM", u64::from(id), 8),
        };
        self.record_cards.push(0);
        self.records.push(Rec {
            person,
            state: RecordState::Received,
            key,
            backlog: false,
            duplicate,
            open_attempt: false,
            cards_out: 0,
        });
        // Dedup: with it, an extra recording of someone already here is marked duplicate.
        let event = if duplicate && self.sc.dedup {
            Event::MarkDuplicate {
                survivor: zero_padded("person ", u64::from(person), 0),
            }
        } else {
            Event::MarkUnique
        };
        self.record_event(id, &event);
        if self.shadow.is_some() {
            let recording_id = self.records[id as usize].key.recording_id.clone();
            let recorded_at = self.instant(recorded);
            let is_duplicate = self.records[id as usize].state == RecordState::Duplicate;
            self.shadow(|s, at| s.record(&recording_id, recorded_at, is_duplicate, at));
        }
        if self.records[id as usize].state == RecordState::Unique {
            let key = self.records[id as usize].key.clone();
            self.queue.insert((key, id));
            if backlog {
                self.records[id as usize].backlog = true;
                self.backlog_left += 1;
            }
        }
    }

    fn record_event(&mut self, id: u32, event: &Event) {
        let from = self.records[id as usize].state;
        match next_state(from, event) {
            Ok(to) => self.records[id as usize].state = to,
            Err(e) => self.violation(format!("record {id}: {e}")),
        }
    }

    fn receive(&mut self, n: u32) {
        if n > 0 {
            let first = self.blanks.len() as u32;
            self.shadow(|s, at| s.receive(first, first + n - 1, at));
        }
        let first = self.blanks.len() as u32;
        self.blanks
            .resize(self.blanks.len() + n as usize, BlankState::OnHand);
        self.blank_counts[0] += u64::from(n);
        self.loaded_in.resize(self.blanks.len(), None);
        // The new serials are above every serial already in the safe: each goes in at its
        // right edge (`append` would rebuild the whole safe).
        self.safe.extend(first..first + n);
    }

    fn blank_event(&mut self, serial: u32, event: BlankEvent) {
        let from = self.blanks[serial as usize];
        match next_blank_state(i64::from(serial), from, event) {
            Ok(to) => {
                self.blanks[serial as usize] = to;
                self.blank_counts[blank_index(from)] -= 1;
                self.blank_counts[blank_index(to)] += 1;
                // An unused blank goes back where it was: on top of its hopper, or the safe.
                let place = self.loaded_in[serial as usize];
                if to == BlankState::OnHand {
                    match place {
                        Some(p) => self.printers[p as usize].hopper.insert(serial),
                        None => self.safe.insert(serial),
                    };
                }
                if from == BlankState::OnHand {
                    match place {
                        Some(p) => self.printers[p as usize].hopper.remove(&serial),
                        None => self.safe.remove(&serial),
                    };
                }
            }
            Err(e) => self.violation(e.to_string()),
        }
    }

    fn schedule_power_cut(&mut self, from: Ms) {
        if self.sc.power_cuts_per_day <= 0.0 {
            return;
        }
        let gap = self.exp(DAY as f64 / self.sc.power_cuts_per_day) as Ms;
        let duration_ms = (self.exp(self.sc.power_cut_min) * MINUTE as f64) as Ms + MINUTE;
        self.at(from + gap, Ev::PowerCut { duration_ms });
    }

    fn schedule_link_outage(&mut self, from: Ms) {
        if self.sc.link_outages_per_day <= 0.0 {
            return;
        }
        let gap = self.exp(DAY as f64 / self.sc.link_outages_per_day) as Ms;
        let duration_ms = (self.exp(self.sc.link_outage_h) * HOUR as f64) as Ms + MINUTE;
        self.at(from + gap, Ev::LinkDown { duration_ms });
    }

    fn schedule_breakdown(&mut self, p: u32, from: Ms) {
        if self.sc.breakdowns_per_year <= 0.0 {
            return;
        }
        let gap = self.exp(365.0 * DAY as f64 / self.sc.breakdowns_per_year) as Ms;
        self.at(from + gap, Ev::Breakdown(p));
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::DayStart(day) => self.day_start(day),
            Ev::PowerCut { duration_ms } => self.power_cut(duration_ms),
            Ev::PowerBack => self.power_back(),
            Ev::LinkDown { duration_ms } => {
                self.link = false;
                self.at(self.now + duration_ms, Ev::LinkUp);
            }
            Ev::LinkUp => {
                self.link = true;
                let n = std::mem::take(&mut self.waiting_at_centre);
                self.arrivals(n);
                self.schedule_link_outage(self.now);
                self.kick();
            }
            Ev::Kick => {
                if self.kick_at == Some(self.now) {
                    self.kick_at = None;
                }
                self.kick();
            }
            Ev::Office { generation, run } => {
                if generation == self.generation
                    && let Some(office) = self.office.as_mut().filter(|o| o.id == run)
                {
                    let input = office.answer.take().unwrap_or(Input::Done);
                    self.office_step(input);
                }
            }
            Ev::MeltedSeen(a) => self.melted_seen(a),
            Ev::Deliver {
                printer,
                attempt,
                generation,
            } => {
                // The office went dark while sending: the printer never got the job.
                if generation == self.generation {
                    self.deliver(printer, attempt);
                }
            }
            Ev::Encoded {
                attempt,
                generation,
            } => {
                if generation == self.generation {
                    self.encoded(attempt);
                }
            }
            Ev::JobDone { printer, job } => self.job_done(printer, job),
            Ev::Breakdown(p) => self.breakdown(p),
            Ev::Repaired(p) => {
                self.printers[p as usize].broken = false;
                self.unblock(p, Block::Breakdown);
                self.schedule_breakdown(p, self.now);
                self.kick();
            }
            Ev::JamCleared(p) => {
                self.printers[p as usize].jammed = false;
                self.unblock(p, Block::Jam);
                self.kick();
            }
            Ev::StaffFree => {
                self.staff_busy = false;
                self.staff_next();
            }
        }
    }

    fn day_start(&mut self, day: u32) {
        if day > 0 {
            self.close_day(day - 1);
        }
        self.today = day;
        for p in &mut self.printers {
            p.run.printed_today = 0;
        }
        if day > 0 && day.is_multiple_of(self.sc.delivery_every_days) {
            self.receive(self.sc.delivery_size);
            for p in 0..self.sc.printers {
                self.unblock(p, Block::NoBlanks);
            }
        }
        if day > 0 {
            let mean = self.sc.new_per_day;
            let n = (mean + self.rng.random_range(-0.5..0.5) * mean)
                .round()
                .max(0.0) as u32;
            if self.link {
                self.arrivals(n);
            } else {
                self.waiting_at_centre += n;
            }
        }
        self.at(Ms::from(day + 1) * DAY, Ev::DayStart(day + 1));
        self.staff_next();
        self.kick();
    }

    fn arrivals(&mut self, n: u32) {
        for _ in 0..n {
            let replacement = self.rng.random_bool(self.sc.replacement_share);
            let duplicate = !replacement && self.rng.random_bool(self.sc.duplicate_share);
            let people = self.persons.len() as u32;
            let person = if duplicate && people > 0 {
                self.rng.random_range(0..people)
            } else {
                self.persons.push(0);
                people
            };
            self.add_record(
                person,
                self.now,
                replacement,
                false,
                duplicate && people > 0,
            );
        }
    }

    fn close_day(&mut self, day: u32) {
        let working = self.is_working_day(day);
        if working {
            self.working_days += 1;
        }
        self.out.daily.push(DayStats {
            date: self.date_of(Ms::from(day) * DAY),
            backlog_left: self.backlog_left,
            queue: self.queue.len() as u32,
            printed: self.day_printed,
            spoiled: self.day_spoiled,
            capacity: if working {
                self.sc.printers * self.sc.cards_per_day
            } else {
                0
            },
        });
        self.day_printed = 0;
        self.day_spoiled = 0;
        self.full_check();
    }

    /// The promises, counted from scratch (once a day; events check their own part).
    fn full_check(&mut self) {
        let mut counts = [0u64; 5];
        for b in &self.blanks {
            counts[blank_index(*b)] += 1;
        }
        if counts != self.blank_counts || counts.iter().sum::<u64>() != self.blanks.len() as u64 {
            self.violation(format!(
                "blank books do not balance: {counts:?} vs {:?}",
                self.blank_counts
            ));
        }
        let open = self
            .attempt_states
            .iter()
            .filter(|&&state| {
                matches!(
                    state,
                    AttemptState::Intent | AttemptState::Sent | AttemptState::Inspect
                )
            })
            .count() as u64;
        if open != counts[1] {
            self.violation(format!(
                "{open} open attempts but {} blanks in print",
                counts[1]
            ));
        }
        let valid: u64 = self.record_cards.iter().map(|&c| u64::from(c)).sum();
        if valid != counts[2] {
            self.violation(format!(
                "{valid} good cards but {} blanks issued",
                counts[2]
            ));
        }
    }

    fn power_cut(&mut self, duration_ms: Ms) {
        self.schedule_power_cut(self.now + duration_ms);
        let carried = if self.sc.ups {
            (self.sc.ups_min * MINUTE as f64) as Ms
        } else {
            0
        };
        if duration_ms <= carried {
            return;
        }
        // The UPS (if any) is drained: the office and its printers go dark now. The simulation
        // moves the cut's start to when the UPS gives up.
        let dark = duration_ms - carried;
        self.power = false;
        self.process_up = false;
        // The print run dies with the process; only what it committed survives.
        self.office = None;
        self.generation += 1;
        self.out.crashes += 1;
        for p in 0..self.printers.len() {
            let prn = &mut self.printers[p];
            prn.jobs.clear();
            prn.next_job_id = 1;
            if let Some(job) = prn.job.take() {
                // A card being fed when the power went is ruined; one not yet picked stays clean.
                let fed = self.now - job.started > (self.sc.card_seconds * 200.0) as Ms;
                self.attempts[job.attempt as usize].truth = if fed {
                    Truth::Spoiled(SpoilCause::Other)
                } else {
                    Truth::Unused
                };
            }
        }
        self.power_down_since = Some(self.now);
        self.at(self.now + dark, Ev::PowerBack);
    }

    fn power_back(&mut self) {
        if let Some(since) = self.power_down_since.take() {
            let hours = self.working_overlap(since, self.now) as f64 / HOUR as f64;
            self.out.downtime.power_h += hours * f64::from(self.sc.printers);
        }
        self.power = true;
        self.process_up = true;
        if self.sc.resend_after_crash {
            // What a plain print queue does: send the open jobs again, blindly, before the
            // office's own run starts.
            let open: Vec<u32> = (0..self.attempts.len() as u32)
                .filter(|&a| self.attempt_states[a as usize].is_pending())
                .collect();
            for a in open {
                self.resend(a);
            }
        }
        // `cetak print run` starts again: the driver looks every open attempt up in its
        // printer's own job list before any new card.
        self.staff_next();
        self.kick();
    }

    fn breakdown(&mut self, p: u32) {
        let prn = &mut self.printers[p as usize];
        prn.broken = true;
        if let Some(job) = prn.job.take() {
            let uuid = job.uuid.clone();
            self.attempts[job.attempt as usize].truth = Truth::Spoiled(SpoilCause::Other);
            if let Some(j) = self.printers[p as usize]
                .jobs
                .iter_mut()
                .find(|j| j.job_uuid.as_deref() == Some(uuid.as_str()))
            {
                j.phase = JobPhase::Aborted;
                j.reasons = vec!["other".into()];
            }
        }
        self.block(p, Block::Breakdown);
        let repair = (self.exp(self.sc.repair_days) * DAY as f64) as Ms + HOUR;
        self.at(self.now + repair, Ev::Repaired(p));
    }

    fn block(&mut self, p: u32, why: Block) {
        let now = self.now;
        self.printers[p as usize]
            .blocked_since
            .get_or_insert((now, why));
    }

    fn unblock(&mut self, p: u32, why: Block) {
        if let Some((since, b)) = self.printers[p as usize].blocked_since
            && b == why
        {
            let hours = self.working_overlap(since, self.now) as f64 / HOUR as f64;
            let d = &mut self.out.downtime;
            match b {
                Block::Jam => d.jam_h += hours,
                Block::Breakdown => d.breakdown_h += hours,
                Block::NoBlanks => d.no_blanks_h += hours,
            }
            self.printers[p as usize].blocked_since = None;
        }
    }

    /// Milliseconds of working hours between two instants.
    fn working_overlap(&self, from: Ms, to: Ms) -> Ms {
        let mut total = 0;
        let mut day = (from / DAY).max(0);
        while day * DAY < to {
            if self.is_working_day(day as u32) {
                let open = day * DAY + Ms::from(self.sc.hours_start) * HOUR;
                let close = day * DAY + Ms::from(self.sc.hours_end) * HOUR;
                total += (to.min(close) - from.max(open)).max(0);
            }
            day += 1;
        }
        total
    }

    fn in_hours(&self, at: Ms) -> bool {
        let day = (at / DAY) as u32;
        let hour = (at % DAY) / HOUR;
        self.is_working_day(day)
            && hour >= Ms::from(self.sc.hours_start)
            && hour < Ms::from(self.sc.hours_end)
    }

    /// The next moment inside working hours at or after `at`.
    fn next_open(&self, at: Ms) -> Ms {
        let mut day = at / DAY;
        loop {
            let open = day * DAY + Ms::from(self.sc.hours_start) * HOUR;
            let close = day * DAY + Ms::from(self.sc.hours_end) * HOUR;
            if self.is_working_day(day as u32) && at < close {
                return at.max(open);
            }
            day += 1;
        }
    }

    fn heat_now(&self, p: usize) -> f64 {
        let prn = &self.printers[p];
        let idle_min = (self.now - prn.heat_at) as f64 / MINUTE as f64;
        prn.heat * 0.5f64.powf(idle_min / self.sc.heat_half_life_min)
    }

    /// Someone starts `cetak print run` if none runs: in working hours, with the power on.
    fn kick(&mut self) {
        if !self.process_up || !self.power || self.office.is_some() {
            return;
        }
        if !self.in_hours(self.now) {
            let at = self.next_open(self.now);
            if self.kick_at.is_none_or(|k| k < self.now || at < k) {
                self.kick_at = Some(at);
                self.at(at, Ev::Kick);
            }
            return;
        }
        self.runs += 1;
        let books = self.books();
        self.office = Some(OfficeRun {
            driver: Driver::new(run_config(), books),
            id: self.runs,
            started: self.now,
            answer: None,
        });
        self.office_step(Input::Done);
    }

    /// The printers as the books see them (`Store::printers`).
    fn books(&self) -> Vec<PrinterBook> {
        self.printers
            .iter()
            .enumerate()
            .map(|(i, prn)| {
                let mut run = prn.run.clone();
                run.busy = prn.pending.is_some();
                PrinterBook {
                    id: i as i64 + 1,
                    profile: self.profile.clone(),
                    run,
                    encoder: self.sc.encode_seconds > 0.0,
                }
            })
            .collect()
    }

    /// Execute the run's commands against the world until it waits or stops: the same driver
    /// as `cetak print run`, with the store and the printers simulated.
    fn office_step(&mut self, mut input: Input) {
        // No simulated time passes while the run talks to the books and the printers.
        let now = self.instant(self.now);
        let Some(started) = self.office.as_ref().map(|o| o.started) else {
            return;
        };
        let mono = std::time::Duration::from_millis((self.now - started).max(0) as u64);
        loop {
            let Some(office) = self.office.as_mut() else {
                return;
            };
            let (id, command) = match office.driver.step(input, now, mono) {
                Ok(c) => (office.id, c),
                Err(e) => {
                    self.office = None;
                    self.violation(e.to_string());
                    return;
                }
            };
            office.driver.take_notices();
            input = match command {
                Command::ReadOpenAttempts => Input::OpenAttempts(
                    self.pending_attempts
                        .iter()
                        .map(|&a| {
                            (
                                i64::from(self.attempts[a as usize].printer) + 1,
                                i64::from(a),
                            )
                        })
                        .collect(),
                ),
                Command::RenewLeases => Input::LeasesRenewed(vec![true; self.printers.len()]),
                Command::ReadBooks => Input::Books(self.books()),
                Command::AskStatus(p) => {
                    let prn = &self.printers[p];
                    let blocking = if prn.jammed {
                        vec!["media-jam".to_string()]
                    } else if prn.broken {
                        vec!["stopped".to_string()]
                    } else {
                        vec![]
                    };
                    Input::Status(Ok(PrinterAnswer {
                        idle: prn.job.is_none(),
                        blocking,
                    }))
                }
                Command::Claim {
                    printer,
                    load,
                    after,
                } => Input::Claimed(self.claim(printer as u32, load, after)),
                Command::Submit { printer, attempt } => {
                    self.at(
                        self.now + SEND_DELAY,
                        Ev::Deliver {
                            printer: printer as u32,
                            attempt: attempt as u32,
                            generation: self.generation,
                        },
                    );
                    return;
                }
                Command::ReadAttempt { attempt, .. } => Input::Attempt(
                    self.attempts
                        .get(attempt as usize)
                        .zip(self.attempt_states.get(attempt as usize).copied())
                        .filter(|(_, state)| state.is_pending())
                        .map(|(a, state)| PendingAttempt {
                            state,
                            job_name: a.job_name.clone(),
                            job_uuid: a.job_uuid.clone(),
                            chip_pending: state == AttemptState::Intent
                                && self.sc.encode_seconds > 0.0
                                && !a.chip_verified,
                        }),
                ),
                Command::Encode { attempt, .. } => {
                    // Written, read back and verified in `encode_seconds`; a crash meanwhile
                    // loses the answer and the next run checks the chip again.
                    self.at(
                        self.now + (self.sc.encode_seconds * 1000.0) as Ms,
                        Ev::Encoded {
                            attempt: attempt as u32,
                            generation: self.generation,
                        },
                    );
                    return;
                }
                Command::Follow { printer, pending } => {
                    Input::Followed(Ok(self.follow(printer, &pending)))
                }
                Command::Apply { attempt, event } => {
                    Input::Applied(self.attempt_event(attempt as u32, &event))
                }
                Command::Sleep(d) => {
                    let wait = (d.as_millis() as Ms).max(1);
                    let mut wake = self.now + wait;
                    // Wake-ups before the world's next event that the driver knows would be
                    // quiet are skipped: the run wakes on the same grid of instants, at the
                    // first one that may find something changed.
                    if self.skip_quiet_wakes
                        && let Some(quiet) = office.driver.quiet_until(now, mono)
                    {
                        let quiet_ms = started
                            .saturating_add(i64::try_from(quiet.as_millis()).unwrap_or(Ms::MAX));
                        let next_event = self
                            .events
                            .peek()
                            .map_or(Ms::MAX, |Reverse((at, _, _))| *at);
                        // Nothing at or after the scenario's end is simulated.
                        let end = Ms::from(self.sc.days) * DAY;
                        let bound = quiet_ms.min(next_event).min(end);
                        if bound > wake {
                            let polls = (bound - self.now + wait - 1) / wait;
                            wake = self.now + polls * wait;
                        }
                    }
                    self.at(
                        wake,
                        Ev::Office {
                            generation: self.generation,
                            run: id,
                        },
                    );
                    return;
                }
                Command::Stop(why) => {
                    self.office = None;
                    if why == StopReason::CapacityOrHours && !self.in_hours(self.now) {
                        self.kick();
                    }
                    // Otherwise the world's next change starts a run: a delivery, new
                    // records, a cleared jam, a repair, an inspection, the next day.
                    return;
                }
            };
        }
    }

    /// `Store::print_claim`: the next record in queue order and the next blank in the
    /// printer's hopper (loading it from the safe, lowest serials first, when empty); the
    /// intent, the record's `StartPrinting` and the printer's duty cycle, all at once.
    fn claim(&mut self, p: u32, load: i64, after: PrinterRun) -> Result<Claimed, ClaimRefusal> {
        let theirs = self.shadow(|s, at| s.claim(p, load, &after, at));
        let ours = self.claim_books(p, load, after);
        if let Some(theirs) = theirs {
            let ours_seen = ours
                .as_ref()
                .map(|c| {
                    let a = &self.attempts[c.attempt as usize];
                    (
                        self.records[a.record as usize].key.recording_id.clone(),
                        a.serial,
                    )
                })
                .map_err(|r| *r);
            if ours_seen != theirs {
                self.violation(format!(
                    "printer {p}: the simulator claimed {ours_seen:?}, the store {theirs:?}"
                ));
            }
        }
        ours
    }

    fn claim_books(
        &mut self,
        p: u32,
        load: i64,
        after: PrinterRun,
    ) -> Result<Claimed, ClaimRefusal> {
        if let Some(&attempt) = self.printers[p as usize].held.iter().next() {
            return Err(ClaimRefusal::AwaitingInspection {
                attempt: i64::from(attempt),
            });
        }
        let Some(&(_, record)) = self.queue.first() else {
            return Err(ClaimRefusal::QueueEmpty);
        };
        let mut loaded = None;
        if self.printers[p as usize].hopper.is_empty() {
            let take: Vec<u32> = self
                .safe
                .iter()
                .take(load.clamp(1, HOPPER_LOAD) as usize)
                .copied()
                .collect();
            let (Some(&first), Some(&last)) = (take.first(), take.last()) else {
                self.block(p, Block::NoBlanks);
                return Err(ClaimRefusal::NoBlanks);
            };
            for serial in take {
                self.safe.remove(&serial);
                self.loaded_in[serial as usize] = Some(p);
                self.printers[p as usize].hopper.insert(serial);
            }
            loaded = Some((i64::from(first), i64::from(last)));
        }
        let Some(&serial) = self.printers[p as usize].hopper.iter().next() else {
            return Err(ClaimRefusal::NoBlanks);
        };
        // The record peeked at above: the queue's first.
        self.queue.pop_first();
        if self.records[record as usize].state == RecordState::Unique {
            self.record_event(record, &Event::Enqueue);
        }
        self.record_event(record, &Event::StartPrinting);
        self.blank_event(serial, BlankEvent::Use);
        if self.records[record as usize].open_attempt {
            self.violation(format!("record {record} has two open attempts"));
        }
        self.records[record as usize].open_attempt = true;
        let attempt = self.attempts.len() as u32;
        self.pending_attempts.insert(attempt);
        self.attempt_states.push(AttemptState::Intent);
        self.attempts.push(Att {
            record,
            serial,
            printer: p,
            job_name: spool::job_name(i64::from(serial), i64::from(attempt)).into(),
            job_uuid: None,
            submissions: 0,
            truth: Truth::NotYet,
            chip_verified: false,
        });
        let prn = &mut self.printers[p as usize];
        prn.run = after;
        prn.pending = Some(attempt);
        Ok(Claimed {
            attempt: i64::from(attempt),
            loaded,
        })
    }

    /// What the printer says about a job in flight, as the office's port asks it: by uuid for
    /// a sent job, else in the job list by name.
    fn follow(&self, p: usize, pending: &PendingAttempt) -> (AttemptEvent, bool) {
        let prn = &self.printers[p];
        let by_uuid = (pending.state == AttemptState::Sent)
            .then_some(pending.job_uuid.as_deref())
            .flatten()
            .and_then(|uuid| {
                // Uuids are unique; the job followed is nearly always the latest.
                prn.jobs
                    .iter()
                    .rev()
                    .find(|j| j.job_uuid.as_deref() == Some(uuid))
            });
        let event = match by_uuid {
            Some(job) => AttemptEvent::Observed {
                phase: job.phase,
                reasons: job.reasons.clone(),
            },
            None => spool::find_in_printer(pending, &prn.jobs),
        };
        (event, prn.job.is_none())
    }

    /// The operator reports a melted card once the books say it was printed; a card the
    /// printer could not confirm is found by the inspection instead.
    fn melted_seen(&mut self, a: u32) {
        let state = self.attempt_states[a as usize];
        if state.made_a_card() {
            self.attempt_event(a, &AttemptEvent::ReportedSpoiled(SpoilCause::Melted));
        } else if state.is_pending() {
            self.at(self.now + MELT_SEEN, Ev::MeltedSeen(a));
        }
    }

    /// The printer receives the job and starts its engine.
    fn deliver(&mut self, p: u32, attempt: u32) {
        if self.printers[p as usize].broken || self.printers[p as usize].jammed {
            // Refused at the door (IPP error status): certainly not taken.
            self.attempts[attempt as usize].truth = Truth::Unused;
            self.answer_office(Input::Submitted(AttemptEvent::NotDelivered {
                why: "printer not accepting jobs".into(),
            }));
            return;
        }
        // Sent: the printer takes the job now and starts its engine.
        self.printer_receives(p, attempt);
        let heat = self.heat_now(p as usize) + self.sc.heat_per_card;
        let melt_p = (self.sc.melt_base
            + self.sc.melt_slope * (heat - self.sc.melt_threshold).max(0.0))
        .min(0.9);
        let fate = if self.rng.random_bool(self.sc.jam_probability) {
            Fate::Jam
        } else if self.rng.random_bool(melt_p) {
            Fate::Melted
        } else {
            Fate::Good
        };
        let prn = &mut self.printers[p as usize];
        prn.heat = heat;
        prn.heat_at = self.now;
        let id = prn.next_job_id;
        prn.next_job_id += 1;
        prn.jobs_made += 1;
        let uuid = job_uuid(p, prn.jobs_made);
        let uuid_answer = uuid.clone();
        prn.jobs.push(PrinterJob {
            job_id: id as i32,
            job_uuid: Some(uuid.clone()),
            job_name: Some(self.attempts[attempt as usize].job_name.to_string()),
            phase: JobPhase::Underway,
            reasons: vec![],
        });
        prn.job = Some(PhysJob {
            id: prn.jobs_made,
            attempt,
            uuid,
            started: self.now,
            fate,
        });
        let done = self.now
            + if fate == Fate::Jam {
                (self.sc.card_seconds * 500.0) as Ms
            } else {
                (self.sc.card_seconds * 1000.0) as Ms
            };
        let job_id = prn.jobs_made;
        // The printer's answer reaches the office a moment later (a crash in between loses it).
        self.answer_office(Input::Submitted(AttemptEvent::Accepted {
            job_id: id as i32,
            job_uuid: uuid_answer,
        }));
        self.at(
            done,
            Ev::JobDone {
                printer: p,
                job: job_id,
            },
        );
    }

    /// The world's answer to the command the print run waits on, delivered after
    /// `ACCEPT_DELAY`.
    /// The encoder's answer: the chip is good, or it failed (the blank is spoiled).
    fn encoded(&mut self, attempt: u32) {
        let failed = self.sc.chip_failure_rate > 0.0
            && self.rng.random_bool(self.sc.chip_failure_rate.min(1.0));
        let att = &mut self.attempts[attempt as usize];
        let answer = if failed {
            att.truth = Truth::Spoiled(SpoilCause::ChipFailure);
            Err(EncodeFault::Chip("simulated chip failure".into()))
        } else {
            att.chip_verified = true;
            Ok(())
        };
        self.answer_office(Input::Encoded(answer));
    }

    fn answer_office(&mut self, answer: Input) {
        let Some(office) = self.office.as_mut() else {
            return;
        };
        office.answer = Some(answer);
        let run = office.id;
        self.at(
            self.now + ACCEPT_DELAY,
            Ev::Office {
                generation: self.generation,
                run,
            },
        );
    }

    /// The physical ledger at the printer's door: every job a printer takes, whoever sent it.
    /// One attempt's job taken twice is a card that may exist twice.
    fn printer_receives(&mut self, p: u32, attempt: u32) {
        self.attempts[attempt as usize].submissions += 1;
        let n = self.attempts[attempt as usize].submissions;
        if n > 1 {
            self.violation(format!(
                "physical ledger: printer {p} took the job of attempt {attempt} {n} times"
            ));
        }
    }

    /// Send an attempt's job again (only `resend_after_crash` does this; the checks catch it).
    fn resend(&mut self, attempt: u32) {
        let p = self.attempts[attempt as usize].printer;
        // The fault says nothing about itself: the printer's own intake (the physical ledger)
        // and the books' checks must find what it did.
        self.printer_receives(p, attempt);
        let prn = &mut self.printers[p as usize];
        prn.jobs_made += 1;
        let uuid = job_uuid(p, prn.jobs_made);
        prn.jobs.push(PrinterJob {
            job_id: prn.next_job_id as i32,
            job_uuid: Some(uuid.clone()),
            job_name: Some(self.attempts[attempt as usize].job_name.to_string()),
            phase: JobPhase::Underway,
            reasons: vec![],
        });
        prn.next_job_id += 1;
        if prn.job.is_none() {
            prn.job = Some(PhysJob {
                id: prn.jobs_made,
                attempt,
                uuid,
                started: self.now,
                fate: Fate::Good,
            });
            let id = prn.jobs_made;
            let done = self.now + (self.sc.card_seconds * 1000.0) as Ms;
            self.at(
                done,
                Ev::JobDone {
                    printer: p,
                    job: id,
                },
            );
        }
    }

    fn job_done(&mut self, p: u32, job: u32) {
        let Some(phys) = self.printers[p as usize].job.take_if(|j| j.id == job) else {
            return; // lost to a power cut or a breakdown
        };
        let (phase, reasons, truth) = match phys.fate {
            Fate::Good => (JobPhase::Completed, vec![], Truth::Good),
            // The printer says completed: it does not know the card melted.
            Fate::Melted => (
                JobPhase::Completed,
                vec![],
                Truth::Spoiled(SpoilCause::Melted),
            ),
            Fate::Jam => (
                JobPhase::Aborted,
                vec!["media-jam".to_string()],
                Truth::Spoiled(SpoilCause::Jam),
            ),
        };
        self.attempts[phys.attempt as usize].truth = truth;
        if phys.fate == Fate::Good {
            // Checked against the physical world, not against what the books decided: a second
            // good card for one record is a broken promise whatever the spool believes.
            let record = self.attempts[phys.attempt as usize].record;
            let r = &mut self.records[record as usize];
            r.cards_out += 1;
            let (out, person) = (r.cards_out, r.person);
            if out > 1 {
                self.violation(format!(
                    "physical ledger: record {record} (person {person}) came out of a printer as a good card {out} times"
                ));
            }
        }
        if let Some(j) = self.printers[p as usize]
            .jobs
            .iter_mut()
            .rev()
            .find(|j| j.job_uuid.as_deref() == Some(phys.uuid.as_str()))
        {
            j.phase = phase;
            j.reasons = reasons;
        }
        if phys.fate == Fate::Jam {
            self.printers[p as usize].jammed = true;
            self.block(p, Block::Jam);
            self.staff.push_back(Task::ClearJam(p));
        }
        // The print run finds the job's end at its next look; the operator sees a melted card
        // come out and reports it.
        if phys.fate == Fate::Melted {
            self.at(self.now + MELT_SEEN, Ev::MeltedSeen(phys.attempt));
        }
        self.staff_next();
    }

    /// Apply a spool decision with everything it implies (as `Store::attempt_apply` does).
    fn attempt_event(
        &mut self,
        a: u32,
        event: &AttemptEvent,
    ) -> Option<(AttemptState, Cow<'static, str>)> {
        let from = self.attempt_states[a as usize];
        let theirs = self.shadow(|s, at| s.apply(a, event, at));
        let decided = spool::decide(from, event);
        if let Some(theirs) = theirs {
            let ours = decided.as_ref().ok().and_then(|d| d.as_ref()).map(|d| d.to);
            if theirs != ours {
                self.violation(format!(
                    "attempt {a} ({from:?}, {event:?}): the simulator decided {ours:?}, the store {theirs:?}"
                ));
            }
        }
        let decision = match decided {
            Ok(Some(d)) => d,
            Ok(None) => return None,
            Err(e) => {
                self.violation(format!("attempt {a}: {e}"));
                return None;
            }
        };
        let (record, serial, printer) = {
            self.attempt_states[a as usize] = decision.to;
            if decision.to.is_pending() {
                self.pending_attempts.insert(a);
            } else {
                self.pending_attempts.remove(&a);
            }
            let att = &mut self.attempts[a as usize];
            if let Some((_, uuid)) = &decision.job {
                att.job_uuid = Some(uuid.as_str().into());
            }
            (att.record, att.serial, att.printer)
        };
        if let Some(b) = decision.blank {
            self.blank_event(serial, b);
            if let BlankEvent::Spoil(cause) = b {
                self.out.cards_spoiled += 1;
                self.day_spoiled += 1;
                *self
                    .out
                    .spoiled_by_cause
                    .entry(cause.as_str().to_string())
                    .or_insert(0) += 1;
            }
        }
        match decision.card {
            Some(CardChange::Printed) => self.card_made(record),
            Some(CardChange::Spoiled) => self.card_lost(record),
            None => {}
        }
        if let Some(ev) = &decision.record {
            self.record_event(record, ev);
            if self.records[record as usize].state == RecordState::Queued {
                let key = self.records[record as usize].key.clone();
                self.queue.insert((key, record));
            }
        }
        if decision.to == AttemptState::Inspect {
            self.out.inspections += 1;
            self.staff.push_back(Task::Inspect(a));
            self.printers[printer as usize].held.insert(a);
        }
        if from == AttemptState::Inspect {
            self.printers[printer as usize].held.remove(&a);
        }
        if !decision.to.is_pending() && decision.to != AttemptState::Inspect {
            self.records[record as usize].open_attempt = false;
        }
        if !decision.to.is_pending() && self.printers[printer as usize].pending == Some(a) {
            self.printers[printer as usize].pending = None;
        }
        // The same duty-cycle effect as the store's (`Decision::printer_run_after`).
        let now = self.instant(self.now);
        let prn = &mut self.printers[printer as usize];
        if let Some((run, _)) = decision.printer_run_after(&self.profile, &prn.run, now) {
            prn.run = run;
        }
        self.staff_next();
        Some((decision.to, decision.note))
    }

    fn card_made(&mut self, record: u32) {
        let cards = &mut self.record_cards[record as usize];
        *cards += 1;
        let cards = *cards;
        let r = &self.records[record as usize];
        let (person, duplicate, backlog) = (r.person, r.duplicate, r.backlog);
        if cards > 1 {
            self.violation(format!("record {record} has {cards} good cards"));
        }
        if duplicate && self.sc.dedup {
            self.violation(format!("a card was printed for duplicate record {record}"));
        }
        if duplicate {
            self.out.duplicate_cards += 1;
        }
        if let Some(n) = self.persons.get_mut(person as usize) {
            *n += 1;
            if *n == 2 {
                self.out.persons_with_two_cards += 1;
                if self.sc.dedup {
                    self.violation(format!("person {person} holds two valid cards"));
                }
            }
        }
        self.out.cards_printed += 1;
        self.day_printed += 1;
        if backlog {
            self.backlog_left -= 1;
        }
    }

    fn card_lost(&mut self, record: u32) {
        let cards = &mut self.record_cards[record as usize];
        *cards = cards.saturating_sub(1);
        let r = &self.records[record as usize];
        let (person, backlog) = (r.person, r.backlog);
        if let Some(n) = self.persons.get_mut(person as usize) {
            *n = n.saturating_sub(1);
        }
        self.out.cards_printed -= 1;
        self.day_printed = self.day_printed.saturating_sub(1);
        if backlog {
            self.backlog_left += 1;
        }
    }

    /// One member of staff works through jams and inspections during working hours.
    fn staff_next(&mut self) {
        if self.staff_busy || !self.power {
            return;
        }
        if !self.in_hours(self.now) {
            if !self.staff.is_empty() {
                let at = self.next_open(self.now);
                self.at(at, Ev::StaffFree);
                self.staff_busy = true;
            }
            return;
        }
        let Some(task) = self.staff.pop_front() else {
            return;
        };
        let minutes = match task {
            Task::ClearJam(p) => {
                // The printer stays jammed (and its downtime counts) until the clearing is done.
                let done = self.now + (self.sc.jam_clear_min * MINUTE as f64) as Ms;
                self.at(done, Ev::JamCleared(p));
                self.sc.jam_clear_min
            }
            Task::Inspect(a) => {
                let verdict = match self.attempts[a as usize].truth {
                    Truth::Good => Some(AttemptEvent::InspectedGood),
                    Truth::Spoiled(c) => Some(AttemptEvent::InspectedSpoiled(c)),
                    Truth::Unused => Some(AttemptEvent::InspectedUnused),
                    // Never fed: the card is still the top blank in the hopper.
                    Truth::NotYet => Some(AttemptEvent::InspectedUnused),
                };
                if self.attempt_states[a as usize] == AttemptState::Inspect
                    && let Some(v) = verdict
                {
                    self.attempt_event(a, &v);
                }
                self.sc.inspect_min
            }
        };
        self.staff_busy = true;
        self.at(
            self.now + (minutes * MINUTE as f64) as Ms + 1,
            Ev::StaffFree,
        );
        self.kick();
    }

    fn finish(mut self) -> Outcome {
        self.close_day(self.today);
        for p in 0..self.printers.len() as u32 {
            for b in [Block::Jam, Block::Breakdown, Block::NoBlanks] {
                self.unblock(p, b);
            }
        }
        let printed = self.out.cards_printed;
        let capacity: u64 = self.out.daily.iter().map(|d| u64::from(d.capacity)).sum();
        self.out.days_simulated = self.out.daily.len() as u32;
        self.out.backlog_cleared_on = self.cleared_on.clone();
        self.out.blanks_used = self.blank_counts[2] + self.blank_counts[3];
        self.out.utilisation = if capacity > 0 {
            printed as f64 / capacity as f64
        } else {
            0.0
        };
        self.out.cards_per_day = if self.working_days > 0 {
            printed as f64 / f64::from(self.working_days)
        } else {
            0.0
        };
        let round = |x: f64| (x * 10.0).round() / 10.0;
        let d = &mut self.out.downtime;
        d.power_h = round(d.power_h);
        d.breakdown_h = round(d.breakdown_h);
        d.jam_h = round(d.jam_h);
        d.no_blanks_h = round(d.no_blanks_h);
        self.out.utilisation = (self.out.utilisation * 1000.0).round() / 1000.0;
        self.out.cards_per_day = round(self.out.cards_per_day);
        self.out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn job_uuids_are_what_format_writes() {
        for (p, n) in [(0, 0), (2, 31), (9, u32::MAX)] {
            assert_eq!(super::job_uuid(p, n), format!("urn:uuid:sim-{p}-{n}"));
        }
    }

    #[test]
    fn zero_padded_writes_what_format_writes() {
        for n in [
            0u64,
            7,
            10,
            12_345_678,
            123_456_789,
            99_999_999_999,
            u64::MAX,
        ] {
            assert_eq!(super::zero_padded("SIM", n, 8), format!("SIM{n:08}"));
            assert_eq!(super::zero_padded("", n, 20), format!("{n:020}"));
            assert_eq!(super::zero_padded("person ", n, 0), format!("person {n}"));
        }
    }
}
