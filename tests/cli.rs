//! Integration tests: run the `wiretrace` binary on the bundled sample data and on bad input.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

fn wiretrace() -> Command {
    Command::cargo_bin("wiretrace").expect("binary is built")
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn rows(out: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn dedup_stdout(args: &[&str]) -> Vec<u8> {
    let out = wiretrace()
        .arg("dedup")
        .args(args)
        .arg("-q")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn sample_data_is_clustered_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rows.jsonl");
    wiretrace()
        .args([
            "dedup",
            sample("news.jsonl").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("55 documents, 23 stories"));
    let r = rows(&std::fs::read(&out).unwrap());
    assert_eq!(r.len(), 55);
    for row in &r {
        for key in ["id", "cluster", "duplicate", "parent", "similarity"] {
            assert!(row.get(key).is_some(), "{key} missing in {row}");
        }
    }
    let eval = wiretrace()
        .args([
            "eval",
            "--format",
            "json",
            "--truth",
            sample("news.truth.jsonl").to_str().unwrap(),
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(s["f1"], 1.0, "{s}");
    assert_eq!(s["ari"], 1.0, "{s}");
}

#[test]
fn output_is_identical_at_any_thread_count() {
    let input = sample("news.jsonl");
    let one = dedup_stdout(&[input.to_str().unwrap(), "--threads", "1"]);
    let two = dedup_stdout(&[input.to_str().unwrap(), "--threads", "2"]);
    let four = dedup_stdout(&[input.to_str().unwrap(), "--threads", "4"]);
    assert_eq!(one, two);
    assert_eq!(one, four);
}

#[test]
fn the_origin_is_the_earliest_version_and_is_kept() {
    let r = rows(&dedup_stdout(&[sample("news.jsonl").to_str().unwrap()]));
    let by_id = |id: &str| r.iter().find(|x| x["id"] == id).unwrap().clone();
    // w00-0 is the wire original, published before its four republications.
    let origin = by_id("w00-0");
    assert_eq!(origin["cluster"], "w00-0");
    assert_eq!(origin["duplicate"], false);
    assert!(origin["parent"].is_null());
    for v in 1..=4 {
        let row = by_id(&format!("w00-{v}"));
        assert_eq!(row["cluster"], "w00-0");
        assert_eq!(row["duplicate"], true);
        assert!(row["similarity"].as_f64().unwrap() > 0.5);
    }
}

#[test]
fn compressed_and_stdin_inputs_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(sample("news.jsonl")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    let gz = write(dir.path(), "news.jsonl.gz", &gz.finish().unwrap());
    let zst = write(
        dir.path(),
        "news.zst",
        &zstd::encode_all(&raw[..], 3).unwrap(),
    );
    let plain = dedup_stdout(&[sample("news.jsonl").to_str().unwrap()]);
    assert_eq!(dedup_stdout(&[gz.to_str().unwrap()]), plain);
    assert_eq!(dedup_stdout(&[zst.to_str().unwrap()]), plain);
    let piped = wiretrace()
        .args(["dedup", "-", "-q"])
        .write_stdin(raw)
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert_eq!(piped.stdout, plain);
}

#[test]
fn keep_writes_one_version_per_story_exactly_as_read() {
    let dir = tempfile::tempdir().unwrap();
    let input = std::fs::read_to_string(sample("news.jsonl")).unwrap();
    let lines: Vec<&str> = input.lines().collect();
    for (policy, stdin) in [("earliest", false), ("longest", false), ("earliest", true)] {
        let keep = dir.path().join(format!("kept-{policy}-{stdin}.jsonl"));
        let mut cmd = wiretrace();
        cmd.args([
            "dedup",
            "-q",
            "-o",
            dir.path().join("rows.jsonl").to_str().unwrap(),
            "--keep-policy",
            policy,
            "--keep",
            keep.to_str().unwrap(),
        ]);
        if stdin {
            cmd.arg("-").write_stdin(input.clone());
        } else {
            cmd.arg(sample("news.jsonl"));
        }
        cmd.assert().success();
        let kept = std::fs::read_to_string(&keep).unwrap();
        assert_eq!(kept.lines().count(), 23, "{policy}");
        for l in kept.lines() {
            assert!(lines.contains(&l), "kept line not in input: {l}");
        }
        if policy == "earliest" {
            assert!(kept.contains("\"id\": \"w00-0\""));
        }
    }
}

#[test]
fn text_folders_read_dates_and_authors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dedup_stdout(&[sample("stories").to_str().unwrap()]);
    let r = rows(&out);
    assert_eq!(r.len(), 5);
    let reprint = r.iter().find(|x| x["id"] == "03-reprint").unwrap();
    assert_eq!(reprint["cluster"], "03-original");
    assert_eq!(reprint["duplicate"], true);
    // --keep copies the kept story files into a folder.
    let keep = dir.path().join("kept");
    wiretrace()
        .args([
            "dedup",
            "-q",
            "-o",
            dir.path().join("rows.jsonl").to_str().unwrap(),
            sample("stories").to_str().unwrap(),
            "--keep",
            keep.to_str().unwrap(),
        ])
        .assert()
        .success();
    let mut kept: Vec<String> = std::fs::read_dir(&keep)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        ["03-original.txt", "06-original.txt", "12-original.txt"]
    );
    assert_eq!(
        std::fs::read(keep.join("06-original.txt")).unwrap(),
        std::fs::read(sample("stories/06-original.txt")).unwrap()
    );
}

#[test]
fn a_malformed_line_stops_the_run_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bad.jsonl", b"{\"id\":\"a\",\"text\":\"one story\"}\n{\"id\":\"b\",\"text\":\"two\"}\n{\"id\":\"c\",\"text\":\"broken\n");
    wiretrace()
        .args(["dedup", f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.jsonl:3"))
        .stderr(predicate::str::contains("--skip-invalid"))
        .stderr(predicate::str::contains("panicked").not());
    let out = tempfile::NamedTempFile::new().unwrap();
    wiretrace()
        .args([
            "dedup",
            f.to_str().unwrap(),
            "--skip-invalid",
            "-o",
            out.path().to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("invalid records left out: 1"))
        .stderr(predicate::str::contains("bad.jsonl:3"));
    // Three records, three rows: the broken one says why.
    let r = rows(&std::fs::read(out.path()).unwrap());
    assert_eq!(r.len(), 3);
    assert!(r[2]["invalid"].as_str().unwrap().contains("EOF"));
}

#[test]
fn records_past_the_first_chunks_keep_their_order_and_places() {
    // ~13 MB: several 4 MB read chunks, which are parsed and added to the corpus in overlap.
    let dir = tempfile::tempdir().unwrap();
    let filler = "word ".repeat(400);
    let mut data = Vec::new();
    for i in 0..6000 {
        writeln!(data, "{{\"id\":\"d{i}\",\"text\":\"story {i} {filler}\"}}").unwrap();
    }
    let good = write(dir.path(), "good.jsonl", &data);
    let out = wiretrace()
        .args(["dedup", good.to_str().unwrap(), "-q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let ids: Vec<String> = rows(&out.stdout)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, (0..6000).map(|i| format!("d{i}")).collect::<Vec<_>>());
    // A repeated id and a broken record in the last chunk are named at their lines.
    let mut bad = data.clone();
    bad.extend_from_slice(
        b"{\"id\":\"d17\",\"text\":\"again\"}\n{\"id\":\"x\",\"text\":\"broken\n",
    );
    let bad = write(dir.path(), "bad.jsonl", &bad);
    wiretrace()
        .args(["dedup", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.jsonl:6001"))
        .stderr(predicate::str::contains("bad.jsonl:18"));
    wiretrace()
        .args(["dedup", bad.to_str().unwrap(), "--skip-invalid", "-q"])
        .assert()
        .success();
}

#[test]
fn missing_text_wrong_types_and_bad_dates_are_named() {
    let dir = tempfile::tempdir().unwrap();
    for (content, expect) in [
        (&b"{\"id\":\"a\"}\n"[..], "no \"text\" field"),
        (b"{\"id\":\"a\",\"text\":42}\n", "\"text\" is a number"),
        (b"[1,2]\n", "expected a JSON object"),
    ] {
        let f = write(dir.path(), "in.jsonl", content);
        wiretrace()
            .args(["dedup", f.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("in.jsonl:1"))
            .stderr(predicate::str::contains(expect));
    }
}

/// With --skip-invalid every record still has a row, in input order: rows join back one to
/// one with the input.
#[test]
fn invalid_records_keep_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "in.jsonl",
        b"{\"id\":\"a\",\"text\":\"one story about the harbour\"}\nnot json\n{\"id\":\"b\",\"text\":42}\n{\"id\":\"a\",\"text\":\"again\"}\n{\"id\":\"c\",\"text\":\"the markets\"}\n{\"id\":\"d\"}\n",
    );
    let r = rows(&dedup_stdout(&[f.to_str().unwrap(), "--skip-invalid"]));
    let ids: Vec<&str> = r.iter().map(|v| v["id"].as_str().unwrap()).collect();
    let place = format!("{}:2", f.display());
    assert_eq!(ids, ["a", place.as_str(), "b", "a", "c", "d"]);
    let invalid: Vec<bool> = r.iter().map(|v| v["invalid"].is_string()).collect();
    assert_eq!(invalid, [false, true, true, true, false, true]);
    assert!(r[3]["invalid"].as_str().unwrap().contains("duplicate id"));
    // eval reads such rows (the invalid ones are not documents).
    let rows_file = write(
        dir.path(),
        "rows.jsonl",
        &dedup_stdout(&[f.to_str().unwrap(), "--skip-invalid"]),
    );
    let truth = write(
        dir.path(),
        "truth.jsonl",
        b"{\"id\":\"a\",\"cluster\":\"a\"}\n{\"id\":\"c\",\"cluster\":\"c\"}\n",
    );
    wiretrace()
        .args([
            "eval",
            "--truth",
            truth.to_str().unwrap(),
            rows_file.to_str().unwrap(),
        ])
        .assert()
        .success();
}

/// A date no known form reads leaves the version undated: counted and named, never fatal,
/// and the row is still there.
#[test]
fn unreadable_dates_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "in.jsonl",
        b"{\"id\":\"a\",\"text\":\"x\",\"date\":\"31-MAR-1987 605:12:19.12\"}\n{\"id\":\"b\",\"text\":\"y\",\"date\":\"Mon, 06 Jan 2025 14:12:00 GMT\"}\n{\"id\":\"c\",\"text\":\"z\",\"date\":\"last week\"}\n",
    );
    let out = wiretrace()
        .args(["dedup", f.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(rows(&out.stdout).len(), 3);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("dates no known form reads (those versions are undated): 2")
            && err.contains("in.jsonl:1: \"31-MAR-1987 605:12:19.12\"")
            && err.contains("in.jsonl:3: \"last week\""),
        "{err}"
    );
}

#[test]
fn custom_field_names() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "in.jsonl", b"{\"doc\":7,\"body\":\"the same words in the same order here\"}\n{\"doc\":8,\"body\":\"the same words in the same order here\"}\n");
    let r = rows(&dedup_stdout(&[
        f.to_str().unwrap(),
        "--id-field",
        "doc",
        "--text-field",
        "body",
    ]));
    assert_eq!(r[0]["id"], "7");
    assert_eq!(r[1]["cluster"], "7");
}

#[test]
fn duplicate_ids_name_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "dup.jsonl", b"{\"id\":\"a\",\"text\":\"first\"}\n{\"id\":\"b\",\"text\":\"second\"}\n{\"id\":\"a\",\"text\":\"third\"}\n");
    wiretrace()
        .args(["dedup", f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "dup.jsonl:3: duplicate id \"a\", first seen at ",
        ))
        .stderr(predicate::str::contains("dup.jsonl:1"));
    wiretrace()
        .args(["dedup", f.to_str().unwrap(), "--skip-invalid"])
        .assert()
        .success()
        .stderr(predicate::str::contains("invalid records left out: 1"));
}

#[test]
fn invalid_utf8_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "latin1.jsonl",
        b"{\"id\":\"a\",\"text\":\"caf\xe9\"}\n",
    );
    wiretrace()
        .args(["dedup", f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("latin1.jsonl:1"));
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "x.txt", b"caf\xe9 au lait");
    wiretrace()
        .args(["dedup", d.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("x.txt"))
        .stderr(predicate::str::contains("UTF-8"));
}

#[test]
fn empty_texts_are_reported_and_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "e.jsonl", b"{\"id\":\"a\",\"text\":\"\"}\n{\"id\":\"b\",\"text\":\"  ...  \"}\n{\"id\":\"c\",\"text\":\"words\"}\n");
    let out = wiretrace()
        .args(["dedup", f.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty texts left out of clustering: 2"));
    let r = rows(&out.stdout);
    assert_eq!(r[0]["empty"], true);
    assert_eq!(r[1]["cluster"], "b", "empty texts are never merged");
}

#[test]
fn junk_pages_are_flagged_in_every_language_and_never_merged() {
    // Consent walls, paywalls, bot checks, "not found" pages and an author box in English,
    // German, French, Spanish and Turkish (one consent wall twice, under two headlines),
    // beside stories: one about consent banners that quotes them, one under a glued-on
    // banner, and its re-send.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/junk_pages.jsonl");
    let out = wiretrace()
        .args(["dedup", corpus.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let records: Vec<serde_json::Value> = rows(&std::fs::read(&corpus).unwrap());
    let r = rows(&out.stdout);
    assert_eq!(r.len(), records.len());
    let mut junk = 0;
    for (row, record) in r.iter().zip(&records) {
        assert_eq!(row["junk"], record["expect"], "{}", record["id"]);
        if record["expect"].is_string() {
            junk += 1;
            assert_eq!(
                row["cluster"], row["id"],
                "a junk page is merged with nothing"
            );
            assert_eq!(row["duplicate"], false);
            assert!(row.get("empty").is_none());
        }
    }
    assert!(junk >= 20, "{junk}");
    assert!(r
        .iter()
        .all(|row| row["cluster"] != "en-consent-1" || row["id"] == "en-consent-1"));
    let bus = r.iter().find(|row| row["id"] == "story-bus-2").unwrap();
    assert_eq!(bus["cluster"], "story-bus-1", "stories are still merged");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pages without a story (junk), left out of clustering: 7 consent_wall, 5 paywall, 6 bot_check, 2 not_found, 1 author_bio"),
        "{err}"
    );
}

#[test]
fn no_input_and_empty_input_never_panic() {
    wiretrace().arg("dedup").assert().code(2);
    wiretrace()
        .args(["dedup", "/nonexistent/file.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/file.jsonl"));
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "empty.jsonl", b"");
    wiretrace()
        .args(["dedup", f.to_str().unwrap()])
        .assert()
        .success()
        .stdout("");
    let f = write(dir.path(), "blank.jsonl", b"\n\n  \n");
    wiretrace()
        .args(["dedup", f.to_str().unwrap()])
        .assert()
        .success()
        .stdout("");
    // A folder with nothing to read says so, and what it holds.
    let d = tempfile::tempdir().unwrap();
    wiretrace()
        .args(["dedup", d.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds no files"));
    for (i, name) in ["a.pdf", "b.pdf", "c.png"].iter().enumerate() {
        write(d.path(), name, &[i as u8]);
    }
    wiretrace()
        .args(["dedup", d.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "3 file(s), none of a readable kind: .pdf (2), .png (1)",
        ));
}

#[test]
fn bad_options_are_usage_errors() {
    let s = sample("news.jsonl");
    let s = s.to_str().unwrap();
    // `diff` without A, or without B, gives one usage: both forms, in the same words.
    for args in [&["diff"][..], &["diff", "x"]] {
        wiretrace()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "Usage: wiretrace diff [OPTIONS] <A> <B> [--corpus <FILE>...]\n       \
                 wiretrace diff [OPTIONS] --pairs <PAIRS> --corpus <FILE>...",
            ));
    }
    wiretrace()
        .args(["dedup", s, "--bands", "10"])
        .assert()
        .code(2);
    wiretrace()
        .args(["dedup", s, "--bands", "100", "--rows", "4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--num-perm"));
    wiretrace()
        .args(["dedup", s, "--threshold", "1.5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--threshold"));
    wiretrace()
        .args(["dedup", s, "--shingle", "char", "--ngram", "9"])
        .assert()
        .code(2);
    wiretrace()
        .args(["dedup", s, "--anchors", "17"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--anchors"));
}

/// Pseudo-random words, the same for the same seed.
fn words(seed: u64, n: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mer", "vin", "tas", "pre", "dol", "un", "ber", "si", "qua", "ron", "fe",
        "gal", "tor", "ni",
    ];
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005) | 1;
    (0..n)
        .map(|_| {
            let syllables = 1 + (x >> 60) as usize % 3;
            (0..syllables)
                .map(|_| {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    SYLLABLES[(x >> 60) as usize]
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_one_paragraph_cut_of_a_long_story_joins_it_through_anchors() {
    // A story of eight paragraphs and a republication of its first one only: at about an
    // eighth of the story, the cut's Jaccard similarity is too low for the strict LSH
    // asked for here, and only the anchors (containment) find the pair.
    let dir = tempfile::tempdir().unwrap();
    let paragraphs: Vec<String> = (0..8).map(|p| words(p + 1, 70)).collect();
    let story = paragraphs.join("\n\n");
    let cut = format!("{}\n\nRead more at the Courier.", paragraphs[0]);
    let other = words(99, 400);
    let lines: Vec<String> = [("story", &story), ("other", &other), ("cut", &cut)]
        .iter()
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string())
        .collect();
    let input = write(dir.path(), "in.jsonl", lines.join("\n").as_bytes());
    let input = input.to_str().unwrap();
    let strict = ["--bands", "8", "--rows", "8"];
    let cluster_of = |extra: &[&str]| {
        let mut args = vec![input];
        args.extend(strict);
        args.extend(extra);
        let rows = rows(&dedup_stdout(&args));
        assert_eq!(rows.len(), 3);
        (rows[2]["cluster"].clone(), rows[2]["parent"].clone())
    };
    assert_eq!(cluster_of(&[]), ("story".into(), "story".into()));
    assert_eq!(
        cluster_of(&["--anchors", "0"]),
        ("cut".into(), serde_json::Value::Null)
    );
}

#[test]
fn output_file_is_replaced_atomically_only_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let out = write(dir.path(), "rows.jsonl", b"previous good output\n");
    let bad = write(dir.path(), "bad.jsonl", b"{\"text\":\"ok\"}\nnot json\n");
    wiretrace()
        .args(["dedup", bad.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&out).unwrap(), b"previous good output\n");
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".wiretrace")
        })
        .count();
    assert_eq!(leftovers, 0, "no temporary file left behind");
    // A new output is readable like any file (not private like the temporary file).
    use std::os::unix::fs::PermissionsExt;
    let fresh = dir.path().join("fresh.jsonl");
    wiretrace()
        .args([
            "dedup",
            "-q",
            sample("news.jsonl").to_str().unwrap(),
            "-o",
            fresh.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert_eq!(
        std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
        0o644
    );
}

/// The development corpora live outside the project; CI has them at ../shared/eval.
fn dev_corpus(name: &str) -> Option<(PathBuf, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev");
    let corpus = dir.join(format!("{name}.jsonl"));
    if !corpus.exists() {
        eprintln!(
            "skipped: {} is absent (the shared evaluation corpora are not on this machine)",
            corpus.display()
        );
        return None;
    }
    Some((corpus, dir.join(format!("{name}.truth.jsonl"))))
}

fn score(corpus: &Path, truth: &Path, threads: &str) -> (serde_json::Value, Vec<u8>) {
    let rows = dedup_stdout(&[corpus.to_str().unwrap(), "--threads", threads]);
    let dir = tempfile::tempdir().unwrap();
    let out = write(dir.path(), "rows.jsonl", &rows);
    let eval = wiretrace()
        .args([
            "eval",
            "--format",
            "json",
            "--truth",
            truth.to_str().unwrap(),
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    (serde_json::from_slice(&eval.stdout).unwrap(), rows)
}

#[test]
fn wire_dev_accuracy_at_default_settings() {
    let Some((corpus, truth)) = dev_corpus("wire_dev") else {
        return;
    };
    let (s, one) = score(&corpus, &truth, "1");
    assert!(s["f1"].as_f64().unwrap() >= 0.98, "{s}");
    assert!(s["ari"].as_f64().unwrap() >= 0.98, "{s}");
    let (_, two) = score(&corpus, &truth, "2");
    assert!(
        one == two,
        "wire_dev output differs between 1 and 2 threads"
    );
}

#[test]
fn ocr_dev_accuracy_at_default_settings() {
    let Some((corpus, truth)) = dev_corpus("ocr_dev") else {
        return;
    };
    let (s, _) = score(&corpus, &truth, "2");
    assert!(s["f1"].as_f64().unwrap() >= 0.92, "{s}");
}

#[test]
fn diff_two_versions_by_id_as_json() {
    let out = wiretrace()
        .args([
            "diff",
            "w00-0",
            "w00-3",
            "--corpus",
            sample("news.jsonl").to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["a"].as_str(), r["b"].as_str()),
        (Some("w00-0"), Some("w00-3"))
    );
    let kinds: Vec<&str> = r["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["headline_changed", "truncated", "boilerplate_added"]
    );
    assert_eq!(r["edits"][1]["paragraphs"], 2);
    assert!(r["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["op"] == "removed"));
}

#[test]
fn diff_many_pairs_and_plain_text_files() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = write(
        dir.path(),
        "pairs.jsonl",
        b"{\"a\":\"w01-0\",\"b\":\"w01-1\"}\n{\"a\":\"w02-0\",\"b\":\"w02-2\"}\n",
    );
    let out = wiretrace()
        .args([
            "diff",
            "--pairs",
            pairs.to_str().unwrap(),
            "--corpus",
            sample("news.jsonl").to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let r = rows(&out.stdout);
    assert_eq!(r.len(), 2);
    assert_eq!(r[1]["b"], "w02-2");
    // Two text files; not a terminal, so no colour codes.
    let text = wiretrace()
        .args([
            "diff",
            sample("stories/03-original.txt").to_str().unwrap(),
            sample("stories/03-reprint.txt").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(text.status.success());
    let s = String::from_utf8(text.stdout).unwrap();
    assert!(s.contains("truncated: last 1 paragraph(s) cut"), "{s}");
    assert!(!s.contains('\u{1b}'), "no ANSI codes when not a terminal");
}

#[test]
fn diff_gives_each_pair_the_similarity_its_row_has() {
    // One measure under one name: `diff --corpus` of a version and its parent says the
    // number `dedup`'s row says (the share of the smaller's shingles, boilerplate discounted).
    let news = sample("news.jsonl");
    let rows = rows(&dedup_stdout(&[news.to_str().unwrap()]));
    let children: Vec<&serde_json::Value> =
        rows.iter().filter(|r| r["parent"].is_string()).collect();
    assert!(children.len() > 20);
    let dir = tempfile::tempdir().unwrap();
    let pairs: String = children
        .iter()
        .map(|r| format!("{{\"a\":{},\"b\":{}}}\n", r["parent"], r["id"]))
        .collect();
    let pairs = write(dir.path(), "pairs.jsonl", pairs.as_bytes());
    let out = wiretrace()
        .args(["diff", "--pairs", pairs.to_str().unwrap(), "--corpus"])
        .arg(&news)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let diffs = self::rows(&out.stdout);
    assert_eq!(diffs.len(), children.len());
    for (d, r) in diffs.iter().zip(&children) {
        assert_eq!(d["b"], r["id"]);
        assert_eq!(d["similarity"], r["similarity"], "{}", r["id"]);
        assert!(d.get("containment").is_none());
    }
    // The corpus on stdin is read twice as well (spooled once): the same numbers.
    let piped = wiretrace()
        .args(["diff", "--pairs", pairs.to_str().unwrap(), "--corpus", "-"])
        .args(["--format", "json"])
        .write_stdin(std::fs::read(&news).unwrap())
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert_eq!(piped.stdout, out.stdout);
}

#[test]
fn diff_names_a_missing_id() {
    wiretrace()
        .args([
            "diff",
            "w00-0",
            "nope",
            "--corpus",
            sample("news.jsonl").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no document with id \"nope\""));
}

#[test]
fn story_prints_the_lineage_tree() {
    let out = wiretrace()
        .args([
            "story",
            "w00-2",
            "--corpus",
            sample("news.jsonl").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[0].starts_with("story w00-0: 5 version(s)"), "{s}");
    // The outlets' own furniture once for the story, not on each version's line.
    assert_eq!(
        lines[1],
        "outlet furniture: 4 version(s) add their outlet's own header/footer, 0 drop their parent's"
    );
    assert!(!s.contains("own header/footer;"), "{s}");
    assert!(
        lines[2].contains("w00-0") && lines[2].ends_with("origin"),
        "{s}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("├─ ") || l.contains("└─ "))
            .count(),
        4,
        "{s}"
    );
    assert!(
        s.contains("w00-3") && s.contains("cut 2 paragraph(s)"),
        "{s}"
    );
    // With the rows of an earlier run, the same tree.
    let dir = tempfile::tempdir().unwrap();
    let rows = write(
        dir.path(),
        "rows.jsonl",
        &dedup_stdout(&[sample("news.jsonl").to_str().unwrap()]),
    );
    let again = wiretrace()
        .args([
            "story",
            "w00-2",
            "--corpus",
            sample("news.jsonl").to_str().unwrap(),
            "--clusters",
            rows.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), s);
    wiretrace()
        .args([
            "story",
            "nope",
            "--corpus",
            sample("news.jsonl").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no document with id \"nope\""));
}

/// Regression: `-o /dev/null` once renamed a temporary file over /dev/null, replacing the
/// device with a regular file. Outputs that are not regular files are written in place.
#[test]
fn outputs_that_are_not_regular_files_are_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("rows.pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    wiretrace()
        .args([
            "dedup",
            "-q",
            sample("news.jsonl").to_str().unwrap(),
            "-o",
            fifo.to_str().unwrap(),
        ])
        .assert()
        .success();
    let got = reader.join().unwrap();
    assert_eq!(rows(&got).len(), 55);
    assert!(
        std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "still a named pipe"
    );
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file beside the pipe");
}

#[test]
fn report_is_one_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    wiretrace()
        .args([
            "report",
            sample("news.jsonl").to_str().unwrap(),
            "-o",
            page.to_str().unwrap(),
        ])
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is fetched from elsewhere: no external scripts, styles or images.
    for needle in ["<script src", "<link", "<img", "@import"] {
        assert!(!html.contains(needle), "{needle}");
    }
    // The data is inline and complete: 55 documents, the 15 stories with several versions.
    let (data, details) = common::report_data(&html);
    assert_eq!(data["documents"], 55);
    assert_eq!(data["stories"], 23);
    let list = data["list"].as_array().unwrap();
    assert_eq!(list.len(), 15);
    assert_eq!(data["carried"], 15, "a small corpus carries every story");
    assert_eq!(
        list[0]["v"].as_array().unwrap().len(),
        5,
        "largest story first"
    );
    assert_eq!(details[0]["versions"].as_array().unwrap().len(), 5);
    let v = &details[0]["versions"][1];
    assert!(v["diff"]["edits"].is_array() && v["parent"].is_string());
}

#[test]
fn report_carries_the_diffs_of_the_stories_it_chose_and_the_timeline_of_all() {
    let dir = tempfile::tempdir().unwrap();
    let page = |args: &[&str]| {
        let out = dir.path().join("r.html");
        wiretrace()
            .args(["report", sample("news.jsonl").to_str().unwrap(), "-q", "-o"])
            .arg(&out)
            .args(args)
            .assert()
            .success();
        std::fs::read_to_string(&out).unwrap()
    };
    let (data, details) = common::report_data(&page(&["--stories", "4"]));
    assert_eq!(data["carried"], 4);
    assert_eq!(data["limit"], 4);
    let list = data["list"].as_array().unwrap();
    assert_eq!(list.len(), 15, "every story is listed");
    let carried: Vec<bool> = list.iter().map(|s| s["c"].as_bool().unwrap()).collect();
    assert_eq!(carried.iter().filter(|&&c| c).count(), 4);
    assert!(carried[0], "the largest story is carried");
    for (s, d) in list.iter().zip(&details) {
        let versions = d["versions"].as_array().unwrap();
        assert_eq!(versions.len(), s["v"].as_array().unwrap().len());
        let diffs = versions.iter().filter(|v| v["diff"].is_object()).count();
        let c = s["c"].as_bool().unwrap();
        assert_eq!(diffs, if c { versions.len() - 1 } else { 0 }, "{s}");
    }
    // The choice is the same every run, and `all` carries every story.
    assert_eq!(page(&["--stories", "4"]), page(&["--stories", "4"]));
    let (all, _) = common::report_data(&page(&["--stories", "all"]));
    assert_eq!(all["carried"], 15);
    assert!(all["limit"].is_null());
    wiretrace()
        .args([
            "report",
            sample("news.jsonl").to_str().unwrap(),
            "--stories",
            "many",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "expected a number of stories or `all`",
        ));
}

#[test]
fn report_reads_the_same_versions_whether_it_clusters_or_is_given_the_rows() {
    // Clustering now, it reads only the texts it shows (by place); given rows, every record
    // (by id). The pages, furniture and all, are the same byte for byte.
    let dir = tempfile::tempdir().unwrap();
    let corpus = sample("news.jsonl");
    let rows = dir.path().join("rows.jsonl");
    wiretrace()
        .args(["dedup", corpus.to_str().unwrap(), "-q", "-o"])
        .arg(&rows)
        .assert()
        .success();
    for stories in ["3", "all"] {
        let (a, b) = (dir.path().join("a.html"), dir.path().join("b.html"));
        wiretrace()
            .args([
                "report",
                corpus.to_str().unwrap(),
                "-q",
                "--stories",
                stories,
                "-o",
            ])
            .arg(&a)
            .assert()
            .success();
        wiretrace()
            .args([
                "report",
                corpus.to_str().unwrap(),
                "-q",
                "--stories",
                stories,
                "-o",
            ])
            .arg(&b)
            .arg("--clusters")
            .arg(&rows)
            .assert()
            .success();
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "--stories {stories}"
        );
    }
}

#[test]
fn report_and_story_read_stdin_once() {
    let corpus = std::fs::read(sample("news.jsonl")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("r.html");
    wiretrace()
        .args(["report", "-", "-o", page.to_str().unwrap(), "-q"])
        .write_stdin(corpus.clone())
        .assert()
        .success();
    assert!(std::fs::read_to_string(&page)
        .unwrap()
        .contains("\"w00-3\""));
    wiretrace()
        .args(["story", "w00-2", "--corpus", "-"])
        .write_stdin(corpus.clone())
        .assert()
        .success()
        .stdout(predicate::str::starts_with("story w00-0: 5 version(s)"));
    wiretrace()
        .args(["story", "w00-2", "--corpus", "-", "-"])
        .write_stdin(corpus)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdin (-) can be read only once"));
}
