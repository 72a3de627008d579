"""Indexing with integer arrays and boolean masks: gather (`take`) and its transpose (`take_add`).

Every form of advanced indexing, and gather, take_along_axis, index_select and take, comes down
to one primitive: `take(x, index, axis)` reads x along one logical axis at an integer array of
any shape, and `take_add` adds a gradient back there (scatter-add: an index read twice gets
both contributions). Each is the other's transpose, so Hessians need nothing more.

Where the elements come from is worked out on the host, once, from the shapes and the index
values (which are constants: an index never carries a gradient): `positions` indexes an array
of labels 0..n-1 with NumPy itself, so NumPy's rules for mixing arrays, masks, slices and
`None` are followed exactly; PyTorch's order for an integer among them is one step in front.
"""
from __future__ import annotations

import math

import numpy as np

from ...errors import GradcliError
from .. import backend
from ..tensor import PRIMITIVES, Tensor, apply, astype, check_size
from .elementwise import where
from .shape import broadcast_to, reshape
from .table import defop

# -- the index: on the host and on the device -------------------------------------------------------

class IndexArray:
    """An integer index, worked out on the host: kept there (the sparsity analysis runs the
    forward with NumPy on labels) and copied once to the device the primitives compute on.
    unique: no value repeats, so the transpose may write instead of add."""

    __slots__ = ("device", "host", "unique")

    def __init__(self, host: np.ndarray, unique: bool | None = None):
        self.host = np.ascontiguousarray(host, dtype=np.int64)
        self.device = backend.from_numpy(self.host, backend.dtype_of("int64"))
        self.unique = _unique(self.host) if unique is None else unique

    def on(self, xp):
        return self.host if xp is np else self.device

    @property
    def shape(self) -> tuple:
        return self.host.shape

    def __repr__(self):
        return f"IndexArray(shape={self.host.shape})"


# -- the primitives ----------------------------------------------------------------------------

def take(x: Tensor, index: IndexArray, axis: int) -> Tensor:
    """x read along the negative logical `axis` at `index` (values in range): the result has
    shape x.shape[:axis] + index.shape + x.shape[axis+1:]."""
    return apply(PRIMITIVES["take"], x, index=index, axis=axis)


def take_add(g: Tensor, index: IndexArray, axis: int, size: int) -> Tensor:
    """Zeros with `size` elements along the negative `axis`, and g's slices added at `index`:
    the transpose of take (g has shape pre + index.shape + post)."""
    return apply(PRIMITIVES["take_add"], g, index=index, axis=axis, size=size)


def _take_forward(xp, a, *, index, axis):
    at = a.ndim + axis
    flat = index.on(xp)
    if flat.ndim != 1:
        flat = xp.reshape(flat, (-1,))
    out = xp.take(a, flat, axis=at)
    if len(index.shape) != 1:
        out = xp.reshape(out, tuple(a.shape[:at]) + index.shape + tuple(a.shape[at + 1:]))
    return out


def _take_add_forward(xp, g, *, index, axis, size):
    after = -axis - 1  # axes after the indexed one
    rank = len(index.shape)
    at = g.ndim - after - rank  # where the index's axes start in g
    flat = index.on(xp)
    if rank != 1:
        count = math.prod(index.shape)
        g = xp.reshape(g, tuple(g.shape[:at]) + (count,) + tuple(g.shape[at + rank:]))
        flat = xp.reshape(flat, (-1,))
    return scatter_add(xp, g, flat, at, size, index.unique)


def scatter_add(xp, g, index, at: int, size: int, unique: bool):
    """Zeros with `size` elements along axis `at`, and g[..., i, ...] added at index[i] there."""
    shape = tuple(g.shape[:at]) + (size,) + tuple(g.shape[at + 1:])
    add_at = getattr(getattr(xp, "add", None), "at", None)
    if add_at is not None:  # NumPy and CuPy: in place, in one pass
        out = xp.zeros(shape, dtype=g.dtype)
        key = (slice(None),) * at + (index,)
        if unique:
            out[key] = g
        else:
            add_at(out, key, g)
        return out
    # The Array API has no scatter: a product with the one-hot matrix of the index.
    check_size((index.shape[0], size), "the transpose of indexing")
    one_hot = xp.astype(xp.reshape(index, (-1, 1)) == xp.reshape(xp.arange(size, dtype=index.dtype), (1, -1)),
                        g.dtype)
    moved = xp.moveaxis(g, at, -1) if at != g.ndim - 1 else g
    out = xp.matmul(moved, one_hot)
    return xp.moveaxis(out, -1, at) if at != g.ndim - 1 else out


def _size(x: Tensor, axis: int) -> int:
    return x.shape[axis]


defop("take", _take_forward,
      vjp=lambda g, ans, x, *, index, axis: (take_add(g, index, axis, _size(x, axis)),),
      jvp=lambda dots, ans, x, *, index, axis: take(dots[0], index, axis),
      backward_name="IndexBackward0", saves=())
defop("take_add", _take_add_forward,
      vjp=lambda g, ans, x, *, index, axis, size: (take(g, index, axis),),
      jvp=lambda dots, ans, x, *, index, axis, size: take_add(dots[0], index, axis, size),
      backward_name="IndexPutBackward0", saves=())


# -- host side: which elements --------------------------------------------------------------------

def _unique(flat: np.ndarray) -> bool:
    flat = flat.reshape(-1)
    if flat.size < 2:
        return True
    return np.unique(flat).size == flat.size


def device_index(host: np.ndarray):
    """A host integer array as an int64 array of the device (an index a program sees)."""
    return backend.from_numpy(np.ascontiguousarray(host, dtype=np.int64), backend.dtype_of("int64"))


def labels(shape) -> np.ndarray:
    size = math.prod(shape)
    return np.arange(size, dtype=np.int64).reshape(shape)


def is_advanced(item) -> bool:
    return isinstance(item, np.ndarray)


def positions(shape: tuple, items: tuple, style: str) -> np.ndarray:
    """The flat positions (into an array of `shape`) that x[items] reads, in the result's shape.

    items: ints, slices, None, Ellipsis and host arrays (integer or boolean), at least one an
    array. style 'numpy': NumPy's rules, where an integer among arrays is an array too, so
    x[3, 2:, [1, 3]] puts the array axis first (shape (2, n-2)). 'torch': an integer selects
    first, as PyTorch does (shape (n-2, 2)). Arrays apart from each other (a slice between)
    move their axes to the front in both.
    """
    found = labels(shape)
    if style == "torch" and any(isinstance(i, int) for i in items):
        # PyTorch selects with the integers (and slices, None) first, the arrays then index what
        # is left: arrays become full slices in the first step, and the second step keeps only
        # the axes that survived, with the arrays where they were.
        first, second = [], []
        for item in items:
            if is_advanced(item):
                first.extend([slice(None)] * max(item.ndim if item.dtype == bool else 1, 1))
                second.append(item)
            elif isinstance(item, int):
                first.append(item)
            elif item is None:
                first.append(None)
                second.append(slice(None))
            else:
                first.append(item)
                second.append(slice(None) if item is not Ellipsis else Ellipsis)
        found = _numpy_index(found, tuple(first))
        items = tuple(second)
    return _numpy_index(found, items)


def _numpy_index(array: np.ndarray, items: tuple) -> np.ndarray:
    try:
        return array[items]
    except IndexError as exc:
        raise GradcliError(_index_message(str(exc), array.shape), kind="index") from None


def _index_message(text: str, shape) -> str:
    text = text.replace("out of bounds", "out of range").replace("with size", "of size")
    return f"{text} (shape {tuple(shape)})"


def gather(x: Tensor, at: np.ndarray) -> Tensor:
    """x's elements at flat positions `at` (a host integer array): the result has its shape."""
    check_size(at.shape, "indexing")
    flat = reshape(x, (x.size,))
    return take(flat, IndexArray(at), -1)


def put(x: Tensor, value: Tensor, at: np.ndarray) -> Tensor:
    """x with its elements at flat positions `at` set to value (broadcast to at's shape),
    as a new tensor. Where a position repeats, the last write wins, as in NumPy (PyTorch leaves
    it undefined). Gradients as PyTorch's index_put: none to the overwritten elements of x, and
    each value's own element of the incoming gradient."""
    value = broadcast_to(value, at.shape) if value.shape != at.shape else value
    value = astype(value, x.dtype)  # the target keeps its dtype, as in PyTorch and NumPy
    flat_at = at.reshape(-1)
    value = reshape(value, (flat_at.size,))
    last = _last_writes(flat_at)
    if last is not None:  # repeated positions: keep each one's last value
        value = take(value, IndexArray(last, unique=True), -1)
        flat_at = flat_at[last]
    scattered = take_add(value, IndexArray(flat_at, unique=True), -1, x.size)
    written = np.zeros(x.size, dtype=bool)
    written[flat_at] = True
    hit = Tensor(backend.from_numpy(written.reshape(x.shape), backend.dtype_of("bool")))
    return where(hit, reshape(scattered, x.shape), x)


def _last_writes(flat: np.ndarray) -> np.ndarray | None:
    """The positions in `flat` of each value's last occurrence, in order; None when none repeats."""
    if flat.size < 2:
        return None
    reverse = flat[::-1]
    _, first = np.unique(reverse, return_index=True)
    if first.size == flat.size:
        return None
    return np.sort(flat.size - 1 - first)
