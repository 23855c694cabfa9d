//! Writes the example card as PNG and PDF to a directory and prints the mean time per render.
//!
//! `cargo run --release -p cetak-card --example render_card -- OUTDIR N`
//! prints `{"png_ms_per_card": x, "pdf_ms_per_card": y, "cards": N}` (single thread).

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let n: u32 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100)
        .max(1);
    std::fs::create_dir_all(&dir)?;
    let card = cetak_card::example_card();

    let png = cetak_card::render_png(&card)?;
    std::fs::write(dir.join("card_example.png"), &png)?;
    let pdf = cetak_card::render_pdf(&card)?;
    std::fs::write(dir.join("card_example.pdf"), &pdf)?;

    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(cetak_card::render_png(std::hint::black_box(&card))?);
    }
    let png_ms = t.elapsed().as_secs_f64() * 1e3 / f64::from(n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(cetak_card::render_pdf(std::hint::black_box(&card))?);
    }
    let pdf_ms = t.elapsed().as_secs_f64() * 1e3 / f64::from(n);
    println!(
        "{{\"png_ms_per_card\": {png_ms:.3}, \"pdf_ms_per_card\": {pdf_ms:.3}, \"cards\": {n}}}"
    );
    Ok(())
}
