"""wiretrace: find near-duplicate news stories, group their versions, tell which came first.

``dedup(table)`` runs wiretrace's whole pipeline in process on a pyarrow Table (or a pandas
or Polars DataFrame) and returns it with four columns added per row:

- ``cluster``: the id of the story's origin (its earliest dated version);
- ``duplicate``: False for the one version of each story that is kept;
- ``parent``: the earlier version this one derives from (null for an origin);
- ``similarity``: the share of the smaller of the two found in the larger.

The options are the command line's (``wiretrace dedup --help``), as keyword arguments:
``dedup(t, threshold=0.2, keep_policy="longest", no_case_fold=True)``. The same rows come
out as from ``wiretrace dedup`` on the same records.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from . import _core

__all__ = ["dedup", "WiretraceError"]
__version__ = _core.__version__

#: The record fields wiretrace reads, and the keyword naming the column of each.
_FIELDS = {"id": "id_col", "text": "text_col", "title": "title_col", "date": "date_col",
           "source": "source_col", "url": "url_col"}
_ADDED = ["cluster", "duplicate", "parent", "similarity"]


class WiretraceError(ValueError):
    """A record or an option wiretrace cannot use; the message names it and what to do."""


def _to_arrow(data: Any) -> tuple[pa.Table, str]:
    if isinstance(data, pa.Table):
        return data, "arrow"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), "arrow"
    kind = type(data).__module__.split(".")[0]
    if kind == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False), "pandas"
    if kind == "polars":
        return data.to_arrow(), "polars"
    raise TypeError(f"dedup takes a pyarrow Table or RecordBatch, or a pandas or Polars "
                    f"DataFrame, not {type(data).__name__}")


def _option_args(options: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in sorted(options.items()):
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        else:
            args += [flag, str(value)]
    return args


def _check_columns(table: pa.Table, columns: dict[str, str | None]) -> None:
    for field, col in columns.items():
        if col is None:
            continue
        if col not in table.column_names:
            raise KeyError(f"no column {col!r} for the {field} (the table has "
                           f"{', '.join(map(repr, table.column_names))}); name it with "
                           f"{_FIELDS[field]}=")
        t = table.schema.field(col).type
        if field == "id":
            if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)):
                raise TypeError(f"column {col!r} (the id) is {t}; ids are strings or integers")
        elif field == "date":
            if not (pa.types.is_string(t) or pa.types.is_large_string(t)
                    or pa.types.is_timestamp(t) or pa.types.is_date(t)):
                raise TypeError(f"column {col!r} (the date) is {t}; give strings or timestamps")
        elif not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            raise TypeError(f"column {col!r} (the {field}) is {t}; it must hold strings")
    text = table.column(columns["text"])
    if text.null_count:
        row = text.is_null().to_pylist().index(True)
        ident = table.column(columns["id"])[row].as_py() if columns.get("id") else row
        raise WiretraceError(f"row {row} (id {ident!r}) has no text (null in column "
                             f"{columns['text']!r}); drop it or give it an empty string")


def dedup(data: Any, id_col: str | None = "id", text_col: str = "text",
          title_col: str | None = None, date_col: str | None = None,
          source_col: str | None = None, url_col: str | None = None, **options: Any) -> Any:
    """Clusters the rows of ``data`` into stories; returns ``data`` with ``cluster``,
    ``duplicate``, ``parent`` and ``similarity`` added, in the same row order and of the same
    kind (a pyarrow Table for a Table or RecordBatch, else a DataFrame of the input's library).

    ``id_col=None`` names rows by their position. ``title_col``, ``date_col``, ``source_col``
    and ``url_col`` are used when given, or when a column of the field's own name exists.
    ``options`` are ``wiretrace dedup``'s (``threshold=0.2``, ``keep_policy="longest"``,
    ``threads=2``); a bad one raises WiretraceError with the command line's message.
    """
    table, kind = _to_arrow(data)
    columns: dict[str, str | None] = {"id": id_col, "text": text_col, "title": title_col,
                                      "date": date_col, "source": source_col, "url": url_col}
    for field in ("title", "date", "source", "url"):
        if columns[field] is None and field in table.column_names:
            columns[field] = field
    if id_col is None:
        columns["id"] = None
    _check_columns(table, columns)
    clash = [c for c in _ADDED if c in table.column_names]
    if clash:
        raise ValueError(f"the table already has column(s) {clash}; rename them first")
    # The records as wiretrace reads them: the fields under their own names, ids made
    # strings (a row number where there is none), in the input's order.
    ids = (pa.array([str(i) for i in range(table.num_rows)]) if columns["id"] is None
           else table.column(columns["id"]).cast(pa.string()))
    fields = {"id": ids}
    for field in ("text", "title", "date", "source", "url"):
        col = columns[field]
        if col is not None:
            c = table.column(col)
            fields[field] = c if field == "date" and not pa.types.is_string(c.type) else c.cast(pa.string())
    records = pa.table(fields)
    with tempfile.TemporaryDirectory(prefix="wiretrace-") as tmp:
        src, out = os.path.join(tmp, "records.parquet"), os.path.join(tmp, "rows.parquet")
        pq.write_table(records, src, compression="zstd")
        try:
            _core.dedup_files([src], out, _option_args(options) + ["--quiet"])
        except ValueError as e:
            raise WiretraceError(str(e).replace(src, "<table>")) from None
        rows = pq.read_table(out)
    result = table
    for name in _ADDED:
        result = result.append_column(name, rows.column(name))
    if kind == "pandas":
        return result.to_pandas()
    if kind == "polars":
        import polars as pl
        return pl.from_arrow(result)
    return result
