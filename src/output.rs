//! Writing results: files are written to a temporary sibling and renamed into place, so a crash
//! or Ctrl-C never leaves half a file where a good one was.

use crate::dedup::Dedup;
use crate::error::{Error, Result};
use crate::input::{self, Input};
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
    },
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
                let tmp = tempfile::Builder::new()
                    .prefix(".wiretrace-")
                    .tempfile_in(dir)
                    .map_err(|e| Error::io(p, e))?;
                Ok(Sink::File {
                    path: p.to_path_buf(),
                    tmp: BufWriter::with_capacity(1 << 16, tmp),
                })
            }
        }
    }

    /// Flushes and, for a file, moves it into place.
    pub fn finish(self) -> Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush().map_err(|e| Error::io("<stdout>", e)),
            Sink::Special(mut w) => w.flush().map_err(|e| Error::io("<output>", e)),
            Sink::File { path, tmp } => {
                let f = tmp
                    .into_inner()
                    .map_err(|e| Error::io(&path, e.into_error()))?;
                f.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
                // Temporary files are private (0600); the output gets the permissions of the
                // file it replaces, or the usual 0644 for a new one.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let perms = std::fs::metadata(&path)
                        .map(|m| m.permissions())
                        .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
                    f.as_file()
                        .set_permissions(perms)
                        .map_err(|e| Error::io(&path, e))?;
                }
                f.persist(&path).map_err(|e| Error::io(&path, e.error))?;
                Ok(())
            }
        }
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

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    cluster: &'a str,
    duplicate: bool,
    parent: Option<&'a str>,
    similarity: Option<f64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    empty: bool,
}

/// Writes one JSON line per document, in input order.
pub fn write_rows(d: &Dedup, out: &mut impl Write) -> io::Result<()> {
    let docs = &d.corpus.docs;
    for (doc, a) in docs.iter().zip(&d.assignments) {
        let row = Row {
            id: &doc.id,
            cluster: &docs[a.cluster as usize].id,
            duplicate: a.duplicate,
            parent: a.parent.map(|p| docs[p as usize].id.as_str()),
            // Four decimals: enough to read, and stable across platforms.
            similarity: a
                .similarity
                .map(|s| (f64::from(s) * 10_000.0).round() / 10_000.0),
            empty: a.empty,
        };
        serde_json::to_writer(&mut *out, &row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the kept version of every story exactly as it was read: JSON Lines records to the
/// file `keep`, text-folder stories as files in the folder `keep`. Reads the inputs again.
pub fn write_kept(d: &Dedup, inputs: &[Input], keep: &Path) -> Result<usize> {
    let dirs = inputs.iter().filter(|i| i.is_text_dir()).count();
    if dirs > 0 && dirs < inputs.len() {
        return Err(Error::Usage(
            "--keep writes the input's own format, so the inputs must be all JSON Lines or all text folders".into(),
        ));
    }
    let mut wanted: Vec<(u32, u64)> = d
        .corpus
        .docs
        .iter()
        .zip(&d.assignments)
        .filter(|(_, a)| !a.duplicate && !a.empty)
        .map(|(doc, _)| (doc.input, doc.line))
        .collect();
    wanted.sort_unstable();
    if dirs > 0 {
        std::fs::create_dir_all(keep).map_err(|e| Error::io(keep, e))?;
        for &(i, line) in &wanted {
            if let Input::Dir(_, files) = &inputs[i as usize] {
                let src = &files[line as usize - 1];
                let name = src.file_name().expect("listed files have names");
                let mut sink = Sink::open(Some(&keep.join(name)))?;
                let bytes = std::fs::read(src).map_err(|e| Error::io(src, e))?;
                sink.write_all(&bytes).map_err(|e| Error::io(keep, e))?;
                sink.finish()?;
            }
        }
        return Ok(wanted.len());
    }
    let mut sink = Sink::open(Some(keep))?;
    let mut next = wanted.iter().peekable();
    input::for_each_chunk(inputs, |chunk| {
        for r in &chunk.records {
            if next.peek() == Some(&&(r.input, r.line)) {
                next.next();
                sink.write_all(chunk.bytes(r))
                    .and_then(|_| sink.write_all(b"\n"))
                    .map_err(|e| Error::io(keep, e))?;
            }
        }
        Ok(())
    })?;
    sink.finish()?;
    Ok(wanted.len())
}
