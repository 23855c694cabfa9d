//! Minutiae matching: one probe against many stored templates, fast.
//!
//! Why this shape: deduplication compares each new recording with a whole registry, so the
//! work that does not depend on the pair is done once — [`Probe::new`] for the probe side,
//! [`Features::new`] for each stored template (its minutiae and pairs, at their own length) — and [`score`]
//! allocates nothing.
//!
//! Method (local structures, then one global check):
//!
//! 1. **Pair tables.** Every pair of minutiae between [`MIN_PAIR_PX`] and [`MAX_PAIR_PX`]
//!    apart is described by what a rigid motion does not change: its length and the
//!    directions of both minutiae relative to the line joining them. A stored template keeps
//!    its pairs with a coarse cell number (length × angle × angle bins); the probe files each
//!    of its pairs, in both orders, under every cell its tolerance box touches, so one lookup
//!    per stored pair finds all candidate probe pairs, which a fine check then confirms.
//! 2. **Global consolidation.** Each local match implies a rotation; the rotations vote
//!    (circular histogram). The three highest peaks each gather their matches' vote
//!    for a translation (2-D histogram); those with enough translation votes are applied to
//!    the probe, and minutiae paired one to one (nearest first) within a distance and angle
//!    tolerance. The best pairing is refined once (least-squares fit) and counts.
//! 3. **Score.** `100 · w² / (a · b)`, with `w` the pairings each weighed by how near they
//!    lie ([`Details::weight`]) and `a`, `b` the minutiae of each side that fall in the other's
//!    area after alignment (at least [`MIN_OVERLAP`]), so a partial overlap is not punished
//!    and a template scores 100 against itself.
//!
//! Coordinates are taken with y pointing up so that the record's counter-clockwise angles and
//! positions turn the same way.

use std::cell::RefCell;

use crate::template::{Template, View};

/// At most this many minutiae are used per template (the best by quality).
pub const MAX_MINUTIAE: usize = 96;
/// At most this many pairs are kept per template (the shortest).
pub const MAX_PAIRS: usize = 768;
/// Shortest pair length, pixels.
pub const MIN_PAIR_PX: f32 = 8.0;
/// Longest pair length, pixels (the pair length is kept in half pixels in a byte).
pub const MAX_PAIR_PX: f32 = 72.0;
/// Fewest minutiae an overlap is counted as (guards small overlaps from inflated scores).
pub const MIN_OVERLAP: u32 = 20;

/// Angle unit: 1/256 of a turn, as in ISO/IEC 19794-2.
const TURN: i32 = 256;
/// Pair length tolerance: absolute (half pixels) plus a fraction of the length.
const TOL_D_ABS: i32 = 8;
const TOL_D_REL: f32 = 0.06;
/// Relative-angle tolerance (1/256 turn): about 14°.
const TOL_A: i32 = 10;
/// Cell sizes: length in half pixels, angles in 1/256 turn.
const CELL_D: i32 = 8;
const CELL_A: i32 = 16;
const D_CELLS: usize = (MAX_PAIR_PX as usize * 2) / CELL_D as usize + 1;
const A_CELLS: usize = (TURN / CELL_A) as usize;
/// Number of pair cells.
pub const CELLS: usize = D_CELLS * A_CELLS * A_CELLS;
/// Rotation vote window, 1/256 turn (each side).
const ROT_WINDOW: i32 = 6;
/// Translation vote bin, pixels, and the accumulator's reach (bins each side).
const T_BIN: f32 = 8.0;
const T_REACH: i32 = 64;
const T_SIDE: usize = (2 * T_REACH + 1) as usize;
/// Pairing tolerances after alignment.
const PAIR_DIST_PX: f32 = 7.0;
const PAIR_ANGLE: u32 = 18;
/// The distance tolerance grows by this much per pixel from the agreeing matches, up to
/// [`PAIR_DIST_MAX`]: plastic distortion moves the skin more the further from where the two
/// impressions agree.
const PAIR_DIST_GROW: f32 = 0.15;
const PAIR_DIST_MAX: f32 = 24.0;
/// How much a pairing's angle difference (as a share of [`PAIR_ANGLE`]) lowers its weight;
/// the distance lowers it fully (see [`Details::weight`]). The angle says less: extractors
/// err more in a minutia's direction than in its place.
const ANGLE_WEIGHT: f32 = 0.25;
/// A minutia counts as inside the other side's area when one of its minutiae is this near
/// after alignment, pixels.
const AREA_REACH: f32 = 32.0;
// The pairing looks only at minutiae within this reach in x.
const _: () = assert!(PAIR_DIST_MAX <= AREA_REACH);
/// Rotation hypotheses aligned and paired per comparison.
const HYPOTHESES: usize = 3;
/// A hypothesis is paired only when its translation votes reach this many tenths of the
/// best hypothesis's.
const HYPOTHESIS_SHARE: u32 = 7;
/// Fewest pairings of the first pass for which the motion is refitted and the minutiae paired
/// again.
const REFIT_MIN: u32 = 8;
/// Local matches considered per comparison.
const MAX_LOCAL: usize = 4096;

/// One minutia as the matcher sees it: position with y up, angle in 1/256 turn.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
    pub angle: u8,
}

/// One pair of minutiae: rigid-motion invariants plus what the consolidation needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pair {
    /// Cell number (see [`CELLS`]).
    pub cell: u16,
    /// Indices of the two minutiae, in order.
    pub i: u8,
    pub j: u8,
    /// Length in half pixels.
    pub d: u8,
    /// Direction of minutia i and of minutia j relative to the line from i to j.
    pub a1: u8,
    pub a2: u8,
    /// Direction of the line from i to j.
    pub dir: u8,
}

/// A stored template, ready to be compared. Its minutiae and pairs are kept at their own
/// length (a template has 356 pairs on average of at most [`MAX_PAIRS`]: a fixed-size table
/// held twice the memory, which a registry of prints multiplies by its size).
#[derive(Clone)]
pub struct Features {
    /// Bounding box of the minutiae (y up): min x, min y, max x, max y.
    bbox: [f32; 4],
    points: Box<[Point]>,
    pairs: Box<[Pair]>,
}

impl std::fmt::Debug for Features {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Features")
            .field("points", &self.points.len())
            .field("pairs", &self.pairs.len())
            .finish()
    }
}

/// What can be matched: a whole record (its first view) or one view.
pub trait Source {
    /// The view to match; `None` when there is none.
    fn view(&self) -> Option<&View>;
}

impl Source for Template {
    fn view(&self) -> Option<&View> {
        self.views.first()
    }
}

impl Source for View {
    fn view(&self) -> Option<&View> {
        Some(self)
    }
}

/// The minutiae to use: the best by quality, at most [`MAX_MINUTIAE`], y turned up.
fn points_of(view: Option<&View>) -> Vec<Point> {
    let Some(v) = view else {
        return Vec::new();
    };
    let mut ms: Vec<_> = v.minutiae.iter().collect();
    if ms.len() > MAX_MINUTIAE {
        // Stable: equal qualities keep the record's order, so the choice is deterministic.
        ms.sort_by_key(|m| std::cmp::Reverse(m.quality));
        ms.truncate(MAX_MINUTIAE);
    }
    let mut points: Vec<Point> = ms
        .iter()
        .map(|m| Point {
            x: f32::from(m.x),
            y: -f32::from(m.y),
            angle: m.angle,
        })
        .collect();
    // Sorted by x (then y and angle: a total order, so the result is deterministic), so that
    // the pairing finds a minutia's neighbours on the other side in one stretch.
    points.sort_by(|p, q| {
        p.x.total_cmp(&q.x)
            .then(p.y.total_cmp(&q.y))
            .then(p.angle.cmp(&q.angle))
    });
    points
}

/// Direction of the vector (dx, dy) in 1/256 turn.
pub(crate) fn dir256(dx: f32, dy: f32) -> u8 {
    let a = dy.atan2(dx) * (TURN as f32 / std::f32::consts::TAU);
    (a.round() as i32).rem_euclid(TURN) as u8
}

/// Signed difference of two angles in 1/256 turn, in -128..=127.
#[inline]
fn adiff(a: u8, b: u8) -> i32 {
    i32::from(a.wrapping_sub(b) as i8)
}

fn cell_of(d: i32, a1: i32, a2: i32) -> u16 {
    let db = (d / CELL_D).clamp(0, D_CELLS as i32 - 1) as usize;
    let b1 = (a1.rem_euclid(TURN) / CELL_A) as usize;
    let b2 = (a2.rem_euclid(TURN) / CELL_A) as usize;
    ((db * A_CELLS + b1) * A_CELLS + b2) as u16
}

/// Pair length tolerance for a length in half pixels.
#[inline]
fn tol_d(d: u8) -> i32 {
    TOL_D_ABS + (f32::from(d) * TOL_D_REL) as i32
}

/// All pairs within the length range, shortest first, at most [`MAX_PAIRS`].
fn pairs_of(points: &[Point]) -> Vec<Pair> {
    let mut out = Vec::new();
    let (lo, hi) = (MIN_PAIR_PX * MIN_PAIR_PX, MAX_PAIR_PX * MAX_PAIR_PX);
    for (i, p) in points.iter().enumerate() {
        for (j, q) in points.iter().enumerate().skip(i + 1) {
            let (dx, dy) = (q.x - p.x, q.y - p.y);
            let d2 = dx * dx + dy * dy;
            if d2 < lo || d2 > hi {
                continue;
            }
            let d = (d2.sqrt() * 2.0).round().min(255.0) as u8;
            let dir = dir256(dx, dy);
            let a1 = p.angle.wrapping_sub(dir);
            let a2 = q.angle.wrapping_sub(dir);
            out.push(Pair {
                cell: cell_of(i32::from(d), i32::from(a1), i32::from(a2)),
                i: i as u8,
                j: j as u8,
                d,
                a1,
                a2,
                dir,
            });
        }
    }
    out.sort_by_key(|p| (p.d, p.i, p.j));
    out.truncate(MAX_PAIRS);
    out
}

fn bbox_of(points: &[Point]) -> [f32; 4] {
    let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
    for p in points {
        b[0] = b[0].min(p.x);
        b[1] = b[1].min(p.y);
        b[2] = b[2].max(p.x);
        b[3] = b[3].max(p.y);
    }
    b
}

impl Features {
    /// Precompute a stored template's features.
    pub fn new(source: &impl Source) -> Features {
        let points = points_of(source.view());
        let pairs = pairs_of(&points);
        Features {
            bbox: bbox_of(&points),
            points: points.into_boxed_slice(),
            pairs: pairs.into_boxed_slice(),
        }
    }

    /// The minutiae used (y up).
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The pairs kept, shortest first.
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    /// Bytes this template's features take, heap included.
    pub fn memory(&self) -> usize {
        std::mem::size_of::<Features>()
            + std::mem::size_of_val::<[Point]>(&self.points)
            + std::mem::size_of_val::<[Pair]>(&self.pairs)
    }
}

/// A probe, ready to be compared with many [`Features`]: its pairs (both orders) filed under
/// every cell their tolerance box touches.
#[derive(Debug, Clone)]
pub struct Probe {
    points: Vec<Point>,
    bbox: [f32; 4],
    /// `cell_start[c]..cell_start[c + 1]` are the entries of cell `c`.
    cell_start: Vec<u32>,
    entries: Vec<Pair>,
    /// Every pair in both orders, once (for the index).
    both: Vec<Pair>,
}

/// The cells whose range of one coordinate covers `v ± tol` (angles wrap, lengths clamp).
fn bins(v: i32, tol: i32, size: i32, count: i32, wrap: bool) -> ([i32; 8], usize) {
    let mut out = [0; 8];
    let mut n = 0;
    let (lo, hi) = (v - tol, v + tol);
    let mut b = lo.div_euclid(size);
    while b <= hi.div_euclid(size) && n < out.len() {
        let c = if wrap {
            b.rem_euclid(count)
        } else {
            b.clamp(0, count - 1)
        };
        if !out[..n].contains(&c) {
            out[n] = c;
            n += 1;
        }
        b += 1;
    }
    (out, n)
}

impl Probe {
    /// Precompute the probe side.
    pub fn new(source: &impl Source) -> Probe {
        let points = points_of(source.view());
        let pairs = pairs_of(&points);
        let mut filed: Vec<(u16, Pair)> = Vec::with_capacity(pairs.len() * 16);
        let mut both = Vec::with_capacity(pairs.len() * 2);
        for p in &pairs {
            let reversed = Pair {
                cell: 0,
                i: p.j,
                j: p.i,
                d: p.d,
                a1: p.a2.wrapping_sub(128),
                a2: p.a1.wrapping_sub(128),
                dir: p.dir.wrapping_add(128),
            };
            both.extend([*p, reversed]);
            for q in [*p, reversed] {
                let td = tol_d(q.d);
                let (bd, nd) = bins(i32::from(q.d), td, CELL_D, D_CELLS as i32, false);
                let (b1, n1) = bins(i32::from(q.a1), TOL_A, CELL_A, A_CELLS as i32, true);
                let (b2, n2) = bins(i32::from(q.a2), TOL_A, CELL_A, A_CELLS as i32, true);
                for &d in &bd[..nd] {
                    for &x in &b1[..n1] {
                        for &y in &b2[..n2] {
                            let cell =
                                ((d as usize * A_CELLS + x as usize) * A_CELLS + y as usize) as u16;
                            filed.push((cell, q));
                        }
                    }
                }
            }
        }
        // Counting sort by cell (the cells are few and known), then each cell's few entries
        // by their minutiae: the order a sort by (cell, i, j) gives, at a fraction of its cost.
        let mut cell_start = vec![0u32; CELLS + 1];
        for (c, _) in &filed {
            cell_start[usize::from(*c) + 1] += 1;
        }
        for c in 0..CELLS {
            cell_start[c + 1] += cell_start[c];
        }
        let mut next = cell_start.clone();
        let mut entries = vec![Pair::default(); filed.len()];
        for (c, q) in &filed {
            let at = &mut next[usize::from(*c)];
            entries[*at as usize] = *q;
            *at += 1;
        }
        for c in 0..CELLS {
            let run = &mut entries[cell_start[c] as usize..cell_start[c + 1] as usize];
            if run.len() > 1 {
                run.sort_unstable_by_key(|q| (q.i, q.j));
            }
        }
        Probe {
            bbox: bbox_of(&points),
            points,
            cell_start,
            entries,
            both,
        }
    }

    /// The minutiae used (y up).
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Probe pair entries filed under `cell`.
    #[inline]
    pub fn cell(&self, cell: u16) -> &[Pair] {
        let c = usize::from(cell);
        match (self.cell_start.get(c), self.cell_start.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The probe's pairs, each in both orders, unfiled.
    pub fn filed_pairs(&self) -> &[Pair] {
        &self.both
    }
}

/// One local match: probe pair (pi, pj) ↔ stored pair (gi, gj) and the rotation it implies.
#[derive(Clone, Copy, Default)]
struct Local {
    pi: u8,
    pj: u8,
    gi: u8,
    gj: u8,
    rot: u8,
}

/// Per-thread working memory, so that a comparison allocates nothing.
struct Scratch {
    locals: Vec<Local>,
    /// The local matches again, ordered by the rotation they imply:
    /// `by_rot[rot_start[r]..rot_start[r + 1]]` imply rotation `r`.
    by_rot: Vec<Local>,
    rot_start: [u32; 257],
    tacc: Vec<u16>,
    /// The translation cells voted for, each once.
    tcells: Vec<u32>,
    /// Each translation vote: its translation and the stored minutia's position.
    votes: Vec<[f32; 4]>,
    /// Candidate pairings, one `u64` each so that they sort fast: squared distance (1/16
    /// px²), probe minutia, stored minutia, angle difference — nearest first.
    cand: Vec<u64>,
    used_p: [bool; MAX_MINUTIAE],
    used_g: [bool; MAX_MINUTIAE],
    pairs: Vec<(u8, u8)>,
    tol2: [f32; MAX_MINUTIAE],
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            locals: Vec::with_capacity(MAX_LOCAL),
            by_rot: Vec::with_capacity(MAX_LOCAL),
            rot_start: [0; 257],
            tacc: vec![0; T_SIDE * T_SIDE],
            tcells: Vec::with_capacity(MAX_LOCAL * 2),
            votes: Vec::with_capacity(MAX_LOCAL * 2),
            cand: Vec::with_capacity(MAX_MINUTIAE * 8),
            used_p: [false; MAX_MINUTIAE],
            used_g: [false; MAX_MINUTIAE],
            pairs: Vec::with_capacity(MAX_MINUTIAE),
            tol2: [0.0; MAX_MINUTIAE],
        }
    }

    /// Index ranges of `by_rot` whose local matches imply a rotation within [`ROT_WINDOW`] of
    /// `peak` (two ranges when the window wraps around a whole turn).
    fn window(&self, peak: usize) -> [std::ops::Range<usize>; 2] {
        let at = |r: usize| self.rot_start[r] as usize;
        let (lo, hi) = (peak as i32 - ROT_WINDOW, peak as i32 + ROT_WINDOW);
        if lo < 0 {
            [
                at((lo + TURN) as usize)..at(256),
                at(0)..at(hi as usize + 1),
            ]
        } else if hi >= TURN {
            [
                at(lo as usize)..at(256),
                at(0)..at((hi - TURN) as usize + 1),
            ]
        } else {
            [at(lo as usize)..at(hi as usize + 1), 0..0]
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// How alike a probe and a stored template are: 0 for nothing in common, 100 for a template
/// against itself; higher is more alike.
pub fn score(probe: &Probe, features: &Features) -> f32 {
    details(probe, features).score()
}

/// What a comparison found: the minutiae paired and each side's minutiae in the other's area.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Details {
    /// Minutiae paired one to one.
    pub paired: u32,
    /// The pairings, each counted by how near its two minutiae lie after alignment: 1 on the
    /// same spot, falling to 0 at the distance tolerance's edge, and by up to a quarter more
    /// for the angle between them. Strangers' chance pairings lie anywhere within the
    /// tolerance, a finger's own near the middle, so this separates them better than
    /// [`Details::paired`].
    pub weight: f32,
    /// Probe minutiae inside the stored template's area after alignment.
    pub probe_in: u32,
    /// Stored minutiae inside the probe's area after alignment.
    pub stored_in: u32,
    /// Local (pair-table) matches found.
    pub locals: u32,
}

impl Details {
    /// The score these details give (see [`score`]): `100 · w² / (a · b)`, `w` the
    /// [`Details::weight`] of the pairings, `a` and `b` each side's minutiae in the overlap,
    /// at least [`MIN_OVERLAP`]; 0 with fewer than three pairings.
    pub fn score(&self) -> f32 {
        if self.paired < 3 {
            return 0.0;
        }
        let a = self.probe_in.max(MIN_OVERLAP).max(self.paired) as f32;
        let b = self.stored_in.max(MIN_OVERLAP).max(self.paired) as f32;
        100.0 * self.weight * self.weight / (a * b)
    }
}

/// The comparison behind [`score`], with its counts.
pub fn details(probe: &Probe, features: &Features) -> Details {
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => score_with(&mut s, probe, features),
        // Only reachable through re-entry, which nothing does; stay correct anyway.
        Err(_) => score_with(&mut Scratch::new(), probe, features),
    })
}

/// Round to the nearest integer, halves away from zero, without the `roundf` call that
/// `f32::round` costs on baseline x86-64 (a bin number in the vote loops).
#[inline]
fn round_i32(v: f32) -> i32 {
    (v + 0.5f32.copysign(v)) as i32
}

fn score_with(s: &mut Scratch, probe: &Probe, g: &Features) -> Details {
    let (pp, gp) = (probe.points(), g.points());
    if pp.len() < 2 || gp.len() < 2 {
        return Details::default();
    }
    // 1. Local matches.
    s.locals.clear();
    'outer: for gq in g.pairs() {
        let td = tol_d(gq.d);
        for pq in probe.cell(gq.cell) {
            if (i32::from(pq.d) - i32::from(gq.d)).abs() > td
                || adiff(pq.a1, gq.a1).abs() > TOL_A
                || adiff(pq.a2, gq.a2).abs() > TOL_A
            {
                continue;
            }
            if s.locals.len() == MAX_LOCAL {
                break 'outer;
            }
            s.locals.push(Local {
                pi: pq.i,
                pj: pq.j,
                gi: gq.i,
                gj: gq.j,
                rot: gq.dir.wrapping_sub(pq.dir),
            });
        }
    }
    if s.locals.is_empty() {
        return Details::default();
    }
    // 2a. Rotation vote: circular histogram, window sum.
    let mut hist = [0u32; 256];
    for l in &s.locals {
        hist[usize::from(l.rot)] += 1;
    }
    let w = ROT_WINDOW as usize;
    let mut sum: u32 = (0..=2 * w).map(|k| hist[(256 - w + k) % 256]).sum();
    let mut sums = [0u32; 256];
    sums[0] = sum;
    for (r, slot) in sums.iter_mut().enumerate().skip(1) {
        sum += hist[(r + w) % 256];
        sum -= hist[(r + 256 - w - 1) % 256];
        *slot = sum;
    }
    // The local matches ordered by rotation (counting sort), so that each hypothesis below
    // reads only those in its window.
    s.rot_start[0] = 0;
    for (r, &count) in hist.iter().enumerate() {
        s.rot_start[r + 1] = s.rot_start[r] + count;
    }
    let mut next = s.rot_start;
    s.by_rot.clear();
    s.by_rot.resize(s.locals.len(), Local::default());
    for l in &s.locals {
        let at = &mut next[usize::from(l.rot)];
        s.by_rot[*at as usize] = *l;
        *at += 1;
    }
    // Rotation hypotheses: the highest window sums, each more than a window from those
    // taken. The highest alone is often a stranger's chance peak or, for a distorted
    // impression of the same finger, a peak of one part of it; each hypothesis is aligned,
    // those near the best in translation votes are paired, and the best pairing counts.
    let mut taken = [0usize; HYPOTHESES];
    let mut n_taken = 0;
    while n_taken < HYPOTHESES {
        let (mut peak, mut votes) = (0, 0);
        for (r, &v) in sums.iter().enumerate() {
            if v > votes {
                (peak, votes) = (r, v);
            }
        }
        if votes == 0 {
            break;
        }
        taken[n_taken] = peak;
        n_taken += 1;
        // The next peak lies more than a window away from this one.
        for k in 0..=4 * w {
            sums[(peak + 256 - 2 * w + k) % 256] = 0;
        }
    }
    let mut aligned = [None; HYPOTHESES];
    let mut most_votes = 0;
    for (slot, &peak) in aligned.iter_mut().zip(&taken[..n_taken]) {
        *slot = align(s, probe, g, peak);
        if let Some((_, v)) = *slot {
            most_votes = most_votes.max(v);
        }
    }
    let mut best: Option<Pass> = None;
    for &((rot, t, anchor), votes) in aligned.iter().flatten() {
        // A hypothesis far behind the best in translation votes is not worth pairing.
        if 10 * votes < HYPOTHESIS_SHARE * most_votes {
            continue;
        }
        let found = pair_under(s, probe, g, rot, t, anchor);
        if best
            .as_ref()
            .is_none_or(|b| found.details.score() > b.details.score())
        {
            best = Some(found);
        }
    }
    let Some(first) = best else {
        return Details::default();
    };
    // Then fit the rigid motion to the best pass's pairings (least squares) and pair once
    // more under it, keeping the better — only when that pass paired enough to be worth
    // refining (most strangers do not).
    let mut best = first.details;
    if let Some((rot, t, anchor)) = first.refit.filter(|_| best.paired >= REFIT_MIN) {
        let second = pair_under(s, probe, g, rot, t, anchor);
        if second.details.score() > best.score() {
            best = second.details;
        }
    }
    Details {
        locals: s.locals.len() as u32,
        ..best
    }
}

/// Rotation and translation that the local matches within the rotation window of `peak`
/// agree on, and where they agree (see [`Motion`]); `None` when no translation gathers votes.
fn align(s: &mut Scratch, probe: &Probe, g: &Features, peak: usize) -> Option<(Motion, u32)> {
    let (pp, gp) = (probe.points(), g.points());
    let window = s.window(peak);
    // Mean rotation of the agreeing matches, around the peak.
    let (mut acc, mut n) = (0i32, 0i32);
    for range in window.clone() {
        for l in &s.by_rot[range] {
            acc += adiff(l.rot, peak as u8);
            n += 1;
        }
    }
    let rot = (peak as f32 + acc as f32 / n.max(1) as f32) * std::f32::consts::TAU / 256.0;
    let (sin, cos) = rot.sin_cos();
    let rotate = |p: &Point| (cos * p.x - sin * p.y, sin * p.x + cos * p.y);
    // 2b. Translation vote among them: each local match votes with both of its minutiae.
    let (ox, oy) = {
        let (cx, cy) = rotate(&Point {
            x: (probe.bbox[0] + probe.bbox[2]) / 2.0,
            y: (probe.bbox[1] + probe.bbox[3]) / 2.0,
            angle: 0,
        });
        (
            (g.bbox[0] + g.bbox[2]) / 2.0 - cx,
            (g.bbox[1] + g.bbox[3]) / 2.0 - cy,
        )
    };
    s.tcells.clear();
    s.votes.clear();
    for range in window {
        for l in &s.by_rot[range] {
            for (a, b) in [(l.pi, l.gi), (l.pj, l.gj)] {
                let (Some(p), Some(q)) = (pp.get(usize::from(a)), gp.get(usize::from(b))) else {
                    continue;
                };
                let (rx, ry) = rotate(p);
                let (fx, fy) = (q.x - rx - ox, q.y - ry - oy);
                let tx = round_i32(fx / T_BIN);
                let ty = round_i32(fy / T_BIN);
                if tx.abs() >= T_REACH || ty.abs() >= T_REACH {
                    continue;
                }
                let cell = ((ty + T_REACH) as usize * T_SIDE + (tx + T_REACH) as usize) as u32;
                // Each cell listed once, at its first vote: its window is summed once.
                if s.tacc[cell as usize] == 0 {
                    s.tcells.push(cell);
                }
                s.tacc[cell as usize] += 1;
                s.votes.push([fx, fy, q.x, q.y]);
            }
        }
    }
    let mut best_cell = None;
    let mut best_votes = 0u32;
    for &c in &s.tcells {
        let c = c as usize;
        let mut v = 0u32;
        for row in [c - T_SIDE, c, c + T_SIDE] {
            v += u32::from(s.tacc[row - 1]) + u32::from(s.tacc[row]) + u32::from(s.tacc[row + 1]);
        }
        if v > best_votes {
            (best_votes, best_cell) = (v, Some(c));
        }
    }
    for &c in &s.tcells {
        s.tacc[c as usize] = 0;
    }
    let best_cell = best_cell?;
    let bx = (best_cell % T_SIDE) as i32 - T_REACH;
    let by = (best_cell / T_SIDE) as i32 - T_REACH;
    // Mean translation of the votes near the winning cell (a vote outside the accumulator's
    // reach is never near it).
    let (mut sx, mut sy, mut sn) = (0.0f32, 0.0f32, 0.0f32);
    let (mut ax, mut ay) = (0.0f32, 0.0f32);
    for &[tx, ty, qx, qy] in &s.votes {
        if (tx / T_BIN - bx as f32).abs() <= 1.5 && (ty / T_BIN - by as f32).abs() <= 1.5 {
            sx += tx;
            sy += ty;
            sn += 1.0;
            ax += qx;
            ay += qy;
        }
    }
    let (tx, ty) = (ox + sx / sn.max(1.0), oy + sy / sn.max(1.0));
    // Where the agreeing matches lie (stored side): the skin moves less near them.
    let (ax, ay) = (ax / sn.max(1.0), ay / sn.max(1.0));
    Some(((rot, (tx, ty), (ax, ay)), best_votes))
}

/// A rigid motion to pair under: rotation (radians), translation, and the stored side's anchor
/// (where the tolerance is tightest).
type Motion = (f32, (f32, f32), (f32, f32));

/// What one pairing pass found, and the rigid motion fitted to its pairings.
struct Pass {
    details: Details,
    refit: Option<Motion>,
}

/// Pair minutiae one to one, nearest first, under rotation `rot` then translation `t`; the
/// distance tolerance grows with the stored minutia's distance from `anchor`.
fn pair_under(
    s: &mut Scratch,
    probe: &Probe,
    g: &Features,
    rot: f32,
    (tx, ty): (f32, f32),
    (ax, ay): (f32, f32),
) -> Pass {
    let (pp, gp) = (probe.points(), g.points());
    let (sin, cos) = rot.sin_cos();
    let rotate = |p: &Point| (cos * p.x - sin * p.y, sin * p.x + cos * p.y);
    let rot_u8 = round_i32(rot * 256.0 / std::f32::consts::TAU).rem_euclid(TURN) as u8;
    s.cand.clear();
    // Squared distance tolerance per stored minutia.
    for (t, q) in s.tol2.iter_mut().zip(gp) {
        let r = ((q.x - ax) * (q.x - ax) + (q.y - ay) * (q.y - ay)).sqrt();
        let tol = (PAIR_DIST_PX + PAIR_DIST_GROW * r).min(PAIR_DIST_MAX);
        *t = tol * tol;
    }
    // Overlap: a minutia is inside the other side's area when one of the other side's
    // minutiae lies within [`AREA_REACH`] px after alignment (rotation-invariant, and it follows
    // the shape of a partial contact, where a bounding box would not). The stored minutiae are
    // sorted by x, so only those within reach in x are looked at.
    let reach2 = AREA_REACH * AREA_REACH;
    s.used_g[..gp.len()].fill(false);
    let (mut in_g, mut in_p) = (0u32, 0u32);
    for (i, p) in pp.iter().enumerate() {
        let (rx, ry) = rotate(p);
        let (x, y) = (rx + tx, ry + ty);
        let a = p.angle.wrapping_add(rot_u8);
        let mut near = false;
        let from = gp.partition_point(|q| q.x < x - AREA_REACH);
        for (j, q) in gp.iter().enumerate().skip(from) {
            if q.x > x + AREA_REACH {
                break;
            }
            let (dx, dy) = (q.x - x, q.y - y);
            let d2 = dx * dx + dy * dy;
            if d2 <= reach2 {
                near = true;
                s.used_g[j] = true;
            }
            let da = adiff(q.angle, a).unsigned_abs();
            if d2 <= s.tol2[j] && da <= PAIR_ANGLE {
                let key = (d2 * 16.0) as u64;
                s.cand
                    .push(key << 24 | (i as u64) << 16 | (j as u64) << 8 | u64::from(da));
            }
        }
        in_g += u32::from(near);
    }
    in_p += s.used_g[..gp.len()].iter().filter(|&&x| x).count() as u32;
    s.cand.sort_unstable();
    s.used_p[..pp.len()].fill(false);
    s.used_g[..gp.len()].fill(false);
    let mut paired = 0u32;
    let mut weight = 0.0f32;
    s.pairs.clear();
    for &c in &s.cand {
        let (key, i, j, da) = (c >> 24, (c >> 16) as u8, (c >> 8) as u8, c as u8);
        let (iu, ju) = (usize::from(i), usize::from(j));
        if !s.used_p[iu] && !s.used_g[ju] {
            s.used_p[iu] = true;
            s.used_g[ju] = true;
            s.pairs.push((i, j));
            paired += 1;
            let near = 1.0 - (key as f32 / 16.0) / s.tol2[ju];
            let aligned = 1.0 - ANGLE_WEIGHT * f32::from(da) / PAIR_ANGLE as f32;
            weight += near.max(0.0) * aligned;
        }
    }
    // Least-squares rigid motion of the pairings (probe → stored), for a second pass.
    let refit = (paired >= 3).then(|| {
        let (mut p0, mut q0) = ((0.0f32, 0.0f32), (0.0f32, 0.0f32));
        for &(i, j) in &s.pairs {
            let (p, q) = (&pp[usize::from(i)], &gp[usize::from(j)]);
            p0 = (p0.0 + p.x, p0.1 + p.y);
            q0 = (q0.0 + q.x, q0.1 + q.y);
        }
        let n = s.pairs.len() as f32;
        let (p0, q0) = ((p0.0 / n, p0.1 / n), (q0.0 / n, q0.1 / n));
        let (mut sc, mut ss) = (0.0f32, 0.0f32);
        for &(i, j) in &s.pairs {
            let (p, q) = (&pp[usize::from(i)], &gp[usize::from(j)]);
            let (px, py) = (p.x - p0.0, p.y - p0.1);
            let (qx, qy) = (q.x - q0.0, q.y - q0.1);
            sc += px * qx + py * qy;
            ss += px * qy - py * qx;
        }
        let r = ss.atan2(sc);
        let (sn, cs) = r.sin_cos();
        let t = (
            q0.0 - (cs * p0.0 - sn * p0.1),
            q0.1 - (sn * p0.0 + cs * p0.1),
        );
        (r, t, q0)
    });
    Pass {
        details: Details {
            paired,
            weight,
            probe_in: in_g,
            stored_in: in_p,
            locals: 0,
        },
        refit,
    }
}
