"""The script's tensor: a recorded core Tensor plus what PyTorch keeps beside it.

`STensor` wraps `gradcli.core.tensor.Tensor` (its data array and, when it was computed from
tensors that require grad, the op that made it) with the torch dtype, the `.grad` slot of a
leaf, a version counter shared with its views (for PyTorch's in-place checks), and whether it is
an `nn.Parameter`. The engine differentiates the core Tensors; everything PyTorch shows a user
(`is_leaf`, `grad_fn`, `requires_grad`) is read from them.
"""
from __future__ import annotations

import numpy as np

from ...core.tensor import Op, Tensor, apply
from . import dtypes, runtime
from .dtypes import DType


class STensor:
    __slots__ = ("t", "dtype", "grad", "vc", "is_param", "retains", "base", "__weakref__")

    def __init__(self, t: Tensor, dtype: DType, vc: list | None = None):
        self.t = t
        self.dtype = dtype
        self.grad = None
        self.vc = vc if vc is not None else [0]  # the version counter, shared with views
        self.is_param = False
        self.retains = False
        self.base = None  # the tensor this one is a view of (x[0], x.view(...)), for in-place rules

    @property
    def shape(self) -> "Size":
        return Size(self.t.data.shape)

    @property
    def requires_grad(self) -> bool:
        return self.t.requires_grad

    @property
    def is_leaf(self) -> bool:
        return self.t.op is None

    def __repr__(self):  # for debugging gradcli itself; scripts print through pyvalues
        return f"STensor({self.t.data!r}, {self.dtype})"


class Size(tuple):
    """torch.Size: a tuple that prints as torch.Size([2, 3])."""

    __slots__ = ()

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n


class Device:
    """torch.device('cpu'): scripts name devices; everything runs where gradcli computes."""

    __slots__ = ("type", "index")

    def __init__(self, type_: str, index=None):
        self.type, self.index = type_, index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = Device("cpu")

# What PyTorch (a CUDA build, on a machine without a GPU) says when a script asks for one.
NO_GPU = ("Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a "
          "driver from http://www.nvidia.com/Download/index.aspx")


def make_device(kind="cpu", index=None):
    """torch.device('cuda:0') and friends: named, accepted, computed on where gradcli computes."""
    from .errors import runtime_error, type_error  # noqa: PLC0415
    if type(kind) is Device:
        return kind
    if type(kind) is int:
        return Device("cuda", kind)
    if type(kind) is not str:
        raise type_error("device() takes a string")
    name, _, number = kind.partition(":")
    if name not in ("cpu", "cuda", "mps", "meta", "xpu"):
        raise runtime_error(f"Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, "
                            f"ve, fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone "
                            f"device type at start of device string: {kind}")
    if number:
        index = int(number)
    return Device(name, index)


def as_array(data) -> np.ndarray:
    """NumPy's full reductions give scalars; a tensor's storage must be an array (in-place ops)."""
    return data if type(data) is np.ndarray else np.asarray(data)


def view(t: Tensor, of: STensor, dtype: DType | None = None) -> STensor:
    """A result that shares of's memory and version counter (indexing, view, transpose...)."""
    s = wrap(t, dtype if dtype is not None else of.dtype)
    s.vc = of.vc
    s.base = of.base if of.base is not None else of
    return s


def wrap(t: Tensor, dtype: DType | None = None) -> STensor:
    """A fresh result tensor (charged to the run's work budget)."""
    data = t.data
    if type(data) is not np.ndarray:
        data = t.data = np.asarray(data)
    rt = runtime.RT
    rt.work -= data.size
    if rt.work < 0:
        runtime.charge(0)
    return STensor(t, dtype if dtype is not None else dtypes.of_numpy(data.dtype))


def leaf(array: np.ndarray, dtype: DType, requires_grad: bool = False) -> STensor:
    """A tensor made from values (torch.tensor, zeros, randn...): a leaf of the graph."""
    array = as_array(array)
    if array.dtype != dtype.numpy:
        array = array.astype(dtype.numpy)
    s = wrap(Tensor(array), dtype)
    if requires_grad:
        set_requires_grad(s, True)
    return s


FLOAT_ONLY = "Only Tensors of floating point and complex dtype can require gradients"


def set_requires_grad(s: STensor, flag: bool, refusal: str = FLOAT_ONLY) -> None:
    """refusal: PyTorch words it three ways (creation, `.requires_grad =`, requires_grad_())."""
    from .errors import runtime_error  # noqa: PLC0415
    if flag and s.dtype.category != dtypes.FLOATING:
        raise runtime_error(refusal)
    if not s.is_leaf:
        if not flag:
            raise runtime_error("you can only change requires_grad flags of leaf variables. If you want "
                                "to use a computed variable in a subgraph that doesn't require "
                                "differentiation use var_no_grad = var.detach().")
        return
    s.t.requires_grad = flag
    if flag:
        from .autograd import LEAVES  # noqa: PLC0415
        LEAVES[s.t.index] = s


# -- casts ----------------------------------------------------------------------------------------

def _cast_forward(xp, a, *, dtype):
    return a.astype(dtype)


def _cast_vjp(g, ans, x, *, dtype):
    return (cast_core(g, x.data.dtype),)


def _cast_jvp(dots, ans, x, *, dtype):
    return cast_core(dots[0], dtype)


CAST = Op("to_copy", _cast_forward, vjp=_cast_vjp, jvp=_cast_jvp, backward_name="ToCopyBackward0")
CAST_CONSTANT = Op("to_copy", _cast_forward, differentiable=False, backward_name="ToCopyBackward0")


def cast_core(t: Tensor, np_dtype) -> Tensor:
    """t in another NumPy dtype; differentiable between floating dtypes, a constant otherwise."""
    if t.data.dtype == np_dtype:
        return t
    floating = np.dtype(np_dtype).kind == "f" and t.data.dtype.kind == "f"
    return apply(CAST if floating else CAST_CONSTANT, t, dtype=np.dtype(np_dtype))


def cast(s: STensor, dtype: DType) -> STensor:
    """s.to(dtype): s itself when nothing changes, as in PyTorch."""
    if s.dtype is dtype:
        return s
    if dtype.numpy is None:
        from .errors import type_error  # noqa: PLC0415
        raise type_error(f"{dtype!r} is not supported by gradcli (NumPy has no such type)")
    return wrap(cast_core(s.t, dtype.numpy), dtype)
