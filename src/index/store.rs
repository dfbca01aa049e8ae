//! The database side of the index: schema, opening with the right locks, and the reads and
//! writes of `add`, `remove`, `check` and `stats`.

use super::buckets::{self, Entry};
use super::probe::{PageEntries, Probe};
use super::{sample, Params, FORMAT};
use crate::dedup::{self, Invalid, Options, Stats};
use crate::error::{Error, Result};
use crate::input::Input;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    n INTEGER PRIMARY KEY,
    -- unique: the index docs_id, made once a first add's documents are in (write_batch)
    id TEXT NOT NULL,
    story INTEGER NOT NULL,
    date INTEGER,
    source TEXT,
    title TEXT,
    length INTEGER NOT NULL,
    shingles BLOB NOT NULL
);
-- page: segment << 32 | page (see buckets.rs)
CREATE TABLE IF NOT EXISTS buckets(page INTEGER PRIMARY KEY, entries BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS segments(seg INTEGER PRIMARY KEY, docs INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS boilerplate(
    kind TEXT NOT NULL,
    outlet TEXT NOT NULL,
    shingles BLOB NOT NULL,
    PRIMARY KEY(kind, outlet)
);
CREATE TABLE IF NOT EXISTS outlet_pages(
    outlet TEXT NOT NULL,
    slot INTEGER NOT NULL,
    shingles BLOB NOT NULL,
    PRIMARY KEY(outlet, slot)
);
CREATE TABLE IF NOT EXISTS removed(n INTEGER PRIMARY KEY);
";

/// Maps a database error on `path` to one clear message.
pub(super) fn db(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| {
        let reason = match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => {
                "not a wiretrace index (not an SQLite database); give the path of an index made by `wiretrace index add`".to_string()
            }
            Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
                "another `wiretrace index add` or `index remove` is writing to this index; try again when it has finished, or raise --wait".to_string()
            }
            _ => format!("{e}; the index could not be read or written (is it a wiretrace index on a writable disk?)"),
        };
        Error::Index {
            path: path.to_path_buf(),
            reason,
        }
    }
}

fn index_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Bytes per database page of a new index. A check reads the whole bucket table (155 MB at
/// 200,000 documents) and most of the documents table a page at a time, each page one read
/// call: at 4 KiB (SQLite's default) that was 40,000 of them for the buckets alone, on the
/// thread the lookup waits for. At 32 KiB, 20k against a 200,000-document index: check
/// 0.706-0.731 -> 0.683-0.696 s; its first add 4.85 -> 4.78 s, a second add of 20k 1.09-1.16
/// -> 0.95-1.00 s, the file 235 -> 220 MB. (16 and 64 KiB checked as fast; 64 KiB adds
/// were slower, and every page an add touches is written whole.)
const PAGE_SIZE: usize = 32768;

/// Opens the database for writing (creating the file when missing). Returns the connection
/// and whether the database is new (holds no tables yet).
///
/// An index that already exists is written in WAL mode: checks read the last committed state
/// while an add writes. A new one is first loaded with a rollback journal: an empty database
/// has nothing to roll back, so each page is written once, straight into the file, where WAL
/// writes it to the log and then again into the database at the checkpoint (the first add of
/// 200,000 documents: write 2.3-2.5 -> 1.4 s). A crash still leaves it empty (the journal
/// rolls it back), and [`switch_to_wal`] turns it to WAL once committed.
fn open_write(path: &Path, wait: Duration) -> Result<(Connection, bool)> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db(path))?;
    conn.busy_timeout(wait).map_err(db(path))?;
    // Reading the schema first also rolls back what a crashed add left behind.
    let new = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(db(path))?
        == 0;
    if !new {
        refuse_foreign(&conn, path)?;
    }
    if new {
        // Set before the first table is made; an index keeps the page size it was made with.
        conn.execute_batch(&format!("PRAGMA page_size={PAGE_SIZE}"))
            .map_err(db(path))?;
    }
    let mode = if new { "DELETE" } else { "WAL" };
    conn.query_row(&format!("PRAGMA journal_mode={mode}"), [], |r| {
        r.get::<_, String>(0)
    })
    .map_err(db(path))?;
    // FULL: a committed add survives a power cut too (one fsync per add). The big cache keeps
    // the pages an add rewrites in memory until commit. A new index is only appended to (its
    // id index is built at the end), so a small cache lets its pages go to the file while the
    // batch is still being verified (first add of 200,000 documents: peak RSS 1,100 -> 960-980
    // MB, write 0.77-0.84 -> 0.64-0.70 s).
    let cache_kib = if new { 32768 } else { 262144 };
    conn.execute_batch(&format!(
        "PRAGMA synchronous=FULL; PRAGMA cache_size=-{cache_kib}; PRAGMA journal_size_limit=67108864;"
    ))
    .map_err(db(path))?;
    Ok((conn, new))
}

/// Turns a newly loaded index to WAL mode, for the checks and adds that follow. Its data is
/// committed already: should a reader hold the file at this moment, the next add switches it.
fn switch_to_wal(conn: &Connection) {
    let _ = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0));
}

/// The stored parameters, or `None` when the database has none yet.
fn read_params(conn: &Connection, path: &Path) -> Result<Option<Params>> {
    let has_meta: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(db(path))?
        > 0;
    if !has_meta {
        return Ok(None);
    }
    let text: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key='params'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db(path))?;
    let Some(text) = text else { return Ok(None) };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| index_error(path, format!("its parameters are unreadable ({e})")))?;
    let format = value.get("format").and_then(|f| f.as_u64()).unwrap_or(0);
    if format != u64::from(FORMAT) {
        return Err(index_error(
            path,
            format!("index format {format}, but this wiretrace reads format {FORMAT}; rebuild the index with `wiretrace index add`"),
        ));
    }
    let params: Params = serde_json::from_value(value)
        .map_err(|e| index_error(path, format!("its parameters are unreadable ({e})")))?;
    params.validate().map_err(|what| {
        index_error(
            path,
            format!("its stored parameters are out of range ({what}); the index is damaged or was edited: rebuild it with `wiretrace index add`"),
        )
    })?;
    Ok(Some(params))
}

/// True when this process may write `path` and create files beside it (WAL's log and
/// shared-memory files).
fn writable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let ok = |p: &Path| {
            std::ffi::CString::new(p.as_os_str().as_bytes())
                // SAFETY: access(2) on a NUL-terminated path.
                .map(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
                .unwrap_or(false)
        };
        ok(path) && ok(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
    }
}

/// The tables a wiretrace index holds. A database with others belongs to someone else.
const OWN_TABLES: [&str; 7] = [
    "meta",
    "docs",
    "buckets",
    "segments",
    "boilerplate",
    "outlet_pages",
    "removed",
];

/// Refuses a database that holds tables of its own: `index add` would add its tables to it
/// and switch it to WAL mode for good.
fn refuse_foreign(conn: &Connection, path: &Path) -> Result<()> {
    let mut st = conn
        .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        .map_err(db(path))?;
    let names = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(db(path))?
        .collect::<rusqlite::Result<Vec<String>>>()
        .map_err(db(path))?;
    if let Some(other) = names
        .iter()
        .find(|n| !OWN_TABLES.contains(&n.as_str()) && !n.starts_with("sqlite_"))
    {
        return Err(index_error(
            path,
            format!("is an SQLite database that is not a wiretrace index (it has a table {other:?}); it was left untouched. Give a new path for the index"),
        ));
    }
    Ok(())
}

/// An index opened to read: `check` and `stats`.
pub struct Index {
    conn: Connection,
    path: PathBuf,
    params: Params,
}

/// What `index stats` shows.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    /// The index file.
    pub path: PathBuf,
    /// Indexed documents.
    pub documents: u64,
    /// Stories among them.
    pub stories: u64,
    /// Documents removed so far.
    pub removed: u64,
    /// Bucket rows: pages with entries, counted once per segment that holds them.
    pub pages: u64,
    /// Bucket segments (one per add until they are merged; see `index compact`).
    pub segments: u64,
    /// Bytes on disk (database and write-ahead log).
    pub size_bytes: u64,
    /// Bytes per indexed document.
    pub bytes_per_document: f64,
    /// The parameters every document was processed with.
    pub params: Params,
}

/// What `index add` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AddReport {
    /// Documents read from the inputs.
    pub read: usize,
    /// Documents added.
    pub added: usize,
    /// Documents skipped because their id was already indexed.
    pub skipped: usize,
    /// Added documents that joined a story already in the index.
    pub joined: usize,
    /// Stories the batch started.
    pub new_stories: usize,
    /// Records left out (with `--skip-invalid`).
    #[serde(skip)]
    pub invalid: Vec<Invalid>,
    /// Documents in the index after the add.
    pub documents: u64,
    /// Time per stage.
    #[serde(skip)]
    pub timings: Vec<(&'static str, Duration)>,
}

impl Index {
    /// Opens an existing index to read. Readers never block a writer nor wait for one.
    pub fn open(path: &Path) -> Result<Index> {
        if !path.exists() {
            return Err(index_error(
                path,
                "no such index; create it with `wiretrace index add --index PATH INPUT…`",
            ));
        }
        let (conn, params) = match Self::open_as(path, false) {
            Ok(x) => x,
            // A reader without write access to the file or its folder cannot keep WAL's
            // shared-memory file: read the file as it stands. (Whoever can write it must
            // not be adding meanwhile; an add's last step folds its log into the file.)
            Err(first) if !writable(path) => Self::open_as(path, true).map_err(|_| first)?,
            Err(first) => return Err(first),
        };
        let params = params.ok_or_else(|| {
            index_error(
                path,
                "not a wiretrace index yet (it holds no parameters; if its first `index add` is running, wait for it; if that was interrupted, run it again)",
            )
        })?;
        Ok(Index {
            conn,
            path: path.to_path_buf(),
            params,
        })
    }

    fn open_as(path: &Path, immutable: bool) -> Result<(Connection, Option<Params>)> {
        let conn = if immutable {
            let uri = format!(
                "file:{}?mode=ro&immutable=1",
                path.to_string_lossy()
                    .replace('%', "%25")
                    .replace('?', "%3f")
                    .replace('#', "%23")
            );
            Connection::open_with_flags(
                uri,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        } else {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        }
        .map_err(db(path))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(db(path))?;
        let params = read_params(&conn, path)?;
        Ok((conn, params))
    }

    /// The parameters every indexed document was processed with.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Checks the documents of `inputs` against the index and against each other: the batch
    /// clustered, with each document's verified matches in the index. Reads one consistent
    /// snapshot, whatever an `add` running meanwhile commits.
    pub fn probe(
        &self,
        inputs: &[Input],
        base: &Options,
        progress: impl FnMut(usize) + Send,
    ) -> Result<(Probe, Vec<Invalid>)> {
        let opts = self.params.options(base)?;
        let tx = self.conn.unchecked_transaction().map_err(db(&self.path))?;
        let t = Instant::now();
        let (corpus, invalid, read) = dedup::read_corpus(inputs, &opts, progress)?;
        let stats = Stats {
            bytes: read.bytes,
            skipped: read.skipped,
            timings: vec![("read+shingle", t.elapsed())],
            ..Stats::default()
        };
        let probe = Probe::run(&tx, &self.path, &self.params, corpus, &opts, stats, None)?;
        tx.finish().map_err(db(&self.path))?;
        Ok((probe, invalid))
    }

    /// Counts, parameters and size.
    pub fn stats(&self) -> Result<IndexStats> {
        let count = |sql: &str| -> Result<u64> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(db(&self.path))
        };
        let documents = count("SELECT count(*) FROM docs")?;
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        let size_bytes = size(&self.path) + size(Path::new(&wal));
        Ok(IndexStats {
            path: self.path.clone(),
            documents,
            stories: count("SELECT count(DISTINCT story) FROM docs")?,
            removed: count("SELECT count(*) FROM removed")?,
            pages: count("SELECT count(*) FROM buckets")?,
            segments: count("SELECT count(*) FROM segments")?,
            size_bytes,
            bytes_per_document: size_bytes as f64 / documents.max(1) as f64,
            params: self.params.clone(),
        })
    }
}

/// Adds the documents of `inputs` to the index at `path`, creating it when missing, in one
/// transaction: after a crash the index is as it was before. `requested` are parameters the
/// user asked for (an existing index with others is an error); `None` takes the index's, or
/// the defaults of `base` for a new one. A second writer waits up to `wait` for the lock.
pub fn add(
    path: &Path,
    inputs: &[Input],
    requested: Option<&Params>,
    base: &Options,
    wait: Duration,
    progress: impl FnMut(usize) + Send,
) -> Result<AddReport> {
    let (mut conn, new) = open_write(path, wait)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db(path))?;
    tx.execute_batch(SCHEMA).map_err(db(path))?;
    let params = match (read_params(&tx, path)?, requested) {
        (Some(stored), Some(asked)) if stored != *asked => {
            return Err(index_error(
                path,
                format!(
                    "the index was built with other parameters ({}); leave out the pipeline options to use the index's, or build a new index",
                    stored.difference(asked).unwrap_or_default()
                ),
            ))
        }
        (Some(stored), _) => stored,
        (None, asked) => {
            let p = asked
                .cloned()
                .unwrap_or_else(|| Params::from_options(base));
            let text = serde_json::to_string(&p).expect("parameters serialize");
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('params', ?1)",
                params![text],
            )
            .map_err(db(path))?;
            p
        }
    };
    // The index keeps each version's story, not its parent.
    let opts = Options {
        parents: false,
        ..params.options(base)?
    };
    let mut report = AddReport::default();
    let t = Instant::now();
    let (corpus, invalid, read) = dedup::read_corpus(inputs, &opts, progress)?;
    report.read = corpus.len();
    report.invalid = invalid;
    // Into an empty index (a first add) nothing is indexed yet: no lookup per document.
    let indexed: Vec<bool> = if !has_documents(&tx, path)? {
        vec![false; corpus.len()]
    } else {
        let mut st = tx
            .prepare("SELECT 1 FROM docs WHERE id = ?1")
            .map_err(db(path))?;
        corpus
            .docs
            .iter()
            .map(|d| st.exists(params![d.id]))
            .collect::<rusqlite::Result<_>>()
            .map_err(db(path))?
    };
    report.skipped = indexed.iter().filter(|x| **x).count();
    let corpus = if report.skipped > 0 {
        corpus.filter(|i| !indexed[i])
    } else {
        corpus
    };
    let stats = Stats {
        bytes: read.bytes,
        skipped: read.skipped,
        timings: vec![("read+shingle", t.elapsed())],
        ..Stats::default()
    };
    let n = corpus.len();
    let base = first_number(&tx, path, n)?;
    let removed = removed_numbers(&tx, path)?;
    // The bucket entries need only the batch's band keys and numbers: they are written while
    // the batch's stories are found.
    let mut store = |entries: &PageEntries| {
        let batch = entries.pages().map(|(page, group)| {
            let mut entries: Vec<Entry> = group
                .iter()
                .map(|&e| ((e >> 32) as u32, base + e as u32))
                .collect();
            entries.sort_unstable();
            entries.dedup();
            (page, entries)
        });
        buckets::write(&tx, path, batch, n as u64, &removed, false)
    };
    let probe = Probe::run(&tx, path, &params, corpus, &opts, stats, Some(&mut store))?;
    let t = Instant::now();
    write_batch(&tx, path, &params, &probe, base, &mut report)?;
    // An interrupt before this point exits 130 with nothing committed (the transaction is
    // rolled back at the next open); from here on it waits, and the add exits 0.
    crate::interrupt::commit(|| tx.commit()).map_err(db(path))?;
    if new {
        switch_to_wal(&conn);
    }
    report.documents = conn
        .query_row("SELECT count(*) FROM docs", [], |r| r.get::<_, i64>(0))
        .map_err(db(path))? as u64;
    report.timings = probe.dedup.stats.timings.clone();
    report.timings.push(("write", t.elapsed()));
    Ok(report)
}

/// Writes a probed batch: its documents with their stories, its bucket entries, and the
/// boilerplate learned so far.
fn write_batch(
    tx: &Connection,
    path: &Path,
    params: &Params,
    probe: &Probe,
    base: u32,
    report: &mut AddReport,
) -> Result<()> {
    let corpus = &probe.dedup.corpus;
    let n = corpus.len();
    let number = |d: usize| base + d as u32;

    // A story of the batch that matched the index joins the indexed story of its best
    // match; otherwise it is a new story, numbered by its first version.
    let mut story_of_cluster: HashMap<u32, (f32, i64)> = HashMap::new();
    for (d, a) in probe.dedup.assignments.iter().enumerate() {
        if let Some(best) = probe.index[d].first() {
            let e = story_of_cluster
                .entry(a.cluster)
                .or_insert((f32::NEG_INFINITY, 0));
            if best.score > e.0 {
                *e = (best.score, best.story);
            }
        }
    }
    let mut first_of_cluster: HashMap<u32, i64> = HashMap::new();
    {
        let cut = params.sample_cut();
        let mut insert = tx
            .prepare(
                "INSERT INTO docs(n, id, story, date, source, title, length, shingles)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(db(path))?;
        for (d, info) in corpus.docs.iter().enumerate() {
            let a = &probe.dedup.assignments[d];
            let own = i64::from(number(d));
            let story = if a.empty {
                own
            } else if let Some(&(_, s)) = story_of_cluster.get(&a.cluster) {
                report.joined += 1;
                s
            } else {
                *first_of_cluster.entry(a.cluster).or_insert_with(|| {
                    report.new_stories += 1;
                    own
                })
            };
            if a.empty {
                report.new_stories += 1;
            }
            let blob: Vec<u8> = sample(corpus.set(d), cut)
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect();
            insert
                .execute(params![
                    own,
                    info.id,
                    story,
                    info.date,
                    info.source.map(|s| corpus.sources[s as usize].as_str()),
                    info.title,
                    info.len,
                    blob
                ])
                .map_err(db(path))?;
        }
    }
    report.added = n;
    // Built once the documents are in: from all of a first add's ids at once, in sorted
    // order, rather than one random insertion per document (later adds maintain it).
    tx.execute_batch("CREATE UNIQUE INDEX IF NOT EXISTS docs_id ON docs(id)")
        .map_err(db(path))?;

    let bytes = |v: &[u32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    tx.execute(
        "INSERT OR REPLACE INTO boilerplate(kind, outlet, shingles) VALUES ('corpus', '', ?1)",
        params![bytes(&probe.widespread)],
    )
    .map_err(db(path))?;
    let mut put = tx
        .prepare("INSERT OR REPLACE INTO outlet_pages(outlet, slot, shingles) VALUES (?1, ?2, ?3)")
        .map_err(db(path))?;
    for (name, slot, set) in &probe.new_pages {
        put.execute(params![name, slot, bytes(set)])
            .map_err(db(path))?;
    }
    Ok(())
}

/// The number of the first of `n` documents added to the index behind `tx`. Numbers are
/// never reused: bucket entries of removed documents may still name theirs.
fn first_number(tx: &Connection, path: &Path, n: usize) -> Result<u32> {
    let max_n = |table: &str| -> Result<i64> {
        tx.query_row(
            &format!("SELECT coalesce(max(n), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )
        .map_err(db(path))
    };
    let base = max_n("docs")?.max(max_n("removed")?) + 1;
    if base + n as i64 > i64::from(u32::MAX) {
        return Err(index_error(path, "the index is full (2^32 documents)"));
    }
    Ok(base as u32)
}

/// Opens the existing index at `path` to change it: `f` runs in one transaction that holds
/// the write lock (waiting up to `wait` for it), committed when `f` succeeds.
fn change<T>(
    path: &Path,
    wait: Duration,
    f: impl FnOnce(&Connection) -> Result<T>,
) -> Result<(Connection, T)> {
    if !path.exists() {
        return Err(index_error(path, "no such index"));
    }
    let (mut conn, _) = open_write(path, wait)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db(path))?;
    if read_params(&tx, path)?.is_none() {
        return Err(index_error(path, "not a wiretrace index"));
    }
    let out = f(&tx)?;
    crate::interrupt::commit(|| tx.commit()).map_err(db(path))?;
    Ok((conn, out))
}

/// Removes the documents with the given ids; returns how many were removed and the ids that
/// were not in the index.
pub fn remove(path: &Path, ids: &[String], wait: Duration) -> Result<(usize, Vec<String>)> {
    let (_, out) = change(path, wait, |tx| {
        let mut removed = 0;
        let mut missing = Vec::new();
        let mut find = tx
            .prepare("SELECT n FROM docs WHERE id = ?1")
            .map_err(db(path))?;
        let mut del = tx
            .prepare("DELETE FROM docs WHERE n = ?1")
            .map_err(db(path))?;
        let mut mark = tx
            .prepare("INSERT OR IGNORE INTO removed(n) VALUES (?1)")
            .map_err(db(path))?;
        for id in ids {
            match find
                .query_row(params![id], |r| r.get::<_, i64>(0))
                .optional()
                .map_err(db(path))?
            {
                Some(n) => {
                    del.execute(params![n]).map_err(db(path))?;
                    mark.execute(params![n]).map_err(db(path))?;
                    removed += 1;
                }
                None => missing.push(id.clone()),
            }
        }
        Ok((removed, missing))
    })?;
    Ok(out)
}

/// Merges every bucket segment of the index at `path` into one (dropping the entries of
/// removed documents) and shrinks the file to what it holds: the fewest rows for a check to
/// read, at the cost of rewriting the index. Returns the number of segments before and after.
pub fn compact(path: &Path, wait: Duration) -> Result<(usize, usize)> {
    let (conn, counts) = change(path, wait, |tx| {
        let before = buckets::segments(tx, path)?.len();
        let removed = removed_numbers(tx, path)?;
        buckets::write(tx, path, std::iter::empty(), 0, &removed, true)?;
        Ok((before, buckets::segments(tx, path)?.len()))
    })?;
    // The merged rows left the old ones' pages free: give them back to the file system, or
    // a compacted index would take more room than before. (VACUUM copies the database, in
    // one transaction of its own: a crash leaves the merged index, not a broken one.)
    conn.execute_batch("VACUUM").map_err(db(path))?;
    Ok(counts)
}

/// The numbers of the documents removed so far.
fn removed_numbers(conn: &Connection, path: &Path) -> Result<HashSet<u32>> {
    let mut st = conn.prepare("SELECT n FROM removed").map_err(db(path))?;
    let rows = st
        .query_map([], |r| r.get::<_, i64>(0))
        .map_err(db(path))?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(db(path))?;
    Ok(rows.into_iter().map(|n| n as u32).collect())
}

/// True when the index holds at least one document.
pub(super) fn has_documents(conn: &Connection, path: &Path) -> Result<bool> {
    conn.query_row("SELECT EXISTS(SELECT 1 FROM docs)", [], |r| r.get(0))
        .map_err(db(path))
}

/// The highest document number given so far: about how many documents were ever indexed
/// (numbers are never reused), read from the end of the table's key.
pub(super) fn last_number(conn: &Connection, path: &Path) -> Result<u32> {
    conn.query_row("SELECT coalesce(max(n), 0) FROM docs", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as u32)
    .map_err(db(path))
}

/// The stored corpus-wide boilerplate.
pub(super) fn widespread(conn: &Connection, path: &Path) -> Result<Vec<u32>> {
    conn.query_row(
        "SELECT shingles FROM boilerplate WHERE kind = 'corpus'",
        [],
        |r| Ok(u32s(r.get_ref(0)?.as_blob()?)),
    )
    .optional()
    .map(Option::unwrap_or_default)
    .map_err(db(path))
}

/// The raw pages the index kept of each of `outlets`, by outlet.
pub(super) fn outlet_pages(
    conn: &Connection,
    path: &Path,
    outlets: &[String],
) -> Result<HashMap<String, Vec<Vec<u32>>>> {
    let mut st = conn
        .prepare_cached("SELECT shingles FROM outlet_pages WHERE outlet = ?1 ORDER BY slot")
        .map_err(db(path))?;
    let mut out = HashMap::new();
    for name in outlets {
        let pages = st
            .query_map(params![name], |r| Ok(u32s(r.get_ref(0)?.as_blob()?)))
            .map_err(db(path))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db(path))?;
        if !pages.is_empty() {
            out.insert(name.clone(), pages);
        }
    }
    Ok(out)
}

fn u32s(blob: &[u8]) -> Vec<u32> {
    le_u32s(blob).collect()
}

/// The little-endian `u32`s a shingle blob holds.
pub(super) fn le_u32s(blob: &[u8]) -> impl Iterator<Item = u32> + '_ {
    blob.chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
}

/// An indexed document as verification needs it, borrowed from the database row (valid
/// while the callback runs): a check reads a hundred thousand of them, and three strings and
/// vectors of each, made and freed on the reading thread, were a fifth of its work.
#[derive(Debug)]
pub(super) struct StoredDoc<'a> {
    pub n: u32,
    pub id: &'a str,
    pub story: i64,
    pub length: u32,
    pub source: Option<&'a str>,
    /// The stored sample, little-endian `u32`s.
    pub shingles: &'a [u8],
}

/// Calls `f` with each indexed document of `ns` (sorted) that is still in the index.
pub(super) fn for_each_doc(
    conn: &Connection,
    path: &Path,
    ns: &[u32],
    mut f: impl FnMut(StoredDoc),
) -> Result<()> {
    let mut row = |n: u32, r: &rusqlite::Row, at: usize| -> rusqlite::Result<()> {
        f(StoredDoc {
            n,
            id: r.get_ref(at)?.as_str()?,
            story: r.get(at + 1)?,
            length: r.get::<_, i64>(at + 2)? as u32,
            source: r.get_ref(at + 3)?.as_str_or_null()?,
            shingles: r.get_ref(at + 4)?.as_blob()?,
        });
        Ok(())
    };
    let (Some(&first), Some(&last)) = (ns.first(), ns.last()) else {
        return Ok(());
    };
    // Dense wants (a big batch against a smaller index) read the range in one pass; sparse
    // ones, document by document.
    if u64::from(last - first) < 4 * ns.len() as u64 {
        let mut st = conn
            .prepare_cached(
                "SELECT n, id, story, length, source, shingles FROM docs WHERE n BETWEEN ?1 AND ?2 ORDER BY n",
            )
            .map_err(db(path))?;
        let mut rows = st
            .query(params![i64::from(first), i64::from(last)])
            .map_err(db(path))?;
        let mut want = ns.iter().peekable();
        while let Some(r) = rows.next().map_err(db(path))? {
            let n = r.get::<_, i64>(0).map_err(db(path))? as u32;
            while want.next_if(|&&w| w < n).is_some() {}
            if want.peek() == Some(&&n) {
                row(n, r, 1).map_err(db(path))?;
            }
        }
        return Ok(());
    }
    let mut st = conn
        .prepare_cached("SELECT id, story, length, source, shingles FROM docs WHERE n = ?1")
        .map_err(db(path))?;
    for &n in ns {
        st.query_row(params![i64::from(n)], |r| row(n, r, 0))
            .optional()
            .map_err(db(path))?;
    }
    Ok(())
}
