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
from ...core.tensor import Tensor
from ...errors import GradcliError
from .. import functions
from . import autograd, dtypes, runtime
from .creation import CREATION, device_arg, dtype_arg, legacy_constructor
from .dtypes import FLOATING, DType
from .errors import ScriptError, runtime_error, type_error
from .namespaces import Namespace, lazy
from .objects import Native, NativeClass
from .tensor import NO_GPU, Device, Size, STensor, cast, cast_core, make_device, wrap

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
    d = dtype_arg(d)
    if d.category != FLOATING or d.numpy is None:
        raise type_error("only floating-point types are supported as the default type")
    runtime.RT.default_float = d


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
    **CREATION,
    "manual_seed": manual_seed, "seed": lambda: runtime.RT.generator.initial_seed(),
    "initial_seed": lambda: runtime.RT.generator.initial_seed(),
    "set_grad_enabled": set_grad_enabled, "is_grad_enabled": autograd.grad_enabled,
    "set_printoptions": set_printoptions, "set_default_dtype": set_default_dtype,
    "get_default_dtype": lambda: runtime.RT.default_float, "is_tensor": is_tensor, "numel": numel,
    "is_floating_point": _is_floating_point, "device": make_device,
    "set_default_device": lambda device=None: device_arg(device),
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
    attrs["func"] = lazy(lambda: modules("torch.func"))
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
    raise runtime_error(NO_GPU)


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
