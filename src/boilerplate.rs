//! Boilerplate learned from the corpus itself, at two levels:
//! - corpus-wide: a shingle found in more than `max_df` documents is a stock phrase, an agency
//!   footer or a "Read more" line, not evidence that two documents tell one story;
//! - per outlet: a shingle found in a large share of one outlet's documents is that outlet's
//!   header or footer. Outlets wrap *every* page in it, while even a story the outlet updates
//!   many times is a small share of its pages — so this catches heavy boilerplate on a few
//!   pages long before a corpus-wide count could, without touching stories with many versions.
//!
//! Both are learned from evenly spaced samples of documents (frequent text is frequent in any
//! large enough sample), and end as small sets of shingles that stay in cache while every
//! document is discounted.

use crate::corpus::Corpus;
use rayon::prelude::*;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Shingles are already uniform hashes: hashing them again is wasted work.
#[derive(Default)]
pub struct ShingleHasher(u64);

impl Hasher for ShingleHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, x: u32) {
        // Spread the 32 bits over the high bits the table index is taken from.
        self.0 = u64::from(x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u64(&mut self, x: u64) {
        // A 64-bit shingle hash is uniform in every bit already.
        self.0 = x;
    }
}

/// A set of shingles.
pub type ShingleSet = HashSet<u32, BuildHasherDefault<ShingleHasher>>;

/// Learned boilerplate.
#[derive(Debug, Default, Clone)]
pub struct Boilerplate {
    widespread: ShingleSet,
    /// The widespread set again, as an open-addressing table read once per shingle while
    /// discounting (three quarters of a news page's character shingles are widespread, so
    /// this lookup is made some hundred million times per 200,000 documents).
    table: FlatSet,
    /// Each outlet's boilerplate (by the corpus's outlet index), sorted: a document's sorted
    /// set is merged with it.
    outlet: Vec<Vec<u32>>,
}

/// A set of shingles in a flat table of 64-byte buckets of 16 slots, the bucket named by the
/// shingle's top bits (shingles are uniform hashes already). A lookup compares the one cache
/// line of its bucket at once, hit or miss, with no probing branch to mispredict: three in
/// four shingles of news are widespread, unpredictably, and a table of single slots either
/// probed on (when small) or left the cache (when sparse enough not to).
#[derive(Debug, Default, Clone)]
struct FlatSet {
    /// Empty slots hold 0 (the shingle 0 is kept in `zero`). A full bucket's overflow goes to
    /// the next one, so a lookup moves on only past a full bucket.
    buckets: Vec<Bucket>,
    /// 32 − log2(buckets).
    shift: u32,
    zero: bool,
}

#[derive(Debug, Default, Clone, Copy)]
#[repr(C, align(64))]
struct Bucket([u32; BUCKET_SLOTS]);

const BUCKET_SLOTS: usize = 16;

/// Average shingles per bucket at most: half full or less, so overflow is rare. The 88,000
/// widespread shingles of 200,000 news pages take 16,384 buckets (1 MB, 5.4 a bucket); at 12
/// a bucket (512 KB) discounting was slower.
const BUCKET_LOAD: usize = 8;

impl Bucket {
    /// Whether the bucket holds `x`, and whether it has an empty slot (no overflow past it).
    #[inline(always)]
    fn probe(&self, x: u32) -> (bool, bool) {
        // Folded without early exit, so the compiler compares all slots in vector registers.
        self.0.iter().fold((false, false), |(hit, open), &s| {
            (hit | (s == x), open | (s == 0))
        })
    }
}

impl FlatSet {
    fn new(set: &ShingleSet) -> Self {
        let want = set.len().div_ceil(BUCKET_LOAD).max(1);
        // Buckets hold at least twice the shingles: the insertion below always finds a slot.
        let bits = usize::BITS - (want - 1).leading_zeros();
        let mut buckets = vec![Bucket::default(); 1 << bits];
        let mask = buckets.len() - 1;
        let shift = 32 - bits;
        for &x in set {
            if x == 0 {
                continue;
            }
            let mut b = bucket_of(x, shift);
            loop {
                if let Some(slot) = buckets[b].0.iter_mut().find(|s| **s == 0) {
                    *slot = x;
                    break;
                }
                b = (b + 1) & mask;
            }
        }
        FlatSet {
            buckets,
            shift,
            zero: set.contains(&0),
        }
    }

    /// Asks the cache for the bucket `x` starts at.
    #[inline(always)]
    fn prefetch(&self, x: u32) {
        if let Some(b) = self.buckets.get(bucket_of(x, self.shift)) {
            crate::mem::prefetch(std::slice::from_ref(b));
        }
    }

    #[inline]
    fn contains(&self, x: u32) -> bool {
        if x == 0 {
            return self.zero;
        }
        let mask = self.buckets.len() - 1;
        let mut b = bucket_of(x, self.shift);
        loop {
            let (hit, open) = self.buckets[b].probe(x);
            if hit | open {
                return hit;
            }
            b = (b + 1) & mask;
        }
    }
}

/// The bucket a shingle starts at, of 2^(32 − shift) (a shift of 32 leaves one bucket).
#[inline(always)]
fn bucket_of(x: u32, shift: u32) -> usize {
    x.checked_shr(shift).unwrap_or(0) as usize
}

/// How many shingles ahead discounting asks the cache for a shingle's bucket: the table is a
/// megabyte or more, and a document's lookups are independent (8 and 32 were slower).
const PREFETCH_AHEAD: usize = 16;

/// A document that would keep fewer shingles than this after discounting keeps them all.
pub const MIN_KEPT: usize = 3;

/// Below this share of rare shingles (after the outlet's boilerplate is gone) a document is
/// judged on its widespread shingles too.
pub const WIDESPREAD_SHARE: f64 = 0.15;

/// Share of an outlet's documents a shingle must appear in to be the outlet's boilerplate.
pub const SOURCE_SHARE: f64 = 0.2;

/// Outlets with fewer documents than this have no boilerplate of their own.
pub const SOURCE_MIN_DOCS: usize = 4;

/// Documents per outlet sampled to learn its boilerplate.
pub const OUTLET_SAMPLE: usize = 32;

/// Documents sampled to learn corpus-wide frequencies.
pub const GLOBAL_SAMPLE: usize = 20_000;

impl Boilerplate {
    /// Learns the boilerplate of `corpus`: shingles in more than `max_df` of its documents,
    /// and each outlet's own.
    pub fn learn(corpus: &Corpus, max_df: u32) -> Self {
        Boilerplate::from_sets(
            widespread(corpus, max_df, GLOBAL_SAMPLE),
            outlet_boilerplate(corpus),
        )
    }

    /// Boilerplate made of given sets: the corpus-wide set and one set per outlet (by the
    /// corpus's outlet index).
    pub fn from_sets(widespread: ShingleSet, outlet: Vec<ShingleSet>) -> Self {
        Boilerplate {
            table: FlatSet::new(&widespread),
            outlet: outlet.iter().map(sorted).collect(),
            widespread,
        }
    }

    /// True when `shingle` is in more documents of the corpus than the corpus-wide cut.
    #[inline]
    pub fn is_widespread(&self, shingle: u32) -> bool {
        self.widespread.contains(&shingle)
    }

    /// True when `shingle` is boilerplate of outlet `source`.
    #[inline]
    pub fn is_outlet_boilerplate(&self, shingle: u32, source: Option<u32>) -> bool {
        source.is_some_and(|s| self.outlet[s as usize].binary_search(&shingle).is_ok())
    }

    /// True when `shingle` is boilerplate in a document of outlet `source`.
    #[inline]
    pub fn is_common(&self, shingle: u32, source: Option<u32>) -> bool {
        self.is_widespread(shingle) || self.is_outlet_boilerplate(shingle, source)
    }

    /// Number of corpus-wide boilerplate shingles.
    pub fn widespread_len(&self) -> usize {
        self.widespread.len()
    }

    /// The corpus-wide set, sorted.
    pub fn widespread_sorted(&self) -> Vec<u32> {
        sorted(&self.widespread)
    }

    /// Moves the shingles that count as evidence to the front of the set (keeping their
    /// order) and returns how many there are. `positions`, when not empty, is parallel to the
    /// set and moves with it.
    ///
    /// The outlet's own boilerplate always goes. Widespread shingles go too, unless they are
    /// most of what is left: then the document *is* widely shared text (a story republished
    /// by very many outlets) and judging it on its few other shingles would lose it. A set
    /// that would keep fewer than [`MIN_KEPT`] shingles keeps everything.
    pub fn discount(&self, set: &mut [u32], positions: &mut [u8], source: Option<u32>) -> usize {
        let outlet: &[u32] = source.map_or(&[], |s| &self.outlet[s as usize]);
        self.discount_with(set, positions, outlet)
    }

    /// [`Boilerplate::discount`] with the outlet's boilerplate given as a sorted set (an
    /// engine that learns each outlet's apart from the corpus-wide set brings it along).
    pub fn discount_with(&self, set: &mut [u32], positions: &mut [u8], outlet: &[u32]) -> usize {
        const OUTLET: u8 = 1;
        const WIDESPREAD: u8 = 2;
        // The outlet's set is merged with the document's (both sorted).
        let mut o = 0;
        let flags: Vec<u8> = set
            .iter()
            .enumerate()
            .map(|(r, &x)| {
                if let Some(&ahead) = set.get(r + PREFETCH_AHEAD) {
                    self.table.prefetch(ahead);
                }
                while o < outlet.len() && outlet[o] < x {
                    o += 1;
                }
                let own = o < outlet.len() && outlet[o] == x;
                (if own { OUTLET } else { 0 })
                    | (if self.table.contains(x) {
                        WIDESPREAD
                    } else {
                        0
                    })
            })
            .collect();
        let own = flags.iter().filter(|&&f| f & OUTLET == 0).count();
        let rare = flags.iter().filter(|&&f| f == 0).count();
        let drop = if rare as f64 >= WIDESPREAD_SHARE * own as f64 {
            OUTLET | WIDESPREAD
        } else {
            OUTLET
        };
        let kept = if drop == OUTLET { own } else { rare };
        if kept < MIN_KEPT.min(set.len()) || kept == set.len() {
            return set.len();
        }
        // Every shingle is written and only kept ones advance the cursor: whether one is kept
        // is as unpredictable as whether it is widespread.
        let mut w = 0;
        if positions.is_empty() {
            for r in 0..set.len() {
                set[w] = set[r];
                w += usize::from(flags[r] & drop == 0);
            }
        } else {
            for r in 0..set.len() {
                set[w] = set[r];
                positions[w] = positions[r];
                w += usize::from(flags[r] & drop == 0);
            }
        }
        w
    }
}

fn sorted(set: &ShingleSet) -> Vec<u32> {
    let mut v: Vec<u32> = set.iter().copied().collect();
    v.sort_unstable();
    v
}

/// Evenly spaced indices of `n` items, at most `k` of them: every [`spread_step`]th.
fn spread(n: usize, k: usize) -> impl Iterator<Item = usize> {
    (0..n).step_by(spread_step(n, k))
}

/// The step between the evenly spaced indices that sample at most `k` of `n` items.
pub fn spread_step(n: usize, k: usize) -> usize {
    n.div_ceil(k.max(1)).max(1)
}

/// The count above which a shingle of a sample of `sample` of `n` documents is widespread,
/// for a corpus-wide cut of `max_df` documents.
pub fn sample_cut(max_df: u32, sample: usize, n: usize) -> f64 {
    f64::from(max_df) * sample as f64 / n as f64
}

/// Shingles in more than `max_df` documents of `corpus`, estimated on an evenly spaced sample
/// of `sample_docs` documents.
pub fn widespread(corpus: &Corpus, max_df: u32, sample_docs: usize) -> ShingleSet {
    let n = corpus.len();
    let sample: Vec<usize> = spread(n, sample_docs).collect();
    if sample.is_empty() {
        return ShingleSet::default();
    }
    let cut = sample_cut(max_df, sample.len(), n);
    // Every occurrence in the sample is counted exactly. Three in four occurrences in news
    // pages are of widespread shingles, so screening them by hashed 8-bit counters first
    // left most of them to count exactly anyway, and cost more than it saved (at 200,000
    // documents, 14 million occurrences, 10.7 million through the screen, gathered and
    // sorted: 0.19 s, now 0.08). The occurrences are split into parts by their top bits,
    // each piece of the sample into its own array (a counting pass, then a placing one), and
    // each part is then counted across the pieces in a table that stays in cache. Counts do
    // not depend on how the sample is split, so neither does the result.
    const PART_BITS: u32 = 11;
    const PARTS: usize = 1 << PART_BITS;
    let part_of = |x: u32| (x >> (32 - PART_BITS)) as usize;
    let per_piece = sample
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1);
    let pieces: Vec<(Vec<u32>, Vec<usize>)> = sample
        .par_chunks(per_piece)
        .map(|docs| {
            let mut starts = vec![0usize; PARTS + 1];
            for &i in docs {
                for &x in corpus.set(i) {
                    starts[part_of(x) + 1] += 1;
                }
            }
            for p in 0..PARTS {
                starts[p + 1] += starts[p];
            }
            let mut fill = starts.clone();
            let mut placed = vec![0u32; starts[PARTS]];
            for &i in docs {
                for &x in corpus.set(i) {
                    let at = &mut fill[part_of(x)];
                    placed[*at] = x;
                    *at += 1;
                }
            }
            (placed, starts)
        })
        .collect();
    (0..PARTS)
        .into_par_iter()
        .with_min_len(16)
        .map_init(Vec::new, |table: &mut Vec<(u32, u32)>, p| {
            // Counted in an open-addressing table of (value, count) at most half full, a
            // count of 0 marking an empty slot; one table a thread, reused (a fresh 128 KB
            // table a part was a fresh mapping each time).
            let len: usize = pieces.iter().map(|(_, s)| s[p + 1] - s[p]).sum();
            let bits = (usize::BITS - (2 * len).leading_zeros()).max(4);
            table.clear();
            table.resize(1 << bits, (0, 0));
            let mask = table.len() - 1;
            for (placed, starts) in &pieces {
                for &x in &placed[starts[p]..starts[p + 1]] {
                    let mut at =
                        (u64::from(x).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize;
                    loop {
                        let slot = &mut table[at];
                        if slot.1 == 0 {
                            *slot = (x, 1);
                            break;
                        }
                        if slot.0 == x {
                            slot.1 += 1;
                            break;
                        }
                        at = (at + 1) & mask;
                    }
                }
            }
            table
                .iter()
                .filter(|&&(_, c)| f64::from(c) > cut)
                .map(|&(x, _)| x)
                .collect::<Vec<u32>>()
        })
        .flatten_iter()
        .collect()
}

/// Each outlet's boilerplate: shingles in at least [`SOURCE_SHARE`] of a sample of its
/// documents (and in at least 3), one set per outlet of `corpus`.
pub fn outlet_boilerplate(corpus: &Corpus) -> Vec<ShingleSet> {
    let mut pages: Vec<Vec<&[u32]>> = vec![Vec::new(); corpus.sources.len()];
    for (i, d) in corpus.docs.iter().enumerate() {
        if let Some(s) = d.source {
            pages[s as usize].push(corpus.set(i));
        }
    }
    outlet_boilerplate_of(&pages)
}

/// [`outlet_boilerplate`] of outlets given as the sets of their pages, in order.
pub fn outlet_boilerplate_of(pages: &[Vec<&[u32]>]) -> Vec<ShingleSet> {
    pages
        .par_iter()
        .map(|members| {
            if members.len() < SOURCE_MIN_DOCS {
                return ShingleSet::default();
            }
            let sample: Vec<&[u32]> = spread(members.len(), OUTLET_SAMPLE)
                .map(|k| members[k])
                .collect();
            let cut = ((sample.len() as f64 * SOURCE_SHARE).ceil() as usize).max(3);
            // Sets hold each shingle once: a shingle's run length in the sorted union of the
            // sample is its document count.
            let mut all: Vec<u32> = sample.concat();
            crate::shingle::radix_sort(&mut all);
            all.chunk_by(|a, b| a == b)
                .filter(|run| run.len() >= cut)
                .map(|run| run[0])
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::DocInfo;

    fn info(source: Option<u32>) -> DocInfo {
        DocInfo {
            source,
            ..DocInfo::new("")
        }
    }

    #[test]
    fn the_flat_table_holds_exactly_its_set() {
        // Shingles crowded at the top of the range (probing wraps around to slot 0), zero,
        // and neighbours of every member, which are not members.
        let members: ShingleSet = (0..5000u32)
            .map(|i| u32::MAX - i * 3)
            .chain((1..2000).map(|i| i * 2_000_003))
            .chain([0])
            .collect();
        let t = FlatSet::new(&members);
        assert!(t.buckets.len() * BUCKET_LOAD >= members.len());
        for &x in &members {
            assert!(t.contains(x), "{x}");
            assert!(members.contains(&x.wrapping_add(1)) || !t.contains(x.wrapping_add(1)));
        }
        assert!(!FlatSet::new(&ShingleSet::default()).contains(0));
        assert!(!FlatSet::new(&ShingleSet::default()).contains(12345));
        // Small tables, down to one bucket (every shingle in it, whatever its top bits).
        for n in 1..40u32 {
            let members: ShingleSet = (1..=n).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
            let t = FlatSet::new(&members);
            for i in 1..=n + 40 {
                let x = i.wrapping_mul(0x9e37_79b9);
                assert_eq!(t.contains(x), i <= n, "{n} {i}");
            }
        }
    }

    /// `docs` documents each holding `shared` (a footer) and 20 shingles of their own.
    fn corpus(docs: u32, shared: &[u32], source: Option<&str>) -> Corpus {
        let mut c = Corpus::new();
        for d in 0..docs {
            let mut s: Vec<u32> = shared.to_vec();
            s.extend((0..20).map(|x| 0x8000_0000 + (d * 100 + x) * 4096));
            s.sort_unstable();
            let src = source.map(|n| c.intern_source(n));
            c.push(info(src), &s);
        }
        c
    }

    #[test]
    fn widespread_shingles_are_those_in_more_than_max_df_documents() {
        // A vocabulary spread over the whole 32-bit range (every part of the exact count),
        // each word in a number of documents that crosses the cut for some and not others.
        let mut next = crate::testutil::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut vocab: Vec<u32> = (0..3000).map(|_| (next() >> 32) as u32 | 1).collect();
        // The ends of the range, 0 too (an empty slot of the count's table has count 0).
        (vocab[2998], vocab[2999]) = (0, u32::MAX);
        let mut c = Corpus::new();
        for _ in 0..400 {
            let mut s: Vec<u32> = vocab
                .iter()
                .enumerate()
                .filter(|&(w, _)| next() % 3000 < w as u64)
                .map(|(_, &v)| v)
                .collect();
            s.sort_unstable();
            s.dedup();
            c.push(info(None), &s);
        }
        for max_df in [10, 150, 300] {
            let mut df: std::collections::HashMap<u32, u32> = Default::default();
            for i in 0..c.len() {
                for &v in c.set(i) {
                    *df.entry(v).or_default() += 1;
                }
            }
            let expected: ShingleSet = df
                .into_iter()
                .filter(|&(_, n)| n > max_df)
                .map(|(v, _)| v)
                .collect();
            assert!(!expected.is_empty() && expected.len() < vocab.len());
            assert_eq!(widespread(&c, max_df, c.len()), expected, "max_df {max_df}");
        }
    }

    #[test]
    fn corpus_wide_frequent_shingles_are_discounted() {
        let footer: Vec<u32> = (1..=10).map(|x| x << 20).collect();
        let c = corpus(30, &footer, None);
        let b = Boilerplate::learn(&c, 20);
        assert!(b.is_common(3 << 20, None));
        assert!(!b.is_common(0x8000_0000, None));
        let mut s = c.set(0).to_vec();
        let k = b.discount(&mut s, &mut [], None);
        assert_eq!(k, 20);
        assert!(s[..k].iter().all(|&x| x >= 0x8000_0000));
        // A document made only of the footer keeps it all.
        let mut only = footer.clone();
        assert_eq!(b.discount(&mut only, &mut [], None), 10);
    }

    #[test]
    fn large_corpora_are_learned_from_a_sample() {
        let footer: Vec<u32> = (1..=10).map(|x| x << 20).collect();
        let c = corpus(3 * GLOBAL_SAMPLE as u32 / 2, &footer, None);
        let b = Boilerplate::learn(&c, 254);
        assert_eq!(b.widespread_len(), 10);
    }

    #[test]
    fn an_outlets_own_boilerplate_is_discounted_for_that_outlet_only() {
        let footer: Vec<u32> = (1..=10).map(|x| x << 20).collect();
        // 10 documents of one outlet: far below the corpus-wide cut of 50.
        let c = corpus(10, &footer, Some("Gazette"));
        let b = Boilerplate::learn(&c, 50);
        assert!(b.is_common(3 << 20, Some(0)));
        assert!(!b.is_common(3 << 20, None));
        assert!(!b.is_common(0x8000_0000, Some(0)));
    }
}
