"""Indexing functions: gather, take_along_axis, index_select, take, nonzero, index_add...

Each reads (or adds) elements at positions worked out on the host from the index values,
through the `take` / `take_add` primitives (core/ops/index.py), so gradients are scatter-adds
and gathers that can be differentiated again. Index values are constants: integer tensors,
or float tensors of whole numbers (an input given with --at arrives as a float).
"""
from __future__ import annotations

import numpy as np

from ...core import backend, ops
from ...core.ops.index import IndexArray, device_index, labels, take, take_add
from ...core.tensor import PRIMITIVES, Tensor, apply, astype, check_size
from ...errors import GradcliError
from .arguments import as_vector, dim_of, whole_int
from .base import Table, ValuesIndices, _axes, _describe, _fail, _no_more, to_tensor

TABLE = Table()
register = TABLE.register


# -- index values, on the host -----------------------------------------------------------------

def index_array(item):
    """An index as the host sees it: an int (a zero-dimensional index), an int64 array, or a
    boolean mask. Float values must be whole numbers (--at t=2 arrives as 2.0)."""
    if isinstance(item, ValuesIndices):
        item = item.indices
    arr = _host(item)
    if arr.dtype == bool:
        if arr.ndim == 0:
            _fail("a single True or False cannot index; use a boolean tensor", "index")
        return arr
    arr = whole(arr, "an index")
    return int(arr) if arr.ndim == 0 else arr


def _host(item) -> np.ndarray:
    if isinstance(item, Tensor):
        if item.lead:
            # A different index per point of --points: computed point by point instead.
            raise GradcliError("an index that differs from point to point cannot be batched",
                               kind="index")
        return np.asarray(backend.to_numpy(item.data))
    if isinstance(item, (list, tuple)):
        parts = [_host(v) if isinstance(v, (Tensor, list, tuple)) else v for v in item]
        try:
            arr = np.array(parts)
        except ValueError:
            _fail("an index list must be rectangular", "index")
        if arr.dtype == object:
            _fail(f"an index list must hold integers or booleans, got {_describe(item)}", "index")
        return arr if arr.size or arr.ndim != 1 else arr.astype(np.int64)
    if isinstance(item, (int, float)):
        return np.asarray(item)
    _fail(f"expected integer indices, got {_describe(item)}", "index")


def whole(arr: np.ndarray, what: str) -> np.ndarray:
    """arr as int64, if every value is a whole number."""
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind != "f":
        _fail(f"{what} must hold integers, got {arr.dtype}", "index")
    if arr.size and not (np.isfinite(arr).all() and (arr == np.round(arr)).all()):
        bad = arr[~(np.isfinite(arr) & (arr == np.round(arr)))].reshape(-1)[0].item()
        _fail(f"{what} must hold whole numbers, got {bad!r}", "index")
    return arr.astype(np.int64)


def _integers(value, what: str) -> np.ndarray:
    """An index argument of a function as an int64 host array (a scalar becomes 0-d)."""
    if isinstance(value, ValuesIndices):
        value = value.indices
    arr = _host(value)
    if arr.dtype == bool:
        _fail(f"{what} must hold integers, not booleans", "index")
    return whole(arr, what)


def _in_range(index: np.ndarray, size: int, what: str, wrap: bool) -> np.ndarray:
    """Checked against an axis of `size`; negative values count from the end where wrap."""
    low = -size if wrap else 0
    if index.size and (index.min() < low or index.max() >= size):
        bad = index[(index < low) | (index >= size)].reshape(-1)[0]
        _fail(f"{what}: index {int(bad)} is out of range for a dimension of size {size}", "index")
    return np.where(index < 0, index + size, index) if wrap else index


def _strides(shape) -> list:
    out, step = [], 1
    for d in reversed(shape):
        out.append(step)
        step *= d
    return out[::-1]


def along(shape: tuple, index: np.ndarray, axis: int, broadcast: bool) -> np.ndarray:
    """Flat positions of out[i, j, k] = x[i, index[i, j, k], k] (axis 1): gather (no broadcast,
    index no larger than x elsewhere) and take_along_axis (the two broadcast together)."""
    nd = len(shape)
    if index.ndim != nd:
        _fail(f"the index needs {nd} dimensions like the tensor, got shape {index.shape}", "shape")
    axis = axis % nd
    out_shape = list(index.shape)
    for d in range(nd):
        if d == axis:
            continue
        if broadcast:
            if shape[d] != index.shape[d] and 1 not in (shape[d], index.shape[d]):
                _fail(f"the index of shape {index.shape} does not broadcast with shape {shape} "
                      f"outside axis {axis}", "shape")
            out_shape[d] = max(shape[d], index.shape[d]) if 0 not in (shape[d], index.shape[d]) else 0
        elif index.shape[d] > shape[d]:
            _fail(f"gather: the index of shape {index.shape} is larger than the input of shape "
                  f"{shape} along dimension {d}", "shape")
    check_size(out_shape, "gather")
    index = np.broadcast_to(index, out_shape)
    strides = _strides(shape)
    flat = index * strides[axis]
    for d in range(nd):
        if d != axis and shape[d] != 1:
            coord = np.arange(out_shape[d], dtype=np.int64).reshape((-1,) + (1,) * (nd - d - 1))
            flat = flat + coord * strides[d]
    return np.ascontiguousarray(np.broadcast_to(flat, out_shape))


# -- gather and friends ------------------------------------------------------------------------------

def _gather(ctx, x, dim, index, **kwargs):
    """torch.gather(input, dim, index): out[i][j] = x[index[i][j]][j] (dim 0)."""
    kwargs.pop("sparse_grad", None)
    _no_more("gather", (), kwargs)
    x = to_tensor(ctx, x)
    index = _integers(index, "gather: index")
    if x.nd == 0:
        x, index = as_vector(x), index.reshape(-1) if index.ndim else index.reshape(1)
    axis = dim_of(x, dim)
    index = _in_range(index, x.shape[axis], "gather", wrap=False)
    return ops.gather(x, along(x.shape, index, axis, broadcast=False))


def _take_along(library):
    def impl(ctx, x, indices, *args, **kwargs):
        """np.take_along_axis(arr, indices, axis=-1) / torch.take_along_dim(input, indices, dim):
        index and array broadcast together; axis None reads the flattened array."""
        key = "axis" if library == "numpy" else "dim"
        default = -1 if library == "numpy" else None
        axis = kwargs.pop(key, args[0] if args else default)
        _no_more("take_along_axis", args[1:], kwargs)
        x = to_tensor(ctx, x)
        index = _integers(indices, "take_along_axis: indices")
        if axis is None:
            x = ops.reshape(x, (x.size,))
            index = index.reshape(-1)
            axis = 0
        axis = dim_of(x, axis, key)
        index = _in_range(index, x.shape[axis], "take_along_axis", wrap=True)
        return ops.gather(x, along(x.shape, index, axis, broadcast=True))
    return impl


def _index_select(ctx, x, dim, index):
    """torch.index_select(input, dim, index): whole slices along dim, at a 1-D index."""
    x = as_vector(to_tensor(ctx, x))
    index = _integers(index, "index_select: index")
    if index.ndim > 1:
        _fail(f"index_select: the index must be 1-D, got shape {index.shape}", "shape")
    axis = dim_of(x, dim)
    index = _in_range(index.reshape(-1), x.shape[axis], "index_select", wrap=False)
    return take(x, IndexArray(index), axis - x.nd)


def _take(library):
    def impl(ctx, x, index, *args, **kwargs):
        """torch.take(input, index): the flattened input at index (any shape). np.take(a, indices,
        axis=None): the same, or whole slices along axis (the index's shape in its place)."""
        axis = kwargs.pop("axis", args[0] if args else None) if library == "numpy" else None
        _no_more("take", args[1:] if library == "numpy" else args, kwargs)
        x = to_tensor(ctx, x)
        index = _integers(index, "take: index")
        if axis is None:
            index = _in_range(index, x.size, "take", wrap=True)
            return ops.gather(x, index)
        x = as_vector(x)
        axis = dim_of(x, axis, "axis")
        index = _in_range(index, x.shape[axis], "take", wrap=True)
        check_size(x.shape[:axis] + index.shape + x.shape[axis + 1:], "take")
        return take(x, IndexArray(index), axis - x.nd)
    return impl


register("gather", _gather, ["out = gather(M, 1, tensor([[0, 0], [2, 1], [1, 1]]))",
                             "out = M.gather(0, tensor([[2, 1, 0]])) * x",
                             "out = torch.gather(x, 0, tensor([2, 2, 0]))"])
register("take_along_dim", _take_along("torch"),
         ["out = take_along_dim(M, tensor([[1], [0], [2]]), 1)",
          "out = torch.take_along_dim(M, tensor([8, 0]))"])
register("take_along_axis", _take_along("numpy"),
         ["out = np.take_along_axis(M, np.array([[2, 0, 1]]), axis=0)",
          "out = np.take_along_axis(M, np.argsort(M, axis=1), axis=1)",
          "out = np.take_along_axis(x, np.array([0, 0, -1]), 0)"], method=False)
register("index_select", _index_select, ["out = index_select(M, 0, tensor([2, 0, 2]))",
                                         "out = x.index_select(0, tensor([1]))"])
register("take", _take("torch"), ["out = take(M, tensor([[0, 8], [4, 4]]))", "out = x.take(tensor(-1))"])
register("take", _take("numpy"), ["out = np.take(M, [1, -1], axis=1)", "out = np.take(M, [[4, 5]])",
                                  "out = np.take(x, 2) * y"], library="numpy")


def _index_add(ctx, x, dim, index, source, **kwargs):
    """x.index_add(dim, index, source, alpha=1): source's slices added to x at index along dim
    (repeated indices add up). A new tensor: index_add_ writes in place in PyTorch."""
    alpha = kwargs.pop("alpha", 1)
    _no_more("index_add", (), kwargs)
    x, source = as_vector(to_tensor(ctx, x)), to_tensor(ctx, source)
    axis = dim_of(x, dim)
    index = _in_range(_integers(index, "index_add: index").reshape(-1), x.shape[axis], "index_add",
                      wrap=False)
    want = x.shape[:axis] + (index.size,) + x.shape[axis + 1:]
    if source.shape != want:
        _fail(f"index_add: the source must have shape {want}, got {source.shape}", "shape")
    added = take_add(astype(source, x.dtype), IndexArray(index), axis - x.nd, x.shape[axis])
    return x + (added if alpha == 1 else added * to_tensor(ctx, alpha))


def _scatter_add(ctx, x, dim, index, src):
    """x.scatter_add(dim, index, src): src[i][j] added to x[index[i][j]][j] (dim 0): the
    transpose of gather. A new tensor (scatter_add_ writes in place in PyTorch)."""
    x, src = to_tensor(ctx, x), to_tensor(ctx, src)
    axis = dim_of(x, dim)
    index = _in_range(_integers(index, "scatter_add: index"), x.shape[axis], "scatter_add", wrap=False)
    if any(i > s for i, s in zip(index.shape, src.shape)):
        _fail(f"scatter_add: the index of shape {index.shape} is larger than src {src.shape}", "shape")
    at = along(x.shape, index, axis, broadcast=False)
    piece = ops.index(src, tuple(slice(0, n) for n in index.shape)) if src.shape != index.shape else src
    flat = ops.reshape(astype(piece, x.dtype), (at.size,))
    added = take_add(flat, IndexArray(at.reshape(-1)), -1, x.size)
    return x + ops.reshape(added, x.shape)


register("index_add", _index_add, ["out = M.index_add(0, tensor([0, 2, 0]), N)",
                                   "out = index_add(x, 0, tensor([1, 1]), y[:2], alpha=2)"])
register("scatter_add", _scatter_add, ["out = M.scatter_add(1, tensor([[0, 0], [2, 1], [1, 1]]), N)",
                                       "out = scatter_add(x, 0, tensor([2, 2]), y * s)"])


# -- where things are: nonzero, argwhere ----------------------------------------------------------

def _nonzero_host(ctx, x) -> np.ndarray:
    x = to_tensor(ctx, x)
    if x.lead:
        raise GradcliError("nonzero of a tensor that differs from point to point cannot be batched",
                           kind="index")
    return np.asarray(backend.to_numpy(x.data))


def _int_tensor(arr: np.ndarray) -> Tensor:
    return Tensor(device_index(arr))


def nonzero_tuple(ctx, x) -> tuple:
    """One int64 tensor of indices per dimension (torch.where(c), np.nonzero)."""
    arr = _nonzero_host(ctx, x)
    return tuple(_int_tensor(i) for i in np.nonzero(np.atleast_1d(arr)))


def _nonzero(ctx, x, *, as_tuple=False):
    """torch.nonzero(x): the indices of the nonzero elements, one row each (n, x.ndim)."""
    if as_tuple:
        return nonzero_tuple(ctx, x)
    return _argwhere(ctx, x)


def _argwhere(ctx, x):
    return _int_tensor(np.argwhere(_nonzero_host(ctx, x)))


def _flatnonzero(ctx, x):
    return _int_tensor(np.flatnonzero(_nonzero_host(ctx, x)))


register("nonzero", _nonzero, ["out = M[nonzero(M > -9)[:, 0], nonzero(M > -9)[:, 1]]",
                               "out = x[torch.nonzero(x > -9, as_tuple=True)] * 2"])
register("nonzero", lambda ctx, x: nonzero_tuple(ctx, x), ["out = M[np.nonzero(M < 9)] * 2"],
         library="numpy")
register("argwhere", _argwhere, ["out = x[argwhere(x < 9)[:, 0]]"])
register("flatnonzero", _flatnonzero, ["out = np.take(M, np.flatnonzero(M > -9)) * 2"], method=False)


def _count_nonzero(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    dim = kwargs.pop("dim", kwargs.pop("axis", args[0] if args else None))
    _no_more("count_nonzero", args[1:], kwargs)
    axes = () if x.nd == 0 else _axes(x, dim)
    nonzero = apply(PRIMITIVES["ne"], x, Tensor(backend.xp.zeros((), dtype=x.dtype)), boolean=True)
    return ops.reduce("sum", astype(nonzero, backend.xp.int64), axes, False)


register("count_nonzero", _count_nonzero, ["out = count_nonzero(M > 0) + x",
                                           "out = M.count_nonzero(dim=1) * x"])


# -- masked_select, torch.select ---------------------------------------------------------------------

def _masked_select(ctx, x, mask):
    """The elements of x where mask (broadcast with it) holds, as a 1-D tensor."""
    x = to_tensor(ctx, x)
    m = _host(mask if isinstance(mask, Tensor) else to_tensor(ctx, mask)).astype(bool)
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        _fail(f"masked_select: the mask of shape {m.shape} does not broadcast with {x.shape}", "shape")
    x = ops.broadcast_to(x, shape)
    return ops.gather(x, labels(shape)[np.broadcast_to(m, shape)])


def _select(ctx, x, dim, index):
    """torch.select(input, dim, index): input[..., index, ...] at dim, that dim removed."""
    x = to_tensor(ctx, x)
    if x.nd == 0:
        _fail("select() cannot be applied to a 0-dim tensor", "shape")
    axis = dim_of(x, dim)
    i = whole_int(index, "select: index")
    n = x.shape[axis]
    if not -n <= i < n:
        _fail(f"select: index {i} is out of range for dimension {axis} of size {n}", "index")
    return ops.index(x, (slice(None),) * axis + (i,))


register("masked_select", _masked_select, ["out = masked_select(M, M > 0.45) * 2",
                                           "out = x.masked_select(tensor([True, False, True]))"])
register("select", _select, ["out = select(M, 1, -1) * x", "out = M.select(0, 1)"])

