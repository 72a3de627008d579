"""Tensors that remember how they were made, and `apply`, the one way to make them.

Shapes have two parts. A tensor's *logical* shape is the one the program sees;
in front of it may stand *lead* axes that batch many seeds (a Jacobian's rows)
or many points through the graph at once. Every op rule addresses logical axes
from the end (negative axes, `...`), so one rule serves batched and unbatched
arrays alike; `apply` lines operands up so that lead axes never meet logical
ones. `nd` is the logical rank; the lead rank is `data.ndim - nd`.

Tensors are numbered as they are made. A parent is always made before its
child, so reverse creation order is a topological order: backward needs no
graph search and no recursion.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ..errors import GradcliError
from ..limits import MAX_ELEMENTS
from . import backend

_counter = itertools.count()

# Off while the engine runs first-order rules: their results need no history of their own.
# On (create_graph) when a backward pass must itself be differentiated, as for Hessians.
recording = True

# The op table fills this (ops.py) so that Tensor's operators can find their primitives.
PRIMITIVES: dict[str, "Op"] = {}


class Op:
    """A primitive: its forward on arrays and its derivative rules on Tensors.

    Either `partials` (elementwise ops: one function per input giving d ans / d input,
    from which both VJP and JVP follow) or explicit `vjp`/`jvp` rules (other ops).
    A rule receives Tensors, so the backward pass can itself be differentiated.

    `saves` declares whose data the rules read (PyTorch's saved tensors): names of the
    forward's array arguments and "ans" (the output), each either plain ("x": always read)
    or "NAME for INPUT ..." (read only by the rules of those inputs: mul's "y for x", kept
    only when x requires grad). A recorded node keeps the rest by identity and shape alone
    (see `apply`), so intermediates no rule reads are freed during the forward pass. None,
    the default, keeps everything: an op that declares nothing works as before.
    """

    __slots__ = ("name", "forward", "partials", "vjp", "jvp", "elementwise", "differentiable",
                 "promote", "backward_name", "doc", "grad_label", "tangent_label", "saves",
                 "keep_if", "keep_rest", "ans_if")

    def __init__(self, name, forward, *, partials=None, vjp=None, jvp=None, elementwise=False,
                 differentiable=True, promote=0, backward_name=None, doc="", saves=None):
        self.name = name
        self.forward = forward
        self.partials = partials
        self.vjp = vjp
        self.jvp = jvp
        self.elementwise = elementwise or partials is not None
        self.differentiable = differentiable
        # the first input that takes part in type promotion (where's condition does not)
        self.promote = promote
        self.backward_name = backward_name or name.capitalize() + "Backward0"
        self.doc = doc
        # what floating-point warnings name while a rule runs (made once: a pass uses them per node)
        self.grad_label = f"the gradient of {name}"
        self.tangent_label = f"the tangent of {name}"
        self.declare(saves)

    def declare(self, saves) -> None:
        """Read the `saves` declaration into when each input's data and the output are kept:
        keep_if[i] (and keep_rest, for the inputs past a variadic forward's named ones) and
        ans_if are True (always), False (never) or a tuple of input positions (when one of
        those requires grad). keep_if None: everything is kept."""
        self.saves = saves
        if saves is None:
            self.keep_if, self.keep_rest, self.ans_if = None, True, True
            return
        names, rest = _array_arguments(self.forward)
        found: dict[str, object] = {}
        for entry in saves:
            what, _, readers = entry.partition(" for ")
            what = what.strip()
            if what != "ans" and what not in names and what != rest:
                raise ValueError(f"{self.name}: saves names {what!r}, which is not 'ans' or an "
                                 f"argument of its forward ({', '.join(names)})")
            if readers and not all(r in names for r in readers.split()):
                raise ValueError(f"{self.name}: {entry!r} names an input its forward lacks")
            found[what] = tuple(names.index(r) for r in readers.split()) if readers else True
        self.keep_if = tuple(found.get(n, False) for n in names)
        self.keep_rest = found.get(rest, False) if rest else False
        self.ans_if = found.get("ans", False)

    def __repr__(self):
        return f"Op({self.name})"


def _array_arguments(forward) -> tuple[list, str | None]:
    """The names of forward(xp, *arrays, **params)'s array arguments, and its *rest's name."""
    code = forward.__code__
    names = list(code.co_varnames[1:code.co_argcount])
    rest = code.co_varnames[code.co_argcount + code.co_kwonlyargcount] if code.co_flags & 0x04 else None
    return names, rest


def _wanted(rule, inputs) -> bool:
    """Whether a keep_if / ans_if entry holds for a node of these inputs."""
    if rule is True or rule is False:
        return rule
    for i in rule:
        if inputs[i].requires_grad:
            return True
    return False


class Tensor:
    # number: the Python float a constant was made from, so that rules can read it without
    # copying a device array back to the host (None for everything else).
    # reusable: a rule's temporary, used once, whose memory the next op may write its result into
    __slots__ = ("data", "nd", "requires_grad", "op", "inputs", "params", "index", "number",
                 "reusable", "__weakref__")

    def __init__(self, data, nd: int | None = None, requires_grad: bool = False):
        self.data = data
        self.nd = data.ndim if nd is None else nd
        self.requires_grad = requires_grad
        self.op = None
        self.inputs = ()
        self.params = None
        self.index = next(_counter)
        self.number = None
        self.reusable = False

    # -- shape ------------------------------------------------------------------------
    @property
    def lead(self) -> int:
        return self.data.ndim - self.nd

    @property
    def shape(self) -> tuple:
        data = self.data
        return data.shape if data.ndim == self.nd else tuple(data.shape[data.ndim - self.nd:])

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def dtype(self):
        return self.data.dtype

    def __repr__(self):
        return f"Tensor(shape={self.shape}, lead={self.data.shape[:self.lead]}, op={self.op})"

    # -- arithmetic, so that rules read like the math ------------------------------------
    def __add__(self, other):
        return apply(PRIMITIVES["add"], self, as_tensor(other, self))

    def __radd__(self, other):
        return apply(PRIMITIVES["add"], as_tensor(other, self), self)

    def __sub__(self, other):
        return apply(PRIMITIVES["sub"], self, as_tensor(other, self))

    def __rsub__(self, other):
        return apply(PRIMITIVES["sub"], as_tensor(other, self), self)

    def __mul__(self, other):
        return apply(PRIMITIVES["mul"], self, as_tensor(other, self))

    def __rmul__(self, other):
        return apply(PRIMITIVES["mul"], as_tensor(other, self), self)

    def __truediv__(self, other):
        return apply(PRIMITIVES["div"], self, as_tensor(other, self))

    def __rtruediv__(self, other):
        return apply(PRIMITIVES["div"], as_tensor(other, self), self)

    def __pow__(self, other):
        return apply(PRIMITIVES["pow"], self, as_tensor(other, self))

    def __neg__(self):
        return apply(PRIMITIVES["neg"], self)


def constant(value, like: Tensor | None = None, dtype=None) -> Tensor:
    """A tensor that needs no gradient: a number, or an array already in the namespace."""
    xp = backend.xp
    dtype = like.data.dtype if like is not None else dtype
    t = Tensor(xp.asarray(value, dtype=dtype), None)
    if isinstance(value, (int, float)):
        t.number = float(value)
    return t


# A program's number literals, made once per dtype: a statement in a loop-free program of 100,000
# lines reads the same few numbers again and again, and making a constant costs more than the
# arithmetic it takes part in. Shared Tensors are safe: a constant is never written into.
_NUMBERS: dict = {}
_NUMBERS_XP = None
_NUMBERS_KEPT = 4096  # per dtype: a program of distinct numbers gets no cache, not a leak


def number(value: float, dtype) -> Tensor:
    """A constant for the Python float `value` in `dtype` (the program's float dtype), shared.

    On NumPy its data is a NumPy scalar, not a 0-d array: that is what NumPy's own 0-d
    arithmetic returns, and scalar arithmetic is several times faster.
    """
    global _NUMBERS_XP
    xp = backend.xp
    if xp is not _NUMBERS_XP:
        _NUMBERS.clear()
        _NUMBERS_XP = xp
    table = _NUMBERS.get(dtype)
    if table is None:
        table = _NUMBERS[dtype] = {}
    t = table.get(value)
    if t is None:
        t = constant(value, dtype=dtype)
        if xp is np:
            t.data = t.data[()]
        # 0.0 and -0.0 are equal keys but different numbers; NaN is never found again
        if value != 0 and value == value and len(table) < _NUMBERS_KEPT:
            table[value] = t
    return t


def as_tensor(value, like: Tensor) -> Tensor:
    return value if isinstance(value, Tensor) else constant(value, like)


def mask(t: Tensor, predicate) -> Tensor:
    """A 0/1 tensor of t's dtype from a predicate on its data: derivative masks need no gradient."""
    xp = backend.xp
    return Tensor(xp.astype(predicate(t.data), t.data.dtype), t.nd)


def temporary(t: Tensor) -> Tensor:
    """Mark t, a tensor a rule has just made and reads only once, as free to hold the next result.

    `1 - temporary(ans * ans)` then makes one array instead of two. On big tensors a fresh
    array costs more than the arithmetic (the kernel must find and zero its pages), so a
    first-order pass takes the offer; a recorded pass (Hessians) ignores it.
    """
    if not recording:
        t.reusable = True
    return t


# Below this many elements a fresh array costs nothing worth saving.
REUSE_ELEMENTS = 1 << 16


def _in_place(op: Op, inputs, arrays):
    """The ufunc and the buffer to write op's result into, when an input is a reusable temporary.

    Only NumPy arrays (ufuncs take `out=`), only when the result has the buffer's shape and
    dtype, so that writing it there changes nothing but where it lives.
    """
    for t, a in zip(inputs, arrays):
        if (t.reusable and op.name in _UFUNCS and isinstance(a, np.ndarray)
                and a.size >= REUSE_ELEMENTS and a.flags.writeable and a.base is None
                and np.broadcast_shapes(*(b.shape for b in arrays)) == a.shape
                and np.result_type(*arrays) == a.dtype):
            t.reusable = False  # consumed: its memory now holds the result
            return _UFUNCS[op.name], a
    return None, None


_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}


def _align(inputs) -> list:
    """Arrays of an elementwise op, reshaped so that lead axes line up with lead axes.

    An input with lead axes and a smaller logical rank gets 1s between the two parts;
    then NumPy's right-aligned broadcasting does the rest.
    """
    xp = backend.xp
    nd = max(t.nd for t in inputs)
    arrays = []
    for t in inputs:
        a = t.data
        lead = a.ndim - t.nd
        if lead and t.nd < nd:
            a = xp.reshape(a, a.shape[:lead] + (1,) * (nd - t.nd) + a.shape[lead:])
        arrays.append(a)
    return arrays


def _alike(inputs) -> bool:
    """Whether every input has the same array shape and logical rank: nothing to line up or check.

    The common case, and on small tensors (a deep chain of scalars) the checks cost more
    than the arithmetic.
    """
    first = inputs[0]
    shape, nd = first.data.shape, first.nd
    for t in inputs:  # a loop, not all(...): a generator costs more than two comparisons
        if t.nd != nd or t.data.shape != shape:
            return False
    return True


def _check_broadcast(op: Op, inputs) -> None:
    shapes = [t.shape for t in inputs]
    if all(s == shapes[0] for s in shapes):
        return
    try:
        out = np.broadcast_shapes(*shapes)
    except ValueError:
        pretty = " and ".join(str(tuple(s)) for s in shapes)
        raise GradcliError(f"{op.name}: shapes {pretty} cannot be broadcast together",
                           kind="shape") from None
    check_size(out, op.name)


def check_size(shape, what: str) -> None:
    n = 1
    for d in shape:
        n *= int(d)
    if n > MAX_ELEMENTS:
        raise GradcliError(f"{what}: a tensor of shape {tuple(shape)} has {n:,} elements, "
                           f"over the limit of {MAX_ELEMENTS:,}", kind="limit")


def apply(op: Op, *inputs: Tensor, **params) -> Tensor:
    """Run a primitive on Tensors; record it for differentiation when an input needs it.

    Called for every operation of a program and of every rule, so the common case (one dtype,
    one shape) is checked with a few comparisons before anything general is done.
    """
    ufunc = None
    small = False  # no input big enough to be kept without its data (see _saved)
    if len(inputs) == 1:
        first = inputs[0]
        data = first.data
        arrays = (data,)
        lead = data.ndim - first.nd
        small = data.size < STAND_IN_ELEMENTS
    elif op.elementwise:
        dtype = inputs[-1].data.dtype
        for t in inputs:  # one dtype throughout is the rule; checking it costs two comparisons
            if t.data.dtype is not dtype and t.data.dtype != dtype:
                inputs = promote(inputs, op.promote)
                break
        first = inputs[0]
        data = first.data
        shape, nd = data.shape, first.nd
        for t in inputs:  # a loop, not all(...): a generator costs more than the comparisons
            if t.nd != nd or t.data.shape != shape:
                _check_broadcast(op, inputs)
                lead = max([t.data.ndim - t.nd for t in inputs])  # before lining the arrays up
                arrays = _align(inputs)
                break
        else:
            arrays = [t.data for t in inputs]
            lead = data.ndim - nd
            small = data.size < STAND_IN_ELEMENTS
        if not recording:
            for t in inputs:
                if t.reusable:  # a rule's temporary: maybe the result can live in its memory
                    ufunc, buffer = _in_place(op, inputs, arrays)
                    break
    else:
        arrays = [t.data for t in inputs]
        lead = max([a.ndim - t.nd for a, t in zip(arrays, inputs)], default=0)
    backend.watch.label = op.name  # what a floating-point warning names (a rule's label wins)
    try:
        ans = op.forward(backend.xp, *arrays, **params) if ufunc is None else ufunc(*arrays, out=buffer)
    except GradcliError:
        raise
    except (ValueError, TypeError, IndexError) as exc:
        shapes = ", ".join(str(t.shape) for t in inputs)
        raise GradcliError(f"{op.name} of shapes {shapes}: {exc}", kind="shape") from None
    out = Tensor(ans, ans.ndim - lead)
    if recording and op.differentiable:
        for t in inputs:
            if t.requires_grad:
                out.requires_grad = True
                out.op = op
                out.inputs = inputs if small or op.keep_if is None or not dropping else _saved(op, inputs)
                out.params = params
                break
    return out


# -- what a recorded node keeps ------------------------------------------------------------------
# A node holds its inputs for the graph's structure (identity, shape, dtype, requires_grad, their
# own history) but their data only where its rules read it (Op.saves). Any other input it holds
# as a stand-in without data, so an intermediate that no rule reads is freed as soon as the
# program lets go of it, as PyTorch frees what no node saved. Off (`dropping`), every node keeps
# its inputs whole: for views that show intermediate values (explain, graph).
dropping = True
# Below this many elements the data costs less than the stand-in: it is kept as it is.
STAND_IN_ELEMENTS = 1 << 12


def _saved(op: Op, inputs) -> tuple:
    """The inputs as a node of op keeps them: each one whole, or its stand-in."""
    stored = None
    keep_if, count = op.keep_if, len(op.keep_if)
    for i, t in enumerate(inputs):
        rule = keep_if[i] if i < count else op.keep_rest
        if rule is True or (rule is not False and _wanted(rule, inputs)):
            continue
        if t.data.size < STAND_IN_ELEMENTS:
            continue
        source = t.op
        if source is not None and (source.keep_if is None or _wanted(source.ans_if, t.inputs)):
            continue  # the node that made it reads its own output: the data stays anyway
        if stored is None:
            stored = list(inputs)
        stored[i] = stand_in(t)
    return inputs if stored is None else tuple(stored)


def stand_in(t: Tensor) -> Tensor:
    """t without its data: the same node (index, history, logical shape, dtype), holding a
    placeholder array of t's shape that costs one element (a read gives NaN, or 0 for integers)."""
    s = Tensor.__new__(Tensor)
    s.data = placeholder(t.data)
    s.nd, s.requires_grad, s.index, s.number, s.reusable = t.nd, t.requires_grad, t.index, t.number, False
    s.op, s.inputs, s.params = t.op, t.inputs, t.params
    return s


def placeholder(data):
    """An array of data's shape and dtype that holds one element (a broadcast view)."""
    xp = backend.xp
    fill = math.nan if category(data.dtype) == FLOATING else 0
    return xp.broadcast_to(xp.asarray(fill, dtype=data.dtype), tuple(data.shape))


# -- dtypes ------------------------------------------------------------------------------------
# Tensors hold floating data (what is differentiated) or integer and boolean data (indices,
# masks, counts), which never requires grad. Operands of different dtypes promote as PyTorch
# promotes them: by category (bool < integer < floating) first, and a tensor with dimensions
# outranks a zero-dimensional one of the same category (x32 * 2.0 stays float32).

BOOL, INTEGER, FLOATING = 0, 1, 2
_CATEGORIES: dict = {}


def category(dtype) -> int:
    """BOOL, INTEGER or FLOATING, for NumPy's dtypes and any Array-API namespace's."""
    # Keyed by identity: a dict would compare NumPy's dtypes with another namespace's, which
    # array-api-strict warns about. The dtype itself is kept, so an id is never reused.
    known = _CATEGORIES.get(id(dtype))
    if known is not None and known[0] is dtype:
        return known[1]
    kind = getattr(dtype, "kind", None)
    if isinstance(kind, str):  # NumPy and CuPy
        found = BOOL if kind == "b" else INTEGER if kind in "iu" else FLOATING
    else:
        xp = backend.xp
        found = BOOL if xp.isdtype(dtype, "bool") else \
            INTEGER if xp.isdtype(dtype, "integral") else FLOATING
    _CATEGORIES[id(dtype)] = (dtype, found)
    return found


def is_floating(t: Tensor) -> bool:
    return category(t.data.dtype) == FLOATING


def _widest(dtypes) -> tuple:
    """(the promoted dtype, its category) of dtypes; (None, -1) for none."""
    if not dtypes:
        return None, -1
    top = max(category(d) for d in dtypes)
    same = list(dict.fromkeys(d for d in dtypes if category(d) == top))
    return (same[0] if len(same) == 1 else backend.xp.result_type(*same)), top


def result_dtype(tensors) -> object:
    """The dtype PyTorch gives an operation of these tensors (torch.result_type)."""
    dims, dim_category = _widest([t.data.dtype for t in tensors if t.nd])
    zeros, zero_category = _widest([t.data.dtype for t in tensors if not t.nd])
    return dims if dim_category >= zero_category else zeros


def promote(tensors, start: int = 0) -> tuple:
    """The tensors from `start` on cast to their result dtype (those before stay as they are)."""
    dtype = result_dtype(tensors[start:])
    return tuple(tensors[:start]) + tuple(astype(t, dtype) for t in tensors[start:])


def astype(t: Tensor, dtype) -> Tensor:
    """t as dtype: a differentiable cast between floating dtypes (the gradient is cast back);
    to or from an integer or boolean dtype, a constant."""
    if t.data.dtype == dtype:
        return t
    both_floating = category(t.data.dtype) == FLOATING and category(dtype) == FLOATING
    out = apply(PRIMITIVES["astype" if both_floating else "cast"], t, dtype=dtype)
    if t.number is not None and both_floating:
        out.number = t.number  # still the number a rule may read (x32 ** 2: a constant exponent)
    return out


def graph(outputs) -> list[Tensor]:
    """The recorded nodes the outputs depend on, in creation (topological) order."""
    seen: dict[int, Tensor] = {}
    stack = [t for t in outputs if t is not None and t.requires_grad]
    while stack:
        t = stack.pop()
        if t.index in seen:
            continue
        seen[t.index] = t
        for p in t.inputs:  # a loop, not a generator: this runs once per node of the graph
            if p.requires_grad and p.index not in seen:
                stack.append(p)
    return [seen[i] for i in sorted(seen)]
