"""Pausing Python's cyclic garbage collector around work that makes many objects and no cycles.

Compiling a long program, running it and differentiating it make hundreds of thousands of
objects (instructions, tensors, graph nodes) and no reference cycles: reference counting frees
them all. The cyclic collector would still walk the growing heap again and again; on a
100,000-statement program its passes cost more than the work itself (2-3x). Cycles made while
it is paused (an exception's traceback) are collected once it runs again.
"""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _age()
            gc.enable()


def _age() -> None:
    """Count what the pause made as old: what survives it (a program's statements, a graph) is
    long-lived, and left young, the collector's next pass would examine all of it at once
    (a quarter of a second on a 100,000-statement program). freeze() then unfreeze() moves every
    tracked object to the oldest generation without examining any. Not done where someone else
    keeps objects frozen (unfreeze would release theirs)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
