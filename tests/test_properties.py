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
from gradcli.lang.program import Program

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


# -- multi-statement programs: rebinding, updates and index assignment (CopySlices) ---------------

SCALAR_OF = ["({}).sum()", "({}).mean()", "({})[{k}]", "logsumexp({})", "({}).max()"]


@st.composite
def statements(draw):
    """A random program over x (3,) and s (): each statement reads what came before."""
    vectors, scalars = ["x"], ["s"]
    lines = []
    for i in range(draw(st.integers(2, 6))):
        v = draw(st.sampled_from(vectors))
        sc = draw(st.sampled_from(scalars))
        f = draw(st.sampled_from(UNARY))
        k = draw(st.integers(0, 2))
        form = draw(st.sampled_from(["new", "rebind", "update", "setitem", "scalar"]))
        if form == "new":
            lines.append(f"v{i} = {f.format(v)} * {sc}")
            vectors.append(f"v{i}")
        elif form == "rebind":  # a name re-bound from itself: later reads see the new value
            lines.append(f"{v} = {v} + {f.format(sc)}")
        elif form == "update":
            op = draw(st.sampled_from(["+=", "-=", "*="]))
            lines.append(f"{v} {op} {f.format(v)}")
        elif form == "setitem":  # write into a copy, so x itself stays an input
            lines.append(f"w{i} = {v} * 1.0; w{i}[{k}] = {f.format(sc)} * {v}[{(k + 1) % 3}]")
            vectors.append(f"w{i}")
        else:
            lines.append(f"s{i} = {draw(st.sampled_from(SCALAR_OF)).format(f.format(v), k=k)}")
            scalars.append(f"s{i}")
    lines.append(f"out = ({vectors[-1]}).sum() * {scalars[-1]}")
    return "\n".join(lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=statements(), seed=st.integers(0, 2**32 - 1))
def test_random_multi_statement_programs(text, seed):
    """Gradient against central differences; the Hessian is symmetric and matches differences of
    the gradient (forward over reverse checked against the reverse mode it is built on)."""
    program = Program(text)
    names = program.input_names
    values = sample_values(names, seed)
    c = Computation(program, values, outputs="out")
    if not np.isfinite(c.evaluate()["outputs"]["out"]).all():
        return
    grad = c.jacobian(mode="reverse")["matrix"]
    fd = central_differences(program, values, names, outputs="out")
    scale = max(1.0, float(np.abs(fd).max()))
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6 * scale, err_msg=text)
    hessian = c.hessian()["matrix"]
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-9, atol=1e-9 * scale, err_msg=text)
    eps, columns = 1e-5, []
    for name in names:
        base = np.asarray(values[name], dtype=np.float64).reshape(-1)
        for i in range(base.size):
            up, down = dict(values), dict(values)
            up[name], down[name] = base.copy(), base.copy()
            up[name][i] += eps
            down[name][i] -= eps
            up[name], down[name] = (v.reshape(np.shape(values[name])) for v in (up[name], down[name]))
            g = [Computation(program, p, outputs="out").jacobian(mode="reverse")["matrix"][0] for p in (up, down)]
            columns.append((g[0] - g[1]) / (2 * eps))
    h_scale = max(1.0, float(np.abs(hessian).max()))
    np.testing.assert_allclose(hessian, np.stack(columns, axis=1), rtol=1e-4, atol=1e-5 * h_scale,
                               err_msg=text)
