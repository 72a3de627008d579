"""Contractions as composites of primitives: tensordot and einsum.

Both come down to permute, reshape, multiply by a 0/1 mask, sum and matmul, which have
rules of their own: nothing here needs a derivative, and every order of derivative works.
A pairwise contraction is one matrix product (batch, rows, inner) x (batch, inner, cols), so
BLAS does the work; labels are summed out as early as nothing else needs them.
"""
from __future__ import annotations

import math

from ...errors import GradcliError
from ..tensor import Tensor, check_size
from .linalg import eye, matmul
from .reduce import reduce
from .shape import broadcast_to, permute, reshape


def _fail(message: str) -> GradcliError:
    return GradcliError(message, kind="shape")


def _permuted(x: Tensor, perm) -> Tensor:
    perm = tuple(perm)
    return x if perm == tuple(range(len(perm))) else permute(x, perm)


def tensordot(a: Tensor, b: Tensor, axes_a, axes_b) -> Tensor:
    """Sum over axes_a of a and axes_b of b (non-negative logical axes, paired in order);
    the result's axes are a's others, then b's others (NumPy's and PyTorch's tensordot)."""
    axes_a, axes_b = list(axes_a), list(axes_b)
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] != b.shape[j]:
            raise _fail(f"tensordot: axis {i} of shape {a.shape} and axis {j} of shape {b.shape} "
                        f"differ in size ({a.shape[i]} != {b.shape[j]})")
    free_a = [i for i in range(a.nd) if i not in axes_a]
    free_b = [j for j in range(b.nd) if j not in axes_b]
    rows = [a.shape[i] for i in free_a]
    cols = [b.shape[j] for j in free_b]
    inner = math.prod(a.shape[i] for i in axes_a)
    check_size(rows + cols, "tensordot")
    left = reshape(_permuted(a, free_a + axes_a), (math.prod(rows), inner))
    right = reshape(_permuted(b, axes_b + free_b), (inner, math.prod(cols)))
    return reshape(matmul(left, right), tuple(rows + cols))


# -- einsum ----------------------------------------------------------------------------------

def _terms(subscripts: str, operands) -> tuple[list[list], list | None]:
    """Per operand its labels (letters, and ('...', k) for broadcast axes), and the output's
    labels (None when implicit)."""
    text = subscripts.replace(" ", "")
    if text.count("->") > 1:
        raise _fail(f"einsum: {subscripts!r} has more than one '->'")
    lhs, arrow, rhs = text.partition("->")
    parts = lhs.split(",")
    if len(parts) != len(operands):
        raise _fail(f"einsum: {subscripts!r} names {len(parts)} operand(s), but {len(operands)} "
                    "were given")
    raw = []
    for part, x in zip(parts, operands):
        letters = _letters(part, subscripts)
        dots = part.count("...")
        if dots > 1 or (dots == 0 and "." in part) or (dots == 1 and part.count(".") != 3):
            raise _fail(f"einsum: {subscripts!r}: '...' may appear once per operand, and '.' only in it")
        named = len(letters) - (1 if dots else 0)
        if (dots and x.nd < named) or (not dots and x.nd != named):
            raise _fail(f"einsum: the subscripts {part!r} do not fit an operand of shape {x.shape}")
        raw.append((letters, x.nd - named if dots else 0))
    width = max((e for _, e in raw), default=0)
    labels = []
    for letters, extra in raw:
        out = []
        for letter in letters:
            if letter == "...":
                out.extend(("...", k) for k in range(width - extra, width))
            else:
                out.append(letter)
        labels.append(out)
    if not arrow:
        return labels, None
    output = []
    for letter in _letters(rhs, subscripts):
        if letter == "...":
            output.extend(("...", k) for k in range(width))
        else:
            output.append(letter)
    return labels, output


def _letters(part: str, subscripts: str) -> list:
    out, i = [], 0
    while i < len(part):
        if part.startswith("...", i):
            out.append("...")
            i += 3
            continue
        c = part[i]
        if not (c.isascii() and c.isalpha()):
            raise _fail(f"einsum: {subscripts!r}: subscripts are letters a-z, A-Z (and '...'), "
                        f"not {c!r}")
        out.append(c)
        i += 1
    return out


def _implicit_output(labels) -> list:
    """Broadcast axes first, then the letters used exactly once, in alphabetical order."""
    count: dict = {}
    for term in labels:
        for label in term:
            count[label] = count.get(label, 0) + 1
    dots = sorted({lb for lb in count if isinstance(lb, tuple)}, key=lambda lb: lb[1])
    return dots + sorted(lb for lb, c in count.items() if c == 1 and isinstance(lb, str))


def _sizes(labels, operands) -> dict:
    sizes: dict = {}
    for term, x in zip(labels, operands):
        for label, n in zip(term, x.shape):
            old = sizes.get(label, 1)
            if old != n and 1 not in (old, n):
                name = "..." if isinstance(label, tuple) else repr(label)
                raise _fail(f"einsum: the subscript {name} has sizes {old} and {n}, which do not "
                            "broadcast")
            sizes[label] = max(old, n)
    return sizes


def _diagonal(x: Tensor, term: list) -> tuple[Tensor, list]:
    """Repeated labels in one operand ('ii->i'): keep the diagonal, by a mask and a sum."""
    term = list(term)
    while True:
        seen: dict = {}
        pair = None
        for pos, label in enumerate(term):
            if label in seen:
                pair = seen[label], pos
                break
            seen[label] = pos
        if pair is None:
            return x, term
        p, q = pair
        if x.shape[p] != x.shape[q]:
            raise _fail(f"einsum: the repeated subscript {term[p]!r} has sizes {x.shape[p]} and "
                        f"{x.shape[q]}")
        n = x.shape[p]
        shape = [1] * x.nd
        shape[p] = shape[q] = n
        x = reduce("sum", x * reshape(eye(n, x), tuple(shape)), (q - x.nd,), False)
        del term[q]


def _sum_out(x: Tensor, term: list, keep) -> tuple[Tensor, list]:
    gone = [i for i, label in enumerate(term) if label not in keep]
    if not gone:
        return x, term
    return reduce("sum", x, tuple(i - x.nd for i in gone), False), [lb for lb in term if lb in keep]


def _contract(a: Tensor, la: list, b: Tensor, lb: list, needed: set) -> tuple[Tensor, list]:
    shared = [label for label in la if label in lb]
    batch = [label for label in shared if label in needed]
    inner = [label for label in shared if label not in needed]
    only_a = [label for label in la if label not in shared]
    only_b = [label for label in lb if label not in shared]
    size = dict(zip(la, a.shape)) | dict(zip(lb, b.shape))
    prod = math.prod
    check_size([size[lbl] for lbl in batch + only_a + only_b], "einsum")
    left = _permuted(a, [la.index(lbl) for lbl in batch + only_a + inner])
    right = _permuted(b, [lb.index(lbl) for lbl in batch + inner + only_b])
    nb, ni = prod(size[lbl] for lbl in batch), prod(size[lbl] for lbl in inner)
    na, nc = prod(size[lbl] for lbl in only_a), prod(size[lbl] for lbl in only_b)
    if batch:
        out = matmul(reshape(left, (nb, na, ni)), reshape(right, (nb, ni, nc)))
    else:
        out = matmul(reshape(left, (na, ni)), reshape(right, (ni, nc)))
    labels = batch + only_a + only_b
    return reshape(out, tuple(size[lbl] for lbl in labels)), labels


def einsum(subscripts: str, operands: list[Tensor]) -> Tensor:
    """NumPy's and PyTorch's einsum: explicit ('ij,jk->ik') or implicit ('ij,jk') output,
    '...' for broadcast axes, repeated subscripts for diagonals ('ii->i') and traces ('ii')."""
    if not operands:
        raise _fail("einsum needs at least one operand")
    labels, output = _terms(subscripts, operands)
    if output is None:
        output = _implicit_output(labels)
    known = {lb for term in labels for lb in term}
    for label in output:
        if label not in known:
            raise _fail(f"einsum: {subscripts!r}: the output subscript {label!r} is not among the "
                        "operands'")
    if len(set(output)) != len(output):
        raise _fail(f"einsum: {subscripts!r}: an output subscript repeats")
    sizes = _sizes(labels, operands)
    terms = []
    for x, term in zip(operands, labels):
        x, term = _diagonal(x, term)
        want = tuple(sizes[lb] for lb in term)
        if x.shape != want:
            x = broadcast_to(x, want)
        terms.append((x, term))
    x, term = terms[0]
    for i in range(1, len(terms)):
        needed = set(output) | {lb for _, t in terms[i + 1:] for lb in t}
        y, ty = terms[i]
        x, term = _sum_out(x, term, needed | set(ty))
        y, ty = _sum_out(y, ty, needed | set(term))
        x, term = _contract(x, term, y, ty, needed)
    x, term = _sum_out(x, term, set(output))
    return _permuted(x, [term.index(lb) for lb in output])
