"""CSV points: a header row of names, then one row of numbers per point (no quoting: every
field is a number, split at commas). Columns that are not inputs are left out, unread."""
from __future__ import annotations

import itertools
from operator import itemgetter

import numpy as np

from ....errors import GradcliError
from ..chunk import Chunk, Source


def header(source: Source, text: str, line_no: int) -> list[str]:
    """The column names of the header line, checked: each once, and every needed input there."""
    names = [n.strip().strip('"').strip() for n in text.strip().split(",")]
    where = f"--points {source.label} line {line_no}"
    if len(set(names)) != len(names) or not all(names):
        raise GradcliError(f"{where}: the CSV header must name each column once, got {text.strip()!r}",
                           kind="value")
    inputs = source.check_columns(names, where)
    missing = [n for n in source.required if n not in inputs]
    if missing:
        raise GradcliError(f"{where}: no column for the input {missing[0]!r} (add it, or give it "
                           "with --at)", kind="input")
    return names


def chunks(source: Source, names: list, lines, size: int, line_no: int, index: int = 0):
    """Chunks of `size` lines after the header; `line_no` lines come before, `index` points."""
    inputs = source.inputs_of(names)
    width = len(names)
    keep = [names.index(n) for n in inputs]
    if keep == list(range(width)):
        pick = None  # every column is an input: the common case
    elif len(keep) == 1:
        pick = lambda fields: (fields[keep[0]],)  # noqa: E731 - itemgetter of one gives no tuple
    else:
        pick = itemgetter(*keep)
    while True:
        texts = list(itertools.islice(lines, size))
        if not texts:
            return
        chunk = Chunk(index, 0, [], consumed=sum(map(len, texts)))
        rows, positions = [], []
        for text in texts:
            line_no += 1
            s = text.strip()
            if not s:
                continue
            pos = len(chunk.lines)
            chunk.lines.append(line_no)
            fields = s.split(",")
            try:
                if len(fields) != width:
                    raise ValueError(f"expected {width} values ({', '.join(names)}), got {len(fields)}")
                rows.append([float(f) for f in (fields if pick is None else pick(fields))])
                positions.append(pos)
            except ValueError as exc:
                message = str(exc) if str(exc).startswith("expected") else \
                    f"not a number in {s[:60]!r}"
                chunk.errors[pos] = GradcliError(f"--points {source.label} line {line_no}: {message}",
                                                 kind="value")
        chunk.size = len(chunk.lines)
        if rows:
            table = np.array(rows, dtype=np.float64).reshape(len(rows), len(inputs))
            chunk.batches.append((positions, {n: table[:, j] for j, n in enumerate(inputs)}))
        index += chunk.size
        yield chunk
