"""The torch namespace: tensor creation with PyTorch's dtypes, and everything else through the
function table.

`torch.X(...)` is, in order: a function of this module (creation, grad modes, seeds, dtype
queries), or the function table's X (gradcli.lang.functions), called on the core tensors and
wrapped back with PyTorch's dtype rules (`bridge`). The table computes in the arrays' dtypes;
what it gives in float64 from non-float64 inputs (NumPy's sin of an int64 array) comes back in
PyTorch's default float dtype.
"""
from __future__ import annotations

import math

import numpy as np

from ...core import tensor as core
from ...core.tensor import Tensor, check_size
from ...errors import GradcliError
from .. import functions
from . import autograd, dtypes, runtime
from .dtypes import FLOATING, DType
from .errors import ScriptError, runtime_error, type_error, value_error
from .namespaces import BUILDERS, Namespace, lazy
from .objects import Native, NativeClass
from .tensor import Device, Size, STensor, cast, cast_core, leaf, wrap

# -- the bridge to the function table -------------------------------------------------------------------

_CONTEXTS: dict = {}


def _context(dtype: DType):
    ctx = _CONTEXTS.get(dtype)
    if ctx is None:
        ctx = _CONTEXTS[dtype] = functions.Context(dtype.numpy, None)
    return ctx


def _unwrap(value, seen_dtypes: list):
    t = type(value)
    if t is STensor:
        seen_dtypes.append(value.dtype)
        return value.t
    if t is list or t is tuple:
        if any(type(v) is STensor or type(v) in (list, tuple) for v in value):
            return t(_unwrap(v, seen_dtypes) for v in value)
        return value
    if t is DType:
        return functions.DType(value.name)
    if t is Size:
        return tuple(value)
    return value


class ReturnTypes(tuple):
    """torch.return_types.max(values=..., indices=...): a named pair."""

    fields = ("values", "indices")

    def __new__(cls, kind, values, indices):
        self = super().__new__(cls, (values, indices))
        self.kind = kind
        return self

    def script_getattr(self, name):
        if name in self.fields:
            return self[self.fields.index(name)]
        raise ScriptError("AttributeError", f"'torch.return_types.{self.kind}' object has no attribute '{name}'")


def _rewrap(result, inputs, name: str, floats: list):
    if isinstance(result, Tensor):
        data_dtype = result.data.dtype
        if data_dtype == np.float64 and dtypes.float64 not in floats:
            default = runtime.RT.default_float
            if default is not dtypes.float64:
                result = cast_core(result, default.numpy)
        elif data_dtype.kind == "f" and floats and all(d.category != FLOATING for d in floats):
            result = cast_core(result, runtime.RT.default_float.numpy)
        return autograd.record(wrap(result), inputs)
    if isinstance(result, functions.ValuesIndices):
        values = _rewrap(result.values, inputs, name, floats)
        indices = result.indices
        indices = wrap(Tensor(np.asarray(indices.data).astype(np.int64)), dtypes.int64)
        return ReturnTypes(name, values, indices)
    if isinstance(result, (list, tuple)):
        return type(result)(_rewrap(r, inputs, name, floats) for r in result)
    return result


def bridge(name: str, library: str = "torch"):
    """A script function calling the function table's `name` (None when the table has none)."""
    fn = functions.lookup(name, library)
    if fn is None:
        return None

    def call(*args, **kwargs):
        return _call_entry(fn, name, args, kwargs)
    return call


def _call_entry(fn, name, args, kwargs):
    if kwargs.get("out") is not None:
        raise type_error(f"{name}(): out= is not supported by gradcli (assign the result instead)")
    kwargs.pop("out", None)
    cast_to = kwargs.pop("dtype", None) if name not in ("tensor", "full") else None
    seen: list[DType] = []
    inputs = [a for a in args if type(a) is STensor]
    if cast_to is not None and inputs:
        args = tuple(cast(a, cast_to) if type(a) is STensor else a for a in args)
        inputs = [a for a in args if type(a) is STensor]
    core_args = [_unwrap(a, seen) for a in args]
    core_kwargs = {k: _unwrap(v, seen) for k, v in kwargs.items()}
    floats = [d for d in seen]
    ctx = _context(next((d for d in seen if d.category == FLOATING), runtime.RT.default_float))
    try:
        result = fn.impl(ctx, *core_args, **core_kwargs)
    except GradcliError as exc:
        if exc.kind == "limit":
            raise
        raise runtime_error(exc.message) from None
    except TypeError as exc:
        raise type_error(f"{name}(): {exc}") from None
    return _rewrap(result, inputs, name, floats)


_BRIDGES: dict = {}


def call_torch(name: str, *args, **kwargs):
    """torch.NAME(*args) through this module's own functions, then the function table."""
    fn = TORCH_FUNCTIONS.get(name)
    if fn is not None:
        return fn(*args, **kwargs)
    entry = functions.lookup(name, "torch")
    if entry is None:
        raise ScriptError("AttributeError", f"module 'torch' has no attribute '{name}'")
    return _call_entry(entry, name, args, kwargs)


# -- dtypes and shapes of arguments --------------------------------------------------------------------

def _dtype_arg(value, default=None) -> DType | None:
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


def _device_arg(device) -> None:
    if device is None or type(device) is Device:
        return
    if type(device) is str:
        make_device(device)
        return
    if type(device) is int:
        return
    raise type_error("device must be a string or torch.device")


def _finish(s: STensor, requires_grad, device=None) -> STensor:
    _device_arg(device)
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
        d = _dtype_arg(dtype, runtime.RT.default_float)
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
        d = _dtype_arg(dtype, x.dtype)
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
    d = _dtype_arg(dtype, default)
    return _finish(leaf(np.full(shape, fill_value, dtype=d.numpy), d), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
        pin_memory=False):
    m = n if m is None else m
    shape = sizes((n, m), "eye")
    d = _dtype_arg(dtype, runtime.RT.default_float)
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
    d = _dtype_arg(dtype, dtypes.int64 if integral else runtime.RT.default_float)
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
    d = _dtype_arg(dtype, runtime.RT.default_float)
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
        d = _dtype_arg(dtype, data.dtype)
        return _finish(leaf(np.array(data.t.data, dtype=d.numpy), d), requires_grad, device)
    if type(data) is np.ndarray:
        d = _dtype_arg(dtype, dtypes.of_numpy(data.dtype))
        return _finish(leaf(np.array(data, dtype=d.numpy), d), requires_grad, device)
    if isinstance(data, np.generic):
        data = data.item()
    if type(data) not in (list, tuple, int, float, bool):
        from .pyvalues import type_name  # noqa: PLC0415
        raise type_error(f"new(): invalid data type '{type_name(data)}'")
    d = _dtype_arg(dtype, _infer_dtype(data))
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
        return cast(data, _dtype_arg(dtype, data.dtype))
    if type(data) is np.ndarray and (dtype is None or _dtype_arg(dtype).numpy == data.dtype):
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
    d = _dtype_arg(dtype, dtypes.int64)
    if high <= low:
        raise runtime_error(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    values = runtime.RT.generator.randint(low, high, shape, dtype=d.name if d.category != FLOATING else "int64")
    return _finish(leaf(np.asarray(values).astype(d.numpy), d), requires_grad, device)


def randperm(n, *, dtype=None, device=None, requires_grad=False, generator=None, out=None, layout=None,
             pin_memory=False):
    check_size((n,), "randperm")
    d = _dtype_arg(dtype, dtypes.int64)
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
    d = _dtype_arg(dtype, runtime.RT.default_float)
    return _finish(leaf(runtime.RT.generator.normal_(shape, mean, std, dtype=d.name), d),
                   requires_grad, device)


def _random_like(kind):
    def impl(x, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
        d = _dtype_arg(dtype, x.dtype)
        gen = runtime.RT.generator
        values = gen.rand(x.t.data.shape, dtype=d.name) if kind == "rand" else gen.randn(x.t.data.shape, dtype=d.name)
        return _finish(leaf(values, d), requires_grad, device)
    return impl


# -- grad modes, seeds, defaults ---------------------------------------------------------------------

class GeneratorObject:
    """What torch.manual_seed returns (a torch._C.Generator); scripts rarely look at it."""

    __slots__ = ()
    script_type_name = "Generator"

    def script_repr(self):
        from .show import address  # noqa: PLC0415
        return f"<torch._C.Generator object at {address(self)}>"

    def script_getattr(self, name):
        if name == "initial_seed":
            return Native("initial_seed", lambda: runtime.RT.generator.initial_seed())
        if name == "manual_seed":
            return Native("manual_seed", manual_seed)
        raise ScriptError("AttributeError", f"'torch._C.Generator' object has no attribute '{name}'")


_GENERATOR = GeneratorObject()


def manual_seed(seed):
    if type(seed) is STensor:
        seed = int(seed.t.data.reshape(()))
    if type(seed) not in (int, bool):
        raise type_error(f"manual_seed expected an int, got {type(seed).__name__}")
    runtime.RT.generator.manual_seed(int(seed))
    return _GENERATOR


class GradModeValue(autograd.GradMode):
    """torch.no_grad() and friends as script values: `with`, and `@torch.no_grad()`."""

    __slots__ = ()
    script_type_name = "no_grad"

    def script_enter(self):
        return self.enter()

    def script_exit(self):
        self.exit()

    def script_call(self, args, kwargs):
        """@torch.no_grad() on a function: call it in this grad mode."""
        if len(args) != 1 or kwargs:
            raise type_error(f"{self.name}() takes no arguments")
        fn = args[0]
        mode = self

        def wrapped(*a, **k):
            from .objects import invoke  # noqa: PLC0415
            previous = core.recording
            core.recording = mode.enabled
            try:
                return invoke(fn, list(a), k)
            finally:
                core.recording = previous
        from .objects import qualname  # noqa: PLC0415
        return Native(qualname(fn), wrapped, "function")

    def script_repr(self):
        from .show import address  # noqa: PLC0415
        return f"<torch.autograd.grad_mode.{self.name} object at {address(self)}>"


def _grad_mode_class(name, enabled):
    return NativeClass(name, "torch", lambda *a, **k: GradModeValue(
        enabled if not a else bool(a[0]) if name != "inference_mode" else not bool(a[0]), name))


def set_grad_enabled(mode):
    return GradModeValue(bool(mode), "set_grad_enabled", immediate=True)


class AnomalyMode:
    """torch.autograd.set_detect_anomaly / detect_anomaly: accepted, and nothing more."""

    __slots__ = ()

    def script_enter(self):
        return None

    def script_exit(self):
        return None


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None, **others):
    from .printing import PrintOptions  # noqa: PLC0415
    from .printing import set_printoptions as apply_options  # noqa: PLC0415
    rt = runtime.RT
    try:
        rt.print_options = apply_options(rt.print_options or PrintOptions(), precision=precision,
                                         threshold=threshold, edgeitems=edgeitems, linewidth=linewidth,
                                         profile=profile, sci_mode=sci_mode, **others)
    except GradcliError as exc:
        if exc.kind == "limit":
            raise
        raise type_error(exc.message) from None


def set_default_dtype(d):
    d = _dtype_arg(d)
    if d.category != FLOATING or d.numpy is None:
        raise type_error("only floating-point types are supported as the default type")
    runtime.RT.default_float = d


def make_device(kind="cpu", index=None):
    if type(kind) is Device:
        return kind
    if type(kind) is int:
        return Device("cuda", kind)
    if type(kind) is not str:
        raise type_error("device() takes a string")
    name, _, number = kind.partition(":")
    if name not in ("cpu", "cuda", "mps", "meta", "xpu"):
        raise runtime_error(f"Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, "
                            f"ve, fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone "
                            f"device type at start of device string: {kind}")
    if number:
        index = int(number)
    return Device(name, index)


def is_tensor(x) -> bool:
    return type(x) is STensor


def numel(x) -> int:
    return x.t.data.size


def _is_floating_point(x) -> bool:
    return x.dtype.category == FLOATING


# -- the namespaces ------------------------------------------------------------------------------------------

def _natives(table: dict) -> dict:
    return {name: Native(name, fn) for name, fn in table.items()}


TORCH_FUNCTIONS = {
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
    "manual_seed": manual_seed, "seed": lambda: runtime.RT.generator.initial_seed(),
    "initial_seed": lambda: runtime.RT.generator.initial_seed(),
    "set_grad_enabled": set_grad_enabled, "is_grad_enabled": autograd.grad_enabled,
    "set_printoptions": set_printoptions, "set_default_dtype": set_default_dtype,
    "get_default_dtype": lambda: runtime.RT.default_float, "is_tensor": is_tensor, "numel": numel,
    "is_floating_point": _is_floating_point, "device": make_device,
    "set_default_device": lambda device=None: _device_arg(device),
    "use_deterministic_algorithms": lambda mode, warn_only=False: None,
    "set_num_threads": lambda n: None, "get_num_threads": lambda: 1,
    "is_nonzero": lambda x: bool(x.t.data.reshape(())),
}


def torch_namespace(modules) -> Namespace:
    from . import methods  # noqa: PLC0415
    attrs: dict = _natives(TORCH_FUNCTIONS)
    attrs.update(methods.torch_functions())
    attrs.update({name: d for name, d in dtypes.BY_NAME.items()})
    attrs.update({name: NativeClass(name, "torch", legacy_constructor(d)) for name, d in dtypes.LEGACY.items()})
    attrs.update({"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "Tensor": TENSOR_CLASS,
                  "Size": SIZE_CLASS, "dtype": DTYPE_CLASS, "Generator": NativeClass("Generator", "torch._C"),
                  "no_grad": _grad_mode_class("no_grad", False),
                  "enable_grad": _grad_mode_class("enable_grad", True),
                  "inference_mode": _grad_mode_class("inference_mode", False)})
    attrs["nn"] = lazy(lambda: modules("torch.nn"))
    attrs["optim"] = lazy(lambda: modules("torch.optim"))
    attrs["autograd"] = lazy(lambda: modules("torch.autograd"))
    attrs["cuda"] = Namespace("torch.cuda", _natives({
        "is_available": lambda: False, "device_count": lambda: 0, "manual_seed": lambda seed: None,
        "manual_seed_all": lambda seed: None, "current_device": lambda: _no_cuda(),
        "synchronize": lambda device=None: None, "empty_cache": lambda: None}))
    attrs["backends"] = Namespace("torch.backends", {
        "mps": Namespace("torch.backends.mps", _natives({"is_available": lambda: False,
                                                         "is_built": lambda: False})),
        "cudnn": Namespace("torch.backends.cudnn", {"deterministic": False, "benchmark": False,
                                                     "enabled": True})})
    attrs["linalg"] = Namespace("torch.linalg", fallback=lambda name: _bridged(f"linalg.{name}"))
    attrs["special"] = Namespace("torch.special", fallback=lambda name: _bridged(name))
    attrs["utils"] = lazy(lambda: modules("torch.utils"))
    return Namespace("torch", attrs, fallback=lambda name: _bridged(name))


def _no_cuda():
    raise runtime_error("Found no NVIDIA driver on your system. gradcli computes on the CPU: "
                        "torch.cuda.is_available() is False")


def _bridged(name: str):
    fn = bridge(name)
    return Native(name, fn) if fn is not None else None


def _tensor_construct(*args, **kwargs):
    return legacy_constructor(runtime.RT.default_float)(*args, **kwargs)


def _is_tensor_value(v) -> bool:
    return type(v) is STensor


TENSOR_CLASS = NativeClass("Tensor", "torch", _tensor_construct, check=_is_tensor_value)
PARAMETER_CLASS = NativeClass("Parameter", "torch.nn.parameter", None,
                              check=lambda v: type(v) is STensor and v.is_param, base=TENSOR_CLASS)
SIZE_CLASS = NativeClass("Size", "torch", lambda *a: Size(*a) if a else Size(), check=lambda v: type(v) is Size)
DTYPE_CLASS = NativeClass("dtype", "torch", None, check=lambda v: type(v) is DType)


def _register_types():
    from . import objects  # noqa: PLC0415
    objects.TYPES[STensor] = lambda v: PARAMETER_CLASS if v.is_param else TENSOR_CLASS
    objects.TYPES[Size] = SIZE_CLASS
    objects.TYPES[DType] = DTYPE_CLASS
    objects.TYPES[Device] = NativeClass("device", "torch", make_device)
    objects.TYPES[ReturnTypes] = lambda v: NativeClass(v.kind, "torch.return_types")


_register_types()


# -- torch.autograd ------------------------------------------------------------------------------------------

def variable(data, requires_grad=False, volatile=False):
    """Variable(t, requires_grad=...): a new leaf over t's memory, as PyTorch's legacy wrapper."""
    if type(data) is not STensor:
        raise type_error(f"Variable data has to be a tensor, but got {type(data).__name__}")
    s = STensor(Tensor(data.t.data), data.dtype)
    if requires_grad:
        autograd_leaf(s)
    return s


def _function_apply(cls, args, kwargs):
    from . import objects  # noqa: PLC0415
    parts = []
    for name in ("forward", "backward"):
        fn = cls.lookup(name) if type(cls) is objects.ScriptClass else None
        if type(fn) is objects.StaticMethod:
            fn = fn.func
        if fn is None:
            raise ScriptError("NotImplementedError", f"You must implement the {name} function for custom "
                              "autograd.Function.")
        parts.append(fn)
    return autograd.function_apply(cls.name, parts[0], parts[1], objects.invoke, list(args), kwargs)


FUNCTION_CLASS = NativeClass("Function", "torch.autograd.function", None,
                             attrs={"apply": lambda cls: Native("apply", lambda *a, **k: _function_apply(cls, a, k))})


def _autograd_backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
                       inputs=None):
    autograd.backward(tensors, grad_tensors if grad_tensors is not None else grad_variables, retain_graph,
                      create_graph, inputs)


# -- torch.autograd.functional --------------------------------------------------------------------------

def _as_inputs(inputs):
    single = type(inputs) is STensor
    items = (inputs,) if single else tuple(inputs)
    for t in items:
        if type(t) is not STensor:
            raise type_error(f"The inputs given to jacobian must be either a Tensor or a tuple of Tensors but "
                             f"the value at index 0 has type {type(t).__name__}.")
    leaves = tuple(autograd_copy(t) for t in items)
    return single, leaves


def autograd_copy(t: STensor) -> STensor:
    s = STensor(Tensor(np.array(t.t.data)), t.dtype)
    s.t.requires_grad = t.dtype.category == FLOATING
    return s


def _call_function(func, leaves):
    from . import objects  # noqa: PLC0415
    previous = core.recording
    core.recording = True
    try:
        out = objects.invoke(func, list(leaves), {})
    finally:
        core.recording = previous
    single = type(out) is STensor
    outs = (out,) if single else tuple(out)
    return single, outs


def _shape_result(blocks, single_out, single_in):
    rows = [tuple(row) for row in blocks]
    if single_out and single_in:
        return rows[0][0]
    if single_out:
        return rows[0]
    if single_in:
        return tuple(row[0] for row in rows)
    return tuple(rows)


def functional_jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
                        strategy="reverse-mode"):
    from ...core import engine  # noqa: PLC0415
    single_in, leaves = _as_inputs(inputs)
    single_out, outs = _call_function(func, leaves)
    blocks = []
    for out in outs:
        row = []
        for leaf_ in leaves:
            if not out.t.requires_grad:
                row.append(np.zeros(out.t.data.shape + leaf_.t.data.shape, dtype=out.t.data.dtype))
                continue
            (block,), = engine.jacobian_reverse([out.t], [leaf_.t])[0]
            row.append(np.asarray(block, dtype=out.t.data.dtype))
        blocks.append([wrap(Tensor(b), dtypes.of_numpy(b.dtype)) for b in row])
    return _shape_result(blocks, single_out, single_in)


def functional_vjp(func, inputs, v=None, create_graph=False, strict=False):
    single_in, leaves = _as_inputs(inputs)
    single_out, outs = _call_function(func, leaves)
    vs = None if v is None else ([v] if type(v) is STensor else list(v))
    grads = autograd.grad(list(outs), list(leaves), vs, allow_unused=True)
    grads = tuple(g if g is not None else wrap(Tensor(np.zeros_like(l.t.data)), l.dtype)
                  for g, l in zip(grads, leaves))
    detached = tuple(STensor(Tensor(o.t.data), o.dtype) for o in outs)
    return (detached[0] if single_out else detached, grads[0] if single_in else grads)


def functional_hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
                       outer_jacobian_strategy="reverse-mode"):
    from ...core import engine  # noqa: PLC0415
    single_in, leaves = _as_inputs(inputs)
    _, outs = _call_function(func, leaves)
    out = outs[0]
    if out.t.data.size != 1:
        raise runtime_error("The function given to hessian should return a single element Tensor")
    grads = engine.gradient_graph(out.t, [l.t for l in leaves])
    grads = [engine.fit(g, l.t.data.shape) if g is not None else Tensor(np.zeros_like(l.t.data))
             for g, l in zip(grads, leaves)]
    blocks, _ = engine.jacobian_forward(grads, [l.t for l in leaves])
    rows = [[wrap(Tensor(np.asarray(b, dtype=out.t.data.dtype)), out.dtype) for b in row] for row in blocks]
    return _shape_result(rows, single_in, single_in)


def autograd_namespace(modules) -> Namespace:
    anomaly = AnomalyMode()
    attrs = _natives({"grad": autograd.grad, "backward": _autograd_backward,
                      "set_detect_anomaly": lambda mode=True, check_nan=True: anomaly})
    attrs.update({"Variable": NativeClass("Variable", "torch.autograd.variable", variable,
                                          check=lambda v: type(v) is STensor),
                  "Function": FUNCTION_CLASS,
                  "detect_anomaly": NativeClass("detect_anomaly", "torch.autograd", lambda *a, **k: anomaly),
                  "no_grad": _grad_mode_class("no_grad", False),
                  "enable_grad": _grad_mode_class("enable_grad", True),
                  "set_grad_enabled": Native("set_grad_enabled", set_grad_enabled),
                  "functional": Namespace("torch.autograd.functional", _natives({
                      "jacobian": functional_jacobian, "vjp": functional_vjp,
                      "hessian": functional_hessian}))})
    return Namespace("torch.autograd", attrs)


def _ordered_dict(*args, **kwargs):
    import collections  # noqa: PLC0415
    from .pyvalues import _to_dict  # noqa: PLC0415
    return collections.OrderedDict(_to_dict(*args, **kwargs))


def collections_namespace(modules) -> Namespace:
    import collections  # noqa: PLC0415
    return Namespace("collections", {"OrderedDict": NativeClass(
        "OrderedDict", "collections", _ordered_dict, check=lambda v: isinstance(v, collections.OrderedDict))})


def math_namespace(modules) -> Namespace:
    from .pyvalues import math_namespace as table  # noqa: PLC0415
    return Namespace("math", table())


def random_namespace(modules) -> Namespace:
    """Python's random module: its own generator per run (random.seed(n) repeats Python's numbers)."""
    import random  # noqa: PLC0415
    state = random.Random()

    def bounded(name):
        method = getattr(state, name)  # a fixed name from the list below

        def impl(*args, **kwargs):
            if name == "sample" and len(args) > 1 and type(args[1]) is int:
                runtime.check_length(args[1], "a sample")
            try:
                return method(*args, **kwargs)
            except (ValueError, TypeError, IndexError) as exc:
                raise ScriptError(type(exc).__name__, str(exc)) from None
        return Native(name, impl)
    names = ("seed", "random", "randint", "randrange", "uniform", "choice", "shuffle", "gauss",
             "normalvariate", "sample")
    return Namespace("random", {name: bounded(name) for name in names})


BUILDERS["torch"] = torch_namespace
BUILDERS["random"] = random_namespace
BUILDERS["torch.autograd"] = autograd_namespace
BUILDERS["math"] = math_namespace
BUILDERS["collections"] = collections_namespace
