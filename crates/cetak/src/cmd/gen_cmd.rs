//! `cetak gen`: a seeded Palembang backlog for demos, tests and benchmarks.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use cetak_gen::{GenConfig, GenSummary, generate};
use indicatif::{ProgressBar, ProgressStyle};

use super::{AtomicFile, Context, print_json};
use crate::text::t;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recordings to generate.
    #[arg(long, default_value_t = 25_000)]
    rows: u64,
    /// Seed: the same seed always gives the same files.
    #[arg(long, default_value_t = 2015)]
    seed: u64,
    /// Folder for recordings.csv and truth.csv (created if missing).
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Share of rows that are extra recordings of people already in the file.
    #[arg(long, default_value_t = 0.4)]
    duplicate_share: f64,
    /// Share of rows with a deliberate defect, to show the quarantine.
    #[arg(long, default_value_t = 0.0)]
    bad_share: f64,
    /// Make the recording desk's mistakes with an office's shares (empty mother's name,
    /// a digit for a letter, NIK typos, empty occupation or birthplace, keyboard slips,
    /// titles, old spellings): about 9 % of rows then need a correction.
    #[arg(long)]
    office_errors: bool,
    /// Also write media/<recording_id>/ (import contract v2): a drawn portrait, a signature
    /// and two index-finger templates per recording, the same person alike in every recording.
    #[arg(long)]
    media: bool,
}

/// Refuse what cannot be generated, in the operator's language, before any file is touched.
fn validate(cfg: &GenConfig) -> anyhow::Result<()> {
    if cfg.rows == 0 {
        bail!("{}", t("--rows minimal 1", "--rows must be at least 1"));
    }
    if !(0.0..0.95).contains(&cfg.duplicate_share) {
        bail!(
            "{} {}",
            t(
                "--duplicate-share harus dari 0 sampai kurang dari 0,95, bukan",
                "--duplicate-share must be at least 0 and below 0.95, not"
            ),
            cfg.duplicate_share
        );
    }
    if !(0.0..=1.0).contains(&cfg.bad_share) {
        bail!(
            "{} {}",
            t(
                "--bad-share harus dari 0 sampai 1, bukan",
                "--bad-share must be between 0 and 1, not"
            ),
            cfg.bad_share
        );
    }
    cfg.check()?;
    Ok(())
}

/// Write `recordings.csv` and `truth.csv` into `out`: arguments checked first, both files
/// written under temporary names and renamed into place at the end, so a refused or killed
/// run leaves the old files as they were.
pub fn write_backlog(cfg: &GenConfig, out: &Path, progress: bool) -> anyhow::Result<GenSummary> {
    validate(cfg)?;
    std::fs::create_dir_all(out).with_context(|| {
        format!(
            "{} {}",
            t("tidak dapat membuat", "cannot create"),
            out.display()
        )
    })?;
    let mut rec = AtomicFile::create(&out.join("recordings.csv"))?;
    let mut truth = AtomicFile::create(&out.join("truth.csv"))?;
    let bar = if progress {
        let b = ProgressBar::new(cfg.rows);
        b.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} [{bar:30}] {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let summary = generate(cfg, rec.writer(), truth.writer(), &mut |n| {
        bar.set_position(n)
    })?;
    bar.finish_and_clear();
    rec.commit()?;
    truth.commit()?;
    Ok(summary)
}

pub fn run(ctx: &Context, a: Args) -> anyhow::Result<ExitCode> {
    let cfg = GenConfig {
        rows: a.rows,
        seed: a.seed,
        duplicate_share: a.duplicate_share,
        bad_share: a.bad_share,
        office_errors: a.office_errors,
    };
    let started = Instant::now();
    let progress = !ctx.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let s = write_backlog(&cfg, &a.out, progress)?;
    let media = if a.media {
        Some(write_media_folder(&cfg, &a.out, progress)?)
    } else {
        None
    };
    let seconds = started.elapsed().as_secs_f64();
    if ctx.json {
        print_json(&serde_json::json!({
            "rows": s.rows, "persons": s.persons, "duplicates": s.duplicates, "bad_rows": s.bad_rows,
            "needs_correction_rows": s.needs_correction_rows,
            "recordings": a.out.join("recordings.csv"), "truth": a.out.join("truth.csv"), "seconds": seconds,
            "media": media.map(|_| a.out.join("media")), "with_media": media.unwrap_or(0),
        }))?;
    } else {
        outln!(
            "{} {} {} ({} {}, {} {}) {} {} — {:.1} s",
            t("Dibuat", "Wrote"),
            s.rows,
            t("perekaman", "recordings"),
            s.persons,
            t("orang", "people"),
            s.duplicates,
            t("perekaman ganda", "extra recordings"),
            t("di", "in"),
            a.out.display(),
            seconds
        )?;
        if media.is_some() {
            outln!(
                "{} {}",
                t(
                    "Foto, tanda tangan dan sidik jari di",
                    "Photos, signatures and fingerprints in"
                ),
                a.out.join("media").display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `out/media/` for the recordings of `out/truth.csv`: into a fresh folder beside it,
/// renamed into place at the end, so a killed run leaves the old folder (or none), never half.
pub(crate) fn write_media_folder(
    cfg: &GenConfig,
    out: &Path,
    progress: bool,
) -> anyhow::Result<u64> {
    let truth = cetak_gen::media::read_truth(&out.join("truth.csv"))
        .with_context(|| t("membaca truth.csv", "reading truth.csv"))?;
    let target = out.join("media");
    let fresh = out.join(format!(".media-{}", std::process::id()));
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh)?;
    }
    let bar = if progress {
        let b = ProgressBar::new(truth.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{spinner} media {pos}/{len} [{bar:30}] {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let n = cetak_gen::media::write_media(cfg.seed, &truth, &fresh, cfg.office_errors, &|n| {
        bar.set_position(n)
    })
    .with_context(|| format!("{} {}", t("menulis", "writing"), fresh.display()))?;
    bar.finish_and_clear();
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("{} {}", t("menghapus", "removing"), target.display()))?;
    }
    std::fs::rename(&fresh, &target)?;
    Ok(n)
}
