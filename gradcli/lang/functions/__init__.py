"""The functions a program can call: PyTorch, NumPy and SciPy names mapped onto the op table.

Each family module fills a table of its own; this module merges them into one, in a fixed
order, and looks names up. A name is looked up for the library it is called through
(`np.var` -> NumPy's conventions): an entry the family registered for that library wins,
else the common entry (PyTorch's conventions) serves. Unprefixed names and methods are
PyTorch's.
"""
from __future__ import annotations

from . import (creation, elementwise, linalg, matrices, methods, nn, reductions, shapes, special,
               stats)
from .base import (
    LIBRARIES,
    Context,
    DType,
    Function,
    ValuesIndices,
    _describe,
    to_tensor,
)

FAMILIES = (elementwise, reductions, nn, linalg, matrices, special, stats, shapes, creation, methods)

FUNCTIONS: dict[str, Function] = {}
ALIASES: dict[str, str] = {}
for _family in FAMILIES:
    FUNCTIONS.update(_family.TABLE.functions)
    ALIASES.update(_family.TABLE.aliases)


def lookup(name: str, library: str = "torch") -> Function | None:
    """The entry for `name` called through `library` (torch, numpy or scipy)."""
    if library != "torch":
        key = f"{library}.{name}"
        found = FUNCTIONS.get(ALIASES.get(key, key))
        if found is not None:
            return found
    return FUNCTIONS.get(ALIASES.get(name, name))


__all__ = ["ALIASES", "FAMILIES", "FUNCTIONS", "LIBRARIES", "Context", "DType", "Function",
           "ValuesIndices", "_describe", "lookup", "to_tensor"]
