//! Locality-sensitive hashing: signatures are cut into `b` bands of `r` rows; two documents
//! whose signatures agree on a whole band become a candidate pair.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Bands × rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bands {
    /// Number of bands.
    pub bands: usize,
    /// Rows (signature values) per band.
    pub rows: usize,
}

impl Bands {
    /// Probability that a pair of Jaccard similarity `s` becomes a candidate.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The bands and rows for a Jaccard `threshold` and `k` signature values, minimizing the
    /// equally weighted areas of false positives (below the threshold) and false negatives
    /// (above it) under the S-curve, as datasketch's `optimal_param` does.
    ///
    /// ```
    /// let p = wiretrace::lsh::Bands::optimal(0.5, 128);
    /// assert!(p.bands * p.rows <= 128);
    /// assert!(p.probability(0.8) > 0.99 && p.probability(0.2) < 0.2);
    /// ```
    pub fn optimal(threshold: f64, k: usize) -> Bands {
        let integrate = |f: &dyn Fn(f64) -> f64, a: f64, b: f64| {
            let n = 200;
            let h = (b - a) / n as f64;
            (0..n).map(|i| f(a + (i as f64 + 0.5) * h) * h).sum::<f64>()
        };
        let mut best = (f64::INFINITY, Bands { bands: 1, rows: k });
        for bands in 1..=k {
            for rows in 1..=k / bands {
                let p = Bands { bands, rows };
                let fp = integrate(&|s| p.probability(s), 0.0, threshold);
                let fn_ = integrate(&|s| 1.0 - p.probability(s), threshold, 1.0);
                let err = 0.5 * fp + 0.5 * fn_;
                if err < best.0 {
                    best = (err, p);
                }
            }
        }
        best.1
    }
}

/// Buckets larger than this are not expanded into all their pairs (a bucket of thousands of
/// identical texts would give millions): each member is paired with its next `WIDE_BUCKET_SPAN`
/// members instead, which still connects them all.
const WIDE_BUCKET: usize = 256;
const WIDE_BUCKET_SPAN: usize = 32;

/// Where the mates of the member at `i` of a bucket of `size` members (in document order)
/// start: every member before it, or in a very wide bucket the few just before it (see
/// [`WIDE_BUCKET`]), which still connects them all.
pub fn mates_from(size: usize, i: usize) -> usize {
    if size > WIDE_BUCKET {
        i.saturating_sub(WIDE_BUCKET_SPAN)
    } else {
        0
    }
}

/// The key of band `b` of a signature.
#[inline]
pub fn band_key(sig: &[u32], bands: Bands, b: usize) -> u64 {
    rows_key(
        &sig[b * bands.rows..(b + 1) * bands.rows],
        u32::to_le_bytes,
        b,
    )
}

/// At most this many bands have their keys made by [`Buckets::with_columns`] in one pass
/// over the documents: sixteen bands of two 16-bit rows are one cache line of a signature.
/// (At 200,000 documents the stage took 0.46-0.47 s with eight, 0.40-0.43 with sixteen,
/// 0.36-0.42 with 32, whose four groups leave a core idle at the end.)
const KEY_GROUP: usize = 16;

/// The key of band `b` of a signature of [`crate::minhash::fingerprint`]s.
#[inline]
pub fn fingerprint_band_key(fps: &[u16], bands: Bands, b: usize) -> u64 {
    if bands.rows <= 4 {
        // The same bytes as below, gathered in a register: written to memory 16 bits at a
        // time, they were read back as one word the store buffer cannot forward, a stall on
        // every key (23 million at 200,000 documents).
        let rows = &fps[b * bands.rows..(b + 1) * bands.rows];
        let word = rows
            .iter()
            .enumerate()
            .fold(0u64, |w, (i, &v)| w | u64::from(v) << (16 * i));
        return xxh3_64_with_seed(&word.to_le_bytes()[..2 * rows.len()], b as u64);
    }
    rows_key(
        &fps[b * bands.rows..(b + 1) * bands.rows],
        u16::to_le_bytes,
        b,
    )
}

/// The hash of a band's values (little-endian bytes, seeded by the band number), on the
/// stack for the usual few rows.
#[inline]
fn rows_key<T: Copy, const W: usize>(rows: &[T], le: impl Fn(T) -> [u8; W], b: usize) -> u64 {
    let mut bytes = [0u8; 64];
    if rows.len() * W <= bytes.len() {
        for (i, &v) in rows.iter().enumerate() {
            bytes[W * i..W * (i + 1)].copy_from_slice(&le(v));
        }
        xxh3_64_with_seed(&bytes[..W * rows.len()], b as u64)
    } else {
        let all: Vec<u8> = rows.iter().flat_map(|&v| le(v)).collect();
        xxh3_64_with_seed(&all, b as u64)
    }
}

/// The band keys of one signature, appended to `out` (one `u64` per band).
pub fn band_keys(sig: &[u32], bands: Bands, out: &mut Vec<u64>) {
    out.extend((0..bands.bands).map(|b| band_key(sig, bands, b)));
}

/// The band buckets that hold more than one document, and for each document the buckets it
/// is in: what candidate pairs are read from, one document at a time.
///
/// Close versions agree on many bands (a pair at Jaccard 0.8 on about 75 of 117), so
/// collecting pairs band by band finds each one dozens of times (53 million bucket mates for
/// 13 million distinct pairs at 200,000 documents), and either stores every copy or tests
/// each for being the first. Gathering a document's earlier mates over all its buckets and
/// marking those already seen gives each pair once, from data that stays in cache.
#[derive(Debug, Default)]
pub struct Buckets {
    /// Members of every shared bucket, bucket after bucket, each in increasing order.
    members: Vec<u32>,
    /// Number of documents.
    n: usize,
    /// The bands in a few fixed groups, each with, for each document, the mates it has before
    /// it in each of its buckets of the group's bands: ranges of `members`. Built group by
    /// group in parallel (one flat table for all bands took a quarter of a second of one core
    /// at 200,000 documents); a fixed number of groups keeps the order of a document's ranges
    /// (band order) whatever the thread count.
    groups: Vec<MateRanges>,
}

/// For each document, ranges of [`Buckets::members`] (start, length), document after document.
/// Stored as ranges, a document's buckets cost it one memory read each, which is what this
/// stage waits on.
#[derive(Debug, Default)]
struct MateRanges {
    ranges: Vec<(u32, u32)>,
    /// Where each document's ranges start in `ranges`, and one past the last.
    doc_starts: Vec<u32>,
}

/// Every band's keys with their documents, band by band, each band sorted by the top 32
/// bits of the key (documents in order within them): an entry is the top
/// [`COLUMN_KEY_BITS`] of the key above the document's [`COLUMN_DOC_BITS`]. The index's
/// bucket pages are made from these without hashing every key again.
#[derive(Debug, Default)]
pub struct BandColumns {
    /// One column per band.
    pub columns: Vec<Vec<u64>>,
}

/// Bits of the document in a [`BandColumns`] entry (and the most documents of one run).
pub const COLUMN_DOC_BITS: u32 = 30;
/// Bits of the band key in a [`BandColumns`] entry.
pub const COLUMN_KEY_BITS: u32 = 64 - COLUMN_DOC_BITS;
/// The mask of the document in a [`BandColumns`] entry.
pub const COLUMN_DOC_MASK: u64 = (1 << COLUMN_DOC_BITS) - 1;

/// Band groups of [`Buckets`].
const BAND_GROUPS: usize = 4;

impl Buckets {
    /// The buckets of `n = active.len()` documents from `key(d, b)`, the key of document `d`
    /// in band `b`, for `bands` bands. Documents with `active[d] == false` take no part. Keys
    /// are asked for band by band, so they need not all be in memory at once.
    pub fn new(key: impl Fn(usize, usize) -> u64 + Sync, bands: usize, active: &[bool]) -> Self {
        Self::with_columns(key, bands, active, false).0
    }

    /// [`Buckets::new`], and with `keep` every band's keys as [`BandColumns`] (empty
    /// without).
    pub fn with_columns(
        key: impl Fn(usize, usize) -> u64 + Sync,
        bands: usize,
        active: &[bool],
        keep: bool,
    ) -> (Self, BandColumns) {
        let n = active.len();
        assert!(
            n <= COLUMN_DOC_MASK as usize + 1,
            "more than 2^{COLUMN_DOC_BITS} documents in one run"
        );
        // Bucket entries are packed into u64s, which sort much faster than tuples. Buckets
        // are told apart by 32 bits of the band key: the rare extra collisions this adds
        // only make a few more candidates, which verification removes.
        let active_count = active.iter().filter(|&&a| a).count();
        // The keys of a group of bands at once, in one pass over the documents: a
        // document's values for neighbouring bands share a cache line, which one pass per
        // band fetched again for every band (at 200,000 documents, 117 passes over 100 MB of
        // signatures, and three in five of the stage's samples on the key). Groups are of
        // equal size: 117 bands make five of 15 and three of 14, where seven of 16 and one
        // of 5 left a core idle at the end.
        let groups = bands.div_ceil(KEY_GROUP);
        let per_band: Vec<(Vec<u32>, Vec<u32>, Vec<u64>)> = (0..groups)
            .into_par_iter()
            .flat_map_iter(|g| {
                let group = g * bands / groups..(g + 1) * bands / groups;
                let mut cols: Vec<Vec<u64>> = group
                    .clone()
                    .map(|_| Vec::with_capacity(active_count))
                    .collect();
                for d in (0..n).filter(|&d| active[d]) {
                    for (b, col) in group.clone().zip(&mut cols) {
                        col.push((key(d, b) >> COLUMN_DOC_BITS) << COLUMN_DOC_BITS | d as u64);
                    }
                }
                cols.into_iter().map(move |mut col| {
                    // By key, documents in order within a key: stable radix passes on the
                    // key bits of values made in document order (a comparison sort took
                    // twice as long).
                    crate::shingle::radix_passes::<_, 3, 2048>(&mut col, |e| (e >> 32) as u32);
                    let (mut members, mut sizes) = (Vec::new(), Vec::new());
                    for group in col.chunk_by(|x, y| x >> 32 == y >> 32) {
                        if group.len() > 1 {
                            members.extend(group.iter().map(|&e| (e & COLUMN_DOC_MASK) as u32));
                            sizes.push(group.len() as u32);
                        }
                    }
                    (members, sizes, if keep { col } else { Vec::new() })
                })
            })
            .collect();
        let mut columns = Vec::new();
        let per_band: Vec<(Vec<u32>, Vec<u32>)> = per_band
            .into_iter()
            .map(|(members, sizes, column)| {
                if keep {
                    columns.push(column);
                }
                (members, sizes)
            })
            .collect();
        let total: usize = per_band.iter().map(|(m, _)| m.len()).sum();
        assert!(
            total < u32::MAX as usize,
            "too many bucket entries for 32-bit offsets"
        );
        // Where each band's members start in the flat array, which is filled in parallel.
        let mut base = Vec::with_capacity(bands);
        let mut members = vec![0u32; total];
        crate::mem::huge_pages(&mut members);
        {
            let mut rest = members.as_mut_slice();
            let mut parts = Vec::with_capacity(bands);
            for (m, _) in &per_band {
                base.push((total - rest.len()) as u32);
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(m.len());
                parts.push(head);
                rest = tail;
            }
            parts
                .into_par_iter()
                .zip(&per_band)
                .for_each(|(part, (m, _))| part.copy_from_slice(m));
        }
        // The range of mates before the member at `i` of a bucket.
        let range = |start: u32, size: u32, i: u32| {
            let from = mates_from(size as usize, i as usize) as u32;
            (start + from, i - from)
        };
        let per_group = bands.div_ceil(BAND_GROUPS).max(1);
        let groups: Vec<MateRanges> = (0..bands)
            .step_by(per_group)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|first| {
                let group = first..(first + per_group).min(bands);
                // Each band's buckets: (start in `members`, size), in order.
                let buckets = |b: usize| {
                    let mut at = base[b];
                    per_band[b].1.iter().map(move |&size| {
                        at += size;
                        (at - size, size)
                    })
                };
                let mut doc_starts = vec![0u32; n + 1];
                for b in group.clone() {
                    for (start, size) in buckets(b) {
                        for &d in &members[start as usize + 1..(start + size) as usize] {
                            doc_starts[d as usize + 1] += 1;
                        }
                    }
                }
                for d in 0..n {
                    doc_starts[d + 1] += doc_starts[d];
                }
                let mut fill = doc_starts.clone();
                let mut ranges = vec![(0u32, 0u32); doc_starts[n] as usize];
                for b in group {
                    for (start, size) in buckets(b) {
                        for i in 1..size {
                            let d = members[(start + i) as usize] as usize;
                            ranges[fill[d] as usize] = range(start, size, i);
                            fill[d] += 1;
                        }
                    }
                }
                MateRanges { ranges, doc_starts }
            })
            .collect();
        (Buckets { members, n, groups }, BandColumns { columns })
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends to `out` every document before `d` that shares a bucket with it, each once,
    /// in the order first met. `seen` has one slot per document and is reused from call to
    /// call: a slot holding `d` marks a mate already taken for `d` (so it must not start out
    /// holding a document's own index; fill it with `u32::MAX`).
    pub fn earlier(&self, d: usize, seen: &mut [u32], out: &mut Vec<u32>) {
        for g in &self.groups {
            let ranges = &g.ranges[g.doc_starts[d] as usize..g.doc_starts[d + 1] as usize];
            for &(start, len) in ranges {
                for &c in &self.members[start as usize..(start + len) as usize] {
                    if seen[c as usize] != d as u32 {
                        seen[c as usize] = d as u32;
                        out.push(c);
                    }
                }
            }
        }
    }

    /// Every candidate pair `(i, j)` with `i < j`, sorted and distinct.
    pub fn pairs(&self) -> Vec<(u32, u32)> {
        let n = self.len();
        // A few jobs per thread, each with its own `seen` array (this is not a hot path;
        // `verify_buckets` keeps one per thread instead).
        let jobs = 8 * rayon::current_num_threads();
        let mut pairs: Vec<(u32, u32)> = (0..n)
            .into_par_iter()
            .with_min_len(n.div_ceil(jobs).max(256))
            .map_init(
                || (vec![u32::MAX; n], Vec::new()),
                |(seen, mates), d| {
                    mates.clear();
                    self.earlier(d, seen, mates);
                    mates.sort_unstable();
                    mates.iter().map(|&c| (c, d as u32)).collect::<Vec<_>>()
                },
            )
            .flatten()
            .collect();
        pairs.par_sort_unstable();
        pairs
    }
}

/// Candidate pairs `(i, j)` with `i < j`, sorted and distinct, from `key(d, b)`, the key of
/// document `d` in band `b` (see [`Buckets::new`]).
pub fn candidates(
    key: impl Fn(usize, usize) -> u64 + Sync,
    bands: usize,
    active: &[bool],
) -> Vec<(u32, u32)> {
    Buckets::new(key, bands, active).pairs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn band_keys_hash_the_rows_little_endian_seeded_by_band() {
        // Indexes store these keys: they must not change between versions.
        let two = Bands { bands: 2, rows: 2 };
        let key = band_key(&[1, 2, 3, 4], two, 1);
        assert_eq!(key, xxh3_64_with_seed(&[3, 0, 0, 0, 4, 0, 0, 0], 1));
        let key = fingerprint_band_key(&[1, 2, 3, 4], two, 1);
        assert_eq!(key, xxh3_64_with_seed(&[3, 0, 4, 0], 1));
        // Up to four rows are gathered in a register, more go through the byte buffer: the
        // same bytes either way.
        let fps: Vec<u16> = (0..40).map(|v| v * 1000 + 7).collect();
        for rows in [1, 3, 4, 5, 8] {
            let bands = Bands { bands: 2, rows };
            let bytes: Vec<u8> = fps[rows..2 * rows]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect();
            let key = fingerprint_band_key(&fps, bands, 1);
            assert_eq!(key, xxh3_64_with_seed(&bytes, 1), "{rows} rows");
        }
        let long: Vec<u32> = (0..40).collect();
        let bytes: Vec<u8> = long.iter().flat_map(|v| v.to_le_bytes()).collect();
        let one = Bands { bands: 1, rows: 40 };
        assert_eq!(band_key(&long, one, 0), xxh3_64_with_seed(&bytes, 0));
    }

    #[test]
    fn known_settings() {
        let p = Bands::optimal(0.5, 128);
        assert!(p.bands * p.rows <= 128);
        assert!((p.probability(0.5) - 0.5).abs() < 0.35);
    }

    #[test]
    fn pairs_from_shared_buckets() {
        // 3 docs × 2 bands: docs 0 and 2 share band 0, docs 1 and 2 share band 1.
        let keys = [1u64 << 40, 10 << 40, 2 << 40, 20 << 40, 1 << 40, 20 << 40];
        let key = |d: usize, b: usize| keys[d * 2 + b];
        assert_eq!(candidates(key, 2, &[true; 3]), vec![(0, 2), (1, 2)]);
        assert_eq!(candidates(key, 2, &[true, true, false]), vec![]);
        // A pair agreeing on both bands comes out once.
        let keys = [1u64 << 40, 2 << 40, 1 << 40, 2 << 40];
        let key = |d: usize, b: usize| keys[d * 2 + b];
        assert_eq!(candidates(key, 2, &[true; 2]), vec![(0, 1)]);
    }

    #[test]
    fn a_wide_bucket_pairs_each_member_with_the_few_before_it() {
        let n = WIDE_BUCKET + 44;
        let pairs = candidates(|_, _| 7 << 32, 1, &vec![true; n]);
        let want: usize = (0..n).map(|i| i.min(WIDE_BUCKET_SPAN)).sum();
        assert_eq!(pairs.len(), want);
        assert!(pairs.iter().all(|&(a, b)| b - a <= WIDE_BUCKET_SPAN as u32));
        // One bucket just under the limit is expanded into all its pairs.
        let n = WIDE_BUCKET;
        assert_eq!(
            candidates(|_, _| 7 << 32, 1, &vec![true; n]).len(),
            n * (n - 1) / 2
        );
    }

    proptest! {
        #[test]
        fn candidates_are_the_pairs_sharing_a_bucket(
            keys in proptest::collection::vec(0u64..6, 3..2400),
            bands in 1usize..40,
            inactive in 0usize..20,
        ) {
            // Keys drawn from a few values so that buckets are shared (but none wider than
            // `WIDE_BUCKET`); more bands than one group of keys made in one pass.
            let n = (keys.len() / bands).min(80);
            let key = |d: usize, b: usize| keys[d * bands + b] << 32 | (b as u64) << 40;
            let active: Vec<bool> = (0..n).map(|d| d % 20 != inactive).collect();
            let want: Vec<(u32, u32)> = (0..n)
                .flat_map(|a| (a + 1..n).map(move |c| (a, c)))
                .filter(|&(a, c)| {
                    active[a] && active[c] && (0..bands).any(|b| key(a, b) == key(c, b))
                })
                .map(|(a, c)| (a as u32, c as u32))
                .collect();
            prop_assert_eq!(candidates(key, bands, &active), want);
            // Each band's column: its active documents' keys, by key, in document order
            // within a key.
            let (_, columns) = Buckets::with_columns(key, bands, &active, true);
            prop_assert_eq!(columns.columns.len(), bands);
            for (b, column) in columns.columns.iter().enumerate() {
                let mut want: Vec<u64> = (0..n)
                    .filter(|&d| active[d])
                    .map(|d| key(d, b) | d as u64)
                    .collect();
                want.sort_by_key(|e| e >> 32);
                prop_assert_eq!(column, &want, "band {}", b);
            }
        }

        #[test]
        fn parameters_from_a_threshold_are_sane(t in 0.05f64..0.95, k in 16usize..256) {
            let p = Bands::optimal(t, k);
            prop_assert!(p.bands >= 1 && p.rows >= 1 && p.bands * p.rows <= k);
            // The S-curve rises: clearly similar pairs are likelier candidates than dissimilar ones.
            prop_assert!(p.probability((t + 1.0) / 2.0) > p.probability(t / 2.0));
            prop_assert!(p.probability(1.0) > 0.999);
        }
    }
}
