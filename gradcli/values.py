"""Values from the command line: --at, --gradient, --tangent, --inputs, @files.

A value is a number, a nested list `[[2,4]]`, a flat comma list `1,2`, a
creation call `ones(2,2)` / `randn(3,4)`, or `@FILE` (.npy, .json, .csv).
Value text is parsed by the same allowlisted language as programs, with no
names to read: it can build constants and nothing else.
"""
from __future__ import annotations

import json
import re

import numpy as np

from .errors import GradcliError

_NAME_EQ = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*)\s*=(?!=)")


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
    from .program import Program  # noqa: PLC0415 - the value language is the program language
    from .tensor import Tensor  # noqa: PLC0415
    try:
        program = Program("value = " + text)
    except GradcliError as exc:
        raise GradcliError(f"{what}: {exc.message} in {text[:80]!r}", kind="value") from None
    if program.inputs:
        name = next(iter(program.inputs))
        raise GradcliError(f"{what}: a value cannot refer to the name {name!r}", kind="value")
    import dataclasses  # noqa: PLC0415
    from . import backend  # noqa: PLC0415
    from .functions import to_tensor  # noqa: PLC0415
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


def load_file(path: str, what: str) -> np.ndarray:
    from .limits import MAX_ELEMENTS  # noqa: PLC0415
    lower = path.lower()
    try:
        if lower.endswith(".npy"):
            arr = np.load(path, allow_pickle=False, mmap_mode="r")
            if arr.size > MAX_ELEMENTS:
                raise GradcliError(f"{what}: {path} has {arr.size:,} elements, over the limit",
                                   kind="limit")
            if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
                raise GradcliError(f"{what}: {path} holds {arr.dtype}, not real numbers", kind="value")
            return np.asarray(arr, dtype=np.float64)
        if lower.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                return from_json(json.load(f), what)
        if lower.endswith(".csv"):
            arr = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=1)
            return arr
    except GradcliError:
        raise
    except OSError as exc:
        raise GradcliError(f"{what}: cannot read {path}: {exc.strerror or exc}", kind="io") from None
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GradcliError(f"{what}: {path} is not valid: {str(exc)[:120]}", kind="value") from None
    raise GradcliError(f"{what}: {path}: use a .npy, .json or .csv file", kind="value")


def load_inputs_file(path: str, stdin_text=None) -> dict[str, object]:
    """--inputs FILE|-: a JSON object name -> value (a number, nested list, or value text)."""
    try:
        if path == "-":
            import sys  # noqa: PLC0415
            text = sys.stdin.read() if stdin_text is None else stdin_text
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        data = json.loads(text)
    except OSError as exc:
        raise GradcliError(f"--inputs: cannot read {path}: {exc.strerror or exc}", kind="io") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise GradcliError(f"--inputs: {path} is not valid JSON: {str(exc)[:120]}", kind="value") from None
    except RecursionError:
        raise GradcliError(f"--inputs: {path} is nested too deeply", kind="value") from None
    if not isinstance(data, dict):
        raise GradcliError("--inputs: expected a JSON object {name: value}", kind="value")
    return data


def fit_shape(value: np.ndarray, shape: tuple | None, what: str) -> np.ndarray:
    """A flat list reshaped to the expected shape when the sizes match."""
    if shape is None or value.shape == tuple(shape):
        return value
    if value.ndim <= 1 and value.size == int(np.prod(shape)):
        return value.reshape(shape)
    raise GradcliError(f"{what}: expected shape {tuple(shape)}, got {value.shape}", kind="shape")
