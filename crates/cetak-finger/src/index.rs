//! 1:N search: a gallery of stored templates and an inverted index over their pair tables.
//!
//! Why: scoring a probe against every stored template costs N comparisons; most stored
//! templates share nothing with the probe, and that shows in their pairs already. Each
//! minutia's pairs with its nearest neighbours ([`NEIGHBOURS`], at least 20 px long so that the
//! line's direction is steady) are quantised into a key (length, the two relative angles:
//! invariant under rotation and translation), and the index lists, per key and per band of
//! the line's direction, the templates holding such a pair and the pair's direction. A probe
//! looks up its own pairs' keys (both orders, and the neighbouring bin of each measure that
//! lies near a bin edge, so noise does not hide a pair), only in the direction bands within
//! [`MAX_TURN`] of its own pair's direction: two impressions of a finger on an enrolment
//! scanner are never turned further apart than that, so the other bands hold only strangers.
//! Every hit is a vote for (template, rotation implied by the two directions), weighed by how
//! rare its key is (a common key, such as two minutiae along the same ridge flow, is found in
//! many strangers and says little). A mate collects its votes in one rotation window, a
//! stranger's scatter; the templates whose best window stands highest above their mean window
//! are the shortlist, and only they are scored fully ([`score`]).

use crate::matcher::{Features, MAX_PAIR_PX, Point, Probe, Source, dir256, score};

/// Key sizes: length in half pixels (4 px bins), angles in 1/256 turn (11.25° bins); a probe
/// value within 3 units of a bin edge also looks next door (coarser bins lengthened the
/// posting lists and lost rank-1 on the realistic generator).
const KEY_D: i32 = 8;
const KEY_A: i32 = 8;
/// The first length bin an indexed pair can fall in ([`INDEX_MIN_PX`], in half pixels).
const KEY_D_FIRST: usize = (INDEX_MIN_PX as usize * 2) / KEY_D as usize;
const KEY_D_BINS: usize = (MAX_PAIR_PX as usize * 2) / KEY_D as usize + 1 - KEY_D_FIRST;
const KEY_A_BINS: usize = 256 / KEY_A as usize;
const KEYS: usize = KEY_D_BINS * KEY_A_BINS * KEY_A_BINS;

/// Farthest two impressions of one finger are taken to be turned apart, in 1/256 turn (about
/// 62°): fingers are placed upright on an enrolment scanner (the generator turns each capture
/// up to 25° either way). Hits implying a larger turn are not counted.
pub const MAX_TURN: i32 = 44;
/// The line directions of indexed pairs are filed in bands of this many 1/256 turn, so that a
/// probe pair reads only the bands within [`MAX_TURN`] of its own direction.
const DIR_BAND: i32 = 16;
const DIR_BANDS: usize = (256 / DIR_BAND) as usize;
/// Rotation is voted in fine bins of 1/32 turn over ±[`MAX_TURN`]; a window is four
/// neighbouring bins (45°), sliding one bin at a time.
const FINE_BIN: i32 = 8;
const FINE_BINS: usize = (2 * MAX_TURN / FINE_BIN + 1) as usize;
const WINDOW: usize = 4;
/// The fine bin of each turn (stored direction minus probe direction, as a byte), or
/// [`OUT_OF_TURN`] beyond ±[`MAX_TURN`]: one table load instead of a sign, a bound and a
/// division per posting.
const FINE_OF_TURN: [u8; 256] = {
    let mut table = [OUT_OF_TURN; 256];
    let mut t = -MAX_TURN;
    while t <= MAX_TURN {
        table[(t as u8) as usize] = ((t + MAX_TURN) / FINE_BIN) as u8;
        t += 1;
    }
    table
};
const OUT_OF_TURN: u8 = u8::MAX;

/// How many times over a template's mean votes per window are taken off its best window's (in
/// halves): strangers with many pairs gather chance votes in every window, a mate in one.
const BACKGROUND: i32 = 2;

/// The weight of a hit on a key whose posting list is `len` long, the gallery's lists being
/// `mean` long on average: about `8 · mean / len` (a hit on a list twice as long is half the
/// evidence), from 1 to 16. Plain counting let templates with many ordinary pairs crowd the
/// mates out: weighting by rarity (with the turn limit) put the mate among the 4 best of two
/// fingers' added votes in 57 % of searches instead of 27 % (25,000 templates).
fn hit_weight(len: u32, mean: f32) -> u16 {
    let w = 8.0 * mean / (len as f32 + 0.5 * mean);
    w.clamp(1.0, 16.0) as u16
}

/// Fewest templates fully scored per search (more when `top_k` asks for more).
pub const MIN_SHORTLIST: usize = 24;

/// A pair's length measured from the first length bin of the index (half pixels).
fn d_offset(d: u8) -> i32 {
    i32::from(d) - (KEY_D_FIRST as i32) * KEY_D
}

fn key(d: u8, a1: u8, a2: u8) -> usize {
    let db = (d_offset(d) / KEY_D).clamp(0, KEY_D_BINS as i32 - 1) as usize;
    let b1 = usize::from(a1) / KEY_A as usize;
    let b2 = usize::from(a2) / KEY_A as usize;
    (db * KEY_A_BINS + b1) * KEY_A_BINS + b2
}

/// The bins of one coordinate a probe value looks in: its own, and the neighbour when the
/// value lies within `edge` of the boundary (angles wrap, lengths stop at the ends).
fn soft(v: i32, size: i32, bins: usize, edge: i32, wrap: bool) -> ([usize; 2], usize) {
    let n = bins as i32;
    let b = (v.div_euclid(size)).clamp(0, n - 1);
    let r = v - b * size;
    let other = if r < edge {
        b - 1
    } else if r >= size - edge {
        b + 1
    } else {
        return ([b as usize, 0], 1);
    };
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
    let (db, nd) = soft(d_offset(d), KEY_D, KEY_D_BINS, SOFT_D, false);
    let (b1, n1) = soft(i32::from(a1), KEY_A, KEY_A_BINS, SOFT_A, true);
    let (b2, n2) = soft(i32::from(a2), KEY_A, KEY_A_BINS, SOFT_A, true);
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

impl KeyPair {
    /// The same pair read from its other end.
    fn reversed(self) -> KeyPair {
        KeyPair {
            d: self.d,
            a1: self.a2.wrapping_sub(128),
            a2: self.a1.wrapping_sub(128),
            dir: self.dir.wrapping_add(128),
        }
    }
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

/// One posting, packed in 32 bits: the template's position in the gallery (high 24 bits) and
/// the pair's direction (low 8). Half the bytes of a struct: the search streams through
/// millions of them, and memory bandwidth is what it spends.
#[derive(Debug, Clone, Copy)]
struct Posting(u32);

impl Posting {
    fn new(slot: u32, dir: u8) -> Posting {
        Posting((slot << 8) | u32::from(dir))
    }

    fn slot(self) -> usize {
        (self.0 >> 8) as usize
    }

    fn dir(self) -> u8 {
        self.0 as u8
    }
}

/// Most templates a gallery holds (a posting keeps the slot in 24 bits).
pub const MAX_TEMPLATES: usize = 1 << 24;

/// A search's working memory: the vote counters (per template and fine bin) and the ranked
/// templates; kept per thread and reused, so a search allocates neither.
#[derive(Default)]
struct Scratch {
    votes: Vec<u16>,
    ranked: Vec<(i32, u32)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The gallery is full ([`MAX_TEMPLATES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the gallery holds {MAX_TEMPLATES} templates already")]
pub struct GalleryFull;

/// Stored templates for 1:N search.
#[derive(Debug)]
pub struct Gallery {
    ids: Vec<u32>,
    /// Empty in an index-only gallery ([`Gallery::index_only`]).
    features: Vec<Features>,
    keep_features: bool,
    /// `postings[key]`: the stored pairs with that key; sorted by the line's direction once
    /// [`Gallery::prepare`] ran.
    postings: Vec<Vec<Posting>>,
    /// When prepared: `bands[key * (DIR_BANDS + 1) + b]` is where band `b` of the key's
    /// (sorted) list starts. Empty when not prepared: a search then reads whole lists.
    bands: Vec<u32>,
    /// Postings in all, and keys with at least one.
    total: u64,
    keys_used: u32,
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
            bands: Vec::new(),
            total: 0,
            keys_used: 0,
        }
    }

    /// A gallery that keeps only the index, not the templates' features (about 3.5 KB each):
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
    pub fn add(&mut self, id: u32, source: &impl Source) -> Result<(), GalleryFull> {
        self.add_features(id, &Features::new(source))
    }

    /// [`Gallery::add`] for a template whose features are already computed.
    pub fn add_features(&mut self, id: u32, f: &Features) -> Result<(), GalleryFull> {
        if self.ids.len() >= MAX_TEMPLATES {
            return Err(GalleryFull);
        }
        let slot = self.ids.len() as u32;
        self.bands.clear();
        for p in index_pairs(f.points()) {
            let list = &mut self.postings[key(p.d, p.a1, p.a2)];
            self.keys_used += u32::from(list.is_empty());
            list.push(Posting::new(slot, p.dir));
            self.total += 1;
        }
        self.ids.push(id);
        if self.keep_features {
            self.features.push(f.clone());
        }
        Ok(())
    }

    /// Sort each key's postings by direction, so that a search reads only the part of a list
    /// within [`MAX_TURN`] of its own pair and reads it in one stretch. Call after
    /// the last [`Gallery::add`]; a search finds the same without it, only slower. Adding
    /// again undoes it.
    pub fn prepare(&mut self) {
        let mut bands = Vec::with_capacity(KEYS * (DIR_BANDS + 1));
        for list in &mut self.postings {
            // Stable: within one direction, slots stay in the order they were added.
            list.sort_by_key(|p| p.dir());
            let mut at = 0usize;
            for b in 0..=DIR_BANDS {
                let lowest = b * DIR_BAND as usize;
                while at < list.len() && usize::from(list[at].dir()) < lowest {
                    at += 1;
                }
                bands.push(at as u32);
            }
        }
        self.bands = bands;
    }

    /// Whether [`Gallery::prepare`] ran after the last addition.
    pub fn is_prepared(&self) -> bool {
        !self.bands.is_empty()
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

    /// Every stored template with at least one index vote for `probe`, with its value (as
    /// [`Gallery::candidates`] gives it), in the order added: for adding the votes of several
    /// fingers over every template rather than over each finger's shortlist (a mate that
    /// neither finger ranks among its best can still rank first on both together).
    pub fn values(&self, probe: &Probe) -> Vec<(u32, i32)> {
        let mut out = Vec::new();
        self.values_into(probe, &mut out);
        out
    }

    /// [`Gallery::values`] into `out` (cleared first), for a caller that searches many times
    /// and keeps one list (room for every template) rather than allocating one per search.
    pub fn values_into(&self, probe: &Probe, out: &mut Vec<(u32, i32)>) {
        out.clear();
        self.with_ranked(probe, |ranked| {
            out.extend(ranked.iter().map(|&(v, slot)| (self.ids[slot as usize], v)));
        });
    }

    /// Gallery slots with the most index votes in their best rotation bin, at most `len`.
    fn shortlist(&self, probe: &Probe, len: usize) -> Vec<(i32, usize)> {
        self.with_ranked(probe, |ranked| {
            let len = len.min(ranked.len());
            if len == 0 {
                return Vec::new();
            }
            let order = |a: &(i32, u32), b: &(i32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
            ranked.select_nth_unstable_by(len - 1, order);
            ranked[..len].sort_unstable_by(order);
            ranked[..len]
                .iter()
                .map(|&(v, slot)| (v, slot as usize))
                .collect()
        })
    }

    /// Count the votes for `probe` and hand `then` every template that got any, as (value,
    /// slot) in slot order, in the thread's reused scratch memory.
    fn with_ranked<R>(&self, probe: &Probe, then: impl FnOnce(&mut Vec<(i32, u32)>) -> R) -> R {
        SCRATCH.with(|shared| {
            let (mut borrowed, mut own);
            let scratch: &mut Scratch = match shared.try_borrow_mut() {
                Ok(s) => {
                    borrowed = s;
                    &mut borrowed
                }
                // Only reachable through re-entry, which nothing does; stay correct anyway.
                Err(_) => {
                    own = Scratch::default();
                    &mut own
                }
            };
            self.rank(probe, scratch);
            then(&mut scratch.ranked)
        })
    }

    fn rank(&self, probe: &Probe, scratch: &mut Scratch) {
        let Scratch { votes, ranked } = scratch;
        let n = self.ids.len();
        votes.clear();
        votes.resize(n * FINE_BINS, 0);
        let mean = self.total as f32 / self.keys_used.max(1) as f32;
        let mut keys = [0usize; 8];
        for p in index_pairs(probe.points()) {
            for pq in [p, p.reversed()] {
                // The direction bands that can hold a turn within ±MAX_TURN, wrapping.
                let from = pq.dir.wrapping_sub(MAX_TURN as u8);
                let first_band = usize::from(from) / DIR_BAND as usize;
                let bands =
                    (i32::from(from) % DIR_BAND + 2 * MAX_TURN) as usize / DIR_BAND as usize + 1;
                let k = soft_keys(pq.d, pq.a1, pq.a2, &mut keys);
                for &key in &keys[..k] {
                    let list = &self.postings[key];
                    let weight = hit_weight(list.len() as u32, mean);
                    let mut vote = |post: &Posting| {
                        let fine = FINE_OF_TURN[usize::from(post.dir().wrapping_sub(pq.dir))];
                        if fine != OUT_OF_TURN {
                            let at = post.slot() * FINE_BINS + usize::from(fine);
                            // Saturating: a template whose many pairs share one key (a
                            // hostile or degenerate record) must not wrap round to few votes.
                            votes[at] = votes[at].saturating_add(weight);
                        }
                    };
                    if self.bands.is_empty() {
                        list.iter().for_each(&mut vote);
                        continue;
                    }
                    // The bands from `first_band` on, in at most two stretches (wrapping).
                    let starts = &self.bands[key * (DIR_BANDS + 1)..][..DIR_BANDS + 1];
                    let last = first_band + bands;
                    let end = |b: usize| starts[b] as usize;
                    list[end(first_band)..end(last.min(DIR_BANDS))]
                        .iter()
                        .for_each(&mut vote);
                    if last > DIR_BANDS {
                        list[..end(last - DIR_BANDS)].iter().for_each(&mut vote);
                    }
                }
            }
        }
        ranked.clear();
        ranked.extend(
            votes
                .chunks_exact(FINE_BINS)
                .enumerate()
                .filter_map(|(slot, fine)| {
                    let value = window_value(fine.try_into().ok()?)?;
                    Some((value, slot as u32))
                }),
        );
    }
}

/// A template's index value from its votes per fine turn bin: the votes in its best window of
/// turns above its own background (a template with many pairs collects chance votes in every
/// window), the mean window counted BACKGROUND/2 times over; in units of 1/FINE_BINS vote.
/// `None`: no votes.
fn window_value(fine: &[u16; FINE_BINS]) -> Option<i32> {
    let total: i32 = fine.iter().map(|&v| i32::from(v)).sum();
    if total == 0 {
        return None;
    }
    let mut window: i32 = fine[..WINDOW].iter().map(|&v| i32::from(v)).sum();
    let mut max = window;
    for i in WINDOW..FINE_BINS {
        window += i32::from(fine[i]) - i32::from(fine[i - WINDOW]);
        max = max.max(window);
    }
    Some(max * FINE_BINS as i32 - BACKGROUND * WINDOW as i32 * total / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_value_is_its_best_window_above_the_background() {
        // 12 fine bins, a window of 4, the mean window taken off once (BACKGROUND 2, in halves):
        // value = 12 · best window − 4 · total.
        assert_eq!((FINE_BINS, WINDOW, BACKGROUND), (12, 4, 2));
        assert_eq!(window_value(&[0; FINE_BINS]), None);
        // Every vote in one window: a mate, aligned.
        let mut mate = [0u16; FINE_BINS];
        mate[5..9].copy_from_slice(&[2, 3, 3, 2]);
        assert_eq!(window_value(&mate), Some(12 * 10 - 4 * 10));
        // The same votes spread evenly over every turn: chance, worth nothing.
        assert_eq!(window_value(&[3; FINE_BINS]), Some(12 * 12 - 4 * 36));
        assert_eq!(window_value(&[3; FINE_BINS]), Some(0));
        // A best window reached only at the last bins (the sliding sum must run to the end).
        let mut late = [1u16; FINE_BINS];
        late[FINE_BINS - 1] = 9;
        assert_eq!(window_value(&late), Some(12 * 12 - 4 * 20));
        // Two clusters of turns further apart than a window: only the better one counts (the
        // sliding sum must drop what leaves the window).
        let mut two = [0u16; FINE_BINS];
        two[0] = 6;
        two[4] = 5;
        assert_eq!(window_value(&two), Some(12 * 6 - 4 * 11));
        // A best window barely above the mean window (a third of all votes): worth little.
        let mut spread = [2u16; FINE_BINS];
        spread[0] = 3;
        assert_eq!(window_value(&spread), Some(12 * 9 - 4 * 25));
    }

    #[test]
    fn a_hit_on_a_rarer_key_weighs_more_within_bounds() {
        let mean = 400.0;
        let weights: Vec<u16> = [0u32, 50, 200, 400, 800, 1600, 100_000]
            .iter()
            .map(|&len| hit_weight(len, mean))
            .collect();
        assert!(weights.windows(2).all(|w| w[0] >= w[1]), "{weights:?}");
        assert_eq!(weights.first(), Some(&16));
        assert_eq!(weights.last(), Some(&1));
        assert!(hit_weight(200, mean) > hit_weight(800, mean));
        // A list of the mean length: 8 / 1.5.
        assert_eq!(hit_weight(400, mean), 5);
        assert_eq!(hit_weight(4000, mean), 1);
    }

    #[test]
    fn turns_up_to_the_limit_have_a_fine_bin_and_larger_ones_none() {
        let bin = |turn: i32| FINE_OF_TURN[usize::from(turn as u8)];
        assert_eq!(bin(-MAX_TURN), 0);
        assert_eq!(usize::from(bin(MAX_TURN)), FINE_BINS - 1);
        assert_eq!(bin(0), (MAX_TURN / FINE_BIN) as u8);
        assert_eq!(bin(MAX_TURN + 1), OUT_OF_TURN);
        assert_eq!(bin(-MAX_TURN - 1), OUT_OF_TURN);
        assert_eq!(bin(128), OUT_OF_TURN);
        let inside = (0..256).filter(|&t| FINE_OF_TURN[t] != OUT_OF_TURN).count();
        assert_eq!(inside as i32, 2 * MAX_TURN + 1);
    }

    #[test]
    fn the_bands_read_cover_every_turn_within_the_limit() {
        for dir in 0..=255u8 {
            let from = dir.wrapping_sub(MAX_TURN as u8);
            let first = usize::from(from) / DIR_BAND as usize;
            let bands =
                (i32::from(from) % DIR_BAND + 2 * MAX_TURN) as usize / DIR_BAND as usize + 1;
            for turn in -MAX_TURN..=MAX_TURN {
                let stored = dir.wrapping_add(turn as u8);
                let band = usize::from(stored) / DIR_BAND as usize;
                let offset = (band + DIR_BANDS - first) % DIR_BANDS;
                assert!(
                    offset < bands,
                    "dir {dir}, turn {turn}: band {band} not read"
                );
            }
        }
    }
}
