//! Writing results: files are written to a temporary sibling and renamed into place, so a crash
//! or Ctrl-C never leaves half a file where a good one was.

use crate::dedup::Dedup;
use crate::error::{Error, Result};
use crate::input::{self, Input};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where output goes: stdout, or a file replaced atomically on success.
pub enum Sink {
    /// Standard output.
    Stdout(BufWriter<io::Stdout>),
    /// Something that is not a regular file (`/dev/null`, a named pipe, a terminal): written
    /// in place, since renaming a file over it would replace the device or pipe itself.
    Special(BufWriter<std::fs::File>),
    /// A temporary file that becomes `path` on [`Sink::finish`].
    File {
        /// The final path.
        path: PathBuf,
        /// The temporary file beside it.
        tmp: BufWriter<tempfile::NamedTempFile>,
        /// Removes the temporary file if the run is interrupted.
        guard: crate::interrupt::TempGuard,
    },
}

/// A finished output waiting to be moved into place by [`commit`]: flushed, synced, with its
/// permissions set.
pub struct Staged(Step);

enum Step {
    Nothing,
    Rename(PathBuf, tempfile::TempPath, crate::interrupt::TempGuard),
    CreateDir(PathBuf),
}

/// Moves staged outputs into place together: an interrupt waits until all are renamed (and
/// is then ignored), so one run's outputs appear together or not at all. Renames within one
/// folder each take a moment; only a power cut between two of them could split the set.
pub fn commit(staged: Vec<Staged>) -> Result<()> {
    crate::interrupt::commit(|| {
        for Staged(step) in staged {
            match step {
                Step::Nothing => {}
                Step::Rename(path, tmp, guard) => {
                    tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
                    drop(guard);
                }
                Step::CreateDir(dir) => {
                    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                }
            }
        }
        Ok(())
    })
}

/// The permissions a new file gets from `open(…, 0666)` under this process's umask, as `cp`
/// or a shell redirection would create it.
#[cfg(unix)]
fn new_file_mode() -> u32 {
    static MODE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| {
        // Reading the umask through the system call means setting it: /proc tells it
        // without that (no window where another thread creates a file under umask 0).
        let from_proc = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Umask:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            });
        let mask = from_proc.unwrap_or_else(|| {
            // SAFETY: umask cannot fail; the old value is put back at once.
            unsafe {
                let old = libc::umask(0o022);
                libc::umask(old);
                old as u32
            }
        });
        0o666 & !mask
    })
}

impl Sink {
    /// Stdout for `None` or `-`, else an atomic file.
    pub fn open(path: Option<&Path>) -> Result<Sink> {
        match path {
            None => Ok(Sink::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Some(p) if p == Path::new("-") => Ok(Sink::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file()) => {
                if std::fs::metadata(p).is_ok_and(|m| m.is_dir()) {
                    return Err(Error::Usage(format!(
                        "{}: is a folder; name a file to write",
                        p.display()
                    )));
                }
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .map_err(|e| Error::io(p, e))?;
                Ok(Sink::Special(BufWriter::with_capacity(1 << 16, f)))
            }
            Some(p) => {
                let dir = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                Sink::file_in(p, dir)
            }
        }
    }

    /// A file that becomes `p`, written meanwhile as a temporary file in `dir` (on the same
    /// file system as `p`).
    fn file_in(p: &Path, dir: &Path) -> Result<Sink> {
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "{}: the folder {} does not exist; create it first or name another output",
                p.display(),
                dir.display()
            )));
        }
        let tmp = tempfile::Builder::new()
            .prefix(".wiretrace-")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        let guard = crate::interrupt::register(tmp.path());
        Ok(Sink::File {
            path: p.to_path_buf(),
            tmp: BufWriter::with_capacity(1 << 16, tmp),
            guard,
        })
    }

    /// The output's name for messages.
    pub fn name(&self) -> PathBuf {
        match self {
            Sink::Stdout(_) => PathBuf::from("<stdout>"),
            Sink::Special(_) => PathBuf::from("<output>"),
            Sink::File { path, .. } => path.clone(),
        }
    }

    /// Flushes and, for a file, moves it into place.
    pub fn finish(self) -> Result<()> {
        commit(vec![self.stage()?])
    }

    /// Flushes and syncs; a file is then ready for [`commit`].
    pub fn stage(self) -> Result<Staged> {
        match self {
            Sink::Stdout(mut w) => w.flush().map_err(|e| Error::io("<stdout>", e))?,
            Sink::Special(mut w) => w.flush().map_err(|e| Error::io("<output>", e))?,
            Sink::File { path, tmp, guard } => {
                let f = tmp
                    .into_inner()
                    .map_err(|e| Error::io(&path, e.into_error()))?;
                f.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
                // Temporary files are private (0600); the output gets the permissions of the
                // file it replaces, or those the umask gives a new file.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let perms = std::fs::metadata(&path)
                        .map(|m| m.permissions())
                        .unwrap_or_else(|_| std::fs::Permissions::from_mode(new_file_mode()));
                    f.as_file()
                        .set_permissions(perms)
                        .map_err(|e| Error::io(&path, e))?;
                }
                // Closed now: a folder of kept stories stages one file per story.
                let tmp = f.into_temp_path();
                return Ok(Staged(Step::Rename(path, tmp, guard)));
            }
        }
        Ok(Staged(Step::Nothing))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::Special(w) => w.write(buf),
            Sink::File { tmp, .. } => tmp.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::Special(w) => w.flush(),
            Sink::File { tmp, .. } => tmp.flush(),
        }
    }
}

/// Refuses outputs that would overwrite an input (or each other) before anything is read:
/// the same file by device and inode, so a symbolic or hard link to an input is caught too,
/// and standard input redirected from the file. `outputs` are (flag, path) pairs.
pub fn refuse_overwriting(inputs: &[Input], outputs: &[(&str, &Path)]) -> Result<()> {
    let mut taken: Vec<((u64, u64), String)> = Vec::new();
    for input in inputs {
        for f in input.files() {
            if let Some(key) = input::file_key(f) {
                taken.push((key, format!("the input {}", f.display())));
            }
        }
        if let Input::Dir(dir, _) = input {
            if let Some(key) = input::file_key(dir) {
                taken.push((key, format!("the input folder {}", dir.display())));
            }
        }
        if *input == Input::Stdin {
            if let Some(key) = stdin_key() {
                taken.push((key, "the file standard input reads".to_string()));
            }
        }
    }
    // Outputs that do not exist yet can still name one file twice.
    let mut new_paths: Vec<(PathBuf, &str)> = Vec::new();
    for &(flag, path) in outputs {
        if path == Path::new("-") {
            continue;
        }
        let Some(key) = input::file_key(path) else {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            if let (Ok(dir), Some(name)) = (std::fs::canonicalize(dir), path.file_name()) {
                let full = dir.join(name);
                if let Some((_, other)) = new_paths.iter().find(|(p, _)| *p == full) {
                    return Err(Error::Usage(format!(
                        "{flag} {}: is also the output of {other}; name two different files",
                        path.display()
                    )));
                }
                new_paths.push((full, flag));
            }
            continue;
        };
        // Writing to a device (/dev/null, a terminal) in place overwrites nothing.
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            continue;
        }
        if let Some((_, what)) = taken.iter().find(|(k, _)| *k == key) {
            return Err(Error::Usage(format!(
                "{flag} {}: is {what}; writing it would destroy it. Name another output file",
                path.display()
            )));
        }
        taken.push((key, format!("the output of {flag}")));
    }
    Ok(())
}

/// The device and inode of the regular file standard input reads, if it reads one.
fn stdin_key() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        // SAFETY: fstat on descriptor 0 into a zeroed struct owned by this frame.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            if libc::fstat(0, &mut st) == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFREG {
                return Some((st.st_dev as u64, st.st_ino as u64));
            }
        }
    }
    None
}

/// What [`write_documents`] did.
#[derive(Debug, Default)]
pub struct Converted {
    /// Documents written.
    pub documents: usize,
    /// Records left out as invalid (with `skip_invalid`), with their place and reason.
    pub invalid: Vec<crate::dedup::Invalid>,
    /// Records that are not documents, by kind.
    pub skipped: std::collections::BTreeMap<&'static str, u64>,
}

/// Writes every document of `inputs` as the pipeline reads it, one JSON record a line
/// (`{"id", "url", "source", "date", "title", "text"}`), in input order: what `dedup` sees of
/// a WARC record or an HTML page. Records are parsed in parallel a chunk at a time.
pub fn write_documents(
    inputs: &[Input],
    fields: &crate::doc::Fields,
    skip_invalid: bool,
    out: &mut impl Write,
) -> Result<Converted> {
    let mut done = Converted::default();
    input::for_each_chunk_threaded(inputs, |chunk| {
        for (k, n) in &chunk.skipped {
            *done.skipped.entry(*k).or_insert(0) += n;
        }
        let lines: Vec<std::result::Result<Vec<u8>, (String, String)>> = chunk
            .records
            .par_iter()
            .map(|r| {
                let src = &inputs[r.input as usize];
                let d = crate::readers::parse(r.kind, chunk.bytes(r), fields, || {
                    src.fallback_id_for(r.kind, r.line)
                })
                .map_err(|why| (src.place(r.line), why))?;
                let mut line = serde_json::to_vec(&crate::readers::to_json(&d))
                    .expect("a document serializes");
                line.push(b'\n');
                Ok(line)
            })
            .collect();
        for line in lines {
            match line {
                Ok(bytes) => {
                    out.write_all(&bytes)
                        .map_err(|e| Error::io("<output>", e))?;
                    done.documents += 1;
                }
                Err((place, reason)) if skip_invalid => done.invalid.push(crate::dedup::Invalid {
                    id: place.clone(),
                    place,
                    reason,
                    at: (0, 0),
                }),
                Err((place, reason)) => return Err(Error::InvalidRecord { place, reason }),
            }
        }
        Ok(())
    })?;
    Ok(done)
}

/// The row of a record left out as invalid (with `--skip-invalid`): rows still join back
/// one to one with the input.
#[derive(Serialize)]
struct InvalidRow<'a> {
    id: &'a str,
    invalid: &'a str,
}

/// One document's row: what `dedup` writes for it.
#[derive(Serialize)]
pub struct Row<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its story's origin's id.
    pub cluster: &'a str,
    /// False for the one version of its story that is kept.
    pub duplicate: bool,
    /// The id of the version it derives from.
    pub parent: Option<&'a str>,
    /// Its similarity to the parent, as [`shown_similarity`] gives it.
    pub similarity: Option<f64>,
    /// Its text was empty after normalization.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub empty: bool,
    /// What furniture it is, for a page without a story ([`crate::junk::Junk::name`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub junk: Option<&'a str>,
}

/// A similarity as rows show it: four decimals, enough to read and stable across platforms.
pub fn shown_similarity(s: f32) -> f64 {
    (f64::from(s) * 10_000.0).round() / 10_000.0
}

/// Appends a document's JSON line to `buf`: the one definition of a row, shared by
/// `dedup`'s writer and the Spark job's.
pub fn row_line(buf: &mut Vec<u8>, row: &Row) {
    serde_json::to_writer(&mut *buf, row).expect("a row serializes to memory");
    buf.push(b'\n');
}

/// Appends the JSON line of a record left out as invalid to `buf`.
pub fn invalid_line(buf: &mut Vec<u8>, id: &str, reason: &str) {
    let row = InvalidRow {
        id,
        invalid: reason,
    };
    serde_json::to_writer(&mut *buf, &row).expect("a row serializes to memory");
    buf.push(b'\n');
}

/// Writes one JSON line per input record, in input order: each document's row, and for a
/// record left out as invalid `{"id", "invalid": "why"}`.
pub fn write_rows(d: &Dedup, out: &mut impl Write) -> io::Result<()> {
    // Rows are formatted in parallel, 2,048 to a buffer and 64 buffers at a time, then written
    // in order: formatting 200,000 rows one after the other took a tenth of a second on one
    // core at the end of the run.
    write_rows_in(d, out, 2048, 64)
}

/// [`write_rows`], formatting `rows` rows to a buffer and `buffers` buffers at a time.
fn write_rows_in(d: &Dedup, out: &mut impl Write, rows: usize, buffers: usize) -> io::Result<()> {
    let docs = &d.corpus.docs;
    // Each invalid record goes before the first document that follows it in the input.
    let before: Vec<usize> = d
        .invalid
        .iter()
        .map(|inv| docs.partition_point(|doc| (doc.input, doc.line) < inv.at))
        .collect();
    let invalid_before = |buf: &mut Vec<u8>, i: usize| {
        let from = before.partition_point(|&b| b < i);
        for inv in &d.invalid[from..from + before[from..].partition_point(|&b| b == i)] {
            invalid_line(buf, &inv.id, &inv.reason);
        }
    };
    let format = |block: usize| -> Vec<u8> {
        let mut buf = Vec::new();
        for i in block * rows..docs.len().min((block + 1) * rows) {
            invalid_before(&mut buf, i);
            let (doc, a) = (&docs[i], &d.assignments[i]);
            row_line(
                &mut buf,
                &Row {
                    id: &doc.id,
                    cluster: &docs[a.cluster as usize].id,
                    duplicate: a.duplicate,
                    parent: a.parent.map(|p| docs[p as usize].id.as_str()),
                    similarity: a.similarity.map(shown_similarity),
                    empty: a.empty,
                    junk: a.junk.map(crate::junk::Junk::name),
                },
            );
        }
        buf
    };
    let blocks = docs.len().div_ceil(rows);
    for first in (0..blocks).step_by(buffers) {
        let bufs: Vec<Vec<u8>> = (first..blocks.min(first + buffers))
            .into_par_iter()
            .map(format)
            .collect();
        for buf in bufs {
            out.write_all(&buf)?;
        }
    }
    let mut tail = Vec::new();
    invalid_before(&mut tail, docs.len());
    out.write_all(&tail)
}

/// Where `--keep` writes, checked before any work: a JSON Lines file, or a folder of story
/// files for text-folder inputs.
pub enum KeepTarget {
    /// One file of records, written as a temporary file from the start.
    File(Sink),
    /// A folder (made at the commit when missing), and where its files wait meanwhile.
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Where the temporary files go: the folder, or its parent while it does not exist.
        staging: PathBuf,
    },
}

impl KeepTarget {
    /// Checks that `keep` can be written for these inputs, before the run reads anything.
    pub fn open(inputs: &[Input], keep: &Path) -> Result<KeepTarget> {
        let dirs = inputs.iter().filter(|i| i.is_text_dir()).count();
        if dirs > 0 && dirs < inputs.len() {
            return Err(Error::Usage(
                "--keep writes the input's own format, so the inputs must be all JSON Lines or all text folders".into(),
            ));
        }
        if dirs == 0 {
            return Ok(KeepTarget::File(Sink::open(Some(keep))?));
        }
        if keep.exists() && !keep.is_dir() {
            return Err(Error::Usage(format!(
                "{}: --keep of text folders writes a folder, and this is a file; name a folder",
                keep.display()
            )));
        }
        let staging = if keep.is_dir() {
            keep.to_path_buf()
        } else {
            match keep.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            }
        };
        if !staging.is_dir() {
            return Err(Error::Usage(format!(
                "{}: the folder {} does not exist; create it first or name another --keep",
                keep.display(),
                staging.display()
            )));
        }
        Ok(KeepTarget::Folder {
            dir: keep.to_path_buf(),
            staging,
        })
    }
}

/// Writes the kept version of every story exactly as it was read: JSON Lines records to a
/// file, text-folder stories as files in a folder. Reads the inputs again. Returns how many
/// were kept and what [`commit`] moves into place.
pub fn write_kept(
    d: &Dedup,
    inputs: &[Input],
    fields: &crate::doc::Fields,
    keep: KeepTarget,
) -> Result<(usize, Vec<Staged>)> {
    let mut wanted: Vec<(u32, u64)> = d
        .corpus
        .docs
        .iter()
        .zip(&d.assignments)
        .filter(|(_, a)| !a.duplicate && !a.empty)
        .map(|(doc, _)| (doc.input, doc.line))
        .collect();
    wanted.sort_unstable();
    let mut sink = match keep {
        KeepTarget::File(sink) => sink,
        KeepTarget::Folder { dir, staging } => {
            let mut staged = vec![Staged(Step::CreateDir(dir.clone()))];
            for &(i, line) in &wanted {
                if let Input::Dir(root, files) = &inputs[i as usize] {
                    let src = &files[line as usize - 1];
                    // Kept under the same path below the folder as below the input's.
                    let rel = src.strip_prefix(root).unwrap_or(src);
                    let target = dir.join(rel);
                    if let Some(parent) = target.parent().filter(|p| *p != dir) {
                        staged.push(Staged(Step::CreateDir(parent.to_path_buf())));
                    }
                    let mut sink = Sink::file_in(&target, &staging)?;
                    let bytes = input::read_capped(src)?;
                    sink.write_all(&bytes).map_err(|e| Error::io(&dir, e))?;
                    staged.push(sink.stage()?);
                }
            }
            return Ok((wanted.len(), staged));
        }
    };
    let mut next = wanted.iter().peekable();
    let name = sink.name();
    input::for_each_chunk(inputs, |chunk| {
        for r in &chunk.records {
            if next.peek() == Some(&&(r.input, r.line)) {
                next.next();
                let raw = chunk.bytes(r);
                let written = if r.kind == crate::readers::RecordKind::Json {
                    if raw.contains(&b'\n') {
                        // A record of a JSON array or pretty-printed JSON, put on one line.
                        sink.write_all(&crate::readers::json_values::one_line(raw))
                    } else {
                        sink.write_all(raw)
                    }
                } else {
                    // Pages, WARC records and story files named one by one are kept as the
                    // documents wiretrace read from them, one JSON record each.
                    let src = &inputs[r.input as usize];
                    let d = crate::readers::parse(r.kind, chunk.bytes(r), fields, || {
                        src.fallback_id_for(r.kind, r.line)
                    })
                    .map_err(|reason| Error::InvalidRecord {
                        place: src.place(r.line),
                        reason,
                    })?;
                    serde_json::to_writer(&mut sink, &crate::readers::to_json(&d))
                        .map_err(std::io::Error::from)
                };
                written
                    .and_then(|_| sink.write_all(b"\n"))
                    .map_err(|e| Error::io(&name, e))?;
            }
        }
        Ok(())
    })?;
    Ok((wanted.len(), vec![sink.stage()?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_in_input_order_whatever_the_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        let words = |k: usize| -> String {
            (0..60)
                .map(|w| format!("w{}x{} ", k, w))
                .collect::<String>()
        };
        let mut lines = String::new();
        for i in 0..53 {
            // Every fourth document repeats an earlier story.
            let text = if i % 4 == 3 { words(i - 3) } else { words(i) };
            lines.push_str(&format!("{{\"id\": \"d{i}\", \"text\": \"{text}\"}}\n"));
        }
        std::fs::write(&path, lines).unwrap();
        let d = crate::dedup::run(
            &[Input::File(path)],
            &crate::dedup::Options::default(),
            |_| {},
        )
        .unwrap();
        let mut whole = Vec::new();
        write_rows_in(&d, &mut whole, 1 << 20, 1).unwrap();
        let text = String::from_utf8(whole.clone()).unwrap();
        let ids: Vec<String> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
            .collect();
        let expected: Vec<String> = (0..53).map(|i| format!("\"d{i}\"")).collect();
        assert_eq!(ids, expected);
        assert!(text.contains("\"duplicate\":true"));
        for (rows, buffers) in [(1, 1), (3, 2), (7, 64), (2048, 64)] {
            let mut blocks = Vec::new();
            write_rows_in(&d, &mut blocks, rows, buffers).unwrap();
            assert_eq!(blocks, whole, "{rows} rows a buffer, {buffers} buffers");
        }
    }
}
