//! Quality and time of dedup on a `cetak gen` directory, in memory (no registry): for tuning.
//!
//! `cargo run --release -p cetak-dedup --example quality -- DIR` where DIR holds
//! `recordings.csv` and `truth.csv` from `cetak gen`.

use std::collections::HashMap;
use std::time::Instant;

use cetak_dedup::{Config, Outcome, Recording, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: quality DIR")?;
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
        });
    }
    let mut truth = HashMap::new();
    let mut rdr = csv::Reader::from_path(format!("{dir}/truth.csv"))?;
    for row in rdr.records() {
        let r = row?;
        truth.insert(r[0].to_string(), r[1].to_string());
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
    let person: Vec<&str> = recs.iter().map(|r| truth[&r.id].as_str()).collect();
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
    println!(
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
