//! The generator's portraits and signatures: accepted by the checks, deterministic, the same
//! person alike across recordings, different people different.

use cetak_media::image::{RgbImage, imageops};
use cetak_media::{ImageFormat, check_photo, check_signature, decode_image, decode_rgba, synth};

#[test]
fn generated_media_pass_the_checks_and_have_realistic_sizes() {
    for person in 0..60u64 {
        for recording in 0..3u64 {
            let p = synth::portrait(person, recording);
            let c = check_photo(&p).expect("portrait accepted");
            assert_eq!((c.format, c.width, c.height), (ImageFormat::Jpeg, 300, 400));
            assert!(
                (8 * 1024..=25 * 1024).contains(&p.len()),
                "portrait {person}/{recording}: {} bytes",
                p.len()
            );
            let s = synth::signature(person, recording);
            let c = check_signature(&s).expect("signature accepted");
            assert_eq!((c.format, c.width, c.height), (ImageFormat::Png, 360, 120));
            assert!(s.len() < 32 * 1024, "signature {} bytes", s.len());
        }
    }
}

#[test]
fn same_seeds_same_bytes() {
    assert_eq!(synth::portrait(42, 7), synth::portrait(42, 7));
    assert_eq!(synth::signature(42, 7), synth::signature(42, 7));
    assert_ne!(synth::portrait(42, 7), synth::portrait(42, 8));
    assert_ne!(synth::signature(42, 7), synth::signature(42, 8));
}

fn small(bytes: &[u8]) -> RgbImage {
    let img = decode_image(bytes).expect("decode").into_rgb8();
    imageops::resize(&img, 30, 40, imageops::FilterType::Triangle)
}

fn diff(a: &RgbImage, b: &RgbImage) -> f64 {
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[test]
fn a_person_looks_alike_across_recordings_and_unlike_others() {
    // Compare people with the same background colour, so the background does not decide.
    let (mut same, mut other) = (0.0, 0.0);
    let n = 16u64;
    for k in 0..n {
        let person = 2 * k;
        let a = small(&synth::portrait(person, 0));
        let b = small(&synth::portrait(person, 1));
        let c = small(&synth::portrait(person + 2, 0));
        same += diff(&a, &b);
        other += diff(&a, &c);
    }
    let (same, other) = (same / n as f64, other / n as f64);
    assert!(
        same < other * 0.8,
        "same person {same:.1}, others {other:.1}"
    );
}

#[test]
fn background_is_red_or_blue_by_person() {
    for person in 0..8u64 {
        let img = decode_image(&synth::portrait(person, 3))
            .expect("decode")
            .into_rgb8();
        let p = img.get_pixel(5, 5);
        if person % 2 == 0 {
            assert!(p[2] > p[0] + 60, "blue expected: {p:?}");
        } else {
            assert!(p[0] > p[2] + 60, "red expected: {p:?}");
        }
    }
}

#[test]
fn signature_is_ink_on_transparency_inside_the_canvas() {
    for person in 0..20u64 {
        let s = decode_rgba(&synth::signature(person, person)).expect("decode");
        let ink: Vec<(u32, u32)> = s
            .enumerate_pixels()
            .filter(|(_, _, p)| p[3] > 128)
            .map(|(x, y, _)| (x, y))
            .collect();
        assert!(ink.len() > 500, "person {person}: {} ink pixels", ink.len());
        // Nothing touches the edge: the pen stays on the paper.
        assert!(
            ink.iter()
                .all(|&(x, y)| x > 2 && y > 2 && x < 357 && y < 117),
            "person {person}: ink at the edge"
        );
        // Dark ink.
        assert!(
            s.pixels()
                .filter(|p| p[3] == 255)
                .all(|p| p[0] < 80 && p[1] < 80 && p[2] < 140)
        );
    }
}
