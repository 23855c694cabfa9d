//! The PDF back end (krilla): vector shapes and real text with the embedded, subsetted fonts.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::Size;
use krilla::geom::{Path, PathBuilder, Point, Rect, Transform};
use krilla::image::Image;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LinearGradient, SpreadMethod, Stop, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use crate::card::{FRAME, FRAME_WIDTH, PHOTO, Rgb, Scene, Shape, static_shapes};
use crate::media::{self, Media};
use crate::text::{BOLD_TTF, Face, GlyphInfo, REGULAR_TTF};
use crate::{CardError, HEIGHT_MM, PxRect, WIDTH_MM, WIDTH_PX};

/// Points per millimetre.
pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;

/// krilla's handles on the two embedded faces.
pub(crate) struct PdfFonts {
    regular: Font,
    bold: Font,
}

impl PdfFonts {
    pub fn new() -> Result<Self, CardError> {
        let load = |data: &'static [u8]| {
            Font::new(data.into(), 0)
                .ok_or_else(|| CardError::Font("krilla cannot read the embedded font".into()))
        };
        Ok(PdfFonts {
            regular: load(REGULAR_TTF)?,
            bold: load(BOLD_TTF)?,
        })
    }

    pub fn get(&self, face: Face) -> Font {
        match face {
            Face::Regular => self.regular.clone(),
            Face::Bold => self.bold.clone(),
        }
    }
}

pub(crate) fn fill_of(c: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(c[0], c[1], c[2]).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

pub(crate) fn stroke_of(c: Rgb, width: f32) -> Stroke {
    Stroke {
        paint: rgb::Color::new(c[0], c[1], c[2]).into(),
        width,
        ..Stroke::default()
    }
}

pub(crate) fn rect_path(r: &PxRect) -> Option<Path> {
    let rect = Rect::from_ltrb(r.x0, r.y0, r.x1, r.y1)?;
    let mut pb = PathBuilder::new();
    pb.push_rect(rect);
    pb.finish()
}

pub(crate) fn fill_rect(surface: &mut Surface<'_>, r: &PxRect, c: Rgb) {
    if let Some(path) = rect_path(r) {
        surface.set_stroke(None);
        surface.set_fill(Some(fill_of(c)));
        surface.draw_path(&path);
    }
}

pub(crate) fn stroke_path(surface: &mut Surface<'_>, path: &Path, c: Rgb, width: f32) {
    surface.set_fill(None);
    surface.set_stroke(Some(stroke_of(c, width)));
    surface.draw_path(path);
    surface.set_stroke(None);
}

/// Draws one line of glyphs at `origin_x` on `baseline`, positions exactly as laid out.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_line(
    surface: &mut Surface<'_>,
    font: Font,
    size: f32,
    color: Rgb,
    origin_x: f32,
    baseline: f32,
    glyphs: &[GlyphInfo],
    pens: &[f32],
) {
    if glyphs.is_empty() {
        return;
    }
    let mut text = String::with_capacity(glyphs.len() * 2);
    let mut kg = Vec::with_capacity(glyphs.len());
    for (k, g) in glyphs.iter().enumerate() {
        let start = text.len();
        text.push(g.ch);
        let adv = match (pens.get(k), pens.get(k + 1)) {
            (Some(a), Some(b)) => b - a,
            _ => g.adv,
        };
        kg.push(KrillaGlyph::new(
            GlyphId::new(u32::from(g.id.0)),
            adv,
            0.0,
            0.0,
            0.0,
            start..text.len(),
            None,
        ));
    }
    let start_x = origin_x + pens.first().copied().unwrap_or(0.0) * size;
    surface.set_stroke(None);
    surface.set_fill(Some(fill_of(color)));
    surface.draw_glyphs(
        Point::from_xy(start_x, baseline),
        &kg,
        font,
        &text,
        size,
        false,
    );
}

fn draw_shape(surface: &mut Surface<'_>, shape: &Shape) {
    match shape {
        Shape::VGradient { rect, top, bottom } => {
            let Some(path) = rect_path(rect) else { return };
            let stop = |offset: f32, c: &Rgb| Stop {
                offset: NormalizedF32::new(offset).unwrap_or(NormalizedF32::ZERO),
                color: rgb::Color::new(c[0], c[1], c[2]).into(),
                opacity: NormalizedF32::ONE,
            };
            let lg = LinearGradient {
                x1: 0.0,
                y1: rect.y0,
                x2: 0.0,
                y2: rect.y1,
                transform: Transform::identity(),
                spread_method: SpreadMethod::Pad,
                stops: vec![stop(0.0, top), stop(1.0, bottom)],
                anti_alias: false,
            };
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: lg.into(),
                opacity: NormalizedF32::ONE,
                rule: FillRule::NonZero,
            }));
            surface.draw_path(&path);
        }
        Shape::Fill { rect, color } => fill_rect(surface, rect, *color),
        Shape::Stroke { rect, color, width } => {
            if let Some(path) = rect_path(rect) {
                stroke_path(surface, &path, *color, *width);
            }
        }
        Shape::Polyline {
            points,
            color,
            width,
        } => {
            let mut pb = PathBuilder::new();
            for (i, &(x, y)) in points.iter().enumerate() {
                if i == 0 {
                    pb.move_to(x, y);
                } else {
                    pb.line_to(x, y);
                }
            }
            if let Some(path) = pb.finish() {
                stroke_path(surface, &path, *color, *width);
            }
        }
    }
}

/// The photo as a PDF image: a JPEG is embedded as it is (no re-encoding), anything else as
/// pixels. Decoded first all the same, under `cetak-media`'s limits, so a broken photo is an
/// error here rather than a broken PDF.
fn photo_image(bytes: &[u8]) -> Result<Image, CardError> {
    let decoded = media::decode_photo(bytes)?;
    match cetak_media::sniff(bytes) {
        Some(cetak_media::ImageFormat::Jpeg) => {
            Image::from_jpeg(bytes.to_vec().into(), true).map_err(CardError::Photo)
        }
        _ => {
            let rgba = decoded.into_rgba8();
            let (w, h) = rgba.dimensions();
            Ok(Image::from_rgba8(rgba.into_raw(), w, h))
        }
    }
}

/// Draws the photo cover-fitted into the photo box (clipped to it), and the frame over it.
fn draw_photo(surface: &mut Surface<'_>, image: Image) {
    let (sw, sh) = image.size();
    let (x, y, w, _) = media::cover_crop(sw, sh, PHOTO.width(), PHOTO.height());
    let scale = PHOTO.width() / w;
    let (Some(size), Some(clip)) = (
        Size::from_wh(sw as f32 * scale, sh as f32 * scale),
        rect_path(&PHOTO),
    ) else {
        return;
    };
    surface.push_clip_path(&clip, &FillRule::NonZero);
    surface.push_transform(&Transform::from_translate(
        PHOTO.x0 - x * scale,
        PHOTO.y0 - y * scale,
    ));
    surface.draw_image(image, size);
    surface.pop();
    surface.pop();
    stroke_path(surface, &clip, FRAME, FRAME_WIDTH);
}

/// The signature as ink (straight RGBA, soft-masked in the PDF).
fn signature_image(bytes: &[u8]) -> Result<Image, CardError> {
    let ink = media::unpremultiply(media::signature_ink(bytes)?);
    let (w, h) = ink.dimensions();
    Ok(Image::from_rgba8(ink.into_raw(), w, h))
}

/// Draws the signature contain-fitted into its box.
fn draw_signature(surface: &mut Surface<'_>, image: Image) {
    let (w, h) = image.size();
    let at = media::contain(w, h, &media::signature_area());
    let Some(size) = Size::from_wh(at.width(), at.height()) else {
        return;
    };
    surface.push_transform(&Transform::from_translate(at.x0, at.y0));
    surface.draw_image(image, size);
    surface.pop();
}

/// Writes the card scene as a one-page PDF of exactly 85.60 × 53.98 mm.
pub(crate) fn card_pdf(scene: &Scene, media: &Media<'_>) -> Result<Vec<u8>, CardError> {
    let fonts = PdfFonts::new()?;
    // Decoded before the page starts, so a broken image is an error, not half a page.
    let photo = media.photo.map(photo_image).transpose()?;
    let signature = media.signature.map(signature_image).transpose()?;
    let (w_pt, h_pt) = (WIDTH_MM * PT_PER_MM, HEIGHT_MM * PT_PER_MM);
    let settings = PageSettings::from_wh(w_pt, h_pt)
        .ok_or_else(|| CardError::Pdf("invalid page size".into()))?;
    let mut doc = Document::new();
    {
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        // Scene units are card pixels; scale them onto the page.
        let k = w_pt / WIDTH_PX as f32;
        surface.push_transform(&Transform::from_scale(k, k));
        for s in static_shapes().iter().chain(&scene.shapes) {
            draw_shape(&mut surface, s);
        }
        if let Some(image) = photo {
            draw_photo(&mut surface, image);
        }
        if let Some(image) = signature {
            draw_signature(&mut surface, image);
        }
        for run in &scene.runs {
            let clip = rect_path(&run.clip);
            if let Some(c) = &clip {
                surface.push_clip_path(c, &FillRule::NonZero);
            }
            for line in &run.lines {
                draw_line(
                    &mut surface,
                    fonts.get(run.face),
                    run.size,
                    run.color,
                    line.origin_x,
                    line.baseline,
                    &line.glyphs,
                    &line.pens,
                );
            }
            if clip.is_some() {
                surface.pop();
            }
        }
        surface.pop();
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| CardError::Pdf(e.to_string()))
}
