//! One run of the spool (`cetak print run`, the print page's button, the demo): take the lease
//! of every printer no other run drives, then execute the commands of the sans-IO driver
//! (`cetak_print::driver`) against the store and the printers — the same driver the simulator
//! executes against its world.
//!
//! What the executor adds is I/O only: which store call or IPP request answers which command.
//! The intent is durable before the printer hears anything (`Store::print_claim`); the
//! printer's answer is durable before the next card (`Store::attempt_apply`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cetak_domain::lifecycle::Actor;
use cetak_print::clock::{ClockWarning, RunClock};
use cetak_print::driver::{
    self, Command, Driver, DriverConfig, Input, PrinterAnswer, PrinterBook, RunCounts, StopReason,
};
use cetak_print::schedule;
use cetak_print::spool::{AttemptEvent, AttemptState, PendingAttempt};
use cetak_store::{AttemptRow, Lease, LeaseHolder, PrinterRow, Store};
use serde::Serialize;
use time::OffsetDateTime;

use crate::chip::{self, ChipRig, ChipSetup};
use crate::port::{self, Port, PortError};
use crate::{OfficeError, wall_now};

/// How a run behaves (`cetak print run` options).
#[derive(Debug, Clone)]
pub struct RunArgs {
    /// Stop after this many cards were started.
    pub max_cards: Option<u32>,
    /// Seconds one IPP request may take.
    pub request_timeout_s: f64,
    /// How often jobs in flight are asked about, in milliseconds.
    pub poll_ms: u64,
    /// Seconds before an unfinished job is left open and its printer set aside.
    pub job_timeout_s: f64,
    /// Seconds between two idle "not in the printer" answers before the first is believed.
    pub gone_confirm_s: f64,
    /// Stop instead of waiting for a printer to cool down.
    pub no_wait: bool,
    /// The document-signer token and trust anchors, for printers with a chip encoder (`None`:
    /// such printers get no card; their encoder cannot be used).
    pub chip: Option<ChipSetup>,
}

impl Default for RunArgs {
    fn default() -> RunArgs {
        RunArgs {
            max_cards: None,
            request_timeout_s: 10.0,
            poll_ms: 200,
            job_timeout_s: 300.0,
            gone_confirm_s: 10.0,
            no_wait: false,
            chip: None,
        }
    }
}

impl RunArgs {
    /// The driver's configuration, every value clamped to something sane.
    pub fn driver_config(&self) -> DriverConfig {
        DriverConfig {
            max_cards: self.max_cards,
            poll: Duration::from_millis(self.poll_ms.clamp(1, 10_000)),
            job_timeout: Duration::from_secs_f64(self.job_timeout_s.clamp(0.1, 86_400.0)),
            gone_confirm: Duration::from_secs_f64(self.gone_confirm_s.clamp(0.0, 3_600.0)),
            no_wait: self.no_wait,
        }
    }
}

/// Blanks the operator was told to load into a printer, in this order.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Load {
    /// The printer.
    pub printer: String,
    /// First serial (load it first).
    pub first: i64,
    /// Last serial.
    pub last: i64,
}

/// Something the operator should hear during a run, in data (the caller puts it into words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunNotice {
    /// The computer clock is wrong; the run uses the guarded time.
    Clock(ClockWarning),
    /// A printer's address cannot be used.
    UnusableAddress {
        /// The printer.
        printer: String,
        /// Why.
        error: String,
    },
    /// A printer was taken over from a run that is gone.
    TakenOver {
        /// The printer.
        printer: String,
        /// The old run's process.
        pid: u32,
        /// Its host.
        host: String,
    },
    /// A printer is driven by another run.
    DrivenElsewhere {
        /// The printer.
        printer: String,
        /// That run's process.
        pid: u32,
        /// Its host.
        host: String,
    },
    /// Load these blanks, lowest serial on top.
    Load(Load),
    /// The printer reports reasons that stop it.
    PrinterBlocked {
        /// The printer.
        printer: String,
        /// Its reasons.
        why: String,
    },
    /// The printer could not be reached.
    Unreachable {
        /// The printer.
        printer: String,
        /// What went wrong.
        error: String,
    },
    /// Neither its hopper nor the safe has a blank.
    OutOfBlanks {
        /// The printer.
        printer: String,
    },
    /// The printer gets no new card until the attempt is inspected.
    InspectionHold {
        /// The printer.
        printer: String,
        /// The attempt.
        attempt: i64,
    },
    /// Another run took the printer over.
    LeaseLost {
        /// The printer.
        printer: String,
    },
    /// The printer cannot confirm a card: a person must look.
    ToInspect {
        /// The printer.
        printer: String,
        /// The job.
        job_name: String,
        /// The attempt.
        attempt: i64,
        /// What the books noted.
        note: String,
    },
    /// The printer did not finish the job in time; the attempt stays open.
    JobTimedOut {
        /// The printer.
        printer: String,
        /// The job.
        job_name: String,
    },
    /// Every printer cools down; printing resumes then.
    Cooling {
        /// When.
        until: OffsetDateTime,
    },
    /// A chip failed before printing: its blank is spoiled (`chip_failure`), the record is
    /// back in the queue.
    ChipFailed {
        /// The printer.
        printer: String,
        /// The blank.
        serial: i64,
        /// What the books noted (the card fault).
        why: String,
    },
    /// The printer's chip encoder cannot be used; it gets no more cards in this run.
    EncoderUnavailable {
        /// The printer.
        printer: String,
        /// Why.
        error: String,
    },
    /// The printer's chips failed several times in a row; it gets no more cards in this run.
    ChipsKeepFailing {
        /// The printer.
        printer: String,
    },
    /// The printers with a chip encoder found nothing they can put on a chip: these records
    /// have no valid face photo (e.g. imported by contract v1) and wait for a printer without
    /// an encoder (or for a photo). Said once per run.
    NoPhotoForChip {
        /// How many records wait so.
        waiting: u64,
    },
}

/// What one run did.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Attempts started, completed, not sent, to inspect, recovered.
    pub counts: RunCounts,
    /// Attempts still waiting for the printer's answer at the end.
    pub still_pending: u32,
    /// Attempts in the inspection queue at the end (all runs).
    pub inspection_queue: u32,
    /// Records still waiting for a card.
    pub queue: i64,
    /// Why it ended.
    pub stopped_because: Option<StopReason>,
    /// Blanks the operator was told to load, per printer, in order.
    pub loads: Vec<Load>,
    /// Printers this run did not drive (unusable address, driven by another run).
    pub skipped_printers: Vec<String>,
    /// What the operator was told, in order.
    pub notices: Vec<RunNotice>,
}

impl RunReport {
    fn notice(&mut self, on_notice: &mut dyn FnMut(&RunNotice), n: RunNotice) {
        tracing::debug!(?n, "print run notice");
        on_notice(&n);
        if let RunNotice::Load(l) = &n {
            self.loads.push(l.clone());
        }
        self.notices.push(n);
    }
}

/// A printer this run drives.
struct Live {
    row: PrinterRow,
    port: Box<dyn Port>,
    lease: Lease,
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Run the spool: take the lease of every printer no other run drives, reconcile what a crash
/// left open on them, then print until today's capacity is spent, the queue is empty, the
/// printers are blocked or `max_cards` were started. `on_notice` hears each notice as it
/// happens (the command line says it at once).
pub fn run(
    store: &mut Store,
    args: &RunArgs,
    on_notice: &mut dyn FnMut(&RunNotice),
) -> Result<RunReport, OfficeError> {
    let started = Instant::now();
    let (clock, warning) = RunClock::start(wall_now(), store.office_high_water()?);
    let now = |clock: &RunClock| clock.now(wall_now(), started.elapsed()).0;
    let mut report = RunReport::default();
    if let Some(w) = warning {
        report.notice(on_notice, RunNotice::Clock(w));
    }
    store.ensure_queue_index()?;
    let timeout = Duration::from_secs_f64(args.request_timeout_s.clamp(0.1, 600.0));
    let me = LeaseHolder {
        pid: std::process::id(),
        host: hostname(),
    };
    let printers = store.printers(&schedule::office_day(now(&clock)))?;
    if printers.is_empty() {
        return Err(OfficeError::NoPrinters);
    }
    // The document signer's certificate is checked before the run's first card.
    let mut rig = match &args.chip {
        Some(setup) if printers.iter().any(|p| p.encoder.is_some()) => {
            Some(ChipRig::open(setup, now(&clock))?)
        }
        _ => None,
    };
    let mut live: Vec<Live> = Vec::new();
    for row in printers {
        // One bad printer never stops the others.
        let port = match port::open(&row.uri, timeout) {
            Ok(port) => port,
            Err(e) => {
                report.skipped_printers.push(row.name.clone());
                let n = RunNotice::UnusableAddress {
                    printer: row.name.clone(),
                    error: e.to_string(),
                };
                report.notice(on_notice, n);
                continue;
            }
        };
        match store.lease_take(row.id, &me, &pid_alive, now(&clock))? {
            Ok(lease) => {
                if let Some(old) = &lease.took_over {
                    let n = RunNotice::TakenOver {
                        printer: row.name.clone(),
                        pid: old.pid,
                        host: old.host.clone(),
                    };
                    report.notice(on_notice, n);
                }
                live.push(Live { row, port, lease });
            }
            Err(holder) => {
                report.skipped_printers.push(row.name.clone());
                let n = RunNotice::DrivenElsewhere {
                    printer: row.name.clone(),
                    pid: holder.pid,
                    host: holder.host,
                };
                report.notice(on_notice, n);
            }
        }
    }
    if live.is_empty() {
        return Err(OfficeError::NoDrivablePrinter(report.notices));
    }
    let result = execute(
        store,
        args,
        &clock,
        started,
        &live,
        rig.as_mut(),
        &mut report,
        on_notice,
    );
    for p in &live {
        if let Err(e) = store.lease_release(&p.lease) {
            tracing::warn!("releasing the lease of {}: {e}", p.row.name);
        }
    }
    let (counts, stopped) = result?;
    report.counts = counts;
    report.stopped_because = Some(stopped);
    report.still_pending = store
        .attempts(&[AttemptState::Intent, AttemptState::Sent], 10_000)?
        .len() as u32;
    report.inspection_queue = store.attempts(&[AttemptState::Inspect], 10_000)?.len() as u32;
    report.queue = store.print_queue_len()?;
    Ok(report)
}

/// Execute the driver's commands until it stops.
#[allow(clippy::too_many_arguments)]
fn execute(
    store: &mut Store,
    args: &RunArgs,
    clock: &RunClock,
    started: Instant,
    live: &[Live],
    mut rig: Option<&mut ChipRig>,
    report: &mut RunReport,
    on_notice: &mut dyn FnMut(&RunNotice),
) -> Result<(RunCounts, StopReason), OfficeError> {
    let actor = Actor::system("spool");
    let books = |rows: Vec<PrinterRow>| -> Vec<PrinterBook> {
        rows.into_iter()
            .map(|r| PrinterBook {
                id: r.id,
                profile: r.profile,
                run: r.run,
                encoder: r.encoder.is_some(),
            })
            .collect()
    };
    let start_books = books(live.iter().map(|p| p.row.clone()).collect());
    let mut driver = Driver::new(args.driver_config(), start_books);
    // What the executor must remember between two commands: the claim to render, the attempt
    // row to follow (its job id is not in the driver's view).
    let mut claims: HashMap<i64, (String, i64, String)> = HashMap::new();
    let mut rows: HashMap<usize, AttemptRow> = HashMap::new();
    let mut input = Input::Done;
    loop {
        let at = clock.now(wall_now(), started.elapsed()).0;
        let command = driver.step(input, at, started.elapsed())?;
        for n in driver.take_notices() {
            let n = words_for(store, live, n)?;
            report.notice(on_notice, n);
        }
        input = match command {
            Command::ReadOpenAttempts => Input::OpenAttempts(
                store
                    .attempts(&[AttemptState::Intent, AttemptState::Sent], 10_000)?
                    .into_iter()
                    .map(|a| (a.printer_id, a.id))
                    .collect(),
            ),
            Command::RenewLeases => {
                let mut held = Vec::with_capacity(live.len());
                for p in live {
                    held.push(store.lease_renew(&p.lease, at)?);
                }
                Input::LeasesRenewed(held)
            }
            Command::ReadBooks => Input::Books(books(store.printers(&schedule::office_day(at))?)),
            Command::AskStatus(i) => Input::Status(
                live[i]
                    .port
                    .status()
                    .map(|s| PrinterAnswer {
                        idle: s.idle,
                        blocking: s.blocking,
                    })
                    .map_err(|e| e.to_string()),
            ),
            Command::Claim {
                printer,
                load,
                after,
            } => {
                let p = &live[printer];
                let claim =
                    store.print_claim(p.row.id, &p.lease.token, load, &after, &actor, at)?;
                Input::Claimed(claim.map(|c| {
                    claims.insert(c.attempt_id, (c.recording_id, c.serial, c.job_name));
                    driver::Claimed {
                        attempt: c.attempt_id,
                        loaded: c.loaded,
                    }
                }))
            }
            Command::Encode {
                printer,
                attempt,
                check,
            } => Input::Encoded(chip::encode(
                store,
                rig.as_deref_mut(),
                live[printer].row.encoder.as_deref(),
                attempt,
                check,
                at,
            )?),
            Command::Submit { printer, attempt } => {
                // A recovered intent whose chip was just checked was claimed by an earlier run.
                let (recording_id, serial, job_name) = match claims.remove(&attempt) {
                    Some(c) => c,
                    None => store
                        .attempt(attempt)?
                        .map(|a| (a.recording_id, a.serial, a.job_name))
                        .ok_or(OfficeError::NoSuchAttempt(attempt))?,
                };
                let png = crate::card::render_png_for(store, &recording_id, serial, at)?;
                Input::Submitted(match live[printer].port.submit(&job_name, png) {
                    Ok((job_id, Some(job_uuid))) => AttemptEvent::Accepted { job_id, job_uuid },
                    // Accepted but no uuid: find it in the job list by name before following.
                    Ok((_, None)) => AttemptEvent::Uncertain {
                        why: "the printer gave no job-uuid".into(),
                    },
                    Err(PortError::NotDelivered(why)) => AttemptEvent::NotDelivered { why },
                    Err(PortError::MayExist(why)) => AttemptEvent::Uncertain { why },
                })
            }
            Command::ReadAttempt { printer, attempt } => {
                let row = store.attempt(attempt)?.filter(|a| a.state.is_pending());
                // An intent on an encoder printer whose chip is not marked verified was never
                // sent: its chip is checked before anything else.
                let chip_pending = match &row {
                    Some(a)
                        if a.state == AttemptState::Intent
                            && live[printer].row.encoder.is_some() =>
                    {
                        store
                            .chip_encoding(a.id)?
                            .is_none_or(|c| c.verified_at.is_none())
                    }
                    _ => false,
                };
                let pending = row.as_ref().map(|a| PendingAttempt {
                    state: a.state,
                    job_name: a.job_name.as_str().into(),
                    job_uuid: a.job_uuid.as_deref().map(Into::into),
                    chip_pending,
                });
                match row {
                    Some(row) => rows.insert(printer, row),
                    None => rows.remove(&printer),
                };
                Input::Attempt(pending)
            }
            Command::Follow { printer, .. } => {
                let port = live[printer].port.as_ref();
                let answer = match rows.get(&printer) {
                    Some(row) => follow(port, row).map(|event| {
                        // Only "not in the printer" needs to know whether it is idle.
                        let idle = matches!(event, AttemptEvent::NotFound { .. })
                            && port.status().map(|s| s.idle).unwrap_or(false);
                        (event, idle)
                    }),
                    None => Err(PortError::MayExist("no attempt read".into())),
                };
                Input::Followed(answer.map_err(|e| e.to_string()))
            }
            Command::Apply { attempt, event } => Input::Applied(
                store
                    .attempt_apply(attempt, &event, &actor, at)?
                    .map(|d| (d.to, d.note)),
            ),
            Command::Sleep(d) => {
                if !d.is_zero() {
                    tracing::trace!(?d, "print run waits");
                    std::thread::sleep(d);
                }
                Input::Done
            }
            Command::Stop(why) => return Ok((driver.counts().clone(), why)),
        };
    }
}

/// A driver notice with the printer's name and the job's name the operator knows.
fn words_for(store: &Store, live: &[Live], n: driver::Notice) -> Result<RunNotice, OfficeError> {
    use driver::Notice as N;
    let name = |i: usize| live.get(i).map(|p| p.row.name.clone()).unwrap_or_default();
    let job = |attempt: i64| -> Result<String, OfficeError> {
        Ok(store
            .attempt(attempt)?
            .map(|a| a.job_name)
            .unwrap_or_default())
    };
    Ok(match n {
        N::Load {
            printer,
            first,
            last,
        } => RunNotice::Load(Load {
            printer: name(printer),
            first,
            last,
        }),
        N::PrinterBlocked { printer, why } => RunNotice::PrinterBlocked {
            printer: name(printer),
            why,
        },
        N::Unreachable { printer, error } => RunNotice::Unreachable {
            printer: name(printer),
            error,
        },
        N::OutOfBlanks { printer } => RunNotice::OutOfBlanks {
            printer: name(printer),
        },
        N::InspectionHold { printer, attempt } => RunNotice::InspectionHold {
            printer: name(printer),
            attempt,
        },
        N::LeaseLost { printer } => RunNotice::LeaseLost {
            printer: name(printer),
        },
        N::ToInspect {
            printer,
            attempt,
            note,
        } => RunNotice::ToInspect {
            printer: name(printer),
            job_name: job(attempt)?,
            attempt,
            note,
        },
        N::JobTimedOut { printer, attempt } => RunNotice::JobTimedOut {
            printer: name(printer),
            job_name: job(attempt)?,
        },
        N::Cooling { until } => RunNotice::Cooling { until },
        N::ChipFailed {
            printer,
            attempt,
            why,
        } => RunNotice::ChipFailed {
            printer: name(printer),
            serial: store
                .attempt(attempt)?
                .map(|a| a.serial)
                .unwrap_or_default(),
            why,
        },
        N::EncoderUnavailable { printer, error } => RunNotice::EncoderUnavailable {
            printer: name(printer),
            error,
        },
        N::ChipsKeepFailing { printer } => RunNotice::ChipsKeepFailing {
            printer: name(printer),
        },
        N::NoPhotoForChip { waiting } => RunNotice::NoPhotoForChip { waiting },
    })
}

/// Ask the printer about an attempt in flight: by id, checked against the uuid (ids restart
/// with the printer), else in the job list. A failed job's own reasons rarely say why; the
/// printer's (media-jam, cover-open) do, so they are added.
pub(crate) fn follow(port: &dyn Port, a: &AttemptRow) -> Result<AttemptEvent, PortError> {
    use cetak_print::spool::JobPhase;
    let mut event = ask(port, a)?;
    if let AttemptEvent::Observed { phase, reasons } | AttemptEvent::Found { phase, reasons, .. } =
        &mut event
        && matches!(
            phase,
            JobPhase::Aborted | JobPhase::Canceled | JobPhase::Stopped
        )
        && let Ok(status) = port.status()
    {
        for r in status.reasons {
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
    }
    Ok(event)
}

/// The printer's word on an attempt, without the added reasons.
pub(crate) fn ask(port: &dyn Port, a: &AttemptRow) -> Result<AttemptEvent, PortError> {
    if a.state == AttemptState::Sent
        && let Some(id) = a.job_id
        && let Some(job) = port.job(id)?
        && job.job_uuid.is_some()
        && job.job_uuid == a.job_uuid
    {
        return Ok(AttemptEvent::Observed {
            phase: job.phase,
            reasons: job.reasons,
        });
    }
    let jobs = port.jobs()?;
    Ok(cetak_print::spool::find_in_printer(
        &PendingAttempt {
            state: a.state,
            job_name: a.job_name.as_str().into(),
            job_uuid: a.job_uuid.as_deref().map(Into::into),
            chip_pending: false,
        },
        &jobs,
    ))
}
