"""Eager PyTorch scripts, without PyTorch: `gradcli run`.

A tutorial script as pasted (imports, tensors, .backward(), print, def/class/for, nn modules,
optimizers) runs on gradcli's own tensors, op table and engine, and prints what PyTorch prints.

Layers, each a small module:
- syntax (the allowlist), scopes, compiler and expressions (syntax tree -> closures), runner;
- objects, attributes, pyvalues, formatting, show: the Python a script may use;
- tensor, dtypes, ops, kernels, indexing, methods, autograd: PyTorch's tensor and its autograd;
- namespaces, torchlib, creation, gradapi, nnmodule, functional, layers, nnutils, optim, datalib,
  numpylib, stdlib: the modules a script imports;
- printing and random: PyTorch's tensor printing and CPU random numbers, bit for bit;
- events, computation: what other commands read from a script (its backward calls).

Nothing here is imported by `gradcli` at start-up unless a script is run.
"""
from __future__ import annotations

import re

_SCRIPT = re.compile(r"^\s*(import\s+torch|from\s+torch[\s.])|\.backward\s*\(", re.M)


def is_script(text: str) -> bool:
    """Whether program text is a PyTorch script (it imports torch or calls .backward()), not a
    pure gradcli program."""
    return _SCRIPT.search(text) is not None
