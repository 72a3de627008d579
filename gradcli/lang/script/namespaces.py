"""Modules as script values (torch, torch.nn, numpy, math...) and what `import` may bring in.

A `Namespace` reads its attributes from a table, or from a fallback (torch.X finds X in the
function table): never from a real Python module. `load_module` builds each namespace once per
run, lazily, so a script that never touches torch.optim does not build it.
"""
from __future__ import annotations

from .errors import ScriptError, attribute_error


class Namespace:
    __slots__ = ("name", "attrs", "fallback")
    script_type_name = "module"

    def __init__(self, name: str, attrs: dict | None = None, fallback=None):
        self.name = name
        self.attrs = attrs if attrs is not None else {}
        self.fallback = fallback  # fallback(name) -> value or None

    def script_getattr(self, name: str):
        if name in self.attrs:
            value = self.attrs[name]
            return value() if type(value) is _Lazy else value
        if self.fallback is not None:
            found = self.fallback(name)
            if found is not None:
                self.attrs[name] = found
                return found
        raise attribute_error(f"module '{self.name}' has no attribute '{name}'")

    def script_repr(self) -> str:
        return f"<module '{self.name}'>"


class _Lazy:
    """A namespace attribute built on first use (torch.nn builds its classes when read)."""

    __slots__ = ("make", "value")

    def __init__(self, make):
        self.make, self.value = make, None

    def __call__(self):
        if self.value is None:
            self.value = self.make()
        return self.value


def lazy(make) -> _Lazy:
    return _Lazy(make)


# module name -> (module of this package, function) that builds its namespace: imported when a
# script first imports the module, so `import torch` alone loads neither nn nor optim
BUILDERS = {
    "torch": ("torchlib", "torch_namespace"), "torch.autograd": ("gradapi", "autograd_namespace"),
    "torch.func": ("funclib", "func_namespace"),
    "torch.nn": ("layers", "nn_namespace"), "torch.nn.functional": ("layers", "functional_namespace"),
    "torch.nn.init": ("layers", "init_namespace"), "torch.nn.utils": ("layers", "utils_namespace"),
    "torch.optim": ("optim", "optim_namespace"), "torch.optim.lr_scheduler": ("datalib", "lr_scheduler_namespace"),
    "torch.utils": ("datalib", "utils_namespace"), "torch.utils.data": ("datalib", "data_namespace"),
    "numpy": ("numpylib", "numpy_namespace"), "math": ("stdlib", "math_namespace"),
    "random": ("stdlib", "random_namespace"), "collections": ("stdlib", "collections_namespace"),
}
ALLOWED = ("torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.autograd", "torch.func",
           "torch.utils.data",
           "numpy", "math", "random", "collections")


class Modules:
    """The namespaces of one run, made on first import."""

    def __init__(self):
        self.loaded: dict[str, Namespace] = {}

    def __call__(self, name: str) -> Namespace:
        found = self.loaded.get(name)
        if found is not None:
            return found
        where = BUILDERS.get(name)
        if where is None:
            found = self._submodule(name)
            if found is not None:
                self.loaded[name] = found
                return found
            raise ScriptError("ModuleNotFoundError",
                              f"No module named '{name}' (gradcli scripts can import "
                              f"{', '.join(ALLOWED)} and their submodules)")
        import importlib  # noqa: PLC0415
        module = importlib.import_module(f"{__package__}.{where[0]}")  # a fixed name of the table above
        found = self.loaded[name] = getattr(module, where[1])(self)
        return found

    def _submodule(self, name: str) -> Namespace | None:
        """torch.autograd.functional: a namespace that its parent module holds as an attribute."""
        parent, _, attr = name.rpartition(".")
        if not parent or (parent not in BUILDERS and self._submodule(parent) is None):
            return None
        found = self(parent).attrs.get(attr)
        found = found() if type(found) is _Lazy else found
        return found if type(found) is Namespace else None
