//! Verification of candidate pairs on their real (boilerplate-discounted) shingle sets.
//!
//! Republishers cut a story's tail, so a faithful copy can share only a fraction of the
//! original's shingles: Jaccard punishes that, containment (the share of the smaller version
//! found in the larger) does not. But containment alone is fooled by different stories that
//! share a background paragraph or a quote: a short text that is half one shared paragraph is
//! "half contained" in the other story. The decision therefore weighs four measures in one
//! evidence score, a logistic model fitted on the development corpora (simulated syndication,
//! real OCR'd reprints, and a large corpus of stories remixed from shared sentences):
//!
//! ```text
//! score = 8.9·containment + 3.7·jaccard + 2.2·ln(shared) − 3.6·ln(larger) + 9.2
//! ```
//!
//! with `shared` and `larger` (the larger version's size) counted in shingles of the full text
//! (sampled counts are scaled back). A pair is one story when its score reaches
//! [`Rule::min_score`]: much of the smaller version is found in the larger, and what is shared
//! is a large part of the story, not one paragraph of a long one.

use crate::corpus::Corpus;
use crate::mem::prefetch;
use crate::shingle::intersection;
use rayon::prelude::*;
use std::ops::Range;

/// How much two versions share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// Shared shingles.
    pub shared: u32,
    /// Size of the larger set.
    pub larger: u32,
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
            larger: a.len().max(b.len()) as u32,
            containment: shared as f32 / small as f32,
            jaccard: shared as f32 / union as f32,
        }
    }
}

/// When a pair counts as one story.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Containment below this is never one story.
    pub min_containment: f32,
    /// Fewer shared (stored) shingles than this is never one story.
    pub min_shared: u32,
    /// The evidence score a pair needs (see the module documentation).
    pub min_score: f32,
    /// How many shingles of the text each stored shingle stands for (2^sample).
    pub scale: f32,
}

impl Rule {
    /// The evidence that `s` is one story (see the module documentation).
    pub fn score(&self, s: &Similarity) -> f32 {
        self.score_of(s, |x| self.ln(x))
    }

    /// The score, with `ln(x)` for [`Rule::ln`].
    #[inline(always)]
    fn score_of(&self, s: &Similarity, ln: impl Fn(u32) -> f32) -> f32 {
        8.9 * s.containment + 3.7 * s.jaccard + 2.2 * ln(s.shared) - 3.6 * ln(s.larger) + 9.2
    }

    /// The logarithm of a shingle count of the full text (`count` stored shingles).
    #[inline]
    fn ln(&self, count: u32) -> f32 {
        (count as f32 * self.scale + 1.0).ln()
    }

    /// True when `s` passes the rule.
    pub fn accepts(&self, s: &Similarity) -> bool {
        self.accepts_with(s, |x| self.ln(x))
    }

    /// [`Rule::accepts`], with `ln(x)` for [`Rule::ln`].
    #[inline(always)]
    fn accepts_with(&self, s: &Similarity, ln: impl Fn(u32) -> f32) -> bool {
        s.containment >= self.min_containment
            && s.shared >= self.min_shared
            && self.score_of(s, ln) >= self.min_score
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

impl Rule {
    /// False when the MinHash signatures of two sets of sizes `len_a` and `len_b` show,
    /// beyond reasonable doubt, that the pair cannot pass the rule: most
    /// LSH candidates are such chance collisions, and comparing two signatures costs far
    /// less than intersecting two sets.
    pub fn may_accept<T: PartialEq>(
        &self,
        sig_a: &[T],
        sig_b: &[T],
        len_a: usize,
        len_b: usize,
    ) -> bool {
        self.screen(sig_a, sig_b, len_a, len_b, j_high, |x| self.ln(x))
    }

    /// [`Rule::may_accept`], with `high(equal, values, sigmas)` for the highest plausible
    /// Jaccard of `equal` equal values of `values`, and `ln(x)` for [`Rule::ln`]. Most
    /// candidates are chance collisions, and reading two signatures from memory is what this
    /// costs (12.7 GB at 200,000 documents): a quarter of each tells most of them apart first,
    /// with a wider margin since it is a smaller sample.
    #[inline(always)]
    fn screen<T: PartialEq>(
        &self,
        sig_a: &[T],
        sig_b: &[T],
        len_a: usize,
        len_b: usize,
        high: impl Fn(usize, usize, f64) -> f64,
        ln: impl Fn(u32) -> f32 + Copy,
    ) -> bool {
        let k = sig_a.len();
        if k >= QUARTER_FROM {
            let q = k / 4;
            let eq = crate::minhash::matches(&sig_a[..q], &sig_b[..q]);
            if !self.may_accept_below(high(eq, q, QUARTER_SIGMAS), len_a, len_b, ln) {
                return false;
            }
        }
        let eq = crate::minhash::matches(sig_a, sig_b);
        self.may_accept_below(high(eq, k, WHOLE_SIGMAS), len_a, len_b, ln)
    }

    /// The test of [`Rule::may_accept`] for the pair's highest plausible Jaccard `j_high`.
    #[inline(always)]
    fn may_accept_below(
        &self,
        j_high: f64,
        len_a: usize,
        len_b: usize,
        ln: impl Fn(u32) -> f32,
    ) -> bool {
        // The shared count and containment that Jaccard implies for these sizes; the score
        // grows with all three, so the pair's best case is the score of these bounds.
        let small = len_a.min(len_b).max(1) as f64;
        let shared = (j_high * (len_a + len_b) as f64 / (1.0 + j_high)).min(small);
        // `shared.ceil()` without a call (`ceil` is a library call below SSE 4.1).
        let whole = shared as u32;
        let best = Similarity {
            shared: whole + u32::from(f64::from(whole) < shared),
            larger: len_a.max(len_b) as u32,
            containment: (shared / small) as f32,
            jaccard: j_high as f32,
        };
        self.accepts_with(&best, ln)
    }
}

/// The highest plausible Jaccard when `equal` of `values` signature values agree: the
/// estimate plus `sigmas` standard deviations (floored so that a zero estimate still leaves
/// room), plus one signature position of rounding.
fn j_high(equal: usize, values: usize, sigmas: f64) -> f64 {
    let j = equal as f64 / values.max(1) as f64;
    let k = values as f64;
    (j + sigmas * (j.max(0.02) * (1.0 - j) / k).sqrt() + 1.0 / k).min(1.0)
}

/// Standard deviations of margin the screen gives the Jaccard its signatures estimate, on
/// the first quarter and on the whole. A pair right at the rule's boundary is let through
/// 99.4% of the time at 2.5; pairs that pass at all are mostly well above it. The whole
/// test at 2.5 instead of 3: 4 rows of 200,000 changed (F1 0.9742 -> 0.9741), none on
/// `wire_dev` or `ocr_dev`, and verify took 0.52 s instead of 0.57 (fewer chance candidates
/// intersected). The quarter test stays at 4: on 32 values a cut an eighth of its story's
/// size shows a handful of matches at most, and at 3.5 the screen lost such a pair (the
/// anchors test in `tests/cli.rs`).
const QUARTER_SIGMAS: f64 = 4.0;
/// See [`QUARTER_SIGMAS`].
const WHOLE_SIGMAS: f64 = 2.5;

/// Signatures of at least this many values are screened on their first quarter first.
const QUARTER_FROM: usize = 128;

/// [`Rule::may_accept`] for signatures of `k` values, with its arithmetic done once: the
/// bound for each possible number of equal values, and the logarithms of small counts, in
/// tables. It screens some 20 million signature pairs at 200,000 documents, and a square root,
/// two logarithms and a rounding call per pair were a third of it. Same answers
/// (`screen_answers_as_the_rule` tests it).
#[derive(Debug, Clone)]
pub struct Screen {
    rule: Rule,
    k: usize,
    /// `j_high` by the number of equal values among the first quarter (empty below 128
    /// values, where there is no quarter test).
    quarter: Vec<f64>,
    /// `j_high` by the number of equal values among all `k`.
    whole: Vec<f64>,
    /// [`Rule::ln`] of the counts below its length.
    ln: Vec<f32>,
}

impl Screen {
    /// The screen of `rule` for signatures of `k` values.
    pub fn new(rule: Rule, k: usize) -> Screen {
        let table = |k: usize, sigmas: f64| -> Vec<f64> {
            (0..=k).map(|eq| j_high(eq, k, sigmas)).collect()
        };
        Screen {
            rule,
            k,
            quarter: if k >= QUARTER_FROM {
                table(k / 4, QUARTER_SIGMAS)
            } else {
                Vec::new()
            },
            whole: table(k, WHOLE_SIGMAS),
            ln: (0..4096).map(|x| rule.ln(x)).collect(),
        }
    }

    #[inline(always)]
    fn ln(&self, x: u32) -> f32 {
        match self.ln.get(x as usize) {
            Some(&v) => v,
            None => self.rule.ln(x),
        }
    }

    /// [`Rule::may_accept`] for two signatures of the screen's `k` values.
    #[inline]
    pub fn may_accept<T: PartialEq>(
        &self,
        sig_a: &[T],
        sig_b: &[T],
        len_a: usize,
        len_b: usize,
    ) -> bool {
        debug_assert!(sig_a.len() == self.k && sig_b.len() == self.k);
        let high = |eq: usize, n: usize, _| {
            if n == self.k {
                self.whole[eq]
            } else {
                self.quarter[eq]
            }
        };
        self.rule
            .screen(sig_a, sig_b, len_a, len_b, high, |x| self.ln(x))
    }
}

/// Checks every candidate pair and keeps those the rule accepts, in the candidates' order.
/// With `signatures` (`k` values or fingerprints per document, as a flat slice) pairs that
/// clearly cannot pass are dropped before their sets are intersected.
pub fn verify<T: PartialEq + Sync>(
    corpus: &Corpus,
    candidates: &[(u32, u32)],
    rule: Rule,
    signatures: Option<(&[T], usize)>,
) -> Vec<Edge> {
    // Candidates pair documents at random, so screening them waits on memory: the
    // signatures of the pair `AHEAD` places on are requested while this one is screened.
    const AHEAD: usize = 8;
    let signatures = signatures.map(|(sigs, k)| (sigs, k, Screen::new(rule, k)));
    let chunks: Vec<Vec<Edge>> = candidates
        .par_chunks(1024)
        .map(|chunk| {
            let mut out = Vec::new();
            for (i, &(a, b)) in chunk.iter().enumerate() {
                let (sa, sb) = (corpus.set(a as usize), corpus.set(b as usize));
                if let Some((sigs, k, screen)) = &signatures {
                    let k = *k;
                    if let Some(&(na, nb)) = chunk.get(i + AHEAD) {
                        prefetch(&sigs[na as usize * k..(na as usize + 1) * k]);
                        prefetch(&sigs[nb as usize * k..(nb as usize + 1) * k]);
                    }
                    let (a, b) = (a as usize, b as usize);
                    if !screen.may_accept(
                        &sigs[a * k..(a + 1) * k],
                        &sigs[b * k..(b + 1) * k],
                        sa.len(),
                        sb.len(),
                    ) {
                        continue;
                    }
                }
                let sim = Similarity::of(sa, sb);
                if rule.accepts(&sim) {
                    out.push(Edge { a, b, sim });
                }
            }
            out
        })
        .collect();
    chunks.concat()
}

/// The low byte of each signature fingerprint, to screen candidates on: half the memory
/// read at random per pair (millions of pairs at 200,000 documents), and since equal
/// fingerprints have equal low bytes, a screen on them only lets more pairs through to the
/// exact test (2 of 200,000 rows changed, F1 up by 0.00003; verify 0.69-0.71 -> 0.65-0.69 s).
pub fn screen_bytes(fps: &[u16]) -> Vec<u8> {
    let mut low = vec![0u8; fps.len()];
    crate::mem::huge_pages(&mut low);
    low.par_chunks_mut(1 << 16)
        .zip(fps.par_chunks(1 << 16))
        .for_each(|(l, f)| {
            for (l, &f) in l.iter_mut().zip(f) {
                *l = f as u8;
            }
        });
    low
}

/// Finds the candidate pairs of `buckets` and of `anchors` and checks them, document by
/// document (see [`crate::lsh::Buckets`]): returns the pairs the rule accepts, ordered by
/// `(a, b)`, and the number of candidates. Screening by `signatures` is as in [`verify`].
pub fn verify_buckets<T: PartialEq + Sync>(
    corpus: &Corpus,
    buckets: &crate::lsh::Buckets,
    anchors: &crate::anchor::Mates,
    rule: Rule,
    signatures: Option<(&[T], usize)>,
) -> (Vec<Edge>, usize) {
    const DOCS: usize = 256;
    let n = buckets.len();
    let task = BucketTask {
        corpus,
        buckets,
        anchors,
        rule,
        lens: (0..n).map(|i| corpus.set(i).len() as u32).collect(),
        signatures: signatures.map(|(sigs, k)| (sigs, k, Screen::new(rule, k))),
    };
    // Each worker thread keeps one `seen` array (4 bytes per document) that the chunks it
    // runs take in turn, so the chunks can be small: the threads take them up to the end. A
    // `seen` array per job needed jobs of about 12,000 documents, and the last one ran alone
    // for a tenth of a second at 200,000 documents.
    type Scratch = (Vec<u32>, Vec<u32>, Vec<u32>);
    let scratch: Vec<std::sync::Mutex<Scratch>> = (0..rayon::current_num_threads())
        .map(|_| Default::default())
        .collect();
    let chunks: Vec<(Vec<Edge>, usize)> = (0..n.div_ceil(DOCS))
        .into_par_iter()
        // Later documents have more earlier mates, so the last chunks are the heaviest: in
        // runs of at most four, a thread left without work takes them from the other (rayon
        // otherwise runs a quarter of the range as one job; one thread verified alone for
        // the last 50-75 ms at 200,000 documents).
        .with_max_len(4)
        .map(|chunk| {
            let slot = rayon::current_thread_index().unwrap_or(0) % scratch.len();
            // Chunks do not nest, so a thread's own scratch is free; were it not, a fresh
            // one does as well.
            let mut own = Scratch::default();
            let mut guard = scratch[slot].try_lock().ok();
            let (seen, mates, passed) = match guard.as_deref_mut() {
                Some(s) => s,
                None => &mut own,
            };
            if seen.is_empty() {
                seen.resize(n, u32::MAX);
            }
            let docs = chunk * DOCS..n.min((chunk + 1) * DOCS);
            let mut out = Vec::new();
            let scratch = (&mut seen[..], mates, passed, &mut out);
            #[cfg(target_arch = "x86_64")]
            let count = if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 was just detected.
                unsafe { check_docs_avx2(&task, docs, scratch) }
            } else {
                check_docs(&task, docs, scratch)
            };
            #[cfg(not(target_arch = "x86_64"))]
            let count = check_docs(&task, docs, scratch);
            (out, count)
        })
        .collect();
    let count = chunks.iter().map(|(_, c)| c).sum();
    // The chunks hold the edges ordered by (b, a); placed by `a` in that order (a counting
    // sort, stable), they are ordered by (a, b). Concatenating the chunks and sorting a
    // million edges took 60 ms at 200,000 documents, the first 20 on one thread.
    let mut starts = vec![0usize; n + 1];
    for (es, _) in &chunks {
        for e in es {
            starts[e.a as usize + 1] += 1;
        }
    }
    for d in 0..n {
        starts[d + 1] += starts[d];
    }
    let placeholder = Edge {
        a: 0,
        b: 0,
        sim: Similarity::of(&[], &[]),
    };
    let mut edges = vec![placeholder; starts[n]];
    for (es, _) in chunks {
        for e in es {
            let at = &mut starts[e.a as usize];
            edges[*at] = e;
            *at += 1;
        }
    }
    (edges, count)
}

/// What [`verify_buckets`] checks, shared by its chunks.
struct BucketTask<'a, T> {
    corpus: &'a Corpus,
    buckets: &'a crate::lsh::Buckets,
    anchors: &'a crate::anchor::Mates,
    rule: Rule,
    /// Each document's set size, read at random while screening.
    lens: Vec<u32>,
    signatures: Option<(&'a [T], usize, Screen)>,
}

/// [`check_docs`] compiled for AVX2: comparing signatures (the screen of twelve million
/// candidates at 200,000 documents) then takes half the vector instructions.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn check_docs_avx2<T: PartialEq>(
    task: &BucketTask<T>,
    docs: Range<usize>,
    scratch: DocScratch,
) -> usize {
    check_docs(task, docs, scratch)
}

/// What [`check_docs`] works in: the `seen` marks, the mates and those that pass the screen,
/// and the accepted pairs it appends to.
type DocScratch<'a> = (
    &'a mut [u32],
    &'a mut Vec<u32>,
    &'a mut Vec<u32>,
    &'a mut Vec<Edge>,
);

/// Checks the earlier mates of each document of `docs` (see [`verify_buckets`]): appends the
/// accepted pairs to `out`, document by document, and returns the number of candidates.
#[inline(always)]
fn check_docs<T: PartialEq>(
    task: &BucketTask<T>,
    docs: Range<usize>,
    (seen, mates, passed, out): DocScratch,
) -> usize {
    // A document's own data stays in cache; its mates' are random reads, each requested
    // before it is needed: first their sizes and signatures, `AHEAD` mates on, to screen
    // them, then the sets of those that pass, `SET_AHEAD` on, to intersect them. A set is
    // requested whole (up to 4 KB): requesting its first 128 bytes eight sets on left the
    // intersection waiting on the rest, its first loads the top stall of the stage (0.07 s
    // of 1.3 s at 200,000 documents).
    const AHEAD: usize = 8;
    const SET_AHEAD: usize = 2;
    const SET_PREFETCH: usize = 1024;
    let BucketTask {
        corpus,
        buckets,
        anchors,
        rule,
        ref lens,
        ref signatures,
    } = *task;
    let mut count = 0;
    for b in docs {
        mates.clear();
        buckets.earlier(b, seen, mates);
        for &a in anchors.earlier(b) {
            if seen[a as usize] != b as u32 {
                seen[a as usize] = b as u32;
                mates.push(a);
            }
        }
        count += mates.len();
        let sb = corpus.set(b);
        passed.clear();
        match signatures {
            &Some((sigs, k, ref screen)) => {
                for (i, &a) in mates.iter().enumerate() {
                    if let Some(&next) = mates.get(i + AHEAD) {
                        let next = next as usize;
                        prefetch(&lens[next..next + 1]);
                        prefetch(&sigs[next * k..(next + 1) * k]);
                        corpus.prefetch_bounds(next);
                    }
                    let x = a as usize;
                    if screen.may_accept(
                        &sigs[x * k..(x + 1) * k],
                        &sigs[b * k..(b + 1) * k],
                        lens[x] as usize,
                        sb.len(),
                    ) {
                        passed.push(a);
                    }
                }
            }
            None => passed.extend_from_slice(mates),
        }
        let first = out.len();
        for (i, &a) in passed.iter().enumerate() {
            if let Some(&next) = passed.get(i + SET_AHEAD) {
                let set = corpus.set(next as usize);
                prefetch(&set[..set.len().min(SET_PREFETCH)]);
            }
            let sim = Similarity::of(corpus.set(a as usize), sb);
            if rule.accepts(&sim) {
                out.push(Edge {
                    a,
                    b: b as u32,
                    sim,
                });
            }
        }
        out[first..].sort_unstable_by_key(|e| e.a);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule {
        min_containment: 0.25,
        min_shared: 5,
        min_score: 2.0,
        scale: 2.0,
    };

    #[test]
    fn screen_answers_as_the_rule() {
        // Signature pairs agreeing on every share of their values, at sizes from tiny to
        // beyond the logarithm table, for both screens (with and without the quarter test).
        let mut next = crate::testutil::xorshift(0x2545_f491_4f6c_dd1d);
        let lens = [
            1, 2, 5, 20, 60, 150, 400, 1000, 2500, 4095, 4096, 9000, 30000,
        ];
        let mut passed = [0; 2];
        for k in [64, 256] {
            let screen = Screen::new(RULE, k);
            for agree in 0..=32 {
                let a: Vec<u16> = (0..k).map(|_| next() as u16).collect();
                let b: Vec<u16> = a
                    .iter()
                    .map(|&v| if next() % 32 < agree { v } else { v ^ 1 })
                    .collect();
                for &la in &lens {
                    for &lb in &lens {
                        let answer = screen.may_accept(&a, &b, la, lb);
                        assert_eq!(
                            answer,
                            RULE.may_accept(&a, &b, la, lb),
                            "k {k}, agree {agree}/32, sizes {la} {lb}"
                        );
                        passed[usize::from(answer)] += 1;
                    }
                }
            }
        }
        assert!(passed[0] > 1000 && passed[1] > 1000, "{passed:?}");
    }

    #[test]
    fn the_screen_on_low_bytes_passes_every_pair_the_full_one_does() {
        let mut next = crate::testutil::xorshift(0x9e37_79b9_7f4a_7c15);
        let screen = Screen::new(RULE, 128);
        let mut passed = 0;
        for agree in 0..=32 {
            let a: Vec<u16> = (0..128).map(|_| next() as u16).collect();
            // Disagreeing values often share their low byte: the low screen sees more matches.
            let b: Vec<u16> = a
                .iter()
                .map(|&v| match next() % 32 {
                    x if x < agree => v,
                    x if x % 2 == 0 => v ^ 0x100,
                    _ => v ^ 1,
                })
                .collect();
            let (la, lb) = (screen_bytes(&a), screen_bytes(&b));
            assert_eq!(la, a.iter().map(|&v| v as u8).collect::<Vec<_>>());
            for (x, y) in [(40, 60), (100, 900), (300, 320), (2000, 150)] {
                let full = screen.may_accept(&a, &b, x, y);
                assert!(
                    !full || screen.may_accept(&la, &lb, x, y),
                    "{agree} {x} {y}"
                );
                passed += usize::from(full);
            }
        }
        assert!(passed > 10, "{passed}");
    }

    #[test]
    fn a_cut_copy_is_contained() {
        let original: Vec<u32> = (0..400).collect();
        let cut: Vec<u32> = (0..150).collect();
        let s = Similarity::of(&original, &cut);
        assert_eq!((s.shared, s.larger), (150, 400));
        assert_eq!(s.containment, 1.0);
        assert!((s.jaccard - 0.375).abs() < 1e-6);
        assert!(RULE.accepts(&s), "score {}", RULE.score(&s));
        assert!(
            !RULE.accepts(&Similarity::of(&[1, 2, 3], &[1, 2, 3])),
            "too few shared"
        );
    }

    #[test]
    fn the_signature_prefilter_keeps_what_could_pass() {
        use crate::minhash::{MinHasher, Scheme};
        let h = MinHasher::new(128, Scheme::OnePermutation, 7);
        let sig = |s: &[u32]| {
            let mut v = vec![0; 128];
            h.signature(s, &mut v);
            v
        };
        // A version cut to a quarter, fully contained in the original: low Jaccard, but one
        // story, so it must not be dropped.
        let long: Vec<u32> = (0..1200).map(|x| x * 3).collect();
        let short: Vec<u32> = (0..300).map(|x| x * 3).collect();
        assert!(RULE.accepts(&Similarity::of(&long, &short)));
        assert!(RULE.may_accept(&sig(&long), &sig(&short), 1200, 300));
        // Two unrelated sets of equal size are dropped.
        let other: Vec<u32> = (0..1200).map(|x| x * 3 + 1).collect();
        assert!(!RULE.may_accept(&sig(&long), &sig(&other), 1200, 1200));
    }

    #[test]
    fn checking_buckets_document_by_document_equals_checking_their_pairs() {
        use crate::corpus::{Corpus, DocInfo};
        use crate::lsh::{self, Bands, Buckets};
        use crate::minhash::{fingerprint, MinHasher, Scheme};
        // Two hundred stories, each whole, cut to half and lightly changed (pairs to
        // accept), and a fourth text sharing one paragraph with it and the rest with the next
        // story (pairs to reject): 800 documents, several chunks for each thread to take in
        // turn with its one `seen` array.
        let mut corpus = Corpus::new();
        for story in 0..200u32 {
            let base: Vec<u32> = (0..300).map(|x| story * 100_000 + x * 7).collect();
            let neighbour = (story + 1) * 100_000;
            let versions = [
                base.clone(),
                base[..150].to_vec(),
                base.iter()
                    .map(|&x| if x % 10 == 0 { x + 1 } else { x })
                    .collect(),
                base[..100]
                    .iter()
                    .copied()
                    .chain((0..200).map(|x| neighbour + x * 7))
                    .collect(),
            ];
            for mut set in versions {
                set.sort_unstable();
                set.dedup();
                corpus.push(DocInfo::new(""), &set);
            }
        }
        let (k, bands) = (64, Bands { bands: 32, rows: 2 });
        let h = MinHasher::new(k, Scheme::OnePermutation, 3);
        let mut sig = vec![0u32; k];
        let fps: Vec<u16> = (0..corpus.len())
            .flat_map(|i| {
                h.signature(corpus.set(i), &mut sig);
                sig.iter().map(|&v| fingerprint(v)).collect::<Vec<_>>()
            })
            .collect();
        let key = |d: usize, b: usize| lsh::fingerprint_band_key(&fps[d * k..], bands, b);
        let active = vec![true; corpus.len()];
        let buckets = Buckets::new(key, bands.bands, &active);
        let pairs = buckets.pairs();
        let (edges, count) = verify_buckets(
            &corpus,
            &buckets,
            &Default::default(),
            RULE,
            Some((&fps, k)),
        );
        assert_eq!(count, pairs.len());
        assert_eq!(edges, verify(&corpus, &pairs, RULE, Some((&fps, k))));
        assert!(edges.len() >= 200 * 3, "{} edges", edges.len());
        assert!(edges.len() < pairs.len(), "some candidates are rejected");
    }

    #[test]
    fn one_shared_paragraph_is_not_one_story() {
        // A 300-shingle story and a 400-shingle one sharing a 120-shingle paragraph.
        let a: Vec<u32> = (0..300).collect();
        let b: Vec<u32> = (180..580).collect();
        let s = Similarity::of(&a, &b);
        assert!((s.containment - 0.4).abs() < 1e-6);
        assert!(!RULE.accepts(&s), "score {}", RULE.score(&s));
        // The same story with a tenth of its shingles changed by noise is one story.
        let c: Vec<u32> = (0..270).chain(1000..1030).collect();
        assert!(RULE.accepts(&Similarity::of(&a, &c)));
    }
}
