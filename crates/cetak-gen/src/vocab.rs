//! Name and place vocabulary for the generator, from the shipped reference data.

use std::collections::HashMap;
use std::sync::OnceLock;

use cetak_domain::regions::{Kecamatan, regions};

const NAMES_CSV: &str = include_str!("../../../data/names_id.csv");
const VARIANTS_CSV: &str = include_str!("../../../data/name_variants_id.csv");

/// Street names for synthetic addresses: national heroes and common words, as streets are
/// named across Indonesia (no real address list is used).
pub const STREETS: &[&str] = &[
    "MERDEKA",
    "SUDIRMAN",
    "JEND. A. YANI",
    "KOL. H. BURLIAN",
    "DEMANG LEBAR DAUN",
    "KAPTEN RIVAI",
    "VETERAN",
    "RESIDEN A. ROZAK",
    "MAYOR ZEN",
    "SUKARNO HATTA",
    "PANGERAN ANTASARI",
    "KI MEROGAN",
    "SULTAN MAHMUD BADARUDDIN",
    "PERINDUSTRIAN",
    "MAWAR",
    "MELATI",
    "KENANGA",
    "CEMPAKA",
    "ANGGREK",
    "DAMAI",
    "SENTOSA",
    "BERINGIN",
    "KELAPA GADING",
    "PADAT KARYA",
    "SEI ITAM",
    "TALANG KERANGGA",
    "PUSRI",
    "KEMUNING",
    "SUKABANGUN",
    "SIARAN",
    "BUNGA",
    "PERTAHANAN",
    "SWADAYA",
    "MUSI RAYA",
];

/// Common occupations with rough weights (most people are in a handful of SIAK codes).
pub const PEKERJAAN: &[(&str, u32)] = &[
    ("WIRASWASTA", 22),
    ("KARYAWAN SWASTA", 18),
    ("MENGURUS RUMAH TANGGA", 14),
    ("PELAJAR/MAHASISWA", 12),
    ("BELUM/TIDAK BEKERJA", 8),
    ("PEDAGANG", 6),
    ("BURUH HARIAN LEPAS", 5),
    ("PEGAWAI NEGERI SIPIL", 4),
    ("GURU", 2),
    ("PENSIUNAN", 2),
    ("SOPIR", 2),
    ("KARYAWAN HONORER", 1),
    ("PERAWAT", 1),
    ("TENTARA NASIONAL INDONESIA", 1),
    ("KEPOLISIAN RI", 1),
    ("NELAYAN/PERIKANAN", 1),
];

/// The generator's word lists.
pub struct Vocab {
    pub male_given: Vec<String>,
    pub female_given: Vec<String>,
    pub male_second: Vec<String>,
    pub female_second: Vec<String>,
    pub chinese_given: Vec<String>,
    /// Token (upper case) → other spellings of it.
    pub variants: HashMap<String, Vec<String>>,
    pub kecamatan: &'static [Kecamatan],
    /// Birthplaces elsewhere (kota names and regency capitals), and NIK prefixes of other cities.
    pub other_birthplaces: Vec<String>,
    pub other_kota: Vec<String>,
}

fn upper(s: &str) -> String {
    s.trim().to_uppercase()
}

/// Only tokens the import contract accepts in a name.
fn printable(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, ' ' | '.' | '\'' | '-'))
}

pub fn vocab() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(load)
}

fn load() -> Vocab {
    let mut v = Vocab {
        male_given: Vec::new(),
        female_given: Vec::new(),
        male_second: Vec::new(),
        female_second: Vec::new(),
        chinese_given: Vec::new(),
        variants: HashMap::new(),
        kecamatan: regions().palembang(),
        other_birthplaces: Vec::new(),
        other_kota: Vec::new(),
    };
    let mut rdr = csv::Reader::from_reader(NAMES_CSV.as_bytes());
    for rec in rdr.records().flatten() {
        let (name, gender, group, kind, hint) =
            (upper(&rec[0]), &rec[1], &rec[2], &rec[3], &rec[4]);
        if !printable(&name) {
            continue;
        }
        let gender = if gender == "U" { hint } else { gender };
        match (kind, gender) {
            ("given", _) if group.contains("chinese") => v.chinese_given.push(name),
            ("given", "M") => v.male_given.push(name),
            ("given", "F") => v.female_given.push(name),
            ("surname_like", "M") => v.male_second.push(name),
            ("surname_like", "F") => v.female_second.push(name),
            _ => {}
        }
    }
    let mut rdr = csv::Reader::from_reader(VARIANTS_CSV.as_bytes());
    for rec in rdr.records().flatten() {
        let (a, b) = (upper(&rec[0]), upper(&rec[1]));
        // Single-token pairs only: the generator swaps one token at a time.
        if a.contains(' ') || b.contains(' ') || !printable(&a) || !printable(&b) {
            continue;
        }
        v.variants.entry(a.clone()).or_default().push(b.clone());
        v.variants.entry(b).or_default().push(a);
    }
    for list in v.variants.values_mut() {
        list.sort();
        list.dedup();
    }
    let mut kota: Vec<_> = regions()
        .all_kota()
        .filter(|k| k.code != cetak_domain::regions::PALEMBANG)
        .collect();
    kota.sort_by(|a, b| a.code.cmp(&b.code));
    kota.dedup_by(|a, b| a.name == b.name);
    for k in kota {
        if printable(&k.birthplace) {
            v.other_birthplaces.push(k.birthplace.clone());
        }
        v.other_kota.push(k.code.clone());
    }
    for list in [
        &mut v.male_given,
        &mut v.female_given,
        &mut v.male_second,
        &mut v.female_second,
        &mut v.chinese_given,
    ] {
        list.sort();
        list.dedup();
    }
    v
}
