#!/usr/bin/env python3
"""Spark benchmark: `python -m wiretrace.spark` in one Spark session beside `wiretrace dedup`
on the same corpus, in one run: each one's docs/s, their ratio, whether the rows are byte for
byte the same, and per stage of the Spark job its time and the bytes it shuffles per document
(from Spark's own stage metrics, read from its status API).

The JVM's start is excluded (the session is started before the clock); the CLI is timed as a
process; each is run --repeat times and its fastest run reported. The session first runs the
job once on sample_data (untimed) unless --cold. Run it with the Python that has pyspark and
the package (README's test command builds one in target/python-env):

    target/python-env/bin/python benches/spark.py                   # 200,000 documents, local[2]
    target/python-env/bin/python benches/spark.py --docs 20000 --master 'local[2]'

Needs ../shared/eval (the simulator and its base articles).
"""
import argparse, json, os, shutil, subprocess, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import ROOT, corpus_arguments, generated_corpus  # noqa: E402

STAGES = ["read+shingle", "boilerplate", "discount+minhash", "lsh+anchors", "verify", "cluster", "provenance", "write"]


def spark_stages(sc):
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages?status=complete"
    with urllib.request.urlopen(url) as r:
        return json.load(r)


def stage_metrics(sc, after=-1):
    """Per stage name (the job description `wiretrace: NAME`): shuffle bytes written and
    read, input bytes, and executors' run time, summed over Spark's completed stages with
    ids above `after`."""
    out = {}
    for st in spark_stages(sc):
        if st["stageId"] <= after:
            continue
        desc = st.get("description") or ""
        if not desc.startswith("wiretrace: "):
            continue
        m = out.setdefault(desc[len("wiretrace: "):], dict(write=0, read=0, input=0, run_ms=0, stages=0))
        m["write"] += st.get("shuffleWriteBytes", 0)
        m["read"] += st.get("shuffleReadBytes", 0)
        m["input"] += st.get("inputBytes", 0)
        m["run_ms"] += st.get("executorRunTime", 0)
        m["stages"] += 1
        m.setdefault("detail", []).append((st["stageId"], st.get("numTasks"), st.get("executorRunTime", 0), st.get("name", "")[:60]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    corpus_arguments(ap)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest of each is reported")
    ap.add_argument("--detail", action="store_true", help="also each Spark stage's tasks and time")
    ap.add_argument("--cold", action="store_true",
                    help="no warm-up: time the JVM's first job (its JIT compiler still warming up)")
    a = ap.parse_args()
    try:
        from wiretrace import spark as ws
    except ImportError as e:
        sys.exit(f"{e}: run this with the Python that has pyspark and wiretrace installed "
                 "(target/python-env/bin/python after README's test command)")
    corpus, _ = generated_corpus(a.docs, a.seed, os.path.abspath(a.eval_dir), a.workdir)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "wiretrace")

    cli_rows = os.path.join(a.workdir, f"spark-bench-{a.docs}-{a.seed}.cli.jsonl")
    cli = []
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        subprocess.run([exe, "dedup", corpus, "-q", "-o", cli_rows], check=True)
        cli.append(time.perf_counter() - t0)
    cli_wall = min(cli)

    spark = ws.session(a.master)
    spark.sparkContext.setLogLevel("ERROR")
    out = os.path.join(a.workdir, f"spark-bench-{a.docs}-{a.seed}.spark")
    if not a.cold:
        # A session that has run a job once, as a notebook's or a cluster's has: the run on
        # the 55 documents of sample_data warms the JVM's compiler (its time is not counted).
        t0 = time.perf_counter()
        ws.run(spark, [os.path.join(ROOT, "sample_data", "news.jsonl"), "-o", out + ".warmup", "--quiet"])
        shutil.rmtree(out + ".warmup", ignore_errors=True)
        print(f"warm-up on sample_data: {time.perf_counter() - t0:.1f}s (not counted)", flush=True)
    best = None
    for _ in range(max(1, a.repeat)):
        time.sleep(1)  # the status API lags the last job's end a little
        after = max((st["stageId"] for st in spark_stages(spark.sparkContext)), default=-1)
        stats = ws.run(spark, [corpus, "-o", out, "--quiet"])
        print(f"wiretrace.spark run: {stats['wall']:.2f}s", flush=True)
        time.sleep(1)
        if best is None or stats["wall"] < best[0]["wall"]:
            best = (stats, stage_metrics(spark.sparkContext, after))
    stats, metrics = best
    spark.stop()

    parts = sorted(p for p in os.listdir(out) if p.startswith("part-"))
    with open(cli_rows, "rb") as f:
        want = f.read()
    got = b"".join(open(os.path.join(out, p), "rb").read() for p in parts)
    shutil.rmtree(out, ignore_errors=True)

    n = stats["documents"]
    sw = stats["wall"]
    print(f"corpus: {corpus} ({n} documents), Spark master {a.master}")
    print(f"wiretrace dedup:        {cli_wall:7.2f}s  {n / cli_wall:9.0f} docs/s")
    print(f"wiretrace.spark:        {sw:7.2f}s  {n / sw:9.0f} docs/s   (JVM start excluded; "
          f"{'cold: its first job' if a.cold else 'after a warm-up run'})")
    print(f"Spark / CLI docs/s:     1/{sw / cli_wall:.1f}   (issue 22 asks at least 1/20)")
    print(f"rows byte-identical:    {got == want}")
    print()
    print(f"{'stage':<18}{'time s':>8}{'shuffle write B/doc':>21}{'shuffle read B/doc':>20}{'task s':>9}")
    total_w = total_r = total_ms = 0
    for name in STAGES:
        m = metrics.get(name, dict(write=0, read=0, run_ms=0))
        t = stats["timings"].get(name)
        total_w += m["write"]
        total_r += m["read"]
        total_ms += m["run_ms"]
        print(f"{name:<18}{(f'{t:.2f}' if t is not None else '-'):>8}{m['write'] / n:>21.0f}"
              f"{m['read'] / n:>20.0f}{m['run_ms'] / 1000:>9.1f}")
    print(f"{'all':<18}{sw:>8.2f}{total_w / n:>21.0f}{total_r / n:>20.0f}{total_ms / 1000:>9.1f}")
    print(f"task time per document: {total_ms / n:.3f} ms (what a cluster's cores share)")
    if a.detail:
        for name in STAGES:
            for sid, tasks, ms, what in sorted(metrics.get(name, {}).get("detail", [])):
                print(f"  {name:<18} stage {sid:>4}: {tasks:>4} tasks, {ms / 1000:6.2f}s  {what}")
    return 0 if got == want else 1


if __name__ == "__main__":
    sys.exit(main())
