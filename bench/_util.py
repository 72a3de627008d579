"""What every benchmark here shares: the machine's description, alternating timed runs, medians.

The machine these run on is shared and noisy, so each benchmark times its
contenders in ONE run, alternating them (A B A B ...), and compares medians:
a burst of load from elsewhere then hits both sides instead of one.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"  # git-ignored


def venv_python() -> str:
    """The interpreter gradcli is installed in (this one, when run as .venv/bin/python)."""
    return sys.executable


def gradcli_command() -> list[str]:
    """`gradcli` as a user runs it: the console script beside the interpreter."""
    script = Path(sys.executable).with_name("gradcli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gradcli"]


def machine() -> str:
    """'2 CPUs, AMD EPYC ..., Python 3.11.7, NumPy 2.x' for the tables."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy as np  # noqa: PLC0415
    return (f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}, "
            f"NumPy {np.__version__}")


def bytecode_env() -> dict:
    """The environment for timed subprocesses, with .pyc writing allowed.

    Start-up is measured as a user meets it: with compiled bytecode cached. Where
    PYTHONDONTWRITEBYTECODE is set, every import would compile its module from
    source again (tens of milliseconds that no installed copy pays).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_quiet(command: list[str], env: dict | None = None) -> float:
    """Wall seconds of one subprocess run; its output is discarded, a failure is an error."""
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)[:200]}\n"
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def alternate(contenders: dict, repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Call each zero-argument timer in turn, `repeats` rounds; returns the seconds per name.

    The order inside a round alternates too (A B, then B A), so neither side
    always runs right after the other.
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeats):
        for name in (names if i % 2 == 0 else names[::-1]):
            times[name].append(contenders[name]())
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    """'median (min-max)' in milliseconds."""
    return f"{median(values) * 1e3:.1f} ms (min {min(values) * 1e3:.1f}, max {max(values) * 1e3:.1f})"


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.3f} (target <= {target}: {'met' if ratio <= target else 'MISSED'})"


# -- what the benchmarks of issue 14 (deep chain, long programs, MLP memory) share -----------------

# The machine's OpenBLAS workaround variables: a user's machine has neither, and with them set
# NumPy and PyTorch pick other kernels. Benchmarks against PyTorch run without them.
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def without_blas_variables() -> str:
    """Re-run this script without the OpenBLAS variables if they are set (they are read when
    NumPy loads, so removing them later changes nothing); returns the line the output prints."""
    if any(name in os.environ for name in BLAS_VARIABLES):
        env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    return f"{' and '.join(BLAS_VARIABLES)}: unset (as on a user's machine)"


def use_checkout(root: str | Path = ROOT) -> None:
    """Import gradcli from `root` (this checkout by default), not from wherever the interpreter
    has it installed: the figures are about the code beside this script."""
    root = str(Path(root).resolve())
    if sys.path[0] != root:
        sys.path.insert(0, root)


def checkout_env(root: str | Path = ROOT) -> dict:
    """bytecode_env() for a subprocess that imports gradcli from `root`."""
    env = bytecode_env()
    env["PYTHONPATH"] = str(Path(root).resolve())
    return env


def peak_run(command: list[str], env: dict | None = None, stdout=subprocess.DEVNULL,
             with_cpu: bool = False) -> tuple:
    """(wall seconds, peak resident memory in MB) of one subprocess, and with_cpu its CPU seconds
    (user + system: what a loaded machine inflates least); a failure is an error."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, command))[:200]}\n"
                         f"{err.decode(errors='replace')[-2000:]}")
    if with_cpu:
        return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024


def load() -> str:
    """The load averages, for the report: the machine is shared."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"
