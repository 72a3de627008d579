"""The allowlist of script syntax: which Python a script may contain, checked before anything runs.

Scripts are fuller Python than pure programs (def, class, for, while, if, with, try, f-strings,
comprehensions, lambdas), but the same rules keep them from reaching outside the interpreter:
- no dunder names anywhere, except `__init__` (a method of a class body, or called as
  `super().__init__(...)` / `Base.__init__(self, ...)`) and `__name__` in `if __name__ == "__main__":`;
- no async, await, match, or star-except (generators run eagerly: see compiler.py);
- names at most 255 characters, nesting at most MAX_NESTING levels deep (a long `a + b + c ...`
  chain is flat: its left spine does not nest).
The walk uses an explicit stack, so hostile nesting cannot exhaust Python's own.
"""
from __future__ import annotations

import ast
import sys

from ...limits import MAX_NAME_LENGTH, MAX_STATEMENTS
from ..language import Positions

MAX_NESTING = 150

REFUSED_NODES = {
    ast.AsyncFunctionDef: "async functions", ast.AsyncFor: "async for", ast.AsyncWith: "async with",
    ast.Await: "await", ast.Match: "match statements",
}
if sys.version_info >= (3, 11):
    REFUSED_NODES[ast.TryStar] = "except* (exception groups)"
if sys.version_info >= (3, 12):
    REFUSED_NODES[ast.TypeAlias] = "type aliases"


def check(tree: ast.Module, positions: Positions) -> None:
    """Raise a GradcliError (kind syntax/limit, with line and caret) for anything not allowed."""
    statements = sum(1 for _ in ast.walk(tree) if isinstance(_, ast.stmt))
    if statements > MAX_STATEMENTS:
        raise positions.error(tree.body[0], f"the script has {statements:,} statements, over the limit of "
                              f"{MAX_STATEMENTS:,}", "limit")
    allowed_init: set[int] = set()  # ids of nodes where __init__ may appear
    main_guard: set[int] = set()
    stack = [(tree, 0, None)]
    while stack:
        node, depth, parent = stack.pop()
        if depth > MAX_NESTING:
            raise positions.error(node, f"the script is nested more than {MAX_NESTING} levels deep", "limit")
        refused = REFUSED_NODES.get(type(node))
        if refused:
            raise positions.error(node, f"{refused} are not supported in gradcli scripts"
                                  if refused.endswith("s") or refused.endswith(")") else
                                  f"{refused} is not supported in gradcli scripts")
        _check_names(node, parent, positions, allowed_init, main_guard)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    allowed_init.add(id(item))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "__init__" and _is_init_owner(node.func.value):
            allowed_init.add(id(node.func))
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            main_guard.add(id(node.test.left))
        for child in _children(node):
            # the left operand of a binary operation continues a chain: it does not nest
            nested = depth if isinstance(node, ast.BinOp) and child is node.left else depth + 1
            stack.append((child, nested, node))


def _children(node):
    return list(ast.iter_child_nodes(node))[::-1]


def _is_init_owner(value) -> bool:
    """super().__init__, super(Net, self).__init__, nn.Module.__init__, Base.__init__."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
        return True
    while isinstance(value, ast.Attribute):
        value = value.value
    return isinstance(value, ast.Name)


def _is_main_guard(test) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__")


def _dunder(name: str) -> bool:
    return name.startswith("__") or name.endswith("__")


def _check_names(node, parent, positions, allowed_init, main_guard) -> None:
    names = []
    if isinstance(node, ast.Name):
        names.append(node.id)
        if node.id == "__name__" and id(node) in main_guard:
            return
    elif isinstance(node, ast.Attribute):
        if node.attr == "__init__" and id(node) in allowed_init:
            names = []
        else:
            names.append(node.attr)
    elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        if not (isinstance(node, ast.FunctionDef) and node.name == "__init__" and id(node) in allowed_init):
            names.append(node.name)
    elif isinstance(node, ast.arg):
        names.append(node.arg)
    elif isinstance(node, ast.keyword) and node.arg is not None:
        names.append(node.arg)
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        names.extend(node.names)
    elif isinstance(node, ast.alias):
        if node.name != "__future__" and not node.name.startswith("__future__"):
            names.extend(node.name.split("."))
        if node.asname:
            names.append(node.asname)
    elif isinstance(node, ast.ImportFrom):
        if node.module and node.module != "__future__":
            names.extend(node.module.split("."))
    elif isinstance(node, ast.ExceptHandler) and node.name:
        names.append(node.name)
    for name in names:
        if _dunder(name):
            where = node if hasattr(node, "lineno") else parent
            raise positions.error(where, f"names with double underscores are not allowed: {name[:40]}"
                                  + (" (only __init__ methods and `if __name__ == \"__main__\":`)"
                                     if name in ("__init__", "__name__") else ""))
        if len(name) > MAX_NAME_LENGTH:
            where = node if hasattr(node, "lineno") else parent
            raise positions.error(where, f"a name is longer than the limit of {MAX_NAME_LENGTH} characters",
                                  "limit")
