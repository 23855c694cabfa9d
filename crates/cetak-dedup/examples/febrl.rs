//! Run cetak's dedup on a FEBRL data set (the anchor benchmark's public data), mapping its
//! columns onto the recording fields, and write `recording_id,cluster_id`.
//!
//! `cargo run --release -p cetak-dedup --example febrl -- IN.csv OUT.csv`
//! IN has FEBRL's columns: rec_id, given_name, surname, street_number, address_1, address_2,
//! suburb, postcode, state, date_of_birth, soc_sec_id.

use std::io::Write;

use cetak_dedup::{Config, Outcome, Recording, run};

// The same allocator as the `cetak` binary, so that the benchmark times what an office runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (input, output) = match (args.get(1), args.get(2)) {
        (Some(i), Some(o)) => (i, o),
        _ => return Err("usage: febrl IN.csv OUT.csv".into()),
    };
    let started = std::time::Instant::now();
    let mut rdr = csv::Reader::from_path(input)?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or(format!("no column {name}"))
    };
    let (id, given, surname, number, addr1, suburb, postcode, state, dob, ssn) = (
        col("rec_id")?,
        col("given_name")?,
        col("surname")?,
        col("street_number")?,
        col("address_1")?,
        col("suburb")?,
        col("postcode")?,
        col("state")?,
        col("date_of_birth")?,
        col("soc_sec_id")?,
    );
    let mut recs = Vec::new();
    for row in rdr.records() {
        let r = row?;
        let f = |i: usize| r.get(i).unwrap_or("").trim().to_string();
        let d = f(dob);
        let tanggal_lahir = if d.len() == 8 {
            format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8])
        } else {
            String::new()
        };
        recs.push(Recording {
            id: f(id),
            nik: f(ssn),
            nama: format!("{} {}", f(given), f(surname)).trim().to_string(),
            tanggal_lahir,
            female: false,
            tempat_lahir: format!("{} {}", f(postcode), f(state)),
            nama_ibu: String::new(),
            alamat: format!("{} {}", f(number), f(addr1)).trim().to_string(),
            kelurahan: f(suburb),
            recorded_at: String::new(),
            has_card: false,
            needs_correction: false,
        });
    }
    // FEBRL's duplicates replace given names at random and it has no twins: no twin rule.
    let config = Config {
        twin_rule: false,
        single_field_keys: true,
        auto_link: 0.9,
        review: 0.9,
        cannot_link: 0.0,
        ..Config::default()
    };
    let result = run(&recs, &[], &config);
    // CETAK_DEBUG=id1,id2 prints how the run saw those recordings' pairs.
    if let Ok(ids) = std::env::var("CETAK_DEBUG") {
        let want: Vec<usize> = ids
            .split(',')
            .filter_map(|id| recs.iter().position(|r| r.id == id))
            .collect();
        for p in result.links.iter().chain(&result.review) {
            if want.contains(&(p.a as usize)) || want.contains(&(p.b as usize)) {
                eprintln!(
                    "{} {} p={:.4} why={:?} {:?}",
                    recs[p.a as usize].id,
                    recs[p.b as usize].id,
                    p.probability,
                    p.why,
                    p.evidence
                        .fields()
                        .iter()
                        .map(|e| (e.field, e.level, e.weight))
                        .collect::<Vec<_>>()
                );
            }
        }
        for &w in &want {
            eprintln!("{} -> {:?}", recs[w].id, result.outcomes[w]);
        }
        eprintln!(
            "m {:?}\nu {:?}\nprior {}",
            result.model.m, result.model.u, result.model.prior_log2
        );
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
    writeln!(out, "recording_id,cluster_id")?;
    for (i, o) in result.outcomes.iter().enumerate() {
        let cluster = match o {
            Outcome::Duplicate { survivor } => &recs[*survivor as usize].id,
            _ => &recs[i].id,
        };
        writeln!(out, "{},{}", recs[i].id, cluster)?;
    }
    eprintln!(
        "{} records, {} compared pairs, {:.2} s",
        recs.len(),
        result.compared,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
