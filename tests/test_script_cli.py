"""`gradcli run` through the real command line, and the other commands given a script with -f."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ENV, cli, strict_loads

SCRIPT = """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * x * 2
print("y =", y)
v = torch.tensor([0.1, 1.0, 0.0001])
y.backward(v)
print(x.grad)
"""

JACOBIAN = """import torch
x = torch.tensor([[2, 3]], dtype=torch.float, requires_grad=True)
y = torch.zeros(1, 2)
y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
y.backward(torch.Tensor([[1, 0]]))
"""

FAILING = """import torch
x = torch.ones(3, requires_grad=True)
print("before")
y = x * 2
y.backward()
print("never")
"""


@pytest.fixture
def script(tmp_path):
    def write(text, name="s.py"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)
    return write


def test_run_prints_what_pytorch_prints(script):
    p = cli("run", script(SCRIPT))
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("y = tensor([ 2.,  8., 18.], grad_fn=<MulBackward0>)\n"
                        "tensor([4.0000e-01, 8.0000e+00, 1.2000e-03])\n")
    assert p.stderr == ""


def test_run_reads_stdin():
    p = cli("run", "-", input="print(1 + 1)\n")
    assert (p.returncode, p.stdout) == (0, "2\n")


def test_error_keeps_what_was_printed_then_pytorchs_message(script):
    p = cli("run", script(FAILING))
    assert p.returncode == 2
    assert p.stdout == "before\n"
    assert p.stderr.splitlines() == [
        "gradcli: error: RuntimeError: grad can be implicitly created only for scalar outputs "
        "(line 5, column 1)", "    y.backward()", "    ^"]


def test_run_json_events(script):
    p = cli("run", script(SCRIPT), "--json")
    assert p.returncode == 0, p.stderr
    doc = strict_loads(p.stdout)
    kinds = [e["kind"] for e in doc["events"]]
    assert kinds == ["print", "backward", "print"]
    backward = doc["events"][1]
    assert backward["line"] == 6 and backward["output"] == "y"
    # d/dx sum(v * 2x^2) = 4 x v, computed independently here
    x, v = np.array([1.0, 2.0, 3.0]), np.array([0.1, 1.0, 0.0001])
    np.testing.assert_allclose(backward["grad"]["x"], 4 * x * v, rtol=1e-6)
    assert doc["stdout"] == "".join(e["text"] for e in doc["events"] if e["kind"] == "print")
    assert doc["stdout"].startswith("y = tensor([ 2.,  8., 18.]")


def test_run_json_error_is_json_on_both_streams(script):
    p = cli("run", script(FAILING), "--json")
    assert p.returncode == 2
    doc = strict_loads(p.stdout)
    assert [e["text"] for e in doc["events"]] == ["before\n"]
    err = json.loads(p.stderr)["error"]
    assert err["kind"] == "script" and err["line"] == 5
    assert err["message"].startswith("RuntimeError: grad can be implicitly created")


def test_run_explain_explains_each_backward(script):
    p = cli("run", script(SCRIPT), "--explain")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("y = tensor([ 2.,  8., 18.], grad_fn=<MulBackward0>)\n── explain: y.backward() at line 6")
    assert "(a) the vector-Jacobian product" in out and "(b) the backward pass" in out
    assert "x.grad = [0.4 8 0.0012]" in out
    assert out.rstrip().endswith("tensor([4.0000e-01, 8.0000e+00, 1.2000e-03])")


def test_backward_takes_the_scripts_call(script):
    p = cli("backward", "-f", script(SCRIPT), "--json")
    assert p.returncode == 0, p.stderr
    doc = strict_loads(p.stdout)
    x, v = np.array([1.0, 2.0, 3.0]), np.array([0.1, 1.0, 0.0001])
    np.testing.assert_allclose(doc["grad"]["x"], 4 * x * v, rtol=1e-6)
    np.testing.assert_allclose(doc["gradient"]["y"], v, rtol=1e-6)
    np.testing.assert_allclose(doc["outputs"]["y"], 2 * x * x)
    assert doc["inputs"] == {"x": [1.0, 2.0, 3.0]}


def test_gradient_on_the_command_line_wins(script):
    p = cli("backward", "-f", script(SCRIPT), "--gradient", "1,1,1", "--json")
    assert p.returncode == 0, p.stderr
    np.testing.assert_allclose(strict_loads(p.stdout)["grad"]["x"], [4.0, 8.0, 12.0])


def test_jacobian_of_the_scripts_output(script):
    p = cli("jacobian", "-f", script(JACOBIAN), "--json")
    assert p.returncode == 0, p.stderr
    doc = strict_loads(p.stdout)
    assert doc["matrix"] == [[4.0, 3.0], [2.0, 6.0]]
    assert doc["rows"] == ["y[0,0]", "y[0,1]"] and doc["cols"] == ["x[0,0]", "x[0,1]"]


def test_explain_of_a_script(script):
    p = cli("explain", "-f", script(JACOBIAN))
    assert p.returncode == 0, p.stderr
    assert "CopySlices" in p.stdout and "x.grad = [[4 3]]" in p.stdout


def test_values_cannot_be_given_to_a_script(script):
    p = cli("backward", "-f", script(SCRIPT), "--at", "x=1")
    assert p.returncode == 2
    assert "does not apply to a PyTorch script" in p.stderr


def test_a_script_without_backward(script):
    p = cli("backward", "-f", script("import torch\nprint(torch.ones(2))\n"))
    assert p.returncode == 2
    assert "calls no .backward()" in p.stderr


def test_other_modules_are_named(script):
    p = cli("run", script("import torch\nimport matplotlib.pyplot as plt\n"))
    assert p.returncode == 2
    assert "No module named 'matplotlib.pyplot'" in p.stderr and "Traceback" not in p.stderr


def test_run_imports_nothing_heavy(script):
    path = script(SCRIPT)
    code = ("import sys\nfrom gradcli.cli import main\nmain(['run', sys.argv[1]])\n"
            "print(sorted(m for m in ('scipy', 'sympy', 'rich', 'torch') "
            "if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, env=ENV, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["text", "json"])
def test_a_closed_pipe_is_exit_141(script, extra):
    import os
    path = script("for i in range(20000):\n    print(i)\n")
    read, write = os.pipe()
    os.close(read)  # nobody reads: the first write finds the pipe closed
    try:
        done = subprocess.run([sys.executable, "-m", "gradcli", "run", path, *extra], stdout=write,
                              stderr=subprocess.PIPE, text=True, env=ENV, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == 141
    assert "Traceback" not in done.stderr


def test_hessian_and_jvp_of_a_script(script):
    path = script("import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\nw = torch.tensor(3.0, "
                  "requires_grad=True)\nloss = (w * x ** 3).sum()\nloss.backward()\n")
    doc = strict_loads(cli("hessian", "-f", path, "--json").stdout)
    # d2/dx2 (w x^3) = 6 w x, d2/dx dw = 3 x^2, d2/dw2 = 0
    assert doc["matrix"] == [[18.0, 0.0, 3.0], [0.0, 36.0, 12.0], [3.0, 12.0, 0.0]]
    assert strict_loads(cli("jvp", "-f", path, "--tangent", "1,0,0", "--json").stdout)["jvp"] == {"loss": 9.0}


def test_check_refuses_a_script_clearly(script):
    p = cli("check", "-f", script(SCRIPT))
    assert p.returncode == 2
    assert "cannot do" in p.stderr and "internal error" not in p.stderr
