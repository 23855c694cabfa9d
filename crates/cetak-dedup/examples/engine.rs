//! The dedup engine alone on a file, in memory, without the registry: CSV in, clusters out —
//! the same job the anchor (Splink) does in the benchmark, and a quick loop for tuning.
//!
//! `cargo run --release -p cetak-dedup --example engine -- DIR [OUT.csv]` where DIR holds
//! `recordings.csv` (the import contract's columns) and, optionally, `truth.csv` from
//! `cetak gen`; with a truth file it prints pairwise precision, recall and F1. OUT receives
//! `recording_id,cluster_id`.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use cetak_dedup::{Config, Outcome, Recording, run};

// The same allocator as the `cetak` binary, so that the benchmark times what an office runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: engine DIR [OUT.csv]")?;
    let out = std::env::args().nth(2);
    let started = Instant::now();
    let mut recs = Vec::new();
    let mut rdr = csv::Reader::from_path(format!("{dir}/recordings.csv"))?;
    for row in rdr.records() {
        let r = row?;
        recs.push(Recording {
            id: r[0].to_string(),
            nik: r[1].to_string(),
            nama: r[2].to_string(),
            tempat_lahir: r[3].to_string(),
            tanggal_lahir: r[4].to_string(),
            female: &r[5] == "PEREMPUAN",
            nama_ibu: r[18].to_string(),
            alamat: r[7].to_string(),
            kelurahan: cetak_domain::regions::regions()
                .palembang_kelurahan_code(&r[11], &r[10])
                .unwrap_or_else(|| r[10].to_string()),
            recorded_at: r[19].to_string(),
            has_card: false,
            needs_correction: false,
        });
    }
    let read = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let result = run(&recs, &[], &Config::default());
    let secs = t.elapsed().as_secs_f64();
    let cluster: Vec<usize> = result
        .outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| match o {
            Outcome::Duplicate { survivor } => *survivor as usize,
            _ => i,
        })
        .collect();
    if let Some(out) = out {
        let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
        writeln!(w, "recording_id,cluster_id")?;
        for (i, &c) in cluster.iter().enumerate() {
            writeln!(w, "{},{}", recs[i].id, recs[c].id)?;
        }
        w.flush()?;
        // Writing clusters is the benchmark's job: the evaluation is done outside.
        eprintln!("{} records, dedup {secs:.2}s", recs.len());
        // The process ends here: handing a million recordings' strings back one by one
        // would only delay the exit (the `cetak` binary does the same).
        std::mem::forget((recs, result));
        return Ok(());
    }
    let truth_path = format!("{dir}/truth.csv");
    if !std::path::Path::new(&truth_path).exists() {
        eprintln!("{} records, dedup {secs:.2}s", recs.len());
        return Ok(());
    }
    let mut truth = HashMap::new();
    let mut rdr = csv::Reader::from_path(truth_path)?;
    for row in rdr.records() {
        let r = row?;
        truth.insert(r[0].to_string(), r[1].to_string());
    }
    let person: Vec<&str> = recs
        .iter()
        .map(|r| truth.get(&r.id).map_or("?", String::as_str))
        .collect();
    // Pairwise counts through group sizes: predicted, actual and their intersection.
    let mut p = HashMap::new();
    let mut a = HashMap::new();
    let mut both = HashMap::new();
    for i in 0..recs.len() {
        *p.entry(cluster[i]).or_insert(0) += 1;
        *a.entry(person[i]).or_insert(0) += 1;
        *both.entry((cluster[i], person[i])).or_insert(0) += 1;
    }
    let (pp, ap, tp) = (pairs(p) as f64, pairs(a) as f64, pairs(both) as f64);
    let (prec, rec) = (tp / pp.max(1.0), tp / ap.max(1.0));
    let awaiting = result
        .outcomes
        .iter()
        .filter(|o| **o == Outcome::AwaitingDecision)
        .count();
    eprintln!(
        "{} records read {read:.2}s dedup {secs:.2}s compared {} P {prec:.4} R {rec:.4} F1 {:.4} review {} awaiting {awaiting}",
        recs.len(),
        result.compared,
        2.0 * prec * rec / (prec + rec),
        result.review.len()
    );
    Ok(())
}

fn pairs<K>(sizes: HashMap<K, u64>) -> u64 {
    sizes.values().map(|n| n * (n - 1) / 2).sum()
}
