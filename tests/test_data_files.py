"""Data in files and the shared option set (issue 13): a CSV header row, eval --wrt, graph
without --at. Expected values are NumPy's reading of the same numbers."""
from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import cli, cli_json

from gradcli.io.values import csv_header


@pytest.mark.parametrize("first, header", [
    ("x,y", True), ("time, value ,label", True), ('"a","b"', True),
    ("1,2", False), ("1e-3,nan", False), ("x,2", False), ("", False), ("inf,-inf", False),
])
def test_a_header_is_a_first_row_with_no_number_in_it(first, header):
    assert csv_header(first + "\n1,2\n") is header


def test_a_csv_with_a_header_reads_as_the_numbers_below_it(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((50, 4))
    path = tmp_path / "X.csv"
    np.savetxt(path, X, delimiter=",", header="a,b,c,d", comments="")
    doc = cli_json("eval", "m = X.mean(0); s = X.sum()", "--at", f"X=@{path}")
    np.testing.assert_allclose(doc["outputs"]["m"], X.mean(0), rtol=1e-12)
    np.testing.assert_allclose(doc["outputs"]["s"], X.sum(), rtol=1e-12)
    plain = tmp_path / "plain.csv"
    np.savetxt(plain, X, delimiter=",")
    assert cli_json("eval", "m = X.mean(0)", "--at", f"X=@{plain}")["outputs"]["m"] == doc["outputs"]["m"]


def test_a_header_alone_or_a_bad_first_row_is_an_error_that_says_so(tmp_path):
    (tmp_path / "h.csv").write_text("a,b\n")
    proc = cli("eval", "y = X * 1", "--at", f"X=@{tmp_path / 'h.csv'}", "--json")
    assert proc.returncode == 2
    assert "holds no numbers (only a header row)" in json.loads(proc.stderr)["error"]["message"]
    (tmp_path / "bad.csv").write_text("1,b\n3,4\n")  # a number in it: data with a typo, not a header
    proc = cli("eval", "y = X * 1", "--at", f"X=@{tmp_path / 'bad.csv'}", "--json")
    assert proc.returncode == 2 and "bad.csv" in proc.stderr


def test_eval_takes_wrt_like_the_other_commands():
    doc = cli_json("eval", "y = x * w", "--at", "x=2,w=3", "--wrt", "w")
    assert doc["outputs"] == {"y": 6.0}
    proc = cli("eval", "y = x * w", "--at", "x=2,w=3", "--wrt", "q", "--json")
    assert proc.returncode == 2
    assert "'q' is not an input of the program (inputs: x, w)" in proc.stderr


def test_graph_without_at_draws_the_structure_with_shapes_unknown():
    proc = cli("graph", "y = tanh(W @ x + b)")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "no --at for W, x, b" in " ".join(out.split())
    assert "y = tanh(t2)  shape ?" in out and "t1 = W @ x  shape ?" in out
    for leaf in ("W", "x", "b"):
        assert f"{leaf}  AccumulateGrad  leaf, requires_grad  shape ?" in out
    doc = cli_json("graph", "y = tanh(W @ x + b)")
    assert doc["shapes_known"] is False
    assert ["W", "t1"] in doc["edges"] and ["t2", "y"] in doc["edges"]
