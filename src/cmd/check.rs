//! `wiretrace check`: a batch against an index and itself, with a verdict to gate on.

use super::{print_invalid, setup, timings, Outcome};
use anyhow::Context;
use std::process::ExitCode;
use std::time::Instant;
use wiretrace::cli::{CheckArgs, CheckFormat};
use wiretrace::{dedup, input::Input, output};

/// Runs `wiretrace check`; exit 1 when the batch is over its duplicate budget.
pub fn run(a: CheckArgs) -> Outcome {
    setup(&a.common)?;
    anyhow::ensure!(
        (0.0..=1.0).contains(&a.max_dup_rate),
        "--max-dup-rate {}: give a share between 0 and 1 (0.05 allows 5% duplicates)",
        a.max_dup_rate
    );
    let start = Instant::now();
    let inputs = Input::resolve_all(&a.inputs)?;
    let mut outputs = vec![("--index", a.index.as_path())];
    outputs.extend(a.output.as_deref().map(|p| ("-o", p)));
    output::refuse_overwriting(&inputs, &outputs)?;
    let sink = output::Sink::open(a.output.as_deref())?;
    let index = wiretrace::index::Index::open(&a.index)?;
    let base = dedup::Options {
        fields: a.fields.fields(),
        skip_invalid: a.skip_invalid,
        ..wiretrace::index::base_options()
    };
    let (probe, invalid) = index.probe(&inputs, &base, |_| {})?;
    let report = wiretrace::check::CheckReport::new(&probe, &inputs, &invalid, a.max_dup_rate);
    // The verdict is decided before the report is written, and a report that cannot be
    // written in full (`check … | head`) does not change it.
    let code = if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    let written = (|| -> wiretrace::Result<()> {
        let mut sink = sink;
        let name = sink.name();
        match a.format {
            CheckFormat::Text => report.write_text(&mut sink),
            CheckFormat::Json => report.write_json(&mut sink),
            CheckFormat::Markdown => report.write_markdown(&mut sink),
            CheckFormat::Github => report.write_github(&mut sink),
        }
        .map_err(|e| wiretrace::Error::io(name, e))?;
        sink.finish()
    })();
    match written {
        Err(e) if e.is_broken_pipe() => {}
        other => other.context("cannot write the report")?,
    }
    if !a.common.quiet {
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        note!(
            "wiretrace: checked {} documents against {}: {} duplicates ({:.2}%), {}",
            report.documents,
            a.index.display(),
            report.duplicates,
            100.0 * report.rate,
            if report.passed { "pass" } else { "FAIL" }
        );
        print_invalid(&invalid);
        note!(
            "  {} candidate pairs from the index; wall {secs:.2}s, {:.0} docs/s ({})",
            probe.candidates,
            report.documents as f64 / secs,
            timings(&probe.dedup.stats.timings)
        );
    }
    // The process ends here: freeing the batch's sets and the report piece by piece took
    // some 20 ms at 20,000 documents (the system takes the memory back at once).
    std::mem::forget((probe, report));
    Ok(code)
}
