//! `cetak demo [DIR]`: the Palembang office in a fresh folder.
//!
//! Generates the 2015 backlog (25,000 recordings, ~10,000 of them extra recordings of people
//! already in the file, a few defective rows), imports it, finds the duplicate recordings,
//! verifies the audit chain and prints a summary with the next commands to try.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use cetak_domain::lifecycle::Actor;
use cetak_gen::GenConfig;

use super::{Context, open_store, print_json, table};
use crate::cmd::{gen_cmd::write_backlog, import::import_file};
use crate::text::t;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A new or empty folder for the demo's files (recordings.csv, truth.csv, cetak.db).
    #[arg(default_value = "demo-palembang")]
    dir: PathBuf,
    /// Recordings in the backlog.
    #[arg(long, default_value_t = 25_000)]
    rows: u64,
    /// Seed of the generated backlog.
    #[arg(long, default_value_t = 2015)]
    seed: u64,
}

pub fn run(ctx: &Context, a: Args) -> anyhow::Result<ExitCode> {
    if a.dir.exists()
        && std::fs::read_dir(&a.dir)
            .with_context(|| format!("reading {}", a.dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} {}",
            a.dir.display(),
            t(
                "tidak kosong; demo butuh folder baru (hapus atau pilih folder lain)",
                "is not empty; the demo needs a fresh folder (remove it or name another)"
            )
        );
    }
    let interactive = !ctx.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let say = |s: &str| {
        if !ctx.json {
            println!("{s}");
        }
    };
    say(t(
        "1/4 Membuat backlog Palembang (data sintetis)…",
        "1/4 Generating the Palembang backlog (synthetic data)…",
    ));
    let cfg = GenConfig {
        rows: a.rows,
        seed: a.seed,
        bad_share: 0.002,
        ..GenConfig::default()
    };
    let generated = write_backlog(&cfg, &a.dir, interactive)?;

    say(t(
        "2/4 Mengimpor ke register (SQLite)…",
        "2/4 Importing into the registry (SQLite)…",
    ));
    let db = a.dir.join("cetak.db");
    let mut store = open_store(&db)?;
    let report = import_file(
        Some(&mut store),
        &a.dir.join("recordings.csv"),
        None,
        &ctx.actor,
        crate::cmd::import::DEFAULT_COMMIT_ROWS,
        interactive,
    )?;

    say(t(
        "3/4 Mencari data ganda (NIK, nama, tanggal lahir, ibu kandung, alamat)…",
        "3/4 Finding duplicate recordings (NIK, name, birth date, mother, address)…",
    ));
    let dedup = crate::cmd::dedup::dedup(
        &mut store,
        &cetak_dedup::Config::default(),
        &Actor::system("dedup"),
    )?;
    let marked = dedup.summary.auto_linked;

    say(t(
        "4/4 Memeriksa rantai audit…",
        "4/4 Verifying the audit chain…",
    ));
    let verify = store.audit_verify(None)?;
    let states = store.counts_by_state()?;
    let quarantine = store.quarantine_counts()?;
    let sample_nik = store.sample_nik()?;

    if ctx.json {
        print_json(&serde_json::json!({
            "dir": a.dir, "db": db,
            "generated": { "rows": generated.rows, "persons": generated.persons, "duplicates": generated.duplicates },
            "import": report,
            "dedup": dedup,
            "states": states,
            "quarantine": quarantine,
            "audit_ok": verify.is_ok(),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut tb = table(&[
        t(
            "Kantor Disdukcapil Kota Palembang",
            "Disdukcapil office, Kota Palembang",
        ),
        t("jumlah", "count"),
    ]);
    tb.add_row(vec![
        t("perekaman dalam backlog", "recordings in the backlog").to_string(),
        generated.rows.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "  orang sebenarnya (kebenaran generator)",
            "  actual people (generator truth)",
        )
        .to_string(),
        generated.persons.to_string(),
    ]);
    tb.add_row(vec![
        t("masuk register", "imported").to_string(),
        report.outcome.imported.to_string(),
    ]);
    tb.add_row(vec![
        t("ditolak ke karantina", "quarantined").to_string(),
        report.outcome.quarantined.to_string(),
    ]);
    for (code, n) in &quarantine {
        tb.add_row(vec![format!("  {code}"), n.to_string()]);
    }
    tb.add_row(vec![
        t(
            "data ganda ditautkan otomatis",
            "duplicates linked automatically",
        )
        .to_string(),
        marked.to_string(),
    ]);
    tb.add_row(vec![
        t("menunggu keputusan supervisor", "awaiting a supervisor").to_string(),
        dedup.summary.awaiting_decision.to_string(),
    ]);
    for s in states.iter().filter(|s| s.count > 0) {
        tb.add_row(vec![
            format!("{} {}", t("status", "state"), s.state),
            s.count.to_string(),
        ]);
    }
    let audit = match &verify {
        Ok(r) => format!(
            "{} ({} {})",
            t("utuh", "intact"),
            r.entries,
            t("entri", "entries")
        ),
        Err(b) => format!("{}: {b}", t("RUSAK", "BROKEN")),
    };
    tb.add_row(vec![t("rantai audit", "audit chain").to_string(), audit]);
    println!("{tb}");
    println!(
        "{} {} {} {}",
        t("Generator membuat", "The generator made"),
        generated.duplicates,
        t(
            "perekaman ganda; ditautkan otomatis:",
            "extra recordings; linked automatically:"
        ),
        marked
    );
    let db_s = db.display();
    println!("\n{}", t("Coba berikutnya:", "Try next:"));
    println!("  cetak --db {db_s} review list");
    println!("  cetak --db {db_s} review show ID");
    println!("  cetak --db {db_s} quarantine list");
    if let Some(nik) = sample_nik {
        println!("  cetak --db {db_s} status {nik}");
    }
    println!("  cetak --db {db_s} audit log --limit 5");
    println!("  cetak --db {db_s} audit verify");
    println!(
        "  cetak --db {db_s} import {}   # {}",
        a.dir.join("recordings.csv").display(),
        t(
            "impor ulang: tidak ada yang berubah",
            "re-import: nothing changes"
        )
    );
    Ok(ExitCode::SUCCESS)
}
