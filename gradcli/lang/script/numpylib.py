"""The part of NumPy tutorials use beside torch: arrays, their math, np.random (NumPy's own
legacy generator, seeded by np.random.seed), and the memory an array shares with a tensor
(`torch.from_numpy(a)`, `t.numpy()`).

Script values here are real NumPy arrays and scalars: they print exactly as NumPy prints them.
A script reaches them only through the tables below (no attribute of an array beyond these), and
every array it makes is size-checked first.
"""
from __future__ import annotations

import math

import numpy as np

from ...core.tensor import check_size
from . import runtime
from .errors import ScriptError, attribute_error, type_error
from .namespaces import Namespace
from .objects import BoundNative, Native, NativeClass
from .tensor import STensor

# numpy's scalar types as script classes: np.float32(1.5), x.astype(np.float32), dtype=np.int64
_TYPES = {name: getattr(np, name) for name in ("float16", "float32", "float64", "int8", "int16", "int32",
                                                "int64", "uint8", "bool_", "complex64", "complex128")}
TYPE_CLASSES = {name: NativeClass(name, "numpy", t, check=lambda v, t=t: isinstance(v, t))
                for name, t in _TYPES.items()}
_BY_CLASS = {id(c): _TYPES[name] for name, c in TYPE_CLASSES.items()}


def _plain(value):
    """A script value as NumPy may take it: tensors as their arrays, numpy type classes as types."""
    t = type(value)
    if t is STensor:
        from .methods import numpy_  # noqa: PLC0415
        return numpy_(value)
    if t is NativeClass:
        found = _BY_CLASS.get(id(value))
        if found is not None:
            return found
        if value.name in ("float", "int", "bool", "complex"):
            return {"float": float, "int": int, "bool": bool, "complex": complex}[value.name]
        raise type_error(f"NumPy cannot take the class {value.name}")
    if t is list or t is tuple:
        return t(_plain(v) for v in value)
    if t is str or t is int or t is float or t is bool or value is None or t is np.ndarray or \
            isinstance(value, (np.generic, np.dtype)) or t is slice or value is Ellipsis:
        return value
    from .pyvalues import type_name  # noqa: PLC0415
    raise type_error(f"NumPy cannot take a {type_name(value)}")


def _checked(result):
    if type(result) is np.ndarray:
        if result.dtype == object:
            raise type_error("gradcli does not make NumPy arrays of Python objects")
        runtime.charge(result.size)
    return result


def call(fn, name):
    def impl(*args, **kwargs):
        args = [_plain(a) for a in args]
        kwargs = {k: _plain(v) for k, v in kwargs.items()}
        try:
            with np.errstate(all="ignore"):
                return _checked(fn(*args, **kwargs))
        except (ValueError, TypeError, IndexError) as exc:
            raise ScriptError(type(exc).__name__, str(exc)) from None
    return Native(name, impl)


def _sized(fn, name):
    """Creation functions: the shape is checked before anything is allocated."""
    def impl(shape=None, *args, **kwargs):
        dims = (shape,) if type(shape) is int else tuple(shape) if shape is not None else ()
        check_size(dims, f"np.{name}")
        return fn(shape, *args, **kwargs)
    return impl


def _ranged(fn, name):
    def impl(*args, **kwargs):
        values = [a for a in args if type(a) in (int, float)]
        if name == "arange":
            start, stop, step = (0, values[0], 1) if len(values) == 1 else (values + [1])[:3] \
                if len(values) >= 2 else (0, 0, 1)
            count = math.ceil((stop - start) / step) if step else 0
        else:
            count = int(kwargs.get("num", args[2] if len(args) > 2 else 50))
        check_size((max(count, 0),), f"np.{name}")
        return fn(*args, **kwargs)
    return impl


def _array(obj, dtype=None, copy=True, **kwargs):
    dtype = _plain(dtype)
    if type(obj) is STensor:
        from .methods import numpy_  # noqa: PLC0415
        arr = numpy_(obj)
        return np.array(arr, dtype=dtype, copy=copy)
    plain = _plain(obj)
    _check_nested(plain)
    return np.array(plain, dtype=dtype, copy=copy)


def _asarray(obj, dtype=None):
    dtype = _plain(dtype)
    if type(obj) is np.ndarray and dtype is None:
        return obj
    return _array(obj, dtype=dtype, copy=None)


def _check_nested(value):
    count, stack = 0, [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
            runtime.check_length(len(v), "a list")
        count += 1
        if count > runtime.MAX_LENGTH:
            runtime.check_length(count, "an array")


class _Random:
    """np.random's legacy global generator (its own per run: seed it for repeatable numbers)."""

    def __init__(self):
        self.state = np.random.RandomState()

    def namespace(self) -> Namespace:
        state = self.state

        def sized(method, shape_from_args=True):
            def impl(*args, **kwargs):
                size = kwargs.get("size")
                if shape_from_args and args and all(type(a) is int for a in args) and method in ("rand", "randn"):
                    check_size(args, f"np.random.{method}")
                elif size is not None:
                    check_size((size,) if type(size) is int else tuple(size), f"np.random.{method}")
                return _checked(getattr(state, method)(*[_plain(a) for a in args],
                                                        **{k: _plain(v) for k, v in kwargs.items()}))
            return Native(method, impl)
        table = {m: sized(m) for m in ("rand", "randn", "randint", "random", "uniform", "normal", "choice",
                                       "permutation", "random_sample", "standard_normal", "binomial")}
        table["seed"] = Native("seed", lambda seed=None: state.seed(seed))
        table["shuffle"] = Native("shuffle", lambda x: state.shuffle(x))
        return Namespace("numpy.random", table)


_FUNCTIONS = ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "exp",
              "expm1", "log", "log2", "log10", "log1p", "sqrt", "abs", "absolute", "sign", "square", "power",
              "maximum", "minimum", "clip", "where", "round", "floor", "ceil", "sum", "mean", "std", "var",
              "prod", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum",
              "transpose", "reshape", "concatenate", "stack", "vstack", "hstack", "squeeze", "expand_dims",
              "allclose", "isclose", "array_equal", "isnan", "isinf", "isfinite", "sort", "argsort", "unique",
              "zeros_like", "ones_like", "full_like", "copy", "ravel", "add", "subtract", "multiply",
              "divide", "negative", "all", "any", "count_nonzero", "trace", "flip",
              "median", "percentile", "linalg_norm", "exp2", "reciprocal", "nonzero", "shape", "size",
              "ndim", "float_power", "mod", "floor_divide", "logical_and", "logical_or", "logical_not")


def _guarded_product(fn, name):
    """dot/matmul/outer/diag can make far more elements than their inputs hold: check first."""
    def impl(a, b=None, *args, **kwargs):
        sa, sb = np.shape(_plain(a)), np.shape(_plain(b)) if b is not None else ()
        if name == "outer":
            n = math.prod(sa) * math.prod(sb)
        elif name == "diag":
            n = sa[0] * sa[0] if len(sa) == 1 else 1
        else:
            n = math.prod(sa[:-1]) * (math.prod(sb[:-2]) * sb[-1] if len(sb) > 1 else 1)
        check_size((n,), f"np.{name}")
        return fn(a, b, *args, **kwargs) if b is not None else fn(a, *args, **kwargs)
    return impl


def numpy_namespace(modules) -> Namespace:
    attrs = {name: call(getattr(np, name), name) for name in _FUNCTIONS if hasattr(np, name)}
    for name in ("dot", "matmul", "outer", "diag"):
        attrs[name] = call(_guarded_product(getattr(np, name), name), name)
    attrs.update({
        "array": Native("array", lambda *a, **k: _checked(_array(*a, **k))),
        "asarray": Native("asarray", lambda *a, **k: _checked(_asarray(*a, **k))),
        "zeros": call(_sized(np.zeros, "zeros"), "zeros"), "ones": call(_sized(np.ones, "ones"), "ones"),
        "empty": call(_sized(np.zeros, "empty"), "empty"), "full": call(_sized(np.full, "full"), "full"),
        "eye": call(lambda n, m=None, **k: (check_size((n, m or n), "np.eye"), np.eye(n, m, **k))[1], "eye"),
        "arange": call(_ranged(np.arange, "arange"), "arange"),
        "linspace": call(_ranged(np.linspace, "linspace"), "linspace"),
        "pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "newaxis": None,
        "ndarray": NativeClass("ndarray", "numpy", None, check=lambda v: type(v) is np.ndarray),
        "random": _Random().namespace(),
        "linalg": Namespace("numpy.linalg", {name: call(getattr(np.linalg, name), name)
                                             for name in ("norm", "inv", "det", "solve", "eig", "svd")}),
        **TYPE_CLASSES, "bool": TYPE_CLASSES["bool_"], "float": NativeClass("float"),
    })
    return Namespace("numpy", attrs)




# -- arrays as script values --------------------------------------------------------------------------

_ARRAY_PROPERTIES = {"shape": lambda a: a.shape, "dtype": lambda a: a.dtype, "ndim": lambda a: a.ndim,
                     "size": lambda a: a.size, "T": lambda a: a.T, "itemsize": lambda a: a.itemsize,
                     "nbytes": lambda a: a.nbytes, "real": lambda a: a.real, "imag": lambda a: a.imag}
_ARRAY_METHODS = ("sum", "mean", "max", "min", "argmax", "argmin", "reshape", "astype", "copy", "tolist",
                  "item", "flatten", "ravel", "transpose", "dot", "std", "var", "round", "clip", "fill",
                  "any", "all", "cumsum", "sort", "squeeze", "prod", "argsort", "nonzero")


def _array_method(name):
    def impl(a, *args, **kwargs):
        method = getattr(a, name)  # a fixed name of the list above, on a NumPy array
        args = [_plain(x) for x in args]
        kwargs = {k: _plain(v) for k, v in kwargs.items()}
        if name in ("reshape",):
            shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            check_size(tuple(d if d != -1 else 1 for d in shape), "reshape")
        try:
            return _checked(method(*args, **kwargs))
        except (ValueError, TypeError) as exc:
            raise ScriptError(type(exc).__name__, str(exc)) from None
    return impl


_METHOD_TABLE = {name: _array_method(name) for name in _ARRAY_METHODS}


def array_attribute(a, name):
    prop = _ARRAY_PROPERTIES.get(name)
    if prop is not None:
        return prop(a)
    method = _METHOD_TABLE.get(name)
    if method is not None:
        return BoundNative(name, method, a)
    raise attribute_error(f"'numpy.ndarray' object has no attribute '{name}'" if type(a) is np.ndarray else
                          f"'{type(a).__name__}' object has no attribute '{name}'")


def array_getitem(a, key):
    try:
        return a[_plain(key)]
    except (IndexError, ValueError, TypeError) as exc:
        raise ScriptError(type(exc).__name__, str(exc)) from None


def array_setitem(a, key, value):
    try:
        a[_plain(key)] = _plain(value)
    except (IndexError, ValueError, TypeError) as exc:
        raise ScriptError(type(exc).__name__, str(exc)) from None
