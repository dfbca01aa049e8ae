//! Parquet, as Hugging Face news datasets (`cc_news`: title, text, domain, date, url) and
//! Spark jobs write it: each row becomes a JSON object of its column names, so field names
//! and their mapping (`--text-field`, `cc_news`'s `domain`, nested `article.body`) are the
//! same as for JSON records. Columns are decoded a batch of rows at a time by the Apache
//! Arrow reader and written as JSON by Arrow's own writer (timestamps as ISO 8601, nulls
//! left out), so every column type Parquet holds reads as its JSON counterpart.

use crate::error::{Error, Result};
use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::fs::File;
use std::path::Path;

/// The first (and last) bytes of a Parquet file.
pub const MAGIC: &[u8] = b"PAR1";

/// Rows decoded at a time: large enough that decoding runs column by column, small enough
/// that a batch of long texts stays a few megabytes.
const BATCH_ROWS: usize = 1024;

/// Reads every row of the Parquet file at `path` and hands each, as a JSON object, with its
/// 1-based row number, to `row`. A row longer than `cap` as JSON is an error.
pub fn for_each_row(
    path: &Path,
    name: &str,
    cap: usize,
    mut row: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).map_err(|e| Error::io(name, e))?;
    let damaged = |e: &dyn std::fmt::Display| Error::Corrupt {
        path: name.into(),
        reason: format!("not a readable Parquet file: {e}"),
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| damaged(&e))?
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| damaged(&e))?;
    let mut n = 0u64;
    let mut json = Vec::new();
    for batch in reader {
        let batch = instants_in_utc(batch.map_err(|e| damaged(&format!("after row {n}: {e}")))?);
        json.clear();
        write_json(&batch, &mut json).map_err(|e| {
            Error::Usage(format!(
                "{name}: rows {}-{}: a column has no JSON form ({e}); leave that column out of the file",
                n + 1,
                n + batch.num_rows() as u64
            ))
        })?;
        // Arrow's writer escapes line breaks inside strings, so each line is one row.
        for line in json.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            n += 1;
            if line.len() > cap {
                return Err(Error::TooLong {
                    place: format!("{name}: row {n}"),
                    cap,
                });
            }
            row(n, line)?;
        }
    }
    Ok(())
}

/// `batch` with its timestamp columns' named zones (`UTC`, `Europe/Berlin`) set to `+00:00`.
/// Parquet stores instants in UTC and the zone only says how to show them; Arrow's JSON
/// writer would need the whole zone database to show a named zone, and a date in UTC is the
/// same instant for provenance.
fn instants_in_utc(batch: RecordBatch) -> RecordBatch {
    use arrow_schema::DataType::Timestamp;
    let named = |t: &arrow_schema::DataType| matches!(t, Timestamp(_, Some(tz)) if !tz.starts_with(['+', '-']));
    let schema = batch.schema();
    if !schema.fields().iter().any(|f| named(f.data_type())) {
        return batch;
    }
    let (fields, columns): (Vec<_>, Vec<_>) = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| match f.data_type() {
            Timestamp(unit, Some(_)) if named(f.data_type()) => {
                let t = Timestamp(*unit, Some("+00:00".into()));
                let data = c.to_data().into_builder().data_type(t.clone()).build();
                let data = data.expect("a timestamp column with another zone is valid");
                (
                    f.as_ref().clone().with_data_type(t),
                    arrow_array::make_array(data),
                )
            }
            _ => (f.as_ref().clone(), c.clone()),
        })
        .unzip();
    RecordBatch::try_new(
        std::sync::Arc::new(arrow_schema::Schema::new(fields)),
        columns,
    )
    .expect("the same columns under the same names")
}

/// Writes the rows of `batch` as JSON Lines.
/// Appends every row of `batch` to `out` as a JSON object on a line of its own, as the
/// Parquet reader reads them (instants in a named zone shown in UTC): an engine that reads
/// tables itself hands its rows to the same field mapping.
pub fn batch_to_json_lines(
    batch: RecordBatch,
    out: &mut Vec<u8>,
) -> std::result::Result<(), String> {
    write_json(&instants_in_utc(batch), out)
}

fn write_json(batch: &RecordBatch, out: &mut Vec<u8>) -> std::result::Result<(), String> {
    let mut w = arrow_json::LineDelimitedWriter::new(out);
    w.write(batch).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn rows_become_json_objects_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.parquet");
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(vec![7, 8])) as ArrayRef),
            (
                "text",
                Arc::new(StringArray::from(vec![Some("one\ntwo"), None])) as ArrayRef,
            ),
        ])
        .unwrap();
        let f = File::create(&path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let mut got = Vec::new();
        for_each_row(&path, "news.parquet", 1 << 20, |n, json| {
            got.push((n, String::from_utf8(json.to_vec()).unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            got,
            vec![
                (1, r#"{"id":7,"text":"one\ntwo"}"#.to_string()),
                (2, r#"{"id":8}"#.to_string())
            ]
        );
        let err = for_each_row(&path, "news.parquet", 10, |_, _| Ok(())).unwrap_err();
        assert!(err.to_string().contains("row 1"), "{err}");
    }
}
