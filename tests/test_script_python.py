"""The Python of scripts: each snippet prints through `gradcli run` exactly what CPython prints
for it (the test runs CPython itself on the trusted snippet as the reference)."""
from __future__ import annotations

import contextlib
import io

import pytest

from gradcli.errors import GradcliError
from gradcli.lang.script.runner import run

SNIPPETS = {
    "closures": """
def counter():
    count = 0
    def step():
        nonlocal count
        count += 1
        return count
    return step
c = counter()
print(c(), c(), c())
total = 0
def add(n):
    global total
    total += n
add(3); add(4)
print(total)
""",
    "arguments": """
def f(a, b=2, *args, c, d=5, **kw):
    return a, b, args, c, d, sorted(kw.items())
print(f(1, c=3))
print(f(1, 2, 3, 4, c=5, e=6, f=7))
print(f(*[1, 2], **{'c': 9}))
try:
    f()
except TypeError as e:
    print('TypeError:', e)
try:
    f(1, 2, c=3, zz=1, b=4)
except TypeError as e:
    print('TypeError:', e)
""",
    "classes": """
class Animal:
    kind = 'animal'
    def __init__(self, name):
        self.name = name
    def speak(self):
        return f'{self.name} makes a sound'
    @staticmethod
    def plural(n):
        return n + 's'
    @classmethod
    def make(cls, name):
        return cls(name)
class Dog(Animal):
    def __init__(self, name, tricks=()):
        super().__init__(name)
        self.tricks = list(tricks)
    def speak(self):
        return super().speak() + ' (woof)'
d = Dog.make('rex')
print(d.speak(), d.kind, Animal.plural('dog'), isinstance(d, Animal), isinstance(d, Dog))
print(type(d), d.tricks, issubclass(Dog, Animal), type(d) is Dog)
""",
    "exceptions": """
def risky(n):
    try:
        if n == 0:
            raise ValueError('zero')
        return 10 / n
    except ValueError as e:
        print('caught', e)
        return -1
    finally:
        print('finally', n)
print(risky(0), risky(5))
try:
    [1, 2][5]
except IndexError as e:
    print('IndexError:', e)
try:
    {'a': 1}['b']
except KeyError as e:
    print('KeyError:', e)
try:
    1 / 0
except ZeroDivisionError as e:
    print('ZeroDivisionError:', e)
try:
    try:
        raise RuntimeError('inner')
    except RuntimeError:
        raise
except Exception as e:
    print('re-raised:', e, e.args)
try:
    assert 1 == 2, 'one is not two'
except AssertionError as e:
    print('AssertionError:', e)
for i in range(3):
    try:
        if i == 1:
            continue
        print('body', i)
    finally:
        print('cleanup', i)
""",
    "formatting": """
x, y, name = 3.14159, 42, 'grad'
print(f'{x:.2f} {y:5d} {name!r} {name:>8} {y:08.3f} {x:e} {y:x} {y:,} {x=}')
print('{} and {}'.format(1, 2), '{1}{0}'.format('a', 'b'), '{n[0]}-{n[1]}'.format(n=[5, 6]))
print('{:^10}|{:<5}|{:>5}'.format('mid', 'l', 'r'), '{0.real} {0.imag}'.format(3))
print('%d %s %r %.3f %5.1f%%' % (7, 'str', 'repr', 2.0 / 3, 99.5))
print('%(a)s %(b)d' % {'a': 'x', 'b': 2}, '%s' % 'single', '%s' % (1,))
print(format(3.5, '.1e'), format(255, 'b'), repr(1.1), str(1.1), ascii('é'))
print('a', 'b', sep='-', end='!\\n')
""",
    "containers": """
squares = [i * i for i in range(6) if i % 2 == 0]
pairs = {k: v for k, v in zip('abc', range(3))}
unique = {c for c in 'mississippi'}
print(squares, pairs, sorted(unique), sum(i for i in range(5)))
a, *rest, z = [1, 2, 3, 4, 5]
print(a, rest, z)
(p, q), r = (1, 2), 3
print(p, q, r)
nested = [[i, j] for i in range(2) for j in range(2)]
print(nested, list(enumerate('ab', 1)), list(reversed([1, 2, 3])), max([3, 1, 2]), min(4, 2, 8))
d = {'x': 1}
d.update(y=2)
d.setdefault('z', 3)
print(d, list(d.keys()), list(d.values()), d.get('w', 0), d.pop('x'), d)
l = [3, 1, 2]
l.sort(reverse=True)
l.append(0)
l.extend([9])
l.insert(0, 7)
print(l, l.index(2), l.count(1), l[1:3], l[::-1], l[-1], len(l), 2 in l, 8 not in l)
del l[0]
print(l, sorted(['b', 'A', 'c'], key=lambda s: s.lower()), any([0, 1]), all([1, 0]))
print(1 < 2 < 3, 1 < 3 < 2, 'abc'.upper(), ' x '.strip(), 'a,b'.split(','), '-'.join(['a', 'b']))
print(divmod(7, 2), pow(2, 10), abs(-3), round(2.675, 2), round(3.5), int('12'), float('1.5'), bool([]))
print(list(map(lambda v: v * 2, [1, 2])), list(filter(None, [0, 1, 2])), tuple(range(3)), dict(a=1))
""",
    "control": """
n = 0
while True:
    n += 1
    if n > 5:
        break
else:
    print('not reached')
for i in range(3):
    pass
else:
    print('for-else', i)
x = 5
y = 'big' if x > 3 else 'small'
print(n, y, x if x < 0 else -x, not x, x and 0, x or 0, None or 'default')
if __name__ == '__main__':
    print('main guard')
def gen(n):
    for i in range(n):
        yield i * i
    yield from [100, 200]
print(list(gen(4)), sum(gen(3)))
""",
}


def _cpython(code: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})  # trusted test text
    return buffer.getvalue()


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_prints_what_cpython_prints(name):
    code = SNIPPETS[name]
    out: list[str] = []
    run(code, write=out.append)
    assert "".join(out) == _cpython(code)


def test_uncaught_error_has_line_and_caret():
    out: list[str] = []
    with pytest.raises(GradcliError) as info:
        run("print('before')\nx = [1, 2]\ny = x[7]\nprint('after')\n", write=out.append)
    assert out == ["before\n"]
    err = info.value
    assert err.message == "IndexError: list index out of range"
    assert (err.line, err.column) == (3, 5)
    assert err.render().splitlines()[1:] == ["    y = x[7]", "        ^"]


def test_errors_inside_functions_point_at_the_innermost_line():
    with pytest.raises(GradcliError) as info:
        run("def f(v):\n    return v + 'a'\nf(1)\n", write=lambda s: None)
    assert info.value.message == "TypeError: unsupported operand type(s) for +: 'int' and 'str'"
    assert info.value.line == 2


def test_grad_mode_is_restored_after_an_error_inside_no_grad():
    out: list[str] = []
    run("import torch\nx = torch.ones(1, requires_grad=True)\ntry:\n    with torch.no_grad():\n"
        "        raise ValueError('boom')\nexcept ValueError:\n    pass\nprint((x * 2).requires_grad)\n",
        write=out.append)
    assert out == ["True\n"]
