//! The kinds of record wiretrace reads, each turned into a [`Document`] by its own module:
//! JSON Lines records ([`crate::doc::parse_json`]), text stories
//! ([`crate::doc::parse_text_file`]), HTML pages ([`html`]) and WARC/WET records ([`warc`]).
//! [`crate::input`] frames the records of each kind (lines, whole files, WARC records) and
//! tags them; [`parse`] is the one place a tagged record becomes a document, for `dedup`,
//! `check`, `index add` and the commands that look documents up.

pub mod csv;
pub mod html;
pub mod json_values;
pub mod parquet;
pub mod warc;

use crate::doc::{self, Document, Fields};

/// How a record's bytes are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordKind {
    /// One JSON object (a line of JSON Lines).
    #[default]
    Json,
    /// A whole text file: one story, with an optional `date … By …` first line.
    Text,
    /// A whole HTML page.
    Html,
    /// A WARC response or resource of HTML, or a WET conversion.
    Warc,
}

impl RecordKind {
    /// True for kinds whose records are documents made by wiretrace (not the user's own
    /// records): `--keep` writes them as JSON documents instead of copying their bytes.
    pub fn is_converted(self) -> bool {
        matches!(self, RecordKind::Html | RecordKind::Warc)
    }
}

/// The document in record `raw` of kind `kind`. `fallback_id` names a record that has no id
/// of its own (`file:line`, or a story file's name).
pub fn parse(
    kind: RecordKind,
    raw: &[u8],
    fields: &Fields,
    fallback_id: impl FnOnce() -> String,
) -> Result<Document, String> {
    let mut d = match kind {
        RecordKind::Json => doc::parse_json(raw, fields, "")?,
        RecordKind::Text => {
            let text = std::str::from_utf8(raw).map_err(|e| {
                format!(
                    "not valid UTF-8 (byte {}); convert the file to UTF-8",
                    e.valid_up_to()
                )
            })?;
            doc::parse_text_file(String::new(), text.strip_prefix('\u{feff}').unwrap_or(text))
        }
        RecordKind::Html => html::document(raw, None, None)?,
        RecordKind::Warc => warc::Record::split(raw).document()?,
    };
    if d.id.is_empty() {
        d.id = fallback_id();
    }
    Ok(d)
}

/// A document as the JSON record `convert` and `--keep` write for converted records, its
/// fields in this order.
#[derive(serde::Serialize)]
pub struct DocumentRecord<'a> {
    id: &'a str,
    url: Option<&'a str>,
    source: Option<&'a str>,
    date: Option<String>,
    title: Option<&'a str>,
    text: &'a str,
}

/// The record of `d`.
pub fn to_json(d: &Document) -> DocumentRecord<'_> {
    DocumentRecord {
        id: &d.id,
        url: d.url.as_deref(),
        source: d.source.as_deref(),
        date: d.date.map(crate::date::format_rfc3339),
        title: d.title.as_deref(),
        text: &d.text,
    }
}
