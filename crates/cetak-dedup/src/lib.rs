//! Finding duplicate recordings (*data ganda*) among an office's records. No I/O.
//!
//! 1. **Prepare** each recording: name tokens without titles and spelling reforms
//!    ([`normalize`]), birth date, NIK parts, mother's name, kelurahan, birthplace.
//! 2. **Block**: several cheap keys (NIK; birth date + first name; birth date + mother;
//!    name + birth year; mother + first name) so that a resident who moved in with a new NIK
//!    and a typo in the name still meets their first recording; a block larger than
//!    [`Config::max_block`] is skipped for that key, so no common name explodes.
//! 3. **Score** each candidate pair with Fellegi–Sunter weights per field level
//!    ([`model`]): `u` from random pairs with term-frequency adjustment for exact names,
//!    `m` by EM on the candidate pairs — no labels needed.
//! 4. **Cluster** pairs into persons, most certain first, refusing a merge that would join two
//!    recordings with strong evidence against each other (no chaining through a third) or
//!    that a supervisor said are different people.
//! 5. **Prints** ([`finger`]), where recordings have index-finger templates: their scores are
//!    one more field with calibrated levels, both fingers clearly different vetoes a link,
//!    a strong match links, and a recording no demographic key paired is searched by prints.
//! 6. **Decide**: certain links become duplicates of a survivor (a recording that already has
//!    a card, else the latest recording), unclear pairs wait for a supervisor, the rest are
//!    unique.
#![deny(missing_docs)]

pub mod finger;
mod jaro;
pub mod model;
pub mod normalize;

use std::borrow::Cow;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;
use serde::Serialize;

use finger::{FingerModel, PrintMatch, Prints};
use model::{FIELDS, Model, compare};

/// One recording as dedup sees it.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The enrollment's id.
    pub id: String,
    /// 16-digit NIK.
    pub nik: String,
    /// Name as printed.
    pub nama: String,
    /// Birth date as `YYYY-MM-DD`.
    pub tanggal_lahir: String,
    /// `true` for PEREMPUAN.
    pub female: bool,
    /// Place of birth.
    pub tempat_lahir: String,
    /// Mother's name.
    pub nama_ibu: String,
    /// Street address.
    pub alamat: String,
    /// Kelurahan (a canonical code or name: the caller maps spellings).
    pub kelurahan: String,
    /// When recorded (sortable text).
    pub recorded_at: String,
    /// A card was printed or issued for it: it must survive.
    pub has_card: bool,
    /// A printed field is not valid (*perlu perbaikan*): it takes part with what it has, but a
    /// clean recording of the same person survives before it.
    pub needs_correction: bool,
}

/// A recording prepared for comparison, borrowing what needs no change from the recording (a
/// million of them are held at once).
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    /// The name as recorded (twins may share a name key: AISYAH / AISYA).
    pub(crate) nama: &'a str,
    pub(crate) tokens: Vec<normalize::Token>,
    /// Bit i: `tokens[i]` is a known given name (see [`normalize::is_known_name`]).
    pub(crate) known: u32,
    pub(crate) name_key: String,
    pub(crate) dob: [u16; 3],
    pub(crate) female: bool,
    pub(crate) nik: &'a str,
    pub(crate) mother_key: String,
    pub(crate) mother_first: normalize::Token,
    pub(crate) kelurahan: &'a str,
    pub(crate) alamat: Cow<'a, str>,
    pub(crate) birthplace: Cow<'a, str>,
    /// Share of all recordings with this `name_key` (filled in by `term_frequencies`).
    pub(crate) name_tf: f64,
    /// Share of all recordings with this `mother_key`.
    pub(crate) mother_tf: f64,
}

impl Prepared<'_> {
    /// The first token of the name (empty for no name).
    pub(crate) fn first(&self) -> &str {
        self.tokens.first().map_or("", |t| t)
    }
}

fn prepare<'a>(r: &'a Recording, cache: &mut normalize::TokenCache) -> Prepared<'a> {
    let tokens = normalize::name_tokens_cached(&r.nama, cache);
    let mother = normalize::name_tokens_cached(&r.nama_ibu, cache);
    let d = &r.tanggal_lahir;
    let num = |a: usize, b: usize| d.get(a..b).and_then(|s| s.parse().ok()).unwrap_or(0);
    Prepared {
        nama: r.nama.trim(),
        known: tokens
            .iter()
            .take(32)
            .enumerate()
            .filter(|(_, t)| normalize::is_known_name(t))
            .fold(0, |bits, (i, _)| bits | 1 << i),
        name_key: normalize::name_key(&tokens),
        tokens,
        dob: [num(0, 4), num(5, 7), num(8, 10)],
        female: r.female,
        nik: &r.nik,
        mother_key: normalize::name_key(&mother),
        mother_first: mother.first().cloned().unwrap_or_else(|| "".into()),
        kelurahan: &r.kelurahan,
        alamat: upper(squeeze_spaces(&r.alamat)),
        birthplace: upper(Cow::Borrowed(r.tempat_lahir.trim())),
        name_tf: 0.0,
        mother_tf: 0.0,
    }
}

/// In upper case, borrowing what already is.
fn upper(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(s.to_ascii_uppercase())
    } else {
        s
    }
}

/// Words separated by single spaces (borrowing the common case that already is).
fn squeeze_spaces(s: &str) -> Cow<'_, str> {
    let clean = !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && !s.contains(|c: char| c.is_whitespace() && c != ' ');
    if clean {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// Tunable thresholds.
#[derive(Debug, Clone)]
pub struct Config {
    /// Match probability at or above which a pair is linked automatically.
    pub auto_link: f64,
    /// Match probability at or above which an unlinked pair goes to a supervisor.
    pub review: f64,
    /// Match probability below which a pair is evidence *against* being one person.
    pub cannot_link: f64,
    /// Blocks larger than this are skipped for their key.
    pub max_block: usize,
    /// A person with more recordings than this goes to review instead of growing.
    pub max_cluster: usize,
    /// Two different known given names on two different NIKs are two people, whatever else
    /// agrees: twins share mother, birth date and address. Right for KTP recordings; off for
    /// data whose duplicates replace given names at random (the FEBRL benchmark).
    pub twin_rule: bool,
    /// Also block on single fields (birth date, first name, last name, kelurahan), capped
    /// by `max_block`: for small files with heavy corruption, not for a city's registry.
    pub single_field_keys: bool,
    /// A recording with prints that no demographic key paired is searched by prints: this
    /// many best gallery templates are scored with both fingers (0: no search).
    pub print_search_top: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            auto_link: 0.99,
            review: 0.5,
            cannot_link: 0.01,
            max_block: 300,
            max_cluster: 8,
            twin_rule: true,
            single_field_keys: false,
            print_search_top: 4,
        }
    }
}

/// A supervisor's earlier decision about a pair (by recording id).
#[derive(Debug, Clone)]
pub struct Decision {
    /// One recording.
    pub a: String,
    /// The other.
    pub b: String,
    /// Same person (`true`) or different people.
    pub same: bool,
}

/// Per-field evidence of one pair.
#[derive(Debug, Clone, Serialize)]
pub struct FieldEvidence {
    /// Field name.
    pub field: &'static str,
    /// Agreement level, e.g. `exact`, `fuzzy`, `transposed`, `differs`.
    pub level: &'static str,
    /// Its weight (log2 Bayes factor).
    pub weight: f64,
}

/// The evidence of one pair, kept compact (a million-row run links hundreds of thousands of
/// pairs): each field's level and weight. It serialises as a list of [`FieldEvidence`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    levels: [u8; model::FIELDS],
    weights: [f64; model::FIELDS],
    /// The finger level ([`finger::LEVELS`]), `model::MISSING` when either side has no prints.
    finger: u8,
    finger_weight: f64,
}

impl Evidence {
    /// Per field: its name, level and weight (log2 Bayes factor, two decimals).
    /// A pair without prints has exactly the demographic fields; with prints, `sidik_jari`
    /// follows them.
    pub fn fields(&self) -> Vec<FieldEvidence> {
        let round = |w: f64| (w * 100.0).round() / 100.0;
        let mut out: Vec<FieldEvidence> = (0..model::FIELDS)
            .map(|f| FieldEvidence {
                field: model::FIELD_NAMES[f],
                level: model::level_name(f, self.levels[f]),
                weight: round(self.weights[f]),
            })
            .collect();
        if let Some(level) = finger::LEVELS.get(usize::from(self.finger)) {
            out.push(FieldEvidence {
                field: finger::FIELD,
                level,
                weight: round(self.finger_weight),
            });
        }
        out
    }

    /// The finger level's name, when both recordings have prints.
    pub fn finger_level(&self) -> Option<&'static str> {
        finger::LEVELS.get(usize::from(self.finger)).copied()
    }

    fn with_finger(mut self, level: Option<u8>, weight: f64) -> Evidence {
        if let Some(l) = level {
            self.finger = l;
            self.finger_weight = weight;
        }
        self
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.fields().serialize(s)
    }
}

/// A scored pair with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredPair {
    /// Index of one recording in the input.
    pub a: u32,
    /// Index of the other.
    pub b: u32,
    /// Match probability.
    pub probability: f64,
    /// Evidence per field.
    pub evidence: Evidence,
    /// Why it waits for a supervisor (review pairs only).
    pub why: Option<String>,
}

/// What dedup concluded for one recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// No other recording of this person (or it is the survivor of its person).
    Unique,
    /// Another recording of a person whose survivor is the given index.
    Duplicate {
        /// Index of the surviving recording.
        survivor: u32,
    },
    /// At least one unclear pair waits for a supervisor.
    AwaitingDecision,
}

/// Everything one run found.
#[derive(Debug, Serialize)]
pub struct DedupResult {
    /// Per input recording.
    pub outcomes: Vec<Outcome>,
    /// Pairs linked automatically (and by supervisors' "same" decisions).
    pub links: Vec<ScoredPair>,
    /// Pairs waiting for a supervisor.
    pub review: Vec<ScoredPair>,
    /// Candidate pairs compared.
    pub compared: u64,
    /// Blocks skipped for being larger than `max_block`.
    pub skipped_blocks: u64,
    /// The fitted model.
    pub model: Model,
    /// The finger field's model, when any recording has prints.
    pub finger_model: Option<FingerModel>,
    /// What the prints did.
    pub prints: PrintStats,
}

/// What the prints did in one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrintStats {
    /// Recordings with at least one index-finger template.
    pub recordings_with_prints: u64,
    /// Candidate pairs whose prints were compared.
    pub pairs_compared: u64,
    /// Recordings without a demographic candidate, searched by prints alone.
    pub searched_alone: u64,
    /// Pairs the prints-only search found (strong matches).
    pub found_alone: u64,
    /// Seconds the prints-only search took (gallery built and searched).
    pub search_s: f64,
    /// Pairs vetoed: both fingers clearly different.
    pub vetoed: u64,
    /// Pairs linked on a strong print match that the demographics alone would not link.
    pub linked_by_prints: u64,
}

struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) -> u32 {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
        a
    }
}

/// Who belongs with whom: each person's recordings form a ring (`next` points to another
/// recording of the same person), so joining two persons is one swap and no recording needs
/// a list of its own.
struct Members {
    next: Vec<u32>,
}

impl Members {
    fn new(n: usize) -> Members {
        Members {
            next: (0..n as u32).collect(),
        }
    }
    /// Join the rings of `a` and `b` (which must be in different rings).
    fn join(&mut self, a: u32, b: u32) {
        self.next.swap(a as usize, b as usize);
    }
    /// Every recording in the ring of `x`, starting with `x`.
    fn of(&self, x: u32) -> impl Iterator<Item = u32> + '_ {
        let mut at = Some(x);
        std::iter::from_fn(move || {
            let here = at?;
            let next = self.next[here as usize];
            at = (next != x).then_some(next);
            Some(here)
        })
    }
}

/// A block key under construction: 64-bit FNV-1a over the key's parts with a final mix.
/// Block keys only need to spread, not resist attack; a rare collision only adds a comparison.
struct KeyHash(u64);

impl KeyHash {
    fn new(kind: u8) -> KeyHash {
        let mut h = KeyHash(0xcbf2_9ce4_8422_2325);
        h.bytes(&[kind]);
        h
    }
    fn bytes(&mut self, bytes: &[u8]) -> &mut KeyHash {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so that ("AB", "C") and ("A", "BC") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        self
    }
    fn str(&mut self, s: &str) -> &mut KeyHash {
        self.bytes(s.as_bytes())
    }
    fn date(&mut self, d: [u16; 3]) -> &mut KeyHash {
        let [y, m, day] = d;
        let [y0, y1] = y.to_le_bytes();
        self.bytes(&[y0, y1, m as u8, day as u8])
    }
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

/// Each blocking key: its hash for a record, or `None` when the record has no such key.
type KeyFn = fn(&Prepared<'_>) -> Option<u64>;

/// The blocking keys with their block caps as a share of [`Config::max_block`] (divisor).
const BLOCK_KEYS: [(KeyFn, usize); 10] = [
    (
        |r| (!r.nik.is_empty()).then(|| KeyHash::new(0).str(r.nik).finish()),
        1,
    ),
    (
        |r| (!r.first().is_empty()).then(|| KeyHash::new(1).date(r.dob).str(r.first()).finish()),
        1,
    ),
    (
        |r| {
            (!r.mother_first.is_empty()).then(|| {
                KeyHash::new(2)
                    .date(r.dob)
                    .str(&r.mother_first)
                    .bytes(&[u8::from(r.female)])
                    .finish()
            })
        },
        1,
    ),
    (
        |r| {
            (!r.name_key.is_empty()).then(|| {
                KeyHash::new(3)
                    .bytes(&r.dob[0].to_le_bytes())
                    .str(&r.name_key)
                    .finish()
            })
        },
        1,
    ),
    (
        |r| {
            (!r.mother_key.is_empty() && !r.first().is_empty())
                .then(|| KeyHash::new(4).str(&r.mother_key).str(r.first()).finish())
        },
        1,
    ),
    // The NIK's own date and sex digits with the first name: a new NIK after a move keeps them.
    (
        |r| {
            (r.nik.len() == 16 && !r.first().is_empty() && r.nik.is_char_boundary(6)).then(|| {
                KeyHash::new(5)
                    .bytes(&r.nik.as_bytes()[6..12])
                    .str(r.first())
                    .finish()
            })
        },
        1,
    ),
    // First and last name with the birth year, or with day and month: one mistyped part of
    // the date with the name intact. (First and last name alone make huge blocks of
    // MUHAMMAD RIZKIs and find nothing more.)
    (
        |r| {
            (r.tokens.len() >= 2 && r.dob[0] != 0).then(|| {
                KeyHash::new(6)
                    .bytes(&r.dob[0].to_le_bytes())
                    .str(r.first())
                    .str(&r.tokens[r.tokens.len() - 1])
                    .finish()
            })
        },
        1,
    ),
    (
        |r| {
            (r.tokens.len() >= 2 && r.dob[1] != 0).then(|| {
                KeyHash::new(9)
                    .bytes(&[r.dob[1] as u8, r.dob[2] as u8])
                    .str(r.first())
                    .str(&r.tokens[r.tokens.len() - 1])
                    .finish()
            })
        },
        1,
    ),
    // Birth date and last name: a typo in the first name.
    (
        |r| {
            (r.tokens.len() >= 2 && r.dob != [0; 3]).then(|| {
                KeyHash::new(7)
                    .date(r.dob)
                    .str(&r.tokens[r.tokens.len() - 1])
                    .finish()
            })
        },
        1,
    ),
    // One household: the same street address in the same kelurahan.
    (
        |r| {
            (!r.alamat.is_empty() && !r.kelurahan.is_empty())
                .then(|| KeyHash::new(8).str(r.kelurahan).str(&r.alamat).finish())
        },
        10,
    ),
];

/// Keys of one field each, for small files whose duplicates are corrupted in every field at
/// once (the FEBRL benchmark; the anchor blocks the same way). On a city's registry their
/// blocks are thousands of recordings: [`Config::single_field_keys`] is off there.
const SINGLE_FIELD_KEYS: [(KeyFn, usize); 4] = [
    (
        |r| (r.dob != [0; 3]).then(|| KeyHash::new(20).date(r.dob).finish()),
        1,
    ),
    (
        |r| (!r.first().is_empty()).then(|| KeyHash::new(21).str(r.first()).finish()),
        1,
    ),
    (
        |r| r.tokens.last().map(|t| KeyHash::new(22).str(t).finish()),
        1,
    ),
    (
        |r| (!r.kelurahan.is_empty()).then(|| KeyHash::new(23).str(r.kelurahan).finish()),
        1,
    ),
];

fn candidate_pairs(p: &[Prepared], config: &Config) -> (Vec<(u32, u32)>, u64) {
    let max_block = config.max_block;
    let keys: Vec<(KeyFn, usize)> = if config.single_field_keys {
        BLOCK_KEYS
            .iter()
            .chain(&SINGLE_FIELD_KEYS)
            .copied()
            .collect()
    } else {
        BLOCK_KEYS.to_vec()
    };
    // A key's hash and the recording's index share one word, so that a block is a run of one
    // sorted Vec<u64>: the index takes the low bits, the hash the rest (44 bits for a million
    // recordings; two keys that meet in those bits only add comparisons).
    let index_bits = (64 - (p.len() as u64).leading_zeros()).max(1);
    let index_mask = (1u64 << index_bits) - 1;
    // A pair as one word too: lower index high, so that sorting orders by (a, b).
    let per_key: Vec<(Vec<u64>, u64)> = keys
        .par_iter()
        .map(|&(key, divisor)| {
            let cap = (max_block / divisor).max(2);
            let mut keyed: Vec<u64> = p
                .iter()
                .enumerate()
                .filter_map(|(i, r)| key(r).map(|h| (h & !index_mask) | i as u64))
                .collect();
            keyed.sort_unstable();
            let mut pairs = Vec::new();
            let mut skipped = 0;
            for block in keyed.chunk_by(|x, y| x & !index_mask == y & !index_mask) {
                if block.len() > cap {
                    skipped += 1;
                    continue;
                }
                // Sorted, so within a block the indexes ascend: a < b.
                for (x, &a) in block.iter().enumerate() {
                    for &b in &block[x + 1..] {
                        pairs.push((a & index_mask) << 32 | (b & index_mask));
                    }
                }
            }
            (pairs, skipped)
        })
        .collect();
    let skipped = per_key.iter().map(|(_, s)| s).sum();
    let mut all: Vec<u64> = per_key.into_iter().flat_map(|(p, _)| p).collect();
    all.par_sort_unstable();
    all.dedup();
    let pairs = all
        .into_iter()
        .map(|w| ((w >> 32) as u32, w as u32))
        .collect();
    (pairs, skipped)
}

/// Whether two recordings look like twins rather than one person: names not written the same
/// (their keys may still agree: AISYAH / AISYA), and either (a) two NIKs of one kecamatan and one birth date (the +40 of a girl
/// aside) with different serials — twins are registered together, serial after serial — or
/// (b) the one given name that differs is a known name on both sides (RIZKI / RIZKA,
/// HASAN / HUSIN), with the same birth date and mother, or (c) it is another name altogether
/// (KIRANA / AJENG), with the same birth date and a mother who agrees or is missing on one
/// side; (b) and (c) hold even on one NIK, which a typo can make equal. Such a pair is never linked automatically.
pub(crate) fn twin_shaped(a: &Prepared, b: &Prepared, levels: &[u8; model::FIELDS]) -> bool {
    const NAME_EXACT: u8 = 6;
    let name = levels[0];
    if name == model::MISSING || (name == NAME_EXACT && a.nama == b.nama) {
        return false;
    }
    let nik_twins = || {
        let (x, y) = (a.nik.as_bytes(), b.nik.as_bytes());
        let digits = |n: &[u8]| n.len() == 16 && n.iter().all(u8::is_ascii_digit);
        if !digits(x) || !digits(y) || x == y || x[..6] != y[..6] || x[8..12] != y[8..12] {
            return false;
        }
        let day = |n: &[u8]| (u16::from(n[6] - b'0') * 10 + u16::from(n[7] - b'0')) % 40;
        day(x) == day(y) && x[12..] != y[12..]
    };
    let other_given_name = || {
        const DOB_EXACT: u8 = 4;
        let mother = levels[3];
        let mother_agrees = (1..=2).contains(&mother);
        if levels[1] != DOB_EXACT || !(mother_agrees || mother == model::MISSING) {
            return false;
        }
        let mut only_a = only_tokens(a, b);
        let mut only_b = only_tokens(b, a);
        match (only_a.next(), only_a.next(), only_b.next(), only_b.next()) {
            // A typo changes a letter or two; a given name that shares little with the other
            // is another name (KIRANA / AJENG), even when one mother's name is missing.
            (Some((x, kx)), None, Some((y, ky)), None) => {
                (mother_agrees && kx && ky && x != y) || other_name(x, y)
            }
            _ => false,
        }
    };
    nik_twins() || other_given_name()
}

/// Two given names (their sound keys) that no typing slip turns into each other: at least
/// three edits apart, more than half of the shorter one changed. A digit or a neighbouring
/// key for a letter, a swap or a dropped letter is one edit (8ERNARDUS, IAF for IFA, EO for
/// EKO); KIRANA / AJENG or LAILA / ZUBAIDAH are other names.
fn other_name(x: &str, y: &str) -> bool {
    let edits = jaro::osa_distance(x, y);
    edits >= 3 && 2 * edits > x.len().min(y.len())
}

/// (token, is a known name) of `x` that `y` lacks.
fn only_tokens<'a>(
    x: &'a Prepared,
    y: &'a Prepared,
) -> impl Iterator<Item = (&'a normalize::Token, bool)> {
    x.tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !y.tokens.contains(t))
        .map(|(i, t)| (t, i < 32 && x.known & (1 << i) != 0))
}

/// Run dedup over all recordings, honouring earlier supervisor decisions.
pub fn run(recordings: &[Recording], decisions: &[Decision], config: &Config) -> DedupResult {
    run_with_prints(recordings, &[], decisions, config)
}

/// [`run`] with each recording's prints (`prints[i]` for `recordings[i]`; shorter or empty
/// for none). A pair where either side has no prints is decided as [`run`] decides it.
pub fn run_with_prints(
    recordings: &[Recording],
    prints: &[Prints],
    decisions: &[Decision],
    config: &Config,
) -> DedupResult {
    let has_prints = |i: u32| prints.get(i as usize).is_some_and(|p| !p.is_empty());
    let mut stats = PrintStats {
        recordings_with_prints: (0..recordings.len() as u32)
            .filter(|&i| has_prints(i))
            .count() as u64,
        ..PrintStats::default()
    };
    let mut prepared: Vec<Prepared> = recordings
        .par_iter()
        .map_init(normalize::TokenCache::default, |cache, r| prepare(r, cache))
        .collect();
    model::term_frequencies(&mut prepared);
    // Only the recordings named in decisions need finding by id.
    let named: HashSet<&str> = decisions
        .iter()
        .flat_map(|d| [d.a.as_str(), d.b.as_str()])
        .collect();
    let index: HashMap<&str, u32> = if named.is_empty() {
        HashMap::default()
    } else {
        recordings
            .iter()
            .enumerate()
            .filter(|(_, r)| named.contains(r.id.as_str()))
            .map(|(i, r)| (r.id.as_str(), i as u32))
            .collect()
    };
    let (mut pairs, skipped_blocks) = candidate_pairs(&prepared, config);
    let n = recordings.len();
    // Recordings no demographic key paired, searched by prints alone.
    let mut from_prints: HashSet<(u32, u32)> = HashSet::default();
    if stats.recordings_with_prints > 1 && config.print_search_top > 0 {
        let started = std::time::Instant::now();
        let mut touched = vec![false; n];
        for &(a, b) in &pairs {
            touched[a as usize] = true;
            touched[b as usize] = true;
        }
        let searched: Vec<u32> = (0..n as u32)
            .filter(|&i| !touched[i as usize] && has_prints(i))
            .collect();
        if !searched.is_empty() {
            let (found, _) = finger::search_by_prints(prints, &searched, config.print_search_top);
            stats.searched_alone = searched.len() as u64;
            stats.found_alone = found.len() as u64;
            from_prints.extend(found.iter().copied());
            pairs.extend(found);
            pairs.sort_unstable();
            pairs.dedup();
        }
        stats.search_s = started.elapsed().as_secs_f64();
    }
    // Decided pairs are always scored, so their evidence stays at hand.
    let mut decided: HashMap<(u32, u32), bool> = HashMap::default();
    for d in decisions {
        if let (Some(&a), Some(&b)) = (index.get(d.a.as_str()), index.get(d.b.as_str())) {
            decided.insert((a.min(b), a.max(b)), d.same);
            pairs.push((a.min(b), a.max(b)));
        }
    }
    if !decided.is_empty() {
        pairs.sort_unstable();
        pairs.dedup();
    }
    let levels: Vec<[u8; FIELDS]> = pairs
        .par_iter()
        .map(|&(a, b)| {
            compare(
                &prepared[a as usize],
                &prepared[b as usize],
                config.twin_rule,
            )
        })
        .collect();
    // Pairs shaped like twins: never linked on their score alone.
    let twins: Vec<bool> = if config.twin_rule {
        pairs
            .par_iter()
            .zip(&levels)
            .map(|(&(a, b), l)| twin_shaped(&prepared[a as usize], &prepared[b as usize], l))
            .collect()
    } else {
        Vec::new()
    };
    let is_twin = |i: usize| twins.get(i).copied().unwrap_or(false);
    // The demographic model learns from the demographic candidates only, so that prints
    // change nothing for a pair without them.
    let model = if from_prints.is_empty() {
        Model::fit(&prepared, &levels, config.twin_rule)
    } else {
        let blocked: Vec<[u8; FIELDS]> = pairs
            .iter()
            .zip(&levels)
            .filter(|(p, _)| !from_prints.contains(p))
            .map(|(_, l)| *l)
            .collect();
        Model::fit(&prepared, &blocked, config.twin_rule)
    };
    // The prints of every pair where both sides have them, and the finger field's model.
    // Without prints nothing is allocated per pair (1.6 million pairs at a million rows).
    let fingers: Vec<Option<PrintMatch>> = if stats.recordings_with_prints > 1 {
        finger::score_pairs(prints, &pairs)
    } else {
        Vec::new()
    };
    let finger_of = |i: usize| fingers.get(i).copied().flatten();
    let finger_model = (stats.recordings_with_prints > 1).then(|| {
        let candidate_log2 = (model.lambda / (1.0 - model.lambda)).log2();
        let candidates: Vec<(u8, f64)> = fingers
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let level = m.and_then(|m| m.level())?;
                let a = &prepared[pairs[i].0 as usize];
                Some((level, candidate_log2 + model.bayes_log2(a, &levels[i])))
            })
            .collect();
        FingerModel::fit(prints, &candidates)
    });
    stats.pairs_compared = fingers.iter().filter(|m| m.is_some()).count() as u64;
    let finger_level = |i: usize| finger_of(i).and_then(|m| m.level());
    let finger_weight = |i: usize| match (finger_level(i), &finger_model) {
        (Some(l), Some(fm)) => fm.weight(l),
        _ => 0.0,
    };
    let strong = |i: usize| finger_of(i).is_some_and(|m| m.strong());
    let differ = |i: usize| finger_of(i).is_some_and(|m| m.differ());
    // (pair, probability used for linking, the model's own probability)
    let mut scored: Vec<(usize, f64, f64)> = levels
        .par_iter()
        .enumerate()
        .map(|(i, l)| {
            let p = model.probability_with(&prepared[pairs[i].0 as usize], l, finger_weight(i));
            // Prints that clearly differ on both fingers are two people (twins); prints that
            // match strongly are one person, whatever the names and NIKs say.
            if differ(i) {
                return (i, 0.0, p);
            }
            if strong(i) {
                return (i, p.max(config.auto_link), p);
            }
            let vetoed = if config.twin_rule {
                Model::veto(l)
            } else {
                None
            };
            (i, vetoed.unwrap_or(p), p)
        })
        .collect();
    let evidence = |i: usize, prob: f64, why: Option<String>| {
        let (a, b) = pairs[i];
        ScoredPair {
            a,
            b,
            probability: prob,
            evidence: model
                .evidence(&prepared[a as usize], &levels[i])
                .with_finger(finger_level(i), finger_weight(i)),
            why,
        }
    };

    // Evidence against: strong negative scores and "different people" decisions, by pair
    // index (`pairs` is sorted and unique, so a pair is found by binary search): one byte per
    // pair instead of a hash set of most of them.
    debug_assert!(
        pairs.windows(2).all(|w| w[0] < w[1]),
        "pairs sorted, unique"
    );
    let mut against_at = vec![false; pairs.len()];
    for &(i, _, model_prob) in &scored {
        let key = pairs[i];
        let different = decided.get(&key) == Some(&false);
        // The model's own score (the finger level's weight included), not a veto: a typo that
        // empties the name match of a true duplicate, or one poor capture that vetoes its own
        // link, must not block its person from being assembled through other recordings.
        let against = model_prob < config.cannot_link && !strong(i);
        against_at[i] = different || (against && decided.get(&key) != Some(&true));
    }
    let against = |key: &(u32, u32)| pairs.binary_search(key).is_ok_and(|i| against_at[i]);

    // Most certain first; supervisor "same" decisions count as certain.
    for (i, prob, _) in scored.iter_mut() {
        if decided.get(&pairs[*i]) == Some(&true) {
            *prob = 1.0;
        }
    }
    stats.vetoed = scored
        .iter()
        .filter(|&&(i, _, _)| differ(i) && !decided.contains_key(&pairs[i]))
        .count() as u64;
    scored.par_sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    // Two recordings already in clusters, compared on demand: evidence against them being
    // one person, as for a candidate pair (a strong print match is never against; the finger
    // level's weight counts like any field's).
    let apart = |m: u32, o: u32| {
        let mut finger_weight = 0.0;
        if has_prints(m) && has_prints(o) {
            let level = finger::compare(&prints[m as usize], &prints[o as usize]);
            if level.is_some_and(|f| f.strong()) {
                return false;
            }
            if let (Some(l), Some(fm)) = (level.and_then(|f| f.level()), &finger_model) {
                finger_weight = fm.weight(l);
            }
        }
        let (pm, po) = (&prepared[m as usize], &prepared[o as usize]);
        let l = compare(pm, po, config.twin_rule);
        model.probability_with(pm, &l, finger_weight) < config.cannot_link
            // Nor joined through a third recording when they look like twins.
            || (config.twin_rule && twin_shaped(pm, po, &l))
    };
    let mut uf = UnionFind::new(n);
    let mut members = Members::new(n);
    let mut links = Vec::new();
    let mut review = Vec::new();
    for &(i, prob, _) in &scored {
        let (a, b) = pairs[i];
        match decided.get(&(a, b)) {
            Some(false) => continue,
            None if prob < config.review => break,
            _ => {}
        }
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            continue;
        }
        if prob < config.auto_link {
            review.push(evidence(i, prob, Some(model::WHY_UNCLEAR.into())));
            continue;
        }
        // Twins share birth date, address, mother, family name and NIK region: on that
        // evidence alone a supervisor decides (a "same person" decision links them).
        if is_twin(i) && !strong(i) && decided.get(&(a, b)) != Some(&true) {
            review.push(evidence(i, prob, Some(model::WHY_TWINS.into())));
            continue;
        }
        // No chaining: every recording of one side must be compatible with every recording
        // of the other, compared or not (clusters are small: at most `max_cluster`).
        // Two single recordings: their own pair, being linked, is the only cross pair.
        let (size_a, size_b) = (uf.size[ra as usize], uf.size[rb as usize]);
        let singles = size_a == 1 && size_b == 1;
        let conflict = !singles
            && members.of(ra).any(|m| {
                members.of(rb).any(|o| {
                    let key = (m.min(o), m.max(o));
                    match decided.get(&key) {
                        Some(same) => !same,
                        None => against(&key) || apart(m, o),
                    }
                })
            });
        let too_big = (size_a + size_b) as usize > config.max_cluster;
        if conflict || too_big {
            let why = if conflict {
                model::WHY_CHAIN
            } else {
                model::WHY_TOO_BIG
            };
            review.push(evidence(i, prob, Some(why.into())));
            continue;
        }
        uf.union(a, b);
        members.join(a, b);
        if strong(i) && model.probability(&prepared[a as usize], &levels[i]) < config.auto_link {
            stats.linked_by_prints += 1;
        }
        links.push(evidence(i, prob, None));
    }

    let mut outcomes = vec![Outcome::Unique; n];
    let groups: Vec<Vec<u32>> = (0..n as u32)
        .filter(|&x| uf.parent[x as usize] == x && uf.size[x as usize] > 1)
        .map(|root| members.of(root).collect())
        .collect();
    for group in &groups {
        let survivor = *group
            .iter()
            .max_by(|&&x, &&y| {
                let (rx, ry) = (&recordings[x as usize], &recordings[y as usize]);
                rx.has_card
                    .cmp(&ry.has_card)
                    .then(ry.needs_correction.cmp(&rx.needs_correction))
                    .then(rx.recorded_at.cmp(&ry.recorded_at))
                    .then(rx.id.cmp(&ry.id))
            })
            .unwrap_or(&group[0]);
        for &m in group {
            if m != survivor {
                outcomes[m as usize] = Outcome::Duplicate { survivor };
            }
        }
        // Two cards for one person cannot be fixed here: a supervisor must look.
        if group
            .iter()
            .filter(|&&m| recordings[m as usize].has_card)
            .count()
            > 1
        {
            for &m in group {
                outcomes[m as usize] = Outcome::AwaitingDecision;
            }
        }
    }
    // An unclear pair asks whether the smaller group of recordings belongs to the larger one's
    // person: the smaller group waits (both, when equal); a person already assembled from
    // certain links is not held back by one doubtful extra recording.
    for p in &review {
        let (ra, rb) = (uf.find(p.a), uf.find(p.b));
        let (sa, sb) = (uf.size[ra as usize], uf.size[rb as usize]);
        let waiting: Vec<u32> = match sa.cmp(&sb) {
            std::cmp::Ordering::Less => members.of(ra).collect(),
            std::cmp::Ordering::Greater => members.of(rb).collect(),
            std::cmp::Ordering::Equal => members.of(ra).chain(members.of(rb)).collect(),
        };
        for x in waiting {
            if !recordings[x as usize].has_card {
                outcomes[x as usize] = Outcome::AwaitingDecision;
            }
        }
    }
    DedupResult {
        outcomes,
        links,
        review,
        compared: pairs.len() as u64,
        skipped_blocks,
        model,
        finger_model,
        prints: stats,
    }
}

#[cfg(test)]
mod other_name_tests {
    use super::other_name;

    #[test]
    fn typing_slips_are_the_same_name_and_other_names_are_not() {
        for (x, y) in [
            ("IFA", "IAF"),
            ("EKO", "EO"),
            ("BERNARDUS", "8ERNARDUS"),
            ("FATIMAH", "FATINAH"),
            ("RIZKI", "RIZKA"),
        ] {
            assert!(!other_name(x, y), "{x} / {y} is one name mistyped");
        }
        for (x, y) in [("KIRANA", "AJENG"), ("LAILA", "ZUBAIDAH"), ("ADI", "TONO")] {
            assert!(other_name(x, y), "{x} / {y} are two names");
        }
    }
}
