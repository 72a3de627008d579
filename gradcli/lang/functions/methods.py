"""Tensor methods that are no-ops or views of something else: clone, float, item, size..."""
from __future__ import annotations

from ...core import ops
from ...core.tensor import PRIMITIVES, apply
from .base import (
    Table,
    _axes,
    _fail,
    _keepdim,
    _no_more,
    _pop_dim,
    _reduce_axes,
    to_tensor,
)
from .reductions import _arg_extreme

TABLE = Table()
register = TABLE.register


def _identity(ctx, x, *args, **kwargs):
    return to_tensor(ctx, x)


def _float(ctx, x, *args, **kwargs):
    """x.float() / x.double() keep x (--dtype rules); float('inf') is a number, as in Python."""
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            _fail(f"float(): cannot read {x[:40]!r} as a number")
    return to_tensor(ctx, x)


def _item(ctx, x):
    """x.item(): a Python number in PyTorch, so the gradient stops here."""
    x = to_tensor(ctx, x)
    if x.size != 1:
        _fail(f"item() needs a tensor of one element, got shape {x.shape}", "shape")
    return apply(PRIMITIVES["detach"], ops.reshape(x, ()))


def _size(ctx, x, dim=None):
    """x.size(): the shape; x.size(d): one size (an integer, as in PyTorch)."""
    x = to_tensor(ctx, x)
    return x.shape if dim is None else x.shape[x.nd + _axes(x, dim)[0]]


register("size", _size, ["out = x * x.size(0) + x.size()[0]"])
register("numel", lambda ctx, x: to_tensor(ctx, x).size, ["out = x * x.numel()"])
register("dim", lambda ctx, x: to_tensor(ctx, x).nd, ["out = x * M.dim()"], aliases=["ndimension"])


def _argmax_or_argmin(prim):
    def impl(ctx, x, *args, **kwargs):
        """The index of the first extreme (a constant), over all elements or along one dim."""
        x = to_tensor(ctx, x)
        dim = _pop_dim(args, kwargs)
        keep = _keepdim(kwargs) if len(args) < 2 else bool(args[1])
        _no_more(prim, args[2:], kwargs)
        if dim is None:
            flat = ops.reshape(x, (x.size,))
            found = _arg_extreme(flat, -1, False, prim)
            return ops.reshape(found, (1,) * x.nd) if keep else found
        return _arg_extreme(x, (_reduce_axes(x, dim) or (-1,))[0], keep, prim)
    return impl


register("argmax", _argmax_or_argmin("amax"), ["out = argmax(x) * x + M.argmax(1) * x"])
register("argmin", _argmax_or_argmin("amin"), ["out = argmin(M, dim=0, keepdim=True) * M"])
register("clone", _identity, ["out = clone(x) * x"], aliases=["contiguous", "copy", "cpu", "cuda",
                                                           "to"])
register("float", _float, ["out = x.float() * x.double() + x.clamp(max=float('inf'))"], aliases=["double"])
register("item", _item, ["out = ones(3).sum().item() * x"])
