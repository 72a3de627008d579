"""PyTorch's dtypes, and its type promotion (torch.result_type).

A script tensor computes in its dtype: float32 unless told otherwise, as in PyTorch. Promotion
follows PyTorch's categories (bool < integer < floating): a Python number or a 0-d tensor only
changes the result's category, never its width within one (`float32_tensor * 2.5` stays float32,
`int_tensor * 2.5` is float32, `float32 + float64 (both with dims)` is float64).
"""
from __future__ import annotations

import numpy as np

BOOL, INTEGER, FLOATING = 0, 1, 2


class DType:
    """`torch.float32` and friends as values: what a script passes as dtype= and prints."""

    __slots__ = ("name", "numpy", "category", "size", "signed", "__weakref__")

    def __init__(self, name: str, numpy_dtype, category: int, size: int, signed: bool = True):
        self.name = name
        self.numpy = np.dtype(numpy_dtype) if numpy_dtype is not None else None
        self.category = category
        self.size = size
        self.signed = signed

    @property
    def is_floating_point(self) -> bool:
        return self.category == FLOATING

    def __repr__(self):
        return f"torch.{self.name}"


float16 = DType("float16", np.float16, FLOATING, 2)
bfloat16 = DType("bfloat16", None, FLOATING, 2)  # NumPy has no bfloat16: refused where it matters
float32 = DType("float32", np.float32, FLOATING, 4)
float64 = DType("float64", np.float64, FLOATING, 8)
uint8 = DType("uint8", np.uint8, INTEGER, 1, signed=False)
int8 = DType("int8", np.int8, INTEGER, 1)
int16 = DType("int16", np.int16, INTEGER, 2)
int32 = DType("int32", np.int32, INTEGER, 4)
int64 = DType("int64", np.int64, INTEGER, 8)
bool_ = DType("bool", np.bool_, BOOL, 1)

ALL = (float16, bfloat16, float32, float64, uint8, int8, int16, int32, int64, bool_)

# torch.<name> -> dtype, aliases included (torch.float is torch.float32, torch.long is int64).
BY_NAME = {d.name: d for d in ALL}
BY_NAME.update({"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
                "short": int16})

_BY_NUMPY = {d.numpy: d for d in ALL if d.numpy is not None}

# The legacy tensor types: torch.FloatTensor(...) and the names x.type() returns.
LEGACY = {"FloatTensor": float32, "DoubleTensor": float64, "HalfTensor": float16,
          "LongTensor": int64, "IntTensor": int32, "ShortTensor": int16, "CharTensor": int8,
          "ByteTensor": uint8, "BoolTensor": bool_}
LEGACY_NAME = {d: name for name, d in LEGACY.items()}


def of_numpy(dtype) -> DType:
    found = _BY_NUMPY.get(np.dtype(dtype))
    if found is None:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(dtype)}. The only supported types "
                        "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    return found


def promote(a: DType, b: DType) -> DType:
    """torch.promote_types."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == BOOL:
        return a
    if a.category == FLOATING:
        if a.size == b.size:  # float16 with bfloat16
            return float32
        return a if a.size > b.size else b
    if a.signed == b.signed:
        return a if a.size > b.size else b
    signed, unsigned = (a, b) if a.signed else (b, a)
    if signed.size > unsigned.size:
        return signed
    return {1: int16, 2: int32, 4: int64}.get(unsigned.size, int64)


def _combine(higher: DType | None, lower: DType | None) -> DType | None:
    """PyTorch's combine_categories: the lower-priority kind only raises the category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == FLOATING:
        return higher
    if higher.category == BOOL or lower.category == FLOATING:
        return promote(higher, lower)
    return higher


def scalar_dtype(value, default_float: DType) -> DType:
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return default_float


def result_type(dims, zero_dims, scalars, default_float: DType) -> DType:
    """torch.result_type of tensors with dimensions, 0-d tensors and Python numbers (dtypes)."""
    def fold(items):
        out = None
        for d in items:
            out = d if out is None else promote(out, d)
        return out
    return _combine(fold(dims), _combine(fold(zero_dims), fold(scalars))) or default_float
