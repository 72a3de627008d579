"""Shapes: transpose, permute, reshape, squeeze, joining."""
from __future__ import annotations

import math

from ...core import backend, ops
from ...core.tensor import Tensor, check_size
from .base import Table, _axes, _fail, _int, _no_more, _pop_dim, to_tensor

TABLE = Table()
register = TABLE.register


def _transpose(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    if "dim0" in kwargs or len(args) == 2:
        d0 = kwargs.pop("dim0", args[0] if args else None)
        d1 = kwargs.pop("dim1", args[1] if len(args) > 1 else None)
        (a,), (b,) = _axes(x, d0), _axes(x, d1)
        perm = list(range(x.nd))
        perm[a], perm[b] = perm[b], perm[a]
        return ops.permute(x, perm)
    axes = kwargs.pop("axes", args[0] if args else None)
    if axes is None:  # NumPy: reverse the axes
        return ops.permute(x, tuple(reversed(range(x.nd))))
    return _permute(ctx, x, *axes)


def _permute(ctx, x, *dims, **kwargs):
    x = to_tensor(ctx, x)
    dims = kwargs.pop("dims", dims)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    perm = [x.nd + a for a in (_axes(x, d)[0] for d in dims)]
    if sorted(perm) != list(range(x.nd)):
        _fail(f"permute: {tuple(dims)} is not a permutation of the axes of shape {x.shape}", "shape")
    return ops.permute(x, perm)


def _t(ctx, x):
    x = to_tensor(ctx, x)
    if x.nd > 2:
        _fail(f"t() expects a tensor of at most 2 dimensions, got shape {x.shape}", "shape")
    return ops.permute(x, tuple(reversed(range(x.nd))))


def _reshape(ctx, x, *shape, **kwargs):
    x = to_tensor(ctx, x)
    shape = kwargs.pop("shape", kwargs.pop("newshape", shape))
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = [_int(d, "reshape: a size") for d in shape]
    if shape.count(-1) > 1:
        _fail("reshape: only one size may be -1", "shape")
    if -1 in shape:
        rest = math.prod(d for d in shape if d != -1)
        if rest == 0 or x.size % rest:
            _fail(f"reshape: shape {tuple(shape)} does not fit {x.size} elements", "shape")
        shape[shape.index(-1)] = x.size // rest
    if math.prod(shape) != x.size:
        _fail(f"reshape: cannot view shape {x.shape} ({x.size} elements) as {tuple(shape)}", "shape")
    return ops.reshape(x, tuple(shape))


def _flatten(ctx, x, start_dim=0, end_dim=-1):
    x = to_tensor(ctx, x)
    if x.nd == 0:
        return ops.reshape(x, (1,))
    (s,), (e,) = _axes(x, start_dim), _axes(x, end_dim)
    s, e = x.nd + s, x.nd + e
    shape = x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:]
    return ops.reshape(x, shape)


def _squeeze(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    dim = _pop_dim(args, kwargs)
    axes = range(x.nd) if dim is None else [x.nd + a for a in _axes(x, dim)]
    drop = {a for a in axes if x.shape[a] == 1}
    return ops.reshape(x, tuple(d for i, d in enumerate(x.shape) if i not in drop))


def _unsqueeze(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    dim = _int(_pop_dim(args, kwargs), "unsqueeze: dim")
    if not -x.nd - 1 <= dim <= x.nd:
        _fail(f"unsqueeze: dim {dim} is out of range for shape {x.shape}", "shape")
    pos = dim if dim >= 0 else x.nd + 1 + dim
    return ops.reshape(x, x.shape[:pos] + (1,) + x.shape[pos:])


def _expand_dims(ctx, x, axis):
    return _unsqueeze(ctx, x, axis)


register("transpose", _transpose, ["out = transpose(M, 0, 1) * N", "out = M.transpose(1, 0) @ x",
                                   "out = transpose(M) * N"])
register("permute", _permute, ["out = M.permute(1, 0) * N"])
register("t", _t, ["out = M.t() @ x"])
register("reshape", _reshape, ["out = reshape(M, (9,)) * 2", "out = M.reshape(-1, 1) * x"],
         aliases=["view"])
register("flatten", _flatten, ["out = flatten(M) * flatten(N)"], aliases=["ravel"])
register("squeeze", _squeeze, ["out = squeeze(reshape(x, (1, 3)))", "out = x.reshape(3, 1).squeeze(1)"])
register("unsqueeze", _unsqueeze, ["out = unsqueeze(x, 0) * M", "out = x.unsqueeze(-1) * M"])
register("expand_dims", _expand_dims, ["out = expand_dims(x, 1) * M"], method=False)


def _join(prim):
    def impl(ctx, tensors, *args, **kwargs):
        if not isinstance(tensors, (list, tuple)) or not tensors:
            _fail(f"{prim} needs a list of tensors, like {prim}([a, b], dim=0)")
        items = [to_tensor(ctx, t) for t in tensors]
        dim = _pop_dim(args, kwargs, 0)
        _no_more(prim, args[1:], kwargs)
        if prim == "stack":
            shapes = {t.shape for t in items}
            if len(shapes) > 1:
                _fail(f"stack: all tensors need one shape, got {sorted(shapes)}", "shape")
            probe = Tensor(backend.xp.zeros((1,) * (items[0].nd + 1)))
            axis = _axes(probe, dim)[0]
            shape = list(items[0].shape)
            shape.insert(len(shape) + 1 + axis, len(items))
            check_size(shape, "stack")  # before allocating
            return ops.stack(items, axis)
        if any(t.nd == 0 for t in items):
            _fail("cat: zero-dimensional tensors cannot be concatenated", "shape")
        axis = _axes(items[0], dim)[0]
        for t in items[1:]:
            if t.nd != items[0].nd or any(a != b for i, (a, b) in enumerate(zip(t.shape, items[0].shape))
                                          if i != items[0].nd + axis):
                _fail(f"cat: shapes {items[0].shape} and {t.shape} do not fit along dim {dim}", "shape")
        shape = list(items[0].shape)
        shape[axis] = sum(t.shape[axis] for t in items)
        check_size(shape, "cat")  # before allocating
        return ops.cat(items, axis)
    return impl


register("cat", _join("cat"), ["out = cat([x, y])", "out = cat([M, N], dim=1)", "out = cat([x, y * 2], 0)"],
         aliases=["concatenate", "concat"], method=False)
register("stack", _join("stack"), ["out = stack([x, y])", "out = stack([x, y], dim=1)"], method=False)
