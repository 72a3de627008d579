"""Second order for the linear algebra, special functions, statistics and the newer elementwise
math: the Hessian of a weighted sum of the outputs, by reverse-over-reverse and by
forward-over-reverse, against central differences of the (reverse-mode) gradient.

test_ops.py checks every sample to first order; the rules here are long (eigh, svd, qr,
cholesky...), and a rule that is right to first order but built from values that carry no
history (a constant where a Tensor was needed) is wrong to second order. This catches that.
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest
from conftest import central_differences, sample_point

from gradcli.api import Computation
from gradcli.core import backend, engine, ops
from gradcli.core.tensor import Tensor
from gradcli.lang.functions import elementwise, linalg, matrices, special, stats

FAMILIES = (linalg, matrices, special, stats)
NEW_ELEMENTWISE = set(elementwise.NEW_MATH)
# Programs of functions registered in other families that now reach the new primitives: the matrix
# norms of singular values (ord 2, -2, 'nuc') live in the reductions family.
EXTRA = ["out = linalg.matrix_norm(M, 'nuc')", "out = np.linalg.norm(M, 2) * x + np.linalg.norm(N, -2)",
         "out = linalg.norm(stack([M, N]), ord=2, dim=(0, 2), keepdim=True)", "out = norm(M, p='nuc')",
         "out = linalg.matrix_norm(stack([M, N]), -2, dim=(-1, 0))"]
SAMPLES = sorted({s for family in FAMILIES for fn in family.TABLE.functions.values() for s in fn.samples}
                 | {s for name, fn in elementwise.TABLE.functions.items() if name in NEW_ELEMENTWISE
                    for s in fn.samples} | set(EXTRA))
# A count has no second derivative worth checking (its first is zero everywhere).
SKIP = {s for s in SAMPLES if "matrix_rank" in s}


def _weights(c, sample):
    rng = np.random.default_rng(zlib.crc32(sample.encode()) + 7)
    return {n: rng.uniform(0.5, 1.5, size=o.shape) for n, o in c.outputs.items()}


def _flat_gradient(program, values, weights, wrt):
    grad = Computation(program, values).backward([weights])["grad"]
    return np.concatenate([np.ravel(grad[n]) for n in wrt])


def _fd_hessian(program, values, weights, wrt, eps=1e-6):
    columns = []
    for name in wrt:
        base = np.asarray(values[name], dtype=np.float64)
        for i in range(base.size):
            plus, minus = dict(values), dict(values)
            up, down = base.copy().reshape(-1), base.copy().reshape(-1)
            up[i] += eps
            down[i] -= eps
            plus[name], minus[name] = up.reshape(base.shape), down.reshape(base.shape)
            columns.append((_flat_gradient(program, plus, weights, wrt)
                            - _flat_gradient(program, minus, weights, wrt)) / (2 * eps))
    return np.stack(columns, axis=1)


def _engine_hessian(c, weights, mode):
    leaves = c.wrt_leaves()
    loss = None
    for name, out in c.outputs.items():
        w = Tensor(backend.from_numpy(weights[name], c.dtype))
        term = ops.reduce("sum", out * w, tuple(range(-out.nd, 0)), False)
        loss = term if loss is None else loss + term
    n = sum(leaf.size for leaf in leaves)
    if not loss.requires_grad:
        return np.zeros((n, n))
    grads = [engine.fit(g, leaf.shape) if g is not None else
             Tensor(backend.xp.zeros(leaf.shape, dtype=c.dtype)) for g, leaf in
             zip(engine.gradient_graph(loss, leaves), leaves)]
    jac = engine.jacobian_reverse if mode == "reverse" else engine.jacobian_forward
    blocks, _ = jac(grads, leaves)
    return np.concatenate([np.concatenate([np.reshape(backend.to_numpy(b), (gi.size, lj.size))
                                           for b, lj in zip(row, leaves)], axis=1)
                           for row, gi in zip(blocks, leaves)], axis=0)


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s not in SKIP])
def test_hessian_matches_differences_of_the_gradient(sample, program_cache):
    program = program_cache(sample)
    values = sample_point(program, sample)
    wrt = program.input_names
    c = Computation(program, values)
    weights = _weights(c, sample)
    want = _fd_hessian(program, values, weights, wrt)
    for mode in ("reverse", "forward"):
        got = _engine_hessian(Computation(program, values), weights, mode)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5,
                                   err_msg=f"{sample}: the Hessian by {mode}-over-reverse")


@pytest.mark.parametrize("sample", EXTRA)
def test_first_order_of_the_extra_programs(sample, program_cache):
    """test_ops.py checks registered samples; these reach new primitives through other families."""
    program = program_cache(sample)
    values = sample_point(program, sample)
    c = Computation(program, values)
    want = central_differences(program, values, program.input_names)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(c.jacobian(mode=mode)["matrix"], want, rtol=1e-5, atol=1e-5,
                                   err_msg=f"{sample}: {mode} mode")
