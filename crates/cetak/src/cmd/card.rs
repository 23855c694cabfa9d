//! `cetak card render`: a record's card front as PNG or PDF (the mapping from a stored record
//! to the card is `cetak_office::card`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use cetak_office::card::card_for;
use clap::Args as ClapArgs;

use super::{Context, open_store};
use crate::text::t;

#[derive(Debug, ClapArgs)]
pub struct RenderArgs {
    /// The recording id.
    recording_id: String,
    /// Output file: .png (300 dpi) or .pdf (CR80 page).
    #[arg(long)]
    out: PathBuf,
}

pub fn run_render(ctx: &Context, args: RenderArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&ctx.db)?;
    let card = card_for(&store, &args.recording_id, None, super::now())?;
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        Some("png") => cetak_card::render_png(&card)?,
        Some("pdf") => cetak_card::render_pdf(&card)?,
        _ => bail!(
            "{}",
            t(
                "--out harus berakhiran .png atau .pdf",
                "--out must end in .png or .pdf"
            )
        ),
    };
    super::write_atomic(&args.out, &bytes)?;
    outln!(
        "{} {}",
        t("Kartu ditulis ke", "Card written to"),
        args.out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
