//! Shingling: a normalized text becomes the set of its overlapping n-grams, each hashed to 32
//! bits. Word n-grams suit clean text; character n-grams (taken with the spaces removed) survive
//! OCR noise that splits or joins words. A set is a sorted `Vec<u32>` without repeats, which
//! makes exact intersection a linear merge.

use xxhash_rust::xxh3::xxh3_64;

/// What a shingle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShingleKind {
    /// `n` consecutive words.
    Word(usize),
    /// `n` consecutive bytes of the text with spaces removed (n ≤ 8).
    Char(usize),
}

impl std::fmt::Display for ShingleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShingleKind::Word(n) => write!(f, "word {n}-grams"),
            ShingleKind::Char(n) => write!(f, "char {n}-grams"),
        }
    }
}

/// Finalizer of a 64-bit hash (the murmur3 / splitmix mix): spreads every input bit over the
/// output, so combined and truncated hashes stay uniform.
#[inline]
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The shingle set of a normalized text, appended to `out` as sorted, distinct 32-bit hashes.
/// A text shorter than one shingle gives one shingle of all of it; an empty text gives none.
///
/// With `sample` = s > 0 only the shingles whose hash has its low s bits at zero are kept:
/// one in 2^s, the same ones in every document, so intersections and containment are
/// estimated without bias from sets 2^s times smaller (Broder's mod-sampling).
///
/// ```
/// use wiretrace::shingle::{shingles, ShingleKind};
/// let mut a = Vec::new();
/// shingles("the cat sat on the mat", ShingleKind::Word(3), 0, &mut a);
/// assert_eq!(a.len(), 4);
/// ```
pub fn shingles(normalized: &str, kind: ShingleKind, sample: u32, out: &mut Vec<u32>) {
    let start = out.len();
    let mask = (1u64 << sample.min(16)) - 1;
    let mut keep = |h: u64| {
        if h & mask == 0 {
            out.push((h >> 32) as u32);
        }
    };
    match kind {
        ShingleKind::Word(n) => word_shingles(normalized, n.max(1), &mut keep),
        ShingleKind::Char(n) => char_shingles(normalized, n.clamp(1, 8), &mut keep),
    }
    if out.len() == start && !normalized.is_empty() {
        // Sampling kept nothing of a short text: keep its smallest shingle, so it still has
        // a set (and can match a text it is contained in, with the same smallest shingle).
        let mut min = u64::MAX;
        let mut all = |h: u64| min = min.min(h);
        match kind {
            ShingleKind::Word(n) => word_shingles(normalized, n.max(1), &mut all),
            ShingleKind::Char(n) => char_shingles(normalized, n.clamp(1, 8), &mut all),
        }
        if min != u64::MAX {
            out.push((min >> 32) as u32);
        }
    }
    let tail = &mut out[start..];
    tail.sort_unstable();
    let mut w = 0;
    for r in 0..tail.len() {
        if r == 0 || tail[r] != tail[w - 1] {
            tail[w] = tail[r];
            w += 1;
        }
    }
    out.truncate(start + w);
}

fn word_shingles(text: &str, n: usize, out: &mut impl FnMut(u64)) {
    // Hash each word once, then combine n word hashes per shingle: rotations keep word order.
    let words: Vec<u64> = text
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| xxh3_64(w.as_bytes()))
        .collect();
    if words.is_empty() {
        return;
    }
    if words.len() < n {
        out(combine(&words));
        return;
    }
    for w in words.windows(n) {
        out(combine(w));
    }
}

#[inline]
fn combine(words: &[u64]) -> u64 {
    let mut h = 0u64;
    for (i, w) in words.iter().enumerate() {
        h ^= w.rotate_left(17 * i as u32);
    }
    mix64(h)
}

fn char_shingles(text: &str, n: usize, out: &mut impl FnMut(u64)) {
    let mask = if n == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    };
    let mut window = 0u64;
    let mut filled = 0usize;
    for &b in text.as_bytes() {
        if b == b' ' {
            continue;
        }
        window = ((window << 8) | u64::from(b)) & mask;
        filled += 1;
        if filled >= n {
            out(mix64(window ^ (n as u64) << 59));
        }
    }
    if filled > 0 && filled < n {
        out(mix64(window ^ (n as u64) << 59));
    }
}

/// Size of the intersection of two sorted, distinct sets.
///
/// ```
/// assert_eq!(wiretrace::shingle::intersection(&[1, 3, 5, 7], &[3, 4, 5]), 2);
/// ```
pub fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() {
        return 0;
    }
    if large.len() > 16 * small.len() {
        // Very unequal sizes: binary-search the small set's items in the large one.
        let mut rest = large;
        let mut count = 0;
        for x in small {
            match rest.binary_search(x) {
                Ok(i) => {
                    count += 1;
                    rest = &rest[i + 1..];
                }
                Err(i) => rest = &rest[i..],
            }
        }
        return count;
    }
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        count += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(text: &str, kind: ShingleKind) -> Vec<u32> {
        let mut v = Vec::new();
        shingles(text, kind, 0, &mut v);
        v
    }

    #[test]
    fn word_shingles_respect_order_and_repeats() {
        let a = set("a b c a b c", ShingleKind::Word(3));
        assert_eq!(a.len(), 3, "abc, bca, cab");
        assert_ne!(
            set("a b c", ShingleKind::Word(3)),
            set("c b a", ShingleKind::Word(3))
        );
        assert_eq!(set("a b", ShingleKind::Word(3)).len(), 1);
        assert!(set("", ShingleKind::Word(3)).is_empty());
    }

    #[test]
    fn char_shingles_ignore_spaces() {
        let a = set("avec le missionnaire", ShingleKind::Char(5));
        let b = set("aveclemission naire", ShingleKind::Char(5));
        assert_eq!(a, b);
        assert_eq!(set("abc", ShingleKind::Char(5)).len(), 1);
    }

    #[test]
    fn sampling_keeps_the_same_shingles_everywhere() {
        let text = "the quick brown fox jumps over the lazy dog and keeps running far away";
        let mut all = Vec::new();
        shingles(text, ShingleKind::Char(5), 0, &mut all);
        let mut some = Vec::new();
        shingles(text, ShingleKind::Char(5), 2, &mut some);
        assert!(some.len() < all.len() && !some.is_empty());
        assert!(some.iter().all(|x| all.binary_search(x).is_ok()));
        let mut short = Vec::new();
        shingles("ab", ShingleKind::Char(5), 8, &mut short);
        assert_eq!(short.len(), 1, "a short text keeps one shingle");
    }

    proptest! {
        #[test]
        fn intersection_matches_a_naive_count(
            a in proptest::collection::btree_set(0u32..200, 0..60),
            b in proptest::collection::btree_set(0u32..200, 0..600),
        ) {
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let naive = a.iter().filter(|x| b.contains(x)).count();
            prop_assert_eq!(intersection(&a, &b), naive);
            prop_assert_eq!(intersection(&b, &a), naive);
        }
    }
}
