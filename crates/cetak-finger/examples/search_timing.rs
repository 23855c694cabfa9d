//! Timing of 1:N search at gallery size N: N persons' right index fingers (one impression each)
//! in the gallery, a second impression of `probes` of them searched; rank-1 rate and time per
//! search. `cargo run --release -p cetak-finger --example search_timing -- 25000 1000`

use std::time::Instant;

use cetak_finger::{Gallery, Probe, synth, template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u32 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(25_000);
    let probes: u32 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000)
        .min(n);
    let t0 = Instant::now();
    let mut gallery = Gallery::new();
    for person in 0..n {
        let t = template::parse(&synth::impression(u64::from(person), 2, 0))?;
        gallery.add(person, &t);
    }
    let build_s = t0.elapsed().as_secs_f64();
    let step = (n / probes).max(1);
    let (mut hits, mut scored, mut searched) = (0u32, 0usize, 0u32);
    let t1 = Instant::now();
    for person in (0..n).step_by(step as usize).take(probes as usize) {
        let t = template::parse(&synth::impression(u64::from(person), 2, 1))?;
        let probe = Probe::new(&t);
        let (found, stats) = gallery.search_with_stats(&probe, 1);
        hits += u32::from(found.first().map(|f| f.0) == Some(person));
        scored += stats.scored;
        searched += 1;
    }
    let search_s = t1.elapsed().as_secs_f64();
    println!(
        "{{\"gallery\": {n}, \"probes\": {searched}, \"build_s\": {build_s:.2}, \"ms_per_search\": {:.2}, \"rank1\": {:.4}, \"scored_per_search\": {:.1}}}",
        search_s * 1000.0 / f64::from(searched),
        f64::from(hits) / f64::from(searched),
        scored as f64 / f64::from(searched)
    );
    Ok(())
}
