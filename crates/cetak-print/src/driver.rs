//! One print run as a state machine: it takes what happened and returns the next command.
//!
//! The office (`cetak-office`) executes the commands against the store and the printers' IPP;
//! the simulator (`cetak-sim`) executes the same commands against its simulated world. So the
//! loop that decides which printer gets the next card, when an attempt is followed, when "the
//! printer does not know this job" is believed, when a run waits and why it stops exists once.
//!
//! The protocol is one command at a time: [`Driver::step`] returns a [`Command`]; the caller
//! does it and answers with the matching [`Input`] on the next call (a command that needs no
//! answer is answered with [`Input::Done`]). Every call carries the office time (`at`, already
//! guarded against a clock that runs backwards) and the time since the run started (`mono`,
//! for timeouts that must not depend on the wall clock).

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::schedule::{self, PrinterProfile, PrinterRun, Readiness};
use crate::spool::{self, AttemptEvent, AttemptState, NotFoundVerdict, PendingAttempt};
use crate::stock::Serial;

/// How often a running print run renews its printers' leases.
pub const LEASE_RENEW_EVERY: Duration = Duration::from_secs(20);

/// The longest single wait while printers cool down: the run wakes to re-read the books (an
/// operator may pause, resume or re-profile a printer meanwhile) and renews its leases well
/// within their staleness (`cetak_store::LEASE_STALE`, 2 minutes).
pub const COOLING_NAP: Duration = Duration::from_secs(15);

/// A printer whose chips fail this many times in a row gets no more cards in the run: the
/// encoder, not the blanks, is likely at fault, and every further try would spoil a blank.
pub const CHIP_FAILURES_IN_A_ROW: u32 = 3;

/// A printer, by its position in the list the run was started with.
pub type PrinterIx = usize;

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct DriverConfig {
    /// Stop after this many cards were started.
    pub max_cards: Option<u32>,
    /// How often jobs in flight are asked about.
    pub poll: Duration,
    /// An attempt the printer has not finished after this long is left open and its printer
    /// gets no more cards in this run.
    pub job_timeout: Duration,
    /// "Not in the printer" is believed only after a second idle miss this much later.
    pub gone_confirm: Duration,
    /// Stop instead of waiting for a printer to cool down.
    pub no_wait: bool,
}

/// Why nothing was claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimRefusal {
    /// No record waits for a card.
    QueueEmpty,
    /// No blank is left in the printer or the safe.
    NoBlanks,
    /// An attempt of this printer waits for inspection: its blank may still be on top of the
    /// hopper, so no new card goes to this printer until the attempt is resolved (or the
    /// operator re-seats the hopper: `cetak printer reseat`).
    AwaitingInspection {
        /// The attempt to resolve first.
        attempt: i64,
    },
    /// This run no longer holds the printer's lease (another run took it over).
    LeaseLost,
    /// The printer writes chips, and every record still waiting lacks a valid face photo for
    /// the chip's DG2 (a recording imported by contract v1 has no media): it claims none of
    /// them; they keep their place for a printer without an encoder.
    NoPhotoForChip {
        /// Records in the queue that wait for a printer without an encoder (or a photo).
        waiting: u64,
    },
}

/// A record and blank claimed for one card, as the driver needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The attempt written (state intent).
    pub attempt: i64,
    /// Blanks moved from the safe into the printer's hopper (load these, in order).
    pub loaded: Option<(Serial, Serial)>,
}

/// A printer as the books see it today.
#[derive(Debug, Clone, PartialEq)]
pub struct PrinterBook {
    /// Its id in the books.
    pub id: i64,
    /// How it may be driven.
    pub profile: PrinterProfile,
    /// Its running state today.
    pub run: PrinterRun,
    /// It writes each card's chip before printing it (an encoder is set): the run sends
    /// [`Command::Encode`] between the claim and the submission.
    pub encoder: bool,
}

/// What a printer says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterAnswer {
    /// Nothing in its engine.
    pub idle: bool,
    /// Reasons that stop it printing (empty: it can print).
    pub blocking: Vec<String>,
}

/// Why the driver gives a printer no card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Neither its hopper nor the safe has a blank.
    NoBlanks,
    /// Another run took its lease.
    LeaseLost,
    /// One of its attempts waits for a person's inspection.
    AwaitingInspection,
    /// It reports reasons that stop it (jam, cover open, …).
    Printer(String),
    /// It could not be reached.
    Unreachable(String),
    /// It did not answer about a job in flight.
    NoAnswer(String),
    /// It refused a job.
    RefusedJob,
    /// It did not finish a job in time.
    JobTimedOut,
    /// Its chip encoder cannot be used (no reader, no PC/SC service, no card fed, the key not
    /// ready).
    EncoderUnavailable(String),
    /// Its chips failed [`CHIP_FAILURES_IN_A_ROW`] times in a row.
    ChipFailures,
    /// It writes chips, and only records without a valid face photo wait.
    NoPhotoForChip,
}

impl Block {
    /// Blocks that last for the whole run: the printer is not even asked again.
    fn lasts_the_run(&self) -> bool {
        matches!(
            self,
            Block::NoBlanks
                | Block::LeaseLost
                | Block::AwaitingInspection
                | Block::EncoderUnavailable(_)
                | Block::ChipFailures
                | Block::NoPhotoForChip
        )
    }
}

/// Something the operator should hear, in data: the caller puts it into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Load these blanks into the printer, lowest serial on top.
    Load {
        /// The printer.
        printer: PrinterIx,
        /// First serial.
        first: Serial,
        /// Last serial.
        last: Serial,
    },
    /// The printer reports reasons that stop it.
    PrinterBlocked {
        /// The printer.
        printer: PrinterIx,
        /// Its reasons, joined.
        why: String,
    },
    /// The printer could not be reached.
    Unreachable {
        /// The printer.
        printer: PrinterIx,
        /// What went wrong.
        error: String,
    },
    /// Neither the hopper nor the safe has a blank.
    OutOfBlanks {
        /// The printer.
        printer: PrinterIx,
    },
    /// The printer gets no card until an attempt is inspected.
    InspectionHold {
        /// The printer.
        printer: PrinterIx,
        /// The attempt to inspect.
        attempt: i64,
    },
    /// Another run took the printer over.
    LeaseLost {
        /// The printer.
        printer: PrinterIx,
    },
    /// The printer cannot confirm a card: a person must look.
    ToInspect {
        /// The printer.
        printer: PrinterIx,
        /// The attempt.
        attempt: i64,
        /// What the books noted.
        note: String,
    },
    /// The printer did not finish a job in time; the attempt stays open.
    JobTimedOut {
        /// The printer.
        printer: PrinterIx,
        /// The attempt.
        attempt: i64,
    },
    /// A chip failed: its blank is spoiled (`chip_failure`), the record is back in the queue.
    ChipFailed {
        /// The printer.
        printer: PrinterIx,
        /// The attempt.
        attempt: i64,
        /// The card fault.
        why: String,
    },
    /// The printer's chip encoder cannot be used: it gets no more cards in this run.
    EncoderUnavailable {
        /// The printer.
        printer: PrinterIx,
        /// Why.
        error: String,
    },
    /// The printer's chips failed [`CHIP_FAILURES_IN_A_ROW`] times in a row: it gets no more
    /// cards in this run.
    ChipsKeepFailing {
        /// The printer.
        printer: PrinterIx,
    },
    /// Every printer cools down; printing resumes at this time.
    Cooling {
        /// When.
        until: OffsetDateTime,
    },
    /// A printer with a chip encoder found nothing it can put on a chip: these records lack a
    /// valid face photo and wait for a printer without an encoder (or for a photo). Said once
    /// per run, whichever encoder printer finds it first; such printers get no more cards in
    /// the run.
    NoPhotoForChip {
        /// Records waiting that cannot go on a chip.
        waiting: u64,
    },
}

/// Why a run ended (the `stopped_because` of `cetak print run --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// `max_cards` were started.
    MaxCards,
    /// No record waits for a card.
    QueueEmpty,
    /// No printer has a blank.
    NoBlanks,
    /// Today's capacity is spent or the office is closed.
    CapacityOrHours,
    /// Printers cool down and the run was told not to wait.
    Cooling,
    /// Printers report problems.
    PrintersBlocked,
    /// Every printer waits for an inspection.
    AwaitingInspection,
    /// Every printer writes chips, and the records still waiting have no valid face photo:
    /// they wait for a printer without an encoder.
    NoPhotoForChip,
}

impl StopReason {
    /// Every reason, for catalogues that must word each one.
    pub const ALL: [StopReason; 8] = [
        StopReason::MaxCards,
        StopReason::QueueEmpty,
        StopReason::NoBlanks,
        StopReason::CapacityOrHours,
        StopReason::Cooling,
        StopReason::PrintersBlocked,
        StopReason::AwaitingInspection,
        StopReason::NoPhotoForChip,
    ];

    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::MaxCards => "max_cards",
            StopReason::QueueEmpty => "queue_empty",
            StopReason::NoBlanks => "no_blanks",
            StopReason::CapacityOrHours => "capacity_or_hours",
            StopReason::Cooling => "cooling",
            StopReason::PrintersBlocked => "printers_blocked",
            StopReason::AwaitingInspection => "awaiting_inspection",
            StopReason::NoPhotoForChip => "no_photo_for_chip",
        }
    }
}

/// What the driver asks its caller to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// List the attempts still open (intent or sent) with their printer ids.
    /// Answer: [`Input::OpenAttempts`].
    ReadOpenAttempts,
    /// Renew the run's lease on every printer. Answer: [`Input::LeasesRenewed`].
    RenewLeases,
    /// Read the printers from the books for today. Answer: [`Input::Books`].
    ReadBooks,
    /// Ask a printer how it stands. Answer: [`Input::Status`].
    AskStatus(PrinterIx),
    /// Claim the next record and blank for a printer, writing the intent and the printer's
    /// duty cycle `after` it has taken the card. Answer: [`Input::Claimed`].
    Claim {
        /// The printer.
        printer: PrinterIx,
        /// Blanks to load at most if its hopper is empty.
        load: i64,
        /// Its duty cycle once it has taken this card.
        after: PrinterRun,
    },
    /// Write the attempt's chip (build and sign its content, write it, read it back, passive
    /// authentication) and keep what was written in the books, before the card is printed.
    /// With `check` (an intent left by an interruption, its chip not known to be verified):
    /// read the chip first; only a chip that does not hold the attempt's verified content is
    /// written again — on the same blank, still in the encoder. Answer: [`Input::Encoded`].
    Encode {
        /// The printer.
        printer: PrinterIx,
        /// The attempt.
        attempt: i64,
        /// Read before writing (recovery).
        check: bool,
    },
    /// Render the attempt's card and send it. Answer: [`Input::Submitted`].
    Submit {
        /// The printer.
        printer: PrinterIx,
        /// The attempt.
        attempt: i64,
    },
    /// Read an attempt from the books. Answer: [`Input::Attempt`].
    ReadAttempt {
        /// The printer.
        printer: PrinterIx,
        /// The attempt.
        attempt: i64,
    },
    /// Ask the printer about an attempt in flight (by uuid, else in its job list; a failed job
    /// with the printer's own reasons added). Answer: [`Input::Followed`].
    Follow {
        /// The printer.
        printer: PrinterIx,
        /// The attempt as the books have it.
        pending: PendingAttempt,
    },
    /// Apply what happened to an attempt in the books. Answer: [`Input::Applied`].
    Apply {
        /// The attempt.
        attempt: i64,
        /// What happened.
        event: AttemptEvent,
    },
    /// Wait. Answer: [`Input::Done`].
    Sleep(Duration),
    /// The run is over.
    Stop(StopReason),
}

/// The answer to the last command.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The first call, or the answer to a command that needs none.
    Done,
    /// Open attempts: (printer id, attempt id).
    OpenAttempts(Vec<(i64, i64)>),
    /// For each printer, in order: whether this run still holds its lease.
    LeasesRenewed(Vec<bool>),
    /// The printers in the books today (any order; unknown ids are ignored).
    Books(Vec<PrinterBook>),
    /// The printer's status, or why it could not be asked.
    Status(Result<PrinterAnswer, String>),
    /// The claim, or why there was none.
    Claimed(Result<Claimed, ClaimRefusal>),
    /// The chip is written and verified (and so recorded in the books), or why not.
    Encoded(Result<(), EncodeFault>),
    /// What the printer said to the submission.
    Submitted(AttemptEvent),
    /// The attempt, if still pending.
    Attempt(Option<PendingAttempt>),
    /// What the printer said about the job, and whether it is idle; or why it did not answer.
    Followed(Result<(AttemptEvent, bool), String>),
    /// The attempt's new state and the books' note (`None`: nothing changed).
    Applied(Option<(AttemptState, Cow<'static, str>)>),
}

/// Why a chip was not written and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeFault {
    /// The chip was written, in whole or in part, and is not good (card removed, write
    /// refused, not an E-KTP card, read-back differs, passive authentication fails): the
    /// blank is spoiled with `chip_failure`.
    Chip(String),
    /// Nothing was written: the encoder cannot be used (no reader, no PC/SC service, no card
    /// fed, the key not ready). In a normal encode the blank is unused and goes back on hand;
    /// in a check the attempt stays open for the next run.
    NotStarted(String),
    /// A check could not read the chip (no card in the encoder after an interruption): a
    /// person must look.
    Unknown(String),
}

/// Counts of what the run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Cards sent (attempts started).
    pub started: u32,
    /// Attempts the printer completed.
    pub completed: u32,
    /// Attempts the printer certainly never got.
    pub not_sent: u32,
    /// Attempts sent to the inspection queue by this run.
    pub to_inspect: u32,
    /// Attempts left open by an earlier run, followed first.
    pub recovered: u32,
    /// Chips that failed (blank spoiled with `chip_failure`).
    pub chip_failures: u32,
}

/// A printer as the run drives it.
#[derive(Debug, Clone, PartialEq)]
struct Driven {
    id: i64,
    profile: PrinterProfile,
    run: PrinterRun,
    /// The attempt in flight, with when the run started waiting on it.
    in_flight: Option<(i64, Duration)>,
    /// When the printer, idle, first said it does not know the job in flight.
    missing_since: Option<Duration>,
    blocked: Option<Block>,
    encoder: bool,
    chip_failures_in_a_row: u32,
}

impl Driven {
    /// Whether the printer may be offered a card in this run at all: nothing in flight, and
    /// no block that lasts the run.
    fn may_take(&self) -> bool {
        self.in_flight.is_none() && !self.blocked.as_ref().is_some_and(Block::lasts_the_run)
    }

    /// The printer answered: a block of the moment (no answer, unreachable) is over; one that
    /// lasts the run (a lost lease) is not.
    fn clear_passing_block(&mut self) {
        if !self.blocked.as_ref().is_some_and(Block::lasts_the_run) {
            self.blocked = None;
        }
    }
}

/// Where the run is: the command it waits on, and what to do with the answer.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Start,
    Recovering,
    Top,
    Renewing,
    DispatchBooks,
    Status(PrinterIx),
    Claiming(PrinterIx, PrinterRun),
    /// `None`: a check of a recovered intent (its duty cycle was saved with the claim).
    Encoding(PrinterIx, i64, Option<PrinterRun>),
    ApplyingEncode(PrinterIx, i64, Option<PrinterRun>),
    Submitting(PrinterIx, i64, PrinterRun),
    ApplyingSubmit(PrinterIx, PrinterRun),
    Reading(PrinterIx, i64, Duration),
    /// With the attempt's state as read just before.
    Following(PrinterIx, i64, Duration, AttemptState),
    ApplyingFollow(PrinterIx, i64, Duration),
    SettleBooks,
    Sleeping,
    Stopped(StopReason),
}

/// One print run.
#[derive(Debug)]
pub struct Driver {
    config: DriverConfig,
    printers: Vec<Driven>,
    phase: Phase,
    queue_empty: bool,
    last_renew: Duration,
    told_cooling: Option<OffsetDateTime>,
    /// The operator heard that records wait which no encoder printer can take.
    told_no_photo: bool,
    /// Set while the books just read are being dispatched on: if no card goes out and nothing
    /// is in flight, the run settles on these books instead of reading them again.
    fresh_books: Option<(OffsetDateTime, Duration)>,
    counts: RunCounts,
    notices: Vec<Notice>,
    /// The run as a wake-up from a sleep found it, while that pass is under way.
    pass_start: PassStart,
    /// The last pass woke from a sleep, only read (and renewed leases), left the run as it
    /// found it and went back to sleep for this long: see [`Driver::quiet_until`].
    quiet_sleep: Option<Duration>,
}

/// What a pass must leave unchanged to be quiet (kept from run to run: the printers' buffer
/// is reused, not allocated at every wake-up).
#[derive(Debug, Default)]
struct PassStart {
    /// A pass that woke from a sleep is under way.
    active: bool,
    printers: Vec<Driven>,
    queue_empty: bool,
    told_cooling: Option<OffsetDateTime>,
    told_no_photo: bool,
    counts: RunCounts,
    /// A command that changes the books or the world was given in the pass.
    acted: bool,
}

/// Something the caller answered that does not fit the command (a bug in the caller).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("print driver: answer {input} does not fit the command it waits on ({phase})")]
pub struct WrongAnswer {
    input: String,
    phase: String,
}

impl Driver {
    /// A run over these printers (as the books list them; the run holds their leases).
    pub fn new(config: DriverConfig, printers: Vec<PrinterBook>) -> Driver {
        Driver {
            config,
            printers: printers
                .into_iter()
                .map(|b| Driven {
                    id: b.id,
                    profile: b.profile,
                    run: b.run,
                    in_flight: None,
                    missing_since: None,
                    blocked: None,
                    encoder: b.encoder,
                    chip_failures_in_a_row: 0,
                })
                .collect(),
            phase: Phase::Start,
            queue_empty: false,
            last_renew: Duration::ZERO,
            told_cooling: None,
            told_no_photo: false,
            fresh_books: None,
            counts: RunCounts::default(),
            notices: Vec::new(),
            pass_start: PassStart::default(),
            quiet_sleep: None,
        }
    }

    /// What the run did so far.
    pub fn counts(&self) -> &RunCounts {
        &self.counts
    }

    /// Notices since the last call, oldest first.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    /// Whether a printer has an attempt in flight.
    pub fn in_flight(&self, printer: PrinterIx) -> Option<i64> {
        self.printers
            .get(printer)
            .and_then(|p| p.in_flight.map(|(a, _)| a))
    }

    /// Why a printer gets no card now.
    pub fn blocked(&self, printer: PrinterIx) -> Option<&Block> {
        self.printers.get(printer).and_then(|p| p.blocked.as_ref())
    }

    /// Take the answer to the last command and return the next one.
    pub fn step(
        &mut self,
        input: Input,
        at: OffsetDateTime,
        mono: Duration,
    ) -> Result<Command, WrongAnswer> {
        if self.phase == Phase::Sleeping && matches!(input, Input::Done) {
            self.quiet_sleep = None;
            let s = &mut self.pass_start;
            s.active = true;
            s.printers.clone_from(&self.printers);
            s.queue_empty = self.queue_empty;
            s.told_cooling = self.told_cooling;
            s.told_no_photo = self.told_no_photo;
            s.counts.clone_from(&self.counts);
            s.acted = false;
        }
        let command = self.step_within_pass(input, at, mono)?;
        match &command {
            Command::ReadOpenAttempts
            | Command::RenewLeases
            | Command::ReadBooks
            | Command::AskStatus(_)
            | Command::ReadAttempt { .. }
            | Command::Follow { .. } => {}
            Command::Sleep(d) => {
                let s = &self.pass_start;
                let quiet = s.active
                    && !s.acted
                    && s.printers == self.printers
                    && s.queue_empty == self.queue_empty
                    && s.told_cooling == self.told_cooling
                    && s.told_no_photo == self.told_no_photo
                    && s.counts == self.counts;
                self.quiet_sleep = quiet.then_some(*d);
                self.pass_start.active = false;
            }
            Command::Claim { .. }
            | Command::Encode { .. }
            | Command::Submit { .. }
            | Command::Apply { .. }
            | Command::Stop(_) => self.pass_start.acted = true,
        }
        Ok(command)
    }

    /// After a quiet pass (one that woke from a sleep, only read the books and asked the
    /// printers, changed nothing in the run and went back to sleep), the mono time before
    /// which every further wake-up is quiet too and sleeps as long, provided the answers do not
    /// change meanwhile: no timeout, no second "not found" lookup, no cool-down end and no
    /// turn of working hours falls before it. Lease renewals are not counted: a simulated
    /// world, which grants them always, may skip such wake-ups (`cetak-sim` does, between its
    /// events); a real office cannot know its answers did not change and polls.
    pub fn quiet_until(&self, at: OffsetDateTime, mono: Duration) -> Option<Duration> {
        let sleep = self.quiet_sleep.filter(|_| self.phase == Phase::Sleeping)?;
        let mut until = Duration::MAX;
        for p in &self.printers {
            if let Some((_, since)) = p.in_flight {
                until = until.min(since.saturating_add(self.config.job_timeout));
            }
            if let Some(first) = p.missing_since {
                until = until.min(first.saturating_add(self.config.gone_confirm));
            }
            // Only a printer that may be offered a card reads its schedule: in a quiet pass a job
            // in flight stays in flight and a block for the run stays.
            if p.may_take()
                && let Some(turn) = schedule::readiness_holds_until(&p.profile, &p.run, at)
            {
                // A nap is as long as the time left to the turn: the last one is shorter.
                let ahead = Duration::try_from(turn - at).unwrap_or(Duration::ZERO);
                until = until.min(mono.saturating_add(ahead.saturating_sub(sleep)));
            }
        }
        Some(until)
    }

    fn step_within_pass(
        &mut self,
        input: Input,
        at: OffsetDateTime,
        mono: Duration,
    ) -> Result<Command, WrongAnswer> {
        let phase = std::mem::replace(&mut self.phase, Phase::Top);
        let wrong = |input: &Input, phase: &Phase| WrongAnswer {
            input: format!("{input:?}"),
            phase: format!("{phase:?}"),
        };
        match (phase, input) {
            (Phase::Start, Input::Done) => {
                self.last_renew = mono;
                self.phase = Phase::Recovering;
                Ok(Command::ReadOpenAttempts)
            }
            (Phase::Recovering, Input::OpenAttempts(open)) => {
                // Attempts a crash (or an earlier run) left open on our printers: followed
                // first, from the printer's own job list.
                for (printer_id, attempt) in open {
                    if let Some(p) = self.printers.iter_mut().find(|p| p.id == printer_id) {
                        self.counts.recovered += 1;
                        p.in_flight = Some((attempt, mono));
                    }
                }
                Ok(self.top(mono))
            }
            (Phase::Top | Phase::Sleeping, Input::Done) => Ok(self.top(mono)),
            (Phase::Renewing, Input::LeasesRenewed(held)) => {
                for (i, held) in held.into_iter().enumerate() {
                    let Some(p) = self.printers.get_mut(i) else {
                        continue;
                    };
                    if !held && p.blocked != Some(Block::LeaseLost) {
                        p.blocked = Some(Block::LeaseLost);
                        self.notices.push(Notice::LeaseLost { printer: i });
                    }
                }
                Ok(self.dispatch_start())
            }
            (Phase::DispatchBooks, Input::Books(books)) => {
                self.refresh(books);
                self.fresh_books = Some((at, mono));
                let next = self.dispatch(0, at);
                self.fresh_books = None;
                Ok(next)
            }
            (Phase::Status(i), Input::Status(answer)) => {
                let p = &mut self.printers[i];
                match answer {
                    Ok(s) if s.blocking.is_empty() => {
                        p.blocked = None;
                        let load =
                            i64::from(p.profile.cards_per_day.saturating_sub(p.run.printed_today));
                        // The duty cycle once it has taken this card, saved with the intent.
                        let after = schedule::after_card(&p.profile, &p.run, at);
                        self.phase = Phase::Claiming(i, after.clone());
                        return Ok(Command::Claim {
                            printer: i,
                            load,
                            after,
                        });
                    }
                    Ok(s) => {
                        let why = s.blocking.join(", ");
                        if p.blocked != Some(Block::Printer(why.clone())) {
                            self.notices.push(Notice::PrinterBlocked {
                                printer: i,
                                why: why.clone(),
                            });
                        }
                        p.blocked = Some(Block::Printer(why));
                    }
                    Err(error) => {
                        if p.blocked != Some(Block::Unreachable(error.clone())) {
                            self.notices.push(Notice::Unreachable {
                                printer: i,
                                error: error.clone(),
                            });
                        }
                        p.blocked = Some(Block::Unreachable(error));
                    }
                }
                Ok(self.dispatch(i + 1, at))
            }
            (Phase::Claiming(i, after), Input::Claimed(claim)) => match claim {
                Ok(c) => {
                    if let Some((first, last)) = c.loaded {
                        self.notices.push(Notice::Load {
                            printer: i,
                            first,
                            last,
                        });
                    }
                    self.counts.started += 1;
                    if self.printers[i].encoder {
                        // The chip first: a card is printed only on a verified chip.
                        self.phase = Phase::Encoding(i, c.attempt, Some(after));
                        return Ok(Command::Encode {
                            printer: i,
                            attempt: c.attempt,
                            check: false,
                        });
                    }
                    self.phase = Phase::Submitting(i, c.attempt, after);
                    Ok(Command::Submit {
                        printer: i,
                        attempt: c.attempt,
                    })
                }
                Err(ClaimRefusal::QueueEmpty) => {
                    self.queue_empty = true;
                    Ok(self.follow(0))
                }
                Err(ClaimRefusal::NoBlanks) => {
                    self.printers[i].blocked = Some(Block::NoBlanks);
                    self.notices.push(Notice::OutOfBlanks { printer: i });
                    Ok(self.dispatch(i + 1, at))
                }
                Err(ClaimRefusal::AwaitingInspection { attempt }) => {
                    self.printers[i].blocked = Some(Block::AwaitingInspection);
                    self.notices.push(Notice::InspectionHold {
                        printer: i,
                        attempt,
                    });
                    Ok(self.dispatch(i + 1, at))
                }
                Err(ClaimRefusal::LeaseLost) => {
                    self.printers[i].blocked = Some(Block::LeaseLost);
                    self.notices.push(Notice::LeaseLost { printer: i });
                    Ok(self.dispatch(i + 1, at))
                }
                Err(ClaimRefusal::NoPhotoForChip { waiting }) => {
                    // The queue is not empty: printers without an encoder still take these
                    // records. This one sits out the rest of the run.
                    self.printers[i].blocked = Some(Block::NoPhotoForChip);
                    if !self.told_no_photo {
                        self.told_no_photo = true;
                        self.notices.push(Notice::NoPhotoForChip { waiting });
                    }
                    Ok(self.dispatch(i + 1, at))
                }
            },
            (Phase::Encoding(i, attempt, after), Input::Encoded(answer)) => {
                let check = after.is_none();
                let event = match answer {
                    Ok(()) => {
                        self.printers[i].chip_failures_in_a_row = 0;
                        let after = after.unwrap_or_else(|| self.printers[i].run.clone());
                        self.phase = Phase::Submitting(i, attempt, after);
                        return Ok(Command::Submit {
                            printer: i,
                            attempt,
                        });
                    }
                    Err(EncodeFault::Chip(why)) => AttemptEvent::ChipFailed { why },
                    Err(EncodeFault::Unknown(why)) => AttemptEvent::ChipUnknown { why },
                    Err(EncodeFault::NotStarted(why)) if !check => AttemptEvent::NotDelivered {
                        why: format!("the chip encoder cannot be used: {why}"),
                    },
                    Err(EncodeFault::NotStarted(why)) => {
                        // Nothing was read, so nothing is decided: the attempt stays open for
                        // the next run, and this printer gets no card before it is checked.
                        let p = &mut self.printers[i];
                        p.in_flight = None;
                        p.blocked = Some(Block::EncoderUnavailable(why.clone()));
                        self.notices.push(Notice::EncoderUnavailable {
                            printer: i,
                            error: why,
                        });
                        return Ok(self.follow(i + 1));
                    }
                };
                self.phase = Phase::ApplyingEncode(i, attempt, after);
                Ok(Command::Apply { attempt, event })
            }
            (Phase::ApplyingEncode(i, attempt, after), Input::Applied(applied)) => {
                let check = after.is_none();
                let p = &mut self.printers[i];
                if let Some(after) = after {
                    p.run = after;
                }
                p.in_flight = None;
                p.missing_since = None;
                match applied {
                    Some((AttemptState::Spoiled, note)) => {
                        self.counts.chip_failures += 1;
                        p.chip_failures_in_a_row += 1;
                        self.notices.push(Notice::ChipFailed {
                            printer: i,
                            attempt,
                            why: note.into_owned(),
                        });
                        if p.chip_failures_in_a_row >= CHIP_FAILURES_IN_A_ROW {
                            p.blocked = Some(Block::ChipFailures);
                            self.notices.push(Notice::ChipsKeepFailing { printer: i });
                        }
                    }
                    Some((AttemptState::NotSent, note)) => {
                        self.counts.not_sent += 1;
                        let note = note.into_owned();
                        p.blocked = Some(Block::EncoderUnavailable(note.clone()));
                        self.notices.push(Notice::EncoderUnavailable {
                            printer: i,
                            error: note,
                        });
                    }
                    Some((AttemptState::Inspect, note)) => {
                        self.send_to_inspection(i, attempt, note)
                    }
                    _ => {}
                }
                if check {
                    Ok(self.follow(i + 1))
                } else {
                    Ok(self.dispatch(i + 1, at))
                }
            }
            (Phase::Submitting(i, attempt, after), Input::Submitted(event)) => {
                self.phase = Phase::ApplyingSubmit(i, after);
                // The printer's answer is durable before the next card.
                self.printers[i].in_flight = Some((attempt, mono));
                Ok(Command::Apply { attempt, event })
            }
            (Phase::ApplyingSubmit(i, after), Input::Applied(applied)) => {
                let p = &mut self.printers[i];
                p.run = after;
                if matches!(applied, Some((AttemptState::NotSent, _))) {
                    // The printer refused or never got it: no more cards to it in this run.
                    self.counts.not_sent += 1;
                    p.in_flight = None;
                    p.blocked = Some(Block::RefusedJob);
                } else {
                    // As the books now say: a printer with an open attempt is busy.
                    p.run.busy = true;
                }
                Ok(self.dispatch(i + 1, at))
            }
            (Phase::Reading(i, attempt, since), Input::Attempt(pending)) => {
                let Some(pending) = pending else {
                    self.printers[i].in_flight = None;
                    return Ok(self.follow(i + 1));
                };
                if pending.state == AttemptState::Intent
                    && pending.chip_pending
                    && self.printers[i].encoder
                {
                    // Never sent (the job follows a verified chip): read the chip, never
                    // decide blind, never move the record to a new blank without it.
                    self.phase = Phase::Encoding(i, attempt, None);
                    return Ok(Command::Encode {
                        printer: i,
                        attempt,
                        check: true,
                    });
                }
                self.phase = Phase::Following(i, attempt, since, pending.state);
                Ok(Command::Follow {
                    printer: i,
                    pending,
                })
            }
            (Phase::Following(i, attempt, since, state), Input::Followed(answer)) => {
                let p = &mut self.printers[i];
                match answer {
                    Ok((AttemptEvent::NotFound { why }, idle)) => {
                        // Believed only when the printer is idle and a second lookup, a while
                        // later, agrees: a restarted printer may still feed the card.
                        let since_first = p.missing_since.map(|t| mono.saturating_sub(t));
                        match spool::not_found_verdict(since_first, idle, self.config.gone_confirm)
                        {
                            NotFoundVerdict::Believe => {
                                p.missing_since = None;
                                p.clear_passing_block();
                                self.phase = Phase::ApplyingFollow(i, attempt, since);
                                return Ok(Command::Apply {
                                    attempt,
                                    event: AttemptEvent::NotFound { why },
                                });
                            }
                            NotFoundVerdict::StartWaiting => p.missing_since = Some(mono),
                            NotFoundVerdict::KeepWaiting => {}
                            NotFoundVerdict::RestartWaiting => p.missing_since = None,
                        }
                    }
                    Ok((event, _)) => {
                        p.missing_since = None;
                        p.clear_passing_block();
                        // A job still underway changes nothing: the books are not written (a
                        // write transaction every poll would keep the pages waiting).
                        if matches!(spool::decide(state, &event), Ok(None)) {
                            return Ok(self.timeout_check(i, attempt, since, mono));
                        }
                        self.phase = Phase::ApplyingFollow(i, attempt, since);
                        return Ok(Command::Apply { attempt, event });
                    }
                    Err(e) => p.blocked = Some(Block::NoAnswer(e)),
                }
                Ok(self.timeout_check(i, attempt, since, mono))
            }
            (Phase::ApplyingFollow(i, attempt, since), Input::Applied(applied)) => {
                let p = &mut self.printers[i];
                if let Some((to, note)) = applied {
                    match to {
                        AttemptState::Intent | AttemptState::Sent => {}
                        AttemptState::Completed => {
                            self.counts.completed += 1;
                            p.in_flight = None;
                        }
                        AttemptState::Inspect => {
                            p.in_flight = None;
                            self.send_to_inspection(i, attempt, note);
                        }
                        _ => p.in_flight = None,
                    }
                }
                Ok(self.timeout_check(i, attempt, since, mono))
            }
            (Phase::SettleBooks, Input::Books(books)) => {
                self.refresh(books);
                Ok(self.settle_with_books(at, mono))
            }
            (Phase::Stopped(why), _) => {
                self.phase = Phase::Stopped(why);
                Ok(Command::Stop(why))
            }
            (phase, input) => {
                let e = wrong(&input, &phase);
                self.phase = phase;
                Err(e)
            }
        }
    }

    fn limit_reached(&self) -> bool {
        self.config
            .max_cards
            .is_some_and(|m| self.counts.started >= m)
    }

    fn refresh(&mut self, books: Vec<PrinterBook>) {
        for b in books {
            if let Some(p) = self.printers.iter_mut().find(|p| p.id == b.id) {
                p.profile = b.profile;
                p.run = b.run;
                p.encoder = b.encoder;
            }
        }
    }

    /// The top of the loop: renew the leases when due, then give ready printers a card.
    fn top(&mut self, mono: Duration) -> Command {
        if mono.saturating_sub(self.last_renew) > LEASE_RENEW_EVERY {
            self.last_renew = mono;
            self.phase = Phase::Renewing;
            return Command::RenewLeases;
        }
        self.dispatch_start()
    }

    fn dispatch_start(&mut self) -> Command {
        // The books are read only when some printer could take a card: a poll while every
        // printer has a job in flight (or sits out the run) asks the store nothing.
        if !self.limit_reached() && !self.queue_empty && self.printers.iter().any(Driven::may_take)
        {
            self.phase = Phase::DispatchBooks;
            return Command::ReadBooks;
        }
        self.follow(0)
    }

    /// Offer the next card to printer `from` onwards.
    fn dispatch(&mut self, from: PrinterIx, at: OffsetDateTime) -> Command {
        for i in from..self.printers.len() {
            if self.limit_reached() {
                break;
            }
            let p = &self.printers[i];
            if !p.may_take() {
                continue;
            }
            if !schedule::schedule_allows(&p.profile, &p.run, at) {
                continue;
            }
            self.phase = Phase::Status(i);
            return Command::AskStatus(i);
        }
        self.follow(0)
    }

    /// Follow the jobs in flight from printer `from` onwards (at once: an instant printer is
    /// done already).
    fn follow(&mut self, from: PrinterIx) -> Command {
        for i in from..self.printers.len() {
            if let Some((attempt, since)) = self.printers[i].in_flight {
                self.phase = Phase::Reading(i, attempt, since);
                return Command::ReadAttempt {
                    printer: i,
                    attempt,
                };
            }
        }
        self.settle()
    }

    fn timeout_check(
        &mut self,
        i: PrinterIx,
        attempt: i64,
        since: Duration,
        mono: Duration,
    ) -> Command {
        let p = &mut self.printers[i];
        if p.in_flight.is_some() && mono.saturating_sub(since) > self.config.job_timeout {
            self.notices.push(Notice::JobTimedOut {
                printer: i,
                attempt,
            });
            p.in_flight = None;
            p.missing_since = None;
            p.blocked = Some(Block::JobTimedOut);
        }
        self.follow(i + 1)
    }

    /// An attempt went to the inspection queue: its printer gets no card until a person
    /// records what they found.
    fn send_to_inspection(&mut self, i: PrinterIx, attempt: i64, note: Cow<'static, str>) {
        self.counts.to_inspect += 1;
        self.printers[i].blocked = Some(Block::AwaitingInspection);
        self.notices.push(Notice::ToInspect {
            printer: i,
            attempt,
            note: note.into_owned(),
        });
        self.notices.push(Notice::InspectionHold {
            printer: i,
            attempt,
        });
    }

    /// Done, wait, or go round again.
    fn settle(&mut self) -> Command {
        if self.printers.iter().any(|p| p.in_flight.is_some()) {
            self.phase = Phase::Sleeping;
            return Command::Sleep(self.config.poll);
        }
        let stop = if self.limit_reached() {
            Some(StopReason::MaxCards)
        } else if self.queue_empty {
            Some(StopReason::QueueEmpty)
        } else if self
            .printers
            .iter()
            .all(|p| p.blocked == Some(Block::NoBlanks))
        {
            Some(StopReason::NoBlanks)
        } else if self
            .printers
            .iter()
            .all(|p| p.blocked == Some(Block::NoPhotoForChip))
        {
            Some(StopReason::NoPhotoForChip)
        } else {
            None
        };
        if let Some(why) = stop {
            self.phase = Phase::Stopped(why);
            return Command::Stop(why);
        }
        if let Some((at, mono)) = self.fresh_books.take() {
            return self.settle_with_books(at, mono);
        }
        self.phase = Phase::SettleBooks;
        Command::ReadBooks
    }

    fn settle_with_books(&mut self, at: OffsetDateTime, mono: Duration) -> Command {
        let unblocked = || self.printers.iter().filter(|p| p.blocked.is_none());
        if unblocked().any(|p| schedule::readiness(&p.profile, &p.run, at) == Readiness::Ready) {
            return self.top(mono);
        }
        let wake = schedule::next_wake(unblocked().map(|p| (&p.profile, &p.run)), at);
        match wake {
            Some(until) if !self.config.no_wait => {
                if self.told_cooling != Some(until) {
                    self.told_cooling = Some(until);
                    self.notices.push(Notice::Cooling { until });
                }
                let secs = (until - at).as_seconds_f64().clamp(0.05, 3600.0);
                self.phase = Phase::Sleeping;
                Command::Sleep(Duration::from_secs_f64(secs).min(COOLING_NAP))
            }
            _ => {
                let held = self
                    .printers
                    .iter()
                    .any(|p| p.blocked == Some(Block::AwaitingInspection));
                let all_blocked = self.printers.iter().all(|p| p.blocked.is_some());
                let why = if wake.is_some() {
                    StopReason::Cooling
                } else if held && all_blocked {
                    StopReason::AwaitingInspection
                } else if self.printers.iter().any(|p| p.blocked.is_some()) {
                    StopReason::PrintersBlocked
                } else {
                    StopReason::CapacityOrHours
                };
                self.phase = Phase::Stopped(why);
                Command::Stop(why)
            }
        }
    }
}
