"""Long programs: a 100,000-statement program end to end, and where its time and memory go.

    y = x
    y = y - x          (then `y = y * x` and `y = y - x` in turn, 99,999 statements in all)

    .venv/bin/python bench/long_program.py                      # 100,000 statements, 3 rounds
    .venv/bin/python bench/long_program.py --baseline ../main   # also the code of another checkout
    .venv/bin/python bench/long_program.py --length 20000 --repeats 5

(a) end to end: `gradcli grad -f long.py --at x=1.0000001 --json`, a whole process: wall time
    and peak resident memory (targets: at most 3 s and 300 MB), beside PyTorch eager running
    the same text as Python (compile, exec with x a 0-d float64 tensor, backward), and beside
    the code of another checkout with --baseline. Contenders alternate, medians are compared.
(b) where the time goes, in a fresh process per round: Python's own ast.parse of the whole
    text (for scale; gradcli's parse includes what it does), gradcli's parse (text -> checked
    statements of instructions), the analysis (inputs and outputs), the interpretation (the
    forward pass, recording the graph), the backward pass; resident memory after each.

Both sides compute dy/dx, checked against the same arithmetic in plain floats.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

from _util import (
    ROOT,
    alternate,
    checkout_env,
    load,
    machine,
    median,
    peak_run,
    without_blas_variables,
)

X = 1.0000001
TARGET_SECONDS, TARGET_MB = 3.0, 300.0


def _constant(k: int) -> str:
    return repr(1 + k * 1e-9)  # a different number on every line


def program(length: int, distinct: bool = False) -> str:
    """The text; distinct: every line differs (y = y * x + c, y = y - x * c), so that no line is
    a repeat the parser could reuse."""
    if distinct:
        return "y = x\n" + "".join(f"y = y * x + {_constant(k)}\n" if k % 2 else
                                    f"y = y - x * {_constant(k)}\n" for k in range(length - 1))
    return "y = x\n" + "".join("y = y * x\n" if k % 2 else "y = y - x\n" for k in range(length - 1))


def reference(length: int, distinct: bool = False) -> tuple[float, float]:
    """y and dy/dx in plain floats, statement by statement."""
    y, dy = X, 1.0
    for k in range(length - 1):
        c = float(_constant(k)) if distinct else None
        if k % 2:
            y, dy = (y * X + c, dy * X + y) if distinct else (y * X, dy * X + y)
        else:
            y, dy = (y - X * c, dy - c) if distinct else (y - X, dy - 1.0)
    return y, dy


# -- (b) the phases, run in a child process ---------------------------------------------------------

PHASES = ("ast.parse", "parse", "analysis", "forward", "backward")


def phases_child(root: str, path: str) -> None:
    """Print one JSON line: seconds and resident MB after each phase, the peak, and dy/dx."""
    import ast  # noqa: PLC0415
    import gc  # noqa: PLC0415
    import resource  # noqa: PLC0415
    import time  # noqa: PLC0415
    sys.path.insert(0, root)
    from gradcli.api import Computation  # noqa: PLC0415
    from gradcli.lang import program as program_module  # noqa: PLC0415
    from gradcli.lang.language import parse  # noqa: PLC0415

    def resident() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20

    text = Path(path).read_text()
    seconds, memory = {}, {}
    start = time.perf_counter()
    tree = ast.parse(text)
    seconds["ast.parse"] = time.perf_counter() - start
    memory["ast.parse"] = resident()
    del tree
    gc.collect()
    start = time.perf_counter()
    statements, source = parse(text)
    seconds["parse"] = time.perf_counter() - start
    memory["parse"] = resident()
    start = time.perf_counter()
    prog = program_module.Program.__new__(program_module.Program)  # Program(text), in two steps
    prog.statements, prog.source = statements, source
    prog.inputs, prog.bindings = {}, []
    try:
        prog._analyse()
    except TypeError:  # a checkout whose analysis takes the names given values (--at e=...)
        prog._analyse(frozenset())
    seconds["analysis"] = time.perf_counter() - start
    memory["analysis"] = resident()
    start = time.perf_counter()
    computation = Computation(prog, {"x": repr(X)})
    seconds["forward"] = time.perf_counter() - start
    memory["forward"] = resident()
    start = time.perf_counter()
    result = computation.backward()
    seconds["backward"] = time.perf_counter() - start
    memory["backward"] = resident()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "memory": memory, "peak": peak,
                      "grad": float(result["grad"]["x"])}))


def phases(root: str, path: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--phases-child", root, path], capture_output=True,
                          text=True, env=checkout_env(root), check=False)
    if done.returncode != 0:
        raise SystemExit(f"phases ({root}) failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


# -- (a) end to end -----------------------------------------------------------------------------------

TORCH_SCRIPT = """
import sys, torch
text = open(sys.argv[1]).read()
code = compile(text, sys.argv[1], "exec")
x = torch.tensor(float(sys.argv[2]), dtype=torch.float64, requires_grad=True)
scope = {"x": x}
exec(code, scope)
scope["y"].backward()
print(repr(float(scope["y"])), repr(float(x.grad)))
"""


def gradcli_command(path: str) -> list[str]:
    # -P: the working directory is not put first on sys.path, so PYTHONPATH (checkout_env) decides
    # which checkout's gradcli runs, wherever the script is started from
    return [sys.executable, "-P", "-m", "gradcli", "grad", "-f", path, "--at", f"x={X!r}", "--json"]


def check_output(name: str, out: str, want: float) -> None:
    if name.startswith("torch"):
        got = float(out.split()[1])
    else:
        got = float(json.loads(out)["grad"]["x"])
    if not math.isclose(got, want, rel_tol=1e-9):
        raise SystemExit(f"{name}: dy/dx = {got!r}, plain floats give {want!r}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--phases-child":
        phases_child(sys.argv[2], sys.argv[3])
        return
    blas = without_blas_variables()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=100_000, help="statements (default 100,000)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--baseline", metavar="CHECKOUT", help="also time gradcli from this checkout")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--distinct", action="store_true",
                        help="every line different (a constant per line): no repeated line to reuse")
    opts = parser.parse_args()
    roots = {"gradcli": str(ROOT)}
    if opts.baseline:
        roots["gradcli (baseline)"] = str(Path(opts.baseline).resolve())
    _, want = reference(opts.length, opts.distinct)
    print(f"machine: {machine()}; {blas}")
    shape = "y = y - x * c and y = y * x + c, c different on every line" if opts.distinct else \
        "y = y - x and y = y * x"
    print(f"program: {opts.length:,} statements (y = x, then {shape} in turn); "
          f"dy/dx at x = {X!r}: {want:.10g}")
    print(f"before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "long.py")
        Path(path).write_text(program(opts.length, opts.distinct))
        print(f"text: {Path(path).stat().st_size:,} bytes")
        commands = {name: (gradcli_command(path), checkout_env(root)) for name, root in roots.items()}
        if not opts.no_torch:
            commands["torch eager (exec)"] = ([sys.executable, "-c", TORCH_SCRIPT, path, repr(X)],
                                              checkout_env())
        runs: dict[str, list] = {name: [] for name in commands}

        def contender(name):
            def run():
                out = Path(tmp) / "out.txt"
                with open(out, "w") as f:
                    runs[name].append(peak_run(commands[name][0], commands[name][1], stdout=f,
                                               with_cpu=True))
                check_output(name, out.read_text(), want)
            return run
        alternate({name: contender(name) for name in commands}, opts.repeats, warmup=0)
        print(f"\n(a) end to end, median of {opts.repeats} alternating runs (wall, peak resident memory, "
              "CPU time):")
        ours = None
        for name, values in runs.items():
            wall, peak = median([v[0] for v in values]), median([v[1] for v in values])
            cpu = median([v[2] for v in values])
            ours = ours or (wall, peak, cpu)
            print(f"    {name:22} {wall:7.2f} s  {peak:7.0f} MB  {cpu:7.2f} s CPU"
                  f"   ratio to gradcli: {wall / ours[0]:.2f}x time, {peak / ours[1]:.2f}x memory, "
                  f"{cpu / ours[2]:.2f}x CPU")
        verdicts = [f"{ours[0]:.2f} s (target <= {TARGET_SECONDS}: "
                    f"{'met' if ours[0] <= TARGET_SECONDS else 'MISSED'})",
                    f"{ours[1]:.0f} MB (target <= {TARGET_MB:.0f}: "
                    f"{'met' if ours[1] <= TARGET_MB else 'MISSED'})"]
        print(f"    gradcli: {', '.join(verdicts)}")

        print(f"\n(b) where the time goes, in-process, a fresh process per round, median of {opts.repeats}:")
        found = {name: [] for name in roots}
        alternate({name: (lambda n=name: found[n].append(phases(roots[n], path))) for name in roots},
                  opts.repeats, warmup=0)
        header = "".join(f"{p:>18}" for p in PHASES)
        print(f"    {'':22}{header}{'peak':>10}")
        for name, rows in found.items():
            for row in rows:
                if not math.isclose(row["grad"], want, rel_tol=1e-9):
                    raise SystemExit(f"{name}: dy/dx = {row['grad']!r}, plain floats give {want!r}")
            cells = "".join(f"{median([r['seconds'][p] for r in rows]):7.2f} s {median([r['memory'][p] for r in rows]):5.0f} MB"
                            for p in PHASES)
            print(f"    {name:22}{cells}{median([r['peak'] for r in rows]):7.0f} MB")
        print("    (each cell: seconds of the phase, resident memory after it; ast.parse is Python's "
              "alone, freed before gradcli's parse)")
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
