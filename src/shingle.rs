//! Shingling: a normalized text becomes the set of its overlapping n-grams, each hashed to 32
//! bits. Word n-grams suit clean text; character n-grams (taken with the spaces removed) survive
//! OCR noise that splits or joins words. A set is a sorted `Vec<u32>` without repeats, which
//! makes exact intersection a linear merge.

use crate::normalize::NormalizeOptions;
use xxhash_rust::xxh3::xxh3_64;

/// What a shingle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShingleKind {
    /// `n` consecutive words.
    Word(usize),
    /// `n` consecutive bytes of the text with spaces removed (n ≤ 8).
    Char(usize),
}

impl std::fmt::Display for ShingleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShingleKind::Word(n) => write!(f, "word {n}-grams"),
            ShingleKind::Char(n) => write!(f, "char {n}-grams"),
        }
    }
}

/// Finalizer of a 64-bit hash (the murmur3 / splitmix mix): spreads every input bit over the
/// output, so combined and truncated hashes stay uniform.
#[inline]
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The shingle set of a normalized text, appended to `out` as sorted, distinct 32-bit hashes.
/// A text shorter than one shingle gives one shingle of all of it; an empty text gives none.
///
/// With `sample` = s > 0 only the shingles whose hash has its low s bits at zero are kept:
/// one in 2^s, the same ones in every document, so intersections and containment are
/// estimated without bias from sets 2^s times smaller (Broder's mod-sampling).
///
/// ```
/// use wiretrace::shingle::{shingles, ShingleKind};
/// let mut a = Vec::new();
/// shingles("the cat sat on the mat", ShingleKind::Word(3), 0, &mut a);
/// assert_eq!(a.len(), 4);
/// ```
pub fn shingles(normalized: &str, kind: ShingleKind, sample: u32, out: &mut Vec<u32>) {
    let start = out.len();
    shingles_into(normalized, kind, sample, out);
    sort_dedup(out, start);
}

/// Offers the shingles of a normalized text to a [`Keep`] over `out` (unsorted); returns how
/// many shingles the text has (kept or not).
fn shingles_into<T: Staged>(
    normalized: &str,
    kind: ShingleKind,
    sample: u32,
    out: &mut Vec<T>,
) -> u32 {
    let start = out.len();
    let mut keep = Keep::new(sample, out);
    match kind {
        ShingleKind::Word(n) => word_shingles(normalized, n.max(1), &mut |h| keep.offer(h)),
        ShingleKind::Char(n) => char_shingles(normalized, n.clamp(1, 8), &mut |h| keep.offer(h)),
    }
    let total = keep.finish();
    if out.len() == start {
        let mut min = Smallest::default();
        match kind {
            ShingleKind::Word(n) => word_shingles(normalized, n.max(1), &mut |h| min.offer(h)),
            ShingleKind::Char(n) => char_shingles(normalized, n.clamp(1, 8), &mut |h| min.offer(h)),
        }
        out.extend(min.0.map(|h| T::make(h, 0)));
    }
    total
}

/// The shingle set of a raw text: the same as normalizing it with `opts` and calling
/// [`shingles`], but character shingles are taken in the normalizing pass itself, without
/// building the normalized text.
///
/// ```
/// use wiretrace::normalize::{normalize, NormalizeOptions};
/// use wiretrace::shingle::{shingles, text_shingles, ShingleKind};
/// let text = "“Breaking” — the mayor’s plan";
/// let o = NormalizeOptions::default();
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// text_shingles(text, o, ShingleKind::Char(6), 1, &mut String::new(), &mut a);
/// shingles(&normalize(text, o), ShingleKind::Char(6), 1, &mut b);
/// assert_eq!(a, b);
/// ```
pub fn text_shingles(
    text: &str,
    opts: NormalizeOptions,
    kind: ShingleKind,
    sample: u32,
    scratch: &mut String,
    out: &mut Vec<u32>,
) {
    let start = out.len();
    text_shingles_into(text, opts, kind, sample, scratch, out);
    sort_dedup(out, start);
}

/// [`text_shingles`], and where each shingle of the set first occurs in the text: `positions`
/// gets one value per shingle, in the set's order, the offset of its first occurrence
/// scaled to 0-255 over the text's length (`staging` is scratch space). Positions tell a
/// text whose shared shingles are spread all over it with small gaps (a noisy copy) from one
/// that shares some whole sentences with another (a different story).
///
/// ```
/// use wiretrace::normalize::NormalizeOptions;
/// use wiretrace::shingle::{text_shingles, text_shingles_positioned, ShingleKind};
/// let text = "The council met on Tuesday. The vote was close.";
/// let (o, k) = (NormalizeOptions::default(), ShingleKind::Char(6));
/// let (mut set, mut pos, mut plain) = (Vec::new(), Vec::new(), Vec::new());
/// text_shingles_positioned(text, o, k, 1, &mut String::new(), &mut Vec::new(), &mut set, &mut pos);
/// text_shingles(text, o, k, 1, &mut String::new(), &mut plain);
/// assert_eq!(set, plain);
/// assert_eq!(set.len(), pos.len());
/// ```
#[allow(clippy::too_many_arguments)]
pub fn text_shingles_positioned(
    text: &str,
    opts: NormalizeOptions,
    kind: ShingleKind,
    sample: u32,
    scratch: &mut String,
    staging: &mut Vec<u64>,
    out: &mut Vec<u32>,
    positions: &mut Vec<u8>,
) {
    staging.clear();
    let total = text_shingles_into(text, opts, kind, sample, scratch, staging);
    finish_positioned(staging, total, out, positions);
}

fn text_shingles_into<T: Staged>(
    text: &str,
    opts: NormalizeOptions,
    kind: ShingleKind,
    sample: u32,
    scratch: &mut String,
    out: &mut Vec<T>,
) -> u32 {
    match kind {
        ShingleKind::Word(_) => {
            crate::normalize::normalize_into(text, opts, scratch);
            shingles_into(scratch, kind, sample, out)
        }
        ShingleKind::Char(n) => {
            // The kept bytes first, then every window of them: rolling one window over the
            // text carried it from byte to byte (a shift, a mask and a conditional move on
            // the path of every next byte); read from the compacted bytes, the windows are
            // independent of each other.
            let mut kept = std::mem::take(scratch).into_bytes();
            kept.clear();
            kept.resize(WINDOW_PAD, 0);
            let mut sink = Kept(kept);
            crate::normalize::walk(text, opts, &mut sink);
            let total = char_windows(&sink.0, n.clamp(1, 8), sample, out);
            let mut kept = sink.0;
            kept.clear();
            *scratch = String::from_utf8(kept).unwrap_or_default();
            total
        }
    }
}

/// Zero bytes before the kept bytes of a text: a window ending at any kept byte can be read
/// as the eight bytes ending there.
const WINDOW_PAD: usize = 8;

/// Offers every window of `n` consecutive bytes of `kept[WINDOW_PAD..]` (or the whole of it
/// when shorter) to the sample, staged into `out` as `T`; when sampling drops them all, the
/// smallest is kept (a short text still has a set, and can match a text it is contained in,
/// which has the same smallest shingle). Returns how many windows there are.
fn char_windows<T: Staged>(kept: &[u8], n: usize, sample: u32, out: &mut Vec<T>) -> u32 {
    let len = kept.len() - WINDOW_PAD;
    if len == 0 {
        return 0;
    }
    let mask = if n == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    };
    // The window ending at byte `end` (exclusive) of `kept`: its last n bytes, the latest
    // lowest, as a rolling window holds them.
    let window = |eight: &[u8]| {
        let w = u64::from_be_bytes(eight.try_into().expect("eight bytes"));
        char_hash(w & mask, n)
    };
    let count = len.saturating_sub(n - 1).max(1);
    let ends = &kept[(n.min(len) + WINDOW_PAD - 8)..];
    let keep_mask = (1u64 << sample.min(16)) - 1;
    let start = out.len();
    out.resize(start + count, T::default());
    let staged = &mut out[start..];
    // Every window is written and only the kept ones advance the cursor: whether one is
    // kept is a coin flip a branch would mispredict half the time.
    let windows = Windows {
        ends,
        count,
        n,
        mask,
        keep_mask,
    };
    let (mut w, done) = T::windows_fast(&windows, staged);
    for (i, eight) in ends.windows(8).take(count).enumerate().skip(done) {
        let h = window(eight);
        staged[w] = T::make(h, i as u32);
        w += usize::from(h & keep_mask == 0);
    }
    if w == 0 {
        let smallest = ends.windows(8).take(count).map(window).min();
        staged[0] = T::make(smallest.expect("at least one window"), 0);
        w = 1;
    }
    out.truncate(start + w);
    count as u32
}

/// What a kept shingle is staged as: its 32-bit hash alone (`u32`), or the hash above the
/// shingle's ordinal in the text (`u64`), for positions.
trait Staged: Copy + Default {
    fn make(h: u64, ordinal: u32) -> Self;

    /// Stages the first of `windows` into `staged` faster where it can; returns how many
    /// were kept and how many windows were done.
    #[inline(always)]
    fn windows_fast(_windows: &Windows, _staged: &mut [Self]) -> (usize, usize) {
        (0, 0)
    }
}

/// The windows [`char_windows`] stages: `count` of them, the window at `i` being the
/// big-endian eight bytes `ends[i..i + 8]` under `mask` (its last `n` bytes), kept when its
/// hash has no bit of `keep_mask` set.
struct Windows<'a> {
    ends: &'a [u8],
    count: usize,
    n: usize,
    mask: u64,
    keep_mask: u64,
}

impl Staged for u32 {
    #[inline(always)]
    fn make(h: u64, _: u32) -> u32 {
        (h >> 32) as u32
    }
}

impl Staged for u64 {
    #[inline(always)]
    fn make(h: u64, ordinal: u32) -> u64 {
        (h >> 32) << 32 | u64::from(ordinal)
    }

    /// With AVX-512 (F, DQ, BW, VBMI): eight windows at a time, built from sixteen bytes by
    /// one byte permutation, hashed in 64-bit lanes and compressed by the sample.
    #[inline(always)]
    fn windows_fast(windows: &Windows, staged: &mut [u64]) -> (usize, usize) {
        #[cfg(target_arch = "x86_64")]
        if windows.count >= 8
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vbmi")
        {
            // SAFETY: the features the function was compiled for are present.
            return unsafe { windows_avx512(windows, staged) };
        }
        let _ = (windows, staged);
        (0, 0)
    }
}

/// [`Staged::windows_fast`] for `u64` with AVX-512.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi")]
unsafe fn windows_avx512(windows: &Windows, staged: &mut [u64]) -> (usize, usize) {
    use std::arch::x86_64::*;
    let Windows {
        ends,
        count,
        n,
        mask,
        keep_mask,
    } = *windows;
    assert!(staged.len() >= count);
    // Lane j, byte k (lowest first) of eight windows starting at i takes ends[i + j + 7 - k]:
    // the window ending at byte i + j + 8, big-endian, as the scalar loop reads it.
    const IDX: [u8; 64] = {
        let mut idx = [0u8; 64];
        let mut b = 0;
        while b < 64 {
            idx[b] = (b / 8 + 7 - b % 8) as u8;
            b += 1;
        }
        idx
    };
    let idx = _mm512_loadu_si512(IDX.as_ptr().cast());
    let mask_v = _mm512_set1_epi64(mask as i64);
    let seed = _mm512_set1_epi64(((n as u64) << 59) as i64);
    let mul = _mm512_set1_epi64(0xd6e8_feb8_6659_fd93_u64 as i64);
    let keep_v = _mm512_set1_epi64(keep_mask as i64);
    let high = _mm512_set1_epi64(0xffff_ffff_0000_0000_u64 as i64);
    let lanes = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    let (mut i, mut w) = (0, 0);
    while i + 8 <= count && i + 16 <= ends.len() {
        let bytes = _mm512_castsi128_si512(_mm_loadu_si128(ends.as_ptr().add(i).cast()));
        let eight = _mm512_and_si512(_mm512_permutexvar_epi8(idx, bytes), mask_v);
        // char_hash, lane by lane.
        let h = _mm512_mullo_epi64(_mm512_xor_si512(eight, seed), mul);
        let h = _mm512_xor_si512(h, _mm512_srli_epi64::<29>(h));
        let keep = _mm512_testn_epi64_mask(h, keep_v);
        let ordinals = _mm512_add_epi64(_mm512_set1_epi64(i as i64), lanes);
        let values = _mm512_or_si512(_mm512_and_si512(h, high), ordinals);
        // Compressed in a register and stored whole: `w + 8 <= i + 8 <= count`.
        _mm512_storeu_si512(
            staged.as_mut_ptr().add(w).cast(),
            _mm512_maskz_compress_epi64(keep, values),
        );
        w += keep.count_ones() as usize;
        i += 8;
    }
    (w, i)
}

/// Sorts staged `hash << 32 | ordinal` values by hash, then appends each hash once to `out`
/// and the position of its first occurrence to `positions`, scaled to 0-255 over the `total`
/// shingles offered. The hashes and positions are taken in one pass from wherever the sort
/// left the values (sorting in place, removing repeats in place, then copying the hashes out
/// took four).
fn finish_positioned(
    staging: &mut Vec<u64>,
    total: u32,
    out: &mut Vec<u32>,
    positions: &mut Vec<u8>,
) {
    let len = staging.len();
    if len == 0 {
        return;
    }
    let key = |x: u64| (x >> 32) as u32;
    // Stable by hash (or by the whole value, hash then ordinal), so the first of repeats is
    // the first occurrence.
    let sorted: &[u64] = if len < 64 {
        staging.sort_unstable();
        staging
    } else if len <= 8192 {
        staging.resize(2 * len, 0);
        let (values, scratch) = staging.split_at_mut(len);
        bucket_sort(values, scratch, key);
        &staging[len..]
    } else {
        radix_passes::<_, 3, 2048>(staging, key);
        staging
    };
    // floor(ordinal · 256 / total) without a division per shingle: the product with the
    // rounded reciprocal is within 2^-44 of the quotient, which, when not a whole number,
    // is at least 1/total ≥ 2^-32 below the next one; nudged up by 2^-40, it floors
    // exactly.
    let scale = 256.0 / f64::from(total.max(1));
    let nudge = 1.0 / (1u64 << 40) as f64;
    let (o, p) = (out.len(), positions.len());
    out.resize(o + len, 0);
    positions.resize(p + len, 0);
    let (hashes, places) = (&mut out[o..], &mut positions[p..]);
    // Every value is written and only the first of each hash advances the cursor (repeats
    // are as unpredictable as a branch on them would be).
    let mut w = 0;
    let mut previous = !key(sorted[0]);
    for &x in sorted {
        let h = key(x);
        hashes[w] = h;
        places[w] = ((x & 0xffff_ffff) as f64 * scale + nudge).min(255.0) as u8;
        w += usize::from(h != previous);
        previous = h;
    }
    out.truncate(o + w);
    positions.truncate(p + w);
}

/// Sorts the values of `v` stably by their 32-bit `key` into `scratch` (as long as `v`): one
/// counting pass scatters the values into about as many buckets as there are values (256 to
/// 4,096, by the key's top bits), then one insertion pass over the scattered values sorts
/// each bucket (a value or two: the keys are uniform hashes), in cache. For the few
/// hundred to few thousand shingles of a news page this moves each value twice where a
/// four-pass radix sort moved it four times (`cargo bench --bench stages -- shingle/raw`:
/// 123 -> 136-147 MiB/s with positions).
fn bucket_sort<T: Copy>(v: &mut [T], scratch: &mut [T], key: impl Fn(T) -> u32) {
    // About one value per bucket: the insertion pass then rarely moves a value (each move is
    // a coin flip the branch predictor loses).
    let bits = (usize::BITS - v.len().leading_zeros()).clamp(8, MAX_BUCKET_BITS);
    let buckets = 1usize << bits;
    let shift = 32 - bits;
    let mut ends = [0u32; 1 << MAX_BUCKET_BITS];
    let ends = &mut ends[..buckets];
    for &x in v.iter() {
        ends[(key(x) >> shift) as usize] += 1;
    }
    // Each bucket's start, summed in a register (not through memory).
    let mut sum = 0;
    for e in ends.iter_mut() {
        let count = *e;
        *e = sum;
        sum += count;
    }
    // Scattering moves each bucket's start to its end.
    for &x in v.iter() {
        let slot = &mut ends[(key(x) >> shift) as usize];
        scratch[*slot as usize] = x;
        *slot += 1;
    }
    // Values are out of order only inside a bucket: one insertion pass over the whole array
    // sorts them. Sorting bucket by bucket ran a loop per bucket, empty or not, whose trip
    // count was as unpredictable as the buckets' sizes (perf at 200,000 documents:
    // text_shingles_positioned 3,019-3,066 -> 2,499-2,571 samples).
    insertion_pass(scratch, key);
}

/// Sorts `v` stably by `key` where values are out of order only among neighbours (buckets
/// of a value or two). Whether a value goes back one place is a coin flip: it is swapped
/// with the one before it by conditional moves, not a branch, and only a value that must go
/// back further (three of one bucket out of order, rare) takes the insertion loop. A loop
/// for every value, its exit as unpredictable, was about 40% of the shingler's perf samples at
/// 200,000 documents.
fn insertion_pass<T: Copy>(v: &mut [T], key: impl Fn(T) -> u32) {
    let Some(&first) = v.first() else {
        return;
    };
    // The value at i - 1, carried in a register.
    let mut before = first;
    for i in 1..v.len() {
        let x = v[i];
        let back = key(before) > key(x);
        let (low, high) = if back { (x, before) } else { (before, x) };
        v[i - 1] = low;
        v[i] = high;
        before = high;
        // x now at i - 1: further back only if the one before it is greater too.
        if back && key(v[i.saturating_sub(2)]) > key(x) {
            let mut j = i - 1;
            while j > 0 && key(v[j - 1]) > key(x) {
                v[j] = v[j - 1];
                j -= 1;
            }
            v[j] = x;
        }
    }
}

/// At most 2^this buckets in [`bucket_sort`] (its counters stay on the stack).
const MAX_BUCKET_BITS: u32 = 12;

/// Sorts `v[start..]` stably by `key` (see [`bucket_sort`]), using the vector's spare room as
/// scratch space.
fn sort_tail<T: Copy + Default + Ord>(v: &mut Vec<T>, start: usize, key: impl Fn(T) -> u32) {
    let len = v.len() - start;
    if len < 64 {
        v[start..].sort_unstable();
    } else if len <= 8192 {
        v.resize(start + 2 * len, T::default());
        let (tail, scratch) = v[start..].split_at_mut(len);
        bucket_sort(tail, scratch, key);
        tail.copy_from_slice(scratch);
        v.truncate(start + len);
    } else {
        radix_passes::<_, 3, 2048>(&mut v[start..], key);
    }
}

/// Keeps the sampled shingles. Whether a shingle is kept is a coin flip the branch predictor
/// cannot learn, so every shingle is written to a small staging buffer and only the count
/// moves on for kept ones (no branch per shingle); the buffer goes to `out` when full.
struct Keep<'a, T> {
    mask: u64,
    buf: [T; STAGE],
    staged: usize,
    /// Shingles offered so far (kept or not).
    ordinal: u32,
    out: &'a mut Vec<T>,
}

const STAGE: usize = 64;

impl<'a, T: Staged> Keep<'a, T> {
    fn new(sample: u32, out: &'a mut Vec<T>) -> Self {
        Keep {
            mask: (1u64 << sample.min(16)) - 1,
            buf: [T::default(); STAGE],
            staged: 0,
            ordinal: 0,
            out,
        }
    }

    #[inline(always)]
    fn offer(&mut self, h: u64) {
        self.offer_if(h, true);
    }

    /// Offers `h` when `valid`, without a branch on it.
    #[inline(always)]
    fn offer_if(&mut self, h: u64, valid: bool) {
        self.buf[self.staged] = T::make(h, self.ordinal);
        self.staged += usize::from(valid & (h & self.mask == 0));
        self.ordinal += u32::from(valid);
        if self.staged == STAGE {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.out.extend_from_slice(&self.buf[..self.staged]);
        self.staged = 0;
    }

    /// Moves what is staged to `out`; returns how many shingles were offered.
    fn finish(mut self) -> u32 {
        self.flush();
        self.ordinal
    }
}

/// Keeps the smallest of all shingles: what a short text whose shingles sampling all
/// dropped keeps, so it still has a set (and can match a text it is contained in, which
/// has the same smallest shingle).
#[derive(Default)]
struct Smallest(Option<u64>);

impl Smallest {
    fn offer(&mut self, h: u64) {
        self.0 = Some(self.0.map_or(h, |m| m.min(h)));
    }
}

/// Collects the kept bytes of a normalized text: spaces never enter (a character shingle
/// spans words).
struct Kept(Vec<u8>);

impl crate::normalize::Sink for Kept {
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
    #[inline(always)]
    fn word_break(&mut self) {}
    #[inline(always)]
    fn ascii_run(&mut self, run: &[u8], table: &[u8; 128]) {
        let at = self.0.len();
        self.0.resize(at + run.len(), 0);
        let w = map_kept(run, table, &mut self.0[at..]);
        self.0.truncate(at + w);
    }
}

/// Maps each byte of the ASCII `run` through `table` into `out` (as long as `run`), keeping
/// only the non-zero results, in order; returns how many were kept. With AVX-512 VBMI2 a
/// 64-byte block is mapped by one table permutation and compacted by one compress (this
/// walk over every byte of the input was 5% of a dedup run).
#[inline(always)]
fn map_kept(run: &[u8], table: &[u8; 128], out: &mut [u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if run.len() >= 64
        && std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vbmi")
        && std::arch::is_x86_feature_detected!("avx512vbmi2")
    {
        // SAFETY: the features the function was compiled for are present.
        return unsafe { map_kept_avx512(run, table, out) };
    }
    map_kept_portable(run, table, out)
}

/// [`map_kept`] one byte at a time. Every mapped byte is written and only kept ones advance
/// the cursor: one in six bytes of news is a space, too often and too irregular for a branch.
#[inline(always)]
fn map_kept_portable(run: &[u8], table: &[u8; 128], out: &mut [u8]) -> usize {
    let mut w = 0;
    for (i, &b) in run.iter().enumerate() {
        let m = table[usize::from(b & 0x7f)];
        out[w.min(i)] = m;
        w += usize::from(m != 0);
    }
    w
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2")]
unsafe fn map_kept_avx512(run: &[u8], table: &[u8; 128], out: &mut [u8]) -> usize {
    use std::arch::x86_64::*;
    assert!(out.len() >= run.len());
    let lo = _mm512_loadu_si512(table.as_ptr().cast());
    let hi = _mm512_loadu_si512(table.as_ptr().add(64).cast());
    let (mut i, mut w) = (0, 0);
    while i + 64 <= run.len() {
        let v = _mm512_loadu_si512(run.as_ptr().add(i).cast());
        // Bit 6 of each (ASCII) byte picks the table's half, its low six bits the entry.
        let m = _mm512_permutex2var_epi8(lo, v, hi);
        let keep = _mm512_test_epi8_mask(m, m);
        // Compressed in a register and stored whole (the compressing store is slow on some
        // processors): the bytes past the kept ones land where later ones overwrite them or
        // where the run's own room ends, as `w + 64 <= i + 64 <= run.len()`.
        _mm512_storeu_si512(
            out.as_mut_ptr().add(w).cast(),
            _mm512_maskz_compress_epi8(keep, m),
        );
        w += keep.count_ones() as usize;
        i += 64;
    }
    w + map_kept_portable(&run[i..], table, &mut out[w..])
}

/// Hash of a character window: one multiply and one fold, which mixes the ≤ 64 bits of a
/// window well enough for sampling (low bits) and storing (high bits); MinHash mixes the
/// stored value again.
#[inline(always)]
fn char_hash(window: u64, n: usize) -> u64 {
    let h = (window ^ (n as u64) << 59).wrapping_mul(0xd6e8_feb8_6659_fd93);
    h ^ (h >> 29)
}

/// Sorts `out[start..]` and removes repeats.
fn sort_dedup(out: &mut Vec<u32>, start: usize) {
    sort_tail(out, start, |x| x);
    let tail = &mut out[start..];
    let mut w = 0;
    for r in 0..tail.len() {
        if r == 0 || tail[r] != tail[w - 1] {
            tail[w] = tail[r];
            w += 1;
        }
    }
    out.truncate(start + w);
}

/// Sorts hash values (uniform `u32`s) by radix: three passes of 11 bits for large sets,
/// four of 8 bits below 2,048 values, where clearing and summing 3 x 2,048 counters would
/// cost more than the values (a typical article has about 700). Two to three times faster
/// than a comparison sort.
pub fn radix_sort(v: &mut [u32]) {
    if v.len() < 64 {
        v.sort_unstable();
    } else if v.len() < 2048 {
        radix_passes::<_, 4, 256>(v, |x| x);
    } else {
        radix_passes::<_, 3, 2048>(v, |x| x);
    }
}

/// `PASSES` stable counting-sort passes of `log2(BUCKETS)` bits each of the 32-bit `key` of
/// each value, low bits first.
pub(crate) fn radix_passes<T: Copy + Default, const PASSES: usize, const BUCKETS: usize>(
    v: &mut [T],
    key: impl Fn(T) -> u32,
) {
    let bits = BUCKETS.trailing_zeros();
    let mask = BUCKETS as u32 - 1;
    let mut counts = [[0u32; BUCKETS]; PASSES];
    for &x in v.iter() {
        for (p, count) in counts.iter_mut().enumerate() {
            count[((key(x) >> (bits * p as u32)) & mask) as usize] += 1;
        }
    }
    let mut buf = vec![T::default(); v.len()];
    let (mut src, mut dst): (&mut [T], &mut [T]) = (v, &mut buf);
    for (pass, count) in counts.iter_mut().enumerate() {
        let mut sum = 0;
        for c in count.iter_mut() {
            let n = *c;
            *c = sum;
            sum += n;
        }
        let shift = bits * pass as u32;
        for &x in src.iter() {
            let slot = &mut count[((key(x) >> shift) & mask) as usize];
            dst[*slot as usize] = x;
            *slot += 1;
        }
        std::mem::swap(&mut src, &mut dst);
    }
    // After an odd number of passes the sorted values are in `buf`: copy them back.
    if PASSES % 2 == 1 {
        dst.copy_from_slice(src);
    }
}

fn word_shingles(text: &str, n: usize, out: &mut impl FnMut(u64)) {
    // Hash each word once, then combine n word hashes per shingle: rotations keep word order.
    let words: Vec<u64> = text
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| xxh3_64(w.as_bytes()))
        .collect();
    if words.is_empty() {
        return;
    }
    if words.len() < n {
        out(combine(&words));
        return;
    }
    for w in words.windows(n) {
        out(combine(w));
    }
}

#[inline]
fn combine(words: &[u64]) -> u64 {
    let mut h = 0u64;
    for (i, w) in words.iter().enumerate() {
        h ^= w.rotate_left(17 * i as u32);
    }
    mix64(h)
}

fn char_shingles(text: &str, n: usize, out: &mut impl FnMut(u64)) {
    let mask = if n == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    };
    let mut window = 0u64;
    let mut filled = 0usize;
    for &b in text.as_bytes() {
        if b == b' ' {
            continue;
        }
        window = ((window << 8) | u64::from(b)) & mask;
        filled += 1;
        if filled >= n {
            out(char_hash(window, n));
        }
    }
    if filled > 0 && filled < n {
        out(char_hash(window, n));
    }
}

/// Size of the intersection of two sorted, distinct sets.
///
/// ```
/// assert_eq!(wiretrace::shingle::intersection(&[1, 3, 5, 7], &[3, 4, 5]), 2);
/// ```
pub fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() {
        return 0;
    }
    if large.len() > 16 * small.len() {
        // Very unequal sizes: binary-search the small set's items in the large one.
        let mut rest = large;
        let mut count = 0;
        for x in small {
            match rest.binary_search(x) {
                Ok(i) => {
                    count += 1;
                    rest = &rest[i + 1..];
                }
                Err(i) => rest = &rest[i..],
            }
        }
        return count;
    }
    #[cfg(target_arch = "x86_64")]
    let (mut i, mut j, mut count) = if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was just detected.
        let (i, j, count) = unsafe { blocks_of_eight(a, b) };
        let (di, dj, more) = blocks_of_four(&a[i..], &b[j..]);
        (i + di, j + dj, count + more)
    } else {
        blocks_of_four(a, b)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        count += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    count
}

/// [`blocks_of_four`] eight against eight (AVX2): each block of `a` is compared with the
/// eight rotations of the block of `b` it overlaps. Half the steps of the four-wide merge,
/// each deciding which side moves on as unpredictably.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn blocks_of_eight(a: &[u32], b: &[u32]) -> (usize, usize, usize) {
    use std::arch::x86_64::*;
    let rotations = [
        _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 0),
        _mm256_setr_epi32(2, 3, 4, 5, 6, 7, 0, 1),
        _mm256_setr_epi32(3, 4, 5, 6, 7, 0, 1, 2),
        _mm256_setr_epi32(4, 5, 6, 7, 0, 1, 2, 3),
        _mm256_setr_epi32(5, 6, 7, 0, 1, 2, 3, 4),
        _mm256_setr_epi32(6, 7, 0, 1, 2, 3, 4, 5),
        _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6),
    ];
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i + 8 <= a.len() && j + 8 <= b.len() {
        // SAFETY: both loads read eight values inside the slices.
        let (va, vb) = unsafe {
            (
                _mm256_loadu_si256(a.as_ptr().add(i).cast()),
                _mm256_loadu_si256(b.as_ptr().add(j).cast()),
            )
        };
        let mut m = _mm256_cmpeq_epi32(va, vb);
        for r in rotations {
            m = _mm256_or_si256(
                m,
                _mm256_cmpeq_epi32(va, _mm256_permutevar8x32_epi32(vb, r)),
            );
        }
        count += _mm256_movemask_ps(_mm256_castsi256_ps(m)).count_ones() as usize;
        let (x, y) = (a[i + 7], b[j + 7]);
        i += 8 * usize::from(x <= y);
        j += 8 * usize::from(y <= x);
    }
    (i, j, count)
}

/// The bulk of a merge intersection four values against four at a time (SSE2, which every
/// x86-64 has): each block of `a` is compared with the four rotations of the block of `b`
/// it overlaps, and the block that ends lower moves on. Returns where the merge stopped and
/// the count so far. Intersections are most of the work of verifying candidate pairs.
#[cfg(target_arch = "x86_64")]
fn blocks_of_four(a: &[u32], b: &[u32]) -> (usize, usize, usize) {
    use std::arch::x86_64::*;
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i + 4 <= a.len() && j + 4 <= b.len() {
        // SAFETY: SSE2 is part of x86-64; both loads read four values inside the slices.
        let equal = unsafe {
            let va = _mm_loadu_si128(a.as_ptr().add(i).cast());
            let vb = _mm_loadu_si128(b.as_ptr().add(j).cast());
            let r1 = _mm_shuffle_epi32::<0b00_11_10_01>(vb);
            let r2 = _mm_shuffle_epi32::<0b01_00_11_10>(vb);
            let r3 = _mm_shuffle_epi32::<0b10_01_00_11>(vb);
            let m = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi32(va, vb), _mm_cmpeq_epi32(va, r1)),
                _mm_or_si128(_mm_cmpeq_epi32(va, r2), _mm_cmpeq_epi32(va, r3)),
            );
            _mm_movemask_ps(_mm_castsi128_ps(m))
        };
        count += equal.count_ones() as usize;
        let (x, y) = (a[i + 3], b[j + 3]);
        i += 4 * usize::from(x <= y);
        j += 4 * usize::from(y <= x);
    }
    (i, j, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn staged_windows_are_the_same_on_every_path() {
        // Texts of every length around the eight-window blocks, every window size and a few
        // samplings: the dispatching path (the vector one where the processor has AVX-512)
        // stages exactly what the scalar loop stages for the same windows.
        let mut next = crate::testutil::xorshift(0xc0ffee);
        for len in (1..80).chain([255, 1000]) {
            let mut kept = vec![0u8; WINDOW_PAD];
            kept.extend((0..len).map(|_| b'a' + (next() % 26) as u8));
            for n in 1..=8 {
                for sample in 0..3 {
                    let (mut fast, mut slow) = (Vec::<u64>::new(), Vec::<u32>::new());
                    char_windows(&kept, n, sample, &mut fast);
                    char_windows(&kept, n, sample, &mut slow);
                    let hashes: Vec<u32> = fast.iter().map(|&v| (v >> 32) as u32).collect();
                    assert_eq!(hashes, slow, "{len} {n} {sample}");
                    // Each staged ordinal names the window its hash is of (but the fallback
                    // when sampling keeps none: the smallest, at ordinal 0).
                    let ends = &kept[(n.min(len) + WINDOW_PAD - 8)..];
                    let mask = if n == 8 {
                        u64::MAX
                    } else {
                        (1u64 << (8 * n)) - 1
                    };
                    let count = len.saturating_sub(n - 1).max(1);
                    for &v in &fast {
                        let o = (v & 0xffff_ffff) as usize;
                        let w = u64::from_be_bytes(ends[o..o + 8].try_into().unwrap());
                        let own = (char_hash(w & mask, n) >> 32) as u32 == (v >> 32) as u32;
                        assert!(own || (o == 0 && fast.len() == 1), "{len} {n} {sample} {o}");
                        assert!(o < count);
                    }
                    assert!(fast.windows(2).all(|p| (p[0] as u32) < (p[1] as u32)));
                }
            }
        }
    }

    #[test]
    fn kept_bytes_are_the_same_on_every_path() {
        // Runs of every length around the 64-byte blocks, through a table that drops about a
        // third of the bytes: the dispatching version (the vector one where the processor has
        // AVX-512 VBMI2) keeps exactly what the byte-by-byte one keeps.
        let mut next = crate::testutil::xorshift(0x5eed);
        let mut table = [0u8; 128];
        for t in table.iter_mut() {
            let r = next();
            *t = if r.is_multiple_of(3) {
                0
            } else {
                (r >> 8) as u8 | 1
            };
        }
        for len in (0..200).chain([255, 256, 257, 1000, 4099]) {
            let run: Vec<u8> = (0..len).map(|_| (next() % 128) as u8).collect();
            let (mut fast, mut slow) = (vec![0u8; len], vec![0u8; len]);
            let kept = map_kept(&run, &table, &mut fast);
            let expected = map_kept_portable(&run, &table, &mut slow);
            assert_eq!(kept, expected, "{len}");
            assert_eq!(fast[..kept], slow[..kept], "{len}");
        }
    }

    fn set(text: &str, kind: ShingleKind) -> Vec<u32> {
        let mut v = Vec::new();
        shingles(text, kind, 0, &mut v);
        v
    }

    #[test]
    fn word_shingles_respect_order_and_repeats() {
        let a = set("a b c a b c", ShingleKind::Word(3));
        assert_eq!(a.len(), 3, "abc, bca, cab");
        assert_ne!(
            set("a b c", ShingleKind::Word(3)),
            set("c b a", ShingleKind::Word(3))
        );
        assert_eq!(set("a b", ShingleKind::Word(3)).len(), 1);
        assert!(set("", ShingleKind::Word(3)).is_empty());
    }

    #[test]
    fn char_shingles_ignore_spaces() {
        let a = set("avec le missionnaire", ShingleKind::Char(5));
        let b = set("aveclemission naire", ShingleKind::Char(5));
        assert_eq!(a, b);
        assert_eq!(set("abc", ShingleKind::Char(5)).len(), 1);
    }

    #[test]
    fn sampling_keeps_the_same_shingles_everywhere() {
        let text = "the quick brown fox jumps over the lazy dog and keeps running far away";
        let mut all = Vec::new();
        shingles(text, ShingleKind::Char(5), 0, &mut all);
        let mut some = Vec::new();
        shingles(text, ShingleKind::Char(5), 2, &mut some);
        assert!(some.len() < all.len() && !some.is_empty());
        assert!(some.iter().all(|x| all.binary_search(x).is_ok()));
        let mut short = Vec::new();
        shingles("ab", ShingleKind::Char(5), 8, &mut short);
        assert_eq!(short.len(), 1, "a short text keeps one shingle");
    }

    #[test]
    fn scaled_positions_floor_exactly_for_every_ordinal_of_small_texts() {
        for total in 1u32..=1500 {
            let scale = 256.0 / f64::from(total);
            for ordinal in 0..total {
                let exact = (u64::from(ordinal) * 256 / u64::from(total)).min(255) as u8;
                let fast =
                    (f64::from(ordinal) * scale + 1.0 / (1u64 << 40) as f64).min(255.0) as u8;
                assert_eq!(fast, exact, "{ordinal} of {total}");
            }
        }
    }

    #[test]
    fn positions_are_first_occurrences_over_the_text() {
        let text = "alpha beta gamma delta epsilon zeta eta theta iota kappa alpha beta";
        let o = NormalizeOptions::default();
        let (mut set, mut pos, mut plain) = (Vec::new(), Vec::new(), Vec::new());
        let mut staging = Vec::new();
        let k = ShingleKind::Char(5);
        text_shingles_positioned(
            text,
            o,
            k,
            0,
            &mut String::new(),
            &mut staging,
            &mut set,
            &mut pos,
        );
        text_shingles(text, o, k, 0, &mut String::new(), &mut plain);
        assert_eq!(set, plain);
        // "alpha" occurs first at offset 0 and again near the end: its position is 0.
        let alpha = (char_hash(u64::from_be_bytes(*b"\0\0\0alpha"), 5) >> 32) as u32;
        let i = set.binary_search(&alpha).unwrap();
        assert_eq!(pos[i], 0);
        // Positions spread over the text in order of first occurrence.
        let kappa = (char_hash(u64::from_be_bytes(*b"\0\0\0kappa"), 5) >> 32) as u32;
        assert!(pos[set.binary_search(&kappa).unwrap()] > 180);
        assert!(pos.iter().all(|&p| p < 255));
    }

    proptest! {
        #[test]
        fn character_shingles_of_a_raw_text_are_those_of_its_normalized_text(
            text in "([a-zA-Z0-9 .,'\"-]{0,12}|é|Ünï|“|—|&amp;|<b>| {1,3}){0,40}",
            n in 1usize..=8,
            sample in 0u32..4,
        ) {
            // The fast path (kept bytes, then every window of them) against the plain one
            // (a window rolled over the normalized text), short texts and sampling included.
            let o = NormalizeOptions::default();
            let kind = ShingleKind::Char(n);
            let (mut fast, mut plain) = (Vec::new(), Vec::new());
            text_shingles(&text, o, kind, sample, &mut String::new(), &mut fast);
            shingles(&crate::normalize::normalize(&text, o), kind, sample, &mut plain);
            prop_assert_eq!(fast, plain);
        }

        #[test]
        fn tail_sorts_are_stable_sorts_by_key(
            keys in proptest::collection::vec(0u32..50_000, 0..9000),
            top in any::<bool>(),
            start in 0usize..3,
        ) {
            // Values carry their input order below the key, as staged shingles do; keys are
            // crowded (repeats) and, with `top`, spread over the high byte too.
            let mut v: Vec<u64> = vec![7; start];
            v.extend(keys.iter().enumerate().map(|(i, &k)| {
                let k = if top { k.wrapping_mul(0x9e37_79b1) } else { k };
                u64::from(k) << 32 | i as u64
            }));
            let mut want = v.clone();
            want[start..].sort_by_key(|x| x >> 32);
            sort_tail(&mut v, start, |x| (x >> 32) as u32);
            prop_assert_eq!(v, want);
        }

        #[test]
        fn the_insertion_pass_is_a_stable_sort_by_key(
            keys in proptest::collection::vec(0u32..40, 0..300),
        ) {
            // Any order, not only the near order of buckets: values go back many places.
            let mut v: Vec<u64> = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| u64::from(k) << 32 | i as u64)
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|x| x >> 32);
            insertion_pass(&mut v, |x| (x >> 32) as u32);
            prop_assert_eq!(v, want);
        }

        #[test]
        fn positioned_sets_keep_each_hash_once_at_its_first_occurrence(
            keys in proptest::collection::vec(0u32..20_000, 0..9000),
            spread in any::<bool>(),
        ) {
            // Staged as the shingler stages them: hash above ordinal, in text order, with
            // repeats; all three sorts (short, bucket, radix) are reached.
            let total = keys.len() as u32 + 5;
            let mut staging: Vec<u64> = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| {
                    let k = if spread { k.wrapping_mul(0x9e37_79b1) } else { k };
                    u64::from(k) << 32 | i as u64
                })
                .collect();
            let mut first: Vec<(u32, u8)> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for &x in &staging {
                if seen.insert(x >> 32) {
                    let at = ((x & 0xffff_ffff) * 256 / u64::from(total)).min(255) as u8;
                    first.push(((x >> 32) as u32, at));
                }
            }
            first.sort_unstable();
            let (mut out, mut pos) = (vec![9u32], vec![9u8]);
            finish_positioned(&mut staging, total, &mut out, &mut pos);
            let got: Vec<(u32, u8)> = out[1..].iter().copied().zip(pos[1..].iter().copied()).collect();
            prop_assert_eq!((out[0], pos[0]), (9, 9));
            prop_assert_eq!(got, first);
        }

        #[test]
        fn scaled_positions_floor_exactly(total in 1u32.., frac in 0.0f64..1.0) {
            let ordinal = ((f64::from(total) * frac) as u32).min(total - 1);
            let exact = (u64::from(ordinal) * 256 / u64::from(total)).min(255) as u8;
            let scale = 256.0 / f64::from(total);
            let fast = (f64::from(ordinal) * scale + 1.0 / (1u64 << 40) as f64).min(255.0) as u8;
            prop_assert_eq!(fast, exact);
            // Exact multiples of total / 256 too.
            let k = (frac * 255.0) as u64;
            if (u64::from(total) * k).is_multiple_of(256) {
                let o = (u64::from(total) * k / 256) as f64;
                prop_assert_eq!((o * scale + 1.0 / (1u64 << 40) as f64) as u64, k);
            }
        }

        #[test]
        fn radix_sort_sorts(mut v in proptest::collection::vec(any::<u32>(), 0..3000)) {
            let mut expected = v.clone();
            expected.sort_unstable();
            radix_sort(&mut v);
            prop_assert_eq!(v, expected);
        }

        #[test]
        fn fused_shingling_equals_normalize_then_shingle(
            s in prop_oneof!["\\PC{0,300}", "[a-zA-Z0-9 .,;'&<>é\n-]{0,3000}"],
            n in 1usize..9,
            sample in 0u32..3,
            fold in any::<bool>(),
            punctuation in any::<bool>(),
        ) {
            // Mostly-ASCII texts long enough to fill the staging buffer many times, every
            // table of the byte loop.
            let o = crate::normalize::NormalizeOptions {
                case_fold: fold,
                punctuation,
                ..Default::default()
            };
            let (mut a, mut b) = (Vec::new(), Vec::new());
            text_shingles(&s, o, ShingleKind::Char(n), sample, &mut String::new(), &mut a);
            shingles(&crate::normalize::normalize(&s, o), ShingleKind::Char(n), sample, &mut b);
            prop_assert_eq!(&a, &b);
            let (mut c, mut pos) = (Vec::new(), Vec::new());
            text_shingles_positioned(&s, o, ShingleKind::Char(n), sample, &mut String::new(), &mut Vec::new(), &mut c, &mut pos);
            prop_assert_eq!(&a, &c);
            prop_assert_eq!(c.len(), pos.len());
        }

        #[test]
        fn intersection_matches_a_naive_count(
            a in proptest::collection::btree_set(0u32..200, 0..60),
            b in proptest::collection::btree_set(0u32..200, 0..600),
            c in proptest::collection::btree_set(any::<u32>(), 0..90),
        ) {
            // Similar sizes (the block merge), over the whole range of u32 as well.
            let c: Vec<u32> = c.into_iter().collect();
            let d: Vec<u32> = c.iter().map(|x| x ^ (x & 0x3)).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            let naive_cd = c.iter().filter(|x| d.binary_search(x).is_ok()).count();
            prop_assert_eq!(intersection(&c, &d), naive_cd);
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let naive = a.iter().filter(|x| b.contains(x)).count();
            prop_assert_eq!(intersection(&a, &b), naive);
            prop_assert_eq!(intersection(&b, &a), naive);
        }

        #[test]
        fn every_block_merge_counts_the_intersection(
            a in proptest::collection::btree_set(0u32..3000, 0..700),
            b in proptest::collection::btree_set(0u32..3000, 0..700),
        ) {
            // Sets of similar sizes, long enough for many blocks of eight and four, and the
            // tails each path leaves to the next.
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let naive = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
            prop_assert_eq!(intersection(&a, &b), naive);
            #[cfg(target_arch = "x86_64")]
            {
                let rest = |(i, j, count): (usize, usize, usize)| {
                    count + a[i..].iter().filter(|x| b[j..].binary_search(x).is_ok()).count()
                };
                prop_assert_eq!(rest(blocks_of_four(&a, &b)), naive);
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: AVX2 was just detected.
                    prop_assert_eq!(rest(unsafe { blocks_of_eight(&a, &b) }), naive);
                }
            }
        }
    }
}
