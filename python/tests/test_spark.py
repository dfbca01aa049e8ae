"""wiretrace on Apache Spark, run for real in local[2]: the job's rows are byte for byte the
command line's on the sample and the development corpora (also with more partitions than
cores), `dedup(df)` keeps the DataFrame's rows and columns, and bad input gets a clear error.
Needs pyspark and Java (skipped, saying so, when either is missing) and the command line built
(`cargo build --release`, or WIRETRACE_BIN)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed")
if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java (install default-jre-headless): Spark cannot start", allow_module_level=True)

import wiretrace  # noqa: E402
from wiretrace import spark as ws  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("WIRETRACE_BIN", os.path.join(ROOT, "target", "release", "wiretrace"))
SAMPLE = os.path.join(ROOT, "sample_data", "news.jsonl")
EVAL = os.path.join(ROOT, "..", "shared", "eval", "dev")


@pytest.fixture(scope="module")
def spark():
    s = ws.session("local[2]")
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def cli_bytes(path, *flags):
    return subprocess.run([BIN, "dedup", path, "-q", *flags], check=True, capture_output=True).stdout


def spark_bytes(spark, path, out, *args):
    ws.run(spark, [path, "-o", str(out), "--quiet", *args])
    parts = sorted(p for p in os.listdir(out) if p.startswith("part-"))
    return b"".join(open(os.path.join(out, p), "rb").read() for p in parts)


def dev(name):
    path = os.path.join(EVAL, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} is absent (the shared development corpora)")
    return path


def test_sample_rows_are_the_command_lines(spark, tmp_path):
    assert spark_bytes(spark, SAMPLE, tmp_path / "out") == cli_bytes(SAMPLE)


def test_junk_pages_are_flagged_as_the_command_line_flags_them(spark, tmp_path):
    path = os.path.join(ROOT, "tests", "data", "junk_pages.jsonl")
    want = cli_bytes(path)
    assert spark_bytes(spark, path, tmp_path / "out") == want
    assert want.count(b'"junk":"consent_wall"') == 7


def test_ocr_dev_rows_are_the_command_lines(spark, tmp_path):
    path = dev("ocr_dev.jsonl")
    assert spark_bytes(spark, path, tmp_path / "out") == cli_bytes(path)


def test_wire_dev_with_more_partitions_than_cores(spark, tmp_path):
    """Input split in 1 MB pieces (11 partitions) and 7 parts per shuffle: the same rows."""
    path = dev("wire_dev.jsonl")
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(1 << 20))
    try:
        got = spark_bytes(spark, path, tmp_path / "out", "--partitions", "7")
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    want = cli_bytes(path)
    assert got == want
    rows = [json.loads(line) for line in want.splitlines()]
    assert sum(r["duplicate"] for r in rows) > 2000  # a real test: thousands of duplicates


def test_options_reach_the_job(spark, tmp_path):
    args = ["--option", "threshold=0.5", "--option", "keep_policy=longest"]
    got = spark_bytes(spark, SAMPLE, tmp_path / "out", *args)
    assert got == cli_bytes(SAMPLE, "--threshold", "0.5", "--keep-policy", "longest")


def test_dedup_adds_the_rows_to_the_dataframe(spark):
    df = spark.read.json(SAMPLE).withColumnRenamed("id", "doc")
    out = ws.dedup(df, id_col="doc").collect()
    want = [json.loads(line) for line in cli_bytes(SAMPLE).splitlines()]
    assert [r["doc"] for r in out] == [w["id"] for w in want]
    for r, w in zip(out, want):
        assert (r["cluster"], r["duplicate"], r["parent"], r["similarity"]) == \
            (w["cluster"], w["duplicate"], w["parent"], w["similarity"])
    assert set(df.columns) < set(out[0].asDict())


def test_bad_input_is_named(spark):
    story = "The council voted on Tuesday to close the harbour road for repairs until the spring. " * 3
    df = spark.createDataFrame([("a", story), ("b", None)], "id string, text string")
    with pytest.raises(wiretrace.WiretraceError, match=r"id 'b': no text \(its column 'text' is null\)"):
        ws.dedup(df)
    with pytest.raises(KeyError, match="no column 'body'"):
        ws.dedup(df, text_col="body")
    with pytest.raises(TypeError, match="ids are strings or integers"):
        ws.dedup(spark.createDataFrame([(1.5, story)], "id double, text string"))
    with pytest.raises(TypeError, match="must hold strings"):
        ws.dedup(spark.createDataFrame([("a", 3)], "id string, text int"))
    with pytest.raises(wiretrace.WiretraceError, match="duplicate id 'a'"):
        ws.dedup(spark.createDataFrame([("a", story), ("a", story)], "id string, text string"))
    with pytest.raises(wiretrace.WiretraceError, match="threshold"):
        ws.dedup(df.where("text is not null"), threshold=2)
    with pytest.raises(ValueError, match=r"already has column\(s\) \['cluster'\]"):
        ws.dedup(df.withColumn("cluster", df.id))
    # Left out and counted, with skip_invalid: the row stays, without a story.
    rows = ws.dedup(df, skip_invalid=True).collect()
    assert [(r["id"], r["cluster"]) for r in rows] == [("a", "a"), ("b", None)]


def test_the_command_line_module(tmp_path):
    """`python -m wiretrace.spark` end to end, with its own JVM: exit code, summary, Parquet."""
    out = tmp_path / "rows"
    p = subprocess.run([sys.executable, "-m", "wiretrace.spark", SAMPLE, "-o", str(out), "--master", "local[2]",
                        "--format", "parquet"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "wiretrace (spark): 55 documents, 23 stories, 32 duplicates" in p.stderr
    import pyarrow.parquet as pq
    t = pq.read_table(str(out))
    want = [json.loads(line) for line in cli_bytes(SAMPLE).splitlines()]
    assert t.column("id").to_pylist() == [w["id"] for w in want]
    assert t.column("cluster").to_pylist() == [w["cluster"] for w in want]


def test_bad_input_exits_2_with_the_reason(spark, tmp_path, monkeypatch, capsys):
    """main() in this process (on the tests' session): bad input is exit code 2 and a message."""
    class Kept:  # the tests' session, which main() must not stop
        def __getattr__(self, name):
            return getattr(spark, name)

        def stop(self):
            pass

    monkeypatch.setattr(ws, "session", lambda master=None: Kept())
    assert ws.main([SAMPLE, "-o", str(tmp_path / "rows"), "--text-field", "body"]) == 2
    assert "no text (its column 'body' is null)" in capsys.readouterr().err
    assert ws.main([SAMPLE, "-o", str(tmp_path / "rows"), "--option", "threshold=2"]) == 2
    assert "threshold" in capsys.readouterr().err


def test_components_match_union_find(spark):
    """Stories are the links' connected components: long chains, stars whose leaves have two
    centres, and random graphs, in more parts than cores, against a union-find."""
    import random
    rnd = random.Random(7)
    edges = [(i, i + 1) for i in range(0, 300, 1)]                   # a chain of 301 nodes
    edges += [(1000, 1001), (1000, 1002), (1003, 1001), (1003, 1002)]  # leaves with two centres
    edges += [(rnd.randrange(2000, 2600), rnd.randrange(2000, 2600)) for _ in range(500)]
    edges += [(5000 + i, 5000 + i) for i in range(3)]                  # self-links: no story
    up = {}

    def root(x):
        while up.get(x, x) != x:
            x = up[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            up[max(ra, rb)] = min(ra, rb)
    nodes = {x for e in edges for x in e if e[0] != e[1]}
    want = {x: root(x) for x in nodes}
    df = spark.createDataFrame(edges, "u long, v long")
    got = {r["doc"]: r["label"] for r in ws._components(df, 5).collect()}
    assert got == want


def test_a_template_sent_hundreds_of_times_pairs_as_the_command_line(spark, tmp_path):
    """600 near-identical notices fill buckets wider than the command line expands (256
    members): the job pairs them as it does, each with the few before it (not all 180,000
    pairs), and gives the same rows: one story."""
    notice = ("The board of directors declared a regular quarterly dividend on the common stock, "
              "payable to shareholders of record at the close of business, the company said in a "
              "statement issued on Tuesday after its annual meeting in the city. ")
    path = tmp_path / "notices.jsonl"
    with open(path, "w") as f:
        for i in range(600):
            f.write(json.dumps({"id": f"n{i}", "text": notice * 2 + f"Reference number {i % 7}.",
                                "date": f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"}) + "\n")
    want = cli_bytes(str(path))
    assert spark_bytes(spark, str(path), tmp_path / "out") == want
    assert {json.loads(line)["cluster"] for line in want.splitlines()} == {"n0"}


def test_outlets_joined_by_shuffle_give_the_same_rows(spark, tmp_path, monkeypatch):
    """Past the broadcast limits (many outlets) the per-outlet counts and boilerplate are
    joined by a shuffle instead: the same rows."""
    monkeypatch.setattr(ws, "BROADCAST_ROWS", 0)
    monkeypatch.setattr(ws, "BROADCAST_BYTES", 0)
    stats = {}
    rows = ws._rows(spark.read.json(SAMPLE), "id", "text", None, None, None, None, None, stats, {})[0]
    assert stats["outlet_boilerplate_bytes"] > 0  # the sample's outlets have boilerplate of their own
    got = b"".join(line.encode() + b"\n" for line in
                   rows.orderBy("_pos").mapInArrow(ws._each(ws._core.json_rows), "value string")
                   .toPandas()["value"])
    ws.release(stats)
    assert got == cli_bytes(SAMPLE)
