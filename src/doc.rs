//! One story version as read from a dump, and the parsing of a JSON Lines record into it.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::fmt;

/// A story version: its text and what is known about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Unique id (from the record, else `file:line`).
    pub id: String,
    /// The body text.
    pub text: String,
    /// Headline, when known.
    pub title: Option<String>,
    /// Publishing outlet, when known.
    pub source: Option<String>,
    /// Publication time, seconds since the Unix epoch (see [`crate::date::parse`]).
    pub date: Option<i64>,
    /// Where it was published, when known.
    pub url: Option<String>,
    /// A date the record gave that no known form reads: the version is undated, and the
    /// run counts it and names the first few.
    pub unreadable_date: Option<String>,
}

/// The JSON keys that hold each field (`--id-field`, `--text-field`, …).
///
/// A field left at its default name also answers to the names of known dump layouts, so
/// they read without flags: news-please's `maintext`, `date_publish` and `source_domain`,
/// and Hugging Face `cc_news`'s `domain`. The default name wins when a record has both.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Key of the id (default `id`).
    pub id: String,
    /// Key of the text (default `text`).
    pub text: String,
    /// Key of the headline (default `title`).
    pub title: String,
    /// Key of the outlet (default `source`; without one, the URL's host is the outlet).
    pub source: String,
    /// Key of the publication date (default `date`).
    pub date: String,
    /// Key of the URL (default `url`).
    pub url: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
            title: "title".into(),
            source: "source".into(),
            date: "date".into(),
            url: "url".into(),
        }
    }
}

/// Other names of a field in known layouts, used while the field keeps its default name.
fn aliases(default: &str) -> &'static [&'static str] {
    match default {
        "text" => &["maintext"],
        "date" => &["date_publish"],
        "source" => &["source_domain", "domain"],
        _ => &[],
    }
}

impl Fields {
    /// The field names that are paths into nested objects (`article.body`).
    fn paths(&self) -> impl Iterator<Item = &str> {
        [
            &self.id,
            &self.text,
            &self.title,
            &self.source,
            &self.date,
            &self.url,
        ]
        .into_iter()
        .map(String::as_str)
        .filter(|n| n.contains('.'))
    }
}

/// `line` with the value at each dotted field name's path (`article.body`: key `body` of the
/// object under `article`; a number step indexes an array, `authors.0`) copied to a key of
/// that name at the top, unless a key of that very name is already there (CSV headers and
/// flat exports may hold dots). `None` when nothing is to be copied, or the line is not a
/// JSON object (the plain parse then says what is wrong).
fn lift_paths(line: &[u8], fields: &Fields) -> Option<Vec<u8>> {
    let mut obj: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line).ok()?;
    let mut lifted = false;
    for path in fields.paths() {
        if obj.contains_key(path) {
            continue;
        }
        let mut at = obj.get(path.split('.').next()?);
        for step in path.split('.').skip(1) {
            at = match at {
                Some(serde_json::Value::Object(m)) => m.get(step),
                Some(serde_json::Value::Array(a)) => {
                    step.parse().ok().and_then(|i: usize| a.get(i))
                }
                _ => None,
            };
        }
        if let Some(v) = at {
            obj.insert(path.to_string(), v.clone());
            lifted = true;
        }
    }
    lifted.then(|| serde_json::to_vec(&obj).expect("a JSON object serializes"))
}

/// Parses one JSON object into a [`Document`]. `fallback_id` is used when the record has no id.
/// Keys other than the known ones are ignored here (the `--keep` output copies the raw line).
pub fn parse_json(line: &[u8], fields: &Fields, fallback_id: &str) -> Result<Document, String> {
    // Nested field names take a second pass over the record; flat ones stream as they are.
    let lifted = match fields.paths().next() {
        Some(_) => lift_paths(line, fields),
        None => None,
    };
    let line = lifted.as_deref().unwrap_or(line);
    let mut de = serde_json::Deserializer::from_slice(line);
    let doc = RecordSeed { fields }
        .deserialize(&mut de)
        .map_err(|e| json_reason(&e))?;
    de.end().map_err(|e| json_reason(&e))?;
    let mut doc = doc.map_err(|e| e.to_string())?;
    if doc.id.is_empty() {
        doc.id = fallback_id.to_string();
    }
    Ok(doc)
}

fn json_reason(e: &serde_json::Error) -> String {
    // serde_json appends "at line 1 column N"; the line is ours to name, the column helps.
    let msg = e.to_string();
    match msg.rfind(" at line 1 column ") {
        Some(i) => format!("{} (column {})", &msg[..i], &msg[i + 18..]),
        None => msg,
    }
}

struct RecordSeed<'f> {
    fields: &'f Fields,
}

/// The outer `Result` is JSON syntax; the inner one is a semantic problem (missing text, a
/// field of the wrong type) that must not hide a later syntax error.
type Parsed = Result<Document, FieldError>;

#[derive(Debug)]
struct FieldError(String);
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Parsed;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_any(self)
    }
}

#[derive(Clone, Copy)]
enum Key {
    Id,
    Text,
    Title,
    Source,
    Date,
    Url,
    Other,
}

struct KeySeed<'f>(&'f Fields);
impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = (Key, bool);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(Key, bool), D::Error> {
        d.deserialize_str(self)
    }
}
impl Visitor<'_> for KeySeed<'_> {
    type Value = (Key, bool);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    /// The field a key holds, and whether it is an alias (a known layout's name).
    fn visit_str<E: de::Error>(self, k: &str) -> Result<(Key, bool), E> {
        let f = self.0;
        let named = [
            (Key::Id, &f.id, "id"),
            (Key::Text, &f.text, "text"),
            (Key::Title, &f.title, "title"),
            (Key::Source, &f.source, "source"),
            (Key::Date, &f.date, "date"),
            (Key::Url, &f.url, "url"),
        ];
        for (key, name, default) in named {
            if k == name {
                return Ok((key, false));
            }
            if name == default && aliases(default).contains(&k) {
                return Ok((key, true));
            }
        }
        Ok((Key::Other, false))
    }
}

/// Any JSON value, kept only when it is a string or a number (ids may be numbers).
enum Scalar {
    Str(String),
    Num(String),
    Null,
    Other(&'static str),
}

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Num(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Num(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Num(v.to_string()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
                Ok(Scalar::Other("a boolean"))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Scalar, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Scalar, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Parsed;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with a text field")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let mut doc = Document::default();
        let mut text = None;
        let mut problem = None;
        // Fields set from their own key, which an alias must not overwrite.
        let mut primary = [false; 6];
        while let Some((key, alias)) = map.next_key_seed(KeySeed(self.fields))? {
            let slot = key as usize;
            if matches!(key, Key::Other) || (alias && primary[slot]) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if !alias {
                primary[slot] = true;
            }
            if let Key::Id = key {
                // The id's exact text: a number id keeps every digit (`18446744073709551617`
                // is not `…552000`, and `1.0` is not `1`).
                let raw: &'de serde_json::value::RawValue = map.next_value()?;
                match id_text(raw.get()) {
                    Ok(Some(id)) => doc.id = id,
                    Ok(None) => {}
                    Err(what) => {
                        problem.get_or_insert(format!(
                            "field {:?} is {what}, expected a string or a number",
                            self.fields.id
                        ));
                    }
                }
                continue;
            }
            let value: Scalar = map.next_value()?;
            let name = match key {
                Key::Id => &self.fields.id,
                Key::Text => &self.fields.text,
                Key::Title => &self.fields.title,
                Key::Source => &self.fields.source,
                Key::Date => &self.fields.date,
                _ => &self.fields.url,
            };
            let s = match (key, value) {
                (_, Scalar::Null) => continue,
                (_, Scalar::Str(s)) | (Key::Id, Scalar::Num(s)) => s,
                (_, Scalar::Num(_)) => {
                    problem.get_or_insert(format!("field {name:?} is a number, expected a string"));
                    continue;
                }
                (_, Scalar::Other(what)) => {
                    problem.get_or_insert(format!("field {name:?} is {what}, expected a string"));
                    continue;
                }
            };
            match key {
                Key::Id => doc.id = s,
                Key::Text => text = Some(s),
                Key::Title => doc.title = Some(s),
                Key::Source => doc.source = Some(s),
                Key::Url => doc.url = Some(s),
                Key::Date => match crate::date::parse(&s) {
                    Some(t) => {
                        doc.date = Some(t);
                        doc.unreadable_date = None;
                    }
                    None => doc.unreadable_date = Some(s),
                },
                Key::Other => unreachable!("skipped above"),
            }
        }
        if let Some(p) = problem {
            return Ok(Err(FieldError(p)));
        }
        match text {
            Some(t) => {
                doc.text = t;
                // The outlet, where the record names none, is the URL's host.
                if doc.source.is_none() {
                    doc.source = doc.url.as_deref().and_then(crate::readers::warc::host);
                }
                Ok(Ok(doc))
            }
            None => Ok(Err(FieldError(format!(
                "no {:?} field (name another key with --text-field)",
                self.fields.text
            )))),
        }
    }
}

/// The id of a JSON record that cannot be parsed as a document (a field of the wrong type,
/// a missing text), when the record is still a JSON object with an id.
pub fn id_of(line: &[u8], fields: &Fields) -> Option<String> {
    let lifted = lift_paths(line, fields);
    let line = lifted.as_deref().unwrap_or(line);
    let map: std::collections::HashMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_slice(line).ok()?;
    id_text(map.get(&fields.id)?.get()).ok().flatten()
}

/// An id from the raw JSON of its value: a string's contents, a number's exact text, `None`
/// for null; anything else is named in the error.
pub fn id_text(raw: &str) -> Result<Option<String>, &'static str> {
    let raw = raw.trim();
    match raw.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(raw)
            .map(Some)
            .map_err(|_| "a malformed string"),
        Some(b'-' | b'0'..=b'9') => Ok(Some(raw.to_string())),
        Some(b'n') => Ok(None),
        Some(b't' | b'f') => Err("a boolean"),
        Some(b'[') => Err("an array"),
        _ => Err("an object"),
    }
}

/// Parses a text-folder story: an optional first line `date YYYY-MM-DD By Name` gives the date
/// and the author (kept as `source`); the rest is the text.
pub fn parse_text_file(id: String, content: &str) -> Document {
    let mut doc = Document {
        id,
        ..Default::default()
    };
    let (first, rest) = content.split_once('\n').unwrap_or((content, ""));
    let header = first
        .trim_end_matches('\r')
        .strip_prefix("date ")
        .and_then(|h| {
            let (day, author) = h.split_once(' ').unwrap_or((h, ""));
            let when = crate::date::parse(day)?;
            let author = author
                .trim()
                .strip_prefix("By ")
                .unwrap_or(author.trim())
                .trim();
            Some((when, author.to_string()))
        });
    match header {
        Some((when, author)) => {
            doc.date = Some(when);
            doc.source = (!author.is_empty()).then_some(author);
            doc.text = rest.to_string();
        }
        None => doc.text = content.to_string(),
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_are_paths_into_nested_records() {
        let f = Fields {
            id: "meta.id".into(),
            text: "article.body".into(),
            title: "article.headlines.0".into(),
            source: "a.b".into(),
            ..Fields::default()
        };
        let line = br#"{"meta":{"id":42},"article":{"body":"Hello","headlines":["H1","H2"]},"a.b":"flat wins","a":{"b":"nested"}}"#;
        let d = parse_json(line, &f, "f:1").unwrap();
        assert_eq!(d.id, "42");
        assert_eq!(d.text, "Hello");
        assert_eq!(d.title.as_deref(), Some("H1"));
        assert_eq!(d.source.as_deref(), Some("flat wins"));
        let err = parse_json(br#"{"article":{"text":"x"}}"#, &f, "f:1").unwrap_err();
        assert!(err.contains(r#"no "article.body" field"#), "{err}");
        assert_eq!(
            id_of(br#"{"meta":{"id":"m7"},"article":{"body":5}}"#, &f).as_deref(),
            Some("m7")
        );
        // A nested value of the wrong type is named as usual.
        let err = parse_json(br#"{"article":{"body":{"p":1}}}"#, &f, "f:1").unwrap_err();
        assert!(err.contains("is an object"), "{err}");
    }

    #[test]
    fn reads_all_known_fields_and_ignores_others() {
        let line = br#"{"id":"a1","text":"Hello","title":"T","source":"S","date":"2020-01-02","url":"u","extra":[1,{"x":2}]}"#;
        let d = parse_json(line, &Fields::default(), "f:1").unwrap();
        assert_eq!(d.id, "a1");
        assert_eq!(d.text, "Hello");
        assert_eq!(d.title.as_deref(), Some("T"));
        assert_eq!(d.source.as_deref(), Some("S"));
        assert_eq!(d.date, crate::date::parse("2020-01-02"));
        assert_eq!(d.url.as_deref(), Some("u"));
    }

    #[test]
    fn numeric_ids_missing_ids_and_custom_keys() {
        let f = Fields {
            id: "doc_id".into(),
            text: "body".into(),
            ..Fields::default()
        };
        let d = parse_json(br#"{"doc_id":-17,"body":"x"}"#, &f, "f:1").unwrap();
        assert_eq!(d.id, "-17");
        // Numbers keep their exact text: two ids that differ past f64's precision stay
        // two ids, and 1.0 is not 1.
        for (raw, id) in [
            ("18446744073709551616", "18446744073709551616"),
            ("18446744073709551617", "18446744073709551617"),
            ("1.0", "1.0"),
            ("1", "1"),
            ("1e3", "1e3"),
        ] {
            let line = format!(r#"{{"doc_id":{raw},"body":"x"}}"#);
            assert_eq!(parse_json(line.as_bytes(), &f, "f:1").unwrap().id, id);
        }
        let e = parse_json(br#"{"doc_id":true,"body":"x"}"#, &f, "f:1").unwrap_err();
        assert!(e.contains("is a boolean"), "{e}");
        let d = parse_json(br#"{"body":"x","id":"ignored"}"#, &f, "f:9").unwrap();
        assert_eq!(d.id, "f:9");
    }

    #[test]
    fn known_layouts_read_without_flags() {
        let f = Fields::default();
        // news-please
        let d = parse_json(
            br#"{"maintext":"Body","date_publish":"2025-01-06 14:12:00","source_domain":"bbc.co.uk","title":"T","url":"https://www.bbc.co.uk/x"}"#,
            &f,
            "f:1",
        )
        .unwrap();
        assert_eq!(d.text, "Body");
        assert_eq!(d.source.as_deref(), Some("bbc.co.uk"));
        assert_eq!(d.date, crate::date::parse("2025-01-06T14:12:00Z"));
        // cc_news; and the default name wins over an alias, in either order.
        let d = parse_json(br#"{"text":"A","maintext":"B","domain":"x.org"}"#, &f, "").unwrap();
        assert_eq!((d.text.as_str(), d.source.as_deref()), ("A", Some("x.org")));
        let d = parse_json(br#"{"maintext":"B","text":"A"}"#, &f, "").unwrap();
        assert_eq!(d.text, "A");
        // No outlet: the URL's host.
        let d = parse_json(br#"{"text":"A","url":"https://www.example.com/a"}"#, &f, "").unwrap();
        assert_eq!(d.source.as_deref(), Some("example.com"));
        // A renamed field no longer answers to aliases.
        let g = Fields {
            text: "body".into(),
            ..Fields::default()
        };
        assert!(parse_json(br#"{"maintext":"B"}"#, &g, "").is_err());
        let g = Fields {
            title: "headline".into(),
            date: "published".into(),
            ..Fields::default()
        };
        let d = parse_json(
            br#"{"text":"A","headline":"H","published":"2020-01-02","title":"no"}"#,
            &g,
            "",
        )
        .unwrap();
        assert_eq!(
            (d.title.as_deref(), d.date),
            (Some("H"), crate::date::parse("2020-01-02"))
        );
    }

    #[test]
    fn explains_what_is_wrong() {
        let f = Fields::default();
        let e = parse_json(br#"{"id":"a"}"#, &f, "").unwrap_err();
        assert!(e.contains("no \"text\" field"), "{e}");
        let e = parse_json(br#"{"text":5}"#, &f, "").unwrap_err();
        assert!(e.contains("\"text\" is a number"), "{e}");
        let d = parse_json(br#"{"text":"a","date":"soon"}"#, &f, "").unwrap();
        assert_eq!((d.date, d.unreadable_date.as_deref()), (None, Some("soon")));
        let e = parse_json(br#"{"text":"a""#, &f, "").unwrap_err();
        assert!(e.contains("EOF"), "{e}");
        let e = parse_json(br#"[1]"#, &f, "").unwrap_err();
        assert!(e.contains("expected a JSON object"), "{e}");
        let e = parse_json(br#"{"text":"a"} x"#, &f, "").unwrap_err();
        assert!(e.contains("trailing"), "{e}");
    }

    #[test]
    fn text_file_header_becomes_date_and_author() {
        let d = parse_text_file("x".into(), "date 2020-11-05 By Jane Roe\nBody here.\n");
        assert_eq!(d.date, crate::date::parse("2020-11-05"));
        assert_eq!(d.source.as_deref(), Some("Jane Roe"));
        assert_eq!(d.text, "Body here.\n");
        let d = parse_text_file("y".into(), "No header.\nMore.");
        assert_eq!(d.date, None);
        assert_eq!(d.text, "No header.\nMore.");
    }
}
