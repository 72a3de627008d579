"""Argument helpers of the shape, indexing and sorting families: one dim, whole numbers, lists.

(base.py has those every family shares; these are the ones the newer families add.)
"""
from __future__ import annotations

import numpy as np

from ...core import backend, ops
from ...core.tensor import Tensor
from .base import _axes, _describe, _fail, _int


def dim_of(x: Tensor, dim, what: str = "dim") -> int:
    """One dim of x as a non-negative axis (a 0-d tensor has the one dim 0, as in PyTorch)."""
    if x.nd == 0:
        d = whole_int(dim, what)
        if d not in (0, -1):
            _fail(f"{what} {d} is out of range for a 0-d tensor", "shape")
        return 0
    return x.nd + _axes(x, whole_int(dim, what), what)[0]


def whole_int(value, what: str) -> int:
    """An integer argument: an int, a whole float, or a one-element tensor holding one."""
    if isinstance(value, Tensor):
        if value.size != 1 or value.lead:
            _fail(f"{what} must be one integer, got {_describe(value)}")
        value = np.asarray(backend.to_numpy(value.data)).reshape(()).item()
    return _int(value, what)


def int_list(value, what: str) -> list[int]:
    """An int, or a list/tuple (or 1-D tensor) of them, as a list."""
    if isinstance(value, Tensor):
        if value.lead:
            _fail(f"{what} must not differ from point to point")
        value = np.asarray(backend.to_numpy(value.data)).reshape(-1).tolist()
    if isinstance(value, (list, tuple)):
        return [whole_int(v, what) for v in value]
    return [whole_int(value, what)]


def sizes(args, what: str) -> list[int]:
    """f(2, 3), f((2, 3)) and f([2, 3]) as [2, 3]."""
    if len(args) == 1 and isinstance(args[0], (list, tuple, Tensor)):
        return int_list(args[0], what)
    return [whole_int(a, what) for a in args]


def as_vector(x: Tensor) -> Tensor:
    return ops.reshape(x, (1,)) if x.nd == 0 else x


def moved(x: Tensor, source: list[int], destination: list[int]) -> Tensor:
    """np.moveaxis: the axes `source` (non-negative) put at `destination`, the others in order."""
    order = [a for a in range(x.nd) if a not in source]
    for dst, src in sorted(zip(destination, source)):
        order.insert(dst, src)
    return x if order == list(range(x.nd)) else ops.permute(x, order)


def axis_list(x: Tensor, value, what: str) -> list[int]:
    """An axis or several, each non-negative and in range, no repeats."""
    axes = [dim_of(x, d, what) for d in int_list(value, what)]
    if len(set(axes)) != len(axes):
        _fail(f"{what}: repeated axis in {value!r}", "shape")
    return axes
