"""Division: div and its rounding modes, % and remainder (the divisor's sign), fmod (the
dividend's), //.

Gradients as PyTorch's: remainder and fmod pass d/dx = 1, and d/dy = -floor(x / y) for
remainder, -trunc(x / y) for fmod. Floor division is a step function, with gradient zero, as
floor (PyTorch's floor_divide refuses to differentiate; its div(..., rounding_mode='floor')
gives zero, as here). Integer operands stay integers: 7 // 2 is 3, idx % 3 an index.
"""
from __future__ import annotations

from ...core.tensor import PRIMITIVES, apply
from .base import Table, _fail, _no_more, to_tensor
from .dtypes import operand

TABLE = Table()
register = TABLE.register


def _binary(prim):
    def impl(ctx, x, other, **kwargs):
        _no_more(prim, (), kwargs)
        return apply(PRIMITIVES[prim], operand(ctx, x, other), operand(ctx, other, x))
    return impl


def _unary(prim):
    def impl(ctx, x, **kwargs):
        _no_more(prim, (), kwargs)
        return apply(PRIMITIVES[prim], to_tensor(ctx, x))
    return impl


def _div(ctx, x, other, rounding_mode=None, **kwargs):
    """torch.div(x, y, rounding_mode=None | 'trunc' | 'floor'): true division, or its quotient
    rounded toward zero or down, whose gradient is zero (as PyTorch's)."""
    _no_more("div", (), kwargs)
    if rounding_mode is None:
        return _binary("div")(ctx, x, other)
    if rounding_mode == "floor":
        return _binary("floor_divide")(ctx, x, other)
    if rounding_mode == "trunc":
        return apply(PRIMITIVES["trunc"], _binary("div")(ctx, x, other))
    _fail(f"div: rounding_mode must be None, 'trunc' or 'floor', not {rounding_mode!r}")


def _divmod(ctx, x, y):
    """np.divmod(x, y): (x // y, x % y)."""
    return (_binary("floor_divide")(ctx, x, y), _binary("remainder")(ctx, x, y))


register("div", _div, ["out = div(M, x.abs() + 1)", "out = x / (y.abs() + 1)",
                       "out = torch.div(M * 3, x.abs() + 0.2, rounding_mode='floor') * M + x",
                       "out = x.div(0.3, rounding_mode='trunc') * y + x / 2"],
         aliases=["divide", "true_divide"])
register("remainder", _binary("remainder"), ["out = remainder(x, 0.7) * y", "out = x % (y.abs() + 0.2)",
                                             "out = M.remainder(x.abs() + 0.5)", "out = (2.5 * s) % x"],
         aliases=["mod"])
register("fmod", _binary("fmod"), ["out = fmod(x * 3, 0.7) * y", "out = torch.fmod(M, x.abs() + 0.4)",
                                   "out = np.fmod(s * 3, x)"])
register("floor_divide", _binary("floor_divide"), ["out = floor_divide(x, 0.3) * y + x",
                                                   "out = (M // (x.abs() + 0.2)) * M"])
register("trunc", _unary("trunc"), ["out = trunc(x * 3) * y + x"], aliases=["fix"])
register("divmod", _divmod, ["q, r = np.divmod(x * 3, 0.7); out = q * r + r"], method=False)
