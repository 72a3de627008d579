"""Registering a primitive in the op table, and calling one by name."""
from __future__ import annotations

from ..tensor import PRIMITIVES, Op, apply


def defop(name, forward, **rules) -> Op:
    op = Op(name, forward, **rules)
    PRIMITIVES[name] = op
    return op


def _call(name):
    def call(*args, **params):
        return apply(PRIMITIVES[name], *args, **params)
    call.__name__ = name
    return call
