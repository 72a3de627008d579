"""Linear algebra primitives: the matrix product (NumPy/PyTorch's rules for 1-D operands and
batched stacks), inverse, solve, det, log|det|, pseudo-inverse, and the matrix helpers their
rules are written with (the decompositions are in decompositions.py).

Every rule uses Tensors and primitives only, so Hessians through them work. Where a derivative
is undefined (a singular matrix for log|det|), the rule follows PyTorch and says so on stderr.
"""
from __future__ import annotations

import numpy as np

from ...errors import GradcliError
from ..tensor import PRIMITIVES, Tensor, apply, check_size
from .shape import permute, reshape
from .table import defop


def matmul(a: Tensor, b: Tensor) -> Tensor:
    if a.nd == 0 or b.nd == 0:
        raise _shape_error("matmul: both arguments need at least one dimension, got "
                           f"shapes {a.shape} and {b.shape}")
    inner_b = b.shape[-2] if b.nd > 1 else b.shape[-1]
    if a.shape[-1] != inner_b:
        raise _shape_error(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                           f"({a.shape[-1]} != {inner_b})")
    rows = a.shape[-2] if a.nd > 1 else 1
    cols = b.shape[-1] if b.nd > 1 else 1
    check_size((rows, cols), "matmul")
    return apply(PRIMITIVES["matmul"], a, b, nda=a.nd, ndb=b.nd)


def _shape_error(message):
    return GradcliError(message, kind="shape")


def _insert_ones(xp, a, lead, count):
    return xp.reshape(a, tuple(a.shape[:lead]) + (1,) * count + tuple(a.shape[lead:]))


def _swap_last(xp, a):
    return xp.permute_dims(a, tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2))


def _one_product(xp, a, b):
    """a @ b, as ONE matrix product when a stack of matrices meets a single matrix.

    NumPy multiplies a stack item by item: a batch of B seeds through an n x n matrix
    would be B matrix-vector products, each reading the whole matrix. Laid side by side,
    the stack's rows make one (B*m, n) x (n, p) product that BLAS runs at full speed.
    """
    if a.ndim > 2 and b.ndim == 2:  # (..., m, n) @ (n, p): the rows of every item, together
        out = xp.matmul(xp.reshape(a, (-1, a.shape[-1])), b)
        return xp.reshape(out, tuple(a.shape[:-1]) + (b.shape[-1],))
    if a.ndim == 2 and b.ndim > 2:  # (m, n) @ (..., n, p): a @ b_i = (b_i^T a^T)^T
        rows = xp.reshape(_swap_last(xp, b), (-1, b.shape[-2]))  # (... * p, n)
        out = xp.matmul(rows, _swap_last(xp, a))  # (... * p, m)
        return _swap_last(xp, xp.reshape(out, tuple(b.shape[:-2]) + (b.shape[-1], a.shape[-2])))
    return xp.matmul(a, b)


def _matmul_forward(xp, a, b, *, nda, ndb):
    if nda == 1:
        a = xp.expand_dims(a, axis=-2)
    if ndb == 1:
        b = xp.expand_dims(b, axis=-1)
    na, nb = max(nda, 2), max(ndb, 2)
    lead_a, lead_b = a.ndim - na, b.ndim - nb
    if lead_a and na < nb:  # keep stacked matrix axes apart from lead axes
        a = _insert_ones(xp, a, lead_a, nb - na)
    if lead_b and nb < na:
        b = _insert_ones(xp, b, lead_b, na - nb)
    out = _one_product(xp, a, b)
    if ndb == 1:
        out = xp.squeeze(out, axis=-1)
    if nda == 1:
        out = xp.squeeze(out, axis=-1 if ndb == 1 else -2)
    return out


def mT(x: Tensor) -> Tensor:
    """Swap the last two axes."""
    perm = list(range(x.nd))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return permute(x, perm)


def _unsqueeze(x: Tensor, axis: int) -> Tensor:
    shape = list(x.shape)
    shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
    return reshape(x, tuple(shape))


def _matmul_vjp(g, ans, a, b, *, nda, ndb):
    if ndb == 1:
        g = _unsqueeze(g, -1)
    if nda == 1:
        g = _unsqueeze(g, -2)
    ga = gb = None
    if a.requires_grad:  # reads b only (a's data may not be kept: saves)
        b2 = b if ndb > 1 else _unsqueeze(b, -1)
        ga = matmul(g, mT(b2))
        ga = reshape(ga, ga.shape[:-2] + a.shape[-1:]) if nda == 1 else ga
    if b.requires_grad:
        a2 = a if nda > 1 else _unsqueeze(a, -2)
        gb = matmul(mT(a2), g)
        gb = reshape(gb, gb.shape[:-1]) if ndb == 1 else gb
    return ga, gb


def _matmul_jvp(dots, ans, a, b, *, nda, ndb):
    terms = []
    if dots[0] is not None:
        terms.append(matmul(dots[0], b))
    if dots[1] is not None:
        terms.append(matmul(a, dots[1]))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


defop("matmul", _matmul_forward, vjp=_matmul_vjp, jvp=_matmul_jvp, backward_name="MmBackward0",
      saves=("b for a", "a for b"))


# ------------------------------------------------------------------------------------------
# Matrix helpers on Tensors: rules below are written with them, so that they differentiate again.
# ------------------------------------------------------------------------------------------

def unsqueeze(x: Tensor, axis: int) -> Tensor:
    return _unsqueeze(x, axis)


def eye(n: int, like: Tensor, m: int | None = None) -> Tensor:
    """The identity (n x m) as a constant of like's dtype, on like's device."""
    from .. import backend  # noqa: PLC0415 - the namespace of the moment
    return Tensor(backend.xp.eye(n, n if m is None else m, dtype=like.dtype))


def band(n: int, m: int, like: Tensor, *, low: int | None = None, high: int | None = None) -> Tensor:
    """A 0/1 constant (n x m) that keeps the diagonals k with low <= k <= high (k = col - row):
    tril is high=0, triu low=0, the strictly lower part high=-1."""
    from .. import backend  # noqa: PLC0415
    xp = backend.xp
    k = xp.reshape(xp.arange(m), (1, m)) - xp.reshape(xp.arange(n), (n, 1))
    keep = xp.ones((n, m), dtype=xp.bool)
    if low is not None:
        keep = keep & (k >= low)
    if high is not None:
        keep = keep & (k <= high)
    return Tensor(xp.astype(keep, like.dtype))


def tril(x: Tensor, k: int = 0) -> Tensor:
    return x * band(x.shape[-2], x.shape[-1], x, high=k)


def triu(x: Tensor, k: int = 0) -> Tensor:
    return x * band(x.shape[-2], x.shape[-1], x, low=k)


def diag_embed(v: Tensor) -> Tensor:
    """(..., n) -> (..., n, n) with v on the diagonal."""
    n = v.shape[-1]
    return _unsqueeze(v, -2) * eye(n, v)


def diagonal(x: Tensor) -> Tensor:
    """(..., n, n) -> (..., n): the main diagonal, by a mask (exact, and linear)."""
    from .reduce import reduce  # noqa: PLC0415 - reduce imports shape, as this module does
    n = x.shape[-1]
    return reduce("sum", x * eye(n, x), (-1,), False)


def sym(x: Tensor) -> Tensor:
    return x + mT(x)


def skew(x: Tensor) -> Tensor:
    return x - mT(x)


def any_true(array) -> bool:
    """Whether any element of a device array is true: one explicit copy of one boolean."""
    from .. import backend  # noqa: PLC0415
    return bool(backend.to_numpy(backend.xp.any(array)))


def note(message: str) -> None:
    """Say on stderr, once per computation, that a derivative is undefined where it ran."""
    from .. import backend  # noqa: PLC0415
    backend.watch.note(message)


def _lead_aligned(xp, a, b, nda: int, ndb: int):
    """Two stacks of matrices with lead axes kept apart from their own batch axes."""
    lead_a, lead_b = a.ndim - nda, b.ndim - ndb
    if lead_a and nda < ndb:
        a = _insert_ones(xp, a, lead_a, ndb - nda)
    if lead_b and ndb < nda:
        b = _insert_ones(xp, b, lead_b, nda - ndb)
    return a, b


def _linalg_error(name: str, exc: Exception, what: str) -> GradcliError:
    return GradcliError(f"{name}: {what}", kind="value",
                        hint=f"the library said: {exc}" if str(exc) else None)


# ------------------------------------------------------------------------------------------
# inv, solve, det, slogdet, pinv
# ------------------------------------------------------------------------------------------

def inv(a: Tensor) -> Tensor:
    return apply(PRIMITIVES["inv"], a)


def solve(a: Tensor, b: Tensor) -> Tensor:
    """A^{-1} B for a (..., n, n) and b (..., n, k), batch axes broadcast."""
    return apply(PRIMITIVES["solve"], a, b, nda=a.nd, ndb=b.nd)


def det(a: Tensor) -> Tensor:
    return apply(PRIMITIVES["det"], a)


def logabsdet(a: Tensor) -> Tensor:
    return apply(PRIMITIVES["logabsdet"], a)


def pinv(a: Tensor, rtol: float | None = None) -> Tensor:
    return apply(PRIMITIVES["pinv"], a, rtol=rtol)


def _inv_forward(xp, a):
    try:
        return xp.linalg.inv(a)
    except ValueError as exc:  # numpy.linalg.LinAlgError: exactly singular
        raise _linalg_error("linalg.inv", exc, "the matrix is singular, so it has no inverse "
                            "(PyTorch raises too); pinv gives the pseudo-inverse") from None


defop("inv", _inv_forward,
      vjp=lambda g, ans, a: (-matmul(matmul(mT(ans), g), mT(ans)),),
      jvp=lambda dots, ans, a: -matmul(matmul(ans, dots[0]), ans),
      backward_name="LinalgInvExBackward0", saves=("ans",), doc="d(A^-1) = -A^-1 dA A^-1")


def _solve_forward(xp, a, b, *, nda, ndb):
    a, b = _lead_aligned(xp, a, b, nda, ndb)
    batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    a = xp.broadcast_to(a, batch + tuple(a.shape[-2:]))
    b = xp.broadcast_to(b, batch + tuple(b.shape[-2:]))
    try:
        return xp.linalg.solve(a, b)
    except ValueError as exc:
        raise _linalg_error("linalg.solve", exc, "the matrix is singular, so the system has no "
                            "unique solution (PyTorch raises too); lstsq-like answers need pinv(A) @ b"
                            ) from None


def _solve_vjp(g, ans, a, b, *, nda, ndb):
    gb = solve(mT(a), g)
    ga = -matmul(gb, mT(ans)) if a.requires_grad else None
    return ga, gb if b.requires_grad else None


def _solve_jvp(dots, ans, a, b, *, nda, ndb):
    da, db = dots
    rhs = db if da is None else (-matmul(da, ans) if db is None else db - matmul(da, ans))
    return solve(a, rhs)


defop("solve", _solve_forward, vjp=_solve_vjp, jvp=_solve_jvp,
      backward_name="LinalgSolveExBackward0", saves=("a", "ans"), doc="X = A^-1 B; gB = A^-T g, gA = -gB X^T")


def _cofactor(a: Tensor, ans: Tensor) -> Tensor:
    """d det(A) / dA: det(A) A^-T, or, where A is singular, the same cofactor matrix from the SVD
    (A = U S Vh: det(U) det(Vh) U diag(prod of the other s) Vh), as PyTorch computes it there."""
    from .. import backend  # noqa: PLC0415
    xp = backend.xp
    eps = float(xp.finfo(a.dtype).eps)
    if not any_true(xp.abs(ans.data) < 100 * eps):
        return unsqueeze(unsqueeze(ans, -1), -1) * mT(inv(a))
    from .decompositions import svd_parts  # noqa: PLC0415 - decompositions import this module
    from .reduce import _prod_others  # noqa: PLC0415
    u, s, vh = svd_parts(a, full=False)
    signs = Tensor(xp.linalg.det(u.data) * xp.linalg.det(vh.data), u.nd - 2)  # +-1: no gradient
    others = _prod_others(None, s, (-1,), True)
    return unsqueeze(unsqueeze(signs, -1), -1) * matmul(u * unsqueeze(others, -2), vh)


defop("det", lambda xp, a: xp.linalg.det(a),
      vjp=lambda g, ans, a: (unsqueeze(unsqueeze(g, -1), -1) * _cofactor(a, ans),),
      jvp=lambda dots, ans, a: _sum_last_two(_cofactor(a, ans) * dots[0]),
      backward_name="LinalgDetBackward0", saves=("a", "ans"), doc="d det(A) = <cofactor(A), dA>")


def _sum_last_two(x: Tensor) -> Tensor:
    from .reduce import reduce  # noqa: PLC0415
    return reduce("sum", x, (-2, -1), False)


def _inverse_transpose_or_nan(a: Tensor, ans: Tensor, name: str) -> Tensor:
    """A^-T, the gradient of log|det A|; at a singular matrix NaN (undefined), with a warning."""
    from .. import backend  # noqa: PLC0415
    xp = backend.xp
    if any_true(~xp.isfinite(ans.data)):
        note(f"{name}: the matrix is singular, so log|det| is -inf and its derivative is "
             "undefined (NaN here; PyTorch gives inf or NaN)")
        return Tensor(xp.full(a.data.shape, xp.nan, dtype=a.dtype), a.nd)
    return mT(inv(a))


defop("logabsdet", lambda xp, a: xp.linalg.slogdet(a)[1],
      vjp=lambda g, ans, a: (unsqueeze(unsqueeze(g, -1), -1)
                             * _inverse_transpose_or_nan(a, ans, "slogdet"),),
      jvp=lambda dots, ans, a: _sum_last_two(_inverse_transpose_or_nan(a, ans, "slogdet") * dots[0]),
      backward_name="LinalgSlogdetBackward0", saves=("a", "ans"), doc="d log|det A| = <A^-T, dA>")


def _pinv_forward(xp, a, *, rtol):
    """The pseudo-inverse from the SVD, singular values below rtol * the largest dropped.
    rtol None: max(m, n) * eps, PyTorch's and the Array API's default."""
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    if rtol is None:
        rtol = max(a.shape[-2], a.shape[-1]) * float(xp.finfo(s.dtype).eps)
    cutoff = rtol * xp.max(s, axis=-1, keepdims=True)
    keep = s > cutoff
    s_inv = xp.where(keep, 1 / xp.where(keep, s, xp.ones_like(s)), xp.zeros_like(s))
    return xp.matmul(_swap_last(xp, vh) * xp.expand_dims(s_inv, axis=-2), _swap_last(xp, u))


def _pinv_vjp(g, ans, a, *, rtol):
    # P = A+: gA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)   (Golub & Pereyra)
    p, pt, gt = ans, mT(ans), mT(g)
    m, n = a.shape[-2], a.shape[-1]
    left = eye(m, a) - matmul(a, p)
    right = eye(n, a) - matmul(p, a)
    return (-matmul(matmul(pt, g), pt) + matmul(matmul(left, gt), matmul(p, pt))
            + matmul(matmul(pt, p), matmul(gt, right)),)


def _pinv_jvp(dots, ans, a, *, rtol):
    p, da = ans, dots[0]
    m, n = a.shape[-2], a.shape[-1]
    dat = mT(da)
    return (-matmul(matmul(p, da), p)
            + matmul(matmul(p, mT(p)), matmul(dat, eye(m, a) - matmul(a, p)))
            + matmul(eye(n, a) - matmul(p, a), matmul(dat, matmul(mT(p), p))))


defop("pinv", _pinv_forward, vjp=_pinv_vjp, jvp=_pinv_jvp, backward_name="LinalgPinvBackward0",
      saves=("a", "ans"), doc="the Moore-Penrose pseudo-inverse; differentiable where the rank does not change")
