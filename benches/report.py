#!/usr/bin/env python3
"""The HTML report at size: `wiretrace report` against `wiretrace dedup` on the same corpus,
the page's size, and how long headless Chromium takes to open it.

For each corpus size (20,000 and 200,000 simulated documents by default, generated once
with the shared simulator as benches/e2e.py does), runs `dedup` and `report` (fastest of
--repeat runs each, whole process), then loads the page in headless Chromium the way the
browser test does (`--dump-dom`, which returns once the page has run its script) and times
that against a blank page. The ratio report/dedup is the result: absolute seconds mean little
on a shared machine.

    python3 benches/report.py                      # 20k and 200k, default --stories
    python3 benches/report.py --docs 200000 --repeat 3
    python3 benches/report.py --stories all --docs 20000
"""
import argparse, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import ROOT, generated_corpus  # noqa: E402

BROWSERS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]


def fastest(cmd, repeat):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        best = wall if best is None else min(best, wall)
    return best


def open_time(browser, page, repeat):
    """Seconds for headless Chromium to load `page` and run its script (fastest of repeat)."""
    best = None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as profile:
            cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--dump-dom", f"file://{page}"]
            t0 = time.perf_counter()
            out = subprocess.run(cmd, check=True, capture_output=True, timeout=300).stdout
            wall = time.perf_counter() - t0
        if page.endswith(".html") and b"data-count=" not in out:
            sys.exit(f"{page}: the story list was not drawn")
        best = wall if best is None else min(best, wall)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, nargs="+", default=[20_000, 200_000])
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--stories", default=None, help="report --stories (default: the report's own)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--workdir", default="/tmp/wiretrace-bench")
    a = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "wiretrace")
    browser = next((b for b in BROWSERS if os.path.exists(b)), None)
    rows_out = []
    for n in a.docs:
        corpus, _ = generated_corpus(n, a.seed, os.path.abspath(a.eval_dir), a.workdir)
        rows = os.path.join(a.workdir, f"report-bench-{n}.rows.jsonl")
        page = os.path.join(a.workdir, f"report-bench-{n}.html")
        dedup = fastest([exe, "dedup", corpus, "-o", rows, "-q"], a.repeat)
        cmd = [exe, "report", corpus, "-o", page, "-q"]
        if a.stories:
            cmd += ["--stories", a.stories]
        report = fastest(cmd, a.repeat)
        size = os.path.getsize(page) / 1e6
        opened = blank = None
        if browser:
            blank_page = os.path.join(a.workdir, "blank.htm")
            with open(blank_page, "w") as f:
                f.write("<!DOCTYPE html><title>blank</title>")
            blank = open_time(browser, blank_page, a.repeat)
            opened = open_time(browser, page, a.repeat)
        rows_out.append((n, dedup, report, size, opened, blank))
        print(f"{n} documents: dedup {dedup:.2f}s, report {report:.2f}s, page {size:.1f} MB"
              + (f", opened in {opened:.2f}s (blank page {blank:.2f}s)" if browser else ", no Chromium"), flush=True)

    runs = f"fastest of {a.repeat} runs each" if a.repeat > 1 else "one run each"
    print(f"\n{os.cpu_count()} cores, {runs}, --stories {a.stories or 'default'}")
    print(f"{'documents':>10s} {'dedup s':>8s} {'report s':>9s} {'report/dedup':>13s} {'page MB':>8s} {'open s':>7s} {'blank s':>8s}")
    for n, dedup, report, size, opened, blank in rows_out:
        o = f"{opened:7.2f} {blank:8.2f}" if opened is not None else f"{'-':>7s} {'-':>8s}"
        print(f"{n:10d} {dedup:8.2f} {report:9.2f} {report / dedup:12.2f}x {size:8.1f} {o}")


if __name__ == "__main__":
    main()
