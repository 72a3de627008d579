"""Reductions (sum, mean, max with indices, norms) and softmax."""
from __future__ import annotations

import math

from ...core import backend, ops
from ...core.tensor import PRIMITIVES, Tensor, apply, astype, constant
from .base import (
    Table,
    ValuesIndices,
    _axes,
    _fail,
    _keepdim,
    _no_more,
    _pop_dim,
    _reduce_axes,
    to_tensor,
)
from .dtypes import input_as

TABLE = Table()
register = TABLE.register


def _reduction(prim, name):
    def impl(ctx, x, *args, **kwargs):
        x = input_as(ctx, x, kwargs)
        dim = _pop_dim(args, kwargs)
        keep = _keepdim(kwargs) if len(args) < 2 else bool(args[1])  # torch.sum(x, 0, True)
        _no_more(name, args[2:], kwargs)
        return ops.reduce(prim, x, _reduce_axes(x, dim), keep)
    return impl


for _name, _prim, _aliases in [("sum", "sum", ()), ("mean", "mean", ()), ("prod", "prod", ()),
                               ("amax", "amax", ()), ("amin", "amin", ()),
                               ("logsumexp", "logsumexp", ())]:
    register(_name, _reduction(_prim, _name),
             [f"out = {_name}(M)", f"out = {_name}(M, 0)", f"out = {_name}(M, dim=1, keepdim=True) * x",
              f"out = M.{_name}(axis=-1)"], aliases=_aliases)


def _max_or_min(name, prim, pairwise):
    reduction = _reduction(prim, name)

    def impl(ctx, x, *args, **kwargs):
        # max(x), max(x, dim), max(x, dim=1): a reduction; max(a, b): elementwise (torch.max(a, b)).
        if args and not isinstance(args[0], (int, tuple, list)) or "other" in kwargs:
            other = kwargs.pop("other", args[0] if args else None)
            return apply(PRIMITIVES[pairwise], to_tensor(ctx, x), to_tensor(ctx, other))
        values = reduction(ctx, x, *args, **kwargs)
        dim = args[0] if args else kwargs.get("dim")
        if "axis" in kwargs or isinstance(dim, bool) or not isinstance(dim, int):
            return values  # NumPy's max(x, axis=...) and a max over all or several axes: values only
        # torch.max(x, dim): (values, indices). The values' gradient still follows the SPEC
        # (shared evenly among ties); PyTorch would send it to the one index.
        x = to_tensor(ctx, x)
        keep = bool(args[1]) if len(args) > 1 else bool(kwargs.get("keepdim", kwargs.get("keepdims")))
        indices = _arg_extreme(x, (_reduce_axes(x, dim) or (-1,))[0], keep, prim)
        return ValuesIndices(values, astype(indices, backend.xp.int64))  # int64, as PyTorch's
    return impl


def _arg_extreme(x: Tensor, axis: int, keep: bool, prim: str) -> Tensor:
    """The index of the first maximum (amax) or minimum (amin) along a negative axis."""
    xp = backend.xp
    if x.nd == 0:
        return Tensor(xp.zeros(x.data.shape, dtype=x.dtype), 0)
    find = xp.argmax if prim == "amax" else xp.argmin
    found = xp.astype(find(x.data, axis=axis, keepdims=keep), x.dtype)
    return Tensor(found, x.nd - (0 if keep else 1))


register("max", _max_or_min("max", "amax", "maximum"),
         ["out = max(M)", "out = max(M, 1)", "out = M.max(dim=0, keepdim=True)", "out = max(x, y)",
          "out = max(x * 0)"])
register("min", _max_or_min("min", "amin", "minimum"), ["out = min(M, 0)", "out = min(x, y)"])
# NumPy's max(x, axis) is the values alone (np.maximum is the elementwise one).
register("max", _reduction("amax", "max"), ["out = np.max(M, 0)", "out = np.max(M, axis=1) * x"],
         library="numpy")
register("min", _reduction("amin", "min"), ["out = np.min(M, 1)", "out = numpy.min(x)"],
         library="numpy")


def _norm(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    p = kwargs.pop("p", kwargs.pop("ord", args[0] if args else 2))
    dim = kwargs.pop("dim", kwargs.pop("axis", args[1] if len(args) > 1 else None))
    keep = _keepdim(kwargs) if len(args) < 3 else bool(args[2])  # torch.norm(x, 2, 1, True)
    _no_more("norm", args[3:], kwargs)
    if p == "nuc":  # torch.norm(A, 'nuc'): the nuclear norm of the last two axes (or of dim)
        return _matrix_norm(ctx, x, "nuc", (-2, -1) if dim is None else dim, keep)
    return vector_norm(x, p, _reduce_axes(x, dim), keep)


def vector_norm(x: Tensor, p, axes: tuple, keep: bool) -> Tensor:
    """The p-norm over axes: 0 (a count, no gradient), 1, 2, inf, -inf or any positive p."""
    if p in (0, 0.0):  # the number of nonzeros: no gradient, as in PyTorch
        return ops.reduce("sum", apply(PRIMITIVES["ne"], x, constant(0.0, x)), axes, keep)
    if p in (2, 2.0, "fro", None):
        return ops.reduce("norm", x, axes, keep)
    if p in (1, 1.0):
        return ops.reduce("sum", apply(PRIMITIVES["abs"], x), axes, keep)
    if p == math.inf or p == "inf":
        return ops.reduce("amax", apply(PRIMITIVES["abs"], x), axes, keep)
    if p == -math.inf:
        return ops.reduce("amin", apply(PRIMITIVES["abs"], x), axes, keep)
    if isinstance(p, (int, float)) and p > 0:
        total = ops.reduce("sum", apply(PRIMITIVES["abs"], x) ** float(p), axes, keep)
        # The root's derivative is infinite at 0; PyTorch's norm has gradient 0 there. Rooting a
        # 1 in its place keeps inf * 0 = NaN out of the backward pass.
        zero = apply(PRIMITIVES["eq"], total, constant(0.0, total))
        safe = apply(PRIMITIVES["where"], zero, constant(1.0, total), total)
        return apply(PRIMITIVES["where"], zero, constant(0.0, total), safe ** (1.0 / p))
    _fail(f"norm: p={p!r} is not supported (use 1, 2, inf, 'fro' or a positive number)")


def _matrix_norm(ctx, x, *args, **kwargs):
    """linalg.matrix_norm(A, ord='fro', dim=(-2, -1)): 'fro', 1, -1, inf, -inf (max/min of the
    absolute column or row sums), 2, -2, 'nuc' (largest, smallest, sum of the singular values)."""
    x = to_tensor(ctx, x)
    p = kwargs.pop("ord", args[0] if args else "fro")
    dim = kwargs.pop("dim", kwargs.pop("axis", args[1] if len(args) > 1 else (-2, -1)))
    keep = _keepdim(kwargs) if len(args) < 3 else bool(args[2])
    _no_more("matrix_norm", args[3:], kwargs)
    if x.nd < 2 or not isinstance(dim, (tuple, list)) or len(dim) != 2:
        _fail(f"matrix_norm needs a matrix and two dims, got shape {x.shape} and dim={dim!r}", "shape")
    rows, cols = (_axes(x, d)[0] for d in dim)
    if p == "fro":
        return ops.reduce("norm", x, tuple(sorted((rows, cols))), keep)
    if p in (2, -2, "nuc"):
        from ...core.ops.decompositions import singular_value_norm  # noqa: PLC0415
        return singular_value_norm(x, p, rows, cols, keep)
    if p not in (1, -1, math.inf, -math.inf):
        _fail(f"matrix_norm: ord={p!r} is not supported (use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf)")
    summed, over = (rows, cols) if p in (1, -1) else (cols, rows)  # 1: column sums; inf: row sums
    sums = ops.reduce("sum", apply(PRIMITIVES["abs"], x), (summed,), True)
    out = ops.reduce("amax" if p > 0 else "amin", sums, (over,), True)
    return out if keep else ops.reshape(out, tuple(d for i, d in enumerate(x.shape)
                                                   if i - x.nd not in (rows, cols)))


def _linalg_norm(ctx, x, *args, **kwargs):
    """torch.linalg.norm / np.linalg.norm: a vector norm over one dim (or all, with no ord),
    a matrix norm over two dims (or of a matrix given an ord)."""
    x = to_tensor(ctx, x)
    p = kwargs.pop("ord", args[0] if args else None)
    dim = kwargs.pop("dim", kwargs.pop("axis", args[1] if len(args) > 1 else None))
    keep = _keepdim(kwargs) if len(args) < 3 else bool(args[2])
    _no_more("linalg.norm", args[3:], kwargs)
    two = isinstance(dim, (tuple, list)) and len(dim) == 2
    if two or (dim is None and p is not None and x.nd == 2):
        return _matrix_norm(ctx, x, "fro" if p is None else p, dim or (-2, -1), keep)
    if dim is None and p is not None and x.nd != 1:
        _fail(f"linalg.norm with ord={p!r} needs a 1-D or 2-D tensor, got shape {x.shape} "
              "(give dim)", "shape")
    return _norm(ctx, x, 2 if p is None else p, dim, keep)


register("linalg.norm", _linalg_norm, ["out = linalg.norm(M, 1)", "out = torch.linalg.norm(M, -inf)",
                                       "out = np.linalg.norm(x, 3)", "out = linalg.norm(M, dim=1)",
                                       "out = linalg.norm(M)"], method=False)
register("linalg.matrix_norm", _matrix_norm, ["out = linalg.matrix_norm(M)", "out = linalg.matrix_norm(M, inf)"],
         method=False)
register("linalg.vector_norm", _norm, ["out = linalg.vector_norm(x, 3)"], method=False)
register("norm", _norm, ["out = norm(x)", "out = norm(M, dim=1)", "out = norm(M, 1)",
                         "out = norm(x, p=3)", "out = x.norm()", "out = norm(M, inf)",
                         "out = norm(x * 0) + x.sum()"])


# -- softmax and friends ---------------------------------------------------------------------

def _softmax(prim):
    def impl(ctx, x, *args, **kwargs):
        x = input_as(ctx, x, kwargs)
        dim = _pop_dim(args, kwargs)
        _no_more(prim, args[1:], kwargs)
        if dim is None:  # PyTorch's implicit dim (deprecated there): 0 for 0-, 1- and 3-D, else 1
            dim = 0 if x.nd in (0, 1, 3) else 1
        if x.nd == 0:
            x = ops.reshape(x, (1,))
            return ops.reshape(apply(PRIMITIVES[prim], x, axis=-1), ())
        return apply(PRIMITIVES[prim], x, axis=_axes(x, dim)[0])
    return impl


softmax = _softmax("softmax")
register("softmax", softmax, ["out = softmax(x) * y", "out = softmax(M, dim=0) * M"])
register("log_softmax", _softmax("log_softmax"), ["out = log_softmax(x) * y",
                                                  "out = log_softmax(M, 0) * M"])


# -- NaN-ignoring sums, counts and truth ------------------------------------------------------------

def _nan_reduction(name, mean):
    def impl(ctx, x, *args, **kwargs):
        """nansum / nanmean: NaNs count as 0 and pass no gradient; nanmean divides by the number
        of values that are not NaN (both libraries)."""
        x = to_tensor(ctx, x)
        dim = _pop_dim(args, kwargs)
        keep = _keepdim(kwargs) if len(args) < 2 else bool(args[1])
        _no_more(name, args[2:], kwargs)
        axes = _reduce_axes(x, dim)
        nan = apply(PRIMITIVES["ne"], x, x)
        summed = ops.reduce("sum", apply(PRIMITIVES["where"], nan, constant(0.0, x), x), axes, keep)
        if not mean:
            return summed
        return summed / ops.reduce("sum", 1.0 - nan, axes, keep)
    return impl


def _floating(ctx, x) -> Tensor:
    """x in the working float dtype, for counting and truth (which have no gradient): a mask or
    an integer tensor counts as its 0s and 1s."""
    x = to_tensor(ctx, x)
    if x.dtype != ctx.dtype and x.dtype not in (backend.xp.float32, backend.xp.float64):
        return Tensor(backend.xp.astype(x.data, ctx.dtype), x.nd)
    return x


def _truth(name):
    def impl(ctx, x, *args, **kwargs):
        """all / any: booleans, as comparisons give, over all dims or dim/axis.
        NaN is true, as in both libraries; all of nothing is 1, any of nothing 0."""
        x = _floating(ctx, x)
        dim = _pop_dim(args, kwargs)
        keep = _keepdim(kwargs) if len(args) < 2 else bool(args[1])
        _no_more(name, args[2:], kwargs)
        test = "eq" if name == "all" else "ne"  # all: no zero; any: some nonzero
        found = ops.reduce("sum", apply(PRIMITIVES[test], x, constant(0.0, x)), _reduce_axes(x, dim), keep)
        return apply(PRIMITIVES["eq" if name == "all" else "gt"], found, constant(0.0, found),
                     boolean=True)
    return impl


register("nansum", _nan_reduction("nansum", False),
         ["out = nansum(M)", "out = torch.nansum(M, 1) * x", "out = np.nansum(M, axis=0, keepdims=True) * M"])
register("nanmean", _nan_reduction("nanmean", True),
         ["out = nanmean(M, dim=(0, 1))", "out = np.nanmean(M, 0) * x", "out = M.nanmean(1, True) * M"])
register("all", _truth("all"), ["out = all(M > 0) * x + M.all(dim=1) * x", "out = np.all(M, axis=0) * x"])
register("any", _truth("any"), ["out = any(M > 0) * x + torch.any(M > 5, 0) * x",
                                "out = np.any(M > 0, axis=1, keepdims=True) * M"])


# -- scipy.special.logsumexp: weights b= and return_sign= -----------------------------------------

def _scipy_logsumexp(ctx, a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) over axis, b weighting each term (a term with b = 0 is left out,
    as SciPy does); a negative sum is NaN unless return_sign, which gives (log|sum|, sign)."""
    x = to_tensor(ctx, a)
    axes = _reduce_axes(x, axis)
    if b is None and not return_sign:
        return ops.reduce("logsumexp", x, axes, bool(keepdims))
    weight = constant(1.0, x) if b is None else to_tensor(ctx, b)
    where = PRIMITIVES["where"]
    present = apply(PRIMITIVES["ne"], weight, constant(0.0, weight))
    terms = apply(where, present, x, constant(-math.inf, x))
    # The shift is the largest exponent among the terms (a constant: it cancels exactly).
    if x.size == 0:  # no terms: the sum is 0, its log -inf (SciPy)
        top = Tensor(backend.xp.zeros(ops.reduce("sum", terms, axes, True).data.shape, dtype=x.dtype),
                     x.nd)
    else:
        top = apply(PRIMITIVES["detach"], ops.reduce("amax", terms, axes, True))
    finite = apply(PRIMITIVES["eq"], top - top, constant(0.0, top))
    top = apply(where, finite, top, constant(0.0, top))
    scaled = apply(where, present, weight * ops.exp(terms - top), constant(0.0, x))
    total = ops.reduce("sum", scaled, axes, True)
    if return_sign:
        sign = apply(PRIMITIVES["sign"], total)
        magnitude = apply(PRIMITIVES["abs"], total)
    else:
        sign, magnitude = None, total
    out = ops.log(magnitude) + top
    if not keepdims:
        shape = tuple(d for i, d in enumerate(x.shape) if i - x.nd not in axes)
        out = ops.reshape(out, shape)
        sign = None if sign is None else ops.reshape(sign, shape)
    return out if sign is None else (out, sign)


register("logsumexp", _scipy_logsumexp,
         ["out = scipy.special.logsumexp(M)", "out = special.logsumexp(M, axis=1, b=N * N) * x",
          "out = scipy.special.logsumexp(x, b=y * y, keepdims=True)",
          "r, s = scipy.special.logsumexp(M, axis=0, b=N, return_sign=True); out = r * s"],
         library="scipy")
# jax.nn.logsumexp and jax.scipy.special.logsumexp take SciPy's arguments (jax. calls are NumPy's).
register("logsumexp", _scipy_logsumexp, ["out = jax.nn.logsumexp(M, axis=0, b=N * N) * x"],
         library="numpy")


# -- round(decimals=) --------------------------------------------------------------------------------

def _round(ctx, x, decimals=0, out=None):
    """Half to even, to `decimals` places (negative: tens, hundreds...), as both libraries do it:
    round(x * 10^d) / 10^d, or round(x / 10^-d) * 10^-d. No gradient."""
    if out is not None:
        _fail("round: out= is not supported (bind the result to a name)")
    x = to_tensor(ctx, x)
    places = decimals if isinstance(decimals, int) and not isinstance(decimals, bool) else None
    if places is None:
        _fail(f"round: decimals must be an integer, got {decimals!r}")
    rint = PRIMITIVES["round"]
    if places == 0:
        return apply(rint, x)
    if places > 0:
        scale = 10.0 ** places
        return apply(rint, x * scale) / scale
    scale = 10.0 ** -places
    return apply(rint, x / scale) * scale


# Replaces the elementwise family's round, which takes no decimals.
register("round", _round, ["out = round(M * 10) * x", "out = torch.round(M, decimals=1) + M",
                           "out = np.round(x * 100, -1) * y + x.round(decimals=2)"],
         aliases=["around"])
