"""PyTorch's CPU kernels where their rounding shows in what scripts print.

A training loop that prints `loss.item()` prints a float32 sum to all its digits: NumPy's
pairwise sum and PyTorch's cascade sum round differently, and after a few hundred steps the
difference is in the printed digits. These ops keep the core's derivative rules (reused from
the op table) and only replace the forward with PyTorch's order of operations:
- sum and mean over all elements: PyTorch's vectorized cascade sum (SumKernel.cpp: 8 float
  lanes or 4 double lanes, four accumulators, levels of 16), mean as sum / n;
- pow with the exponents PyTorch special-cases (x*x, x*x*x, sqrt, 1/x...).
Anything else is NumPy's (PyTorch's kernels agree there, or the difference hides below the
printed precision).
"""
from __future__ import annotations

import numpy as np

from ...core import ops as _table  # noqa: F401 - importing the op table fills PRIMITIVES
from ...core.tensor import PRIMITIVES, Op

_LANES = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}  # AVX2 vectors
_LEVELS = 4


def _ceil_log2(x: int) -> int:
    return 1 if x <= 2 else (x - 1).bit_length()


def _multi_row_sum(rows: np.ndarray) -> np.ndarray:
    """Column sums of rows (m, C), accumulated as PyTorch's multi_row_sum does."""
    m, width = rows.shape
    dtype = rows.dtype
    power = max(4, _ceil_log2(m) // _LEVELS)
    step = 1 << power
    mask = step - 1
    acc = np.zeros((_LEVELS, width), dtype=dtype)
    chunks = m // step
    if chunks:
        # each chunk of `step` rows, summed in order from zero (a reduction over a middle axis
        # adds rows one after the other)
        sums = np.add.reduce(rows[:chunks * step].reshape(chunks, step, width), axis=1)
        i = 0
        for chunk in sums:
            i += step
            acc[1] = acc[1] + chunk
            for j in range(2, _LEVELS):
                if i & (mask << ((j - 1) * power)):
                    break
                acc[j] = acc[j] + acc[j - 1]
                acc[j - 1] = 0
    rest = rows[chunks * step:]
    if len(rest):
        acc[0] = np.add.reduce(rest, axis=0)
    for j in range(1, _LEVELS):
        acc[0] = acc[0] + acc[j]
    return acc[0]


def _scalar_row_sum(flat: np.ndarray):
    """row_sum over scalars: four interleaved accumulators, the tail into the first."""
    ilp = flat.size // 4
    partial = _multi_row_sum(flat[:ilp * 4].reshape(ilp, 4)) if ilp else np.zeros(4, dtype=flat.dtype)
    first = partial[0]
    for value in flat[ilp * 4:]:
        first = first + value
    for k in range(1, 4):
        first = first + partial[k]
    return first


def cascade_sum(x: np.ndarray):
    """The sum of all elements of a float array, in PyTorch's order (contiguous, one thread)."""
    lanes = _LANES.get(x.dtype)
    flat = np.ascontiguousarray(x).reshape(-1)
    if lanes is None:
        return np.sum(flat)
    n = flat.size
    if n < lanes:  # too short for a vector: PyTorch's scalar loop
        return _scalar_row_sum(flat)
    vectors = n // lanes
    ilp = vectors // 4
    partial = _multi_row_sum(flat[:ilp * 4 * lanes].reshape(ilp, 4 * lanes)).reshape(4, lanes) \
        if ilp else np.zeros((4, lanes), dtype=flat.dtype)
    for v in range(ilp * 4, vectors):
        partial[0] = partial[0] + flat[v * lanes:(v + 1) * lanes]
    for k in range(1, 4):
        partial[0] = partial[0] + partial[k]
    total = flat.dtype.type(0)
    for value in flat[vectors * lanes:]:
        total = total + value
    for value in partial[0]:
        total = total + value
    return total


def _sum_forward(xp, x, *, axes, keepdims):
    if len(axes) == x.ndim and x.dtype in _LANES and xp is np and x.size <= 32768:
        total = cascade_sum(x)
        return np.full((1,) * x.ndim if keepdims else (), total, dtype=x.dtype)
    return xp.sum(x, axis=axes, keepdims=keepdims)


def _mean_forward(xp, x, *, axes, keepdims):
    if len(axes) == x.ndim and x.dtype in _LANES and xp is np and x.size <= 32768:
        total = cascade_sum(x) / x.dtype.type(max(x.size, 1)) if x.size else x.dtype.type(np.nan)
        return np.full((1,) * x.ndim if keepdims else (), total, dtype=x.dtype)
    return xp.mean(x, axis=axes, keepdims=keepdims)


_SUM, _MEAN = PRIMITIVES["sum"], PRIMITIVES["mean"]
SUM = Op("sum", _sum_forward, vjp=_SUM.vjp, jvp=_SUM.jvp, backward_name="SumBackward0")
MEAN = Op("mean", _mean_forward, vjp=_MEAN.vjp, jvp=_MEAN.jvp, backward_name="MeanBackward0")


def _pow_forward(xp, x, y):
    if y.ndim == 0 and x.dtype.kind == "f":
        e = float(y)
        if e == 2.0:
            return x * x
        if e == 3.0:
            return x * x * x
        if e == 0.5:
            return xp.sqrt(x)
        if e == -0.5:
            return 1 / xp.sqrt(x)
        if e == -1.0:
            return 1 / x
        if e == -2.0:
            return 1 / (x * x)
    return x ** y


POW = Op("pow", _pow_forward, partials=PRIMITIVES["pow"].partials, backward_name="PowBackward0")

