"""Shape primitives: reshape, broadcast, permute, indexing and its transposes, joining.

`nd` is the logical rank of the input; lead axes pass through untouched.
"""
from __future__ import annotations

from .. import backend
from ..tensor import PRIMITIVES, Tensor, apply, constant, promote
from .table import defop


def reshape(x: Tensor, shape: tuple) -> Tensor:
    shape = tuple(int(d) for d in shape)
    if shape == x.shape:
        return x
    return apply(PRIMITIVES["reshape"], x, shape=shape, nd=x.nd)


def broadcast_to(x: Tensor, shape: tuple) -> Tensor:
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return apply(PRIMITIVES["broadcast_to"], x, shape=shape, nd=x.nd)


def sum_to(x: Tensor, shape: tuple) -> Tensor:
    """Sum a gradient down to the shape it was broadcast from (right-aligned)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return apply(PRIMITIVES["sum_to"], x, shape=shape, nd=x.nd)


def permute(x: Tensor, perm: tuple) -> Tensor:
    return apply(PRIMITIVES["permute"], x, perm=tuple(perm))


def _lead_shape(a, nd):
    return tuple(a.shape[:a.ndim - nd])


def _broadcast_forward(xp, a, *, shape, nd):
    lead = _lead_shape(a, nd)
    a = xp.reshape(a, lead + (1,) * (len(shape) - nd) + tuple(a.shape[len(lead):]))
    return xp.broadcast_to(a, lead + shape)


def _sum_to_forward(xp, a, *, shape, nd):
    lead = _lead_shape(a, nd)
    logical = a.shape[len(lead):]
    extra = nd - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, d in enumerate(shape)
                                       if d == 1 and logical[extra + i] != 1)
    if axes:
        a = xp.sum(a, axis=tuple(len(lead) + i for i in axes), keepdims=True)
    return xp.reshape(a, lead + shape)


def _permute_forward(xp, a, *, perm):
    lead = a.ndim - len(perm)
    return xp.permute_dims(a, tuple(range(lead)) + tuple(lead + p for p in perm))


def _inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


defop("reshape", lambda xp, a, *, shape, nd: xp.reshape(a, _lead_shape(a, nd) + shape),
      vjp=lambda g, ans, x, **p: (reshape(g, x.shape),),
      jvp=lambda dots, ans, x, *, shape, nd: reshape(dots[0], shape),
      backward_name="ViewBackward0", saves=())
defop("broadcast_to", _broadcast_forward,
      vjp=lambda g, ans, x, **p: (sum_to(g, x.shape),),
      jvp=lambda dots, ans, x, *, shape, nd: broadcast_to(dots[0], shape),
      backward_name="ExpandBackward0", saves=())
defop("sum_to", _sum_to_forward,
      vjp=lambda g, ans, x, **p: (broadcast_to(g, x.shape),),
      jvp=lambda dots, ans, x, *, shape, nd: sum_to(dots[0], shape),
      backward_name="SumToBackward0", saves=())
defop("permute", _permute_forward,
      vjp=lambda g, ans, x, *, perm: (permute(g, _inverse(perm)),),
      jvp=lambda dots, ans, x, *, perm: permute(dots[0], perm),
      backward_name="PermuteBackward0", saves=())


# -- indexing ------------------------------------------------------------------------------

def index(x: Tensor, idx: tuple) -> Tensor:
    return apply(PRIMITIVES["index"], x, idx=idx, nd=x.nd)


def scatter(g: Tensor, idx: tuple, shape: tuple) -> Tensor:
    """Zeros of `shape` with g written at idx: the transpose of indexing."""
    return apply(PRIMITIVES["scatter"], g, idx=idx, shape=tuple(shape), nd=g.nd)


def index_put(x: Tensor, v: Tensor, idx: tuple) -> Tensor:
    """x with x[idx] = v, as a new tensor (PyTorch's CopySlices)."""
    return apply(PRIMITIVES["index_put"], x, v, idx=idx, nd=x.nd, nd_v=v.nd)


def _key(lead: int, idx: tuple) -> tuple:
    """The full index of a batched array: lead axes whole, then idx, then a trailing `...`.

    The Array API (CuPy too, strictly) wants every axis accounted for; NumPy adds the `...`.
    """
    tail = () if any(i is Ellipsis for i in idx) else (Ellipsis,)
    return (slice(None),) * lead + idx + tail


def _scatter_forward(xp, a, *, idx, shape, nd):
    lead = _lead_shape(a, nd)
    out = xp.zeros(lead + shape, dtype=a.dtype)
    if any(i is None for i in idx):  # the Array API writes through no new axis: drop them
        a, idx = _without_new_axes(xp, a, idx, len(shape), len(lead))
    out[_key(len(lead), idx)] = a
    return out


def _without_new_axes(xp, a, idx, rank, lead):
    """a (the region idx selects, lead axes in front) without the size-1 axes idx's None made,
    and idx without its None."""
    real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    items = []
    for i in idx:
        items.extend([slice(None)] * (rank - real) if i is Ellipsis else [i])
    drop, axis = [], 0
    for i in items:
        if i is None:
            drop.append(axis)
        if i is None or isinstance(i, slice):
            axis += 1
    kept = [d for k, d in enumerate(a.shape[lead:]) if k not in drop]
    return xp.reshape(a, tuple(a.shape[:lead]) + tuple(kept)), tuple(i for i in items if i is not None)


def _index_put_forward(xp, a, v, *, idx, nd, nd_v):
    lead_a, lead_v = a.ndim - nd, v.ndim - nd_v
    if lead_v > lead_a:  # a batched value written into an unbatched tensor
        a = xp.broadcast_to(a, tuple(v.shape[:lead_v]) + tuple(a.shape))
    out = xp.asarray(a, copy=True)
    where_ = _key(out.ndim - nd, idx)
    region = out[where_]
    if lead_v:  # line the value's lead axes up with the region's
        rank = region.ndim - (out.ndim - nd)
        if nd_v < rank:
            v = xp.reshape(v, tuple(v.shape[:lead_v]) + (1,) * (rank - nd_v) + tuple(v.shape[lead_v:]))
        if lead_v < out.ndim - nd:
            v = xp.reshape(v, (1,) * (out.ndim - nd - lead_v) + tuple(v.shape))
    out[where_] = v
    return out


defop("index", lambda xp, a, *, idx, nd: a[_key(a.ndim - nd, idx)],
      vjp=lambda g, ans, x, *, idx, nd: (scatter(g, idx, x.shape),),
      jvp=lambda dots, ans, x, *, idx, nd: index(dots[0], idx),
      backward_name="SelectBackward0", saves=())
defop("scatter", _scatter_forward,
      vjp=lambda g, ans, x, *, idx, shape, nd: (index(g, idx),),
      jvp=lambda dots, ans, x, *, idx, shape, nd: scatter(dots[0], idx, shape),
      backward_name="IndexBackward0", saves=())
defop("index_put", _index_put_forward,
      vjp=lambda g, ans, x, v, *, idx, nd, nd_v: (index_put(g, constant(0.0, g), idx), index(g, idx)),
      jvp=lambda dots, ans, x, v, *, idx, nd, nd_v: index_put(
          dots[0] if dots[0] is not None else zeros_like(x),
          dots[1] if dots[1] is not None else constant(0.0, v), idx),
      backward_name="CopySlices", saves=())


def zeros_like(x: Tensor) -> Tensor:
    return Tensor(backend.xp.zeros(x.shape, dtype=x.dtype), x.nd)


# -- joining -------------------------------------------------------------------------------

def _common_lead(xp, arrays, nds):
    """Broadcast every array to the longest lead so that concat sees one batch shape."""
    leads = [a.ndim - nd for a, nd in zip(arrays, nds)]
    big = max(range(len(arrays)), key=lambda i: leads[i])
    lead_shape = tuple(arrays[big].shape[:leads[big]])
    return [a if lead == len(lead_shape) else xp.broadcast_to(a, lead_shape + tuple(a.shape[lead:]))
            for a, lead in zip(arrays, leads)]


def cat(tensors, axis: int) -> Tensor:
    """Join along an existing axis (negative, counted from the end)."""
    tensors = _one_dtype(tensors)
    return apply(PRIMITIVES["cat"], *tensors, axis=axis, nds=tuple(t.nd for t in tensors))


def stack(tensors, axis: int) -> Tensor:
    """Join along a new axis (negative, counted from the end of the result)."""
    tensors = _one_dtype(tensors)
    return apply(PRIMITIVES["stack"], *tensors, axis=axis, nds=tuple(t.nd for t in tensors))


def _one_dtype(tensors):
    """Tensors of different dtypes promote before they are joined, as in torch.cat."""
    first = tensors[0].dtype
    if all(t.dtype == first for t in tensors):
        return tensors
    return promote(tensors)


def _cat_vjp(g, ans, *xs, axis, nds):
    grads, start = [], 0
    pos = g.nd + axis
    for x in xs:
        n = x.shape[axis]
        grads.append(index(g, (slice(None),) * pos + (slice(start, start + n),)))
        start += n
    return tuple(grads)


def _stack_vjp(g, ans, *xs, axis, nds):
    pos = g.nd + axis
    return tuple(index(g, (slice(None),) * pos + (i,)) for i in range(len(xs)))


def _dense(dots, xs):
    return [d if d is not None else zeros_like(x) for d, x in zip(dots, xs)]


defop("cat", lambda xp, *arrays, axis, nds: xp.concat(_common_lead(xp, arrays, nds), axis=axis),
      vjp=_cat_vjp, jvp=lambda dots, ans, *xs, axis, nds: cat(_dense(dots, xs), axis),
      backward_name="CatBackward0", saves=())
defop("stack", lambda xp, *arrays, axis, nds: xp.stack(_common_lead(xp, arrays, nds), axis=axis),
      vjp=_stack_vjp, jvp=lambda dots, ans, *xs, axis, nds: stack(_dense(dots, xs), axis),
      backward_name="StackBackward0", saves=())
