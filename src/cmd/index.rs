//! `wiretrace index add|stats|remove|compact`: the persistent index of an archive.

use super::{print_invalid, setup, timings, Outcome};
use anyhow::Context;
use std::process::ExitCode;
use std::time::Instant;
use wiretrace::cli::{EvalFormat, IndexAddArgs, IndexCompactArgs, IndexRemoveArgs, IndexStatsArgs};
use wiretrace::{input::Input, output};

/// Runs `wiretrace index add`.
pub fn add(a: IndexAddArgs) -> Outcome {
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

/// Runs `wiretrace index stats`.
pub fn stats(a: IndexStatsArgs) -> Outcome {
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

/// Runs `wiretrace index remove`.
pub fn remove(a: IndexRemoveArgs) -> Outcome {
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

/// Runs `wiretrace index compact`.
pub fn compact(a: IndexCompactArgs) -> Outcome {
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
