//! The 300-dpi raster back end: tiny-skia for shapes, ab_glyph coverage blended by hand for
//! glyphs, `png` for encoding (with a `pHYs` chunk).

use ab_glyph::{Font as _, PxScale, point};
use tiny_skia::{
    Color, GradientStop, LinearGradient, Paint, PathBuilder, Pixmap, Point, Rect, SpreadMode,
    Stroke, Transform,
};

use std::sync::OnceLock;

use crate::card::{FRAME, FRAME_WIDTH, PHOTO, Rgb, Scene, Shape, TextRun, static_shapes};
use crate::media::{self, Media};
use crate::text::{Fonts, fonts};
use crate::{CardError, DPI, HEIGHT_PX, WIDTH_PX};

fn color(c: Rgb) -> Color {
    Color::from_rgba8(c[0], c[1], c[2], 255)
}

fn solid(c: Rgb) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(color(c));
    p.anti_alias = true;
    p
}

fn draw_shape(pm: &mut Pixmap, shape: &Shape) {
    match shape {
        Shape::VGradient { rect, top, bottom } => {
            let Some(r) = Rect::from_ltrb(rect.x0, rect.y0, rect.x1, rect.y1) else {
                return;
            };
            let shader = LinearGradient::new(
                Point::from_xy(0.0, rect.y0),
                Point::from_xy(0.0, rect.y1),
                vec![
                    GradientStop::new(0.0, color(*top)),
                    GradientStop::new(1.0, color(*bottom)),
                ],
                SpreadMode::Pad,
                Transform::identity(),
            );
            if let Some(shader) = shader {
                let paint = Paint {
                    shader,
                    ..Paint::default()
                };
                pm.fill_rect(r, &paint, Transform::identity(), None);
            }
        }
        Shape::Fill { rect, color } => {
            if let Some(r) = Rect::from_ltrb(rect.x0, rect.y0, rect.x1, rect.y1) {
                pm.fill_rect(r, &solid(*color), Transform::identity(), None);
            }
        }
        Shape::Stroke { rect, color, width } => {
            let path =
                Rect::from_ltrb(rect.x0, rect.y0, rect.x1, rect.y1).map(PathBuilder::from_rect);
            if let Some(path) = path {
                let stroke = Stroke {
                    width: *width,
                    ..Stroke::default()
                };
                pm.stroke_path(&path, &solid(*color), &stroke, Transform::identity(), None);
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
                let stroke = Stroke {
                    width: *width,
                    ..Stroke::default()
                };
                pm.stroke_path(&path, &solid(*color), &stroke, Transform::identity(), None);
            }
        }
    }
}

/// An opaque RGB8 image, 3 bytes a pixel, rows top to bottom.
pub(crate) struct Rgb8 {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Draws a text run by blending ab_glyph coverage into the RGB image, clipped to the run's
/// allowed box and the image.
fn draw_run(img: &mut Rgb8, fonts: &Fonts, run: &TextRun) {
    let face = fonts.face(run.face);
    let scale = PxScale::from(run.size * face.px_scale_per_em);
    let (w, h) = (i64::from(img.width), i64::from(img.height));
    let cx0 = (run.clip.x0.floor() as i64).max(0);
    let cy0 = (run.clip.y0.floor() as i64).max(0);
    let cx1 = (run.clip.x1.ceil() as i64).min(w);
    let cy1 = (run.clip.y1.ceil() as i64).min(h);
    let [cr, cg, cb] = run.color.map(f32::from);
    let data = &mut img.data;
    for line in &run.lines {
        for (g, pen) in line.glyphs.iter().zip(&line.pens) {
            if g.ink.is_none() {
                continue;
            }
            let glyph = g.id.with_scale_and_position(
                scale,
                point(line.origin_x + pen * run.size, line.baseline),
            );
            let Some(outlined) = face.font.outline_glyph(glyph) else {
                continue;
            };
            let b = outlined.px_bounds();
            let (bx, by) = (b.min.x as i64, b.min.y as i64);
            outlined.draw(|x, y, cov| {
                let (px, py) = (bx + i64::from(x), by + i64::from(y));
                if px < cx0 || px >= cx1 || py < cy0 || py >= cy1 || cov <= 0.0 {
                    return;
                }
                let a = cov.min(1.0);
                let i = ((py * w + px) * 3) as usize;
                if let Some(px) = data.get_mut(i..i + 3) {
                    for (d, s) in px.iter_mut().zip([cr, cg, cb]) {
                        let v = f32::from(*d);
                        *d = (v + (s - v) * a + 0.5) as u8;
                    }
                }
            });
        }
    }
}

/// The shapes every card shares, rendered once with tiny-skia and kept as RGB.
fn background() -> Result<&'static Rgb8, CardError> {
    static BACKGROUND: OnceLock<Option<Rgb8>> = OnceLock::new();
    BACKGROUND
        .get_or_init(|| {
            let mut pm = Pixmap::new(WIDTH_PX, HEIGHT_PX)?;
            pm.fill(Color::WHITE);
            for s in &static_shapes() {
                draw_shape(&mut pm, s);
            }
            // Opaque, so premultiplied RGBA is plain RGBA: drop alpha.
            let mut data = Vec::with_capacity((WIDTH_PX * HEIGHT_PX * 3) as usize);
            for p in pm.data().chunks_exact(4) {
                data.extend_from_slice(&p[..3]);
            }
            Some(Rgb8 {
                width: WIDTH_PX,
                height: HEIGHT_PX,
                data,
            })
        })
        .as_ref()
        .ok_or_else(|| CardError::Raster("cannot allocate pixmap".into()))
}

/// Copies the cover-fitted photo into the photo box, then draws the box's frame again over it.
fn draw_photo(img: &mut Rgb8, bytes: &[u8]) -> Result<(), CardError> {
    let (x0, y0) = (PHOTO.x0.round() as usize, PHOTO.y0.round() as usize);
    let (bw, bh) = (PHOTO.width().round() as u32, PHOTO.height().round() as u32);
    let photo = media::photo_pixels(bytes, bw, bh)?;
    let stride = img.width as usize * 3;
    let row = bw as usize * 3;
    for (y, src) in photo.as_raw().chunks_exact(row).enumerate() {
        let at = (y0 + y) * stride + x0 * 3;
        if let Some(dst) = img.data.get_mut(at..at + row) {
            dst.copy_from_slice(src);
        }
    }
    // The frame: a stroke of FRAME_WIDTH centred on the box edges (whole pixels here).
    let half = FRAME_WIDTH / 2.0;
    let (fx0, fy0) = ((PHOTO.x0 - half) as usize, (PHOTO.y0 - half) as usize);
    let (fx1, fy1) = ((PHOTO.x1 + half) as usize, (PHOTO.y1 + half) as usize);
    let w = FRAME_WIDTH as usize;
    let (iw, ih) = (img.width as usize, img.height as usize);
    for y in fy0..fy1.min(ih) {
        let edge_row = y < fy0 + w || y >= fy1 - w;
        for x in fx0..fx1.min(iw) {
            if edge_row || x < fx0 + w || x >= fx1 - w {
                let i = (y * iw + x) * 3;
                img.data[i..i + 3].copy_from_slice(&FRAME);
            }
        }
    }
    Ok(())
}

/// Prints the signature as ink, contain-fitted in its box (whole pixels).
fn draw_signature(img: &mut Rgb8, bytes: &[u8]) -> Result<(), CardError> {
    let ink = media::signature_ink(bytes)?;
    let at = media::contain(ink.width(), ink.height(), &media::signature_area());
    let (x0, y0) = (at.x0.round() as usize, at.y0.round() as usize);
    let (w, h) = (
        (at.width().round() as u32).max(1),
        (at.height().round() as u32).max(1),
    );
    let ink = if (w, h) == ink.dimensions() {
        ink
    } else {
        // Premultiplied, so the filter does not darken the edges.
        cetak_media::image::imageops::resize(
            &ink,
            w,
            h,
            cetak_media::image::imageops::FilterType::Triangle,
        )
    };
    let iw = img.width as usize;
    for (y, row) in ink.rows().enumerate() {
        for (x, p) in row.enumerate() {
            let a = u32::from(p[3]);
            if a == 0 {
                continue;
            }
            let i = ((y0 + y) * iw + x0 + x) * 3;
            if let Some(d) = img.data.get_mut(i..i + 3) {
                for (c, s) in d.iter_mut().zip(&p.0[..3]) {
                    let v = u32::from(*s) + (u32::from(*c) * (255 - a) + 127) / 255;
                    *c = v.min(255) as u8;
                }
            }
        }
    }
    Ok(())
}

/// Draws a scene onto a copy of the card background.
pub(crate) fn draw(scene: &Scene, media: &Media<'_>) -> Result<Rgb8, CardError> {
    let fonts = fonts()?;
    let bg = background()?;
    let mut img = Rgb8 {
        width: bg.width,
        height: bg.height,
        data: bg.data.clone(),
    };
    if !scene.shapes.is_empty() {
        // Per-card shapes (none today) go through tiny-skia on an RGBA copy.
        let mut pm = Pixmap::new(img.width, img.height)
            .ok_or_else(|| CardError::Raster("cannot allocate pixmap".into()))?;
        for (d, s) in pm
            .data_mut()
            .chunks_exact_mut(4)
            .zip(img.data.chunks_exact(3))
        {
            d.copy_from_slice(&[s[0], s[1], s[2], 255]);
        }
        for s in &scene.shapes {
            draw_shape(&mut pm, s);
        }
        for (d, s) in img.data.chunks_exact_mut(3).zip(pm.data().chunks_exact(4)) {
            d.copy_from_slice(&s[..3]);
        }
    }
    if let Some(photo) = media.photo {
        draw_photo(&mut img, photo)?;
    }
    if let Some(signature) = media.signature {
        draw_signature(&mut img, signature)?;
    }
    for run in &scene.runs {
        draw_run(&mut img, fonts, run);
    }
    Ok(img)
}

/// Pixels per metre at [`DPI`]: 300 / 0.0254 = 11811.
const PX_PER_M: u32 = ((DPI as f64) / 0.0254 + 0.5) as u32;

/// Encodes an RGB image as a PNG with a 300-dpi `pHYs` chunk.
pub(crate) fn encode_png(img: &Rgb8) -> Result<Vec<u8>, CardError> {
    let mut out = Vec::with_capacity(img.data.len() / 8);
    {
        let mut enc = png::Encoder::new(&mut out, img.width, img.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_filter(png::Filter::Adaptive);
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: PX_PER_M,
            yppu: PX_PER_M,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc
            .write_header()
            .map_err(|e| CardError::Png(e.to_string()))?;
        writer
            .write_image_data(&img.data)
            .map_err(|e| CardError::Png(e.to_string()))?;
        writer.finish().map_err(|e| CardError::Png(e.to_string()))?;
    }
    Ok(out)
}

/// Renders a scene to PNG bytes.
pub(crate) fn render_png(scene: &Scene, media: &Media<'_>) -> Result<Vec<u8>, CardError> {
    encode_png(&draw(scene, media)?)
}
