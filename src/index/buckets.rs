//! The bucket table: the indexed documents' LSH band keys, as sorted pages in segments.
//!
//! A band key's top `page_bits` bits name its page; a page is a sorted run of entries (the
//! next 16 key bits, the document number). Each `add` writes its entries as a new *segment*
//! (one row per page it touches, keyed `segment << 32 | page`, so a segment's rows are one
//! contiguous run at the end of the table), instead of rewriting every page it touches: a
//! batch of 20,000 documents touches all 262,144 pages, so merging it into them rewrote the
//! whole table (1.75 s at 200,000 indexed documents, growing with the archive). Segments are
//! merged like a binary counter: a new segment absorbs the newest ones while it is at least as
//! large as they are, so each entry is rewritten about log2(archive / batch) times in all, and
//! a reader sees at most a few segments. Readers merge a page's rows from every segment, so
//! what they see does not depend on how the entries are split.

use crate::error::Result;
use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::{params, Connection, OptionalExtension, Rows, Statement};
use std::collections::HashSet;
use std::path::Path;

use super::store::db;

/// One stored entry: the key bits below the page ([`FINE_BITS`] of them), and the document
/// number.
pub type Entry = (u32, u32);

/// Key bits kept below the page. A page holds the keys of one 2^-18 slice of the key space;
/// 16 more bits tell them apart but for one chance match per 65,536 stored entries, which
/// verification rejects (and candidates from a large index must share two keys anyway). At
/// 32 bits each entry took 8 bytes, at 16 it takes 6: the index of 200,000 documents went
/// from 291 to 235 MB, and a check reads a quarter fewer bucket bytes.
pub const FINE_BITS: u32 = 16;

/// The mask of [`FINE_BITS`].
pub const FINE_MASK: u32 = (1 << FINE_BITS) - 1;

/// Bytes per stored entry.
pub const ENTRY_BYTES: usize = 6;

/// At most this many segments: beyond it the newest are merged whatever their sizes.
pub const MAX_SEGMENTS: usize = 8;

/// A segment: its number and how many documents were added in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub seg: u32,
    pub docs: u64,
}

fn key(seg: u32, page: u64) -> i64 {
    (i64::from(seg) << 32) | page as i64
}

/// The segments, oldest first.
pub fn segments(conn: &Connection, path: &Path) -> Result<Vec<Segment>> {
    let mut st = conn
        .prepare_cached("SELECT seg, docs FROM segments ORDER BY seg")
        .map_err(db(path))?;
    let rows = st
        .query_map([], |r| {
            Ok(Segment {
                seg: r.get::<_, i64>(0)? as u32,
                docs: r.get::<_, i64>(1)? as u64,
            })
        })
        .map_err(db(path))?;
    rows.collect::<rusqlite::Result<_>>().map_err(db(path))
}

fn decode(blob: &[u8], out: &mut Vec<Entry>) {
    out.extend(blob.chunks_exact(ENTRY_BYTES).map(|c| {
        let fine = u16::from_le_bytes(c[..2].try_into().expect("2 bytes"));
        let n = u32::from_le_bytes(c[2..].try_into().expect("4 bytes"));
        (u32::from(fine), n)
    }));
}

fn encode(entries: &[Entry], out: &mut Vec<u8>) {
    out.clear();
    for &(fine, n) in entries {
        debug_assert!(fine <= FINE_MASK);
        out.extend_from_slice(&(fine as u16).to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
    }
}

/// Merges the sorted `a` and `b` into `out`, once each entry.
fn merge_into(a: &[Entry], b: &[Entry], out: &mut Vec<Entry>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out.push(x.min(y));
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

/// A cursor over one segment's rows in page order, standing on the current one.
struct Cursor<'s> {
    rows: Rows<'s>,
    page: Option<u64>,
}

impl Cursor<'_> {
    fn advance(&mut self, path: &Path) -> Result<()> {
        self.page = match self.rows.next().map_err(db(path))? {
            Some(row) => Some(row.get::<_, i64>(0).map_err(db(path))? as u64 & 0xffff_ffff),
            None => None,
        };
        Ok(())
    }

    /// The raw entries of the current row.
    fn blob(&self, path: &Path) -> Result<&[u8]> {
        let row = FallibleStreamingIterator::get(&self.rows).expect("standing on a row");
        let blob = row.get_ref(1).map_err(db(path))?;
        blob.as_blob().map_err(|e| db(path)(e.into()))
    }
}

/// The rows of one page, one per segment holding it: each its raw entries, sorted.
/// [`Decoder::entries`] decodes and merges them.
pub type PageRows<'a> = [&'a [u8]];

/// Decodes and merges the rows of a page (see [`PageRows`]), reusing its buffers.
#[derive(Debug, Default)]
pub struct Decoder {
    merged: Vec<Entry>,
    one: Vec<Entry>,
    spare: Vec<Entry>,
}

impl Decoder {
    /// The page's entries from all its rows, sorted and distinct.
    pub fn entries(&mut self, rows: &PageRows) -> &[Entry] {
        self.merged.clear();
        for (k, blob) in rows.iter().enumerate() {
            if k == 0 {
                decode(blob, &mut self.merged);
            } else {
                self.one.clear();
                decode(blob, &mut self.one);
                merge_into(&self.merged, &self.one, &mut self.spare);
                std::mem::swap(&mut self.merged, &mut self.spare);
            }
        }
        &self.merged
    }
}

/// Calls `f` with every page stored in `segs` and its rows (see [`PageRows`]), in page
/// order: one scan of each segment, side by side. The rows are handed over as SQLite holds
/// them, undecoded: a check's lookup reads every page of the table on one thread, and
/// decoding and copying the entries there was a sixth of that thread's work.
fn scan_rows(
    conn: &Connection,
    path: &Path,
    segs: &[Segment],
    mut f: impl FnMut(u64, &PageRows) -> Result<()>,
) -> Result<()> {
    let mut statements: Vec<Statement> = segs
        .iter()
        .map(|_| {
            conn.prepare("SELECT page, entries FROM buckets WHERE page >= ?1 AND page < ?2")
                .map_err(db(path))
        })
        .collect::<Result<_>>()?;
    let mut cursors = Vec::with_capacity(segs.len());
    for (st, s) in statements.iter_mut().zip(segs) {
        let rows = st
            .query(params![key(s.seg, 0), key(s.seg + 1, 0)])
            .map_err(db(path))?;
        let mut c = Cursor { rows, page: None };
        c.advance(path)?;
        cursors.push(c);
    }
    // Up to `MAX_SEGMENTS` rows of a page without an allocation per page.
    let mut many = Vec::new();
    while let Some(page) = cursors.iter().filter_map(|c| c.page).min() {
        {
            let mut few: [&[u8]; MAX_SEGMENTS] = [&[]; MAX_SEGMENTS];
            let mut k = 0;
            many.clear();
            for c in cursors.iter().filter(|c| c.page == Some(page)) {
                let blob = c.blob(path)?;
                match few.get_mut(k) {
                    Some(slot) => *slot = blob,
                    None => many.push(blob.to_vec()),
                }
                k += 1;
            }
            if k <= MAX_SEGMENTS {
                f(page, &few[..k])?;
            } else {
                let mut rows = few.to_vec();
                rows.extend(many.iter().map(Vec::as_slice));
                f(page, &rows)?;
            }
        }
        for c in cursors.iter_mut().filter(|c| c.page == Some(page)) {
            c.advance(path)?;
        }
    }
    Ok(())
}

/// Calls `f` with every page stored in `segs` and its entries from all of them (sorted,
/// distinct), in page order.
fn scan(
    conn: &Connection,
    path: &Path,
    segs: &[Segment],
    mut f: impl FnMut(u64, &[Entry]) -> Result<()>,
) -> Result<()> {
    let mut decoder = Decoder::default();
    scan_rows(conn, path, segs, |page, rows| {
        f(page, decoder.entries(rows))
    })
}

/// Calls `f` with each stored page of `pages` (sorted, distinct) and its rows from every
/// segment (see [`PageRows`]), in order. Reads the whole table in one pass when most of its
/// `slots` possible pages are wanted, else page by page. (Not by counting the table's rows:
/// `count(*)` reads every page of it, a second pass over the whole table.)
pub fn for_each_page_rows(
    conn: &Connection,
    path: &Path,
    pages: &[u64],
    slots: u64,
    mut f: impl FnMut(u64, &PageRows),
) -> Result<()> {
    if pages.is_empty() {
        return Ok(());
    }
    let segs = segments(conn, path)?;
    if pages.len() as u64 * 4 > slots {
        let mut want = pages.iter().peekable();
        scan_rows(conn, path, &segs, |page, rows| {
            while want.next_if(|&&p| p < page).is_some() {}
            if want.peek() == Some(&&page) {
                f(page, rows);
            }
            Ok(())
        })
    } else {
        let mut st = conn
            .prepare("SELECT entries FROM buckets WHERE page = ?1")
            .map_err(db(path))?;
        let mut blobs: Vec<Vec<u8>> = Vec::new();
        for &page in pages {
            blobs.clear();
            for s in &segs {
                let blob: Option<Vec<u8>> = st
                    .query_row(params![key(s.seg, page)], |r| r.get(0))
                    .optional()
                    .map_err(db(path))?;
                blobs.extend(blob);
            }
            if !blobs.is_empty() {
                let rows: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
                f(page, &rows);
            }
        }
        Ok(())
    }
}

/// [`for_each_page_rows`] with each page's entries decoded (sorted, distinct).
#[cfg(test)]
pub fn for_each_page(
    conn: &Connection,
    path: &Path,
    pages: &[u64],
    slots: u64,
    mut f: impl FnMut(u64, &[Entry]),
) -> Result<()> {
    let mut decoder = Decoder::default();
    for_each_page_rows(conn, path, pages, slots, |page, rows| {
        f(page, decoder.entries(rows))
    })
}

/// How many of the newest of `segs` a new segment of `docs` documents absorbs: those no
/// larger than what it has gathered so far, and any beyond [`MAX_SEGMENTS`].
fn absorbed(segs: &[Segment], docs: u64) -> usize {
    let mut start = segs.len();
    let mut size = docs;
    while start > 0 && (size >= segs[start - 1].docs || start >= MAX_SEGMENTS) {
        start -= 1;
        size += segs[start].docs;
    }
    segs.len() - start
}

/// Writes a batch of `docs` documents whose entries come page by page, in page order, from
/// `batch`: as a new segment that absorbs the newest segments as the merge rule says, or all
/// of them with `all` (`index compact`, with an empty batch). The entries of `removed`
/// documents are dropped from the segments absorbed.
pub fn write(
    conn: &Connection,
    path: &Path,
    mut batch: impl Iterator<Item = (u64, Vec<Entry>)>,
    docs: u64,
    removed: &HashSet<u32>,
    all: bool,
) -> Result<()> {
    let segs = segments(conn, path)?;
    let take = if all {
        segs.len()
    } else {
        absorbed(&segs, docs)
    };
    let merged = &segs[segs.len() - take..];
    let seg = segs.last().map_or(0, |s| s.seg + 1);
    let total = docs + merged.iter().map(|s| s.docs).sum::<u64>();
    if total == 0 && merged.len() <= 1 {
        return Ok(());
    }
    let mut put = conn
        .prepare("INSERT INTO buckets(page, entries) VALUES (?1, ?2)")
        .map_err(db(path))?;
    let mut blob = Vec::new();
    let mut put_page = |page: u64, entries: &[Entry]| -> Result<()> {
        if !entries.is_empty() {
            encode(entries, &mut blob);
            put.execute(params![key(seg, page), blob])
                .map_err(db(path))?;
        }
        Ok(())
    };
    let mut next = batch.next();
    let (mut page_entries, mut spare) = (Vec::new(), Vec::new());
    // The new rows are keyed above every segment read, so the scans never meet them.
    scan(conn, path, merged, |page, stored| {
        while let Some((p, entries)) = next.take_if(|(p, _)| *p < page) {
            put_page(p, &entries)?;
            next = batch.next();
        }
        page_entries.clear();
        page_entries.extend(stored.iter().filter(|e| !removed.contains(&e.1)));
        if let Some((_, entries)) = next.take_if(|(p, _)| *p == page) {
            merge_into(&page_entries, &entries, &mut spare);
            std::mem::swap(&mut page_entries, &mut spare);
            next = batch.next();
        }
        put_page(page, &page_entries)
    })?;
    while let Some((p, entries)) = next {
        put_page(p, &entries)?;
        next = batch.next();
    }
    drop(put);
    if let Some(first) = merged.first() {
        conn.execute(
            "DELETE FROM buckets WHERE page >= ?1 AND page < ?2",
            params![key(first.seg, 0), key(seg, 0)],
        )
        .map_err(db(path))?;
        conn.execute(
            "DELETE FROM segments WHERE seg >= ?1",
            params![i64::from(first.seg)],
        )
        .map_err(db(path))?;
    }
    conn.execute(
        "INSERT INTO segments(seg, docs) VALUES (?1, ?2)",
        params![i64::from(seg), total as i64],
    )
    .map_err(db(path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(docs: &[u64]) -> Vec<Segment> {
        docs.iter()
            .enumerate()
            .map(|(i, &docs)| Segment {
                seg: i as u32,
                docs,
            })
            .collect()
    }

    #[test]
    fn segments_merge_like_a_binary_counter() {
        assert_eq!(absorbed(&segs(&[]), 100), 0);
        assert_eq!(absorbed(&segs(&[200]), 20), 0);
        assert_eq!(absorbed(&segs(&[200, 20]), 20), 1);
        assert_eq!(absorbed(&segs(&[200, 40, 20]), 20), 2);
        assert_eq!(absorbed(&segs(&[200, 160, 40, 20]), 20), 2);
        assert_eq!(absorbed(&segs(&[200, 160, 40]), 20), 0);
        assert_eq!(absorbed(&segs(&[200, 160, 40]), 200), 3);
        // Equal daily batches keep about log2(archive / batch) segments.
        let mut s: Vec<Segment> = Vec::new();
        let mut most = 0;
        for day in 0..1000u32 {
            let take = absorbed(&s, 10);
            let total = 10 + s[s.len() - take..].iter().map(|x| x.docs).sum::<u64>();
            s.truncate(s.len() - take);
            s.push(Segment {
                seg: day,
                docs: total,
            });
            most = most.max(s.len());
        }
        assert_eq!(s.iter().map(|x| x.docs).sum::<u64>(), 10_000);
        assert!(most <= 8, "{most} segments");
        // Shrinking batches are merged once there are too many.
        let shrinking: Vec<u64> = (0..MAX_SEGMENTS as u32).map(|i| 1 << (20 - i)).collect();
        assert!(absorbed(&segs(&shrinking), 1) >= 1);
    }

    /// What the table should answer: every entry written, by page, minus removed documents
    /// where a merge dropped them (readers may still see those until then).
    type Truth = std::collections::BTreeMap<u64, std::collections::BTreeSet<Entry>>;

    fn read_all(conn: &Connection, pages: &[u64], slots: u64) -> Truth {
        let mut got = Truth::new();
        for_each_page(conn, Path::new("t"), pages, slots, |page, entries| {
            assert!(entries.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
            assert!(got
                .insert(page, entries.iter().copied().collect())
                .is_none());
        })
        .unwrap();
        got
    }

    #[test]
    fn a_page_in_more_segments_than_the_writer_keeps_reads_back_whole() {
        // Written row by row (`write` never leaves more than MAX_SEGMENTS): page 3 in every
        // one of MAX_SEGMENTS + 2 segments, page 5 in the last only.
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(super::super::store::SCHEMA).unwrap();
        let segs = MAX_SEGMENTS as u32 + 2;
        let mut truth = Truth::new();
        let mut blob = Vec::new();
        for seg in 0..segs {
            conn.execute(
                "INSERT INTO segments(seg, docs) VALUES (?1, 1)",
                params![seg],
            )
            .unwrap();
            let mut put = |page: u64, entries: &[Entry]| {
                encode(entries, &mut blob);
                conn.execute(
                    "INSERT INTO buckets(page, entries) VALUES (?1, ?2)",
                    params![key(seg, page), blob],
                )
                .unwrap();
                truth.entry(page).or_default().extend(entries);
            };
            put(3, &[(seg, seg), (seg + 100, seg)]);
            if seg == segs - 1 {
                put(5, &[(7, seg)]);
            }
        }
        let all: Vec<u64> = (0..8).collect();
        assert_eq!(read_all(&conn, &all, 8), truth);
        assert_eq!(read_all(&conn, &[3], 1 << 20)[&3], truth[&3]);
    }

    #[test]
    fn pages_read_back_whole_across_segments_and_merges() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(super::super::store::SCHEMA).unwrap();
        let path = Path::new("t");
        let mut truth = Truth::new();
        let mut next = crate::testutil::xorshift(0x2545_f491_4f6c_dd1d);
        let mut rand = move |m: u64| next() % m;
        let slots = 64;
        let mut n = 0u32;
        let mut removed = HashSet::new();
        for (round, docs) in [40u32, 10, 10, 5, 30, 2, 1, 1, 1, 1, 1, 1, 1, 1, 60]
            .into_iter()
            .enumerate()
        {
            let mut batch: Truth = Truth::new();
            for d in n..n + docs {
                for _ in 0..6 {
                    let e = (rand(50) as u32, d);
                    batch.entry(rand(slots)).or_default().insert(e);
                }
            }
            n += docs;
            for (p, es) in &batch {
                truth.entry(*p).or_default().extend(es);
            }
            let pages = batch
                .into_iter()
                .map(|(p, es)| (p, es.into_iter().collect()));
            write(&conn, path, pages, u64::from(docs), &removed, false).unwrap();
            let segs = segments(&conn, path).unwrap();
            assert!(segs.len() <= MAX_SEGMENTS && !segs.is_empty());
            assert_eq!(segs.iter().map(|s| s.docs).sum::<u64>(), u64::from(n));
            let all: Vec<u64> = (0..slots).collect();
            // A whole scan, and page by page for a few pages.
            assert_eq!(read_all(&conn, &all, slots), truth, "round {round}");
            let few = [3, 17, 40];
            let want: Truth = truth
                .iter()
                .filter(|(p, _)| few.contains(*p))
                .map(|(p, es)| (*p, es.clone()))
                .collect();
            assert_eq!(read_all(&conn, &few, 1 << 20), want, "round {round}");
            if round == 6 {
                removed.extend([0, 5, 41]);
                write(&conn, path, std::iter::empty(), 0, &removed, true).unwrap();
                assert_eq!(segments(&conn, path).unwrap().len(), 1);
                for es in truth.values_mut() {
                    es.retain(|e| !removed.contains(&e.1));
                }
                truth.retain(|_, es| !es.is_empty());
                assert_eq!(read_all(&conn, &all, slots), truth);
            }
        }
    }
}
