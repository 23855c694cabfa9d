//! `cetak import FILE`: stream the file through validation into the store, batch by batch.
//!
//! A reader thread parses and validates while this thread writes; a bounded channel between
//! them keeps memory flat at any file size. Each batch is one transaction with its audit entry,
//! so a kill at any moment leaves whole batches, and a re-run skips what is already there.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{Context as _, bail};
use cetak_ingest::{Format, IngestError, Item, rows};
use cetak_store::{BatchOutcome, Store};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::{Context, now, open_store, print_json, table};
use crate::text::t;

const BATCH_ROWS: usize = 10_000;
/// Rows per batch when each brings a media folder (~50 KB a recording).
const MEDIA_BATCH_ROWS: usize = 500;
/// Bytes of rows per batch (NDJSON v2 lines carry base64 photos).
const BATCH_BYTES: usize = 32 * 1024 * 1024;
pub const DEFAULT_COMMIT_ROWS: u64 = 100_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV or NDJSON file in import contract 1.1 (docs/import-contract.md).
    file: PathBuf,
    /// File format; guessed from the extension, then the first byte, when not given.
    #[arg(long, value_parser = ["csv", "ndjson"])]
    format: Option<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Only validate: report what would be imported or quarantined, write nothing.
    #[arg(long)]
    check: bool,
    /// Rows per transaction: larger is faster, smaller loses less work to a power cut.
    #[arg(long, default_value_t = DEFAULT_COMMIT_ROWS, value_parser = clap::value_parser!(u64).range(1..))]
    commit_rows: u64,
    /// Contract v2 for a CSV file: the folder with one sub-folder per recording_id holding
    /// foto.jpg, tanda_tangan.png and jari-NN.fmr.
    #[arg(long, value_name = "DIR")]
    media: Option<PathBuf>,
}

impl Args {
    /// `--check`: the file is only validated, the database is not opened.
    pub fn check_only(&self) -> bool {
        self.check
    }
}

#[derive(Debug, Serialize)]
pub struct ImportReport {
    pub file: String,
    /// `--check`: validated only, nothing written (the counts say what an import would do).
    pub check: bool,
    pub rows: u64,
    #[serde(flatten)]
    pub outcome: BatchOutcome,
    pub nothing_changed: bool,
    pub seconds: f64,
    pub rows_per_second: f64,
    pub peak_rss_mib: Option<f64>,
}

/// Counts bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A thread that checkpoints the WAL while an import writes; stops when dropped, also on error.
struct BackgroundCheckpoint {
    running: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundCheckpoint {
    fn start(store: &Store) -> anyhow::Result<BackgroundCheckpoint> {
        let running = Arc::new(AtomicBool::new(true));
        let handle = match store.checkpointer()? {
            Some(cp) => {
                store.set_auto_checkpoint(false)?;
                let running = running.clone();
                Some(std::thread::spawn(move || {
                    while running.load(Ordering::Relaxed) {
                        if let Err(e) = cp.passive() {
                            tracing::warn!("background checkpoint: {e}");
                        }
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                }))
            }
            None => None,
        };
        Ok(BackgroundCheckpoint { running, handle })
    }
}

impl Drop for BackgroundCheckpoint {
    fn drop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

pub fn import_file(
    store: Option<&mut Store>,
    path: &Path,
    format: Option<Format>,
    actor: &str,
    commit_rows: u64,
    progress: bool,
    media: Option<&Path>,
) -> anyhow::Result<ImportReport> {
    let checking = store.is_none();
    if let Some(dir) = media
        && !dir.is_dir()
    {
        bail!(
            "{} {}",
            dir.display(),
            t(
                "bukan folder media (seharusnya satu subfolder per ID perekaman)",
                "is not a media folder (one sub-folder per recording_id is expected)"
            )
        );
    }
    let meta = std::fs::metadata(path).with_context(|| {
        format!(
            "{} {}",
            t("tidak dapat membaca", "cannot read"),
            path.display()
        )
    })?;
    if meta.is_dir() {
        bail!(
            "{} {}",
            path.display(),
            t("adalah folder, bukan berkas", "is a directory, not a file")
        );
    }
    let mut file = File::open(path).with_context(|| {
        format!(
            "{} {}",
            t("tidak dapat membuka", "cannot open"),
            path.display()
        )
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let format = match format {
        Some(f) => f,
        None => {
            let mut head = [0u8; 8];
            let n = file.read(&mut head)?;
            let f = Format::detect(&name, &head[..n]);
            drop(file);
            file = File::open(path)?;
            f
        }
    };
    let read = Arc::new(AtomicU64::new(0));
    let input = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: file,
            read: read.clone(),
        },
    );
    let started = Instant::now();

    // The header is checked before anything is written: a wrong file changes nothing.
    let mut iter = rows(input, format).with_context(|| {
        format!(
            "{} {}",
            t("berkas ditolak:", "file refused:"),
            path.display()
        )
    })?;
    let (tx, rx) = sync_channel::<Result<Vec<Item>, IngestError>>(4);
    let media_dir = media.map(Path::to_path_buf);
    let reader = std::thread::spawn(move || {
        // Contract v2 brings photos: a batch is bounded by bytes as well as rows, so memory
        // stays flat (4 batches in flight) whatever the photo sizes.
        let with_media = |mut batch: Vec<Item>| {
            if let Some(dir) = &media_dir {
                cetak_ingest::media::attach_dir(&mut batch, dir);
            }
            cetak_ingest::media::check_rows(&mut batch);
            batch
        };
        let row_bytes = |i: &Item| match i {
            Item::Valid { raw, .. } | Item::NeedsCorrection { raw, .. } => raw.len(),
            Item::Rejected { raw, .. } => raw.len(),
        };
        let rows_per_batch = if media_dir.is_some() {
            MEDIA_BATCH_ROWS
        } else {
            BATCH_ROWS
        };
        let mut batch = Vec::with_capacity(rows_per_batch);
        let mut bytes = 0usize;
        for item in iter.by_ref() {
            match item {
                Ok(i) => {
                    bytes += row_bytes(&i);
                    batch.push(i);
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
            if (batch.len() == rows_per_batch || bytes >= BATCH_BYTES)
                && tx
                    .send(Ok(with_media(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(rows_per_batch),
                    ))))
                    .is_err()
            {
                return;
            }
            if batch.is_empty() {
                bytes = 0;
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(Ok(with_media(batch)));
        }
    });

    let bar = if progress {
        let b = ProgressBar::new(meta.len());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} [{bar:30}] {per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let mut outcome = BatchOutcome::default();
    let mut rows_seen = 0u64;
    let mut batches = rx.into_iter();
    let mut next = batches.next();
    let mut receive =
        |batch: Option<Result<Vec<Item>, IngestError>>| -> anyhow::Result<Option<Vec<Item>>> {
            let Some(batch) = batch else { return Ok(None) };
            let batch =
                batch.with_context(|| format!("{} {}", t("membaca", "reading"), path.display()))?;
            rows_seen += batch.len() as u64;
            bar.set_position(read.load(Ordering::Relaxed));
            bar.set_message(format!("{} {}", rows_seen, t("baris", "rows")));
            Ok(Some(batch))
        };
    match store {
        Some(store) => {
            let bulk = store.begin_bulk_load()?;
            // Checkpoints run beside the writer, on the core the parser leaves idle.
            let background = BackgroundCheckpoint::start(store)?;
            // Several batches per transaction: each commit rewrites the NIK index pages it
            // touched, so fewer, larger commits import far faster; a kill loses at most one
            // transaction, which the re-run imports again.
            // The office clock guard: never a time before the newest one in the books.
            let not_before = super::office_now(store)?;
            while let Some(first) = receive(next.take())? {
                let mut tx = store.begin_import(&name, actor, now().max(not_before))?;
                tx.add(&first)?;
                while tx.rows() < commit_rows {
                    match receive(batches.next())? {
                        Some(batch) => tx.add(&batch)?,
                        None => break,
                    }
                }
                outcome += tx.commit()?;
                next = batches.next();
            }
            drop(background);
            store.set_auto_checkpoint(true)?;
            if bulk {
                bar.set_message(t("membangun indeks", "building indexes"));
                let t0 = Instant::now();
                store.end_bulk_load()?;
                tracing::info!(
                    seconds = t0.elapsed().as_secs_f64(),
                    "secondary indexes rebuilt"
                );
            }
        }
        None => {
            while let Some(batch) = receive(next.take())? {
                for item in &batch {
                    match item {
                        Item::Valid { media, .. } => {
                            outcome.imported += 1;
                            if let Some(m) = media {
                                outcome.with_media += 1;
                                if !m.problems().is_empty() {
                                    outcome.needs_correction += 1;
                                }
                                if m.blocks_printing() {
                                    outcome.held_for_correction += 1;
                                }
                            }
                        }
                        Item::NeedsCorrection { draft, media, .. } => {
                            outcome.imported += 1;
                            outcome.needs_correction += 1;
                            let media_held = media.as_ref().is_some_and(|m| m.blocks_printing());
                            if draft.blocks_printing() || media_held {
                                outcome.held_for_correction += 1;
                            }
                            outcome.with_media += u64::from(media.is_some());
                        }
                        Item::Rejected { .. } => outcome.quarantined += 1,
                    }
                }
                next = batches.next();
            }
        }
    }
    bar.finish_and_clear();
    if reader.join().is_err() {
        bail!(
            "{}",
            crate::text::t(
                "pembaca berkas berhenti karena kesalahan",
                "the reader thread failed"
            )
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(ImportReport {
        file: path.display().to_string(),
        check: checking,
        rows: rows_seen,
        nothing_changed: checking || outcome.imported + outcome.quarantined == 0,
        outcome,
        seconds,
        rows_per_second: if seconds > 0.0 {
            rows_seen as f64 / seconds
        } else {
            0.0
        },
        peak_rss_mib: super::peak_rss_mib(),
    })
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let format = args.format.as_deref().map(|f| {
        if f == "ndjson" {
            Format::Ndjson
        } else {
            Format::Csv
        }
    });
    let show_progress =
        !args.quiet && !ctx.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let report = if args.check {
        import_file(
            None,
            &args.file,
            format,
            &ctx.actor,
            args.commit_rows,
            show_progress,
            args.media.as_deref(),
        )?
    } else {
        let mut store = open_store(&ctx.db)?;
        import_file(
            Some(&mut store),
            &args.file,
            format,
            &ctx.actor,
            args.commit_rows,
            show_progress,
            args.media.as_deref(),
        )?
    };
    if ctx.json {
        print_json(&serde_json::to_value(&report)?)?;
    } else {
        print_report(&report)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_report(r: &ImportReport) -> std::io::Result<()> {
    if r.check {
        return print_check(r);
    }
    let mut tb = table(&[t("hasil impor", "import result"), t("baris", "rows")]);
    tb.add_row(vec![
        t("masuk register", "imported").to_string(),
        r.outcome.imported.to_string(),
    ]);
    tb.add_row(vec![
        t("  di antaranya dengan masalah", "  of which with problems").to_string(),
        r.outcome.needs_correction.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "  di antaranya perlu perbaikan sebelum dicetak",
            "  of which needing correction before printing",
        )
        .to_string(),
        r.outcome.held_for_correction.to_string(),
    ]);
    if r.outcome.with_media > 0 {
        tb.add_row(vec![
            t(
                "  di antaranya dengan foto/tanda tangan/sidik jari",
                "  of which with photo/signature/fingerprints",
            )
            .to_string(),
            r.outcome.with_media.to_string(),
        ]);
    }
    tb.add_row(vec![
        t("karantina (tidak terbaca)", "quarantined (unreadable)").to_string(),
        r.outcome.quarantined.to_string(),
    ]);
    tb.add_row(vec![
        t("sudah ada sebelumnya", "already present").to_string(),
        r.outcome.already_present.to_string(),
    ]);
    outln!("{}: {}\n{tb}", t("Berkas", "File"), r.file)?;
    if r.nothing_changed {
        outln!(
            "{}",
            t(
                "Tidak ada yang berubah: semua baris sudah ada.",
                "Nothing changed: every row was already present."
            )
        )?;
    }
    if r.outcome.held_for_correction > 0 {
        outln!(
            "{}",
            t(
                "Lihat yang perlu perbaikan: cetak correct list",
                "See what needs correction: cetak correct list"
            )
        )?;
    }
    if r.outcome.quarantined > 0 {
        outln!(
            "{}",
            t(
                "Lihat baris yang ditolak: cetak quarantine list",
                "See rejected rows: cetak quarantine list"
            )
        )?;
    }
    outln!(
        "{:.1} s, {:.0} {}",
        r.seconds,
        r.rows_per_second,
        t("baris/detik", "rows/s")
    )?;
    Ok(())
}

/// `import --check`: what an import would do; nothing was written, so nothing to look up.
fn print_check(r: &ImportReport) -> std::io::Result<()> {
    let mut tb = table(&[t("pemeriksaan berkas", "file check"), t("baris", "rows")]);
    tb.add_row(vec![
        t("akan masuk register", "would enter the registry").to_string(),
        r.outcome.imported.to_string(),
    ]);
    tb.add_row(vec![
        t("akan ditolak ke karantina", "would be quarantined").to_string(),
        r.outcome.quarantined.to_string(),
    ]);
    outln!("{}: {}\n{tb}", t("Berkas", "File"), r.file)?;
    outln!(
        "{}",
        t(
            "Hanya pemeriksaan: tidak ada yang ditulis. Untuk mengimpor, jalankan perintah yang sama tanpa --check.",
            "Check only: nothing was written. To import, run the same command without --check."
        )
    )?;
    outln!(
        "{:.1} s, {:.0} {}",
        r.seconds,
        r.rows_per_second,
        t("baris/detik", "rows/s")
    )?;
    Ok(())
}
