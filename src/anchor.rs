//! Containment candidates: pairs of versions of very different sizes that share anchor
//! shingles.
//!
//! MinHash LSH finds pairs by Jaccard similarity, and a republisher's one-paragraph cut of a
//! long story has a low one (about its share of the story, 0.1 for one paragraph of ten)
//! however faithful the copy: the bands that would catch it also catch the countless pairs
//! of unrelated stories at that similarity. Containment needs another look. Every stored
//! shingle whose value is below 2^(32 − bits) is an *anchor* (the same ones in every
//! document, so a copy holds the anchors of the text it copies); two documents that share at
//! least `min_shared` anchors and `min_share` of the smaller one's, one at least `ratio` times
//! the size of the other, are candidates. Verification then judges the pair like any other.
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
    /// Share of the smaller document's anchors a pair must share, at least (a pair that
    /// passes verification shares a quarter or more of the smaller one's shingles).
    pub min_share: f32,
    /// The larger set must hold at least this many times the shingles of the smaller.
    pub ratio: f32,
    /// Anchors of more documents than this pair each with the next `span` only.
    pub wide: usize,
    /// How many documents after it each document of a wide anchor meets.
    pub span: usize,
}

impl Default for Anchors {
    /// Chosen on the development corpora: one in four stored shingles (with the default
    /// 1-in-4 sample of 7-grams, one in sixteen of the text's; one in eight lost 0.01 of
    /// `wire_dev` F1 there), two shared, twice the size. An anchor of more than 64
    /// documents meets the 4 after each (skipping such anchors lost every one-paragraph cut
    /// of a story republished a hundred times; 16 after cost 0.5 s at 200,000 documents, 4
    /// cost 0.1 s, and 200k F1 went 0.9598 -> 0.9637); three shared anchors lost 0.003 on
    /// `wire_dev`. Only 1% of the pairs anchors alone propose pass verification: sharing
    /// 15% of the smaller one's anchors left F1 unchanged on every corpus (to four places)
    /// and removed a third of them (8.8 -> 7.5 million candidates at 200,000 documents).
    fn default() -> Self {
        Anchors {
            bits: 2,
            min_shared: 2,
            min_share: 0.15,
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

/// Anchors are grouped in up to 2^this parts by their top bits, each part on its own (a
/// part's entries stay in cache while they are sorted and paired).
const PART_BITS: u32 = 10;

/// About how many anchors a part holds, at least: a small corpus has fewer parts (1,024 parts
/// of a few entries each made the stage four times slower on 4,400 documents).
const PART_ENTRIES: usize = 4096;

/// Pairs are counted in up to 2^this parts by their later document, each on its own.
const PAIR_PART_BITS: u32 = 8;

/// Documents whose anchors one job gathers.
const DOCS_PER_PIECE: usize = 4096;

/// The pairs anchors propose among the `active` documents of `corpus` (sorted sets).
///
/// Every stage runs part by part on the pool: the anchors are gathered by part of their
/// values, each part is sorted and paired in cache, and the pairs, split by their later
/// document, are counted part by part. One radix sort of every anchor and one sort of every
/// pair over the whole corpus ran mostly on one core and left the other one idle, and the
/// stage took longer than LSH's (0.62 s against 0.09 at 200,000 documents).
pub fn mates(corpus: &Corpus, active: &[bool], p: Anchors) -> Mates {
    let n = corpus.len();
    if n == 0 {
        return Mates {
            starts: vec![0],
            mates: Vec::new(),
        };
    }
    let value_bits = 32u32.saturating_sub(p.bits);
    let limit = 1u64 << value_bits;
    // Anchors are about 2^-bits of the stored shingles.
    let expected = corpus.total_shingles() >> p.bits.min(63);
    let part_bits = (usize::BITS - (expected / PART_ENTRIES).leading_zeros()).min(PART_BITS);
    let shift = value_bits.saturating_sub(part_bits);
    let parts = ((limit - 1) >> shift) as usize + 1;
    let part_of = |x: u32| x.checked_shr(shift).unwrap_or(0) as usize;
    // Sets are sorted, so a document's anchors are the start of its set.
    let anchors_of = |d: usize| -> &[u32] {
        let s = corpus.set(d);
        let end = if active[d] {
            s.partition_point(|&x| u64::from(x) < limit)
        } else {
            0
        };
        &s[..end]
    };
    // Each piece of documents places its entries (anchor, document) by part: a counting
    // pass, then a placing one.
    let pieces: Vec<(Vec<u64>, Vec<u32>, Vec<u32>)> = (0..n.div_ceil(DOCS_PER_PIECE))
        .into_par_iter()
        .map(|piece| {
            let docs = piece * DOCS_PER_PIECE..((piece + 1) * DOCS_PER_PIECE).min(n);
            let mut starts = vec![0u32; parts + 1];
            let mut counts = Vec::with_capacity(docs.len());
            for d in docs.clone() {
                let anchors = anchors_of(d);
                counts.push(anchors.len() as u32);
                for &x in anchors {
                    starts[part_of(x) + 1] += 1;
                }
            }
            for k in 0..parts {
                starts[k + 1] += starts[k];
            }
            let mut fill = starts.clone();
            let mut placed = vec![0u64; starts[parts] as usize];
            for d in docs {
                for &x in anchors_of(d) {
                    let at = &mut fill[part_of(x)];
                    placed[*at as usize] = u64::from(x) << 32 | d as u64;
                    *at += 1;
                }
            }
            (placed, starts, counts)
        })
        .collect();
    let sizes: Vec<u32> = (0..n).map(|d| corpus.set(d).len() as u32).collect();
    let anchor_counts: Vec<u32> = pieces.iter().flat_map(|(_, _, c)| c).copied().collect();
    // Pairs are split by the top bits of their later document.
    let doc_bits = usize::BITS - (n - 1).leading_zeros();
    let pair_shift = doc_bits.saturating_sub(PAIR_PART_BITS);
    let pair_parts = ((n - 1) >> pair_shift) + 1;
    // Every pair of unequal sizes under one anchor, once per anchor it shares, as
    // (later, earlier), split by the later document: counted below.
    let paired: Vec<(Vec<u64>, Vec<u32>)> = (0..parts)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
            |(entries, scratch, list, pairs), part| {
                entries.clear();
                for (placed, starts, _) in &pieces {
                    entries.extend_from_slice(
                        &placed[starts[part] as usize..starts[part + 1] as usize],
                    );
                }
                // By anchor, documents in order within one: the entries came in document
                // order, and the sort is stable on the anchor's bits below the part's.
                sort_by_bits(entries, scratch, shift, |e| (e >> 32) as u32);
                pairs.clear();
                for l in entries.chunk_by(|x, y| x >> 32 == y >> 32) {
                    if l.len() >= 2 {
                        pair_list(l, &sizes, p, list, pairs);
                    }
                }
                split_by(pairs, pair_parts, |x| ((x >> 32) as usize) >> pair_shift)
            },
        )
        .collect();
    drop(pieces);
    let counted: Vec<(Vec<u32>, Vec<u32>)> = (0..pair_parts)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), Vec::new()),
            |(pairs, scratch, shared): &mut (Vec<u64>, Vec<u64>, Vec<u32>), k| {
                pairs.clear();
                for (v, starts) in &paired {
                    pairs.extend_from_slice(&v[starts[k] as usize..starts[k + 1] as usize]);
                }
                // By later document; each one's earlier documents are counted in a table of
                // every document (left all zero again after each), and those that reach
                // `min_shared` and `min_share` of the smaller one's anchors are its mates.
                let first = k << pair_shift;
                sort_by_bits(pairs, scratch, pair_shift, |x| {
                    ((x >> 32) as usize - first) as u32
                });
                shared.resize(n, 0);
                let enough = p.min_shared.max(1);
                let mut counts = vec![0u32; ((k + 1) << pair_shift).min(n) - first];
                let mut mates = Vec::new();
                for same_b in pairs.chunk_by(|x, y| x >> 32 == y >> 32) {
                    let from = mates.len();
                    let b = (same_b[0] >> 32) as usize;
                    for &x in same_b {
                        shared[x as u32 as usize] += 1;
                    }
                    // Each earlier document is judged once, at its first pair here.
                    for &x in same_b {
                        let a = x as u32 as usize;
                        let c = std::mem::take(&mut shared[a]);
                        let small = if sizes[a] < sizes[b] { a } else { b };
                        if c >= enough && mates_accept(p, c, anchor_counts[small]) {
                            mates.push(a as u32);
                        }
                    }
                    mates[from..].sort_unstable();
                    counts[b - first] = (mates.len() - from) as u32;
                }
                (mates, counts)
            },
        )
        .collect();
    let mut starts = Vec::with_capacity(n + 1);
    starts.push(0u32);
    let mut total = 0;
    for (_, counts) in &counted {
        for &c in counts {
            total += c;
            starts.push(total);
        }
    }
    let mates = counted.into_iter().flat_map(|(m, _)| m).collect();
    Mates { starts, mates }
}

/// Appends to `pairs` every pair of documents of one anchor's `list` (entries of one
/// anchor, documents ascending) that anchors propose, as (later, earlier) (see
/// [`list_pairs`]).
fn pair_list(
    list: &[u64],
    sizes: &[u32],
    p: Anchors,
    by_size: &mut Vec<(u32, u32)>,
    pairs: &mut Vec<u64>,
) {
    let at = |i: usize| {
        let d = list[i] as u32;
        (d, sizes[d as usize])
    };
    list_pairs(list.len(), at, p, by_size, |later, earlier| {
        pairs.push(u64::from(later) << 32 | u64::from(earlier))
    });
}

/// Calls `pair(later, earlier)` for every pair of documents of one anchor's list that anchors
/// propose: `at(i)` is the list's `i`th document (ascending, input order) and its set size.
/// A list of at most `wide` documents is ordered by size, so the partners large enough for
/// each document are the ones after a point that only moves on: the work is the pairs made,
/// where testing every pair of a list was four fifths of the stage. A wider list pairs each
/// document with the `span` after it, in input order.
pub fn list_pairs<D: Copy + Ord>(
    len: usize,
    at: impl Fn(usize) -> (D, u32),
    p: Anchors,
    by_size: &mut Vec<(u32, D)>,
    mut pair: impl FnMut(D, D),
) {
    let mut emit = |x: D, y: D| pair(x.max(y), x.min(y));
    if len > p.wide {
        for i in 0..len {
            let (a, size_a) = at(i);
            let sa = size_a as f32;
            for j in i + 1..len.min(i + 1 + p.span) {
                let (b, size_b) = at(j);
                let sb = size_b as f32;
                if sa.max(sb) >= p.ratio * sa.min(sb) {
                    emit(a, b);
                }
            }
        }
        return;
    }
    by_size.clear();
    by_size.extend((0..len).map(|i| {
        let (d, size) = at(i);
        (size, d)
    }));
    by_size.sort_unstable();
    // The first partner large enough for the document at i (sizes ascending).
    let mut from = 0;
    for (i, &(size, a)) in by_size.iter().enumerate() {
        let need = p.ratio * size as f32;
        // Not `<`: a ratio that is not a number pairs nothing, as the test of a wide list.
        while from < by_size.len()
            && matches!(
                (by_size[from].0 as f32).partial_cmp(&need),
                Some(std::cmp::Ordering::Less) | None
            )
        {
            from += 1;
        }
        for &(_, b) in &by_size[from.max(i + 1)..] {
            emit(a, b);
        }
    }
}

/// True when a pair that shares `shared` anchors, the smaller of the two (by set size)
/// having `small_anchors`, are mates.
#[inline]
pub fn mates_accept(p: Anchors, shared: u32, small_anchors: u32) -> bool {
    shared >= p.min_shared.max(1) && shared as f32 >= (p.min_share * small_anchors as f32).ceil()
}

/// Sorts `v` stably by the low `bits` bits of `key` (at most 32), in passes of up to 11 bits
/// through `scratch`: a few counting passes over values that stay in cache, where a
/// comparison sort of every part was a third of the stage.
fn sort_by_bits(v: &mut Vec<u64>, scratch: &mut Vec<u64>, bits: u32, key: impl Fn(u64) -> u32) {
    const PASS_BITS: u32 = 11;
    scratch.clear();
    scratch.resize(v.len(), 0);
    let mut counts = [0u32; 1 << PASS_BITS];
    let mut low = 0;
    while low < bits {
        let width = (bits - low).min(PASS_BITS);
        let mask = (1u32 << width) - 1;
        let digit = |x: u64| ((key(x) >> low) & mask) as usize;
        let counts = &mut counts[..1 << width];
        counts.fill(0);
        for &x in v.iter() {
            counts[digit(x)] += 1;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            let k = *c;
            *c = sum;
            sum += k;
        }
        for &x in v.iter() {
            let at = &mut counts[digit(x)];
            scratch[*at as usize] = x;
            *at += 1;
        }
        std::mem::swap(v, scratch);
        low += width;
    }
}

/// `v` split by `part(x)` (below `parts`): the values part by part, and where each part
/// starts (and the last one ends).
fn split_by(v: &[u64], parts: usize, part: impl Fn(u64) -> usize) -> (Vec<u64>, Vec<u32>) {
    let mut starts = vec![0u32; parts + 1];
    for &x in v {
        starts[part(x) + 1] += 1;
    }
    for k in 0..parts {
        starts[k + 1] += starts[k];
    }
    let mut fill = starts.clone();
    let mut out = vec![0u64; v.len()];
    for &x in v {
        let at = &mut fill[part(x)];
        out[*at as usize] = x;
        *at += 1;
    }
    (out, starts)
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

    /// A sorted set of `n` values from `seed`, spread evenly (about a quarter of them are
    /// anchors by default).
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

    /// What [`mates`] must return, the plain way: under each anchor, every pair of documents
    /// in input order (the `span` after each in a wide one), counted in a map.
    fn reference(c: &Corpus, active: &[bool], p: Anchors) -> Vec<Vec<u32>> {
        let limit = 1u64 << 32u32.saturating_sub(p.bits);
        let mut lists: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
        for (d, &on) in active.iter().enumerate() {
            for &x in c.set(d).iter().filter(|&&x| on && u64::from(x) < limit) {
                lists.entry(x).or_default().push(d as u32);
            }
        }
        let mut shared: std::collections::BTreeMap<(u32, u32), u32> = Default::default();
        for l in lists.values() {
            for (i, &a) in l.iter().enumerate() {
                let after = if l.len() > p.wide { p.span } else { l.len() };
                for &b in l[i + 1..].iter().take(after) {
                    let (sa, sb) = (
                        c.set(a as usize).len() as f32,
                        c.set(b as usize).len() as f32,
                    );
                    if sa.max(sb) >= p.ratio * sa.min(sb) {
                        *shared.entry((b, a)).or_default() += 1;
                    }
                }
            }
        }
        let mut want = vec![Vec::new(); c.len()];
        let anchors = |d: u32| {
            c.set(d as usize)
                .iter()
                .filter(|&&x| active[d as usize] && u64::from(x) < limit)
                .count() as f32
        };
        for (&(b, a), &k) in &shared {
            let small = if c.set(a as usize).len() < c.set(b as usize).len() {
                a
            } else {
                b
            };
            if k >= p.min_shared && k as f32 >= (p.min_share * anchors(small)).ceil() {
                want[b as usize].push(a);
            }
        }
        want
    }

    proptest::proptest! {
        #[test]
        fn mates_are_the_pairs_the_plain_count_finds(
            sets in proptest::collection::vec(proptest::collection::btree_set(0u32..64, 0..40), 0..60),
            inactive in proptest::collection::vec(proptest::bool::weighted(0.1), 60),
            bits in 0u32..3,
            min_shared in 1u32..4,
            min_share in proptest::sample::select(vec![0.0f32, 0.1, 0.3, 0.6]),
            ratio in proptest::sample::select(vec![0.5f32, 1.0, 1.5, 2.0, 3.0]),
            wide in 2usize..12,
            span in 1usize..4,
        ) {
            // Values spread over the whole range by their top bits, so that every part of
            // the anchors, and the ones beyond the limit, are used.
            let sets: Vec<Vec<u32>> = sets
                .iter()
                .map(|s| s.iter().map(|&x| x << 26 | x).collect())
                .collect();
            let c = corpus(&sets);
            let active: Vec<bool> = (0..c.len()).map(|d| !inactive[d]).collect();
            let p = Anchors { bits, min_shared, min_share, ratio, wide, span };
            let m = mates(&c, &active, p);
            let want = reference(&c, &active, p);
            for (d, w) in want.iter().enumerate() {
                proptest::prop_assert_eq!(m.earlier(d), &w[..], "document {}", d);
            }
            proptest::prop_assert_eq!(m.len(), want.iter().map(Vec::len).sum::<usize>());
        }
    }

    /// Whether `x` is an anchor by default.
    fn is_anchor(x: u32) -> bool {
        u64::from(x) < 1 << (32 - Anchors::default().bits)
    }

    #[test]
    fn a_small_copy_meets_the_large_story_it_comes_from() {
        let long = set(1, 400);
        // Every other value of the first half of the story: a cut that is a quarter of it.
        let cut: Vec<u32> = long[..200].iter().step_by(2).copied().collect();
        let anchors_in_cut = cut.iter().filter(|&&x| is_anchor(x)).count();
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
        let shared = cut.iter().filter(|&&x| is_anchor(x)).count() as u32;
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
