//! The print driver's commands, answered by a small scripted world: which command comes when,
//! and what the run does with each answer.

use std::time::Duration;

use cetak_print::driver::{
    Block, CHIP_FAILURES_IN_A_ROW, COOLING_NAP, ClaimRefusal, Claimed, Command, Driver,
    DriverConfig, EncodeFault, Input, Notice, PrinterAnswer, PrinterBook, StopReason,
};
use cetak_print::schedule::{PrinterProfile, PrinterRun};
use cetak_print::spool::{AttemptEvent, AttemptState, JobPhase, PendingAttempt};
use time::OffsetDateTime;
use time::macros::datetime;

/// 10:00 WIB on a working day.
const T0: OffsetDateTime = datetime!(2026-11-30 03:00 UTC);

fn config() -> DriverConfig {
    DriverConfig {
        max_cards: None,
        poll: Duration::from_millis(200),
        job_timeout: Duration::from_secs(300),
        gone_confirm: Duration::from_secs(10),
        no_wait: false,
    }
}

fn profile() -> PrinterProfile {
    PrinterProfile {
        cards_per_day: 100,
        burst: None,
        cooldown_min: 0.0,
        hours: None,
    }
}

fn book(id: i64) -> PrinterBook {
    PrinterBook {
        id,
        profile: profile(),
        run: PrinterRun::default(),
        encoder: false,
    }
}

/// A world that answers every command the way a healthy office does, with knobs for faults.
struct World {
    books: Vec<PrinterBook>,
    queue: u32,
    /// Records at the head of the queue without a valid face photo: printers with an encoder
    /// skip them (as `Store::print_claim` does), the others take them first.
    photo_less: u32,
    next_attempt: i64,
    /// Polls a job needs before the printer says it completed.
    polls_to_complete: u32,
    polls: u32,
    /// The printer forgets every job (a restarted printer): lookups answer NotFound.
    forgetful: bool,
    idle: bool,
    open: Vec<(i64, i64)>,
    pending: Option<(i64, AttemptState)>,
    log: Vec<Command>,
    notices: Vec<Notice>,
    now: Duration,
    /// Answers to Encode commands, in order (then `Ok`).
    chips: Vec<Result<(), EncodeFault>>,
    /// Whether the open intent's chip is unverified (recovery).
    chip_pending: bool,
}

impl World {
    fn new(printers: usize, queue: u32) -> World {
        World {
            books: (1..=printers as i64).map(book).collect(),
            queue,
            photo_less: 0,
            next_attempt: 1,
            polls_to_complete: 2,
            polls: 0,
            forgetful: false,
            idle: true,
            open: vec![],
            pending: None,
            log: vec![],
            notices: vec![],
            now: Duration::ZERO,
            chips: vec![],
            chip_pending: false,
        }
    }

    /// Run the driver until it stops (or `limit` commands), answering each command.
    fn run(&mut self, config: DriverConfig, limit: usize) -> Option<StopReason> {
        let mut driver = Driver::new(config, self.books.clone());
        let mut input = Input::Done;
        for _ in 0..limit {
            let at = T0 + self.now;
            let command = driver.step(input, at, self.now).expect("answers fit");
            self.notices.extend(driver.take_notices());
            self.log.push(command.clone());
            input = match command {
                Command::ReadOpenAttempts => Input::OpenAttempts(self.open.clone()),
                Command::RenewLeases => Input::LeasesRenewed(vec![true; self.books.len()]),
                Command::ReadBooks => Input::Books(self.books.clone()),
                Command::AskStatus(_) => Input::Status(Ok(PrinterAnswer {
                    idle: self.idle,
                    blocking: vec![],
                })),
                Command::Claim { printer, after, .. } => {
                    let encoder = self.books[printer].encoder;
                    if !encoder && self.photo_less > 0 {
                        self.photo_less -= 1;
                        Input::Claimed(Ok(self.claim(printer, after)))
                    } else if self.queue == 0 && encoder && self.photo_less > 0 {
                        Input::Claimed(Err(ClaimRefusal::NoPhotoForChip {
                            waiting: u64::from(self.photo_less),
                        }))
                    } else if self.queue == 0 {
                        Input::Claimed(Err(ClaimRefusal::QueueEmpty))
                    } else {
                        self.queue -= 1;
                        Input::Claimed(Ok(self.claim(printer, after)))
                    }
                }
                Command::Submit { attempt, .. } => {
                    self.polls = 0;
                    Input::Submitted(AttemptEvent::Accepted {
                        job_id: attempt as i32,
                        job_uuid: format!("urn:uuid:{attempt}"),
                    })
                }
                Command::ReadAttempt { attempt, .. } => Input::Attempt(
                    self.pending
                        .filter(|(a, s)| *a == attempt && s.is_pending())
                        .map(|(a, state)| PendingAttempt {
                            state,
                            job_name: format!("job-{a}").into(),
                            job_uuid: Some(format!("urn:uuid:{a}").into()),
                            chip_pending: self.chip_pending,
                        }),
                ),
                Command::Encode { .. } => {
                    let answer = if self.chips.is_empty() {
                        Ok(())
                    } else {
                        self.chips.remove(0)
                    };
                    if answer.is_ok() {
                        self.chip_pending = false;
                    }
                    Input::Encoded(answer)
                }
                Command::Follow { .. } => {
                    self.polls += 1;
                    let event = if self.forgetful {
                        AttemptEvent::NotFound {
                            why: "not in the printer's list".into(),
                        }
                    } else if self.polls >= self.polls_to_complete {
                        AttemptEvent::Observed {
                            phase: JobPhase::Completed,
                            reasons: vec![],
                        }
                    } else {
                        AttemptEvent::Observed {
                            phase: JobPhase::Underway,
                            reasons: vec![],
                        }
                    };
                    Input::Followed(Ok((event, self.idle)))
                }
                Command::Apply { attempt, event } => {
                    let from = self.pending.map(|(_, s)| s).unwrap_or(AttemptState::Intent);
                    let d = cetak_print::spool::decide(from, &event).expect("legal");
                    Input::Applied(d.map(|d| {
                        if d.record == Some(cetak_domain::lifecycle::Event::PrintSpoiled) {
                            // A spoiled blank sends its record back to the queue.
                            self.queue += 1;
                        }
                        self.pending = Some((attempt, d.to));
                        (d.to, d.note)
                    }))
                }
                Command::Sleep(d) => {
                    self.now += d;
                    Input::Done
                }
                Command::Stop(why) => return Some(why),
            };
        }
        None
    }

    /// The next attempt on `printer`, its duty cycle saved with the intent.
    fn claim(&mut self, printer: usize, after: PrinterRun) -> Claimed {
        self.books[printer].run = after;
        let attempt = self.next_attempt;
        self.next_attempt += 1;
        self.pending = Some((attempt, AttemptState::Intent));
        Claimed {
            attempt,
            loaded: None,
        }
    }

    fn count(&self, f: impl Fn(&Command) -> bool) -> usize {
        self.log.iter().filter(|c| f(c)).count()
    }
}

#[test]
fn a_run_prints_the_queue_one_card_per_printer_at_a_time_and_stops_when_it_is_empty() {
    let mut w = World::new(2, 5);
    let stop = w.run(config(), 10_000);
    assert_eq!(stop, Some(StopReason::QueueEmpty));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 5);
    // The first command of every run looks for what a crash left open.
    assert_eq!(w.log.first(), Some(&Command::ReadOpenAttempts));
    // Every submission comes straight after its claim (the intent is written first).
    for pair in w.log.windows(2) {
        if let Command::Submit { .. } = pair[1] {
            assert!(matches!(pair[0], Command::Claim { .. }), "{pair:?}");
        }
    }
    // The submission's answer is applied before the next command that touches a printer.
    for pair in w.log.windows(2) {
        if let Command::Submit { attempt, .. } = pair[0] {
            assert!(
                matches!(&pair[1], Command::Apply { attempt: a, .. } if *a == attempt),
                "{pair:?}"
            );
        }
    }
}

#[test]
fn attempts_left_open_by_a_crash_are_followed_before_their_printer_gets_a_card() {
    let mut w = World::new(1, 1);
    w.open = vec![(1, 41)];
    w.pending = Some((41, AttemptState::Sent));
    let stop = w.run(config(), 10_000);
    assert_eq!(stop, Some(StopReason::QueueEmpty));
    let first_follow = w
        .log
        .iter()
        .position(|c| matches!(c, Command::ReadAttempt { attempt: 41, .. }))
        .expect("the open attempt is followed");
    let first_claim = w
        .log
        .iter()
        .position(|c| matches!(c, Command::Claim { .. }))
        .expect("then a card is claimed");
    assert!(first_follow < first_claim, "{:?}", w.log);
}

#[test]
fn not_in_the_printer_is_believed_only_after_a_second_idle_miss_a_while_later() {
    let mut w = World::new(1, 1);
    w.forgetful = true;
    let stop = w.run(config(), 10_000);
    // The attempt went to inspection, the printer is held, and no second card went out.
    assert_eq!(stop, Some(StopReason::AwaitingInspection));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 1);
    let applied_not_found = w
        .log
        .iter()
        .position(|c| {
            matches!(
                c,
                Command::Apply {
                    event: AttemptEvent::NotFound { .. },
                    ..
                }
            )
        })
        .expect("believed in the end");
    // It took several lookups, spread over at least the confirmation gap.
    let follows_before = w.log[..applied_not_found]
        .iter()
        .filter(|c| matches!(c, Command::Follow { .. }))
        .count();
    let slept: Duration = w.log[..applied_not_found]
        .iter()
        .filter_map(|c| match c {
            Command::Sleep(d) => Some(*d),
            _ => None,
        })
        .sum();
    assert!(follows_before >= 2, "{follows_before}");
    assert!(slept >= Duration::from_secs(10), "{slept:?}");
    assert!(
        w.notices
            .iter()
            .any(|n| matches!(n, Notice::InspectionHold { printer: 0, .. }))
    );
}

#[test]
fn a_busy_printer_that_forgot_the_job_is_never_believed() {
    let mut w = World::new(1, 1);
    w.forgetful = true;
    w.idle = false;
    let mut cfg = config();
    cfg.job_timeout = Duration::from_secs(60);
    let stop = w.run(cfg, 100_000);
    assert!(
        w.count(|c| matches!(
            c,
            Command::Apply {
                event: AttemptEvent::NotFound { .. },
                ..
            }
        )) == 0,
        "believed a busy printer"
    );
    // The job timed out instead: left open, printer set aside, the operator told.
    assert!(
        w.notices
            .iter()
            .any(|n| matches!(n, Notice::JobTimedOut { printer: 0, .. }))
    );
    assert_eq!(stop, Some(StopReason::PrintersBlocked));
}

#[test]
fn max_cards_stops_the_run_after_that_many_cards() {
    let mut w = World::new(2, 50);
    let mut cfg = config();
    cfg.max_cards = Some(3);
    assert_eq!(w.run(cfg, 10_000), Some(StopReason::MaxCards));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 3);
}

#[test]
fn cooling_printers_are_waited_for_in_short_naps_or_the_run_stops_when_told_not_to_wait() {
    let burst = |w: &mut World| {
        for b in &mut w.books {
            b.profile.burst = Some(2);
            b.profile.cooldown_min = 1.0;
        }
    };
    let mut w = World::new(1, 4);
    burst(&mut w);
    assert_eq!(w.run(config(), 100_000), Some(StopReason::QueueEmpty));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 4);
    assert!(
        w.log
            .iter()
            .all(|c| !matches!(c, Command::Sleep(d) if *d > COOLING_NAP))
    );
    // A one-minute cool-down is slept through in several naps, not one long sleep.
    assert!(w.count(|c| matches!(c, Command::Sleep(d) if *d == COOLING_NAP)) >= 3);
    let told: Vec<_> = w
        .notices
        .iter()
        .filter_map(|n| match n {
            Notice::Cooling { until } => Some(*until),
            _ => None,
        })
        .collect();
    // Two bursts of two: two cool-downs, each told once however many naps it takes.
    let mut distinct = told.clone();
    distinct.dedup();
    assert_eq!(told, distinct, "told once per cool-down");
    assert_eq!(told.len(), 2, "{told:?}");

    let mut w = World::new(1, 4);
    burst(&mut w);
    let mut cfg = config();
    cfg.no_wait = true;
    assert_eq!(w.run(cfg, 100_000), Some(StopReason::Cooling));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 2);
}

#[test]
fn a_job_still_underway_writes_nothing_and_a_poll_with_every_printer_busy_reads_no_books() {
    // The books are one SQLite file the pages write too: a run that polls every 200 ms must
    // not take a write transaction (or read the printers' books) on every poll.
    let mut w = World::new(1, 1);
    w.polls_to_complete = 6;
    assert_eq!(w.run(config(), 10_000), Some(StopReason::QueueEmpty));
    assert_eq!(w.count(|c| matches!(c, Command::Follow { .. })), 6);
    // The submission's answer and the completion: nothing for the five polls in between.
    let applied: Vec<&AttemptEvent> = w
        .log
        .iter()
        .filter_map(|c| match c {
            Command::Apply { event, .. } => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(applied.len(), 2, "{applied:?}");
    assert!(matches!(applied[0], AttemptEvent::Accepted { .. }));
    assert!(matches!(
        applied[1],
        AttemptEvent::Observed {
            phase: JobPhase::Completed,
            ..
        }
    ));
    // While the only printer has the job, the polls only read the attempt and ask the printer.
    let submit = w
        .log
        .iter()
        .position(|c| matches!(c, Command::Submit { .. }))
        .expect("submitted");
    let completed = w
        .log
        .iter()
        .rposition(|c| matches!(c, Command::Apply { .. }))
        .expect("completed");
    let reads = w.log[submit..completed]
        .iter()
        .filter(|c| matches!(c, Command::ReadBooks))
        .count();
    assert_eq!(reads, 0, "{:?}", &w.log[submit..completed]);
}

#[test]
fn a_cooling_nap_reads_the_books_once() {
    let mut w = World::new(2, 3);
    for b in &mut w.books {
        b.profile.burst = Some(1);
        b.profile.cooldown_min = 1.0;
    }
    assert_eq!(w.run(config(), 100_000), Some(StopReason::QueueEmpty));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 3);
    let naps: Vec<usize> = w
        .log
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Command::Sleep(d) if *d == COOLING_NAP))
        .map(|(i, _)| i)
        .collect();
    assert!(naps.len() >= 3, "{naps:?}");
    for pair in naps.windows(2) {
        let reads = w.log[pair[0]..pair[1]]
            .iter()
            .filter(|c| matches!(c, Command::ReadBooks))
            .count();
        assert_eq!(reads, 1, "{:?}", &w.log[pair[0]..pair[1]]);
    }
}

#[test]
fn refusals_set_a_printer_aside_for_the_run_and_the_others_go_on() {
    // Printer 0 is out of blanks; printer 1 prints everything.
    let mut driver = Driver::new(config(), vec![book(1), book(2)]);
    let mut input = Input::Done;
    let mut submits = Vec::new();
    let mut queue = 3;
    let mut pending: Option<(i64, AttemptState)> = None;
    let mut now = Duration::ZERO;
    let stop = loop {
        let command = driver.step(input, T0 + now, now).expect("fits");
        input = match command {
            Command::ReadOpenAttempts => Input::OpenAttempts(vec![]),
            Command::RenewLeases => Input::LeasesRenewed(vec![true, true]),
            Command::ReadBooks => Input::Books(vec![book(1), book(2)]),
            Command::AskStatus(_) => Input::Status(Ok(PrinterAnswer {
                idle: true,
                blocking: vec![],
            })),
            Command::Claim { printer: 0, .. } => Input::Claimed(Err(ClaimRefusal::NoBlanks)),
            Command::Claim { .. } if queue == 0 => Input::Claimed(Err(ClaimRefusal::QueueEmpty)),
            Command::Claim { .. } => {
                queue -= 1;
                pending = Some((10 - queue, AttemptState::Intent));
                Input::Claimed(Ok(Claimed {
                    attempt: 10 - queue,
                    loaded: None,
                }))
            }
            Command::Submit { printer, attempt } => {
                submits.push(printer);
                Input::Submitted(AttemptEvent::Accepted {
                    job_id: attempt as i32,
                    job_uuid: format!("u{attempt}"),
                })
            }
            Command::ReadAttempt { .. } => {
                Input::Attempt(pending.map(|(a, state)| PendingAttempt {
                    state,
                    job_name: format!("j{a}").into(),
                    job_uuid: Some(format!("u{a}").into()),
                    chip_pending: false,
                }))
            }
            Command::Follow { .. } => Input::Followed(Ok((
                AttemptEvent::Observed {
                    phase: JobPhase::Completed,
                    reasons: vec![],
                },
                true,
            ))),
            Command::Encode { .. } => unreachable!("no printer here has an encoder"),
            Command::Apply { attempt, event } => {
                let from = pending.map(|(_, s)| s).unwrap_or(AttemptState::Intent);
                let d = cetak_print::spool::decide(from, &event).expect("legal");
                Input::Applied(d.map(|d| {
                    pending = Some((attempt, d.to)).filter(|(_, s)| s.is_pending());
                    (d.to, d.note)
                }))
            }
            Command::Sleep(d) => {
                now += d;
                Input::Done
            }
            Command::Stop(why) => break why,
        };
    };
    assert_eq!(stop, StopReason::QueueEmpty);
    assert_eq!(submits, vec![1, 1, 1]);
    assert_eq!(driver.blocked(0), Some(&Block::NoBlanks));
    let notices = driver.take_notices();
    assert_eq!(
        notices
            .iter()
            .filter(|n| matches!(n, Notice::OutOfBlanks { printer: 0 }))
            .count(),
        1,
        "told once: {notices:?}"
    );
}

#[test]
fn an_answer_that_does_not_fit_the_command_is_an_error_not_a_guess() {
    let mut driver = Driver::new(config(), vec![book(1)]);
    let first = driver.step(Input::Done, T0, Duration::ZERO).expect("start");
    assert_eq!(first, Command::ReadOpenAttempts);
    assert!(
        driver
            .step(Input::Books(vec![book(1)]), T0, Duration::ZERO)
            .is_err()
    );
    // The run can still go on with the right answer.
    assert!(
        driver
            .step(Input::OpenAttempts(vec![]), T0, Duration::ZERO)
            .is_ok()
    );
}

#[test]
fn leases_are_renewed_while_a_long_run_goes_on_and_a_lost_lease_sets_the_printer_aside() {
    let mut driver = Driver::new(config(), vec![book(1)]);
    let mut now = Duration::ZERO;
    let mut input = Input::Done;
    let mut renewals = 0;
    let mut stop = None;
    for _ in 0..10_000 {
        let command = driver.step(input, T0 + now, now).expect("fits");
        input = match command {
            Command::ReadOpenAttempts => Input::OpenAttempts(vec![(1, 7)]),
            Command::RenewLeases => {
                renewals += 1;
                Input::LeasesRenewed(vec![false])
            }
            Command::ReadBooks => Input::Books(vec![book(1)]),
            Command::ReadAttempt { .. } => Input::Attempt(Some(PendingAttempt {
                state: AttemptState::Sent,
                job_name: "j7".into(),
                job_uuid: Some("u7".into()),
                chip_pending: false,
            })),
            // A slow job: underway for a minute.
            Command::Follow { .. } if now < Duration::from_secs(60) => Input::Followed(Ok((
                AttemptEvent::Observed {
                    phase: JobPhase::Underway,
                    reasons: vec![],
                },
                false,
            ))),
            Command::Follow { .. } => Input::Followed(Ok((
                AttemptEvent::Observed {
                    phase: JobPhase::Completed,
                    reasons: vec![],
                },
                true,
            ))),
            Command::Apply { event, .. } => {
                let d = cetak_print::spool::decide(AttemptState::Sent, &event).expect("legal");
                Input::Applied(d.map(|d| (d.to, d.note)))
            }
            Command::Sleep(d) => {
                now += d;
                Input::Done
            }
            Command::Stop(why) => {
                stop = Some(why);
                break;
            }
            other => panic!("no card may be claimed on a lost lease: {other:?}"),
        };
    }
    assert!(renewals >= 1, "renewed {renewals} times");
    assert_eq!(stop, Some(StopReason::PrintersBlocked));
    assert_eq!(driver.blocked(0), Some(&Block::LeaseLost));
    assert_eq!(driver.counts().completed, 1);
    assert_eq!(driver.counts().recovered, 1);
}

fn encoder_world(queue: u32) -> World {
    let mut w = World::new(1, queue);
    w.books[0].encoder = true;
    w
}

#[test]
fn an_encoder_printer_with_only_photo_less_records_left_says_so_once_and_stops() {
    // One encoder printer; two photo-less records wait behind three it can put on a chip.
    let mut w = encoder_world(3);
    w.photo_less = 2;
    assert_eq!(w.run(config(), 10_000), Some(StopReason::NoPhotoForChip));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 3);
    assert_eq!(w.count(|c| matches!(c, Command::Encode { .. })), 3);
    // Asked once: the refusal sets the printer aside for the run.
    let refused_claims = w.count(|c| matches!(c, Command::Claim { .. })) - 3;
    assert_eq!(refused_claims, 1);
    let told: Vec<&Notice> = w
        .notices
        .iter()
        .filter(|n| matches!(n, Notice::NoPhotoForChip { .. }))
        .collect();
    assert_eq!(told, [&Notice::NoPhotoForChip { waiting: 2 }]);
    assert_eq!(w.photo_less, 2, "the photo-less records keep their place");

    // Two encoder printers: each finds nothing, the operator hears it once.
    let mut w = World::new(2, 0);
    w.books[0].encoder = true;
    w.books[1].encoder = true;
    w.photo_less = 4;
    assert_eq!(w.run(config(), 10_000), Some(StopReason::NoPhotoForChip));
    assert_eq!(w.count(|c| matches!(c, Command::Claim { .. })), 2);
    assert_eq!(
        w.notices,
        [Notice::NoPhotoForChip { waiting: 4 }],
        "once per run"
    );
}

#[test]
fn a_printer_without_an_encoder_prints_what_the_encoder_printer_skips() {
    // Printer 0 writes chips, printer 1 does not: printer 0 takes the one record it can put
    // on a chip, then is refused and sits out the run; printer 1 prints the photo-less ones;
    // the run ends only when the queue is empty.
    let mut w = World::new(2, 1);
    w.books[0].encoder = true;
    w.photo_less = 3;
    assert_eq!(w.run(config(), 10_000), Some(StopReason::QueueEmpty));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 4);
    assert_eq!((w.queue, w.photo_less), (0, 0));
    assert_eq!(w.count(|c| matches!(c, Command::Encode { .. })), 1);
    assert_eq!(
        w.count(|c| matches!(c, Command::Submit { printer: 1, .. })),
        3
    );
    assert_eq!(
        w.count(|c| matches!(c, Command::Claim { printer: 0, .. })),
        2,
        "one card, one refusal, then set aside"
    );
    let told = w
        .notices
        .iter()
        .filter(|n| matches!(n, Notice::NoPhotoForChip { .. }))
        .count();
    assert_eq!(told, 1, "{:?}", w.notices);
}

#[test]
fn an_encoder_printer_writes_and_verifies_the_chip_between_the_claim_and_the_submission() {
    let mut w = encoder_world(3);
    assert_eq!(w.run(config(), 10_000), Some(StopReason::QueueEmpty));
    assert_eq!(w.count(|c| matches!(c, Command::Encode { .. })), 3);
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 3);
    for triple in w.log.windows(3) {
        if let Command::Submit { attempt, .. } = triple[2] {
            assert!(
                matches!(triple[1], Command::Encode { attempt: a, check: false, .. } if a == attempt),
                "{triple:?}"
            );
            assert!(matches!(triple[0], Command::Claim { .. }), "{triple:?}");
        }
    }
    // A printer without an encoder never hears of chips.
    let mut plain = World::new(1, 2);
    plain.run(config(), 10_000);
    assert_eq!(plain.count(|c| matches!(c, Command::Encode { .. })), 0);
}

#[test]
fn a_failed_chip_spoils_its_blank_and_the_record_gets_the_next_one() {
    let mut w = encoder_world(2);
    w.chips = vec![Err(EncodeFault::Chip("card_removed".into()))];
    assert_eq!(w.run(config(), 10_000), Some(StopReason::QueueEmpty));
    // The failed attempt is applied as a chip failure and never submitted.
    assert!(w.log.iter().any(|c| matches!(
        c,
        Command::Apply { attempt: 1, event: AttemptEvent::ChipFailed { why } } if why == "card_removed"
    )));
    assert!(
        !w.log
            .iter()
            .any(|c| matches!(c, Command::Submit { attempt: 1, .. }))
    );
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 2);
    assert!(w.notices.iter().any(|n| matches!(
        n,
        Notice::ChipFailed {
            printer: 0,
            attempt: 1,
            ..
        }
    )));
}

#[test]
fn chips_that_keep_failing_set_the_printer_aside() {
    let mut w = encoder_world(10);
    w.chips = (0..10)
        .map(|_| Err(EncodeFault::Chip("card_write_refused".into())))
        .collect();
    let stop = w.run(config(), 10_000);
    assert_eq!(stop, Some(StopReason::PrintersBlocked));
    assert_eq!(
        w.count(|c| matches!(c, Command::Encode { .. })),
        CHIP_FAILURES_IN_A_ROW as usize
    );
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 0);
    assert!(
        w.notices
            .iter()
            .any(|n| matches!(n, Notice::ChipsKeepFailing { printer: 0 }))
    );
}

#[test]
fn an_unusable_encoder_returns_the_blank_and_sets_the_printer_aside() {
    let mut w = encoder_world(3);
    w.chips = vec![Err(EncodeFault::NotStarted("pcsc_no_reader".into()))];
    w.run(config(), 10_000);
    assert!(w.log.iter().any(|c| matches!(
        c,
        Command::Apply {
            event: AttemptEvent::NotDelivered { .. },
            ..
        }
    )));
    assert_eq!(w.count(|c| matches!(c, Command::Claim { .. })), 1);
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 0);
}

#[test]
fn an_intent_whose_chip_is_not_known_verified_is_checked_by_reading_the_chip_then_printed() {
    let mut w = encoder_world(0);
    w.open = vec![(1, 41)];
    w.pending = Some((41, AttemptState::Intent));
    w.chip_pending = true;
    w.run(config(), 10_000);
    let first = w
        .log
        .iter()
        .position(|c| matches!(c, Command::Encode { .. }))
        .expect("an encode");
    assert_eq!(
        w.log[first],
        Command::Encode {
            printer: 0,
            attempt: 41,
            check: true
        }
    );
    // Checked before anything asks the printer's job list about it; then sent, once.
    assert!(
        !w.log[..first]
            .iter()
            .any(|c| matches!(c, Command::Follow { .. }))
    );
    assert_eq!(
        w.log[first + 1],
        Command::Submit {
            printer: 0,
            attempt: 41
        }
    );
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 1);
    assert_eq!(w.next_attempt, 1, "no new attempt for the record");

    // A verified chip may have been printed already: such an intent is looked up in the
    // printer's list as any other, never encoded or sent again.
    let mut w = encoder_world(0);
    w.open = vec![(1, 41)];
    w.pending = Some((41, AttemptState::Intent));
    w.chip_pending = false;
    w.forgetful = true;
    w.run(config(), 10_000);
    assert_eq!(w.count(|c| matches!(c, Command::Encode { .. })), 0);
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 0);
}

#[test]
fn a_check_that_cannot_read_the_chip_goes_to_a_person_or_waits_for_the_encoder() {
    let mut w = encoder_world(1);
    w.open = vec![(1, 41)];
    w.pending = Some((41, AttemptState::Intent));
    w.chip_pending = true;
    w.chips = vec![Err(EncodeFault::Unknown("card_absent".into()))];
    let stop = w.run(config(), 10_000);
    assert_eq!(w.pending, Some((41, AttemptState::Inspect)));
    assert_eq!(stop, Some(StopReason::AwaitingInspection));
    assert_eq!(w.count(|c| matches!(c, Command::Submit { .. })), 0);

    // No reader at all: nothing is decided, the attempt stays open for the next run.
    let mut w = encoder_world(1);
    w.open = vec![(1, 41)];
    w.pending = Some((41, AttemptState::Intent));
    w.chip_pending = true;
    w.chips = vec![Err(EncodeFault::NotStarted("pcsc_no_service".into()))];
    w.run(config(), 10_000);
    assert_eq!(w.pending, Some((41, AttemptState::Intent)));
    assert_eq!(w.count(|c| matches!(c, Command::Apply { .. })), 0);
    assert_eq!(w.count(|c| matches!(c, Command::Claim { .. })), 0);
    assert!(
        w.notices
            .iter()
            .any(|n| matches!(n, Notice::EncoderUnavailable { printer: 0, .. }))
    );
}

#[test]
fn only_a_wake_up_that_read_and_changed_nothing_is_quiet_and_it_names_its_deadline() {
    // One printer, one card: claim, submit, then polls. `quiet_until` is what lets a
    // simulator skip wake-ups; it must say nothing after a pass that acted.
    let mut driver = Driver::new(config(), vec![book(1)]);
    let at = |mono: Duration| T0 + mono;
    let underway = |state| {
        Input::Attempt(Some(PendingAttempt {
            state,
            job_name: "job-1".into(),
            job_uuid: (state == AttemptState::Sent).then(|| "urn:uuid:1".into()),
            chip_pending: false,
        }))
    };
    let mut mono = Duration::ZERO;
    let step = |driver: &mut Driver, input: Input, mono: Duration| {
        driver.step(input, at(mono), mono).expect("answers fit")
    };
    assert_eq!(
        step(&mut driver, Input::Done, mono),
        Command::ReadOpenAttempts
    );
    assert_eq!(
        step(&mut driver, Input::OpenAttempts(vec![]), mono),
        Command::ReadBooks
    );
    assert_eq!(
        step(&mut driver, Input::Books(vec![book(1)]), mono),
        Command::AskStatus(0)
    );
    let ready = Input::Status(Ok(PrinterAnswer {
        idle: true,
        blocking: vec![],
    }));
    assert!(matches!(
        step(&mut driver, ready, mono),
        Command::Claim { .. }
    ));
    let claimed = Input::Claimed(Ok(Claimed {
        attempt: 1,
        loaded: None,
    }));
    assert!(matches!(
        step(&mut driver, claimed, mono),
        Command::Submit { .. }
    ));
    let accepted = Input::Submitted(AttemptEvent::Accepted {
        job_id: 1,
        job_uuid: "urn:uuid:1".into(),
    });
    assert!(matches!(
        step(&mut driver, accepted, mono),
        Command::Apply { .. }
    ));
    let sent = Input::Applied(Some((AttemptState::Sent, "sent".into())));
    assert!(matches!(
        step(&mut driver, sent, mono),
        Command::ReadAttempt { .. }
    ));
    let observed = |phase| {
        Input::Followed(Ok((
            AttemptEvent::Observed {
                phase,
                reasons: vec![],
            },
            false,
        )))
    };
    assert!(matches!(
        step(&mut driver, underway(AttemptState::Sent), mono),
        Command::Follow { .. }
    ));
    assert_eq!(
        step(&mut driver, observed(JobPhase::Underway), mono),
        Command::Sleep(config().poll)
    );
    // The pass that claimed and submitted is not quiet.
    assert_eq!(driver.quiet_until(at(mono), mono), None);

    // A poll that reads the attempt and finds the job underway is quiet, until the job's
    // timeout (measured from its submission).
    mono += config().poll;
    assert!(matches!(
        step(&mut driver, Input::Done, mono),
        Command::ReadAttempt { .. }
    ));
    assert!(matches!(
        step(&mut driver, underway(AttemptState::Sent), mono),
        Command::Follow { .. }
    ));
    assert_eq!(
        step(&mut driver, observed(JobPhase::Underway), mono),
        Command::Sleep(config().poll)
    );
    assert_eq!(
        driver.quiet_until(at(mono), mono),
        Some(config().job_timeout)
    );

    // A poll that writes the books is not quiet, though the run itself is unchanged: the books
    // now say the job was found at the printer, and the next poll reads that.
    mono += config().poll;
    assert!(matches!(
        step(&mut driver, Input::Done, mono),
        Command::ReadAttempt { .. }
    ));
    assert!(matches!(
        step(&mut driver, underway(AttemptState::Intent), mono),
        Command::Follow { .. }
    ));
    let found = Input::Followed(Ok((
        AttemptEvent::Found {
            job_id: 1,
            job_uuid: "urn:uuid:1".into(),
            phase: JobPhase::Underway,
            reasons: vec![],
        },
        false,
    )));
    assert!(matches!(
        step(&mut driver, found, mono),
        Command::Apply { .. }
    ));
    let still_sent = Input::Applied(Some((AttemptState::Sent, "found".into())));
    assert_eq!(
        step(&mut driver, still_sent, mono),
        Command::Sleep(config().poll)
    );
    assert_eq!(driver.quiet_until(at(mono), mono), None);
}
