"""wiretrace on Apache Spark: the same stories as ``wiretrace dedup``, on a cluster.

``dedup(df)`` adds ``cluster``, ``duplicate``, ``parent`` and ``similarity`` to every row of a
Spark DataFrame; ``python -m wiretrace.spark INPUT... -o OUT`` reads JSON Lines or Parquet with
Spark's readers and writes the rows ``wiretrace dedup`` writes.

Every stage runs on the executors, in the Rust core (``mapInArrow``), with the command line's
parameters and rules; Spark only moves rows between them. What the driver holds is bounded by
the number of partitions and by the corpus-wide boilerplate (a sample of 20,000 documents):

1. parse and shingle, per partition;
2. boilerplate: the shingles of an evenly spaced sample counted by part of their values; each
   outlet's from an evenly spaced sample of its pages, grouped by outlet; only the corpus-wide
   set is broadcast;
3. discount and sign, per partition;
4. candidates: band keys and anchors shuffled by part of their value, bucket mates and anchor
   mates paired in Rust, then shuffled to the home of the later document of each pair;
5. verify: each home gets its own documents and the earlier ones its pairs need;
6. linkage: each version's link, decided where all its verified pairs meet; stories are the
   connected components of the links (large-star/small-star rounds, two shuffles each);
7. provenance per story, where its versions and pairs meet.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import time
from typing import Any, Callable, Iterator

import pyarrow as pa

from . import WiretraceError, _core, _option_args

__all__ = ["dedup", "main", "release", "run", "session"]

_FIELDS = ("id", "text", "title", "date", "source", "url")
_ADDED = ["cluster", "duplicate", "parent", "similarity"]

#: Documents per home part (verification and provenance), at most: what one task holds.
HOME_DOCS = 50_000

#: The outlets' boilerplate is broadcast when it is at most this big (bytes), else joined.
BROADCAST_BYTES = 64 << 20

#: The per-partition outlet counts are broadcast when there are at most this many rows.
BROADCAST_ROWS = 1_000_000

_SHINGLED = ("_pos bigint, part int, vrow bigint, srow bigint, id string, title string, "
             "source string, date bigint, len int, set binary, at binary, error string, "
             "unreadable_date string, junk string")
_EDGES = ("a bigint, b bigint, shared int, larger int, containment float, jaccard float, "
          "size_a int, size_b int, cov_ab float, cov_ba float, date_a bigint, date_b bigint")
_ROWS = "doc bigint, cluster string, parent string, similarity double, duplicate boolean"


def _whole(step: Callable[[pa.RecordBatch], pa.RecordBatch]) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """A mapInArrow function that calls ``step`` once with all of a partition's rows (the
    stage brought every row a decision needs into one partition)."""
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        batches = [b for b in batches if b.num_rows]
        if not batches:
            return
        table = pa.Table.from_batches(batches).combine_chunks()
        whole = table.to_batches()[0] if table.num_rows else batches[0]
        out = step(whole)
        if out.num_rows:
            yield out
    return run


def _each(step: Callable[[pa.RecordBatch], pa.RecordBatch]) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """A mapInArrow function that calls ``step`` on each batch."""
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            if b.num_rows:
                out = step(b)
                if out.num_rows:
                    yield out
    return run


def _with(out: pa.RecordBatch, inp: pa.RecordBatch, names: list[str]) -> pa.RecordBatch:
    """``out`` with ``inp``'s columns ``names`` carried along (same rows, same order)."""
    cols = list(out.columns) + [inp.column(n) for n in names]
    return pa.RecordBatch.from_arrays(cols, names=list(out.schema.names) + names)


def _check(df: Any, columns: dict[str, str | None]) -> None:
    from pyspark.sql import types as T
    types = dict((f.name, f.dataType) for f in df.schema.fields)
    for field, col in columns.items():
        if col is None:
            continue
        if col not in types:
            raise KeyError(f"no column {col!r} for the {field} (the DataFrame has "
                           f"{', '.join(map(repr, df.columns))}); name it with {field}_col=")
        t = types[col]
        if field == "id":
            if not isinstance(t, (T.StringType, T.IntegerType, T.LongType)):
                raise TypeError(f"column {col!r} (the id) is {t.simpleString()}; ids are strings or integers")
        elif field == "date":
            if not isinstance(t, (T.StringType, T.TimestampType, T.DateType, T.TimestampNTZType)):
                raise TypeError(f"column {col!r} (the date) is {t.simpleString()}; give strings or timestamps")
        elif not isinstance(t, T.StringType):
            raise TypeError(f"column {col!r} (the {field}) is {t.simpleString()}; it must hold strings")


def _components(links: Any, parts: int) -> Any:
    """The connected components of the undirected graph ``links`` (u, v), as (doc, label) with
    the least member as label, by alternating large-star and small-star rounds (Kiveris et al.,
    "Connected Components in MapReduce and Beyond"): a logarithmic number of rounds, each two
    shuffles by node into ``parts`` and a step in Rust, no task holding a component."""
    from pyspark.sql import functions as F

    def cut(d: Any) -> Any:
        # Each round's edges are materialized and their plan cut: round k's plan would
        # otherwise hold every earlier round's, and the optimizer's work on it grows
        # exponentially. A checkpoint directory, when set, makes this survive lost executors.
        return d.checkpoint() if d.sparkSession.sparkContext.getCheckpointDir() else d.localCheckpoint()

    def by_node(e: Any, step: Callable[[pa.RecordBatch], pa.RecordBatch], schema: str) -> Any:
        return e.repartition(parts, "u").mapInArrow(_whole(step), schema)

    # First each part's own links become stars around their least node (union-find in the
    # task): most of a story's links meet in few parts, so the rounds start near the end.
    e = by_node(links, _core.local_stars, "u bigint, v bigint")
    while True:
        # The large star also tells whether the edges were already a forest of stars (then
        # it gives them back unchanged): no separate job checks.
        large = cut(by_node(e, _core.large_star, "u bigint, v bigint, bad bigint"))
        edges = large.where(F.col("u").isNotNull()).select("u", "v")
        if not large.where(F.col("u").isNull()).agg(F.sum("bad")).collect()[0][0]:
            break
        e = by_node(edges, _core.small_star, "u bigint, v bigint")
    # Every component is a star (u above v): a leaf's label is its centre, a centre is its own.
    return (edges.select(F.col("u").alias("doc"), F.col("v").alias("label"))
            .unionByName(edges.select(F.col("v").alias("doc"), F.col("v").alias("label")).distinct()))


def dedup(df: Any, id_col: str = "id", text_col: str = "text", title_col: str | None = None,
          date_col: str | None = None, source_col: str | None = None, url_col: str | None = None,
          partitions: int | None = None, stats: dict | None = None, **options: Any) -> Any:
    """Clusters the rows of the Spark DataFrame ``df`` into stories; returns it with
    ``cluster`` (the id of the story's origin), ``duplicate``, ``parent`` and ``similarity``
    added to every row, as ``wiretrace dedup`` gives them for the same records.

    ``title_col``, ``date_col``, ``source_col`` and ``url_col`` are used when given, or when
    a column of the field's own name exists. ``options`` are ``wiretrace dedup``'s
    (``threshold=0.2``, ``keep_policy="longest"``). ``partitions`` sets how many parts the
    shuffled stages use (default: twice the default parallelism, and at least one per
    50,000 documents). ``stats``, a dict, receives counts and each stage's time.
    """
    clash = [c for c in _ADDED if c in df.columns]
    if clash:
        raise ValueError(f"the DataFrame already has column(s) {clash}; rename them first")
    rows, base = _rows(df, id_col, text_col, title_col, date_col, source_col, url_col,
                       partitions, stats, options)
    out = rows.select("_pos", *_ADDED)
    return base.join(out, "_pos", "left").orderBy("_pos").drop("_pos")


def _rows(df: Any, id_col: str, text_col: str, title_col: str | None, date_col: str | None,
          source_col: str | None, url_col: str | None, partitions: int | None,
          stats: dict | None, options: dict) -> tuple[Any, Any]:
    """The rows of every record of ``df`` (``_pos``, id, cluster, duplicate, parent,
    similarity, empty, invalid), and ``df`` with ``_pos`` added."""
    from pyspark import StorageLevel, TaskContext
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    stats = {} if stats is None else stats
    timings: dict[str, float] = {}
    stats["timings"] = timings
    t0 = time.perf_counter()
    clock: list[Any] = [t0, None]

    def stage(name: str | None) -> None:
        # Closes the stage under way and names the next one's Spark jobs (`wiretrace: name`),
        # so that Spark's UI and benches/spark.py can tell what each stage moves.
        now = time.perf_counter()
        if clock[1]:
            timings[clock[1]] = now - clock[0]
        clock[0], clock[1] = now, name
        df.sparkSession.sparkContext.setJobDescription(f"wiretrace: {name}" if name else None)

    flags = _option_args(options)
    try:
        num_perm, bands, rows_per_band = _core.check_options(flags)
    except ValueError as e:
        raise WiretraceError(str(e)) from None
    skip_invalid = bool(options.get("skip_invalid"))
    columns: dict[str, str | None] = {"id": id_col, "text": text_col, "title": title_col,
                                      "date": date_col, "source": source_col, "url": url_col}
    for field in ("title", "date", "source", "url"):
        if columns[field] is None and field in df.columns:
            columns[field] = field
    _check(df, columns)

    spark = df.sparkSession
    sc = spark.sparkContext
    stage("read+shingle")
    kept: list[Any] = []

    def persist(d: Any) -> Any:
        d = d.persist(StorageLevel.MEMORY_AND_DISK)
        kept.append(d)
        return d

    base = df.withColumn("_pos", F.monotonically_increasing_id())
    records = base.select("_pos", *[F.col(c).alias(f) for f, c in columns.items() if c is not None])

    # 1. Parse and shingle. Each row's place among the partition's valid rows (and among its
    # outlet's) is counted as the partition streams, so with the partitions' counts every
    # document gets its place in the input (`doc`) and in its outlet without a sort.
    def shingle(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        part = TaskContext.get().partitionId()
        counters = _core.Counters()
        for b in batches:
            if b.num_rows:
                yield _core.shingle(b, flags, part, counters)

    shingled = persist(records.mapInArrow(shingle, _SHINGLED))
    # One job shingles every partition at once and counts each one's valid and invalid rows.
    per_part = shingled.groupBy("part").agg(F.count(F.when(F.col("error").isNull(), 1)).alias("count"),
                                            F.count("error").alias("bad")).collect()
    bad = shingled.where(F.col("error").isNotNull())
    invalid_rows = bad.select("_pos", "id", F.col("error").alias("invalid"))
    if not skip_invalid and any(r["bad"] for r in per_part):
        first = bad.orderBy("_pos").select("id", "error").limit(1).collect()
        if first:
            who = f"the record with id {first[0]['id']!r}" if first[0]["id"] is not None else "a record"
            # The core names the command line's flags; here the field is a column.
            why = re.sub(r'no "(\w+)" field \(name another key with --(\w+)-field\)',
                         lambda m: f"no {m[2]} (its column {columns[m[2]] or m[1]!r} is null)", first[0]["error"])
            raise WiretraceError(f"{who}: {why}. Fix the record, or pass "
                                 "skip_invalid=True to count it and leave it out.")
    valid = shingled.where(F.col("error").isNull())
    dup = valid.groupBy("id").count().where(F.col("count") > 1).limit(1).collect()
    if dup and not skip_invalid:
        raise WiretraceError(f"duplicate id {dup[0]['id']!r}: ids name one record each. Fix the "
                             "input, or pass skip_invalid=True to keep the first and leave out the rest.")
    if dup:
        first = Window.partitionBy("id").orderBy("_pos")
        ranked = valid.withColumn("_nth", F.row_number().over(first))
        invalid_rows = invalid_rows.unionByName(
            ranked.where(F.col("_nth") > 1).select("_pos", "id", F.lit("duplicate id").alias("invalid")))
        valid = ranked.where(F.col("_nth") == 1).drop("_nth")
        per_part = valid.groupBy("part").count().collect()
    counts = sorted((r["part"], r["count"]) for r in per_part if r["count"])
    offsets, n = [], 0
    for part, c in counts:
        offsets.append((part, n))
        n += c
    stats["documents"] = n
    parallel = sc.defaultParallelism
    parts = partitions or max(2 * parallel, math.ceil(n / HOME_DOCS))
    block = max(1, math.ceil(n / parts))
    off = spark.createDataFrame(offsets or [(0, 0)], "part int, off bigint")
    # Not kept: the shingled rows are, and the join with the partitions' offsets is cheap.
    docs = valid.join(F.broadcast(off), "part").withColumn("doc", F.col("off") + F.col("vrow"))
    stage('boilerplate')

    # 2. Boilerplate. Corpus-wide: shingles of an evenly spaced sample, counted by part.
    step, sample, cut, max_df = _core.widespread_plan(flags, max(n, 1))
    stats["boilerplate_df"] = max_df
    counted = (docs.where(F.col("doc") % step == 0).select("set")
               .mapInArrow(_each(lambda b: _core.count_shingles(b, parts)), "kpart int, blob binary"))
    wide_rows = (counted.repartition(parts, "kpart")
                 .mapInArrow(_whole(lambda b: _core.widespread(b, cut)), "blob binary").collect())
    wide = sc.broadcast(b"".join(bytes(r["blob"]) for r in wide_rows))
    # Each outlet's: an evenly spaced sample of its pages, by their place in the outlet.
    per_outlet, min_docs = _core.outlet_plan()
    pc = docs.where(F.col("source").isNotNull()).groupBy("part", "source").count()
    w = Window.partitionBy("source").orderBy("part")
    pc = (pc.withColumn("soff", F.sum("count").over(w) - F.col("count"))
          .withColumn("stotal", F.sum("count").over(Window.partitionBy("source"))))
    # One row per input partition and outlet: sent to every task when there are few (the
    # documents then stay where they are), else joined by a shuffle.
    pc = persist(pc)
    if pc.count() <= BROADCAST_ROWS:
        pc = F.broadcast(pc)
    sampled = (docs.join(pc, ["part", "source"])
               .where((F.col("stotal") >= min_docs)
                      & ((F.col("soff") + F.col("srow")) % F.ceil(F.col("stotal") / per_outlet) == 0)))
    outlets = persist(sampled.select("source", "set").repartition(parts, "source")
                      .mapInArrow(_whole(_core.outlet_boilerplate), "source string, boiler binary"))
    # The outlets' sets go to the documents when they are small enough to send everywhere (a
    # few kB per outlet), else the documents go to their outlet's part.
    outlet_bytes = outlets.agg(F.sum(F.length("boiler") + F.length("source"))).collect()[0][0] or 0
    stats["outlet_boilerplate_bytes"] = outlet_bytes
    if outlet_bytes <= BROADCAST_BYTES:
        outlets = F.broadcast(outlets)
    stage('discount+minhash')

    # 3. Discount and sign.
    carried = ["_pos", "id", "title", "date", "source", "len", "junk"]

    def sign(b: pa.RecordBatch) -> pa.RecordBatch:
        return _with(_core.sign(b, flags, wide.value), b, carried)

    signed = persist(docs.join(outlets, "source", "left")
                     .select("doc", "set", "at", "boiler", *carried)
                     .mapInArrow(_each(sign), "doc bigint, set binary, at binary, low binary, keys binary, "
                                 "size int, _pos bigint, id string, title string, date bigint, source string, len int, "
                                 "junk string"))
    signed.count()
    shingled.unpersist()
    stage('lsh+anchors')

    # 4. Candidates: bucket mates and anchor mates, each pair at the home of its later document.
    lsh = (signed.where(F.col("keys").isNotNull()).select("doc", "keys")
           .mapInArrow(_each(lambda b: _core.lsh_entries(b, parts)), "kpart int, blob binary")
           .repartition(parts, "kpart")
           .mapInArrow(_whole(lambda b: _core.bucket_pairs(b, block)), "q int, blob binary")
           .withColumn("kind", F.lit(0)))
    anchors = (signed.where(F.col("size") > 0).select("doc", "set")
               .mapInArrow(_each(lambda b: _core.anchor_entries(b, flags, parts)), "kpart int, blob binary")
               .repartition(parts, "kpart")
               .mapInArrow(_whole(lambda b: _core.anchor_pairs(b, flags, block)), "q int, blob binary")
               .withColumn("kind", F.lit(1)))
    cands = persist(lsh.unionByName(anchors).repartition(parts, "q")
                    .mapInArrow(_whole(lambda b: _core.candidates(b, flags, block)),
                                "kind tinyint, q int, doc bigint, blob binary"))
    cands.count()
    stage('verify')

    # 5. Verify at each home: its own documents, the earlier ones its pairs need, its pairs.
    doc_cols = ["doc", "set", "at", "low", "len", "date", "source"]
    own = signed.select(*doc_cols).withColumn("q", (F.col("doc") / F.lit(block)).cast("int"))
    need = cands.where(F.col("kind") == 1).select("q", "doc").join(signed.select(*doc_cols), "doc")
    pairs = cands.where(F.col("kind") == 0).select("q", "blob")
    verify_in = (own.unionByName(need).withColumn("kind", F.lit(2)).withColumn("blob", F.lit(None).cast("binary"))
                 .unionByName(pairs.withColumn("kind", F.lit(0)), allowMissingColumns=True))
    edges = persist(verify_in.repartition(parts, "q")
                    .mapInArrow(_whole(lambda b: _core.verify_pairs(b, flags)), _EDGES))
    stats["verified"] = edges.count()
    cands.unpersist()
    stage('cluster')

    # 6. Each version's link where all its pairs meet; stories are the links' components.
    half = (edges.select(F.col("a").alias("d"), F.col("b").alias("other"), "shared",
                         F.col("size_a").alias("size"), "jaccard", F.col("cov_ab").alias("cov"),
                         F.col("date_a").alias("date_d"), F.col("date_b").alias("date_o"))
            .unionByName(edges.select(F.col("b").alias("d"), F.col("a").alias("other"), "shared",
                                      F.col("size_b").alias("size"), "jaccard", F.col("cov_ba").alias("cov"),
                                      F.col("date_b").alias("date_d"), F.col("date_a").alias("date_o"))))
    links = persist(half.repartition(parts, "d")
                    .mapInArrow(_whole(lambda b: _core.links(b, flags)), "d bigint, other bigint, top bigint"))
    sure = links.where(F.col("top").isNull()).select(F.col("d").alias("u"), F.col("other").alias("v"))
    maybe = links.where(F.col("top").isNotNull())
    confirmed = (maybe.join(edges.select("a", "b"),
                            (F.least("top", "other") == F.col("a")) & (F.greatest("top", "other") == F.col("b")),
                            "left_semi")
                 .select(F.col("d").alias("u"), F.col("other").alias("v")))
    labels = persist(_components(sure.unionByName(confirmed), parts))
    labels.count()
    stage('provenance')

    # 7. Provenance per story, where its versions and pairs meet.
    members = (signed.join(labels, "doc")
               .select("label", "doc", "id", "title", "date", "source", "len", "set", "at")
               .withColumn("kind", F.lit(0)))
    la = labels.select(F.col("doc").alias("a"), F.col("label"))
    lb = labels.select(F.col("doc").alias("b"), F.col("label").alias("label_b"))
    inside = (edges.join(la, "a").join(lb, "b").where(F.col("label") == F.col("label_b"))
              .select("label", "a", "b", "shared", "larger", "containment", "jaccard")
              .withColumn("kind", F.lit(1)))
    told = (members.unionByName(inside, allowMissingColumns=True).repartition(parts, "label")
            .mapInArrow(_whole(lambda b: _core.provenance(b, flags)), _ROWS))
    alone = (signed.join(labels, "doc", "left_anti")
             .select("doc", F.col("id").alias("cluster"), F.lit(None).cast("string").alias("parent"),
                     F.lit(None).cast("double").alias("similarity"), F.lit(False).alias("duplicate")))
    info = signed.select("doc", "_pos", "id", ((F.col("size") == 0) & F.col("junk").isNull()).alias("empty"),
                         "junk")
    rows = (told.unionByName(alone).join(info, "doc")
            .select("_pos", "id", "cluster", "duplicate", "parent", "similarity", "empty", "junk",
                    F.lit(None).cast("string").alias("invalid")))
    if skip_invalid:
        rows = rows.unionByName(invalid_rows.select(
            "_pos", "id", F.lit(None).cast("string").alias("cluster"), F.lit(None).cast("boolean").alias("duplicate"),
            F.lit(None).cast("string").alias("parent"), F.lit(None).cast("double").alias("similarity"),
            F.lit(None).cast("boolean").alias("empty"), F.lit(None).cast("string").alias("junk"), "invalid"))
    rows = persist(rows)
    agg = rows.where(F.col("invalid").isNull()).agg(
        F.count(F.when(F.col("parent").isNull(), 1)).alias("stories"),
        F.count(F.when(F.col("duplicate"), 1)).alias("duplicates")).collect()[0]
    stats["stories"], stats["duplicates"] = agg["stories"], agg["duplicates"]
    stage(None)
    stats["_persisted"] = kept
    return rows, base


def release(stats: dict) -> None:
    """Frees what a run kept in memory (``stats`` as the run filled it)."""
    for d in stats.pop("_persisted", []):
        d.unpersist()


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m wiretrace.spark",
        description="wiretrace dedup on Apache Spark: reads JSON Lines or Parquet with Spark's "
                    "readers and writes one row per record, as `wiretrace dedup` does.")
    ap.add_argument("inputs", nargs="+", metavar="INPUT", help="JSON Lines or Parquet files or folders")
    ap.add_argument("-o", "--output", required=True, help="the folder of part files to write")
    ap.add_argument("--master", default=None, help="Spark master URL (default: spark-submit's, else local[*])")
    ap.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl",
                    help="rows written as (default jsonl: the lines `wiretrace dedup` writes)")
    ap.add_argument("--input-format", choices=["jsonl", "parquet"], default=None,
                    help="how inputs are read (default: Parquet when every input ends in .parquet)")
    ap.add_argument("--partitions", type=int, default=None, help="parts of the shuffled stages")
    for f in _FIELDS:
        ap.add_argument(f"--{f}-field", default=None, help=f"field of the {f} (default {f!r})")
    ap.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                    help="a `wiretrace dedup` option, e.g. threshold=0.2 or skip_invalid=true")
    ap.add_argument("--quiet", action="store_true", help="no summary on stderr")
    return ap


def session(master: str | None = None) -> Any:
    """A Spark session as ``python -m wiretrace.spark`` starts it."""
    import os
    # Under spark-submit the JVM is up already (it started this Python): its settings stand.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    local = not submitted and (master or "local").startswith("local")
    if local:
        # On one machine the workers run this interpreter (where the package is) unless told
        # otherwise; on a cluster the executors' Python is the cluster's to say.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    # The summary line tells each stage's time; Spark's progress bars would bury it.
    builder = SparkSession.builder.appName("wiretrace").config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    if local:
        # On one machine the executors live in the driver's JVM: give it room.
        builder = builder.config("spark.driver.memory", "4g")
    spark = builder.getOrCreate()
    conf = spark.sparkContext.getConf()
    if not conf.contains("spark.sql.files.minPartitionNum"):
        # Input split so that every core has work to the end (Spark's default of a split per
        # 128 MB gave 2 cores 3 splits of the 200k benchmark corpus).
        spark.conf.set("spark.sql.files.minPartitionNum", str(4 * spark.sparkContext.defaultParallelism))
    if not conf.contains("spark.sql.shuffle.partitions"):
        # Spark's default of 200 parts is made for clusters; the job's own shuffles are sized
        # by the corpus, and Spark's (joins, aggregations) by the cores unless told otherwise.
        spark.conf.set("spark.sql.shuffle.partitions", str(2 * spark.sparkContext.defaultParallelism))
    return spark


def run(spark: Any, argv: list[str]) -> dict:
    """Runs the command line ``argv`` (without ``--master``'s effect) in ``spark``; returns
    the run's ``stats``. Raises WiretraceError, KeyError or TypeError on bad input."""
    a = _parser().parse_args(argv)
    fmt = a.input_format or ("parquet" if all(p.endswith(".parquet") for p in a.inputs) else "jsonl")
    cols = {f: getattr(a, f"{f}_field") for f in _FIELDS}
    if fmt == "parquet":
        df = spark.read.parquet(*a.inputs)
    else:
        # Only the fields the job reads, as strings (a number's text, as the command line
        # takes it): no pass over the corpus to infer a schema, no other field parsed.
        from pyspark.sql import types as T
        names = {cols[f] or f for f in _FIELDS}
        schema = T.StructType([T.StructField(n, T.StringType()) for n in sorted(names)])
        df = spark.read.schema(schema).json(list(a.inputs))
    options: dict[str, Any] = {}
    for o in a.option:
        name, _, value = o.partition("=")
        options[name.replace("-", "_")] = True if value.lower() == "true" else value
    stats: dict = {}
    t = time.perf_counter()
    rows, _ = _rows(df, cols["id"] or "id", cols["text"] or "text", cols["title"], cols["date"],
                    cols["source"], cols["url"], a.partitions, stats, options)
    spark.sparkContext.setJobDescription("wiretrace: write")
    out = rows.orderBy("_pos").drop("_pos")
    if a.format == "jsonl":
        # The command line's own formatting, line for line.
        out.mapInArrow(_each(_core.json_rows), "value string").write.mode("overwrite").text(a.output)
    else:
        out.write.mode("overwrite").parquet(a.output)
    spark.sparkContext.setJobDescription(None)
    stats["wall"] = time.perf_counter() - t
    release(stats)
    return stats


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    a = _parser().parse_args(argv)
    spark = session(a.master)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        s = run(spark, argv)
    except (WiretraceError, KeyError, TypeError) as e:
        print(f"wiretrace: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    if not a.quiet:
        n, wall = s["documents"], s["wall"]
        print(f"wiretrace (spark): {n} documents, {s['stories']} stories, {s['duplicates']} duplicates; "
              f"wall {wall:.2f}s, {n / max(wall, 1e-9):.0f} docs/s ("
              + ", ".join(f"{k} {v:.2f}s" for k, v in s["timings"].items()) + ")", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
