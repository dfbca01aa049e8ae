//! The persistent index behind `wiretrace index` and `wiretrace check`: an archive's LSH
//! buckets and the evidence verification needs, in one SQLite database file.
//!
//! Why SQLite (bundled, WAL mode) and not redb: a CI `check` must read while an `add` writes,
//! from another process. SQLite's write-ahead log gives exactly that (readers see the last
//! committed state, one writer at a time, a second writer waits on the lock), and every `add`
//! is one transaction, so a crash or `kill -9` leaves the index as it was before or after it.
//! (The first add into a new, empty index loads it with a rollback journal, then switches it
//! to WAL: see `store::open_write`.) redb locks the file for one process. Measured on this machine (12.8 M bucket entries,
//! `/tmp/dbbench`): SQLite inserted them in 5.8 s, redb's multimap in 26 s and twice the size.
//!
//! What is stored, per document (about 1.2 KiB at the defaults):
//! - `docs`: id, story, date, source, title, text length, and a fixed sample of its shingle
//!   set (the shingles below a hash cut, one in 2^`keep_bits` = 4, at least [`MIN_SAMPLE`]).
//!   Samples cut at one value are comparable: the shingles two samples share estimate what
//!   the whole sets share, which is what verification weighs. The sample is of the set
//!   discounted with the boilerplate known when it was added (the raw set would cost 40%
//!   more); a check discounts it again with what it knows then, like the batch's own.
//! - `buckets`: the LSH band keys. One row per key would cost ~20 bytes of row overhead for
//!   each of the 117 bands of every document, so keys are grouped into 2^`page_bits` pages by
//!   their top bits; a page is a sorted run of (next 16 key bits, document number). A check
//!   reads only the pages its own keys fall in. Each add writes its pages as a new segment,
//!   merged with the newest ones as they accumulate (see `buckets`), so an add into a large
//!   index does not rewrite every page it touches.
//! - `boilerplate` and `outlet_pages`: the corpus-wide boilerplate learned so far, and the raw
//!   shingle sets of up to 16 pages per outlet. An outlet's header and footer are learned from
//!   its pages in a batch together with these, so a batch with only a few of its pages is
//!   discounted like the archive was.
//! - `meta`: the parameters; `check` reads them, so it needs no repeated flags.
//!
//! MinHash signatures themselves are not kept: the bands are what LSH needs and the shingle
//! sample is better evidence than a signature for the same bytes (it also gives containment).
//! The price: changing the threshold of an existing index means building it again.

mod buckets;
mod overlap;
mod probe;
mod store;

/// MinHash signature length of a new index, unless asked otherwise.
pub const DEFAULT_NUM_PERM: usize = 256;

/// Anchors in the batch's own stories of an add or a check: none. With them a check of
/// 20,000 documents against the 200,000-document index took 0.72-0.74 s instead of
/// 0.67-0.69 (below the 30,000 documents/s it must keep), for 15 more batch duplicates.
pub const ANCHORS: Option<crate::anchor::Anchors> = None;

/// Shingles of a new index: character 6-grams, one in two kept, and LSH aimed at Jaccard
/// 0.1. `dedup` reads 7-grams, one in four, with fewer bands: its anchors find the short cuts
/// that so small a sample leaves LSH too little of, and a check against stored documents
/// has no anchors. The index's numbers were measured with these.
pub const DEFAULT_SHINGLE: ShingleKind = ShingleKind::Char(6);
/// See [`DEFAULT_SHINGLE`].
pub const DEFAULT_SAMPLE: u32 = 1;
/// See [`DEFAULT_SHINGLE`].
pub const DEFAULT_THRESHOLD: f64 = 0.1;

/// The pipeline options of a new index, and of a check's batch, before the command line's.
pub fn base_options() -> Options {
    Options {
        shingle: DEFAULT_SHINGLE,
        sample: DEFAULT_SAMPLE,
        threshold: DEFAULT_THRESHOLD,
        num_perm: DEFAULT_NUM_PERM,
        anchors: ANCHORS,
        ..Options::default()
    }
}

pub use probe::{BatchMatch, Match, Probe};
pub use store::{add, compact, remove, AddReport, Index, IndexStats};

use crate::dedup::Options;
use crate::error::{Error, Result};
use crate::lsh::Bands;
use crate::minhash::Scheme;
use crate::normalize::NormalizeOptions;
use crate::shingle::ShingleKind;
use serde::{Deserialize, Serialize};

/// Version of the index layout; an index of another version is refused with a clear message.
/// 2: band keys hashed from signature fingerprints (as `dedup`'s), not from full values.
/// 3: bucket pages in segments, one per add (an older reader would miss all but the first).
/// 4: entries of 6 bytes (16 key bits below the page, not 32).
pub const FORMAT: u32 = 4;

/// A document's stored sample keeps at least this many shingles (short texts need evidence).
pub const MIN_SAMPLE: usize = 8;

/// Everything that decides what an index holds. Stored in the index as JSON; documents added
/// and checked later are processed with exactly these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// Normalization: decode markup.
    pub markup: bool,
    /// Normalization: Unicode NFKC.
    pub nfkc: bool,
    /// Normalization: lower-case.
    pub case_fold: bool,
    /// Normalization: punctuation breaks words.
    pub punctuation: bool,
    /// Shingles: `char6`, `word3`, …
    pub shingle: String,
    /// One shingle in 2^sample is kept while reading.
    pub sample: u32,
    /// MinHash signature length.
    pub num_perm: usize,
    /// `oph` or `classic`.
    pub scheme: String,
    /// MinHash seed.
    pub seed: u64,
    /// Jaccard similarity LSH aims at.
    pub threshold: f64,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
    /// Stored shingle sample: one in 2^keep_bits of a document's discounted set.
    pub keep_bits: u32,
    /// Bucket keys are grouped in 2^page_bits pages.
    pub page_bits: u32,
}

impl Params {
    /// The parameters of an index built with `opts`.
    pub fn from_options(opts: &Options) -> Params {
        let bands = opts.bands();
        Params {
            format: FORMAT,
            markup: opts.normalize.markup,
            nfkc: opts.normalize.nfkc,
            case_fold: opts.normalize.case_fold,
            punctuation: opts.normalize.punctuation,
            shingle: match opts.shingle {
                ShingleKind::Char(n) => format!("char{n}"),
                ShingleKind::Word(n) => format!("word{n}"),
            },
            sample: opts.sample,
            num_perm: opts.num_perm,
            scheme: match opts.scheme {
                Scheme::OnePermutation => "oph".into(),
                Scheme::Classic => "classic".into(),
            },
            seed: opts.seed,
            threshold: opts.threshold,
            bands: bands.bands,
            rows: bands.rows,
            keep_bits: 2,
            page_bits: 18,
        }
    }

    /// The pipeline options these parameters stand for (`base` gives the rest: fields,
    /// verification rule, …).
    pub fn options(&self, base: &Options) -> Result<Options> {
        let bad = |what: &str| {
            Error::Usage(format!(
                "the index has an unknown {what}; it was written by another wiretrace version"
            ))
        };
        if let Err(what) = self.validate() {
            return Err(Error::Usage(format!(
                "the index's stored parameters are out of range ({what}); it is damaged or was edited: rebuild it with `wiretrace index add`"
            )));
        }
        let shingle = if let Some(n) = self.shingle.strip_prefix("char") {
            ShingleKind::Char(n.parse().map_err(|_| bad("shingle kind"))?)
        } else if let Some(n) = self.shingle.strip_prefix("word") {
            ShingleKind::Word(n.parse().map_err(|_| bad("shingle kind"))?)
        } else {
            return Err(bad("shingle kind"));
        };
        // Pages are built from LSH's band columns, a group of them at a time.
        if !(7..=crate::lsh::COLUMN_KEY_BITS - buckets::FINE_BITS).contains(&self.page_bits) {
            return Err(bad("page layout"));
        }
        Ok(Options {
            normalize: NormalizeOptions {
                markup: self.markup,
                nfkc: self.nfkc,
                case_fold: self.case_fold,
                punctuation: self.punctuation,
            },
            shingle,
            sample: self.sample,
            num_perm: self.num_perm,
            scheme: match self.scheme.as_str() {
                "oph" => Scheme::OnePermutation,
                "classic" => Scheme::Classic,
                _ => return Err(bad("MinHash scheme")),
            },
            seed: self.seed,
            threshold: self.threshold,
            bands: Some(Bands {
                bands: self.bands,
                rows: self.rows,
            }),
            ..base.clone()
        })
    }

    /// The parameters that differ from `other`, as `name is ours in the index but theirs
    /// here`, or `None` when none does.
    pub fn difference(&self, other: &Params) -> Option<String> {
        let a = serde_json::to_value(self).ok()?;
        let b = serde_json::to_value(other).ok()?;
        let (a, b) = (a.as_object()?, b.as_object()?);
        let diffs: Vec<String> = a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, v)| format!("{k} is {v} in the index but {} here", b[k]))
            .collect();
        (!diffs.is_empty()).then(|| diffs.join(", "))
    }

    /// Checks values read from an index file as the command line's are checked: a damaged or
    /// edited index must not make a check allocate gigabytes or name flags nobody gave.
    /// Returns what is wrong.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let n = |s: &str| s.parse::<usize>().ok();
        let ngram = self
            .shingle
            .strip_prefix("char")
            .or_else(|| self.shingle.strip_prefix("word"))
            .and_then(n);
        let problems = [
            (
                !matches!(ngram, Some(1..=64)),
                format!("shingle {:?}", self.shingle),
            ),
            (self.sample > 8, format!("sample {}", self.sample)),
            (
                !(1..=1024).contains(&self.num_perm),
                format!("num_perm {}", self.num_perm),
            ),
            (
                !matches!(self.scheme.as_str(), "oph" | "classic"),
                format!("scheme {:?}", self.scheme),
            ),
            (
                !(self.threshold > 0.0 && self.threshold <= 1.0),
                format!("threshold {}", self.threshold),
            ),
            (
                self.bands == 0
                    || self.rows == 0
                    || self.bands.saturating_mul(self.rows) > self.num_perm,
                format!(
                    "bands {} × rows {} of {} permutations",
                    self.bands, self.rows, self.num_perm
                ),
            ),
            (self.keep_bits > 16, format!("keep_bits {}", self.keep_bits)),
            (
                !(7..=crate::lsh::COLUMN_KEY_BITS - buckets::FINE_BITS).contains(&self.page_bits),
                format!("page_bits {}", self.page_bits),
            ),
        ];
        let bad: Vec<String> = problems
            .into_iter()
            .filter(|(b, _)| *b)
            .map(|(_, what)| what)
            .collect();
        if bad.is_empty() {
            Ok(())
        } else {
            Err(bad.join(", "))
        }
    }

    /// The hash value below which a shingle is in the stored sample.
    pub fn sample_cut(&self) -> u64 {
        (1u64 << 32) >> self.keep_bits.min(31)
    }
}

/// Reads the ids of `index remove --ids`: one per line, exactly as written (only the line
/// break goes: spaces are part of an id), blank lines skipped; or, when the first line is a
/// JSON object, JSON Lines rows with an `"id"` (so ids holding line breaks can be named, and
/// `dedup` rows can be given as they are). An error is the line number and what is wrong.
pub fn read_ids(text: &str) -> std::result::Result<Vec<String>, (usize, String)> {
    let lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let json = text.trim_start().starts_with('{');
    let mut ids = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.is_empty() || (json && line.trim().is_empty()) {
            continue;
        }
        if !json {
            ids.push(line.to_string());
            continue;
        }
        #[derive(Deserialize)]
        struct Row {
            id: Option<Box<serde_json::value::RawValue>>,
        }
        let row: Row = serde_json::from_str(line).map_err(|e| {
            (
                n + 1,
                format!("not a JSON object ({e}); give one id per line, or JSON Lines rows {{\"id\": …}} throughout"),
            )
        })?;
        match row.id.as_ref().map(|r| crate::doc::id_text(r.get())) {
            Some(Ok(Some(id))) => ids.push(id),
            _ => return Err((n + 1, "the row has no \"id\" string or number".into())),
        }
    }
    Ok(ids)
}

/// The stored sample of a sorted, discounted set: the shingles below `cut`, or its
/// [`MIN_SAMPLE`] smallest when fewer are.
pub fn sample(set: &[u32], cut: u64) -> &[u32] {
    let below = set.partition_point(|&x| u64::from(x) < cut);
    &set[..below.max(MIN_SAMPLE.min(set.len()))]
}

/// The value below which a stored sample is complete (every shingle of the whole set below it
/// is in the sample).
pub fn sample_bound(sample: &[u32], cut: u64) -> u64 {
    match sample.last() {
        Some(&last) if u64::from(last) >= cut => u64::from(last) + 1,
        _ => cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip_through_options() {
        let opts = base_options();
        let p = Params::from_options(&opts);
        // A new index keeps the settings its speed and accuracy were measured with, whatever
        // `dedup`'s defaults become.
        assert_eq!(
            (p.shingle.as_str(), p.sample, p.threshold, p.num_perm),
            ("char6", 1, 0.1, 256)
        );
        let back = p.options(&opts).unwrap();
        assert_eq!(Params::from_options(&back), p);
        let mut q = p.clone();
        q.num_perm = 128;
        assert_eq!(
            p.difference(&q).unwrap(),
            "num_perm is 256 in the index but 128 here"
        );
        assert_eq!(p.difference(&p), None);
        assert_eq!(p.validate(), Ok(()));
        let mut huge = p.clone();
        huge.num_perm = 100_000_000;
        assert!(huge.validate().unwrap_err().contains("num_perm 100000000"));
        let mut odd = p.clone();
        odd.bands = 300;
        odd.shingle = "char0".into();
        assert_eq!(
            odd.validate().unwrap_err(),
            "shingle \"char0\", bands 300 × rows 2 of 256 permutations"
        );
    }

    #[test]
    fn ids_to_remove_are_read_exactly() {
        assert_eq!(
            read_ids(" a \nb\r\n\n c\n").unwrap(),
            vec![" a ", "b", " c"]
        );
        assert_eq!(
            read_ids("{\"id\": \"x\\ny\"}\n\n{\"id\": 18446744073709551617, \"cluster\": 1}\n")
                .unwrap(),
            vec!["x\ny", "18446744073709551617"]
        );
        assert_eq!(read_ids("{\"id\": 1}\nplain\n").unwrap_err().0, 2);
    }

    #[test]
    fn samples_keep_small_values_and_a_minimum() {
        let cut = 100;
        let set: Vec<u32> = (0..40).map(|i| i * 10).collect();
        assert_eq!(sample(&set, cut), &set[..10]);
        assert_eq!(sample_bound(sample(&set, cut), cut), 100);
        let sparse: Vec<u32> = (0..40).map(|i| i * 1000).collect();
        let s = sample(&sparse, cut);
        assert_eq!(s.len(), MIN_SAMPLE);
        assert_eq!(sample_bound(s, cut), 7001);
        assert_eq!(sample(&sparse[..3], cut).len(), 3);
        assert!(sample(&[], cut).is_empty());
    }
}
