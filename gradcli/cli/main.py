"""The one place errors become exit codes, and the console entry point."""
from __future__ import annotations

import os
import sys

import typer

from ..errors import ExitCode, GradcliError
from .app import click_command

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


def main(argv: list[str] | None = None) -> int:
    from typer._click import exceptions as click_exc  # noqa: PLC0415
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    code = ExitCode.OK
    try:
        command, args, prog_name = click_command(argv)
        rc = command.main(args=args, prog_name=prog_name, standalone_mode=False)
        code = rc if isinstance(rc, int) else ExitCode.OK
        sys.stdout.flush()
    except GradcliError as exc:
        _report(exc, as_json)
        code = exc.exit_code
    except click_exc.NoArgsIsHelpError as exc:  # bare `gradcli`: the help and nothing else,
        sys.stdout.write(exc.format_message() + "\n")  # exit 2 as for any missing argument
        code = ExitCode.USAGE
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
