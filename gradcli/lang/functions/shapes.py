"""Shapes: transpose, permute, reshape, squeeze, expand, flips, rolls, repeats, triangles, diagonals."""
from __future__ import annotations

import math

import numpy as np

from ...core import backend, ops
from ...core.ops.index import IndexArray, device_index, labels, take
from ...core.tensor import PRIMITIVES, Tensor, apply, check_size
from .arguments import as_vector, axis_list, dim_of, int_list, moved, sizes, whole_int
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
    """unsqueeze(x, dim) and np.expand_dims(a, axis), where axis may be a tuple: each a place in
    the result (negative from its end) that gets a new axis of size 1."""
    x = to_tensor(ctx, x)
    dims = int_list(_pop_dim(args, kwargs), "unsqueeze: dim")
    rank = x.nd + len(dims)
    places = sorted(d + rank if d < 0 else d for d in dims)
    if any(not 0 <= p < rank for p in places) or len(set(places)) != len(places):
        _fail(f"unsqueeze: dim {tuple(dims) if len(dims) > 1 else dims[0]} is out of range for shape "
              f"{x.shape}", "shape")
    shape = list(x.shape)
    for p in places:
        shape.insert(p, 1)
    return ops.reshape(x, tuple(shape))


def _expand_dims(ctx, x, axis):
    return _unsqueeze(ctx, x, axis)


def _np_squeeze(ctx, x, axis=None):
    """np.squeeze(a, axis): an axis named must have size 1 (PyTorch ignores one that does not)."""
    x = to_tensor(ctx, x)
    if axis is not None:
        for a in axis_list(x, axis, "squeeze: axis"):
            if x.shape[a] != 1:
                _fail(f"squeeze: axis {a} has size {x.shape[a]}, not 1", "shape")
    return _squeeze(ctx, x, axis)


register("transpose", _transpose, ["out = transpose(M, 0, 1) * N", "out = M.transpose(1, 0) @ x",
                                   "out = transpose(M) * N"])
register("permute", _permute, ["out = M.permute(1, 0) * N"])
register("t", _t, ["out = M.t() @ x"])
register("reshape", _reshape, ["out = reshape(M, (9,)) * 2", "out = M.reshape(-1, 1) * x"],
         aliases=["view"])
register("flatten", _flatten, ["out = flatten(M) * flatten(N)"], aliases=["ravel"])
register("squeeze", _squeeze, ["out = squeeze(reshape(x, (1, 3)))", "out = x.reshape(3, 1).squeeze(1)",
                                 "out = M.reshape(1, 3, 1, 3).squeeze((0, 2, 3)) * N"])
register("unsqueeze", _unsqueeze, ["out = unsqueeze(x, 0) * M", "out = x.unsqueeze(-1) * M"])
register("expand_dims", _expand_dims, ["out = expand_dims(x, 1) * M", "out = np.expand_dims(x, (0, 2)) * x"],
         method=False)
register("squeeze", _np_squeeze, ["out = np.squeeze(M.reshape(1, 3, 1, 3), axis=(0, 2)) * N"],
         library="numpy")


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


# -- views of other shapes: expand, narrow, unflatten, *_as -----------------------------------------

def _expand(ctx, x, *args, **kwargs):
    """x.expand(*sizes): x broadcast to sizes, where -1 keeps a size (new dims go in front)."""
    x = to_tensor(ctx, x)
    want = sizes(args or (kwargs.pop("size"),), "expand: a size")
    _no_more("expand", (), kwargs, allowed=())
    if len(want) < x.nd:
        _fail(f"expand: {len(want)} sizes for a tensor of {x.nd} dimensions", "shape")
    lead = len(want) - x.nd
    shape = tuple(want[:lead]) + tuple(x.shape[i] if d == -1 else d for i, d in enumerate(want[lead:]))
    if any(d < 0 for d in shape[:lead]):
        _fail("expand: -1 is only allowed for existing dimensions", "shape")
    return _broadcast(x, shape, "expand")


def _broadcast(x, shape, what):
    try:
        if np.broadcast_shapes(x.shape, shape) != tuple(shape):
            raise ValueError
    except ValueError:
        _fail(f"{what}: shape {x.shape} cannot be broadcast to {tuple(shape)}", "shape")
    check_size(shape, what)
    return ops.broadcast_to(x, tuple(shape))


def _broadcast_to(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    shape = sizes(args or (kwargs.pop("shape", kwargs.pop("size", None)),), "broadcast_to: a size")
    return _broadcast(x, tuple(shape), "broadcast_to")


def _broadcast_tensors(ctx, *tensors):
    items = [to_tensor(ctx, t) for t in (tensors[0] if len(tensors) == 1 and isinstance(
        tensors[0], (list, tuple)) else tensors)]
    try:
        shape = np.broadcast_shapes(*(t.shape for t in items))
    except ValueError:
        _fail(f"broadcast_tensors: shapes {', '.join(str(t.shape) for t in items)} do not "
              "broadcast together", "shape")
    return tuple(_broadcast(t, shape, "broadcast_tensors") for t in items)


def _like_shape(name):
    def impl(ctx, x, other):
        x, other = to_tensor(ctx, x), to_tensor(ctx, other)
        if name == "expand_as":
            return _broadcast(x, other.shape, name)
        return _reshape(ctx, x, other.shape)
    return impl


def _narrow(ctx, x, dim, start, length):
    """x.narrow(dim, start, length): `length` entries of dim from `start` (negative from the end)."""
    x = to_tensor(ctx, x)
    axis = dim_of(x, dim)
    n = x.shape[axis]
    start, length = whole_int(start, "narrow: start"), whole_int(length, "narrow: length")
    start = start + n if start < 0 else start
    if not 0 <= start <= n or length < 0 or start + length > n:
        _fail(f"narrow: start {start} and length {length} do not fit dimension {axis} of size {n}",
              "index")
    return ops.index(x, (slice(None),) * axis + (slice(start, start + length),))


def _unflatten(ctx, x, dim, sizes_):
    """x.unflatten(dim, sizes): dim split into sizes (one may be -1)."""
    x = to_tensor(ctx, x)
    axis = dim_of(x, dim)
    parts = int_list(sizes_, "unflatten: sizes")
    n, known = x.shape[axis], math.prod(d for d in parts if d != -1)
    if parts.count(-1) == 1 and known and n % known == 0:
        parts[parts.index(-1)] = n // known
    if math.prod(parts) != n or any(d < 0 for d in parts):
        _fail(f"unflatten: sizes {tuple(parts)} do not split dimension {axis} of size {n}", "shape")
    return ops.reshape(x, x.shape[:axis] + tuple(parts) + x.shape[axis + 1:])


register("expand", _expand, ["out = x.expand(3, 3) * M", "out = s.expand(2, 3)[1] + x",
                             "out = M[:1].expand(-1, -1) * 2"])
register("expand_as", _like_shape("expand_as"), ["out = x.expand_as(M) * M"])
register("view_as", _like_shape("view_as"), ["out = M.view_as(N.reshape(9, 1)) * 2"],
         aliases=["reshape_as"])
register("broadcast_to", _broadcast_to, ["out = broadcast_to(x, (2, 3)) * y",
                                         "out = np.broadcast_to(s, [3]) * x"])
register("broadcast_tensors", _broadcast_tensors, ["a, b = broadcast_tensors(x, M); out = a * b"],
         aliases=["broadcast_arrays"], method=False)
register("narrow", _narrow, ["out = x.narrow(0, 1, 2)", "out = narrow(M, 1, -2, 2) * 2"])
register("unflatten", _unflatten, ["out = M.reshape(9).unflatten(0, (3, 3)) * N",
                                   "out = x.repeat(2).unflatten(-1, [-1, 3]) * y"])


# -- axes: swapaxes, moveaxis, rollaxis, atleast_nd, len ------------------------------------------

def _two(args, kwargs, names, what):
    """The two values of a function given by position or by any of its keyword spellings."""
    values = list(args)
    for kw in names:
        if kw in kwargs:
            values.append(kwargs.pop(kw))
    _no_more(what, (), kwargs, allowed=())
    if len(values) != 2:
        _fail(f"{what} needs two axes, got {len(values)}")
    return values


def _swapaxes(ctx, x, *args, **kwargs):
    x = to_tensor(ctx, x)
    a, b = _two(args, kwargs, ("axis0", "axis1", "axis2", "dim0", "dim1"), "swapaxes")
    a, b = dim_of(x, a, "swapaxes: axis"), dim_of(x, b, "swapaxes: axis")
    perm = list(range(x.nd))
    perm[a], perm[b] = perm[b], perm[a]
    return ops.permute(x, perm)


def _moveaxis(ctx, x, *args, **kwargs):
    """np.moveaxis / torch.movedim(x, source, destination): the others keep their order."""
    x = to_tensor(ctx, x)
    source, destination = _two(args, kwargs, ("source", "destination"), "moveaxis")
    source, destination = axis_list(x, source, "moveaxis"), axis_list(x, destination, "moveaxis")
    if len(source) != len(destination):
        _fail("moveaxis: source and destination need as many axes", "shape")
    return moved(x, source, destination)


def _rollaxis(ctx, x, axis, start=0):
    """np.rollaxis(a, axis, start): axis moved to stand before `start` (not moveaxis: a start
    after the axis ends one place earlier)."""
    x = to_tensor(ctx, x)
    axis = dim_of(x, axis, "rollaxis: axis")
    start = whole_int(start, "rollaxis: start")
    start = start + x.nd if start < 0 else start
    if not 0 <= start <= x.nd:
        _fail(f"rollaxis: start {start} is out of range for {x.nd} dimensions", "shape")
    if axis < start:
        start -= 1
    return moved(x, [axis], [start])


def _atleast(n):
    def impl(ctx, *tensors):
        items = [at_least(to_tensor(ctx, t), n) for t in tensors]
        if len(items) == 1:
            return items[0]
        return tuple(items)
    return impl


def at_least(x, n):
    """NumPy's atleast_nd: 1-D (k,) is (1, k) in 2-D and (1, k, 1) in 3-D; 2-D (m, k) is (m, k, 1)."""
    if x.nd >= n:
        return x
    shape = {0: (1,) * n, 1: (1, x.size, 1)[:n] if n == 3 else (1,) + x.shape}.get(x.nd, x.shape + (1,))
    return ops.reshape(x, shape)


def _len(ctx, x):
    if isinstance(x, (tuple, list)) and not isinstance(x, Tensor):
        return len(x)
    x = to_tensor(ctx, x)
    if x.nd == 0:
        _fail("len() of a 0-d tensor", "shape")
    return x.shape[0]


register("swapaxes", _swapaxes, ["out = swapaxes(M, 0, 1) * N", "out = M.swapdims(0, -1) @ x",
                                 "out = np.swapaxes(M, axis1=1, axis2=0)"], aliases=["swapdims"])
register("moveaxis", _moveaxis, ["out = moveaxis(M.reshape(1, 3, 3), 0, -1) * x[:, None]",
                                 "out = torch.movedim(M, (0, 1), (1, 0)) * N"], aliases=["movedim"])
register("rollaxis", _rollaxis, ["out = np.rollaxis(M.reshape(3, 1, 3), 2) * x[:, None, None]",
                                 "out = np.rollaxis(M.reshape(3, 1, 3), 0, 3) * 2"], method=False)
register("atleast_1d", _atleast(1), ["out = atleast_1d(s) * x", "a, b = atleast_1d(s, x); out = a * b"],
         method=False)
register("atleast_2d", _atleast(2), ["out = atleast_2d(x) * M", "out = np.atleast_2d(s) * M"], method=False)
register("atleast_3d", _atleast(3), ["out = atleast_3d(x) * 2", "out = atleast_3d(M) * x[:, None]"],
         method=False)
register("len", _len, ["out = x * len(M) + len(x)"], method=False)


# -- flips and rotations ----------------------------------------------------------------------------

def _flip_axes(x, axes) -> Tensor:
    for a in axes:
        x = ops.flip(x, a - x.nd)
    return x


def _flip(library):
    def impl(ctx, x, *args, **kwargs):
        """torch.flip(x, dims) (dims required; x.flip(0, 1) too); np.flip(m, axis=None): all axes."""
        x = to_tensor(ctx, x)
        dims = kwargs.pop("dims", kwargs.pop("axis", kwargs.pop("dim", None)))
        if args:
            dims = args[0] if len(args) == 1 else args
        _no_more("flip", (), kwargs, allowed=())
        if dims is None:
            if library != "numpy":
                _fail("flip needs dims: flip(x, dims=(0,))")
            dims = list(range(x.nd))
        return _flip_axes(x, axis_list(x, dims, "flip: dims") if x.nd else [])
    return impl


def _flip_one(axis, name):
    def impl(ctx, x):
        x = to_tensor(ctx, x)
        if x.nd < axis + 1:
            _fail(f"{name} needs at least {axis + 1} dimension{'s' if axis else ''}, got shape "
                  f"{x.shape}", "shape")
        return ops.flip(x, axis - x.nd)
    return impl


def _roll(ctx, x, shifts, *args, **kwargs):
    """torch.roll(x, shifts, dims=None) and np.roll(a, shift, axis=None): elements shifted along
    each dim, wrapping around; without dims over the flattened tensor, shape kept."""
    x = to_tensor(ctx, x)
    dims = kwargs.pop("dims", kwargs.pop("axis", kwargs.pop("dim", args[0] if args else None)))
    _no_more("roll", args[1:], kwargs, allowed=())
    amounts = int_list(shifts, "roll: shifts")
    if dims is None:
        if len(amounts) != 1:
            _fail("roll: several shifts need as many dims")
        flat = ops.reshape(x, (x.size,))
        return ops.reshape(_roll_axis(flat, amounts[0], 0), x.shape)
    axes = [dim_of(x, d, "roll: dims") for d in int_list(dims, "roll: dims")]
    if len(axes) != len(amounts):
        if len(amounts) == 1:
            amounts = amounts * len(axes)  # np.roll(a, 1, axis=(0, 1))
        else:
            _fail(f"roll: {len(amounts)} shifts for {len(axes)} dims", "shape")
    for shift, axis in zip(amounts, axes):
        x = _roll_axis(x, shift, axis)
    return x


def _roll_axis(x, shift, axis):
    n = x.shape[axis] if x.nd else 1
    if x.nd == 0 or n == 0 or shift % n == 0:
        return x
    cut = n - shift % n
    before = (slice(None),) * axis
    return ops.cat([ops.index(x, before + (slice(cut, None),)), ops.index(x, before + (slice(0, cut),))],
                   axis - x.nd)


def _rot90(ctx, x, k=1, *args, **kwargs):
    """torch.rot90(x, k, dims=(0, 1)) and np.rot90(m, k, axes=(0, 1)): k quarter turns from the
    first axis towards the second."""
    x = to_tensor(ctx, x)
    axes = kwargs.pop("dims", kwargs.pop("axes", args[0] if args else (0, 1)))
    _no_more("rot90", args[1:], kwargs, allowed=())
    if x.nd < 2:
        _fail(f"rot90 needs at least 2 dimensions, got shape {x.shape}", "shape")
    a, b = axis_list(x, axes, "rot90: dims")
    k = whole_int(k, "rot90: k") % 4
    perm = list(range(x.nd))
    perm[a], perm[b] = perm[b], perm[a]
    if k == 1:
        return ops.permute(_flip_axes(x, [b]), perm)
    if k == 2:
        return _flip_axes(x, [a, b])
    if k == 3:
        return _flip_axes(ops.permute(x, perm), [b])
    return x


register("flip", _flip("torch"), ["out = flip(M, [0]) * N", "out = M.flip(0, 1) @ x",
                                  "out = torch.flip(x, dims=(0,)) * y"])
register("flip", _flip("numpy"), ["out = np.flip(M) * N", "out = np.flip(M, axis=1) * N"],
         library="numpy")
register("fliplr", _flip_one(1, "fliplr"), ["out = fliplr(M) * N"])
register("flipud", _flip_one(0, "flipud"), ["out = flipud(M) @ x", "out = np.flipud(x) * y"])
register("roll", _roll, ["out = roll(x, 1) * y", "out = M.roll(-1, 0) * N",
                         "out = torch.roll(M, shifts=(1, 2), dims=(0, 1)) * N",
                         "out = np.roll(M, 4) * N", "out = np.roll(M, 1, axis=(0, 1))"])
register("rot90", _rot90, ["out = rot90(M) * N", "out = torch.rot90(M, 2, [0, 1]) * N",
                           "out = np.rot90(M, k=3, axes=(1, 0)) * N", "out = M.rot90(-1) @ x"])


# -- repeating: repeat (np.tile), tile, repeat_interleave (np.repeat) ----------------------------

def _tile_by(x, reps: list) -> Tensor:
    """x repeated reps[i] times along each axis (x first padded with leading 1s to len(reps))."""
    if any(r < 0 for r in reps):
        _fail(f"repeat counts must not be negative, got {tuple(reps)}", "shape")
    if len(reps) < x.nd:
        reps = [1] * (x.nd - len(reps)) + reps
    x = ops.reshape(x, (1,) * (len(reps) - x.nd) + x.shape)
    final = tuple(r * d for r, d in zip(reps, x.shape))
    check_size(final, "repeat")
    if all(r == 1 for r in reps):
        return x
    # (d0, d1) -> (1, d0, 1, d1) -> broadcast (r0, d0, r1, d1) -> (r0 * d0, r1 * d1)
    spread = tuple(v for d in x.shape for v in (1, d))
    wide = tuple(v for r, d in zip(reps, x.shape) for v in (r, d))
    return ops.reshape(ops.broadcast_to(ops.reshape(x, spread), wide), final)


def _repeat(ctx, x, *args, **kwargs):
    """Tensor.repeat(*sizes): PyTorch's repeat is NumPy's tile (np.repeat is repeat_interleave)."""
    x = to_tensor(ctx, x)
    reps = sizes(args or (kwargs.pop("repeats", kwargs.pop("sizes", None)),), "repeat: a count")
    _no_more("repeat", (), kwargs, allowed=())
    if len(reps) < x.nd:
        _fail(f"repeat: {len(reps)} counts for a tensor of {x.nd} dimensions (give at least one "
              "per dimension)", "shape")
    return _tile_by(x, reps)


def _tile(ctx, x, *args, **kwargs):
    """np.tile(A, reps) / torch.tile(x, dims): fewer reps than dims repeat the last dims."""
    x = to_tensor(ctx, x)
    reps = sizes(args or (kwargs.pop("reps", kwargs.pop("dims", None)),), "tile: a count")
    _no_more("tile", (), kwargs, allowed=())
    return _tile_by(x, reps)


def _repeat_interleave(library):
    def impl(ctx, x, repeats=None, *args, **kwargs):
        """torch.repeat_interleave(x, repeats, dim=None) / np.repeat(a, repeats, axis=None): each
        element (each slice along dim) repeated; without dim over the flattened tensor."""
        x = to_tensor(ctx, x)
        dim = kwargs.pop("dim", kwargs.pop("axis", args[0] if args else None))
        kwargs.pop("output_size", None)
        _no_more("repeat_interleave", args[1:], kwargs, allowed=())
        if repeats is None:
            if library == "numpy":
                _fail("repeat needs repeats: np.repeat(a, repeats)")
            return _count_repeat(ctx, x)  # repeat_interleave(counts): each index counts[i] times
        if dim is None:
            x, axis = ops.reshape(x, (x.size,)), 0
        else:
            x = as_vector(x)
            axis = dim_of(x, dim)
        counts = int_list(repeats, "repeat_interleave: repeats")
        n = x.shape[axis]
        if any(c < 0 for c in counts):
            _fail("repeat_interleave: repeats must not be negative", "shape")
        if len(counts) == 1:
            r = counts[0]
            spread = x.shape[:axis + 1] + (1,) + x.shape[axis + 1:]
            wide = x.shape[:axis + 1] + (r,) + x.shape[axis + 1:]
            final = x.shape[:axis] + (n * r,) + x.shape[axis + 1:]
            check_size(final, "repeat_interleave")
            return ops.reshape(ops.broadcast_to(ops.reshape(x, spread), wide), final)
        if len(counts) != n:
            _fail(f"repeat_interleave: {len(counts)} repeats for a dimension of size {n}", "shape")
        index = np.repeat(np.arange(n, dtype=np.int64), counts)
        check_size(x.shape[:axis] + index.shape + x.shape[axis + 1:], "repeat_interleave")
        return take(x, IndexArray(index, unique=max(counts) <= 1), axis - x.nd)
    return impl


def _count_repeat(ctx, counts):
    values = int_list(counts, "repeat_interleave: repeats")
    return Tensor(device_index(np.repeat(np.arange(len(values), dtype=np.int64), values)))


register("repeat", _repeat, ["out = x.repeat(2) * 2", "out = M.repeat(1, 2) * cat([N, N], 1)",
                             "out = x.repeat(2, 1, 2)"])
register("repeat", _repeat_interleave("numpy"), ["out = np.repeat(x, 2) * 2",
                                                 "out = np.repeat(M, [1, 0, 2], axis=0)",
                                                 "out = np.repeat(M, 2, axis=1) * 2"], library="numpy")
register("tile", _tile, ["out = tile(x, (2,)) * 2", "out = np.tile(M, 2) * cat([N, N], 1)",
                         "out = np.tile(x, (2, 1))"])
register("repeat_interleave", _repeat_interleave("torch"),
         ["out = repeat_interleave(x, 2) * 2", "out = M.repeat_interleave(tensor([1, 2, 0]), dim=1)",
          "out = x.repeat_interleave(repeat_interleave(tensor([2, 1])))"])


# -- triangles and diagonals -----------------------------------------------------------------------

def _triangle(which, library):
    def impl(ctx, x, *args, **kwargs):
        """triu/tril(x, diagonal=0) (np.triu(m, k=0)): the last two dims' upper or lower part,
        the rest zero; NumPy takes a 1-D m as the rows of a square."""
        x = to_tensor(ctx, x)
        k = whole_int(kwargs.pop("diagonal", kwargs.pop("k", args[0] if args else 0)), f"{which}: k")
        _no_more(which, args[1:], kwargs, allowed=())
        if x.nd == 1 and library == "numpy":
            x = ops.broadcast_to(x, (x.shape[0], x.shape[0]))
        if x.nd < 2:
            _fail(f"{which} needs at least 2 dimensions, got shape {x.shape}", "shape")
        rows, cols = x.shape[-2:]
        keep = (np.triu if which == "triu" else np.tril)(np.ones((rows, cols), dtype=bool), k)
        kept = Tensor(backend.from_numpy(keep, backend.dtype_of("bool")))
        zero = Tensor(backend.xp.zeros((), dtype=x.dtype))
        return apply(PRIMITIVES["where"], kept, x, zero)
    return impl


for _which in ("triu", "tril"):
    register(_which, _triangle(_which, "torch"), [f"out = {_which}(M) * N", f"out = M.{_which}(1) * N",
                                                  f"out = {_which}(M, diagonal=-1)"])
    register(_which, _triangle(_which, "numpy"), [f"out = np.{_which}(M, k=1) * N",
                                                  f"out = np.{_which}(x, -1) * N"], library="numpy")


def diagonal(ctx, x, offset=0, axis1=0, axis2=1) -> Tensor:
    """The `offset` diagonal of the planes of axis1 and axis2, as the last dim (those two gone)."""
    x = to_tensor(ctx, x)
    if x.nd < 2:
        _fail(f"diagonal needs at least 2 dimensions, got shape {x.shape}", "shape")
    a, b = dim_of(x, axis1, "diagonal: dim1"), dim_of(x, axis2, "diagonal: dim2")
    if a == b:
        _fail("diagonal: the two dims must differ", "shape")
    at = np.diagonal(labels(x.shape), whole_int(offset, "diagonal: offset"), a, b)
    return ops.gather(x, np.ascontiguousarray(at))


def _diagonal(ctx, x, *args, **kwargs):
    """torch.diagonal(x, offset=0, dim1=0, dim2=1) / np.diagonal(a, offset=0, axis1=0, axis2=1):
    both default to the first two dims (torch.diag and trace of a stack use the last two)."""
    names = ("offset", "dim1", "dim2")
    values = dict(zip(names, args))
    for kw, name in (("offset", "offset"), ("dim1", "dim1"), ("axis1", "dim1"), ("dim2", "dim2"),
                     ("axis2", "dim2")):
        if kw in kwargs:
            values[name] = kwargs.pop(kw)
    _no_more("diagonal", args[3:], kwargs, allowed=())
    return diagonal(ctx, x, values.get("offset", 0), values.get("dim1", 0), values.get("dim2", 1))


def _np_diag(ctx, v, k=0):
    """np.diag(v, k=0): a 1-D v on the k-th diagonal of a square matrix; a 2-D v's k-th diagonal."""
    v = to_tensor(ctx, v)
    k = whole_int(k, "diag: k")
    if v.nd == 2:
        return diagonal(ctx, v, k)
    if v.nd != 1:
        _fail(f"diag expects a 1-D or 2-D array, got shape {v.shape}", "shape")
    n = v.shape[0] + abs(k)
    check_size((n, n), "diag")
    square = Tensor(backend.xp.zeros((n, n), dtype=v.dtype))
    return ops.put(square, v, np.ascontiguousarray(np.diagonal(labels((n, n)), k)))


register("diagonal", _diagonal, ["out = diagonal(M) * x", "out = M.diagonal(1) * x[:2]",
                                 "out = torch.diagonal(M.reshape(1, 3, 3), 0, 1, 2) * x",
                                 "out = np.diagonal(M.reshape(3, 3, 1), offset=-1, axis1=0, axis2=1)",
                                 "out = M.diagonal(dim1=1, dim2=0, offset=-2) * 2"])
register("diag", _np_diag, ["out = np.diag(x, k=1) * 2", "out = np.diag(M, k=-1) * y[:2]",
                            "out = np.diag(M) * x", "out = np.diag(x) @ y"], library="numpy")
