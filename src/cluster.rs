//! Clustering verified pairs into stories.

/// Union-find with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The representative of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }

    /// Merges the sets of `a` and `b`; returns false when they were one already.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
        true
    }

    /// Size of `x`'s set.
    pub fn size_of(&mut self, x: u32) -> u32 {
        let r = self.find(x);
        self.size[r as usize]
    }
}

/// How verified pairs become stories.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Linkage {
    /// A pair joins its two stories only when it is within `margin` (in containment) of the
    /// best match of one of its two versions. A version that shares a background paragraph or
    /// a quote with another story matches that story far worse than its own, so that pair is
    /// left out and cannot chain the two stories together.
    NearBest(f32),
    /// Every verified pair joins its two stories (connected components): chains through a
    /// shared paragraph, but follows passages reprinted in overlapping pieces.
    Single,
}

impl Default for Linkage {
    fn default() -> Self {
        Linkage::NearBest(0.15)
    }
}

/// Groups documents into stories from verified pairs. Returns, for each document, a label
/// shared by exactly the members of its story (the label is some member's index).
pub fn cluster(n: usize, edges: &[crate::verify::Edge], linkage: Linkage) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    match linkage {
        Linkage::Single => {
            for e in edges {
                uf.union(e.a, e.b);
            }
        }
        Linkage::NearBest(margin) => {
            let mut best = vec![0f32; n];
            for e in edges {
                best[e.a as usize] = best[e.a as usize].max(e.sim.containment);
                best[e.b as usize] = best[e.b as usize].max(e.sim.containment);
            }
            for e in edges {
                let c = e.sim.containment + margin;
                if c >= best[e.a as usize] || c >= best[e.b as usize] {
                    uf.union(e.a, e.b);
                }
            }
        }
    }
    (0..n as u32).map(|i| uf.find(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{Edge, Similarity};

    fn edge(a: u32, b: u32, containment: f32) -> Edge {
        Edge {
            a,
            b,
            sim: Similarity {
                shared: 100,
                larger: 200,
                containment,
                jaccard: containment / 2.0,
            },
        }
    }

    #[test]
    fn a_shared_paragraph_does_not_chain_two_stories() {
        // Story A = {0, 1}, story B = {2, 3}; document 1 also shares a paragraph with 2.
        let edges = [edge(0, 1, 0.95), edge(2, 3, 0.9), edge(1, 2, 0.45)];
        let near = cluster(4, &edges, Linkage::default());
        assert_eq!(near[0], near[1]);
        assert_eq!(near[2], near[3]);
        assert_ne!(near[0], near[2]);
        let single = cluster(4, &edges, Linkage::Single);
        assert!(
            single.iter().all(|&l| l == single[0]),
            "single linkage chains"
        );
    }

    #[test]
    fn a_version_whose_best_match_is_weak_still_joins() {
        // A noisy reprint whose only match is 0.5 joins its story.
        let labels = cluster(3, &[edge(0, 1, 0.9), edge(1, 2, 0.5)], Linkage::default());
        assert!(labels.iter().all(|&l| l == labels[0]));
    }
}
