//! `cetak status NIK`: where a resident's card is.

use std::process::ExitCode;

use anyhow::Context as _;
use cetak_domain::Nik;
use cetak_domain::lifecycle::RecordState;

use super::{Context, open_store, print_json, table};
use crate::text::t;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The resident's 16-digit NIK.
    nik: String,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let nik = Nik::parse(args.nik.trim())
        .with_context(|| format!("{} {:?}", t("NIK tidak sah:", "not a valid NIK:"), args.nik))?;
    let store = open_store(&ctx.db)?;
    let records = store.records_by_nik(nik.as_str())?;
    // The recording that decides the resident's card: not a duplicate, not cancelled, newest.
    let current = records
        .iter()
        .find(|r| !matches!(r.state, RecordState::Duplicate | RecordState::Cancelled))
        .or_else(|| records.first());
    if ctx.json {
        print_json(&serde_json::json!({
            "nik": nik.as_str(),
            "found": !records.is_empty(),
            "state": current.map(|r| r.state),
            "message": current.map(|r| t(r.state.describe().0, r.state.describe().1)),
            "recordings": records,
        }))?;
        return Ok(if records.is_empty() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let Some(current) = current else {
        outln!(
            "{} {}",
            t("Tidak ada data perekaman untuk NIK", "No recording for NIK"),
            nik
        )?;
        return Ok(ExitCode::from(1));
    };
    let (id, en) = current.state.describe();
    outln!("NIK {nik}: {}", t(id, en))?;
    let mut tb = table(&[
        t("perekaman", "recording"),
        t("nama", "name"),
        t("kecamatan", "kecamatan"),
        t("direkam", "recorded"),
        t("status", "state"),
        t("data ganda dari", "duplicate of"),
    ]);
    for r in &records {
        tb.add_row(vec![
            r.recording_id.clone(),
            r.nama.clone(),
            r.kecamatan.clone(),
            r.recorded_at.clone(),
            super::state_word(r.state).to_string(),
            r.duplicate_of.clone().unwrap_or_default(),
        ]);
    }
    outln!("{tb}")?;
    Ok(ExitCode::SUCCESS)
}
