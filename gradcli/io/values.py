"""Values from the command line: --at, --gradient, --tangent, --inputs, @files.

A value is a number, a nested list `[[2,4]]`, a flat comma list `1,2`, a
creation call `ones(2,2)` / `randn(3,4)`, or `@FILE` (.npy, .json, .csv).
Value text is parsed by the same allowlisted language as programs, with no
names to read: it can build constants and nothing else.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from ..errors import GradcliError

_NAME_EQ = re.compile(r"\s*([^\W\d]\w*)\s*=(?!=)")  # a Python identifier, as in programs


def split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets and parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_assignments(specs: list[str], option: str = "--at") -> dict[str, str]:
    """['a0=2,a1=4', 'w=ones(2,1)'] -> {'a0': '2', 'a1': '4', 'w': 'ones(2,1)'}.

    A comma part without NAME= continues the value before it: --at x=1,2,3 is x=[1,2,3].
    """
    out: dict[str, str] = {}
    for spec in specs:
        last = None
        for part in split_top_level(spec):
            m = _NAME_EQ.match(part)
            if m:
                last = m.group(1)
                out[last] = part[m.end():].strip()
            elif last is not None and part.strip():
                out[last] += "," + part.strip()
            else:
                raise GradcliError(f"{option} expects NAME=VALUE, got {spec!r}", kind="usage")
    return out


def split_named(spec: str) -> tuple[str | None, str]:
    """'out1=1,2' -> ('out1', '1,2'); '1,2' -> (None, '1,2')."""
    m = _NAME_EQ.match(spec)
    if m and not spec.lstrip().startswith("@"):
        return m.group(1), spec[m.end():].strip()
    return None, spec.strip()


def parse_value(text: str, ctx, *, what: str) -> np.ndarray:
    """One value as a float64 NumPy array (the engine casts it to the dtype and device)."""
    text = text.strip()
    if not text:
        raise GradcliError(f"{what}: the value is empty", kind="value")
    if text.startswith("@"):
        return load_file(text[1:], what)
    from ..core.tensor import Tensor  # noqa: PLC0415
    from ..lang.program import Program  # noqa: PLC0415 - the value language is the program language
    try:
        program = Program("value = " + text)
    except GradcliError as exc:
        raise GradcliError(f"{what}: {exc.message} in {text[:80]!r}", kind="value") from None
    if program.inputs:
        name = next(iter(program.inputs))
        raise GradcliError(f"{what}: a value cannot refer to the name {name!r}", kind="value")
    import dataclasses  # noqa: PLC0415

    from ..core import backend  # noqa: PLC0415
    from ..lang.functions import to_tensor  # noqa: PLC0415
    # Made on the host in float64 (the same seeded generator), moved to the device once later.
    host_ctx = dataclasses.replace(ctx, dtype=np.float64)
    try:
        with backend.host():
            tensor = to_tensor(host_ctx, program.evaluate(program.statements[0].code, {}, host_ctx))
    except GradcliError as exc:
        raise GradcliError(f"{what}: {exc.message}", kind="value") from None
    assert isinstance(tensor, Tensor)
    return np.asarray(tensor.data, dtype=np.float64)


def from_json(value, what: str) -> np.ndarray:
    """A JSON number or nested list (strings "NaN", "Infinity", "-Infinity" allowed)."""
    def convert(v):
        if isinstance(v, list):
            return [convert(x) for x in v]
        if isinstance(v, bool) or v is None:
            raise GradcliError(f"{what}: expected numbers, got {json.dumps(v)}", kind="value")
        if isinstance(v, str):
            table = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}
            if v in table:
                return table[v]
            raise GradcliError(f"{what}: expected numbers, got {v[:40]!r}", kind="value")
        if isinstance(v, (int, float)):
            return float(v) if abs(v) < 1e308 or isinstance(v, float) else float("inf")
        raise GradcliError(f"{what}: expected numbers, got {type(v).__name__}", kind="value")
    try:
        return np.array(convert(value), dtype=np.float64)
    except ValueError:
        raise GradcliError(f"{what}: the nested lists are not rectangular", kind="value") from None
    except RecursionError:
        raise GradcliError(f"{what}: the value is nested too deeply", kind="value") from None


def _regular_file(path: str, what: str) -> int:
    """The size of a regular file; devices (/dev/zero), FIFOs and directories would hang or fail."""
    import os  # noqa: PLC0415
    import stat  # noqa: PLC0415
    try:
        mode = os.stat(path)
    except OSError as exc:
        raise GradcliError(f"{what}: cannot read {path}: {exc.strerror or exc}", kind="io") from None
    if stat.S_ISDIR(mode.st_mode):
        raise GradcliError(f"{what}: {path} is a directory, not a file", kind="io")
    if not stat.S_ISREG(mode.st_mode):
        raise GradcliError(f"{what}: {path} is not a regular file (a device or a pipe); "
                           "save the value to a file first", kind="io")
    return mode.st_size


def read_text_file(path: str, what: str) -> str:
    """A JSON or CSV file (or stdin for '-') as text, within MAX_TEXT_FILE_BYTES."""
    import sys  # noqa: PLC0415

    from ..limits import MAX_TEXT_FILE_BYTES  # noqa: PLC0415
    too_long = GradcliError(f"{what}: {path} is longer than the limit of {MAX_TEXT_FILE_BYTES:,} "
                            "bytes for a text file", kind="limit",
                            hint="hand large arrays over as .npy files")
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_TEXT_FILE_BYTES + 1)
        else:
            if _regular_file(path, what) > MAX_TEXT_FILE_BYTES:
                raise too_long
            with open(path, "rb") as f:
                data = f.read(MAX_TEXT_FILE_BYTES + 1)
    except OSError as exc:
        raise GradcliError(f"{what}: cannot read {path}: {exc.strerror or exc}", kind="io") from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise too_long
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GradcliError(f"{what}: {path} is not UTF-8 text", kind="value") from None


def strict_json(text: str, what: str, path: str):
    """RFC 8259 JSON: no NaN/Infinity literals (write the strings "NaN", "Infinity"), no repeated keys."""
    def constant(token):
        raise GradcliError(f"{what}: {path}: {token} is not JSON; write it as the string "
                           f"\"{token}\"", kind="value")

    def pairs(items):
        keys = set()
        for key, _ in items:
            if key in keys:
                raise GradcliError(f"{what}: {path}: the key {key!r} appears twice", kind="value",
                                   hint="duplicate keys are ambiguous: keep one")
            keys.add(key)
        return dict(items)
    try:
        return json.loads(text, parse_constant=constant, object_pairs_hook=pairs)
    except ValueError as exc:
        raise GradcliError(f"{what}: {path} is not valid JSON: {str(exc)[:120]}", kind="value") from None
    except RecursionError:
        raise GradcliError(f"{what}: {path} is nested too deeply", kind="value") from None


# -- .npy files: the header read and checked before any data ------------------------------------

NPY_MAGIC = b"\x93NUMPY"
MAX_NPY_HEADER = 10_000  # NumPy's own bound on a header it parses safely


@dataclass
class NpyHeader:
    shape: tuple
    fortran: bool
    dtype: np.dtype
    elements: int  # exact (Python ints): (2**62, 2**62) does not wrap around
    nbytes: int  # of the data after the header


def _read_exact(fp, n: int) -> bytes:
    data = b""
    while len(data) < n:
        more = fp.read(n - len(data))
        if not more:
            break
        data += more
    return data


def read_npy_header(fp, where: str, available: int | None = None, *,
                    max_elements: int | None = None) -> NpyHeader:
    """The header of a .npy stream, checked: the magic (a .npz or an empty file is named as
    such), a bounded header length, a shape of non-negative ints, at most `max_elements` (the
    limit on one tensor, by default), and data that fits in `available` bytes when the size
    of what follows the header is known (a truncated file is found before it is read)."""
    from ..limits import MAX_ELEMENTS  # noqa: PLC0415
    limit = MAX_ELEMENTS if max_elements is None else max_elements
    head = _read_exact(fp, 8)
    if not head.startswith(NPY_MAGIC):
        if not head:
            why = "is empty, not a .npy array"
        elif head.startswith(b"PK"):
            why = "is a .npz archive (a zip of arrays), not a .npy array: name it .npz"
        else:
            why = "is not a .npy array (it does not start with NumPy's header)"
        raise GradcliError(f"{where} {why}", kind="value")
    version = (head[6], head[7]) if len(head) == 8 else None
    if version not in ((1, 0), (2, 0)):
        raise GradcliError(f"{where}: the .npy array is not valid: format version {version} is not "
                           "supported (1.0 and 2.0 are: save it again with numpy.save)", kind="value")
    length_bytes = _read_exact(fp, 2 if version == (1, 0) else 4)
    length = int.from_bytes(length_bytes, "little")
    if len(length_bytes) < (2 if version == (1, 0) else 4) or length > MAX_NPY_HEADER:
        raise GradcliError(f"{where}: the .npy array is not valid: its header is damaged (a length of "
                           f"{length:,} bytes)", kind="value")
    text = _read_exact(fp, length)
    if len(text) < length:
        raise GradcliError(f"{where}: the .npy array is not valid: the file ends inside its header",
                           kind="value")
    import io  # noqa: PLC0415
    fmt = np.lib.format
    try:
        reader = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = reader(io.BytesIO(length_bytes + text))
    except (ValueError, TypeError, SyntaxError) as exc:
        raise GradcliError(f"{where}: the .npy array is not valid: {str(exc)[:100]}",
                           kind="value") from None
    if any(d < 0 for d in shape):
        raise GradcliError(f"{where}: the .npy array is not valid: its header gives the shape "
                           f"{shape}, with a negative size", kind="value")
    elements = 1
    for d in shape:
        elements *= d
    if elements > limit:
        raise GradcliError(f"{where}: the array has shape {shape}, {elements:,} elements, over the "
                           f"limit of {limit:,}", kind="limit")
    if dtype.hasobject:
        raise GradcliError(f"{where}: holds Python objects, not numbers", kind="value")
    nbytes = elements * dtype.itemsize
    if available is not None and nbytes > available - 8 - len(length_bytes) - length:
        held = max(0, available - 8 - len(length_bytes) - length)
        raise GradcliError(f"{where}: the .npy array is not valid: it is truncated (its header promises "
                           f"{nbytes:,} bytes of data, the file holds {held:,})", kind="value")
    return NpyHeader(tuple(shape), bool(fortran), dtype, elements, nbytes)


def _load_npy(path: str, what: str) -> np.ndarray:
    size = _regular_file(path, what)
    with open(path, "rb") as f:
        header = read_npy_header(f, f"{what}: {path}", size)
        dtype = header.dtype
        if dtype.names or not np.issubdtype(dtype, np.number) or \
                np.issubdtype(dtype, np.complexfloating):
            raise GradcliError(f"{what}: {path} holds {dtype}, not real numbers", kind="value")
        data = np.fromfile(f, dtype=dtype, count=header.elements) if header.elements else \
            np.zeros(0, dtype)
    if data.size != header.elements:  # the file shrank since its size was read
        raise GradcliError(f"{what}: {path} is truncated", kind="value")
    arr = data.reshape(header.shape, order="F" if header.fortran else "C")
    return np.asarray(arr, dtype=np.float64)


def load_file(path: str, what: str) -> np.ndarray:
    lower = path.lower()
    try:
        if lower.endswith(".npy"):
            return _load_npy(path, what)
        if lower.endswith(".json"):
            return from_json(strict_json(read_text_file(path, what), what, path), what)
        if lower.endswith(".csv"):
            return _csv(read_text_file(path, what), what, path)
    except GradcliError:
        raise
    except OSError as exc:
        raise GradcliError(f"{what}: cannot read {path}: {exc.strerror or exc}", kind="io") from None
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GradcliError(f"{what}: {path} is not valid: {str(exc)[:120]}", kind="value") from None
    raise GradcliError(f"{what}: {path}: use a .npy, .json or .csv file", kind="value")


def _csv(text: str, what: str, path: str) -> np.ndarray:
    """Rows of comma-separated numbers; a first row none of whose fields is a number (`x,y`,
    as spreadsheets and pandas write) is a header, and skipped. A first row with a number in it
    is data, so a typo there is an error, not a silently dropped row."""
    import io  # noqa: PLC0415
    import warnings  # noqa: PLC0415
    skip = 1 if csv_header(text) else 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "input contained no data": said below, as an error
        arr = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64, ndmin=1, skiprows=skip)
    if arr.size == 0:
        raise GradcliError(f"{what}: {path} holds no numbers" + (" (only a header row)" if skip else ""),
                           kind="value")
    return arr


def csv_header(text: str) -> bool:
    """Whether the first line of CSV text is a header: no field of it reads as a number."""
    first = text.split("\n", 1)[0].strip()
    if not first:
        return False
    for field_text in first.split(","):
        try:
            float(field_text.strip())
            return False
        except ValueError:
            continue
    return True


def load_inputs_file(path: str, stdin_text=None) -> dict[str, object]:
    """--inputs FILE|-: a JSON object name -> value (a number, nested list, or value text)."""
    text = read_text_file(path, "--inputs") if stdin_text is None else stdin_text
    data = strict_json(text, "--inputs", path)
    if not isinstance(data, dict):
        got = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(data), "a number")
        raise GradcliError(f"--inputs: expected a JSON object {{name: value}}, got {got}", kind="value")
    # Strings are value text ("ones(2)"), but for "NaN", "Infinity", "-Infinity": our own JSON's
    # non-finite numbers. Anything else must be numbers, checked here.
    nonfinite = ("NaN", "Infinity", "-Infinity")
    return {name: v if isinstance(v, str) and v not in nonfinite else from_json(v, f"--inputs {name}")
            for name, v in data.items()}


def fit_shape(value: np.ndarray, shape: tuple | None, what: str) -> np.ndarray:
    """A flat list reshaped to the expected shape when the sizes match."""
    if shape is None or value.shape == tuple(shape):
        return value
    if value.ndim <= 1 and value.size == int(np.prod(shape)):
        return value.reshape(shape)
    raise GradcliError(f"{what}: expected shape {tuple(shape)}, got {value.shape}", kind="shape")
