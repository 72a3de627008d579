"""The functions a program can call: PyTorch/NumPy names mapped onto the op table.

Each entry normalizes its arguments (dim/axis, keepdim/keepdims, shapes given
as varargs or tuples) and builds its result from primitives in ops.py, so
composites (linear, mse_loss, outer, trace, ...) need no derivative of their own.
Every entry carries sample programs: the op tests run each of them through
gradcheck, forward and reverse, so a new function is tested by being added.
In samples, x, y are inputs of shape (3,), M, N of shape (3, 3), s a scalar.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import backend, ops
from .errors import GradcliError
from .tensor import PRIMITIVES, Tensor, apply, check_size, constant


@dataclass
class Context:
    """What creation functions need: the dtype, the seeded random numbers."""
    dtype: object
    rng: object  # numpy.random.Generator

    def tensor(self, value) -> Tensor:
        return to_tensor(self, value)


@dataclass
class Function:
    name: str
    impl: object  # impl(ctx, *args, **kwargs)
    samples: list = field(default_factory=list)
    method: bool = True  # also callable as x.name(...)
    creates: bool = False  # a creation function: its result is a constant


FUNCTIONS: dict[str, Function] = {}
ALIASES: dict[str, str] = {}


def register(name, impl, samples=(), *, aliases=(), method=True, creates=False):
    FUNCTIONS[name] = Function(name, impl, list(samples), method, creates)
    for alias in aliases:
        ALIASES[alias] = name


def lookup(name: str) -> Function | None:
    return FUNCTIONS.get(ALIASES.get(name, name))


class DType:
    """`torch.float64` and friends: accepted in dtype= and otherwise ignored (--dtype rules)."""

    def __init__(self, name):
        self.name = name


# -- argument helpers ------------------------------------------------------------------------

def _fail(message, kind="argument"):
    raise GradcliError(message, kind=kind)


class ValuesIndices:
    """What torch.max(x, dim) / torch.min(x, dim) return: `.values` (or [0]) and `.indices`
    (or [1], a constant of the float dtype). Used as a tensor, it is its values."""

    __slots__ = ("indices", "values")

    def __init__(self, values: Tensor, indices: Tensor):
        self.values, self.indices = values, indices


def to_tensor(ctx: Context, value) -> Tensor:
    """Numbers, nested lists of numbers or tensors (stacked), and tensors."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, ValuesIndices):
        return value.values
    if isinstance(value, bool):
        return constant(float(value), dtype=ctx.dtype)
    if isinstance(value, (int, float)):
        return constant(float(value), dtype=ctx.dtype)
    if isinstance(value, (list, tuple)):
        if not value:
            return Tensor(backend.xp.zeros((0,), dtype=ctx.dtype))
        if _all_numbers(value):
            import numpy as np  # noqa: PLC0415
            try:
                arr = np.array(value, dtype=np.float64)
            except ValueError:
                _fail("a list literal must be rectangular (all rows the same length)", "shape")
            check_size(arr.shape, "tensor")
            return Tensor(backend.from_numpy(arr, ctx.dtype))
        items = [to_tensor(ctx, v) for v in value]
        shapes = {t.shape for t in items}
        if len(shapes) > 1:
            _fail(f"a list of tensors must have one shape, got {sorted(shapes)}", "shape")
        check_size((len(items),) + tuple(items[0].shape), "a list of tensors")  # before allocating
        return ops.stack(items, -(items[0].nd + 1))
    _fail(f"expected a tensor or a number, got {_describe(value)}")


def _all_numbers(value) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        elif not isinstance(v, (int, float)) or isinstance(v, Tensor):
            return False
    return True


def _describe(value) -> str:
    if isinstance(value, Tensor):
        return f"a tensor of shape {value.shape}"
    if value is None:
        return "None"
    return f"{type(value).__name__} {value!r}"[:60]


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        _fail(f"{what} must be an integer, got {_describe(value)}")
    return value


def _axes(x: Tensor, dim, what="dim") -> tuple:
    """dim/axis (None, an int, or a tuple) as negative logical axes of x."""
    if dim is None:
        return tuple(range(-x.nd, 0))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = []
    for d in dims:
        d = _int(d, what)
        if not -max(x.nd, 1) <= d < max(x.nd, 1):
            _fail(f"{what} {d} is out of range for a tensor of shape {x.shape}", "shape")
        out.append(d - x.nd if d >= 0 else d)
    return tuple(sorted(set(out)))


def _reduce_axes(x: Tensor, dim) -> tuple:
    """The axes of a reduction: a 0-d tensor has none to reduce (sum(s, 0) is s, as in PyTorch)."""
    axes = _axes(x, dim)
    return () if x.nd == 0 else axes


def _pop_dim(args, kwargs, default=None):
    dim = kwargs.pop("dim", kwargs.pop("axis", default))
    if args:
        dim = args[0]
    return dim


def _keepdim(kwargs) -> bool:
    return bool(kwargs.pop("keepdim", kwargs.pop("keepdims", False)))


def _no_more(name, args, kwargs, allowed=("dtype", "out")):
    extra = [k for k in kwargs if k not in allowed]
    if args or extra:
        what = f"argument {args[0]!r}" if args else f"keyword {extra[0]}="
        _fail(f"{name}() got an unexpected {what}")


def _shape(args, name) -> tuple:
    """zeros(2, 3), zeros((2, 3)) and zeros([2, 3]) all mean shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    shape = tuple(_int(a, f"{name}: a size") for a in args)
    if any(d < 0 for d in shape):
        _fail(f"{name}: sizes must not be negative, got {shape}", "shape")
    check_size(shape, name)
    return shape


def _new(ctx, array) -> Tensor:
    return Tensor(backend.from_numpy(array, ctx.dtype))


# -- elementwise -----------------------------------------------------------------------------

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


def _fmax_or_fmin(keep_first):
    """torch.fmax / fmin: NaN in one argument picks the other; a tie sends the whole gradient to
    the first argument, as PyTorch does (maximum and minimum share it)."""
    def impl(ctx, a, b, **kwargs):
        _no_more("fmax" if keep_first == "ge" else "fmin", (), kwargs)
        a, b = to_tensor(ctx, a), to_tensor(ctx, b)
        first = apply(PRIMITIVES[keep_first], a, b) + apply(PRIMITIVES["ne"], b, b)
        return apply(PRIMITIVES["where"], first, a, b)
    return impl


register("fmax", _fmax_or_fmin("ge"), ["out = fmax(x, y)", "out = fmax(M, x)"])
register("fmin", _fmax_or_fmin("le"), ["out = fmin(x, y) * x"])
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
    x = to_tensor(ctx, x)
    lo = kwargs.pop("min", kwargs.pop("a_min", args[0] if len(args) > 0 else None))
    hi = kwargs.pop("max", kwargs.pop("a_max", args[1] if len(args) > 1 else None))
    _no_more("clamp", args[2:], kwargs)
    if lo is None and hi is None:
        _fail("clamp needs min or max")
    lo = to_tensor(ctx, -math.inf if lo is None else lo)
    hi = to_tensor(ctx, math.inf if hi is None else hi)
    return apply(PRIMITIVES["clamp"], x, lo, hi)


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


# -- reductions ------------------------------------------------------------------------------

def _reduction(prim, name):
    def impl(ctx, x, *args, **kwargs):
        x = to_tensor(ctx, x)
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
        return ValuesIndices(values, _arg_extreme(x, (_reduce_axes(x, dim) or (-1,))[0], keep, prim))
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


def _norm(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    p = kwargs.pop("p", kwargs.pop("ord", args[0] if args else 2))
    dim = kwargs.pop("dim", kwargs.pop("axis", args[1] if len(args) > 1 else None))
    keep = _keepdim(kwargs) if len(args) < 3 else bool(args[2])  # torch.norm(x, 2, 1, True)
    _no_more("norm", args[3:], kwargs)
    axes = _reduce_axes(x, dim)
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
    absolute column or row sums). 2, -2 and 'nuc' need singular values: not supported."""
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
    if p not in (1, -1, math.inf, -math.inf):
        _fail(f"matrix_norm: ord={p!r} is not supported (use 'fro', 1, -1, inf or -inf; 2, -2 "
              "and 'nuc' need singular values)")
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


register("linalg_norm", _linalg_norm, ["out = linalg_norm(M, 1)", "out = linalg_norm(M, -inf)",
                                       "out = linalg_norm(x, 3)", "out = linalg_norm(M, dim=1)",
                                       "out = linalg_norm(M)"], method=False)
register("matrix_norm", _matrix_norm, ["out = matrix_norm(M)", "out = matrix_norm(M, inf)"],
         method=False)
register("vector_norm", _norm, ["out = vector_norm(x, 3)"], method=False)
register("norm", _norm, ["out = norm(x)", "out = norm(M, dim=1)", "out = norm(M, 1)",
                         "out = norm(x, p=3)", "out = x.norm()", "out = norm(M, inf)",
                         "out = norm(x * 0) + x.sum()"])


# -- softmax and friends ---------------------------------------------------------------------

def _softmax(prim):
    def impl(ctx, x, *args, **kwargs):
        x = to_tensor(ctx, x)
        dim = _pop_dim(args, kwargs)
        kwargs.pop("dtype", None)
        _no_more(prim, args[1:], kwargs)
        if dim is None:  # PyTorch's implicit dim (deprecated there): 0 for 0-, 1- and 3-D, else 1
            dim = 0 if x.nd in (0, 1, 3) else 1
        if x.nd == 0:
            x = ops.reshape(x, (1,))
            return ops.reshape(apply(PRIMITIVES[prim], x, axis=-1), ())
        return apply(PRIMITIVES[prim], x, axis=_axes(x, dim)[0])
    return impl


register("softmax", _softmax("softmax"), ["out = softmax(x) * y", "out = softmax(M, dim=0) * M"])
register("log_softmax", _softmax("log_softmax"), ["out = log_softmax(x) * y",
                                                  "out = log_softmax(M, 0) * M"])


def _linear(ctx, x, weight, bias=None):
    """y = x W^T + b, with W of shape (out_features, in_features) as in PyTorch."""
    weight = to_tensor(ctx, weight)
    out = ops.matmul(to_tensor(ctx, x), ops.mT(weight) if weight.nd >= 2 else weight)
    return out if bias is None else out + to_tensor(ctx, bias)


def _mse_loss(ctx, pred, target, reduction="mean"):
    d = to_tensor(ctx, pred) - to_tensor(ctx, target)
    sq = d * d
    if reduction == "mean":
        return ops.reduce("mean", sq, tuple(range(-sq.nd, 0)), False)
    if reduction == "sum":
        return ops.reduce("sum", sq, tuple(range(-sq.nd, 0)), False)
    if reduction == "none":
        return sq
    _fail(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


register("linear", _linear, ["out = linear(x, M, y)", "out = linear(M, M)"], method=False)
register("mse_loss", _mse_loss, ["out = mse_loss(M, x)", "out = mse_loss(x, y, reduction='sum')"],
         method=False)


# -- linear algebra and shapes -----------------------------------------------------------------

def _matmul(ctx, a, b):
    return ops.matmul(to_tensor(ctx, a), to_tensor(ctx, b))


def _mm(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd != 2 or b.nd != 2:
        _fail(f"mm needs two matrices, got shapes {a.shape} and {b.shape}", "shape")
    return ops.matmul(a, b)


def _dot(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd == 0 or b.nd == 0:
        return a * b
    return ops.matmul(a, b)


def _outer(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    a = ops.reshape(a, (a.size, 1))
    b = ops.reshape(b, (1, b.size))
    return a * b


def _bmm(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd != 3 or b.nd != 3 or a.shape[0] != b.shape[0]:
        _fail(f"bmm needs two batches of matrices of one batch size, got shapes {a.shape} and "
              f"{b.shape}", "shape")
    return ops.matmul(a, b)


def _mv(ctx, a, v):
    a, v = to_tensor(ctx, a), to_tensor(ctx, v)
    if a.nd != 2 or v.nd != 1:
        _fail(f"mv needs a matrix and a vector, got shapes {a.shape} and {v.shape}", "shape")
    return ops.matmul(a, v)


register("bmm", _bmm, ["out = bmm(reshape(M, (1, 3, 3)), reshape(N, (1, 3, 3)))"])
register("mv", _mv, ["out = mv(M, x)"])
register("matmul", _matmul, ["out = matmul(M, x)", "out = matmul(x, M)", "out = x @ y",
                             "out = M @ N", "out = matmul(reshape(M, (1, 3, 3)), N)"])
register("mm", _mm, ["out = mm(M, N)"])
register("dot", _dot, ["out = dot(x, y)"], aliases=["inner", "vdot"])
register("outer", _outer, ["out = outer(x, y)"], aliases=["ger"])


def _transpose(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    if "dim0" in kwargs or len(args) == 2:
        d0 = kwargs.pop("dim0", args[0] if args else None)
        d1 = kwargs.pop("dim1", args[1] if len(args) > 1 else None)
        (a,), (b,) = _axes(x, d0), _axes(x, d1)
        perm = list(range(x.nd))
        perm[a], perm[b] = perm[b], perm[a]
        return ops.permute(x, perm)
    axes = kwargs.pop("axes", args[0] if args else None)
    if axes is None:  # NumPy: reverse the axes
        return ops.permute(x, tuple(reversed(range(x.nd))))
    return _permute(ctx, x, *axes)


def _permute(ctx, x, *dims, **kwargs):
    x = to_tensor(ctx, x)
    dims = kwargs.pop("dims", dims)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    perm = [x.nd + a for a in (_axes(x, d)[0] for d in dims)]
    if sorted(perm) != list(range(x.nd)):
        _fail(f"permute: {tuple(dims)} is not a permutation of the axes of shape {x.shape}", "shape")
    return ops.permute(x, perm)


def _t(ctx, x):
    x = to_tensor(ctx, x)
    if x.nd > 2:
        _fail(f"t() expects a tensor of at most 2 dimensions, got shape {x.shape}", "shape")
    return ops.permute(x, tuple(reversed(range(x.nd))))


def _reshape(ctx, x, *shape, **kwargs):
    x = to_tensor(ctx, x)
    shape = kwargs.pop("shape", kwargs.pop("newshape", shape))
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = [_int(d, "reshape: a size") for d in shape]
    if shape.count(-1) > 1:
        _fail("reshape: only one size may be -1", "shape")
    if -1 in shape:
        rest = math.prod(d for d in shape if d != -1)
        if rest == 0 or x.size % rest:
            _fail(f"reshape: shape {tuple(shape)} does not fit {x.size} elements", "shape")
        shape[shape.index(-1)] = x.size // rest
    if math.prod(shape) != x.size:
        _fail(f"reshape: cannot view shape {x.shape} ({x.size} elements) as {tuple(shape)}", "shape")
    return ops.reshape(x, tuple(shape))


def _flatten(ctx, x, start_dim=0, end_dim=-1):
    x = to_tensor(ctx, x)
    if x.nd == 0:
        return ops.reshape(x, (1,))
    (s,), (e,) = _axes(x, start_dim), _axes(x, end_dim)
    s, e = x.nd + s, x.nd + e
    shape = x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:]
    return ops.reshape(x, shape)


def _squeeze(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    dim = _pop_dim(args, kwargs)
    axes = range(x.nd) if dim is None else [x.nd + a for a in _axes(x, dim)]
    drop = {a for a in axes if x.shape[a] == 1}
    return ops.reshape(x, tuple(d for i, d in enumerate(x.shape) if i not in drop))


def _unsqueeze(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    dim = _int(_pop_dim(args, kwargs), "unsqueeze: dim")
    if not -x.nd - 1 <= dim <= x.nd:
        _fail(f"unsqueeze: dim {dim} is out of range for shape {x.shape}", "shape")
    pos = dim if dim >= 0 else x.nd + 1 + dim
    return ops.reshape(x, x.shape[:pos] + (1,) + x.shape[pos:])


def _expand_dims(ctx, x, axis):
    return _unsqueeze(ctx, x, axis)


register("transpose", _transpose, ["out = transpose(M, 0, 1) * N", "out = M.transpose(1, 0) @ x",
                                   "out = transpose(M) * N"])
register("permute", _permute, ["out = M.permute(1, 0) * N"])
register("t", _t, ["out = M.t() @ x"])
register("reshape", _reshape, ["out = reshape(M, (9,)) * 2", "out = M.reshape(-1, 1) * x"],
         aliases=["view"])
register("flatten", _flatten, ["out = flatten(M) * flatten(N)"], aliases=["ravel"])
register("squeeze", _squeeze, ["out = squeeze(reshape(x, (1, 3)))", "out = x.reshape(3, 1).squeeze(1)"])
register("unsqueeze", _unsqueeze, ["out = unsqueeze(x, 0) * M", "out = x.unsqueeze(-1) * M"])
register("expand_dims", _expand_dims, ["out = expand_dims(x, 1) * M"], method=False)


def _join(prim):
    def impl(ctx, tensors, *args, **kwargs):
        if not isinstance(tensors, (list, tuple)) or not tensors:
            _fail(f"{prim} needs a list of tensors, like {prim}([a, b], dim=0)")
        items = [to_tensor(ctx, t) for t in tensors]
        dim = _pop_dim(args, kwargs, 0)
        _no_more(prim, args[1:], kwargs)
        if prim == "stack":
            shapes = {t.shape for t in items}
            if len(shapes) > 1:
                _fail(f"stack: all tensors need one shape, got {sorted(shapes)}", "shape")
            probe = Tensor(backend.xp.zeros((1,) * (items[0].nd + 1)))
            axis = _axes(probe, dim)[0]
            shape = list(items[0].shape)
            shape.insert(len(shape) + 1 + axis, len(items))
            check_size(shape, "stack")  # before allocating
            return ops.stack(items, axis)
        if any(t.nd == 0 for t in items):
            _fail("cat: zero-dimensional tensors cannot be concatenated", "shape")
        axis = _axes(items[0], dim)[0]
        for t in items[1:]:
            if t.nd != items[0].nd or any(a != b for i, (a, b) in enumerate(zip(t.shape, items[0].shape))
                                          if i != items[0].nd + axis):
                _fail(f"cat: shapes {items[0].shape} and {t.shape} do not fit along dim {dim}", "shape")
        shape = list(items[0].shape)
        shape[axis] = sum(t.shape[axis] for t in items)
        check_size(shape, "cat")  # before allocating
        return ops.cat(items, axis)
    return impl


register("cat", _join("cat"), ["out = cat([x, y])", "out = cat([M, N], dim=1)", "out = cat([x, y * 2], 0)"],
         aliases=["concatenate", "concat"], method=False)
register("stack", _join("stack"), ["out = stack([x, y])", "out = stack([x, y], dim=1)"], method=False)


def _diag(ctx, x, diagonal=0):
    """diag(v, k): v on the k-th diagonal of a square matrix; diag(M, k): M's k-th diagonal."""
    x = to_tensor(ctx, x)
    k = _int(diagonal, "diag: diagonal")
    if x.nd == 1 and k:
        n, size = x.shape[0], x.shape[0] + abs(k)
        region = (slice(0, n), slice(k, k + n)) if k > 0 else (slice(-k, size), slice(0, n))
        return ops.index_put(_new(ctx, _eye_np(size, size) * 0), _diag(ctx, x), region)
    if x.nd == 2 and k:
        if k >= x.shape[1] or -k >= x.shape[0]:
            return _new(ctx, _eye_np(1, 0)[0])  # past the corner: an empty diagonal
        return _diag(ctx, ops.index(x, (slice(None), slice(k, None)) if k > 0 else (slice(-k, None),)))
    if x.nd == 1:
        n = x.shape[0]
        eye = _new(ctx, _eye_np(n, n))
        return ops.reshape(x, (n, 1)) * eye
    if x.nd == 2:
        k = min(x.shape)
        sq = ops.index(x, (slice(0, k), slice(0, k)))
        return ops.reduce("sum", sq * _new(ctx, _eye_np(k, k)), (-1,), False)
    _fail(f"diag expects a 1-D or 2-D tensor, got shape {x.shape}", "shape")


def _eye_np(n, m):
    import numpy as np  # noqa: PLC0415
    check_size((n, m), "diag")  # before allocating: diag(x) of a 20,000-vector is 400M elements
    return np.eye(n, m)


def _trace(ctx, x):
    x = to_tensor(ctx, x)
    if x.nd != 2:
        _fail(f"trace expects a matrix, got shape {x.shape}", "shape")
    return ops.reduce("sum", _diag(ctx, x), (-1,), False)


register("diag", _diag, ["out = diag(M) * x", "out = diag(x) @ y", "out = diag(x, 1)",
                         "out = diag(x, diagonal=-2)", "out = diag(M, 1) * M[0, 1:]",
                         "out = M.diag(-2) * x"])
register("trace", _trace, ["out = trace(M @ N)"])


# -- creation: constants (and rand/randn, seeded by --seed) ------------------------------------

def _creation(fill):
    def impl(ctx, *args, **kwargs):
        size = kwargs.pop("size", None)
        kwargs.pop("requires_grad", None)
        kwargs.pop("dtype", None)
        kwargs.pop("device", None)
        shape = _shape(args if size is None else (size,), fill.__name__)
        _no_more(fill.__name__, (), kwargs)
        return _new(ctx, fill(ctx, shape))
    return impl


def zeros(ctx, shape):
    import numpy as np  # noqa: PLC0415
    return np.zeros(shape)


def ones(ctx, shape):
    import numpy as np  # noqa: PLC0415
    return np.ones(shape)


def rand(ctx, shape):
    return ctx.rng.random(shape)


def randn(ctx, shape):
    return ctx.rng.standard_normal(shape)


register("zeros", _creation(zeros), ["out = zeros(2, 3) + sum(x)", "out = zeros((3,)) * x"],
         method=False, creates=True)
register("ones", _creation(ones), ["out = ones(3) * x", "out = ones([3, 3]) @ x"],
         method=False, creates=True)
register("rand", _creation(rand), ["out = rand(3) * x"], method=False, creates=True)
register("randn", _creation(randn), ["out = randn(3, 3) @ x"], method=False, creates=True)


def _like(value):
    def impl(ctx, x, **kwargs):
        x = to_tensor(ctx, x)
        import numpy as np  # noqa: PLC0415
        return _new(ctx, np.full(x.shape, value))
    return impl


def _full_like(ctx, x, fill_value, **kwargs):
    kwargs.pop("dtype", None)
    kwargs.pop("requires_grad", None)
    _no_more("full_like", (), kwargs)
    if isinstance(fill_value, Tensor):
        _fail("full_like: the fill value must be a number")
    return _like(float(fill_value))(ctx, x)


register("full_like", _full_like, ["out = full_like(x, 2.5) * x"], creates=True)
register("zeros_like", _like(0.0), ["out = zeros_like(x) + x"], creates=True)
register("ones_like", _like(1.0), ["out = ones_like(x) * x"], creates=True)


def _full(ctx, size, fill_value, **kwargs):
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    import numpy as np  # noqa: PLC0415
    if isinstance(fill_value, Tensor):
        _fail("full: the fill value must be a number")
    return _new(ctx, np.full(_shape((size,), "full"), float(fill_value)))


def _eye(ctx, n, m=None, **kwargs):
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    n = _int(n, "eye: n")
    m = n if m is None else _int(m, "eye: m")
    if n < 0 or m < 0:
        _fail(f"eye: sizes must not be negative, got ({n}, {m})", "shape")
    check_size((n, m), "eye")
    return _new(ctx, _eye_np(n, m))


def _arange(ctx, *args, **kwargs):
    import numpy as np  # noqa: PLC0415
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    start, end, step = 0.0, None, kwargs.pop("step", 1.0)
    if "end" in kwargs or "stop" in kwargs:
        end = kwargs.pop("end", kwargs.pop("stop", None))
        start = kwargs.pop("start", args[0] if args else 0.0)
    elif len(args) == 1:
        end = args[0]
    elif len(args) >= 2:
        start, end = args[0], args[1]
        if len(args) > 2:
            step = args[2]
    if end is None or any(not isinstance(v, (int, float)) for v in (start, end, step)):
        _fail("arange needs numbers: arange(end) or arange(start, end, step)")
    if step == 0:
        _fail("arange: step must not be zero")
    count = max(0, math.ceil((end - start) / step)) if math.isfinite((end - start) / step) else -1
    if count < 0:
        _fail("arange: the range must be finite", "limit")
    check_size((count,), "arange")
    return _new(ctx, np.arange(start, end, step, dtype=np.float64))


def _linspace(ctx, start, end, steps=50, **kwargs):
    import numpy as np  # noqa: PLC0415
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    steps = _int(kwargs.pop("num", steps), "linspace: steps")
    check_size((steps,), "linspace")
    if steps < 0:
        _fail("linspace: steps must not be negative")
    return _new(ctx, np.linspace(float(start), float(end), steps))


def _tensor(ctx, data, **kwargs):
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    kwargs.pop("device", None)
    _no_more("tensor", (), kwargs)
    # torch.tensor(t) and torch.tensor([a, b]) copy values without history (a constant).
    return apply(PRIMITIVES["detach"], to_tensor(ctx, data))


def _array(ctx, data, **kwargs):
    """np.array / np.asarray / torch.as_tensor keep the gradient: [a, b] is stacked, as a list
    literal is (NumPy has no autograd of its own to follow; JAX's jnp.array is differentiable)."""
    kwargs.pop("dtype", None)
    kwargs.pop("device", None)
    kwargs.pop("copy", None)
    _no_more("array", (), kwargs)
    return to_tensor(ctx, data)


register("full", _full, ["out = full((3,), 2.5) * x"], method=False, creates=True)
register("eye", _eye, ["out = eye(3) @ x", "out = eye(3, 3) * M"], method=False, creates=True)
register("arange", _arange, ["out = arange(3) * x", "out = arange(1, 4) * x",
                             "out = arange(0, 3, 1) * x"], method=False, creates=True)
register("linspace", _linspace, ["out = linspace(0, 1, 3) * x"], method=False, creates=True)
register("tensor", _tensor, ["out = tensor([1., 2., 3.]) * x", "out = tensor([[1, 2, 3]]) @ x"],
         aliases=["FloatTensor", "DoubleTensor", "Tensor"], method=False, creates=True)
register("array", _array, ["out = array([x[0] * 2, x[1]]) * y[:2]", "out = asarray(x) * y"],
         aliases=["asarray", "as_tensor"], method=False)


# -- methods that are no-ops or views of something above -----------------------------------------

def _identity(ctx, x, *args, **kwargs):
    return to_tensor(ctx, x)


def _float(ctx, x, *args, **kwargs):
    """x.float() / x.double() keep x (--dtype rules); float('inf') is a number, as in Python."""
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            _fail(f"float(): cannot read {x[:40]!r} as a number")
    return to_tensor(ctx, x)


def _item(ctx, x):
    """x.item(): a Python number in PyTorch, so the gradient stops here."""
    x = to_tensor(ctx, x)
    if x.size != 1:
        _fail(f"item() needs a tensor of one element, got shape {x.shape}", "shape")
    return apply(PRIMITIVES["detach"], ops.reshape(x, ()))


def _size(ctx, x, dim=None):
    """x.size(): the shape; x.size(d): one size (an integer, as in PyTorch)."""
    x = to_tensor(ctx, x)
    return x.shape if dim is None else x.shape[x.nd + _axes(x, dim)[0]]


register("size", _size, ["out = x * x.size(0) + x.size()[0]"])
register("numel", lambda ctx, x: to_tensor(ctx, x).size, ["out = x * x.numel()"])
register("dim", lambda ctx, x: to_tensor(ctx, x).nd, ["out = x * M.dim()"], aliases=["ndimension"])


def _argmax_or_argmin(prim):
    def impl(ctx, x, *args, **kwargs):
        """The index of the first extreme (a constant), over all elements or along one dim."""
        x = to_tensor(ctx, x)
        dim = _pop_dim(args, kwargs)
        keep = _keepdim(kwargs) if len(args) < 2 else bool(args[1])
        _no_more(prim, args[2:], kwargs)
        if dim is None:
            flat = ops.reshape(x, (x.size,))
            found = _arg_extreme(flat, -1, False, prim)
            return ops.reshape(found, (1,) * x.nd) if keep else found
        return _arg_extreme(x, (_reduce_axes(x, dim) or (-1,))[0], keep, prim)
    return impl


register("argmax", _argmax_or_argmin("amax"), ["out = argmax(x) * x + M.argmax(1) * x"])
register("argmin", _argmax_or_argmin("amin"), ["out = argmin(M, dim=0, keepdim=True) * M"])
register("clone", _identity, ["out = clone(x) * x"], aliases=["contiguous", "copy", "cpu", "cuda",
                                                           "to"])
register("float", _float, ["out = x.float() * x.double() + x.clamp(max=float('inf'))"], aliases=["double"])
register("item", _item, ["out = ones(3).sum().item() * x"])
