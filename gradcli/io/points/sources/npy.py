""".npy points: the leading axis is the point. A structured array gives a field per input; else
the rows are the values of the one input the points need, or one column per needed scalar
input in program order. Streamed a few rows at a time: as long as the disk allows."""
from __future__ import annotations

import math

import numpy as np

from ....core import engine
from ....errors import GradcliError
from ...values import read_npy_header
from ..chunk import BINARY_CHUNK, Chunk, Source, default_chunk


class ArrayReader:
    """A .npy stream (a file, stdin, or a member of a .npz) read a few rows at a time.

    The header is checked before any data is read (values.read_npy_header): each point's value
    is a tensor, held to the element limit; a compressed array is held to it as a whole (`limit`),
    so a small .npz that would inflate to gigabytes is refused from its headers. An array stored
    as it is can be as long as the disk allows: it is streamed, and nothing is inflated.
    """

    def __init__(self, fp, label: str, available: int | None = None, limit: float = math.inf):
        from ....limits import MAX_ELEMENTS  # noqa: PLC0415
        self.fp, self.label = fp, label
        header = read_npy_header(fp, f"--points {label}", available, max_elements=limit)
        if not header.shape:
            raise GradcliError(f"--points {label}: needs a leading points axis, got a scalar",
                               kind="value")
        row = header.elements // header.shape[0] if header.shape[0] else \
            int(np.prod(header.shape[1:], dtype=object))
        if row > MAX_ELEMENTS:
            raise GradcliError(f"--points {label}: each point holds {row:,} elements (shape "
                               f"{header.shape[1:]}), over the limit of {MAX_ELEMENTS:,}",
                               kind="limit")
        self.dtype, self.shape = header.dtype, header.shape
        self.points = self.shape[0]
        self.row = tuple(self.shape[1:])
        self.row_bytes = int(np.prod(self.row, dtype=np.int64)) * self.dtype.itemsize
        self.fortran = header.fortran and len(self.shape) > 1
        self.whole = None
        if self.fortran:  # rare: column-major data cannot stream by rows, so it is read at once
            data = fp.read(header.nbytes)
            if len(data) != header.nbytes:
                raise GradcliError(f"--points {label}: the file ends before its {self.points:,} "
                                   "points", kind="value")
            self.whole = np.frombuffer(data, dtype=self.dtype).reshape(self.shape, order="F")
        self.done = 0

    def skip(self, n: int) -> None:
        """Go past n points without reading them, where the stream can seek (a partition's start)."""
        n = min(n, self.points - self.done)
        if self.whole is None:
            try:
                self.fp.seek(n * self.row_bytes, 1)
            except (AttributeError, OSError, ValueError):
                while n:  # cannot seek: read and drop, a bounded block at a time
                    step = min(n, max(1, (1 << 24) // max(1, self.row_bytes)))
                    self.read(step)
                    n -= step
                return
        self.done += n

    def read(self, n: int) -> np.ndarray:
        n = min(n, self.points - self.done)
        if self.whole is not None:
            arr = self.whole[self.done:self.done + n]
        else:
            count = n * int(np.prod(self.row, dtype=np.int64))
            data = self.fp.read(count * self.dtype.itemsize)
            if len(data) != count * self.dtype.itemsize:
                raise GradcliError(f"--points {self.label}: the file ends before its {self.points:,} "
                                   "points", kind="value")
            arr = np.frombuffer(data, dtype=self.dtype).reshape((n,) + self.row)
        self.done += n
        return arr


def binary_chunk(requested: int | None, row: tuple, steps: int) -> int:
    """Binary input has no per-point parsing cost: bigger chunks amortize the graph's overhead."""
    if requested:
        return requested
    elements = max(1, int(np.prod(row, dtype=object)))
    return default_chunk(steps, elements,
                         max(1, min(BINARY_CHUNK, engine.CHUNK_ELEMENTS // 8 // elements)))


def numeric(arr: np.ndarray, what: str) -> np.ndarray:
    if arr.dtype.kind not in "biuf":
        raise GradcliError(f"{what}: holds {arr.dtype}, not real numbers", kind="value")
    return arr.astype(np.float64, copy=False)


def splitter(source: Source, reader: ArrayReader):
    """rows -> {input name: array}: how the rows of this .npy hold the inputs."""
    where = f"--points {source.label}"
    names = reader.dtype.names
    if names:
        inputs = source.check_columns(names, where)
        missing = [n for n in source.required if n not in inputs]
        if missing:
            raise GradcliError(f"{where}: no field for the input {missing[0]!r}", kind="input")
        return lambda rows: {n: numeric(rows[n], f"{where}: {n}") for n in inputs}
    if len(source.required) == 1:
        name = source.required[0]
        return lambda rows: {name: numeric(rows, where)}
    if len(reader.row) == 1 and reader.row[0] == len(source.required):
        return lambda rows: {n: numeric(rows[:, j], where) for j, n in enumerate(source.required)}
    raise GradcliError(f"{where}: shape {reader.shape} does not say which input is which: the "
                       f"points need {', '.join(source.required) or 'no inputs'}; use a (points, "
                       f"{len(source.required)}) array of scalars, a structured array or a .npz "
                       "keyed by input name", kind="value")


def chunks(source: Source, reader: ArrayReader, size: int | None, start: int = 0,
           stop: int | None = None):
    """Chunks of the points [start, stop) (a partition), or of all of them."""
    split = splitter(source, reader)
    size = binary_chunk(size, reader.row, source.steps)
    stop = reader.points if stop is None else min(stop, reader.points)
    reader.skip(start)
    while start < stop:
        n = min(size, stop - start)
        chunk = Chunk(start, n, None, consumed=n)
        chunk.batches.append((range(n), split(reader.read(n))))
        start += n
        yield chunk
