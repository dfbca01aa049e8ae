//! `wiretrace report`: the self-contained HTML report of a corpus's stories.

use super::{setup, story::rows, Outcome};
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;
use wiretrace::cli::ReportArgs;
use wiretrace::{input::Input, output};

/// Runs `wiretrace report`.
pub fn run(a: ReportArgs) -> Outcome {
    use std::collections::HashMap;
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
    let rows = rows(&inputs, &fields, a.clusters.as_deref())?;
    let mut size: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *size.entry(&r.cluster).or_default() += 1;
    }
    let ids = rows
        .iter()
        .filter(|r| size[r.cluster.as_str()] > 1)
        .map(|r| r.id.clone())
        .collect();
    let found = wiretrace::lookup::find(&inputs, &fields, &ids)?;
    let mut sink = sink;
    wiretrace::report::write(&rows, &found, &mut sink).context("cannot write the report")?;
    sink.finish()?;
    Ok(ExitCode::SUCCESS)
}
