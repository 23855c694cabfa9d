//! NIK — Nomor Induk Kependudukan, the lifelong 16-digit resident number.
//!
//! Layout `PPKKCC DDMMYY SSSS`: province, kabupaten/kota, kecamatan where first registered;
//! birth day (+40 for women), month, two-digit year; serial from 0001. There is no check
//! digit. A NIK never changes, even when the date inside it is wrong, so disagreement with the
//! record's own birth date or sex is a [`NikWarning`], never a rejection.

use std::fmt;

use thiserror::Error;
use time::Date;

use crate::regions::{KecamatanCheck, regions};

/// A syntactically and regionally valid NIK.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nik([u8; 16]);

/// Why a string is not a NIK.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NikError {
    /// Not 16 characters long.
    #[error("a NIK has 16 digits, this one has {0} characters")]
    Length(usize),
    /// A character that is not an ASCII digit.
    #[error("a NIK holds digits only; character {position} is not a digit")]
    NotDigits {
        /// 1-based position of the first offending character.
        position: usize,
    },
    /// Province code not in the tables.
    #[error("province code {0} is not a known province")]
    UnknownProvince(String),
    /// Kabupaten/kota code not in the tables (current or old).
    #[error("kabupaten/kota code {0} is not known (current or old codes)")]
    UnknownKota(String),
    /// Kecamatan code not in the shipped list of its city.
    #[error("kecamatan code {0} is not a kecamatan of its city")]
    UnknownKecamatan(String),
    /// The date part cannot be a birth date.
    #[error("date part {0} is not a birth date (day 01–31 or 41–71, month 01–12)")]
    InvalidDate(String),
    /// Serial 0000.
    #[error("serial 0000 is not issued; serials start at 0001")]
    SerialZero,
}

/// Sex as printed on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Sex {
    /// LAKI-LAKI.
    LakiLaki,
    /// PEREMPUAN.
    Perempuan,
}

impl Sex {
    /// As printed on the card.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::LakiLaki => "LAKI-LAKI",
            Sex::Perempuan => "PEREMPUAN",
        }
    }
}

/// Where a valid NIK disagrees with the record it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NikWarning {
    /// The NIK's day/month/year differ from the record's birth date.
    BirthDateMismatch,
    /// The NIK's +40 rule says the other sex.
    SexMismatch,
}

fn days_in_month(month: u8, yy: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // The century is unknown; 1900 is the only non-leap year divisible by 4 in range and
        // nobody born in 1900 is still being recorded, so yy % 4 decides.
        _ if yy.is_multiple_of(4) => 29,
        _ => 28,
    }
}

impl Nik {
    /// Parse and validate a NIK.
    pub fn parse(s: &str) -> Result<Nik, NikError> {
        let b = s.as_bytes();
        if let Some(i) = b.iter().position(|c| !c.is_ascii_digit())
            && (s.chars().count() == 16 || i < 16)
        {
            return Err(NikError::NotDigits {
                position: s[..i].chars().count() + 1,
            });
        }
        if b.len() != 16 {
            return Err(NikError::Length(s.chars().count()));
        }
        let mut digits = [0u8; 16];
        digits.copy_from_slice(b);
        let nik = Nik(digits);
        let r = regions();
        if r.province(nik.province()).is_none() {
            return Err(NikError::UnknownProvince(nik.province().to_string()));
        }
        if r.kota(nik.kota()).is_none() {
            return Err(NikError::UnknownKota(nik.kota().to_string()));
        }
        if nik.kecamatan_number() == 0
            || r.check_kecamatan(nik.kecamatan()) == KecamatanCheck::Unknown
        {
            return Err(NikError::UnknownKecamatan(nik.kecamatan().to_string()));
        }
        let (day, month, yy) = (nik.birth_day(), nik.two(8), nik.two(10));
        let raw_day = nik.two(6);
        let day_ok = (1..=31).contains(&raw_day) || (41..=71).contains(&raw_day);
        if !day_ok || !(1..=12).contains(&month) || day > days_in_month(month, yy) {
            return Err(NikError::InvalidDate(nik.as_str()[6..12].to_string()));
        }
        if nik.serial() == 0 {
            return Err(NikError::SerialZero);
        }
        Ok(nik)
    }

    fn two(&self, at: usize) -> u8 {
        (self.0[at] - b'0') * 10 + (self.0[at + 1] - b'0')
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Two-digit province code.
    pub fn province(&self) -> &str {
        &self.as_str()[..2]
    }

    /// Four-digit kabupaten/kota code (province + kota).
    pub fn kota(&self) -> &str {
        &self.as_str()[..4]
    }

    /// Six-digit kecamatan code (province + kota + kecamatan).
    pub fn kecamatan(&self) -> &str {
        &self.as_str()[..6]
    }

    fn kecamatan_number(&self) -> u8 {
        self.two(4)
    }

    /// `true` when the day carries the +40 that marks a woman.
    pub fn encodes_female(&self) -> bool {
        self.two(6) > 40
    }

    /// Day of birth with the +40 removed.
    pub fn birth_day(&self) -> u8 {
        let d = self.two(6);
        if d > 40 { d - 40 } else { d }
    }

    /// Month of birth.
    pub fn birth_month(&self) -> u8 {
        self.two(8)
    }

    /// Two-digit year of birth.
    pub fn birth_yy(&self) -> u8 {
        self.two(10)
    }

    /// Serial within region and birth date, 1–9999.
    pub fn serial(&self) -> u16 {
        u16::from(self.two(12)) * 100 + u16::from(self.two(14))
    }

    /// Compare with the record's own birth date and sex.
    pub fn check_against(&self, birth: Date, sex: Sex) -> Vec<NikWarning> {
        let mut warnings = Vec::new();
        if self.birth_day() != birth.day()
            || self.birth_month() != u8::from(birth.month())
            || i32::from(self.birth_yy()) != birth.year().rem_euclid(100)
        {
            warnings.push(NikWarning::BirthDateMismatch);
        }
        if self.encodes_female() != (sex == Sex::Perempuan) {
            warnings.push(NikWarning::SexMismatch);
        }
        warnings
    }

    /// Build the NIK for a region, birth date, sex and serial (the generator and tests use it).
    pub fn compose(kecamatan6: &str, birth: Date, sex: Sex, serial: u16) -> Result<Nik, NikError> {
        let day = birth.day() + if sex == Sex::Perempuan { 40 } else { 0 };
        let s = format!(
            "{kecamatan6}{day:02}{:02}{:02}{serial:04}",
            u8::from(birth.month()),
            birth.year().rem_euclid(100)
        );
        Nik::parse(&s)
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn parses_the_parts() {
        let n = Nik::parse("1671014508900001").expect("valid");
        assert_eq!(n.province(), "16");
        assert_eq!(n.kota(), "1671");
        assert_eq!(n.kecamatan(), "167101");
        assert!(n.encodes_female());
        assert_eq!((n.birth_day(), n.birth_month(), n.birth_yy()), (5, 8, 90));
        assert_eq!(n.serial(), 1);
    }

    #[test]
    fn rejects_wrong_length_and_letters() {
        assert_eq!(Nik::parse("167101450890001"), Err(NikError::Length(15)));
        assert_eq!(Nik::parse("16710145089000011"), Err(NikError::Length(17)));
        assert_eq!(
            Nik::parse("16710145O8900001"),
            Err(NikError::NotDigits { position: 9 })
        );
        assert_eq!(Nik::parse(""), Err(NikError::Length(0)));
    }

    #[test]
    fn rejects_unknown_regions() {
        assert!(matches!(
            Nik::parse("9971010101900001"),
            Err(NikError::UnknownProvince(_))
        ));
        assert!(matches!(
            Nik::parse("1699010101900001"),
            Err(NikError::UnknownKota(_))
        ));
        assert!(matches!(
            Nik::parse("1671190101900001"),
            Err(NikError::UnknownKecamatan(_))
        ));
        assert!(matches!(
            Nik::parse("1671000101900001"),
            Err(NikError::UnknownKecamatan(_))
        ));
        // Outside Palembang the kecamatan list is not shipped: any 01–99 passes.
        assert!(Nik::parse("3171450101900001").is_ok());
        // An old Papua code keeps working.
        assert!(Nik::parse("9101010101900001").is_ok());
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "1671013201900001",
            "1671010113900001",
            "1671010001900001",
            "1671017201900001",
        ] {
            assert!(
                matches!(Nik::parse(bad), Err(NikError::InvalidDate(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Nik::parse("1671013002900001"),
            Err(NikError::InvalidDate(_))
        ));
        assert!(Nik::parse("1671012902880001").is_ok(), "29 Feb 1988");
        assert!(matches!(
            Nik::parse("1671012902890001"),
            Err(NikError::InvalidDate(_))
        ));
        assert_eq!(Nik::parse("1671010101900000"), Err(NikError::SerialZero));
    }

    #[test]
    fn mismatches_are_warnings() {
        let n = Nik::parse("1671014508900001").expect("valid");
        assert!(
            n.check_against(date!(1990 - 08 - 05), Sex::Perempuan)
                .is_empty()
        );
        assert_eq!(
            n.check_against(date!(1990 - 05 - 08), Sex::Perempuan),
            vec![NikWarning::BirthDateMismatch]
        );
        assert_eq!(
            n.check_against(date!(1990 - 08 - 05), Sex::LakiLaki),
            vec![NikWarning::SexMismatch]
        );
    }

    proptest! {
        #[test]
        fn compose_then_parse_round_trips(days in 0i64..40_000, female: bool, serial in 1u16..=9999, kec in 1u8..=18) {
            let birth = date!(1920 - 01 - 01) + time::Duration::days(days);
            let sex = if female { Sex::Perempuan } else { Sex::LakiLaki };
            let nik = Nik::compose(&format!("1671{kec:02}"), birth, sex, serial).expect("valid");
            prop_assert!(nik.check_against(birth, sex).is_empty());
            prop_assert_eq!(nik.serial(), serial);
            prop_assert_eq!(Nik::parse(nik.as_str()), Ok(nik));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Nik::parse(&s);
        }
    }
}
