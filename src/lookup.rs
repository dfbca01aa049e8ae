//! Finding documents by id in a corpus, for commands that show versions (`diff`).

use crate::doc::{self, Document, Fields};
use crate::error::{Error, Result};
use crate::input::{self, Input};
use std::collections::{HashMap, HashSet};

/// Reads `inputs` and returns the documents whose ids are in `ids`. Unlike `dedup`, a
/// malformed record elsewhere in the corpus does not stop the search; an id that is not found
/// is an error that names it.
pub fn find(
    inputs: &[Input],
    fields: &Fields,
    ids: &HashSet<String>,
) -> Result<HashMap<String, Document>> {
    let mut found = HashMap::new();
    input::for_each_chunk(inputs, |chunk| {
        for r in &chunk.records {
            let src = &inputs[r.input as usize];
            let raw = chunk.bytes(r);
            let parsed = if src.is_text_dir() {
                std::str::from_utf8(raw)
                    .ok()
                    .map(|t| doc::parse_text_file(src.fallback_id(r.line), t))
            } else {
                doc::parse_json(raw, fields, "").ok().map(|mut d| {
                    if d.id.is_empty() {
                        d.id = src.fallback_id(r.line);
                    }
                    d
                })
            };
            if let Some(d) = parsed.filter(|d| ids.contains(&d.id)) {
                found.entry(d.id.clone()).or_insert(d);
            }
        }
        Ok(())
    })?;
    if let Some(missing) = ids.iter().filter(|id| !found.contains_key(*id)).min() {
        let names: Vec<String> = inputs.iter().map(Input::name).collect();
        return Err(Error::Usage(format!(
            "no document with id {missing:?} in {}; check the id, or name the corpus that holds it with --corpus",
            names.join(", ")
        )));
    }
    Ok(found)
}
