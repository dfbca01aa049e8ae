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
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Linkage {
    /// Each version joins the story of its best match only (highest containment, ties to the
    /// earliest version): one version that shares a background paragraph or a quote with
    /// another story cannot pull the two stories together.
    #[default]
    BestMatch,
    /// Every verified pair joins its two stories (connected components; chains).
    Single,
    /// A pair joins its stories when it is within the margin of the best match of one of
    /// its two versions.
    NearBest(f32),
}

/// Groups documents into stories from verified pairs. Returns, for each document, a label
/// shared by exactly the members of its story (the label is some member's index).
///
/// `rank[i]` is document `i`'s position in time order.
pub fn cluster(
    n: usize,
    edges: &[crate::verify::Edge],
    rank: &[u32],
    linkage: Linkage,
) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    match linkage {
        Linkage::Single => {
            for e in edges {
                uf.union(e.a, e.b);
            }
        }
        Linkage::BestMatch => {
            // Containment in hundredths: differences below that are noise, and the tie goes
            // to the earlier version, which pulls versions towards their origin.
            let key = |sim: &crate::verify::Similarity, other: u32| {
                (
                    (sim.containment * 100.0).round() as u32,
                    std::cmp::Reverse(rank[other as usize]),
                )
            };
            let mut best: Vec<Option<(u32, (u32, std::cmp::Reverse<u32>))>> = vec![None; n];
            for e in edges {
                for (me, other) in [(e.a, e.b), (e.b, e.a)] {
                    let k = key(&e.sim, other);
                    let slot = &mut best[me as usize];
                    if slot.is_none_or(|(_, bk)| k > bk) {
                        *slot = Some((other, k));
                    }
                }
            }
            for (me, b) in best.iter().enumerate() {
                if let Some((other, _)) = b {
                    uf.union(me as u32, *other);
                }
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
