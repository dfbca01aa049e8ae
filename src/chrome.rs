//! Site chrome told from a story by where the shared text lies.
//!
//! Two different articles of one site, as whole-page text (WET, or a scraper that keeps the
//! page), share the site's chrome: menus and banners at the head, "most read" lists, sign-up
//! forms and footers at the tail. On real pages that is often more text than the article, so
//! the pair's containment is high; and where a corpus holds only a handful of the site's pages
//! the chrome cannot be learned as boilerplate from its frequency. Its place gives it away:
//! in both pages what is shared lies before *and* after one block of the page's own (the
//! article), and that block is a substantial part of each page. Versions of one story share
//! the story itself, so at least one of them has no such own block: what is shared runs
//! through its middle.
//!
//! A document's shingles carry their place in the text (256 steps, see
//! [`crate::shingle::text_shingles_positioned`]). The own block is the span of steps that
//! best separates the shingles the other page lacks from those it has (the largest sum of
//! +1 per own shingle and −[`SHARED_WEIGHT`] per shared one), so a few shingles shared by
//! chance (common words in character n-grams) do not cut an article in two.

/// How much a shared shingle inside a span counts against the span being the page's own.
const SHARED_WEIGHT: i32 = 3;

/// The own block must hold at least this share of the page's shingles.
const MIN_OWN_SHARE: f32 = 0.1;

/// And at least this many shingles of the text (about 80 words): a story's own article, not
/// a paragraph an editor replaced or OCR noise garbled (on the development corpora such
/// blocks of true versions reach 330 shingles, those of different articles start at 430).
pub const MIN_OWN_SHINGLES: f32 = 400.0;

/// What is shared after the own block (and, across outlets, before it) must be at least this
/// share of the shared shingles and [`MIN_SIDE`] of them: a site's head is often a tenth of
/// its tail (a menu line above the article, lists and a footer below).
const MIN_SIDE_SHARE: f32 = 0.03;

/// See [`MIN_SIDE_SHARE`].
const MIN_SIDE: f32 = 8.0;

/// Where a page's own block lies against what it shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnBlock {
    /// No substantial block of its own, or nothing shared after it.
    None,
    /// Its own block is followed by shared text but has none before it.
    BeforeShared,
    /// Shared text before and after its own block.
    Wrapped,
}

/// Where `set` (with its shingles' `positions`) has a substantial block of its own against
/// `other`. `scale` is how many shingles of the text each stored one stands for.
pub fn own_block(set: &[u32], positions: &[u8], other: &[u32], scale: f32) -> OwnBlock {
    let mut own = [0i32; 256];
    let mut shared = [0i32; 256];
    let mut j = 0;
    for (&x, &p) in set.iter().zip(positions) {
        while j < other.len() && other[j] < x {
            j += 1;
        }
        if j < other.len() && other[j] == x {
            shared[p as usize] += 1;
        } else {
            own[p as usize] += 1;
        }
    }
    // The span with the largest sum of own − weight × shared (Kadane).
    let (mut best, mut best_span) = (0i32, (0usize, 0usize));
    let (mut run, mut start) = (0i32, 0usize);
    for b in 0..256 {
        if run <= 0 {
            run = 0;
            start = b;
        }
        run += own[b] - SHARED_WEIGHT * shared[b];
        if run > best {
            best = run;
            best_span = (start, b + 1);
        }
    }
    let (from, to) = best_span;
    let own_in = own[from..to].iter().sum::<i32>() as f32;
    if own_in * scale < MIN_OWN_SHINGLES || own_in < MIN_OWN_SHARE * set.len() as f32 {
        return OwnBlock::None;
    }
    let all_shared = shared.iter().sum::<i32>() as f32;
    let side = (MIN_SIDE_SHARE * all_shared).max(MIN_SIDE);
    let before = shared[..from].iter().sum::<i32>() as f32;
    let after = shared[to..].iter().sum::<i32>() as f32;
    match (before >= side, after >= side) {
        (true, true) => OwnBlock::Wrapped,
        (false, true) => OwnBlock::BeforeShared,
        _ => OwnBlock::None,
    }
}

/// True when two pages share only chrome: each has a substantial block of its own, wrapped by
/// what they share. Pages of one outlet need only shared text after their own blocks: the
/// head of a site's chrome is often learned as that outlet's boilerplate and gone from the
/// sets, and what is left of it (a page's own title) no longer shows above the article.
/// `shared` is how many shingles the sets share. `None` positions (a corpus kept without
/// them) never say so.
pub fn only_chrome(
    a: (&[u32], Option<&[u8]>),
    b: (&[u32], Option<&[u8]>),
    shared: u32,
    same_outlet: bool,
    scale: f32,
) -> bool {
    let (Some(pa), Some(pb)) = (a.1, b.1) else {
        return false;
    };
    // Most verified pairs are close copies: neither has enough text the other lacks to hold
    // an own block, which the count of shared shingles tells without looking at places.
    let shared = shared as f32;
    let room = |n: usize| {
        (n as f32 - shared) * scale >= MIN_OWN_SHINGLES
            && n as f32 - shared >= MIN_OWN_SHARE * n as f32
    };
    if !room(a.0.len()) || !room(b.0.len()) {
        return false;
    }
    let enough = |block: OwnBlock| match block {
        OwnBlock::Wrapped => true,
        OwnBlock::BeforeShared => same_outlet,
        OwnBlock::None => false,
    };
    enough(own_block(a.0, pa, b.0, scale)) && enough(own_block(b.0, pb, a.0, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of `head` + `body` + `tail` shingle ids, placed evenly over 256 steps, as a
    /// sorted set with positions.
    fn page(parts: &[std::ops::Range<u32>]) -> (Vec<u32>, Vec<u8>) {
        let ids: Vec<u32> = parts.iter().flat_map(|r| r.clone()).collect();
        let n = ids.len() as u32;
        let mut v: Vec<(u32, u8)> = ids
            .iter()
            .enumerate()
            .map(|(i, &x)| (x.wrapping_mul(2_654_435_761), (i as u32 * 256 / n) as u8))
            .collect();
        v.sort_unstable();
        v.into_iter().unzip()
    }

    fn shared(a: &[u32], b: &[u32]) -> u32 {
        crate::shingle::intersection(a, b) as u32
    }

    #[test]
    fn chrome_around_two_articles_is_only_chrome() {
        let (a, pa) = page(&[0..100, 1000..1150, 100..250]);
        let (b, pb) = page(&[0..100, 2000..2120, 100..250]);
        assert!(only_chrome(
            (&a, Some(&pa)),
            (&b, Some(&pb)),
            shared(&a, &b),
            false,
            4.0
        ));
    }

    #[test]
    fn one_story_in_two_pages_is_not() {
        // The same article in the same chrome, one copy with a changed list at its tail and
        // a cut: what is shared runs through the article.
        let (a, pa) = page(&[0..100, 1000..1150, 100..250]);
        let (b, pb) = page(&[0..100, 1000..1120, 5000..5030, 100..250]);
        assert!(!only_chrome(
            (&a, Some(&pa)),
            (&b, Some(&pb)),
            shared(&a, &b),
            true,
            4.0
        ));
        // A republication in another site's chrome: the shared story is in the middle.
        let (c, pc) = page(&[7000..7080, 1000..1130, 8000..8100]);
        assert!(!only_chrome(
            (&a, Some(&pa)),
            (&c, Some(&pc)),
            shared(&a, &c),
            false,
            4.0
        ));
        // A wire copy cut short with a paragraph of the paper's own at its end.
        let (w, pw) = page(&[1000..1150, 1150..1300]);
        let (r, pr) = page(&[1000..1200, 9000..9100]);
        assert!(!only_chrome(
            (&w, Some(&pw)),
            (&r, Some(&pr)),
            shared(&w, &r),
            true,
            4.0
        ));
        assert!(!only_chrome(
            (&a, None),
            (&b, Some(&pb)),
            shared(&a, &b),
            true,
            4.0
        ));
    }
}
