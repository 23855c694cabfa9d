//! The 300-dpi raster back end: tiny-skia for shapes, ab_glyph coverage blended by hand for
//! glyphs, `png` for encoding (with a `pHYs` chunk).

use ab_glyph::{Font as _, PxScale, point};
use tiny_skia::{
    Color, GradientStop, LinearGradient, Paint, PathBuilder, Pixmap, Point, Rect, SpreadMode,
    Stroke, Transform,
};

use std::sync::OnceLock;

use crate::card::{Rgb, Scene, Shape, TextRun, static_shapes};
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

/// Draws a scene onto a copy of the card background.
pub(crate) fn draw(scene: &Scene) -> Result<Rgb8, CardError> {
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
pub(crate) fn render_png(scene: &Scene) -> Result<Vec<u8>, CardError> {
    encode_png(&draw(scene)?)
}
