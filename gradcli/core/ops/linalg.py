"""The matrix product, with NumPy/PyTorch's rules for 1-D operands and batched stacks."""
from __future__ import annotations

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
