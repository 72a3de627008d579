"""A --points file split into partitions for a cluster; each partition a plain dict (text and
numbers only) that a worker reads with the same format modules as one process does.

- Parquet: a row group is a partition (the files' footers say how many rows each holds).
- .npy / .npz: slices of as many points as one batch holds (`binary_chunk`).
- NDJSON / CSV: byte blocks cut after a newline. A block's first index and line number depend on
  every block before it, so the workers first count each block's lines and points (`count_block`,
  cheap: no parsing), and the client adds them up before the blocks are computed.

The client reads only headers, footers and the first line: what the file holds is read by the
workers, each its own partition.
"""
from __future__ import annotations

import io
import math

from ....errors import GradcliError
from ..chunk import DEFAULT_CHUNK, Source, default_chunk

TEXT_BLOCK_MIN = 4 << 10  # bytes: even a small file is spread over the workers
TEXT_BLOCK_MAX = 16 << 20  # bytes: a block's results are held whole until written
BLOCKS_PER_WORKER = 4  # more blocks than workers: a slow or lost worker delays little
FIND_STEP = 64 << 10  # bytes read at a time while looking for a block's first newline


def plan(source: Source, path: str, size: int | None, workers: int) -> tuple[str, list]:
    """('parts', [partition]) for binary formats, or ('blocks', [block]) for text, whose lines
    and points the workers count first (`count_block`, then `text_parts`)."""
    from .. import storage  # noqa: PLC0415
    from . import kind_of  # noqa: PLC0415
    kind = kind_of(path)
    try:
        if kind == "parquet":
            return "parts", _parquet(source, path, size)
        if kind in ("npy", "npz"):
            return "parts", _arrays(source, path, kind, size)
        return "blocks", _blocks(source, path, storage.size(path), workers)
    except OSError as exc:
        raise GradcliError(f"--points: cannot read {path}: {exc.strerror or exc}", kind="io") from None


def _parquet(source: Source, path: str, size: int | None) -> list:
    from . import parquet  # noqa: PLC0415
    parts, index = [], 0
    for label, location in parquet.files(source, path):
        pf = parquet.open_file(location)
        parquet.plan(source, label, pf, size)  # the columns checked here, before any task
        row = 0
        for group in range(pf.metadata.num_row_groups):
            rows = pf.metadata.row_group(group).num_rows
            if rows:
                parts.append({"kind": "parquet", "file": location, "group": group, "index": index,
                              "row": row, "points": rows})
            index += rows
            row += rows
    return parts


def _arrays(source: Source, path: str, kind: str, size: int | None) -> list:
    from .. import storage  # noqa: PLC0415
    from .npy import ArrayReader, binary_chunk, splitter  # noqa: PLC0415
    fp, length = storage.open_binary(path)
    with fp:
        if kind == "npy":
            reader = ArrayReader(fp, path, length)
            splitter(source, reader)  # which field or column is which input: checked here
            points, row = reader.points, reader.row
        else:
            from .npz import open_archive, open_readers  # noqa: PLC0415
            with open_archive(source, fp) as archive:
                readers, points = open_readers(source, archive)
                row = max((r.row for r in readers.values()), key=len, default=())
    step = binary_chunk(size, row, source.steps)
    return [{"kind": kind, "path": path, "index": start, "start": start,
             "stop": min(points, start + step), "points": min(points, start + step) - start}
            for start in range(0, points, step)]


def _blocks(source: Source, path: str, total: int, workers: int) -> list:
    """Nominal byte blocks after the CSV header (if any); `count_block` finds where each really
    starts and ends (after a newline) and what it holds."""
    head = _head(source, path)
    data = head["data"]
    length = max(0, total - data)
    block = min(TEXT_BLOCK_MAX, max(TEXT_BLOCK_MIN, math.ceil(length / max(1, BLOCKS_PER_WORKER * workers))))
    count = max(1, math.ceil(length / block))
    return [dict(head, path=path, begin=data + k * block, end=min(total, data + (k + 1) * block),
                 first=k == 0, last=k == count - 1, total=total) for k in range(count)]


def _head(source: Source, path: str) -> dict:
    """The format of a text file from its first non-blank line; for CSV, the header's names and
    where the rows start (bytes, and lines before)."""
    from ....limits import MAX_POINT_LINE_BYTES  # noqa: PLC0415
    from .. import storage  # noqa: PLC0415
    from . import csv, text  # noqa: PLC0415
    fp, _ = storage.open_binary(path)
    with fp:
        position = line_no = 0
        while raw := fp.readline(MAX_POINT_LINE_BYTES + 1):
            line_no += 1
            position += len(raw)
            line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8", errors="replace")
            if not line.strip():
                continue
            if text.is_ndjson(line):
                return {"format": "ndjson", "data": 0, "line": 0, "names": None}
            names = csv.header(source, line, line_no)
            return {"format": "csv", "data": position, "line": line_no, "names": names}
    return {"format": "ndjson", "data": 0, "line": 0, "names": None}  # no points at all


def count_block(block: dict) -> dict:
    """On a worker: where a block really starts and stops (just after a newline, so that a
    line belongs to exactly one block), and how many lines and points (non-blank lines) it
    holds."""
    start = block["begin"] if block["first"] else _after_newline(block["path"], block["begin"] - 1,
                                                                 block["total"])
    stop = block["total"] if block["last"] else _after_newline(block["path"], block["end"] - 1,
                                                               block["total"])
    lines = points = 0
    if start < stop:
        for line in _lines(block, start, stop):
            lines += 1
            points += bool(line.strip())
    return dict(block, start=start, stop=max(start, stop), lines=lines, points=points)


def text_parts(counted: list) -> list:
    """Counted blocks -> partitions, each with the index of its first point and the number of
    lines before it."""
    parts, index, line_no = [], 0, None
    for block in counted:
        if line_no is None:
            line_no = block["line"]
        if block["points"]:
            parts.append(dict(block, kind="text", index=index, line=line_no))
        index += block["points"]
        line_no += block["lines"]
    return parts


def _after_newline(path: str, position: int, total: int) -> int:
    """The first offset after a newline at or after `position` (the file's end if none)."""
    from .. import storage  # noqa: PLC0415
    while position < total:
        data = storage.read_range(path, position, min(total, position + FIND_STEP))
        found = data.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(data)
        if not data:
            break
    return total


def _lines(part: dict, start: int, stop: int):
    from .. import storage  # noqa: PLC0415
    from .text import decode  # noqa: PLC0415
    data = storage.read_range(part["path"], start, stop)
    return decode(io.BytesIO(data), part["path"], first_block=start == 0)


def chunks(source: Source, part: dict, size: int | None):
    """On a worker: the Chunks of one partition, with the indices (and line numbers) they have
    in the whole input."""
    kind = part["kind"]
    if kind == "parquet":
        from .parquet import row_group_chunks  # noqa: PLC0415
        return row_group_chunks(source, part["file"], part["group"], part["index"], part["row"], size)
    if kind in ("npy", "npz"):
        from .. import storage  # noqa: PLC0415
        fp, length = storage.open_binary(part["path"])
        if kind == "npy":
            from .npy import ArrayReader  # noqa: PLC0415
            from .npy import chunks as npy_chunks  # noqa: PLC0415
            return npy_chunks(source, ArrayReader(fp, part["path"], length), size, part["start"],
                              part["stop"])
        from .npz import chunks as npz_chunks  # noqa: PLC0415
        return npz_chunks(source, fp, size, part["start"], part["stop"])
    from . import csv, ndjson  # noqa: PLC0415
    lines = _lines(part, part["start"], part["stop"])
    size = size or default_chunk(source.steps, 1, DEFAULT_CHUNK)
    if part["format"] == "ndjson":
        return ndjson.chunks(source, lines, size, part["line"], part["index"])
    return csv.chunks(source, part["names"], lines, size, part["line"], part["index"])
