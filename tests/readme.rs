//! README.md tells no stale truths: every `$ wiretrace …` example is run on `sample_data/`
//! and compared with what the binary prints today, and so are the Quick start summary and the
//! error messages shown. In the README, `…` stands for text left out: a line that is only `…`
//! stands for any number of lines, and `…` inside a line for any text.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The fenced code blocks of the README, each with the paragraph before it.
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut before = String::new();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.starts_with("```") {
            let mut body = Vec::new();
            for b in lines.by_ref() {
                if b.starts_with("```") {
                    break;
                }
                body.push(b);
            }
            out.push((before.clone(), body.join("\n")));
            before.clear();
        } else if !l.trim().is_empty() {
            before.push_str(l);
            before.push('\n');
        }
    }
    out
}

/// One expected line against one printed line: equal, or with `…` standing for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let (e, a) = (expected.trim_end(), actual.trim_end());
    if !e.contains('…') {
        return e == a;
    }
    let parts: Vec<&str> = e.split('…').collect();
    let mut rest = a;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Expected lines against printed ones; a line that is only `…` stands for any lines.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e.trim() == "…" => {
            (0..=actual.len()).any(|k| matches(rest, &actual[k..]))
        }
        Some((e, rest)) => {
            !actual.is_empty() && line_matches(e, actual[0]) && matches(rest, &actual[1..])
        }
    }
}

fn assert_shown(what: &str, expected: &str, actual: &str) {
    let e: Vec<&str> = expected.lines().collect();
    let mut a: Vec<&str> = actual.lines().collect();
    while a.last().is_some_and(|l| l.trim().is_empty()) {
        a.pop();
    }
    assert!(
        matches(&e, &a),
        "README shows for {what}:\n{expected}\n\nbut the binary prints:\n{actual}"
    );
}

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("wiretrace")
        .parent()
        .unwrap()
        .to_path_buf()
}

fn shell(cmd: &str, dir: &Path) -> std::process::Output {
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A folder where `archive.index` holds the sample's first 30 records and `new.jsonl` is the
/// rest: "the sample data split in two".
fn split_sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("sample_data/news.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(dir.path().join("old.jsonl"), lines[..30].join("\n") + "\n").unwrap();
    std::fs::write(dir.path().join("new.jsonl"), lines[30..].join("\n") + "\n").unwrap();
    let out = shell(
        "wiretrace index add --index archive.index old.jsonl -q",
        dir.path(),
    );
    assert!(out.status.success());
    dir
}

#[test]
fn every_shown_command_prints_what_the_readme_says() {
    let text = readme();
    let split = split_sample();
    let mut ran = 0;
    for (_, body) in blocks(&text) {
        let mut lines = body.lines();
        let Some(first) = lines.next() else { continue };
        let Some(cmd) = first.strip_prefix("$ wiretrace ") else {
            continue;
        };
        let dir = if cmd.contains("archive.index") {
            split.path()
        } else {
            root()
        };
        let out = shell(&format!("wiretrace {cmd}"), dir);
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(1)),
            "`wiretrace {cmd}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected: Vec<&str> = lines.collect();
        assert_shown(
            &format!("`wiretrace {cmd}`"),
            &expected.join("\n"),
            &String::from_utf8_lossy(&out.stdout),
        );
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} examples found in README.md");
}

#[test]
fn the_quick_start_summary_is_what_dedup_prints() {
    let text = readme();
    let (_, shown) = blocks(&text)
        .into_iter()
        .find(|(before, _)| before.contains("prints a summary on stderr"))
        .expect("the Quick start shows the summary");
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "wiretrace dedup '{}' -o clusters.jsonl --keep cleaned.jsonl",
        root().join("sample_data/news.jsonl").display()
    );
    let out = shell(&cmd, dir.path());
    assert!(out.status.success());
    assert_shown(
        "the Quick start",
        &shown,
        &String::from_utf8_lossy(&out.stderr),
    );
}

#[test]
fn the_error_messages_shown_are_the_ones_printed() {
    let text = readme();
    let dir = tempfile::tempdir().unwrap();
    // The files the messages name: a line cut inside a string, and a repeated id.
    std::fs::write(
        dir.path().join("news.jsonl"),
        "{\"id\":\"a\",\"text\":\"one story\"}\n{\"id\":\"b\",\"text\":\"two\"}\n{\"id\":\"c\",\"text\":\"three is unfini\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("dup.jsonl"),
        "{\"id\":\"a\",\"text\":\"one story\"}\n{\"id\":\"b\",\"text\":\"two\"}\n{\"id\":\"a\",\"text\":\"again\"}\n",
    )
    .unwrap();
    let mut shown = 0;
    for name in ["news.jsonl", "dup.jsonl"] {
        let prefix = format!("wiretrace: {name}:");
        for line in text.lines().filter(|l| l.starts_with(&prefix)) {
            let out = shell(&format!("wiretrace dedup {name} -q"), dir.path());
            assert_eq!(out.status.code(), Some(2));
            assert_shown(name, line, &String::from_utf8_lossy(&out.stderr));
            shown += 1;
        }
    }
    assert_eq!(shown, 2, "README no longer shows the two error messages");
}

#[test]
fn ellipses_stand_for_left_out_text_only() {
    assert!(matches(&["a", "…", "d"], &["a", "b", "c", "d"]));
    assert!(matches(&["a", "…"], &["a"]));
    assert!(!matches(&["a", "d"], &["a", "b", "d"]));
    assert!(line_matches("wall 0.01s, …", "wall 0.01s, 9 MB/s"));
    assert!(line_matches(
        "{\"a\":1,…,\"z\":…}",
        "{\"a\":1,\"b\":2,\"z\":3}"
    ));
    assert!(!line_matches("{\"a\":1,…,\"z\":…}", "{\"a\":2,\"z\":3}"));
}
