"""What every part of --points shares: a Chunk of points, and the Source that names them.

A source module turns a file into Chunks; the batch computation fills in their results; a sink
writes them. None of them needs to know about the others beyond these two classes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...api import unknown_input
from ...errors import GradcliError
from ...lang.program import Program

DEFAULT_CHUNK = 4096  # text formats: a chunk is parsed, computed and written together
BINARY_CHUNK = 1 << 17  # .npy/.npz/Parquet, unless --chunk-size: as many points as fit 8 MiB per value
# The values a chunk's graph holds at once, at most (float64: 8 bytes each): a long program
# keeps about one value per op and point, so its chunks hold fewer points.
CHUNK_VALUES = 1 << 24
# Sections of a result that hold one value per point; everything else (the --gradient or
# --tangent used, labels, mode) is shared and written as a constant.
PER_POINT = ("inputs", "outputs", "grad", "jvp", "hvp", "jacobian", "matrix")


@dataclass
class Chunk:
    """Consecutive points: `batches` hold the good ones, `errors` the bad, by position."""
    start: int  # the index of the first point
    size: int
    lines: list | range | None  # the file line of each point (text formats)
    batches: list = field(default_factory=list)  # (positions, {name: array (n,) + shape})
    errors: dict = field(default_factory=dict)  # position -> GradcliError
    consumed: int = 0  # bytes (text) or points (binary) read, for the progress bar
    file: str | None = None  # Parquet: the file the points are rows of (a directory holds many)
    row: int = 0  # Parquet: the row of the first point in that file


class Source:
    """Where the points come from: names the file and each point in messages, and decides which
    of a file's columns are inputs (`--columns`, or every column the program reads)."""

    def __init__(self, path: str, program: Program, shared, columns=None):
        self.path = path
        self.label = "stdin" if path == "-" else path
        self.program = program
        # inputs, and constant names (e, pi) read before binding: a value makes one an input
        self.allowed = set(program.inputs) | set(program.constant_reads)
        # inputs every point needs: neither shared by --at nor given a default by the program
        self.required = [n for n, info in program.inputs.items()
                         if n not in shared and info.default is None]
        self.columns = list(columns) if columns else None  # --columns: exactly these are inputs
        if self.columns:
            for name in self.columns:
                if name not in self.allowed:
                    raise _with_option(unknown_input(program, name))
        self.ignored: dict[str, None] = {}  # columns that are not inputs, in the order met
        self.total = None  # bytes (text) or points (binary), when known
        # the values the program makes (an op each; names and numbers make none): each holds
        # a value per point while a chunk is computed
        self.steps = sum(max(1, sum(1 for kind, _, _ in stmt.code if kind in _MAKES_VALUES)
                             + (stmt.kind in ("update", "setitem")))  # x += v, x[i] = v: one more
                         for stmt in program.statements)

    def where(self, chunk: Chunk, pos: int) -> str:
        if chunk.lines is not None:
            return f"--points {self.label} line {chunk.lines[pos]}"
        if chunk.file is not None:
            return f"--points {chunk.file} row {chunk.row + pos}"
        return f"--points {self.label} point {chunk.start + pos}"

    def inputs_of(self, names) -> list:
        """The names of a file's columns (or a line's keys) that are inputs, in the file's order;
        the others are remembered, to be noted once (ids, labels, anything else kept alongside)."""
        if self.columns is not None:
            return [n for n in names if n in self.columns]
        kept = []
        for name in names:
            if name in self.allowed:
                kept.append(name)
            elif name not in self.ignored:
                self.ignored[name] = None
        return kept

    def check_columns(self, names, where: str) -> list:
        """The input columns of a file with a fixed set of columns (CSV, .npy fields, .npz,
        Parquet): every --columns name must be there, and every required input."""
        names = list(names)
        if self.columns is not None:
            absent = [n for n in self.columns if n not in names]
            if absent:
                raise GradcliError(f"{where}: --columns names {absent[0]!r}, which the file does not "
                                   f"have (its columns: {', '.join(names) or 'none'})", kind="input")
        return self.inputs_of(names)

    def note_ignored(self) -> str | None:
        """The one note for columns that were not inputs, or None."""
        if not self.ignored:
            return None
        names = list(self.ignored)
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        return (f"--points {self.label}: ignored {'a column' if len(names) == 1 else 'columns'} that "
                f"{'is not an input' if len(names) == 1 else 'are not inputs'}: {shown} "
                "(--columns NAMES picks the inputs and silences this)")


_MAKES_VALUES = {"binop", "unary", "compare", "call", "method", "attribute", "subscript", "list"}


def _with_option(exc: GradcliError) -> GradcliError:
    return GradcliError(f"--columns: {exc.message}", kind=exc.kind, hint=exc.hint)


def located(exc: GradcliError, where: str) -> GradcliError:
    """The error of one point, with the point's place in the file in front of the message."""
    if exc.message.startswith("--points "):
        return exc
    return GradcliError(f"{where}: {exc.message}", kind=exc.kind, line=exc.line, column=exc.column,
                        source=exc.source, hint=exc.hint)


def default_chunk(steps: int, row: int, cap: int) -> int:
    """Points per chunk when --chunk-size is not given: `cap`, or fewer for a long program or
    large values, so that memory stays bounded however long the program is."""
    return max(1, min(cap, CHUNK_VALUES // max(1, steps * row)))
