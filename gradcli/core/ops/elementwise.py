"""Elementwise primitives: one input (partials), several inputs with broadcasting, masks."""
from __future__ import annotations

import math

from .. import backend
from ..tensor import BOOL, Tensor, astype, category, constant, mask, temporary
from .table import _call, defop

# ------------------------------------------------------------------------------------------
# Elementwise, one input. partial: d ans / d x.
# ------------------------------------------------------------------------------------------

def unary(name, forward, partial=None, *, saves=None, backward_name=None, doc=""):
    """An elementwise op of one input; partial=None means a zero gradient (floor, sign...).
    saves: what the partial reads, "x" or "ans" (see Op; None keeps both)."""
    if partial is None:
        return defop(name, forward, elementwise=True, differentiable=False, saves=(), doc=doc)
    return defop(name, forward, partials=(partial,), backward_name=backward_name, doc=doc,
                 saves=saves)


neg = _call("neg")
exp = _call("exp")
log = _call("log")
sqrt = _call("sqrt")
sin = _call("sin")
cos = _call("cos")
sinh = _call("sinh")
cosh = _call("cosh")
sign = _call("sign")
sigmoid = _call("sigmoid")


def _sigmoid(xp, x):
    # exp of -|x| never overflows; both branches are exact where they are chosen.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


unary("neg", lambda xp, x: -x, lambda ans, x: -1, saves=())
unary("exp", lambda xp, x: xp.exp(x), lambda ans, x: ans, saves=("ans",))
unary("expm1", lambda xp, x: xp.expm1(x), lambda ans, x: ans + 1, saves=("ans",))
unary("log", lambda xp, x: xp.log(x), lambda ans, x: 1 / x, saves=("x",))
unary("log1p", lambda xp, x: xp.log1p(x), lambda ans, x: 1 / (x + 1), saves=("x",))
unary("log2", lambda xp, x: xp.log2(x), lambda ans, x: 1 / (x * math.log(2)), saves=("x",))
unary("log10", lambda xp, x: xp.log10(x), lambda ans, x: 1 / (x * math.log(10)), saves=("x",))
unary("sqrt", lambda xp, x: xp.sqrt(x), lambda ans, x: 0.5 / ans, saves=("ans",))
unary("sin", lambda xp, x: xp.sin(x), lambda ans, x: cos(x), saves=("x",))
unary("cos", lambda xp, x: xp.cos(x), lambda ans, x: -sin(x), saves=("x",))
unary("tan", lambda xp, x: xp.tan(x), lambda ans, x: temporary(ans * ans) + 1, saves=("ans",))
unary("asin", lambda xp, x: xp.asin(x), lambda ans, x: 1 / sqrt(1 - x * x), saves=("x",))
unary("acos", lambda xp, x: xp.acos(x), lambda ans, x: -1 / sqrt(1 - x * x), saves=("x",))
unary("atan", lambda xp, x: xp.atan(x), lambda ans, x: 1 / temporary(temporary(x * x) + 1),
      saves=("x",))
unary("sinh", lambda xp, x: xp.sinh(x), lambda ans, x: cosh(x), saves=("x",))
unary("cosh", lambda xp, x: xp.cosh(x), lambda ans, x: sinh(x), saves=("x",))
unary("tanh", lambda xp, x: xp.tanh(x), lambda ans, x: 1 - temporary(ans * ans), saves=("ans",))
unary("abs", lambda xp, x: xp.abs(x), lambda ans, x: sign(x),
      saves=("x",))  # sign(0) = 0: abs'(0) = 0


def selecting(name, forward, *partials, ties=False, promote=0, saves=None, doc=""):
    """An elementwise op whose partials are masks (relu, maximum, minimum, where).

    The gradient is selected where the mask is nonzero, not multiplied by it: an infinite or NaN
    gradient where an input lost gives 0 there, as PyTorch's masked backward does
    (sqrt(x.clamp(min=0)) at x < 0). ties: the mask may hold 1/2, which scales what passes.
    """
    def select(g, p):
        zero = constant(0.0, g)
        return where(p, g * p if ties else g, zero)

    def vjp(g, ans, *xs):
        return tuple(select(g, p(ans, *xs)) if x.requires_grad and p is not None else None
                     for p, x in zip(partials, xs))

    def jvp(dots, ans, *xs):
        terms = [select(d, p(ans, *xs)) for p, d in zip(partials, dots) if d is not None and p is not None]
        return None if not terms else terms[0] if len(terms) == 1 else sum(terms[1:], terms[0])
    return defop(name, forward, vjp=vjp, jvp=jvp, elementwise=True, promote=promote, doc=doc,
                 saves=saves)


selecting("relu", lambda xp, x: xp.where(x > 0, x, xp.zeros_like(x)),
          lambda ans, x: mask(x, lambda d: d > 0), saves=("x",))  # relu'(0) = 0
unary("sigmoid", _sigmoid, lambda ans, x: ans * temporary(1 - ans), saves=("ans",))
unary("softplus", lambda xp, x: xp.logaddexp(xp.zeros_like(x), x), lambda ans, x: sigmoid(x),
      saves=("x",))
unary("erf", lambda xp, x: _erf(x),
      lambda ans, x: exp(-(x * x)) * (2 / math.sqrt(math.pi)), saves=("x",))
unary("sign", lambda xp, x: xp.sign(x))
unary("floor", lambda xp, x: xp.floor(x))
unary("ceil", lambda xp, x: xp.ceil(x))
unary("round", lambda xp, x: xp.round(x))
unary("trunc", lambda xp, x: xp.trunc(x))


def _erf(x):
    from .. import backend  # noqa: PLC0415 - the Array API has no erf; the backend finds one
    return backend.erf(x)


# ------------------------------------------------------------------------------------------
# Elementwise, several inputs (broadcasting). One partial per input.
# ------------------------------------------------------------------------------------------

def binary(name, forward, *partials, differentiable=True, saves=None, backward_name=None, doc=""):
    """An elementwise op of several inputs, one partial per input; saves as for Op."""
    if not differentiable:
        return defop(name, forward, elementwise=True, differentiable=False, saves=(), doc=doc)
    return defop(name, forward, partials=partials, backward_name=backward_name, doc=doc, saves=saves)


gt = _call("gt")
eq = _call("eq")
lt = _call("lt")
ge = _call("ge")
le = _call("le")
where = _call("where")


def _pow_dx(ans, x, y):
    if y.number is not None:
        c = y.number  # a constant exponent: the common x**2 gets its cheap derivative
        if c == 0:
            return None
        if c == 1:
            return 1
        if c == 2:
            return x * 2.0
        return temporary(x ** (c - 1)) * c
    # d/dx x**y = y * x**(y-1), zero where y == 0 (PyTorch's convention)
    return where(eq(y, constant(0.0, y)), constant(0.0, y), y * x ** (y - 1))


def _pow_dy(ans, x, y):
    # d/dy x**y = x**y * log(x), zero where x == 0 and y >= 0 (PyTorch's convention)
    zero = constant(0.0, x)
    at_zero = eq(x, zero) * ge(y, zero)
    safe_x = where(at_zero, constant(1.0, x), x)
    return where(at_zero, zero, ans * log(safe_x))


def _tie(a, b):
    """d max(a, b) / d a: 1 where a wins, 1/2 at a tie (PyTorch's convention)."""
    return gt(a, b) + eq(a, b) * 0.5


binary("add", lambda xp, x, y: x + y, lambda ans, x, y: 1, lambda ans, x, y: 1, saves=())
binary("sub", lambda xp, x, y: x - y, lambda ans, x, y: 1, lambda ans, x, y: -1, saves=())
binary("mul", lambda xp, x, y: x * y, lambda ans, x, y: y, lambda ans, x, y: x,
       saves=("y for x", "x for y"))
binary("div", lambda xp, x, y: x / y, lambda ans, x, y: 1 / y, lambda ans, x, y: temporary(-ans) / y,
       saves=("y", "ans for y"))
binary("pow", lambda xp, x, y: x ** y, _pow_dx, _pow_dy, saves=("x", "y", "ans for y"))
selecting("maximum", lambda xp, x, y: xp.maximum(x, y), lambda ans, x, y: _tie(x, y),
          lambda ans, x, y: _tie(y, x), ties=True, saves=("x", "y"))
selecting("minimum", lambda xp, x, y: xp.minimum(x, y), lambda ans, x, y: _tie(y, x),
          lambda ans, x, y: _tie(x, y), ties=True, saves=("x", "y"))
def _over_r2(num, y, x):
    """num / (x^2 + y^2), and 0 at the origin: atan2's gradient there, as PyTorch gives it."""
    r2 = x * x + y * y
    origin = eq(r2, constant(0.0, r2))
    return where(origin, constant(0.0, r2), num / where(origin, constant(1.0, r2), r2))


binary("atan2", lambda xp, y, x: xp.atan2(y, x), lambda ans, y, x: _over_r2(x, y, x),
       lambda ans, y, x: _over_r2(-y, y, x), saves=("y", "x"))
def _comparison(xp, name, x, y, boolean):
    found = getattr(xp, name)(x, y)
    return found if boolean else xp.astype(found, x.dtype)


# A comparison in a rule is a 0/1 mask of the operands' dtype (a float32 gradient stays float32);
# in a program (boolean=True) it is a boolean tensor, as in PyTorch. Neither has a gradient.
for _name, _fn in [("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                   ("ge", "greater_equal"), ("eq", "equal"), ("ne", "not_equal")]:
    binary(_name, lambda xp, x, y, *, boolean=False, _fn=_fn: _comparison(xp, _fn, x, y, boolean),
           differentiable=False, doc="a 0/1 mask, or booleans: no gradient")

def _where(xp, c, x, y):
    return xp.where(c if c.dtype == xp.bool else c != 0, x, y)


def _is_set(c):
    """Where a condition holds: a program's conditions are boolean, the rules' 0/1 masks."""
    return c if category(c.dtype) == BOOL else ne(c, constant(0.0, c))


def _is_unset(c):
    if category(c.dtype) == BOOL:
        return Tensor(backend.xp.logical_not(c.data), c.nd)
    return eq(c, constant(0.0, c))


selecting("where", _where,
          None,  # the condition is a mask: no gradient
          lambda ans, c, x, y: _is_set(c),
          lambda ans, c, x, y: _is_unset(c),
          promote=1, saves=("c",))  # x and y promote together; the condition keeps its dtype


def _inside(x, lo, hi):
    """Where clamp passes the gradient: strictly between its number bounds (PyTorch 2.14: zero at
    a bound; bounds that are tensors go through maximum and minimum, which share ties)."""
    return mask(x, lambda d: (d > lo) & (d < hi))


def _clamp_vjp(g, ans, x, *, lo, hi):
    return (where(_inside(x, lo, hi), g, constant(0.0, g)),)


def _clamp_jvp(dots, ans, x, *, lo, hi):
    return where(_inside(x, lo, hi), dots[0], constant(0.0, dots[0]))


defop("clamp", lambda xp, x, *, lo, hi: xp.minimum(xp.maximum(x, lo), hi), vjp=_clamp_vjp,
      jvp=_clamp_jvp, elementwise=True, backward_name="ClampBackward1", saves=("x",))
ne = _call("ne")


# ------------------------------------------------------------------------------------------
# Value passes, gradient stops.
# ------------------------------------------------------------------------------------------

defop("detach", lambda xp, x: x, differentiable=False, saves=())


# ------------------------------------------------------------------------------------------
# Dtypes: casts, and the boolean results a program sees (logic, tests; comparisons above).
# The rules keep their masks in the gradient's dtype (a float32 gradient stays float32); these
# give the program booleans, which never carry a gradient.
# ------------------------------------------------------------------------------------------

defop("astype", lambda xp, x, *, dtype: xp.astype(x, dtype),
      vjp=lambda g, ans, x, *, dtype: (astype(g, x.dtype),),
      jvp=lambda dots, ans, x, *, dtype: astype(dots[0], dtype),
      elementwise=True, backward_name="ToCopyBackward0", saves=())
defop("cast", lambda xp, x, *, dtype: xp.astype(_truthy(xp, x) if dtype == xp.bool else x, dtype),
      elementwise=True, differentiable=False, doc="to or from an integer or boolean dtype: a constant")

def _truthy(xp, x):
    """x as booleans: nonzero is true (NaN too), as bool(x) in PyTorch and NumPy."""
    return x if x.dtype == xp.bool else x != 0


defop("logical", lambda xp, x, y, *, which: getattr(xp, "logical_" + which)(_truthy(xp, x), _truthy(xp, y)),
      elementwise=True, differentiable=False, promote=2, doc="logical and, or, xor: booleans")
defop("logical_not", lambda xp, x: xp.logical_not(_truthy(xp, x)), elementwise=True,
      differentiable=False)
defop("test", lambda xp, x, *, which: _test(xp, x, which), elementwise=True, differentiable=False,
      doc="isnan, isinf, isfinite, signbit: booleans")


def _test(xp, x, which):
    if which == "isneginf" or which == "isposinf":
        return xp.logical_and(xp.isinf(x), x < 0 if which == "isneginf" else x > 0)
    return getattr(xp, which)(x)


# ------------------------------------------------------------------------------------------
# Division with rounding: %, //, fmod.
# ------------------------------------------------------------------------------------------

def _fmod(xp, x, y):
    """C's fmod: the remainder with the dividend's sign (NumPy and CuPy have it; the Array API
    has only the divisor-signed remainder, which is moved across by one y where the signs differ)."""
    if hasattr(xp, "fmod"):
        return xp.fmod(x, y)
    r = xp.remainder(x, y)
    return xp.where((r != 0) & ((r < 0) != (x < 0)), r - y, r)


def _floor_quotient(ans, x, y):
    return -floor(x / y)


def _trunc_quotient(ans, x, y):
    return -trunc(x / y)


floor = _call("floor")
trunc = _call("trunc")
# PyTorch's rules: d/dx = 1, d/dy = -floor(x / y) for remainder (Python's %, the divisor's sign),
# -trunc(x / y) for fmod (the dividend's sign).
binary("remainder", lambda xp, x, y: xp.remainder(x, y), lambda ans, x, y: 1, _floor_quotient,
       backward_name="RemainderBackward0", saves=("x for y", "y for y"))
binary("fmod", _fmod, lambda ans, x, y: 1, _trunc_quotient, backward_name="FmodBackward0",
       saves=("x for y", "y for y"))
# Floor division is a step function: no gradient, as floor (PyTorch's floor_divide refuses to
# differentiate; its div(rounding_mode='floor') gives zero, as here).
binary("floor_divide", lambda xp, x, y: xp.floor_divide(x, y), differentiable=False)
