//! The HTML report in a real browser: headless Chromium loads the page, runs its script, and
//! the rendered DOM is checked for what a reviewer sees. `.ci/run` installs Debian's
//! chromium when it can; without a browser the test says so and passes.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// The DOM after the page's script ran, up to the inline data and script (which hold
/// templates that would confuse the checks).
fn rendered(browser: &Path, page: &Path, fragment: &str, profile: &Path) -> String {
    // coreutils' timeout: a browser that hangs must not hang the test run.
    let out = std::process::Command::new("timeout")
        .arg("90")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    match dom.find("<script id=\"data\"") {
        Some(i) => dom[..i].to_string(),
        None => dom,
    }
}

#[test]
fn the_report_renders_stories_diffs_and_search_in_a_browser() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/news.jsonl");
    Command::cargo_bin("wiretrace")
        .unwrap()
        .args([
            "report",
            sample.to_str().unwrap(),
            "-o",
            page.to_str().unwrap(),
        ])
        .assert()
        .success();

    let home = rendered(&browser, &page, "", &dir.path().join("p1"));
    assert!(
        home.contains("<span id=\"n-stories\">23 stories</span>"),
        "{home}"
    );
    assert!(
        home.contains("data-count=\"15\""),
        "all 15 stories with several versions are listed"
    );
    assert_eq!(home.matches("<li data-id=").count(), 15);

    let search = rendered(&browser, &page, "#q=marathon", &dir.path().join("p2"));
    assert!(
        search.contains("data-count=\"1\""),
        "search narrows the list"
    );
    assert!(search.contains("<li data-id=\"w01-0\""));

    let story = rendered(&browser, &page, "#story=w00-0", &dir.path().join("p3"));
    assert!(
        story.contains("id=\"story-title\">Harbor bridge to close for six weeks of repairs"),
        "{story}"
    );
    assert_eq!(
        story.matches("<div class=\"pair\">").count(),
        4,
        "a side-by-side diff per republication"
    );
    assert!(story.contains("truncated (2 paragraphs)"));
}
