//! Snapshot tests (insta) of what people and programs read: the terminal diff, the JSON diff,
//! the story tree, and the check report formats, on the bundled sample data. A change in any
//! of them shows as a reviewable snapshot diff (`cargo insta review`).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
}

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("wiretrace")
        .unwrap()
        .args(args)
        .arg("-q")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn diff_as_text() {
    let corpus = sample("news.jsonl");
    insta::assert_snapshot!(run(&[
        "diff",
        "w07-0",
        "w07-2",
        "--corpus",
        corpus.to_str().unwrap()
    ]));
}

#[test]
fn diff_as_json() {
    let corpus = sample("news.jsonl");
    let out = run(&[
        "diff",
        "w12-1",
        "w12-0",
        "--corpus",
        corpus.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap());
}

#[test]
fn story_tree() {
    let corpus = sample("news.jsonl");
    insta::assert_snapshot!(run(&[
        "story",
        "w07-2",
        "--corpus",
        corpus.to_str().unwrap()
    ]));
}

/// The check formats on the sample data split in two (the first 30 records indexed).
#[test]
fn check_report_formats() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("news.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (old, new) = (dir.path().join("old.jsonl"), dir.path().join("new.jsonl"));
    std::fs::write(&old, lines[..30].join("\n") + "\n").unwrap();
    std::fs::write(&new, lines[30..].join("\n") + "\n").unwrap();
    let index = dir.path().join("archive.index");
    run(&[
        "index",
        "add",
        "--index",
        index.to_str().unwrap(),
        old.to_str().unwrap(),
    ]);
    for format in ["text", "markdown", "github"] {
        let out = run(&[
            "check",
            "--index",
            index.to_str().unwrap(),
            new.to_str().unwrap(),
            "--max-dup-rate",
            "0.5",
            "--format",
            format,
        ]);
        // Paths differ from run to run.
        let out = out.replace(new.to_str().unwrap(), "new.jsonl");
        insta::assert_snapshot!(format!("check_{format}"), out);
    }
}
