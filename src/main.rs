//! The `wiretrace` binary: parse arguments, run the subcommand (one module each under `cmd`),
//! print one clear message on error.

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

mod cmd;

use clap::Parser;
use std::process::ExitCode;
use wiretrace::cli::{Cli, Command, IndexCommand};

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
        Command::Dedup(a) => cmd::dedup::run(*a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Story(a) => cmd::story::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Convert(a) => cmd::convert::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Index(a) => match a.command {
            IndexCommand::Add(a) => cmd::index::add(*a),
            IndexCommand::Stats(a) => cmd::index::stats(a),
            IndexCommand::Remove(a) => cmd::index::remove(a),
            IndexCommand::Compact(a) => cmd::index::compact(a),
        },
        Command::Check(a) => cmd::check::run(a),
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
