//! The DST's torture seeds without the test harness, for profiling: `cargo run --release -p
//! cetak-sim --example torture_seeds -- [SEEDS]` runs the same seeds as `tests/dst.rs`'s
//! `the_promises_hold_for_many_seeds_of_a_hard_office` and prints a digest of their outcomes.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cetak_sim::{Scenario, run};

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let (mut cards, mut crashes, mut inspections, mut violations) = (0u64, 0u64, 0u64, 0usize);
    for seed in 0..seeds {
        let Ok(out) = run(&Scenario::torture_for_seed(seed), seed, false) else {
            eprintln!("seed {seed}: the torture scenario is invalid");
            std::process::exit(2);
        };
        cards += out.cards_printed;
        crashes += u64::from(out.crashes);
        inspections += out.inspections;
        violations += out.invariant_violations.len();
    }
    println!(
        "{seeds} seeds: {cards} cards, {crashes} crashes, {inspections} inspections, {violations} violations"
    );
}
