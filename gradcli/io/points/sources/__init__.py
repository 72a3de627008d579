"""Where points come from: one module per format, each turning its file into Chunks.

Every format module offers `chunks(source, ...)`: the points in order, a chunk at a time, with
memory bounded whatever the file's size. The cluster runner also splits a file into partitions
(`partitions.py`), each read on a worker by the same `chunks` from its own start.

The format is told by the name (.npy, .npz, .parquet; a directory or a glob of Parquet files),
else by the content: a .npy or zip magic, Parquet's `PAR1`, or text (NDJSON or CSV by the
first line).
"""
from __future__ import annotations

import sys

from ....errors import GradcliError
from ..chunk import Source

PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")


def kind_of(path: str) -> str:
    """'npy', 'npz', 'parquet' or 'text', from the name (and, for local files, the first bytes)."""
    from .. import storage  # noqa: PLC0415
    lower = path.lower().rstrip("/")
    if lower.endswith(".npy"):
        return "npy"
    if lower.endswith(".npz"):
        return "npz"
    if lower.endswith(PARQUET_SUFFIXES) or storage.has_magic(path) or storage.is_pattern(path) \
            or storage.is_directory(path):
        return "parquet"
    return "text"


def open_source(path: str, program, shared, size: int | None, columns=None):
    """(Source, iterator of Chunks) for a file, a directory or glob of Parquet files, a URL, or
    '-' for stdin."""
    source = Source(path, program, shared, columns)
    try:
        if path == "-":
            return source, _stdin_chunks(source, size)
        kind = kind_of(path)
        if kind == "parquet":
            from . import parquet  # noqa: PLC0415 - pyarrow only for Parquet
            return source, parquet.chunks(source, parquet.files(source, path), size)
        from .. import storage  # noqa: PLC0415
        if kind == "npy":
            from .npy import ArrayReader, chunks  # noqa: PLC0415
            fp, length = storage.open_binary(path)
            reader = ArrayReader(fp, path, length)
            source.total = reader.points
            return source, chunks(source, reader, size)
        if kind == "npz":
            from .npz import chunks  # noqa: PLC0415
            fp, _ = storage.open_binary(path)
            return source, chunks(source, fp, size)
        from . import text  # noqa: PLC0415
        fp, source.total = storage.open_binary(path)
        return source, text.chunks(source, text.decode(fp, path), size)
    except OSError as exc:
        raise GradcliError(f"--points: cannot read {path}: {exc.strerror or exc}", kind="io") from None


def _stdin_chunks(source: Source, size: int | None):
    stream = sys.stdin.buffer
    head = stream.peek(8)[:8] if hasattr(stream, "peek") else b""
    if head.startswith(b"\x93NUMPY"):
        from .npy import ArrayReader, chunks  # noqa: PLC0415
        return chunks(source, ArrayReader(stream, "stdin"), size)
    if head.startswith((b"PK", b"PAR1")):
        import io  # noqa: PLC0415 - a zip or a Parquet file needs to seek: stdin is read whole
        data = io.BytesIO(stream.read())
        if head.startswith(b"PAR1"):
            from . import parquet  # noqa: PLC0415
            return parquet.chunks(source, [("stdin", data)], size)
        from .npz import chunks  # noqa: PLC0415
        return chunks(source, data, size)
    from . import text  # noqa: PLC0415
    return text.chunks(source, text.decode(stream, "stdin"), size)

