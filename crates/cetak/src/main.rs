//! `cetak` — print E-KTP cards at a Disdukcapil office, through power cuts and duplicates.
//!
//! The binary is the only place that knows about the command line, the terminal and the clock;
//! the work itself lives in the library crates (see ARCHITECTURE.md).

/// `println!` that returns the write's error instead of panicking: a closed pipe
/// (`cetak … | head`) then ends the command quietly with exit 0 (see `main`).
macro_rules! outln {
    () => {
        $crate::cmd::out_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cmd::out_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod cmd;
mod text;
mod usage;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};
use text::t;

// Rows are allocated by the reader thread and freed by the writer: glibc's malloc spends a
// third of an import on that hand-over; mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Print E-KTP cards at a Disdukcapil office: import the print-ready backlog, find duplicate
/// recordings (data ganda), print, and account for every blank card.
#[derive(Debug, Parser)]
#[command(name = "cetak", version, propagate_version = true, term_width = 0)]
pub struct Cli {
    /// The office database (SQLite).
    #[arg(long, global = true, default_value = "cetak.db", env = "CETAK_DB")]
    db: PathBuf,
    /// Print data as one JSON object instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Language of messages: id (Bahasa Indonesia) or en.
    #[arg(long, global = true, default_value = "id", env = "CETAK_LANG", value_parser = ["id", "en"])]
    lang: String,
    /// Who is acting, for the audit log (default: operator:$USER).
    #[arg(long, global = true, env = "CETAK_ACTOR")]
    actor: Option<String>,
    /// Create the database when it does not exist yet (only for commands that write; a
    /// command that reads never creates one). `cetak init` always creates it.
    #[arg(long, global = true)]
    create: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the office database (or bring an existing one's schema up to date).
    Init,
    /// Generate a realistic Palembang backlog with known duplicates (recordings.csv, truth.csv).
    Gen(cmd::gen_cmd::Args),
    /// Import print-ready records (CSV or NDJSON, import contract 1.1): unreadable rows go to
    /// quarantine, readable rows with problems wait for a correction.
    Import(cmd::import::Args),
    /// Rows that could not be read as a recording, with their reason and original bytes.
    #[command(subcommand)]
    Quarantine(cmd::quarantine::Command),
    /// Recordings that entered with problems: list, show, correct a field (audited).
    #[command(subcommand)]
    Correct(cmd::correct::Command),
    /// A recording's photo, signature and fingerprints: list, export (audited), attach a new
    /// one (audited), erase (UU PDP).
    #[command(subcommand)]
    Media(cmd::media::Command),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(cmd::audit::Command),
    /// Compare fingerprint minutiae records (ISO/IEC 19794-2): score pairs, search a folder.
    #[command(subcommand)]
    Finger(cmd::finger::Command),
    /// Find duplicate recordings (data ganda) across the registry; link the certain ones.
    Dedup(cmd::dedup::DedupArgs),
    /// The supervisor's queue of unclear duplicate pairs.
    #[command(subcommand)]
    Review(cmd::dedup::ReviewCommand),
    /// Export data for other tools.
    #[command(subcommand)]
    Export(cmd::dedup::ExportCommand),
    /// The office's card printers.
    #[command(subcommand)]
    Printer(cmd::print::PrinterCommand),
    /// Print cards: run the spool, its status, inspection, spoiled cards, priorities.
    #[command(subcommand)]
    Print(cmd::print::PrintCommand),
    /// The office clock guard: show it, or (supervisor) reset it after a clock that ran ahead.
    #[command(subcommand)]
    Clock(cmd::clock::ClockCommand),
    /// Blank card stock (blangko): receive, reconcile, missing, found, spoiled.
    #[command(subcommand)]
    Stock(cmd::stock::StockCommand),
    /// Hand a printed card to its resident.
    Handover(cmd::stock::HandoverArgs),
    /// Reports: the monthly blank-usage report.
    #[command(subcommand)]
    Report(cmd::stock::ReportCommand),
    /// The chip: document-signer keys on the office's token, and checking a chip dump.
    #[command(subcommand)]
    Chip(cmd::chip::ChipCommand),
    /// Render a record's card front (PNG or PDF) without printing it.
    #[command(subcommand)]
    Card(CardCommand),
    /// Run the office server: operator pages, the resident page, the JSON API.
    Serve(cmd::serve::ServeArgs),
    /// Office accounts (operator, supervisor, admin).
    #[command(subcommand)]
    User(cmd::serve::UserCommand),
    /// One round with the centre: push what the office owes, pull new print-ready records.
    Sync(cmd::sync::Args),
    /// Write a verified copy of the database into a folder (online; keeps the newest few).
    Backup(cmd::backup::BackupArgs),
    /// Put a backup in place of the database (refused while `cetak serve` uses it).
    Restore(cmd::backup::RestoreArgs),
    /// The central server on PostgreSQL (serve, add-office, load).
    #[cfg(feature = "central")]
    #[command(subcommand)]
    Central(cmd::central::CentralCommand),
    /// The central server on PostgreSQL (serve, add-office, load).
    ///
    /// An office build (`--no-default-features`) does not link it: the command only says so.
    #[cfg(not(feature = "central"))]
    #[command(hide = true, disable_help_flag = true)]
    Central {
        /// Whatever followed `central`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        args: Vec<String>,
    },
    /// Simulate the office over days (printers, heat, power cuts, staff) and plan capacity.
    Simulate(cmd::simulate::Args),
    /// Where a resident's card is, by NIK; without a NIK, the link to the centre.
    Status(cmd::status::Args),
    /// The Palembang office demo in a fresh folder: generate the 2015 backlog, import it, find
    /// duplicates, print the first day on two folder printers, hand over a few cards, reconcile
    /// the blanks, write the monthly report, verify the audit log, summarise — then serve the
    /// office pages (`--no-serve`: stop after the summary).
    Demo(cmd::demo::Args),
}

#[derive(Debug, Subcommand)]
enum CardCommand {
    /// Render one record's card front.
    Render(cmd::card::RenderArgs),
}

/// How a command uses the office database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DbUse {
    /// Not at all (generator, simulator, the centre, the demo's own folder), or to create it
    /// (`init`).
    None,
    /// Reads only: a missing database is always an error.
    Reads,
    /// Writes: a missing database is created with `--create`, an error otherwise.
    Writes,
}

fn db_use(command: &Command) -> DbUse {
    use cmd::dedup::ReviewCommand;
    use cmd::print::{PrintCommand, PrinterCommand};
    use cmd::serve::UserCommand;
    use cmd::stock::StockCommand;
    match command {
        // `init` creates the database: that is its job.
        Command::Init
        | Command::Gen(_)
        | Command::Simulate(_)
        | Command::Central { .. }
        | Command::Finger(_)
        | Command::Demo(_)
        | Command::Chip(_) => DbUse::None,
        Command::Import(a) if a.check_only() => DbUse::None,
        Command::Quarantine(_)
        | Command::Media(cmd::media::Command::List { .. })
        | Command::Audit(_)
        | Command::Export(_)
        | Command::Status(_)
        | Command::Backup(_)
        | Command::Card(_)
        | Command::Report(_)
        | Command::Review(ReviewCommand::List { .. } | ReviewCommand::Show { .. })
        | Command::Printer(PrinterCommand::List)
        | Command::Print(PrintCommand::Status)
        | Command::Stock(StockCommand::Reconcile | StockCommand::List)
        | Command::User(UserCommand::List) => DbUse::Reads,
        _ => DbUse::Writes,
    }
}

/// Databases are created only on purpose: a mistyped `--db` must never start a second,
/// empty registry.
fn check_db_exists(cli: &Cli, uses: DbUse) -> anyhow::Result<()> {
    if uses == DbUse::None || cli.db.exists() || (uses == DbUse::Writes && cli.create) {
        return Ok(());
    }
    let looked_at = std::path::absolute(&cli.db).unwrap_or_else(|_| cli.db.clone());
    let given = cli.db.display();
    let how = if uses == DbUse::Writes {
        format!(
            "{} `cetak --db {given} init` {} --create",
            t("buat dengan", "create it with"),
            t("atau tambahkan", "or add")
        )
    } else {
        format!(
            "{} `cetak --db {given} init`",
            t("buat dengan", "create it with")
        )
    };
    anyhow::bail!(
        "{} {} ({how})",
        t("tidak ada basis data di", "no database at"),
        looked_at.display()
    )
}

/// `cetak init`: create the database, or migrate an existing one; says which.
fn run_init(ctx: &cmd::Context) -> anyhow::Result<ExitCode> {
    let existed = ctx.db.exists();
    let store = cmd::open_store(&ctx.db)?;
    let version = store.schema_version()?;
    let path = std::path::absolute(&ctx.db).unwrap_or_else(|_| ctx.db.clone());
    if ctx.json {
        cmd::print_json(&serde_json::json!({
            "db": path, "created": !existed, "schema_version": version,
        }))?;
    } else if existed {
        outln!(
            "{} {} ({} {version})",
            t("Basis data sudah ada:", "The database already exists:"),
            path.display(),
            t("versi skema", "schema version")
        )?;
    } else {
        outln!(
            "{} {} ({} {version})",
            t("Basis data dibuat:", "Database created:"),
            path.display(),
            t("versi skema", "schema version")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// An error and its context (`{e:#}`), the store's own error in the office's words: a refusal
/// carries both languages, the lifecycle's, spool's and stock's refusals and what was not
/// found come from the catalogue the pages share; no internal type names.
fn error_text(e: &anyhow::Error) -> String {
    use cetak_store::StoreError;
    let mut parts: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    // The store's error, also where a use case wraps it transparently (`OfficeError::Store`);
    // what follows it in the chain is its own source, said again.
    let found = e.chain().enumerate().find_map(|(i, c)| {
        c.downcast_ref::<StoreError>()
            .or_else(|| match c.downcast_ref::<cetak_office::OfficeError>() {
                Some(cetak_office::OfficeError::Store(s)) => Some(s),
                _ => None,
            })
            .map(|s| (i, s))
    });
    if let Some((i, _)) = found {
        parts.truncate(i + 1);
    }
    let words = match found.map(|(_, s)| s) {
        Some(StoreError::Refused(m) | StoreError::Conflict(m) | StoreError::NotFound(m)) => {
            Some(text::pick(m).to_string())
        }
        Some(StoreError::NoSuchRecord(m)) => Some(text::tr(cetak_words::not_found(m))),
        Some(StoreError::Transition(cetak_domain::lifecycle::TransitionError::NoReason)) => {
            Some(t(cetak_words::NO_REASON.0, cetak_words::NO_REASON.1).to_string())
        }
        Some(StoreError::Transition(cetak_domain::lifecycle::TransitionError::Illegal(i))) => Some(
            text::tr(cetak_words::refused_event(i.event, i.from.as_str())),
        ),
        Some(StoreError::Attempt(a)) => {
            Some(text::tr(cetak_words::refused_attempt(a.from.as_str())))
        }
        Some(StoreError::Blank(b)) => Some(text::tr(cetak_words::refused_blank(
            b.serial,
            b.from.as_str(),
        ))),
        Some(StoreError::SchemaTooNew { found, known }) if !text::english() => Some(format!(
            "basis data ini berskema versi {found}, lebih baru daripada yang dikenal cetak ini ({known}); perbarui cetak"
        )),
        Some(StoreError::Corrupt(detail)) if !text::english() => {
            Some(format!("data tersimpan rusak: {detail}"))
        }
        Some(StoreError::Output(_)) if !text::english() => {
            Some("gagal menulis keluaran".to_string())
        }
        Some(s @ StoreError::Sqlite(_)) if !text::english() => s
            .database_fault()
            .map(|f| database_fault_words(f).to_string()),
        Some(StoreError::File(io)) if !text::english() => Some(io_words(io).to_string()),
        None if !text::english() => {
            let root = e.root_cause();
            root.downcast_ref::<std::io::Error>()
                .map(|io| io_words(io).to_string())
                .or_else(|| {
                    root.downcast_ref::<cetak_sim::scenario::ScenarioError>()
                        .map(scenario_words)
                })
                .or_else(|| {
                    root.downcast_ref::<cetak_ingest::IngestError>()
                        .map(ingest_words)
                })
                .or_else(|| root.downcast_ref::<cetak_chip::KeyError>().map(key_words))
        }
        _ => None,
    };
    if let (Some(words), Some(last)) = (words, parts.last_mut()) {
        *last = words;
    }
    parts.join(": ")
}

/// The signing token's trouble in the interface's language: the office's words, or the error
/// itself in English.
pub(crate) fn key_text(e: &cetak_chip::KeyError) -> String {
    if text::english() {
        e.to_string()
    } else {
        key_words(e)
    }
}

/// The signing token's trouble, in the office's words (times in the office's zone).
fn key_words(e: &cetak_chip::KeyError) -> String {
    use cetak_chip::KeyError as K;
    let when = |at: &time::OffsetDateTime| {
        at.to_offset(cetak_print::schedule::OFFICE_OFFSET)
            .format(time::macros::format_description!(
                "[day]-[month]-[year] [hour]:[minute] WIB"
            ))
            .unwrap_or_default()
    };
    match e {
        K::Module(d) => format!("modul PKCS#11 tidak dapat dimuat ({d})"),
        K::NoToken(l) => format!("tidak ada token berlabel {l:?}"),
        K::Pin => "token menolak PIN".into(),
        K::PinFile(f, _) => format!("berkas PIN {f} tidak dapat dibaca"),
        K::NoKey => "belum ada kunci penanda tangan dokumen di token (`cetak chip keys init`)".into(),
        K::NoCertificate => {
            "kunci penanda tangan belum punya sertifikat (impor jawaban CA: `cetak chip keys import-cert`)"
                .into()
        }
        K::CertificateMismatch => "sertifikat bukan untuk kunci di token".into(),
        K::Expired(at) => format!(
            "sertifikat penanda tangan dokumen kedaluwarsa pada {}; buat kunci baru: `cetak chip keys rotate`",
            when(at)
        ),
        K::NotYetValid(at) => format!(
            "sertifikat penanda tangan dokumen baru berlaku mulai {} (periksa jam komputer)",
            when(at)
        ),
        K::Token(d) => format!("token bermasalah ({d})"),
        K::Certificate(d) => format!("sertifikat tidak dapat dibuat ({d})"),
    }
}

/// An import file refused as a whole, in the office's words.
fn ingest_words(e: &cetak_ingest::IngestError) -> String {
    use cetak_ingest::IngestError as E;
    match e {
        E::Empty => "berkas kosong: kontrak impor mengharapkan baris judul kolom".into(),
        E::HeaderNotUtf8 => {
            "baris judul kolom bukan UTF-8 (berkas dengan pengodean lain? simpan ulang sebagai UTF-8)"
                .into()
        }
        E::MissingColumns(c) => {
            format!("kolom kurang: {c}; kontrak impor memerlukan ke-22 kolom")
        }
        E::DuplicateColumn(c) => format!("kolom {c:?} disebut dua kali"),
        E::UnknownColumn(c) => format!("kolom {c:?} tidak dikenal kontrak impor"),
        E::HeaderTooLarge => "baris judul terlalu panjang: ini bukan berkas impor".into(),
        E::Io(io) => io_words(io).into(),
    }
}

/// The TOML parser's "TOML parse error at line L, column C" in Indonesian; the rest of its
/// detail (the line quoted, what it expected) kept, since it points into the user's file.
fn toml_where_id(detail: &str) -> String {
    let Some(rest) = detail.strip_prefix("TOML parse error at line ") else {
        return detail.to_string();
    };
    let (line, rest) = rest.split_once(", column ").unwrap_or((rest, ""));
    let (column, rest) = rest.split_once('\n').unwrap_or((rest, ""));
    format!("kesalahan TOML di baris {line}, kolom {column}\n{rest}")
}

/// A scenario the simulator refuses, in the office's words (field names are the TOML keys).
fn scenario_words(e: &cetak_sim::scenario::ScenarioError) -> String {
    use cetak_sim::scenario::ScenarioError;
    match e {
        ScenarioError::Toml(detail) => format!(
            "berkas skenario tidak dapat dibaca: {}",
            toml_where_id(detail)
        ),
        ScenarioError::Invalid {
            name,
            field,
            problem,
        } => {
            let words = match problem.as_str() {
                "must be YYYY-MM-DD" => "harus berbentuk TTTT-BB-HH",
                "must be 1..=3660" => "harus 1 sampai 3660",
                "must be 1..=100" => "harus 1 sampai 100",
                "must be positive (cards_per_day at most 10000)" => {
                    "harus positif (cards_per_day paling banyak 10000)"
                }
                "start must be before end, end at most 24" => {
                    "jam mulai harus sebelum jam selesai, selesai paling lambat 24"
                }
                "must be a probability (0..=1)" => "harus peluang (0 sampai 1)",
                "must be positive" => "harus positif",
                "must be a non-negative number" => "tidak boleh negatif",
                other => other,
            };
            format!("skenario {name}: {field} {words}")
        }
    }
}

/// SQLite's trouble in the office's words.
fn database_fault_words(f: cetak_store::DatabaseFault) -> &'static str {
    use cetak_store::DatabaseFault as F;
    match f {
        F::NotADatabase => {
            "berkas ini bukan basis data (rusak, atau bukan basis data cetak); pulihkan dari cadangan dengan `cetak restore`"
        }
        F::Damaged => "basis data rusak; pulihkan dari cadangan dengan `cetak restore`",
        F::Busy => {
            "basis data sedang dipakai proses lain (mis. `cetak serve` atau proses cetak); coba lagi sebentar"
        }
        F::ReadOnly => "basis data tidak dapat ditulis (hanya-baca, atau izin folder)",
        F::DiskFull => "diska penuh",
        F::CannotOpen => "berkas basis data tidak dapat dibuka (folder tidak ada, atau tanpa izin)",
    }
}

/// An operating-system error (English from the OS) in the office's words.
fn io_words(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "berkas atau folder tidak ada",
        K::PermissionDenied => "tidak ada izin",
        K::AlreadyExists => "sudah ada",
        K::StorageFull => "diska penuh",
        K::ReadOnlyFilesystem => "media hanya-baca",
        K::IsADirectory => "ini folder, bukan berkas",
        K::NotADirectory => "ini berkas, bukan folder",
        K::DirectoryNotEmpty => "folder tidak kosong",
        K::InvalidData => "isi berkas tidak sah",
        K::UnexpectedEof => "berkas terpotong",
        K::TimedOut => "waktu habis",
        K::Interrupted => "terputus",
        _ => "gangguan sistem berkas",
    }
}

/// Whether the error (anywhere in its chain) is a write to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A closed pipe is not a failure, also where output still goes through `println!` (which
/// panics on it): end quietly, as a Unix tool does.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout")
                && (m.contains("Broken pipe") || m.contains("os error 32"))
        }) {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// English when `--lang en` (or `--lang=en`) is on the command line, or else `CETAK_LANG=en`:
/// known before the arguments are parsed, so that `--help` is in the chosen language.
fn english_requested() -> bool {
    let args: Vec<String> = std::env::args().collect();
    for (i, a) in args.iter().enumerate() {
        if a == "--" {
            break;
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return v == "en";
        }
        if a == "--lang" {
            return args.get(i + 1).is_some_and(|v| v == "en");
        }
    }
    std::env::var("CETAK_LANG").is_ok_and(|v| v == "en")
}

/// The command line with its help in Bahasa Indonesia: descriptions from the catalogue in
/// `text.rs` (what it lacks stays as written), Indonesian headings, help and version flags.
fn localize(cmd: clap::Command) -> clap::Command {
    let mut cmd = cmd;
    if let Some(id) = cmd.get_about().and_then(|a| text::help_id(&a.to_string())) {
        cmd = cmd.about(id).long_about(None::<&str>);
    }
    cmd = cmd
        .mut_args(|arg| {
            let arg = match arg.get_help().and_then(|h| text::help_id(&h.to_string())) {
                Some(id) => arg.help(id).long_help(None::<&str>),
                None => arg,
            };
            // A default reason is stored as written (the catalogue's key); help shows its words.
            let default = match arg.get_default_values() {
                [v] => Some(cetak_words::reason(&v.to_string_lossy())),
                _ => None,
            };
            let arg = match default {
                Some((id, en)) if id != en => {
                    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                    arg.hide_default_value(true)
                        .help(format!("{help} [bawaan: {id}]"))
                }
                _ => arg,
            };
            // Placeholders (`<REASON>`) in Indonesian too.
            let shown: Vec<String> = match arg.get_value_names() {
                Some(names) => names.iter().map(|n| n.to_string()).collect(),
                None if arg.get_action().takes_values() => {
                    vec![arg.get_id().as_str().to_uppercase()]
                }
                None => Vec::new(),
            };
            let arg = match shown.as_slice() {
                [one] => match text::value_name_id(one) {
                    Some(id) => arg.value_name(id),
                    None => arg,
                },
                _ => arg,
            };
            if arg.is_positional() {
                arg.help_heading("Argumen")
            } else {
                arg.help_heading("Opsi")
            }
        })
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Tampilkan bantuan")
                .help_heading("Opsi"),
        )
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Tampilkan versi")
                .help_heading("Opsi"),
        )
        .subcommand_help_heading("Perintah")
        .subcommand_value_name("PERINTAH")
        .help_template(
            "{before-help}{about-with-newline}\nPenggunaan: {usage}\n\n{all-args}{after-help}",
        )
        .mut_subcommands(localize);
    cmd
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let english = english_requested();
    let command = if english {
        Cli::command()
    } else {
        localize(Cli::command())
    };
    // clap says its own errors in English: in Indonesian they are said again (`usage.rs`).
    let fail = |e: clap::Error| -> ! { if english { e.exit() } else { usage::exit(e) } };
    let matches = command.try_get_matches().unwrap_or_else(|e| fail(e));
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| fail(e));
    // Colour only on a terminal, and never when NO_COLOR is set.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // `print run` prints its notices itself (or returns them in its JSON): once is enough.
    let default_filter = if matches!(
        cli.command,
        Command::Print(cmd::print::PrintCommand::Run(_))
    ) {
        "warn,cetak::cmd::print=error"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .init();
    text::set_lang(&cli.lang);
    let ctx = cmd::Context {
        db: cli.db.clone(),
        json: cli.json,
        actor: cmd::actor(cli.actor.as_deref()),
    };
    if let Err(e) = check_db_exists(&cli, db_use(&cli.command)) {
        eprintln!("{}: {e:#}", t("kesalahan", "error"));
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Init => run_init(&ctx),
        Command::Gen(a) => cmd::gen_cmd::run(&ctx, a),
        Command::Import(a) => cmd::import::run(&ctx, a),
        Command::Quarantine(c) => cmd::quarantine::run(&ctx, c),
        Command::Media(c) => cmd::media::run(&ctx, c),
        Command::Correct(c) => cmd::correct::run(&ctx, c),
        Command::Audit(c) => cmd::audit::run(&ctx, c),
        Command::Finger(c) => cmd::finger::run(&ctx, c),
        Command::Dedup(a) => cmd::dedup::run_dedup(&ctx, a),
        Command::Review(c) => cmd::dedup::run_review(&ctx, c),
        Command::Export(c) => cmd::dedup::run_export(&ctx, c),
        Command::Printer(c) => cmd::print::run_printer(&ctx, c),
        Command::Print(c) => cmd::print::run_print(&ctx, c),
        Command::Clock(c) => cmd::clock::run(&ctx, c),
        Command::Stock(c) => cmd::stock::run_stock(&ctx, c),
        Command::Handover(a) => cmd::stock::run_handover(&ctx, a),
        Command::Report(c) => cmd::stock::run_report(&ctx, c),
        Command::Chip(c) => cmd::chip::run(&ctx, c),
        Command::Card(CardCommand::Render(a)) => cmd::card::run_render(&ctx, a),
        Command::Simulate(a) => cmd::simulate::run(&ctx, a),
        Command::Sync(a) => cmd::sync::run(&ctx, a),
        Command::Backup(a) => cmd::backup::run_backup(&ctx, a),
        Command::Restore(a) => cmd::backup::run_restore(&ctx, a),
        #[cfg(feature = "central")]
        Command::Central(c) => cmd::central::run(&ctx, c),
        #[cfg(not(feature = "central"))]
        Command::Central { .. } => Err(anyhow::anyhow!(
            "{}",
            t(
                "program ini versi kantor, tanpa server pusat (PostgreSQL); server pusat ada di versi bawaan: cargo build --release -p cetak",
                "this is an office build, without the central server (PostgreSQL); the central server is in the default build: cargo build --release -p cetak"
            )
        )),
        Command::Serve(a) => cmd::serve::run_serve(&ctx, a),
        Command::User(c) => cmd::serve::run_user(&ctx, c),
        Command::Status(a) => cmd::status::run(&ctx, a),
        Command::Demo(a) => cmd::demo::run(&ctx, a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`cetak ... | head`) is not an error.
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("{}: {}", t("kesalahan", "error"), error_text(&e));
            ExitCode::from(2)
        }
    }
}
