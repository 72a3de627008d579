"""`gradcli check`: autograd against central differences, exit 0 when they agree, 1 when not."""
from __future__ import annotations

import json

import numpy as np
import pytest

from gradcli.lang import functions

from gradcli.core import ops
from gradcli.api import Computation
from gradcli.views.checking import check
from gradcli.cli import main
from gradcli.lang.program import Program

SHAPES = {"x": [0.31, -0.72, 1.23], "y": [0.54, 1.12, -0.37], "s": 0.8,
          # positive, so that samples like log(M * 0.5) stay in their domain
          "M": [[0.3, 0.7, 1.1], [0.5, 0.2, 1.3], [0.9, 0.4, 0.6]],
          "N": [[1.2, 0.1, -0.5], [-0.3, 0.8, 0.4], [0.7, -0.9, 0.2]]}
# Samples that must NOT pass: a kink on purpose (all-equal elements), and detach, which hides a
# dependence from autograd but not from finite differences. Both kinds are among FAILURES below.
MISMATCH_BY_DESIGN = {"out = max(x * 0)", "out = detach(x) * x"}
SAMPLES = sorted({s for f in functions.FUNCTIONS.values() for s in f.samples} - MISMATCH_BY_DESIGN)


def values_for(program: str) -> dict:
    return {n: np.asarray(SHAPES[n]) for n in Program(program).input_names}


@pytest.mark.parametrize("program", SAMPLES)
def test_every_sample_program_passes(program):
    result = check(Computation(program, values_for(program)))
    assert result["ok"], result["worst"][:3]
    assert result["max_abs_error"] < 1e-5


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


SPEC = [("b = a + 3; c = b * 3; out = c.mean()", "a=[2,3]"),
        ("b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1", "a0=2,a1=4"),
        ("b = zeros(1,2); b[0,0] = a[0,0]**2 + a[0,1]; b[0,1] = a[0,1]**3 + a[0,0]; out = 2*b", "a=[[2,4]]"),
        ("out = mm(a, w)", "a=[[2,3],[1,2]],w=ones(2,1)"),
        ("y = w*x + b", "x=2,w=0.5,b=-1"),
        ("t = 2*x*x + b; y = t.sum()", "x=randn(3,4),b=randn(3,4)"),
        ("z = (x+2)*(x+2)*3; out = z.mean()", "x=ones(2,2)")]


@pytest.mark.parametrize("program, at", SPEC)
def test_spec_programs_pass_on_the_command_line(capsys, program, at):
    code, out, _ = run_cli(capsys, "check", program, "--at", at, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True
    assert doc["method"] == "full Jacobian"
    assert {c["name"] for c in doc["comparisons"]} == {
        "reverse vs finite differences", "forward vs finite differences", "forward vs reverse"}


def test_large_problems_use_random_directions(capsys):
    code, out, _ = run_cli(capsys, "check", "y = sin(x) * x", "--at", "x=randn(150,80)", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["ok"] and doc["method"] == "3 random directions"
    assert doc["jacobian_entries"] == 12000 ** 2


# Kinks and mistakes check must catch: (program, values, autograd, central difference) of the worst entry.
FAILURES = [
    ("out = relu(x)", "x=0", 0.0, 0.5),  # relu'(0) = 0 by convention; the difference sees 1/2
    ("out = floor(x)", "x=1", 0.0, 0.5e6),  # a jump
    ("out = sign(x)", "x=0", 0.0, 1e6),
    ("out = clamp(x, 0, 1)", "x=0", 0.0, 0.5),  # PyTorch 2.14: clamp passes no gradient at a bound
    ("out = max(x)", "x=[1,1,1]", 1 / 3, 0.5),  # ties share the gradient; one side moves alone
    ("out = detach(x) * x", "x=2", 2.0, 4.0),  # a mistake: detach hides a dependence
    ("out = round(x) * x", "x=0.5", 0.0, 0.25e6),  # round(0.5) = 0, round(0.5 + eps) = 1
]


@pytest.mark.parametrize("program, at, autograd, numeric", FAILURES)
def test_kinks_and_mistakes_fail_with_exit_1(capsys, program, at, autograd, numeric):
    code, out, err = run_cli(capsys, "check", program, "--at", at, "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False
    worst = doc["worst"][0]
    assert not worst["ok"]
    assert worst["autograd"] == pytest.approx(autograd, abs=1e-9)
    assert worst["reference"] == pytest.approx(numeric, rel=1e-3, abs=1e-6)
    assert json.loads(err.splitlines()[-1])["error"]["kind"] == "check"


def test_text_table_of_worst_entries(capsys):
    code, out, err = run_cli(capsys, "check", "out = relu(x)", "--at", "x=0")
    assert code == 1
    assert "worst entries" in out and "FAIL" in out and "0.5" in out
    assert "gradient check failed" in err


def test_a_wrong_derivative_in_the_op_table_is_caught(monkeypatch):
    sin = ops.PRIMITIVES["sin"]
    monkeypatch.setattr(sin, "partials", (lambda ans, x: ops.sin(x),))  # should be cos
    result = check(Computation("out = sin(x) * y", {"x": np.array([0.3, 1.0]), "y": np.array([1.0, 2.0])}))
    assert not result["ok"]
    worst = result["worst"][0]  # d out[0] / d x[0]: sin(0.3) claimed, cos(0.3) measured
    assert worst["autograd"] == pytest.approx(np.sin(0.3)) and worst["reference"] == pytest.approx(np.cos(0.3))


def test_tolerances_are_options(capsys):
    # The relu kink's 0.5 error passes with atol 1: the options reach the comparison.
    code, out, _ = run_cli(capsys, "check", "out = relu(x)", "--at", "x=0", "--atol", "1", "--json")
    assert code == 0 and json.loads(out)["atol"] == 1
    code, _, err = run_cli(capsys, "check", "out = relu(x)", "--at", "x=0", "--eps", "0")
    assert code == 2 and "--eps" in err


@pytest.mark.parametrize("at", ["x=0.5,1,2", "x=0.2,0.3,0.5000001"])
def test_a_selection_at_its_boundary_is_a_clear_error(capsys, at):
    """x[x > 0.5] at x = 0.5: one step of eps selects another element, the outputs change shape."""
    code = main(["check", "out = x[x > 0.5]", "--at", at, "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    error = json.loads(err)["error"]
    assert error["kind"] == "input"
    assert "changes shape next to the point (out (" in error["message"]


def test_a_selection_away_from_its_boundary_is_checked(capsys):
    code = main(["check", "out = x[x > 0.5] * 2", "--at", "x=0.2,1,2", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
