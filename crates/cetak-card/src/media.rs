//! The photo and the signature on the card: decoded under `cetak-media`'s limits and fitted to
//! their boxes, the same geometry for the raster and the PDF.
//!
//! The photo is cover-fitted (scaled uniformly until it fills the box, centred, the overflow
//! cropped): a passport photo must never be stretched. The signature is contain-fitted and
//! turned into "ink": each pixel is composited over white and then un-blended from white (the
//! darkest channel gives the opacity), so a signature scanned on white paper and a pen trace on
//! transparency print the same way, and neither hides the card's background.

use cetak_media::image::{self, DynamicImage, RgbImage, RgbaImage, imageops};

use crate::{CardError, CardFields, PxRect};

/// The encoded media of one card.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Media<'c> {
    pub photo: Option<&'c [u8]>,
    pub signature: Option<&'c [u8]>,
}

impl<'c> Media<'c> {
    pub fn of(card: &'c CardFields) -> Self {
        Media {
            photo: card.photo.as_deref(),
            signature: card.signature.as_deref(),
        }
    }
}

/// Space kept free inside the signature box, px on each side.
const SIGNATURE_INSET: f32 = 4.0;
/// A pixel whose darkest channel is at least this light is paper, not ink.
const PAPER: u8 = 240;

/// Cover fit: the part of a `sw` × `sh` source that, scaled uniformly, fills a `bw` × `bh` box
/// exactly, centred. Returns (x, y, w, h) in source pixels.
pub(crate) fn cover_crop(sw: u32, sh: u32, bw: f32, bh: f32) -> (f32, f32, f32, f32) {
    let (sw, sh) = (sw as f32, sh as f32);
    let scale = (bw / sw).max(bh / sh);
    let (cw, ch) = ((bw / scale).min(sw), (bh / scale).min(sh));
    ((sw - cw) / 2.0, (sh - ch) / 2.0, cw, ch)
}

/// Contain fit: where a `sw` × `sh` image goes inside `bx`, as large as fits, centred.
pub(crate) fn contain(sw: u32, sh: u32, bx: &PxRect) -> PxRect {
    let (sw, sh) = (sw.max(1) as f32, sh.max(1) as f32);
    let scale = (bx.width() / sw).min(bx.height() / sh);
    let (w, h) = (sw * scale, sh * scale);
    let x0 = bx.x0 + (bx.width() - w) / 2.0;
    let y0 = bx.y0 + (bx.height() - h) / 2.0;
    PxRect::new(x0, y0, x0 + w, y0 + h)
}

/// The box the signature is fitted into.
pub(crate) fn signature_area() -> PxRect {
    let s = crate::card::SIGNATURE;
    PxRect::new(
        s.x0 + SIGNATURE_INSET,
        s.y0 + SIGNATURE_INSET,
        s.x1 - SIGNATURE_INSET,
        s.y1 - SIGNATURE_INSET,
    )
}

pub(crate) fn decode_photo(bytes: &[u8]) -> Result<DynamicImage, CardError> {
    cetak_media::decode_image(bytes).map_err(|e| CardError::Photo(e.to_string()))
}

/// The photo as `bw` × `bh` RGB pixels, cover-fitted (Triangle filter).
pub(crate) fn photo_pixels(bytes: &[u8], bw: u32, bh: u32) -> Result<RgbImage, CardError> {
    let img = decode_photo(bytes)?.into_rgb8();
    let (x, y, w, h) = cover_crop(img.width(), img.height(), bw as f32, bh as f32);
    let (x, y) = (x.round() as u32, y.round() as u32);
    let w = (w.round() as u32).clamp(1, img.width() - x.min(img.width() - 1));
    let h = (h.round() as u32).clamp(1, img.height() - y.min(img.height() - 1));
    let view = imageops::crop_imm(&img, x, y, w, h);
    if (w, h) == (bw, bh) {
        return Ok(view.to_image());
    }
    Ok(imageops::resize(
        &*view,
        bw,
        bh,
        imageops::FilterType::Triangle,
    ))
}

/// The signature as premultiplied ink: RGBA where RGB is already multiplied by A.
pub(crate) fn signature_ink(bytes: &[u8]) -> Result<RgbaImage, CardError> {
    let mut img =
        cetak_media::decode_rgba(bytes).map_err(|e| CardError::Signature(e.to_string()))?;
    for p in img.pixels_mut() {
        let a = u32::from(p[3]);
        // Over white.
        let c = [0, 1, 2].map(|i| (u32::from(p[i]) * a + 255 * (255 - a) + 127) / 255);
        let min = c.iter().copied().min().unwrap_or(255);
        let opacity = 255 - min;
        // Paper (and JPEG noise on it) fades out; ink keeps its strength.
        let keep = opacity.saturating_sub(u32::from(255 - PAPER)) * 255 / u32::from(PAPER);
        if keep == 0 {
            *p = image::Rgba([0, 0, 0, 0]);
            continue;
        }
        let pm = c.map(|v| ((v - min) * keep / opacity) as u8);
        *p = image::Rgba([pm[0], pm[1], pm[2], keep as u8]);
    }
    Ok(img)
}

/// Straight (not premultiplied) RGBA from premultiplied, for the PDF's soft mask.
pub(crate) fn unpremultiply(mut img: RgbaImage) -> RgbaImage {
    for p in img.pixels_mut() {
        let a = u32::from(p[3]);
        if a != 0 && a != 255 {
            for i in 0..3 {
                p[i] = ((u32::from(p[i]) * 255 + a / 2) / a).min(255) as u8;
            }
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_crop_keeps_the_box_aspect_and_centres() {
        // 300 × 400 into 194 × 259 (not quite 3:4): 0.4 px of width goes.
        let (x, y, w, h) = cover_crop(300, 400, 194.0, 259.0);
        assert!((w - 299.614).abs() < 1e-3 && h == 400.0 && y == 0.0 && x < 0.2);
        // Too wide: the sides go.
        let (x, y, w, h) = cover_crop(400, 400, 194.0, 259.0);
        assert!((w / h - 194.0 / 259.0).abs() < 1e-4);
        assert_eq!((y, h), (0.0, 400.0));
        assert!((x - (400.0 - w) / 2.0).abs() < 1e-4);
        // Too narrow: top and bottom go.
        let (x, y, w, h) = cover_crop(260, 400, 194.0, 259.0);
        assert_eq!((x, w), (0.0, 260.0));
        assert!((w / h - 194.0 / 259.0).abs() < 1e-4);
        assert!(y > 0.0);
    }

    #[test]
    fn contain_fits_inside_and_keeps_the_aspect() {
        let bx = PxRect::new(10.0, 20.0, 190.0, 110.0);
        let r = contain(360, 120, &bx);
        assert!(bx.contains(&r, 1e-3));
        assert!((r.width() / r.height() - 3.0).abs() < 1e-4);
        assert!((r.width() - 180.0).abs() < 1e-3);
    }

    #[test]
    fn ink_from_white_paper_and_transparency_is_the_same() {
        let mut on_paper = RgbaImage::from_pixel(4, 1, image::Rgba([255, 255, 255, 255]));
        on_paper.put_pixel(1, 0, image::Rgba([20, 30, 90, 255]));
        let mut on_glass = RgbaImage::from_pixel(4, 1, image::Rgba([0, 0, 0, 0]));
        on_glass.put_pixel(1, 0, image::Rgba([20, 30, 90, 255]));
        let enc = |img: &RgbaImage| {
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png)
                .expect("png");
            out.into_inner()
        };
        let a = signature_ink(&enc(&on_paper)).expect("ink");
        let b = signature_ink(&enc(&on_glass)).expect("ink");
        assert_eq!(a, b);
        assert_eq!(a.get_pixel(0, 0)[3], 0);
        assert!(a.get_pixel(1, 0)[3] > 200);
    }
}
