"""The engine on other array namespaces: every op sample, with no hidden trip to NumPy.

By default the namespace is array-api-strict with every array made on its
'device1', a stand-in for a GPU: `numpy.asarray` of such an array raises, and
mixing it with a NumPy array or with an array of another device raises, as
CuPy does. So if any rule, the engine or the API converts a device array to
NumPy behind `backend.to_numpy`'s back, or builds an array on the host and
mixes it in, the sample fails here on a machine without a GPU.

GRADCLI_TEST_NAMESPACE=cupy runs the same tests on CuPy (skipped without a
GPU); bench/gpu.py does that on a GPU machine.
"""
from __future__ import annotations

import functools
import inspect
import os
import re
import sys
import types

import numpy as np
import pytest

from gradcli.core import backend, engine, ops
from gradcli.api import Computation
from gradcli.errors import GradcliError
from gradcli.lang.functions import FUNCTIONS
from gradcli.lang.program import Program
from gradcli.core.tensor import Tensor

SHAPES = {"x": (3,), "y": (3,), "M": (3, 3), "N": (3, 3), "s": ()}
NAMESPACE = os.environ.get("GRADCLI_TEST_NAMESPACE", "strict")
# rtol, atol against NumPy: the strict stand-in computes with NumPy; a GPU's math library and
# summation order differ by a few units in the last place.
TOLERANCE = {"float64": (1e-9, 1e-11) if NAMESPACE == "cupy" else (1e-10, 1e-12),
             "float32": (1e-4, 1e-5) if NAMESPACE == "cupy" else (2e-5, 1e-6)}


class OnDevice:
    """A namespace whose creation functions make arrays on one device unless told otherwise."""

    CREATION = frozenset({"arange", "asarray", "empty", "eye", "full", "linspace", "ones", "zeros"})

    def __init__(self, namespace, device, name):
        self._namespace, self._device, self.__name__ = namespace, device, name

    def __getattr__(self, attr):
        value = getattr(self._namespace, attr)
        if attr in self.CREATION:
            return functools.partial(_on_device, value, self._device)
        return value


def _on_device(_create, _device, /, *args, **kwargs):
    kwargs.setdefault("device", _device)
    return _create(*args, **kwargs)


def _select(name: str) -> str:
    """Make `name` the current namespace; returns the device string Computation gets."""
    if name == "strict":
        strict = pytest.importorskip("array_api_strict")
        backend.use_namespace(OnDevice(strict, strict.Device("device1"), "array_api_strict"),
                              "strict:device1")
        return "strict:device1"
    if name == "cupy":
        pytest.importorskip("cupy")
        try:
            backend.use("cuda")
        except GradcliError as exc:
            pytest.skip(exc.message)
        return "cuda"
    if name == "numpy":
        backend.use("cpu")
        return "cpu"
    raise ValueError(f"GRADCLI_TEST_NAMESPACE={name!r}: use strict, cupy or numpy")


def _refuse_scalars(monkeypatch, strict):
    """float(), int(), bool() of a device1 array: a silent device-to-host sync on CuPy. Refuse them."""
    for method in ("__float__", "__int__", "__bool__", "__index__", "__complex__"):
        original = getattr(strict.Array, method)

        def refuse(self, _original=original, _method=method):
            if self.device != strict.CPU_DEVICE:
                raise RuntimeError(f"{_method} of an array on {self.device}: "
                                   "a hidden copy to the host")
            return _original(self)
        monkeypatch.setattr(strict.Array, method, refuse)


@pytest.fixture
def device(monkeypatch):
    try:
        name = _select(NAMESPACE)
        if NAMESPACE == "strict":
            _refuse_scalars(monkeypatch, sys.modules["array_api_strict._array_object"])
        yield name
    finally:
        backend.use("cpu")


def _values(names, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for name in names:
        v = rng.uniform(0.3, 1.2, size=SHAPES[name]) * rng.choice([-1.0, 1.0], size=SHAPES[name])
        out[name] = np.asarray(v, dtype=np.float64)
    return out


SAMPLES = [pytest.param(text, id=f"{name}: {text}") for name, fn in FUNCTIONS.items()
           for text in fn.samples]


def _everything(text: str, device: str, dtype: str = "float64") -> dict:
    """Outputs, VJP, JVP, both Jacobians, the sparse one, and Hessians, as NumPy arrays."""
    program = Program(text)
    values = _values(program.input_names)
    c = Computation(program, values, device=device, dtype=dtype)
    result = c.evaluate()  # inputs and outputs
    weights = {n: np.linspace(0.5, 1.5, max(t.size, 1)).reshape(t.shape) for n, t in c.outputs.items()}
    result["grad"] = c.backward([weights])["grad"]
    tangent = {n: np.linspace(-1.0, 0.7, max(t.size, 1)).reshape(t.shape)
               for n, t in zip(c.wrt, c.wrt_leaves())}
    result["jvp"] = c.jvp(tangent)["jvp"]
    result["jacobian_reverse"] = c.jacobian("reverse")["matrix"]
    result["jacobian_forward"] = c.jacobian("forward")["matrix"]
    if "sparse" in inspect.signature(c.jacobian).parameters:
        result["sparse"] = c.jacobian("auto", sparse=True)["sparse"]
    result["hessian_of_weighted_sum"] = _hessian(c, weights)
    if len(c.outputs) == 1 and next(iter(c.outputs.values())).size == 1:
        result["hessian"] = c.hessian()["matrix"]
        result["hvp"] = c.hessian(tangent)["hvp"]
    return result


def _hessian(c: Computation, weights: dict):
    """The Hessian of sum_k <w_k, out_k> by reverse-over-reverse, copied back block by block."""
    leaves = c.wrt_leaves()
    loss = None
    for name, out in c.outputs.items():
        w = Tensor(backend.from_numpy(weights[name], c.dtype))
        term = ops.reduce("sum", out * w, tuple(range(-out.nd, 0)), False)
        loss = term if loss is None else loss + term
    if not loss.requires_grad:
        return None
    grads = [(g, leaf) for g, leaf in zip(engine.gradient_graph(loss, leaves), leaves)
             if g is not None and g.requires_grad]
    if not grads:
        return None
    blocks, _ = engine.jacobian_reverse([g for g, _ in grads], leaves)
    return [[backend.to_numpy(b) for b in row] for row in blocks]


def _assert_close(got, want, what, rtol, atol):
    if isinstance(want, dict):
        assert list(got) == list(want), what
        for k in want:
            _assert_close(got[k], want[k], f"{what}[{k}]", rtol, atol)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), what
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_close(g, w, f"{what}[{i}]", rtol, atol)
    elif want is None or isinstance(want, (int, float, str)):
        assert got == want, what
    else:
        assert type(got) is np.ndarray, f"{what}: {type(got).__name__} came back, not a NumPy array"
        assert got.dtype == want.dtype, f"{what}: {got.dtype}, but {want.dtype} on NumPy"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("text", SAMPLES)
def test_sample_matches_numpy(text, device):
    """Every function sample: the same numbers on the namespace as on NumPy."""
    try:
        got = _everything(text, device)
    finally:
        backend.use("cpu")
    want = _everything(text, "cpu")
    _assert_close(got, want, text, *TOLERANCE["float64"])


@pytest.mark.parametrize("text", SAMPLES)
def test_sample_in_float32(text, device):
    """--dtype float32 stays float32 on the device: no constant or seed sneaks float64 in."""
    try:
        got = _everything(text, device, "float32")
    finally:
        backend.use("cpu")
    want = _everything(text, "cpu", "float32")
    _assert_close(got, want, text, *TOLERANCE["float32"])
    assert all(v.dtype == np.float32 for v in got["outputs"].values()), text


@pytest.mark.skipif(NAMESPACE != "strict", reason="a property of the strict stand-in")
@pytest.mark.parametrize("leak", ["numpy_call", "float", "host_array"])
def test_strict_namespace_catches_a_leak(leak, device, monkeypatch):
    """The stand-in refuses what CuPy would refuse or silently pay for: the suite can fail."""
    sin = ops.PRIMITIVES["sin"]
    leaks = {  # the leak, and what the stand-in says about it
        "numpy_call": (lambda xp, x: np.sin(x), "Can't convert array on the"),
        "float": (lambda xp, x: xp.sin(x) * float(xp.sum(x)), "a hidden copy to the host"),
        "host_array": (lambda xp, x: xp.sin(x) + np.zeros(x.shape), "got <class 'numpy.ndarray'>"),
    }
    forward, message = leaks[leak]
    monkeypatch.setattr(sin, "forward", forward)
    with pytest.raises(Exception, match=re.escape(message)):
        Computation("out = sin(x)", {"x": np.ones(3)}, device=device).evaluate()


def test_values_given_as_text_are_made_on_the_host(device):
    """--at randn(...) / --gradient text: built by NumPy, moved once; same numbers as on NumPy."""
    def run(dev):
        c = Computation("out = sin(x) * w", {"x": "randn(3)", "w": "[1, 2, 3]"}, device=dev, seed=7)
        r = c.backward(["0.5,1,2"])
        return r["outputs"]["out"], r["grad"]["x"], r["grad"]["w"]
    try:
        got = run(device)
    finally:
        backend.use("cpu")
    x = np.random.default_rng(7).standard_normal(3)
    want_out = np.sin(x) * [1, 2, 3]
    for g, w in zip(got, (want_out, np.cos(x) * [1, 2, 3] * [0.5, 1, 2], np.sin(x) * [0.5, 1, 2])):
        assert type(g) is np.ndarray
        np.testing.assert_allclose(g, w, rtol=1e-12)


# -- choosing the device -------------------------------------------------------------------------

def _fake_cupy(monkeypatch, count):
    """A stand-in `cupy` module that reports `count` GPUs (an exception: none, with that error)."""
    used = []

    def get_count():
        if isinstance(count, Exception):
            raise count
        return count

    class Device:
        def __init__(self, index):
            self.index = index

        def use(self):
            used.append(self.index)

    cupy = types.ModuleType("cupy")
    cupy.__version__ = "99.0-fake"
    cupy.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_count),
                                      Device=Device)
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    return cupy, used


def _cli(argv, capsys):
    from gradcli.cli import main
    try:
        code = main(argv)
    finally:
        backend.use("cpu")
    out, err = capsys.readouterr()
    return code, out, err


def test_device_cuda_without_cupy_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ImportError
    code, out, err = _cli(["eval", "y = x * 2", "--at", "x=1", "--device", "cuda"], capsys)
    assert code == 2 and out == ""
    assert "CuPy" in err and "not installed" in err and 'pip install "gradcli[gpu]"' in err
    assert "Traceback" not in err


def test_device_from_the_environment_and_json_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setenv("GRADCLI_DEVICE", "cuda:0")
    code, out, err = _cli(["eval", "y = x * 2", "--at", "x=1", "--json"], capsys)
    import json
    error = json.loads(err)["error"]
    assert code == 2 and out == ""
    assert error["kind"] == "device" and "gradcli[gpu]" in error["hint"]


def test_device_cuda_with_cupy_but_no_gpu(monkeypatch, capsys):
    _fake_cupy(monkeypatch, RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected"))
    code, out, err = _cli(["grad", "y = (x * 2).sum()", "--at", "x=1,2", "--device", "cuda"], capsys)
    assert code == 2 and out == ""
    assert "no CUDA GPU was found" in err and "cudaErrorNoDevice" in err
    assert "--device cpu" in err


def test_device_index_beyond_the_gpus(monkeypatch, capsys):
    _fake_cupy(monkeypatch, 1)
    code, out, err = _cli(["eval", "y = x", "--at", "x=1", "--device", "cuda:3"], capsys)
    assert code == 2 and "no such GPU (1 found: cuda:0)" in err


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "strict:device1", "custom"])
def test_unknown_devices_are_usage_errors(name, capsys):
    code, out, err = _cli(["eval", "y = x", "--at", "x=1", "--device", name], capsys)
    assert code == 2 and "unknown device" in err and "cpu, cuda or cuda:N" in err


def test_use_selects_the_gpu_it_names(monkeypatch):
    cupy, used = _fake_cupy(monkeypatch, 2)
    try:
        backend.use("cuda:1")
        assert backend.xp is cupy and backend.device == "cuda:1" and used == [1]
        backend.use("cuda:1")  # already selected: nothing to do
        assert used == [1]
    finally:
        backend.use("cpu")
    assert backend.xp is np and backend.device == "cpu"


@pytest.mark.parametrize("count, expected", [
    (None, 'cuda: not available, CuPy is not installed (pip install "gradcli[gpu]")'),
    (RuntimeError("no driver"), "cuda: not available, CuPy 99.0-fake found no GPU (RuntimeError: no driver)"),
    (2, "cuda (cupy 99.0-fake, 2 GPUs)"),
])
def test_version_reports_the_backends(count, expected, monkeypatch, capsys):
    if count is None:
        monkeypatch.setitem(sys.modules, "cupy", None)
    else:
        _fake_cupy(monkeypatch, count)
    code, out, err = _cli(["--version"], capsys)
    assert code == 0
    assert f"cpu (numpy {np.__version__})" in out and expected in out


def test_device_cuda_with_a_broken_cupy_says_why(monkeypatch, capsys):
    """CuPy installed but failing to load (a missing CUDA library): the reason, not 'not installed'."""
    class Broken:
        def find_spec(self, name, path=None, target=None):
            if name == "cupy":
                raise ImportError("libcudart.so.12: cannot open shared object file", name="cuda")
            return None

    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    code, out, err = _cli(["eval", "y = x", "--at", "x=1", "--device", "cuda"], capsys)
    assert code == 2 and "cannot be loaded" in err and "libcudart" in err


def test_batched_points_stay_on_the_device(device):
    """--points: inputs with a leading points axis, through VJP, JVP and both Jacobians."""
    points = pytest.importorskip("gradcli.io.points")
    if not hasattr(points, "BatchComputation"):
        pytest.skip("gradcli.points has no BatchComputation")
    rng = np.random.default_rng(3)
    xs, M = rng.standard_normal((4, 3)), rng.standard_normal((3, 3))

    def run(dev):
        dtype = backend.dtype_of("float64")
        values = {"x": Tensor(backend.from_numpy(xs, dtype), 1), "M": M}
        c = points.BatchComputation("out = tanh(M @ x) * x", values, 4, device=dev)
        return {"outputs": c.evaluate()["outputs"],
                "grad": c.backward(["1,2,3"])["grad"],
                "jvp": c.jvp({"x": np.ones(3), "M": np.eye(3)})["jvp"],
                "reverse": c.jacobian("reverse")["matrix"], "forward": c.jacobian("forward")["matrix"]}
    try:
        got = run(device)
    finally:
        backend.use("cpu")
    want = run("cpu")
    _assert_close(got, want, "points", *TOLERANCE["float64"])
    # the first point's dy/dx, by hand: diag((1 - tanh^2) * x) M + diag(tanh)
    a = np.tanh(xs[0] @ M.T)
    by_hand = ((1 - a**2) * xs[0])[:, None] * M + np.diag(a)
    np.testing.assert_allclose(want["reverse"][0][:, 9:], by_hand, rtol=1e-12)  # columns: M, then x


@pytest.mark.skipif(NAMESPACE == "numpy", reason="on the CPU the watch names the operation")
def test_nan_off_the_cpu_is_still_reported(device):
    """NumPy's error callback does not see a GPU: the result itself is checked instead."""
    try:
        with backend.watch:
            result = Computation("y = log(x)", {"x": np.array([1.0, -1.0])}, device=device).evaluate()
        messages = backend.device_warnings(result)
        finite = backend.device_warnings({"outputs": {"y": np.array([0.0, 1.0])}})
    finally:
        backend.use("cpu")
    assert np.isnan(result["outputs"]["y"][1])
    assert len(messages) == 1 and "NaN or inf" in messages[0] and "--device cpu" in messages[0]
    assert finite == []
    assert backend.device_warnings(result) == []  # on the CPU the watch names the operation instead


def test_floating_point_warnings_do_not_outlive_their_command(capsys):
    code, _, err = _cli(["eval", "y = log(x)", "--at", "x=-1"], capsys)
    assert code == 0 and "invalid value in log" in err
    code, _, err = _cli(["eval", "y = x * 2", "--at", "x=1"], capsys)
    assert code == 0 and err == ""
