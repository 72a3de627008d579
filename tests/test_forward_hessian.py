"""Forward mode (jvp), Hessians and the Jacobian's mode choice, through the API and the CLI.

References are independent of the engine: central differences along the tangent,
the reverse-mode VJP for <v, J u> = <J^T v, u>, the analytic Rosenbrock Hessian,
and torch.autograd.functional.hessian when PyTorch is installed.
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest

from gradcli.api import Computation
from gradcli.lang.functions import FUNCTIONS

from conftest import cli, cli_json, sample_values

# Central differences see values, not where a gradient stops: detach is checked in test_ops.
SAMPLES = [s for fn in FUNCTIONS.values() for s in fn.samples if "detach" not in s]


def _flat(outputs: dict) -> np.ndarray:
    return np.concatenate([np.ravel(v) for v in outputs.values()])


def _finite_values(program, sample):
    """Signed values, unless the sample leaves its domain with them (log(M * 0.5))."""
    seed = zlib.crc32(sample.encode())
    values = sample_values(program.input_names, seed)
    with np.errstate(all="ignore"):
        outs = Computation(program, values).evaluate()["outputs"]
    if all(np.isfinite(v).all() for v in outs.values()):
        return values
    return sample_values(program.input_names, seed, signed=False)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s[6:] for s in SAMPLES])
def test_jvp_api_matches_central_differences_and_the_vjp(sample, program_cache):
    program = program_cache(sample)
    if not program.input_names:
        pytest.skip("no inputs")
    values = _finite_values(program, sample)
    rng = np.random.default_rng(zlib.crc32(sample.encode()) + 1)
    u = {n: rng.standard_normal(np.shape(v)) for n, v in values.items()}
    c = Computation(program, values)
    jvp = _flat(c.jvp(u)["jvp"])

    eps = 1e-6
    plus = Computation(program, {n: values[n] + eps * u[n] for n in values}).evaluate()["outputs"]
    minus = Computation(program, {n: values[n] - eps * u[n] for n in values}).evaluate()["outputs"]
    fd = (_flat(plus) - _flat(minus)) / (2 * eps)
    np.testing.assert_allclose(jvp, fd, rtol=1e-5, atol=1e-5)

    v = rng.standard_normal(jvp.size)
    vjp = c.backward([v])["grad"]
    lhs = float(v @ jvp)
    rhs = float(sum(np.sum(vjp[n] * u[n]) for n in values))
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)


# -- the jvp command ------------------------------------------------------------------------

PROGRAM = "y = sin(x) * w; z = (x * x).sum() * w"
AT = ["--at", "x=[1,2,3],w=0.5"]


def _expected(dx, dw):
    x, w = np.array([1.0, 2.0, 3.0]), 0.5
    return {"y": np.cos(x) * dx * w + np.sin(x) * dw,
            "z": 2 * np.sum(x * dx) * w + np.sum(x * x) * dw}


@pytest.mark.parametrize("tangent", [
    ["--tangent", "1,0,2,3"],                      # flat over x then w
    ["--tangent", "[1,0,2,3]"],
    ["--tangent", "x=[1,0,2]", "--tangent", "w=3"],  # one per input
    ["--tangent", "x=1,0,2", "--tangent", "w=1", "--tangent", "w=2"],  # repeated: summed
])
def test_jvp_command_tangent_forms(tangent):
    doc = cli_json("jvp", PROGRAM, *AT, *tangent)
    want = _expected(np.array([1.0, 0.0, 2.0]), 3.0)
    np.testing.assert_allclose(doc["jvp"]["y"], want["y"], rtol=1e-12)
    assert doc["jvp"]["z"] == pytest.approx(want["z"], rel=1e-12)
    assert doc["outputs"]["z"] == pytest.approx(7.0)
    assert doc["tangent"] == {"x": [1.0, 0.0, 2.0], "w": 3.0}


def test_jvp_unnamed_inputs_get_zero_and_wrt_orders_the_flat_tangent():
    doc = cli_json("jvp", PROGRAM, *AT, "--tangent", "w=1")
    np.testing.assert_allclose(doc["jvp"]["y"], np.sin([1.0, 2.0, 3.0]), rtol=1e-12)
    doc = cli_json("jvp", PROGRAM, *AT, "--wrt", "w,x", "--tangent", "3,1,0,2")
    assert doc["jvp"]["z"] == pytest.approx(_expected(np.array([1.0, 0.0, 2.0]), 3.0)["z"])


def test_jvp_nested_tangent_for_one_input_and_save(tmp_path):
    path = tmp_path / "j.npz"
    doc = cli_json("jvp", "y = M @ M", "--at", "M=[[1,2],[3,4]]", "--tangent", "[[0,1],[0,0]]",
                   "--save", path)
    M, dM = np.array([[1.0, 2], [3, 4]]), np.array([[0.0, 1], [0, 0]])
    np.testing.assert_allclose(doc["jvp"]["y"], dM @ M + M @ dM)
    saved = np.load(path)
    np.testing.assert_allclose(saved["jvp/y"], dM @ M + M @ dM)


@pytest.mark.parametrize("args,words", [
    (["--tangent", "1,2"], "has 2 values"),
    (["--tangent", "q=1"], "not a differentiated input"),
    ([], "jvp needs a tangent"),
])
def test_jvp_bad_tangents_exit_2(args, words):
    proc = cli("jvp", PROGRAM, *AT, *args)
    assert proc.returncode == 2
    assert words in proc.stderr and "Traceback" not in proc.stderr


def test_jvp_of_a_scalar_input_needs_no_tangent():
    doc = cli_json("jvp", "y = x ** 3", "--at", "x=2")
    assert doc["jvp"]["y"] == pytest.approx(12.0)


# -- Hessians ---------------------------------------------------------------------------------

ROSENBROCK = "f = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()"


def rosenbrock_hessian(x):
    n = x.size
    diag = np.zeros(n)
    diag[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    off = -400 * x[:-1]
    return np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)


def test_rosenbrock_hessian_1000_dims_matches_the_analytic_one():
    x = np.random.default_rng(1).uniform(-2, 2, 1000)
    result = Computation(ROSENBROCK, {"x": x}).hessian()
    want = rosenbrock_hessian(x)
    np.testing.assert_allclose(result["matrix"], want, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(result["hessian"]["x"]["x"], want, rtol=1e-12, atol=1e-9)
    assert result["passes"] == 1


def test_hvp_equals_hessian_times_v():
    x = np.random.default_rng(2).uniform(-2, 2, 50)
    v = np.random.default_rng(3).standard_normal(50)
    hvp = Computation(ROSENBROCK, {"x": x}).hessian(tangent={"x": v})["hvp"]["x"]
    np.testing.assert_allclose(hvp, rosenbrock_hessian(x) @ v, rtol=1e-12, atol=1e-9)


MIXED = "f = (tanh(W @ x) * x).sum() + logsumexp(sin(x) * x) + (exp(x) * 0.01).sum() * (x ** 2).mean()"


def test_hessian_200_parameters_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, W = rng.standard_normal(200), rng.standard_normal((200, 200)) / 10
    got = Computation(MIXED, {"x": x, "W": W}, wrt="x").hessian()["matrix"]
    Wt = torch.tensor(W, dtype=torch.float64)

    def f(x):
        return ((torch.tanh(Wt @ x) * x).sum() + torch.logsumexp(torch.sin(x) * x, 0)
                + (torch.exp(x) * 0.01).sum() * (x ** 2).mean())

    want = torch.autograd.functional.hessian(f, torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


def test_hessian_command_blocks_and_save(tmp_path):
    path = tmp_path / "h.npz"
    doc = cli_json("hessian", "f = (x * x * w).sum() + w ** 3", "--at", "x=[1,2],w=2", "--save", path)
    assert doc["hessian"]["x"]["x"] == [[4.0, 0.0], [0.0, 4.0]]
    assert doc["hessian"]["x"]["w"] == [2.0, 4.0] == doc["hessian"]["w"]["x"]
    assert doc["hessian"]["w"]["w"] == 12.0
    assert doc["matrix"] == [[4, 0, 2], [0, 4, 4], [2, 4, 12]]
    assert doc["rows"] == doc["cols"] == ["x[0]", "x[1]", "w"]
    saved = np.load(path)
    np.testing.assert_array_equal(saved["hessian/x/w"], [2.0, 4.0])
    np.testing.assert_array_equal(saved["matrix"], doc["matrix"])


def test_hessian_command_tangent_gives_hvp():
    doc = cli_json("hessian", "f = (x * x * w).sum() + w ** 3", "--at", "x=[1,2],w=2",
                   "--tangent", "1,0,1")
    H = np.array([[4, 0, 2], [0, 4, 4], [2, 4, 12]])
    want = H @ np.array([1.0, 0, 1])
    assert doc["hvp"] == {"x": list(want[:2]), "w": want[2]}
    assert "matrix" not in doc


def test_hessian_of_a_linear_function_is_zero():
    doc = cli_json("hessian", "f = (x * 3).sum()", "--at", "x=[1,2]")
    assert doc["matrix"] == [[0, 0], [0, 0]]


@pytest.mark.parametrize("option", [["--sparse"], ["--tangent", "1,1"]])
@pytest.mark.parametrize("program,words", [
    ("y = x * x", "needs a scalar output"),
    ("a = x.sum(); b = x.prod()", "needs one scalar output"),
])
def test_sparse_hessian_and_hvp_need_one_scalar_output(program, words, option):
    # the dense Hessian of a tensor output is one Hessian per element (test_hessians.py)
    proc = cli("hessian", program, "--at", "x=[1,2]", "--json", *option)
    assert proc.returncode == 2
    assert words in proc.stderr and "Traceback" not in proc.stderr


# -- Jacobian modes ---------------------------------------------------------------------------

TALL_OR_WIDE = "y = (W @ x).sin() * 2"  # W: (2000, 10) tall, (10, 2000) wide


@pytest.mark.parametrize("m,n,mode", [(2000, 10, "forward"), (10, 2000, "reverse")])
def test_auto_mode_picks_the_cheaper_side(m, n, mode):
    rng = np.random.default_rng(5)
    values = {"W": rng.standard_normal((m, n)), "x": rng.standard_normal(n)}
    c = Computation(TALL_OR_WIDE, values, wrt="x")
    auto = c.jacobian("auto")
    assert auto["mode"] == mode and auto["passes"] == 1
    other = c.jacobian("reverse" if mode == "forward" else "forward")
    np.testing.assert_allclose(auto["matrix"], other["matrix"], rtol=1e-12, atol=1e-12)
    want = 2 * np.cos(values["W"] @ values["x"])[:, None] * values["W"]
    np.testing.assert_allclose(auto["matrix"], want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode,chunk,passes", [("reverse", 1, 6), ("reverse", 4, 2), ("forward", 1, 4),
                                               ("forward", 2, 3), ("forward", None, 2)])
def test_passes_count_chunks_per_block(mode, chunk, passes):
    # outputs: a (2,) and b (4,); wrt: x (3,) and s (): forward needs 1 pass per input at least
    c = Computation("a = x[:2] * s; b = cat([x, s.reshape(1)]) ** 2", {"x": [1.0, 2, 3], "s": 2.0})
    result = c.jacobian(mode, chunk=chunk)
    assert result["passes"] == passes
    want = c.jacobian("reverse", chunk=1)["matrix"]
    np.testing.assert_allclose(result["matrix"], want, rtol=1e-14)
