"""The layer classes of torch.nn (Linear, activations, losses, containers) and the torch.nn and
torch.nn.functional namespaces."""
from __future__ import annotations

import numpy as np

from ...core.tensor import Tensor
from . import objects, runtime
from .errors import type_error
from .functional import (
    FUNCTIONAL,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    dropout,
    elu,
    gelu,
    l1_loss,
    leaky_relu,
    linear,
    log_softmax,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
    softmax,
    softplus,
)
from .namespaces import Namespace
from .nnmodule import Module, ModuleList, Sequential, parameter
from .nnutils import INIT, clip_grad_norm_, clip_grad_value_, parameters_to_vector
from .objects import Native, NativeClass
from .tensor import wrap
from .torchlib import PARAMETER_CLASS

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


def init_namespace(modules) -> Namespace:
    return modules("torch.nn").script_getattr("init")


def utils_namespace(modules) -> Namespace:
    return modules("torch.nn").script_getattr("utils")
