//! Helpers the integration tests share: the binary, the sample data, and corpora made from it.
#![allow(dead_code)] // each test file uses a part

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn wiretrace() -> Command {
    Command::cargo_bin("wiretrace").expect("binary is built")
}

pub fn exe() -> PathBuf {
    assert_cmd::cargo::cargo_bin("wiretrace")
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/news.jsonl")
}

pub fn sample_records() -> Vec<serde_json::Value> {
    std::fs::read_to_string(sample())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn write_jsonl(path: &Path, records: &[serde_json::Value]) {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// The sample stories many times over, each copy a distinct document.
pub fn big_corpus(path: &Path, copies: usize, tag: &str) -> usize {
    let recs = sample_records();
    let mut out = String::new();
    for c in 0..copies {
        for r in &recs {
            let mut r = r.clone();
            let id = format!("{tag}-{c}-{}", r["id"].as_str().unwrap());
            r["text"] = serde_json::Value::String(format!(
                "{} Filed as {id} in edition {c}.",
                r["text"].as_str().unwrap()
            ));
            r["id"] = serde_json::Value::String(id);
            out.push_str(&format!("{r}\n"));
        }
    }
    std::fs::write(path, out).unwrap();
    copies * recs.len()
}

/// The rows `wiretrace ARGS` prints, after checking that it succeeded.
pub fn rows_of(args: &[&str]) -> Vec<serde_json::Value> {
    ok_rows(wiretrace().args(args).output().unwrap())
}

/// The JSON rows a successful run printed on stdout (its stderr shown if it failed).
pub fn ok_rows(out: std::process::Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
