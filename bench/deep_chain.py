"""Deep graphs: backward through a 3,000-statement chain, per node, against PyTorch eager.

    y = sin(x) * 0.9 + 0.1 * x
    y = sin(y) * 0.9 + 0.1 * y      (2,999 more times)

    .venv/bin/python bench/deep_chain.py                 # 3,000 statements, 7 rounds
    .venv/bin/python bench/deep_chain.py --length 5000 --repeats 11
    .venv/bin/python bench/deep_chain.py --checkout ../old   # gradcli from another checkout

Acceptance (issue 14): forward+backward at most 1.2x PyTorch eager per statement, backward alone
at most 1.0x. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment (the script
re-runs itself without them), as on a user's machine.

A node here is one statement of the chain (four recorded ops: sin, two products, a
sum). gradcli runs in-process through gradcli.api: parse, forward (Computation),
backward; PyTorch runs the same chain as a Python loop, float64, on a 0-d tensor.
Both sides compute dy/dx, checked against each other, and are timed alternately.
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import tempfile
import time
from pathlib import Path

from _util import (
    ROOT,
    alternate,
    checkout_env,
    load,
    machine,
    median,
    run_quiet,
    use_checkout,
    verdict,
    without_blas_variables,
)

X = 0.5
OPS_PER_STATEMENT = 4
TARGET_BOTH, TARGET_BACKWARD = 1.2, 1.0


def chain_program(length: int) -> str:
    return "y = sin(x) * 0.9 + 0.1 * x\n" + "y = sin(y) * 0.9 + 0.1 * y\n" * (length - 1)


def exact_gradient(length: int) -> float:
    """dy/dx by the chain rule in plain floats: the reference for both sides."""
    y, dy = X, 1.0
    for _ in range(length):
        y, dy = math.sin(y) * 0.9 + 0.1 * y, (math.cos(y) * 0.9 + 0.1) * dy
    return dy


def gradcli_phases(text: str) -> dict:
    """Seconds for parsing, the forward pass and the backward pass, and dy/dx."""
    from gradcli.api import Computation  # noqa: PLC0415
    from gradcli.lang.program import Program  # noqa: PLC0415
    t0 = time.perf_counter()
    program = Program(text)
    t1 = time.perf_counter()
    computation = Computation(program, {"x": str(X)})
    t2 = time.perf_counter()
    result = computation.backward()
    t3 = time.perf_counter()
    return {"parse": t1 - t0, "forward": t2 - t1, "backward": t3 - t2, "grad": float(result["grad"]["x"])}


def torch_phases(length: int) -> dict:
    import torch  # noqa: PLC0415
    t0 = time.perf_counter()
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    y = torch.sin(x) * 0.9 + 0.1 * x
    for _ in range(length - 1):
        y = torch.sin(y) * 0.9 + 0.1 * y
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return {"parse": 0.0, "forward": t1 - t0, "backward": t2 - t1, "grad": float(x.grad)}


def main() -> None:
    blas = without_blas_variables()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=3000, help="statements in the chain (default 3000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds of each (default 7)")
    parser.add_argument("--checkout", default=str(ROOT), help="import gradcli from this checkout "
                        "(default: the one beside this script)")
    opts = parser.parse_args()
    use_checkout(opts.checkout)
    n = opts.length
    text = chain_program(n)
    want = exact_gradient(n)
    has_torch = importlib.util.find_spec("torch") is not None

    samples: dict[str, list[dict]] = {"gradcli": []}
    contenders = {"gradcli": lambda: samples["gradcli"].append(gradcli_phases(text))}
    if has_torch:
        samples["torch"] = []
        contenders["torch"] = lambda: samples["torch"].append(torch_phases(n))
    alternate(contenders, opts.repeats, warmup=1)
    for name, runs in samples.items():
        got = runs[-1]["grad"]
        if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-300):
            raise SystemExit(f"{name}: dy/dx = {got!r}, the chain rule gives {want!r}")

    print(f"machine: {machine()}; {blas}")
    import gradcli  # noqa: PLC0415
    print(f"gradcli from {Path(gradcli.__file__).parent.parent}; {load()}")
    print(f"chain of {n:,} statements ({n * OPS_PER_STATEMENT:,} recorded ops), dy/dx = {want:.6g}; "
          f"median of {opts.repeats} alternating rounds (the warm-up round is dropped)")
    print(f"{'':10} {'parse':>9} {'forward':>9} {'backward':>9} {'backward/node':>14} {'fwd+bwd/node':>13}")
    per_node = {}
    for name, runs in samples.items():
        runs = runs[1:]  # the first is the warm-up
        phase = {k: median([r[k] for r in runs]) for k in ("parse", "forward", "backward")}
        per_node[name] = (phase["backward"] / n * 1e6, (phase["forward"] + phase["backward"]) / n * 1e6)
        print(f"{name:10} {phase['parse'] * 1e3:7.1f}ms {phase['forward'] * 1e3:7.1f}ms "
              f"{phase['backward'] * 1e3:7.1f}ms {per_node[name][0]:11.1f} us {per_node[name][1]:10.1f} us")
    if has_torch:
        (gb, gt), (tb, tt) = per_node["gradcli"], per_node["torch"]
        print(f"ratio gradcli / PyTorch eager: backward {verdict(gb / tb, TARGET_BACKWARD)}, "
              f"forward+backward {verdict(gt / tt, TARGET_BOTH)}")
    else:
        print("PyTorch is not installed: no side-by-side figure")

    with tempfile.TemporaryDirectory() as tmp:  # the whole command, once: it must finish
        path = Path(tmp) / "chain.txt"
        path.write_text(text)
        wall = run_quiet([sys.executable, "-P", "-m", "gradcli", "grad", "-f", str(path), "--at", f"x={X}",
                          "--json"], checkout_env(opts.checkout))
        print(f"end to end: gradcli grad -f chain.txt --at x={X} --json took {wall:.2f} s")
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
