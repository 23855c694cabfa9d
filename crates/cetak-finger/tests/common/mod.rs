//! Helpers shared by the matcher and index tests.

use cetak_finger::{Minutia, Template};

/// Turn the first view's minutiae by `deg` (counter-clockwise, as the record's angles count)
/// about their centroid and move them by (tx, ty); the record is made large enough to hold
/// them.
pub fn rigid(t: &Template, deg: f32, tx: f32, ty: f32) -> Template {
    let mut out = t.clone();
    let v = &t.views[0];
    let n = v.minutiae.len() as f32;
    let cx = v.minutiae.iter().map(|m| f32::from(m.x)).sum::<f32>() / n;
    let cy = v.minutiae.iter().map(|m| f32::from(m.y)).sum::<f32>() / n;
    let (sn, cs) = deg.to_radians().sin_cos();
    out.width = 2000;
    out.height = 2000;
    out.views[0].minutiae = v
        .minutiae
        .iter()
        .map(|m| {
            // Image y points down: a counter-clockwise turn (as angles count) is, in image
            // terms, (x, y) → (c·x + s·y, −s·x + c·y).
            let (dx, dy) = (f32::from(m.x) - cx, f32::from(m.y) - cy);
            let x = 1000.0 + cs * dx + sn * dy + tx;
            let y = 1000.0 - sn * dx + cs * dy + ty;
            let angle = (f32::from(m.angle) + deg * 256.0 / 360.0).rem_euclid(256.0);
            Minutia {
                x: x.round() as u16,
                y: y.round() as u16,
                angle: (angle.round() as u32 % 256) as u8,
                ..*m
            }
        })
        .collect();
    out
}
