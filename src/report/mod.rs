//! The HTML report: one self-contained page (styles, script and data inline; no network) with
//! an overview of the corpus, a searchable list of stories, and per story the timeline of its
//! versions, the lineage, and each version's diff against its parent, rendered on demand so
//! the page stays responsive with many thousands of stories.

use crate::diff::{self, Version};
use crate::eval::Label;
use crate::lookup::Found;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
struct Page {
    documents: usize,
    stories: usize,
    duplicates: usize,
    sources: Vec<(String, usize)>,
    list: Vec<StoryView>,
}

#[derive(Serialize)]
struct StoryView {
    id: String,
    title: String,
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

/// Writes the report for clustering `rows` and the documents of every story with more than
/// one version (`found`, with the furniture of their corpus).
pub fn write(rows: &[Label], found: &Found, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let docs = &found.docs;
    let mut members: HashMap<&str, Vec<&Label>> = HashMap::new();
    for r in rows {
        members.entry(&r.cluster).or_default().push(r);
    }
    let mut republished: HashMap<String, usize> = HashMap::new();
    let mut list = Vec::new();
    for r in rows.iter().filter(|r| r.parent.is_none()) {
        let Some(versions) = members.get(r.cluster.as_str()).filter(|v| v.len() > 1) else {
            continue;
        };
        let mut views: Vec<VersionView> = versions
            .iter()
            .filter_map(|v| {
                let d = docs.get(&v.id)?;
                let diff = v
                    .parent
                    .as_ref()
                    .and_then(|p| docs.get(p))
                    .map(|p| diff::diff_with(Version::of(p), Version::of(d), &found.furniture));
                if v.parent.is_some() {
                    *republished
                        .entry(d.source.clone().unwrap_or_else(|| "(unknown)".into()))
                        .or_default() += 1;
                }
                Some(VersionView {
                    id: v.id.clone(),
                    date: d.date.map(crate::date::format_shown).unwrap_or_default(),
                    source: d.source.clone().unwrap_or_default(),
                    title: shown_title(d),
                    parent: v.parent.clone(),
                    similarity: v.similarity,
                    diff,
                })
            })
            .collect();
        views.sort_by(|a, b| (a.date.is_empty(), &a.date).cmp(&(b.date.is_empty(), &b.date)));
        let title = docs.get(&r.id).map(shown_title).unwrap_or_default();
        list.push(StoryView {
            id: r.id.clone(),
            title,
            versions: views,
        });
    }
    list.sort_by(|a, b| {
        b.versions
            .len()
            .cmp(&a.versions.len())
            .then(a.id.cmp(&b.id))
    });
    let mut sources: Vec<(String, usize)> = republished.into_iter().collect();
    sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    sources.truncate(15);
    let page = Page {
        documents: rows.len(),
        stories: rows.iter().filter(|r| r.parent.is_none()).count(),
        duplicates: rows.iter().filter(|r| r.parent.is_some()).count(),
        sources,
        list,
    };
    let data = inline_json(&serde_json::to_string(&page)?);
    let html = include_str!("page.html").replacen("__DATA__", &data, 1);
    out.write_all(html.as_bytes())
}

/// A document's title as a reader should see it (entities decoded), or, for a passage
/// without one (OCR'd pages), its first words.
fn shown_title(d: &crate::doc::Document) -> String {
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
