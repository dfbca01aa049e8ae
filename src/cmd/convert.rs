//! `wiretrace convert`: every document as the pipeline reads it, to inspect an extraction or
//! feed other tools.

use super::{print_invalid, setup, Outcome};
use std::path::Path;
use std::process::ExitCode;
use wiretrace::cli::ConvertArgs;
use wiretrace::table::{self, Format, TableWriter};
use wiretrace::{input::Input, output};

/// Runs `wiretrace convert`.
pub fn run(a: ConvertArgs) -> Outcome {
    setup(&a.common)?;
    let inputs = Input::resolve_all(&a.inputs)?;
    output::refuse_overwriting(
        &inputs,
        &[("-o", a.output.as_deref().unwrap_or(Path::new("-")))],
    )?;
    let mut sink = output::Sink::open(a.output.as_deref())?;
    let name = sink.name();
    let format = Format::choose(a.format, a.output.as_deref());
    let mut table = TableWriter::new(format, table::DOCUMENTS, &mut sink)
        .map_err(|e| wiretrace::Error::io(&name, e))?;
    let done = output::write_documents(&inputs, &a.fields.fields(), a.skip_invalid, &mut table)
        .map_err(|e| match e {
            wiretrace::Error::Io { error, .. } => wiretrace::Error::io(&name, error),
            e => e,
        })?;
    table.finish().map_err(|e| wiretrace::Error::io(&name, e))?;
    sink.finish()?;
    if !a.common.quiet {
        note!("wiretrace: {} documents", done.documents);
        if !done.skipped.is_empty() {
            let kinds: Vec<String> = done
                .skipped
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            note!(
                "  records that are not documents, passed over: {}",
                kinds.join(", ")
            );
        }
        print_invalid(&done.invalid);
    }
    Ok(ExitCode::SUCCESS)
}
