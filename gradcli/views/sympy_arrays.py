"""SymPy values for `gradcli symbolic`: a tensor is a NumPy object array of SymPy expressions.

Broadcasting, indexing, reshapes and `@` then come from NumPy; these helpers make every value
such an array, cap its size, and name what has no formula.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp

from ..errors import GradcliError
from ..lang import functions

MAX_SYMBOLIC_ELEMENTS = 400


def unsupported(construct: str, why: str = "") -> GradcliError:
    return GradcliError(f"symbolic: {construct} cannot be written as a SymPy formula"
                        + (f" ({why})" if why else ""), kind="symbolic",
                        hint="eval, backward, jacobian and check handle it numerically")


def refuse_keywords(kwargs: dict) -> None:
    """A keyword an elementwise formula does not take changes the function (softplus's beta, add's
    alpha): refused by name rather than dropped, which would give the formula of another function."""
    if kwargs:
        names = ", ".join(f"{k}=" for k in kwargs)
        raise unsupported(f"a call with {names}", "the formula does not take that keyword yet")


# -- values ------------------------------------------------------------------------------------

def number(value) -> sp.Expr:
    """A Python number as an exact SymPy number: 0.5 -> 1/2, 3.0 -> 3 (the shortest decimal)."""
    if isinstance(value, bool):
        return sp.Integer(int(value))
    if isinstance(value, int):
        return sp.Integer(value)
    if math.isnan(value):
        return sp.nan
    if math.isinf(value):
        return sp.oo if value > 0 else -sp.oo
    frac = Fraction(repr(float(value)))  # repr is the shortest decimal that round-trips
    return sp.Rational(frac.numerator, frac.denominator)


def arr(value) -> np.ndarray:
    """Any tensor-like value as an object array of SymPy expressions."""
    if isinstance(value, np.ndarray):
        out = value
    elif isinstance(value, (list, tuple)):
        items = [arr(v) for v in value]
        if not items:
            return np.empty((0,), dtype=object)
        if len({i.shape for i in items}) > 1:
            raise GradcliError("a list of tensors must have one shape", kind="shape")
        out = np.empty((len(items),) + items[0].shape, dtype=object)
        for k, item in enumerate(items):
            out[k, ...] = item  # `out[k] = item` would store a 0-d array itself as the element
    elif isinstance(value, (int, float)):
        out = np.array(number(value), dtype=object)
    elif isinstance(value, sp.Basic):
        out = np.empty((), dtype=object)
        out[()] = value
    else:
        raise GradcliError(f"expected a tensor or a number, got {functions._describe(value)}",
                           kind="argument")
    if out.dtype != object:
        out = out.astype(object)
    if out.size > MAX_SYMBOLIC_ELEMENTS:
        raise GradcliError(f"symbolic: a tensor of shape {out.shape} has {out.size} elements, over "
                           f"the limit of {MAX_SYMBOLIC_ELEMENTS} for formulas", kind="limit",
                           hint="use jacobian or check for large programs")
    return out


def wrap(result) -> np.ndarray:
    """NumPy returns a bare SymPy object for 0-d results of object arrays; put it back in one."""
    return arr(result)


def elementwise(fn, *values) -> np.ndarray:
    ufunc = np.frompyfunc(fn, len(values), 1)
    return wrap(ufunc(*[arr(v) for v in values]))
