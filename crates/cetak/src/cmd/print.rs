//! `cetak printer …`, `cetak print …`: the office's printers and the spool that drives them.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use cetak_domain::lifecycle::Actor;
use cetak_print::clock::RunClock;
use cetak_print::schedule::{self, PrinterProfile, Readiness};
use cetak_print::spool::{self, AttemptEvent, AttemptState, JobPhase, PendingAttempt};
use cetak_print::stock::SpoilCause;
use cetak_store::{AttemptRow, ClaimRefusal, PrinterRow, Store};
use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;
use time::OffsetDateTime;

use super::port::{self, Port, PortError};
use super::{Context, open_store, print_json, table};
use crate::text::t;

#[derive(Debug, Subcommand)]
pub enum PrinterCommand {
    /// Add a card printer: its IPP URI (or dir:/path for a demo printer) and its profile.
    Add {
        /// Name the office gives it (e.g. P1).
        name: String,
        /// ipp://host:port/ipp/print, or dir:/path/to/folder.
        #[arg(long)]
        uri: String,
        /// Rated cards per day.
        #[arg(long)]
        cards_per_day: u32,
        /// Cards in a row before a cool-down.
        #[arg(long)]
        burst: Option<u32>,
        /// Minutes of cool-down after a burst.
        #[arg(long, default_value_t = 0.0)]
        cooldown_min: f64,
        /// Working hours, office time (WIB), e.g. 08:00-16:00.
        #[arg(long)]
        hours: Option<String>,
    },
    /// The printers, their profile and today's count.
    List,
    /// Stop giving a printer cards.
    Pause {
        /// Printer name.
        name: String,
        /// Why.
        #[arg(long, default_value = "paused by operator")]
        reason: String,
    },
    /// Give a paused printer cards again.
    Resume {
        /// Printer name.
        name: String,
        /// Why.
        #[arg(long, default_value = "resumed by operator")]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrintCommand {
    /// Print the queue on the office's printers until today's capacity is spent or the queue
    /// is empty. First reconciles attempts left open by a crash.
    Run(RunArgs),
    /// Printers, queue and what needs inspection.
    Status,
    /// Record what a person found for an attempt the printer could not confirm.
    Inspect {
        /// The attempt id (see `cetak print status`).
        attempt: i64,
        /// The card is good.
        #[arg(long, conflicts_with_all = ["spoiled", "unused"])]
        good: bool,
        /// The card is spoiled: melted, misprint, jam, chip_failure, other.
        #[arg(long)]
        spoiled: Option<String>,
        /// The blank was never used (still clean in the hopper).
        #[arg(long, conflicts_with = "spoiled")]
        unused: bool,
    },
    /// A printed card turned out spoiled (melted, misprint, chip failure…): reprint it on a
    /// new blank and tell the printer's duty cycle.
    Spoil {
        /// The blank serial of the card.
        serial: i64,
        /// melted, misprint, jam, chip_failure, other.
        #[arg(long)]
        cause: String,
    },
    /// Move a record to the front of the queue (supervisor).
    Raise {
        /// The recording id.
        recording_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// A resident's card was lost or damaged: revoke it and queue a replacement.
    Replace {
        /// The resident's NIK.
        nik: String,
        /// Why (lost, damaged, data change).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, ClapArgs)]
pub struct RunArgs {
    /// Stop after starting this many cards.
    #[arg(long)]
    pub max_cards: Option<u32>,
    /// Seconds to wait for a printer's answer to one request.
    #[arg(long, default_value_t = 10.0)]
    pub request_timeout_s: f64,
    /// Milliseconds between polls of a job in progress.
    #[arg(long, default_value_t = 200)]
    pub poll_ms: u64,
    /// Seconds a job may take before the run stops waiting for it (it stays open; the next run
    /// follows it again).
    #[arg(long, default_value_t = 300.0)]
    pub job_timeout_s: f64,
    /// Do not wait for cool-downs: stop when no printer can take a card now.
    #[arg(long)]
    pub no_wait: bool,
}

pub fn run_printer(ctx: &Context, cmd: PrinterCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    let actor = Actor(ctx.actor.clone());
    match cmd {
        PrinterCommand::Add {
            name,
            uri,
            cards_per_day,
            burst,
            cooldown_min,
            hours,
        } => {
            let hours = hours.as_deref().map(parse_hours).transpose()?;
            if !(uri.starts_with("ipp://")
                || uri.starts_with("ipps://")
                || uri.starts_with("http://")
                || uri.starts_with("dir:"))
            {
                bail!("printer URI must start with ipp://, ipps://, http:// or dir: (got {uri:?})");
            }
            let profile = PrinterProfile {
                cards_per_day,
                burst,
                cooldown_min,
                hours,
            };
            let id = store.printer_add(&name, &uri, &profile, &actor, super::now())?;
            if ctx.json {
                print_json(&json!({ "id": id, "name": name, "uri": uri, "profile": profile }))?;
            } else {
                println!(
                    "{} {name} ({uri})",
                    t("Printer ditambahkan:", "Printer added:")
                );
            }
        }
        PrinterCommand::List => {
            let printers = store.printers(&schedule::office_day(super::now()))?;
            if ctx.json {
                print_json(&json!({ "printers": printers }))?;
            } else {
                print_printers(&printers, super::now());
            }
        }
        PrinterCommand::Pause { name, reason } => {
            store.printer_set_paused(&name, true, &actor, super::now(), &reason)?;
            println!("{} {name}", t("Printer dijeda:", "Printer paused:"));
        }
        PrinterCommand::Resume { name, reason } => {
            store.printer_set_paused(&name, false, &actor, super::now(), &reason)?;
            println!("{} {name}", t("Printer dilanjutkan:", "Printer resumed:"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_hours(s: &str) -> anyhow::Result<(time::Time, time::Time)> {
    let fmt = time::macros::format_description!("[hour]:[minute]");
    let (a, b) = s
        .split_once('-')
        .with_context(|| format!("working hours must look like 08:00-16:00, got {s:?}"))?;
    let a = time::Time::parse(a.trim(), fmt).with_context(|| format!("bad start time {a:?}"))?;
    let b = time::Time::parse(b.trim(), fmt).with_context(|| format!("bad end time {b:?}"))?;
    Ok((a, b))
}

fn print_printers(printers: &[PrinterRow], now: OffsetDateTime) {
    let mut tbl = table(&[
        t("Printer", "Printer"),
        "URI",
        t("Hari ini", "Today"),
        t("Kapasitas", "Capacity"),
        t("Blangko dimuat", "Blanks loaded"),
        t("Keadaan", "State"),
    ]);
    for p in printers {
        tbl.add_row(vec![
            p.name.clone(),
            p.uri.clone(),
            p.run.printed_today.to_string(),
            p.profile.cards_per_day.to_string(),
            p.blanks_loaded.to_string(),
            readiness_text(&schedule::readiness(&p.profile, &p.run, now)),
        ]);
    }
    println!("{tbl}");
}

fn readiness_text(r: &Readiness) -> String {
    match r {
        Readiness::Ready => t("siap", "ready").into(),
        Readiness::Busy => t("sedang mencetak", "printing").into(),
        Readiness::Paused => t("dijeda", "paused").into(),
        Readiness::Blocked { reason } => format!("{}: {reason}", t("terhenti", "blocked")),
        Readiness::CapacitySpent => t("kapasitas hari ini habis", "today's capacity spent").into(),
        Readiness::Cooling { until } => format!(
            "{} {}",
            t("mendinginkan sampai", "cooling until"),
            until.to_offset(schedule::OFFICE_OFFSET).time()
        ),
        Readiness::OutsideHours => t("di luar jam kerja", "outside working hours").into(),
    }
}

pub fn run_print(ctx: &Context, cmd: PrintCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    let actor = Actor(ctx.actor.clone());
    match cmd {
        PrintCommand::Run(args) => return print_run(ctx, &mut store, args),
        PrintCommand::Status => print_status(ctx, &store)?,
        PrintCommand::Inspect {
            attempt,
            good,
            spoiled,
            unused,
        } => {
            let event = match (good, spoiled, unused) {
                (true, None, false) => AttemptEvent::InspectedGood,
                (false, Some(c), false) => AttemptEvent::InspectedSpoiled(parse_cause(&c)?),
                (false, None, true) => AttemptEvent::InspectedUnused,
                _ => bail!("say exactly one of --good, --spoiled CAUSE, --unused"),
            };
            let now = super::now();
            let current = store
                .attempts(&[], usize::MAX)?
                .into_iter()
                .find(|a| a.id == attempt)
                .with_context(|| format!("no print attempt {attempt}"))?;
            if current.state.is_pending() {
                // The printer cannot answer for it (gone, or a person already has the card).
                store.attempt_apply(
                    attempt,
                    &AttemptEvent::OperatorTakesOver {
                        why: "an operator inspected the card before the printer answered".into(),
                    },
                    &actor,
                    now,
                )?;
            }
            let d = store
                .attempt_apply(attempt, &event, &actor, now)?
                .context("nothing changed")?;
            if ctx.json {
                print_json(&json!({ "attempt": attempt, "state": d.to, "note": d.note }))?;
            } else {
                println!(
                    "{} {attempt}: {} — {}",
                    t("Percobaan", "Attempt"),
                    d.to,
                    d.note
                );
            }
        }
        PrintCommand::Spoil { serial, cause } => {
            let cause = parse_cause(&cause)?;
            let attempt = store
                .attempt_by_serial(serial)?
                .with_context(|| format!("no card was printed on blank {serial}"))?;
            let d = store
                .attempt_apply(
                    attempt,
                    &AttemptEvent::ReportedSpoiled(cause),
                    &actor,
                    super::now(),
                )?
                .context("nothing changed")?;
            if ctx.json {
                print_json(&json!({ "serial": serial, "state": d.to, "note": d.note }))?;
            } else {
                println!("{} {serial}: {}", t("Blangko", "Blank"), d.note);
                if d.printer_failure.is_some() {
                    println!(
                        "{}",
                        t(
                            "Printer ini didinginkan lebih lama; periksa suhu cetak (160-170 °C).",
                            "This printer now cools down longer; check its print temperature (160-170 °C)."
                        )
                    );
                }
            }
        }
        PrintCommand::Raise {
            recording_id,
            reason,
        } => {
            store.print_raise(&recording_id, &actor, super::now(), &reason)?;
            println!(
                "{} {recording_id}",
                t(
                    "Dinaikkan ke depan antrean:",
                    "Raised to the front of the queue:"
                )
            );
        }
        PrintCommand::Replace { nik, reason } => {
            let id = store.print_replace(&nik, &actor, super::now(), &reason)?;
            println!(
                "{} {id}",
                t(
                    "KTP lama dicabut; penggantian masuk antrean:",
                    "Old card revoked; replacement queued:"
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_cause(s: &str) -> anyhow::Result<SpoilCause> {
    SpoilCause::parse(s).with_context(|| {
        format!("unknown spoil cause {s:?}: use melted, misprint, jam, chip_failure or other")
    })
}

fn print_status(ctx: &Context, store: &Store) -> anyhow::Result<()> {
    let now = super::now();
    let printers = store.printers(&schedule::office_day(now))?;
    let queue = store.print_queue_len()?;
    let next = store.print_queue(5)?;
    let inspect = store.attempts(&[AttemptState::Inspect], 1000)?;
    let pending = store.attempts(&[AttemptState::Intent, AttemptState::Sent], 1000)?;
    let stock = store.stock_reconcile()?;
    if ctx.json {
        let printers: Vec<_> = printers
            .iter()
            .map(|p| {
                json!({
                    "name": p.name, "uri": p.uri, "profile": p.profile,
                    "printed_today": p.run.printed_today, "blanks_loaded": p.blanks_loaded,
                    "heat_strikes": p.run.heat_strikes,
                    "readiness": schedule::readiness(&p.profile, &p.run, now),
                })
            })
            .collect();
        print_json(&json!({
            "printers": printers,
            "queue": queue,
            "next": next.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            "pending": pending,
            "inspection": inspect,
            "blanks_unused": stock.unused,
        }))?;
        return Ok(());
    }
    print_printers(&printers, now);
    println!(
        "{}: {queue}   {}: {}",
        t("Antrean cetak", "Print queue"),
        t("blangko tersedia", "blanks available"),
        stock.unused
    );
    if !pending.is_empty() {
        println!(
            "{}",
            t(
                "Menunggu jawaban printer:",
                "Waiting for the printer's answer:"
            )
        );
        print_attempts(&pending);
    }
    if inspect.is_empty() {
        println!(
            "{}",
            t(
                "Tidak ada yang perlu diperiksa.",
                "Nothing needs inspection."
            )
        );
    } else {
        println!(
            "{}",
            t(
                "Perlu diperiksa (cetak print inspect ID --good | --spoiled SEBAB | --unused):",
                "Needs inspection (cetak print inspect ID --good | --spoiled CAUSE | --unused):"
            )
        );
        print_attempts(&inspect);
    }
    Ok(())
}

fn print_attempts(rows: &[AttemptRow]) {
    let mut tbl = table(&[
        "ID",
        t("Blangko", "Blank"),
        "Printer",
        "NIK",
        t("Nama", "Name"),
        t("Keadaan", "State"),
        t("Catatan", "Note"),
    ]);
    for a in rows {
        tbl.add_row(vec![
            a.id.to_string(),
            a.serial.to_string(),
            a.printer.clone(),
            a.nik.clone(),
            a.nama.clone(),
            a.state.to_string(),
            a.note.clone(),
        ]);
    }
    println!("{tbl}");
}

/// The wall clock, shifted by `CETAK_CLOCK_SKEW_S` seconds: tests use it to play an office PC
/// whose clock is wrong after a power cut.
fn wall_now() -> OffsetDateTime {
    let skew = std::env::var("CETAK_CLOCK_SKEW_S")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    super::now() + time::Duration::seconds(skew)
}

/// What one run did (the `--json` contract of `cetak print run`).
#[derive(Debug, Default, serde::Serialize)]
pub struct RunSummary {
    /// Cards sent (attempts started).
    pub started: u32,
    /// Attempts the printer completed.
    pub completed: u32,
    /// Attempts the printer certainly never got (blank back on hand).
    pub not_sent: u32,
    /// Attempts sent to the inspection queue by this run.
    pub to_inspect: u32,
    /// Attempts left open by an earlier run, looked up at start.
    pub recovered: u32,
    /// Attempts still waiting for the printer's answer at the end.
    pub still_pending: u32,
    /// Attempts in the inspection queue at the end (all runs).
    pub inspection_queue: u32,
    /// Records still waiting for a card.
    pub queue: i64,
    /// max_cards, queue_empty, no_blanks, capacity_or_hours, cooling, printers_blocked.
    pub stopped_because: String,
    /// What the operator was told.
    pub notices: Vec<String>,
}

/// Why a printer stops when neither its hopper nor the safe has a blank.
const NO_BLANKS: &str = "no blanks";

struct Live {
    row: PrinterRow,
    port: Box<dyn Port>,
    /// The attempt in flight, with when we started waiting on it.
    in_flight: Option<(i64, Instant)>,
    /// Why it cannot print (unreachable, jam, …), refreshed before each card.
    blocked: Option<String>,
}

fn print_run(ctx: &Context, store: &mut Store, args: RunArgs) -> anyhow::Result<ExitCode> {
    let summary = spool_run(store, &args, !ctx.json)?;
    if ctx.json {
        print_json(&serde_json::to_value(&summary)?)?;
    } else {
        println!(
            "{}: {} {}, {} {}, {} {}, {} {} ({}: {})",
            t("Selesai", "Done"),
            summary.started,
            t("dikirim", "sent"),
            summary.completed,
            t("selesai dicetak", "completed"),
            summary.to_inspect,
            t("perlu diperiksa", "to inspect"),
            summary.not_sent,
            t("tidak terkirim", "not sent"),
            t("berhenti karena", "stopped because"),
            summary.stopped_because
        );
        if summary.inspection_queue > 0 {
            println!(
                "{} {}: cetak print status",
                t("Antrean pemeriksaan:", "Inspection queue:"),
                summary.inspection_queue
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Run the spool: reconcile what a crash left open, then print until today's capacity is
/// spent, the queue is empty, the printers are blocked or `max_cards` were started.
/// Notices go to stderr when `talk`.
pub fn spool_run(store: &mut Store, args: &RunArgs, talk: bool) -> anyhow::Result<RunSummary> {
    let actor = Actor::system("spool");
    let started = Instant::now();
    let (clock, warning) = RunClock::start(wall_now(), store.print_high_water()?);
    let mut summary = RunSummary::default();
    let notice = |summary: &mut RunSummary, msg: String| {
        if talk {
            eprintln!("{msg}");
        }
        tracing::warn!("{msg}");
        summary.notices.push(msg);
    };
    if let Some(w) = &warning {
        notice(&mut summary, w.message());
    }
    let now = |clock: &RunClock| clock.now(wall_now(), started.elapsed()).0;
    store.ensure_queue_index()?;
    let timeout = Duration::from_secs_f64(args.request_timeout_s.clamp(0.1, 600.0));
    let mut live: Vec<Live> = Vec::new();
    for row in store.printers(&schedule::office_day(now(&clock)))? {
        let port = port::open(&row.uri, timeout)
            .with_context(|| format!("printer {} ({})", row.name, row.uri))?;
        live.push(Live {
            row,
            port,
            in_flight: None,
            blocked: None,
        });
    }
    if live.is_empty() {
        bail!(
            "{}",
            t(
                "belum ada printer: tambahkan dengan `cetak printer add`",
                "no printers yet: add one with `cetak printer add`"
            )
        );
    }
    // 1. Attempts a crash (or an earlier run) left open: ask each printer's own job list.
    let open: Vec<AttemptRow> =
        store.attempts(&[AttemptState::Intent, AttemptState::Sent], 10_000)?;
    for a in open {
        let Some(p) = live.iter_mut().find(|p| p.row.id == a.printer_id) else {
            continue;
        };
        match p.port.jobs() {
            Ok(jobs) => {
                let event = spool::find_in_printer(
                    &PendingAttempt {
                        state: a.state,
                        job_name: a.job_name.clone(),
                        job_uuid: a.job_uuid.clone(),
                    },
                    &jobs,
                );
                let d = store.attempt_apply(a.id, &event, &actor, now(&clock))?;
                summary.recovered += 1;
                match d.map(|d| d.to) {
                    Some(AttemptState::Sent) | None => p.in_flight = Some((a.id, Instant::now())),
                    Some(AttemptState::Completed) => summary.completed += 1,
                    Some(AttemptState::Inspect) => {
                        summary.to_inspect += 1;
                        notice(
                            &mut summary,
                            format!(
                                "{} {} ({} {}): {}",
                                t("percobaan", "attempt"),
                                a.id,
                                t("blangko", "blank"),
                                a.serial,
                                t(
                                    "printer tidak dapat memastikan — periksa baki keluaran",
                                    "the printer cannot confirm it — check the output tray"
                                )
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
            Err(e) => {
                p.blocked = Some(format!("unreachable: {e}"));
                p.in_flight = Some((a.id, Instant::now()));
                notice(
                    &mut summary,
                    format!(
                        "{} {}: {e}; {} {}",
                        t("printer", "printer"),
                        p.row.name,
                        t("percobaan terbuka", "open attempt"),
                        a.id
                    ),
                );
            }
        }
    }
    let poll = Duration::from_millis(args.poll_ms.clamp(1, 10_000));
    let job_timeout = Duration::from_secs_f64(args.job_timeout_s.clamp(0.1, 86_400.0));
    let mut queue_empty = false;
    loop {
        let at = now(&clock);
        // 2. Give ready printers their next card.
        let limit_reached = args.max_cards.is_some_and(|m| summary.started >= m);
        if !limit_reached && !queue_empty {
            let day = schedule::office_day(at);
            let rows = store.printers(&day)?;
            for p in live.iter_mut() {
                if p.in_flight.is_some() || p.blocked.as_deref() == Some(NO_BLANKS) {
                    continue;
                }
                if let Some(r) = rows.iter().find(|r| r.id == p.row.id) {
                    p.row = r.clone();
                }
                if args.max_cards.is_some_and(|m| summary.started >= m) {
                    break;
                }
                let mut run = p.row.run.clone();
                run.blocked = None;
                if schedule::readiness(&p.row.profile, &run, at) != Readiness::Ready {
                    continue;
                }
                match p.port.status() {
                    Ok(s) if s.blocking.is_empty() => p.blocked = None,
                    Ok(s) => {
                        let why = s.blocking.join(", ");
                        if p.blocked.as_deref() != Some(why.as_str()) {
                            notice(
                                &mut summary,
                                format!("{} {}: {why}", t("printer", "printer"), p.row.name),
                            );
                        }
                        p.blocked = Some(why);
                        continue;
                    }
                    Err(e) => {
                        let why = format!("unreachable: {e}");
                        if p.blocked.as_deref() != Some(why.as_str()) {
                            notice(
                                &mut summary,
                                format!("{} {}: {why}", t("printer", "printer"), p.row.name),
                            );
                        }
                        p.blocked = Some(why);
                        continue;
                    }
                }
                match send_one(store, p, &actor, at, &mut summary, talk)? {
                    SendOutcome::Sent => {}
                    SendOutcome::Refused(ClaimRefusal::QueueEmpty) => {
                        queue_empty = true;
                        break;
                    }
                    SendOutcome::Refused(ClaimRefusal::NoBlanks) => {
                        p.blocked = Some(NO_BLANKS.into());
                        notice(
                            &mut summary,
                            format!(
                                "{} {}: {}",
                                t("printer", "printer"),
                                p.row.name,
                                t(
                                    "blangko habis: terima stok baru dengan `cetak stock receive`",
                                    "out of blanks: receive stock with `cetak stock receive`",
                                )
                            ),
                        );
                    }
                }
            }
        }
        // 3. Follow the jobs in flight (at once: an instant printer is done already).
        for p in live.iter_mut() {
            let Some((attempt_id, since)) = p.in_flight else {
                continue;
            };
            let row = store
                .attempts(&[AttemptState::Intent, AttemptState::Sent], 10_000)?
                .into_iter()
                .find(|a| a.id == attempt_id);
            let Some(row) = row else {
                p.in_flight = None;
                continue;
            };
            let event = follow(p.port.as_ref(), &row);
            match event {
                Ok(event) => {
                    p.blocked = None;
                    if let Some(d) = store.attempt_apply(attempt_id, &event, &actor, at)? {
                        match d.to {
                            AttemptState::Sent => {}
                            AttemptState::Completed => {
                                summary.completed += 1;
                                p.in_flight = None;
                            }
                            AttemptState::Inspect => {
                                summary.to_inspect += 1;
                                p.in_flight = None;
                                notice(
                                    &mut summary,
                                    format!("{} {}: {}", p.row.name, row.job_name, d.note),
                                );
                            }
                            _ => p.in_flight = None,
                        }
                    }
                }
                Err(e) => {
                    p.blocked = Some(format!("no answer: {e}"));
                }
            }
            if p.in_flight.is_some() && since.elapsed() > job_timeout {
                notice(
                    &mut summary,
                    format!(
                        "{} {}: {} {} {}",
                        t("printer", "printer"),
                        p.row.name,
                        t("tidak menyelesaikan", "did not finish"),
                        row.job_name,
                        t(
                            "tepat waktu; percobaan tetap terbuka",
                            "in time; the attempt stays open"
                        )
                    ),
                );
                p.in_flight = None;
                p.blocked = Some("job timed out".into());
                summary.still_pending += 1;
            }
        }
        // 4. Done, wait, or poll again.
        let in_flight = live.iter().any(|p| p.in_flight.is_some());
        if in_flight {
            std::thread::sleep(poll);
            continue;
        }
        let limit_reached = args.max_cards.is_some_and(|m| summary.started >= m);
        let stop = if limit_reached {
            Some("max_cards")
        } else if queue_empty {
            Some("queue_empty")
        } else if live.iter().all(|p| p.blocked.as_deref() == Some(NO_BLANKS)) {
            Some("no_blanks")
        } else {
            None
        };
        if let Some(why) = stop {
            summary.stopped_because = why.into();
            break;
        }
        let day = schedule::office_day(at);
        let rows = store.printers(&day)?;
        let unblocked: Vec<_> = rows
            .iter()
            .filter(|r| live.iter().any(|p| p.row.id == r.id && p.blocked.is_none()))
            .collect();
        let any_ready = unblocked
            .iter()
            .any(|r| schedule::readiness(&r.profile, &r.run, at) == Readiness::Ready);
        if any_ready {
            continue;
        }
        let wake = schedule::next_wake(unblocked.iter().map(|r| (&r.profile, &r.run)), at);
        match wake {
            Some(until) if !args.no_wait => {
                let secs = (until - at).as_seconds_f64().clamp(0.05, 3600.0);
                tracing::info!(secs, "waiting for a printer to cool down");
                std::thread::sleep(Duration::from_secs_f64(secs.min(5.0)));
            }
            _ => {
                let blocked = live.iter().any(|p| p.blocked.is_some());
                summary.stopped_because = if wake.is_some() {
                    "cooling".into()
                } else if blocked {
                    "printers_blocked".into()
                } else {
                    "capacity_or_hours".into()
                };
                break;
            }
        }
    }
    summary.still_pending = store
        .attempts(&[AttemptState::Intent, AttemptState::Sent], 10_000)?
        .len() as u32;
    summary.inspection_queue = store.attempts(&[AttemptState::Inspect], 10_000)?.len() as u32;
    summary.queue = store.print_queue_len()?;
    Ok(summary)
}

/// Ask the printer about an attempt in flight: by id, checked against the uuid (ids restart
/// with the printer), else in the job list.
fn follow(port: &dyn Port, a: &AttemptRow) -> Result<AttemptEvent, PortError> {
    let mut event = ask(port, a)?;
    // A failed job's own reasons rarely say why; the printer's (media-jam, cover-open) do.
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

fn ask(port: &dyn Port, a: &AttemptRow) -> Result<AttemptEvent, PortError> {
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
    Ok(spool::find_in_printer(
        &PendingAttempt {
            state: a.state,
            job_name: a.job_name.clone(),
            job_uuid: a.job_uuid.clone(),
        },
        &jobs,
    ))
}

enum SendOutcome {
    Sent,
    Refused(ClaimRefusal),
}

/// Claim, write the intent, render, send, record the answer. The intent is durable before the
/// printer hears anything; the printer's answer is durable before the next card.
fn send_one(
    store: &mut Store,
    p: &mut Live,
    actor: &Actor,
    at: OffsetDateTime,
    summary: &mut RunSummary,
    talk: bool,
) -> anyhow::Result<SendOutcome> {
    // Load no more than the printer can use today, so the other printers get blanks too.
    let load = i64::from(
        p.row
            .profile
            .cards_per_day
            .saturating_sub(p.row.run.printed_today),
    );
    // The printer's duty cycle once it has taken this card, saved with the intent.
    let run = schedule::after_card(&p.row.profile, &p.row.run, at);
    let claim = match store.print_claim(p.row.id, load, &run, actor, at)? {
        Ok(c) => c,
        Err(r) => return Ok(SendOutcome::Refused(r)),
    };
    if let Some((first, last)) = claim.loaded {
        let msg = format!(
            "{} {first}-{last} {} {}",
            t("Muat blangko", "Load blanks"),
            t("ke printer", "into printer"),
            p.row.name
        );
        if talk {
            eprintln!("{msg}");
        }
        summary.notices.push(msg);
    }
    summary.started += 1;
    let fields = store.record_fields(&claim.recording_id)?;
    let png = super::card::render_png_for(&fields, claim.serial, at)?;
    let event = match p.port.submit(&claim.job_name, png) {
        Ok((job_id, Some(job_uuid))) => AttemptEvent::Accepted { job_id, job_uuid },
        // Accepted but no uuid: find it in the job list by name before following it.
        Ok((_, None)) => AttemptEvent::Uncertain {
            why: "the printer gave no job-uuid".into(),
        },
        Err(PortError::NotDelivered(why)) => AttemptEvent::NotDelivered { why },
        Err(PortError::MayExist(why)) => AttemptEvent::Uncertain { why },
    };
    let d = store.attempt_apply(claim.attempt_id, &event, actor, at)?;
    p.row.run = run;
    match d.map(|d| d.to) {
        // The printer refused or never got it: no more cards to it in this run.
        Some(AttemptState::NotSent) => {
            summary.not_sent += 1;
            p.blocked = Some("refused the job".into());
        }
        _ => p.in_flight = Some((claim.attempt_id, Instant::now())),
    }
    Ok(SendOutcome::Sent)
}
