//! # wiretrace
//!
//! Finds near-duplicate news stories in scraped corpora, groups every version of one story,
//! and tells which version came first. The pipeline, as data flows:
//!
//! 1. [`input`] reads dumps in chunks (gzip, zstd, xz, bzip2; JSON Lines, JSON arrays,
//!    CSV/TSV, Parquet, WARC/WET, HTML pages, text stories, folders of them), telling each
//!    kind by its content; [`readers`] turns a record of each kind into a [`doc::Document`] (HTML by article
//!    extraction).
//! 2. [`normalize`] folds typography, markup, case and Unicode forms; [`shingle`] cuts the
//!    text into hashed n-grams. The text is then dropped: a [`corpus::Corpus`] keeps only the
//!    metadata and the shingle set of each document.
//! 3. [`boilerplate`] learns from the corpus which shingles are outlet headers, footers and
//!    stock phrases, and removes them from the sets.
//! 4. [`minhash`] signs each set, [`lsh`] buckets the signatures into candidate pairs, and
//!    [`verify`] checks every candidate on the real sets by containment.
//! 5. [`cluster`] groups verified pairs into stories without chaining unrelated ones, and
//!    [`provenance`] names each story's origin and each version's parent.
//! 6. [`output`] writes the rows (as JSON Lines, CSV or Parquet, by [`table`]) and the cleaned
//!    corpus atomically; [`eval`] scores a run
//!    against ground truth.
//!
//! Showing versions: [`diff`] aligns two versions' paragraphs and summarises the edits,
//! [`story`] draws a story's lineage, [`lookup`] finds documents by id in a corpus.
//!
//! [`dedup::run`] runs it all:
//!
//! ```no_run
//! use wiretrace::{dedup, input::Input};
//! let inputs = vec![Input::resolve("news.jsonl.zst")?];
//! let result = dedup::run(&inputs, &dedup::Options::default(), |_| {})?;
//! println!("{} stories", result.stats.stories);
//! # Ok::<(), wiretrace::Error>(())
//! ```
#![warn(missing_docs)]

pub mod anchor;
pub mod boilerplate;
pub mod check;
pub mod chrome;
pub mod cli;
pub mod cluster;
pub mod corpus;
pub mod date;
pub mod dedup;
pub mod diff;
pub mod doc;
pub mod error;
pub mod escape;
pub mod eval;
pub mod index;
pub mod input;
pub mod interrupt;
pub mod junk;
pub mod lookup;
pub mod lsh;
mod mem;
pub mod minhash;
pub mod normalize;
pub mod output;
pub mod provenance;
pub mod readers;
pub mod report;
pub mod shingle;
pub mod story;
pub mod table;
#[cfg(test)]
mod testutil;
pub mod verify;

pub use error::{Error, Result};
