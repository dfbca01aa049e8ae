//! Containment candidates: pairs of versions of very different sizes that share anchor
//! shingles.
//!
//! MinHash LSH finds pairs by Jaccard similarity, and a republisher's one-paragraph cut of a
//! long story has a low one (about its share of the story, 0.1 for one paragraph of ten)
//! however faithful the copy: the bands that would catch it also catch the countless pairs
//! of unrelated stories at that similarity. Containment needs another look. Every stored
//! shingle whose value is below 2^(32 − bits) is an *anchor* (the same ones in every
//! document, so a copy holds the anchors of the text it copies); two documents that share at
//! least `min_shared` anchors, one at least `ratio` times the size of the other, are
//! candidates. Verification then judges the pair like any other.
//!
//! An anchor found in more than `wide` documents (a story republished by very many outlets)
//! pairs each of them only with the `span` after it (in input order) instead of with all:
//! the work stays linear, and a cut still meets the versions published just before it under
//! every anchor it shares with them, so the pair reaches `min_shared`.

use crate::corpus::Corpus;
use rayon::prelude::*;

/// Which pairs anchors propose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchors {
    /// One stored shingle in 2^bits is an anchor (the lowest values).
    pub bits: u32,
    /// Anchors a pair must share.
    pub min_shared: u32,
    /// The larger set must hold at least this many times the shingles of the smaller.
    pub ratio: f32,
    /// Anchors of more documents than this pair each with the next `span` only.
    pub wide: usize,
    /// How many documents after it each document of a wide anchor meets.
    pub span: usize,
}

impl Default for Anchors {
    /// Chosen on the development corpora, with the default 1-in-2 sample and 128
    /// permutations: one in eight stored shingles, two shared, twice the size. `wire_dev` F1
    /// 0.9947 and `ocr_dev` 0.9569 (0.9894 and 0.9562 with 256 permutations and no anchors);
    /// one in four stored shingles gains 0.002 on `wire_dev` for two and a half times the
    /// anchor pairs to verify (0.25 s more at 200,000 documents). An anchor of more than 64
    /// documents meets the 4 after each (skipping such anchors lost every one-paragraph cut
    /// of a story republished a hundred times; 16 after cost 0.5 s at 200,000 documents, 4
    /// cost 0.1 s, and 200k F1 went 0.9598 -> 0.9637); three shared anchors lost 0.003 on
    /// `wire_dev`.
    fn default() -> Self {
        Anchors {
            bits: 3,
            min_shared: 2,
            ratio: 2.0,
            wide: 64,
            span: 4,
        }
    }
}

/// For each document, the earlier documents anchors pair it with, ascending.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Mates {
    /// Where each document's mates start in `mates`, and one past the last.
    starts: Vec<u32>,
    mates: Vec<u32>,
}

impl Mates {
    /// The earlier mates of document `d`.
    #[inline]
    pub fn earlier(&self, d: usize) -> &[u32] {
        match (self.starts.get(d), self.starts.get(d + 1)) {
            (Some(&s), Some(&e)) => &self.mates[s as usize..e as usize],
            _ => &[],
        }
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.mates.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.mates.is_empty()
    }
}

/// The pairs anchors propose among the `active` documents of `corpus` (sorted sets).
pub fn mates(corpus: &Corpus, active: &[bool], p: Anchors) -> Mates {
    let n = corpus.len();
    let limit = 1u64 << 32u32.saturating_sub(p.bits);
    // Sets are sorted, so a document's anchors are the start of its set: each is an entry
    // (anchor, document), in document order.
    let mut entries: Vec<u64> = (0..n)
        .into_par_iter()
        .with_min_len(1024)
        .filter(|&d| active[d])
        .flat_map_iter(|d| {
            let s = corpus.set(d);
            let end = s.partition_point(|&x| u64::from(x) < limit);
            s[..end].iter().map(move |&x| u64::from(x) << 32 | d as u64)
        })
        .collect();
    // By anchor, documents in order within one (stable passes over entries made in order).
    crate::shingle::radix_passes::<_, 3, 2048>(&mut entries, |e| (e >> 32) as u32);
    let sizes: Vec<u32> = (0..n).map(|d| corpus.set(d).len() as u32).collect();
    let lists: Vec<&[u64]> = entries
        .chunk_by(|x, y| x >> 32 == y >> 32)
        .filter(|l| l.len() >= 2)
        .collect();
    // Every pair of unequal sizes under one anchor, once per anchor it shares, as
    // (later, earlier): counted below by sorting.
    let mut shared: Vec<u64> = lists
        .par_iter()
        .with_min_len(256)
        .flat_map_iter(|l| {
            let sizes = &sizes;
            let mut out = Vec::new();
            for (i, &x) in l.iter().enumerate() {
                let a = x as u32;
                let sa = sizes[a as usize] as f32;
                let after = &l[i + 1..];
                let after = if l.len() > p.wide {
                    &after[..after.len().min(p.span)]
                } else {
                    after
                };
                for &y in after {
                    let b = y as u32;
                    let sb = sizes[b as usize] as f32;
                    if sa.max(sb) >= p.ratio * sa.min(sb) {
                        out.push(u64::from(b) << 32 | u64::from(a));
                    }
                }
            }
            out
        })
        .collect();
    shared.par_sort_unstable();
    let mut starts = vec![0u32; n + 1];
    let mut mates = Vec::new();
    for run in shared.chunk_by(|x, y| x == y) {
        if run.len() as u32 >= p.min_shared {
            starts[(run[0] >> 32) as usize + 1] += 1;
            mates.push(run[0] as u32);
        }
    }
    for d in 0..n {
        starts[d + 1] += starts[d];
    }
    Mates { starts, mates }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::DocInfo;

    fn corpus(sets: &[Vec<u32>]) -> Corpus {
        let mut c = Corpus::new();
        for (i, s) in sets.iter().enumerate() {
            c.push(DocInfo::new(format!("d{i}")), s);
        }
        c
    }

    /// A sorted set of `n` values from `seed`, about an eighth of them anchors (below 2^29).
    fn set(seed: u32, n: u32) -> Vec<u32> {
        let mut s: Vec<u32> = (0..n)
            .map(|i| {
                (seed.wrapping_mul(2_654_435_761) ^ i.wrapping_mul(40_503))
                    .wrapping_mul(2_246_822_519)
            })
            .collect();
        s.sort_unstable();
        s.dedup();
        s
    }

    #[test]
    fn a_small_copy_meets_the_large_story_it_comes_from() {
        let long = set(1, 400);
        // Every other value of the first half of the story: a cut that is a quarter of it.
        let cut: Vec<u32> = long[..200].iter().step_by(2).copied().collect();
        let anchors_in_cut = cut.iter().filter(|&&x| x < 1 << 29).count();
        assert!(anchors_in_cut >= 2, "{anchors_in_cut}");
        let other = set(2, 400);
        let c = corpus(&[long, other, cut]);
        let m = mates(&c, &[true; 3], Anchors::default());
        assert_eq!(m.earlier(2), &[0]);
        assert!(m.earlier(0).is_empty() && m.earlier(1).is_empty());
        assert_eq!(m.len(), 1);
        // Inactive documents take no part.
        assert!(mates(&c, &[false, true, true], Anchors::default()).is_empty());
    }

    #[test]
    fn pairs_need_unequal_sizes_and_enough_shared_anchors_and_wide_anchors_stay_linear() {
        let long = set(3, 400);
        let cut: Vec<u32> = long[..150].to_vec();
        let shared = cut.iter().filter(|&&x| x < 1 << 29).count() as u32;
        // Two copies of the same size are LSH's business, not the anchors'.
        let c = corpus(&[long.clone(), long.clone()]);
        assert!(mates(&c, &[true; 2], Anchors::default()).is_empty());
        let c = corpus(&[long.clone(), cut.clone()]);
        let p = Anchors::default();
        assert_eq!(mates(&c, &[true; 2], p).earlier(1), &[0]);
        let strict = Anchors {
            min_shared: shared + 1,
            ..p
        };
        assert!(mates(&c, &[true; 2], strict).is_empty());
        // An anchor in more documents than `wide` pairs each only with the `span` after it.
        let mut many = vec![long.clone()];
        many.extend(std::iter::repeat_n(cut.clone(), 3));
        let c = corpus(&many);
        let narrow = Anchors {
            wide: 3,
            span: 1,
            ..p
        };
        let m = mates(&c, &[true; 4], narrow);
        assert_eq!((m.earlier(1), m.len()), (&[0u32][..], 1));
        let m = mates(&c, &[true; 4], Anchors { wide: 4, ..narrow });
        assert_eq!(
            (m.earlier(1), m.earlier(2), m.earlier(3)),
            (&[0u32][..], &[0u32][..], &[0u32][..])
        );
        // A story republished a hundred times, then cut: the cut meets the versions just
        // before it, under every anchor, where skipping wide anchors would lose it.
        let mut popular = vec![long; 100];
        popular.push(cut);
        let c = corpus(&popular);
        let m = mates(&c, &[true; 101], p);
        let want: Vec<u32> = (100 - p.span as u32..100).collect();
        assert_eq!(m.earlier(100), &want[..]);
        assert_eq!(m.len(), p.span);
    }
}
