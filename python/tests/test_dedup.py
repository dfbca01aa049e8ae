"""The Python API against the command line: the same rows on the same records, and clear
errors for bad input. Needs the command line built (`cargo build --release`, or
WIRETRACE_BIN); the development corpora are read from ../shared/eval when present."""
import json
import os
import subprocess

import pyarrow as pa
import pyarrow.json as pj
import pytest

import wiretrace

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("WIRETRACE_BIN", os.path.join(ROOT, "target", "release", "wiretrace"))
SAMPLE = os.path.join(ROOT, "sample_data", "news.jsonl")
EVAL = os.path.join(ROOT, "..", "shared", "eval", "dev")


def cli_rows(path):
    out = subprocess.run([BIN, "dedup", path, "-q"], check=True, capture_output=True).stdout
    return [json.loads(line) for line in out.decode().splitlines()]


def as_rows(table):
    cols = {c: table.column(c).to_pylist() for c in ["id", "cluster", "duplicate", "parent", "similarity"]}
    return [{k: cols[k][i] for k in cols} for i in range(table.num_rows)]


def same_as_cli(path):
    table = pj.read_json(path)
    got = as_rows(wiretrace.dedup(table))
    want = [{k: r.get(k) for k in ["id", "cluster", "duplicate", "parent", "similarity"]} for r in cli_rows(path)]
    assert got == want


def test_sample_rows_match_the_command_line():
    same_as_cli(SAMPLE)


@pytest.mark.parametrize("name", ["wire_dev.jsonl", "ocr_dev.jsonl"])
def test_dev_corpora_match_the_command_line(name):
    path = os.path.join(EVAL, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} is absent")
    same_as_cli(path)


def test_columns_are_kept_and_rows_added_in_order():
    table = pj.read_json(SAMPLE)
    out = wiretrace.dedup(table.rename_columns(["doc" if c == "id" else c for c in table.column_names]),
                          id_col="doc")
    assert out.column_names[: table.num_columns] == ["doc" if c == "id" else c for c in table.column_names]
    assert out.column_names[-4:] == ["cluster", "duplicate", "parent", "similarity"]
    assert out.column("doc").to_pylist() == table.column("id").to_pylist()
    assert out.column("duplicate").to_pylist().count(False) == 23


def test_pandas_in_pandas_out_and_options():
    pd = pytest.importorskip("pandas")
    df = pj.read_json(SAMPLE).to_pandas()
    out = wiretrace.dedup(df, keep_policy="longest", threads=1)
    assert isinstance(out, pd.DataFrame) and len(out) == len(df)
    with pytest.raises(wiretrace.WiretraceError, match="threshold"):
        wiretrace.dedup(df, threshold=2)
    with pytest.raises(wiretrace.WiretraceError, match="no-such-option"):
        wiretrace.dedup(df, no_such_option=1)


def test_bad_input_is_named():
    t = pa.table({"id": ["a", "b"], "text": ["one story", None]})
    with pytest.raises(wiretrace.WiretraceError, match=r"row 1 \(id 'b'\) has no text"):
        wiretrace.dedup(t)
    with pytest.raises(KeyError, match="no column 'body'"):
        wiretrace.dedup(t, text_col="body")
    with pytest.raises(TypeError, match="ids are strings or integers"):
        wiretrace.dedup(pa.table({"id": [1.5, 2.5], "text": ["x", "y"]}))
    with pytest.raises(TypeError, match="must hold strings"):
        wiretrace.dedup(pa.table({"id": ["a"], "text": [3]}))
    with pytest.raises(wiretrace.WiretraceError, match="duplicate id"):
        wiretrace.dedup(pa.table({"id": ["a", "a"], "text": ["x", "y"]}))
    with pytest.raises(TypeError, match="not list"):
        wiretrace.dedup([1, 2])
    # Integer ids and no ids at all.
    story = "The council voted on Tuesday to close the harbour road for repairs until the spring, " * 3
    out = wiretrace.dedup(pa.table({"n": [7, 8], "text": [story, story]}), id_col="n")
    assert out.column("cluster").to_pylist() == ["7", "7"]
    out = wiretrace.dedup(pa.table({"text": ["a story", "another"]}), id_col=None)
    assert out.num_rows == 2
