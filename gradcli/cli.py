"""The command line: flags -> library -> render. Errors are caught once, in `main`."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import ExitCode, GradcliError
from .limits import MAX_PROGRAM_BYTES

_SETTINGS = {"add_completion": False, "pretty_exceptions_enable": False, "rich_markup_mode": None,
             "context_settings": {"help_option_names": ["-h", "--help"]}}
app = typer.Typer(no_args_is_help=True, **_SETTINGS,
                  help="gradcli: gradients, Jacobians, VJPs, JVPs and Hessians of small programs, "
                       "from the shell. Run `gradcli COMMAND --help` for each command.")

# -- the options every computing command shares, declared once -------------------------------------
Programs = Annotated[Optional[list[str]], typer.Argument(
    help="program text; several arguments are consecutive statements", show_default=False)]
ProgramFile = Annotated[Optional[str], typer.Option("-f", "--file", help="read the program from FILE (- = stdin)")]
At = Annotated[Optional[list[str]], typer.Option("--at", help="input values: NAME=VALUE[,NAME=VALUE...] (repeatable)")]
Inputs = Annotated[Optional[str], typer.Option("--inputs", help="JSON file of {name: value} (- = stdin)")]
Outputs = Annotated[Optional[str], typer.Option("--output", help="comma list of names to treat as outputs")]
Wrt = Annotated[Optional[str], typer.Option("--wrt", help="comma list of inputs to differentiate")]
Json = Annotated[bool, typer.Option("--json", help="one JSON object on stdout")]
Dtype = Annotated[str, typer.Option("--dtype", help="float64 or float32")]
Device = Annotated[str, typer.Option("--device", envvar="GRADCLI_DEVICE", help="cpu, cuda or cuda:N")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="seed for rand/randn (0 or more)")]
Precision = Annotated[int, typer.Option("--precision", min=1, max=17, help="significant digits in tables")]
Save = Annotated[Optional[str], typer.Option("--save", help="also write every array to FILE.npz")]
Points = Annotated[Optional[str], typer.Option(
    "--points", help="evaluate at every point of FILE (- = stdin): NDJSON, CSV, .npy or .npz; "
                     "streams NDJSON results (or --save FILE.npz)")]
KeepGoing = Annotated[bool, typer.Option(
    "--keep-going", help="with --points: write an error object for a bad point and go on (exit 2 at the end)")]
ChunkSize = Annotated[Optional[int], typer.Option(
    "--chunk-size", min=1, help="with --points: points read, computed and written together (default 4096; .npy/.npz: up to 131072)")]


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
    from .values import load_inputs_file, parse_assignments  # noqa: PLC0415
    values: dict = {}
    if opts.inputs is not None:
        values.update(load_inputs_file(opts.inputs))
    values.update(parse_assignments(opts.at or []))
    return values


def computation(opts: Common):
    from .api import Computation  # noqa: PLC0415
    text = read_program(opts)
    return Computation(text, input_values(opts), wrt=opts.wrt, outputs=opts.output, dtype=opts.dtype,
                       seed=opts.seed, device=opts.device)


def emit(result: dict, opts: Common) -> None:
    """stdout carries the data; warnings go to stderr."""
    from . import backend  # noqa: PLC0415
    for message in backend.watch.messages() or backend.device_warnings(result):
        backend.warn(message)
    if opts.save:
        from .render import save_npz  # noqa: PLC0415
        try:
            save_npz(opts.save, result)
        except OSError as exc:
            raise GradcliError(f"--save: cannot write {opts.save}: {exc.strerror or exc}", kind="io") from None
    if opts.json:
        from .render import to_json  # noqa: PLC0415
        text, nonfinite = to_json(result)
        if nonfinite:
            backend.warn('the result holds NaN or inf, written as "NaN", "Infinity", "-Infinity"')
        sys.stdout.write(text + "\n")
    else:
        from rich.console import Console  # noqa: PLC0415
        from .render import tables  # noqa: PLC0415
        try:
            tables(result, opts.precision, Console(highlight=False))
        except SystemExit:  # Rich's answer to a closed pipe (`| head`) is exit 1, our "check failed"
            raise BrokenPipeError from None
    sys.stdout.flush()


def run(scope: dict, compute) -> None:
    """Build the computation from the shared options, compute, render."""
    from . import backend  # noqa: PLC0415
    opts = _common(scope)
    if opts.points is not None:  # many points: batched, streamed (points.py)
        from .points import run_points  # noqa: PLC0415
        return run_points(opts, compute, read_program(opts), input_values(opts))
    with backend.watch:
        result = compute(computation(opts))
    emit(result, opts)


# -- commands ------------------------------------------------------------------------------------

@app.command("eval")
def eval_(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
          output: Outputs = None, json: Json = False, dtype: Dtype = "float64", device: Device = "cpu",
          seed: Seed = 0, precision: Precision = 6, save: Save = None, points: Points = None,
          keep_going: KeepGoing = False, chunk_size: ChunkSize = None):
    """Evaluate the program: its outputs."""
    run(locals(), lambda c: c.evaluate())


@app.command()
def backward(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
             output: Outputs = None, wrt: Wrt = None,
             gradient: Annotated[Optional[list[str]], typer.Option(
                 "--gradient", help="v in out.backward(v): flat, nested or NAME=VALUE; repeated = accumulated")] = None,
             retain_grad: Annotated[Optional[str], typer.Option(
                 "--retain-grad", help="comma list of intermediates whose gradients to report")] = None,
             json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0,
             precision: Precision = 6, save: Save = None, points: Points = None,
             keep_going: KeepGoing = False, chunk_size: ChunkSize = None):
    """out.backward(gradient): vector-Jacobian products for every input."""
    run(locals(), lambda c: c.backward(gradient, retain=retain_grad))


@app.command()
def grad(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
         output: Outputs = None, wrt: Wrt = None, json: Json = False, dtype: Dtype = "float64",
         device: Device = "cpu", seed: Seed = 0, precision: Precision = 6, save: Save = None,
         points: Points = None, keep_going: KeepGoing = False, chunk_size: ChunkSize = None):
    """The gradient of a scalar output."""
    run(locals(), lambda c: c.backward(None))


@app.command()
def jacobian(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
             output: Outputs = None, wrt: Wrt = None,
             mode: Annotated[str, typer.Option("--mode", help="auto, reverse or forward")] = "auto",
             chunk_size: Annotated[Optional[int], typer.Option(
                 "--chunk-size", min=1, help="seeds per pass (default: chosen to bound memory); "
                                             "with --points: points per chunk (default 4096)")] = None,
             sparse: Annotated[bool, typer.Option(
                 "--sparse", help="only the nonzeros, as coordinates, from coloured (compressed) seeds")] = False,
             json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0,
             precision: Precision = 6, save: Save = None, points: Points = None,
             keep_going: KeepGoing = False):
    """The full Jacobian of the outputs with respect to the inputs."""
    run(locals(), lambda c: c.jacobian(mode, chunk=chunk_size, sparse=sparse))


def _version(value: bool):
    if value:
        typer.echo(f"gradcli {__version__}")
        from .backend import available_backends  # noqa: PLC0415
        typer.echo("backends: " + ", ".join(available_backends()))
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="print the version and backends, then exit")] = False):
    """gradcli: gradients from the shell."""


# -- the one place errors become exit codes -------------------------------------------------------

def _report(error: GradcliError, as_json: bool) -> None:
    try:
        if as_json:
            import json  # noqa: PLC0415
            sys.stderr.write(json.dumps(error.to_dict()) + "\n")
        else:
            sys.stderr.write(error.render() + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """After a broken pipe or a full disk, let nothing more reach the dead stdout."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _click_command(argv: list[str]):
    """(click command, its arguments, program name), building only the command being run.

    Typer turns every registered command into a click command when asked for the app's; for
    ten commands that costs more start-up (~10 ms) than a small program takes to run.
    """
    for info in app.registered_commands if argv else ():
        if (info.name or info.callback.__name__) == argv[0]:
            single = typer.Typer(**_SETTINGS)
            single.registered_commands = [info]
            return typer.main.get_command(single), argv[1:], f"gradcli {argv[0]}"
    return typer.main.get_command(app), argv, "gradcli"


def main(argv: list[str] | None = None) -> int:
    from typer._click import exceptions as click_exc  # noqa: PLC0415
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    code = ExitCode.OK
    try:
        command, args, prog_name = _click_command(argv)
        rc = command.main(args=args, prog_name=prog_name, standalone_mode=False)
        code = rc if isinstance(rc, int) else ExitCode.OK
        sys.stdout.flush()
    except GradcliError as exc:
        _report(exc, as_json)
        code = exc.exit_code
    except click_exc.UsageError as exc:
        _report(GradcliError(exc.format_message(), kind="usage",
                             hint="see gradcli --help" if exc.ctx is None else
                             f"see {exc.ctx.command_path} --help"), as_json)
        code = ExitCode.USAGE
    except click_exc.ClickException as exc:
        _report(GradcliError(exc.format_message(), kind="usage"), as_json)
        code = ExitCode.USAGE
    except (typer.Abort, KeyboardInterrupt):
        code = 130
    except BrokenPipeError:
        _silence_stdout()
        code = 141  # as if killed by SIGPIPE, like other tools at the head of `| head`
    except OSError as exc:
        _silence_stdout()
        _report(GradcliError(f"cannot write the output: {exc.strerror or exc}", kind="io"), as_json)
        code = ExitCode.USAGE
    except MemoryError:
        _report(GradcliError("out of memory: the problem is too large for this machine", kind="limit"),
                as_json)
        code = ExitCode.USAGE
    except RecursionError:
        _report(GradcliError("the program is nested too deeply", kind="limit"), as_json)
        code = ExitCode.USAGE
    except Exception as exc:  # a bug of ours: say so plainly, keep the traceback behind a switch
        if os.environ.get("GRADCLI_DEBUG"):
            raise
        _report(GradcliError(f"internal error ({type(exc).__name__}: {exc}); please report it, "
                             "and set GRADCLI_DEBUG=1 for the traceback", kind="internal"), as_json)
        code = 70
    return int(code)


def entry() -> None:
    code = main()
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        _silence_stdout()
        code = code or 141
    sys.exit(code)


from . import cli_derivatives  # noqa: E402,F401 - registers jvp and hessian
from . import cli_math  # noqa: E402,F401 - registers symbolic, explain, check, graph
