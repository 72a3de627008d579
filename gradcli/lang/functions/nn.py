"""Functions of neural networks: layers and losses."""
from __future__ import annotations

from ...core import ops
from .base import Table, _fail, to_tensor

TABLE = Table()
register = TABLE.register


def _linear(ctx, x, weight, bias=None):
    """y = x W^T + b, with W of shape (out_features, in_features) as in PyTorch."""
    weight = to_tensor(ctx, weight)
    out = ops.matmul(to_tensor(ctx, x), ops.mT(weight) if weight.nd >= 2 else weight)
    return out if bias is None else out + to_tensor(ctx, bias)


def _mse_loss(ctx, pred, target, reduction="mean"):
    d = to_tensor(ctx, pred) - to_tensor(ctx, target)
    sq = d * d
    if reduction == "mean":
        return ops.reduce("mean", sq, tuple(range(-sq.nd, 0)), False)
    if reduction == "sum":
        return ops.reduce("sum", sq, tuple(range(-sq.nd, 0)), False)
    if reduction == "none":
        return sq
    _fail(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


register("linear", _linear, ["out = linear(x, M, y)", "out = linear(M, M)"], method=False)
register("mse_loss", _mse_loss, ["out = mse_loss(M, x)", "out = mse_loss(x, y, reduction='sum')"],
         method=False)
