"""The command line as a user and a script see it: `python -m gradcli ...` in a subprocess."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ENV, cli, cli_json, strict_loads

S2 = "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1"


# -- JSON keys, SPEC section 3 -------------------------------------------------------------------

def test_eval_keys():
    doc = cli_json("eval", "b = a + 3; c = b * 3; out = c.mean()", "--at", "a=[2,3]")
    assert set(doc) == {"inputs", "outputs"}
    assert doc == {"inputs": {"a": [2.0, 3.0]}, "outputs": {"out": 16.5}}


def test_backward_keys():
    doc = cli_json("backward", S2, "--at", "a0=2,a1=4", "--gradient", "1,2")
    assert set(doc) == {"inputs", "outputs", "grad", "gradient"}
    assert doc["grad"] == {"a0": 12.0, "a1": 194.0}
    assert doc["gradient"] == {"out0": 1.0, "out1": 2.0}
    assert doc["outputs"] == {"out0": 16.0, "out1": 132.0}


def test_grad_keys_and_null_for_constants():
    doc = cli_json("grad", "y = w*x + b", "--at", "x=2,w=0.5,b=-1", "--wrt", "w,b")
    assert set(doc) == {"inputs", "outputs", "grad"}
    assert doc["grad"] == {"x": None, "w": 2.0, "b": 1.0}
    assert list(doc["inputs"]) == ["w", "x", "b"]  # order of first appearance


def test_jacobian_keys():
    doc = cli_json("jacobian", S2, "--at", "a0=2,a1=4")
    assert {"inputs", "outputs", "jacobian", "matrix", "rows", "cols", "mode", "passes"} <= set(doc)
    assert doc["matrix"] == [[8, 2], [2, 96]]
    assert doc["rows"] == ["out0", "out1"] and doc["cols"] == ["a0", "a1"]
    assert doc["jacobian"] == {"out0": {"a0": 8, "a1": 2}, "out1": {"a0": 2, "a1": 96}}
    assert doc["mode"] in ("reverse", "forward") and isinstance(doc["passes"], int)


def test_jacobian_tensor_labels_and_block_shapes():
    doc = cli_json("jacobian", "y = M @ x", "--at", "M=[[1,2],[3,4],[5,6]],x=[1,1]", "--wrt", "x")
    assert doc["rows"] == ["y[0]", "y[1]", "y[2]"]
    assert doc["cols"] == ["x[0]", "x[1]"]
    assert doc["jacobian"]["y"]["x"] == [[1, 2], [3, 4], [5, 6]]
    doc = cli_json("jacobian", "y = x * 2", "--at", "x=[[1,2]]", "--mode", "reverse")
    assert doc["rows"] == ["y[0,0]", "y[0,1]"] and doc["mode"] == "reverse"
    assert np.shape(doc["jacobian"]["y"]["x"]) == (1, 2, 1, 2)


def test_jacobian_modes_and_chunk_size():
    args = ("jacobian", "y = sin(x) * x.sum()", "--at", "x=[1,2,3]")
    rev = cli_json(*args, "--mode", "reverse", "--chunk-size", "1")
    fwd = cli_json(*args, "--mode", "forward")
    assert rev["passes"] == 3 and rev["mode"] == "reverse" and fwd["mode"] == "forward"
    np.testing.assert_allclose(rev["matrix"], fwd["matrix"], rtol=1e-14)


# -- strict JSON --------------------------------------------------------------------------------

def test_nonfinite_is_a_string_with_a_warning():
    proc = cli("eval", "y = log(x); z = 1 / (x - x); w = -z", "--at", "x=-1", "--output", "y,z,w",
               "--json")
    assert proc.returncode == 0
    doc = strict_loads(proc.stdout)
    assert doc["outputs"] == {"y": "NaN", "z": "Infinity", "w": "-Infinity"}
    assert "log" in proc.stderr and "NaN" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_division_by_zero_gives_inf_and_exit_0():
    proc = cli("eval", "y = 1 / x", "--at", "x=0", "--json")
    assert proc.returncode == 0
    assert strict_loads(proc.stdout)["outputs"]["y"] == "Infinity"
    assert "div" in proc.stderr


def test_stdout_is_one_document():
    proc = cli("backward", "y = (x * x).sum()", "--at", "x=[1,2]", "--json")
    assert proc.stdout.count("\n") == 1
    strict_loads(proc.stdout)


# -- errors and exit codes ------------------------------------------------------------------------

@pytest.mark.parametrize("args,kind", [
    (["eval", "y = x +", "--at", "x=1"], "syntax"),
    (["eval", "y = sinn(x)", "--at", "x=1"], "name"),
    (["eval", "y = x * q", "--at", "x=1"], "input"),
    (["eval", "y = x", "--at", "x=1,z=2"], "input"),
    (["eval", "y = a + b", "--at", "a=[1,2],b=[1,2,3]"], "shape"),
    (["backward", "y = x * 2", "--at", "x=[1,2]", "--gradient", "1,2,3"], "gradient"),
    (["backward", "y = x * 2", "--at", "x=[1,2]"], "gradient"),
    (["eval", "y = __import__('os')"], "syntax"),
    (["eval", "y = zeros(100000, 100000)"], "limit"),
    (["eval", "y = x", "--at", "x=[1,2"], "value"),
    (["jacobian", "y = x", "--at", "x=1", "--mode", "sideways"], "usage"),
    (["eval", "y = x", "--at", "x=1", "--dtype", "float16"], "usage"),
    (["eval", "y = x", "--at", "x=@/nonexistent.npy"], "io"),
    (["eval", "-f", "/nonexistent.py", "--at", "x=1"], "io"),
    (["eval"], "usage"),
    (["eval", "y = x", "--bogus-option"], "usage"),
])
def test_errors_exit_2_with_json_object(args, kind):
    proc = cli(*args, "--json")
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    doc = strict_loads(proc.stderr.strip().splitlines()[-1])
    err = doc["error"]
    assert {"kind", "message", "line", "column"} <= set(err)
    assert err["kind"] == kind, err
    assert err["message"]


def test_error_position_in_json():
    proc = cli("eval", "y = x\nz = sinn(y)", "--at", "x=1", "--json")
    err = strict_loads(proc.stderr.strip().splitlines()[-1])["error"]
    assert (err["line"], err["column"]) == (2, 5)


def test_caret_in_text_mode():
    proc = cli("eval", "y = x\nz = y + sinn(y)", "--at", "x=1")
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("gradcli: error: unknown function sinn()")
    assert "line 2, column 9" in lines[0]
    source = next(i for i, line in enumerate(lines) if "z = y + sinn(y)" in line)
    assert lines[source + 1].index("^") == lines[source].index("sinn")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [
    ["eval", "y = " + "(" * 10_000 + "x" + ")" * 10_000, "--at", "x=1"],
    ["eval", "y = " + "-" * 10_000 + "x", "--at", "x=1"],
    ["eval", "y = 9**9**9**9"],
    ["eval", "y = x", "--at", "x=" + "[" * 5000 + "1" + "]" * 5000],
    ["eval", "y = x", "--inputs", "/dev/null"],
    ["eval", "y = x.__class__"],
    ["eval", "y = x", "--at", "x=@/etc/passwd.csv"],
    ["eval", "-f", "-"],  # stdin: see NASTY_STDIN
    ["eval", "y = x", "--at", "x=1", "--precision", "0"],
    ["grad", "y = x * 2", "--at", "x=[1,2]", "--output", "nope"],
    ["backward", "y = x * 2", "--at", "x=1", "--retain-grad", "nope"],
    ["backward", "y = x * 2", "--at", "x=1", "--gradient", "q=1"],
    ["jacobian", "y = x * 2", "--at", "x=zeros(20000)"],
])
def test_no_traceback_ever(args):
    # Text and JSON mode side by side: two processes at once keep the suite quick.
    procs = [subprocess.Popen([sys.executable, "-m", "gradcli", *args, *extra], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
             for extra in ([], ["--json"])]
    for proc in procs:
        _, err = proc.communicate(b"y = 1\x00\xff\n", timeout=60)
        err = err.decode("utf-8", "replace")
        assert "Traceback" not in err, err[-2000:]
        assert proc.returncode in (0, 2), (proc.returncode, err[-500:])
        assert "internal error" not in err, err


def test_closed_pipe_gives_no_traceback():
    for extra in ([], ["--json"]):
        p = subprocess.Popen([sys.executable, "-m", "gradcli", "jacobian", "y = x * 2", "--at",
                              "x=zeros(300)", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=ENV)
        assert p.stdout.read(5)
        p.stdout.close()
        err = p.stderr.read().decode()
        p.stderr.close()
        code = p.wait(timeout=60)
        assert "Traceback" not in err and "Exception" not in err, err
        assert code in (0, 141), code  # never 1: that means "a check failed"


def test_head_in_a_shell_pipeline():
    cmd = f"'{sys.executable}' -m gradcli jacobian 'y = x * 2' --at 'x=zeros(300)' | head -1"
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=ENV, timeout=60, check=False)
    assert proc.stdout.strip() and "Traceback" not in proc.stderr and proc.stderr == ""


def test_full_disk():
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "gradcli", "jacobian", "y = x * 2", "--at",
                               "x=zeros(50)", "--json"], stdout=full, stderr=subprocess.PIPE,
                              text=True, env=ENV, timeout=60, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "No space left on device" in proc.stderr
    assert strict_loads(proc.stderr.strip().splitlines()[-1])["error"]["kind"] == "io"


# -- files and values -------------------------------------------------------------------------

def test_save_npz(tmp_path):
    out = tmp_path / "r.npz"
    cli_json("jacobian", S2, "--at", "a0=2,a1=4", "--save", out)
    with np.load(out) as z:
        keys = set(z.files)
        assert {"outputs/out0", "outputs/out1", "jacobian/out0/a0", "jacobian/out1/a1", "matrix"} <= keys
        np.testing.assert_array_equal(z["matrix"], [[8, 2], [2, 96]])
        assert z["jacobian/out1/a1"] == 96
    out = tmp_path / "g.npz"
    proc = cli("backward", "y = (w * x).sum()", "--at", "w=[1,2],x=[3,4]", "--wrt", "w", "--save", out)
    assert proc.returncode == 0, proc.stderr
    with np.load(out) as z:
        assert "grad/x" not in z.files  # a constant has no gradient (null in JSON)
        np.testing.assert_array_equal(z["grad/w"], [3, 4])
        assert z["outputs/y"] == 11


def test_save_to_unwritable_path():
    proc = cli("eval", "y = x", "--at", "x=1", "--save", "/nonexistent/dir/r.npz")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "--save" in proc.stderr


def test_program_file_and_stdin(tmp_path):
    f = tmp_path / "prog.py"
    f.write_text("# a comment\nb = a + 3\nc = b * 3\nout = c.mean()  # the output\n")
    doc = cli_json("backward", "-f", f, "--at", "a=[2,3]")
    assert doc["grad"]["a"] == [1.5, 1.5]
    doc = cli_json("backward", "-f", "-", "--at", "a=[2,3]", input=f.read_text())
    assert doc["outputs"]["out"] == 16.5
    doc = cli_json("eval", "-f", f, "d = out * 2", "--at", "a=[2,3]")  # file, then arguments
    assert doc["outputs"] == {"d": 33.0}


def test_program_arguments_are_consecutive_statements():
    doc = cli_json("jacobian", "b0 = a0**2 + a1", "b1 = a1**3 + a0", "--at", "a0=2", "--at", "a1=4")
    assert doc["matrix"] == [[4, 1], [1, 48]]


def test_inputs_file_and_stdin(tmp_path):
    f = tmp_path / "in.json"
    f.write_text(json.dumps({"a": [[2, 3], [1, 2]], "w": "ones(2,1)"}))
    doc = cli_json("backward", "out = mm(a, w)", "--inputs", f, "--gradient", "1,1")
    assert doc["grad"]["w"] == [[3], [5]]
    doc = cli_json("backward", "out = mm(a, w)", "--inputs", "-", "--gradient", "1,1",
                   "--at", "w=[[1],[0]]", input=f.read_text())  # --at wins over --inputs
    assert doc["outputs"]["out"] == [[2], [1]]


def test_at_files(tmp_path):
    np.save(tmp_path / "x.npy", np.array([[1.0, 2.0], [3.0, 4.0]]))
    (tmp_path / "x.json").write_text("[[1, 2], [3, 4]]")
    (tmp_path / "x.csv").write_text("1,2\n3,4\n")
    for name in ("x.npy", "x.json", "x.csv"):
        doc = cli_json("grad", "y = (x * x).sum()", "--at", f"x=@{tmp_path / name}")
        assert doc["inputs"]["x"] == [[1, 2], [3, 4]], name
        assert doc["grad"]["x"] == [[2, 4], [6, 8]], name


@pytest.mark.parametrize("value,expected", [
    ("[[2,4]]", [[2, 4]]),
    ("2,4", [2, 4]),
    ("ones(2)", [1, 1]),
    ("[1e0, -2.5]", [1, -2.5]),
    ("-3", -3),
    ("pi", np.pi),
])
def test_at_value_forms(value, expected):
    doc = cli_json("eval", "y = x * 1", "--at", f"x={value}")
    np.testing.assert_allclose(doc["inputs"]["x"], expected)


def test_at_several_assignments_in_one_option():
    doc = cli_json("eval", "y = a.sum() * b", "--at", "a=[2,4],b=3")
    assert doc["outputs"]["y"] == 18


def test_named_and_repeated_gradients():
    doc = cli_json("backward", S2, "--at", "a0=2,a1=4", "--gradient", "out1=2", "--gradient", "out0=1")
    assert doc["grad"] == {"a0": 12, "a1": 194}
    doc = cli_json("backward", "z = (x*2).mean()", "--at", "x=[1,2,3]", "--gradient", "1", "--gradient", "1")
    np.testing.assert_allclose(doc["grad"]["x"], [4 / 3] * 3, rtol=1e-15)
    doc = cli_json("backward", "y = x * 2", "--at", "x=[[1,2]]", "--gradient", "[[1, 3]]")
    assert doc["grad"]["x"] == [[2, 6]]


def test_retain_grad():
    doc = cli_json("backward", "h = x * 3; y = (h * h).sum()", "--at", "x=[1,2]", "--retain-grad", "h")
    assert doc["grad"]["h"] == [6, 12] and doc["grad"]["x"] == [18, 36]


def test_version():
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("gradcli ")
    import gradcli
    assert gradcli.__version__ in proc.stdout


def test_dtype_float32():
    doc = cli_json("grad", "y = x / 3", "--at", "x=1", "--dtype", "float32")
    assert doc["grad"]["x"] == pytest.approx(1 / 3, rel=1e-7) and doc["grad"]["x"] != 1 / 3
    doc = cli_json("grad", "y = x / 3", "--at", "x=1")
    assert doc["grad"]["x"] == 1 / 3


def test_seed():
    a = cli_json("eval", "y = randn(3)")["outputs"]["y"]
    b = cli_json("eval", "y = randn(3)", "--seed", "0")["outputs"]["y"]
    c = cli_json("eval", "y = randn(3)", "--seed", "1")["outputs"]["y"]
    d = cli_json("eval", "y = x", "--at", "x=randn(3)", "--seed", "1")["inputs"]["x"]
    assert a == b and a != c and len(set(c)) == 3
    assert d == c  # --at values draw from the same seeded generator


def test_text_tables_fit_80_columns():
    proc = cli("jacobian", S2, "--at", "a0=2,a1=4", check=True)
    assert "\x1b[" not in proc.stdout  # no colour when not a terminal
    assert all(len(line) <= 80 for line in proc.stdout.splitlines())
    for label in ("out0", "out1", "a0", "a1", "96"):
        assert label in proc.stdout
    proc = cli("jacobian", "y = x * 2", "--at", "x=zeros(30)", check=True)
    assert all(len(line) <= 80 for line in proc.stdout.splitlines())


def test_text_grad_shows_none_for_constants():
    proc = cli("grad", "y = w*x + b", "--at", "x=2,w=0.5,b=-1", "--wrt", "w,b", check=True)
    assert "None" in proc.stdout
