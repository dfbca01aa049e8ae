//! Text normalization: the same story typed by two outlets must give the same words. HTML
//! entities are decoded and tags dropped, the text is put in Unicode NFKC form (which folds
//! non-breaking spaces, ligatures and full-width forms), lower-cased, and every character that
//! is not a letter or digit (quotes, dashes, punctuation, markup) becomes a word break. The
//! output is words separated by single spaces.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Which normalization steps run. All are on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// Decode HTML entities and drop HTML tags.
    pub markup: bool,
    /// Apply Unicode NFKC.
    pub nfkc: bool,
    /// Lower-case.
    pub case_fold: bool,
    /// Turn punctuation and symbols into word breaks (else only whitespace breaks words).
    pub punctuation: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            markup: true,
            nfkc: true,
            case_fold: true,
            punctuation: true,
        }
    }
}

/// Normalizes `text` into `out` (cleared first).
///
/// ```
/// use wiretrace::normalize::{normalize, NormalizeOptions};
/// let o = NormalizeOptions::default();
/// assert_eq!(normalize("“Don’t” — stop&nbsp;<b>NOW</b>!", o), "don t stop now");
/// ```
pub fn normalize_into(text: &str, opts: NormalizeOptions, out: &mut String) {
    let mut sink = Words(std::mem::take(out).into_bytes());
    sink.0.clear();
    sink.0.reserve(text.len());
    walk(text, opts, &mut sink);
    let mut buf = sink.0;
    if buf.last() == Some(&b' ') {
        buf.pop();
    }
    *out = String::from_utf8(buf).expect("only whole UTF-8 characters and ASCII were written");
}

/// What [`walk`] hands the normalized text to: its bytes, and where words break.
pub(crate) trait Sink {
    /// One byte of a kept (normalized) character.
    fn byte(&mut self, b: u8);
    /// A word break (any number of dropped characters).
    fn word_break(&mut self);
    /// An ASCII character as the table maps it: 0 for a word break, else the byte to keep.
    #[inline(always)]
    fn ascii(&mut self, m: u8) {
        if m == 0 {
            self.word_break();
        } else {
            self.byte(m);
        }
    }
    /// A run of ASCII bytes, each mapped by `table` as for [`Sink::ascii`].
    #[inline(always)]
    fn ascii_run(&mut self, run: &[u8], table: &[u8; 128]) {
        for &b in run {
            self.ascii(table[b as usize]);
        }
    }
}

/// Writes normalized words separated by single spaces.
struct Words(Vec<u8>);

impl Sink for Words {
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
    #[inline(always)]
    fn word_break(&mut self) {
        word_break(&mut self.0);
    }
}

/// Normalizes `text` into `sink` without building the normalized string: the one pass that
/// both [`normalize_into`] and character shingling ([`crate::shingle::text_shingles`]) use.
pub(crate) fn walk(text: &str, opts: NormalizeOptions, sink: &mut impl Sink) {
    let decoded;
    let mut text = text;
    if opts.markup && has_markup(text.as_bytes()) {
        decoded = strip_markup(text);
        text = &decoded;
    }
    let nfkc;
    // NFKC matters only for what becomes words: letters, digits and the combining marks
    // that attach to them. Typographic spaces, quotes and dashes become word breaks either
    // way, so they need not send the text down the slow path.
    if opts.nfkc
        && !text.is_ascii()
        && is_nfkc_quick(
            non_ascii_chars(text).filter(|&c| is_alphanumeric(c) || is_combining_mark(c)),
        ) != IsNormalized::Yes
    {
        nfkc = text.nfkc().collect::<String>();
        text = &nfkc;
    }
    // Work on bytes: ASCII (most of news text) is decided by one table lookup per byte.
    let table = match (opts.punctuation, opts.case_fold) {
        (true, true) => &ASCII_FOLD,
        (true, false) => &ASCII_KEEP_CASE,
        (false, true) => &ASCII_KEEP_PUNCT_FOLD,
        (false, false) => &ASCII_KEEP_PUNCT,
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Most of a news text is one run of ASCII: the sink takes it whole, in a loop that
        // keeps its state in registers.
        let run = ascii_prefix(&bytes[i..]);
        if run > 0 {
            sink.ascii_run(&bytes[i..i + run], table);
            i += run;
            continue;
        }
        let c = text[i..].chars().next().expect("i is on a char boundary");
        i += c.len_utf8();
        let keep = if opts.punctuation {
            is_alphanumeric(c)
        } else {
            !c.is_whitespace()
        };
        let mut push = |c: char| {
            let mut tmp = [0u8; 4];
            for &b in c.encode_utf8(&mut tmp).as_bytes() {
                sink.byte(b);
            }
        };
        if !keep {
            sink.word_break();
        } else if !opts.case_fold {
            push(c);
        } else {
            for l in c.to_lowercase() {
                // Lower-casing can yield combining marks (İ → i + U+0307): treat them as the
                // letter's own, but never as a word of their own.
                if !opts.punctuation || l.is_alphanumeric() {
                    push(l);
                }
            }
        }
    }
}

/// Eight bytes at a time: the texts are scanned whole before they are walked, and a scan
/// byte by byte cost a fifth as much as the walk itself.
const LANES: usize = 8;
const HIGH: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// True when any byte of `word` is zero.
#[inline(always)]
fn has_zero_byte(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGH != 0
}

/// True when `bytes` hold a `&` or a `<` (an entity or a tag may start there).
fn has_markup(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(LANES);
    let found = chunks.by_ref().any(|c| {
        let w = u64::from_le_bytes(c.try_into().expect("eight bytes"));
        has_zero_byte(w ^ (ONES * u64::from(b'&'))) || has_zero_byte(w ^ (ONES * u64::from(b'<')))
    });
    found || chunks.remainder().iter().any(|&b| b == b'&' || b == b'<')
}

/// The length of the ASCII run `bytes` start with.
#[inline]
fn ascii_prefix(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i + LANES <= bytes.len() {
        let w = u64::from_le_bytes(bytes[i..i + LANES].try_into().expect("eight bytes"));
        if w & HIGH != 0 {
            break;
        }
        i += LANES;
    }
    i + bytes[i..]
        .iter()
        .position(|b| !b.is_ascii())
        .unwrap_or(bytes.len() - i)
}

/// `c.is_alphanumeric()`, decided at once for the punctuation and symbols outside ASCII
/// that news text is full of (no-break spaces, typographic quotes and dashes, £ and ©),
/// which the standard library looks up in its Unicode tables twice (letters, then digits):
/// those lookups were a twentieth of the reading time at 200,000 documents.
#[inline]
fn is_alphanumeric(c: char) -> bool {
    match c {
        '\u{a0}'..='\u{a9}'
        | '\u{ab}'..='\u{b1}'
        | '\u{b4}'
        | '\u{b6}'..='\u{b8}'
        | '\u{bb}'
        | '\u{bf}'
        | '\u{d7}'
        | '\u{f7}'
        | '\u{2000}'..='\u{206f}' => false,
        _ => c.is_alphanumeric(),
    }
}

/// The characters of `text` outside ASCII, found without decoding the ASCII between them.
fn non_ascii_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        i += ascii_prefix(&text.as_bytes()[i..]);
        let c = text[i..].chars().next()?;
        i += c.len_utf8();
        Some(c)
    })
}

/// Ends the current word: one space, never at the start nor twice.
#[inline(always)]
fn word_break(buf: &mut Vec<u8>) {
    if buf.last().is_some_and(|&l| l != b' ') {
        buf.push(b' ');
    }
}

/// Per ASCII byte: 0 for a word break, else the byte to write.
const fn ascii_table(fold_case: bool, punctuation: bool) -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let keep = if punctuation {
            c.is_ascii_alphanumeric()
        } else {
            // char::is_whitespace on ASCII: space, \t, \n, \x0b, \x0c, \r.
            !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
        };
        if keep {
            t[b] = if fold_case { c.to_ascii_lowercase() } else { c };
        }
        b += 1;
    }
    t
}

static ASCII_FOLD: [u8; 128] = ascii_table(true, true);
static ASCII_KEEP_CASE: [u8; 128] = ascii_table(false, true);
static ASCII_KEEP_PUNCT: [u8; 128] = ascii_table(false, false);
static ASCII_KEEP_PUNCT_FOLD: [u8; 128] = ascii_table(true, false);

/// Normalizes `text` into a new string.
pub fn normalize(text: &str, opts: NormalizeOptions) -> String {
    let mut out = String::new();
    normalize_into(text, opts, &mut out);
    out
}

/// Decodes the HTML entities news text carries and replaces tags by a space.
fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            // A tag: `<` then a letter, `/` or `!`, up to the next `>` within a short span.
            let is_tag = rest[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
            if let Some(end) = rest.find('>').filter(|&e| is_tag && e < 200) {
                out.push(' ');
                rest = &rest[end + 1..];
                continue;
            }
        } else if let Some((decoded, len)) = entity(rest) {
            out.push(decoded);
            rest = &rest[len..];
            continue;
        }
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// `text` with its HTML entities decoded (`&nbsp;`, `&#8217;`, `&quot;`) and nothing else
/// changed: scraped text as a reader should see it. Unknown entities stay as written.
pub fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match entity(rest) {
            Some((decoded, len)) => {
                out.push(decoded);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Decodes one entity at the start of `s`: its character and its length in bytes.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[1..end];
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(code)?
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            "lsquo" => '‘',
            "rsquo" => '’',
            "ldquo" => '“',
            "rdquo" => '”',
            "ndash" => '–',
            "mdash" => '—',
            "hellip" => '…',
            "eacute" => 'é',
            "egrave" => 'è',
            "agrave" => 'à',
            "ccedil" => 'ç',
            "pound" => '£',
            "euro" => '€',
            "copy" => '©',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_decoded_for_display_and_nothing_else() {
        assert_eq!(
            decode_entities("the&nbsp;60th &#8217;s &#x27;My&#x27; &quot;x&quot; &amp; <b>"),
            "the\u{a0}60th \u{2019}s 'My' \"x\" & <b>"
        );
        // Not an entity: left as written.
        assert_eq!(
            decode_entities("AT&T; R&D &bogus; &"),
            "AT&T; R&D &bogus; &"
        );
        assert!(matches!(
            decode_entities("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
    use proptest::prelude::*;

    #[test]
    fn the_quick_alphanumeric_test_agrees_with_the_standard_one_everywhere() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{:?}", c);
        }
    }

    fn n(s: &str) -> String {
        normalize(s, NormalizeOptions::default())
    }

    #[test]
    fn typography_variants_normalize_alike() {
        let a = n("The minister said: \"We won't\" - it's final.");
        let b = n("The minister said: “We won’t” — it’s final.");
        let c = n("The&nbsp;minister said: &ldquo;We won&rsquo;t&rdquo; &mdash; it&#39;s final.");
        let d = n("THE MINISTER\r\nSAID:  \u{201c}WE WON\u{2019}T\u{201d}\u{a0}\u{2013} IT\u{2019}S FINAL.");
        assert_eq!(a, "the minister said we won t it s final");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
    }

    #[test]
    fn nfkc_and_accents() {
        // NFD input (e + combining acute) equals the precomposed form; ligatures unfold.
        assert_eq!(n("Cafe\u{301} ﬁne"), n("Café fine"));
        assert_eq!(n("Ｈｅｌｌｏ"), "hello");
        assert_eq!(n("Genève, 1900"), "genève 1900");
    }

    #[test]
    fn markup_is_dropped_but_not_comparisons() {
        assert_eq!(n("<p>Hello <a href='x'>world</a></p>"), "hello world");
        assert_eq!(n("a < b and c > d"), "a b and c d");
        assert_eq!(n("AT&T &bogus; &#x41;"), "at t bogus a");
    }

    #[test]
    fn options_turn_steps_off() {
        let o = NormalizeOptions {
            case_fold: false,
            punctuation: false,
            ..Default::default()
        };
        assert_eq!(normalize("Hello,  World!", o), "Hello, World!");
    }

    proptest! {
        #[test]
        fn word_at_a_time_scans_agree_with_byte_scans(text in "[a-z &<\u{e9}\u{201c}\u{2014}\u{1f600}]{0,40}") {
            let bytes = text.as_bytes();
            prop_assert_eq!(has_markup(bytes), bytes.iter().any(|&b| b == b'&' || b == b'<'));
            for i in 0..=bytes.len() {
                let run = bytes[i..].iter().position(|b| !b.is_ascii()).unwrap_or(bytes.len() - i);
                prop_assert_eq!(ascii_prefix(&bytes[i..]), run);
            }
            let want: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
            prop_assert_eq!(non_ascii_chars(&text).collect::<Vec<_>>(), want);
        }
    }

    proptest! {
        #[test]
        fn idempotent(s in "\\PC{0,200}") {
            let once = n(&s);
            prop_assert_eq!(n(&once), once.clone());
        }

        #[test]
        fn output_is_single_spaced_words(s in ".{0,200}") {
            let out = n(&s);
            prop_assert!(!out.starts_with(' ') && !out.ends_with(' ') && !out.contains("  "));
        }
    }
}
