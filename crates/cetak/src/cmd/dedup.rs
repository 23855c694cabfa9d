//! `cetak dedup`, `cetak review list|show|decide`, `cetak export clusters`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use cetak_dedup::Config;
use cetak_domain::lifecycle::Actor;
use cetak_office::dedup_run::DedupPhase;
use cetak_store::{DedupSummary, PairView, Store};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::{Context, open_store, print_json, table};
use crate::text::t;

#[derive(Debug, clap::Args)]
pub struct DedupArgs {
    /// Match probability from which a pair is linked automatically.
    #[arg(long, default_value_t = Config::default().auto_link)]
    auto_link: f64,
    /// Match probability from which an unlinked pair goes to a supervisor.
    #[arg(long, default_value_t = Config::default().review)]
    review: f64,
}

#[derive(Debug, Serialize)]
pub struct DedupReport {
    #[serde(flatten)]
    pub summary: DedupSummary,
    pub recordings: u64,
    pub compared_pairs: u64,
    pub skipped_blocks: u64,
    /// What the fingerprints did (all zero when no recording has prints).
    pub prints: cetak_dedup::PrintStats,
    pub seconds: f64,
    pub peak_rss_mib: Option<f64>,
}

/// Run dedup over the whole registry and apply the outcome.
pub fn dedup(store: &mut Store, config: &Config, actor: &Actor) -> anyhow::Result<DedupReport> {
    dedup_with_progress(store, config, actor, false, false)
}

/// [`dedup`] with a spinner naming each phase on a terminal (a million recordings take a
/// quarter of a minute: the operator sees it working). `process_ends` leaves the recordings
/// to the operating system instead of freeing millions of strings one by one just before the
/// process exits (the one-shot command).
pub fn dedup_with_progress(
    store: &mut Store,
    config: &Config,
    actor: &Actor,
    progress: bool,
    process_ends: bool,
) -> anyhow::Result<DedupReport> {
    let bar = if progress {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let mut on_phase = |phase: DedupPhase| {
        bar.set_message(match phase {
            DedupPhase::Reading => t("membaca register…", "reading the registry…").to_string(),
            DedupPhase::Comparing { recordings } => format!(
                "{} {recordings} {}",
                t("membandingkan", "comparing"),
                t("perekaman…", "recordings…")
            ),
            DedupPhase::Writing { pairs } => format!(
                "{} {pairs} {}",
                t("menyimpan keputusan dan", "writing decisions and"),
                t("pasangan…", "pairs…")
            ),
        })
    };
    let run = cetak_office::dedup_run::run(store, config, actor, &mut on_phase, process_ends)
        .map_err(super::print::office_error)?;
    bar.finish_and_clear();
    if let Some(w) = &run.clock_warning {
        eprintln!("{}", super::print::clock_warning_text(w));
    }
    Ok(DedupReport {
        summary: run.summary,
        recordings: run.recordings,
        compared_pairs: run.compared_pairs,
        skipped_blocks: run.skipped_blocks,
        prints: run.prints,
        seconds: run.seconds,
        peak_rss_mib: super::peak_rss_mib(),
    })
}

/// A level code or reason in the interface's language (unknown codes as they are).
fn words(code: &str) -> String {
    match cetak_words::label(code) {
        Some((id, en)) => t(id, en).to_string(),
        None => code.to_string(),
    }
}

pub fn run_dedup(ctx: &Context, a: DedupArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&a.review)
        || !(0.0..=1.0).contains(&a.auto_link)
        || a.review > a.auto_link
    {
        bail!(
            "{}",
            t(
                "ambang harus 0 ≤ --review ≤ --auto-link ≤ 1",
                "thresholds must satisfy 0 ≤ --review ≤ --auto-link ≤ 1"
            )
        );
    }
    let config = Config {
        auto_link: a.auto_link,
        review: a.review,
        ..Config::default()
    };
    let mut store = open_store(&ctx.db)?;
    let progress = !ctx.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let report = dedup_with_progress(&mut store, &config, &Actor::system("dedup"), progress, true)?;
    if ctx.json {
        print_json(&serde_json::to_value(&report)?)?;
    } else {
        print_dedup(&report)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_dedup(r: &DedupReport) -> std::io::Result<()> {
    let mut tb = table(&[
        t("hasil pencarian data ganda", "duplicate search"),
        t("perekaman", "recordings"),
    ]);
    tb.add_row(vec![
        t("diperiksa", "checked").to_string(),
        r.recordings.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "data ganda (ditautkan otomatis)",
            "duplicates (linked automatically)",
        )
        .to_string(),
        r.summary.auto_linked.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "  di antaranya perlu perbaikan, diselesaikan tanpa perbaikan",
            "  of which needing correction, resolved without one",
        )
        .to_string(),
        r.summary.resolved_without_correction.to_string(),
    ]);
    tb.add_row(vec![
        t("menunggu keputusan penyelia", "awaiting a supervisor").to_string(),
        r.summary.awaiting_decision.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "unik, siap masuk antrean cetak",
            "unique, ready for the print queue",
        )
        .to_string(),
        r.summary.unique.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "perlu perbaikan (menunggu petugas)",
            "needing correction (waiting for the office)",
        )
        .to_string(),
        r.summary.needs_correction.to_string(),
    ]);
    tb.add_row(vec![
        t(
            "sudah punya KTP-el (tidak diubah)",
            "already have a card (unchanged)",
        )
        .to_string(),
        r.summary.with_card.to_string(),
    ]);
    if r.prints.recordings_with_prints > 0 {
        tb.add_row(vec![
            t(
                "  dengan sidik jari (pasangan dibandingkan sidik jarinya)",
                "  with fingerprints (pairs whose prints were compared)",
            )
            .to_string(),
            format!(
                "{} ({})",
                r.prints.recordings_with_prints, r.prints.pairs_compared
            ),
        ]);
    }
    outln!("{tb}")?;
    outln!(
        "{} {}, {} {}, {:.1} s. {}",
        r.compared_pairs,
        t("pasangan dibandingkan", "pairs compared"),
        r.summary.transitions,
        t("perubahan status", "state changes"),
        r.seconds,
        t(
            "Lihat antrean: cetak review list",
            "See the queue: cetak review list"
        )
    )?;
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    /// Pairs waiting for a decision, most likely first.
    List {
        /// At most this many pairs.
        #[arg(long, default_value_t = 30)]
        limit: u32,
        /// Every pair of the latest run (links and decided pairs too).
        #[arg(long)]
        all: bool,
    },
    /// Both recordings side by side, with the evidence per field.
    Show {
        /// Pair id from `review list`.
        id: i64,
    },
    /// Open pairs grouped by evidence pattern (each field's level and why they wait),
    /// largest group first, with a sample of each: one question per group.
    Groups {
        /// Pairs shown per group.
        #[arg(long, default_value_t = 3)]
        sample: usize,
        /// At most this many groups.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Decide every open pair of one group at once, after looking at its sample (one audited
    /// decision per pair, naming the group).
    #[command(group = clap::ArgGroup::new("group_decision").required(true).args(["same", "different"]))]
    DecideGroup {
        /// Group number from `review groups` (1 = the largest).
        group: usize,
        /// The pairs are the same person.
        #[arg(long, conflicts_with = "different")]
        same: bool,
        /// They are different people.
        #[arg(long)]
        different: bool,
        /// How many pairs the group held when you looked (refused if it changed since).
        #[arg(long)]
        expect_pairs: u64,
        /// Why (required).
        #[arg(long)]
        reason: String,
    },
    /// Decide a pair awaiting review: the same person or different people. Audited; never
    /// asked again. A pair linked automatically is overruled with `review overrule`.
    #[command(group = clap::ArgGroup::new("decision").required(true).args(["same", "different"]))]
    Decide {
        /// Pair id from `review list`.
        id: i64,
        /// The two recordings are the same person.
        #[arg(long)]
        same: bool,
        /// They are different people (a later automatic run never links them).
        #[arg(long)]
        different: bool,
        /// Why (required).
        #[arg(long)]
        reason: String,
    },
    /// Overrule an automatic link: the two recordings are different people after all, and the
    /// linked recording goes back to the print queue. Needs a reason and a confirmation
    /// (`--yes`, or answering y on a terminal); audited.
    Overrule {
        /// Pair id from `review list --all`.
        id: i64,
        /// Why the link is wrong (required).
        #[arg(long)]
        reason: String,
        /// Confirm without asking.
        #[arg(long)]
        yes: bool,
    },
}

fn side_by_side(store: &Store, pair: &PairView) -> anyhow::Result<comfy_table::Table> {
    let a = store.record_fields(&pair.a)?;
    let b = store.record_fields(&pair.b)?;
    let mut tb = table(&[t("kolom", "field"), &pair.a, &pair.b]);
    for ((name, va), (_, vb)) in a.iter().zip(b.iter()) {
        let mark = if va == vb { "" } else { " ≠" };
        tb.add_row(vec![format!("{name}{mark}"), va.clone(), vb.clone()]);
    }
    Ok(tb)
}

pub fn run_review(ctx: &Context, cmd: ReviewCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    match cmd {
        ReviewCommand::List { limit, all } => {
            let pairs = store.dedup_pairs(!all, limit)?;
            if ctx.json {
                print_json(&serde_json::to_value(&pairs)?)?;
            } else {
                let mut tb = table(&[
                    "id",
                    "a",
                    "b",
                    t("peluang", "probability"),
                    t("jenis", "kind"),
                    t("alasan", "why"),
                ]);
                for p in &pairs {
                    tb.add_row(vec![
                        p.id.to_string(),
                        p.a.clone(),
                        p.b.clone(),
                        format!("{:.3}", p.probability),
                        match p.kind.as_str() {
                            "link" => t("tautan otomatis", "automatic link"),
                            "review" => t("perlu keputusan", "needs a decision"),
                            other => other,
                        }
                        .to_string(),
                        p.why.as_deref().map(words).unwrap_or_default(),
                    ]);
                }
                outln!("{tb}")?;
            }
        }
        ReviewCommand::Show { id } => {
            let pair = store
                .dedup_pair(id)?
                .with_context(|| format!("{} {id}", t("tidak ada pasangan", "no pair")))?;
            if ctx.json {
                let a = store.record_fields(&pair.a)?;
                let b = store.record_fields(&pair.b)?;
                print_json(&serde_json::json!({ "pair": pair, "a": a, "b": b }))?;
            } else {
                outln!("{}", side_by_side(&store, &pair)?)?;
                let mut ev = table(&[
                    t("bukti", "evidence"),
                    t("tingkat", "level"),
                    t("bobot", "weight"),
                ]);
                for e in pair.evidence.as_array().into_iter().flatten() {
                    let field = e["field"].as_str().unwrap_or("");
                    ev.add_row(vec![
                        // The prints' field in words; the demographic fields by their names.
                        if field == cetak_dedup::finger::FIELD {
                            words(field)
                        } else {
                            field.to_string()
                        },
                        words(e["level"].as_str().unwrap_or("")),
                        format!("{:+.2}", e["weight"].as_f64().unwrap_or(0.0)),
                    ]);
                }
                outln!("{ev}")?;
                outln!(
                    "{}: {:.4}  {}",
                    t("peluang orang yang sama", "match probability"),
                    pair.probability,
                    pair.why.as_deref().map(words).unwrap_or_default()
                )?;
                if let Some((same, reason, actor)) = &pair.decision {
                    outln!(
                        "{}: {} ({actor}: {reason})",
                        t("keputusan", "decision"),
                        if *same {
                            t("orang yang sama", "same person")
                        } else {
                            t("orang berbeda", "different people")
                        }
                    )?;
                }
            }
        }
        ReviewCommand::Groups { sample, limit } => {
            let groups = store.dedup_pair_groups(sample)?;
            let groups: Vec<_> = groups.into_iter().take(limit).collect();
            if ctx.json {
                print_json(&serde_json::to_value(&groups)?)?;
            } else {
                for (i, g) in groups.iter().enumerate() {
                    outln!(
                        "{} {}: {} {} ({} {:.3}–{:.3}) — {}",
                        t("Kelompok", "Group"),
                        i + 1,
                        g.pairs,
                        t("pasangan", "pairs"),
                        t("peluang", "probability"),
                        g.min_probability,
                        g.max_probability,
                        g.why.as_deref().map(words).unwrap_or_default()
                    )?;
                    let levels = g.pattern.split(" | ").next().unwrap_or("");
                    let shown: Vec<String> = levels
                        .split(' ')
                        .filter_map(|fl| fl.split_once('='))
                        .map(|(f, l)| format!("{f}: {}", words(l)))
                        .collect();
                    outln!("  {}", shown.join(", "))?;
                    for p in &g.sample {
                        outln!("    #{} {} / {} ({:.3})", p.id, p.a, p.b, p.probability)?;
                    }
                }
                outln!(
                    "{}",
                    t(
                        "Putuskan satu kelompok: cetak review decide-group N --same|--different --expect-pairs JUMLAH --reason ALASAN",
                        "Decide a group: cetak review decide-group N --same|--different --expect-pairs COUNT --reason WHY"
                    )
                )?;
            }
        }
        ReviewCommand::DecideGroup {
            group,
            same,
            different: _,
            expect_pairs,
            reason,
        } => {
            let groups = store.dedup_pair_groups(0)?;
            let g = group
                .checked_sub(1)
                .and_then(|i| groups.get(i))
                .with_context(|| format!("{} {group}", t("tidak ada kelompok", "no group")))?;
            if g.pairs != expect_pairs {
                bail!(
                    "{} {group}: {} {}, {} {expect_pairs}",
                    t("kelompok", "group"),
                    g.pairs,
                    t("pasangan sekarang", "pairs now"),
                    t("diharapkan", "expected")
                );
            }
            let actor = Actor(ctx.actor.clone());
            let at = super::office_now(&store)?;
            let n = store.decide_pair_group(
                &g.pattern,
                same,
                cetak_store::Change::new(&actor, at, &reason),
            )?;
            let report = dedup(&mut store, &Config::default(), &Actor::system("dedup"))?;
            if ctx.json {
                print_json(
                    &serde_json::json!({ "decided": n, "pattern": g.pattern, "dedup": report }),
                )?;
            } else {
                outln!(
                    "{} {n} {}: {}",
                    t("Dicatat untuk", "Recorded for"),
                    t("pasangan", "pairs"),
                    if same {
                        t("orang yang sama", "same person")
                    } else {
                        t("orang berbeda", "different people")
                    }
                )?;
                print_dedup(&report)?;
            }
        }
        ReviewCommand::Decide {
            id,
            same,
            different: _,
            reason,
        } => {
            if let Some(pair) = store.dedup_pair(id)?
                && pair.kind == "link"
            {
                bail!(
                    "{} {id} {} cetak review overrule {id} --reason \"…\" --yes",
                    t("pasangan", "pair"),
                    t(
                        "ditautkan otomatis sebagai data ganda; untuk membatalkan tautan itu dengan sengaja:",
                        "was linked automatically as a duplicate; to overrule that link deliberately:"
                    )
                );
            }
            let actor = Actor(ctx.actor.clone());
            let at = super::office_now(&store)?;
            let pair =
                store.decide_pair(id, same, cetak_store::Change::new(&actor, at, &reason))?;
            // Apply the decision at once: a full run honours every decision taken so far.
            let report = dedup(&mut store, &Config::default(), &Actor::system("dedup"))?;
            if ctx.json {
                print_json(&serde_json::json!({ "pair": pair, "dedup": report }))?;
            } else {
                outln!(
                    "{} {} / {}: {}",
                    t("Dicatat:", "Recorded:"),
                    pair.a,
                    pair.b,
                    if same {
                        t("orang yang sama", "same person")
                    } else {
                        t("orang berbeda", "different people")
                    }
                )?;
                print_dedup(&report)?;
            }
        }
        ReviewCommand::Overrule { id, reason, yes } => {
            let pair = store
                .dedup_pair(id)?
                .with_context(|| format!("{} {id}", t("tidak ada pasangan", "no pair")))?;
            if pair.kind != "link" {
                bail!(
                    "{} {id} {} cetak review decide {id}",
                    t("pasangan", "pair"),
                    t(
                        "tidak ditautkan otomatis; putuskan dengan:",
                        "was not linked automatically; decide it with:"
                    )
                );
            }
            if reason.trim().is_empty() {
                bail!(
                    "{}",
                    t(
                        "membatalkan tautan otomatis butuh alasan (--reason)",
                        "overruling an automatic link needs a reason (--reason)"
                    )
                );
            }
            if !yes && !confirm_overrule(&store, &pair)? {
                bail!(
                    "{}",
                    t(
                        "tidak dikonfirmasi; tidak ada yang berubah (tambahkan --yes untuk mengonfirmasi tanpa ditanya)",
                        "not confirmed; nothing changed (add --yes to confirm without being asked)"
                    )
                );
            }
            let actor = Actor(ctx.actor.clone());
            let at = super::office_now(&store)?;
            let pair = store.overrule_link(id, cetak_store::Change::new(&actor, at, &reason))?;
            let report = dedup(&mut store, &Config::default(), &Actor::system("dedup"))?;
            if ctx.json {
                print_json(
                    &serde_json::json!({ "pair": pair, "overruled": true, "dedup": report }),
                )?;
            } else {
                outln!(
                    "{} {} / {}: {}",
                    t("Tautan otomatis dibatalkan:", "Automatic link overruled:"),
                    pair.a,
                    pair.b,
                    t("orang berbeda", "different people")
                )?;
                print_dedup(&report)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Ask on the terminal whether to overrule the link (the pair shown first); `false` without a
/// terminal to ask on.
fn confirm_overrule(store: &Store, pair: &PairView) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprintln!("{}", side_by_side(store, pair)?);
    eprint!(
        "{} {} / {} {} [y/N] ",
        t("Batalkan tautan otomatis", "Overrule the automatic link"),
        pair.a,
        pair.b,
        t("(orang berbeda)?", "(different people)?")
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "ya" | "yes"
    ))
}

#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// recording_id,cluster_id for every recording: one cluster per person as decided so far.
    Clusters {
        /// Output format.
        #[arg(long, default_value = "csv", value_parser = ["csv"])]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run_export(ctx: &Context, cmd: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Clusters { format: _, out } = cmd;
    let store = open_store(&ctx.db)?;
    match &out {
        Some(path) => {
            // Written beside the old file and renamed over it: a failed export keeps the old.
            let mut file = super::AtomicFile::create(path)?;
            write_clusters(&store, file.writer())?;
            file.commit()?;
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            write_clusters(&store, &mut w)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_clusters(store: &Store, w: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(w, "recording_id,cluster_id")?;
    store.clusters(|id, cluster| writeln!(w, "{id},{cluster}"))?;
    w.flush()?;
    Ok(())
}
