"""NDJSON points: one JSON object {name: value} per line, as strict as --inputs.

Where the time goes (bench/points.py): in Python's text work, not in the graph. A chunk of lines
that are each one whole object is parsed by ONE loads of the chunk as an array; only a chunk
with anything else in it (blank lines, padding, a bad line) is parsed line by line.
"""
from __future__ import annotations

import itertools
import json
import re

import orjson

from ....errors import GradcliError
from ..chunk import Chunk, Source
from .records import group_records


class _Refused(ValueError):
    """Valid to Python's json module, not to RFC 8259 or to --inputs: said with the line."""


def _no_constant(token: str):
    raise _Refused(f'{token} is not JSON; write it as the string "{token}"')


def _no_repeats(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _Refused(f"the key {key!r} appears twice (duplicate keys are ambiguous: keep one)")
    return obj


def chunks(source: Source, lines, size: int, line_no: int, index: int = 0):
    """Chunks of `size` lines; `line_no` lines come before the first, `index` points."""
    # the C scanner, without loads()'s Python layers, as strict as --inputs: no NaN literal,
    # no repeated key
    scan = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_no_repeats).scan_once
    while True:
        texts = list(itertools.islice(lines, size))
        if not texts:
            return
        objects = parse_one_object_per_line(texts)
        if objects is not None:  # the common case: no per-line work at all
            chunk = Chunk(index, len(texts), range(line_no + 1, line_no + 1 + len(texts)),
                          consumed=sum(map(len, texts)))
            group_records(source, chunk, range(len(objects)), objects)
            line_no += len(texts)
            index += chunk.size
            yield chunk
            continue
        chunk = Chunk(index, 0, [], consumed=sum(map(len, texts)))
        positions, records = [], []
        for text in texts:
            line_no += 1
            s = text.strip()
            if not s:
                continue  # blank lines are not points
            pos = len(chunk.lines)
            chunk.lines.append(line_no)
            try:
                obj, end = scan(s, 0)
                if end != len(s) or type(obj) is not dict:
                    raise ValueError
            except _Refused as exc:
                chunk.errors[pos] = GradcliError(f"--points {source.label} line {line_no}: {exc}",
                                                 kind="value")
                continue
            except (StopIteration, ValueError, RecursionError):
                chunk.errors[pos] = _malformed(source, line_no, s)
                continue
            positions.append(pos)
            records.append(obj)
        chunk.size = len(chunk.lines)
        group_records(source, chunk, positions, records)
        index += chunk.size
        yield chunk


def parse_one_object_per_line(texts: list[str]) -> list | None:
    """The objects of lines that are each exactly `{...}`, from ONE json.loads; else None.

    One loads() of the chunk as a JSON array costs half of one loads() per line. It gives
    the same objects only where every line is provably one whole object: each line starts
    with `{` and ends with `}` (no blank lines, no padding) and the chunk holds no other
    brace, so no object can span two lines or share one. Anything else (and any error) is
    left to the line-by-line parser, which names the line at fault.
    """
    n = len(texts)
    text = "".join(texts)
    if not (text.startswith("{") and text.endswith(("}", "}\n")) and text.count("{") == n
            and text.count("}") == n and text.count("}\n{") == n - 1):
        return None
    try:
        objects = orjson.loads("[" + ",".join(texts) + "]")  # refuses NaN literals itself
    except (ValueError, RecursionError):  # orjson.JSONDecodeError is a ValueError
        return None
    if len(objects) != n:
        return None
    # orjson keeps the last of repeated keys. Every key is a string followed by a colon, so the
    # text has at least as many `":` as the objects have keys, and more where a key repeats
    # (or a string holds `":`): then the line-by-line parser decides, and names the line.
    keys = sum(map(len, objects))
    if '" ' in text or '"\t' in text:  # space before a colon is possible: the exact count
        colons = len(_KEY_END.findall(text))
    else:  # the common case (json.dumps, orjson), counted in C without a regex
        colons = text.count('":')
    return objects if colons == keys else None


_KEY_END = re.compile(r'"\s*:')


def _malformed(source: Source, line_no: int, s: str) -> GradcliError:
    where = f"--points {source.label} line {line_no}"
    try:
        obj = json.loads(s)
    except (ValueError, RecursionError) as exc:
        return GradcliError(f"{where}: not valid JSON ({str(exc)[:100]})", kind="value")
    return GradcliError(f"{where}: expected a JSON object {{name: value}}, got "
                        f"{type(obj).__name__}", kind="value")
