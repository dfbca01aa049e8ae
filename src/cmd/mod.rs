//! One module per subcommand (xsv's layout): each `run()` turns the resolved arguments into
//! library calls and output. What they share is here: how they write to stdout and stderr,
//! the worker threads, and the summary lines.

pub mod check;
pub mod convert;
pub mod dedup;
pub mod diff;
pub mod eval;
pub mod index;
pub mod report;
pub mod story;

use anyhow::Context;
use std::process::ExitCode;
use wiretrace::cli::Common;

/// What a subcommand returns: its exit status, or an error for `main` to print (exit 2).
pub type Outcome = anyhow::Result<ExitCode>;

/// Applies the options every command shares: the record cap and the worker threads.
pub fn setup(common: &Common) -> anyhow::Result<()> {
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

/// Stage timings as `name 0.12s, …`.
pub fn timings(t: &[(&'static str, std::time::Duration)]) -> String {
    t.iter()
        .map(|(n, t)| format!("{n} {:.2}s", t.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Names the records left out with `--skip-invalid` (the first ten).
pub fn print_invalid(invalid: &[wiretrace::dedup::Invalid]) {
    if !invalid.is_empty() {
        note!("  invalid records left out: {}", invalid.len());
        for inv in invalid.iter().take(10) {
            note!("    {}: {}", inv.place, inv.reason);
        }
    }
}
