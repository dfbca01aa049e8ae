//! Text from a corpus made safe for the place it is shown. Ids, headlines and outlets come
//! from scraped data: a line break in an id must not start a fake heading in a Markdown
//! report, and an escape sequence in a headline must not clear a reviewer's terminal or set
//! its title. (The HTML report escapes its JSON in `report`; GitHub annotations in `check`.)

use std::borrow::Cow;

/// True for characters a terminal acts on instead of showing: C0 controls (line breaks and
/// tabs included: the callers write one field per line), DEL, C1 controls (8-bit CSI among
/// them), and the bidirectional overrides that reorder what is shown.
fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The text with every control character shown as an escape (`\n`, `\t`, `\r`, `\e`,
/// `\u{9b}`): what it holds is visible, and nothing reaches the terminal as a command.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if is_control(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text for a Markdown code span in a table cell: controls escaped as for a terminal, `|`
/// escaped (it would end the cell even inside the span), and backticks replaced (a code span
/// cannot hold its own delimiter portably).
pub fn markdown_code(s: &str) -> String {
    terminal(s).replace('|', "\\|").replace('`', "'")
}

/// Plain Markdown text inside a line: controls escaped as for a terminal, HTML's `<`, `>`
/// and `&` as entities, and the characters of emphasis, code, links and table cells
/// backslash-escaped, so the text shows as written.
pub fn markdown_text(s: &str) -> String {
    let s = terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // Emphasis, code, links and cells; a heading or a list needs a line start, which
            // a field inside a line (line breaks escaped) never has.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_carries_no_commands() {
        let hostile = "a\u{1b}]0;pwned\u{7}\u{1b}[2Jb\nc\u{9b}31m\u{202e}d";
        let shown = terminal(hostile);
        assert!(!shown.chars().any(is_control), "{shown}");
        assert_eq!(shown, "a\\e]0;pwned\\u{7}\\e[2Jb\\nc\\u{9b}31m\\u{202e}d");
        assert!(matches!(terminal("plain — text"), Cow::Borrowed(_)));
    }

    #[test]
    fn markdown_cannot_open_a_heading_a_cell_or_a_tag() {
        let id = "x\n## ✅ 0 duplicates\n| a |";
        let code = markdown_code(id);
        assert!(!code.contains('\n') && !code.contains(" | "), "{code}");
        let text = markdown_text("<img src=x onerror=alert(1)> **bold** [l](u)\n# h");
        assert!(!text.contains('<') && !text.contains('\n'), "{text}");
        assert!(text.contains("\\*\\*bold\\*\\*"), "{text}");
    }
}
