"""Hostile scripts through `gradcli run`: every one ends in exit 2 with a message that names the
problem, never a traceback or an internal error, never a hang, never memory exhaustion.

Scripts are fuller Python than programs (loops, functions, classes, f-strings), so the limits
that keep them bounded are tested here: the step budget (loops and calls), the call depth,
sizes of strings, lists and integers, format widths, the tensor-work budget, and the refusals
that keep a script inside the interpreter (dunders, open, eval, getattr, other modules).
"""
from __future__ import annotations

import re

import pytest
from test_hostile import run_capped, run_inprocess

CASES = [
    # (id, script, message regex, guarded: run in a memory-capped child)
    ("while-true", "while True:\n    pass\n", r"more than [\d,]+ steps", False),
    ("for-huge-range", "for i in range(10**12):\n    pass\n", r"more than [\d,]+ steps", False),
    ("list-huge-range", "x = list(range(10**12))\n", r"over the limit", True),
    ("sorted-huge-range", "x = sorted(range(10**9))\n", r"over the limit", True),
    ("sum-huge-range", "x = sum(range(10**12))\n", r"more than [\d,]+ steps", False),
    ("recursion", "def f(n):\n    return f(n + 1)\nf(0)\n", r"recursion depth", False),
    ("lambda-recursion", "f = lambda: f()\nf()\n", r"recursion depth", False),
    ("mutual-recursion", "def a():\n    return b()\ndef b():\n    return a()\na()\n", r"recursion depth", False),
    ("fork-bomb", "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nprint(f(60))\n",
     r"more than [\d,]+ steps", False),
    ("method-recursion", "class A:\n    def m(self):\n        return self.m()\nA().m()\n", r"recursion depth", False),
    ("string-bomb", "s = 'a' * 10**10\n", r"over the limit", True),
    ("list-bomb", "l = [0] * 10**9\n", r"over the limit", True),
    ("string-doubling", "s = 'ab'\nwhile True:\n    s = s + s\n", r"over the limit", True),
    ("list-doubling", "l = [1]\nwhile True:\n    l.extend(l)\n", r"over the limit|more than [\d,]+ steps", True),
    ("int-power", "x = 10 ** 10 ** 10\n", r"bits", False),
    ("int-squaring", "x = 3\nwhile True:\n    x = x * x\n", r"bits", False),
    ("int-shift", "x = 1 << 10**9\n", r"bits", False),
    ("format-width", "s = f'{1:999999999}'\n", r"format width", False),
    ("format-nested-width", "w = 10**9\ns = f'{1:{w}}'\n", r"format width", False),
    ("format-precision", "s = '{:.999999999f}'.format(1.5)\n", r"format precision", False),
    ("percent-width", "s = '%999999999d' % 1\n", r"format width", False),
    ("format-dunder-field", "s = '{0.__class__}'.format(1)\n", r"AttributeError.*__class__", False),
    ("format-attribute-escape", "s = '{0.real.imag.bit_length.__self__}'.format(1)\n",
     r"AttributeError", False),
    ("replace-bomb", "s = ('a' * 1000000).replace('a', 'b' * 100000)\n", r"over the limit", True),
    ("ljust-bomb", "s = 'a'.ljust(10**10)\n", r"over the limit", True),
    ("join-bomb", "s = 'x' * 5000000\nt = s.join([s, s, s])\n", r"over the limit", True),
    ("generator-endless", "def g():\n    while True:\n        yield 1\nfor x in g():\n    pass\n",
     r"more than [\d,]+ steps|over the limit", True),
    ("comprehension-huge", "x = [i for i in range(10**9)]\n", r"more than [\d,]+ steps|over the limit", True),
    ("shared-list-repr", "x = [1]\nfor i in range(200):\n    x = [x, x]\nprint(x)\n", r"nested container", False),
    ("shared-tuple-hash", "t = (1,)\nfor i in range(200):\n    t = (t, t)\ns = {t}\n", r"nested container", False),
    ("shared-list-equality", "x = [1]\ny = [1]\nfor i in range(200):\n    x = [x, x]\n    y = [y, y]\n"
     "print(x == y)\n", r"nested container", False),
    ("shared-dict-key", "t = (1,)\nfor i in range(200):\n    t = (t, t)\nd = {}\nd[t] = 1\n", r"nested container",
     False),
    ("deep-list-repr", "l = []\nfor i in range(100000):\n    l = [l]\nprint(l)\n", r"recursed too deeply", False),
    ("tensor-too-large", "import torch\nx = torch.zeros(10**5, 10**5)\n", r"limit", True),
    ("tensor-loop", "import torch\nwhile True:\n    x = torch.ones(10**7)\n", r"tensor elements|steps", True),
    ("numpy-too-large", "import numpy as np\nx = np.zeros((10**5, 10**5))\n", r"limit", True),
    ("numpy-outer-bomb", "import numpy as np\nx = np.ones(10**6)\ny = np.outer(x, x)\n", r"limit", True),
    ("caught-limit-still-ends", "try:\n    while True:\n        pass\nexcept Exception:\n    print('caught')\n",
     r"more than [\d,]+ steps", False),
    ("bare-except-limit", "try:\n    f = lambda: f()\n    f()\nexcept:\n    pass\n", r"recursion depth", False),
    # refusals: the script never reaches outside the interpreter
    ("import-os", "import os\nos.system('ls')\n", r"No module named 'os'", False),
    ("from-os", "from os import system\n", r"No module named 'os'", False),
    ("import-subprocess", "import subprocess\n", r"No module named 'subprocess'", False),
    ("import-dunder", "x = __import__('os')\n", r"double underscores.*__import__", False),
    ("open", "f = open('/etc/passwd')\n", r"open\(\) is not allowed", False),
    ("with-open", "with open('/etc/passwd') as f:\n    print(f.read())\n", r"open\(\) is not allowed", False),
    ("eval", "eval('1 + 1')\n", r"eval\(\) is not allowed", False),
    ("exec", "exec('x = 1')\n", r"exec\(\) is not allowed", False),
    ("compile", "compile('1', 'f', 'eval')\n", r"compile\(\) is not allowed", False),
    ("getattr", "import torch\ngetattr(torch, 'load')\n", r"getattr\(\) is not allowed", False),
    ("setattr", "setattr(print, 'x', 1)\n", r"setattr\(\) is not allowed", False),
    ("globals", "print(globals())\n", r"globals\(\) is not allowed", False),
    ("vars", "print(vars())\n", r"vars\(\) is not allowed", False),
    ("dunder-attribute", "x = (1).__class__\n", r"double underscores.*__class__", False),
    ("dunder-subclasses", "x = ().__class__.__base__.__subclasses__()\n", r"double underscores", False),
    ("dunder-method-def", "class A:\n    def __getattr__(self, n):\n        return 1\n", r"double underscores", False),
    ("dunder-name", "print(__builtins__)\n", r"double underscores.*__builtins__", False),
    ("dunder-name-guard-other", "if __name__ == 'x':\n    pass\nprint(__file__)\n", r"double underscores", False),
    ("dunder-keyword", "print(1, __x=2)\n", r"double underscores", False),
    ("dunder-class-attribute", "class A:\n    __slots__ = ()\n", r"double underscores", False),
    ("dunder-init-elsewhere", "x = print.__init__\n", r"double underscores.*__init__", False),
    ("function-attribute", "def f():\n    pass\nf.x = 1\nprint(f.code)\n", r"AttributeError", False),
    ("print-self-escape", "print(print.self)\n", r"AttributeError", False),
    ("tensor-attribute-escape", "import torch\nx = torch.ones(2)\nprint(x.storage)\n", r"AttributeError", False),
    ("module-attribute-escape", "import torch\nprint(torch.load)\n", r"AttributeError.*load", False),
    ("numpy-escape", "import numpy as np\nprint(np.load('x'))\n", r"AttributeError.*load", False),
    ("type-call-escape", "t = type(1)\nprint(t.mro())\n", r"AttributeError", False),
    ("class-namespace", "class A:\n    pass\nprint(A.dict)\n", r"AttributeError", False),
    ("async", "async def f():\n    pass\n", r"async functions are not supported", False),
    ("match", "match 1:\n    case 1:\n        pass\n", r"match statements are not supported", False),
    ("deep-unary", "x = " + "-" * 400 + "1\n", r"nested more than", False),
    ("deep-calls", "x = " + "abs(" * 180 + "1" + ")" * 180 + "\n", r"nested more than|too many nested", False),
    ("deep-call-chain", "import torch\nx = torch.ones(2)\ny = x" + ".clone()" * 400 + "\n",
     r"nested more than", False),
    ("deep-lists", "x = " + "[" * 190 + "]" * 190 + "\n", r"nested|too many nested", False),
    ("syntax-error", "for x in\n", r"syntax error", False),
    ("null-byte", "x = 1\x00\n", r"NUL", False),
]


@pytest.mark.parametrize("id_, script, message, guarded", CASES, ids=[c[0] for c in CASES])
def test_hostile_script(id_, script, message, guarded, tmp_path):
    path = tmp_path / "hostile.py"
    path.write_text(script, encoding="utf-8")
    if guarded:
        code, out, err, peak = run_capped(["run", str(path)])
        assert peak < 1_500_000, f"peak {peak} KiB"  # refused before the memory was taken
    else:
        code, out, err = run_inprocess(["run", str(path)])
    assert code == 2, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    assert re.search(message, err, re.I | re.S), err


def test_long_sums_and_chains_still_work(tmp_path):
    """Flat is not deep: a 20,000-term sum and a 3,000-statement chain run."""
    path = tmp_path / "long.py"
    path.write_text("x = " + " + ".join(["1"] * 20_000) + "\nprint(x)\n"
                    + "y = 0\n" + "y = y + 1\n" * 3000 + "print(y)\n", encoding="utf-8")
    code, out, err = run_inprocess(["run", str(path)])
    assert (code, out) == (0, "20000\n3000\n"), err


def test_a_caught_script_error_goes_on(tmp_path):
    path = tmp_path / "caught.py"
    path.write_text("import torch\ntry:\n    torch.ones(2) + torch.ones(3)\nexcept RuntimeError as e:\n"
                    "    print('caught:', e)\nprint('after')\n", encoding="utf-8")
    code, out, err = run_inprocess(["run", str(path)])
    assert code == 0, err
    assert out == ("caught: The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
                   "dimension 0\nafter\n")


def test_self_containing_list_prints(tmp_path):
    path = tmp_path / "cycle.py"
    path.write_text("l = [1]\nl.append(l)\nd = {}\nd['d'] = d\nprint(l, d)\n", encoding="utf-8")
    assert run_inprocess(["run", str(path)])[:2] == (0, "[1, [...]] {'d': {...}}\n")
