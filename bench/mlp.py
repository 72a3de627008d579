"""Engine overhead on big tensors: the gradient of a two-layer MLP's loss.

    h = tanh(x @ W1 + b1); y = h @ W2 + b2; loss = mean((y - t)**2)

with respect to W1, b1, W2, b2, for x and t 16384x1024 and W1, W2 1024x1024 (float64).

    .venv/bin/python bench/mlp.py            # both comparisons, full size
    .venv/bin/python bench/mlp.py --small    # 2048x256: seconds, for a quick look
    .venv/bin/python bench/mlp.py --only api # or --only cli

(a) in-process: gradcli.api.Computation(...).backward() against the same math
    written by hand in NumPy (forward and backward).      Acceptance: ratio <= 1.15.
(b) end to end: `gradcli grad PROGRAM --at x=@x.npy,... --wrt W1,b1,W2,b2 --save out.npz`
    against bench/torch_mlp.py (import torch, load the .npy files, backward,
    np.savez the gradients), both as whole processes.    Acceptance: ratio <= 0.8.
The inputs are written once to bench/data/ (git-ignored). Every contender's
gradients are checked against the NumPy ones before any timing is believed.
"""
from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

import numpy as np
from _util import (
    BENCH,
    DATA,
    alternate,
    bytecode_env,
    gradcli_command,
    machine,
    median,
    run_quiet,
    venv_python,
    verdict,
)

PROGRAM = "h = tanh(x @ W1 + b1); y = h @ W2 + b2; loss = mean((y - t)**2)"
WRT = "W1,b1,W2,b2"
NAMES = ("x", "W1", "b1", "W2", "b2", "t")
SIZES = {"full": (16384, 1024), "small": (2048, 256)}  # (rows of x, width of every layer)
TARGET_API, TARGET_CLI = 1.15, 0.8


def make_data(size: str) -> Path:
    """The inputs as .npy files (made once), scaled so that tanh is neither linear nor saturated."""
    rows, width = SIZES[size]
    folder = DATA / f"mlp-{size}"
    if all((folder / f"{n}.npy").exists() for n in NAMES):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    scale = 1 / np.sqrt(width)
    arrays = {"x": rng.standard_normal((rows, width)),
              "W1": rng.standard_normal((width, width)) * scale, "b1": rng.standard_normal(width) * 0.1,
              "W2": rng.standard_normal((width, width)) * scale, "b2": rng.standard_normal(width) * 0.1,
              "t": rng.standard_normal((rows, width))}
    for name, value in arrays.items():
        np.save(folder / f"{name}.npy", value)
    return folder


def numpy_by_hand(x, W1, b1, W2, b2, t) -> dict:
    """The same math, forward then backward, as one would write it by hand in NumPy."""
    h = np.tanh(x @ W1 + b1)
    y = h @ W2 + b2
    d = y - t
    loss = np.mean(d ** 2)
    g_y = d * (2 / d.size)
    g_h = g_y @ W2.T
    g_z = g_h * (1 - h * h)
    return {"loss": loss, "W1": x.T @ g_z, "b1": g_z.sum(axis=0), "W2": h.T @ g_y, "b2": g_y.sum(axis=0)}


def gradcli_api(values: dict) -> dict:
    from gradcli.api import Computation  # noqa: PLC0415
    result = Computation(PROGRAM, values, wrt=WRT).backward()
    return {"loss": result["outputs"]["loss"], **{n: result["grad"][n] for n in WRT.split(",")}}


def check(name: str, got: dict, want: dict) -> None:
    for key, value in want.items():
        if not np.allclose(got[key], value, rtol=1e-9, atol=1e-12):
            worst = np.max(np.abs(np.asarray(got[key]) - value))
            raise SystemExit(f"{name}: {key} differs from the NumPy reference (max abs error {worst:.3g})")


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def bench_api(folder: Path, repeats: int) -> float:
    values = {n: np.load(folder / f"{n}.npy") for n in NAMES}  # in memory: compute is timed, not I/O
    reference = numpy_by_hand(*(values[n] for n in NAMES))
    check("gradcli.api", gradcli_api(values), reference)
    times = alternate({"gradcli": lambda: timed(gradcli_api, values),
                       "numpy": lambda: timed(numpy_by_hand, *(values[n] for n in NAMES))},
                      repeats, warmup=1)
    ratio = median(times["gradcli"]) / median(times["numpy"])
    print(f"(a) in-process, median of {repeats} alternating runs each:")
    print(f"    gradcli.api Computation(...).backward() : {median(times['gradcli']):.3f} s")
    print(f"    NumPy forward+backward by hand          : {median(times['numpy']):.3f} s")
    print(f"    ratio: {verdict(ratio, TARGET_API)}")
    return ratio


def bench_cli(folder: Path, repeats: int) -> float | None:
    if importlib.util.find_spec("torch") is None:
        print("(b) skipped: PyTorch is not installed in this interpreter")
        return None
    import torch  # noqa: PLC0415 - only to report its threads; the timed runs are subprocesses
    env = bytecode_env()
    reference = numpy_by_hand(*(np.load(folder / f"{n}.npy") for n in NAMES))
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp) / "gradcli.npz", Path(tmp) / "torch.npz"
        at = ",".join(f"{n}=@{folder / n}.npy" for n in NAMES)
        gradcli = gradcli_command() + ["grad", PROGRAM, "--at", at, "--wrt", WRT, "--save", str(ours)]
        pytorch = [venv_python(), str(BENCH / "torch_mlp.py"), str(folder), str(theirs)]
        times = alternate({"gradcli": lambda: run_quiet(gradcli, env),
                           "torch": lambda: run_quiet(pytorch, env)}, repeats, warmup=1)
        with np.load(ours) as saved:
            check("gradcli grad --save", {"loss": saved["outputs/loss"],
                                          **{n: saved[f"grad/{n}"] for n in WRT.split(",")}}, reference)
        with np.load(theirs) as saved:
            check("torch_mlp.py", {k: saved[k] for k in reference}, reference)
    ratio = median(times["gradcli"]) / median(times["torch"])
    print(f"(b) end to end (whole processes, files in the page cache), median of {repeats} alternating runs:")
    print(f"    gradcli grad ... --at x=@x.npy,... --save out.npz : {median(times['gradcli']):.3f} s")
    print(f"    PyTorch {torch.__version__} script ({torch.get_num_threads()} threads)      "
          f": {median(times['torch']):.3f} s")
    print(f"    ratio: {verdict(ratio, TARGET_CLI)}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="x 2048x256 instead of 16384x1024")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--only", choices=("api", "cli"), help="run one comparison")
    opts = parser.parse_args()
    size = "small" if opts.small else "full"
    folder = make_data(size)
    rows, width = SIZES[size]
    print(f"machine: {machine()}")
    print(f"MLP: x, t {rows}x{width}; W1, W2 {width}x{width}; b1, b2 {width}; float64")
    if opts.only != "cli":
        bench_api(folder, opts.repeats)
    if opts.only != "api":
        bench_cli(folder, opts.repeats)


if __name__ == "__main__":
    main()
