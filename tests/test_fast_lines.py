"""The fast path of the parser (language._Line) against the whole-text path (ast.parse + walk).

Simple lines (`name = expression`, `name op= expression`) are compiled from their tokens without
Python's ast. For every program here, the statements it gives (kind, target, instructions with
their positions, reads, requires_grad) must equal the walk's exactly; where the walk raises an
error, the line-by-line path must give up (and parse() then reports the walk's error).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.errors import GradcliError
from gradcli.lang import language
from gradcli.lang.functions import FUNCTIONS
from gradcli.lang.language import Source, _compile_lines, _compile_whole, _Line, parse


def _source(text: str) -> Source:
    return Source(text, text.split("\n"))


def _whole(text: str):
    try:
        return _compile_whole(text, _source(text))
    except GradcliError as exc:
        return exc


def _fast_count(text: str) -> int:
    """How many lines the fast path itself compiles (not through ast.parse)."""
    compiler = language._Compiler(_source(text))
    count = 0
    for i, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        try:
            _Line(compiler, line, i + 1).statement()
            count += 1
        except language._NotFast:
            pass
    return count


def check_same(text: str) -> bool:
    """The two paths agree on text; returns whether the line path compiled it (not None)."""
    want = _whole(text)
    got = _compile_lines(text, _source(text))
    if isinstance(want, GradcliError):
        assert got is None, f"{text!r}: the walk says {want.message!r}, the line path compiled it"
        return False
    if got is not None:
        assert got == want, f"{text!r}:\n  lines {got}\n  whole {want}"
    return got is not None


SAMPLES = sorted({s for fn in FUNCTIONS.values() for s in fn.samples})


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_sample_program_compiles_the_same_line_by_line(sample):
    """The samples, their `;` turned into line breaks so that each statement is one line."""
    text = sample.replace("; ", "\n")
    taken = check_same(text)
    if language._simple_lines(text) is not None and not isinstance(_whole(text), GradcliError):
        assert taken, f"{text!r}: simple lines, valid, yet the line path gave up"


def test_the_fast_path_takes_most_sample_statements():
    lines = [line for s in SAMPLES for line in s.replace("; ", "\n").split("\n")]
    taken = sum(_fast_count(line) for line in lines)
    assert taken >= 0.6 * len(lines), (taken, len(lines))  # indexing, lists, tuples: ast


PROGRAMS = [
    "y = sin(x) * 0.9 + 0.1 * y",
    "y = x\n" + "y = y * x\ny = y - x\n" * 50,
    "a = -2**2 + (-3) - -x + +x - --2 + -(2) + (-(2))**2 + 2**-1 + 2**3**2",
    "a = (x + y) * z - x * (y + z) / ((w)) // 3 % 2 @ M",
    "a = x.T @ M.mT + (x * 2).sum() + x.sum(dim=0, keepdim=True).abs().T",
    "a = torch.sin(x) + np.linalg.norm(x) + F.relu(x) + torch.nn.functional.gelu(x) + np.sum(x, axis=0)",
    "pi = 3\ny = pi * x + e",  # a constant name bound by the program is a read
    "y = pi * x + e + inf + nan",
    "torch = x * 2\ny = torch.sin()",  # a bound module name is a value
    "a = torch.ones(3, requires_grad=True)\nb = (a * a).sum()",
    "a = zeros(3, requires_grad=(True))\nb = ones(2, requires_grad=1)\nc = a.sum() + b.sum()",
    "a = ones(3, requires_grad=True) * 2\nb = a.sum()",
    "a = x\na += y\na -= 1\na *= 2.5\na /= 3\na **= 2\na //= 1\na %= 7\nb = a @ M\nb @= M",
    "a = 1e400 + 1.5e-400 + .5 + 5. + 1.e3 + 00 + 0 + 123456789012345678901234567890 - 9223372036854775808",
    "a = -123456789012345678901234567890 * 2 ** 64",
    "a = f(x, y, dim=1)\nb = g()\nc = h(x,)\nd = k(x, alpha=-2.5)",
    "a = True + False * x\nb = None",
    "a  =  x   *   (  y +  z )  \n\n\n   \nb = a",
    "a = x\tif x else y",
    "a = x; b = y\nc = a + b",
    "a, b = x, y\nc = a * b",
    "a = x[0] + x[1:]\nb = a",
    "a = x.foo\nb = a",
    "__a = x",
    "a = x.__class__",
    "a = tf.sin(x)",
    "a = torch.pi * x",
    "a = (torch).sin(x)",
    "a = ((F)).mT() + ((x)).T + ((x.T)).sum() + (torch.nn).relu(x) + (torch.sin)(x)",
    "a = -((2)) + -(((2.5))) * x + ((-2)) ** 2",
    "a = (f)(x)",
    "a = f(x)(y)",
    "a = f(k=1, k=2)",
    "a = f(k=1, x)",
    "a = f(*x)",
    "a = 2x",
    "a = 007",
    "a = 1_000 * x",
    "a = 0x1f * x",
    "a = 3j * x",
    "a = x.5",
    "a = x ==y",
    "a = b = x",
    "a = lambda: 1",
    "a = not x",
    "a = x if y else z",
    "a = (x, y)",
    "a = ()",
    "a = x.",
    "x * 2",
    "a = x\nx * 2",
    "a = x\nb = a * 2\n\n",
    "a = x\n  b = 2",
    "a = (x +\n y)",
    "a = x + \\\n y",
    "a = 'str'",
    "a = x # a comment",
    "a = π * x",
    "a = x ^ 2",
    "a = x\nb = (",
    "x = 1 +",
    "a = f(x,",
    "a" * 300 + " = x",
    "a = " + " + ".join(["x"] * 300),
    "a = " + "(" * 60 + "x" + ")" * 60,
    "a = match * 2\nmatch = 3",
    "a = type(x)",
    "a = x.type(y)",
    "pass\na = x",
    "a = x\npass",
    "",
    "\n\n",
]


@pytest.mark.parametrize("text", PROGRAMS)
def test_programs_compile_the_same_line_by_line(text):
    check_same(text)


def test_the_common_long_program_lines_take_the_fast_path():
    text = "y = x\n" + "y = y * x\ny = y - x\n" * 10 + "h = tanh(h @ W + b) * 0.5\nout = h.sum()"
    assert _fast_count(text) == len(text.strip().split("\n"))
    assert check_same(text)


# -- generated programs ------------------------------------------------------------------------------

NAMES = ["x", "y", "M", "s", "pi", "e", "inf", "torch", "np", "F", "sum", "a", "b", "True", "None", "__x"]
FUNCTIONS_ = ["sin", "torch.sin", "np.exp", "F.relu", "np.linalg.norm", "torch.nn.functional.gelu",
              "maximum", "tf.sin", "torch.pi", "sum", "x"]
METHODS = ["sum", "abs", "T", "mT", "mean", "foo"]


def _number():
    return st.one_of(st.integers(0, 2 ** 70).map(str), st.floats(0, 1e300).map(repr),
                     st.sampled_from([".5", "5.", "1e3", "1.5E-3", "0", "00", "1e400"]))


def _space():
    return st.sampled_from(["", " ", "  ", "\t"])


def _expressions():
    atoms = st.one_of(st.sampled_from(NAMES), _number())

    def extend(inner):
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "@", "%", "//"]), inner,
                           _space(), _space()).map(lambda t: f"{t[0]}{t[3]}{t[1]}{t[4]}{t[2]}")
        unary = st.tuples(st.sampled_from(["-", "+"]), inner).map("".join)
        paren = inner.map(lambda v: f"({v})")
        call = st.tuples(st.sampled_from(FUNCTIONS_), st.lists(inner, max_size=3),
                         st.lists(st.tuples(st.sampled_from(["dim", "k", "requires_grad"]), inner),
                                  max_size=2, unique_by=lambda kv: kv[0])).map(
            lambda t: f"{t[0]}({', '.join(t[1] + [f'{k}={v}' for k, v in t[2]])})")
        method = st.tuples(inner, st.sampled_from(METHODS), st.booleans()).map(
            lambda t: f"({t[0]}).{t[1]}" + ("()" if t[2] else ""))
        name_method = st.tuples(st.sampled_from(NAMES), st.sampled_from(METHODS), st.booleans()).map(
            lambda t: f"{t[0]}.{t[1]}" + ("()" if t[2] else ""))
        return st.one_of(binary, unary, paren, call, method, name_method)
    return st.recursive(atoms, extend, max_leaves=12)


def _statements():
    target = st.sampled_from(["a", "b", "y", "pi", "torch", "x"])
    op = st.sampled_from(["=", "=", "=", "+=", "*=", "**=", "@=", "-="])
    return st.tuples(target, _space(), op, _space(), _expressions()).map(lambda t: "".join(t))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_statements(), min_size=1, max_size=5))
def test_generated_programs_compile_the_same_line_by_line(lines):
    check_same("\n".join(lines))


# -- parse() as a whole ------------------------------------------------------------------------------

def test_errors_keep_their_order_and_positions():
    """A syntax error after an allowlist error still wins, as with one ast.parse of the text."""
    text = "a = x\nb = __y\nc = (\n"
    with pytest.raises(GradcliError, match="syntax error") as exc:
        parse(text)
    assert exc.value.line == 3
    with pytest.raises(GradcliError, match="double underscores") as exc:
        parse("a = x\nb = __y\nc = a")
    assert (exc.value.line, exc.value.column) == (2, 5)


def test_a_long_program_over_the_statement_limit():
    with pytest.raises(GradcliError, match="100,001 statements, over the limit of 100,000"):
        parse("y = y * x\n" * 100_001)


def test_a_long_simple_program_runs_as_written():
    from gradcli.api import Computation
    text = "y = x\n" + "".join("y = y * x\n" if k % 2 else "y = y - x\n" for k in range(999))
    result = Computation(text, {"x": "1.001"}).backward()
    y, dy = 1.001, 1.0
    for k in range(999):
        y, dy = (y * 1.001, dy * 1.001 + y) if k % 2 else (y - 1.001, dy - 1.0)
    np.testing.assert_allclose(result["outputs"]["y"], y, rtol=1e-12)
    np.testing.assert_allclose(result["grad"]["x"], dy, rtol=1e-12)
