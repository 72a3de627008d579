"""Along one dim: sort, argsort, topk, kthvalue; cumsum, cumprod, diff.

Sorting reads x in a new order, so its gradient goes back to where each value came from (a
gather; ties keep their original order, as a stable sort, so each tied element gets its own
position's gradient, as torch.sort(stable=True)). The indices are int64 and never carry a
gradient. torch.sort and torch.topk return (values, indices) like torch.max(x, dim); np.sort
returns the values.
"""
from __future__ import annotations

import numpy as np

from ...core import backend, ops
from ...core.ops.index import device_index
from ...core.tensor import Tensor
from ...errors import GradcliError
from .arguments import as_vector, dim_of, whole_int
from .base import Table, ValuesIndices, _fail, _no_more, to_tensor
from .dtypes import input_as
from .indexing import along

TABLE = Table()
register = TABLE.register


def _host_values(x: Tensor, name: str) -> np.ndarray:
    if x.lead:
        # A different order per point of --points: computed point by point instead.
        raise GradcliError(f"{name} of a tensor that differs from point to point cannot be batched",
                           kind="index")
    return np.asarray(backend.to_numpy(x.data))


def order(values: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along axis; NaN counts as the largest value (NumPy and PyTorch)."""
    if not descending:
        return np.argsort(values, axis=axis, kind="stable")
    # largest first, equal values in their original order, NaN in front
    nan = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    key = np.where(nan, 0, values)
    key = -key if values.dtype.kind != "b" else ~key
    return np.lexsort((key, ~nan), axis=axis)


def _sorted(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """x read at index along axis (index shaped like the result)."""
    return ops.gather(x, along(x.shape, index, axis, broadcast=False))


def _sort(library):
    def impl(ctx, x, *args, **kwargs):
        """torch.sort(x, dim=-1, descending=False, stable=False) -> (values, indices);
        np.sort(a, axis=-1) -> values (axis=None: the flattened array)."""
        x = to_tensor(ctx, x)
        key = "axis" if library == "numpy" else "dim"
        dim = kwargs.pop(key, args[0] if args else -1)
        descending = bool(kwargs.pop("descending", args[1] if len(args) > 1 else False))
        kwargs.pop("stable", None)
        kwargs.pop("kind", None)
        _no_more("sort", args[2:], kwargs, allowed=())
        if dim is None:  # np.sort(a, axis=None)
            x, dim = ops.reshape(x, (x.size,)), 0
        x = as_vector(x) if library == "numpy" else x
        if x.nd == 0:
            zero = Tensor(device_index(np.zeros((), np.int64)))
            return x if library == "numpy" else ValuesIndices(x, zero)
        axis = dim_of(x, dim, key)
        index = order(_host_values(x, "sort"), axis, descending)
        values = _sorted(x, axis, index)
        return values if library == "numpy" else ValuesIndices(values, Tensor(device_index(index)))
    return impl


def _argsort(library):
    def impl(ctx, x, *args, **kwargs):
        """torch.argsort(x, dim=-1, descending=False) / np.argsort(a, axis=-1): int64 indices."""
        x = to_tensor(ctx, x)
        key = "axis" if library == "numpy" else "dim"
        dim = kwargs.pop(key, args[0] if args else -1)
        descending = bool(kwargs.pop("descending", False))
        kwargs.pop("stable", None)
        kwargs.pop("kind", None)
        _no_more("argsort", args[1:], kwargs, allowed=())
        if dim is None:
            x, dim = ops.reshape(x, (x.size,)), 0
        if x.nd == 0:
            return Tensor(device_index(np.zeros((), np.int64)))
        axis = dim_of(x, dim, key)
        return Tensor(device_index(order(_host_values(x, "argsort"), axis, descending)))
    return impl


def _topk(ctx, x, k, *args, **kwargs):
    """torch.topk(x, k, dim=-1, largest=True, sorted=True) -> (values, indices)."""
    x = as_vector(to_tensor(ctx, x))
    names = ("dim", "largest", "sorted")
    values = dict(zip(names, args))
    for name in names:
        if name in kwargs:
            values[name] = kwargs.pop(name)
    _no_more("topk", args[3:], kwargs, allowed=())
    axis = dim_of(x, values.get("dim", -1))
    k = whole_int(k, "topk: k")
    if not 0 <= k <= x.shape[axis]:
        _fail(f"topk: k={k} is out of range for a dimension of size {x.shape[axis]}", "index")
    index = order(_host_values(x, "topk"), axis, bool(values.get("largest", True)))
    index = np.take(index, np.arange(k), axis=axis)
    return ValuesIndices(_sorted(x, axis, index), Tensor(device_index(index)))


def _kthvalue(ctx, x, k, *args, **kwargs):
    """torch.kthvalue(x, k, dim=-1, keepdim=False) -> the k-th smallest (from 1) and its index."""
    x = as_vector(to_tensor(ctx, x))
    dim = kwargs.pop("dim", args[0] if args else -1)
    keep = bool(kwargs.pop("keepdim", args[1] if len(args) > 1 else False))
    _no_more("kthvalue", args[2:], kwargs, allowed=())
    axis = dim_of(x, dim)
    k = whole_int(k, "kthvalue: k")
    if not 1 <= k <= x.shape[axis]:
        _fail(f"kthvalue: k={k} is out of range for a dimension of size {x.shape[axis]}", "index")
    index = np.take(order(_host_values(x, "kthvalue"), axis, False), [k - 1], axis=axis)
    if not keep:
        index = np.squeeze(index, axis=axis)
        values = ops.reshape(_sorted(x, axis, np.expand_dims(index, axis)), index.shape)
    else:
        values = _sorted(x, axis, index)
    return ValuesIndices(values, Tensor(device_index(index)))


register("sort", _sort("torch"), ["out = sort(x).values * y", "out = M.sort(dim=0)[0] * N",
                                  "v, i = torch.sort(M, 1, descending=True); out = v * 2 + i",
                                  "out = sort(x * 0 + s)[0]"])
register("sort", _sort("numpy"), ["out = np.sort(M) * N", "out = np.sort(M, axis=None) * 2",
                                  "out = np.sort(M, axis=0)[::-1] * N"], library="numpy")
register("argsort", _argsort("torch"), ["out = x[argsort(x)] * y",
                                        "out = M[:, M[0].argsort(descending=True)] * N"])
register("argsort", _argsort("numpy"), ["out = np.take_along_axis(M, np.argsort(M, axis=0), 0) * N"],
         library="numpy")
register("topk", _topk, ["out = topk(x, 2).values * y[:2]", "out = M.topk(1, dim=0)[0] * x",
                         "v, i = torch.topk(M, 2, largest=False); out = v * 2 + i"])
register("kthvalue", _kthvalue, ["out = kthvalue(x, 2).values * y", "out = M.kthvalue(1, 0, True)[0] * M",
                                 "out = torch.kthvalue(M, 3, dim=1)[0] * x"])
register("msort", lambda ctx, x: _sort("torch")(ctx, x, 0).values, ["out = msort(M) * N"], method=False)


# -- running sums and products, differences ------------------------------------------------------

def _scan(name):
    def impl(ctx, x, *args, **kwargs):
        """cumsum / cumprod along dim (torch: dim required; NumPy: axis=None flattens first)."""
        x = input_as(ctx, x, kwargs)
        dim = kwargs.pop("dim", kwargs.pop("axis", args[0] if args else None))
        _no_more(name, args[1:], kwargs)
        if dim is None:
            x, dim = ops.reshape(x, (x.size,)), 0
        x = as_vector(x)
        return getattr(ops, name)(x, dim_of(x, dim) - x.nd)
    return impl


def _diff(ctx, x, *args, **kwargs):
    """diff(x, n=1, dim=-1, prepend=None, append=None) (NumPy: axis=): x[1:] - x[:-1] n times."""
    x = to_tensor(ctx, x)
    names = ("n", "dim", "prepend", "append")
    values = dict(zip(names, args))
    for kw, name in (("n", "n"), ("dim", "dim"), ("axis", "dim"), ("prepend", "prepend"),
                     ("append", "append")):
        if kw in kwargs:
            values[name] = kwargs.pop(kw)
    _no_more("diff", args[4:], kwargs, allowed=())
    if x.nd == 0:
        _fail("diff needs at least one dimension", "shape")
    axis = dim_of(x, values.get("dim", -1))
    n = whole_int(values.get("n", 1), "diff: n")
    if n < 0:
        _fail(f"diff: n must not be negative, got {n}")
    parts = []
    for key in ("prepend", "append"):
        extra = values.get(key)
        if extra is not None:
            extra = to_tensor(ctx, extra)
            if extra.nd == 0:  # a number stands for a slice of one, as in NumPy
                shape = x.shape[:axis] + (1,) + x.shape[axis + 1:]
                extra = ops.broadcast_to(extra, shape)
            parts.append((key, extra))
    if parts:
        pieces = [e for k, e in parts if k == "prepend"] + [x] + [e for k, e in parts if k == "append"]
        x = ops.cat(pieces, axis - x.nd)
    keep = (slice(None),) * axis
    for _ in range(n):
        if x.shape[axis] == 0:
            break
        x = ops.index(x, keep + (slice(1, None),)) - ops.index(x, keep + (slice(None, -1),))
    return x


register("cumsum", _scan("cumsum"), ["out = cumsum(x, 0) * y", "out = M.cumsum(dim=1) * N",
                                     "out = np.cumsum(M) * 2", "out = torch.cumsum(M, -2) ** 2"])
register("cumprod", _scan("cumprod"), ["out = cumprod(x, 0) * y", "out = M.cumprod(1) * N",
                                       "out = np.cumprod(M, axis=0) ** 2",
                                       "out = cumprod(x * tensor([1., 0., 1.]), 0) * y",
                                       "out = cumprod(M * tensor([[1., 0., 0.], [0., 1., 1.], [1., 1., 0.]]), 1)"])
register("diff", _diff, ["out = diff(x) * y[:2]", "out = np.diff(M, n=2, axis=0) * x",
                         "out = torch.diff(M, dim=0, prepend=x[None]) * N",
                         "out = np.diff(x, append=s) * y"])
