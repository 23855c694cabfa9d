//! `cetak stock …` (blank cards, blangko), `cetak handover`, `cetak report monthly`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use cetak_card::{ReportDoc, ReportSection};
use cetak_domain::lifecycle::Actor;
use cetak_print::stock::{BlankEvent, SerialRange, SpoilCause};
use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;

use super::{Context, open_store, print_json, table};
use crate::text::{t, tr};

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Receive a batch of blank cards (serials FIRST..=LAST).
    Receive {
        /// First serial of the batch.
        #[arg(long)]
        first: i64,
        /// Last serial of the batch.
        #[arg(long)]
        last: i64,
        /// Delivery reference (letter number, shipment).
        #[arg(long = "ref")]
        reference: String,
        /// Date on the delivery note, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
    },
    /// Prove received = issued + spoiled + on hand + missing, naming any serial that breaks it.
    Reconcile,
    /// Batches received.
    List,
    /// A blank was not found at a count.
    Missing {
        /// Serial.
        serial: i64,
        /// Where it should have been, who looked.
        #[arg(long)]
        reason: String,
    },
    /// A missing blank turned up.
    Found {
        /// Serial.
        serial: i64,
        /// Where.
        #[arg(long)]
        reason: String,
    },
    /// An unused blank was damaged (in storage or while loading): spoiled with a cause.
    Spoil {
        /// Serial.
        serial: i64,
        /// melted, misprint, jam, chip_failure, other.
        #[arg(long)]
        cause: String,
        /// What happened.
        #[arg(long, default_value = "damaged before printing")]
        reason: String,
    },
}

pub fn run_stock(ctx: &Context, cmd: StockCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    let actor = Actor(ctx.actor.clone());
    let now = super::office_now(&store)?;
    match cmd {
        StockCommand::Receive {
            first,
            last,
            reference,
            date,
        } => {
            let date = match date {
                Some(d) => {
                    time::Date::parse(
                        &d,
                        time::macros::format_description!("[year]-[month]-[day]"),
                    )
                    .with_context(|| {
                        format!(
                            "{} {d:?}",
                            crate::text::t(
                                "--date harus berbentuk TTTT-BB-HH, bukan",
                                "--date must be YYYY-MM-DD, got"
                            )
                        )
                    })?;
                    d
                }
                None => now
                    .to_offset(cetak_print::schedule::OFFICE_OFFSET)
                    .date()
                    .to_string(),
            };
            let id =
                store.stock_receive(SerialRange { first, last }, &date, &reference, &actor, now)?;
            if ctx.json {
                print_json(
                    &json!({ "receipt": id, "first": first, "last": last, "count": last - first + 1 }),
                )?;
            } else {
                outln!(
                    "{} {first}-{last} ({} {})",
                    t("Blangko diterima:", "Blanks received:"),
                    last - first + 1,
                    t("lembar", "cards")
                )?;
            }
        }
        StockCommand::Reconcile => {
            let r = store.stock_reconcile()?;
            if ctx.json {
                print_json(&serde_json::to_value(&r)?)?;
            } else {
                outln!(
                    "{}: {}  =  {}: {} + {}: {} + {}: {} ({} {}) + {}: {}",
                    t("Diterima", "Received"),
                    r.received,
                    t("menjadi KTP-el", "issued"),
                    r.issued,
                    t("rusak", "spoiled"),
                    r.spoiled,
                    t("tersedia", "on hand"),
                    r.on_hand,
                    r.awaiting_outcome,
                    t("menunggu hasil", "awaiting outcome"),
                    t("hilang", "missing"),
                    r.missing
                )?;
                for p in &r.problems {
                    outln!(
                        "  {} {}: {}",
                        t("blangko", "blank"),
                        p.serial,
                        tr(cetak_words::reason(&p.problem))
                    )?;
                }
                outln!(
                    "{}",
                    if r.balanced {
                        t("SEIMBANG", "BALANCED")
                    } else {
                        t("TIDAK SEIMBANG", "NOT BALANCED")
                    }
                )?;
            }
            return Ok(if r.balanced {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        StockCommand::List => {
            let receipts = store.stock_receipts()?;
            if ctx.json {
                print_json(&json!({ "receipts": receipts }))?;
            } else {
                let mut tbl = table(&[
                    t("Dari", "First"),
                    t("Sampai", "Last"),
                    t("Tanggal", "Date"),
                    t("Referensi", "Reference"),
                ]);
                for r in receipts {
                    tbl.add_row(vec![
                        r.first.to_string(),
                        r.last.to_string(),
                        r.received_on,
                        r.reference,
                    ]);
                }
                outln!("{tbl}")?;
            }
        }
        StockCommand::Missing { serial, reason } => {
            let s =
                store.stock_blank_event(serial, BlankEvent::MarkMissing, &actor, now, &reason)?;
            outln!("{} {serial}: {}", t("Blangko", "Blank"), blank_word(s))?;
        }
        StockCommand::Found { serial, reason } => {
            let s = store.stock_blank_event(serial, BlankEvent::Found, &actor, now, &reason)?;
            outln!("{} {serial}: {}", t("Blangko", "Blank"), blank_word(s))?;
        }
        StockCommand::Spoil {
            serial,
            cause,
            reason,
        } => {
            let cause = SpoilCause::parse(&cause).with_context(|| {
                format!(
                    "{} {cause:?}: melted, misprint, jam, chip_failure, other",
                    t("penyebab tidak dikenal", "unknown cause")
                )
            })?;
            let s =
                store.stock_blank_event(serial, BlankEvent::Spoil(cause), &actor, now, &reason)?;
            outln!("{} {serial}: {}", t("Blangko", "Blank"), blank_word(s))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A blank's state as the office says it (the shared catalogue's words).
fn blank_word(s: cetak_print::stock::BlankState) -> &'static str {
    let (id, en) = cetak_words::blank_state(s.as_str());
    t(id, en)
}

#[derive(Debug, ClapArgs)]
pub struct HandoverArgs {
    /// The resident's NIK.
    nik: String,
    /// Who received the card (the resident, or their representative).
    #[arg(long)]
    to: Option<String>,
    /// How identity was checked (e.g. "KK 1671…", "surat kuasa").
    #[arg(long, default_value = "resident present, identity checked by operator")]
    id_check: String,
}

pub fn run_handover(ctx: &Context, args: HandoverArgs) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    let to = args.to.unwrap_or_else(|| "resident in person".into());
    let now = super::office_now(&store)?;
    let (recording_id, serial) = store.handover(
        &args.nik,
        &to,
        &args.id_check,
        &Actor(ctx.actor.clone()),
        now,
    )?;
    if ctx.json {
        print_json(
            &json!({ "nik": args.nik, "recording_id": recording_id, "serial": serial, "handed_to": to }),
        )?;
    } else {
        outln!(
            "{} {} ({} {serial}) {} {to}",
            t("KTP-el", "Card for"),
            args.nik,
            t("blangko", "blank"),
            t("diserahkan kepada", "handed to")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The monthly blank-usage report (counts by cause, serial lists), as CSV and PDF.
    Monthly {
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Folder to write blangko-YYYY-MM.csv and .pdf into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

pub fn run_report(ctx: &Context, cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    let store = open_store(&ctx.db)?;
    let ReportCommand::Monthly { month, out } = cmd;
    let (r, csv_path, pdf_path) = write_monthly(&store, &month, &out)?;
    if ctx.json {
        print_json(&json!({ "csv": csv_path, "pdf": pdf_path, "report": r }))?;
    } else {
        outln!(
            "{} {} {}",
            csv_path.display(),
            t("dan", "and"),
            pdf_path.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Write `blangko-MONTH.csv` and `.pdf` into `out`.
pub fn write_monthly(
    store: &cetak_store::Store,
    month: &str,
    out: &std::path::Path,
) -> anyhow::Result<(cetak_store::MonthlyReport, PathBuf, PathBuf)> {
    let r = store.monthly_report(month)?;
    std::fs::create_dir_all(out).with_context(|| {
        format!(
            "{} {}",
            crate::text::t("membuat", "creating"),
            out.display()
        )
    })?;
    let csv_path = out.join(format!("blangko-{month}.csv"));
    let pdf_path = out.join(format!("blangko-{month}.pdf"));
    // One table for the file, the PDF and the page's download (cetak-store).
    let rows = r.rows();
    let rec = &r.reconciliation;
    // Whole files or none: a refused or killed run leaves last month's report as it was.
    super::write_atomic(&csv_path, r.csv().as_bytes())?;
    let doc = ReportDoc {
        title: format!("Laporan Penggunaan Blangko KTP-el — {month}"),
        subtitle: Some(format!(
            "Disdukcapil Kota Palembang · {}: {}",
            t("rekonsiliasi", "reconciliation"),
            if rec.balanced {
                "SEIMBANG / BALANCED"
            } else {
                "TIDAK SEIMBANG / NOT BALANCED"
            }
        )),
        sections: vec![
            ReportSection {
                heading: "Ringkasan / Summary".into(),
                lines: vec![format!(
                    "Total: diterima {} = menjadi KTP-el {} + rusak {} + tersedia {} + hilang {}",
                    rec.received, rec.issued, rec.spoiled, rec.on_hand, rec.missing
                )],
                table: Some(
                    rows.iter()
                        .map(|r| vec![r[0].clone(), r[1].clone(), r[2].clone()])
                        .collect(),
                ),
            },
            ReportSection {
                heading: "Nomor seri / Serial numbers".into(),
                lines: rows
                    .iter()
                    .skip(1)
                    .filter(|r| !r[3].is_empty())
                    .map(|r| format!("{} {}: {}", r[0], r[1], r[3]))
                    .collect(),
                table: None,
            },
            ReportSection {
                heading: "Masalah / Problems".into(),
                lines: if rec.problems.is_empty() {
                    vec!["-".into()]
                } else {
                    rec.problems
                        .iter()
                        .map(|p| match cetak_words::reason(&p.problem) {
                            (id, en) if id != en => format!("{}: {id} / {en}", p.serial),
                            (_, en) => format!("{}: {en}", p.serial),
                        })
                        .collect()
                },
                table: None,
            },
        ],
    };
    let pdf = cetak_card::report_pdf(&doc)?;
    super::write_atomic(&pdf_path, &pdf)?;
    Ok((r, csv_path, pdf_path))
}
