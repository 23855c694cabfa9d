//! Fingerprints as evidence beside the demographic fields (issue 18, fusion).
//!
//! Why: demographics cannot tell twins apart (one birth date, mother and address, near given
//! names) and lose a resident who moved and was recorded again under a new NIK with a changed
//! spelling. Index-finger templates settle both: twins' prints differ, one person's do not.
//!
//! - **Score.** Both index fingers (positions 2 and 7) that both recordings have are compared
//!   with [`cetak_finger::score`]; the pair's finger score is their mean (one finger when only
//!   one is common). The mean of two fingers separates far better than either finger alone.
//! - **Levels.** The score falls into one of [`LEVELS`] (`non_match` < 10 ≤ `weak` < 18 ≤
//!   `match` < 25 ≤ `strong_match`; one finger needs 45 for `strong_match`). A pair where
//!   either side has no prints gets no finger level: weight 0, the demographic decision alone.
//! - **Calibration, like the other fields.** `u` per level from random pairs of recordings
//!   with prints (almost all different people), with half a count added to every level so
//!   that a level never seen by chance still has a finite weight; `m` by EM over the candidate
//!   pairs with prints, the demographic weights held fixed (the finger field is learned from
//!   what the other fields say, as each EM session learns the fields it did not select on).
//! - **Rules** (in `run`): both fingers `non_match` vetoes the pair's own link as the
//!   twin-name veto does (twins with prints are never linked: a twin pair above the veto is
//!   held by the twin rules unless its prints match strongly, which no impostor pair seen
//!   does); when clusters join, a pair's prints count against it by their level's weight like
//!   any field, not as a veto, so that one poor capture does not split a person whose other
//!   recordings match; `strong_match` links whatever the demographics (a moved resident with a
//!   new NIK, spelling and address) and overrides the twin rules; a recording whose
//!   demographics found no candidate is searched by prints alone in a
//!   [`cetak_finger::Gallery`].

use cetak_finger::{Features, Gallery, Probe, Template, template};
use rayon::prelude::*;
use serde::Serialize;

/// Finger positions compared: right and left index finger (ISO/IEC 19794-2 positions).
pub const POSITIONS: [u8; 2] = [2, 7];
/// Level labels, from "non_match" (0) to "strong_match".
pub const LEVELS: [&str; 4] = ["non_match", "weak", "match", "strong_match"];
/// Field name of the finger evidence.
pub const FIELD: &str = "sidik_jari";
/// Level index of a strong match.
pub const STRONG: u8 = 3;
/// Level index of a non-match.
pub const NON_MATCH: u8 = 0;

/// Mean score at or above which a pair's prints match weakly, match, match strongly (two
/// fingers). Measured with `scripts/bench-finger` (`DIAG=1`) on the generator's impressions:
/// 500 persons, 8 impressions, every genuine pair and one impostor pair per pair of persons —
/// impostor means of two fingers at 3.9 (median), 9.9 (99.99 %), 10.8 (highest of 124,750),
/// genuine means at 9.6 (1 % below), 14.4 (5 %), 28.2 (median); and 1,000 persons, recordings
/// 0 and 1 (`FINGERS=1000 IMPRESSIONS=2`) — impostor means up to 12.1 (highest of 499,500),
/// one finger alone up to 18.6. A strong match (mean ≥ 13) is above every impostor seen; one
/// finger alone needs 24. The veto (`non_match`: a two-finger mean below 6.5), measured on
/// that second set: below 5, 0 % of the 1,000 genuine pairs and 80 % of impostors; below 6,
/// 0.1 % and 93 %; below 7, 0.4 % and 98 %. It sits just above the twin pair with identical
/// demographics in `tests/fusion.rs` (mean 6.2; a veto at 5.5 let it through to a link). The
/// levels of the unweighted matcher were 10/18/25/45 (its scores ran about 1.6 times higher).
/// The `weak` band above carries the weight EM gives it (negative: impostors are far more
/// common there).
const WEAK: f32 = 6.5;
const MATCH: f32 = 9.0;
const STRONG_TWO: f32 = 13.0;
/// One finger alone needs more for a strong match.
const STRONG_ONE: f32 = 24.0;

/// One finger of one recording, ready to compare.
struct Finger {
    template: Template,
    features: Features,
}

/// A recording's index-finger templates (either may be missing).
#[derive(Default)]
pub struct Prints {
    fingers: [Option<Box<Finger>>; 2],
}

impl std::fmt::Debug for Prints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prints")
            .field("jari_02", &self.fingers[0].is_some())
            .field("jari_07", &self.fingers[1].is_some())
            .finish()
    }
}

impl Prints {
    /// No prints.
    pub fn none() -> Prints {
        Prints::default()
    }

    /// From the stored records of positions 2 and 7 (ISO/IEC 19794-2 or ANSI 378 bytes),
    /// parsed once. A record that does not parse, or has no minutiae, counts as missing; the
    /// refusals are returned so that the caller can say which.
    pub fn parse(
        jari_02: Option<&[u8]>,
        jari_07: Option<&[u8]>,
    ) -> (Prints, Vec<template::TemplateError>) {
        let mut errors = Vec::new();
        let mut one = |bytes: Option<&[u8]>| {
            let t = match template::parse(bytes?) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(e);
                    return None;
                }
            };
            let features = Features::new(&t);
            (!features.points().is_empty()).then(|| {
                Box::new(Finger {
                    template: t,
                    features,
                })
            })
        };
        let fingers = [one(jari_02), one(jari_07)];
        (Prints { fingers }, errors)
    }

    /// Whether no finger is present.
    pub fn is_empty(&self) -> bool {
        self.fingers.iter().all(Option::is_none)
    }

    fn probes(&self) -> [Option<Probe>; 2] {
        [0, 1].map(|f| self.fingers[f].as_ref().map(|x| Probe::new(&x.template)))
    }
}

/// The finger scores of one pair: per position, when both recordings have it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PrintMatch {
    /// Score per position (2, 7); `None` where either side lacks the finger.
    pub scores: [Option<f32>; 2],
}

impl PrintMatch {
    fn compared(&self) -> impl Iterator<Item = f32> + '_ {
        self.scores.iter().flatten().copied()
    }

    /// Number of fingers compared.
    pub fn fingers(&self) -> usize {
        self.compared().count()
    }

    /// The fused score: the mean over the compared fingers (`None` for none).
    pub fn fused(&self) -> Option<f32> {
        let n = self.fingers();
        (n > 0).then(|| self.compared().sum::<f32>() / n as f32)
    }

    /// The level (index into [`LEVELS`]); `None` when no finger was compared.
    pub fn level(&self) -> Option<u8> {
        let s = self.fused()?;
        let strong = if self.fingers() >= 2 {
            STRONG_TWO
        } else {
            STRONG_ONE
        };
        Some(if s >= strong {
            STRONG
        } else if s >= MATCH {
            2
        } else if s >= WEAK {
            1
        } else {
            NON_MATCH
        })
    }

    /// Both fingers compared and neither close: two people whatever the demographics say
    /// (the veto).
    pub fn differ(&self) -> bool {
        self.fingers() >= 2 && self.level() == Some(NON_MATCH)
    }

    /// The prints match strongly: one person whatever the demographics say.
    pub fn strong(&self) -> bool {
        self.level() == Some(STRONG)
    }
}

/// Compare two recordings' prints (`None` when no finger is common).
pub fn compare(a: &Prints, b: &Prints) -> Option<PrintMatch> {
    compare_with(&a.probes(), b)
}

fn compare_with(probes: &[Option<Probe>; 2], b: &Prints) -> Option<PrintMatch> {
    let scores: [Option<f32>; 2] = std::array::from_fn(|f| {
        let (p, g) = (probes[f].as_ref()?, b.fingers[f].as_ref()?);
        Some(cetak_finger::score(p, &g.features))
    });
    let m = PrintMatch { scores };
    (m.fingers() > 0).then_some(m)
}

/// Finger scores of many pairs (sorted by `a`, as candidate pairs are): each probe is built
/// once per run of pairs that share it.
pub(crate) fn score_pairs(prints: &[Prints], pairs: &[(u32, u32)]) -> Vec<Option<PrintMatch>> {
    let has = |i: u32| prints.get(i as usize).is_some_and(|p| !p.is_empty());
    // Runs of one `a`, in parallel; pairs where either side has no prints are skipped.
    let runs: Vec<&[(u32, u32)]> = pairs.chunk_by(|x, y| x.0 == y.0).collect();
    runs.par_iter()
        .flat_map_iter(|run| {
            let a = run[0].0;
            let probes = if has(a) && run.iter().any(|&(_, b)| has(b)) {
                Some(prints[a as usize].probes())
            } else {
                None
            };
            run.iter()
                .map(move |&(_, b)| {
                    let probes = probes.as_ref()?;
                    if !has(b) {
                        return None;
                    }
                    compare_with(probes, &prints[b as usize])
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The finger field's fitted parameters.
#[derive(Debug, Clone, Serialize)]
pub struct FingerModel {
    /// P(level | same person).
    pub m: [f64; 4],
    /// P(level | different people).
    pub u: [f64; 4],
    /// Random pairs scored for `u`.
    pub random_pairs: u64,
    /// Candidate pairs with prints that EM learned `m` from.
    pub candidate_pairs: u64,
    /// EM iterations.
    pub iterations: u32,
}

impl Default for FingerModel {
    fn default() -> Self {
        FingerModel {
            m: [0.01, 0.02, 0.07, 0.9],
            u: [0.97, 0.02, 0.009, 0.001],
            random_pairs: 0,
            candidate_pairs: 0,
            iterations: 0,
        }
    }
}

impl FingerModel {
    /// Weight (log2 Bayes factor) of a level.
    pub fn weight(&self, level: u8) -> f64 {
        let l = usize::from(level.min(3));
        (self.m[l] / self.u[l].max(1e-12)).log2()
    }

    /// Fit on the data: `u` from random pairs of recordings with prints, `m` by EM over the
    /// candidate pairs' finger levels with their demographic log2 odds (`demographic`, prior
    /// included: the candidates' match share) held fixed.
    pub(crate) fn fit(prints: &[Prints], candidates: &[(u8, f64)]) -> FingerModel {
        let mut model = FingerModel::default();
        let with: Vec<u32> = (0..prints.len() as u32)
            .filter(|&i| !prints[i as usize].is_empty())
            .collect();
        if with.len() >= 2 {
            // Probes are the costly part: few probes, many random partners each.
            let probes = with.len().min(256);
            let partners = 200;
            let counts: Vec<[u64; 4]> = (0..probes)
                .into_par_iter()
                .map(|k| {
                    let mut rng =
                        crate::model::SplitMix(0x005E_EDF1 ^ (k as u64).wrapping_mul(0x9E37_79B9));
                    let a = with[(rng.next() % with.len() as u64) as usize];
                    let probes = prints[a as usize].probes();
                    let mut c = [0u64; 4];
                    for _ in 0..partners {
                        let b = with[(rng.next() % with.len() as u64) as usize];
                        if b == a {
                            continue;
                        }
                        if let Some(l) =
                            compare_with(&probes, &prints[b as usize]).and_then(|m| m.level())
                        {
                            c[usize::from(l)] += 1;
                        }
                    }
                    c
                })
                .collect();
            let mut c = [0u64; 4];
            for part in counts {
                for (x, y) in c.iter_mut().zip(part) {
                    *x += y;
                }
            }
            let total: u64 = c.iter().sum();
            if total > 0 {
                model.random_pairs = total;
                model.u = std::array::from_fn(|l| (c[l] as f64 + 0.5) / (total as f64 + 2.0));
            }
        }
        model.candidate_pairs = candidates.len() as u64;
        if candidates.len() >= 10 {
            for _ in 0..50 {
                model.iterations += 1;
                let mut mc = [0.5f64; 4];
                for &(level, demographic) in candidates {
                    let l = usize::from(level.min(3));
                    let odds = demographic.clamp(-60.0, 60.0).exp2() * model.m[l] / model.u[l];
                    mc[l] += odds / (1.0 + odds);
                }
                let total: f64 = mc.iter().sum();
                let next: [f64; 4] = std::array::from_fn(|l| mc[l] / total);
                let change: f64 = next.iter().zip(&model.m).map(|(a, b)| (a - b).abs()).sum();
                model.m = next;
                if change < 1e-6 {
                    break;
                }
            }
        }
        model
    }
}

/// A search worker's memory: per recording its summed index value (`None`: no vote yet), the
/// recordings with a sum, and one finger's values.
struct SearchMemory {
    sums: Vec<Option<i32>>,
    voted: Vec<u32>,
    values: Vec<(u32, i32)>,
}

/// Recordings searched by prints alone (in a run: those with prints that no demographic
/// candidate pair touches): each against galleries of every other recording's prints, one per
/// finger. The index values of both fingers are added per recording over every recording
/// (a mate gathers votes on both, a stranger's chance votes rarely coincide; adding them over
/// each finger's 64 best only put the mate among the 4 best in 57 % of searches at 25,000
/// persons, over all of them in 64.5 %), the `top` recordings with the highest sums are scored
/// with both fingers, and a strong match becomes a pair `(lower, higher)`. Returns the pairs
/// and the number searched.
pub fn search_by_prints(
    prints: &[Prints],
    searched: &[u32],
    top: usize,
) -> (Vec<(u32, u32)>, usize) {
    // Index only: the features are in `prints` already, and only they are scored.
    let mut galleries = [Gallery::index_only(), Gallery::index_only()];
    for (f, gallery) in galleries.iter_mut().enumerate() {
        for (i, p) in prints.iter().enumerate() {
            if let Some(x) = &p.fingers[f] {
                // A registry past the index's 16.7 million templates is searched in the first
                // ones only (a kabupaten holds a few million recordings at most).
                if gallery.add_features(i as u32, &x.features).is_err() {
                    break;
                }
            }
        }
        gallery.prepare();
    }
    // Per-worker memory, reused from one search to the next.
    let fresh = || SearchMemory {
        sums: vec![None; prints.len()],
        voted: Vec::new(),
        values: Vec::new(),
    };
    let found: Vec<Vec<(u32, u32)>> = searched
        .par_iter()
        .map_init(fresh, |memory, &a| {
            let Some(p) = prints.get(a as usize) else {
                return Vec::new();
            };
            let probes = p.probes();
            let SearchMemory {
                sums,
                voted,
                values,
            } = memory;
            // Sum per recording over both fingers; `voted` lists each recording once.
            for (probe, gallery) in probes.iter().zip(&galleries) {
                if let Some(probe) = probe {
                    gallery.values_into(probe, values);
                    for &(id, v) in values.iter() {
                        let Some(sum) = sums.get_mut(id as usize) else {
                            continue;
                        };
                        match sum {
                            Some(s) => *s += v,
                            None => {
                                *sum = Some(v);
                                voted.push(id);
                            }
                        }
                    }
                }
            }
            // Highest sum first (ties: lower index first); the sums are cleared for the next
            // search as they are read.
            let mut ranked: Vec<(i32, u32)> = voted
                .drain(..)
                .filter_map(|b| {
                    let sum = sums.get_mut(b as usize)?.take()?;
                    (b != a).then_some((sum, b))
                })
                .collect();
            let order = |x: &(i32, u32), y: &(i32, u32)| y.0.cmp(&x.0).then(x.1.cmp(&y.1));
            let keep = top.min(ranked.len());
            if keep == 0 {
                return Vec::new();
            }
            ranked.select_nth_unstable_by(keep - 1, order);
            ranked.truncate(keep);
            ranked.sort_unstable_by(order);
            // By reference: collecting `into_iter()` would reuse `ranked`'s buffer (room for
            // every voted recording) for the few pairs kept, and every search's result is
            // kept until the end (5.6 GB at 25,000 recordings).
            ranked
                .iter()
                .filter(|&&(_, b)| {
                    compare_with(&probes, &prints[b as usize]).is_some_and(|m| m.strong())
                })
                .map(|&(_, b)| (a.min(b), a.max(b)))
                .collect()
        })
        .collect();
    let mut pairs: Vec<(u32, u32)> = found.into_iter().flatten().collect();
    pairs.sort_unstable();
    pairs.dedup();
    (pairs, searched.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_has_words_in_both_languages() {
        for code in LEVELS.iter().chain(&[FIELD]) {
            let (id, en) =
                crate::model::words(code).unwrap_or_else(|| panic!("no words for {code}"));
            assert!(!id.is_empty() && !en.is_empty());
        }
    }

    #[test]
    fn levels_follow_the_fused_score() {
        let m = |a: Option<f32>, b: Option<f32>| PrintMatch { scores: [a, b] };
        assert_eq!(m(Some(80.0), Some(50.0)).level(), Some(STRONG));
        assert_eq!(m(Some(14.0), Some(12.0)).level(), Some(STRONG));
        assert_eq!(m(Some(14.0), Some(11.8)).level(), Some(2), "mean below 13");
        assert_eq!(
            m(Some(20.0), None).level(),
            Some(2),
            "one finger needs more"
        );
        assert_eq!(m(Some(24.0), None).level(), Some(STRONG));
        assert_eq!(m(Some(9.0), Some(9.0)).level(), Some(2));
        assert_eq!(m(Some(9.0), Some(8.8)).level(), Some(1));
        assert_eq!(m(Some(6.5), Some(6.5)).level(), Some(1));
        assert_eq!(m(Some(6.5), Some(6.4)).level(), Some(NON_MATCH));
        assert_eq!(m(Some(3.0), Some(7.8)).level(), Some(NON_MATCH));
        assert!(m(Some(3.0), Some(7.8)).differ());
        assert!(!m(Some(3.0), None).differ(), "one finger never vetoes");
        assert_eq!(m(None, None).level(), None);
    }

    #[test]
    fn impressions_of_one_person_match_and_of_two_do_not() {
        let prints = |person: u64, recording: u64| {
            let a = cetak_finger::synth::impression(person, 2, recording);
            let b = cetak_finger::synth::impression(person, 7, recording);
            Prints::parse(Some(&a), Some(&b)).0
        };
        let same = compare(&prints(11, 0), &prints(11, 1)).expect("two fingers");
        assert_eq!(same.fingers(), 2);
        assert!(same.strong(), "{same:?}");
        let other = compare(&prints(11, 0), &prints(12, 0)).expect("two fingers");
        assert!(other.differ(), "{other:?}");
        assert!(compare(&prints(11, 0), &Prints::none()).is_none());
    }
}
