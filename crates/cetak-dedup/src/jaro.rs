//! Jaro-Winkler similarity on ASCII bytes without allocating: the hot loop of dedup compares
//! names millions of times, and `strsim`'s generic version allocates per call. Same result as
//! `strsim::jaro_winkler` (checked by a property test); longer or non-ASCII input falls back to it.

const MAX: usize = 64;

/// Jaro similarity of two ASCII strings of at most 64 bytes.
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_match = [false; MAX];
    let mut b_match = [false; MAX];
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_match[j] && b[j] == ca {
                a_match[i] = true;
                b_match[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0;
    for (i, &ca) in a.iter().enumerate() {
        if a_match[i] {
            while !b_match[j] {
                j += 1;
            }
            if ca != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

/// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4), as `strsim::jaro_winkler`.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > MAX || y.len() > MAX || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro(x, y);
    if sim > 0.7 {
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_strsim_on_names() {
        for (a, b) in [
            ("MARTHA", "MARHTA"),
            ("DWAYNE", "DUANE"),
            ("DIXON", "DICKSONX"),
            ("", ""),
            ("A", ""),
            ("SITI AMINAH", "SITI AISYAH"),
            ("ABC", "ABC"),
        ] {
            assert!(
                (jaro_winkler(a, b) - strsim::jaro_winkler(a, b)).abs() < 1e-12,
                "{a} {b}"
            );
        }
    }

    #[test]
    fn agrees_with_strsim_on_many_strings() {
        // A fixed pseudo-random sweep over short strings of a small alphabet (many overlaps).
        let mut x: u64 = 0x1234_5678;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let mk = |n: u64, seed: u64| -> String {
                (0..n)
                    .map(|i| (b'A' + ((seed >> (i * 3 % 60)) % 5) as u8) as char)
                    .collect()
            };
            let (la, lb, sa, sb) = (next() % 12, next() % 12, next(), next());
            let (a, b) = (mk(la, sa), mk(lb, sb));
            assert!(
                (jaro_winkler(&a, &b) - strsim::jaro_winkler(&a, &b)).abs() < 1e-12,
                "{a:?} {b:?}"
            );
        }
    }
}
