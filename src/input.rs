//! Reading news dumps, whatever their names: the kind of each input (JSON Lines, a JSON array,
//! CSV/TSV, Parquet, WARC/WET, an HTML page or a text story) is told by its first bytes after
//! decompression (gzip, zstd, xz, bzip2, also by their bytes), and folders are walked
//! recursively. Records are read in chunks of raw bytes on a background thread, so
//! decompression overlaps with the parallel work on the previous chunk, and the whole corpus
//! is never in memory at once.

use crate::error::{Error, Result};
use crate::readers::{warc, RecordKind};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Where records come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Standard input (any kind but Parquet, possibly compressed).
    Stdin,
    /// A file of any kind read (possibly compressed).
    File(PathBuf),
    /// A folder of `.txt` stories, read in file-name order.
    Dir(PathBuf, Vec<PathBuf>),
    /// Standard input copied to a temporary file (for commands that read their input twice);
    /// named `<stdin>` in messages.
    Spooled(PathBuf),
}

/// The default cap on one record's length: 256 MiB. A news story is kilobytes; a longer
/// "line" is a broken or hostile file, and holding it would take that much memory or more.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 256 << 20;

static MAX_RECORD_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_RECORD_BYTES);

/// Sets the cap on one record's length (a JSON line, or a story file) for every reader.
pub fn set_max_record_bytes(n: usize) {
    MAX_RECORD_BYTES.store(n.max(1), Ordering::Relaxed);
}

/// The cap on one record's length.
pub fn max_record_bytes() -> usize {
    MAX_RECORD_BYTES.load(Ordering::Relaxed)
}

impl Input {
    /// Resolves a command-line argument: `-` is stdin, a folder is a text folder, else a file.
    pub fn resolve(arg: &str) -> Result<Input> {
        let mut all = Input::resolve_many(arg)?;
        match all.len() {
            1 => Ok(all.remove(0)),
            _ => Err(Error::Usage(format!(
                "{arg}: is a folder of data files; read it with Input::resolve_many"
            ))),
        }
    }

    /// Resolves one argument into the inputs it names: `-` is stdin, a file is itself, and a
    /// folder is walked recursively in sorted path order: its data files (JSON Lines, WARC,
    /// WET, compressed or not) each one input, then its `.txt` stories and `.html` pages
    /// together as one. A folder with nothing readable is an error that says what it holds.
    pub fn resolve_many(arg: &str) -> Result<Vec<Input>> {
        if arg == "-" {
            return Ok(vec![Input::Stdin]);
        }
        let path = PathBuf::from(arg);
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if !meta.is_dir() {
            return Ok(vec![Input::File(path)]);
        }
        let mut all = Vec::new();
        walk(&path, &mut all)?;
        all.sort();
        let (mut data, mut pages, mut other) = (Vec::new(), Vec::new(), BTreeMap::new());
        for p in all {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let ext = name
                .rsplit_once('.')
                .map(|(_, e)| e.to_string())
                .unwrap_or_default();
            match ext.as_str() {
                "txt" | "html" | "htm" => pages.push(p),
                "jsonl" | "ndjson" | "json" | "warc" | "wet" | "csv" | "tsv" | "parquet" | "gz"
                | "zst" | "zstd" | "xz" | "bz2" => data.push(p),
                _ => {
                    *other
                        .entry(if ext.is_empty() {
                            "(no extension)".to_string()
                        } else {
                            format!(".{ext}")
                        })
                        .or_insert(0usize) += 1
                }
            }
        }
        if data.is_empty() && pages.is_empty() {
            let found: usize = other.values().sum();
            let kinds: Vec<String> = other.iter().map(|(k, n)| format!("{k} ({n})")).collect();
            return Err(Error::Usage(if found == 0 {
                format!(
                    "{}: the folder holds no files; name a folder of stories, pages or dumps",
                    path.display()
                )
            } else {
                format!(
                    "{}: {found} file(s), none of a readable kind: {}. wiretrace reads .txt stories, .html pages, and JSON Lines, JSON, WARC, WET, CSV, TSV and Parquet files (.jsonl, .json, .warc, .wet, .csv, .tsv, .parquet; compressed .gz, .zst, .xz or .bz2)",
                    path.display(),
                    kinds.join(", ")
                )
            }));
        }
        let mut inputs: Vec<Input> = data.into_iter().map(Input::File).collect();
        if !pages.is_empty() {
            inputs.push(Input::Dir(path, pages));
        }
        Ok(inputs)
    }

    /// Resolves every argument, stopping at the first that cannot be read. One file given
    /// twice (by two names, a link, or a file inside a folder also given) is an error: its
    /// every record would otherwise be reported a duplicate of itself.
    pub fn resolve_all(args: &[String]) -> Result<Vec<Input>> {
        let mut inputs: Vec<Input> = Vec::new();
        for a in args {
            inputs.extend(Input::resolve_many(a)?);
        }
        let mut seen: std::collections::HashMap<(u64, u64), PathBuf> = Default::default();
        for input in &inputs {
            for path in input.files() {
                let Some(key) = file_key(path) else { continue };
                if let Some(first) = seen.insert(key, path.to_path_buf()) {
                    let (a, b) = (first.display(), path.display());
                    let also = if first == path {
                        String::new()
                    } else {
                        format!(" (also as {b})")
                    };
                    return Err(Error::Usage(format!(
                        "{a} is given twice{also}; name each input once (its records would all be duplicates of themselves)"
                    )));
                }
            }
        }
        Ok(inputs)
    }

    /// The files this input reads (none for stdin).
    pub fn files(&self) -> Vec<&Path> {
        match self {
            Input::Stdin => vec![],
            Input::File(p) | Input::Spooled(p) => vec![p],
            Input::Dir(_, files) => files.iter().map(PathBuf::as_path).collect(),
        }
    }

    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin | Input::Spooled(_) => "<stdin>".into(),
            Input::File(p) | Input::Dir(p, _) => p.display().to_string(),
        }
    }

    /// True for text folders (their records are whole files, not JSON).
    pub fn is_text_dir(&self) -> bool {
        matches!(self, Input::Dir(..))
    }

    /// Where record `line` of this input is: `file:line`, or the story file's path.
    pub fn place(&self, line: u64) -> String {
        match self {
            Input::Dir(_, files) => files[line as usize - 1].display().to_string(),
            _ => format!("{}:{}", self.name(), line),
        }
    }

    /// The id a record of `kind` gets when it has none: a story or page file's name without
    /// its extension, else `file:line`.
    pub fn fallback_id_for(&self, kind: RecordKind, line: u64) -> String {
        match (self, kind) {
            (Input::File(p), RecordKind::Text | RecordKind::Html) => p
                .file_stem()
                .unwrap_or(p.as_os_str())
                .to_string_lossy()
                .into_owned(),
            _ => self.fallback_id(line),
        }
    }

    /// The id a record gets when it has none: `file:line`, or the story file's stem.
    pub fn fallback_id(&self, line: u64) -> String {
        match self {
            Input::Dir(root, files) => {
                // A story in a nested folder is named by its path below the folder given
                // (`2024/01/ferry`): two days' `ferry.txt` are two stories.
                let f = &files[line as usize - 1];
                let rel = f.strip_prefix(root).unwrap_or(f);
                rel.with_extension("").to_string_lossy().into_owned()
            }
            _ => self.place(line),
        }
    }
}

/// Every file below `dir` (following no links to folders, so a loop of links cannot trap
/// the walk).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let p = entry.path();
        let ty = entry.file_type().map_err(|e| Error::io(&p, e))?;
        if ty.is_dir() {
            walk(&p, out)?;
        } else if p.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

/// One raw record inside a [`Chunk`].
#[derive(Debug, Clone, Copy)]
pub struct RecordRef {
    /// Byte range in [`Chunk::data`] (without the line ending).
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// Index of the input in the list given to [`for_each_chunk`].
    pub input: u32,
    /// 1-based line number (JSONL), record number (WARC) or file number (folders).
    pub line: u64,
    /// How the bytes are read.
    pub kind: RecordKind,
}

/// A batch of raw records sharing one buffer.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The bytes of all records, back to back.
    pub data: Vec<u8>,
    /// The records.
    pub records: Vec<RecordRef>,
    /// Records passed over because they are not documents (WARC requests, redirects, …),
    /// by kind.
    pub skipped: BTreeMap<&'static str, u64>,
}

impl Chunk {
    /// An empty chunk with room for [`CHUNK_BYTES`] and a record beyond it. Filled by
    /// doubling from empty, every chunk copied itself into fresh pages at each step, which
    /// the kernel had to clear first (at 200,000 documents page clearing fell from 799 to 397
    /// perf samples).
    fn with_room() -> Chunk {
        Chunk {
            data: Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 4),
            records: Vec::new(),
            skipped: BTreeMap::new(),
        }
    }

    /// The bytes of record `r`.
    pub fn bytes(&self, r: &RecordRef) -> &[u8] {
        &self.data[r.start..r.end]
    }
}

/// Chunks hold about this many bytes: large enough to amortise the hand-off between threads,
/// small enough that a few in flight cost little memory.
const CHUNK_BYTES: usize = 4 << 20;

/// The device and inode of a file (following links), to tell when two names are one file.
pub fn file_key(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok().map(|p| {
            (
                0,
                xxhash_rust::xxh3::xxh3_64(p.as_os_str().as_encoded_bytes()),
            )
        })
    }
}

/// Formats that are recognised by their first bytes but not read: what they are and what to
/// do, rather than a JSON parser's "expected value".
fn unreadable_kind(magic: &[u8]) -> Option<&'static str> {
    Some(
        if magic.starts_with(&[0xff, 0xfe]) || magic.starts_with(&[0xfe, 0xff]) {
            "UTF-16 text; convert it to UTF-8 first (`iconv -f UTF-16 -t UTF-8 FILE`)"
        } else if magic.starts_with(b"PK\x03\x04") {
            "a zip archive; unpack it and name the JSON Lines files inside"
        } else {
            return None;
        },
    )
}

/// The magic bytes of an xz file.
const XZ: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];

/// A JSON Lines source, decompressed when its magic bytes say so.
pub struct Source {
    /// The records' bytes.
    pub reader: Box<dyn BufRead + Send>,
    /// True when the bytes come through a decompressor (read errors are then damage).
    pub compressed: bool,
}

/// Opens a JSON Lines source, decompressing gzip, zstd, xz or bzip2 when its magic bytes
/// say so.
pub fn open_jsonl(input: &Input) -> Result<Box<dyn BufRead + Send>> {
    open_source(input).map(|s| s.reader)
}

/// [`open_jsonl`], saying whether the source is compressed.
pub fn open_source(input: &Input) -> Result<Source> {
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::File(p) | Input::Spooled(p) => {
            Box::new(File::open(p).map_err(|e| Error::io(input.name(), e))?)
        }
        Input::Dir(p, _) => {
            return Err(Error::Usage(format!(
                "{}: is a folder, not a JSON Lines file",
                p.display()
            )))
        }
    };
    let mut buf = BufReader::with_capacity(1 << 20, raw);
    let magic = buf
        .fill_buf()
        .map_err(|e| Error::io(input.name(), e))?
        .to_vec();
    if let Some(kind) = unreadable_kind(&magic) {
        return Err(Error::Usage(format!("{}: is {kind}", input.name())));
    }
    let (reader, compressed): (Box<dyn BufRead + Send>, bool) = if magic.starts_with(&[0x1f, 0x8b])
    {
        let gz = flate2::bufread::MultiGzDecoder::new(buf);
        (Box::new(BufReader::with_capacity(1 << 20, gz)), true)
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let z = zstd::stream::read::Decoder::with_buffer(buf)
            .map_err(|e| Error::io(input.name(), e))?;
        (Box::new(BufReader::with_capacity(1 << 20, z)), true)
    } else if magic.starts_with(XZ) {
        // Multi-stream, as `xz` and `pixz` write concatenated and parallel archives.
        let xz = liblzma::bufread::XzDecoder::new_multi_decoder(buf);
        (Box::new(BufReader::with_capacity(1 << 20, xz)), true)
    } else if magic.starts_with(b"BZh") && magic.get(3).is_some_and(|c| (b'1'..=b'9').contains(c)) {
        let bz = bzip2::bufread::MultiBzDecoder::new(buf);
        (Box::new(BufReader::with_capacity(1 << 20, bz)), true)
    } else {
        (Box::new(buf), false)
    };
    Ok(Source { reader, compressed })
}

/// Appends the next line of `r` (with its line break) to `out`; returns the bytes read, 0 at
/// the end. A line longer than `cap` (line break aside) is `Err(None)`, found before it is
/// held; a read error is `Err(Some(e))`.
fn read_line_capped(
    r: &mut dyn BufRead,
    out: &mut Vec<u8>,
    cap: usize,
) -> std::result::Result<usize, Option<io::Error>> {
    let start = out.len();
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Some(e)),
        };
        if avail.is_empty() {
            return Ok(out.len() - start);
        }
        let (used, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        // The line break and a carriage return before it do not count.
        if out.len() - start + used > cap + 2 {
            return Err(None);
        }
        out.extend_from_slice(&avail[..used]);
        r.consume(used);
        if done {
            return Ok(out.len() - start);
        }
    }
}

/// A UTF-8 byte order mark, skipped at the start of JSON Lines.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// How a file or stream is framed into records.
#[derive(Debug, PartialEq)]
enum Stream {
    /// JSON Lines.
    Lines,
    /// A JSON array of records, or records pretty-printed over several lines.
    JsonValues,
    /// CSV or TSV with a header row (the separator).
    Csv(u8),
    /// WARC or WET records.
    Warc,
    /// A Parquet file (read from its path: its index is at its end).
    Parquet,
    /// The whole input is one record of this kind (a story or a page).
    Whole(RecordKind),
}

/// Decides how to read an input from its first bytes (after decompression): WARC by its
/// version line, an HTML page by its markup, JSON Lines when a line starts with `{`, and
/// otherwise a text story (a file named by itself, as in `dedup stories/*.txt`).
fn sniff(head: &[u8]) -> Stream {
    let b = head.strip_prefix(BOM).unwrap_or(head);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let b = &b[start..];
    if head.starts_with(crate::readers::parquet::MAGIC) {
        Stream::Parquet
    } else if b.starts_with(b"WARC/") {
        Stream::Warc
    } else if b.starts_with(b"[") || (b.starts_with(b"{") && pretty_printed(b)) {
        Stream::JsonValues
    } else if b.is_empty()
        || b.starts_with(b"{")
        || b.starts_with(b"[")
        || memchr::memmem::find(b, b"\n{").is_some()
    {
        Stream::Lines
    } else if crate::readers::html::looks_like_html(b) {
        Stream::Whole(RecordKind::Html)
    } else if let Some(sep) = crate::readers::csv::header_separator(b) {
        Stream::Csv(sep)
    } else {
        Stream::Whole(RecordKind::Text)
    }
}

/// True when a JSON object starting `b` goes on past its first line: one record a line ends
/// its first line with the record's `}`.
fn pretty_printed(b: &[u8]) -> bool {
    let first = b.split(|&c| c == b'\n').next().unwrap_or(b);
    !first.trim_ascii_end().ends_with(b"}") && b.len() > first.len()
}

/// Reads a whole story file, refusing one longer than the record cap.
pub fn read_capped(path: &Path) -> Result<Vec<u8>> {
    let cap = max_record_bytes();
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    f.take(cap as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::io(path, e))?;
    if out.len() > cap {
        return Err(Error::TooLong {
            place: path.display().to_string(),
            cap,
        });
    }
    Ok(out)
}

/// Adds a record to the chunk, handing the chunk to `sink` once it is full.
fn add(
    chunk: &mut Chunk,
    record: RecordRef,
    sink: &mut impl FnMut(Chunk) -> Result<()>,
) -> Result<()> {
    chunk.records.push(record);
    if chunk.data.len() >= CHUNK_BYTES {
        sink(std::mem::replace(chunk, Chunk::with_room()))?;
    }
    Ok(())
}

/// Adds a JSON record made by a reader (a CSV or Parquet row) at (input, line) to the chunk.
fn add_json(
    chunk: &mut Chunk,
    json: &[u8],
    (input, line): (u32, u64),
    sink: &mut impl FnMut(Chunk) -> Result<()>,
) -> Result<()> {
    let start = chunk.data.len();
    chunk.data.extend_from_slice(json);
    let record = RecordRef {
        start,
        end: chunk.data.len(),
        input,
        line,
        kind: RecordKind::Json,
    };
    add(chunk, record, sink)
}

/// Reads every input in order and hands chunks of records to `sink`, stopping at the first
/// error (of reading, or returned by `sink`).
pub fn for_each_chunk(inputs: &[Input], mut sink: impl FnMut(Chunk) -> Result<()>) -> Result<()> {
    let mut chunk = Chunk::with_room();
    for (i, input) in inputs.iter().enumerate() {
        let i = i as u32;
        match input {
            Input::Dir(_, files) => {
                for (n, f) in files.iter().enumerate() {
                    let start = chunk.data.len();
                    chunk.data.extend_from_slice(&read_capped(f)?);
                    let kind = if f.extension().is_some_and(|x| x == "txt") {
                        RecordKind::Text
                    } else {
                        RecordKind::Html
                    };
                    let record = RecordRef {
                        start,
                        end: chunk.data.len(),
                        input: i,
                        line: n as u64 + 1,
                        kind,
                    };
                    add(&mut chunk, record, &mut sink)?;
                }
            }
            _ => {
                let Source {
                    reader: mut r,
                    compressed,
                } = open_source(input)?;
                let cap = max_record_bytes();
                let damaged = |e: io::Error, at: String| {
                    if compressed && e.kind() != io::ErrorKind::BrokenPipe {
                        Error::Corrupt {
                            path: input.name().into(),
                            reason: format!("decompressing {at}: {e}"),
                        }
                    } else {
                        Error::io(input.name(), e)
                    }
                };
                let head = r.fill_buf().map_err(|e| damaged(e, "its start".into()))?;
                match sniff(head) {
                    Stream::Parquet => {
                        let path = match input {
                            Input::File(p) | Input::Spooled(p) if !compressed => p,
                            _ => {
                                return Err(Error::Usage(format!(
                                    "{}: is a Parquet file {}; Parquet keeps its index at its end and compresses its own columns, so name the .parquet file itself",
                                    input.name(),
                                    if compressed { "inside a compressed file" } else { "on stdin" }
                                )))
                            }
                        };
                        drop(r);
                        crate::readers::parquet::for_each_row(
                            path,
                            &input.name(),
                            cap,
                            |line, json| add_json(&mut chunk, json, (i, line), &mut sink),
                        )?;
                    }
                    Stream::Warc => {
                        let mut n = 0u64;
                        loop {
                            let start = chunk.data.len();
                            let more =
                                warc::read_record(&mut r, &mut chunk.data, cap).map_err(|e| {
                                    if e.kind() == io::ErrorKind::FileTooLarge {
                                        Error::TooLong {
                                            place: input.place(n + 1),
                                            cap,
                                        }
                                    } else if e.kind() == io::ErrorKind::InvalidData {
                                        Error::InvalidRecord {
                                            place: input.place(n + 1),
                                            reason: format!("not a WARC record: {e}"),
                                        }
                                    } else {
                                        damaged(e, format!("record {}", n + 1))
                                    }
                                })?;
                            if !more {
                                break;
                            }
                            n += 1;
                            match warc::Record::split(&chunk.data[start..]).verdict() {
                                warc::Verdict::Skip(kind) => {
                                    chunk.data.truncate(start);
                                    *chunk.skipped.entry(kind).or_default() += 1;
                                    continue;
                                }
                                warc::Verdict::Page | warc::Verdict::Text => {}
                            }
                            let record = RecordRef {
                                start,
                                end: chunk.data.len(),
                                input: i,
                                line: n,
                                kind: RecordKind::Warc,
                            };
                            add(&mut chunk, record, &mut sink)?;
                        }
                    }
                    Stream::Csv(sep) => {
                        crate::readers::csv::for_each_row(
                            &mut r,
                            sep,
                            cap,
                            |line, json| add_json(&mut chunk, json, (i, line), &mut sink),
                            |line| input.place(line),
                        )?;
                    }
                    Stream::JsonValues => {
                        let mut framer = crate::readers::json_values::Framer::new();
                        loop {
                            let start = chunk.data.len();
                            let line = framer.next(&mut r, &mut chunk.data, cap).map_err(|e| {
                                match e.kind() {
                                    io::ErrorKind::FileTooLarge => Error::TooLong {
                                        place: input.name(),
                                        cap,
                                    },
                                    io::ErrorKind::InvalidData => Error::InvalidRecord {
                                        place: input.name(),
                                        reason: e.to_string(),
                                    },
                                    _ => damaged(e, "its JSON".into()),
                                }
                            })?;
                            let Some(line) = line else { break };
                            let record = RecordRef {
                                start,
                                end: chunk.data.len(),
                                input: i,
                                line,
                                kind: RecordKind::Json,
                            };
                            add(&mut chunk, record, &mut sink)?;
                        }
                    }
                    Stream::Whole(kind) => {
                        // One story or page: the whole input is one record.
                        let start = chunk.data.len();
                        r.take(cap as u64 + 1)
                            .read_to_end(&mut chunk.data)
                            .map_err(|e| damaged(e, "the file".into()))?;
                        if chunk.data.len() - start > cap {
                            return Err(Error::TooLong {
                                place: input.name(),
                                cap,
                            });
                        }
                        chunk.records.push(RecordRef {
                            start,
                            end: chunk.data.len(),
                            input: i,
                            line: 1,
                            kind,
                        });
                    }
                    Stream::Lines => {
                        let mut line = 0u64;
                        loop {
                            let start = chunk.data.len();
                            let n = match read_line_capped(&mut r, &mut chunk.data, cap) {
                                Ok(n) => n,
                                Err(None) => {
                                    return Err(Error::TooLong {
                                        place: input.place(line + 1),
                                        cap,
                                    })
                                }
                                Err(Some(e)) => {
                                    return Err(damaged(e, format!("after line {line}")))
                                }
                            };
                            if n == 0 {
                                break;
                            }
                            line += 1;
                            let mut start = start;
                            if line == 1 && chunk.data[start..].starts_with(BOM) {
                                start += BOM.len();
                            }
                            let mut end = chunk.data.len();
                            while end > start && matches!(chunk.data[end - 1], b'\n' | b'\r') {
                                end -= 1;
                            }
                            if chunk.data[start..end].iter().all(u8::is_ascii_whitespace) {
                                chunk.data.truncate(start);
                                continue;
                            }
                            let record = RecordRef {
                                start,
                                end,
                                input: i,
                                line,
                                kind: RecordKind::Json,
                            };
                            add(&mut chunk, record, &mut sink)?;
                        }
                    }
                }
            }
        }
    }
    if !chunk.records.is_empty() || !chunk.skipped.is_empty() {
        sink(chunk)?;
    }
    Ok(())
}

/// Like [`for_each_chunk`], but reads on a background thread so reading and decompressing
/// overlap with what `sink` does.
pub fn for_each_chunk_threaded(
    inputs: &[Input],
    mut sink: impl FnMut(Chunk) -> Result<()>,
) -> Result<()> {
    let (tx, rx) = mpsc::sync_channel::<Chunk>(2);
    std::thread::scope(|s| {
        let reader = s.spawn(move || for_each_chunk(inputs, |c| tx.send(c).map_err(|_| stop())));
        let mut result = Ok(());
        for chunk in rx.iter() {
            result = sink(chunk);
            if result.is_err() {
                break;
            }
        }
        drop(rx);
        let read = reader.join().expect("reader thread panicked");
        match (result, read) {
            (Err(e), _) => Err(e),
            (Ok(()), Err(e)) if !is_stop(&e) => Err(e),
            _ => Ok(()),
        }
    })
}

fn stop() -> Error {
    Error::Usage("stopped".into())
}
fn is_stop(e: &Error) -> bool {
    matches!(e, Error::Usage(m) if m == "stopped")
}

/// Standard input copied to a temporary file, removed when dropped or when the run is
/// interrupted.
pub struct Spool {
    _path: tempfile::TempPath,
    _guard: crate::interrupt::TempGuard,
}

/// Copies stdin to a temporary file, for commands that must read their input twice.
pub fn spool_stdin() -> Result<(Spool, Input)> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".wiretrace-stdin-")
        .tempfile()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let guard = crate::interrupt::register(tmp.path());
    io::copy(&mut io::stdin().lock(), tmp.as_file_mut()).map_err(|e| match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::PermissionDenied => {
            Error::io(std::env::temp_dir(), e)
        }
        _ => Error::io("<stdin>", e),
    })?;
    let path = tmp.into_temp_path();
    let input = Input::Spooled(path.to_path_buf());
    Ok((
        Spool {
            _path: path,
            _guard: guard,
        },
        input,
    ))
}

/// True when `path` looks like a gzip or zstd file by its magic bytes.
pub fn is_compressed(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map(|_| {
            magic.starts_with(&[0x1f, 0x8b])
                || magic == [0x28, 0xb5, 0x2f, 0xfd]
                || magic.starts_with(&XZ[..4])
                || magic.starts_with(b"BZh")
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(inputs: &[Input]) -> Vec<(u32, u64, Vec<u8>)> {
        let mut out = Vec::new();
        for_each_chunk_threaded(inputs, |c| {
            for r in &c.records {
                out.push((r.input, r.line, c.bytes(r).to_vec()));
            }
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_keep_their_numbers_and_lose_their_endings() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, b"{1}\r\n\n  \n{2}\n{3}").unwrap();
        let got = collect(&[Input::resolve(p.to_str().unwrap()).unwrap()]);
        let lines: Vec<(u64, &[u8])> = got.iter().map(|(_, l, b)| (*l, &b[..])).collect();
        assert_eq!(lines, vec![(1, &b"{1}"[..]), (4, b"{2}"), (5, b"{3}")]);
    }

    #[test]
    fn gzip_and_zstd_are_recognised_by_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{x}\n{y}\n").unwrap();
        let gz_path = dir.path().join("no-extension");
        std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
        let zst_path = dir.path().join("data.jsonl");
        std::fs::write(&zst_path, zstd::encode_all(&b"{z}\n"[..], 1).unwrap()).unwrap();
        assert!(is_compressed(&gz_path) && is_compressed(&zst_path));
        let got = collect(&[Input::File(gz_path), Input::File(zst_path)]);
        let recs: Vec<(u32, &[u8])> = got.iter().map(|(i, _, b)| (*i, &b[..])).collect();
        assert_eq!(recs, vec![(0, &b"{x}"[..]), (0, b"{y}"), (1, b"{z}")]);
    }

    #[test]
    fn text_folders_list_txt_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.txt", "a.txt", "notes.md"] {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        let input = Input::resolve(dir.path().to_str().unwrap()).unwrap();
        assert!(input.is_text_dir());
        assert_eq!(input.fallback_id(1), "a");
        let got = collect(&[input]);
        assert_eq!(
            got.iter().map(|(_, _, b)| b.clone()).collect::<Vec<_>>(),
            vec![b"a.txt".to_vec(), b"b.txt".to_vec()]
        );
    }
}
