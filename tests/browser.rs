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

/// The DOM after the page's script ran, up to its script (which holds templates that would
/// confuse the checks).
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
            // A story's detail is decoded asynchronously (DecompressionStream): the DOM is
            // dumped once the page is idle, not at the load event.
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    // The page drops its data element once parsed; the script that stays is cut off.
    assert!(
        !dom.contains("<script id=\"data\""),
        "the data is left in the DOM"
    );
    match dom.find("<script") {
        Some(i) => dom[..i].to_string(),
        None => dom,
    }
}

/// Writes the report of the sample data into `dir`, with `extra` options; returns its path.
fn sample_report(dir: &Path, extra: &[&str]) -> PathBuf {
    let page = dir.join("report.html");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/news.jsonl");
    Command::cargo_bin("wiretrace")
        .unwrap()
        .arg("report")
        .arg(sample)
        .arg("-o")
        .arg(&page)
        .args(extra)
        .assert()
        .success();
    page
}

#[test]
fn the_report_renders_stories_diffs_and_search_in_a_browser() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = sample_report(dir.path(), &[]);

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

/// Writes the review corpus: a titled story (an entity in its headline, a date-only origin, a
/// version that cuts three words and types straight quotes, one that adds two paragraphs) and
/// an untitled OCR-like passage reprinted once.
fn review_corpus(path: &Path) {
    let p = [
        "The city council voted on Tuesday to approve the long delayed harbour bridge, ending a decade of argument over its cost, its route across the estuary and the noise it would bring to the old town.",
        "\u{201c}This is the day the town has waited for,\u{201d} said the mayor, Elin Sorensen, who has backed the crossing since her first campaign and promised that work would begin before the end of the summer.",
        "Engineers expect the construction to take three years. The regional government will pay two thirds of the cost, with the rest coming from a toll that will be charged for the first fifteen years of use.",
        "Opponents, who gathered outside the town hall with banners, said they would take the decision to court, arguing that the environmental review had ignored the nesting birds on the northern shore of the estuary.",
    ];
    let q = [
        "Farmers in the valley brought in the largest apple harvest for twenty years this autumn, helped by a warm spring and a wet summer that swelled the fruit on thousands of trees along the river.",
        "Prices at the market fell by a third as a result, and several growers said they would press the surplus into cider rather than sell it at a loss to the wholesalers who buy for the city shops.",
        "The cooperative, which represents more than two hundred orchards, said it would open a second cold store next year so that members could hold back fruit until prices recover in the spring.",
    ];
    let straight = p[1].replace(['\u{201c}', '\u{201d}'], "\"");
    let cut = p[3].rsplitn(4, ' ').last().unwrap();
    let mut added: Vec<&str> = p.to_vec();
    added.push("Local shop owners told the Gazette they hoped the bridge would bring more visitors to the old town and its cafes during the summer months.");
    added.push("The Gazette will publish a full list of the councillors who voted for and against the bridge in its weekend edition, with their reasons.");
    let title = "Council &#x27;approves&#x27; harbour bridge";
    let cut_text = [p[0], &straight, p[2], cut].join("\n\n");
    let (whole, more, passage) = (p.join("\n\n"), added.join("\n\n"), q.join("\n\n"));
    let rows = [
        serde_json::json!({"id": "s1-0", "title": title, "date": "2025-03-01", "source": "Wire", "text": whole}),
        serde_json::json!({"id": "s1-1", "title": title, "date": "2025-03-01T10:00:00Z", "source": "Courier", "text": cut_text}),
        serde_json::json!({"id": "s1-2", "title": title, "date": "2025-03-02T09:30:00Z", "source": "Gazette", "text": more}),
        serde_json::json!({"id": "u-0", "date": "1900-10-01", "text": passage}),
        serde_json::json!({"id": "u-1", "date": "1900-10-03", "text": passage}),
    ];
    let lines: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn the_report_shows_what_a_reviewer_needs_in_a_browser() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (corpus, page) = (dir.path().join("c.jsonl"), dir.path().join("r.html"));
    review_corpus(&corpus);
    Command::cargo_bin("wiretrace")
        .unwrap()
        .args([
            "report",
            corpus.to_str().unwrap(),
            "-o",
            page.to_str().unwrap(),
            "-q",
        ])
        .assert()
        .success();

    let home = rendered(&browser, &page, "", &dir.path().join("p1"));
    // Entities decoded; a passage without a title listed by its first words.
    assert!(
        home.contains("Council 'approves' harbour bridge<br>"),
        "{home}"
    );
    assert!(!home.contains("&amp;#x27;"), "{home}");
    assert!(
        home.contains("Farmers in the valley brought in the largest apple harvest for twenty…<br><small>u-0</small>"),
        "{home}"
    );

    // A version's id opens its story, at that version.
    let story = rendered(&browser, &page, "#story=s1-1", &dir.path().join("p2"));
    assert!(
        story.contains("id=\"story-title\">Council 'approves' harbour bridge"),
        "{story}"
    );
    assert!(
        story.contains("<tr class=\"at\"><td>2025-03-01 10:00</td><td>Courier</td><td>s1-1</td>"),
        "{story}"
    );
    // A date-only input is shown as a date, not as midnight.
    assert!(
        story.contains("<td>2025-03-01</td><td>Wire</td>"),
        "{story}"
    );
    // A cut inside a paragraph: counted in words, and the cut words shown.
    assert!(story.contains("truncated (3 words)"), "{story}");
    assert!(
        story.contains("<span class=\"w-del\">of</span> <span class=\"w-del\">the</span> <span class=\"w-del\">estuary</span>"),
        "{story}"
    );
    // Repeated edits grouped and counted.
    assert!(story.contains("paragraph added ×2"), "{story}");
    // Equal but written differently: each column shows its own version's text.
    assert!(
        story.contains("<div class=\"p equal\">\u{201c}This is the day"),
        "{story}"
    );
    assert!(
        story.contains("<div class=\"p equal\">\"This is the day"),
        "{story}"
    );

    // An unknown id says so.
    let missing = rendered(&browser, &page, "#story=nope", &dir.path().join("p3"));
    assert!(
        missing.contains("No story in this report has a version with id <b>nope</b>."),
        "{missing}"
    );
}

#[test]
fn a_report_that_carries_some_stories_lists_all_and_says_what_it_left_out() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = sample_report(dir.path(), &["--stories", "1"]);

    let home = rendered(&browser, &page, "", &dir.path().join("p1"));
    assert!(
        home.contains("data-count=\"15\""),
        "every story is listed: {home}"
    );
    assert!(home.contains("diffs for 1 of them"), "{home}");
    let ids: Vec<&str> = home
        .split("<li data-id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(ids.len(), 15);

    // The largest story is the one carried: its diffs are decoded and drawn.
    let first = rendered(
        &browser,
        &page,
        &format!("#story={}", ids[0]),
        &dir.path().join("p2"),
    );
    assert!(first.contains("<div class=\"pair\">"), "{first}");
    assert!(!first.contains("id=\"not-carried\""));

    // Another has its timeline, and says where its edits are.
    let last = ids[14];
    let other = rendered(
        &browser,
        &page,
        &format!("#story={last}"),
        &dir.path().join("p3"),
    );
    assert!(other.contains("id=\"not-carried\""), "{other}");
    assert!(other.contains(&format!("wiretrace story {last}")));
    assert!(other.contains("<table class=\"timeline\">"));
    assert!(other.matches("<td>origin</td>").count() == 1, "{other}");
    assert!(!other.contains("<div class=\"pair\">"));
}

#[test]
fn the_report_compares_datelines_normalized_and_shows_no_escapes() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (corpus, page) = (dir.path().join("c.jsonl"), dir.path().join("r.html"));
    let body = [
        "officials said on Monday that the new metro line would open to passengers in the spring, two years later than first promised and well over its original budget.",
        "The line will link the northern suburbs with the historic centre and is expected to carry more than half a million passengers a day once all of its stations are open.",
        "Residents along the route have complained for years about the noise and the dust of the works, and several shops closed while the streets above the tunnels were dug up.",
    ];
    let text = |dateline: &str| format!("{dateline} — {}\n\n{}\n\n{}", body[0], body[1], body[2]);
    let nfc = "M\u{c9}XICO CITY (BN)";
    let nfd = "ME\u{301}XICO CITY (BN)";
    let rows = [
        serde_json::json!({"id": "m-0", "title": "Metro line to open in spring", "date": "2025-05-01T08:00:00Z", "source": "BN", "text": text(nfc)}),
        serde_json::json!({"id": "m-1", "title": "Metro line to open in spring", "date": "2025-05-01T09:00:00Z", "source": "Post", "text": text(nfd)}),
        serde_json::json!({"id": "m-2", "title": "Metro line to open in spring", "date": "2025-05-01T10:00:00Z", "source": "Herald", "text": text("MONTERREY (BN)")}),
    ];
    let lines: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    std::fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    Command::cargo_bin("wiretrace")
        .unwrap()
        .arg("report")
        .arg(&corpus)
        .arg("-o")
        .arg(&page)
        .arg("-q")
        .assert()
        .success();

    let story = rendered(&browser, &page, "#story=m-0", &dir.path().join("p1"));
    let row = |id: &str| {
        let at = story.find(&format!("<td>{id}</td>")).unwrap();
        story[at..at + story[at..].find("</tr>").unwrap()].to_string()
    };
    // NFC against NFD is the same dateline; another city is a changed one.
    assert!(!row("m-1").contains("dateline changed"), "{story}");
    assert!(row("m-2").contains("dateline changed"), "{story}");
    // Text is shown as written, with no escapes of a programming language.
    assert!(!story.contains("\\u{"), "{story}");
    assert!(story.contains(nfd) && story.contains(nfc), "{story}");
}

#[test]
fn the_report_says_the_similarity_diff_and_dedup_say() {
    // One measure, one name: each version's similarity in the story's timeline is the number
    // `wiretrace diff PARENT VERSION --corpus` prints, and its row's.
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = sample_report(dir.path(), &[]);
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/news.jsonl");
    let out = Command::cargo_bin("wiretrace")
        .unwrap()
        .args(["dedup", "-q"])
        .arg(&sample)
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for story in ["w04-0", "w00-0"] {
        let dom = rendered(
            &browser,
            &page,
            &format!("#story={story}"),
            &dir.path().join(story),
        );
        assert!(dom.contains("<th>similarity</th>"), "{dom}");
        let versions = rows
            .iter()
            .filter(|r| r["cluster"] == story && r["parent"].is_string());
        let mut seen = 0;
        for r in versions {
            let (parent, id) = (r["parent"].as_str().unwrap(), r["id"].as_str().unwrap());
            let out = Command::cargo_bin("wiretrace")
                .unwrap()
                .args(["diff", parent, id, "--format", "json", "--corpus"])
                .arg(&sample)
                .output()
                .unwrap();
            let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(d["similarity"], r["similarity"], "{id}");
            let shown = format!("{:.2}", d["similarity"].as_f64().unwrap());
            let cell = format!("<td>{id}</td><td>← {parent}</td><td>{shown}</td>");
            assert!(dom.contains(&cell), "{cell} not in {dom}");
            seen += 1;
        }
        assert!(seen >= 1, "{story} has republications");
    }
}
