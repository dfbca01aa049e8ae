//! One story's lineage: its versions as a tree (origin at the root, each version under the
//! version it derives from), each with a one-line summary of its edits against its parent.

use crate::diff::{self, Edit, Furniture, Version};
use crate::doc::Document;
use crate::eval::Label;
use crate::lookup::Found;
use std::collections::HashMap;

/// One version in the tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// The version's id.
    pub id: String,
    /// Its date, source and headline.
    pub date: Option<i64>,
    /// Its outlet.
    pub source: Option<String>,
    /// Its headline.
    pub title: Option<String>,
    /// Similarity to the parent (from the clustering rows).
    pub similarity: Option<f64>,
    /// What it changed against its parent.
    pub edits: Vec<Edit>,
    /// The versions derived from it, in time order.
    pub children: Vec<Node>,
}

/// Builds the tree of the story that `id` belongs to, from clustering rows and the story's
/// documents (`found` must hold every member). Returns `None` when `id` is in no row.
///
/// The members of the story, for loading their documents, are [`members`].
pub fn tree(id: &str, rows: &[Label], found: &Found) -> Option<Node> {
    let (docs, furniture) = (&found.docs, &found.furniture);
    let similarity: HashMap<String, f64> = rows
        .iter()
        .filter_map(|r| Some((r.id.clone(), r.similarity?)))
        .collect();
    let similarity = &similarity;
    let cluster = &rows.iter().find(|r| r.id == id)?.cluster;
    let members: Vec<&Label> = rows.iter().filter(|r| &r.cluster == cluster).collect();
    let position: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut children: HashMap<&str, Vec<&Label>> = HashMap::new();
    let mut roots = Vec::new();
    for m in &members {
        match m
            .parent
            .as_deref()
            .filter(|p| members.iter().any(|x| x.id == *p))
        {
            Some(p) => children.entry(p).or_default().push(m),
            None => roots.push(*m),
        }
    }
    let order = |l: &&Label| {
        (
            docs.get(&l.id).and_then(|d| d.date).unwrap_or(i64::MAX),
            position[l.id.as_str()],
        )
    };
    for list in children.values_mut() {
        list.sort_by_key(order);
    }
    roots.sort_by_key(order);
    fn build(
        l: &Label,
        parent: Option<&Document>,
        children: &HashMap<&str, Vec<&Label>>,
        similarity: &HashMap<String, f64>,
        docs: &HashMap<String, Document>,
        furniture: &Furniture,
    ) -> Node {
        let d = &docs[&l.id];
        fn v(x: &Document) -> Version<'_> {
            Version {
                id: &x.id,
                title: x.title.as_deref(),
                text: &x.text,
            }
        }
        let edits = parent
            .map(|p| diff::diff_with(v(p), v(d), furniture).edits)
            .unwrap_or_default();
        Node {
            id: l.id.clone(),
            date: d.date,
            source: d.source.clone(),
            title: d.title.clone(),
            similarity: similarity.get(&l.id).copied(),
            edits,
            children: children
                .get(l.id.as_str())
                .map(|c| {
                    c.iter()
                        .map(|x| build(x, Some(d), children, similarity, docs, furniture))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
    // The origin is the first root; other roots (versions whose parent is not in the rows)
    // hang under it.
    let mut root = build(roots[0], None, &children, similarity, docs, furniture);
    for r in &roots[1..] {
        let origin = &docs[&roots[0].id];
        root.children.push(build(
            r,
            Some(origin),
            &children,
            similarity,
            docs,
            furniture,
        ));
    }
    Some(root)
}

/// The ids of the versions in the story `id` belongs to (empty when `id` is in no row).
pub fn members(id: &str, rows: &[Label]) -> Vec<String> {
    match rows.iter().find(|r| r.id == id) {
        Some(me) => rows
            .iter()
            .filter(|r| r.cluster == me.cluster)
            .map(|r| r.id.clone())
            .collect(),
        None => Vec::new(),
    }
}

/// Clustering rows of a dedup run, in the form `wiretrace dedup` writes them.
pub fn rows_of(d: &crate::dedup::Dedup) -> Vec<Label> {
    let docs = &d.corpus.docs;
    docs.iter()
        .zip(&d.assignments)
        .map(|(doc, a)| Label {
            id: doc.id.clone(),
            cluster: docs[a.cluster as usize].id.clone(),
            parent: a.parent.map(|p| docs[p as usize].id.clone()),
            similarity: a.similarity.map(f64::from),
        })
        .collect()
}

/// A short summary of edits: the kinds that matter most, in a few words each.
pub fn summary(edits: &[Edit]) -> String {
    let parts: Vec<String> = edits
        .iter()
        .map(|e| match e {
            Edit::Truncated { paragraphs, words } => match (paragraphs, words) {
                (p, 0) => format!("cut {p} paragraph(s)"),
                (0, w) => format!("cut {w} word(s)"),
                (p, w) => format!("cut {p} paragraph(s) and {w} word(s)"),
            },
            Edit::ParagraphAdded { .. } => "added a paragraph".into(),
            Edit::ParagraphRemoved { .. } => "removed a paragraph".into(),
            Edit::ParagraphMoved { .. } => "moved a paragraph".into(),
            Edit::HeadlineChanged { b, .. } => format!("headline {b:?}"),
            Edit::BoilerplateAdded { .. } => "own header/footer".into(),
            Edit::BoilerplateRemoved { .. } => "dropped header/footer".into(),
            Edit::DatelineChanged { b, .. } if b.is_empty() => "dropped dateline".into(),
            Edit::DatelineChanged { b, .. } => format!("dateline {b:?}"),
            Edit::WordsChanged { count, .. } => format!("{count} word(s) changed"),
            Edit::Noise { words, .. } => format!("{words} typo/OCR word(s)"),
        })
        .collect();
    if parts.is_empty() {
        "identical".into()
    } else {
        parts.join("; ")
    }
}

/// Writes the tree for a terminal.
pub fn write_tree(root: &Node, out: &mut impl std::io::Write) -> std::io::Result<()> {
    fn count(n: &Node) -> usize {
        1 + n.children.iter().map(count).sum::<usize>()
    }
    writeln!(
        out,
        "story {}: {} version(s){}",
        root.id,
        count(root),
        root.title
            .as_deref()
            .map(|t| format!(" — {t}"))
            .unwrap_or_default()
    )?;
    fn line(
        n: &Node,
        prefix: &str,
        last: bool,
        root: bool,
        out: &mut impl std::io::Write,
    ) -> std::io::Result<()> {
        let branch = if root {
            ""
        } else if last {
            "└─ "
        } else {
            "├─ "
        };
        let date = n
            .date
            .map(crate::date::format)
            .unwrap_or_else(|| "undated".into());
        let source = n.source.as_deref().unwrap_or("?");
        let what = if root {
            "origin".to_string()
        } else {
            format!("{:.2}  {}", n.similarity.unwrap_or(0.0), summary(&n.edits))
        };
        writeln!(out, "{prefix}{branch}{date}  {source}  {}  {what}", n.id)?;
        let child_prefix = if root {
            String::new()
        } else {
            format!("{prefix}{}", if last { "   " } else { "│  " })
        };
        for (i, c) in n.children.iter().enumerate() {
            line(c, &child_prefix, i + 1 == n.children.len(), false, out)?;
        }
        Ok(())
    }
    line(root, "", true, true, out)
}
