"""--points on Dask (issue 15): one process against --cluster local:1 and local:2, from Parquet.

    .venv/bin/python bench/cluster.py [--points 2000000] [--repeats 3]

Each contender is a separate `gradcli grad` process, end to end (start-up, a local cluster's
start included), timed in alternating order and reported by its median:
- the compute-heavy program: a 30-statement chain of 2 inputs, --points DATA.parquet,
  --save OUT.parquet: one process, --cluster local:1, --cluster local:2 (results compared value
  for value before any figure is printed);
- Parquet against .npy in one process: the same points from DATA.npy, same program, same output;
  and the same pair for a light 10-operation program, where reading and writing weigh more;
- the per-task overhead: local:1 over the same 20,000 points as 200 row groups and as 1;
- a local cluster's start-up: local:2 over a file of 1 point.
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment of every run. The load
average (other people share the machine) is printed before and after.

Acceptance: local:2 at least 1.3x one process (same results); Parquet within 20% of .npy.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys

import numpy as np

from _util import alternate, bytecode_env, machine, median, run_quiet

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# this checkout's gradcli (run from ROOT), not whichever the console script of the venv points at
GRADCLI = [sys.executable, "-m", "gradcli"]
DATA = os.path.join(HERE, "data", "cluster")
CHAIN = "\n".join(["a = x", "b = y"]
                  + [f"a = sin(a) * b + cos(a * {k % 7 + 1}) / (1 + a * a)" if k % 2 else
                     f"b = tanh(b + a * {k % 5 + 1}) - exp(-a * a) * b"
                     for k in range(1, 29)]
                  + ["f = a * b"])  # 31 statements
LIGHT = "out = sin(x) * y + exp(y) * x - tanh(y * x) * (x * x)"


def env() -> dict:
    e = bytecode_env()
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        e.pop(name, None)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    e["OMP_NUM_THREADS"] = e["OPENBLAS_NUM_THREADS"] = "1"  # a worker per core, not threads per op
    return e


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def make_data(n: int) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq
    os.makedirs(DATA, exist_ok=True)
    paths = {k: os.path.join(DATA, f"{k}.{ext}") for k, ext in
             (("parquet", "parquet"), ("npy", "npy"), ("tasks200", "parquet"), ("tasks1", "parquet"),
              ("one", "parquet"))}
    rng = np.random.default_rng(15)
    xy = rng.normal(size=(n, 2))
    if not os.path.exists(paths["parquet"]) or pq.ParquetFile(paths["parquet"]).metadata.num_rows != n:
        pq.write_table(pa.table({"x": xy[:, 0], "y": xy[:, 1]}), paths["parquet"], row_group_size=1 << 17)
        np.save(paths["npy"], xy)
    small = xy[:20_000]
    pq.write_table(pa.table({"x": small[:, 0], "y": small[:, 1]}), paths["tasks200"], row_group_size=100)
    pq.write_table(pa.table({"x": small[:, 0], "y": small[:, 1]}), paths["tasks1"], row_group_size=20_000)
    pq.write_table(pa.table({"x": small[:1, 0], "y": small[:1, 1]}), paths["one"])
    return paths


def timer(program: str, points: str, out: str, cluster: str | None = None):
    def run() -> float:
        if os.path.isdir(out):
            shutil.rmtree(out)
        command = GRADCLI + ["grad", program, "--points", points, "--save", out]
        if cluster:
            command += ["--cluster", cluster]
        return run_quiet(command, env=env())
    return run


def same(single: str, spread: str) -> str:
    import pyarrow.parquet as pq
    a, b = pq.read_table(single), pq.read_table(spread)
    if not a.equals(b, check_metadata=False):
        raise SystemExit(f"RESULTS DIFFER: {single} against {spread}")
    return f"identical ({a.num_rows:,} rows, {a.num_columns} columns)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.points
    print(machine())
    print("before:", load())
    paths = make_data(n)
    out = {k: os.path.join(DATA, f"out-{k}.parquet") for k in
           ("single", "local1", "local2", "npy", "light-pq", "light-npy", "t200", "t1", "start")}

    heavy = alternate({
        "one process": timer(CHAIN, paths["parquet"], out["single"]),
        "--cluster local:1": timer(CHAIN, paths["parquet"], out["local1"], "local:1"),
        "--cluster local:2": timer(CHAIN, paths["parquet"], out["local2"], "local:2"),
    }, args.repeats, warmup=0)
    print(f"\n{n:,} points, grad of a {CHAIN.count(chr(10)) + 1}-statement chain, Parquet in and out")
    print(f"  local:1 results {same(out['single'], out['local1'])}; local:2 {same(out['single'], out['local2'])}")
    base = median(heavy["one process"])
    for name, times in heavy.items():
        t = median(times)
        print(f"  {name:20s} {t:7.2f} s  {n / t:>11,.0f} points/s  {base / t:5.2f}x one process"
              f"  (runs: {', '.join(f'{s:.2f}' for s in times)})")
    speedup = base / median(heavy["--cluster local:2"])
    print(f"  local:2 / one process: {speedup:.2f}x (target >= 1.3: {'met' if speedup >= 1.3 else 'MISSED'})")

    formats = alternate({
        "parquet": timer(CHAIN, paths["parquet"], out["single"]),
        "npy": timer(CHAIN, paths["npy"], out["npy"]),
        "light parquet": timer(LIGHT, paths["parquet"], out["light-pq"]),
        "light npy": timer(LIGHT, paths["npy"], out["light-npy"]),
    }, args.repeats, warmup=0)
    print(f"\nParquet against .npy in one process ({n:,} points, --save OUT.parquet)")
    print(f"  .npy results {same(out['single'], out['npy'])}")
    for label, pq_name, npy_name in (("30-statement chain", "parquet", "npy"),
                                     ("10-operation program", "light parquet", "light npy")):
        p, q = median(formats[pq_name]), median(formats[npy_name])
        ratio = p / q
        print(f"  {label:22s} Parquet {p:6.2f} s ({n / p:>10,.0f}/s)  .npy {q:6.2f} s ({n / q:>10,.0f}/s)"
              f"  Parquet/.npy time {ratio:.3f} (target <= 1.2: {'met' if ratio <= 1.2 else 'MISSED'})")

    tasks = alternate({
        "200 tasks": timer(LIGHT, paths["tasks200"], out["t200"], "local:1"),
        "1 task": timer(LIGHT, paths["tasks1"], out["t1"], "local:1"),
        "start-up": timer(LIGHT, paths["one"], out["start"], "local:2"),
    }, args.repeats, warmup=0)
    per_task = (median(tasks["200 tasks"]) - median(tasks["1 task"])) / 199
    print("\nPer-task overhead (local:1, 20,000 points as 200 row groups against 1; 200 part files)")
    print(f"  200 tasks {median(tasks['200 tasks']):.2f} s, 1 task {median(tasks['1 task']):.2f} s:"
          f" {per_task * 1e3:.1f} ms per task (scheduling, reading a row group, writing a part)")
    print(f"  a local:2 run of 1 point (start-up, cluster start and stop): {median(tasks['start-up']):.2f} s")
    print("\nafter:", load())
    sys.stdout.flush()


if __name__ == "__main__":
    main()
