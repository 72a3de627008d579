"""GPU offload, measured: the op tests on CuPy, then the big workloads on the GPU against the
CPU engine (and against PyTorch CUDA when it is installed).

    python bench/gpu.py                  # everything: needs an NVIDIA GPU and CuPy
    python bench/gpu.py --quick          # small sizes: a smoke test of the GPU path
    python bench/gpu.py --dry-run --quick  # NumPy stands in for the GPU: checks this script anywhere
    python bench/gpu.py --json gpu.json  # also write every figure to a file

Workloads (SPEC's bench sizes where a GPU matters):
  mlp       h = tanh(x @ W1 + b1); y = h @ W2 + b2; loss = mean((y - t)**2)
            x, t 16384x4096; W1, W2 4096x4096; the gradient for W1, b1, W2, b2
  jacobian  y = tanh(W @ x) * x, W 4096x4096: the 4096x4096 Jacobian dy/dx, reverse and forward

Each is timed two ways: "engine" (values already on the device, the recorded program and its
derivative, synchronized) and "end to end" (gradcli.Computation: host values in, NumPy results
out, the copies both ways included). The median of --repeat runs after one warm-up run.

Without a GPU (or CuPy) it says so, lists what stays unmeasured, and exits 0 (1 with --require-gpu).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from gradcli.core import backend, engine  # noqa: E402
from gradcli.api import Computation  # noqa: E402
from gradcli.errors import GradcliError  # noqa: E402
from gradcli.lang.functions import Context  # noqa: E402
from gradcli.lang.program import Program  # noqa: E402
from gradcli.core.tensor import Tensor, constant  # noqa: E402

MLP = "h = tanh(x @ W1 + b1); y = h @ W2 + b2; loss = mean((y - t)**2)"
MLP_WRT = ["W1", "b1", "W2", "b2"]
JAC = "y = tanh(W @ x) * x"

OWED = """GPU measurements still owed (run `python bench/gpu.py` on a machine with an NVIDIA GPU):
  - tests/test_backend.py on CuPy (GRADCLI_TEST_NAMESPACE=cupy): every op sample, VJP, JVP,
    both Jacobians, the sparse Jacobian and Hessians against NumPy
  - the MLP gradient (x 16384x4096, two 4096x4096 layers): GPU vs CPU engine (target >= 20x),
    and CuPy vs PyTorch CUDA
  - the 4096x4096 Jacobian of y = tanh(W @ x) * x, reverse and forward: GPU vs CPU, vs PyTorch"""


# -- the device under test -------------------------------------------------------------------------

class Device:
    """The GPU side: 'cuda' with CuPy, or (--dry-run) NumPy standing in for it."""

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.name = "cpu" if dry_run else "cuda"
        backend.use(self.name)
        self.xp = backend.xp
        backend.use("cpu")

    def sync(self):
        if not self.dry_run:
            self.xp.cuda.Device().synchronize()

    def describe(self) -> str:
        if self.dry_run:
            return "NumPy standing in for a GPU (--dry-run: the ratios mean nothing)"
        cupy = self.xp
        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        return (f"{name}, {props['totalGlobalMem'] / 2**30:.0f} GiB, CuPy {cupy.__version__}, "
                f"CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}")

    def free(self):
        if not self.dry_run:
            self.xp.get_default_memory_pool().free_all_blocks()


def timed(fn, sync, repeat: int) -> float:
    """Median seconds of `repeat` runs after one warm-up run (kernels compiled, pools filled)."""
    fn()
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def no_sync():
    pass


# -- step 1: the op tests on CuPy --------------------------------------------------------------------

def op_tests(dry_run: bool) -> dict:
    env = {**os.environ, "GRADCLI_TEST_NAMESPACE": "numpy" if dry_run else "cupy",
           "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "pytest", os.path.join(ROOT, "tests", "test_backend.py"),
           "-q", "-o", "addopts=", "-p", "no:cacheprovider", "-p", "no:warnings"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    summary = lines[-1] if lines else proc.stderr.strip()[-300:]
    if proc.returncode != 0:
        print(proc.stdout[-6000:], proc.stderr[-2000:], sep="\n")
    return {"command": "GRADCLI_TEST_NAMESPACE=%s %s" % (env["GRADCLI_TEST_NAMESPACE"], " ".join(cmd[1:])),
            "returncode": proc.returncode, "summary": summary,
            "seconds": round(time.perf_counter() - start, 1)}


# -- the workloads -----------------------------------------------------------------------------------

def mlp_values(batch: int, width: int, rng) -> dict:
    scale = 1.0 / np.sqrt(width)
    return {"x": rng.standard_normal((batch, width)), "t": rng.standard_normal((batch, width)),
            "W1": rng.standard_normal((width, width)) * scale, "b1": rng.standard_normal(width) * 0.1,
            "W2": rng.standard_normal((width, width)) * scale, "b2": rng.standard_normal(width) * 0.1}


def jac_values(n: int, rng) -> dict:
    return {"W": rng.standard_normal((n, n)) / np.sqrt(n), "x": rng.standard_normal(n)}


def engine_runner(text: str, values: dict, wrt: list, dtype: str, device: str, task: str):
    """A closure that runs the recorded program and its derivative on arrays already on the device."""
    backend.use(device)
    dt = backend.dtype_of(dtype)
    leaves = {n: Tensor(backend.from_numpy(v, dt), None, requires_grad=n in wrt) for n, v in values.items()}
    program = Program(text)
    ctx = Context(dt, np.random.default_rng(0))
    out_name = program.default_outputs[0]
    wrt_leaves = [leaves[n] for n in wrt]
    result = {}

    def run():
        env = program.run(leaves, ctx)
        out = env[out_name]
        if task == "gradient":
            grads = engine.backward([out], [constant(1.0, out)])
            result["value"] = [grads[leaf.index].data for leaf in wrt_leaves]
        else:
            run_mode = engine.jacobian_reverse if task == "reverse" else engine.jacobian_forward
            blocks, _ = run_mode([out], wrt_leaves)
            result["value"] = [blocks[0][0]]
    return run, result


def end_to_end(text: str, values: dict, wrt: list, dtype: str, device: str, task: str):
    def run():
        c = Computation(text, values, wrt=wrt, dtype=dtype, device=device)
        if task == "gradient":
            return c.backward()
        return c.jacobian(task)
    return run


def compare(a_list, b_list) -> float:
    """Largest difference relative to the largest magnitude, over all arrays."""
    worst = 0.0
    for a, b in zip(a_list, b_list):
        a, b = backend.to_numpy(a).astype(np.float64), backend.to_numpy(b).astype(np.float64)
        worst = max(worst, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)))
    return worst


def torch_cuda():
    try:
        import torch  # noqa: PLC0415
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def torch_runner(torch, workload: str, values: dict, dtype: str, task: str):
    dt = getattr(torch, dtype)
    dev = torch.device("cuda")
    v = {n: torch.as_tensor(a, dtype=dt, device=dev) for n, a in values.items()}
    if workload == "mlp":
        params = [v[n].requires_grad_() for n in MLP_WRT]

        def run():
            for p in params:
                p.grad = None
            h = torch.tanh(v["x"] @ v["W1"] + v["b1"])
            y = h @ v["W2"] + v["b2"]
            torch.mean((y - v["t"]) ** 2).backward()
        return run
    W = v["W"]
    f = lambda x: torch.tanh(W @ x) * x  # noqa: E731
    jac = torch.func.jacrev(f) if task == "reverse" else torch.func.jacfwd(f)
    return lambda: jac(v["x"])


# -- the report ----------------------------------------------------------------------------------------

def bench(args, device: Device) -> list[dict]:
    rng = np.random.default_rng(0)
    torch = None if device.dry_run or args.no_torch else torch_cuda()
    rows = []
    work = []
    if "mlp" in args.workloads:
        work.append(("mlp", MLP, mlp_values(args.batch, args.width, rng), MLP_WRT, ["gradient"],
                     f"MLP gradient, x {args.batch}x{args.width}, layers {args.width}x{args.width}"))
    if "jacobian" in args.workloads:
        work.append(("jacobian", JAC, jac_values(args.n, rng), ["x"], ["reverse", "forward"],
                     f"Jacobian {args.n}x{args.n} of tanh(W @ x) * x"))
    for dtype in args.dtypes:
        for workload, text, values, wrt, tasks, title in work:
            for task in tasks:
                row = {"workload": workload, "task": task, "dtype": dtype, "what": title}
                cpu_run, cpu_result = engine_runner(text, values, wrt, dtype, "cpu", task)
                row["cpu_engine_s"] = timed(cpu_run, no_sync, args.cpu_repeat)
                gpu_run, gpu_result = engine_runner(text, values, wrt, dtype, device.name, task)
                row["gpu_engine_s"] = timed(gpu_run, device.sync, args.repeat)
                row["max_rel_diff_gpu_vs_cpu"] = compare(gpu_result["value"], cpu_result["value"])
                del cpu_run, cpu_result, gpu_run, gpu_result
                backend.use("cpu")
                device.free()
                row["gpu_end_to_end_s"] = timed(end_to_end(text, values, wrt, dtype, device.name, task),
                                                device.sync, args.repeat)
                backend.use("cpu")
                device.free()
                row["engine_speedup"] = row["cpu_engine_s"] / row["gpu_engine_s"]
                if torch is not None:
                    run = torch_runner(torch, workload, values, dtype, task)
                    row["torch_cuda_s"] = timed(run, torch.cuda.synchronize, args.repeat)
                    row["gpu_engine_vs_torch"] = row["gpu_engine_s"] / row["torch_cuda_s"]
                    del run
                    torch.cuda.empty_cache()
                rows.append(row)
                print(format_row(row), flush=True)
    return rows


def format_row(row: dict) -> str:
    parts = [f"{row['what']} [{row['task']}, {row['dtype']}]:",
             f"CPU engine {row['cpu_engine_s'] * 1e3:.1f} ms,",
             f"GPU engine {row['gpu_engine_s'] * 1e3:.1f} ms ({row['engine_speedup']:.1f}x),",
             f"GPU end to end {row['gpu_end_to_end_s'] * 1e3:.1f} ms"
             f" ({row['cpu_engine_s'] / row['gpu_end_to_end_s']:.1f}x)"]
    if "torch_cuda_s" in row:
        parts.append(f"; PyTorch CUDA {row['torch_cuda_s'] * 1e3:.1f} ms "
                     f"(gradcli/PyTorch time {row['gpu_engine_vs_torch']:.2f})")
    parts.append(f"; max rel. diff GPU vs CPU {row['max_rel_diff_gpu_vs_cpu']:.1e}")
    return " ".join(parts)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    p.add_argument("--dry-run", action="store_true", help="NumPy stands in for the GPU (checks the script)")
    p.add_argument("--require-gpu", action="store_true", help="exit 1 instead of 0 when there is no GPU")
    p.add_argument("--no-tests", action="store_true", help="skip the op tests on CuPy")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch CUDA")
    p.add_argument("--workloads", default="mlp,jacobian", help="comma list: mlp, jacobian")
    p.add_argument("--dtypes", default="float32,float64", help="comma list: float32, float64")
    p.add_argument("--batch", type=int, default=None, help="MLP batch (default 16384; --quick 512)")
    p.add_argument("--width", type=int, default=None, help="MLP width (default 4096; --quick 256)")
    p.add_argument("--n", type=int, default=None, help="Jacobian size (default 4096; --quick 256)")
    p.add_argument("--repeat", type=int, default=5, help="timed GPU runs (median)")
    p.add_argument("--cpu-repeat", type=int, default=2, help="timed CPU runs (median)")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    args.batch = args.batch or (512 if args.quick else 16384)
    args.width = args.width or (256 if args.quick else 4096)
    args.n = args.n or (256 if args.quick else 4096)
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.dtypes = [d for d in args.dtypes.split(",") if d]

    print("backends:", ", ".join(backend.available_backends()))
    try:
        device = Device(args.dry_run)
    except GradcliError as exc:
        print(f"no GPU here: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        print(OWED, file=sys.stderr)
        return 1 if args.require_gpu else 0
    report = {"device": device.describe(), "cpu": f"{platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores, NumPy {np.__version__}", "sizes": vars(args)}
    print("GPU side:", report["device"])
    print("CPU side:", report["cpu"])
    if not args.no_tests:
        report["op_tests"] = op_tests(args.dry_run)
        print(f"op tests on {'NumPy (dry run)' if args.dry_run else 'CuPy'}: "
              f"{report['op_tests']['summary']} ({report['op_tests']['seconds']} s)", flush=True)
    report["rows"] = bench(args, device)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=str)
    failed = report.get("op_tests", {}).get("returncode", 0) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
