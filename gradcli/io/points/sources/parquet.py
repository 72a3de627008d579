"""Parquet points (pyarrow): a file, a directory of them, or a glob; a row is a point.

Columns named like inputs are inputs: numbers (any int, float or bool type), or fixed-size
lists (nested for matrices) for tensor inputs; plain lists work too, grouped by length. A null
is a bad point (`row R` of its file, counted from 0 as pyarrow and pandas count). Read a row
group at a time, in batches of the chunk size: memory is bounded by the row group, however many
rows the files hold.
"""
from __future__ import annotations

from ....errors import GradcliError
from ..chunk import Chunk, Source
from .npy import binary_chunk, numeric
from .records import batch_group

SUFFIXES = (".parquet", ".parq", ".pq")
INSTALL = 'pip install "gradcli[parquet]"'


def pyarrow():
    """(pyarrow, pyarrow.parquet), or exit 2 saying how to install it."""
    try:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError:
        raise GradcliError("Parquet needs pyarrow, which is not installed", kind="usage",
                           hint=INSTALL) from None
    return pa, pq


def files(source: Source, path: str) -> list[tuple[str, str]]:
    """[(label, path)] of the Parquet files a path, a directory or a glob names, in path order."""
    from .. import storage  # noqa: PLC0415
    if storage.is_directory(path) or storage.is_pattern(path):
        found = storage.expand(path, SUFFIXES)
        if not found:
            raise GradcliError(f"--points {path}: no Parquet files there (looked for "
                               f"{', '.join('*' + s for s in SUFFIXES)})", kind="io")
        return [(f, f) for f in found]
    return [(path, path)]


def open_file(location):
    """A pyarrow ParquetFile for a path, a URL or a file object."""
    _, pq = pyarrow()
    from .. import storage  # noqa: PLC0415
    fp = storage.open_binary(location)[0] if isinstance(location, str) else location
    try:
        return pq.ParquetFile(fp)
    except Exception as exc:  # noqa: BLE001 - pyarrow's ArrowInvalid & co: not a Parquet file
        label = location if isinstance(location, str) else "stdin"
        raise GradcliError(f"--points {label}: not a valid Parquet file ({str(exc)[:120]})",
                           kind="value") from None


def plan(source: Source, label: str, pf, size: int | None) -> tuple[list, int]:
    """(the input columns of one file, the points per chunk), checked against the program."""
    names = pf.schema_arrow.names
    inputs = source.check_columns(names, f"--points {label}")
    missing = [n for n in source.required if n not in inputs]
    if missing:
        raise GradcliError(f"--points {label}: no column for the input {missing[0]!r} (add it, or "
                           "give it with --at)", kind="input")
    schema = pf.schema_arrow
    row = max((_elements(schema.field(n).type, f"--points {label}: column {n!r}") for n in inputs),
              default=1)
    return inputs, binary_chunk(size, (row,), source.steps)


def _elements(kind, what: str) -> int:
    """Numbers per row of a column's type (a fixed-size list nests its size); 1 for plain lists,
    whose length the rows say."""
    pa, _ = pyarrow()
    count = 1
    while pa.types.is_fixed_size_list(kind):
        count *= kind.list_size
        kind = kind.value_type
    while pa.types.is_list(kind) or pa.types.is_large_list(kind):
        kind = kind.value_type
        while pa.types.is_fixed_size_list(kind):
            count *= kind.list_size
            kind = kind.value_type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
        raise GradcliError(f"{what} holds {kind}, not numbers", kind="value",
                           hint="--columns NAMES picks the columns that are inputs")
    return count


def chunks(source: Source, located: list, size: int | None):
    """Every row of every file, in order: Chunks of up to `size` points."""
    opened = []
    for label, location in located:
        pf = open_file(location)
        opened.append((label, pf))
    source.total = sum(pf.metadata.num_rows for _, pf in opened)
    index = 0
    for label, pf in opened:
        inputs, step = plan(source, label, pf, size)
        row = 0
        for batch in pf.iter_batches(batch_size=step, columns=inputs, use_threads=False):
            chunk = to_chunk(source, batch, inputs, label, index, row)
            index += chunk.size
            row += chunk.size
            yield chunk


def row_group_chunks(source: Source, location: str, group: int, index: int, row: int,
                     size: int | None):
    """The rows of one row group (a partition): `index` is its first point's, `row` its first
    row's in the file."""
    pf = open_file(location)
    inputs, step = plan(source, location, pf, size)
    for batch in pf.iter_batches(batch_size=step, row_groups=[group], columns=inputs,
                                 use_threads=False):
        chunk = to_chunk(source, batch, inputs, location, index, row)
        index += chunk.size
        row += chunk.size
        yield chunk


def to_chunk(source: Source, batch, inputs: list, label: str, index: int, row: int) -> Chunk:
    n = batch.num_rows
    chunk = Chunk(index, n, None, consumed=n, file=label, row=row)
    columns = {}
    for name in inputs:
        arr = _dense(batch.column(name), n)
        if arr is None:  # nulls, or lists that differ in length: value by value, grouped by shape
            values = {name: batch.column(name).to_pylist() for name in inputs}
            batch_group(source, chunk, tuple(inputs), list(range(n)), values)
            return chunk
        columns[name] = numeric(arr, f"--points {label}: {name}")
    chunk.batches.append((range(n), columns))
    return chunk


def _dense(column, n: int):
    """The column as one array (n,) + shape, or None where its rows must be read one by one."""
    pa, _ = pyarrow()
    if column.null_count:
        return None
    shape = []
    values = column
    while True:
        kind = values.type
        if pa.types.is_fixed_size_list(kind):
            shape.append(kind.list_size)
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            import pyarrow.compute as pc  # noqa: PLC0415
            lengths = pc.list_value_length(values)
            low, high = pc.min_max(lengths).values()
            if low.as_py() != high.as_py():
                return None
            shape.append(low.as_py() or 0)
        else:
            break
        values = values.flatten()
        if values.null_count:
            return None
    flat = values.to_numpy(zero_copy_only=False)
    return flat.reshape((n, *shape))
