"""The Typer application: every command registered in one place, built lazily.

Command modules define plain functions with Typer annotations; this module
registers them, so imports flow one way (app -> commands -> options).
"""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import __version__
from . import compute, derivatives, mathviews, plot, script
from .examples import SUMMARY, epilog

_SETTINGS = {"add_completion": False, "pretty_exceptions_enable": False, "rich_markup_mode": None,
             "context_settings": {"help_option_names": ["-h", "--help"]}}
app = typer.Typer(no_args_is_help=True, **_SETTINGS, epilog=epilog("gradcli"),
                  help="gradcli: gradients, Jacobians, VJPs, JVPs and Hessians of small programs, "
                       "from the shell. Run `gradcli COMMAND --help` for each command's options "
                       "and examples.")

COMMANDS = [
    ("eval", compute.eval_), ("backward", compute.backward), ("grad", compute.grad),
    ("jacobian", compute.jacobian), ("jvp", derivatives.jvp), ("hessian", derivatives.hessian),
    ("derivative", derivatives.derivative),
    ("check", mathviews.check), ("symbolic", mathviews.symbolic), ("explain", mathviews.explain),
    ("graph", mathviews.graph), ("plot", plot.plot), ("run", script.run),
]
for _name, _function in COMMANDS:
    app.command(_name, short_help=SUMMARY[_name], epilog=epilog(_name))(_function)


def _version(value: bool):
    if value:
        typer.echo(f"gradcli {__version__}")
        from ..core.backend import available_backends  # noqa: PLC0415
        typer.echo("backends: " + ", ".join(available_backends()))
        raise typer.Exit()


def _completion(option: str):
    def callback(value: str | None):
        if value is not None:  # cli/main.py answers these first; here only after another option
            from .completion import answer  # noqa: PLC0415
            raise typer.Exit(answer(option, value))
    return callback


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="print the version and backends, then exit")] = False,
          install_completion: Annotated[Optional[str], typer.Option(
              "--install-completion", metavar="[bash|zsh|fish]", is_eager=True,
              callback=_completion("--install-completion"),
              help="install tab completion for your shell (or the one named), then exit")] = None,
          show_completion: Annotated[Optional[str], typer.Option(
              "--show-completion", metavar="[bash|zsh|fish]", is_eager=True,
              callback=_completion("--show-completion"),
              help="print the completion script, to install it yourself, then exit")] = None):
    """gradcli: gradients from the shell."""



def click_command(argv: list[str]):
    """(click command, its arguments, program name), building only the command being run.

    Typer turns every registered command into a click command when asked for the app's; for
    ten commands that costs more start-up (~10 ms) than a small program takes to run.
    """
    from .completion import completing, prepare  # noqa: PLC0415
    if completing():  # a shell asking for completions at a TAB: the whole app, Typer's protocol
        prepare()
        return typer.main.get_command(app), [], "gradcli"
    for info in app.registered_commands if argv else ():
        if (info.name or info.callback.__name__) == argv[0]:
            single = typer.Typer(**_SETTINGS)
            single.registered_commands = [info]
            return typer.main.get_command(single), argv[1:], f"gradcli {argv[0]}"
    return typer.main.get_command(app), argv, "gradcli"
