"""Points given as values one by one (NDJSON objects, Parquet rows of lists that differ in
length) -> batches of arrays: grouped by the names they give, then by their shapes."""
from __future__ import annotations

from operator import itemgetter

import numpy as np

from ....core.tensor import check_size
from ....errors import GradcliError
from ...values import from_json
from ..chunk import Chunk, Source

_NUMBERS = {float, int}


def group_records(source: Source, chunk: Chunk, positions, records: list) -> None:
    """Dicts -> batches of arrays: grouped by the names they give, then by shapes."""
    if records and len(set(map(len, records))) == 1:
        # The common case, in C loops: every record gives the same names as the first.
        try:
            columns = {name: list(map(itemgetter(name), records)) for name in records[0]}
        except KeyError:
            pass
        else:
            batch_group(source, chunk, tuple(columns), positions, columns)
            return
    by_keys: dict[tuple, list] = {}
    for pos, obj in zip(positions, records):
        by_keys.setdefault(tuple(obj), []).append((pos, obj))
    for keys, group in by_keys.items():
        batch_group(source, chunk, keys, [pos for pos, _ in group],
                    {name: [obj[name] for _, obj in group] for name in keys})


def batch_group(source: Source, chunk: Chunk, keys: tuple, positions: list, values: dict) -> None:
    """Points that give the same names: {name: [value per point]} -> batches by shape. Names that
    are not inputs are left out (and noted once by the run)."""
    keys = source.inputs_of(keys)
    missing = [n for n in source.required if n not in keys]
    if missing:
        problem = f"no value for the input {missing[0]!r} (give it in the file or with --at)"
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
