//! `wiretrace dedup`: cluster the inputs, write the rows and the kept corpus together.

use super::{setup, Outcome};
use std::process::ExitCode;
use std::time::Instant;
use wiretrace::cli::DedupArgs;
use wiretrace::table::{self, Format, TableWriter};
use wiretrace::{dedup, input::Input, output};

/// Runs `wiretrace dedup`.
pub fn run(a: DedupArgs) -> Outcome {
    setup(&a.common)?;
    let opts = a.options()?;
    let start = Instant::now();
    let mut inputs = Input::resolve_all(&a.inputs)?;
    if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
        anyhow::bail!("stdin (-) can be read only once; name it once among the inputs");
    }
    let mut outputs = vec![];
    outputs.extend(a.output.as_deref().map(|p| ("-o", p)));
    outputs.extend(a.keep.as_deref().map(|p| ("--keep", p)));
    output::refuse_overwriting(&inputs, &outputs)?;
    // Every output is ready before any work: a bad --keep fails now, not after the rows.
    let rows_sink = output::Sink::open(a.output.as_deref())?;
    let keep = match &a.keep {
        Some(path) => Some(output::KeepTarget::open(&inputs, path)?),
        None => None,
    };
    // --keep reads the input a second time: keep a copy of stdin for it.
    let mut _spooled = None;
    if keep.is_some() {
        if let Some(pos) = inputs.iter().position(|i| *i == Input::Stdin) {
            let (tmp, file) = wiretrace::input::spool_stdin()?;
            inputs[pos] = file;
            _spooled = Some(tmp);
        }
    }
    let progress = super::Progress::start(a.common.quiet);
    let d = dedup::run(&inputs, &opts, |n| {
        progress.say(&format!("{n} documents read"))
    })?;
    progress.say("writing");
    let mut sink = rows_sink;
    let rows_name = sink.name();
    let format = Format::choose(a.format, a.output.as_deref());
    TableWriter::new(format, table::ROWS, &mut sink)
        .and_then(|mut rows| {
            output::write_rows(&d, &mut rows)?;
            rows.finish()
        })
        .map_err(|e| wiretrace::Error::io(rows_name, e))?;
    let mut staged = vec![sink.stage()?];
    let kept = match keep {
        Some(target) => {
            let (n, files) = output::write_kept(&d, &inputs, &opts.fields, target)?;
            staged.extend(files);
            Some(n)
        }
        None => None,
    };
    // The rows and the kept corpus belong together: both are moved into place, or neither.
    output::commit(staged)?;
    progress.done();
    if !a.common.quiet {
        print_summary(&d, &opts, start.elapsed(), kept);
    }
    // The process ends here: freeing every document's id and the corpus's arrays one by one
    // would only delay the exit (the system takes the memory back at once).
    std::mem::forget(d);
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    d: &dedup::Dedup,
    opts: &dedup::Options,
    wall: std::time::Duration,
    kept: Option<usize>,
) {
    let s = &d.stats;
    let secs = wall.as_secs_f64().max(1e-9);
    let pct = 100.0 * s.duplicates as f64 / s.documents.max(1) as f64;
    note!(
        "wiretrace: {} documents, {} stories, {} duplicates ({pct:.1}%)",
        s.documents,
        s.stories,
        s.duplicates
    );
    if !d.invalid.is_empty() {
        note!("  invalid records left out: {}", d.invalid.len());
        for inv in d.invalid.iter().take(10) {
            note!("    {}: {}", inv.place, inv.reason);
        }
        if d.invalid.len() > 10 {
            note!("    … and {} more", d.invalid.len() - 10);
        }
    }
    if !s.skipped.is_empty() {
        let kinds: Vec<String> = s.skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
        note!(
            "  records that are not documents, passed over: {}",
            kinds.join(", ")
        );
    }
    if s.unreadable_dates > 0 {
        note!(
            "  dates no known form reads (those versions are undated): {}, first {}",
            s.unreadable_dates,
            s.unreadable_date_examples.join("; ")
        );
    }
    if s.empty > 0 {
        note!("  empty texts left out of clustering: {}", s.empty);
    }
    if !s.junk.is_empty() {
        let kinds: Vec<String> = s.junk.iter().map(|(k, n)| format!("{n} {k}")).collect();
        note!(
            "  pages without a story (junk), left out of clustering: {}",
            kinds.join(", ")
        );
    }
    if let Some(k) = kept {
        note!("  kept {k} versions ({:?} per story)", opts.keep_policy);
    }
    let b = s.bands.expect("set by the run");
    note!(
        "  parameters: {}, {} permutations ({:?}), LSH {} bands × {} rows (threshold {}), boilerplate df > {}, score ≥ {}, containment ≥ {}, shared ≥ {}",
        opts.shingle, opts.num_perm, opts.scheme, b.bands, b.rows, opts.threshold, s.boilerplate_df,
        opts.rule.min_score, opts.rule.min_containment, opts.rule.min_shared
    );
    note!(
        "  candidate pairs {}, verified {}, set apart as only site chrome {}",
        s.candidates,
        s.verified,
        s.chrome_pairs
    );
    let stages: Vec<String> = s
        .timings
        .iter()
        .map(|(n, t)| format!("{n} {:.2}s", t.as_secs_f64()))
        .collect();
    note!(
        "  wall {secs:.2}s, {:.1} MB/s, {:.0} docs/s ({})",
        s.bytes as f64 / 1e6 / secs,
        s.documents as f64 / secs,
        stages.join(", ")
    );
}
