"""Sparse Hessians: the pattern from the graph, a symmetric (star) colouring, exact recovery.

1. pattern: the Hessian of a scalar f is a sum over the recorded nodes of each node's own
   second derivatives, carried to the inputs by the first-order dependencies:
       H = sum over nodes v of  (adjoint of v) * J_args(v)^T  d2 v / d args2  J_args(v).
   So H[i, j] can be nonzero only where some node reads, *nonlinearly together*, an element
   that depends on input i and an element that depends on input j. The walk of
   sparsity.dependencies gives each node's first-order pattern; each op kind says which of
   its input elements interact:
     - linear ops (add, sub, neg, moves, sums, means, and the piecewise linear relu, abs,
       maximum, minimum, where, clamp, amax, amin, whose derivative masks are constants):
       none;
     - mul: an element of one factor with the matching element of the other; div a / b:
       a with b and b with itself; any other elementwise op: all its operands' elements at
       the same position, with each other and themselves;
     - prod, norm, logsumexp, softmax, log_softmax: every element of a slice with every other;
     - matmul: A[..., i, k] with B[..., k, j] (grouped by k: all rows of column k of A with
       all columns of row k of B);
     - an op not listed: everything its inputs depend on, with everything (dense, but correct).
   The pattern is a superset of the true nonzeros, which is all recovery needs.
2. colouring: a star colouring of the pattern's adjacency graph (a proper colouring in which
   every path on four vertices has at least three colours). Then every nonzero H[i, j] is
   alone in its colour either in row i (read H S at row i, colour of j) or in row j (read at
   row j, colour of i): symmetric direct recovery, no arithmetic, hence exact. Vectorized
   tries come first: cyclic colourings (colour = index mod k, optimal for banded patterns),
   with hubs (an arrowhead's centre) given colours of their own; then the greedy star
   colouring of Gebremedhin, Manne and Pothen, when its cost (the sum of squared degrees) is
   affordable; else one colour per element (always valid, as costly as the dense Hessian).
3. the engine pushes one seed per colour through forward over reverse (H S) and reads each
   nonzero back.
Everything here is NumPy on integer arrays.
"""
from __future__ import annotations

import numpy as np

from ..errors import GradcliError
from ..limits import MAX_ELEMENTS
from .sparsity import MOVES, Pattern, _gather, _labels, dependencies, unique

# Ops whose second derivative is zero (as the engine computes it: masks are constants).
LINEAR = MOVES | {"add", "sub", "neg", "abs", "relu", "maximum", "minimum", "where", "clamp",
                  "sum", "mean", "amax", "amin", "sum_to", "detach"}
# Ops in which every element of a slice meets every other.
SLICEWISE = {"prod", "norm", "logsumexp", "softmax", "log_softmax"}


class TooDense(Exception):
    """The pattern holds more interactions than the caller's budget: a dense Hessian is cheaper."""


class _Interactions:
    """(input i, input j) pairs found so far, with a budget on how many may be made."""

    def __init__(self, n: int, budget: int, strict: bool):
        self.n, self.budget, self.strict = n, budget, strict
        self.count = 0
        self.rows: list = []
        self.cols: list = []

    def spend(self, count: int) -> None:
        self.count += count
        if self.count > self.budget:
            if self.strict:
                raise GradcliError(f"the Hessian's sparsity pattern would hold over {self.budget:,} "
                                   "entries: it is too dense for --sparse", kind="limit",
                                   hint="the dense Hessian (without --sparse) may fit")
            raise TooDense

    def add(self, rows, cols) -> None:
        if rows.size:
            self.rows.append(rows)
            self.cols.append(cols)

    def cross(self, pa: Pattern, ra, pb: Pattern, rb) -> None:
        """Every column of pa's row ra[t] with every column of pb's row rb[t], for each t."""
        la = pa.indptr[ra + 1] - pa.indptr[ra]
        lb = pb.indptr[rb + 1] - pb.indptr[rb]
        count = la * lb
        total = int(count.sum())
        if total == 0:
            return
        self.spend(total)
        term = np.repeat(np.arange(ra.size, dtype=np.int64), count)
        # position r inside a term's la x lb block: (r // lb, r % lb)
        r = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        width = lb[term]
        self.add(pa.indices[pa.indptr[ra[term]] + r // width],
                 pb.indices[pb.indptr[rb[term]] + r % width])


def _unique_pairs(a, b, size_b: int):
    """The distinct (a, b) pairs: a broadcast operand repeats them many times."""
    keys = unique(a * max(size_b, 1) + b)
    return keys // max(size_b, 1), keys % max(size_b, 1)


def _elementwise(found: _Interactions, t, parents, pairs) -> None:
    live = [k for k, p in enumerate(parents) if p is not None and p.nnz]
    name = t.op.name
    if name == "mul":
        combos = [(0, 1)]
    elif name == "div":
        combos = [(0, 1), (1, 1)]
    else:
        combos = [(k, l) for k in live for l in live if k <= l]
    for k, l in combos:
        if k not in live or l not in live:
            continue
        src_k, src_l = pairs[k][1], pairs[l][1]
        if t.size > parents[k].shape[0] or t.size > parents[l].shape[0]:
            src_k, src_l = _unique_pairs(src_k, src_l, parents[l].shape[0])
        found.cross(parents[k], src_k, parents[l], src_l)


def _groups(found: _Interactions, parent: Pattern, groups, elements) -> tuple[Pattern, np.ndarray]:
    """The pattern of each group: the union of what its elements depend on."""
    size = int(groups.max(initial=-1)) + 1
    r, c = _gather(parent, groups, elements, size)
    g = Pattern.from_pairs(r, c, (size, found.n))
    return g, np.arange(size, dtype=np.int64)


def _slicewise(found: _Interactions, t, parent: Pattern) -> None:
    x = t.inputs[0]
    p = t.params
    axes = p["axes"] if "axes" in p else (p["axis"],)
    kept = list(x.shape)
    for a in axes:
        kept[a] = 1
    groups = np.broadcast_to(_labels(tuple(kept)), x.shape).reshape(-1)
    g, rows = _groups(found, parent, groups, _labels(x.shape).reshape(-1))
    found.cross(g, rows, g, rows)


def _matmul(found: _Interactions, t, parents) -> None:
    pa, pb = parents
    if pa is None or pb is None or not pa.nnz or not pb.nnz:
        return  # one factor constant: linear in the other
    a, b = t.inputs
    nda, ndb = t.params["nda"], t.params["ndb"]
    a2 = _labels(a.shape) if nda > 1 else _labels(a.shape)[None, :]
    b2 = _labels(b.shape) if ndb > 1 else _labels(b.shape)[:, None]
    m, k, n = a2.shape[-2], a2.shape[-1], b2.shape[-1]
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    base = _labels(batch) * k
    group_a = np.broadcast_to(base[..., None, None] + np.arange(k), batch + (m, k)).reshape(-1)
    group_b = np.broadcast_to(base[..., None, None] + np.arange(k)[:, None], batch + (k, n)).reshape(-1)
    ga, rows = _groups(found, pa, group_a, np.broadcast_to(a2, batch + (m, k)).reshape(-1))
    gb, _ = _groups(found, pb, group_b, np.broadcast_to(b2, batch + (k, n)).reshape(-1))
    found.cross(ga, rows, gb, rows)


def _everything(found: _Interactions, parents) -> None:
    cols = unique(np.concatenate([p.indices for p in parents if p is not None]))
    found.spend(cols.size * cols.size)
    found.add(np.repeat(cols, cols.size), np.tile(cols, cols.size))


def pattern(output, inputs, *, budget: int = MAX_ELEMENTS, strict: bool = True) -> Pattern:
    """The symmetric pattern (n x n) of the Hessian of the scalar output, n = wrt elements.

    budget: how many (i, j) pairs the walk may make before it stops; strict: raise a limit
    error then (--sparse), else TooDense (a caller that can fall back on the dense Hessian).
    """
    n = sum(i.size for i in inputs)
    found = _Interactions(n, budget, strict)

    def visit(t, parents, pairs):
        name = t.op.name
        if name in LINEAR:
            return
        if t.op.elementwise and pairs is not None:
            _elementwise(found, t, parents, pairs)
        elif name in SLICEWISE and parents[0] is not None:
            _slicewise(found, t, parents[0])
        elif name == "matmul":
            _matmul(found, t, parents)
        else:
            _everything(found, parents)

    dependencies([output], inputs, visit)
    if not found.rows:
        return Pattern.from_pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), (n, n))
    rows, cols = np.concatenate(found.rows), np.concatenate(found.cols)
    return Pattern.from_pairs(np.concatenate([rows, cols]), np.concatenate([cols, rows]), (n, n))


# -- star colouring ---------------------------------------------------------------------------------

def readable(p: Pattern, colour: np.ndarray) -> np.ndarray:
    """For each entry (i, j): is j the only column of its colour in row i (read at row i)?"""
    width = int(colour.max(initial=0)) + 1
    keys = p.row_of_each() * width + colour[p.indices]
    if p.shape[0] * width <= max(4 * keys.size, 1 << 20):  # few (row, colour) pairs: count them all
        return np.bincount(keys, minlength=p.shape[0] * width)[keys] == 1
    ordered = np.sort(keys)
    # alone: nothing equal to it on either side in sorted order
    return (np.searchsorted(ordered, keys, "right") - np.searchsorted(ordered, keys, "left")) == 1


def _mirror(p: Pattern) -> np.ndarray:
    """For each entry (i, j) of a symmetric pattern, the position of (j, i).

    Entries are sorted by (row, column); sorted stably by column they come in (column, row)
    order, which for a symmetric pattern is the same sequence of keys: the k-th of them is
    the mirror of entry k.
    """
    mirror = np.empty(p.nnz, dtype=np.int64)
    mirror[np.argsort(p.indices, kind="stable")] = np.arange(p.nnz, dtype=np.int64)
    return mirror


def symmetric_valid(p: Pattern, colour: np.ndarray, mirror: np.ndarray | None = None) -> bool:
    """Every entry can be read directly from one of its two sides (the colouring is a star colouring
    of the pattern's graph, diagonal included)."""
    if p.nnz == 0:
        return True
    ok = readable(p, colour)
    return bool(np.all(ok | ok[_mirror(p) if mirror is None else mirror]))


def colour(p: Pattern) -> np.ndarray:
    """A colour per input element such that every nonzero can be recovered from H S.

    Cheap vectorized tries first: cyclic colourings (colour = index mod k: optimal for banded
    patterns), then the same with the few elements of high degree (hubs, like the centre of an
    arrowhead) given colours of their own. Then the greedy star colouring, when its work (which
    grows with the square of the degrees) is affordable; else one colour per element, which is
    always valid (and as costly as the dense Hessian).
    """
    n = p.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if p.nnz == 0:
        return np.zeros(n, dtype=np.int64)
    degree = np.diff(p.indptr)
    index = np.arange(n, dtype=np.int64)
    mirror = _mirror(p)
    hubs = degree > max(HUB_DEGREE, 4 * float(np.median(degree)))
    if hubs.any() and not hubs.all():  # a hub's row holds every colour of a cyclic colouring
        rest = np.cumsum(~hubs) - 1  # the others, numbered without the hubs
        for k in range(1, min(2 * int(degree[~hubs].max()) + 2, MAX_CYCLIC, n) + 1):
            mixed = np.where(hubs, k + np.cumsum(hubs) - 1, rest % k)
            if symmetric_valid(p, mixed, mirror):
                return mixed
    for k in range(1, min(2 * int(degree.max()) + 2, MAX_CYCLIC, n) + 1):
        cyclic = index % k
        if symmetric_valid(p, cyclic, mirror):
            return cyclic
    if int(np.sum(degree.astype(np.int64) ** 2)) <= GREEDY_WORK:
        return greedy_star(p)
    return index


# The cyclic colourings tried (each try is a sort of the pattern's entries).
MAX_CYCLIC = 32
# An element with more neighbours than this (and than 4x the median) is a hub.
HUB_DEGREE = 32
# The greedy colouring's inner loops, in Python: about the sum of the squared degrees.
GREEDY_WORK = 20_000_000


def greedy_star(p: Pattern) -> np.ndarray:
    """Greedy star colouring (Gebremedhin, Manne and Pothen 2005, the simple algorithm).

    Vertex v may not take: a neighbour's colour (proper); the colour of x two steps away through
    an uncoloured w (so that an uncoloured vertex never sees one colour twice among its
    neighbours); the colour of x two steps away through a coloured w when x already has another
    neighbour y of w's colour (v-w-x-y would be a path in two colours).
    """
    n = p.shape[0]
    adjacency = []
    for v in range(n):
        row = p.indices[p.indptr[v]:p.indptr[v + 1]].tolist()
        adjacency.append([w for w in row if w != v])
    colour = [-1] * n
    forbidden = [-1] * (n + 1)  # forbidden[c] == v: colour c is taken for v
    for v in range(n):
        for w in adjacency[v]:
            cw = colour[w]
            if cw >= 0:
                forbidden[cw] = v
            for x in adjacency[w]:
                cx = colour[x]
                if x == v or cx < 0:
                    continue
                if cw < 0:
                    forbidden[cx] = v
                    continue
                for y in adjacency[x]:
                    if y != w and colour[y] == cw:
                        forbidden[cx] = v
                        break
        c = 0
        while forbidden[c] == v:
            c += 1
        colour[v] = c
    return np.asarray(colour, dtype=np.int64)


def recovery(p: Pattern, colour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where to read each entry (i, j) in H S: (row, colour) = (i, colour[j]) or (j, colour[i])."""
    rows, cols = p.row_of_each(), p.indices
    if p.nnz == 0:
        return rows, cols
    ok = readable(p, colour)
    at_row = np.where(ok, rows, cols)
    at_colour = np.where(ok, colour[cols], colour[rows])
    if not bool(np.all(ok | ok[_mirror(p)])):  # a bug, never bad input: say so loudly
        raise AssertionError("the Hessian colouring is not symmetrically orthogonal")
    return at_row, at_colour
