//! 1:N search: a gallery of stored templates and an inverted index over their pair tables.
//!
//! Why: scoring a probe against every stored template costs N comparisons; most stored
//! templates share nothing with the probe, and that shows in their pairs already. Each
//! minutia's pairs with its nearest neighbours ([`NEIGHBOURS`], at least 20 px long so that the
//! line's direction is steady) are quantised into a key (length, the two relative angles:
//! invariant under rotation and translation), and the index lists, per key, the templates
//! holding such a pair and the pair's direction. A probe looks up its own pairs' keys (both
//! orders, and the neighbouring bin of each measure that lies near a bin edge, so noise does not
//! hide a pair); every hit is a vote for (template, rotation implied by the two directions). A
//! mate collects many votes in one rotation bin, a stranger's votes scatter; the templates whose
//! best rotation bin stands highest above twice their mean bin are the shortlist, and only they
//! are scored fully ([`score`]).

use crate::matcher::{Features, MAX_PAIR_PX, Point, Probe, Source, dir256, score};

/// Key sizes: length in half pixels (4 px bins), angles in 1/256 turn (11.25° bins); a probe
/// value within 3 units of a bin edge also looks next door (coarser bins lengthened the
/// posting lists and lost rank-1 on the realistic generator).
const KEY_D: i32 = 8;
const KEY_A: i32 = 8;
const KEY_D_BINS: usize = 256 / KEY_D as usize;
const KEY_A_BINS: usize = 256 / KEY_A as usize;
const KEYS: usize = KEY_D_BINS * KEY_A_BINS * KEY_A_BINS;
/// Rotation bins of the vote (each 1/16 turn; a vote goes to the two nearest).
const ROT_BINS: usize = 16;

/// How many times over a template's mean votes per rotation bin are taken off its best bin's
/// (in halves): strangers with many pairs gather chance votes in every bin, a mate in one.
const BACKGROUND: i32 = 4;

/// Fewest templates fully scored per search (more when `top_k` asks for more).
pub const MIN_SHORTLIST: usize = 24;

fn key(d: u8, a1: u8, a2: u8) -> usize {
    let db = usize::from(d) / KEY_D as usize;
    let b1 = usize::from(a1) / KEY_A as usize;
    let b2 = usize::from(a2) / KEY_A as usize;
    (db * KEY_A_BINS + b1) * KEY_A_BINS + b2
}

/// The bins of one coordinate a probe value looks in: its own, and the neighbour when the
/// value lies within `edge` of the boundary (angles wrap, lengths stop at the ends).
fn soft(v: u8, size: i32, bins: usize, edge: i32, wrap: bool) -> ([usize; 2], usize) {
    let v = i32::from(v);
    let b = v / size;
    let r = v % size;
    let other = if r < edge {
        b - 1
    } else if r >= size - edge {
        b + 1
    } else {
        return ([b as usize, 0], 1);
    };
    let n = bins as i32;
    let other = if wrap {
        other.rem_euclid(n)
    } else if (0..n).contains(&other) {
        other
    } else {
        return ([b as usize, 0], 1);
    };
    ([b as usize, other as usize], 2)
}

/// The keys a probe pair looks up (up to 8): a stored pair whose measures moved a little
/// across a bin boundary is still found.
fn soft_keys(d: u8, a1: u8, a2: u8, out: &mut [usize; 8]) -> usize {
    let (db, nd) = soft(d, KEY_D, KEY_D_BINS, SOFT_D, false);
    let (b1, n1) = soft(a1, KEY_A, KEY_A_BINS, SOFT_A, true);
    let (b2, n2) = soft(a2, KEY_A, KEY_A_BINS, SOFT_A, true);
    let mut n = 0;
    for &x in &db[..nd] {
        for &y in &b1[..n1] {
            for &z in &b2[..n2] {
                out[n] = (x * KEY_A_BINS + y) * KEY_A_BINS + z;
                n += 1;
            }
        }
    }
    n
}

/// How near a bin boundary (half pixels, 1/256 turn) a probe value also looks next door.
const SOFT_D: i32 = 3;
const SOFT_A: i32 = 3;

/// Each minutia's pairs with this many nearest neighbours are indexed (short pairs survive
/// distortion best, and a few per minutia keep the posting lists short).
const NEIGHBOURS: usize = 8;

/// Shortest indexed pair, pixels: the direction of a shorter line is too noisy for its key.
const INDEX_MIN_PX: f32 = 20.0;

/// An indexed pair: length (half pixels), the two relative directions, the line's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct KeyPair {
    d: u8,
    a1: u8,
    a2: u8,
    dir: u8,
}

/// Each minutia with its [`NEIGHBOURS`] nearest (between the matcher's pair lengths), each pair
/// once, in the order of the minutiae's positions in `points`.
fn index_pairs(points: &[Point]) -> Vec<KeyPair> {
    let (lo, hi) = (INDEX_MIN_PX * INDEX_MIN_PX, MAX_PAIR_PX * MAX_PAIR_PX);
    let mut chosen: Vec<(usize, usize)> = Vec::with_capacity(points.len() * NEIGHBOURS);
    let mut near: Vec<(f32, usize)> = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        near.clear();
        for (j, q) in points.iter().enumerate() {
            let d2 = (q.x - p.x).powi(2) + (q.y - p.y).powi(2);
            if j != i && (lo..=hi).contains(&d2) {
                near.push((d2, j));
            }
        }
        let k = NEIGHBOURS.min(near.len());
        if k == 0 {
            continue;
        }
        near.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        chosen.extend(near[..k].iter().map(|&(_, j)| (i.min(j), i.max(j))));
    }
    chosen.sort_unstable();
    chosen.dedup();
    chosen
        .into_iter()
        .map(|(i, j)| {
            let (p, q) = (points[i], points[j]);
            let (dx, dy) = (q.x - p.x, q.y - p.y);
            let d = ((dx * dx + dy * dy).sqrt() * 2.0).round().min(255.0) as u8;
            let dir = dir256(dx, dy);
            KeyPair {
                d,
                a1: p.angle.wrapping_sub(dir),
                a2: q.angle.wrapping_sub(dir),
                dir,
            }
        })
        .collect()
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
    /// Empty in an index-only gallery ([`Gallery::index_only`]).
    features: Vec<Features>,
    keep_features: bool,
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
            keep_features: true,
            postings: vec![Vec::new(); KEYS],
        }
    }

    /// A gallery that keeps only the index, not the templates' features (about 7 KB each):
    /// for a caller that holds the features itself and scores the [`Gallery::candidates`]
    /// on its own. Its [`Gallery::search`] finds nothing.
    pub fn index_only() -> Gallery {
        Gallery {
            keep_features: false,
            ..Gallery::new()
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
        self.add_features(id, &Features::new(source));
    }

    /// [`Gallery::add`] for a template whose features are already computed.
    pub fn add_features(&mut self, id: u32, f: &Features) {
        let slot = self.ids.len() as u32;
        for p in index_pairs(f.points()) {
            self.postings[key(p.d, p.a1, p.a2)].push(Posting { slot, dir: p.dir });
        }
        self.ids.push(id);
        if self.keep_features {
            self.features.push(f.clone());
        }
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
        let shortlist: Vec<usize> = self
            .shortlist(probe, top_k.saturating_mul(2).max(MIN_SHORTLIST))
            .into_iter()
            .map(|(_, slot)| slot)
            .collect();
        let mut scored: Vec<(u32, f32)> = shortlist
            .iter()
            .filter_map(|&slot| {
                let s = score(probe, self.features.get(slot)?);
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

    /// The `len` stored templates with the most index votes for `probe`, best first, with
    /// their votes (in the best rotation bin, above the template's own mean over the bins),
    /// unscored: for combining the votes of several fingers before scoring.
    pub fn candidates(&self, probe: &Probe, len: usize) -> Vec<(u32, i32)> {
        self.shortlist(probe, len)
            .into_iter()
            .map(|(v, slot)| (self.ids[slot], v))
            .collect()
    }

    /// Gallery slots with the most index votes in their best rotation bin, at most `len`.
    fn shortlist(&self, probe: &Probe, len: usize) -> Vec<(i32, usize)> {
        let n = self.ids.len();
        let mut votes = vec![0u16; n * ROT_BINS];
        let mut keys = [0usize; 8];
        let mut both = Vec::new();
        for p in index_pairs(probe.points()) {
            let reversed = KeyPair {
                d: p.d,
                a1: p.a2.wrapping_sub(128),
                a2: p.a1.wrapping_sub(128),
                dir: p.dir.wrapping_add(128),
            };
            both.extend([p, reversed]);
        }
        for pq in &both {
            let n = soft_keys(pq.d, pq.a1, pq.a2, &mut keys);
            for &k in &keys[..n] {
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
        let mut best: Vec<(i32, usize)> = votes
            .chunks_exact(ROT_BINS)
            .enumerate()
            .filter_map(|(slot, v)| {
                // Votes in the best rotation bin above the template's own background (a
                // template with many pairs collects many chance votes in every bin), the
                // background counted [`BACKGROUND`] times over: in units of 1/ROT_BINS vote.
                let max = v.iter().copied().max().unwrap_or(0);
                if max < 2 {
                    return None;
                }
                let sum: i32 = v.iter().map(|&x| i32::from(x)).sum();
                Some((
                    i32::from(max) * ROT_BINS as i32 - BACKGROUND * sum / 2,
                    slot,
                ))
            })
            .collect();
        let len = len.min(best.len());
        if len == 0 {
            return Vec::new();
        }
        best.select_nth_unstable_by(len - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        best.truncate(len);
        best.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        best
    }
}
