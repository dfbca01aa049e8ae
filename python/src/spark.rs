//! The pipeline's stages as steps over Arrow record batches, for an engine that moves the
//! data between machines (`wiretrace.spark`). Every rule is the core's own function, called
//! on the rows a step is given; the engine only decides which rows meet where. Packed
//! columns are little-endian arrays: a set is `u32`s, positions `u8`s, band keys `u64`s.
//!
//! Steps that see "the whole partition" are called once with all of a partition's rows:
//! the engine brings every row a decision needs into one partition first (by key).

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float32Builder, Float64Builder, Int32Builder, Int64Builder,
    Int8Builder, StringBuilder,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_pyarrow::PyArrowType;
use arrow_schema::DataType;
use clap::Parser;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use wiretrace::anchor;
use wiretrace::boilerplate::{self, Boilerplate, ShingleSet};
use wiretrace::cli::{Cli, Command};
use wiretrace::cluster::{self, Link, Linkage, Neighbour};
use wiretrace::corpus::{Corpus, DocInfo};
use wiretrace::dedup::Options;
use wiretrace::lsh;
use wiretrace::minhash::{self, MinHasher};
use wiretrace::output;
use wiretrace::readers::{self, RecordKind};
use wiretrace::shingle::text_shingles_positioned;
use wiretrace::verify::{self, Edge, Rule, Similarity};

type Batch = PyArrowType<RecordBatch>;

/// A signed document: its discounted set and positions, fingerprint low bytes, band keys.
type Signed = (Vec<u32>, Vec<u8>, Vec<u8>, Option<Vec<u8>>);

/// A version's row: document, story (origin's id), parent's id, similarity, duplicate.
type Assigned = (u64, String, Option<String>, Option<f32>, bool);

fn err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// The dedup options of the command line's flags (`["--threshold", "0.2"]`).
fn options(flags: &[String]) -> PyResult<Options> {
    let argv = ["wiretrace", "dedup"]
        .into_iter()
        .map(String::from)
        .chain(flags.iter().cloned())
        .chain(["-".to_string()]);
    let cli = Cli::try_parse_from(argv).map_err(err)?;
    let Command::Dedup(args) = cli.command else {
        unreachable!("parsed as dedup")
    };
    let opts = args.options().map_err(err)?;
    if !matches!(opts.linkage, Linkage::Attach(_)) || !opts.parents {
        return Err(err(
            "the Spark job joins stories by the default linkage (attach) and finds parents; leave --linkage and --no-parents out",
        ));
    }
    Ok(opts)
}

/// Checks the options as the engine's driver does before it starts.
#[pyfunction]
pub fn check_options(flags: Vec<String>) -> PyResult<(usize, usize, usize)> {
    let o = options(&flags)?;
    let b = o.bands();
    Ok((o.num_perm, b.bands, b.rows))
}

/// The corpus-wide sample and cut for `n` documents: (every how many documents one is
/// sampled, how many are, the count above which a sampled shingle is widespread).
#[pyfunction]
pub fn widespread_plan(flags: Vec<String>, n: usize) -> PyResult<(usize, usize, f64, u32)> {
    let o = options(&flags)?;
    let max_df = o.boilerplate_df(n);
    let step = boilerplate::spread_step(n, boilerplate::GLOBAL_SAMPLE);
    let sample = n.div_ceil(step);
    Ok((
        step,
        sample,
        boilerplate::sample_cut(max_df, sample, n),
        max_df,
    ))
}

/// Documents sampled per outlet to learn its boilerplate, and the fewest an outlet needs.
#[pyfunction]
pub fn outlet_plan() -> (usize, usize) {
    (boilerplate::OUTLET_SAMPLE, boilerplate::SOURCE_MIN_DOCS)
}

// --- reading columns -------------------------------------------------------------------

fn column<'a>(b: &'a RecordBatch, name: &str) -> PyResult<&'a ArrayRef> {
    b.column_by_name(name)
        .ok_or_else(|| err(format!("internal: no column {name:?} in the batch")))
}

fn cast(b: &RecordBatch, name: &str, to: &DataType) -> PyResult<ArrayRef> {
    arrow_cast::cast(column(b, name)?, to).map_err(err)
}

/// Column `name` cast to `to` and read as the array type `A` by `take`.
fn read<A: 'static, T>(
    b: &RecordBatch,
    name: &str,
    to: DataType,
    take: impl FnOnce(&A) -> T,
) -> PyResult<T> {
    let a = cast(b, name, &to)?;
    Ok(take(
        a.as_any()
            .downcast_ref::<A>()
            .expect("cast to the type asked"),
    ))
}

fn i64s(b: &RecordBatch, name: &str) -> PyResult<Vec<Option<i64>>> {
    read(b, name, DataType::Int64, |a: &arrow_array::Int64Array| {
        a.iter().collect()
    })
}

fn f32s(b: &RecordBatch, name: &str) -> PyResult<Vec<f32>> {
    read(
        b,
        name,
        DataType::Float32,
        |a: &arrow_array::Float32Array| a.iter().map(|x| x.unwrap_or(0.0)).collect(),
    )
}

fn strs(b: &RecordBatch, name: &str) -> PyResult<Vec<Option<String>>> {
    read(b, name, DataType::Utf8, |a: &arrow_array::StringArray| {
        a.iter().map(|s| s.map(str::to_string)).collect()
    })
}

fn blobs(b: &RecordBatch, name: &str) -> PyResult<Vec<Option<Vec<u8>>>> {
    read(b, name, DataType::Binary, |a: &arrow_array::BinaryArray| {
        a.iter().map(|s| s.map(<[u8]>::to_vec)).collect()
    })
}

fn u32s(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect()
}

fn u64s(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

fn le32(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> PyResult<Batch> {
    Ok(PyArrowType(
        RecordBatch::try_from_iter(columns).map_err(err)?,
    ))
}

fn arr(b: &mut impl arrow_array::builder::ArrayBuilder) -> ArrayRef {
    b.finish()
}

// --- stage 1: parse and shingle --------------------------------------------------------

/// What a partition has counted so far: its valid rows, and its rows of each outlet (so
/// that a row's place among all valid rows, and among its outlet's, follows from the
/// partition's place).
#[pyclass]
#[derive(Default)]
pub struct Counters {
    rows: i64,
    outlets: HashMap<String, i64>,
}

#[pymethods]
impl Counters {
    #[new]
    fn new() -> Self {
        Counters::default()
    }
}

/// Parses and shingles a batch of records (columns named as the command line's defaults,
/// beside `_pos`): each row becomes a JSON object read by the command line's own field
/// mapping, dates and checks. Invalid rows carry `error` and no `vrow`.
#[pyfunction]
pub fn shingle(
    py: Python<'_>,
    input: Batch,
    flags: Vec<String>,
    part: i32,
    counters: &mut Counters,
) -> PyResult<Batch> {
    let opts = options(&flags)?;
    let rb = input.0;
    let pos = i64s(&rb, "_pos")?;
    let keep: Vec<usize> = (0..rb.num_columns())
        .filter(|&i| rb.schema().field(i).name() != "_pos")
        .collect();
    let fields = rb.project(&keep).map_err(err)?;
    let mut json = Vec::new();
    readers::parquet::batch_to_json_lines(fields, &mut json)
        .map_err(|e| err(format!("a column has no JSON form ({e}); leave it out")))?;
    let lines: Vec<&[u8]> = json
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let parsed: Vec<_> = py.detach(|| {
        use rayon::prelude::*;
        lines
            .par_iter()
            .zip(&pos)
            .map(|(line, pos)| {
                let fallback = || format!("row {}", pos.unwrap_or(0));
                let d = readers::parse(RecordKind::Json, line, &opts.fields, fallback)
                    .map_err(|reason| (reason, wiretrace::doc::id_of(line, &opts.fields)))?;
                let (mut set, mut at) = (Vec::new(), Vec::new());
                // A page without a story has an empty set, as in `wiretrace dedup`.
                let junk = wiretrace::junk::classify(&d.text);
                if junk.is_none() {
                    text_shingles_positioned(
                        &d.text,
                        opts.normalize,
                        opts.shingle,
                        opts.sample,
                        &mut String::new(),
                        &mut Vec::new(),
                        &mut set,
                        &mut at,
                    );
                }
                Ok::<_, (String, Option<String>)>((d, set, at, junk))
            })
            .collect()
    });
    let n = parsed.len();
    let (mut vrow, mut srow) = (Int64Builder::new(), Int64Builder::new());
    let (mut id, mut title, mut source) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let (mut date, mut len) = (Int64Builder::new(), Int32Builder::new());
    let (mut set, mut at) = (BinaryBuilder::new(), BinaryBuilder::new());
    let (mut error, mut undated) = (StringBuilder::new(), StringBuilder::new());
    let mut junk = StringBuilder::new();
    for p in parsed {
        match p {
            Ok((d, s, a, j)) => {
                vrow.append_value(counters.rows);
                counters.rows += 1;
                match &d.source {
                    Some(name) => {
                        let c = counters.outlets.entry(name.clone()).or_insert(0);
                        srow.append_value(*c);
                        *c += 1;
                    }
                    None => srow.append_null(),
                }
                id.append_value(&d.id);
                title.append_option(d.title.as_deref());
                source.append_option(d.source.as_deref());
                date.append_option(d.date);
                len.append_value(d.text.len().min(u32::MAX as usize) as i32);
                set.append_value(le32(&s));
                at.append_value(&a);
                error.append_null();
                undated.append_option(d.unreadable_date.as_deref());
                junk.append_option(j.map(wiretrace::junk::Junk::name));
            }
            Err((reason, name)) => {
                vrow.append_null();
                srow.append_null();
                id.append_option(name);
                title.append_null();
                source.append_null();
                date.append_null();
                len.append_value(0);
                set.append_value([]);
                at.append_value([]);
                error.append_value(reason);
                undated.append_null();
                junk.append_null();
            }
        }
    }
    batch(vec![
        (
            "_pos",
            Arc::new(arrow_array::Int64Array::from(pos)) as ArrayRef,
        ),
        (
            "part",
            Arc::new(arrow_array::Int32Array::from(vec![part; n])),
        ),
        ("vrow", arr(&mut vrow)),
        ("srow", arr(&mut srow)),
        ("id", arr(&mut id)),
        ("title", arr(&mut title)),
        ("source", arr(&mut source)),
        ("date", arr(&mut date)),
        ("len", arr(&mut len)),
        ("set", arr(&mut set)),
        ("at", arr(&mut at)),
        ("error", arr(&mut error)),
        ("unreadable_date", arr(&mut undated)),
        ("junk", arr(&mut junk)),
    ])
}

// --- stage 2: widespread shingles ------------------------------------------------------

/// The part of `parts` a 64-bit key belongs to (its top bits, scaled).
fn part_of(key: u64, parts: u32) -> i32 {
    (((key >> 32) * u64::from(parts)) >> 32) as i32
}

/// Counts the shingles of a batch of sampled sets, by part of the shingle values: one row
/// per part, a packed list of (shingle, count).
#[pyfunction]
pub fn count_shingles(input: Batch, parts: u32) -> PyResult<Batch> {
    let mut counts: HashMap<u32, u32> = HashMap::new();
    for s in blobs(&input.0, "set")?.into_iter().flatten() {
        for x in u32s(&s) {
            *counts.entry(x).or_insert(0) += 1;
        }
    }
    let mut by_part: Vec<Vec<u32>> = vec![Vec::new(); parts as usize];
    let mut sorted: Vec<(u32, u32)> = counts.into_iter().collect();
    sorted.sort_unstable();
    for (x, c) in sorted {
        let p = part_of(u64::from(x) << 32, parts) as usize;
        by_part[p].extend([x, c]);
    }
    let (mut part, mut blob) = (Int32Builder::new(), BinaryBuilder::new());
    for (p, v) in by_part.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
        part.append_value(p as i32);
        blob.append_value(le32(v));
    }
    batch(vec![("kpart", arr(&mut part)), ("blob", arr(&mut blob))])
}

/// The shingles counted more than `cut` times in all of a partition's partial counts,
/// packed, one row.
#[pyfunction]
pub fn widespread(input: Batch, cut: f64) -> PyResult<Batch> {
    let mut counts: HashMap<u32, u32> = HashMap::new();
    for b in blobs(&input.0, "blob")?.into_iter().flatten() {
        for xc in u32s(&b).chunks_exact(2) {
            *counts.entry(xc[0]).or_insert(0) += xc[1];
        }
    }
    let mut wide: Vec<u32> = counts
        .into_iter()
        .filter(|&(_, c)| f64::from(c) > cut)
        .map(|(x, _)| x)
        .collect();
    wide.sort_unstable();
    let mut blob = BinaryBuilder::new();
    blob.append_value(le32(&wide));
    batch(vec![("blob", arr(&mut blob))])
}

// --- stage 3: each outlet's boilerplate ------------------------------------------------

/// Each outlet's boilerplate from its sampled pages (the whole partition: every sampled page
/// of an outlet is in one), one row per outlet.
#[pyfunction]
pub fn outlet_boilerplate(input: Batch) -> PyResult<Batch> {
    let rb = input.0;
    let (sources, sets) = (strs(&rb, "source")?, blobs(&rb, "set")?);
    let mut by_outlet: HashMap<String, Vec<Vec<u32>>> = HashMap::new();
    for (s, set) in sources.into_iter().zip(sets) {
        if let (Some(s), Some(set)) = (s, set) {
            by_outlet.entry(s).or_default().push(u32s(&set));
        }
    }
    let mut names: Vec<String> = by_outlet.keys().cloned().collect();
    names.sort();
    let pages: Vec<Vec<&[u32]>> = names
        .iter()
        .map(|n| by_outlet[n].iter().map(Vec::as_slice).collect())
        .collect();
    let learned = boilerplate::outlet_boilerplate_of(&pages);
    let (mut source, mut blob) = (StringBuilder::new(), BinaryBuilder::new());
    for (name, set) in names.iter().zip(learned) {
        let mut v: Vec<u32> = set.into_iter().collect();
        v.sort_unstable();
        source.append_value(name);
        blob.append_value(le32(&v));
    }
    batch(vec![
        ("source", arr(&mut source)),
        ("boiler", arr(&mut blob)),
    ])
}

// --- stage 4: discount and sign --------------------------------------------------------

/// Discounts each set by the corpus-wide boilerplate (`widespread`, packed) and its outlet's
/// (`boiler`), and signs it: the discounted set and positions, the low bytes of its MinHash
/// fingerprints (to screen pairs), and its band keys (none for an empty set).
#[pyfunction]
pub fn sign(
    py: Python<'_>,
    input: Batch,
    flags: Vec<String>,
    widespread: &[u8],
) -> PyResult<Batch> {
    let opts = options(&flags)?;
    let rb = input.0;
    let wide: ShingleSet = u32s(widespread).into_iter().collect();
    let boiler = Boilerplate::from_sets(wide, Vec::new());
    let (sets, ats, outlets) = (blobs(&rb, "set")?, blobs(&rb, "at")?, blobs(&rb, "boiler")?);
    let hasher = MinHasher::new(opts.num_perm, opts.scheme, opts.seed);
    let bands = opts.bands();
    let k = opts.num_perm;
    let out: Vec<Signed> = py.detach(|| {
        use rayon::prelude::*;
        sets.par_iter()
            .zip(&ats)
            .zip(&outlets)
            .map(|((s, a), o)| {
                let (mut set, mut at) = (
                    u32s(s.as_deref().unwrap_or(&[])),
                    a.clone().unwrap_or_default(),
                );
                let outlet = o.as_deref().map(u32s).unwrap_or_default();
                let kept = boiler.discount_with(&mut set, &mut at, &outlet);
                set.truncate(kept);
                at.truncate(kept);
                let mut sig = vec![0u32; k];
                hasher.signature(&set, &mut sig);
                let fps: Vec<u16> = sig.iter().map(|&v| minhash::fingerprint(v)).collect();
                let low: Vec<u8> = fps.iter().map(|&f| f as u8).collect();
                let keys = (!set.is_empty()).then(|| {
                    (0..bands.bands)
                        .flat_map(|b| {
                            wiretrace::lsh::fingerprint_band_key(
                                &fps[..bands.bands * bands.rows],
                                bands,
                                b,
                            )
                            .to_le_bytes()
                        })
                        .collect()
                });
                (set, at, low, keys)
            })
            .collect()
    });
    let (mut set, mut at, mut low, mut keys) = (
        BinaryBuilder::new(),
        BinaryBuilder::new(),
        BinaryBuilder::new(),
        BinaryBuilder::new(),
    );
    let mut size = Int32Builder::new();
    for (s, a, l, k) in out {
        size.append_value(s.len() as i32);
        set.append_value(le32(&s));
        at.append_value(&a);
        low.append_value(&l);
        keys.append_option(k);
    }
    batch(vec![
        ("doc", column(&rb, "doc")?.clone()),
        ("set", arr(&mut set)),
        ("at", arr(&mut at)),
        ("low", arr(&mut low)),
        ("keys", arr(&mut keys)),
        ("size", arr(&mut size)),
    ])
}

// --- stage 5: candidates ---------------------------------------------------------------

/// Packs `(part, bytes)` items into one row per part.
/// Packed entries gathered by the part they go to, one blob per part (no allocation per
/// entry: a band key or a pair is 16 bytes, and there are millions).
#[derive(Default)]
struct Parts(std::collections::BTreeMap<i32, Vec<u8>>);

impl Parts {
    fn add(&mut self, part: i32, fields: &[&[u8]]) {
        let buf = self.0.entry(part).or_default();
        for f in fields {
            buf.extend_from_slice(f);
        }
    }

    fn batch(self, name: &str) -> PyResult<Batch> {
        let (mut part, mut blob) = (Int32Builder::new(), BinaryBuilder::new());
        for (p, b) in self.0 {
            part.append_value(p);
            blob.append_value(b);
        }
        batch(vec![(name, arr(&mut part)), ("blob", arr(&mut blob))])
    }
}

/// The band keys of a batch as (key, document) entries, by part of the key.
#[pyfunction]
pub fn lsh_entries(input: Batch, parts: u32) -> PyResult<Batch> {
    let rb = input.0;
    let (docs, keys) = (i64s(&rb, "doc")?, blobs(&rb, "keys")?);
    let mut out = Parts::default();
    for (d, k) in docs.into_iter().zip(keys) {
        let (Some(d), Some(k)) = (d, k) else { continue };
        for (band, key) in u64s(&k).into_iter().enumerate() {
            // A bucket is a band's keys that agree in their top 32 bits, as the command
            // line tells buckets apart (its rare extra collisions are the same here).
            // The part is by those 32 bits, so that every member of a bucket meets in one.
            let bucket = (band as u64) << 32 | key >> 32;
            out.add(
                part_of(key, parts),
                &[&bucket.to_le_bytes(), &(d as u64).to_le_bytes()],
            );
        }
    }
    out.batch("kpart")
}

/// A candidate pair's home: the part of its later document.
fn home(doc: u64, block: u64) -> i32 {
    (doc / block.max(1)) as i32
}

/// Every pair of documents that share a bucket (the whole partition: every entry of a key is
/// in one), as (later, earlier), by the later one's home part of `block` documents.
#[pyfunction]
pub fn bucket_pairs(py: Python<'_>, input: Batch, block: u64) -> PyResult<Batch> {
    let mut entries: Vec<(u64, u64)> = Vec::new();
    for b in blobs(&input.0, "blob")?.into_iter().flatten() {
        entries.extend(u64s(&b).chunks_exact(2).map(|e| (e[0], e[1])));
    }
    let items = py.detach(|| {
        entries.sort_unstable();
        entries.dedup();
        let mut pairs: Vec<(u64, u64)> = Vec::new();
        for bucket in entries.chunk_by(|x, y| x.0 == y.0) {
            // As the command line pairs them: a very wide bucket (a template, a page sent
            // thousands of times) is not expanded into all its pairs.
            for (i, &(_, later)) in bucket.iter().enumerate() {
                let from = lsh::mates_from(bucket.len(), i);
                pairs.extend(bucket[from..i].iter().map(|&(_, earlier)| (later, earlier)));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut out = Parts::default();
        for (l, e) in pairs {
            out.add(home(l, block), &[&l.to_le_bytes(), &e.to_le_bytes()]);
        }
        out
    });
    items.batch("q")
}

/// The anchors of a batch of discounted sets as (anchor, document, size, anchors) entries,
/// by part of the anchor.
#[pyfunction]
pub fn anchor_entries(input: Batch, flags: Vec<String>, parts: u32) -> PyResult<Batch> {
    let opts = options(&flags)?;
    let Some(p) = opts.anchors else {
        return Parts::default().batch("kpart");
    };
    let limit = 1u64 << 32u32.saturating_sub(p.bits);
    let rb = input.0;
    let (docs, sets) = (i64s(&rb, "doc")?, blobs(&rb, "set")?);
    let mut out = Parts::default();
    for (d, s) in docs.into_iter().zip(sets) {
        let (Some(d), Some(s)) = (d, s) else { continue };
        let set = u32s(&s);
        let anchors = &set[..set.partition_point(|&x| u64::from(x) < limit)];
        for &x in anchors {
            out.add(
                part_of(u64::from(x) << 32, parts),
                &[
                    &x.to_le_bytes(),
                    &(d as u64).to_le_bytes(),
                    &(set.len() as u32).to_le_bytes(),
                    &(anchors.len() as u32).to_le_bytes(),
                ],
            );
        }
    }
    out.batch("kpart")
}

/// Every pair anchors propose under each anchor of the partition (the whole partition: every
/// entry of an anchor is in one), once per anchor, as (later, earlier, anchors of the
/// smaller), by the later one's home part.
#[pyfunction]
pub fn anchor_pairs(
    py: Python<'_>,
    input: Batch,
    flags: Vec<String>,
    block: u64,
) -> PyResult<Batch> {
    let opts = options(&flags)?;
    let p = opts.anchors.unwrap_or_default();
    let mut entries: Vec<(u32, u64, u32, u32)> = Vec::new();
    for b in blobs(&input.0, "blob")?.into_iter().flatten() {
        entries.extend(b.chunks_exact(20).map(|e| {
            let u = |r: std::ops::Range<usize>| u32::from_le_bytes(e[r].try_into().unwrap());
            (
                u(0..4),
                u64::from_le_bytes(e[4..12].try_into().unwrap()),
                u(12..16),
                u(16..20),
            )
        }));
    }
    let items = py.detach(|| {
        entries.sort_unstable();
        let mut out = Parts::default();
        let mut by_size = Vec::new();
        for list in entries.chunk_by(|x, y| x.0 == y.0).filter(|l| l.len() >= 2) {
            // Documents are named by their place in the list (ascending, as the documents are).
            anchor::list_pairs(
                list.len(),
                |i| (i, list[i].2),
                p,
                &mut by_size,
                |l, e| {
                    let (later, earlier) = (list[l], list[e]);
                    let small = if earlier.2 < later.2 {
                        earlier.3
                    } else {
                        later.3
                    };
                    out.add(
                        home(later.1, block),
                        &[
                            &later.1.to_le_bytes(),
                            &earlier.1.to_le_bytes(),
                            &small.to_le_bytes(),
                        ],
                    );
                },
            );
        }
        out
    });
    items.batch("q")
}

/// The candidate pairs of a home part (the whole partition: every pair whose later document
/// lives in it): band mates (kind 0) and anchor mates that share enough anchors (kind 1).
/// Returns a row of packed (earlier, later) pairs per home (kind 0), and a row per earlier
/// document a home needs (kind 1, `doc`).
#[pyfunction]
pub fn candidates(py: Python<'_>, input: Batch, flags: Vec<String>, block: u64) -> PyResult<Batch> {
    let opts = options(&flags)?;
    let p = opts.anchors.unwrap_or_default();
    let rb = input.0;
    let (kinds, blobs) = (i64s(&rb, "kind")?, blobs(&rb, "blob")?);
    let mut pairs: Vec<(u64, u64)> = Vec::new();
    let mut anchored: Vec<(u64, u64, u32)> = Vec::new();
    for (k, b) in kinds.into_iter().zip(blobs) {
        let b = b.unwrap_or_default();
        if k == Some(0) {
            pairs.extend(u64s(&b).chunks_exact(2).map(|e| (e[1], e[0])));
        } else {
            anchored.extend(b.chunks_exact(20).map(|e| {
                let u = |r: std::ops::Range<usize>| u64::from_le_bytes(e[r].try_into().unwrap());
                (
                    u(8..16),
                    u(0..8),
                    u32::from_le_bytes(e[16..20].try_into().unwrap()),
                )
            }));
        }
    }
    let pairs = py.detach(|| {
        anchored.sort_unstable();
        for run in anchored.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            if anchor::mates_accept(p, run.len() as u32, run[0].2) {
                pairs.push((run[0].0, run[0].1));
            }
        }
        pairs.sort_unstable_by_key(|&(e, l)| (l, e));
        pairs.dedup();
        pairs
    });
    let (mut kind, mut q, mut doc, mut blob) = (
        Int8Builder::new(),
        Int32Builder::new(),
        Int64Builder::new(),
        BinaryBuilder::new(),
    );
    for same_home in pairs.chunk_by(|x, y| home(x.1, block) == home(y.1, block)) {
        let h = home(same_home[0].1, block);
        kind.append_value(0);
        q.append_value(h);
        doc.append_null();
        blob.append_value(
            same_home
                .iter()
                .flat_map(|&(e, l)| [e, l])
                .flat_map(u64::to_le_bytes)
                .collect::<Vec<u8>>(),
        );
        let mut need: Vec<u64> = same_home
            .iter()
            .map(|&(e, _)| e)
            .filter(|&e| home(e, block) != h)
            .collect();
        need.sort_unstable();
        need.dedup();
        for e in need {
            kind.append_value(1);
            q.append_value(h);
            doc.append_value(e as i64);
            blob.append_null();
        }
    }
    batch(vec![
        ("kind", arr(&mut kind)),
        ("q", arr(&mut q)),
        ("doc", arr(&mut doc)),
        ("blob", arr(&mut blob)),
    ])
}

// --- stage 6: verify -------------------------------------------------------------------

/// A partition's documents as a corpus (in document order, each once), with a map from
/// document number to place.
struct Local {
    corpus: Corpus,
    docs: Vec<u64>,
    low: Vec<u8>,
}

impl Local {
    fn at(&self, doc: u64) -> Option<u32> {
        self.docs.binary_search(&doc).ok().map(|i| i as u32)
    }
}

/// One document row of a step that works on whole documents.
struct DocRow {
    doc: u64,
    info: DocInfo,
    source: Option<String>,
    set: Vec<u32>,
    at: Vec<u8>,
    low: Vec<u8>,
}

/// A batch's document columns, read once (a partition holds many stories: reading them per
/// story made provenance quadratic in the partition).
struct DocCols {
    docs: Vec<Option<i64>>,
    ids: Vec<Option<String>>,
    titles: Vec<Option<String>>,
    sources: Vec<Option<String>>,
    dates: Vec<Option<i64>>,
    lens: Vec<Option<i64>>,
    sets: Vec<Option<Vec<u8>>>,
    ats: Vec<Option<Vec<u8>>>,
    lows: Vec<Option<Vec<u8>>>,
}

impl DocCols {
    fn read(rb: &RecordBatch) -> PyResult<Self> {
        let has = |n: &str| rb.column_by_name(n).is_some();
        let n = rb.num_rows();
        Ok(DocCols {
            docs: i64s(rb, "doc")?,
            ids: if has("id") {
                strs(rb, "id")?
            } else {
                vec![None; n]
            },
            titles: if has("title") {
                strs(rb, "title")?
            } else {
                vec![None; n]
            },
            sources: strs(rb, "source")?,
            dates: i64s(rb, "date")?,
            lens: i64s(rb, "len")?,
            sets: blobs(rb, "set")?,
            ats: blobs(rb, "at")?,
            lows: if has("low") {
                blobs(rb, "low")?
            } else {
                vec![None; n]
            },
        })
    }

    fn rows(&self, rows: &[usize]) -> Vec<DocRow> {
        rows.iter()
            .map(|&i| DocRow {
                doc: self.docs[i].unwrap_or(0) as u64,
                info: DocInfo {
                    date: self.dates[i],
                    title: self.titles[i].clone(),
                    len: self.lens[i].unwrap_or(0) as u32,
                    ..DocInfo::new(self.ids[i].clone().unwrap_or_default())
                },
                source: self.sources[i].clone(),
                set: u32s(self.sets[i].as_deref().unwrap_or(&[])),
                at: self.ats[i].clone().unwrap_or_default(),
                low: self.lows[i].clone().unwrap_or_default(),
            })
            .collect()
    }
}

fn local(mut rows: Vec<DocRow>) -> Local {
    rows.sort_by_key(|r| r.doc);
    rows.dedup_by_key(|r| r.doc);
    let mut corpus = Corpus::with_positions();
    let (mut docs, mut low) = (Vec::new(), Vec::new());
    for mut r in rows {
        r.info.source = r.source.as_deref().map(|s| corpus.intern_source(s));
        corpus.push_positioned(r.info, &r.set, &r.at);
        docs.push(r.doc);
        low.extend(r.low);
    }
    Local { corpus, docs, low }
}

/// Verifies the candidate pairs of the partition's homes (rows of kind 0: packed pairs; kind
/// 2: documents, each home's own and the earlier ones its pairs need), sets apart pairs that
/// share only site chrome, and returns each verified pair with what the linkage needs of it.
#[pyfunction]
pub fn verify_pairs(py: Python<'_>, input: Batch, flags: Vec<String>) -> PyResult<Batch> {
    let opts = options(&flags)?;
    let rb = input.0;
    let kinds = i64s(&rb, "kind")?;
    let doc_idx: Vec<usize> = (0..rb.num_rows())
        .filter(|&i| kinds[i] == Some(2))
        .collect();
    let l = local(DocCols::read(&rb)?.rows(&doc_idx));
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (k, b) in kinds.iter().zip(blobs(&rb, "blob")?) {
        if *k == Some(0) {
            for e in u64s(&b.unwrap_or_default()).chunks_exact(2) {
                if let (Some(a), Some(b)) = (l.at(e[0]), l.at(e[1])) {
                    pairs.push((a, b));
                }
            }
        }
    }
    let rule = Rule {
        scale: (1u32 << opts.sample) as f32,
        ..opts.rule
    };
    let c = &l.corpus;
    let edges: Vec<(Edge, f32, f32)> = py.detach(|| {
        use rayon::prelude::*;
        pairs.sort_unstable();
        pairs.dedup();
        let edges = verify::verify(c, &pairs, rule, Some((&l.low[..], opts.num_perm)));
        let doc = |i: u32| (c.set(i as usize), c.positions(i as usize));
        edges
            .into_par_iter()
            .filter(|e| {
                let (sa, sb) = (c.docs[e.a as usize].source, c.docs[e.b as usize].source);
                let same = sa.is_some() && sa == sb;
                !wiretrace::chrome::only_chrome(doc(e.a), doc(e.b), e.sim.shared, same, rule.scale)
            })
            .map(|e| {
                let cov = |me: u32, other: u32| {
                    let m = me as usize;
                    cluster::covered_by(
                        c.docs[m].len,
                        c.set(m),
                        c.positions(m).unwrap_or(&[]),
                        c.set(other as usize),
                    )
                };
                (e, cov(e.a, e.b), cov(e.b, e.a))
            })
            .collect()
    });
    let (mut a, mut b) = (Int64Builder::new(), Int64Builder::new());
    let (mut shared, mut larger, mut size_a, mut size_b) = (
        Int32Builder::new(),
        Int32Builder::new(),
        Int32Builder::new(),
        Int32Builder::new(),
    );
    let (mut containment, mut jaccard, mut cov_ab, mut cov_ba) = (
        Float32Builder::new(),
        Float32Builder::new(),
        Float32Builder::new(),
        Float32Builder::new(),
    );
    let (mut date_a, mut date_b) = (Int64Builder::new(), Int64Builder::new());
    for (e, cab, cba) in edges {
        let (x, y) = (e.a as usize, e.b as usize);
        a.append_value(l.docs[x] as i64);
        b.append_value(l.docs[y] as i64);
        shared.append_value(e.sim.shared as i32);
        larger.append_value(e.sim.larger as i32);
        containment.append_value(e.sim.containment);
        jaccard.append_value(e.sim.jaccard);
        size_a.append_value(c.set(x).len() as i32);
        size_b.append_value(c.set(y).len() as i32);
        cov_ab.append_value(cab);
        cov_ba.append_value(cba);
        date_a.append_option(c.docs[x].date);
        date_b.append_option(c.docs[y].date);
    }
    batch(vec![
        ("a", arr(&mut a)),
        ("b", arr(&mut b)),
        ("shared", arr(&mut shared)),
        ("larger", arr(&mut larger)),
        ("containment", arr(&mut containment)),
        ("jaccard", arr(&mut jaccard)),
        ("size_a", arr(&mut size_a)),
        ("size_b", arr(&mut size_b)),
        ("cov_ab", arr(&mut cov_ab)),
        ("cov_ba", arr(&mut cov_ba)),
        ("date_a", arr(&mut date_a)),
        ("date_b", arr(&mut date_b)),
    ])
}

// --- stage 7: each version's link ------------------------------------------------------

/// A version's place in time order: dated before undated, then by date, then input order.
fn rank(date: Option<i64>, doc: u64) -> (bool, i64, u64) {
    (date.is_none(), date.unwrap_or(0), doc)
}

/// Each version's link (the whole partition: every pair a version is in, seen from it):
/// rows (d, other, top), where a row with `top` holds only if `top` and `other` are a
/// verified pair.
#[pyfunction]
pub fn links(input: Batch, flags: Vec<String>) -> PyResult<Batch> {
    let opts = options(&flags)?;
    let Linkage::Attach(t) = opts.linkage else {
        unreachable!("checked by options")
    };
    let rb = input.0;
    let (d, other) = (i64s(&rb, "d")?, i64s(&rb, "other")?);
    let (share, jaccard, cov) = (
        {
            // As the command line divides: in single precision.
            let (shared, size) = (i64s(&rb, "shared")?, i64s(&rb, "size")?);
            let share = |(x, n): (Option<i64>, Option<i64>)| {
                x.unwrap_or(0) as f32 / n.unwrap_or(0).max(1) as f32
            };
            shared
                .into_iter()
                .zip(size)
                .map(share)
                .collect::<Vec<f32>>()
        },
        f32s(&rb, "jaccard")?,
        f32s(&rb, "cov")?,
    );
    let (date_d, date_o) = (i64s(&rb, "date_d")?, i64s(&rb, "date_o")?);
    let mut order: Vec<usize> = (0..rb.num_rows()).collect();
    order.sort_by_key(|&i| (d[i], other[i]));
    let (mut out_d, mut out_o, mut out_t) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    for group in order.chunk_by(|&x, &y| d[x] == d[y]) {
        let me = d[group[0]].unwrap_or(0) as u64;
        let seen: Vec<Neighbour<u64, (bool, i64, u64)>> = group
            .iter()
            .map(|&i| {
                let o = other[i].unwrap_or(0) as u64;
                Neighbour {
                    other: o,
                    share: share[i],
                    jaccard: jaccard[i],
                    rank: rank(date_o[i], o),
                }
            })
            .collect();
        let covered: HashMap<u64, f32> = group
            .iter()
            .map(|&i| (other[i].unwrap_or(0) as u64, cov[i]))
            .collect();
        let me_rank = rank(date_d[group[0]], me);
        match cluster::attach_link(me_rank, &seen, t, |o| covered.get(&o).copied()) {
            Link::None => {}
            Link::Parent(p) => {
                out_d.append_value(me as i64);
                out_o.append_value(p as i64);
                out_t.append_null();
            }
            Link::Root { top, also } => {
                out_d.append_value(me as i64);
                out_o.append_value(top as i64);
                out_t.append_null();
                for s in also {
                    out_d.append_value(me as i64);
                    out_o.append_value(s as i64);
                    out_t.append_value(top as i64);
                }
            }
        }
    }
    batch(vec![
        ("d", arr(&mut out_d)),
        ("other", arr(&mut out_o)),
        ("top", arr(&mut out_t)),
    ])
}

// --- stage 8: stories, the components of the links ------------------------------------
//
// Large-star and small-star rounds (Kiveris et al., "Connected Components in MapReduce and
// Beyond"), each a step over the edges of the nodes a partition holds. Edges travel as
// (u, v) rows; a step's input holds every edge of each of its nodes `u`.

/// The edges (u, v) of a batch, each with both its ends as given, sorted and without repeats.
fn edge_list(rb: &RecordBatch) -> PyResult<Vec<(i64, i64)>> {
    let (u, v) = (i64s(rb, "u")?, i64s(rb, "v")?);
    let mut e: Vec<(i64, i64)> = u
        .into_iter()
        .zip(v)
        .filter_map(|(a, b)| Some((a?, b?)))
        .filter(|(a, b)| a != b)
        .collect();
    e.sort_unstable();
    e.dedup();
    Ok(e)
}

fn edges_batch(e: impl IntoIterator<Item = (i64, i64)>) -> PyResult<Batch> {
    let (mut u, mut v) = (Int64Builder::new(), Int64Builder::new());
    for (a, b) in e {
        u.append_value(a);
        v.append_value(b);
    }
    batch(vec![("u", arr(&mut u)), ("v", arr(&mut v))])
}

/// The components of a partition's edges as stars around their least node, each star
/// edge in both directions: most of a story's links meet in few partitions, so the rounds
/// start near the end.
#[pyfunction]
pub fn local_stars(input: Batch) -> PyResult<Batch> {
    let e = edge_list(&input.0)?;
    let mut up: HashMap<i64, i64> = HashMap::new();
    fn root(up: &mut HashMap<i64, i64>, x: i64) -> i64 {
        let mut r = x;
        while let Some(&p) = up.get(&r).filter(|&&p| p != r) {
            r = p;
        }
        let mut y = x;
        while y != r {
            let next = up[&y];
            up.insert(y, r);
            y = next;
        }
        r
    }
    for &(a, b) in &e {
        up.entry(a).or_insert(a);
        up.entry(b).or_insert(b);
        let (ra, rb) = (root(&mut up, a), root(&mut up, b));
        // The least node stays the root.
        up.insert(ra.max(rb), ra.min(rb));
    }
    let mut nodes: Vec<i64> = up.keys().copied().collect();
    nodes.sort_unstable();
    let mut out = Vec::with_capacity(2 * nodes.len());
    for x in nodes {
        let r = root(&mut up, x);
        if r != x {
            out.extend([(x, r), (r, x)]);
        }
    }
    edges_batch(out)
}

/// Large star: every neighbour above a node goes to the node's least neighbour (or the
/// node). Input: every edge in both directions, grouped by `u`; output: (above, least),
/// and a row of `bad` (u and v null) counting the nodes that are neither a centre (every
/// neighbour above) nor a leaf (one neighbour, below). With none, the edges were a forest
/// of stars around their least nodes, and the output is the same edges, once each.
#[pyfunction]
pub fn large_star(input: Batch) -> PyResult<Batch> {
    let e = edge_list(&input.0)?;
    let (mut u, mut v, mut bad) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    let mut not_star = 0i64;
    for group in e.chunk_by(|x, y| x.0 == y.0) {
        let me = group[0].0;
        // Sorted: the first neighbour is the least.
        let least = group[0].1.min(me);
        let centre = group[0].1 > me;
        let leaf = group.len() == 1 && group[0].1 < me;
        not_star += i64::from(!centre && !leaf);
        for &(_, w) in group.iter().filter(|(_, w)| *w > me) {
            u.append_value(w);
            v.append_value(least);
            bad.append_null();
        }
    }
    u.append_null();
    v.append_null();
    bad.append_value(not_star);
    batch(vec![
        ("u", arr(&mut u)),
        ("v", arr(&mut v)),
        ("bad", arr(&mut bad)),
    ])
}

/// Small star: every neighbour below a node, and the node, go to the least of them.
/// Input: edges (u, v) with u above v, grouped by `u`; output: the new edges in both
/// directions.
#[pyfunction]
pub fn small_star(input: Batch) -> PyResult<Batch> {
    let e = edge_list(&input.0)?;
    let mut out = Vec::with_capacity(2 * e.len());
    for group in e.chunk_by(|x, y| x.0 == y.0) {
        let least = group[0].1.min(group[0].0);
        for w in std::iter::once(group[0].0).chain(group.iter().map(|g| g.1)) {
            if w != least {
                out.extend([(w, least), (least, w)]);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    edges_batch(out)
}

// --- stage 9: provenance per story -----------------------------------------------------

/// Origin, parent, similarity and the kept version of every version of the partition's
/// stories (the whole partition: every member of a story, kind 0, and every verified pair
/// inside it, kind 1, with its `label`).
#[pyfunction]
pub fn provenance(py: Python<'_>, input: Batch, flags: Vec<String>) -> PyResult<Batch> {
    let opts = options(&flags)?;
    let rb = input.0;
    let kinds = i64s(&rb, "kind")?;
    let labels = i64s(&rb, "label")?;
    let (ea, eb) = (i64s(&rb, "a")?, i64s(&rb, "b")?);
    let (shared, larger) = (i64s(&rb, "shared")?, i64s(&rb, "larger")?);
    let (containment, jaccard) = (f32s(&rb, "containment")?, f32s(&rb, "jaccard")?);
    let mut stories: HashMap<i64, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for i in 0..rb.num_rows() {
        let s = stories.entry(labels[i].unwrap_or(0)).or_default();
        if kinds[i] == Some(0) {
            s.0.push(i)
        } else {
            s.1.push(i)
        }
    }
    let mut keys: Vec<i64> = stories.keys().copied().collect();
    keys.sort_unstable();
    let cols = DocCols::read(&rb)?;
    let mut prepared = Vec::new();
    for k in keys {
        let (members, edge_rows) = &stories[&k];
        let l = local(cols.rows(members));
        let mut edges: Vec<Edge> = edge_rows
            .iter()
            .filter_map(|&i| {
                let (a, b) = (l.at(ea[i]? as u64)?, l.at(eb[i]? as u64)?);
                Some(Edge {
                    a: a.min(b),
                    b: a.max(b),
                    sim: Similarity {
                        shared: shared[i]? as u32,
                        larger: larger[i]? as u32,
                        containment: containment[i],
                        jaccard: jaccard[i],
                    },
                })
            })
            .collect();
        edges.sort_unstable_by_key(|e| (e.a, e.b));
        prepared.push((l, edges));
    }
    let title_shingles = |title: &str| {
        let mut set = Vec::new();
        wiretrace::shingle::text_shingles(
            title,
            opts.normalize,
            opts.shingle,
            opts.sample,
            &mut String::new(),
            &mut set,
        );
        set
    };
    let rows: Vec<Vec<Assigned>> = py.detach(|| {
        use rayon::prelude::*;
        prepared
            .par_iter()
            .map(|(l, edges)| {
                let c = &l.corpus;
                let n = c.len();
                let rank = wiretrace::provenance::time_order(&c.docs);
                let active: Vec<bool> = (0..n).map(|i| !c.set(i).is_empty()).collect();
                let heads = wiretrace::provenance::Headlines {
                    keys: wiretrace::provenance::title_keys(c),
                    shingles: &title_shingles,
                };
                let labels = vec![0u32; n];
                let a = wiretrace::provenance::assign(
                    c,
                    &labels,
                    edges,
                    &rank,
                    opts.keep_policy,
                    &active,
                    &heads,
                );
                a.iter()
                    .enumerate()
                    .map(|(i, a)| {
                        (
                            l.docs[i],
                            c.docs[a.cluster as usize].id.clone(),
                            a.parent.map(|p| c.docs[p as usize].id.clone()),
                            a.similarity,
                            a.duplicate,
                        )
                    })
                    .collect()
            })
            .collect()
    });
    let (mut doc, mut cluster, mut parent) = (
        Int64Builder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let (mut similarity, mut duplicate) = (Float64Builder::new(), BooleanBuilder::new());
    for (d, c, p, s, dup) in rows.into_iter().flatten() {
        doc.append_value(d as i64);
        cluster.append_value(c);
        parent.append_option(p);
        similarity.append_option(s.map(output::shown_similarity));
        duplicate.append_value(dup);
    }
    batch(vec![
        ("doc", arr(&mut doc)),
        ("cluster", arr(&mut cluster)),
        ("parent", arr(&mut parent)),
        ("similarity", arr(&mut similarity)),
        ("duplicate", arr(&mut duplicate)),
    ])
}

// --- rows out ------------------------------------------------------------------------

/// The JSON lines `wiretrace dedup` writes for the given rows (id, cluster, duplicate,
/// parent, similarity, empty, invalid), as one string column `value`: the command line's
/// own formatting, so the two outputs are byte for byte the same.
#[pyfunction]
pub fn json_rows(input: Batch) -> PyResult<Batch> {
    let rb = input.0;
    let (id, cluster, parent, invalid, junk) = (
        strs(&rb, "id")?,
        strs(&rb, "cluster")?,
        strs(&rb, "parent")?,
        strs(&rb, "invalid")?,
        strs(&rb, "junk")?,
    );
    let flag = |name: &str| -> PyResult<Vec<bool>> {
        read(
            &rb,
            name,
            DataType::Boolean,
            |a: &arrow_array::BooleanArray| a.iter().map(|x| x.unwrap_or(false)).collect(),
        )
    };
    let (duplicate, empty) = (flag("duplicate")?, flag("empty")?);
    let similarity: Vec<Option<f64>> = read(
        &rb,
        "similarity",
        DataType::Float64,
        |a: &arrow_array::Float64Array| a.iter().collect(),
    )?;
    let mut value = StringBuilder::new();
    let mut buf = Vec::new();
    for i in 0..rb.num_rows() {
        buf.clear();
        let who = id[i].as_deref().unwrap_or("");
        match (&invalid[i], &cluster[i]) {
            (Some(why), _) => output::invalid_line(&mut buf, who, why),
            (None, Some(c)) => output::row_line(
                &mut buf,
                &output::Row {
                    id: who,
                    cluster: c,
                    duplicate: duplicate[i],
                    parent: parent[i].as_deref(),
                    similarity: similarity[i],
                    empty: empty[i],
                    junk: junk[i].as_deref(),
                },
            ),
            (None, None) => return Err(err(format!("internal: row {who:?} has no story"))),
        }
        buf.pop(); // the newline: Spark's text writer adds its own
        value.append_value(std::str::from_utf8(&buf).expect("JSON is UTF-8"));
    }
    batch(vec![("value", arr(&mut value))])
}

/// Adds the engine's steps to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Counters>()?;
    for f in [
        wrap_pyfunction!(check_options, m)?,
        wrap_pyfunction!(widespread_plan, m)?,
        wrap_pyfunction!(outlet_plan, m)?,
        wrap_pyfunction!(shingle, m)?,
        wrap_pyfunction!(count_shingles, m)?,
        wrap_pyfunction!(widespread, m)?,
        wrap_pyfunction!(outlet_boilerplate, m)?,
        wrap_pyfunction!(sign, m)?,
        wrap_pyfunction!(lsh_entries, m)?,
        wrap_pyfunction!(bucket_pairs, m)?,
        wrap_pyfunction!(anchor_entries, m)?,
        wrap_pyfunction!(anchor_pairs, m)?,
        wrap_pyfunction!(candidates, m)?,
        wrap_pyfunction!(verify_pairs, m)?,
        wrap_pyfunction!(links, m)?,
        wrap_pyfunction!(local_stars, m)?,
        wrap_pyfunction!(large_star, m)?,
        wrap_pyfunction!(small_star, m)?,
        wrap_pyfunction!(provenance, m)?,
        wrap_pyfunction!(json_rows, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
