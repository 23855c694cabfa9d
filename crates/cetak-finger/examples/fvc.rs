//! FVC-protocol evaluation on the synthetic generator, for cetak's matcher and for the anchor
//! (NBIS BOZORTH3 through the `fprint-bozorth3` crate) on the same impressions.
//!
//! `cargo run --release -p cetak-finger --example fvc` (see `scripts/bench-finger`).
//! Environment: `FINGERS` (default 500), `IMPRESSIONS` (8), `THREADS` (all cores),
//! `ANCHOR_FINGERS` (200), `SYSTEMS` (`cetak,bozorth3`), `OUT` (JSON file; standard output
//! always gets it too), `DIAG` (set: print score quantiles of genuine and impostor pairs, one
//! finger and the two-finger mean, to standard error), `PERSONS_FROM` (0: the first person's
//! number; another range of persons is a held-out check of figures tuned on the default one).
//!
//! Protocol: F persons, each with fingers 2 (right index) and 7 (left index), I impressions of
//! each (recordings 0..I, quality tiers as the generator draws them). One finger (finger 2):
//! every genuine pair (each pair of impressions of a finger, I·(I−1)/2 per finger) and one
//! impostor pair per pair of fingers (first impression against first impression). Two fingers:
//! the same pairs for finger 7 too, the two scores summed. Reported: EER, FNMR at FMR 1e-2,
//! 1e-3, 1e-4 and comparisons per second per core (scoring only: the cetak side's per-template
//! precomputation is timed apart; BOZORTH3 has none and does all of its work per comparison).

use std::time::Instant;

use cetak_finger::matcher::{Features, Probe, score};
use cetak_finger::{Template, synth, template};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One comparison: (finger slot 0 = finger 2 / 1 = finger 7, probe index, gallery index).
type Job = (usize, usize, usize);

struct Rates {
    eer: f64,
    fnmr: [f64; 3],
    threshold_1e4: f64,
}

const FMRS: [f64; 3] = [1e-2, 1e-3, 1e-4];

/// EER and FNMR at the FMRs (accept when score ≥ threshold).
fn rates(genuine: &[f64], impostor: &[f64]) -> Rates {
    let mut g = genuine.to_vec();
    let mut im = impostor.to_vec();
    g.sort_by(f64::total_cmp);
    im.sort_by(f64::total_cmp);
    let (ng, ni) = (g.len().max(1) as f64, im.len().max(1) as f64);
    // Candidate thresholds: every distinct score, and one above all.
    let mut ts: Vec<f64> = g.iter().chain(im.iter()).copied().collect();
    ts.sort_by(f64::total_cmp);
    ts.dedup();
    ts.push(f64::INFINITY);
    let below = |v: &[f64], t: f64| v.partition_point(|&x| x < t) as f64;
    let fmr = |t: f64| (im.len() as f64 - below(&im, t)) / ni;
    let fnmr = |t: f64| below(&g, t) / ng;
    let mut eer = 1.0;
    let mut gap = f64::INFINITY;
    for &t in &ts {
        let (a, b) = (fmr(t), fnmr(t));
        if (a - b).abs() < gap {
            gap = (a - b).abs();
            eer = (a + b) / 2.0;
        }
    }
    let mut out = [1.0; 3];
    let mut thr = f64::INFINITY;
    for (k, &target) in FMRS.iter().enumerate() {
        // The lowest threshold whose FMR is within the target.
        let t = ts
            .iter()
            .copied()
            .find(|&t| fmr(t) <= target)
            .unwrap_or(f64::INFINITY);
        out[k] = fnmr(t);
        if k == 2 {
            thr = t;
        }
    }
    Rates {
        eer,
        fnmr: out,
        threshold_1e4: thr,
    }
}

/// CPU time of the calling thread, seconds (Linux: `/proc/thread-self/stat`, clock ticks of
/// 1/100 s), so that the per-core rate does not count time the thread waited for a core on a
/// shared machine.
fn thread_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which ends with ')'): utime is the 12th, stime the 13th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Run `jobs` on `threads` workers; scores in job order, the summed busy wall seconds and the
/// summed CPU seconds of the workers.
fn run_jobs<F>(jobs: &[Job], threads: usize, compare: F) -> (Vec<f64>, f64, f64)
where
    F: Fn(&Job) -> f64 + Sync,
{
    let chunk = jobs.len().div_ceil(threads.max(1)).max(1);
    let mut scores = vec![0.0; jobs.len()];
    let (mut busy, mut cpu) = (0.0, 0.0);
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .zip(scores.chunks_mut(chunk))
            .map(|(js, out)| {
                let compare = &compare;
                s.spawn(move || {
                    let start = Instant::now();
                    let cpu0 = thread_cpu_s();
                    for (j, o) in js.iter().zip(out.iter_mut()) {
                        *o = compare(j);
                    }
                    let wall = start.elapsed().as_secs_f64();
                    (
                        wall,
                        thread_cpu_s().map_or(wall, |c| c - cpu0.unwrap_or(0.0)),
                    )
                })
            })
            .collect();
        for h in handles {
            let (w, c) = h.join().unwrap_or((0.0, 0.0));
            busy += w;
            cpu += c;
        }
    });
    (scores, busy, cpu)
}

fn json_rates(r: &Rates) -> String {
    format!(
        "{{\"eer\": {:.5}, \"fnmr_at_fmr_1e-2\": {:.5}, \"fnmr_at_fmr_1e-3\": {:.5}, \"fnmr_at_fmr_1e-4\": {:.5}, \"threshold_at_fmr_1e-4\": {}}}",
        r.eer,
        r.fnmr[0],
        r.fnmr[1],
        r.fnmr[2],
        if r.threshold_1e4.is_finite() {
            format!("{:.3}", r.threshold_1e4)
        } else {
            "null".into()
        }
    )
}

/// One system on the first `fingers` persons: its JSON member.
fn evaluate(
    system: &str,
    templates: &[Vec<Template>],
    fingers: usize,
    impressions: usize,
    threads: usize,
) -> String {
    let idx = |person: usize, rec: usize| person * impressions + rec;
    let mut genuine_jobs: Vec<Job> = Vec::new();
    let mut impostor_jobs: Vec<Job> = Vec::new();
    for slot in 0..2 {
        for p in 0..fingers {
            for a in 0..impressions {
                for b in a + 1..impressions {
                    genuine_jobs.push((slot, idx(p, a), idx(p, b)));
                }
            }
            for q in p + 1..fingers {
                impostor_jobs.push((slot, idx(p, 0), idx(q, 0)));
            }
        }
    }
    let (ng, ni) = (genuine_jobs.len() / 2, impostor_jobs.len() / 2);
    let mut all_jobs = genuine_jobs.clone();
    all_jobs.extend_from_slice(&impostor_jobs);
    let used = fingers * impressions;

    let prep_start = Instant::now();
    let (scores, busy, cpu, prep_s) = match system {
        "cetak" => {
            let probes: Vec<Vec<Probe>> = templates
                .iter()
                .map(|ts| ts[..used].iter().map(Probe::new).collect())
                .collect();
            let feats: Vec<Vec<Features>> = templates
                .iter()
                .map(|ts| ts[..used].iter().map(Features::new).collect())
                .collect();
            let prep_s = prep_start.elapsed().as_secs_f64();
            let (s, b, c) = run_jobs(&all_jobs, threads, |&(slot, p, g)| {
                f64::from(score(&probes[slot][p], &feats[slot][g]))
            });
            (s, b, c, prep_s)
        }
        "bozorth3" => {
            // xyt as NBIS reads it: y counted from the bottom, theta in degrees
            // counter-clockwise.
            let xyt: Vec<Vec<Vec<fprint_bozorth3::Minutia>>> = templates
                .iter()
                .map(|ts| ts[..used].iter().map(to_xyt).collect())
                .collect();
            let prep_s = prep_start.elapsed().as_secs_f64();
            let (s, b, c) = run_jobs(&all_jobs, threads, |&(slot, p, g)| {
                f64::from(fprint_bozorth3::match_score(&xyt[slot][p], &xyt[slot][g]))
            });
            (s, b, c, prep_s)
        }
        other => {
            eprintln!("unknown system {other:?} (cetak, bozorth3)");
            std::process::exit(2);
        }
    };
    let (gs, is) = scores.split_at(genuine_jobs.len());
    // Finger 2 is the one-finger figure; fused: finger 2 + finger 7 of the same pair.
    let one = rates(&gs[..ng], &is[..ni]);
    if std::env::var("DIAG").is_ok() {
        let q = |v: &[f64], ps: &[f64]| quantiles(v, ps, 1.0);
        eprintln!(
            "genuine q 0/.01/.05/.1/.25/.5: {}",
            q(&gs[..ng], &[0.0, 0.01, 0.05, 0.1, 0.25, 0.5])
        );
        eprintln!(
            "impostor q .5/.9/.99/.999/.9999/1: {}",
            q(&is[..ni], &[0.5, 0.9, 0.99, 0.999, 0.9999, 1.0])
        );
        eprintln!(
            "genuine zero: {}",
            gs[..ng].iter().filter(|&&x| x == 0.0).count()
        );
    }
    let fused_g: Vec<f64> = gs[..ng].iter().zip(&gs[ng..]).map(|(a, b)| a + b).collect();
    let fused_i: Vec<f64> = is[..ni].iter().zip(&is[ni..]).map(|(a, b)| a + b).collect();
    let two = rates(&fused_g, &fused_i);
    if std::env::var("DIAG").is_ok() {
        // Sums of two fingers, shown as their mean.
        let q = |v: &[f64], ps: &[f64]| quantiles(v, ps, 0.5);
        eprintln!(
            "two-finger mean: genuine q 0/.001/.01/.02/.05/.1/.5: {}; impostor q .5/.99/.999/.9999/1: {}",
            q(&fused_g, &[0.0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.5]),
            q(&fused_i, &[0.5, 0.99, 0.999, 0.9999, 1.0])
        );
        // The shares below candidate veto levels of data ganda (two-finger mean).
        let below = |v: &[f64], t: f64| {
            100.0 * v.iter().filter(|&&x| x < 2.0 * t).count() as f64 / v.len().max(1) as f64
        };
        for t in [4.0, 5.0, 6.0, 7.0] {
            eprintln!(
                "two-finger mean below {t}: genuine {:.2} %, impostor {:.2} %",
                below(&fused_g, t),
                below(&fused_i, t)
            );
        }
    }
    let per_core = all_jobs.len() as f64 / busy.max(1e-9);
    let per_cpu_s = all_jobs.len() as f64 / cpu.max(1e-9);
    eprintln!(
        "{system} ({fingers} fingers): {} comparisons, {per_core:.0}/s/core ({per_cpu_s:.0} per CPU second), EER {:.2} %, FNMR@1e-2 {:.2} %, @1e-3 {:.2} %, @1e-4 {:.2} %; two fingers FNMR@1e-4 {:.2} %",
        all_jobs.len(),
        one.eer * 100.0,
        one.fnmr[0] * 100.0,
        one.fnmr[1] * 100.0,
        one.fnmr[2] * 100.0,
        two.fnmr[2] * 100.0
    );
    format!(
        "\"{system}\": {{\"genuine_pairs\": {ng}, \"impostor_pairs\": {ni}, \"lowest_measurable_fmr\": {:.1e}, \"comparisons\": {}, \"comparisons_per_s_per_core\": {per_core:.0}, \"comparisons_per_cpu_s\": {per_cpu_s:.0}, \"precompute_s\": {prep_s:.3}, \"one_finger\": {}, \"two_fingers_sum\": {}}}",
        1.0 / ni.max(1) as f64,
        all_jobs.len(),
        json_rates(&one),
        json_rates(&two)
    )
}

fn to_xyt(t: &Template) -> Vec<fprint_bozorth3::Minutia> {
    let Some(v) = t.views.first() else {
        return Vec::new();
    };
    v.minutiae
        .iter()
        .map(|m| fprint_bozorth3::Minutia {
            x: i32::from(m.x),
            y: i32::from(t.height) - 1 - i32::from(m.y),
            theta: (i32::from(m.angle) * 360 + 128) / 256 % 360,
        })
        .collect()
}

fn main() {
    let fingers = env_usize("FINGERS", 500).max(2);
    let impressions = env_usize("IMPRESSIONS", 8).max(2);
    let anchor_fingers = env_usize("ANCHOR_FINGERS", 200).clamp(2, fingers);
    let threads = env_usize(
        "THREADS",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    )
    .max(1);
    let systems = std::env::var("SYSTEMS").unwrap_or_else(|_| "cetak,bozorth3".into());

    // The impressions, through the record writer and reader as any record would come.
    let positions = [2u8, 7u8];
    let first_person = env_usize("PERSONS_FROM", 0);
    let mut templates: Vec<Vec<Template>> = vec![Vec::new(); 2];
    for (slot, &finger) in positions.iter().enumerate() {
        for person in first_person..first_person + fingers {
            for rec in 0..impressions {
                let bytes = synth::impression(person as u64, finger, rec as u64);
                let t = template::parse(&bytes).expect("the generator writes valid records");
                templates[slot].push(t);
            }
        }
    }
    // cetak on all fingers; every system (cetak again) on the first ANCHOR_FINGERS, which is
    // what the anchor's speed allows.
    let mut full: Vec<String> = Vec::new();
    let mut same: Vec<String> = Vec::new();
    for system in systems.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if system == "cetak" {
            full.push(evaluate(system, &templates, fingers, impressions, threads));
        }
        same.push(evaluate(
            system,
            &templates,
            anchor_fingers,
            impressions,
            threads,
        ));
    }
    let json = format!(
        "{{\"protocol\": {{\"fingers\": {fingers}, \"persons_from\": {first_person}, \"impressions\": {impressions}, \"finger_positions\": [2, 7], \"threads\": {threads}, \"generator\": \"cetak_finger::synth::impression(person, finger, recording)\"}}, \"full\": {{\"fingers\": {fingers}, {}}}, \"same_subset\": {{\"fingers\": {anchor_fingers}, {}}}}}",
        full.join(", "),
        same.join(", ")
    );
    println!("{json}");
    if let Ok(path) = std::env::var("OUT")
        && let Err(e) = std::fs::write(&path, format!("{json}\n"))
    {
        eprintln!("cannot write {path}: {e}");
        std::process::exit(2);
    }
}

/// The `ps` quantiles of `v`, each times `scale`, one decimal, for the DIAG lines.
fn quantiles(v: &[f64], ps: &[f64], scale: f64) -> String {
    let mut v: Vec<f64> = v.iter().map(|x| x * scale).collect();
    v.sort_by(f64::total_cmp);
    ps.iter()
        .map(|p| format!("{:.1}", v[((v.len() - 1) as f64 * p) as usize]))
        .collect::<Vec<_>>()
        .join(" ")
}
