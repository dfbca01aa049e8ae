//! Reading news dumps: JSON Lines (plain, gzip or zstd, told apart by their magic bytes), stdin,
//! and folders of `.txt` stories. Records are read in chunks of raw bytes on a background
//! thread, so decompression overlaps with the parallel work on the previous chunk, and the
//! whole corpus is never in memory at once.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// Where records come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Standard input, JSON Lines (possibly compressed).
    Stdin,
    /// A JSON Lines file (possibly compressed).
    File(PathBuf),
    /// A folder of `.txt` stories, read in file-name order.
    Dir(PathBuf, Vec<PathBuf>),
}

impl Input {
    /// Resolves a command-line argument: `-` is stdin, a folder is a text folder, else a file.
    pub fn resolve(arg: &str) -> Result<Input> {
        if arg == "-" {
            return Ok(Input::Stdin);
        }
        let path = PathBuf::from(arg);
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if !meta.is_dir() {
            return Ok(Input::File(path));
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&path).map_err(|e| Error::io(&path, e))? {
            let p = entry.map_err(|e| Error::io(&path, e))?.path();
            if p.extension().is_some_and(|x| x == "txt") && p.is_file() {
                files.push(p);
            }
        }
        files.sort();
        Ok(Input::Dir(path, files))
    }

    /// Resolves every argument, stopping at the first that cannot be read.
    pub fn resolve_all(args: &[String]) -> Result<Vec<Input>> {
        args.iter().map(|a| Input::resolve(a)).collect()
    }

    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
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

    /// The id a record gets when it has none: `file:line`, or the story file's stem.
    pub fn fallback_id(&self, line: u64) -> String {
        match self {
            Input::Dir(_, files) => {
                let f = &files[line as usize - 1];
                f.file_stem()
                    .unwrap_or(f.as_os_str())
                    .to_string_lossy()
                    .into_owned()
            }
            _ => self.place(line),
        }
    }
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
    /// 1-based line number (JSONL) or file number (text folders).
    pub line: u64,
}

/// A batch of raw records sharing one buffer.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The bytes of all records, back to back.
    pub data: Vec<u8>,
    /// The records.
    pub records: Vec<RecordRef>,
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

/// Opens a JSON Lines source, decompressing gzip or zstd when its magic bytes say so.
pub fn open_jsonl(input: &Input) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::File(p) => Box::new(File::open(p).map_err(|e| Error::io(p, e))?),
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
    Ok(if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buf),
        ))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let z = zstd::stream::read::Decoder::with_buffer(buf)
            .map_err(|e| Error::io(input.name(), e))?;
        Box::new(BufReader::with_capacity(1 << 20, z))
    } else {
        Box::new(buf)
    })
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
                    File::open(f)
                        .and_then(|mut r| r.read_to_end(&mut chunk.data))
                        .map_err(|e| Error::io(f, e))?;
                    chunk.records.push(RecordRef {
                        start,
                        end: chunk.data.len(),
                        input: i,
                        line: n as u64 + 1,
                    });
                    if chunk.data.len() >= CHUNK_BYTES {
                        sink(std::mem::replace(&mut chunk, Chunk::with_room()))?;
                    }
                }
            }
            _ => {
                let mut r = open_jsonl(input)?;
                let mut line = 0u64;
                loop {
                    let start = chunk.data.len();
                    let n = r
                        .read_until(b'\n', &mut chunk.data)
                        .map_err(|e| Error::io(input.name(), e))?;
                    if n == 0 {
                        break;
                    }
                    line += 1;
                    let mut end = chunk.data.len();
                    while end > start && matches!(chunk.data[end - 1], b'\n' | b'\r') {
                        end -= 1;
                    }
                    if chunk.data[start..end].iter().all(u8::is_ascii_whitespace) {
                        chunk.data.truncate(start);
                        continue;
                    }
                    chunk.records.push(RecordRef {
                        start,
                        end,
                        input: i,
                        line,
                    });
                    if chunk.data.len() >= CHUNK_BYTES {
                        sink(std::mem::replace(&mut chunk, Chunk::with_room()))?;
                    }
                }
            }
        }
    }
    if !chunk.records.is_empty() {
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

/// Copies stdin to a temporary file, for commands that must read their input twice.
pub fn spool_stdin() -> Result<(tempfile::TempPath, Input)> {
    let mut tmp = tempfile::NamedTempFile::new().map_err(|e| Error::io("<temp file>", e))?;
    io::copy(&mut io::stdin().lock(), tmp.as_file_mut()).map_err(|e| Error::io("<stdin>", e))?;
    let path = tmp.into_temp_path();
    let input = Input::File(path.to_path_buf());
    Ok((path, input))
}

/// True when `path` looks like a gzip or zstd file by its magic bytes.
pub fn is_compressed(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map(|_| magic.starts_with(&[0x1f, 0x8b]) || magic == [0x28, 0xb5, 0x2f, 0xfd])
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
        std::fs::write(&p, b"one\r\n\n  \ntwo\nthree").unwrap();
        let got = collect(&[Input::resolve(p.to_str().unwrap()).unwrap()]);
        let lines: Vec<(u64, &[u8])> = got.iter().map(|(_, l, b)| (*l, &b[..])).collect();
        assert_eq!(lines, vec![(1, &b"one"[..]), (4, b"two"), (5, b"three")]);
    }

    #[test]
    fn gzip_and_zstd_are_recognised_by_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"x\ny\n").unwrap();
        let gz_path = dir.path().join("no-extension");
        std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
        let zst_path = dir.path().join("data.jsonl");
        std::fs::write(&zst_path, zstd::encode_all(&b"z\n"[..], 1).unwrap()).unwrap();
        assert!(is_compressed(&gz_path) && is_compressed(&zst_path));
        let got = collect(&[Input::File(gz_path), Input::File(zst_path)]);
        let recs: Vec<(u32, &[u8])> = got.iter().map(|(i, _, b)| (*i, &b[..])).collect();
        assert_eq!(recs, vec![(0, &b"x"[..]), (0, b"y"), (1, b"z")]);
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
