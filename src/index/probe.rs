//! A batch against an index: the batch goes through the dedup pipeline (with the index's
//! boilerplate joined to its own), then its band keys are looked up in the index's bucket
//! pages and every candidate is verified on the stored shingle samples.

use super::buckets;
use super::overlap::overlapped;
use super::store;
use super::{sample, sample_bound, Params};
use crate::boilerplate::{outlet_boilerplate_of, widespread, Boilerplate, OUTLET_SAMPLE};
use crate::corpus::Corpus;
use crate::dedup::{self, Dedup, Options, Stats};
use crate::error::Result;
use crate::lsh::{self, Bands};
use crate::verify::{Rule, Similarity};
use rayon::prelude::*;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// At most this many matches are kept per document (the best).
pub const MAX_MATCHES: usize = 5;

/// A bucket key shared by more stored documents than this is a stock text (an empty
/// template, a repeated notice): only its first ones become candidates.
const WIDE_KEY: usize = 64;

/// In a large index an indexed document becomes a candidate of a batch document only when
/// they share two band keys (of an index with at least 32 bands). One shared band of 117 is
/// what chance gives two different stories that share a sentence or two, and such pairs grow
/// with the index times the batch: 20,000 checked against 200,000 indexed gave 2.4 million
/// candidates, four in five sharing one band, 99.7% failing verification. Two shared bands
/// still find a pair at Jaccard 0.2 95% of the time (`benches/index.py`: index verification
/// 0.64 -> 0.24 s, precision 0.986 -> 0.987, recall 0.989 -> 0.988). Below
/// [`LARGE_INDEX`] documents candidates are few and every one is verified (on `wire_dev`
/// split by date, two bands would lose 1 of 920 duplicates).
const MIN_SHARED_BANDS: usize = 2;
const LARGE_INDEX: u32 = 20_000;

/// How many band keys a batch document and an indexed one must share to be a candidate pair,
/// for an index that has numbered `indexed` documents with `bands` bands.
fn min_shared_bands(indexed: u32, bands: usize) -> usize {
    if indexed >= LARGE_INDEX && bands >= 32 {
        MIN_SHARED_BANDS
    } else {
        1
    }
}

/// Parts of the indexed documents' number range [`SharedKeys`] spreads its pairs over.
const PART_BITS: u32 = 10;

/// The (indexed, batch) document pairs found under shared band keys, once per key, counted
/// to keep those that share enough keys. The pairs are spread as they come over
/// 2^[`PART_BITS`] parts by the indexed document's top bits: each part, a few thousand pairs,
/// is then sorted in cache, the parts in parallel, and the parts in order are the pairs in
/// order. One sort of the few million pairs of a check took 80 ms of its lookup.
struct SharedKeys {
    parts: Vec<Vec<u64>>,
    /// Indexed document `s` goes to part `s >> shift` (the last part takes any beyond).
    shift: u32,
    /// Bits of a batch document number: a pair is `indexed << batch_bits | batch`.
    batch_bits: u32,
}

impl SharedKeys {
    /// Pairs of indexed documents numbered up to about `last` with `batch` batch documents.
    fn new(last: u32, batch: usize) -> Self {
        let bits = u32::BITS - last.leading_zeros();
        let shift = bits.saturating_sub(PART_BITS);
        SharedKeys {
            parts: vec![Vec::new(); ((last >> shift) as usize + 1).min(1 << PART_BITS)],
            shift,
            batch_bits: (usize::BITS - batch.leading_zeros()).max(1),
        }
    }

    /// One shared key of indexed document `indexed` and batch document `batch`.
    #[inline]
    fn push(&mut self, indexed: u32, batch: u32) {
        let last = self.parts.len() - 1;
        let part = ((indexed >> self.shift) as usize).min(last);
        self.parts[part].push(u64::from(indexed) << self.batch_bits | u64::from(batch));
    }

    /// The distinct pairs found at least `min` times, sorted.
    #[cfg(test)]
    fn at_least(self, min: usize) -> Vec<(u32, u32)> {
        Self::at_least_of(vec![self], min)
    }

    /// [`SharedKeys::at_least`] of the pairs of all of `all` (made for the same documents):
    /// each part is put together from all of them in parallel, as it is sorted.
    fn at_least_of(all: Vec<SharedKeys>, min: usize) -> Vec<(u32, u32)> {
        let Some(first) = all.first() else {
            return Vec::new();
        };
        let (bits, mask) = (first.batch_bits, (1u64 << first.batch_bits) - 1);
        // Within a part only the indexed document's low `shift` bits and the batch
        // document's vary: in 24 bits or fewer (200,000 indexed, 20,000 in the batch: 23),
        // three radix passes of a byte sort a part of a few thousand pairs in half the time
        // of a comparison sort, and this sort is what the index verification waits for.
        let varying = first.shift + first.batch_bits;
        let mut columns: Vec<Vec<Vec<u64>>> = vec![Vec::new(); first.parts.len()];
        for keys in all {
            for (column, part) in columns.iter_mut().zip(keys.parts) {
                column.push(part);
            }
        }
        let parts: Vec<Vec<(u32, u32)>> = columns
            .into_par_iter()
            .map(|mut column| {
                let mut keys = if column.len() == 1 {
                    column.pop().expect("one part")
                } else {
                    column.concat()
                };
                if varying <= 24 {
                    crate::shingle::radix_passes::<_, 3, 256>(&mut keys, |k| k as u32);
                }
                // (A part past the last number read can hold more: then it is sorted whole.)
                if !keys.is_sorted() {
                    keys.sort_unstable();
                }
                keys.chunk_by(|a, b| a == b)
                    .filter(|run| run.len() >= min)
                    .map(|run| ((run[0] >> bits) as u32, (run[0] & mask) as u32))
                    .collect()
            })
            .collect();
        parts.concat()
    }
}

/// Raw pages the index keeps per outlet to learn its boilerplate from (a fixed cost of about
/// 60 KB per outlet; with a batch's own pages, enough to see what is on a fifth of them).
const KEPT_OUTLET_PAGES: usize = 16;

/// Sampled evidence is judged this many standard deviations below its estimate.
const CONFIDENCE_Z: f32 = 1.5;

/// Share of a new version its indexed match must explain (dedup's attach linkage uses the
/// same 0.3 for an earlier version).
const MIN_OWN_SHARE: f32 = 0.3;

/// Documents of a batch sampled to learn its own corpus-wide boilerplate.
const INDEX_WIDESPREAD_SAMPLE: usize = 5000;

/// Indexed documents read per round of verification (bounds memory whatever the index size).
const DOC_CHUNK: usize = 8192;

/// An indexed document a batch document was verified against.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Its number in the index.
    pub n: u32,
    /// Its id.
    pub id: String,
    /// Its story (the number of the story's first indexed version).
    pub story: i64,
    /// Its text length in bytes.
    pub length: u32,
    /// Estimated Jaccard similarity of the two discounted sets.
    pub similarity: f32,
    /// Estimated share of the smaller version found in the larger.
    pub containment: f32,
    /// Verification evidence ([`Rule::score`]).
    pub score: f32,
}

/// An earlier document of the same batch that tells the same story.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchMatch {
    /// Its position in the batch.
    pub doc: u32,
    /// Jaccard similarity of the two discounted sets.
    pub similarity: f32,
    /// Share of the smaller version found in the larger.
    pub containment: f32,
}

/// A batch processed against an index.
#[derive(Debug)]
pub struct Probe {
    /// The batch clustered on its own (discounted sets, one assignment per document).
    pub dedup: Dedup,
    /// Per batch document, the indexed documents it was verified against, best first.
    pub index: Vec<Vec<Match>>,
    /// The corpus-wide boilerplate used: the index's joined to the batch's, sorted.
    pub widespread: Vec<u32>,
    /// The boilerplate both sides of an index comparison are discounted with.
    boilerplate: Boilerplate,
    /// Per batch document, the sample of its raw set discounted like the indexed samples are
    /// (none against an empty index).
    samples: FlatSamples,
    /// Raw shingle sets of outlet pages the index should keep to learn from: (outlet, slot,
    /// set), up to [`KEPT_OUTLET_PAGES`] per outlet.
    pub new_pages: Vec<KeptPage>,
    /// Candidate pairs (batch document, indexed document) from the buckets.
    pub candidates: usize,
    /// The verification rule of the batch's own pairs.
    rule: Rule,
}

/// A raw outlet page the index keeps to learn from: (outlet, slot, set).
type KeptPage = (String, u32, Vec<u32>);

/// The pages to learn outlet boilerplate from, by outlet of the batch `c`: up to
/// [`OUTLET_SAMPLE`] evenly spaced pages of the outlet in the batch (before discounting),
/// then the pages the index kept of it. Also returns the batch pages the index should keep,
/// filling each outlet's [`KEPT_OUTLET_PAGES`] slots.
fn outlet_learning_pages<'a>(
    c: &'a Corpus,
    stored: &'a HashMap<String, Vec<Vec<u32>>>,
) -> (Vec<Vec<&'a [u32]>>, Vec<KeptPage>) {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); c.sources.len()];
    for (i, d) in c.docs.iter().enumerate() {
        if let Some(s) = d.source {
            if !c.set(i).is_empty() {
                members[s as usize].push(i);
            }
        }
    }
    let mut keep = Vec::new();
    let mut learn = Vec::with_capacity(members.len());
    for (s, docs) in members.iter().enumerate() {
        let name = &c.sources[s];
        let old = stored.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let step = docs.len().div_ceil(OUTLET_SAMPLE).max(1);
        let picked: Vec<usize> = docs.iter().copied().step_by(step).collect();
        learn.push(
            picked
                .iter()
                .map(|&i| c.set(i))
                .chain(old.iter().map(Vec::as_slice))
                .collect(),
        );
        let free = KEPT_OUTLET_PAGES.saturating_sub(old.len());
        keep.extend(
            picked
                .iter()
                .take(free)
                .enumerate()
                .map(|(j, &i)| (name.clone(), (old.len() + j) as u32, c.set(i).to_vec())),
        );
    }
    (learn, keep)
}

impl Probe {
    /// Runs the batch `corpus` through the pipeline and against the index behind `conn`
    /// (`path` names it in errors). `store_entries`, when given, is handed the batch's bucket
    /// entries once they are looked up, while the batch's own stories are still being found.
    pub fn run(
        conn: &Connection,
        path: &Path,
        params: &Params,
        corpus: Corpus,
        opts: &Options,
        mut stats: Stats,
        store_entries: Option<StoreEntries>,
    ) -> Result<Probe> {
        let stored_wide = store::widespread(conn, path)?;
        let pages = store::outlet_pages(conn, path, &corpus.sources)?;
        let mut new_pages = Vec::new();
        let bands = Bands {
            bands: params.bands,
            rows: params.rows,
        };
        let mut kept_widespread = Vec::new();
        let entries = std::cell::Cell::new(None);
        let boilerplate = std::sync::OnceLock::<Boilerplate>::new();
        // Samples of the raw sets, discounted like the indexed ones (not needed against an
        // empty index).
        let samples = std::sync::Mutex::new(Vec::<Vec<u32>>::new());
        let flat = std::sync::OnceLock::<FlatSamples>::new();
        let against_index = store::has_documents(conn, path)?;
        let last = store::last_number(conn, path);
        let mut looked_up: Result<Vec<(u32, u32)>> = Ok(Vec::new());
        let (mut build_time, mut lookup_time) = Default::default();
        let (mut stored, mut store_time) = (Ok(()), std::time::Duration::ZERO);
        // Reading the index waits on the database, and so does writing the batch's entries
        // into it: both run beside the batch's own verification (against an empty index
        // there is nothing to read).
        let beside = against_index || store_entries.is_some();
        let cut = params.sample_cut();
        let dedup = dedup::cluster_corpus_with(
            corpus,
            opts,
            std::mem::take(&mut stats),
            |c, df| {
                // An outlet's boilerplate is learned from its pages in this batch and the raw
                // pages of it the index kept, so a batch with few of its pages still knows
                // its header and footer.
                let (learn, keep) = outlet_learning_pages(c, &pages);
                new_pages = keep;
                // The index brings the archive's stock phrases: a smaller sample finds the
                // batch's own (a 20,000-document sample costs half a second).
                let mut wide = widespread(c, df, INDEX_WIDESPREAD_SAMPLE);
                wide.extend(stored_wide.iter().copied());
                let outlets = outlet_boilerplate_of(&learn);
                // Indexed samples were discounted with what was known when they were added:
                // they are discounted again with what is known now, like the batch, so an
                // indexed copy of a document compares as identical to it.
                let b = Boilerplate::from_sets(wide, outlets);
                if against_index {
                    *samples.lock().expect("not poisoned") = (0..c.len())
                        .into_par_iter()
                        .map(|i| sample(c.set(i), cut).to_vec())
                        .collect();
                }
                boilerplate.set(b.clone()).expect("learned once");
                kept_widespread = b.widespread_sorted();
                b
            },
            // The batch's band keys in the index's layout, when there is something to do
            // with them.
            beside.then_some(|_: &Corpus, columns: lsh::BandColumns| {
                let t = Instant::now();
                entries.set(Some(PageEntries::from_columns(columns, params.page_bits)));
                build_time = t.elapsed();
            }),
            // Looked up in the index and stored into it while the batch's own stories are
            // found.
            beside.then_some(|c: &Corpus| {
                // Taken, so that they are gone as soon as they are stored.
                let entries = entries.take().expect("the entries are built first");
                let t = Instant::now();
                rayon::in_place_scope(|s| {
                    // The pool, done with the batch's own stories before the lookup ends,
                    // discounts the samples meanwhile. The scope ends when that is done too:
                    // a pool busy with a large batch takes the job up only after it, so the
                    // lookup and the store go first and nothing waits that need not.
                    if against_index {
                        s.spawn(|_| {
                            let b = boilerplate.get().expect("learned before");
                            let mut samples = samples.lock().expect("not poisoned");
                            samples.par_iter_mut().enumerate().for_each(|(i, v)| {
                                let kept = b.discount(v, &mut [], c.docs[i].source);
                                v.truncate(kept);
                            });
                            // Laid out here, not on the lookup thread after it.
                            flat.set(FlatSamples::new(&std::mem::take(&mut *samples), cut))
                                .expect("laid out once");
                        });
                    }
                    looked_up = last.and_then(|last| {
                        let min_shared = min_shared_bands(last, bands.bands);
                        let size = (last, c.len());
                        let bits = params.page_bits;
                        candidates(conn, path, &entries, bits, size, min_shared, LOOKUP_PIECE)
                    });
                    lookup_time = t.elapsed();
                    if let Some(store) = store_entries {
                        let t = Instant::now();
                        stored = store(&entries);
                        store_time = t.elapsed();
                    }
                });
            }),
        )?;
        stored?;
        let mut probe = Probe {
            index: vec![Vec::new(); dedup.corpus.len()],
            dedup,
            widespread: kept_widespread,
            boilerplate: boilerplate.into_inner().unwrap_or_default(),
            samples: flat
                .into_inner()
                .unwrap_or_else(|| FlatSamples::new(&[], params.sample_cut())),
            new_pages,
            candidates: 0,
            rule: Rule {
                scale: (1u32 << opts.sample) as f32,
                ..opts.rule
            },
        };
        let candidates = looked_up?;
        probe.candidates = candidates.len();
        probe
            .dedup
            .stats
            .timings
            .push(("index lookup", build_time + lookup_time));
        if store_time > std::time::Duration::ZERO {
            probe
                .dedup
                .stats
                .timings
                .push(("store entries", store_time));
        }
        let t = Instant::now();
        probe.verify(conn, path, params, opts, &candidates)?;
        probe
            .dedup
            .stats
            .timings
            .push(("index verify", t.elapsed()));
        Ok(probe)
    }

    /// Verifies the candidates on the stored samples, reading the indexed documents in chunks.
    fn verify(
        &mut self,
        conn: &Connection,
        path: &Path,
        params: &Params,
        opts: &Options,
        candidates: &[(u32, u32)],
    ) -> Result<()> {
        let cut = params.sample_cut();
        let corpus = &self.dedup.corpus;
        let boilerplate = &self.boilerplate;
        let outlet_of: HashMap<&str, u32> = corpus
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i as u32))
            .collect();
        // Both sides go through the same discount of a sample: the same text gives the same
        // set, whatever the index knew when it was added.
        let samples = &self.samples;
        // The indexed documents named, each once, and where their candidates start (a
        // binary search of all the candidates per document was two cache misses a step).
        let (mut ns, mut starts) = (Vec::new(), Vec::new());
        for (i, c) in candidates.iter().enumerate() {
            if ns.last() != Some(&c.0) {
                ns.push(c.0);
                starts.push(i);
            }
        }
        starts.push(candidates.len());
        let starts = &starts;
        let outlet_of = &outlet_of;
        let compare_chunk = |round: &Round| -> Vec<(u32, Match)> {
            round
                .docs
                .par_iter()
                .with_min_len(64)
                // Each stored sample is discounted in a buffer the thread reuses (a vector a
                // document, freed at once, was most of this stage's allocations).
                .map_init(Vec::new, |theirs: &mut Vec<u32>, stored| {
                    let (from, to) = (starts[stored.k], starts[stored.k + 1]);
                    let source = stored
                        .source
                        .map(|r| round.text(r))
                        .and_then(|s| outlet_of.get(s).copied());
                    theirs.clear();
                    theirs.extend_from_slice(round.sample(stored));
                    let kept = boilerplate.discount(theirs, &mut [], source);
                    theirs.truncate(kept);
                    let bound = sample_bound(theirs, cut);
                    (from..to)
                        .filter_map(|c| {
                            // The batch's samples are read at random: each is asked for ahead.
                            if let Some(&(_, next)) = candidates.get(c + SAMPLE_AHEAD) {
                                samples.prefetch(next as usize);
                            }
                            let (n, d) = candidates[c];
                            let (ours, our_bound) = samples.get(d as usize);
                            let (sim, score) = compare(ours, our_bound, theirs, bound, opts)?;
                            Some((
                                d,
                                Match {
                                    n,
                                    id: round.text(stored.id).to_string(),
                                    story: stored.story,
                                    length: stored.length,
                                    similarity: sim.jaccard,
                                    containment: sim.containment,
                                    score,
                                },
                            ))
                        })
                        .collect::<Vec<_>>()
                })
                .flatten_iter()
                .collect()
        };
        let mut found: Vec<(u32, Match)> = Vec::new();
        // Two rounds' buffers, taking turns: one read while the other is compared.
        let (mut pending, mut next) = (Round::default(), Round::default());
        for (c, chunk) in ns.chunks(DOC_CHUNK).enumerate() {
            // Documents arrive in number order, as the candidates are sorted; a removed one is
            // simply missing (its bucket entries stay until the page is next rewritten). This
            // thread reads the next chunk from the database while the pool compares the last.
            next.clear();
            let mut compared = Vec::new();
            let mut at = 0;
            let read = rayon::in_place_scope(|s| {
                s.spawn(|_| compared = compare_chunk(&pending));
                store::for_each_doc(conn, path, chunk, |d| {
                    while chunk[at] < d.n {
                        at += 1;
                    }
                    next.push(c * DOC_CHUNK + at, &d);
                })
            });
            read?;
            found.append(&mut compared);
            std::mem::swap(&mut pending, &mut next);
        }
        found.append(&mut compare_chunk(&pending));
        for (d, m) in found {
            self.index[d as usize].push(m);
        }
        for ms in &mut self.index {
            ms.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.n.cmp(&b.n)));
            ms.truncate(MAX_MATCHES);
        }
        Ok(())
    }

    /// Per batch document, the earlier documents of the batch (input order) in its story,
    /// most similar first.
    pub fn batch_matches(&self) -> Vec<Vec<BatchMatch>> {
        let d = &self.dedup;
        // Only versions the rule accepts directly are evidence: the clustering may have
        // joined a version through a third one it shares nothing with. The story's first
        // versions and the version's own parent are enough evidence; comparing with every
        // earlier version of a 40-version story is not worth it.
        const FIRST: usize = 8;
        let mut firsts: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, a) in d.assignments.iter().enumerate() {
            if !a.empty {
                let members = firsts.entry(a.cluster).or_default();
                if members.len() < FIRST {
                    members.push(i as u32);
                }
            }
        }
        (0..d.corpus.len())
            .into_par_iter()
            .map(|i| {
                let a = &d.assignments[i];
                if a.empty {
                    return Vec::new();
                }
                let firsts = &firsts[&a.cluster];
                let earlier = &firsts[..firsts.partition_point(|&j| (j as usize) < i)];
                let set = d.corpus.set(i);
                let parent = a
                    .parent
                    .filter(|&p| (p as usize) < i && !earlier.contains(&p));
                let mut ms: Vec<BatchMatch> = earlier
                    .iter()
                    .chain(parent.as_ref())
                    .filter_map(|&j| {
                        let s = Similarity::of(d.corpus.set(j as usize), set);
                        self.rule.accepts(&s).then_some(BatchMatch {
                            doc: j,
                            similarity: s.jaccard,
                            containment: s.containment,
                        })
                    })
                    .collect();
                ms.sort_by(|a, b| {
                    b.containment
                        .total_cmp(&a.containment)
                        .then(b.similarity.total_cmp(&a.similarity))
                        .then(a.doc.cmp(&b.doc))
                });
                ms.truncate(3);
                ms
            })
            .collect()
    }
}

/// How many candidates ahead the index verification asks for a batch sample.
const SAMPLE_AHEAD: usize = 4;

/// Stored bucket entries read and handed over to be joined at once (768 KB).
const LOOKUP_PIECE: usize = 1 << 17;

/// Room for a piece's last page beyond [`LOOKUP_PIECE`], so that it seldom grows.
const PAGE_SLACK: usize = 1 << 14;

/// Pieces of stored pages at most at the pool, waiting or being joined (see
/// [`overlapped`]).
const LOOKUP_AHEAD: usize = 4;

/// Stored pages as read, in page order: each row's page and where its raw entries lie in
/// `bytes` (a page stored in several segments has a row from each, one after the other).
#[derive(Default)]
struct StoredPages {
    rows: Vec<(u64, usize, usize)>,
    bytes: Vec<u8>,
}

/// Candidate pairs (indexed document, batch document), sorted and distinct: the stored
/// entries that share at least `min_shared` band keys with the batch. This thread reads the
/// pages, `piece_entries` stored entries at a time ([`LOOKUP_PIECE`]); the pool joins them
/// with the batch's, once it is done with the batch's own stories (the join was three
/// quarters of this thread's lookup while the pool waited).
fn candidates(
    conn: &Connection,
    path: &Path,
    entries: &PageEntries,
    page_bits: u32,
    (last, batch): (u32, usize),
    min_shared: usize,
    piece_entries: usize,
) -> Result<Vec<(u32, u32)>> {
    let pages: Vec<u64> = entries.pages().map(|(page, _)| page).collect();
    // The pairs go to the joining thread's own keys (this one's, or a pool thread's): one
    // set of parts per piece grew a thousand vectors a piece, which took a tenth of a second
    // on one thread to put together.
    let keys: Vec<std::sync::Mutex<SharedKeys>> = (0..=rayon::current_num_threads())
        .map(|_| std::sync::Mutex::new(SharedKeys::new(last, batch)))
        .collect();
    // Pieces go back and forth between this thread and the pool: a fresh megabyte a piece
    // was freshly mapped memory, and freed on another thread.
    let spare = std::sync::Mutex::new(Vec::<StoredPages>::new());
    let join = |mut piece: StoredPages| {
        let own = rayon::current_thread_index().map_or(0, |i| i + 1) % keys.len();
        let mut shared = keys[own].lock().expect("not poisoned");
        if let Some(&(first, ..)) = piece.rows.first() {
            let mut ours_of = entries.pages_from(first).peekable();
            let (mut decoder, mut rows) = (buckets::Decoder::default(), Vec::new());
            for page_rows in piece.rows.chunk_by(|x, y| x.0 == y.0) {
                let page = page_rows[0].0;
                rows.clear();
                rows.extend(
                    page_rows
                        .iter()
                        .map(|&(_, start, end)| &piece.bytes[start..end]),
                );
                // Pages arrive in increasing order, as do the batch's.
                while ours_of.peek().is_some_and(|&(p, _)| p < page) {
                    ours_of.next();
                }
                if let Some(&(p, ours)) = ours_of.peek() {
                    if p == page {
                        join_page(ours, decoder.entries(&rows), &mut shared);
                    }
                }
            }
        }
        piece.rows.clear();
        piece.bytes.clear();
        spare.lock().expect("not poisoned").push(piece);
    };
    let piece_bytes = piece_entries * buckets::ENTRY_BYTES;
    let fresh = || {
        spare
            .lock()
            .expect("not poisoned")
            .pop()
            .unwrap_or_else(|| StoredPages {
                rows: Vec::new(),
                bytes: Vec::with_capacity(piece_bytes + PAGE_SLACK),
            })
    };
    overlapped(LOOKUP_AHEAD, join, |hand| {
        let mut piece = fresh();
        buckets::for_each_page_rows(conn, path, &pages, 1 << page_bits, |page, rows| {
            for row in rows {
                let start = piece.bytes.len();
                piece.bytes.extend_from_slice(row);
                piece.rows.push((page, start, piece.bytes.len()));
            }
            if piece.bytes.len() >= piece_bytes {
                hand(std::mem::replace(&mut piece, fresh()));
            }
        })?;
        hand(piece);
        Ok::<_, crate::Error>(())
    })?;
    let keys = keys
        .into_iter()
        .map(|k| k.into_inner().expect("not poisoned"));
    Ok(SharedKeys::at_least_of(keys.collect(), min_shared))
}

/// Merge join of one page's batch entries `ours` and stored entries on the key bits below
/// the page: each shared key's (indexed, batch) pairs go to `shared`.
fn join_page(ours: &[u64], stored: &[buckets::Entry], shared: &mut SharedKeys) {
    let fine_of = |e: u64| (e >> 32) as u32;
    let (mut i, mut j) = (0, 0);
    while i < ours.len() && j < stored.len() {
        let f = fine_of(ours[i]);
        match f.cmp(&stored[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let i_end = i + ours[i..].iter().take_while(|&&e| fine_of(e) == f).count();
                let j_end = j + stored[j..].iter().take_while(|e| e.0 == f).count();
                for &o in &ours[i..i_end] {
                    for s in stored[j..j_end].iter().take(WIDE_KEY) {
                        shared.push(s.1, o as u32);
                    }
                }
                i = i_end;
                j = j_end;
            }
        }
    }
}

/// What stores a batch's bucket entries into the index (see [`Probe::run`]).
pub type StoreEntries<'a> = &'a mut dyn FnMut(&PageEntries) -> Result<()>;

/// Pages built together by [`PageEntries::from_columns`] (2^[`GROUP_BITS`]): at 200,000
/// documents a group's entries (about 90 KB) stay in cache while they are spread over its
/// pages.
const GROUP_BITS: u32 = 7;
const GROUP_PAGES: usize = 1 << GROUP_BITS;

/// A batch's LSH band keys as the index stores them: for each page (the top `page_bits` bits
/// of a key) the entries `(next 16 key bits) << 32 | document`, sorted; 8 bytes an entry
/// (117 a document).
#[derive(Debug, Default)]
pub struct PageEntries {
    /// Pages with entries, ascending.
    pages: Vec<u64>,
    /// Where each page's entries start in `items` (one more for the end).
    bounds: Vec<usize>,
    items: Vec<u64>,
}

impl PageEntries {
    /// The entries of the band keys of `columns` (LSH's, see [`lsh::BandColumns`]), in
    /// `2^page_bits` pages.
    ///
    /// Each band's column is sorted by key, so the keys of a run of pages are one slice of
    /// every column: pages are built a group of [`GROUP_PAGES`] at a time, in parallel, each
    /// group's entries gathered from the columns, spread over its pages (in cache) and
    /// sorted within them. Hashing every key again and spreading the entries over all pages
    /// of hundreds of megabytes in two passes took twice as long.
    pub fn from_columns(columns: lsh::BandColumns, page_bits: u32) -> Self {
        assert!(
            (GROUP_BITS..=lsh::COLUMN_KEY_BITS - buckets::FINE_BITS).contains(&page_bits),
            "pages of {page_bits} bits"
        );
        let columns = columns.columns;
        // An entry of a column holds the key's top bits where the key has them.
        let (page_of, fine_of) = key_parts(page_bits);
        let groups = 1usize << (page_bits - GROUP_BITS);
        let group_of = |e: u64| (page_of(e) >> GROUP_BITS) as usize;
        // Where each group starts in each column.
        let cuts: Vec<Vec<usize>> = columns
            .par_iter()
            .map(|col| {
                (0..=groups)
                    .map(|g| col.partition_point(|&e| group_of(e) < g))
                    .collect()
            })
            .collect();
        let mut group_starts = Vec::with_capacity(groups + 1);
        let mut total = 0;
        for g in 0..groups {
            group_starts.push(total);
            total += cuts.iter().map(|c| c[g + 1] - c[g]).sum::<usize>();
        }
        group_starts.push(total);
        let mut items = vec![0u64; total];
        let mut pieces = Vec::with_capacity(groups);
        let mut rest = items.as_mut_slice();
        for g in 0..groups {
            let (head, tail) =
                std::mem::take(&mut rest).split_at_mut(group_starts[g + 1] - group_starts[g]);
            pieces.push((g, head));
            rest = tail;
        }
        let page_mask = (1u64 << GROUP_BITS) - 1;
        let counts: Vec<[u32; GROUP_PAGES]> = pieces
            .into_par_iter()
            .map(|(g, out)| {
                let runs = || {
                    cuts.iter()
                        .zip(&columns)
                        .flat_map(|(c, col)| &col[c[g]..c[g + 1]])
                };
                let mut counts = [0u32; GROUP_PAGES];
                for &e in runs() {
                    counts[(page_of(e) & page_mask) as usize] += 1;
                }
                let mut at = [0u32; GROUP_PAGES];
                let mut sum = 0;
                for (a, &c) in at.iter_mut().zip(&counts) {
                    *a = sum;
                    sum += c;
                }
                for &e in runs() {
                    let slot = &mut at[(page_of(e) & page_mask) as usize];
                    out[*slot as usize] = u64::from(fine_of(e)) << 32 | (e & lsh::COLUMN_DOC_MASK);
                    *slot += 1;
                }
                let mut start = 0;
                for &c in &counts {
                    out[start..start + c as usize].sort_unstable();
                    start += c as usize;
                }
                counts
            })
            .collect();
        drop(columns);
        let mut pages = Vec::new();
        let mut bounds = Vec::new();
        let mut at = 0;
        for (g, counts) in counts.iter().enumerate() {
            for (p, &c) in counts.iter().enumerate() {
                if c > 0 {
                    pages.push(((g << GROUP_BITS) + p) as u64);
                    bounds.push(at);
                    at += c as usize;
                }
            }
        }
        bounds.push(total);
        PageEntries {
            pages,
            bounds,
            items,
        }
    }

    /// Each page with entries and its entries, in page order.
    pub fn pages(&self) -> impl Iterator<Item = (u64, &[u64])> + '_ {
        self.pages_from(0)
    }

    /// The pages from `first` on with their entries, in page order.
    fn pages_from(&self, first: u64) -> impl Iterator<Item = (u64, &[u64])> + '_ {
        let from = self.pages.partition_point(|&p| p < first);
        (from..self.pages.len()).map(|i| {
            (
                self.pages[i],
                &self.items[self.bounds[i]..self.bounds[i + 1]],
            )
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Splits a band key into its page (top `page_bits`) and the next [`buckets::FINE_BITS`]
/// bits, which tell the keys of one page apart.
pub(super) fn key_parts(
    page_bits: u32,
) -> (impl Fn(u64) -> u64 + Copy, impl Fn(u64) -> u32 + Copy) {
    let shift = 64 - page_bits;
    (
        move |k: u64| k >> shift,
        move |k: u64| (k >> (shift - buckets::FINE_BITS)) as u32 & buckets::FINE_MASK,
    )
}

/// The indexed documents one round of verification reads, their ids, outlets and samples
/// back to back (a round's buffers are reused by the next but one).
#[derive(Debug, Default)]
struct Round {
    docs: Vec<RoundDoc>,
    /// Ids and outlet names.
    text: String,
    /// Stored samples.
    samples: Vec<u32>,
}

/// One document of a [`Round`]: its place among the documents named, and ranges of the
/// round's buffers.
#[derive(Debug)]
struct RoundDoc {
    k: usize,
    story: i64,
    length: u32,
    id: (usize, usize),
    source: Option<(usize, usize)>,
    sample: (usize, usize),
}

impl Round {
    fn clear(&mut self) {
        self.docs.clear();
        self.text.clear();
        self.samples.clear();
    }

    /// Adds `doc`, the `k`th of the documents named.
    fn push(&mut self, k: usize, doc: &store::StoredDoc) {
        let mut text = |s: &str| {
            let start = self.text.len();
            self.text.push_str(s);
            (start, self.text.len())
        };
        let (id, source) = (text(doc.id), doc.source.map(text));
        let start = self.samples.len();
        self.samples.extend(store::le_u32s(doc.shingles));
        self.docs.push(RoundDoc {
            k,
            story: doc.story,
            length: doc.length,
            id,
            source,
            sample: (start, self.samples.len()),
        });
    }

    fn text(&self, (start, end): (usize, usize)) -> &str {
        &self.text[start..end]
    }

    fn sample(&self, doc: &RoundDoc) -> &[u32] {
        &self.samples[doc.sample.0..doc.sample.1]
    }
}

/// The discounted samples of a batch, one after the other, with their bounds: a candidate is
/// first judged on sizes alone, and these say them without reading the sample (each
/// candidate names a batch document at random, and reading its own vector's header and last
/// value were two cache misses a candidate).
#[derive(Debug)]
struct FlatSamples {
    data: Vec<u32>,
    starts: Vec<usize>,
    bounds: Vec<u64>,
}

impl FlatSamples {
    fn new(samples: &[Vec<u32>], cut: u64) -> Self {
        let mut starts = Vec::with_capacity(samples.len() + 1);
        starts.push(0);
        let mut data = Vec::with_capacity(samples.iter().map(Vec::len).sum());
        for s in samples {
            data.extend_from_slice(s);
            starts.push(data.len());
        }
        FlatSamples {
            data,
            starts,
            bounds: samples.iter().map(|s| sample_bound(s, cut)).collect(),
        }
    }

    /// Asks the cache for sample `i` (its first 64 bytes) and its bound.
    #[inline]
    fn prefetch(&self, i: usize) {
        let start = self.starts[i];
        let end = self.starts[i + 1].min(start + 16);
        crate::mem::prefetch(&self.data[start..end]);
        crate::mem::prefetch(&self.bounds[i..i + 1]);
    }

    /// Sample `i` and its bound.
    #[inline]
    fn get(&self, i: usize) -> (&[u32], u64) {
        (
            &self.data[self.starts[i]..self.starts[i + 1]],
            self.bounds[i],
        )
    }
}

/// Verification of a batch document's sample (`a`, complete below `ta`) against a stored one
/// (`b`, complete below `tb`; see [`sample_bound`]): both are cut at the lower of their
/// bounds (below it both are complete), and the rule weighs the counts scaled to the whole
/// sets, at their lower confidence bounds. Returns the similarity and score when the rule
/// accepts the pair.
fn compare(a: &[u32], ta: u64, b: &[u32], tb: u64, opts: &Options) -> Option<(Similarity, f32)> {
    let t = ta.min(tb);
    // Most samples end below the cut: only a sample extended past it needs trimming.
    let below = |s: &'_ [u32], bound: u64| -> usize {
        if bound > t {
            s.partition_point(|&x| u64::from(x) < t)
        } else {
            s.len()
        }
    };
    let (a, b) = (&a[..below(a, ta)], &b[..below(b, tb)]);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let rate = (1u64 << 32) as f32 / t as f32;
    let rule = Rule {
        scale: (1u32 << opts.sample) as f32 * rate,
        // Two shared sampled shingles at least: one can be chance.
        min_shared: ((opts.rule.min_shared as f32 / rate).ceil() as u32).max(2),
        ..opts.rule
    };
    // Most candidates are chance collisions of very different sizes: even sharing all of the
    // smaller one, they would not pass. That costs nothing to tell.
    let (small, large) = (a.len().min(b.len()) as u32, a.len().max(b.len()) as u32);
    let best = Similarity {
        shared: small,
        larger: large,
        containment: 1.0,
        jaccard: small as f32 / large as f32,
    };
    if !rule.accepts(&best) {
        return None;
    }
    let s = Similarity::of(a, b);
    // Judged on its lower confidence bound: a sample of a short text is small, and stories
    // remixed from shared sentences look alike on a few sampled shingles.
    let lo = |p: f32, n: f32| (p - CONFIDENCE_Z * (p * (1.0 - p) / n.max(1.0)).sqrt()).max(0.0);
    let union = (a.len() + b.len()) as f32 - s.shared as f32;
    let cautious = Similarity {
        shared: (s.shared as f32 - CONFIDENCE_Z * (s.shared as f32).sqrt()).max(0.0) as u32,
        larger: s.larger,
        containment: lo(s.containment, small as f32),
        jaccard: lo(s.jaccard, union),
    };
    // As in dedup's attach linkage, the indexed version must explain a good part of the new
    // one: a long text that contains a short indexed one is not its copy.
    let own_share = lo(s.shared as f32 / a.len() as f32, a.len() as f32);
    (rule.accepts(&cautious) && own_share >= MIN_OWN_SHARE).then(|| (s, rule.score(&cautious)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_index_needs_two_shared_bands_a_small_one_one() {
        assert_eq!(min_shared_bands(LARGE_INDEX, 117), 2);
        assert_eq!(min_shared_bands(LARGE_INDEX - 1, 117), 1);
        // Few bands: one shared band is all a close pair may have.
        assert_eq!(min_shared_bands(1_000_000, 8), 1);
        let shared = |min: usize| {
            let mut keys = SharedKeys::new(3, 10);
            for (n, d) in [(3, 1), (1, 2), (3, 1), (0, 9), (1, 2), (1, 2)] {
                keys.push(n, d);
            }
            keys.at_least(min)
        };
        assert_eq!(shared(2), vec![(1, 2), (3, 1)]);
        assert_eq!(shared(3), vec![(1, 2)]);
        assert_eq!(shared(1), vec![(0, 9), (1, 2), (3, 1)]);
    }

    proptest::proptest! {
        #[test]
        fn shared_keys_count_pairs_in_order(
            pairs in proptest::collection::vec((0u32..5000, 0u32..300), 0..20_000),
            last in 0u32..5000,
            min in 1usize..4,
        ) {
            // Indexed numbers beyond `last` too (the last document may have been removed).
            let mut keys = SharedKeys::new(last, 300);
            for &(n, d) in &pairs {
                keys.push(n, d);
            }
            let mut counts = std::collections::BTreeMap::new();
            for &p in &pairs {
                *counts.entry(p).or_insert(0usize) += 1;
            }
            let expected: Vec<(u32, u32)> =
                counts.into_iter().filter(|&(_, c)| c >= min).map(|(p, _)| p).collect();
            // The same pairs spread over three sets of keys (as three joining threads
            // make them) count together.
            let mut three: Vec<SharedKeys> = (0..3).map(|_| SharedKeys::new(last, 300)).collect();
            for (i, &(n, d)) in pairs.iter().enumerate() {
                three[i * 7 % 3].push(n, d);
            }
            proptest::prop_assert_eq!(keys.at_least(min), expected.clone());
            proptest::prop_assert_eq!(SharedKeys::at_least_of(three, min), expected);
        }
    }

    #[test]
    fn the_lookup_in_pieces_finds_what_one_pass_finds() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(store::SCHEMA).unwrap();
        let path = Path::new("t");
        let page_bits = 8;
        let (page_of, fine_of) = key_parts(page_bits);
        // The batch: 300 documents of 6 bands, their keys drawn from 500 (keys repeat).
        let key = |d: usize, b: usize| crate::shingle::mix64(((d * 7 + b * 13) % 500) as u64);
        let (_, columns) = lsh::Buckets::with_columns(key, 6, &[true; 300], true);
        let entries = PageEntries::from_columns(columns, page_bits);
        // 2,000 stored documents in two segments, a third of their keys from the same 500.
        let mut next = crate::testutil::xorshift(0x9e37_79b9_7f4a_7c15);
        for (from, to) in [(0u32, 1200u32), (1200, 2000)] {
            let mut pages = std::collections::BTreeMap::<u64, Vec<buckets::Entry>>::new();
            for n in from..to {
                for _ in 0..6 {
                    let k = match next() % 3 {
                        0 => crate::shingle::mix64(next() % 500),
                        _ => next(),
                    };
                    pages.entry(page_of(k)).or_default().push((fine_of(k), n));
                }
            }
            let segment = pages.into_iter().map(|(p, mut es)| {
                es.sort_unstable();
                es.dedup();
                (p, es)
            });
            let none = std::collections::HashSet::new();
            buckets::write(&conn, path, segment, u64::from(to - from), &none, false).unwrap();
        }
        // One pass, every page joined in order into one set of keys.
        let one_pass = |min: usize| {
            let pages: Vec<u64> = entries.pages().map(|(p, _)| p).collect();
            let mut ours_of = entries.pages().peekable();
            let mut shared = SharedKeys::new(1999, 300);
            buckets::for_each_page(&conn, path, &pages, 1 << page_bits, |page, stored| {
                while ours_of.peek().is_some_and(|&(p, _)| p < page) {
                    ours_of.next();
                }
                if let Some(&(p, ours)) = ours_of.peek() {
                    if p == page {
                        join_page(ours, stored, &mut shared);
                    }
                }
            })
            .unwrap();
            shared.at_least(min)
        };
        for min in [1, 2] {
            let want = one_pass(min);
            assert!(want.len() > 100, "{} pairs", want.len());
            for piece in [1, 7, 1000, 1 << 20] {
                let size = (1999, 300);
                let got = candidates(&conn, path, &entries, page_bits, size, min, piece).unwrap();
                assert_eq!(got, want, "at least {min}, pieces of {piece} entries");
            }
        }
    }

    #[test]
    fn page_entries_group_every_active_key_by_page_sorted() {
        // Keys crowded (repeats, so buckets) and spread over all bits.
        let key = |d: usize, b: usize| crate::shingle::mix64((d * 7 + b) as u64 / 3);
        let active: Vec<bool> = (0..2000).map(|d| d % 5 != 3).collect();
        // Pages are built a group at a time: one group, a few, and the default.
        for page_bits in [7, 8, 11, 18] {
            let (_, columns) = lsh::Buckets::with_columns(key, 6, &active, true);
            let e = PageEntries::from_columns(columns, page_bits);
            let (page_of, fine_of) = key_parts(page_bits);
            let mut expected: Vec<(u64, u64)> = (0..2000)
                .filter(|&d| active[d])
                .flat_map(|d| (0..6).map(move |b| (d, b)))
                .map(|(d, b)| {
                    (
                        page_of(key(d, b)),
                        u64::from(fine_of(key(d, b))) << 32 | d as u64,
                    )
                })
                .collect();
            expected.sort_unstable();
            let got: Vec<(u64, u64)> = e
                .pages()
                .flat_map(|(p, items)| items.iter().map(move |&i| (p, i)))
                .collect();
            assert_eq!(got, expected, "page bits {page_bits}");
            assert_eq!(e.len(), 1600 * 6);
            assert!(e.pages().all(|(_, items)| !items.is_empty()));
        }
    }

    #[test]
    fn key_parts_split_the_top_bits() {
        let (page, fine) = key_parts(18);
        let k = 0xABCD_EF01_2345_6789u64;
        assert_eq!(page(k), k >> 46);
        assert_eq!(fine(k), ((k >> 30) & 0xFFFF) as u32);
    }

    #[test]
    fn samples_compare_on_their_common_range() {
        let opts = Options::default();
        let whole: Vec<u32> = (0..2000u32).map(|i| i * 2_000_000).collect();
        let cut = 1u64 << 29;
        let a = sample(&whole, cut);
        // A copy cut to its first half (by position in the text: every other shingle here).
        let half: Vec<u32> = whole.iter().copied().step_by(2).collect();
        let b = sample(&half, cut);
        let compare =
            |a: &[u32], b: &[u32]| compare(a, sample_bound(a, cut), b, sample_bound(b, cut), &opts);
        let (s, _) = compare(b, a).expect("a contained copy is accepted");
        assert!(s.containment > 0.99, "{s:?}");
        let other: Vec<u32> = (0..2000u32).map(|i| i * 2_000_000 + 1).collect();
        assert!(compare(sample(&other, cut), a).is_none());
    }
}
