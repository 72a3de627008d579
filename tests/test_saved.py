"""What each op's rules read (Op.saves), checked against what they really read.

A recorded node keeps the data of an input only where its op declares that its rules read it;
any other input it holds as a stand-in without data (core/tensor.py). One test per op of the
table: every sample program that records the op is differentiated (reverse and forward
Jacobians, and the Hessian: forward mode over a recorded backward pass) with the op's undeclared
data replaced by poison (NaN; then every value moved: -2 x + 0.5, integers + 1, booleans
negated), and must give exactly the numbers of a run that keeps everything. A rule that reads
what it did not declare sees the poison and fails its op's test.

Another test checks that the memory is really freed: intermediates no rule reads are gone after
the forward pass.
"""
from __future__ import annotations

import functools
import gc
import weakref

import numpy as np
import pytest
from conftest import sample_point

from gradcli.api import Computation
from gradcli.core import backend, engine, ops, tensor
from gradcli.core.tensor import PRIMITIVES, Tensor
from gradcli.lang.functions import FUNCTIONS
from gradcli.lang.program import Program

LANGUAGE_SAMPLES = [
    "out = x[0] * M[:, 1] + M[-1] - M[1:3, ::2].sum()",
    "b = zeros(3, 3); b[0] = x; b[1, 1:] = y[:2] * x[0]; out = b * M",
    "c = M * 1; c[1:, 0] += x[1:]; c[0] *= y; out = c",
    "out = -x @ M @ y + (M > 0) * M - +s",
    "out = (x[None, :] @ M[:, ::2]) * y[1:] + x[::-1][..., 0]",
    "c = x; c = c * c; c += y; c = c.sum() + c",
    "out = x ** y.abs() + x.abs() ** 2.5 + s ** x",  # pow with a tensor exponent and a constant one
    "out = (x * 2) / (y.abs() + 1) + 1 / (x.abs() + 1)",
]
SAMPLES = [s for fn in FUNCTIONS.values() for s in fn.samples] + LANGUAGE_SAMPLES
SAMPLES_PER_OP = 10  # spread over the samples that record the op: the common ops are in hundreds


def _wrt_sets(program: Program) -> list[tuple]:
    """Every input, then each alone: a declaration "y for x" keeps y only when x needs a gradient."""
    names = tuple(program.input_names)
    return [names] + ([(n,) for n in names] if len(names) > 1 else [])


def _sum_all(t: Tensor) -> Tensor:
    return ops.reduce("sum", t, tuple(range(-t.nd, 0)), False)


def _derivatives(sample: str, wrt: tuple) -> dict:
    """Outputs, both Jacobians and the Hessian of (sum of all outputs)^2, as host arrays."""
    program = Program(sample)
    c = Computation(program, sample_point(program, sample), wrt=list(wrt))
    found = {f"out {k}": v for k, v in c.evaluate()["outputs"].items()}
    found["reverse"] = c.jacobian(mode="reverse")["matrix"]
    found["forward"] = c.jacobian(mode="forward")["matrix"]
    total = None
    for o in c.outputs.values():
        if o.dtype == c.dtype:
            total = _sum_all(o) if total is None else total + _sum_all(o)
    leaves = c.wrt_leaves()
    if total is not None and total.requires_grad:
        grads = [engine.fit(g, leaf.shape) if g is not None else
                 Tensor(backend.xp.zeros(leaf.shape, dtype=c.dtype))
                 for g, leaf in zip(engine.gradient_graph(total * total, leaves), leaves)]
        matrix, _ = engine.hessian_forward(grads, leaves)
        found["hessian"] = backend.to_numpy(matrix)
    return found


@functools.lru_cache(maxsize=None)
def _reference(sample: str, wrt: tuple) -> dict:
    with engine.keeping_values():
        return _derivatives(sample, wrt)


@functools.lru_cache(maxsize=None)
def _ops_of(sample: str) -> frozenset:
    """The ops a sample's graphs record: the forward graph and a recorded backward pass."""
    program = Program(sample)
    c = Computation(program, sample_point(program, sample))
    outs = list(c.outputs.values())
    names = {t.op.name for t in engine.graph(outs) if t.op is not None}
    total = None
    for o in outs:
        if o.dtype == c.dtype:
            total = _sum_all(o) if total is None else total + _sum_all(o)
    if total is not None and total.requires_grad:
        grads = [g for g in engine.gradient_graph(total * total, c.wrt_leaves()) if g is not None]
        names |= {t.op.name for t in engine.graph(grads) if t.op is not None}
    return frozenset(names)


def _samples_of(name: str) -> list[str]:
    found = [s for s in SAMPLES if name in _ops_of(s)]
    step = max(1, len(found) // SAMPLES_PER_OP)
    return found[::step][:SAMPLES_PER_OP]


def _moved(data):
    """Every value changed: floats -2 x + 0.5, integers + 1, booleans negated."""
    xp = backend.xp
    kind = tensor.category(data.dtype)
    if kind == tensor.BOOL:
        return xp.logical_not(data)
    if kind == tensor.INTEGER:
        return data + 1
    return data * -2.0 + 0.5


def _nan(data):
    return tensor.placeholder(data)  # what the engine itself holds: NaN (or 0) everywhere


class _Poison:
    """While active: every node keeps the least its op declares (stand-ins from 0 elements on),
    and a stand-in held by a node of `name`, or standing in for a node of `name`, carries
    poison; every other stand-in carries the real data, so that only `name` is on trial."""

    def __init__(self, monkeypatch, name: str, poison):
        self.name, self.poison = name, poison
        self.original = tensor._saved
        monkeypatch.setattr(tensor, "STAND_IN_ELEMENTS", 0)
        monkeypatch.setattr(tensor, "_saved", self.saved)

    def saved(self, op, inputs):
        stored = self.original(op, inputs)
        for t, s in zip(inputs, stored):
            if s is not t:
                on_trial = op.name == self.name or (t.op is not None and t.op.name == self.name)
                s.data = self.poison(t.data) if on_trial else t.data
        return stored


def _differences(got: dict, want: dict) -> list[str]:
    wrong = []
    for key, value in want.items():
        if key not in got or np.shape(got[key]) != np.shape(value):
            wrong.append(f"{key}: missing or reshaped")
            continue
        try:
            np.testing.assert_array_equal(got[key], value)
        except AssertionError:
            wrong.append(f"{key}: {np.ravel(got[key])[:6]} != {np.ravel(value)[:6]}")
    return wrong


DECLARED = sorted(n for n, op in PRIMITIVES.items() if op.differentiable)


def _misreads(name: str, monkeypatch) -> list[str]:
    """Where a run with name's undeclared data poisoned differs from one that keeps everything."""
    found = []
    for poison in (_nan, _moved):
        with monkeypatch.context() as patch:
            _Poison(patch, name, poison)
            for sample in _samples_of(name):
                for wrt in _wrt_sets(Program(sample)):
                    want = _reference(sample, wrt)
                    with np.errstate(all="ignore"):
                        got = _derivatives(sample, wrt)
                    wrong = _differences(got, want)
                    if wrong:
                        found.append(f"{sample!r} with wrt={wrt}, poison {poison.__name__}: {wrong}")
        if found:
            break
    return found


@pytest.mark.parametrize("name", DECLARED)
def test_rules_read_only_what_their_op_declares(name, monkeypatch):
    op = PRIMITIVES[name]
    if op.saves is None:
        pytest.skip(f"{name} declares nothing (saves=None): its nodes keep every input whole")
    assert _samples_of(name), f"no sample program records {name}"
    wrong = _misreads(name, monkeypatch)
    assert not wrong, f"{name} (saves={op.saves}) read data it did not declare: {wrong[:3]}"


@pytest.mark.parametrize("name, wrong", [
    ("sin", ()),                     # cos(x) reads x
    ("tanh", ("x",)),                # 1 - ans * ans reads ans, not x
    ("mul", ("y for x",)),           # d/dy = x, read when y needs a gradient
    ("pow", ("x", "y")),             # d/dy = ans * log(x) reads ans
    ("where", ()),                   # the condition selects
    ("amax", ("x",)),                # the mask compares x with ans
    ("matmul", ("b for a",)),        # the gradient of b reads a
])
def test_a_wrong_declaration_is_caught(name, wrong, monkeypatch):
    """The check above can fail: declare too little and the poison shows in the results."""
    op = PRIMITIVES[name]
    right = op.saves
    op.declare(wrong)
    try:
        assert _misreads(name, monkeypatch), f"{name} declared {wrong} and nothing noticed"
    finally:
        op.declare(right)


def test_declarations_name_what_the_forward_takes():
    with pytest.raises(ValueError, match="not 'ans' or an argument"):
        tensor.Op("bad", lambda xp, x: x, partials=(lambda ans, x: 1,), saves=("y",))
    with pytest.raises(ValueError, match="names an input its forward lacks"):
        tensor.Op("bad", lambda xp, x: x, partials=(lambda ans, x: 1,), saves=("x for z",))
    op = tensor.Op("fine", lambda xp, x, y: x * y, partials=(None, None), saves=("x for y", "ans"))
    assert op.keep_if == ((1,), False)
    assert op.ans_if is True


# -- the memory is freed --------------------------------------------------------------------------

def _alive_after_forward(text: str, values: dict) -> tuple[Computation, list]:
    """The Computation, and weak references to the data of every node its program made."""
    made = []
    original = tensor.Tensor.__init__

    def spy(self, data, nd=None, requires_grad=False):
        original(self, data, nd, requires_grad)
        if isinstance(data, np.ndarray) and data.size >= tensor.STAND_IN_ELEMENTS:
            made.append(weakref.ref(data))
    tensor.Tensor.__init__ = spy
    try:
        c = Computation(text, values, wrt="W1,b1,W2,b2")
    finally:
        tensor.Tensor.__init__ = original
    gc.collect()
    return c, made


def test_intermediates_no_rule_reads_are_freed_during_the_forward_pass():
    """The MLP of bench/mlp.py, small: x @ W1, + b1, h @ W2 and (y - t)**2 are read by no rule
    (add, sub: nothing; tanh: its output; mean: nothing; pow with a constant exponent: its base),
    so only what the program binds, the inputs and what rules read stay alive."""
    rng = np.random.default_rng(0)
    n, width = 512, 16  # 8,192 elements per batch tensor: above STAND_IN_ELEMENTS
    values = {"x": rng.standard_normal((n, width)), "t": rng.standard_normal((n, width)),
              "W1": rng.standard_normal((width, width)) * 0.25, "b1": rng.standard_normal(width),
              "W2": rng.standard_normal((width, width)) * 0.25, "b2": rng.standard_normal(width)}
    text = "h = tanh(x @ W1 + b1); y = h @ W2 + b2; loss = mean((y - t)**2)"
    c, made = _alive_after_forward(text, values)
    alive = [r() for r in made if r() is not None and r().shape == (n, width)]
    # x and t (inputs), h (bound, and tanh's output), y (bound), y - t (pow's base): 5 of the 9
    assert len(alive) == 5, [a.shape for a in alive]
    with engine.keeping_values():
        c_all, made_all = _alive_after_forward(text, values)
    assert len([r for r in made_all if r() is not None and r().shape == (n, width)]) == 9
    # and the gradients are the same numbers
    got, want = c.backward()["grad"], c_all.backward()["grad"]
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(got[name], want[name])
