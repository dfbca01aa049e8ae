//! Integration tests of `wiretrace index` and `wiretrace check`: the CI gate's exit codes and
//! formats, parameters kept in the index, re-adds, crash safety under SIGKILL, a check while
//! an add writes, and accuracy on the development corpus split by date.

mod common;

use common::{big_corpus, exe, s, sample_records, wiretrace, write_jsonl};
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The sample data split in two: the first 30 records (the archive) and the rest (a batch).
fn split(dir: &Path) -> (PathBuf, PathBuf) {
    let recs = sample_records();
    let (old, new) = (dir.join("old.jsonl"), dir.join("new.jsonl"));
    write_jsonl(&old, &recs[..30]);
    write_jsonl(&new, &recs[30..]);
    (old, new)
}

/// A temporary folder with the sample split in two and the first part indexed in `NAME.index`:
/// (folder, first part, second part, index).
fn indexed_sample(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = split(dir.path());
    let index = dir.path().join(format!("{name}.index"));
    add(&index, &old);
    (dir, old, new, index)
}

/// Adds `input` to `index` quietly, expecting success.
fn add(index: &Path, input: &Path) {
    wiretrace()
        .args(["index", "add", "--index", s(index), s(input), "-q"])
        .assert()
        .success();
}

fn stats(index: &Path) -> serde_json::Value {
    let out = wiretrace()
        .args(["index", "stats", "--index", s(index), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check_json(index: &Path, batch: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = wiretrace()
        .args([
            "check",
            "--index",
            s(index),
            s(batch),
            "--format",
            "json",
            "-q",
        ])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn check_flags_duplicates_of_the_index_and_of_the_batch_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = split(dir.path());
    let index = dir.path().join("archive.index");
    wiretrace()
        .args(["index", "add", "--index", s(&index), s(&old)])
        .assert()
        .success()
        .stderr(predicate::str::contains("added 30 documents"));
    let st = stats(&index);
    assert_eq!(st["documents"], 30);
    assert!(st["stories"].as_u64().unwrap() < 30);
    assert_eq!(st["params"]["num_perm"], 256);

    let (code, rep) = check_json(&index, &new, &[]);
    assert_eq!(code, 1, "duplicates over the default budget of 0");
    assert_eq!(rep["documents"], 25);
    let results = rep["results"].as_array().unwrap();
    assert_eq!(results.len(), 25);
    let dups = results.iter().filter(|r| r["duplicate"] == true).count();
    assert_eq!(rep["duplicates"], dups);
    // Every duplicate says which document it matched, where, and how closely.
    let truth: std::collections::HashMap<String, String> = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/news.truth.jsonl"),
    )
    .unwrap()
    .lines()
    .map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        (
            v["id"].as_str().unwrap().to_string(),
            v["cluster"].as_str().unwrap().to_string(),
        )
    })
    .collect();
    let old_stories: std::collections::HashSet<&String> = sample_records()[..30]
        .iter()
        .map(|r| &truth[r["id"].as_str().unwrap()])
        .collect();
    let mut seen = old_stories.clone();
    for r in results {
        let id = r["id"].as_str().unwrap();
        let story = &truth[id];
        assert_eq!(r["duplicate"], seen.contains(story), "{id}");
        seen.insert(story);
        for m in r["matches"].as_array().unwrap() {
            assert_eq!(&truth[m["id"].as_str().unwrap()], story, "{id} matched {m}");
            let src = m["source"].as_str().unwrap();
            assert!(src == "index" || src == "batch");
            if src == "index" {
                assert!(old_stories.contains(story), "{id} matched the index");
            }
            // The share of the smaller version found in the other: the rule's floor holds.
            assert!(m["similarity"].as_f64().unwrap() >= 0.25, "{m}");
            assert!(m.get("containment").is_none(), "one measure, one name: {m}");
        }
    }
    // A budget above the rate passes.
    let (code, rep) = check_json(&index, &new, &["--max-dup-rate", "1"]);
    assert_eq!(code, 0);
    assert_eq!(rep["passed"], true);

    // The other formats.
    wiretrace()
        .args([
            "check",
            "--index",
            s(&index),
            s(&new),
            "--format",
            "markdown",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("## wiretrace check: ❌"))
        .stdout(predicate::str::contains("| Duplicate rate |"))
        .stdout(predicate::str::contains("### Worst offenders"));
    wiretrace()
        .args(["check", "--index", s(&index), s(&new), "--format", "github"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "new.jsonl,line=1,title=Duplicate story::",
        ))
        .stdout(predicate::str::contains(
            "::error title=wiretrace check failed::",
        ));
    wiretrace()
        .args([
            "check",
            "--index",
            s(&index),
            s(&new),
            "--max-dup-rate",
            "1",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("PASS: "));
}

/// Short stories of one outlet, wrapped in its header and footer: 2 of its pages are in the
/// index, 3 in the batch. Neither alone has enough pages to learn the outlet's boilerplate; the
/// pages the index keeps per outlet make the check learn it.
#[test]
fn small_batches_learn_outlet_boilerplate() {
    let (_dir, _old, new, index) = indexed_sample("h");
    let (_, rep) = check_json(&index, &new, &["--max-dup-rate", "1"]);
    for r in rep["results"].as_array().unwrap() {
        if r["id"].as_str().unwrap().starts_with('h') {
            assert_eq!(r["duplicate"], false, "{r}");
        }
    }
}

#[test]
fn bad_usage_and_bad_input_exit_2_with_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let (old, _) = split(dir.path());
    let index = dir.path().join("a.index");
    wiretrace()
        .args(["check", "--index", s(&index), s(&old)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such index"));
    assert!(!index.exists(), "check must not create an index");
    add(&index, &old);
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": \"x\", \"text\": \"fine\"}\n{not json\n").unwrap();
    wiretrace()
        .args(["check", "--index", s(&index), s(&bad)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.jsonl:2"));
    wiretrace()
        .args([
            "check",
            "--index",
            s(&index),
            s(&old),
            "--max-dup-rate",
            "5",
        ])
        .assert()
        .code(2);
    let not_index = dir.path().join("notes.txt");
    std::fs::write(&not_index, "hello, this is not a database at all, but long enough to look like one to a careless reader").unwrap();
    wiretrace()
        .args(["check", "--index", s(&not_index), s(&old)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a wiretrace index"));
    // A failed add leaves the index as it was.
    wiretrace()
        .args(["index", "add", "--index", s(&index), s(&bad)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.jsonl:2"));
    assert_eq!(stats(&index)["documents"], 30);
}

#[test]
fn the_index_keeps_its_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = split(dir.path());
    let index = dir.path().join("p.index");
    wiretrace()
        .args([
            "index",
            "add",
            "--index",
            s(&index),
            s(&old),
            "--num-perm",
            "128",
            "-q",
        ])
        .assert()
        .success();
    assert_eq!(stats(&index)["params"]["num_perm"], 128);
    // A new index is made with 32 KiB pages (a check reads whole tables a page at a time).
    let page_size: i64 = rusqlite::Connection::open(&index)
        .unwrap()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(page_size, 32768);
    // Other parameters for an existing index: a clear error, nothing added.
    wiretrace()
        .args([
            "index",
            "add",
            "--index",
            s(&index),
            s(&new),
            "--num-perm",
            "256",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "num_perm is 128 in the index but 256 here",
        ));
    assert_eq!(stats(&index)["documents"], 30);
    // Without flags, the index's own are used, by add and by check.
    add(&index, &new);
    assert_eq!(stats(&index)["documents"], 55);
    assert_eq!(stats(&index)["params"]["num_perm"], 128);
    let (_, rep) = check_json(&index, &old, &["--max-dup-rate", "1"]);
    assert_eq!(
        rep["duplicates"], 30,
        "every indexed document is its own duplicate"
    );
}

#[test]
fn ids_already_indexed_are_skipped_and_repeated_ids_in_a_batch_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (old, _) = split(dir.path());
    let index = dir.path().join("d.index");
    for _ in 0..2 {
        wiretrace()
            .args([
                "index",
                "add",
                "--index",
                s(&index),
                s(&old),
                "--format",
                "json",
                "-q",
            ])
            .assert()
            .success();
    }
    let out = wiretrace()
        .args([
            "index",
            "add",
            "--index",
            s(&index),
            s(&old),
            "--format",
            "json",
            "-q",
        ])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["skipped"], 30);
    assert_eq!(r["added"], 0);
    assert_eq!(stats(&index)["documents"], 30);

    let twice = dir.path().join("twice.jsonl");
    let recs = sample_records();
    write_jsonl(
        &twice,
        &[recs[40].clone(), recs[41].clone(), recs[40].clone()],
    );
    wiretrace()
        .args(["index", "add", "--index", s(&index), s(&twice)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("duplicate id"))
        .stderr(predicate::str::contains("twice.jsonl:1"))
        .stderr(predicate::str::contains("twice.jsonl:3"));
    wiretrace()
        .args(["check", "--index", s(&index), s(&twice)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("duplicate id"));
}

#[test]
fn removed_documents_no_longer_match() {
    let (dir, old, _, index) = indexed_sample("r");
    let ids: Vec<String> = sample_records()[..30]
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let list = dir.path().join("ids.txt");
    std::fs::write(&list, format!("{}\n{}\nno-such-id\n", ids[0], ids[1])).unwrap();
    wiretrace()
        .args(["index", "remove", "--index", s(&index), "--ids", s(&list)])
        .assert()
        .success()
        .stderr(predicate::str::contains("removed 2 documents"))
        .stderr(predicate::str::contains("1 ids were not in the index"));
    let st = stats(&index);
    assert_eq!(st["documents"], 28);
    assert_eq!(st["removed"], 2);
    let (_, rep) = check_json(&index, &old, &["--max-dup-rate", "1"]);
    for r in rep["results"].as_array().unwrap() {
        for m in r["matches"].as_array().unwrap() {
            if m["source"] == "index" {
                assert!(m["id"] != ids[0].as_str() && m["id"] != ids[1].as_str());
            }
        }
    }
    // Adding them back gives them new numbers; every id is there once.
    add(&index, &old);
    assert_eq!(stats(&index)["documents"], 30);
}

/// Each add writes its bucket pages as a new segment (merged with the newest as they pile up):
/// a check answers the same from several segments as from one after `index compact`.
#[test]
fn several_adds_answer_like_one_compacted_index() {
    let dir = tempfile::tempdir().unwrap();
    let recs = sample_records();
    let index = dir.path().join("seg.index");
    // Shrinking adds are not merged by size: 16, 8, 4, 2 documents leave four segments.
    let mut at = 0;
    for (i, size) in [16, 8, 4, 2].into_iter().enumerate() {
        let part = dir.path().join(format!("part{i}.jsonl"));
        write_jsonl(&part, &recs[at..at + size]);
        add(&index, &part);
        at += size;
    }
    let st = stats(&index);
    assert_eq!(st["documents"], 30);
    assert_eq!(st["segments"], 4);
    let batch = dir.path().join("new.jsonl");
    write_jsonl(&batch, &recs[30..]);
    let size_before = st["size_bytes"].as_u64().unwrap();
    let (code, before) = check_json(&index, &batch, &[]);
    assert!(before["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["source"] == "index")));
    wiretrace()
        .args(["index", "compact", "--index", s(&index)])
        .assert()
        .success()
        .stderr(predicate::str::contains("4 bucket segments"));
    let st = stats(&index);
    assert_eq!(st["segments"], 1);
    // The freed pages went back to the file system.
    assert!(st["size_bytes"].as_u64().unwrap() <= size_before);
    let (code2, after) = check_json(&index, &batch, &[]);
    assert_eq!((code, &before), (code2, &after));
    integrity(&index);
    // A smaller add leaves a second segment beside the compacted one.
    let more = dir.path().join("more.jsonl");
    write_jsonl(&more, &recs[30..]);
    add(&index, &more);
    assert_eq!(stats(&index)["segments"], 2);
}

fn integrity(index: &Path) {
    let conn = rusqlite::Connection::open(index).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let dup_ids: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT id FROM docs GROUP BY id HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dup_ids, 0);
}

#[test]
fn an_add_killed_at_any_moment_leaves_the_index_before_or_after_it() {
    let (dir, _old, new, index) = indexed_sample("k");
    let batch = dir.path().join("big.jsonl");
    let n = big_corpus(&batch, 600, "k");
    // How long an undisturbed add takes here, on a throwaway copy.
    let probe = dir.path().join("probe.index");
    let t = Instant::now();
    add(&probe, &batch);
    let full = t.elapsed();
    let mut outcomes = Vec::new();
    for step in 1..=6 {
        let delay = full.mul_f64(step as f64 / 7.0);
        let mut child = std::process::Command::new(exe())
            .args(["index", "add", "--index", s(&index), s(&batch), "-q"])
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let docs = stats(&index)["documents"].as_u64().unwrap();
        assert!(
            docs == 30 || docs == 30 + n as u64,
            "after a kill at {delay:?} the index holds {docs} documents, neither before nor after the add"
        );
        integrity(&index);
        let (_, rep) = check_json(&index, &new, &["--max-dup-rate", "1"]);
        assert_eq!(rep["documents"], 25);
        outcomes.push((status.success(), docs));
        if docs != 30 {
            break;
        }
    }
    assert!(
        outcomes.iter().any(|(_, d)| *d == 30),
        "no kill landed before the commit: {outcomes:?}"
    );
    // The retried add completes it, each document once.
    add(&index, &batch);
    assert_eq!(stats(&index)["documents"], 30 + n as u64);
    integrity(&index);
}

/// The first add into a new index runs with a rollback journal (see `store::open_write`): a
/// kill at any moment, the last one while the journal exists (pages are being written), leaves
/// no index (stats says so and how to recover) or all of it, and a retried add completes it,
/// in WAL mode for the readers that follow.
#[test]
fn a_first_add_killed_at_any_moment_leaves_no_index_or_all_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("big.jsonl");
    let n = big_corpus(&batch, 600, "f") as u64;
    let probe = dir.path().join("probe.index");
    let t = Instant::now();
    add(&probe, &batch);
    let full = t.elapsed();
    let index = dir.path().join("first.index");
    let journal = dir.path().join("first.index-journal");
    let mut killed_writing = false;
    for step in 1..=3 {
        let mut child = std::process::Command::new(exe())
            .args(["index", "add", "--index", s(&index), s(&batch), "-q"])
            .spawn()
            .unwrap();
        if step < 3 {
            std::thread::sleep(full.mul_f64(step as f64 / 3.0));
        } else {
            // The last kill lands while pages are written.
            let deadline = Instant::now() + full * 10;
            while !journal.exists() && child.try_wait().unwrap().is_none() {
                assert!(Instant::now() < deadline, "the add neither wrote nor ended");
                std::thread::sleep(Duration::from_millis(1));
            }
            killed_writing = journal.exists();
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let out = wiretrace()
            .args(["index", "stats", "--index", s(&index), "--format", "json"])
            .output()
            .unwrap();
        let docs = if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            v["documents"].as_u64().unwrap()
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("no such index") || err.contains("run it again"),
                "{err}"
            );
            0
        };
        // (The last kill may come a moment after the commit.)
        assert!(
            docs == 0 || (step == 3 && docs == n),
            "after a kill at step {step} the new index holds {docs} documents, neither none nor all"
        );
        if docs == 0 && index.exists() {
            // Rolled back to the empty database it was created as.
            let conn = rusqlite::Connection::open(&index).unwrap();
            let (ok, tables): (String, i64) = conn
                .query_row(
                    "SELECT (SELECT integrity_check FROM pragma_integrity_check), (SELECT count(*) FROM sqlite_master)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((ok.as_str(), tables), ("ok", 0));
        }
    }
    assert!(killed_writing, "no kill landed while pages were written");
    add(&index, &batch);
    assert_eq!(stats(&index)["documents"], n);
    integrity(&index);
    let conn = rusqlite::Connection::open(&index).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn checks_read_while_an_add_writes_and_a_second_add_fails_clearly() {
    let (dir, _old, new, index) = indexed_sample("c");
    let (_, mut before) = check_json(&index, &new, &["--max-dup-rate", "1"]);
    let batch = dir.path().join("big.jsonl");
    let n = big_corpus(&batch, 800, "c");
    let mut writer = std::process::Command::new(exe())
        .args(["index", "add", "--index", s(&index), s(&batch), "-q"])
        .spawn()
        .unwrap();
    // Small adds that never wait: once the big add holds the lock, they fail at once.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut saw_lock, mut checks, mut extra) = (false, 0, 0u64);
    while writer.try_wait().unwrap().is_none() && Instant::now() < deadline {
        let second = dir.path().join("second.jsonl");
        let mut rec = sample_records()[30].clone();
        rec["id"] = serde_json::Value::String(format!("probe-{extra}"));
        write_jsonl(&second, &[rec]);
        let out = wiretrace()
            .args([
                "index",
                "add",
                "--index",
                s(&index),
                s(&second),
                "--wait",
                "0",
                "-q",
            ])
            .output()
            .unwrap();
        if out.status.success() {
            // It got in before the big add took the lock.
            extra += 1;
            before = check_json(&index, &new, &["--max-dup-rate", "1"]).1;
            continue;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2));
        assert!(err.contains("another `wiretrace index add`"), "{err}");
        saw_lock = true;
        // A check reads meanwhile, and sees the index as it was before the big add.
        let (_, during) = check_json(&index, &new, &["--max-dup-rate", "1"]);
        assert_eq!(during["duplicates"], before["duplicates"]);
        checks += 1;
        if checks >= 2 {
            break;
        }
    }
    assert!(writer.wait().unwrap().success());
    assert!(saw_lock, "the second add never met the first one's lock");
    assert_eq!(stats(&index)["documents"], 30 + n as u64 + extra);
    integrity(&index);
}

/// The development corpus split by date: the first 70% indexed, the last 30% checked. A
/// checked document is truly a duplicate when its story has a version in the index or earlier
/// in the batch.
#[test]
fn wire_dev_split_by_date_is_checked_accurately() {
    let dir_dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev");
    let corpus = dir_dev.join("wire_dev.jsonl");
    if !corpus.exists() {
        eprintln!(
            "skipped: {} is absent (the shared evaluation corpora are not on this machine)",
            corpus.display()
        );
        return;
    }
    let truth: std::collections::HashMap<String, String> =
        std::fs::read_to_string(dir_dev.join("wire_dev.truth.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let cluster = match &v["cluster"] {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (v["id"].as_str().unwrap().to_string(), cluster)
            })
            .collect();
    let mut recs: Vec<serde_json::Value> = std::fs::read_to_string(&corpus)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    recs.sort_by(|a, b| {
        a["date"]
            .as_str()
            .unwrap_or("")
            .cmp(b["date"].as_str().unwrap_or(""))
    });
    let cut = recs.len() * 7 / 10;
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.jsonl"), dir.path().join("new.jsonl"));
    write_jsonl(&old, &recs[..cut]);
    write_jsonl(&new, &recs[cut..]);
    let index = dir.path().join("wire.index");
    add(&index, &old);
    let (_, rep) = check_json(&index, &new, &[]);
    let mut seen: std::collections::HashSet<&String> = recs[..cut]
        .iter()
        .map(|r| &truth[r["id"].as_str().unwrap()])
        .collect();
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for r in rep["results"].as_array().unwrap() {
        let story = &truth[r["id"].as_str().unwrap()];
        let expected = !seen.insert(story);
        match (expected, r["duplicate"] == true) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            _ => {}
        }
    }
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fn_) as f64;
    eprintln!(
        "wire_dev split: precision {precision:.4} recall {recall:.4} ({tp} tp, {fp} fp, {fn_} fn)"
    );
    assert!(
        precision >= 0.97 && recall >= 0.97,
        "precision {precision:.4} recall {recall:.4}"
    );
}

/// A copy of an indexed document (another id, the same text) compares as identical, whatever
/// boilerplate the index learned since it was added.
#[test]
fn an_indexed_copy_compares_as_identical() {
    let (dir, _old, _, index) = indexed_sample("i");
    let copies: Vec<serde_json::Value> = sample_records()[..30]
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r["id"] = serde_json::Value::String(format!("copy-{}", r["id"].as_str().unwrap()));
            r
        })
        .collect();
    let batch = dir.path().join("copies.jsonl");
    write_jsonl(&batch, &copies);
    let (code, rep) = check_json(&index, &batch, &[]);
    assert_eq!(code, 1);
    for r in rep["results"].as_array().unwrap() {
        let original = r["id"].as_str().unwrap().trim_start_matches("copy-");
        let m = r["matches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == original)
            .unwrap_or_else(|| panic!("{r} does not match its original"));
        assert_eq!(m["similarity"], 1.0, "{r}");
        assert_eq!(m["source"], "index");
    }
}
