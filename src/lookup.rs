//! Finding documents by id in a corpus, for commands that show versions (`diff`, `story`,
//! `report`), and learning the corpus's outlet furniture on the way.

use crate::diff::{Furniture, FurnitureLearner};
use crate::doc::{Document, Fields};
use crate::error::{Error, Result};
use crate::input::{self, Input};
use std::collections::{HashMap, HashSet};

/// Documents found by id, and what the corpus taught about its outlets.
#[derive(Debug, Default)]
pub struct Found {
    /// The documents, by id.
    pub docs: HashMap<String, Document>,
    /// The paragraphs outlets print on many of their pages.
    pub furniture: Furniture,
}

/// Reads `inputs` and returns the documents whose ids are in `ids`, and the outlet furniture
/// of the corpus. Unlike `dedup`, a malformed record elsewhere in the corpus does not stop
/// the search; an id that is not found is an error that names it.
pub fn find(inputs: &[Input], fields: &Fields, ids: &HashSet<String>) -> Result<Found> {
    let mut found = HashMap::new();
    let mut learner = FurnitureLearner::default();
    input::for_each_chunk(inputs, |chunk| {
        for r in &chunk.records {
            let src = &inputs[r.input as usize];
            let raw = chunk.bytes(r);
            let parsed =
                crate::readers::parse(r.kind, raw, fields, || src.fallback_id_for(r.kind, r.line))
                    .ok();
            if let Some(d) = &parsed {
                learner.add(d.source.as_deref(), &d.text);
            }
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
    Ok(Found {
        docs: found,
        furniture: learner.finish(),
    })
}
