#!/usr/bin/env python3
"""Article extraction benchmark: `wiretrace convert` on the development crawl's WARC, scored
against the article text of its real pages, and its speed on one core.

Scored as article-extraction benchmarks score it: word 4-gram shingles of `\\w+` tokens with
their counts; per page TP, FP and FN normalised to sum 1; precision and recall averaged over
pages; F1 of the two averages. Speed: pages extracted per second with `--threads 1` (the
fastest of --repeat runs; the WARC's other records are framed and skipped in that time too).

    python3 benches/extract.py [--repeat 3]

Needs ../shared/eval/dev (crawl_dev.warc.gz and crawl_dev.bodies.jsonl).
"""
import argparse, json, os, re, subprocess, sys, tempfile, time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORD = re.compile(r"\w+")


def shingles(text):
    w = WORD.findall(text or "")
    return Counter(tuple(w[i:i + 4]) for i in range(max(0, len(w) - 3)))


def score(pred, gold):
    p_sum = r_sum = 0.0
    n = 0
    for key, g in gold.items():
        gs, ps = shingles(g), shingles(pred.get(key, ""))
        tp, fp, fn = sum((gs & ps).values()), sum((ps - gs).values()), sum((gs - ps).values())
        total = tp + fp + fn
        if total == 0:
            continue
        tp, fp, fn = tp / total, fp / total, fn / total
        p_sum += tp / (tp + fp) if tp + fp else 0.0
        r_sum += tp / (tp + fn) if tp + fn else 0.0
        n += 1
    p, r = p_sum / n, r_sum / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    dev = os.path.join(os.path.abspath(a.eval_dir), "dev")
    warc, bodies = os.path.join(dev, "crawl_dev.warc.gz"), os.path.join(dev, "crawl_dev.bodies.jsonl")
    if not os.path.exists(warc):
        sys.exit(f"extract: {dev} is absent: the benchmark needs the development crawl there")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "wiretrace")
    gold = {}
    for line in open(bodies):
        r = json.loads(line)
        gold[r["id"]] = r["articleBody"]
    best = None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "docs.jsonl")
        for _ in range(a.repeat):
            t = time.perf_counter()
            subprocess.run([exe, "convert", warc, "-o", out, "--threads", "1", "-q"], check=True)
            wall = time.perf_counter() - t
            best = wall if best is None else min(best, wall)
        pred = {}
        for line in open(out):
            r = json.loads(line)
            pred[r["id"]] = r["text"]
    p, r, f1, n = score(pred, gold)
    pages = len(pred)
    print(f"extraction on {n} real pages: P {p:.3f} R {r:.3f} F1 {f1:.3f}")
    print(f"convert --threads 1: {pages} documents in {best:.2f} s, {pages / best:.0f} pages/s on one core")


if __name__ == "__main__":
    main()
