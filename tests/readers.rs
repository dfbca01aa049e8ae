//! Real dumps in: WARC and WET crawls, HTML pages, story files named one by one, a byte order
//! mark, and `convert`. The development crawl's accuracy targets run when `../shared/eval` is
//! present (CI has it) and say so when it is not.

mod common;

use common::{s, wiretrace};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn dev(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/eval/dev")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

/// Different stories in one site's whole-page chrome stay apart, versions of one story join
/// (`benches/same_site.py`: the dev crawl's real page chrome around other stories, re-crawls
/// and republications; see its documentation).
#[test]
fn pages_of_one_site_are_not_merged_by_their_chrome() {
    if dev("crawl_pages.jsonl.gz").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/same_site.py");
    let out = std::process::Command::new("python3")
        .args([
            s(&script),
            "--exe",
            s(&common::exe()),
            "--out",
            s(dir.path()),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    let f1: f64 = report
        .split("F1 ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("no F1 in {report}"));
    // Before chrome was told apart by its place: F1 0.89 (precision 0.82).
    assert!(f1 >= 0.97, "{report}");
}

/// Dedup rows of `input` scored against the crawl's truth: (rows, F1).
fn crawl_f1(input: &Path) -> (usize, f64) {
    let dir = tempfile::tempdir().unwrap();
    let rows = dir.path().join("rows.jsonl");
    wiretrace()
        .args(["dedup", s(input), "-o", s(&rows), "-q"])
        .assert()
        .success();
    let n = std::fs::read_to_string(&rows).unwrap().lines().count();
    let truth = dev("crawl_dev.truth.jsonl").unwrap();
    let out = wiretrace()
        .args(["eval", "--truth", s(&truth), s(&rows), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (n, v["f1"].as_f64().unwrap())
}

#[test]
fn the_dev_crawl_as_warc_and_as_wet() {
    let (Some(warc), Some(wet)) = (dev("crawl_dev.warc.gz"), dev("crawl_dev.wet.gz")) else {
        return;
    };
    // One row per document (174 pages), none for requests, metadata, redirects, errors.
    let (rows, f1) = crawl_f1(&warc);
    assert_eq!(rows, 174);
    assert!(f1 >= 0.97, "WARC F1 {f1}");
    let (rows, f1) = crawl_f1(&wet);
    assert_eq!(rows, 174);
    assert!(f1 >= 0.95, "WET F1 {f1}");
    // The summary says what was passed over.
    wiretrace()
        .args(["dedup", s(&warc), "-o", "/dev/null"])
        .assert()
        .success()
        .stderr(predicate::str::contains("89 request").and(predicate::str::contains("1 redirect")));
}

fn warc_record(kind: &str, id: &str, uri: &str, block: &str) -> String {
    format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: {id}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-05-01T08:00:00Z\r\nContent-Length: {}\r\n\r\n{block}\r\n\r\n",
        block.len()
    )
}

fn page(title: &str, body: &str) -> String {
    let nav: String = (0..20)
        .map(|i| format!("<a href='/s{i}'>Section {i}</a> "))
        .collect();
    let paras: String = body.split("\n\n").map(|p| format!("<p>{p}</p>")).collect();
    format!("<!DOCTYPE html><html><head><title>{title} | The Gazette</title><meta property='article:published_time' content='2024-04-30T12:00:00Z'></head><body><nav>{nav}</nav><article>{paras}</article><footer>Subscribe to The Gazette</footer></body></html>")
}

/// Five paragraphs of words drawn from a generator seeded by the topic: two topics share
/// no sentences.
fn story(topic: &str) -> String {
    const WORDS: [&str; 24] = [
        "council", "harbour", "ferry", "budget", "school", "river", "market", "police", "station",
        "museum", "festival", "storm", "bridge", "library", "mayor", "court", "hospital",
        "airport", "factory", "election", "garden", "theatre", "road", "tower",
    ];
    let mut x = topic.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    });
    (0..5)
        .map(|i| {
            let words: Vec<&str> = (0..30)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    WORDS[(x % 24) as usize]
                })
                .collect();
            format!("Paragraph {i} about {topic}: {}.", words.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn a_small_warc_gives_documents_ids_outlets_dates_and_kept_records() {
    let dir = tempfile::tempdir().unwrap();
    let html = |t: &str, b: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{}",
            page(t, b)
        )
    };
    let mut warc = String::new();
    warc += &warc_record("warcinfo", "<urn:uuid:0>", "", "software: test");
    warc += &warc_record(
        "request",
        "<urn:uuid:1>",
        "https://www.gazette.example/a",
        "GET /a HTTP/1.1\r\n\r\n",
    );
    warc += &warc_record(
        "response",
        "<urn:uuid:2>",
        "https://www.gazette.example/a",
        &html("Bridge plan", &story("bridge")),
    );
    warc += &warc_record(
        "response",
        "<urn:uuid:3>",
        "https://other.example/b",
        &html("Bridge plan approved", &story("bridge")),
    );
    warc += &warc_record(
        "response",
        "<urn:uuid:4>",
        "https://www.gazette.example/c",
        &html("Library hours", &story("library")),
    );
    warc += &warc_record(
        "response",
        "<urn:uuid:5>",
        "https://www.gazette.example/d",
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>gone</p>",
    );
    // Gzip member per record, as Common Crawl writes them.
    let mut gz = Vec::new();
    for rec in warc.split_inclusive("\r\n\r\n\r\n") {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(rec.as_bytes()).unwrap();
        gz.extend(e.finish().unwrap());
    }
    let path = dir.path().join("crawl.bin");
    std::fs::write(&path, gz).unwrap();
    let out = wiretrace().args(["dedup", s(&path)]).output().unwrap();
    let rows = common::ok_rows(out.clone());
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["<urn:uuid:2>", "<urn:uuid:3>", "<urn:uuid:4>"]);
    assert_eq!(rows[1]["cluster"], "<urn:uuid:2>");
    assert_eq!(rows[2]["cluster"], "<urn:uuid:4>");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("1 HTTP error") && err.contains("1 request") && err.contains("1 warcinfo"),
        "{err}"
    );
    // convert shows what was read: text without the chrome, outlet, date and title.
    let conv = wiretrace()
        .args(["convert", s(&path), "-q"])
        .output()
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8(conv.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["source"], "gazette.example");
    assert_eq!(first["title"], "Bridge plan");
    assert_eq!(first["date"], "2024-04-30T12:00:00Z");
    let text = first["text"].as_str().unwrap();
    assert!(
        text.starts_with("Paragraph 0 about bridge")
            && !text.contains("Section 3")
            && !text.contains("Subscribe"),
        "{text}"
    );
    assert_eq!(text.matches("\n\n").count(), 4);
    // --keep writes the kept versions as those documents.
    let kept = dir.path().join("kept.jsonl");
    wiretrace()
        .args(["dedup", s(&path), "--keep", s(&kept), "-q"])
        .assert()
        .success();
    let kept = std::fs::read_to_string(&kept).unwrap();
    assert_eq!(kept.lines().count(), 2);
    assert!(kept
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].is_string()));
}

#[test]
fn story_and_page_files_named_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    let c = dir.path().join("c.html");
    std::fs::write(&a, format!("date 2020-11-05 By Ann\n{}", story("harbour"))).unwrap();
    std::fs::write(&b, story("harbour")).unwrap();
    std::fs::write(&c, page("Harbour", &story("harbour"))).unwrap();
    let out = wiretrace()
        .args(["dedup", s(&a), s(&b), s(&c), "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(rows.iter().all(|r| r["cluster"] == "a"), "{text}");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bom.jsonl");
    std::fs::write(
        &p,
        "\u{feff}{\"id\":\"x\",\"text\":\"a story\"}\n{\"id\":\"y\",\"text\":\"another\"}\n",
    )
    .unwrap();
    wiretrace()
        .args(["dedup", s(&p), "-q"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"id\":\"x\"").and(predicate::str::contains("\"id\":\"y\"")),
        );
}

#[test]
fn a_damaged_warc_names_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.warc");
    let good = warc_record("warcinfo", "<urn:uuid:0>", "", "x");
    std::fs::write(
        &p,
        format!("{good}WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 5000\r\n\r\nshort"),
    )
    .unwrap();
    wiretrace()
        .args(["dedup", s(&p)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.warc:2").and(predicate::str::contains("cut short")));
}

#[test]
fn folders_are_walked_recursively_with_shards_and_nested_stories() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dump");
    std::fs::create_dir_all(root.join("2024/01")).unwrap();
    std::fs::create_dir_all(root.join("2024/02")).unwrap();
    std::fs::create_dir_all(root.join("shards")).unwrap();
    // The same story on two days, under one file name.
    std::fs::write(root.join("2024/01/ferry.txt"), story("ferry")).unwrap();
    std::fs::write(root.join("2024/02/ferry.txt"), story("ferry")).unwrap();
    std::fs::write(root.join("2024/02/notes.pdf"), b"%PDF").unwrap();
    for (n, topic) in ["museum", "ferry"].iter().enumerate() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let rec = serde_json::json!({"id": format!("s{n}"), "text": story(topic)});
        e.write_all(format!("{rec}\n").as_bytes()).unwrap();
        std::fs::write(
            root.join(format!("shards/part-000{n}.jsonl.gz")),
            e.finish().unwrap(),
        )
        .unwrap();
    }
    let rows = common::rows_of(&["dedup", s(&root), "-q"]);
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["s0", "s1", "2024/01/ferry", "2024/02/ferry"]);
    assert_eq!(rows[3]["cluster"], rows[2]["cluster"]);
    assert_eq!(rows[2]["cluster"], "s1");
}

/// The same records compressed every way give byte-identical rows.
#[test]
fn every_compression_gives_the_same_rows() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(common::sample()).unwrap();
    let mut files = vec![("plain", plain.clone())];
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    files.push(("gz", gz.finish().unwrap()));
    files.push(("zst", zstd::encode_all(&plain[..], 1).unwrap()));
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&plain).unwrap();
    files.push(("xz", xz.finish().unwrap()));
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&plain).unwrap();
    files.push(("bz2", bz.finish().unwrap()));
    let mut outputs = Vec::new();
    for (name, bytes) in files {
        let p = dir.path().join(format!("news.{name}"));
        std::fs::write(&p, bytes).unwrap();
        let out = wiretrace().args(["dedup", s(&p), "-q"]).output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push((name, out.stdout));
    }
    for (name, rows) in &outputs[1..] {
        assert_eq!(rows, &outputs[0].1, "{name}");
    }
    assert_eq!(String::from_utf8_lossy(&outputs[0].1).lines().count(), 55);
}

/// The same records as JSON Lines, a JSON array and pretty-printed JSON give byte-identical
/// rows; a record keeps the line it starts on for messages.
#[test]
fn json_arrays_and_pretty_printed_json_read_like_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let recs = common::sample_records();
    let lines = dir.path().join("a.jsonl");
    common::write_jsonl(&lines, &recs);
    let array = dir.path().join("b.json");
    std::fs::write(&array, serde_json::to_string_pretty(&recs).unwrap()).unwrap();
    let pretty = dir.path().join("c.json");
    let text: String = recs
        .iter()
        .map(|r| serde_json::to_string_pretty(r).unwrap() + "\n")
        .collect();
    std::fs::write(&pretty, text).unwrap();
    let run = |p: &Path| {
        let out = wiretrace().args(["dedup", s(p), "-q"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let want = run(&lines);
    assert_eq!(run(&array), want);
    assert_eq!(run(&pretty), want);
    // --keep writes JSON Lines, whatever the layout read.
    let kept = dir.path().join("kept.jsonl");
    wiretrace()
        .args(["dedup", s(&array), "--keep", s(&kept), "-q"])
        .assert()
        .success();
    let kept = std::fs::read_to_string(&kept).unwrap();
    assert_eq!(kept.lines().count(), 23);
    for l in kept.lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap();
    }
    // A record of the wrong shape is named by the line it starts on.
    let bad = dir.path().join("d.json");
    std::fs::write(
        &bad,
        "[\n  {\"id\": \"a\", \"text\": \"x\"},\n  {\"id\": \"b\",\n   \"text\": 5}\n]",
    )
    .unwrap();
    wiretrace()
        .args(["dedup", s(&bad)])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("d.json:3")
                .and(predicate::str::contains("\"text\" is a number")),
        );
}

/// The sample as CSV and TSV (header row; texts with commas, quotes and line breaks) gives
/// the rows JSON Lines gives.
#[test]
fn csv_and_tsv_read_like_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let recs = common::sample_records();
    let keys = ["id", "title", "source", "date", "url", "text"];
    let mut outputs = Vec::new();
    for (name, sep) in [("news.csv", b','), ("news.tsv", b'\t')] {
        let p = dir.path().join(name);
        let mut w = csv::WriterBuilder::new()
            .delimiter(sep)
            .from_path(&p)
            .unwrap();
        w.write_record(keys).unwrap();
        for r in &recs {
            let row: Vec<String> = keys
                .iter()
                .map(|k| r[*k].as_str().map(str::to_string).unwrap_or_default())
                .collect();
            w.write_record(&row).unwrap();
        }
        w.flush().unwrap();
        let out = wiretrace().args(["dedup", s(&p), "-q"]).output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push(out.stdout);
    }
    let lines = dir.path().join("news.jsonl");
    common::write_jsonl(&lines, &recs);
    let want = wiretrace()
        .args(["dedup", s(&lines), "-q"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(outputs[0], want, "CSV");
    assert_eq!(outputs[1], want, "TSV");
}

/// The sample as Parquet, with typed columns as Hugging Face and Spark write them (a
/// timestamp date, a large-string text, cc_news's `domain` for the outlet), gives the rows
/// JSON Lines gives; rows written as Parquet, CSV and TSV hold the same values as the JSON
/// rows.
#[test]
fn parquet_reads_like_json_lines_and_rows_write_as_tables() {
    use arrow_array::{
        ArrayRef, LargeStringArray, RecordBatch, StringArray, TimestampMillisecondArray,
    };
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let recs = common::sample_records();
    let text = |k: &str| -> Vec<Option<String>> {
        recs.iter()
            .map(|r| r[k].as_str().map(str::to_string))
            .collect()
    };
    let millis: Vec<Option<i64>> = recs
        .iter()
        .map(|r| {
            r["date"]
                .as_str()
                .map(|d| d.parse::<jiff::Timestamp>().unwrap().as_millisecond())
        })
        .collect();
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(StringArray::from(text("id"))) as ArrayRef),
        (
            "title",
            Arc::new(StringArray::from(text("title"))) as ArrayRef,
        ),
        (
            "domain",
            Arc::new(StringArray::from(text("source"))) as ArrayRef,
        ),
        (
            "date",
            Arc::new(TimestampMillisecondArray::from(millis).with_timezone("UTC")) as ArrayRef,
        ),
        ("url", Arc::new(StringArray::from(text("url"))) as ArrayRef),
        (
            "text",
            Arc::new(LargeStringArray::from(text("text"))) as ArrayRef,
        ),
    ])
    .unwrap();
    let pq = dir.path().join("news.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&pq).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    // Two row groups, so rows cross a group boundary in order.
    w.write(&batch.slice(0, 20)).unwrap();
    w.flush().unwrap();
    w.write(&batch.slice(20, batch.num_rows() - 20)).unwrap();
    w.close().unwrap();
    let lines = dir.path().join("news.jsonl");
    common::write_jsonl(&lines, &recs);
    let want = wiretrace()
        .args(["dedup", s(&lines), "-q"])
        .output()
        .unwrap()
        .stdout;
    let got = wiretrace().args(["dedup", s(&pq), "-q"]).output().unwrap();
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert_eq!(got.stdout, want);

    // Rows as tables: every format holds the JSON rows' values.
    let json: Vec<serde_json::Value> = String::from_utf8(want)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rows_pq = dir.path().join("rows.parquet");
    wiretrace()
        .args(["dedup", s(&pq), "-q", "-o", s(&rows_pq)])
        .assert()
        .success();
    let mut from_pq = Vec::new();
    wiretrace::readers::parquet::for_each_row(&rows_pq, "rows", 1 << 20, |_, row| {
        from_pq.push(serde_json::from_slice::<serde_json::Value>(row).unwrap());
        Ok(())
    })
    .unwrap();
    // Parquet's nulls read back as absent keys.
    let without_nulls: Vec<serde_json::Value> = json
        .iter()
        .map(|j| {
            let mut j = j.clone();
            j.as_object_mut().unwrap().retain(|_, v| !v.is_null());
            j
        })
        .collect();
    assert_eq!(from_pq, without_nulls);
    for (flag, sep) in [("csv", b','), ("tsv", b'\t')] {
        let out = wiretrace()
            .args(["dedup", s(&lines), "-q", "--format", flag])
            .output()
            .unwrap();
        let mut r = csv::ReaderBuilder::new()
            .delimiter(sep)
            .from_reader(&out.stdout[..]);
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            header[..5],
            ["id", "cluster", "duplicate", "parent", "similarity"]
        );
        let mut n = 0;
        for (rec, j) in r.records().zip(&json) {
            let rec = rec.unwrap();
            assert_eq!(&rec[0], j["id"].as_str().unwrap());
            assert_eq!(&rec[1], j["cluster"].as_str().unwrap());
            assert_eq!(&rec[2], j["duplicate"].to_string());
            assert_eq!(&rec[3], j["parent"].as_str().unwrap_or(""));
            n += 1;
        }
        assert_eq!(n, json.len(), "{flag}");
    }
}

/// Parquet is read from its file: on stdin or inside gzip it is refused with the fix.
#[test]
fn parquet_on_stdin_or_compressed_says_to_name_the_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("docs.parquet");
    wiretrace()
        .args(["convert", s(&common::sample()), "-q", "-o", s(&pq)])
        .assert()
        .success();
    let bytes = std::fs::read(&pq).unwrap();
    assert!(bytes.starts_with(b"PAR1"));
    // convert's Parquet reads back into the same stories.
    let rows = common::rows_of(&["dedup", s(&pq), "-q"]);
    assert_eq!(rows.len(), 55);
    wiretrace()
        .args(["dedup", "-"])
        .write_stdin(bytes.clone())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("Parquet file on stdin")
                .and(predicate::str::contains("name the .parquet file")),
        );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    let gzp = dir.path().join("docs.parquet.gz");
    std::fs::write(&gzp, gz.finish().unwrap()).unwrap();
    wiretrace()
        .args(["dedup", s(&gzp)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside a compressed file"));
}

/// Nested records are read through dotted field names, in JSON Lines as in Parquet structs.
#[test]
fn dotted_field_names_read_nested_records() {
    let dir = tempfile::tempdir().unwrap();
    let recs = common::sample_records();
    let nested: Vec<serde_json::Value> = recs
        .iter()
        .map(|r| {
            serde_json::json!({
                "meta": {"id": r["id"], "published": r["date"]},
                "article": {"body": r["text"], "headline": r["title"]},
                "url": r["url"], "source": r["source"],
            })
        })
        .collect();
    let flat = dir.path().join("flat.jsonl");
    common::write_jsonl(&flat, &recs);
    let deep = dir.path().join("deep.jsonl");
    common::write_jsonl(&deep, &nested);
    let want = wiretrace()
        .args(["dedup", s(&flat), "-q"])
        .output()
        .unwrap()
        .stdout;
    let got = wiretrace()
        .args([
            "dedup",
            s(&deep),
            "-q",
            "--id-field",
            "meta.id",
            "--text-field",
            "article.body",
        ])
        .args([
            "--title-field",
            "article.headline",
            "--date-field",
            "meta.published",
        ])
        .output()
        .unwrap();
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert_eq!(got.stdout, want);
    wiretrace()
        .args(["dedup", s(&deep), "--text-field", "article.text"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("deep.jsonl:1")
                .and(predicate::str::contains(r#"no "article.text" field"#)),
        );
}

/// A folder of saved HTML pages: each page's article is a document named by its path, the
/// same story in two sites' pages is one story, and `convert` shows the extracted text.
#[test]
fn a_folder_of_html_pages_reads_each_article() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pages");
    std::fs::create_dir_all(root.join("gazette")).unwrap();
    std::fs::create_dir_all(root.join("herald")).unwrap();
    std::fs::write(
        root.join("gazette/ferry.html"),
        page("Ferry late", &story("ferry")),
    )
    .unwrap();
    std::fs::write(
        root.join("gazette/museum.html"),
        page("Museum opens", &story("museum")),
    )
    .unwrap();
    std::fs::write(
        root.join("herald/ferry.htm"),
        page("Ferry late again", &story("ferry")),
    )
    .unwrap();
    let rows = common::rows_of(&["dedup", s(&root), "-q"]);
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["gazette/ferry", "gazette/museum", "herald/ferry"]);
    assert_eq!(rows[2]["cluster"], "gazette/ferry");
    assert_eq!(rows[1]["cluster"], "gazette/museum");
    let docs = common::rows_of(&["convert", s(&root), "-q"]);
    assert_eq!(docs[1]["title"], "Museum opens");
    assert_eq!(docs[1]["date"], "2024-04-30T12:00:00Z");
    let text = docs[1]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Paragraph 0 about museum") && !text.contains("Section 3"),
        "{text}"
    );
    assert_eq!(
        text.matches("\n\n").count(),
        4,
        "paragraph breaks survive: {text}"
    );
}
