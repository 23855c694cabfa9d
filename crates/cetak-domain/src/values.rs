//! The value lists printed on an E-KTP (agama, status perkawinan, golongan darah, pekerjaan,
//! kewarganegaraan, jenis kelamin), as held in the Dukcapil SIAK reference tables.
//! Source: `data/ktp_enums.csv` (see `data/SOURCES.md`).

use std::collections::HashMap;
use std::sync::OnceLock;

const ENUMS_CSV: &str = include_str!("../../../data/ktp_enums.csv");

/// A field whose value comes from a fixed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListField {
    /// LAKI-LAKI / PEREMPUAN.
    JenisKelamin,
    /// Religion (7 values).
    Agama,
    /// Marital status as printed on the card (4 values).
    StatusPerkawinan,
    /// Blood type (13 values, TIDAK TAHU prints as "-").
    GolonganDarah,
    /// WNI / WNA.
    Kewarganegaraan,
    /// Occupation (SIAK codes 1–89).
    Pekerjaan,
}

impl ListField {
    fn from_csv(name: &str) -> Option<ListField> {
        Some(match name {
            "jenis_kelamin" => ListField::JenisKelamin,
            "agama" => ListField::Agama,
            "status_perkawinan" => ListField::StatusPerkawinan,
            "golongan_darah" => ListField::GolonganDarah,
            "kewarganegaraan" => ListField::Kewarganegaraan,
            "pekerjaan" => ListField::Pekerjaan,
            _ => return None,
        })
    }
}

/// How an input value matched its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The reference spelling itself.
    Exact(&'static str),
    /// An alternative spelling or a SIAK code, mapped to the reference spelling.
    Alternative(&'static str),
}

impl Match {
    /// The reference spelling.
    pub fn canonical(self) -> &'static str {
        match self {
            Match::Exact(s) | Match::Alternative(s) => s,
        }
    }
}

/// The parsed value lists.
#[derive(Debug)]
pub struct ValueLists {
    canonical: HashMap<ListField, Vec<&'static str>>,
    lookup: HashMap<(ListField, &'static str), Match>,
}

/// The shared value lists.
pub fn value_lists() -> &'static ValueLists {
    static LISTS: OnceLock<ValueLists> = OnceLock::new();
    LISTS.get_or_init(ValueLists::load)
}

impl ValueLists {
    fn load() -> ValueLists {
        let mut canonical: HashMap<ListField, Vec<&'static str>> = HashMap::new();
        let mut lookup = HashMap::new();
        let mut rdr = csv::Reader::from_reader(ENUMS_CSV.as_bytes());
        for rec in rdr.records() {
            let rec = rec.expect("embedded value list is valid CSV");
            let Some(field) = ListField::from_csv(&rec[0]) else {
                continue;
            };
            // Leaked once per process: the lists are small and live for the whole run.
            let value: &'static str = Box::leak(rec[1].to_string().into_boxed_str());
            canonical.entry(field).or_default().push(value);
            lookup.insert((field, value), Match::Exact(value));
            let mut alternatives: Vec<String> = rec[3]
                .split('|')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if field == ListField::Pekerjaan && !rec[2].is_empty() {
                alternatives.push(rec[2].to_string());
            }
            for alt in alternatives {
                let alt: &'static str = Box::leak(alt.into_boxed_str());
                lookup
                    .entry((field, alt))
                    .or_insert(Match::Alternative(value));
            }
        }
        ValueLists { canonical, lookup }
    }

    /// Match `input` (upper case, trimmed) against a list.
    pub fn lookup(&self, field: ListField, input: &str) -> Option<Match> {
        self.lookup.get(&(field, input)).copied()
    }

    /// The reference values of a list, in SIAK code order.
    pub fn values(&self, field: ListField) -> &[&'static str] {
        self.canonical
            .get(&field)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_have_their_reference_sizes() {
        let v = value_lists();
        assert_eq!(v.values(ListField::Agama).len(), 7);
        assert_eq!(v.values(ListField::StatusPerkawinan).len(), 4);
        assert_eq!(v.values(ListField::GolonganDarah).len(), 13);
        assert_eq!(v.values(ListField::Pekerjaan).len(), 89);
    }

    #[test]
    fn alternatives_and_codes_map_to_the_reference_spelling() {
        let v = value_lists();
        assert_eq!(
            v.lookup(ListField::Agama, "KATOLIK"),
            Some(Match::Alternative("KATHOLIK"))
        );
        assert_eq!(
            v.lookup(ListField::Agama, "ISLAM"),
            Some(Match::Exact("ISLAM"))
        );
        assert_eq!(
            v.lookup(ListField::Pekerjaan, "88"),
            Some(Match::Alternative("WIRASWASTA"))
        );
        assert_eq!(
            v.lookup(ListField::GolonganDarah, "-"),
            Some(Match::Alternative("TIDAK TAHU"))
        );
        assert_eq!(v.lookup(ListField::Agama, "JEDI"), None);
    }
}
