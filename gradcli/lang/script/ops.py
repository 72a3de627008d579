"""Tensor arithmetic as PyTorch does it: dtype promotion, then the core op, then the in-place rules.

`binary("mul", a, b)` is `a * b` for any mix of script tensors and Python numbers: the result
dtype is torch.result_type's, both operands are cast to it (differentiably between floating
dtypes), and the core op records the node. In-place forms (`a += b`, `a.add_(b)`) follow
PyTorch's rules: the result must be castable to a's dtype, a leaf that requires grad cannot be
changed while grad mode is on, and a's version counter moves on (autograd.py checks it).
"""
from __future__ import annotations

import numpy as np

from ...core import ops as core_ops
from ...core import tensor as core
from ...core.tensor import PRIMITIVES, Op, Tensor, apply, constant
from ...errors import GradcliError
from . import dtypes, runtime
from .autograd import record
from .dtypes import BOOL, FLOATING, DType
from .errors import ScriptError, runtime_error
from .kernels import POW
from .tensor import STensor, cast_core, wrap

ARITHMETIC = ("add", "sub", "mul", "div", "pow")
COMPARISONS = ("lt", "le", "gt", "ge", "eq", "ne")
_NUMBERS = (int, float, bool)


def _floor_divide(xp, a, b):
    return xp.floor_divide(a, b)


def _remainder(xp, a, b):
    return a - xp.floor_divide(a, b) * b if a.dtype.kind == "f" else xp.remainder(a, b)


# Ops PyTorch has that the core table does not need: no gradient (floor_divide's is not defined
# in PyTorch either), or a gradient that passes through (remainder's is 1 for the dividend).
EXTRA = {
    "floordiv": Op("floor_divide", _floor_divide, elementwise=True, differentiable=False,
                   backward_name="FloorDivideBackward0"),
    "mod": Op("remainder", _remainder, partials=(lambda ans, x, y: 1, None),
              backward_name="RemainderBackward0"),
    "and": Op("bitwise_and", lambda xp, a, b: a & b, elementwise=True, differentiable=False),
    "or": Op("bitwise_or", lambda xp, a, b: a | b, elementwise=True, differentiable=False),
    "xor": Op("bitwise_xor", lambda xp, a, b: a ^ b, elementwise=True, differentiable=False),
}
_OPS = {**{name: PRIMITIVES[name] for name in ARITHMETIC + COMPARISONS}, **EXTRA, "pow": POW}
TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
              "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
              "bool": "Bool"}


def _operand(x, what: str):
    raise ScriptError("TypeError", f"unsupported operand type(s) for {what}: "
                      f"'{_type_name(x)}'")


def _type_name(x) -> str:
    return "Tensor" if type(x) is STensor else type(x).__name__


def result_dtype(a, b) -> DType:
    """torch.result_type of two operands (script tensors or Python numbers)."""
    dims, zeros, scalars = [], [], []
    default = runtime.RT.default_float
    for x in (a, b):
        if type(x) is STensor:
            (dims if x.t.data.ndim else zeros).append(x.dtype)
        else:
            scalars.append(dtypes.scalar_dtype(x, default))
    return dtypes.result_type(dims, zeros, scalars, default)


def _as_core(x, dtype: DType) -> Tensor:
    if type(x) is STensor:
        return x.t if x.dtype is dtype else cast_core(x.t, dtype.numpy)
    t = constant(x, dtype=dtype.numpy)
    if not isinstance(x, bool):
        t.number = float(x)
    return t


def binary(name: str, a, b) -> STensor:
    """a <op> b, where a or b is a script tensor and the other a tensor or a Python number."""
    ta, tb = type(a), type(b)
    if ta is STensor and tb is STensor and a.dtype is b.dtype:
        dtype = a.dtype
        if name == "div" and dtype.category != FLOATING:
            dtype = runtime.RT.default_float
        ca, cb = _as_core(a, dtype), _as_core(b, dtype)
    else:
        if ta is not STensor and ta not in _NUMBERS:
            return _operand(a, name)
        if tb is not STensor and tb not in _NUMBERS:
            return _operand(b, name)
        if ta is STensor and tb is float and a.dtype.category == FLOATING:
            dtype = a.dtype  # the common case (x * 0.5): no promotion to work out
        else:
            dtype = result_dtype(a, b)
        if name == "div" and dtype.category != FLOATING:
            dtype = runtime.RT.default_float
        if name in ("sub", "neg") and dtype.category == BOOL:
            raise runtime_error("Subtraction, the `-` operator, with two bool tensors is not supported. "
                                "If you are trying to invert a mask, use the `~` or `logical_not()` "
                                "operator instead.")
        ca, cb = _as_core(a, dtype), _as_core(b, dtype)
        if ta is not STensor and name in ("add", "mul"):
            ca, cb = cb, ca  # 2 * x is x.mul(2) in PyTorch: the tensor is the node's first input
    try:
        out = apply(_OPS[name], ca, cb)
    except GradcliError as exc:
        raise _shape_error(exc, a, b) from None
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        raise runtime_error(str(exc)) from None
    return record(wrap(out, dtype), (a, b))


def compare(name: str, a, b) -> STensor:
    """a < b and friends: a bool tensor, never differentiable."""
    if type(a) is not STensor and type(a) not in _NUMBERS or type(b) is not STensor and type(b) not in _NUMBERS:
        if name in ("eq", "ne"):
            return name == "ne"  # x == None is False, as in PyTorch
        raise ScriptError("TypeError", f"'{_SYMBOLS[name]}' not supported between instances of "
                          f"'{_type_name(a)}' and '{_type_name(b)}'")
    dtype = result_dtype(a, b)
    previous = core.recording
    core.recording = False
    try:
        out = apply(_OPS[name], _as_core(a, dtype), _as_core(b, dtype))
    except GradcliError as exc:
        raise _shape_error(exc, a, b) from None
    finally:
        core.recording = previous
    out.data = out.data.astype(np.bool_)
    return wrap(out, dtypes.bool_)


_SYMBOLS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


def _shape_error(exc: GradcliError, a, b) -> BaseException:
    if exc.kind == "limit":
        return exc
    if "Integers to negative integer powers" in exc.message:
        return runtime_error("Integers to negative integer powers are not allowed.")
    sa = a.t.data.shape if type(a) is STensor else ()
    sb = b.t.data.shape if type(b) is STensor else ()
    return runtime_error(broadcast_message(sa, sb) or exc.message)


def broadcast_message(sa, sb) -> str | None:
    """PyTorch's words for shapes that do not broadcast."""
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for k in range(n - 1, -1, -1):
        if pa[k] != pb[k] and pa[k] != 1 and pb[k] != 1:
            return (f"The size of tensor a ({pa[k]}) must match the size of tensor b ({pb[k]}) at "
                    f"non-singleton dimension {k - (n - max(len(sa), len(sb)))}")
    return None


def negate(a: STensor) -> STensor:
    if a.dtype.category == BOOL:
        raise runtime_error("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                            "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return record(wrap(apply(PRIMITIVES["neg"], a.t), a.dtype), (a,))


def invert(a: STensor) -> STensor:
    if a.dtype.category == FLOATING:
        raise runtime_error('"bitwise_not_cpu" not implemented for \'Float\'')
    data = ~a.t.data
    return wrap(Tensor(data), a.dtype)


def matmul(a, b) -> STensor:
    """a @ b with PyTorch's checks and messages (same dtype, at least 1-D, matching sizes)."""
    if type(a) is not STensor or type(b) is not STensor:
        raise ScriptError("TypeError", f"matmul(): argument 'other' (position 1) must be Tensor, not "
                          f"{_type_name(b if type(a) is STensor else a)}")
    sa, sb = a.t.data.shape, b.t.data.shape
    if not sa or not sb:
        raise runtime_error(f"both arguments to matmul need to be at least 1D, but they are "
                            f"{len(sa)}D and {len(sb)}D")
    if a.dtype is not b.dtype:
        raise runtime_error(f"expected m1 and m2 to have the same dtype, but got: "
                            f"{_c_name(a.dtype)} != {_c_name(b.dtype)}")
    inner_b = sb[-2] if len(sb) > 1 else sb[0]
    if sa[-1] != inner_b:
        if len(sa) == 1 and len(sb) == 1:
            raise runtime_error(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] "
                                f"to have the same number of elements, but got {sa[0]} and {sb[0]} "
                                "elements respectively")
        if len(sa) == 2 and len(sb) == 1:
            raise runtime_error(f"size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), vec ({sb[0]})")
        m1 = "x".join(str(d) for d in (sa if len(sa) > 1 else (1,) + sa)[-2:])
        m2 = "x".join(str(d) for d in sb[-2:])
        raise runtime_error(f"mat1 and mat2 shapes cannot be multiplied ({m1} and {m2})")
    try:
        out = core_ops.matmul(a.t, b.t)
    except GradcliError as exc:
        raise _shape_error(exc, a, b) from None
    return record(wrap(out, a.dtype), (a, b))


def _c_name(d: DType) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "bool": "bool", "float16": "c10::Half"}.get(d.name, d.name)


# -- in place -------------------------------------------------------------------------------------

LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_IN_PLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def check_in_place(s: STensor, setitem: bool = False) -> None:
    """PyTorch refuses to change a leaf that requires grad (or a view of one) while recording."""
    if not core.recording:
        return
    if s.t.op is None and s.t.requires_grad:
        raise runtime_error(VIEW_IN_PLACE if setitem else LEAF_IN_PLACE)
    base = s.base
    if base is not None and base.t.op is None and base.t.requires_grad and s.t.op is not None:
        raise runtime_error(VIEW_IN_PLACE)


def castable(frm: DType, to: DType) -> bool:
    """torch.can_cast: never floating -> integral, never anything -> bool."""
    if frm.category == FLOATING and to.category != FLOATING:
        return False
    if frm.category != BOOL and to.category == BOOL:
        return False
    return True


def cast_error(frm: DType, to: DType) -> ScriptError:
    return runtime_error(f"result type {TYPE_NAMES[frm.name]} can't be cast to the desired output "
                         f"type {TYPE_NAMES[to.name]}")


def commit(s: STensor, new: Tensor, name: str | None = None) -> STensor:
    """Make s hold new's value, in place: its memory when nothing is recorded (views and .numpy()
    arrays see the change, a leaf stays the same leaf), its graph node when something is."""
    from .autograd import info  # noqa: PLC0415
    data = new.data
    if data.dtype != s.t.data.dtype:
        if new.op is not None:
            new = cast_core(new, s.t.data.dtype)
        data = np.asarray(data).astype(s.t.data.dtype)
        new.data = data
    if new.op is None:
        target = s.t.data
        if type(target) is np.ndarray and target.flags.writeable:
            try:
                np.copyto(target, data, casting="unsafe")
            except ValueError:
                raise runtime_error(f"output with shape {list(target.shape)} doesn't match the broadcast "
                                    f"shape {list(np.shape(data))}") from None
        else:
            s.t.data = np.array(np.broadcast_to(data, target.shape), dtype=target.dtype)
    else:
        if new.data.shape != s.t.data.shape:
            raise runtime_error(f"output with shape {list(s.t.data.shape)} doesn't match the broadcast "
                                f"shape {list(new.data.shape)}")
        if s.base is not None and type(s.t.data) is np.ndarray and s.t.data.flags.writeable:
            np.copyto(s.t.data, new.data, casting="unsafe")  # a view: its base sees the change
        if type(new.data) is not np.ndarray:
            new.data = np.asarray(new.data)
        s.t = new
        if name is not None:
            info(new).name = name
    s.vc[0] += 1
    return s


def in_place(s: STensor, name: str, other, label: str | None = None) -> STensor:
    """s.add_(other) and friends, `s += other`: PyTorch's checks, then commit."""
    check_in_place(s)
    dtype = result_dtype(s, other) if name != "div" else None
    if name == "div":
        dtype = result_dtype(s, other)
        if dtype.category != FLOATING:
            dtype = runtime.RT.default_float
    if not castable(dtype, s.dtype):
        raise cast_error(dtype, s.dtype)
    try:
        new = apply(_OPS[name], _as_core(s, dtype), _as_core(other, dtype))
    except GradcliError as exc:
        raise _shape_error(exc, s, other) from None
    if new.data.shape != s.t.data.shape:
        raise runtime_error(f"output with shape {list(s.t.data.shape)} doesn't match the broadcast shape "
                            f"{list(new.data.shape)}")
    inputs = (STensor(s.t, s.dtype, [s.vc[0]]), other)  # the value before, as the node saw it
    commit(s, new, label or _IN_PLACE_NAMES.get(name))
    if s.t is new:
        record(s, inputs)
    return s


_IN_PLACE_NAMES = {"add": "AddBackward0", "sub": "SubBackward0", "mul": "MulBackward0",
                   "div": "DivBackward0", "pow": "PowBackward0"}


def is_number(x) -> bool:
    return type(x) in _NUMBERS

