"""Making tensors as PyTorch does: torch.tensor's dtype inference, the legacy constructors
(torch.Tensor, FloatTensor...), zeros/ones/full/eye/arange/linspace (PyTorch's own kernel order),
the random creators drawing from PyTorch's generator, and the *_like forms."""
from __future__ import annotations

import math

import numpy as np

from ...core.tensor import Tensor, check_size
from . import dtypes, runtime
from .dtypes import FLOATING, DType
from .errors import runtime_error, type_error, value_error
from .objects import NativeClass
from .tensor import Device, Size, STensor, cast, leaf, make_device, wrap

# -- dtypes and shapes of arguments --------------------------------------------------------------------

def dtype_arg(value, default=None) -> DType | None:
    if value is None:
        return default
    if type(value) is DType:
        if value.numpy is None:
            raise type_error(f"{value!r} is not supported by gradcli (NumPy has no such type)")
        return value
    if isinstance(value, NativeClass) and value.name in ("float", "int", "bool"):
        return {"float": dtypes.float64, "int": dtypes.int64, "bool": dtypes.bool_}[value.name]
    raise type_error(f"dtype must be a torch.dtype, not {type(value).__name__}")


def sizes(args, what: str) -> tuple:
    """zeros(2, 3), zeros((2, 3)), zeros([2, 3]), zeros(torch.Size([2, 3]))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    shape = []
    for a in args:
        if type(a) is STensor and a.t.data.size == 1 and a.dtype.category != FLOATING:
            a = int(a.t.data.reshape(()))
        if type(a) is not int:
            from .pyvalues import type_name  # noqa: PLC0415
            raise type_error(f"{what}(): argument 'size' must be tuple of ints, but found element of type "
                             f"{type_name(a)}")
        if a < 0:
            raise runtime_error(f"Trying to create tensor with negative dimension {a}: {list(args)}")
        shape.append(a)
    check_size(shape, what)
    return tuple(shape)


def device_arg(device) -> None:
    if device is None or type(device) is Device:
        return
    if type(device) is str:
        make_device(device)
        return
    if type(device) is int:
        return
    raise type_error("device must be a string or torch.device")


def _finish(s: STensor, requires_grad, device=None) -> STensor:
    device_arg(device)
    if requires_grad:
        autograd_leaf(s)
    return s


def autograd_leaf(s: STensor) -> None:
    from .tensor import set_requires_grad  # noqa: PLC0415
    set_requires_grad(s, True)


# -- creation ------------------------------------------------------------------------------------------

def _creation(name, fill):
    def impl(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
             pin_memory=False, memory_format=None, generator=None, names=None, **by_name):
        if "size" in by_name:  # torch.randn(size=(2, 3))
            size = (by_name.pop("size"),)
        if by_name:
            raise type_error(f"{name}() got an unexpected keyword argument '{next(iter(by_name))}'")
        shape = sizes(size, name)
        d = dtype_arg(dtype, runtime.RT.default_float)
        return _finish(leaf(fill(shape, d), d), requires_grad, device)
    return impl


def _zeros(shape, d):
    return np.zeros(shape, dtype=d.numpy)


def _ones(shape, d):
    return np.ones(shape, dtype=d.numpy)


def _rand(shape, d):
    _float_only("rand", d)
    return runtime.RT.generator.rand(shape, dtype=d.name)


def _randn(shape, d):
    _float_only("randn", d)
    return runtime.RT.generator.randn(shape, dtype=d.name)


def _float_only(name, d):
    if d.category != FLOATING:
        raise runtime_error(f'"{name}" not implemented for \'{_TYPE_NAME.get(d.name, d.name)}\'')


_TYPE_NAME = {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte", "int16": "Short",
              "int8": "Char"}


def _like(name, fill, *, dtype_from_value=None):
    def impl(x, *rest, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None,
             pin_memory=False):
        if type(x) is not STensor:
            raise type_error(f"{name}(): argument 'input' (position 1) must be Tensor")
        d = dtype_arg(dtype, x.dtype)
        values = fill(x.t.data.shape, d, *rest)
        return _finish(leaf(values, d), requires_grad, device)
    return impl


def _full_values(shape, d, value):
    if type(value) is STensor:
        value = value.t.data.reshape(()).item()
    return np.full(shape, value, dtype=d.numpy)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    shape = sizes((size,) if not isinstance(size, (list, tuple)) else size, "full")
    if type(fill_value) is STensor:
        fill_value = fill_value.t.data.reshape(()).item()
    default = dtypes.scalar_dtype(fill_value, runtime.RT.default_float)
    d = dtype_arg(dtype, default)
    return _finish(leaf(np.full(shape, fill_value, dtype=d.numpy), d), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
        pin_memory=False):
    m = n if m is None else m
    shape = sizes((n, m), "eye")
    d = dtype_arg(dtype, runtime.RT.default_float)
    return _finish(leaf(np.eye(*shape, dtype=d.numpy), d), requires_grad, device)


def arange(*args, start=None, end=None, step=None, dtype=None, device=None, requires_grad=False,
           out=None, layout=None, pin_memory=False):
    values = list(args)
    if end is not None:
        values = [start if start is not None else 0, end] + ([step] if step is not None else [])
    elif start is not None:
        values = [start] + values
    if step is not None and len(values) == 2:
        values.append(step)
    if len(values) == 1:
        values = [0, values[0], 1]
    elif len(values) == 2:
        values.append(1)
    if len(values) != 3:
        raise type_error("arange() received an invalid combination of arguments")
    numbers = []
    for v in values:
        if type(v) is STensor:
            v = v.t.data.reshape(()).item()
        if type(v) not in (int, float, bool):
            raise type_error(f"arange(): argument must be a number, not {type(v).__name__}")
        numbers.append(v)
    lo, hi, st = numbers
    if st == 0:
        raise runtime_error("step must be nonzero")
    if (hi - lo) / st < 0 and hi != lo:
        raise runtime_error("upper bound and larger bound inconsistent with step sign")
    count = math.ceil((hi - lo) / st)
    if not math.isfinite(count):
        raise runtime_error(f"unsupported range: {lo} -> {hi}")
    check_size((max(count, 0),), "arange")
    integral = all(type(v) in (int, bool) for v in numbers)
    d = dtype_arg(dtype, dtypes.int64 if integral else runtime.RT.default_float)
    data = lo + st * np.arange(max(count, 0), dtype=np.float64 if not integral else np.int64)
    return _finish(leaf(data.astype(d.numpy), d), requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
    """PyTorch's CPU kernel: the step in the dtype, the first half counted up from start and the
    second down from end, each value one fused multiply-add (so float32 values match)."""
    if type(steps) is not int or steps < 0:
        raise runtime_error("number of steps must be non-negative")
    check_size((steps,), "linspace")
    start = start.t.data.reshape(()).item() if type(start) is STensor else start
    end = end.t.data.reshape(()).item() if type(end) is STensor else end
    d = dtype_arg(dtype, runtime.RT.default_float)
    return _finish(leaf(_linspace_values(start, end, steps, d), d), requires_grad, device)


def _linspace_values(start, end, steps, d: DType) -> np.ndarray:
    if steps == 0:
        return np.zeros(0, dtype=d.numpy)
    if steps == 1:
        return np.full(1, start, dtype=d.numpy)
    idx = np.arange(steps)
    back = (steps - idx - 1).astype(np.float64)
    if d.category != FLOATING:
        step = (float(end) - float(start)) / (steps - 1)
        values = np.where(idx < steps // 2, start + step * idx, end - step * back)
        return values.astype(d.numpy)
    f = d.numpy.type
    lo, hi = f(start), f(end)
    step = f((hi - lo) / f(steps - 1))
    # float32 products are exact in float64: one rounding, as the fused multiply-add
    up = np.float64(lo) + np.float64(step) * idx
    down = np.float64(hi) - np.float64(step) * back
    return np.where(idx < steps // 2, up, down).astype(d.numpy)


def _infer_dtype(data) -> DType:
    """torch.tensor's dtype for nested Python data: float if any float, else int64, else bool."""
    kinds = set()
    stack = [data]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is list or t is tuple:
            stack.extend(v)
        elif t is bool:
            kinds.add("b")
        elif t is int:
            kinds.add("i")
        elif t is float:
            kinds.add("f")
        elif t is STensor:
            kinds.add({0: "b", 1: "i", 2: "f"}[v.dtype.category] if v.dtype is not dtypes.float64 else "d")
        elif isinstance(v, np.generic):
            kinds.add("d" if v.dtype == np.float64 else v.dtype.kind)
        else:
            from .pyvalues import type_name  # noqa: PLC0415
            raise type_error(f"new(): invalid data type '{type_name(v)}'")
    if "f" in kinds:
        return runtime.RT.default_float
    if "d" in kinds:  # only float64 tensors or NumPy float64 numbers among the items
        return dtypes.float64
    if "i" in kinds or "u" in kinds:
        return dtypes.int64
    if "b" in kinds:
        return dtypes.bool_
    return runtime.RT.default_float  # torch.tensor([]) is float32


def _values(data) -> np.ndarray:
    """Nested lists of numbers (and one-element tensors) as a float64/int64/bool array."""
    def scalar(v):
        if type(v) is STensor:
            if v.t.data.size != 1:
                raise value_error("only one element tensors can be converted to Python scalars")
            return v.t.data.reshape(()).item()
        return v.item() if isinstance(v, np.generic) else v

    def convert(v, depth=0):
        if type(v) in (list, tuple):
            return [convert(x, depth + 1) for x in v]
        return scalar(v)
    plain = convert(data)
    try:
        array = np.array(plain, dtype=object)
    except ValueError:
        array = None
    if array is None or array.dtype == object and _ragged(plain):
        raise value_error(_ragged_message(plain))
    check_size(array.shape, "tensor")
    return array


def _ragged(plain) -> bool:
    return _ragged_message(plain) is not None


def _ragged_message(plain):
    level = [plain]
    dim = 0
    while level and all(type(v) is list for v in level):
        lengths = {len(v) for v in level}
        if len(lengths) > 1:
            first = len(level[0])
            other = next(len(v) for v in level if len(v) != first)
            return f"expected sequence of length {first} at dim {dim} (got {other})"
        level = [x for v in level for x in v]
        dim += 1
    if any(type(v) is list for v in level):
        return f"expected sequence of length 0 at dim {dim} (got 1)"
    return None


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False, names=None):
    if type(data) is STensor:
        runtime.RT.warn("UserWarning: To copy construct from a tensor, it is recommended to use "
                        "sourceTensor.clone().detach() or sourceTensor.clone().detach().requires_grad_(True), "
                        "rather than torch.tensor(sourceTensor).")
        d = dtype_arg(dtype, data.dtype)
        return _finish(leaf(np.array(data.t.data, dtype=d.numpy), d), requires_grad, device)
    if type(data) is np.ndarray:
        d = dtype_arg(dtype, dtypes.of_numpy(data.dtype))
        return _finish(leaf(np.array(data, dtype=d.numpy), d), requires_grad, device)
    if isinstance(data, np.generic):
        data = data.item()
    if type(data) not in (list, tuple, int, float, bool):
        from .pyvalues import type_name  # noqa: PLC0415
        raise type_error(f"new(): invalid data type '{type_name(data)}'")
    d = dtype_arg(dtype, _infer_dtype(data))
    values = _values(data)
    return _finish(leaf(values.astype(d.numpy) if values.size else np.zeros(values.shape, d.numpy), d),
                   requires_grad, device)


def legacy_constructor(d: DType):
    """torch.Tensor / torch.FloatTensor / torch.LongTensor ...: sizes or data, always of one dtype."""
    def construct(*args, device=None, requires_grad=False):
        if not args:
            return leaf(np.zeros((0,), dtype=d.numpy), d)
        if len(args) == 1 and (type(args[0]) in (list, tuple) and not _all_ints_size(args[0]) or
                               type(args[0]) in (np.ndarray, float, bool) or type(args[0]) is STensor):
            data = args[0]
            if type(data) is STensor:
                return cast(data, d)
            if type(data) is np.ndarray:
                return leaf(np.array(data, dtype=d.numpy), d)
            if type(data) in (float, bool):
                raise type_error(f"new(): data must be a sequence (got {type(data).__name__})")
            return leaf(_values(data).astype(d.numpy), d)
        if len(args) == 1 and type(args[0]) in (list, tuple) and args[0] and _all_ints_size(args[0]):
            if type(args[0]) is Size:
                return leaf(np.zeros(tuple(args[0]), dtype=d.numpy), d)
            return leaf(_values(args[0]).astype(d.numpy), d)  # torch.Tensor([2, 3]) is data
        shape = sizes(args, "Tensor")
        return leaf(np.zeros(shape, dtype=d.numpy), d)  # uninitialized in PyTorch: zeros here
    return construct


def _all_ints_size(v) -> bool:
    return type(v) is Size


def from_numpy(array):
    if type(array) is not np.ndarray:
        raise type_error(f"expected np.ndarray (got {type(array).__name__})")
    d = dtypes.of_numpy(array.dtype)
    s = wrap(Tensor(array), d)  # shares the array's memory, as PyTorch does
    return s


def as_tensor(data, dtype=None, device=None):
    if type(data) is STensor:
        return cast(data, dtype_arg(dtype, data.dtype))
    if type(data) is np.ndarray and (dtype is None or dtype_arg(dtype).numpy == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def randint(*args, size=None, dtype=None, device=None, requires_grad=False, generator=None, out=None,
            layout=None, pin_memory=False):
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise type_error("randint() received an invalid combination of arguments")
    if size is None:
        raise type_error("randint() missing required argument 'size'")
    shape = sizes(size, "randint")
    d = dtype_arg(dtype, dtypes.int64)
    if high <= low:
        raise runtime_error(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    values = runtime.RT.generator.randint(low, high, shape, dtype=d.name if d.category != FLOATING else "int64")
    return _finish(leaf(np.asarray(values).astype(d.numpy), d), requires_grad, device)


def randperm(n, *, dtype=None, device=None, requires_grad=False, generator=None, out=None, layout=None,
             pin_memory=False):
    check_size((n,), "randperm")
    d = dtype_arg(dtype, dtypes.int64)
    return _finish(leaf(np.asarray(runtime.RT.generator.randperm(n)).astype(d.numpy), d), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False, layout=None, pin_memory=False):
    if type(mean) is STensor or type(std) is STensor:
        shape = (mean if type(mean) is STensor else std).t.data.shape
        base = runtime.RT.generator.normal_(shape, 0.0, 1.0, dtype="float32")
        m = mean.t.data if type(mean) is STensor else mean
        s = std.t.data if type(std) is STensor else std
        return leaf((base * s + m).astype(np.float32), dtypes.float32)
    if size is None:
        raise type_error("normal() missing required argument 'size'")
    shape = sizes(size, "normal")
    d = dtype_arg(dtype, runtime.RT.default_float)
    return _finish(leaf(runtime.RT.generator.normal_(shape, mean, std, dtype=d.name), d),
                   requires_grad, device)


def _random_like(kind):
    def impl(x, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
        d = dtype_arg(dtype, x.dtype)
        gen = runtime.RT.generator
        values = gen.rand(x.t.data.shape, dtype=d.name) if kind == "rand" else gen.randn(x.t.data.shape, dtype=d.name)
        return _finish(leaf(values, d), requires_grad, device)
    return impl


CREATION = {
    "tensor": tensor, "as_tensor": as_tensor, "from_numpy": from_numpy,
    "zeros": _creation("zeros", _zeros), "ones": _creation("ones", _ones),
    "empty": _creation("empty", _zeros), "rand": _creation("rand", _rand),
    "randn": _creation("randn", _randn), "full": full, "eye": eye, "arange": arange,
    "linspace": linspace, "randint": randint, "randperm": randperm, "normal": normal,
    "zeros_like": _like("zeros_like", lambda shape, d: np.zeros(shape, d.numpy)),
    "ones_like": _like("ones_like", lambda shape, d: np.ones(shape, d.numpy)),
    "empty_like": _like("empty_like", lambda shape, d: np.zeros(shape, d.numpy)),
    "full_like": _like("full_like", _full_values),
    "rand_like": _random_like("rand"), "randn_like": _random_like("randn"),
}
