"""A chunk's results, written in input order: NDJSON lines to stdout, and/or a --save sink.

A bad point stops the run after every point before it is written (and flushed); with
--keep-going it becomes an error line {"index", "line", "error"} on stdout instead, and the
run goes on. The same code writes a whole run in one process and a partition on a worker.
"""
from __future__ import annotations

import numpy as np

from ...errors import GradcliError
from ..render import dumps
from .chunk import PER_POINT, Chunk
from .sinks.ndjson import NdjsonWriter


class Output:
    """write: text -> stdout (or what stands for it on a worker); sink: a --save file, or None;
    lines: whether the results themselves go to stdout (no --save, or --save with --json)."""

    def __init__(self, write, sink=None, lines: bool = True, keep_going: bool = False):
        self.write, self.sink, self.keep_going = write, sink, keep_going
        self.ndjson = NdjsonWriter(None) if lines else None
        self.points = 0
        self.failed: list = []  # the indices of bad points (--keep-going), in input order

    @property
    def nonfinite(self) -> dict:
        return {"lines": bool(self.ndjson is not None and self.ndjson.flags.get("nonfinite")),
                "saved": bool(self.sink is not None and self.sink.nonfinite)}

    def chunk(self, chunk: Chunk, results: list) -> GradcliError | None:
        """Write the chunk in input order; returns the error to stop with (after writing), if any."""
        first_bad = min(chunk.errors) if chunk.errors else None
        limit = chunk.size if self.keep_going or first_bad is None else first_bad
        if self.sink is not None:
            for positions, result in _in_order(results, limit):
                self.sink.add(result, indices(chunk.start, positions))
        if self.ndjson is not None:
            if not chunk.errors and len(results) == 1 and len(results[0][0]) == chunk.size:
                # the common case: one batch of the whole chunk (batches keep input order)
                positions, result = results[0]
                text = self.ndjson.text(result, indices(chunk.start, positions))
            else:
                lines: list = [None] * chunk.size
                for positions, result in results:
                    for pos, line in zip(positions, self.ndjson.lines(result, indices(chunk.start, positions))):
                        lines[pos] = line
                if self.keep_going:
                    for pos, exc in chunk.errors.items():
                        lines[pos] = error_line(chunk, pos, exc)
                text = "".join(line + "\n" for line in lines[:limit])
            self.write(text)
        elif self.keep_going and chunk.errors:  # with --save only, stdout still carries the failures
            self.write("".join(error_line(chunk, pos, chunk.errors[pos]) + "\n"
                               for pos in sorted(chunk.errors)))
        self.points += limit if first_bad is not None and not self.keep_going else chunk.size
        if self.keep_going:
            self.failed.extend(chunk.start + pos for pos in sorted(chunk.errors))
        elif first_bad is not None:
            return chunk.errors[first_bad]
        return None


def indices(start: int, positions) -> np.ndarray:
    """The points' indices in the whole input, as int64."""
    if isinstance(positions, range):  # np.asarray would walk a range one Python int at a time
        return np.arange(start + positions.start, start + positions.stop, dtype=np.int64)
    return start + np.asarray(positions, dtype=np.int64)


def _in_order(results: list, limit: int) -> list:
    """The batches' results for the points before `limit`, as one result in input order where
    their arrays can be joined (points grouped by the names they gave); else batch by batch."""
    kept = []
    for positions, result in results:
        if positions and positions[-1] >= limit:  # only the points before the first bad one
            keep = [i for i, pos in enumerate(positions) if pos < limit]
            if not keep:
                continue
            result, positions = _take(result, keep), [positions[i] for i in keep]
        kept.append((positions, result))
    if len(kept) < 2:
        return kept
    merged = _joined([r for _, r in kept])
    if merged is None:
        return kept
    order = np.argsort(np.concatenate([np.asarray(p, dtype=np.int64) for p, _ in kept]), kind="stable")
    return [(np.concatenate([np.asarray(p, dtype=np.int64) for p, _ in kept])[order].tolist(),
             _take(merged, order))]


def _joined(results: list) -> dict | None:
    """One result whose per-point arrays are those of `results` one after another, or None when
    their keys or shapes differ."""
    first = results[0]
    out = {}
    for key, value in first.items():
        if key in PER_POINT:
            joined = _join([r.get(key) for r in results])
            if joined is _DIFFERENT:
                return None
            out[key] = joined
        elif key == "_points":
            if any(r.get(key) != value for r in results):
                return None
            out[key] = value
        else:
            out[key] = value
    if any(set(r) != set(first) for r in results):
        return None
    return out


_DIFFERENT = object()


def _join(values: list):
    first = values[0]
    if isinstance(first, dict):
        if any(not isinstance(v, dict) or v.keys() != first.keys() for v in values):
            return _DIFFERENT
        out = {}
        for k in first:
            joined = _join([v[k] for v in values])
            if joined is _DIFFERENT:
                return _DIFFERENT
            out[k] = joined
        return out
    if first is None:
        return None if all(v is None for v in values) else _DIFFERENT
    if any(v is None for v in values):
        return _DIFFERENT
    arrays = [np.asarray(v) for v in values]
    if len({a.shape[1:] for a in arrays}) > 1 or len({a.dtype for a in arrays}) > 1:
        return _DIFFERENT
    return np.concatenate(arrays)


def _take(result: dict, keep: list) -> dict:
    out = {}
    for key, value in result.items():
        if key in PER_POINT:
            out[key] = _pick(value, keep)
        else:
            out[key] = value
    return out


def _pick(value, keep):
    if isinstance(value, dict):
        return {k: _pick(v, keep) for k, v in value.items()}
    if isinstance(value, list) or value is None or isinstance(value, (str, int, float)):
        return value
    return np.asarray(value)[keep]


def error_line(chunk: Chunk, pos: int, exc: GradcliError) -> str:
    obj = {"index": chunk.start + pos}
    if chunk.lines is not None:
        obj["line"] = chunk.lines[pos]
    obj.update(exc.to_dict())
    return dumps(obj)
