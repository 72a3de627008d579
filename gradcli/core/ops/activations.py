"""Primitives of neural-network functions that no exact composite gives PyTorch's derivative of.

binary_cross_entropy: PyTorch clamps each log at -100 in the forward pass but does not
differentiate that clamp: its gradient is (x - t) / max(x (1 - x), 1e-12) everywhere, so at
x = 0 or 1 exactly it is finite (0 where the target agrees), where the clamped composite's
derivative would be 0 or infinite. As a primitive with that partial, gradcli gives PyTorch's
numbers at the ends too; the partials are Tensor expressions, so Hessians still work.
"""
from __future__ import annotations

from ..tensor import PRIMITIVES, apply, constant
from .elementwise import binary, gt, log, where

_EPSILON = 1e-12  # PyTorch's floor on x (1 - x) in the backward of binary_cross_entropy


def _clamped_log(xp, v):
    """max(log(v), -100), with no log(0) computed (it would warn of an inf the result lacks)."""
    floor = xp.full_like(v, -100.0)
    positive = v > 0
    logs = xp.log(xp.where(positive, v, xp.ones_like(v)))
    return xp.where(positive & ~(logs < -100.0), logs, floor)


def _bce_forward(xp, x, t):
    # PyTorch's expression, term for term: (t - 1) * max(log(1 - x), -100) - t * max(log(x), -100)
    return (t - 1) * _clamped_log(xp, 1 - x) - t * _clamped_log(xp, x)


def _bce_dx(ans, x, t):
    p = x * (1.0 - x)
    floor = constant(_EPSILON, p)
    return (x - t) / where(gt(p, floor), p, floor)


def _bce_dt(ans, x, t):
    # -logit(x), unclamped, as PyTorch's target backward: infinite at x = 0 or 1
    return log(1.0 - x) - log(x)


binary("binary_cross_entropy", _bce_forward, _bce_dx, _bce_dt, backward_name="BinaryCrossEntropyBackward0",
       doc="elementwise -(t log x + (1 - t) log(1 - x)), each log clamped at -100",
       saves=("x", "t for x"))


def binary_cross_entropy(x, t):
    return apply(PRIMITIVES["binary_cross_entropy"], x, t)
