//! Boilerplate learned from the corpus itself, at two levels:
//! - corpus-wide: a shingle found in more than `max_df` documents is a stock phrase, an agency
//!   footer or a "Read more" line, not evidence that two documents tell one story;
//! - per outlet: a shingle found in a large share of one outlet's documents is that outlet's
//!   header or footer. Outlets wrap *every* page in it, while even a story the outlet updates
//!   many times is a small share of its pages — so this catches heavy boilerplate on a few
//!   pages long before a corpus-wide count could, without touching stories with many versions.
//!
//! Document frequencies are counted in tables indexed by the shingle hash (saturating 8-bit
//! counters). A collision can only over-count: a rare shingle is at worst discounted, never a
//! boilerplate one kept.

use crate::corpus::Corpus;
use crate::shingle::mix64;
use rayon::prelude::*;

/// Learned document frequencies.
#[derive(Debug)]
pub struct Boilerplate {
    global: Vec<u8>,
    per_source: Vec<u8>,
    shift: u32,
    max_df: u8,
    /// Per outlet: how many of its documents make a shingle its boilerplate (0: never).
    source_cut: Vec<u8>,
}

/// A document that would keep fewer shingles than this after discounting keeps them all: it
/// is made of widely shared text (a story republished by very many outlets), and judging it
/// on nothing would lose it.
pub const MIN_KEPT: usize = 3;

/// Below this share of rare shingles (after the outlet's boilerplate is gone) a document is
/// judged on its widespread shingles too.
pub const WIDESPREAD_SHARE: f64 = 0.05;

/// Share of an outlet's documents a shingle must appear in to be the outlet's boilerplate.
pub const SOURCE_SHARE: f64 = 0.2;

/// Outlets with fewer documents than this have no boilerplate of their own.
pub const SOURCE_MIN_DOCS: usize = 4;

impl Boilerplate {
    /// Counts shingle document frequencies over the corpus. `max_df` is capped at 254.
    pub fn learn(corpus: &Corpus, max_df: u32) -> Self {
        let total = corpus.total_shingles();
        // About two slots per stored shingle, between 64 KiB and 64 MiB.
        let bits = (usize::BITS - (2 * total).leading_zeros()).clamp(16, 26);
        let shift = 32 - bits;
        let mut docs_per_source = vec![0usize; corpus.sources.len()];
        for d in &corpus.docs {
            if let Some(s) = d.source {
                docs_per_source[s as usize] += 1;
            }
        }
        let source_cut: Vec<u8> = docs_per_source
            .iter()
            .map(|&n| {
                if n < SOURCE_MIN_DOCS {
                    0
                } else {
                    // Above 254 the corpus-wide count (capped at 254 too) already catches it.
                    ((n as f64 * SOURCE_SHARE).ceil() as usize).clamp(3, 254) as u8
                }
            })
            .collect();
        let global = count(1 << bits, shift, corpus, |_| true, |x, _| x);
        let per_source = if source_cut.iter().any(|&c| c > 0) {
            count(
                1 << bits,
                shift,
                corpus,
                |s| s.is_some_and(|s| source_cut[s as usize] > 0),
                source_key,
            )
        } else {
            Vec::new()
        };
        Boilerplate {
            global,
            per_source,
            shift,
            max_df: max_df.min(254) as u8,
            source_cut,
        }
    }

    /// True when `shingle` is in more documents of the corpus than the corpus-wide cut.
    #[inline]
    pub fn is_widespread(&self, shingle: u32) -> bool {
        self.global[(shingle >> self.shift) as usize] > self.max_df
    }

    /// True when `shingle` is boilerplate of outlet `source`.
    #[inline]
    pub fn is_outlet_boilerplate(&self, shingle: u32, source: Option<u32>) -> bool {
        match source {
            Some(s) if self.source_cut[s as usize] > 0 => {
                let key = source_key(shingle, Some(s));
                self.per_source[(key >> self.shift) as usize] >= self.source_cut[s as usize]
            }
            _ => false,
        }
    }

    /// True when `shingle` is boilerplate in a document of outlet `source`.
    #[inline]
    pub fn is_common(&self, shingle: u32, source: Option<u32>) -> bool {
        self.is_widespread(shingle) || self.is_outlet_boilerplate(shingle, source)
    }

    /// Moves the shingles that count as evidence to the front of the set (keeping their
    /// order) and returns how many there are.
    ///
    /// The outlet's own boilerplate always goes. Widespread shingles go too, unless they are
    /// most of what is left: then the document *is* widely shared text (a story republished
    /// by very many outlets) and judging it on its few other shingles would lose it. A set
    /// that would keep fewer than [`MIN_KEPT`] shingles keeps everything.
    pub fn discount(&self, set: &mut [u32], source: Option<u32>) -> usize {
        let mut own = 0;
        let mut rare = 0;
        for &x in set.iter() {
            if !self.is_outlet_boilerplate(x, source) {
                own += 1;
                rare += usize::from(!self.is_widespread(x));
            }
        }
        let drop_widespread = rare as f64 >= WIDESPREAD_SHARE * own as f64;
        let keep = |x: u32| {
            !self.is_outlet_boilerplate(x, source) && !(drop_widespread && self.is_widespread(x))
        };
        let kept = if drop_widespread { rare } else { own };
        if kept < MIN_KEPT.min(set.len()) || kept == set.len() {
            return set.len();
        }
        let mut w = 0;
        for r in 0..set.len() {
            if keep(set[r]) {
                set[w] = set[r];
                w += 1;
            }
        }
        w
    }
}

/// The per-outlet table's key of a shingle: the shingle hash mixed with the outlet.
#[inline]
fn source_key(shingle: u32, source: Option<u32>) -> u32 {
    let s = u64::from(source.unwrap_or(u32::MAX));
    (mix64(u64::from(shingle) | s << 32) >> 32) as u32
}

/// Counts, in a table of `size` saturating counters, the documents (those `include`d by
/// their outlet) holding each `key(shingle, outlet)`. Each worker owns one slice of the table
/// and scans all documents for its own slots, so the counts are the same whatever the thread
/// count.
fn count(
    size: usize,
    shift: u32,
    corpus: &Corpus,
    include: impl Fn(Option<u32>) -> bool + Sync,
    key: impl Fn(u32, Option<u32>) -> u32 + Sync,
) -> Vec<u8> {
    let mut table = vec![0u8; size];
    let parts = rayon::current_num_threads().max(1);
    let part_len = size.div_ceil(parts);
    table
        .par_chunks_mut(part_len)
        .enumerate()
        .for_each(|(p, part)| {
            let lo = p * part_len;
            let hi = lo + part.len();
            for (i, d) in corpus.docs.iter().enumerate() {
                if !include(d.source) {
                    continue;
                }
                for &x in corpus.set(i) {
                    let slot = (key(x, d.source) >> shift) as usize;
                    if slot >= lo && slot < hi {
                        let c = &mut part[slot - lo];
                        *c = c.saturating_add(1);
                    }
                }
            }
        });
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::DocInfo;

    fn info(source: Option<u32>) -> DocInfo {
        DocInfo {
            id: String::new(),
            date: None,
            len: 0,
            source,
            input: 0,
            line: 0,
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
    fn corpus_wide_frequent_shingles_are_discounted() {
        let footer: Vec<u32> = (1..=10).map(|x| x << 20).collect();
        let c = corpus(30, &footer, None);
        let b = Boilerplate::learn(&c, 20);
        assert!(b.is_common(3 << 20, None));
        assert!(!b.is_common(0x8000_0000, None));
        let mut s = c.set(0).to_vec();
        let k = b.discount(&mut s, None);
        assert_eq!(k, 20);
        assert!(s[..k].iter().all(|&x| x >= 0x8000_0000));
        // A document made only of the footer keeps it all.
        let mut only = footer.clone();
        assert_eq!(b.discount(&mut only, None), 10);
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
