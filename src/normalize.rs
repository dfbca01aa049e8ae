//! Text normalization: the same story typed by two outlets must give the same words. HTML
//! entities are decoded and tags dropped, the text is put in Unicode NFKC form (which folds
//! non-breaking spaces, ligatures and full-width forms), lower-cased, and every character that
//! is not a letter or digit (quotes, dashes, punctuation, markup) becomes a word break. The
//! output is words separated by single spaces.

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
    out.clear();
    let decoded;
    let mut text = text;
    if opts.markup && text.bytes().any(|b| b == b'&' || b == b'<') {
        decoded = strip_markup(text);
        text = &decoded;
    }
    let nfkc;
    if opts.nfkc && !text.is_ascii() && is_nfkc_quick(text.chars()) != IsNormalized::Yes {
        nfkc = text.nfkc().collect::<String>();
        text = &nfkc;
    }
    out.reserve(text.len());
    let mut pending_space = false;
    // Appends a kept character, with one space first when a break came since the last one.
    fn push(out: &mut String, pending_space: &mut bool, c: char) {
        if *pending_space && !out.is_empty() {
            out.push(' ');
        }
        *pending_space = false;
        out.push(c);
    }
    for c in text.chars() {
        let keep = if opts.punctuation {
            c.is_alphanumeric()
        } else {
            !c.is_whitespace()
        };
        if !keep {
            pending_space = true;
        } else if !opts.case_fold {
            push(out, &mut pending_space, c);
        } else if c.is_ascii() {
            push(out, &mut pending_space, c.to_ascii_lowercase());
        } else {
            for l in c.to_lowercase() {
                // Lower-casing can yield combining marks (İ → i + U+0307): treat them as the
                // letter's own, but never as a word of their own.
                if !opts.punctuation || l.is_alphanumeric() {
                    push(out, &mut pending_space, l);
                }
            }
        }
    }
}

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
    use proptest::prelude::*;

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
