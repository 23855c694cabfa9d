//! `cetak quarantine list`: rows that could not be imported.

use std::process::ExitCode;

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
}

pub fn run(ctx: &Context, cmd: Command) -> anyhow::Result<ExitCode> {
    let Command::List {
        reason,
        limit,
        offset,
    } = cmd;
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
