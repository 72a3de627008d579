"""torch.nn.init (drawing from PyTorch's generator as PyTorch does) and torch.nn.utils (gradient
clipping)."""
from __future__ import annotations

import math

import numpy as np

from ...core import ops as core_ops
from ...core.tensor import Tensor
from . import dtypes, runtime
from .errors import ScriptError, runtime_error
from .tensor import STensor, wrap

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
