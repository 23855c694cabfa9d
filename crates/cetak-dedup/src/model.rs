//! Field comparisons and the Fellegi–Sunter model, estimated without labels.

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::normalize::Token;
use crate::{Evidence, Prepared};

/// Number of compared fields.
pub const FIELDS: usize = 7;
/// Field names, in comparison order.
pub const FIELD_NAMES: [&str; FIELDS] = [
    "nama",
    "tanggal_lahir",
    "nik",
    "nama_ibu",
    "alamat",
    "tempat_lahir",
    "jenis_kelamin",
];
/// Level labels per field, from "differs" (0) to "exact".
pub const LEVELS: [&[&str]; FIELDS] = [
    &[
        "distinct_given_names",
        "differs",
        "last_name_only",
        "first_name_only",
        "fuzzy",
        "close",
        "exact",
    ],
    &[
        "differs",
        "one_digit",
        "two_of_three",
        "transposed",
        "exact",
    ],
    &["differs", "near", "exact"],
    &["differs", "fuzzy", "exact"],
    &[
        "differs",
        "similar_address",
        "same_kelurahan",
        "same_address",
    ],
    &["differs", "similar", "same"],
    &["differs", "same"],
];

/// Indonesian and English words for a level code or a reason a pair waits (as stored with
/// the pair), for supervisors' screens; `None` for anything else.
pub fn words(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "distinct_given_names" => ("nama diri berbeda", "different given names"),
        "differs" => ("berbeda", "differs"),
        "last_name_only" => ("hanya nama belakang sama", "last name only"),
        "first_name_only" => ("hanya nama depan sama", "first name only"),
        "fuzzy" => ("mirip", "similar"),
        "close" => ("hampir sama", "nearly the same"),
        "exact" => ("sama persis", "exact"),
        "one_digit" => ("beda satu angka", "one digit apart"),
        "two_of_three" => ("dua dari tiga bagian sama", "two of three parts agree"),
        "transposed" => ("tanggal dan bulan tertukar", "day and month swapped"),
        "near" => ("beda satu ketikan", "one keystroke apart"),
        "similar_address" => ("alamat mirip", "similar address"),
        "same_kelurahan" => ("kelurahan sama", "same kelurahan"),
        "same_address" => ("alamat sama", "same address"),
        "similar" => ("mirip", "similar"),
        "same" => ("sama", "same"),
        "missing" => ("kosong", "missing"),
        // The finger evidence (crate::finger).
        "sidik_jari" => ("sidik jari", "fingerprints"),
        "non_match" => ("tidak cocok", "no match"),
        "weak" => ("sedikit mirip", "weak resemblance"),
        "match" => ("cocok", "match"),
        "strong_match" => ("cocok kuat", "strong match"),
        WHY_UNCLEAR => (
            "bukti belum cukup untuk memutuskan",
            "the evidence is not conclusive either way",
        ),
        WHY_CHAIN => (
            "menautkan akan menyatukan perekaman yang jelas milik orang berbeda",
            "linking would join recordings with strong evidence of being different people",
        ),
        WHY_TWINS => (
            "pasangan ini tampak seperti anak kembar: hanya petugas yang dapat membedakannya dari satu penduduk yang direkam dua kali",
            "the pair looks like twins: only a person can tell them from one resident recorded twice",
        ),
        WHY_TOO_BIG => (
            "menautkan akan membuat satu orang dari terlalu banyak perekaman",
            "linking would make one person of too many recordings",
        ),
        _ => return None,
    })
}

/// Why a pair waits: the evidence points neither way.
pub const WHY_UNCLEAR: &str = "the evidence is not conclusive either way";
/// Why a pair waits: it looks like twins (one birth date, address, mother and NIK region,
/// near given names), which only a person can tell from one resident recorded twice.
pub const WHY_TWINS: &str =
    "the pair looks like twins: only a person can tell them from one resident recorded twice";
/// Why a pair waits: linking would chain two people through a third recording.
pub const WHY_CHAIN: &str =
    "linking would join recordings with strong evidence of being different people";
/// Why a pair waits: the person would hold more recordings than `Config::max_cluster`.
pub const WHY_TOO_BIG: &str = "linking would make one person of too many recordings";

const NAME: usize = 0;
const DOB: usize = 1;
const NIK: usize = 2;
const MOTHER: usize = 3;

fn jw(a: &str, b: &str) -> f64 {
    crate::jaro::jaro_winkler(a, b)
}

fn name_level(a: &Prepared, b: &Prepared, twin_rule: bool) -> u8 {
    if a.name_key.is_empty() || b.name_key.is_empty() {
        return 1;
    }
    if a.name_key == b.name_key {
        return 6;
    }
    // A dropped middle name or a single-name record: every token of the shorter name appears.
    let (short, long) = if a.tokens.len() <= b.tokens.len() {
        (a, b)
    } else {
        (b, a)
    };
    let subset = short.tokens.iter().all(|t| long.tokens.contains(t));
    let whole = jw(&a.name_key, &b.name_key);
    // A single name inside a longer one (DEBORA / DEBORA LATIFAH) is common among different
    // people: only a subset of two or more different tokens counts as close (CAMPBELL
    // CAMPBELL is one name twice).
    let repeats = |t: &[Token]| t.iter().enumerate().any(|(i, x)| t[..i].contains(x));
    let close_subset = subset && short.tokens.len() >= 2 && !repeats(&short.tokens);
    // Token by token, in either order: a typo in one token of several. Only worth computing
    // when the whole names are neither clearly close nor clearly apart (it is the hot loop).
    let best_tokens = || {
        short
            .tokens
            .iter()
            .map(|t| long.tokens.iter().map(|u| jw(t, u)).fold(0.0, f64::max))
            .sum::<f64>()
            / short.tokens.len().max(1) as f64
    };
    let level = if whole >= 0.95 || close_subset {
        5
    } else {
        let best = if whole >= 0.6 { best_tokens() } else { 0.0 };
        if best >= 0.93 && short.tokens.len() == long.tokens.len() && !repeats(&short.tokens) {
            5
        } else if whole >= 0.88 || best >= 0.88 || subset {
            4
        } else if a.first() == b.first() {
            3
        } else if same_last_name(a, b) {
            // A family name or a second name in common, the first name replaced.
            2
        } else {
            1
        }
    };
    // Without the twin rule (data without twins) different given names are only a
    // difference, and a shared family name still counts.
    if twin_rule && distinct_given_names(a, b) {
        0
    } else {
        level
    }
}

/// Both names have two or more tokens and end in the same one, also when one of them is
/// split in two (ABDURAHMAN / ABDU RAHMAN, GEORGE / GEORG E).
fn same_last_name(a: &Prepared, b: &Prepared) -> bool {
    fn ends_with_joined(x: &[Token], last: &str) -> bool {
        match x {
            [.., p, q] => {
                last.len() == p.len() + q.len() && last.starts_with(&**p) && last.ends_with(&**q)
            }
            _ => false,
        }
    }
    let (x, y) = (&a.tokens, &b.tokens);
    match (x.last(), y.last()) {
        (Some(p), Some(q)) if x.len() >= 2 && y.len() >= 2 => {
            p == q || ends_with_joined(x, q) || ends_with_joined(y, p)
        }
        _ => false,
    }
}

/// Different given names where the rest agrees — twins or siblings, not a typo: a token of
/// one name is at least two edits and not Jaro-Winkler-close from every token of the other,
/// and it or its nearest counterpart is a known name (RINA / RANI, not DAMAYANTI / DAAYANTI).
fn distinct_given_names(a: &Prepared, b: &Prepared) -> bool {
    let only = only_in;
    let count = only(a, b).count();
    if count == 0 || count != only(b, a).count() {
        return false;
    }
    only(a, b).any(|(t, t_known)| {
        // The nearest token of the other name (the first of equals), by edit distance.
        let mut nearest: Option<(usize, &Token, bool)> = None;
        for (u, u_known) in only(b, a) {
            let d = crate::jaro::osa_distance(t, u);
            if nearest.is_none_or(|(best, _, _)| d < best) {
                nearest = Some((d, u, u_known));
            }
        }
        nearest.is_some_and(|(d, u, u_known)| d >= 2 && (t_known || u_known) && jw(t, u) < 0.9)
    })
}

/// (token, is a known name) of `x` that `y` lacks.
fn only_in<'a>(x: &'a Prepared, y: &'a Prepared) -> impl Iterator<Item = (&'a Token, bool)> {
    x.tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !y.tokens.contains(t))
        .map(|(i, t)| (t, i < 32 && x.known & (1 << i) != 0))
}

fn dob_level(a: &Prepared, b: &Prepared) -> u8 {
    let (x, y) = (a.dob, b.dob);
    if x == y {
        4
    } else if x[0] == y[0] && x[1] == y[2] && x[2] == y[1] {
        3
    } else if (x[0] == y[0]) as u8 + (x[1] == y[1]) as u8 + (x[2] == y[2]) as u8 == 2 {
        2
    } else if one_digit_apart(x, y) {
        1
    } else {
        0
    }
}

/// The dates written as eight digits (YYYYMMDD) are one edit apart: a mistyped or swapped
/// digit that crosses the parts (1923-08-05 / 1923-00-85).
fn one_digit_apart(x: [u16; 3], y: [u16; 3]) -> bool {
    let digits = |d: [u16; 3]| {
        let mut out = [0u8; 8];
        let mut v = u32::from(d[0].min(9999)) * 10_000
            + u32::from(d[1].min(99)) * 100
            + u32::from(d[2].min(99));
        for slot in out.iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out
    };
    let (dx, dy) = (digits(x), digits(y));
    let differ: Vec<usize> = (0..8).filter(|&i| dx[i] != dy[i]).collect();
    match differ.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && dx[*i] == dy[*j] && dx[*j] == dy[*i],
        _ => false,
    }
}

fn nik_level(a: &Prepared, b: &Prepared) -> u8 {
    if a.nik == b.nik {
        return 2;
    }
    // For a 16-digit NIK only equality counts: two people born the same day in one city have
    // NIKs a kecamatan or serial digit apart, so a near NIK is no evidence of one person (and
    // its date digits say nothing the birth dates do not). Another kind of identifier (a
    // social security number in the FEBRL benchmark) with one edit is "near".
    let nik_shaped = a.nik.len() == 16 || b.nik.len() == 16;
    u8::from(!nik_shaped && crate::jaro::within_one_edit(a.nik, b.nik))
}

fn mother_level(a: &Prepared, b: &Prepared) -> u8 {
    if a.mother_key.is_empty() || b.mother_key.is_empty() {
        0
    } else if a.mother_key == b.mother_key {
        2
    } else if jw(&a.mother_key, &b.mother_key) >= 0.9 {
        1
    } else {
        0
    }
}

fn address_level(a: &Prepared, b: &Prepared) -> u8 {
    if a.kelurahan == b.kelurahan {
        if a.alamat == b.alamat { 3 } else { 2 }
    } else if !a.alamat.is_empty() && jw(&a.alamat, &b.alamat) >= 0.92 {
        // The same street and number with a typo, or a kelurahan spelled another way.
        1
    } else {
        0
    }
}

fn birthplace_level(a: &Prepared, b: &Prepared) -> u8 {
    if a.birthplace == b.birthplace {
        2
    } else if crate::jaro::within_one_edit(&a.birthplace, &b.birthplace) {
        // PALEMBANG / PALEMBNAG: one key hit wrong or two swapped.
        1
    } else {
        0
    }
}

/// Agreement level of every field for a pair; `twin_rule` as in [`crate::Config`].
pub fn compare(a: &Prepared, b: &Prepared, twin_rule: bool) -> [u8; FIELDS] {
    // A value missing on either side is no evidence either way (two empty fields do not agree).
    let either = |x: bool, y: bool| x || y;
    let or_missing = |missing: bool, level: u8| if missing { MISSING } else { level };
    [
        or_missing(
            either(a.name_key.is_empty(), b.name_key.is_empty()),
            name_level(a, b, twin_rule),
        ),
        or_missing(either(a.dob == [0; 3], b.dob == [0; 3]), dob_level(a, b)),
        or_missing(either(a.nik.is_empty(), b.nik.is_empty()), nik_level(a, b)),
        or_missing(
            either(a.mother_key.is_empty(), b.mother_key.is_empty()),
            mother_level(a, b),
        ),
        or_missing(
            either(
                a.kelurahan.is_empty() && a.alamat.is_empty(),
                b.kelurahan.is_empty() && b.alamat.is_empty(),
            ),
            address_level(a, b),
        ),
        or_missing(
            either(a.birthplace.is_empty(), b.birthplace.is_empty()),
            birthplace_level(a, b),
        ),
        u8::from(a.female == b.female),
    ]
}

/// The level of a field whose value is missing on one side: weight 0, not learned from.
pub const MISSING: u8 = u8::MAX;

/// Fitted parameters.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// P(level | same person), per field and level.
    pub m: Vec<Vec<f64>>,
    /// P(level | different people), per field and level.
    pub u: Vec<Vec<f64>>,
    /// Share of true matches among compared pairs, as EM found it.
    pub lambda: f64,
    /// Prior log2-odds that two recordings drawn from the whole file are one person: the
    /// matches EM found among the candidates, over all pairs. Blocking only chooses what to
    /// compare; it must not make a shared birth date look like evidence twice.
    pub prior_log2: f64,
    /// EM iterations run.
    pub iterations: u32,
    /// log2(m / u) per field and level, before term-frequency adjustment.
    #[serde(skip)]
    weights: Vec<Vec<f64>>,
}

/// A tiny deterministic generator for sampling random pairs (no I/O, no global state).
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Each recording's share of recordings with the same name and the same mother's name (the
/// term frequencies), written into the prepared recordings once, before any scoring.
pub(crate) fn term_frequencies(records: &mut [Prepared]) {
    let n = records.len().max(1) as f64;
    // Count equal keys by sorting their hashes (a million strings in a hash map is slower); a
    // 64-bit collision between two different names would only make both look a little
    // commoner.
    let shares = |key: for<'r> fn(&'r Prepared<'_>) -> &'r str| -> Vec<f64> {
        let mut keyed: Vec<(u64, u32)> = records
            .par_iter()
            .enumerate()
            .map(|(i, r)| (crate::KeyHash::new(0).str(key(r)).finish(), i as u32))
            .collect();
        keyed.par_sort_unstable();
        let mut share = vec![0.0; records.len()];
        for run in keyed.chunk_by(|x, y| x.0 == y.0) {
            for &(_, i) in run {
                share[i as usize] = run.len() as f64 / n;
            }
        }
        share
    };
    let (names, mothers) = rayon::join(|| shares(|r| &r.name_key), || shares(|r| &r.mother_key));
    for ((r, name), mother) in records.iter_mut().zip(names).zip(mothers) {
        r.name_tf = name;
        r.mother_tf = mother;
    }
}

/// Chooses the pairs of one EM session by their levels.
type Selector = fn(&[u8; FIELDS]) -> bool;

/// EM over level patterns with their counts, learning m for every field not in `fixed`;
/// returns (m, iterations, λ). Candidate pairs share few distinct patterns, so EM runs over
/// those, not over millions of pairs.
fn em(
    start: &[Vec<f64>],
    u: &[Vec<f64>],
    patterns: &[([u8; FIELDS], f64)],
    fixed: &[usize],
    lambda0: f64,
) -> (Vec<Vec<f64>>, u32, f64) {
    let mut m: Vec<Vec<f64>> = start.to_vec();
    let mut lambda = lambda0;
    let mut iterations = 0;
    let total: f64 = patterns.iter().map(|(_, n)| n).sum();
    for _ in 0..30 {
        iterations += 1;
        let mut mc: Vec<Vec<f64>> = LEVELS.iter().map(|l| vec![0.01; l.len()]).collect();
        let mut total_g = 0.0;
        for (levels, count) in patterns {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for (f, &l) in levels.iter().enumerate().filter(|(_, l)| **l != MISSING) {
                pm *= m[f][l as usize];
                pu *= u[f][l as usize];
            }
            let g = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 } * count;
            total_g += g;
            for (f, &l) in levels.iter().enumerate().filter(|(_, l)| **l != MISSING) {
                mc[f][l as usize] += g;
            }
        }
        lambda = (total_g / total.max(1.0)).clamp(1e-6, 0.999);
        for (f, row) in mc.iter_mut().enumerate() {
            if fixed.contains(&f) {
                row.clone_from(&m[f]);
            } else {
                let total: f64 = row.iter().sum();
                row.iter_mut().for_each(|x| *x /= total);
            }
        }
        let change: f64 = m
            .iter()
            .flatten()
            .zip(mc.iter().flatten())
            .map(|(a, b)| (a - b).abs())
            .sum();
        m = mc;
        if change < 1e-5 {
            break;
        }
    }
    (m, iterations, lambda)
}

impl Model {
    /// Estimate `u` from random pairs and `m` by EM over the candidate pairs' levels.
    pub fn fit(records: &[Prepared], candidates: &[[u8; FIELDS]], twin_rule: bool) -> Model {
        let n = records.len();
        let mut u: Vec<Vec<f64>> = LEVELS.iter().map(|l| vec![1.0; l.len()]).collect();
        if n >= 2 {
            // Random pairs, in parallel chunks each with its own seeded stream (deterministic).
            // Half as many as there are recordings, within bounds: enough to see the rarer
            // levels by chance (50,000 at least), not so many that sampling outweighs the
            // real comparisons. More changed nothing on the benchmark data.
            let samples = (n / 2).clamp(50_000, 300_000);
            let chunks = 16;
            let counts: Vec<Vec<Vec<f64>>> = (0..chunks)
                .into_par_iter()
                .map(|c| {
                    let mut rng = SplitMix(0x00C0_FFEE ^ (c as u64).wrapping_mul(0x9E37_79B9));
                    let mut u: Vec<Vec<f64>> = LEVELS.iter().map(|l| vec![0.0; l.len()]).collect();
                    for _ in 0..samples / chunks {
                        let a = (rng.next() % n as u64) as usize;
                        let b = (rng.next() % n as u64) as usize;
                        if a != b {
                            for (f, &l) in compare(&records[a], &records[b], twin_rule)
                                .iter()
                                .enumerate()
                            {
                                if l != MISSING {
                                    u[f][l as usize] += 1.0;
                                }
                            }
                        }
                    }
                    u
                })
                .collect();
            for part in counts {
                for (row, add) in u.iter_mut().zip(part) {
                    row.iter_mut().zip(add).for_each(|(x, y)| *x += y);
                }
            }
        }
        for row in &mut u {
            let total: f64 = row.iter().sum();
            row.iter_mut().for_each(|x| *x /= total);
        }
        // Start m high on the top levels; EM moves it where the data says.
        let mut m: Vec<Vec<f64>> = LEVELS
            .iter()
            .map(|l| {
                let k = l.len();
                (0..k)
                    .map(|i| {
                        if i == k - 1 {
                            0.8
                        } else {
                            0.2 / (k - 1) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let mut learned: Vec<(&[usize], Vec<Vec<f64>>)> = Vec::new();
        let mut iterations = 0;
        let mut lambda = 0.5;
        let patterns: Vec<([u8; FIELDS], f64)> = {
            let counts = candidates
                .par_iter()
                .fold(HashMap::<[u8; FIELDS], u64>::default, |mut acc, l| {
                    *acc.entry(*l).or_default() += 1;
                    acc
                })
                .reduce(HashMap::default, |mut x, y| {
                    for (k, v) in y {
                        *x.entry(k).or_default() += v;
                    }
                    x
                });
            let mut p: Vec<([u8; FIELDS], f64)> =
                counts.into_iter().map(|(k, v)| (k, v as f64)).collect();
            // A fixed order keeps the sums, and so the model, the same from run to run.
            p.sort_unstable_by_key(|(k, _)| *k);
            p
        };
        // EM in sessions, as the anchor does: pairs that share a NIK teach what the other
        // fields look like within one person; pairs that share birth date and mother teach
        // the NIK's behaviour. A session never learns about the fields it selected on, so a
        // namesake sharing name and birth date cannot teach that mothers may differ. Data
        // without mothers' names (other registries, the FEBRL benchmark) select on the
        // birth date alone.
        let with_mother: f64 = patterns
            .iter()
            .filter(|(l, _)| l[MOTHER] != MISSING)
            .map(|(_, n)| n)
            .sum();
        let sessions: [(&[usize], Selector); 2] = [
            (&[NIK], |l| l[NIK] == 2),
            if with_mother >= 10.0 {
                (&[DOB, MOTHER], |l| l[DOB] == 4 && l[MOTHER] == 2)
            } else {
                (&[DOB], |l| l[DOB] == 4)
            },
        ];
        for (fixed, select) in sessions {
            let selected: Vec<([u8; FIELDS], f64)> = patterns
                .iter()
                .filter(|(l, _)| select(l))
                .copied()
                .collect();
            if selected.iter().map(|(_, n)| n).sum::<f64>() < 10.0 {
                continue;
            }
            let (session_m, it, _) = em(&m, &u, &selected, fixed, 0.5);
            iterations += it;
            learned.push((fixed, session_m));
        }
        // A field's m is the mean over the sessions that learned it (did not select on it).
        for (f, row) in m.iter_mut().enumerate() {
            let from: Vec<&Vec<Vec<f64>>> = learned
                .iter()
                .filter(|(fixed, _)| !fixed.contains(&f))
                .map(|(_, s)| s)
                .collect();
            if !from.is_empty() {
                for (l, cell) in row.iter_mut().enumerate() {
                    *cell = from.iter().map(|s| s[f][l]).sum::<f64>() / from.len() as f64;
                }
            }
        }
        // The share of matches among all candidates, with m and u fixed.
        let (_, _, l) = em(&m, &u, &patterns, &[0, 1, 2, 3, 4, 5, 6], lambda);
        lambda = l;
        let all_pairs = (n as f64) * (n as f64 - 1.0) / 2.0;
        let matches = (lambda * candidates.len() as f64).max(1.0);
        let prior_log2 = (matches / (all_pairs - matches).max(1.0)).log2();
        let weights = m
            .iter()
            .zip(&u)
            .map(|(mr, ur)| {
                mr.iter()
                    .zip(ur)
                    .map(|(m, u)| (m / u.max(1e-12)).log2())
                    .collect()
            })
            .collect();
        Model {
            weights,
            m,
            u,
            lambda,
            prior_log2,
            iterations,
        }
    }

    fn weight(&self, a: &Prepared, f: usize, l: u8) -> f64 {
        if l == MISSING {
            return 0.0;
        }
        // Term frequency: two SITI AMINAHs agree far more often by chance than two rare names.
        if l as usize == LEVELS[f].len() - 1 {
            let tf = match f {
                NAME => Some(a.name_tf),
                MOTHER => Some(a.mother_tf),
                _ => None,
            };
            if let Some(tf) = tf {
                return (self.m[f][l as usize] / tf.max(1e-12)).log2();
            }
        }
        self.weights[f][l as usize]
    }

    /// A rule that overrides the score, as the probability to use for linking: two different
    /// given names on two different NIKs are two people (twins share everything else), so
    /// such a pair is never linked. On one NIK the NIK decides: it is lifelong and one
    /// person's, and the scores weigh the name against it.
    pub fn veto(levels: &[u8; FIELDS]) -> Option<f64> {
        (levels[NAME] == 0 && levels[NIK] != 2).then_some(0.0)
    }

    /// Match probability of a pair with these levels (the model's score, before any veto).
    pub fn probability(&self, a: &Prepared, levels: &[u8; FIELDS]) -> f64 {
        self.probability_with(a, levels, 0.0)
    }

    /// The sum of the fields' weights (log2 Bayes factor of the demographics, no prior).
    pub(crate) fn bayes_log2(&self, a: &Prepared, levels: &[u8; FIELDS]) -> f64 {
        levels
            .iter()
            .enumerate()
            .map(|(f, &l)| self.weight(a, f, l))
            .sum::<f64>()
    }

    /// [`Model::probability`] with `extra` evidence (log2 Bayes factor: the prints) added last,
    /// so that 0 gives exactly the demographic probability.
    pub(crate) fn probability_with(&self, a: &Prepared, levels: &[u8; FIELDS], extra: f64) -> f64 {
        let score: f64 = self.prior_log2 + self.bayes_log2(a, levels) + extra;
        1.0 / (1.0 + (-score).exp2())
    }

    /// Per-field evidence of a pair (`a` is the side whose names' frequencies count).
    pub fn evidence(&self, a: &Prepared, levels: &[u8; FIELDS]) -> Evidence {
        Evidence {
            levels: *levels,
            weights: std::array::from_fn(|f| self.weight(a, f, levels[f])),
            finger: MISSING,
            finger_weight: 0.0,
        }
    }
}

/// The name of a field's level (`missing` for a value missing on either side).
pub fn level_name(field: usize, level: u8) -> &'static str {
    if level == MISSING {
        "missing"
    } else {
        LEVELS[field][level as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Recording, normalize::TokenCache, prepare};

    fn person(nama: &str, dob: &str, birthplace: &str) -> Recording {
        Recording {
            id: nama.into(),
            nik: String::new(),
            nama: nama.into(),
            tanggal_lahir: dob.into(),
            female: true,
            tempat_lahir: birthplace.into(),
            nama_ibu: String::new(),
            alamat: String::new(),
            kelurahan: String::new(),
            recorded_at: String::new(),
            has_card: false,
            needs_correction: false,
        }
    }

    fn level(field: usize, a: &Recording, b: &Recording, twin_rule: bool) -> &'static str {
        let mut cache = TokenCache::default();
        let (a, b) = (prepare(a, &mut cache), prepare(b, &mut cache));
        LEVELS[field][compare(&a, &b, twin_rule)[field] as usize]
    }

    #[test]
    fn a_digit_mistyped_or_swapped_across_the_date_parts_is_one_digit_apart() {
        let d = |s: &str| person("SITI", s, "");
        assert_eq!(
            level(DOB, &d("1923-08-05"), &d("1923-00-85"), true),
            "one_digit"
        );
        assert_eq!(
            level(DOB, &d("1980-12-31"), &d("1980-12-30"), true),
            "two_of_three"
        );
        assert_eq!(
            level(DOB, &d("1980-12-03"), &d("1980-03-12"), true),
            "transposed"
        );
        assert_eq!(
            level(DOB, &d("1980-12-03"), &d("1981-11-03"), true),
            "differs"
        );
        assert_eq!(
            level(DOB, &d("1980-12-03"), &d("1980-12-03"), true),
            "exact"
        );
    }

    #[test]
    fn a_shared_family_name_counts_when_the_given_name_is_replaced() {
        let p = |n: &str| person(n, "", "");
        let (a, b) = (p("ZARA GEORGE"), p("ALEXANDER GEORG E"));
        assert_eq!(
            level(NAME, &a, &b, false),
            "last_name_only",
            "a split family name"
        );
        let (a, b) = (p("YOSUA BERRY"), p("ZAKARIA BERRY"));
        assert_eq!(level(NAME, &a, &b, false), "last_name_only");
        // Under the twin rule two known given names are two people, family name or not.
        let (a, b) = (p("RINA SARI"), p("DEWI SARI"));
        assert_eq!(level(NAME, &a, &b, true), "distinct_given_names");
        assert_eq!(level(NAME, &a, &b, false), "last_name_only");
        // One name written twice is not two names inside the other.
        let (a, b) = (p("CAMPBELL CAMPBELL"), p("JAZZ CAMPBELL"));
        assert_ne!(level(NAME, &a, &b, false), "close");
    }

    #[test]
    fn every_level_and_reason_has_words_in_both_languages() {
        for code in LEVELS.iter().flat_map(|l| l.iter()).chain(&[
            "missing",
            WHY_UNCLEAR,
            WHY_CHAIN,
            WHY_TOO_BIG,
            WHY_TWINS,
        ]) {
            let (id, en) = words(code).unwrap_or_else(|| panic!("no words for {code}"));
            assert!(!id.is_empty() && !en.is_empty(), "{code}");
        }
    }

    #[test]
    fn a_birthplace_with_one_key_wrong_is_similar() {
        let p = |place: &str| person("SITI", "", place);
        assert_eq!(level(5, &p("PALEMBANG"), &p("PALEMBNAG"), true), "similar");
        assert_eq!(level(5, &p("PALEMBANG"), &p("PALEMBANG"), true), "same");
        assert_eq!(level(5, &p("PALEMBANG"), &p("LAHAT"), true), "differs");
    }
}
