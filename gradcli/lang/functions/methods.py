"""Tensor methods that are no-ops, casts or views of something else: clone, float, to, item, size..."""
from __future__ import annotations

from ...core import backend, ops
from ...core.tensor import PRIMITIVES, Tensor, apply, astype
from . import dtypes
from .base import (
    DType,
    Table,
    _axes,
    _describe,
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


def _cast(dtype_name, builtin):
    def impl(ctx, x, *args, **kwargs):
        """x.float() is float32, x.double() float64, x.long() int64, x.int() int32, x.bool()
        booleans, as in PyTorch (a float32 tensor in a float64 program then promotes as PyTorch
        promotes). Called on a number or a string, the Python builtin: float('inf'), int(2.7)."""
        if isinstance(x, str) or (isinstance(x, (int, float)) and builtin is not None):
            if builtin is None or args or kwargs:
                _fail(f"{dtype_name}(): cannot convert {x!r}")
            try:
                return builtin(x)
            except (ValueError, OverflowError):
                _fail(f"{builtin.__name__}(): cannot read {str(x)[:40]!r} as a number")
        kwargs.pop("memory_format", None)
        _no_more(dtype_name, args, kwargs, allowed=())
        return dtypes.cast(ctx, x, dtype_name)
    return impl


def _to(ctx, x, *args, **kwargs):
    """x.to(dtype), x.to(device), x.to(other) (its dtype), x.to(device, dtype), x.to(dtype=...):
    the device is the one --device chose; a dtype is honoured."""
    x = to_tensor(ctx, x)
    dtype = kwargs.pop("dtype", None)
    for key in ("device", "non_blocking", "copy", "memory_format"):
        kwargs.pop(key, None)
    _no_more("to", (), kwargs, allowed=())
    for arg in args:
        if isinstance(arg, DType):
            dtype = arg
        elif isinstance(arg, Tensor):
            return astype(x, arg.dtype)
        elif not isinstance(arg, (str, bool)):
            _fail(f"to(): expected a dtype, a device or a tensor, got {_describe(arg)}")
    return x if dtype is None else astype(x, dtypes.resolve(dtype, "to"))


def _astype(ctx, x, dtype, **kwargs):
    """x.astype(dtype) and np.astype(x, dtype) (NumPy 2); copy= and casting= are accepted."""
    kwargs.pop("copy", None)
    kwargs.pop("casting", None)
    _no_more("astype", (), kwargs, allowed=())
    return dtypes.cast(ctx, x, dtype)


def _type(ctx, x, dtype=None, **kwargs):
    if dtype is None:
        _fail("type(): give the dtype to convert to, as x.type(torch.float64)")
    return _to(ctx, x, dtype=dtype if isinstance(dtype, DType) else DType(str(dtype)))


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
            found = ops.reshape(found, (1,) * x.nd) if keep else found
        else:
            found = _arg_extreme(x, (_reduce_axes(x, dim) or (-1,))[0], keep, prim)
        return astype(found, backend.xp.int64)  # indices, as PyTorch and NumPy give them
    return impl


register("argmax", _argmax_or_argmin("amax"), ["out = argmax(x) * x + M.argmax(1) * x",
                                                "out = x[M.argmax(1)] * y"])
register("argmin", _argmax_or_argmin("amin"), ["out = argmin(M, dim=0, keepdim=True) * M"])
register("clone", _identity, ["out = clone(x) * x"], aliases=["contiguous", "copy", "cpu", "cuda"])
register("requires_grad_", _identity, ["out = x.requires_grad_() * 2",
                                       "out = x.requires_grad_(False) * y"])
register("float", _cast("float32", float), ["out = (x > 0).float() * x + x.clamp(max=float('inf'))",
                                            # a float32 round trip cannot be checked against
                                            # float64 differences: its gradient is, times 0
                                            "out = y * x + x.float() * 0"])
# (samples keep float32 programs float32: a float64 sum is 0-d, and y's dimensions win)
register("double", _cast("float64", None), ["out = y * x.double().sum() + y * (x < 0).double().sum()"])
register("long", _cast("int64", None), ["out = x[(y * 0 + 1).long()] * 2 + M[x.long() * 0]"])
register("int", _cast("int32", int), ["out = x[(y * 0).int()] + y * int(2.7)"])
register("bool", _cast("bool", bool), ["out = where(x.bool(), x, y) + x * (x > 0).bool()"])
register("to", _to, ["out = (x > 0).to(torch.float32) * y.to('cpu')",
                     "out = x.to(dtype=torch.float64).sum() * y",
                     "out = (x > 0).to(x) * x"])
register("type", _type, ["out = (x > 0).type(torch.float32) * y"])
register("astype", _astype, ["out = (x > 0).astype(np.float32) * x", "out = np.astype(x > y, 'int64') * M",
                             "out = x.astype('float64').sum() * y"])
register("item", _item, ["out = ones(3).sum().item() * x"])
