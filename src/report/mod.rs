//! The HTML report: one self-contained page (styles, script and data inline; no network) with
//! an overview of the corpus, a searchable list of every story with several versions, and per
//! story the timeline of its versions and each version's diff against its parent.
//!
//! It scales by carrying diffs only for the stories a reviewer opens first (see [`Options`]),
//! and by compressing the story detail: gzip'd blocks that the page decodes with the
//! browser's `DecompressionStream` when a story is opened. The list and the search need none
//! of it, so the page opens as fast as it parses its list.

use crate::diff::{self, Version};
use crate::doc::Document;
use crate::eval::Label;
use crate::lookup::Found;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the report carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Stories whose versions' diffs the page carries (`None`: every story). Every story is
    /// listed, searchable and has its timeline either way; diffs are what cost time and bytes.
    pub stories: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stories: Some(DEFAULT_STORIES),
        }
    }
}

/// Stories carried with their diffs by default: more than a reviewer opens in a sitting, and
/// few enough that on a corpus of 200,000 documents the diffs take about as long as reading
/// the corpus once.
pub const DEFAULT_STORIES: usize = 300;

/// Uncompressed bytes of story detail per compressed block: large enough for gzip to find
/// the repeats between versions, small enough to decode in a few milliseconds on demand.
const BLOCK_BYTES: usize = 256 * 1024;

#[derive(Serialize)]
struct Page {
    documents: usize,
    stories: usize,
    duplicates: usize,
    sources: Vec<(String, usize)>,
    /// Stories carried with diffs, and the limit that chose them (`None`: all).
    carried: usize,
    limit: Option<usize>,
    list: Vec<Entry>,
    /// Story detail: gzip'd JSON arrays of [`Detail`], base64, decoded by the page on demand.
    blocks: Vec<String>,
}

/// A story in the list: what is drawn and searched without decoding its detail.
#[derive(Serialize)]
struct Entry {
    /// The origin's id.
    i: String,
    /// Its title.
    t: String,
    /// Every version's id (the origin's first).
    v: Vec<String>,
    /// The versions' outlets and the titles that differ from the story's, for search.
    f: String,
    /// Whether its diffs are carried.
    c: bool,
    /// Its detail: block, and place in the block.
    b: (usize, usize),
}

#[derive(Serialize)]
struct Detail {
    versions: Vec<VersionView>,
}

#[derive(Serialize)]
struct VersionView {
    id: String,
    date: String,
    source: String,
    title: String,
    parent: Option<String>,
    similarity: Option<f64>,
    diff: Option<diff::Report>,
}

/// A story with several versions, as the rows and the documents tell it.
struct Story<'a> {
    origin: &'a Label,
    versions: Vec<&'a Label>,
}

impl Story<'_> {
    fn outlets(&self, docs: &HashMap<String, Document>) -> usize {
        let sources: HashSet<Option<&str>> = self
            .versions
            .iter()
            .map(|v| docs.get(&v.id).and_then(|d| d.source.as_deref()))
            .collect();
        sources.len()
    }

    /// How far its most changed version is from its parent (lower: more edited).
    fn least_similar(&self) -> f64 {
        self.versions
            .iter()
            .filter_map(|v| v.similarity)
            .fold(1.0, f64::min)
    }
}

/// Which of `stories` (largest first) carry their diffs: taken in turn from four rankings
/// (most versions, most outlets, most edited, and a sample by a hash of the id, so that
/// ordinary stories are seen too) until `limit` are chosen. Deterministic.
fn choose(stories: &[Story], docs: &HashMap<String, Document>, limit: Option<usize>) -> Vec<bool> {
    let Some(limit) = limit.filter(|&n| n < stories.len()) else {
        return vec![true; stories.len()];
    };
    // Each ranking: lowest key first, ties by the list's order (largest, then id).
    let by = |key: &dyn Fn(&Story) -> u64| {
        let mut order: Vec<usize> = (0..stories.len()).collect();
        order.sort_by_cached_key(|&i| (key(&stories[i]), i));
        order
    };
    let rankings = [
        by(&|s| u64::MAX - s.versions.len() as u64),
        by(&|s| u64::MAX - s.outlets(docs) as u64),
        by(&|s| (s.least_similar() * 1e9) as u64),
        by(&|s| xxhash_rust::xxh3::xxh3_64(s.origin.id.as_bytes())),
    ];
    let mut chosen = vec![false; stories.len()];
    let mut next = [0usize; 4];
    let mut count = 0;
    while count < limit {
        for (ranking, at) in rankings.iter().zip(next.iter_mut()) {
            while *at < ranking.len() && chosen[ranking[*at]] {
                *at += 1;
            }
            if *at < ranking.len() && count < limit {
                chosen[ranking[*at]] = true;
                count += 1;
            }
        }
    }
    chosen
}

/// The stories of `rows` with several versions, largest first, each one's versions (those
/// in `docs`) by date, undated last, the origin first among equals.
fn stories<'a>(rows: &'a [Label], docs: &HashMap<String, Document>) -> Vec<Story<'a>> {
    let mut members: HashMap<&str, Vec<&Label>> = HashMap::new();
    for r in rows {
        members.entry(&r.cluster).or_default().push(r);
    }
    let mut stories: Vec<Story> = rows
        .iter()
        .filter(|r| r.parent.is_none())
        .filter_map(|r| {
            let versions = members.get(r.cluster.as_str()).filter(|v| v.len() > 1)?;
            let mut versions: Vec<&Label> = versions
                .iter()
                .copied()
                .filter(|v| docs.contains_key(&v.id))
                .collect();
            let key = |v: &Label| {
                let date = docs[&v.id].date;
                (date.is_none(), date, v.parent.is_some())
            };
            versions.sort_by_cached_key(|v| key(v));
            Some(Story {
                origin: r,
                versions,
            })
        })
        .collect();
    stories.sort_by(|a, b| {
        b.versions
            .len()
            .cmp(&a.versions.len())
            .then(a.origin.id.cmp(&b.origin.id))
    });
    stories
}

/// What a report shows: the stories of a clustering with several versions, and which of
/// them carry their diffs. Made from the rows and the versions' headlines, outlets and dates;
/// it then says which texts the report needs ([`Plan::texts_needed`]), so a caller that knows
/// where documents are reads only those.
pub struct Plan<'a> {
    rows: &'a [Label],
    stories: Vec<Story<'a>>,
    carried: Vec<bool>,
    limit: Option<usize>,
}

impl<'a> Plan<'a> {
    /// The plan for clustering `rows`, given the documents of its stories' versions (`docs`;
    /// their texts are not needed here).
    pub fn new(rows: &'a [Label], docs: &HashMap<String, Document>, options: Options) -> Self {
        let stories = stories(rows, docs);
        let carried = choose(&stories, docs, options.stories);
        Plan {
            rows,
            stories,
            carried,
            limit: options.stories,
        }
    }

    /// The versions whose texts [`write`] needs: every version of a story whose diffs are
    /// carried, and every untitled version (listed by its first words).
    pub fn texts_needed(&self, docs: &HashMap<String, Document>) -> HashSet<String> {
        self.stories
            .iter()
            .zip(&self.carried)
            .flat_map(|(s, &carried)| {
                s.versions.iter().filter(move |v| {
                    carried
                        || docs[&v.id]
                            .title
                            .as_deref()
                            .is_none_or(|t| t.trim().is_empty())
                })
            })
            .map(|v| v.id.clone())
            .collect()
    }
}

/// Writes the report of `plan`, given the documents of its stories' versions (`found`, with
/// the furniture of their corpus; only those of [`Plan::texts_needed`] need their texts).
/// `progress` hears what is being done ("diffing versions: 1200 of 5400").
pub fn write(
    plan: &Plan,
    found: &Found,
    progress: &(dyn Fn(String) + Sync),
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let docs = &found.docs;
    let (rows, stories, carried) = (plan.rows, &plan.stories, &plan.carried);

    // The diffs: every carried version against its parent, in parallel, in a fixed order.
    // Each version is prepared once, however many republications it is the parent of.
    let total: usize = stories
        .iter()
        .zip(carried)
        .filter(|(_, &c)| c)
        .map(|(s, _)| s.versions.len() - 1)
        .sum();
    let done = AtomicUsize::new(0);
    let step = (total / 100).max(1);
    let diffs: Vec<Vec<Option<diff::Report>>> = stories
        .par_iter()
        .zip(carried)
        .map(|(story, &carried)| {
            if !carried {
                return Vec::new();
            }
            let prepared: HashMap<&str, diff::Prepared> = story
                .versions
                .par_iter()
                .map(|v| {
                    let d = &docs[&v.id];
                    (
                        v.id.as_str(),
                        diff::Prepared::new(Version::of(d), &found.furniture),
                    )
                })
                .collect();
            story
                .versions
                .par_iter()
                .map(|v| {
                    let parent = prepared.get(v.parent.as_deref()?)?;
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n.is_multiple_of(step) {
                        progress(format!("diffing versions: {n} of {total}"));
                    }
                    let version = &prepared[v.id.as_str()];
                    // The pair's one similarity is its row's (the diff alone would not
                    // know the corpus's boilerplate).
                    Some(match v.similarity {
                        Some(s) => diff::diff_prepared_with_similarity(parent, version, s),
                        None => diff::diff_prepared(parent, version),
                    })
                })
                .collect()
        })
        .collect();

    progress("writing the page".into());
    // Each story's entry, its detail as JSON, and the outlets of its republications.
    let per_story: Vec<(Entry, String, Vec<&str>)> = stories
        .par_iter()
        .zip(diffs)
        .zip(carried)
        .map(|((story, mut diffs), &carried)| {
            let title = shown_title(&docs[&story.origin.id]);
            let mut find: Vec<String> = Vec::new();
            let mut outlets = Vec::new();
            let versions: Vec<VersionView> = story
                .versions
                .iter()
                .enumerate()
                .map(|(v, label)| {
                    let d = &docs[&label.id];
                    if label.parent.is_some() {
                        outlets.push(d.source.as_deref().unwrap_or("(unknown)"));
                    }
                    let shown = shown_title(d);
                    let source = d.source.clone().unwrap_or_default();
                    for s in [&source, &shown] {
                        if !s.is_empty() && *s != title && !find.contains(s) {
                            find.push(s.clone());
                        }
                    }
                    VersionView {
                        id: label.id.clone(),
                        date: d.date.map(crate::date::format_shown).unwrap_or_default(),
                        source,
                        title: shown,
                        parent: label.parent.clone(),
                        similarity: label.similarity,
                        diff: diffs.get_mut(v).and_then(Option::take),
                    }
                })
                .collect();
            let mut ids: Vec<String> = story.versions.iter().map(|v| v.id.clone()).collect();
            ids.sort_by_key(|id| id != &story.origin.id);
            let entry = Entry {
                i: story.origin.id.clone(),
                t: title,
                v: ids,
                f: find.join("\n").to_lowercase(),
                c: carried,
                b: (0, 0),
            };
            let detail = serde_json::to_string(&Detail { versions }).expect("serializes");
            (entry, detail, outlets)
        })
        .collect();
    let mut republished: HashMap<&str, usize> = HashMap::new();
    let mut list = Vec::with_capacity(stories.len());
    let mut details = Vec::with_capacity(stories.len());
    for (entry, detail, outlets) in per_story {
        for o in outlets {
            *republished.entry(o).or_default() += 1;
        }
        list.push(entry);
        details.push(detail);
    }
    let blocks = blocks(&details, &mut list)?;

    let mut sources: Vec<(String, usize)> = republished
        .into_iter()
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    sources.truncate(15);
    let page = Page {
        documents: rows.len(),
        stories: rows.iter().filter(|r| r.parent.is_none()).count(),
        duplicates: rows.iter().filter(|r| r.parent.is_some()).count(),
        sources,
        carried: carried.iter().filter(|&&c| c).count(),
        limit: plan.limit,
        list,
        blocks,
    };
    let data = inline_json(&serde_json::to_string(&page)?);
    let html = include_str!("page.html").replacen("__DATA__", &data, 1);
    out.write_all(html.as_bytes())
}

/// Packs the stories' detail JSON into gzip'd, base64'd blocks (compressed in parallel) and
/// notes in each list entry where its detail is.
fn blocks(details: &[String], list: &mut [Entry]) -> std::io::Result<Vec<String>> {
    let mut ranges = vec![];
    let (mut start, mut bytes) = (0, 0);
    for (i, d) in details.iter().enumerate() {
        list[i].b = (ranges.len(), i - start);
        bytes += d.len();
        if bytes >= BLOCK_BYTES || i + 1 == details.len() {
            ranges.push(start..i + 1);
            (start, bytes) = (i + 1, 0);
        }
    }
    ranges
        .into_par_iter()
        .map(|r| {
            use std::io::Write;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(b"[")?;
            gz.write_all(details[r].join(",").as_bytes())?;
            gz.write_all(b"]")?;
            Ok(base64(&gz.finish()?))
        })
        .collect()
}

/// Standard base64 with padding (what the browser's `atob` reads).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// A document's title as a reader should see it (entities decoded), or, for a passage
/// without one (OCR'd pages), its first words.
fn shown_title(d: &Document) -> String {
    let decoded = |t: &str| crate::normalize::decode_entities(t.trim()).into_owned();
    match d.title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => decoded(t),
        None => {
            let words: Vec<&str> = d.text.split_whitespace().take(12).collect();
            let more = d.text.split_whitespace().nth(12).is_some();
            format!(
                "{}{}",
                decoded(&words.join(" ")),
                if more { "…" } else { "" }
            )
        }
    }
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` become `\u003c`, `\u003e`,
/// `\u0026`. Escaping only `</` is not enough: `<!--` followed later by `<script` puts the
/// HTML parser in its double-escaped state, where `</script>` no longer ends the element and
/// the whole page goes blank. The characters occur only inside JSON strings, where the
/// escapes mean the same text.
pub fn inline_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows and documents of stories `(versions, outlets, least similarity)` named s0, s1, …
    fn corpus(shapes: &[(usize, usize, f64)]) -> (Vec<Label>, HashMap<String, Document>) {
        let (mut rows, mut docs) = (vec![], HashMap::new());
        for (k, &(n, outlets, sim)) in shapes.iter().enumerate() {
            for v in 0..n {
                let id = format!("s{k}-{v}");
                rows.push(Label {
                    id: id.clone(),
                    cluster: format!("s{k}-0"),
                    parent: (v > 0).then(|| format!("s{k}-0")),
                    similarity: (v > 0).then_some(if v == 1 { sim } else { 0.99 }),
                });
                let d = Document {
                    id: id.clone(),
                    source: Some(format!("outlet {}", v % outlets)),
                    title: (id != "s5-1").then(|| "A headline".to_string()),
                    ..Default::default()
                };
                docs.insert(id, d);
            }
        }
        (rows, docs)
    }

    #[test]
    fn the_carried_stories_are_taken_in_turn_from_each_ranking() {
        // s0 is the largest, s1 has the most outlets, s2 the most edited version.
        let (rows, docs) = corpus(&[
            (9, 1, 0.95),
            (6, 6, 0.95),
            (3, 1, 0.40),
            (5, 2, 0.90),
            (4, 2, 0.90),
            (2, 1, 0.90),
        ]);
        let plan = |n| Plan::new(&rows, &docs, Options { stories: Some(n) });
        let carried = |n| -> Vec<String> {
            let p = plan(n);
            let mut ids: Vec<String> = p
                .stories
                .iter()
                .zip(&p.carried)
                .filter(|(_, &c)| c)
                .map(|(s, _)| s.origin.id.clone())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(carried(1), ["s0-0"]);
        assert_eq!(carried(2), ["s0-0", "s1-0"]);
        assert_eq!(carried(3), ["s0-0", "s1-0", "s2-0"]);
        assert_eq!(carried(4).len(), 4, "and one by the sample");
        assert_eq!(carried(6).len(), 6);
        assert_eq!(carried(60).len(), 6);
        // Only the carried stories' texts (and untitled versions') are needed.
        let needed = plan(1).texts_needed(&docs);
        let mut needed: Vec<String> = needed.into_iter().collect();
        needed.sort();
        let mut expected: Vec<String> = (0..9).map(|v| format!("s0-{v}")).collect();
        expected.push("s5-1".into());
        assert_eq!(
            needed, expected,
            "the carried story's versions, and the untitled one"
        );
    }

    #[test]
    fn base64_is_the_standard_encoding() {
        // RFC 4648's test vectors.
        for (raw, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(raw.as_bytes()), coded);
        }
        assert_eq!(super::base64(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[test]
    fn inline_json_has_no_markup_characters_and_means_the_same() {
        let text = r#"<!-- x <script>alert(1)</script> & </b>"#;
        let json = serde_json::to_string(&serde_json::json!({ "title": text })).unwrap();
        let safe = super::inline_json(&json);
        assert!(!safe.contains(['<', '>', '&']), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["title"], text);
    }
}
