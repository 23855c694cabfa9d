//! The prints-only search of every recording against all others, timed: the figure of
//! issue 18 ("≤ 60 s on 2 cores for 25,000 recordings"), apart from the rest of dedup.
//!
//! `cargo run --release -p cetak-dedup --example finger_search -- DIR` where DIR is a
//! `cetak gen --media` folder (`recordings.csv`, `truth.csv`, `media/<id>/jari-0{2,7}.fmr`).
//! Prints one JSON object: recordings, seconds to read and parse, seconds to search, pairs
//! found and how many of them are one person by the truth file.

use std::collections::HashMap;
use std::time::Instant;

use cetak_dedup::finger::{Prints, search_by_prints};
use rayon::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: finger_search DIR")?;
    let mut truth: Vec<(String, String)> = Vec::new();
    for row in csv::Reader::from_path(format!("{dir}/truth.csv"))?.records() {
        let r = row?;
        truth.push((r[0].to_string(), r[1].to_string()));
    }
    let started = Instant::now();
    let prints: Vec<Prints> = truth
        .par_iter()
        .map(|(id, _)| {
            let read = |p: u8| std::fs::read(format!("{dir}/media/{id}/jari-{p:02}.fmr")).ok();
            let (a, b) = (read(2), read(7));
            Prints::parse(a.as_deref(), b.as_deref()).0
        })
        .collect();
    let parse_s = started.elapsed().as_secs_f64();
    let every: Vec<u32> = (0..prints.len() as u32).collect();
    let started = Instant::now();
    let (pairs, searched) = search_by_prints(&prints, &every, 4);
    let search_s = started.elapsed().as_secs_f64();
    let same = pairs
        .iter()
        .filter(|&&(a, b)| truth[a as usize].1 == truth[b as usize].1)
        .count();
    // Truth pairs (same person) for recall of the search.
    let mut per: HashMap<&str, u64> = HashMap::new();
    for (_, p) in &truth {
        *per.entry(p.as_str()).or_default() += 1;
    }
    let truth_pairs: u64 = per.values().map(|n| n * (n - 1) / 2).sum();
    println!(
        "{{\"recordings\": {}, \"searched\": {searched}, \"threads\": {}, \"parse_s\": {parse_s:.2}, \"search_s\": {search_s:.2}, \"pairs_found\": {}, \"pairs_same_person\": {same}, \"truth_pairs\": {truth_pairs}}}",
        prints.len(),
        rayon::current_num_threads(),
        pairs.len()
    );
    Ok(())
}
