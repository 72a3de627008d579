"""What the compiler knows before it compiles a body: its scope (which names are local, global,
nonlocal), whether it yields, and how an exception raised in it is given its position."""
from __future__ import annotations

import ast

from ...errors import GradcliError
from .errors import DEBUG, ScriptError, from_gradcli, from_native


def located(exc, line, column, source):
    """The exception a closure re-raises, positioned (innermost position wins)."""
    if isinstance(exc, ScriptError):
        return exc.at(line, column)
    if isinstance(exc, GradcliError):
        converted = from_gradcli(exc)
        if isinstance(converted, ScriptError):
            return converted.at(line, column)
        return exc.at(line, column, source)
    if isinstance(exc, RecursionError):
        return GradcliError("the script recursed too deeply for Python's stack", kind="limit",
                            line=line, column=column, source=source)
    if DEBUG:
        raise from_native(exc).at(line, column) from exc
    return from_native(exc).at(line, column)


class Scope:
    """What the compiler knows of a function (or module, class, comprehension) body."""

    def __init__(self, kind: str, parent: "Scope | None", local_names=(), method_of_class=False,
                 first_param=None):
        self.kind = kind
        self.parent = parent
        self.locals = set(local_names)
        self.globals: set = set()
        self.nonlocals: set = set()
        self.method_of_class = method_of_class
        self.first_param = first_param


def assigned_names(body) -> tuple[set, set, set]:
    """Names a function body binds (its locals), and its global / nonlocal declarations."""
    bound, declared_global, declared_nonlocal = set(), set(), set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            if isinstance(node, ast.FunctionDef):
                stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            else:
                stack.extend(node.bases)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(node.args.defaults)
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            stack.append(node.generators[0].iter)
            continue
        if isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            declared_nonlocal.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.NamedExpr):
            bound.add(node.target.id)
        stack.extend(ast.iter_child_nodes(node))
    return bound - declared_global - declared_nonlocal, declared_global, declared_nonlocal


def yields(body) -> bool:
    """Whether a function body (not its nested functions) yields: a generator function."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False
