//! How one version of a story differs from another, in edits a person understands.
//!
//! Paragraphs are aligned first, on their character 4-grams (so a paragraph with a few OCR
//! errors or spelling variants still finds its counterpart); one-to-one, best match first.
//! Paragraphs that keep their counterparts' order are in place, the others moved (the
//! longest increasing run of aligned positions decides). Inside aligned paragraphs the words
//! are diffed with `similar` (patience algorithm, under a deadline so one pathological pair
//! cannot stall a batch). The result is summarised as edits: a cut tail, added or removed
//! paragraphs and boilerplate, moves, a new headline or dateline, changed words, and
//! character noise.

use crate::boilerplate::ShingleHasher;
use crate::normalize::{normalize, NormalizeOptions};
use rayon::prelude::*;
use serde::Serialize;
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::time::{Duration, Instant};
use xxhash_rust::xxh3::xxh3_64;

/// One version: its id, headline and text.
#[derive(Debug, Clone, Copy)]
pub struct Version<'a> {
    /// Id shown in reports.
    pub id: &'a str,
    /// Headline, when known.
    pub title: Option<&'a str>,
    /// Body text.
    pub text: &'a str,
}

impl<'a> Version<'a> {
    /// The version a document is.
    pub fn of(d: &'a crate::doc::Document) -> Self {
        Version {
            id: &d.id,
            title: d.title.as_deref(),
            text: &d.text,
        }
    }
}

/// One edit of B against A.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edit {
    /// The tail of A is gone from B: `paragraphs` whole paragraphs, and `words` words of the
    /// last paragraph B kept.
    Truncated {
        /// Whole paragraphs cut.
        paragraphs: usize,
        /// Words cut from the last kept paragraph.
        words: usize,
    },
    /// B has a paragraph A does not.
    ParagraphAdded {
        /// Its index in B.
        b: usize,
        /// Its first words.
        excerpt: String,
    },
    /// A has a paragraph B does not (not part of a cut tail).
    ParagraphRemoved {
        /// Its index in A.
        a: usize,
        /// Its first words.
        excerpt: String,
    },
    /// A paragraph is in B, but elsewhere in the order.
    ParagraphMoved {
        /// Its index in A.
        a: usize,
        /// Its index in B.
        b: usize,
    },
    /// The headlines differ.
    HeadlineChanged {
        /// A's headline.
        a: String,
        /// B's headline.
        b: String,
    },
    /// Outlet text (header, footer, "Read more") B adds.
    BoilerplateAdded {
        /// Paragraph indices in B.
        b: Vec<usize>,
    },
    /// Outlet text A had and B dropped.
    BoilerplateRemoved {
        /// Paragraph indices in A.
        a: Vec<usize>,
    },
    /// The dateline ("CITY (AGENCY) —") differs.
    DatelineChanged {
        /// A's dateline, empty when none.
        a: String,
        /// B's dateline, empty when none.
        b: String,
    },
    /// Words replaced, inserted or deleted inside aligned paragraphs.
    WordsChanged {
        /// How many words of B are new.
        count: usize,
        /// Up to five `old → new` examples.
        examples: Vec<String>,
    },
    /// Character-level changes (OCR errors, typos, spelling variants): words that changed by
    /// a letter or two.
    Noise {
        /// Words with such changes.
        words: usize,
        /// Share of B's aligned words.
        rate: f64,
    },
}

/// How one paragraph pair (or lone paragraph) aligned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paragraph {
    /// `equal`, `changed`, `moved`, `added`, `removed`, or `continued` (the rest of a
    /// paragraph the version split in two).
    pub op: &'static str,
    /// Index in A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<usize>,
    /// Index in B.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<usize>,
    /// True for outlet boilerplate.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub boilerplate: bool,
    /// Word changes inside an aligned pair: `["-old", "+new", ...]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<String>,
    /// The paragraph as B has it (as A had it, for a removed one).
    pub text: String,
    /// The paragraph as A had it, for a changed or moved pair, or an equal pair written
    /// differently (typography, Unicode form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_text: Option<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// A's id.
    pub a: String,
    /// B's id.
    pub b: String,
    /// Share of the smaller version's shingles found in the other, outlet furniture left
    /// out: the `similarity` of `dedup`'s rows, `check` and the report.
    pub similarity: f64,
    /// The edits, in a fixed order of kinds.
    pub edits: Vec<Edit>,
    /// The aligned paragraphs, in B's order, removed ones where they stood in A.
    pub paragraphs: Vec<Paragraph>,
}

/// A pair of paragraphs is the same paragraph at this share of common character 4-grams
/// (of the shorter one).
const SAME_PARAGRAPH: f64 = 0.5;

/// A paragraph in its place is aligned without a search at this share of common character
/// 4-grams, of either side.
const NEAR_PARAGRAPH: f64 = 0.8;

/// How long the word diff of one paragraph pair may take.
const DEADLINE: Duration = Duration::from_millis(200);

struct Para {
    /// The paragraph normalized: its words, one space apart (see [`Para::words`]).
    norm: String,
    /// How many words it has.
    n_words: usize,
    /// The paragraph's character 4-gram hashes, sorted, once each.
    grams: Vec<u32>,
    /// A hash of its normalized words: identical paragraphs have the same key.
    key: u64,
    boilerplate: bool,
    raw: String,
}

impl Para {
    fn words(&self) -> std::str::Split<'_, char> {
        self.norm.split(' ')
    }
}

/// The paragraphs of a text. Blank lines always end one; a single line break ends one too,
/// unless the line is a long one broken mid-sentence (hard-wrapped text). Republishers mix
/// the two: some keep blank lines, some collapse them, some wrap at 70 columns.
fn paragraph_blocks(text: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    // The previous line, when it may be continued by the next.
    let mut open: Option<&str> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            open = None;
            continue;
        }
        match (blocks.last_mut(), open) {
            (Some(block), Some(prev)) if continues(prev) => {
                block.push(' ');
                block.push_str(line);
            }
            _ => blocks.push(line.to_string()),
        }
        open = Some(line);
    }
    blocks
}

/// True when the line after `line` continues its paragraph: `line` is long (a wrapped line,
/// not a header or a dateline) and does not end a sentence.
fn continues(line: &str) -> bool {
    let ends_sentence = line.chars().next_back().is_some_and(|c| {
        matches!(
            c,
            '.' | '!' | '?' | '"' | '”' | '’' | '\'' | ':' | ')' | '»'
        )
    });
    line.chars().count() >= 40 && !ends_sentence
}

/// Paragraphs an outlet prints on many of its pages (a tips line, an app plug, an audio
/// notice): furniture, whatever their words. Learned from a corpus with [`FurnitureLearner`];
/// the empty default knows none, and only the phrase cues of [`diff`] apply.
#[derive(Debug, Default, Clone)]
pub struct Furniture {
    paragraphs: HashSet<u64>,
}

impl Furniture {
    fn contains(&self, norm: &str) -> bool {
        !self.paragraphs.is_empty() && self.paragraphs.contains(&xxh3_64(norm.as_bytes()))
    }
}

/// Counts the paragraphs of each outlet's first pages. A paragraph is furniture when it is
/// on at least three of them and on a tenth of them: an outlet rarely prints one story
/// three times, and a wire's updates of one story are a small share of its pages.
#[derive(Debug, Default)]
pub struct FurnitureLearner {
    outlets: HashMap<String, (u32, HashMap<u64, u32>)>,
}

impl FurnitureLearner {
    /// Pages per outlet looked at: enough to see its furniture, bounded work and memory.
    pub const PAGES: u32 = 200;

    /// Counts one page of `source` (pages without a known outlet teach nothing).
    pub fn add(&mut self, source: Option<&str>, text: &str) {
        if let Some(source) = source.filter(|s| self.take(Some(s))) {
            self.count(source, Self::page(text));
        }
    }

    /// Whether a page of `source` is one the learner looks at (its outlet's first pages);
    /// when it is, it is counted as looked at, and its [`page`](Self::page) is for
    /// [`count`](Self::count). Cheap: callers decide in corpus order, then compute the
    /// pages in parallel.
    pub fn take(&mut self, source: Option<&str>) -> bool {
        let Some(source) = source else { return false };
        // Called for every page of a corpus: no allocation once an outlet has its sample.
        if self.outlets.get(source).is_some_and(|o| o.0 >= Self::PAGES) {
            return false;
        }
        self.outlets.entry(source.to_string()).or_default().0 += 1;
        true
    }

    /// What a page teaches: its short paragraphs, normalized and hashed, each once.
    pub fn page(text: &str) -> Vec<u64> {
        let mut seen = Vec::new();
        for block in paragraph_blocks(text) {
            let norm = normalize(&block, NormalizeOptions::default());
            if !norm.is_empty() && norm.split(' ').count() < 60 {
                seen.push(xxh3_64(norm.as_bytes()));
            }
        }
        seen.sort_unstable();
        seen.dedup();
        seen
    }

    /// Counts the paragraphs of a page of `source` that [`take`](Self::take) took.
    pub fn count(&mut self, source: &str, page: Vec<u64>) {
        let counts = &mut self.outlets.entry(source.to_string()).or_default().1;
        for h in page {
            *counts.entry(h).or_default() += 1;
        }
    }

    /// The furniture seen.
    pub fn finish(self) -> Furniture {
        let mut paragraphs = HashSet::new();
        for (pages, counts) in self.outlets.into_values() {
            paragraphs.extend(
                counts
                    .into_iter()
                    .filter(|&(_, n)| n >= 3 && n * 10 >= pages)
                    .map(|(h, _)| h),
            );
        }
        Furniture { paragraphs }
    }
}

/// A character 4-gram as a number: its four bytes, spread by a bijection (so hash tables
/// see uniform values, and two 4-grams never collide). A paragraph shorter
/// than a 4-gram is its bytes and their count (normalized text has no control bytes to
/// mistake for the count).
fn gram(w: &[u8]) -> u32 {
    let mut x = if w.len() < 4 {
        (w.len() as u32) << 24
    } else {
        0
    };
    for &b in w {
        x = x << 8 | u32::from(b);
    }
    x = x.wrapping_mul(0x9e37_79b1);
    x ^ x >> 15
}

fn paragraphs(text: &str, furniture: &Furniture) -> Vec<Para> {
    let blocks = paragraph_blocks(text);
    blocks
        .into_par_iter()
        .with_min_len(PARALLEL_MIN)
        .filter_map(|raw| {
            let norm = normalize(&raw, NormalizeOptions::default());
            if norm.is_empty() {
                return None;
            }
            let squeezed: Vec<u8> = norm.bytes().filter(|&b| b != b' ').collect();
            let n_words = norm.split(' ').count();
            let mut grams: Vec<u32> = squeezed.windows(4.min(squeezed.len())).map(gram).collect();
            grams.sort_unstable();
            grams.dedup();
            Some(Para {
                key: xxhash_rust::xxh3::xxh3_64(norm.as_bytes()),
                boilerplate: is_boilerplate(&norm, n_words) || furniture.contains(&norm),
                n_words,
                norm,
                grams,
                // Shown as a reader sees it: entities decoded (the corpus keeps the bytes).
                raw: crate::normalize::decode_entities(raw.trim()).into_owned(),
            })
        })
        .collect()
}

/// Gives each unaligned paragraph of `mine` the partner of a neighbour when that partner
/// (in `theirs`, not itself a continuation) contains it, and marks it a continuation.
fn attach_pieces(
    mine: &[Para],
    theirs: &[Para],
    partner: &mut [Option<usize>],
    cont: &mut [bool],
    their_cont: &[bool],
) {
    for x in 0..mine.len() {
        if partner[x].is_some() {
            continue;
        }
        let neighbour = [x.wrapping_sub(1), x + 1]
            .into_iter()
            .filter(|&k| k < mine.len() && !cont[k])
            .find_map(|k| {
                partner[k]
                    .filter(|&y| !their_cont[y] && overlap(&mine[x], &theirs[y]) >= SAME_PARAGRAPH)
            });
        if let Some(y) = neighbour {
            partner[x] = Some(y);
            cont[x] = true;
        }
    }
}

/// Marks unaligned paragraphs of at most five words before the first or after the last
/// aligned one as boilerplate.
fn mark_mastheads(ps: &[Para], aligned: &[Option<usize>]) -> Vec<bool> {
    let first = aligned.iter().position(Option::is_some).unwrap_or(ps.len());
    let last = aligned.iter().rposition(Option::is_some);
    ps.iter()
        .enumerate()
        .map(|(k, p)| {
            let outside = k < first || last.is_some_and(|l| k > l);
            p.boilerplate || (aligned[k].is_none() && outside && p.n_words <= 5)
        })
        .collect()
}

/// Phrases of outlet furniture: subscription pleas, copyright lines, comment rules, ads.
fn is_boilerplate(norm: &str, n_words: usize) -> bool {
    const CUES: [&str; 19] = [
        "subscribe",
        "newsletter",
        "all rights reserved",
        "copyright",
        "read more",
        "follow ",
        "advertisement",
        "cookies",
        "comments are",
        "comments on this",
        "sign up",
        "share this",
        "related coverage",
        "story continues",
        "free articles",
        "local news you can trust",
        "wire service",
        "edited for length",
        "contributed to this report",
    ];
    n_words < 60 && CUES.iter().any(|c| norm.contains(c))
}

/// Share of the larger paragraph's 4-grams found in the smaller: low when a short line (a
/// headline put in the text) merely echoes a long paragraph.
fn coverage(a: &Para, b: &Para) -> f64 {
    overlap(a, b) * a.grams.len().min(b.grams.len()) as f64
        / a.grams.len().max(b.grams.len()).max(1) as f64
}

/// Candidates per paragraph: the pairs scored are each paragraph's best few by common
/// rare 4-grams, so that aligning long documents is not quadratic in their paragraphs.
const CANDIDATES: usize = 16;

/// Paragraphs (or pairs) per parallel task: a news article's diff stays on one thread.
const PARALLEL_MIN: usize = 256;

/// Same-text paragraphs are aligned before the search when they make at most this many pairs.
const TWINS: usize = 64 * 64;

/// A 4-gram in more of the other side's paragraphs than this does not propose pairs.
const COMMON_GRAM: usize = 32;

/// The paragraph pairs worth scoring among the `open` paragraphs of each side (those not
/// yet aligned), sorted: each paragraph of either side with the paragraphs of the other that
/// share the most of its rare 4-grams (and, when it has few, with those around its place),
/// and repeated identical paragraphs (whose 4-grams may all be common) with their like at
/// the same rank.
fn candidate_pairs(
    pa: &[Para],
    pb: &[Para],
    open_a: &[usize],
    open_b: &[usize],
) -> Vec<(usize, usize)> {
    // A side of at most CANDIDATES paragraphs gives every pair with a 4-gram in common
    // anyway: when there are few pairs, all of them are cheaper than finding them.
    let (na, nb) = (open_a.len(), open_b.len());
    if na.min(nb) <= CANDIDATES && na * nb <= 4 * CANDIDATES * CANDIDATES {
        return open_a
            .iter()
            .flat_map(|&i| open_b.iter().map(move |&j| (i, j)))
            .collect();
    }
    let mut out = Vec::new();
    nearest((pa, open_a), (pb, open_b), |i, j| out.push((i, j)));
    nearest((pb, open_b), (pa, open_a), |j, i| out.push((i, j)));
    let mut same: HashMap<u64, (Vec<usize>, Vec<usize>), BuildHasherDefault<ShingleHasher>> =
        HashMap::default();
    for &i in open_a {
        same.entry(pa[i].key).or_default().0.push(i);
    }
    for &j in open_b {
        if let Some(e) = same.get_mut(&pb[j].key) {
            e.1.push(j);
        }
    }
    for (xs, ys) in same.values() {
        for (r, &i) in xs.iter().enumerate() {
            let near = r.saturating_sub(2)..(r + 3).min(ys.len());
            out.extend(ys.get(near).unwrap_or_default().iter().map(|&j| (i, j)));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Calls `pair(i, j)` for each open paragraph `i` of `mine` and its best candidates `j`
/// among the open paragraphs of `theirs`.
fn nearest(
    (mine, open_mine): (&[Para], &[usize]),
    (theirs, open_theirs): (&[Para], &[usize]),
    mut pair: impl FnMut(usize, usize),
) {
    let mut postings: HashMap<u32, Vec<u32>, BuildHasherDefault<ShingleHasher>> =
        HashMap::default();
    for &j in open_theirs {
        for &g in &theirs[j].grams {
            postings.entry(g).or_default().push(j as u32);
        }
    }
    let found: Vec<Vec<usize>> = open_mine
        .par_iter()
        .with_min_len(PARALLEL_MIN)
        .map_init(
            || (vec![0u32; theirs.len()], Vec::new()),
            |(hits, touched), &i| best_of(i, mine, (theirs, open_theirs), &postings, hits, touched),
        )
        .collect();
    for (&i, js) in open_mine.iter().zip(found) {
        js.into_iter().for_each(|j| pair(i, j));
    }
}

/// The candidates among the open paragraphs of `theirs` of paragraph `i` of `mine` (`hits`
/// all zero, and left so).
fn best_of(
    i: usize,
    mine: &[Para],
    (theirs, open_theirs): (&[Para], &[usize]),
    postings: &HashMap<u32, Vec<u32>, BuildHasherDefault<ShingleHasher>>,
    hits: &mut [u32],
    touched: &mut Vec<usize>,
) -> Vec<usize> {
    let p = &mine[i];
    for g in &p.grams {
        let Some(js) = postings.get(g).filter(|js| js.len() <= COMMON_GRAM) else {
            continue;
        };
        for &j in js {
            let j = j as usize;
            if hits[j] == 0 {
                touched.push(j);
            }
            hits[j] += 1;
        }
    }
    if touched.len() > CANDIDATES {
        // The best: the most of the smaller paragraph's rare 4-grams in common, then the
        // closer position, then the earlier paragraph (a total order: one answer).
        let key = |j: usize| {
            let small = p.grams.len().min(theirs[j].grams.len()).max(1);
            (
                std::cmp::Reverse(hits[j] as u64 * 1_000_000 / small as u64),
                i.abs_diff(j),
                j,
            )
        };
        touched.select_nth_unstable_by_key(CANDIDATES - 1, |&j| key(j));
    }
    let few = touched.len() < CANDIDATES / 4;
    for &j in touched.iter() {
        hits[j] = 0;
    }
    touched.truncate(CANDIDATES);
    let mut out = std::mem::take(touched);
    if few {
        // Few rare 4-grams (a line repeated through the document, with a change): the open
        // paragraphs around its own place are candidates too.
        let at = open_theirs.partition_point(|&j| j * mine.len() < i * theirs.len());
        let near = at.saturating_sub(CANDIDATES / 2)..(at + CANDIDATES / 2).min(open_theirs.len());
        out.extend_from_slice(&open_theirs[near]);
    }
    out
}

fn overlap(a: &Para, b: &Para) -> f64 {
    let small = a.grams.len().min(b.grams.len()).max(1);
    // Both sorted: one merge, without branches the data decides (they mispredict).
    let (mut x, mut y, mut shared) = (0, 0, 0);
    while x < a.grams.len() && y < b.grams.len() {
        let (g, h) = (a.grams[x], b.grams[y]);
        shared += usize::from(g == h);
        x += usize::from(g <= h);
        y += usize::from(h <= g);
    }
    shared as f64 / small as f64
}

/// The dateline at the start of a paragraph: text before the first dash, when it is short
/// and mostly upper case ("LONDON (Reuters) —").
fn dateline(raw: &str) -> Option<String> {
    let cut = ["—", "–", " -- ", " - "]
        .iter()
        .filter_map(|d| raw.find(d))
        .min()?;
    let head = raw[..cut].trim();
    let letters: Vec<char> = head.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    (head.len() <= 48 && !letters.is_empty() && upper * 2 >= letters.len())
        .then(|| head.to_string())
}

/// The similarity of two versions as `dedup` measures it: the share of the smaller one's
/// shingles (the corpus's default shingling of the normalized text) found in the other's,
/// with the paragraphs of outlet furniture left out (as `dedup` discounts boilerplate),
/// to four decimals.
fn similarity((pa, bpa): (&[Para], &[bool]), (pb, bpb): (&[Para], &[bool])) -> f64 {
    let o = crate::dedup::Options::default();
    let set = |ps: &[Para], bp: &[bool]| {
        let body: Vec<&str> = ps
            .iter()
            .zip(bp)
            .filter(|(_, &bp)| !bp)
            .map(|(p, _)| p.norm.as_str())
            .collect();
        let mut set = Vec::new();
        crate::shingle::shingles(&body.join(" "), o.shingle, o.sample, &mut set);
        set
    };
    let (sa, sb) = rayon::join(|| set(pa, bpa), || set(pb, bpb));
    let s = crate::verify::Similarity::of(&sa, &sb);
    crate::output::shown_similarity(s.containment)
}

/// Longest strictly increasing subsequence of `xs`: the positions that keep their order.
/// Of several, the one that ends first, each element preceded by the earliest it can be
/// (patience sorting, O(n log n): documents of thousands of paragraphs).
fn increasing_run(xs: &[usize]) -> Vec<bool> {
    // levels[l]: the positions whose longest run ending there has l + 1 elements, in order;
    // along a level the values never increase (else the later one would be a level up).
    let mut levels: Vec<Vec<usize>> = Vec::new();
    let mut prev = vec![usize::MAX; xs.len()];
    let mut best = (0, 0);
    for (i, &x) in xs.iter().enumerate() {
        let l = levels.partition_point(|lv| xs[*lv.last().expect("never empty")] < x);
        if l > 0 {
            let below = &levels[l - 1];
            prev[i] = below[below.partition_point(|&j| xs[j] >= x)];
        }
        if l == levels.len() {
            levels.push(Vec::new());
        }
        levels[l].push(i);
        if l + 1 > best.0 {
            best = (l + 1, i);
        }
    }
    let mut keep = vec![false; xs.len()];
    if best.0 > 0 {
        let mut i = best.1;
        loop {
            keep[i] = true;
            if prev[i] == usize::MAX {
                break;
            }
            i = prev[i];
        }
    }
    keep
}

/// True when two words differ by a letter or two (OCR errors, typos, spelling variants).
fn is_noise(old: &str, new: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (old.chars().collect(), new.chars().collect());
    if a.len().min(b.len()) < 3 {
        return false;
    }
    // Levenshtein distance with an early exit above 2.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diag + usize::from(ca != cb));
            diag = row[j + 1];
            row[j + 1] = next;
        }
        if row.iter().min().copied().unwrap_or(0) > 2 {
            return false;
        }
    }
    row[b.len()] <= 2
}

/// The word changes of one aligned pair: A's words `wa` (of which the first `kept` are
/// compared: the rest is a cut, shown as removed) against B's words `wb`.
fn word_changes(wa: &[&str], kept: usize, wb: &[&str]) -> Changes {
    let wa_cmp = &wa[..kept];
    let mut c = Changes {
        aligned: wb.len(),
        ..Changes::default()
    };
    let ops = if wa_cmp == wb {
        Vec::new()
    } else {
        // Bounded per pair, so one pathological pair cannot stall a document.
        let deadline = Instant::now() + DEADLINE;
        capture_diff_slices_deadline(Algorithm::Patience, wa_cmp, wb, Some(deadline))
    };
    for op in ops {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                let old = &wa_cmp[old_index..old_index + old_len];
                c.words.extend(old.iter().map(|w| format!("-{w}")));
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                c.changed += new_len;
                let new = &wb[new_index..new_index + new_len];
                c.words.extend(new.iter().map(|w| format!("+{w}")));
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let (old, new) = (
                    &wa_cmp[old_index..old_index + old_len],
                    &wb[new_index..new_index + new_len],
                );
                for (o, n) in old.iter().zip(new) {
                    if is_noise(o, n) {
                        c.noisy += 1;
                    } else {
                        c.changed += 1;
                        if c.examples.len() < 5 {
                            c.examples.push(format!("{o} → {n}"));
                        }
                    }
                }
                c.changed += new_len.saturating_sub(old_len);
                c.words.extend(old.iter().map(|w| format!("-{w}")));
                c.words.extend(new.iter().map(|w| format!("+{w}")));
            }
        }
    }
    // The words the cut took, shown where they were.
    c.words.extend(wa[kept..].iter().map(|w| format!("-{w}")));
    c
}

/// What [`word_changes`] found in one pair.
#[derive(Default)]
struct Changes {
    /// `-old`, `+new` marks.
    words: Vec<String>,
    /// Words of B new or replaced (not noise).
    changed: usize,
    /// Words changed by a letter or two.
    noisy: usize,
    /// B's words in the pair.
    aligned: usize,
    /// Up to five `old → new` examples.
    examples: Vec<String>,
}

/// Compares version `b` against version `a`.
pub fn diff(a: Version, b: Version) -> Report {
    diff_with(a, b, &Furniture::default())
}

/// Compares version `b` against version `a`, knowing the outlet `furniture` of their corpus.
pub fn diff_with(a: Version, b: Version, furniture: &Furniture) -> Report {
    // Side by side: each has a sequential part (finding its paragraphs).
    let (a, b) = rayon::join(
        || Prepared::new(a, furniture),
        || Prepared::new(b, furniture),
    );
    diff_prepared(&a, &b)
}

/// A version made ready for comparison (its paragraphs found, normalized and indexed), for
/// callers that compare one version with several: a story's origin with each republication.
pub struct Prepared<'a> {
    version: Version<'a>,
    paras: Vec<Para>,
}

impl<'a> Prepared<'a> {
    /// Prepares `version`, knowing the outlet `furniture` of its corpus.
    pub fn new(version: Version<'a>, furniture: &Furniture) -> Self {
        Prepared {
            paras: paragraphs(version.text, furniture),
            version,
        }
    }
}

/// The alignments that need no search: paragraphs of the same text, and paragraphs nearly
/// the same in their place. `(a_to_b, b_to_a)`, `None` where the search must look.
fn align_without_search(pa: &[Para], pb: &[Para]) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    // Paragraphs of the same text (normalized) are aligned first, nearest pairs first: no
    // pair can score higher. In a long document most paragraphs are such, and only the rest
    // are searched and scored. (A text repeated very often on both sides is left to the
    // search, which pairs repeats by rank.)
    let mut a_to_b = vec![None; pa.len()];
    let mut b_to_a = vec![None; pb.len()];
    let mut twins: HashMap<u64, [Vec<usize>; 2], BuildHasherDefault<ShingleHasher>> =
        HashMap::default();
    for (side, ps) in [pa, pb].into_iter().enumerate() {
        for (x, p) in ps.iter().enumerate() {
            twins.entry(p.key).or_default()[side].push(x);
        }
    }
    let mut same: Vec<(usize, usize, usize)> = twins
        .into_values()
        .filter(|[xs, ys]| xs.len() * ys.len() <= TWINS)
        .flat_map(|[xs, ys]| {
            xs.into_iter()
                .flat_map(move |i| ys.clone().into_iter().map(move |j| (i.abs_diff(j), i, j)))
        })
        .collect();
    same.sort_unstable();
    for (_, i, j) in same {
        if a_to_b[i].is_none() && b_to_a[j].is_none() {
            a_to_b[i] = Some(j);
            b_to_a[j] = Some(i);
        }
    }
    // A paragraph changed a little (a typo fixed, a word replaced, OCR noise) mostly keeps
    // its place: the open paragraphs at its place in B (the offset of the last aligned pair
    // before it, give or take a paragraph or two) are tried before the search, and the
    // nearest one that is nearly the same both ways is its partner.
    let mut offset = 0isize;
    for i in 0..pa.len() {
        if let Some(j) = a_to_b[i] {
            offset = j as isize - i as isize;
            continue;
        }
        let at = i as isize + offset;
        let p = &pa[i];
        let near = if p.boilerplate { 0.9 } else { NEAR_PARAGRAPH };
        let found = (at - 1..=at + 2)
            .filter_map(|j| usize::try_from(j).ok())
            .filter(|&j| j < pb.len() && b_to_a[j].is_none() && pb[j].boilerplate == p.boilerplate)
            .map(|j| (overlap(p, &pb[j]), j))
            .filter(|&(s, j)| s >= near && coverage(p, &pb[j]) >= near)
            .max_by(|x, y| {
                let off = |j: usize| (j as isize - at).abs();
                x.0.total_cmp(&y.0).then(off(y.1).cmp(&off(x.1)))
            });
        if let Some((_, j)) = found {
            a_to_b[i] = Some(j);
            b_to_a[j] = Some(i);
            offset = j as isize - i as isize;
        }
    }
    (a_to_b, b_to_a)
}

/// Compares prepared version `b` against prepared version `a`: [`diff_with`] without
/// preparing either again.
pub fn diff_prepared(a: &Prepared, b: &Prepared) -> Report {
    compare(a, b, None)
}

/// [`diff_prepared`] of a pair whose similarity is known already: its row's, which
/// discounts the corpus's boilerplate (the diff alone leaves out the furniture it sees).
pub fn diff_prepared_with_similarity(a: &Prepared, b: &Prepared, similarity: f64) -> Report {
    compare(a, b, Some(similarity))
}

fn compare(a: &Prepared, b: &Prepared, known: Option<f64>) -> Report {
    let (pa, pb) = (&a.paras[..], &b.paras[..]);
    let (a, b) = (a.version, b.version);
    let (mut a_to_b, mut b_to_a) = align_without_search(pa, pb);
    let open = |partner: &[Option<usize>]| -> Vec<usize> {
        (0..partner.len())
            .filter(|&x| partner[x].is_none())
            .collect()
    };
    let (open_a, open_b) = (open(&a_to_b), open(&b_to_a));

    // One-to-one alignment, best pairs first (ties: the closer positions).
    let cands = candidate_pairs(pa, pb, &open_a, &open_b);
    let mut pairs: Vec<(f64, usize, usize)> = cands
        .into_par_iter()
        .with_min_len(PARALLEL_MIN)
        .filter_map(|(i, j)| {
            let (p, q) = (&pa[i], &pb[j]);
            // Outlet furniture aligns only with the very same furniture.
            if p.boilerplate != q.boilerplate {
                return None;
            }
            // Coverage is at most the sizes' ratio: most candidates end here, unscored.
            let (small, large) = (
                p.grams.len().min(q.grams.len()),
                p.grams.len().max(q.grams.len()),
            );
            if (small as f64) < 0.25 * large as f64 {
                return None;
            }
            let s = overlap(p, q);
            let same = if p.boilerplate { 0.9 } else { SAME_PARAGRAPH };
            (s >= same && coverage(p, q) >= 0.25).then_some((s, i, j))
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then(
                (x.1 as i64 - x.2 as i64)
                    .abs()
                    .cmp(&(y.1 as i64 - y.2 as i64).abs()),
            )
            .then(x.1.cmp(&y.1))
    });
    for (_, i, j) in pairs {
        if a_to_b[i].is_none() && b_to_a[j].is_none() {
            a_to_b[i] = Some(j);
            b_to_a[j] = Some(i);
        }
    }
    // A paragraph split in two (or two merged into one) leaves a piece without a partner:
    // it continues its neighbour's partner when that contains it.
    let mut cont_b = vec![false; pb.len()];
    let mut cont_a = vec![false; pa.len()];
    attach_pieces(pb, pa, &mut b_to_a, &mut cont_b, &cont_a);
    attach_pieces(pa, pb, &mut a_to_b, &mut cont_a, &cont_b);
    let matched: Vec<(usize, usize)> = (0..pb.len())
        .filter(|&j| !cont_b[j])
        .filter_map(|j| b_to_a[j].map(|i| (i, j)))
        .collect();
    // A few words alone above or below the story (an outlet's name, "Advertisement") are
    // furniture too.
    let (bpa, bpb) = (mark_mastheads(pa, &a_to_b), mark_mastheads(pb, &b_to_a));
    let in_order = increasing_run(&matched.iter().map(|m| m.0).collect::<Vec<_>>());

    let mut edits = Vec::new();
    if let (Some(ta), Some(tb)) = (a.title, b.title) {
        // Typography aside, any change counts, case included ("Title Case" is a rewrite).
        let o = NormalizeOptions {
            case_fold: false,
            ..NormalizeOptions::default()
        };
        if normalize(ta, o) != normalize(tb, o) {
            edits.push(Edit::HeadlineChanged {
                a: crate::normalize::decode_entities(ta).into_owned(),
                b: crate::normalize::decode_entities(tb).into_owned(),
            });
        }
    }
    let first_body = |ps: &[Para], bp: &[bool]| {
        ps.iter()
            .zip(bp)
            .find(|(p, &bp)| !bp && p.n_words >= 8)
            .and_then(|(p, _)| dateline(&p.raw))
    };
    let (da, db) = (first_body(pa, &bpa), first_body(pb, &bpb));
    // Compared as normalized text (NFC against NFD, typography), shown as written.
    let typeset = NormalizeOptions {
        case_fold: false,
        ..NormalizeOptions::default()
    };
    let same = |x: &Option<String>, y: &Option<String>| {
        x.as_deref().map(|d| normalize(d, typeset)) == y.as_deref().map(|d| normalize(d, typeset))
    };
    if !same(&da, &db) {
        edits.push(Edit::DatelineChanged {
            a: da.unwrap_or_default(),
            b: db.unwrap_or_default(),
        });
    }

    // The cut tail: A's body paragraphs after the last one B kept (a republisher may add a
    // paragraph of its own after the cut; that is reported as added).
    let last_kept_a = (0..pa.len())
        .rev()
        .find(|&i| a_to_b[i].is_some() && !bpa[i]);
    let mut tail: Vec<usize> = Vec::new();
    let mut cut_words = 0;
    if let Some(la) = last_kept_a {
        let lb = a_to_b[la].expect("kept");
        tail = (la + 1..pa.len())
            .filter(|&i| !bpa[i] && a_to_b[i].is_none())
            .collect();
        // A word-level cut: B's last kept paragraph is a strict prefix of A's (each with the
        // pieces that continue it, when a side broke the paragraph in two).
        let wa: Vec<&str> = (0..pa.len())
            .filter(|&x| x == la || (cont_a[x] && a_to_b[x] == Some(lb)))
            .flat_map(|x| pa[x].words())
            .collect();
        let wb: Vec<&str> = (0..pb.len())
            .filter(|&y| y == lb || (cont_b[y] && b_to_a[y] == Some(la)))
            .flat_map(|y| pb[y].words())
            .collect();
        if wb.len() < wa.len() && wa[..wb.len()] == wb[..] {
            cut_words = wa.len() - wb.len();
        }
    }
    if !tail.is_empty() || cut_words > 0 {
        edits.push(Edit::Truncated {
            paragraphs: tail.len(),
            words: cut_words,
        });
    }

    let mut paragraphs_out = Vec::new();
    let mut changed = 0;
    let mut noisy = 0;
    let mut aligned_words = 0;
    let mut examples = Vec::new();
    let mut moved = Vec::new();
    // The pieces that continue each paragraph (in order), by the paragraph they continue.
    let pieces = |cont: &[bool], partner: &[Option<usize>], n: usize| {
        let mut by: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (x, p) in partner.iter().enumerate() {
            if let (true, Some(y)) = (cont[x], *p) {
                by[y].push(x);
            }
        }
        by
    };
    let (pieces_a, pieces_b) = (
        pieces(&cont_a, &a_to_b, pb.len()),
        pieces(&cont_b, &b_to_a, pa.len()),
    );
    fn with_pieces<'p>(x: usize, more: &[usize], ps: &'p [Para]) -> Vec<&'p str> {
        let mut at: Vec<usize> = more.to_vec();
        at.push(x);
        at.sort_unstable();
        at.dedup();
        at.iter().flat_map(|&x| ps[x].words()).collect()
    }
    // Each pair's words are diffed in parallel (a long document's pairs are thousands),
    // then summed in order.
    let per_pair: Vec<Changes> = matched
        .par_iter()
        .with_min_len(PARALLEL_MIN)
        .map(|&(i, j)| {
            let same_text = pieces_a[j].is_empty()
                && pieces_b[i].is_empty()
                && !(last_kept_a == Some(i) && cut_words > 0)
                && pa[i].norm == pb[j].norm;
            if same_text {
                // Most aligned paragraphs are the same words: nothing to diff.
                return Changes {
                    aligned: pb[j].n_words,
                    ..Changes::default()
                };
            }
            // The words of the pair, with the pieces that continue either side.
            let wa = with_pieces(i, &pieces_a[j], pa);
            let wb = with_pieces(j, &pieces_b[i], pb);
            // A word-level cut is reported as the cut, not as deleted words.
            let kept = if last_kept_a == Some(i) && cut_words > 0 {
                wb.len()
            } else {
                wa.len()
            };
            word_changes(&wa, kept, &wb)
        })
        .collect();
    for (k, (&(i, j), c)) in matched.iter().zip(per_pair).enumerate() {
        changed += c.changed;
        noisy += c.noisy;
        aligned_words += c.aligned;
        let room = 5usize.saturating_sub(examples.len());
        examples.extend(c.examples.into_iter().take(room));
        let words = c.words;
        let op = if !in_order[k] {
            moved.push((i, j));
            "moved"
        } else if words.is_empty() {
            "equal"
        } else {
            "changed"
        };
        paragraphs_out.push((
            j as f64,
            Paragraph {
                op,
                a: Some(i),
                b: Some(j),
                boilerplate: bpb[j],
                // Equal after normalization is not equal as written: A's own text then too.
                a_text: (op != "equal" || pa[i].raw != pb[j].raw).then(|| pa[i].raw.clone()),
                words,
                text: pb[j].raw.clone(),
            },
        ));
    }
    for (j, p) in pb.iter().enumerate() {
        if cont_b[j] {
            paragraphs_out.push((
                j as f64,
                Paragraph {
                    op: "continued",
                    a: b_to_a[j],
                    b: Some(j),
                    boilerplate: bpb[j],
                    words: Vec::new(),
                    text: p.raw.clone(),
                    a_text: None,
                },
            ));
        }
    }
    let (mut bp_added, mut bp_removed) = (Vec::new(), Vec::new());
    for (j, p) in pb.iter().enumerate() {
        if b_to_a[j].is_none() {
            if bpb[j] {
                bp_added.push(j);
            } else {
                edits.push(Edit::ParagraphAdded {
                    b: j,
                    excerpt: excerpt(&p.raw),
                });
            }
            paragraphs_out.push((
                j as f64,
                Paragraph {
                    op: "added",
                    a: None,
                    b: Some(j),
                    boilerplate: bpb[j],
                    words: Vec::new(),
                    text: p.raw.clone(),
                    a_text: None,
                },
            ));
        }
    }
    let mut in_tail = vec![false; pa.len()];
    for &i in &tail {
        in_tail[i] = true;
    }
    // The B paragraph aligned with the latest A paragraph so far.
    let mut last_b: Option<usize> = None;
    for (i, p) in pa.iter().enumerate() {
        if a_to_b[i].is_some() {
            last_b = a_to_b[i];
        } else {
            if bpa[i] {
                bp_removed.push(i);
            } else if !in_tail[i] {
                edits.push(Edit::ParagraphRemoved {
                    a: i,
                    excerpt: excerpt(&p.raw),
                });
            }
            // Place it just after the B paragraph aligned with its predecessor in A.
            let at = last_b.map_or(-0.5, |j| j as f64 + 0.5);
            paragraphs_out.push((
                at,
                Paragraph {
                    op: "removed",
                    a: Some(i),
                    b: None,
                    boilerplate: bpa[i],
                    words: Vec::new(),
                    text: p.raw.clone(),
                    a_text: None,
                },
            ));
        }
    }
    for (i, j) in moved {
        edits.push(Edit::ParagraphMoved { a: i, b: j });
    }
    if !bp_added.is_empty() {
        edits.push(Edit::BoilerplateAdded { b: bp_added });
    }
    if !bp_removed.is_empty() {
        edits.push(Edit::BoilerplateRemoved { a: bp_removed });
    }
    if changed > 0 {
        edits.push(Edit::WordsChanged {
            count: changed,
            examples,
        });
    }
    if noisy > 0 {
        edits.push(Edit::Noise {
            words: noisy,
            rate: (noisy as f64 / aligned_words.max(1) as f64 * 10_000.0).round() / 10_000.0,
        });
    }
    paragraphs_out.sort_by(|x, y| x.0.total_cmp(&y.0));

    Report {
        a: a.id.to_string(),
        b: b.id.to_string(),
        similarity: known.unwrap_or_else(|| similarity((pa, &bpa), (pb, &bpb))),
        edits,
        paragraphs: paragraphs_out.into_iter().map(|(_, p)| p).collect(),
    }
}

/// Writes the report for a terminal: the edit summary, then the paragraphs with their
/// changes marked (`+` added, `-` removed, `~` changed, `↕` moved), in colour when `color`.
pub fn write_text(r: &Report, color: bool, out: &mut impl std::io::Write) -> std::io::Result<()> {
    // Text from the corpus is escaped for the terminal; only our own colours reach it.
    use crate::escape::terminal as t;
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    writeln!(
        out,
        "{}",
        paint(
            "1",
            &format!("{} → {}   similarity {:.2}", t(&r.a), t(&r.b), r.similarity,)
        )
    )?;
    if r.edits.is_empty() {
        writeln!(out, "  no edits")?;
    }
    for e in &r.edits {
        writeln!(out, "  • {}", t(&e.summary()))?;
    }
    writeln!(out)?;
    for p in &r.paragraphs {
        let text = t(&p.text);
        let furniture = if p.boilerplate { " [boilerplate]" } else { "" };
        match p.op {
            "equal" => writeln!(out, "  {}", paint("2", &text))?,
            "added" => writeln!(out, "{}", paint("32", &format!("+ {text}{furniture}")))?,
            "removed" => writeln!(out, "{}", paint("31", &format!("- {text}{furniture}")))?,
            op => {
                let mark = if op == "moved" { "↕" } else { "~" };
                let changes: Vec<String> = p
                    .words
                    .iter()
                    .map(|w| match w.split_at(1) {
                        ("+", rest) => paint("32", &format!("+{}", t(rest))),
                        (_, rest) => paint("31", &format!("-{}", t(rest))),
                    })
                    .collect();
                writeln!(out, "{} {text}", paint("33", mark))?;
                if !changes.is_empty() {
                    writeln!(out, "    {}", changes.join(" "))?;
                }
            }
        }
    }
    Ok(())
}

fn excerpt(raw: &str) -> String {
    let words: Vec<&str> = raw.split_whitespace().take(12).collect();
    let more = raw.split_whitespace().count() > 12;
    format!("{}{}", words.join(" "), if more { " …" } else { "" })
}

impl Edit {
    /// A one-line description.
    pub fn summary(&self) -> String {
        match self {
            Edit::Truncated { paragraphs, words } => match (paragraphs, words) {
                (p, 0) => format!("truncated: last {p} paragraph(s) cut"),
                (0, w) => format!("truncated: last {w} word(s) cut"),
                (p, w) => format!("truncated: last {p} paragraph(s) and {w} word(s) cut"),
            },
            Edit::ParagraphAdded { b, excerpt } => format!("paragraph {b} added: {excerpt}"),
            Edit::ParagraphRemoved { a, excerpt } => format!("paragraph {a} removed: {excerpt}"),
            Edit::ParagraphMoved { a, b } => format!("paragraph {a} moved to {b}"),
            Edit::HeadlineChanged { a, b } => format!("headline: \"{a}\" → \"{b}\""),
            Edit::BoilerplateAdded { b } => format!("boilerplate added ({} paragraph(s))", b.len()),
            Edit::BoilerplateRemoved { a } => {
                format!("boilerplate removed ({} paragraph(s))", a.len())
            }
            Edit::DatelineChanged { a, b } => format!("dateline: \"{a}\" → \"{b}\""),
            Edit::WordsChanged { count, examples } => {
                format!(
                    "{count} word(s) changed{}",
                    if examples.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", examples.join(", "))
                    }
                )
            }
            Edit::Noise { words, rate } => format!(
                "noise: {words} word(s) with letter-level changes ({:.1}%)",
                rate * 100.0
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P1: &str = "LONDON (Wire) — The council approved the new harbour bridge on Monday after a long debate.";
    const P2: &str =
        "Engineers said construction would start in spring and take about two years to finish.";
    const P3: &str =
        "Residents near the site have complained about noise from the preparatory works.";
    const P4: &str = "The bridge will carry a tram line as well as cars, bicycles and pedestrians.";

    fn v<'a>(id: &'a str, text: &'a str) -> Version<'a> {
        Version {
            id,
            title: None,
            text,
        }
    }

    fn kinds(r: &Report) -> Vec<&'static str> {
        r.edits
            .iter()
            .map(|e| match e {
                Edit::Truncated { .. } => "truncated",
                Edit::ParagraphAdded { .. } => "paragraph_added",
                Edit::ParagraphRemoved { .. } => "paragraph_removed",
                Edit::ParagraphMoved { .. } => "paragraph_moved",
                Edit::HeadlineChanged { .. } => "headline_changed",
                Edit::BoilerplateAdded { .. } => "boilerplate_added",
                Edit::BoilerplateRemoved { .. } => "boilerplate_removed",
                Edit::DatelineChanged { .. } => "dateline_changed",
                Edit::WordsChanged { .. } => "words_changed",
                Edit::Noise { .. } => "noise",
            })
            .collect()
    }

    #[test]
    fn identical_versions_have_no_edits() {
        let t = [P1, P2, P3].join("\n\n");
        let r = diff(v("a", &t), v("b", &t));
        assert!(r.edits.is_empty(), "{:?}", r.edits);
        assert_eq!(r.similarity, 1.0);
        assert!(r.paragraphs.iter().all(|p| p.op == "equal"));
    }

    #[test]
    fn paragraphs_are_found_whatever_the_line_breaks() {
        let blank = "Header line\n\nFirst paragraph ends here.\n\nSecond paragraph ends too.";
        let single = "Header line\nFirst paragraph ends here.\nSecond paragraph ends too.";
        let wrapped = "Header line\n\nFirst paragraph, which a republisher wrapped at\nseventy columns, ends here.\nSecond paragraph ends too.";
        assert_eq!(
            paragraph_blocks(blank),
            [
                "Header line",
                "First paragraph ends here.",
                "Second paragraph ends too."
            ]
        );
        assert_eq!(paragraph_blocks(single), paragraph_blocks(blank));
        assert_eq!(
            paragraph_blocks(wrapped),
            [
                "Header line",
                "First paragraph, which a republisher wrapped at seventy columns, ends here.",
                "Second paragraph ends too."
            ]
        );
        assert_eq!(paragraph_blocks("a\r\n\r\nb\r\n"), ["a", "b"]);
    }

    #[test]
    fn a_paragraph_broken_in_two_at_the_end_is_not_a_cut() {
        let a = [P1, P2, P3].join("\n\n");
        // B breaks the last paragraph mid-sentence, with a blank line.
        let (head, tail) = P3.split_at(P3.find(" from").unwrap());
        let b = [P1, P2, head, tail.trim()].join("\n\n");
        let r = diff(v("a", &a), v("b", &b));
        assert!(!kinds(&r).contains(&"truncated"), "{:?}", kinds(&r));
    }

    #[test]
    fn a_cut_tail_is_truncation_not_removal() {
        let a = [P1, P2, P3, P4].join("\n\n");
        let b = [P1, P2, "Read more local news at the Harbor Gazette."].join("\n\n");
        let r = diff(v("a", &a), v("b", &b));
        assert_eq!(kinds(&r), ["truncated", "boilerplate_added"]);
        assert_eq!(
            r.edits[0],
            Edit::Truncated {
                paragraphs: 2,
                words: 0
            }
        );
        assert_eq!(r.similarity, 1.0);
        // A paragraph cut mid-way is a truncation by words.
        let b = [P1, "Engineers said construction would start in spring"].join("\n\n");
        let r = diff(v("a", &a), v("b", &b));
        assert_eq!(
            r.edits[0],
            Edit::Truncated {
                paragraphs: 2,
                words: 7
            }
        );
    }

    #[test]
    fn an_outlets_own_furniture_is_learned_from_its_pages() {
        const TIP: &str = "Have a news tip? Call the Gazette newsroom any time.";
        let mut learner = FurnitureLearner::default();
        for k in 0..10 {
            let story = format!("Story number {k} happened on a quiet street today.");
            learner.add(Some("Gazette"), &format!("{story}\n\n{TIP}"));
        }
        // A paragraph on two of an outlet's ten pages is a story it printed twice.
        for _ in 0..2 {
            learner.add(Some("Gazette"), &[P1, P2].join("\n\n"));
        }
        let furniture = learner.finish();
        let a = [P1, P2, P3, TIP].join("\n\n");
        let b = [P1, P2, P3].join("\n\n");
        assert_eq!(kinds(&diff(v("a", &a), v("b", &b))), ["truncated"]);
        let r = diff_with(v("a", &a), v("b", &b), &furniture);
        assert_eq!(kinds(&r), ["boilerplate_removed"]);
        let b = [P1, P3, TIP].join("\n\n");
        let r = diff_with(v("a", &a), v("b", &b), &furniture);
        assert_eq!(kinds(&r), ["paragraph_removed"], "P2 is not furniture");
    }

    /// A long document: `n` distinct paragraphs of ordinary words (every common 4-gram in
    /// most of them), the k-th naming its number.
    fn long_text(n: usize) -> Vec<String> {
        let words = [
            "the", "council", "said", "on", "tuesday", "that", "its", "plan", "would", "cost",
            "more", "than", "expected", "after", "a", "review", "of", "local", "roads",
        ];
        (0..n)
            .map(|k| {
                let mut x = k as u64 * 2_654_435_761 + 1;
                let mut p: Vec<String> = (0..14)
                    .map(|_| {
                        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        words[(x >> 33) as usize % words.len()].to_string()
                    })
                    .collect();
                p.push(format!("item{k}x{}", k * 7919 % 10_007));
                p.join(" ")
            })
            .collect()
    }

    #[test]
    fn long_documents_score_a_bounded_number_of_pairs_and_align_right() {
        let n = 3_000;
        let a = long_text(n);
        let mut b = a.clone();
        // B moves one paragraph far down, drops another and changes a word of a third.
        let moved = b.remove(100);
        b.insert(2_500, moved);
        b.remove(1_000); // A's paragraph 1,001
        b[2_000] = b[2_000].replacen("item", "entry", 1);
        let (ta, tb) = (a.join("\n\n"), b.join("\n\n"));
        let (pa, pb) = (
            paragraphs(&ta, &Furniture::default()),
            paragraphs(&tb, &Furniture::default()),
        );
        // The search's bound, for documents where nothing aligns without it.
        let all = |n: usize| (0..n).collect::<Vec<usize>>();
        let pairs = candidate_pairs(&pa, &pb, &all(pa.len()), &all(pb.len()));
        assert!(
            pairs.len() <= (pa.len() + pb.len()) * (CANDIDATES + 5),
            "{} pairs scored",
            pairs.len()
        );
        let r = diff(v("a", &ta), v("b", &tb));
        assert_eq!(
            kinds(&r),
            ["paragraph_removed", "paragraph_moved", "words_changed"],
            "{:?}",
            r.edits
        );
        assert!(r.edits.contains(&Edit::ParagraphMoved { a: 100, b: 2_499 }));
        assert!(r
            .edits
            .iter()
            .any(|e| matches!(e, Edit::ParagraphRemoved { a: 1_001, .. })));
    }

    #[test]
    fn paragraphs_edited_in_place_align_without_a_search() {
        let n = 2_000;
        let a = long_text(n);
        // Every paragraph of B has a word changed; B adds two paragraphs of its own (the
        // place shifts) and drops one.
        let mut b: Vec<String> = a.iter().map(|p| p.replacen("item", "entry", 1)).collect();
        b.insert(
            500,
            "A paragraph of the republisher's own, about something else.".into(),
        );
        b.insert(
            1_200,
            "Another one, with a local angle and no shared words.".into(),
        );
        b.remove(1_600);
        let (ta, tb) = (a.join("\n\n"), b.join("\n\n"));
        let (pa, pb) = (
            paragraphs(&ta, &Furniture::default()),
            paragraphs(&tb, &Furniture::default()),
        );
        let (a_to_b, b_to_a) = align_without_search(&pa, &pb);
        // All of A but the dropped paragraph, each with its edited self.
        let open: Vec<usize> = (0..n).filter(|&i| a_to_b[i].is_none()).collect();
        assert_eq!(open, [1_598]);
        assert_eq!(b_to_a.iter().filter(|x| x.is_none()).count(), 2);
        assert!((0..n)
            .filter_map(|i| a_to_b[i].map(|j| (i, j)))
            .all(|(i, j)| pb[j].norm == pa[i].norm.replacen("item", "entry", 1)));
        // And the whole diff says so.
        let r = diff(v("a", &ta), v("b", &tb));
        assert_eq!(
            kinds(&r),
            [
                "paragraph_added",
                "paragraph_added",
                "paragraph_removed",
                "words_changed"
            ]
        );
    }

    #[test]
    fn repeated_identical_paragraphs_align_in_order() {
        // 300 copies of one line: every 4-gram of it is common, yet each copy has its like.
        let line = "Advertisement break for the station's sponsors and partners";
        let mut a: Vec<String> = long_text(20);
        a.extend((0..300).map(|_| line.to_string()));
        let t = a.join("\n\n");
        let r = diff(v("a", &t), v("b", &t));
        assert!(r.edits.is_empty(), "{:?}", r.edits);
        assert!(r.paragraphs.iter().all(|p| p.op == "equal" && p.a == p.b));
    }

    #[test]
    fn the_increasing_run_is_the_first_longest_as_by_the_quadratic_rule() {
        // The rule it replaced: for each position the earliest predecessor of the longest
        // run, and the run that ends first.
        fn quadratic(xs: &[usize]) -> Vec<bool> {
            let n = xs.len();
            let (mut len, mut prev) = (vec![1usize; n], vec![usize::MAX; n]);
            for i in 0..n {
                for j in 0..i {
                    if xs[j] < xs[i] && len[j] + 1 > len[i] {
                        len[i] = len[j] + 1;
                        prev[i] = j;
                    }
                }
            }
            let mut keep = vec![false; n];
            if let Some(mut i) = (0..n).max_by_key(|&i| (len[i], std::cmp::Reverse(i))) {
                loop {
                    keep[i] = true;
                    if prev[i] == usize::MAX {
                        break;
                    }
                    i = prev[i];
                }
            }
            keep
        }
        let mut x = 12_345u64;
        for n in 0..200 {
            let mut xs: Vec<usize> = (0..n).collect();
            for k in (1..n).rev() {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                xs.swap(k, (x >> 33) as usize % (k + 1));
            }
            // Mostly in order, as aligned paragraphs are: undo half the shuffle.
            if n % 2 == 0 {
                xs[..n / 2].sort_unstable();
            }
            assert_eq!(increasing_run(&xs), quadratic(&xs), "{xs:?}");
        }
    }

    #[test]
    fn moves_are_moves() {
        let a = [P1, P2, P3, P4].join("\n\n");
        let b = [P1, P3, P2, P4].join("\n\n");
        let r = diff(v("a", &a), v("b", &b));
        assert_eq!(kinds(&r), ["paragraph_moved"]);
    }

    #[test]
    fn ocr_noise_is_the_same_paragraph_with_small_changes() {
        let a = [P1, P2, P3].join("\n\n");
        let noisy =
            "Engineers sald constructlon would start in spring and take abont two years to finish.";
        let b = [P1, noisy, P3].join("\n\n");
        let r = diff(v("a", &a), v("b", &b));
        assert_eq!(kinds(&r), ["noise"]);
        assert_eq!(r.paragraphs[1].op, "changed");
        assert!(matches!(r.edits[0], Edit::Noise { words: 3, .. }));
    }

    #[test]
    fn inserted_paragraph_new_headline_dateline_and_words() {
        let a = [P1, P2, P3].join("\n\n");
        let local = "Local shop owners told the Gazette they hoped the bridge would bring more visitors to the old town.";
        let p1 = "PORT ALDER — The council approved the new harbour crossing on Monday after a long debate.";
        let b = [p1, P2, local, P3].join("\n\n");
        let r = diff(
            Version {
                id: "a",
                title: Some("Bridge approved"),
                text: &a,
            },
            Version {
                id: "b",
                title: Some("Council says yes to bridge"),
                text: &b,
            },
        );
        assert_eq!(
            kinds(&r),
            [
                "headline_changed",
                "dateline_changed",
                "paragraph_added",
                "words_changed"
            ]
        );
        assert_eq!(
            r.paragraphs.iter().map(|p| p.op).collect::<Vec<_>>(),
            ["changed", "equal", "added", "equal"]
        );
        let removed = [P1, P3].join("\n\n");
        let r = diff(v("a", &a), v("b", &removed));
        assert_eq!(kinds(&r), ["paragraph_removed"]);
    }

    #[test]
    fn composed_and_decomposed_accents_are_no_edit_and_entities_are_shown_decoded() {
        // The same dateline, é composed in A and decomposed in B: no edit.
        let a = format!("M\u{c9}XICO CITY (BN) \u{2014} {P1}\n\n{P2}");
        let b = format!("ME\u{301}XICO CITY (BN) \u{2014} {P1}\n\n{P2}");
        let r = diff(v("a", &a), v("b", &b));
        assert!(r.edits.is_empty(), "{:?}", r.edits);
        // Entities: compared decoded, shown decoded, in paragraphs and headlines.
        let b = format!("{}\n\n{P2}", P1.replacen(' ', "&nbsp;", 1));
        let r = diff(
            Version {
                id: "a",
                title: Some("Bridge approved"),
                text: &[P1, P2].join("\n\n"),
            },
            Version {
                id: "b",
                title: Some("&#x27;Bridge&#x27; approved &amp; funded"),
                text: &b,
            },
        );
        assert_eq!(kinds(&r), ["headline_changed"], "{:?}", r.edits);
        let Edit::HeadlineChanged { b: shown, .. } = &r.edits[0] else {
            unreachable!()
        };
        assert_eq!(shown, "'Bridge' approved & funded");
        assert!(r.paragraphs[0].text.contains('\u{a0}'));
        // Equal, but written differently: A's column shows A's text.
        assert_eq!(r.paragraphs[0].op, "equal");
        assert_eq!(r.paragraphs[0].a_text.as_deref(), Some(P1));
        assert!(r.paragraphs.iter().all(|p| !p.text.contains("&nbsp;")));
        assert_eq!(
            r.edits[0].summary(),
            "headline: \"Bridge approved\" → \"'Bridge' approved & funded\""
        );
    }

    #[test]
    fn json_shape() {
        let a = [P1, P2].join("\n\n");
        let r = diff(v("a", &a), v("b", P1));
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["edits"][0]["kind"], "truncated");
        assert_eq!(j["paragraphs"][1]["op"], "removed");
        for key in ["a", "b", "similarity", "edits", "paragraphs"] {
            assert!(j.get(key).is_some(), "{key}");
        }
    }
}
