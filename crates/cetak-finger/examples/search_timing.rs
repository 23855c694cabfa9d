//! Timing of 1:N search at gallery size N: N persons' index fingers (2 and 7, one impression
//! each) in two galleries, a second impression of `probes` of them searched. Reports the
//! one-finger rank-1 rate with full scoring of the shortlist (`Gallery::search`), the time per
//! one-finger index lookup (`Gallery::values`, unscored), and what data ganda does with both
//! fingers: each finger's index value for every person, the two added, the mate's rank in
//! that list (found in the top 4 = scored by `search_by_prints`).
//! `cargo run --release -p cetak-finger --example search_timing -- 25000 1000`

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
    let mut galleries = [Gallery::new(), Gallery::new()];
    for person in 0..n {
        for (gallery, finger) in galleries.iter_mut().zip([2u8, 7]) {
            let t = template::parse(&synth::impression(u64::from(person), finger, 0))?;
            gallery.add(person, &t)?;
        }
    }
    for gallery in &mut galleries {
        if std::env::var_os("UNPREPARED").is_none() {
            gallery.prepare();
        }
    }
    let build_s = t0.elapsed().as_secs_f64();
    let step = (n / probes).max(1);
    let people: Vec<u32> = (0..n)
        .step_by(step as usize)
        .take(probes as usize)
        .collect();
    let probe_sets: Vec<[Probe; 2]> = people
        .iter()
        .map(|&person| {
            [2u8, 7].map(|finger| {
                let t = synth::impression_template(u64::from(person), finger, 1);
                Probe::new(&t)
            })
        })
        .collect();
    let searched = people.len() as f64;
    // One finger, shortlist scored fully.
    let t1 = Instant::now();
    let mut hits = 0u32;
    for (person, probes) in people.iter().zip(&probe_sets) {
        let found = galleries[0].search(&probes[0], 1);
        hits += u32::from(found.first().map(|f| f.0) == Some(*person));
    }
    let search_ms = t1.elapsed().as_secs_f64() * 1000.0 / searched;
    // Both fingers, index only, as data ganda combines them.
    let t2 = Instant::now();
    let (mut top1, mut top4, mut top64) = (0u32, 0u32, 0u32);
    for (person, probes) in people.iter().zip(&probe_sets) {
        let mut summed: Vec<Option<i32>> = vec![None; n as usize];
        for (probe, gallery) in probes.iter().zip(&galleries) {
            for (id, v) in gallery.values(probe) {
                *summed[id as usize].get_or_insert(0) += v;
            }
        }
        let mut ranked: Vec<(u32, i32)> = summed
            .iter()
            .enumerate()
            .filter_map(|(id, s)| Some((id as u32, (*s)?)))
            .collect();
        ranked.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        match ranked.iter().position(|r| r.0 == *person) {
            Some(0) => (top1, top4, top64) = (top1 + 1, top4 + 1, top64 + 1),
            Some(r) if r < 4 => (top4, top64) = (top4 + 1, top64 + 1),
            Some(r) if r < 64 => top64 += 1,
            Some(_) => {}
            None => {}
        }
    }
    let lookup_ms = t2.elapsed().as_secs_f64() * 1000.0 / searched / 2.0;
    println!(
        "{{\"gallery\": {n}, \"probes\": {searched}, \"build_s\": {build_s:.2}, \"one_finger_ms_per_search\": {search_ms:.2}, \"one_finger_rank1\": {:.4}, \"ms_per_lookup\": {lookup_ms:.2}, \"two_fingers_rank1\": {:.4}, \"two_fingers_top4\": {:.4}, \"two_fingers_top64\": {:.4}}}",
        f64::from(hits) / searched,
        f64::from(top1) / searched,
        f64::from(top4) / searched,
        f64::from(top64) / searched,
    );
    Ok(())
}
