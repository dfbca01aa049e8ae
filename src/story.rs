//! One story's lineage: its versions as a tree (origin at the root, each version under the
//! version it derives from), each with a one-line summary of its edits against its parent.

use crate::diff::{self, Edit, Version};
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
    /// The versions derived from it, in time order, as positions in [`Tree::nodes`].
    pub children: Vec<usize>,
    /// Steps from the origin.
    pub depth: usize,
}

/// A story's versions. Kept flat, in drawing order (each version before the versions
/// derived from it), and walked with loops: a chain of republications can be tens of
/// thousands of versions deep, far past what recursion on a thread's stack allows.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The versions; the origin first.
    pub nodes: Vec<Node>,
}

/// Builds the tree of the story that `id` belongs to, from clustering rows and the story's
/// documents (`found` must hold every member). Returns `Ok(None)` when `id` is in no row,
/// and an error naming the versions when their parents form a loop (rows not written by
/// `dedup`, or edited).
///
/// The members of the story, for loading their documents, are [`members`].
pub fn tree(id: &str, rows: &[Label], found: &Found) -> Result<Option<Tree>, String> {
    let (docs, furniture) = (&found.docs, &found.furniture);
    let Some(cluster) = rows.iter().find(|r| r.id == id).map(|r| &r.cluster) else {
        return Ok(None);
    };
    let members: Vec<&Label> = rows.iter().filter(|r| &r.cluster == cluster).collect();
    let index: HashMap<&str, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); members.len()];
    let mut roots = Vec::new();
    for (i, m) in members.iter().enumerate() {
        match m.parent.as_deref().and_then(|p| index.get(p)) {
            Some(&p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    let order = |&i: &usize| {
        (
            docs.get(&members[i].id)
                .and_then(|d| d.date)
                .unwrap_or(i64::MAX),
            i,
        )
    };
    for list in &mut children {
        list.sort_by_key(order);
    }
    roots.sort_by_key(order);
    // The origin is the first root; other roots (versions whose parent is not in the rows)
    // hang under it.
    let mut top = children.clone();
    let Some(&origin) = roots.first() else {
        return Err(loop_error(&members, &index));
    };
    top[origin].extend(roots[1..].iter().copied());
    // Depth-first, children in time order: drawing order.
    let mut nodes: Vec<Node> = Vec::with_capacity(members.len());
    let mut stack: Vec<(usize, Option<usize>, usize)> = vec![(origin, None, 0)];
    let mut seen = vec![false; members.len()];
    while let Some((m, parent_node, depth)) = stack.pop() {
        seen[m] = true;
        let l = members[m];
        let d = &docs[&l.id];
        let edits = parent_node
            .map(|p: usize| {
                let pd = &docs[&nodes[p].id];
                diff::diff_with(version(pd), version(d), furniture).edits
            })
            .unwrap_or_default();
        let me = nodes.len();
        if let Some(p) = parent_node {
            nodes[p].children.push(me);
        }
        nodes.push(Node {
            id: l.id.clone(),
            date: d.date,
            source: d.source.clone(),
            title: d.title.clone(),
            similarity: l.similarity,
            edits,
            children: Vec::new(),
            depth,
        });
        for &c in top[m].iter().rev() {
            stack.push((c, Some(me), depth + 1));
        }
    }
    if seen.iter().any(|s| !s) {
        return Err(loop_error(&members, &index));
    }
    Ok(Some(Tree { nodes }))
}

fn version(x: &Document) -> Version<'_> {
    Version {
        id: &x.id,
        title: x.title.as_deref(),
        text: &x.text,
    }
}

/// Names a loop of parents among the members (every member is on one, or leads to one, when
/// some cannot be reached from a root).
fn loop_error(members: &[&Label], index: &HashMap<&str, usize>) -> String {
    let parent = |i: usize| {
        members[i]
            .parent
            .as_deref()
            .and_then(|p| index.get(p).copied())
    };
    // Follow parents from a member no root reaches until one repeats.
    let mut reach = vec![false; members.len()];
    let mut stack: Vec<usize> = (0..members.len())
        .filter(|&i| parent(i).is_none())
        .collect();
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); members.len()];
    for i in 0..members.len() {
        if let Some(p) = parent(i) {
            kids[p].push(i);
        }
    }
    while let Some(i) = stack.pop() {
        reach[i] = true;
        stack.extend(kids[i].iter().copied());
    }
    let start = (0..members.len()).find(|&i| !reach[i]).unwrap_or(0);
    let mut path = vec![start];
    let mut on_path = vec![false; members.len()];
    on_path[start] = true;
    let mut cur = start;
    while let Some(p) = parent(cur) {
        if on_path[p] {
            let from = path.iter().position(|&x| x == p).unwrap_or(0);
            let mut names: Vec<String> = path[from..]
                .iter()
                .map(|&i| members[i].id.clone())
                .collect();
            names.push(members[p].id.clone());
            let shown = if names.len() > 12 {
                format!(
                    "{} → … → {}",
                    names[..5].join(" → "),
                    names[names.len() - 5..].join(" → ")
                )
            } else {
                names.join(" → ")
            };
            return format!(
                "the parents in the clustering rows form a loop ({} version(s): {}); a parent must be an earlier version. Give rows written by `wiretrace dedup`, or leave out --clusters",
                names.len() - 1,
                crate::escape::terminal(&shown)
            );
        }
        on_path[p] = true;
        path.push(p);
        cur = p;
    }
    "the parents in the clustering rows form a loop; give rows written by `wiretrace dedup`, or leave out --clusters".into()
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
            similarity: a.similarity.map(crate::output::shown_similarity),
        })
        .collect()
}

/// A short summary of edits: the kinds that matter most, in a few words each, each kind
/// once with its count ("added 3 paragraphs").
pub fn summary(edits: &[Edit]) -> String {
    summarize(edits, true)
}

fn summarize(edits: &[Edit], furniture: bool) -> String {
    // Paragraph edits come one per paragraph: each kind is said once, where it first
    // appears, with its count.
    let kind = |e: &Edit| match e {
        Edit::ParagraphAdded { .. } => Some((0, "added")),
        Edit::ParagraphRemoved { .. } => Some((1, "removed")),
        Edit::ParagraphMoved { .. } => Some((2, "moved")),
        _ => None,
    };
    let mut counts = [0usize; 3];
    for (k, _) in edits.iter().filter_map(kind) {
        counts[k] += 1;
    }
    let mut parts: Vec<String> = Vec::new();
    for e in edits {
        if let Some((k, verb)) = kind(e) {
            // Taken once: the kind's later edits find 0.
            match std::mem::take(&mut counts[k]) {
                0 => {}
                1 => parts.push(format!("{verb} a paragraph")),
                n => parts.push(format!("{verb} {n} paragraphs")),
            }
            continue;
        }
        let part = match e {
            Edit::Truncated { paragraphs, words } => match (paragraphs, words) {
                (p, 0) => format!("cut {p} paragraph(s)"),
                (0, w) => format!("cut {w} word(s)"),
                (p, w) => format!("cut {p} paragraph(s) and {w} word(s)"),
            },
            Edit::ParagraphAdded { .. }
            | Edit::ParagraphRemoved { .. }
            | Edit::ParagraphMoved { .. } => continue, // counted above
            Edit::HeadlineChanged { b, .. } => format!("headline \"{b}\""),
            Edit::BoilerplateAdded { .. } if furniture => "own header/footer".into(),
            Edit::BoilerplateRemoved { .. } if furniture => "dropped header/footer".into(),
            Edit::BoilerplateAdded { .. } | Edit::BoilerplateRemoved { .. } => continue,
            Edit::DatelineChanged { b, .. } if b.is_empty() => "dropped dateline".into(),
            Edit::DatelineChanged { b, .. } => format!("dateline \"{b}\""),
            Edit::WordsChanged { count, .. } => format!("{count} word(s) changed"),
            Edit::Noise { words, .. } => format!("{words} typo/OCR word(s)"),
        };
        parts.push(part);
    }
    if parts.is_empty() {
        if furniture {
            "identical"
        } else {
            "identical but for furniture"
        }
        .into()
    } else {
        parts.join("; ")
    }
}

/// How many levels of a tree are drawn indented; deeper versions are drawn at that
/// indentation with their depth, so a chain thousands deep stays readable (and the output
/// grows with the versions, not with their square).
pub const MAX_INDENT: usize = 32;

/// Writes the tree for a terminal. Ids, outlets and headlines are escaped for it: a control
/// character in the data cannot move the cursor, clear the screen or set the title.
pub fn write_tree(tree: &Tree, out: &mut impl std::io::Write) -> std::io::Result<()> {
    use crate::escape::terminal as t;
    let root = &tree.nodes[0];
    writeln!(
        out,
        "story {}: {} version(s){}",
        t(&root.id),
        tree.nodes.len(),
        root.title
            .as_deref()
            .map(|x| format!(" — {}", t(&crate::normalize::decode_entities(x))))
            .unwrap_or_default()
    )?;
    // An outlet's own header and footer are stated once for the story, not on every line.
    let with = |f: fn(&Edit) -> bool| tree.nodes.iter().filter(|n| n.edits.iter().any(f)).count();
    let (own, dropped) = (
        with(|e| matches!(e, Edit::BoilerplateAdded { .. })),
        with(|e| matches!(e, Edit::BoilerplateRemoved { .. })),
    );
    if own + dropped > 0 {
        writeln!(
            out,
            "outlet furniture: {own} version(s) add their outlet's own header/footer, {dropped} drop their parent's"
        )?;
    }
    // Whether each level so far still has siblings to come (for the │ rails).
    let mut rails: Vec<bool> = Vec::new();
    let mut last_child = vec![false; tree.nodes.len()];
    for n in &tree.nodes {
        if let Some(&l) = n.children.last() {
            last_child[l] = true;
        }
    }
    for (i, n) in tree.nodes.iter().enumerate() {
        let date = n
            .date
            .map(crate::date::format_shown)
            .unwrap_or_else(|| "undated".into());
        let source = n.source.as_deref().unwrap_or("?");
        let what = if i == 0 {
            "origin".to_string()
        } else {
            format!(
                "{:.2}  {}",
                n.similarity.unwrap_or(0.0),
                t(&summarize(&n.edits, false))
            )
        };
        let mut prefix = String::new();
        if n.depth > 0 {
            let shown = n.depth.min(MAX_INDENT);
            rails.truncate(shown - 1);
            for &more in &rails {
                prefix.push_str(if more { "│  " } else { "   " });
            }
            prefix.push_str(if last_child[i] { "└─ " } else { "├─ " });
            if n.depth > MAX_INDENT {
                prefix.push_str(&format!("[depth {}] ", n.depth));
            }
            if n.depth <= MAX_INDENT {
                rails.push(!last_child[i]);
            }
        }
        writeln!(out, "{prefix}{date}  {}  {}  {what}", t(source), t(&n.id))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_counts_each_kind_once() {
        let added = |b| Edit::ParagraphAdded {
            b,
            excerpt: String::new(),
        };
        let edits = [
            added(1),
            Edit::BoilerplateAdded { b: vec![0] },
            added(3),
            Edit::ParagraphMoved { a: 2, b: 4 },
            added(5),
        ];
        assert_eq!(
            summary(&edits),
            "added 3 paragraphs; own header/footer; moved a paragraph"
        );
        assert_eq!(
            summarize(&edits, false),
            "added 3 paragraphs; moved a paragraph"
        );
        assert_eq!(
            summarize(&[Edit::BoilerplateAdded { b: vec![0] }], false),
            "identical but for furniture"
        );
        assert_eq!(summary(&[]), "identical");
    }
}
