//! Embedded fonts, text clean-up, measurement and fitting (wrap / shrink / ellipsis).
//!
//! Everything here works in *em* units (font units divided by units-per-em) so that a
//! measurement taken once can be scaled to any font size by a multiplication. Both the raster
//! and the PDF back ends draw from the glyph positions computed here, so the two outputs agree.

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, GlyphId};

use crate::CardError;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
pub(crate) static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold (same licence).
pub(crate) static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Longest run of characters considered for one text item; anything beyond is cut (and the
/// item is marked truncated). No field on a card or a report cell can show this many.
const MAX_CHARS: usize = 2_000;

/// The ellipsis appended to truncated text.
pub(crate) const ELLIPSIS: char = '\u{2026}';

/// Which of the two embedded faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
}

/// Ink bounds of a glyph in em, y pointing down, relative to the pen position on the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ink {
    pub x0: f32,
    pub x1: f32,
    pub top: f32,
    pub bottom: f32,
}

/// One glyph with what layout needs to know about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GlyphInfo {
    /// The character this glyph stands for in the drawn text (after replacement).
    pub ch: char,
    pub id: GlyphId,
    /// Advance width in em.
    pub adv: f32,
    pub ink: Option<Ink>,
}

impl GlyphInfo {
    fn is_space(&self) -> bool {
        self.ch == ' '
    }
}

/// One parsed face plus cached metrics.
pub(crate) struct FaceData {
    pub font: FontRef<'static>,
    upem: f32,
    /// Ascent in em (positive).
    pub ascent: f32,
    /// Descent in em (positive magnitude).
    pub descent: f32,
    /// ab_glyph's `PxScale` is the pixel height of ascent-descent, not the em size: multiply
    /// an em size by this to get the `PxScale`.
    pub px_scale_per_em: f32,
    replacement: GlyphInfo,
    ellipsis: GlyphInfo,
    /// Metrics of U+0000..U+0250, computed once.
    cache: Vec<GlyphInfo>,
}

const CACHE_CHARS: u32 = 0x250;

impl FaceData {
    fn new(data: &'static [u8]) -> Result<Self, String> {
        let font = FontRef::try_from_slice(data).map_err(|e| e.to_string())?;
        let upem = font.units_per_em().ok_or("font has no units per em")?;
        let ascent = font.ascent_unscaled() / upem;
        let descent = -font.descent_unscaled() / upem;
        let px_scale_per_em = font.height_unscaled() / upem;
        let mut face = FaceData {
            font,
            upem,
            ascent,
            descent,
            px_scale_per_em,
            replacement: GlyphInfo {
                ch: '?',
                id: GlyphId(0),
                adv: 0.0,
                ink: None,
            },
            ellipsis: GlyphInfo {
                ch: '.',
                id: GlyphId(0),
                adv: 0.0,
                ink: None,
            },
            cache: Vec::new(),
        };
        face.replacement = ['\u{FFFD}', '?']
            .into_iter()
            .map(|c| face.compute(c))
            .find(|g| g.id.0 != 0)
            .ok_or("font lacks both U+FFFD and '?'")?;
        let ell = face.compute(ELLIPSIS);
        face.ellipsis = if ell.id.0 != 0 {
            ell
        } else {
            face.compute('.')
        };
        face.cache = (0..CACHE_CHARS)
            .map(|u| face.compute(char::from_u32(u).unwrap_or('\0')))
            .collect();
        Ok(face)
    }

    fn compute(&self, ch: char) -> GlyphInfo {
        let id = self.font.glyph_id(ch);
        let adv = self.font.h_advance_unscaled(id) / self.upem;
        let ink = self.font.outline(id).map(|o| Ink {
            // ab_glyph's outline bounds: min = (x_min, y_max), max = (x_max, y_min), y up.
            x0: o.bounds.min.x / self.upem,
            x1: o.bounds.max.x / self.upem,
            top: -o.bounds.min.y / self.upem,
            bottom: -o.bounds.max.y / self.upem,
        });
        GlyphInfo { ch, id, adv, ink }
    }

    /// Metrics for a character; `None` when the font has no glyph for it.
    fn info(&self, ch: char) -> Option<GlyphInfo> {
        let g = match self.cache.get(ch as usize) {
            Some(g) => *g,
            None => self.compute(ch),
        };
        (g.id.0 != 0).then_some(g)
    }

    /// Kerning between two glyphs, in em.
    fn kern(&self, a: GlyphId, b: GlyphId) -> f32 {
        self.font.kern_unscaled(a, b) / self.upem
    }

    /// Line box height (ascent + descent) in em.
    pub fn line_em(&self) -> f32 {
        self.ascent + self.descent
    }
}

/// Both embedded faces.
pub(crate) struct Fonts {
    pub regular: FaceData,
    pub bold: FaceData,
}

impl Fonts {
    pub fn face(&self, face: Face) -> &FaceData {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }
}

/// The fonts, parsed once per process.
pub(crate) fn fonts() -> Result<&'static Fonts, CardError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                regular: FaceData::new(REGULAR_TTF)?,
                bold: FaceData::new(BOLD_TTF)?,
            })
        })
        .as_ref()
        .map_err(|e| CardError::Font(e.clone()))
}

/// Characters that take no room and must not be drawn (bidi controls, zero-width marks, BOM…).
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Turns arbitrary text into glyphs the face can draw: whitespace runs become one space,
/// control and invisible format characters are dropped, characters the font lacks become the
/// replacement glyph. Returns the glyphs and whether the input had to be cut at [`MAX_CHARS`].
pub(crate) fn prepare(face: &FaceData, text: &str) -> (Vec<GlyphInfo>, bool) {
    let mut out: Vec<GlyphInfo> = Vec::with_capacity(text.len().min(MAX_CHARS));
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_invisible_format(c) {
            continue;
        }
        if out.len() + usize::from(pending_space) >= MAX_CHARS {
            return (out, true);
        }
        if pending_space {
            if let Some(sp) = face.info(' ') {
                out.push(sp);
            }
            pending_space = false;
        }
        let g = face.info(c).unwrap_or(face.replacement);
        // Without shaping, combining marks just overprint the previous glyph: keep at most two
        // in a row so a string of marks cannot pile up thousands of glyphs in one spot.
        if g.adv == 0.0 && out.len() >= 2 && out[out.len() - 2..].iter().all(|p| p.adv == 0.0) {
            continue;
        }
        out.push(g);
    }
    (out, false)
}

/// Pen positions (em) of each glyph, kerning included; `pens[i]` is where glyph `i` starts.
pub(crate) fn pens(face: &FaceData, glyphs: &[GlyphInfo]) -> Vec<f32> {
    let mut pens = Vec::with_capacity(glyphs.len());
    let mut x = 0.0f32;
    let mut prev: Option<GlyphId> = None;
    for g in glyphs {
        if let Some(p) = prev {
            x += face.kern(p, g.id);
        }
        pens.push(x);
        x += g.adv;
        prev = Some(g.id);
    }
    pens
}

/// Horizontal extent (em) of a laid-out run relative to its origin: `(left, right)`, where
/// `left <= 0` covers ink hanging before the origin and `right` covers both advance and ink.
pub(crate) fn h_extent(glyphs: &[GlyphInfo], pens: &[f32]) -> (f32, f32) {
    let Some(first) = pens.first().copied() else {
        return (0.0, 0.0);
    };
    let mut left = 0.0f32;
    let mut right = 0.0f32;
    for (g, &p) in glyphs.iter().zip(pens) {
        let x = p - first;
        right = right.max(x + g.adv);
        if let Some(ink) = g.ink {
            left = left.min(x + ink.x0);
            right = right.max(x + ink.x1);
        }
    }
    (left, right)
}

/// Vertical ink extent (em, y down from baseline): `(top, bottom)` covering the line box and ink.
pub(crate) fn v_extent(face: &FaceData, glyphs: &[GlyphInfo]) -> (f32, f32) {
    let mut top = -face.ascent;
    let mut bottom = face.descent;
    for g in glyphs {
        if let Some(ink) = g.ink {
            top = top.min(ink.top);
            bottom = bottom.max(ink.bottom);
        }
    }
    (top, bottom)
}

/// What a text item must fit into.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FitSpec {
    pub face: Face,
    /// Available width, px.
    pub width: f32,
    /// Height of one line slot, px.
    pub slot: f32,
    pub max_lines: usize,
    pub size_max: f32,
    pub size_min: f32,
}

/// The result of fitting: a font size and the glyphs of each line.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    pub face: Face,
    pub size: f32,
    pub lines: Vec<Vec<GlyphInfo>>,
    pub truncated: bool,
}

impl Fitted {
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.extend(line.iter().map(|g| g.ch));
        }
        s
    }
}

/// Baseline offset (px from the slot top) that centres the line box in the slot.
pub(crate) fn baseline_offset(face: &FaceData, slot: f32, size: f32) -> f32 {
    (slot - face.line_em() * size) / 2.0 + face.ascent * size
}

const EPS: f32 = 1e-4;

fn fits_vertically(face: &FaceData, ink_top: f32, ink_bottom: f32, slot: f32, size: f32) -> bool {
    let off = baseline_offset(face, slot, size);
    face.line_em() * size <= slot + EPS
        && off + ink_top * size >= -EPS
        && off + ink_bottom * size <= slot + EPS
}

/// Greedy word wrap at a width of `maxw` em. Returns line ranges (spaces trimmed), or `None`
/// when more than `max_lines` lines are needed or a single glyph is wider than the line.
fn wrap(
    glyphs: &[GlyphInfo],
    pens: &[f32],
    maxw: f32,
    max_lines: usize,
) -> Option<Vec<std::ops::Range<usize>>> {
    let n = glyphs.len();
    let skip_spaces = |mut i: usize| {
        while i < n && glyphs[i].is_space() {
            i += 1;
        }
        i
    };
    let trim_end = |i: usize, mut j: usize| {
        while j > i && glyphs[j - 1].is_space() {
            j -= 1;
        }
        j
    };
    let mut lines = Vec::new();
    let mut i = skip_spaces(0);
    while i < n {
        if lines.len() == max_lines {
            return None;
        }
        let mut left = 0.0f32;
        let mut right = 0.0f32;
        let mut last_space = None;
        let mut j = i;
        while j < n {
            let g = &glyphs[j];
            let x = pens[j] - pens[i];
            let (mut nl, mut nr) = (left, right.max(x + g.adv));
            if let Some(ink) = g.ink {
                nl = nl.min(x + ink.x0);
                nr = nr.max(x + ink.x1);
            }
            if nr - nl > maxw + EPS && !g.is_space() {
                break;
            }
            if g.is_space() {
                last_space = Some(j);
            } else {
                left = nl;
                right = nr;
            }
            j += 1;
        }
        if j == n {
            lines.push(i..trim_end(i, n));
            break;
        }
        let next = match last_space {
            Some(sp) if sp > i => sp + 1,
            _ if j > i => j,
            _ => return None,
        };
        lines.push(i..trim_end(i, next));
        i = skip_spaces(next);
    }
    Some(lines)
}

/// Width (em) of a slice laid out on its own.
fn slice_width(face: &FaceData, glyphs: &[GlyphInfo]) -> f32 {
    let p = pens(face, glyphs);
    let (l, r) = h_extent(glyphs, &p);
    r - l
}

/// Candidate sizes from `hi` down to `lo`, in steps of one pixel, `lo` always last.
fn sizes(hi: f32, lo: f32) -> impl Iterator<Item = f32> {
    let steps = ((hi - lo).max(0.0)).floor() as usize;
    (0..=steps)
        .map(move |k| hi - k as f32)
        .filter(move |s| *s > lo + EPS)
        .chain(std::iter::once(lo))
}

/// Fits `text` into `spec`: first on one line shrinking a little, then wrapped onto up to
/// `max_lines` lines shrinking down to the minimum, and finally truncated with an ellipsis at
/// the minimum size. Never fails: the worst case is an empty, truncated result.
pub(crate) fn fit(fonts: &Fonts, text: &str, spec: &FitSpec) -> Fitted {
    let face = fonts.face(spec.face);
    let s_max = spec.size_max.min(spec.slot / face.line_em());
    let s_min = spec.size_min.min(s_max);
    let empty = |truncated| Fitted {
        face: spec.face,
        size: s_max.max(0.0),
        lines: Vec::new(),
        truncated,
    };
    // (Written so that NaN sizes or widths also take this exit.)
    let usable = s_min > 0.5 && spec.width > 0.0;
    if !usable || spec.max_lines == 0 {
        return empty(!text.trim().is_empty());
    }
    let (mut glyphs, capped) = prepare(face, text);
    // A glyph too tall for the slot even at the minimum size is replaced (or dropped).
    let vert_ok = |g: &GlyphInfo| match g.ink {
        None => true,
        Some(ink) => fits_vertically(face, ink.top, ink.bottom, spec.slot, s_min),
    };
    let repl = if vert_ok(&face.replacement) {
        Some(face.replacement)
    } else {
        None
    };
    glyphs = glyphs
        .into_iter()
        .filter_map(|g| if vert_ok(&g) { Some(g) } else { repl })
        .collect();
    if glyphs.is_empty() {
        return empty(capped);
    }
    let (ink_top, ink_bottom) = v_extent(face, &glyphs);
    let pens = pens(face, &glyphs);
    let single_floor = if spec.max_lines > 1 {
        (s_max * 0.85).max(s_min)
    } else {
        s_min
    };

    if !capped {
        let attempts = sizes(s_max, single_floor)
            .map(|s| (s, 1))
            .chain(sizes(s_max, s_min).map(|s| (s, spec.max_lines)))
            .chain(sizes(single_floor, s_min).map(|s| (s, 1)));
        for (s, max_lines) in attempts {
            if !fits_vertically(face, ink_top, ink_bottom, spec.slot, s) {
                continue;
            }
            if let Some(ranges) = wrap(&glyphs, &pens, spec.width / s, max_lines) {
                return Fitted {
                    face: spec.face,
                    size: s,
                    lines: ranges.into_iter().map(|r| glyphs[r].to_vec()).collect(),
                    truncated: false,
                };
            }
        }
    }

    // Truncate at the minimum size.
    let s = s_min;
    let maxw = spec.width / s;
    let ranges = wrap(&glyphs, &pens, maxw, usize::MAX).unwrap_or_default();
    let mut lines: Vec<Vec<GlyphInfo>> = ranges
        .iter()
        .take(spec.max_lines - 1)
        .map(|r| glyphs[r.clone()].to_vec())
        .collect();
    let start = ranges
        .get(spec.max_lines - 1)
        .map(|r| r.start)
        .or_else(|| ranges.last().map(|r| r.end))
        .unwrap_or(0);
    let rest = &glyphs[start.min(glyphs.len())..];
    let with_ellipsis = |k: usize| {
        let mut v: Vec<GlyphInfo> = rest[..k].to_vec();
        while v.last().is_some_and(GlyphInfo::is_space) {
            v.pop();
        }
        v.push(face.ellipsis);
        v
    };
    let fits = |k: usize| slice_width(face, &with_ellipsis(k)) <= maxw + EPS;
    if fits(0) {
        // Largest k in [0, len] that fits (binary search; width is close to monotonic and
        // the found k is checked, so a wrong guess only costs characters, never overflow).
        let (mut lo, mut hi) = (0usize, rest.len());
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lines.push(with_ellipsis(lo));
    }
    Fitted {
        face: spec.face,
        size: s,
        lines,
        truncated: true,
    }
}

/// Wraps `text` at a fixed size into as many lines as needed (for reports), each line in a
/// slot of `slot` px/pt. At most `max_lines` lines are kept; the last one ends with an ellipsis
/// when text was cut.
pub(crate) fn wrap_fixed(
    fonts: &Fonts,
    face: Face,
    text: &str,
    size: f32,
    width: f32,
    slot: f32,
    max_lines: usize,
) -> Fitted {
    let spec = FitSpec {
        face,
        width,
        slot,
        max_lines,
        size_max: size,
        size_min: size,
    };
    fit(fonts, text, &spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f() -> &'static Fonts {
        fonts().expect("fonts")
    }

    #[test]
    fn prepare_cleans_controls_and_spaces() {
        let (g, capped) = prepare(&f().regular, "\u{0}  A\t\nB\u{202E}C  ");
        let s: String = g.iter().map(|g| g.ch).collect();
        assert_eq!(s, "A BC");
        assert!(!capped);
    }

    #[test]
    fn missing_glyph_becomes_replacement() {
        let (g, _) = prepare(&f().regular, "A\u{1F600}B");
        assert_eq!(g.len(), 3);
        assert_ne!(g[1].id.0, 0);
    }

    #[test]
    fn long_text_is_capped() {
        let s = "x".repeat(10_000);
        let (g, capped) = prepare(&f().regular, &s);
        assert_eq!(g.len(), MAX_CHARS);
        assert!(capped);
    }

    #[test]
    fn fit_wraps_then_truncates() {
        let spec = FitSpec {
            face: Face::Regular,
            width: 200.0,
            slot: 30.0,
            max_lines: 2,
            size_max: 24.0,
            size_min: 16.0,
        };
        let short = fit(f(), "BUDI", &spec);
        assert_eq!(short.lines.len(), 1);
        assert_eq!(short.size, 24.0);
        let two = fit(f(), "MUHAMMAD RIZKY PRATAMA WIJAYA", &spec);
        assert_eq!(two.lines.len(), 2);
        assert!(!two.truncated);
        let long = fit(f(), &"ABCDEFGH ".repeat(50), &spec);
        assert!(long.truncated);
        assert_eq!(long.lines.len(), 2);
        assert_eq!(long.lines[1].last().map(|g| g.ch), Some(ELLIPSIS));
    }
}
