"""The callable and class objects of a script, and the one way to call anything.

A script only ever holds values this package made: Python numbers, strings and containers,
script tensors, and the objects below. Attribute access goes through explicit tables
(`attributes.py`), never Python's getattr, so nothing a script writes can reach a real
Python object's internals.
"""
from __future__ import annotations

from . import runtime
from .errors import ScriptError, limit, type_error

# type(value) for gradcli's own classes: Python type -> NativeClass, or a function of the value
# (a tensor is a torch.Tensor or an nn.Parameter). Filled by the modules that define them.
TYPES: dict = {}

RETURN = object()  # a statement's signal: the function returns (the value is in frame.ret)
BREAK = object()
CONTINUE = object()


class Frame:
    """One call's variables. `outer`: the variables of the enclosing functions, innermost first."""

    __slots__ = ("vars", "outer", "ret", "fn", "yielded")

    def __init__(self, vars_: dict, outer: tuple, fn=None):
        self.vars = vars_
        self.outer = outer
        self.ret = None
        self.fn = fn
        self.yielded = None  # a generator function's values, collected as its body runs


class Native:
    """A function gradcli provides (print, torch.zeros...): fn(*args, **kwargs)."""

    __slots__ = ("name", "fn", "kind")

    def __init__(self, name: str, fn, kind: str = "built-in function"):
        self.name, self.fn, self.kind = name, fn, kind


class BoundNative:
    """A native method bound to its object (x.add_, list.append): fn(obj, *args, **kwargs)."""

    __slots__ = ("name", "fn", "obj")

    def __init__(self, name: str, fn, obj):
        self.name, self.fn, self.obj = name, fn, obj


class ScriptFunction:
    __slots__ = ("name", "params", "defaults", "vararg", "kwonly", "kwdefaults", "kwarg", "body",
                 "outer", "owner", "line", "is_lambda", "generator")

    def __init__(self, name, params, defaults, vararg, kwonly, kwdefaults, kwarg, body, outer, line,
                 is_lambda=False):
        self.name = name
        self.params = params  # positional-or-keyword names
        self.defaults = defaults  # values of the last len(defaults) params
        self.vararg = vararg
        self.kwonly = kwonly
        self.kwdefaults = kwdefaults
        self.kwarg = kwarg
        self.body = body
        self.outer = outer
        self.owner = None  # the class whose body defined it (for super())
        self.line = line
        self.is_lambda = is_lambda
        self.generator = False  # its body yields: a call runs it to the end, then iterates the values


class BoundMethod:
    __slots__ = ("func", "obj")

    def __init__(self, func, obj):
        self.func, self.obj = func, obj


class StaticMethod:
    __slots__ = ("func",)

    def __init__(self, func):
        self.func = func


class ClassMethod:
    __slots__ = ("func",)

    def __init__(self, func):
        self.func = func


class NativeClass:
    """A class gradcli provides: int, list, torch.Tensor, nn.Module, nn.Linear, autograd.Function.

    construct(*args, **kwargs): calling the class; blank(cls) and init(obj, args, kwargs): making
    an instance of a script subclass; check(value): isinstance; attrs: class attributes, each a
    function of the (possibly script) class it is read through.
    """

    __slots__ = ("name", "module", "construct", "blank", "init", "check", "attrs", "base")

    def __init__(self, name, module="builtins", construct=None, *, blank=None, init=None, check=None,
                 attrs=None, base=None):
        self.name, self.module = name, module
        self.construct = construct
        self.blank = blank
        self.init = init
        self.check = check
        self.attrs = attrs or {}
        self.base = base

    @property
    def qualname(self) -> str:
        return self.name if self.module == "builtins" else f"{self.module}.{self.name}"


class ScriptClass:
    __slots__ = ("name", "bases", "attrs", "mro", "native")

    def __init__(self, name: str, bases: tuple, attrs: dict):
        self.name = name
        self.bases = bases
        self.attrs = attrs
        self.mro = _mro(self, bases)
        self.native = next((c for c in self.mro if type(c) is NativeClass), None)

    def lookup(self, name: str):
        """The attribute the script classes of the MRO define (None when none does)."""
        for c in self.mro:
            if type(c) is ScriptClass and name in c.attrs:
                return c.attrs[name]
        return None


def _mro(cls, bases) -> list:
    """Depth-first, left to right, each class once at its last place (enough for scripts)."""
    order = [cls]
    for base in bases:
        chain = base.mro if type(base) is ScriptClass else _native_chain(base)
        for c in chain:
            if c in order:
                order.remove(c)
            order.append(c)
    return order


def _native_chain(c: NativeClass) -> list:
    chain = []
    while c is not None:
        chain.append(c)
        c = c.base
    return chain


class ScriptObject:
    """An instance of a plain script class (and the `self` of its methods)."""

    __slots__ = ("cls", "attrs")

    def __init__(self, cls):
        self.cls = cls
        self.attrs = {}


class Super:
    __slots__ = ("cls", "obj")

    def __init__(self, cls, obj):
        self.cls, self.obj = cls, obj


def native(name: str, kind: str = "built-in function"):
    """Decorator: a Python function as a script value."""
    def make(fn):
        return Native(name, fn, kind)
    return make


# -- calling ------------------------------------------------------------------------------------

def _signature_error(exc: TypeError, name: str) -> ScriptError:
    """A Python signature error of one of gradcli's functions, worded with the script's name."""
    message = str(exc)
    head, sep, rest = message.partition("() ")
    if sep and ("argument" in rest or "takes" in rest) and " " not in head.strip():
        message = f"{name}() {rest}"
    return type_error(message)


def invoke(fn, args: list, kwargs: dict):
    t = type(fn)
    if t is Native:
        try:
            return fn.fn(*args, **kwargs)
        except TypeError as exc:
            if exc.__traceback__.tb_next is None or exc.__traceback__.tb_next.tb_next is None:
                raise _signature_error(exc, fn.name) from None
            raise
    if t is BoundNative:
        try:
            return fn.fn(fn.obj, *args, **kwargs)
        except TypeError as exc:
            if exc.__traceback__.tb_next is None or exc.__traceback__.tb_next.tb_next is None:
                raise _signature_error(exc, fn.name) from None
            raise
    if t is ScriptFunction:
        return call_function(fn, args, kwargs)
    if t is BoundMethod:
        return call_function(fn.func, [fn.obj, *args], kwargs) if type(fn.func) is ScriptFunction \
            else invoke(fn.func, [fn.obj, *args], kwargs)
    if t is ScriptClass:
        return instantiate(fn, args, kwargs)
    if t is NativeClass:
        if fn.construct is None:
            raise type_error(f"cannot create '{fn.qualname}' instances")
        return fn.construct(*args, **kwargs)
    call = getattr(t, "script_call", None)  # a fixed name on gradcli's own classes (Module, no_grad)
    if call is not None:
        return call(fn, args, kwargs)
    from .pyvalues import type_name  # noqa: PLC0415
    raise type_error(f"'{type_name(fn)}' object is not callable")


def call_function(fn: ScriptFunction, args, kwargs):
    rt = runtime.RT
    rt.steps -= runtime.CALL_STEPS
    if rt.steps < 0:
        runtime.step()
    if rt.depth >= rt.max_depth:
        raise limit(f"maximum recursion depth exceeded: script functions may nest {rt.max_depth} "
                    f"calls deep (in {fn.name})")
    frame = Frame(bind(fn, args, kwargs), fn.outer, fn)
    if fn.generator:
        frame.yielded = []
    rt.depth += 1
    try:
        signal = fn.body(frame)
    finally:
        rt.depth -= 1
    if fn.generator:
        return Generator(frame.yielded, fn.name)
    return frame.ret if signal is RETURN else None


class Generator:
    """What calling a generator function gives. The body has already run to its end (gradcli runs
    generators eagerly); iterating gives the values it yielded, once."""

    __slots__ = ("it", "name")
    script_type_name = "generator"

    def __init__(self, values, name):
        self.it = iter(values)
        self.name = name

    def script_iter(self):
        return self.it

    def script_repr(self):
        from .show import address  # noqa: PLC0415
        return f"<generator object {self.name} at {address(self)}>"


def bind(fn: ScriptFunction, args, kwargs) -> dict:
    """Python's argument binding, with Python's error messages."""
    params = fn.params
    if not kwargs and len(args) == len(params) and fn.vararg is None and not fn.kwonly:
        return dict(zip(params, args))
    name = fn.name
    values = {}
    n = len(params)
    if len(args) > n:
        if fn.vararg is None:
            given = len(args)
            raise type_error(f"{name}() takes {n} positional argument{'s' if n != 1 else ''} but "
                             f"{given} {'were' if given != 1 else 'was'} given")
        values[fn.vararg] = tuple(args[n:])
    elif fn.vararg is not None:
        values[fn.vararg] = ()
    for p, v in zip(params, args):
        values[p] = v
    extra = {}
    for k, v in kwargs.items():
        if k in params or k in fn.kwonly:
            if k in values:
                raise type_error(f"{name}() got multiple values for argument '{k}'")
            values[k] = v
        elif fn.kwarg is not None:
            extra[k] = v
        else:
            raise type_error(f"{name}() got an unexpected keyword argument '{k}'")
    if fn.kwarg is not None:
        values[fn.kwarg] = extra
    first_default = n - len(fn.defaults)
    missing = []
    for i, p in enumerate(params):
        if p not in values:
            if i >= first_default:
                values[p] = fn.defaults[i - first_default]
            else:
                missing.append(p)
    if missing:
        quoted = [f"'{m}'" for m in missing]
        names = quoted[0] if len(quoted) == 1 else f"{quoted[0]} and {quoted[1]}" if len(quoted) == 2 \
            else ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
        raise type_error(f"{name}() missing {len(missing)} required positional argument"
                         f"{'s' if len(missing) != 1 else ''}: {names}")
    for p in fn.kwonly:
        if p not in values:
            if p in fn.kwdefaults:
                values[p] = fn.kwdefaults[p]
            else:
                raise type_error(f"{name}() missing 1 required keyword-only argument: '{p}'")
    return values


def instantiate(cls: ScriptClass, args, kwargs):
    base = cls.native
    obj = base.blank(cls) if base is not None and base.blank is not None else ScriptObject(cls)
    init = cls.lookup("__init__")
    if init is not None:
        result = invoke(init, [obj, *args], kwargs)
        if result is not None:
            from .pyvalues import type_name  # noqa: PLC0415
            raise type_error(f"__init__() should return None, not '{type_name(result)}'")
    elif base is not None and base.init is not None:
        base.init(obj, args, kwargs)
    elif args or kwargs:
        raise type_error(f"{cls.name}() takes no arguments")
    return obj


def class_of(obj):
    """The script class of an instance (or None for gradcli's own objects)."""
    if type(obj) is ScriptObject:
        return obj.cls
    return getattr(obj, "script_class", None)


def qualname(obj) -> str:
    if type(obj) is ScriptFunction:
        return obj.name if obj.owner is None else f"{obj.owner.name}.{obj.name}"
    return getattr(obj, "name", "?")


__all__ = ["BREAK", "CONTINUE", "RETURN", "BoundMethod", "BoundNative", "ClassMethod", "Frame", "Native",
           "NativeClass", "ScriptClass", "ScriptError", "ScriptFunction", "ScriptObject", "StaticMethod",
           "Super", "bind", "call_function", "class_of", "instantiate", "invoke", "native"]
