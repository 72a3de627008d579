"""Statements -> a graph: inputs, outputs, rebinding, index writes, and the interpreter.

A `Program` knows, from the text alone, which names are inputs (read before
they are bound, or made with requires_grad=True), which bindings are outputs
(final, and read by nothing later) and in what order. `Program.run` executes
the statements with the op table, producing Tensors.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from .. import collector
from ..core import ops
from ..core.ops.index import is_advanced, positions
from ..core.tensor import PRIMITIVES, Tensor, apply, astype, is_floating, number, promote
from ..errors import GradcliError
from . import functions
from .functions import Context, DType, ValuesIndices, to_tensor
from .functions.creation import all_bools, bools
from .functions.dtypes import operand
from .functions.indexing import index_array
from .language import CONSTANTS, Statement, parse

_CONSTANT_VALUES = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "newaxis": None}


@dataclass
class InputInfo:
    name: str
    line: int
    column: int
    default: Statement | None = None  # a requires_grad=True creation gives a default value


class Program:
    """A parsed program and what its text says: inputs, bindings, default outputs.

    The rule for a name like a constant (e, pi, inf, nan, newaxis) read before the program
    binds it: it is the constant, unless a value is given for it (--at e=..., --inputs,
    --points), and then it is an input like any other. `given(names)` is the program seen
    with those values given; `constant_reads` lists the names that could be given so.
    """

    def __init__(self, text: str, given=()):
        self.statements, self.source = parse(text)
        self._analyse(frozenset(given))

    @classmethod
    def from_parts(cls, parts: list[str]) -> Program:
        """Several PROGRAM arguments are consecutive statements."""
        return cls("\n".join(parts))

    def given(self, names) -> Program:
        """This program with values given for `names`: a constant's name among them that the
        program reads before binding becomes an input. Same statements, analysed again."""
        wanted = self.given_constants | {n for n in names if n in self.constant_reads}
        if wanted == self.given_constants:
            return self
        cache = self.__dict__.setdefault("_given", {})
        if wanted not in cache:
            other = copy.copy(self)
            other.__dict__.pop("_given", None)
            other._analyse(wanted)
            cache[wanted] = other
        return cache[wanted]

    def why_not_input(self, name: str) -> str:
        """Why a value given for `name` has nowhere to go: words for the error message."""
        if name in self.bindings or name in self.inputs:
            return f"the program binds {name!r} before it reads it"
        return f"the program does not read {name!r}"

    def _analyse(self, given: frozenset) -> None:
        self.given_constants = given
        self.inputs: dict[str, InputInfo] = {}
        self.bindings: list[str] = []  # every name the program binds, in order of first binding
        # constant names read before any binding: each an input if given a value, else the constant
        self.constant_reads: dict[str, InputInfo] = {}
        bound: set[str] = set()
        last_bound: dict[str, int] = {}
        last_read: dict[str, int] = {}
        for i, stmt in enumerate(self.statements):
            for name, line, column in stmt.reads:
                if name in CONSTANTS and name not in bound and name not in self.inputs:
                    self.constant_reads.setdefault(name, InputInfo(name, line, column))
                    if name not in given:
                        continue  # the constant: not a read of a binding
                if name not in bound and name not in self.inputs:
                    self.inputs[name] = InputInfo(name, line, column)
                last_read[name] = i
            if stmt.requires_grad and stmt.target not in bound and stmt.target not in self.inputs:
                self.inputs[stmt.target] = InputInfo(stmt.target, stmt.line, stmt.column, stmt)
            if stmt.target not in bound and stmt.target not in self.inputs:
                self.bindings.append(stmt.target)
            bound.add(stmt.target)
            last_bound[stmt.target] = i
        # Outputs: final bindings that no later statement reads, in the order of those bindings.
        # (A statement's own reads come before its binding: `c = c + 1` can be an output.)
        # A requires_grad tensor bound once is an input, never an output.
        finals = sorted((i, name) for name, i in last_bound.items() if last_read.get(name, -1) <= i)
        self.default_outputs = [name for i, name in finals
                                if not (name in self.inputs and self.inputs[name].default is self.statements[i])]
        if not self.default_outputs:
            raise GradcliError("the program has no outputs: every binding is read later",
                               kind="program")

    @property
    def input_names(self) -> list[str]:
        return list(self.inputs)

    # -- running ------------------------------------------------------------------------------
    def run(self, values: dict[str, Tensor], ctx: Context, leaf=None) -> dict[str, Tensor]:
        """Execute; returns the final binding of every name (inputs included).

        values: a Tensor per input name (missing ones are an error, unless the input has a
        requires_grad default). leaf(name, tensor) -> Tensor turns a default into an input leaf.
        """
        env: dict[str, Tensor] = {}
        for name, info in self.inputs.items():
            if name in values:
                env[name] = values[name]
            elif info.default is None:
                raise GradcliError(f"no value for the input {name!r}: give one with --at {name}=...",
                                   kind="input", line=info.line, column=info.column,
                                   source=self.source.line(info.line), hint=_spelling_hint(name))
        with collector.paused():  # a graph holds no cycles: see gradcli/collector.py
            for stmt in self.statements:
                try:
                    self._execute(stmt, env, ctx, values, leaf)
                except RecursionError:
                    raise GradcliError("the statement is nested too deeply", kind="limit",
                                       line=stmt.line, column=stmt.column,
                                       source=self.source.line(stmt.line)) from None
        for name, value in list(env.items()):  # what stayed a pair, an integer or a shape: a tensor
            if not isinstance(value, Tensor):
                env[name] = self._final(ctx, name, value)
                if env[name] is None:
                    del env[name]
        return env

    def _final(self, ctx, name: str, value) -> Tensor | None:
        """A binding left as something else, as a tensor; None for pieces that make no one tensor
        (the parts of a split), which can only be read, not be outputs."""
        try:
            return to_tensor(ctx, value)
        except GradcliError:
            if name not in self.default_outputs:
                return None
            raise GradcliError(f"{name} is {functions._describe(value)}, not one tensor: an output "
                               f"must be a tensor (pick a piece, as {name}[0])", kind="value") from None

    def _execute(self, stmt: Statement, env, ctx, values, leaf) -> None:
        if stmt.requires_grad and self.inputs.get(stmt.target) and \
                self.inputs[stmt.target].default is stmt:
            if stmt.target in values:  # --at overrides the default value
                env[stmt.target] = values[stmt.target]
                return
            value = to_tensor(ctx, self.evaluate(stmt.code, env, ctx))
            env[stmt.target] = leaf(stmt.target, value) if leaf else value
            return
        value = self.evaluate(stmt.code, env, ctx)
        if type(value) is Tensor and stmt.kind == "assign":  # the common case: nothing to convert
            env[stmt.target] = value
        elif stmt.kind in ("assign", "expr"):
            env[stmt.target] = self._at(stmt, lambda: _bindable(ctx, value, stmt, self.source))
        elif stmt.kind == "update":
            env[stmt.target] = self._at(stmt, lambda: _binop(ctx, stmt.op, env[stmt.target], value))
        else:  # setitem: x[idx] = v (or x[idx] op= v) as a new tensor
            target = env[stmt.target]
            idx = self._at(stmt, lambda: _index(self.evaluate(stmt.index, env, ctx)))
            if stmt.op is not None:
                value = self._at(stmt, lambda: _binop(ctx, stmt.op, _read(target, idx), value))
            env[stmt.target] = self._at(stmt, lambda: _setitem(ctx, target, idx, value))

    def _at(self, stmt, thunk):
        try:
            return thunk()
        except GradcliError as exc:
            raise exc.at(stmt.line, stmt.column, self.source.line(stmt.line)) from None

    def evaluate(self, code: list, env: dict, ctx: Context):
        """Run postfix instructions; errors get the position of the instruction that failed."""
        stack: list = []
        push, pop = stack.append, stack.pop
        pos = None
        try:
            for kind, arg, pos in code:  # the commonest instructions are tested first
                if kind == "name":
                    if arg in env:
                        push(env[arg])
                    elif arg in CONSTANTS:
                        push(_CONSTANT_VALUES[arg])
                    else:
                        raise GradcliError(f"unknown name {arg!r}", kind="name")
                elif kind == "binop":
                    right = pop()
                    push(_binop(ctx, arg, pop(), right))
                elif kind == "const":
                    push(arg)
                elif kind == "call" or kind == "method":
                    name, nargs, kwnames, library = arg
                    if kwnames:
                        kwargs = dict(zip(kwnames, stack[-len(kwnames):]))
                        del stack[-len(kwnames):]
                    else:
                        kwargs = {}
                    if nargs:
                        args = stack[-nargs:]
                        del stack[-nargs:]
                    else:
                        args = []
                    if kind == "method":
                        args.insert(0, pop())
                    push(_call(ctx, name, library, args, kwargs, kind == "method"))
                elif kind == "unary":
                    push(_unary(ctx, arg, pop()))
                elif kind == "compare":
                    operands = [pop() for _ in range(len(arg) + 1)][::-1]
                    push(_compare(ctx, arg, operands))
                elif kind == "attribute":
                    push(_attribute(ctx, arg, pop()))
                elif kind == "module_constant":
                    push(DType(arg) if arg not in _CONSTANT_VALUES else _CONSTANT_VALUES[arg])
                elif kind == "subscript":
                    idx = pop()
                    push(_subscript(pop(), idx))
                elif kind == "slice":
                    parts = [pop() if present else None for present in reversed(arg)][::-1]
                    push(slice(*[_slice_part(p) for p in parts]))
                elif kind == "list":
                    items = [pop() for _ in range(arg)][::-1]
                    push(items)
                elif kind == "tuple":
                    push(tuple(pop() for _ in range(arg))[::-1])
                else:  # pragma: no cover - the compiler emits nothing else
                    raise AssertionError(kind)
        except GradcliError as exc:
            line, column = pos
            raise exc.at(line, column, self.source.line(line)) from None
        return stack[-1]


# -- the interpreter's operations ---------------------------------------------------------------

def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_INTEGER_OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
                "floor_divide": lambda a, b: a // b, "remainder": lambda a, b: a % b}


# Operators that apply their primitive to two tensors as they are (matmul promotes first, and
# div makes integer operands floating).
_DIRECT = {"add", "sub", "mul", "pow", "remainder", "floor_divide"}


def _binop(ctx, op: str, a, b):
    # The common case first: tensors, and float literals (always of the program's float dtype).
    ta, tb = type(a), type(b)
    if (ta is Tensor or ta is float) and (tb is Tensor or tb is float) and op in _DIRECT \
            and (ta is Tensor or tb is Tensor):
        return apply(PRIMITIVES[op], a if ta is Tensor else number(a, ctx.dtype),
                     b if tb is Tensor else number(b, ctx.dtype))
    return _binop_general(ctx, op, a, b)


def _binop_general(ctx, op: str, a, b):
    if _is_int(a) and _is_int(b) and op in _INTEGER_OPS and (b != 0 or op in ("add", "sub", "mul")):
        result = _INTEGER_OPS[op](a, b)
        if abs(result) < 2 ** 53:  # small integer arithmetic stays exact (indices, sizes)
            return result
    if op == "pow" and _is_int(a) and _is_int(b) and 0 <= b and b * abs(a).bit_length() <= 53:
        return a ** b  # zeros(10**4) is a size; the bound is checked before computing (9**9**9)
    a, b = operand(ctx, a, b), operand(ctx, b, a)
    if op == "matmul":
        a, b = promote((a, b))
        return ops.matmul(a, b)
    if op == "div" and not is_floating(a) and not is_floating(b):  # true division, as in PyTorch
        a, b = astype(a, ctx.dtype), astype(b, ctx.dtype)
    return apply(PRIMITIVES[op], a, b)


def _unary(ctx, op: str, v):
    if op == "pos":
        return v if _is_number(v) else to_tensor(ctx, v)
    if _is_number(v):
        return -v
    return apply(PRIMITIVES["neg"], to_tensor(ctx, v))


def _compare(ctx, ops_, operands):
    """Booleans, as in PyTorch: `a < b < c` is (a < b) and (b < c)."""
    result = None
    for op, a, b in zip(ops_, operands, operands[1:]):
        m = apply(PRIMITIVES[op], operand(ctx, a, b), operand(ctx, b, a), boolean=True)
        result = m if result is None else apply(PRIMITIVES["logical"], result, m, which="and")
    return result


def _call(ctx, name: str, library: str, args, kwargs, method: bool):
    fn = functions.lookup(name, library)
    if fn is None or (method and not fn.method):
        raise GradcliError(_unknown(name, library, method), kind="name")
    if "out" in kwargs:
        raise GradcliError(f"{name}: out= is not supported (bind the result to a name)", kind="argument")
    try:
        return fn.impl(ctx, *args, **kwargs)
    except GradcliError as exc:
        if "unexpected keyword" in exc.message and exc.hint is None:
            exc.hint = _keyword_hint(fn, kwargs)
        raise
    except TypeError as exc:
        message = str(exc)
        if "positional argument" in message or "keyword argument" in message or "missing" in message:
            raise GradcliError(f"{name}(): wrong arguments ({message.split(') ', 1)[-1]})",
                               kind="argument") from None
        raise


def _unknown(name: str, library: str, method: bool) -> str:
    import difflib  # noqa: PLC0415 - only on this error path
    known = [f.name for f in functions.FUNCTIONS.values()
             if (f.method or not method) and f.library in ("torch", library)]
    aliases = [a.rpartition(".")[2] if a.startswith(library + ".") else a for a in functions.ALIASES]
    close = difflib.get_close_matches(name, sorted(set(known + aliases)), n=3)
    prefix = {"numpy": "np.", "scipy": "scipy."}.get(library, "")
    what = f"unknown method .{name}()" if method else f"unknown function {prefix}{name}()"
    if name in MATHS_NAMES and functions.lookup(MATHS_NAMES[name], library) is not None:
        close = [MATHS_NAMES[name]]  # the maths name of a function Python spells otherwise
    return what + (f"; did you mean {', '.join(close)}?" if close else "")


# Names from maths notation, and the function a program calls instead.
MATHS_NAMES = {"ln": "log", "lg": "log10", "ld": "log2", "lb": "log2", "sgn": "sign",
               "arsinh": "asinh", "arcosh": "acosh", "artanh": "atanh"}
# Keywords the functions read (they take **kwargs, so the names are not in a signature).
KEYWORDS = ("requires_grad", "dtype", "device", "dim", "axis", "keepdim", "keepdims", "out",
            "min", "max", "p", "ord", "beta", "threshold", "reduction", "weight", "bias", "size",
            "diagonal", "correction", "unbiased", "ddof", "start_dim", "end_dim", "descending",
            "stable", "input", "other", "exponent", "alpha", "negative_slope", "eps", "approximate",
            "inplace", "target", "indices", "offset", "dim1", "dim2", "k", "mode", "value")


def _keyword_hint(fn, kwargs) -> str | None:
    """did you mean requires_grad=? for requries_grad=, among the keywords functions read."""
    import difflib  # noqa: PLC0415 - only on this error path
    import re  # noqa: PLC0415
    used = {k for sample in fn.samples for k in re.findall(r"(\w+)\s*=(?!=)", str(sample))}
    for key in kwargs:
        if key in used or key in KEYWORDS:
            continue
        for known in (sorted(used), KEYWORDS):  # this function's own keywords first
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            if close:
                return f"did you mean {close[0]}=?"
    return None


def _spelling_hint(name: str) -> str | None:
    """`true` read as an input: Python spells the constants True, False and None (and π pi)."""
    spelled = {"true": "True", "false": "False", "none": "None", "null": "None", "nil": "None"}
    if name == "π":
        return "did you mean pi?"
    return f"did you mean {spelled[name]}? Python spells it with a capital letter" \
        if name in spelled else None


def _attribute(ctx, attr: str, value):
    if attr == "shape":
        return to_tensor(ctx, value).shape
    if attr == "ndim":
        return to_tensor(ctx, value).nd
    x = to_tensor(ctx, value)
    if attr == "T":
        return ops.permute(x, tuple(reversed(range(x.nd))))
    if attr == "mT":
        if x.nd < 2:
            raise GradcliError(f".mT needs at least 2 dimensions, got shape {x.shape}", kind="shape")
        return ops.mT(x)
    if attr == "data":
        return apply(PRIMITIVES["detach"], x)
    if attr == "indices":
        if not isinstance(value, ValuesIndices):
            raise GradcliError(".indices needs the result of max(x, dim) or min(x, dim)", kind="name")
        return value.indices
    return x  # .values: of max(x, dim); of a tensor, the tensor itself


def _slice_part(v):
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    raise GradcliError(f"slice bounds must be integers, got {functions._describe(v)}", kind="index")


def _index(idx) -> tuple:
    """A subscript's items: ints, slices, None and ... as they are; integer arrays and boolean
    masks (tensors, lists) as host arrays (see core/ops/index.py)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    out = []
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, slice) or _is_int(item):
            out.append(item)
        elif isinstance(item, bool):
            raise GradcliError("a single True or False cannot index; use a boolean tensor", kind="index")
        elif isinstance(item, float) and item.is_integer():
            out.append(int(item))  # a whole number that arrived as a float (3 / 1)
        elif isinstance(item, (Tensor, ValuesIndices, list)):
            out.append(index_array(item))
        else:
            raise GradcliError(f"indices must be integers, slices, None, ..., integer tensors or "
                               f"boolean masks, got {functions._describe(item)}", kind="index")
    return tuple(out)


def _is_basic(idx: tuple) -> bool:
    return not any(is_advanced(item) for item in idx)


def _check_index(x: Tensor, idx: tuple) -> None:
    """Validate against the logical shape, so that errors never mention lead axes."""
    real = [i for i in idx if i is not None and i is not Ellipsis]
    if sum(1 for i in idx if i is Ellipsis) > 1:
        raise GradcliError("an index can only have one ellipsis (...)", kind="index")
    if len(real) > x.nd:
        raise GradcliError(f"too many indices for a tensor of shape {x.shape}", kind="index")
    axis = 0
    for i, item in enumerate(idx):
        if item is Ellipsis:
            axis = x.nd - len([r for r in idx[i + 1:] if r is not None])
            continue
        if item is None:
            continue
        if isinstance(item, int):
            n = x.shape[axis]
            if not -n <= item < n:
                raise GradcliError(f"index {item} is out of range for axis {axis} of size {n} "
                                   f"(shape {x.shape})", kind="index")
        elif isinstance(item, slice) and item.step == 0:
            raise GradcliError("a slice step cannot be zero", kind="index")
        axis += 1


def _read(x: Tensor, idx: tuple) -> Tensor:
    """x[idx]: basic indexing as a view; integer arrays and masks through a gather, with
    PyTorch's order of axes (a program's subscript has no library; see docs/functions-shapes.md)."""
    if _is_basic(idx):
        _check_index(x, idx)
        return ops.index(x, idx)
    return ops.gather(x, positions(x.shape, idx, "torch"))


def _subscript(value, idx):
    if isinstance(value, ValuesIndices):  # torch.max(x, dim)[0] is the values, [1] the indices
        value = (value.values, value.indices)
    if isinstance(value, (tuple, list)) and not isinstance(value, Tensor) and _is_int(idx):
        try:  # x.shape[0], torch.split(x, 2)[1]
            return value[idx]
        except IndexError:
            what = f"{len(value)} pieces" if value and isinstance(value[0], Tensor) else \
                functions._describe(value)
            raise GradcliError(f"index {idx} is out of range for {what}", kind="index") from None
    if isinstance(value, (tuple, list)) and isinstance(idx, slice):
        return tuple(value[idx])  # x.shape[1:], pieces[:2]
    if not isinstance(value, Tensor):
        raise GradcliError(f"cannot index {functions._describe(value)}", kind="index")
    return _read(value, _index(idx))


def _setitem(ctx, target, idx: tuple, value) -> Tensor:
    if not isinstance(target, Tensor):
        raise GradcliError("only tensors can be assigned into", kind="index")
    import numpy as np  # noqa: PLC0415 - shape arithmetic on a zero-size view
    if _is_basic(idx):
        _check_index(target, idx)
        region = np.broadcast_to(np.empty(()), target.shape)[idx].shape
    else:
        at = positions(target.shape, idx, "torch")
        region = at.shape
    value = to_tensor(ctx, value)
    extra = value.nd - len(region)
    if extra > 0 and all(d == 1 for d in value.shape[:extra]):  # b[0] = ones(1, 3), as PyTorch
        value = ops.reshape(value, value.shape[extra:])
    try:
        fits = np.broadcast_shapes(value.shape, region) == region
    except ValueError:
        fits = False
    if not fits:
        raise GradcliError(f"cannot assign a value of shape {value.shape} to a region of shape "
                           f"{region}", kind="shape")
    if _is_basic(idx):
        return ops.index_put(target, astype(value, target.dtype) if value.dtype != target.dtype
                             else value, idx)
    return ops.put(target, value, at)


def _bindable(ctx, value, stmt, source):
    if isinstance(value, (Tensor, ValuesIndices)):
        return value
    if isinstance(value, tuple) and value and all(isinstance(v, Tensor) for v in value):
        return value  # the pieces of a split, the arrays of nonzero: read by index
    if _is_int(value) or (isinstance(value, tuple) and all(_is_int(v) for v in value)):
        return value  # exact while the program runs: `n = x.shape[0]` is a size; run() ends it
    if isinstance(value, list) and all_bools(value):
        return bools(value)  # [True, False, True] is a mask, as in PyTorch and NumPy
    if isinstance(value, (list, int, float)) and not isinstance(value, bool):
        return to_tensor(ctx, value)
    raise GradcliError(f"cannot bind {stmt.target} to {functions._describe(value)}", kind="value",
                       line=stmt.line, column=stmt.column, source=source.line(stmt.line))
