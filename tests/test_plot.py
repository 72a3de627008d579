"""gradcli plot: samples against closed forms, the pictures parsed back, the terminal's width."""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import ENV, cli, cli_json

from gradcli.errors import GradcliError
from gradcli.views import plot as views

# -- the samples against closed forms ------------------------------------------------------------

def test_json_sin_and_its_derivatives():
    doc = cli_json("plot", "y = sin(x)", "--over", "x=-pi:pi:41", "--order", "2")
    assert set(doc) == {"over", "inputs", "x", "outputs", "derivatives"}
    assert doc["over"] == {"name": "x", "start": -np.pi, "stop": np.pi, "n": 41}
    x = np.array(doc["x"])
    np.testing.assert_allclose(x, np.linspace(-np.pi, np.pi, 41), rtol=0, atol=1e-15)
    np.testing.assert_allclose(doc["outputs"]["y"], np.sin(x), atol=1e-15)
    np.testing.assert_allclose(doc["derivatives"]["y"]["1"], np.cos(x), atol=1e-15)
    np.testing.assert_allclose(doc["derivatives"]["y"]["2"], -np.sin(x), atol=1e-15)


def test_json_cubic_first_order_only_by_default():
    doc = cli_json("plot", "y = x**3", "--over", "x=-2:3:11")
    x = np.linspace(-2, 3, 11)
    np.testing.assert_allclose(doc["outputs"]["y"], x ** 3, rtol=1e-14, atol=1e-14)
    assert list(doc["derivatives"]["y"]) == ["1"]
    np.testing.assert_allclose(doc["derivatives"]["y"]["1"], 3 * x ** 2, rtol=1e-14)


def test_cubic_second_order_and_fixed_inputs():
    s = views.sample("y = a*x**3 + b", {"a": "2", "b": "1"}, views.Sweep("x", -2, 3, 11), order=2)
    x = np.linspace(-2, 3, 11)
    np.testing.assert_allclose(s.outputs["y"], 2 * x ** 3 + 1, rtol=1e-14)
    np.testing.assert_allclose(s.derivatives["y"][1], 6 * x ** 2, rtol=1e-14)
    np.testing.assert_allclose(s.derivatives["y"][2], 12 * x, rtol=1e-14, atol=1e-13)
    assert {k: float(v) for k, v in s.fixed.items()} == {"a": 2.0, "b": 1.0}


def test_several_outputs_and_one_that_does_not_depend_on_x():
    s = views.sample("y = exp(x); z = 3 + c", {"c": "1"}, views.Sweep("x", 0, 1, 5), order=2)
    x = np.linspace(0, 1, 5)
    np.testing.assert_allclose(s.derivatives["y"][2], np.exp(x), rtol=1e-14)
    np.testing.assert_array_equal(s.outputs["z"], np.full(5, 4.0))
    np.testing.assert_array_equal(s.derivatives["z"][1], np.zeros(5))
    np.testing.assert_array_equal(s.derivatives["z"][2], np.zeros(5))


def test_tensor_program_reduced_to_a_scalar():
    """The swept input is a scalar; the program may still build tensors from it."""
    s = views.sample("v = stack([x, x**2, w]); y = (v * v).sum()", {"w": "3"},
                     views.Sweep("x", -1, 1, 9), order=2)
    x = np.linspace(-1, 1, 9)
    np.testing.assert_allclose(s.outputs["y"], x ** 2 + x ** 4 + 9, rtol=1e-14)
    np.testing.assert_allclose(s.derivatives["y"][1], 2 * x + 4 * x ** 3, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(s.derivatives["y"][2], 2 + 12 * x ** 2, rtol=1e-14)


def test_matches_pytorch_double_backward():
    torch = pytest.importorskip("torch")
    program = "y = tanh(x) * exp(-x) + x.relu()**3"
    s = views.sample(program, {}, views.Sweep("x", -2, 2, 17), order=2)
    x = torch.linspace(-2, 2, 17, dtype=torch.float64, requires_grad=True)
    y = torch.tanh(x) * torch.exp(-x) + torch.relu(x) ** 3
    (d1,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x)
    np.testing.assert_allclose(s.outputs["y"], y.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(s.derivatives["y"][1], d1.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(s.derivatives["y"][2], d2.numpy(), rtol=1e-12, atol=1e-14)


def test_nonfinite_values_are_strings_with_a_warning():
    proc = cli("plot", "y = log(x)", "--over", "x=-1:1:5", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = __import__("json").loads(proc.stdout)
    assert doc["outputs"]["y"][:2] == ["NaN", "NaN"] and doc["outputs"]["y"][2] == "-Infinity"
    assert doc["outputs"]["y"][4] == 0.0 and doc["derivatives"]["y"]["1"][4] == 1.0
    assert "warning" in proc.stderr and "log" in proc.stderr


def test_vector_outputs_are_left_out_with_a_note():
    proc = cli("plot", "v = x * ones(3); y = v.sum()", "--over", "x=0:1:3", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = __import__("json").loads(proc.stdout)
    assert list(doc["outputs"]) == ["y"] and doc["derivatives"]["y"]["1"] == [3.0, 3.0, 3.0]
    proc = cli("plot", "v = x * ones(3)", "--over", "x=0:1:3", "--json")
    assert proc.returncode == 2
    assert "scalar" in proc.stderr and "--output" in proc.stderr


# -- what is drawn -------------------------------------------------------------------------------

def test_limits_keep_a_pole_from_flattening_the_curve():
    x = np.linspace(-2, 2, 200)
    lo, hi = views.y_limits([1 / x, -1 / x ** 2])
    assert -40 < lo < -5 and 2 < hi < 20  # not -9900 .. 99
    lo, hi = views.y_limits([np.sin(x), np.cos(x)])
    assert lo <= -0.9 and hi >= 1 and hi - lo < 2.5
    cut = views.breaks(1 / x, (lo, hi))
    assert cut[100] and cut.sum() == 1  # only across the pole


def test_nice_ticks_and_labels():
    assert views.nice_ticks(-2, 2, 5) == [-2, -1, 0, 1, 2]
    assert views.tick_labels([-1.0, -0.5, 0.0, 0.5, 1.0]) == ["-1.0", "-0.5", "0", "0.5", "1.0"]
    assert views.tick_labels(views.nice_ticks(0, 3e6, 4)) == ["0", "1e+06", "2e+06", "3e+06"]
    assert views.derivative_label("y", "x", 2) == "d²y/dx²"


@pytest.mark.parametrize("columns", [40, 80, 120])
def test_terminal_plot_fits_the_width(columns):
    proc = subprocess.run([sys.executable, "-m", "gradcli", "plot", "y = x**3 + a*x",
                           "--over", "x=-2:2", "--order", "2", "--at", "a=-3"],
                          check=False, capture_output=True, text=True, timeout=60,
                          env={**ENV, "COLUMNS": str(columns), "LINES": "30"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert max(len(line) for line in lines) >= columns - 4  # and uses it
    text = proc.stdout
    assert "y = x**3 + a*x" in text and "dy/dx" in text and "d²y/dx²" in text
    assert "(a=-3)" in text and "\x1b[" not in text  # no colour into a pipe
    assert any(line.lstrip().startswith("0┤──") for line in lines)  # the zero line


def test_terminal_plot_long_title_is_cut_not_dropped():
    panels = views.layout(views.sample("y = x" + " + 0*x" * 40, {}, views.Sweep("x", 0, 1, 20)),
                          "y = x" + " + 0*x" * 40)
    text = views.terminal(panels, np.linspace(0, 1, 20), 60, 16, color=False)
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "y = x + 0*x" in text and "…" in text


# -- files (matplotlib) ---------------------------------------------------------------------------

def test_svg_is_xml_with_labelled_axes(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "cubic.svg"
    proc = cli("plot", "y = x**3", "--over", "x=-2:2:50", "--order", "2", "--svg", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and str(path) in proc.stderr
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    texts = {"".join(t.itertext()).strip() for t in root.iter() if t.tag.endswith("text")}
    assert {"x", "y", "dy/dx", "d²y/dx²", "y = x**3"} <= texts
    assert sum(1 for t in root.iter() if t.tag.endswith("path")) > 10


def test_png_header_and_json_together(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "sin.png"
    proc = cli("plot", "y = sin(x)", "--over", "x=0:1:5", "--png", path, "--json")
    assert proc.returncode == 0, proc.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert __import__("json").loads(proc.stdout)["over"]["n"] == 5
    assert [p.name for p in tmp_path.iterdir()] == ["sin.png"]  # no temporary left behind


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(GradcliError) as info:
        views.pyplot()
    assert info.value.hint == 'pip install "gradcli[plot]"'
    script = ("import sys; sys.modules['matplotlib'] = None\n"
              "from gradcli.cli.main import main\n"
              "sys.exit(main(['plot', 'y = x', '--over', 'x=0:1', '--svg', 'never.svg']))")
    proc = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True,
                          timeout=60, env=ENV)
    assert proc.returncode == 2
    assert 'pip install "gradcli[plot]"' in proc.stderr and "Traceback" not in proc.stderr


# -- bad usage: exit 2, a message that says what to type -----------------------------------------

@pytest.mark.parametrize("spec, words", [
    ("x", "NAME=START:STOP"), ("x=1", "NAME=START:STOP"), ("x=:1", "START is empty"),
    ("1x=0:1", "NAME=START:STOP"), ("x=3:1", "START must be less than STOP"),
    ("x=0:1:1", "from 2 to"), ("x=0:1:ten", "from 2 to"), ("x=0:inf", "finite"),
    ("x=0:randn()", "numbers"), ("x=0:[1,2]", "one finite number"), ("z=0:1", "not an input"),
])
def test_bad_over_specs(spec, words):
    proc = cli("plot", "y = x**2", "--over", spec)
    assert proc.returncode == 2, proc.stdout
    assert words in proc.stderr and "Traceback" not in proc.stderr


def test_missing_over_and_bad_order():
    proc = cli("plot", "y = x**2")
    assert proc.returncode == 2 and "--over NAME=START:STOP" in proc.stderr
    proc = cli("plot", "y = x**2", "--over", "x=0:1", "--order", "3")
    assert proc.returncode == 2 and "--order" in proc.stderr


def test_parse_over_accepts_expressions():
    assert views.parse_over("x=-pi:2*pi:400") == views.Sweep("x", -np.pi, 2 * np.pi, 400)
    assert views.parse_over(" t = 1e-3 : 1 ") == views.Sweep("t", 1e-3, 1.0, None)
