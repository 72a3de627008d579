"""`gradcli run` against real PyTorch on the polynomial fit of PyTorch's "Learning PyTorch with
examples" (autograd version): 2,000 steps of manual gradient descent, a third-order polynomial
fitted to sin(x) on 2,000 float32 points, the loss printed every 100 steps.

    .venv/bin/python bench/polyfit.py              # 7 alternating runs of each, whole processes
    .venv/bin/python bench/polyfit.py --repeats 11

Both sides are whole processes running the same file (`gradcli run polyfit_script.py` and
`python polyfit_script.py`), timed alternately (A B, then B A...) so that load from elsewhere
lands on both; the figure is the ratio of the medians, wall and CPU (the children's user +
system time, which a busy machine disturbs less). Acceptance: at most 2x PyTorch's time.
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from both environments.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import time

from _util import DATA, ROOT, alternate, bytecode_env, machine, median, venv_python

SCRIPT = '''import torch
import math

dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
'''
TARGET = 2.0


def environment() -> dict:
    env = bytecode_env()
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(name, None)
    return env


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """(wall, cpu) seconds of one whole process; its output is discarded, a failure is an error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False,
                          cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n"
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each (default 7)")
    opts = parser.parse_args()
    try:
        import torch  # noqa: F401 - only to say so plainly when it is missing
    except ImportError:
        raise SystemExit("PyTorch is not installed in this interpreter: the comparison needs it") from None
    DATA.mkdir(exist_ok=True)
    script = DATA / "polyfit_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = environment()
    # `python -m gradcli` from the project root: the checkout's code, installed or not
    sides = {"gradcli run": [venv_python(), "-m", "gradcli", "run", str(script)],
             "python + torch": [venv_python(), str(script)]}
    samples: dict[str, list] = {name: [] for name in sides}

    def contender(name):
        def once():
            wall, cpu = timed(sides[name], env)
            samples[name].append(cpu)
            return wall
        return once
    walls = alternate({name: contender(name) for name in sides}, opts.repeats)
    cpus = {name: values[-opts.repeats:] for name, values in samples.items()}
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    for name in sides:
        print(f"{name:>15}: wall median {median(walls[name]):.3f} s (min {min(walls[name]):.3f}), "
              f"cpu median {median(cpus[name]):.3f} s")
    wall_ratio = median(walls["gradcli run"]) / median(walls["python + torch"])
    cpu_ratio = median(cpus["gradcli run"]) / median(cpus["python + torch"])
    met = "met" if wall_ratio <= TARGET else "MISSED"
    print(f"ratio gradcli / PyTorch: wall {wall_ratio:.3f}, cpu {cpu_ratio:.3f} (target <= {TARGET}: {met})")


if __name__ == "__main__":
    main()
