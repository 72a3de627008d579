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


def to_tensor(ctx: Context, value) -> Tensor:
    """Numbers, nested lists of numbers or tensors (stacked), and tensors."""
    if isinstance(value, Tensor):
        return value
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
        _no_more(name, (), kwargs)
        return apply(op, to_tensor(ctx, x), to_tensor(ctx, y))
    return impl


_DOMAIN = {"log": "x.abs() + 0.5", "log2": "x.abs() + 0.5", "log10": "x.abs() + 0.5",
           "sqrt": "x.abs() + 0.5", "log1p": "x.abs()", "asin": "x * 0.3", "acos": "x * 0.3"}
for _name in ["exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "sin", "cos", "tan",
              "asin", "acos", "atan", "sinh", "cosh", "tanh", "abs", "sign", "relu", "sigmoid",
              "softplus", "erf", "floor", "ceil", "round", "neg"]:
    _arg = _DOMAIN.get(_name, "x")
    register(_name, _unary(_name), [f"out = {_name}({_arg}) * y", f"out = {_name}(M * 0.5)"],
             aliases={"asin": ["arcsin"], "acos": ["arccos"], "atan": ["arctan"],
                      "abs": ["absolute"], "neg": ["negative"]}.get(_name, ()))

register("add", _binary("add"), ["out = add(x, M)"])
register("sub", _binary("sub"), ["out = sub(M, x)"], aliases=["subtract"])
register("mul", _binary("mul"), ["out = mul(x, M)"], aliases=["multiply"])
register("div", _binary("div"), ["out = div(M, x.abs() + 1)", "out = x / (y.abs() + 1)"],
         aliases=["divide", "true_divide"])
register("pow", _binary("pow"), ["out = pow(x.abs() + 0.5, y)", "out = x ** 3 + M ** 2",
                                 "out = (x.abs() + 0.5) ** M"], aliases=["power"])
register("maximum", _binary("maximum"), ["out = maximum(x, y)", "out = maximum(M, x)"],
         aliases=["fmax"])
register("minimum", _binary("minimum"), ["out = minimum(x, y)"], aliases=["fmin"])
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
        keep = _keepdim(kwargs)
        _no_more(name, args[1:], kwargs)
        return ops.reduce(prim, x, _axes(x, dim), keep)
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
        return reduction(ctx, x, *args, **kwargs)
    return impl


register("max", _max_or_min("max", "amax", "maximum"),
         ["out = max(M)", "out = max(M, 1)", "out = M.max(dim=0, keepdim=True)", "out = max(x, y)",
          "out = max(x * 0)"])
register("min", _max_or_min("min", "amin", "minimum"), ["out = min(M, 0)", "out = min(x, y)"])


def _norm(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    p = kwargs.pop("p", kwargs.pop("ord", args[0] if args else 2))
    dim = kwargs.pop("dim", kwargs.pop("axis", args[1] if len(args) > 1 else None))
    keep = _keepdim(kwargs)
    _no_more("norm", args[2:], kwargs)
    axes = _axes(x, dim)
    if p in (2, 2.0, "fro", None):
        return ops.reduce("norm", x, axes, keep)
    if p in (1, 1.0):
        return ops.reduce("sum", apply(PRIMITIVES["abs"], x), axes, keep)
    if p == math.inf or p == "inf":
        return ops.reduce("amax", apply(PRIMITIVES["abs"], x), axes, keep)
    if isinstance(p, (int, float)) and p > 0:
        powered = apply(PRIMITIVES["abs"], x) ** float(p)
        return ops.reduce("sum", powered, axes, keep) ** (1.0 / p)
    _fail(f"norm: p={p!r} is not supported (use 1, 2, inf, 'fro' or a positive number)")


register("norm", _norm, ["out = norm(x)", "out = norm(M, dim=1)", "out = norm(M, 1)",
                         "out = norm(x, p=3)", "out = x.norm()", "out = norm(M, inf)",
                         "out = norm(x * 0) + x.sum()"])


# -- softmax and friends ---------------------------------------------------------------------

def _softmax(prim):
    def impl(ctx, x, *args, **kwargs):
        x = to_tensor(ctx, x)
        dim = _pop_dim(args, kwargs, -1)
        _no_more(prim, args[1:], kwargs)
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
            return ops.stack(items, _axes(probe, dim)[0])
        if any(t.nd == 0 for t in items):
            _fail("cat: zero-dimensional tensors cannot be concatenated", "shape")
        axis = _axes(items[0], dim)[0]
        for t in items[1:]:
            if t.nd != items[0].nd or any(a != b for i, (a, b) in enumerate(zip(t.shape, items[0].shape))
                                          if i != items[0].nd + axis):
                _fail(f"cat: shapes {items[0].shape} and {t.shape} do not fit along dim {dim}", "shape")
        return ops.cat(items, axis)
    return impl


register("cat", _join("cat"), ["out = cat([x, y])", "out = cat([M, N], dim=1)", "out = cat([x, y * 2], 0)"],
         aliases=["concatenate", "concat"], method=False)
register("stack", _join("stack"), ["out = stack([x, y])", "out = stack([x, y], dim=1)"], method=False)


def _diag(ctx, x):
    x = to_tensor(ctx, x)
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
    return np.eye(n, m)


def _trace(ctx, x):
    x = to_tensor(ctx, x)
    if x.nd != 2:
        _fail(f"trace expects a matrix, got shape {x.shape}", "shape")
    return ops.reduce("sum", _diag(ctx, x), (-1,), False)


register("diag", _diag, ["out = diag(M) * x", "out = diag(x) @ y"])
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
    if isinstance(data, Tensor):
        return apply(PRIMITIVES["detach"], data)  # torch.tensor(t) copies without history
    return to_tensor(ctx, data)


register("full", _full, ["out = full((3,), 2.5) * x"], method=False, creates=True)
register("eye", _eye, ["out = eye(3) @ x", "out = eye(3, 3) * M"], method=False, creates=True)
register("arange", _arange, ["out = arange(3) * x", "out = arange(1, 4) * x",
                             "out = arange(0, 3, 1) * x"], method=False, creates=True)
register("linspace", _linspace, ["out = linspace(0, 1, 3) * x"], method=False, creates=True)
register("tensor", _tensor, ["out = tensor([1., 2., 3.]) * x", "out = tensor([[1, 2, 3]]) @ x"],
         aliases=["FloatTensor", "DoubleTensor", "Tensor", "array", "asarray", "as_tensor"],
         method=False, creates=True)


# -- methods that are no-ops or views of something above -----------------------------------------

def _identity(ctx, x, *args, **kwargs):
    return to_tensor(ctx, x)


def _item(ctx, x):
    x = to_tensor(ctx, x)
    if x.size != 1:
        _fail(f"item() needs a tensor of one element, got shape {x.shape}", "shape")
    return ops.reshape(x, ())


register("clone", _identity, ["out = clone(x) * x"], aliases=["contiguous", "float", "double",
                                                           "copy", "cpu", "cuda", "to"])
register("item", _item, ["out = x.sum().item() * x"])
