"""The one place errors become exit codes, and the console entry point.

Exit codes: 0 success, 1 a check that failed, 2 bad input or an output that cannot be written
(a full disk, memory run out), 70 a bug of ours, 130/143 stopped by SIGINT/SIGTERM, 141 a
closed pipe (as if killed by SIGPIPE, like other tools at the head of `| head`).

Nothing heavy is imported at module level: Typer, Rich and the commands load inside `main`,
where a Ctrl-C during the imports is an exit 130 like any other, never a traceback.
"""
from __future__ import annotations

import errno
import os
import sys

from ..errors import ExitCode, GradcliError

SIGPIPE_EXIT = 141


def _report(error: GradcliError, as_json: bool) -> None:
    try:
        if as_json:
            import json  # noqa: PLC0415
            sys.stderr.write(json.dumps(error.to_dict()) + "\n")
        else:
            sys.stderr.write(error.render() + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr is full or closed: the exit code still says it
        _silence(sys.stderr)


def _silence(stream) -> None:
    from ..io.files import silence  # noqa: PLC0415
    silence(stream)


def _broken_pipe(exc: BaseException | None) -> bool:
    """Whether exc is, or was raised while handling, a write to a closed pipe. Typer and Rich
    answer EPIPE with SystemExit(1), our "check failed": the cause tells them apart."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            return True
        exc, seen = exc.__context__, seen + 1
    return False


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    try:
        return _run(argv)
    except BaseException as exc:  # noqa: BLE001 - every way out becomes an exit code, here
        try:
            return _exit_code(exc, as_json)
        except BaseException as again:  # noqa: BLE001 - a signal while reporting, or a bug
            if isinstance(again, Exception) and os.environ.get("GRADCLI_DEBUG"):
                raise
            return getattr(again, "exit_code", 70)


def _run(argv: list[str]) -> int:
    from .completion import answer, requested  # noqa: PLC0415
    asked = requested(argv)
    if asked is not None:  # --install-completion / --show-completion: no app to build
        return answer(*asked)
    from .app import click_command  # noqa: PLC0415 - Typer and the commands: inside the try
    command, args, prog_name = click_command(argv)
    rc = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    sys.stdout.flush()
    return int(rc) if isinstance(rc, int) else ExitCode.OK


def _exit_code(exc: BaseException, as_json: bool) -> int:
    from ..io.interrupts import Interrupted  # noqa: PLC0415
    if isinstance(exc, GradcliError):
        _report(exc, as_json)
        return int(exc.exit_code)
    if isinstance(exc, Interrupted):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return 130
    if _broken_pipe(exc):
        _silence(sys.stdout)
        return SIGPIPE_EXIT
    if isinstance(exc, SystemExit):
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else ExitCode.USAGE)
    usage, click, abort, bare = _typer_exceptions()
    if isinstance(exc, bare):  # bare `gradcli`: the help and nothing else, exit 2 as for any
        sys.stdout.write(exc.format_message() + "\n")  # missing argument
        return ExitCode.USAGE
    if isinstance(exc, usage):
        hint = "see gradcli --help" if exc.ctx is None else f"see {exc.ctx.command_path} --help"
        _report(GradcliError(exc.format_message(), kind="usage", hint=hint), as_json)
        return ExitCode.USAGE
    if isinstance(exc, click):
        _report(GradcliError(exc.format_message(), kind="usage"), as_json)
        return ExitCode.USAGE
    if isinstance(exc, abort):  # Typer's answer to an EOFError: input ended, not a Ctrl-C
        _report(GradcliError("the input ended early", kind="io"), as_json)
        return ExitCode.USAGE
    if isinstance(exc, OSError):  # stdout on a full disk, an I/O error
        _silence(sys.stdout)
        _report(GradcliError(f"cannot write the output: {exc.strerror or exc}", kind="io"), as_json)
        return ExitCode.USAGE
    if isinstance(exc, MemoryError):
        _report(GradcliError("out of memory: the problem is too large for this machine", kind="limit"),
                as_json)
        return ExitCode.USAGE
    if isinstance(exc, RecursionError):
        _report(GradcliError("the program is nested too deeply", kind="limit"), as_json)
        return ExitCode.USAGE
    if not isinstance(exc, Exception):  # GeneratorExit and the like: not ours to translate
        raise exc
    if os.environ.get("GRADCLI_DEBUG"):  # a bug of ours: the traceback, behind a switch
        raise exc
    _report(GradcliError(f"internal error ({type(exc).__name__}: {exc}); please report it, "
                         "and set GRADCLI_DEBUG=1 for the traceback", kind="internal"), as_json)
    return 70


def _typer_exceptions() -> tuple:
    """(UsageError, ClickException, Abort, NoArgsIsHelpError) of Typer's click, or classes nothing
    is an instance of when Typer was never loaded (the error came first)."""
    if "typer" not in sys.modules:
        return (), (), (), ()
    from typer import exceptions as typer_exc  # noqa: PLC0415
    from typer._click import exceptions as click_exc  # noqa: PLC0415
    return (click_exc.UsageError, click_exc.ClickException, typer_exc.Abort,
            click_exc.NoArgsIsHelpError)


def _finish(code: int) -> int:
    """Flush what is left; a failure now still gets its exit code, never Python's 120."""
    try:
        sys.stdout.flush()
    except BaseException as exc:  # noqa: BLE001
        _silence(sys.stdout)
        if code == ExitCode.OK:
            code = SIGPIPE_EXIT if _broken_pipe(exc) else ExitCode.USAGE
            if code == ExitCode.USAGE:
                _report(GradcliError(f"cannot write the output: {exc}", kind="io"), False)
    try:
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - stderr is full: say it with the exit code alone
        _silence(sys.stderr)
    return code


def entry() -> None:
    """The console script: signals first, complete streams, then the command."""
    from ..io import interrupts  # noqa: PLC0415
    interrupts.install()
    code = 130
    try:
        with interrupts.whole():  # orjson's module init crashes (SIGSEGV) if a Ctrl-C lands in it
            import orjson  # noqa: F401, PLC0415
        from ..io.files import complete_streams  # noqa: PLC0415
        complete_streams()
        code = main()
        code = _finish(code)
    except BaseException as exc:  # noqa: BLE001 - a signal between the steps above
        code = getattr(exc, "exit_code", 130)
    interrupts.release()
    sys.exit(code)
