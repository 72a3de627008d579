"""Program text -> statements of postfix instructions, through `ast` and an allowlist.

Nothing here evaluates anything: the text is parsed by Python's `ast` module,
every node is checked against an allowlist, and each expression is flattened
into a list of instructions for the interpreter in program.py. The walk uses
an explicit stack, so a 100,000-term sum is as safe as a short one.
"""
from __future__ import annotations

import ast
import math
import re
import sys
import threading
import warnings
from dataclasses import dataclass, field

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


@dataclass
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
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PROGRAM_BYTES:
        raise GradcliError(f"the {what} is longer than the limit of {MAX_PROGRAM_BYTES:,} bytes",
                           kind="limit")
    # A file from another editor: a byte-order mark, and CR or CRLF line ends, as Python reads them.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    source = Source(text, text.split("\n"))
    _check_encodable(text, source)
    return _ast_parse(text, source), source


class Positions:
    """1-based (line, column) of syntax-tree nodes, in characters (ast counts UTF-8 bytes)."""

    def __init__(self, source: Source):
        self.source = source
        self._ascii: dict[int, bool] = {}  # per line: byte offsets are character offsets

    def of(self, node) -> tuple[int, int]:
        line = getattr(node, "lineno", 1)
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
    tree, source = load(text)
    if len(tree.body) > MAX_STATEMENTS:
        raise GradcliError(f"the program has {len(tree.body):,} statements, over the limit of "
                           f"{MAX_STATEMENTS:,}", kind="limit")
    compiler = _Compiler(source)
    statements = []
    for i, node in enumerate(tree.body):
        stmt = compiler.statement(node, last=i == len(tree.body) - 1)
        if isinstance(stmt, list):  # a, b = ... unpacks into one statement per name
            statements.extend(stmt)
        elif stmt is not None:
            statements.append(stmt)
    if not statements:
        raise GradcliError("the program is empty", kind="syntax")
    return statements, source


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
        positions = Positions(source)
        self.pos, self.error = positions.of, positions.error

    def check_name(self, node, name: str) -> None:
        if name.startswith("__") or name.endswith("__"):
            raise self.error(node, f"names with double underscores are not allowed: {name[:40]}")
        if len(name) > MAX_NAME_LENGTH:
            raise self.error(node, f"a name is longer than the limit of {MAX_NAME_LENGTH} characters",
                             "limit")

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
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2 ** 63:
            # Past any size or index: a float, as every other number (inf beyond float64's range).
            try:
                return float(value)
            except OverflowError:
                return math.inf if value > 0 else -math.inf
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
        text = self.source.line(node.lineno)
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
