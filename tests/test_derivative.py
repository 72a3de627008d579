"""`derivative --order N`: derivatives of order 1..N in one variable, by nested forward mode.

References: SymPy's exact derivatives (evaluated to float), closed forms by hand, and the
refusal of outputs whose elements depend on several input elements.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

from gradcli.api import Computation
from gradcli.errors import GradcliError

from conftest import cli, cli_json

t = sympy.Symbol("t")

CASES = [  # (program, the same function in SymPy)
    ("y = sin(x)", sympy.sin(t)),
    ("y = exp(x) * x ** 3", sympy.exp(t) * t ** 3),
    ("y = 1 / (1 + x ** 2)", 1 / (1 + t ** 2)),
    ("y = tanh(x) * log(1 + x * x) - sqrt(x * x + 2)", sympy.tanh(t) * sympy.log(1 + t * t) - sympy.sqrt(t * t + 2)),
    ("y = sigmoid(x) ** 2 + atan(x) / cosh(x)", (1 / (1 + sympy.exp(-t))) ** 2 + sympy.atan(t) / sympy.cosh(t)),
]
POINTS = [-1.3, -0.2, 0.0, 0.7, 2.1]


def sympy_derivatives(expr, order: int, points) -> np.ndarray:
    """(order, len(points)): d^k expr / dt^k at each point, from SymPy's exact derivative."""
    out, d = [], expr
    for _ in range(order):
        d = sympy.diff(d, t)
        f = sympy.lambdify(t, d, "mpmath")
        out.append([float(f(sympy.Float(p, 30))) for p in points])
    return np.array(out)


@pytest.mark.parametrize("program,expr", CASES, ids=[p for p, _ in CASES])
def test_orders_1_to_6_match_sympy_elementwise(program, expr):
    result = Computation(program, {"x": np.array(POINTS)}).derivative(6)
    got = result["derivatives"]["y"]
    assert got.shape == (6, len(POINTS)) and result["order"] == 6 and result["wrt"] == "x"
    want = sympy_derivatives(expr, 6, POINTS)
    scale = np.maximum(1.0, np.abs(want))
    np.testing.assert_allclose(got / scale, want / scale, rtol=0, atol=1e-12)


def test_scalar_input_closed_forms():
    x = 0.5
    got = Computation("y = sin(x); z = exp(x) * x ** 3", {"x": x}).derivative(6)["derivatives"]
    np.testing.assert_allclose(got["y"], [np.cos(x), -np.sin(x), -np.cos(x), np.sin(x), np.cos(x), -np.sin(x)],
                               rtol=1e-15)
    # (e^x x^3)^(k) = e^x (x^3 + 3k x^2 + 3k(k-1) x + k(k-1)(k-2))
    k = np.arange(1, 7)
    want = np.exp(x) * (x ** 3 + 3 * k * x ** 2 + 3 * k * (k - 1) * x + k * (k - 1) * (k - 2))
    np.testing.assert_allclose(got["z"], want, rtol=1e-14)


def test_a_scalar_input_broadcast_into_a_tensor_output():
    got = Computation("y = x ** 4 * c", {"x": 2.0, "c": [1.0, -2.0, 0.5]}, wrt="x").derivative(5)
    c = np.array([1.0, -2.0, 0.5])
    want = np.array([32 * c, 48 * c, 48 * c, 24 * c, 0 * c])
    np.testing.assert_allclose(got["derivatives"]["y"], want, rtol=1e-15)


def test_polynomial_derivatives_vanish_past_the_degree_and_constants_are_zero():
    got = Computation("y = x ** 3 - 2 * x; k = 5.0 + x * 0", {"x": [1.0, 2.0]}).derivative(5)["derivatives"]
    np.testing.assert_array_equal(got["y"], [[1.0, 10.0], [6.0, 12.0], [6.0, 6.0], [0.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(got["k"], np.zeros((5, 2)))


def test_order_1_is_the_gradient_of_an_elementwise_function():
    x = np.linspace(-1, 1, 7)
    program = "y = sin(x) * x + x ** 2"
    got = Computation(program, {"x": x}).derivative(1)["derivatives"]["y"][0]
    diag = np.diag(Computation(program, {"x": x}).jacobian()["matrix"])
    np.testing.assert_allclose(got, diag, rtol=1e-15)


def test_high_orders_stay_exact():
    got = Computation("y = exp(2 * x)", {"x": 0.3}).derivative(12)["derivatives"]["y"]
    np.testing.assert_allclose(got, 2.0 ** np.arange(1, 13) * np.exp(0.6), rtol=1e-14)


@pytest.mark.parametrize("program,words", [
    ("y = x.sum()", "y depends on 3 (x[0], x[1], x[2])"),
    ("y = x[::-1] * x", "y[0] depends on 2 (x[0], x[2])"),
    ("y = x * 1; z = x[0] * x", "z[1] depends on 2 (x[0], x[1])"),
])
def test_outputs_that_are_not_elementwise_are_refused(program, words):
    with pytest.raises(GradcliError, match="elementwise") as info:
        Computation(program, {"x": [1.0, 2.0, 3.0]}).derivative(2)
    assert words in info.value.message


@pytest.mark.parametrize("args,words", [
    (["--order", "0"], "--order"),
    (["--order", "13"], "between 1 and 12"),
    (["--wrt", "x,w"], "one input"),
])
def test_cli_bad_usage_exits_2(args, words):
    proc = cli("derivative", "y = x * w", "--at", "x=1,w=2", *args)
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr


def test_cli_several_inputs_need_wrt():
    proc = cli("derivative", "y = x * w", "--at", "x=1,w=2", "--json")
    assert proc.returncode == 2 and "--wrt" in proc.stderr
    doc = cli_json("derivative", "y = x ** 3 * w", "--at", "x=1,w=2", "--wrt", "x", "--order", "3")
    assert doc["derivatives"] == {"y": [6.0, 12.0, 12.0]}


def test_cli_json_save_and_table(tmp_path):
    path = tmp_path / "d.npz"
    doc = cli_json("derivative", "y = x ** 3; z = sin(x)", "--at", "x=[1,2]", "--order", "3", "--save", path)
    assert set(doc) == {"inputs", "outputs", "wrt", "order", "derivatives"}
    assert doc["order"] == 3 and doc["wrt"] == "x"
    assert doc["derivatives"]["y"] == [[3.0, 12.0], [6.0, 12.0], [6.0, 6.0]]
    np.testing.assert_allclose(doc["derivatives"]["z"][2], -np.cos([1.0, 2.0]), rtol=1e-15)
    saved = np.load(path)
    np.testing.assert_array_equal(saved["derivatives/y"], doc["derivatives"]["y"])
    proc = cli("derivative", "y = x ** 3", "--at", "x=2", "--order", "4")
    assert proc.returncode == 0
    assert "orders 1 to 4" in proc.stdout and "d^2 y/dx^2" in proc.stdout
    assert re.search(r"│ d\^3 y/dx\^3 │\s+\(\) │ 6\s+│", proc.stdout)  # d^3 (x^3) = 6


def test_a_graph_too_big_for_the_order_asked_is_a_limit_error(monkeypatch):
    from gradcli.core import engine
    monkeypatch.setattr(engine, "MAX_DERIVATIVE_NODES", 30)
    with pytest.raises(GradcliError, match="order") as info:
        Computation("y = tanh(sin(x) * x) / (1 + x ** 2)", {"x": 0.5}).derivative(8)
    assert info.value.kind == "limit"
