"""Program text -> statements of postfix instructions, through `ast` and an allowlist.

Nothing here evaluates anything: the text is parsed by Python's `ast` module,
every node is checked against an allowlist, and each expression is flattened
into a list of instructions for the interpreter in program.py. The walk uses
an explicit stack, so a 100,000-term sum is as safe as a short one.
"""
from __future__ import annotations

import ast
import keyword
import math
import re
import sys
import threading
import warnings
from dataclasses import dataclass, field

from .. import collector
from ..errors import GradcliError
from ..limits import MAX_NAME_LENGTH, MAX_PROGRAM_BYTES, MAX_STATEMENTS

# Prefixes that name a library rather than a value (torch.sin, np.linalg.norm, F.relu), and
# whose conventions a call through them follows where the libraries differ (np.var vs torch.var).
LIBRARY_OF_ROOT = {"torch": "torch", "F": "torch", "nn": "torch", "functional": "torch",
                   "math": "torch", "linalg": "torch", "np": "numpy", "numpy": "numpy",
                   "jnp": "numpy", "jax": "numpy", "scipy": "scipy", "special": "scipy",
                   "stats": "scipy"}
# Path parts that add nothing to a function's name: torch.nn.functional.relu is relu,
# torch.special.erf is erf, np.random.randn is randn, jax.numpy.sin is sin.
FILLERS = {"nn", "functional", "special", "random", "numpy", "autograd"}
# Libraries people import that gradcli does not speak: named in the error, not taken for inputs.
UNKNOWN_MODULES = {"tf", "tensorflow", "keras", "sp", "sympy", "pd", "pandas", "cp", "cupy", "mx",
                   "mxnet", "paddle", "jt", "ivy", "sklearn", "tfp"}
MODULES = set(LIBRARY_OF_ROOT)  # the roots; kept for callers that ask "is this a module name?"
# Attribute constants of those modules: torch.pi, np.newaxis, torch.float64 (a dtype).
MODULE_CONSTANTS = {"pi", "e", "inf", "nan", "newaxis", "float32", "float64", "double", "float",
                    "half", "float16", "int64", "long", "int32", "int", "bool", "int8", "uint8",
                    "int16", "bfloat16"}
CONSTANTS = {"pi", "e", "inf", "nan", "newaxis"}  # bare names; a program may re-bind them
MAX_MODULE_PATH = 6  # np.linalg.norm is 3 parts; a longer chain of names is method calls

BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
          ast.MatMult: "matmul", ast.Mod: "remainder", ast.FloorDiv: "floor_divide"}
COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne"}
ATTRIBUTES = {"T", "mT", "data", "values", "indices", "shape", "ndim"}

# Statements a program cannot hold, by the keyword a user wrote, with a hint where one helps.
_LOOPS = " (no loops: write the steps out, or use tensor operations)"
STATEMENTS = {
    ast.FunctionDef: ("def", ""), ast.AsyncFunctionDef: ("async def", ""), ast.ClassDef: ("class", ""),
    ast.Return: ("return", ""), ast.Delete: ("del", ""), ast.For: ("for", _LOOPS),
    ast.AsyncFor: ("async for", _LOOPS), ast.While: ("while", _LOOPS),
    ast.If: ("if", " (for a choice per element use where(cond, a, b))"), ast.With: ("with", ""),
    ast.AsyncWith: ("async with", ""), ast.Raise: ("raise", ""), ast.Try: ("try", ""),
    ast.Assert: ("assert", ""), ast.Global: ("global", ""), ast.Nonlocal: ("nonlocal", ""),
    ast.Break: ("break", ""), ast.Continue: ("continue", ""), ast.Match: ("match", ""),
}
if sys.version_info >= (3, 11):
    STATEMENTS[ast.TryStar] = ("try", "")
if sys.version_info >= (3, 12):
    STATEMENTS[ast.TypeAlias] = ("type", "")

FORBIDDEN = {
    ast.Lambda: "lambda expressions", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.NamedExpr: "the := operator",
    ast.IfExp: "conditional expressions (use where(cond, a, b))",
    ast.BoolOp: "and/or (use * and maximum on 0/1 masks)", ast.Dict: "dictionaries",
    ast.Set: "sets", ast.Starred: "* unpacking",
}


@dataclass(slots=True)  # a long program holds 100,000 of them
class Statement:
    kind: str  # "assign", "update" (x op= v), "setitem" (x[i] = v), "expr" (bare, last)
    target: str | None
    code: list  # instructions of the value
    index: list | None  # instructions of the index, for setitem
    op: str | None  # the operator of an update
    line: int
    column: int
    reads: list = field(default_factory=list)  # (name, line, column) in text order
    requires_grad: bool = False  # `a = torch.tensor(..., requires_grad=True)`


@dataclass
class Source:
    text: str
    lines: list

    def line(self, n: int) -> str:
        return self.lines[n - 1] if 0 < n <= len(self.lines) else ""


def load(text: str, what: str = "program") -> tuple[ast.Module, Source]:
    """Text -> Python's syntax tree and the lines for caret messages, within the size limit.

    Shared by pure programs (below) and scripts (lang/script), which then apply their own allowlist.
    """
    text, source = _prepare(text, what)
    return _ast_parse(text, source), source


def _prepare(text: str, what: str = "program") -> tuple[str, Source]:
    """The size limit, line ends as Python reads them, and the encoding check: text and its lines."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PROGRAM_BYTES:
        raise GradcliError(f"the {what} is longer than the limit of {MAX_PROGRAM_BYTES:,} bytes",
                           kind="limit")
    # A file from another editor: a byte-order mark, and CR or CRLF line ends, as Python reads them.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    source = Source(text, text.split("\n"))
    _check_encodable(text, source)
    return text, source


class Positions:
    """1-based (line, column) of syntax-tree nodes, in characters (ast counts UTF-8 bytes)."""

    def __init__(self, source: Source):
        self.source = source
        self._ascii: dict[int, bool] = {}  # per line: byte offsets are character offsets
        self.line_offset = 0  # where the text given to ast.parse starts (one line of a long program)

    def of(self, node) -> tuple[int, int]:
        line = getattr(node, "lineno", 1) + self.line_offset
        col = getattr(node, "col_offset", 0)
        # Checked once per line: re-encoding a long line for each of its nodes is quadratic.
        if line not in self._ascii:
            self._ascii[line] = self.source.line(line).isascii()
        if not self._ascii[line]:
            text = self.source.line(line)
            try:
                col = len(text.encode("utf-8")[:col].decode("utf-8", "replace"))
            except UnicodeError:
                pass
        return line, col + 1

    def error(self, node, message, kind="syntax") -> GradcliError:
        line, column = self.of(node)
        return GradcliError(message, kind=kind, line=line, column=column, source=self.source.line(line))


def parse(text: str) -> tuple[list[Statement], Source]:
    """Check the limits, parse, allowlist and compile a program."""
    text, source = _prepare(text)
    with collector.paused():  # no cycles here, and many objects: see gradcli/collector.py
        statements = _compile_lines(text, source)
        if statements is None:
            statements = _compile_whole(text, source)
    return statements, source


def _compile_whole(text: str, source: Source) -> list[Statement]:
    """The whole text through ast.parse, then the allowlist walk: every error, in its order."""
    tree = _ast_parse(text, source)
    body = tree.body
    if len(body) > MAX_STATEMENTS:
        raise GradcliError(f"the program has {len(body):,} statements, over the limit of "
                           f"{MAX_STATEMENTS:,}", kind="limit")
    del tree
    compiler = _Compiler(source)
    statements = []
    last = len(body) - 1
    for i in range(len(body)):
        node, body[i] = body[i], None  # each statement's tree is freed once it is compiled
        stmt = compiler.statement(node, last=i == last)
        if isinstance(stmt, list):  # a, b = ... unpacks into one statement per name
            statements.extend(stmt)
        elif stmt is not None:
            statements.append(stmt)
    if not statements:
        raise GradcliError("the program is empty", kind="syntax")
    return statements


def _check_encodable(text: str, source: Source) -> None:
    """Invalid UTF-8 in an argument reaches us as lone surrogates: say where, not crash later."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        column = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
        raise GradcliError("the program is not valid UTF-8 text", kind="syntax", line=line,
                           column=column, source=source.line(line).encode("utf-8", "replace")
                           .decode("utf-8")) from None


def _ast_parse(text: str, source: Source) -> ast.Module:
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise GradcliError("the program contains a NUL character", kind="syntax", line=line,
                           column=1, source=source.line(line))
    try:
        return _quiet_parse(text)
    except SyntaxError as exc:
        raise _syntax_error(exc, source) from None
    except (RecursionError, MemoryError):
        pass
    # Very deep expressions (a 100,000-term sum) need a deeper C stack than the main thread has.
    return _parse_deep(text, source)


def _quiet_parse(text: str) -> ast.Module:
    """ast.parse without Python's SyntaxWarnings ("invalid escape sequence") on our stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(text, mode="exec")


def _parse_deep(text: str, source: Source) -> ast.Module:
    result: dict = {}

    def work():
        try:
            result["tree"] = _quiet_parse(text)
        except SyntaxError as exc:
            result["error"] = _syntax_error(exc, source)
        except (RecursionError, MemoryError):
            result["error"] = GradcliError("the program is nested too deeply to parse", kind="limit")

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    try:
        sys.setrecursionlimit(max(old_limit, 2_000_000))
        threading.stack_size(1 << 30)
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in result:
        raise result["error"]
    return result["tree"]


def _syntax_error(exc: SyntaxError, source: Source) -> GradcliError:
    line = exc.lineno or 1
    column = exc.offset or 1
    message = exc.msg or "invalid syntax"
    if message.startswith("Exceeds the limit"):
        message = "a number literal is too long"
        digits = re.search(r"\d{1000,}", source.line(line))
        column = digits.start() + 1 if digits else column
    return GradcliError(f"syntax error: {message}", kind="syntax", line=line, column=column,
                        source=source.line(line),
                        hint=_notation_hint(message, source.line(line), column))


# Maths notation a person types, and the Python it means.
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
_SYMBOLS = {"×": "*", "·": "*", "÷": "/", "−": "-", "π": "pi", "√": "sqrt(...)", "≤": "<=",
            "≥": ">=", "≠": "!="}
_PRODUCT = re.compile(r"(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)([^\W\d]\w*)")
_BEFORE = re.compile(r"(\([^()]*\)|[\w.]+)\s*$")
_AFTER = re.compile(r"^\s*(\([^()]*\)|[\w.]+)")


def _notation_hint(message: str, text: str, column: int) -> str | None:
    """What to type instead of maths notation that Python does not read: 2x, x², ×, π."""
    at = max(0, column - 1)
    if "decimal literal" in message or "invalid syntax" in message:
        for m in _PRODUCT.finditer(text):
            if m.start() <= at < m.end() + 1 and not text[m.start() - 1:m.start()].isalnum():
                return f"write {m.group(1)}*{m.group(2)} for a product ({m.group(0)} is not Python)"
    if "invalid character" in message:
        ch = text[at:at + 1]
        if ch in _SUPERSCRIPTS:
            power = "".join(_SUPERSCRIPTS[c] for c in _leading(text[at:], _SUPERSCRIPTS))
            base = _BEFORE.search(text[:at])
            return f"use {base.group(1) if base else 'x'}**{power} for powers"
        if ch in _SYMBOLS:
            return f"write {_SYMBOLS[ch]} for {ch}"
    return None


def _leading(text: str, allowed) -> str:
    end = 0
    while end < len(text) and text[end] in allowed:
        end += 1
    return text[:end]


class _Compiler:
    def __init__(self, source: Source):
        self.source = source
        self.bound: set[str] = set()
        self.positions = Positions(source)
        self.pos, self.error = self.positions.of, self.positions.error

    def check_name(self, node, name: str) -> None:
        wrong = self.bad_name(name)
        if wrong:
            raise self.error(node, *wrong)

    @staticmethod
    def bad_name(name: str) -> tuple | None:
        """(message, kind) for a name a program may not use, else None."""
        if name.startswith("__") or name.endswith("__"):
            return f"names with double underscores are not allowed: {name[:40]}", "syntax"
        if len(name) > MAX_NAME_LENGTH:
            return f"a name is longer than the limit of {MAX_NAME_LENGTH} characters", "limit"
        return None

    # -- statements ---------------------------------------------------------------------------
    def statement(self, node, last: bool) -> Statement | None:
        line, column = self.pos(node)
        if isinstance(node, ast.Pass):
            return None
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1:
                raise self.error(node, "chained assignment (a = b = ...) is not supported")
            if isinstance(node.targets[0], (ast.Tuple, ast.List)):
                return self.unpack(node.targets[0], node.value, line, column)
            return self.assignment(node.targets[0], node.value, None, line, column)
        if isinstance(node, ast.AugAssign):
            op = BINOPS.get(type(node.op))
            if op is None:
                raise self.error(node, f"the operator {_op_symbol(node.op)}= is not supported "
                                 "(+=, -=, *=, /=, //=, %=, **= and @= are)")
            return self.assignment(node.target, node.value, op, line, column)
        if isinstance(node, ast.Expr):
            if not last:
                raise self.error(node, "a bare expression is only allowed as the last statement "
                                 "(it becomes the output `out`); bind it with name = ...")
            code, reads = self.expression(node.value)
            self.bound.add("out")
            return Statement("expr", "out", code, None, None, line, column, reads)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise self.error(node, "imports are not allowed (torch., np. and F. prefixes work "
                             "without them)")
        if isinstance(node, ast.AnnAssign):
            raise self.error(node, "annotations are not allowed: write name = value")
        keyword, hint = STATEMENTS.get(type(node), (type(node).__name__, ""))
        raise self.error(node, f"{keyword} statements are not allowed: a program is assignments "
                         f"and expressions{hint}")

    def assignment(self, target, value, op, line, column) -> Statement:
        if isinstance(target, ast.Name):
            self.check_name(target, target.id)
            code, reads = self.expression(value)
            if op is not None:
                reads = [(target.id, *self.pos(target))] + reads
            requires_grad = op is None and _requires_grad(value)
            self.bound.add(target.id)
            return Statement("update" if op else "assign", target.id, code, None, op, line, column,
                             reads, requires_grad)
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            name = target.value.id
            self.check_name(target.value, name)
            index, index_reads = self.expression(target.slice, index=True)
            code, reads = self.expression(value)
            reads = [(name, *self.pos(target.value))] + index_reads + reads
            self.bound.add(name)
            return Statement("setitem", name, code, index, op, line, column, reads)
        raise self.error(target, "you can assign to a name or to name[index] only")

    def unpack(self, target, value, line, column) -> list[Statement]:
        """`a, b = e0, e1` is `a = e0; b = e1`; `v, i = torch.max(x, 0)` is `v = torch.max(x, 0)[0];
        i = torch.max(x, 0)[1]` (the right side is evaluated once per name: it has no effects)."""
        names = target.elts
        for t in names:
            if not isinstance(t, ast.Name):
                raise self.error(t, "unpacking assigns to names only: a, b = ...")
        if isinstance(value, (ast.Tuple, ast.List)):
            if len(value.elts) != len(names):
                raise self.error(value, f"cannot unpack {len(value.elts)} values into {len(names)} names")
            parts = list(value.elts)
        else:
            parts = [ast.copy_location(ast.Subscript(value=value, slice=ast.Constant(i), ctx=ast.Load()),
                                       value) for i in range(len(names))]
        # Bound one after the other: a later part must not read a name bound before it.
        for i, part in enumerate(parts):
            read = {n.id for n in ast.walk(part) if isinstance(n, ast.Name)}
            clash = [t.id for t in names[:i] if t.id in read]
            if clash:
                raise self.error(part, f"{clash[0]!r} is assigned and read by the same unpacking; "
                                 "bind a temporary name first")
        return [self.assignment(t, part, None, line, column) for t, part in zip(names, parts)]

    # -- expressions --------------------------------------------------------------------------
    def expression(self, root, index: bool = False) -> tuple[list, list]:
        """Postfix instructions for an expression, and the names it reads in text order."""
        code: list = []
        reads: list = []
        # A work list of nodes to visit and instructions to emit after their operands.
        work: list = [("visit", root, index)]
        while work:
            kind, item, in_index = work.pop()
            if kind == "emit":
                code.append(item)
                continue
            node = item
            pos = self.pos(node)
            forbidden = FORBIDDEN.get(type(node))
            if forbidden:
                what, _, hint = forbidden.partition(" (")
                verb = "are" if what.endswith("s") else "is"
                raise self.error(node, f"{what} {verb} not allowed" + (f" ({hint}" if hint else ""))
            if isinstance(node, ast.Constant):
                code.append(("const", self.constant(node), pos))
            elif isinstance(node, ast.Name):
                self.check_name(node, node.id)
                # Constant names (e, pi) are reads too: the program's analysis decides whether
                # one is the constant or an input given a value (program.py).
                reads.append((node.id, *pos))
                code.append(("name", node.id, pos))
            elif isinstance(node, ast.BinOp):
                op = BINOPS.get(type(node.op))
                if op is None and isinstance(node.op, ast.BitXor):  # maths notation for a power
                    raise self.error(node, f"use {self.power_text(node)} for powers (^ is "
                                     "bitwise xor in Python)")
                if op is None:
                    raise self.error(node, f"the operator {_op_symbol(node.op)} is not supported")
                work += [("emit", ("binop", op, pos), False), ("visit", node.right, False),
                         ("visit", node.left, False)]
            elif isinstance(node, ast.UnaryOp):
                if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                        and type(node.operand.value) in (int, float):
                    code.append(("const", -self.constant(node.operand), pos))
                    continue
                if not isinstance(node.op, (ast.USub, ast.UAdd)):
                    raise self.error(node, f"the operator {_op_symbol(node.op)} is not supported")
                work += [("emit", ("unary", "neg" if isinstance(node.op, ast.USub) else "pos", pos),
                          False), ("visit", node.operand, False)]
            elif isinstance(node, ast.Compare):
                ops = []
                for op in node.ops:
                    if type(op) not in COMPARE:
                        raise self.error(node, f"the comparison {_op_symbol(op)} is not supported")
                    ops.append(COMPARE[type(op)])
                work.append(("emit", ("compare", tuple(ops), pos), False))
                for operand in reversed([node.left] + node.comparators):
                    work.append(("visit", operand, False))
            elif isinstance(node, ast.Call):
                self.call(node, pos, work)
            elif isinstance(node, ast.Attribute):
                self.attribute(node, pos, work, code)
            elif isinstance(node, ast.Subscript):
                work += [("emit", ("subscript", None, pos), False), ("visit", node.slice, True),
                         ("visit", node.value, False)]
            elif isinstance(node, ast.Slice):
                if not in_index:
                    raise self.error(node, "a slice is only allowed inside [ ]")
                parts = [node.lower, node.upper, node.step]
                work.append(("emit", ("slice", tuple(p is not None for p in parts), pos), False))
                for part in reversed([p for p in parts if p is not None]):
                    work.append(("visit", part, False))
            elif isinstance(node, (ast.List, ast.Tuple)):
                kind_ = "list" if isinstance(node, ast.List) else "tuple"
                work.append(("emit", (kind_, len(node.elts), pos), False))
                for elt in reversed(node.elts):
                    work.append(("visit", elt, in_index and kind_ == "tuple"))
            else:
                raise self.error(node, f"{type(node).__name__} expressions are not allowed")
        reads.sort(key=lambda r: (r[1], r[2]))
        return code, reads

    def constant(self, node: ast.Constant):
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool):
            return _int_constant(value)
        if value is Ellipsis or value is None or isinstance(value, (bool, int, float, str)):
            if isinstance(value, str) and len(value) > MAX_NAME_LENGTH:
                raise self.error(node, "a string argument is too long", "limit")
            return value
        raise self.error(node, f"{type(value).__name__} literals are not supported")

    def dotted(self, node) -> list[str] | None:
        """['torch', 'nn', 'functional', 'relu'] for a short pure chain of names, else None."""
        parts = []
        while isinstance(node, ast.Attribute):
            if len(parts) >= MAX_MODULE_PATH:
                return None  # not a module path: keeps x.T.T... linear
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            return parts[::-1]
        return None

    def is_module(self, parts) -> bool:
        return parts is not None and len(parts) > 1 and parts[0] in LIBRARY_OF_ROOT \
            and parts[0] not in self.bound

    def call(self, node: ast.Call, pos, work) -> None:
        seen = set()
        for kw in node.keywords:
            if kw.arg is None:
                raise self.error(node, "** unpacking is not allowed")
            self.check_name(node, kw.arg)
            if kw.arg in seen:
                raise self.error(kw, f"syntax error: keyword argument repeated: {kw.arg}")
            seen.add(kw.arg)
        kwnames = tuple(kw.arg for kw in node.keywords)
        args = list(node.args) + [kw.value for kw in node.keywords]
        func = node.func
        parts = self.dotted(func)
        if parts and len(parts) > 1 and parts[0] in UNKNOWN_MODULES and parts[0] not in self.bound:
            raise self.error(func, f"unknown module {parts[0]}: gradcli understands torch, F, nn, "
                             "np/numpy, jnp/jax.numpy, math, scipy.special and scipy.stats", "name")
        if isinstance(func, ast.Name) or self.is_module(parts):
            for part in parts:
                self.check_name(func, part)
            name, library = function_name(parts)
            work.append(("emit", ("call", (name, len(node.args), kwnames, library), pos), False))
        elif isinstance(func, ast.Attribute):
            self.check_name(func, func.attr)
            work.append(("emit", ("method", (func.attr, len(node.args), kwnames, "torch"), pos),
                         False))
        else:
            raise self.error(node, "only functions and methods can be called")
        for arg in reversed(args):
            work.append(("visit", arg, False))
        if isinstance(func, ast.Attribute) and not self.is_module(parts):
            work.append(("visit", func.value, False))

    def power_text(self, node: ast.BinOp) -> str:
        """x**2 for x^2, (x+1)**2 for (x+1)^2: the text on either side of the ^, as typed."""
        text = self.source.line(node.lineno + self.positions.line_offset)
        if not text.isascii():  # ast counts bytes; the plain form is as good
            return "a**b"
        caret = text.find("^", node.left.end_col_offset, node.right.col_offset)
        before, after = _BEFORE.search(text[:caret]), _AFTER.search(text[caret + 1:])
        if caret < 0 or not before or not after:
            return "a**b"
        return f"{before.group(1)}**{after.group(1)}"

    def attribute(self, node: ast.Attribute, pos, work, code) -> None:
        self.check_name(node, node.attr)
        parts = self.dotted(node)
        if self.is_module(parts):
            if node.attr not in MODULE_CONSTANTS:
                raise self.error(node, f"{'.'.join(parts)} is not a constant gradcli knows "
                                 "(call functions with parentheses)", "name")
            code.append(("module_constant", node.attr, pos))
            return
        if node.attr not in ATTRIBUTES:
            raise self.error(node, f"the attribute .{node.attr} is not supported "
                             f"(allowed: {', '.join(sorted(ATTRIBUTES))}, and method calls)")
        work += [("emit", ("attribute", node.attr, pos), False), ("visit", node.value, False)]


def _int_constant(value: int):
    """An integer literal as a program sees it: past any size or index (2**63 and more), a float,
    as every other number (inf beyond float64's range)."""
    if abs(value) >= 2 ** 63:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    return value


def function_name(parts: list[str]) -> tuple[str, str]:
    """(name, library) of a call through a module path: np.linalg.norm -> ('linalg.norm', 'numpy'),
    F.relu -> ('relu', 'torch'), scipy.stats.norm.logpdf -> ('stats.norm.logpdf', 'scipy'),
    jax.scipy.special.gammaln -> ('gammaln', 'scipy'); a bare name is PyTorch's."""
    if len(parts) == 1:
        return parts[0], "torch"
    root, rest = parts[0], list(parts[1:])
    library = LIBRARY_OF_ROOT[root]
    if root == "jax" and rest[0] == "scipy":
        library, rest = "scipy", rest[1:]
    if root in ("stats", "linalg"):  # from scipy import stats; from numpy import linalg
        rest = [root] + rest
    middle = [p for p in rest[:-1] if p not in FILLERS]
    return ".".join(middle + rest[-1:]), library


def _requires_grad(value) -> bool:
    return isinstance(value, ast.Call) and any(
        kw.arg == "requires_grad" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in value.keywords)


def _op_symbol(op) -> str:
    return {ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
            ast.BitAnd: "&", ast.BitXor: "^", ast.Not: "not", ast.Invert: "~", ast.Is: "is",
            ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}.get(type(op), type(op).__name__)


# -- the fast path: one line, one simple statement, without Python's ast ---------------------------
# A long program is mostly lines like `h3 = tanh(h2 @ W + b) * 0.5`. Python's ast.parse builds
# several objects per token for them, and the allowlist walk above visits each: together they
# took most of a 100,000-statement program's time and memory. When the text is simple (every line
# a whole logical line: no strings, comments, backslashes, indentation or brackets left open), a
# line `name = expression` or `name op= expression` over names, numbers, arithmetic, parentheses,
# calls, methods and attributes is compiled here straight from its tokens, into exactly the
# instructions the walk makes (tests/test_fast_lines.py compares the two on every sample program
# and on generated ones). Any other line goes through ast.parse alone, and any error sends the
# whole text through the whole-text path, so that messages and their order are unchanged.

_TOKEN = re.compile(r"""[ \t]*(?:
    (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<op>\*\*=?|//=?|[-+*/@%]=?|[(),.=])
)""", re.VERBOSE)
_AUGMENTED = {"+=": "add", "-=": "sub", "*=": "mul", "/=": "div", "**=": "pow", "@=": "matmul",
              "//=": "floor_divide", "%=": "remainder"}
_ADDITIVE = {"+": "add", "-": "sub"}
_MULTIPLICATIVE = {"*": "mul", "/": "div", "@": "matmul", "%": "remainder", "//": "floor_divide"}
_NAMED_CONSTANTS = {"True": True, "False": False, "None": None}
# Keywords and soft keywords (match, case, _, type) are left to Python's parser.
_NOT_NAMES = frozenset(keyword.kwlist + getattr(keyword, "softkwlist", [])) - set(_NAMED_CONSTANTS)
_MAX_LINE_TOKENS = 256  # longer lines go through ast.parse (this also bounds the recursion here)
_MAX_DIGITS = 100


class _NotFast(Exception):
    """The line is outside the fast subset: ast.parse compiles it."""


def _simple_lines(text: str) -> list[str] | None:
    """The lines of text, if each one is a whole logical line (see above); else None."""
    if "\\" in text or "#" in text or "'" in text or '"' in text or "\f" in text or "\v" in text:
        return None
    lines = text.split("\n")
    for line in lines:
        if line[:1] in (" ", "\t"):
            if line.strip():
                return None  # indented: a block, or a continuation
            continue
        if "(" in line or ")" in line or "[" in line or "]" in line or "{" in line or "}" in line:
            depth = 0
            for ch in line:
                if ch in "([{":
                    depth += 1
                elif ch in ")]}":
                    depth -= 1
                    if depth < 0:
                        return None
            if depth:
                return None
    return lines


def _number(text: str):
    """A number token's value, as the walk's `constant` gives it."""
    if len(text) > _MAX_DIGITS:
        raise _NotFast
    if "." in text or "e" in text or "E" in text:
        return float(text)
    if text[0] == "0" and text.strip("0"):
        raise _NotFast  # 007: Python's error
    return _int_constant(int(text))


class _Line:
    """Recursive descent over one line's tokens (Python's precedence), emitting the postfix
    instructions of the walk as it goes: the same instructions, positions and reads."""

    __slots__ = ("compiler", "tokens", "at", "line", "code", "reads", "grad_call", "specials",
                 "meaning")

    def __init__(self, compiler: "_Compiler", text: str, line: int):
        tokens = []
        end = len(text.rstrip(" \t"))
        at = 0
        match = _TOKEN.match
        while at < end:
            m = match(text, at)
            if m is None:
                raise _NotFast
            kind = m.lastgroup
            start, at = m.start(kind), m.end()
            if kind == "number" and at < len(text) and (text[at].isalnum() or text[at] in "_."):
                raise _NotFast  # 2x, 1.real, 1_000, 0x1f, 3j: Python's reading, or its error
            tokens.append((kind, m.group(kind), start))
            if len(tokens) > _MAX_LINE_TOKENS:
                raise _NotFast
        tokens.append(("end", "", end))
        self.compiler, self.tokens, self.at, self.line = compiler, tokens, 0, line
        self.code: list = []
        self.reads: list = []
        self.grad_call = None  # (index of the last call instruction, whether requires_grad=True)
        self.specials: set = set()  # names whose reading depends on what the program has bound
        # ((name, bound then), ...) for those names, as the line found them: its instructions hold
        # for as long as they are bound (or not) as then
        self.meaning = ()

    def peek(self) -> str:
        return self.tokens[self.at][1]

    def take(self, value: str) -> None:
        if self.tokens[self.at][1] != value:
            raise _NotFast
        self.at += 1

    def name(self, value: str) -> str:
        if value in _NOT_NAMES or value in _NAMED_CONSTANTS or self.compiler.bad_name(value):
            raise _NotFast
        return value

    # -- a statement ----------------------------------------------------------------------------
    def statement(self) -> Statement:
        kind, target, column = self.tokens[0]
        assign = self.tokens[1][1]
        if kind != "name" or (assign != "=" and assign not in _AUGMENTED):
            raise _NotFast
        self.name(target)
        self.at = 2
        self.expression()
        if self.tokens[self.at][0] != "end":
            raise _NotFast
        line, code, reads = self.line, self.code, self.reads
        reads.sort(key=lambda r: (r[1], r[2]))
        bound = self.compiler.bound
        if target in LIBRARY_OF_ROOT or target in UNKNOWN_MODULES:
            self.specials.add(target)
        self.meaning = tuple((name, name in bound) for name in sorted(self.specials))
        bound.add(target)
        if assign == "=":
            requires_grad = self.grad_call is not None and self.grad_call[0] == len(code) - 1 \
                and self.grad_call[1]
            return Statement("assign", target, code, None, None, line, column + 1, reads, requires_grad)
        return Statement("update", target, code, None, _AUGMENTED[assign], line, column + 1,
                         [(target, line, column + 1)] + reads)

    # -- expressions ----------------------------------------------------------------------------
    def expression(self) -> int:
        """+ and -; returns the column where the expression starts, its parentheses included."""
        start = self.term()
        while self.tokens[self.at][0] == "op" and self.peek() in _ADDITIVE:
            op = _ADDITIVE[self.peek()]
            self.at += 1
            self.term()
            self.code.append(("binop", op, (self.line, start + 1)))
        return start

    def term(self) -> int:
        """* / // % @"""
        start = self.factor()[0]
        while self.tokens[self.at][0] == "op" and self.peek() in _MULTIPLICATIVE:
            op = _MULTIPLICATIVE[self.peek()]
            self.at += 1
            self.factor()
            self.code.append(("binop", op, (self.line, start + 1)))
        return start

    def factor(self) -> tuple[int, bool]:
        """Unary + and -: (start column, whether the operand is a bare number, which - folds)."""
        kind, value, column = self.tokens[self.at]
        if kind == "op" and (value == "-" or value == "+"):
            self.at += 1
            if self.factor()[1] and value == "-":
                self.code[-1] = ("const", -self.code[-1][1], (self.line, column + 1))
            else:
                self.code.append(("unary", "neg" if value == "-" else "pos", (self.line, column + 1)))
            return column, False
        start, number = self.primary()
        if self.tokens[self.at][0] == "op" and self.peek() == "**":
            self.at += 1
            self.factor()
            self.code.append(("binop", "pow", (self.line, start + 1)))
            return start, False
        return start, number

    def primary(self) -> tuple[int, bool]:
        kind, value, column = self.tokens[self.at]
        if kind == "end":
            raise _NotFast
        self.at += 1
        following = self.peek()
        if kind == "number":
            if following == "(" or following == ".":
                raise _NotFast
            self.code.append(("const", _number(value), (self.line, column + 1)))
            return column, True
        if kind == "name":
            if value in _NAMED_CONSTANTS:
                if following == "(" or following == ".":
                    raise _NotFast
                self.code.append(("const", _NAMED_CONSTANTS[value], (self.line, column + 1)))
                return column, False
            self.named(value, column)
            return column, False
        if value != "(" or following == ")":
            raise _NotFast
        inner = self.at
        self.expression()
        if self.peek() == ",":
            raise _NotFast  # a tuple
        # parentheses make no node: ((2)) is a number to the walk, ((x)) a name
        bare = [t for t in self.tokens[inner:self.at] if t[1] != "(" and t[1] != ")"]
        single = bare[0][0] if len(bare) == 1 else None
        self.take(")")
        if self.peek() == "(" or self.peek() == ".":
            if single == "name":
                raise _NotFast  # (torch).sin(x) is a module path to the walk, (f)(x) a call
            self.trailers(column)
            return column, False
        return column, single == "number"

    def named(self, name: str, column: int) -> None:
        """A name, or a call of a function (a name or a module path), and what follows them."""
        compiler = self.compiler
        if name in LIBRARY_OF_ROOT or name in UNKNOWN_MODULES:
            self.specials.add(name)
        tokens = self.tokens
        parts, at = [name], self.at
        while tokens[at][1] == "." and tokens[at + 1][0] == "name":
            parts.append(tokens[at + 1][1])
            at += 2
        if len(parts) > 1 and parts[0] not in compiler.bound and \
                (parts[0] in LIBRARY_OF_ROOT or parts[0] in UNKNOWN_MODULES):
            if parts[0] in UNKNOWN_MODULES or len(parts) > MAX_MODULE_PATH or tokens[at][1] != "(":
                raise _NotFast  # an unknown module, a long chain, or a constant (torch.pi)
            for part in parts:
                self.name(part)
            self.at = at
            self.call(*function_name(parts), column, "call")
        elif self.peek() == "(":
            self.call(self.name(name), "torch", column, "call")
        else:
            self.name(name)
            self.reads.append((name, self.line, column + 1))
            self.code.append(("name", name, (self.line, column + 1)))
        self.trailers(column)

    def trailers(self, column: int) -> None:
        """.method(...) and .attribute after a value that starts at `column`."""
        tokens = self.tokens
        while tokens[self.at][1] == ".":
            kind, attr, _ = tokens[self.at + 1]
            if kind != "name":
                raise _NotFast
            self.name(attr)
            self.at += 2
            if self.peek() == "(":
                self.call(attr, "torch", column, "method")
            elif attr in ATTRIBUTES:
                self.code.append(("attribute", attr, (self.line, column + 1)))
            else:
                raise _NotFast
        if self.peek() == "(":
            raise _NotFast  # the call of a call's result

    def call(self, name: str, library: str, column: int, kind: str) -> None:
        """( arguments ): the positional ones, then name=value; emits them, then the call."""
        self.take("(")
        tokens = self.tokens
        nargs, kwnames, requires_grad = 0, [], False
        while self.peek() != ")":
            kind_, value, _ = tokens[self.at]
            if kind_ == "name" and tokens[self.at + 1][1] == "=":
                if value in kwnames:
                    raise _NotFast
                self.name(value)
                self.at += 2
                before = len(self.code)
                self.expression()
                kwnames.append(value)
                if value == "requires_grad" and len(self.code) == before + 1:
                    requires_grad = self.code[-1][0] == "const" and self.code[-1][1] is True
            elif kwnames or (kind_ == "op" and (value == "*" or value == "**")):
                raise _NotFast  # positional after keyword, * and ** unpacking: ast says why
            else:
                self.expression()
                nargs += 1
            if self.peek() == ",":
                self.at += 1
            elif self.peek() != ")":
                raise _NotFast
        self.at += 1
        self.code.append((kind, (name, nargs, tuple(kwnames), library), (self.line, column + 1)))
        self.grad_call = (len(self.code) - 1, requires_grad)


def _compile_lines(text: str, source: Source) -> list[Statement] | None:
    """The program line by line (the fast path above, or ast.parse of that line alone), when its
    text is simple; None when it is not, or on any error (the whole-text path then reports it).

    A line seen before is not compiled again: its statement is copied with the new line number
    (a long program repeats its lines), unless a name it reads or calls through has changed
    meaning since (pi, torch... bound by the program in between)."""
    lines = _simple_lines(text)
    if lines is None:
        return None
    compiler = _Compiler(source)
    statements: list[Statement] = []
    seen: dict[str, tuple] = {}  # line text -> (statement at line 1, its names whose meaning depends on bindings)
    bound = compiler.bound
    count = 0
    last = max((i for i, line in enumerate(lines) if line.strip()), default=None)
    if last is None:
        return None
    try:
        for i, line in enumerate(lines):
            known = seen.get(line)
            if known is not None and (not known[1] or all((n in bound) == was for n, was in known[1])):
                statements.append(_moved(known[0], i + 1))
                bound.add(known[0].target)
                count += 1
                continue
            if not line.strip():
                continue
            try:
                fast = _Line(compiler, line, 1)
                stmt = fast.statement()
                statements.append(_moved(stmt, i + 1) if i else stmt)
                if len(seen) < _SEEN_LINES:
                    seen[line] = (stmt, fast.meaning)
                count += 1
                continue
            except _NotFast:
                pass
            body = _quiet_parse(line).body
            count += len(body)
            compiler.positions.line_offset = i
            for k, node in enumerate(body):
                stmt = compiler.statement(node, last=i == last and k == len(body) - 1)
                if isinstance(stmt, list):
                    statements.extend(stmt)
                elif stmt is not None:
                    statements.append(stmt)
            compiler.positions.line_offset = 0
            if count > MAX_STATEMENTS:
                return None
    except (SyntaxError, ValueError, RecursionError, MemoryError, GradcliError):
        return None
    return statements if statements and count <= MAX_STATEMENTS else None


_SEEN_LINES = 1 << 14  # distinct lines remembered (a program of distinct lines gains nothing)


def _moved(stmt: Statement, line: int) -> Statement:
    """stmt, compiled at line 1, as it is at `line`: every position moved there."""
    code = [(kind, arg, (line, pos[1])) for kind, arg, pos in stmt.code]
    reads = [(name, line, column) for name, _, column in stmt.reads]
    return Statement(stmt.kind, stmt.target, code, None, stmt.op, line, stmt.column, reads,
                     stmt.requires_grad)
