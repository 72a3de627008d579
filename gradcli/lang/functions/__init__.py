"""The functions a program can call: PyTorch, NumPy and SciPy names mapped onto the op table.

Each family module fills a table of its own; this module merges them into one, in a fixed
order, and looks names up. A name is looked up for the library it is called through
(`np.var` -> NumPy's conventions): an entry the family registered for that library wins,
else the common entry (PyTorch's conventions) serves. Unprefixed names and methods are
PyTorch's.
"""
from __future__ import annotations

from . import (
    activations,
    creation,
    division,
    elementwise,
    indexing,
    joining,
    linalg,
    logic,
    losses,
    matrices,
    methods,
    nn,
    reductions,
    sequences,
    shapes,
    special,
    statistics,
    stats,
)
from .base import (
    LIBRARIES,
    Context,
    DType,
    Function,
    ValuesIndices,
    _describe,
    to_tensor,
)

# Each name belongs to one family (tests/test_ops.py checks that no family replaces another's entry).
FAMILIES = (elementwise, logic, division, reductions, statistics, activations, nn, losses, linalg,
            matrices, special, stats, shapes, joining, sequences, indexing, creation, methods)

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
