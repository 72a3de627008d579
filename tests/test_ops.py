"""Every function of the language, gradchecked through its sample programs.

One test, parametrized over (function, sample) in gradcli.functions.FUNCTIONS:
reverse-mode Jacobian == central differences (float64), forward == reverse,
chunked == unchunked, and <v, J u> == <J^T v, u> with the JVP and the VJP
computed independently. Adding a function with samples tests it; adding a
primitive that no sample reaches fails `test_every_primitive_is_exercised`.
"""
from __future__ import annotations


import numpy as np
import pytest
from conftest import central_differences, sample_point, sample_values

from gradcli.core import backend, engine
from gradcli.api import Computation
from gradcli.lang.functions import FUNCTIONS
from gradcli.lang.program import Program
from gradcli.core.tensor import PRIMITIVES, Tensor

# Statements and operators that are not functions: indexing, index assignment (CopySlices).
LANGUAGE_SAMPLES = [
    "out = x[0] * M[:, 1] + M[-1] - M[1:3, ::2].sum()",
    "b = zeros(3, 3); b[0] = x; b[1, 1:] = y[:2] * x[0]; out = b * M",
    "c = M * 1; c[1:, 0] += x[1:]; c[0] *= y; out = c",
    "b = zeros(2); b[0] = s ** 2; b[1] = s * x[2]; out = b",
    "b = x * 1; b[1] = b[0] * b[2]; out = b * y",
    "out = -x @ M @ y + (M > 0) * M - +s",
    "out = (x[None, :] @ M[:, ::2]) * y[1:] + x[::-1][..., 0]",
    "b = zeros(3, 3); b[:, ::2] += M[:, :2] * s; b[..., 1] = x; b[-1] -= y; out = b",
    "c = x; c = c * c; c += y; c = c.sum() + c",
]
CASES = [(name, sample) for name, fn in FUNCTIONS.items() for sample in fn.samples] + \
    [("<language>", sample) for sample in LANGUAGE_SAMPLES]
RTOL = ATOL = 1e-5

# Central differences see values, not where the gradient stops: detach needs a hand reference.
BY_HAND = {"out = detach(x) * x": lambda values: np.diag(values["x"])}


@pytest.mark.parametrize("name,sample", CASES, ids=[f"{n}:{s[6:]}" for n, s in CASES])
def test_gradcheck(name, sample, program_cache):
    program = program_cache(sample)
    values = sample_point(program, sample)
    wrt = program.input_names
    c = Computation(program, values)
    for v in c.evaluate()["outputs"].values():
        assert np.isfinite(v).all(), f"{sample}: non-finite output at {values}"

    reverse = c.jacobian(mode="reverse")
    fd = BY_HAND[sample](values) if sample in BY_HAND else central_differences(program, values, wrt)
    assert reverse["matrix"].shape == fd.shape
    np.testing.assert_allclose(reverse["matrix"], fd, rtol=RTOL, atol=ATOL,
                               err_msg=f"{sample}: reverse mode vs central differences")

    forward = c.jacobian(mode="forward")
    np.testing.assert_allclose(forward["matrix"], reverse["matrix"], rtol=1e-10, atol=1e-12,
                               err_msg=f"{sample}: forward vs reverse")
    # The blocks are the matrix, reshaped out.shape + in.shape.
    for out, row in reverse["jacobian"].items():
        for inp, block in row.items():
            assert block.shape == np.shape(c.outputs[out].data) + np.shape(values[inp])

    # Seeds travel together along a lead axis; one seed per pass must give the same numbers.
    for mode in ("reverse", "forward"):
        one = c.jacobian(mode=mode, chunk=1)
        np.testing.assert_allclose(one["matrix"], reverse["matrix"], rtol=1e-10, atol=1e-12,
                                   err_msg=f"{sample}: {mode} with chunk 1")
        assert one["passes"] == (reverse["matrix"].shape[0] if mode == "reverse"
                                 else reverse["matrix"].shape[1])

    # <v, J u> == <J^T v, u>: the JVP (engine.jvp) against the VJP (backward with gradient v).
    rng = np.random.default_rng(1)
    u = {n: rng.standard_normal(np.shape(values[n])) for n in wrt}
    v = {n: rng.standard_normal(np.shape(o)) for n, o in c.evaluate()["outputs"].items()}
    tangents = [Tensor(backend.from_numpy(u[n], c.dtype)) for n in wrt]
    ju = engine.jvp(list(c.outputs.values()), c.wrt_leaves(), tangents)
    lhs = sum(float(np.sum(v[n] * (0 if d is None else backend.to_numpy(engine.fit(d, o.shape).data))))
              for (n, o), d in zip(c.outputs.items(), ju))
    vjp = c.backward([v])["grad"]
    rhs = sum(float(np.sum(vjp[n] * u[n])) for n in wrt)
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-10), sample


def test_every_function_has_a_sample():
    missing = [name for name, fn in FUNCTIONS.items() if not fn.samples]
    assert not missing, f"functions without sample programs: {missing}"


def _primitives_used() -> tuple[set, set]:
    """(primitives that ran, differentiable primitives recorded on a graph) over all samples.

    Ran: every forward that executed while evaluating, differentiating once, and differentiating
    the gradient again (create_graph), which is where scatter, sum_to and friends live.
    """
    ran: set = set()
    originals = {}
    for op in PRIMITIVES.values():
        originals[op.name] = op.forward

        def spy(*args, _op=op, _f=op.forward, **kw):
            ran.add(_op.name)
            return _f(*args, **kw)
        op.forward = spy
    recorded: set = set()
    try:
        for _, sample in CASES:
            program = Program(sample)
            c = Computation(program, sample_values(program.input_names, 0, signed=False))
            outs = list(c.outputs.values())
            recorded |= {t.op.name for t in engine.graph(outs) if t.op is not None}
            c.jacobian(mode="reverse")
            c.jacobian(mode="forward")
            total = None
            for o in outs:
                s = _sum_all(o)
                total = s if total is None else total + s
            if total is not None and total.requires_grad:
                grads = [g for g in engine.gradient_graph(total * total, c.wrt_leaves()) if g is not None]
                recorded |= {t.op.name for t in engine.graph(grads) if t.op is not None}
    finally:
        for op in PRIMITIVES.values():
            op.forward = originals[op.name]
    return ran, recorded


def _sum_all(t):
    from gradcli.core import ops
    return ops.reduce("sum", t, tuple(range(-t.nd, 0)), False)


def test_every_primitive_is_exercised():
    ran, recorded = _primitives_used()
    never_ran = sorted(set(PRIMITIVES) - ran)
    assert not never_ran, f"primitives no sample program runs: {never_ran}"
    differentiable = {n for n, op in PRIMITIVES.items() if op.differentiable}
    never_recorded = sorted(differentiable - recorded)
    assert not never_recorded, f"differentiable primitives no sample differentiates: {never_recorded}"


# -- the fast paths: one BLAS product for a stack times a matrix, and in-place temporaries --------

@pytest.mark.parametrize("a_shape, b_shape", [
    ((5, 3, 4), (4, 2)),        # a stack of matrices times one matrix: folded into one product
    ((2, 5, 3, 4), (4, 2)),
    ((3, 4), (5, 4, 2)),        # one matrix times a stack: through transposes
    ((3, 4), (2, 5, 4, 2)),
    ((5, 3, 4), (5, 4, 2)),     # stack times stack: plain matmul
    ((3, 4), (4, 2)),
])
def test_one_product_is_matmul(a_shape, b_shape):
    from gradcli.core.ops.linalg import _one_product
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    np.testing.assert_allclose(_one_product(np, a, b), np.matmul(a, b), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("text", ["y = tanh(W @ x) * x", "y = x @ W", "Y = A @ B", "Y = A.T @ (A @ B)"])
def test_batched_jacobians_through_matmul(text, mode):
    """All seeds of a Jacobian go through matmul together (lead axes): the folded products."""
    rng = np.random.default_rng(1)
    values = {"W": rng.standard_normal((4, 4)), "x": rng.standard_normal(4),
              "A": rng.standard_normal((3, 4)), "B": rng.standard_normal((4, 2))}
    program = Program(text)
    values = {n: values[n] for n in program.input_names}
    got = Computation(program, values).jacobian(mode=mode)["matrix"]
    want = central_differences(program, values, program.input_names)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-8)


def test_large_temporaries_reused_in_place_leave_values_intact(monkeypatch):
    """Above REUSE_ELEMENTS elements, first-order rules write into their own temporaries; the
    inputs, outputs and gradients must be exactly what fresh arrays would give."""
    from gradcli.core import tensor
    reused = []

    def spy(*args):
        ufunc, buffer = original(*args)
        reused.append(buffer is not None)
        return ufunc, buffer
    original = tensor._in_place
    monkeypatch.setattr(tensor, "_in_place", spy)
    n = tensor.REUSE_ELEMENTS + 7
    x = np.random.default_rng(2).standard_normal(n)
    x0 = x.copy()
    c = Computation("t = tanh(x); s = sigmoid(x); y = (t * s + x / (x * x + 1)).sum()", {"x": x})
    result = c.backward()
    t, s = np.tanh(x0), 1 / (1 + np.exp(-x0))
    want = (1 - t * t) * s + t * s * (1 - s) + (1 - x0 * x0) / (x0 * x0 + 1) ** 2
    np.testing.assert_allclose(result["grad"]["x"], want, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(result["inputs"]["x"], x0)
    np.testing.assert_allclose(result["outputs"]["y"], (t * s + x0 / (x0 * x0 + 1)).sum(), rtol=1e-12)
    again = c.backward()  # the recorded graph is still whole: a second backward gives the same
    np.testing.assert_array_equal(again["grad"]["x"], result["grad"]["x"])
    assert any(reused), "the in-place path was not taken"


def test_each_function_is_registered_by_one_family():
    from gradcli.lang.functions import FAMILIES
    owner: dict = {}
    for family in FAMILIES:
        for key in list(family.TABLE.functions) + list(family.TABLE.aliases):
            assert key not in owner, f"{key} is registered by {owner[key]} and {family.__name__}"
            owner[key] = family.__name__
