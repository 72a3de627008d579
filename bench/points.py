"""--points at scale: throughput, memory, and nothing lost (issue 5).

    .venv/bin/python bench/points.py [--points 1000000] [--repeats 3] [--memory-points 10000000]

Measures, each as a separate process (end to end, start-up included), the contenders
alternating (A B C, then C B A, ...) and reported by their median:
- grad of a 10-operation scalar function of 3 inputs, NDJSON in and out (stdout to a file);
- the same with .npy in and --save out.npz;
- PyTorch torch.func.vmap(grad) and JAX jit(vmap(grad)) scripts reading the same files and
  writing the same results, when installed (both float64);
- gradcli's start-up alone (one point, .npy in, --save out), which bounds the end-to-end rate;
- peak memory (ru_maxrss) of gradcli over --memory-points NDJSON points;
- a file whose middle line is malformed: results before it, exit code; and with --keep-going.
The .npz results of all contenders are compared before any figure is printed.
Data goes to bench/data/ (ignored by git).
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys

import numpy as np

from _util import bytecode_env, machine

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
GRADCLI = os.path.join(os.path.dirname(sys.executable), "gradcli")
# 10 operations: sin, *, exp, *, +, *, tanh, *, *, -
PROGRAM = "out = sin(x) * y + exp(z) * x - tanh(y * z) * (x * x)"

# Both scripts: .npy in -> .npz out (one batch), or NDJSON in -> NDJSON out (chunks of 4096 lines,
# json per line, the same keys as gradcli's lines but "index").
_COMMON = r'''
import json, sys, numpy as np
path, out = sys.argv[1], sys.argv[2]
def save(value, grad):
    value, grad = np.asarray(value), np.asarray(grad)
    np.savez(out, **{"outputs/out": value, "grad/x": grad[:, 0], "grad/y": grad[:, 1], "grad/z": grad[:, 2]})
def stream(batch):
    with open(path) as fin, open(out, "w") as fout:
        while True:
            lines = [l for _, l in zip(range(4096), fin)]
            if not lines:
                break
            rows = [json.loads(l) for l in lines]
            value, grad = batch(np.array([[r["x"], r["y"], r["z"]] for r in rows]))
            fout.write("".join(json.dumps({"inputs": r, "outputs": {"out": v}, "grad": dict(zip("xyz", g))},
                                          separators=(",", ":")) + "\n"
                               for r, v, g in zip(rows, np.asarray(value).tolist(), np.asarray(grad).tolist())))
'''

TORCH = r'''
import torch
def f(p):
    x, y, z = p[0], p[1], p[2]
    return torch.sin(x) * y + torch.exp(z) * x - torch.tanh(y * z) * (x * x)
g = torch.func.vmap(torch.func.grad_and_value(f))
def batch(p):
    grad, value = g(torch.from_numpy(p))
    return value.numpy(), grad.numpy()
''' + _COMMON + r'''
if path.endswith(".npy"):
    save(*batch(np.load(path)))
else:
    stream(batch)
'''

JAX = r'''
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
def f(p):
    x, y, z = p[0], p[1], p[2]
    return jnp.sin(x) * y + jnp.exp(z) * x - jnp.tanh(y * z) * (x * x)
batch = jax.jit(jax.vmap(jax.value_and_grad(f)))  # the last, shorter chunk compiles once more
''' + _COMMON + r'''
if path.endswith(".npy"):
    save(*batch(np.load(path)))
else:
    stream(batch)
'''


def make_data(n: int) -> tuple[str, str]:
    os.makedirs(DATA, exist_ok=True)
    npy, nd = os.path.join(DATA, f"points{n}.npy"), os.path.join(DATA, f"points{n}.ndjson")
    if not os.path.exists(nd):
        a = np.random.default_rng(0).normal(size=(n, 3))
        np.save(npy, a)
        with open(nd + ".tmp", "w") as f:
            for start in range(0, n, 100_000):
                f.write("".join('{"x":%r,"y":%r,"z":%r}\n' % tuple(r) for r in a[start:start + 100_000].tolist()))
        os.replace(nd + ".tmp", nd)
    return npy, nd


def timed(cmd, stdout: str = os.devnull) -> tuple[float, int, float, float]:
    """(wall seconds, exit code, peak MB, CPU seconds) of one child process.

    CPU seconds (user + system) are the steadier figure on a shared machine."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], 'w')); "
               "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
               "print(time.perf_counter() - t, rc, u.ru_maxrss, u.ru_utime + u.ru_stime)")
    res = subprocess.run([sys.executable, "-c", wrapper, stdout, *cmd], capture_output=True, text=True,
                         env=bytecode_env())
    seconds, rc, kb, cpu = res.stdout.split()
    return float(seconds), int(rc), int(kb) / 1024, float(cpu)


def contenders(n: int, npy: str, nd: str) -> dict:
    """label -> (command, stdout file or None, the .npz it writes or None)."""
    out = {
        "gradcli NDJSON -> NDJSON": ([GRADCLI, "grad", PROGRAM, "--points", nd], "gradcli.ndjson", None),
        "gradcli .npy -> --save .npz": ([GRADCLI, "grad", PROGRAM, "--points", npy, "--save",
                                         os.path.join(DATA, "gradcli.npz")], None, "gradcli.npz"),
    }
    one = os.path.join(DATA, "one.npy")
    np.save(one, np.ones((1, 3)))
    out["gradcli start-up (1 point, .npy -> .npz)"] = (
        [GRADCLI, "grad", PROGRAM, "--points", one, "--save", os.path.join(DATA, "one-out.npz")], None, None)
    for name, script in (("torch", TORCH), ("jax", JAX)):
        try:
            __import__(name)
        except ImportError:
            print(f"{name}: not installed, skipped")
            continue
        path = os.path.join(DATA, f"vs_{name}.py")  # not torch.py: that would shadow torch
        with open(path, "w") as f:
            f.write(script)
        out[f"{name} vmap(grad) NDJSON -> NDJSON"] = (
            [sys.executable, path, nd, os.path.join(DATA, f"{name}.ndjson")], None, None)
        out[f"{name} vmap(grad) .npy -> .npz"] = (
            [sys.executable, path, npy, os.path.join(DATA, f"{name}.npz")], None, f"{name}.npz")
    return out


def check_agree(runs: dict) -> None:
    """Every contender's .npz holds the same values as gradcli's (to rounding)."""
    with np.load(os.path.join(DATA, "gradcli.npz")) as ours:
        for label, (_, _, npz) in runs.items():
            if npz is None or npz == "gradcli.npz":
                continue
            with np.load(os.path.join(DATA, npz)) as theirs:
                worst = max(float(np.max(np.abs(ours[k] - theirs[k]) / (1 + np.abs(ours[k]))))
                            for k in theirs.files)
            print(f"  {label}: agrees with gradcli's .npz to {worst:.1e} (relative)")
            assert worst < 1e-12, label


def floor(nd: str, n: int) -> None:
    """The text work no NDJSON pipeline can avoid, timed alone in this process: read the lines,
    parse them a chunk of 4096 at a time, and write the 7 floats of each point (3 inputs, the
    output, 3 gradients) in shortest round-trip form; with the json module and repr, and with
    orjson (what gradcli uses). It bounds what gradcli's NDJSON path can reach."""
    import itertools  # noqa: PLC0415
    import json  # noqa: PLC0415
    import time  # noqa: PLC0415

    import orjson  # noqa: PLC0415

    def texts_by_repr(values):
        return list(map(repr, values.tolist()))

    def texts_by_orjson(values):
        return orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].decode().split(",")

    for label, loads, texts in [("json.loads + repr", json.loads, texts_by_repr),
                                ("orjson", orjson.loads, texts_by_orjson)]:
        start = time.process_time()
        with open(nd) as f:
            while lines := list(itertools.islice(f, 4096)):
                rows = loads("[" + ",".join(lines) + "]")
                for name in "xyz":
                    values = np.array([r[name] for r in rows])
                    "".join(texts(values))
                    "".join(texts(values * 0.5))
                "".join(texts(values))
        cpu = time.process_time() - start
        print(f"  floor ({label}): read, parse per chunk, 7 floats written per point, nothing else: "
              f"cpu {cpu:.2f} s, {n / cpu:,.0f} points/s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--memory-points", type=int, default=10_000_000)
    args = ap.parse_args()
    n = args.points
    npy, nd = make_data(n)
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    runs = contenders(n, npy, nd)
    timed(runs["gradcli start-up (1 point, .npy -> .npz)"][0])  # writes gradcli's .pyc files
    times: dict[str, list] = {label: [] for label in runs}
    for i in range(args.repeats):
        for label in (list(runs) if i % 2 == 0 else list(runs)[::-1]):
            cmd, stdout, _ = runs[label]
            times[label].append(timed(cmd, os.path.join(DATA, stdout) if stdout else os.devnull))
    print(f"{n:,} points, program: {PROGRAM}; median of {args.repeats} alternating runs "
          f"(load average now {os.getloadavg()[0]:.1f})")
    for label, results in times.items():
        s, cpu = statistics.median(r[0] for r in results), statistics.median(r[3] for r in results)
        mb, rc = max(r[2] for r in results), max(r[1] for r in results)
        rates = "" if "start-up" in label else f"{n / s:11,.0f} points/s"
        cpu_rates = "" if "start-up" in label else f"{n / cpu:11,.0f} points/s"
        print(f"  {label:42s} wall {s:7.2f} s {rates:20s} | cpu {cpu:6.2f} s {cpu_rates:20s} "
              f"| exit {rc}  peak {mb:5.0f} MB")
    check_agree(runs)
    floor(nd, n)

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
        errors = [line for line in lines if '"error"' in line]
        print(f"  line {n // 2 + 1:,} malformed {' '.join(extra) or '(stop)':14s}: {len(lines) - len(errors):,} "
              f"results, {len(errors)} error objects {errors[0][:60] + '...' if errors else ''}, exit {rc}")

    m = args.memory_points
    if m:
        _, mnd = make_data(m)
        s, rc, mb, cpu = timed([GRADCLI, "grad", PROGRAM, "--points", mnd])
        print(f"  memory: {m:,} NDJSON points: peak {mb:.0f} MB, {s:.1f} s wall ({m / s:,.0f} points/s), "
              f"{cpu:.1f} s cpu, exit {rc}")


if __name__ == "__main__":
    main()
