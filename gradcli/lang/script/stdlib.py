"""The Python standard modules a script may import: math, random (its own generator per run) and
collections (OrderedDict)."""
from __future__ import annotations

from . import runtime
from .errors import ScriptError
from .namespaces import Namespace
from .objects import Native, NativeClass


def _ordered_dict(*args, **kwargs):
    import collections  # noqa: PLC0415

    from .pyvalues import _to_dict  # noqa: PLC0415
    return collections.OrderedDict(_to_dict(*args, **kwargs))


def collections_namespace(modules) -> Namespace:
    import collections  # noqa: PLC0415
    return Namespace("collections", {"OrderedDict": NativeClass(
        "OrderedDict", "collections", _ordered_dict, check=lambda v: isinstance(v, collections.OrderedDict))})


def math_namespace(modules) -> Namespace:
    from .pyvalues import math_namespace as table  # noqa: PLC0415
    return Namespace("math", table())


def random_namespace(modules) -> Namespace:
    """Python's random module: its own generator per run (random.seed(n) repeats Python's numbers)."""
    import random  # noqa: PLC0415
    state = random.Random()

    def bounded(name):
        method = getattr(state, name)  # a fixed name from the list below

        def impl(*args, **kwargs):
            if name == "sample" and len(args) > 1 and type(args[1]) is int:
                runtime.check_length(args[1], "a sample")
            try:
                return method(*args, **kwargs)
            except (ValueError, TypeError, IndexError) as exc:
                raise ScriptError(type(exc).__name__, str(exc)) from None
        return Native(name, impl)
    names = ("seed", "random", "randint", "randrange", "uniform", "choice", "shuffle", "gauss",
             "normalvariate", "sample")
    return Namespace("random", {name: bounded(name) for name in names})
