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

/// The data of a report page: its overview and list, and every story's detail (decoded from
/// the page's gzip'd, base64'd blocks, as the browser does), in list order.
pub fn report_data(html: &str) -> (serde_json::Value, Vec<serde_json::Value>) {
    use std::io::Read;
    let tag = "type=\"application/json\">";
    let start = html.find(tag).unwrap() + tag.len();
    let end = start + html[start..].find("</script>").unwrap();
    let page: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    let blocks: Vec<Vec<serde_json::Value>> = page["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let mut json = String::new();
            flate2::read::GzDecoder::new(&base64_decode(b.as_str().unwrap())[..])
                .read_to_string(&mut json)
                .unwrap();
            serde_json::from_str(&json).unwrap()
        })
        .collect();
    let details = page["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            blocks[s["b"][0].as_u64().unwrap() as usize][s["b"][1].as_u64().unwrap() as usize]
                .clone()
        })
        .collect();
    (page, details)
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for quad in text.as_bytes().chunks(4) {
        let n = quad
            .iter()
            .filter(|&&c| c != b'=')
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (value(c) as u32) << (18 - 6 * i));
        let bytes = quad.iter().filter(|&&c| c != b'=').count() - 1;
        out.extend(n.to_be_bytes()[1..1 + bytes].iter());
    }
    out
}
