//! `wiretrace check`: the verdict on a new batch (which documents duplicate the index or an
//! earlier document of the batch, with the evidence) and its four formats: text for a person,
//! JSON for a program, Markdown for a CI log or pull-request comment, and GitHub workflow
//! annotations.

use crate::dedup::Invalid;
use crate::index::Probe;
use crate::input::Input;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};

/// One match of a checked document.
#[derive(Debug, Clone, Serialize)]
pub struct MatchRow {
    /// The matching document's id.
    pub id: String,
    /// `index` or `batch`.
    pub source: &'static str,
    /// Share of the smaller version's (boilerplate-discounted) shingles found in the other,
    /// estimated from samples for the index: the `similarity` of `dedup`'s rows and `diff`.
    pub similarity: f32,
    /// Jaccard similarity of the two sets: orders matches of equal similarity (a whole copy
    /// before a cut one).
    #[serde(skip)]
    pub jaccard: f32,
    /// What the relation looks like, in words.
    #[serde(skip)]
    pub summary: String,
}

/// The verdict on one document.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// Its id.
    pub id: String,
    /// True when it tells a story already in the index or earlier in the batch.
    pub duplicate: bool,
    /// The evidence, best first: index matches, then batch matches.
    pub matches: Vec<MatchRow>,
    /// Where it was read (file name and line), for annotations.
    #[serde(skip)]
    pub file: String,
    /// Its line (JSONL) or file number (text folders).
    #[serde(skip)]
    pub line: u64,
}

/// The whole verdict.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Documents checked.
    pub documents: usize,
    /// Documents found to be duplicates.
    pub duplicates: usize,
    /// Of which duplicates of indexed documents.
    pub index_duplicates: usize,
    /// Of which duplicates of earlier documents of the batch only.
    pub batch_duplicates: usize,
    /// `duplicates / documents` (0 for an empty batch).
    pub rate: f64,
    /// The budget the rate is held to.
    pub max_dup_rate: f64,
    /// True when the rate is within the budget.
    pub passed: bool,
    /// Records left out as invalid (with `--skip-invalid`), by place.
    pub invalid: Vec<String>,
    /// One row per document, in input order.
    pub results: Vec<CheckResult>,
}

/// What one version is to the other, from their sizes and overlap (the index keeps no text to
/// diff, but a cut, an extension and a near-identical copy show in these numbers).
pub fn describe(len: u32, other_len: u32, similarity: f32, containment: f32) -> String {
    let ratio = len as f64 / other_len.max(1) as f64;
    if similarity >= 0.9 {
        "near-identical copy".to_string()
    } else if containment >= 0.8 && ratio < 0.85 {
        format!("cut version (keeps ~{:.0}% of the text)", 100.0 * ratio)
    } else if containment >= 0.8 && ratio > 1.15 {
        format!("extended version (+{:.0}% text)", 100.0 * (ratio - 1.0))
    } else {
        format!(
            "edited copy (shares {:.0}% of the shorter text)",
            100.0 * containment
        )
    }
}

impl CheckReport {
    /// The verdict on a probed batch.
    pub fn new(probe: &Probe, inputs: &[Input], invalid: &[Invalid], max_dup_rate: f64) -> Self {
        let corpus = &probe.dedup.corpus;
        let batch = probe.batch_matches();
        // Each document's row is its own (in parallel: a row is several strings, and 20,000
        // of them made on one thread were the last 20 ms of a check).
        let results: Vec<CheckResult> = corpus
            .docs
            .par_iter()
            .enumerate()
            .map(|(d, info)| {
                let mut matches: Vec<MatchRow> = probe.index[d]
                    .iter()
                    .map(|m| MatchRow {
                        id: m.id.clone(),
                        source: "index",
                        similarity: round(m.containment),
                        jaccard: round(m.similarity),
                        summary: if m.id == info.id {
                            "already in the index (same id)".to_string()
                        } else {
                            describe(info.len, m.length, m.similarity, m.containment)
                        },
                    })
                    .collect();
                matches.extend(batch[d].iter().map(|m| {
                    let other = &corpus.docs[m.doc as usize];
                    MatchRow {
                        id: other.id.clone(),
                        source: "batch",
                        similarity: round(m.containment),
                        jaccard: round(m.similarity),
                        summary: describe(info.len, other.len, m.similarity, m.containment),
                    }
                }));
                let input = &inputs[info.input as usize];
                CheckResult {
                    id: info.id.clone(),
                    duplicate: !matches.is_empty(),
                    matches,
                    file: input.name(),
                    line: info.line,
                }
            })
            .collect();
        // Index matches come first: a row whose first match is indexed is an index duplicate.
        let index_dups = results
            .iter()
            .filter(|r| r.matches.first().is_some_and(|m| m.source == "index"))
            .count();
        let batch_dups = results.iter().filter(|r| r.duplicate).count() - index_dups;
        let documents = results.len();
        let duplicates = index_dups + batch_dups;
        let rate = if documents == 0 {
            0.0
        } else {
            duplicates as f64 / documents as f64
        };
        CheckReport {
            documents,
            duplicates,
            index_duplicates: index_dups,
            batch_duplicates: batch_dups,
            rate,
            max_dup_rate,
            passed: rate <= max_dup_rate,
            invalid: invalid
                .iter()
                .map(|i| format!("{}: {}", i.place, i.reason))
                .collect(),
            results,
        }
    }

    fn worst(&self, n: usize) -> Vec<&CheckResult> {
        let mut dups: Vec<&CheckResult> = self.results.iter().filter(|r| r.duplicate).collect();
        dups.sort_by(|a, b| {
            b.matches[0]
                .similarity
                .total_cmp(&a.matches[0].similarity)
                .then(b.matches[0].jaccard.total_cmp(&a.matches[0].jaccard))
        });
        dups.truncate(n);
        dups
    }

    fn headline(&self) -> String {
        format!(
            "{} of {} documents are duplicates ({:.2}%; {} of the index, {} within the batch); budget {:.2}%",
            self.duplicates,
            self.documents,
            100.0 * self.rate,
            self.index_duplicates,
            self.batch_duplicates,
            100.0 * self.max_dup_rate
        )
    }

    /// Plain text: the verdict, then one line per duplicate.
    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        writeln!(
            w,
            "{}: {}",
            if self.passed { "PASS" } else { "FAIL" },
            self.headline()
        )?;
        for r in self.results.iter().filter(|r| r.duplicate) {
            writeln!(w, "  {}", terminal(&described(r, "  ")))?;
        }
        for i in &self.invalid {
            writeln!(w, "  invalid record left out: {}", terminal(i))?;
        }
        Ok(())
    }

    /// One JSON object.
    pub fn write_json(&self, w: &mut impl Write) -> io::Result<()> {
        // The rows are serialized in parallel and put in place of an empty `results` (the
        // last field): written whole on one thread they were the last 20 ms of a check of
        // 20,000 documents. The bytes are serde_json's own (a test compares them).
        let head = serde_json::to_vec(&CheckReport {
            invalid: Vec::new(),
            results: Vec::new(),
            ..*self
        })?;
        let head = head.strip_suffix(b"[],\"results\":[]}").ok_or_else(|| {
            io::Error::other("the JSON report no longer ends with its invalid records and rows")
        })?;
        let invalid = serde_json::to_vec(&self.invalid)?;
        let rows: Vec<Vec<u8>> = self
            .results
            .par_chunks(1024)
            .map(|chunk| {
                let mut out = Vec::new();
                for (i, r) in chunk.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut out, r).expect("a row serializes");
                }
                out
            })
            .collect();
        w.write_all(head)?;
        w.write_all(&invalid)?;
        w.write_all(b",\"results\":[")?;
        for (i, part) in rows.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(part)?;
        }
        w.write_all(b"]}\n")
    }

    /// A Markdown summary for a CI log or a pull-request comment.
    pub fn write_markdown(&self, w: &mut impl Write) -> io::Result<()> {
        writeln!(
            w,
            "## wiretrace check: {} {} of {} documents are duplicates\n",
            if self.passed { "✅" } else { "❌" },
            self.duplicates,
            self.documents
        )?;
        writeln!(w, "| | |\n|---|---:|")?;
        writeln!(w, "| Documents checked | {} |", self.documents)?;
        writeln!(w, "| Duplicates of the index | {} |", self.index_duplicates)?;
        writeln!(
            w,
            "| Duplicates within the batch | {} |",
            self.batch_duplicates
        )?;
        writeln!(
            w,
            "| Duplicate rate | {:.2}% (budget {:.2}%) |",
            100.0 * self.rate,
            100.0 * self.max_dup_rate
        )?;
        if !self.invalid.is_empty() {
            writeln!(w, "| Invalid records left out | {} |", self.invalid.len())?;
        }
        let worst = self.worst(20);
        if !worst.is_empty() {
            writeln!(w, "\n### Worst offenders\n")?;
            writeln!(
                w,
                "| Document | Duplicates | In | Similarity | What it is |"
            )?;
            writeln!(w, "|---|---|---|---:|---|")?;
            for r in &worst {
                let m = &r.matches[0];
                writeln!(
                    w,
                    "| `{}` | `{}` | {} | {:.2} | {} |",
                    markdown_code(&r.id),
                    markdown_code(&m.id),
                    m.source,
                    m.similarity,
                    markdown_text(&m.summary)
                )?;
            }
            if self.duplicates > worst.len() {
                writeln!(
                    w,
                    "\n…and {} more (`--format json` lists them all).",
                    self.duplicates - worst.len()
                )?;
            }
        }
        Ok(())
    }

    /// GitHub Actions workflow commands: one annotation per duplicate at its file and line,
    /// then the verdict.
    pub fn write_github(&self, w: &mut impl Write) -> io::Result<()> {
        let level = if self.passed { "warning" } else { "error" };
        for r in self.results.iter().filter(|r| r.duplicate) {
            writeln!(
                w,
                "::{level} file={},line={},title=Duplicate story::{}",
                gh_property(&r.file),
                r.line,
                gh_message(&described(r, " "))
            )?;
        }
        let verdict = if self.passed { "notice" } else { "error" };
        writeln!(
            w,
            "::{verdict} title=wiretrace check {}::{}",
            if self.passed { "passed" } else { "failed" },
            gh_message(&self.headline())
        )
    }
}

use crate::escape::{markdown_code, markdown_text, terminal};

/// A duplicate and its best match in words: `ID duplicates OTHER (index; similarity …)`,
/// with `gap` after the id (the text report's two spaces set the ids apart as a column).
fn described(r: &CheckResult, gap: &str) -> String {
    let m = &r.matches[0];
    format!(
        "{}{gap}duplicates {} ({}; similarity {:.2}): {}",
        r.id, m.id, m.source, m.similarity, m.summary
    )
}

fn round(x: f32) -> f32 {
    (x * 1e4).round() / 1e4
}

fn gh_message(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_property(s: &str) -> String {
    gh_message(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_report_is_serde_jsons_own_bytes() {
        let row = |i: usize| CheckResult {
            id: format!("doc \"{i}\"\u{e9}"),
            duplicate: i.is_multiple_of(3),
            matches: (0..i % 4)
                .map(|m| MatchRow {
                    id: format!("m{m}"),
                    source: if m.is_multiple_of(2) {
                        "index"
                    } else {
                        "batch"
                    },
                    similarity: 1.0 / (m + 3) as f32,
                    jaccard: 0.1 * m as f32,
                    summary: "cut".into(),
                })
                .collect(),
            file: "f".into(),
            line: i as u64,
        };
        for (docs, invalid) in [(0, 0), (1, 0), (2500, 2)] {
            let report = CheckReport {
                documents: docs,
                duplicates: docs / 3,
                index_duplicates: docs / 4,
                batch_duplicates: docs / 12,
                rate: 1.0 / 3.0,
                max_dup_rate: 0.25,
                passed: false,
                invalid: (0..invalid).map(|i| format!("in:{i}: bad")).collect(),
                results: (0..docs).map(row).collect(),
            };
            let mut got = Vec::new();
            report.write_json(&mut got).unwrap();
            let want = serde_json::to_string(&report).unwrap() + "\n";
            assert_eq!(String::from_utf8(got).unwrap(), want, "{docs} rows");
        }
    }

    #[test]
    fn relations_are_described_from_sizes_and_overlap() {
        assert_eq!(describe(1000, 1000, 0.95, 0.98), "near-identical copy");
        assert_eq!(
            describe(400, 1000, 0.4, 0.97),
            "cut version (keeps ~40% of the text)"
        );
        assert_eq!(
            describe(1500, 1000, 0.6, 0.9),
            "extended version (+50% text)"
        );
        assert_eq!(
            describe(1000, 1000, 0.5, 0.6),
            "edited copy (shares 60% of the shorter text)"
        );
    }

    #[test]
    fn annotations_escape_their_delimiters() {
        assert_eq!(gh_message("50%\nnext"), "50%25%0Anext");
        assert_eq!(gh_property("a:b,c"), "a%3Ab%2Cc");
    }
}
