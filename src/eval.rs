//! Scoring a clustering against ground truth: pairwise precision, recall and F1 over all pairs
//! of documents put in one story, the adjusted Rand index, and parent accuracy.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// A labelled document: its story and the version it derives from.
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    /// Document id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Story label.
    #[serde(deserialize_with = "string_or_number")]
    pub cluster: String,
    /// Parent id, `None` for an origin.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub parent: Option<String>,
    /// Similarity to the parent, when the rows carry it (dedup rows do).
    #[serde(default)]
    pub similarity: Option<f64>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
    match crate::doc::id_text(raw.get()) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(serde::de::Error::custom("expected a string, found null")),
        Err(what) => Err(serde::de::Error::custom(format!(
            "expected a string, found {what}"
        ))),
    }
}

fn opt_string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
    crate::doc::id_text(raw.get()).map_err(|what| {
        serde::de::Error::custom(format!("expected a string or null, found {what}"))
    })
}

/// Reads labels from a JSON Lines file (ground truth, or the rows `dedup` writes).
pub fn read_labels(path: &Path) -> Result<Vec<Label>> {
    let input = crate::input::Input::File(path.to_path_buf());
    let r = crate::input::open_jsonl(&input)?;
    let mut out = Vec::new();
    for (n, line) in r.lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        // The row of a record dedup left out as invalid names no story: not a document.
        if line.contains("\"invalid\"") {
            #[derive(Deserialize)]
            struct Invalid {
                invalid: Option<serde::de::IgnoredAny>,
                cluster: Option<serde::de::IgnoredAny>,
            }
            if let Ok(Invalid {
                invalid: Some(_),
                cluster: None,
            }) = serde_json::from_str::<Invalid>(&line)
            {
                continue;
            }
        }
        let l: Label = serde_json::from_str(&line).map_err(|e| Error::InvalidRecord {
            place: format!("{}:{}", path.display(), n + 1),
            reason: format!("{e} (rows need \"id\" and \"cluster\", optionally \"parent\")"),
        })?;
        out.push(l);
    }
    Ok(out)
}

/// The scores.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scores {
    /// Documents in the truth.
    pub documents: usize,
    /// Truth documents absent from the prediction (scored as singletons without parent).
    pub missing: usize,
    /// Same-story pairs predicted.
    pub predicted_pairs: u64,
    /// Same-story pairs in the truth.
    pub true_pairs: u64,
    /// Pairwise precision.
    pub precision: f64,
    /// Pairwise recall.
    pub recall: f64,
    /// Pairwise F1.
    pub f1: f64,
    /// Adjusted Rand index.
    pub ari: f64,
    /// Share of documents whose predicted parent is the true one (null for origins).
    pub parent_accuracy: f64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Scores `pred` against `truth` on the documents of the truth.
pub fn score(truth: &[Label], pred: &[Label]) -> Scores {
    let by_id: HashMap<&str, &Label> = pred.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut cells: HashMap<(&str, &str), u64> = HashMap::new();
    let mut rows: HashMap<&str, u64> = HashMap::new();
    let mut cols: HashMap<&str, u64> = HashMap::new();
    let (mut missing, mut parent_ok) = (0, 0);
    for t in truth {
        let p = by_id.get(t.id.as_str());
        // A missing document is a singleton of its own.
        let pc = p.map_or(t.id.as_str(), |p| p.cluster.as_str());
        let pc_key = if p.is_some() { pc } else { t.id.as_str() };
        missing += usize::from(p.is_none());
        *cells.entry((t.cluster.as_str(), pc_key)).or_default() += 1;
        *rows.entry(t.cluster.as_str()).or_default() += 1;
        *cols.entry(pc_key).or_default() += 1;
        let pp = p.and_then(|p| p.parent.as_deref());
        parent_ok += usize::from(pp == t.parent.as_deref());
    }
    let tp: u64 = cells.values().map(|&c| pairs(c)).sum();
    let true_pairs: u64 = rows.values().map(|&c| pairs(c)).sum();
    let predicted_pairs: u64 = cols.values().map(|&c| pairs(c)).sum();
    let div = |a: f64, b: f64| if b == 0.0 { 1.0 } else { a / b };
    let precision = div(tp as f64, predicted_pairs as f64);
    let recall = div(tp as f64, true_pairs as f64);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let total = pairs(truth.len() as u64) as f64;
    let expected = true_pairs as f64 * predicted_pairs as f64 / total.max(1.0);
    let max = (true_pairs as f64 + predicted_pairs as f64) / 2.0;
    let ari = if max == expected {
        1.0
    } else {
        (tp as f64 - expected) / (max - expected)
    };
    Scores {
        documents: truth.len(),
        missing,
        predicted_pairs,
        true_pairs,
        precision,
        recall,
        f1,
        ari,
        parent_accuracy: div(parent_ok as f64, truth.len() as f64),
    }
}

impl std::fmt::Display for Scores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "documents        {}", self.documents)?;
        if self.missing > 0 {
            writeln!(
                f,
                "missing          {} (scored as singletons)",
                self.missing
            )?;
        }
        writeln!(
            f,
            "pairs            {} predicted, {} true",
            self.predicted_pairs, self.true_pairs
        )?;
        writeln!(f, "precision        {:.4}", self.precision)?;
        writeln!(f, "recall           {:.4}", self.recall)?;
        writeln!(f, "F1               {:.4}", self.f1)?;
        writeln!(f, "ARI              {:.4}", self.ari)?;
        write!(f, "parent accuracy  {:.4}", self.parent_accuracy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(id: &str, c: &str, p: Option<&str>) -> Label {
        Label {
            id: id.into(),
            cluster: c.into(),
            parent: p.map(Into::into),
            similarity: None,
        }
    }

    #[test]
    fn perfect_and_imperfect() {
        let truth = vec![
            l("a", "1", None),
            l("b", "1", Some("a")),
            l("c", "2", None),
            l("d", "2", Some("c")),
        ];
        let s = score(&truth, &truth);
        assert_eq!(
            (s.precision, s.recall, s.f1, s.ari, s.parent_accuracy),
            (1.0, 1.0, 1.0, 1.0, 1.0)
        );
        // Everything in one cluster: recall 1, precision 2/6.
        let one = vec![
            l("a", "x", None),
            l("b", "x", Some("a")),
            l("c", "x", Some("a")),
            l("d", "x", Some("c")),
        ];
        let s = score(&truth, &one);
        assert!((s.precision - 1.0 / 3.0).abs() < 1e-9 && s.recall == 1.0);
        assert!(s.ari < 0.01);
        assert_eq!(s.parent_accuracy, 0.75);
        // Missing predictions are singletons.
        let s = score(&truth, &[]);
        assert_eq!((s.missing, s.recall, s.precision), (4, 0.0, 1.0));
    }
}
