"""torch.optim: SGD (momentum, dampening, weight decay, Nesterov), Adam and AdamW, RMSprop, Adagrad.

Each step updates the parameters' memory in place, as PyTorch's single-tensor CPU path does,
operation by operation in the parameters' dtype: `p.add_(g, alpha=-lr)` is one rounding of
p + alpha * g (PyTorch's kernel fuses it), lerp and addcmul are fused too, addcdiv is not. So a
seeded tutorial's trained weights print PyTorch's digits.
"""
from __future__ import annotations

import numpy as np

from . import autograd, objects
from .errors import ScriptError, type_error, value_error
from .namespaces import Namespace
from .objects import Native, NativeClass
from .tensor import STensor


def _fused(a, b, c):
    """a + b * c with one rounding (float32 products are exact in float64)."""
    dtype = a.dtype
    if dtype == np.float64:
        return a + b * c  # no wider type to fuse in; the two roundings are PyTorch's scalar path too
    return (a.astype(np.float64) + np.asarray(b, np.float64) * np.asarray(c, np.float64)).astype(dtype)


def _add_alpha(a, b, alpha):
    """a.add(b, alpha=alpha): alpha in a's dtype, then one fused rounding."""
    if alpha == 1:
        return a + b
    return _fused(a, a.dtype.type(alpha), b)


class Optimizer:
    NAME = "Optimizer"
    DEFAULTS: dict = {}
    script_type_name = "Optimizer"

    def __init__(self, params, **options):
        defaults = dict(self.DEFAULTS)
        for key, value in options.items():
            if key not in defaults:
                raise type_error(f"{self.NAME}.__init__() got an unexpected keyword argument '{key}'")
            defaults[key] = value
        self._check(defaults)
        self.defaults = defaults
        self.param_groups: list[dict] = []
        self.state: dict = {}
        from .pyvalues import materialize  # noqa: PLC0415
        items = [params] if type(params) is STensor else materialize(params)
        if not items:
            raise value_error("optimizer got an empty parameter list")
        if all(isinstance(i, dict) for i in items):
            for group in items:
                self.add_param_group(group)
        else:
            self.add_param_group({"params": items})

    def _check(self, options):
        lr = options.get("lr")
        if type(lr) is STensor:
            lr = lr.t.data.reshape(()).item()
        if not 0.0 <= lr:
            raise value_error(f"Invalid learning rate: {lr}")

    def add_param_group(self, group):
        from .pyvalues import materialize  # noqa: PLC0415
        params = group["params"]
        params = [params] if type(params) is STensor else materialize(params)
        for p in params:
            if type(p) is not STensor:
                raise type_error(f"optimizer can only optimize Tensors, but one of the params is "
                                 f"{type(p).__name__}")
            if not p.is_leaf:
                raise value_error("can't optimize a non-leaf Tensor")
        full = {"params": params}
        for key, value in self.defaults.items():
            full[key] = group.get(key, value)
        for key, value in group.items():
            full.setdefault(key, value)
        self.param_groups.append(full)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                autograd.zero_grad(p, set_to_none)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from ...core import tensor as core  # noqa: PLC0415
            previous = core.recording
            core.recording = True
            try:
                loss = objects.invoke(closure, [], {})
            finally:
                core.recording = previous
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {})
                grad = p.grad.t.data
                if group.get("maximize"):
                    grad = -grad
                new = self.update(p.t.data, grad, state, group)
                np.copyto(p.t.data, new, casting="unsafe")
                p.vc[0] += 1
        return loss

    def update(self, p, g, state, group):  # pragma: no cover - every optimizer defines it
        raise NotImplementedError

    # -- the script's view
    def script_getattr(self, name):
        if name in ("zero_grad", "step", "add_param_group"):
            return objects.BoundNative(name, getattr(Optimizer, name), self)
        if name == "param_groups":
            return self.param_groups
        if name == "defaults":
            return self.defaults
        if name == "state":
            return {}
        if name == "state_dict":
            return Native("state_dict", lambda: {"state": {}, "param_groups": [
                {k: v for k, v in g.items() if k != "params"} for g in self.param_groups]})
        raise ScriptError("AttributeError", f"'{self.NAME}' object has no attribute '{name}'")

    def script_repr(self):
        lines = [f"{self.NAME} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    from .show import to_str  # noqa: PLC0415
                    lines.append(f"    {key}: {to_str(group[key])}")
        lines.append(")")
        return "\n".join(lines)


def _scalar(value):
    return value.t.data.reshape(()).item() if type(value) is STensor else value


class SGD(Optimizer):
    NAME = "SGD"
    DEFAULTS = {"lr": 0.001, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
                "maximize": False, "foreach": None, "differentiable": False, "fused": None}

    def _check(self, options):
        super()._check(options)
        if options["momentum"] < 0:
            raise value_error(f"Invalid momentum value: {options['momentum']}")
        if options["weight_decay"] < 0:
            raise value_error(f"Invalid weight_decay value: {options['weight_decay']}")
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise value_error("Nesterov momentum requires a momentum and zero dampening")

    def update(self, p, g, state, group):
        lr, momentum = _scalar(group["lr"]), group["momentum"]
        dampening, wd = group["dampening"], group["weight_decay"]
        if wd != 0:
            g = _add_alpha(g, p, wd)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = np.array(g, copy=True)
            else:
                buf = _add_alpha(buf * buf.dtype.type(momentum), g, 1 - dampening)
            state["momentum_buffer"] = buf
            g = _add_alpha(g, buf, momentum) if group["nesterov"] else buf
        return _add_alpha(p, g, -lr)


class Adam(Optimizer):
    NAME = "Adam"
    DEFAULTS = {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0, "amsgrad": False,
                "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
                "fused": None, "decoupled_weight_decay": False}
    DECOUPLED = False

    def update(self, p, g, state, group):
        lr = _scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps, wd = group["eps"], group["weight_decay"]
        f = p.dtype.type
        step = state.get("step", 0) + 1
        state["step"] = step
        if wd != 0:
            if self.DECOUPLED or group.get("decoupled_weight_decay"):
                p = p * f(1 - lr * wd)
            else:
                g = _add_alpha(g, p, wd)
        exp_avg = state.get("exp_avg")
        exp_avg_sq = state.get("exp_avg_sq")
        if exp_avg is None:
            exp_avg, exp_avg_sq = np.zeros_like(p), np.zeros_like(p)
        exp_avg = _fused(exp_avg, f(1 - beta1), g - exp_avg)  # lerp_(g, 1 - beta1)
        exp_avg_sq = _fused(exp_avg_sq * f(beta2), f(1 - beta2) * g, g)  # mul_(beta2).addcmul_(g, g)
        state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
        bias1 = 1 - beta1 ** step
        bias2 = 1 - beta2 ** step
        step_size = lr / bias1
        root = bias2 ** 0.5  # as PyTorch writes it (math.sqrt can differ in the last bit)
        if group["amsgrad"]:
            top = np.maximum(state.get("max_exp_avg_sq", exp_avg_sq), exp_avg_sq)
            state["max_exp_avg_sq"] = top
            denom = np.sqrt(top) / f(root) + f(eps)
        else:
            denom = np.sqrt(exp_avg_sq) / f(root) + f(eps)
        return p + (f(-step_size) * exp_avg) / denom  # addcdiv_(exp_avg, denom, value=-step_size)


class AdamW(Adam):
    NAME = "AdamW"
    DEFAULTS = {**Adam.DEFAULTS, "weight_decay": 0.01}
    DECOUPLED = True


class RMSprop(Optimizer):
    NAME = "RMSprop"
    DEFAULTS = {"lr": 0.01, "alpha": 0.99, "eps": 1e-08, "weight_decay": 0, "momentum": 0, "centered": False,
                "capturable": False, "foreach": None, "maximize": False, "differentiable": False}

    def update(self, p, g, state, group):
        f = p.dtype.type
        lr, alpha, eps = _scalar(group["lr"]), group["alpha"], group["eps"]
        if group["weight_decay"] != 0:
            g = _add_alpha(g, p, group["weight_decay"])
        square = state.get("square_avg", np.zeros_like(p))
        square = _fused(square * f(alpha), f(1 - alpha) * g, g)
        state["square_avg"] = square
        if group["centered"]:
            avg = _fused(state.get("grad_avg", np.zeros_like(p)), f(1 - alpha), g - state.get("grad_avg", np.zeros_like(p)))
            state["grad_avg"] = avg
            denom = np.sqrt(_fused(square, f(-1), avg * avg)) + f(eps)
        else:
            denom = np.sqrt(square) + f(eps)
        if group["momentum"] > 0:
            buf = state.get("momentum_buffer", np.zeros_like(p))
            buf = buf * f(group["momentum"]) + g / denom
            state["momentum_buffer"] = buf
            return _add_alpha(p, buf, -lr)
        return p + (f(-lr) * g) / denom


class Adagrad(Optimizer):
    NAME = "Adagrad"
    DEFAULTS = {"lr": 0.01, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0, "eps": 1e-10,
                "foreach": None, "maximize": False, "differentiable": False, "fused": None}

    def update(self, p, g, state, group):
        f = p.dtype.type
        step = state.get("step", 0) + 1
        state["step"] = step
        if group["weight_decay"] != 0:
            g = _add_alpha(g, p, group["weight_decay"])
        clr = _scalar(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        total = state.get("sum", np.full_like(p, group["initial_accumulator_value"]))
        total = _fused(total, g, g)  # addcmul_(g, g, value=1): one rounding of total + g * g
        state["sum"] = total
        return p + (f(-clr) * g) / (np.sqrt(total) + f(group["eps"]))


OPTIMIZERS = {cls.NAME: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad)}


def _construct(cls):
    def construct(params, *args, **kwargs):
        if args:  # SGD(params, 0.1): lr by position
            kwargs = {**dict(zip(cls.DEFAULTS, args)), **kwargs}
        return cls(params, **kwargs)
    return construct


def optim_namespace(modules) -> Namespace:
    classes = {name: NativeClass(name, f"torch.optim.{name.lower()}", _construct(cls),
                                 check=lambda v, c=cls: isinstance(v, c))
               for name, cls in OPTIMIZERS.items()}
    classes["Optimizer"] = NativeClass("Optimizer", "torch.optim.optimizer", None,
                                       check=lambda v: isinstance(v, Optimizer))
    classes["lr_scheduler"] = modules("torch.optim.lr_scheduler")
    for name, cls in OPTIMIZERS.items():
        objects.TYPES[cls] = classes[name]
    return Namespace("torch.optim", classes)
