//! Provenance inside a story: versions in time order, the origin, and for each later version
//! the earlier one it most likely derives from.

use crate::corpus::{Corpus, DocInfo};
use crate::dedup::{Assignment, KeepPolicy};
use crate::verify::{Edge, Similarity};

/// Each document's position in time order: dated versions by date, undated ones after them,
/// ties and undated in input order.
pub fn time_order(docs: &[DocInfo]) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..docs.len() as u32).collect();
    idx.sort_by_key(|&i| {
        let d = &docs[i as usize];
        (d.date.is_none(), d.date.unwrap_or(0), i)
    });
    let mut rank = vec![0u32; docs.len()];
    for (r, &i) in idx.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
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
) -> Vec<Assignment> {
    let n = labels.len();
    // The origin of each label: its earliest member.
    let mut origin_of = vec![u32::MAX; n];
    for i in 0..n {
        let l = labels[i] as usize;
        let o = origin_of[l];
        if o == u32::MAX || rank[i] < rank[o as usize] {
            origin_of[l] = i as u32;
        }
    }
    // Parent: the earlier neighbour in the same story that contains most of this version.
    let mut best: Vec<Option<(u32, Similarity)>> = vec![None; n];
    for e in edges {
        if labels[e.a as usize] != labels[e.b as usize] {
            continue;
        }
        let (early, late) = if rank[e.a as usize] < rank[e.b as usize] {
            (e.a, e.b)
        } else {
            (e.b, e.a)
        };
        let better = match best[late as usize] {
            None => true,
            Some((p, s)) => {
                e.sim.containment > s.containment
                    || (e.sim.containment == s.containment
                        && rank[early as usize] < rank[p as usize])
            }
        };
        if better {
            best[late as usize] = Some((early, e.sim));
        }
    }
    // The kept version of each story.
    let mut kept = origin_of.clone();
    if policy == KeepPolicy::Longest {
        for i in 0..n {
            let l = labels[i] as usize;
            let k = kept[l] as usize;
            let (li, lk) = (corpus.docs[i].len, corpus.docs[k].len);
            if li > lk || (li == lk && rank[i] < rank[k]) {
                kept[l] = i as u32;
            }
        }
    }
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
                empty: !active[i],
            }
        })
        .collect()
}
