//! `cetak quarantine list|readmit`: rows that could not be read as a recording.

use std::process::ExitCode;

use cetak_domain::lifecycle::Actor;
use cetak_domain::record::{COLUMNS, Checked};
use cetak_ingest::{Format, Item, rows};

use super::{Context, open_store, print_json, table};
use crate::text::t;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List quarantined rows with reason code, message and the original bytes.
    List {
        /// Only rows with this reason code (e.g. nik_length, invalid_utf8).
        #[arg(long)]
        reason: Option<String>,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Skip this many rows first.
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Move rows quarantined by an older cetak that are readable under import contract 1.1
    /// into the registry (each with its problems; audited; the quarantine keeps its rows).
    /// Run once after upgrading.
    Readmit {
        /// Leave a row in quarantine when it has more problems than this: its file most likely
        /// had another column order, which the quarantine did not keep.
        #[arg(long, default_value_t = 4)]
        max_problems: usize,
    },
}

/// A stored row read again as a recording: NDJSON when it is a JSON object, else a CSV row in
/// the contract's column order (the quarantine keeps the row, not its file's header).
pub fn read_stored_row(raw: &[u8]) -> Option<Checked> {
    let ndjson = raw.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let (bytes, format) = if ndjson {
        (raw.to_vec(), Format::Ndjson)
    } else {
        let mut b = COLUMNS.join(",").into_bytes();
        b.push(b'\n');
        b.extend_from_slice(raw);
        b.push(b'\n');
        (b, Format::Csv)
    };
    let mut items = rows(std::io::Cursor::new(bytes), format).ok()?;
    let first = items.next()?.ok()?;
    // One stored row is one row: anything more is not this row.
    if items.next().is_some() {
        return None;
    }
    match first {
        Item::Valid { record, .. } => Some(Checked::Valid(record)),
        Item::NeedsCorrection { draft, .. } => Some(Checked::NeedsCorrection(draft)),
        Item::Rejected { .. } => None,
    }
}

pub fn run(ctx: &Context, cmd: Command) -> anyhow::Result<ExitCode> {
    let (reason, limit, offset) = match cmd {
        Command::List {
            reason,
            limit,
            offset,
        } => (reason, limit, offset),
        Command::Readmit { max_problems } => {
            let mut store = open_store(&ctx.db)?;
            let at = super::office_now(&store)?;
            let report = store.readmit_quarantine(
                read_stored_row,
                max_problems,
                &Actor(ctx.actor.clone()),
                at,
            )?;
            if ctx.json {
                print_json(&serde_json::to_value(&report)?)?;
            } else {
                outln!(
                    "{}: {}. {}: {} ({} {}). {}: {}.",
                    t("Diperiksa", "Examined"),
                    report.examined,
                    t("Pindah ke register", "Moved into the registry"),
                    report.moved,
                    report.held_for_correction,
                    t("perlu perbaikan", "needing correction"),
                    t("Tetap di karantina", "Left in quarantine"),
                    report.left
                )?;
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    let store = open_store(&ctx.db)?;
    let rows = store.quarantine_list(reason.as_deref(), limit, offset)?;
    if ctx.json {
        let counts: serde_json::Map<String, serde_json::Value> = store
            .quarantine_counts()?
            .into_iter()
            .map(|(k, v)| (k, v.into()))
            .collect();
        print_json(&serde_json::json!({ "counts": counts, "rows": rows }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut tb = table(&[
        "id",
        t("berkas:baris", "file:line"),
        t("alasan", "reason"),
        t("kolom", "field"),
        t("keterangan", "message"),
        t("isi asli", "original"),
    ]);
    for r in &rows {
        let mut raw: String = r
            .raw
            .chars()
            .take(60)
            .map(|c| if c.is_control() { '·' } else { c })
            .collect();
        if r.raw_len as usize > raw.len() {
            raw.push('…');
        }
        tb.add_row(vec![
            r.id.to_string(),
            format!("{}:{}", r.source, r.line),
            r.reason_code.clone(),
            r.field.clone().unwrap_or_default(),
            // The stored detail is English; in Indonesian, what the reason code means.
            if crate::text::english() {
                r.message.clone()
            } else {
                super::reason_word(&r.reason_code)
                    .map(str::to_string)
                    .unwrap_or_else(|| r.message.clone())
            },
            raw,
        ]);
    }
    outln!("{tb}")?;
    for (code, n) in store.quarantine_counts()? {
        match super::reason_word(&code) {
            Some(words) => outln!("  {code} ({words}): {n}")?,
            None => outln!("  {code}: {n}")?,
        }
    }
    Ok(ExitCode::SUCCESS)
}
