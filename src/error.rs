//! Typed errors of the library. Every message names the place (file, line or record) and says
//! what to do about it, so the binary can print it as it is.

use std::path::PathBuf;

/// Everything the wiretrace library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input or output file could not be opened, read or written.
    #[error("{}: {}", .path.display(), advice(.error))]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error. (Not an error `source`: the message says it already,
        /// and a chain printer would repeat it.)
        error: std::io::Error,
    },
    /// A compressed input's data is damaged or cut short.
    #[error("{}: {reason}; the file is damaged or cut short. Download or compress it again (a partial download ends early).", .path.display())]
    Corrupt {
        /// The file concerned.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// A record longer than the cap (`--max-record-bytes`).
    #[error("{place}: a record longer than {cap} bytes (no line break within it); it is not a news story. Split or fix the file, or raise --max-record-bytes.")]
    TooLong {
        /// `file:line` (JSONL) or the file's path (text folders).
        place: String,
        /// The cap in bytes.
        cap: usize,
    },
    /// One input record is malformed.
    #[error(
        "{place}: {reason}. Fix the record, or pass --skip-invalid to count it and leave it out."
    )]
    InvalidRecord {
        /// `file:line` (JSONL) or the file's path (text folders).
        place: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two records share one id.
    #[error("{second}: duplicate id {id:?}, first seen at {first}. Give every record a unique id (see --id-field), or pass --skip-invalid to keep only the first.")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Where it was first seen.
        first: String,
        /// Where it was seen again.
        second: String,
    },
    /// Options that cannot work together or are out of range.
    #[error("{0}")]
    Usage(String),
    /// The index cannot be opened, read or written.
    #[error("{path}: {reason}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
}

/// Shorthand for results of this library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error,
        }
    }

    /// True when writing failed because the reader of a pipe went away (`… | head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { error, .. } if error.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// One sentence on an I/O error: what happened, in words, and what to do. The system's own
/// text (with its "(os error N)") only where there is nothing plainer to say.
pub fn advice(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or folder; check the path".into(),
        K::PermissionDenied => {
            "permission denied; check the permissions of the file and its folder".into()
        }
        K::StorageFull => "the disk is full; free some space and run again".into(),
        K::IsADirectory => "is a folder; name a file".into(),
        K::ReadOnlyFilesystem => "the file system is read-only; write somewhere else".into(),
        K::BrokenPipe => "the reader of the output went away (broken pipe)".into(),
        K::InvalidData | K::UnexpectedEof => {
            format!("{e}; the data is damaged or cut short")
        }
        _ => e.to_string(),
    }
}
