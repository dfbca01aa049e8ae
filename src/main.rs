//! The `wiretrace` binary: parse arguments, call the library, print one clear message on error.

use anyhow::Context;
use clap::Parser;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use wiretrace::cli::{
    CheckArgs, CheckFormat, Cli, Command, Common, DedupArgs, DiffArgs, DiffFormat, EvalArgs,
    EvalFormat, IndexAddArgs, IndexCommand, IndexCompactArgs, IndexRemoveArgs, IndexStatsArgs,
    ReportArgs, StoryArgs,
};
use wiretrace::{dedup, eval, input::Input, output};

/// Progress and summaries on stderr. A closed or full stderr loses them, never the run.
macro_rules! note {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

/// Data on stdout, with write errors (a full disk, a closed pipe) returned, never a panic.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($t)*)
            .map_err(|e| wiretrace::Error::io("<stdout>", e))
    }};
}

fn main() -> ExitCode {
    // First, before any thread starts: Ctrl-C, kill and hang-up are then handled by one
    // thread that knows whether the run has committed (see `interrupt`).
    wiretrace::interrupt::install();
    let cli = Cli::parse();
    // A closed stdout ends a plain data command quietly (`wiretrace dedup … | head`); a
    // command whose exit status is a verdict, or that commits files, says what happened.
    let epipe_is_end = match &cli.command {
        Command::Dedup(a) => a.keep.is_none(),
        Command::Check(_) => false,
        _ => true,
    };
    let result = match cli.command {
        Command::Dedup(a) => run_dedup(*a),
        Command::Diff(a) => run_diff(a),
        Command::Story(a) => run_story(a),
        Command::Report(a) => run_report(a),
        Command::Eval(a) => run_eval(a),
        Command::Index(a) => match a.command {
            IndexCommand::Add(a) => run_index_add(a),
            IndexCommand::Stats(a) => run_index_stats(a),
            IndexCommand::Remove(a) => run_index_remove(a),
            IndexCommand::Compact(a) => run_index_compact(a),
        },
        Command::Check(a) => run_check(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if epipe_is_end && is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            note!(
                "wiretrace: {}",
                wiretrace::escape::terminal(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}

/// True when the error is a write to a pipe whose reader went away.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<wiretrace::Error>()
                .is_some_and(wiretrace::Error::is_broken_pipe)
    })
}

fn setup(common: &Common) -> anyhow::Result<()> {
    wiretrace::input::set_max_record_bytes(common.max_record_bytes);
    if let Some(n) = common.threads {
        anyhow::ensure!(n >= 1, "--threads must be at least 1");
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot start the worker threads")?;
    }
    Ok(())
}

fn run_dedup(a: DedupArgs) -> anyhow::Result<ExitCode> {
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
    let bar = (!a.common.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .expect("valid template"),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    });
    let d = dedup::run(&inputs, &opts, |n| {
        if let Some(b) = &bar {
            b.set_message(format!("{n} documents read"));
        }
    })?;
    if let Some(b) = &bar {
        b.set_message("writing");
    }
    let mut sink = rows_sink;
    let rows_name = sink.name();
    output::write_rows(&d, &mut sink).map_err(|e| wiretrace::Error::io(rows_name, e))?;
    let mut staged = vec![sink.stage()?];
    let kept = match keep {
        Some(target) => {
            let (n, files) = output::write_kept(&d, &inputs, target)?;
            staged.extend(files);
            Some(n)
        }
        None => None,
    };
    // The rows and the kept corpus belong together: both are moved into place, or neither.
    output::commit(staged)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
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
    if s.empty > 0 {
        note!("  empty texts left out of clustering: {}", s.empty);
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
        "  candidate pairs {}, verified {}",
        s.candidates,
        s.verified
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

fn run_eval(a: EvalArgs) -> anyhow::Result<ExitCode> {
    setup(&a.common)?;
    let truth = eval::read_labels(&a.truth)?;
    let pred = eval::read_labels(&a.clusters)?;
    let s = eval::score(&truth, &pred);
    match a.format {
        EvalFormat::Table => out!("{s}")?,
        EvalFormat::Json => out!("{}", serde_json::to_string_pretty(&s)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn run_diff(a: DiffArgs) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    use wiretrace::diff::{self, Version};
    setup(&a.common)?;
    if let Some(o) = &a.output {
        let mut read: Vec<Input> = Input::resolve_all(&a.corpus)?;
        if a.corpus.is_empty() {
            read.extend(a.a.iter().chain(&a.b).map(|p| Input::File(p.into())));
        }
        read.extend(a.pairs.iter().map(|p| Input::File(p.clone())));
        output::refuse_overwriting(&read, &[("-o", o.as_path())])?;
    }
    let fields = a.fields.fields();
    // The pairs to compare, as ids (or file paths when there is no corpus).
    let pairs: Vec<(String, String)> = match &a.pairs {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(n, l)| {
                    #[derive(serde::Deserialize)]
                    struct Row {
                        a: Option<Box<serde_json::value::RawValue>>,
                        b: Option<Box<serde_json::value::RawValue>>,
                    }
                    let place = format!("{}:{}", path.display(), n + 1);
                    let v: Row = serde_json::from_str(l).with_context(|| {
                        format!("{place}: not JSON; rows are {{\"a\": ID, \"b\": ID}}")
                    })?;
                    let id = |r: &Option<Box<serde_json::value::RawValue>>| {
                        r.as_ref()
                            .and_then(|r| wiretrace::doc::id_text(r.get()).ok().flatten())
                    };
                    match (id(&v.a), id(&v.b)) {
                        (Some(x), Some(y)) => Ok((x, y)),
                        _ => anyhow::bail!("{place}: a row needs \"a\" and \"b\" ids"),
                    }
                })
                .collect::<anyhow::Result<_>>()?
        }
        None => vec![(
            a.a.clone().expect("clap requires a"),
            a.b.clone().expect("clap requires b"),
        )],
    };
    let found = if a.corpus.is_empty() {
        let mut m = std::collections::HashMap::new();
        for path in pairs.iter().flat_map(|(x, y)| [x, y]) {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("cannot read {path}: without --corpus, A and B are text files")
            })?;
            m.insert(
                path.clone(),
                wiretrace::doc::parse_text_file(path.clone(), &text),
            );
        }
        wiretrace::lookup::Found {
            docs: m,
            ..Default::default()
        }
    } else {
        let inputs = Input::resolve_all(&a.corpus)?;
        let ids = pairs
            .iter()
            .flat_map(|(x, y)| [x.clone(), y.clone()])
            .collect();
        wiretrace::lookup::find(&inputs, &fields, &ids)?
    };
    let color = a.format == DiffFormat::Text
        && a.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut sink = output::Sink::open(a.output.as_deref())?;
    for (x, y) in &pairs {
        let (docs, furniture) = (&found.docs, &found.furniture);
        let report = diff::diff_with(Version::of(&docs[x]), Version::of(&docs[y]), furniture);
        match a.format {
            DiffFormat::Json => {
                serde_json::to_writer(&mut sink, &report)?;
                writeln!(sink)?;
            }
            DiffFormat::Text => {
                diff::write_text(&report, color, &mut sink)?;
                writeln!(sink)?;
            }
        }
    }
    sink.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Clustering rows: read from `clusters`, or from a dedup run over `inputs` now.
fn rows(
    inputs: &[Input],
    fields: &wiretrace::doc::Fields,
    clusters: Option<&std::path::Path>,
) -> anyhow::Result<Vec<eval::Label>> {
    Ok(match clusters {
        Some(path) => eval::read_labels(path)?,
        None => {
            let opts = dedup::Options {
                fields: fields.clone(),
                ..Default::default()
            };
            wiretrace::story::rows_of(&dedup::run(inputs, &opts, |_| {})?)
        }
    })
}

fn run_report(a: ReportArgs) -> anyhow::Result<ExitCode> {
    use std::collections::HashMap;
    setup(&a.common)?;
    let inputs = Input::resolve_all(&a.inputs)?;
    output::refuse_overwriting(
        &inputs,
        &[("-o", a.output.as_deref().unwrap_or(Path::new("-")))],
    )?;
    let sink = output::Sink::open(a.output.as_deref())?;
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

fn run_story(a: StoryArgs) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    setup(&a.common)?;
    let inputs = Input::resolve_all(&a.corpus)?;
    let fields = a.fields.fields();
    let rows = rows(&inputs, &fields, a.clusters.as_deref())?;
    let members = wiretrace::story::members(&a.id, &rows);
    anyhow::ensure!(
        !members.is_empty(),
        "no document with id {} in the clustering rows; check the id",
        wiretrace::escape::terminal(&format!("{:?}", a.id))
    );
    let found = wiretrace::lookup::find(&inputs, &fields, &members.into_iter().collect())?;
    let tree = wiretrace::story::tree(&a.id, &rows, &found)
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}",
                a.clusters
                    .as_deref()
                    .unwrap_or(Path::new("the rows"))
                    .display()
            )
        })?
        .expect("the id is in the rows");
    let mut out = std::io::BufWriter::new(std::io::stdout());
    wiretrace::story::write_tree(&tree, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn timings(t: &[(&'static str, std::time::Duration)]) -> String {
    t.iter()
        .map(|(n, t)| format!("{n} {:.2}s", t.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_invalid(invalid: &[dedup::Invalid]) {
    if !invalid.is_empty() {
        note!("  invalid records left out: {}", invalid.len());
        for inv in invalid.iter().take(10) {
            note!("    {}: {}", inv.place, inv.reason);
        }
    }
}

fn run_index_add(a: IndexAddArgs) -> anyhow::Result<ExitCode> {
    setup(&a.common)?;
    let start = Instant::now();
    let inputs = Input::resolve_all(&a.inputs)?;
    output::refuse_overwriting(&inputs, &[("--index", a.index.as_path())])?;
    let requested = a.requested()?;
    let r = wiretrace::index::add(
        &a.index,
        &inputs,
        requested.as_ref(),
        &a.base(),
        std::time::Duration::from_secs(a.wait),
        |_| {},
    )?;
    if matches!(a.format, EvalFormat::Json) {
        out!("{}", serde_json::to_string(&r)?)?;
    }
    if !a.common.quiet {
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        note!(
            "wiretrace: added {} documents to {} ({} already indexed, skipped; {} joined indexed stories, {} new stories); {} documents in the index",
            r.added,
            a.index.display(),
            r.skipped,
            r.joined,
            r.new_stories,
            r.documents
        );
        print_invalid(&r.invalid);
        note!(
            "  wall {secs:.2}s, {:.0} docs/s ({})",
            r.read as f64 / secs,
            timings(&r.timings)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_index_stats(a: IndexStatsArgs) -> anyhow::Result<ExitCode> {
    setup(&a.common)?;
    let s = wiretrace::index::Index::open(&a.index)?.stats()?;
    match a.format {
        EvalFormat::Json => out!("{}", serde_json::to_string_pretty(&s)?)?,
        EvalFormat::Table => {
            let p = &s.params;
            out!("index        {}", s.path.display())?;
            out!("documents    {}", s.documents)?;
            out!("stories      {}", s.stories)?;
            out!("removed      {}", s.removed)?;
            out!(
                "size         {:.1} MB ({:.0} bytes per document, {} bucket pages in {} segments)",
                s.size_bytes as f64 / 1e6,
                s.bytes_per_document,
                s.pages,
                s.segments
            )?;
            out!(
                "parameters   {}, sample 1/{}, {} permutations ({}, seed {:#x}), LSH {} bands × {} rows (threshold {}), stored sample 1/{}, format {}",
                p.shingle,
                1u32 << p.sample,
                p.num_perm,
                p.scheme,
                p.seed,
                p.bands,
                p.rows,
                p.threshold,
                1u32 << p.keep_bits,
                p.format
            )?;
            out!(
                "normalize    markup {}, nfkc {}, case fold {}, punctuation {}",
                p.markup,
                p.nfkc,
                p.case_fold,
                p.punctuation
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_index_remove(a: IndexRemoveArgs) -> anyhow::Result<ExitCode> {
    setup(&a.common)?;
    let text = if a.ids.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read ids from stdin")?
    } else {
        std::fs::read_to_string(&a.ids).map_err(|e| wiretrace::Error::io(&a.ids, e))?
    };
    let ids = wiretrace::index::read_ids(&text)
        .map_err(|(line, why)| anyhow::anyhow!("{}:{line}: {why}", a.ids.display()))?;
    let (removed, missing) =
        wiretrace::index::remove(&a.index, &ids, std::time::Duration::from_secs(a.wait))?;
    if !a.common.quiet {
        note!(
            "wiretrace: removed {removed} documents from {}; {} ids were not in the index{}",
            a.index.display(),
            missing.len(),
            if missing.is_empty() {
                String::new()
            } else {
                format!(" (first: {:?})", missing[0])
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_index_compact(a: IndexCompactArgs) -> anyhow::Result<ExitCode> {
    setup(&a.common)?;
    let start = Instant::now();
    let (before, after) =
        wiretrace::index::compact(&a.index, std::time::Duration::from_secs(a.wait))?;
    if !a.common.quiet {
        note!(
            "wiretrace: {} bucket segments of {} merged into {after} in {:.2}s",
            before,
            a.index.display(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_check(a: CheckArgs) -> anyhow::Result<ExitCode> {
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
