"""`gradcli symbolic` for linear algebra, special functions, statistics and the newer elementwise
math: each formula against a reference written with SymPy directly (never through gradcli), and
its value and derivatives at the point against autograd. What has no formula is named.
"""
from __future__ import annotations

import numpy as np
import pytest

sp = pytest.importorskip("sympy")

from gradcli.api import Computation  # noqa: E402
from gradcli.errors import GradcliError  # noqa: E402
from gradcli.lang.program import Program  # noqa: E402
from gradcli.views import symbolic as sym  # noqa: E402


def S(name):
    return sp.Symbol(name, real=True)


def T(name, *shape):
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = S(f"{name}[{','.join(map(str, idx))}]")
    return out


x, y = S("x"), S("y")
M = lambda: sp.Matrix(T("M", 2, 2).tolist())  # noqa: E731
A22 = [[2.0, 0.5], [-0.3, 1.5]]
SPD22 = [[2.0, 0.5], [0.5, 1.5]]


def _normal_logpdf(v, loc, scale):
    return -((v - loc) / scale) ** 2 / 2 - sp.log(scale) - sp.log(2 * sp.pi) / 2


CASES = [
    ("out = linalg.det(M)", {"M": A22}, lambda: M().det()),
    ("out = torch.inverse(M)[0, 1]", {"M": A22}, lambda: M().inv()[0, 1]),
    ("out = np.linalg.inv(M) @ v", {"M": A22, "v": [1.0, 2.0]},
     lambda: list(M().inv() * sp.Matrix(T("v", 2).tolist()))),
    ("out = linalg.solve(M, v)", {"M": A22, "v": [1.0, 2.0]},
     lambda: list(M().LUsolve(sp.Matrix(T("v", 2).tolist())))),
    ("out = logdet(M)", {"M": SPD22}, lambda: sp.log(M().det())),
    ("out = linalg.slogdet(M)[1]", {"M": A22}, lambda: sp.log(sp.Abs(M().det()))),
    ("out = linalg.cholesky(M)[1, 1]", {"M": SPD22}, lambda: ((M() + M().T) / 2).cholesky(hermitian=False)[1, 1]),
    ("out = matrix_power(M, 3)[0, 0]", {"M": A22}, lambda: (M() ** 3)[0, 0]),
    ("out = np.dot(M, v) + np.trace(M)", {"M": A22, "v": [1.0, 2.0]},
     lambda: [e + M().trace() for e in M() * sp.Matrix(T("v", 2).tolist())]),
    ("out = einsum('ij,ij->', M, M)", {"M": A22}, lambda: sum(e ** 2 for e in T("M", 2, 2).reshape(-1))),
    ("out = kron(v, v)", {"v": [1.0, 2.0]}, lambda: (lambda V: [V[0] ** 2, V[0] * V[1], V[1] * V[0], V[1] ** 2])(T("v", 2))),
    ("out = np.convolve(v, v)", {"v": [1.0, 2.0]}, lambda: (lambda V: [V[0] ** 2, 2 * V[0] * V[1], V[1] ** 2])(T("v", 2))),
    ("out = asinh(x) + atanh(y) + np.cbrt(x) + sinc(x) + exp2(y)", {"x": 0.7, "y": -0.3},
     lambda: sp.asinh(x) + sp.atanh(y) + x ** sp.Rational(1, 3) + sp.sin(sp.pi * x) / (sp.pi * x) + 2 ** y),
    ("out = hypot(x, y) + logaddexp(x, y) + xlogy(x, x + 1) + logit(x)", {"x": 0.7, "y": -0.3},
     lambda: sp.sqrt(x ** 2 + y ** 2) + sp.log(sp.exp(x) + sp.exp(y)) + x * sp.log(x + 1) + sp.log(x / (1 - x))),
    ("out = special.gammaln(x) + special.digamma(x) + special.polygamma(2, x)", {"x": 0.7},
     lambda: sp.loggamma(x) + sp.digamma(x) + sp.polygamma(2, x)),
    ("out = special.erfc(x) + special.erfinv(y) + special.ndtr(x)", {"x": 0.7, "y": -0.3},
     lambda: sp.erfc(x) + sp.erfinv(y) + (1 + sp.erf(x / sp.sqrt(2))) / 2),
    ("out = torch.special.i0(x) + torch.special.i1(x) + special.gamma(x)", {"x": 0.7},
     lambda: sp.besseli(0, x) + sp.besseli(1, x) + sp.gamma(x)),
    ("out = special.gammainc(2., x) + special.betaln(x, 2.)", {"x": 0.7},
     lambda: sp.lowergamma(2, x) / sp.gamma(2) + sp.loggamma(x) + sp.loggamma(2) - sp.loggamma(x + 2)),
    ("out = stats.norm.logpdf(x, y, 2.)", {"x": 0.7, "y": -0.3}, lambda: _normal_logpdf(x, y, 2)),
    ("out = stats.norm.cdf(x) + stats.t.logpdf(x, 3.)", {"x": 0.7},
     lambda: (1 + sp.erf(x / sp.sqrt(2))) / 2 + sp.loggamma(2) - sp.loggamma(sp.Rational(3, 2))
     - sp.log(3 * sp.pi) / 2 - 2 * sp.log(1 + x ** 2 / 3)),
    ("out = stats.poisson.logpmf(3., x)", {"x": 0.7}, lambda: 3 * sp.log(x) - sp.log(6) - x),
    ("out = scipy.special.softmax(M)", {"M": A22},
     lambda: (lambda E: [e / sum(E) for e in E])([sp.exp(e) for e in T("M", 2, 2).reshape(-1)])),
    ("out = np.max(M, 0)", {"M": A22}, lambda: (lambda X: [sp.Max(X[0, 0], X[1, 0]), sp.Max(X[0, 1], X[1, 1])])(T("M", 2, 2))),
]


@pytest.mark.parametrize("text, values, reference", CASES, ids=[c[0][:60] for c in CASES])
def test_formulas_agree_with_sympy_and_autograd(text, values, reference):
    comp = Computation(text, {k: np.asarray(v, dtype=float) for k, v in values.items()})
    shapes = {n: t.shape for n, t in comp.inputs.items()}
    result = sym.symbolic(Program(text), shapes, comp.wrt, comp.output_names)
    subs = sym.substitutions(result["symbols"], {k: np.asarray(v, dtype=float) for k, v in values.items()})
    got = np.asarray(result["outputs"]["out"], dtype=object).reshape(-1)
    want = np.asarray(reference(), dtype=object).reshape(-1)
    numeric = np.asarray(comp.evaluate()["outputs"]["out"]).reshape(-1)
    for g, w, n in zip(got, want, numeric):
        assert sym.evaluate_at(g, subs) == pytest.approx(sym.evaluate_at(sp.sympify(w), subs), rel=1e-12, abs=1e-12)
        assert sym.evaluate_at(g, subs) == pytest.approx(float(n), rel=1e-9, abs=1e-12)
    jac = comp.jacobian()["matrix"]
    formula = np.array([[sym.evaluate_at(e, subs) for e in row] for row in result["matrix"].tolist()])
    np.testing.assert_allclose(formula, jac, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("text, why", [
    ("L, V = linalg.eigh(M); out = L", "eigendecomposition"),
    ("out = linalg.svdvals(M)", "singular value"),
    ("Q, R = linalg.qr(M); out = R", "QR"),
    ("out = linalg.pinv(M)", "rank"),
    ("out = stats.t.cdf(x, 3.)", "Student"),
    ("out = stats.multivariate_normal.logpdf(v, v, M)", "Cholesky"),
])
def test_what_has_no_formula_is_named(text, why):
    program = Program(text)
    shapes = {"M": (2, 2), "v": (2,), "x": ()}
    with pytest.raises(GradcliError, match=why) as err:
        sym.symbolic(program, {n: shapes[n] for n in program.input_names}, program.input_names, ["out"])
    assert err.value.kind == "symbolic"


def test_large_matrices_are_refused_not_expanded():
    program = Program("out = linalg.det(M)")
    with pytest.raises(GradcliError, match="too large"):
        sym.symbolic(program, {"M": (5, 5)}, ["M"], ["out"])
