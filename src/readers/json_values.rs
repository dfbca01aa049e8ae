//! JSON that is not one record a line: a JSON array of records (`[{…}, {…}]`), or records
//! pretty-printed over several lines one after the other. Records are framed by a byte
//! scanner that follows strings and nesting, so the file streams like JSON Lines and each
//! record keeps the line it starts on for messages.

use std::io::{self, BufRead};

/// Frames top-level JSON values from a stream, inside an outer array or not.
pub struct Framer {
    line: u64,
    started: bool,
    in_array: bool,
    done: bool,
}

impl Framer {
    /// A framer at the start of a stream.
    pub fn new() -> Framer {
        Framer {
            line: 1,
            started: false,
            in_array: false,
            done: false,
        }
    }

    /// Appends the next record's bytes to `out` and returns the line it starts on, or
    /// `None` at the end. A record longer than `cap` is an error with kind `FileTooLarge`;
    /// JSON that cannot be framed (an unclosed string or bracket) is `InvalidData`.
    pub fn next(
        &mut self,
        r: &mut dyn BufRead,
        out: &mut Vec<u8>,
        cap: usize,
    ) -> io::Result<Option<u64>> {
        if self.done {
            return Ok(None);
        }
        if !self.started && r.fill_buf()?.starts_with(b"\xef\xbb\xbf") {
            r.consume(3);
        }
        // Up to the start of a value: white space, the array's `[`, commas between values.
        loop {
            let buf = r.fill_buf()?;
            let Some(&b) = buf.first() else {
                if self.in_array {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the JSON array is not closed (the file is cut short?)",
                    ));
                }
                return Ok(None);
            };
            match b {
                b'\n' => {
                    self.line += 1;
                    r.consume(1);
                    continue;
                }
                b' ' | b'\t' | b'\r' => {
                    r.consume(1);
                    continue;
                }
                b'[' if !self.started => self.in_array = true,
                b',' if self.in_array => {}
                b']' if self.in_array => {
                    self.done = true;
                    r.consume(1);
                    return Ok(None);
                }
                _ => break,
            }
            self.started = true;
            r.consume(1);
        }
        self.started = true;
        let start_line = self.line;
        let start = out.len();
        let mut depth = 0usize;
        let mut strings = Strings::default();
        loop {
            let buf = r.fill_buf()?;
            if buf.is_empty() {
                if depth == 0 && !strings.inside {
                    return Ok(Some(start_line));
                }
                return Err(io::Error::new(io::ErrorKind::InvalidData, format!("the JSON record starting on line {start_line} is not closed (the file is cut short?)")));
            }
            let mut used = 0;
            let mut end = false;
            for &b in buf {
                if depth == 0
                    && !strings.inside
                    && out.len() - start + used > 0
                    && matches!(b, b',' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                {
                    end = true;
                    break;
                }
                used += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                if strings.feed(b) {
                    continue;
                }
                match b {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if out.len() - start + used > cap {
                return Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    "a record past the cap",
                ));
            }
            out.extend_from_slice(&buf[..used]);
            r.consume(used);
            if end {
                return Ok(Some(start_line));
            }
        }
    }
}

/// Whether a scan of JSON bytes is inside a string, escapes followed.
#[derive(Default)]
struct Strings {
    inside: bool,
    escape: bool,
}

impl Strings {
    /// Takes the next byte; true when it belongs to a string (its quotes included).
    fn feed(&mut self, b: u8) -> bool {
        if self.inside {
            match (self.escape, b) {
                (true, _) => self.escape = false,
                (false, b'\\') => self.escape = true,
                (false, b'"') => self.inside = false,
                _ => {}
            }
            true
        } else {
            self.inside = b == b'"';
            self.inside
        }
    }
}

/// A record on one line: the white space between its tokens dropped (strings, numbers and
/// key order untouched), so `--keep` writes JSON Lines whatever layout it read.
pub fn one_line(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut strings = Strings::default();
    for &b in raw {
        if strings.feed(b) || !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            out.push(b);
        }
    }
    out
}

impl Default for Framer {
    fn default() -> Self {
        Framer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> io::Result<Vec<(u64, String)>> {
        let mut r = io::BufReader::with_capacity(7, text.as_bytes());
        let mut f = Framer::new();
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            match f.next(&mut r, &mut buf, 1 << 20)? {
                Some(line) => out.push((line, String::from_utf8(buf).unwrap())),
                None => return Ok(out),
            }
        }
    }

    #[test]
    fn arrays_and_pretty_printed_records_are_framed() {
        let arr = "[\n  {\"id\": \"a\", \"text\": \"x, ] } \\\" {\"},\n  {\"id\": \"b\",\n   \"text\": [1, {\"y\": 2}]}\n]\n";
        assert_eq!(
            frame(arr).unwrap(),
            vec![
                (
                    2,
                    "{\"id\": \"a\", \"text\": \"x, ] } \\\" {\"}".to_string()
                ),
                (
                    3,
                    "{\"id\": \"b\",\n   \"text\": [1, {\"y\": 2}]}".to_string()
                )
            ]
        );
        let pretty = "{\n  \"id\": 1\n}\n{\n  \"id\": 2\n}";
        assert_eq!(
            frame(pretty).unwrap(),
            vec![
                (1, "{\n  \"id\": 1\n}".into()),
                (4, "{\n  \"id\": 2\n}".into())
            ]
        );
        assert_eq!(frame("[]").unwrap(), vec![]);
        assert_eq!(
            frame("\u{feff}[{\"a\":1}]").unwrap(),
            vec![(1, "{\"a\":1}".into())]
        );
    }

    #[test]
    fn records_go_on_one_line_as_they_were() {
        let raw = b"{\n  \"id\": 18446744073709551617,\n  \"text\": \"a  b\\\" \\n c\"\n}";
        assert_eq!(
            String::from_utf8(one_line(raw)).unwrap(),
            "{\"id\":18446744073709551617,\"text\":\"a  b\\\" \\n c\"}"
        );
    }

    #[test]
    fn cut_json_is_an_error() {
        assert!(frame("[{\"id\": \"a\"}, {\"id\": ").is_err());
        assert!(frame("[{\"id\": \"a\"}").is_err());
        assert!(frame("{\"text\": \"open").is_err());
    }
}
