"""Matrix decompositions: cholesky, eigh, eig (real spectra), svd, svdvals, qr.

A decomposition with several results (eigh's values and vectors, svd's U, S, Vh) is ONE
primitive whose output packs them side by side; `*_parts` cut the pack into the results.
The gradient of the pack is then the gradients of all results at once, as PyTorch's
backward of a multi-output function receives them.

The rules are PyTorch's (torch/csrc/autograd/FunctionsManual.cpp, real case), written with
Tensors so that they differentiate again. Where a derivative is undefined -- repeated
eigenvalues or singular values under a gradient of the vectors, the extra columns of a full
SVD -- the result follows PyTorch (inf or NaN, or ignored) and a warning says so on stderr.

Conventions, which are LAPACK's and so NumPy's and PyTorch's: eigenvalues of eigh ascend;
eigenvectors and singular vectors are unit columns whose signs are whatever LAPACK returns
(a function of them that depends on the sign has no derivative worth the name); eigh and
cholesky read the lower triangle, and their gradients are symmetric, as PyTorch's are.
"""
from __future__ import annotations

from ...errors import GradcliError
from ..tensor import PRIMITIVES, Tensor, apply
from .elementwise import where
from .linalg import (
    _swap_last,
    any_true,
    band,
    diag_embed,
    diagonal,
    eye,
    inv,
    matmul,
    mT,
    note,
    skew,
    solve,
    sym,
    tril,
    triu,
    unsqueeze,
)
from .shape import cat, index, reshape
from .table import defop


def _host_error(name, exc, what):
    return GradcliError(f"{name}: {what}", kind="value",
                        hint=f"the library said: {exc}" if str(exc) else None)


def _unused(parts) -> Tensor | None:
    """1 per seed (lead index) where every cotangent part is entirely zero: PyTorch's "undefined
    gradient" of an output nothing reads, whose rule then never divides. None: none given."""
    if not parts:
        return None
    xp = _xp()
    nd = parts[0].nd
    zero = None
    for p in parts:
        axes = tuple(range(-p.nd, 0))
        z = xp.all(p.data == 0, axis=axes, keepdims=True) if axes else p.data == 0
        zero = z if zero is None else zero & z
    return Tensor(xp.astype(zero, parts[0].dtype), nd)


def _divide_off_diagonal(x: Tensor, e: Tensor, what: str, parts=()) -> Tensor:
    """x / e off the diagonal, 0 on it (e holds eigenvalue or singular value gaps, 1 on the
    diagonal). A zero gap (a repeated value) is where the vectors are not unique: as in PyTorch the
    quotient is then inf or NaN -- unless the vectors' cotangent `parts` are all zero, which
    PyTorch calls undefined and skips -- and a warning says so."""
    n = e.shape[-1]
    off = band(n, n, e, high=-1) + band(n, n, e, low=1)
    if not any_true((e.data == 0) & (off.data != 0)):
        return x / e * off
    unused = _unused(parts)
    if unused is not None and not any_true(unused.data == 0):
        return x * 0.0  # nothing reads the vectors: nothing to divide
    note(f"{what} is undefined (inf/NaN, as in PyTorch)")
    quotient = x / e * off
    return quotient if unused is None else where(unused, Tensor(_xp().zeros((), dtype=x.dtype)), quotient)


# ------------------------------------------------------------------------------------------
# cholesky: A = L L^T, L lower triangular
# ------------------------------------------------------------------------------------------

def cholesky(a: Tensor) -> Tensor:
    return apply(PRIMITIVES["cholesky"], a)


def _cholesky_forward(xp, a):
    try:
        return xp.linalg.cholesky(a)
    except ValueError as exc:  # numpy.linalg.LinAlgError
        raise _host_error("linalg.cholesky", exc, "the matrix is not positive-definite, so the "
                          "factorization could not be completed (PyTorch raises too)") from None


def _phi(x: Tensor) -> Tensor:
    """The lower triangle with the diagonal halved."""
    n = x.shape[-1]
    return x * (band(n, n, x, high=-1) + eye(n, x) * 0.5)


def _cholesky_vjp(g, ans, a):
    # Murray (2016): gA = L^-T Phi L^-1 with Phi = 1/2 (T + strictly_lower(T)^T), T = tril(L^T g)
    l_inv = inv(ans)
    t = tril(matmul(mT(ans), g))
    phi = (t + mT(tril(t, -1))) * 0.5
    return (matmul(matmul(mT(l_inv), phi), l_inv),)


def _cholesky_jvp(dots, ans, a):
    # dL = L Phi(L^-1 dA L^-T), with dA made symmetric: the reverse rule's gradient is symmetric
    l_inv = inv(ans)
    da = sym(dots[0]) * 0.5
    return matmul(ans, _phi(matmul(matmul(l_inv, da), mT(l_inv))))


defop("cholesky", _cholesky_forward, vjp=_cholesky_vjp, jvp=_cholesky_jvp, saves=("ans",),
      backward_name="LinalgCholeskyExBackward0", doc="A = L L^T (the lower triangle is read)")


# ------------------------------------------------------------------------------------------
# eigh and eig: packed as (..., n + 1, n): row 0 the eigenvalues, rows 1.. the eigenvectors
# ------------------------------------------------------------------------------------------

def eigh(a: Tensor, uplo: str = "L") -> Tensor:
    """uplo: the triangle LAPACK reads ('L' or 'U'); the gradient is symmetric either way."""
    return apply(PRIMITIVES["eigh"], a, uplo=uplo)


def _eigh_forward(xp, a, *, uplo):
    if getattr(xp, "__name__", "") in ("numpy", "cupy"):  # LAPACK's own choice of signs for that triangle
        return _pack_eig(xp, *xp.linalg.eigh(a, UPLO=uplo))
    # The Array API reads the lower triangle; the upper one is the lower triangle of A^T.
    return _pack_eig(xp, *xp.linalg.eigh(a if uplo == "L" else _swap_last(xp, a)))


def eig(a: Tensor) -> Tensor:
    return apply(PRIMITIVES["eig"], a)


def eig_parts(packed: Tensor) -> tuple[Tensor, Tensor]:
    """(eigenvalues (..., n), eigenvectors (..., n, n), as columns) of an eigh or eig pack."""
    return index(packed, (Ellipsis, 0, slice(None))), index(packed, (Ellipsis, slice(1, None), slice(None)))


def _pack_eig(xp, w, v):
    return xp.concat([xp.expand_dims(w, axis=-2), v], axis=-2)


def _gaps(w: Tensor) -> Tensor:
    """E_ij = w_j - w_i, and 1 on the diagonal."""
    return unsqueeze(w, -2) - unsqueeze(w, -1) + eye(w.shape[-1], w)


def _eigh_vjp(g, ans, a, *, uplo):
    w, v = eig_parts(ans)
    gw, gv = eig_parts(g)
    vt_gv = matmul(mT(v), gv)
    inner = _divide_off_diagonal(skew(vt_gv) * 0.5, _gaps(w),
                                 "eigh: eigenvalues repeat, so the eigenvectors are not unique and "
                                 "their gradient", [gv])
    return (matmul(matmul(v, inner + diag_embed(gw)), mT(v)),)


def _eigh_jvp(dots, ans, a, *, uplo):
    w, v = eig_parts(ans)
    dp = matmul(matmul(mT(v), sym(dots[0]) * 0.5), v)  # dA made symmetric, as the reverse rule's
    dw = diagonal(dp)
    dv = matmul(v, _divide_off_diagonal(dp, _gaps(w), "eigh: eigenvalues repeat, so the "
                                        "eigenvectors are not unique and their tangent"))
    return cat([unsqueeze(dw, -2), dv], -2)


defop("eigh", _eigh_forward, vjp=_eigh_vjp, jvp=_eigh_jvp, saves=("ans",),
      backward_name="LinalgEighBackward0",
      doc="eigenvalues (ascending) and unit eigenvectors of a symmetric matrix")


def _eig_forward(xp, a):
    """NumPy's eig (the Array API has none), on the host; a real spectrum only."""
    import numpy as np  # noqa: PLC0415
    from .. import backend  # noqa: PLC0415
    host = backend.to_numpy(a)
    try:
        w, v = np.linalg.eig(host)
    except ValueError as exc:
        raise _host_error("linalg.eig", exc, "the eigenvalues could not be computed") from None
    if np.iscomplexobj(w):
        if np.any(w.imag != 0):
            example = w[w.imag != 0].reshape(-1)[0]
            raise GradcliError(f"linalg.eig: the matrix has complex eigenvalues (such as "
                               f"{example.real:.6g}{example.imag:+.6g}j); gradcli computes with real "
                               "numbers only", kind="value",
                               hint="eigh (a symmetric matrix) or svd have real results")
        w, v = w.real, v.real
    if xp is np:
        return _pack_eig(np, w.astype(host.dtype), v.astype(host.dtype))
    return _pack_eig(xp, backend.from_numpy(w, a.dtype), backend.from_numpy(v, a.dtype))


def _eig_vjp(g, ans, a):
    # gA = V^-T (diag(gL) + (V^T gV - V^T V diag(V^T gV)) / E) V^T   (unit eigenvectors)
    w, v = eig_parts(ans)
    gw, gv = eig_parts(g)
    vt_gv = matmul(mT(v), gv)
    vt_gv = vt_gv - matmul(mT(v), v * unsqueeze(diagonal(vt_gv), -2))
    inner = _divide_off_diagonal(vt_gv, _gaps(w), "eig: eigenvalues repeat, so the eigenvectors "
                                 "are not unique and their gradient", [gv])
    return (solve(mT(v), matmul(inner + diag_embed(gw), mT(v))),)


def _eig_jvp(dots, ans, a):
    w, v = eig_parts(ans)
    dp = solve(v, matmul(dots[0], v))
    dw = diagonal(dp)
    dx = matmul(v, _divide_off_diagonal(dp, _gaps(w), "eig: eigenvalues repeat, so the "
                                        "eigenvectors are not unique and their tangent"))
    dv = dx - v * unsqueeze(diagonal(matmul(mT(v), dx)), -2)
    return cat([unsqueeze(dw, -2), dv], -2)


defop("eig", _eig_forward, vjp=_eig_vjp, jvp=_eig_jvp, saves=("ans",), backward_name="LinalgEigBackward0",
      doc="eigenvalues and unit eigenvectors of a matrix whose spectrum is real")


# ------------------------------------------------------------------------------------------
# svd: packed flat along the last axis: U (m x ku), S (k), Vh (kv x n)
# ------------------------------------------------------------------------------------------

def _svd_sizes(m: int, n: int, full: bool) -> tuple[int, int, int]:
    k = min(m, n)
    return (m if full else k), k, (n if full else k)


def svd(a: Tensor, full: bool = False) -> Tensor:
    return apply(PRIMITIVES["svd"], a, full=bool(full))


def unpack_svd(packed: Tensor, m: int, n: int, full: bool) -> tuple[Tensor, Tensor, Tensor]:
    ku, k, kv = _svd_sizes(m, n, full)
    lead = packed.shape[:-1]
    u = reshape(index(packed, (Ellipsis, slice(0, m * ku))), lead + (m, ku))
    s = index(packed, (Ellipsis, slice(m * ku, m * ku + k)))
    vh = reshape(index(packed, (Ellipsis, slice(m * ku + k, None))), lead + (kv, n))
    return u, s, vh


def svd_parts(a: Tensor, full: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """U, S, Vh of a (..., m, n), recorded, so that they differentiate."""
    return unpack_svd(svd(a, full), a.shape[-2], a.shape[-1], full)


def _svd_forward(xp, a, *, full):
    u, s, vh = xp.linalg.svd(a, full_matrices=full)
    lead = tuple(a.shape[:-2])
    return xp.concat([xp.reshape(u, lead + (-1,)), s, xp.reshape(vh, lead + (-1,))], axis=-1)


def _narrow(u, vh, k):
    return index(u, (Ellipsis, slice(None), slice(0, k))), index(vh, (Ellipsis, slice(0, k), slice(None)))


def _svd_vjp(g, ans, a, *, full):
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    u, s, vh = unpack_svd(ans, m, n, full)
    gu, gs, gvh = unpack_svd(g, m, n, full)
    if full and m != n:
        # The extra columns are any basis of a complement: PyTorch ignores their gradient.
        extra = gu.data[..., k:] if m > n else gvh.data[..., k:, :]
        if any_true(extra != 0):
            note("svd: the extra columns of a full_matrices=True SVD are not unique; their "
                 "gradient is ignored, as in PyTorch (use full_matrices=False)")
        u, vh = _narrow(u, vh, k)
        gu, gvh = _narrow(gu, gvh, k)
    e = _gaps(s * s)  # E_jk = s_k^2 - s_j^2
    uhgu = skew(matmul(mT(u), gu))
    vhgv = skew(matmul(vh, mT(gvh)))
    inner = _divide_off_diagonal(uhgu * unsqueeze(s, -2) + unsqueeze(s, -1) * vhgv, e,
                                 "svd: singular values repeat, so the singular vectors are not "
                                 "unique and their gradient", [gu, gvh]) + diag_embed(gs)
    if m > n:
        gu_sinv = _over(gu, unsqueeze(s, -2), "svd", [gu])
        ga = matmul(u, inner) + gu_sinv - matmul(u, matmul(mT(u), gu_sinv))
        return (matmul(ga, vh),)
    if m < n:
        sinv_gvh = _over(gvh, unsqueeze(s, -1), "svd", [gvh])
        ga = matmul(inner, vh) + sinv_gvh - matmul(matmul(sinv_gvh, mT(vh)), vh)
        return (matmul(u, ga),)
    return (matmul(matmul(u, inner), vh),)


def _over(x: Tensor, s: Tensor, name: str, parts=()) -> Tensor:
    """x / s, where a zero singular value (a rank-deficient rectangular matrix) leaves the singular
    vectors' derivative undefined: inf/NaN there as in PyTorch, unless nothing reads them."""
    if not any_true(s.data == 0):
        return x / s
    unused = _unused(parts)
    if unused is not None and not any_true(unused.data == 0):
        return x * 0.0
    note(f"{name}: the matrix is rank-deficient, so its singular vectors are not unique and "
         "their derivative is undefined (inf/NaN, as in PyTorch)")
    quotient = x / s
    return quotient if unused is None else where(unused, Tensor(_xp().zeros((), dtype=x.dtype)), quotient)


def _xp():
    from .. import backend  # noqa: PLC0415
    return backend.xp


def _svd_jvp(dots, ans, a, *, full):
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    u, s, vh = unpack_svd(ans, m, n, full)
    if full and m != n:
        u, vh = _narrow(u, vh, k)
    da = dots[0]
    v = mT(vh)
    dp = matmul(matmul(mT(u), da), v)
    ds = diagonal(dp)
    dx = dp - diag_embed(ds)
    e = _gaps(s * s)
    what = "svd: singular values repeat, so the singular vectors are not unique and their tangent"
    du = matmul(u, _divide_off_diagonal(sym(dx * unsqueeze(s, -2)), e, what))
    dvh = matmul(_divide_off_diagonal(sym(dx * unsqueeze(-s, -1)), e, what), vh)
    if m > n:
        da_v_sinv = _over(matmul(da, v), unsqueeze(s, -2), "svd")
        du = du + da_v_sinv - matmul(u, matmul(mT(u), da_v_sinv))
    if m < n:
        uh_da_sinv = _over(matmul(mT(u), da), unsqueeze(s, -1), "svd")
        dvh = dvh + uh_da_sinv - matmul(matmul(uh_da_sinv, v), vh)
    if full and m > n:  # the extra columns' tangent is zero, as PyTorch gives it
        du = cat([du, _zeros(du.shape[:-1] + (m - k,), du)], -1)
    if full and m < n:
        dvh = cat([dvh, _zeros(dvh.shape[:-2] + (n - k, n), dvh)], -2)
    batch = a.shape[:-2]
    return cat([reshape(du, batch + (du.shape[-2] * du.shape[-1],)), ds,
                reshape(dvh, batch + (dvh.shape[-2] * dvh.shape[-1],))], -1)


def _zeros(shape, like: Tensor) -> Tensor:
    return Tensor(_xp().zeros(tuple(shape), dtype=like.dtype))


defop("svd", _svd_forward, vjp=_svd_vjp, jvp=_svd_jvp, saves=("ans",), backward_name="LinalgSvdBackward0",
      doc="A = U diag(S) Vh; singular values descending")


# -- svdvals: the singular values alone, whose gradient U diag(g) Vh is defined everywhere ------

def svdvals(a: Tensor) -> Tensor:
    return apply(PRIMITIVES["svdvals"], a)


def _svdvals_vjp(g, ans, a):
    u, _, vh = svd_parts(a)
    return (matmul(u * unsqueeze(g, -2), vh),)


def _svdvals_jvp(dots, ans, a):
    u, _, vh = svd_parts(a)
    return diagonal(matmul(matmul(mT(u), dots[0]), mT(vh)))


defop("svdvals", lambda xp, a: xp.linalg.svdvals(a), vjp=_svdvals_vjp, jvp=_svdvals_jvp, saves=("a",),
      backward_name="LinalgSvdBackward0", doc="the singular values, descending")


# ------------------------------------------------------------------------------------------
# qr: packed flat along the last axis: Q (m x kq), R (kq x n); reduced (kq = min(m, n)) or
# complete (kq = m)
# ------------------------------------------------------------------------------------------

def qr(a: Tensor, complete: bool = False) -> Tensor:
    return apply(PRIMITIVES["qr"], a, complete=bool(complete))


def unpack_qr(packed: Tensor, m: int, n: int, complete: bool) -> tuple[Tensor, Tensor]:
    kq = m if complete else min(m, n)
    batch = packed.shape[:-1]
    q = reshape(index(packed, (Ellipsis, slice(0, m * kq))), batch + (m, kq))
    r = reshape(index(packed, (Ellipsis, slice(m * kq, None))), batch + (kq, n))
    return q, r


def _qr_forward(xp, a, *, complete):
    q, r = xp.linalg.qr(a, mode="complete" if complete else "reduced")
    lead = tuple(a.shape[:-2])
    return xp.concat([xp.reshape(q, lead + (-1,)), xp.reshape(r, lead + (-1,))], axis=-1)


def _qr_differentiable(m, n, complete):
    if complete and m > n:
        raise GradcliError("qr: the QR decomposition is not differentiable with mode='complete' "
                           "and more rows than columns (PyTorch raises too): the extra columns of Q "
                           "are not unique", kind="value", hint="use mode='reduced'")


def _right_solve(x: Tensor, r: Tensor) -> Tensor:
    """x R^-1 for a square upper-triangular R."""
    return mT(solve(mT(r), mT(x)))


def _qr_vjp(g, ans, a, *, complete):
    m, n = a.shape[-2], a.shape[-1]
    _qr_differentiable(m, n, complete)
    q, r = unpack_qr(ans, m, n, complete)
    gq, gr = unpack_qr(g, m, n, complete)
    ga = matmul(gr, mT(r)) - matmul(mT(q), gq)
    if m >= n:
        t = triu(ga)
        ga = matmul(q, t + mT(triu(t, 1))) + gq
        return (mT(solve(r, mT(ga))),)  # ga R^-T
    r1 = index(r, (Ellipsis, slice(None), slice(0, m)))
    ga = matmul(q, tril(mT(ga) - ga))
    ga = mT(solve(r1, mT(ga)))
    ga = cat([ga, _zeros(ga.shape[:-1] + (n - m,), ga)], -1)
    return (ga + matmul(q, gr),)


def _qr_jvp(dots, ans, a, *, complete):
    m, n = a.shape[-2], a.shape[-1]
    _qr_differentiable(m, n, complete)
    q, r = unpack_qr(ans, m, n, complete)
    da = dots[0]
    if m >= n:
        da_rinv = _right_solve(da, r)
        x = sym(matmul(mT(q), da_rinv))
        dr = x * (band(n, n, x, low=1) + eye(n, x) * 0.5)  # triu with the diagonal halved
        dq = da_rinv - matmul(q, dr)
        dr = matmul(dr, r)
    else:
        qt_da = matmul(mT(q), da)
        r1 = index(r, (Ellipsis, slice(None), slice(0, m)))
        x = tril(_right_solve(index(qt_da, (Ellipsis, slice(None), slice(0, m))), r1), -1)
        dq = x - mT(x)
        dr = qt_da - matmul(dq, r)
        dq = matmul(q, dq)
    batch = a.shape[:-2]
    return cat([reshape(dq, batch + (dq.shape[-2] * dq.shape[-1],)),
                reshape(dr, batch + (dr.shape[-2] * dr.shape[-1],))], -1)


defop("qr", _qr_forward, vjp=_qr_vjp, jvp=_qr_jvp, saves=("ans",), backward_name="LinalgQrBackward0",
      doc="A = Q R, Q with orthonormal columns, R upper triangular (LAPACK's signs)")


def singular_value_norm(x: Tensor, p, rows: int, cols: int, keepdims: bool) -> Tensor:
    """The matrix norms of the singular values over the (negative) axes rows, cols: 'nuc' their
    sum, 2 the largest, -2 the smallest; the other axes are a stack."""
    from .reduce import reduce  # noqa: PLC0415
    from .shape import permute  # noqa: PLC0415
    nd = x.nd
    rest = [i for i in range(nd) if i - nd not in (rows, cols)]
    perm = rest + [nd + rows, nd + cols]
    moved = x if perm == list(range(nd)) else permute(x, perm)
    s = svdvals(moved)
    out = reduce({"nuc": "sum", 2: "amax", -2: "amin"}[p], s, (-1,), False)
    if keepdims:
        out = reshape(out, tuple(1 if i - nd in (rows, cols) else d for i, d in enumerate(x.shape)))
    return out
