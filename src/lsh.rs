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

/// The key of band `b` of a signature.
#[inline]
pub fn band_key(sig: &[u32], bands: Bands, b: usize) -> u64 {
    rows_key(
        &sig[b * bands.rows..(b + 1) * bands.rows],
        u32::to_le_bytes,
        b,
    )
}

/// The key of band `b` of a signature of [`crate::minhash::fingerprint`]s.
#[inline]
pub fn fingerprint_band_key(fps: &[u16], bands: Bands, b: usize) -> u64 {
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

/// Candidate pairs `(i, j)` with `i < j`, sorted and distinct, from `key(d, b)`, the key of
/// document `d` in band `b`, for `bands` bands. `first(i, j)` is the first band two
/// documents agree on: a pair is emitted only by that band, so a close pair
/// is not collected once per band (at 200,000 documents that was 4 copies of each pair, and
/// 400 MB). Documents with `active[d] == false` take no part. Keys are asked for band by
/// band, so they need not all be in memory at once.
pub fn candidates(
    key: impl Fn(usize, usize) -> u64 + Sync,
    first: impl Fn(usize, usize) -> Option<usize> + Sync,
    bands: usize,
    active: &[bool],
) -> Vec<(u32, u32)> {
    let n = active.len();
    // Pairs and bucket entries are packed into u64s, which sort much faster than tuples. A
    // bucket entry keeps 32 bits of the band key: the rare extra collisions this adds only
    // make a few more candidates, which verification removes.
    let mut pairs: Vec<u64> = (0..bands)
        .into_par_iter()
        .flat_map_iter(|b| {
            let mut col: Vec<u64> = (0..n)
                .filter(|&d| active[d])
                .map(|d| (key(d, b) >> 32) << 32 | d as u64)
                .collect();
            col.sort_unstable();
            let mut out = Vec::new();
            for group in col.chunk_by(|x, y| x >> 32 == y >> 32) {
                let span = if group.len() > WIDE_BUCKET {
                    WIDE_BUCKET_SPAN
                } else {
                    group.len()
                };
                for (i, &a) in group.iter().enumerate() {
                    for &c in &group[i + 1..group.len().min(i + 1 + span)] {
                        // Documents are in increasing order inside a bucket: a < c.
                        let (a, c) = ((a & 0xffff_ffff) as usize, (c & 0xffff_ffff) as usize);
                        // (32 bits of key can also collide by chance: then `first` is not b.)
                        if first(a, c) == Some(b) {
                            out.push((a as u64) << 32 | c as u64);
                        }
                    }
                }
            }
            out.into_iter()
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
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
        let first = |a: usize, c: usize| (0..2).find(|&b| key(a, b) == key(c, b));
        assert_eq!(candidates(key, first, 2, &[true; 3]), vec![(0, 2), (1, 2)]);
        assert_eq!(candidates(key, first, 2, &[true, true, false]), vec![]);
        // A pair agreeing on both bands comes out once.
        let keys = [1u64 << 40, 2 << 40, 1 << 40, 2 << 40];
        let key = |d: usize, b: usize| keys[d * 2 + b];
        let first = |a: usize, c: usize| (0..2).find(|&b| key(a, b) == key(c, b));
        assert_eq!(candidates(key, first, 2, &[true; 2]), vec![(0, 1)]);
    }

    proptest! {
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
