"""Sparse Hessians, dense Hessians by colouring, and Hessians of tensor outputs.

References are independent of what they check: the dense forward-over-reverse Hessian (itself
checked against central differences and PyTorch elsewhere) for the sparse one, the analytic
tridiagonal Rosenbrock Hessian, hand-derived second derivatives, and torch.func.hessian where
PyTorch is installed.
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest

from gradcli.api import Computation
from gradcli.core import backend, engine, hessian_sparsity, ops, sparsity
from gradcli.core.tensor import Tensor
from gradcli.lang.functions import FUNCTIONS
from gradcli.lang.program import Program

from conftest import cli, cli_json, sample_values

ROSENBROCK = "f = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()"


def rosenbrock_hessian(x):
    """The tridiagonal Hessian, by hand: (diagonal, superdiagonal)."""
    diag = np.zeros(x.size)
    diag[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    return diag, -400 * x[:-1]


def _scatter(sparse) -> np.ndarray:
    out = np.zeros(sparse["shape"])
    out[sparse["row"], sparse["col"]] = sparse["value"]
    return out


# -- every function's sample: the pattern holds every nonzero, the colouring recovers it exactly ----

SAMPLES = sorted({s for fn in FUNCTIONS.values() for s in fn.samples if "detach" not in s}) + [
    "out = x[0] * M[:, 1] + M[-1] - M[1:3, ::2].sum()",
    "b = zeros(3, 3); b[0] = x; b[1, 1:] = y[:2] * x[0]; out = b * M",
    "out = (x[None, :] @ M[:, ::2]) * y[1:] + x[::-1][..., 0]",
    "out = (M @ N) * (x @ M) + y @ N @ x",
]


def _scalar(c: Computation, rng) -> Tensor:
    """A scalar that carries each output's own second derivatives (a random weighted sum) and
    their products (a sum of squares)."""
    total = None
    for out in c.outputs.values():
        w = Tensor(backend.from_numpy(rng.standard_normal(out.shape), c.dtype))
        term = out * w + out * out * 0.5
        term = ops.reduce("sum", term, tuple(range(-term.nd, 0)), False) if term.nd else term
        total = term if total is None else total + term
    return total


@pytest.mark.parametrize("sample", SAMPLES, ids=[s[6:] for s in SAMPLES])
def test_sparse_hessian_of_every_sample_equals_the_dense_one(sample):
    program = Program(sample)
    seed = zlib.crc32(sample.encode())
    values = sample_values(program.input_names, seed)
    with np.errstate(all="ignore"):
        c = Computation(program, values)
        if not all(np.isfinite(v).all() for v in c.evaluate()["outputs"].values()):
            c = Computation(program, sample_values(program.input_names, seed, signed=False))
    f = _scalar(c, np.random.default_rng(seed))
    if f is None or not f.requires_grad:
        pytest.skip("constant")
    leaves = c.wrt_leaves()
    grads = [engine.fit(g, leaf.shape) if g is not None else Tensor(np.zeros(leaf.shape))
             for g, leaf in zip(engine.gradient_graph(f, leaves), leaves)]
    dense = backend.to_numpy(engine.hessian_forward(grads, leaves)[0])
    pattern = hessian_sparsity.pattern(f, leaves)
    held = pattern.dense()
    assert not (dense != 0)[~held].any(), f"{sample}: the pattern misses a nonzero"
    np.testing.assert_array_equal(held, held.T)
    rows, cols, values_, colours, passes = engine.hessian_sparse(f, grads, leaves, pattern=pattern)
    got = np.zeros(dense.shape)
    got[rows, cols] = values_
    np.testing.assert_allclose(got, dense, rtol=1e-12, atol=1e-12, err_msg=sample)
    assert colours <= dense.shape[0] and passes >= (1 if colours else 0)


# -- the 100,000-dimensional Rosenbrock function ------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 10, 1000])
def test_sparse_rosenbrock_is_exact_in_three_colours(n):
    x = np.random.default_rng(n).uniform(-2, 2, n)
    result = Computation(ROSENBROCK, {"x": x}).hessian(sparse=True)
    diag, off = rosenbrock_hessian(x)
    want = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    np.testing.assert_allclose(_scatter(result["sparse"]), want, rtol=1e-13, atol=1e-10)
    assert len(result["sparse"]["value"]) == 3 * n - 2  # the tridiagonal band, nothing more
    assert result["colours"] <= 3 and result["passes"] == 1
    assert result["rows"] == result["cols"] == [f"x[{i}]" for i in range(n)]


def test_sparse_rosenbrock_100000_dimensions():
    x = np.random.default_rng(0).uniform(-2, 2, 100_000)
    result = Computation(ROSENBROCK, {"x": x}).sparse_hessian()
    sparse = result["sparse"]
    assert result["passes"] <= 6 and sparse["shape"] == [100_000, 100_000]
    rows, cols, values = sparse["row"], sparse["col"], sparse["value"]
    assert values.size == 3 * 100_000 - 2
    diag, off = rosenbrock_hessian(x)
    on = rows == cols
    np.testing.assert_array_equal(rows[on], np.arange(100_000))
    np.testing.assert_allclose(values[on], diag, rtol=1e-13, atol=1e-10)  # round-off: 1200 x^2 - 400 y
    up = cols == rows + 1
    np.testing.assert_allclose(values[up], off, rtol=1e-15)
    np.testing.assert_allclose(values[cols == rows - 1], off, rtol=1e-15)


def test_dense_hessian_uses_the_colouring_when_it_pays_and_agrees():
    x = np.random.default_rng(1).uniform(-2, 2, 1000)
    c = Computation(ROSENBROCK, {"x": x})
    coloured, plain = c.hessian(), c.hessian(colouring=False)
    diag, off = rosenbrock_hessian(x)
    want = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    np.testing.assert_allclose(coloured["matrix"], want, rtol=1e-13, atol=1e-10)
    np.testing.assert_allclose(plain["matrix"], coloured["matrix"], rtol=1e-12, atol=1e-10)
    np.testing.assert_array_equal(coloured["hessian"]["x"]["x"], coloured["matrix"])
    assert coloured["passes"] == 1  # three colours, together
    largest = 1000  # the gradient's nodes: x and its gradient
    assert plain["passes"] == -(-1000 // (engine.CACHE_ELEMENTS // largest))  # cache-sized batches


def test_dense_hessian_of_a_dense_pattern_keeps_forward_over_reverse():
    rng = np.random.default_rng(2)
    x, W = rng.standard_normal(80), rng.standard_normal((80, 80)) / 10
    c = Computation("f = (tanh(W @ x) * x).sum()", {"x": x, "W": W}, wrt="x")
    h = c.hessian()["matrix"]
    np.testing.assert_allclose(h, c.hessian(colouring=False)["matrix"], rtol=0, atol=0)
    np.testing.assert_allclose(h, c.hessian(colouring=True)["matrix"], rtol=1e-12, atol=1e-12)
    # by hand: f = sum t_i x_i with t = tanh(W x)
    t = np.tanh(W @ x)
    s = 1 - t * t
    want = (W.T * s) + (W.T * s).T + W.T @ np.diag(-2 * t * s * x) @ W
    np.testing.assert_allclose(h, want, rtol=1e-10, atol=1e-12)


def test_sparse_hessian_of_several_inputs_and_a_constant():
    c = Computation("f = (x * x * w).sum() + w ** 3 + (q * 2).sum()", {"x": [1.0, 2.0], "w": 2.0, "q": [1.0]})
    result = c.hessian(sparse=True)
    np.testing.assert_array_equal(_scatter(result["sparse"])[:3, :3],
                                  [[4, 0, 2], [0, 4, 4], [2, 4, 12]])
    assert not _scatter(result["sparse"])[3].any()  # q enters linearly: no entries
    constant = Computation("f = (x * 2).sum()", {"x": [1.0, 2.0]}).hessian(sparse=True)
    assert constant["sparse"]["value"].size == 0 and constant["passes"] == 0


# -- the colouring ------------------------------------------------------------------------------------

def _symmetric(dense) -> sparsity.Pattern:
    rows, cols = np.nonzero(dense | dense.T)
    return sparsity.Pattern.from_pairs(rows, cols, dense.shape)


def _is_star(dense, colour) -> bool:
    """Every path on 4 vertices has 3 colours, adjacent vertices differ: checked by brute force."""
    n = dense.shape[0]
    adj = [set(np.nonzero(dense[v])[0]) - {v} for v in range(n)]
    for v in range(n):
        for w in adj[v]:
            if colour[v] == colour[w]:
                return False
            for x in adj[w] - {v}:
                for y in adj[x] - {w, v}:
                    if colour[v] == colour[x] and colour[w] == colour[y]:
                        return False
    return True


@pytest.mark.parametrize("seed", range(8))
def test_star_colourings_are_star_colourings(seed):
    rng = np.random.default_rng(seed)
    n = 40
    dense = rng.random((n, n)) < 0.08
    dense = dense | dense.T | np.eye(n, dtype=bool)
    p = _symmetric(dense)
    for colour in (hessian_sparsity.colour(p), hessian_sparsity.greedy_star(p)):
        assert _is_star(dense, colour)
        assert hessian_sparsity.symmetric_valid(p, colour)
        assert colour.max() < n


def test_arrowhead_needs_two_colours_not_n():
    n = 200
    dense = np.eye(n, dtype=bool)
    dense[0, :] = dense[:, 0] = True
    colour = hessian_sparsity.colour(_symmetric(dense))
    assert colour.max() + 1 == 2
    # and the engine recovers an arrowhead Hessian exactly from two products
    x = np.random.default_rng(3).uniform(0.5, 1.5, n)
    c = Computation("f = (x[0] * x[1:] ** 2).sum() + (x ** 3).sum()", {"x": x})
    result = c.hessian(sparse=True)
    assert result["colours"] == 2
    want = np.diag(6 * x)
    want[1:, 1:] += np.diag(2 * x[0] * np.ones(n - 1))
    want[0, 1:] = want[1:, 0] = 2 * x[1:]
    np.testing.assert_allclose(_scatter(result["sparse"]), want, rtol=1e-13)


@pytest.mark.parametrize("work", [hessian_sparsity.GREEDY_WORK, 0])
def test_colouring_without_a_cyclic_one_is_greedy_or_one_colour_each(monkeypatch, work):
    monkeypatch.setattr(hessian_sparsity, "GREEDY_WORK", work)
    rng = np.random.default_rng(11)
    n = 120
    dense = rng.random((n, n)) < 0.03
    dense = dense | dense.T | np.eye(n, dtype=bool)
    p = _symmetric(dense)
    colour = hessian_sparsity.colour(p)
    assert _is_star(dense, colour) and hessian_sparsity.symmetric_valid(p, colour)
    if work == 0:
        np.testing.assert_array_equal(colour, np.arange(n))
    else:
        assert colour.max() + 1 < n // 3


def test_a_hub_gets_a_colour_of_its_own_beside_a_band():
    x = np.random.default_rng(4).uniform(0.5, 1.5, 5000)
    c = Computation("f = (x[0] * x[1:] ** 2).sum() + (x[1:] * x[:-1]).sum() + (x ** 3).sum()", {"x": x})
    result = c.hessian(sparse=True)
    assert result["colours"] == 4  # the centre, and three for the band
    want = np.diag(6 * x) + np.diag(np.ones(x.size - 1), 1) + np.diag(np.ones(x.size - 1), -1)
    want[1:, 1:] += np.diag(2 * x[0] * np.ones(x.size - 1))
    want[0, 1:] += 2 * x[1:]
    want[1:, 0] += 2 * x[1:]
    got = _scatter(result["sparse"])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-12)


def test_a_pattern_too_dense_for_the_budget():
    x = np.arange(1.0, 301.0)
    c = Computation("f = (x * x.sum()).sum()", {"x": x})
    with pytest.raises(hessian_sparsity.TooDense):
        hessian_sparsity.pattern(c.outputs["f"], c.wrt_leaves(), budget=1000, strict=False)
    from gradcli.errors import GradcliError
    with pytest.raises(GradcliError, match="too dense for --sparse"):
        hessian_sparsity.pattern(c.outputs["f"], c.wrt_leaves(), budget=1000)


# -- Hessians of tensor outputs -----------------------------------------------------------------------

def test_hessian_of_a_vector_output_by_hand():
    x = np.array([1.5, -2.0, 0.5])
    result = Computation("y = x ** 3 * x[0]; z = (x * x).sum()", {"x": x}).hessian()
    y = result["hessian"]["y"]["x"]["x"]
    assert y.shape == (3, 3, 3)
    want = np.zeros((3, 3, 3))
    for k in range(3):  # y_k = x_k^3 x_0
        want[k, k, k] += 6 * x[k] * x[0]
        want[k, k, 0] += 3 * x[k] ** 2
        want[k, 0, k] += 3 * x[k] ** 2
    want[0] = 0
    want[0, 0, 0] = 12 * x[0] ** 2
    np.testing.assert_allclose(y, want, rtol=1e-13)
    np.testing.assert_allclose(result["hessian"]["z"]["x"]["x"], 2 * np.eye(3))
    assert result["matrix"].shape == (4, 3, 3)
    np.testing.assert_array_equal(result["matrix"][:3], want)
    assert result["elements"] == ["y[0]", "y[1]", "y[2]", "z"]
    assert result["rows"] == result["cols"] == ["x[0]", "x[1]", "x[2]"]


def test_hessian_of_tensor_outputs_matches_torch_func_hessian():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    values = {"M": rng.standard_normal((2, 3)), "v": rng.standard_normal(3)}
    c = Computation("Y = tanh(M * v) @ v.reshape(3, 1) + M.sum() * v[0]", values)
    got = c.hessian()["hessian"]["Y"]

    def f(M, v):
        return torch.tanh(M * v) @ v.reshape(3, 1) + M.sum() * v[0]

    primals = tuple(torch.tensor(values[n], dtype=torch.float64) for n in ("M", "v"))
    want = torch.func.hessian(f, argnums=(0, 1))(*primals)
    for i, a in enumerate(("M", "v")):
        for j, b in enumerate(("M", "v")):
            assert got[a][b].shape == tuple(want[i][j].shape)
            np.testing.assert_allclose(got[a][b], want[i][j].numpy(), rtol=1e-12, atol=1e-13)


def test_scalar_hessian_layout_is_unchanged_for_one_element_outputs():
    result = Computation("y = (x * x).sum().reshape(1)", {"x": [1.0, 2.0]}).hessian()
    assert "elements" not in result
    np.testing.assert_array_equal(result["matrix"], 2 * np.eye(2))
    assert result["hessian"]["x"]["x"].shape == (2, 2)


# -- the command line ----------------------------------------------------------------------------------

def test_cli_sparse_hessian_json_and_save(tmp_path):
    path = tmp_path / "h.npz"
    doc = cli_json("hessian", "f = (x[1:] * x[:-1] ** 2).sum()", "--at", "x=[1,2,3]", "--sparse",
                   "--save", path)
    assert "matrix" not in doc and "hessian" not in doc
    # f = x1 x0^2 + x2 x1^2
    assert doc["sparse"] == {"shape": [3, 3], "row": [0, 0, 1, 1, 1, 2], "col": [0, 1, 0, 1, 2, 1],
                             "value": [4.0, 2.0, 2.0, 6.0, 4.0, 4.0]}
    assert doc["passes"] == 1 and doc["colours"] == 2
    assert doc["rows"] == doc["cols"] == ["x[0]", "x[1]", "x[2]"]
    saved = np.load(path)
    for key in ("row", "col", "value"):
        np.testing.assert_array_equal(saved[f"sparse/{key}"], doc["sparse"][key])
    assert "matrix" not in saved


def test_cli_sparse_hessian_table():
    proc = cli("hessian", "f = (x ** 3).sum()", "--at", "x=[1,2]", "--sparse")
    assert proc.returncode == 0, proc.stderr
    assert "Hessian, sparse: 2 nonzeros of 2 x 2" in proc.stdout and "12" in proc.stdout


def test_cli_vector_hessian_json_save_and_table(tmp_path):
    path = tmp_path / "h.npz"
    doc = cli_json("hessian", "y = x ** 3", "--at", "x=[1,2]", "--save", path)
    assert doc["hessian"] == {"y": {"x": {"x": [[[6.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 12.0]]]}}}
    assert doc["matrix"] == doc["hessian"]["y"]["x"]["x"]
    assert doc["elements"] == ["y[0]", "y[1]"] and doc["passes"] == 2
    saved = np.load(path)
    np.testing.assert_array_equal(saved["hessian/y/x/x"], doc["matrix"])
    proc = cli("hessian", "y = x ** 3", "--at", "x=[1,2]")
    assert proc.returncode == 0 and "Hessian of y[1]" in proc.stdout


def test_cli_sparse_hessian_of_a_tensor_output_is_refused():
    proc = cli("hessian", "y = x ** 3", "--at", "x=[1,2]", "--sparse")
    assert proc.returncode == 2 and "needs a scalar output" in proc.stderr


# -- on another array namespace: no hidden trip to NumPy -----------------------------------------------

@pytest.fixture
def strict_device(monkeypatch):
    """array-api-strict on a stand-in device, as tests/test_backend.py sets it up."""
    import test_backend  # noqa: PLC0415
    try:
        name = test_backend._select("strict")
        test_backend._refuse_scalars(monkeypatch, __import__("sys").modules["array_api_strict._array_object"])
        yield name
    finally:
        backend.use("cpu")


def test_second_and_higher_order_on_a_strict_namespace(strict_device):
    x = np.random.default_rng(6).uniform(-2, 2, 300)
    on_device = Computation(ROSENBROCK, {"x": x}, device=strict_device)
    sparse = on_device.hessian(sparse=True)["sparse"]
    coloured = on_device.hessian()["matrix"]  # 300 elements: the colouring pays
    vector = Computation("y = x ** 3 * x[0]", {"x": x[:4]}, device=strict_device).hessian()["matrix"]
    higher = Computation("y = sin(x) * x", {"x": x[:5]}, device=strict_device).derivative(4)
    backend.use("cpu")
    diag, off = rosenbrock_hessian(x)
    want = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    np.testing.assert_allclose(_scatter(sparse), want, rtol=1e-13, atol=1e-10)
    assert type(coloured) is np.ndarray
    np.testing.assert_allclose(coloured, want, rtol=1e-13, atol=1e-10)
    np.testing.assert_allclose(vector, Computation("y = x ** 3 * x[0]", {"x": x[:4]}).hessian()["matrix"],
                               rtol=1e-14)
    s, c, v = np.sin(x[:5]), np.cos(x[:5]), x[:5]
    want4 = np.stack([c * v + s, 2 * c - s * v, -3 * s - c * v, -4 * c + s * v])
    np.testing.assert_allclose(higher["derivatives"]["y"], want4, rtol=1e-13, atol=1e-14)
