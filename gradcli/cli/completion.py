"""Shell completion (bash, zsh, fish), at no cost to a command's start-up.

Typer's own `--install-completion` / `--show-completion` (add_completion=True) load its
completion machinery and shellingham on every run. Here the two options are answered by
cli/main.py before any Typer app is built, and the completion machinery is loaded only
when a shell asks for completions (the scripts run `_GRADCLI_COMPLETE=complete_bash gradcli`
and the like at each TAB). The scripts themselves are Typer's, so the protocol is the one
its completion classes answer.
"""
from __future__ import annotations

import os
import sys

from ..errors import GradcliError

SHELLS = ("bash", "zsh", "fish")
PROG = "gradcli"
COMPLETE_VAR = "_GRADCLI_COMPLETE"  # what click looks for: _{PROG}_COMPLETE
OPTIONS = ("--install-completion", "--show-completion")


def requested(argv: list[str]) -> tuple[str, str | None] | None:
    """(option, shell or None) when the command line asks for completion, else None.

    `gradcli --show-completion`, `gradcli --show-completion zsh`, `--show-completion=zsh`.
    """
    if not argv:
        return None
    first = argv[0]
    for option in OPTIONS:
        if first.startswith(option + "="):
            shell, rest = first.split("=", 1)[1], argv[1:]
        elif first == option:
            shell = argv[1] if len(argv) > 1 else None
            rest = argv[2:]
        else:
            continue
        if rest:
            raise GradcliError(f"{option} takes one shell name at most, got {' '.join(argv[1:])!r}",
                               kind="usage", hint=f"gradcli {option} bash|zsh|fish")
        return option, shell
    return None


def answer(option: str, shell: str | None) -> int:
    """Print the script, or install it; the exit code."""
    shell = _shell(shell)
    if option == "--show-completion":
        sys.stdout.write(script(shell) + "\n")
        return 0
    path = install(shell)
    sys.stdout.write(f"gradcli: {shell} completion installed in {path}\n"
                     "it takes effect in a new shell (or `source` that file now)\n")
    return 0


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script  # noqa: PLC0415
    return get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)


def install(shell: str) -> str:
    """Typer's installers: bash ~/.bash_completions/gradcli.sh (sourced from ~/.bashrc), zsh
    ~/.zfunc/_gradcli (with fpath and compinit in ~/.zshrc), fish
    ~/.config/fish/completions/gradcli.fish."""
    from typer import _completion_shared as shared  # noqa: PLC0415
    installer = {"bash": shared.install_bash, "zsh": shared.install_zsh, "fish": shared.install_fish}[shell]
    try:
        return str(installer(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell))
    except OSError as exc:
        raise GradcliError(f"--install-completion: cannot write {getattr(exc, 'filename', '') or 'the file'}: "
                           f"{exc.strerror or exc}", kind="io",
                           hint="print the script with --show-completion and install it yourself") from None


def _shell(name: str | None) -> str:
    """The shell named, or the one gradcli runs under, or $SHELL."""
    if name is None:
        name = _detected()
        if name not in SHELLS:
            found = f" (found {name})" if name else ""
            raise GradcliError(f"cannot tell which shell to complete for{found}", kind="usage",
                               hint="name it: gradcli --install-completion bash|zsh|fish")
    if name not in SHELLS:
        raise GradcliError(f"completion is for bash, zsh or fish, not {name!r}", kind="usage")
    return name


def _detected() -> str | None:
    try:
        import shellingham  # noqa: PLC0415 - Typer's dependency: the shell this process runs in
        return shellingham.detect_shell()[0]
    except Exception:  # noqa: BLE001 - ShellDetectionFailure, or no /proc: fall back to $SHELL
        shell = os.environ.get("SHELL", "")
        return os.path.basename(shell) or None


def completing() -> bool:
    """Whether a shell is asking for completions now (the scripts set this variable)."""
    return COMPLETE_VAR in os.environ


def prepare() -> None:
    """Typer's completion classes, registered with its click before the app answers a shell."""
    from typer._completion_classes import completion_init  # noqa: PLC0415
    completion_init()
