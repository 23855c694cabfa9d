//! `cetak` — print E-KTP cards at a Disdukcapil office, through power cuts and duplicates.
//!
//! The binary is the only place that knows about the command line, the terminal and the clock;
//! the work itself lives in the library crates (see ARCHITECTURE.md).

mod cmd;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// Rows are allocated by the reader thread and freed by the writer: glibc's malloc spends a
// third of an import on that hand-over; mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Print E-KTP cards at a Disdukcapil office: import the print-ready backlog, find duplicate
/// recordings (data ganda), print, and account for every blank card.
#[derive(Debug, Parser)]
#[command(name = "cetak", version, propagate_version = true)]
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(cmd::audit::Command),
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
    /// The central server on PostgreSQL (serve, add-office, load).
    #[command(subcommand)]
    Central(cmd::central::CentralCommand),
    /// Simulate the office over days (printers, heat, power cuts, staff) and plan capacity.
    Simulate(cmd::simulate::Args),
    /// Where a resident's card is, by NIK.
    Status(cmd::status::Args),
    /// Run the Palembang office demo in a fresh folder: generate, import, mark duplicates, summarise.
    Demo(cmd::demo::Args),
}

#[derive(Debug, Subcommand)]
enum CardCommand {
    /// Render one record's card front.
    Render(cmd::card::RenderArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    text::set_lang(&cli.lang);
    let ctx = cmd::Context {
        db: cli.db.clone(),
        json: cli.json,
        actor: cmd::actor(cli.actor.as_deref()),
    };
    let result = match cli.command {
        Command::Gen(a) => cmd::gen_cmd::run(&ctx, a),
        Command::Import(a) => cmd::import::run(&ctx, a),
        Command::Quarantine(c) => cmd::quarantine::run(&ctx, c),
        Command::Correct(c) => cmd::correct::run(&ctx, c),
        Command::Audit(c) => cmd::audit::run(&ctx, c),
        Command::Dedup(a) => cmd::dedup::run_dedup(&ctx, a),
        Command::Review(c) => cmd::dedup::run_review(&ctx, c),
        Command::Export(c) => cmd::dedup::run_export(&ctx, c),
        Command::Printer(c) => cmd::print::run_printer(&ctx, c),
        Command::Print(c) => cmd::print::run_print(&ctx, c),
        Command::Clock(c) => cmd::clock::run(&ctx, c),
        Command::Stock(c) => cmd::stock::run_stock(&ctx, c),
        Command::Handover(a) => cmd::stock::run_handover(&ctx, a),
        Command::Report(c) => cmd::stock::run_report(&ctx, c),
        Command::Card(CardCommand::Render(a)) => cmd::card::run_render(&ctx, a),
        Command::Simulate(a) => cmd::simulate::run(&ctx, a),
        Command::Sync(a) => cmd::sync::run(&ctx, a),
        Command::Central(c) => cmd::central::run(&ctx, c),
        Command::Serve(a) => cmd::serve::run_serve(&ctx, a),
        Command::User(c) => cmd::serve::run_user(&ctx, c),
        Command::Status(a) => cmd::status::run(&ctx, a),
        Command::Demo(a) => cmd::demo::run(&ctx, a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`cetak ... | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("{}: {e:#}", text::t("galat", "error"));
            ExitCode::from(2)
        }
    }
}
