//! `cetak printer …`, `cetak print …`: the office's printers and the spool that drives them.

use std::process::ExitCode;
use std::time::Duration;

use super::{Context, open_store, print_json, table};
use crate::text::{t, tr};
use anyhow::{Context as _, bail};
use cetak_domain::lifecycle::Actor;
use cetak_office::OfficeError;
use cetak_office::inspect::InspectRefusal;
use cetak_office::port::{self, PortStatus};
pub use cetak_office::print_run::Load;
use cetak_office::print_run::{RunArgs as OfficeRunArgs, RunNotice, RunReport};
use cetak_print::clock::ClockWarning;
use cetak_print::schedule::{self, PrinterProfile, Readiness};
use cetak_print::spool::{AttemptEvent, AttemptState};
use cetak_print::stock::SpoilCause;
use cetak_store::{AttemptRow, Change, PrinterRow, SpoilOutcome, Store, StoreError};
use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;
use time::OffsetDateTime;

#[derive(Debug, Subcommand)]
pub enum PrinterCommand {
    /// Add a card printer: its IPP URI (or dir:/path for a demo printer) and its profile.
    Add {
        /// Name the office gives it (e.g. P1).
        name: String,
        /// ipp://host:port/ipp/print, ipps://…#sha256=FINGERPRINT (TLS to that certificate), or
        /// dir:/path/to/folder.
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
        /// The printer's chip encoder: pcsc:READER (a PC/SC reader's name), or none.
        #[arg(long, value_name = "ENCODER")]
        encoder: Option<String>,
    },
    /// Change a printer's address or profile (only what is given changes).
    Set {
        /// Printer name.
        name: String,
        /// New ipp://host:port/ipp/print, ipps://…#sha256=FINGERPRINT or dir:/path.
        #[arg(long)]
        uri: Option<String>,
        /// Rated cards per day.
        #[arg(long)]
        cards_per_day: Option<u32>,
        /// Cards in a row before a cool-down (0: no bursts).
        #[arg(long)]
        burst: Option<u32>,
        /// Minutes of cool-down after a burst.
        #[arg(long)]
        cooldown_min: Option<f64>,
        /// Working hours, office time (WIB), e.g. 08:00-16:00, or "-" for none.
        #[arg(long)]
        hours: Option<String>,
        /// The printer's chip encoder: pcsc:READER (a PC/SC reader's name), or none.
        #[arg(long, value_name = "ENCODER")]
        encoder: Option<String>,
    },
    /// Take a printer out of service; its unused blanks go back to the safe.
    Remove {
        /// Printer name.
        name: String,
        /// Why.
        #[arg(long, default_value = "removed by operator")]
        reason: String,
    },
    /// The operator empties a printer's hopper into the safe (e.g. instead of waiting for an
    /// inspection); the next card says which blanks to load.
    Reseat {
        /// Printer name.
        name: String,
        /// Why.
        #[arg(long, default_value = "hopper emptied into the safe by operator")]
        reason: String,
    },
    /// The printers, their profile, today's count and what each says now.
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
    /// is empty. First reconciles attempts left open by a crash. Exit 0: a card was sent or
    /// nothing waits; 3: cards wait but none could be sent.
    Run(RunArgs),
    /// Printers (asked now), their hoppers, the queue and what needs inspection.
    Status,
    /// Record what a person found for an attempt the printer could not confirm. The printer
    /// is asked first: a job it still holds cannot be inspected.
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
        /// The printer cannot be asked (off, broken): say what you checked by hand, e.g.
        /// "printer off, job gone from its panel, blank 1000042 clean on top of the hopper".
        #[arg(long, value_name = "WHAT_YOU_CHECKED")]
        physically_checked: Option<String>,
    },
    /// A printed card turned out spoiled (melted, misprint, chip failure…): reprint it on a
    /// new blank and tell the printer's duty cycle. For a card revoked by a replacement that
    /// came back to the office: record its return (the resident's new card is not touched).
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

#[derive(Debug, Clone, ClapArgs)]
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
    /// Seconds between two lookups that must both miss a job (with the printer idle) before
    /// it goes to inspection: a restarted printer may still feed the card.
    #[arg(long, default_value_t = 10.0)]
    pub gone_confirm_s: f64,
    /// Do not wait for cool-downs: stop when no printer can take a card now.
    #[arg(long)]
    pub no_wait: bool,
    // The document-signer token and the trusted CA, for printers with a chip encoder.
    #[command(flatten)]
    pub chip: ChipTokenArgs,
    /// Seconds to wait for a blank in a printer's chip encoder.
    #[arg(long, default_value_t = 5.0)]
    pub chip_card_wait_s: f64,
}

/// Where the document-signer key is and whom a chip must chain to: the flags of `cetak print
/// run` and `cetak serve` (its "Start printing" and the counter's chip check).
#[derive(Debug, Clone, ClapArgs)]
pub struct ChipTokenArgs {
    /// The label of the token with the document-signer key, for printers with a chip encoder.
    #[arg(long, env = "CETAK_CHIP_TOKEN")]
    pub chip_token: Option<String>,
    /// A file whose first line is the document-signer token's user PIN.
    #[arg(long, value_name = "FILE", env = "CETAK_CHIP_PIN_FILE")]
    pub chip_pin_file: Option<std::path::PathBuf>,
    /// The PKCS#11 module of the document-signer token.
    #[arg(
        long,
        value_name = "FILE",
        env = "CETAK_PKCS11_MODULE",
        default_value = "/usr/lib/softhsm/libsofthsm2.so"
    )]
    pub chip_module: std::path::PathBuf,
    /// The signing CA's certificate a chip must chain to (may be given more than once).
    #[arg(long, value_name = "FILE")]
    pub chip_trust: Vec<std::path::PathBuf>,
}

impl Default for ChipTokenArgs {
    fn default() -> ChipTokenArgs {
        ChipTokenArgs {
            chip_token: None,
            chip_pin_file: None,
            chip_module: "/usr/lib/softhsm/libsofthsm2.so".into(),
            chip_trust: Vec::new(),
        }
    }
}

impl ChipTokenArgs {
    /// The office library's chip setup (`None` without a token), waiting up to `card_wait`
    /// for a blank in an encoder.
    pub fn setup(
        &self,
        card_wait: Duration,
    ) -> anyhow::Result<Option<cetak_office::chip::ChipSetup>> {
        Ok(match (&self.chip_token, &self.chip_pin_file) {
            // Without a trusted CA every read-back would fail and spoil its blank.
            (Some(_), Some(_)) if self.chip_trust.is_empty() => bail!(t(
                "berikan --chip-trust bersama --chip-token: setiap chip yang ditulis diperiksa terhadap CA itu",
                "give --chip-trust with --chip-token: every chip written is checked against that CA"
            )),
            (Some(token), Some(pin_file)) => Some(cetak_office::chip::ChipSetup {
                module: self.chip_module.clone(),
                token: token.clone(),
                pin_file: pin_file.clone(),
                trust: self.chip_trust.clone(),
                card_wait,
                timeout: Duration::from_secs(20),
            }),
            (None, None) => None,
            _ => bail!(t(
                "berikan --chip-token dan --chip-pin-file bersama-sama",
                "give --chip-token and --chip-pin-file together"
            )),
        })
    }
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
            chip: ChipTokenArgs::default(),
            chip_card_wait_s: 5.0,
        }
    }
}

/// `pcsc:READER` or `none` (stored as no encoder).
fn encoder_setting(e: &str) -> anyhow::Result<Option<&str>> {
    let e = e.trim();
    if e == "none" {
        return Ok(None);
    }
    if cetak_store::encoder_reader(e).is_none() {
        bail!(
            "{} {e:?}",
            t(
                "penulis chip (--encoder) harus pcsc:NAMA-PEMBACA atau none, bukan",
                "the encoder must be pcsc:READER-NAME or none, not"
            )
        );
    }
    Ok(Some(e))
}

fn checked_uri(uri: &str) -> anyhow::Result<()> {
    port::check_uri(uri).map_err(|why| {
        // The why is cetak-ipp's English; in Indonesian the hint below says what to write.
        let why = if crate::text::english() {
            format!(": {why}")
        } else {
            String::new()
        };
        anyhow::anyhow!(
            "{} {uri:?}{why} ({})",
            t("alamat printer tidak dapat dipakai", "unusable printer address"),
            t(
                "pakai ipp://host:port/ipp/print, http://…, ipps://host:port/ipp/print#sha256=SIDIK_SERTIFIKAT atau dir:/folder",
                "use ipp://host:port/ipp/print, http://…, ipps://host:port/ipp/print#sha256=CERT_FINGERPRINT or dir:/folder"
            )
        )
    })
}

pub fn run_printer(ctx: &Context, cmd: PrinterCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    let actor = Actor(ctx.actor.clone());
    let now = super::office_now(&store)?;
    match cmd {
        PrinterCommand::Add {
            name,
            uri,
            cards_per_day,
            burst,
            cooldown_min,
            hours,
            encoder,
        } => {
            let hours = hours.as_deref().map(parse_hours).transpose()?;
            checked_uri(&uri)?;
            let encoder = encoder
                .as_deref()
                .map(encoder_setting)
                .transpose()?
                .flatten();
            let profile = PrinterProfile {
                cards_per_day,
                burst,
                cooldown_min,
                hours,
            };
            let id = store.printer_add(&name, &uri, &profile, &actor, now)?;
            if encoder.is_some() {
                store
                    .printer_set_encoder(&name, encoder, &actor, now)
                    .map_err(explain)?;
            }
            if ctx.json {
                print_json(
                    &json!({ "id": id, "name": name, "uri": uri, "profile": profile, "encoder": encoder }),
                )?;
            } else {
                outln!(
                    "{} {name} ({uri})",
                    t("Printer ditambahkan:", "Printer added:")
                )?;
            }
        }
        PrinterCommand::Set {
            name,
            uri,
            cards_per_day,
            burst,
            cooldown_min,
            hours,
            encoder,
        } => {
            if let Some(u) = &uri {
                checked_uri(u)?;
            }
            let encoder = encoder.as_deref().map(encoder_setting).transpose()?;
            let current = store
                .printers(&schedule::office_day(now))?
                .into_iter()
                .find(|p| p.name == name)
                .with_context(|| {
                    format!(
                        "{} {name:?}",
                        t("tidak ada printer bernama", "no printer named")
                    )
                })?;
            let mut profile = current.profile.clone();
            if let Some(n) = cards_per_day {
                profile.cards_per_day = n;
            }
            if let Some(b) = burst {
                profile.burst = (b > 0).then_some(b);
            }
            if let Some(c) = cooldown_min {
                profile.cooldown_min = c;
            }
            if let Some(h) = hours {
                profile.hours = if h.trim() == "-" {
                    None
                } else {
                    Some(parse_hours(&h)?)
                };
            }
            store
                .printer_set(&name, uri.as_deref(), &profile, &actor, now)
                .map_err(explain)?;
            if let Some(e) = encoder {
                store
                    .printer_set_encoder(&name, e, &actor, now)
                    .map_err(explain)?;
            }
            if ctx.json {
                print_json(
                    &json!({ "name": name, "uri": uri.unwrap_or(current.uri), "profile": profile }),
                )?;
            } else {
                outln!("{} {name}", t("Printer diubah:", "Printer changed:"))?;
            }
        }
        PrinterCommand::Remove { name, reason } => {
            let serials = store
                .printer_remove(&name, cetak_store::Change::new(&actor, now, &reason))
                .map_err(explain)?;
            if ctx.json {
                print_json(&json!({ "name": name, "blanks_to_safe": serials }))?;
            } else {
                outln!("{} {name}", t("Printer dihapus:", "Printer removed:"))?;
                if !serials.is_empty() {
                    outln!(
                        "{} {}",
                        t(
                            "Keluarkan blangko ini dari wadah blangkonya ke brankas:",
                            "Take these blanks out of its hopper into the safe:"
                        ),
                        cetak_print::stock::compact_ranges(&serials)
                    )?;
                }
            }
        }
        PrinterCommand::Reseat { name, reason } => {
            let serials = store
                .printer_reseat(&name, cetak_store::Change::new(&actor, now, &reason))
                .map_err(explain)?;
            if ctx.json {
                print_json(&json!({ "name": name, "blanks_to_safe": serials }))?;
            } else {
                outln!(
                    "{} {name}: {}",
                    t("Wadah blangko", "Hopper of"),
                    t(
                        "kosongkan SEMUA blangko di wadah blangko ke brankas (juga blangko bersih dari kartu yang menunggu pemeriksaan); kartu berikutnya memberi tahu blangko mana yang dimuat",
                        "take EVERY blank out of the hopper into the safe (also a clean blank of a card waiting for inspection); the next card says which blanks to load"
                    )
                )?;
                if !serials.is_empty() {
                    outln!(
                        "{} {}",
                        t(
                            "Menurut catatan, di wadah blangko ada:",
                            "The books had in the hopper:"
                        ),
                        cetak_print::stock::compact_ranges(&serials)
                    )?;
                }
            }
        }
        PrinterCommand::List => {
            let printers = store.printers(&schedule::office_day(now))?;
            let asked = ask_printers(&printers);
            if ctx.json {
                print_json(&json!({ "printers": printers_json(&store, &printers, &asked, now)? }))?;
            } else {
                print_printers(&printers, &asked, now)?;
            }
        }
        PrinterCommand::Pause { name, reason } => {
            store
                .printer_set_paused(&name, true, cetak_store::Change::new(&actor, now, &reason))
                .map_err(explain)?;
            outln!("{} {name}", t("Printer dijeda:", "Printer paused:"))?;
        }
        PrinterCommand::Resume { name, reason } => {
            store
                .printer_set_paused(&name, false, cetak_store::Change::new(&actor, now, &reason))
                .map_err(explain)?;
            outln!("{} {name}", t("Printer dilanjutkan:", "Printer resumed:"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Store refusals and illegal moves, in the office's words.
fn explain(e: StoreError) -> anyhow::Error {
    match &e {
        StoreError::Attempt(i) => anyhow::anyhow!(
            "{} {}. {}",
            t("Percobaan ini sudah", "This attempt is already"),
            attempt_state_text(i.from),
            t(
                "Langkah itu tidak dapat dilakukan; lihat `cetak print status`.",
                "That step cannot be taken; see `cetak print status`."
            )
        ),
        StoreError::Blank(b) => anyhow::anyhow!(
            "{} {} {} {}. {}",
            t("Blangko", "Blank"),
            b.serial,
            t("berstatus", "is"),
            {
                let (id, en) = cetak_words::blank_state(b.from.as_str());
                t(id, en)
            },
            t(
                "Langkah itu tidak dapat dilakukan; lihat `cetak stock reconcile`.",
                "That step cannot be taken; see `cetak stock reconcile`."
            )
        ),
        e if e.is_busy() => {
            anyhow::anyhow!(
                "{}",
                t(
                    "Basis data sedang dipakai proses lain (impor atau pencarian data ganda yang panjang); coba lagi sebentar lagi.",
                    "The database is busy with another process (a long import or dedup); try again shortly."
                )
            )
        }
        StoreError::Refused(m) | StoreError::Conflict(m) | StoreError::NotFound(m) => {
            anyhow::anyhow!("{}", crate::text::pick(m))
        }
        _ => anyhow::Error::new(e),
    }
}

pub fn attempt_state_text(s: AttemptState) -> &'static str {
    match s {
        AttemptState::Intent => t(
            "dicatat, belum pasti terkirim",
            "recorded, not yet confirmed sent",
        ),
        AttemptState::Sent => t("dikirim ke printer", "sent to the printer"),
        AttemptState::Completed => t("selesai dicetak", "printed"),
        AttemptState::Inspect => t("perlu diperiksa", "needs inspection"),
        AttemptState::Good => t("diperiksa: baik", "inspected: good"),
        AttemptState::Spoiled => t("rusak", "spoiled"),
        AttemptState::NotSent => t("tidak terkirim", "not sent"),
    }
}

fn parse_hours(s: &str) -> anyhow::Result<(time::Time, time::Time)> {
    let fmt = time::macros::format_description!("[hour]:[minute]");
    let (a, b) = s.split_once('-').with_context(|| {
        format!(
            "{} {s:?}",
            crate::text::t(
                "jam kerja harus seperti 08:00-16:00, bukan",
                "working hours must look like 08:00-16:00, got"
            )
        )
    })?;
    let a = time::Time::parse(a.trim(), fmt).with_context(|| {
        format!(
            "{} {a:?}",
            crate::text::t("jam mulai tidak sah", "bad start time")
        )
    })?;
    let b = time::Time::parse(b.trim(), fmt).with_context(|| {
        format!(
            "{} {b:?}",
            crate::text::t("jam selesai tidak sah", "bad end time")
        )
    })?;
    Ok((a, b))
}

/// Ask every printer how it is, with a short timeout (an unreachable printer is not "ready").
fn ask_printers(printers: &[PrinterRow]) -> Vec<Result<PortStatus, String>> {
    printers
        .iter()
        .map(|p| {
            port::open(&p.uri, Duration::from_secs(2))
                .map_err(|e| format!("{e:#}"))
                .and_then(|port| port.status().map_err(|e| e.to_string()))
        })
        .collect()
}

fn printers_json(
    store: &Store,
    printers: &[PrinterRow],
    asked: &[Result<PortStatus, String>],
    now: OffsetDateTime,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let leases = store.leases()?;
    let mut out = Vec::new();
    for (p, a) in printers.iter().zip(asked) {
        out.push(json!({
            "name": p.name, "uri": p.uri, "profile": p.profile,
            "printed_today": p.run.printed_today, "blanks_loaded": p.blanks_loaded,
            "hopper": store.hopper(p.id)?,
            "heat_strikes": p.run.heat_strikes,
            "readiness": schedule::readiness(&p.profile, &p.run, now),
            "reachable": a.is_ok(),
            "printer_says": match a {
                Ok(s) => json!({ "idle": s.idle, "blocking": s.blocking, "reasons": s.reasons }),
                Err(e) => json!({ "error": e }),
            },
            "held_by_inspection": p.held_by_inspection,
            "encoder": p.encoder,
            "run_by": leases.iter().find(|(id, _)| *id == p.id).map(|(_, h)| h),
        }));
    }
    Ok(out)
}

fn print_printers(
    printers: &[PrinterRow],
    asked: &[Result<PortStatus, String>],
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let mut tbl = table(&[
        t("Printer", "Printer"),
        "URI",
        t("Hari ini", "Today"),
        t("Kapasitas", "Capacity"),
        t("Blangko dimuat", "Blanks loaded"),
        t("Penulis chip", "Encoder"),
        t("Keadaan", "State"),
    ]);
    for (p, a) in printers.iter().zip(asked) {
        let state = match a {
            Err(e) => crate::text::tr(cetak_words::printer_fault(e)),
            Ok(s) if !s.blocking.is_empty() => {
                format!("{}: {}", t("terhenti", "blocked"), s.blocking.join(", "))
            }
            Ok(_) => match p.held_by_inspection {
                Some(a) => format!(
                    "{} {a}",
                    t(
                        "menunggu pemeriksaan percobaan",
                        "waiting for inspection of attempt"
                    )
                ),
                None => readiness_text(&schedule::readiness(&p.profile, &p.run, now)),
            },
        };
        tbl.add_row(vec![
            p.name.clone(),
            p.uri.clone(),
            p.run.printed_today.to_string(),
            p.profile.cards_per_day.to_string(),
            p.blanks_loaded.to_string(),
            p.encoder.clone().unwrap_or_else(|| "-".into()),
            state,
        ]);
    }
    outln!("{tbl}")?;
    Ok(())
}

fn readiness_text(r: &Readiness) -> String {
    use super::readiness_word as w;
    match r {
        Readiness::Ready => w("ready").into(),
        Readiness::Busy => w("busy").into(),
        Readiness::Paused => w("paused").into(),
        Readiness::Blocked { reason } => format!("{}: {reason}", w("blocked")),
        Readiness::CapacitySpent => w("capacity_spent").into(),
        Readiness::Cooling { until } => format!(
            "{} {} {}",
            w("cooling"),
            t("sampai", "until"),
            super::office_time_text(*until)
        ),
        Readiness::OutsideHours => w("outside_hours").into(),
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
            physically_checked,
        } => {
            let finding = match (good, spoiled, unused) {
                (true, None, false) => AttemptEvent::InspectedGood,
                (false, Some(c), false) => AttemptEvent::InspectedSpoiled(parse_cause(&c)?),
                (false, None, true) => AttemptEvent::InspectedUnused,
                _ => bail!(
                    "{}",
                    t(
                        "sebutkan tepat satu: --good, --spoiled PENYEBAB atau --unused",
                        "say exactly one of --good, --spoiled CAUSE, --unused"
                    )
                ),
            };
            let now = super::office_now(&store)?;
            let current = store.attempt(attempt)?.with_context(|| {
                format!(
                    "{} {attempt}",
                    t("tidak ada percobaan cetak", "no print attempt")
                )
            })?;
            let why = match physically_checked.as_deref().map(str::trim) {
                Some(what) if !what.is_empty() => format!("checked by hand: {what}"),
                Some(_) => bail!(
                    "{}",
                    t(
                        "--physically-checked perlu keterangan apa yang diperiksa",
                        "--physically-checked needs what you checked"
                    )
                ),
                None => {
                    printer_lets_go(&store, current.id, &finding)?;
                    "the printer no longer holds the job and is idle".into()
                }
            };
            let d = store
                .attempt_inspect(attempt, &finding, Change::new(&actor, now, &why))
                .map_err(explain)?;
            if ctx.json {
                print_json(&json!({ "attempt": attempt, "state": d.to, "note": d.note }))?;
            } else {
                outln!(
                    "{} {attempt}: {}",
                    t("Percobaan", "Attempt"),
                    attempt_state_text(d.to),
                )?;
            }
        }
        PrintCommand::Spoil { serial, cause } => {
            let cause = parse_cause(&cause)?;
            let now = super::office_now(&store)?;
            let outcome = store
                .print_spoil(serial, cause, &actor, now)
                .map_err(explain)?;
            match outcome {
                SpoilOutcome::Reprint(d) => {
                    if ctx.json {
                        print_json(
                            &json!({ "serial": serial, "state": d.to, "note": d.note, "reprint": true }),
                        )?;
                    } else {
                        outln!(
                            "{} {serial}: {}",
                            t("Blangko", "Blank"),
                            t(
                                "rusak; data masuk antrean cetak lagi. Potong sudut kartu dan simpan untuk laporan bulanan.",
                                "spoiled; the record is queued again. Cut the card's corner and keep it for the monthly return."
                            )
                        )?;
                        if d.printer_failure.is_some() {
                            outln!(
                                "{}",
                                t(
                                    "Printer ini didinginkan lebih lama; periksa suhu cetak (160–170 °C).",
                                    "This printer now cools down longer; check its print temperature (160-170 °C)."
                                )
                            )?;
                        }
                    }
                }
                SpoilOutcome::Returned { recording_id } => {
                    if ctx.json {
                        print_json(
                            &json!({ "serial": serial, "returned": true, "recording_id": recording_id, "reprint": false }),
                        )?;
                    } else {
                        outln!(
                            "{} {serial}: {}",
                            t("Blangko", "Blank"),
                            t(
                                "KTP-el lama yang dicabut dicatat sudah dikembalikan dan rusak; KTP-el pengganti tidak berubah. Potong sudutnya untuk laporan bulanan.",
                                "the revoked old card is recorded as returned and spoiled; the replacement is not touched. Cut its corner for the monthly return."
                            )
                        )?;
                    }
                }
            }
        }
        PrintCommand::Raise {
            recording_id,
            reason,
        } => {
            let now = super::office_now(&store)?;
            store
                .print_raise(
                    &recording_id,
                    cetak_store::Change::new(&actor, now, &reason),
                )
                .map_err(explain)?;
            outln!(
                "{} {recording_id}",
                t(
                    "Dinaikkan ke depan antrean:",
                    "Raised to the front of the queue:"
                )
            )?;
        }
        PrintCommand::Replace { nik, reason } => {
            let now = super::office_now(&store)?;
            let id = store
                .print_replace(&nik, cetak_store::Change::new(&actor, now, &reason))
                .map_err(explain)?;
            outln!(
                "{} {id}",
                t(
                    "KTP-el lama dicabut; penggantinya masuk antrean:",
                    "Old card revoked; replacement queued:"
                )
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Before a person's finding is recorded, the printer must have let go of the job.
fn printer_lets_go(store: &Store, attempt: i64, finding: &AttemptEvent) -> anyhow::Result<()> {
    match cetak_office::inspect::printer_lets_go(store, attempt, finding).map_err(office_error)? {
        Ok(()) => Ok(()),
        Err(refusal) => bail!("{}", inspect_refusal_text(&refusal)),
    }
}

/// Why a finding may not be recorded now, in the operator's words.
pub fn inspect_refusal_text(r: &InspectRefusal) -> String {
    let by_hand = t(
        "jika printer sudah diperiksa langsung, ulangi dengan --physically-checked \"apa yang dilihat\"",
        "if you checked the printer by hand, repeat with --physically-checked \"what you saw\"",
    );
    match r {
        InspectRefusal::PrinterRemoved { printer } => format!(
            "{} {printer}; {by_hand}",
            t(
                "printer percobaan ini sudah dihapus:",
                "this attempt's printer was removed:"
            )
        ),
        InspectRefusal::CannotAsk { printer, error } => format!(
            "{} {printer} ({error}); {by_hand}",
            t("printer tidak dapat ditanya:", "cannot ask the printer:")
        ),
        InspectRefusal::StillHolds { printer } => format!(
            "{} {printer} {}",
            t("printer", "printer"),
            t(
                "masih memegang tugas cetak ini: tunggu sampai selesai, atau batalkan di printer, lalu periksa lagi",
                "still holds this job: wait for it to finish, or cancel it at the printer, then inspect again"
            )
        ),
        InspectRefusal::SaysCompleted => t(
            "printer menyatakan kartu ini selesai dicetak: cari di baki keluaran, lalu --good atau --spoiled PENYEBAB",
            "the printer says it completed this card: look in the output tray, then --good or --spoiled CAUSE",
        )
        .to_string(),
        InspectRefusal::Busy { printer } => format!(
            "{} {printer} {}; {by_hand}",
            t("printer", "printer"),
            t(
                "sedang bekerja: blangko mungkin masih ditarik masuk — tunggu sampai printer berhenti",
                "is busy: the blank may still be fed — wait until it is idle"
            )
        ),
    }
}

/// An office use case's failure in the operator's words.
pub fn office_error(e: OfficeError) -> anyhow::Error {
    match e {
        OfficeError::Store(e) => explain(e),
        OfficeError::NoSuchAttempt(a) => {
            anyhow::anyhow!("{} {a}", t("tidak ada percobaan cetak", "no print attempt"))
        }
        OfficeError::NoPrinters => anyhow::anyhow!(
            "{}",
            t(
                "belum ada printer: tambahkan dengan `cetak printer add`",
                "no printers yet: add one with `cetak printer add`"
            )
        ),
        OfficeError::NoDrivablePrinter(notices) => anyhow::anyhow!(
            "{}: {}",
            t(
                "tidak ada printer yang dapat dijalankan oleh proses ini",
                "no printer this run can drive"
            ),
            notices
                .iter()
                .map(notice_text)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        OfficeError::Card(e) => {
            anyhow::Error::new(e).context(t("membuat gambar kartu", "rendering the card"))
        }
        e @ OfficeError::Driver(_) => anyhow::Error::new(e),
        OfficeError::ChipKeys(e) => anyhow::anyhow!(
            "{} ({}): {}",
            t(
                "kunci penanda tangan dokumen belum dapat menandatangani; tidak ada kartu yang dicetak",
                "the document-signer key cannot sign now; no card was printed"
            ),
            e.code(),
            crate::key_text(&e)
        ),
        e @ OfficeError::ChipTrust { .. } => anyhow::Error::new(e).context(t(
            "membaca sertifikat CA tepercaya",
            "reading the trusted CA certificate",
        )),
    }
}

fn parse_cause(s: &str) -> anyhow::Result<SpoilCause> {
    SpoilCause::parse(s).with_context(|| {
        format!(
            "{} {s:?}: {}",
            t("penyebab rusak tidak dikenal", "unknown spoil cause"),
            t(
                "pakai melted, misprint, jam, chip_failure atau other",
                "use melted, misprint, jam, chip_failure or other"
            )
        )
    })
}

fn print_status(ctx: &Context, store: &Store) -> anyhow::Result<()> {
    let now = super::now();
    let printers = store.printers(&schedule::office_day(now))?;
    let asked = ask_printers(&printers);
    let queue = store.print_queue_len()?;
    let next = store.print_queue(5)?;
    let inspect = store.attempts(&[AttemptState::Inspect], 1000)?;
    let pending = store.attempts(&[AttemptState::Intent, AttemptState::Sent], 1000)?;
    let stock = store.stock_reconcile()?;
    if ctx.json {
        print_json(&json!({
            "printers": printers_json(store, &printers, &asked, now)?,
            "queue": queue,
            "next": next.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            "pending": pending,
            "inspection": inspect,
            "blanks_unused": stock.unused,
        }))?;
        return Ok(());
    }
    print_printers(&printers, &asked, now)?;
    for p in &printers {
        let hopper = store.hopper(p.id)?;
        if !hopper.is_empty() {
            outln!(
                "{} {}: {} ({})",
                t("Wadah blangko", "Hopper of"),
                p.name,
                cetak_print::stock::compact_ranges(&hopper),
                t("nomor terkecil paling atas", "lowest serial on top")
            )?;
        }
    }
    outln!(
        "{}: {queue}   {}: {}",
        t("Antrean cetak", "Print queue"),
        t("blangko tersedia", "blanks available"),
        stock.unused
    )?;
    if !pending.is_empty() {
        outln!(
            "{}",
            t(
                "Menunggu jawaban printer:",
                "Waiting for the printer's answer:"
            )
        )?;
        print_attempts(&pending)?;
    }
    if inspect.is_empty() {
        outln!(
            "{}",
            t(
                "Tidak ada yang perlu diperiksa.",
                "Nothing needs inspection."
            )
        )?;
    } else {
        outln!(
            "{}",
            t(
                "Perlu diperiksa — lihat baki keluaran dan wadah blangko printernya, lalu: cetak print inspect ID --good | --spoiled PENYEBAB | --unused",
                "Needs inspection — look at the printer's output tray and hopper, then: cetak print inspect ID --good | --spoiled CAUSE | --unused"
            )
        )?;
        print_attempts(&inspect)?;
    }
    Ok(())
}

fn print_attempts(rows: &[AttemptRow]) -> anyhow::Result<()> {
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
            attempt_state_text(a.state).to_string(),
            a.note.clone(),
        ]);
    }
    outln!("{tbl}")?;
    Ok(())
}

pub use cetak_office::wall_now;

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
    /// Chips that failed before printing (blank spoiled with `chip_failure`, record requeued).
    pub chip_failures: u32,
    /// Attempts still waiting for the printer's answer at the end.
    pub still_pending: u32,
    /// Attempts in the inspection queue at the end (all runs).
    pub inspection_queue: u32,
    /// Records still waiting for a card.
    pub queue: i64,
    /// max_cards, queue_empty, no_blanks, capacity_or_hours, cooling, printers_blocked,
    /// awaiting_inspection, no_photo_for_chip.
    pub stopped_because: String,
    /// Blanks the operator was told to load, per printer, in order.
    pub loads: Vec<Load>,
    /// Printers this run did not drive (unusable address, driven by another run), with why.
    pub skipped_printers: Vec<String>,
    /// What the operator was told.
    pub notices: Vec<String>,
}

impl RunSummary {
    /// The report of `cetak_office::print_run::run` in the operator's words.
    pub fn from_report(r: RunReport) -> RunSummary {
        RunSummary {
            started: r.counts.started,
            completed: r.counts.completed,
            not_sent: r.counts.not_sent,
            to_inspect: r.counts.to_inspect,
            recovered: r.counts.recovered,
            chip_failures: r.counts.chip_failures,
            still_pending: r.still_pending,
            inspection_queue: r.inspection_queue,
            queue: r.queue,
            stopped_because: r
                .stopped_because
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            loads: r.loads,
            skipped_printers: r.skipped_printers,
            notices: r.notices.iter().map(notice_text).collect(),
        }
    }
}

impl RunArgs {
    /// The office library's options.
    pub fn office(&self) -> anyhow::Result<OfficeRunArgs> {
        let chip = self.chip.setup(Duration::from_secs_f64(
            self.chip_card_wait_s.clamp(0.0, 600.0),
        ))?;
        Ok(OfficeRunArgs {
            max_cards: self.max_cards,
            request_timeout_s: self.request_timeout_s,
            poll_ms: self.poll_ms,
            job_timeout_s: self.job_timeout_s,
            gone_confirm_s: self.gone_confirm_s,
            no_wait: self.no_wait,
            chip,
        })
    }
}

fn print_run(ctx: &Context, store: &mut Store, args: RunArgs) -> anyhow::Result<ExitCode> {
    let summary = spool_run(store, &args.office()?, !ctx.json)?;
    if ctx.json {
        print_json(&serde_json::to_value(&summary)?)?;
    } else {
        outln!(
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
            stop_text(&summary.stopped_because)
        )?;
        if summary.inspection_queue > 0 {
            outln!(
                "{} {}: cetak print status",
                t("Antrean pemeriksaan:", "Inspection queue:"),
                summary.inspection_queue
            )?;
        }
    }
    Ok(run_exit_code(&summary))
}

/// 0: a card was sent, or nothing waits for one; 3: cards wait but none could be sent (a
/// script can tell "printed" from "stuck" without parsing words).
pub fn run_exit_code(summary: &RunSummary) -> ExitCode {
    if summary.started > 0 || summary.recovered > 0 || summary.queue == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    }
}

fn stop_text(why: &str) -> String {
    let said = tr(cetak_words::stop_reason(why));
    // Where the operator looks next, on the command line.
    match why {
        "printers_blocked" => format!(
            "{said} ({})",
            t("lihat pesan di atas", "see the messages above")
        ),
        "awaiting_inspection" => format!("{said} (cetak print status)"),
        _ => said,
    }
}

/// Run the spool (`cetak_office::print_run`) and say its notices on stderr when `talk`.
pub fn spool_run(
    store: &mut Store,
    args: &OfficeRunArgs,
    talk: bool,
) -> anyhow::Result<RunSummary> {
    let mut say = |n: &RunNotice| {
        if talk {
            eprintln!("{}", notice_text(n));
        }
    };
    let report = cetak_office::print_run::run(store, args, &mut say).map_err(office_error)?;
    Ok(RunSummary::from_report(report))
}

/// A print run's notice in the operator's words.
pub fn notice_text(n: &RunNotice) -> String {
    let printer = t("printer", "printer");
    match n {
        RunNotice::Clock(w) => clock_warning_text(w),
        RunNotice::UnusableAddress {
            printer: name,
            error,
        } => format!(
            "{printer} {name}: {} ({error}); {} `cetak printer set {name} --uri URI`",
            t("alamat tidak dapat dipakai", "unusable address"),
            t("perbaiki dengan", "fix it with"),
        ),
        RunNotice::TakenOver {
            printer: name,
            pid,
            host,
        } => format!(
            "{printer} {name}: {} (pid {pid} @ {host})",
            t(
                "diambil alih dari proses cetak yang sudah berhenti",
                "taken over from a print run that is gone"
            ),
        ),
        RunNotice::DrivenElsewhere {
            printer: name,
            pid,
            host,
        } => format!(
            "{printer} {name}: {} (pid {pid} @ {host})",
            t(
                "sedang dijalankan oleh proses cetak lain",
                "driven by another print run"
            ),
        ),
        RunNotice::Load(l) => format!(
            "{} {}-{} {} {} ({})",
            t("Muat blangko", "Load blanks"),
            l.first,
            l.last,
            t("ke printer", "into printer"),
            l.printer,
            t(
                "nomor terkecil paling atas, berurutan",
                "lowest serial on top, in order"
            )
        ),
        RunNotice::PrinterBlocked { printer: name, why } => format!("{printer} {name}: {why}"),
        RunNotice::Unreachable {
            printer: name,
            error,
        } => format!(
            "{printer} {name}: {}",
            crate::text::tr(cetak_words::printer_fault(error))
        ),
        RunNotice::OutOfBlanks { printer: name } => format!(
            "{printer} {name}: {}",
            t(
                "blangko habis: terima stok baru dengan `cetak stock receive`",
                "out of blanks: receive stock with `cetak stock receive`",
            )
        ),
        RunNotice::InspectionHold {
            printer: name,
            attempt,
        } => inspection_hold_text(name, *attempt),
        RunNotice::LeaseLost { printer: name } => lease_lost_text(name),
        RunNotice::ToInspect {
            printer: name,
            job_name,
            attempt,
            note,
        } => format!(
            "{name} {job_name} ({} {attempt}): {} ({note})",
            t("percobaan", "attempt"),
            t(
                "printer tidak dapat memastikan kartu ini — periksa baki keluaran dan wadah blangko",
                "the printer cannot confirm this card — check the output tray and the hopper"
            ),
        ),
        RunNotice::JobTimedOut {
            printer: name,
            job_name,
        } => format!(
            "{printer} {name}: {} {job_name} {}",
            t("tidak menyelesaikan", "did not finish"),
            t(
                "tepat waktu; percobaan tetap terbuka",
                "in time; the attempt stays open"
            )
        ),
        RunNotice::Cooling { until } => format!(
            "{} {}",
            t(
                "Printer didinginkan; mencetak lagi pukul",
                "Printers cooling down; printing again at"
            ),
            super::office_time_text(*until)
        ),
        RunNotice::ChipFailed {
            printer: name,
            serial,
            why,
        } => format!(
            "{printer} {name}: {} {serial} {} ({})",
            t("chip blangko", "the chip of blank"),
            t(
                "gagal: blangko dicatat rusak (chip rusak), data kembali ke antrean; potong sudut kartu dan simpan untuk laporan bulanan",
                "failed: blank spoiled (chip_failure), the record is back in the queue; cut the card's corner and keep it"
            ),
            // What the books noted, in the catalogue's words.
            cetak_words::note(why).map_or_else(|| why.clone(), tr),
        ),
        RunNotice::EncoderUnavailable {
            printer: name,
            error,
        } => format!(
            "{printer} {name}: {} ({})",
            t(
                "penulis chip tidak dapat dipakai; printer ini tidak mendapat kartu lagi dalam proses ini",
                "the chip encoder cannot be used; this printer gets no more cards in this run"
            ),
            tr(cetak_words::noted_chip_fault(error)),
        ),
        RunNotice::ChipsKeepFailing { printer: name } => format!(
            "{printer} {name}: {}",
            t(
                "chip gagal berturut-turut; periksa penulis chip dan blangko — printer ini tidak mendapat kartu lagi dalam proses ini",
                "chips failed several times in a row; check the encoder and the blanks — this printer gets no more cards in this run"
            ),
        ),
        RunNotice::NoPhotoForChip { waiting } => format!(
            "{}: {waiting} {}",
            t(
                "Printer dengan penulis chip",
                "Printers with a chip encoder"
            ),
            t(
                "data di antrean tidak punya foto wajah yang sah untuk chip dan dilewati; data itu menunggu printer tanpa penulis chip (atau foto yang sah)",
                "records in the queue have no valid face photo for the chip and were passed over; they wait for a printer without a chip encoder (or a valid photo)"
            ),
        ),
    }
}

pub fn clock_warning_text(w: &ClockWarning) -> String {
    match w {
        ClockWarning::Behind {
            wall,
            last_recorded,
        } => format!(
            "{} ({}) {} ({}); {}",
            t("Jam komputer", "The computer clock"),
            super::office_time_text(*wall),
            t(
                "tertinggal dari waktu terakhir yang tercatat",
                "is behind the last recorded time"
            ),
            super::office_time_text(*last_recorded),
            t(
                "waktu tercatat yang dipakai — setel jam. Jika dulu jam terlalu maju dan kini sudah benar, penyelia menjalankan `cetak clock reset --reason ALASAN`",
                "using the recorded time — set the clock. If the clock ran ahead before and is right now, a supervisor runs `cetak clock reset --reason WHY`"
            )
        ),
        ClockWarning::Jumped { wall, believed } => format!(
            "{} {} {}; {} {}",
            t("Jam komputer melompat ke", "The computer clock jumped to"),
            super::office_time_text(*wall),
            t("selama proses", "during the run"),
            t("tetap memakai", "keeping"),
            super::office_time_text(*believed),
        ),
    }
}

fn lease_lost_text(printer: &str) -> String {
    format!(
        "{} {printer}: {}",
        t("printer", "printer"),
        t(
            "diambil alih oleh proses cetak lain",
            "taken over by another print run"
        )
    )
}

fn inspection_hold_text(printer: &str, attempt: i64) -> String {
    format!(
        "{} {printer}: {} {attempt} {}: `cetak print inspect {attempt} --good | --spoiled SEBAB | --unused`; {}: `cetak printer reseat {printer}`",
        t("printer", "printer"),
        t(
            "tidak diberi kartu baru sampai percobaan",
            "gets no new card until attempt"
        ),
        t(
            "diperiksa (blangkonya mungkin masih paling atas di wadah blangko). Periksa baki keluaran dan wadah blangko, lalu",
            "is inspected (its blank may still be on top of the hopper). Check the output tray and the hopper, then"
        ),
        t(
            "atau keluarkan semua blangko dari wadah blangko ke brankas",
            "or empty the hopper into the safe"
        )
    )
}
