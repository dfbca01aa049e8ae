//! The `dedup` pipeline: read → normalize and shingle → discount boilerplate → MinHash → LSH
//! and anchors → verify → cluster → origin and parent per version.

use crate::anchor::{self, Anchors};
use crate::boilerplate::Boilerplate;
use crate::cluster;
use crate::corpus::{Corpus, DocInfo};
use crate::doc::{self, Fields};
use crate::error::{Error, Result};
use crate::input::{self, Input};
use crate::lsh::{self, Bands};
use crate::minhash::{MinHasher, Scheme};
use crate::normalize::NormalizeOptions;
use crate::shingle::{text_shingles, text_shingles_positioned, ShingleKind};
use crate::verify::{self, Rule, Similarity};
use rayon::prelude::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Every setting of a dedup run. `Options::default()` is what the command line uses.
#[derive(Debug, Clone)]
pub struct Options {
    /// Text normalization.
    pub normalize: NormalizeOptions,
    /// Shingle kind and size.
    pub shingle: ShingleKind,
    /// Keep one shingle in 2^sample (0 keeps all).
    pub sample: u32,
    /// MinHash signature length.
    pub num_perm: usize,
    /// MinHash scheme.
    pub scheme: Scheme,
    /// Seed of the MinHash permutations.
    pub seed: u64,
    /// Jaccard similarity (on discounted sets) that LSH aims to catch.
    pub threshold: f64,
    /// Explicit bands × rows (else derived from `threshold` and `num_perm`).
    pub bands: Option<Bands>,
    /// Containment candidates beside LSH's (`None`: LSH's only).
    pub anchors: Option<Anchors>,
    /// Verification rule.
    pub rule: Rule,
    /// How verified pairs become stories.
    pub linkage: cluster::Linkage,
    /// Shingles in more documents than this are boilerplate (else chosen from the corpus size).
    pub boilerplate_df: Option<u32>,
    /// JSON keys of id and text.
    pub fields: Fields,
    /// Count and leave out bad records instead of stopping.
    pub skip_invalid: bool,
    /// Which version of a story is kept.
    pub keep_policy: KeepPolicy,
    /// Find each version's parent (else every later version's parent is its story's origin,
    /// for callers that need only the stories).
    pub parents: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            normalize: NormalizeOptions::default(),
            shingle: ShingleKind::Char(7),
            sample: 2,
            num_perm: 128,
            scheme: Scheme::OnePermutation,
            seed: 0x0005_eed0_fa11_1a7e,
            threshold: 0.17,
            bands: None,
            anchors: Some(Anchors::default()),
            rule: Rule {
                min_containment: 0.25,
                min_shared: 5,
                min_score: 2.0,
                scale: 2.0,
            },
            linkage: cluster::Linkage::default(),
            boilerplate_df: None,
            fields: Fields::default(),
            skip_invalid: false,
            keep_policy: KeepPolicy::Earliest,
            parents: true,
        }
    }
}

impl Options {
    /// The bands × rows this run uses.
    pub fn bands(&self) -> Bands {
        self.bands
            .unwrap_or_else(|| Bands::optimal(self.threshold, self.num_perm))
    }

    /// The document frequency above which a shingle is boilerplate, for `n` documents.
    pub fn boilerplate_df(&self, n: usize) -> u32 {
        self.boilerplate_df
            .unwrap_or_else(|| (n / 100).clamp(30, 254) as u32)
    }
}

/// Which version of each story `--keep` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeepPolicy {
    /// The origin (earliest version).
    #[default]
    Earliest,
    /// The longest version.
    Longest,
}

/// A record left out of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// `file:line` or path.
    pub place: String,
    /// What was wrong.
    pub reason: String,
    /// Its id as far as it could be read, else the `file:line` a record without one gets.
    pub id: String,
    /// Where it was in the input order: the input's index and the record's line.
    pub at: (u32, u64),
}

/// What the run decided for one document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    /// Index of the story's origin.
    pub cluster: u32,
    /// Index of the version it derives from (`None` for the origin).
    pub parent: Option<u32>,
    /// Its verified similarity (containment) to the parent.
    pub similarity: Option<f32>,
    /// False for the one version per story that is kept.
    pub duplicate: bool,
    /// True when the text was empty after normalization (left out of clustering).
    pub empty: bool,
    /// What furniture the page is, when it has no story (left out of clustering).
    pub junk: Option<crate::junk::Junk>,
}

/// Counts and timings of a run, for the summary.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Valid documents.
    pub documents: usize,
    /// Stories (clusters).
    pub stories: usize,
    /// Documents marked duplicate.
    pub duplicates: usize,
    /// Documents with an empty text.
    pub empty: usize,
    /// Pages without a story, by kind (left out of clustering like empty texts).
    pub junk: std::collections::BTreeMap<crate::junk::Junk, usize>,
    /// Bytes of input records read.
    pub bytes: u64,
    /// Candidate pairs from LSH.
    pub candidates: usize,
    /// Pairs that passed verification.
    pub verified: usize,
    /// Verified pairs set apart because they share only a site's chrome.
    pub chrome_pairs: usize,
    /// Bands × rows used.
    pub bands: Option<Bands>,
    /// Boilerplate document-frequency cut used.
    pub boilerplate_df: u32,
    /// Records passed over because they are not documents (WARC requests, redirects, …),
    /// by kind.
    pub skipped: std::collections::BTreeMap<&'static str, u64>,
    /// Versions whose date no known form reads (they are undated).
    pub unreadable_dates: usize,
    /// The first few of them: place and the date as written.
    pub unreadable_date_examples: Vec<String>,
    /// Time per stage.
    pub timings: Vec<(&'static str, Duration)>,
}

/// What reading the inputs took in, beside the documents.
#[derive(Debug, Default)]
pub struct ReadStats {
    /// Bytes of records read.
    pub bytes: u64,
    /// Records passed over, by kind.
    pub skipped: std::collections::BTreeMap<&'static str, u64>,
    /// Versions whose date no known form reads (they are undated).
    pub unreadable_dates: usize,
    /// The first few of them: place and the date as written.
    pub unreadable_date_examples: Vec<String>,
}

/// The result of a dedup run.
#[derive(Debug)]
pub struct Dedup {
    /// The documents and their shingle sets.
    pub corpus: Corpus,
    /// One assignment per document, in input order.
    pub assignments: Vec<Assignment>,
    /// Records left out (with `skip_invalid`).
    pub invalid: Vec<Invalid>,
    /// Counts and timings.
    pub stats: Stats,
}

/// Reads the inputs into a [`Corpus`] of shingle sets. `progress` is called with the number of
/// documents read so far. The corpus keeps where each shingle occurs when the linkage weighs
/// it (see [`Corpus::with_positions`]), so `index add` and `check` group a batch's stories
/// exactly as `dedup` does.
pub fn read_corpus(
    inputs: &[Input],
    opts: &Options,
    mut progress: impl FnMut(usize) + Send,
) -> Result<(Corpus, Vec<Invalid>, ReadStats)> {
    let positions = matches!(opts.linkage, cluster::Linkage::Attach(_));
    let mut corpus = if positions {
        Corpus::with_positions()
    } else {
        Corpus::new()
    };
    // Character shingles of plain JSON Lines come to about two thirds of a shingle per byte
    // (text is most of a record; spaces and repeats drop out), 2^sample times fewer stored.
    // Reserving a little more than needed costs nothing (pages never written are never
    // mapped); growing by doubling would copy the whole array at the peak of the run.
    // Compressed inputs and stdin grow as they come.
    let plain_bytes: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) if !input::is_compressed(p) => {
                std::fs::metadata(p).ok().map(|m| m.len())
            }
            _ => None,
        })
        .sum();
    corpus.reserve_shingles(((plain_bytes * 7 / 10) >> opts.sample) as usize);
    let mut invalid = Vec::new();
    let (mut unreadable_dates, mut unreadable_date_examples) = (0, Vec::new());
    // Ids seen so far, by a hash of the id (the id itself is in the corpus): no second copy
    // of every id.
    let mut seen: HashMap<u64, u32> = HashMap::new();
    let mut bytes = 0u64;
    // Parsing and shingling a chunk is parallel; adding it to the corpus (ids, outlets, the
    // flat set array) is not, so it runs beside the parsing of the next chunk (a fifth of the
    // reading time at 200,000 documents, when one core would otherwise wait).
    let parse = |chunk: &input::Chunk| -> Vec<ParsedRun> {
        chunk
            .records
            .par_iter()
            .with_min_len(16)
            .fold(
                || (ParsedRun::default(), String::new(), Vec::new()),
                |(mut run, mut norm, mut staging), r| {
                    let src = &inputs[r.input as usize];
                    let scratch = (&mut norm, &mut staging);
                    let parsed = run.add(chunk.bytes(r), src, r, opts, positions, scratch);
                    run.results.push(parsed);
                    (run, norm, staging)
                },
            )
            .map(|(run, _, _)| run)
            .collect()
    };
    let mut push = |records: Vec<input::RecordRef>, parsed: Vec<ParsedRun>| -> Result<()> {
        let mut records = records.iter();
        for run in parsed {
            let (mut set_from, mut at_from, mut name_from) = (0, 0, 0);
            for p in run.results {
                let r = records.next().expect("a result per record");
                let place = || inputs[r.input as usize].place(r.line);
                let Parsed {
                    mut info,
                    unreadable_date,
                    set_end,
                    at_end,
                    name_end,
                } = match p {
                    Ok(x) => x,
                    Err((reason, id)) if opts.skip_invalid => {
                        invalid.push(Invalid {
                            place: place(),
                            reason,
                            id,
                            at: (r.input, r.line),
                        });
                        continue;
                    }
                    Err((reason, _)) => {
                        return Err(Error::InvalidRecord {
                            place: place(),
                            reason,
                        })
                    }
                };
                if let Some(date) = unreadable_date {
                    unreadable_dates += 1;
                    if unreadable_date_examples.len() < 5 {
                        unreadable_date_examples.push(format!("{}: {date:?}", place()));
                    }
                }
                let set = &run.sets[std::mem::replace(&mut set_from, set_end)..set_end];
                let at = &run.at[std::mem::replace(&mut at_from, at_end)..at_end];
                let name =
                    name_end.map(|end| &run.names[std::mem::replace(&mut name_from, end)..end]);
                let key = xxhash_rust::xxh3::xxh3_64(info.id.as_bytes());
                if let Some(&first) = seen.get(&key) {
                    let f = &corpus.docs[first as usize];
                    if f.id == info.id {
                        let first = inputs[f.input as usize].place(f.line);
                        if !opts.skip_invalid {
                            return Err(Error::DuplicateId {
                                id: info.id,
                                first,
                                second: place(),
                            });
                        }
                        invalid.push(Invalid {
                            place: place(),
                            reason: format!("duplicate id {:?}, first seen at {first}", info.id),
                            id: info.id,
                            at: (r.input, r.line),
                        });
                        continue;
                    }
                }
                seen.entry(key).or_insert(corpus.len() as u32);
                info.source = name.map(|s| corpus.intern_source(s));
                if positions {
                    corpus.push_positioned(info, set, at);
                } else {
                    corpus.push(info, set);
                }
            }
        }
        progress(corpus.len());
        Ok(())
    };
    let mut pending: Option<(Vec<input::RecordRef>, Vec<ParsedRun>)> = None;
    let mut skipped = std::collections::BTreeMap::new();
    input::for_each_chunk_threaded(inputs, |chunk| {
        bytes += chunk.data.len() as u64;
        for (k, n) in &chunk.skipped {
            *skipped.entry(*k).or_insert(0) += n;
        }
        let previous = pending.take();
        let (parsed, pushed) = rayon::join(
            || parse(&chunk),
            || previous.map_or(Ok(()), |(records, parsed)| push(records, parsed)),
        );
        pushed?;
        pending = Some((chunk.records, parsed));
        Ok(())
    })?;
    if let Some((records, parsed)) = pending {
        push(records, parsed)?;
    }
    Ok((
        corpus,
        invalid,
        ReadStats {
            bytes,
            skipped,
            unreadable_dates,
            unreadable_date_examples,
        },
    ))
}

/// A record parsed and shingled: its metadata, and where its set, positions and outlet name
/// end in its [`ParsedRun`]'s arrays (each starts where the record before ends).
struct Parsed {
    info: DocInfo,
    unreadable_date: Option<String>,
    set_end: usize,
    at_end: usize,
    name_end: Option<usize>,
}

/// A run of consecutive records parsed on one thread, their sets, positions and outlet
/// names one after the other in three arrays. Three vectors a record, allocated by the
/// parsing thread and freed by the one adding the records to the corpus, made glibc's `free`
/// wait on the parsing thread's arena lock thousands of times a chunk: one of the two cores
/// slept 45% of the reading time.
#[derive(Default)]
struct ParsedRun {
    results: Vec<std::result::Result<Parsed, (String, String)>>,
    sets: Vec<u32>,
    at: Vec<u8>,
    names: String,
}

impl ParsedRun {
    /// Parses and shingles the record `raw` (`r` of input `src`), appending its set (and,
    /// with `positions`, where its shingles occur) to the run's; `scratch` is the shingler's.
    fn add(
        &mut self,
        raw: &[u8],
        src: &Input,
        r: &input::RecordRef,
        opts: &Options,
        positions: bool,
        (norm, staging): (&mut String, &mut Vec<u64>),
    ) -> std::result::Result<Parsed, (String, String)> {
        let fallback = || src.fallback_id_for(r.kind, r.line);
        let d = crate::readers::parse(r.kind, raw, &opts.fields, fallback).map_err(|reason| {
            // The invalid record's row names it by its id where the id can still be read.
            let id = (r.kind == crate::readers::RecordKind::Json)
                .then(|| doc::id_of(raw, &opts.fields))
                .flatten()
                .unwrap_or_else(fallback);
            (reason, id)
        })?;
        // A page without a story is left out of clustering with an empty set (nothing of it
        // is worth shingling, nor counting as the corpus's boilerplate).
        let junk = crate::junk::classify(&d.text);
        if junk.is_none() {
            if positions {
                text_shingles_positioned(
                    &d.text,
                    opts.normalize,
                    opts.shingle,
                    opts.sample,
                    norm,
                    staging,
                    &mut self.sets,
                    &mut self.at,
                );
            } else {
                text_shingles(
                    &d.text,
                    opts.normalize,
                    opts.shingle,
                    opts.sample,
                    norm,
                    &mut self.sets,
                );
            }
        }
        let name_end = d.source.map(|name| {
            self.names.push_str(&name);
            self.names.len()
        });
        Ok(Parsed {
            unreadable_date: d.unreadable_date,
            info: DocInfo {
                id: d.id,
                date: d.date,
                title: d.title,
                len: d.text.len().min(u32::MAX as usize) as u32,
                source: None,
                input: r.input,
                line: r.line,
                junk,
            },
            set_end: self.sets.len(),
            at_end: self.at.len(),
            name_end,
        })
    }
}

/// Runs the whole pipeline on `inputs`.
pub fn run(inputs: &[Input], opts: &Options, progress: impl FnMut(usize) + Send) -> Result<Dedup> {
    let mut stats = Stats::default();
    let t = Instant::now();
    let (corpus, invalid, read) = read_corpus(inputs, opts, progress)?;
    stats.bytes = read.bytes;
    stats.skipped = read.skipped;
    stats.unreadable_dates = read.unreadable_dates;
    stats.unreadable_date_examples = read.unreadable_date_examples;
    stats.timings.push(("read+shingle", t.elapsed()));
    let mut d = cluster_corpus(corpus, opts, stats)?;
    d.invalid = invalid;
    Ok(d)
}

/// Takes the boilerplate out of every set of `corpus`.
fn discount(corpus: &mut Corpus, boiler: &Boilerplate) {
    let sources: Vec<Option<u32>> = corpus.docs.iter().map(|d| d.source).collect();
    corpus.retain_sets(|i, s, p| boiler.discount(s, p, sources[i]));
}

/// The shingle sets of `inputs` as `dedup` with `opts` compares them: read, and the
/// corpus's boilerplate discounted. A row's `similarity` is the containment of two of them
/// ([`crate::verify::Similarity::of`]); `diff --corpus` gives the same number with this.
pub fn discounted_corpus(inputs: &[Input], opts: &Options) -> Result<Corpus> {
    let (mut corpus, _, _) = read_corpus(inputs, opts, |_| {})?;
    let boiler = Boilerplate::learn(&corpus, opts.boilerplate_df(corpus.len()));
    discount(&mut corpus, &boiler);
    Ok(corpus)
}

/// Clusters an already read corpus (the stages after reading).
pub fn cluster_corpus(corpus: Corpus, opts: &Options, stats: Stats) -> Result<Dedup> {
    cluster_corpus_with(
        corpus,
        opts,
        stats,
        Boilerplate::learn,
        None::<fn(&Corpus, lsh::BandColumns)>,
        None::<fn(&Corpus)>,
    )
}

/// [`cluster_corpus`] with hooks for the index: `boilerplate` learns the boilerplate of the
/// corpus for a document-frequency cut (the index joins what it learned before); `columns`
/// takes over every band key of the signatures (as [`lsh::BandColumns`]) once LSH has run,
/// before the later stages; `beside` runs on the calling thread while the later stages run on
/// the pool (for work that waits, like reading or writing a database).
pub fn cluster_corpus_with(
    mut corpus: Corpus,
    opts: &Options,
    mut stats: Stats,
    boilerplate: impl FnOnce(&Corpus, u32) -> Boilerplate,
    columns: Option<impl FnOnce(&Corpus, lsh::BandColumns)>,
    beside: Option<impl FnOnce(&Corpus)>,
) -> Result<Dedup> {
    if opts.num_perm == 0 {
        return Err(Error::Usage("--num-perm must be at least 1".into()));
    }
    let bands = opts.bands();
    if bands.bands * bands.rows > opts.num_perm || bands.bands == 0 || bands.rows == 0 {
        return Err(Error::Usage(format!(
            "--bands {} × --rows {} needs {} signature values but --num-perm is {}; lower them or raise --num-perm",
            bands.bands,
            bands.rows,
            bands.bands * bands.rows,
            opts.num_perm
        )));
    }
    let n = corpus.len();
    if n > lsh::COLUMN_DOC_MASK as usize + 1 {
        return Err(Error::Usage(format!(
            "{n} documents in one run, more than 2^{} (about a billion); split the input into smaller runs",
            lsh::COLUMN_DOC_BITS
        )));
    }
    stats.documents = n;
    stats.bands = Some(bands);

    let t = Instant::now();
    let df = opts.boilerplate_df(n);
    stats.boilerplate_df = df;
    let boiler = boilerplate(&corpus, df);
    discount(&mut corpus, &boiler);
    drop(boiler);
    stats.timings.push(("boilerplate", t.elapsed()));

    let t = Instant::now();
    let hasher = MinHasher::new(opts.num_perm, opts.scheme, opts.seed);
    let k = opts.num_perm;
    // From the signatures on, their 16-bit fingerprints do all the work at half the memory
    // traffic (the index's band keys are made of them too).
    let mut fps = vec![0u16; n * k];
    crate::mem::huge_pages(&mut fps);
    fps.par_chunks_mut(k)
        .enumerate()
        .with_min_len(64)
        .for_each_init(
            || vec![0u32; k],
            |sig, (i, fp)| {
                hasher.signature(corpus.set(i), sig);
                for (f, &v) in fp.iter_mut().zip(sig.iter()) {
                    *f = crate::minhash::fingerprint(v);
                }
            },
        );
    stats.timings.push(("minhash", t.elapsed()));

    let t = Instant::now();
    let active: Vec<bool> = (0..n).map(|i| !corpus.set(i).is_empty()).collect();
    let sig = |d: usize| &fps[d * k..d * k + bands.bands * bands.rows];
    let keep_columns = columns.is_some();
    // Both kinds of candidates are found side by side (each runs on the pool).
    let ((buckets, band_columns), anchors) = rayon::join(
        || {
            lsh::Buckets::with_columns(
                |d, b| lsh::fingerprint_band_key(sig(d), bands, b),
                bands.bands,
                &active,
                keep_columns,
            )
        },
        || match opts.anchors {
            Some(p) => anchor::mates(&corpus, &active, p),
            None => anchor::Mates::default(),
        },
    );
    stats.timings.push(("lsh+anchors", t.elapsed()));

    // The columns go before verification takes its memory.
    if let Some(hook) = columns {
        hook(&corpus, band_columns);
    }
    // The rest of the pipeline needs nothing from the hook beside it, and the index's hook
    // uses the database on this thread (its connection stays here): the two run side by side.
    let mut rest = None;
    match beside {
        Some(hook) => rayon::in_place_scope(|scope| {
            scope
                .spawn(|_| rest = Some(stories(&corpus, &fps, (buckets, &anchors), &active, opts)));
            hook(&corpus);
        }),
        None => rest = Some(stories(&corpus, &fps, (buckets, &anchors), &active, opts)),
    }
    drop(fps);
    let (assignments, more) = rest.expect("the pipeline ran")?;
    stats.candidates = more.candidates;
    stats.verified = more.verified;
    stats.chrome_pairs = more.chrome_pairs;
    stats.timings.extend(more.timings);
    stats.empty = assignments.iter().filter(|a| a.empty).count();
    for j in assignments.iter().filter_map(|a| a.junk) {
        *stats.junk.entry(j).or_insert(0) += 1;
    }
    stats.stories = assignments.iter().filter(|a| a.parent.is_none()).count();
    stats.duplicates = assignments.iter().filter(|a| a.duplicate).count();
    Ok(Dedup {
        corpus,
        assignments,
        invalid: Vec::new(),
        stats,
    })
}

/// Verification, clustering and provenance of a discounted corpus with its signatures'
/// fingerprints, LSH buckets and anchor pairs, of which `active` documents (non-empty sets)
/// take part: one assignment per document, and the counts and timings of these stages.
fn stories(
    corpus: &Corpus,
    fps: &[u16],
    (buckets, anchors): (lsh::Buckets, &anchor::Mates),
    active: &[bool],
    opts: &Options,
) -> Result<(Vec<Assignment>, Stats)> {
    let mut stats = Stats::default();
    let (n, k) = (corpus.len(), opts.num_perm);
    let t = Instant::now();
    if let Some(path) = std::env::var_os("WIRETRACE_DUMP_CANDIDATES") {
        dump_candidates(corpus, &buckets.pairs(), std::path::Path::new(&path))?;
    }
    let rule = Rule {
        scale: (1u32 << opts.sample) as f32,
        ..opts.rule
    };
    // Candidates are screened on the low byte of each fingerprint (see
    // [`verify::screen_bytes`]).
    let low = verify::screen_bytes(fps);
    // Candidate pairs are found and checked together, document by document; the time order
    // and the set sizes the clustering needs are made meanwhile (on one thread, they were
    // the other's idle time after verification).
    let ((edges, candidates), (order, sizes)) = rayon::join(
        || verify::verify_buckets(corpus, &buckets, anchors, rule, Some((&low[..], k))),
        || {
            let order = crate::provenance::time_order(&corpus.docs);
            let sizes: Vec<u32> = (0..n).map(|i| corpus.set(i).len() as u32).collect();
            (order, sizes)
        },
    );
    drop(buckets);
    // Pages that share only their site's chrome are not one story (see [`crate::chrome`]).
    let doc = |i: u32| (corpus.set(i as usize), corpus.positions(i as usize));
    let outlet = |i: u32| corpus.docs[i as usize].source;
    let verified = edges.len();
    let edges: Vec<verify::Edge> = edges
        .into_par_iter()
        .filter(|e| {
            let same = outlet(e.a).is_some() && outlet(e.a) == outlet(e.b);
            !crate::chrome::only_chrome(doc(e.a), doc(e.b), e.sim.shared, same, rule.scale)
        })
        .collect();
    stats.candidates = candidates;
    stats.verified = verified;
    stats.chrome_pairs = verified - edges.len();
    stats.timings.push(("verify", t.elapsed()));

    let t = Instant::now();
    let covered = |me: u32, other: u32| {
        let (me, other) = (me as usize, other as usize);
        let positions = corpus.positions(me)?;
        let len = corpus.docs[me].len;
        Some(cluster::covered_by(
            len,
            corpus.set(me),
            positions,
            corpus.set(other),
        ))
    };
    let cluster = || cluster::cluster(n, &edges, &order, &sizes, opts.linkage, &covered);
    // Provenance's headline keys are made while the stories are joined (much of that on one
    // thread).
    let (labels, title_keys) = if opts.parents {
        rayon::join(cluster, || crate::provenance::title_keys(corpus))
    } else {
        (cluster(), Vec::new())
    };
    let title_shingles = |title: &str| {
        let mut set = Vec::new();
        let (kind, sample) = (opts.shingle, opts.sample);
        text_shingles(
            title,
            opts.normalize,
            kind,
            sample,
            &mut String::new(),
            &mut set,
        );
        set
    };
    let assignments = if opts.parents {
        crate::provenance::assign(
            corpus,
            &labels,
            &edges,
            &order,
            opts.keep_policy,
            active,
            &crate::provenance::Headlines {
                keys: title_keys,
                shingles: &title_shingles,
            },
        )
    } else {
        crate::provenance::assign_origins(corpus, &labels, &order, opts.keep_policy, active)
    };
    stats.timings.push(("cluster", t.elapsed()));
    Ok((assignments, stats))
}

/// Development aid: every candidate pair with its measures, as TSV (set
/// `WIRETRACE_DUMP_CANDIDATES=FILE`), for tuning the verification rule against ground truth.
fn dump_candidates(corpus: &Corpus, cands: &[(u32, u32)], path: &std::path::Path) -> Result<()> {
    use std::io::Write;
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| Error::io(path, e))?);
    for &(a, b) in cands {
        let (sa, sb) = (corpus.set(a as usize), corpus.set(b as usize));
        let s = Similarity::of(sa, sb);
        writeln!(
            w,
            "{}\t{}\t{}\t{}\t{}\t{:.4}\t{:.4}",
            corpus.docs[a as usize].id,
            corpus.docs[b as usize].id,
            sa.len(),
            sb.len(),
            s.shared,
            s.containment,
            s.jaccard
        )
        .map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}
