"""--points at scale: throughput, memory, and nothing lost (issue 5).

    .venv/bin/python bench/points.py [--points 1000000] [--memory-points 10000000]

Measures, each as a separate process (end to end, start-up included):
- grad of a 10-operation scalar function of 3 inputs, NDJSON in and out (stdout to a file);
- the same with .npy in and --save out.npz;
- PyTorch torch.func.vmap(grad) on the same .npy / NDJSON files, when torch is installed
  (JAX is only reported as present or absent: no JAX script yet);
- peak memory (ru_maxrss) of gradcli over --memory-points NDJSON points;
- a file whose middle line is malformed: results before it, exit code; and with --keep-going.
Data goes to bench/data/ (ignored by git).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
GRADCLI = os.path.join(os.path.dirname(sys.executable), "gradcli")
# 10 operations: sin, *, exp, *, +, *, tanh, *, *, -
PROGRAM = "out = sin(x) * y + exp(z) * x - tanh(y * z) * (x * x)"

TORCH = r'''
import json, sys, numpy as np, torch
def f(p):
    x, y, z = p[0], p[1], p[2]
    return torch.sin(x) * y + torch.exp(z) * x - torch.tanh(y * z) * (x * x)
g = torch.func.vmap(torch.func.grad_and_value(f))
path, out = sys.argv[1], sys.argv[2]
if path.endswith(".npy"):
    p = torch.from_numpy(np.load(path))
    (grad, value) = g(p)
    np.savez(out, **{"outputs/out": value.numpy(), "grad/x": grad[:, 0].numpy(),
                     "grad/y": grad[:, 1].numpy(), "grad/z": grad[:, 2].numpy()})
else:
    with open(path) as fin, open(out, "w") as fout:
        while True:
            lines = [l for _, l in zip(range(4096), fin)]
            if not lines:
                break
            rows = [json.loads(l) for l in lines]
            p = torch.tensor([[r["x"], r["y"], r["z"]] for r in rows], dtype=torch.float64)
            grad, value = g(p)
            for r, v, gr in zip(rows, value.tolist(), grad.tolist()):
                fout.write(json.dumps({"inputs": r, "outputs": {"out": v},
                                       "grad": dict(zip("xyz", gr))}) + "\n")
'''

def make_data(n: int) -> tuple[str, str]:
    os.makedirs(DATA, exist_ok=True)
    npy, nd = os.path.join(DATA, f"points{n}.npy"), os.path.join(DATA, f"points{n}.ndjson")
    if not os.path.exists(nd):
        a = np.random.default_rng(0).normal(size=(n, 3))
        np.save(npy, a)
        with open(nd, "w") as f:
            for start in range(0, n, 100_000):
                f.write("".join('{"x":%r,"y":%r,"z":%r}\n' % tuple(r) for r in a[start:start + 100_000].tolist()))
    return npy, nd


def timed(cmd, stdout=subprocess.DEVNULL) -> tuple[float, int, float, float]:
    """(wall seconds, exit code, peak MB, CPU seconds) of one child process.

    CPU seconds (user + system) are the steadier figure on a shared machine."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], 'w')); "
               "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
               "print(time.perf_counter() - t, rc, u.ru_maxrss, u.ru_utime + u.ru_stime)")
    out = stdout if isinstance(stdout, str) else os.devnull
    res = subprocess.run([sys.executable, "-c", wrapper, out, *cmd], capture_output=True, text=True)
    seconds, rc, kb, cpu = res.stdout.split()
    return float(seconds), int(rc), int(kb) / 1024, float(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--memory-points", type=int, default=10_000_000)
    args = ap.parse_args()
    n = args.points
    npy, nd = make_data(n)
    rows = []

    s, rc, mb, cpu = timed([GRADCLI, "grad", PROGRAM, "--points", nd], os.path.join(DATA, "out.ndjson"))
    rows.append(("gradcli NDJSON -> NDJSON", s, rc, mb, cpu))
    s, rc, mb, cpu = timed([GRADCLI, "grad", PROGRAM, "--points", npy, "--save", os.path.join(DATA, "out.npz")])
    rows.append(("gradcli .npy -> --save .npz", s, rc, mb, cpu))
    try:
        import jax  # noqa: F401
        print("jax: installed, but no jit(vmap(grad)) script here yet")
    except ImportError:
        print("jax: not installed, skipped")
    for name, script in (("torch", TORCH),):
        try:
            __import__(name)
        except ImportError:
            print(f"{name}: not installed, skipped")
            continue
        path = os.path.join(DATA, f"vs_{name}.py")  # not torch.py: that would shadow torch
        with open(path, "w") as f:
            f.write(script)
        s, rc, mb, cpu = timed([sys.executable, path, nd, os.path.join(DATA, f"{name}.ndjson")])
        rows.append((f"{name} vmap(grad) NDJSON -> NDJSON", s, rc, mb, cpu))
        s, rc, mb, cpu = timed([sys.executable, path, npy, os.path.join(DATA, f"{name}.npz")])
        rows.append((f"{name} vmap(grad) .npy -> .npz", s, rc, mb, cpu))
    print(f"{n:,} points, program: {PROGRAM}")
    for label, s, rc, mb, cpu in rows:
        print(f"  {label:38s} wall {s:7.2f} s {n / s:11,.0f} points/s | cpu {cpu:6.2f} s "
              f"{n / cpu:11,.0f} points/s | exit {rc}  peak {mb:5.0f} MB")

    # nothing lost: the middle line malformed
    bad = os.path.join(DATA, f"bad{n}.ndjson")
    with open(nd) as fin, open(bad, "w") as fout:
        for i, line in enumerate(fin, 1):
            fout.write('{"x": 1.0, "y": \n' if i == n // 2 + 1 else line)
    for extra in ([], ["--keep-going"]):
        out = os.path.join(DATA, "bad-out.ndjson")
        s, rc, _, _ = timed([GRADCLI, "grad", PROGRAM, "--points", bad, *extra], out)
        with open(out) as f:
            lines = f.read().splitlines()
        errors = sum('"error"' in line for line in lines)
        print(f"  line {n // 2 + 1:,} malformed {' '.join(extra) or '(stop)':14s}: {len(lines) - errors:,} results, "
              f"{errors} error objects, exit {rc}")

    m = args.memory_points
    if m:
        _, mnd = make_data(m)
        s, rc, mb, cpu = timed([GRADCLI, "grad", PROGRAM, "--points", mnd])
        print(f"  memory: {m:,} NDJSON points: peak {mb:.0f} MB, {s:.1f} s wall, {cpu:.1f} s cpu, exit {rc}")


if __name__ == "__main__":
    main()
