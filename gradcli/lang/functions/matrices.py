"""torch.linalg, numpy.linalg and scipy.linalg: inverses, solves, determinants, decompositions,
matrix functions and the norms that need singular values.

Every function takes stacks of matrices (..., m, n) where its library does. Decompositions with
several results return them as a tuple (`L, V = linalg.eigh(A)`; `linalg.svd(A)[1]`).
Where the libraries differ, each spelling follows its own library (docs/functions-linalg.md).
"""
from __future__ import annotations

import math

from ...core import backend, ops
from ...core.ops import decompositions as dec
from ...core.ops import linalg as la
from ...core.tensor import PRIMITIVES, Tensor, apply, constant
from ...errors import GradcliError
from .base import Table, _fail, _int, _no_more, to_tensor

TABLE = Table()
register = TABLE.register


def _square(name: str, a: Tensor) -> None:
    if a.nd < 2:
        raise GradcliError(f"{name}: the input must have at least 2 dimensions, got shape {a.shape}",
                           kind="shape")
    if a.shape[-1] != a.shape[-2]:
        raise GradcliError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices", kind="shape")


def _matrices(name: str, a: Tensor) -> None:
    if a.nd < 2:
        raise GradcliError(f"{name}: the input must have at least 2 dimensions, got shape {a.shape}",
                           kind="shape")


def _one(name, check=_square):
    """A function of one matrix argument with no options (PyTorch's `out=` aside)."""
    def wrap(fn):
        def impl(ctx, a, **kwargs):
            _no_more(name, (), kwargs)
            a = to_tensor(ctx, a)
            check(name, a)
            return fn(a)
        return impl
    return wrap


# -- inverse, determinant --------------------------------------------------------------------

_inv = _one("linalg.inv")(la.inv)
_det = _one("linalg.det")(la.det)


def _sign(a: Tensor) -> Tensor:
    """The sign of det(A), -1, 0 or 1: a constant, as PyTorch's sign has no gradient."""
    xp = backend.xp
    return Tensor(xp.linalg.slogdet(a.data)[0], a.nd - 2)


@_one("linalg.slogdet")
def _slogdet(a):
    return _sign(a), la.logabsdet(a)


@_one("logdet")
def _logdet(a):
    """torch.logdet: log det(A); NaN where det < 0 (with no gradient there), -inf where 0."""
    sign = _sign(a)
    nan = constant(math.nan, sign)
    return apply(PRIMITIVES["where"], apply(PRIMITIVES["lt"], sign, constant(0.0, sign)), nan,
                 la.logabsdet(a))


register("linalg.inv", _inv, ["out = linalg.inv(M + 2 * eye(3))",
                              "out = np.linalg.inv(reshape(M, (1, 3, 3)) + eye(3) * s) @ x"],
         method=False, aliases=["linalg.inv_ex"])
register("inverse", _inv, ["out = inverse(M + 2 * eye(3)) * x", "out = (N - 2 * eye(3)).inverse()"])
register("linalg.det", _det, ["out = linalg.det(M)", "out = np.linalg.det(stack([M, N, M @ N]))",
                              "out = linalg.det(outer(x, y))", "out = linalg.det(stack([x, y, x - 2 * y]))"],
         method=False)
register("det", _det, ["out = det(M * s)", "out = M.det() * x"])
register("linalg.slogdet", _slogdet, ["out = linalg.slogdet(M)[1] * linalg.slogdet(M)[0]",
                                      "sign, out = np.linalg.slogdet(stack([M, N]))"], method=False)
register("slogdet", _slogdet, ["out = slogdet(M @ M.T + eye(3))[1]"])
register("logdet", _logdet, ["out = logdet(M @ M.T + eye(3))", "out = (N @ N.T + eye(3) * (s * s + 1)).logdet()"])


# -- solve -------------------------------------------------------------------------------------

def _solve_checked(name, a: Tensor, b: Tensor, vector: bool) -> Tensor:
    _square(name, a)
    rows = b.shape[-1] if vector else (b.shape[-2] if b.nd >= 2 else -1)
    if rows != a.shape[-1]:
        raise GradcliError(f"{name}: A is {a.shape} and B is {b.shape}: the sizes do not fit "
                           f"(A has {a.shape[-1]} rows)", kind="shape")
    if vector:
        return ops.reshape(la.solve(a, ops.reshape(b, b.shape + (1,))), _batch(a, b) + (a.shape[-1],))
    return la.solve(a, b)


def _batch(a: Tensor, b: Tensor) -> tuple:
    import numpy as np  # noqa: PLC0415 - shape arithmetic
    try:
        return tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-1]))
    except ValueError:
        raise GradcliError(f"linalg.solve: the batch shapes of {a.shape} and {b.shape} do not "
                           "broadcast", kind="shape") from None


def _torch_solve(ctx, a, b, *, left=True, **kwargs):
    """torch.linalg.solve: B is a batch of vectors when it is 1-D or has A's shape minus the last
    axis; otherwise a (stack of) matrices. left=False solves X A = B."""
    _no_more("linalg.solve", (), kwargs)
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if not left:
        return ops.mT(_torch_solve(ctx, ops.mT(a), ops.mT(b)))
    vector = b.nd == 1 or (b.nd == a.nd - 1 and b.shape == a.shape[:-1])
    return _solve_checked("linalg.solve", a, b, vector)


def _numpy_solve(ctx, a, b, **kwargs):
    """np.linalg.solve (NumPy 2): B is a vector only when 1-D; a stack of vectors must be given
    as b[..., None] (NumPy 1's guess by ndim is gone)."""
    _no_more("linalg.solve", (), kwargs)
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    if b.nd >= 2 and b.shape[-2] != a.shape[-1] and b.shape[-1] == a.shape[-1]:
        raise GradcliError(f"linalg.solve: B of shape {b.shape} is a stack of matrices in NumPy 2, "
                           f"and its rows do not fit A's {a.shape[-1]}", kind="shape",
                           hint="for a stack of vectors write b[..., None] and take [..., 0] of the "
                                "result (torch.linalg.solve takes the batch of vectors as it is)")
    return _solve_checked("linalg.solve", a, b, b.nd == 1)


def _scipy_solve(ctx, a, b, assume_a=None, lower=False, **kwargs):
    """scipy.linalg.solve(a, b): b a vector or a matrix of right-hand sides."""
    for k in ("overwrite_a", "overwrite_b", "check_finite", "transposed"):
        kwargs.pop(k, None)
    _no_more("linalg.solve", (), kwargs)
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    return _solve_checked("linalg.solve", a, b, b.nd == 1)


register("linalg.solve", _torch_solve, ["out = linalg.solve(M + 2 * eye(3), x)",
                                        "out = linalg.solve(M + 2 * eye(3), N)",
                                        "out = linalg.solve(stack([M, N]) + 3 * eye(3), stack([x, y]))",
                                        "out = linalg.solve(M + 2 * eye(3), N, left=False)"],
         method=False, aliases=["linalg.solve_ex"])
register("linalg.solve", _numpy_solve, ["out = np.linalg.solve(M + 2 * eye(3), x)",
                                        "out = np.linalg.solve(stack([M, N]) + 3 * eye(3), "
                                        "stack([x, y]).unsqueeze(-1))[..., 0]"], library="numpy")
register("linalg.solve", _scipy_solve, ["out = scipy.linalg.solve(M + 2 * eye(3), N)"],
         library="scipy")


# -- pseudo-inverse, matrix power, rank, condition number ---------------------------------------

def _torch_pinv(ctx, a, *args, atol=None, rtol=None, hermitian=False, rcond=None, **kwargs):
    """torch.linalg.pinv(A, atol=None, rtol=None): singular values under rtol * the largest are
    dropped (default max(m, n) * eps); torch.pinverse(A, rcond=1e-15)."""
    _no_more("linalg.pinv", args[1:] if args else (), kwargs)
    if args:
        rtol = args[0]
    if atol not in (None, 0, 0.0):
        _fail("linalg.pinv: atol= is not supported (use rtol=)")
    a = to_tensor(ctx, a)
    _matrices("linalg.pinv", a)
    return la.pinv(a, _tolerance(rcond if rcond is not None else rtol))


def _numpy_pinv(ctx, a, rcond=None, hermitian=False, rtol=None, **kwargs):
    """np.linalg.pinv(a, rcond=1e-15) (NumPy's default), or rtol=."""
    _no_more("linalg.pinv", (), kwargs)
    a = to_tensor(ctx, a)
    _matrices("linalg.pinv", a)
    tol = rtol if rtol is not None else (1e-15 if rcond is None else rcond)
    return la.pinv(a, _tolerance(tol))


def _tolerance(value):
    if value is None:
        return None
    if isinstance(value, Tensor) or not isinstance(value, (int, float)):
        _fail("pinv: the tolerance must be a number")
    return float(value)


def _pinverse(ctx, a, rcond=1e-15, **kwargs):
    return _torch_pinv(ctx, a, rcond=rcond, **kwargs)


register("linalg.pinv", _torch_pinv, ["out = linalg.pinv(M)", "out = linalg.pinv(M[:2]) @ y[:2]",
                                      "out = linalg.pinv(M[:, :2]) * s"], method=False)
register("linalg.pinv", _numpy_pinv, ["out = np.linalg.pinv(M[:2] * x)"], library="numpy")
register("pinverse", _pinverse, ["out = pinverse(M) * x", "out = M[:2].pinverse()"])


def _matrix_power(ctx, a, n, **kwargs):
    """A**n by repeated squaring; n = 0 gives the identity, n < 0 powers of the inverse."""
    _no_more("matrix_power", (), kwargs)
    a = to_tensor(ctx, a)
    _square("linalg.matrix_power", a)
    n = _int(n, "matrix_power: n")
    if n == 0:
        return ops.broadcast_to(la.eye(a.shape[-1], a), a.shape)
    base = la.inv(a) if n < 0 else a
    result = None
    k = abs(n)
    while k:
        if k & 1:
            result = base if result is None else ops.matmul(result, base)
        k >>= 1
        if k:
            base = ops.matmul(base, base)
    return result


register("linalg.matrix_power", _matrix_power, ["out = linalg.matrix_power(M, 3)",
                                                "out = np.linalg.matrix_power(M + 2 * eye(3), -2)",
                                                "out = linalg.matrix_power(M, 0) * x"],
         method=False)
register("matrix_power", _matrix_power, ["out = matrix_power(M, 2)", "out = M.matrix_power(5) * s"])


def _matrix_rank(ctx, a, *args, tol=None, atol=None, rtol=None, hermitian=False, **kwargs):
    """The number of singular values above the tolerance (default: the largest times
    max(m, n) * eps, NumPy's and PyTorch's): a count, with no gradient."""
    _no_more("matrix_rank", args[1:] if args else (), kwargs)
    a = to_tensor(ctx, a)
    if a.nd < 2:  # NumPy: a vector's rank is 1 unless it is all zeros
        a = ops.reshape(a, (1,) * (2 - a.nd) + a.shape)
    s = dec.svdvals(a)
    given = args[0] if args else (tol if tol is not None else atol)
    if given is not None:
        cutoff = to_tensor(ctx, given)
        if cutoff.nd:
            cutoff = la.unsqueeze(cutoff, -1)
    else:
        eps = float(backend.xp.finfo(a.dtype).eps)
        scale = (rtol if rtol is not None else max(a.shape[-2:]) * eps)
        cutoff = ops.reduce("amax", s, (-1,), True) * float(scale)
    above = apply(PRIMITIVES["gt"], s, cutoff)
    return ops.reduce("sum", apply(PRIMITIVES["detach"], above), (-1,), False)


register("linalg.matrix_rank", _matrix_rank, ["out = linalg.matrix_rank(M) * x",
                                              "out = np.linalg.matrix_rank(outer(x, y)) * s"],
         method=False)


def _cond(ctx, a, p=None, **kwargs):
    """The condition number: the ratio of the extreme singular values (p None or 2), or
    norm(A, p) * norm(inv(A), p)."""
    _no_more("linalg.cond", (), kwargs)
    a = to_tensor(ctx, a)
    _matrices("linalg.cond", a)
    if p in (None, 2, -2):
        s = dec.svdvals(a)
        hi, lo = ops.reduce("amax", s, (-1,), False), ops.reduce("amin", s, (-1,), False)
        return hi / lo if p != -2 else lo / hi
    from .reductions import _matrix_norm  # noqa: PLC0415 - the norm is the reductions family's
    _square("linalg.cond", a)
    return _matrix_norm(ctx, a, p) * _matrix_norm(ctx, la.inv(a), p)


register("linalg.cond", _cond, ["out = linalg.cond(M)", "out = np.linalg.cond(M, 'fro') * x",
                                "out = linalg.cond(M, -2)"], method=False)


# -- decompositions --------------------------------------------------------------------------

def _upper_flag(kwargs, default_upper: bool) -> bool:
    upper = kwargs.pop("upper", None)
    lower = kwargs.pop("lower", None)
    if upper is not None and lower is not None:
        _fail("cholesky: give upper= or lower=, not both")
    if upper is not None:
        return bool(upper)
    if lower is not None:
        return not bool(lower)
    return default_upper


def _cholesky_with(default_upper: bool, name: str, reads_upper: bool = False):
    """reads_upper: scipy.linalg.cholesky(lower=False) factors the upper triangle it reads;
    NumPy and PyTorch read the lower one."""
    def impl(ctx, a, *args, **kwargs):
        if args:  # torch.cholesky(A, True): the legacy positional upper
            kwargs["upper"] = args[0]
        for k in ("overwrite_a", "check_finite"):
            kwargs.pop(k, None)
        upper = _upper_flag(kwargs, default_upper)
        _no_more(name, (), kwargs)
        a = to_tensor(ctx, a)
        _square(name, a)
        if reads_upper and upper:
            return ops.mT(dec.cholesky(ops.mT(a)))
        low = dec.cholesky(a)
        return ops.mT(low) if upper else low
    return impl


_SPD = "M @ M.T + eye(3)"
register("linalg.cholesky", _cholesky_with(False, "linalg.cholesky"),
         [f"out = linalg.cholesky({_SPD})", f"out = np.linalg.cholesky({_SPD}, upper=True) * s",
          "out = linalg.cholesky(stack([M @ M.T, N @ N.T]) + eye(3))"],
         method=False, aliases=["linalg.cholesky_ex"])
register("linalg.cholesky", _cholesky_with(True, "linalg.cholesky", reads_upper=True),
         [f"out = scipy.linalg.cholesky({_SPD})", f"out = scipy.linalg.cholesky({_SPD}, lower=True)"],
         library="scipy")
register("cholesky", _cholesky_with(False, "cholesky"), [f"out = cholesky({_SPD}) @ x",
                                                        f"out = ({_SPD}).cholesky(upper=True)"])


def _uplo(kwargs, name):
    uplo = kwargs.pop("UPLO", "L")
    lower = kwargs.pop("lower", None)
    for k in ("eigvals_only", "overwrite_a", "check_finite", "driver", "subset_by_index",
              "subset_by_value", "type", "turbo", "eigvals", "overwrite_b", "b"):
        if kwargs.get(k) not in (None, False):
            _fail(f"{name}: {k}= is not supported")
        kwargs.pop(k, None)
    if lower is not None:
        uplo = "L" if lower else "U"
    if uplo not in ("L", "U"):
        _fail(f"{name}: UPLO must be 'L' or 'U', got {uplo!r}")
    return uplo


def _eigh(ctx, a, *args, **kwargs):
    """eigh(A, UPLO='L'): eigenvalues ascending, unit eigenvectors as columns (LAPACK's signs).
    Only one triangle is read; the gradient is symmetric, as PyTorch's."""
    if args:
        kwargs["UPLO"] = args[0]
    uplo = _uplo(kwargs, "linalg.eigh")
    _no_more("linalg.eigh", (), kwargs)
    a = to_tensor(ctx, a)
    _square("linalg.eigh", a)
    return dec.eig_parts(dec.eigh(a, uplo))


def _eigvalsh(ctx, a, *args, **kwargs):
    return _eigh(ctx, a, *args, **kwargs)[0]


def _eig(ctx, a, **kwargs):
    """eig(A) where the spectrum is real: real eigenvalues and unit eigenvectors (NumPy's order;
    PyTorch returns the same numbers as complex tensors). A complex spectrum is an error."""
    for k in ("left", "right", "overwrite_a", "check_finite", "homogeneous_eigvals", "b"):
        if k in ("right",) or kwargs.get(k) in (None, False):
            kwargs.pop(k, None)
    _no_more("linalg.eig", (), kwargs)
    a = to_tensor(ctx, a)
    _square("linalg.eig", a)
    return dec.eig_parts(dec.eig(a))


def _eigvals(ctx, a, **kwargs):
    return _eig(ctx, a, **kwargs)[0]


_SYM = "(M + M.T)"
_REAL_SPECTRUM = "(M + 2 * eye(3)) @ diag(y + tensor([0., 3., 6.])) @ inverse(M + 2 * eye(3))"
register("linalg.eigh", _eigh, [f"out = linalg.eigh({_SYM})[0] * x",
                                f"L, V = linalg.eigh({_SYM}); out = V * V * L",
                                f"L, V = np.linalg.eigh({_SYM}); out = V[:, 0:1] @ V[:, 0:1].T",
                                "L, V = linalg.eigh(stack([M @ M.T, N + N.T])); out = L + (V ** 2).sum(-1)",
                                f"L, V = linalg.eigh({_SYM}, UPLO='U'); out = (V @ diag(L ** 3) @ V.T)"],
         method=False)
register("linalg.eigh", _eigh, [f"w, v = scipy.linalg.eigh({_SYM}); out = w * (v ** 2)"],
         library="scipy")
register("linalg.eigvalsh", _eigvalsh, [f"out = linalg.eigvalsh({_SYM})",
                                        f"out = np.linalg.eigvalsh({_SYM}, UPLO='U')"], method=False)
register("linalg.eig", _eig, [f"out = linalg.eig({_REAL_SPECTRUM})[0]",
                              f"L, V = linalg.eig({_REAL_SPECTRUM}); out = V * V"], method=False)
register("linalg.eigvals", _eigvals, [f"out = linalg.eigvals({_REAL_SPECTRUM}) * s"], method=False)


def _svd_tuple(a: Tensor, full: bool):
    return dec.svd_parts(a, full)


def _linalg_svd(ctx, a, full_matrices=True, compute_uv=True, **kwargs):
    """torch.linalg.svd / np.linalg.svd / scipy.linalg.svd: U, S, Vh with A = U diag(S) Vh.
    full_matrices=True (every library's default) makes U m x m and Vh n x n: the extra columns are
    not unique, and their gradient is ignored, as in PyTorch."""
    for k in ("hermitian", "driver", "overwrite_a", "check_finite", "lapack_driver"):
        kwargs.pop(k, None)
    _no_more("linalg.svd", (), kwargs)
    a = to_tensor(ctx, a)
    _matrices("linalg.svd", a)
    if not compute_uv:
        return dec.svdvals(a)
    return _svd_tuple(a, bool(full_matrices))


def _torch_svd(ctx, a, some=True, compute_uv=True, **kwargs):
    """torch.svd (legacy): U, S, V -- V, not Vh -- and reduced unless some=False."""
    _no_more("svd", (), kwargs)
    a = to_tensor(ctx, a)
    _matrices("svd", a)
    u, s, vh = _svd_tuple(a, not some)
    return u, s, ops.mT(vh)


def _svdvals(ctx, a, **kwargs):
    kwargs.pop("driver", None)
    _no_more("linalg.svdvals", (), kwargs)
    a = to_tensor(ctx, a)
    _matrices("linalg.svdvals", a)
    return dec.svdvals(a)


register("linalg.svd", _linalg_svd,
         ["U, S, Vh = linalg.svd(M); out = S * (U[:, 0] * Vh[0])",
          "U, S, Vh = linalg.svd(M, full_matrices=False); out = U @ diag(S ** 2) @ U.T",
          "U, S, Vh = np.linalg.svd(M[:2]); out = (U ** 2) * S + S.sum() * (Vh[:2] ** 2).sum(0)[:2]",
          "U, S, Vh = linalg.svd(M[:, :2], full_matrices=False); out = U * U * S",
          "out = np.linalg.svd(stack([M, N]), compute_uv=False)",
          "U, S, Vh = linalg.svd(M[:2], full_matrices=False); out = Vh.T @ Vh * s"], method=False)
register("svd", _torch_svd, ["U, S, V = svd(M); out = S * V[0] * U[0]",
                             "U, S, V = M[:, :2].svd(); out = (U @ V.T) ** 2"])
register("linalg.svdvals", _svdvals, ["out = linalg.svdvals(M)", "out = linalg.svdvals(M[:2]) * s",
                                      "out = linalg.svdvals(stack([M, N, M[::-1]]))"],
         method=False)


def _qr_mode(mode, name):
    modes = {"reduced": "reduced", "complete": "complete", "r": "r", "full": "complete",
             "economic": "reduced"}
    if mode not in modes:
        _fail(f"{name}: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    return modes[mode]


def _qr_with(default_mode: str, name: str):
    def impl(ctx, a, *args, mode=None, **kwargs):
        for k in ("overwrite_a", "lwork", "pivoting", "check_finite"):
            if k == "pivoting" and kwargs.get(k):
                _fail(f"{name}: pivoting=True is not supported")
            kwargs.pop(k, None)
        some = kwargs.pop("some", None)
        _no_more(name, args[1:] if args else (), kwargs)
        if args and isinstance(args[0], bool):  # torch.qr(A, False): some=False
            some = args[0]
        elif args:
            mode = args[0]
        if some is not None:  # torch.qr(A, some=True) is the reduced mode
            mode = "reduced" if some else "complete"
        mode = _qr_mode(default_mode if mode is None else mode, name)
        a = to_tensor(ctx, a)
        _matrices(name, a)
        q, r = dec.unpack_qr(dec.qr(a, mode == "complete"), a.shape[-2], a.shape[-1],
                             mode == "complete")
        return r if mode == "r" else (q, r)
    return impl


register("linalg.qr", _qr_with("reduced", "linalg.qr"),
         ["Q, R = linalg.qr(M); out = Q * R", "Q, R = np.linalg.qr(M[:, :2]); out = Q @ R[:, :1]",
          "Q, R = linalg.qr(M[:2]); out = Q.sum() * R", "out = np.linalg.qr(M, mode='r') * s",
          "Q, R = linalg.qr(M[:2], mode='complete'); out = R * Q[0, 0]"], method=False)
register("linalg.qr", _qr_with("complete", "linalg.qr"),
         ["Q, R = scipy.linalg.qr(M[:2]); out = Q @ R", "out = scipy.linalg.qr(M, mode='economic')[1]"],
         library="scipy")
register("qr", _qr_with("reduced", "qr"), ["Q, R = qr(M); out = Q @ R[:, 0]", "Q, R = M[:, :2].qr(); out = R"])


# -- triangular solves and Cholesky solves (Gaussian-process code is written with them) -------------

def _triangle(a: Tensor, lower: bool, unit: bool) -> Tensor:
    """The triangle a solver reads (the other one is ignored), with 1s on the diagonal if unit."""
    tri = la.tril(a) if lower else la.triu(a)
    if unit:
        eye = la.eye(a.shape[-1], a)
        tri = tri * (1.0 - eye) + eye
    return tri


def _scipy_solve_triangular(ctx, a, b, trans=0, lower=False, unit_diagonal=False, **kwargs):
    """scipy.linalg.solve_triangular(a, b, trans=0, lower=False): b a vector or a matrix."""
    for k in ("overwrite_b", "check_finite", "debug"):
        kwargs.pop(k, None)
    _no_more("linalg.solve_triangular", (), kwargs)
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    _square("linalg.solve_triangular", a)
    tri = _triangle(a, bool(lower), bool(unit_diagonal))
    if trans in (1, "T", "C"):
        tri = ops.mT(tri)
    elif trans not in (0, "N"):
        _fail(f"linalg.solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    return _solve_checked("linalg.solve_triangular", tri, b, b.nd == 1)


def _torch_solve_triangular(ctx, a, b, *, upper=None, left=True, unitriangular=False, **kwargs):
    """torch.linalg.solve_triangular(A, B, *, upper, left=True): B a (stack of) matrices."""
    _no_more("linalg.solve_triangular", (), kwargs)
    if upper is None:
        _fail("linalg.solve_triangular needs upper=True or upper=False (PyTorch requires it)")
    a, b = to_tensor(ctx, a), to_tensor(ctx, b)
    _square("linalg.solve_triangular", a)
    tri = _triangle(a, not upper, bool(unitriangular))
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return ops.mT(_solve_checked("linalg.solve_triangular", ops.mT(tri), ops.mT(b), False))
    return _solve_checked("linalg.solve_triangular", tri, b, False)


def _cho_factor(ctx, a, lower=False, **kwargs):
    """scipy.linalg.cho_factor: (the Cholesky factor, lower). SciPy leaves whatever was in the
    other triangle; here it is zero (cho_solve reads one triangle either way)."""
    for k in ("overwrite_a", "check_finite"):
        kwargs.pop(k, None)
    _no_more("linalg.cho_factor", (), kwargs)
    factor = _cholesky_with(True, "linalg.cho_factor", reads_upper=True)(ctx, a, lower=bool(lower))
    return factor, int(bool(lower))  # 0/1: a program can bind it (c, low = cho_factor(A))


def _cho_solve(ctx, c_and_lower, b, **kwargs):
    """scipy.linalg.cho_solve((c, lower), b): A^-1 b with A = c c^T (lower) or c^T c (upper)."""
    for k in ("overwrite_b", "check_finite"):
        kwargs.pop(k, None)
    _no_more("linalg.cho_solve", (), kwargs)
    if not isinstance(c_and_lower, (tuple, list)) or len(c_and_lower) != 2:
        _fail("linalg.cho_solve takes (c, lower) as its first argument, as cho_factor returns it")
    c, lower = to_tensor(ctx, c_and_lower[0]), bool(c_and_lower[1])
    low = la.tril(c) if lower else ops.mT(la.triu(c))
    return _cholesky_solve_with(low, to_tensor(ctx, b), b_vector=to_tensor(ctx, b).nd == 1)


def _cholesky_solve_with(low: Tensor, b: Tensor, b_vector: bool) -> Tensor:
    y = _solve_checked("linalg.cho_solve", low, b, b_vector)
    return _solve_checked("linalg.cho_solve", ops.mT(low), y, b_vector)


def _torch_cholesky_solve(ctx, b, factor, upper=False, **kwargs):
    """torch.cholesky_solve(B, L, upper=False): A^-1 B with A = L L^T (B a matrix)."""
    _no_more("cholesky_solve", (), kwargs)
    factor, b = to_tensor(ctx, factor), to_tensor(ctx, b)
    low = ops.mT(la.triu(factor)) if upper else la.tril(factor)
    return _cholesky_solve_with(low, b, b_vector=False)


register("linalg.solve_triangular", _torch_solve_triangular,
         ["out = linalg.solve_triangular(M + 2 * eye(3), N, upper=True)",
          "out = linalg.solve_triangular(M + 2 * eye(3), N[:2], upper=False, left=False)",
          "out = linalg.solve_triangular(M, N, upper=False, unitriangular=True)"], method=False)
register("linalg.solve_triangular", _scipy_solve_triangular,
         ["out = scipy.linalg.solve_triangular(M + 2 * eye(3), x)",
          "out = scipy.linalg.solve_triangular(M + 2 * eye(3), N, trans='T', lower=True)"],
         library="scipy")
register("linalg.cho_factor", _cho_factor, [f"c, low = scipy.linalg.cho_factor({_SPD}); out = c * (low + 1)",
                                            f"c, low = scipy.linalg.cho_factor({_SPD}, lower=True); "
                                            "out = scipy.linalg.cho_solve((c, low), x)"],
         library="scipy")
register("linalg.cho_solve", _cho_solve,
         [f"out = scipy.linalg.cho_solve(scipy.linalg.cho_factor({_SPD}), x)",
          f"out = scipy.linalg.cho_solve((linalg.cholesky({_SPD}), True), N)"], library="scipy")
register("cholesky_solve", _torch_cholesky_solve,
         [f"out = torch.cholesky_solve(N, linalg.cholesky({_SPD}))",
          f"out = torch.cholesky_solve(N, linalg.cholesky({_SPD}, upper=True), upper=True)"])
