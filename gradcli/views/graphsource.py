"""The graph a program's text describes, drawn without evaluating it.

`gradcli graph` without --at values first evaluates the program with the scalar 1.0 for each
missing input; a program that needs real shapes (`mm(a, w)`, `x[0]`, `x.reshape(2, 3)`)
cannot run so, and gets this instead: the statements' postfix instructions walked with
symbols on the stack in place of values. Each operation whose operands depend on a
differentiated input becomes a node, as autograd would record it; constants, comparisons,
detach() and creation calls do not. What only values can tell (shapes, the PyTorch backward
name an op gets for them) is left unknown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import GradcliError
from ..lang import functions
from ..lang.language import CONSTANTS
from ..lang.program import _unknown
from .graphview import Graph, Node

SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@",
           "remainder": "%", "floor_divide": "//"}
COMPARE = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
# Calls whose result carries no gradient whatever their arguments: autograd records no node.
NO_GRADIENT = {"detach", "argmax", "argmin", "argsort", "size", "numel", "dim", "item", "nonzero",
               "isnan", "isinf", "isfinite", "eq", "ne", "lt", "le", "gt", "ge", "equal",
               "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
               "logical_or", "logical_not", "logical_xor", "tensor", "as_tensor", "Tensor",
               "FloatTensor", "DoubleTensor", "zeros_like", "ones_like", "full_like", "empty_like",
               "rand_like", "randn_like", "count_nonzero", "shape"}
NO_GRADIENT_ATTRIBUTES = {"shape", "ndim", "data", "indices"}
_TOKEN = re.compile("\x00(\\d+)\x00")  # a node's place in an expression, until it has a name


@dataclass
class _Sym:
    """What the symbolic stack holds in place of a value."""
    text: str  # how it reads inside an expression
    node: Node | None = None  # the node that computes it; None for a constant, an index, a list
    deps: list = field(default_factory=list)  # nodes a list or tuple literal is built from
    parenthesise: bool = False  # a tuple, written with its parentheses outside an index


def _reads(value: _Sym) -> list:
    return [value.node] if value.node is not None else value.deps


def _const_text(value) -> str:
    if value is Ellipsis:
        return "..."
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return repr(value) if isinstance(value, str) else str(value)


class _Builder:
    def __init__(self, program, wrt: list):
        self.program = program
        self.wrt = set(wrt)
        self.nodes: list[Node] = []
        self.env: dict[str, _Sym] = {}

    def node(self, op: str, expression: str, reads: list, name: str | None = None) -> _Sym:
        n = Node(len(self.nodes), name or "", op, None, expression, None, True,
                 list(dict.fromkeys(reads)))
        self.nodes.append(n)
        return _Sym(_token(n), n)  # named once the program is read: t1, or the variable it is bound to

    def result(self, op: str, expression: str, operands: list, grad: bool = True) -> _Sym:
        """A node when an operand depends on a differentiated input, else a constant's text."""
        reads = [r for v in operands for r in _reads(v)] if grad else []
        if not reads:
            return _Sym(expression)
        return self.node(op, expression, reads)

    def name(self, name: str) -> _Sym:
        if name in self.env:
            return self.env[name]
        if name in self.program.inputs:
            if name in self.wrt:
                leaf = Node(len(self.nodes), name, backward="AccumulateGrad")
                self.nodes.append(leaf)
                self.env[name] = _Sym(name, leaf)
            else:
                self.env[name] = _Sym(name)
            return self.env[name]
        if name in CONSTANTS:
            return _Sym(name)
        raise GradcliError(f"unknown name {name!r}", kind="name")

    def evaluate(self, code: list) -> _Sym:
        stack: list[_Sym] = []
        push, pop = stack.append, stack.pop
        for kind, arg, _ in code:
            if kind == "const":
                push(_Sym(_const_text(arg)))
            elif kind == "name":
                push(self.name(arg))
            elif kind == "binop":
                right, left = pop(), pop()
                push(self.result(arg, f"{left.text} {SYMBOLS.get(arg, arg)} {right.text}", [left, right]))
            elif kind == "unary":
                v = pop()
                push(v if arg == "pos" else self.result("neg", f"-{v.text}", [v]))
            elif kind == "compare":
                operands = [pop() for _ in range(len(arg) + 1)][::-1]
                text = operands[0].text + "".join(f" {COMPARE.get(op, op)} {v.text}"
                                                  for op, v in zip(arg, operands[1:]))
                push(_Sym(text))  # a boolean mask: no gradient
            elif kind in ("call", "method"):
                push(self.call(kind, arg, pop))
            elif kind == "attribute":
                v = pop()
                push(self.result(arg, f"{v.text}.{arg}", [v], grad=arg not in NO_GRADIENT_ATTRIBUTES))
            elif kind == "module_constant":
                push(_Sym(arg))
            elif kind == "subscript":
                idx, v = pop(), pop()
                push(self.result("index", f"{v.text}[{idx.text}]", [v]))
            elif kind == "slice":
                parts = [pop() if present else None for present in reversed(arg)][::-1]
                push(_Sym(":".join("" if p is None else p.text for p in parts)))
            elif kind in ("list", "tuple"):
                items = [pop() for _ in range(arg)][::-1]
                inner = ", ".join(v.text for v in items)
                deps = [r for v in items for r in _reads(v)]
                if kind == "list":
                    push(_Sym(f"[{inner}]", None, deps))
                else:
                    push(_Sym(inner + ("," if len(items) == 1 else ""), None, deps, parenthesise=True))
            else:  # pragma: no cover - the compiler emits nothing else
                raise AssertionError(kind)
        return stack[-1]

    def call(self, kind: str, arg, pop) -> _Sym:
        name, nargs, kwnames, library = arg
        if kind == "call" and functions.lookup(name, library) is None:  # a typo: said, not drawn
            raise GradcliError(_unknown(name, library, False), kind="name")
        kwvalues = [pop() for _ in kwnames][::-1]
        args = [pop() for _ in range(nargs)][::-1]
        texts = [f"({a.text})" if a.parenthesise else a.text for a in args]
        texts += [f"{k}={v.text}" for k, v in zip(kwnames, kwvalues)]
        operands = args + kwvalues
        if kind == "method":
            obj = pop()
            return self.result(name, f"{obj.text}.{name}({', '.join(texts)})", [obj] + operands,
                               grad=name not in NO_GRADIENT)
        return self.result(name, f"{name}({', '.join(texts)})", operands, grad=name not in NO_GRADIENT)

    def bind(self, target: str, value: _Sym) -> None:
        if value.node is None and value.deps:  # a list literal of tensors: a tensor (torch.stack)
            value = self.node("stack", value.text, value.deps)
        if value.node is not None and not value.node.name:
            value.node.name = target
        self.env[target] = _Sym(target, value.node) if value.node is not None else _Sym(target)

    def statement(self, stmt) -> None:
        if stmt.requires_grad and self.program.inputs.get(stmt.target) is not None and \
                self.program.inputs[stmt.target].default is stmt:
            self.name(stmt.target)  # a requires_grad=True tensor: an input leaf
            return
        value = self.evaluate(stmt.code)
        if stmt.kind in ("assign", "expr"):
            self.bind(stmt.target, value)
        elif stmt.kind == "update":
            old = self.env.get(stmt.target) or self.name(stmt.target)
            self.bind(stmt.target, self.result(stmt.op, f"{old.text} {SYMBOLS.get(stmt.op, stmt.op)} "
                                                        f"{value.text}", [old, value]))
        else:  # x[idx] = v, as PyTorch's CopySlices: a new x from the old one and v
            old = self.env.get(stmt.target) or self.name(stmt.target)
            idx = self.evaluate(stmt.index)
            if stmt.op is not None:
                read = self.result("index", f"{old.text}[{idx.text}]", [old])
                value = self.result(stmt.op, f"{read.text} {SYMBOLS.get(stmt.op, stmt.op)} {value.text}",
                                    [read, value])
            self.bind(stmt.target, self.result("index_put", f"{old.text} with [{idx.text}] = {value.text}",
                                               [old, value]))


def from_program(program, wrt: list | None = None, outputs: list | None = None,
                 placeholders=()) -> Graph:
    """The graph of `program`'s text: nodes as autograd would record them, shapes unknown."""
    builder = _Builder(program, wrt if wrt is not None else program.input_names)
    for stmt in program.statements:
        builder.statement(stmt)
    count = 0
    for n in builder.nodes:  # the unnamed intermediates: t1, t2, ... in creation order
        if not n.name:
            count += 1
            n.name = f"t{count}"
    for n in builder.nodes:  # the expressions were written before the names were given
        n.expression = n.expression and _named(n, builder)
    wanted = outputs or program.default_outputs
    targets = {s.target for s in program.statements}
    found = {}
    for name in wanted:
        if name not in targets:
            raise GradcliError(f"--output: {name!r} is not bound by the program (outputs can be "
                               f"{', '.join(dict.fromkeys(s.target for s in program.statements))})",
                               kind="input")
        held = builder.env.get(name)
        if held is not None and held.node is not None:
            found[name] = held.node
    reached = _reached(found.values())
    nodes = [n for n in builder.nodes if n.index in reached]
    return Graph(nodes, found, shapes_known=False, source="text", placeholders=list(placeholders))


def _token(node: Node) -> str:
    return f"\x00{node.index}\x00"


def _named(node: Node, builder: _Builder) -> str:
    return _TOKEN.sub(lambda m: builder.nodes[int(m.group(1))].name, node.expression)


def _reached(outputs) -> set[int]:
    seen: set[int] = set()
    stack = list(outputs)
    while stack:
        n = stack.pop()
        if n.index not in seen:
            seen.add(n.index)
            stack.extend(n.inputs)
    return seen
