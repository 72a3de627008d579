"""Shared helpers: values for the op samples, central differences, and the CLI runner."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gradcli.api import Computation
from gradcli.lang.program import Program

# The inputs the op samples may use (gradcli/lang/functions/): x, y of shape (3,), M, N (3, 3), s ().
SAMPLE_SHAPES = {"x": (3,), "y": (3,), "M": (3, 3), "N": (3, 3), "s": ()}


def sample_values(names, seed: int, signed: bool = True) -> dict[str, np.ndarray]:
    """Random float64 values in [0.3, 1.2], random signs when signed: away from 0 and from ties."""
    rng = np.random.default_rng(seed)
    values = {}
    for name in names:
        shape = SAMPLE_SHAPES[name]
        v = rng.uniform(0.3, 1.2, size=shape)
        if signed:
            v = v * rng.choice([-1.0, 1.0], size=shape)
        values[name] = np.asarray(v, dtype=np.float64)
    return values


def sample_point(program, sample: str) -> dict[str, np.ndarray]:
    """The values an op sample is checked at: signed, seeded by the sample's text, unless the
    sample leaves its domain with them (log(M * 0.5)); then positive."""
    import zlib  # noqa: PLC0415
    seed = zlib.crc32(sample.encode())
    values = sample_values(program.input_names, seed)
    with np.errstate(all="ignore"):
        outs = Computation(program, values).evaluate()["outputs"]
    if not all(np.isfinite(v).all() for v in outs.values()):
        values = sample_values(program.input_names, seed, signed=False)
    return values


def flat_outputs(program, values, **kw) -> np.ndarray:
    """The outputs of a program, flattened and concatenated in output order."""
    outs = Computation(program, values, **kw).evaluate()["outputs"]
    return np.concatenate([np.ravel(v) for v in outs.values()]) if outs else np.zeros(0)


def central_differences(program, values: dict, wrt: list[str], eps: float = 1e-6, **kw) -> np.ndarray:
    """The flat Jacobian (rows: output elements, cols: wrt elements) by central differences."""
    columns = []
    for name in wrt:
        base = np.asarray(values[name], dtype=np.float64)
        for i in range(base.size):
            plus, minus = dict(values), dict(values)
            up, down = base.copy().reshape(-1), base.copy().reshape(-1)
            up[i] += eps
            down[i] -= eps
            plus[name], minus[name] = up.reshape(base.shape), down.reshape(base.shape)
            columns.append((flat_outputs(program, plus, wrt=wrt, **kw)
                            - flat_outputs(program, minus, wrt=wrt, **kw)) / (2 * eps))
    return np.stack(columns, axis=1)


@pytest.fixture(scope="session")
def program_cache():
    """Parsing once per sample keeps the finite differences cheap."""
    cache: dict[str, Program] = {}

    def get(text: str) -> Program:
        if text not in cache:
            cache[text] = Program(text)
        return cache[text]
    return get


# -- the command line ------------------------------------------------------------------------

ENV = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "80", "NO_COLOR": "1"}
ENV.pop("GRADCLI_DEBUG", None)


def cli(*args, input: str | bytes | None = None, check: bool = False, **kw) -> subprocess.CompletedProcess:
    """Run `python -m gradcli ARGS` as a user would (venv-safe)."""
    text = not isinstance(input, bytes)
    proc = subprocess.run([sys.executable, "-m", "gradcli", *map(str, args)], input=input, check=False,
                          capture_output=True, text=text, timeout=60, env=ENV, **kw)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def cli_json(*args, **kw) -> dict:
    """Run with --json, expect success, and parse stdout strictly."""
    proc = cli(*args, "--json", **kw)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return strict_loads(proc.stdout)


def strict_loads(text: str):
    def reject(token):
        raise ValueError(f"non-standard JSON constant {token}")
    return json.loads(text, parse_constant=reject)


@pytest.fixture(scope="module")
def torch_float64():
    """PyTorch's default dtype float64 for a module of parity tests: its references then build
    constants (zeros, eye, tensor) in float64 as gradcli does."""
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)
