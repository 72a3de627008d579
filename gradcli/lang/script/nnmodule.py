"""torch.nn.Module, and the containers Sequential and ModuleList.

A module keeps its parameters, buffers and sub-modules in registration order, as PyTorch's
does, so `parameters()`, `state_dict()` and the printed tree come out in PyTorch's order. A
script class `class Net(nn.Module)` makes instances of `Module` that remember their script
class: its methods come first, then Module's own.
"""
from __future__ import annotations

import collections

import numpy as np

from ...core.tensor import Tensor
from . import dtypes, objects
from .attributes import MISSING, instance_lookup
from .autograd import size_text, zero_grad
from .errors import ScriptError, attribute_error, runtime_error, type_error
from .tensor import STensor, cast, set_requires_grad, wrap

# -- parameters -------------------------------------------------------------------------------------------

def parameter(data=None, requires_grad=True) -> STensor:
    if data is None:
        data = wrap(Tensor(np.zeros((0,), np.float32)), dtypes.float32)
    if type(data) is not STensor:
        raise type_error(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
    p = STensor(Tensor(data.t.data), data.dtype)  # shares the memory, a fresh leaf
    p.is_param = True
    if requires_grad:
        set_requires_grad(p, True)
    return p


class ScriptGenerator:
    """What model.parameters() returns: a generator, iterable once."""

    __slots__ = ("it", "label")
    script_type_name = "generator"

    def __init__(self, items, label):
        self.it = iter(items)
        self.label = label

    def script_iter(self):
        return self.it

    def script_repr(self):
        from .show import address  # noqa: PLC0415
        return f"<generator object {self.label} at {address(self)}>"


# -- Module -------------------------------------------------------------------------------------------------

class Module:
    NAME = "Module"
    MODULE = "torch.nn.modules.module"
    script_type_name = "Module"

    def __init__(self):
        self.script_class = None
        self.params: dict = {}
        self.buffers: dict = {}
        self.modules: dict = {}
        self.attrs: dict = {}
        self.training = True

    # -- what the interpreter asks of an object
    def script_call(self, args, kwargs):
        forward = instance_lookup(self, self.script_class, "forward")
        if forward is not MISSING:
            return objects.invoke(forward, list(args), kwargs)
        return self.forward(*args, **kwargs)

    def script_getattr(self, name):
        if name in self.attrs:
            return self.attrs[name]
        found = instance_lookup(self, self.script_class, name)
        if found is not MISSING:
            return found
        method = self.script_method(name)
        if method is not None:
            return method
        for table in (self.params, self.buffers, self.modules):
            if name in table:
                return table[name]
        if name == "training":
            return self.training
        raise attribute_error(f"'{self.name()}' object has no attribute '{name}'")

    def script_method(self, name):
        fn = _METHODS.get(name) or self.NATIVE_METHODS.get(name)
        if fn is not None:
            return objects.BoundNative(name, fn, self)
        prop = self.PROPERTIES.get(name)
        if prop is not None:
            return prop(self)
        return None

    NATIVE_METHODS: dict = {}
    PROPERTIES: dict = {}

    def script_setattr(self, name, value):
        if type(value) is STensor and value.is_param:
            self._forget(name)
            self.params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self.modules[name] = value
        elif name in self.params:
            if value is not None:
                raise type_error(f"cannot assign '{_legacy(value)}' as parameter '{name}' (torch.nn.Parameter "
                                 "or None expected)")
            self.params[name] = None
        elif name in self.buffers:
            self.buffers[name] = value
        elif name == "training":
            self.training = bool(value)
        else:
            self.modules.pop(name, None)
            self.attrs[name] = value

    def script_delattr(self, name):
        for table in (self.params, self.buffers, self.modules, self.attrs):
            if name in table:
                del table[name]
                return
        raise attribute_error(name)

    def _forget(self, name):
        for table in (self.params, self.buffers, self.modules, self.attrs):
            table.pop(name, None)

    def name(self) -> str:
        return self.script_class.name if self.script_class is not None else self.NAME

    def script_repr(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = []
        for key, module in self.modules.items():
            text = module.script_repr() if module is not None else "None"
            text = _indent(text, 2)
            child_lines.append(f"({key}): {text}")
        lines = extra_lines + child_lines
        main = self.name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def extra_repr(self) -> str:
        custom = instance_lookup(self, self.script_class, "extra_repr")
        if custom is not MISSING:
            from .show import to_str  # noqa: PLC0415
            return to_str(objects.invoke(custom, [], {}))
        return ""

    def forward(self, *args, **kwargs):
        raise ScriptError("NotImplementedError", f'Module [{self.name()}] is missing the required "forward" '
                          "function")

    # -- traversal
    def named_parameters_list(self, prefix="", recurse=True):
        seen = set()
        out = []
        for name, module in self.named_modules_list(prefix) if recurse else [(prefix, self)]:
            for key, p in module.params.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                out.append(((name + "." if name else "") + key, p))
        return out

    def named_modules_list(self, prefix=""):
        out, seen = [], set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            out.append((name, module))
            children = [((name + "." if name else "") + k, m) for k, m in module.modules.items() if m is not None]
            stack.extend(reversed(children))
        return out


def _legacy(value) -> str:
    if type(value) is STensor:
        return f"torch.{dtypes.LEGACY_NAME.get(value.dtype, 'FloatTensor')}"
    from .pyvalues import type_name  # noqa: PLC0415
    return type_name(value)


def _indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


# -- Module's methods, as a script sees them ----------------------------------------------------------------

def _parameters(m, recurse=True):
    return ScriptGenerator([p for _, p in m.named_parameters_list(recurse=recurse)], "Module.parameters")


def _named_parameters(m, prefix="", recurse=True, remove_duplicate=True):
    return ScriptGenerator([(n, p) for n, p in m.named_parameters_list(prefix, recurse)],
                           "Module.named_parameters")


def _children(m):
    return ScriptGenerator([c for c in m.modules.values() if c is not None], "Module.children")


def _named_children(m):
    return ScriptGenerator([(k, c) for k, c in m.modules.items() if c is not None], "Module.named_children")


def _modules(m):
    return ScriptGenerator([mod for _, mod in m.named_modules_list()], "Module.modules")


def _named_modules(m, memo=None, prefix=""):
    return ScriptGenerator(m.named_modules_list(prefix), "Module.named_modules")


def _buffers(m, recurse=True):
    out = []
    for _, module in m.named_modules_list() if recurse else [("", m)]:
        out.extend(b for b in module.buffers.values() if b is not None)
    return ScriptGenerator(out, "Module.buffers")


def _state_dict(m, destination=None, prefix="", keep_vars=False):
    out = collections.OrderedDict()
    for name, module in m.named_modules_list():
        head = prefix + (name + "." if name else "")
        for key, p in module.params.items():
            if p is not None:
                out[head + key] = p if keep_vars else _detached(p)
        for key, b in module.buffers.items():
            if b is not None:
                out[head + key] = b if keep_vars else _detached(b)
    return out


def _detached(p: STensor) -> STensor:
    return STensor(Tensor(p.t.data), p.dtype, p.vc)


def _load_state_dict(m, state_dict, strict=True, assign=False):
    own = _state_dict(m, keep_vars=True)
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    if strict and (missing or unexpected):
        parts = []
        if missing:
            parts.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if unexpected:
            parts.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        raise runtime_error(f"Error(s) in loading state_dict for {m.name()}:\n\t" + "\n\t".join(parts))
    for key, target in own.items():
        if key in state_dict:
            value = state_dict[key]
            if value.t.data.shape != target.t.data.shape:
                raise runtime_error(f"Error(s) in loading state_dict for {m.name()}:\n\tsize mismatch for {key}: "
                                    f"copying a param with shape {size_text(value.t.data.shape)} from checkpoint, the shape in "
                                    f"current model is {size_text(target.t.data.shape)}.")
            np.copyto(target.t.data, value.t.data, casting="unsafe")
            target.vc[0] += 1
    return _IncompatibleKeys(missing, unexpected)


class _IncompatibleKeys(tuple):
    def __new__(cls, missing, unexpected):
        return super().__new__(cls, (missing, unexpected))

    def script_repr(self):
        if not self[0] and not self[1]:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self[0]!r}, unexpected_keys={self[1]!r})"




def _zero_grad(m, set_to_none=True):
    for _, p in m.named_parameters_list():
        zero_grad(p, set_to_none)


def _train(m, mode=True):
    for _, module in m.named_modules_list():
        module.training = bool(mode)
    return m


def _eval(m):
    return _train(m, False)


def _requires_grad_(m, requires_grad=True):
    for _, p in m.named_parameters_list():
        set_requires_grad(p, bool(requires_grad))
    return m


def _to(m, *args, **kwargs):
    target = kwargs.get("dtype")
    for a in args:
        if type(a) is dtypes.DType:
            target = a
        elif type(a) is str and a.startswith("cuda") or getattr(a, "type", None) == "cuda":
            from .tensor import NO_GPU  # noqa: PLC0415
            raise runtime_error(NO_GPU)
    if target is not None:
        _convert(m, target)
    return m


def _convert(m, d):
    for _, module in m.named_modules_list():
        for table in (module.params, module.buffers):
            for key, p in table.items():
                if p is not None and p.dtype.category == dtypes.FLOATING and p.dtype is not d:
                    p.t.data = p.t.data.astype(d.numpy)
                    p.dtype = d
                    if p.grad is not None:
                        p.grad = cast(p.grad, d)
    return m


def _add_module(m, name, module):
    if module is not None and not isinstance(module, Module):
        raise type_error(f"{type(module).__name__} is not a Module subclass")
    m._forget(name)
    m.modules[name] = module


def _register_parameter(m, name, param):
    if param is not None and not (type(param) is STensor and param.is_param):
        raise type_error(f"cannot assign '{_legacy(param)}' object to parameter '{name}' (torch.nn.Parameter "
                         "or None required)")
    m._forget(name)
    m.params[name] = param


def _register_buffer(m, name, tensor, persistent=True):
    m._forget(name)
    m.buffers[name] = tensor


def _apply(m, fn):
    for _, module in reversed(m.named_modules_list()):
        objects.invoke(fn, [module], {})
    return m


def _get_parameter(m, target):
    for name, p in m.named_parameters_list():
        if name == target:
            return p
    raise attribute_error(f"{m.name()} has no parameter `{target}`")


_METHODS = {
    "parameters": _parameters, "named_parameters": _named_parameters, "children": _children,
    "named_children": _named_children, "modules": _modules, "named_modules": _named_modules,
    "buffers": _buffers, "state_dict": _state_dict, "load_state_dict": _load_state_dict,
    "zero_grad": _zero_grad, "train": _train, "eval": _eval, "requires_grad_": _requires_grad_,
    "to": _to, "cpu": lambda m: m, "cuda": lambda m, *a: _to(m, "cuda"), "float": lambda m: _convert(m, dtypes.float32),
    "double": lambda m: _convert(m, dtypes.float64), "half": lambda m: _convert(m, dtypes.float16),
    "add_module": _add_module, "register_module": _add_module, "register_parameter": _register_parameter,
    "register_buffer": _register_buffer, "apply": _apply, "get_parameter": _get_parameter,
    "forward": lambda m, *a, **k: m.forward(*a, **k), "extra_repr": lambda m: m.extra_repr(),
    "_get_name": lambda m: m.name(),
}


class Sequential(Module):
    NAME, MODULE = "Sequential", "torch.nn.modules.container"

    def setup(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], collections.OrderedDict):
            for key, m in modules[0].items():
                _add_module(self, key, m)
            return
        for i, m in enumerate(modules):
            _add_module(self, str(i), m)

    def forward(self, x):
        for m in self.modules.values():
            x = objects.invoke(m, [x], {})
        return x

    def script_len(self):
        return len(self.modules)

    def script_iter(self):
        return iter(list(self.modules.values()))

    def script_getitem(self, key):
        items = list(self.modules.items())
        if type(key) is slice:
            out = type(self)()
            out.setup(collections.OrderedDict(items[key]))
            return out
        if type(key) is not int:
            raise type_error(f"{self.NAME} indices must be integers or slices")
        if not -len(items) <= key < len(items):
            raise ScriptError("IndexError", f"index {key} is out of range")
        return items[key][1]

    def script_setitem(self, key, value):
        items = list(self.modules)
        self.modules[items[key]] = value

    NATIVE_METHODS = {"append": lambda m, module: (_add_module(m, str(len(m.modules)), module), m)[1]}


class ModuleList(Sequential):
    NAME = "ModuleList"

    def setup(self, modules=()):
        from .pyvalues import materialize  # noqa: PLC0415
        for i, m in enumerate(materialize(modules)):
            _add_module(self, str(i), m)

    def forward(self, *args, **kwargs):
        return Module.forward(self)

    NATIVE_METHODS = {"append": lambda m, module: (_add_module(m, str(len(m.modules)), module), m)[1],
                      "extend": lambda m, modules: [_add_module(m, str(len(m.modules)), x) for x in modules] and m}
