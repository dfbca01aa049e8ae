//! Fuzzing, driven by proptest so it runs on stable Rust and in CI for a bounded time: every
//! reader (JSON Lines plain, gzip and zstd, stdin's spooled copy, text folders), the record
//! parser, the date parser, the normalizer and shingler, the diff and its text output, and
//! the index reader (damaged parameters, damaged files). Each case must end in a value or a
//! clear error: no panic, no hang, no single allocation far past the record cap.
//!
//! `WIRETRACE_FUZZ_CASES` scales every target (default 1: a few thousand cases in all, some
//! seconds); `WIRETRACE_FUZZ_CASES=2000 cargo test --release --test fuzz` is the long run.
//! A failure prints the case; it becomes a regression test in the target's module.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use wiretrace::dedup::{self, Options};
use wiretrace::input::Input;

/// Tracks the largest single allocation, to show no reader holds what a hostile input asks
/// for (a line of gigabytes, a decompression bomb).
struct Tracking;
static LARGEST: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LARGEST.fetch_max(n, Ordering::Relaxed);
        System.realloc(p, l, n)
    }
}
#[global_allocator]
static A: Tracking = Tracking;

/// The record cap while fuzzing: 1 MiB, so a bomb can pass it many times over.
const CAP: usize = 1 << 20;
/// No single allocation may exceed this: the reader's chunk (5 MiB), a few records' worth.
const MOST: usize = 24 << 20;
/// A case that takes longer than this hangs.
const SLOW: Duration = Duration::from_secs(10);

fn scale() -> u32 {
    std::env::var("WIRETRACE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases.saturating_mul(scale()),
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    })
}

/// Counts generated cases across targets, for the closing line of a long run.
static CASES: AtomicUsize = AtomicUsize::new(0);

/// Runs one step of a case, failing it when it takes longer than [`SLOW`].
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    assert!(t.elapsed() < SLOW, "{what} took {:?}", t.elapsed());
    out
}

/// Text shaped like news and like the junk in dumps: words, punctuation, markup, entities,
/// controls, combining marks, other scripts, long runs.
fn texty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z]{1,12}",
        2 => Just(" ".to_string()),
        1 => Just("\n\n".to_string()),
        1 => "[.,;:!?\"'()\\-—–…«»“”‘’]{1,3}",
        1 => "<[a-z/!]{0,8}[^>]{0,12}>?",
        1 => "&(#x?[0-9a-fA-F]{0,8}|[a-z]{0,8});?",
        1 => "\\PC{1,6}",
        1 => "[\u{0}-\u{1f}\u{7f}-\u{9f}\u{300}-\u{36f}\u{202a}-\u{202e}\u{fe0f}\u{200b}-\u{200d}]{1,4}",
        1 => "[0-9]{1,20}",
        1 => "(a|ab|\u{1F600}| ){20,200}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// JSON Lines records: well formed, near misses, and plain bytes.
fn jsonl() -> impl Strategy<Value = Vec<u8>> {
    let value = prop_oneof![
        texty().prop_map(|t| serde_json::Value::String(t).to_string()),
        "-?[0-9]{1,30}(\\.[0-9]{0,5})?(e[+-]?[0-9]{1,4})?",
        Just("null".to_string()),
        Just("true".to_string()),
        Just("[1,{\"a\":[]}]".to_string()),
        Just("{}".to_string()),
        "\"[^\"\\\\]{0,20}",
    ];
    let key = prop_oneof![
        Just("id"),
        Just("text"),
        Just("title"),
        Just("source"),
        Just("date"),
        Just("url"),
        Just("other")
    ];
    let record = prop::collection::vec((key, value), 0..7).prop_map(|kv| {
        let body: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    });
    let line = prop_oneof![
        8 => record,
        1 => "\\PC{0,40}",
        1 => Just(String::new()),
        1 => Just("\u{feff}{\"text\":\"bom\"}".to_string()),
    ];
    let lines = prop::collection::vec(
        (line, prop_oneof![Just("\n"), Just("\r\n"), Just("")]),
        0..12,
    )
    .prop_map(|v| {
        v.into_iter()
            .flat_map(|(l, e)| format!("{l}{e}").into_bytes())
            .collect()
    });
    prop_oneof![
        6 => lines,
        1 => prop::collection::vec(any::<u8>(), 0..300),
    ]
}

/// WARC and WET streams: records of every type, HTTP responses with and without HTML,
/// lengths that lie, pages of junk markup.
fn warc() -> impl Strategy<Value = Vec<u8>> {
    let kind = "(response|resource|conversion|request|metadata|revisit|warcinfo|[a-z]{0,8})";
    let http = prop_oneof![
        (
            100u16..600,
            prop::option::of("(text/html|text/plain|image/png)(; charset=[a-z0-9-]{0,12})?")
        )
            .prop_map(|(st, ct)| match ct {
                Some(ct) => format!("HTTP/1.1 {st} X\r\nContent-Type: {ct}\r\n\r\n"),
                None => format!("HTTP/1.1 {st} X\r\n\r\n"),
            }),
        Just(String::new()),
        "\\PC{0,20}",
    ];
    let body = prop_oneof![
        texty().prop_map(|t| format!("<html><head><title>{t}</title></head><body><article><p>{t}</p><p>{t}</p></article></body></html>")),
        texty(),
        "(<[a-z]{1,6}( [a-z]{1,5}=\"[^\"]{0,8}\")?>|</[a-z]{1,6}>|[a-z ]{1,9}){0,40}",
    ];
    let record = (kind, http, body, -3i64..3, any::<bool>()).prop_map(|(k, h, b, skew, uri)| {
        let block = format!("{h}{b}");
        let len = (block.len() as i64 + skew).max(0);
        let uri = if uri { "WARC-Target-URI: https://www.example.com/a\r\n" } else { "" };
        format!("WARC/1.0\r\nWARC-Type: {k}\r\nWARC-Record-ID: <urn:x>\r\n{uri}Content-Length: {len}\r\n\r\n{block}\r\n\r\n")
    });
    prop::collection::vec(record, 0..5).prop_map(|v| v.concat().into_bytes())
}

/// CSV and TSV: a header row of names, then rows with quotes, separators and line breaks in
/// and out of their fields.
fn csv_text() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        texty(),
        texty().prop_map(|t| format!("\"{}\"", t.replace('"', "\"\""))),
        "[\",\t\n\r]{0,4}",
    ];
    (
        prop_oneof![Just(','), Just('\t')],
        prop::collection::vec(prop::collection::vec(cell, 0..5), 0..6),
    )
        .prop_map(|(sep, rows)| {
            let mut out = format!("id{sep}text{sep}date{sep}source\n");
            for row in rows {
                out.push_str(&row.join(&sep.to_string()));
                out.push('\n');
            }
            out.into_bytes()
        })
}

#[derive(Debug, Clone)]
enum Wrap {
    Plain,
    Gzip,
    Zstd,
    /// A compressed stream cut at some byte.
    Cut(bool, usize),
    /// Bytes repeated into one long line, compressed: a small file that expands past the cap.
    Bomb(bool, u8, usize),
}

fn wrap() -> impl Strategy<Value = Wrap> {
    prop_oneof![
        6 => Just(Wrap::Plain),
        2 => Just(Wrap::Gzip),
        2 => Just(Wrap::Zstd),
        1 => (any::<bool>(), 0usize..400).prop_map(|(g, n)| Wrap::Cut(g, n)),
        1 => (any::<bool>(), any::<u8>(), (CAP / 2)..(CAP * 40)).prop_map(|(g, b, n)| Wrap::Bomb(g, b, n)),
    ]
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn zstd(b: &[u8]) -> Vec<u8> {
    zstd::encode_all(b, 1).unwrap()
}

/// Writes a record whose text is `n` bytes `b` with no line break, streamed into the encoder:
/// the test itself must not hold `n` bytes either.
fn long_line<W: Write>(mut e: W, b: u8, n: usize) -> W {
    let block = vec![b; 1 << 16];
    e.write_all(b"{\"text\":\"").unwrap();
    let mut left = n;
    while left > 0 {
        let k = left.min(block.len());
        e.write_all(&block[..k]).unwrap();
        left -= k;
    }
    e
}

fn wrapped(bytes: &[u8], w: &Wrap) -> Vec<u8> {
    match *w {
        Wrap::Plain => bytes.to_vec(),
        Wrap::Gzip => gzip(bytes),
        Wrap::Zstd => zstd(bytes),
        Wrap::Cut(g, n) => {
            let c = if g { gzip(bytes) } else { zstd(bytes) };
            c[..n.min(c.len())].to_vec()
        }
        Wrap::Bomb(g, b, n) => {
            if g {
                let e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                long_line(e, b, n).finish().unwrap()
            } else {
                let e = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
                long_line(e, b, n).finish().unwrap()
            }
        }
    }
}

fn fuzz_options() -> Options {
    Options {
        skip_invalid: true,
        ..Options::default()
    }
}

#[test]
fn readers_end_in_documents_or_a_clear_error() {
    wiretrace::input::set_max_record_bytes(CAP);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in");
    let mut r = runner(300);
    let input = prop_oneof![3 => jsonl(), 1 => warc(), 1 => csv_text()];
    r.run(&(input, wrap(), any::<bool>()), |(bytes, w, skip)| {
        CASES.fetch_add(1, Ordering::Relaxed);
        std::fs::write(&path, wrapped(&bytes, &w)).unwrap();
        LARGEST.store(0, Ordering::Relaxed);
        let opts = Options {
            skip_invalid: skip,
            ..Options::default()
        };
        let out = timed("reading", || {
            dedup::run(&[Input::File(path.clone())], &opts, |_| {})
        });
        let largest = LARGEST.load(Ordering::Relaxed);
        prop_assert!(largest <= MOST, "an allocation of {largest} bytes ({w:?})");
        if let Err(e) = out {
            let msg = e.to_string();
            prop_assert!(!msg.is_empty() && !msg.contains("panicked"));
        }
        if matches!(w, Wrap::Bomb(..)) {
            // Past the cap, or a document once its quote closes: never held whole.
            prop_assert!(largest <= MOST);
        }
        Ok(())
    })
    .unwrap();
}

#[test]
fn text_folders_end_in_documents_or_a_clear_error() {
    wiretrace::input::set_max_record_bytes(CAP);
    let mut r = runner(60);
    r.run(
        &prop::collection::vec(
            (texty(), prop::option::of("[0-9]{4}-[0-9]{2}-[0-9]{2}")),
            0..6,
        ),
        |files| {
            CASES.fetch_add(1, Ordering::Relaxed);
            let dir = tempfile::tempdir().unwrap();
            for (i, (text, date)) in files.iter().enumerate() {
                let head = date
                    .as_ref()
                    .map(|d| format!("date {d} By Someone\n"))
                    .unwrap_or_default();
                std::fs::write(
                    dir.path().join(format!("{i:03}.txt")),
                    format!("{head}{text}"),
                )
                .unwrap();
            }
            // An empty folder is an error that says so; any other is read.
            match Input::resolve_all(&[dir.path().to_str().unwrap().to_string()]) {
                Ok(inputs) => {
                    let _ = timed("a text folder", || {
                        dedup::run(&inputs, &fuzz_options(), |_| {})
                    });
                }
                Err(e) => prop_assert!(files.is_empty(), "{e}"),
            }
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn records_and_dates_parse_or_say_why() {
    let fields = wiretrace::doc::Fields::default();
    let mut r = runner(3000);
    r.run(&jsonl(), |bytes| {
        CASES.fetch_add(1, Ordering::Relaxed);
        for line in bytes.split(|&b| b == b'\n') {
            timed("a record", || {
                let _ = wiretrace::doc::parse_json(line, &fields, "f:1");
            });
        }
        Ok(())
    })
    .unwrap();
    let mut r = runner(3000);
    let date = prop_oneof![
        "\\PC{0,30}",
        "[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\\.[0-9]{0,12})?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?",
        "-?[0-9]{1,25}",
    ];
    r.run(&date, |d| {
        CASES.fetch_add(1, Ordering::Relaxed);
        timed("a date", || {
            if let Some(t) = wiretrace::date::parse(&d) {
                let _ = wiretrace::date::format(t);
            }
        });
        Ok(())
    })
    .unwrap();
}

#[test]
fn the_normalizer_and_shingler_take_any_text() {
    use wiretrace::normalize::{normalize, NormalizeOptions};
    use wiretrace::shingle::{shingles, ShingleKind};
    let mut r = runner(3000);
    r.run(
        &(
            texty(),
            any::<[bool; 4]>(),
            1usize..9,
            any::<bool>(),
            0u32..3,
        ),
        |(t, f, n, word, sample)| {
            CASES.fetch_add(1, Ordering::Relaxed);
            let opts = NormalizeOptions {
                markup: f[0],
                nfkc: f[1],
                case_fold: f[2],
                punctuation: f[3],
            };
            timed("normalizing", || {
                let norm = normalize(&t, opts);
                // Normalizing is idempotent on its own output's words.
                let kind = if word {
                    ShingleKind::Word(n)
                } else {
                    ShingleKind::Char(n)
                };
                let mut out = Vec::new();
                shingles(&norm, kind, sample, &mut out);
            });
            Ok(())
        },
    )
    .unwrap();
}

/// A version's text and headline.
type Doc = (String, Option<String>);

#[test]
fn diffs_end_in_a_report_in_time() {
    use wiretrace::diff::{diff, write_text, Version};
    let mut r = runner(500);
    let doc = || (texty(), prop::option::of(texty()));
    r.run(
        &(doc(), doc(), any::<bool>()),
        |((ta, ha), (tb, hb), color): (Doc, Doc, bool)| {
            CASES.fetch_add(1, Ordering::Relaxed);
            timed("a diff", || {
                let rep = diff(
                    Version {
                        id: "a",
                        title: ha.as_deref(),
                        text: &ta,
                    },
                    Version {
                        id: "b",
                        title: hb.as_deref(),
                        text: &tb,
                    },
                );
                let mut out = Vec::new();
                write_text(&rep, color, &mut out).unwrap();
                serde_json::to_vec(&rep).unwrap();
                let shown = String::from_utf8(out).unwrap();
                // Only our own colour codes reach a terminal.
                let esc = shown.matches('\u{1b}').count();
                assert!(
                    color || esc == 0,
                    "an escape from the data reached the terminal"
                );
            });
            Ok(())
        },
    )
    .unwrap();
}

/// A small index to damage, built once per run.
fn small_index(dir: &Path) -> std::path::PathBuf {
    let index = dir.join("base.index");
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/news.jsonl");
    wiretrace::index::add(
        &index,
        &[Input::File(input)],
        None,
        &wiretrace::index::base_options(),
        Duration::from_secs(5),
        |_| {},
    )
    .unwrap();
    index
}

#[test]
fn the_index_reader_takes_damaged_files_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_index(dir.path());
    let pristine = std::fs::read(&base).unwrap();
    let batch = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/news.jsonl");
    let work = dir.path().join("work.index");
    // Whole files with bytes changed, cut, or zeroed.
    let mut r = runner(40);
    let damage = prop::collection::vec((0usize..pristine.len(), any::<u8>()), 1..40);
    r.run(
        &(damage, prop::option::of(0usize..pristine.len())),
        |(edits, cut)| {
            CASES.fetch_add(1, Ordering::Relaxed);
            let mut bytes = pristine.clone();
            for (at, b) in edits {
                bytes[at] = b;
            }
            if let Some(n) = cut {
                bytes.truncate(n);
            }
            std::fs::write(&work, &bytes).unwrap();
            let _ = std::fs::remove_file(dir.path().join("work.index-wal"));
            let _ = std::fs::remove_file(dir.path().join("work.index-shm"));
            LARGEST.store(0, Ordering::Relaxed);
            timed("a damaged index", || {
                if let Ok(ix) = wiretrace::index::Index::open(&work) {
                    let _ = ix.stats();
                    let _ = ix.probe(
                        &[Input::File(batch.clone())],
                        &wiretrace::index::base_options(),
                        |_| {},
                    );
                }
            });
            let largest = LARGEST.load(Ordering::Relaxed);
            prop_assert!(largest <= 256 << 20, "an allocation of {largest} bytes");
            Ok(())
        },
    )
    .unwrap();
    // Stored parameters: any JSON values in their fields.
    let conn = rusqlite::Connection::open(&base).unwrap();
    let text: String = conn
        .query_row("SELECT value FROM meta WHERE key='params'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let params: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<String> = params.as_object().unwrap().keys().cloned().collect();
    let mut r = runner(150);
    let value = prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u32>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Value::from(if f.is_finite() { f } else { 0.5 })),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
    ];
    r.run(
        &prop::collection::vec((0..keys.len(), value), 1..4),
        |edits| {
            CASES.fetch_add(1, Ordering::Relaxed);
            let mut p = params.clone();
            for (k, v) in edits {
                p[&keys[k]] = v;
            }
            conn.execute(
                "UPDATE meta SET value=?1 WHERE key='params'",
                [p.to_string()],
            )
            .unwrap();
            LARGEST.store(0, Ordering::Relaxed);
            timed("damaged parameters", || {
                if let Ok(ix) = wiretrace::index::Index::open(&base) {
                    let _ = ix.probe(
                        &[Input::File(batch.clone())],
                        &wiretrace::index::base_options(),
                        |_| {},
                    );
                }
            });
            let largest = LARGEST.load(Ordering::Relaxed);
            prop_assert!(
                largest <= 256 << 20,
                "an allocation of {largest} bytes for {p}"
            );
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn zz_count() {
    // Runs last by name when tests run one at a time; in parallel it is a lower bound.
    eprintln!(
        "fuzz cases (generated inputs) so far: {}",
        CASES.load(Ordering::Relaxed)
    );
}
