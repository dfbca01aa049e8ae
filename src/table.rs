//! Rows and documents as tables: JSON Lines (wiretrace's own form), CSV, TSV or Parquet, for
//! users who join the rows back to their data in pandas, Polars or Spark. Every writer takes
//! the same JSON Lines the JSON form writes and re-encodes them, so the rows have one
//! definition whatever the format.

use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

/// A table format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON Lines.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// Apache Parquet (zstd-compressed columns).
    Parquet,
}

impl Format {
    /// The format `--format` names, else the one the output's extension names (`.csv`,
    /// `.tsv`, `.parquet`), else JSON Lines.
    pub fn choose(flag: Option<Format>, output: Option<&Path>) -> Format {
        flag.unwrap_or_else(|| {
            match output
                .and_then(|p| p.extension())
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("csv") => Format::Csv,
                Some("tsv") => Format::Tsv,
                Some("parquet") => Format::Parquet,
                _ => Format::Jsonl,
            }
        })
    }
}

/// A column of a table and its type.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The JSON key and column name.
    pub name: &'static str,
    /// Its type.
    pub kind: ColumnKind,
}

/// The types a column can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text (a JSON number in this column is kept as its text: ids may be numbers).
    Text,
    /// true or false.
    Bool,
    /// A number.
    Float,
}

const fn col(name: &'static str, kind: ColumnKind) -> Column {
    Column { name, kind }
}

/// The columns of `dedup`'s rows. `invalid` is set only on records left out as invalid, and
/// then only `id` beside it.
pub const ROWS: &[Column] = &[
    col("id", ColumnKind::Text),
    col("cluster", ColumnKind::Text),
    col("duplicate", ColumnKind::Bool),
    col("parent", ColumnKind::Text),
    col("similarity", ColumnKind::Float),
    col("empty", ColumnKind::Bool),
    col("junk", ColumnKind::Text),
    col("invalid", ColumnKind::Text),
];

/// The columns of `convert`'s documents.
pub const DOCUMENTS: &[Column] = &[
    col("id", ColumnKind::Text),
    col("url", ColumnKind::Text),
    col("source", ColumnKind::Text),
    col("date", ColumnKind::Text),
    col("title", ColumnKind::Text),
    col("text", ColumnKind::Text),
];

/// Rows decoded into one Parquet batch.
const PARQUET_BATCH: usize = 8192;

/// Writes JSON Lines given to it (through [`Write`], in any pieces) as a table. Call
/// [`TableWriter::finish`] at the end: a Parquet file is complete only then.
pub struct TableWriter<W: Write + Send> {
    inner: Inner<W>,
    /// Bytes after the last complete line seen.
    pending: Vec<u8>,
}

enum Inner<W: Write + Send> {
    Jsonl(W),
    Csv(csv::Writer<W>, &'static [Column], Vec<String>),
    Parquet(ArrowWriter<W>, arrow_json::reader::Decoder),
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl<W: Write + Send> TableWriter<W> {
    /// A writer of `format` with these columns (ignored for JSON Lines, which keeps every
    /// key) into `out`.
    pub fn new(format: Format, columns: &'static [Column], out: W) -> io::Result<Self> {
        let inner = match format {
            Format::Jsonl => Inner::Jsonl(out),
            Format::Csv | Format::Tsv => {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(if format == Format::Tsv { b'\t' } else { b',' })
                    .from_writer(out);
                w.write_record(columns.iter().map(|c| c.name))?;
                Inner::Csv(w, columns, Vec::new())
            }
            Format::Parquet => {
                let schema = Arc::new(Schema::new(
                    columns
                        .iter()
                        .map(|c| {
                            let t = match c.kind {
                                ColumnKind::Text => DataType::Utf8,
                                ColumnKind::Bool => DataType::Boolean,
                                ColumnKind::Float => DataType::Float64,
                            };
                            Field::new(c.name, t, true)
                        })
                        .collect::<Vec<_>>(),
                ));
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::default()))
                    .build();
                let w = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(other)?;
                let decoder = arrow_json::ReaderBuilder::new(schema)
                    .with_batch_size(PARQUET_BATCH)
                    .with_coerce_primitive(true)
                    .build_decoder()
                    .map_err(other)?;
                Inner::Parquet(w, decoder)
            }
        };
        Ok(TableWriter {
            inner,
            pending: Vec::new(),
        })
    }

    /// Writes complete JSON lines.
    fn lines(&mut self, mut lines: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Inner::Jsonl(w) => w.write_all(lines),
            Inner::Csv(w, columns, cells) => {
                for line in lines.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                    let obj: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_slice(line)?;
                    cells.clear();
                    cells.extend(columns.iter().map(|c| match obj.get(c.name) {
                        None | Some(serde_json::Value::Null) => String::new(),
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                    }));
                    w.write_record(cells.iter())?;
                }
                Ok(())
            }
            Inner::Parquet(w, decoder) => {
                while !lines.is_empty() {
                    let used = decoder.decode(lines).map_err(other)?;
                    lines = &lines[used..];
                    if used == 0 || decoder.len() >= PARQUET_BATCH {
                        if let Some(batch) = decoder.flush().map_err(other)? {
                            w.write(&batch).map_err(other)?;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// Writes what is left and completes the table, handing back the writer underneath.
    pub fn finish(mut self) -> io::Result<W> {
        let rest = std::mem::take(&mut self.pending);
        self.lines(&rest)?;
        match self.inner {
            Inner::Jsonl(w) => Ok(w),
            Inner::Csv(w, ..) => w.into_inner().map_err(|e| other(e.error())),
            Inner::Parquet(mut w, mut decoder) => {
                if let Some(batch) = decoder.flush().map_err(other)? {
                    w.write(&batch).map_err(other)?;
                }
                w.into_inner().map_err(other)
            }
        }
    }
}

impl<W: Write + Send> Write for TableWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Inner::Jsonl(w) = &mut self.inner {
            return w.write(buf);
        }
        match memchr::memrchr(b'\n', buf) {
            None => self.pending.extend_from_slice(buf),
            Some(end) => {
                if self.pending.is_empty() {
                    self.lines(&buf[..=end])?;
                } else {
                    let mut lines = std::mem::take(&mut self.pending);
                    lines.extend_from_slice(&buf[..=end]);
                    self.lines(&lines)?;
                }
                self.pending.extend_from_slice(&buf[end + 1..]);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Jsonl(w) => w.flush(),
            Inner::Csv(w, ..) => w.flush(),
            // A Parquet file is written whole at finish; nothing to flush before.
            Inner::Parquet(..) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = concat!(
        r#"{"id":"a","cluster":"a","duplicate":false,"parent":null,"similarity":null}"#,
        "\n",
        r#"{"id":7,"cluster":"a","duplicate":true,"parent":"a","similarity":0.8125}"#,
        "\n",
        r#"{"id":"x,\"y\"","invalid":"not JSON"}"#,
        "\n"
    );

    fn write(format: Format) -> Vec<u8> {
        let mut w = TableWriter::new(format, ROWS, Vec::new()).unwrap();
        // In awkward pieces, as a buffered writer may hand them over.
        for piece in LINES.as_bytes().chunks(7) {
            w.write_all(piece).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn csv_has_every_column_in_order() {
        assert_eq!(
            String::from_utf8(write(Format::Csv)).unwrap(),
            "id,cluster,duplicate,parent,similarity,empty,junk,invalid\n\
             a,a,false,,,,,\n\
             7,a,true,a,0.8125,,,\n\
             \"x,\"\"y\"\"\",,,,,,,not JSON\n"
        );
        assert_eq!(write(Format::Jsonl), LINES.as_bytes());
    }

    #[test]
    fn parquet_reads_back_as_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.parquet");
        std::fs::write(&path, write(Format::Parquet)).unwrap();
        let mut got = Vec::new();
        crate::readers::parquet::for_each_row(&path, "rows", 1 << 20, |_, json| {
            got.push(String::from_utf8(json.to_vec()).unwrap());
            Ok(())
        })
        .unwrap();
        assert_eq!(
            got,
            vec![
                r#"{"id":"a","cluster":"a","duplicate":false}"#,
                r#"{"id":"7","cluster":"a","duplicate":true,"parent":"a","similarity":0.8125}"#,
                r#"{"id":"x,\"y\"","invalid":"not JSON"}"#,
            ]
        );
    }

    #[test]
    fn the_extension_chooses_when_no_flag_does() {
        let f = |p: &str| Format::choose(None, Some(Path::new(p)));
        assert_eq!(f("rows.PARQUET"), Format::Parquet);
        assert_eq!(f("rows.tsv"), Format::Tsv);
        assert_eq!(f("rows.jsonl"), Format::Jsonl);
        assert_eq!(Format::choose(Some(Format::Csv), None), Format::Csv);
    }
}
