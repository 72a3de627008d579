"""What a run reports beside its printed text: each print and each backward call, with names.

A `Recorder` is the run's observer (runtime.RT.hooks). `run --json` keeps its events, `run
--explain` explains each backward before it runs, and the other commands (`backward -f
script.py`) stop the script at its first backward call and differentiate that.
"""
from __future__ import annotations

import numpy as np

from ...core.tensor import graph
from . import runtime
from .tensor import STensor


def tensor_names(globals_: dict) -> dict[int, str]:
    """Core node index -> the script's name for it: tensors bound to global names, and the
    parameters of modules bound to global names (`model.fc.weight`)."""
    from .nnmodule import Module  # noqa: PLC0415
    names: dict[int, str] = {}
    for name, value in globals_.items():
        if type(value) is STensor:
            names.setdefault(value.t.index, name)
        elif isinstance(value, Module):
            for key, p in value.named_parameters_list(prefix=name):
                names.setdefault(p.t.index, key)
    return names


class Recorder:
    """Collects events; subclasses act at backward calls."""

    def __init__(self, globals_: dict | None = None):
        self.events: list[dict] = []
        self.globals = globals_ if globals_ is not None else {}
        self.count = 0

    def printed(self, text: str) -> None:
        self.events.append({"kind": "print", "line": runtime.RT.line, "text": text})

    def before_backward(self, outputs, gradients, nodes) -> None:
        pass

    def after_backward(self, outputs, leaves) -> None:
        names = tensor_names(self.globals)
        grads = {}
        for k, leaf in enumerate(leaves):
            name = names.get(leaf.t.index) or f"leaf{k}"
            grads[name] = None if leaf.grad is None else np.asarray(leaf.grad.t.data)
        self.count += 1
        self.events.append({"kind": "backward", "line": runtime.RT.line,
                            "output": ", ".join(names.get(s.t.index, "output") for s in outputs),
                            "grad": grads})


def leaves_of(outputs) -> list:
    """The leaves (core nodes) a backward from these outputs reaches, in creation order."""
    return [n for n in graph([s.t for s in outputs]) if n.op is None and n.requires_grad]


class Stop(Exception):
    """Raised by a recorder to end the script where it has what it needs (never a script error)."""
