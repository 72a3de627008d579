"""Running sums and products along one axis: cumsum and cumprod.

`axis` is a negative logical axis. The gradient of cumprod is exact where x has zeros (as
PyTorch's cumprod_backward): before the first zero of a slice it is the division formula,
at the first zero the product of the others, after it zero; and it is written so that its
own derivatives hold there too (Hessians; see _cumprod_grad).
"""
from __future__ import annotations

from .. import backend
from ..tensor import PRIMITIVES, Tensor, apply, constant
from .elementwise import where
from .reduce import reduce
from .shape import index
from .table import defop


def cumsum(x: Tensor, axis: int) -> Tensor:
    return apply(PRIMITIVES["cumsum"], x, axis=axis)


def cumprod(x: Tensor, axis: int) -> Tensor:
    return apply(PRIMITIVES["cumprod"], x, axis=axis)


def flip(x: Tensor, axis: int) -> Tensor:
    """x reversed along the negative logical axis (a view: basic indexing)."""
    return index(x, (Ellipsis, slice(None, None, -1)) + (slice(None),) * (-axis - 1))


def _scan(xp, name, a, axis):
    found = getattr(xp, "cumulative_" + name, None)  # the Array API's name (NumPy 2.1+)
    if found is None:
        found = getattr(xp, "cum" + name)  # CuPy
    return found(a, axis=a.ndim + axis)


def _reverse_cumsum(g: Tensor, axis: int) -> Tensor:
    """sum_{k >= i} g_k: the transpose of cumsum."""
    return flip(cumsum(flip(g, axis), axis), axis)


defop("cumsum", lambda xp, a, *, axis: _scan(xp, "sum", a, axis),
      vjp=lambda g, ans, x, *, axis: (_reverse_cumsum(g, axis),),
      jvp=lambda dots, ans, x, *, axis: cumsum(dots[0], axis),
      backward_name="CumsumBackward0", saves=())


class _Zeros:
    """Where each slice of x stands relative to its first zero, as masks of x's dtype."""

    def __init__(self, x: Tensor, axis: int):
        xp = backend.xp
        zero = x.data == 0
        seen = _scan(xp, "sum", xp.astype(zero, xp.int64), axis)  # zeros up to and including k
        first = xp.logical_and(zero, seen == 1)

        def as_mask(b):
            return Tensor(xp.astype(b, x.dtype), x.nd)
        self.before = as_mask(seen == 0)  # strictly before the first zero
        self.first = as_mask(first)  # the first zero itself
        self.from_first = as_mask(seen >= 1)  # the first zero and everything after it
        self.after = as_mask(xp.logical_and(seen >= 1, xp.logical_not(first)))  # strictly after
        self.one = constant(1.0, x)
        self.zero = constant(0.0, x)


def _cumprod_vjp(g, ans, x, *, axis):
    return (_cumprod_grad(g, x, axis, _LEVELS),)


# How many zeros of a slice the gradient keeps as factors of its own (see _cumprod_grad). A
# Hessian entry reads the terms with at most two zeros, so two keep Hessians exact however many
# zeros there are; the gradient itself is exact at any level.
_LEVELS = 2


def _cumprod_grad(g, x, axis, levels):
    """sum_{m >= k} g_m prod_{j <= m, j != k} x_j, written so that its derivatives are right too.

    The first zero x_z of each slice is taken out as a factor: with u = x where x_z is 1,
    the k = z entry is the gradient of cumprod(u) (x_z is not in it), every other entry the
    gradient of cumprod(u) for the weights g_m * x_z from m = z on. Those are 0 in value, but
    their derivative by x_z is not, and the Hessian needs it."""
    if levels == 0:
        return _cumprod_grad_value(g, x, axis)
    z = _Zeros(x, axis)
    u = where(z.first, z.one, x)
    x_z = reduce("sum", where(z.first, x, z.zero), (axis,), True)  # the zero itself, as a factor
    weight = where(z.from_first, x_z, z.one)
    at_zero = _cumprod_grad(g, u, axis, levels - 1)
    elsewhere = _cumprod_grad(g * weight, u, axis, levels - 1)
    return where(z.first, at_zero, elsewhere)


def _cumprod_grad_value(g, x, axis):
    """The gradient's value, exact with zeros (PyTorch's cumprod_backward)."""
    z = _Zeros(x, axis)
    ans = cumprod(x, axis)
    # i before the first zero: d ans_k / d x_i = ans_k / x_i, and ans_k = 0 from the zero on
    safe = where(z.before, x, z.one)
    part_before = _reverse_cumsum(where(z.before, g * ans, z.zero), axis) / safe
    # i at the first zero: (prod_{j<i} x_j) * sum_{k>=i} g_k prod_{i<j<=k} x_j
    left = cumprod(where(z.before, x, z.one), axis)
    right = cumprod(where(z.after, x, z.one), axis)
    part_first = left * reduce("sum", where(z.from_first, g * right, z.zero), (axis,), True)
    return where(z.before, part_before, where(z.first, part_first, z.zero))


def _cumprod_jvp(dots, ans, x, *, axis):
    dot = dots[0]
    z = _Zeros(x, axis)
    safe = where(z.before, x, z.one)
    part_before = ans * cumsum(where(z.before, dot / safe, z.zero), axis)
    # from the first zero on, only that zero's tangent counts: ans_k = x_z * (the others)
    left = cumprod(where(z.before, x, z.one), axis)
    right = cumprod(where(z.after, x, z.one), axis)
    at_zero = reduce("sum", where(z.first, left * dot, z.zero), (axis,), True)
    return where(z.before, part_before, where(z.from_first, at_zero * right, z.zero))


defop("cumprod", lambda xp, x, *, axis: _scan(xp, "prod", x, axis), vjp=_cumprod_vjp,
      jvp=_cumprod_jvp, backward_name="CumprodBackward0", saves=("ans", "x"))
