//! Seeded generator of a realistic Palembang E-KTP backlog with known duplicates.
//!
//! Every row is a pure function of `(seed, position)`, so rows are generated in parallel and
//! streamed out in order with bounded memory, and the same seed always gives the same files.
//! About 40 % of the rows (configurable) are extra recordings of people already in the file —
//! the *data ganda* of the 2015 Palembang backlog. `truth.csv` says which person each
//! recording belongs to.
//!
//! Kinds of extra recording ([`DuplicateKind`]): the same NIK recorded twice; a resident who
//! moved in from another city and was recorded again with a new Palembang NIK, a new address
//! and often an old spelling of the name; spelling variants and typos; day and month transposed;
//! a new address.
#![deny(missing_docs)]

pub mod media;
mod vocab;

use std::io::{self, Write};

use cetak_domain::nik::{Nik, Sex};
use cetak_domain::record::COLUMNS;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use thiserror::Error;
use time::{Date, Duration, Month};

use vocab::{PEKERJAAN, STREETS, vocab};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Rows (recordings) in all.
    pub rows: u64,
    /// Seed; the same seed gives the same files.
    pub seed: u64,
    /// Share of rows that are extra recordings of someone already in the file.
    pub duplicate_share: f64,
    /// Share of rows with a deliberate defect (for quarantine demos); 0 by default.
    pub bad_share: f64,
    /// Make the recording desk's mistakes with the shares an office's backlog shows (see
    /// [`OFFICE_ERRORS`]): the rows then look like the office's, not like a clean export.
    pub office_errors: bool,
}

impl GenConfig {
    /// Refuse a request that cannot be met; [`generate`] checks this before writing a byte.
    pub fn check(&self) -> Result<(), GenError> {
        if self.rows == 0 {
            return Err(GenError::Invalid("--rows must be at least 1".into()));
        }
        if !(0.0..0.95).contains(&self.duplicate_share) {
            return Err(GenError::Invalid(
                "the duplicate share must be in [0, 0.95)".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.bad_share) {
            return Err(GenError::Invalid("the bad share must be in [0, 1]".into()));
        }
        Ok(())
    }
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            rows: 25_000,
            seed: 2015,
            duplicate_share: 0.4,
            bad_share: 0.0,
            office_errors: false,
        }
    }
}

/// How an extra recording differs from the person's first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DuplicateKind {
    /// Same NIK recorded twice (another site, another day).
    SameNik,
    /// Moved in from another city: new NIK, new address, often the old spelling.
    MovedIn,
    /// Same NIK, the name in another spelling or with a typo.
    Spelling,
    /// Same NIK, day and month of birth transposed.
    TransposedDate,
    /// Same NIK, a new address in Palembang.
    NewAddress,
}

impl DuplicateKind {
    const ALL: [(DuplicateKind, u32); 5] = [
        (DuplicateKind::SameNik, 30),
        (DuplicateKind::MovedIn, 20),
        (DuplicateKind::Spelling, 25),
        (DuplicateKind::TransposedDate, 10),
        (DuplicateKind::NewAddress, 15),
    ];
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct GenSummary {
    /// Rows written.
    pub rows: u64,
    /// Distinct people.
    pub persons: u64,
    /// Extra recordings of people already in the file.
    pub duplicates: u64,
    /// Rows with a deliberate defect.
    pub bad_rows: u64,
    /// Rows with at least one office error (`GenConfig::office_errors`) that validation
    /// does not pass (they enter the registry needing correction).
    pub needs_correction_rows: u64,
}

/// A mistake made at the recording desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfficeError {
    /// The mother's name left empty (the card does not print it).
    EmptyMother,
    /// A digit typed for the letter it looks like in a name (RAF1, 8ERNARDUS, S0EARTINI).
    DigitForLetter,
    /// A key next to the right one in a name (valid, but another spelling).
    KeyboardNeighbour,
    /// A NIK typo that makes an impossible date.
    NikImpossibleDate,
    /// A NIK typo that makes an unknown region.
    NikUnknownRegion,
    /// The occupation left empty.
    EmptyOccupation,
    /// The birthplace left empty.
    EmptyBirthplace,
    /// A title written into the name (H., HJ.; valid).
    Title,
    /// An old or variant spelling of the name (valid).
    OldSpelling,
}

/// Each office error with the share of rows it hits, independently, as measured on an
/// office's backlog (issue 12: empty mother 3.8 %, digit for a letter 1.7 %, NIK typos 2.1 %,
/// empty occupation or birthplace) — about 9 % of rows need a correction. Re-recording after
/// moving with a new NIK is a kind of duplicate ([`DuplicateKind::MovedIn`]).
/// (The spellings come first, so that the mistakes that break validation are not undone.)
pub const OFFICE_ERRORS: [(OfficeError, f64); 9] = [
    (OfficeError::Title, 0.02),
    (OfficeError::OldSpelling, 0.02),
    (OfficeError::KeyboardNeighbour, 0.012),
    (OfficeError::EmptyMother, 0.038),
    (OfficeError::DigitForLetter, 0.017),
    (OfficeError::NikImpossibleDate, 0.011),
    (OfficeError::NikUnknownRegion, 0.010),
    (OfficeError::EmptyOccupation, 0.008),
    (OfficeError::EmptyBirthplace, 0.006),
];

/// The key next to each letter on a QWERTY keyboard (one of them).
fn neighbour(c: u8) -> u8 {
    const ROWS: [&[u8]; 3] = [b"QWERTYUIOP", b"ASDFGHJKL", b"ZXCVBNM"];
    for row in ROWS {
        if let Some(i) = row.iter().position(|&k| k == c) {
            return if i + 1 < row.len() {
                row[i + 1]
            } else {
                row[i - 1]
            };
        }
    }
    c
}

/// Apply the office errors to one row; returns whether the row no longer validates.
fn office_errors(rng: &mut ChaCha8Rng, f: &mut [String; 22]) -> bool {
    let mut invalid = false;
    for (kind, share) in OFFICE_ERRORS {
        if !rng.random_bool(share) {
            continue;
        }
        match kind {
            OfficeError::EmptyMother => {
                f[18].clear();
                invalid = true;
            }
            OfficeError::DigitForLetter => {
                const LOOKS: [(u8, u8); 8] = [
                    (b'I', b'1'),
                    (b'O', b'0'),
                    (b'B', b'8'),
                    (b'S', b'5'),
                    (b'E', b'3'),
                    (b'A', b'4'),
                    (b'G', b'6'),
                    (b'T', b'7'),
                ];
                let mut b = f[2].clone().into_bytes();
                let spots: Vec<(usize, u8)> = b
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| LOOKS.iter().find(|(l, _)| l == c).map(|(_, d)| (i, *d)))
                    .collect();
                if !spots.is_empty() {
                    let (i, d) = spots[rng.random_range(0..spots.len())];
                    b[i] = d;
                    f[2] = String::from_utf8(b).unwrap_or_default();
                    invalid = true;
                }
            }
            OfficeError::KeyboardNeighbour => {
                let mut b = f[2].clone().into_bytes();
                let letters: Vec<usize> = (1..b.len())
                    .filter(|&i| b[i].is_ascii_uppercase())
                    .collect();
                if !letters.is_empty() {
                    let i = letters[rng.random_range(0..letters.len())];
                    b[i] = neighbour(b[i]);
                    f[2] = String::from_utf8(b).unwrap_or_default();
                }
            }
            OfficeError::NikImpossibleDate => {
                // The day's tens digit: 9x is no day, for a man or a woman.
                f[1].replace_range(6..7, "9");
                invalid = true;
            }
            OfficeError::NikUnknownRegion => {
                // Kabupaten/kota 99 exists in no province (a kecamatan is only checked for
                // Palembang, and a moved-in resident's old NIK may be from elsewhere).
                f[1].replace_range(2..4, "99");
                invalid = true;
            }
            OfficeError::EmptyOccupation => {
                f[16].clear();
                invalid = true;
            }
            OfficeError::EmptyBirthplace => {
                f[3].clear();
                invalid = true;
            }
            OfficeError::Title => {
                let title = if f[5] == "PEREMPUAN" { "HJ." } else { "H." };
                if !f[2].starts_with(title) && f[2].len() + title.len() < 78 {
                    f[2] = format!("{title} {}", f[2]);
                }
            }
            OfficeError::OldSpelling => f[2] = respell(rng, &f[2]),
        }
    }
    invalid
}

/// Generation failed.
#[derive(Debug, Error)]
pub enum GenError {
    /// Writing an output failed.
    #[error("writing the generated data failed: {0}")]
    Io(#[from] io::Error),
    /// The request cannot be met.
    #[error("{0}")]
    Invalid(String),
}

const ROWS_PER_CHUNK: u64 = 4096;
const FIRST_BIRTH: Date = time::macros::date!(1950 - 01 - 01);
const BIRTH_DAYS: u64 = 21_550; // to the end of 2008: everyone is 17+ when recorded
const FIRST_RECORDING: Date = time::macros::date!(2011 - 08 - 01);
const RECORDING_DAYS: i64 = 1_200;

/// A person, derived from (seed, person index).
struct Person {
    nik: String,
    /// Index of the NIK's kecamatan slot and serial: unique per (slot, birth date, serial).
    nik_slot: usize,
    nik_serial: u16,
    nama: String,
    sex: Sex,
    birth: Date,
    /// `tanggal_lahir` as recorded (differs from the NIK's date for a few people).
    recorded_birth: Date,
    tempat_lahir: String,
    golongan_darah: &'static str,
    address: Address,
    agama: &'static str,
    pekerjaan: &'static str,
    nama_ibu: String,
    recorded_on: Date,
    minutes: u32,
    permohonan: &'static str,
}

#[derive(Clone)]
struct Address {
    alamat: String,
    rt: u8,
    rw: u8,
    kelurahan: String,
    kecamatan: String,
}

/// An affine bijection of `0..n`: spreads related rows over the file.
struct Permutation {
    n: u64,
    a: u64,
    b: u64,
}

impl Permutation {
    fn new(n: u64, seed: u64) -> Permutation {
        let n = n.max(1);
        let gcd = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let mut a = (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1) % n;
        while a == 0 || gcd(a, n) != 1 {
            a = (a + 1) % n;
        }
        Permutation {
            n,
            a,
            b: seed.wrapping_mul(0xD1B5_4A32_D192_ED03) % n,
        }
    }

    fn apply(&self, k: u64) -> u64 {
        ((u128::from(self.a) * u128::from(k) + u128::from(self.b)) % u128::from(self.n)) as u64
    }
}

fn rng_for(seed: u64, stream: u64, index: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
    r.set_stream(index);
    r
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[0].0
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &'a [String]) -> &'a str {
    list.choose(rng).map(String::as_str).unwrap_or("BUDI")
}

fn make_name(rng: &mut ChaCha8Rng, sex: Sex, age: i32) -> String {
    let v = vocab();
    let mut tokens: Vec<String> = Vec::with_capacity(4);
    let female = sex == Sex::Perempuan;
    let chinese = rng.random_bool(0.03);
    if chinese {
        tokens.push(pick(rng, &v.chinese_given).to_string());
        if rng.random_bool(0.5) {
            tokens.push(
                pick(
                    rng,
                    if female {
                        &v.female_second
                    } else {
                        &v.male_second
                    },
                )
                .to_string(),
            );
        }
        return tokens.join(" ");
    }
    // Palembang's hereditary titles and the haji title, as printed.
    let title = rng.random_range(0..100);
    match (female, title) {
        (false, 0..=1) => {
            tokens.push(["KGS.", "KMS.", "MGS.", "R."][rng.random_range(0..4)].into())
        }
        (true, 0..=1) => {
            tokens.push(["NYIMAS", "NYAYU", "MASAYU", "R.A."][rng.random_range(0..4)].into())
        }
        (false, 2..=5) if age > 45 => tokens.push("H.".into()),
        (true, 2..=5) if age > 45 => tokens.push("HJ.".into()),
        _ => {}
    }
    if !female && rng.random_bool(0.12) {
        tokens.push("MUHAMMAD".into());
    } else if female && rng.random_bool(0.08) {
        tokens.push("SITI".into());
    }
    let given = if female {
        &v.female_given
    } else {
        &v.male_given
    };
    let second = if female {
        &v.female_second
    } else {
        &v.male_second
    };
    let n = weighted(rng, &[(1u8, 15), (2, 60), (3, 25)]);
    tokens.push(pick(rng, given).to_string());
    if n >= 2 {
        let list = if rng.random_bool(0.5) { second } else { given };
        tokens.push(pick(rng, list).to_string());
    }
    if n >= 3 {
        tokens.push(pick(rng, second).to_string());
    }
    let name = tokens.join(" ");
    if name.len() > 60 {
        tokens[..2.min(tokens.len())].join(" ")
    } else {
        name
    }
}

fn make_address(rng: &mut ChaCha8Rng) -> Address {
    let v = vocab();
    let kec = &v.kecamatan[rng.random_range(0..v.kecamatan.len())];
    let kel = &kec.kelurahan[rng.random_range(0..kec.kelurahan.len())];
    // Older spellings ("35 ILIR", "ILIR BARAT II") are what most cards and exports carry.
    let legacy = rng.random_bool(0.6);
    let street = STREETS[rng.random_range(0..STREETS.len())];
    let alamat = match rng.random_range(0..3) {
        0 => format!("LR. {street} NO. {}", rng.random_range(1..200)),
        1 => format!("JL. {street} NO. {}", rng.random_range(1..400)),
        _ => format!(
            "JL. {street} BLOK {} NO. {}",
            (b'A' + rng.random_range(0..8)) as char,
            rng.random_range(1..60)
        ),
    };
    Address {
        alamat,
        rt: rng.random_range(1..=45),
        rw: rng.random_range(1..=12),
        kelurahan: if legacy {
            kel.name_legacy.clone()
        } else {
            kel.name.clone()
        },
        kecamatan: if legacy {
            kec.name_legacy.clone()
        } else {
            kec.name.clone()
        },
    }
}

/// Look-alikes that are *different people* — the hard cases for dedup (truth keeps them apart):
/// one person in `TWIN_EVERY` is the twin of the person before (same mother, birth date,
/// address; another given name), one in `CHILD_EVERY` the child of the person before with the
/// same name at the same address, one in `NAMESAKE_EVERY` a stranger with the same name and
/// birth date.
const TWIN_EVERY: u64 = 101;
const CHILD_EVERY: u64 = 103;
const NAMESAKE_EVERY: u64 = 107;

fn person(seed: u64, persons: u64, id: u64, nik_perm: &Permutation) -> Person {
    let mut p = base_person(seed, persons, id, nik_perm);
    if id == 0 {
        return p;
    }
    let v = vocab();
    let kecamatan = |slot: usize| v.kecamatan[slot % v.kecamatan.len()].code.clone();
    if id.is_multiple_of(TWIN_EVERY) {
        let sib = person(seed, persons, id - 1, nik_perm);
        let mut rng = rng_for(seed, 5, id);
        let given = if p.sex == Sex::Perempuan {
            &v.female_given
        } else {
            &v.male_given
        };
        // Another given name; a second or third name (often the father's) stays the same.
        let mut tokens: Vec<String> = sib.nama.split(' ').map(str::to_string).collect();
        // The first token that is a name, not a title (H., KGS., NYIMAS …) or MUHAMMAD/SITI.
        let first_name = tokens
            .iter()
            .position(|t| {
                !t.ends_with('.')
                    && !matches!(
                        t.as_str(),
                        "NYIMAS" | "NYAYU" | "MASAYU" | "MUHAMMAD" | "SITI"
                    )
            })
            .unwrap_or(0);
        tokens[first_name] = pick(&mut rng, given).to_string();
        p.nama = tokens.join(" ");
        p.birth = sib.birth;
        p.recorded_birth = sib.birth;
        p.nama_ibu = sib.nama_ibu.clone();
        p.address = sib.address.clone();
        p.tempat_lahir = sib.tempat_lahir.clone();
        p.nik = Nik::compose(
            &kecamatan(sib.nik_slot),
            sib.birth,
            p.sex,
            2000 + sib.nik_serial,
        )
        .map(|n| n.to_string())
        .unwrap_or(p.nik);
        p.nik_slot = sib.nik_slot;
        p.nik_serial = 2000 + sib.nik_serial;
    } else if id.is_multiple_of(CHILD_EVERY) {
        let parent = person(seed, persons, id - 1, nik_perm);
        // Born a fixed 9,131 days (~25 years) later: distinct parents give distinct children.
        let birth = parent.birth + Duration::days(9_131);
        if birth < time::macros::date!(1995 - 01 - 01) {
            p.nama = parent
                .nama
                .trim_start_matches("H. ")
                .trim_start_matches("HJ. ")
                .to_string();
            p.sex = parent.sex;
            p.birth = birth;
            p.recorded_birth = birth;
            p.address = parent.address.clone();
            p.nik = Nik::compose(
                &kecamatan(parent.nik_slot),
                birth,
                p.sex,
                3000 + parent.nik_serial,
            )
            .map(|n| n.to_string())
            .unwrap_or(p.nik);
            p.nik_serial = 3000 + parent.nik_serial;
        }
    } else if id.is_multiple_of(NAMESAKE_EVERY) {
        let other = person(seed, persons, id - 1, nik_perm);
        p.nama = other.nama.clone();
        p.sex = other.sex;
        p.birth = other.birth;
        p.recorded_birth = other.birth;
        p.nik = Nik::compose(
            &kecamatan(other.nik_slot + 3),
            other.birth,
            p.sex,
            4000 + other.nik_serial,
        )
        .map(|n| n.to_string())
        .unwrap_or(p.nik);
        p.nik_serial = 4000 + other.nik_serial;
    }
    p
}

fn base_person(seed: u64, persons: u64, id: u64, nik_perm: &Permutation) -> Person {
    let v = vocab();
    let mut rng = rng_for(seed, 1, id);
    // A unique (kecamatan, birth date, serial) per person: the NIK never collides by accident.
    let q = nik_perm.apply(id);
    let kec_count = v.kecamatan.len() as u64;
    let birth = FIRST_BIRTH + Duration::days(((q / kec_count) % BIRTH_DAYS) as i64);
    let serial = (q / (kec_count * BIRTH_DAYS) + 1) as u16;
    debug_assert!(persons / (kec_count * BIRTH_DAYS) < 5000);
    let sex = if rng.random_bool(0.5) {
        Sex::LakiLaki
    } else {
        Sex::Perempuan
    };
    // Most were first registered in Palembang; some elsewhere (the NIK keeps that region).
    let prefix = if rng.random_bool(0.08) {
        format!(
            "{}{:02}",
            pick(&mut rng, &v.other_kota),
            rng.random_range(1..=20)
        )
    } else {
        v.kecamatan[(q % kec_count) as usize].code.clone()
    };
    let nik = Nik::compose(&prefix, birth, sex, serial)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let recorded_on = FIRST_RECORDING + Duration::days(rng.random_range(0..RECORDING_DAYS));
    let age = recorded_on.year() - birth.year();
    let recorded_birth = if rng.random_bool(0.01) {
        // The NIK is lifelong even when the date inside it was wrong.
        birth + Duration::days(rng.random_range(1..400))
    } else {
        birth
    };
    let recorded_birth = recorded_birth.min(recorded_on);
    let tempat_lahir = if rng.random_bool(0.75) {
        "PALEMBANG".to_string()
    } else {
        pick(&mut rng, &v.other_birthplaces).to_string()
    };
    let golongan_darah = weighted(
        &mut rng,
        &[
            ("TIDAK TAHU", 40),
            ("O", 25),
            ("A", 14),
            ("B", 15),
            ("AB", 5),
            ("O+", 1),
        ],
    );
    let agama = weighted(
        &mut rng,
        &[
            ("ISLAM", 910),
            ("KRISTEN", 30),
            ("KATHOLIK", 20),
            ("BUDHA", 30),
            ("HINDU", 5),
            ("KHONGHUCU", 5),
        ],
    );
    let nama = make_name(&mut rng, sex, age);
    let mut pekerjaan = weighted(&mut rng, PEKERJAAN);
    if pekerjaan == "MENGURUS RUMAH TANGGA" && sex == Sex::LakiLaki {
        pekerjaan = "WIRASWASTA";
    }
    if pekerjaan == "PELAJAR/MAHASISWA" && age > 25 {
        pekerjaan = "KARYAWAN SWASTA";
    }
    let nama_ibu = make_name(&mut rng, Sex::Perempuan, 60);
    Person {
        nik,
        nik_slot: (q % kec_count) as usize,
        nik_serial: serial,
        nama,
        sex,
        birth,
        recorded_birth,
        tempat_lahir,
        golongan_darah,
        address: make_address(&mut rng),
        agama,
        pekerjaan,
        nama_ibu,
        recorded_on,
        minutes: rng.random_range(8 * 60..15 * 60),
        permohonan: if rng.random_bool(0.05) {
            "PENGGANTIAN"
        } else {
            "BARU"
        },
    }
}

fn typo(rng: &mut ChaCha8Rng, token: &str) -> String {
    let mut b: Vec<u8> = token.bytes().collect();
    let letters: Vec<usize> = (0..b.len())
        .filter(|&i| b[i].is_ascii_alphabetic())
        .collect();
    if letters.len() < 3 {
        return token.to_string();
    }
    let i = letters[rng.random_range(1..letters.len())];
    match rng.random_range(0..4) {
        0 => b[i] = b"AIUEONRSTHKLM"[rng.random_range(0..13)],
        1 => {
            b.remove(i);
        }
        2 => b.insert(i, b[i]),
        _ => {
            if i + 1 < b.len() && b[i + 1].is_ascii_alphabetic() {
                b.swap(i, i + 1);
            }
        }
    }
    String::from_utf8(b).unwrap_or_else(|_| token.to_string())
}

/// Another spelling of one token of the name, or a typo when no token has a variant.
fn respell(rng: &mut ChaCha8Rng, nama: &str) -> String {
    let v = vocab();
    let mut tokens: Vec<String> = nama.split(' ').map(str::to_string).collect();
    let candidates: Vec<usize> = (0..tokens.len())
        .filter(|&i| v.variants.contains_key(&tokens[i]))
        .collect();
    if let Some(&i) = candidates.choose(rng)
        && let Some(alt) = v.variants[&tokens[i]].choose(rng)
    {
        tokens[i] = alt.clone();
        let joined = tokens.join(" ");
        if joined.len() <= 80 {
            return joined;
        }
    }
    let i = rng.random_range(0..tokens.len());
    tokens[i] = typo(rng, &tokens[i]);
    tokens.join(" ")
}

struct Row {
    recording_id: String,
    person_id: u64,
    fields: [String; 22],
    needs_correction: bool,
}

fn row_for(cfg: &GenConfig, layout: &Layout, k: u64) -> Row {
    let logical = layout.file_order.apply(k);
    let (person_id, duplicate) = if logical < layout.persons {
        (logical, None)
    } else {
        layout.duplicate(cfg.seed, logical - layout.persons)
    };
    let mut p = person(cfg.seed, layout.persons, person_id, &layout.nik_order);
    let mut site_kec = p.address.kecamatan.clone();
    if let Some((d, kind)) = duplicate {
        let mut rng = rng_for(cfg.seed, 3, d);
        p.recorded_on += Duration::days(rng.random_range(20..700));
        p.minutes = rng.random_range(8 * 60..15 * 60);
        p.permohonan = "BARU";
        match kind {
            DuplicateKind::SameNik => {
                site_kec = vocab().kecamatan[rng.random_range(0..18)]
                    .name_legacy
                    .clone()
            }
            DuplicateKind::MovedIn => {
                // Recorded again after moving in: a new Palembang NIK with the same birth date.
                let v = vocab();
                // A fixed shuffle of the person's unique slot and a serial above 5000 keep the
                // new NIK unique to this person.
                let kec = &v.kecamatan[(p.nik_slot + 7) % v.kecamatan.len()].code;
                if let Ok(n) = Nik::compose(kec, p.birth, p.sex, 5000 + p.nik_serial) {
                    p.nik = n.to_string();
                }
                p.address = make_address(&mut rng);
                site_kec = p.address.kecamatan.clone();
                if rng.random_bool(0.5) {
                    p.nama = respell(&mut rng, &p.nama);
                }
            }
            DuplicateKind::Spelling => p.nama = respell(&mut rng, &p.nama),
            DuplicateKind::TransposedDate => {
                let (d, m) = (p.recorded_birth.day(), u8::from(p.recorded_birth.month()));
                if let Ok(month) = Month::try_from(d)
                    && let Ok(swapped) = Date::from_calendar_date(p.recorded_birth.year(), month, m)
                {
                    p.recorded_birth = swapped;
                }
            }
            DuplicateKind::NewAddress => {
                p.address = make_address(&mut rng);
                site_kec = p.address.kecamatan.clone();
            }
        }
        if rng.random_bool(0.1) {
            let i = rng.random_range(0..p.nama.split(' ').count());
            p.nama = p
                .nama
                .split(' ')
                .enumerate()
                .map(|(j, t)| {
                    if j == i {
                        typo(&mut rng, t)
                    } else {
                        t.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
        }
    }
    let minutes = p.minutes;
    let recorded_at = format!(
        "{}T{:02}:{:02}:00+07:00",
        p.recorded_on,
        minutes / 60,
        minutes % 60
    );
    let site = if site_kec.len().is_multiple_of(3) {
        "DISDUKCAPIL KOTA PALEMBANG".to_string()
    } else {
        format!("KECAMATAN {site_kec}")
    };
    let age = p.recorded_on.year() - p.birth.year();
    let status = if age < 22 {
        "BELUM KAWIN"
    } else if age > 65 && p.sex == Sex::Perempuan {
        "CERAI MATI"
    } else {
        "KAWIN"
    };
    let recording_id = format!("PLG{:09}", k + 1);
    let mut fields = [
        recording_id.clone(),
        p.nik,
        p.nama,
        p.tempat_lahir,
        p.recorded_birth.to_string(),
        p.sex.as_str().to_string(),
        p.golongan_darah.to_string(),
        p.address.alamat,
        format!("{:03}", p.address.rt),
        format!("{:03}", p.address.rw),
        p.address.kelurahan,
        p.address.kecamatan,
        "KOTA PALEMBANG".to_string(),
        "SUMATERA SELATAN".to_string(),
        p.agama.to_string(),
        status.to_string(),
        p.pekerjaan.to_string(),
        "WNI".to_string(),
        p.nama_ibu,
        recorded_at,
        site,
        p.permohonan.to_string(),
    ];
    let needs_correction =
        cfg.office_errors && office_errors(&mut rng_for(cfg.seed, 5, k), &mut fields);
    if cfg.bad_share > 0.0 {
        let mut rng = rng_for(cfg.seed, 4, k);
        if rng.random_bool(cfg.bad_share.clamp(0.0, 1.0)) {
            spoil(&mut rng, &mut fields);
        }
    }
    Row {
        recording_id,
        person_id,
        fields,
        needs_correction,
    }
}

/// Defects seen in real exports.
fn spoil(rng: &mut ChaCha8Rng, f: &mut [String; 22]) {
    match rng.random_range(0..6) {
        0 => f[1].truncate(15),
        1 => f[1].replace_range(8..9, "O"),
        2 => f[4] = "2001-02-31".into(),
        3 => f[14] = "-".into(),
        4 => f[2] = format!("<b>{}</b>", f[2]),
        _ => f[8] = "RT 01".into(),
    }
}

fn is_bad(cfg: &GenConfig, k: u64) -> bool {
    cfg.bad_share > 0.0 && rng_for(cfg.seed, 4, k).random_bool(cfg.bad_share.clamp(0.0, 1.0))
}

fn slot_space(persons: u64) -> u64 {
    let slots = vocab().kecamatan.len() as u64 * BIRTH_DAYS;
    slots * persons.div_ceil(slots).max(1)
}

struct Layout {
    persons: u64,
    file_order: Permutation,
    nik_order: Permutation,
}

impl Layout {
    fn duplicate(&self, seed: u64, d: u64) -> (u64, Option<(u64, DuplicateKind)>) {
        let mut rng = rng_for(seed, 2, d);
        let person = rng.random_range(0..self.persons);
        (person, Some((d, weighted(&mut rng, &DuplicateKind::ALL))))
    }
}

/// Write `recordings.csv` (import contract v1) and `truth.csv` (`recording_id,person_id`).
/// `progress` is called with the number of rows written so far.
pub fn generate(
    cfg: &GenConfig,
    recordings: &mut dyn Write,
    truth: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<GenSummary, GenError> {
    cfg.check()?;
    let duplicates = (cfg.rows as f64 * cfg.duplicate_share).round() as u64;
    let persons = (cfg.rows - duplicates).max(1);
    let duplicates = cfg.rows - persons;
    let layout = Layout {
        persons,
        file_order: Permutation::new(cfg.rows, cfg.seed),
        // Spread people over every (kecamatan, birth date) slot: a bijection of the whole slot
        // space, read at 0..persons, gives each person a unique slot and a small serial.
        nik_order: Permutation::new(slot_space(persons), cfg.seed.rotate_left(17)),
    };
    recordings.write_all(COLUMNS.join(",").as_bytes())?;
    recordings.write_all(b"\n")?;
    truth.write_all(b"recording_id,person_id\n")?;
    let chunks = cfg.rows.div_ceil(ROWS_PER_CHUNK);
    let mut written = 0;
    let mut bad_rows = 0;
    let mut needs_correction_rows = 0;
    // A few chunks at a time in parallel keeps memory bounded at any size.
    let wave = (rayon::current_num_threads() as u64 * 4).max(1);
    for first in (0..chunks).step_by(wave as usize) {
        let outputs: Vec<(Vec<u8>, Vec<u8>, u64, u64)> = (first..(first + wave).min(chunks))
            .into_par_iter()
            .map(|c| {
                let mut rec = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(1 << 20));
                let mut tru = Vec::with_capacity(1 << 16);
                let (mut bad, mut needs_correction) = (0, 0);
                for k in c * ROWS_PER_CHUNK..((c + 1) * ROWS_PER_CHUNK).min(cfg.rows) {
                    let row = row_for(cfg, &layout, k);
                    bad += u64::from(is_bad(cfg, k));
                    needs_correction += u64::from(row.needs_correction);
                    rec.write_record(&row.fields).map_err(io::Error::other)?;
                    writeln!(tru, "{},P{:09}", row.recording_id, row.person_id)?;
                }
                let rec = rec
                    .into_inner()
                    .map_err(|e| io::Error::other(e.to_string()))?;
                Ok::<_, io::Error>((rec, tru, bad, needs_correction))
            })
            .collect::<Result<_, _>>()?;
        for (rec, tru, bad, nc) in outputs {
            recordings.write_all(&rec)?;
            truth.write_all(&tru)?;
            bad_rows += bad;
            needs_correction_rows += nc;
        }
        written = ((first + wave) * ROWS_PER_CHUNK).min(cfg.rows);
        progress(written);
    }
    recordings.flush()?;
    truth.flush()?;
    Ok(GenSummary {
        rows: written,
        persons,
        duplicates,
        bad_rows,
        needs_correction_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cetak_domain::record::Record;
    use std::collections::{HashMap, HashSet};

    fn gen_rows(cfg: &GenConfig) -> (Vec<Vec<String>>, Vec<(String, String)>) {
        let (mut rec, mut tru) = (Vec::new(), Vec::new());
        generate(cfg, &mut rec, &mut tru, &mut |_| {}).expect("generate");
        let mut r = csv::Reader::from_reader(rec.as_slice());
        let rows = r
            .records()
            .map(|x| x.expect("csv").iter().map(str::to_string).collect())
            .collect();
        let mut t = csv::Reader::from_reader(tru.as_slice());
        let truth = t
            .records()
            .map(|x| {
                let x = x.expect("csv");
                (x[0].to_string(), x[1].to_string())
            })
            .collect();
        (rows, truth)
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let cfg = GenConfig {
            rows: 3000,
            ..GenConfig::default()
        };
        let run = |cfg: &GenConfig| {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            generate(cfg, &mut a, &mut b, &mut |_| {}).expect("generate");
            (a, b)
        };
        assert_eq!(run(&cfg), run(&cfg));
        assert_ne!(
            run(&cfg).0,
            run(&GenConfig {
                seed: 7,
                ..cfg.clone()
            })
            .0
        );
    }

    #[test]
    fn every_generated_row_passes_validation() {
        let (rows, truth) = gen_rows(&GenConfig {
            rows: 20_000,
            ..GenConfig::default()
        });
        assert_eq!(rows.len(), 20_000);
        assert_eq!(truth.len(), 20_000);
        for row in &rows {
            let fields: [&str; 22] = std::array::from_fn(|i| row[i].as_str());
            if let Err(e) = Record::validate(&fields) {
                panic!("{e}: {row:?}");
            }
        }
    }

    #[test]
    fn about_forty_percent_are_extra_recordings_and_niks_never_collide_across_people() {
        let (rows, truth) = gen_rows(&GenConfig {
            rows: 25_000,
            ..GenConfig::default()
        });
        let persons: HashSet<&str> = truth.iter().map(|(_, p)| p.as_str()).collect();
        let extra = truth.len() - persons.len();
        assert_eq!(extra, 10_000);
        let person_of: HashMap<&str, &str> = truth
            .iter()
            .map(|(r, p)| (r.as_str(), p.as_str()))
            .collect();
        let mut nik_owner: HashMap<&str, &str> = HashMap::new();
        let mut moved = 0;
        let mut same_nik = 0;
        for row in &rows {
            let p = person_of[row[0].as_str()];
            if let Some(owner) = nik_owner.insert(row[1].as_str(), p) {
                assert_eq!(owner, p, "NIK {} shared by two people", row[1]);
                same_nik += 1;
            }
            moved += usize::from(&row[1][12..13] >= "5");
        }
        assert!(same_nik > 4_000, "{same_nik}");
        assert!(moved > 1_000, "{moved}");
    }

    #[test]
    fn office_errors_make_about_nine_percent_of_rows_need_correction_and_none_unreadable() {
        use cetak_domain::record::Checked;
        let cfg = GenConfig {
            rows: 20_000,
            office_errors: true,
            ..GenConfig::default()
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let summary = generate(&cfg, &mut a, &mut b, &mut |_| {}).expect("generate");
        let (rows, _) = gen_rows(&cfg);
        let (mut needs, mut no_mother, mut digit, mut nik, mut titled) = (0, 0, 0, 0, 0);
        for row in &rows {
            let fields: [&str; 22] = std::array::from_fn(|i| row[i].as_str());
            match Record::check(&fields) {
                Checked::Valid(_) => {}
                Checked::NeedsCorrection(d) => {
                    needs += 1;
                    no_mother += usize::from(d.problems.iter().any(|p| p.field == "nama_ibu"));
                    digit += usize::from(row[2].bytes().any(|c| c.is_ascii_digit()));
                    nik += usize::from(d.problems.iter().any(|p| p.field == "nik"));
                }
                Checked::Unreadable(r) => panic!("{r}: {row:?}"),
            }
            titled += usize::from(row[2].starts_with("H.") || row[2].starts_with("HJ."));
        }
        let share = |n: usize| n as f64 / rows.len() as f64;
        assert_eq!(needs as u64, summary.needs_correction_rows);
        assert!((0.08..0.11).contains(&share(needs)), "{needs}");
        assert!((0.03..0.046).contains(&share(no_mother)), "{no_mother}");
        assert!((0.012..0.022).contains(&share(digit)), "{digit}");
        assert!((0.016..0.026).contains(&share(nik)), "{nik}");
        assert!(titled > 200, "{titled}");
        // Off by default: every row valid (every_generated_row_passes_validation).
        assert!(!GenConfig::default().office_errors);
    }

    #[test]
    fn bad_rows_are_injected_only_when_asked() {
        let (rows, _) = gen_rows(&GenConfig {
            rows: 5_000,
            bad_share: 0.05,
            ..GenConfig::default()
        });
        let bad = rows
            .iter()
            .filter(|row| {
                let fields: [&str; 22] = std::array::from_fn(|i| row[i].as_str());
                Record::validate(&fields).is_err()
            })
            .count();
        assert!((150..400).contains(&bad), "{bad}");
    }
}
