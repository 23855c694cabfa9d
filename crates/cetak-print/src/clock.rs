//! Time that does not run backwards when the office PC's clock does.
//!
//! After a power cut an office PC may wake up in the year 2000, or a day ahead. The spool's
//! daily capacity, cool-downs and audit times must not follow it. Two guards:
//! - across runs, the store keeps the latest time it recorded (the high-water mark); a wall
//!   clock behind it is not believed — the mark is used and the operator is warned;
//! - within a run, the monotonic clock is the truth; when the wall clock drifts away from it
//!   by more than [`TOLERANCE`], the run keeps its own time and warns.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// How far the wall clock may disagree before it is distrusted.
pub const TOLERANCE: Duration = Duration::minutes(2);

/// A warning about the wall clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "clock", rename_all = "snake_case")]
pub enum ClockWarning {
    /// The wall clock is behind the last recorded time.
    Behind {
        /// What the wall clock said.
        #[serde(with = "time::serde::rfc3339")]
        wall: OffsetDateTime,
        /// The last time the store recorded.
        #[serde(with = "time::serde::rfc3339")]
        last_recorded: OffsetDateTime,
    },
    /// The wall clock jumped during the run.
    Jumped {
        /// What the wall clock said.
        #[serde(with = "time::serde::rfc3339")]
        wall: OffsetDateTime,
        /// What the run believes.
        #[serde(with = "time::serde::rfc3339")]
        believed: OffsetDateTime,
    },
}

impl ClockWarning {
    /// For the operator.
    pub fn message(&self) -> String {
        match self {
            ClockWarning::Behind {
                wall,
                last_recorded,
            } => format!(
                "the computer clock ({wall}) is behind the last recorded print ({last_recorded}); using the recorded time — set the clock"
            ),
            ClockWarning::Jumped { wall, believed } => format!(
                "the computer clock jumped to {wall} during the run; keeping {believed} — set the clock"
            ),
        }
    }
}

/// A run's clock: starts from the wall clock checked against the high-water mark, then
/// advances with the monotonic clock.
#[derive(Debug, Clone)]
pub struct RunClock {
    start: OffsetDateTime,
}

impl RunClock {
    /// Start a run at `wall`, knowing the store's latest recorded time.
    pub fn start(
        wall: OffsetDateTime,
        high_water: Option<OffsetDateTime>,
    ) -> (RunClock, Option<ClockWarning>) {
        match high_water {
            Some(last) if wall + TOLERANCE < last => (
                RunClock { start: last },
                Some(ClockWarning::Behind {
                    wall,
                    last_recorded: last,
                }),
            ),
            Some(last) => (
                RunClock {
                    start: wall.max(last),
                },
                None,
            ),
            None => (RunClock { start: wall }, None),
        }
    }

    /// The effective time after `elapsed` of monotonic time, given what the wall clock says.
    pub fn now(
        &self,
        wall: OffsetDateTime,
        elapsed: std::time::Duration,
    ) -> (OffsetDateTime, Option<ClockWarning>) {
        let believed = self.start + elapsed;
        if (wall - believed).abs() > TOLERANCE {
            (believed, Some(ClockWarning::Jumped { wall, believed }))
        } else {
            (wall.max(self.start), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_clock_behind_the_last_record_is_not_believed() {
        let last = datetime!(2026-11-27 09:00 UTC);
        let (c, w) = RunClock::start(datetime!(2000-01-01 00:00 UTC), Some(last));
        assert!(matches!(w, Some(ClockWarning::Behind { .. })));
        let (now, _) = c.now(
            datetime!(2000-01-01 00:00 UTC),
            std::time::Duration::from_secs(60),
        );
        assert_eq!(now, last + Duration::minutes(1));
    }

    #[test]
    fn a_small_drift_is_fine_and_a_jump_during_a_run_is_ignored() {
        let start = datetime!(2026-11-27 09:00 UTC);
        let (c, w) = RunClock::start(start, Some(start - Duration::seconds(30)));
        assert_eq!(w, None);
        let (now, w) = c.now(
            start + Duration::seconds(10),
            std::time::Duration::from_secs(10),
        );
        assert_eq!((now, w), (start + Duration::seconds(10), None));
        let (now, w) = c.now(
            start + Duration::days(1),
            std::time::Duration::from_secs(20),
        );
        assert_eq!(now, start + Duration::seconds(20));
        assert!(matches!(w, Some(ClockWarning::Jumped { .. })));
    }
}
