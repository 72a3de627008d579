"""Every function's sample programs through `gradcli symbolic`: a formula or a named refusal.

Parametrized over the function table like tests/test_ops.py, so a new function is checked
automatically: where SymPy writes a formula, its value at the sample point must equal autograd's
output, and the derivative of a random projection of the outputs (wᵀ out) must equal autograd's
vector-Jacobian product (at one element of each input, chosen at random); otherwise the refusal must be a clean `symbolic` (or size `limit`) error.
A keyword the translation ignored (softplus's beta, add's alpha) gives the formula of another
function, and fails here. (The projection keeps SymPy's work to one derivative per input element;
the command's own simplification is tested in tests/test_symbolic.py.)
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest
from conftest import sample_point

sp = pytest.importorskip("sympy")

from gradcli.api import Computation
from gradcli.errors import GradcliError
from gradcli.lang.functions import FUNCTIONS
from gradcli.lang.program import Program
from gradcli.views import symbolic as sym

CASES = [(name, sample) for name, fn in FUNCTIONS.items() for sample in fn.samples]


def _close(formula, autograd) -> bool:
    return np.allclose(formula, autograd, rtol=1e-8, atol=1e-10, equal_nan=True)


@pytest.mark.parametrize("name,sample", CASES, ids=[f"{n}:{s[6:]}" for n, s in CASES])
def test_formula_agrees_or_is_refused(name, sample):
    program = Program(sample)
    values = sample_point(program, sample)
    comp = Computation(program, values)
    shapes = {n: v.shape for n, v in values.items()}
    try:
        formulas = sym.SymbolicProgram(program, shapes)
        env = formulas.run()
    except GradcliError as exc:
        assert exc.kind in ("symbolic", "limit"), str(exc)
        return
    subs = sym.substitutions(formulas.symbols, values)
    with np.errstate(all="ignore"):
        outputs = comp.evaluate()["outputs"]
    rng = np.random.default_rng(zlib.crc32(sample.encode()))
    projection, weights = sp.Integer(0), {}
    for name_, value in outputs.items():
        formula = sym.arr(env[name_])
        assert formula.shape == np.shape(value), name_
        at_point = np.vectorize(lambda e: sym.evaluate_at(e, subs), otypes=[float])(formula) \
            if formula.size else np.zeros(formula.shape)
        assert _close(at_point, value), (name_, at_point, value)
        weights[name_] = rng.choice([-1.0, 0.5, 2.0], size=np.shape(value))
        projection += sum((sym.number(float(w)) * e for w, e in
                           zip(weights[name_].reshape(-1), formula.reshape(-1))), sp.Integer(0))
    differentiable = [n for n in comp.wrt if n in formulas.symbols]
    if not differentiable:
        return
    with np.errstate(all="ignore"):
        vjp = comp.backward([weights])["grad"]
    for name_ in differentiable:
        # One element of each input, chosen at random: SymPy's time stays that of one derivative.
        symbols = formulas.symbols[name_]
        k = int(rng.integers(symbols.size)) if symbols.size else None
        if k is None:
            continue
        derivative = sym.evaluate_at(sym.conventions(sp.diff(projection, symbols.reshape(-1)[k])),
                                     subs)
        expected = np.asarray(vjp[name_]).reshape(-1)[k]
        assert _close(derivative, expected), (name_, k, derivative, expected)
