"""Attribute and item access for every script value, through explicit tables.

`get_attribute(obj, name)` never calls Python's getattr with a name from the script: each kind of
value has a table of what a script may read (a tensor's `.grad`, a list's `.append`, a module's
`.parameters`), and anything else is the AttributeError Python would raise. Item access
(`x[i]`, `d[k] = v`) is dispatched the same way.
"""
from __future__ import annotations

import collections

import numpy as np

from . import objects, runtime
from .errors import ScriptError, attribute_error, type_error
from .objects import (
    BoundMethod,
    BoundNative,
    ClassMethod,
    NativeClass,
    ScriptClass,
    ScriptFunction,
    ScriptObject,
    StaticMethod,
    Super,
)
from .tensor import Device, Size, STensor


def _bound(name, fn):
    return lambda obj: BoundNative(name, fn, obj)


# -- plain Python values --------------------------------------------------------------------------

def _check_join(sep: str, items) -> str:
    items = list(items)
    for i, item in enumerate(items):
        if type(item) is not str:
            from .pyvalues import type_name  # noqa: PLC0415
            raise type_error(f"sequence item {i}: expected str instance, {type_name(item)} found")
    runtime.check_length(sum(len(i) for i in items) + len(sep) * max(len(items) - 1, 0), "a string")
    return sep.join(items)


def _join(sep, iterable):
    from .pyvalues import materialize  # noqa: PLC0415
    return _check_join(sep, materialize(iterable))


def _replace(s, old, new, count=-1):
    if type(old) is not str or type(new) is not str:
        raise type_error("replace() arguments must be str")
    n = s.count(old) if old else len(s) + 1
    if count >= 0:
        n = min(n, count)
    runtime.check_length(len(s) + n * (len(new) - len(old)), "a string")
    return s.replace(old, new, count)


def _padded(method):
    def impl(s, width, *fill):
        if type(width) is int:
            runtime.check_length(width, "a padded string")
        return getattr(str, method)(s, width, *fill)
    return impl


def _format(s, *args, **kwargs):
    from .formatting import str_format  # noqa: PLC0415
    return str_format(s, args, kwargs, get_attribute, get_item)


def _str_method(name):
    fn = getattr(str, name)  # a fixed list of str's own methods, below
    return lambda s, *args: fn(s, *args)


STR_METHODS = {name: _str_method(name) for name in (
    "split", "rsplit", "strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize",
    "startswith", "endswith", "find", "rfind", "index", "count", "isdigit", "isalpha", "isalnum",
    "isspace", "isupper", "islower", "splitlines", "partition", "rpartition", "swapcase", "casefold",
    "removeprefix", "removesuffix", "isnumeric", "isdecimal", "isidentifier")}
STR_METHODS.update({"format": _format, "join": _join, "replace": _replace, "center": _padded("center"),
                    "ljust": _padded("ljust"), "rjust": _padded("rjust"), "zfill": _padded("zfill")})


def _extend(lst, iterable):
    from .pyvalues import materialize  # noqa: PLC0415
    items = materialize(iterable)
    runtime.check_length(len(lst) + len(items), "a list")
    lst.extend(items)


def _append(lst, item):
    lst.append(item)
    if len(lst) > runtime.MAX_LENGTH:
        runtime.check_length(len(lst), "a list")


def _sort(lst, key=None, reverse=False):
    from .pyvalues import _sorted  # noqa: PLC0415
    lst[:] = _sorted(lst, key=key, reverse=reverse)


def _index(seq, value, *args):
    for i, item in enumerate(seq):
        if item is value or (type(item) is not STensor and type(value) is not STensor and item == value):
            return i
    from .show import to_repr  # noqa: PLC0415
    raise ScriptError("ValueError", f"{to_repr(value)} is not in list")


LIST_METHODS = {"append": _append, "extend": _extend, "pop": list.pop, "insert": list.insert,
                "remove": list.remove, "index": _index, "count": list.count, "reverse": list.reverse,
                "sort": _sort, "copy": list.copy, "clear": list.clear}
TUPLE_METHODS = {"index": _index, "count": tuple.count}


def _update(d, *args, **kwargs):
    from .pyvalues import _to_dict  # noqa: PLC0415
    d.update(_to_dict(*args, **kwargs))


DICT_METHODS = {"keys": dict.keys, "values": dict.values, "items": dict.items, "get": dict.get,
                "pop": dict.pop, "setdefault": dict.setdefault, "update": _update,
                "copy": lambda d: type(d)(d), "clear": dict.clear, "popitem": dict.popitem}
ORDERED_METHODS = {**DICT_METHODS, "move_to_end": collections.OrderedDict.move_to_end}
SET_METHODS = {"add": set.add, "remove": set.remove, "discard": set.discard, "pop": set.pop,
               "union": set.union, "intersection": set.intersection, "difference": set.difference,
               "update": set.update, "copy": set.copy, "clear": set.clear}
SIZE_METHODS = {"numel": Size.numel, "index": _index, "count": tuple.count}

_METHODS = {str: STR_METHODS, list: LIST_METHODS, tuple: TUPLE_METHODS, dict: DICT_METHODS,
            collections.OrderedDict: ORDERED_METHODS, set: SET_METHODS, Size: SIZE_METHODS}

_VALUE_ATTRIBUTES = {
    int: {"real": lambda v: v, "imag": lambda v: 0, "bit_length": _bound("bit_length", int.bit_length)},
    float: {"real": lambda v: v, "imag": lambda v: 0.0, "is_integer": _bound("is_integer", float.is_integer)},
    range: {"start": lambda r: r.start, "stop": lambda r: r.stop, "step": lambda r: r.step},
    Device: {"type": lambda d: d.type, "index": lambda d: d.index},
}


# -- the dispatch ---------------------------------------------------------------------------------------

def get_attribute(obj, name: str):
    t = type(obj)
    if t is STensor:
        from .methods import tensor_attribute  # noqa: PLC0415
        return tensor_attribute(obj, name)
    methods = _METHODS.get(t)
    if methods is not None:
        fn = methods.get(name)
        if fn is not None:
            return BoundNative(name, fn, obj)
    else:
        values = _VALUE_ATTRIBUTES.get(t)
        if values is not None and name in values:
            return values[name](obj)
        if t is ScriptObject:
            return _instance_attribute(obj, obj.cls, name, obj.attrs)
        if t is ScriptClass:
            return _class_attribute(obj, name)
        if t is NativeClass:
            return _native_class_attribute(obj, obj, name)
        if t is Super:
            return _super_attribute(obj, name)
        if t is ScriptError:
            if name == "args":
                return obj.args_
        custom = getattr(t, "script_getattr", None)  # gradcli's own classes read their own tables
        if custom is not None:
            return custom(obj, name)
        if t is np.ndarray or isinstance(obj, np.generic):
            from .numpylib import array_attribute  # noqa: PLC0415
            return array_attribute(obj, name)
    raise attribute_error(f"'{_type_name(obj)}' object has no attribute '{name}'")


def _type_name(obj) -> str:
    from .pyvalues import type_name  # noqa: PLC0415
    return type_name(obj)


def bind_class_value(value, obj, cls):
    """What reading a class attribute through an instance gives: bound methods, plain values."""
    t = type(value)
    if t is ScriptFunction:
        return BoundMethod(value, obj)
    if t is StaticMethod:
        return value.func
    if t is ClassMethod:
        return BoundMethod(value.func, cls)
    return value


def _instance_attribute(obj, cls, name, attrs):
    if name in attrs:
        return attrs[name]
    if cls is not None:
        found = cls.lookup(name)
        if found is not None:
            return bind_class_value(found, obj, cls)
        native = cls.native
        if native is not None and name in native.attrs:
            return native.attrs[name](cls)
    raise attribute_error(f"'{cls.name if cls is not None else 'object'}' object has no attribute '{name}'")


MISSING = object()  # what instance_lookup finds when the script class has no such attribute


def instance_lookup(obj, cls, name):
    """The script class attribute `name` of a gradcli-native instance (Module subclasses), bound."""
    found = cls.lookup(name) if cls is not None else None
    if found is None:
        return MISSING
    return bind_class_value(found, obj, cls)


def _class_attribute(cls: ScriptClass, name: str):
    found = cls.lookup(name)
    if found is not None:
        t = type(found)
        if t is StaticMethod:
            return found.func
        if t is ClassMethod:
            return BoundMethod(found.func, cls)
        return found
    for c in cls.mro:
        if type(c) is NativeClass and name in c.attrs:
            return c.attrs[name](cls)
    raise attribute_error(f"type object '{cls.name}' has no attribute '{name}'")


def _native_class_attribute(cls: NativeClass, through, name: str):
    c = cls
    while c is not None:
        if name in c.attrs:
            return c.attrs[name](through)
        c = c.base
    raise attribute_error(f"type object '{cls.name}' has no attribute '{name}'")


def _super_attribute(sup: Super, name: str):
    obj = sup.obj
    cls = objects.class_of(obj) if type(sup.obj) is not ScriptClass else sup.obj
    mro = cls.mro if cls is not None else []
    start = mro.index(sup.cls) + 1 if sup.cls in mro else len(mro)
    for c in mro[start:]:
        if type(c) is ScriptClass and name in c.attrs:
            return bind_class_value(c.attrs[name], obj, cls)
        if type(c) is NativeClass:
            if name == "__init__":
                return BoundNative("__init__", lambda o, *a, _c=c, **k: _native_init(_c, o, a, k), obj)
            if name in c.attrs:
                return c.attrs[name](cls)
            method = getattr(type(obj), "script_method", None)
            if method is not None:
                found = method(obj, name)
                if found is not None:
                    return found
    if name == "__init__":
        return BoundNative("__init__", lambda o, *a, **k: None, obj)
    raise attribute_error(f"'super' object has no attribute '{name}'")


def _native_init(native: NativeClass, obj, args, kwargs):
    if native.init is not None:
        native.init(obj, args, kwargs)
    elif args or kwargs:
        raise type_error(f"{native.name}.__init__() takes no arguments")


def set_attribute(obj, name: str, value) -> None:
    t = type(obj)
    if t is STensor:
        from .methods import set_tensor_attribute  # noqa: PLC0415
        return set_tensor_attribute(obj, name, value)
    if t is ScriptObject:
        obj.attrs[name] = value
        return None
    if t is ScriptClass:
        obj.attrs[name] = value
        return None
    custom = getattr(t, "script_setattr", None)
    if custom is not None:
        return custom(obj, name, value)
    raise attribute_error(f"'{_type_name(obj)}' object has no attribute '{name}' (and gradcli cannot "
                          "set attributes on it)")


def del_attribute(obj, name: str) -> None:
    if type(obj) is ScriptObject and name in obj.attrs:
        del obj.attrs[name]
        return
    custom = getattr(type(obj), "script_delattr", None)
    if custom is not None:
        return custom(obj, name)
    raise attribute_error(f"'{_type_name(obj)}' object has no attribute '{name}'")


# -- items ---------------------------------------------------------------------------------------------

def _python_index(key):
    if type(key) is STensor:
        from .methods import tensor_index_value  # noqa: PLC0415
        return tensor_index_value(key)
    if isinstance(key, np.integer):
        return int(key)
    return key


def get_item(obj, key):
    t = type(obj)
    if type(key) is tuple and t is not STensor:
        from .pyvalues import bounded  # noqa: PLC0415 - a tuple key is hashed
        bounded(key)
    if t is STensor:
        from .methods import tensor_getitem  # noqa: PLC0415
        return tensor_getitem(obj, key)
    if t in (list, tuple, str, range):
        key = _python_index(key)
        if type(key) is not int and type(key) is not slice and type(key) is not bool:
            raise type_error(f"{_type_name(obj)} indices must be integers or slices, not {_type_name(key)}")
        return obj[key]
    if t is Size:
        key = _python_index(key)
        return Size(obj[key]) if type(key) is slice else obj[key]
    if t is dict or t is collections.OrderedDict:
        return obj[key]
    if t is np.ndarray:
        from .numpylib import array_getitem  # noqa: PLC0415
        return array_getitem(obj, key)
    custom = getattr(t, "script_getitem", None)
    if custom is not None:
        return custom(obj, key)
    if isinstance(obj, tuple):
        return obj[_python_index(key)]
    raise type_error(f"'{_type_name(obj)}' object is not subscriptable")


def set_item(obj, key, value) -> None:
    t = type(obj)
    if t is STensor:
        from .methods import tensor_setitem  # noqa: PLC0415
        return tensor_setitem(obj, key, value)
    if t is list:
        key = _python_index(key)
        if type(key) is slice:
            from .pyvalues import materialize  # noqa: PLC0415
            value = materialize(value)
            runtime.check_length(len(obj) + len(value), "a list")
        obj[key] = value
        return None
    if t is dict or t is collections.OrderedDict:
        from .pyvalues import bounded  # noqa: PLC0415 - the key is hashed
        obj[bounded(key)] = value
        return None
    if t is np.ndarray:
        from .numpylib import array_setitem  # noqa: PLC0415
        return array_setitem(obj, key, value)
    custom = getattr(t, "script_setitem", None)
    if custom is not None:
        return custom(obj, key, value)
    raise type_error(f"'{_type_name(obj)}' object does not support item assignment")


def del_item(obj, key) -> None:
    t = type(obj)
    if t is list:
        del obj[_python_index(key)]
        return
    if t is dict or t is collections.OrderedDict:
        del obj[key]
        return
    raise type_error(f"'{_type_name(obj)}' object doesn't support item deletion")
