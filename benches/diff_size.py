#!/usr/bin/env python3
"""Times `wiretrace diff` on two long versions of one document: 1,000, 4,000, 16,000 and
all of the corpus's paragraphs (0) by default.

Version A is the paragraphs of the wire_dev corpus in order (real BBC text, each paragraph
present in several syndicated copies, so many paragraphs have near twins). Two versions B:
`light` moves 2% of A's paragraphs, changes a word in 2% and cuts the last 5%; `every`
changes a word in every paragraph as well (nothing is left the same, the hardest case for
the alignment). Prints, per size and case, the size of A, the time of the diff (best of
--repeat runs) and the edits it reports.

    python3 benches/diff_size.py [--paragraphs 1000 4000 16000 0] [--repeat 3]
"""
import argparse, collections, json, os, random, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEV = os.path.join(ROOT, "..", "shared", "eval", "dev", "wire_dev.jsonl")
EXE = os.path.join(ROOT, "target", "release", "wiretrace")


def versions(paras, n, every=False, seed=1):
    rnd = random.Random(seed)
    a = paras[:n]
    b = list(a)
    if every:
        for k, p in enumerate(b):
            w = p.split(" ")
            w[rnd.randrange(len(w))] = "edited"
            b[k] = " ".join(w)
    for _ in range(n // 50):
        p = b.pop(rnd.randrange(len(b)))
        b.insert(rnd.randrange(len(b)), p)
    for _ in range(n // 50):
        k = rnd.randrange(len(b))
        w = b[k].split(" ")
        w[rnd.randrange(len(w))] = "changed"
        b[k] = " ".join(w)
    del b[-(n // 20):]
    return "\n\n".join(a), "\n\n".join(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, nargs="+", default=[1000, 4000, 16000, 0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--corpus", default=DEV)
    a = ap.parse_args()
    if not os.path.exists(a.corpus):
        sys.exit(f"diff_size: {a.corpus} is absent (../shared/eval/dev is where the team keeps it)")
    if not os.path.exists(EXE):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    paras = []
    for line in open(a.corpus, encoding="utf-8"):
        paras += [p for p in json.loads(line)["text"].split("\n\n") if p.strip()]
    print(f"{'paragraphs':>10} {'case':>6} {'A MB':>6} {'diff s':>8}  edits")
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.paragraphs:
            n = n or len(paras)
            if n > len(paras):
                print(f"{n:>10}  skipped: the corpus has {len(paras)} paragraphs")
                continue
            for case in ("light", "every"):
                ta, tb = versions(paras, n, every=case == "every")
                pa, pb, out = (os.path.join(tmp, x) for x in ("a.txt", "b.txt", "out.json"))
                open(pa, "w", encoding="utf-8").write(ta)
                open(pb, "w", encoding="utf-8").write(tb)
                best = None
                for _ in range(a.repeat):
                    t = time.perf_counter()
                    subprocess.run([EXE, "diff", pa, pb, "--format", "json", "-o", out], check=True)
                    dt = time.perf_counter() - t
                    best = dt if best is None else min(best, dt)
                r = json.load(open(out, encoding="utf-8"))
                ops = collections.Counter(p["op"] for p in r["paragraphs"])
                print(f"{n:>10} {case:>6} {len(ta.encode()) / 1e6:>6.2f} {best:>8.2f}  "
                      + ", ".join(f"{k} {v}" for k, v in sorted(ops.items())))


if __name__ == "__main__":
    main()
