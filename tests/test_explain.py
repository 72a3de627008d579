"""`gradcli explain`: the vector-Jacobian product written out, and the backward pass step by step."""
from __future__ import annotations

import json

import pytest

from gradcli.cli import main
from gradcli.core.tensor import PRIMITIVES
from gradcli.views.explain import LOCAL

TUTORIAL = "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1"
COPY_SLICES = "b = zeros(1,2); b[0,0] = a[0,0]**2 + a[0,1]; b[0,1] = a[0,1]**3 + a[0,0]; out = 2*b"


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("program, at", [(TUTORIAL, "a0=2,a1=4"), (COPY_SLICES, "a=[[2,4]]")])
def test_text_shows_the_product_element_by_element(capsys, program, at):
    code, out, _ = run_cli(capsys, "explain", program, "--at", at, "--gradient", "1,2")
    assert code == 0
    assert "[1 2] x [[8 2] [2 96]] = [1*8 + 2*2, 1*2 + 2*96] = [12 194]" in " ".join(out.split())
    assert all(len(line) <= 80 for line in out.splitlines()), max(out.splitlines(), key=len)


def test_text_walks_the_backward_pass_in_reverse_order(capsys):
    code, out, _ = run_cli(capsys, "explain", TUTORIAL, "--at", "a0=2,a1=4", "--gradient", "1,2")
    assert code == 0
    steps = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert [s.split()[1] for s in steps] == ["out1", "out0", "b1", "t2", "b0", "t1"]
    assert "MulBackward0" in steps[0] and "PowBackward0" in steps[3] and "AddBackward0" in steps[2]
    # a1 receives 3*a1^2 * 4 = 192 through b1, then 2 through b0: accumulated to 194.
    assert "3*a1^(3-1) = 48; sends 4 * 48 = 192" in out
    assert "accumulated 192 + 2 = 194" in out
    assert "accumulated 4 + 8 = 12" in out
    assert "a0.grad = 12" in out and "a1.grad = 194" in out


def test_json_has_the_same_steps_as_data(capsys):
    code, out, _ = run_cli(capsys, "explain", COPY_SLICES, "--at", "a=[[2,4]]", "--gradient", "1,2", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["vjp"]["product"] == [12, 194]
    assert doc["vjp"]["v"] == [1, 2]
    assert doc["vjp"]["matrix"] == [[8, 2], [2, 96]]
    assert doc["vjp"]["terms"] == ["1*8 + 2*2", "1*2 + 2*96"]
    assert doc["grad"] == {"a": [[12, 194]]}
    assert doc["outputs"] == {"out": [[16, 132]]}
    names = [s["backward"] for s in doc["steps"]]
    assert names[0] == "MulBackward0" and names.count("CopySlices") == 2
    assert names.count("SelectBackward0") == 4
    accumulated = [send["accumulated"] for s in doc["steps"] for send in s["sends"] if "accumulated" in send]
    assert accumulated[-1]["after"] == [[12, 194]]


def test_scalar_output_needs_no_gradient_and_reductions_are_named(capsys):
    code, out, _ = run_cli(capsys, "explain", "b = a + 3; c = b * 3; out = c.mean()", "--at", "a=[2,3]",
                           "--json")
    assert code == 0
    doc = json.loads(out)
    assert [s["backward"] for s in doc["steps"]] == ["MeanBackward0", "MulBackward0", "AddBackward0"]
    assert doc["vjp"]["product"] == [1.5, 1.5] == doc["grad"]["a"]
    assert doc["steps"][0]["sends"][0]["value"] == [0.5, 0.5]


def test_mm_step(capsys):
    code, out, _ = run_cli(capsys, "explain", "out = mm(a, w)", "--at", "a=[[2,3],[1,2]],w=ones(2,1)",
                           "--gradient", "1,1", "--json")
    assert code == 0
    (step,) = json.loads(out)["steps"]
    assert step["backward"] == "MmBackward0"
    assert step["sends"][1] == {"to": "w", "local": "aᵀ @ g", "value": [[3], [5]]}


def test_non_scalar_without_gradient_is_a_usage_error(capsys):
    code, _, err = run_cli(capsys, "explain", "y = x*2", "--at", "x=[1,2,3]")
    assert code == 2 and "grad can be implicitly created only for scalar outputs" in err


@pytest.mark.parametrize("name", sorted(n for n, op in PRIMITIVES.items() if op.differentiable))
def test_every_differentiable_primitive_has_its_local_derivative_in_words(name):
    """explain names each node's local derivative; a new primitive needs its text here."""
    texts = LOCAL.get(name)
    assert texts, f"explain.LOCAL has no text for {name}"
    assert all(isinstance(t, str) and t.strip() for t in texts)


def test_a_newer_op_is_explained_by_its_rule(capsys):
    assert main(["explain", "out = torch.special.i0(x).sum() + torch.logdet(M)", "--at",
                 "x=1,2", "--at", "M=[[2,1],[1,3]]"]) == 0
    out = capsys.readouterr().out
    assert "local derivative i1(x)" in out and "local derivative g * M⁻ᵀ" in out
    assert "the vjp rule of" not in out
