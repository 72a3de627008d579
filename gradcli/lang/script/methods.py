"""A tensor's attributes and methods, as PyTorch defines them.

`TENSOR_METHODS` holds what needs PyTorch's own semantics (conversions, autograd, in-place
forms, views, reductions with their dtype rules and node names); any other method found in the
function table (`x.exp()`, `x.clamp(0, 1)`) is bridged to it by `tensor_attribute` and cached
here. `torch_functions` gives the same functions under torch.* (`torch.sum(x, 0)`).
"""
from __future__ import annotations

import math

import numpy as np

from ...core import ops as core_ops
from ...core import tensor as core
from ...core.tensor import PRIMITIVES, Op, Tensor, apply, constant
from . import autograd, dtypes, ops, runtime
from .autograd import name_node, record
from .dtypes import FLOATING, DType
from .errors import ScriptError, attribute_error, runtime_error, type_error
from .kernels import MEAN, SUM
from .objects import BoundNative, Native
from .tensor import CPU, NO_GPU, Size, STensor, cast, set_requires_grad, view, wrap

# -- conversions to Python ------------------------------------------------------------------------------

def item(x: STensor):
    if type(x) is not STensor:
        raise type_error("item() needs a tensor")
    data = x.t.data
    if data.size != 1:
        raise runtime_error(f"a Tensor with {data.size} elements cannot be converted to Scalar")
    return data.reshape(()).item()


def tolist(x: STensor):
    return np.asarray(x.t.data).tolist()


def numpy_(x: STensor, force=False):
    if x.t.requires_grad and not force:
        raise runtime_error("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                            "instead.")
    return x.t.data


def size(x: STensor, dim=None):
    shape = x.t.data.shape
    if dim is None:
        return Size(shape)
    return shape[_dim(x, dim)]


def _dim(x: STensor, dim, extra: int = 0) -> int:
    n = x.t.data.ndim + extra
    if type(dim) is not int:
        raise type_error(f"dim must be an int, not {type(dim).__name__}")
    lo, hi = (-n, n - 1) if n else (-1, 0)
    if not lo <= dim <= hi:
        raise ScriptError("IndexError", f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                          f"but got {dim})")
    return dim % max(n, 1)


def tensor_index_value(key: STensor) -> int:
    """A one-element integer tensor used as a Python index."""
    if key.dtype.category == FLOATING or key.t.data.size != 1:
        raise type_error("only integer tensors of a single element can be converted to an index")
    return int(key.t.data.reshape(()))


# -- autograd -----------------------------------------------------------------------------------------

def backward(x, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    autograd.backward([x], [gradient] if gradient is not None else None, retain_graph, create_graph,
                      inputs)


def detach(x: STensor) -> STensor:
    s = STensor(Tensor(x.t.data), x.dtype, x.vc)  # shares memory and version counter, no history
    return s


def detach_(x: STensor) -> STensor:
    x.t = Tensor(x.t.data)
    return x


def requires_grad_(x: STensor, requires_grad=True) -> STensor:
    set_requires_grad(x, bool(requires_grad), "only Tensors of floating point dtype can require gradients")
    return x


def retain_grad(x: STensor):
    if x.t.op is None:
        if not x.t.requires_grad:
            raise runtime_error("can't retain_grad on Tensor that has requires_grad=False")
        return None
    x.retains = True
    autograd.RETAINED[x.t.index] = x
    return None


def register_hook(x, hook):
    if not x.t.requires_grad:
        raise runtime_error("cannot register a hook on a tensor that doesn't require gradient")
    if x.t.op is not None:
        raise runtime_error("register_hook on a tensor that is not a leaf is not supported by gradcli "
                            "yet (hooks on leaves are); use retain_grad() to read an intermediate gradient")
    return autograd.register_hook(x, hook)


def _grad(x: STensor):
    if x.t.op is not None and not x.retains:
        runtime.RT.warn(
            "UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
            ".grad attribute won't be populated during autograd.backward(). If you indeed want the .grad "
            "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If "
            "you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
            "github.com/pytorch/pytorch/pull/30531 for more information.")
    return x.grad


def _grad_fn(x: STensor):
    return autograd.function_of(x.t) if x.t.op is not None else None


def _data(x: STensor) -> STensor:
    return STensor(Tensor(x.t.data), x.dtype)  # shares memory; its own version counter (unlike detach)


# -- dtype and device conversions -----------------------------------------------------------------------------

def _to(x: STensor, *args, **kwargs):
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise type_error(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if type(a) is DType:
            dtype = a
        elif type(a) is STensor:
            dtype = a.dtype
        elif type(a) is str:
            from .tensor import make_device  # noqa: PLC0415
            device = make_device(a)
            if device.type == "cuda":
                _cuda(x)
        elif a is not None and type(a).__name__ != "Device" and type(a) is not int:
            raise type_error(f"to() received an invalid combination of arguments: {type(a).__name__}")
    out = cast(x, dtype) if dtype is not None else x
    return clone(out) if copy and out is x else out


def _cuda(x, *args, **kwargs):
    raise runtime_error(NO_GPU)


def _as(d: DType):
    def convert(x, memory_format=None):
        return cast(x, d)
    return convert


def _type(x: STensor, dtype=None, non_blocking=False):
    if dtype is None:
        return f"torch.{dtypes.LEGACY_NAME.get(x.dtype, 'FloatTensor')}"
    if type(dtype) is str:
        name = dtype.rpartition(".")[2]
        if name not in dtypes.LEGACY:
            raise ScriptError("ValueError", f"invalid type: '{dtype}'")
        dtype = dtypes.LEGACY[name]
    return cast(x, dtype)


# -- copies and views ------------------------------------------------------------------------------------------

CLONE = Op("clone", lambda xp, a: xp.asarray(a, copy=True), partials=(lambda ans, x: 1,),
           backward_name="CloneBackward0")


def clone(x: STensor, memory_format=None) -> STensor:
    return wrap(apply(CLONE, x.t), x.dtype)


def contiguous(x: STensor, memory_format=None) -> STensor:
    return x


def _shape_args(args, kwargs, what) -> tuple:
    shape = kwargs.pop("shape", kwargs.pop("size", None))
    if shape is None:
        shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    return tuple(shape)


def reshape(x: STensor, *args, **kwargs) -> STensor:
    shape = list(_shape_args(args, kwargs, "view"))
    for d in shape:
        if type(d) is not int:
            raise type_error(f"view(): argument 'size' must be tuple of ints, but found element of type "
                             f"{type(d).__name__}")
    n = x.t.data.size
    if shape.count(-1) > 1:
        raise runtime_error("only one dimension can be inferred")
    if -1 in shape:
        rest = math.prod(d for d in shape if d != -1)
        if rest == 0 or n % rest:
            raise runtime_error(f"shape '{list(shape)}' is invalid for input of size {n}")
        shape[shape.index(-1)] = n // rest
    if math.prod(shape) != n:
        raise runtime_error(f"shape '{list(shape)}' is invalid for input of size {n}")
    if tuple(shape) == x.t.data.shape:
        return _same_view(x)
    return view(core_ops.reshape(x.t, tuple(shape)), x)


def _same_view(x: STensor) -> STensor:
    """x.view(x.shape): a new tensor object over the same memory (a ViewBackward0 node if recorded)."""
    if x.t.requires_grad and core.recording:
        node = apply(VIEW, x.t)
        return view(node, x)
    return view(Tensor(x.t.data), x)


VIEW = Op("view", lambda xp, a: a, partials=(lambda ans, x: 1,), backward_name="ViewBackward0")


def view_as(x, other):
    return reshape(x, *other.t.data.shape)


def flatten(x: STensor, start_dim=0, end_dim=-1) -> STensor:
    shape = x.t.data.shape
    if not shape:
        return reshape(x, 1)
    s, e = _dim(x, start_dim), _dim(x, end_dim)
    if s > e:
        raise runtime_error("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(x, *(shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]))


def unflatten(x, dim, sizes):
    d = _dim(x, dim)
    shape = x.t.data.shape
    return reshape(x, *(shape[:d] + tuple(sizes) + shape[d + 1:]))


def squeeze(x: STensor, dim=None) -> STensor:
    shape = x.t.data.shape
    if dim is None:
        new = tuple(d for d in shape if d != 1)
        name = "SqueezeBackward0"
    else:
        dims = {_dim(x, d) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
        new = tuple(d for i, d in enumerate(shape) if not (i in dims and d == 1))
        name = "SqueezeBackward1" if not isinstance(dim, (tuple, list)) else "SqueezeBackward2"
    return name_node(view(core_ops.reshape(x.t, new), x) if new != shape else _same_view(x), name)


def unsqueeze(x: STensor, dim) -> STensor:
    d = _dim(x, dim, extra=1)
    shape = x.t.data.shape
    return name_node(view(core_ops.reshape(x.t, shape[:d] + (1,) + shape[d:]), x), "UnsqueezeBackward0")


def t(x: STensor) -> STensor:
    n = x.t.data.ndim
    if n > 2:
        raise runtime_error(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    if n < 2:
        return name_node(_same_view(x), "TBackward0")
    return name_node(view(core_ops.permute(x.t, (1, 0)), x), "TBackward0")


def transpose(x: STensor, dim0, dim1) -> STensor:
    a, b = _dim(x, dim0), _dim(x, dim1)
    perm = list(range(x.t.data.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    if a == b:
        return name_node(_same_view(x), "TransposeBackward0")
    return name_node(view(core_ops.permute(x.t, tuple(perm)), x), "TransposeBackward0")


def permute(x: STensor, *dims) -> STensor:
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    n = x.t.data.ndim
    if len(dims) != n:
        raise runtime_error(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                            f"the length of the desired ordering of dimensions i.e. input.dim() = {n} is not "
                            f"equal to len(dims) = {len(dims)}")
    perm = tuple(_dim(x, d) for d in dims)
    if sorted(perm) != list(range(n)):
        raise runtime_error("permute(): duplicate dims are not allowed.")
    return view(core_ops.permute(x.t, perm), x)


def _T(x: STensor) -> STensor:  # noqa: N802
    n = x.t.data.ndim
    if n != 2 and n != 0:
        runtime.RT.warn("UserWarning: The use of `x.T` on tensors of dimension other than 2 to reverse their "
                        "shape is deprecated and it will throw an error in a future release.")
    return view(core_ops.permute(x.t, tuple(reversed(range(n)))), x)


def _mT(x: STensor) -> STensor:  # noqa: N802
    if x.t.data.ndim < 2:
        raise runtime_error("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return name_node(view(core_ops.mT(x.t), x), "TransposeBackward0")


def expand(x: STensor, *sizes_) -> STensor:
    if len(sizes_) == 1 and isinstance(sizes_[0], (tuple, list)):
        sizes_ = tuple(sizes_[0])
    shape = x.t.data.shape
    if len(sizes_) < len(shape):
        raise runtime_error(f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes_)}): the number of "
                            "sizes provided must be greater or equal to the number of dimensions in the tensor")
    full = (1,) * (len(sizes_) - len(shape)) + shape
    target = tuple(f if s == -1 else s for s, f in zip(sizes_, full))
    for k, (f, s) in enumerate(zip(full, target)):
        if f != s and f != 1:
            raise runtime_error(f"The expanded size of the tensor ({s}) must match the existing size ({f}) at "
                                f"non-singleton dimension {k}.  Target sizes: {list(sizes_)}.  Tensor sizes: "
                                f"{list(shape)}")
    from ...core.tensor import check_size  # noqa: PLC0415
    check_size(target, "expand")
    return view(core_ops.broadcast_to(x.t, target), x)


def expand_as(x, other):
    return expand(x, *other.t.data.shape)


def repeat(x: STensor, *reps) -> STensor:
    if len(reps) == 1 and isinstance(reps[0], (tuple, list)):
        reps = tuple(reps[0])
    shape = x.t.data.shape
    if len(reps) < len(shape):
        raise runtime_error("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                            "of tensor")
    shape = (1,) * (len(reps) - len(shape)) + shape
    from ...core.tensor import check_size  # noqa: PLC0415
    check_size(tuple(r * s for r, s in zip(reps, shape)), "repeat")
    spread = core_ops.reshape(x.t, tuple(v for s in shape for v in (1, s)))
    tiled = core_ops.broadcast_to(spread, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    out = core_ops.reshape(tiled, tuple(r * s for r, s in zip(reps, shape)))
    if out is x.t:
        out = apply(CLONE, x.t)
    out.data = np.ascontiguousarray(out.data)
    return name_node(record(wrap(out, x.dtype), (x,)), "RepeatBackward0")


def unbind_rows(x: STensor) -> list:
    if x.t.data.ndim == 0:
        raise type_error("iteration over a 0-d tensor")
    return [name_node(view(core_ops.index(x.t, (i,)), x), "UnbindBackward0")
            for i in range(x.t.data.shape[0])]


def unbind(x: STensor, dim=0) -> tuple:
    d = _dim(x, dim)
    return tuple(name_node(view(core_ops.index(x.t, (slice(None),) * d + (i,)), x), "UnbindBackward0")
                 for i in range(x.t.data.shape[d]))


def split(x: STensor, split_size_or_sections, dim=0) -> tuple:
    d = _dim(x, dim)
    n = x.t.data.shape[d]
    if type(split_size_or_sections) is int:
        size_ = split_size_or_sections
        bounds = [(s, min(s + size_, n)) for s in range(0, n, size_)] or [(0, 0)]
    else:
        bounds, s = [], 0
        for k in split_size_or_sections:
            bounds.append((s, s + k))
            s += k
        if s != n:
            raise runtime_error(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                                f"size at dimension {d}), but got split_sizes={list(split_size_or_sections)}")
    return tuple(name_node(view(core_ops.index(x.t, (slice(None),) * d + (slice(a, b),)), x), "SplitBackward0")
                 for a, b in bounds)


def chunk(x: STensor, chunks, dim=0) -> tuple:
    n = x.t.data.shape[_dim(x, dim)]
    return split(x, max(1, math.ceil(n / chunks)), dim)


def narrow(x, dim, start, length):
    d = _dim(x, dim)
    return view(core_ops.index(x.t, (slice(None),) * d + (slice(start, start + length),)), x)


# -- reductions --------------------------------------------------------------------------------------------

def _dims_given(args, kwargs) -> bool:
    return bool(args) or kwargs.get("dim", kwargs.get("axis")) is not None


def _bridge(name):
    from .torchlib import bridge  # noqa: PLC0415
    return bridge(name)


def _reduce_args(x: STensor, args, kwargs, name):
    """(axes, keepdim, dtype) of x.sum(dim, keepdim, dtype=...) and friends."""
    dim = kwargs.pop("dim", kwargs.pop("axis", args[0] if args else None))
    keep = kwargs.pop("keepdim", kwargs.pop("keepdims", args[1] if len(args) > 1 else False))
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("out", None)
    if kwargs:
        raise type_error(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    n = x.t.data.ndim
    if dim is None or (isinstance(dim, (tuple, list)) and not dim and name != "sum"):
        axes = tuple(range(-n, 0))
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = tuple(sorted({_dim(x, d) - n for d in dims})) if n else ()
    return axes, bool(keep), dtype


def sum_(x: STensor, *args, **kwargs) -> STensor:
    axes, keep, dtype = _reduce_args(x, args, kwargs, "sum")
    given = bool(args) or "dim" in kwargs or "axis" in kwargs
    if dtype is not None:
        x = cast(x, dtype)
    elif x.dtype.category != FLOATING and x.dtype is not dtypes.int64:
        x = cast(x, dtypes.int64)  # bools and small integers sum to int64, as in PyTorch
    out = record(wrap(apply(SUM, x.t, axes=axes, keepdims=keep), x.dtype), (x,))
    return name_node(out, "SumBackward1") if given else out


def mean(x: STensor, *args, **kwargs) -> STensor:
    given = bool(args) or kwargs.get("dim", kwargs.get("axis")) is not None
    axes, keep, dtype = _reduce_args(x, args, kwargs, "mean")
    if dtype is not None:
        x = cast(x, dtype)
    if x.dtype.category != FLOATING:
        raise runtime_error(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                            f"or complex dtype. Got: {ops.TYPE_NAMES[x.dtype.name]}")
    out = record(wrap(apply(MEAN, x.t, axes=axes, keepdims=keep), x.dtype), (x,))
    return name_node(out, "MeanBackward1") if given else out


def _extreme(kind):
    def impl(x: STensor, *args, **kwargs):
        if args and type(args[0]) is STensor or "other" in kwargs:
            other = args[0] if args else kwargs.pop("other")
            return _bridge("maximum" if kind == "max" else "minimum")(x, other)
        out = _bridge(kind)(x, *args, **kwargs)
        if type(out) is STensor:
            return out
        values, indices = out
        name_node(values, "MaxBackward0" if kind == "max" else "MinBackward0")
        return out
    return impl


def _amax(kind):
    def impl(x, *args, **kwargs):
        return name_node(_bridge(kind)(x, *args, **kwargs), "AmaxBackward0" if kind == "amax" else "AminBackward0")
    return impl


def _arg(kind):
    def impl(x, *args, **kwargs):
        out = _bridge(kind)(x, *args, **kwargs)
        return wrap(Tensor(np.asarray(out.t.data).astype(np.int64)), dtypes.int64)
    return impl


def var(x: STensor, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _spread(x, dim, unbiased, keepdim, correction, "VarBackward0")


def std(x: STensor, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _spread(x, dim, unbiased, keepdim, correction, "StdBackward0")


def _spread(x, dim, unbiased, keepdim, correction, name):
    if type(dim) is bool:  # x.std(False): the unbiased flag
        unbiased, dim = dim, None
    c = correction if correction is not None else (0 if unbiased is False else 1)
    n_dims = x.t.data.ndim
    axes = tuple(range(-n_dims, 0)) if dim is None else tuple(
        _dim(x, d) - n_dims for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
    count = math.prod(x.t.data.shape[a] for a in axes) if axes else 1
    centred = x.t - core_ops.reduce("mean", x.t, axes, True)
    total = core_ops.reduce("sum", centred * centred, axes, bool(keepdim))
    out = total * (1.0 / max(count - c, 0)) if count - c > 0 else total * math.nan
    if name == "StdBackward0":
        out = apply(PRIMITIVES["sqrt"], out)
    return name_node(record(wrap(out, x.dtype), (x,)), name)


def _all_any(kind):
    def impl(x: STensor, dim=None, keepdim=False):
        data = x.t.data != 0
        reduce = np.all if kind == "all" else np.any
        result = reduce(data) if dim is None else reduce(data, axis=_dim(x, dim), keepdims=bool(keepdim))
        return wrap(Tensor(np.asarray(result)), dtypes.bool_)
    return impl


def norm(x: STensor, p="fro", dim=None, keepdim=False, dtype=None):
    out = _bridge("norm")(x, p, dim, keepdim)
    return out


# -- comparisons and tests -------------------------------------------------------------------------------------

def _compare(name):
    def impl(x, other):
        return ops.compare(name, x, other)
    return impl


def equal(x, other) -> bool:
    return x.t.data.shape == other.t.data.shape and bool(np.array_equal(x.t.data, other.t.data))


def allclose(x, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(x.t.data, other.t.data if type(other) is STensor else other, rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def isclose(x, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> STensor:
    o = other.t.data if type(other) is STensor else other
    return wrap(Tensor(np.isclose(x.t.data, o, rtol=rtol, atol=atol, equal_nan=equal_nan)), dtypes.bool_)


def _test(fn):
    return lambda x: wrap(Tensor(np.asarray(fn(x.t.data))), dtypes.bool_)


# -- products -------------------------------------------------------------------------------------------------

def mm(a, b):
    for m, what in ((a, "self"), (b, "mat2")):
        if type(m) is STensor and m.t.data.ndim != 2:
            raise runtime_error(f"{what} must be a matrix")
    return ops.matmul(a, b)


def dot(a, b):
    if a.t.data.ndim != 1 or b.t.data.ndim != 1:
        raise runtime_error(f"1D tensors expected, but got {a.t.data.ndim}D and {b.t.data.ndim}D tensors")
    return ops.matmul(a, b)


def mv(a, v):
    return ops.matmul(a, v)


def outer(a, b):
    return _bridge("outer")(a, b)


# -- in place ---------------------------------------------------------------------------------------------------

def _in_place_arith(name):
    def impl(x, other, *, alpha=None):
        if alpha is not None:
            other = ops.binary("mul", other, alpha) if type(other) is STensor else other * alpha
        return ops.in_place(x, name, other)
    return impl


def _replace(x: STensor, new_value: STensor, label: str) -> STensor:
    """x takes new_value's value (and history) in place: zero_, fill_, clamp_, exp_, copy_..."""
    new = new_value.t
    if new.data.shape != x.t.data.shape:
        new = core_ops.broadcast_to(new, x.t.data.shape)
    return ops.commit(x, new, label)


def zero_(x: STensor) -> STensor:
    ops.check_in_place(x)
    if core.recording and x.t.requires_grad:
        return _replace(x, wrap(x.t * 0.0, x.dtype), "ZeroBackward0")
    return ops.commit(x, Tensor(np.zeros_like(x.t.data)))


def fill_(x: STensor, value) -> STensor:
    ops.check_in_place(x)
    if type(value) is STensor:
        value = item(value)
    if core.recording and x.t.requires_grad:
        return _replace(x, wrap(x.t * 0.0 + constant(float(value), x.t), x.dtype), "FillBackward0")
    return ops.commit(x, Tensor(np.full(x.t.data.shape, value, dtype=x.t.data.dtype)))


def copy_(x: STensor, src, non_blocking=False) -> STensor:
    ops.check_in_place(x)
    if type(src) is not STensor:
        src = wrap(Tensor(np.asarray(src, dtype=x.t.data.dtype)), x.dtype)
    try:
        np.broadcast_shapes(src.t.data.shape, x.t.data.shape)
    except ValueError:
        raise runtime_error(ops.broadcast_message(x.t.data.shape, src.t.data.shape) or "shapes do not match") \
            from None
    if core.recording and (src.t.requires_grad or x.t.requires_grad):
        value = src if src.dtype is x.dtype else cast(src, x.dtype)
        new = core_ops.broadcast_to(value.t, x.t.data.shape) if value.t.data.shape != x.t.data.shape else \
            apply(CLONE, value.t)
        return ops.commit(x, new, "CopyBackwards")
    return ops.commit(x, Tensor(np.broadcast_to(src.t.data, x.t.data.shape)))


def _unary_in_place(name, label):
    def impl(x, *args, **kwargs):
        ops.check_in_place(x)
        from .torchlib import call_torch  # noqa: PLC0415
        method = TENSOR_METHODS.get(name)
        result = method(x, *args, **kwargs) if method is not None else call_torch(name, x, *args, **kwargs)
        if not ops.castable(result.dtype, x.dtype):
            raise ops.cast_error(result.dtype, x.dtype)
        return _replace(x, result, label)
    return impl


def _random_fill(kind):
    def impl(x: STensor, a=None, b=None, *, generator=None, mean=None, std=None):
        ops.check_in_place(x)
        gen = runtime.RT.generator
        shape = x.t.data.shape
        if kind == "normal_":
            m = 0.0 if mean is None and a is None else (mean if mean is not None else a)
            s = 1.0 if std is None and b is None else (std if std is not None else b)
            values = gen.normal_(shape, m, s, dtype=x.dtype.name)
        else:
            lo = 0.0 if a is None else a
            hi = 1.0 if b is None else b
            values = gen.uniform_(shape, lo, hi, dtype=x.dtype.name)
        return ops.commit(x, Tensor(np.asarray(values)))
    return impl


def masked_fill(x: STensor, mask, value) -> STensor:
    if type(mask) is not STensor or mask.dtype is not dtypes.bool_:
        raise runtime_error("masked_fill_ only supports boolean masks, but got mask with dtype "
                            f"{getattr(mask, 'dtype', type(mask).__name__)}")
    fill = value.t if type(value) is STensor else constant(value, x.t)
    cond = Tensor(np.asarray(mask.t.data, dtype=x.t.data.dtype))
    out = apply(PRIMITIVES["where"], cond, fill if fill.data.dtype == x.t.data.dtype else
                constant(float(fill.data), x.t), x.t)
    return name_node(record(wrap(out, x.dtype), (x,)), "MaskedFillBackward0")


def masked_fill_(x, mask, value):
    ops.check_in_place(x)
    return _replace(x, masked_fill(x, mask, value), "MaskedFillBackward0")


def where_method(x, condition, y):
    from .torchlib import call_torch  # noqa: PLC0415
    return call_torch("where", condition, x, y)


def index_select(x: STensor, dim, index) -> STensor:
    d = _dim(x, dim)
    idx = np.asarray(index.t.data if type(index) is STensor else index, dtype=np.int64)
    out = core_ops.index(x.t, (slice(None),) * d + (idx,))
    return name_node(record(wrap(out, x.dtype), (x,)), "IndexSelectBackward0")


# -- new tensors like this one ------------------------------------------------------------------------------------

def _new(fill):
    def impl(x, *size_, dtype=None, device=None, requires_grad=False):
        from .creation import sizes  # noqa: PLC0415
        d = dtype or x.dtype
        s = wrap(Tensor(fill(sizes(size_, "new"), d)), d)
        if requires_grad:
            set_requires_grad(s, True)
        return s
    return impl


def new_full(x, size_, fill_value, *, dtype=None, device=None, requires_grad=False):
    from .creation import sizes  # noqa: PLC0415
    d = dtype or x.dtype
    return wrap(Tensor(np.full(sizes((size_,) if type(size_) is int else size_, "new_full"), fill_value,
                               dtype=d.numpy)), d)


def new_tensor(x, data, *, dtype=None, device=None, requires_grad=False):
    from .creation import tensor  # noqa: PLC0415
    return tensor(data, dtype=dtype or x.dtype, requires_grad=requires_grad)


# -- the tables ------------------------------------------------------------------------------------------------------

def _ndim(x):
    return x.t.data.ndim


TENSOR_ATTRIBUTES = {
    "shape": lambda x: Size(x.t.data.shape), "dtype": lambda x: x.dtype, "grad": _grad,
    "requires_grad": lambda x: x.t.requires_grad, "is_leaf": lambda x: x.t.op is None,
    "grad_fn": _grad_fn, "data": _data, "device": lambda x: CPU, "ndim": _ndim, "T": _T, "mT": _mT,
    "is_cuda": lambda x: False, "retains_grad": lambda x: x.retains, "_version": lambda x: x.vc[0],
    "itemsize": lambda x: x.t.data.itemsize, "nbytes": lambda x: x.t.data.nbytes,
    "layout": lambda x: "torch.strided", "real": lambda x: x, "is_sparse": lambda x: False,
    "output_nr": lambda x: 0, "names": lambda x: (None,) * x.t.data.ndim,
}

TENSOR_METHODS = {
    "item": item, "tolist": tolist, "numpy": numpy_, "size": size, "dim": lambda x: x.t.data.ndim,
    "ndimension": lambda x: x.t.data.ndim, "numel": lambda x: x.t.data.size,
    "nelement": lambda x: x.t.data.size, "element_size": lambda x: x.t.data.itemsize,
    "is_floating_point": lambda x: x.dtype.category == FLOATING, "is_contiguous": lambda x, *a, **k: True,
    "backward": backward, "detach": detach, "detach_": detach_, "requires_grad_": requires_grad_,
    "retain_grad": retain_grad, "register_hook": register_hook,
    "to": _to, "cuda": _cuda, "cpu": lambda x, *a, **k: x, "float": _as(dtypes.float32),
    "double": _as(dtypes.float64), "half": _as(dtypes.float16), "long": _as(dtypes.int64),
    "int": _as(dtypes.int32), "short": _as(dtypes.int16), "bool": _as(dtypes.bool_),
    "byte": _as(dtypes.uint8), "char": _as(dtypes.int8), "type": _type,
    "type_as": lambda x, other: cast(x, other.dtype), "clone": clone, "contiguous": contiguous,
    "view": reshape, "reshape": reshape, "view_as": view_as, "reshape_as": view_as, "flatten": flatten,
    "unflatten": unflatten, "squeeze": squeeze, "unsqueeze": unsqueeze, "t": t, "transpose": transpose,
    "swapaxes": transpose, "permute": permute, "expand": expand, "expand_as": expand_as, "repeat": repeat,
    "unbind": unbind, "split": split, "chunk": chunk, "narrow": narrow,
    "sum": sum_, "mean": mean, "max": _extreme("max"), "min": _extreme("min"), "amax": _amax("amax"),
    "amin": _amax("amin"), "argmax": _arg("argmax"), "argmin": _arg("argmin"), "var": var, "std": std,
    "all": _all_any("all"), "any": _all_any("any"), "norm": norm,
    "eq": _compare("eq"), "ne": _compare("ne"), "lt": _compare("lt"), "le": _compare("le"),
    "gt": _compare("gt"), "ge": _compare("ge"), "greater": _compare("gt"), "less": _compare("lt"),
    "equal": equal, "allclose": allclose, "isclose": isclose, "isnan": _test(np.isnan),
    "isinf": _test(np.isinf), "isfinite": _test(np.isfinite),
    "matmul": ops.matmul, "mm": mm, "dot": dot, "mv": mv, "outer": outer,
    "add_": _in_place_arith("add"), "sub_": _in_place_arith("sub"), "mul_": _in_place_arith("mul"),
    "div_": _in_place_arith("div"), "pow_": _in_place_arith("pow"), "zero_": zero_, "fill_": fill_,
    "copy_": copy_, "clamp_": _unary_in_place("clamp", "ClampBackward1"),
    "clip_": _unary_in_place("clamp", "ClampBackward1"), "exp_": _unary_in_place("exp", "ExpBackward0"),
    "neg_": _unary_in_place("neg", "NegBackward0"), "abs_": _unary_in_place("abs", "AbsBackward0"),
    "sqrt_": _unary_in_place("sqrt", "SqrtBackward0"), "relu_": _unary_in_place("relu", "ReluBackward0"),
    "sigmoid_": _unary_in_place("sigmoid", "SigmoidBackward0"),
    "tanh_": _unary_in_place("tanh", "TanhBackward0"), "log_": _unary_in_place("log", "LogBackward0"),
    "normal_": _random_fill("normal_"), "uniform_": _random_fill("uniform_"),
    "masked_fill": masked_fill, "masked_fill_": masked_fill_, "where": where_method,
    "index_select": index_select, "new_zeros": _new(lambda s, d: np.zeros(s, d.numpy)),
    "new_ones": _new(lambda s, d: np.ones(s, d.numpy)), "new_empty": _new(lambda s, d: np.zeros(s, d.numpy)),
    "new_full": new_full, "new_tensor": new_tensor,
    "add": lambda x, other, *, alpha=None: ops.binary("add", x, other if alpha is None else ops.binary(
        "mul", other, alpha) if type(other) is STensor else other * alpha),
    "sub": lambda x, other, *, alpha=None: ops.binary("sub", x, other if alpha is None else ops.binary(
        "mul", other, alpha) if type(other) is STensor else other * alpha),
    "mul": lambda x, other: ops.binary("mul", x, other), "multiply": lambda x, other: ops.binary("mul", x, other),
    "div": lambda x, other, *, rounding_mode=None: ops.binary("div" if rounding_mode is None else "floordiv",
                                                              x, other),
    "true_divide": lambda x, other: ops.binary("div", x, other),
    "pow": lambda x, exponent: ops.binary("pow", x, exponent),
    "square": lambda x: name_node(ops.binary("pow", x, 2), "PowBackward0"),
    "neg": lambda x: ops.negate(x), "negative": lambda x: ops.negate(x),
}

def cat(tensors, dim=0, *, out=None, axis=None):
    """torch.cat with PyTorch's checks and messages."""
    items = list(tensors) if isinstance(tensors, (list, tuple)) else None
    if not items or any(type(t) is not STensor for t in items):
        raise type_error("cat() argument 'tensors' must be tuple of Tensors")
    dim = axis if axis is not None else dim
    first = items[0]
    for t in items[1:]:
        if t.t.data.ndim != first.t.data.ndim:
            raise runtime_error(f"Tensors must have same number of dimensions: got {first.t.data.ndim} and "
                                f"{t.t.data.ndim}")
    d = _dim(first, dim)
    for k, t in enumerate(items[1:], 1):
        for axis_, (a, b) in enumerate(zip(first.t.data.shape, t.t.data.shape)):
            if axis_ != d and a != b:
                raise runtime_error(f"Sizes of tensors must match except in dimension {d}. Expected size {a} "
                                    f"but got size {b} for tensor number {k} in the list.")
    return _bridge("cat")(_same_dtype(items), dim)


def stack(tensors, dim=0, *, out=None):
    items = list(tensors) if isinstance(tensors, (list, tuple)) else None
    if not items or any(type(t) is not STensor for t in items):
        raise type_error("stack(): argument 'tensors' must be tuple of Tensors")
    for k, t in enumerate(items[1:], 1):
        if t.t.data.shape != items[0].t.data.shape:
            raise runtime_error(f"stack expects each tensor to be equal size, but got "
                                f"{list(items[0].t.data.shape)} at entry 0 and {list(t.t.data.shape)} at entry {k}")
    return _bridge("stack")(_same_dtype(items), dim)


def _same_dtype(items):
    d = items[0].dtype
    for t in items[1:]:
        d = dtypes.promote(d, t.dtype)
    return [cast(t, d) for t in items]


# torch.X(tensor, ...) for the methods that are functions too
_FUNCTIONS = ("sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "all", "any",
              "norm", "eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "isclose", "isnan", "isinf",
              "isfinite", "matmul", "mm", "dot", "mv", "outer", "clone", "reshape", "flatten", "squeeze",
              "unsqueeze", "t", "transpose", "swapaxes", "permute", "unbind", "split", "chunk", "narrow",
              "detach", "masked_fill", "index_select", "add", "sub", "mul", "multiply", "div",
              "true_divide", "pow", "square", "neg", "negative", "numel", "unflatten")


def torch_functions() -> dict:
    table = {name: Native(name, TENSOR_METHODS[name]) for name in _FUNCTIONS}
    table.update({"cat": Native("cat", cat), "concat": Native("concat", cat), "concatenate": Native("concatenate", cat),
                  "stack": Native("stack", stack)})
    table["where"] = Native("where", _where)
    return table


def _where(condition, x=None, y=None):
    if x is None and y is None:
        data = np.nonzero(condition.t.data)
        return tuple(wrap(Tensor(np.asarray(d, dtype=np.int64)), dtypes.int64) for d in data)
    from .. import functions  # noqa: PLC0415
    from .torchlib import _call_entry  # noqa: PLC0415
    if type(condition) is STensor:
        condition = wrap(Tensor(np.asarray(condition.t.data, dtype=np.float64)), dtypes.float64)
    if type(x) is STensor and type(y) is STensor and x.dtype is not y.dtype:
        d = dtypes.promote(x.dtype, y.dtype)
        x, y = cast(x, d), cast(y, d)
    out = _call_entry(functions.lookup("where"), "where", (condition, x, y), {})
    if type(condition) is STensor and out.t.data.dtype == np.float64 and \
            not any(type(v) is STensor and v.dtype is dtypes.float64 for v in (x, y)):
        out = cast(out, runtime.RT.default_float)
    return out


def tensor_attribute(x: STensor, name: str):
    getter = TENSOR_ATTRIBUTES.get(name)
    if getter is not None:
        return getter(x)
    method = TENSOR_METHODS.get(name)
    if method is None and name.endswith("_") and not name.startswith("_"):
        from .. import functions  # noqa: PLC0415
        base = name[:-1]
        if base in TENSOR_METHODS or functions.lookup(base, "torch") is not None:
            method = TENSOR_METHODS[name] = _unary_in_place(base, base.capitalize() + "Backward0")
    if method is None:
        from .. import functions  # noqa: PLC0415
        entry = functions.lookup(name, "torch")
        if entry is None or not entry.method:
            raise attribute_error(f"'Tensor' object has no attribute '{name}'")
        from .torchlib import _call_entry  # noqa: PLC0415

        def method(obj, *args, _entry=entry, _name=name, **kwargs):
            return _call_entry(_entry, _name, (obj, *args), kwargs)
        TENSOR_METHODS[name] = method
    return BoundNative(name, method, x)


def set_tensor_attribute(x: STensor, name: str, value) -> None:
    if name == "grad":
        if value is not None:
            if type(value) is not STensor:
                raise type_error(f"assigned grad expected to be a Tensor or None but got grad of type "
                                 f"{type(value).__name__}")
            if value.dtype is not x.dtype:
                raise runtime_error("assigned grad has data of a different type")
            if value.t.data.shape != x.t.data.shape:
                raise runtime_error("assigned grad has data of a different size")
        x.grad = value
    elif name == "requires_grad":
        set_requires_grad(x, bool(value))
    elif name == "data":
        if type(value) is not STensor:
            raise type_error(f"data must be a Tensor, not {type(value).__name__}")
        x.t.data = value.t.data
        x.dtype = value.dtype
    elif name == "retains_grad":
        raise attribute_error("attribute 'retains_grad' of 'torch._C.TensorBase' objects is not writable")
    else:
        raise attribute_error(f"gradcli cannot set the attribute '{name}' of a Tensor")


from .indexing import tensor_getitem, tensor_setitem  # noqa: E402,F401 - the methods' other half
