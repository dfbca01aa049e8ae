//! Verification of candidate pairs on their real (boilerplate-discounted) shingle sets.
//! Republishers cut a story's tail, so a faithful copy can share only a fraction of the
//! original's shingles: Jaccard punishes that, containment (the share of the smaller version
//! found in the larger) does not. A pair is one story when enough of the smaller version is
//! found in the larger, and enough shingles are shared that it is not a coincidence of two
//! short texts.

use crate::corpus::Corpus;
use crate::shingle::intersection;
use rayon::prelude::*;

/// How much two versions share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// Shared shingles.
    pub shared: u32,
    /// Shared ÷ the smaller set.
    pub containment: f32,
    /// Shared ÷ the union.
    pub jaccard: f32,
}

impl Similarity {
    /// The similarity of two sorted, distinct sets.
    pub fn of(a: &[u32], b: &[u32]) -> Similarity {
        let shared = intersection(a, b);
        let small = a.len().min(b.len()).max(1);
        let union = (a.len() + b.len() - shared).max(1);
        Similarity {
            shared: shared as u32,
            containment: shared as f32 / small as f32,
            jaccard: shared as f32 / union as f32,
        }
    }
}

/// When a pair counts as one story.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Minimum containment.
    pub min_containment: f32,
    /// Minimum number of shared shingles.
    pub min_shared: u32,
}

impl Rule {
    /// True when `s` passes the rule.
    pub fn accepts(&self, s: &Similarity) -> bool {
        s.containment >= self.min_containment && s.shared >= self.min_shared
    }
}

/// A verified pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// The earlier document (input order).
    pub a: u32,
    /// The later document.
    pub b: u32,
    /// How much they share.
    pub sim: Similarity,
}

/// Checks every candidate pair and keeps those the rule accepts, in the candidates' order.
pub fn verify(corpus: &Corpus, candidates: &[(u32, u32)], rule: Rule) -> Vec<Edge> {
    candidates
        .par_iter()
        .with_min_len(256)
        .filter_map(|&(a, b)| {
            let sim = Similarity::of(corpus.set(a as usize), corpus.set(b as usize));
            rule.accepts(&sim).then_some(Edge { a, b, sim })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_copy_is_contained() {
        let original: Vec<u32> = (0..100).collect();
        let cut: Vec<u32> = (0..30).collect();
        let s = Similarity::of(&original, &cut);
        assert_eq!(s.shared, 30);
        assert_eq!(s.containment, 1.0);
        assert!((s.jaccard - 0.3).abs() < 1e-6);
        let rule = Rule {
            min_containment: 0.5,
            min_shared: 5,
        };
        assert!(rule.accepts(&s));
        assert!(
            !rule.accepts(&Similarity::of(&[1, 2, 3], &[1, 2, 3])),
            "too few shared"
        );
    }
}
