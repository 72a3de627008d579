"""Automatic differentiation over recorded Tensors: VJP, JVP, Jacobians, Hessians.

- backward: reverse mode. The nodes that lead to the outputs are gathered
  with an explicit stack and visited in reverse creation order (a topological
  order, since parents are made first): no recursion, deterministic.
- jvp: forward mode, the same nodes in creation order.
- Jacobians push all seeds through at once along a lead axis, in chunks.
Un-broadcasting happens here, once, never inside a rule.
"""
from __future__ import annotations

import contextlib
import sys

import numpy as np

from .. import collector
from ..errors import GradcliError
from . import backend, tensor
from .ops import broadcast_to, sum_to
from .tensor import Tensor, constant, graph, temporary

# Nested forward mode differentiates the graph of each order again: a bound on its growth.
MAX_DERIVATIVE_NODES = 50_000

# A chunk of seeds may hold this many elements in its largest intermediate (64 MiB in float64).
CHUNK_ELEMENTS = 1 << 23
# A dense Hessian pushes n seeds through a graph about twice the size of the function's, most of
# its nodes as big as the largest: batches of tangents this size (1 MiB in float64) stay in the
# cache, and on a 1,000-dimensional Rosenbrock or a 940-parameter MLP the passes took 1.7-2.4x
# less CPU time than one batch of all seeds (OpenBLAS on one thread, 2026-11-30).
CACHE_ELEMENTS = 1 << 17


@contextlib.contextmanager
def recording(enabled: bool):
    old = tensor.recording
    tensor.recording = enabled
    try:
        yield
    finally:
        tensor.recording = old


@contextlib.contextmanager
def keeping_values():
    """Nodes recorded inside keep their inputs' values whole, read by their rules or not: for
    views that show every intermediate value (explain). Costs the memory PyTorch would not."""
    old = tensor.dropping
    tensor.dropping = False
    try:
        yield
    finally:
        tensor.dropping = old


class _label:
    """Name the operation for floating-point warnings while a rule runs.

    A class rather than @contextmanager: it is entered once per node of a backward
    pass, and a generator-based manager costs several times as much there.
    """

    __slots__ = ("old", "text")

    def __init__(self, text: str):
        self.text = text

    def __enter__(self):
        watch = backend.watch
        self.old = watch.label_override
        watch.label_override = self.text

    def __exit__(self, *exc):
        backend.watch.label_override = self.old
        return False


def fit(g: Tensor, shape: tuple) -> Tensor:
    """A gradient summed down (or broadcast up) to the logical shape of what it belongs to."""
    if g.shape == tuple(shape):
        return g
    if g.nd > len(shape) or any(gd != sd and sd == 1 for gd, sd in
                                zip(g.shape[g.nd - len(shape):], shape)):
        g = sum_to(g, shape) if g.nd >= len(shape) else g
    return broadcast_to(g, tuple(shape)) if g.shape != tuple(shape) else g


def _scale(g: Tensor, p, node: Tensor | None = None) -> Tensor | None:
    if p is None:
        return None
    if isinstance(p, (int, float)):
        if p == 1:
            return g
        if p == -1:
            return -g
        return g * float(p)
    if node is not None and _scratch(p, g, node):
        p.data *= g.data  # g * p written over the partial, a big temporary nothing else holds
        return p
    return g * p


# Below this many elements a fresh array costs nothing worth saving.
SCRATCH_ELEMENTS = 1 << 16


def _scratch(p: Tensor, g: Tensor, node: Tensor) -> bool:
    """Whether the partial p of node is a large NumPy temporary that g * p may overwrite.

    On big tensors a fresh array's first touch (the kernel zeroing its pages) costs more
    than the multiplication itself, so reusing the partial's memory is the cheap path.
    Only in a first-order pass (no graph to keep), only for an array that no other object
    holds (reference counts: its owner's slot, the local name, getrefcount's argument),
    never for the node's own output or inputs, and only when g broadcasts into p's shape
    without changing it.
    """
    d = p.data
    if tensor.recording or not isinstance(d, np.ndarray) or d.size < SCRATCH_ELEMENTS:
        return False
    if p is node or any(p is i for i in node.inputs) or d.base is not None or not d.flags.writeable:
        return False
    if sys.getrefcount(d) > 3 or sys.getrefcount(p) > 3:  # p: this frame, _scale's, the argument
        return False
    gd = g.data
    return (isinstance(gd, np.ndarray) and gd.dtype == d.dtype and gd.ndim == d.ndim and g.nd == p.nd
            and np.broadcast_shapes(gd.shape, d.shape) == d.shape)


def vjp_rule(t: Tensor, g: Tensor) -> list:
    """The gradient each input of node t receives from the gradient g of t."""
    op = t.op
    if op.partials is not None:
        return [_scale(g, partial(t, *t.inputs), t) if inp.requires_grad else None
                for partial, inp in zip(op.partials, t.inputs)]
    return list(op.vjp(g, t, *t.inputs, **t.params))


def jvp_rule(t: Tensor, dots: list) -> Tensor | None:
    op = t.op
    if op.partials is not None:
        total = None
        for partial, dot in zip(op.partials, dots):
            if dot is None:
                continue
            p = partial(t, *t.inputs)
            if total is not None and isinstance(p, (int, float)) and p in (1, -1):
                total = total + dot if p == 1 else total - dot  # a - b: one pass, not -b then a +
                continue
            term = _scale(dot, p)
            if term is None:
                continue
            if term is not dot:  # a product made here: the sum may be written over it
                temporary(term)
            total = term if total is None else total + term
        if total is not None:
            total.reusable = False  # the node's tangent: later nodes read it
        return total
    return op.jvp(dots, t, *t.inputs, **t.params)


def backward(outputs, cotangents, *, create_graph: bool = False, keep=()) -> dict[int, Tensor]:
    """Reverse mode: gradients of sum_k <cotangent_k, output_k> for every leaf (by index).

    Cotangents may carry a lead axis (many seeds at once); gradients then carry it too.
    keep: intermediate tensors whose gradients are wanted as well (retain_grad).
    """
    nodes = graph(outputs)
    keep_ids = {t.index for t in keep}
    grads: dict[int, Tensor] = {}
    watch = backend.watch
    old_label = watch.label_override
    with recording(create_graph), collector.paused():  # no cycles: see gradcli/collector.py
        for out, g in zip(outputs, cotangents):
            if g is None or not out.requires_grad:
                continue
            g = g if g.shape == out.shape else broadcast_to(g, out.shape)
            grads[out.index] = grads[out.index] + g if out.index in grads else g
        # Once per node, so the loop is written out: no context manager, no list per node, and
        # in a first-order pass the products and sums of like tensors skip `apply` (`_times`).
        first_order = not create_graph
        try:
            for t in reversed(nodes):
                op = t.op
                if op is None:
                    continue
                index = t.index
                g = grads.get(index) if index in keep_ids else grads.pop(index, None)
                if g is None:
                    continue
                watch.label_override = op.grad_label  # what a floating-point warning names
                inputs = t.inputs
                if op.partials is not None and first_order:
                    for partial, inp in zip(op.partials, inputs):
                        if inp.requires_grad:
                            gi = _times(g, partial(t, *inputs), t)
                            if gi is not None:
                                _accumulate(grads, inp, gi)
                    continue
                for inp, gi in zip(inputs, vjp_rule(t, g)):
                    if gi is not None and inp.requires_grad:
                        _accumulate(grads, inp, gi)
        finally:
            watch.label_override = old_label
    return grads


def _accumulate(grads: dict, inp: Tensor, gi: Tensor) -> None:
    """Add gi, fitted to inp's shape, to the gradient gathered for inp so far."""
    d, data = gi.data, inp.data
    if gi.nd != inp.nd or d.shape != data.shape:
        gi = fit(gi, inp.shape)
        d = gi.data
    index = inp.index
    before = grads.get(index)
    if before is None:
        grads[index] = gi
    elif not tensor.recording and before.nd == gi.nd and before.data.shape == d.shape \
            and before.data.dtype == d.dtype and d.size < SCRATCH_ELEMENTS:
        grads[index] = Tensor(before.data + d, gi.nd)  # like tensors, no history: add directly
    else:
        grads[index] = before + gi


def _times(g: Tensor, p, node: Tensor) -> Tensor | None:
    """g * p in a first-order pass: p a partial (a Tensor, a number, or None for no gradient)."""
    if type(p) is Tensor:
        d, pd = g.data, p.data
        if g.nd == p.nd and d.shape == pd.shape and d.dtype == pd.dtype and d.size < SCRATCH_ELEMENTS:
            return Tensor(d * pd, g.nd)  # like tensors, no history to record: multiply directly
    elif type(p) is int and (p == 1 or p == -1):  # add, sub: the gradient passes through
        return g if p == 1 else Tensor(-g.data, g.nd)
    return _scale(g, p, node)


def jvp(outputs, inputs, tangents, *, create_graph: bool = False) -> list:
    """Forward mode: the tangents of the outputs for tangents of the inputs (None = zero).

    create_graph: record the tangents' own history, so that they can be differentiated again
    (derivatives of higher order by nested forward mode).
    """
    tang: dict[int, Tensor] = {t.index: v for t, v in zip(inputs, tangents) if v is not None}
    nodes = graph(outputs)
    # A tangent no later node reads is dropped at once: on a batch of seeds each one is a big
    # array, and memory just freed is reused where a fresh array costs the kernel zeroing pages.
    readers = _readers(nodes, outputs)
    with recording(create_graph), collector.paused():
        for t in nodes:
            if t.op is None or t.index in tang:
                continue
            dots = [tang.get(p.index) for p in t.inputs]
            if any(d is not None for d in dots):
                with _label(t.op.tangent_label):
                    out = jvp_rule(t, dots)
                    if out is not None:
                        tang[t.index] = fit(out, t.shape)
            for p in t.inputs:
                left = readers.get(p.index, 0) - 1
                readers[p.index] = left
                if left == 0:
                    tang.pop(p.index, None)
    return [tang.get(o.index) for o in outputs]


def _readers(nodes, outputs) -> dict[int, int]:
    """How many times each node is read as an input; outputs count once more (never dropped)."""
    readers: dict[int, int] = {}
    for t in nodes:
        for p in t.inputs:
            readers[p.index] = readers.get(p.index, 0) + 1
    for o in outputs:
        if o is not None:
            readers[o.index] = readers.get(o.index, 0) + 1
    return readers


def _identity_seeds(like: Tensor, start: int, stop: int) -> Tensor:
    """Rows start..stop of the identity, each shaped like `like`: a batch of unit seeds."""
    xp = backend.xp
    n = like.size
    rows = xp.arange(start, stop)
    eye = xp.astype(xp.reshape(rows, (-1, 1)) == xp.reshape(xp.arange(n), (1, -1)), like.dtype)
    return Tensor(xp.reshape(eye, (stop - start,) + like.shape), like.nd)


def chunk_size(nodes, requested: int | None = None, budget: int = CHUNK_ELEMENTS) -> int:
    if requested:
        return max(1, requested)
    largest = max((t.size for t in nodes), default=1)
    return max(1, budget // max(largest, 1))


def jacobian_reverse(outputs, inputs, *, chunk: int | None = None):
    """J as a list (per output) of lists (per input) of arrays out.shape + in.shape.

    One backward pass per chunk of output elements; the seeds travel together.
    Returns (blocks, passes).
    """
    xp = backend.xp
    step = chunk_size(graph(outputs), chunk)
    blocks = [[xp.zeros((o.size, i.size), dtype=o.dtype) for i in inputs] for o in outputs]
    passes = 0
    for k, out in enumerate(outputs):
        for start in range(0, out.size, step):
            stop = min(out.size, start + step)
            seeds = [None] * len(outputs)
            seeds[k] = _identity_seeds(out, start, stop)
            grads = backward(outputs, seeds)
            passes += 1
            for j, inp in enumerate(inputs):
                g = grads.get(inp.index)
                if g is not None:
                    blocks[k][j][start:stop, :] = xp.reshape(broadcast_to(g, inp.shape).data,
                                                          (stop - start, inp.size))
    return _shaped(blocks, outputs, inputs), passes


def jacobian_forward(outputs, inputs, *, chunk: int | None = None):
    """The same Jacobian by forward mode: one pass per chunk of input elements."""
    xp = backend.xp
    step = chunk_size(graph(outputs), chunk)
    blocks = [[xp.zeros((o.size, i.size), dtype=o.dtype) for i in inputs] for o in outputs]
    passes = 0
    for j, inp in enumerate(inputs):
        for start in range(0, inp.size, step):
            stop = min(inp.size, start + step)
            tangents = [None] * len(inputs)
            tangents[j] = _identity_seeds(inp, start, stop)
            outs = jvp(outputs, inputs, tangents)
            passes += 1
            for k, (out, d) in enumerate(zip(outputs, outs)):
                if d is not None:
                    d = xp.reshape(broadcast_to(d, out.shape).data, (stop - start, out.size))
                    blocks[k][j][:, start:stop] = xp.permute_dims(d, (1, 0))
    return _shaped(blocks, outputs, inputs), passes


def _shaped(blocks, outputs, inputs):
    xp = backend.xp
    return [[xp.reshape(b, o.shape + i.shape) for b, i in zip(row, inputs)]
            for row, o in zip(blocks, outputs)]


def gradient_graph(output: Tensor, inputs) -> list:
    """The gradient of a scalar output as Tensors that remember how they depend on the inputs."""
    grads = backward([output], [constant(1.0, output)], create_graph=True)
    out = []
    for inp in inputs:
        g = grads.get(inp.index)
        out.append(g if g is not None else None)
    return out


def _colour_products(outputs, inputs, colour, first: int, count: int):
    """Forward mode with one seed per colour first..first+count (input elements of a colour
    summed): the products J S, as a host array (count, output elements)."""
    from . import sparsity  # noqa: PLC0415
    xp = backend.xp
    batch, start = [], 0
    for t in inputs:
        s = sparsity.seeds(colour, start, start + t.size, first, count)
        batch.append(Tensor(backend.from_numpy(s.reshape((count,) + t.shape), t.dtype), t.nd))
        start += t.size
    products = jvp(outputs, inputs, batch)
    flat = np.zeros((count, sum(t.size for t in outputs)))
    start = 0
    for t, d in zip(outputs, products):
        if d is not None:
            d = broadcast_to(d, t.shape).data
            flat[:, start:start + t.size] = backend.to_numpy(xp.reshape(d, (-1, t.size)))
        start += t.size
    return flat


def jacobian_sparse(outputs, inputs, *, mode: str = "auto", chunk: int | None = None):
    """The Jacobian's structural nonzeros, with one seed per colour instead of one per element.

    forward: columns that share no row are seeded together (J S); reverse: rows that share
    no column (W J). auto takes the one with fewer colours.
    Returns (rows, cols, values, mode, passes) with indices into the flat matrix.
    """
    from . import sparsity  # noqa: PLC0415
    xp = backend.xp
    pattern = sparsity.pattern(outputs, inputs)
    rows, cols = pattern.row_of_each(), pattern.indices
    by_column = sparsity.colour_columns(pattern) if mode != "reverse" else None
    by_row = sparsity.colour_columns(pattern.transpose()) if mode != "forward" else None
    if mode == "auto":
        mode = "forward" if by_column.max(initial=-1) <= by_row.max(initial=-1) else "reverse"
    colour = by_column if mode == "forward" else by_row
    colours = int(colour.max(initial=-1)) + 1
    values = np.zeros(rows.size)
    step = chunk_size(graph(outputs), chunk)
    # each nonzero is read from the product of its seed colour, at its other index
    entry_colour, entry_other = (colour[cols], rows) if mode == "forward" else (colour[rows], cols)
    passes = 0
    for first in range(0, colours, step):
        count = min(step, colours - first)
        if mode == "forward":
            flat = _colour_products(outputs, inputs, colour, first, count)
        else:
            batch, start = [], 0
            for t in outputs:
                s = sparsity.seeds(colour, start, start + t.size, first, count)
                batch.append(Tensor(backend.from_numpy(s.reshape((count,) + t.shape), t.dtype), t.nd))
                start += t.size
            grads = backward(outputs, batch)
            flat = np.zeros((count, sum(t.size for t in inputs)))
            start = 0
            for t in inputs:
                d = grads.get(t.index)
                if d is not None:
                    d = broadcast_to(d, t.shape).data
                    flat[:, start:start + t.size] = backend.to_numpy(xp.reshape(d, (-1, t.size)))
                start += t.size
        passes += 1
        here = (entry_colour >= first) & (entry_colour < first + count)
        values[here] = flat[entry_colour[here] - first, entry_other[here]]
    return rows, cols, values, pattern.shape, mode, passes


# -- Hessians -----------------------------------------------------------------------------------

def hessian_forward(grads, inputs, *, chunk: int | None = None):
    """The Hessian as the Jacobian of the recorded gradient (forward over reverse), as one matrix.

    Unit seeds for all input elements (every input at once, in chunks) go through forward mode
    along a lead axis; the tangent of the gradient for the seed of input element j is written
    as row j: d grad / d x_j is column j of H, and H is symmetric, so this stores H without a
    transposed copy. Returns (matrix, passes), the matrix an array of the current namespace.
    """
    xp = backend.xp
    offsets = np.concatenate([[0], np.cumsum([t.size for t in inputs])]).astype(int).tolist()
    n = offsets[-1]
    matrix = xp.zeros((n, n), dtype=inputs[0].dtype if inputs else np.float64)
    step = chunk_size(graph(grads), chunk, CACHE_ELEMENTS)
    passes = 0
    for start in range(0, n, step):
        stop = min(n, start + step)
        # the seeds as they fall on each input: identity rows (zero where a seed is another input's)
        tangents = [_identity_seeds(inp, start - first, stop - first) if first < stop and start < last
                    else None for inp, first, last in zip(inputs, offsets, offsets[1:])]
        dots = jvp(grads, inputs, tangents)
        passes += 1
        for g, d, first, last in zip(grads, dots, offsets, offsets[1:]):
            if d is not None:
                matrix[start:stop, first:last] = xp.reshape(broadcast_to(d, g.shape).data,
                                                            (stop - start, g.size))
    return matrix, passes


def hessian_sparse(output: Tensor, grads, inputs, *, chunk: int | None = None, pattern=None,
                   colour=None):
    """The Hessian's structural nonzeros from one compressed product H S per colour.

    pattern, colour: the Hessian's sparsity pattern and its star colouring, when the caller has
    them already.
    Returns (rows, cols, values, colours, passes): both triangles, sorted by row then column.
    """
    from . import hessian_sparsity  # noqa: PLC0415
    if pattern is None:
        pattern = hessian_sparsity.pattern(output, inputs)
    if colour is None:
        colour = hessian_sparsity.colour(pattern)
    at_row, at_colour = hessian_sparsity.recovery(pattern, colour)
    colours = int(colour.max(initial=-1)) + 1 if pattern.nnz else 0  # nothing to read: no pass
    values = np.zeros(pattern.nnz)
    step = chunk_size(graph(grads), chunk)
    passes = 0
    for first in range(0, colours, step):
        count = min(step, colours - first)
        flat = _colour_products(grads, inputs, colour, first, count)
        passes += 1
        here = (at_colour >= first) & (at_colour < first + count)
        values[here] = flat[at_colour[here] - first, at_row[here]]
    return pattern.row_of_each(), pattern.indices, values, colours, passes


# -- higher order in one variable ----------------------------------------------------------------

def derivatives(outputs, x: Tensor, order: int) -> list[list]:
    """d^k y / dx^k for k = 1..order of each output, by nested forward mode.

    Every element of each output must depend on at most one element of x (the caller checks):
    then the tangent for the seed "all ones" is, element by element, the derivative in that one
    element, and the tangent, recorded, is a function of x that can be differentiated again.
    Each node's tangent is made once and kept for the orders after (a node of order k's graph
    reappears in every later one): each order then differentiates only what the last one added.
    Returns, per output, a list of `order` Tensors shaped like the output (None: zero).
    """
    xp = backend.xp
    tangent: dict[int, Tensor | None] = {x.index: Tensor(xp.ones(x.data.shape, dtype=x.dtype), x.nd)}
    current = list(outputs)
    found: list[list] = [[] for _ in outputs]
    for k in range(order):
        nodes = graph(current)
        if len(nodes) > MAX_DERIVATIVE_NODES:
            raise GradcliError(f"derivative: order {k + 1} would differentiate a graph of "
                               f"{len(nodes):,} nodes (the limit is {MAX_DERIVATIVE_NODES:,}): "
                               "each order roughly doubles it", kind="limit",
                               hint=f"ask for --order {k} or less, or simplify the program")
        with recording(k < order - 1):
            for t in nodes:
                if t.index in tangent:
                    continue
                dots = [tangent.get(p.index) for p in t.inputs]
                out = None
                if t.op is not None and any(d is not None for d in dots):
                    with _label(t.op.tangent_label):
                        out = jvp_rule(t, dots)
                tangent[t.index] = None if out is None else fit(out, t.shape)
        current = [None if t is None else tangent.get(t.index) for t in current]
        for out, d, row in zip(outputs, current, found):
            row.append(None if d is None else fit(d, out.shape))
    return found
