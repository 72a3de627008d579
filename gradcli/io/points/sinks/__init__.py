"""Where results go besides stdout: --save FILE, by its extension.

- `.parquet` (`.parq`, `.pq`): Parquet, an `index` column and a column per result;
- `.ndjson` (`.jsonl`): the NDJSON lines of the good points;
- anything else: .npz, an array per result with a leading points axis.

Every sink has the same four methods: add(result, indices) in input order, close() to commit
the file whole (a temporary renamed over the target), discard() to leave the target as it
was, and summary() for the line that says what was written. A new format is one module here.
"""
from __future__ import annotations

PARQUET = (".parquet", ".parq", ".pq")
NDJSON = (".ndjson", ".jsonl")


def kind_of(path: str) -> str:
    lower = path.lower().rstrip("/")
    if lower.endswith(PARQUET):
        return "parquet"
    if lower.endswith(NDJSON):
        return "ndjson"
    return "npz"


def open_sink(path: str, option: str = "--save"):
    kind = kind_of(path)
    if kind == "parquet":
        from .parquet import ParquetSink  # noqa: PLC0415
        return ParquetSink(path, option)
    if kind == "ndjson":
        from .ndjson import NdjsonFile  # noqa: PLC0415
        return NdjsonFile(path)
    from .npz import NpzWriter  # noqa: PLC0415
    return NpzWriter(path)


EXTENSIONS = {"parquet": ".parquet", "ndjson": ".ndjson", "npz": ".npz"}
