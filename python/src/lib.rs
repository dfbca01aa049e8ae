//! The Rust core of the `wiretrace` Python package: `dedup` over files in process, with the
//! command line's own options (parsed by the same definitions, so the same names, defaults,
//! checks and messages) and the command line's own pipeline, so a Python run and a `wiretrace
//! dedup` run of one corpus give the same rows.

mod spark;

use clap::Parser;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use wiretrace::cli::{Cli, Command};
use wiretrace::table::{self, Format, TableWriter};
use wiretrace::{dedup, input::Input, output, Error};

fn py_err(e: Error) -> PyErr {
    match e {
        Error::Io { .. } => PyOSError::new_err(e.to_string()),
        e => PyValueError::new_err(e.to_string()),
    }
}

/// Runs `wiretrace dedup` on `inputs` (paths of any kind the command line reads) with the
/// command line's `options` (`["--threshold", "0.2"]`), writing the rows to `rows` as
/// Parquet. Returns (documents, stories, duplicates). The GIL is released meanwhile.
#[pyfunction]
#[pyo3(signature = (inputs, rows, options))]
fn dedup_files(
    py: Python<'_>,
    inputs: Vec<String>,
    rows: String,
    options: Vec<String>,
) -> PyResult<(usize, usize, usize)> {
    let argv = ["wiretrace", "dedup"]
        .into_iter()
        .map(String::from)
        .chain(options)
        .chain(inputs);
    let cli = Cli::try_parse_from(argv).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let Command::Dedup(args) = cli.command else {
        unreachable!("parsed as dedup")
    };
    let opts = args.options().map_err(py_err)?;
    wiretrace::input::set_max_record_bytes(args.common.max_record_bytes);
    py.detach(|| {
        let inputs = Input::resolve_all(&args.inputs)?;
        let path = std::path::PathBuf::from(&rows);
        let mut sink = output::Sink::open(Some(&path))?;
        let d = dedup::run(&inputs, &opts, |_| {})?;
        TableWriter::new(Format::Parquet, table::ROWS, &mut sink)
            .and_then(|mut w| {
                output::write_rows(&d, &mut w)?;
                w.finish()
            })
            .map_err(|e| Error::io(&path, e))?;
        output::commit(vec![sink.stage()?])?;
        Ok((d.stats.documents, d.stats.stories, d.stats.duplicates))
    })
    .map_err(py_err)
}

/// The Rust core of the `wiretrace` package.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dedup_files, m)?)?;
    spark::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
