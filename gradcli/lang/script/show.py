"""str() and repr() of every script value, as Python and PyTorch print them.

Tensors print through printing.py (PyTorch's own layout); containers as Python writes them, with
their items' reprs; gradcli's objects (modules, grad_fn nodes, classes) as PyTorch's do. Objects
that Python prints with a memory address get a stable made-up one (0x7f... per object): a
comparison with PyTorch's output has to skip addresses anyway.
"""
from __future__ import annotations

import itertools

import numpy as np

from . import runtime
from .tensor import Device, Size, STensor

_ADDRESSES: dict[int, tuple[object, str]] = {}
_NEXT = itertools.count(0x7F3A5C000000, 0x40)


def address(obj) -> str:
    """A stable pretend address for an object Python would show as `at 0x...`."""
    found = _ADDRESSES.get(id(obj))
    if found is None or found[0] is not obj:
        found = (obj, f"0x{next(_NEXT):x}")
        _ADDRESSES[id(obj)] = found
    return found[1]


def tensor_text(s: STensor) -> str:
    from .autograd import node_name  # noqa: PLC0415
    from .printing import format_parameter, format_tensor  # noqa: PLC0415
    options = runtime.RT.print_options
    values = s.t.data
    default = runtime.RT.default_float.name
    if s.is_param:
        return format_parameter(values, dtype=s.dtype.name, options=options, default_dtype=default,
                                requires_grad=s.t.requires_grad)
    grad_fn = node_name(s.t) if s.t.op is not None else None
    requires_grad = s.t.requires_grad and s.t.op is None
    return format_tensor(values, dtype=s.dtype.name, requires_grad=requires_grad, grad_fn=grad_fn,
                         options=options, default_dtype=default)


def to_str(value) -> str:
    t = type(value)
    if t is str:
        return value
    if t is STensor:
        return tensor_text(value)
    if t is float or t is int or t is bool or value is None:
        return str(value)
    if t is np.ndarray or isinstance(value, np.generic):
        return str(value)
    if t is Device:
        return str(value)
    from .errors import ScriptError  # noqa: PLC0415
    if t is ScriptError:
        return str(value)
    return to_repr(value)


def to_repr(value, _seen=None) -> str:
    t = type(value)
    if _seen is None and t in (list, tuple, dict, set):
        from .pyvalues import bounded  # noqa: PLC0415
        bounded(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return repr(value)
    if t is STensor:
        return tensor_text(value)
    if t is Size:
        return f"torch.Size([{', '.join(str(d) for d in value)}])"
    if t is Device:
        return repr(value)
    if t in (list, tuple, dict, set) or t.__name__ in ("OrderedDict", "ReturnTypes"):
        return _container(value, _seen)
    if t is np.ndarray or isinstance(value, np.generic):
        return repr(value)
    custom = getattr(t, "script_repr", None)  # gradcli's own objects say how they print
    if custom is not None:
        return custom(value)
    return _object_repr(value)


def _container(value, seen) -> str:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return {list: "[...]", dict: "{...}"}.get(type(value), "(...)")
    seen.add(id(value))
    try:
        t = type(value)
        if t is list:
            return "[" + ", ".join(to_repr(v, seen) for v in value) + "]"
        if t is tuple:
            if len(value) == 1:
                return "(" + to_repr(value[0], seen) + ",)"
            return "(" + ", ".join(to_repr(v, seen) for v in value) + ")"
        if t is set:
            return "{" + ", ".join(to_repr(v, seen) for v in value) + "}" if value else "set()"
        if t is dict:
            return "{" + ", ".join(f"{to_repr(k, seen)}: {to_repr(v, seen)}" for k, v in value.items()) + "}"
        if t.__name__ == "OrderedDict":
            if not value:
                return "OrderedDict()"
            return "OrderedDict([" + ", ".join(f"({to_repr(k, seen)}, {to_repr(v, seen)})"
                                              for k, v in value.items()) + "])"
        # torch.return_types.max(values=..., indices=...)
        parts = ",\n".join(f"{name}={to_repr(v, seen)}" for name, v in zip(value.fields, value))
        return f"torch.return_types.{value.kind}(\n{parts})"
    finally:
        seen.discard(id(value))


def _object_repr(value) -> str:
    from . import objects  # noqa: PLC0415
    from .autograd import AccumulateGrad, GradFn  # noqa: PLC0415
    from .dtypes import DType  # noqa: PLC0415
    t = type(value)
    if t is DType:
        return repr(value)
    if t is GradFn:
        from .autograd import CUSTOM  # noqa: PLC0415
        module = "torch.autograd.function." if value.node.op.doc == CUSTOM else ""
        return f"<{module}{value.name()} object at {address(value)}>"
    if t is AccumulateGrad:
        return f"<AccumulateGrad object at {address(value)}>"
    if t is objects.ScriptFunction:
        what = "lambda" if value.is_lambda else objects.qualname(value)
        return f"<function {'<lambda>' if value.is_lambda else what} at {address(value)}>"
    if t is objects.BoundMethod:
        return f"<bound method {objects.qualname(value.func)} of {to_repr(value.obj)}>"
    if t is objects.Native:
        return f"<{value.kind} {value.name}>"
    if t is objects.BoundNative:
        return f"<built-in method {value.name} of {type_label(value.obj)} object at {address(value.obj)}>"
    if t is objects.ScriptClass:
        return f"<class '__main__.{value.name}'>"
    if t is objects.NativeClass:
        return f"<class '{value.qualname}'>"
    if t is objects.ScriptObject:
        return f"<__main__.{value.cls.name} object at {address(value)}>"
    if t is objects.Super:
        return f"<super: <class '{value.cls.name}'>, <{type_label(value.obj)} object>>"
    if t is range:
        return repr(value)
    return f"<{type_label(value)} object at {address(value)}>"


def type_label(value) -> str:
    from .pyvalues import type_name  # noqa: PLC0415
    return type_name(value)
