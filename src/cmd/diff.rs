//! `wiretrace diff`: how version B differs from version A, for pairs of ids or files.

use super::{setup, Outcome};
use anyhow::Context;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use wiretrace::cli::{DiffArgs, DiffFormat};
use wiretrace::{input::Input, output};

/// Runs `wiretrace diff`.
pub fn run(a: DiffArgs) -> Outcome {
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
    let mut inputs = Input::resolve_all(&a.corpus)?;
    // Read twice (the pairs' texts, then every set for the similarity): stdin is spooled once.
    let _spool = super::spool_stdin_among(&mut inputs)?;
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
    // With a corpus, a pair's similarity is its rows' own: the shingle sets with the corpus's
    // boilerplate discounted, as `dedup` reads them (the diff alone sees only two texts).
    let discounted = if a.corpus.is_empty() {
        None
    } else {
        let opts = wiretrace::dedup::Options {
            fields: fields.clone(),
            skip_invalid: true,
            ..Default::default()
        };
        let corpus = wiretrace::dedup::discounted_corpus(&inputs, &opts)?;
        let mut at: HashMap<String, usize> = HashMap::new();
        for (i, d) in corpus.docs.iter().enumerate() {
            at.entry(d.id.clone()).or_insert(i);
        }
        Some((corpus, at))
    };
    let mut sink = output::Sink::open(a.output.as_deref())?;
    for (x, y) in &pairs {
        let (docs, furniture) = (&found.docs, &found.furniture);
        let known = discounted.as_ref().and_then(|(corpus, at)| {
            let (i, j) = (*at.get(x)?, *at.get(y)?);
            let s = wiretrace::verify::Similarity::of(corpus.set(i), corpus.set(j));
            Some(output::shown_similarity(s.containment))
        });
        // Prepared side by side: each has a sequential part (finding its paragraphs).
        let (pa, pb) = rayon::join(
            || diff::Prepared::new(Version::of(&docs[x]), furniture),
            || diff::Prepared::new(Version::of(&docs[y]), furniture),
        );
        let report = match known {
            Some(s) => diff::diff_prepared_with_similarity(&pa, &pb, s),
            None => diff::diff_prepared(&pa, &pb),
        };
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
