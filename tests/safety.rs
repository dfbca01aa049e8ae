//! Data safety and honest exit codes: outputs that would overwrite an input, a verdict behind
//! a closed pipe, real interrupts (SIGINT) at many moments of `dedup` and `index add`, foreign
//! databases, the umask, hostile records and text, deep and looping lineages, write errors,
//! damaged index parameters, exact ids, read-only indexes, plain error messages, and inputs
//! given twice. One test per failure the data-safety issue names.

mod common;

use common::{big_corpus, exe, s, sample, sample_records, wiretrace, write_jsonl};
use predicates::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

fn sigint(child: &std::process::Child) {
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
}

/// Files in `dir` whose names start with `.wiretrace-`: temporary files left behind.
fn temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".wiretrace-"))
        .collect()
}

// 1. An output that is an input is refused before anything is read or written.
#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::copy(sample(), &input).unwrap();
    let original = std::fs::read(&input).unwrap();
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&input, &hard).unwrap();
    let kept = dir.path().join("kept.jsonl");
    let cases: Vec<Vec<&str>> = vec![
        vec!["-o", s(&input)],
        vec!["--keep", s(&input)],
        vec!["-o", s(&link)],
        vec!["--keep", s(&hard)],
        vec!["-o", s(&kept), "--keep", s(&kept)],
    ];
    for extra in cases {
        wiretrace()
            .arg("dedup")
            .arg(&input)
            .args(&extra)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("Name another output")
                    .or(predicate::str::contains("name two different files")),
            );
        assert_eq!(std::fs::read(&input).unwrap(), original, "{extra:?}");
        assert!(!kept.exists(), "{extra:?}");
    }
    // Standard input redirected from the file that -o names.
    let status = std::process::Command::new(exe())
        .args(["dedup", "-", "-o", s(&input)])
        .stdin(std::fs::File::open(&input).unwrap())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    assert_eq!(std::fs::read(&input).unwrap(), original);
    // The report and check's outputs too, and an index that is an input.
    wiretrace()
        .args(["report", s(&input), "-o", s(&link)])
        .assert()
        .code(2);
    wiretrace()
        .args(["index", "add", "--index", s(&hard), s(&input)])
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&input).unwrap(), original);
}

/// An index of the sample's first 30 records, and the rest as a batch.
fn indexed(dir: &Path) -> (PathBuf, PathBuf) {
    let recs = sample_records();
    let (old, new) = (dir.join("old.jsonl"), dir.join("new.jsonl"));
    write_jsonl(&old, &recs[..30]);
    write_jsonl(&new, &recs[30..]);
    let index = dir.join("a.index");
    wiretrace()
        .args(["index", "add", "--index", s(&index), s(&old), "-q"])
        .assert()
        .success();
    (index, new)
}

// 2. A FAIL verdict keeps its exit code when the reader of the report goes away.
#[test]
fn a_verdict_survives_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let (index, new) = indexed(dir.path());
    for format in ["text", "json", "markdown"] {
        let mut child = std::process::Command::new(exe())
            .args(["check", "--index", s(&index), s(&new), "-q"])
            .args(["--max-dup-rate", "0.02", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before anything is written
        assert_eq!(child.wait().unwrap().code(), Some(1), "{format}");
    }
    // A plain data command still ends quietly.
    let mut child = std::process::Command::new(exe())
        .args(["dedup", s(&sample()), "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

fn doc_count(index: &Path) -> i64 {
    let conn = rusqlite::Connection::open(index).unwrap();
    conn.query_row("SELECT count(*) FROM docs", [], |r| r.get(0))
        .unwrap()
}

// 3. Ctrl-C during `index add`: exit 130 means nothing was committed, exit 0 all of it.
#[test]
fn an_interrupted_add_exits_130_with_nothing_committed_or_0_with_all() {
    let dir = tempfile::tempdir().unwrap();
    let (pristine, _) = indexed(dir.path());
    let batch = dir.path().join("big.jsonl");
    let n = big_corpus(&batch, 500, "i") as i64;
    let work = dir.path().join("work.index");
    let t = Instant::now();
    std::fs::copy(&pristine, &work).unwrap();
    wiretrace()
        .args(["index", "add", "--index", s(&work), s(&batch), "-q"])
        .assert()
        .success();
    let full = t.elapsed();
    let (mut interrupted, mut completed) = (0, 0);
    // SIGINT at 5% to 109% of a full add's time, then (a loaded machine can be slower than
    // the add timed) later or earlier each time until both outcomes have been seen.
    let mut step = 0;
    while step < 14 || (step < 26 && (interrupted == 0 || completed == 0)) {
        std::fs::remove_file(&work).unwrap();
        std::fs::copy(&pristine, &work).unwrap();
        let delay = match step {
            0..14 => full.mul_f64(0.05 + step as f64 * 0.08),
            _ if completed == 0 => full.mul_f64(1.5 * 1.5f64.powi(step - 13)),
            _ => full.mul_f64(0.05 / 2f64.powi(step - 13)),
        };
        step += 1;
        let mut child = std::process::Command::new(exe())
            .args(["index", "add", "--index", s(&work), s(&batch), "-q"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        sigint(&child);
        let status = child.wait().unwrap();
        let docs = doc_count(&work);
        match status.code() {
            Some(0) => {
                assert_eq!(docs, 30 + n, "exit 0 after SIGINT at {delay:?}");
                completed += 1;
            }
            // 130 from the handler, or no code when the signal came before it was installed.
            Some(130) | None => {
                assert_eq!(docs, 30, "exit {status} after SIGINT at {delay:?}");
                interrupted += 1;
            }
            other => panic!("exit {other:?} after SIGINT at {delay:?}"),
        }
    }
    assert!(interrupted > 0, "no interrupt landed before the commit");
    assert!(completed > 0, "no interrupt landed after the commit");
}

// 4. Ctrl-C during `dedup -o rows --keep kept`: both new or both as before, no temp file.
#[test]
fn an_interrupted_dedup_leaves_both_outputs_as_before_or_both_new() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    big_corpus(&input, 400, "d");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let (rows, kept) = (out.join("rows.jsonl"), out.join("kept.jsonl"));
    let run = |stdin: bool| {
        let mut c = std::process::Command::new(exe());
        c.arg("dedup")
            .arg(if stdin {
                "-".as_ref()
            } else {
                input.as_os_str()
            })
            .args(["-o", s(&rows), "--keep", s(&kept), "-q"])
            .env("TMPDIR", &tmp)
            .stderr(Stdio::null());
        if stdin {
            c.stdin(std::fs::File::open(&input).unwrap());
        }
        c
    };
    let t = Instant::now();
    assert!(run(false).status().unwrap().success());
    let full = t.elapsed();
    let (mut interrupted, mut completed) = (0, 0);
    // SIGINT at 5% to 115% of a full run's time; on a loaded machine a run can take longer
    // than the one timed, so more tries follow, later (or earlier) each time, until an
    // interrupt has landed both before and after the commit.
    let mut step = 0;
    while step < 12 || (step < 24 && (interrupted == 0 || completed == 0)) {
        std::fs::write(&rows, "OLD ROWS\n").unwrap();
        std::fs::write(&kept, "OLD KEPT\n").unwrap();
        let delay = match step {
            0..12 => full.mul_f64(0.05 + step as f64 * 0.1),
            _ if completed == 0 => full.mul_f64(1.5 * 1.5f64.powi(step - 11)),
            _ => full.mul_f64(0.05 / 2f64.powi(step - 11)),
        };
        let mut child = run(step % 2 == 1).spawn().unwrap();
        step += 1;
        std::thread::sleep(delay);
        sigint(&child);
        let status = child.wait().unwrap();
        let (r, k) = (
            std::fs::read_to_string(&rows).unwrap(),
            std::fs::read_to_string(&kept).unwrap(),
        );
        match status.code() {
            Some(0) => {
                completed += 1;
                let kept_ids: Vec<String> = k
                    .lines()
                    .map(|l| {
                        serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string()
                    })
                    .collect();
                let row_ids: Vec<String> = r
                    .lines()
                    .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                    .filter(|v| v["duplicate"] == false)
                    .map(|v| v["id"].to_string())
                    .collect();
                assert_eq!(kept_ids, row_ids, "rows and kept records of one run");
            }
            Some(130) | None => {
                interrupted += 1;
                assert_eq!((r.as_str(), k.as_str()), ("OLD ROWS\n", "OLD KEPT\n"));
            }
            other => panic!("exit {other:?}"),
        }
        assert_eq!(
            temps(&out),
            Vec::<String>::new(),
            "after SIGINT at {delay:?}"
        );
        let spooled: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
        assert!(spooled.is_empty(), "the stdin copy was left in TMPDIR");
    }
    assert!(
        interrupted > 0 && completed > 0,
        "{interrupted} interrupted, {completed} completed"
    );
}

/// `kill -9` cannot be caught: each output is still its old file or its whole new one.
#[test]
fn a_killed_dedup_leaves_each_output_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let n = big_corpus(&input, 300, "k");
    let (rows, kept) = (dir.path().join("rows.jsonl"), dir.path().join("kept.jsonl"));
    let run = || {
        let mut c = std::process::Command::new(exe());
        c.arg("dedup")
            .arg(&input)
            .args(["-o", s(&rows), "--keep", s(&kept), "-q"]);
        c
    };
    let t = Instant::now();
    assert!(run().status().unwrap().success());
    let full = t.elapsed();
    let new_rows = std::fs::read_to_string(&rows).unwrap();
    let new_kept = std::fs::read_to_string(&kept).unwrap();
    assert_eq!(new_rows.lines().count(), n);
    for step in 0..8 {
        std::fs::write(&rows, "OLD ROWS\n").unwrap();
        std::fs::write(&kept, "OLD KEPT\n").unwrap();
        let mut child = run().spawn().unwrap();
        std::thread::sleep(full.mul_f64(0.1 + step as f64 * 0.13));
        child.kill().unwrap();
        child.wait().unwrap();
        let r = std::fs::read_to_string(&rows).unwrap();
        let k = std::fs::read_to_string(&kept).unwrap();
        assert!(
            r == "OLD ROWS\n" || r == new_rows,
            "rows cut at step {step}"
        );
        assert!(
            k == "OLD KEPT\n" || k == new_kept,
            "kept cut at step {step}"
        );
    }
}

#[test]
fn every_output_is_checked_before_work_starts() {
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.jsonl");
    wiretrace()
        .args([
            "dedup",
            s(&sample()),
            "-o",
            s(&ok),
            "--keep",
            "/no/such/dir/x",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("/no/such/dir")
                .and(predicate::str::contains("does not exist")),
        );
    assert!(!ok.exists(), "rows were written though --keep could not be");
    assert!(temps(dir.path()).is_empty());
}

// 5. A database that is not a wiretrace index is refused and left as it was.
#[test]
fn a_foreign_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE customers(name TEXT); INSERT INTO customers VALUES ('a');")
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    wiretrace()
        .args(["index", "add", "--index", s(&db), s(&sample())])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("not a wiretrace index")
                .and(predicate::str::contains("customers")),
        );
    assert_eq!(std::fs::read(&db).unwrap(), before);
    let c = rusqlite::Connection::open(&db).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
}

// 6. New output files get 0666 minus the umask, as `cp` would make them.
#[test]
fn new_outputs_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (rows, kept) = (dir.path().join("rows.jsonl"), dir.path().join("kept.jsonl"));
    let cmd = format!(
        "umask 027; exec '{}' dedup '{}' -o '{}' --keep '{}' -q",
        exe().display(),
        sample().display(),
        rows.display(),
        kept.display()
    );
    assert!(std::process::Command::new("sh")
        .args(["-c", &cmd])
        .status()
        .unwrap()
        .success());
    for p in [&rows, &kept] {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "{}", p.display());
    }
}

// 7. A record past the cap stops the run with its place, without holding it.
#[test]
fn a_record_past_the_cap_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    // 300 MB of NULs with no line break: past the default cap of 256 MiB.
    let zeros = dir.path().join("zeros.zst");
    {
        let f = std::fs::File::create(&zeros).unwrap();
        let mut z = zstd::stream::write::Encoder::new(f, 1).unwrap();
        let block = vec![0u8; 1 << 20];
        for _ in 0..300 {
            z.write_all(&block).unwrap();
        }
        z.finish().unwrap();
    }
    wiretrace()
        .args(["dedup", s(&zeros), "-q"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "zeros.zst: a record longer than 268435456 bytes",
        ));
    // A smaller cap, on the second line of a gzip file, for check too.
    let gz = dir.path().join("long.jsonl.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b"{\"id\":\"a\",\"text\":\"short\"}\n").unwrap();
    e.write_all(&vec![b'x'; 5_000_000]).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    wiretrace()
        .args(["dedup", s(&gz), "--max-record-bytes", "1000000", "-q"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "long.jsonl.gz:2: a record longer than 1000000 bytes",
        ));
    let (index, _) = indexed(dir.path());
    wiretrace()
        .args([
            "check",
            "--index",
            s(&index),
            s(&gz),
            "--max-record-bytes",
            "1000000",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("long.jsonl.gz:2:"));
}

// 8. Inline data in the report cannot end its script element or comment it out.
#[test]
fn the_report_escapes_markup_in_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut recs = sample_records();
    recs[0]["title"] = "A title <!-- with a comment".into();
    recs[1]["text"] = format!(
        "{} <script>alert(1)</script> & more",
        recs[1]["text"].as_str().unwrap()
    )
    .into();
    let input = dir.path().join("in.jsonl");
    write_jsonl(&input, &recs);
    let html = dir.path().join("r.html");
    wiretrace()
        .args(["report", s(&input), "-o", s(&html), "-q"])
        .assert()
        .success();
    let page = std::fs::read_to_string(&html).unwrap();
    let start = page
        .find("<script id=\"data\" type=\"application/json\">")
        .unwrap();
    let data = &page[start..];
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    assert!(!data.contains(['<', '>', '&']), "markup in the inline data");
    assert!(data.contains("\\u003c!--"));
}

// 9. Ids and titles cannot inject Markdown or terminal commands.
#[test]
fn markdown_and_terminal_outputs_escape_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut recs = sample_records();
    let (index, _) = indexed(dir.path());
    let mut batch = recs[..3].to_vec();
    for r in &mut batch {
        r["id"] = format!("{}\n\n## ✅ 0 duplicates\n", r["id"].as_str().unwrap()).into();
    }
    let b = dir.path().join("b.jsonl");
    write_jsonl(&b, &batch);
    let out = wiretrace()
        .args([
            "check",
            "--index",
            s(&index),
            s(&b),
            "--format",
            "markdown",
            "--max-dup-rate",
            "1",
            "-q",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert_eq!(md.lines().filter(|l| l.starts_with('#')).count(), 2, "{md}");
    assert!(md.lines().any(|l| l.starts_with("| `")), "{md}");
    // Escape sequences in titles, outlets and ids reach the terminal as text.
    for r in &mut recs {
        r["title"] = "\u{1b}]0;owned\u{7}\u{1b}[2JTitle".into();
        r["source"] = "Outlet\u{1b}[31m".into();
    }
    recs[1]["id"] = "w00-1\u{9b}2J".into();
    let input = dir.path().join("esc.jsonl");
    write_jsonl(&input, &recs);
    for args in [
        vec!["story", "w00-0", "--corpus", s(&input)],
        vec!["diff", "w00-0", "w00-1\u{9b}2J", "--corpus", s(&input)],
        vec![
            "check",
            "--index",
            s(&index),
            s(&input),
            "--max-dup-rate",
            "1",
        ],
    ] {
        let out = wiretrace().args(&args).arg("-q").output().unwrap();
        assert!(
            out.status.code().unwrap() < 2,
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.is_empty());
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{9b}']),
            "{args:?}: {text:?}"
        );
    }
}

// 10. A parent chain tens of thousands deep, and looping parents.
#[test]
fn story_walks_deep_chains_and_refuses_loops() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 25_000;
    let (mut corpus, mut rows) = (String::new(), String::new());
    for i in 0..depth {
        corpus.push_str(&format!(
            "{{\"id\":\"v{i}\",\"text\":\"the story as told in version {i}\"}}\n"
        ));
        let parent = if i == 0 {
            "null".to_string()
        } else {
            format!("\"v{}\"", i - 1)
        };
        rows.push_str(&format!(
            "{{\"id\":\"v{i}\",\"cluster\":\"v0\",\"parent\":{parent},\"similarity\":0.9}}\n"
        ));
    }
    let (c, r) = (dir.path().join("c.jsonl"), dir.path().join("r.jsonl"));
    std::fs::write(&c, corpus).unwrap();
    std::fs::write(&r, rows).unwrap();
    let out = wiretrace()
        .args(["story", "v7", "--corpus", s(&c), "--clusters", s(&r)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), depth + 1);
    assert!(text.contains(&format!("[depth {}]", depth - 1)));
    // Output grows with the versions, not their square.
    assert!(text.len() < depth * 200, "{} bytes", text.len());
    // A self-parent and a loop of two: exit 2, naming the loop.
    let loops = "{\"id\":\"v0\",\"cluster\":\"v0\",\"parent\":\"v0\"}\n\
                 {\"id\":\"v1\",\"cluster\":\"v0\",\"parent\":\"v2\"}\n\
                 {\"id\":\"v2\",\"cluster\":\"v0\",\"parent\":\"v1\"}\n";
    std::fs::write(&r, loops).unwrap();
    wiretrace()
        .args(["story", "v1", "--corpus", s(&c), "--clusters", s(&r)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("form a loop"));
}

// 11. Write errors on stdout or stderr are errors or are ignored, never a panic.
#[test]
fn write_errors_never_panic() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = indexed(dir.path());
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let truth = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/news.truth.jsonl");
    let rows = dir.path().join("rows.jsonl");
    wiretrace()
        .args(["dedup", s(&sample()), "-o", s(&rows), "-q"])
        .assert()
        .success();
    for args in [
        vec!["eval", "--truth", s(&truth), s(&rows)],
        vec!["index", "stats", "--index", s(&index)],
        vec!["index", "stats", "--index", s(&index), "--format", "json"],
        vec!["dedup", s(&sample())],
    ] {
        let out = std::process::Command::new(exe())
            .args(&args)
            .stdout(full())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let msg = String::from_utf8_lossy(&out.stderr);
        assert!(msg.contains("disk is full"), "{args:?}: {msg}");
    }
    // The summary cannot be written: the run still succeeds, its rows intact.
    let status = std::process::Command::new(exe())
        .args(["dedup", s(&sample()), "-o", s(&rows)])
        .stderr(full())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&rows).unwrap().lines().count(), 55);
}

// 12. Parameters read from an index are checked like flags, and the error names the index.
#[test]
fn damaged_index_parameters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (index, new) = indexed(dir.path());
    {
        let c = rusqlite::Connection::open(&index).unwrap();
        let p: String = c
            .query_row("SELECT value FROM meta WHERE key='params'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&p).unwrap();
        v["num_perm"] = 100_000_000.into();
        c.execute(
            "UPDATE meta SET value=?1 WHERE key='params'",
            [v.to_string()],
        )
        .unwrap();
    }
    wiretrace()
        .args(["check", "--index", s(&index), s(&new)])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("a.index")
                .and(predicate::str::contains("num_perm 100000000"))
                .and(predicate::str::contains("--num-perm").not()),
        );
}

// 13. Number ids keep their exact text; ids to remove are read exactly.
#[test]
fn ids_are_kept_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ids.jsonl");
    std::fs::write(
        &input,
        "{\"id\":18446744073709551616,\"text\":\"one story about the harbour\"}\n\
         {\"id\":18446744073709551617,\"text\":\"another story about the mountains\"}\n\
         {\"id\":1,\"text\":\"a third story about a marathon\"}\n\
         {\"id\":1.0,\"text\":\"a fourth story about an election\"}\n\
         {\"id\":\" padded \",\"text\":\"a fifth story about the weather\"}\n",
    )
    .unwrap();
    let out = wiretrace()
        .args(["dedup", s(&input), "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "18446744073709551616",
            "18446744073709551617",
            "1",
            "1.0",
            " padded "
        ]
    );
    let index = dir.path().join("i.index");
    wiretrace()
        .args(["index", "add", "--index", s(&index), s(&input), "-q"])
        .assert()
        .success();
    let ids = dir.path().join("remove.txt");
    std::fs::write(&ids, " padded \n18446744073709551617\n").unwrap();
    wiretrace()
        .args(["index", "remove", "--index", s(&index), "--ids", s(&ids)])
        .assert()
        .success()
        .stderr(predicate::str::contains("removed 2 documents"));
}

// 14. A read-only index can be checked and its stats read.
#[test]
fn a_read_only_index_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let (index, new) = indexed(dir.path());
    use std::os::unix::fs::PermissionsExt;
    let root = unsafe { libc::geteuid() } == 0;
    if root && !Path::new("/usr/bin/setpriv").exists() {
        eprintln!("skipped: running as root without setpriv to drop privileges");
        return;
    }
    // Readable by all, writable by none; the folder too.
    std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let run = |args: &[&str]| {
        let mut c = if root {
            let mut c = std::process::Command::new("/usr/bin/setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(exe());
            c
        } else {
            std::process::Command::new(exe())
        };
        c.args(args).output().unwrap()
    };
    // The folder must be reachable by the unprivileged user.
    let mut p = dir.path().parent();
    while let Some(d) = p {
        let m = std::fs::metadata(d).unwrap().permissions().mode();
        if m & 0o001 == 0 {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            eprintln!("skipped: {} is not reachable by other users", d.display());
            return;
        }
        p = d.parent();
    }
    let out = run(&["index", "stats", "--index", s(&index), "--format", "json"]);
    let check = run(&[
        "check",
        "--index",
        s(&index),
        s(&new),
        "--max-dup-rate",
        "1",
        "-q",
    ]);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["documents"], 30);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("duplicates"));
}

// 15. One message per error, in words a user acts on.
#[test]
fn errors_are_one_plain_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = wiretrace()
        .args(["dedup", "/no/such/file.jsonl"])
        .output()
        .unwrap();
    let msg = String::from_utf8(missing.stderr).unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(!msg.contains("os error"), "{msg}");
    assert!(msg.contains("no such file"), "{msg}");
    // A gzip file cut short: damage, not a path problem.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&std::fs::read(sample()).unwrap()).unwrap();
    let gz = e.finish().unwrap();
    let cut = dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    wiretrace()
        .args(["dedup", s(&cut)])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("damaged or cut short")
                .and(predicate::str::contains("exists").not()),
        );
    // Formats that are recognised but not read say what they are.
    for (name, bytes, says) in [
        ("a.xz", &b"\xfd7zXZ\x00rest"[..], "damaged or cut short"),
        ("a.txt", b"\xff\xfe{\x00\"\x00", "UTF-16"),
        ("a.parquet", b"PAR1\x15\x04", "Parquet"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        wiretrace().args(["dedup", s(&p)]).assert().code(2).stderr(
            predicate::str::contains(says).and(predicate::str::contains("expected value").not()),
        );
    }
    // A temporary file's name never reaches a message: stdin errors name <stdin>.
    let out = wiretrace()
        .args(["dedup", "-", "--keep", s(&dir.path().join("k.jsonl"))])
        .write_stdin("{\"id\":\"a\",\"text\":\"x\"}\nnot json\n")
        .output()
        .unwrap();
    let msg = String::from_utf8(out.stderr).unwrap();
    assert!(msg.contains("<stdin>:2"), "{msg}");
    assert!(!msg.contains(".wiretrace-stdin"), "{msg}");
}

// 16. One file given twice is named, not reported as every record duplicating itself.
#[test]
fn an_input_given_twice_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("again.jsonl");
    std::os::unix::fs::symlink(sample(), &link).unwrap();
    wiretrace()
        .args(["dedup", s(&sample()), s(&sample())])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is given twice"));
    wiretrace()
        .args(["dedup", s(&sample()), s(&link)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("again.jsonl"));
}
