"""Sparse Jacobians: the pattern from the graph, colouring, compressed seeds, decompression.

Each program's sparse Jacobian (every mode) is scattered back into a matrix and
compared with the dense one, which test_ops checks against central differences;
the pattern must hold every nonzero of the dense Jacobian.
"""
from __future__ import annotations


import numpy as np
import pytest

from gradcli.core import sparsity
from gradcli.api import Computation

from conftest import cli, cli_json

PROGRAMS = [
    ("y = sin(x) * x + x ** 2", {"x": (7,)}),
    ("y = x[1:] * x[:-1] - x[2:].sum() * 0.1 + 0 * x[:-1]", {"x": (8,)}),     # banded + a column
    ("y = M * v", {"M": (4, 3), "v": (3,)}),                                    # broadcasting
    ("y = M.sum(1); z = M.amax(0) + M.mean()", {"M": (4, 3)}),                  # reductions
    ("y = softmax(M, dim=1); z = log_softmax(M, 0)", {"M": (3, 4)}),
    ("y = M @ v; z = v @ N; w = M @ N", {"M": (3, 2), "v": (2,), "N": (2, 4)}),
    ("y = cat([x, x[::2] ** 2]); z = stack([x, x.exp()], 1)", {"x": (5,)}),
    ("b = zeros(3, 3); b[0] = x; b[1, 1:] = x[:2] * x[2]; y = b.T.reshape(9)", {"x": (3,)}),
    ("y = (M.prod(0) + M.norm(dim=0)) * logsumexp(M, 1).sum()", {"M": (3, 2)}),
    ("y = outer(x, x).flatten(); z = trace(diag(x) @ diag(x))", {"x": (4,)}),
    ("y = x * 2; c = 3.0", {"x": (3,)}),
]


def _values(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return {n: rng.uniform(0.3, 1.2, s) * rng.choice([-1.0, 1.0], s) for n, s in shapes.items()}


def _scatter(sparse) -> np.ndarray:
    out = np.zeros(sparse["shape"])
    out[sparse["row"], sparse["col"]] = sparse["value"]
    return out


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
@pytest.mark.parametrize("program,shapes", PROGRAMS, ids=[p for p, _ in PROGRAMS])
def test_sparse_equals_dense(program, shapes, mode):
    c = Computation(program, _values(shapes))
    dense = c.jacobian("reverse")["matrix"]
    result = c.jacobian(mode, sparse=True)
    sparse = result["sparse"]
    assert sparse["shape"] == list(dense.shape)
    np.testing.assert_allclose(_scatter(sparse), dense, rtol=1e-13, atol=1e-13)
    held = np.zeros(dense.shape, dtype=bool)
    held[sparse["row"], sparse["col"]] = True
    assert not (dense != 0)[~held].any(), "the pattern misses a nonzero"
    assert result["mode"] in ("forward", "reverse") and result["passes"] >= 1
    assert result["rows"] == c.jacobian("reverse")["rows"]


def test_chunked_sparse_passes():
    c = Computation("y = x[1:] * x[:-1]", {"x": np.arange(1.0, 11.0)})
    result = c.jacobian("forward", chunk=1, sparse=True)
    assert result["passes"] == 2  # two colours, one seed per pass
    np.testing.assert_allclose(_scatter(result["sparse"]), c.jacobian()["matrix"])


def test_elementwise_100k_takes_few_passes():
    # Its speed is measured in bench/jacobians.py, not asserted here: test machines are shared.
    x = np.random.default_rng(1).standard_normal(100_000)
    c = Computation("y = sin(x) * x + x ** 2", {"x": x})
    result = c.jacobian(sparse=True)
    sparse = result["sparse"]
    assert result["passes"] < 5
    np.testing.assert_array_equal(sparse["row"], np.arange(x.size))
    np.testing.assert_array_equal(sparse["col"], np.arange(x.size))
    np.testing.assert_allclose(sparse["value"], np.cos(x) * x + np.sin(x) + 2 * x, rtol=1e-14)


def test_the_dense_limit_does_not_apply_to_sparse():
    x = np.linspace(0.1, 1, 20_000)  # dense: 4e8 elements, over the 1e8 limit
    with pytest.raises(Exception, match="over the limit"):
        Computation("y = x.exp()", {"x": x}).jacobian()
    result = Computation("y = x.exp()", {"x": x}).jacobian(sparse=True)
    np.testing.assert_allclose(result["sparse"]["value"], np.exp(x))


def test_row_colouring_for_a_dense_row():
    # y depends on every x through one sum: columns all clash, rows do not
    c = Computation("y = x * x.sum()", {"x": np.arange(1.0, 31.0)})
    result = c.jacobian("auto", sparse=True)
    assert result["passes"] == 1
    np.testing.assert_allclose(_scatter(result["sparse"]), c.jacobian()["matrix"])


@pytest.mark.parametrize("seed", range(5))
def test_greedy_colouring_is_valid(seed):
    rng = np.random.default_rng(seed)
    dense = rng.random((30, 40)) < 0.1
    rows, cols = np.nonzero(dense)
    p = sparsity.Pattern.from_pairs(rows, cols, dense.shape)
    for colour in (sparsity.colour_columns(p), sparsity._greedy(p)):
        for r in range(dense.shape[0]):
            used = colour[np.nonzero(dense[r])[0]]
            assert len(set(used.tolist())) == used.size
        assert colour.max() < 40


def test_cli_sparse_json_and_save(tmp_path):
    path = tmp_path / "s.npz"
    doc = cli_json("jacobian", "y = x[1:] * x[:-1]", "--at", "x=[1,2,3,4]", "--sparse", "--save", path)
    assert "matrix" not in doc and "jacobian" not in doc
    assert doc["sparse"] == {"shape": [3, 4], "row": [0, 0, 1, 1, 2, 2], "col": [0, 1, 1, 2, 2, 3],
                             "value": [2.0, 1.0, 3.0, 2.0, 4.0, 3.0]}
    assert doc["rows"] == ["y[0]", "y[1]", "y[2]"] and doc["cols"][0] == "x[0]"
    assert doc["passes"] == 1  # two colours, pushed together
    saved = np.load(path)
    np.testing.assert_array_equal(saved["sparse/row"], doc["sparse"]["row"])
    np.testing.assert_array_equal(saved["sparse/col"], doc["sparse"]["col"])
    np.testing.assert_array_equal(saved["sparse/value"], doc["sparse"]["value"])
    assert "matrix" not in saved


def test_cli_sparse_table():
    proc = cli("jacobian", "y = x * 2", "--at", "x=[1,2]", "--sparse")
    assert proc.returncode == 0, proc.stderr
    assert "x[1]" in proc.stdout and "2 nonzeros" in proc.stdout
