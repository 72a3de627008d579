"""Never silently wrong: each answer is right or a clear error (issue 10, the wrong answers).

- `grad` needs exactly one scalar output: several are refused, not summed.
- `backward` where no differentiated input reaches an output is PyTorch's error, exit 2.
- A name like a constant (e, pi, inf, nan) given a value is an input; the analysis of the
  program and --at/--inputs/--points follow one rule, and a refusal says why.
- Warnings are true: no warning from a rule that does not run (a constant exponent), an
  underflow to an exact 0 is not "NaN or inf", a cast names itself.
- Tables never show part of a number, at any width; NaN/inf in tables and --save files are
  flagged on stderr as in JSON.

In-process through `gradcli.cli.main` (fast); expected values are computed here with NumPy
or stated by hand, and checked against PyTorch where it is installed.
"""
from __future__ import annotations

import io
import math
import re
import sys

import numpy as np
import pytest
from conftest import strict_loads

from gradcli.api import Computation
from gradcli.cli import main
from gradcli.errors import GradcliError
from gradcli.lang.program import Program


def run(argv, stdin: bytes = b"", columns: int = 80) -> tuple[int, str, str]:
    """main(argv) with stdout/stderr captured, as the console sees it at `columns` wide."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    import os
    old_columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        code = main([str(a) for a in argv])
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
        if old_columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old_columns
    return code, out.getvalue(), err.getvalue()


def run_json(argv) -> dict:
    code, out, err = run([*argv, "--json"])
    assert code == 0, err
    return strict_loads(out)


def error_of(argv) -> dict:
    code, out, err = run([*argv, "--json"])
    assert code == 2 and out == "", (code, out, err)
    return strict_loads(err)["error"]


# -- grad: one scalar output -----------------------------------------------------------------------

SEVERAL = "y = x*2; z = y.mean(); s = y.sum()"


def test_grad_refuses_several_scalar_outputs_naming_them_and_the_option():
    err = error_of(["grad", SEVERAL, "--at", "x=1,2,3"])
    assert "z" in err["message"] and "s" in err["message"] and "2" in err["message"]
    assert "--output" in err["hint"]


def test_grad_with_one_output_picked_is_that_gradient():
    doc = run_json(["grad", SEVERAL, "--at", "x=1,2,3", "--output", "z"])
    np.testing.assert_allclose(doc["grad"]["x"], [2 / 3] * 3, rtol=1e-15)  # d mean(2x) / dx
    doc = run_json(["grad", SEVERAL, "--at", "x=1,2,3", "--output", "s"])
    assert doc["grad"]["x"] == [2.0, 2.0, 2.0]


def test_grad_refuses_a_tensor_output():
    err = error_of(["grad", "y = x*2", "--at", "x=1,2,3"])
    assert "scalar" in err["message"] and "(3,)" in err["message"]


def test_backward_still_sums_several_outputs_as_torch_autograd_backward():
    # backward is torch.autograd.backward([z, s]): the gradients of both outputs, summed
    doc = run_json(["backward", SEVERAL, "--at", "x=1,2,3"])
    np.testing.assert_allclose(doc["grad"]["x"], [2 / 3 + 2] * 3, rtol=1e-15)


# -- backward where nothing requires grad ----------------------------------------------------------

TORCH_MESSAGE = "element 0 of tensors does not require grad and does not have a grad_fn"


@pytest.mark.parametrize("argv, why", [
    (["backward", "a = tensor([1., 2.]); y = (a * 2).sum()"], "no inputs"),
    (["backward", "a = torch.tensor([1., 2.], requires_grad=False); y = (a * 2).sum()"], "no inputs"),
    (["backward", "y = (w * 2).sum(); z = x * 3", "--at", "w=1,2", "--at", "x=1", "--wrt", "x",
      "--output", "y"], "'y' does not depend on the differentiated inputs"),
    (["grad", "y = 3.0 + 0 * 2"], "no inputs"),
])
def test_backward_with_nothing_requiring_grad_is_torchs_error(argv, why):
    err = error_of(argv)
    assert err["message"].startswith(TORCH_MESSAGE) and why in err["message"]
    assert err["kind"] == "gradient" and "--wrt" in err["hint"]


def test_backward_names_the_element_that_does_not_require_grad():
    err = error_of(["backward", "y = x * 2; z = w * 3", "--at", "x=1,w=2", "--wrt", "x"])
    assert err["message"].startswith("element 1 of tensors does not require grad")


def test_zero_derivative_ops_are_not_the_error():
    # torch.sign/floor have a grad_fn (SignBackward0) and a zero gradient: no error there
    for fn in ("sign", "floor", "round"):
        doc = run_json(["backward", f"y = {fn}(x).sum()", "--at", "x=0.3,-1.7"])
        assert doc["grad"]["x"] == [0.0, 0.0]


def test_torch_agrees_on_what_is_an_error():
    torch = pytest.importorskip("torch")
    a = torch.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=TORCH_MESSAGE):
        (a * 2).sum().backward()
    w, x = torch.tensor([1.0, 2.0]), torch.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=TORCH_MESSAGE):
        (w * 2).sum().backward()
    x = torch.tensor([0.3, -1.7], requires_grad=True)
    torch.sign(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


# -- names like constants ------------------------------------------------------------------------

def test_e_given_a_value_is_an_input():
    doc = run_json(["backward", "y = e * x", "--at", "e=3,x=2"])
    assert doc["inputs"] == {"e": 3.0, "x": 2.0}
    assert doc["outputs"]["y"] == 6.0 and doc["grad"] == {"e": 2.0, "x": 3.0}


def test_e_not_given_is_eulers_number():
    doc = run_json(["backward", "y = e * x", "--at", "x=2"])
    assert doc["inputs"] == {"x": 2.0}
    assert doc["outputs"]["y"] == 2 * math.e and doc["grad"] == {"x": math.e}


@pytest.mark.parametrize("name, value", [("pi", 3.0), ("inf", 7.0), ("nan", 5.0)])
def test_every_constant_name_follows_the_same_rule(name, value):
    assert run_json(["eval", f"y = {name} * 2", "--at", f"{name}={value}"])["outputs"]["y"] == 2 * value
    doc = run_json(["eval", f"y = {name} * 2 + 0 * x", "--at", "x=1"])
    expected = {"pi": 2 * math.pi, "inf": "Infinity", "nan": "NaN"}[name]
    assert doc["outputs"]["y"] == expected


def test_a_constant_name_bound_before_it_is_read_is_refused_with_why():
    err = error_of(["eval", "e = x * 2; y = e + 1", "--at", "x=1,e=5"])
    assert "unknown input 'e'" in err["message"]
    assert "binds 'e' before it reads it" in err["message"]
    err = error_of(["eval", "y = x + 1", "--at", "x=1,e=5"])
    assert "does not read 'e'" in err["message"]


def test_a_constant_read_then_rebound_is_an_input_until_rebound():
    # first read: the input (given 3); after `e = 4`, the program's own binding
    doc = run_json(["eval", "y = e * 2; e = 4; z = e * y", "--at", "e=3"])
    assert doc["outputs"] == {"z": 24.0}
    doc = run_json(["eval", "y = e * 2; e = 4; z = e * y"])  # Euler's number, then 4
    assert doc["outputs"] == {"z": 4 * 2 * math.e}


def test_analysis_and_values_agree():
    program = Program("y = e * x + pi")
    assert list(program.inputs) == ["x"]
    assert set(program.constant_reads) == {"e", "pi"}
    given = program.given({"e": 1, "x": 2})
    assert list(given.inputs) == ["e", "x"]  # order of first appearance, as every input
    assert program.given({"x": 2}) is program  # nothing to change: the same analysis
    c = Computation(program, {"e": "2", "x": "3"})
    assert float(c.evaluate()["outputs"]["y"]) == 2 * 3 + math.pi


def test_inputs_file_and_points_follow_the_same_rule(tmp_path):
    code, out, err = run(["eval", "y = e * x", "--inputs", "-", "--json"], stdin=b'{"e": 3, "x": 2}')
    assert code == 0, err
    assert strict_loads(out)["outputs"]["y"] == 6.0
    points = tmp_path / "p.ndjson"
    points.write_text('{"e": 1, "x": 2}\n{"e": 10, "x": 2}\n')
    code, out, err = run(["eval", "y = e * x", "--points", points])
    assert code == 0, err
    assert [strict_loads(line)["outputs"]["y"] for line in out.splitlines()] == [2.0, 20.0]
    only_x = tmp_path / "x.ndjson"
    only_x.write_text('{"x": 2}\n{"x": 3}\n')
    code, out, err = run(["eval", "y = e * x", "--points", only_x, "--at", "e=5"])
    assert code == 0, err  # e shared by every point, given with --at
    assert [strict_loads(line)["outputs"]["y"] for line in out.splitlines()] == [10.0, 15.0]


def test_a_value_can_still_use_the_constant():
    doc = run_json(["eval", "y = x * 1", "--at", "x=e"])
    assert doc["inputs"]["x"] == math.e


# -- warnings that are true ----------------------------------------------------------------------

def test_no_warning_from_the_rule_of_a_constant_exponent():
    code, out, err = run(["explain", "out = (x - 3)**2", "--at", "x=1"])
    assert code == 0 and err == ""
    assert "-4" in out  # d/dx (x-3)^2 at 1


def test_explain_warnings_name_the_rule():
    code, _out, err = run(["explain", "out = (x - 3)**y", "--at", "x=1,y=2"])
    assert code == 0
    # d/dy (x-3)^y = (x-3)^y log(x-3): log(-2) is NaN in the rule, as in PyTorch
    assert "the gradient of pow" in err and "invalid value in log:" not in err


def test_underflow_to_zero_is_not_a_warning():
    code, out, err = run(["grad", "y = exp(x)", "--at", "x=-1000", "--json"])
    assert code == 0 and err == ""
    assert strict_loads(out)["grad"]["x"] == 0.0


@pytest.mark.parametrize("program, at, words", [
    ("y = log(x)", "x=-1", "invalid value in log: it gives NaN"),
    ("y = log(x)", "x=0", "divide by zero in log: it gives inf or -inf"),
    ("y = exp(x)", "x=1000", "overflow in exp: it gives inf or -inf"),
])
def test_warnings_say_what_the_operation_gave(program, at, words):
    code, _out, err = run(["eval", program, "--at", at])
    assert code == 0 and words in err and "NaN or inf, as in" not in err


def test_a_cast_names_itself():
    code, _out, err = run(["eval", "y = x * 2", "--at", "x=1e300", "--dtype", "float32"])
    assert code == 0
    assert "overflow in the cast of the input x to float32" in err
    assert " in ?" not in err


# -- NaN and inf flagged on stderr, whatever the output ------------------------------------------

def test_nan_in_a_table_is_shown_and_flagged():
    code, out, err = run(["eval", "y = log(x)", "--at", "x=[-1, 1]"])
    assert code == 0
    assert "nan" in out  # Rich once read "[nan, 0]" as a markup tag and showed nothing
    assert "the result holds NaN or inf" in err


def test_nan_in_a_saved_file_is_flagged(tmp_path):
    path = tmp_path / "r.npz"
    code, _out, err = run(["eval", "y = log(x)", "--at", "x=[-1, 1]", "--save", path, "--json"])
    assert code == 0 and f"{path} holds them as they are" in err
    assert np.isnan(np.load(path)["outputs/y"][0])


def test_nan_flag_survives_a_stopping_error(tmp_path):
    points = tmp_path / "p.ndjson"
    points.write_text('{"x": -1}\n{"x": 2}\nnot json\n{"x": 3}\n')
    code, out, err = run(["eval", "y = log(x)", "--points", points])
    assert code == 2 and len(out.splitlines()) == 2
    assert "line 3" in err and "the result holds NaN or inf" in err
    code, out, err = run(["eval", "y = log(x)", "--points", points, "--save", tmp_path / "s.npz"])
    assert code == 2 and "line 3" in err and "holds them as they are" in err


# -- tables never cut a number -------------------------------------------------------------------

NUMBER = re.compile(r"-?(?:\d+\.?\d*(?:e[-+]\d+)?|nan|inf)")


def _matrix_cells(text: str) -> list[list[str]]:
    """The numbers in the body rows of the last box-drawn table of the text."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            rows.append(cells)
    return rows


@pytest.mark.parametrize("columns", [20, 30, 40, 50, 80, 100, 120, 200])
def test_a_jacobian_table_never_shows_part_of_a_number(columns):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(12)
    at = "x=[" + ",".join(repr(float(v)) for v in x) + "]"
    program = "y = softmax(x * x) * 3.62661e-05"
    code, out, err = run(["jacobian", program, "--at", at], columns=columns)
    assert code == 0, err
    assert "…" not in out and "..." not in out.replace("... ", "")
    matrix = np.asarray(run_json(["jacobian", program, "--at", at])["matrix"])
    scale = 1.0
    m = re.search(r"every entry times 1e([-+]\d+)", out)
    if m:
        scale = 10.0 ** int(m.group(1))
    body = [cells for cells in _matrix_cells(out) if cells and cells[0].startswith("y[")]
    if body:  # a table: each cell is a whole number, equal to its entry to the digits shown
        assert len(body) == 12
        for i, cells in enumerate(body):
            for j, cell in enumerate(cells[1:]):
                assert NUMBER.fullmatch(cell), cell
                assert float(cell) * scale == pytest.approx(matrix[i, j], rel=1e-5)
    else:  # too narrow for a table: one entry per line, whole
        lines = [line for line in out.splitlines() if line.startswith("y[")]
        assert len(lines) == 144
        for line in lines:
            label, value = line.rsplit(": ", 1)
            i, j = (int(n) for n in re.findall(r"\[(\d+)\]", label))
            assert float(value) * scale == pytest.approx(matrix[i, j], rel=1e-5)
    if body and len(body[0]) - 1 < 12:  # columns left out are said, with where to find them
        words = " ".join(out.split())
        assert "do not fit" in words and "--json or --save" in words


@pytest.mark.parametrize("columns", [20, 40, 80, 120])
def test_value_tables_wrap_between_numbers(columns):
    values = [1.23456789e-05 * (k + 1) * (-1) ** k for k in range(30)]
    at = "x=[" + ",".join(repr(v) for v in values) + "]"
    code, out, _err = run(["eval", "y = x * 1", "--output", "y", "--at", at], columns=columns)
    assert code == 0 and "…" not in out
    shown = [float(t) for t in NUMBER.findall(out.split("outputs", 1)[1])
             if "e-" in t or "." in t]
    np.testing.assert_allclose(shown[:30], values, rtol=1e-5)


def test_wide_terminals_show_more_columns_and_say_what_is_left_out():
    program, at = "y = x * 2", "x=zeros(30)"
    code80, out80, _ = run(["jacobian", program, "--at", at], columns=80)
    code120, out120, _ = run(["jacobian", program, "--at", at], columns=120)
    assert code80 == code120 == 0
    header80 = next(line for line in out80.splitlines() if "x[0]" in line and "┃" in line)
    header120 = next(line for line in out120.splitlines() if "x[0]" in line and "┃" in line)
    assert header120.count("x[") > header80.count("x[") > 1
    assert "more (" in out80 and "do not fit" in out80
    assert all(len(line) <= 80 for line in out80.splitlines())
    assert all(len(line) <= 120 for line in out120.splitlines())


def test_grad_error_is_a_gradcli_error_in_the_api():
    c = Computation(SEVERAL, {"x": "1,2,3"})
    with pytest.raises(GradcliError, match="grad needs one scalar output"):
        c.grad()


# -- dtype= and out= are honoured or refused, never dropped ----------------------------------

X = np.array([0.1, 0.2, 0.7])


@pytest.mark.parametrize("program, expected", [
    ("out = x.sum(dtype=torch.float32)", np.float32(X.astype(np.float32).sum())),
    ("out = torch.mean(x, dtype=torch.float32)", X.astype(np.float32).mean()),
    ("out = np.sum(x, dtype=np.float32)", X.astype(np.float32).sum()),
    ("out = torch.prod(x, 0, dtype=torch.float32)", X.astype(np.float32).prod()),
    ("out = x.cumsum(0, dtype=torch.float32)", np.cumsum(X.astype(np.float32))),
    ("out = torch.log_softmax(x, 0, dtype=torch.float32)",
     (X.astype(np.float32) - np.log(np.exp(X.astype(np.float32)).sum())).astype(np.float32)),
])
def test_dtype_on_reductions_casts_the_input_first(program, expected):
    outs = Computation(program, {"x": X}).evaluate()["outputs"]
    assert outs["out"].dtype == np.float32
    np.testing.assert_allclose(outs["out"], expected, rtol=1e-6)


@pytest.mark.parametrize("program, words", [
    ("out = torch.sin(x, dtype=torch.float32)", "sin() does not take dtype="),
    ("out = torch.maximum(x, x, dtype=torch.float32)", "does not take dtype="),
    ("out = torch.exp(x, out=x)", "out="),
    ("out = torch.sum(x, out=x)", "out="),
])
def test_dtype_and_out_elsewhere_are_refused(program, words):
    code, out, err = run(["eval", program, "--at", "x=0.1,0.2,0.7", "--json"])
    assert code == 2 and out == ""
    error = strict_loads(err)["error"]
    assert words in error["message"] and error["column"] == 7
