"""`gradcli symbolic`: formulas that agree with SymPy's own diff, and with autograd.

Each case gives a program, values, and a reference written directly with SymPy
(never through gradcli). The formulas gradcli derives are compared with the
reference and with sympy.diff of the reference, at the --at point and at a
second point; the formulas' values at --at are compared with autograd's
outputs and Jacobian to 1e-12.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

sp = pytest.importorskip("sympy")

from gradcli.views import symbolic as sym  # noqa: E402
from gradcli.api import Computation  # noqa: E402
from gradcli.cli import main  # noqa: E402
from gradcli.lang.program import Program  # noqa: E402


def S(name):
    return sp.Symbol(name, real=True)


def T(name, *shape):
    """Reference symbols named as gradcli names them: a[0,1]."""
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = S(f"{name}[{','.join(map(str, idx))}]")
    return out


x, y, a0, a1, w, b = S("x"), S("y"), S("a0"), S("a1"), S("w"), S("b")

# SPEC section 5, then every elementwise function, then reductions, linear algebra, indexing.
CASES = [
    ("b = a + 3; c = b * 3; out = c.mean()", {"a": [2, 3]},
     lambda: {"out": sum(3 * (v + 3) for v in T("a", 2)) / 2}),
    ("b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1", {"a0": 2, "a1": 4},
     lambda: {"out0": 2 * (a0 ** 2 + a1), "out1": 2 * (a1 ** 3 + a0)}),
    ("b = zeros(1,2); b[0,0] = a[0,0]**2 + a[0,1]; b[0,1] = a[0,1]**3 + a[0,0]; out = 2*b",
     {"a": [[2, 4]]},
     lambda: (lambda A: {"out": [[2 * (A[0, 0] ** 2 + A[0, 1]), 2 * (A[0, 1] ** 3 + A[0, 0])]]})(T("a", 1, 2))),
    ("out = mm(a, w)", {"a": [[2, 3], [1, 2]], "w": [[1], [1]]},
     lambda: {"out": (sp.Matrix(T("a", 2, 2).tolist()) * sp.Matrix(T("w", 2, 1).tolist())).tolist()}),
    ("y = w*x + b", {"x": 2, "w": 0.5, "b": -1}, lambda: {"y": w * x + b}),
    ("y = zeros(1,2); y[0,0] = x[0,0]**2 + 3*x[0,1]; y[0,1] = x[0,1]**2 + 2*x[0,0]", {"x": [[2, 3]]},
     lambda: (lambda X: {"y": [[X[0, 0] ** 2 + 3 * X[0, 1], X[0, 1] ** 2 + 2 * X[0, 0]]]})(T("x", 1, 2))),
    ("y = x*2", {"x": [1, 2, 3]}, lambda: {"y": list(2 * T("x", 3))}),
    ("z = (x*2).mean()", {"x": [1, 2, 3]}, lambda: {"z": sum(2 * T("x", 3)) / 3}),
    ("t = 2*x*x + b; y = t.sum()", {"x": [[0.5, -1.2, 2], [1, 0.25, -0.75]], "b": [[1, 2, 3], [4, 5, 6]]},
     lambda: {"y": sum((2 * T("x", 2, 3) ** 2 + T("b", 2, 3)).reshape(-1))}),
    ("z = (x+2)*(x+2)*3; out = z.mean()", {"x": [[1, 1], [1, 1]]},
     lambda: {"out": sum((3 * (T("x", 2, 2) + 2) ** 2).reshape(-1)) / 4}),
]

UNARY = {
    "exp": sp.exp, "expm1": lambda v: sp.exp(v) - 1, "log": sp.log, "log1p": lambda v: sp.log(1 + v),
    "log2": lambda v: sp.log(v, 2), "log10": lambda v: sp.log(v, 10), "sqrt": sp.sqrt,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "abs": sp.Abs, "relu": lambda v: sp.Max(v, 0),
    "sigmoid": lambda v: 1 / (1 + sp.exp(-v)), "softplus": lambda v: sp.log(1 + sp.exp(v)),
    "erf": sp.erf, "square": lambda v: v ** 2, "reciprocal": lambda v: 1 / v,
    "rsqrt": lambda v: v ** sp.Rational(-1, 2),
}
for _fn, _ref in UNARY.items():
    CASES.append((f"out = {_fn}(x) * y", {"x": 0.3, "y": -1.7}, lambda _ref=_ref: {"out": _ref(x) * y}))
    CASES.append((f"out = {_fn}(x)", {"x": [0.2, 0.7]}, lambda _ref=_ref: {"out": [_ref(v) for v in T("x", 2)]}))
# Zero-gradient functions: the reference derivative is 0 by convention (PyTorch's), so checked apart.
ZERO_GRADIENT = {"floor": sp.floor, "ceil": sp.ceiling, "sign": sp.sign}

CASES += [
    ("out = x ** y", {"x": 1.3, "y": 0.7}, lambda: {"out": x ** y}),
    ("out = pow(x, 3) - x / y", {"x": 1.3, "y": 0.7}, lambda: {"out": x ** 3 - x / y}),
    ("out = maximum(x, y) + minimum(x, y) * 2", {"x": 1.3, "y": 0.7},
     lambda: {"out": sp.Max(x, y) + 2 * sp.Min(x, y)}),
    ("out = atan2(x, y)", {"x": 1.3, "y": -0.7}, lambda: {"out": sp.atan2(x, y)}),
    ("out = clamp(x, -0.5, 0.5) * y", {"x": 0.3, "y": 2}, lambda: {"out": x * y}),
    ("out = -x + (+y) - 2.5", {"x": 0.3, "y": 2}, lambda: {"out": -x + y - sp.Rational(5, 2)}),
    ("out = M.sum(0)", {"M": [[1, 2], [3, 4]]}, lambda: {"out": list(T("M", 2, 2).sum(axis=0))}),
    ("out = M.sum(dim=1, keepdim=True)", {"M": [[1, 2], [3, 4]]},
     lambda: {"out": [[v] for v in T("M", 2, 2).sum(axis=1)]}),
    ("out = mean(M, 1)", {"M": [[1, 2, 3], [3, 4, 5]]}, lambda: {"out": list(T("M", 2, 3).sum(axis=1) / 3)}),
    ("out = prod(x)", {"x": [1.5, -2, 0.5]}, lambda: {"out": sp.Mul(*T("x", 3))}),
    ("out = x.max()", {"x": [1.5, -2, 0.5]}, lambda: {"out": sp.Max(*T("x", 3))}),
    ("out = amin(x)", {"x": [1.5, -2, 0.5]}, lambda: {"out": sp.Min(*T("x", 3))}),
    ("out = logsumexp(x, 0)", {"x": [1.5, -2, 0.5]}, lambda: {"out": sp.log(sum(sp.exp(v) for v in T("x", 3)))}),
    ("out = norm(x)", {"x": [1.5, -2, 0.5]}, lambda: {"out": sp.sqrt(sum(v ** 2 for v in T("x", 3)))}),
    ("out = softmax(x)", {"x": [1.5, -2, 0.5]},
     lambda: {"out": [sp.exp(v) / sum(sp.exp(u) for u in T("x", 3)) for v in T("x", 3)]}),
    ("out = log_softmax(x)", {"x": [1.5, -2]},
     lambda: {"out": [v - sp.log(sum(sp.exp(u) for u in T("x", 2))) for v in T("x", 2)]}),
    ("out = matmul(M, v)", {"M": [[1, 2], [3, 4]], "v": [5, 6]},
     lambda: {"out": list(sp.Matrix(T("M", 2, 2).tolist()) * sp.Matrix(T("v", 2).tolist()))}),
    ("out = u @ v", {"u": [1, 2], "v": [5, 6]}, lambda: {"out": sum(T("u", 2) * T("v", 2))}),
    ("out = dot(u, v) + trace(outer(u, v))", {"u": [1, 2], "v": [5, 6]},
     lambda: {"out": 2 * sum(T("u", 2) * T("v", 2))}),
    ("out = (M.T @ M).reshape(4)", {"M": [[1, 2], [3, 4]]},
     lambda: {"out": list(sp.Matrix(T("M", 2, 2).tolist()).T * sp.Matrix(T("M", 2, 2).tolist()))}),
    ("out = diag(M) * 2", {"M": [[1, 2], [3, 4]]}, lambda: (lambda M: {"out": [2 * M[0, 0], 2 * M[1, 1]]})(T("M", 2, 2))),
    ("out = a[0] * a[-1] + a[1:3].sum()", {"a": [1, 2, 3, 4]},
     lambda: (lambda A: {"out": A[0] * A[3] + A[1] + A[2]})(T("a", 4))),
    ("out = M[:, 1] ** 2", {"M": [[1, 2], [3, 4]]}, lambda: (lambda M: {"out": [M[0, 1] ** 2, M[1, 1] ** 2]})(T("M", 2, 2))),
    ("c = x * 1; c[1] = x[0] * x[2]; c[0] += 1; out = c", {"x": [1, 2, 3]},
     lambda: (lambda X: {"out": [X[0] + 1, X[0] * X[2], X[2]]})(T("x", 3))),
    ("out = cat([x, stack([x[0], y])])", {"x": [1, 2], "y": 3},
     lambda: (lambda X: {"out": [X[0], X[1], X[0], y]})(T("x", 2))),
    ("out = linear(x, W, c)", {"x": [1, 2], "W": [[1, 2], [3, 4]], "c": [0.5, 1]},
     lambda: {"out": list(sp.Matrix(T("W", 2, 2).tolist()) * sp.Matrix(T("x", 2).tolist())
                          + sp.Matrix(T("c", 2).tolist()))}),
    ("out = mse_loss(p, t)", {"p": [1, 2], "t": [0.5, 3]},
     lambda: {"out": sum((T("p", 2) - T("t", 2)) ** 2) / 2}),
    ("a = torch.tensor([2., 3.], requires_grad=True); out = (a * a).sum()", {},
     lambda: {"out": sum(T("a", 2) ** 2)}),
]


def _value(expr, subs) -> float:
    return sym.evaluate_at(sp.sympify(expr) if isinstance(expr, (int, float)) else expr, subs)


def _second_point(values: dict, rng) -> dict:
    return {k: np.asarray(v, dtype=float) + rng.uniform(0.01, 0.05, np.shape(v)) for k, v in values.items()}


def _close(a, b, tol=1e-12):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("text, values, reference", CASES, ids=[c[0][:50] for c in CASES])
def test_symbolic_agrees_with_sympy_and_autograd(text, values, reference):
    comp = Computation(text, {k: np.asarray(v, dtype=float) for k, v in values.items()})
    shapes = {n: t.shape for n, t in comp.inputs.items()}
    result = sym.symbolic(Program(text), shapes, comp.wrt, comp.output_names)
    ref = {name: np.asarray(r, dtype=object).reshape(result["outputs"][name].shape)
           for name, r in reference().items()}
    ins = np.concatenate([result["symbols"][n].reshape(-1) for n in comp.wrt])
    points = [{n: np.asarray(t.data) for n, t in comp.inputs.items()}]
    points.append(_second_point(points[0], np.random.default_rng(1)))
    auto = comp.jacobian("reverse")
    for k, point in enumerate(points):
        subs = sym.substitutions(result["symbols"], point)
        row = 0
        for name in comp.output_names:
            ours = result["outputs"][name].reshape(-1)
            theirs = ref[name].reshape(-1)
            for i in range(ours.size):
                got, want = _value(ours[i], subs), _value(theirs[i], subs)
                assert _close(got, want), (name, i, ours[i], theirs[i])
                if k == 0:
                    assert _close(got, float(np.asarray(auto["outputs"][name]).reshape(-1)[i]))
                for j, s in enumerate(ins):
                    d_ours = _value(result["matrix"][row, j], subs)
                    d_ref = _value(sp.diff(theirs[i], s), subs)
                    assert _close(d_ours, d_ref), (name, i, s, result["matrix"][row, j])
                    if k == 0:
                        assert _close(d_ours, auto["matrix"][row, j]), (name, i, s)
                row += 1


@pytest.mark.parametrize("fn", sorted(ZERO_GRADIENT))
def test_zero_gradient_functions(fn):
    result = sym.symbolic(Program(f"out = {fn}(x) * y"), {}, ["x", "y"], ["out"])
    subs = {x: sp.Float(0.3), y: sp.Float(-1.7)}
    assert _value(result["outputs"]["out"][()], subs) == pytest.approx(float(ZERO_GRADIENT[fn](0.3)) * -1.7)
    assert result["matrix"][0, 0] == 0  # PyTorch's convention: no gradient through floor/ceil/sign
    # gradcli's floor/ceiling are SymPy's with PyTorch's derivative: the same formula, printed alike
    assert str(result["matrix"][0, 1]) == str(ZERO_GRADIENT[fn](x))
    assert sp.latex(result["matrix"][0, 1]) == sp.latex(ZERO_GRADIENT[fn](x))


def test_formulas_are_simplified():
    result = sym.symbolic(Program("b = a + 3; c = b * 3; out = c.mean()"), {"a": (2,)}, ["a"], ["out"])
    a = T("a", 2)
    assert sp.expand(result["outputs"]["out"][()] - (sp.Rational(3, 2) * (a[0] + a[1]) + 9)) == 0
    assert list(result["matrix"]) == [sp.Rational(3, 2), sp.Rational(3, 2)]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_tutorial(capsys):
    code, out, _ = run_cli(capsys, "symbolic", "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1",
                           "--at", "a0=2,a1=4", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["outputs"] == {"out0": "2*a0**2 + 2*a1", "out1": "2*a0 + 2*a1**3"}
    assert doc["matrix"] == [["4*a0", "2"], ["2", "6*a1**2"]]
    assert doc["jacobian"]["out1"]["a1"] == "6*a1**2"
    assert doc["values"]["matrix"] == [[8, 2], [2, 96]] == doc["autograd"]["matrix"]
    assert doc["agree"] is True and doc["max_abs_error"] <= 1e-12


def test_cli_latex_names_tensor_elements(capsys):
    code, out, _ = run_cli(capsys, "symbolic", "out = mm(a, w)", "--at", "a=[[2,3],[1,2]],w=ones(2,1)",
                           "--json", "--latex")
    assert code == 0
    doc = json.loads(out)
    assert doc["format"] == "latex"
    assert doc["outputs"]["out"][0][0] == "a_{0,0} w_{0,0} + a_{0,1} w_{1,0}"
    assert doc["matrix"][1][5] == "a_{1,1}"


def test_cli_pretty_text(capsys):
    code, out, _ = run_cli(capsys, "symbolic", "y = w*x + b", "--at", "x=2,w=0.5,b=-1")
    assert code == 0
    assert "y = b + w⋅x" in out or "y = b + w*x" in out
    assert "the formulas agree with autograd" in out


@pytest.mark.parametrize("text, construct", [
    ("out = where(x > 0, x, 0)", "comparison"), ("out = detach(x) * x", "detach"),
    ("out = randn(2) * x", "randn"), ("out = x.data * x", ".data"), ("out = round(x)", "round"),
])
def test_unsupported_constructs_are_named(capsys, text, construct):
    code, _, err = run_cli(capsys, "symbolic", text)
    assert code == 2
    assert construct in err and "cannot be written as a SymPy formula" in err
    assert "Traceback" not in err


def test_size_cap(capsys):
    code, _, err = run_cli(capsys, "symbolic", "out = x.sum()", "--at", "x=ones(21,20)")
    assert code == 2 and "limit of 400" in err


def test_jacobian_json_does_not_import_sympy():
    script = ("import sys; from gradcli.cli import main; "
              "code = main(['jacobian', 'b0 = a0**2 + a1', '--at', 'a0=2,a1=4', '--json']); "
              "sys.stderr.write(repr(sorted(m for m in ('sympy', 'rich', 'subprocess') if m in sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["matrix"] == [[4.0, 1.0]]
    assert "sympy" not in proc.stderr


def test_evaluate_at_is_nan_for_complex_values():
    assert math.isnan(sym.evaluate_at(sp.log(x), {x: sp.Float(-1)}))
