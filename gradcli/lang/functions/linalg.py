"""Linear algebra: products (matmul, dot and its NumPy/PyTorch variants, einsum, tensordot,
kron, cross), diagonals and traces, and torch.linalg / numpy.linalg / scipy.linalg.

Where the libraries differ, each name follows the library it is called through (see
docs/functions-linalg.md): np.dot is NumPy's dot (stacks: sum over a's last axis and b's
second-to-last), torch.dot takes 1-D tensors only; np.linalg.solve takes a stack of matrices
as b (NumPy 2), torch.linalg.solve also a batch of vectors; torch.svd returns V,
linalg.svd Vh; scipy.linalg.cholesky is upper triangular, the others lower.
"""
from __future__ import annotations

from ...core import ops
from ...core.ops import linalg as la
from ...core.ops.einsum import einsum, tensordot
from ...core.tensor import Tensor, check_size
from ...errors import GradcliError
from .base import Table, _axes, _eye_np, _fail, _int, _new, _no_more, to_tensor
from .dtypes import input_as

TABLE = Table()
register = TABLE.register


def _shape_error(message):
    raise GradcliError(message, kind="shape")


def _matmul(ctx, a, b):
    return ops.matmul(to_tensor(ctx, a), to_tensor(ctx, b))


def _mm(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd != 2 or b.nd != 2:
        _fail(f"mm needs two matrices, got shapes {a.shape} and {b.shape}", "shape")
    return ops.matmul(a, b)


def _outer(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    a = ops.reshape(a, (a.size, 1))
    b = ops.reshape(b, (1, b.size))
    return a * b


def _bmm(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd != 3 or b.nd != 3 or a.shape[0] != b.shape[0]:
        _fail(f"bmm needs two batches of matrices of one batch size, got shapes {a.shape} and "
              f"{b.shape}", "shape")
    return ops.matmul(a, b)


def _mv(ctx, a, v):
    a, v = to_tensor(ctx, a), to_tensor(ctx, v)
    if a.nd != 2 or v.nd != 1:
        _fail(f"mv needs a matrix and a vector, got shapes {a.shape} and {v.shape}", "shape")
    return ops.matmul(a, v)


register("bmm", _bmm, ["out = bmm(reshape(M, (1, 3, 3)), reshape(N, (1, 3, 3)))"])
register("mv", _mv, ["out = mv(M, x)"])
register("matmul", _matmul, ["out = matmul(M, x)", "out = matmul(x, M)", "out = x @ y",
                             "out = M @ N", "out = matmul(reshape(M, (1, 3, 3)), N)"],
         aliases=["linalg.matmul"])
register("mm", _mm, ["out = mm(M, N)"])
register("outer", _outer, ["out = outer(x, y)"], aliases=["ger", "linalg.outer"])


# -- dot, inner, vdot, tensordot, einsum, kron, cross ------------------------------------------

def _vectors(name, a, b):
    if a.nd != 1 or b.nd != 1:
        _shape_error(f"{name}: 1D tensors expected, but got {a.nd}D and {b.nd}D tensors "
                     f"(PyTorch's torch.{name}; np.{name} takes other shapes)")
    if a.shape != b.shape:
        _shape_error(f"{name}: inconsistent tensor size, expected tensors of one size, but got "
                     f"{a.shape[0]} and {b.shape[0]} elements")


def _torch_dot(ctx, a, b):
    """torch.dot / torch.vdot: two 1-D tensors of one size (PyTorch raises otherwise)."""
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    _vectors("dot", a, b)
    return ops.matmul(a, b)


def _sum_product_check(name, a, b, i, j):
    if a.shape[i] != b.shape[j]:
        _shape_error(f"{name}: shapes {a.shape} and {b.shape} not aligned: {a.shape[i]} (dim {i}) "
                     f"!= {b.shape[j]} (dim {j})")


def _numpy_dot(ctx, a, b):
    """np.dot: scalars multiply; otherwise the sum over a's last axis and b's second-to-last
    (its only axis when 1-D). With 2-D operands that is matmul; with stacks it is NOT matmul's
    broadcasting: the result has a's other axes, then b's."""
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd == 0 or b.nd == 0:
        return a * b
    j = 0 if b.nd == 1 else b.nd - 2
    _sum_product_check("dot", a, b, a.nd - 1, j)
    if a.nd <= 2 and b.nd <= 2:
        return ops.matmul(a, b)
    return tensordot(a, b, [a.nd - 1], [j])


def _inner(ctx, a, b):
    """inner (NumPy and PyTorch alike): the sum over the last axes; scalars multiply."""
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd == 0 or b.nd == 0:
        return a * b
    _sum_product_check("inner", a, b, a.nd - 1, b.nd - 1)
    return tensordot(a, b, [a.nd - 1], [b.nd - 1])


def _numpy_vdot(ctx, a, b):
    """np.vdot: both operands flattened, then the dot product of the two vectors."""
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.size != b.size:
        _shape_error(f"vdot: vectors of {a.size} and {b.size} elements differ in size")
    return ops.matmul(ops.reshape(a, (a.size,)), ops.reshape(b, (b.size,)))


def _tensordot(ctx, a, b, axes=2, dims=None):
    """tensordot(a, b, axes): axes an integer n (a's last n axes with b's first n) or a pair of
    lists of axes (torch's keyword is dims=)."""
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    axes = axes if dims is None else dims
    if isinstance(axes, Tensor):
        _fail("tensordot: axes must be an integer or a pair of lists of integers")
    if isinstance(axes, (int, float)) and not isinstance(axes, bool):
        n = _int(axes, "tensordot: axes")
        if n < 0 or n > min(a.nd, b.nd):
            _shape_error(f"tensordot: axes={n} does not fit shapes {a.shape} and {b.shape}")
        axes_a, axes_b = list(range(a.nd - n, a.nd)), list(range(n))
    else:
        if not isinstance(axes, (list, tuple)) or len(axes) != 2:
            _fail("tensordot: axes must be an integer or a pair of lists of axes")
        first, second = ([x] if isinstance(x, int) else list(x) for x in axes)
        if len(first) != len(second):
            _shape_error(f"tensordot: {len(first)} and {len(second)} axes cannot be paired")
        axes_a = [a.nd + _axes(a, d)[0] for d in first]
        axes_b = [b.nd + _axes(b, d)[0] for d in second]
        if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
            _shape_error("tensordot: an axis is repeated")
    return tensordot(a, b, axes_a, axes_b)


def _einsum(ctx, subscripts, *operands, **kwargs):
    """einsum('ij,jk->ik', a, b), and PyTorch's list form einsum('ij,jk', [a, b])."""
    kwargs.pop("optimize", None)  # NumPy's contraction-order hint: the order here is left to right
    _no_more("einsum", (), kwargs)
    if not isinstance(subscripts, str):
        _fail("einsum: the first argument must be the subscripts, like 'ij,jk->ik' (NumPy's "
              "interleaved operand/sublist form is not supported)")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)) and operands[0] \
            and not all(isinstance(v, (int, float)) for v in operands[0]):
        operands = tuple(operands[0])
    return einsum(subscripts, [to_tensor(ctx, x) for x in operands])


def _kron(ctx, a, b):
    """kron: the Kronecker product; the operand of lower rank gets leading 1s."""
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    nd = max(a.nd, b.nd)
    sa = (1,) * (nd - a.nd) + a.shape
    sb = (1,) * (nd - b.nd) + b.shape
    left = ops.reshape(a, tuple(d for n in sa for d in (n, 1)))
    right = ops.reshape(b, tuple(d for n in sb for d in (1, n)))
    return ops.reshape(left * right, tuple(x * y for x, y in zip(sa, sb)))


def _cross3(a: Tensor, b: Tensor, axis: int) -> Tensor:
    """a x b along a negative axis of size 3, broadcasting the others."""
    def part(x, i):
        return ops.index(x, (slice(None),) * (x.nd + axis) + (i,))
    a0, a1, a2 = (part(a, i) for i in range(3))
    b0, b1, b2 = (part(b, i) for i in range(3))
    parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    return ops.stack(parts, axis)


def _cross(name, default_dim):
    def impl(ctx, a, b, *args, **kwargs):
        a, b = to_tensor(ctx, a), to_tensor(ctx, b)
        dim = kwargs.pop("dim", kwargs.pop("axis", args[0] if args else default_dim))
        for k in ("axisa", "axisb", "axisc"):
            if kwargs.pop(k, None) is not None:
                _fail(f"{name}: {k}= is not supported (use axis=)")
        _no_more(name, args[1:], kwargs)
        if a.nd == 0 or b.nd == 0:
            _shape_error(f"{name}: the operands need at least one dimension")
        if dim is None:  # torch.cross without dim: the first axis of size 3 (deprecated there)
            found = [i for i, (x, y) in enumerate(zip(a.shape, b.shape)) if x == 3 and y == 3]
            if a.nd != b.nd or not found:
                _shape_error(f"{name}: no dimension of size 3 in input")
            dim = found[0]
        axis_a, axis_b = _axes(a, dim)[0], _axes(b, dim)[0]  # negative: counted from the end
        if a.shape[axis_a] != 3 or b.shape[axis_b] != 3 or axis_a != axis_b:
            _shape_error(f"{name}: inputs dimension {dim} must have length 3. Got "
                         f"{a.shape[axis_a]} and {b.shape[axis_b]}")
        return _cross3(a, b, axis_a)
    return impl


def _vecdot(ctx, a, b, *args, **kwargs):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    dim = kwargs.pop("dim", kwargs.pop("axis", args[0] if args else -1))
    _no_more("vecdot", args[1:], kwargs)
    prod = a * b
    return ops.reduce("sum", prod, _axes(prod, dim), False)


def _multi_dot(ctx, tensors, **kwargs):
    _no_more("multi_dot", (), kwargs)
    if not isinstance(tensors, (list, tuple)) or len(tensors) < 2:
        _fail("multi_dot needs a list of at least two tensors")
    items = [to_tensor(ctx, t) for t in tensors]
    out = items[0]
    for t in items[1:]:
        out = ops.matmul(out, t)
    return out


register("dot", _torch_dot, ["out = dot(x, y)", "out = x.dot(y) * x"])
register("dot", _numpy_dot, ["out = np.dot(x, y)", "out = np.dot(M, N) + np.dot(s, M)",
                             "out = np.dot(reshape(M, (3, 1, 3)), N)",
                             "out = np.dot(N, reshape(M, (3, 3, 1)))[..., 0]"], library="numpy")
register("vdot", _torch_dot, ["out = vdot(x, y) * x"])
register("vdot", _numpy_vdot, ["out = np.vdot(M, N)"], library="numpy")
register("inner", _inner, ["out = inner(x, y)", "out = inner(M, N)", "out = np.inner(M, x)",
                           "out = inner(reshape(M, (3, 1, 3)), N) * s"])
register("linalg.vecdot", _vecdot, ["out = linalg.vecdot(M, N)", "out = linalg.vecdot(M, x, dim=0)"],
         method=False, aliases=["vecdot"])
register("linalg.multi_dot", _multi_dot, ["out = linalg.multi_dot([M, N, x])"], method=False)
register("tensordot", _tensordot, ["out = tensordot(M, N)", "out = tensordot(M, N, dims=1)",
                                   "out = np.tensordot(reshape(M, (3, 3, 1)) * x, N, axes=([0, 1], [1, 0]))",
                                   "out = tensordot(x, y, 0)"], method=False,
         aliases=["linalg.tensordot"])
register("einsum", _einsum, [
    "out = einsum('ij,jk->ik', M, N)", "out = einsum('ij,jk', M, N)", "out = einsum('ii->i', M)",
    "out = einsum('ii', M) * x", "out = np.einsum('i,i->', x, y)", "out = einsum('i,j->ij', x, y)",
    "out = torch.einsum('bij,bjk->bik', [reshape(M, (1, 3, 3)), reshape(N, (1, 3, 3))])",
    "out = einsum('...j,ij->...i', M, N)", "out = einsum('ij->ji', M) + einsum('ij,ij->j', M, N)",
    "out = einsum('i,ij,j', x, M, y)", "out = einsum('iij->j', reshape(M, (3, 1, 3)) * M)",
    "out = einsum('ij,kl->ikjl', M[:2], N[1:, :2])", "out = einsum('...,...', x, y)"], method=False)
register("kron", _kron, ["out = kron(M[:2, :2], N)", "out = np.kron(x, y)", "out = kron(x, M[:2])"])
register("cross", _cross("cross", None), ["out = cross(x, y)", "out = cross(M, N, dim=0)"])
register("cross", _cross("cross", -1), ["out = np.cross(M, x)", "out = np.cross(M, N, axis=0)"],
         library="numpy")
register("linalg.cross", _cross("linalg.cross", -1), ["out = linalg.cross(M, N)"], method=False)


# -- diagonals and traces -------------------------------------------------------------------

def _diag(ctx, x, diagonal=0):
    """diag(v, k): v on the k-th diagonal of a square matrix; diag(M, k): M's k-th diagonal."""
    x = to_tensor(ctx, x)
    k = _int(diagonal, "diag: diagonal")
    if x.nd == 1 and k:
        n, size = x.shape[0], x.shape[0] + abs(k)
        region = (slice(0, n), slice(k, k + n)) if k > 0 else (slice(-k, size), slice(0, n))
        return ops.index_put(_new(ctx, _eye_np(size, size) * 0), _diag(ctx, x), region)
    if x.nd == 2 and k:
        if k >= x.shape[1] or -k >= x.shape[0]:
            return _new(ctx, _eye_np(1, 0)[0])  # past the corner: an empty diagonal
        return _diag(ctx, ops.index(x, (slice(None), slice(k, None)) if k > 0 else (slice(-k, None),)))
    if x.nd == 1:
        n = x.shape[0]
        eye = _new(ctx, _eye_np(n, n))
        return ops.reshape(x, (n, 1)) * eye
    if x.nd == 2:
        k = min(x.shape)
        sq = ops.index(x, (slice(0, k), slice(0, k)))
        return ops.reduce("sum", sq * _new(ctx, _eye_np(k, k)), (-1,), False)
    _fail(f"diag expects a 1-D or 2-D tensor, got shape {x.shape}", "shape")


def _trace_last_two(x: Tensor, offset: int) -> Tensor:
    """The sum of the offset-th diagonal of the last two axes (a stack gives a stack)."""
    n, m = x.shape[-2], x.shape[-1]
    if offset >= m or -offset >= n:
        return ops.reduce("sum", x * 0.0, (-2, -1), False)
    band = la.band(n, m, x, low=offset, high=offset)
    return ops.reduce("sum", x * band, (-2, -1), False)


def _trace(ctx, x, offset=0, **kwargs):
    """torch.trace: of a matrix only, as PyTorch; offset= (NumPy's keyword) is accepted."""
    x = to_tensor(ctx, x)
    offset = _int(kwargs.pop("offset", offset), "trace: offset")
    _no_more("trace", (), kwargs)
    if x.nd != 2:
        _fail(f"trace: expected a matrix (2-D), but got a tensor of shape {x.shape}", "shape")
    return _trace_last_two(x, offset)


def _numpy_trace(ctx, x, offset=0, axis1=0, axis2=1, **kwargs):
    """np.trace: over axis1 and axis2 (the FIRST two by default); the others stay, in order."""
    x = to_tensor(ctx, x)
    _no_more("trace", (), kwargs)
    if x.nd < 2:
        _fail(f"trace: np.trace needs at least 2 dimensions, got shape {x.shape}", "shape")
    a1, a2 = x.nd + _axes(x, axis1)[0], x.nd + _axes(x, axis2)[0]
    if a1 == a2:
        _fail("trace: axis1 and axis2 cannot be the same", "shape")
    rest = [i for i in range(x.nd) if i not in (a1, a2)]
    moved = ops.permute(x, rest + [a1, a2]) if rest + [a1, a2] != list(range(x.nd)) else x
    return _trace_last_two(moved, _int(offset, "trace: offset"))


def _linalg_trace(ctx, x, offset=0, **kwargs):
    """np.linalg.trace (NumPy 2, the Array API's): over the LAST two axes."""
    x = input_as(ctx, x, kwargs)
    offset = _int(kwargs.pop("offset", offset), "trace: offset")
    _no_more("linalg.trace", (), kwargs)
    if x.nd < 2:
        _fail(f"linalg.trace needs at least 2 dimensions, got shape {x.shape}", "shape")
    return _trace_last_two(x, offset)


register("diag", _diag, ["out = diag(M) * x", "out = diag(x) @ y", "out = diag(x, 1)",
                         "out = diag(x, diagonal=-2)", "out = diag(M, 1) * M[0, 1:]",
                         "out = M.diag(-2) * x"])
register("trace", _trace, ["out = trace(M @ N)", "out = M.trace() * M", "out = trace(M, offset=1)"])
register("trace", _numpy_trace, ["out = np.trace(M, 1) * x", "out = np.trace(reshape(M, (3, 3, 1)) * x)",
                                 "out = np.trace(reshape(M, (1, 3, 3)) * N, axis1=1, axis2=2)"],
         library="numpy")
register("linalg.trace", _linalg_trace, ["out = np.linalg.trace(reshape(M, (1, 3, 3)) * N, offset=-1)"],
         method=False)


# -- convolution ---------------------------------------------------------------------------------

def _full_convolution(signal: Tensor, kernel: Tensor) -> Tensor:
    """The full n-D convolution: the signal padded with zeros, its windows stacked (one per kernel
    offset, along each axis), then contracted with the kernel. Indexing, stacking and one
    tensordot: exact, and differentiable in both operands to any order."""
    nd = signal.nd
    x = signal
    for axis in range(nd):
        k = kernel.shape[axis]
        if k > 1:
            zeros = _new_zeros(x, x.shape[:axis] + (k - 1,) + x.shape[axis + 1:])
            x = ops.cat([zeros, x, zeros], axis - nd)
    for axis in range(nd):
        k = kernel.shape[axis]
        pos = 2 * axis  # each axis before this one is now a pair (kernel offset, output position)
        length = signal.shape[axis] + k - 1
        windows = [ops.index(x, (slice(None),) * pos + (slice(k - 1 - c, k - 1 - c + length),))
                   for c in range(k)]
        check_size((k,) + windows[0].shape, "convolve")
        x = ops.stack(windows, pos - (x.nd + 1))  # (..., K_axis, L_axis, ...)
    return tensordot(kernel, x, list(range(nd)), [2 * i for i in range(nd)])


def _new_zeros(like: Tensor, shape) -> Tensor:
    from ...core import backend  # noqa: PLC0415
    return Tensor(backend.xp.zeros(tuple(shape), dtype=like.dtype))


def _centered(x: Tensor, shape) -> Tensor:
    idx = tuple(slice((n - m) // 2, (n - m) // 2 + m) for n, m in zip(x.shape, shape))
    return ops.index(x, idx)


def _convolve_modes(name, a: Tensor, v: Tensor, mode: str, same_as_first: bool) -> Tensor:
    if a.nd != v.nd:
        _shape_error(f"{name}: the operands must have the same number of dimensions, got shapes "
                     f"{a.shape} and {v.shape}")
    if a.size == 0 or v.size == 0:
        _shape_error(f"{name}: the operands cannot be empty")
    if mode not in ("full", "same", "valid"):
        _fail(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    bigger_a = all(p >= q for p, q in zip(a.shape, v.shape))
    bigger_v = all(q >= p for p, q in zip(a.shape, v.shape))
    if mode == "valid" and not (bigger_a or bigger_v):
        _shape_error(f"{name}: for mode 'valid' one operand must be at least as large as the other "
                     f"in every dimension, got shapes {a.shape} and {v.shape}")
    # The smaller operand is the kernel: fewer windows. Convolution is symmetric.
    signal, kernel = (a, v) if a.size >= v.size else (v, a)
    full = _full_convolution(signal, kernel)
    if mode == "full":
        return full
    if mode == "same":
        shape = a.shape if same_as_first else tuple(max(p, q) for p, q in zip(a.shape, v.shape))
        return _centered(full, shape)
    return _centered(full, tuple(max(p, q) - min(p, q) + 1 for p, q in zip(a.shape, v.shape)))


def _numpy_convolve(ctx, a, v, mode="full", **kwargs):
    """np.convolve: 1-D, modes full / same (the longer operand's length) / valid."""
    _no_more("convolve", (), kwargs)
    a, v = to_tensor(ctx, a), to_tensor(ctx, v)
    if a.nd > 1 or v.nd > 1:
        _shape_error(f"convolve: np.convolve takes 1-D operands, got shapes {a.shape} and {v.shape} "
                     "(scipy.signal.convolve does n-D)")
    a = ops.reshape(a, (a.size,)) if a.nd == 0 else a
    v = ops.reshape(v, (v.size,)) if v.nd == 0 else v
    return _convolve_modes("convolve", a, v, mode, same_as_first=False)


def _signal_convolve(ctx, in1, in2, mode="full", method="auto", **kwargs):
    """scipy.signal.convolve: n-D, modes full / same (in1's shape, centered) / valid."""
    _no_more("signal.convolve", (), kwargs)
    if method not in ("auto", "direct", "fft"):
        _fail(f"signal.convolve: method must be 'auto', 'direct' or 'fft', got {method!r}")
    return _convolve_modes("signal.convolve", to_tensor(ctx, in1), to_tensor(ctx, in2), mode,
                           same_as_first=True)


register("convolve", _numpy_convolve, ["out = np.convolve(x, y[:2])", "out = np.convolve(x[:2], y, 'same')",
                                       "out = np.convolve(M[0], x, mode='valid') * s",
                                       "out = np.convolve(cat([x, y]), M[1, :2], 'same')"],
         library="numpy")
register("signal.convolve", _signal_convolve,
         ["out = scipy.signal.convolve(M, N[:2, :2])", "out = scipy.signal.convolve(x[:2], y, 'same')",
          "out = scipy.signal.convolve(M, N[1:, :2], mode='valid')",
          "out = scipy.signal.convolve(M, N[:2], mode='same') * M"],
         library="scipy", aliases=["signal.fftconvolve", "signal.oaconvolve"])
