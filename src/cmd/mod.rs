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

/// For commands that read their inputs twice (clustering, then the versions they show):
/// stdin among `inputs`, named once at most, is copied to a temporary file and read from
/// there. Keep the returned spool alive while the inputs are read.
pub fn spool_stdin_among(
    inputs: &mut [wiretrace::input::Input],
) -> anyhow::Result<Option<wiretrace::input::Spool>> {
    let mut at = inputs
        .iter()
        .enumerate()
        .filter(|(_, i)| **i == wiretrace::input::Input::Stdin);
    let Some((pos, _)) = at.next() else {
        return Ok(None);
    };
    anyhow::ensure!(
        at.next().is_none(),
        "stdin (-) can be read only once; name it once among the inputs"
    );
    let (spool, file) = wiretrace::input::spool_stdin()?;
    inputs[pos] = file;
    Ok(Some(spool))
}

/// A spinner on stderr saying what a long command is doing, when stderr is a terminal and
/// the command is not `--quiet` (else nothing: logs get no control characters).
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// Starts the spinner.
    pub fn start(quiet: bool) -> Self {
        use std::io::IsTerminal;
        Progress((!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .expect("valid template"),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        }))
    }

    /// Shows what is being done now.
    pub fn say(&self, what: &str) {
        if let Some(b) = &self.0 {
            b.set_message(what.to_string());
        }
    }

    /// Clears the spinner.
    pub fn done(self) {
        if let Some(b) = self.0 {
            b.finish_and_clear();
        }
    }
}
