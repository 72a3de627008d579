"""Booleans: comparisons, logic, tests for NaN and infinity, where and select.

A comparison gives a boolean tensor, as in PyTorch and NumPy: it carries no gradient, indexes
as a mask (`x[x > 0]`), chooses in `where`, and counts as 0 and 1 in arithmetic
(`(x > 0) * x`). Outputs that are booleans are reported as 0 and 1.
"""
from __future__ import annotations

from ...core import backend
from ...core.tensor import (
    FLOATING,
    PRIMITIVES,
    Tensor,
    apply,
    astype,
    category,
    promote,
)
from .base import Table, _fail, _no_more, to_tensor
from .dtypes import operand

TABLE = Table()
register = TABLE.register


def compare(ctx, which: str, a, b) -> Tensor:
    return apply(PRIMITIVES[which], operand(ctx, a, b), operand(ctx, b, a), boolean=True)


def _comparison(which):
    def impl(ctx, x, other, **kwargs):
        _no_more(which, (), kwargs)
        return compare(ctx, which, x, other)
    return impl


_COMPARISONS = {"lt": ["less"], "le": ["less_equal"], "gt": ["greater"], "ge": ["greater_equal"],
                "eq": [], "ne": ["not_equal"]}
for _name, _aliases in _COMPARISONS.items():
    register(_name, _comparison(_name), [f"out = {_name}(x, y) * x", f"out = where(M.{_name}(x), M, -M)"],
             aliases=_aliases)
# np.equal is elementwise; torch.equal(a, b) is one truth: same shape and the same elements.
register("equal", _comparison("eq"), ["out = np.equal(x, x * 1) * y"], library="numpy")


def _equal(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    xp = backend.xp
    if a.shape != b.shape:
        return Tensor(xp.asarray(False))
    same = compare(ctx, "eq", a, b)
    return Tensor(xp.all(same.data, axis=tuple(range(-same.nd, 0))) if same.nd else same.data, 0)


register("equal", _equal, ["out = equal(x, x) * y + equal(x, y) * x"])


def _logical(which):
    def impl(ctx, x, other, **kwargs):
        _no_more(f"logical_{which}", (), kwargs)
        return apply(PRIMITIVES["logical"], to_tensor(ctx, x), to_tensor(ctx, other), which=which)
    return impl


for _which in ("and", "or", "xor"):
    register(f"logical_{_which}", _logical(_which),
             [f"out = where(logical_{_which}(x > 0, y < 0), x, y)",
              f"out = where(torch.logical_{_which}(M, M > 0.45), M, -M)"])
register("logical_not", lambda ctx, x: apply(PRIMITIVES["logical_not"], to_tensor(ctx, x)),
         ["out = where(logical_not(x > 0), x, y * 2)"])


def _test(which):
    def impl(ctx, x, **kwargs):
        _no_more(which, (), kwargs)
        return apply(PRIMITIVES["test"], to_tensor(ctx, x), which=which)
    return impl


for _which in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit"):
    register(_which, _test(_which), [f"out = where({_which}(x / y), y, x * 2)"])


# -- where, select ---------------------------------------------------------------------------------

def _where(ctx, *args, **kwargs):
    """where(condition, x, y), by position or keyword (torch: condition=, input=, other=; NumPy:
    condition=, x=, y=); where(condition) alone is nonzero(condition, as_tuple=True)."""
    names = ("condition", "x", "y")
    values = dict(zip(names, args))
    for kw, name in (("condition", "condition"), ("input", "x"), ("x", "x"), ("other", "y"),
                     ("y", "y")):
        if kw in kwargs:
            if name in values:
                _fail(f"where() got two values for {kw}")
            values[name] = kwargs.pop(kw)
    _no_more("where", args[3:], kwargs)
    if "condition" not in values:
        _fail("where() needs a condition: where(condition, x, y)")
    if "x" not in values and "y" not in values:
        from .indexing import nonzero_tuple  # noqa: PLC0415 - the one-argument form
        return nonzero_tuple(ctx, values["condition"])
    if "x" not in values or "y" not in values:
        _fail("where(condition, x, y) needs both x and y (or neither: the indices where "
              "condition holds)")
    cond, x, y = to_tensor(ctx, values["condition"]), values["x"], values["y"]
    x, y = operand(ctx, x, y), operand(ctx, y, x)
    return apply(PRIMITIVES["where"], cond, x, y)


register("where", _where, ["out = where(x > y, x * y, sin(x))", "out = where(M > 0, M, x)",
                           "out = torch.where(condition=x > 0, input=x, other=y)",
                           "out = np.where(condition=M < 0, x=M * 2, y=s)", "out = x[where(x > -9)]",
                           "out = M[np.where(M > -9)] * 2"])


def _np_select(ctx, condlist, choicelist, default=0):
    """np.select: the choice of the first condition that holds, else default."""
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        _fail("select(condlist, choicelist, default) needs two lists")
    if len(condlist) != len(choicelist):
        _fail(f"select: {len(condlist)} conditions but {len(choicelist)} choices")
    choices = promote([to_tensor(ctx, c) for c in choicelist] + [to_tensor(ctx, default)])
    out = choices[-1]
    for cond, choice in reversed(list(zip(condlist, choices[:-1]))):
        out = apply(PRIMITIVES["where"], to_tensor(ctx, cond), choice, out)
    return out


register("select", _np_select, ["out = np.select([x < -0.5, x < 0.5], [x * 2, x ** 2], s)",
                                "out = numpy.select([M > 0], [M], default=x)"], library="numpy")


def _masked_fill(ctx, x, mask, value):
    x = to_tensor(ctx, x)
    value = astype(to_tensor(ctx, value), x.dtype)  # x keeps its dtype, as in PyTorch
    return apply(PRIMITIVES["where"], to_tensor(ctx, mask), value, x)


register("masked_fill", _masked_fill, ["out = x.masked_fill(x > 0, 0.5)",
                                       "out = masked_fill(M, M < 0, s) * 2"])


def _nan_to_num(ctx, x, *args, **kwargs):
    """nan_to_num(x, nan=0.0, posinf=None, neginf=None): NaN, inf and -inf replaced (by default
    with 0 and the dtype's largest finite values). The gradient passes where x was finite, and is
    zero where a value was replaced, as in PyTorch."""
    x = to_tensor(ctx, x)
    names = ("nan", "posinf", "neginf")
    values = dict(zip(names, args))
    for name in names:
        if name in kwargs:
            values[name] = kwargs.pop(name)
    kwargs.pop("copy", None)
    _no_more("nan_to_num", args[3:], kwargs, allowed=())
    if category(x.dtype) != FLOATING:
        return x
    big = float(backend.xp.finfo(x.dtype).max)
    nan = values.get("nan") if values.get("nan") is not None else 0.0
    posinf = values.get("posinf") if values.get("posinf") is not None else big
    neginf = values.get("neginf") if values.get("neginf") is not None else -big
    out = x
    for which, value in (("isnan", nan), ("isposinf", posinf), ("isneginf", neginf)):
        hit = apply(PRIMITIVES["test"], x, which=which)
        out = apply(PRIMITIVES["where"], hit, astype(to_tensor(ctx, value), x.dtype), out)
    return out


register("nan_to_num", _nan_to_num, ["out = nan_to_num(x) * y",
                                     "out = np.nan_to_num(M + log(tensor([-1., 0., 2.])), nan=s, neginf=-2.)",
                                     "out = (x + tensor([nan, inf, -inf])).nan_to_num(0.5, 3.0, -3.0) * y"])
