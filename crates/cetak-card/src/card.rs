//! Layout of the card front as a back-end-neutral scene (shapes + positioned glyph runs).

use crate::text::{
    self, Face, FitSpec, Fitted, Fonts, GlyphInfo, baseline_offset, h_extent, pens, v_extent,
};
use crate::{CardError, CardFields, HEIGHT_PX, PlacedText, PxRect, WIDTH_PX};

/// An sRGB colour.
pub(crate) type Rgb = [u8; 3];

/// A filled or stroked shape, card pixels.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// A rectangle filled with a top-to-bottom gradient.
    VGradient { rect: PxRect, top: Rgb, bottom: Rgb },
    /// A filled rectangle.
    Fill { rect: PxRect, color: Rgb },
    /// A stroked rectangle outline.
    Stroke {
        rect: PxRect,
        color: Rgb,
        width: f32,
    },
    /// A stroked open polyline.
    Polyline {
        points: Vec<(f32, f32)>,
        color: Rgb,
        width: f32,
    },
}

/// One line of glyphs at a fixed origin.
#[derive(Debug, Clone)]
pub(crate) struct PlacedLine {
    pub origin_x: f32,
    pub baseline: f32,
    pub glyphs: Vec<GlyphInfo>,
    /// Pen position of each glyph in em, relative to `origin_x` (kerning included).
    pub pens: Vec<f32>,
}

/// Lines of text in one face, size and colour, drawn clipped to `clip`.
#[derive(Debug, Clone)]
pub(crate) struct TextRun {
    pub face: Face,
    pub size: f32,
    pub color: Rgb,
    pub clip: PxRect,
    pub lines: Vec<PlacedLine>,
}

/// Everything to draw on top of [`static_shapes`], in drawing order (shapes, then text).
#[derive(Debug, Clone)]
pub(crate) struct Scene {
    pub shapes: Vec<Shape>,
    pub runs: Vec<TextRun>,
    pub placed: Vec<PlacedText>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// Positions fitted lines in a column `[x0, x1]`, one slot of `slot` px per line from `top`.
pub(crate) fn place_lines(
    fonts: &Fonts,
    fitted: &Fitted,
    x0: f32,
    x1: f32,
    top: f32,
    slot: f32,
    align: Align,
) -> (Vec<PlacedLine>, Option<PxRect>) {
    let face = fonts.face(fitted.face);
    let s = fitted.size;
    let mut bbox: Option<PxRect> = None;
    let mut lines = Vec::with_capacity(fitted.lines.len());
    for (i, glyphs) in fitted.lines.iter().enumerate() {
        let mut p = pens(face, glyphs);
        let first = p.first().copied().unwrap_or(0.0);
        p.iter_mut().for_each(|x| *x -= first);
        let (left, right) = h_extent(glyphs, &p);
        let origin_x = match align {
            Align::Left => x0 - left * s,
            Align::Center => (x0 + x1) / 2.0 - (left + right) * s / 2.0,
            Align::Right => x1 - right * s,
        };
        let line_top = top + i as f32 * slot;
        let baseline = line_top + baseline_offset(face, slot, s);
        let (vt, vb) = v_extent(face, glyphs);
        let r = PxRect::new(
            origin_x + left * s,
            baseline + vt * s,
            origin_x + right * s,
            baseline + vb * s,
        );
        bbox = Some(match bbox {
            None => r,
            Some(b) => PxRect::new(
                b.x0.min(r.x0),
                b.y0.min(r.y0),
                b.x1.max(r.x1),
                b.y1.max(r.y1),
            ),
        });
        lines.push(PlacedLine {
            origin_x,
            baseline,
            glyphs: glyphs.clone(),
            pens: p,
        });
    }
    (lines, bbox)
}

// ---- Card geometry (px at 300 dpi) -------------------------------------------------------

const MARGIN: f32 = 30.0;
const HEADER_SLOT: f32 = 40.0;
const HEADER_TOP: f32 = 16.0;

pub(crate) const PHOTO: PxRect = PxRect::new(778.0, 150.0, 972.0, 409.0);
pub(crate) const SIGNATURE: PxRect = PxRect::new(PHOTO.x0 + 6.0, 482.0, PHOTO.x1 - 6.0, 580.0);
const RIGHT_COL: (f32, f32) = (762.0, 988.0);

const LABEL_X0: f32 = MARGIN;
const LABEL_X1: f32 = 262.0;
const COLON_X0: f32 = 264.0;
const COLON_X1: f32 = 282.0;
const VALUE_X0: f32 = 290.0;
const VALUE_X1: f32 = 758.0;
const INDENT: f32 = 26.0;

const NIK_TOP: f32 = 102.0;
const NIK_SLOT: f32 = 48.0;

const ROWS_TOP: f32 = 158.0;
const ROWS_BOTTOM: f32 = 626.0;
const MAX_PITCH: f32 = 36.0;

const VALUE_SIZE: (f32, f32) = (24.0, 16.0);
const LABEL_SIZE: (f32, f32) = (22.0, 15.0);

const INK: Rgb = [18, 22, 38];
const LABEL_INK: Rgb = [30, 36, 56];
const BG_TOP: Rgb = [196, 226, 244];
const BG_BOTTOM: Rgb = [232, 244, 251];
const PATTERN: Rgb = [176, 210, 234];
pub(crate) const FRAME: Rgb = [90, 120, 150];
/// Width of the photo frame's stroke, px (drawn again over a photo).
pub(crate) const FRAME_WIDTH: f32 = 2.0;

struct Builder<'f> {
    fonts: &'f Fonts,
    scene: Scene,
}

/// How a text item looks: face, size range (max, min), alignment, colour.
#[derive(Debug, Clone, Copy)]
struct Style {
    face: Face,
    size: (f32, f32),
    align: Align,
    color: Rgb,
}

const fn style(face: Face, size: (f32, f32), align: Align, color: Rgb) -> Style {
    Style {
        face,
        size,
        align,
        color,
    }
}

const HEADER: Style = style(Face::Bold, (30.0, 16.0), Align::Center, INK);
const NIK_LABEL: Style = style(Face::Bold, (32.0, 20.0), Align::Left, INK);
const NIK_COLON: Style = style(Face::Bold, (32.0, 20.0), Align::Center, INK);
const NIK_VALUE: Style = style(Face::Bold, (36.0, 16.0), Align::Left, INK);
const LABEL: Style = style(Face::Regular, LABEL_SIZE, Align::Left, LABEL_INK);
const COLON: Style = style(Face::Regular, LABEL_SIZE, Align::Center, LABEL_INK);
const VALUE: Style = style(Face::Bold, VALUE_SIZE, Align::Left, INK);
const FOTO: Style = style(Face::Bold, (28.0, 12.0), Align::Center, FRAME);
const ISSUE: Style = style(Face::Regular, (22.0, 13.0), Align::Center, INK);
const FOOTER: Style = style(Face::Regular, (16.0, 10.0), Align::Right, LABEL_INK);

impl Builder<'_> {
    fn fit(&self, text: &str, st: Style, width: f32, slot: f32, lines: usize) -> Fitted {
        let spec = FitSpec {
            face: st.face,
            width,
            slot,
            max_lines: lines,
            size_max: st.size.0,
            size_min: st.size.1,
        };
        text::fit(self.fonts, text, &spec)
    }

    /// Places an already fitted text in column `x`, line slots of `slot` px from `top`;
    /// returns the number of slots it occupies (at least 1).
    fn place(
        &mut self,
        field: &'static str,
        fitted: &Fitted,
        st: Style,
        (x0, x1): (f32, f32),
        top: f32,
        slot: f32,
    ) -> usize {
        let used = fitted.lines.len().max(1);
        let allowed = PxRect::new(x0, top, x1, top + slot * used as f32);
        let (lines, bbox) = place_lines(self.fonts, fitted, x0, x1, top, slot, st.align);
        self.scene.placed.push(PlacedText {
            field,
            text: fitted.text(),
            font_px: fitted.size,
            bold: fitted.face == Face::Bold,
            lines: fitted.lines.len(),
            bbox: bbox.unwrap_or(PxRect::new(x0, top, x0, top)),
            allowed,
            truncated: fitted.truncated,
        });
        if !lines.is_empty() {
            self.scene.runs.push(TextRun {
                face: fitted.face,
                size: fitted.size,
                color: st.color,
                clip: allowed,
                lines,
            });
        }
        used
    }

    /// Fits and places a single-line text.
    fn line(
        &mut self,
        field: &'static str,
        text: &str,
        st: Style,
        x: (f32, f32),
        top: f32,
        slot: f32,
    ) {
        let fitted = self.fit(text.trim(), st, x.1 - x.0, slot, 1);
        self.place(field, &fitted, st, x, top, slot);
    }
}

/// One label/colon/value row of the card body.
struct RowSpec {
    field: &'static str,
    label_field: &'static str,
    colon_field: &'static str,
    label: &'static str,
    /// Indented under "Alamat" (RT/RW, Kel/Desa, Kecamatan), as on the real card.
    indent: bool,
    max_lines: usize,
}

const fn spec(
    field: &'static str,
    label_field: &'static str,
    colon_field: &'static str,
    label: &'static str,
    indent: bool,
    max_lines: usize,
) -> RowSpec {
    RowSpec {
        field,
        label_field,
        colon_field,
        label,
        indent,
        max_lines,
    }
}

#[rustfmt::skip]
const ROWS: [RowSpec; 12] = [
    spec("nama", "label.nama", "colon.nama", "Nama", false, 2),
    spec("tempat_tgl_lahir", "label.tempat_tgl_lahir", "colon.tempat_tgl_lahir", "Tempat/Tgl Lahir", false, 1),
    spec("jenis_kelamin", "label.jenis_kelamin", "colon.jenis_kelamin", "Jenis Kelamin", false, 1),
    spec("alamat", "label.alamat", "colon.alamat", "Alamat", false, 2),
    spec("rt_rw", "label.rt_rw", "colon.rt_rw", "RT/RW", true, 1),
    spec("kel_desa", "label.kel_desa", "colon.kel_desa", "Kel/Desa", true, 1),
    spec("kecamatan", "label.kecamatan", "colon.kecamatan", "Kecamatan", true, 1),
    spec("agama", "label.agama", "colon.agama", "Agama", false, 1),
    spec("status_perkawinan", "label.status_perkawinan", "colon.status_perkawinan", "Status Perkawinan", false, 1),
    spec("pekerjaan", "label.pekerjaan", "colon.pekerjaan", "Pekerjaan", false, 1),
    spec("kewarganegaraan", "label.kewarganegaraan", "colon.kewarganegaraan", "Kewarganegaraan", false, 1),
    spec("berlaku_hingga", "label.berlaku_hingga", "colon.berlaku_hingga", "Berlaku Hingga", false, 1),
];

/// The value printed in a body row (Tempat/Tgl Lahir is fitted separately, see [`fit_birth`]).
fn row_value<'c>(card: &'c CardFields, field: &str) -> &'c str {
    match field {
        "nama" => &card.nama,
        "jenis_kelamin" => &card.jenis_kelamin,
        "alamat" => &card.alamat,
        "rt_rw" => &card.rt_rw,
        "kel_desa" => &card.kel_desa,
        "kecamatan" => &card.kecamatan,
        "agama" => &card.agama,
        "status_perkawinan" => &card.status_perkawinan,
        "pekerjaan" => &card.pekerjaan,
        "kewarganegaraan" => &card.kewarganegaraan,
        "berlaku_hingga" => &card.berlaku_hingga,
        _ => "",
    }
}

// Jenis kelamin shares its row with the blood type.
const JK_X1: f32 = 528.0;
const GOL_LABEL: (f32, f32) = (540.0, 668.0);
const GOL_COLON: (f32, f32) = (668.0, 684.0);
const GOL_VALUE: (f32, f32) = (690.0, VALUE_X1);

fn join_birth(place: &str, date: &str) -> String {
    match (place.trim().is_empty(), date.trim().is_empty()) {
        (false, false) => format!("{}, {}", place.trim(), date.trim()),
        (false, true) => place.trim().to_string(),
        (true, _) => date.trim().to_string(),
    }
}

/// Fits "PLACE, DATE" on one line; when it does not fit even at the minimum size, the place is
/// cut ("PANGKALAN BAL…, 05-08-1990") so that the date always survives.
fn fit_birth(b: &Builder<'_>, place: &str, date: &str, width: f32, slot: f32) -> Fitted {
    let full = join_birth(place, date);
    let fitted = b.fit(&full, VALUE, width, slot, 1);
    let (place, date) = (place.trim(), date.trim());
    if !fitted.truncated || place.is_empty() || date.is_empty() {
        return fitted;
    }
    let chars: Vec<char> = place.chars().take(1000).collect();
    let attempt = |k: usize| {
        let head: String = chars[..k].iter().collect();
        let text = format!("{}{}, {}", head.trim_end(), text::ELLIPSIS, date);
        b.fit(&text, VALUE, width, slot, 1)
    };
    let mut best = attempt(0);
    if best.truncated {
        return fitted;
    }
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let f = attempt(mid);
        if f.truncated {
            hi = mid - 1;
        } else {
            lo = mid;
            best = f;
        }
    }
    // The visible text was shortened on purpose: report it as truncated.
    best.truncated = true;
    best
}

/// The blood type as printed: A, B, AB or O with an optional rhesus sign, else "-" (the card
/// prints "-" for an unknown type, "TIDAK TAHU" in the registry, and for anything unexpected).
pub(crate) fn blood_type(raw: &str) -> &'static str {
    const TYPES: [&str; 12] = [
        "A", "B", "AB", "O", "A+", "B+", "AB+", "O+", "A-", "B-", "AB-", "O-",
    ];
    if raw.len() > 8 {
        return "-";
    }
    let norm: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    TYPES.iter().find(|t| **t == norm).copied().unwrap_or("-")
}

fn provinsi_header(p: &str) -> String {
    let p = p.trim();
    if p.to_uppercase().starts_with("PROVINSI") {
        p.to_string()
    } else {
        format!("PROVINSI {p}")
    }
}

/// What every card has under its text: background gradient, a faint wave pattern, a thin
/// frame, the photo placeholder and the signature box. The same for every card, so the raster
/// back end renders it once and reuses it.
pub(crate) fn static_shapes() -> Vec<Shape> {
    let mut shapes = Vec::with_capacity(16);
    let (w, h) = (WIDTH_PX as f32, HEIGHT_PX as f32);
    shapes.push(Shape::VGradient {
        rect: PxRect::new(0.0, 0.0, w, h),
        top: BG_TOP,
        bottom: BG_BOTTOM,
    });
    for k in 0..7 {
        let y0 = 150.0 + 70.0 * k as f32;
        let amp = 14.0 + 3.0 * (k % 3) as f32;
        let period = 260.0 + 30.0 * (k % 2) as f32;
        let points = (0..=64)
            .map(|i| {
                let x = w * i as f32 / 64.0;
                let y = y0 + amp * (std::f32::consts::TAU * x / period + k as f32).sin();
                (x, y)
            })
            .collect();
        shapes.push(Shape::Polyline {
            points,
            color: PATTERN,
            width: 1.6,
        });
    }
    shapes.push(Shape::Stroke {
        rect: PxRect::new(8.0, 8.0, w - 8.0, h - 8.0),
        color: PATTERN,
        width: 3.0,
    });
    shapes.push(Shape::Fill {
        rect: PHOTO,
        color: [244, 248, 252],
    });
    shapes.push(Shape::Stroke {
        rect: PHOTO,
        color: FRAME,
        width: FRAME_WIDTH,
    });
    shapes.push(Shape::Stroke {
        rect: SIGNATURE,
        color: PATTERN,
        width: 1.5,
    });
    shapes.push(Shape::Polyline {
        points: vec![
            (SIGNATURE.x0 + 14.0, SIGNATURE.y1 - 22.0),
            (SIGNATURE.x1 - 14.0, SIGNATURE.y1 - 22.0),
        ],
        color: FRAME,
        width: 1.2,
    });
    shapes
}

/// Builds the whole card scene.
pub(crate) fn scene(card: &CardFields) -> Result<Scene, CardError> {
    let fonts = text::fonts()?;
    let mut b = Builder {
        fonts,
        scene: Scene {
            shapes: Vec::new(),
            runs: Vec::with_capacity(48),
            placed: Vec::with_capacity(48),
        },
    };

    // Header.
    let full = (MARGIN, WIDTH_PX as f32 - MARGIN);
    b.line(
        "provinsi",
        &provinsi_header(&card.provinsi),
        HEADER,
        full,
        HEADER_TOP,
        HEADER_SLOT,
    );
    b.line(
        "kota",
        &card.kota,
        HEADER,
        full,
        HEADER_TOP + HEADER_SLOT,
        HEADER_SLOT,
    );

    // NIK.
    b.line(
        "label.nik",
        "NIK",
        NIK_LABEL,
        (LABEL_X0, LABEL_X1),
        NIK_TOP,
        NIK_SLOT,
    );
    b.line(
        "colon.nik",
        ":",
        NIK_COLON,
        (COLON_X0, COLON_X1),
        NIK_TOP,
        NIK_SLOT,
    );
    b.line(
        "nik",
        &card.nik,
        NIK_VALUE,
        (VALUE_X0, VALUE_X1),
        NIK_TOP,
        NIK_SLOT,
    );

    // Body rows. Values are fitted first, with the tightest pitch (every two-line field on two
    // lines), to learn how many lines each takes; then the rows are spread over the body.
    let extra_lines: usize = ROWS.iter().map(|r| r.max_lines - 1).sum();
    let min_pitch = (ROWS_BOTTOM - ROWS_TOP) / (ROWS.len() + extra_lines) as f32;
    let value_x = |r: &RowSpec| {
        let x1 = if r.field == "jenis_kelamin" {
            JK_X1
        } else {
            VALUE_X1
        };
        (VALUE_X0, x1)
    };
    let fitted: Vec<Fitted> = ROWS
        .iter()
        .map(|r| {
            let (x0, x1) = value_x(r);
            if r.field == "tempat_tgl_lahir" {
                fit_birth(
                    &b,
                    &card.tempat_lahir,
                    &card.tanggal_lahir,
                    x1 - x0,
                    min_pitch,
                )
            } else {
                let value = row_value(card, r.field).trim();
                b.fit(value, VALUE, x1 - x0, min_pitch, r.max_lines)
            }
        })
        .collect();
    let slots: usize = fitted.iter().map(|f| f.lines.len().max(1)).sum();
    let pitch = ((ROWS_BOTTOM - ROWS_TOP) / slots as f32).min(MAX_PITCH);

    let mut top = ROWS_TOP;
    for (r, f) in ROWS.iter().zip(&fitted) {
        let lx0 = if r.indent {
            LABEL_X0 + INDENT
        } else {
            LABEL_X0
        };
        b.line(r.label_field, r.label, LABEL, (lx0, LABEL_X1), top, pitch);
        b.line(r.colon_field, ":", COLON, (COLON_X0, COLON_X1), top, pitch);
        if r.field == "jenis_kelamin" {
            b.line(
                "label.golongan_darah",
                "Gol. Darah",
                LABEL,
                GOL_LABEL,
                top,
                pitch,
            );
            b.line("colon.golongan_darah", ":", COLON, GOL_COLON, top, pitch);
            b.line(
                "golongan_darah",
                blood_type(&card.golongan_darah),
                VALUE,
                GOL_VALUE,
                top,
                pitch,
            );
        }
        let used = b.place(r.field, f, VALUE, value_x(r), top, pitch);
        top += pitch * used as f32;
    }

    // Photo placeholder label (the box itself is in the static background); a photo covers it.
    if card.photo.is_none() {
        let photo_mid = (PHOTO.y0 + PHOTO.y1) / 2.0;
        b.line(
            "foto",
            "FOTO",
            FOTO,
            (PHOTO.x0 + 8.0, PHOTO.x1 - 8.0),
            photo_mid - 20.0,
            40.0,
        );
    }

    // Place and date of issue (the signature box is in the background), footer.
    b.line(
        "issue_city",
        &card.issue_city,
        ISSUE,
        RIGHT_COL,
        416.0,
        30.0,
    );
    b.line(
        "issue_date",
        &card.issue_date,
        ISSUE,
        RIGHT_COL,
        446.0,
        30.0,
    );
    if let Some(footer) = &card.footer {
        b.line("footer", footer, FOOTER, RIGHT_COL, 592.0, 26.0);
    }
    Ok(b.scene)
}
