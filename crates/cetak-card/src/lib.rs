//! Renders the front of an E-KTP (Indonesian national ID card) and writes plain report PDFs.
//!
//! * [`render_png`] draws the card front as a 300-dpi raster, 1011 × 638 px (ISO/IEC 7810 ID-1,
//!   85.60 × 53.98 mm) with the PNG `pHYs` chunk saying 300 dpi. Card printers (HID Fargo class)
//!   print at 300 dpi, so a raster at exactly the printer's resolution is sent as-is: no
//!   resampling by a driver, and what the operator previews is what the printer gets.
//! * [`render_pdf`] lays the same card out as vector shapes and text on one page of exactly
//!   85.60 × 53.98 mm, for drivers that want a document rather than an image.
//! * [`layout`] says where every text run went: the fitted font size, its bounding box and the
//!   box it had to stay inside. Long names and addresses wrap onto two lines and/or shrink down
//!   to a minimum size, and are cut with an ellipsis "…" as a last resort; nothing ever leaves
//!   its box, whatever the input (empty, 10 000 characters, control characters, scripts the font
//!   lacks: those become a replacement glyph).
//! * The face photo (JPEG) is cover-fitted into the photo box, [`PHOTO_BOX`]: scaled without
//!   distortion until it fills the box, centred, the overflow cropped. The signature (PNG or
//!   JPEG) is contain-fitted into [`SIGNATURE_BOX`] and printed as ink: its white or transparent
//!   background does not hide the card. Both are decoded with `cetak-media`'s limits; a photo
//!   that does not decode is a [`CardError::Photo`] (the import already checked it: this is a
//!   guard, never a silent blank). Without a photo the box says "FOTO".
//! * [`report_pdf`] writes a simple A4 document (title, sections of lines and tables),
//!   paginated, with real, searchable text.
//!
//! Text uses DejaVu Sans and DejaVu Sans Bold, embedded in the binary (`assets/fonts/` at the
//! repository root; Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`). There is no
//! shaping: fine for the Latin script of Indonesian names.
//!
//! ```
//! let card = cetak_card::CardFields {
//!     nama: "SITI AMINAH".into(),
//!     ..cetak_card::example_card()
//! };
//! let png = cetak_card::render_png(&card).unwrap();
//! assert!(png.starts_with(b"\x89PNG"));
//! ```
#![deny(missing_docs)]

mod card;
mod media;
mod pdf;
mod raster;
mod report;
mod text;

pub use report::{ReportDoc, ReportSection, report_pdf};

/// Every field printed on the front of an E-KTP. All plain strings, already formatted
/// (uppercase as on the card).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardFields {
    /// Province name, printed as "PROVINSI …" (e.g. "SUMATERA SELATAN").
    pub provinsi: String,
    /// Kota or kabupaten, printed as given (e.g. "KOTA PALEMBANG").
    pub kota: String,
    /// The 16-digit NIK.
    pub nik: String,
    /// Full name.
    pub nama: String,
    /// Place of birth.
    pub tempat_lahir: String,
    /// Date of birth, "DD-MM-YYYY".
    pub tanggal_lahir: String,
    /// "LAKI-LAKI" or "PEREMPUAN".
    pub jenis_kelamin: String,
    /// Blood type: "A", "B", "AB" or "O", optionally with "+" or "-" (case and spaces are
    /// forgiven). Anything else ("TIDAK TAHU", empty, garbage) prints as "-", as on the real card.
    pub golongan_darah: String,
    /// Street address.
    pub alamat: String,
    /// "RT/RW", e.g. "003/012".
    pub rt_rw: String,
    /// Kelurahan or desa.
    pub kel_desa: String,
    /// Kecamatan.
    pub kecamatan: String,
    /// Religion.
    pub agama: String,
    /// Marital status.
    pub status_perkawinan: String,
    /// Occupation.
    pub pekerjaan: String,
    /// Citizenship, "WNI".
    pub kewarganegaraan: String,
    /// Validity, "SEUMUR HIDUP" for citizens.
    pub berlaku_hingga: String,
    /// City of issue, printed under the photo.
    pub issue_city: String,
    /// Date of issue, "DD-MM-YYYY".
    pub issue_date: String,
    /// Small text in a corner (e.g. the blank serial "BLANGKO 000123"); `None` prints nothing.
    pub footer: Option<String>,
    /// The face photo, encoded JPEG bytes (checked at import by `cetak_media::check_photo`);
    /// `None` leaves the "FOTO" placeholder.
    pub photo: Option<Vec<u8>>,
    /// The signature, encoded PNG or JPEG bytes (checked by `cetak_media::check_signature`);
    /// `None` leaves the signature line empty.
    pub signature: Option<Vec<u8>>,
}

/// Resolution of the card raster, dots per inch.
pub const DPI: u32 = 300;
/// Card width in pixels: 85.60 mm at 300 dpi.
pub const WIDTH_PX: u32 = 1011;
/// Card height in pixels: 53.98 mm at 300 dpi.
pub const HEIGHT_PX: u32 = 638;
/// Card width in millimetres (ISO/IEC 7810 ID-1).
pub const WIDTH_MM: f32 = 85.60;
/// Card height in millimetres (ISO/IEC 7810 ID-1).
pub const HEIGHT_MM: f32 = 53.98;
/// The photo box, card pixels: 194 × 259 px at 300 dpi (16.4 × 21.9 mm, 3:4).
pub const PHOTO_BOX: PxRect = card::PHOTO;
/// The signature box under the place and date of issue, card pixels.
pub const SIGNATURE_BOX: PxRect = card::SIGNATURE;

/// Why rendering failed. With the embedded fonts none of these is expected in practice; they
/// exist so that a broken build or library never panics in the print path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    /// The embedded font could not be parsed.
    #[error("embedded font could not be parsed: {0}")]
    Font(String),
    /// The raster could not be created.
    #[error("raster: {0}")]
    Raster(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
    /// PDF writing failed.
    #[error("PDF writing failed: {0}")]
    Pdf(String),
    /// The photo could not be decoded (or is beyond the decoding limits).
    #[error("photo: {0}")]
    Photo(String),
    /// The signature could not be decoded (or is beyond the decoding limits).
    #[error("signature: {0}")]
    Signature(String),
}

/// An axis-aligned rectangle in card pixels (origin top left, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PxRect {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
}

impl PxRect {
    /// Builds a rectangle from its edges.
    pub const fn new(x0: f32, y0: f32, x1: f32, y1: f32) -> Self {
        PxRect { x0, y0, x1, y1 }
    }

    /// Width (never negative).
    pub fn width(&self) -> f32 {
        (self.x1 - self.x0).max(0.0)
    }

    /// Height (never negative).
    pub fn height(&self) -> f32 {
        (self.y1 - self.y0).max(0.0)
    }

    /// Whether `inner` lies inside `self`, allowing `tol` pixels of floating-point slack.
    pub fn contains(&self, inner: &PxRect, tol: f32) -> bool {
        inner.x0 >= self.x0 - tol
            && inner.y0 >= self.y0 - tol
            && inner.x1 <= self.x1 + tol
            && inner.y1 <= self.y1 + tol
    }

    /// The whole card.
    pub fn card() -> Self {
        PxRect::new(0.0, 0.0, WIDTH_PX as f32, HEIGHT_PX as f32)
    }
}

/// Where one text run went on the card.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedText {
    /// What it is: a field name (`"nama"`, `"nik"`, `"issue_date"`, …), a label
    /// (`"label.nama"`), a colon (`"colon.nama"`) or a decoration (`"foto"`).
    pub field: &'static str,
    /// The text as drawn (after clean-up and any truncation); lines separated by `'\n'`.
    pub text: String,
    /// Font size in pixels (em size).
    pub font_px: f32,
    /// Whether the bold face was used.
    pub bold: bool,
    /// Number of lines drawn.
    pub lines: usize,
    /// Bounding box of the drawn text (line boxes and ink), px. Zero-sized at the allowed
    /// box's top-left corner when nothing was drawn.
    pub bbox: PxRect,
    /// The box the text had to stay inside, px.
    pub allowed: PxRect,
    /// Whether the text was cut because it did not fit; an ellipsis "…" marks the cut (at
    /// the end, except Tempat/Tgl Lahir, which shortens the place and keeps the date).
    pub truncated: bool,
}

/// Lays out the card front and reports where each text run went.
pub fn layout(card: &CardFields) -> Result<Vec<PlacedText>, CardError> {
    Ok(card::scene(card)?.placed)
}

/// Renders the card front as a PNG: 1011 × 638 px, 300 dpi (`pHYs` set), RGB.
pub fn render_png(card: &CardFields) -> Result<Vec<u8>, CardError> {
    let scene = card::scene(card)?;
    raster::render_png(&scene, &media::Media::of(card))
}

/// Renders the card front as a one-page PDF of exactly 85.60 × 53.98 mm with vector text.
pub fn render_pdf(card: &CardFields) -> Result<Vec<u8>, CardError> {
    let scene = card::scene(card)?;
    pdf::card_pdf(&scene, &media::Media::of(card))
}

/// A fixed example card (a Palembang resident), used by tests, the benchmark and the docs.
pub fn example_card() -> CardFields {
    CardFields {
        provinsi: "SUMATERA SELATAN".into(),
        kota: "KOTA PALEMBANG".into(),
        nik: "1671014508900001".into(),
        nama: "SITI NURHALIZA".into(),
        tempat_lahir: "PALEMBANG".into(),
        tanggal_lahir: "05-08-1990".into(),
        jenis_kelamin: "PEREMPUAN".into(),
        golongan_darah: "O".into(),
        alamat: "JL. MERDEKA NO. 12".into(),
        rt_rw: "003/012".into(),
        kel_desa: "20 ILIR D IV".into(),
        kecamatan: "ILIR TIMUR I".into(),
        agama: "ISLAM".into(),
        status_perkawinan: "KAWIN".into(),
        pekerjaan: "PEGAWAI NEGERI SIPIL".into(),
        kewarganegaraan: "WNI".into(),
        berlaku_hingga: "SEUMUR HIDUP".into(),
        issue_city: "PALEMBANG".into(),
        issue_date: "27-11-2026".into(),
        footer: Some("BLANGKO 000123".into()),
        photo: None,
        signature: None,
    }
}

/// [`example_card`] with a drawn (synthetic, `cetak_media::synth`) photo and signature.
pub fn example_card_with_photo() -> CardFields {
    CardFields {
        photo: Some(cetak_media::synth::portrait(1, 0)),
        signature: Some(cetak_media::synth::signature(1, 0)),
        ..example_card()
    }
}
