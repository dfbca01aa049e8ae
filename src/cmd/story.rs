//! `wiretrace story`: one story's lineage as a tree.

use super::{setup, Outcome};
use std::path::Path;
use std::process::ExitCode;
use wiretrace::cli::StoryArgs;
use wiretrace::{dedup, eval, input::Input};

/// Runs `wiretrace story`.
pub fn run(a: StoryArgs) -> Outcome {
    use std::io::Write;
    setup(&a.common)?;
    let mut inputs = Input::resolve_all(&a.corpus)?;
    // Read twice (stories, then their versions' texts): stdin is spooled once.
    let _spool = super::spool_stdin_among(&mut inputs)?;
    let fields = a.fields.fields();
    let rows = rows(&inputs, &fields, a.clusters.as_deref(), |_| {})?;
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

/// Clustering rows: read from `clusters`, or from a dedup run over `inputs` now.
pub fn rows(
    inputs: &[Input],
    fields: &wiretrace::doc::Fields,
    clusters: Option<&std::path::Path>,
    progress: impl FnMut(usize) + Send,
) -> anyhow::Result<Vec<eval::Label>> {
    Ok(match clusters {
        Some(path) => eval::read_labels(path)?,
        None => {
            let opts = dedup::Options {
                fields: fields.clone(),
                ..Default::default()
            };
            wiretrace::story::rows_of(&dedup::run(inputs, &opts, progress)?)
        }
    })
}
