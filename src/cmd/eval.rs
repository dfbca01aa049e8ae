//! `wiretrace eval`: score clustering rows against ground truth.

use super::{setup, Outcome};
use std::process::ExitCode;
use wiretrace::cli::{EvalArgs, EvalFormat};
use wiretrace::eval;

/// Runs `wiretrace eval`.
pub fn run(a: EvalArgs) -> Outcome {
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
