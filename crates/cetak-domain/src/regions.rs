//! Region codes (Kemendagri) shipped with the binary: all provinces and kabupaten/kota of
//! Indonesia, and the kecamatan/kelurahan of Kota Palembang. Sources: `data/SOURCES.md`.
//!
//! Codes change over time (new provinces, renumbered regencies); a NIK keeps the code it was
//! issued under, so old codes (`kode_lama`) stay valid here.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const PROVINSI_CSV: &str = include_str!("../../../data/regions_provinsi_id.csv");
const KOTA_CSV: &str = include_str!("../../../data/regions_kota_id.csv");
const PALEMBANG_CSV: &str = include_str!("../../../data/regions_palembang.csv");

/// Kota Palembang's NIK region prefix (province 16, kota 71).
pub const PALEMBANG: &str = "1671";

/// A kabupaten or kota.
#[derive(Debug, Clone)]
pub struct Kota {
    /// Four NIK digits, e.g. `1671`.
    pub code: String,
    /// Official name, e.g. `Kota Palembang`.
    pub name: String,
    /// Short name used as a birthplace, e.g. `PALEMBANG` (kota) or the regency's capital.
    pub birthplace: String,
    /// `true` for a kota (NIK kota codes 71–99), `false` for a kabupaten.
    pub is_kota: bool,
}

/// A kecamatan of a city whose kelurahan the binary ships (Palembang).
#[derive(Debug, Clone)]
pub struct Kecamatan {
    /// Six NIK digits, e.g. `167101`.
    pub code: String,
    /// 2025 spelling, e.g. `ILIR BARAT DUA`.
    pub name: String,
    /// Spelling on older cards, e.g. `ILIR BARAT II`.
    pub name_legacy: String,
    /// Its kelurahan, each as (2025 spelling, legacy spelling, postal code), upper case.
    pub kelurahan: Vec<Kelurahan>,
}

/// A kelurahan (urban village).
#[derive(Debug, Clone)]
pub struct Kelurahan {
    /// 2025 spelling, upper case.
    pub name: String,
    /// Earlier spelling, upper case.
    pub name_legacy: String,
    /// Postal code.
    pub kode_pos: String,
}

/// The region tables.
#[derive(Debug)]
pub struct Regions {
    provinces: HashMap<String, String>,
    kota: HashMap<String, Kota>,
    /// Cities whose kecamatan list we ship, by four-digit code.
    kecamatan: HashMap<String, Vec<Kecamatan>>,
    /// Upper-case kecamatan name (both spellings) → index, per city.
    kecamatan_by_name: HashMap<String, usize>,
    kelurahan_names: Vec<HashSet<String>>,
}

/// What the tables can say about a kecamatan code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KecamatanCheck {
    /// The code is in the shipped list for that city.
    Known,
    /// The city's kecamatan list is not shipped; any code 01–99 is accepted.
    NotShipped,
    /// The city's list is shipped and does not hold this code.
    Unknown,
}

/// The shared, parsed region tables.
pub fn regions() -> &'static Regions {
    static REGIONS: OnceLock<Regions> = OnceLock::new();
    REGIONS.get_or_init(Regions::load)
}

fn rows(csv_text: &'static str) -> impl Iterator<Item = csv::StringRecord> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .into_records()
        .map(|r| r.expect("embedded region table is valid CSV"))
}

fn digits(dotted: &str) -> String {
    dotted.chars().filter(char::is_ascii_digit).collect()
}

impl Regions {
    fn load() -> Regions {
        let mut provinces = HashMap::new();
        for r in rows(PROVINSI_CSV) {
            provinces.insert(r[0].to_string(), r[1].to_string());
        }
        let mut kota = HashMap::new();
        for r in rows(KOTA_CSV) {
            let is_kota = &r[2] == "kota";
            let birthplace = if is_kota { &r[4] } else { &r[5] };
            let entry = Kota {
                code: r[1].to_string(),
                name: r[3].to_string(),
                birthplace: birthplace.to_uppercase(),
                is_kota,
            };
            let old = digits(&r[9]);
            if !old.is_empty() {
                // NIKs issued before the split keep the old code.
                kota.insert(
                    old.clone(),
                    Kota {
                        code: old,
                        ..entry.clone()
                    },
                );
            }
            kota.insert(entry.code.clone(), entry);
        }
        let mut kecamatan: HashMap<String, Vec<Kecamatan>> = HashMap::new();
        let mut kecamatan_by_name = HashMap::new();
        let mut kelurahan_names = Vec::new();
        let mut list = Vec::new();
        for r in rows(PALEMBANG_CSV) {
            match &r[1] {
                "kecamatan" => list.push(Kecamatan {
                    code: digits(&r[0]),
                    name: r[2].to_uppercase(),
                    name_legacy: r[4].to_uppercase(),
                    kelurahan: Vec::new(),
                }),
                "kelurahan" | "desa" => {
                    let parent = digits(&r[3]);
                    if let Some(k) = list.iter_mut().find(|k| k.code == parent) {
                        k.kelurahan.push(Kelurahan {
                            name: r[2].to_uppercase(),
                            name_legacy: r[4].to_uppercase(),
                            kode_pos: r[5].to_string(),
                        });
                    }
                }
                _ => {}
            }
        }
        for (i, k) in list.iter().enumerate() {
            kecamatan_by_name.insert(k.name.clone(), i);
            kecamatan_by_name.insert(k.name_legacy.clone(), i);
            let mut names = HashSet::new();
            for kel in &k.kelurahan {
                names.insert(kel.name.clone());
                names.insert(kel.name_legacy.clone());
            }
            kelurahan_names.push(names);
        }
        kecamatan.insert(PALEMBANG.to_string(), list);
        Regions {
            provinces,
            kota,
            kecamatan,
            kecamatan_by_name,
            kelurahan_names,
        }
    }

    /// The province's name for a two-digit code.
    pub fn province(&self, code: &str) -> Option<&str> {
        self.provinces.get(code).map(String::as_str)
    }

    /// The kabupaten/kota for a four-digit code (current or old).
    pub fn kota(&self, code: &str) -> Option<&Kota> {
        self.kota.get(code)
    }

    /// Every kabupaten/kota, current and old codes.
    pub fn all_kota(&self) -> impl Iterator<Item = &Kota> {
        self.kota.values()
    }

    /// The kecamatan of Kota Palembang in code order.
    pub fn palembang(&self) -> &[Kecamatan] {
        self.kecamatan
            .get(PALEMBANG)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Whether a six-digit kecamatan code is known.
    pub fn check_kecamatan(&self, code6: &str) -> KecamatanCheck {
        let Some(list) = self.kecamatan.get(&code6[..4]) else {
            return KecamatanCheck::NotShipped;
        };
        if list.iter().any(|k| k.code == code6) {
            KecamatanCheck::Known
        } else {
            KecamatanCheck::Unknown
        }
    }

    /// The kelurahan's code for a Palembang (kecamatan, kelurahan) pair in either spelling,
    /// so that "35 ILIR" and "TIGA-PULUH-LIMA ILIR" compare equal.
    pub fn palembang_kelurahan_code(&self, kecamatan: &str, kelurahan: &str) -> Option<String> {
        let i = *self.kecamatan_by_name.get(kecamatan)?;
        let k = &self.palembang()[i];
        let pos = k
            .kelurahan
            .iter()
            .position(|l| l.name == kelurahan || l.name_legacy == kelurahan)?;
        Some(format!("{}{:02}", k.code, pos + 1))
    }

    /// Whether `kelurahan` lies in `kecamatan` (Palembang names, either spelling, upper case).
    /// `None` when the kecamatan is not a Palembang one.
    pub fn palembang_kelurahan_in(&self, kecamatan: &str, kelurahan: &str) -> Option<bool> {
        let i = *self.kecamatan_by_name.get(kecamatan)?;
        Some(self.kelurahan_names[i].contains(kelurahan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_hold_palembang_and_the_country() {
        let r = regions();
        assert_eq!(r.province("16"), Some("Sumatera Selatan"));
        assert_eq!(r.kota("1671").map(|k| k.is_kota), Some(true));
        assert_eq!(r.palembang().len(), 18);
        let kel: usize = r.palembang().iter().map(|k| k.kelurahan.len()).sum();
        assert_eq!(kel, 107);
        assert!(r.all_kota().filter(|k| k.code == k.code.trim()).count() >= 514);
    }

    #[test]
    fn old_papua_codes_stay_valid() {
        // Merauke was 91.01 before the 2022 split into Papua Selatan (93.01).
        assert_eq!(
            regions().kota("9101").map(|k| k.name.as_str()),
            Some("Kabupaten Merauke")
        );
        assert!(regions().kota("9301").is_some());
    }

    #[test]
    fn kecamatan_codes_are_checked_where_shipped() {
        let r = regions();
        assert_eq!(r.check_kecamatan("167118"), KecamatanCheck::Known);
        assert_eq!(r.check_kecamatan("167119"), KecamatanCheck::Unknown);
        assert_eq!(r.check_kecamatan("160101"), KecamatanCheck::NotShipped);
    }

    #[test]
    fn kelurahan_names_match_either_spelling() {
        let r = regions();
        assert_eq!(
            r.palembang_kelurahan_in("ILIR BARAT II", "35 ILIR"),
            Some(true)
        );
        assert_eq!(
            r.palembang_kelurahan_in("ILIR BARAT DUA", "TIGA-PULUH-LIMA ILIR"),
            Some(true)
        );
        assert_eq!(r.palembang_kelurahan_in("PLAJU", "35 ILIR"), Some(false));
        assert_eq!(r.palembang_kelurahan_in("MENTENG", "X"), None);
    }
}
