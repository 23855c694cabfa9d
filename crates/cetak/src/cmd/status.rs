//! `cetak status NIK`: where a resident's card is; `cetak status`: the office's link to the
//! centre (state with ages, what waits on each side, what was parked and why, what to do).

use std::process::ExitCode;

use anyhow::Context as _;
use cetak_domain::Nik;
use cetak_domain::lifecycle::RecordState;

use super::{Context, open_store, print_json, table};
use crate::text::t;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The resident's 16-digit NIK (without it: the link to the centre).
    nik: Option<String>,
}

/// `cetak status` without a NIK: the link.
fn link(ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = open_store(&ctx.db)?;
    let now = super::office_now(&store)?;
    let view = store.link_view(now)?;
    let status = store.sync_status()?;
    let parked = store.sync_parked()?;
    if ctx.json {
        print_json(&serde_json::json!({ "link": view, "sync": status, "parked": parked }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let w = |x: &cetak_store::Words| t(&x.id, &x.en).to_string();
    outln!(
        "{}: {}",
        t("Sambungan ke pusat", "Link to the centre"),
        w(&view.headline)
    )?;
    if let Some(a) = &view.action {
        outln!("  {}: {}", t("Yang perlu dilakukan", "What to do"), w(a))?;
    }
    if let Some(e) = &status.last_error {
        outln!("  {}: {e}", t("Kesalahan terakhir", "Last error"))?;
    }
    outln!(
        "  {}: {}{}",
        t(
            "Menunggu dikirim ke pusat",
            "Waiting to be sent to the centre"
        ),
        view.outbox_depth,
        view.oldest_unsent
            .as_ref()
            .map(|o| format!(" ({})", w(o)))
            .unwrap_or_default()
    )?;
    if let Some(n) = view.waiting_at_centre {
        outln!("  {}: {n}", t("Menunggu di pusat", "Waiting at the centre"))?;
    }
    if let Some(r) = &status.last_rewind {
        outln!(
            "  {}: {r}",
            t(
                "Terakhir mengulang dari awal",
                "Last started again from the beginning"
            )
        )?;
    }
    for x in &view.warnings {
        outln!("  !! {}", w(x))?;
    }
    if !parked.is_empty() {
        let mut tb = table(&[
            t("jenis", "kind"),
            t("nama", "name"),
            t("disisihkan", "parked"),
            t("alasan", "reason"),
        ]);
        for p in &parked {
            tb.add_row(vec![
                p.kind.clone(),
                p.name.clone(),
                p.parked_at.clone(),
                p.reason.clone(),
            ]);
        }
        outln!("{tb}")?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let Some(arg) = args.nik else {
        return link(ctx);
    };
    let nik = Nik::parse(arg.trim())
        .with_context(|| format!("{} {:?}", t("NIK tidak sah:", "not a valid NIK:"), arg))?;
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
