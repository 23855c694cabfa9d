//! `cetak simulate`: the office simulator and capacity planner (see `cetak-sim`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use cetak_sim::chart::{self, Series};
use cetak_sim::{Outcome, Policy, Scenario};
use clap::Args as ClapArgs;
use serde_json::json;

use super::{Context, print_json, table};
use crate::text::t;

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Seed: the same seed and scenario always give the same run.
    #[arg(long, default_value_t = 2015)]
    seed: u64,
    /// A TOML scenario file: `[base]` fields and optional `[[variant]]`s compared side by side.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Compare the scenario with and without dedup and with FIFO vs thermal-aware pacing.
    #[arg(long)]
    compare: bool,
    /// Days to simulate at most.
    #[arg(long)]
    days: Option<u32>,
    /// Card printers.
    #[arg(long)]
    printers: Option<u32>,
    /// Rated cards per printer per day.
    #[arg(long)]
    cards_per_day: Option<u32>,
    /// Power cuts per day.
    #[arg(long)]
    power_cuts_per_day: Option<f64>,
    /// The office has a UPS (carries it through cuts of up to 30 minutes).
    #[arg(long)]
    ups: bool,
    /// thermal (cetak's pacing) or fifo (full speed, no pacing).
    #[arg(long, value_parser = ["thermal", "fifo"])]
    policy: Option<String>,
    /// Do not find duplicates before printing.
    #[arg(long)]
    no_dedup: bool,
    /// Recordings waiting on day one.
    #[arg(long)]
    backlog: Option<u32>,
    /// New print-ready recordings a day.
    #[arg(long)]
    new_per_day: Option<f64>,
    /// Simulate every day asked for, not only until the backlog is cleared.
    #[arg(long)]
    full: bool,
    /// Write burn-down, cards-per-day and spoilage charts (SVG) into this folder.
    #[arg(long)]
    charts: Option<PathBuf>,
}

fn scenarios(a: &Args) -> anyhow::Result<Vec<Scenario>> {
    let mut base = match &a.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "{} {}",
                    crate::text::t("membaca", "reading"),
                    path.display()
                )
            })?;
            Scenario::from_toml(&text)
                .with_context(|| format!("{} {}", crate::text::t("di", "in"), path.display()))?
        }
        None => vec![Scenario::default()],
    };
    for s in &mut base {
        if let Some(v) = a.days {
            s.days = v;
        }
        if let Some(v) = a.printers {
            s.printers = v;
        }
        if let Some(v) = a.cards_per_day {
            s.cards_per_day = v;
        }
        if let Some(v) = a.power_cuts_per_day {
            s.power_cuts_per_day = v;
        }
        if a.ups {
            s.ups = true;
        }
        if let Some(p) = &a.policy {
            s.policy = if p == "fifo" {
                Policy::Fifo
            } else {
                Policy::Thermal
            };
        }
        if a.no_dedup {
            s.dedup = false;
        }
        if let Some(v) = a.backlog {
            s.backlog = v;
        }
        if let Some(v) = a.new_per_day {
            s.new_per_day = v;
        }
        s.validate()?;
    }
    if !a.compare {
        return Ok(base);
    }
    let mut out = Vec::new();
    for s in base {
        for (dedup, policy) in [
            (true, Policy::Thermal),
            (true, Policy::Fifo),
            (false, Policy::Thermal),
            (false, Policy::Fifo),
        ] {
            let mut v = s.clone();
            v.dedup = dedup;
            v.policy = policy;
            v.name = format!(
                "{}{}{}",
                s.name,
                if dedup { "" } else { " no-dedup" },
                if policy == Policy::Fifo {
                    " fifo"
                } else {
                    " thermal"
                }
            );
            out.push(v);
        }
    }
    Ok(out)
}

pub fn run(ctx: &Context, a: Args) -> anyhow::Result<ExitCode> {
    let list = scenarios(&a)?;
    let started = std::time::Instant::now();
    let outcomes: Vec<Outcome> = list
        .iter()
        .map(|s| cetak_sim::run(s, a.seed, !a.full))
        .collect::<Result<_, _>>()?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(dir) = &a.charts {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "{} {}",
                t("tidak dapat membuat", "cannot create"),
                dir.display()
            )
        })?;
        for (name, series) in [
            ("burndown.svg", Series::Backlog),
            ("printed.svg", Series::Printed),
            ("spoiled.svg", Series::Spoiled),
        ] {
            let svg = chart::svg(&outcomes, series).map_err(anyhow::Error::msg)?;
            super::write_atomic(&dir.join(name), svg.as_bytes())?;
        }
    }
    let violations: usize = outcomes.iter().map(|o| o.invariant_violations.len()).sum();
    if ctx.json {
        let strip = |o: &Outcome| {
            let mut v = serde_json::to_value(o).unwrap_or_default();
            if let Some(m) = v.as_object_mut() {
                m.insert(
                    "scenario_config".into(),
                    json!(list.iter().find(|s| s.name == o.scenario)),
                );
            }
            v
        };
        if outcomes.len() == 1 {
            let mut v = strip(&outcomes[0]);
            v["seconds"] = json!(seconds);
            print_json(&v)?;
        } else {
            print_json(&json!({
                "seed": a.seed,
                "seconds": seconds,
                "scenarios": outcomes.iter().map(strip).collect::<Vec<_>>(),
            }))?;
        }
    } else {
        print_table(&outcomes)?;
        if let Some(dir) = &a.charts {
            outln!(
                "{} {}",
                t("Grafik ditulis ke", "Charts written to"),
                dir.display()
            )?;
        }
        for o in &outcomes {
            for v in &o.invariant_violations {
                eprintln!("{} [{}] {v}", t("PELANGGARAN", "VIOLATION"), o.scenario);
            }
        }
        outln!(
            "{} {:.2} s; {}: cetak simulate --seed {}",
            t("Disimulasikan dalam", "Simulated in"),
            seconds,
            t("ulangi persis", "replay exactly"),
            a.seed
        )?;
    }
    Ok(if violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A spoil cause as the office says it, from the pages' catalogue ("macet di printer": "jam"
/// alone would read as "hour" in Indonesian).
fn cause_word(code: &str) -> &str {
    match cetak_words::label(code) {
        Some((id, en)) => t(id, en),
        None => code,
    }
}

fn print_table(outcomes: &[Outcome]) -> std::io::Result<()> {
    let mut header = vec![""];
    let names: Vec<String> = outcomes.iter().map(|o| o.scenario.clone()).collect();
    header.extend(names.iter().map(String::as_str));
    let mut tbl = table(&header);
    let row = |label: &str, f: &dyn Fn(&Outcome) -> String| {
        let mut r = vec![label.to_string()];
        r.extend(outcomes.iter().map(f));
        r
    };
    tbl.add_row(row(t("tunggakan habis pada", "backlog cleared on"), &|o| {
        o.backlog_cleared_on
            .clone()
            .unwrap_or_else(|| format!("> {} {}", o.days_simulated, t("hari", "days")))
    }));
    tbl.add_row(row(t("kartu baik", "good cards"), &|o| {
        o.cards_printed.to_string()
    }));
    tbl.add_row(row(
        t("kartu per hari kerja", "cards per working day"),
        &|o| format!("{:.1}", o.cards_per_day),
    ));
    tbl.add_row(row(
        t("pemakaian kapasitas", "utilisation of rated capacity"),
        &|o| format!("{:.1} %", o.utilisation * 100.0),
    ));
    tbl.add_row(row(t("kartu rusak", "spoiled cards"), &|o| {
        let causes: Vec<String> = o
            .spoiled_by_cause
            .iter()
            .map(|(c, n)| format!("{} {n}", cause_word(c)))
            .collect();
        format!("{} ({})", o.cards_spoiled, causes.join(", "))
    }));
    tbl.add_row(row(t("blangko terpakai", "blanks used"), &|o| {
        o.blanks_used.to_string()
    }));
    tbl.add_row(row(
        t("waktu henti (printer × jam)", "downtime (printer-hours)"),
        &|o| {
            let d = &o.downtime;
            format!(
                "{} {:.0}, {} {:.0}, {} {:.0}, {} {:.0}",
                t("listrik padam", "power"),
                d.power_h,
                t("printer rusak", "breakdown"),
                d.breakdown_h,
                t("kartu macet", "card jam"),
                d.jam_h,
                t("blangko habis", "no blanks"),
                d.no_blanks_h
            )
        },
    ));
    tbl.add_row(row(
        t(
            "listrik padam yang menghentikan kantor",
            "power cuts that crashed the office",
        ),
        &|o| o.crashes.to_string(),
    ));
    tbl.add_row(row(t("diperiksa petugas", "inspected by staff"), &|o| {
        o.inspections.to_string()
    }));
    tbl.add_row(row(
        t("warga dengan dua KTP-el", "residents with two cards"),
        &|o| o.persons_with_two_cards.to_string(),
    ));
    tbl.add_row(row(t("pelanggaran janji", "broken promises"), &|o| {
        o.invariant_violations.len().to_string()
    }));
    outln!("{tbl}")?;
    Ok(())
}
