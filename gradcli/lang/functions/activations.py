"""Activations of torch.nn.functional, as composites of the op table's primitives.

Every one is exact as a composite, so none needs a derivative of its own. What needs care is
the kinks: at a kink the gradient is whatever side of a `where` the point falls on, so each
condition below is written the way PyTorch 2.14's backward kernel writes it (`x > 0` or
`x <= 0`, a bound inclusive or not). tests/test_torch_parity_nn.py checks each one AT its kinks
against PyTorch in float64, first and second derivatives.

A branch that is not chosen must not poison the gradient: where's backward selects, but a
branch like expm1(x) still computes inf for large x, and the chain rule then multiplies its
zero cotangent by inf. Such a branch reads a safe input instead (x where x < 0, else 0).
"""
from __future__ import annotations

import math

from ...core import ops
from ...core.tensor import PRIMITIVES, Tensor, apply, constant
from .base import Table, _axes, _describe, _fail, _int, to_tensor
from .reductions import softmax

TABLE = Table()
register = TABLE.register


# -- small helpers shared with the losses ------------------------------------------------------

def number(value, what: str) -> float:
    """A hyperparameter PyTorch takes as a Python number (alpha=, beta=, margin=...)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(f"{what} must be a number, got {_describe(value)}")
    return float(value)


def no_inplace(name: str, inplace) -> None:
    """inplace=True would change the argument itself; a program binds results to names."""
    if inplace:
        _fail(f"{name}: inplace=True is not supported in a program (write y = {name}(x))")


def where(cond: Tensor, a: Tensor, b: Tensor) -> Tensor:
    return apply(PRIMITIVES["where"], cond, a, b)


def compare(op: str, x: Tensor, c: float) -> Tensor:
    """A 0/1 mask of x against a number: gt, ge, lt, le, eq, ne."""
    return apply(PRIMITIVES[op], x, constant(float(c), x))


def fill(x: Tensor, c: float) -> Tensor:
    return constant(float(c), x)


def unary(name: str, x: Tensor) -> Tensor:
    return apply(PRIMITIVES[name], x)


def clamp(x: Tensor, lo: float, hi: float) -> Tensor:
    """Number bounds: PyTorch 2.14 passes no gradient AT a bound (the clamp primitive's rule)."""
    return apply(PRIMITIVES["clamp"], x, lo=lo, hi=hi)


def softplus(x: Tensor) -> Tensor:
    return unary("softplus", x)


def sigmoid(x: Tensor) -> Tensor:
    return unary("sigmoid", x)


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x): no overflow and no log(0) anywhere."""
    return -softplus(-x)


# -- smooth ones --------------------------------------------------------------------------------

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu(ctx, x, approximate="none"):
    """x * Phi(x), with Phi by erf (approximate='none') or by tanh (approximate='tanh')."""
    x = to_tensor(ctx, x)
    if approximate == "none":
        return x * 0.5 * (unary("erf", x * math.sqrt(0.5)) + 1.0)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * 0.5 * (unary("tanh", inner) + 1.0)
    _fail(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def _silu(ctx, x, inplace=False):
    no_inplace("silu", inplace)
    x = to_tensor(ctx, x)
    return x * sigmoid(x)


def _mish(ctx, x, inplace=False):
    no_inplace("mish", inplace)
    x = to_tensor(ctx, x)
    return x * unary("tanh", softplus(x))


def _softplus(ctx, x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's switch to
    the identity, gradient 1 there)."""
    x = to_tensor(ctx, x)
    beta, threshold = number(beta, "softplus: beta"), number(threshold, "softplus: threshold")
    if beta == 0:
        _fail("softplus: beta must not be 0")
    bx = x if beta == 1 else x * beta
    # AT beta x = threshold PyTorch's backward still takes the smooth side (first derivative
    # sigmoid(threshold)) but its double backward the identity's (second derivative 0): there
    # the smooth side reads s, a constant equal to x, and a straight line carries the slope.
    below = compare("lt", bx, threshold)
    s = where(below, x, unary("detach", x))
    bs = s if beta == 1 else s * beta
    smooth = softplus(bs) if beta == 1 else softplus(bs) * (1.0 / beta)
    smooth = smooth + (x - s) * sigmoid(unary("detach", bx))
    return where(compare("gt", bx, threshold), x, smooth)


def _logsigmoid(ctx, x):
    return logsigmoid(to_tensor(ctx, x))


def _softsign(ctx, x):
    x = to_tensor(ctx, x)
    return x / (unary("abs", x) + 1.0)


def _tanhshrink(ctx, x):
    x = to_tensor(ctx, x)
    return x - unary("tanh", x)


def _softmin(ctx, x, *args, **kwargs):
    """softmax(-x) along dim (PyTorch's implicit dim when none is given, as softmax)."""
    return softmax(ctx, -to_tensor(ctx, x), *args, **kwargs)


def _glu(ctx, x, dim=-1):
    """a * sigmoid(b), with a and b the two halves of x along dim."""
    x = to_tensor(ctx, x)
    if x.nd == 0:
        _fail("glu: a 0-d tensor has no dim to halve", "shape")
    axis = _axes(x, _int(dim, "glu: dim"))[0]
    n = x.shape[axis]
    if n % 2:
        _fail(f"glu: halving dim {dim} needs an even size, got {n} (shape {x.shape})", "shape")
    before = (slice(None),) * (x.nd + axis)
    a = ops.index(x, before + (slice(0, n // 2),))
    b = ops.index(x, before + (slice(n // 2, n),))
    return a * sigmoid(b)


# -- the elu family: one branch x > 0, the other an exponential ------------------------------------

def elu(x: Tensor, alpha: float, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    """scale * x where x > 0, else alpha * scale * expm1(input_scale * x): PyTorch's elu kernel.

    At x = 0 PyTorch's backward takes the exponential side (x <= 0: gradient alpha * scale *
    input_scale) but its double backward the linear one (x < 0: second derivative 0). So the
    exponential reads s = x only where x < 0, and the straight line input_scale * (x - s)
    carries the first derivative at 0 with no second.
    """
    positive = compare("gt", x, 0.0)
    # s: x where x < 0, else 0 (expm1 of a large x is inf, and inf * 0 is NaN)
    s = where(compare("lt", x, 0.0), x, fill(x, 0.0))
    inner = (unary("expm1", s * input_scale) + (x - s) * input_scale if input_scale != 1.0
             else unary("expm1", s) + (x - s))
    return where(positive, x * scale if scale != 1.0 else x, inner * (alpha * scale))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _elu(ctx, x, alpha=1.0, inplace=False):
    no_inplace("elu", inplace)
    return elu(to_tensor(ctx, x), number(alpha, "elu: alpha"))


def _selu(ctx, x, inplace=False):
    no_inplace("selu", inplace)
    return elu(to_tensor(ctx, x), _SELU_ALPHA, _SELU_SCALE)


def _celu(ctx, x, alpha=1.0, inplace=False):
    no_inplace("celu", inplace)
    alpha = number(alpha, "celu: alpha")
    if alpha == 0:
        _fail("celu: alpha must not be 0 (it divides x)")
    return elu(to_tensor(ctx, x), alpha, 1.0, 1.0 / alpha)


# -- piecewise linear: the kinks are PyTorch's -------------------------------------------------

def _leaky_relu(ctx, x, negative_slope=0.01, inplace=False):
    """x where x > 0, else slope * x: the gradient at 0 is the slope (PyTorch)."""
    no_inplace("leaky_relu", inplace)
    x = to_tensor(ctx, x)
    return where(compare("gt", x, 0.0), x, x * number(negative_slope, "leaky_relu: negative_slope"))


def _hardtanh(ctx, x, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val): zero gradient AT either bound (PyTorch 2.14)."""
    no_inplace("hardtanh", inplace)
    lo, hi = number(min_val, "hardtanh: min_val"), number(max_val, "hardtanh: max_val")
    if hi < lo:
        _fail(f"hardtanh: max_val ({hi:g}) must not be less than min_val ({lo:g})")
    return clamp(to_tensor(ctx, x), lo, hi)


def _relu6(ctx, x, inplace=False):
    no_inplace("relu6", inplace)
    return clamp(to_tensor(ctx, x), 0.0, 6.0)


def _hardsigmoid(ctx, x, inplace=False):
    """(x + 3) / 6 strictly between -3 and 3 (gradient 1/6), 0 and 1 outside (gradient 0, also
    AT -3 and 3, as PyTorch)."""
    no_inplace("hardsigmoid", inplace)
    x = to_tensor(ctx, x)
    middle = (x + 3.0) * (1.0 / 6.0)
    return where(compare("le", x, -3.0), fill(x, 0.0),
                 where(compare("ge", x, 3.0), fill(x, 1.0), middle))


def _hardswish(ctx, x, inplace=False):
    """x (x + 3) / 6 strictly between -3 and 3; 0 at and below -3, x at and above 3 (PyTorch's
    gradients at the kinks: 0 at -3, 1 at 3)."""
    no_inplace("hardswish", inplace)
    x = to_tensor(ctx, x)
    middle = x * (x + 3.0) * (1.0 / 6.0)
    return where(compare("le", x, -3.0), fill(x, 0.0), where(compare("ge", x, 3.0), x, middle))


def _softshrink(ctx, x, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between them and AT them (gradient 0)."""
    x = to_tensor(ctx, x)
    lambd = _shrink_lambda("softshrink", lambd)
    return where(compare("gt", x, lambd), x - lambd,
                 where(compare("lt", x, -lambd), x + lambd, fill(x, 0.0)))


def _hardshrink(ctx, x, lambd=0.5):
    """x where |x| > lambd, else 0 (gradient 0 at +-lambd)."""
    x = to_tensor(ctx, x)
    lambd = _shrink_lambda("hardshrink", lambd)
    outside = compare("gt", x, lambd) + compare("lt", x, -lambd)
    return where(outside, x, fill(x, 0.0))


def _shrink_lambda(name, lambd) -> float:
    lambd = number(lambd, f"{name}: lambd")
    if lambd < 0:
        _fail(f"{name}: lambd must be at least 0, got {lambd:g}")
    return lambd


def _threshold(ctx, x, threshold, value, inplace=False):
    """x where x > threshold, else value (gradient 0 at the threshold)."""
    no_inplace("threshold", inplace)
    x = to_tensor(ctx, x)
    th, value = number(threshold, "threshold: threshold"), number(value, "threshold: value")
    return where(compare("gt", x, th), x, fill(x, value))


# -- the table ------------------------------------------------------------------------------------
# method=True only where torch.Tensor has the method (x.hardshrink() exists, x.gelu() does not).

register("gelu", _gelu, ["out = F.gelu(x) * y", "out = gelu(M, approximate='tanh')"], method=False)
register("silu", _silu, ["out = F.silu(x) * y"], aliases=["swish"], method=False)
register("mish", _mish, ["out = F.mish(M)"], method=False)
# Replaces the elementwise family's softplus, which takes no beta or threshold.
register("softplus", _softplus, ["out = softplus(x) * y", "out = F.softplus(M, beta=2, threshold=1.5)",
                                 "out = F.softplus(x * 30, 0.5, 10) * y"], method=False)
register("logsigmoid", _logsigmoid, ["out = F.logsigmoid(M) * M"], method=False)
register("softsign", _softsign, ["out = F.softsign(x) * y"], method=False)
register("tanhshrink", _tanhshrink, ["out = F.tanhshrink(M)"], method=False)
register("softmin", _softmin, ["out = F.softmin(M, dim=1) * M", "out = F.softmin(x, 0) * y"],
         method=False)
register("glu", _glu, ["out = F.glu(M[:2], 0)", "out = F.glu(cat([x, y]))"], method=False)
register("elu", _elu, ["out = F.elu(x) * y", "out = F.elu(M * 3, alpha=0.5)"], method=False)
register("selu", _selu, ["out = torch.selu(M * 3)"], method=False)
register("celu", _celu, ["out = F.celu(x * 3, 2.0) * y"], method=False)
register("leaky_relu", _leaky_relu, ["out = F.leaky_relu(M)", "out = F.leaky_relu(x, 0.2) * y"],
         method=False)
register("hardtanh", _hardtanh, ["out = F.hardtanh(M * 1.5)", "out = F.hardtanh(x, -0.5, 0.8) * y"],
         method=False)
register("relu6", _relu6, ["out = F.relu6(M * 8)"], method=False)
register("hardsigmoid", _hardsigmoid, ["out = F.hardsigmoid(M * 4) * M"], method=False)
register("hardswish", _hardswish, ["out = F.hardswish(M * 4)"], method=False)
register("softshrink", _softshrink, ["out = F.softshrink(M, 0.45)", "out = F.softshrink(x, lambd=0.2) * y"],
         method=False)
register("hardshrink", _hardshrink, ["out = F.hardshrink(M * 1.3) * M", "out = x.hardshrink(0.6)"])
register("threshold", _threshold, ["out = F.threshold(M, 0.55, -1.0)"], method=False)
