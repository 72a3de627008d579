"""--points FILE|-: one program at many points, read, computed and written in chunks.

A chunk of points goes through the graph as ONE batch: every per-point input is a
leaf whose data carries a leading points axis (a lead axis, see tensor.py), so a
chunk costs a handful of NumPy calls per op, not a Python loop per point. Inputs
given with --at stay unbatched and are shared by every point.

- Formats: NDJSON (one object of input values per line), CSV (a header row of
  input names, scalar values), .npy (leading axis = point: a structured array
  keyed by input name, the rows of the one input the file supplies, or one column
  per scalar input in program order) and .npz (keyed by input name).
- Points whose shapes differ are grouped by shape; a group that fails as a batch
  is recomputed point by point without lead axes, so one bad point costs nothing
  to its neighbours. Results are written in input order either way.
- Output: NDJSON on stdout (the single-point JSON keys plus "index"), or
  --save FILE.npz with a leading points axis on every array and an "index" array.
- A malformed line or a missing input stops with exit 2 after every earlier
  result is written and flushed; --keep-going writes {"index", "line", "error"}
  for that point instead and exits 2 at the end.
- Jacobians per point: the seeds carry two lead axes (seed rows, points), in
  passes of as many rows as fit the memory bound, as engine.jacobian_* do.

Where the time goes (bench/points.py): for scalar programs, in Python's text work, not in
the graph. A chunk of NDJSON lines that are each one whole object is parsed by ONE
json.loads; its output is assembled as ONE string (C loops, no step per point); what is
left is the shortest repr of every float written, the floor of any NDJSON writer here.
"""
from __future__ import annotations

import itertools
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
import orjson

from ..api import Computation, _sizes, unknown_input
from ..core import backend, engine
from ..core.tensor import Tensor, check_size
from ..errors import GradcliError
from ..lang.program import Program
from .interrupts import whole
from .render import _plain, dumps, float_texts, labels
from .values import from_json, read_npy_header

DEFAULT_CHUNK = 4096  # text formats: a chunk is parsed, computed and written together
BINARY_CHUNK = 1 << 17  # .npy/.npz, unless --chunk-size: as many points as fit 8 MiB per value
# Sections of a result that hold one value per point; everything else (the --gradient or
# --tangent used, labels, mode) is shared and written as a constant.
PER_POINT = ("inputs", "outputs", "grad", "jvp", "hvp", "jacobian", "matrix")


@dataclass
class Chunk:
    """Consecutive points: `batches` hold the good ones, `errors` the bad, by position."""
    start: int  # the index of the first point
    size: int
    lines: list | None  # the file line of each point (text formats)
    batches: list = field(default_factory=list)  # (positions, {name: array (n,) + shape})
    errors: dict = field(default_factory=dict)  # position -> GradcliError
    consumed: int = 0  # bytes (text) or points (binary) read, for the progress bar


# ================================================================================================
# Reading
# ================================================================================================

class Source:
    """Where the points come from: names the file and each point in messages."""

    def __init__(self, path: str, program: Program, shared: set):
        self.path = path
        self.label = "stdin" if path == "-" else path
        self.program = program
        # inputs, and constant names (e, pi) read before binding: a value makes one an input
        self.allowed = set(program.inputs) | set(program.constant_reads)
        # inputs every point needs: neither shared by --at nor given a default by the program
        self.required = [n for n, info in program.inputs.items()
                         if n not in shared and info.default is None]
        self.total = None  # bytes (text) or points (binary), when known
        # the values the program makes (an op each; names and numbers make none): each holds
        # a value per point while a chunk is computed
        self.steps = sum(max(1, sum(1 for kind, _, _ in stmt.code if kind in _MAKES_VALUES)
                             + (stmt.kind in ("update", "setitem")))  # x += v, x[i] = v: one more
                         for stmt in program.statements)

    def where(self, chunk: Chunk, pos: int) -> str:
        if chunk.lines is not None:
            return f"--points {self.label} line {chunk.lines[pos]}"
        return f"--points {self.label} point {chunk.start + pos}"

    def check_names(self, names, where: str) -> None:
        unknown = [n for n in names if n not in self.allowed]
        if unknown:
            raise _located(unknown_input(self.program, unknown[0]), where)


_MAKES_VALUES = {"binop", "unary", "compare", "call", "method", "attribute", "subscript", "list"}


def open_source(path: str, program: Program, shared: set, size: int | None):
    """(Source, iterator of Chunks) for a file, or '-' for stdin, by extension or content."""
    source = Source(path, program, shared)
    try:
        if path == "-":
            stream = sys.stdin.buffer
            head = stream.peek(8)[:8] if hasattr(stream, "peek") else b""
            if head.startswith(b"\x93NUMPY"):
                return source, _npy_chunks(source, _ArrayReader(stream, "stdin"), size)
            if head.startswith(b"PK"):
                import io  # noqa: PLC0415 - a zip needs to seek: stdin is read whole
                return source, _npz_chunks(source, io.BytesIO(stream.read()), size)
            return source, _text_chunks(source, _text(stream, "stdin"), size)
        lower = path.lower()
        if lower.endswith(".npy"):
            reader = _ArrayReader(open(path, "rb"), path, os.path.getsize(path))
            source.total = reader.points
            return source, _npy_chunks(source, reader, size)
        if lower.endswith(".npz"):
            return source, _npz_chunks(source, path, size)
        source.total = os.path.getsize(path)
        return source, _text_chunks(source, _text(open(path, "rb"), path), size)
    except OSError as exc:
        raise GradcliError(f"--points: cannot read {path}: {exc.strerror or exc}", kind="io") from None


def _text(binary, label: str):
    import io  # noqa: PLC0415
    # A bad byte becomes U+FFFD: that line is then malformed, and the lines around it still count.
    # utf-8-sig: a byte-order mark from another editor is not part of the first line (an NDJSON
    # file starting with one is NDJSON, as --inputs reads it)
    return _bounded_lines(io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace",
                                           newline=None), label)


def _bounded_lines(fp, label: str):
    """The lines of fp, refusing one longer than the limit (`/dev/zero` has no line ends at all)."""
    from ..limits import MAX_POINT_LINE_BYTES  # noqa: PLC0415
    line_no = 0
    while line := fp.readline(MAX_POINT_LINE_BYTES + 1):
        line_no += 1
        if len(line) > MAX_POINT_LINE_BYTES:
            raise GradcliError(f"--points {label} line {line_no}: longer than the limit of "
                               f"{MAX_POINT_LINE_BYTES:,} characters", kind="limit")
        yield line


def _text_chunks(source: Source, fp, size: int | None):
    """NDJSON or CSV, told apart by the first non-blank character."""
    size = size or _default_chunk(source.steps, 1, DEFAULT_CHUNK)
    first, line_no = None, 0
    for text in fp:
        line_no += 1
        if text.strip():
            first = text
            break
    if first is None:
        return
    if first.lstrip().startswith("{"):
        yield from _ndjson_chunks(source, itertools.chain([first], fp), size, line_no - 1)
    else:
        yield from _csv_chunks(source, first, fp, size, line_no)


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


def _ndjson_chunks(source: Source, fp, size: int, line_no: int):
    # the C scanner, without loads()'s Python layers, as strict as --inputs: no NaN literal,
    # no repeated key
    scan = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_no_repeats).scan_once
    index = 0
    while True:
        texts = list(itertools.islice(fp, size))
        if not texts:
            return
        objects = _parse_one_object_per_line(texts)
        if objects is not None:  # the common case: no per-line work at all
            chunk = Chunk(index, len(texts), range(line_no + 1, line_no + 1 + len(texts)),
                          consumed=sum(map(len, texts)))
            _group_records(source, chunk, range(len(objects)), objects)
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
        _group_records(source, chunk, positions, records)
        index += chunk.size
        yield chunk


def _parse_one_object_per_line(texts: list[str]) -> list | None:
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


def _group_records(source: Source, chunk: Chunk, positions, records: list) -> None:
    """Dicts -> batches of arrays: grouped by the names they give, then by shapes."""
    if records and len(set(map(len, records))) == 1:
        # The common case, in C loops: every record gives the same names as the first.
        try:
            columns = {name: list(map(itemgetter(name), records)) for name in records[0]}
        except KeyError:
            pass
        else:
            _batch_group(source, chunk, tuple(columns), positions, columns)
            return
    by_keys: dict[tuple, list] = {}
    for pos, obj in zip(positions, records):
        by_keys.setdefault(tuple(obj), []).append((pos, obj))
    for keys, group in by_keys.items():
        _batch_group(source, chunk, keys, [pos for pos, _ in group],
                     {name: [obj[name] for _, obj in group] for name in keys})


def _batch_group(source: Source, chunk: Chunk, keys: tuple, positions: list, values: dict) -> None:
    """Points that give the same names: {name: [value per point]} -> batches by shape."""
    problem = _key_problem(source, keys)
    if problem is not None:
        for pos in positions:
            chunk.errors[pos] = GradcliError(f"{source.where(chunk, pos)}: {problem}", kind="input")
        return
    columns, shapes = {}, {}
    for name in keys:
        column = values[name]
        if set(map(type, column)) <= _NUMBERS:  # the common case: one scalar per point
            try:
                columns[name] = np.array(column, dtype=np.float64)
                continue
            except OverflowError:
                pass
        arrays = []
        for pos, value in zip(positions, column):
            try:
                arr = from_json(value, f"{source.where(chunk, pos)}: {name}")
                check_size(arr.shape, f"{source.where(chunk, pos)}: {name}")
            except GradcliError as exc:
                chunk.errors.setdefault(pos, exc)
                arr = None
            arrays.append(arr)
        columns[name] = arrays
        shapes[name] = [None if a is None else a.shape for a in arrays]
    if not shapes:
        chunk.batches.append((positions, columns))
        return
    # Some values are tensors (or bad): one batch per combination of shapes.
    by_shape: dict[tuple, list] = {}
    for i, pos in enumerate(positions):
        if pos in chunk.errors:
            continue
        by_shape.setdefault(tuple(shapes[n][i] for n in shapes), []).append(i)
    for rows in by_shape.values():
        chunk.batches.append(([positions[i] for i in rows],
                              {n: (np.stack([col[i] for i in rows]) if isinstance(col, list)
                                   else col[rows]) for n, col in columns.items()}))


_NUMBERS = {float, int}


def _key_problem(source: Source, keys) -> str | None:
    unknown = [n for n in keys if n not in source.allowed]
    if unknown:
        return unknown_input(source.program, unknown[0]).message
    missing = [n for n in source.required if n not in keys]
    if missing:
        return f"no value for the input {missing[0]!r} (give it in the file or with --at)"
    return None


def _csv_chunks(source: Source, header: str, fp, size: int, line_no: int):
    names = [n.strip().strip('"').strip() for n in header.strip().split(",")]
    where = f"--points {source.label} line {line_no}"
    if len(set(names)) != len(names) or not all(names):
        raise GradcliError(f"{where}: the CSV header must name each input once, got {header.strip()!r}",
                           kind="value")
    source.check_names(names, where)
    missing = [n for n in source.required if n not in names]
    if missing:
        raise GradcliError(f"{where}: no column for the input {missing[0]!r} (add it, or give it "
                           "with --at)", kind="input")
    width, index = len(names), 0
    while True:
        texts = list(itertools.islice(fp, size))
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
                rows.append([float(f) for f in fields])
                positions.append(pos)
            except ValueError as exc:
                message = str(exc) if str(exc).startswith("expected") else \
                    f"not a number in {s[:60]!r}"
                chunk.errors[pos] = GradcliError(f"--points {source.label} line {line_no}: {message}",
                                                 kind="value")
        chunk.size = len(chunk.lines)
        if rows:
            table = np.array(rows, dtype=np.float64)
            chunk.batches.append((positions, {n: table[:, j] for j, n in enumerate(names)}))
        index += chunk.size
        yield chunk


class _ArrayReader:
    """A .npy stream (a file, stdin, or a member of a .npz) read a few rows at a time.

    The header is checked before any data is read (values.read_npy_header): each point's value
    is a tensor, held to the element limit; a compressed array is held to it as a whole (`limit`),
    so a small .npz that would inflate to gigabytes is refused from its headers. An array stored
    as it is can be as long as the disk allows: it is streamed, and nothing is inflated.
    """

    def __init__(self, fp, label: str, available: int | None = None, limit: float = math.inf):
        from ..limits import MAX_ELEMENTS  # noqa: PLC0415
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
        self.fortran = header.fortran and len(self.shape) > 1
        self.whole = None
        if self.fortran:  # rare: column-major data cannot stream by rows, so it is read at once
            data = fp.read(header.nbytes)
            if len(data) != header.nbytes:
                raise GradcliError(f"--points {label}: the file ends before its {self.points:,} "
                                   "points", kind="value")
            self.whole = np.frombuffer(data, dtype=self.dtype).reshape(self.shape, order="F")
        self.done = 0

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


def _binary_chunk(requested: int | None, row: tuple, steps: int) -> int:
    """Binary input has no per-point parsing cost: bigger chunks amortize the graph's overhead."""
    if requested:
        return requested
    elements = max(1, int(np.prod(row, dtype=object)))
    return _default_chunk(steps, elements,
                          max(1, min(BINARY_CHUNK, engine.CHUNK_ELEMENTS // 8 // elements)))


def _numeric(arr: np.ndarray, what: str) -> np.ndarray:
    if arr.dtype.kind not in "biuf":
        raise GradcliError(f"{what}: holds {arr.dtype}, not real numbers", kind="value")
    return arr.astype(np.float64, copy=False)


def _npy_chunks(source: Source, reader: _ArrayReader, size: int | None):
    """Structured: a field per input; else the rows of the one required input, or one column
    per required scalar input in program order."""
    where = f"--points {source.label}"
    names = reader.dtype.names
    if names:
        source.check_names(names, where)
        missing = [n for n in source.required if n not in names]
        if missing:
            raise GradcliError(f"{where}: no field for the input {missing[0]!r}", kind="input")
        split = lambda rows: {n: _numeric(rows[n], f"{where}: {n}") for n in names}  # noqa: E731
    elif len(source.required) == 1:
        name = source.required[0]
        split = lambda rows: {name: _numeric(rows, where)}  # noqa: E731
    elif len(reader.row) == 1 and reader.row[0] == len(source.required):
        split = lambda rows: {n: _numeric(rows[:, j], where)  # noqa: E731
                              for j, n in enumerate(source.required)}
    else:
        raise GradcliError(f"{where}: shape {reader.shape} does not say which input is which: the "
                           f"points need {', '.join(source.required) or 'no inputs'}; use a (points, "
                           f"{len(source.required)}) array of scalars, a structured array or a .npz "
                           "keyed by input name", kind="value")
    size = _binary_chunk(size, reader.row, source.steps)
    start = 0
    while start < reader.points:
        n = min(size, reader.points - start)
        chunk = Chunk(start, n, None, consumed=n)
        chunk.batches.append((range(n), split(reader.read(n))))
        start += n
        yield chunk


def _check_member(info, where: str) -> float:
    """The element limit for a member's whole array: none when it is stored as it is (no bigger
    than the file); for a compressed one, the limit on a tensor, checked first here against the
    size the zip's central directory declares, before a byte of it is inflated."""
    import zipfile  # noqa: PLC0415

    from ..limits import MAX_ELEMENTS  # noqa: PLC0415
    if info.compress_type == zipfile.ZIP_STORED:
        return math.inf
    bound = MAX_ELEMENTS * 8 + (1 << 16)  # float64 data, and room for the .npy header
    if info.file_size > bound:
        raise GradcliError(f"{where}: inflates to {info.file_size:,} bytes ({info.compress_size:,} "
                           f"compressed), more than an array within the limit of {MAX_ELEMENTS:,} "
                           "elements", kind="limit", hint="save it uncompressed (numpy.savez), or "
                                                          "as NDJSON or CSV")
    return MAX_ELEMENTS


def _npz_chunks(source: Source, path_or_file, size: int | None):
    import zipfile  # noqa: PLC0415
    where = f"--points {source.label}"
    try:
        archive = zipfile.ZipFile(path_or_file)
    except zipfile.BadZipFile:
        raise GradcliError(f"{where}: not a valid .npz file", kind="value") from None
    with archive:
        members = {m[:-4]: m for m in archive.namelist() if m.endswith(".npy")}
        source.check_names(members, where)
        missing = [n for n in source.required if n not in members]
        if missing:
            raise GradcliError(f"{where}: no array for the input {missing[0]!r}", kind="input")
        readers = {}
        for name, member in members.items():
            info = archive.getinfo(member)
            limit = _check_member(info, f"{where}:{name}")  # from the zip's directory: nothing inflated
            readers[name] = _ArrayReader(archive.open(member), f"{source.label}:{name}",
                                         info.file_size, limit)
        counts = {r.points for r in readers.values()}
        if len(counts) > 1:
            raise GradcliError(f"{where}: the arrays have different numbers of points "
                               f"({', '.join(f'{n}: {r.points}' for n, r in readers.items())})",
                               kind="shape")
        total = counts.pop() if counts else 0
        source.total = total
        size = _binary_chunk(size, max((r.row for r in readers.values()),
                                   key=lambda row: int(np.prod(row, dtype=object)), default=()),
                             source.steps)
        start = 0
        while start < total:
            n = min(size, total - start)
            chunk = Chunk(start, n, None, consumed=n)
            chunk.batches.append((range(n), {name: _numeric(r.read(n), f"{where}: {name}")
                                             for name, r in readers.items()}))
            start += n
            yield chunk


# ================================================================================================
# Computing
# ================================================================================================

class BatchComputation(Computation):
    """A Computation whose per-point inputs arrive as Tensors with a leading points axis.

    Everything else (--at values, --wrt, --output, --gradient, --tangent) is the
    single-point Computation's; results are then given a points axis throughout.
    """

    def __init__(self, program, values, points: int, **kw):
        self.points = points
        super().__init__(program, values, **kw)

    def _array(self, name, value):
        return value if isinstance(value, Tensor) else super()._array(name, value)

    def _leaf(self, name, value):
        if isinstance(value, Tensor) and value.lead:
            return Tensor(value.data, value.nd, requires_grad=name in self.wrt)
        return super()._leaf(name, value)

    def jacobian(self, mode: str = "auto", chunk: int | None = None, sparse: bool = False) -> dict:
        """Per point; --chunk-size counts points here, so the seeds per pass are chosen to fit."""
        if sparse:
            raise GradcliError("--sparse is not available with --points", kind="usage")
        outs, ins, mode = self.dense_jacobian_plan(mode)
        blocks, passes = _batched_jacobian(outs, ins, self.points, mode)
        result = self.evaluate()
        result["jacobian"] = {o: dict(zip(self.wrt, row)) for o, row in zip(self.outputs, blocks)}
        p = self.points
        result["matrix"] = np.concatenate(
            [np.concatenate([b.reshape(p, o.size, i.size) for b, i in zip(row, ins)], axis=2)
             for row, o in zip(blocks, outs)], axis=1) if ins and outs else np.zeros((p, *_sizes(outs, ins)))
        result["rows"] = labels(self.outputs)
        result["cols"] = labels({k: self.inputs[k] for k in self.wrt})
        result["mode"] = mode
        result["passes"] = passes
        return result


def _with_points(data, nd: int, points: int, lead: int = 1):
    """An array with exactly `lead` lead axes, the last of size `points` (broadcast if absent)."""
    arr = backend.to_numpy(data)
    have = arr.ndim - nd
    if have < lead:
        arr = arr.reshape((1,) * (lead - have) + arr.shape)
    return np.broadcast_to(arr, arr.shape[:lead - 1] + (points,) + arr.shape[lead:])


def _batched_jacobian(outs, ins, points: int, mode: str):
    """Blocks (points,) + out.shape + in.shape; seeds carry the lead axes (seed rows, points)."""
    xp = backend.xp
    seeded, other = (ins, outs) if mode == "forward" else (outs, ins)
    largest = max((t.size for t in engine.graph(outs)), default=1)
    step = max(1, engine.CHUNK_ELEMENTS // max(1, largest * points))
    blocks = [[np.zeros((points, o.size, i.size)) for i in ins] for o in outs]
    passes = 0
    for k, t in enumerate(seeded):
        for start in range(0, t.size, step):
            stop = min(t.size, start + step)
            unit = engine._identity_seeds(t, start, stop).data  # (rows,) + t.shape
            unit = xp.reshape(unit, (stop - start, 1) + t.shape)
            seeds = [None] * len(seeded)
            seeds[k] = Tensor(xp.broadcast_to(unit, (stop - start, points) + t.shape), t.nd)
            if mode == "forward":
                products = engine.jvp(outs, ins, seeds)
            else:
                grads = engine.backward(outs, seeds)
                products = [grads.get(i.index) for i in ins]
            passes += 1
            for j, (u, d) in enumerate(zip(other, products)):
                if d is None:
                    continue
                d = _with_points(engine.fit(d, u.shape).data, u.nd, points, lead=2)
                d = np.moveaxis(d.reshape(stop - start, points, u.size), 0, 2)  # points, u, rows
                if mode == "forward":
                    blocks[j][k][:, :, start:stop] = d
                else:
                    blocks[k][j][:, start:stop, :] = np.swapaxes(d, 1, 2)
    return [[b.reshape((points,) + o.shape + i.shape) for b, i in zip(row, ins)]
            for row, o in zip(blocks, outs)], passes


def _to_points(result: dict, c: Computation, points: int) -> dict:
    """Give every per-point array its points axis (values that do not vary are broadcast)."""
    for key in ("inputs", "outputs", "grad", "jvp", "hvp"):
        for name, value in (result.get(key) or {}).items():
            if value is not None:
                t = c.env[name]
                result[key][name] = _with_points(value, t.nd, points)
    return result


class Runner:
    """Computes the batches of a chunk: as one batch each, or point by point when that fails."""

    def __init__(self, program: Program, shared: dict, compute, opts):
        self.program, self.shared, self.compute = program, shared, compute
        self.kw = dict(wrt=opts.wrt, outputs=opts.output, dtype=opts.dtype, seed=opts.seed,
                       device=opts.device)
        backend.use(opts.device)
        self.dtype = backend.dtype_of(opts.dtype) if opts.dtype in ("float64", "float32") else None

    def batch(self, columns: dict, points: int) -> dict:
        values = dict(self.shared)
        for name, arr in columns.items():
            values[name] = Tensor(backend.from_numpy(arr, self.dtype, what=f"the input {name}"),
                                  arr.ndim - 1)
        c = BatchComputation(self.program, values, points, **self.kw)
        return _to_points(self.compute(c), c, points)

    def one(self, columns: dict, i: int) -> dict:
        """One point without lead axes: the fallback that trusts nothing about batching."""
        values = dict(self.shared)
        values.update({name: np.asarray(arr[i]) for name, arr in columns.items()})
        c = Computation(self.program, values, **self.kw)
        result = self.compute(c)
        for key in PER_POINT:
            result[key] = _add_axis(result.get(key))
        return result

    def run(self, chunk: Chunk, source: Source) -> list:
        """[(positions, result)] for the good points; failures go into chunk.errors."""
        done = []
        for positions, columns in chunk.batches:
            try:
                done.append((positions, self.batch(columns, len(positions))))
                continue
            except (GradcliError, ValueError, IndexError, TypeError):
                pass  # find out which points fail, and why, one at a time
            for i, pos in enumerate(positions):
                try:
                    done.append(([pos], self.one(columns, i)))
                except GradcliError as exc:
                    chunk.errors[pos] = _located(exc, source.where(chunk, pos))
        return done


def _add_axis(value):
    if isinstance(value, dict):
        return {k: _add_axis(v) for k, v in value.items()}
    if value is None:
        return None
    return np.asarray(backend.to_numpy(value))[None]


def _located(exc: GradcliError, where: str) -> GradcliError:
    """The error of one point, with the point's place in the file in front of the message."""
    if exc.message.startswith("--points "):
        return exc
    return GradcliError(f"{where}: {exc.message}", kind=exc.kind, line=exc.line, column=exc.column,
                        source=exc.source, hint=exc.hint)


# ================================================================================================
# Writing
# ================================================================================================

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


class _SavedArray:
    """One array of the .npz, growing chunk by chunk: kept in memory, or in a temporary file
    once the writer's buffer is full (so memory stays bounded however many points come)."""

    def __init__(self, dtype, shape: tuple):
        self.dtype, self.shape, self.count = dtype, shape, 0
        self.blocks: list = []
        self.file = None

    def add(self, arr: np.ndarray) -> None:
        self.count += arr.shape[0]
        if self.file is None:
            self.blocks.append(arr)
        else:
            self.file.write(_bytes(arr))

    def spill(self) -> None:
        import tempfile  # noqa: PLC0415
        self.file = tempfile.TemporaryFile()
        for block in self.blocks:
            self.file.write(_bytes(block))
        self.blocks = []

    def copy_to(self, f) -> None:
        for block in self.blocks:
            f.write(_bytes(block))
        if self.file is not None:
            self.file.seek(0)
            while block := self.file.read(1 << 24):
                f.write(block)
            self.file.close()


def _bytes(arr: np.ndarray) -> memoryview:
    """The bytes of a C-contiguous array, without copying them."""
    return memoryview(arr.reshape(-1).view(np.uint8))


class NpzWriter:
    """Every per-point array of the results, with a leading points axis, and "index".

    Arrays grow chunk by chunk, in memory up to BUFFER bytes and in temporary files beyond
    (bounded memory), and are put into the .npz (uncompressed, like np.savez) at the end.
    """

    BUFFER = 128 << 20

    def __init__(self, path: str):
        self.path = path
        self.parts: dict[str, _SavedArray] = {}
        self.buffered = 0  # bytes held in memory; None once everything goes to temporary files
        self.nonfinite = False  # whether a saved value is NaN or inf (said on stderr)

    def add(self, result: dict, indices) -> None:
        arrays = {"index": indices}
        for key in ("outputs", "grad", "jvp", "hvp"):
            for name, value in (result.get(key) or {}).items():
                if value is not None:
                    arrays[f"{key}/{name}"] = value
        for a, row in (result.get("jacobian") or {}).items():
            for b, value in row.items():
                arrays[f"jacobian/{a}/{b}"] = value
        if result.get("matrix") is not None:
            arrays["matrix"] = result["matrix"]
        for key, arr in arrays.items():
            arr = np.ascontiguousarray(arr)
            if arr.dtype.kind == "f" and not self.nonfinite and not np.isfinite(arr).all():
                self.nonfinite = True
            part = self.parts.get(key)
            if part is None:
                part = self.parts[key] = _SavedArray(arr.dtype, arr.shape[1:])
                if self.buffered is None:
                    part.spill()
            elif part.shape != arr.shape[1:]:
                raise GradcliError(f"--save: {key} has shape {arr.shape[1:]} at point {indices[0]} but "
                                   f"{part.shape} before; points of different shapes need NDJSON output "
                                   "(leave out --save)", kind="shape")
            part.add(arr)
            if self.buffered is not None:
                self.buffered += arr.nbytes
        if self.buffered is not None and self.buffered > self.BUFFER:
            for part in self.parts.values():
                part.spill()
            self.buffered = None

    def close(self) -> None:
        """Write the .npz: whole or not at all (a temporary renamed over the target). With no
        point saved (the first point was bad) the target is left as it was."""
        import zipfile  # noqa: PLC0415

        from .files import atomic_file  # noqa: PLC0415
        if not self.parts:
            return
        fmt = np.lib.format
        try:
            with atomic_file(self.path) as out, \
                    zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                for key, part in self.parts.items():
                    with archive.open(key + ".npy", "w", force_zip64=True) as f:
                        fmt.write_array_header_2_0(f, {"descr": fmt.dtype_to_descr(part.dtype),
                                                        "fortran_order": False,
                                                        "shape": (part.count,) + tuple(part.shape)})
                        part.copy_to(f)
        except OSError as exc:
            raise GradcliError(f"--save: cannot write {self.path}: {exc.strerror or exc}", kind="io") from None


# ================================================================================================
# Progress
# ================================================================================================

class Progress:
    """A Rich bar on stderr, only when stderr is a terminal and the job outlasts a moment."""

    DELAY = 1.0

    def __init__(self, total: int | None, unit: str):
        self.total, self.unit = total, unit
        self.enabled = _isatty(sys.stderr)
        self.started = time.monotonic()
        self.bar = None

    def update(self, done: int, points: int) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        if self.bar is None:
            if elapsed < self.DELAY:
                return
            self._start()
        rate = points / elapsed if elapsed > 0 else 0.0
        self.bar.update(self.task, completed=done, points=points, rate=rate)

    def _start(self) -> None:
        from rich.console import Console  # noqa: PLC0415 - only for a person watching
        from rich.progress import BarColumn, TextColumn, TimeRemainingColumn  # noqa: PLC0415
        from rich.progress import Progress as Bar
        self.bar = Bar(TextColumn("points"), BarColumn(), TextColumn("{task.fields[points]:,}"),
                       TextColumn("{task.fields[rate]:,.0f}/s"), TimeRemainingColumn(),
                       console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task("points", total=self.total, points=0, rate=0.0)
        self.bar.start()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# ================================================================================================
# The command
# ================================================================================================

def run_points(opts, compute, text: str, shared: dict) -> None:
    """Stream the results of `compute` (as for one point) for every point of --points."""
    if opts.points == "-" and (opts.file == "-" or opts.inputs == "-"):
        raise GradcliError("--points - and -f -/--inputs - cannot both read stdin", kind="usage")
    program = Program(text).given(shared)
    for name in shared:
        if name not in program.inputs:
            raise unknown_input(program, name)
    source, chunks = open_source(opts.points, program, set(shared), opts.chunk_size)
    runner = Runner(program, shared, compute, opts)
    ndjson = NdjsonWriter(sys.stdout) if (not opts.save or opts.json) else None
    npz = NpzWriter(opts.save) if opts.save else None
    progress = Progress(source.total, "bytes" if source.total is not None else "points")
    failed, points, done = [], 0, 0
    try:
        with backend.watch:
            for chunk in chunks:
                results = runner.run(chunk, source)
                stop = _write_chunk(chunk, results, ndjson, npz, opts.keep_going)
                failed.extend(chunk.start + pos for pos in chunk.errors)
                points += chunk.size
                done += chunk.consumed
                progress.update(done, points)
                if stop is not None:
                    raise stop
    except GradcliError:
        # A bad line (or any bad input) stops the run: the results before it are kept, in the
        # .npz as on stdout, and the error names the line.
        if npz is not None:
            npz.close()
        raise
    finally:
        progress.close()
        for message in backend.watch.messages():
            backend.warn(message)
        _nonfinite_warning(ndjson, npz, opts.save)  # said even when an error stops the run
    if npz is not None:
        npz.close()
    if failed:
        raise GradcliError(f"{len(failed):,} of {points:,} points failed (the first: index {failed[0]})",
                           kind="points")


def _nonfinite_warning(ndjson, npz, save) -> None:
    where = []
    if ndjson is not None and ndjson.flags.get("nonfinite"):
        where.append('written as "NaN", "Infinity", "-Infinity"')
    if npz is not None and npz.nonfinite:
        where.append(f"{save} holds them as they are")
    if where:
        backend.warn(f"the result holds NaN or inf ({'; '.join(where)})")


# The values a chunk's graph holds at once, at most (float64: 8 bytes each): a long program
# keeps about one value per op and point, so its chunks hold fewer points.
CHUNK_VALUES = 1 << 24


def _default_chunk(steps: int, row: int, cap: int) -> int:
    """Points per chunk when --chunk-size is not given: `cap`, or fewer for a long program or
    large values, so that memory stays bounded however long the program is."""
    return max(1, min(cap, CHUNK_VALUES // max(1, steps * row)))


def _write_chunk(chunk: Chunk, results: list, ndjson, npz, keep_going: bool):
    """Write the chunk in input order; returns the error to stop with (after flushing), if any."""
    first_bad = min(chunk.errors) if chunk.errors else None
    limit = chunk.size if keep_going or first_bad is None else first_bad
    if npz is not None:
        for positions, result in results:
            if limit < chunk.size:  # only the points before the first bad one
                keep = [i for i, pos in enumerate(positions) if pos < limit]
                if not keep:
                    continue
                result, positions = _take(result, keep), [positions[i] for i in keep]
            npz.add(result, _indices(chunk.start, positions))
    if ndjson is not None:
        if not chunk.errors and len(results) == 1 and len(results[0][0]) == chunk.size:
            # the common case: one batch of the whole chunk (batches keep input order)
            positions, result = results[0]
            text = ndjson.text(result, _indices(chunk.start, positions))
        else:
            lines: list = [None] * chunk.size
            for positions, result in results:
                for pos, line in zip(positions, ndjson.lines(result, _indices(chunk.start, positions))):
                    lines[pos] = line
            if keep_going:
                for pos, exc in chunk.errors.items():
                    lines[pos] = _error_line(chunk, pos, exc)
            text = "".join(line + "\n" for line in lines[:limit])
        with whole():  # Ctrl-C or SIGTERM: this chunk's lines are finished first, never torn
            ndjson.write_text(text)
            ndjson.flush()
    elif keep_going and chunk.errors:  # with --save only, stdout still carries the failures
        with whole():
            sys.stdout.write("".join(_error_line(chunk, pos, chunk.errors[pos]) + "\n"
                                     for pos in sorted(chunk.errors)))
            sys.stdout.flush()
    if not keep_going and first_bad is not None:
        return chunk.errors[first_bad]
    return None


def _indices(start: int, positions) -> np.ndarray:
    """The points' indices in the whole input, as int64."""
    if isinstance(positions, range):  # np.asarray would walk a range one Python int at a time
        return np.arange(start + positions.start, start + positions.stop, dtype=np.int64)
    return start + np.asarray(positions, dtype=np.int64)


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
    return None if value is None else np.asarray(value)[keep]


def _error_line(chunk: Chunk, pos: int, exc: GradcliError) -> str:
    obj = {"index": chunk.start + pos}
    if chunk.lines is not None:
        obj["line"] = chunk.lines[pos]
    obj.update(exc.to_dict())
    return dumps(obj)
