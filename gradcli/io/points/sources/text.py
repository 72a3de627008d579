"""Text points: lines decoded the one way both text formats share, and NDJSON told from CSV.

NDJSON or CSV is decided by the first non-blank line (`{` starts NDJSON). A line is whatever
Python's universal newlines make one (\\n, \\r\\n or \\r), a blank line is no point, and a bad
byte becomes U+FFFD, so that only its own line is malformed.
"""
from __future__ import annotations

import io
import itertools

from ....errors import GradcliError
from ..chunk import DEFAULT_CHUNK, Source, default_chunk


def decode(binary, label: str, first_block: bool = True):
    """The lines of a binary stream, each held to the line limit."""
    # utf-8-sig: a byte-order mark from another editor is not part of the first line (an NDJSON
    # file starting with one is NDJSON, as --inputs reads it); only a file's start can hold one
    encoding = "utf-8-sig" if first_block else "utf-8"
    return bounded_lines(io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline=None),
                         label)


def bounded_lines(fp, label: str, line_no: int = 0):
    """The lines of fp, refusing one longer than the limit (`/dev/zero` has no line ends at all)."""
    from ....limits import MAX_POINT_LINE_BYTES  # noqa: PLC0415
    while line := fp.readline(MAX_POINT_LINE_BYTES + 1):
        line_no += 1
        if len(line) > MAX_POINT_LINE_BYTES:
            raise GradcliError(f"--points {label} line {line_no}: longer than the limit of "
                               f"{MAX_POINT_LINE_BYTES:,} characters", kind="limit")
        yield line


def first_line(lines) -> tuple[str | None, int]:
    """(the first non-blank line, its line number), consuming the lines up to it."""
    line_no = 0
    for text in lines:
        line_no += 1
        if text.strip():
            return text, line_no
    return None, line_no


def is_ndjson(first: str) -> bool:
    return first.lstrip().startswith("{")


def chunks(source: Source, lines, size: int | None):
    """NDJSON or CSV, in chunks of `size` lines, from the first line of the file."""
    from . import csv, ndjson  # noqa: PLC0415
    size = size or default_chunk(source.steps, 1, DEFAULT_CHUNK)
    first, line_no = first_line(lines)
    if first is None:
        return
    if is_ndjson(first):
        yield from ndjson.chunks(source, itertools.chain([first], lines), size, line_no - 1)
    else:
        names = csv.header(source, first, line_no)
        yield from csv.chunks(source, names, lines, size, line_no)
