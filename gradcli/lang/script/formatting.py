"""f-strings, str.format and `%`: evaluated here, field by field, never by Python's own parser of
replacement fields (which would follow `{0.__class__}` wherever it leads).

Fields may index (`{0[1]}`) and read attributes (`{x.shape}`) through the script's own attribute
rules; format specs are checked before use, so `{:999999999}` is a limit error, not a 1 GB
string. Tensors format as PyTorch's do: a 0-d tensor like its number, others only with an empty
spec.
"""
from __future__ import annotations

import re

import numpy as np

from . import runtime
from .errors import ScriptError, limit, type_error, value_error
from .show import to_repr, to_str
from .tensor import STensor

# [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC = re.compile(r"(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?z?#?0?(?P<width>\d+)?[,_]?"
                   r"(?:\.(?P<precision>\d+))?(?P<type>[bcdeEfFgGnosxX%])?\Z", re.S)


def check_spec(spec: str) -> None:
    m = _SPEC.match(spec)
    if m is None:
        return  # Python itself rejects it (ValueError: Invalid format specifier), safely
    for part in ("width", "precision"):
        digits = m.group(part)
        if digits is not None and (len(digits) > 6 or int(digits) > runtime.MAX_FORMAT_WIDTH):
            raise limit(f"a format {part} of {digits[:12]}{'...' if len(digits) > 12 else ''} is over "
                        f"the limit of {runtime.MAX_FORMAT_WIDTH:,}")


def format_value(value, spec: str) -> str:
    """format(value, spec), as the script's types define it."""
    if spec:
        check_spec(spec)
    t = type(value)
    if t is STensor:
        if value.t.data.ndim == 0:
            from .methods import item  # noqa: PLC0415
            return format(item(value), spec)
        if spec:
            raise type_error("unsupported format string passed to Tensor.__format__")
        return to_str(value)
    if t in (int, float, bool, str) or value is None:
        return format(value, spec) if value is not None or not spec else _object_format(value, spec)
    if isinstance(value, np.generic):
        return format(value, spec)
    if t is np.ndarray:
        if value.ndim == 0:
            return format(value.item(), spec)
        if spec:
            raise type_error("unsupported format string passed to numpy.ndarray.__format__")
        return str(value)
    if spec:
        return _object_format(value, spec)
    return to_str(value)


def _object_format(value, spec):
    from .pyvalues import type_name  # noqa: PLC0415
    raise type_error(f"unsupported format string passed to {type_name(value)}.__format__")


def convert(value, conversion: str | None):
    if conversion is None or conversion == -1:
        return value
    if conversion in ("r", ord("r")):
        return to_repr(value)
    if conversion in ("s", ord("s")):
        return to_str(value)
    if conversion in ("a", ord("a")):
        return _ascii(to_repr(value))
    raise value_error(f"Unknown conversion specifier {conversion}")


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")


def joined(parts) -> str:
    text = "".join(parts)
    runtime.check_length(len(text), "a string")
    return text


# -- str.format -----------------------------------------------------------------------------------

def str_format(fmt: str, args, kwargs, getattr_, getitem) -> str:
    state = {"auto": 0, "manual": False}
    return joined(_format_parts(fmt, args, kwargs, getattr_, getitem, state, depth=0))


def _format_parts(fmt, args, kwargs, getattr_, getitem, state, depth):
    import string  # noqa: PLC0415
    if depth > 2:
        raise value_error("Max string recursion exceeded")
    out = []
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise value_error(str(exc)) from None
    for literal, field, spec, conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        value = _field(field, args, kwargs, getattr_, getitem, state)
        if spec and "{" in spec:
            spec = "".join(_format_parts(spec, args, kwargs, getattr_, getitem, state, depth + 1))
        out.append(format_value(convert(value, conversion), spec or ""))
    return out


_FIELD = re.compile(r"(\.[^.\[]+|\[[^\]]*\])")


def _field(field: str, args, kwargs, getattr_, getitem, state):
    m = re.match(r"[^.\[]*", field)
    first, rest = m.group(0), field[m.end():]
    if first == "":
        if state["manual"]:
            raise value_error("cannot switch from manual field specification to automatic field numbering")
        first = str(state["auto"])
        state["auto"] += 1
        state["auto_used"] = True
    elif first.isdigit():
        if state.get("auto_used"):
            raise value_error("cannot switch from automatic field numbering to manual field specification")
        state["manual"] = True
    if first.isdigit():
        index = int(first)
        if index >= len(args):
            raise ScriptError("IndexError", f"Replacement index {index} out of range for positional "
                              f"args tuple")
        value = args[index]
    else:
        if first not in kwargs:
            raise ScriptError("KeyError", first, args=(first,))
        value = kwargs[first]
    pos = 0
    while pos < len(rest):
        m = _FIELD.match(rest, pos)
        if m is None:
            raise value_error("Only '.' or '[' may follow ']' in format field specifier")
        part = m.group(0)
        pos = m.end()
        if part[0] == ".":
            value = getattr_(value, part[1:])
        else:
            key = part[1:-1]
            value = getitem(value, int(key) if key.isdigit() else key)
    return value


# -- printf-style % --------------------------------------------------------------------------------

_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[#0\- +]*)(?P<width>\*|\d+)?"
                      r"(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")


def percent(fmt: str, values) -> str:
    """fmt % values: each value converted first (tensors to numbers or their text)."""
    mapping = values if isinstance(values, dict) else None
    items = list(values) if type(values) is tuple else [values] if mapping is None else []
    converted_items, converted_map = [], {}
    position = 0
    for m in _PERCENT.finditer(fmt):
        kind = m.group("type")
        for part in ("width", "precision"):
            digits = m.group(part)
            if digits == "*":
                raise value_error("'*' widths are not supported by gradcli")
            if digits is not None and (len(digits) > 6 or int(digits) > runtime.MAX_FORMAT_WIDTH):
                raise limit(f"a format {part} of {digits[:12]} is over the limit of "
                            f"{runtime.MAX_FORMAT_WIDTH:,}")
        if kind == "%":
            continue
        if mapping is not None:
            key = m.group("key")
            if key not in mapping:
                raise ScriptError("KeyError", key, args=(key,))
            converted_map[key] = _percent_value(mapping[key], kind)
        else:
            if position >= len(items):
                raise type_error("not enough arguments for format string")
            converted_items.append(_percent_value(items[position], kind))
            position += 1
    if mapping is None and position < len(items):
        raise type_error("not all arguments converted during string formatting")
    try:
        text = fmt % (converted_map if mapping is not None else tuple(converted_items))
    except (TypeError, ValueError) as exc:
        raise ScriptError(type(exc).__name__, str(exc)) from None
    runtime.check_length(len(text), "a string")
    return text


def _percent_value(value, kind: str):
    if kind in "sra":
        return _Text(to_str(value) if kind == "s" else to_repr(value))
    if type(value) is STensor:
        from .methods import item  # noqa: PLC0415
        if value.t.data.size != 1:
            raise type_error("only one element tensors can be converted to Python scalars")
        value = item(value)
    if isinstance(value, np.generic):
        value = value.item()
    if type(value) not in (int, float, bool):
        from .pyvalues import type_name  # noqa: PLC0415
        raise type_error(f"%{kind} format: a real number is required, not {type_name(value)}"
                         if kind not in "dioxXc" else
                         f"%{kind} format: an integer is required, not {type_name(value)}")
    return value


class _Text(str):
    """A string whose %s and %r both give the text itself (already the script's str/repr)."""

    __slots__ = ()

    def __repr__(self):
        return str.__str__(self)
