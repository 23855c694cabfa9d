//! The photo and the signature on the card: where they go, that the photo is cropped and never
//! stretched, that the signature prints as ink inside its box, that a broken image is an error,
//! and the PDF's embedded images. (The PNG golden with a photo is in `golden.rs`.)

mod common;

use cetak_card::{
    CardError, CardFields, PHOTO_BOX, PxRect, SIGNATURE_BOX, example_card, example_card_with_photo,
    layout, render_pdf, render_png,
};
use cetak_media::image::{self, ExtendedColorType, ImageEncoder, RgbImage, imageops};

fn card_rgb(card: &CardFields) -> (u32, Vec<u8>) {
    let (w, _, px) = common::decode_rgb(&render_png(card).expect("render"));
    (w, px)
}

fn encode_jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("jpeg");
    out
}

/// A white photo with a black disc of radius `r` at its centre.
fn marker_photo(w: u32, h: u32, r: f32) -> Vec<u8> {
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        if dx * dx + dy * dy <= r * r {
            image::Rgb([0, 0, 0])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    encode_jpeg(&img)
}

/// Pixels (x, y) where two renders differ by more than `tol` in some channel.
fn changed(a: &[u8], b: &[u8], width: u32, tol: u8) -> Vec<(u32, u32)> {
    a.chunks_exact(3)
        .zip(b.chunks_exact(3))
        .enumerate()
        .filter(|(_, (p, q))| p.iter().zip(q.iter()).any(|(x, y)| x.abs_diff(*y) > tol))
        .map(|(i, _)| (i as u32 % width, i as u32 / width))
        .collect()
}

fn inside(r: &PxRect, (x, y): (u32, u32)) -> bool {
    let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
    x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1
}

/// The box's pixels inside the frame (the 2-px frame covers one pixel of each edge).
const INNER: (u32, u32, u32, u32) = (779, 151, 971, 408);

#[test]
fn the_photo_box_shows_the_cover_fitted_photo() {
    let card = example_card_with_photo();
    let (w, px) = card_rgb(&card);
    // The expected picture, worked out here: 300 × 400 into 194 × 259 scales by
    // max(194/300, 259/400) = 0.6475, so 299.6 × 400 source pixels fill the box.
    let src = image::load_from_memory(card.photo.as_deref().expect("photo"))
        .expect("decode")
        .into_rgb8();
    assert_eq!(src.dimensions(), (300, 400));
    let expected = imageops::resize(&src, 194, 259, imageops::FilterType::Triangle);
    let (mut sum, mut worst, mut n) = (0u64, 0u8, 0u64);
    for y in INNER.1..INNER.3 {
        for x in INNER.0..INNER.2 {
            let i = ((y * w + x) * 3) as usize;
            let e = expected.get_pixel(x - 778, y - 150);
            for c in 0..3 {
                let d = px[i + c].abs_diff(e[c]);
                sum += u64::from(d);
                worst = worst.max(d);
                n += 1;
            }
        }
    }
    let mean = sum as f64 / n as f64;
    assert!(
        mean < 1.5 && worst < 24,
        "mean diff {mean:.2}, worst {worst}"
    );
    // No "FOTO" label over a photo.
    let placed = layout(&card).expect("layout");
    assert!(!placed.iter().any(|p| p.field == "foto"));
    assert!(
        layout(&example_card())
            .expect("layout")
            .iter()
            .any(|p| p.field == "foto")
    );
}

/// The bounding box of dark pixels inside the photo box: (x0, y0, x1, y1), exclusive.
fn dark_bbox(px: &[u8], w: u32) -> (u32, u32, u32, u32) {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in INNER.1..INNER.3 {
        for x in INNER.0..INNER.2 {
            let i = ((y * w + x) * 3) as usize;
            if px[i] < 128 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x + 1);
                y1 = y1.max(y + 1);
            }
        }
    }
    (x0, y0, x1, y1)
}

#[test]
fn a_photo_of_another_aspect_is_cropped_not_stretched() {
    let centre = (
        (PHOTO_BOX.x0 + PHOTO_BOX.x1) / 2.0,
        (PHOTO_BOX.y0 + PHOTO_BOX.y1) / 2.0,
    );
    // (width, height, disc radius, expected scale onto the card)
    for (sw, sh, r) in [
        (300u32, 400u32, 60.0f32),
        (260, 400, 60.0),
        (360, 400, 60.0),
    ] {
        let scale = (194.0 / sw as f32).max(259.0 / sh as f32);
        let card = CardFields {
            photo: Some(marker_photo(sw, sh, r)),
            ..example_card()
        };
        let (w, px) = card_rgb(&card);
        let (x0, y0, x1, y1) = dark_bbox(&px, w);
        let (dw, dh) = ((x1 - x0) as f32, (y1 - y0) as f32);
        let want = 2.0 * r * scale;
        // A stretched 260 × 400 photo would make the disc 16 % wider than tall.
        assert!(
            (dw - dh).abs() <= 2.0,
            "{sw}×{sh}: disc {dw}×{dh} is not round"
        );
        assert!(
            (dw - want).abs() <= 3.0,
            "{sw}×{sh}: disc {dw}, want {want}"
        );
        let (mx, my) = ((x0 + x1) as f32 / 2.0, (y0 + y1) as f32 / 2.0);
        assert!(
            (mx - centre.0).abs() <= 1.5 && (my - centre.1).abs() <= 1.5,
            "{sw}×{sh}: disc centred at {mx},{my}"
        );
    }
}

#[test]
fn media_change_only_their_boxes() {
    let (w, none) = card_rgb(&example_card());
    let with_photo = CardFields {
        photo: example_card_with_photo().photo,
        ..example_card()
    };
    let (_, p) = card_rgb(&with_photo);
    let diff = changed(&none, &p, w, 0);
    assert!(diff.len() > 190 * 250, "{} pixels changed", diff.len());
    assert!(diff.iter().all(|&q| inside(&PHOTO_BOX, q)));

    let with_signature = CardFields {
        signature: example_card_with_photo().signature,
        ..example_card()
    };
    let (_, s) = card_rgb(&with_signature);
    let diff = changed(&none, &s, w, 0);
    assert!(diff.len() > 300, "{} pixels changed", diff.len());
    assert!(
        diff.iter().all(|&q| inside(&SIGNATURE_BOX, q)),
        "signature outside its box"
    );
}

#[test]
fn a_signature_on_white_paper_does_not_hide_the_card() {
    // A scanned signature: black strokes on white, as a JPEG.
    let mut img = RgbImage::from_pixel(300, 100, image::Rgb([255, 255, 255]));
    for x in 40..260 {
        for y in 48..54 {
            img.put_pixel(x, y, image::Rgb([10, 10, 10]));
        }
    }
    let card = CardFields {
        signature: Some(encode_jpeg(&img)),
        ..example_card()
    };
    let (w, none) = card_rgb(&example_card());
    let (_, s) = card_rgb(&card);
    // Only the stroke (and its filtered edge) changed; the paper left the background as it was.
    let diff = changed(&none, &s, w, 6);
    assert!(diff.len() > 100, "{}", diff.len());
    let fitted_h = 100.0 * (SIGNATURE_BOX.width() - 8.0) / 300.0;
    let stroke_half = 6.0 * fitted_h / 100.0 / 2.0 + 2.0;
    let mid = (SIGNATURE_BOX.y0 + SIGNATURE_BOX.y1) / 2.0;
    for (x, y) in diff {
        assert!(
            (y as f32 + 0.5 - mid).abs() <= stroke_half,
            "pixel {x},{y} changed away from the stroke"
        );
    }
}

#[test]
fn broken_media_are_errors_not_blanks() {
    let mut photo = example_card_with_photo().photo.expect("photo");
    photo.truncate(photo.len() / 2);
    for card in [
        CardFields {
            photo: Some(photo.clone()),
            ..example_card()
        },
        CardFields {
            photo: Some(b"not a photo".to_vec()),
            ..example_card()
        },
    ] {
        assert!(matches!(render_png(&card), Err(CardError::Photo(_))));
        assert!(matches!(render_pdf(&card), Err(CardError::Photo(_))));
    }
    let card = CardFields {
        signature: Some(vec![0x89, b'P', b'N', b'G']),
        ..example_card()
    };
    assert!(matches!(render_png(&card), Err(CardError::Signature(_))));
    assert!(matches!(render_pdf(&card), Err(CardError::Signature(_))));
    // Layout does not look at the images.
    assert!(layout(&card).is_ok());
}

#[test]
fn pdf_embeds_the_photo_as_is_and_the_signature() {
    let card = example_card_with_photo();
    let pdf = render_pdf(&card).expect("pdf");
    let s = String::from_utf8_lossy(&pdf).replace("/Subtype /Image", "/Subtype/Image");
    let images = s.matches("/Subtype/Image").count();
    // The photo, the signature and the signature's soft mask.
    assert_eq!(images, 3, "image XObjects: {images}");
    assert_eq!(s.matches("/DCTDecode").count(), 1);
    assert_eq!(s.matches("/SMask").count(), 1);
    let jpeg = card.photo.as_deref().expect("photo");
    assert!(
        pdf.windows(jpeg.len()).any(|w| w == jpeg),
        "the JPEG is not embedded byte for byte"
    );
    // Without media: no images.
    let plain = render_pdf(&example_card()).expect("pdf");
    let plain = String::from_utf8_lossy(&plain).replace(' ', "");
    assert!(!plain.contains("/Subtype/Image"));
}

#[test]
fn unknown_blood_types_print_as_a_dash() {
    let gol = |g: &str| {
        let card = CardFields {
            golongan_darah: g.into(),
            ..example_card()
        };
        let placed = layout(&card).expect("layout");
        placed
            .iter()
            .find(|p| p.field == "golongan_darah")
            .map(|p| p.text.clone())
            .expect("placed")
    };
    for (input, shown) in [
        ("O", "O"),
        ("AB+", "AB+"),
        ("ab -", "AB-"),
        (" b ", "B"),
        ("A+", "A+"),
        ("TIDAK TAHU", "-"),
        ("", "-"),
        ("-", "-"),
        ("C", "-"),
        ("O++", "-"),
        ("AB POSITIF", "-"),
    ] {
        assert_eq!(gol(input), shown, "{input:?}");
    }
}
