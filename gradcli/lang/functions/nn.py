"""Functions of neural networks: the linear layer, and distances and similarities between rows.

Losses are in losses.py, activations in activations.py.
"""
from __future__ import annotations

import math

import numpy as np

from ...core import ops
from ...core.tensor import Tensor
from .activations import clamp, number, unary
from .base import Table, _axes, _fail, _int, to_tensor
from .reductions import vector_norm

TABLE = Table()
register = TABLE.register


def _linear(ctx, x, weight, bias=None):
    """y = x W^T + b, with W of shape (out_features, in_features) as in PyTorch."""
    weight = to_tensor(ctx, weight)
    out = ops.matmul(to_tensor(ctx, x), ops.mT(weight) if weight.nd >= 2 else weight)
    return out if bias is None else out + to_tensor(ctx, bias)


def pairwise_distance(a: Tensor, b: Tensor, p=2.0, eps=1e-6, keepdim=False) -> Tensor:
    """||a - b + eps||_p along the last dim of the broadcast shape (PyTorch adds eps to the
    difference, so equal rows have a small distance and a finite gradient)."""
    diff = a - b + number(eps, "pairwise_distance: eps")
    if diff.nd == 0:
        diff = ops.reshape(diff, (1,))
    return vector_norm(diff, number(p, "pairwise_distance: p"), (-1,), bool(keepdim))


def _pairwise_distance(ctx, x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return pairwise_distance(to_tensor(ctx, x1), to_tensor(ctx, x2), p, eps, keepdim)


def _floored_norm(x: Tensor, axis: int, eps: float) -> Tensor:
    """||x|| along axis, its VALUE floored at eps: PyTorch clamps a copy of the norm without
    recording it, so the gradient is the plain norm's."""
    n = ops.reduce("norm", x, (axis,), True)
    return n + unary("detach", clamp(n, eps, math.inf) - n)


def _cosine_similarity(ctx, x1, x2, dim=1, eps=1e-8):
    """sum((x1 / ||x1||) * (x2 / ||x2||)) along dim, each norm floored at eps, after
    broadcasting x1 and x2 together (PyTorch 2.14's formula: each side normalised first)."""
    a, b = to_tensor(ctx, x1), to_tensor(ctx, x2)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        _fail(f"cosine_similarity: shapes {a.shape} and {b.shape} cannot be broadcast together",
              "shape")
    a, b = ops.broadcast_to(a, shape), ops.broadcast_to(b, shape)
    if a.nd == 0:
        _fail("cosine_similarity needs tensors of at least 1 dimension", "shape")
    axis = _axes(a, _int(dim, "cosine_similarity: dim"))[0]
    eps = number(eps, "cosine_similarity: eps")
    unit_a, unit_b = a / _floored_norm(a, axis, eps), b / _floored_norm(b, axis, eps)
    return ops.reduce("sum", unit_a * unit_b, (axis,), False)


def _normalize(ctx, input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p, eps) along dim; the floor is a clamp, so no gradient flows through the
    norm where it is below eps (PyTorch 2.14: none AT eps either)."""
    x = to_tensor(ctx, input)
    if x.nd == 0:
        _fail("normalize needs a tensor of at least 1 dimension", "shape")
    axis = _axes(x, _int(dim, "normalize: dim"))[0]
    norm = vector_norm(x, number(p, "normalize: p"), (axis,), True)
    return x / clamp(norm, number(eps, "normalize: eps"), math.inf)


register("linear", _linear, ["out = linear(x, M, y)", "out = linear(M, M)"], method=False)
register("pairwise_distance", _pairwise_distance,
         ["out = F.pairwise_distance(M, N)", "out = F.pairwise_distance(x, y, p=1, keepdim=True)",
          "out = F.pairwise_distance(M, x, p=3)"], method=False)
register("cosine_similarity", _cosine_similarity,
         ["out = F.cosine_similarity(M, N)", "out = F.cosine_similarity(x, y, dim=0)",
          "out = F.cosine_similarity(M, x, dim=-1, eps=0.1)"], method=False)
register("normalize", _normalize, ["out = F.normalize(M)", "out = F.normalize(x, dim=0, p=1) * y",
                                   "out = F.normalize(M, p=3, dim=0)"], method=False)
