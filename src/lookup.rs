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
    let found = search(inputs, fields, Pick::Ids(ids))?;
    if let Some(missing) = ids.iter().filter(|id| !found.docs.contains_key(*id)).min() {
        let names: Vec<String> = inputs.iter().map(Input::name).collect();
        return Err(Error::Usage(format!(
            "no document with id {missing:?} in {}; check the id, or name the corpus that holds it with --corpus",
            names.join(", ")
        )));
    }
    Ok(found)
}

/// Where a record is: its input's index and its line (or file) number, as a [`crate::dedup`]
/// run of the same inputs gives them in [`crate::corpus::DocInfo`].
pub type Place = (u32, u64);

/// Like [`find`], for a caller that has just run `dedup` over `inputs` and knows where its
/// documents are: only the records at `places` are parsed, and the furniture is learned from
/// `sample`, the places of each outlet's first [`FurnitureLearner::PAGES`] documents in corpus
/// order (see [`furniture_sample`]), so it is the furniture [`find`] learns. Much less work
/// when a few of many documents are wanted.
pub fn find_at(
    inputs: &[Input],
    fields: &Fields,
    places: &HashSet<Place>,
    sample: &HashSet<Place>,
) -> Result<Found> {
    let found = search(inputs, fields, Pick::Places(places, sample))?;
    let wanted = places.len();
    if found.docs.len() < wanted {
        return Err(Error::Usage(format!(
            "{} of {wanted} documents were not found where the first reading of the corpus saw them: did the input change meanwhile?",
            wanted - found.docs.len()
        )));
    }
    Ok(found)
}

/// The places of each outlet's first [`FurnitureLearner::PAGES`] documents of `corpus`: what
/// [`find_at`] learns the furniture from.
pub fn furniture_sample(corpus: &crate::corpus::Corpus) -> HashSet<Place> {
    let mut seen: HashMap<u32, u32> = HashMap::new();
    corpus
        .docs
        .iter()
        .filter(|d| {
            d.source.is_some_and(|s| {
                let n = seen.entry(s).or_default();
                *n += 1;
                *n <= FurnitureLearner::PAGES
            })
        })
        .map(|d| (d.input, d.line))
        .collect()
}

/// Which records a search keeps, and which teach the furniture.
enum Pick<'a> {
    /// Documents by id; every record parsed and shown to the learner.
    Ids(&'a HashSet<String>),
    /// Documents by place, and the places the learner sees.
    Places(&'a HashSet<Place>, &'a HashSet<Place>),
}

fn search(inputs: &[Input], fields: &Fields, pick: Pick) -> Result<Found> {
    use rayon::prelude::*;
    let mut found = HashMap::new();
    let mut learner = FurnitureLearner::default();
    input::for_each_chunk_threaded(inputs, |chunk| {
        // Parsing is the work and runs in parallel; the learner takes its pages in corpus
        // order (it samples each outlet's first pages), so the furniture is the same whatever
        // the thread count.
        let parsed: Vec<(bool, bool, Document)> = chunk
            .records
            .par_iter()
            .filter_map(|r| {
                let (keep, learn) = match pick {
                    Pick::Ids(_) => (true, true),
                    Pick::Places(places, sample) => {
                        let at = (r.input, r.line);
                        (places.contains(&at), sample.contains(&at))
                    }
                };
                if !keep && !learn {
                    return None;
                }
                let src = &inputs[r.input as usize];
                let d = crate::readers::parse(r.kind, chunk.bytes(r), fields, || {
                    src.fallback_id_for(r.kind, r.line)
                })
                .ok()?;
                let keep = match pick {
                    Pick::Ids(ids) => ids.contains(&d.id),
                    Pick::Places(..) => keep,
                };
                Some((keep, learn, d))
            })
            .collect();
        let taken: Vec<&Document> = parsed
            .iter()
            .filter(|(_, learn, d)| *learn && learner.take(d.source.as_deref()))
            .map(|(_, _, d)| d)
            .collect();
        let pages: Vec<Vec<u64>> = taken
            .par_iter()
            .map(|d| FurnitureLearner::page(&d.text))
            .collect();
        for (d, page) in taken.iter().zip(pages) {
            learner.count(d.source.as_deref().expect("taken"), page);
        }
        for (keep, _, d) in parsed {
            if keep {
                found.entry(d.id.clone()).or_insert(d);
            }
        }
        Ok(())
    })?;
    Ok(Found {
        docs: found,
        furniture: learner.finish(),
    })
}
