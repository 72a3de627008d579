"""Linear algebra: products, diagonals, traces."""
from __future__ import annotations

from ...core import ops
from .base import Table, _eye_np, _fail, _int, _new, to_tensor

TABLE = Table()
register = TABLE.register


def _matmul(ctx, a, b):
    return ops.matmul(to_tensor(ctx, a), to_tensor(ctx, b))


def _mm(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd != 2 or b.nd != 2:
        _fail(f"mm needs two matrices, got shapes {a.shape} and {b.shape}", "shape")
    return ops.matmul(a, b)


def _dot(ctx, a, b):
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if a.nd == 0 or b.nd == 0:
        return a * b
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
                             "out = M @ N", "out = matmul(reshape(M, (1, 3, 3)), N)"])
register("mm", _mm, ["out = mm(M, N)"])
register("dot", _dot, ["out = dot(x, y)"], aliases=["inner", "vdot"])
register("outer", _outer, ["out = outer(x, y)"], aliases=["ger"])


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




def _trace(ctx, x):
    x = to_tensor(ctx, x)
    if x.nd != 2:
        _fail(f"trace expects a matrix, got shape {x.shape}", "shape")
    return ops.reduce("sum", _diag(ctx, x), (-1,), False)


register("diag", _diag, ["out = diag(M) * x", "out = diag(x) @ y", "out = diag(x, 1)",
                         "out = diag(x, diagonal=-2)", "out = diag(M, 1) * M[0, 1:]",
                         "out = M.diag(-2) * x"])
register("trace", _trace, ["out = trace(M @ N)"])
