//! The impression generator: determinism, valid records, speed, and same-finger impressions
//! sharing far more minutiae than different persons'.

use std::time::Instant;

use cetak_finger::synth::{self, Quality};
use cetak_finger::template::{Minutia, parse};

#[test]
fn same_inputs_same_bytes() {
    for (p, f, r) in [(0, 1, 0), (42, 7, 3), (u64::MAX, 10, u64::MAX), (5, 200, 1)] {
        assert_eq!(synth::impression(p, f, r), synth::impression(p, f, r));
    }
    assert_ne!(synth::impression(1, 2, 0), synth::impression(1, 2, 1));
    assert_ne!(synth::impression(1, 2, 0), synth::impression(2, 2, 0));
    assert_eq!(synth::master(9, 3), synth::master(9, 3));
    assert_eq!(
        synth::impression_with(4, 2, 8, Quality::Poor),
        synth::impression_with(4, 2, 8, Quality::Poor)
    );
}

#[test]
fn masters_are_plausible() {
    let mut patterns = std::collections::HashSet::new();
    for person in 0..300u64 {
        let m = synth::master(person, 2);
        assert!(
            (40..=70).contains(&m.minutiae.len()),
            "{}",
            m.minutiae.len()
        );
        for (i, a) in m.minutiae.iter().enumerate() {
            for b in &m.minutiae[i + 1..] {
                assert!((a.x - b.x).hypot(a.y - b.y) >= 12.0);
            }
        }
        patterns.insert(format!("{:?}", m.pattern));
    }
    assert_eq!(patterns.len(), 5, "all five patterns appear: {patterns:?}");
}

#[test]
fn ten_thousand_impressions_parse_across_tiers() {
    let mut tiers = [0usize; 3];
    let mut counts = Vec::new();
    for i in 0..10_000u64 {
        let (person, finger, recording) = (i / 20, u8::try_from(i % 10).expect("small") + 1, i);
        let bytes = synth::impression(person, finger, recording);
        let t = parse(&bytes).expect("impression parses");
        assert_eq!((t.width, t.height, t.res_x), (256, 360, 197));
        assert_eq!(t.views.len(), 1);
        let v = &t.views[0];
        assert_eq!(v.finger, finger);
        assert_eq!(u64::from(v.view_number), recording % 16);
        assert!(v.minutiae.iter().all(|m| m.quality <= 100));
        assert_eq!(t.to_iso_bytes(), bytes);
        counts.push(v.minutiae.len());
        let q = Quality::of_recording(person, finger, recording);
        tiers[q as usize] += 1;
        // Every tier is also valid when chosen directly.
        if i % 10 == 0 {
            for q in [Quality::Good, Quality::Fair, Quality::Poor] {
                parse(&synth::impression_with(person, finger, recording, q)).expect("parses");
            }
        }
    }
    println!("tiers good/fair/poor: {tiers:?}");
    assert!(tiers.iter().all(|&n| n > 500), "{tiers:?}");
    let mean = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
    println!("mean minutiae per impression: {mean:.1}");
    assert!((15.0..60.0).contains(&mean), "{mean}");
}

#[test]
fn poor_captures_are_worse_than_good_ones() {
    let (mut good_q, mut poor_q, mut good_n, mut poor_n) = (0u64, 0u64, 0usize, 0usize);
    for person in 0..200u64 {
        let g = parse(&synth::impression_with(person, 1, 0, Quality::Good)).expect("parses");
        let p = parse(&synth::impression_with(person, 1, 0, Quality::Poor)).expect("parses");
        good_q += u64::from(g.views[0].quality);
        poor_q += u64::from(p.views[0].quality);
        good_n += g.views[0].minutiae.len();
        poor_n += p.views[0].minutiae.len();
    }
    assert!(good_q > poor_q * 2, "{good_q} vs {poor_q}");
    assert!(good_n > poor_n, "{good_n} vs {poor_n}");
}

/// Best count of one-to-one minutia pairs within 12 px and 20° over a coarse grid of
/// rotations (±42° in 3° steps about the image centre); for each rotation the translation is
/// the most voted one among pairs of agreeing direction (8-px bins), the brute-force search over
/// translations done by voting.
fn shared_minutiae(a: &[Minutia], b: &[Minutia]) -> usize {
    let (cx, cy) = (128.0f32, 182.5f32);
    let unit = std::f32::consts::TAU / 256.0;
    let ang_ok = |d: f32| {
        let d = d.rem_euclid(std::f32::consts::TAU);
        d.min(std::f32::consts::TAU - d) <= 20f32.to_radians()
    };
    let mut best = 0;
    for step in -14..=14 {
        let r = (step as f32 * 3.0).to_radians();
        let (s, c) = r.sin_cos();
        let moved: Vec<(f32, f32, f32)> = a
            .iter()
            .map(|m| {
                let (dx, dy) = (f32::from(m.x) - cx, f32::from(m.y) - cy);
                (
                    cx + c * dx + s * dy,
                    cy - s * dx + c * dy,
                    f32::from(m.angle) * unit + r,
                )
            })
            .collect();
        let mut votes = std::collections::HashMap::new();
        for &(x, y, t) in &moved {
            for m in b {
                if ang_ok(f32::from(m.angle) * unit - t) {
                    let key = (
                        ((f32::from(m.x) - x) / 8.0).round() as i32,
                        ((f32::from(m.y) - y) / 8.0).round() as i32,
                    );
                    *votes.entry(key).or_insert(0usize) += 1;
                }
            }
        }
        let Some((&(kx, ky), _)) = votes.iter().max_by_key(|&(k, v)| (*v, *k)) else {
            continue;
        };
        let (tx, ty) = (kx as f32 * 8.0, ky as f32 * 8.0);
        let mut used = vec![false; b.len()];
        let mut count = 0;
        for &(x, y, t) in &moved {
            let hit = b.iter().enumerate().position(|(j, m)| {
                !used[j]
                    && (f32::from(m.x) - x - tx).hypot(f32::from(m.y) - y - ty) <= 12.0
                    && ang_ok(f32::from(m.angle) * unit - t)
            });
            if let Some(j) = hit {
                used[j] = true;
                count += 1;
            }
        }
        best = best.max(count);
    }
    best
}

fn minutiae(bytes: &[u8]) -> Vec<Minutia> {
    parse(bytes).expect("parses").views[0].minutiae.clone()
}

#[test]
fn same_finger_shares_far_more_minutiae_than_other_persons() {
    let (mut same, mut other) = (Vec::new(), Vec::new());
    for i in 0..50u64 {
        let a = minutiae(&synth::impression(1000 + i, 2, 0));
        let b = minutiae(&synth::impression(1000 + i, 2, 1));
        // "Twin": the next person id, same finger.
        let c = minutiae(&synth::impression(1000 + i + 1, 2, 1));
        same.push(shared_minutiae(&a, &b));
        other.push(shared_minutiae(&a, &c));
    }
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len() as f64;
    let (ms, mo) = (mean(&same), mean(&other));
    println!("shared minutiae: same finger {ms:.1}, different persons {mo:.1}");
    println!("same {same:?}\nother {other:?}");
    assert!(
        ms > 2.0 * mo && ms - mo > 8.0,
        "same {ms:.1} vs other {mo:.1}"
    );
}

#[test]
fn speed_print() {
    let start = Instant::now();
    let n = 20_000u64;
    let mut bytes = 0usize;
    for i in 0..n {
        bytes += synth::impression(i / 10, u8::try_from(i % 10).expect("small") + 1, i).len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} impressions in {secs:.3} s: {:.0} impressions/s ({bytes} bytes; build profile decides)",
        n as f64 / secs
    );
}
