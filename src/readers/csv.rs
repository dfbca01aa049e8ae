//! CSV and TSV with a header row, as GDELT and media-monitoring exports come: each row
//! becomes a JSON object of its header's names, so the field names and their mapping
//! (`--text-field`, news-please's names, …) are the same as for JSON records. Quoted fields
//! may span lines; a row keeps the line it starts on for messages.

use std::io::{self, BufRead};

/// True when `head` starts with a header row: at least two names separated by `sep`, each a
/// plain identifier (letters, digits, `_`, `.`, `-`), which a story's first line is not.
pub fn header_separator(head: &[u8]) -> Option<u8> {
    let first = head.split(|&c| c == b'\n').next()?;
    let first = std::str::from_utf8(first).ok()?.trim_end_matches('\r');
    let sep = if first.contains('\t') { b'\t' } else { b',' };
    let names: Vec<&str> = first.split(sep as char).collect();
    let plain = |n: &str| {
        let n = n.trim().trim_matches('"');
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    (names.len() >= 2 && names.iter().all(|n| plain(n))).then_some(sep)
}

/// Reads rows and hands each, as a JSON object, with the line it starts on, to `row`.
pub fn for_each_row(
    r: &mut dyn BufRead,
    sep: u8,
    cap: usize,
    mut row: impl FnMut(u64, &[u8]) -> crate::Result<()>,
    place: impl Fn(u64) -> String,
) -> crate::Result<()> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .from_reader(r);
    let headers = rdr
        .byte_headers()
        .map_err(|e| bad(&place(1), e))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect::<Vec<_>>();
    let mut record = csv::ByteRecord::new();
    let mut json = Vec::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(bad(&place(line), e));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.as_slice().len() > cap {
            return Err(crate::Error::TooLong {
                place: place(line),
                cap,
            });
        }
        json.clear();
        let mut map = serde_json::Map::new();
        for (name, value) in headers.iter().zip(record.iter()) {
            let value = String::from_utf8_lossy(value);
            // Empty cells are absent fields, not empty strings (an empty date is no date).
            if !value.is_empty() {
                map.insert(name.clone(), serde_json::Value::String(value.into_owned()));
            }
        }
        serde_json::to_writer(&mut json, &map)
            .map_err(io::Error::from)
            .map_err(|e| crate::Error::io(place(line), e))?;
        row(line, &json)?;
    }
}

fn bad(place: &str, e: csv::Error) -> crate::Error {
    crate::Error::InvalidRecord {
        place: place.to_string(),
        reason: format!("not readable as CSV: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_told_from_stories() {
        assert_eq!(header_separator(b"id,title,text\n1,a,b"), Some(b','));
        assert_eq!(
            header_separator(b"GLOBALEVENTID\tSQLDATE\tSOURCEURL\n"),
            Some(b'\t')
        );
        assert_eq!(
            header_separator(b"The mayor, who spoke first, said\n"),
            None
        );
        assert_eq!(header_separator(b"date 2020-11-05 By Ann\n"), None);
    }

    #[test]
    fn rows_become_json_objects_with_their_lines() {
        let data =
            "id,text,date\n1,\"a story, with a comma\nand a second line\",2024-01-02\n2,plain,\n";
        let mut got = Vec::new();
        for_each_row(
            &mut data.as_bytes(),
            b',',
            1 << 20,
            |line, json| {
                got.push((line, String::from_utf8(json.to_vec()).unwrap()));
                Ok(())
            },
            |l| format!("f:{l}"),
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                (2, r#"{"date":"2024-01-02","id":"1","text":"a story, with a comma\nand a second line"}"#.to_string()),
                (4, r#"{"id":"2","text":"plain"}"#.to_string())
            ]
        );
    }
}
