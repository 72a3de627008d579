"""`gradcli symbolic`: the outputs and their derivatives as formulas, through SymPy.

The program is not handed to SymPy as text (never sympify/parse_expr): the parsed
statements' postfix instructions are *interpreted* again, this time with SymPy
values instead of Tensors. A tensor is a NumPy object array of SymPy expressions,
so broadcasting, indexing, reshapes and `@` come from NumPy for free; an input of
shape (1, 2) becomes the symbols a[0,0], a[0,1] (LaTeX a_{0,0}, a_{0,1}).

Shapes: an input's shape is that of its --at value; without one, an input is a
scalar (and a requires_grad tensor has the shape of its default value). Every
tensor is capped at MAX_SYMBOLIC_ELEMENTS elements and the Jacobian at
MAX_JACOBIAN_ENTRIES entries: formulas grow fast, and simplify() grows faster.

A construct SymPy cannot write as a formula (comparisons and `where`, detach,
rand/randn, round) is a GradcliError naming it (exit 2), never a traceback.

SymPy is imported only when this module is: by the `symbolic` command.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..errors import GradcliError
from ..lang import functions
from ..lang.language import CONSTANTS
from ..lang.program import Program
from . import symbolic_linalg
from .sympy_arrays import (
    MAX_SYMBOLIC_ELEMENTS,
    arr,
    elementwise,
    number,
    refuse_keywords,
    unsupported,
    wrap,
)

__all__ = ["MAX_SYMBOLIC_ELEMENTS", "arr", "elementwise", "number", "unsupported", "wrap"]

MAX_JACOBIAN_ENTRIES = 2500
# Above this many operations an expression is shown as computed: simplify() would take too long.
SIMPLIFY_MAX_OPS = 400
# simplify() expands integer powers: (x + 1)**100000 would never finish.
SIMPLIFY_MAX_POWER = 32
# A formula written out as a tree; `y = y*y + y` repeated doubles it with each statement.
MAX_FORMULA_NODES = 20_000


def input_symbols(name: str, shape: tuple) -> np.ndarray:
    """Real symbols for an input: `a` for a scalar, a[0,1] for an element of a tensor."""
    if shape == ():
        return arr(sp.Symbol(name, real=True))
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = sp.Symbol(f"{name}[{','.join(map(str, idx))}]", real=True)
    return arr(out)


def latex_names(symbols) -> dict:
    """a[0,1] -> a_{0,1} in LaTeX."""
    names = {}
    for s in symbols:
        if "[" in s.name:
            base, idx = s.name[:-1].split("[", 1)
            names[s] = f"{sp.latex(sp.Symbol(base))}_{{{idx}}}"
    return names


# -- the function table: each entry builds its result from SymPy on object arrays ----------------

def _axes(x: np.ndarray, dim) -> tuple:
    if dim is None:
        return tuple(range(x.ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    nd = max(x.ndim, 1)
    out = []
    for d in dims:
        if not isinstance(d, int) or not -nd <= d < nd:
            raise GradcliError(f"dim {d!r} is out of range for a tensor of shape {x.shape}", kind="shape")
        out.append(d % nd if x.ndim else 0)
    return tuple(sorted(set(out)))


def _dim(args, kwargs, default=None):
    dim = kwargs.pop("dim", kwargs.pop("axis", default))
    return args[0] if args else dim


def _keep(kwargs) -> bool:
    return bool(kwargs.pop("keepdim", kwargs.pop("keepdims", False)))


def reduce_with(x: np.ndarray, axes: tuple, keepdims: bool, combine) -> np.ndarray:
    """combine(list of elements) over the given axes of x."""
    x = arr(x)
    if x.ndim == 0:
        return arr(combine([x[()]]))
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    kept_shape = tuple(x.shape[a] for a in rest)
    flat = moved.reshape(kept_shape + (-1,))
    out = np.empty(kept_shape, dtype=object)
    for idx in np.ndindex(*kept_shape):
        out[idx] = combine(list(flat[idx]))
    if keepdims:
        out = out.reshape(tuple(1 if a in axes else d for a, d in enumerate(x.shape)))
    return arr(out)


def _reduction(combine):
    def impl(x, *args, **kwargs):
        x = arr(x)
        dim = _dim(args, kwargs)
        return reduce_with(x, _axes(x, dim), _keep(kwargs), combine)
    return impl


def _mean(items):
    return sp.Add(*items) / len(items)


def _logsumexp(items):
    return sp.log(sp.Add(*[sp.exp(i) for i in items]))


def _max_or_min(reducer, pairwise):
    reduction = _reduction(lambda items: reducer(*items))

    def impl(x, *args, **kwargs):
        if (args and not isinstance(args[0], (int, tuple, list))) or "other" in kwargs:
            other = kwargs.pop("other", args[0] if args else None)
            return elementwise(pairwise, x, other)
        return reduction(x, *args, **kwargs)
    return impl


def _norm(x, *args, **kwargs):
    x = arr(x)
    p = kwargs.pop("p", kwargs.pop("ord", args[0] if args else 2))
    dim = kwargs.pop("dim", kwargs.pop("axis", args[1] if len(args) > 1 else None))
    keep = _keep(kwargs)
    axes = _axes(x, dim)
    if p in (2, 2.0, "fro", None):
        return reduce_with(x, axes, keep, lambda items: sp.sqrt(sp.Add(*[i ** 2 for i in items])))
    if p in (1, 1.0):
        return reduce_with(x, axes, keep, lambda items: sp.Add(*[sp.Abs(i) for i in items]))
    if p == math.inf or p == "inf":
        return reduce_with(x, axes, keep, lambda items: sp.Max(*[sp.Abs(i) for i in items]))
    if isinstance(p, (int, float)) and p > 0:
        q = number(p)
        return reduce_with(x, axes, keep, lambda items: sp.Add(*[sp.Abs(i) ** q for i in items]) ** (1 / q))
    raise GradcliError(f"norm: p={p!r} is not supported", kind="argument")


def _softmax(log: bool):
    def impl(x, *args, **kwargs):
        x = arr(x)
        if x.ndim == 0:
            return arr(sp.Integer(0) if log else sp.Integer(1))
        (axis,) = _axes(x, _dim(args, kwargs, -1))
        total = reduce_with(x, (axis,), True, lambda items: sp.Add(*[sp.exp(i) for i in items]))
        if log:
            return wrap(x - elementwise(sp.log, total))
        return wrap(elementwise(sp.exp, x) / total)
    return impl


def _softmax_over(x, axis, log: bool):
    """scipy.special.softmax(x, axis=None): over every element unless an axis is given."""
    x = arr(x)
    if axis is not None:
        return _softmax(log)(x, axis)
    flat = x.reshape(-1)
    return arr(_softmax(log)(flat, 0).reshape(x.shape))


def _matmul(a, b):
    a, b = arr(a), arr(b)
    if a.ndim == 0 or b.ndim == 0:
        raise GradcliError(f"matmul: both arguments need at least one dimension, got shapes "
                           f"{a.shape} and {b.shape}", kind="shape")
    try:
        return wrap(np.matmul(a, b))
    except ValueError as exc:
        raise GradcliError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied ({exc})",
                           kind="shape") from None


def _mm(a, b):
    a, b = arr(a), arr(b)
    if a.ndim != 2 or b.ndim != 2:
        raise GradcliError(f"mm needs two matrices, got shapes {a.shape} and {b.shape}", kind="shape")
    return _matmul(a, b)


def _dot(a, b):
    a, b = arr(a), arr(b)
    return wrap(a * b) if a.ndim == 0 or b.ndim == 0 else _matmul(a, b)


def _outer(a, b):
    a, b = arr(a), arr(b)
    return wrap(a.reshape(-1, 1) * b.reshape(1, -1))


def _transpose(x, *args, **kwargs):
    x = arr(x)
    if "dim0" in kwargs or len(args) == 2:
        d0 = kwargs.pop("dim0", args[0] if args else None)
        d1 = kwargs.pop("dim1", args[1] if len(args) > 1 else None)
        (a,), (b,) = _axes(x, d0), _axes(x, d1)
        return arr(np.swapaxes(x, a, b))
    axes = kwargs.pop("axes", args[0] if args else None)
    return arr(np.transpose(x) if axes is None else np.transpose(x, [_axes(x, d)[0] for d in axes]))


def _permute(x, *dims, **kwargs):
    x = arr(x)
    dims = kwargs.pop("dims", dims)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return arr(np.transpose(x, [_axes(x, d)[0] for d in dims]))


def _reshape(x, *shape, **kwargs):
    x = arr(x)
    shape = kwargs.pop("shape", kwargs.pop("newshape", shape))
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return arr(x.reshape(tuple(int(d) for d in shape)))
    except ValueError:
        raise GradcliError(f"reshape: cannot view shape {x.shape} as {tuple(shape)}", kind="shape") from None


def _flatten(x, start_dim=0, end_dim=-1):
    x = arr(x)
    if x.ndim == 0:
        return arr(x.reshape(1))
    (s,), (e,) = _axes(x, start_dim), _axes(x, end_dim)
    return arr(x.reshape(x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:]))


def _squeeze(x, *args, **kwargs):
    x = arr(x)
    dim = _dim(args, kwargs)
    axes = range(x.ndim) if dim is None else _axes(x, dim)
    drop = tuple(a for a in axes if x.shape[a] == 1)
    return arr(np.squeeze(x, axis=drop)) if drop else x


def _unsqueeze(x, *args, **kwargs):
    x = arr(x)
    dim = _dim(args, kwargs)
    if isinstance(dim, (tuple, list)):  # np.expand_dims(x, (0, 2))
        return arr(np.expand_dims(x, tuple(dim)))
    pos = dim if dim >= 0 else x.ndim + 1 + dim
    return arr(np.expand_dims(x, pos))


def _join(stack: bool):
    def impl(tensors, *args, **kwargs):
        if not isinstance(tensors, (list, tuple)) or not tensors:
            raise GradcliError("cat/stack need a list of tensors", kind="argument")
        items = [arr(t) for t in tensors]
        dim = _dim(args, kwargs, 0)
        try:
            if stack:
                probe = np.empty((1,) * (items[0].ndim + 1))
                return arr(np.stack(items, axis=_axes(probe, dim)[0]))
            return arr(np.concatenate(items, axis=_axes(items[0], dim)[0]))
        except ValueError as exc:
            raise GradcliError(f"cat/stack: {exc}", kind="shape") from None
    return impl


def _diag(x, diagonal=0, **kwargs):
    """torch.diag / np.diag with an offset: a vector on the k-th diagonal, or that diagonal."""
    x, k = arr(x), int(kwargs.pop("k", diagonal))
    refuse_keywords(kwargs)
    if x.ndim == 1:
        n = x.size + abs(k)
        out = np.full((n, n), sp.Integer(0), dtype=object)
        for i in range(x.size):
            out[i + max(-k, 0), i + max(k, 0)] = x[i]
        return arr(out)
    if x.ndim == 2:
        return arr(np.diagonal(x, k).copy())
    raise GradcliError(f"diag expects a 1-D or 2-D tensor, got shape {x.shape}", kind="shape")


def _trace(x):
    x = arr(x)
    if x.ndim != 2:
        raise GradcliError(f"trace expects a matrix, got shape {x.shape}", kind="shape")
    return arr(sp.Add(*_diag(x).tolist()))


def _clamp(x, *args, **kwargs):
    lo = kwargs.pop("min", kwargs.pop("a_min", args[0] if len(args) > 0 else None))
    hi = kwargs.pop("max", kwargs.pop("a_max", args[1] if len(args) > 1 else None))
    out = arr(x)
    if lo is not None:
        out = elementwise(sp.Max, out, lo)
    if hi is not None:
        out = elementwise(sp.Min, out, hi)
    return out


def _linear(x, weight, bias=None):
    weight = arr(weight)
    out = _matmul(x, weight.T if weight.ndim >= 2 else weight)
    return out if bias is None else wrap(out + arr(bias))


def _mse_loss(pred, target, reduction="mean"):
    d = wrap(arr(pred) - arr(target))
    sq = wrap(d * d)
    if reduction == "none":
        return sq
    combine = _mean if reduction == "mean" else (lambda items: sp.Add(*items))
    return reduce_with(sq, tuple(range(sq.ndim)), False, combine)


def _constant_creation(name):
    """zeros/ones/eye/...: run the numeric function and keep its values as exact numbers."""
    def impl(*args, **kwargs):
        ctx = functions.Context(np.float64, np.random.default_rng(0))
        tensor = functions.FUNCTIONS[name].impl(ctx, *[_numeric(a) for a in args],
                                                **{k: _numeric(v) for k, v in kwargs.items()})
        return arr(np.vectorize(number, otypes=[object])(np.asarray(tensor.data)))
    return impl


def _numeric(value):
    """Creation arguments are numbers and shapes; a formula there has no numeric value."""
    if isinstance(value, np.ndarray):
        try:
            return [float(v) for v in value.reshape(-1)] if value.ndim else float(value[()])
        except TypeError:
            raise unsupported("a creation function of a symbolic value") from None
    return value


def _tensor(data, **kwargs):
    if isinstance(data, np.ndarray):
        raise unsupported("torch.tensor(t) of a tensor", "it copies without gradient history")
    mask = np.asarray(data, dtype=object)
    if mask.size and all(isinstance(v, bool) for v in mask.reshape(-1)):
        return mask.astype(bool)  # a mask indexes by its truth values, not as the integers 0 and 1
    return arr(data)


def _softplus(x, beta=1, threshold=20):
    """(1/beta) log(1 + exp(beta x)), and x itself where beta x > threshold, as PyTorch computes it."""
    beta, threshold = number(beta), number(threshold)

    def formula(v):
        smooth = sp.log(1 + sp.exp(beta * v)) / beta
        return smooth if threshold == 20 and beta == 1 else sp.Piecewise((v, beta * v > threshold),
                                                                          (smooth, True))
    return elementwise(formula, x)


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


class floor(sp.floor):
    """floor with PyTorch's derivative, 0 (SymPy leaves it unevaluated, and SymPy's replace of
    many such unevaluated derivatives in one sum can fail). Named like SymPy's, so it prints so."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


class ceiling(sp.ceiling):
    """ceil with PyTorch's derivative, 0."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


def _relu(x):
    # Piecewise rather than Max(x, 0): its derivative is 0 at x = 0, as in PyTorch.
    return sp.Piecewise((x, x > 0), (0, True))


UNARY = {
    "exp": sp.exp, "expm1": lambda x: sp.exp(x) - 1, "log": sp.log, "log1p": lambda x: sp.log(1 + x),
    "log2": lambda x: sp.log(x) / sp.log(2), "log10": lambda x: sp.log(x) / sp.log(10),
    "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos,
    "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "abs": sp.Abs,
    "sign": sp.sign, "relu": _relu, "sigmoid": _sigmoid, "erf": sp.erf,
    "floor": floor, "ceil": ceiling, "neg": lambda x: -x, "square": lambda x: x * x,
    "reciprocal": lambda x: 1 / x, "rsqrt": lambda x: 1 / sp.sqrt(x),
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "maximum": sp.Max, "minimum": sp.Min,
    "atan2": sp.atan2,
    # % (the divisor's sign) as Python defines it, so that floor's derivative (0) gives PyTorch's rule
    "remainder": lambda a, b: a - b * floor(a / b), "floor_divide": lambda a, b: floor(a / b),
}
UNSUPPORTED = {
    "where": "a choice between values by a tensor condition",
    "lt": "a comparison", "le": "a comparison", "gt": "a comparison", "ge": "a comparison",
    "eq": "a comparison", "ne": "a comparison",
    "detach": "it stops the gradient, which a formula cannot",
    "rand": "a random constant (give it as an input with --at)",
    "randn": "a random constant (give it as an input with --at)",
    "round": "round-half-to-even has no SymPy function",
}


def _unary_impl(fn):
    def impl(x, **kwargs):
        refuse_keywords(kwargs)
        return elementwise(fn, x)
    return impl


def _binary_impl(fn):
    def impl(x, y, **kwargs):
        refuse_keywords(kwargs)
        return elementwise(fn, x, y)
    return impl


def _add_or_sub(sign: int):
    """torch.add/sub(x, y, alpha=a): x + a y and x - a y."""
    def impl(x, y, alpha=1, **kwargs):
        refuse_keywords(kwargs)
        scale = number(alpha) if isinstance(alpha, (int, float)) else alpha
        return elementwise(lambda a, b, s: a + sign * s * b, x, y, scale)
    return impl


TABLE = {name: _unary_impl(fn) for name, fn in UNARY.items()}
TABLE.update({name: _binary_impl(fn) for name, fn in BINARY.items()})
TABLE.update({"add": _add_or_sub(1), "sub": _add_or_sub(-1), "softplus": _softplus})
TABLE.update({
    "sum": _reduction(lambda items: sp.Add(*items)), "mean": _reduction(_mean),
    "prod": _reduction(lambda items: sp.Mul(*items)),
    "amax": _reduction(lambda items: sp.Max(*items)), "amin": _reduction(lambda items: sp.Min(*items)),
    "logsumexp": _reduction(_logsumexp),
    "max": _max_or_min(sp.Max, sp.Max), "min": _max_or_min(sp.Min, sp.Min), "norm": _norm,
    "softmax": _softmax(False), "log_softmax": _softmax(True),
    "linear": _linear, "mse_loss": _mse_loss, "clamp": _clamp,
    "matmul": _matmul, "mm": _mm, "dot": _dot, "outer": _outer,
    "transpose": _transpose, "permute": _permute, "t": lambda x: arr(np.transpose(arr(x))),
    "reshape": _reshape, "flatten": _flatten, "squeeze": _squeeze, "unsqueeze": _unsqueeze,
    "expand_dims": lambda x, axis: _unsqueeze(x, axis), "cat": _join(False), "stack": _join(True),
    "diag": _diag, "trace": _trace, "tensor": _tensor,
    "clone": lambda x, *a, **k: arr(x), "item": lambda x: arr(arr(x).reshape(())),
})
for _name in ("zeros", "ones", "full", "eye", "arange", "linspace", "zeros_like", "ones_like"):
    TABLE[_name] = _constant_creation(_name)

# Linear algebra, special functions, statistics and the newer elementwise math: their own module.
TABLE.update(symbolic_linalg.TABLE)
UNSUPPORTED.update(symbolic_linalg.UNSUPPORTED)
# NumPy's max/min with an axis are the values alone: the same formula as PyTorch's reduction.
TABLE["numpy.max"], TABLE["numpy.min"] = TABLE["max"], TABLE["min"]
TABLE["scipy.softmax"] = lambda x, axis=None: _softmax_over(x, axis, log=False)
TABLE["scipy.log_softmax"] = lambda x, axis=None: _softmax_over(x, axis, log=True)


def _canonical(name: str, library: str) -> str:
    """The table key of a call through a library: np.dot is 'numpy.dot' where NumPy's differs."""
    if library != "torch":
        key = f"{library}.{name}"
        key = functions.ALIASES.get(key, key)
        # An entry of that library's own (np.var, scipy.special.softmax) never falls back to
        # PyTorch's formula: without a translation of its own it is named as untranslated.
        if key in TABLE or key in UNSUPPORTED or key in functions.FUNCTIONS:
            return key
    return functions.ALIASES.get(name, name)


def call(name: str, args: list, kwargs: dict, library: str = "torch"):
    canonical = _canonical(name, library)
    if canonical in UNSUPPORTED:
        raise unsupported(f"{name}()", UNSUPPORTED[canonical])
    impl = TABLE.get(canonical)
    if impl is None:
        if functions.lookup(name, library) is None:
            raise GradcliError(f"unknown function {name}()", kind="name")
        raise unsupported(f"{name}()", "no translation to SymPy yet")
    kwargs = {k: v for k, v in kwargs.items() if k not in ("dtype", "requires_grad", "device")}
    if canonical in ("zeros_like", "ones_like"):
        args = [np.empty(arr(args[0]).shape)] + list(args[1:])
    try:
        return impl(*args, **kwargs)
    except TypeError as exc:
        # eval accepted these arguments (or will say what is wrong with them): the translation
        # is what lacks them.
        raise unsupported(f"{name}() with these arguments", f"not translated yet: {exc}") from None


# -- the interpreter ---------------------------------------------------------------------------

class SymbolicProgram:
    """A program's statements run again with SymPy values; `env` maps names to object arrays."""

    def __init__(self, program: Program, shapes: dict[str, tuple]):
        self.program = program
        self.shapes = shapes
        self.symbols: dict[str, np.ndarray] = {}
        self.env: dict = {}

    def run(self) -> dict:
        program = self.program
        for name, info in program.inputs.items():
            if info.default is None:
                self.env[name] = self.symbols[name] = input_symbols(name, self.shapes.get(name, ()))
        for stmt in program.statements:
            try:
                self._execute(stmt)
            except GradcliError as exc:
                raise exc.at(stmt.line, stmt.column, program.source.line(stmt.line)) from None
        return self.env

    def _execute(self, stmt) -> None:
        info = self.program.inputs.get(stmt.target)
        if info is not None and info.default is stmt:  # a requires_grad tensor: an input
            shape = self.shapes.get(stmt.target)
            if shape is None:
                shape = arr(self.evaluate(stmt.code)).shape
            self.env[stmt.target] = self.symbols[stmt.target] = input_symbols(stmt.target, shape)
            return
        value = self.evaluate(stmt.code)
        if stmt.kind in ("assign", "expr"):
            self.env[stmt.target] = arr(value)
        elif stmt.kind == "update":
            self.env[stmt.target] = self.binop(stmt.op, self.env[stmt.target], value)
        else:  # setitem: a new array with the region replaced (CopySlices)
            target = arr(self.env[stmt.target])
            idx = self.evaluate(stmt.index)
            idx = idx if isinstance(idx, tuple) else (idx,)
            if stmt.op is not None:
                value = self.binop(stmt.op, arr(target[idx]), value)
            out = target.copy()
            region = out[idx]
            value = arr(value)
            try:
                if isinstance(region, np.ndarray):
                    out[idx] = np.broadcast_to(value, region.shape)
                else:
                    if value.size != 1:
                        raise ValueError
                    out[idx] = value.reshape(())[()]
            except ValueError:
                raise GradcliError(f"cannot assign a value of shape {value.shape} to a region of "
                                   f"shape {np.shape(region)}", kind="shape") from None
            self.env[stmt.target] = arr(out)

    def binop(self, op: str, a, b):
        if op == "matmul":
            return _matmul(a, b)
        if isinstance(a, int) and isinstance(b, int) and op in ("add", "sub", "mul"):
            return {"add": a + b, "sub": a - b, "mul": a * b}[op]
        a, b = arr(a), arr(b)
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise GradcliError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together",
                               kind="shape") from None
        return elementwise(BINARY[op], a, b)

    def evaluate(self, code: list):
        stack: list = []
        push, pop = stack.append, stack.pop
        ins = None
        try:
            for ins in code:
                kind, arg, _ = ins
                if kind == "const":
                    push(arg)
                elif kind == "name":
                    if arg in self.env:
                        push(self.env[arg])
                    elif arg in CONSTANTS:
                        push(_CONSTANTS[arg])
                    else:
                        raise GradcliError(f"unknown name {arg!r}", kind="name")
                elif kind == "binop":
                    right = pop()
                    push(self.binop(arg, pop(), right))
                elif kind == "unary":
                    v = pop()
                    push(v if arg == "pos" else (-v if isinstance(v, (int, float)) else wrap(-arr(v))))
                elif kind == "compare":
                    raise unsupported("a comparison", "use eval/backward for masks and where")
                elif kind in ("call", "method"):
                    name, nargs, kwnames, library = arg
                    kwvalues = [pop() for _ in kwnames][::-1]
                    args = [pop() for _ in range(nargs)][::-1]
                    if kind == "method":
                        args.insert(0, pop())
                    push(call(name, args, dict(zip(kwnames, kwvalues)), library))
                elif kind == "attribute":
                    push(self.attribute(arg, pop()))
                elif kind == "module_constant":
                    push(_CONSTANTS.get(arg))
                elif kind == "subscript":
                    idx = pop()
                    push(self.subscript(pop(), idx))
                elif kind == "slice":
                    parts = [pop() if present else None for present in reversed(arg)][::-1]
                    push(slice(*parts))
                elif kind == "list":
                    push([pop() for _ in range(arg)][::-1])
                elif kind == "tuple":
                    push(tuple(pop() for _ in range(arg))[::-1])
                else:  # pragma: no cover - the compiler emits nothing else
                    raise AssertionError(kind)
        except GradcliError as exc:
            line, column = ins[2]
            raise exc.at(line, column, self.program.source.line(line)) from None
        return stack[-1]

    @staticmethod
    def attribute(attr: str, value):
        x = arr(value)
        if attr == "shape":
            return x.shape
        if attr == "ndim":
            return x.ndim
        if attr == "T":
            return arr(np.transpose(x))
        if attr == "mT":
            return arr(np.swapaxes(x, -1, -2))
        if attr == "data":
            raise unsupported(".data", "it stops the gradient, which a formula cannot")
        return x

    @staticmethod
    def subscript(value, idx):
        if isinstance(value, tuple):
            return value[idx]
        x = arr(value)
        try:
            return arr(x[_numeric_index(idx)])
        except IndexError as exc:
            raise GradcliError(f"index {idx!r}: {exc} (shape {x.shape})", kind="index") from None


def _numeric_index(idx):
    """Index tensors (x[tensor([0, 2])], x[ones(2, dtype=torch.long)]) hold exact SymPy numbers:
    NumPy indexes with their integer or boolean values."""
    if isinstance(idx, tuple):
        return tuple(_numeric_index(i) for i in idx)
    if isinstance(idx, np.ndarray) and idx.dtype == object:
        values = [bool(v) if isinstance(v, sp.logic.boolalg.BooleanAtom) else v for v in idx.reshape(-1)]
        if all(isinstance(v, bool) for v in values):
            return np.array(values, dtype=bool).reshape(idx.shape)
        if all(isinstance(v, (int, sp.Integer)) and not isinstance(v, bool) for v in values):
            return np.array([int(v) for v in values], dtype=np.int64).reshape(idx.shape)
        raise unsupported("indexing by a tensor whose values depend on the inputs")
    return idx


_CONSTANTS = {"pi": np.array(sp.pi, dtype=object), "e": np.array(sp.E, dtype=object),
              "inf": math.inf, "nan": math.nan, "newaxis": None}


# -- derivatives -------------------------------------------------------------------------------

def conventions(expr: sp.Expr) -> sp.Expr:
    """PyTorch's conventions in a derivative: sign has zero derivative (floor and ceiling, above,
    differentiate to 0 themselves)."""
    return expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))


def tidy(expr: sp.Expr) -> sp.Expr:
    """PyTorch's conventions, then simplify."""
    expr = conventions(expr)
    if _simplifiable(expr):
        expr = sp.simplify(expr)
    return expr


def _simplifiable(expr: sp.Expr) -> bool:
    if sp.count_ops(expr) > SIMPLIFY_MAX_OPS:
        return False
    return not any(p.exp.is_Integer and abs(p.exp) > SIMPLIFY_MAX_POWER for p in expr.atoms(sp.Pow))


def tree_size(expr) -> int:
    """The size of `expr` written out as a tree, counted over its DAG in linear time.

    SymPy shares repeated subexpressions, so a formula can be tiny in memory and astronomically
    long on paper; sp.count_ops or printing would walk the whole tree.
    """
    if not isinstance(expr, sp.Basic):
        return 1
    sizes: dict = {}
    todo = [expr]
    while todo:
        node = todo[-1]
        if node in sizes:
            todo.pop()
            continue
        pending = [a for a in node.args if a not in sizes]
        if pending:
            todo.extend(pending)
            continue
        todo.pop()
        sizes[node] = 1 + sum(sizes[a] for a in node.args)
    return sizes[expr]


def _check_size(outs: dict) -> None:
    for name, o in outs.items():
        for element in o.reshape(-1):
            size = tree_size(element)
            if size > MAX_FORMULA_NODES:
                raise GradcliError(f"symbolic: the formula of {name} has {size:,} terms written out, "
                                   f"over the limit of {MAX_FORMULA_NODES:,}", kind="limit",
                                   hint="use eval/jacobian for its numbers")


def symbolic(program: Program, shapes: dict, wrt: list[str], outputs: list[str]) -> dict:
    """Formulas of the outputs, and the Jacobian: blocks and the flat matrix.

    Returns SymPy objects: {"symbols", "outputs": {name: array}, "jacobian": {out: {in: array}},
    "matrix": sympy.Matrix, "rows", "cols"}.
    """
    sym = SymbolicProgram(program, shapes)
    env = sym.run()
    missing = [n for n in outputs if n not in env]
    if missing:
        raise GradcliError(f"--output: {missing[0]!r} is not bound by the program", kind="input")
    outs = {name: arr(env[name]) for name in outputs}
    ins = {name: sym.symbols[name] for name in wrt}
    m = sum(o.size for o in outs.values())
    n = sum(i.size for i in ins.values())
    if m * n > MAX_JACOBIAN_ENTRIES:
        raise GradcliError(f"symbolic: the Jacobian would have {m} x {n} = {m * n} entries, over the "
                           f"limit of {MAX_JACOBIAN_ENTRIES} for formulas", kind="limit",
                           hint="use --wrt/--output to pick fewer, or jacobian for numbers")
    _check_size(outs)
    simplified = {name: arr(np.vectorize(tidy, otypes=[object])(o)) if o.size else o
                  for name, o in outs.items()}
    blocks = {}
    for oname, o in outs.items():
        blocks[oname] = {}
        for iname, i in ins.items():
            block = np.empty(o.shape + i.shape, dtype=object)
            for oi in np.ndindex(*o.shape):
                for ii in np.ndindex(*i.shape):
                    block[oi + ii] = tidy(sp.diff(o[oi], i[ii]))
            blocks[oname][iname] = block
    flat = [[e for iname, i in ins.items()
             for e in blocks[oname][iname].reshape(o.size, i.size)[r]]
            for oname, o in outs.items() for r in range(o.size)]
    matrix = sp.Matrix(m, n, [e for row in flat for e in row])
    from ..io.render import labels  # noqa: PLC0415
    return {"symbols": sym.symbols, "outputs": simplified, "jacobian": blocks, "matrix": matrix,
            "rows": labels(outs), "cols": labels(ins)}


def evaluate_at(expr, values: dict) -> float:
    """A formula's value at the given symbol values, with 30 digits, as a float (NaN if complex)."""
    value = expr.subs(values).evalf(30) if isinstance(expr, sp.Basic) else expr
    try:
        c = complex(value)
    except (TypeError, ValueError):
        return math.nan
    return c.real if abs(c.imag) <= 1e-30 * max(1.0, abs(c.real)) else math.nan


def substitutions(symbols: dict, values: dict) -> dict:
    """{symbol: exact value} from {input name: NumPy array}."""
    subs = {}
    for name, syms in symbols.items():
        data = np.asarray(values[name], dtype=np.float64).reshape(syms.shape)
        for idx in np.ndindex(*syms.shape):
            subs[syms[idx]] = sp.Float(float(data[idx]), 30)
    return subs
