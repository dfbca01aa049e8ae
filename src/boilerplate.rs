//! Boilerplate learned from the corpus itself: a shingle found in more than `max_df` documents
//! is an outlet header, a footer, a "Read more" line or a stock phrase, not evidence that two
//! documents tell one story. Document frequencies are counted in a table indexed by the
//! shingle hash (saturating 8-bit counters); a collision can only over-count, so a rare
//! shingle is at worst discounted, never a boilerplate one kept.

use rayon::prelude::*;

/// Document frequencies of shingles.
#[derive(Debug)]
pub struct Boilerplate {
    counts: Vec<u8>,
    shift: u32,
    max_df: u8,
}

/// A document whose sets would keep fewer shingles than this after discounting keeps them all:
/// it is made of widely shared text (a story republished by very many outlets), and judging it
/// on nothing would lose it.
pub const MIN_KEPT: usize = 8;

impl Boilerplate {
    /// Counts, for every shingle in `all` (the concatenated distinct sets of the documents),
    /// in how many documents it occurs. `max_df` is capped at 254.
    pub fn learn(all: &[u32], max_df: u32) -> Self {
        // About two slots per stored shingle, between 64 KiB and 64 MiB.
        let bits = (usize::BITS - (2 * all.len()).leading_zeros()).clamp(16, 26);
        let shift = 32 - bits;
        let mut counts = vec![0u8; 1 << bits];
        // Each worker owns one slice of the table and scans all shingles for its own: the
        // counts come out the same whatever the thread count.
        let parts = rayon::current_num_threads().max(1);
        let part_len = counts.len().div_ceil(parts);
        counts
            .par_chunks_mut(part_len)
            .enumerate()
            .for_each(|(p, part)| {
                let lo = p * part_len;
                let hi = lo + part.len();
                for &x in all {
                    let slot = (x >> shift) as usize;
                    if slot >= lo && slot < hi {
                        let c = &mut part[slot - lo];
                        *c = c.saturating_add(1);
                    }
                }
            });
        Boilerplate {
            counts,
            shift,
            max_df: max_df.min(254) as u8,
        }
    }

    /// True when `shingle` occurs in more than `max_df` documents.
    #[inline]
    pub fn is_common(&self, shingle: u32) -> bool {
        self.counts[(shingle >> self.shift) as usize] > self.max_df
    }

    /// Moves the set's non-boilerplate shingles to its front (keeping their order) and returns
    /// how many there are; a set that would keep fewer than [`MIN_KEPT`] keeps everything.
    pub fn discount(&self, set: &mut [u32]) -> usize {
        let rare = set.iter().filter(|&&x| !self.is_common(x)).count();
        if rare >= MIN_KEPT.min(set.len()) && rare < set.len() {
            let mut w = 0;
            for r in 0..set.len() {
                if !self.is_common(set[r]) {
                    set[w] = set[r];
                    w += 1;
                }
            }
            w
        } else {
            set.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequent_shingles_are_discounted() {
        // 30 documents share shingles 1..=10 (a footer); each has 20 of its own.
        let mut all = Vec::new();
        let docs: Vec<Vec<u32>> = (0..30u32)
            .map(|d| {
                let mut s: Vec<u32> = (1..=10).map(|x| x << 20).collect();
                s.extend((0..20).map(|x| 0x8000_0000 + (d * 100 + x) * 4096));
                s.sort_unstable();
                s
            })
            .collect();
        for s in &docs {
            all.extend_from_slice(s);
        }
        let b = Boilerplate::learn(&all, 20);
        assert!(b.is_common(3 << 20));
        assert!(!b.is_common(0x8000_0000));
        let mut s = docs[0].clone();
        let k = b.discount(&mut s);
        assert_eq!(k, 20);
        assert!(s[..k].iter().all(|&x| x >= 0x8000_0000));
        // A document made only of the footer keeps it all.
        let mut footer: Vec<u32> = (1..=10).map(|x| x << 20).collect();
        assert_eq!(b.discount(&mut footer), 10);
    }
}
