//! WARC and WET files, as Common Crawl writes them (one gzip member per record, or zstd, or
//! plain): the framing of records, which of them are documents, and a document from one.
//!
//! A WARC `response` with status 200 and an HTML payload is a document, and so is a
//! `resource` of HTML; a WET `conversion` (the page's text) is one too. Everything else
//! (`request`, `metadata`, `revisit`, `warcinfo`, redirects, errors, images, robots.txt) is
//! skipped and counted by kind, so the summary says what the file held.

use crate::doc::Document;
use std::io::{self, BufRead, Read};

/// What a record is, decided from its headers and the start of its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A page to extract (a WARC response or resource of HTML).
    Page,
    /// A WET conversion: the page's text.
    Text,
    /// Not a document: the kind, for the summary.
    Skip(&'static str),
}

/// Reads the next record (headers and block) into `out`; returns `false` at the end of the
/// stream. A block longer than `cap` is an error before it is held.
pub fn read_record(r: &mut dyn BufRead, out: &mut Vec<u8>, cap: usize) -> io::Result<bool> {
    let start = out.len();
    // Blank lines between records (each record ends with two CRLFs).
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        let skip = buf
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        if skip == 0 {
            break;
        }
        r.consume(skip);
    }
    // Headers, up to the empty line.
    let mut length: Option<u64> = None;
    let mut first = true;
    loop {
        let before = out.len();
        let n = r.take(64 << 10).read_until(b'\n', out)?;
        if n == 0 {
            return Err(bad("the file ends inside a record's headers"));
        }
        let line = &out[before..];
        if first {
            if !line.starts_with(b"WARC/") {
                return Err(bad("a record does not start with a WARC/ version line"));
            }
            first = false;
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if out.len() - start > 1 << 20 {
            return Err(bad("a record's headers are longer than 1 MiB"));
        }
        if let Some(v) = header_value(line, "content-length") {
            length = Some(
                v.trim()
                    .parse()
                    .map_err(|_| bad("Content-Length is not a number"))?,
            );
        }
    }
    let length = length.ok_or_else(|| bad("a record has no Content-Length"))?;
    if length > cap as u64 {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("a record of {length} bytes"),
        ));
    }
    let got = r.take(length).read_to_end(out)?;
    if (got as u64) < length {
        return Err(bad("the file ends inside a record (cut short?)"));
    }
    Ok(true)
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// The value of header `name` (lower case) on `line`, if it is that header.
fn header_value<'a>(line: &'a [u8], name: &str) -> Option<&'a str> {
    let colon = line.iter().position(|&b| b == b':')?;
    let key = std::str::from_utf8(&line[..colon]).ok()?;
    if !key.trim().eq_ignore_ascii_case(name) {
        return None;
    }
    std::str::from_utf8(&line[colon + 1..]).ok().map(str::trim)
}

/// A record split into its WARC headers and its block.
pub struct Record<'a> {
    head: &'a [u8],
    /// The block: an HTTP response, a resource, or a WET conversion's text.
    pub block: &'a [u8],
}

impl<'a> Record<'a> {
    /// Splits the bytes [`read_record`] read.
    pub fn split(raw: &'a [u8]) -> Record<'a> {
        let end = find(raw, b"\r\n\r\n")
            .map(|i| i + 4)
            .or_else(|| find(raw, b"\n\n").map(|i| i + 2))
            .unwrap_or(raw.len());
        Record {
            head: &raw[..end],
            block: &raw[end..],
        }
    }

    /// A WARC header's value.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.head
            .split(|&b| b == b'\n')
            .find_map(|l| header_value(l, name))
    }

    /// What the record is.
    pub fn verdict(&self) -> Verdict {
        let kind = self.header("warc-type").unwrap_or("").to_ascii_lowercase();
        match kind.as_str() {
            "response" => {
                let (status, ctype, _) = http(self.block);
                match status {
                    Some(200) if is_html(ctype.as_deref(), body_start(self.block)) => Verdict::Page,
                    Some(200) => Verdict::Skip("not HTML"),
                    Some(300..=399) => Verdict::Skip("redirect"),
                    Some(_) => Verdict::Skip("HTTP error"),
                    None => Verdict::Skip("not HTTP"),
                }
            }
            "resource" => {
                let ctype = self.header("content-type");
                if is_html(ctype, self.block) {
                    Verdict::Page
                } else {
                    Verdict::Skip("resource, not HTML")
                }
            }
            "conversion" => Verdict::Text,
            "request" => Verdict::Skip("request"),
            "metadata" => Verdict::Skip("metadata"),
            "revisit" => Verdict::Skip("revisit"),
            "warcinfo" => Verdict::Skip("warcinfo"),
            _ => Verdict::Skip("other"),
        }
    }

    /// The document this record holds (for a [`Verdict::Page`] or [`Verdict::Text`]).
    pub fn document(&self) -> Result<Document, String> {
        let url = self.header("warc-target-uri").map(str::to_string);
        let warc_date = self.header("warc-date").and_then(crate::date::parse);
        let mut doc = match self.verdict() {
            Verdict::Text => {
                // A WET record names the response it was made from: the same id as a run
                // over the crawl's WARC gives the page.
                let id = self
                    .header("warc-refers-to")
                    .or_else(|| self.header("warc-record-id"))
                    .unwrap_or_default();
                Document {
                    id: id.to_string(),
                    text: String::from_utf8_lossy(self.block).into_owned(),
                    ..Default::default()
                }
            }
            Verdict::Page => {
                let (charset, body) = if self.header("warc-type") == Some("resource") {
                    (None, self.block)
                } else {
                    let (_, ctype, body) = http(self.block);
                    (ctype.as_deref().and_then(super::html::charset_of), body)
                };
                let mut d = super::html::document(body, charset.as_deref(), url.as_deref())?;
                d.id = self
                    .header("warc-record-id")
                    .unwrap_or_default()
                    .to_string();
                d
            }
            Verdict::Skip(kind) => return Err(format!("not a document ({kind})")),
        };
        doc.source = url.as_deref().and_then(host);
        doc.url = url;
        doc.date = doc.date.or(warc_date);
        Ok(doc)
    }
}

/// The host of a URL without `www.`, lower case: the outlet.
pub fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

/// The HTTP status, Content-Type and body of an HTTP response block.
fn http(block: &[u8]) -> (Option<u16>, Option<String>, &[u8]) {
    let Some(end) = find(block, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| find(block, b"\n\n").map(|i| i + 2))
    else {
        return (None, None, block);
    };
    let head = &block[..end];
    let mut lines = head.split(|&b| b == b'\n');
    let status = lines.next().and_then(|l| {
        let l = std::str::from_utf8(l).ok()?;
        if !l.starts_with("HTTP/") {
            return None;
        }
        l.split_whitespace().nth(1)?.parse().ok()
    });
    let ctype = lines
        .find_map(|l| header_value(l, "content-type"))
        .map(str::to_string);
    (status, ctype, &block[end..])
}

fn body_start(block: &[u8]) -> &[u8] {
    http(block).2
}

/// HTML by its Content-Type, or, without one, by its first bytes.
fn is_html(ctype: Option<&str>, body: &[u8]) -> bool {
    match ctype {
        Some(t) => {
            let t = t.to_ascii_lowercase();
            t.contains("html")
        }
        None => super::html::looks_like_html(body),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, extra: &str, block: &str) -> Vec<u8> {
        format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:1>\r\nWARC-Target-URI: https://www.Example.com/a?b\r\nWARC-Date: 2024-01-02T03:04:05Z\r\n{extra}Content-Length: {}\r\n\r\n{block}\r\n\r\n",
            block.len()
        )
        .into_bytes()
    }

    #[test]
    fn records_are_framed_and_judged() {
        let page = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><title>T</title></head><body><article><p>Hello there, a story.</p></article></body></html>";
        let mut file = Vec::new();
        file.extend(record("warcinfo", "", "software: x"));
        file.extend(record("request", "", "GET /a HTTP/1.1\r\n\r\n"));
        file.extend(record("response", "", page));
        file.extend(record(
            "response",
            "",
            "HTTP/1.1 301 Moved\r\nLocation: /b\r\n\r\n",
        ));
        file.extend(record(
            "conversion",
            "WARC-Refers-To: <urn:uuid:9>\r\n",
            "Plain text\nof a page",
        ));
        let mut r = io::BufReader::new(&file[..]);
        let mut verdicts = Vec::new();
        loop {
            let mut buf = Vec::new();
            if !read_record(&mut r, &mut buf, 1 << 20).unwrap() {
                break;
            }
            let rec = Record::split(&buf);
            verdicts.push(rec.verdict());
            if rec.verdict() == Verdict::Text {
                let d = rec.document().unwrap();
                assert_eq!(d.id, "<urn:uuid:9>");
                assert_eq!(d.source.as_deref(), Some("example.com"));
                assert_eq!(d.text, "Plain text\nof a page");
                assert!(d.date.is_some());
            }
        }
        assert_eq!(
            verdicts,
            [
                Verdict::Skip("warcinfo"),
                Verdict::Skip("request"),
                Verdict::Page,
                Verdict::Skip("redirect"),
                Verdict::Text
            ]
        );
    }

    #[test]
    fn damaged_records_are_errors_not_panics() {
        let full = record("response", "", "HTTP/1.1 200 OK\r\n\r\n<p>x</p>");
        for cut in [10, 40, full.len() - 10] {
            let mut r = io::BufReader::new(&full[..cut]);
            assert!(
                read_record(&mut r, &mut Vec::new(), 1 << 20).is_err(),
                "{cut}"
            );
        }
        let mut r = io::BufReader::new(&b"not a warc"[..]);
        assert!(read_record(&mut r, &mut Vec::new(), 1 << 20).is_err());
        let mut r = io::BufReader::new(&full[..]);
        let e = read_record(&mut r, &mut Vec::new(), 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn hosts_lose_www_and_ports() {
        assert_eq!(
            host("https://www.BBC.co.uk:443/news/x").as_deref(),
            Some("bbc.co.uk")
        );
        assert_eq!(
            host("http://user@news.example.org").as_deref(),
            Some("news.example.org")
        );
        assert_eq!(host(""), None);
    }
}
