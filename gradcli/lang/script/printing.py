"""What PyTorch prints for a tensor, character for character.

`format_tensor` gives `repr(t)` (which is also `str(t)`) of a CPU tensor with the same
values and dtype, following the rules of PyTorch's torch/_tensor_str.py:

- One formatter per tensor decides the number format from the nonzero finite values:
  integer-valued floats print as `1.`, others with `precision` decimals (`1.5000`), and
  scientific notation (`1.0000e+08`) takes over when the largest is over 1e8, the
  smallest under 1e-4, or their ratio over 1000 (unless sci_mode says otherwise). Every
  element is right-aligned to the widest one.
- Rows wrap at `linewidth`, continuation lines indented past the opening bracket; inner
  dimensions are separated by as many newlines as they are deep.
- Tensors with more than `threshold` elements are summarized: `edgeitems` items at each
  end of every dimension, `...` between.
- Suffixes follow the values: `dtype=torch.float64` (the default dtype, float32 unless
  set_default_dtype changed it, int64 and bool are implied),
  `grad_fn=<MulBackward0>` or `requires_grad=True`, on a new line when the last line
  would pass `linewidth`. Empty tensors print `[]` with `size=` unless 1-d, and their
  dtype unless it is the default one.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ...core.backend import to_numpy
from ...errors import GradcliError

# dtype name -> the NumPy type holding its values (bfloat16 values are held in float32)
DTYPES = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16,
    "bfloat16": np.float32, "int64": np.int64, "int32": np.int32, "int16": np.int16,
    "int8": np.int8, "uint8": np.uint8, "bool": np.bool_,
}
FLOATING = ("float32", "float64", "float16", "bfloat16")

PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


@dataclass(frozen=True)
class PrintOptions:
    """torch.set_printoptions's settings; sci_mode None lets each tensor choose."""
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


MAX_PRECISION = 100  # PyTorch has no bound; a script's `precision=10**9` would print gigabytes


def set_printoptions(options: PrintOptions, **changes) -> PrintOptions:
    """The options after torch.set_printoptions(**changes): a profile first, then the
    values given (precision, threshold, edgeitems, linewidth, sci_mode).

    As in PyTorch, sci_mode is always set: a call that does not name it goes back to None.
    """
    unknown = [name for name in changes if name not in _SETTABLE]
    if unknown:
        raise GradcliError(f"set_printoptions() got an unexpected keyword argument "
                           f"'{unknown[0]}'", kind="value")
    new: dict = {}
    profile = changes.get("profile")
    if profile in PROFILES:  # PyTorch ignores other profiles
        new.update(PROFILES[profile])
    for name in ("precision", "edgeitems", "linewidth", "threshold"):
        value = changes.get(name)
        if value is None:
            continue
        number = (int, np.integer) if name != "threshold" else (int, float, np.integer, np.floating)
        if isinstance(value, bool) or not isinstance(value, number):
            kind = "an int" if name != "threshold" else "a number"
            raise GradcliError(f"set_printoptions: {name} must be {kind}, got {value!r}",
                               kind="value")
        new[name] = value if name == "threshold" else int(value)
    precision = new.get("precision", options.precision)
    if not 0 <= precision <= MAX_PRECISION:
        raise GradcliError(f"set_printoptions: precision must be between 0 and {MAX_PRECISION}",
                           kind="limit" if precision > 0 else "value")
    sci_mode = changes.get("sci_mode")
    new["sci_mode"] = None if sci_mode is None else bool(sci_mode)
    return dataclasses.replace(options, **new)


_SETTABLE = ("precision", "threshold", "edgeitems", "linewidth", "profile", "sci_mode")


# ------------------------------------------------------------------------- public formats

def format_tensor(values, *, dtype: str = "float32", requires_grad: bool = False,
                  grad_fn: str | None = None, options: PrintOptions | None = None,
                  prefix: str = "tensor(", device: str | None = None,
                  default_dtype: str = "float32") -> str:
    """repr() of a CPU torch tensor holding `values` in `dtype`.

    grad_fn is the node's class name ("MulBackward0"); it wins over requires_grad, as a
    non-leaf that requires grad shows only its grad_fn. device, when not the CPU, adds
    PyTorch's `device='cuda:0'` suffix. default_dtype is torch.get_default_dtype(): a
    tensor of that dtype, int64 or bool prints no dtype (an empty one only of that dtype).
    """
    options = options or PrintOptions()
    array = as_dtype(values, dtype)
    indent = len(prefix)
    suffixes = []
    if device is not None and device != "cpu":
        suffixes.append(f"device='{device}'")
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={_shape_tuple(array.shape)}")
        if dtype != default_dtype:
            suffixes.append(f"dtype={dtype_name(dtype)}")
        body = "[]"
    else:
        if not options.edgeitems:
            suffixes.append(f"size={_shape_tuple(array.shape)}")
        if dtype not in (default_dtype, "int64", "bool"):
            suffixes.append(f"dtype={dtype_name(dtype)}")
        body = _tensor_str(array, indent, dtype in FLOATING, options)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent, options.linewidth)


def format_parameter(values, *, dtype: str = "float32", options: PrintOptions | None = None,
                     requires_grad: bool = True, default_dtype: str = "float32") -> str:
    """repr() of an nn.Parameter: a header line, then the tensor."""
    return "Parameter containing:\n" + format_tensor(values, dtype=dtype, options=options,
                                                     requires_grad=requires_grad,
                                                     default_dtype=default_dtype)


def format_size(shape) -> str:
    """repr() of torch.Size: `torch.Size([2, 3])`."""
    return "torch.Size([" + ", ".join(str(int(d)) for d in shape) + "])"


def dtype_name(dtype: str) -> str:
    """repr() of a dtype: `torch.float32`."""
    _numpy_type(dtype)
    return f"torch.{dtype}"


def as_dtype(values, dtype: str) -> np.ndarray:
    """The values as the dtype holds them (bfloat16: rounded to 8 bits of mantissa, kept in
    float32, as NumPy has no bfloat16). Device arrays are copied to the host first."""
    plain = isinstance(values, (list, tuple, int, float, bool, np.ndarray, np.generic))
    array = np.asarray(values) if plain else to_numpy(values)
    if dtype == "bfloat16":
        return _round_to_bfloat16(array.astype(np.float32))
    return array.astype(_numpy_type(dtype), copy=False)


# ------------------------------------------------------------------------------ the body

def _tensor_str(array: np.ndarray, indent: int, floating: bool, options: PrintOptions) -> str:
    summarize = array.size > options.threshold
    shown = _summarized(array, options.edgeitems) if summarize else array
    formatter = _Formatter(shown.reshape(-1), floating, options)
    return _nested_str(array, indent, summarize, formatter, options)


def _summarized(array: np.ndarray, edge: int) -> np.ndarray:
    """The elements a summary shows, for the formatter to size them (get_summarized_data).

    For a vector with edgeitems=0 PyTorch's `t[-0:]` is the whole vector: kept as is.
    """
    if array.ndim == 0:
        return array
    if array.ndim == 1:
        return np.concatenate([array[:edge], array[-edge:]]) if len(array) > 2 * edge else array
    if not edge:
        return np.empty([0] * array.ndim, dtype=array.dtype)
    rows = list(range(edge)) + list(range(len(array) - edge, len(array))) \
        if len(array) > 2 * edge else range(len(array))
    return np.stack([_summarized(array[i], edge) for i in rows])


def _nested_str(array: np.ndarray, indent: int, summarize: bool, formatter: _Formatter,
                options: PrintOptions) -> str:
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector_str(array, indent, summarize, formatter, options)
    edge = options.edgeitems
    if summarize and len(array) > 2 * edge:
        rows = [_nested_str(array[i], indent + 1, summarize, formatter, options)
                for i in range(edge)]
        rows.append("...")
        rows += [_nested_str(array[i], indent + 1, summarize, formatter, options)
                 for i in range(len(array) - edge, len(array))]
    else:
        rows = [_nested_str(row, indent + 1, summarize, formatter, options) for row in array]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _vector_str(vector: np.ndarray, indent: int, summarize: bool, formatter: _Formatter,
                options: PrintOptions) -> str:
    per_line = max(1, math.floor((options.linewidth - indent) / (formatter.width + 2)))
    edge = options.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and len(vector) > 2 * edge:
        items = ([formatter.format(v) for v in vector[:edge].tolist()] + [" ..."]
                 + [formatter.format(v) for v in vector[-edge:].tolist()])
    else:
        items = [formatter.format(v) for v in vector.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


class _Formatter:
    """One number format for a whole tensor, and the width every element is padded to."""

    def __init__(self, flat: np.ndarray, floating: bool, options: PrintOptions):
        self.floating = floating
        self.precision = options.precision
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not floating:
            for value in flat.tolist():
                self.width = max(self.width, len(str(value)))
            return
        nonzero = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero.size == 0:
            return
        magnitudes = np.abs(nonzero).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
        if options.sci_mode is None:
            self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8
                                 or smallest < 1.0e-4)
        else:
            self.sci_mode = options.sci_mode
        p = self.precision
        values = nonzero.tolist()
        if self.sci_mode:
            self.width = max(len(f"{v:.{p}e}") for v in values)
        elif self.int_mode:  # room for the "." that marks a float
            self.width = max(len(f"{v:.0f}") + 1 for v in values)
        else:
            self.width = max(len(f"{v:.{p}f}") for v in values)

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{self.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


def _add_suffixes(text: str, suffixes: list[str], indent: int, linewidth: int) -> str:
    """`, suffix` after the values, or `,\\n` and the indent when the line would be too long.

    The length of the last line is counted as PyTorch counts it (two more than its
    characters when there is no newline at all).
    """
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


# --------------------------------------------------------------------------------- helpers

def _numpy_type(dtype: str):
    try:
        return DTYPES[dtype]
    except (KeyError, TypeError):
        raise GradcliError(f"cannot print a tensor of dtype {dtype!r}: use one of "
                           + ", ".join(DTYPES), kind="value") from None


def _shape_tuple(shape) -> str:
    return str(tuple(int(d) for d in shape))


def _round_to_bfloat16(array: np.ndarray) -> np.ndarray:
    """float32 values rounded to the nearest bfloat16 (ties to even), NaN kept."""
    bits = np.array(array, dtype=np.float32, order="C").view(np.uint32)  # keeps 0-d
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) \
        & np.uint32(0xFFFF0000)
    out = rounded.view(np.float32)
    return np.where(np.isnan(array), array, out).astype(np.float32)
