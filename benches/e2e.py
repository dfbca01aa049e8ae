#!/usr/bin/env python3
"""End-to-end benchmark: wiretrace against its peers on one generated corpus, in one run.

Generates a corpus with the shared simulator (`wiresim.py --scale N`), runs
`wiretrace dedup` on it (whole process: reading, parsing, everything, written to a file),
then the peers through the shared `bench_peers.py` (gaoya and rensa by default), and prints
docs/s, peak RSS, pairwise F1 and the speed ratio of wiretrace to each peer. Absolute
seconds mean little on a shared machine; the ratios measured in the same run are the result.

    python3 benches/e2e.py                       # 200,000 documents, gaoya and rensa
    python3 benches/e2e.py --docs 20000 --peers gaoya
    python3 benches/e2e.py --peers ''            # wiretrace only
    python3 benches/e2e.py --repeat 3            # fastest of three runs of every tool

Needs ../shared/eval (the simulator, its base articles and the peer benchmark). The peers are
installed into a virtualenv in the work folder on first use (pinned versions, from PyPI).
"""
import argparse, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_PACKAGES = ["datasketch==2.0.0", "rensa==0.5.0", "gaoya==0.2.2", "numpy", "scipy"]


def run_measured(cmd, **kw):
    """Runs cmd, returns (wall seconds, peak RSS MB of the child, completed process)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, **kw)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, p


def corpus_arguments(ap):
    """The options that name the benchmark corpus: its size, the simulator's seed, where the
    simulator is and where the corpus is cached."""
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--workdir", default="/tmp/wiretrace-bench")


def generated_corpus(docs, seed, ev, workdir):
    """The simulated corpus of `docs` documents and its truth, generated once into workdir."""
    if not os.path.exists(os.path.join(ev, "wiresim.py")):
        sys.exit(f"{ev} is absent: the benchmark needs the shared simulator (and peer benchmark) there")
    os.makedirs(workdir, exist_ok=True)
    corpus = os.path.join(workdir, f"wiresim-{docs}-{seed}.jsonl")
    truth = corpus.replace(".jsonl", ".truth.jsonl")
    if not (os.path.exists(corpus) and os.path.exists(truth)):
        print(f"generating {docs} documents with wiresim (seed {seed}) …", flush=True)
        subprocess.run([sys.executable, os.path.join(ev, "wiresim.py"), "--base", os.path.join(ev, "base", "bbc_base.jsonl"),
                        "--out", corpus + ".tmp", "--truth", truth + ".tmp", "--scale", str(docs), "--seed", str(seed),
                        "--workers", "2"], check=True, stdout=subprocess.DEVNULL)
        os.replace(corpus + ".tmp", corpus)
        os.replace(truth + ".tmp", truth)
    return corpus, truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--peers", default="gaoya,rensa-r")
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--workdir", default="/tmp/wiretrace-bench")
    ap.add_argument("--threads", type=int, default=None, help="wiretrace --threads (default: all cores)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of every tool; the fastest of each is reported (a shared machine's noise only slows runs down)")
    a = ap.parse_args()

    ev = os.path.abspath(a.eval_dir)
    corpus, truth = generated_corpus(a.docs, a.seed, ev, a.workdir)
    size_mb = os.path.getsize(corpus) / 1e6

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "wiretrace")
    rows = os.path.join(a.workdir, "wiretrace.rows.jsonl")
    cmd = [exe, "dedup", corpus, "-o", rows]
    if a.threads:
        cmd += ["--threads", str(a.threads)]
    best = None
    for _ in range(max(1, a.repeat)):
        wall, rss, p = run_measured(cmd, stderr=subprocess.PIPE)
        summary = p.stderr.read().decode()
        if p.returncode:
            sys.exit(f"wiretrace failed:\n{summary}")
        print(f"wiretrace run: {wall:.2f}s", flush=True)
        if best is None or wall < best[0]:
            best = (wall, rss, summary)
    wall, rss, summary = best
    q = json.loads(subprocess.run([exe, "eval", "--format", "json", "--truth", truth, rows],
                                  check=True, capture_output=True).stdout)
    results = [dict(name="wiretrace", docs_s=a.docs / wall, wall=wall, rss=rss, f1=q["f1"], ari=q["ari"],
                    note="whole process")]
    print(summary.strip())

    peers = [x for x in a.peers.split(",") if x]
    if peers:
        venv = os.path.join(a.workdir, "peers")
        py = os.path.join(venv, "bin", "python")
        if not os.path.exists(py):
            print("installing the peers into", venv, flush=True)
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
            subprocess.run([py, "-m", "pip", "install", "-q"] + PEER_PACKAGES, check=True)
        fastest = {}
        for i in range(max(1, a.repeat)):
            out = os.path.join(a.workdir, "peers.json")
            subprocess.run([py, os.path.join(ev, "bench_peers.py"), "--corpus", corpus, "--truth", truth,
                            "--peers", ",".join(peers), "--json", out], check=True)
            for r in json.load(open(out))["results"]:
                if r["peer"] not in fastest or r["docs_per_s_excl_load"] > fastest[r["peer"]]["docs_per_s_excl_load"]:
                    fastest[r["peer"]] = r
        for r in fastest.values():
            results.append(dict(name=r["peer"], docs_s=r["docs_per_s_excl_load"],
                                wall=r["total_s"], rss=r["peak_rss_mb"], f1=r["quality"]["f1"], ari=r["quality"]["ari"],
                                note="excluding JSON load"))

    runs = f", fastest of {a.repeat} runs each" if a.repeat > 1 else ""
    print(f"\n{a.docs} documents, {size_mb:.0f} MB, {os.cpu_count()} cores{runs}")
    print(f"{'tool':12s} {'docs/s':>10s} {'wall s':>8s} {'peak RSS':>10s} {'F1':>7s} {'ARI':>7s}  wiretrace is")
    base = results[0]["docs_s"]
    for r in results:
        ratio = "" if r is results[0] else f"{base / r['docs_s']:.1f}x faster"
        print(f"{r['name']:12s} {r['docs_s']:10.0f} {r['wall']:8.2f} {r['rss']:8.0f}MB {r['f1']:7.4f} {r['ari']:7.4f}  {ratio}  ({r['note']})")


if __name__ == "__main__":
    main()
