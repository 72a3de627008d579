"""Statistics over dims, each with its library's conventions where NumPy and PyTorch differ.

- var / std: `torch.var(x)` and `x.var()` divide by n - 1 (correction=1, or unbiased=True);
  `np.var(x)` by n (ddof=0). Both take the other spelling too (`correction=`, `ddof=`).
- median: `torch.median(x)` is the lower of the two middle values, its gradient shared evenly
  among the elements equal to it; `torch.median(x, dim)` gives (values, indices) and sends the
  gradient to that one index. `np.median` averages the two middle values.
- quantile: the same in both (linear interpolation by default, 'lower', 'higher', 'nearest',
  'midpoint'); NumPy spells the option method=, PyTorch interpolation=.

All are composites: an element's rank comes from sorting the data (a constant, as PyTorch's
sort indices are), and a one-hot mask of that rank selects it with `where`, so the gradient
goes to the selected element and Hessians are exact. Among tied elements the one selected is
the first in a stable sort; PyTorch's sort is not stable, so for ties it may pick another.
"""
from __future__ import annotations

import math

from ...core import backend, ops
from ...core.tensor import PRIMITIVES, Tensor, apply
from .activations import compare, fill, number, unary, where
from .base import (
    Table,
    ValuesIndices,
    _fail,
    _int,
    _keepdim,
    _no_more,
    _reduce_axes,
    to_tensor,
)

TABLE = Table()
register = TABLE.register


def _count(x: Tensor, axes) -> int:
    n = 1
    for a in axes:
        n *= x.shape[a]
    return n


def _restore(t: Tensor, x: Tensor, axes, keep: bool) -> Tensor:
    """A reduction's result with keepdim: the reduced axes back as 1s."""
    if not keep:
        return t
    return ops.reshape(t, tuple(1 if i - x.nd in axes else d for i, d in enumerate(x.shape)))


# -- var and std ----------------------------------------------------------------------------------

def variance(x: Tensor, axes: tuple, correction: float, keep: bool) -> Tensor:
    """sum((x - mean)^2) / (n - correction): NaN or inf, with a warning, when n <= correction
    (as in both libraries)."""
    d = x - ops.reduce("mean", x, axes, True)
    squares = ops.reduce("sum", d * d, axes, keep)
    return squares / float(max(_count(x, axes) - correction, 0))


def deviation(var: Tensor) -> Tensor:
    """sqrt(var), with gradient 0 where var = 0 (PyTorch), not inf * 0."""
    zero = compare("eq", var, 0.0)
    return where(zero, fill(var, 0.0), unary("sqrt", where(zero, fill(var, 1.0), var)))


def _torch_var_args(name, x, args, kwargs) -> tuple:
    """torch.var(x, dim=None, *, correction=1, keepdim=False), and the legacy
    torch.var(x, unbiased) and torch.var(x, dim, unbiased, keepdim)."""
    dim, unbiased, keep = None, kwargs.pop("unbiased", None), None
    args = list(args)
    if args and isinstance(args[0], bool):  # var(x, False)
        unbiased = args.pop(0)
    elif args:
        dim = args.pop(0)
        if args:  # var(x, dim, unbiased, keepdim)
            unbiased = args.pop(0)
            if args:
                keep = bool(args.pop(0))
    dim = kwargs.pop("dim", kwargs.pop("axis", dim))
    keep = _keepdim(kwargs) if keep is None else keep
    correction = kwargs.pop("correction", None)
    _no_more(name, args, kwargs)
    if correction is not None and unbiased is not None:
        _fail(f"{name}: give correction= or unbiased=, not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return _reduce_axes(x, dim), number(correction, f"{name}: correction"), keep


def _numpy_var_args(name, x, args, kwargs) -> tuple:
    """np.var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=)."""
    names = ("axis", "dtype", "out", "ddof", "keepdims")
    if len(args) > len(names):
        _fail(f"np.{name}() takes at most {len(names) + 1} positional arguments")
    given = dict(zip(names, args))
    for key in given:
        if key in kwargs:
            _fail(f"np.{name}() got {key} twice")
    kwargs = {**kwargs, **given}
    if kwargs.pop("out", None) is not None:
        _fail(f"np.{name}: out= is not supported (bind the result to a name)")
    kwargs.pop("dtype", None)
    axis = kwargs.pop("axis", None)
    ddof, correction = kwargs.pop("ddof", None), kwargs.pop("correction", None)
    keep = bool(kwargs.pop("keepdims", False))
    _no_more(f"np.{name}", (), kwargs)
    if ddof is not None and correction is not None:
        _fail(f"np.{name}: give ddof= or correction=, not both")
    ddof = ddof if ddof is not None else correction if correction is not None else 0
    return _reduce_axes(x, axis), number(ddof, f"np.{name}: ddof"), keep


def _var(parse, name, root=False):
    def impl(ctx, x, *args, **kwargs):
        x = to_tensor(ctx, x)
        axes, correction, keep = parse(name, x, args, dict(kwargs))
        var = variance(x, axes, correction, keep)
        return deviation(var) if root else var
    return impl


def _var_mean(root):
    """torch.var_mean / std_mean: (var or std, mean), with var's arguments."""
    name = "std_mean" if root else "var_mean"

    def impl(ctx, x, *args, **kwargs):
        x = to_tensor(ctx, x)
        axes, correction, keep = _torch_var_args(name, x, args, dict(kwargs))
        var = variance(x, axes, correction, keep)
        return (deviation(var) if root else var), ops.reduce("mean", x, axes, keep)
    return impl


# -- ranks: selecting the k-th smallest along the last axis ------------------------------------------

def _to_last(x: Tensor, axes: tuple) -> Tensor:
    """x with the reduced axes moved to the end and merged into one."""
    rest = [i for i in range(x.nd) if i - x.nd not in axes]
    moved = [i for i in range(x.nd) if i - x.nd in axes]
    if moved != list(range(x.nd - len(moved), x.nd)):
        x = ops.permute(x, tuple(rest + moved))
    kept = tuple(x.shape[:len(rest)])
    return ops.reshape(x, kept + (_count_shape(x.shape[len(rest):]),))


def _count_shape(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


class Ranked:
    """x (reduced axes last and merged) with its sort order along that axis, and per slice
    the number of values that are not NaN (NaNs sort last)."""

    def __init__(self, x: Tensor):
        xp = backend.xp
        self.x = x
        self.n = x.shape[-1]
        self.order = xp.argsort(x.data, axis=-1, stable=True)
        self.nan = apply(PRIMITIVES["ne"], x, x)
        self.valid = self.n - ops.reduce("sum", self.nan, (-1,), True)  # a constant, (..., 1)

    def pick(self, rank: Tensor) -> Tensor:
        """The element of each slice at a rank (a constant of whole numbers, shape (..., 1),
        clipped into range), selected with where: its gradient goes to that one element.
        rank may have more slices than x (several quantiles): x is broadcast to them."""
        xp = backend.xp
        if self.n == 0:  # nothing to pick: NaN, as both libraries give for an empty slice
            return Tensor(xp.full(rank.data.shape[:-1], math.nan, dtype=self.x.dtype), rank.nd - 1)
        index = self._index(rank)
        one_hot = Tensor(xp.astype(index == xp.arange(self.n, dtype=index.dtype), self.x.dtype),
                         rank.nd)
        return ops.reduce("sum", where(one_hot, self.x, fill(self.x, 0.0)), (-1,), False)

    def _index(self, rank: Tensor):
        """Per slice, the position along the axis of the element at the rank (shape (..., 1))."""
        import numpy as np  # noqa: PLC0415 - shape arithmetic only
        xp = backend.xp
        position = xp.astype(xp.clip(rank.data, 0, max(self.n - 1, 0)), self.order.dtype)
        # Logical ranks are equal, so the raw shapes (lead axes in front) align from the right.
        slices = np.broadcast_shapes(tuple(position.shape[:-1]), tuple(self.order.shape[:-1]))
        order = xp.broadcast_to(self.order, slices + (self.n,))
        return xp.take_along_axis(order, xp.broadcast_to(position, slices + (1,)), axis=-1)

    def indices(self, rank: Tensor) -> Tensor:
        """The positions of the elements at a rank, as a constant of the float dtype (the
        indices of torch.median(x, dim)), without the axis."""
        found = Tensor(backend.xp.astype(self._index(rank), self.x.dtype), rank.nd)
        return ops.reshape(found, found.shape[:-1])

    def any_nan(self) -> Tensor:
        return compare("gt", ops.reduce("sum", self.nan, (-1,), False), 0.0)


def _whole(t: Tensor, op: str) -> Tensor:
    """floor or ceil of a constant rank (no gradient: ranks are constants)."""
    return apply(PRIMITIVES[op], unary("detach", t))


def _nan_where(mask: Tensor, value: Tensor) -> Tensor:
    return where(mask, fill(value, math.nan), value)


# -- median -------------------------------------------------------------------------------------------

def _median_all(x: Tensor, ignore_nan: bool) -> Tensor:
    """torch.median(x) / nanmedian(x): the lower median of all elements, its gradient shared
    evenly among the elements equal to it (PyTorch's evenly_distribute_backward)."""
    flat = ops.reshape(x, (x.size,))
    ranked = Ranked(flat)
    fixed = unary("detach", ops.reshape(ranked.pick(_whole((ranked.valid - 1.0) * 0.5, "floor")), ()))
    ties = apply(PRIMITIVES["eq"], flat, fixed)
    count = ops.reduce("sum", ties, (-1,), False)
    none = compare("eq", count, 0.0)  # every element NaN, or no element at all
    # The value stays exactly the median; its gradient is the mean over the tied elements.
    spread = ops.reduce("sum", where(ties, flat - unary("detach", flat), fill(flat, 0.0)), (-1,), False)
    value = fixed + spread / where(none, fill(count, 1.0), count)
    return _nan_where(none if ignore_nan else none + ranked.any_nan(), value)


def _torch_median(ignore_nan: bool):
    name = "nanmedian" if ignore_nan else "median"

    def impl(ctx, x, *args, **kwargs):
        """median(x): a number; median(x, dim, keepdim=False): (values, indices)."""
        x = to_tensor(ctx, x)
        dim = kwargs.pop("dim", args[0] if args else None)
        keep = bool(args[1]) if len(args) > 1 else _keepdim(kwargs)
        _no_more(name, args[2:], kwargs)
        if dim is None:
            return _median_all(x, ignore_nan)
        axes = _reduce_axes(x, _int(dim, f"{name}: dim"))
        if axes and x.shape[axes[0]] == 0:
            _fail(f"{name}: dim {dim} has size 0: there is no median to index", "shape")
        ranked = Ranked(_to_last(x, axes) if axes else ops.reshape(x, (1,)))
        rank = _whole((ranked.valid - 1.0) * 0.5, "floor")
        values = ranked.pick(rank)
        if not ignore_nan:
            values = _nan_where(ranked.any_nan(), values)
        else:
            values = _nan_where(compare("eq", ops.reshape(ranked.valid, values.shape), 0.0), values)
        indices = ranked.indices(rank)
        if not axes:
            values, indices = ops.reshape(values, ()), ops.reshape(indices, ())
        return ValuesIndices(_restore(values, x, axes, keep), _restore(indices, x, axes, keep))
    return impl


def _numpy_median(ignore_nan: bool):
    name = "nanmedian" if ignore_nan else "median"

    def impl(ctx, a, axis=None, out=None, overwrite_input=False, keepdims=False):
        """np.median: the mean of the two middle values (one, for an odd count)."""
        if out is not None:
            _fail(f"np.{name}: out= is not supported (bind the result to a name)")
        x = to_tensor(ctx, a)
        axes = _reduce_axes(x, axis)
        ranked = Ranked(_to_last(x, axes) if axes else ops.reshape(x, (1,)))
        low = ranked.pick(_whole((ranked.valid - 1.0) * 0.5, "floor"))
        high = ranked.pick(_whole(ranked.valid * 0.5, "floor"))
        value = (low + high) * 0.5
        bad = compare("eq", ops.reshape(ranked.valid, value.shape), 0.0)
        value = _nan_where(bad if ignore_nan else bad + ranked.any_nan(), value)
        if not axes:
            value = ops.reshape(value, ())
        return _restore(value, x, axes, bool(keepdims))
    return impl


# -- quantile -----------------------------------------------------------------------------------------

METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def quantile(ctx, x: Tensor, q, axes: tuple, keep: bool, method: str, ignore_nan: bool,
             name: str) -> Tensor:
    """The q-th quantile over axes; q a number or a 1-D tensor, whose axis then comes first in
    the result (both libraries). Linear interpolation is differentiable in q, as in PyTorch."""
    if method not in METHODS:
        _fail(f"{name}: interpolation must be one of {', '.join(METHODS)}, got {method!r}")
    q = to_tensor(ctx, q)
    if q.nd > 1:
        _fail(f"{name}: q must be a number or a 1-D tensor, got shape {q.shape}", "shape")
    _check_q(name, q)
    flat = _to_last(x, axes) if axes else ops.reshape(x, (1,))
    rest = flat.shape[:-1]
    front = (q.size,) if q.nd == 1 else ()
    if front:  # each quantile a slice of its own, in front
        flat = ops.reshape(flat, (1,) + flat.shape)
    ranked = Ranked(flat)
    q = ops.reshape(q, front + (1,) * (len(rest) + 1) if front else (1,) * (len(rest) + 1))
    position = q * (ranked.valid - 1.0)  # (front..., rest..., 1)
    below, above = _whole(position, "floor"), _whole(position, "ceil")
    if method == "lower":
        value = ranked.pick(below)
    elif method == "higher":
        value = ranked.pick(above)
    elif method == "nearest":  # half to even, in both libraries
        value = ranked.pick(apply(PRIMITIVES["round"], unary("detach", position)))
    else:
        weight = position - below
        if method == "midpoint":
            weight = where(compare("eq", weight, 0.0), fill(weight, 0.0), fill(weight, 0.5))
        value = _lerp(ranked.pick(below), ranked.pick(above), ops.reshape(weight, weight.shape[:-1]))
    missing = compare("eq", ops.reshape(ranked.valid, ranked.valid.shape[:-1]), 0.0)
    value = _nan_where(missing if ignore_nan else missing + ranked.any_nan(), value)
    if keep:
        value = ops.reshape(value, front + tuple(1 if i - x.nd in axes else d
                                                 for i, d in enumerate(x.shape)))
    return value


def _lerp(a: Tensor, b: Tensor, w: Tensor) -> Tensor:
    """a + w (b - a), from the nearer end (as torch.lerp and NumPy's quantile compute it)."""
    diff = b - a
    return where(compare("lt", w, 0.5), a + diff * w, b - diff * (1.0 - w))


def _check_q(name, q: Tensor) -> None:
    import numpy as np  # noqa: PLC0415 - a few numbers, checked on the host
    host = np.asarray(backend.to_numpy(q.data), dtype=np.float64)
    if not ((host >= 0) & (host <= 1)).all():
        _fail(f"{name}: q must be in [0, 1], got {host[~((host >= 0) & (host <= 1))].flat[0]!r}")


def _torch_quantile(ignore_nan: bool):
    name = "nanquantile" if ignore_nan else "quantile"

    def impl(ctx, x, q, dim=None, keepdim=False, *, interpolation="linear"):
        x = to_tensor(ctx, x)
        axes = _reduce_axes(x, None if dim is None else _int(dim, f"{name}: dim"))
        return quantile(ctx, x, q, axes, bool(keepdim), interpolation, ignore_nan, name)
    return impl


def _numpy_quantile(ignore_nan: bool, scale: float = 1.0):
    name = ("nan" if ignore_nan else "") + ("percentile" if scale != 1 else "quantile")

    def impl(ctx, a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, interpolation=None):
        if out is not None:
            _fail(f"np.{name}: out= is not supported (bind the result to a name)")
        x = to_tensor(ctx, a)
        q = to_tensor(ctx, q)
        if scale != 1:
            q = q * scale
        return quantile(ctx, x, q, _reduce_axes(x, axis), bool(keepdims),
                        interpolation or method, ignore_nan, f"np.{name}")
    return impl


# -- the table ------------------------------------------------------------------------------------

register("var", _var(_torch_var_args, "var"),
         ["out = var(M)", "out = M.var(0)", "out = torch.var(M, dim=1, correction=0, keepdim=True) * M",
          "out = x.var(unbiased=False)", "out = torch.var(M, 1, False, True) * x"])
register("std", _var(_torch_var_args, "std", root=True),
         ["out = std(M)", "out = M.std(dim=(0, 1), correction=2)", "out = torch.std(x, 0, True)"])
register("var", _var(_numpy_var_args, "var"),
         ["out = np.var(M)", "out = np.var(M, 0, ddof=1) * x", "out = np.var(M, axis=1, keepdims=True) * M"],
         library="numpy")
register("std", _var(_numpy_var_args, "std", root=True),
         ["out = np.std(M, axis=0)", "out = numpy.std(x, ddof=1)", "out = np.std(M, correction=1)"],
         library="numpy")
register("var_mean", _var_mean(False),
         ["v, m = torch.var_mean(M, 1); out = v * m", "v, m = torch.var_mean(x, correction=0); out = v + m"],
         method=False)
register("std_mean", _var_mean(True), ["s, m = torch.std_mean(M, dim=0, keepdim=True); out = s * m"],
         method=False)
register("median", _torch_median(False),
         ["out = median(M)", "out = torch.median(M, 1).values * x", "v, i = M.median(dim=0, keepdim=True); out = v * M",
          "out = median(x) * x"])
register("nanmedian", _torch_median(True), ["out = torch.nanmedian(M)", "out = M.nanmedian(1)[0]"])
register("median", _numpy_median(False),
         ["out = np.median(M)", "out = np.median(M, axis=0) * x", "out = np.median(x, keepdims=True)",
          "out = np.median(M, axis=(0, 1))"], library="numpy")
register("nanmedian", _numpy_median(True), ["out = np.nanmedian(M, 1)"], library="numpy")
register("quantile", _torch_quantile(False),
         ["out = torch.quantile(M, 0.3)", "out = M.quantile(tensor([0.2, 0.5, 0.9]), dim=1)",
          "out = torch.quantile(x, s * 0 + 0.4, interpolation='midpoint')",
          "out = torch.quantile(M, 0.7, 0, True, interpolation='nearest') * M",
          "out = torch.quantile(M, tensor([0.25, 0.75]), dim=0, keepdim=True, interpolation='lower')"])
register("nanquantile", _torch_quantile(True), ["out = torch.nanquantile(M, 0.3, dim=0)"])
register("quantile", _numpy_quantile(False),
         ["out = np.quantile(M, 0.3)", "out = np.quantile(M, [0.1, 0.6], axis=1, method='higher')",
          "out = np.quantile(M, 0.5, axis=0, keepdims=True) * M"], library="numpy")
register("nanquantile", _numpy_quantile(True), ["out = np.nanquantile(x, 0.8)"], library="numpy")
register("percentile", _numpy_quantile(False, 0.01), ["out = np.percentile(M, 30, axis=0)"],
         library="numpy")
register("nanpercentile", _numpy_quantile(True, 0.01), ["out = np.nanpercentile(M, [30, 70])"],
         library="numpy")
