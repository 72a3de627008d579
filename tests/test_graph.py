"""`gradcli graph`: the recorded graph as a tree, as DOT, and as SVG through Graphviz."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from gradcli.cli import main

COPY_SLICES = "b = zeros(1,2); b[0,0] = a[0,0]**2 + a[0,1]; b[0,1] = a[0,1]**3 + a[0,0]; out = 2*b"


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tree_shows_ops_backward_names_shapes_and_leaves(capsys):
    code, out, _ = run_cli(capsys, "graph", "b = a + 3; c = b * 3; out = c.mean()", "--at", "a=[2,3]")
    assert code == 0
    lines = out.splitlines()
    assert "out = mean(c)" in lines[1] and "MeanBackward0" in lines[1] and "shape ()" in lines[1]
    assert "c = b * 3" in lines[2] and "MulBackward0" in lines[2] and "shape (2,)" in lines[2]
    assert "b = a + 3" in lines[3] and "AddBackward0" in lines[3]
    assert "a  AccumulateGrad  leaf, requires_grad  shape (2,)" in lines[4]


def test_scalar_inputs_need_no_values(capsys):
    code, out, _ = run_cli(capsys, "graph", "y = w*x + b", "--json")
    assert code == 0
    doc = json.loads(out)
    kinds = {n["name"]: (n["backward"], n["leaf"], n["requires_grad"]) for n in doc["nodes"]}
    assert kinds == {"w": ("AccumulateGrad", True, True), "x": ("AccumulateGrad", True, True),
                     "b": ("AccumulateGrad", True, True), "t1": ("MulBackward0", False, True),
                     "y": ("AddBackward0", False, True)}
    assert sorted(doc["edges"]) == [["b", "y"], ["t1", "y"], ["w", "t1"], ["x", "t1"]]


def test_tensor_program_without_values_is_read_from_its_text(capsys):
    """mm(a, w) cannot run on placeholder scalars: its structure comes from the text, and the
    picture says that the shapes need --at values."""
    code, out, _ = run_cli(capsys, "graph", "out = mm(a, w)")
    assert code == 0
    assert "out = mm(a, w)  shape ?" in out and "--at for a, w" in out
    code, out, _ = run_cli(capsys, "graph", "out = mm(a, w)", "--json")
    doc = json.loads(out)
    assert doc["source"] == "text" and doc["shapes_known"] is False
    assert sorted(doc["edges"]) == [["a", "out"], ["w", "out"]]


def test_dot_output(capsys):
    code, out, _ = run_cli(capsys, "graph", COPY_SLICES, "--at", "a=[[2,4]]", "--dot")
    assert code == 0
    assert out.startswith("digraph gradcli {") and out.rstrip().endswith("}")
    assert out.count("CopySlices") == 2 and out.count("SelectBackward0") == 4
    assert "leaf, requires_grad" in out
    # every node referenced by an edge is declared
    declared = {line.split()[0] for line in out.splitlines() if "[label=" in line}
    used = {part.strip(" ;") for line in out.splitlines() if "->" in line for part in line.split("->")}
    assert used <= declared


def test_backward_names_follow_pytorch(capsys):
    code, out, _ = run_cli(capsys, "graph", "out = x.sum(0) + x[:, 1] + x[1:].sum() + x.mean()", "--at",
                           "x=ones(2,2)", "--json")
    assert code == 0
    names = {n["backward"] for n in json.loads(out)["nodes"]}
    # PyTorch 2.14: x[:, 1] selects (SelectBackward0), x[1:] slices (SliceBackward0)
    assert {"SumBackward1", "SelectBackward0", "SliceBackward0", "MeanBackward0"} <= names


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_is_written(capsys, tmp_path):
    path = tmp_path / "graph.svg"
    code, _, err = run_cli(capsys, "graph", COPY_SLICES, "--at", "a=[[2,4]]", "--svg", str(path))
    assert code == 0 and "wrote" in err
    root = ET.parse(path).getroot()  # well-formed XML, as a browser needs
    assert root.tag.endswith("svg")
    text = path.read_text()
    assert "CopySlices" in text and "MulBackward0" in text


def test_svg_without_graphviz_says_how_to_install_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, _, err = run_cli(capsys, "graph", "y = w*x + b", "--svg", str(tmp_path / "g.svg"))
    assert code == 2
    assert "apt-get install graphviz" in err
    assert not (tmp_path / "g.svg").exists()
