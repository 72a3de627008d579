"""torch.nn: Module (and script classes derived from it), layers, activations, losses, init, utils.

A module keeps its parameters, buffers and sub-modules in registration order, as PyTorch's
does, so `parameters()`, `state_dict()` and the printed tree come out in PyTorch's order. A
script class `class Net(nn.Module)` makes instances of `Module` that remember their script
class: its methods come first, then Module's own.
"""
from __future__ import annotations

import collections
import math

import numpy as np

from ...core import ops as core_ops
from ...core.tensor import PRIMITIVES, Tensor, apply, constant
from . import dtypes, objects, ops, runtime
from .attributes import MISSING, instance_lookup
from .autograd import name_node, record
from .errors import ScriptError, attribute_error, runtime_error, type_error
from .namespaces import BUILDERS, Namespace
from .objects import Native, NativeClass
from .tensor import STensor, cast, set_requires_grad, wrap
from .torchlib import PARAMETER_CLASS

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
                                    f"copying a param with shape {_size(value)} from checkpoint, the shape in "
                                    f"current model is {_size(target)}.")
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


def _size(t: STensor) -> str:
    return f"torch.Size([{', '.join(str(d) for d in t.t.data.shape)}])"


def _zero_grad(m, set_to_none=True):
    for _, p in m.named_parameters_list():
        if p.grad is not None:
            if set_to_none:
                p.grad = None
            else:
                p.grad.t.data[...] = 0
                p.grad.vc[0] += 1


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
            raise ScriptError("AssertionError", "Torch not compiled with CUDA enabled")
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


# -- functional forms ---------------------------------------------------------------------------------------------

def _t(value) -> STensor:
    if type(value) is not STensor:
        raise type_error(f"expected a Tensor, got {type(value).__name__}")
    return value


def linear(x, weight, bias=None) -> STensor:
    x, weight = _t(x), _t(weight)
    out = ops.matmul(x, _transpose(weight))
    if bias is not None:
        out = ops.binary("add", out, bias)
    if x.t.data.ndim == 2:
        return name_node(out, "AddmmBackward0" if bias is not None else "MmBackward0")
    if x.t.data.ndim == 1:
        return name_node(out, "ViewBackward0" if bias is not None else "SqueezeBackward4")
    return name_node(out, "ViewBackward0" if bias is not None else "UnsafeViewBackward0")


def _transpose(w: STensor) -> STensor:
    if w.t.data.ndim < 2:
        return w
    return wrap(core_ops.mT(w.t), w.dtype)


def _reduce(loss: STensor, reduction: str, name: str) -> STensor:
    from .methods import mean, sum_  # noqa: PLC0415
    if reduction == "mean":
        out = mean(loss)
    elif reduction == "sum":
        out = sum_(loss)
    elif reduction == "none":
        out = loss
    else:
        raise ScriptError("ValueError", f"{reduction} is not a valid value for reduction")
    return name_node(out, name)


def _check_sizes(x, target, what):
    if x.t.data.shape != target.t.data.shape:
        runtime.RT.warn(f"UserWarning: Using a target size ({_size(target)}) that is different to the input size "
                        f"({_size(x)}). This will likely lead to incorrect results due to broadcasting. Please "
                        "ensure they have the same size.")


def mse_loss(x, target, size_average=None, reduce=None, reduction="mean"):
    x, target = _t(x), _t(target)
    _check_sizes(x, target, "mse_loss")
    d = ops.binary("sub", x, target)
    return _reduce(ops.binary("mul", d, d), reduction, "MseLossBackward0")


def l1_loss(x, target, size_average=None, reduce=None, reduction="mean"):
    x, target = _t(x), _t(target)
    _check_sizes(x, target, "l1_loss")
    from .torchlib import call_torch  # noqa: PLC0415
    return _reduce(call_torch("abs", ops.binary("sub", x, target)), reduction,
                   "MeanBackward0" if reduction == "mean" else "SumBackward0" if reduction == "sum" else "AbsBackward0")


def smooth_l1_loss(x, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    from .torchlib import call_torch  # noqa: PLC0415
    d = call_torch("abs", ops.binary("sub", _t(x), _t(target)))
    small = ops.binary("div", ops.binary("mul", ops.binary("mul", d, d), 0.5), beta)
    big = ops.binary("sub", d, 0.5 * beta)
    loss = call_torch("where", ops.compare("lt", d, beta), small, big)
    return _reduce(loss, reduction, "SmoothL1LossBackward0")


def log_softmax(x, dim=None, _stacklevel=3, dtype=None):
    from .torchlib import call_torch  # noqa: PLC0415
    return call_torch("log_softmax", x, dim) if dim is not None else call_torch("log_softmax", x)


def softmax(x, dim=None, _stacklevel=3, dtype=None):
    from .torchlib import call_torch  # noqa: PLC0415
    return call_torch("softmax", x, dim) if dim is not None else call_torch("softmax", x)


def nll_loss(x, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    x, target = _t(x), _t(target)
    if target.dtype.category != dtypes.INTEGER:
        raise runtime_error(f"expected scalar type Long but found {ops.TYPE_NAMES[target.dtype.name]}")
    single = x.t.data.ndim == 1
    logp = x.t if not single else core_ops.reshape(x.t, (1,) + x.t.data.shape)
    labels = np.asarray(target.t.data).reshape(-1)
    n, classes = logp.data.shape[0], logp.data.shape[1]
    if labels.shape[0] != n:
        raise ScriptError("ValueError", f"Expected input batch_size ({n}) to match target batch_size "
                          f"({labels.shape[0]}).")
    keep = labels != ignore_index
    bad = labels[keep & ((labels < 0) | (labels >= classes))]
    if bad.size:
        raise ScriptError("IndexError", f"Target {int(bad[0])} is out of bounds.")
    rows = np.arange(n)[keep]
    picked = core_ops.index(logp, (rows, labels[keep]))
    w = None
    if weight is not None:
        w = np.asarray(_t(weight).t.data)[labels[keep]].astype(logp.data.dtype)
        picked = picked * Tensor(w)
    losses = -picked
    if reduction == "none":
        full = core_ops.scatter(losses, (rows,), (n,)) if keep.sum() != n else losses
        out = wrap(core_ops.reshape(full, ()) if single else full, x.dtype)
    elif reduction == "sum":
        out = wrap(core_ops.reduce("sum", losses, (-1,), False), x.dtype)
    else:
        total = core_ops.reduce("sum", losses, (-1,), False)
        count = float(w.sum()) if w is not None else float(rows.size)
        out = wrap(total / constant(count, total) if count else total * math.nan, x.dtype)
    return name_node(record(out, (x,)), "NllLossBackward0")


def cross_entropy(x, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    x, target = _t(x), _t(target)
    dim = 0 if x.t.data.ndim == 1 else 1
    logp = log_softmax(x, dim)
    if target.dtype.category == dtypes.FLOATING:  # class probabilities
        loss = ops.negate(ops.binary("mul", logp, target))
        from .methods import sum_  # noqa: PLC0415
        per = sum_(loss, dim)
        return _reduce(per, reduction, "NegBackward0" if reduction == "none" else
                       "DivBackward0" if reduction == "mean" else "SumBackward0")
    if x.t.data.ndim > 2:
        moved = wrap(core_ops.permute(logp.t, (0,) + tuple(range(2, x.t.data.ndim)) + (1,)), x.dtype)
        rows = int(np.prod(moved.t.data.shape[:-1]))
        flat = wrap(core_ops.reshape(moved.t, (rows, x.t.data.shape[1])), x.dtype)
        out = nll_loss(flat, wrap(Tensor(np.asarray(target.t.data).reshape(-1)), target.dtype), weight,
                       ignore_index=ignore_index, reduction=reduction)
        if reduction == "none":
            out = wrap(core_ops.reshape(out.t, target.t.data.shape), x.dtype)
        return name_node(out, "NllLossBackward0" if reduction != "none" else "ViewBackward0")
    return nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)


def binary_cross_entropy(x, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    x, target = _t(x), _t(target)
    _check_sizes(x, target, "binary_cross_entropy")
    data = x.t.data
    if np.any((data < 0) | (data > 1)):
        raise runtime_error("all elements of input should be between 0 and 1")
    log = PRIMITIVES["log"]
    clamp = PRIMITIVES["clamp"]
    log_p = apply(clamp, apply(log, x.t), lo=-100.0, hi=math.inf)
    log_q = apply(clamp, apply(log, 1.0 - x.t), lo=-100.0, hi=math.inf)
    t = target.t if target.dtype is x.dtype else cast(target, x.dtype).t
    loss = -(t * log_p + (1.0 - t) * log_q)
    if weight is not None:
        loss = loss * _t(weight).t
    return _reduce(record(wrap(loss, x.dtype), (x,)), reduction, "BinaryCrossEntropyBackward0")


def binary_cross_entropy_with_logits(x, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    x, target = _t(x), _t(target)
    t = target.t if target.dtype is x.dtype else cast(target, x.dtype).t
    relu = PRIMITIVES["relu"]
    softplus = PRIMITIVES["softplus"]
    # max(x, 0) - x t + log(1 + exp(-|x|)) = softplus(-|x|) + relu(x) - x t
    loss = apply(relu, x.t) - x.t * t + apply(softplus, -apply(PRIMITIVES["abs"], x.t))
    if weight is not None:
        loss = loss * _t(weight).t
    return _reduce(record(wrap(loss, x.dtype), (x,)), reduction, "BinaryCrossEntropyWithLogitsBackward0")


def _activation(name, backward):
    def impl(x, *args, **kwargs):
        kwargs.pop("inplace", None)
        from .torchlib import call_torch  # noqa: PLC0415
        return call_torch(name, x, *args, **kwargs)
    return impl


def leaky_relu(x, negative_slope=0.01, inplace=False):
    x = _t(x)
    cond = Tensor((x.t.data > 0).astype(x.t.data.dtype))
    out = apply(PRIMITIVES["where"], cond, x.t, x.t * float(negative_slope))
    return name_node(record(wrap(out, x.dtype), (x,)), "LeakyReluBackward0")


def elu(x, alpha=1.0, inplace=False):
    x = _t(x)
    cond = Tensor((x.t.data > 0).astype(x.t.data.dtype))
    out = apply(PRIMITIVES["where"], cond, x.t, (apply(PRIMITIVES["expm1"], x.t)) * float(alpha))
    return name_node(record(wrap(out, x.dtype), (x,)), "EluBackward0")


def softplus(x, beta=1.0, threshold=20.0):
    x = _t(x)
    scaled = x.t * float(beta)
    soft = apply(PRIMITIVES["softplus"], scaled) * (1.0 / float(beta))
    cond = Tensor((scaled.data > threshold).astype(x.t.data.dtype))
    out = apply(PRIMITIVES["where"], cond, x.t, soft)
    return name_node(record(wrap(out, x.dtype), (x,)), "SoftplusBackward0")


def gelu(x, approximate="none"):
    x = _t(x)
    if approximate == "tanh":
        inner = (x.t + x.t * x.t * x.t * 0.044715) * math.sqrt(2 / math.pi)
        out = x.t * 0.5 * (apply(PRIMITIVES["tanh"], inner) + 1.0)
    else:
        out = x.t * 0.5 * (apply(PRIMITIVES["erf"], x.t * (1 / math.sqrt(2))) + 1.0)
    return name_node(record(wrap(out, x.dtype), (x,)), "GeluBackward0")


def dropout(x, p=0.5, training=True, inplace=False):
    x = _t(x)
    if not training or p == 0:
        return x
    if p == 1:
        return ops.binary("mul", x, 0.0)
    keep = runtime.RT.generator.rand(x.t.data.shape, dtype="float32") >= p
    mask = Tensor((keep / (1 - p)).astype(x.t.data.dtype))
    return name_node(record(wrap(x.t * mask, x.dtype), (x,)), "MulBackward0")


def one_hot(x, num_classes=-1):
    x = _t(x)
    labels = np.asarray(x.t.data, dtype=np.int64)
    n = int(labels.max()) + 1 if num_classes == -1 else num_classes
    return wrap(Tensor((labels[..., None] == np.arange(n)).astype(np.int64)), dtypes.int64)


def normalize(x, p=2.0, dim=1, eps=1e-12, out=None):
    from .methods import norm  # noqa: PLC0415
    from .torchlib import call_torch  # noqa: PLC0415
    n = norm(x, p, dim, True)
    return ops.binary("div", x, call_torch("clamp", n, min=eps))


FUNCTIONAL = {
    "linear": linear, "mse_loss": mse_loss, "l1_loss": l1_loss, "smooth_l1_loss": smooth_l1_loss,
    "nll_loss": nll_loss, "cross_entropy": cross_entropy, "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits, "log_softmax": log_softmax,
    "softmax": softmax, "relu": _activation("relu", "ReluBackward0"),
    "sigmoid": _activation("sigmoid", "SigmoidBackward0"), "tanh": _activation("tanh", "TanhBackward0"),
    "leaky_relu": leaky_relu, "elu": elu, "softplus": softplus, "gelu": gelu, "dropout": dropout,
    "one_hot": one_hot, "normalize": normalize,
}


# -- layers ----------------------------------------------------------------------------------------------------

class Linear(Module):
    NAME, MODULE = "Linear", "torch.nn.modules.linear"

    def setup(self, in_features, out_features, bias=True, device=None, dtype=None):
        d = dtype or runtime.RT.default_float
        weight, b = runtime.RT.generator.linear_init(in_features, out_features, bias=bool(bias), dtype=d.name)
        self.in_features, self.out_features = in_features, out_features
        self.params["weight"] = parameter(wrap(Tensor(np.asarray(weight, dtype=d.numpy)), d))
        self.params["bias"] = parameter(wrap(Tensor(np.asarray(b, dtype=d.numpy)), d)) if bias else None

    def forward(self, x):
        return linear(x, self.params["weight"], self.params.get("bias"))

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.params.get('bias') is not None}")

    PROPERTIES = {"in_features": lambda m: m.in_features, "out_features": lambda m: m.out_features}


def _simple(name, module, forward, repr_fn=lambda m: "", setup=None, props=None):
    """A layer class whose forward is one function of its input."""
    def _setup(self, *args, **kwargs):
        self.options = setup(*args, **kwargs) if setup is not None else _no_arguments(name, args, kwargs)

    cls = type(name, (Module,), {
        "NAME": name, "MODULE": module, "setup": _setup,
        "forward": lambda self, *a, **k: forward(self, *a, **k),
        "extra_repr": lambda self: repr_fn(self),
        "PROPERTIES": {k: (lambda key: lambda m: m.options[key])(k) for k in (props or ())},
    })
    return cls


def _no_arguments(name, args, kwargs):
    kwargs.pop("inplace", None)
    if args or kwargs:
        raise type_error(f"{name}.__init__() takes no arguments")
    return {}


def _inplace_only(inplace=False):
    return {"inplace": bool(inplace)}


def _dim_option(dim=None):
    return {"dim": dim}


ReLU = _simple("ReLU", "torch.nn.modules.activation", lambda m, x: FUNCTIONAL["relu"](x),
               lambda m: "inplace=True" if m.options.get("inplace") else "", _inplace_only)
Tanh = _simple("Tanh", "torch.nn.modules.activation", lambda m, x: FUNCTIONAL["tanh"](x))
Sigmoid = _simple("Sigmoid", "torch.nn.modules.activation", lambda m, x: FUNCTIONAL["sigmoid"](x))
Identity = _simple("Identity", "torch.nn.modules.linear", lambda m, x: x,
                   setup=lambda *a, **k: {})
Softmax = _simple("Softmax", "torch.nn.modules.activation", lambda m, x: softmax(x, m.options["dim"]),
                  lambda m: f"dim={m.options['dim']}", _dim_option, ("dim",))
LogSoftmax = _simple("LogSoftmax", "torch.nn.modules.activation",
                     lambda m, x: log_softmax(x, m.options["dim"]), lambda m: f"dim={m.options['dim']}",
                     _dim_option, ("dim",))
LeakyReLU = _simple("LeakyReLU", "torch.nn.modules.activation",
                    lambda m, x: leaky_relu(x, m.options["negative_slope"]),
                    lambda m: f"negative_slope={m.options['negative_slope']}" +
                    (", inplace=True" if m.options["inplace"] else ""),
                    lambda negative_slope=0.01, inplace=False: {"negative_slope": negative_slope,
                                                                "inplace": inplace}, ("negative_slope",))
ELU = _simple("ELU", "torch.nn.modules.activation", lambda m, x: elu(x, m.options["alpha"]),
              lambda m: f"alpha={m.options['alpha']}", lambda alpha=1.0, inplace=False: {"alpha": alpha})
Softplus = _simple("Softplus", "torch.nn.modules.activation",
                   lambda m, x: softplus(x, m.options["beta"], m.options["threshold"]),
                   lambda m: f"beta={m.options['beta']}, threshold={m.options['threshold']}",
                   lambda beta=1.0, threshold=20.0: {"beta": float(beta), "threshold": float(threshold)})
GELU = _simple("GELU", "torch.nn.modules.activation", lambda m, x: gelu(x, m.options["approximate"]),
               lambda m: f"approximate='{m.options['approximate']}'",
               lambda approximate="none": {"approximate": approximate})
Dropout = _simple("Dropout", "torch.nn.modules.dropout",
                  lambda m, x: dropout(x, m.options["p"], m.training),
                  lambda m: f"p={m.options['p']}, inplace={m.options['inplace']}",
                  lambda p=0.5, inplace=False: {"p": p, "inplace": bool(inplace)}, ("p",))
Flatten = _simple("Flatten", "torch.nn.modules.flatten",
                  lambda m, x: _flatten(x, m.options["start_dim"], m.options["end_dim"]),
                  lambda m: f"start_dim={m.options['start_dim']}, end_dim={m.options['end_dim']}",
                  lambda start_dim=1, end_dim=-1: {"start_dim": start_dim, "end_dim": end_dim})


def _flatten(x, start, end):
    from .methods import flatten  # noqa: PLC0415
    return flatten(x, start, end)


def _loss_options(size_average=None, reduce=None, reduction="mean", **extra):
    return {"reduction": reduction, **extra}


def _loss(name, fn, **defaults):
    def setup(*args, **kwargs):
        options = dict(defaults)
        options.update(_loss_options(**kwargs) if not args else {})
        if args:
            raise type_error(f"{name}.__init__(): pass the options by name")
        return options

    def forward(m, x, target):
        options = {k: v for k, v in m.options.items()}
        return fn(x, target, **options)
    return _simple(name, "torch.nn.modules.loss", forward, setup=setup,
                   props=("reduction",))


MSELoss = _loss("MSELoss", mse_loss)
L1Loss = _loss("L1Loss", l1_loss)
SmoothL1Loss = _loss("SmoothL1Loss", smooth_l1_loss)
NLLLoss = _loss("NLLLoss", nll_loss)
CrossEntropyLoss = _loss("CrossEntropyLoss", cross_entropy)
BCELoss = _loss("BCELoss", binary_cross_entropy)
BCEWithLogitsLoss = _loss("BCEWithLogitsLoss", binary_cross_entropy_with_logits)


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


LAYERS = {cls.NAME: cls for cls in (Linear, ReLU, Tanh, Sigmoid, Identity, Softmax, LogSoftmax, LeakyReLU, ELU,
                                    Softplus, GELU, Dropout, Flatten, MSELoss, L1Loss, SmoothL1Loss, NLLLoss,
                                    CrossEntropyLoss, BCELoss, BCEWithLogitsLoss, Sequential, ModuleList)}


def _blank(cls_py):
    def blank(script_cls):
        m = cls_py.__new__(cls_py)
        Module.__init__(m)
        m.script_class = script_cls
        if cls_py is not Module:
            m.options = {}
        return m
    return blank


def _init(cls_py):
    def init(m, args, kwargs):
        if cls_py is Module:
            if args or kwargs:
                raise type_error("Module.__init__() takes no arguments")
            return
        cls_py.setup(m, *args, **kwargs)
    return init


def _construct(cls_py):
    def construct(*args, **kwargs):
        m = cls_py.__new__(cls_py)
        Module.__init__(m)
        m.options = {}
        cls_py.setup(m, *args, **kwargs)
        return m
    return construct


def _class(cls_py, base=None) -> NativeClass:
    return NativeClass(cls_py.NAME, cls_py.MODULE, _construct(cls_py) if cls_py is not Module else None,
                       blank=_blank(cls_py), init=_init(cls_py), check=lambda v: isinstance(v, cls_py),
                       base=base)


PARAMETER_CLASS.construct = parameter  # torch.nn.Parameter(t): torchlib's class, made here
MODULE_CLASS = _class(Module)
CLASSES = {name: _class(cls, MODULE_CLASS) for name, cls in LAYERS.items()}
objects.TYPES[Module] = MODULE_CLASS
for _name, _cls in LAYERS.items():
    objects.TYPES[_cls] = CLASSES[_name]


# -- init and utils ---------------------------------------------------------------------------------------------

def _fans(t: STensor):
    shape = t.t.data.shape
    if len(shape) < 2:
        raise ScriptError("ValueError", "Fan in and fan out can not be computed for tensor with fewer than 2 "
                          "dimensions")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(t: STensor, values) -> STensor:
    np.copyto(t.t.data, np.asarray(values, dtype=t.t.data.dtype))
    t.vc[0] += 1
    return t


def _gain(nonlinearity="leaky_relu", param=None):
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ScriptError("ValueError", f"Unsupported nonlinearity {nonlinearity}")


def _uniform(t, a=0.0, b=1.0, generator=None):
    return _fill(t, runtime.RT.generator.uniform_(t.t.data.shape, a, b, dtype=t.dtype.name))


def _normal(t, mean=0.0, std=1.0, generator=None):
    return _fill(t, runtime.RT.generator.normal_(t.t.data.shape, mean, std, dtype=t.dtype.name))


def _xavier_uniform(t, gain=1.0, generator=None):
    fan_in, fan_out = _fans(t)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _uniform(t, -a, a)


def _xavier_normal(t, gain=1.0, generator=None):
    fan_in, fan_out = _fans(t)
    return _normal(t, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)))


def _kaiming(kind):
    def impl(t, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
        fan_in, fan_out = _fans(t)
        std = _gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)
        if kind == "uniform":
            bound = math.sqrt(3.0) * std
            return _uniform(t, -bound, bound)
        return _normal(t, 0.0, std)
    return impl


INIT = {
    "uniform_": _uniform, "normal_": _normal, "constant_": lambda t, val: _fill(t, np.full(t.t.data.shape, val)),
    "zeros_": lambda t: _fill(t, np.zeros(t.t.data.shape)), "ones_": lambda t: _fill(t, np.ones(t.t.data.shape)),
    "eye_": lambda t: _fill(t, np.eye(*t.t.data.shape)), "xavier_uniform_": _xavier_uniform,
    "xavier_normal_": _xavier_normal, "kaiming_uniform_": _kaiming("uniform"),
    "kaiming_normal_": _kaiming("normal"), "calculate_gain": _gain,
}


def _grads(parameters) -> list:
    from .pyvalues import materialize  # noqa: PLC0415
    items = [parameters] if type(parameters) is STensor else materialize(parameters)
    return [p.grad for p in items if type(p) is STensor and p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return wrap(Tensor(np.asarray(0.0, dtype=np.float32)), dtypes.float32)
    dtype = grads[0].t.data.dtype
    norms = []
    for g in grads:
        data = np.abs(g.t.data.astype(np.float64))
        if norm_type == math.inf:
            norms.append(np.float64(data.max(initial=0.0)).astype(dtype))
        else:
            norms.append(np.power(np.sum(data ** norm_type), 1.0 / norm_type).astype(dtype))
    stacked = np.asarray(norms, dtype=np.float64)
    if norm_type == math.inf:
        total = np.asarray(stacked.max(), dtype=dtype)
    else:
        total = np.asarray(np.power(np.sum(np.abs(stacked) ** norm_type), 1.0 / norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise runtime_error(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                            "so it cannot be clipped. To disable this error and scale the gradients by the "
                            "non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = np.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    for g in grads:
        g.t.data *= coef
        g.vc[0] += 1
    return wrap(Tensor(total), dtypes.of_numpy(dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    for g in _grads(parameters):
        np.clip(g.t.data, -clip_value, clip_value, out=g.t.data)
        g.vc[0] += 1


def parameters_to_vector(parameters):
    from .pyvalues import materialize  # noqa: PLC0415
    items = materialize(parameters)
    flat = [core_ops.reshape(p.t, (p.t.data.size,)) for p in items]
    return wrap(core_ops.cat(flat, -1), items[0].dtype) if flat else None


# -- the namespaces --------------------------------------------------------------------------------------------

def _natives(table):
    return {name: Native(name, fn) for name, fn in table.items()}


def nn_namespace(modules) -> Namespace:
    attrs = {"Module": MODULE_CLASS, **CLASSES, "Parameter": PARAMETER_CLASS,
             "functional": modules("torch.nn.functional"), "init": Namespace("torch.nn.init", _natives(INIT)),
             "utils": Namespace("torch.nn.utils", _natives({
                 "clip_grad_norm_": clip_grad_norm_, "clip_grad_value_": clip_grad_value_,
                 "clip_grad_norm": clip_grad_norm_, "parameters_to_vector": parameters_to_vector}))}
    return Namespace("torch.nn", attrs)


def functional_namespace(modules) -> Namespace:
    from .torchlib import _bridged  # noqa: PLC0415
    return Namespace("torch.nn.functional", _natives(FUNCTIONAL), fallback=_bridged)


BUILDERS["torch.nn"] = nn_namespace
BUILDERS["torch.nn.functional"] = functional_namespace
BUILDERS["torch.nn.init"] = lambda modules: modules("torch.nn").script_getattr("init")
BUILDERS["torch.nn.utils"] = lambda modules: modules("torch.nn").script_getattr("utils")
