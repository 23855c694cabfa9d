//! Quality on generated data: the generator's truth file says who is who.

use std::collections::{HashMap, HashSet};

mod common;

use cetak_dedup::{Config, Outcome, run};
use common::backlog;

#[test]
fn pairwise_quality_on_a_generated_backlog() {
    let (recs, truth) = backlog(25_000, 2015);
    let result = run(&recs, &[], &Config::default());
    let cluster: Vec<u32> = result
        .outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| match o {
            Outcome::Duplicate { survivor } => *survivor,
            _ => i as u32,
        })
        .collect();
    let pairs_of = |labels: &[String]| -> HashSet<(usize, usize)> {
        let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, l) in labels.iter().enumerate() {
            groups.entry(l.as_str()).or_default().push(i);
        }
        groups
            .values()
            .flat_map(|g| {
                g.iter()
                    .enumerate()
                    .flat_map(move |(x, &a)| g[x + 1..].iter().map(move |&b| (a, b)))
            })
            .collect()
    };
    let predicted = pairs_of(&cluster.iter().map(u32::to_string).collect::<Vec<_>>());
    let actual = pairs_of(&truth);
    let tp = predicted.intersection(&actual).count() as f64;
    let precision = tp / predicted.len().max(1) as f64;
    let recall = tp / actual.len().max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall);
    let awaiting = result
        .outcomes
        .iter()
        .filter(|o| **o == Outcome::AwaitingDecision)
        .count();
    println!(
        "precision {precision:.4} recall {recall:.4} f1 {f1:.4} review {} awaiting {awaiting} compared {}",
        result.review.len(),
        result.compared
    );
    println!("lambda {:.4} m {:?}", result.model.lambda, result.model.m);
    assert!(f1 > 0.95, "f1 {f1}");
    assert!(
        (awaiting as f64) < 0.02 * recs.len() as f64,
        "review queue {awaiting}"
    );
}
