//! `cetak finger match` and `cetak finger search`: compare ISO/IEC 19794-2 (or ANSI 378)
//! minutiae records with cetak's matcher (`cetak-finger`), without a database.
//!
//! Why a command: the matcher is scripted from outside (evaluations, spot checks of a data
//! ganda pair) before it is fused into deduplication, so its contract is exact: `match` reads a
//! CSV of pairs and prints one score per pair in input order; `search` ranks a folder of
//! records against one probe. Every record is read before anything is printed, and an
//! unreadable or invalid one is an error naming the file (exit status 2).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use cetak_finger::matcher::{Features, Probe, score};
use cetak_finger::{Gallery, Template};

use super::{Context, print_json};
use crate::text::t;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Score pairs of minutiae records listed in a CSV file (header probe,candidate); prints
    /// probe,candidate,score in input order, higher is more alike.
    Match(MatchArgs),
    /// Rank the minutiae records in a folder against one probe record.
    Search(SearchArgs),
}

#[derive(Debug, clap::Args)]
pub struct MatchArgs {
    /// CSV file with the header probe,candidate: two paths to ISO/IEC 19794-2 records per
    /// row, relative to the current folder.
    #[arg(long, value_name = "FILE")]
    pairs: PathBuf,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Folder of minutiae records (every file in it is read).
    #[arg(long, value_name = "FOLDER")]
    gallery: PathBuf,
    /// The probe's minutiae record.
    #[arg(long, value_name = "FILE")]
    probe: PathBuf,
    /// How many candidates to show.
    #[arg(long, value_name = "K", default_value_t = 10)]
    top: usize,
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Match(a) => run_match(ctx, a),
        Command::Search(a) => run_search(ctx, a),
    }
}

/// Read and parse one record; the error names the file.
fn load(path: &Path) -> anyhow::Result<Template> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "{} {}",
            t(
                "tidak dapat membaca rekaman sidik jari",
                "cannot read the fingerprint record"
            ),
            path.display()
        )
    })?;
    cetak_finger::template::parse(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} {}: {e} ({})",
            t(
                "rekaman sidik jari tidak sah:",
                "invalid fingerprint record:"
            ),
            path.display(),
            e.code()
        )
    })
}

fn threads(flag: Option<usize>) -> usize {
    flag.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

fn score_text(s: f32) -> String {
    format!("{s:.3}")
}

fn run_match(ctx: &Context, args: MatchArgs) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.pairs).with_context(|| {
        format!(
            "{} {}",
            t("tidak dapat membuka", "cannot open"),
            args.pairs.display()
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file);
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}", args.pairs.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header != ["probe", "candidate"] {
        anyhow::bail!(
            "{}: {} probe,candidate ({} {})",
            args.pairs.display(),
            t("judul kolom harus", "the header must be"),
            t("tertulis", "found"),
            header.join(",")
        );
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let row = row.with_context(|| {
            format!("{} {} {}", args.pairs.display(), t("baris", "line"), n + 2)
        })?;
        match (row.get(0), row.get(1), row.len()) {
            (Some(p), Some(c), 2) => pairs.push((p.to_string(), c.to_string())),
            _ => anyhow::bail!(
                "{} {} {}: {}",
                args.pairs.display(),
                t("baris", "line"),
                n + 2,
                t(
                    "harus berisi dua kolom: probe,candidate",
                    "must hold two columns: probe,candidate"
                )
            ),
        }
    }
    // Each distinct file is read and prepared once, on the side it is used.
    let mut probe_slot: HashMap<&str, usize> = HashMap::new();
    let mut cand_slot: HashMap<&str, usize> = HashMap::new();
    let mut probes: Vec<Probe> = Vec::new();
    let mut cands: Vec<Features> = Vec::new();
    let mut jobs: Vec<(usize, usize)> = Vec::with_capacity(pairs.len());
    for (p, c) in &pairs {
        let pi = match probe_slot.get(p.as_str()) {
            Some(&i) => i,
            None => {
                probes.push(Probe::new(&load(Path::new(p))?));
                probe_slot.insert(p, probes.len() - 1);
                probes.len() - 1
            }
        };
        let ci = match cand_slot.get(c.as_str()) {
            Some(&i) => i,
            None => {
                cands.push(Features::new(&load(Path::new(c))?));
                cand_slot.insert(c, cands.len() - 1);
                cands.len() - 1
            }
        };
        jobs.push((pi, ci));
    }
    let mut scores = vec![0.0f32; jobs.len()];
    let chunk = jobs.len().div_ceil(threads(args.threads)).max(1);
    std::thread::scope(|s| {
        for (js, out) in jobs.chunks(chunk).zip(scores.chunks_mut(chunk)) {
            let (probes, cands) = (&probes, &cands);
            s.spawn(move || {
                for (&(p, c), o) in js.iter().zip(out.iter_mut()) {
                    *o = score(&probes[p], &cands[c]);
                }
            });
        }
    });
    if ctx.json {
        let rows: Vec<serde_json::Value> = pairs
            .iter()
            .zip(&scores)
            .map(|((p, c), s)| serde_json::json!({ "probe": p, "candidate": c, "score": s }))
            .collect();
        print_json(&serde_json::json!({ "pairs": rows }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["probe", "candidate", "score"])?;
    for ((p, c), s) in pairs.iter().zip(&scores) {
        w.write_record([p.as_str(), c.as_str(), score_text(*s).as_str()])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    let text = String::from_utf8_lossy(&bytes);
    outln!("{}", text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

fn run_search(ctx: &Context, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let probe = Probe::new(&load(&args.probe)?);
    let entries = std::fs::read_dir(&args.gallery).with_context(|| {
        format!(
            "{} {}",
            t("tidak dapat membaca folder", "cannot read the folder"),
            args.gallery.display()
        )
    })?;
    let mut files: Vec<PathBuf> = Vec::new();
    for e in entries {
        let e = e.with_context(|| format!("{}", args.gallery.display()))?;
        if e.file_type().is_ok_and(|ft| ft.is_file()) {
            files.push(e.path());
        }
    }
    files.sort();
    let too_many = || {
        anyhow::anyhow!(
            "{}",
            t(
                "terlalu banyak berkas di galeri",
                "too many files in the gallery"
            )
        )
    };
    let mut gallery = Gallery::new();
    for (i, f) in files.iter().enumerate() {
        let id = u32::try_from(i).map_err(|_| too_many())?;
        gallery.add(id, &load(f)?).map_err(|_| too_many())?;
    }
    gallery.prepare();
    let found = gallery.search(&probe, args.top);
    let name = |id: u32| -> String {
        files
            .get(id as usize)
            .and_then(|f| f.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    if ctx.json {
        let rows: Vec<serde_json::Value> = found
            .iter()
            .map(|&(id, s)| serde_json::json!({ "file": name(id), "score": s }))
            .collect();
        print_json(&serde_json::json!({
            "probe": args.probe.display().to_string(),
            "gallery": files.len(),
            "candidates": rows,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["file", "score"])?;
    for &(id, s) in &found {
        w.write_record([name(id), score_text(s)])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    let text = String::from_utf8_lossy(&bytes);
    outln!("{}", text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}
