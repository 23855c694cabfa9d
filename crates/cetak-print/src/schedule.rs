//! Which record prints next, and on which printer.
//!
//! Queue order (the Ministry's policy): records a supervisor raised first, then first-time
//! cards before replacements, each longest-waiting first. Printers: a card goes to a printer
//! that is not paused, not blocked by its own state (jam, cover, empty hopper), inside working
//! hours, under its rated cards per day, and not cooling down. After `burst` cards a printer
//! cools down; each melted or misprinted card reported against it doubles the next cool-downs
//! (up to 8×) and the operator is told; every clean burst halves it again.

use std::cmp::Ordering;

use serde::Serialize;
use time::{Duration, OffsetDateTime, Time, UtcOffset};

/// The office's time zone: Palembang is on WIB (UTC+7).
pub const OFFICE_OFFSET: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The office's calendar day of an instant, `YYYY-MM-DD`.
pub fn office_day(at: OffsetDateTime) -> String {
    let d = at.to_offset(OFFICE_OFFSET).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// How a printer may be driven.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrinterProfile {
    /// Rated cards per day.
    pub cards_per_day: u32,
    /// Cards in a row before a cool-down (`None`: no forced pause).
    pub burst: Option<u32>,
    /// Minutes of cool-down after a burst.
    pub cooldown_min: f64,
    /// Working hours in office time (`None`: any time).
    pub hours: Option<(Time, Time)>,
}

/// The most a failing printer's cool-downs are stretched.
pub const MAX_HEAT_STRIKES: u32 = 3;

/// A printer's running state, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PrinterRun {
    /// Attempts started today (office day).
    pub printed_today: u32,
    /// Cards since the last cool-down.
    pub since_cooldown: u32,
    /// Cooling until this instant.
    pub cooling_until: Option<OffsetDateTime>,
    /// Melted/misprinted cards reported recently (0..=[`MAX_HEAT_STRIKES`]).
    pub heat_strikes: u32,
    /// Paused by an operator.
    pub paused: bool,
    /// An attempt is in flight on it.
    pub busy: bool,
    /// The printer says it cannot print (its reasons).
    pub blocked: Option<String>,
}

/// Whether a printer can take a card now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "readiness", rename_all = "snake_case")]
pub enum Readiness {
    /// Yes.
    Ready,
    /// Printing a card.
    Busy,
    /// An operator paused it.
    Paused,
    /// The printer reports a problem.
    Blocked {
        /// Its reasons.
        reason: String,
    },
    /// Today's rated capacity is used.
    CapacitySpent,
    /// Cooling down.
    Cooling {
        /// Until.
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    /// Outside working hours.
    OutsideHours,
}

/// Whether `printer` can take a card at `now`.
pub fn readiness(profile: &PrinterProfile, run: &PrinterRun, now: OffsetDateTime) -> Readiness {
    if run.paused {
        return Readiness::Paused;
    }
    if run.busy {
        return Readiness::Busy;
    }
    if let Some(reason) = &run.blocked {
        return Readiness::Blocked {
            reason: reason.clone(),
        };
    }
    readiness_of_schedule(profile, run, now)
}

/// Whether the duty cycle and the hours let a printer take a card now, whatever it last said
/// about itself (`run.blocked`): the print run asks the printer itself before each card.
pub fn schedule_allows(profile: &PrinterProfile, run: &PrinterRun, now: OffsetDateTime) -> bool {
    !run.paused && !run.busy && readiness_of_schedule(profile, run, now) == Readiness::Ready
}

fn readiness_of_schedule(
    profile: &PrinterProfile,
    run: &PrinterRun,
    now: OffsetDateTime,
) -> Readiness {
    if run.printed_today >= profile.cards_per_day {
        return Readiness::CapacitySpent;
    }
    if let Some(until) = run.cooling_until
        && now < until
    {
        return Readiness::Cooling { until };
    }
    if let Some((start, end)) = profile.hours {
        let t = now.to_offset(OFFICE_OFFSET).time();
        let inside = if start <= end {
            t >= start && t < end
        } else {
            t >= start || t < end
        };
        if !inside {
            return Readiness::OutsideHours;
        }
    }
    Readiness::Ready
}

/// The cool-down after a burst, stretched for a failing printer.
pub fn cooldown(profile: &PrinterProfile, heat_strikes: u32) -> Duration {
    let strikes = heat_strikes.min(MAX_HEAT_STRIKES);
    // A failing printer without a configured cool-down still gets one.
    let base = if profile.cooldown_min > 0.0 {
        profile.cooldown_min
    } else if strikes > 0 {
        10.0
    } else {
        0.0
    };
    Duration::seconds_f64(base * 60.0 * f64::from(1u32 << strikes))
}

/// The printer's state after it took a card at `now`.
pub fn after_card(profile: &PrinterProfile, run: &PrinterRun, now: OffsetDateTime) -> PrinterRun {
    let mut next = run.clone();
    next.printed_today += 1;
    next.since_cooldown += 1;
    if let Some(burst) = profile.burst
        && next.since_cooldown >= burst
    {
        next.since_cooldown = 0;
        let pause = cooldown(profile, next.heat_strikes);
        if pause > Duration::ZERO {
            next.cooling_until = Some(now + pause);
        }
        // A clean burst earns back some trust.
        next.heat_strikes = next.heat_strikes.saturating_sub(1);
    }
    next
}

/// A melted or misprinted card was reported against the printer at `now`: cool it down now,
/// longer than usual. Returns the new state and what to tell the operator.
pub fn after_failure(
    profile: &PrinterProfile,
    run: &PrinterRun,
    now: OffsetDateTime,
) -> (PrinterRun, String) {
    let mut next = run.clone();
    next.heat_strikes = (next.heat_strikes + 1).min(MAX_HEAT_STRIKES);
    next.since_cooldown = 0;
    let pause = cooldown(profile, next.heat_strikes);
    next.cooling_until = Some(now + pause);
    let minutes = pause.whole_minutes();
    let note = format!(
        "printer failing (strike {}/{MAX_HEAT_STRIKES}): cooling down {minutes} min; check the print temperature (160-170 °C) before going on",
        next.heat_strikes
    );
    (next, note)
}

/// A record's place in the print queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueKey {
    /// A supervisor raised it.
    pub raised: bool,
    /// A replacement card (lost, damaged), not a first card.
    pub replacement: bool,
    /// When recorded (UTC, fixed-width RFC 3339, so text order is time order).
    pub waiting_since: String,
    /// Tie-break.
    pub recording_id: String,
}

impl Ord for QueueKey {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .raised
            .cmp(&self.raised)
            .then(self.replacement.cmp(&other.replacement))
            .then_with(|| self.waiting_since.cmp(&other.waiting_since))
            .then_with(|| self.recording_id.cmp(&other.recording_id))
    }
}

impl PartialOrd for QueueKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The printer that should take the next card: among the ready ones, the one with the most
/// capacity left today (spreads the day's work), then the first listed.
pub fn pick_printer<'a, K: Copy>(
    printers: impl IntoIterator<Item = (K, &'a PrinterProfile, &'a PrinterRun)>,
    now: OffsetDateTime,
) -> Option<K> {
    printers
        .into_iter()
        .filter(|(_, p, r)| readiness(p, r, now) == Readiness::Ready)
        .max_by_key(|(_, p, r)| {
            (
                p.cards_per_day.saturating_sub(r.printed_today),
                std::cmp::Reverse(0),
            )
        })
        .map(|(k, _, _)| k)
}

/// When there is nothing to do now: the earliest moment a printer with capacity left comes off
/// its cool-down (`None`: waiting will not help today — capacity spent, paused, blocked).
pub fn next_wake<'a>(
    printers: impl IntoIterator<Item = (&'a PrinterProfile, &'a PrinterRun)>,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    printers
        .into_iter()
        .filter_map(|(p, r)| match readiness(p, r, now) {
            Readiness::Cooling { until } => Some(until),
            Readiness::Busy => Some(now),
            _ => None,
        })
        .min()
}

/// The earliest instant after `now` at which a printer's readiness may change by time alone
/// (its cool-down ends, working hours start or end); `None`: never by time alone. Until then
/// [`readiness`] and [`schedule_allows`] answer as they do at `now` for the same run — a
/// simulator may skip the print run's wake-ups in between when nothing else changes.
pub fn readiness_holds_until(
    profile: &PrinterProfile,
    run: &PrinterRun,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let cooling_ends = run.cooling_until.filter(|&until| until > now);
    let hours_turn = profile.hours.map(|(start, end)| {
        let local = now.to_offset(OFFICE_OFFSET);
        let next = |at: Time| {
            let today = local.replace_time(at);
            if today > local {
                today
            } else {
                today + Duration::DAY
            }
        };
        next(start).min(next(end))
    });
    match (cooling_ends, hours_turn) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, time};

    #[test]
    fn readiness_holds_until_the_next_turn_and_no_longer() {
        let now = datetime!(2026-11-27 01:00 UTC); // 08:00 WIB
        let hours = Some((time!(08:00), time!(16:00)));
        let cooling = PrinterRun {
            cooling_until: Some(now + Duration::minutes(7)),
            ..PrinterRun::default()
        };
        let cases = [
            (profile(), PrinterRun::default()),
            (profile(), cooling.clone()),
            (PrinterProfile { hours, ..profile() }, PrinterRun::default()),
            (PrinterProfile { hours, ..profile() }, cooling),
            (
                PrinterProfile {
                    hours: Some((time!(22:00), time!(06:00))),
                    ..profile()
                },
                PrinterRun::default(),
            ),
        ];
        for (p, r) in &cases {
            // Every minute of two days, starting at many moments: readiness is constant until
            // the turn named, and the turn named is a real change (or a day boundary of hours).
            for start_min in (0..48 * 60).step_by(37) {
                let start = now + Duration::minutes(start_min);
                let at_start = readiness(p, r, start);
                let turn = readiness_holds_until(p, r, start);
                let mut t = start;
                while t < start + Duration::days(2) {
                    if turn.is_some_and(|turn| t >= turn) {
                        break;
                    }
                    assert_eq!(
                        readiness(p, r, t),
                        at_start,
                        "{p:?} {r:?} from {start} at {t}"
                    );
                    t += Duration::minutes(1);
                }
                if let Some(turn) = turn {
                    assert!(turn > start);
                    assert_ne!(
                        readiness(p, r, turn),
                        readiness(p, r, turn - Duration::SECOND),
                        "{p:?} {r:?}: nothing turns at {turn}"
                    );
                } else {
                    assert!(p.hours.is_none());
                }
            }
        }
    }

    fn profile() -> PrinterProfile {
        PrinterProfile {
            cards_per_day: 3,
            burst: Some(2),
            cooldown_min: 5.0,
            hours: None,
        }
    }

    #[test]
    fn a_burst_ends_in_a_cooldown_and_capacity_ends_the_day() {
        let p = profile();
        let now = datetime!(2026-11-27 02:00 UTC);
        let r = after_card(&p, &PrinterRun::default(), now);
        assert_eq!(readiness(&p, &r, now), Readiness::Ready);
        let r = after_card(&p, &r, now);
        assert_eq!(
            readiness(&p, &r, now),
            Readiness::Cooling {
                until: now + Duration::minutes(5)
            }
        );
        let later = now + Duration::minutes(5);
        assert_eq!(readiness(&p, &r, later), Readiness::Ready);
        let r = after_card(&p, &r, later);
        assert_eq!(readiness(&p, &r, later), Readiness::CapacitySpent);
    }

    #[test]
    fn failures_stretch_the_cooldown_and_clean_bursts_shrink_it() {
        let p = profile();
        let now = datetime!(2026-11-27 02:00 UTC);
        let (r, note) = after_failure(&p, &PrinterRun::default(), now);
        assert_eq!(r.cooling_until, Some(now + Duration::minutes(10)));
        assert!(note.contains("cooling down 10 min"), "{note}");
        let (r, _) = after_failure(&p, &r, now);
        let (r, _) = after_failure(&p, &r, now);
        let (r, _) = after_failure(&p, &r, now);
        assert_eq!(r.heat_strikes, MAX_HEAT_STRIKES);
        assert_eq!(r.cooling_until, Some(now + Duration::minutes(40)));
        let r = after_card(&p, &after_card(&p, &r, now), now);
        assert_eq!(r.heat_strikes, MAX_HEAT_STRIKES - 1);
        // A printer with no configured cool-down still rests once it fails.
        let bare = PrinterProfile {
            cooldown_min: 0.0,
            burst: None,
            ..p
        };
        let (r, _) = after_failure(&bare, &PrinterRun::default(), now);
        assert!(matches!(
            readiness(&bare, &r, now),
            Readiness::Cooling { .. }
        ));
    }

    #[test]
    fn working_hours_are_office_time() {
        let p = PrinterProfile {
            hours: Some((time!(08:00), time!(16:00))),
            ..profile()
        };
        // 02:00 UTC is 09:00 WIB; 10:00 UTC is 17:00 WIB.
        let r = PrinterRun::default();
        assert_eq!(
            readiness(&p, &r, datetime!(2026-11-27 02:00 UTC)),
            Readiness::Ready
        );
        assert_eq!(
            readiness(&p, &r, datetime!(2026-11-27 10:00 UTC)),
            Readiness::OutsideHours
        );
        assert_eq!(office_day(datetime!(2026-11-27 18:00 UTC)), "2026-11-28");
    }

    #[test]
    fn queue_order_is_raised_then_first_cards_then_longest_waiting() {
        let k = |raised, replacement, since: &str, id: &str| QueueKey {
            raised,
            replacement,
            waiting_since: since.into(),
            recording_id: id.into(),
        };
        let mut q = [
            k(false, true, "2014-01-01", "old-replacement"),
            k(false, false, "2015-01-01", "new-first"),
            k(false, false, "2014-06-01", "old-first"),
            k(true, true, "2016-01-01", "raised"),
        ];
        q.sort();
        let ids: Vec<_> = q.iter().map(|k| k.recording_id.as_str()).collect();
        assert_eq!(ids, ["raised", "old-first", "new-first", "old-replacement"]);
    }

    #[test]
    fn the_printer_with_most_capacity_left_takes_the_card() {
        let p = profile();
        let now = datetime!(2026-11-27 02:00 UTC);
        let busy_ish = PrinterRun {
            printed_today: 2,
            ..PrinterRun::default()
        };
        let fresh = PrinterRun::default();
        let paused = PrinterRun {
            paused: true,
            ..PrinterRun::default()
        };
        let pick = pick_printer([(1, &p, &busy_ish), (2, &p, &fresh), (3, &p, &paused)], now);
        assert_eq!(pick, Some(2));
        assert_eq!(next_wake([(&p, &paused)], now), None);
    }
}
