//! `wiretrace report`: the self-contained HTML report of a corpus's stories.

use super::{setup, story::rows, Outcome};
use anyhow::Context;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;
use wiretrace::cli::ReportArgs;
use wiretrace::doc::Document;
use wiretrace::eval::Label;
use wiretrace::lookup::{self, Found, Place};
use wiretrace::{dedup, input::Input, output, report};

/// Runs `wiretrace report`.
pub fn run(a: ReportArgs) -> Outcome {
    setup(&a.common)?;
    let mut inputs = Input::resolve_all(&a.inputs)?;
    output::refuse_overwriting(
        &inputs,
        &[("-o", a.output.as_deref().unwrap_or(Path::new("-")))],
    )?;
    let sink = output::Sink::open(a.output.as_deref())?;
    // Read twice (stories, then their versions' texts): stdin is spooled once.
    let _spool = super::spool_stdin_among(&mut inputs)?;
    let fields = a.fields.fields();
    let options = report::Options { stories: a.stories };
    let progress = super::Progress::start(a.common.quiet);
    let (rows, mut found, places) = match &a.clusters {
        Some(clusters) => {
            progress.say("reading the clustering");
            let rows = rows(&inputs, &fields, Some(clusters), |_| {})?;
            progress.say("reading the versions");
            let found = lookup::find(&inputs, &fields, &members(&rows))?;
            (rows, found, None)
        }
        None => {
            // Clustered now: the run knows every version's headline, outlet, date and place
            // in the inputs, so only the texts the report shows are read again.
            let opts = dedup::Options {
                fields: fields.clone(),
                ..Default::default()
            };
            let d = dedup::run(&inputs, &opts, |n| {
                progress.say(&format!("clustering: {n} documents read"))
            })?;
            let rows = wiretrace::story::rows_of(&d);
            let (docs, places) = versions_known(&d, &members(&rows));
            let found = Found {
                docs,
                furniture: Default::default(),
            };
            (
                rows,
                found,
                Some((places, lookup::furniture_sample(&d.corpus))),
            )
        }
    };
    let plan = report::Plan::new(&rows, &found.docs, options);
    if let Some((places, sample)) = places {
        progress.say("reading the versions");
        let at: HashSet<Place> = plan
            .texts_needed(&found.docs)
            .iter()
            .map(|id| places[id])
            .collect();
        let texts = lookup::find_at(&inputs, &fields, &at, &sample)?;
        found.docs.extend(texts.docs);
        found.furniture = texts.furniture;
    }
    let mut sink = sink;
    report::write(&plan, &found, &|m| progress.say(&m), &mut sink)
        .context("cannot write the report")?;
    sink.finish()?;
    progress.done();
    // The process ends now: freeing every document and row one by one would only delay it.
    std::mem::forget(plan);
    std::mem::forget((rows, found));
    Ok(ExitCode::SUCCESS)
}

/// The ids of the versions of every story with several.
fn members(rows: &[Label]) -> HashSet<String> {
    let mut size: HashMap<&str, usize> = HashMap::new();
    for r in rows {
        *size.entry(&r.cluster).or_default() += 1;
    }
    rows.iter()
        .filter(|r| size[r.cluster.as_str()] > 1)
        .map(|r| r.id.clone())
        .collect()
}

/// The documents `ids` as a dedup run knows them (headline, outlet and date, no text), and
/// where each is in the inputs.
fn versions_known(
    d: &dedup::Dedup,
    ids: &HashSet<String>,
) -> (HashMap<String, Document>, HashMap<String, Place>) {
    let mut docs = HashMap::new();
    let mut places = HashMap::new();
    for info in d.corpus.docs.iter().filter(|i| ids.contains(&i.id)) {
        places.insert(info.id.clone(), (info.input, info.line));
        docs.insert(
            info.id.clone(),
            Document {
                id: info.id.clone(),
                text: String::new(),
                title: info.title.clone(),
                source: info.source.map(|s| d.corpus.sources[s as usize].clone()),
                date: info.date,
                url: None,
                unreadable_date: None,
            },
        );
    }
    (docs, places)
}
