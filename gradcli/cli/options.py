"""The options every computing command shares, declared once, and the path they all take:
options -> a Computation -> the result rendered (tables, JSON, .npz).

Command modules import from here; nothing here imports a command module.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Annotated, Optional

import typer

from ..errors import GradcliError
from ..limits import MAX_PROGRAM_BYTES

MAX_CHUNK_SIZE = 2 ** 63 - 1  # an int64: the largest count NumPy and the OS can be asked for

# -- the options every computing command shares, declared once -------------------------------------
Programs = Annotated[Optional[list[str]], typer.Argument(
    metavar="PROGRAM...", help="program text; several arguments are consecutive statements",
    show_default=False)]
ProgramFile = Annotated[Optional[str], typer.Option(
    "-f", "--file", metavar="FILE", help="read the program from FILE (- = stdin)")]
At = Annotated[Optional[list[str]], typer.Option(
    "--at", metavar="NAME=VALUE", help="input values: NAME=VALUE[,NAME=VALUE...] (repeatable); VALUE "
                                       "is a number, [[1,2]], 1,2,3, randn(3,4) or @FILE (.npy, .json, "
                                       ".csv)")]
Inputs = Annotated[Optional[str], typer.Option(
    "--inputs", metavar="FILE", help="a JSON file of {name: value} (- = stdin)")]
Outputs = Annotated[Optional[str], typer.Option(
    "--output", metavar="NAMES", help="comma list of names to treat as outputs")]
Wrt = Annotated[Optional[str], typer.Option(
    "--wrt", metavar="NAMES", help="comma list of inputs to differentiate (the others: constants)")]
Json = Annotated[bool, typer.Option("--json", help="one JSON object on stdout")]
Dtype = Annotated[str, typer.Option("--dtype", metavar="float64|float32", help="the float type")]
Device = Annotated[str, typer.Option("--device", metavar="cpu|cuda|cuda:N", envvar="GRADCLI_DEVICE",
                                     help="where to compute (cuda: needs CuPy and a GPU)")]
Seed = Annotated[int, typer.Option("--seed", metavar="N", min=0, help="seed for rand/randn")]
Precision = Annotated[int, typer.Option(
    "--precision", metavar="N", min=1, max=17, help="significant digits in tables")]
Save = Annotated[Optional[str], typer.Option(
    "--save", metavar="FILE.npz", help="also write every array to FILE.npz (all of a big result)")]
Points = Annotated[Optional[str], typer.Option(
    "--points", metavar="FILE", help="evaluate at every point of FILE (- = stdin): NDJSON, CSV, .npy "
                                     "or .npz; streams NDJSON results (or --save FILE.npz)")]
KeepGoing = Annotated[bool, typer.Option(
    "--keep-going", help="with --points: write an error object for a bad point and go on (exit 2 at the end)")]
ChunkSize = Annotated[Optional[int], typer.Option(
    "--chunk-size", metavar="N", min=1,
    help="with --points: points read, computed and written together (default 4096; .npy/.npz: up to 131072)")]

@dataclass
class Common:
    program: list | None = None
    file: str | None = None
    at: list | None = None
    inputs: str | None = None
    output: str | None = None
    wrt: str | None = None
    json: bool = False
    dtype: str = "float64"
    device: str = "cpu"
    seed: int = 0
    precision: int = 6
    save: str | None = None
    points: str | None = None
    keep_going: bool = False
    chunk_size: int | None = None


def _common(scope: dict) -> Common:
    fields = Common.__dataclass_fields__
    return Common(**{k: v for k, v in scope.items() if k in fields})


def read_program(opts: Common) -> str:
    parts = list(opts.program or [])
    if opts.file is not None:
        parts.insert(0, _read_text(opts.file, "-f"))
    if not parts:
        raise GradcliError("no program: give PROGRAM text or -f FILE", kind="usage")
    return "\n".join(parts)


def _read_text(path: str, option: str) -> str:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_PROGRAM_BYTES + 1)
        else:
            with open(path, "rb") as f:
                data = f.read(MAX_PROGRAM_BYTES + 1)
    except OSError as exc:
        raise GradcliError(f"{option}: cannot read {path}: {exc.strerror or exc}", kind="io") from None
    if len(data) > MAX_PROGRAM_BYTES:
        raise GradcliError(f"{option}: the program is longer than the limit of {MAX_PROGRAM_BYTES:,} "
                           "bytes", kind="limit")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise GradcliError(f"{option}: {path} is not UTF-8 text", kind="value") from None


def input_values(opts: Common) -> dict:
    from ..io.values import load_inputs_file, parse_assignments  # noqa: PLC0415
    values: dict = {}
    if opts.inputs is not None:
        values.update(load_inputs_file(opts.inputs))
    values.update(parse_assignments(opts.at or []))
    return values


def computation(opts: Common):
    text = read_program(opts)
    from ..lang.script import is_script  # noqa: PLC0415 - a regular expression, nothing heavy
    if is_script(text):  # a PyTorch script: its out.backward(v) call is the output and the gradient
        return _script_computation(text, opts)
    from ..api import Computation  # noqa: PLC0415
    return Computation(text, input_values(opts), wrt=opts.wrt, outputs=opts.output, dtype=opts.dtype,
                       seed=opts.seed, device=opts.device)


def _script_computation(text: str, opts: Common):
    for given, option in ((opts.at or opts.inputs, "--at/--inputs"), (opts.output, "--output"),
                          (opts.device != "cpu", "--device"), (opts.dtype != "float64", "--dtype")):
        if given:
            raise GradcliError(f"{option} does not apply to a PyTorch script: it makes its own values, "
                               "in its own dtypes (edit the script to change them)", kind="usage")
    from ..lang.script.computation import from_script  # noqa: PLC0415
    return from_script(text, wrt=opts.wrt, seed=opts.seed)


def emit(result: dict, opts: Common) -> None:
    """stdout carries the data; warnings go to stderr. --save first: a file that cannot be
    written stops the run before anything is printed."""
    from ..core import backend  # noqa: PLC0415
    from ..io import render  # noqa: PLC0415
    from ..io.interrupts import whole  # noqa: PLC0415
    for message in backend.watch.messages() or backend.device_warnings(result):
        backend.warn(message)
    if opts.save is not None:
        render.save_npz(opts.save, result)
    nonfinite = render.has_nonfinite(result)
    if nonfinite:
        where = ['written as "NaN", "Infinity", "-Infinity"'] if opts.json else []
        where += [f"{opts.save} holds them as they are"] if opts.save is not None else []
        backend.warn("the result holds NaN or inf" + (f" ({'; '.join(where)})" if where else ""))
    with whole():  # a Ctrl-C now waits for the end of the document: never a torn one
        if opts.json:
            render.write_json(result, render.stdout_bytes())
        else:
            from rich.console import Console  # noqa: PLC0415
            try:
                render.tables(result, opts.precision, Console(highlight=False))
            except SystemExit:  # Rich's answer to a closed pipe (`| head`) is exit 1, our "check failed"
                raise BrokenPipeError from None
        sys.stdout.flush()


def check_options(opts: Common) -> None:
    """What can be refused before computing: a --save destination that cannot be written
    (found now, not after the whole computation), a --chunk-size no machine could use."""
    if opts.chunk_size is not None and opts.chunk_size > MAX_CHUNK_SIZE:
        raise GradcliError(f"--chunk-size must be at most {MAX_CHUNK_SIZE:,}, got {opts.chunk_size:,}",
                           kind="usage", hint="leave it out: the default is chosen to bound memory")
    if opts.save is not None:
        from ..io.files import check_destination  # noqa: PLC0415
        check_destination(opts.save)


def run(scope: dict, compute) -> None:
    """Build the computation from the shared options, compute, render."""
    from ..core import backend  # noqa: PLC0415
    opts = _common(scope)
    check_options(opts)
    if opts.points is not None:  # many points: batched, streamed (points.py)
        from ..io.points import run_points  # noqa: PLC0415
        from ..lang.script import is_script  # noqa: PLC0415
        text = read_program(opts)
        if is_script(text):
            raise GradcliError("--points does not apply to a PyTorch script (it makes its own values)",
                               kind="usage")
        return run_points(opts, compute, text, input_values(opts))
    with backend.watch:
        result = compute(computation(opts))
    emit(result, opts)
