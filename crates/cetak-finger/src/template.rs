//! One reader and writer for finger minutiae records: ISO/IEC 19794-2:2005 and ANSI INCITS
//! 378-2004.
//!
//! Why one module for both: the two standards share the magic, the version, the view layout and
//! the 6-byte minutia, and differ only in the header (ANSI has a 2- or 6-byte length and a CBEFF
//! product identifier) and in the angle unit (ISO 360/256 degrees, ANSI 2 degrees). Keeping them
//! together keeps the strictness identical.
//!
//! The reader is strict about structure (every length, count, reserved bit and range is checked
//! and every refusal has a stable [`TemplateError::code`]) but tolerant of two traps that real
//! records show (see `tests/data/README.md`):
//!
//! * zero padding after the record's stated length (only zeros are accepted there);
//! * the two readings of extension lengths: a block length that includes its 4-byte type and
//!   length header or one that excludes it, and a view's extended-data length that excludes or
//!   includes its own 2-byte field. The reader takes the reading that lets the rest of the record
//!   parse consistently, preferring the standard one, and refuses when none does. Extension
//!   bytes are kept as read and written back under the standard reading.
//!
//! It never panics: every read goes through a bounds-checked cursor, and input is capped at
//! [`MAX_RECORD_BYTES`].

use std::collections::HashSet;

use thiserror::Error;

/// Largest input the reader looks at (and largest stated record length): 64 KiB.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

const MAGIC: &[u8; 4] = b"FMR\0";
const VERSION: &[u8; 4] = b" 20\0";
const ISO_HEADER: usize = 24;
const ANSI_HEADER: usize = 26;
const ANSI_EXT_HEADER: usize = 30;
const VIEW_HEADER: usize = 4;
const MINUTIA_BYTES: usize = 6;
/// Coordinates are 14-bit fields.
const COORD_MASK: u16 = 0x3FFF;
/// Largest ANSI angle (units of 2 degrees).
const ANSI_MAX_ANGLE: u8 = 179;

/// Which standard a record follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ISO/IEC 19794-2:2005 finger minutiae record.
    Iso2005,
    /// ANSI INCITS 378-2004.
    Ansi2004,
}

/// Ridge ending, bifurcation or other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinutiaKind {
    Other,
    Ending,
    Bifurcation,
}

impl MinutiaKind {
    fn bits(self) -> u16 {
        match self {
            MinutiaKind::Other => 0,
            MinutiaKind::Ending => 1,
            MinutiaKind::Bifurcation => 2,
        }
    }
}

/// One minutia, in the record's pixel grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutia {
    pub kind: MinutiaKind,
    pub x: u16,
    pub y: u16,
    /// Direction in units of 360/256 degrees (ISO's unit), counter-clockwise from the x axis,
    /// whichever format the record had: ANSI's 2-degree unit is converted on reading and
    /// writing (see [`ansi_to_angle`] and [`angle_to_ansi`]).
    pub angle: u8,
    /// 0..=100.
    pub quality: u8,
}

/// One finger view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// ISO finger position: 1 right thumb, 2 right index, … 6 left thumb, 7 left index, …
    /// (0 unknown, at most 10).
    pub finger: u8,
    /// 4-bit view number.
    pub view_number: u8,
    /// 4-bit impression type: 0 live-scan plain, 1 live-scan rolled, 2 non-live plain,
    /// 3 non-live rolled, 8 swipe, 9 live-scan contactless.
    pub impression: u8,
    /// 0..=100.
    pub quality: u8,
    pub minutiae: Vec<Minutia>,
    /// Extended data blocks (type, length, data …), kept as read; written back after a 2-byte
    /// length that counts these bytes.
    pub extensions: Vec<u8>,
}

/// A whole record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub format: Format,
    /// CBEFF product identifier (owner in the high 16 bits, type in the low). ANSI only: ISO
    /// records have none and read as 0.
    pub product: u32,
    /// Capture equipment field as stored: 4-bit compliance, 12-bit equipment id.
    pub equipment: u16,
    pub width: u16,
    pub height: u16,
    /// Pixels per centimetre.
    pub res_x: u16,
    pub res_y: u16,
    pub views: Vec<View>,
}

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    #[error("not a finger minutiae record (no FMR magic)")]
    NotFmr,
    #[error("record truncated: {0}")]
    Truncated(String),
    #[error("malformed record: {0}")]
    Malformed(String),
    #[error("record is {0} bytes; at most 65536 are accepted")]
    TooLarge(usize),
    #[error("unsupported version {0:?}: only \" 20\\0\" (ISO 19794-2:2005, ANSI 378-2004) is read")]
    BadVersion(String),
    #[error("length mismatch: {0}")]
    LengthMismatch(String),
    #[error("{count} non-zero byte(s) after the record's stated length of {stated} bytes")]
    TrailingGarbage { stated: usize, count: usize },
    #[error("view {view}, minutia {index}: ({x}, {y}) lies outside the {width}x{height} image")]
    MinutiaOutOfBounds {
        view: usize,
        index: usize,
        x: u16,
        y: u16,
        width: u16,
        height: u16,
    },
    #[error("bad minutia: {0}")]
    BadMinutia(String),
    #[error("bad header field: {0}")]
    BadField(String),
    #[error("bad extended data: {0}")]
    BadExtension(String),
}

impl TemplateError {
    /// A stable code for the registry and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::NotFmr => "template_not_fmr",
            TemplateError::Truncated(_) => "template_truncated",
            TemplateError::Malformed(_) => "template_malformed",
            TemplateError::TooLarge(_) => "template_too_large",
            TemplateError::BadVersion(_) => "template_bad_version",
            TemplateError::LengthMismatch(_) => "template_length_mismatch",
            TemplateError::TrailingGarbage { .. } => "template_trailing_garbage",
            TemplateError::MinutiaOutOfBounds { .. } => "template_minutia_out_of_bounds",
            TemplateError::BadMinutia(_) => "template_bad_minutia",
            TemplateError::BadField(_) => "template_bad_field",
            TemplateError::BadExtension(_) => "template_bad_extension",
        }
    }
}

/// ANSI angle (units of 2 degrees, 0..=179) to the record-independent unit of 360/256 degrees,
/// rounded. Exact inverse of [`angle_to_ansi`] on 0..=179.
pub fn ansi_to_angle(ansi: u8) -> u8 {
    let v = (u32::from(ansi) * 128 + 45) / 90;
    u8::try_from(v.min(255)).unwrap_or(u8::MAX)
}

/// Angle in 360/256 degrees to ANSI's 2-degree unit (0..=179), rounded.
pub fn angle_to_ansi(angle: u8) -> u8 {
    let v = (u32::from(angle) * 90 + 64) / 128;
    u8::try_from(v.min(u32::from(ANSI_MAX_ANGLE))).unwrap_or(ANSI_MAX_ANGLE)
}

/// Bounds-checked big-endian reads.
fn u8_at(b: &[u8], at: usize, what: &str) -> Result<u8, TemplateError> {
    b.get(at)
        .copied()
        .ok_or_else(|| TemplateError::Truncated(format!("{what} (byte {at}) is missing")))
}

fn u16_at(b: &[u8], at: usize, what: &str) -> Result<u16, TemplateError> {
    match b.get(at..at.saturating_add(2)) {
        Some(&[h, l]) => Ok(u16::from_be_bytes([h, l])),
        _ => Err(TemplateError::Truncated(format!(
            "{what} (bytes {at}..{}) is missing",
            at.saturating_add(2)
        ))),
    }
}

fn u32_at(b: &[u8], at: usize, what: &str) -> Result<u32, TemplateError> {
    match b.get(at..at.saturating_add(4)) {
        Some(&[a, c, d, e]) => Ok(u32::from_be_bytes([a, c, d, e])),
        _ => Err(TemplateError::Truncated(format!(
            "{what} (bytes {at}..{}) is missing",
            at.saturating_add(4)
        ))),
    }
}

/// How a candidate reading finds the record length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Iso,
    AnsiShort,
    AnsiExtended,
}

impl Layout {
    fn header_len(self) -> usize {
        match self {
            Layout::Iso => ISO_HEADER,
            Layout::AnsiShort => ANSI_HEADER,
            Layout::AnsiExtended => ANSI_EXT_HEADER,
        }
    }

    fn stated_len(self, b: &[u8]) -> Result<usize, TemplateError> {
        let v = match self {
            Layout::Iso => u32_at(b, 8, "record length")?,
            Layout::AnsiShort => u32::from(u16_at(b, 8, "record length")?),
            Layout::AnsiExtended => u32_at(b, 10, "extended record length")?,
        };
        Ok(usize::try_from(v).unwrap_or(usize::MAX))
    }

    fn name(self) -> &'static str {
        match self {
            Layout::Iso => "ISO 19794-2:2005",
            Layout::AnsiShort => "ANSI 378-2004",
            Layout::AnsiExtended => "ANSI 378-2004 (6-byte length)",
        }
    }
}

/// Reads a record (ISO/IEC 19794-2:2005 or ANSI INCITS 378-2004; the format is told apart by
/// the record-length field and confirmed by the rest of the record parsing consistently).
pub fn parse(bytes: &[u8]) -> Result<Template, TemplateError> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(TemplateError::TooLarge(bytes.len()));
    }
    match bytes.get(0..4) {
        Some(m) if m == MAGIC => {}
        _ => return Err(TemplateError::NotFmr),
    }
    match bytes.get(4..8) {
        Some(v) if v == VERSION => {}
        Some(v) => return Err(TemplateError::BadVersion(String::from_utf8_lossy(v).into())),
        None => {
            return Err(TemplateError::Truncated(
                "the 4-byte version after the magic is missing".into(),
            ));
        }
    }
    // ISO's 4-byte length has zero high bytes for any record we accept; ANSI's 2-byte length is
    // non-zero unless the 4-byte extended length follows.
    let hi = u16_at(bytes, 8, "record length")?;
    let candidates: &[Layout] = if hi == 0 {
        &[Layout::Iso, Layout::AnsiExtended]
    } else {
        &[Layout::AnsiShort, Layout::Iso]
    };
    // When no reading parses, report the error of the reading whose stated length fits the
    // input, else of the first whose stated length is at least its header, else the first.
    let mut errors: Vec<(u8, TemplateError)> = Vec::with_capacity(candidates.len());
    for &layout in candidates {
        match parse_layout(bytes, layout) {
            Ok(t) => return Ok(t),
            Err(e) => errors.push((plausibility(bytes, layout), e)),
        }
    }
    let best = errors.iter().map(|(p, _)| *p).max().unwrap_or(0);
    Err(errors
        .into_iter()
        .find(|(p, _)| *p == best)
        .map(|(_, e)| e)
        .unwrap_or_else(|| TemplateError::Malformed("no reading of the header applies".into())))
}

/// How much a reading's stated length says the record follows it: 3 when it fits the input
/// with only zeros after it, 2 when it is between the header size and the cap, 1 when it is over
/// the cap by less than another 64 KiB (only ISO: for the 6-byte ANSI form such a length is more
/// likely ISO's length and equipment fields, and a far larger ISO length is more likely an ANSI
/// 2-byte length and product id), 0 otherwise.
fn plausibility(bytes: &[u8], layout: Layout) -> u8 {
    match layout.stated_len(bytes) {
        Ok(len) if len < layout.header_len() => 0,
        Ok(len) if len > MAX_RECORD_BYTES => {
            u8::from(layout == Layout::Iso && len < 2 * MAX_RECORD_BYTES)
        }
        Ok(len) => {
            if bytes.get(len..).is_some_and(|t| t.iter().all(|&b| b == 0)) {
                3
            } else {
                2
            }
        }
        Err(_) => 0,
    }
}

fn parse_layout(bytes: &[u8], layout: Layout) -> Result<Template, TemplateError> {
    let stated = layout.stated_len(bytes)?;
    if stated > MAX_RECORD_BYTES {
        return Err(TemplateError::TooLarge(stated));
    }
    let header = layout.header_len();
    if stated < header {
        return Err(TemplateError::LengthMismatch(format!(
            "stated record length {stated} is shorter than the {header}-byte {} header",
            layout.name()
        )));
    }
    if stated > bytes.len() {
        return Err(TemplateError::Truncated(format!(
            "the record states {stated} bytes but only {} are present",
            bytes.len()
        )));
    }
    let (rec, tail) = bytes.split_at(stated);
    let nonzero = tail.iter().filter(|&&b| b != 0).count();
    if nonzero > 0 {
        return Err(TemplateError::TrailingGarbage {
            stated,
            count: nonzero,
        });
    }
    let (format, product, mut at) = match layout {
        Layout::Iso => (Format::Iso2005, 0, 12),
        Layout::AnsiShort => (Format::Ansi2004, u32_at(rec, 10, "CBEFF product id")?, 14),
        Layout::AnsiExtended => (Format::Ansi2004, u32_at(rec, 14, "CBEFF product id")?, 18),
    };
    let equipment = u16_at(rec, at, "capture equipment")?;
    let width = u16_at(rec, at + 2, "image width")?;
    let height = u16_at(rec, at + 4, "image height")?;
    let res_x = u16_at(rec, at + 6, "x resolution")?;
    let res_y = u16_at(rec, at + 8, "y resolution")?;
    let nviews = u8_at(rec, at + 10, "number of views")?;
    let reserved = u8_at(rec, at + 11, "reserved byte")?;
    at += 12;
    if reserved != 0 {
        return Err(TemplateError::BadField(format!(
            "the reserved header byte is {reserved}, not 0"
        )));
    }
    if res_x == 0 || res_y == 0 {
        return Err(TemplateError::BadField(format!(
            "resolution {res_x}x{res_y} pixels/cm has a zero"
        )));
    }
    let ctx = ViewCtx {
        rec,
        format,
        width,
        height,
        nviews: usize::from(nviews),
    };
    let mut failed = HashSet::new();
    let views = ctx.views_from(at, 0, &mut failed)?;
    Ok(Template {
        format,
        product,
        equipment,
        width,
        height,
        res_x,
        res_y,
        views,
    })
}

struct ViewCtx<'a> {
    rec: &'a [u8],
    format: Format,
    width: u16,
    height: u16,
    nviews: usize,
}

/// A view's fixed part, read before its extended data.
struct ViewHead {
    view: View,
    /// Offset of the 2-byte extended data length.
    ext_at: usize,
}

impl ViewCtx<'_> {
    /// Views `index..` starting at `at`, trying the readings of each view's extended data length
    /// (standard first) until the rest of the record parses and ends exactly at its stated
    /// length. `failed` remembers (view, offset) states already known not to parse, so the
    /// search stays linear in the record's size.
    fn views_from(
        &self,
        at: usize,
        index: usize,
        failed: &mut HashSet<(usize, usize)>,
    ) -> Result<Vec<View>, TemplateError> {
        if index == self.nviews {
            if at != self.rec.len() {
                return Err(TemplateError::LengthMismatch(format!(
                    "the {} view(s) end at byte {at} but the record states {} bytes",
                    self.nviews,
                    self.rec.len()
                )));
            }
            return Ok(Vec::with_capacity(self.nviews));
        }
        if failed.contains(&(index, at)) {
            return Err(TemplateError::Malformed(format!(
                "view {index} at byte {at} does not parse"
            )));
        }
        let result = self.view_then_rest(at, index, failed);
        if result.is_err() {
            failed.insert((index, at));
        }
        result
    }

    fn view_then_rest(
        &self,
        at: usize,
        index: usize,
        failed: &mut HashSet<(usize, usize)>,
    ) -> Result<Vec<View>, TemplateError> {
        let head = self.view_head(at, index)?;
        let declared = usize::from(u16_at(
            self.rec,
            head.ext_at,
            &format!("view {index}'s extended data length"),
        )?);
        let data_at = head.ext_at + 2;
        // Standard reading: the length counts the bytes after the field. The other writers'
        // reading: it counts its own 2 bytes too.
        let mut readings = vec![declared];
        if declared >= 2 {
            readings.push(declared - 2);
        }
        let mut first_err = None;
        for area_len in readings {
            let end = data_at + area_len;
            let attempt = match self.rec.get(data_at..end) {
                None => Err(TemplateError::Truncated(format!(
                    "view {index}'s extended data needs bytes {data_at}..{end} of a {}-byte record",
                    self.rec.len()
                ))),
                Some(area) => check_extension_area(area, index).and_then(|()| {
                    let mut rest = self.views_from(end, index + 1, failed)?;
                    let mut view = head.view.clone();
                    view.extensions = area.to_vec();
                    rest.push(view);
                    Ok(rest)
                }),
            };
            match attempt {
                Ok(mut views) if index == 0 => {
                    views.reverse();
                    return Ok(views);
                }
                Ok(views) => return Ok(views),
                Err(e) => {
                    if first_err.is_none() {
                        first_err = Some(e);
                    }
                }
            }
        }
        Err(first_err.unwrap_or_else(|| {
            TemplateError::Malformed(format!("view {index}'s extended data does not parse"))
        }))
    }

    fn view_head(&self, at: usize, index: usize) -> Result<ViewHead, TemplateError> {
        let rec = self.rec;
        if rec.len() < at + VIEW_HEADER {
            return Err(TemplateError::Truncated(format!(
                "view {index}'s 4-byte header at byte {at} runs past the {}-byte record",
                rec.len()
            )));
        }
        let finger = u8_at(rec, at, "finger position")?;
        let vi = u8_at(rec, at + 1, "view number and impression type")?;
        let quality = u8_at(rec, at + 2, "finger quality")?;
        let count = usize::from(u8_at(rec, at + 3, "number of minutiae")?);
        let (view_number, impression) = (vi >> 4, vi & 0x0F);
        if finger > 10 {
            return Err(TemplateError::BadField(format!(
                "view {index}: finger position {finger} is not 0..=10"
            )));
        }
        if !matches!(impression, 0..=3 | 8 | 9) {
            return Err(TemplateError::BadField(format!(
                "view {index}: impression type {impression} is not 0-3, 8 or 9"
            )));
        }
        if quality > 100 {
            return Err(TemplateError::BadField(format!(
                "view {index}: finger quality {quality} is over 100"
            )));
        }
        let first = at + VIEW_HEADER;
        let end = first + count * MINUTIA_BYTES;
        if rec.len() < end + 2 {
            return Err(TemplateError::Truncated(format!(
                "view {index}: {count} minutiae and the extended data length need bytes \
                 {first}..{} of a {}-byte record",
                end + 2,
                rec.len()
            )));
        }
        let mut minutiae = Vec::with_capacity(count);
        for i in 0..count {
            minutiae.push(self.minutia(first + i * MINUTIA_BYTES, index, i)?);
        }
        Ok(ViewHead {
            view: View {
                finger,
                view_number,
                impression,
                quality,
                minutiae,
                extensions: Vec::new(),
            },
            ext_at: end,
        })
    }

    fn minutia(&self, at: usize, view: usize, index: usize) -> Result<Minutia, TemplateError> {
        let tx = u16_at(self.rec, at, "minutia x")?;
        let ry = u16_at(self.rec, at + 2, "minutia y")?;
        let raw_angle = u8_at(self.rec, at + 4, "minutia angle")?;
        let quality = u8_at(self.rec, at + 5, "minutia quality")?;
        let kind = match tx >> 14 {
            0 => MinutiaKind::Other,
            1 => MinutiaKind::Ending,
            2 => MinutiaKind::Bifurcation,
            _ => {
                return Err(TemplateError::BadMinutia(format!(
                    "view {view}, minutia {index}: type bits 11 are reserved"
                )));
            }
        };
        if ry >> 14 != 0 {
            return Err(TemplateError::BadMinutia(format!(
                "view {view}, minutia {index}: the 2 reserved bits before y are set"
            )));
        }
        let angle = match self.format {
            Format::Iso2005 => raw_angle,
            Format::Ansi2004 => {
                if raw_angle > ANSI_MAX_ANGLE {
                    return Err(TemplateError::BadMinutia(format!(
                        "view {view}, minutia {index}: ANSI angle {raw_angle} is over 179 \
                         (units of 2 degrees)"
                    )));
                }
                ansi_to_angle(raw_angle)
            }
        };
        if quality > 100 {
            return Err(TemplateError::BadMinutia(format!(
                "view {view}, minutia {index}: quality {quality} is over 100"
            )));
        }
        let (x, y) = (tx & COORD_MASK, ry & COORD_MASK);
        if x >= self.width || y >= self.height {
            return Err(TemplateError::MinutiaOutOfBounds {
                view,
                index,
                x,
                y,
                width: self.width,
                height: self.height,
            });
        }
        Ok(Minutia {
            kind,
            x,
            y,
            angle,
            quality,
        })
    }
}

/// An extended data area is a run of blocks (2-byte type, 2-byte length, data). Accepts it when
/// it splits exactly into blocks with the length read as including the 4-byte block header
/// (the standard reading) or as excluding it. Type 0 is reserved and refused (which also keeps
/// zero runs from reading as empty blocks).
fn check_extension_area(area: &[u8], view: usize) -> Result<(), TemplateError> {
    if area.is_empty() {
        return Ok(());
    }
    let including = split_blocks(area, true);
    if including.is_ok() {
        return Ok(());
    }
    if split_blocks(area, false).is_ok() {
        return Ok(());
    }
    Err(TemplateError::BadExtension(format!(
        "view {view}: the {}-byte extended data does not split into blocks under either \
         reading of the block length ({})",
        area.len(),
        including.err().unwrap_or_default()
    )))
}

fn split_blocks(area: &[u8], length_includes_header: bool) -> Result<(), String> {
    let mut at = 0usize;
    while at < area.len() {
        let (Some(&[t0, t1]), Some(&[l0, l1])) = (area.get(at..at + 2), area.get(at + 2..at + 4))
        else {
            return Err(format!("a block header at offset {at} is cut short"));
        };
        if u16::from_be_bytes([t0, t1]) == 0 {
            return Err(format!("block type 0 at offset {at} is reserved"));
        }
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let total = if length_includes_header {
            if len < 4 {
                return Err(format!("block length {len} at offset {at} is under 4"));
            }
            len
        } else {
            len + 4
        };
        at += total;
    }
    if at == area.len() {
        Ok(())
    } else {
        Err(format!(
            "the last block runs {} byte(s) past the area",
            at - area.len()
        ))
    }
}

impl Template {
    /// Writes the record in ISO/IEC 19794-2:2005. At most 255 views and 255 minutiae per view
    /// are written (the counts are bytes); coordinates are 14-bit. `product` is not written
    /// (ISO has no such field).
    pub fn to_iso_bytes(&self) -> Vec<u8> {
        self.write(Format::Iso2005)
    }

    /// Writes the record in ANSI INCITS 378-2004, angles converted to 2-degree units (a record
    /// read from ANSI writes back byte for byte).
    pub fn to_ansi_bytes(&self) -> Vec<u8> {
        self.write(Format::Ansi2004)
    }

    /// Writes the record in its own [`Template::format`].
    pub fn to_bytes(&self) -> Vec<u8> {
        self.write(self.format)
    }

    fn write(&self, format: Format) -> Vec<u8> {
        let mut body = Vec::new();
        let views = &self.views[..self.views.len().min(255)];
        for v in views {
            body.push(v.finger);
            body.push(((v.view_number & 0x0F) << 4) | (v.impression & 0x0F));
            body.push(v.quality);
            let ms = &v.minutiae[..v.minutiae.len().min(255)];
            body.push(u8::try_from(ms.len()).unwrap_or(u8::MAX));
            for m in ms {
                body.extend_from_slice(&((m.kind.bits() << 14) | (m.x & COORD_MASK)).to_be_bytes());
                body.extend_from_slice(&(m.y & COORD_MASK).to_be_bytes());
                body.push(match format {
                    Format::Iso2005 => m.angle,
                    Format::Ansi2004 => angle_to_ansi(m.angle),
                });
                body.push(m.quality);
            }
            let ext = &v.extensions[..v.extensions.len().min(usize::from(u16::MAX))];
            body.extend_from_slice(&u16::try_from(ext.len()).unwrap_or(u16::MAX).to_be_bytes());
            body.extend_from_slice(ext);
        }
        let mut out = Vec::with_capacity(ANSI_EXT_HEADER + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(VERSION);
        match format {
            Format::Iso2005 => {
                let len = ISO_HEADER + body.len();
                out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
            }
            Format::Ansi2004 => {
                let short = ANSI_HEADER + body.len();
                match u16::try_from(short) {
                    Ok(l) => out.extend_from_slice(&l.to_be_bytes()),
                    Err(_) => {
                        let long = ANSI_EXT_HEADER + body.len();
                        out.extend_from_slice(&[0, 0]);
                        out.extend_from_slice(
                            &u32::try_from(long).unwrap_or(u32::MAX).to_be_bytes(),
                        );
                    }
                }
                out.extend_from_slice(&self.product.to_be_bytes());
            }
        }
        out.extend_from_slice(&self.equipment.to_be_bytes());
        for f in [self.width, self.height, self.res_x, self.res_y] {
            out.extend_from_slice(&f.to_be_bytes());
        }
        out.push(u8::try_from(views.len()).unwrap_or(u8::MAX));
        out.push(0);
        out.extend_from_slice(&body);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_angle_conversion_is_exact_both_ways_on_ansi_values() {
        for a in 0..=ANSI_MAX_ANGLE {
            assert_eq!(angle_to_ansi(ansi_to_angle(a)), a, "ansi {a}");
        }
        for v in 0..=255u8 {
            assert!(angle_to_ansi(v) <= ANSI_MAX_ANGLE);
        }
    }
}
