//! What is simulated: the office, its printers, its power, its people. Every field has a
//! default drawn from the Kota Palembang story told in README.md; a TOML file or flags change any
//! of them.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How the printers are driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// cetak's scheduler: bursts with cool-downs, longer cool-downs for a failing printer.
    Thermal,
    /// First in, first out at full speed (what a plain print queue does): no bursts, no back-off.
    Fifo,
}

/// One office, one what-if.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Name shown in reports.
    pub name: String,
    /// First day, `YYYY-MM-DD` (the printers arrived on 24 Dec 2014).
    pub start: String,
    /// Days simulated at most.
    pub days: u32,
    /// Card printers.
    pub printers: u32,
    /// Rated cards per printer per day.
    pub cards_per_day: u32,
    /// Cards in a row before a cool-down (thermal policy).
    pub burst: u32,
    /// Minutes of cool-down after a burst (thermal policy).
    pub cooldown_min: f64,
    /// Scheduling policy.
    pub policy: Policy,
    /// Working hours, office time: start hour.
    pub hours_start: u8,
    /// Working hours: end hour.
    pub hours_end: u8,
    /// Working days: Monday to Saturday when true, Monday to Friday when false.
    pub saturday: bool,
    /// Recordings waiting on day one.
    pub backlog: u32,
    /// Share of them that are extra recordings of someone already in the backlog.
    pub duplicate_share: f64,
    /// Whether duplicates are found before printing (cetak dedup).
    pub dedup: bool,
    /// New print-ready recordings a day (arrive over the link to the centre).
    pub new_per_day: f64,
    /// Share of new recordings that are replacements (lost/damaged cards).
    pub replacement_share: f64,
    /// Seconds one card takes in the printer.
    pub card_seconds: f64,
    /// Seconds to write, read back and verify one card's chip before it is printed (0: the
    /// printers have no chip encoder).
    pub encode_seconds: f64,
    /// Probability that a card's chip fails (its blank is spoiled with `chip_failure` and
    /// the record printed on another).
    pub chip_failure_rate: f64,
    /// Heat a card adds (arbitrary units; the melt threshold is in the same units).
    pub heat_per_card: f64,
    /// Minutes for the heat to halve when idle.
    pub heat_half_life_min: f64,
    /// Heat above which cards start to melt.
    pub melt_threshold: f64,
    /// Extra melt probability per unit of heat above the threshold.
    pub melt_slope: f64,
    /// Melt probability of a cool printer.
    pub melt_base: f64,
    /// Probability that a card jams.
    pub jam_probability: f64,
    /// Minutes of staff time to clear a jam.
    pub jam_clear_min: f64,
    /// Breakdowns per printer per year.
    pub breakdowns_per_year: f64,
    /// Mean days to repair a broken printer.
    pub repair_days: f64,
    /// Power cuts per day (any hour).
    pub power_cuts_per_day: f64,
    /// Mean minutes a cut lasts.
    pub power_cut_min: f64,
    /// A UPS carries the office through cuts up to `ups_min` minutes.
    pub ups: bool,
    /// Minutes the UPS lasts.
    pub ups_min: f64,
    /// Link outages per day.
    pub link_outages_per_day: f64,
    /// Mean hours a link outage lasts.
    pub link_outage_h: f64,
    /// Minutes of staff time to inspect one card the printer could not confirm.
    pub inspect_min: f64,
    /// Blanks on hand on day one.
    pub blanks_initial: u32,
    /// A delivery of blanks every this many days.
    pub delivery_every_days: u32,
    /// Blanks per delivery.
    pub delivery_size: u32,
    /// Testing the tester: after a crash, send open jobs again instead of asking the printer
    /// (what CUPS does). The promise checks must catch it.
    pub resend_after_crash: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "palembang".into(),
            start: "2014-12-24".into(),
            days: 730,
            printers: 2,
            cards_per_day: 100,
            burst: 10,
            cooldown_min: 15.0,
            policy: Policy::Thermal,
            hours_start: 8,
            hours_end: 16,
            saturday: false,
            backlog: 25_000,
            duplicate_share: 0.4,
            dedup: true,
            new_per_day: 40.0,
            replacement_share: 0.05,
            card_seconds: 90.0,
            encode_seconds: 0.0,
            chip_failure_rate: 0.0,
            heat_per_card: 1.0,
            heat_half_life_min: 12.0,
            melt_threshold: 6.0,
            melt_slope: 0.04,
            melt_base: 0.002,
            jam_probability: 0.004,
            jam_clear_min: 15.0,
            breakdowns_per_year: 2.0,
            repair_days: 3.0,
            power_cuts_per_day: 1.5,
            power_cut_min: 40.0,
            ups: false,
            ups_min: 30.0,
            link_outages_per_day: 0.2,
            link_outage_h: 12.0,
            inspect_min: 5.0,
            blanks_initial: 6_000,
            delivery_every_days: 30,
            delivery_size: 6_000,
            resend_after_crash: false,
        }
    }
}

/// A scenario that cannot run.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The TOML does not parse or names an unknown field.
    #[error("scenario file: {0}")]
    Toml(String),
    /// A value out of range.
    #[error("scenario {name}: {field} {problem}")]
    Invalid {
        /// Scenario.
        name: String,
        /// Field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// A scenario file: a base and variants that override some of its fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// The base scenario.
    #[serde(default)]
    pub base: Option<toml::Table>,
    /// Variants compared side by side; each overrides fields of the base.
    #[serde(default)]
    pub variant: Vec<toml::Table>,
}

impl Scenario {
    /// The torture office as the DST runs its seed `seed`: odd seeds take the queue first in,
    /// first out, and every third seed has a UPS.
    pub fn torture_for_seed(seed: u64) -> Scenario {
        let mut sc = Scenario::torture();
        if seed % 2 == 1 {
            sc.policy = Policy::Fifo;
        }
        if seed.is_multiple_of(3) {
            sc.ups = true;
        }
        sc
    }

    /// A hard office for deterministic simulation testing: a small backlog, fast cards, power
    /// cuts every hour or so, frequent jams and breakdowns, short link outages, hot printers —
    /// so that a few simulated weeks pass through every crash window many times.
    pub fn torture() -> Scenario {
        Scenario {
            name: "torture".into(),
            days: 40,
            printers: 3,
            backlog: 1_500,
            new_per_day: 20.0,
            card_seconds: 20.0,
            heat_half_life_min: 4.0,
            jam_probability: 0.03,
            breakdowns_per_year: 25.0,
            repair_days: 0.5,
            power_cuts_per_day: 12.0,
            power_cut_min: 10.0,
            link_outages_per_day: 2.0,
            link_outage_h: 3.0,
            blanks_initial: 800,
            delivery_every_days: 7,
            delivery_size: 900,
            ..Scenario::default()
        }
    }

    /// Parse a scenario file into the scenarios to run (the base alone when it has no variants).
    pub fn from_toml(text: &str) -> Result<Vec<Scenario>, ScenarioError> {
        let file: ScenarioFile =
            toml::from_str(text).map_err(|e| ScenarioError::Toml(e.to_string()))?;
        let base = file.base.unwrap_or_default();
        let parse = |table: toml::Table| -> Result<Scenario, ScenarioError> {
            let s: Scenario = toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| ScenarioError::Toml(e.to_string()))?;
            s.validate()?;
            Ok(s)
        };
        if file.variant.is_empty() {
            return Ok(vec![parse(base)?]);
        }
        file.variant
            .into_iter()
            .map(|v| {
                let mut t = base.clone();
                t.extend(v);
                parse(t)
            })
            .collect()
    }

    /// Check ranges, so a typo gives a clear error instead of a nonsense run.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let bad = |field: &'static str, problem: &str| {
            Err(ScenarioError::Invalid {
                name: self.name.clone(),
                field,
                problem: problem.into(),
            })
        };
        let prob = |p: f64| (0.0..=1.0).contains(&p);
        if time::Date::parse(
            &self.start,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_err()
        {
            return bad("start", "must be YYYY-MM-DD");
        }
        if !(1..=3660).contains(&self.days) {
            return bad("days", "must be 1..=3660");
        }
        if !(1..=100).contains(&self.printers) {
            return bad("printers", "must be 1..=100");
        }
        if !(1..=10_000).contains(&self.cards_per_day) || self.burst == 0 {
            return bad(
                "cards_per_day/burst",
                "must be positive (cards_per_day at most 10000)",
            );
        }
        if self.hours_start >= self.hours_end || self.hours_end > 24 {
            return bad("hours", "start must be before end, end at most 24");
        }
        if self.backlog > 5_000_000 || !(0.0..=100_000.0).contains(&self.new_per_day) {
            return bad("backlog/new_per_day", "too large");
        }
        for (f, p) in [
            ("duplicate_share", self.duplicate_share),
            ("replacement_share", self.replacement_share),
            ("melt_base", self.melt_base),
            ("melt_slope", self.melt_slope),
            ("jam_probability", self.jam_probability),
            ("chip_failure_rate", self.chip_failure_rate),
        ] {
            if !prob(p) {
                return bad(f, "must be a probability (0..=1)");
            }
        }
        for (f, v) in [
            ("card_seconds", self.card_seconds),
            ("heat_half_life_min", self.heat_half_life_min),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(f, "must be positive");
            }
        }
        for (f, v) in [
            ("cooldown_min", self.cooldown_min),
            ("heat_per_card", self.heat_per_card),
            ("melt_threshold", self.melt_threshold),
            ("jam_clear_min", self.jam_clear_min),
            ("breakdowns_per_year", self.breakdowns_per_year),
            ("repair_days", self.repair_days),
            ("power_cuts_per_day", self.power_cuts_per_day),
            ("power_cut_min", self.power_cut_min),
            ("ups_min", self.ups_min),
            ("link_outages_per_day", self.link_outages_per_day),
            ("link_outage_h", self.link_outage_h),
            ("inspect_min", self.inspect_min),
            ("encode_seconds", self.encode_seconds),
        ] {
            if !(v.is_finite() && (0.0..=1e6).contains(&v)) {
                return bad(f, "must be a non-negative number");
            }
        }
        if self.power_cuts_per_day > 100.0 || self.link_outages_per_day > 100.0 {
            return bad(
                "power_cuts_per_day/link_outages_per_day",
                "at most 100 a day",
            );
        }
        if self.delivery_every_days == 0 {
            return bad("delivery_every_days", "must be positive");
        }
        Ok(())
    }
}
