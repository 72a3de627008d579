"""Random programs (hypothesis): reverse mode == forward mode == central differences.

Programs are random compositions of smooth elementwise functions, + - * /,
sum/mean/softmax/logsumexp and matrix products with compatible shapes, over
inputs x, y (3,), M (3, 3) and s (). Functions with kinks are left out on
purpose: their conventions are tested exactly in test_engine.py.
"""
from __future__ import annotations

import numpy as np
from conftest import central_differences, sample_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.api import Computation
from gradcli.program import Program

LEAVES = {"x": "v", "y": "v", "M": "m", "s": "s"}  # name -> shape kind: vector, matrix, scalar
RANK = {"s": 0, "v": 1, "m": 2}

# Smooth and bounded enough that values stay moderate at any depth.
UNARY = ["sin({})", "cos({})", "tanh({})", "sigmoid({})", "softplus({})", "atan({})",
         "exp(tanh({}))", "log(({0}) * ({0}) + 1)", "sqrt(({0}) * ({0}) + 1)", "({}) ** 2", "-({})",
         "({}).pow(3)", "erf({})"]


@st.composite
def expressions(draw, depth: int = 4):
    """(text, shape kind) of a random expression."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()) and depth < 4:
            return repr(draw(st.sampled_from([0.5, 2.0, -1.5, 3.0]))), "s"
        name = draw(st.sampled_from(sorted(LEAVES)))
        return name, LEAVES[name]
    kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "matmul"]))
    a, sa = draw(expressions(depth - 1))
    if kind == "unary":
        return draw(st.sampled_from(UNARY)).format(a), sa
    if kind == "reduce":
        if sa == "s":
            return f"({a}) * 2", sa
        how = draw(st.sampled_from(["sum({})", "mean({})", "({}).sum(dim=-1)", "logsumexp({}, dim=0)",
                                    "softmax({}, dim=-1)"]))
        text = how.format(a)
        if how.startswith("softmax"):
            return text, sa
        return text, "s" if ("dim" not in how or sa == "v") else "v"
    b, sb = draw(expressions(depth - 1))
    if kind == "matmul":
        if sa == "s" or sb == "s":
            return f"({a}) * ({b})", max(sa, sb, key=RANK.get)
        result = {("v", "v"): "s", ("v", "m"): "v", ("m", "v"): "v", ("m", "m"): "m"}[sa, sb]
        return f"({a}) @ ({b})", result
    op = draw(st.sampled_from(["+", "-", "*", "/"]))
    shape = max(sa, sb, key=RANK.get)
    if op == "/":
        return f"({a}) / (({b}) * ({b}) + 1)", shape
    return f"({a}) {op} ({b})", shape


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=expressions(), seed=st.integers(0, 2**32 - 1))
def test_random_programs(expr, seed):
    text, _ = expr
    program = Program(f"out = {text}")
    names = program.input_names
    if not names:
        return
    values = sample_values(names, seed)
    c = Computation(program, values)
    out = c.evaluate()["outputs"]["out"]
    assert np.isfinite(out).all(), text
    reverse = c.jacobian(mode="reverse")["matrix"]
    forward = c.jacobian(mode="forward")["matrix"]
    fd = central_differences(program, values, names)
    scale = max(1.0, float(np.abs(fd).max()))
    np.testing.assert_allclose(forward, reverse, rtol=1e-9, atol=1e-12 * scale, err_msg=text)
    np.testing.assert_allclose(reverse, fd, rtol=1e-5, atol=1e-6 * scale, err_msg=text)
    # A VJP with a random cotangent agrees with the Jacobian it comes from.
    v = np.random.default_rng(seed).standard_normal(np.shape(out))
    grads = c.backward([v])["grad"]
    flat = np.concatenate([np.ravel(grads[n]) for n in names])
    np.testing.assert_allclose(flat, np.ravel(v) @ reverse, rtol=1e-9, atol=1e-12 * scale, err_msg=text)
