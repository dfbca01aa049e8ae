//! Provenance inside a story: versions in time order, the origin, and for each later version
//! the earlier one it most likely derives from.

use crate::corpus::{Corpus, DocInfo};
use crate::dedup::{Assignment, KeepPolicy};
use crate::normalize::{normalize, NormalizeOptions};
use crate::verify::{Edge, Similarity};
use rayon::prelude::*;

/// Each document's position in time order: dated versions by date, undated ones after them,
/// ties and undated in input order.
pub fn time_order(docs: &[DocInfo]) -> Vec<u32> {
    // Undated last, then by date, then input order, packed in one key each: sorting
    // indices with a key read from the documents, at random, took 27 ms on one core at
    // 200,000 documents.
    let mut keys: Vec<u128> = docs
        .par_iter()
        .enumerate()
        .map(|(i, d)| {
            let date = d.date.map_or(0, |t| (t as u64) ^ (1 << 63));
            u128::from(d.date.is_none()) << 96 | u128::from(date) << 32 | i as u128
        })
        .collect();
    keys.par_sort_unstable();
    let mut rank = vec![0u32; docs.len()];
    for (r, &k) in keys.iter().enumerate() {
        rank[k as u32 as usize] = r as u32;
    }
    rank
}

/// What provenance uses of the headlines: each version's headline key ([`title_keys`]) and
/// how a headline is shingled like a text.
pub struct Headlines<'a> {
    /// [`title_keys`] of the corpus.
    pub keys: Vec<String>,
    /// The shingles of a headline.
    pub shingles: &'a (dyn Fn(&str) -> Vec<u32> + Sync),
}

/// Each version's headline key, made once (in parallel): a version is the parent or a
/// candidate of many (made where they were needed, they were half a million normalizations
/// at 200,000 documents), and `dedup` makes them while the stories are being joined, on one
/// thread.
pub fn title_keys(corpus: &Corpus) -> Vec<String> {
    (0..corpus.len())
        .into_par_iter()
        .map(|d| title_key(corpus, d))
        .collect()
}

/// A headline with typography, markup and case normalized (two outlets that only restyle
/// the same headline must not look like one copying the other).
fn title_key(corpus: &Corpus, d: usize) -> String {
    normalize(
        corpus.docs[d].title.as_deref().unwrap_or(""),
        NormalizeOptions::default(),
    )
}

/// [`title_key`] of the headline less its outlet's own name at the end (as in "… | Outlet"),
/// when it has one; `None` when it has none (its key is then [`title_key`]).
fn title_key_less_outlet(corpus: &Corpus, d: usize) -> Option<String> {
    let doc = &corpus.docs[d];
    let own = doc
        .title
        .as_deref()?
        .strip_suffix(corpus.sources[doc.source? as usize].as_str())?
        .trim_end()
        .strip_suffix(['|', '-', '–', '—'])?;
    Some(normalize(own, NormalizeOptions::default()))
}

/// The shingles of `d` (sorted) found neither in `p` nor in `skip` (both sorted): what another
/// earlier version must carry to be `d`'s source rather than `p`. Computed once per version,
/// so that each candidate source costs one intersection (`p` is the same for all of them;
/// a merge of three sets with a search of `p` per shared shingle took 0.35 s of a 200,000
/// document run).
fn unexplained(d: &[u32], p: &[u32], skip: &[u32]) -> Vec<u32> {
    difference(&difference(d, p), skip)
}

/// The items of `a` not in `b` (both sorted, distinct), in order. Every item of `a` is
/// written and only the missing ones advance the cursor: whether one is in `b` is as
/// unpredictable as a branch on it would be.
fn difference(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = vec![0; a.len()];
    let (mut i, mut j, mut w) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out[w] = x;
        w += usize::from(x < y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    let tail = a.len() - i;
    out[w..w + tail].copy_from_slice(&a[i..]);
    out.truncate(w + tail);
    out
}

/// The origin of each label: its earliest member (`u32::MAX` for labels no document has).
fn origins(labels: &[u32], rank: &[u32]) -> Vec<u32> {
    let mut origin_of = vec![u32::MAX; labels.len()];
    for (i, &l) in labels.iter().enumerate() {
        let o = origin_of[l as usize];
        if o == u32::MAX || rank[i] < rank[o as usize] {
            origin_of[l as usize] = i as u32;
        }
    }
    origin_of
}

/// The kept version of each label, by `policy`.
fn kept_versions(
    corpus: &Corpus,
    labels: &[u32],
    rank: &[u32],
    origin_of: &[u32],
    policy: KeepPolicy,
) -> Vec<u32> {
    let mut kept = origin_of.to_vec();
    if policy == KeepPolicy::Longest {
        for (i, &l) in labels.iter().enumerate() {
            let k = kept[l as usize] as usize;
            let (li, lk) = (corpus.docs[i].len, corpus.docs[k].len);
            if li > lk || (li == lk && rank[i] < rank[k]) {
                kept[l as usize] = i as u32;
            }
        }
    }
    kept
}

/// [`assign`] without looking for parents, for those who need only the stories (an index
/// `add`): every later version's parent is its story's origin, with no similarity.
pub fn assign_origins(
    corpus: &Corpus,
    labels: &[u32],
    rank: &[u32],
    policy: KeepPolicy,
    active: &[bool],
) -> Vec<Assignment> {
    let origin_of = origins(labels, rank);
    let kept = kept_versions(corpus, labels, rank, &origin_of, policy);
    labels
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            let origin = origin_of[l as usize];
            Assignment {
                cluster: origin,
                parent: (origin != i as u32).then_some(origin),
                similarity: None,
                duplicate: kept[l as usize] != i as u32,
                empty: !active[i] && corpus.docs[i].junk.is_none(),
                junk: corpus.docs[i].junk,
            }
        })
        .collect()
}

/// Origin, parent, similarity and the kept version for every document of every story.
/// `labels` come from [`crate::cluster::cluster`]; `active[i]` is false for empty documents.
pub fn assign(
    corpus: &Corpus,
    labels: &[u32],
    edges: &[Edge],
    rank: &[u32],
    policy: KeepPolicy,
    active: &[bool],
    headlines: &Headlines,
) -> Vec<Assignment> {
    let n = labels.len();
    let origin_of = origins(labels, rank);
    // Parent: the earlier neighbour in the same story that explains most of this version
    // (its share of this version's shingles, in steps of 0.1: finer is noise), and among
    // those the earliest, since republishers mostly copy the original (parent accuracy on
    // wire_dev 0.903, against 0.791 for the highest containment).
    let key = |late: u32, early: u32, s: &Similarity| {
        let share = s.shared as f32 / corpus.set(late as usize).len().max(1) as f32;
        (
            (share * 10.0).round() as u32,
            std::cmp::Reverse(rank[early as usize]),
        )
    };
    // Each version's earlier neighbours in its story, in the order of the edges.
    let in_story = || {
        edges
            .iter()
            .filter(|e| labels[e.a as usize] == labels[e.b as usize])
    };
    let late = |e: &Edge| {
        if rank[e.a as usize] < rank[e.b as usize] {
            (e.b, e.a)
        } else {
            (e.a, e.b)
        }
    };
    let neighbours = crate::cluster::Grouped::new(
        n,
        in_story().map(|e| late(e).0 as usize),
        in_story().map(|e| {
            let (late, early) = late(e);
            (late as usize, (early, e.sim))
        }),
        (0, Similarity::of(&[], &[])),
    );
    // The origin is always a candidate parent, verified edge or not: most republishers copy
    // it, and a heavily cut copy is often too unlike it for LSH to have paired them (parent
    // accuracy 0.921 -> 0.926 on wire_dev; all earlier versions as candidates gave no more).
    let origin_option: Vec<Option<(u32, Similarity)>> = (0..n)
        .into_par_iter()
        .map(|d| {
            let o = origin_of[labels[d] as usize];
            let listed = neighbours.get(d).iter().any(|&(q, _)| q == o);
            (o != d as u32 && active[d] && !listed)
                .then(|| (o, Similarity::of(corpus.set(d), corpus.set(o as usize))))
        })
        .collect();
    let options = |d: usize| neighbours.get(d).iter().copied().chain(origin_option[d]);
    let mut best: Vec<Option<(u32, Similarity)>> = (0..n)
        .into_par_iter()
        .map(|late| {
            let mut best = None;
            for (early, sim) in options(late) {
                let better = match best {
                    None => true,
                    Some((p, s)) => key(late as u32, early, &sim) > key(late as u32, p, &s),
                };
                if better {
                    best = Some((early, sim));
                }
            }
            best
        })
        .collect();
    // Shared edits: a version that carries what only another earlier version has (its own
    // paragraph, its substituted words: at least 5% of the version) was copied from that
    // version, not from the one that merely explains as much of it (wire_dev parent
    // accuracy 0.907; most remaining errors are copies of a cut republication, attributed
    // to the original they are equally contained in).
    // (Independent per version, and a scan of three sets each: in parallel.)
    let better: Vec<Option<(u32, Similarity)>> = (0..n)
        .into_par_iter()
        .map(|d| {
            let (p0, s0) = best[d]?;
            let floor = key(d as u32, p0, &s0).0;
            let need = (corpus.set(d).len() / 20).max(3);
            let mut choice = None;
            let mut most = need - 1;
            // The shingles of this version its parent does not explain, once some other
            // earlier version could (a headline printed in the text is not an edit: two
            // outlets that both print the same headline would otherwise look like one
            // copying the other).
            let mut rest: Option<Vec<u32>> = None;
            // What another version carries is at most what the parent leaves unexplained,
            // and at most what it shares with this one: most versions are near-whole copies
            // of their parent, and need not be scanned at all.
            let open = corpus.set(d).len() - s0.shared as usize;
            for (q, s) in options(d).filter(|_| open >= need) {
                if (s.shared as usize) < need || q == p0 || key(d as u32, q, &s).0 < floor {
                    continue;
                }
                let rest = rest.get_or_insert_with(|| {
                    let title = corpus.docs[d]
                        .title
                        .as_deref()
                        .map_or_else(Vec::new, headlines.shingles);
                    unexplained(corpus.set(d), corpus.set(p0 as usize), &title)
                });
                let gain = crate::shingle::intersection(rest, corpus.set(q as usize));
                if gain > most {
                    most = gain;
                    choice = Some((q, s));
                }
            }
            // A shared headline edit: a version whose headline (less its own outlet's suffix)
            // is another outlet's rewritten headline, not its parent's, copied that outlet
            // (wire_dev parent accuracy 0.913 -> 0.926, a held-out wiresim seed 0.908 ->
            // 0.924). The same outlet's versions share a headline style, so they don't count.
            if choice.is_none() {
                let less_outlet = title_key_less_outlet(corpus, d);
                let titles = &headlines.keys;
                let t = less_outlet.as_deref().unwrap_or(&titles[d]);
                if !t.is_empty() && titles[p0 as usize] != t {
                    choice = options(d)
                        .filter(|&(q, s)| {
                            q != p0
                                && key(d as u32, q, &s).0 >= floor
                                && titles[q as usize] == t
                                && corpus.docs[q as usize].source != corpus.docs[d].source
                        })
                        .min_by_key(|&(q, _)| rank[q as usize]);
                }
            }
            choice
        })
        .collect();
    for (b, c) in best.iter_mut().zip(better) {
        if c.is_some() {
            *b = c;
        }
    }
    let kept = kept_versions(corpus, labels, rank, &origin_of, policy);
    (0..n)
        .map(|i| {
            let l = labels[i] as usize;
            let origin = origin_of[l];
            let (parent, similarity) = if origin == i as u32 {
                (None, None)
            } else {
                let (p, s) = best[i].unwrap_or_else(|| {
                    (
                        origin,
                        Similarity::of(corpus.set(i), corpus.set(origin as usize)),
                    )
                });
                (Some(p), Some(s.containment))
            };
            Assignment {
                cluster: origin,
                parent,
                similarity,
                duplicate: kept[l] != i as u32,
                empty: !active[i] && corpus.docs[i].junk.is_none(),
                junk: corpus.docs[i].junk,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Similarity;
    use proptest::prelude::*;

    fn set(v: Vec<u32>) -> Vec<u32> {
        let mut v = v;
        v.sort_unstable();
        v.dedup();
        v
    }

    proptest! {
        // What another version carries is counted as: shingles of `d` in `q`, not in the
        // parent `p`, not in the headline `skip`.
        #[test]
        fn unexplained_then_intersection_counts_what_q_carries(
            d in proptest::collection::vec(0u32..300, 0..120),
            q in proptest::collection::vec(0u32..300, 0..120),
            p in proptest::collection::vec(0u32..300, 0..120),
            skip in proptest::collection::vec(0u32..300, 0..10),
        ) {
            let (d, q, p, skip) = (set(d), set(q), set(p), set(skip));
            let naive = d
                .iter()
                .filter(|x| q.contains(x) && !p.contains(x) && !skip.contains(x))
                .count();
            let rest = unexplained(&d, &p, &skip);
            prop_assert!(rest.windows(2).all(|w| w[0] < w[1]));
            prop_assert_eq!(crate::shingle::intersection(&rest, &q), naive);
        }
    }

    fn doc(id: &str, date: Option<&str>, len: u32) -> DocInfo {
        DocInfo {
            id: id.into(),
            title: None,
            date: date.and_then(crate::date::parse),
            len,
            source: None,
            input: 0,
            line: 0,
            junk: None,
        }
    }

    #[test]
    fn dated_versions_first_then_undated_in_input_order() {
        let docs = [
            doc("a", None, 1),
            doc("b", Some("2024-05-02"), 1),
            doc("c", Some("2024-05-01"), 1),
            doc("d", None, 1),
            // Before 1970 (a negative time) and a tie (input order).
            doc("e", Some("1969-07-20"), 1),
            doc("f", Some("2024-05-02"), 1),
        ];
        assert_eq!(time_order(&docs), vec![4, 2, 1, 5, 0, 3]);
    }

    #[test]
    fn origin_parent_and_kept_version() {
        let mut corpus = Corpus::new();
        corpus.push(doc("late", Some("2024-05-03"), 900), &[1, 2, 3, 4, 5, 6]);
        corpus.push(doc("origin", Some("2024-05-01"), 500), &[1, 2, 3, 4, 5]);
        corpus.push(doc("copy", Some("2024-05-02"), 300), &[1, 2, 3]);
        let sim = |a: &[u32], b: &[u32]| Similarity::of(a, b);
        let edges = [
            Edge {
                a: 0,
                b: 1,
                sim: sim(corpus.set(0), corpus.set(1)),
            },
            Edge {
                a: 1,
                b: 2,
                sim: sim(corpus.set(1), corpus.set(2)),
            },
        ];
        let rank = time_order(&corpus.docs);
        let labels = [0, 0, 0];
        let a = assign(
            &corpus,
            &labels,
            &edges,
            &rank,
            KeepPolicy::Earliest,
            &[true; 3],
            &Headlines {
                keys: title_keys(&corpus),
                shingles: &|_| Vec::new(),
            },
        );
        assert_eq!(a[1].cluster, 1, "the earliest version is the origin");
        assert_eq!((a[1].parent, a[1].duplicate), (None, false));
        assert_eq!(a[0].parent, Some(1));
        assert_eq!(a[2].parent, Some(1));
        assert!(a[0].duplicate && a[2].duplicate);
        let b = assign(
            &corpus,
            &labels,
            &edges,
            &rank,
            KeepPolicy::Longest,
            &[true; 3],
            &Headlines {
                keys: title_keys(&corpus),
                shingles: &|_| Vec::new(),
            },
        );
        assert!(
            !b[0].duplicate && b[1].duplicate,
            "the longest version is kept"
        );
        // Without parents: the same stories, origins and kept versions; every later
        // version's parent is the origin.
        for (policy, full) in [(KeepPolicy::Earliest, &a), (KeepPolicy::Longest, &b)] {
            let o = assign_origins(&corpus, &labels, &rank, policy, &[true, true, false]);
            for (o, f) in o.iter().zip(full.iter()) {
                assert_eq!((o.cluster, o.duplicate), (f.cluster, f.duplicate));
                assert_eq!(o.similarity, None);
            }
            let parents: Vec<Option<u32>> = o.iter().map(|x| x.parent).collect();
            assert_eq!(parents, [Some(1), None, Some(1)]);
            assert!(!o[0].empty && o[2].empty);
        }
    }

    /// The wire original, a cut republication with a rewritten headline, and a copy of that
    /// cut with the same headline from `copier`: LSH paired the copy with the cut only.
    fn lineage(copier: &str) -> Vec<Assignment> {
        let mut corpus = Corpus::new();
        let mut add = |id: &str, date: &str, title: &str, source: Option<&str>, n: u32| {
            let mut d = doc(id, Some(date), n * 10);
            d.title = Some(title.into());
            d.source = source.map(|s| corpus.intern_source(s));
            corpus.push(d, &(1..=n).collect::<Vec<u32>>());
        };
        add("wire", "2024-05-01", "Plan approved", None, 20);
        add(
            "cut",
            "2024-05-02",
            "Breaking: Plan approved",
            Some("Gazette"),
            15,
        );
        let title = format!("Breaking: plan approved | {copier}");
        add("copy", "2024-05-03", &title, Some(copier), 15);
        let edge = |a: u32, b: u32| Edge {
            a,
            b,
            sim: Similarity::of(corpus.set(a as usize), corpus.set(b as usize)),
        };
        let edges = [edge(0, 1), edge(1, 2)];
        let rank = time_order(&corpus.docs);
        let policy = KeepPolicy::Earliest;
        let headlines = Headlines {
            keys: title_keys(&corpus),
            shingles: &|_: &str| Vec::new(),
        };
        assign(
            &corpus, &[0; 3], &edges, &rank, policy, &[true; 3], &headlines,
        )
    }

    #[test]
    fn a_copied_headline_rewrite_names_the_parent() {
        assert_eq!(lineage("Herald")[2].parent, Some(1));
    }

    #[test]
    fn the_origin_is_a_candidate_without_an_edge_and_one_outlet_style_is_no_evidence() {
        // The same outlet restyles every headline alike: equal containment, so the earliest.
        assert_eq!(lineage("Gazette")[2].parent, Some(0));
    }
}
