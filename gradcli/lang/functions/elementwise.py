"""Elementwise functions: the math of one or two tensors, with broadcasting."""
from __future__ import annotations

import math

from ...core import ops
from ...core.tensor import PRIMITIVES, apply, constant
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
              "erf", "floor", "ceil", "neg"]:  # softplus: activations; round: reductions
    _arg = _DOMAIN.get(_name, "x")
    register(_name, _unary(_name), [f"out = {_name}({_arg}) * y",
                                    f"out = {_name}({_arg.replace('x', '(M * 0.5)')})"],
             aliases={"asin": ["arcsin"], "acos": ["arccos"], "atan": ["arctan"],
                      "abs": ["absolute"], "neg": ["negative"]}.get(_name, ()))

register("add", _binary("add"), ["out = add(x, M)", "out = x.add(y, alpha=2)"])
register("sub", _binary("sub"), ["out = sub(M, x)", "out = sub(x, y, alpha=s)"], aliases=["subtract"])
register("mul", _binary("mul"), ["out = mul(x, M)"], aliases=["multiply"])
# div (with its rounding_mode) is in the division family.
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
# where and the comparisons, which give booleans, are in logic.py.


# -- more elementwise math: inverse hyperbolics, exp2, cbrt, sinc, hypot, logaddexp, xlogy, logit ---
# (primitives in core/ops/special.py; the rest are composites of exact primitives)

def _scaled(factor):
    def impl(ctx, x, **kwargs):
        _no_more("deg2rad", (), kwargs)
        return to_tensor(ctx, x) * factor
    return impl


def _logaddexp2(ctx, x, y, **kwargs):
    """log2(2^x + 2^y), through logaddexp of the natural-log scaled values."""
    _no_more("logaddexp2", (), kwargs)
    ln2 = math.log(2)
    return apply(PRIMITIVES["logaddexp"], to_tensor(ctx, x) * ln2, to_tensor(ctx, y) * ln2) * (1 / ln2)


def _zero_where_x_is_zero(ctx, x, y, fn):
    """x * fn(y), and 0 where x == 0 even if fn(y) is infinite (xlogy(0, 0) = 0), with the
    gradient PyTorch gives: d/dx = fn(y) where x != 0, else 0; d/dy = x fn'(y)."""
    x, y = to_tensor(ctx, x), to_tensor(ctx, y)
    zero, one = constant(0.0, x), constant(1.0, x)
    at_zero = apply(PRIMITIVES["eq"], x, zero)
    safe_y = apply(PRIMITIVES["where"], at_zero, one if fn == "log" else zero, y)
    value = x * (ops.log(safe_y) if fn == "log" else apply(PRIMITIVES["log1p"], safe_y))
    return apply(PRIMITIVES["where"], at_zero, zero, value)


def _logit(ctx, x, eps=None, **kwargs):
    """log(x / (1 - x)); with eps, x is clamped to [eps, 1 - eps] first (PyTorch's logit)."""
    _no_more("logit", (), kwargs)
    x = to_tensor(ctx, x)
    if eps is not None:
        x = apply(PRIMITIVES["clamp"], x, lo=float(eps), hi=1.0 - float(eps))
    return ops.log(x) - apply(PRIMITIVES["log1p"], -x)


for _name, _aliases, _samples in [
        ("asinh", ["arcsinh"], ["out = asinh(x) * y", "out = np.arcsinh(M * 3)"]),
        ("acosh", ["arccosh"], ["out = acosh(x.abs() + 1.2) * y", "out = np.arccosh(M + 1.5)"]),
        ("atanh", ["arctanh"], ["out = atanh(x * 0.5) * y", "out = np.arctanh(N * 0.7)"]),
        ("exp2", [], ["out = exp2(x) * y", "out = torch.special.exp2(M)"]),
        ("cbrt", [], ["out = np.cbrt(x) * y", "out = np.cbrt(M - 2)"]),
        ("sinc", [], ["out = sinc(x) * y", "out = np.sinc(M * 2.5)", "out = torch.special.sinc(x - x)"])]:
    register(_name, _unary(_name), _samples, aliases=_aliases)
register("fabs", _unary("abs"), ["out = np.fabs(x) * y"])
register("deg2rad", _scaled(math.pi / 180), ["out = deg2rad(x * 90) * y"], aliases=["radians"])
register("rad2deg", _scaled(180 / math.pi), ["out = np.rad2deg(M)", "out = np.degrees(x) * y"],
         aliases=["degrees"])
register("hypot", _binary("hypot"), ["out = hypot(x, y)", "out = np.hypot(M, x)"])
register("logaddexp", _binary("logaddexp"), ["out = logaddexp(x, y)", "out = np.logaddexp(M, x * 3)"])
register("logaddexp2", _logaddexp2, ["out = logaddexp2(x, y)", "out = np.logaddexp2(M, x)"])
register("xlogy", lambda ctx, x, y: _zero_where_x_is_zero(ctx, x, y, "log"),
         ["out = xlogy(x, y.abs() + 0.5)", "out = scipy.special.xlogy(M, N.abs())",
          "out = special.xlogy(x * 0, y.abs()) + x"])
register("xlog1py", lambda ctx, x, y: _zero_where_x_is_zero(ctx, x, y, "log1p"),
         ["out = special.xlog1py(x, y.abs())", "out = torch.special.xlog1py(M, N * 0.5)"])
register("expit", _unary("sigmoid"), ["out = scipy.special.expit(x) * y", "out = torch.special.expit(M)"])
register("logit", _logit, ["out = logit(x.abs() * 0.5 + 0.1) * y", "out = special.logit(M * 0.5)",
                           "out = torch.logit(x * 0.3 + 0.5, eps=0.2)"])
register("log_expit", lambda ctx, x: -apply(PRIMITIVES["softplus"], -to_tensor(ctx, x)),
         ["out = special.log_expit(x) * y"])

# the names above, for the tests that check them to second order
NEW_MATH = ("asinh", "acosh", "atanh", "exp2", "cbrt", "sinc", "fabs", "deg2rad", "rad2deg", "hypot",
            "logaddexp", "logaddexp2", "xlogy", "xlog1py", "expit", "logit", "log_expit")
