"""Parquet results (pyarrow): an `index` column and one column per result, named by the NDJSON
keys joined with dots (`inputs.x` for the points' own values, `outputs.f`, `grad.x`,
`jacobian.f.x`, `matrix`); a tensor result is a fixed-size list column (nested for matrices).
What every point shares (the --gradient or --tangent used, the labels of a Jacobian) is in the
file's metadata under "gradcli", as JSON.

Rows are gathered into row groups of ROW_GROUP rows (or BUFFER bytes) and written as they fill:
memory is bounded by one row group. The file is a temporary until the run ends, then renamed
over the target: whole or absent.
"""
from __future__ import annotations

import numpy as np

from ....errors import GradcliError
from ..chunk import PER_POINT


class ParquetSink:
    ROW_GROUP = 1 << 17
    BUFFER = 64 << 20

    def __init__(self, path: str, option: str = "--save"):
        from ..sources.parquet import pyarrow  # noqa: PLC0415 - exit 2 with the install hint
        self.pa, self.pq = pyarrow()
        self.path, self.option = path, option
        self.schema = None
        self.pending: list = []  # record batches not yet in a row group
        self.pending_rows = self.pending_bytes = 0
        self.rows = 0
        self.nonfinite = False
        self.opened = self.file = self.writer = None

    def add(self, result: dict, indices: np.ndarray) -> None:
        columns = {"index": np.asarray(indices, dtype=np.int64)}
        inputs = result.get("inputs") or {}
        for name in result.get("_points", ()):
            columns[f"inputs.{name}"] = inputs[name]
        for key in PER_POINT:
            if key != "inputs":
                _flatten(columns, key, result.get(key))
        arrays = [self._arrow(name, np.asarray(value)) for name, value in columns.items()]
        batch = self.pa.RecordBatch.from_arrays(arrays, names=list(columns))
        if self.schema is None:
            meta = {k: v for k, v in result.items() if k not in PER_POINT and not k.startswith("_")}
            from ...render import _plain, dumps  # noqa: PLC0415
            self.schema = batch.schema.with_metadata({"gradcli": dumps(_plain(meta, {}))})
        elif batch.schema != self.schema.remove_metadata():
            raise GradcliError(f"{self.option}: the results at point {int(indices[0])} have columns "
                               f"{_described(batch.schema)} but {_described(self.schema)} before; "
                               "points of different shapes need NDJSON output", kind="shape")
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        self.pending_bytes += batch.nbytes
        self.rows += batch.num_rows
        if self.pending_rows >= self.ROW_GROUP or self.pending_bytes >= self.BUFFER:
            self._flush()

    def _arrow(self, name: str, arr: np.ndarray):
        if arr.dtype.kind == "f" and not self.nonfinite and not np.isfinite(arr).all():
            self.nonfinite = True
        values = self.pa.array(np.ascontiguousarray(arr).reshape(-1))
        for size in reversed(arr.shape[1:]):
            values = self.pa.FixedSizeListArray.from_arrays(values, size)
        return values

    def _flush(self) -> None:
        if not self.pending:
            return
        if self.writer is None:
            from .. import storage  # noqa: PLC0415
            self.opened = storage.atomic_write(self.path, self.option)
            self.file = self.opened.__enter__()
            self.writer = self.pq.ParquetWriter(self.file, self.schema)
        table = self.pa.Table.from_batches(self.pending).replace_schema_metadata(self.schema.metadata)
        try:
            self.writer.write_table(table, row_group_size=table.num_rows)
        except OSError as exc:
            raise GradcliError(f"{self.option}: cannot write {self.path}: {exc.strerror or exc}",
                               kind="io") from None
        self.pending, self.pending_rows, self.pending_bytes = [], 0, 0

    def close(self) -> None:
        """Write what is left and commit the file (with no point saved, the target is left as
        it was)."""
        self._flush()
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.close()
            opened, self.opened = self.opened, None
            opened.__exit__(None, None, None)

    def discard(self) -> None:
        self.pending = []
        if self.writer is not None:  # its footer goes into the temporary, which then goes
            writer, self.writer = self.writer, None
            try:
                writer.close()
            except Exception:  # noqa: BLE001, S110 - the file is being dropped whatever happens
                pass
        if self.opened is not None:
            opened, self.opened, self.writer = self.opened, None, None
            opened.__exit__(RuntimeError, RuntimeError("discarded"), None)

    def summary(self) -> dict:
        return {"rows": self.rows, "columns": len(self.schema) if self.schema is not None else 0}


def _flatten(columns: dict, prefix: str, value) -> None:
    """Nested dicts of arrays as prefix.key.key... columns (None: not differentiated, left out)."""
    if isinstance(value, dict):
        for name, inner in value.items():
            _flatten(columns, f"{prefix}.{name}", inner)
    elif value is not None:
        columns[prefix] = value


def _described(schema) -> str:
    return ", ".join(f"{f.name} ({f.type})" for f in schema)[:300]
