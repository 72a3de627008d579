"""x[key] and x[key] = value, with PyTorch's index rules, messages and autograd.

Basic indices (integers, slices, None, ...) give views that share memory and the version counter;
tensors and lists of integers or booleans index as NumPy's advanced indexing does (a copy).
Assignment writes in place; while recording, and when either side requires grad, it is
PyTorch's CopySlices node (the core's index_put).
"""
from __future__ import annotations

import numpy as np

from ...core import ops as core_ops
from ...core import tensor as core
from ...core.tensor import Tensor
from ...errors import GradcliError
from . import ops
from .autograd import record
from .dtypes import BOOL, FLOATING
from .errors import ScriptError, index_error, runtime_error, type_error
from .tensor import STensor, cast, view, wrap


def _item(k, shape, axis):
    """One index item as NumPy takes it; advanced items as arrays."""
    t = type(k)
    if t is int:
        return k
    if t is bool:
        return np.asarray(k)
    if k is None or k is Ellipsis:
        return k
    if t is slice:
        parts = []
        for p in (k.start, k.stop, k.step):
            if type(p) is STensor:
                p = int(p.t.data.reshape(()))
            elif p is not None and type(p) is not int:
                raise type_error("slice indices must be integers or None or have an __index__ method")
            parts.append(p)
        if parts[2] is not None and parts[2] <= 0:
            raise ScriptError("ValueError", "step must be greater than zero")
        return slice(*parts)
    if t is STensor:
        if k.dtype.category == FLOATING:
            raise index_error("tensors used as indices must be long, int, byte or bool tensors")
        if k.dtype.category != BOOL and k.t.data.ndim == 0:
            return int(k.t.data)
        return np.asarray(k.t.data)
    if t is list or t is tuple or t is range:
        array = np.asarray(k)
        if array.dtype.kind not in "iub":
            raise index_error("tensors used as indices must be long, int, byte or bool tensors")
        return array
    if t is np.ndarray:
        return k
    if isinstance(k, np.integer):
        return int(k)
    raise index_error("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                      "valid indices (got " + type(k).__name__ + ")")


def normalize(x: STensor, key) -> tuple[tuple, bool]:
    """(index tuple, advanced?) with PyTorch's bounds checks and messages."""
    items = key if type(key) is tuple else (key,)
    shape = x.t.data.shape
    idx = tuple(_item(k, shape, i) for i, k in enumerate(items))
    advanced = any(type(i) is np.ndarray for i in idx)
    consumed = sum(1 if type(i) is not np.ndarray else max(i.ndim, 1) if i.dtype == bool else 1
                   for i in idx if i is not None and i is not Ellipsis)
    if sum(1 for i in idx if i is Ellipsis) > 1:
        raise index_error("an index can only have a single ellipsis ('...')")
    if consumed > len(shape):
        if not shape:
            raise index_error("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                              "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise index_error(f"too many indices for tensor of dimension {len(shape)}")
    axis = 0
    for pos, i in enumerate(idx):
        if i is Ellipsis:
            axis = len(shape) - sum(1 for j in idx[pos + 1:] if j is not None and j is not Ellipsis)
            continue
        if i is None:
            continue
        if type(i) is int:
            n = shape[axis]
            if not -n <= i < n:
                raise index_error(f"index {i} is out of bounds for dimension {axis} with size {n}")
        elif type(i) is np.ndarray and i.dtype != bool and i.size:
            n = shape[axis]
            bad = i[(i < -n) | (i >= n)]
            if bad.size:
                raise index_error(f"index {int(bad.flat[0])} is out of bounds for dimension {axis} with size {n}")
        elif type(i) is np.ndarray and i.dtype == bool:
            if i.shape != shape[axis:axis + i.ndim]:
                raise index_error(f"The shape of the mask {list(i.shape)} at index {axis} does not match the "
                                  f"shape of the indexed tensor {list(shape[axis:axis + i.ndim])} at index "
                                  f"{axis}")
            axis += max(i.ndim, 1)
            continue
        axis += 1
    return idx, advanced


def tensor_getitem(x: STensor, key) -> STensor:
    idx, advanced = normalize(x, key)
    try:
        out = core_ops.index(x.t, idx)
    except GradcliError as exc:
        raise runtime_error(exc.message) from None
    if type(out.data) is not np.ndarray:
        out.data = np.asarray(out.data)
    if advanced:
        out.data = np.ascontiguousarray(out.data)
        return record(wrap(out, x.dtype), (x,))
    return view(out, x)


def tensor_setitem(x: STensor, key, value) -> None:
    ops.check_in_place(x, setitem=True)
    idx, _ = normalize(x, key)
    region = np.broadcast_to(np.empty((), dtype=np.int8), x.t.data.shape)[idx].shape
    if type(value) is STensor:
        v = value if value.dtype is x.dtype else cast(value, x.dtype)
        vshape = v.t.data.shape
        extra = len(vshape) - len(region)
        if extra > 0 and all(d == 1 for d in vshape[:extra]):  # b[0] = ones(1, 3), as PyTorch allows
            v = wrap(core_ops.reshape(v.t, vshape[extra:]), v.dtype)
            vshape = vshape[extra:]
        try:
            fits = np.broadcast_shapes(vshape, region) == region
        except ValueError:
            fits = False
        if not fits:
            raise runtime_error(f"shape mismatch: value tensor of shape {list(value.t.data.shape)} cannot be "
                                f"broadcast to indexing result of shape {list(region)}")
        recorded = core.recording and (v.t.requires_grad or x.t.requires_grad)
        if recorded:
            new = core_ops.index_put(x.t, v.t, idx)
            ops.commit(x, new, "CopySlices")
            return
        data = v.t.data
    else:
        if type(value) not in (int, float, bool) and not isinstance(value, np.generic):
            raise type_error(f"can't assign a {type(value).__name__} to a {_legacy(x)}")
        data = value
        if core.recording and x.t.requires_grad:
            new = core_ops.index_put(x.t, Tensor(np.asarray(value, dtype=x.t.data.dtype)), idx)
            ops.commit(x, new, "CopySlices")
            return
    target = x.t.data
    if not (type(target) is np.ndarray and target.flags.writeable):
        x.t.data = target = np.array(target)
    target[idx] = data
    x.vc[0] += 1


def _legacy(x: STensor) -> str:
    from .dtypes import LEGACY_NAME  # noqa: PLC0415
    return f"torch.{LEGACY_NAME.get(x.dtype, 'FloatTensor')}"
