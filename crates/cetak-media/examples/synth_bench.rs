//! Times the generator and the checks, and optionally writes samples.
//!
//! `cargo run --release -p cetak-media --example synth_bench -- [N] [OUTDIR]` prints
//! `{"portrait_ms":…, "signature_ms":…, "check_photo_ms":…, "check_signature_ms":…,
//! "portrait_kb":…, "items":N}` (one thread) and writes a few samples to OUTDIR when given.

use std::time::Instant;

use cetak_media::{check_photo, check_signature, image, synth};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(500)
        .max(1);
    if let Some(dir) = args.next() {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir)?;
        // A contact sheet (PNG) of six people, two recordings each, to look at.
        let mut sheet = image::RgbImage::new(300 * 6, 400 * 2 + 120 * 2);
        sheet.fill(255);
        for person in 0..6u64 {
            for rec in 0..2u64 {
                let p = cetak_media::decode_image(&synth::portrait(person, rec))?.into_rgb8();
                image::imageops::overlay(&mut sheet, &p, person as i64 * 300, rec as i64 * 400);
                let s = cetak_media::decode_rgba(&synth::signature(person, rec))?;
                let mut bg = image::RgbaImage::from_pixel(300, 120, image::Rgba([255; 4]));
                let s =
                    image::imageops::resize(&s, 300, 100, image::imageops::FilterType::Triangle);
                image::imageops::overlay(&mut bg, &s, 0, 10);
                let bg = image::DynamicImage::ImageRgba8(bg).into_rgb8();
                image::imageops::overlay(
                    &mut sheet,
                    &bg,
                    person as i64 * 300,
                    800 + rec as i64 * 120,
                );
            }
        }
        sheet.save_with_format(dir.join("sheet.png"), image::ImageFormat::Png)?;
        for person in 0..6u64 {
            for rec in 0..2u64 {
                std::fs::write(
                    dir.join(format!("portrait_{person}_{rec}.jpg")),
                    synth::portrait(person, rec),
                )?;
                std::fs::write(
                    dir.join(format!("signature_{person}_{rec}.png")),
                    synth::signature(person, rec),
                )?;
            }
        }
    }
    let t = Instant::now();
    let photos: Vec<Vec<u8>> = (0..n).map(|i| synth::portrait(i, i / 3)).collect();
    let portrait_ms = t.elapsed().as_secs_f64() * 1e3 / n as f64;
    let t = Instant::now();
    let sigs: Vec<Vec<u8>> = (0..n).map(|i| synth::signature(i, i / 3)).collect();
    let signature_ms = t.elapsed().as_secs_f64() * 1e3 / n as f64;
    let t = Instant::now();
    for p in &photos {
        check_photo(p)?;
    }
    let check_photo_ms = t.elapsed().as_secs_f64() * 1e3 / n as f64;
    let t = Instant::now();
    for s in &sigs {
        check_signature(s)?;
    }
    let check_signature_ms = t.elapsed().as_secs_f64() * 1e3 / n as f64;
    let kb = photos.iter().map(Vec::len).sum::<usize>() as f64 / n as f64 / 1024.0;
    let sig_kb = sigs.iter().map(Vec::len).sum::<usize>() as f64 / n as f64 / 1024.0;
    println!(
        "{{\"portrait_ms\": {portrait_ms:.3}, \"signature_ms\": {signature_ms:.3}, \
         \"check_photo_ms\": {check_photo_ms:.3}, \"check_signature_ms\": {check_signature_ms:.3}, \
         \"portrait_kb\": {kb:.1}, \"signature_kb\": {sig_kb:.1}, \"items\": {n}}}"
    );
    Ok(())
}
