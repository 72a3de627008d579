"""The Python a tutorial script uses, on plain values: operators, truth, iteration, builtins.

Python numbers, strings and containers are real Python values; what could grow without bound
is checked before it is made (`"a" * 10**10`, `[0] * 10**9`, `10**10**10`, `list(range(10**12))`),
and built-ins that loop over an iterable draw on the run's step budget. Operators on tensors go
to ops.py, on NumPy arrays to NumPy.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from . import objects, runtime
from .errors import ScriptError, limit, runtime_error, type_error
from .objects import Native, NativeClass, ScriptClass, ScriptObject
from .tensor import Size, STensor

_PRIMITIVE = (int, float, bool, str, list, tuple, dict, set, Size, type(None), range)
_SEQUENCES = (str, list, tuple, Size)


def type_name(value) -> str:
    t = type(value)
    if t is STensor:
        return "Parameter" if value.is_param else "Tensor"
    if t is ScriptObject:
        return value.cls.name
    cls = objects.class_of(value)
    if cls is not None:
        return cls.name
    if t is Native or t is objects.BoundNative:
        return "builtin_function_or_method"
    if t is objects.ScriptFunction:
        return "function"
    if t is objects.BoundMethod:
        return "method"
    if t is np.ndarray:
        return "numpy.ndarray"
    named = getattr(t, "script_type_name", None)
    if named is not None:
        return named
    if t is ScriptError:
        return value.type_name
    return t.__name__


# -- truth and iteration --------------------------------------------------------------------------

def truth(value) -> bool:
    t = type(value)
    if t is bool:
        return value
    if t is STensor:
        if value.t.data.size != 1:
            raise runtime_error("Boolean value of Tensor with more than one value is ambiguous")
        return bool(value.t.data.reshape(()))
    if t in (int, float, str, list, tuple, dict, set, Size, range) or value is None:
        return bool(value)
    if t is np.ndarray or isinstance(value, np.generic):
        try:
            return bool(value)
        except ValueError as exc:
            raise ScriptError("ValueError", str(exc)) from None
    length = getattr(t, "script_len", None)
    if length is not None:
        return length(value) > 0
    return True


def iterate(value):
    """A Python iterator over a script value (for loops, list(), unpacking...)."""
    t = type(value)
    if t in (list, tuple, str, dict, set, range, Size) or t is zip or t is enumerate:
        return iter(value)
    if t is STensor:
        from .methods import unbind_rows  # noqa: PLC0415
        return iter(unbind_rows(value))
    if t is np.ndarray:
        if value.ndim == 0:
            raise type_error("iteration over a 0-d array")
        return iter(list(value))
    items = getattr(t, "script_iter", None)
    if items is not None:
        return items(value)
    if t.__name__ in ("generator", "map", "filter", "OrderedDict", "ReturnTypes", "dict_keys",
                      "dict_values", "dict_items", "zip", "reversed", "list_iterator"):
        return iter(value)
    raise type_error(f"'{type_name(value)}' object is not iterable")


def counted(iterable):
    """Iterate for a built-in (sum, list, sorted...), drawing a step per item."""
    for item in iterate(iterable):
        runtime.step()
        yield item


def materialize(iterable) -> list:
    if type(iterable) in (range, list, tuple, str, Size):
        runtime.check_length(len(iterable), "a list")
    out = []
    for item in counted(iterable):
        out.append(item)
        if len(out) > runtime.MAX_LENGTH:
            runtime.check_length(len(out), "a list")
    return out


# -- nested containers: their size as trees -------------------------------------------------------------

_NESTED = (list, tuple, dict, set, frozenset)


def bounded(value):
    """value, once it is known that walking it as a tree (what ==, hash and repr do) stays small.

    `x = [x, x]` done 200 times is 201 lists but 2**200 paths: Python's own == or repr of it would
    never end. The size of the tree is counted with each shared container counted once per use,
    memoized, so the count itself is linear in the number of distinct containers.
    """
    if type(value) not in _NESTED:
        return value
    sizes: dict[int, int] = {}
    stack = [(value, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children = list(node.keys()) + list(node.values()) if type(node) is dict else node
        nested = [c for c in children if type(c) in _NESTED]
        if not done:
            sizes[key] = -1  # in progress (a container that holds itself is cut here)
            stack.append((node, True))
            stack.extend((c, False) for c in nested if id(c) not in sizes)
            continue
        total = len(children) + sum(max(sizes.get(id(c), 0), 0) for c in nested)
        if total > runtime.MAX_LENGTH:
            raise limit(f"a nested container of about {total:,} items (counting shared parts each time "
                        f"they appear) is over the limit of {runtime.MAX_LENGTH:,}")
        sizes[key] = total
    return value


# -- operators on plain values -----------------------------------------------------------------------

def _check_int(value) -> None:
    if type(value) is int and value.bit_length() > runtime.MAX_INT_BITS:
        raise limit(f"an integer of {value.bit_length():,} bits is over the limit of "
                    f"{runtime.MAX_INT_BITS:,} bits")


def _repeat(seq, n) -> None:
    if type(n) is int and type(seq) in _SEQUENCES + (bytes,):
        runtime.check_length(len(seq) * max(n, 0), "a repeated sequence")


def py_binary(op: str, a, b):
    ta, tb = type(a), type(b)
    if (ta is np.ndarray or tb is np.ndarray or isinstance(a, np.generic) or isinstance(b, np.generic)):
        return _numpy_binary(op, a, b)
    if ta not in _PRIMITIVE or tb not in _PRIMITIVE:
        raise type_error(f"unsupported operand type(s) for {_SYMBOL[op]}: '{type_name(a)}' and "
                         f"'{type_name(b)}'")
    if op == "mul":
        _repeat(a, b)
        _repeat(b, a)
        if ta is int and tb is int and a.bit_length() + b.bit_length() > runtime.MAX_INT_BITS + 1:
            raise limit(f"a product of about {a.bit_length() + b.bit_length():,} bits is over the limit "
                        f"of {runtime.MAX_INT_BITS:,} bits")
    elif op == "pow":
        if ta is int and tb is int and b > 0 and abs(a) > 1 and \
                b * a.bit_length() > runtime.MAX_INT_BITS:
            raise limit(f"{a} ** {b} would have about {b * a.bit_length():,} bits, over the limit of "
                        f"{runtime.MAX_INT_BITS:,}")
    elif op == "lshift":
        if ta is int and tb is int and b > runtime.MAX_INT_BITS:
            raise limit(f"{a} << {b} is over the limit of {runtime.MAX_INT_BITS:,} bits")
    try:
        result = _PY_OPS[op](a, b)
    except OverflowError as exc:
        raise ScriptError("OverflowError", str(exc), args=exc.args) from None
    tr = type(result)
    if tr is int:
        _check_int(result)
    elif tr in (str, list, tuple):
        runtime.check_length(len(result), "a sequence")
    return result


_PY_OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
           "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
           "lshift": operator.lshift, "rshift": operator.rshift, "and": operator.and_,
           "or": operator.or_, "xor": operator.xor, "matmul": operator.matmul}
_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floordiv": "//", "mod": "%", "pow": "** or pow()",
           "lshift": "<<", "rshift": ">>", "and": "&", "or": "|", "xor": "^", "matmul": "@"}


def _numpy_binary(op, a, b):
    for x in (a, b):
        if type(x) not in (np.ndarray, int, float, bool) and not isinstance(x, np.generic):
            raise type_error(f"unsupported operand type(s) for {_SYMBOL[op]}: '{type_name(a)}' and "
                             f"'{type_name(b)}'")
    shape = np.broadcast_shapes(np.shape(a), np.shape(b)) if op != "matmul" else ()
    runtime.charge(int(np.prod(shape)) if shape else 1)
    try:
        with np.errstate(all="ignore"):
            return _PY_OPS[op](a, b)
    except ValueError as exc:
        raise ScriptError("ValueError", str(exc)) from None


def binary(op: str, a, b):
    """a <op> b for any two script values."""
    if type(a) is STensor or type(b) is STensor:
        from . import ops  # noqa: PLC0415
        if op == "matmul":
            return ops.matmul(a, b)
        if op == "mod" and type(a) is str:
            return py_binary(op, a, b)
        if (type(a) is STensor or type(a) in (int, float, bool)) and \
                (type(b) is STensor or type(b) in (int, float, bool)):
            return ops.binary(op, a, b)
        if type(a) is np.ndarray or type(b) is np.ndarray:
            raise type_error(f"unsupported operand type(s) for {_SYMBOL[op]}: '{type_name(a)}' and "
                             f"'{type_name(b)}'")
        raise type_error(f"unsupported operand type(s) for {_SYMBOL[op]}: '{type_name(a)}' and "
                         f"'{type_name(b)}'")
    if op == "mod" and type(a) is str:
        from .formatting import percent  # noqa: PLC0415
        return percent(a, b)
    return py_binary(op, a, b)


_COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
            "eq": operator.eq, "ne": operator.ne}


def compare(op: str, a, b):
    if op == "is":
        return a is b
    if op == "is_not":
        return a is not b
    if op in ("in", "not_in"):
        found = contains(b, a)
        return found if op == "in" else not found
    ta, tb = type(a), type(b)
    if ta is STensor or tb is STensor:
        from . import ops  # noqa: PLC0415
        return ops.compare(op, a, b)
    if ta is np.ndarray or tb is np.ndarray:
        return _COMPARE[op](a, b)
    if ta in _PRIMITIVE and tb in _PRIMITIVE or isinstance(a, np.generic) or isinstance(b, np.generic):
        bounded(a)
        bounded(b)
        try:
            return _COMPARE[op](a, b)
        except TypeError as exc:
            raise type_error(str(exc)) from None
    if op == "eq":  # gradcli's objects compare by identity, except those that define equality
        return a is b or (type(a) is type(b) and type(a).__eq__ is not object.__eq__ and a == b)
    if op == "ne":
        return not compare("eq", a, b)
    raise type_error(f"'{_CMP_SYMBOL[op]}' not supported between instances of '{type_name(a)}' and "
                     f"'{type_name(b)}'")


_CMP_SYMBOL = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def contains(container, item) -> bool:
    bounded(item)
    t = type(container)
    if t is dict or t.__name__ == "OrderedDict":
        return item in container
    if t is str:
        if type(item) is not str:
            raise type_error(f"'in <string>' requires string as left operand, not {type_name(item)}")
        return item in container
    if t in (list, tuple, set, range, Size):
        if type(item) in _PRIMITIVE:
            return item in container
        return any(x is item or (type(x) is not STensor and compare("eq", x, item) is True)
                   for x in container)
    if t is STensor:
        from . import ops  # noqa: PLC0415
        return bool((ops.compare("eq", container, item).t.data).any())
    raise type_error(f"argument of type '{type_name(container)}' is not iterable")


def unary(op: str, v):
    t = type(v)
    if t is STensor:
        from . import ops  # noqa: PLC0415
        if op == "neg":
            return ops.negate(v)
        if op == "pos":
            return v
        if op == "invert":
            return ops.invert(v)
    if op == "not":
        return not truth(v)
    if t in (int, float, bool) or t is np.ndarray or isinstance(v, np.generic):
        if op == "neg":
            return -v
        if op == "pos":
            return +v
        if op == "invert":
            return ~v
    raise type_error(f"bad operand type for unary {dict(neg='-', pos='+', invert='~')[op]}: "
                     f"'{type_name(v)}'")


# -- type objects ------------------------------------------------------------------------------------

def _to_int(value=0, base=None):
    if type(value) is STensor:
        return int(_scalar(value))
    if base is not None:
        return int(value, base)
    if type(value) is str and len(value) > 4300:
        raise limit("an integer string is too long")
    return int(value)


def _to_float(value=0.0):
    if type(value) is STensor:
        return float(_scalar(value))
    return float(value)


def _scalar(s: STensor):
    from .methods import item  # noqa: PLC0415
    if s.t.data.size != 1:
        raise ScriptError("ValueError", "only one element tensors can be converted to Python scalars")
    return item(s)


def _to_bool(value=False):
    return truth(value)


def _to_str(value=""):
    from .show import to_str  # noqa: PLC0415
    return to_str(value)


def _to_list(iterable=()):
    return materialize(iterable)


def _to_tuple(iterable=()):
    return tuple(materialize(iterable))


def _to_set(iterable=()):
    return set(bounded(materialize(iterable)))


def _to_dict(*args, **kwargs):
    out = {}
    if args:
        source = args[0]
        if type(source) is dict or type(source).__name__ == "OrderedDict":
            out.update(source)
        else:
            for pair in counted(source):
                key, value = materialize(pair)
                out[key] = value
    out.update(kwargs)
    return bounded(out)


def _new_exception(name):
    def construct(*args):
        from .show import to_str  # noqa: PLC0415
        message = to_str(args[0]) if len(args) == 1 else str(tuple(args)) if args else ""
        return ScriptError(name, message, args=args)
    return construct


def _is_exception(name):
    return lambda v: type(v) is ScriptError and v.is_a(name)


INT = NativeClass("int", construct=_to_int, check=lambda v: type(v) in (int, bool))
FLOAT = NativeClass("float", construct=_to_float, check=lambda v: type(v) is float)
BOOL = NativeClass("bool", construct=_to_bool, check=lambda v: type(v) is bool)
STR = NativeClass("str", construct=_to_str, check=lambda v: type(v) is str)
LIST = NativeClass("list", construct=_to_list, check=lambda v: type(v) is list)
TUPLE = NativeClass("tuple", construct=_to_tuple, check=lambda v: isinstance(v, tuple))
DICT = NativeClass("dict", construct=_to_dict, check=lambda v: isinstance(v, dict))
SET = NativeClass("set", construct=_to_set, check=lambda v: type(v) is set)
RANGE = NativeClass("range", construct=range, check=lambda v: type(v) is range)
NONE = NativeClass("NoneType", check=lambda v: v is None)
OBJECT = NativeClass("object", construct=lambda: ScriptObject(None), check=lambda v: True)
FUNCTION = NativeClass("function", check=lambda v: type(v) is objects.ScriptFunction)
EXCEPTIONS = {name: NativeClass(name, construct=_new_exception(name), check=_is_exception(name))
              for name in ("BaseException", "Exception", "ArithmeticError", "ZeroDivisionError",
                           "OverflowError", "AssertionError", "AttributeError", "LookupError",
                           "IndexError", "KeyError", "NameError", "RuntimeError", "NotImplementedError",
                           "TypeError", "ValueError", "StopIteration", "ImportError")}
_BY_TYPE = {int: INT, float: FLOAT, bool: BOOL, str: STR, list: LIST, tuple: TUPLE, dict: DICT,
            set: SET, range: RANGE, type(None): NONE}


def type_of(value):
    """type(value): the class object a script can print, compare and call."""
    t = type(value)
    found = _BY_TYPE.get(t)
    if found is not None:
        return found
    if t is ScriptObject:
        return value.cls
    cls = objects.class_of(value)
    if cls is not None:
        return cls
    if t is ScriptError:
        return EXCEPTIONS.get(value.type_name, EXCEPTIONS["Exception"])
    if t is objects.ScriptFunction:
        return FUNCTION
    found = objects.TYPES.get(t)
    if found is not None:
        return found if type(found) is NativeClass else found(value)
    return NativeClass(type_name(value), module="builtins")


def isinstance_(value, classes) -> bool:
    if type(classes) is tuple:
        return any(isinstance_(value, c) for c in classes)
    t = type(classes)
    if t is NativeClass:
        if classes.check is not None:
            return bool(classes.check(value))
        return type_of(value) is classes
    if t is ScriptClass:
        cls = objects.class_of(value)
        return cls is not None and classes in cls.mro
    raise type_error("isinstance() arg 2 must be a type, a tuple of types, or a union")


def issubclass_(cls, classes) -> bool:
    if type(classes) is tuple:
        return any(issubclass_(cls, c) for c in classes)
    if type(cls) is ScriptClass:
        return classes in cls.mro
    if type(cls) is NativeClass:
        c = cls
        while c is not None:
            if c is classes:
                return True
            c = c.base
        return classes is OBJECT
    raise type_error("issubclass() arg 1 must be a class")


# -- built-in functions ------------------------------------------------------------------------------

def _print(*args, sep=" ", end="\n", file=None, flush=False):
    from .show import to_str  # noqa: PLC0415
    if sep is None:
        sep = " "
    if end is None:
        end = "\n"
    if type(sep) is not str or type(end) is not str:
        raise type_error("sep and end must be None or a string")
    if file is not None:
        raise type_error("print(file=...) is not supported by gradcli: scripts print to stdout")
    text = sep.join(to_str(a) for a in args) + end
    runtime.RT.write(text)
    hooks = runtime.RT.hooks
    if hooks is not None:
        hooks.printed(text)


def _len(value):
    t = type(value)
    if t is STensor:
        if value.t.data.ndim == 0:
            raise type_error("len() of a 0-d tensor")
        return value.t.data.shape[0]
    length = getattr(t, "script_len", None)
    if length is not None:
        return length(value)
    try:
        return len(value)
    except TypeError:
        raise type_error(f"object of type '{type_name(value)}' has no len()") from None


def _abs(value):
    if type(value) is STensor:
        from .torchlib import call_torch  # noqa: PLC0415
        return call_torch("abs", value)
    return abs(value)


def _sum(iterable, start=0):
    total = start
    for item in counted(iterable):
        total = binary("add", total, item)
    return total


def _extreme(name, pick):
    def impl(*args, key=None, default=_MISSING):
        items = materialize(args[0]) if len(args) == 1 else list(args)
        if not items:
            if default is not _MISSING:
                return default
            raise ScriptError("ValueError", f"{name}() iterable argument is empty" if len(args) == 1
                              else f"{name} expected at least 1 argument, got 0")
        best = items[0]
        best_key = best if key is None else objects.invoke(key, [best], {})
        for item in items[1:]:
            k = item if key is None else objects.invoke(key, [item], {})
            if truth(compare(pick, k, best_key)):
                best, best_key = item, k
        return best
    return impl


_MISSING = object()


def _round(value, ndigits=None):
    if type(value) is STensor:
        from .torchlib import call_torch  # noqa: PLC0415
        return call_torch("round", value) if ndigits is None else call_torch("round", value, decimals=ndigits)
    if isinstance(value, np.generic):
        return value.round(ndigits) if ndigits is not None else round(float(value))
    return round(value) if ndigits is None else round(value, ndigits)


def _sorted(iterable, key=None, reverse=False):
    items = materialize(iterable)
    if key is None:
        try:
            return sorted(items, reverse=bool(reverse))
        except TypeError as exc:
            raise type_error(str(exc)) from None
    keys = [objects.invoke(key, [item], {}) for item in items]
    order = sorted(range(len(items)), key=lambda i: keys[i], reverse=bool(reverse))
    return [items[i] for i in order]


def _reversed(seq):
    if type(seq) in (list, tuple, str, range, Size):
        return iter(list(reversed(seq)))
    return iter(list(reversed(materialize(seq))))


def _map(fn, *iterables):
    if len(iterables) == 1:
        return (objects.invoke(fn, [x], {}) for x in counted(iterables[0]))
    return (objects.invoke(fn, list(xs), {}) for xs in zip(*(counted(i) for i in iterables)))


def _filter(fn, iterable):
    return (x for x in counted(iterable) if (truth(x) if fn is None else truth(objects.invoke(fn, [x], {}))))


def _any(iterable):
    return any(truth(x) for x in counted(iterable))


def _all(iterable):
    return all(truth(x) for x in counted(iterable))


def _enumerate(iterable, start=0):
    return enumerate(iterate(iterable), start)


def _zip(*iterables, strict=False):
    return zip(*(iterate(i) for i in iterables))


def _iter(value):
    return iterate(value)


def _next(iterator, default=_MISSING):
    try:
        return next(iterator)
    except StopIteration:
        if default is not _MISSING:
            return default
        raise ScriptError("StopIteration", "") from None
    except TypeError:
        raise type_error(f"'{type_name(iterator)}' object is not an iterator") from None


def _range(*args):
    for a in args:
        if type(a) is not int and type(a) is not bool:
            if type(a) is STensor and a.dtype.category == 1 and a.t.data.size == 1:
                continue
            raise type_error(f"'{type_name(a)}' object cannot be interpreted as an integer")
    return range(*(int(a.t.data.reshape(())) if type(a) is STensor else a for a in args))


def _divmod(a, b):
    return (binary("floordiv", a, b), binary("mod", a, b))


def _pow(a, b, mod=None):
    if mod is not None:
        return pow(a, b, mod)
    return binary("pow", a, b)


def _format(value, spec=""):
    from .formatting import format_value  # noqa: PLC0415
    return format_value(value, spec)


def _repr(value):
    from .show import to_repr  # noqa: PLC0415
    return to_repr(value)


def _ascii(value):
    from .formatting import convert  # noqa: PLC0415
    return convert(value, "a")


def _hasattr(obj, name):
    from .attributes import get_attribute  # noqa: PLC0415
    if type(name) is not str:
        raise type_error("attribute name must be string")
    if name.startswith("__"):
        return False
    try:
        get_attribute(obj, name)
        return True
    except ScriptError as exc:
        if exc.is_a("AttributeError"):
            return False
        raise


def _callable(value) -> bool:
    t = type(value)
    return t in (Native, objects.BoundNative, objects.ScriptFunction, objects.BoundMethod, ScriptClass,
                 NativeClass) or getattr(t, "script_call", None) is not None


def _super(cls=None, obj=None):
    if cls is None or obj is None:
        raise runtime_error("super(): no arguments")
    if type(cls) is not ScriptClass:
        raise type_error("super() argument 1 must be a class defined in the script")
    return objects.Super(cls, obj)


def _chr(i):
    return chr(i)


BUILTINS = {
    "print": Native("print", _print), "len": Native("len", _len), "range": RANGE,
    "enumerate": Native("enumerate", _enumerate), "zip": Native("zip", _zip),
    "list": LIST, "tuple": TUPLE, "dict": DICT, "set": SET, "int": INT, "float": FLOAT, "str": STR,
    "bool": BOOL, "object": OBJECT, "abs": Native("abs", _abs), "sum": Native("sum", _sum),
    "min": Native("min", _extreme("min", "lt")), "max": Native("max", _extreme("max", "gt")),
    "round": Native("round", _round), "isinstance": Native("isinstance", isinstance_),
    "issubclass": Native("issubclass", issubclass_), "type": Native("type", type_of),
    "sorted": Native("sorted", _sorted), "reversed": Native("reversed", _reversed),
    "map": Native("map", _map), "filter": Native("filter", _filter), "any": Native("any", _any),
    "all": Native("all", _all), "iter": Native("iter", _iter), "next": Native("next", _next),
    "divmod": Native("divmod", _divmod), "pow": Native("pow", _pow), "format": Native("format", _format),
    "repr": Native("repr", _repr), "ascii": Native("ascii", _ascii), "hasattr": Native("hasattr", _hasattr),
    "callable": Native("callable", _callable), "chr": Native("chr", _chr), "ord": Native("ord", ord),
    "hex": Native("hex", hex), "bin": Native("bin", bin), "oct": Native("oct", oct),
    "staticmethod": Native("staticmethod", objects.StaticMethod), "super": Native("super", _super),
    "classmethod": Native("classmethod", objects.ClassMethod),
    "True": True, "False": False, "None": None, "NotImplemented": None, "Ellipsis": Ellipsis,
    **EXCEPTIONS,
}

# Built-ins a script may not use: each is refused by name, with what to do instead.
REFUSED = {
    "open": "scripts cannot read or write files", "eval": "no eval in gradcli", "exec": "no exec in gradcli",
    "compile": "no compile in gradcli", "__import__": "use import statements (torch, numpy, math)",
    "getattr": "read attributes as obj.name", "setattr": "assign attributes as obj.name = value",
    "delattr": "attributes cannot be deleted", "globals": "scripts cannot inspect their namespace",
    "locals": "scripts cannot inspect their namespace", "vars": "scripts cannot inspect objects",
    "dir": "scripts cannot inspect objects", "input": "scripts cannot read input",
    "breakpoint": "no debugger in gradcli", "help": "no help() in gradcli", "memoryview": "not supported",
    "id": "object identities are not stable: compare with `is`", "exit": "end the script instead",
    "quit": "end the script instead", "property": "not supported in gradcli scripts",
}


def refused(name: str) -> BaseException:
    from ...errors import GradcliError  # noqa: PLC0415
    return GradcliError(f"{name}() is not allowed in gradcli scripts: {REFUSED[name]}", kind="name")


def math_call(fn):
    """math.sqrt(t) and friends take a one-element tensor as its number, as Python's do."""
    def impl(*args):
        values = [_to_float(a) if type(a) is STensor else a for a in args]
        try:
            return fn(*values)
        except ValueError as exc:
            raise ScriptError("ValueError", str(exc)) from None
        except OverflowError as exc:
            raise ScriptError("OverflowError", str(exc)) from None
    return impl


MATH_FUNCTIONS = ("sqrt", "exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan", "asin",
                  "acos", "atan", "atan2", "sinh", "cosh", "tanh", "floor", "ceil", "fabs", "pow",
                  "hypot", "degrees", "radians", "isclose", "isnan", "isinf", "isfinite", "erf",
                  "gamma", "lgamma", "trunc", "copysign", "fmod", "prod", "fsum", "gcd")
MATH_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "tau": math.tau}


def _factorial(n):
    if type(n) is not int or n < 0:
        raise ScriptError("ValueError", "factorial() only accepts integral values")
    if n > 5000:
        raise limit(f"factorial({n}) is over gradcli's limits")
    return math.factorial(n)


def math_namespace() -> dict:
    attrs = {name: Native(name, math_call(getattr(math, name))) for name in MATH_FUNCTIONS}
    attrs["factorial"] = Native("factorial", _factorial)
    attrs.update(MATH_CONSTANTS)
    return attrs
