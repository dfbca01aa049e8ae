#!/usr/bin/env python3
"""Input formats benchmark: `wiretrace dedup` on one corpus held as JSON Lines, Parquet, CSV,
and JSON Lines compressed with zstd and gzip, in one run; each format's time as a ratio to
JSON Lines, and whether its rows are byte-identical to JSON Lines' rows.

The corpus is the end-to-end benchmark's (`wiresim.py --scale N`, cached in the work folder);
the other formats are written from it by `wiretrace convert` (Parquet, CSV) and by zstd/gzip.

    python3 benches/formats.py                  # 200,000 documents
    python3 benches/formats.py --docs 20000 --repeat 3

Needs ../shared/eval (the simulator and its base articles).
"""
import argparse, gzip, os, shutil, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import ROOT, generated_corpus  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--workdir", default="/tmp/wiretrace-bench")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each format; the fastest is reported")
    a = ap.parse_args()
    corpus, _ = generated_corpus(a.docs, a.seed, os.path.abspath(a.eval_dir), a.workdir)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "wiretrace")

    base = os.path.join(a.workdir, f"formats-{a.docs}-{a.seed}")
    files = [("jsonl", corpus)]
    for fmt in ["parquet", "csv"]:
        path = f"{base}.{fmt}"
        if not os.path.exists(path):
            subprocess.run([exe, "convert", corpus, "-q", "-o", path], check=True)
        files.append((fmt, path))
    if shutil.which("zstd"):
        path = f"{base}.jsonl.zst"
        if not os.path.exists(path):
            subprocess.run(["zstd", "-q", "-3", corpus, "-o", path], check=True)
        files.append(("jsonl.zst", path))
    path = f"{base}.jsonl.gz"
    if not os.path.exists(path):
        with open(corpus, "rb") as src, gzip.open(path, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    files.append(("jsonl.gz", path))

    results = []
    for _ in range(max(1, a.repeat)):
        for name, path in files:
            rows = f"{base}.rows-{name}.jsonl"
            t0 = time.perf_counter()
            subprocess.run([exe, "dedup", path, "-q", "-o", rows], check=True)
            wall = time.perf_counter() - t0
            print(f"{name}: {wall:.2f}s", flush=True)
            results.append((name, path, rows, wall))
    best = {}
    for name, path, rows, wall in results:
        if name not in best or wall < best[name][2]:
            best[name] = (path, rows, wall)
    with open(best["jsonl"][1], "rb") as f:
        want = f.read()
    jsonl = best["jsonl"][2]
    print(f"\n{a.docs} documents, fastest of {a.repeat}")
    print(f"{'format':<10} {'MB':>8} {'seconds':>8} {'docs/s':>9} {'× JSONL':>8}  rows")
    for name, (path, rows, wall) in best.items():
        with open(rows, "rb") as f:
            same = f.read() == want
        print(f"{name:<10} {os.path.getsize(path) / 1e6:8.1f} {wall:8.2f} {a.docs / wall:9.0f} {wall / jsonl:8.2f}  "
              f"{'identical' if same else 'DIFFER'}")


if __name__ == "__main__":
    main()
