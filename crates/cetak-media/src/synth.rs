//! Seeded, drawn (never real) portraits and signatures for the generator and tests.
//!
//! A synthetic population needs pictures that behave like the real ones where it matters to the
//! system (a JPEG of passport framing and of realistic size, a PNG pen trace on transparency)
//! without being anybody's face. The person seed fixes who it is (background colour, skin, hair,
//! clothes, features, the shape of the signature); the recording seed varies the capture
//! (framing, scale, light, sensor noise, pen jitter), so two recordings of one person look alike
//! and two people do not. Everything is pure arithmetic on the seeds: same seeds, same bytes.

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, Rect, Stroke, Transform,
};

/// Portrait size, pixels (3:4, larger than the card's 194 × 259 photo box).
pub const PORTRAIT_WIDTH: u32 = 300;
/// See [`PORTRAIT_WIDTH`].
pub const PORTRAIT_HEIGHT: u32 = 400;
/// JPEG quality of the portraits.
pub const PORTRAIT_QUALITY: u8 = 85;
/// Signature size, pixels.
pub const SIGNATURE_WIDTH: u32 = 360;
/// See [`SIGNATURE_WIDTH`].
pub const SIGNATURE_HEIGHT: u32 = 120;

/// SplitMix64: small, fast, good enough to pick colours and jitter.
struct Rng(u64);

impl Rng {
    fn new(a: u64, b: u64) -> Self {
        let mut r = Rng(a ^ b.wrapping_mul(0xA076_1D64_78BD_642F) ^ 0x5EED_CE7A_0000_0001);
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let u = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * u
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

type Rgb = [u8; 3];

fn paint(c: Rgb) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(Color::from_rgba8(c[0], c[1], c[2], 255));
    p.anti_alias = true;
    p
}

fn shade(c: Rgb, k: f32) -> Rgb {
    c.map(|v| (f32::from(v) * k).clamp(0.0, 255.0) as u8)
}

fn oval(cx: f32, cy: f32, rx: f32, ry: f32) -> Option<Path> {
    PathBuilder::from_oval(Rect::from_ltrb(cx - rx, cy - ry, cx + rx, cy + ry)?)
}

/// Who the portrait shows: fixed by the person seed.
struct Person {
    background: Rgb,
    skin: Rgb,
    hair: Rgb,
    clothes: Rgb,
    /// Covers the hair (a plain headscarf, common on Indonesian ID photos).
    scarf: Option<Rgb>,
    long_hair: bool,
    face_w: f32,
    face_h: f32,
    eye_y: f32,
    eye_dx: f32,
    eye_r: f32,
    brow_lift: f32,
    brow_tilt: f32,
    nose_len: f32,
    mouth_y: f32,
    mouth_w: f32,
    smile: f32,
    shoulders: f32,
}

impl Person {
    fn new(person: u64) -> Self {
        let mut r = Rng::new(person, 0x9E0);
        // The E-KTP background is red or blue by birth-year parity; the person seed stands in.
        let background = if person.is_multiple_of(2) {
            [28, 86, 180]
        } else {
            [196, 32, 40]
        };
        let skin = r.pick(&[
            [241, 200, 160],
            [226, 178, 136],
            [205, 150, 108],
            [184, 128, 90],
            [160, 106, 72],
            [132, 86, 58],
        ]);
        let hair = r.pick(&[[22, 18, 16], [34, 26, 20], [52, 38, 28], [18, 18, 22]]);
        let clothes = r.pick(&[
            [245, 245, 240],
            [30, 34, 44],
            [54, 70, 110],
            [120, 30, 40],
            [70, 90, 60],
            [150, 110, 60],
        ]);
        let scarf = (r.next().is_multiple_of(4)).then(|| {
            r.pick(&[
                [240, 240, 236],
                [30, 30, 36],
                [120, 96, 140],
                [70, 110, 120],
            ])
        });
        Person {
            background,
            skin,
            hair,
            clothes,
            scarf,
            long_hair: r.next().is_multiple_of(3),
            face_w: r.range(58.0, 72.0),
            face_h: r.range(80.0, 94.0),
            eye_y: r.range(-20.0, -8.0),
            eye_dx: r.range(24.0, 31.0),
            eye_r: r.range(5.5, 8.0),
            brow_lift: r.range(11.0, 17.0),
            brow_tilt: r.range(-4.0, 4.0),
            nose_len: r.range(18.0, 28.0),
            mouth_y: r.range(38.0, 50.0),
            mouth_w: r.range(16.0, 26.0),
            smile: r.range(-2.0, 7.0),
            shoulders: r.range(110.0, 140.0),
        }
    }
}

fn draw_portrait(pm: &mut Pixmap, p: &Person, t: Transform) {
    let fill = |pm: &mut Pixmap, path: Option<Path>, c: Rgb| {
        if let Some(path) = path {
            pm.fill_path(&path, &paint(c), FillRule::Winding, t, None);
        }
    };
    let line = |pm: &mut Pixmap, path: Option<Path>, c: Rgb, w: f32| {
        if let Some(path) = path {
            let stroke = Stroke {
                width: w,
                line_cap: LineCap::Round,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            pm.stroke_path(&path, &paint(c), &stroke, t, None);
        }
    };
    let (fw, fh) = (p.face_w, p.face_h);

    // Shoulders and neck.
    let mut pb = PathBuilder::new();
    let s = p.shoulders;
    pb.move_to(-s - 60.0, 260.0);
    pb.line_to(-s - 40.0, 170.0);
    pb.cubic_to(-s, 115.0, -40.0, 105.0, 0.0, 108.0);
    pb.cubic_to(40.0, 105.0, s, 115.0, s + 40.0, 170.0);
    pb.line_to(s + 60.0, 260.0);
    pb.close();
    let neck = Rect::from_ltrb(-24.0, fh * 0.5, 24.0, 120.0).map(PathBuilder::from_rect);
    if let Some(scarf) = p.scarf {
        fill(pm, pb.finish(), p.clothes);
        // The scarf drapes from the top of the head over the shoulders.
        let mut sc = PathBuilder::new();
        sc.move_to(-fw - 18.0, -20.0);
        sc.cubic_to(
            -fw - 20.0,
            -fh - 40.0,
            fw + 20.0,
            -fh - 40.0,
            fw + 18.0,
            -20.0,
        );
        sc.cubic_to(fw + 30.0, 70.0, 90.0, 120.0, 60.0, 150.0);
        sc.line_to(-60.0, 150.0);
        sc.cubic_to(-90.0, 120.0, -fw - 30.0, 70.0, -fw - 18.0, -20.0);
        sc.close();
        fill(pm, sc.finish(), scarf);
    } else {
        if p.long_hair {
            fill(pm, oval(0.0, 10.0, fw + 20.0, fh + 40.0), p.hair);
        }
        fill(pm, neck, shade(p.skin, 0.88));
        fill(pm, pb.finish(), p.clothes);
        // Collar.
        let mut c = PathBuilder::new();
        c.move_to(-26.0, 108.0);
        c.line_to(0.0, 140.0);
        c.line_to(26.0, 108.0);
        line(pm, c.finish(), shade(p.clothes, 0.7), 3.0);
        // Ears, then the hair behind the top of the head.
        fill(
            pm,
            oval(-fw + 2.0, p.eye_y + 8.0, 9.0, 15.0),
            shade(p.skin, 0.92),
        );
        fill(
            pm,
            oval(fw - 2.0, p.eye_y + 8.0, 9.0, 15.0),
            shade(p.skin, 0.92),
        );
        fill(pm, oval(0.0, -fh * 0.35, fw + 8.0, fh * 0.78), p.hair);
    }
    // Face.
    fill(pm, oval(0.0, 0.0, fw, fh), p.skin);
    if p.scarf.is_none() {
        // Fringe across the forehead.
        let mut h = PathBuilder::new();
        h.move_to(-fw - 6.0, -10.0);
        h.cubic_to(
            -fw,
            -fh * 1.34 - 10.0,
            fw,
            -fh * 1.34 - 10.0,
            fw + 6.0,
            -10.0,
        );
        h.cubic_to(fw * 0.6, -fh * 0.62, -fw * 0.4, -fh * 0.5, -fw - 6.0, -10.0);
        h.close();
        fill(pm, h.finish(), p.hair);
    }
    // Eyes and brows.
    for side in [-1.0f32, 1.0] {
        let ex = side * p.eye_dx;
        fill(
            pm,
            oval(ex, p.eye_y, p.eye_r * 1.7, p.eye_r),
            [245, 243, 238],
        );
        fill(
            pm,
            oval(ex, p.eye_y, p.eye_r * 0.75, p.eye_r * 0.8),
            [48, 32, 24],
        );
        let mut b = PathBuilder::new();
        let by = p.eye_y - p.brow_lift;
        b.move_to(ex - side * 12.0, by + p.brow_tilt);
        b.quad_to(ex, by - 4.0, ex + side * 13.0, by - p.brow_tilt * 0.5);
        line(pm, b.finish(), p.hair, 3.5);
    }
    // Nose and mouth.
    let mut n = PathBuilder::new();
    n.move_to(-2.0, p.eye_y + 6.0);
    n.line_to(-5.0, p.eye_y + 6.0 + p.nose_len);
    n.line_to(4.0, p.eye_y + 8.0 + p.nose_len);
    line(pm, n.finish(), shade(p.skin, 0.75), 2.5);
    let mut m = PathBuilder::new();
    m.move_to(-p.mouth_w, p.mouth_y);
    m.quad_to(0.0, p.mouth_y + p.smile, p.mouth_w, p.mouth_y);
    line(pm, m.finish(), [150, 62, 62], 4.0);
}

/// A drawn portrait (JPEG, 300 × 400, quality 85, about 10–20 KB) for `person`; `recording`
/// varies the capture (framing, light, noise) while the person stays recognisably the same.
pub fn portrait(person: u64, recording: u64) -> Vec<u8> {
    let p = Person::new(person);
    let mut r = Rng::new(person.rotate_left(17) ^ recording, 0xCA9);
    let (w, h) = (PORTRAIT_WIDTH, PORTRAIT_HEIGHT);
    let Some(mut pm) = Pixmap::new(w, h) else {
        return Vec::new();
    };
    pm.fill(Color::from_rgba8(
        p.background[0],
        p.background[1],
        p.background[2],
        255,
    ));
    let scale = r.range(0.95, 1.05);
    let t = Transform::from_translate(
        w as f32 / 2.0 + r.range(-8.0, 8.0),
        h as f32 * 0.43 + r.range(-8.0, 8.0),
    )
    .pre_rotate(r.range(-3.0, 3.0))
    .pre_scale(scale, scale);
    draw_portrait(&mut pm, &p, t);

    // Light (brightness, a soft left-right falloff) and sensor noise, into RGB.
    let bright = r.range(0.9, 1.08);
    let side = r.range(-0.08, 0.08);
    let mut noise = Rng::new(recording, person);
    // Per column, in 1/256: the light only varies across the picture.
    let gain: Vec<i32> = (0..w)
        .map(|x| {
            let x = x as f32 / w as f32 - 0.5;
            (bright * (1.0 + side * x) * 256.0) as i32
        })
        .collect();
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    for (row_in, row_out) in pm
        .data()
        .chunks_exact(w as usize * 4)
        .zip(rgb.chunks_exact_mut(w as usize * 3))
    {
        let mut bits = 0u64;
        for (x, (px, out)) in row_in
            .chunks_exact(4)
            .zip(row_out.chunks_exact_mut(3))
            .enumerate()
        {
            if x % 8 == 0 {
                bits = noise.next();
            }
            // Sensor noise, -3..=4, one draw a pixel (grey, as luminance noise mostly is).
            let n = i32::from((bits >> ((x % 8) * 8)) as u8 & 7) - 3;
            for (o, &c) in out.iter_mut().zip(&px[..3]) {
                *o = (((i32::from(c) * gain[x]) >> 8) + n).clamp(0, 255) as u8;
            }
        }
    }
    // `jpeg-encoder` (SIMD) rather than `image`'s encoder: about five times faster here, which
    // is most of the cost of a portrait.
    let mut out = Vec::with_capacity(24 * 1024);
    let enc = jpeg_encoder::Encoder::new(&mut out, PORTRAIT_QUALITY);
    match enc.encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb) {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

/// Catmull-Rom through `pts`, as cubic Béziers: a smooth pen path.
fn smooth(pb: &mut PathBuilder, pts: &[(f32, f32)]) {
    let Some(&(x0, y0)) = pts.first() else { return };
    pb.move_to(x0, y0);
    for i in 0..pts.len().saturating_sub(1) {
        let p0 = pts[i.saturating_sub(1)];
        let (p1, p2) = (pts[i], pts[i + 1]);
        let p3 = pts[(i + 2).min(pts.len() - 1)];
        pb.cubic_to(
            p1.0 + (p2.0 - p0.0) / 6.0,
            p1.1 + (p2.1 - p0.1) / 6.0,
            p2.0 - (p3.0 - p1.0) / 6.0,
            p2.1 - (p3.1 - p1.1) / 6.0,
            p2.0,
            p2.1,
        );
    }
}

/// A drawn signature (PNG, 360 × 120, transparent background, dark ink) for `person`: a few
/// smooth strokes whose shape the person seed fixes; each `recording` jitters the pen.
pub fn signature(person: u64, recording: u64) -> Vec<u8> {
    let mut r = Rng::new(person, 0x51C);
    let mut j = Rng::new(person.rotate_left(29) ^ recording, 0x0A7);
    let (w, h) = (SIGNATURE_WIDTH, SIGNATURE_HEIGHT);
    let Some(mut pm) = Pixmap::new(w, h) else {
        return Vec::new();
    };
    let ink = r.pick(&[[16, 24, 80], [20, 20, 28], [10, 40, 110]]);
    let width = r.range(2.4, 3.6);
    let strokes = 2 + (r.next() % 2) as usize;
    let slant = r.range(-0.35, 0.05) + j.range(-0.04, 0.04);
    let t = Transform::from_translate(j.range(-6.0, 6.0), j.range(-5.0, 5.0)).pre_concat(
        Transform::from_row(1.0, 0.0, slant, 1.0, -slant * 60.0, 0.0),
    );
    let mut pb = PathBuilder::new();
    let mut x = r.range(30.0, 50.0);
    for s in 0..strokes {
        // An "initial": a tall loop, then a run of smaller waves to the right.
        let n = 5 + (r.next() % 4) as usize;
        let span = r.range(70.0, 120.0) / strokes as f32 * 2.0;
        let mut pts = Vec::with_capacity(n + 2);
        pts.push((x, r.range(70.0, 90.0)));
        pts.push((x + r.range(8.0, 18.0), r.range(18.0, 32.0)));
        for k in 0..n {
            let px = x + span * (k as f32 + 1.0) / n as f32;
            let py = if k % 2 == 0 {
                r.range(62.0, 84.0)
            } else {
                r.range(40.0, 58.0)
            };
            pts.push((px, py));
        }
        for p in &mut pts {
            p.0 += j.range(-2.5, 2.5);
            p.1 += j.range(-2.5, 2.5);
        }
        smooth(&mut pb, &pts);
        x += span + r.range(8.0, 22.0);
        if s + 1 == strokes {
            // The closing flourish under the name.
            let y = r.range(92.0, 102.0);
            let f = [
                (x - span * 0.2, y - 8.0 + j.range(-2.0, 2.0)),
                (x * 0.6, y + 6.0 + j.range(-2.0, 2.0)),
                (r.range(30.0, 60.0), y + j.range(-2.0, 2.0)),
            ];
            smooth(&mut pb, &f);
        }
    }
    if let Some(path) = pb.finish() {
        let stroke = Stroke {
            width: width + j.range(-0.3, 0.3),
            line_cap: LineCap::Round,
            line_join: LineJoin::Round,
            ..Stroke::default()
        };
        pm.stroke_path(&path, &paint(ink), &stroke, t, None);
    }
    // tiny-skia keeps premultiplied alpha; PNG wants it straight.
    let mut rgba = pm.take();
    for px in rgba.chunks_exact_mut(4) {
        let a = u32::from(px[3]);
        if a != 0 && a != 255 {
            for c in &mut px[..3] {
                *c = ((u32::from(*c) * 255 + a / 2) / a).min(255) as u8;
            }
        }
    }
    let mut out = Cursor::new(Vec::with_capacity(8 * 1024));
    let enc = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
    match enc.write_image(&rgba, w, h, ExtendedColorType::Rgba8) {
        Ok(()) => out.into_inner(),
        Err(_) => Vec::new(),
    }
}
