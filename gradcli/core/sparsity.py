"""Sparse Jacobians: the pattern from the graph, a colouring, compressed seeds, decompression.

1. pattern: walk the recorded nodes in creation order and give each one a
   boolean "depends on" matrix, (its elements) x (all wrt input elements), in
   CSR form (indptr, indices). Each op kind says which input elements each of
   its output elements reads -- a list of (out element, in element) pairs --
   and the node's pattern is those pairs composed with the inputs' patterns:
     - elementwise ops: the element at the same (broadcast) position;
     - moves (reshape, permute, broadcast_to, index, scatter, index_put, cat,
       stack): found by running the op's own forward on arrays of labels, so
       every indexing rule the op knows is followed exactly;
     - reductions: every element of the reduced slice; softmax: the whole slice;
     - matmul: a row of one operand and a column of the other;
     - any op not listed: every element depends on everything its inputs
       depend on (dense, but still correct).
   A pattern is a superset of the true nonzeros, which is all decompression needs.
2. colouring: two columns may share a seed when no row holds both (they are
   "structurally orthogonal"); the same for rows in reverse mode. A cheap
   vectorized try (colour = index mod k, which is optimal for diagonal, banded
   and block patterns) comes first, greedy colouring of the column intersection
   graph second.
3. the engine pushes one seed per colour (all of them together, in chunks) and
   each nonzero J[i, j] is read back from the compressed product.
Everything here is NumPy on integer arrays: no SciPy needed.
"""
from __future__ import annotations

import numpy as np

from ..errors import GradcliError
from ..limits import MAX_ELEMENTS
from .tensor import graph

# Ops whose output elements each copy at most one input element.
MOVES = {"reshape", "broadcast_to", "permute", "index", "scatter", "index_put", "cat", "stack", "take"}
REDUCTIONS = {"sum", "mean", "prod", "amax", "amin", "norm", "logsumexp"}


class Pattern:
    """A boolean sparse matrix in CSR form: row r holds columns indices[indptr[r]:indptr[r+1]]."""

    __slots__ = ("indices", "indptr", "shape")

    def __init__(self, indptr, indices, shape):
        self.indptr = indptr
        self.indices = indices
        self.shape = shape

    @property
    def nnz(self) -> int:
        return int(self.indices.size)

    @classmethod
    def from_pairs(cls, rows, cols, shape) -> "Pattern":
        """Sorted and deduplicated (row, col) pairs."""
        m, n = shape
        if rows.size > MAX_ELEMENTS:
            raise GradcliError(f"the Jacobian's sparsity pattern would hold {rows.size:,} entries, "
                               f"over the limit of {MAX_ELEMENTS:,}", kind="limit")
        keys = rows.astype(np.int64) * max(n, 1) + cols
        if keys.size > 1 and not bool(np.all(keys[1:] > keys[:-1])):  # already sorted: common
            keys = unique(keys)
        rows, cols = np.divmod(keys, max(n, 1))
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=m), out=indptr[1:])
        return cls(indptr, cols, shape)

    def row_of_each(self):
        """The row of every stored entry (COO rows)."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))

    def transpose(self) -> "Pattern":
        return Pattern.from_pairs(self.indices, self.row_of_each(), self.shape[::-1])

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=bool)
        out[self.row_of_each(), self.indices] = True
        return out


def unique(keys: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array.

    A sort and one comparison: NumPy 2.4's np.unique hashes first and takes 30-70 times as long.
    """
    keys = np.sort(keys)
    if keys.size < 2:
        return keys
    keep = np.empty(keys.size, dtype=bool)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def _gather(pattern: Pattern, out_rows, in_rows, m: int):
    """(out row, column) pairs: each out_row receives all columns of pattern row in_row."""
    starts = pattern.indptr[in_rows]
    lengths = pattern.indptr[in_rows + 1] - starts
    total = int(lengths.sum())
    if total > MAX_ELEMENTS:
        raise GradcliError(f"the Jacobian's sparsity pattern would hold over {MAX_ELEMENTS:,} "
                           "entries", kind="limit")
    rows = np.repeat(out_rows, lengths)
    # positions start..start+length for each pair, laid end to end
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    cols = pattern.indices[np.arange(total, dtype=np.int64) + offsets]
    return rows, cols


def _labels(shape) -> np.ndarray:
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)


# -- which input elements each output element reads, per op kind ----------------------------------

def _elementwise_pairs(t, k):
    src = _labels(t.inputs[k].shape)
    return _labels(t.shape).reshape(-1), np.broadcast_to(src, t.shape).reshape(-1)


def _move_pairs(t):
    """Run the op's forward on labels (1 + offset + element; 0 = written from nowhere)."""
    arrays, offsets, start = [], [], 0
    for inp in t.inputs:
        offsets.append(start)
        arrays.append((_labels(inp.shape) + (1 + start)).astype(np.float64))
        start += inp.size
    moved = np.asarray(t.op.forward(np, *arrays, **t.params)).reshape(-1).astype(np.int64)
    out = np.arange(moved.size, dtype=np.int64)
    found = moved > 0
    out, src = out[found], moved[found] - 1
    which = np.searchsorted(np.asarray(offsets), src, side="right") - 1
    return [(out[which == k], src[which == k] - offsets[k]) for k in range(len(t.inputs))]


def _reduction_pairs(t, axes, keepdims):
    x = t.inputs[0]
    kept = list(x.shape)
    for a in axes:
        kept[a] = 1
    target = _labels(tuple(kept))
    return np.broadcast_to(target, x.shape).reshape(-1), _labels(x.shape).reshape(-1)


def _sum_to_pairs(t):
    x = t.inputs[0]
    target = _labels(t.shape)
    return np.broadcast_to(target, x.shape).reshape(-1), _labels(x.shape).reshape(-1)


def _softmax_pairs(t, axis):
    groups = np.moveaxis(_labels(t.shape), axis, -1)
    groups = groups.reshape(-1, groups.shape[-1])
    length = groups.shape[1]
    out = np.broadcast_to(groups[:, :, None], groups.shape + (length,))
    src = np.broadcast_to(groups[:, None, :], groups.shape + (length,))
    return out.reshape(-1), src.reshape(-1)


def _matmul_pairs(t, nda, ndb):
    a, b = t.inputs
    a2 = _labels(a.shape) if nda > 1 else _labels(a.shape)[None, :]
    b2 = _labels(b.shape) if ndb > 1 else _labels(b.shape)[:, None]
    m, k, n = a2.shape[-2], a2.shape[-1], b2.shape[-1]
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    full = batch + (m, n, k)
    out = np.broadcast_to(_labels(batch + (m, n))[..., None], full).reshape(-1)
    from_a = np.broadcast_to(a2[..., :, None, :], full).reshape(-1)
    from_b = np.broadcast_to(np.swapaxes(b2, -1, -2)[..., None, :, :], full).reshape(-1)
    return [(out, from_a), (out, from_b)]


def _pairs(t) -> list | None:
    """One (out elements, in elements) pair of arrays per input, or None: not analysed."""
    op, p = t.op, t.params or {}
    if op.elementwise:
        return [_elementwise_pairs(t, k) for k in range(len(t.inputs))]
    if op.name in MOVES:
        return _move_pairs(t)
    if op.name in REDUCTIONS:
        return [_reduction_pairs(t, p["axes"], p["keepdims"])]
    if op.name == "sum_to":
        return [_sum_to_pairs(t)]
    if op.name in ("softmax", "log_softmax"):
        return [_softmax_pairs(t, p["axis"])]
    if op.name == "matmul":
        return _matmul_pairs(t, p["nda"], p["ndb"])
    return None


def dependencies(outputs, inputs, visit=None) -> dict[int, Pattern]:
    """Each recorded node's pattern: which wrt input elements (columns) each of its elements reads.

    visit(t, parents, pairs), when given, sees every node that depends on an input, with its
    inputs' patterns (None: constant) and the element pairs its op reads (None: not analysed);
    the Hessian's pattern is built this way, in the same walk.
    """
    n = sum(i.size for i in inputs)
    column = {}
    start = 0
    for inp in inputs:
        column[inp.index] = start
        start += inp.size
    found: dict[int, Pattern] = {}
    for t in graph(outputs):
        if t.index in column:
            rows = np.arange(t.size, dtype=np.int64)
            found[t.index] = Pattern.from_pairs(rows, rows + column[t.index], (t.size, n))
            continue
        if t.op is None:
            continue
        parents = [found.get(p.index) for p in t.inputs]
        if all(parent is None or parent.nnz == 0 for parent in parents):
            continue
        pairs = _pairs(t)
        rows_all, cols_all = [], []
        for k, parent in enumerate(parents):
            if parent is None or parent.nnz == 0:
                continue
            if pairs is None:  # dense fallback: everything the input depends on
                cols = unique(parent.indices)
                rows_all.append(np.repeat(np.arange(t.size, dtype=np.int64), cols.size))
                cols_all.append(np.tile(cols, t.size))
                continue
            out_rows, in_rows = pairs[k]
            r, c = _gather(parent, out_rows, in_rows, t.size)
            rows_all.append(r)
            cols_all.append(c)
        if rows_all:
            found[t.index] = Pattern.from_pairs(np.concatenate(rows_all), np.concatenate(cols_all),
                                                (t.size, n))
        if visit is not None:
            visit(t, parents, pairs)
    return found


def pattern(outputs, inputs) -> Pattern:
    """Which elements of the outputs (rows, stacked in order) depend on which input elements."""
    n = sum(i.size for i in inputs)
    found = dependencies(outputs, inputs)
    m = sum(o.size for o in outputs)
    rows_all, cols_all, start = [], [], 0
    for out in outputs:
        p = found.get(out.index)
        if p is not None:
            rows_all.append(p.row_of_each() + start)
            cols_all.append(p.indices)
        start += out.size
    if not rows_all:
        return Pattern.from_pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), (m, n))
    return Pattern.from_pairs(np.concatenate(rows_all), np.concatenate(cols_all), (m, n))


# -- colouring --------------------------------------------------------------------------------------

def _valid(p: Pattern, colour: np.ndarray) -> bool:
    """No row holds two columns of the same colour."""
    keys = p.row_of_each() * (int(colour.max(initial=0)) + 1) + colour[p.indices]
    return unique(keys).size == keys.size


def colour_columns(p: Pattern) -> np.ndarray:
    """A colour per column such that columns of one colour share no row."""
    n = p.shape[1]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if p.nnz == 0:
        return np.zeros(n, dtype=np.int64)
    widest = int(np.diff(p.indptr).max())  # a row with w entries needs w colours at least
    columns = np.arange(n, dtype=np.int64)
    for k in range(max(widest, 1), min(2 * widest + 2, n) + 1):
        colour = columns % k
        if _valid(p, colour):
            return colour
    return _greedy(p)


def _greedy(p: Pattern) -> np.ndarray:
    """Greedy colouring of the column intersection graph, columns in order."""
    m, n = p.shape
    t = p.transpose()  # rows of t: the rows each column touches
    col_rows = [t.indices[t.indptr[j]:t.indptr[j + 1]].tolist() for j in range(n)]
    row_cols = [p.indices[p.indptr[i]:p.indptr[i + 1]].tolist() for i in range(m)]
    colour = [-1] * n
    mark = [-1] * (n + 1)  # mark[c] == j: colour c is taken by a neighbour of column j
    for j in range(n):
        for i in col_rows[j]:
            for other in row_cols[i]:
                c = colour[other]
                if c >= 0:
                    mark[c] = j
        c = 0
        while mark[c] == j:
            c += 1
        colour[j] = c
    return np.asarray(colour, dtype=np.int64)


def seeds(colour: np.ndarray, start: int, stop: int, first: int, count: int) -> np.ndarray:
    """Compressed seeds for colours first..first+count of elements start..stop: (count, stop-start)."""
    part = colour[start:stop] - first
    out = np.zeros((count, stop - start))
    keep = (part >= 0) & (part < count)
    out[part[keep], np.nonzero(keep)[0]] = 1.0
    return out
