//! The mapping from a stored record to the card printed for it: the printed fields as the
//! E-KTP shows them, and the photo and signature when the recording has valid ones.

use cetak_card::CardFields;
use cetak_domain::media::MediaSlot;
use cetak_print::schedule::OFFICE_OFFSET;
use cetak_store::Store;
use time::OffsetDateTime;

use crate::OfficeError;

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
    store: &Store,
    recording_id: &str,
    serial: Option<i64>,
    at: OffsetDateTime,
) -> Result<CardFields, OfficeError> {
    let fields = store.record_fields(recording_id)?;
    let mut card = card_fields(&fields, serial, at);
    card.photo = store.media_for_card(recording_id, MediaSlot::Foto)?;
    card.signature = store.media_for_card(recording_id, MediaSlot::TandaTangan)?;
    Ok(card)
}

/// Render the PNG sent to the printer.
pub fn render_png_for(
    store: &Store,
    recording_id: &str,
    serial: i64,
    at: OffsetDateTime,
) -> Result<Vec<u8>, OfficeError> {
    Ok(cetak_card::render_png(&card_for(
        store,
        recording_id,
        Some(serial),
        at,
    )?)?)
}
