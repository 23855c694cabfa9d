//! Times and numbers as the office reads them: instants in WIB (the office's zone,
//! [`OFFICE_OFFSET`]) as Indonesian dates to the minute, `29 Nov 2026 14.05 WIB`; numbers with
//! Indonesian separators, `14.798` and `0,958`. English pages get `29 Nov 2026 14:05 WIB`,
//! `14,798` and `0.958`. Stored values stay UTC RFC 3339 and plain numbers (and so does JSON).

use cetak_print::schedule::OFFICE_OFFSET;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

const MONTHS_ID: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `29 Nov 2026` (`Agu`, `Okt`, `Des` in Indonesian).
pub(crate) fn day(d: Date, en: bool) -> String {
    let months = if en { MONTHS_EN } else { MONTHS_ID };
    let m = months[usize::from(u8::from(d.month())).saturating_sub(1) % 12];
    format!("{} {m} {}", d.day(), d.year())
}

/// An instant in WIB to the minute: `29 Nov 2026 14.05 WIB` (`14:05` in English).
pub(crate) fn instant(t: OffsetDateTime, en: bool) -> String {
    let w = t.to_offset(OFFICE_OFFSET);
    let sep = if en { ':' } else { '.' };
    format!(
        "{} {:02}{sep}{:02} WIB",
        day(w.date(), en),
        w.hour(),
        w.minute()
    )
}

/// A stored time as the office reads it: an RFC 3339 instant (any offset, any fraction of a
/// second) in WIB, a `YYYY-MM-DD` date as a date; anything else unchanged.
pub(crate) fn when(s: &str, en: bool) -> String {
    let t = s.trim();
    if let Ok(at) = OffsetDateTime::parse(t, &Rfc3339) {
        return instant(at, en);
    }
    if let Ok(d) = Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")) {
        return day(d, en);
    }
    s.to_string()
}

/// Digits grouped by thousands: `14.798` (`14,798` in English).
pub(crate) fn int(n: i64, en: bool) -> String {
    group(
        &n.unsigned_abs().to_string(),
        n < 0,
        if en { ',' } else { '.' },
    )
}

/// A file size in MiB, in Indonesian and in English numbers (`2,0 MiB`, `2.0 MiB`).
pub(crate) fn size_mib(bytes: usize) -> [String; 2] {
    let mib = bytes as f64 / 1_048_576.0;
    [false, true].map(|en| format!("{} MiB", dec(mib, 1, en)))
}

/// A decimal with `places` digits after the comma: `0,958` (`0.958` in English).
pub(crate) fn dec(x: f64, places: usize, en: bool) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let s = format!("{:.*}", places, x.abs());
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    // -0,000 is 0,000.
    let negative = x < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0');
    let (thousands, comma) = if en { (',', '.') } else { ('.', ',') };
    let mut out = group(whole, negative, thousands);
    if !frac.is_empty() {
        out.push(comma);
        out.push_str(frac);
    }
    out
}

fn group(digits: &str, negative: bool, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if negative {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_wib_to_the_minute() {
        assert_eq!(
            when("2026-11-29T07:05:59.123456789Z", false),
            "29 Nov 2026 14.05 WIB"
        );
        assert_eq!(when("2026-11-29T07:05:00Z", true), "29 Nov 2026 14:05 WIB");
        // After 17:00 UTC it is already the next day in Palembang.
        assert_eq!(when("2026-08-16T18:30:00Z", false), "17 Agu 2026 01.30 WIB");
        assert_eq!(
            when("2026-12-31T17:00:00+00:00", false),
            "1 Jan 2027 00.00 WIB"
        );
        // An offset already in WIB stays.
        assert_eq!(
            when("2013-05-02T09:15:00+07:00", false),
            "2 Mei 2013 09.15 WIB"
        );
    }

    #[test]
    fn dates_and_other_text() {
        assert_eq!(when("2026-10-03", false), "3 Okt 2026");
        assert_eq!(when("2026-12-03", true), "3 Dec 2026");
        assert_eq!(when("kemarin", false), "kemarin");
        assert_eq!(when("", false), "");
    }

    #[test]
    fn numbers_have_indonesian_separators() {
        assert_eq!(int(14798, false), "14.798");
        assert_eq!(int(14798, true), "14,798");
        assert_eq!(int(0, false), "0");
        assert_eq!(int(999, false), "999");
        assert_eq!(int(1000, false), "1.000");
        assert_eq!(int(25_961_000, false), "25.961.000");
        assert_eq!(int(-1234, false), "-1.234");
        assert_eq!(dec(0.958, 3, false), "0,958");
        assert_eq!(dec(0.958, 3, true), "0.958");
        assert_eq!(dec(12345.5, 2, false), "12.345,50");
        assert_eq!(dec(-1.256, 2, false), "-1,26");
        assert_eq!(dec(-0.0001, 2, false), "0,00");
        assert_eq!(dec(7.0, 0, false), "7");
        assert_eq!(dec(f64::NAN, 2, false), "-");
    }
}
