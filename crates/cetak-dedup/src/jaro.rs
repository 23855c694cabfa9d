//! Jaro-Winkler similarity and edit distance on ASCII bytes without allocating: the hot loop
//! of dedup compares names millions of times, and `strsim`'s generic versions allocate per
//! call. Same results as `strsim` (checked by a sweep test); longer or non-ASCII input falls
//! back to it.

const MAX: usize = 64;

/// Jaro similarity, bit-parallel: for each byte of `a`, the positions of `b` holding the same
/// byte are a 64-bit mask, so finding the first free match in the window is a few word
/// operations instead of a scan. Same matches, same order as the textbook scan (the lowest
/// free position wins), so the same result as `strsim` (checked below). Both strings ASCII, at most 64 bytes.
fn jaro_bits(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() && b.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let mut positions = [0u64; 128];
    for (j, &c) in b.iter().enumerate() {
        positions[usize::from(c & 127)] |= 1 << j;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_matched, mut b_matched) = (0u64, 0u64);
    for (i, &c) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        if lo >= hi {
            continue;
        }
        let span = hi - lo;
        let in_window = if span == 64 {
            u64::MAX
        } else {
            ((1u64 << span) - 1) << lo
        };
        let free = positions[usize::from(c & 127)] & in_window & !b_matched;
        if free != 0 {
            b_matched |= free & free.wrapping_neg();
            a_matched |= 1 << i;
        }
    }
    let matches = b_matched.count_ones();
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0u32;
    let (mut ai, mut bj) = (a_matched, b_matched);
    while ai != 0 {
        let (i, j) = (ai.trailing_zeros() as usize, bj.trailing_zeros() as usize);
        transpositions += u32::from(a[i] != b[j]);
        ai &= ai - 1;
        bj &= bj - 1;
    }
    let m = f64::from(matches);
    (m / a.len() as f64 + m / b.len() as f64 + (m - f64::from(transpositions / 2)) / m) / 3.0
}

/// At most one edit apart (a substitution, insertion, deletion or swap of neighbours), in
/// one pass: the hot comparisons only ask this, not the distance.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let first = match short.iter().zip(long).position(|(p, q)| p != q) {
        None => return true, // equal, or one byte added at the end
        Some(i) => i,
    };
    if short.len() == long.len() {
        let (p, q) = (&x[first..], &y[first..]);
        p[1..] == q[1..] // a substitution
            || (p.len() >= 2 && p[0] == q[1] && p[1] == q[0] && p[2..] == q[2..]) // a swap
    } else {
        short[first..] == long[first + 1..] // an insertion
    }
}

/// Optimal string alignment distance (insertions, deletions, substitutions and adjacent
/// transpositions) without allocating for ASCII tokens of at most 64 bytes.
pub fn osa_distance(a: &str, b: &str) -> usize {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > MAX || y.len() > MAX || !a.is_ascii() || !b.is_ascii() {
        return strsim::osa_distance(a, b);
    }
    if x.is_empty() || y.is_empty() {
        return x.len().max(y.len());
    }
    // Three rows of the dynamic programme, rotating: two back (for transpositions), one
    // back, current. Distances of 64-byte strings fit a byte.
    let mut rows = [[0u8; MAX + 1]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(y.len() + 1) {
        *cell = j as u8;
    }
    for i in 1..=x.len() {
        let (cur, prev, before) = (i % 3, (i - 1) % 3, (i + 1) % 3);
        rows[cur][0] = i as u8;
        for j in 1..=y.len() {
            let cost = u8::from(x[i - 1] != y[j - 1]);
            let mut d = (rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1)
                .min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                d = d.min(rows[before][j - 2] + 1);
            }
            rows[cur][j] = d;
        }
    }
    usize::from(rows[x.len() % 3][y.len()])
}

/// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4), as `strsim::jaro_winkler`.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > MAX || y.len() > MAX || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro_bits(x, y);
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
            let (la, lb, sa, sb) = (next() % 40, next() % 40, next(), next());
            let (a, b) = (mk(la, sa), mk(lb, sb));
            // Lower case too: the bit table covers all of ASCII.
            let (la_, lb_) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
            assert!(
                (jaro_winkler(&la_, &lb_) - strsim::jaro_winkler(&la_, &lb_)).abs() < 1e-12,
                "{la_:?} {lb_:?}"
            );
            assert!(
                (jaro_winkler(&a, &b) - strsim::jaro_winkler(&a, &b)).abs() < 1e-12,
                "{a:?} {b:?}"
            );
            assert_eq!(
                osa_distance(&a, &b),
                strsim::osa_distance(&a, &b),
                "{a:?} {b:?}"
            );
        }
    }

    #[test]
    fn osa_counts_a_swap_of_neighbours_as_one_edit() {
        assert_eq!(osa_distance("RINA", "RIAN"), 1);
        assert_eq!(osa_distance("RINA", "RANI"), 2);
        assert_eq!(osa_distance("", "ABC"), 3);
        assert_eq!(osa_distance("SITI", "SITI"), 0);
    }
}
