"""Dtypes in programs: `torch.float32`, `np.int64`, 'float32', and integer operands.

A program computes in the float dtype of --dtype; a creation with `dtype=` or a cast
(`.to(torch.float32)`, `.long()`, `.astype('int64')`) makes a tensor of another dtype, and
operands of different dtypes then promote as PyTorch promotes them (core/tensor.py).
"""
from __future__ import annotations

from ...core import backend
from ...core.tensor import BOOL, FLOATING, Tensor, astype, category
from .base import DType, _describe, _fail, to_tensor

# Names as PyTorch and NumPy spell them -> the Array-API dtype name. torch.float is float32 and
# torch.int is int32, as in PyTorch.
NAMES = {"float32": "float32", "float": "float32", "single": "float32", "float64": "float64",
         "double": "float64", "int64": "int64", "long": "int64", "int32": "int32", "int": "int32",
         "int16": "int16", "short": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
         "bool_": "bool", "float16": "float16", "half": "float16"}


def resolve(value, what: str = "dtype"):
    """The namespace's dtype for `torch.float32`, `np.int64`, 'float64' ...; None stays None."""
    if value is None:
        return None
    name = value.name if isinstance(value, DType) else value if isinstance(value, str) else None
    if name is None:
        _fail(f"{what}: expected a dtype such as torch.float32 or 'int64', got {_describe(value)}")
    name = name.removeprefix("torch.").removeprefix("np.").removeprefix("numpy.")
    if name not in NAMES:
        _fail(f"{what}: {name!r} is not a dtype gradcli computes with (float64, float32, int64, "
              "int32, int16, int8, uint8, bool)")
    found = getattr(backend.xp, NAMES[name], None)
    if found is None:
        _fail(f"{what}: {name} is not available on this device")
    return found


def cast(ctx, x, dtype) -> Tensor:
    """x (a tensor, a number or a list) as dtype."""
    return astype(to_tensor(ctx, x), resolve(dtype))


def input_as(ctx, x, kwargs: dict) -> Tensor:
    """x cast to the `dtype=` among kwargs (popped), as torch.sum/mean/cumsum/softmax(..., dtype=)
    and NumPy's dtype= on reductions cast their input before computing."""
    dtype = kwargs.pop("dtype", None)
    x = to_tensor(ctx, x)
    return x if dtype is None else astype(x, resolve(dtype))


def integer(value: int) -> Tensor:
    """A Python integer as a zero-dimensional int64 tensor."""
    t = Tensor(backend.xp.asarray(value, dtype=backend.xp.int64))
    t.number = float(value)
    return t


def operand(ctx, value, other) -> Tensor:
    """value as an operand beside `other`. A Python number is weak, as in PyTorch: an integer
    next to an integer tensor stays an integer (idx + 1 is still an index), True next to a mask
    stays boolean; otherwise numbers take the float dtype."""
    if isinstance(value, Tensor):
        return value
    if isinstance(other, Tensor) and isinstance(value, int):
        kind = category(other.dtype)
        if isinstance(value, bool) and kind == BOOL:
            return Tensor(backend.xp.asarray(value, dtype=backend.xp.bool))
        if not isinstance(value, bool) and kind != FLOATING and abs(value) < 2 ** 63:
            return integer(value)
    return to_tensor(ctx, value)
