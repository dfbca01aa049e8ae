#!/usr/bin/env python3
"""Index benchmark: `wiretrace index add` of 200,000 documents, then `wiretrace check` of a
batch of 20,000 more, on one corpus from the shared simulator (`wiresim.py --scale 220000`,
split in input order). Prints docs/s, peak RSS, index size per document, and the precision
and recall of the duplicate flags against the simulator's truth (a checked document is a
duplicate when its story has a version in the index or earlier in the batch).

It also checks the same batch against an index of only the first 50,000 documents: check
memory should not grow with the index beyond the bucket pages it reads.

    python3 benches/index.py                  # 200,000 indexed + 20,000 checked
    python3 benches/index.py --docs 20000 --batch 2000
    python3 benches/index.py --repeat 3       # fastest of three runs of each step

Needs ../shared/eval (the simulator and its base articles). Absolute seconds mean little on a
shared machine: rerun it beside `benches/e2e.py` to compare with dedup in the same state.
"""
import argparse, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_measured(cmd):
    """Runs cmd, returns (wall seconds, peak RSS MB of the child, exit code, stderr)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), err


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200_000, help="documents indexed")
    ap.add_argument("--batch", type=int, default=20_000, help="documents checked")
    ap.add_argument("--small", type=int, default=50_000, help="documents of the smaller index")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--workdir", default="/tmp/wiretrace-bench")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of add (into a new index) and of check; the fastest of each is reported")
    a = ap.parse_args()

    ev = os.path.abspath(a.eval_dir)
    if not os.path.exists(os.path.join(ev, "wiresim.py")):
        sys.exit(f"index bench: {ev} is absent: it needs the shared simulator there")
    os.makedirs(a.workdir, exist_ok=True)
    total = a.docs + a.batch
    corpus = os.path.join(a.workdir, f"wiresim-{total}-{a.seed}.jsonl")
    truth_path = corpus.replace(".jsonl", ".truth.jsonl")
    if os.path.exists(corpus + ".truth.tmp") and not os.path.exists(truth_path):
        os.replace(corpus + ".truth.tmp", truth_path)  # left so by an earlier version
    if not (os.path.exists(corpus) and os.path.exists(truth_path)):
        print(f"generating {total} documents with wiresim (seed {a.seed}) …", flush=True)
        subprocess.run([sys.executable, os.path.join(ev, "wiresim.py"), "--base", os.path.join(ev, "base", "bbc_base.jsonl"),
                        "--out", corpus + ".tmp", "--truth", truth_path + ".tmp", "--scale", str(total),
                        "--seed", str(a.seed), "--workers", "2"], check=True, stdout=subprocess.DEVNULL)
        os.replace(corpus + ".tmp", corpus)
        os.replace(truth_path + ".tmp", truth_path)
    # The truth: a checked document is a duplicate when its story has a version in the index
    # or earlier in the batch.
    story = {}
    with open(truth_path) as f:
        for line in f:
            t = json.loads(line)
            story[t["id"]] = t["cluster"]
    order = []
    with open(corpus) as f:
        for line in f:
            order.append(json.loads(line)["id"])

    def expected(indexed):
        seen = {story[i] for i in order[:indexed]}
        out = {}
        for i in order[a.docs:total]:
            out[i] = story[i] in seen
            seen.add(story[i])
        return out

    base = os.path.join(a.workdir, f"index-base-{a.docs}.jsonl")
    small = os.path.join(a.workdir, f"index-base-{a.small}.jsonl")
    batch = os.path.join(a.workdir, f"index-batch-{a.batch}.jsonl")
    with open(corpus) as f, open(base, "w") as b, open(small, "w") as s, open(batch, "w") as c:
        for i, line in enumerate(f):
            if i < a.docs:
                b.write(line)
                if i < a.small:
                    s.write(line)
            elif i < total:
                c.write(line)

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "wiretrace")
    results = {}
    for name, src, n in [("big", base, a.docs), ("small", small, a.small)]:
        db = os.path.join(a.workdir, f"bench-{name}.index")
        best = None
        for _ in range(max(1, a.repeat)):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
            run = run_measured([exe, "index", "add", "--index", db, src])
            if run[2] != 0:
                sys.exit(f"index add failed:\n{run[3]}")
            best = run if best is None or run[0] < best[0] else best
        wall, rss, code, err = best
        stats = json.loads(subprocess.run([exe, "index", "stats", "--index", db, "--format", "json"],
                                          check=True, capture_output=True, text=True).stdout)
        best = None
        for _ in range(max(1, a.repeat)):
            run = run_measured([exe, "check", "--index", db, batch, "--format", "json",
                                "-o", os.path.join(a.workdir, f"check-{name}.json")])
            if run[2] not in (0, 1):
                sys.exit(f"check failed:\n{run[3]}")
            best = run if best is None or run[0] < best[0] else best
        cwall, crss, ccode, cerr = best
        with open(os.path.join(a.workdir, f"check-{name}.json")) as f:
            rep = json.load(f)
        exp = expected(n)
        tp = sum(1 for r in rep["results"] if r["duplicate"] and exp[r["id"]])
        fp = sum(1 for r in rep["results"] if r["duplicate"] and not exp[r["id"]])
        fn = sum(1 for r in rep["results"] if not r["duplicate"] and exp[r["id"]])
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        results[name] = dict(indexed=n, add_s=wall, add_docs_s=n / wall, add_rss_mb=rss,
                             bytes_per_doc=stats["size_bytes"] / max(stats["documents"], 1),
                             size_mb=stats["size_bytes"] / 1e6, check_s=cwall, check_docs_s=a.batch / cwall,
                             check_rss_mb=crss, duplicates=rep["duplicates"], rate=rep["rate"],
                             precision=precision, recall=recall)
        r = results[name]
        print(f"{name:5}  index add {n:>7} docs {wall:6.2f}s {r['add_docs_s']:>8.0f} docs/s RSS {rss:5.0f} MB | "
              f"{r['size_mb']:.0f} MB, {r['bytes_per_doc']:.0f} B/doc | check {a.batch} docs {cwall:5.2f}s "
              f"{r['check_docs_s']:>7.0f} docs/s RSS {crss:5.0f} MB, {rep['duplicates']} duplicates "
              f"(precision {precision:.3f}, recall {recall:.3f})", flush=True)
        print("       " + err.strip().splitlines()[-1].strip(), flush=True)
        print("       " + cerr.strip().splitlines()[-1].strip(), flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
