//! One data ganda run over the whole registry (`cetak dedup`, and the review page after a
//! supervisor's decision): read the recordings and their prints, score and cluster them
//! (`cetak-dedup`), write the outcomes and pairs in one go (`Store::apply_dedup`).

use std::time::Instant;

use cetak_dedup::{Config, PrintStats};
use cetak_domain::lifecycle::Actor;
use cetak_print::clock::ClockWarning;
use cetak_store::{DedupSummary, Store};

use crate::{OfficeError, wall_now};

/// Where a run is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupPhase {
    /// Reading the registry.
    Reading,
    /// Comparing this many recordings.
    Comparing {
        /// Recordings.
        recordings: u64,
    },
    /// Writing the decisions and this many pairs.
    Writing {
        /// Pairs compared.
        pairs: u64,
    },
}

/// What one run did.
#[derive(Debug)]
pub struct DedupRun {
    /// The outcomes written.
    pub summary: DedupSummary,
    /// Recordings read.
    pub recordings: u64,
    /// Candidate pairs scored.
    pub compared_pairs: u64,
    /// Blocks too large to compare whole.
    pub skipped_blocks: u64,
    /// What the fingerprints did.
    pub prints: PrintStats,
    /// Seconds the run took.
    pub seconds: f64,
    /// The computer clock was wrong; the guarded office time was used.
    pub clock_warning: Option<ClockWarning>,
}

/// Run data ganda over the whole registry and apply the outcome. `process_ends`: leave the
/// recordings to the operating system instead of freeing millions of strings one by one just
/// before the process exits (the one-shot command).
pub fn run(
    store: &mut Store,
    config: &Config,
    actor: &Actor,
    on_phase: &mut dyn FnMut(DedupPhase),
    process_ends: bool,
) -> Result<DedupRun, OfficeError> {
    let started = Instant::now();
    on_phase(DedupPhase::Reading);
    let (recs, states, decisions) = store.dedup_input()?;
    let (prints, refused) = store.dedup_prints(&recs)?;
    if refused > 0 {
        tracing::warn!(
            refused,
            "stored templates that do not parse count as missing"
        );
    }
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        recordings = recs.len(),
        "registry read"
    );
    on_phase(DedupPhase::Comparing {
        recordings: recs.len() as u64,
    });
    let result = cetak_dedup::run_with_prints(&recs, &prints, &decisions, config);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        pairs = result.compared,
        "pairs scored and clustered"
    );
    on_phase(DedupPhase::Writing {
        pairs: result.compared,
    });
    // The time is taken when the outcomes are written, after a comparison that may be long.
    let clock = store.office_time(wall_now())?;
    let summary = store.apply_dedup(&recs, &states, &result, actor, clock.now)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        transitions = summary.transitions,
        "outcomes written"
    );
    let recordings = recs.len() as u64;
    let (compared_pairs, skipped_blocks) = (result.compared, result.skipped_blocks);
    let print_stats = result.prints.clone();
    if process_ends {
        std::mem::forget((recs, states, result, prints));
    }
    Ok(DedupRun {
        summary,
        recordings,
        compared_pairs,
        skipped_blocks,
        prints: print_stats,
        seconds: started.elapsed().as_secs_f64(),
        clock_warning: clock.warning,
    })
}
