//! Clustering verified pairs into stories.

use crate::verify::Edge;
use rayon::prelude::*;

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
}

/// How verified pairs become stories.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Linkage {
    /// Each version attaches to the one earlier version that explains most of it (at least
    /// `min_share` of its shingles). A version with no such earlier version (the first of
    /// its story to appear) attaches to the later versions that explain at least `root_share`
    /// of it, as long as they agree with each other (are verified pairs themselves).
    ///
    /// A version joins one story, never two: a short text that shares a quote or a background
    /// paragraph with several stories cannot chain them together, and a long story that shares
    /// a paragraph with another is not explained by it.
    Attach(Thresholds),
    /// A pair joins its two stories when it is within `margin` (in containment) of the best
    /// match of one of its two versions.
    NearBest(f32),
    /// Every verified pair joins its two stories (connected components): chains through a
    /// shared paragraph, but follows passages reprinted in overlapping pieces.
    Single,
}

/// The thresholds of [`Linkage::Attach`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Share of a version its earlier version must explain.
    pub min_share: f32,
    /// Share of a first version its later versions must explain.
    pub root_share: f32,
    /// Below this share an earlier version must also show `min_evidence`: a noisy copy has
    /// a low share but covers its text evenly, a different story sharing a few sentences
    /// does not (see [`covered_share`]).
    pub sure_share: f32,
    /// Covered share plus Jaccard that an earlier version explaining less than `sure_share`
    /// needs.
    pub min_evidence: f32,
}

impl Default for Linkage {
    /// Measured on wire_dev, ocr_dev and a 200,000-document `wiresim.py --scale` corpus: a
    /// `min_evidence` of 1.0 loses OCR'd reprints (ocr_dev recall 0.918 -> 0.867), 0.75 lets
    /// more stories built of shared sentences attach to each other (precision at 200,000
    /// 0.955 -> 0.943; none at all: 0.865).
    fn default() -> Self {
        Linkage::Attach(Thresholds {
            min_share: 0.3,
            root_share: 0.7,
            sure_share: 0.6,
            min_evidence: 0.85,
        })
    }
}

/// Gaps in shared text shorter than this many characters (without spaces) are noise, not
/// missing text: OCR errors, changed words, a typo every few words. A sentence is longer.
pub const NOISE_GAP_CHARS: f64 = 150.0;

/// Groups documents into stories from verified pairs (`edges`, sorted by `(a, b)` with
/// `a < b`). `rank[i]` is document `i`'s position in time order and `sizes[i]` the size of
/// its shingle set. `covered(d, other)` is the [`covered_share`] of document `d` by `other`
/// (`None` when the corpus keeps no positions: then a low share needs no such evidence).
/// Returns, for each document, a label shared by exactly the members of its
/// story (the label is some member's index).
pub fn cluster(
    n: usize,
    edges: &[Edge],
    rank: &[u32],
    sizes: &[u32],
    linkage: Linkage,
    covered: &(dyn Fn(u32, u32) -> Option<f32> + Sync),
) -> Vec<u32> {
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
        Linkage::Attach(t) => attach(&mut uf, edges, rank, sizes, t, covered),
    }
    (0..n as u32).map(|i| uf.find(i)).collect()
}

/// A neighbour as one version sees it: the other version, the share of this version's
/// shingles found in it, their Jaccard, and the other's place in time order.
#[derive(Debug, Clone, Copy)]
pub struct Neighbour<D, R> {
    /// The other version.
    pub other: D,
    /// Share of this version's shingles found in the other.
    pub share: f32,
    /// Their Jaccard similarity.
    pub jaccard: f32,
    /// The other's place in time order.
    pub rank: R,
}

impl<D, R: Copy> Neighbour<D, R> {
    /// Order of preference: share in steps of 0.05 (finer differences are noise), then
    /// Jaccard, then the earlier version.
    fn key(&self) -> (u32, u32, std::cmp::Reverse<R>) {
        (
            (self.share * 20.0).round() as u32,
            (self.jaccard * 1e6) as u32,
            std::cmp::Reverse(self.rank),
        )
    }
}

/// What one version links to under [`Linkage::Attach`].
#[derive(Debug, Clone, PartialEq)]
pub enum Link<D> {
    /// Nothing: a story of its own so far.
    None,
    /// The earlier version that explains it.
    Parent(D),
    /// The first version of its story seen so far joins `top`, the later version that
    /// explains most of it, and those of `also` that are verified pairs with `top`.
    Root {
        /// The later version that explains most of it.
        top: D,
        /// Other later versions that explain enough of it.
        also: Vec<D>,
    },
}

/// The link of one version (at `me` in time order) with neighbours `seen`, under `t`.
/// `covered(other)` is its [`covered_share`] by `other` (`None` when positions are not kept).
/// Each version's link is its own decision, so an engine can make them where the version's
/// pairs are and join them afterwards.
pub fn attach_link<D: Copy + PartialEq, R: Ord + Copy>(
    me: R,
    seen: &[Neighbour<D, R>],
    t: Thresholds,
    covered: impl Fn(D) -> Option<f32>,
) -> Link<D> {
    let mut earlier: Vec<&Neighbour<D, R>> = seen
        .iter()
        .filter(|s| s.share >= t.min_share && s.rank < me)
        .collect();
    earlier.sort_unstable_by_key(|s| std::cmp::Reverse(s.key()));
    // A low share needs positional evidence too: covered share plus Jaccard.
    let parent = earlier.into_iter().find(|s| {
        s.share >= t.sure_share || covered(s.other).is_none_or(|c| c + s.jaccard >= t.min_evidence)
    });
    if let Some(parent) = parent {
        return Link::Parent(parent.other);
    }
    // The first version of its story seen so far: join the later versions that explain it,
    // when they are one story among themselves.
    let Some(top) = seen
        .iter()
        .filter(|s| s.share >= t.root_share)
        .max_by_key(|s| s.key())
    else {
        return Link::None;
    };
    Link::Root {
        top: top.other,
        also: seen
            .iter()
            .filter(|s| s.share >= t.root_share && s.other != top.other)
            .map(|s| s.other)
            .collect(),
    }
}

/// Items grouped by owner, the groups one after the other in owner order and each group in
/// the order the items came: one array, where a vector per owner grown a push at a time cost
/// the clustering stage 0.06 s on one core at 200,000 documents (0.33-0.37 -> 0.27-0.28 s
/// with attach linkage and provenance both grouping this way).
pub(crate) struct Grouped<T> {
    starts: Vec<usize>,
    items: Vec<T>,
}

impl<T: Copy> Grouped<T> {
    /// Groups the `(owner, item)` pairs of `pairs` (owners below `n`). `owners` gives the
    /// same owners in the same order, to count them first without making the items. `fill`
    /// is any value of `T`, overwritten.
    pub(crate) fn new(
        n: usize,
        owners: impl Iterator<Item = usize>,
        pairs: impl Iterator<Item = (usize, T)>,
        fill: T,
    ) -> Self {
        let mut starts = vec![0usize; n + 1];
        for owner in owners {
            starts[owner + 1] += 1;
        }
        for d in 0..n {
            starts[d + 1] += starts[d];
        }
        let mut next = starts.clone();
        let mut items = vec![fill; starts[n]];
        for (owner, item) in pairs {
            items[next[owner]] = item;
            next[owner] += 1;
        }
        Grouped { starts, items }
    }

    /// The items of owner `d`, in the order they came.
    pub(crate) fn get(&self, d: usize) -> &[T] {
        &self.items[self.starts[d]..self.starts[d + 1]]
    }
}

fn attach(
    uf: &mut UnionFind,
    edges: &[Edge],
    rank: &[u32],
    sizes: &[u32],
    t: Thresholds,
    covered: &(dyn Fn(u32, u32) -> Option<f32> + Sync),
) {
    let n = rank.len();
    // Each version's neighbours, in the order of the edges.
    let seen_by = |me: u32, other: u32, e: &Edge| {
        let share = e.sim.shared as f32 / sizes[me as usize].max(1) as f32;
        let seen = Neighbour {
            other,
            share,
            jaccard: e.sim.jaccard,
            rank: rank[other as usize],
        };
        (me as usize, seen)
    };
    let adj = Grouped::new(
        n,
        edges.iter().flat_map(|e| [e.a as usize, e.b as usize]),
        edges
            .iter()
            .flat_map(|e| [seen_by(e.a, e.b, e), seen_by(e.b, e.a, e)]),
        Neighbour {
            other: 0,
            share: 0.0,
            jaccard: 0.0,
            rank: 0,
        },
    );
    let is_edge = |a: u32, b: u32| {
        let key = (a.min(b), a.max(b));
        edges.binary_search_by(|e| (e.a, e.b).cmp(&key)).is_ok()
    };
    // Each version's links are its own decision (parallel); joining them is not.
    let links: Vec<Vec<u32>> = (0..n)
        .into_par_iter()
        .map(
            |d| match attach_link(rank[d], adj.get(d), t, |o| covered(d as u32, o)) {
                Link::None => Vec::new(),
                Link::Parent(p) => vec![p],
                Link::Root { top, also } => std::iter::once(top)
                    .chain(also.into_iter().filter(|&s| is_edge(top, s)))
                    .collect(),
            },
        )
        .collect();
    for (d, join) in links.into_iter().enumerate() {
        for other in join {
            uf.union(d as u32, other);
        }
    }
}

/// The [`covered_share`] of a text of `len` bytes (its `set` and `positions`) by `other`,
/// with gaps of [`NOISE_GAP_CHARS`] counted as noise.
pub fn covered_by(len: u32, set: &[u32], positions: &[u8], other: &[u32]) -> f32 {
    // Positions are offsets in the text without spaces, about five sixths of its bytes.
    let chars = (f64::from(len) * 0.83).max(1.0);
    let gap = (NOISE_GAP_CHARS * 256.0 / chars).ceil() as u32;
    covered_share(set, positions, other, gap)
}

/// The share of a text's shingles (`set`, with their `positions` as
/// [`crate::shingle::text_shingles_positioned`] gives them) covered by what it shares with
/// `other`: the shingles found in `other`, and the ones that are not but lie between two
/// found ones less than `gap` position units (of 256 over the text) apart.
///
/// OCR noise or a changed word breaks a few shingles here and there, so a noisy copy's raw
/// share can be half while its covered share is near one; a different story that shares a few
/// whole sentences (a quote, background) keeps the gaps between them, and its covered share
/// stays near its raw share.
pub fn covered_share(set: &[u32], positions: &[u8], other: &[u32], gap: u32) -> f32 {
    if set.is_empty() {
        return 0.0;
    }
    let mut occupied = [0u32; 256];
    let mut found = [false; 256];
    let mut j = 0;
    for (&x, &p) in set.iter().zip(positions) {
        while j < other.len() && other[j] < x {
            j += 1;
        }
        occupied[p as usize] += 1;
        found[p as usize] |= j < other.len() && other[j] == x;
    }
    let (mut covered, mut pending) = (0u32, 0u32);
    let mut last: Option<u32> = None;
    for b in 0..256u32 {
        let n = occupied[b as usize];
        if found[b as usize] {
            if last.is_some_and(|l| b - l <= gap) {
                covered += pending;
            }
            covered += n;
            pending = 0;
            last = Some(b);
        } else {
            pending += n;
        }
    }
    covered as f32 / set.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_items_keep_their_order_within_each_owner() {
        let pairs = [(2, 'a'), (0, 'b'), (2, 'c'), (4, 'd'), (0, 'e')];
        let g = Grouped::new(5, pairs.iter().map(|p| p.0), pairs.iter().copied(), ' ');
        assert_eq!(g.get(0), ['b', 'e']);
        assert_eq!(g.get(1), [] as [char; 0]);
        assert_eq!(g.get(2), ['a', 'c']);
        assert_eq!(g.get(3), [] as [char; 0]);
        assert_eq!(g.get(4), ['d']);
        let none = Grouped::new(0, std::iter::empty(), std::iter::empty::<(usize, u8)>(), 0);
        assert!(none.items.is_empty());
    }
    use crate::verify::Similarity;

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

    const RANK: [u32; 5] = [0, 1, 2, 3, 4];
    const SIZES: [u32; 5] = [200; 5];

    fn shared(a: u32, b: u32, shared: u32, jaccard: f32) -> Edge {
        Edge {
            a,
            b,
            sim: Similarity {
                shared,
                larger: 200,
                containment: shared as f32 / 200.0,
                jaccard,
            },
        }
    }

    #[test]
    fn a_short_quote_joins_one_story_only() {
        // Stories {0, 2} and {1, 3}; document 4 (20 shingles) is a quote found in 0 and 1.
        let sizes = [200, 200, 200, 200, 20];
        let edges = [
            shared(0, 2, 180, 0.8),
            shared(0, 4, 20, 0.1),
            shared(1, 3, 170, 0.7),
            shared(1, 4, 20, 0.1),
        ];
        let l = cluster(5, &edges, &RANK, &sizes, Linkage::default(), &|_, _| None);
        assert_eq!(l[0], l[2]);
        assert_eq!(l[1], l[3]);
        assert_ne!(l[0], l[1], "the quote must not chain the two stories");
        assert!(l[4] == l[0] || l[4] == l[1]);
    }

    #[test]
    fn a_first_version_joins_the_later_versions_that_contain_it() {
        // Document 0 is a short early cut; 1 and 2 are later full versions containing it.
        let sizes = [50, 200, 200];
        let edges = [
            shared(0, 1, 45, 0.2),
            shared(0, 2, 45, 0.2),
            shared(1, 2, 190, 0.9),
        ];
        let l = cluster(3, &edges, &RANK, &sizes, Linkage::default(), &|_, _| None);
        assert!(l.iter().all(|&x| x == l[0]));
    }

    #[test]
    fn a_shared_paragraph_does_not_chain_two_stories() {
        // Story A = {0, 1}, story B = {2, 3}; document 1 also shares a paragraph with 2.
        let edges = [edge(0, 1, 0.95), edge(2, 3, 0.9), edge(1, 2, 0.45)];
        let near = cluster(
            4,
            &edges,
            &RANK,
            &SIZES,
            Linkage::NearBest(0.15),
            &|_, _| None,
        );
        assert_eq!(near[0], near[1]);
        assert_eq!(near[2], near[3]);
        assert_ne!(near[0], near[2]);
        let single = cluster(4, &edges, &RANK, &SIZES, Linkage::Single, &|_, _| None);
        assert!(
            single.iter().all(|&l| l == single[0]),
            "single linkage chains"
        );
    }

    #[test]
    fn a_version_whose_best_match_is_weak_still_joins() {
        // A noisy reprint whose only match is 0.5 joins its story.
        let labels = cluster(
            3,
            &[edge(0, 1, 0.9), edge(1, 2, 0.5)],
            &RANK,
            &SIZES,
            Linkage::NearBest(0.15),
            &|_, _| None,
        );
        assert!(labels.iter().all(|&l| l == labels[0]));
    }

    #[test]
    fn noise_is_covered_missing_sentences_are_not() {
        // 256 shingles, one per position.
        let set: Vec<u32> = (0..256).collect();
        let positions: Vec<u8> = (0..=255).collect();
        // A noisy copy: every other run of 4 shingles broken (half found, small gaps).
        let noisy: Vec<u32> = (0..256).filter(|x| x / 4 % 2 == 0).collect();
        let c = covered_share(&set, &positions, &noisy, 8);
        assert!(c > 0.95, "{c}");
        // Two whole blocks of 64 shared, with a 64-long gap between: no gap is noise.
        let blocks: Vec<u32> = (0..64).chain(128..192).collect();
        let c = covered_share(&set, &positions, &blocks, 8);
        assert!((c - 0.5).abs() < 1e-6, "{c}");
        assert_eq!(covered_share(&set, &positions, &[], 8), 0.0);
    }

    #[test]
    fn a_low_share_parent_needs_even_coverage() {
        // Document 1 shares 40% of itself with the earlier document 0.
        let sizes = [200, 200];
        let edges = [shared(0, 1, 80, 0.25)];
        let t = Linkage::default();
        let even = cluster(2, &edges, &RANK, &sizes, t, &|_, _| Some(0.9));
        assert_eq!(even[0], even[1], "spread over all of it: a noisy copy");
        let blocks = cluster(2, &edges, &RANK, &sizes, t, &|_, _| Some(0.4));
        assert_ne!(blocks[0], blocks[1], "a few whole passages: another story");
        // A high share needs no such evidence.
        let edges = [shared(0, 1, 150, 0.6)];
        let high = cluster(2, &edges, &RANK, &sizes, t, &|_, _| Some(0.0));
        assert_eq!(high[0], high[1]);
    }
}
