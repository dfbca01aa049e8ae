//! Typed errors of the library. Every message names the place (file, line or record) and says
//! what to do about it, so the binary can print it as it is.

use std::path::PathBuf;

/// Everything the wiretrace library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input or output file could not be opened, read or written.
    #[error(
        "{path}: {source}. Check that the path exists and is readable (or writable for outputs)."
    )]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
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
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
