"""Losses of torch.nn.functional, with PyTorch's reductions, weights and options.

Each loss computes PyTorch's elementwise loss and then reduces it as PyTorch does
(`reduction='mean' | 'sum' | 'none'`, and the legacy `size_average=` / `reduce=`).

Class targets are class indices held in a float tensor (`--at t=2`, `tensor([0., 2, 1])`):
they must be whole numbers in [0, C) or the ignore_index. They select through a one-hot mask
made by comparing the target with an arange of the classes, so they are never differentiated
and no integer tensor or indexing is needed. A target of the input's own shape is a tensor of
class probabilities instead (cross_entropy), as in PyTorch.
"""
from __future__ import annotations

import math

from ...core import backend, ops
from ...core.ops.activations import binary_cross_entropy
from ...core.tensor import PRIMITIVES, Tensor, apply
from .activations import (
    clamp,
    compare,
    fill,
    logsigmoid,
    number,
    softplus,
    unary,
    where,
)
from .base import Table, _fail, to_tensor
from .nn import pairwise_distance

TABLE = Table()
register = TABLE.register

REDUCTIONS = ("mean", "sum", "none")


# -- reductions ---------------------------------------------------------------------------------

def reduction_of(name: str, reduction, size_average=None, reduce=None) -> str:
    """PyTorch's reduction, with the legacy size_average= and reduce= taking precedence."""
    if size_average is not None or reduce is not None:
        keep = reduce is None or bool(reduce)
        return "none" if not keep else "mean" if size_average is None or size_average else "sum"
    if reduction not in REDUCTIONS:
        _fail(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _all(t: Tensor) -> tuple:
    return tuple(range(-t.nd, 0))


def total(t: Tensor) -> Tensor:
    return ops.reduce("sum", t, _all(t), False)


def reduce_loss(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return losses
    return ops.reduce("mean" if reduction == "mean" else "sum", losses, _all(losses), False)


def _pair(ctx, name, input, target, *, same_shape=False):
    """The input and target as tensors; same_shape where PyTorch refuses to broadcast them."""
    x, t = to_tensor(ctx, input), to_tensor(ctx, target)
    if same_shape and x.shape != t.shape:
        _fail(f"{name}: the target's shape {t.shape} must be the input's {x.shape}", "shape")
    return x, t


def _weighted_mean(name, losses, weight, reduction, by_weight: bool):
    """mse_loss / l1_loss / huber_loss with weight= (PyTorch 2.14): a weight of the input's
    shape; 'mean' divides by the weights' sum (mse, l1) or by the count (huber)."""
    if weight is None:
        return reduce_loss(losses, reduction)
    if weight.shape != losses.shape:
        _fail(f"{name}: weight must have the input's shape {losses.shape}, got {weight.shape}", "shape")
    weighted = losses * weight
    if reduction == "mean" and by_weight:
        return total(weighted) / total(weight)
    return reduce_loss(weighted, reduction)


def _optional(ctx, value):
    return None if value is None else to_tensor(ctx, value)


# -- regression --------------------------------------------------------------------------------

def _mse_loss(ctx, input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    x, t = _pair(ctx, "mse_loss", input, target)
    d = x - t
    return _weighted_mean("mse_loss", d * d, _optional(ctx, weight),
                          reduction_of("mse_loss", reduction, size_average, reduce), True)


def _l1_loss(ctx, input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|x - t|: the gradient is sign(x - t), 0 where they are equal (PyTorch)."""
    x, t = _pair(ctx, "l1_loss", input, target)
    return _weighted_mean("l1_loss", unary("abs", x - t), _optional(ctx, weight),
                          reduction_of("l1_loss", reduction, size_average, reduce), True)


def _quadratic_then_linear(d: Tensor, width: float) -> Tensor:
    """0.5 d^2 where |d| < width, else width (|d| - 0.5 width): Huber's loss (its gradient is d
    inside and width * sign(d) from the edge on, continuous at |d| = width)."""
    a = unary("abs", d)
    return where(compare("lt", a, width), d * d * 0.5, (a - 0.5 * width) * width)


def _smooth_l1_loss(ctx, input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """huber_loss / beta: 0.5 d^2 / beta inside |d| < beta, |d| - beta / 2 outside; beta = 0 is
    l1_loss (PyTorch)."""
    x, t = _pair(ctx, "smooth_l1_loss", input, target)
    beta = number(beta, "smooth_l1_loss: beta")
    if beta < 0:
        _fail(f"smooth_l1_loss: beta must not be negative, got {beta:g}")
    d = x - t
    losses = unary("abs", d) if beta == 0 else _quadratic_then_linear(d, beta) * (1.0 / beta)
    return reduce_loss(losses, reduction_of("smooth_l1_loss", reduction, size_average, reduce))


def _huber_loss(ctx, input, target, reduction="mean", delta=1.0, weight=None):
    x, t = _pair(ctx, "huber_loss", input, target)
    delta = number(delta, "huber_loss: delta")
    if delta <= 0:
        _fail(f"huber_loss: delta must be positive, got {delta:g}")
    return _weighted_mean("huber_loss", _quadratic_then_linear(x - t, delta), _optional(ctx, weight),
                          reduction_of("huber_loss", reduction), False)


def _gaussian_nll_loss(ctx, input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log var + (x - t)^2 / var), var floored at eps for its value only (PyTorch clamps
    a copy without recording it, so the gradient is that of the unclamped var)."""
    x, t = _pair(ctx, "gaussian_nll_loss", input, target)
    reduction = reduction_of("gaussian_nll_loss", reduction)
    var = to_tensor(ctx, var)
    if var.nd == 0:  # one variance for every element (PyTorch takes a float)
        var = ops.broadcast_to(var, x.shape)
    if var.shape != x.shape:
        if var.shape == x.shape[:-1]:  # one variance per row: the homoscedastic case
            var = ops.reshape(var, var.shape + (1,))
        elif not (var.nd == x.nd and sum(v for d, v in zip(x.shape, var.shape) if d != v) == 1):
            _fail(f"gaussian_nll_loss: var of shape {var.shape} does not fit the input's {x.shape}",
                  "shape")
    if _any_host(compare("lt", var, 0.0)):
        _fail("gaussian_nll_loss: var has negative entries")
    eps = number(eps, "gaussian_nll_loss: eps")
    var = var + unary("detach", clamp(var, eps, math.inf) - var)
    d = x - t
    losses = (unary("log", var) + d * d / var) * 0.5
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return reduce_loss(losses, reduction)


def _poisson_nll_loss(ctx, input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                      reduce=None, reduction="mean"):
    """exp(x) - t x (log_input), or x - t log(x + eps); full adds Stirling's term where t > 1."""
    x, t = _pair(ctx, "poisson_nll_loss", input, target)
    reduction = reduction_of("poisson_nll_loss", reduction, size_average, reduce)
    if log_input:
        losses = unary("exp", x) - t * x
    else:
        losses = x - t * unary("log", x + number(eps, "poisson_nll_loss: eps"))
    if full:
        above = compare("gt", t, 1.0)
        safe = where(above, t, fill(t, 1.0))
        stirling = safe * unary("log", safe) - safe + unary("log", safe * (2 * math.pi)) * 0.5
        losses = losses + where(above, stirling, fill(stirling, 0.0))
    return reduce_loss(losses, reduction)


# -- classification -----------------------------------------------------------------------------

def class_axis(x: Tensor) -> int:
    """The class dim of a classifier's input, as a negative axis: (C,) -> 0, (N, C, ...) -> 1."""
    return -x.nd if x.nd == 1 else 1 - x.nd


def _expand_over_classes(v: Tensor, x: Tensor) -> Tensor:
    """A per-class vector (C,) shaped to broadcast along x's class axis."""
    return ops.reshape(v, (v.size,) + (1,) * (-class_axis(x) - 1))


def class_targets(name: str, x: Tensor, target: Tensor, ignore_index: float) -> tuple:
    """(one_hot, kept): a 0/1 mask of x's shape with a 1 at each target's class, and a 0/1 mask
    of the target's shape that is 0 where the target is ignore_index. Both are constants."""
    if x.nd == 0:
        _fail(f"{name}: the input needs a class dim, got a 0-d tensor", "shape")
    axis = class_axis(x)
    n_classes = x.shape[axis]
    position = x.nd + axis
    expected = x.shape[:position] + x.shape[position + 1:]
    if target.shape != expected:
        _fail(f"{name}: class targets for an input of shape {x.shape} need shape {expected}, got "
              f"{target.shape} (or give class probabilities of the input's shape)", "shape")
    if target.dtype != x.dtype:  # an integer tensor of classes
        target = Tensor(backend.xp.astype(target.data, x.dtype), target.nd)
    _check_classes(name, target, n_classes, ignore_index)
    target = unary("detach", target)
    spread = ops.reshape(target, x.shape[:position] + (1,) + x.shape[position + 1:])
    classes = _expand_over_classes(Tensor(backend.xp.arange(n_classes, dtype=x.dtype), 1), x)
    one_hot = apply(PRIMITIVES["eq"], spread, classes)
    return one_hot, compare("ne", target, ignore_index)


def _check_classes(name, target: Tensor, n_classes: int, ignore_index: float) -> None:
    """Class indices are whole numbers in [0, C), or the ignore_index (read on the host: this
    is an error to report, so the copy is worth it)."""
    import numpy as np  # noqa: PLC0415 - the host copy of the targets
    host = np.asarray(backend.to_numpy(target.data), dtype=np.float64)
    whole = np.isfinite(host) & (host == np.floor(host))
    if not whole.all():
        bad = host[~whole].flat[0]
        _fail(f"{name}: class targets must be whole numbers (class indices), got {bad!r}; a "
              "target is never differentiated, so leave it out of --wrt (check perturbs every "
              "input in --wrt); class probabilities need a target of the input's shape")
    valid = ((host >= 0) & (host < n_classes)) | (host == ignore_index)
    if not valid.all():
        bad = host[~valid].flat[0]
        _fail(f"{name}: target {bad:g} is out of bounds: classes are 0 to {n_classes - 1}"
              + (f" (or ignore_index {ignore_index:g})" if ignore_index >= n_classes or ignore_index < 0
                 else ""))


def _any_host(mask: Tensor) -> bool:
    """Whether a 0/1 mask has a 1 anywhere (one number copied back to the host)."""
    return bool(backend.to_numpy(backend.xp.any(mask.data != 0)))


def _pick(v: Tensor, one_hot: Tensor) -> Tensor:
    """v (the input, or per-class weights shaped to broadcast with it) at each target's class,
    summed out of the class axis; selected with where, so an -inf at another class is not
    multiplied by 0."""
    return ops.reduce("sum", where(one_hot, v, fill(v, 0.0)), (class_axis(one_hot),), False)


def _class_weights(ctx, name, weight, x: Tensor):
    if weight is None:
        return None
    weight = to_tensor(ctx, weight)
    n = x.shape[class_axis(x)]
    if weight.shape != (n,):
        _fail(f"{name}: weight must hold one number per class, shape ({n},), got {weight.shape}",
              "shape")
    return _expand_over_classes(weight, x)


def _ignore(value) -> float:
    return number(value, "ignore_index")


def nll(name, logp: Tensor, target: Tensor, weight, ignore_index, reduction):
    """The negative log-likelihood of class targets: -w[t] logp[t], averaged by the weights of
    the targets that are not ignored (NaN when every one is, as in PyTorch)."""
    one_hot, kept = class_targets(name, logp, target, ignore_index)
    w = kept if weight is None else _pick(weight, one_hot) * kept
    losses = -(_pick(logp, one_hot) * w)
    if reduction == "mean":
        return total(losses) / total(w), one_hot, kept
    return reduce_loss(losses, reduction), one_hot, kept


def _nll_loss(ctx, input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
              reduction="mean"):
    x = to_tensor(ctx, input)
    reduction = reduction_of("nll_loss", reduction, size_average, reduce)
    return nll("nll_loss", x, to_tensor(ctx, target), _class_weights(ctx, "nll_loss", weight, x),
               _ignore(ignore_index), reduction)[0]


def _cross_entropy(ctx, input, target, weight=None, size_average=None, ignore_index=-100,
                   reduce=None, reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim, then nll_loss (class indices) or -sum(p log q) (class
    probabilities, a target of the input's shape), with PyTorch's label smoothing."""
    x, t = to_tensor(ctx, input), to_tensor(ctx, target)
    if x.nd == 0:
        _fail("cross_entropy: the input needs a class dim, got a 0-d tensor", "shape")
    reduction = reduction_of("cross_entropy", reduction, size_average, reduce)
    smoothing = number(label_smoothing, "cross_entropy: label_smoothing")
    if not 0.0 <= smoothing <= 1.0:
        _fail(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {smoothing:g}")
    axis = class_axis(x)
    n_classes = x.shape[axis]
    logp = apply(PRIMITIVES["log_softmax"], x, axis=axis)
    weight = _class_weights(ctx, "cross_entropy", weight, x)
    ignore_index = _ignore(ignore_index)
    if t.shape == x.shape:
        return _cross_entropy_probabilities(logp, t, weight, ignore_index, reduction, smoothing)
    loss, one_hot, kept = nll("cross_entropy", logp, t, weight, ignore_index, reduction)
    if smoothing == 0:
        return loss
    # Smoothing mixes in the loss against the uniform distribution: -sum_c w_c logp_c per sample.
    spread = logp if weight is None else logp * weight
    smooth = -ops.reduce("sum", spread, (axis,), False)
    smooth = where(kept, smooth, fill(smooth, 0.0))
    if reduction == "mean":
        w = kept if weight is None else _pick(weight, one_hot) * kept
        smooth = total(smooth) / total(w)
    else:
        smooth = reduce_loss(smooth, reduction)
    return loss * (1.0 - smoothing) + smooth * (smoothing / n_classes)


def _cross_entropy_probabilities(logp, p, weight, ignore_index, reduction, smoothing):
    if ignore_index != -100:
        _fail("cross_entropy: ignore_index is not supported for class probabilities (a target of "
              "the input's shape)")
    axis = class_axis(logp)
    if smoothing > 0:
        p = p * (1.0 - smoothing) + smoothing / logp.shape[axis]
    terms = logp * p if weight is None else logp * p * weight
    if reduction == "none":
        return -ops.reduce("sum", terms, (axis,), False)
    summed = -total(terms)
    if reduction == "sum":
        return summed
    return summed * (logp.shape[axis] / logp.size) if logp.size else summed * math.nan


def _binary_cross_entropy(ctx, input, target, weight=None, size_average=None, reduce=None,
                          reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)), each log clamped at -100; the input must be in [0, 1]."""
    x, t = _pair(ctx, "binary_cross_entropy", input, target, same_shape=True)
    reduction = reduction_of("binary_cross_entropy", reduction, size_average, reduce)
    if _any_host(compare("lt", x, 0.0) + compare("gt", x, 1.0) + apply(PRIMITIVES["ne"], x, x)):
        _fail("binary_cross_entropy: every input must be between 0 and 1 (probabilities: apply "
              "sigmoid first, or use binary_cross_entropy_with_logits)")
    losses = binary_cross_entropy(x, t)
    if weight is not None:
        losses = losses * to_tensor(ctx, weight)
    return reduce_loss(losses, reduction)


def _binary_cross_entropy_with_logits(ctx, input, target, weight=None, size_average=None,
                                      reduce=None, reduction="mean", pos_weight=None):
    """(1 - t) x - (1 + (pos_weight - 1) t) logsigmoid(x): no log of 0 and no overflow."""
    x, t = _pair(ctx, "binary_cross_entropy_with_logits", input, target, same_shape=True)
    reduction = reduction_of("binary_cross_entropy_with_logits", reduction, size_average, reduce)
    log_sigmoid = logsigmoid(x)
    if pos_weight is not None:
        log_sigmoid = log_sigmoid * ((to_tensor(ctx, pos_weight) - 1.0) * t + 1.0)
    losses = (1.0 - t) * x - log_sigmoid
    if weight is not None:
        losses = losses * to_tensor(ctx, weight)
    return reduce_loss(losses, reduction)


def _kl_div(ctx, input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target * (log(target) - input), input being log-probabilities; 0 where the target is 0.
    'batchmean' divides the sum by the batch size (the first dim)."""
    x, t = _pair(ctx, "kl_div", input, target)
    batchmean = reduction == "batchmean" and size_average is None and reduce is None
    reduction = "sum" if batchmean else reduction_of("kl_div", reduction, size_average, reduce)
    if log_target:
        losses = unary("exp", t) * (t - x)
    else:
        positive = compare("gt", t, 0.0)
        safe = where(positive, t, fill(t, 1.0))  # xlogy(t, t): 0 at t = 0, no log(0) computed
        losses = where(positive, t * unary("log", safe), fill(t, 0.0)) - t * x
    loss = reduce_loss(losses, reduction)
    if batchmean and x.nd:
        loss = loss * (1.0 / x.shape[0])
    return loss


def _soft_margin_loss(ctx, input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-t x)), as softplus(-t x): finite however large -t x is."""
    x, t = _pair(ctx, "soft_margin_loss", input, target)
    return reduce_loss(softplus(-(t * x)),
                       reduction_of("soft_margin_loss", reduction, size_average, reduce))


def _multilabel_soft_margin_loss(ctx, input, target, weight=None, size_average=None, reduce=None,
                                 reduction="mean"):
    """-(t logsigmoid(x) + (1 - t) logsigmoid(-x)), averaged over the classes (the last dim)."""
    x, t = _pair(ctx, "multilabel_soft_margin_loss", input, target)
    reduction = reduction_of("multilabel_soft_margin_loss", reduction, size_average, reduce)
    losses = -(t * logsigmoid(x) + (1.0 - t) * logsigmoid(-x))
    if weight is not None:
        losses = losses * to_tensor(ctx, weight)
    if losses.nd == 0:
        _fail("multilabel_soft_margin_loss: the input needs a class dim", "shape")
    return reduce_loss(ops.reduce("mean", losses, (-1,), False), reduction)


# -- margins ----------------------------------------------------------------------------------------

def _margin_ranking_loss(ctx, input1, input2, target, margin=0.0, size_average=None, reduce=None,
                         reduction="mean"):
    """max(0, -t (x1 - x2) + margin): clamp_min, so no gradient AT the margin (PyTorch 2.14)."""
    x1, x2, t = to_tensor(ctx, input1), to_tensor(ctx, input2), to_tensor(ctx, target)
    losses = clamp(-t * (x1 - x2) + number(margin, "margin_ranking_loss: margin"), 0.0, math.inf)
    return reduce_loss(losses, reduction_of("margin_ranking_loss", reduction, size_average, reduce))


def _hinge_embedding_loss(ctx, input, target, margin=1.0, size_average=None, reduce=None,
                          reduction="mean"):
    """x where t = 1, max(0, margin - x) where t = -1 (PyTorch: each where t is not the other)."""
    x, t = _pair(ctx, "hinge_embedding_loss", input, target)
    margin = number(margin, "hinge_embedding_loss: margin")
    zeros = fill(x, 0.0)
    below = clamp(margin - x, 0.0, math.inf)
    losses = where(compare("ne", t, 1.0), below, zeros) + where(compare("ne", t, -1.0), x, zeros)
    return reduce_loss(losses, reduction_of("hinge_embedding_loss", reduction, size_average, reduce))


def _cosine_embedding_loss(ctx, input1, input2, target, margin=0.0, size_average=None, reduce=None,
                           reduction="mean"):
    """1 - cos(x1, x2) where t = 1, max(0, cos - margin) where t = -1, cos along the last dim
    with 1e-12 added to each squared norm (PyTorch's EPSILON)."""
    x1, x2, t = to_tensor(ctx, input1), to_tensor(ctx, input2), to_tensor(ctx, target)
    margin = number(margin, "cosine_embedding_loss: margin")
    if x1.nd not in (1, 2) or x1.shape != x2.shape:
        _fail(f"cosine_embedding_loss: inputs of one shape, 1-D or 2-D, got {x1.shape} and "
              f"{x2.shape}", "shape")
    dot = ops.reduce("sum", x1 * x2, (-1,), False)
    square1 = ops.reduce("sum", x1 * x1, (-1,), False) + 1e-12
    square2 = ops.reduce("sum", x2 * x2, (-1,), False) + 1e-12
    cos = dot / unary("sqrt", square1 * square2)
    zeros = fill(cos, 0.0)
    losses = where(compare("eq", t, 1.0), 1.0 - cos, zeros) + \
        where(compare("eq", t, -1.0), clamp(cos - margin, 0.0, math.inf), zeros)
    return reduce_loss(losses, reduction_of("cosine_embedding_loss", reduction, size_average, reduce))


def _triplet_margin_loss(ctx, anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                         size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise distance (swap: the smaller of d(a, n)
    and d(p, n))."""
    a, pos, neg = to_tensor(ctx, anchor), to_tensor(ctx, positive), to_tensor(ctx, negative)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = apply(PRIMITIVES["minimum"], d_neg, pairwise_distance(pos, neg, p, eps))
    losses = clamp(d_pos - d_neg + number(margin, "triplet_margin_loss: margin"), 0.0, math.inf)
    return reduce_loss(losses, reduction_of("triplet_margin_loss", reduction, size_average, reduce))


# -- the table ------------------------------------------------------------------------------------
# In samples, targets made in the program (tensor([...]), sigmoid(y)) are constants or inputs
# kept inside the domain; class indices are never differentiated.

register("mse_loss", _mse_loss, ["out = mse_loss(M, x)", "out = F.mse_loss(x, y, reduction='sum')",
                                 "out = F.mse_loss(M, N, weight=N * N)"], method=False)
register("l1_loss", _l1_loss, ["out = F.l1_loss(M, N)", "out = F.l1_loss(x, y, reduction='none')",
                               "out = F.l1_loss(x, y, weight=y * y + 1)"], method=False)
register("smooth_l1_loss", _smooth_l1_loss,
         ["out = F.smooth_l1_loss(M, N)", "out = F.smooth_l1_loss(x * 3, y, beta=0.5, reduction='none')"],
         method=False)
register("huber_loss", _huber_loss, ["out = F.huber_loss(M * 2, N)",
                                     "out = F.huber_loss(x, y, delta=0.5, reduction='sum')"],
         method=False)
register("gaussian_nll_loss", _gaussian_nll_loss,
         ["out = F.gaussian_nll_loss(M, N, M * M + 0.5)", "out = F.gaussian_nll_loss(x, y, s * s, full=True)"],
         method=False)
register("poisson_nll_loss", _poisson_nll_loss,
         ["out = F.poisson_nll_loss(M, N.abs() * 3)",
          "out = F.poisson_nll_loss(x.abs(), y * 3, log_input=False, full=True, reduction='none')"],
         method=False)
register("nll_loss", _nll_loss,
         ["out = F.nll_loss(M, tensor([2., 0, 1]))",
          "out = F.nll_loss(log_softmax(M, 1), tensor([1., -100, 2]), weight=x.abs() + 1)",
          "out = F.nll_loss(x, tensor(1.), reduction='sum')"], method=False)
register("cross_entropy", _cross_entropy,
         ["out = F.cross_entropy(M, tensor([2., 0, 1]))",
          "out = F.cross_entropy(M, tensor([1., 1, 0]), weight=x.abs() + 1, reduction='none')",
          "out = F.cross_entropy(M, tensor([0., 2, 1]), label_smoothing=0.2, weight=x.abs() + 1)",
          "out = F.cross_entropy(x, tensor(2.), label_smoothing=0.1, reduction='sum')",
          "out = F.cross_entropy(M, softmax(N, 1))",
          "out = F.cross_entropy(M, softmax(N, 1), label_smoothing=0.3, weight=x * x, reduction='sum')",
          "out = F.cross_entropy(M.reshape(1, 3, 3), tensor([[0., 2, -100]]))"], method=False)
register("binary_cross_entropy", _binary_cross_entropy,
         ["out = F.binary_cross_entropy(sigmoid(M), sigmoid(N))",
          "out = F.binary_cross_entropy(sigmoid(x), tensor([0., 1, 1]), weight=y, reduction='sum')"],
         method=False)
register("binary_cross_entropy_with_logits", _binary_cross_entropy_with_logits,
         ["out = F.binary_cross_entropy_with_logits(M, sigmoid(N))",
          "out = F.binary_cross_entropy_with_logits(x, sigmoid(y), pos_weight=s * s, weight=y)"],
         method=False)
register("kl_div", _kl_div, ["out = F.kl_div(log_softmax(M, 1), softmax(N, 1), reduction='batchmean')",
                             "out = F.kl_div(x, y, log_target=True, reduction='sum')",
                             "out = F.kl_div(x, y.abs() * tensor([1., 0, 1]), reduction='none')"],
         method=False)
register("soft_margin_loss", _soft_margin_loss, ["out = F.soft_margin_loss(M, N)"], method=False)
register("multilabel_soft_margin_loss", _multilabel_soft_margin_loss,
         ["out = F.multilabel_soft_margin_loss(M, sigmoid(N), weight=x * x)"], method=False)
register("margin_ranking_loss", _margin_ranking_loss,
         ["out = F.margin_ranking_loss(x, y, tensor([1., -1, 1]), margin=0.1)"], method=False)
register("hinge_embedding_loss", _hinge_embedding_loss,
         ["out = F.hinge_embedding_loss(M, tensor([1., -1, -1]), margin=1.5)"], method=False)
register("cosine_embedding_loss", _cosine_embedding_loss,
         ["out = F.cosine_embedding_loss(M, N, tensor([1., -1, -1]), margin=-0.5)"], method=False)
register("triplet_margin_loss", _triplet_margin_loss,
         ["out = F.triplet_margin_loss(M, N, M * x, margin=3.0)",
          "out = F.triplet_margin_loss(M, N, N * x, margin=3.0, swap=True, p=1)"], method=False)
