"""Results -> strict JSON, Rich tables, and .npz files. Pure presentation, no computing."""
from __future__ import annotations

import math

import numpy as np
import orjson

NONFINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _plain(value, flags: dict):
    """Arrays -> numbers and nested lists; NaN/inf -> strings (the protobuf JSON convention)."""
    if isinstance(value, dict):
        return {k: _plain(v, flags) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not isinstance(value, np.ndarray):
        return [_plain(v, flags) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            flags["nonfinite"] = True
            obj = arr.astype(object)
            obj[np.isnan(arr)] = "NaN"
            obj[np.isposinf(arr)] = "Infinity"
            obj[np.isneginf(arr)] = "-Infinity"
            return obj.tolist()
        return arr.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        flags["nonfinite"] = True
        return "NaN" if math.isnan(value) else NONFINITE[value]
    return value


def to_json(result: dict) -> tuple[str, bool]:
    """One strict RFC 8259 document; also says whether non-finite numbers were replaced."""
    flags: dict = {}
    doc = {k: v for k, v in result.items() if not k.startswith("_")}
    return dumps(_plain(doc, flags)), bool(flags)


def dumps(plain) -> str:
    """Compact JSON of plain values (no NaN/inf left: see _plain), floats in shortest round-trip
    form. Every result gradcli writes as JSON goes through here, so a value always reads the same."""
    return orjson.dumps(plain, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def float_texts(values: np.ndarray) -> list[str]:
    """The JSON text of each element of a 1-D array of finite floats, as dumps writes them."""
    if values.size == 0:
        return []
    flat = np.ascontiguousarray(values, dtype=np.float64)  # float32 values widen, exactly as dumps
    return orjson.dumps(flat, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].decode().split(",")


def save_npz(path: str, result: dict) -> None:
    """outputs/NAME, grad/NAME, jacobian/OUT/IN, matrix, jvp/NAME, hessian/A/B (hessian/OUT/A/B
    for tensor outputs), derivatives/NAME, sparse/..."""
    arrays: dict[str, np.ndarray] = {}
    for key in ("outputs", "grad", "jvp", "hvp", "jacobian", "hessian", "derivatives"):
        _flatten(arrays, key, result.get(key) or {})
    if result.get("matrix") is not None:
        arrays["matrix"] = np.asarray(result["matrix"])
    for name, value in (result.get("sparse") or {}).items():
        arrays[f"sparse/{name}"] = np.asarray(value)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _flatten(arrays: dict, prefix: str, value) -> None:
    """Nested dicts of arrays as prefix/key/key... entries (None: not differentiated, left out)."""
    if isinstance(value, dict):
        for name, inner in value.items():
            _flatten(arrays, f"{prefix}/{name}", inner)
    elif value is not None:
        arrays[prefix] = np.asarray(value)


def labels(tensors: dict) -> list[str]:
    """The flat rows or columns of a Jacobian: 'b0' for a scalar, 'out[0,1]' for each element of
    a tensor, row-major. Values are anything with a `.shape` (Tensors, arrays)."""
    import itertools  # noqa: PLC0415

    out = []
    for name, t in tensors.items():
        shape = tuple(t.shape)
        if not shape:
            out.append(name)
        elif len(shape) == 1:  # the common case, and a sparse Hessian's may have 100,000s
            out.extend([f"{name}[{i}]" for i in range(shape[0])])
        else:
            out.extend([f"{name}[{','.join(map(str, idx))}]"
                        for idx in itertools.product(*(range(d) for d in shape))])
    return out


# -- tables --------------------------------------------------------------------------------------

def _fmt_number(x: float, precision: int) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{precision}g}"


def format_value(value, precision: int = 6, width: int = 60) -> str:
    if value is None:
        return "None (not differentiated)"
    arr = np.asarray(value)
    if arr.ndim == 0:
        return _fmt_number(float(arr), precision)
    with np.printoptions(precision=precision, threshold=60, edgeitems=3, linewidth=width,
                         floatmode="maxprec", suppress=False):
        return np.array2string(arr, separator=", ",
                               formatter={"float_kind": lambda x: _fmt_number(float(x), precision)})


def tables(result: dict, precision: int, console) -> None:
    from rich.table import Table  # noqa: PLC0415 - Rich only when a person reads the output

    def section(title: str, rows, key_header="name", value_header="value"):
        console.print(f"[bold]{title}[/bold]")
        table = Table(show_header=True, header_style="bold")
        table.add_column(key_header, style="cyan", no_wrap=True)
        table.add_column("shape", justify="right")
        table.add_column(value_header, overflow="fold")
        for name, value in rows.items():
            shape = "" if value is None else str(tuple(np.shape(value))).replace(",)", ")")
            table.add_row(name, shape, format_value(value, precision))
        console.print(table)

    if result.get("inputs"):
        section("inputs", result["inputs"])
    if result.get("outputs"):
        section("outputs", result["outputs"])
    if result.get("gradient"):
        section("gradient (the vector v in v^T J)", result["gradient"], "output")
    if "grad" in result:
        section("gradients", result["grad"], "input", "grad")
    if result.get("tangent"):
        section("tangent (the vector v)", result["tangent"], "input")
    if "jvp" in result:
        section("Jacobian-vector product", result["jvp"], "output", "J v")
    if "hvp" in result:
        section("Hessian-vector product", result["hvp"], "input", "H v")
    if "derivatives" in result:
        derivative_table(result, precision, console)
    if result.get("sparse") is not None:
        sparse_table(result, precision, console)
    if result.get("matrix") is not None and result.get("rows") is not None:
        title = "Hessian" if "hessian" in result else "Jacobian"
        extra = f"  (mode {result['mode']}, {result['passes']} passes)" if "mode" in result else ""
        matrix = np.asarray(result["matrix"])
        if matrix.ndim == 3:  # one Hessian per output element
            layers(matrix, result, precision, console)
        else:
            matrix_table(title + extra, matrix, result["rows"], result["cols"], precision, console)
    for line in result.get("_notes", []):
        console.print(line)


def matrix_table(title, matrix, rows, cols, precision, console, max_cols: int = 8, max_rows: int = 40):
    from rich.table import Table  # noqa: PLC0415
    console.print(f"[bold]{title}[/bold]")
    table = Table(header_style="bold")
    table.add_column("", style="cyan", no_wrap=True)
    shown_cols = cols[:max_cols]
    for c in shown_cols:
        table.add_column(c, justify="right")
    if len(cols) > max_cols:
        table.add_column(f"... {len(cols) - max_cols} more", justify="left")
    for i, label in enumerate(rows[:max_rows]):
        cells = [_fmt_number(float(v), precision) for v in matrix[i, :max_cols]]
        table.add_row(label, *cells, *([""] if len(cols) > max_cols else []))
    console.print(table)
    if len(rows) > max_rows or len(cols) > max_cols:
        console.print(f"[dim]{matrix.shape[0]} x {matrix.shape[1]}: showing part; --json or --save "
                      "FILE.npz has all of it[/dim]")


def layers(matrix, result, precision, console, max_layers: int = 8) -> None:
    """The Hessians of a tensor output's elements, one table each (the first few)."""
    for label, layer in list(zip(result["elements"], matrix))[:max_layers]:
        matrix_table(f"Hessian of {label}", layer, result["rows"], result["cols"], precision, console)
    if matrix.shape[0] > max_layers:
        console.print(f"[dim]{matrix.shape[0]} output elements: showing {max_layers}; --json or "
                      "--save FILE.npz has all of them[/dim]")


def derivative_table(result, precision, console) -> None:
    """One row per order, one column per output."""
    from rich.table import Table  # noqa: PLC0415
    found = result["derivatives"]
    console.print(f"[bold]derivatives in {result['wrt']}, orders 1 to {result['order']}[/bold]")
    table = Table(header_style="bold")
    table.add_column("order", justify="right", style="cyan", no_wrap=True)
    for name in found:
        table.add_column(f"d^k {name} / d{result['wrt']}^k", overflow="fold")
    for k in range(result["order"]):
        table.add_row(str(k + 1), *(format_value(values[k], precision) for values in found.values()))
    console.print(table)


def sparse_table(result, precision, console, max_rows: int = 40) -> None:
    """The nonzeros of a sparse Jacobian or Hessian, one per line, labelled."""
    from rich.table import Table  # noqa: PLC0415
    sparse, rows, cols = result["sparse"], result["rows"], result["cols"]
    m, n = sparse["shape"]
    count = len(sparse["value"])
    how = (f"mode {result['mode']}" if "mode" in result else f"{result['colours']} colours") + \
        f", {result['passes']} passes"
    title = "Jacobian" if "mode" in result else "Hessian"
    console.print(f"[bold]{title}, sparse: {count} nonzeros of {m} x {n}  ({how})[/bold]")
    table = Table(header_style="bold")
    table.add_column("row", style="cyan", no_wrap=True)
    table.add_column("col", style="cyan", no_wrap=True)
    table.add_column("value", justify="right")
    shown = slice(0, max_rows)  # only what is shown is made into Python objects: there may be millions
    for i, j, v in zip(sparse["row"][shown], sparse["col"][shown], sparse["value"][shown]):
        table.add_row(rows[int(i)], cols[int(j)], _fmt_number(float(v), precision))
    console.print(table)
    if count > max_rows:
        console.print(f"[dim]showing {max_rows} of {count}; --json or --save FILE.npz has all of "
                      "them[/dim]")
