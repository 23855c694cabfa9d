//! `cetak card render`: a record's card front as PNG or PDF; and the mapping from a stored
//! record to the fields printed on the card.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use cetak_card::CardFields;
use cetak_domain::media::MediaSlot;
use cetak_print::schedule::OFFICE_OFFSET;
use clap::Args as ClapArgs;
use time::OffsetDateTime;

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

fn field<'a>(fields: &'a [(&'static str, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// `1990-08-05` → `05-08-1990` (as printed on the card); anything else as it is.
fn card_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => format!("{d}-{m}-{y}"),
        _ => iso.to_string(),
    }
}

/// The card fields for a stored record, issued at `at` on blank `serial`.
pub fn card_fields(
    fields: &[(&'static str, String)],
    serial: Option<i64>,
    at: OffsetDateTime,
) -> CardFields {
    let f = |n| field(fields, n).to_string();
    let kota = f("kabupaten_kota");
    let issue_city = kota
        .strip_prefix("KOTA ")
        .or_else(|| kota.strip_prefix("KABUPATEN "))
        .unwrap_or(&kota)
        .to_string();
    let d = at.to_offset(OFFICE_OFFSET).date();
    CardFields {
        provinsi: f("provinsi"),
        kota,
        nik: f("nik"),
        nama: f("nama"),
        tempat_lahir: f("tempat_lahir"),
        tanggal_lahir: card_date(field(fields, "tanggal_lahir")),
        jenis_kelamin: f("jenis_kelamin"),
        golongan_darah: f("golongan_darah"),
        alamat: f("alamat"),
        rt_rw: format!("{}/{}", field(fields, "rt"), field(fields, "rw")),
        kel_desa: f("kelurahan"),
        kecamatan: f("kecamatan"),
        agama: f("agama"),
        status_perkawinan: f("status_perkawinan"),
        pekerjaan: f("pekerjaan"),
        kewarganegaraan: f("kewarganegaraan"),
        berlaku_hingga: "SEUMUR HIDUP".into(),
        issue_city,
        issue_date: format!("{:02}-{:02}-{:04}", d.day(), u8::from(d.month()), d.year()),
        footer: serial.map(|s| format!("BLANGKO {s:010}")),
        photo: None,
        signature: None,
    }
}

/// The card of a stored recording: its fields, and its photo and signature when it has valid
/// ones (a v1 recording has none and prints with the empty photo box).
pub fn card_for(
    store: &cetak_store::Store,
    recording_id: &str,
    serial: Option<i64>,
    at: OffsetDateTime,
) -> anyhow::Result<CardFields> {
    let fields = store.record_fields(recording_id)?;
    let mut card = card_fields(&fields, serial, at);
    card.photo = store.media_for_card(recording_id, MediaSlot::Foto)?;
    card.signature = store.media_for_card(recording_id, MediaSlot::TandaTangan)?;
    Ok(card)
}

/// Render the PNG sent to the printer.
pub fn render_png_for(
    store: &cetak_store::Store,
    recording_id: &str,
    serial: i64,
    at: OffsetDateTime,
) -> anyhow::Result<Vec<u8>> {
    cetak_card::render_png(&card_for(store, recording_id, Some(serial), at)?)
        .context(crate::text::t("membuat gambar kartu", "rendering the card"))
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
