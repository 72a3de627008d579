"""NDJSON results: one line per point, the single-point JSON keys plus "index", written as the
single-point JSON is written (shortest round-trip floats, "NaN"/"Infinity" strings).

Each batch's lines are assembled as ONE string (C loops, no step per point): what is left is
the shortest repr of every float written, the floor of any NDJSON writer here.
`NdjsonWriter` streams to stdout; `NdjsonFile` is --save OUT.ndjson, a file whole or absent.
"""
from __future__ import annotations

import numpy as np

from ...render import _plain, dumps, float_texts
from ..chunk import PER_POINT

_NONFINITE = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}


def _column(arr: np.ndarray, flags: dict) -> list[str]:
    """The JSON text of each point's value, str.join-ready, written as render.dumps writes it."""
    arr = np.asarray(arr)
    finite = arr.dtype.kind not in "fc" or bool(np.isfinite(arr).all())
    if arr.ndim == 1 and arr.dtype.kind == "f":
        if finite:
            return float_texts(arr)
        flags["nonfinite"] = True
        bad = ~np.isfinite(arr)
        texts = float_texts(np.where(bad, 0.0, arr))
        for i in np.flatnonzero(bad).tolist():
            texts[i] = _NONFINITE[repr(float(arr[i]))]
        return texts
    if finite:
        return list(map(dumps, arr.tolist()))
    flags["nonfinite"] = True
    return [dumps(_plain(row, {})) for row in arr]


def _interleave(parts: list, n: int) -> str:
    """Constant strings and per-point columns of text, in line order -> n lines as one string.

    Each slot of the lines is filled by one slice assignment and the whole is one join:
    C loops, where a format per line would cost a Python step per point.
    """
    slots: list = []
    for part in parts:
        if isinstance(part, str) and slots and isinstance(slots[-1], str):
            slots[-1] += part  # consecutive constants become one
        else:
            slots.append(part)
    width = len(slots)
    out: list = [None] * (n * width)
    for j, slot in enumerate(slots):
        out[j::width] = [slot] * n if isinstance(slot, str) else slot
    return "".join(out)


class NdjsonWriter:
    def __init__(self, out):
        self.out = out
        self.flags: dict = {}

    def text(self, result: dict, indices: np.ndarray) -> str:
        """The lines of a batch's points as ONE string, each line ending in a newline."""
        parts: list = ['{"index":', list(map(str, indices.tolist()))]
        for key, value in result.items():
            if key.startswith("_"):
                continue
            parts.append("," + dumps(key) + ":")
            self._value(value, key in PER_POINT, parts)
        parts.append("}\n")
        return _interleave(parts, len(indices))

    def lines(self, result: dict, indices: np.ndarray) -> list[str]:
        # JSON text holds no raw newline (strings escape it), so the split is exact
        return self.text(result, indices).split("\n")[:-1]

    def _value(self, value, per_point: bool, parts: list) -> None:
        if isinstance(value, dict):
            parts.append("{")
            for i, (k, v) in enumerate(value.items()):
                parts.append(("," if i else "") + dumps(k) + ":")
                self._value(v, per_point, parts)
            parts.append("}")
        elif value is None:
            parts.append("null")
        elif per_point and isinstance(value, np.ndarray):
            parts.append(_column(value, self.flags))
        else:
            flags: dict = {}
            parts.append(dumps(_plain(value, flags)))
            self.flags.update(flags)

    def write_text(self, text: str) -> None:
        self.out.write(text)

    def flush(self) -> None:
        self.out.flush()



class NdjsonFile:
    """--save OUT.ndjson: the lines stdout would carry for the good points, in a file whole or
    absent (a temporary, renamed over the target when the run ends)."""

    def __init__(self, path: str):
        self.path = path
        self.writer = NdjsonWriter(None)
        self.file = None
        self.opened = None
        self.points = 0

    @property
    def nonfinite(self) -> bool:
        return bool(self.writer.flags.get("nonfinite"))

    def add(self, result: dict, indices: np.ndarray) -> None:
        if self.file is None:
            from .. import storage  # noqa: PLC0415
            self.opened = storage.atomic_write(self.path)
            self.file = self.opened.__enter__()
        self.file.write(self.writer.text(result, indices).encode())
        self.points += len(indices)

    def close(self) -> None:
        """Commit the file (with no point saved, the target is left as it was)."""
        if self.opened is not None:
            opened, self.opened = self.opened, None
            opened.__exit__(None, None, None)

    def discard(self) -> None:
        if self.opened is not None:
            opened, self.opened = self.opened, None
            opened.__exit__(RuntimeError, RuntimeError("discarded"), None)

    def summary(self) -> dict:
        return {"rows": self.points}
