//! `cetak demo [DIR]`: the Palembang office in a fresh folder.
//!
//! Generates the 2015 backlog (25,000 recordings, ~10,000 of them extra recordings of people
//! already in the file, a few defective rows), imports it, finds the duplicate recordings,
//! prints the first day on the office's two printers (folder printers: each card a 300-dpi PNG
//! in `printer-P1/`, `printer-P2/`), hands a few cards over, reconciles the blank stock, writes
//! the month's blank-usage report, verifies the audit chain and prints a summary with the next
//! commands to try.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use cetak_domain::lifecycle::Actor;
use cetak_gen::GenConfig;

use super::demo_chip::{ChipMode, DEMO_READER, DemoEncoder};
use super::{Context, open_store, print_json, table};
use crate::cmd::{gen_cmd::write_backlog, import::import_file};
use crate::text::t;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A new or empty folder for the demo's files: recordings.csv, truth.csv, cetak.db (created
    /// here), printer-P1/ and printer-P2/ (one PNG per card), blangko-YYYY-MM.csv and .pdf.
    #[arg(default_value = "demo-palembang")]
    dir: PathBuf,
    /// Recordings in the backlog.
    #[arg(long, default_value_t = 25_000)]
    rows: u64,
    /// Seed of the generated backlog.
    #[arg(long, default_value_t = 2015)]
    seed: u64,
    /// End after the summary instead of serving the office pages (always so with --json).
    #[arg(long)]
    no_serve: bool,
    /// Where the demo serves the office pages.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Encode each card's chip on the virtual reader (pcscd + vsmartcard-vpcd, a SoftHSM2
    /// token in the folder): auto (when installed), on, off.
    #[arg(long, value_enum, default_value_t = ChipMode::Auto)]
    chip: ChipMode,
}

/// What the chip side of the first day did.
#[derive(Debug, Default, serde::Serialize)]
struct ChipDay {
    encoded: bool,
    /// Why not, when not.
    why_not: Option<String>,
    written: u64,
    verified: u64,
    dump: Option<PathBuf>,
    dump_serial: Option<i64>,
    ca: Option<PathBuf>,
    passive_authentication: Option<bool>,
}

/// What the demo's first printing day did.
#[derive(Debug, serde::Serialize)]
struct FirstDay {
    run: crate::cmd::print::RunSummary,
    capacity: u32,
    handed_over: u32,
}

/// Two folder printers (each card a PNG), sharing the virtual chip encoder when there is one,
/// 1,000 blanks, one day of printing, three hand-overs.
fn print_first_day(
    store: &mut cetak_store::Store,
    dir: &std::path::Path,
    actor: &str,
    encoder: Option<&DemoEncoder>,
) -> anyhow::Result<FirstDay> {
    let actor = Actor(actor.to_string());
    let now = crate::cmd::now();
    let profile = cetak_print::schedule::PrinterProfile {
        cards_per_day: 100,
        burst: Some(25),
        cooldown_min: 0.0,
        hours: None,
    };
    for name in ["P1", "P2"] {
        let folder = dir.join(format!("printer-{name}"));
        let uri = format!("dir:{}", folder.display());
        store.printer_add(name, &uri, &profile, &actor, now)?;
        if encoder.is_some() {
            store.printer_set_encoder(name, Some(&format!("pcsc:{DEMO_READER}")), &actor, now)?;
        }
    }
    store.stock_receive(
        cetak_print::stock::SerialRange {
            first: 1_000_001,
            last: 1_001_000,
        },
        &now.date().to_string(),
        "SPB/KTP-el/XII/2014 (demo)",
        &actor,
        now,
    )?;
    let args = cetak_office::print_run::RunArgs {
        max_cards: None,
        request_timeout_s: 10.0,
        poll_ms: 50,
        job_timeout_s: 60.0,
        gone_confirm_s: 10.0,
        no_wait: true,
        chip: encoder.map(|e| e.setup.clone()),
    };
    let run = crate::cmd::print::spool_run(store, &args, false)?;
    let mut handed_over = 0;
    for nik in store.printed_niks(3)? {
        store.handover(
            &nik,
            "resident in person",
            "KTP-el photo and fingerprint checked",
            &actor,
            crate::cmd::now(),
        )?;
        handed_over += 1;
    }
    Ok(FirstDay {
        run,
        capacity: 2 * profile.cards_per_day,
        handed_over,
    })
}

pub fn run(ctx: &Context, a: Args) -> anyhow::Result<ExitCode> {
    if a.dir.exists()
        && std::fs::read_dir(&a.dir)
            .with_context(|| {
                format!(
                    "{} {}",
                    crate::text::t("membaca", "reading"),
                    a.dir.display()
                )
            })?
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
    let mut chip_day = ChipDay::default();
    let want_chip = match a.chip {
        ChipMode::Off => false,
        mode => {
            let missing = super::demo_chip::missing_packages();
            if missing.is_empty() {
                true
            } else {
                let why = format!(
                    "{}: apt-get install {}",
                    t(
                        "chip tidak ditulis; pasang dulu paket",
                        "chips not encoded; install first"
                    ),
                    missing.join(" ")
                );
                if mode == ChipMode::On {
                    bail!(why);
                }
                chip_day.why_not = Some(why);
                false
            }
        }
    };
    let want_chip = want_chip
        && match super::demo_chip::restart_with_token_conf(&a.dir) {
            Ok(()) => true,
            Err(e) if a.chip == ChipMode::On => return Err(e),
            Err(e) => {
                chip_day.why_not = Some(format!("{e:#}"));
                false
            }
        };
    let interactive = !ctx.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let say = |s: &str| -> std::io::Result<()> {
        if !ctx.json {
            outln!("{s}")?;
        }
        Ok(())
    };
    say(t(
        "1/6 Membuat tunggakan Palembang (data sintetis)…",
        "1/6 Generating the Palembang backlog (synthetic data)…",
    ))?;
    let cfg = GenConfig {
        rows: a.rows,
        seed: a.seed,
        bad_share: 0.002,
        ..GenConfig::default()
    };
    let generated = write_backlog(&cfg, &a.dir, interactive)?;
    // Every recording brings its photo, signature and fingerprints (contract v2).
    crate::cmd::gen_cmd::write_media_folder(&cfg, &a.dir, interactive)?;

    say(t(
        "2/6 Mengimpor ke register (SQLite)…",
        "2/6 Importing into the registry (SQLite)…",
    ))?;
    let db = a.dir.join("cetak.db");
    let mut store = open_store(&db)?;
    let report = import_file(
        Some(&mut store),
        &a.dir.join("recordings.csv"),
        None,
        &ctx.actor,
        crate::cmd::import::DEFAULT_COMMIT_ROWS,
        interactive,
        Some(&a.dir.join("media")),
    )?;

    say(t(
        "3/6 Mencari data ganda (NIK, nama, tanggal lahir, ibu kandung, alamat)…",
        "3/6 Finding duplicate recordings (NIK, name, birth date, mother, address)…",
    ))?;
    let dedup = crate::cmd::dedup::dedup(
        &mut store,
        &cetak_dedup::Config::default(),
        &Actor::system("dedup"),
    )?;
    let marked = dedup.summary.auto_linked;

    say(t(
        "4/6 Hari cetak pertama: 2 printer × 100 kartu, blangko 1.000 lembar…",
        "4/6 The first printing day: 2 printers × 100 cards, 1,000 blanks received…",
    ))?;
    let encoder = if want_chip {
        match super::demo_chip::prepare(&a.dir, crate::cmd::now()) {
            Ok(e) => Some(e),
            Err(e) if a.chip == ChipMode::On => return Err(e),
            Err(e) => {
                chip_day.why_not = Some(format!(
                    "{}: {e:#}",
                    t(
                        "penulis chip virtual tidak siap",
                        "the virtual chip encoder is not ready"
                    )
                ));
                None
            }
        }
    } else {
        None
    };
    let printing = print_first_day(&mut store, &a.dir, &ctx.actor, encoder.as_ref())?;
    if let Some(enc) = &encoder {
        chip_day.encoded = true;
        (chip_day.written, chip_day.verified) = store.chip_counts()?;
        chip_day.ca = Some(enc.ca.clone());
        // One card's chip as the books kept it, and whether it verifies against the demo CA.
        let first = store.printed_niks(1)?;
        if let Some(kept) = first
            .first()
            .map(|nik| store.chip_of_card(nik))
            .transpose()?
            .flatten()
        {
            let path = a.dir.join("chip-dump.bin");
            std::fs::write(&path, &kept.dump)
                .with_context(|| format!("{} {}", t("menulis", "writing"), path.display()))?;
            let trust = cetak_office::chip::load_trust(&enc.setup.trust)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            chip_day.passive_authentication = Some(
                cetak_chip::ChipImage::from_dump(&kept.dump)
                    .ok()
                    .is_some_and(|c| cetak_chip::verify(&c, &trust, crate::cmd::now()).is_ok()),
            );
            chip_day.dump = Some(path);
            chip_day.dump_serial = Some(kept.serial);
        }
    }

    say(t(
        "5/6 Rekonsiliasi blangko dan laporan bulanan…",
        "5/6 Reconciling blank stock, writing the monthly report…",
    ))?;
    let books = store.stock_reconcile()?;
    let now = crate::cmd::now().to_offset(cetak_print::schedule::OFFICE_OFFSET);
    let month = format!("{:04}-{:02}", now.year(), u8::from(now.month()));
    crate::cmd::stock::write_monthly(&store, &month, &a.dir)?;

    say(t(
        "6/6 Memeriksa rantai audit…",
        "6/6 Verifying the audit chain…",
    ))?;
    let verify = store.audit_verify(None)?;
    // The evening routine: a verified backup to removable media (here a folder beside it).
    let (backup, _) = crate::cmd::backup::write_backup(&store, &a.dir.join("backup"), 7)?;
    let states = store.counts_by_state()?;
    let quarantine = store.quarantine_counts()?;
    let sample_nik = store.sample_nik()?;

    if ctx.json {
        print_json(&serde_json::json!({
            "dir": a.dir, "db": db,
            "generated": { "rows": generated.rows, "persons": generated.persons, "duplicates": generated.duplicates },
            "import": report,
            "dedup": dedup,
            "printing": printing,
            "chip": chip_day,
            "stock": books,
            "states": states,
            "quarantine": quarantine,
            "audit_ok": verify.is_ok(),
            "backup": backup.path,
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
        t("perekaman dalam tunggakan", "recordings in the backlog").to_string(),
        generated.rows.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "  orang sebenarnya (menurut data sintetis)",
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
        let words = crate::cmd::reason_word(code).unwrap_or(code.as_str());
        tb.add_row(vec![format!("  {words}"), n.to_string()]);
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
        t("menunggu keputusan penyelia", "awaiting a supervisor").to_string(),
        dedup.summary.awaiting_decision.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "kartu dicetak hari ini / kapasitas",
            "cards printed today / rated capacity",
        )
        .to_string(),
        format!("{} / {}", printing.run.completed, printing.capacity),
    ]);
    let chip_line = if chip_day.encoded {
        format!(
            "{} / {}{}",
            chip_day.verified,
            chip_day.written,
            match (chip_day.dump_serial, chip_day.passive_authentication) {
                (Some(serial), Some(true)) => format!(
                    " ({} {serial}: {})",
                    t("chip-dump.bin, blangko", "chip-dump.bin, blank"),
                    t("autentikasi pasif berhasil", "passive authentication holds")
                ),
                (Some(serial), _) => format!(
                    " ({} {serial}: {})",
                    t("chip-dump.bin, blangko", "chip-dump.bin, blank"),
                    t("autentikasi pasif GAGAL", "passive authentication FAILS")
                ),
                _ => String::new(),
            }
        )
    } else {
        chip_day
            .why_not
            .clone()
            .unwrap_or_else(|| t("tidak (--chip off)", "no (--chip off)").to_string())
    };
    tb.add_row(vec![
        t("chip terverifikasi / ditulis", "chips verified / written").to_string(),
        chip_line,
    ]);
    tb.add_row(vec![
        t("kartu diserahkan", "cards handed over").to_string(),
        printing.handed_over.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "blangko: diterima = menjadi KTP-el + rusak + tersedia + hilang",
            "blanks: received = issued + spoiled + on hand + missing",
        )
        .to_string(),
        format!(
            "{} = {} + {} + {} + {} ({})",
            books.received,
            books.issued,
            books.spoiled,
            books.on_hand,
            books.missing,
            if books.balanced {
                t("seimbang", "balanced")
            } else {
                t("TIDAK SEIMBANG", "NOT BALANCED")
            }
        ),
    ]);
    for s in states.iter().filter(|s| s.count > 0) {
        tb.add_row(vec![
            format!(
                "{} {}",
                t("status", "state"),
                crate::cmd::state_word(s.state)
            ),
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
    outln!("{tb}")?;
    outln!(
        "{} {} {} {}",
        t("Data sintetis berisi", "The generator made"),
        generated.duplicates,
        t(
            "perekaman ganda; ditautkan otomatis:",
            "extra recordings; linked automatically:"
        ),
        marked
    )?;
    let db_s = db.display();
    outln!("\n{}", t("Coba berikutnya:", "Try next:"))?;
    outln!("  cetak --db {db_s} review list")?;
    outln!("  cetak --db {db_s} review show ID")?;
    outln!("  cetak --db {db_s} quarantine list")?;
    outln!("  cetak --db {db_s} correct list")?;
    if let Some(nik) = sample_nik {
        outln!("  cetak --db {db_s} status {nik}")?;
    }
    outln!("  cetak --db {db_s} print status")?;
    if encoder.is_none() {
        outln!(
            "  cetak --db {db_s} print run              # {}",
            t("hari berikutnya", "the next day")
        )?;
    }
    if let (Some(enc), Some(dump)) = (&encoder, &chip_day.dump) {
        outln!(
            "  cetak chip verify --from {} --trust {}",
            dump.display(),
            enc.ca.display()
        )?;
        outln!(
            "  SOFTHSM2_CONF={} cetak chip keys show --token {} --pin-file {}",
            enc.conf.display(),
            enc.setup.token,
            enc.pin_file.display()
        )?;
        outln!(
            "  SOFTHSM2_CONF={} cetak --db {db_s} print run --chip-token {} --chip-pin-file {} --chip-trust {}   # {}",
            enc.conf.display(),
            enc.setup.token,
            enc.pin_file.display(),
            enc.ca.display(),
            t(
                "hari berikutnya, dengan chip (kartu virtual ada selama demo melayani halaman)",
                "the next day, with chips (the virtual card is in while the demo serves its pages)"
            )
        )?;
    }
    outln!("  cetak --db {db_s} stock reconcile")?;
    outln!(
        "  cetak --db {db_s} report monthly --month {month} --out {}",
        a.dir.display()
    )?;
    outln!("  cetak --db {db_s} audit log --limit 5")?;
    outln!("  cetak --db {db_s} audit verify")?;
    outln!(
        "  cetak --db {db_s} backup --to /media/usb/cetak   # {} ({}: {})",
        t(
            "tiap sore, ke media lepasan",
            "every evening, to removable media"
        ),
        t("cadangan demo", "the demo's backup"),
        backup.path.display()
    )?;
    outln!(
        "  cetak --db {db_s} import {}   # {}",
        a.dir.join("recordings.csv").display(),
        t(
            "impor ulang: tidak ada yang berubah",
            "re-import: nothing changes"
        )
    )?;
    if a.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    // The office pages, with one demo account per role (passwords made now, shown once).
    outln!("\n{}", t("Akun demo:", "Demo accounts:"))?;
    for (name, role) in [
        ("admin", cetak_domain::access::Role::Admin),
        ("supervisor", cetak_domain::access::Role::Supervisor),
        ("operator", cetak_domain::access::Role::Operator),
    ] {
        let password = crate::cmd::serve::random_password();
        crate::cmd::serve::add_user(&mut store, name, role, &password, &ctx.actor)?;
        outln!("  {name:<11} {password}   ({})", role.as_str())?;
    }
    drop(store);
    outln!(
        "{} http://{}/ — {} http://{}/cek — Ctrl-C {}",
        t("Buka", "Open"),
        a.listen,
        t("warga:", "residents:"),
        a.listen,
        t("untuk berhenti", "to stop")
    )?;
    crate::cmd::serve::serve_blocking(
        &db,
        &crate::cmd::serve::ServeArgs {
            listen: a.listen.clone(),
            resident_per_minute: 30,
            secure_cookies: false,
            link: crate::cmd::sync::LinkArgs {
                central: None,
                token_file: None,
                insecure_http: false,
                ca_file: None,
            },
            sync_every_s: 60,
            // With the virtual encoder: the print page's Start button encodes chips, and the
            // hand-over page's chip check reads the virtual card (the last chip written).
            chip_reader: encoder.as_ref().map(|_| DEMO_READER.to_string()),
            chip: match &encoder {
                Some(enc) => crate::cmd::print::ChipTokenArgs {
                    chip_token: Some(enc.setup.token.clone()),
                    chip_pin_file: Some(enc.pin_file.clone()),
                    chip_module: enc.setup.module.clone(),
                    chip_trust: vec![enc.ca.clone()],
                },
                None => crate::cmd::print::ChipTokenArgs::default(),
            },
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
