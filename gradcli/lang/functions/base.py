"""What every function of the language is built from: the calling context, the entry type,
a family's table, and the argument helpers (dim/axis, keepdim/keepdims, shapes, numbers).

Each family module (elementwise, reductions, ...) fills a `Table` of its own; the package
merges them into the one table programs call, in `gradcli/lang/functions/__init__.py`.
Every entry carries sample programs: the op tests run each of them through gradcheck,
forward and reverse, so a new function is tested by being added. In samples, x, y are
inputs of shape (3,), M, N of shape (3, 3), s a scalar.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...core import backend, ops
from ...core.tensor import Tensor, check_size, constant
from ...errors import GradcliError

# The libraries a call can go through. Unprefixed names and methods follow PyTorch.
LIBRARIES = ("torch", "numpy", "scipy")


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
    library: str = "torch"  # whose conventions it follows; "torch" entries serve every library
                            # that has no entry of its own under the name


class Table:
    """One family's functions: name -> Function, and alias -> name."""

    def __init__(self):
        self.functions: dict[str, Function] = {}
        self.aliases: dict[str, str] = {}

    def register(self, name, impl, samples=(), *, aliases=(), method=True, creates=False,
                 library="torch"):
        """library: 'numpy' or 'scipy' for an entry that follows that library where it differs
        from PyTorch (np.var's ddof=0); it is found under `library.name`."""
        key = name if library == "torch" else f"{library}.{name}"
        self.functions[key] = Function(name, impl, list(samples), method and library == "torch",
                                       creates, library)
        for alias in aliases:
            self.aliases[alias if library == "torch" else f"{library}.{alias}"] = key


class DType:
    """`torch.float64` and friends, as a value."""

    def __init__(self, name):
        self.name = name



# -- argument helpers ------------------------------------------------------------------------

def _fail(message, kind="argument"):
    raise GradcliError(message, kind=kind)


class ValuesIndices:
    """What torch.max(x, dim) / torch.min(x, dim) return: `.values` (or [0]) and `.indices`
    (or [1], int64 constants). Used as a tensor, it is its values."""

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


def _no_more(name, args, kwargs, allowed=()):
    extra = [k for k in kwargs if k not in allowed]
    if args or extra:
        if not args and extra[0] == "dtype":  # never dropped: a result of another dtype is another result
            _fail(f"{name}() does not take dtype= in gradcli; cast the input or the result instead "
                  "(x.double(), x.to(torch.float32), x.astype('float32'))")
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

def _eye_np(n, m):
    import numpy as np  # noqa: PLC0415
    check_size((n, m), "diag")  # before allocating: diag(x) of a 20,000-vector is 400M elements
    return np.eye(n, m)
