"""Results -> strict JSON, Rich tables, and .npz files. Pure presentation, no computing."""
from __future__ import annotations

import math
import sys

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


def has_nonfinite(result: dict) -> bool:
    """Whether any array or number of the result (its "_" keys aside) is NaN or inf."""
    stack = [v for k, v in result.items() if not k.startswith("_")]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, (np.ndarray, np.generic)):
            if value.dtype.kind in "fc" and not np.isfinite(value).all():
                return True
        elif isinstance(value, float) and not math.isfinite(value):
            return True
    return False


SLICE = 1 << 14  # array elements encoded at once: memory stays bounded whatever the size


def json_pieces(value, flags: dict):
    """The JSON text of a result (as dumps writes it), in pieces of bounded size: a large array
    is encoded a slice at a time, never as one Python list or one buffer of its whole text."""
    if isinstance(value, dict):
        yield b"{"
        for i, (k, v) in enumerate(value.items()):
            yield (b"," if i else b"") + orjson.dumps(k) + b":"
            yield from json_pieces(v, flags)
        yield b"}"
    elif isinstance(value, np.ndarray) and value.ndim and value.size > SLICE:
        yield from _array_pieces(value, flags)
    else:
        yield orjson.dumps(_plain(value, flags), option=orjson.OPT_SERIALIZE_NUMPY)


def _array_pieces(arr: np.ndarray, flags: dict):
    yield b"["
    row = arr[0].size if arr.ndim > 1 else 1
    if row > SLICE:  # one row is already large: each row in slices of its own
        for i in range(arr.shape[0]):
            yield b"," if i else b""
            yield from _array_pieces(arr[i], flags)
    else:
        step = max(1, SLICE // max(1, row))
        for start in range(0, arr.shape[0], step):
            block = _plain(arr[start:start + step], flags)
            _reserve(64 * step * row)
            text = orjson.dumps(block)
            yield (b"," if start else b"") + text[1:-1]
    yield b"]"


def _reserve(nbytes: int) -> None:
    """Raise MemoryError now if `nbytes` cannot be had: orjson crashes (a segfault) where it
    cannot allocate its output, as under an address-space limit, instead of raising."""
    room = bytearray(nbytes)
    del room


def write_json(result: dict, write) -> bool:
    """Write one strict document and a newline with write(bytes); returns whether non-finite
    numbers were replaced by strings."""
    flags: dict = {}
    doc = {k: v for k, v in result.items() if not k.startswith("_")}
    for piece in json_pieces(doc, flags):
        write(piece)
    write(b"\n")
    return bool(flags)


def stdout_bytes():
    """write(bytes) to stdout, after what is already buffered as text (any text stream)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        return buffer.write
    return lambda data: sys.stdout.write(data.decode())


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
    from .files import atomic_file  # noqa: PLC0415
    with atomic_file(path) as f:  # whole or absent: a temporary renamed over the target
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

def tables(result: dict, precision: int, console) -> None:
    """Rich tables for a person (gradcli/io/tables.py: laid out so that no number is ever cut)."""
    from .tables import tables as show  # noqa: PLC0415 - Rich only when a person reads the output
    show(result, precision, console)
