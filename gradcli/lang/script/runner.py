"""Running a script: load, allowlist, compile, execute; errors as PyTorch would report them.

    >>> from gradcli.lang.script.runner import run
    >>> run("import torch\\nx = torch.ones(2, requires_grad=True)\\n(x * 3).sum().backward()\\n"
    ...     "print(x.grad)")
    tensor([3., 3.])

Module-level state of the interpreter (the grad mode, the leaf and node registries) is set
up fresh for each run.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from ...core import tensor as core
from ...errors import GradcliError
from ..language import Positions, Source, load
from . import autograd, errors, pyvalues, runtime, syntax
from .compiler import Compiler
from .namespaces import Modules
from .objects import Frame

RECURSION_LIMIT = 20_000  # Python frames; script calls are limited far below (runtime.MAX_DEPTH)


@dataclass
class Script:
    source: Source
    body: object  # the compiled module body
    globals: dict


def compile_script(text: str) -> Script:
    tree, source = load(text, "script")
    positions = Positions(source)
    syntax.check(tree, positions)
    G: dict = {}
    modules = Modules()
    compiler = Compiler(source, positions, G, pyvalues.BUILTINS, modules)
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, RECURSION_LIMIT))
    try:
        body = compiler.module(tree)
    except RecursionError:
        raise GradcliError("the script is nested too deeply to compile", kind="limit") from None
    finally:
        sys.setrecursionlimit(previous)
    return Script(source, body, G)


def _fresh_state() -> None:
    core.recording = True
    autograd.LEAVES.clear()
    autograd.RETAINED.clear()
    autograd.NODES.clear()


def execute(script: Script, rt: runtime.Runtime) -> dict:
    """Run a compiled script; returns its globals. Uncaught script exceptions become GradcliErrors
    (`RuntimeError: ...` with the line and a caret)."""
    runtime.start(rt)
    _fresh_state()
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, RECURSION_LIMIT))
    try:
        with np.errstate(all="ignore"):  # NaN and inf are values in PyTorch, not warnings
            script.body(Frame(script.globals, (), None))
    except errors.ScriptError as exc:
        raise errors.to_gradcli(exc, script.source) from (exc if errors.DEBUG else None)
    except RecursionError:
        raise GradcliError("the script recursed too deeply for Python's stack", kind="limit") from None
    finally:
        sys.setrecursionlimit(previous)
        core.recording = True
    return script.globals


def run(text: str, write=None, hooks=None) -> dict:
    """Compile and run; print() goes to write (stdout by default)."""
    rt = runtime.Runtime(write)
    rt.hooks = hooks
    return execute(compile_script(text), rt)
