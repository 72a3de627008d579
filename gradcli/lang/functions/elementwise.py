"""Elementwise functions: the math of one or two tensors, with broadcasting."""
from __future__ import annotations

import math

from ...core import ops
from ...core.tensor import PRIMITIVES, apply
from .base import Table, _fail, _no_more, to_tensor

TABLE = Table()
register = TABLE.register


def _unary(name):
    op = PRIMITIVES[name]

    def impl(ctx, x, **kwargs):
        _no_more(name, (), kwargs)
        return apply(op, to_tensor(ctx, x))
    return impl


def _binary(name):
    op = PRIMITIVES[name]

    def impl(ctx, x, y, **kwargs):
        alpha = kwargs.pop("alpha", None) if name in ("add", "sub") else None
        _no_more(name, (), kwargs)
        y = to_tensor(ctx, y)
        return apply(op, to_tensor(ctx, x), y if alpha is None else y * to_tensor(ctx, alpha))
    return impl


_DOMAIN = {"log": "x.abs() + 0.5", "log2": "x.abs() + 0.5", "log10": "x.abs() + 0.5",
           "sqrt": "x.abs() + 0.5", "log1p": "x.abs()", "asin": "x * 0.3", "acos": "x * 0.3"}
for _name in ["exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "sin", "cos", "tan",
              "asin", "acos", "atan", "sinh", "cosh", "tanh", "abs", "sign", "relu", "sigmoid",
              "softplus", "erf", "floor", "ceil", "round", "neg"]:
    _arg = _DOMAIN.get(_name, "x")
    register(_name, _unary(_name), [f"out = {_name}({_arg}) * y",
                                    f"out = {_name}({_arg.replace('x', '(M * 0.5)')})"],
             aliases={"asin": ["arcsin"], "acos": ["arccos"], "atan": ["arctan"],
                      "abs": ["absolute"], "neg": ["negative"]}.get(_name, ()))

register("add", _binary("add"), ["out = add(x, M)", "out = x.add(y, alpha=2)"])
register("sub", _binary("sub"), ["out = sub(M, x)", "out = sub(x, y, alpha=s)"], aliases=["subtract"])
register("mul", _binary("mul"), ["out = mul(x, M)"], aliases=["multiply"])
register("div", _binary("div"), ["out = div(M, x.abs() + 1)", "out = x / (y.abs() + 1)"],
         aliases=["divide", "true_divide"])
register("pow", _binary("pow"), ["out = pow(x.abs() + 0.5, y)", "out = x ** 3 + M ** 2",
                                 "out = (x.abs() + 0.5) ** M"], aliases=["power"])
register("maximum", _binary("maximum"), ["out = maximum(x, y)", "out = maximum(M, x)"])
register("minimum", _binary("minimum"), ["out = minimum(x, y)"])


def _fmax_or_fmin(pairwise):
    """torch.fmax / fmin: NaN in one argument picks the other; elsewhere maximum / minimum, whose
    ties share the gradient (as PyTorch 2.14 does)."""
    def impl(ctx, a, b, **kwargs):
        _no_more("f" + pairwise[:3], (), kwargs)
        a, b = to_tensor(ctx, a), to_tensor(ctx, b)
        both = apply(PRIMITIVES[pairwise], a, b)
        where, ne = PRIMITIVES["where"], PRIMITIVES["ne"]
        return apply(where, apply(ne, b, b), a, apply(where, apply(ne, a, a), b, both))
    return impl


register("fmax", _fmax_or_fmin("maximum"), ["out = fmax(x, y)", "out = fmax(M, x)"])
register("fmin", _fmax_or_fmin("minimum"), ["out = fmin(x, y) * x"])
register("atan2", _binary("atan2"), ["out = atan2(x, y.abs() + 0.5)"], aliases=["arctan2"])
register("square", lambda ctx, x: to_tensor(ctx, x) * to_tensor(ctx, x), ["out = square(x)"])
register("reciprocal", lambda ctx, x: 1.0 / to_tensor(ctx, x), ["out = reciprocal(x.abs() + 1)"])
register("rsqrt", lambda ctx, x: 1.0 / ops.sqrt(to_tensor(ctx, x)), ["out = rsqrt(x.abs() + 1)"])


def _where(ctx, cond, x=None, y=None):
    if x is None or y is None:
        _fail("where(cond, x, y) needs three arguments (the one-argument form is not supported)")
    return apply(PRIMITIVES["where"], to_tensor(ctx, cond), to_tensor(ctx, x), to_tensor(ctx, y))


register("where", _where, ["out = where(x > y, x * y, sin(x))", "out = where(M > 0, M, x)"])


def _clamp(ctx, x, *args, **kwargs):
    """clamp(x, min, max): number bounds pass the gradient strictly inside them; tensor bounds are
    maximum(x, min) then minimum(., max), so they get their share of the gradient (PyTorch)."""
    x = to_tensor(ctx, x)
    lo = kwargs.pop("min", kwargs.pop("a_min", args[0] if len(args) > 0 else None))
    hi = kwargs.pop("max", kwargs.pop("a_max", args[1] if len(args) > 1 else None))
    _no_more("clamp", args[2:], kwargs)
    if lo is None and hi is None:
        _fail("clamp needs min or max")
    if all(b is None or _is_number(b) for b in (lo, hi)):
        return apply(PRIMITIVES["clamp"], x, lo=-math.inf if lo is None else float(lo),
                     hi=math.inf if hi is None else float(hi))
    if lo is not None:
        x = apply(PRIMITIVES["maximum"], x, to_tensor(ctx, lo))
    if hi is not None:
        x = apply(PRIMITIVES["minimum"], x, to_tensor(ctx, hi))
    return x


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


register("clamp", _clamp, ["out = clamp(x, -0.5, 0.5)", "out = clamp(M, min=-0.3)",
                           "out = clamp(x, y - 1, y + 1)"], aliases=["clip"])
register("clamp_min", lambda ctx, x, min: _clamp(ctx, x, min=min), ["out = clamp_min(x, 0.1)"])
register("clamp_max", lambda ctx, x, max: _clamp(ctx, x, max=max), ["out = x.clamp_max(0.1)"])
register("detach", lambda ctx, x: apply(PRIMITIVES["detach"], to_tensor(ctx, x)),
         ["out = detach(x) * x"])

for _name, _op in [("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge"), ("eq", "eq"), ("ne", "ne")]:
    register(_name, _binary(_op), [f"out = {_name}(x, y) * x"],
             aliases={"lt": ["less"], "le": ["less_equal"], "gt": ["greater"],
                      "ge": ["greater_equal"], "eq": ["equal"], "ne": ["not_equal"]}[_name])
NEW_MATH = ()
