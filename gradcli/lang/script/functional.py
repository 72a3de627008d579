"""torch.nn.functional: layers and losses as functions of tensors, with PyTorch's node names
(`MseLossBackward0`, `NllLossBackward0`, `AddmmBackward0`...) on their results."""
from __future__ import annotations

import math

import numpy as np

from ...core import ops as core_ops
from ...core.tensor import PRIMITIVES, Tensor, apply, constant
from . import dtypes, ops, runtime
from .autograd import name_node, record, size_text
from .errors import ScriptError, runtime_error, type_error
from .tensor import STensor, cast, wrap

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
        runtime.RT.warn(f"UserWarning: Using a target size ({size_text(target.t.data.shape)}) that is different to the input size "
                        f"({size_text(x.t.data.shape)}). This will likely lead to incorrect results due to broadcasting. Please "
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
