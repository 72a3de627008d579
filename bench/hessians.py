"""Hessians: sparse at 100,000 dimensions through the CLI, dense beside PyTorch.

    .venv/bin/python bench/hessians.py                 # both sections
    .venv/bin/python bench/hessians.py --only sparse   # or --only dense; --repeats N

sparse  `gradcli hessian "f = (100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2).sum()" --sparse
        --at x=@x.npy --save H.npz`, x of 100,000 elements, as a whole process (start-up
        included): wall time, passes, and every saved value against the analytic tridiagonal
        Hessian.                                         Acceptance: <= 6 passes, exact, < 5 s.
dense   Computation(...).hessian() against torch.autograd.functional.hessian(vectorize=True)
        on the 1,000-dimensional Rosenbrock function and on the loss of a 200-parameter MLP
        (h = tanh(X @ W1 + b1); y = h @ W2 + b2; mean((y - T)**2), X 64x8, W1 8x10, W2 10x10),
        both including the forward pass, as ratios of medians.
                                                         Acceptance: <= 1.0 each.
        gradcli's plain forward over reverse (colouring=False: no sparsity analysis) is timed
        beside it, as a third contender, and reported.

Each library runs in a worker process of its own (another library's idle threads would skew
the timings), started once; the workers are called in turn, alternating (A B C, then C B A,
...), with a pause after each call so that no thread pool is still spinning when the next
contender starts. Results are compared before any timing counts.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from every process's environment (the
benchmark re-runs itself without them): a user's machine does not set them, and on this
machine they change OpenBLAS's kernels for both sides.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _util import DATA, ROOT, bytecode_env, machine, median, verdict

ROSENBROCK = "f = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()"
MLP = "h = tanh(X @ W1 + b1); y = h @ W2 + b2; loss = ((y - T) ** 2).mean()"
MLP_WRT = ("W1", "b1", "W2", "b2")
OPENBLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# this checkout's gradcli (run from the repository root), as `gradcli` runs for a user
GRADCLI = [sys.executable, "-m", "gradcli"]
PAUSE = 0.25  # seconds between calls: OpenMP and OpenBLAS threads spin for a while after work


def rosenbrock_tridiagonal(x):
    diag = np.zeros(x.size)
    diag[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    return diag, -400 * x[:-1]


def problems() -> dict:
    """The dense problems' values, the same for every worker (a fixed seed)."""
    rng = np.random.default_rng(3)
    mlp = {"X": rng.standard_normal((64, 8)), "T": rng.standard_normal((64, 10)),
           "W1": rng.standard_normal((8, 10)) / np.sqrt(8), "b1": rng.standard_normal(10) * 0.1,
           "W2": rng.standard_normal((10, 10)) / np.sqrt(10), "b2": rng.standard_normal(10) * 0.1}
    assert sum(mlp[n].size for n in MLP_WRT) == 200
    return {"rosenbrock": {"x": rng.uniform(-2, 2, 1000)}, "mlp": mlp}


# -- workers: one library each, called over a pipe -------------------------------------------------

def _gradcli_runner(problem: str, colouring):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from gradcli.api import Computation  # noqa: PLC0415
    values = problems()[problem]
    if problem == "rosenbrock":
        return lambda: Computation(ROSENBROCK, values).hessian(colouring=colouring)["matrix"]
    return lambda: Computation(MLP, values, wrt=",".join(MLP_WRT)).hessian(colouring=colouring)["matrix"]


def _torch_runner(problem: str):
    import torch  # noqa: PLC0415
    values = {k: torch.from_numpy(v) for k, v in problems()[problem].items()}
    if problem == "rosenbrock":
        def f(v):
            return (100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2).sum()
        return lambda: torch.autograd.functional.hessian(f, values["x"], vectorize=True).numpy()
    X, T = values["X"], values["T"]

    def loss(W1, b1, W2, b2):
        h = torch.tanh(X @ W1 + b1)
        return ((h @ W2 + b2 - T) ** 2).mean()

    params = tuple(values[n] for n in MLP_WRT)

    def run():
        blocks = torch.autograd.functional.hessian(loss, params, vectorize=True)
        sizes = [p.numel() for p in params]
        return np.block([[blocks[i][j].reshape(sizes[i], sizes[j]).numpy() for j in range(4)]
                         for i in range(4)])
    return run


def worker(name: str, problem: str) -> None:
    """Read a line, run once, answer with the wall and CPU seconds (all threads of the process);
    'result PATH' saves the matrix for checking."""
    run = {"gradcli": lambda: _gradcli_runner(problem, None),
           "gradcli-plain": lambda: _gradcli_runner(problem, False),
           "torch": lambda: _torch_runner(problem)}[name]()
    run()  # warm: imports, first-call caches
    for line in sys.stdin:
        if line.startswith("result"):
            np.save(line.split()[1], run())
            print("saved", flush=True)
            continue
        start, cpu = time.perf_counter(), time.process_time()
        run()
        print(time.perf_counter() - start, time.process_time() - cpu, flush=True)


class Worker:
    def __init__(self, name: str, problem: str, threads: int | None):
        self.name = name
        env = bytecode_env()
        if threads:  # every library's pool: OpenBLAS (NumPy), OpenMP and intra-op (PyTorch)
            env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                       MKL_NUM_THREADS=str(threads))
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker", name, problem],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)

    def call(self, line: str = "go") -> str:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise SystemExit(f"worker {self.name} failed")
        return answer.strip()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def bench_dense(repeats: int, have_torch: bool, threads: int | None) -> None:
    print("\n[dense] Hessians in-process, forward pass included; medians of alternating calls"
          + (f"; {threads} thread(s) per library" if threads else "; the libraries' default threads"))
    names = ["gradcli", "gradcli-plain"] + (["torch"] if have_torch else [])
    for problem, label in (("rosenbrock", "Rosenbrock, 1,000 dimensions"),
                           ("mlp", "MLP loss, 200 parameters (W1 8x10, b1, W2 10x10, b2)")):
        workers = [Worker(n, problem, threads) for n in names]
        try:
            matrices = {}
            for w in workers:
                path = DATA / f"hessian-{problem}-{w.name}.npy"
                w.call(f"result {path}")
                matrices[w.name] = np.load(path)
            reference = matrices.get("torch", matrices["gradcli-plain"])
            for name, m in matrices.items():
                scale = max(1.0, float(np.abs(reference).max()))
                diff = float(np.abs(m - reference).max())
                assert diff <= 1e-10 * scale, f"{name} differs from the reference by {diff}"
            times = {w.name: [] for w in workers}
            cpu = {w.name: [] for w in workers}
            for i in range(repeats):
                for w in (workers if i % 2 == 0 else workers[::-1]):
                    wall, used = map(float, w.call().split())
                    times[w.name].append(wall)
                    cpu[w.name].append(used)
                    time.sleep(PAUSE)
        finally:
            for w in workers:
                w.close()
        print(f"  {label}: {matrices['gradcli'].shape[0]} x {matrices['gradcli'].shape[1]}, "
              f"max |gradcli - reference| = {np.abs(matrices['gradcli'] - reference).max():.1e}")
        for name, t in times.items():
            print(f"    {name:<14} median {median(t) * 1e3:8.2f} ms  (min {min(t) * 1e3:.2f}, "
                  f"max {max(t) * 1e3:.2f}, {len(t)} calls); CPU {median(cpu[name]) * 1e3:.2f} ms")
        if "torch" in times:
            ours, plain, theirs = (median(times[n]) for n in ("gradcli", "gradcli-plain", "torch"))
            print(f"    -> gradcli / torch vectorize=True = {verdict(ours / theirs, 1.0)}")
            print(f"       plain forward over reverse / torch = {plain / theirs:.3f}")
            ours, plain, theirs = (median(cpu[n]) for n in ("gradcli", "gradcli-plain", "torch"))
            print(f"       CPU time (load-proof, but torch's second thread counts): gradcli / torch = "
                  f"{ours / theirs:.3f}, plain / torch = {plain / theirs:.3f}")


def bench_sparse(repeats: int) -> None:
    n = 100_000
    print(f"\n[sparse] the {n:,}-dimensional Rosenbrock Hessian through the CLI, whole processes")
    DATA.mkdir(parents=True, exist_ok=True)
    x_path, out = DATA / f"rosenbrock-x{n}.npy", DATA / "rosenbrock-H.npz"
    x = np.random.default_rng(0).uniform(-2, 2, n)
    np.save(x_path, x)
    program = "f = (100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2).sum()"
    command = GRADCLI + ["hessian", program, "--sparse", "--at", f"x=@{x_path}",
                                   "--save", str(out)]
    print(f"  $ gradcli hessian '{program}' --sparse --at x=@x.npy --save H.npz")
    walls = []
    for _ in range(repeats + 1):  # the first run writes the bytecode caches: not counted
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=bytecode_env(), cwd=ROOT, check=False)
        walls.append(time.perf_counter() - start)
        if done.returncode:
            raise SystemExit(done.stderr.decode()[-2000:])
    walls = walls[1:]
    saved = np.load(out)
    rows, cols, values = saved["sparse/row"], saved["sparse/col"], saved["sparse/value"]
    diag, off = rosenbrock_tridiagonal(x)
    low = np.minimum(rows, cols)
    want = np.where(rows == cols, diag[low], np.append(off, 0.0)[low])
    error = float(np.abs(values - want).max())
    passes = subprocess.run(GRADCLI + ["hessian", program, "--sparse", "--at", f"x=@{x_path}", "--json"],
                            capture_output=True, env=bytecode_env(), cwd=ROOT, check=True).stdout
    import json  # noqa: PLC0415
    doc = json.loads(passes)
    print(f"  {values.size:,} nonzeros (the band: {3 * n - 2:,}), {doc['colours']} colours, "
          f"{doc['passes']} pass(es); max |saved - analytic| = {error:.1e} "
          f"(round-off of the analytic formula; values <= {np.abs(want).max():.0f})")
    print(f"  wall: median {median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}, "
          f"{len(walls)} runs) -> {verdict(median(walls), 5.0)} s")
    print(f"  passes: {verdict(doc['passes'], 6)}; torch.func/JAX: no sparse Hessian; the dense "
          f"one is {n * n * 8 / 1e9:.0f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per contender")
    parser.add_argument("--only", choices=["sparse", "dense"], help="one section")
    parser.add_argument("--threads", type=int, help="dense: limit every library to N threads (a loaded "
                        "machine makes thread pools wait for cores; 1 compares the work itself)")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if any(v in os.environ for v in OPENBLAS):  # OpenBLAS reads them when it loads: start again
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS}
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], env)
    try:
        import torch  # noqa: PLC0415
        have_torch, torch_version = True, torch.__version__
    except ImportError:
        have_torch, torch_version = False, "not installed"
    print(f"machine: {machine()}; torch {torch_version}")
    print(f"environment: {' and '.join(OPENBLAS)} unset for every process of this run "
          "(as on a user's machine)")
    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if args.only in (None, "sparse"):
        bench_sparse(max(3, args.repeats // 3))
    if args.only in (None, "dense"):
        bench_dense(args.repeats, have_torch, args.threads)
    print(f"\nload average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"command: {' '.join([Path(sys.executable).name, 'bench/hessians.py', *sys.argv[1:]])}")


if __name__ == "__main__":
    main()
