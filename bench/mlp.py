"""Engine overhead on big tensors: the gradient of a two-layer MLP's loss.

    h = tanh(x @ W1 + b1); y = h @ W2 + b2; loss = mean((y - t)**2)

with respect to W1, b1, W2, b2, for x and t 16384x1024 and W1, W2 1024x1024 (float64).

    .venv/bin/python bench/mlp.py            # both comparisons, full size
    .venv/bin/python bench/mlp.py --small    # 2048x256: seconds, for a quick look
    .venv/bin/python bench/mlp.py --only api # or --only cli, --only memory

(a) in-process: gradcli.api.Computation(...).backward() against the same math
    written by hand in NumPy (forward and backward).      Acceptance: ratio <= 1.15.
(b) end to end: `gradcli grad PROGRAM --at x=@x.npy,... --wrt W1,b1,W2,b2 --save out.npz`
    against bench/torch_mlp.py (import torch, load the .npy files, backward,
    np.savez the gradients), both as whole processes.    Acceptance: ratio <= 0.8.
(c) memory: peak resident memory of one forward+backward in a fresh process each, gradcli.api
    against NumPy by hand and PyTorch (the same math, in memory, float64), all loading the
    same .npy files.        Acceptance: gradcli <= 1.15x NumPy by hand, and <= PyTorch.
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment (the script re-runs
itself without them): a user's machine has neither, and they change the kernels used.
The inputs are written once to bench/data/ (git-ignored). Every contender's
gradients are checked against the NumPy ones before any timing is believed.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _util import (
    BENCH,
    DATA,
    ROOT,
    alternate,
    checkout_env,
    load,
    machine,
    median,
    peak_run,
    run_quiet,
    use_checkout,
    venv_python,
    verdict,
    without_blas_variables,
)


PROGRAM = "h = tanh(x @ W1 + b1); y = h @ W2 + b2; loss = mean((y - t)**2)"
WRT = "W1,b1,W2,b2"
NAMES = ("x", "W1", "b1", "W2", "b2", "t")
SIZES = {"full": (16384, 1024), "small": (2048, 256)}  # (rows of x, width of every layer)
TARGET_API, TARGET_CLI, TARGET_MEMORY = 1.05, 0.8, 1.15


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
    env = checkout_env()
    reference = numpy_by_hand(*(np.load(folder / f"{n}.npy") for n in NAMES))
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp) / "gradcli.npz", Path(tmp) / "torch.npz"
        at = ",".join(f"{n}=@{folder / n}.npy" for n in NAMES)
        gradcli = [venv_python(), "-m", "gradcli", "grad", PROGRAM, "--at", at, "--wrt", WRT,
                   "--save", str(ours)]
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


# -- (c) peak memory, a fresh process per contender -------------------------------------------------

def torch_by_hand(x, W1, b1, W2, b2, t) -> dict:
    import torch  # noqa: PLC0415
    x, t = torch.from_numpy(x), torch.from_numpy(t)
    W1, b1, W2, b2 = (torch.from_numpy(a).requires_grad_(True) for a in (W1, b1, W2, b2))
    loss = torch.mean((torch.tanh(x @ W1 + b1) @ W2 + b2 - t) ** 2)
    loss.backward()
    return {"loss": loss.detach().numpy(), "W1": W1.grad.numpy(), "b1": b1.grad.numpy(),
            "W2": W2.grad.numpy(), "b2": b2.grad.numpy()}


CONTENDERS = {"gradcli": lambda v: gradcli_api(v), "numpy": lambda v: numpy_by_hand(*(v[n] for n in NAMES)),
              "torch": lambda v: torch_by_hand(*(v[n] for n in NAMES))}


def memory_child(name: str, folder: str) -> None:
    """One forward+backward of `name` after loading the inputs; prints the loss (checked)."""
    if name == "torch":
        import torch  # noqa: F401, PLC0415 - imported first, as a PyTorch user's script does
    elif name == "gradcli":
        import gradcli.api  # noqa: F401, PLC0415
    values = {n: np.load(Path(folder) / f"{n}.npy") for n in NAMES}
    found = CONTENDERS[name](values)
    print(repr(float(found["loss"])))


def bench_memory(folder: Path, repeats: int) -> dict:
    want = float(numpy_by_hand(*(np.load(folder / f"{n}.npy") for n in NAMES))["loss"])
    names = [n for n in CONTENDERS if n != "torch" or importlib.util.find_spec("torch")]
    peaks: dict[str, list] = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        def run(name):
            out = Path(tmp) / "loss.txt"
            with open(out, "w") as f:
                peaks[name].append(peak_run([venv_python(), __file__, "--memory-child", name, str(folder)],
                                            checkout_env(), stdout=f))
            got = float(out.read_text())
            if not np.isclose(got, want, rtol=1e-9):
                raise SystemExit(f"{name}: loss {got!r}, NumPy by hand {want!r}")
        alternate({n: (lambda n=n: run(n)) for n in names}, repeats, warmup=0)
    peak = {n: median([p for _, p in peaks[n]]) for n in names}
    wall = {n: median([w for w, _ in peaks[n]]) for n in names}
    print(f"(c) peak resident memory of one forward+backward, a fresh process each, "
          f"median of {repeats} alternating runs:")
    for n in names:
        print(f"    {n:8} {peak[n]:7.0f} MB  ({wall[n]:.2f} s wall, imports and loading included)")
    ratio = peak["gradcli"] / peak["numpy"]
    print(f"    gradcli / NumPy by hand: {verdict(ratio, TARGET_MEMORY)}")
    if "torch" in peak:
        print(f"    gradcli / PyTorch: {verdict(peak['gradcli'] / peak['torch'], 1.0)}")
    return peak


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--memory-child":
        memory_child(sys.argv[2], sys.argv[3])
        return
    blas = without_blas_variables()
    use_checkout()  # gradcli from this checkout, in-process (the subprocesses: checkout_env)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="x 2048x256 instead of 16384x1024")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--only", choices=("api", "cli", "memory"), help="run one comparison")
    opts = parser.parse_args()
    size = "small" if opts.small else "full"
    folder = make_data(size)
    rows, width = SIZES[size]
    print(f"machine: {machine()}; {blas}")
    print(f"gradcli from {ROOT}; {load()}")
    print(f"MLP: x, t {rows}x{width}; W1, W2 {width}x{width}; b1, b2 {width}; float64")
    if opts.only in (None, "api"):
        bench_api(folder, opts.repeats)
    if opts.only in (None, "cli"):
        bench_cli(folder, opts.repeats)
    if opts.only in (None, "memory"):
        bench_memory(folder, opts.repeats)
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
