//! Timing of the card render with photo and signature, PNG at 300 dpi, for
//! `scripts/bench-media`: N renders in one process, the median and the 95th percentile in ms
//! as JSON. `cargo run --release -p cetak-card --example render_timing -- 200`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200)
        .max(1);
    let card = cetak_card::example_card_with_photo();
    // One render first: fonts and the static background are built once per process.
    cetak_card::render_png(&card)?;
    let mut ms: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            let png = cetak_card::render_png(&card);
            let elapsed = t.elapsed().as_secs_f64() * 1000.0;
            assert!(png.is_ok(), "render failed");
            elapsed
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{{\"renders\": {n}, \"png_with_photo_median_ms\": {:.2}, \"png_with_photo_p95_ms\": {:.2}}}",
        at(0.5),
        at(0.95)
    );
    Ok(())
}
