//! Indonesian names to comparable keys.
//!
//! A name goes through: upper case, punctuation out, titles out (H., HJ., KGS., KEMAS, RADEN,
//! NYIMAS, …), abbreviations and variant spellings to their canonical form from
//! `data/name_variants_id.csv` (M./MOCH./MUH. → MUHAMMAD, ABD. → ABDUL, ST. → SITI, …), then
//! each token to a *sound key* that erases the spelling reforms (oe/u, dj/j, tj/c, j/y, ch/kh,
//! sj/sy, nj/ny) and common Arabic/Sundanese transliteration differences.

use std::collections::HashMap;
use std::sync::OnceLock;

const VARIANTS_CSV: &str = include_str!("../../../data/name_variants_id.csv");
const NAMES_CSV: &str = include_str!("../../../data/names_id.csv");

/// Sound keys of known given names (`data/names_id.csv`): two *different* known names are two
/// people's names, not one name with a typo (RINA and RANI are twins, not a misspelling).
pub fn is_known_name(key: &str) -> bool {
    static K: OnceLock<rustc_hash::FxHashSet<String>> = OnceLock::new();
    K.get_or_init(|| {
        let v = variants();
        let mut rdr = csv::Reader::from_reader(NAMES_CSV.as_bytes());
        rdr.records()
            .flatten()
            .filter(|r| &r[3] == "given" || &r[3] == "surname_like")
            .map(|r| {
                let k = sound_key(&clean_token(&r[0]));
                v.get(&k).cloned().unwrap_or(k)
            })
            .filter(|k| !k.contains(' ') && k.len() >= 3)
            .collect()
    })
    .contains(key)
}

/// Titles and honorifics that are not part of the person's own name.
const TITLES: &[&str] = &[
    "H", "HJ", "HJH", "HAJI", "HAJJAH", "HAJAH", "KGS", "KIAGUS", "KI", "KMS", "KEMAS", "MGS",
    "MASAGUS", "MSY", "MASAYU", "NYS", "NYIMAS", "NYI", "NYA", "NYAYU", "R", "RA", "RADEN", "AYU",
    "DRS", "DR", "IR", "SH", "SE", "SPD", "AMD", "ALM", "ALMH",
];

/// Sound key of a spelling → sound key of its canonical form. Keyed by sound, so that
/// ACHMAD and AKHMAD (both AKMAD) meet AHMAD even if the table lists only one of them.
fn variants() -> &'static HashMap<String, String> {
    static V: OnceLock<HashMap<String, String>> = OnceLock::new();
    V.get_or_init(|| {
        let mut map = HashMap::new();
        let mut rdr = csv::Reader::from_reader(VARIANTS_CSV.as_bytes());
        for rec in rdr.records().flatten() {
            let canonical = clean_token(&rec[0]);
            let variant = clean_token(&rec[1]);
            // Single tokens only; a multi-token variant ("Ki Agus") is handled by TITLES.
            if canonical.contains(' ')
                || variant.contains(' ')
                || canonical.is_empty()
                || variant.is_empty()
            {
                continue;
            }
            let (from, to) = (sound_key(&variant), sound_key(&canonical));
            if from != to {
                // "St." is both Siti and Sutan: Siti is far more common on cards, and the
                // title Sutan is dropped anyway when spelled out. First entry wins.
                map.entry(from).or_insert(to);
            }
        }
        map
    })
}

fn clean_token(s: &str) -> String {
    s.trim()
        .to_ascii_uppercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic() || *c == ' ')
        .collect()
}

/// The tokens of a person's own name, titles removed, abbreviations expanded, in order.
pub fn name_tokens(name: &str) -> Vec<String> {
    name_tokens_cached(name, &mut TokenCache::default())
        .iter()
        .map(|t| t.to_string())
        .collect()
}

/// A canonical name token, shared: one spelling in a million recordings is one allocation.
pub type Token = std::sync::Arc<str>;

/// Raw token → its canonical sound key (`None` for a title): names repeat across a registry,
/// so each worker normalises a spelling once.
pub type TokenCache = rustc_hash::FxHashMap<Box<str>, Option<Token>>;

/// [`name_tokens`] with a cache of tokens already seen.
pub fn name_tokens_cached(name: &str, cache: &mut TokenCache) -> Vec<Token> {
    let mut out = Vec::new();
    for raw in name.split([' ', ',', '-', '.']) {
        if raw.is_empty() {
            continue;
        }
        if let Some(known) = cache.get(raw) {
            if let Some(k) = known {
                out.push(k.clone());
            }
            continue;
        }
        let key: Option<Token> = token_key(raw).map(Token::from);
        if let Some(k) = &key {
            out.push(k.clone());
        }
        // A flood of distinct garbage must not grow the cache without bound.
        if cache.len() < 200_000 {
            cache.insert(raw.into(), key);
        }
    }
    out
}

/// One raw token's canonical sound key, or `None` for a title or a token without letters.
fn token_key(raw: &str) -> Option<String> {
    // A digit typed for the letter it looks like (RAF1, 8ERNARDUS, S0EARTINI, D1MAS) reads
    // as that letter inside a word; a token of digits alone is no name.
    let has_letter = raw.bytes().any(|b| b.is_ascii_alphabetic());
    let t: String = raw
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | 'A'..='Z' => Some(c.to_ascii_uppercase()),
            '0'..='9' if has_letter => Some(digit_as_letter(c)),
            _ => None,
        })
        .collect();
    if t.is_empty() || TITLES.contains(&t.as_str()) {
        return None;
    }
    let key = sound_key(&t);
    Some(variants().get(&key).cloned().unwrap_or(key))
}

/// The letter a digit is mistyped for (the look-alike on a keyboard or a form).
fn digit_as_letter(d: char) -> char {
    match d {
        '0' => 'O',
        '1' => 'I',
        '2' => 'Z',
        '3' => 'E',
        '4' => 'A',
        '5' => 'S',
        '6' | '9' => 'G',
        '7' => 'T',
        _ => 'B',
    }
}

/// A token's spelling with the spelling reforms and common transliterations erased.
pub fn sound_key(token: &str) -> String {
    let mut s = token.to_ascii_uppercase();
    for (from, to) in [
        ("OE", "U"),
        ("DJ", "J"),
        ("TJ", "C"),
        ("SJ", "S"),
        ("SY", "S"),
        ("NJ", "NY"),
        ("CH", "K"),
        ("KH", "K"),
        ("J", "Y"),
        ("PH", "F"),
        ("F", "P"),
        ("V", "P"),
        ("Q", "K"),
        ("Z", "S"),
        ("AE", "AI"),
        ("TH", "T"),
        ("DH", "D"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    if let Some(stripped) = s.strip_suffix("IE") {
        s = format!("{stripped}I");
    }
    if let Some(stripped) = s.strip_suffix('Y') {
        s = format!("{stripped}I");
    }
    // Doubled letters (MUHAMMAD/MUHAMAD, SITTI/SITI) and a silent final H (FATIMAH/FATIMA).
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    if out.len() > 3 && out.ends_with('H') && !out.ends_with("SH") {
        out.pop();
    }
    out
}

/// The whole name as one comparable key: tokens in sorted order (token order varies).
pub fn name_key<T: AsRef<str>>(tokens: &[T]) -> String {
    let mut t: Vec<&str> = tokens.iter().map(AsRef::as_ref).collect();
    t.sort_unstable();
    t.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        name_key(&name_tokens(s))
    }

    #[test]
    fn spelling_reforms_meet() {
        assert_eq!(key("SOEKARNO"), key("SUKARNO"));
        assert_eq!(key("DJOKO WIDODO"), key("JOKO WIDODO"));
        assert_eq!(key("TJAHJADI"), key("CAHYADI"));
        assert_eq!(key("WAHJOEDI"), key("WAHYUDI"));
        assert_eq!(key("SJAHRIR"), key("SYAHRIR"));
        assert_eq!(key("ACHMAD"), key("AKHMAD"));
        assert_eq!(key("NJOTO"), key("NYOTO"));
        assert_eq!(key("ACHMAD"), key("AKHMAD"));
        assert_eq!(key("ACHMAD"), key("AHMAD"));
    }

    #[test]
    fn titles_and_abbreviations_fall_away() {
        assert_eq!(key("H. M. RIZKI"), key("MUHAMMAD RIZKI"));
        assert_eq!(key("MOCH. RIZKI"), key("MUHAMMAD RIZKI"));
        assert_eq!(key("KGS. ABD. ROZAK"), key("ABDUL ROZAK"));
        assert_eq!(key("NYIMAS ST. AMINAH"), key("SITI AMINAH"));
        assert_eq!(key("RIZKI MUHAMMAD"), key("MUHAMMAD RIZKI"), "token order");
    }

    #[test]
    fn a_digit_typed_for_a_letter_reads_as_the_letter() {
        for (typed, meant) in [
            ("RAF1", "RAFI"),
            ("8ERNARDUS", "BERNARDUS"),
            ("S0EARTINI", "SOEARTINI"),
            ("D1MAS", "DIMAS"),
            ("W1R4 SURYONO", "WIRA SURYONO"),
        ] {
            assert_eq!(key(typed), key(meant), "{typed}");
        }
        // Digits alone are no name.
        assert_eq!(name_tokens("SITI 2"), name_tokens("SITI"));
    }

    #[test]
    fn different_names_stay_different() {
        assert_ne!(key("SITI AMINAH"), key("SITI AISYAH"));
        assert_ne!(key("BUDI SANTOSO"), key("BUDI SANTOSA"));
        assert_ne!(key("AHMAD"), key("AHMADI"));
    }
}
