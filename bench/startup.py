"""Start-up: `gradcli jacobian ... --json` against `python -c "import numpy"`, same interpreter.

    .venv/bin/python bench/startup.py            # 21 alternating runs each
    .venv/bin/python bench/startup.py --repeats 41 --importtime

Acceptance: the median wall time of gradcli is at most 1.6x that of importing NumPy.
--importtime also lists the slowest imports of one gradcli run and whether the
heavy libraries that --json must not need (rich, sympy, scipy, torch, pydantic) were loaded.
"""
from __future__ import annotations

import argparse
import subprocess

from _util import (
    alternate,
    bytecode_env,
    gradcli_command,
    machine,
    median,
    run_quiet,
    spread,
    venv_python,
    verdict,
)

PROGRAM = "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1"
ARGS = ["jacobian", PROGRAM, "--at", "a0=2,a1=4", "--json"]
TARGET = 1.6
HEAVY = ("rich", "sympy", "scipy", "torch", "pydantic")


def import_report(top: int = 15) -> None:
    """The slowest imports (cumulative) of one gradcli run, and which heavy libraries it loaded."""
    done = subprocess.run([venv_python(), "-X", "importtime", "-m", "gradcli", *ARGS],
                          capture_output=True, text=True, env=bytecode_env(), check=False)
    rows = []  # (cumulative microseconds, nesting depth, module)
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        module = parts[2].rstrip()
        depth = (len(module) - len(module.lstrip()) - 1) // 2
        rows.append((int(parts[1]), depth, module.strip()))
    print("\nslowest top-level imports of one run (cumulative, ms):")
    for cumulative, depth, module in sorted((r for r in rows if r[1] == 0), reverse=True)[:top]:
        print(f"  {cumulative / 1e3:7.1f}  {module}")
    loaded = sorted({m.split(".")[0] for _, _, m in rows} & set(HEAVY))
    print(f"heavy libraries loaded: {', '.join(loaded) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed runs of each (default 21)")
    parser.add_argument("--importtime", action="store_true", help="also show where start-up goes")
    parser.add_argument("--launcher", metavar="SCRIPT",
                        help="time `python SCRIPT ARGS` instead of the gradcli console script, "
                             "to try a start-up change before making it")
    opts = parser.parse_args()

    env = bytecode_env()
    gradcli = ([venv_python(), opts.launcher] if opts.launcher else gradcli_command()) + ARGS
    numpy = [venv_python(), "-c", "import numpy"]
    times = alternate({"gradcli": lambda: run_quiet(gradcli, env),
                       "numpy": lambda: run_quiet(numpy, env)}, opts.repeats, warmup=2)
    ratio = median(times["gradcli"]) / median(times["numpy"])
    print(f"machine: {machine()}")
    print(f"gradcli {' '.join(ARGS[:1])} ... --json : {spread(times['gradcli'])}")
    print(f"python -c 'import numpy'         : {spread(times['numpy'])}")
    print(f"ratio of medians ({opts.repeats} alternating runs each): {verdict(ratio, TARGET)}")
    if opts.importtime:
        import_report()


if __name__ == "__main__":
    main()
