"""Reductions over logical axes, and softmax along one axis.

`axes` is a tuple of negative logical axes; `keepdims` as in NumPy.
"""
from __future__ import annotations

from ..tensor import PRIMITIVES, Tensor, apply, constant
from .elementwise import eq, exp, ne, where
from .shape import broadcast_to, reshape
from .table import defop


def _kept(t: Tensor, x: Tensor, axes, keepdims) -> Tensor:
    """A reduced tensor with its reduced axes put back as 1s, then broadcast to x's shape."""
    if not keepdims:
        shape = list(x.shape)
        for a in axes:
            shape[a] = 1
        t = reshape(t, tuple(shape))
    return broadcast_to(t, x.shape)


def _count(x: Tensor, axes) -> int:
    n = 1
    for a in axes:
        n *= x.shape[a]
    return n


def reduce(name: str, x: Tensor, axes: tuple, keepdims: bool) -> Tensor:
    return apply(PRIMITIVES[name], x, axes=tuple(axes), keepdims=bool(keepdims))


def _extremum_mask(ans, x, axes, keepdims):
    """Where x attains its max/min, normalized so that ties share the gradient evenly."""
    hit = eq(x, _kept(ans, x, axes, keepdims))
    return hit / _kept(reduce("sum", hit, axes, True), x, axes, True)


def _prod_others(ans, x, axes, keepdims):
    """d prod / d x_i = product of the other elements, exact also where x has zeros."""
    zero, one, two = constant(0.0, x), constant(1.0, x), constant(2.0, x)
    is_zero = eq(x, zero)
    nonzero_x = where(is_zero, one, x)
    prod_nonzero = _kept(reduce("prod", nonzero_x, axes, True), x, axes, True)
    zeros = _kept(reduce("sum", is_zero, axes, True), x, axes, True)
    # The sum of the slice's zeros is 0, but its derivative is 1 at each zero: written with it,
    # the product of the zeros keeps its own derivative, so the Hessian is exact there too.
    zero_sum = _kept(reduce("sum", where(is_zero, x, zero), axes, True), x, axes, True)
    # x_i nonzero: prod_nonzero / x_i times the zeros' product (1 with none, x_k with one, else 0)
    at_nonzero = prod_nonzero / nonzero_x * where(eq(zeros, zero), one,
                                                  where(eq(zeros, one), zero_sum, zero))
    # x_i a zero: prod_nonzero times the other zeros' product (1, x_l with one other, else 0)
    at_zero = prod_nonzero * where(eq(zeros, one), one, where(eq(zeros, two), zero_sum - x, zero))
    return where(is_zero, at_zero, at_nonzero)


def _safe_div(a, b):
    zero = constant(0.0, b)
    nonzero = ne(b, zero)
    return where(nonzero, a / where(nonzero, b, constant(1.0, b)), zero)


def _logsumexp(xp, x, *, axes, keepdims):
    m = xp.max(x, axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    out = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axes)


def reduction(name, forward, weight, *, saves=None, backward_name=None):
    """A reduction whose derivative is a weighted sum: d ans = sum(weight * d x) over the axes.

    weight(ans, x, axes, keepdims) is a Tensor the shape of x; saves: what it reads (see Op).
    """
    def vjp(g, ans, x, *, axes, keepdims):
        return (_kept(g, x, axes, keepdims) * weight(ans, x, axes, keepdims),)

    def jvp(dots, ans, x, *, axes, keepdims):
        return reduce("sum", dots[0] * weight(ans, x, axes, keepdims), axes, keepdims)

    return defop(name, forward, vjp=vjp, jvp=jvp, backward_name=backward_name, saves=saves)


def _sum_vjp(g, ans, x, *, axes, keepdims):
    return (_kept(g, x, axes, keepdims),)


defop("sum", lambda xp, x, *, axes, keepdims: xp.sum(x, axis=axes, keepdims=keepdims),
      vjp=_sum_vjp, jvp=lambda dots, ans, x, **p: reduce("sum", dots[0], **p), saves=())
defop("mean", lambda xp, x, *, axes, keepdims: xp.mean(x, axis=axes, keepdims=keepdims),
      # an empty slice's gradient is empty: any scale serves, and 1 / 0 must not be computed
      vjp=lambda g, ans, x, *, axes, keepdims: (_kept(g * (1.0 / max(_count(x, axes), 1)), x, axes,
                                                      keepdims),),
      jvp=lambda dots, ans, x, **p: reduce("mean", dots[0], **p), saves=())
reduction("prod", lambda xp, x, *, axes, keepdims: xp.prod(x, axis=axes, keepdims=keepdims),
          _prod_others, saves=("x",))
reduction("amax", lambda xp, x, *, axes, keepdims: xp.max(x, axis=axes, keepdims=keepdims),
          _extremum_mask, saves=("ans", "x"))
reduction("amin", lambda xp, x, *, axes, keepdims: xp.min(x, axis=axes, keepdims=keepdims),
          _extremum_mask, saves=("ans", "x"))
reduction("norm", lambda xp, x, *, axes, keepdims: xp.sqrt(xp.sum(x * x, axis=axes, keepdims=keepdims)),
          lambda ans, x, axes, keepdims: _safe_div(x, _kept(ans, x, axes, keepdims)),
          backward_name="NormBackward1", saves=("ans", "x"))  # d|x| = x/|x|, and 0 at x = 0 as in PyTorch
reduction("logsumexp", _logsumexp,
          lambda ans, x, axes, keepdims: exp(x - _kept(ans, x, axes, keepdims)), saves=("ans", "x"))


# -- softmax along one axis ----------------------------------------------------------------

def _softmax(xp, x, *, axis):
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(g, ans, x, *, axis):
    return (ans * (g - reduce("sum", g * ans, (axis,), True)),)


def _log_softmax_vjp(g, ans, x, *, axis):
    return (g - exp(ans) * reduce("sum", g, (axis,), True),)


defop("softmax", _softmax, vjp=_softmax_vjp,
      jvp=lambda dots, ans, x, *, axis: _softmax_vjp(dots[0], ans, x, axis=axis)[0], saves=("ans",))
defop("log_softmax", lambda xp, x, *, axis: x - _logsumexp(xp, x, axes=(axis,), keepdims=True),
      vjp=_log_softmax_vjp,
      jvp=lambda dots, ans, x, *, axis: dots[0] - reduce("sum", exp(ans) * dots[0], (axis,), True),
      backward_name="LogSoftmaxBackward0", saves=("ans",))
