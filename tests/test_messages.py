"""Messages that say what to type: maths notation, misspelt names and keywords, bare gradcli."""
from __future__ import annotations

import pytest
from conftest import cli

from gradcli.api import Computation
from gradcli.errors import GradcliError
from gradcli.lang.program import Program


def error_of(program: str, values: dict | None = None) -> GradcliError:
    with pytest.raises(GradcliError) as info:
        Computation(program, values if values is not None else {"x": "2"})
    return info.value


@pytest.mark.parametrize("program, says", [
    ("y = x^2", "use x**2 for powers (^ is bitwise xor in Python)"),
    ("y = 3*(x+1)^2", "use (x+1)**2 for powers"),
    ("y = x ^ 0.5", "use x**0.5 for powers"),
])
def test_caret_means_power(program, says):
    exc = error_of(program)
    assert says in exc.message and exc.kind == "syntax" and exc.line == 1


@pytest.mark.parametrize("program, hint", [
    ("y = 2x", "write 2*x for a product (2x is not Python)"),
    ("y = x + 2.5x", "write 2.5*x for a product (2.5x is not Python)"),
    ("y = x²", "use x**2 for powers"),
    ("y = (x+1)³", "use (x+1)**3 for powers"),
    ("y = x¹⁰", "use x**10 for powers"),
    ("y = 2×x", "write * for ×"),
    ("y = x − 1", "write - for −"),
])
def test_maths_notation_hints(program, hint):
    exc = error_of(program)
    assert exc.kind == "syntax" and exc.hint == hint


def test_pi_as_a_letter():
    exc = error_of("y = π*x")
    assert "no value for the input 'π'" in exc.message and exc.hint == "did you mean pi?"


def test_no_hint_where_none_helps():
    assert error_of("y = (x").hint is None
    assert error_of("y = x $ 2").hint is None


def test_maths_names_suggest_the_function():
    assert "unknown function ln(); did you mean log?" in error_of("y = ln(x)").message
    assert "unknown function np.ln(); did you mean log?" in error_of("y = np.ln(x)").message
    assert "did you mean sign?" in error_of("y = sgn(x)").message
    assert "did you mean sin" in error_of("y = sinn(x)").message  # close names, as before


@pytest.mark.parametrize("word, python", [("true", "True"), ("false", "False"), ("none", "None")])
def test_lowercase_constants(word, python):
    exc = error_of(f"a = torch.tensor([1., 2.], requires_grad={word}); y = a * 2", {})
    assert f"no value for the input {word!r}" in exc.message
    assert exc.hint == f"did you mean {python}? Python spells it with a capital letter"


@pytest.mark.parametrize("program, hint", [
    ("a = torch.tensor([1.], requries_grad=True); y = a*2", "did you mean requires_grad=?"),
    ("y = x.sum(dmi=0)", "did you mean dim=?"),
    ("y = x.sum(keepdmi=True)", "did you mean keepdim=?"),
])
def test_keyword_typos(program, hint):
    exc = error_of(program, {"x": "[1, 2]"} if "x" in Program(program).inputs else {})
    assert "unexpected keyword" in exc.message and exc.hint == hint


def test_grad_of_a_vector_points_to_what_exists():
    proc = cli("grad", "y = x*x", "--at", "x=1,2")
    assert proc.returncode == 2
    assert "grad can be implicitly created only for scalar outputs" in proc.stderr
    for way in ("backward --gradient", "y.sum()", "jacobian"):
        assert way in proc.stderr
    assert "grad --gradient" not in proc.stderr


def test_hints_reach_the_command_line():
    proc = cli("eval", "y = x^2", "--at", "x=3")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == ("gradcli: error: use x**2 for powers (^ is bitwise xor "
                                           "in Python) (line 1, column 5)")
    proc = cli("eval", "y = 2x", "--at", "x=3", "--json")
    assert proc.returncode == 2
    assert __import__("json").loads(proc.stderr)["error"]["hint"] == \
        "write 2*x for a product (2x is not Python)"


def test_bare_gradcli_prints_the_help_only():
    proc = cli()
    assert proc.returncode == 2
    assert proc.stdout.startswith("Usage: gradcli") and "Commands:" in proc.stdout
    assert "plot" in proc.stdout
    assert proc.stderr == ""  # no "error: Usage", no hint to see the help just printed
