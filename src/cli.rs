//! Command-line definitions (clap derive), one struct per subcommand, and their resolution
//! into the library's options: raw arguments in, a configuration the rest of the code trusts
//! out.

use crate::dedup::{KeepPolicy, Options};
use crate::doc::Fields;
use crate::error::{Error, Result};
use crate::lsh::Bands;
use crate::minhash::Scheme;
use crate::normalize::NormalizeOptions;
use crate::shingle::ShingleKind;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Find near-duplicate news stories, group every version of a story, and tell which came first.
#[derive(Debug, Parser)]
#[command(name = "wiretrace", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cluster near-duplicate versions into stories; one JSON row per document.
    Dedup(Box<DedupArgs>),
    /// Show how version B differs from version A: edits and aligned paragraphs.
    #[command(
        override_usage = "wiretrace diff [OPTIONS] <A> <B> [--corpus <FILE>...]\n       \
                                wiretrace diff [OPTIONS] --pairs <PAIRS> --corpus <FILE>..."
    )]
    Diff(DiffArgs),
    /// Show a story's lineage: every version under the one it derives from, with its edits.
    Story(StoryArgs),
    /// Write a self-contained HTML report: overview, stories, timelines and diffs.
    Report(ReportArgs),
    /// Write every document as the pipeline reads it (pages and WARC records as article text).
    Convert(ConvertArgs),
    /// Score a clustering (dedup rows) against ground truth.
    Eval(EvalArgs),
    /// Build and maintain a persistent index of an archive, for `check`.
    Index(IndexArgs),
    /// Check a new batch against an index and itself; exit 1 when too much of it is duplicate.
    Check(CheckArgs),
}

/// Options every command shares.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', global = true)]
    pub threads: Option<usize>,
    /// No progress and no summary on stderr.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Longest record read, in bytes (a JSON line or a story file); a longer one stops the
    /// run with its place named. [default: 268435456, 256 MiB]
    #[arg(long, global = true, value_name = "BYTES", default_value_t = crate::input::DEFAULT_MAX_RECORD_BYTES, hide_default_value = true)]
    pub max_record_bytes: usize,
}

/// Options naming the JSON keys of records. A name with dots is a path into nested objects
/// (`article.body`; a number step indexes an array) unless the record has a key of that very
/// name.
#[derive(Debug, Args, Clone)]
pub struct FieldArgs {
    /// JSON key of the id.
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// JSON key of the text (at its default, news-please's `maintext` is read too).
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// JSON key of the headline.
    #[arg(long, default_value = "title")]
    pub title_field: String,
    /// JSON key of the outlet (at its default, `source_domain` and `domain` are read too;
    /// without an outlet, the URL's host is one).
    #[arg(long, default_value = "source")]
    pub source_field: String,
    /// JSON key of the publication date (at its default, `date_publish` is read too).
    #[arg(long, default_value = "date")]
    pub date_field: String,
    /// JSON key of the URL.
    #[arg(long, default_value = "url")]
    pub url_field: String,
}

impl FieldArgs {
    /// The keys as the library takes them.
    pub fn fields(&self) -> Fields {
        Fields {
            id: self.id_field.clone(),
            text: self.text_field.clone(),
            title: self.title_field.clone(),
            source: self.source_field.clone(),
            date: self.date_field.clone(),
            url: self.url_field.clone(),
        }
    }
}

/// `wiretrace dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// JSON Lines, JSON, CSV/TSV, Parquet, WARC or WET files (plain or compressed), HTML
    /// pages, text stories, folders, or - for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Write the rows here instead of stdout (replaced atomically).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Format of the rows [default: by the -o extension (.csv, .tsv, .parquet), else jsonl].
    #[arg(long, value_enum)]
    pub format: Option<crate::table::Format>,
    /// Write the cleaned corpus here: one version per story, each record exactly as read
    /// (a folder when the inputs are text folders).
    #[arg(long, value_name = "PATH")]
    pub keep: Option<PathBuf>,
    /// Which version of a story --keep writes.
    #[arg(long, value_enum, default_value_t = KeepArg::Earliest)]
    pub keep_policy: KeepArg,
    /// Jaccard similarity LSH aims to catch; bands and rows are derived from it [default: 0.17].
    #[arg(long)]
    pub threshold: Option<f64>,
    /// MinHash signature length [default: 128].
    #[arg(long)]
    pub num_perm: Option<usize>,
    /// LSH bands (with --rows), instead of deriving them from --threshold.
    #[arg(long, requires = "rows")]
    pub bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands")]
    pub rows: Option<usize>,
    /// MinHash scheme.
    #[arg(long, value_enum, default_value_t = SchemeArg::Oph)]
    pub minhash: SchemeArg,
    /// Seed of the MinHash permutations (results vary slightly with it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Shingle kind [default: char].
    #[arg(long, value_enum)]
    pub shingle: Option<ShingleArg>,
    /// Shingle size: words, or characters (at most 8) [default: 3 words, 7 characters].
    #[arg(long)]
    pub ngram: Option<usize>,
    /// Keep one shingle in 2^N (the same ones in every document): smaller sets, faster runs
    /// [default: 2].
    #[arg(long, value_name = "N")]
    pub sample: Option<u32>,
    /// Also pair versions of which one is at least twice the other's size and shares two
    /// of its anchors, one stored shingle in 2^N (containment that LSH's Jaccard misses, as
    /// a one-paragraph cut of a long story); 0 turns this off [default: 2].
    #[arg(long, value_name = "N")]
    pub anchors: Option<u32>,
    /// Share of the smaller version that must at least be found in the larger [default: 0.25].
    #[arg(long)]
    pub min_containment: Option<f32>,
    /// Stored shingles two versions must share at least [default: 5].
    #[arg(long)]
    pub min_shared: Option<u32>,
    /// Evidence score a pair needs to be one story; higher is stricter [default: 2].
    #[arg(long)]
    pub min_score: Option<f32>,
    /// How verified pairs become stories.
    #[arg(long, value_enum, default_value_t = LinkageArg::Attach)]
    pub linkage: LinkageArg,
    /// For --linkage near: how far below a version's best match a pair may be.
    #[arg(long, default_value_t = 0.15)]
    pub margin: f32,
    /// Shingles found in more documents than this are boilerplate [default: 1% of the
    /// documents, between 30 and 254].
    #[arg(long)]
    pub boilerplate_df: Option<u32>,
    /// Do not apply Unicode NFKC.
    #[arg(long)]
    pub no_nfkc: bool,
    /// Do not lower-case.
    #[arg(long)]
    pub no_case_fold: bool,
    /// Keep punctuation (only whitespace separates words).
    #[arg(long)]
    pub no_punctuation: bool,
    /// Do not decode HTML entities nor drop tags.
    #[arg(long)]
    pub no_markup: bool,
    /// JSON keys of id and text.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Count and leave out malformed records and repeated ids instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `--keep-policy`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeepArg {
    /// The story's origin.
    Earliest,
    /// The longest version.
    Longest,
}

/// `--minhash`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemeArg {
    /// One permutation hashing with densification (fast).
    Oph,
    /// K independent permutations (textbook).
    Classic,
}

/// `--linkage`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LinkageArg {
    /// Each version joins the one story of the earlier version that explains it best.
    Attach,
    /// Pairs within --margin of one version's best match.
    Near,
    /// Connected components of all verified pairs (chains through shared paragraphs).
    Single,
}

/// `--shingle`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShingleArg {
    /// Word n-grams.
    Word,
    /// Character n-grams (spaces removed).
    Char,
}

impl DedupArgs {
    /// Resolves the arguments into library options, checking ranges.
    pub fn options(&self) -> Result<Options> {
        let d = Options::default();
        let shingle = match (self.shingle, self.ngram) {
            (None, None) => d.shingle,
            (Some(ShingleArg::Word), n) => ShingleKind::Word(n.unwrap_or(3)),
            (Some(ShingleArg::Char), n) => ShingleKind::Char(n.unwrap_or(7)),
            (None, Some(n)) => match d.shingle {
                ShingleKind::Word(_) => ShingleKind::Word(n),
                ShingleKind::Char(_) => ShingleKind::Char(n),
            },
        };
        match shingle {
            ShingleKind::Word(0) | ShingleKind::Char(0) => {
                return Err(Error::Usage("--ngram must be at least 1".into()))
            }
            ShingleKind::Char(n) if n > 8 => {
                return Err(Error::Usage(format!(
                    "--ngram {n}: character shingles are at most 8 long"
                )))
            }
            _ => {}
        }
        let threshold = self.threshold.unwrap_or(d.threshold);
        if !(threshold > 0.0 && threshold < 1.0) {
            return Err(Error::Usage(format!(
                "--threshold {threshold}: give a number between 0 and 1, e.g. 0.2"
            )));
        }
        let mut rule = d.rule;
        if let Some(c) = self.min_containment {
            if !(0.0..=1.0).contains(&c) {
                return Err(Error::Usage(format!(
                    "--min-containment {c}: give a number between 0 and 1"
                )));
            }
            rule.min_containment = c;
        }
        if let Some(m) = self.min_shared {
            rule.min_shared = m;
        }
        if let Some(m) = self.min_score {
            rule.min_score = m;
        }
        let num_perm = self.num_perm.unwrap_or(d.num_perm);
        if !(1..=1024).contains(&num_perm) {
            return Err(Error::Usage(format!(
                "--num-perm {num_perm}: give 1 to 1024"
            )));
        }
        Ok(Options {
            normalize: NormalizeOptions {
                markup: !self.no_markup,
                nfkc: !self.no_nfkc,
                case_fold: !self.no_case_fold,
                punctuation: !self.no_punctuation,
            },
            shingle,
            sample: match self.sample {
                Some(s) if s > 8 => return Err(Error::Usage(format!("--sample {s}: give 0 to 8"))),
                Some(s) => s,
                None => d.sample,
            },
            num_perm,
            scheme: match self.minhash {
                SchemeArg::Oph => Scheme::OnePermutation,
                SchemeArg::Classic => Scheme::Classic,
            },
            seed: self.seed.unwrap_or(d.seed),
            threshold,
            bands: self
                .bands
                .zip(self.rows)
                .map(|(bands, rows)| Bands { bands, rows }),
            anchors: match self.anchors {
                Some(0) => None,
                Some(bits @ 1..=16) => Some(crate::anchor::Anchors {
                    bits,
                    ..Default::default()
                }),
                Some(bits) => {
                    return Err(Error::Usage(format!(
                        "--anchors {bits}: give 0 (off) to 16"
                    )))
                }
                None => d.anchors,
            },
            rule,
            linkage: match self.linkage {
                LinkageArg::Single => crate::cluster::Linkage::Single,
                LinkageArg::Near => crate::cluster::Linkage::NearBest(self.margin),
                LinkageArg::Attach => crate::cluster::Linkage::default(),
            },
            boilerplate_df: self.boilerplate_df,
            fields: self.fields.fields(),
            skip_invalid: self.skip_invalid,
            keep_policy: match self.keep_policy {
                KeepArg::Earliest => KeepPolicy::Earliest,
                KeepArg::Longest => KeepPolicy::Longest,
            },
            parents: true,
        })
    }
}

/// `wiretrace eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Ground truth JSON Lines: {"id", "cluster", "parent"}.
    #[arg(long, value_name = "TRUTH")]
    pub truth: PathBuf,
    /// The rows written by `wiretrace dedup`.
    #[arg(value_name = "CLUSTERS")]
    pub clusters: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `eval --format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EvalFormat {
    /// A table for people.
    Table,
    /// One JSON object.
    Json,
}

/// `wiretrace diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Version A: an id in the --corpus, or a text file when no corpus is given.
    #[arg(required_unless_present = "pairs", requires = "b")]
    pub a: Option<String>,
    /// Version B, likewise.
    pub b: Option<String>,
    /// Corpus files (JSON Lines, .gz, .zst, text folders) that hold the ids.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub corpus: Vec<String>,
    /// Many pairs in one run: JSON Lines rows {"a", "b"} of ids; one output row per pair.
    #[arg(long, value_name = "PAIRS", requires = "corpus", conflicts_with = "a")]
    pub pairs: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Write here instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// JSON keys of id and text.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum DiffFormat {
    /// For a terminal: the edit summary and the marked paragraphs (coloured on a terminal,
    /// unless NO_COLOR is set).
    Text,
    /// One JSON object per pair.
    Json,
}

/// `wiretrace story`.
#[derive(Debug, Args)]
pub struct StoryArgs {
    /// Id of any version of the story.
    pub id: String,
    /// Corpus files (JSON Lines, .gz, .zst, text folders) that hold the story.
    #[arg(long, num_args = 1.., required = true, value_name = "FILE")]
    pub corpus: Vec<String>,
    /// Rows written by `wiretrace dedup` for this corpus (else it is clustered now, with the
    /// default settings).
    #[arg(long, value_name = "CLUSTERS")]
    pub clusters: Option<PathBuf>,
    /// JSON keys of id and text.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `wiretrace report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The corpus: any inputs `dedup` reads (JSON Lines, CSV, Parquet, WARC, folders, …).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Rows written by `wiretrace dedup` for this corpus (else it is clustered now, with the
    /// default settings).
    #[arg(long, value_name = "CLUSTERS")]
    pub clusters: Option<PathBuf>,
    /// Write the page here (replaced atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Stories whose diffs the page carries: the largest, those with most outlets, the most
    /// edited and a sample, N in all; `all` carries every story's. Every story is listed,
    /// searchable and has its timeline either way.
    #[arg(long, value_name = "N|all", default_value = "300", value_parser = parse_stories)]
    pub stories: Stories,
    /// JSON keys of id and text.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `--stories N|all`: a number of stories, or all of them (`None`).
pub type Stories = Option<usize>;

fn parse_stories(s: &str) -> Result<Stories, String> {
    match s {
        "all" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| format!("expected a number of stories or `all`, found {s:?}")),
    }
}

/// `wiretrace convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// JSON Lines, JSON, CSV/TSV, Parquet, WARC or WET files (plain or compressed), HTML
    /// pages, text stories, folders, or - for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Write the documents here (replaced atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Format of the documents [default: by the -o extension (.csv, .tsv, .parquet), else
    /// jsonl].
    #[arg(long, value_enum)]
    pub format: Option<crate::table::Format>,
    /// Count and name malformed records instead of stopping at the first.
    #[arg(long)]
    pub skip_invalid: bool,
    /// JSON keys of id and text.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `wiretrace index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// What to do with the index.
    #[command(subcommand)]
    pub command: IndexCommand,
}

/// The `index` subcommands.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Add documents (created when missing; ids already indexed are skipped and counted).
    Add(Box<IndexAddArgs>),
    /// Documents, stories, parameters and size on disk.
    Stats(IndexStatsArgs),
    /// Remove documents by id.
    Remove(IndexRemoveArgs),
    /// Merge the bucket segments of all adds into one (checks then read the fewest rows).
    Compact(IndexCompactArgs),
}

/// `wiretrace index add`.
#[derive(Debug, Args)]
pub struct IndexAddArgs {
    /// The index file (an SQLite database).
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// Any inputs `dedup` reads (JSON Lines, CSV, Parquet, WARC, folders, …), or - for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// For a new index: Jaccard similarity LSH aims to catch [default: 0.1].
    #[arg(long)]
    pub threshold: Option<f64>,
    /// For a new index: MinHash signature length [default: 256].
    #[arg(long)]
    pub num_perm: Option<usize>,
    /// For a new index: LSH bands (with --rows).
    #[arg(long, requires = "rows")]
    pub bands: Option<usize>,
    /// For a new index: LSH rows per band (with --bands).
    #[arg(long, requires = "bands")]
    pub rows: Option<usize>,
    /// For a new index: seed of the MinHash permutations.
    #[arg(long)]
    pub seed: Option<u64>,
    /// For a new index: keep one shingle in 2^N while reading [default: 1].
    #[arg(long, value_name = "N")]
    pub sample: Option<u32>,
    /// Seconds to wait for another add or remove to finish before giving up.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub wait: u64,
    /// JSON keys of id and text.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Count and leave out malformed records and repeated ids instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

impl IndexAddArgs {
    /// The pipeline options for reading (fields, invalid records).
    pub fn base(&self) -> Options {
        Options {
            fields: self.fields.fields(),
            skip_invalid: self.skip_invalid,
            // An index has only LSH to find a new version's match among the stored ones
            // (no anchors), so it keeps the longer signature and the denser sample.
            ..crate::index::base_options()
        }
    }

    /// The index parameters asked for on the command line, or `None` when none was given
    /// (an existing index then uses its own).
    pub fn requested(&self) -> Result<Option<crate::index::Params>> {
        if self.threshold.is_none()
            && self.num_perm.is_none()
            && self.bands.is_none()
            && self.seed.is_none()
            && self.sample.is_none()
        {
            return Ok(None);
        }
        let mut opts = self.base();
        if let Some(t) = self.threshold {
            if !(t > 0.0 && t < 1.0) {
                return Err(Error::Usage(format!(
                    "--threshold {t}: give a number between 0 and 1, e.g. 0.2"
                )));
            }
            opts.threshold = t;
        }
        if let Some(k) = self.num_perm {
            if !(1..=1024).contains(&k) {
                return Err(Error::Usage(format!("--num-perm {k}: give 1 to 1024")));
            }
            opts.num_perm = k;
        }
        opts.bands = self
            .bands
            .zip(self.rows)
            .map(|(bands, rows)| Bands { bands, rows });
        let b = opts.bands();
        if b.bands == 0 || b.rows == 0 || b.bands * b.rows > opts.num_perm {
            return Err(Error::Usage(format!(
                "--bands {} × --rows {} must be at least 1 each and use at most --num-perm {} values",
                b.bands, b.rows, opts.num_perm
            )));
        }
        if let Some(s) = self.seed {
            opts.seed = s;
        }
        if let Some(s) = self.sample {
            if s > 8 {
                return Err(Error::Usage(format!("--sample {s}: give 0 to 8")));
            }
            opts.sample = s;
        }
        Ok(Some(crate::index::Params::from_options(&opts)))
    }
}

/// `wiretrace index stats`.
#[derive(Debug, Args)]
pub struct IndexStatsArgs {
    /// The index file.
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `wiretrace index remove`.
#[derive(Debug, Args)]
pub struct IndexRemoveArgs {
    /// The index file.
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// A file of ids to remove: one per line, exactly as written (spaces included), or JSON
    /// Lines rows {"id": …} (for ids with line breaks; dedup rows work); - for stdin.
    #[arg(long, value_name = "FILE")]
    pub ids: PathBuf,
    /// Seconds to wait for another add or remove to finish before giving up.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub wait: u64,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `wiretrace index compact`.
#[derive(Debug, Args)]
pub struct IndexCompactArgs {
    /// The index file.
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// Seconds to wait for another add or remove to finish before giving up.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub wait: u64,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `wiretrace check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The index to check against (its parameters are used).
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// The new batch: any inputs `dedup` reads (JSON Lines, CSV, Parquet, WARC, folders, …), or -.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Largest share of duplicate documents that still passes (exit 0); above it, exit 1.
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub max_dup_rate: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Write the report here (replaced atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// JSON keys of id and text.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Count and leave out malformed records and repeated ids instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Threads and verbosity.
    #[command(flatten)]
    pub common: Common,
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum CheckFormat {
    /// The verdict and one line per duplicate.
    Text,
    /// One JSON object: documents, duplicates, rate, results with their matches.
    Json,
    /// A summary for a CI log or a pull-request comment.
    Markdown,
    /// GitHub Actions annotations.
    Github,
}
