//! 1:N search: a gallery of stored templates and an inverted index over their pair tables.
//!
//! Why: scoring a probe against every stored template costs N comparisons; most stored
//! templates share nothing with the probe, and that shows in their pairs already. Each stored
//! pair (length, the two relative angles: invariant under rotation and translation) is
//! quantised into a key, and the index lists, per key, the templates holding such a pair and
//! the pair's direction. A probe looks up its own pairs' keys (both orders); every hit is a
//! vote for (template, rotation implied by the two directions). A mate collects many votes in
//! one rotation bin, a stranger's votes scatter; the templates with the most votes in their
//! best rotation bin are the shortlist, and only they are scored fully ([`score`]).

use crate::matcher::{Features, Probe, Source, score};

/// Key sizes: length in half pixels (4 px bins), angles in 1/256 turn (11.25° bins: finer than the
/// matcher's cells, so the posting lists stay short at 25,000 templates; finer still loses recall).
const KEY_D: i32 = 8;
const KEY_A: i32 = 8;
const KEY_D_BINS: usize = 256 / KEY_D as usize;
const KEY_A_BINS: usize = 256 / KEY_A as usize;
const KEYS: usize = KEY_D_BINS * KEY_A_BINS * KEY_A_BINS;
/// Rotation bins of the vote (each 1/16 turn; a vote goes to the two nearest).
const ROT_BINS: usize = 16;

/// Fewest templates fully scored per search (more when `top_k` asks for more).
pub const MIN_SHORTLIST: usize = 24;

fn key(d: u8, a1: u8, a2: u8) -> usize {
    let db = usize::from(d) / KEY_D as usize;
    let b1 = usize::from(a1) / KEY_A as usize;
    let b2 = usize::from(a2) / KEY_A as usize;
    (db * KEY_A_BINS + b1) * KEY_A_BINS + b2
}

/// One posting: which template (its position in the gallery) and the pair's direction.
#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    dir: u8,
}

/// Stored templates for 1:N search.
#[derive(Debug)]
pub struct Gallery {
    ids: Vec<u32>,
    features: Vec<Features>,
    postings: Vec<Vec<Posting>>,
}

impl Default for Gallery {
    fn default() -> Self {
        Gallery::new()
    }
}

/// What a search did besides finding: for measuring that the index pays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Templates in the gallery.
    pub gallery: usize,
    /// Templates scored fully.
    pub scored: usize,
}

impl Gallery {
    pub fn new() -> Gallery {
        Gallery {
            ids: Vec::new(),
            features: Vec::new(),
            postings: vec![Vec::new(); KEYS],
        }
    }

    /// Number of stored templates.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Store a template (its first view) under `id`. Ids need not be unique: each addition is
    /// its own entry.
    pub fn add(&mut self, id: u32, source: &impl Source) {
        let f = Features::new(source);
        let slot = self.ids.len() as u32;
        for p in f.pairs() {
            self.postings[key(p.d, p.a1, p.a2)].push(Posting { slot, dir: p.dir });
        }
        self.ids.push(id);
        self.features.push(f);
    }

    /// The `top_k` best stored templates for `probe`, best first, with their [`score`]s;
    /// templates with score 0 are left out.
    pub fn search(&self, probe: &Probe, top_k: usize) -> Vec<(u32, f32)> {
        self.search_with_stats(probe, top_k).0
    }

    /// [`Gallery::search`], also saying how many templates were scored fully.
    pub fn search_with_stats(&self, probe: &Probe, top_k: usize) -> (Vec<(u32, f32)>, SearchStats) {
        let n = self.ids.len();
        if n == 0 || top_k == 0 {
            return (Vec::new(), SearchStats::default());
        }
        let shortlist = self.shortlist(probe, top_k.saturating_mul(2).max(MIN_SHORTLIST));
        let mut scored: Vec<(u32, f32)> = shortlist
            .iter()
            .filter_map(|&slot| {
                let s = score(probe, &self.features[slot]);
                (s > 0.0).then(|| (self.ids[slot], s))
            })
            .collect();
        // Best first; equal scores keep the shortlist's order (deterministic).
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(top_k);
        let stats = SearchStats {
            gallery: n,
            scored: shortlist.len(),
        };
        (scored, stats)
    }

    /// Gallery slots with the most index votes in their best rotation bin, at most `len`.
    fn shortlist(&self, probe: &Probe, len: usize) -> Vec<usize> {
        let n = self.ids.len();
        let mut votes = vec![0u16; n * ROT_BINS];
        for pq in probe.filed_pairs() {
            let keys = [key(pq.d, pq.a1, pq.a2)];
            for k in keys {
                for post in &self.postings[k] {
                    // The rotation's bin and its nearer neighbour both get the vote.
                    let r = usize::from(post.dir.wrapping_sub(pq.dir));
                    let b0 = r / 16;
                    let b1 = (if r % 16 >= 8 {
                        b0 + 1
                    } else {
                        b0 + ROT_BINS - 1
                    }) % ROT_BINS;
                    let base = post.slot as usize * ROT_BINS;
                    votes[base + b0] = votes[base + b0].saturating_add(1);
                    votes[base + b1] = votes[base + b1].saturating_add(1);
                }
            }
        }
        let mut best: Vec<(u16, usize)> = votes
            .chunks_exact(ROT_BINS)
            .enumerate()
            .map(|(slot, v)| {
                // Votes in the best rotation bin above the template's own background (a
                // template with many pairs collects many chance votes in every bin).
                let max = v.iter().copied().max().unwrap_or(0);
                let sum: u32 = v.iter().map(|&x| u32::from(x)).sum();
                (max.saturating_sub((sum / ROT_BINS as u32) as u16), slot)
            })
            .filter(|&(v, _)| v > 0)
            .collect();
        let len = len.min(best.len());
        if len == 0 {
            return Vec::new();
        }
        best.select_nth_unstable_by(len - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        best.truncate(len);
        best.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        best.into_iter().map(|(_, slot)| slot).collect()
    }
}
