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
//! 5. **Decide**: certain links become duplicates of a survivor (a recording that already has
//!    a card, else the latest recording), unclear pairs wait for a supervisor, the rest are
//!    unique.
#![deny(missing_docs)]

mod jaro;
pub mod model;
pub mod normalize;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

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
}

/// A recording prepared for comparison.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub(crate) tokens: Vec<String>,
    pub(crate) name_key: String,
    pub(crate) first: String,
    pub(crate) dob: [u16; 3],
    pub(crate) female: bool,
    pub(crate) nik: String,
    pub(crate) mother_key: String,
    pub(crate) mother_first: String,
    pub(crate) kelurahan: String,
    pub(crate) alamat: String,
    pub(crate) birthplace: String,
}

fn prepare(r: &Recording) -> Prepared {
    let tokens = normalize::name_tokens(&r.nama);
    let mother = normalize::name_tokens(&r.nama_ibu);
    let d = &r.tanggal_lahir;
    let num = |a: usize, b: usize| d.get(a..b).and_then(|s| s.parse().ok()).unwrap_or(0);
    Prepared {
        name_key: normalize::name_key(&tokens),
        first: tokens.first().cloned().unwrap_or_default(),
        tokens,
        dob: [num(0, 4), num(5, 7), num(8, 10)],
        female: r.female,
        nik: r.nik.clone(),
        mother_key: normalize::name_key(&mother),
        mother_first: mother.first().cloned().unwrap_or_default(),
        kelurahan: r.kelurahan.clone(),
        alamat: r.alamat.split_whitespace().collect::<Vec<_>>().join(" "),
        birthplace: r.tempat_lahir.trim().to_ascii_uppercase(),
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            auto_link: 0.99,
            review: 0.5,
            cannot_link: 0.01,
            max_block: 300,
            max_cluster: 8,
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
    pub evidence: Vec<FieldEvidence>,
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

/// 64-bit FNV-1a with a final mix: block keys only need to spread, not resist attack; a rare
/// collision only adds a comparison.
fn key_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

fn candidate_pairs(p: &[Prepared], max_block: usize) -> (Vec<(u32, u32)>, u64) {
    use std::io::Write;
    // Each key writes its bytes into a buffer, or nothing when the record has no such key.
    type KeyFn = fn(&Prepared, &mut Vec<u8>);
    let keys: [KeyFn; 9] = [
        |r, k| k.extend_from_slice(r.nik.as_bytes()),
        |r, k| {
            if !r.first.is_empty() {
                let _ = write!(k, "{:?}|{}", r.dob, r.first);
            }
        },
        |r, k| {
            if !r.mother_first.is_empty() {
                let _ = write!(k, "{:?}|{}|{}", r.dob, r.mother_first, r.female);
            }
        },
        |r, k| {
            if !r.name_key.is_empty() {
                let _ = write!(k, "{}|{}", r.dob[0], r.name_key);
            }
        },
        |r, k| {
            if !r.mother_key.is_empty() && !r.first.is_empty() {
                let _ = write!(k, "{}|{}", r.mother_key, r.first);
            }
        },
        // The NIK's own date and sex digits with the first name: a new NIK after a move keeps them.
        |r, k| {
            if r.nik.len() == 16 && !r.first.is_empty() {
                let _ = write!(k, "{}|{}", &r.nik[6..12], r.first);
            }
        },
        // First and last name, any birth date: a mistyped date with the name intact.
        |r, k| {
            if r.tokens.len() >= 2 {
                let _ = write!(k, "{}|{}", r.first, r.tokens[r.tokens.len() - 1]);
            }
        },
        // Birth date and last name: a typo in the first name.
        |r, k| {
            if r.tokens.len() >= 2 && r.dob != [0; 3] {
                let _ = write!(k, "{:?}|{}", r.dob, r.tokens[r.tokens.len() - 1]);
            }
        },
        // One household: the same street address in the same kelurahan.
        |r, k| {
            if !r.alamat.is_empty() && !r.kelurahan.is_empty() {
                let _ = write!(k, "{}|{}", r.kelurahan, r.alamat);
            }
        },
    ];
    // Keys without a birth date or NIK are far less selective: their blocks are capped lower.
    // (Same length as `keys`, checked by the type.)
    let caps: [usize; 9] = [
        max_block,
        max_block,
        max_block,
        max_block,
        max_block,
        max_block,
        max_block / 15, // first + last name
        max_block,      // birth date + last name
        max_block / 10, // household
    ];
    let per_key: Vec<(Vec<(u32, u32)>, u64)> = keys
        .par_iter()
        .zip(caps.par_iter())
        .map(|(key, &cap)| {
            let mut buf = Vec::with_capacity(64);
            let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(p.len());
            for (i, r) in p.iter().enumerate() {
                buf.clear();
                key(r, &mut buf);
                if !buf.is_empty() {
                    keyed.push((key_hash(&buf), i as u32));
                }
            }
            keyed.sort_unstable();
            let mut pairs = Vec::new();
            let mut skipped = 0;
            for block in keyed.chunk_by(|x, y| x.0 == y.0) {
                if block.len() > cap.max(2) {
                    skipped += 1;
                    continue;
                }
                for (x, &(_, a)) in block.iter().enumerate() {
                    for &(_, b) in &block[x + 1..] {
                        pairs.push((a.min(b), a.max(b)));
                    }
                }
            }
            (pairs, skipped)
        })
        .collect();
    let skipped = per_key.iter().map(|(_, s)| s).sum();
    let mut all: Vec<(u32, u32)> = per_key.into_iter().flat_map(|(p, _)| p).collect();
    all.par_sort_unstable();
    all.dedup();
    (all, skipped)
}

/// Run dedup over all recordings, honouring earlier supervisor decisions.
pub fn run(recordings: &[Recording], decisions: &[Decision], config: &Config) -> DedupResult {
    let prepared: Vec<Prepared> = recordings.par_iter().map(prepare).collect();
    let index: HashMap<&str, u32> = recordings
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i as u32))
        .collect();
    let (mut pairs, skipped_blocks) = candidate_pairs(&prepared, config.max_block);
    // Decided pairs are always scored, so their evidence stays at hand.
    let mut decided: HashMap<(u32, u32), bool> = HashMap::new();
    for d in decisions {
        if let (Some(&a), Some(&b)) = (index.get(d.a.as_str()), index.get(d.b.as_str())) {
            decided.insert((a.min(b), a.max(b)), d.same);
            pairs.push((a.min(b), a.max(b)));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();

    let levels: Vec<[u8; FIELDS]> = pairs
        .par_iter()
        .map(|&(a, b)| compare(&prepared[a as usize], &prepared[b as usize]))
        .collect();
    let model = Model::fit(&prepared, &levels);
    // (pair, probability used for linking, the model's own probability)
    let mut scored: Vec<(usize, f64, f64)> = levels
        .par_iter()
        .enumerate()
        .map(|(i, l)| {
            let p = model.probability(&prepared[pairs[i].0 as usize], l);
            (i, Model::veto(l).unwrap_or(p), p)
        })
        .collect();
    let evidence = |i: usize, prob: f64, why: Option<String>| {
        let (a, b) = pairs[i];
        ScoredPair {
            a,
            b,
            probability: prob,
            evidence: model.evidence(&prepared[a as usize], &prepared[b as usize], &levels[i]),
            why,
        }
    };

    // Evidence against: strong negative scores and "different people" decisions.
    let mut against: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(i, _, model_prob) in &scored {
        let (a, b) = pairs[i];
        let different = decided.get(&(a, b)) == Some(&false);
        // The model's own score, not a veto: a typo that empties the name match of a true
        // duplicate must not block its person from being assembled through other recordings.
        if different || (model_prob < config.cannot_link && decided.get(&(a, b)) != Some(&true)) {
            against.entry(a).or_default().push(b);
            against.entry(b).or_default().push(a);
        }
    }

    // Most certain first; supervisor "same" decisions count as certain.
    for (i, prob, _) in scored.iter_mut() {
        if decided.get(&pairs[*i]) == Some(&true) {
            *prob = 1.0;
        }
    }
    scored.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let n = recordings.len();
    let mut uf = UnionFind::new(n);
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
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
            review.push(evidence(
                i,
                prob,
                Some("the evidence is not conclusive either way".into()),
            ));
            continue;
        }
        // No chaining: every recording of one side must be compatible with every recording
        // of the other, compared or not (clusters are small: at most `max_cluster`).
        // Two single recordings: their own pair, being linked, is the only cross pair.
        let singles = members[ra as usize].len() == 1 && members[rb as usize].len() == 1;
        let conflict = !singles
            && members[ra as usize].iter().any(|&m| {
                members[rb as usize].iter().any(|&o| {
                    let key = (m.min(o), m.max(o));
                    match decided.get(&key) {
                        Some(same) => !same,
                        None => {
                            against.get(&m).is_some_and(|others| others.contains(&o)) || {
                                let l = compare(&prepared[m as usize], &prepared[o as usize]);
                                model.probability(&prepared[m as usize], &l) < config.cannot_link
                            }
                        }
                    }
                })
            });
        let too_big = members[ra as usize].len() + members[rb as usize].len() > config.max_cluster;
        if conflict || too_big {
            let why = if conflict {
                "linking would join recordings with strong evidence of being different people"
            } else {
                "linking would make one person of too many recordings"
            };
            review.push(evidence(i, prob, Some(why.into())));
            continue;
        }
        let root = uf.union(a, b);
        let moved = std::mem::take(&mut members[if root == ra { rb } else { ra } as usize]);
        members[root as usize].extend(moved);
        links.push(evidence(i, prob, None));
    }

    let mut outcomes = vec![Outcome::Unique; n];
    for group in members.iter().filter(|m| m.len() > 1) {
        let survivor = *group
            .iter()
            .max_by(|&&x, &&y| {
                let (rx, ry) = (&recordings[x as usize], &recordings[y as usize]);
                rx.has_card
                    .cmp(&ry.has_card)
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
        let (sa, sb) = (members[ra as usize].len(), members[rb as usize].len());
        let waiting: Vec<u32> = match sa.cmp(&sb) {
            std::cmp::Ordering::Less => members[ra as usize].clone(),
            std::cmp::Ordering::Greater => members[rb as usize].clone(),
            std::cmp::Ordering::Equal => members[ra as usize]
                .iter()
                .chain(&members[rb as usize])
                .copied()
                .collect(),
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
    }
}
