"""Expressions -> closures `f(frame) -> value`: operators, names, attributes, items, displays,
f-strings, comprehensions, lambdas and calls (the expression half of compiler.Compiler)."""
from __future__ import annotations

import ast

from ...errors import GradcliError
from . import objects, pyvalues, runtime
from .attributes import get_attribute, get_item
from .errors import NATIVE, ScriptError
from .objects import Frame
from .pyvalues import truth
from .scopes import Scope, located

BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "floordiv",
          ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul", ast.LShift: "lshift",
          ast.RShift: "rshift", ast.BitAnd: "and", ast.BitOr: "or", ast.BitXor: "xor"}
COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne",
           ast.Is: "is", ast.IsNot: "is_not", ast.In: "in", ast.NotIn: "not_in"}
UNARY = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert", ast.Not: "not"}

_binary = pyvalues.binary
_compare = pyvalues.compare



class Expressions:
    """The e_* compilers. The class that mixes them in provides positions, pos, load_name,
    store_name, target and function (compiler.Compiler)."""

    def expr(self, node, scope):
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise self.positions.error(node, f"{type(node).__name__} expressions are not supported in "
                                       "gradcli scripts")
        return method(node, scope)

    def e_Constant(self, node, scope):
        value = node.value
        if isinstance(value, (bytes, complex)):
            raise self.positions.error(node, f"{type(value).__name__} literals are not supported")
        return lambda f: value

    def e_Name(self, node, scope):
        return self.load_name(node.id, scope, node)

    def e_NamedExpr(self, node, scope):
        value = self.expr(node.value, scope)
        store = self.store_name(node.target.id, scope)

        def run(f):
            v = value(f)
            store(f, v)
            return v
        return run

    def e_BinOp(self, node, scope):
        # a + b + c + ... nests to the left: compile the spine iteratively (any length, no recursion)
        spine = []
        while isinstance(node, ast.BinOp):
            spine.append(node)
            node = node.left
        first = self.expr(node, scope)
        steps = []
        for n in reversed(spine):
            steps.append((BINOPS[type(n.op)], self.expr(n.right, scope), *self.pos(n)))
        if len(steps) == 1:
            op, right, line, column, text = steps[0]

            def run_one(f):
                a = first(f)
                b = right(f)
                try:
                    return _binary(op, a, b)
                except (ScriptError, GradcliError, RecursionError) + NATIVE as exc:
                    raise located(exc, line, column, text) from None
            return run_one
        steps = tuple(steps)

        def run(f):
            value = first(f)
            for op, right, line, column, text in steps:
                b = right(f)
                try:
                    value = _binary(op, value, b)
                except (ScriptError, GradcliError, RecursionError) + NATIVE as exc:
                    raise located(exc, line, column, text) from None
            return value
        return run

    def e_UnaryOp(self, node, scope):
        op = UNARY[type(node.op)]
        operand = self.expr(node.operand, scope)
        if op == "not":
            return lambda f: not truth(operand(f))
        unary = pyvalues.unary
        if op == "neg" and isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
            value = -node.operand.value
            return lambda f: value
        return lambda f: unary(op, operand(f))

    def e_BoolOp(self, node, scope):
        values = [self.expr(v, scope) for v in node.values]
        if isinstance(node.op, ast.And):
            def run_and(f):
                v = None
                for value in values:
                    v = value(f)
                    if not truth(v):
                        return v
                return v
            return run_and

        def run_or(f):
            v = None
            for value in values:
                v = value(f)
                if truth(v):
                    return v
            return v
        return run_or

    def e_Compare(self, node, scope):
        first = self.expr(node.left, scope)
        rest = [(COMPARE[type(op)], self.expr(c, scope)) for op, c in zip(node.ops, node.comparators)]
        line, column, text = self.pos(node)
        if len(rest) == 1:
            op, right = rest[0]

            def run_one(f):
                a = first(f)
                b = right(f)
                try:
                    return _compare(op, a, b)
                except (ScriptError, GradcliError) + NATIVE as exc:
                    raise located(exc, line, column, text) from None
            return run_one

        def run(f):
            a = first(f)
            result = True
            for op, right in rest:
                b = right(f)
                result = _compare(op, a, b)
                if not truth(result):
                    return result
                a = b
            return result
        return run

    def e_IfExp(self, node, scope):
        test, body, orelse = self.expr(node.test, scope), self.expr(node.body, scope), self.expr(node.orelse, scope)
        return lambda f: body(f) if truth(test(f)) else orelse(f)

    def e_Attribute(self, node, scope):
        obj = self.expr(node.value, scope)
        name = node.attr
        line, column, text = self.pos(node)

        def run(f):
            o = obj(f)
            try:
                return get_attribute(o, name)
            except (ScriptError, GradcliError) + NATIVE as exc:
                raise located(exc, line, column, text) from None
        return run

    def subscript_key(self, node, scope):
        if isinstance(node, ast.Slice):
            parts = [self.expr(p, scope) if p is not None else None for p in (node.lower, node.upper, node.step)]

            def make_slice(f):
                return slice(*(p(f) if p is not None else None for p in parts))
            return make_slice
        if isinstance(node, ast.Tuple):
            items = [self.subscript_key(e, scope) if isinstance(e, ast.Slice) else self.expr(e, scope)
                     for e in node.elts]
            return lambda f: tuple(i(f) for i in items)
        return self.expr(node, scope)

    def e_Subscript(self, node, scope):
        container = self.expr(node.value, scope)
        key = self.subscript_key(node.slice, scope)
        line, column, text = self.pos(node)

        def run(f):
            c = container(f)
            k = key(f)
            try:
                return get_item(c, k)
            except (ScriptError, GradcliError) + NATIVE as exc:
                raise located(exc, line, column, text) from None
        return run

    def e_Slice(self, node, scope):
        raise self.positions.error(node, "a slice is only allowed inside [ ]")

    def e_Starred(self, node, scope):
        raise self.positions.error(node, "* unpacking is only allowed in calls, lists and tuples")

    def _items(self, elts, scope):
        """Closures for the items of a display; starred items are spread."""
        parts = []
        for e in elts:
            if isinstance(e, ast.Starred):
                parts.append((True, self.expr(e.value, scope)))
            else:
                parts.append((False, self.expr(e, scope)))
        if not any(star for star, _ in parts):
            fns = tuple(p for _, p in parts)
            return lambda f: [p(f) for p in fns]

        def run(f):
            out = []
            for star, p in parts:
                if star:
                    out.extend(pyvalues.materialize(p(f)))
                else:
                    out.append(p(f))
            return out
        return run

    def e_List(self, node, scope):
        return self._items(node.elts, scope)

    def e_Tuple(self, node, scope):
        items = self._items(node.elts, scope)
        return lambda f: tuple(items(f))

    def e_Set(self, node, scope):
        items = self._items(node.elts, scope)
        return lambda f: set(pyvalues.bounded(items(f)))

    def e_Dict(self, node, scope):
        pairs = [(self.expr(k, scope) if k is not None else None, self.expr(v, scope))
                 for k, v in zip(node.keys, node.values)]

        def run(f):
            out = {}
            for k, v in pairs:
                if k is None:
                    out.update(pyvalues._to_dict(v(f)))
                else:
                    out[pyvalues.bounded(k(f))] = v(f)
            return out
        return run

    def e_JoinedStr(self, node, scope):
        from .formatting import convert, format_value, joined  # noqa: PLC0415
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append((value.value, None, None, None))
            else:
                spec = self.e_JoinedStr(value.format_spec, scope) if value.format_spec is not None else None
                parts.append((None, self.expr(value.value, scope), value.conversion, spec))

        def run(f):
            out = []
            for text, value, conversion, spec in parts:
                if value is None:
                    out.append(text)
                else:
                    out.append(format_value(convert(value(f), conversion if conversion != -1 else None),
                                            spec(f) if spec is not None else ""))
            return joined(out)
        return run

    def e_FormattedValue(self, node, scope):
        return self.e_JoinedStr(ast.JoinedStr(values=[node]), scope)

    def e_Yield(self, node, scope):
        if scope.kind != "function":
            raise self.positions.error(node, "'yield' outside function")
        value = self.expr(node.value, scope) if node.value is not None else (lambda f: None)

        def run(f):
            f.yielded.append(value(f))
            if len(f.yielded) > runtime.MAX_LENGTH:
                runtime.check_length(len(f.yielded), "a generator's values")
            return None
        return run

    def e_YieldFrom(self, node, scope):
        if scope.kind != "function":
            raise self.positions.error(node, "'yield' outside function")
        values = self.expr(node.value, scope)

        def run(f):
            f.yielded.extend(pyvalues.materialize(values(f)))
            runtime.check_length(len(f.yielded), "a generator's values")
            return None
        return run

    def e_Lambda(self, node, scope):
        return self.function(node, scope, "<lambda>", is_lambda=True)

    # -- comprehensions -------------------------------------------------------------------------------

    def _comprehension(self, node, scope, element):
        """element(scope) -> closure(frame) producing the item (or (key, value)); returns a closure
        that runs the loops in a fresh frame and returns the list of items."""
        inner = Scope("comprehension", scope)
        for gen in node.generators:
            for name in ast.walk(gen.target):
                if isinstance(name, ast.Name):
                    inner.locals.add(name.id)
        first_iter = self.expr(node.generators[0].iter, scope)
        loops = []
        for i, gen in enumerate(node.generators):
            iterable = first_iter if i == 0 else self.expr(gen.iter, inner)
            loops.append((iterable, self.target(gen.target, inner),
                          [self.expr(c, inner) for c in gen.ifs], i == 0))
        produce = element(inner)
        kind = scope.kind
        iterate = pyvalues.iterate

        def run(f):
            outer = (f.vars,) + f.outer if kind in ("function", "comprehension") else f.outer
            frame = Frame({}, outer, f.fn)
            out = []
            rt = runtime.RT

            def loop(k):
                iterable, store, conditions, is_first = loops[k]
                for item in iterate(iterable(f) if is_first else iterable(frame)):
                    rt.steps -= 1
                    if rt.steps < 0:
                        runtime.step()
                    store(frame, item)
                    if all(truth(c(frame)) for c in conditions):
                        if k + 1 == len(loops):
                            out.append(produce(frame))
                            if len(out) > runtime.MAX_LENGTH:
                                runtime.check_length(len(out), "a comprehension")
                        else:
                            loop(k + 1)
            loop(0)
            return out
        return run

    def e_ListComp(self, node, scope):
        return self._comprehension(node, scope, lambda inner: self.expr(node.elt, inner))

    def e_GeneratorExp(self, node, scope):
        items = self._comprehension(node, scope, lambda inner: self.expr(node.elt, inner))
        return lambda f: iter(items(f))

    def e_SetComp(self, node, scope):
        items = self._comprehension(node, scope, lambda inner: self.expr(node.elt, inner))
        return lambda f: set(pyvalues.bounded(items(f)))

    def e_DictComp(self, node, scope):
        def element(inner):
            k, v = self.expr(node.key, inner), self.expr(node.value, inner)
            return lambda frame: (k(frame), v(frame))
        items = self._comprehension(node, scope, element)
        return lambda f: dict(pyvalues.bounded(items(f)))

    # -- calls ------------------------------------------------------------------------------------------

    def _arguments(self, node, scope):
        """A closure returning (args list, kwargs dict) for a call."""
        simple = not any(isinstance(a, ast.Starred) for a in node.args) and \
            all(k.arg is not None for k in node.keywords)
        args = [(isinstance(a, ast.Starred), self.expr(a.value if isinstance(a, ast.Starred) else a, scope))
                for a in node.args]
        kws = [(k.arg, self.expr(k.value, scope)) for k in node.keywords]
        if simple:
            arg_fns = tuple(a for _, a in args)
            if not kws:
                return lambda f: ([a(f) for a in arg_fns], {})
            kw_fns = tuple(kws)
            return lambda f: ([a(f) for a in arg_fns], {k: v(f) for k, v in kw_fns})

        def run(f):
            values = []
            for star, a in args:
                if star:
                    values.extend(pyvalues.materialize(a(f)))
                else:
                    values.append(a(f))
            kwargs = {}
            for k, v in kws:
                if k is None:
                    mapping = v(f)
                    if not isinstance(mapping, dict):
                        raise ScriptError("TypeError", "argument after ** must be a mapping")
                    for key, value in mapping.items():
                        if type(key) is not str or key.startswith("__"):
                            raise ScriptError("TypeError", "keywords must be strings")
                        if key in kwargs:
                            raise ScriptError("TypeError", f"got multiple values for keyword argument '{key}'")
                        kwargs[key] = value
                else:
                    kwargs[k] = v(f)
            return values, kwargs
        return run

    def e_Call(self, node, scope):
        line, column, text = self.pos(node)
        func = node.func
        arguments = self._arguments(node, scope)
        invoke = objects.invoke
        if isinstance(func, ast.Name) and func.id == "super" and not node.args and not node.keywords:
            if scope.kind != "function" or not scope.method_of_class or scope.first_param is None:
                raise self.positions.error(node, "super() without arguments works only in a method of a class")
            first = scope.first_param

            def run_super(f):
                return objects.Super(f.fn.owner, f.vars[first])
            return run_super
        if isinstance(func, ast.Attribute):
            obj = self.expr(func.value, scope)
            name = func.attr
            from .methods import TENSOR_METHODS  # noqa: PLC0415
            from .tensor import STensor  # noqa: PLC0415
            method = TENSOR_METHODS.get(name)

            def run_method(f):
                o = obj(f)
                args, kwargs = arguments(f)
                try:
                    if method is not None and type(o) is STensor:
                        return method(o, *args, **kwargs)
                    return invoke(get_attribute(o, name), args, kwargs)
                except (ScriptError, GradcliError, RecursionError) + NATIVE as exc:
                    raise located(exc, line, column, text) from None
            return run_method
        callee = self.expr(func, scope)

        def run(f):
            fn = callee(f)
            args, kwargs = arguments(f)
            try:
                return invoke(fn, args, kwargs)
            except (ScriptError, GradcliError, RecursionError) + NATIVE as exc:
                raise located(exc, line, column, text) from None
        return run
