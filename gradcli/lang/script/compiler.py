"""Script syntax trees -> Python closures: the tree-walking evaluator, walked once.

Each expression becomes a closure `f(frame) -> value` and each statement a closure
`f(frame) -> signal` (None, BREAK, CONTINUE or RETURN), built once before the script runs, so a
loop body costs a few Python calls per node, not a walk of the tree. Nothing is handed to
Python's eval/exec/compile: every operation goes through this package's own dispatch
(pyvalues, attributes, objects), which knows what a script may do.

Names follow Python's scopes: module names live in the globals dict, a function's assigned
names in its frame, free names are looked up in the enclosing functions' frames, then the
globals, then the built-ins. Loops and calls draw on the run's step budget (runtime.py).
Errors carry the line and column of the statement or call that raised them.
"""
from __future__ import annotations

import ast

from ...errors import GradcliError
from . import objects, pyvalues, runtime
from .attributes import (
    del_attribute,
    del_item,
    get_attribute,
    get_item,
    set_attribute,
    set_item,
)
from .errors import NATIVE, ScriptError, runtime_error
from .expressions import BINOPS, Expressions
from .objects import BREAK, CONTINUE, RETURN, Frame, ScriptFunction
from .pyvalues import truth
from .scopes import Scope, assigned_names, located, yields


class Compiler(Expressions):
    """Statements, names and functions; the expressions are Expressions' (expressions.py)."""

    def __init__(self, source, positions, globals_: dict, builtins: dict, imports):
        self.source = source
        self.positions = positions
        self.G = globals_
        self.B = builtins
        self.imports = imports  # imports(module_name) -> the namespace object (or raises)

    def pos(self, node):
        line, column = self.positions.of(node)
        return line, column, self.source.line(line)

    # == statements ====================================================================================

    def module(self, tree: ast.Module):
        scope = Scope("module", None)
        return self.block(tree.body, scope)

    def block(self, body, scope):
        compiled = []
        for node in body:
            fn = self.statement(node, scope)
            if fn is not None:
                compiled.append((fn, *self.pos(node)))
        fns = tuple(c[0] for c in compiled)
        where = tuple(c[1:] for c in compiled)
        if not fns:
            return lambda f: None

        lines = tuple(c[1] for c in compiled)

        def run(f):
            i = 0
            rt = runtime.RT
            try:
                for i, fn in enumerate(fns):
                    rt.line = lines[i]
                    signal = fn(f)
                    if signal is not None:
                        return signal
            except (ScriptError, GradcliError, RecursionError) + NATIVE as exc:
                raise located(exc, *where[i]) from None
            return None
        return run

    def statement(self, node, scope):
        method = getattr(self, "s_" + type(node).__name__, None)
        if method is None:
            raise self.positions.error(node, f"{type(node).__name__} statements are not supported in "
                                       "gradcli scripts")
        return method(node, scope)

    def s_Pass(self, node, scope):
        return None

    def s_Expr(self, node, scope):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None  # a docstring
        value = self.expr(node.value, scope)

        def run(f):
            value(f)
        return run

    def s_Assign(self, node, scope):
        value = self.expr(node.value, scope)
        targets = [self.target(t, scope) for t in node.targets]
        if len(targets) == 1:
            store = targets[0]

            def run(f):
                store(f, value(f))
            return run

        def run_many(f):
            v = value(f)
            for store in targets:
                store(f, v)
        return run_many

    def s_AnnAssign(self, node, scope):
        if node.value is None:
            return None
        value = self.expr(node.value, scope)
        store = self.target(node.target, scope)

        def run(f):
            store(f, value(f))
        return run

    def s_AugAssign(self, node, scope):
        op = BINOPS[type(node.op)]
        value = self.expr(node.value, scope)
        update = _in_place(op)
        target = node.target
        if isinstance(target, ast.Name):
            load = self.load_name(target.id, scope, target)
            store = self.store_name(target.id, scope)

            def run(f):
                store(f, update(load(f), value(f)))
            return run
        if isinstance(target, ast.Subscript):
            container = self.expr(target.value, scope)
            key = self.subscript_key(target.slice, scope)

            def run_item(f):  # x[i] += v is x[i] = x[i].__iadd__(v), as Python does it
                c, k = container(f), key(f)
                set_item(c, k, update(get_item(c, k), value(f)))
            return run_item
        if isinstance(target, ast.Attribute):
            obj = self.expr(target.value, scope)
            name = target.attr

            def run_attr(f):
                o = obj(f)
                set_attribute(o, name, update(get_attribute(o, name), value(f)))
            return run_attr
        raise self.positions.error(node, "this augmented assignment target is not supported")

    def s_Delete(self, node, scope):
        deleters = []
        for target in node.targets:
            if isinstance(target, ast.Name):
                name = target.id
                local = scope.kind in ("function", "comprehension") and name in scope.locals
                G = self.G

                def delete(f, name=name, local=local):
                    d = f.vars if local else G
                    if name not in d:
                        raise ScriptError("NameError", f"name '{name}' is not defined")
                    del d[name]
                deleters.append(delete)
            elif isinstance(target, ast.Subscript):
                container, key = self.expr(target.value, scope), self.subscript_key(target.slice, scope)
                deleters.append(lambda f, c=container, k=key: del_item(c(f), k(f)))
            elif isinstance(target, ast.Attribute):
                obj = self.expr(target.value, scope)
                deleters.append(lambda f, o=obj, n=target.attr: del_attribute(o(f), n))
            else:
                raise self.positions.error(target, "this del target is not supported")

        def run(f):
            for d in deleters:
                d(f)
        return run

    def s_If(self, node, scope):
        test = self.expr(node.test, scope)
        body = self.block(node.body, scope)
        orelse = self.block(node.orelse, scope) if node.orelse else None

        def run(f):
            v = test(f)
            if v is True or (v is not False and truth(v)):
                return body(f)
            if orelse is not None:
                return orelse(f)
            return None
        return run

    def s_While(self, node, scope):
        test = self.expr(node.test, scope)
        body = self.block(node.body, scope)
        orelse = self.block(node.orelse, scope) if node.orelse else None

        def run(f):
            rt = runtime.RT
            while True:
                v = test(f)
                if not (v is True or (v is not False and truth(v))):
                    break
                rt.steps -= 1
                if rt.steps < 0:
                    runtime.step()
                signal = body(f)
                if signal is not None:
                    if signal is BREAK:
                        return None
                    if signal is not CONTINUE:
                        return signal
            if orelse is not None:
                return orelse(f)
            return None
        return run

    def s_For(self, node, scope):
        iterable = self.expr(node.iter, scope)
        store = self.target(node.target, scope)
        body = self.block(node.body, scope)
        orelse = self.block(node.orelse, scope) if node.orelse else None
        iterate = pyvalues.iterate

        def run(f):
            rt = runtime.RT
            for item in iterate(iterable(f)):
                rt.steps -= 1
                if rt.steps < 0:
                    runtime.step()
                store(f, item)
                signal = body(f)
                if signal is not None:
                    if signal is BREAK:
                        return None
                    if signal is not CONTINUE:
                        return signal
            if orelse is not None:
                return orelse(f)
            return None
        return run

    def s_Break(self, node, scope):
        return lambda f: BREAK

    def s_Continue(self, node, scope):
        return lambda f: CONTINUE

    def s_Return(self, node, scope):
        if scope.kind not in ("function",):
            raise self.positions.error(node, "'return' outside function")
        if node.value is None:
            def run_none(f):
                f.ret = None
                return RETURN
            return run_none
        value = self.expr(node.value, scope)

        def run(f):
            f.ret = value(f)
            return RETURN
        return run

    def s_Global(self, node, scope):
        return None  # handled when the scope's names were collected

    s_Nonlocal = s_Global

    def s_Assert(self, node, scope):
        test = self.expr(node.test, scope)
        msg = self.expr(node.msg, scope) if node.msg is not None else None

        def run(f):
            if not truth(test(f)):
                if msg is None:
                    raise ScriptError("AssertionError", "")
                from .show import to_str  # noqa: PLC0415
                m = msg(f)
                raise ScriptError("AssertionError", to_str(m), args=(m,))
        return run

    def s_Raise(self, node, scope):
        exc = self.expr(node.exc, scope) if node.exc is not None else None

        def run(f):
            if exc is None:  # a bare raise re-raises what the enclosing handler caught
                current = _CURRENT.get(id(f))
                if current is None:
                    raise runtime_error("No active exception to reraise")
                raise current
            value = exc(f)
            if type(value) is ScriptError:
                raise value
            if type(value) is objects.NativeClass and value.name in pyvalues.EXCEPTIONS:
                raise value.construct()
            raise ScriptError("TypeError", "exceptions must derive from BaseException")
        return run

    def s_Try(self, node, scope):
        body = self.block(node.body, scope)
        handlers = []
        for h in node.handlers:
            kinds = self.expr(h.type, scope) if h.type is not None else None
            store = self.store_name(h.name, scope) if h.name else None
            handlers.append((kinds, store, self.block(h.body, scope)))
        orelse = self.block(node.orelse, scope) if node.orelse else None
        final = self.block(node.finalbody, scope) if node.finalbody else None

        def matches(exc, kinds_value):
            if kinds_value is None:
                return True
            items = kinds_value if type(kinds_value) is tuple else (kinds_value,)
            for k in items:
                if type(k) is objects.NativeClass and k.name in pyvalues.EXCEPTIONS and exc.is_a(k.name):
                    return True
                if type(k) is objects.ScriptClass and exc.type_name == k.name:
                    return True
            return False

        def run(f):
            try:
                try:
                    signal = body(f)
                except ScriptError as exc:
                    for kinds, store, handler in handlers:
                        if matches(exc, kinds(f) if kinds is not None else None):
                            if store is not None:
                                store(f, exc)
                            previous = _CURRENT.get(id(f))
                            _CURRENT[id(f)] = exc
                            try:
                                return handler(f)
                            finally:
                                if previous is None:
                                    _CURRENT.pop(id(f), None)
                                else:
                                    _CURRENT[id(f)] = previous
                    raise
                if orelse is not None and signal is None:
                    return orelse(f)
                return signal
            finally:
                if final is not None:
                    signal = final(f)
                    if signal is not None:
                        return signal  # noqa: B012 - as Python: a return in finally wins
        return run

    def s_With(self, node, scope):
        items = [(self.expr(i.context_expr, scope), self.target(i.optional_vars, scope)
                  if i.optional_vars is not None else None) for i in node.items]
        body = self.block(node.body, scope)

        def run(f, k=0):
            if k == len(items):
                return body(f)
            manager, store = items[k]
            m = manager(f)
            enter = getattr(type(m), "script_enter", None)
            leave = getattr(type(m), "script_exit", None)
            if enter is None or leave is None:
                raise ScriptError("TypeError", f"'{pyvalues.type_name(m)}' object does not support the "
                                  "context manager protocol")
            value = enter(m)
            if store is not None:
                store(f, value)
            try:
                return run(f, k + 1)
            finally:
                leave(m)
        return run

    def s_Import(self, node, scope):
        bindings = []
        for alias in node.names:
            module = alias.name
            if alias.asname:
                bindings.append((alias.asname, module))
            else:
                bindings.append((module.split(".")[0], module))
        stores = [(self.store_name(name, scope), module, name) for name, module in bindings]
        imports = self.imports

        def run(f):
            for store, module, name in stores:
                value = imports(module)
                if name != module and "." in module and not any(a.asname for a in node.names):
                    value = imports(module.split(".")[0])
                store(f, value)
        return run

    def s_ImportFrom(self, node, scope):
        module = node.module or ""
        if module == "__future__":
            return None
        stores = [(self.store_name(a.asname or a.name, scope), a.name) for a in node.names]
        if any(a.name == "*" for a in node.names):
            raise self.positions.error(node, "`from ... import *` is not supported in gradcli scripts: "
                                       "import the names you use")
        imports = self.imports

        def run(f):
            source = imports(module)
            for store, name in stores:
                try:
                    value = get_attribute(source, name)
                except ScriptError:
                    try:
                        value = imports(f"{module}.{name}")
                    except ScriptError:
                        raise ScriptError("ImportError", f"cannot import name '{name}' from '{module}'") \
                            from None
                store(f, value)
        return run

    def s_FunctionDef(self, node, scope):
        make = self.function(node, scope, node.name)
        decorators = [self.expr(d, scope) for d in node.decorator_list]
        store = self.store_name(node.name, scope)

        def run(f):
            fn = make(f)
            for d in reversed(decorators):
                fn = objects.invoke(d(f), [fn], {})
            store(f, fn)
        return run

    def s_ClassDef(self, node, scope):
        if node.keywords:
            raise self.positions.error(node, "class keywords (metaclass=...) are not supported")
        bases = [self.expr(b, scope) for b in node.bases]
        class_scope = Scope("class", scope)
        body = self.block(node.body, class_scope)
        decorators = [self.expr(d, scope) for d in node.decorator_list]
        store = self.store_name(node.name, scope)
        name = node.name

        def run(f):
            base_values = tuple(b(f) for b in bases)
            for b in base_values:
                if type(b) not in (objects.ScriptClass, objects.NativeClass):
                    raise ScriptError("TypeError", f"a class can only derive from classes, not "
                                      f"{pyvalues.type_name(b)}")
            namespace: dict = {}
            outer = f.outer if scope.kind == "class" else ((f.vars,) + f.outer if scope.kind == "function"
                                                            else f.outer)
            body(Frame(namespace, outer, f.fn))
            cls = objects.ScriptClass(name, base_values or (pyvalues.OBJECT,), namespace)
            for value in namespace.values():
                fn = value.func if type(value) in (objects.StaticMethod, objects.ClassMethod) else value
                if type(fn) is ScriptFunction and fn.owner is None:
                    fn.owner = cls
            result = cls
            for d in reversed(decorators):
                result = objects.invoke(d(f), [result], {})
            store(f, result)
        return run

    # == functions ===================================================================================

    def function(self, node, scope, name, is_lambda=False):
        """A closure that makes the ScriptFunction when the def (or lambda) runs."""
        args = node.args
        params = [a.arg for a in args.posonlyargs + args.args]
        vararg = args.vararg.arg if args.vararg else None
        kwonly = [a.arg for a in args.kwonlyargs]
        kwarg = args.kwarg.arg if args.kwarg else None
        body_nodes = [ast.Return(value=node.body, lineno=node.body.lineno,
                                 col_offset=node.body.col_offset)] if is_lambda else node.body
        local_names, declared_global, declared_nonlocal = assigned_names(body_nodes)
        local_names |= set(params) | set(kwonly) | {n for n in (vararg, kwarg) if n}
        inner = Scope("function", scope, local_names, method_of_class=scope.kind == "class",
                      first_param=params[0] if params else None)
        inner.globals = declared_global
        inner.nonlocals = declared_nonlocal
        body = self.block(body_nodes, inner)
        defaults = [self.expr(d, scope) for d in args.defaults]
        kwdefaults = [(a.arg, self.expr(d, scope)) for a, d in zip(args.kwonlyargs, args.kw_defaults)
                      if d is not None]
        line = node.lineno
        kind = scope.kind

        generator = yields(body_nodes)

        def make(f):
            if kind == "function":
                outer = (f.vars,) + f.outer
            else:  # module: globals are found anyway; class: methods do not see the class body
                outer = f.outer
            fn = ScriptFunction(name, params, tuple(d(f) for d in defaults), vararg, kwonly,
                                {k: d(f) for k, d in kwdefaults}, kwarg, body, outer, line, is_lambda)
            fn.generator = generator
            return fn
        return make

    # == names =======================================================================================

    def load_name(self, name, scope, node):
        G, B = self.G, self.B
        if name == "__name__":
            return lambda f: "__main__"
        if scope.kind == "function" and name in scope.locals and name not in scope.globals:
            def load_local(f):
                try:
                    return f.vars[name]
                except KeyError:
                    raise ScriptError("UnboundLocalError", f"cannot access local variable '{name}' where "
                                      "it is not associated with a value") from None
            return load_local
        if scope.kind == "module" or name in scope.globals:
            def load_global(f):
                try:
                    return G[name]
                except KeyError:
                    pass
                try:
                    return B[name]
                except KeyError:
                    raise _unknown(name) from None
            return load_global
        if scope.kind == "class":
            def load_class(f):
                if name in f.vars:
                    return f.vars[name]
                for d in f.outer:
                    if name in d:
                        return d[name]
                if name in G:
                    return G[name]
                if name in B:
                    return B[name]
                raise _unknown(name)
            return load_class

        def load_free(f):
            for d in f.outer:
                if name in d:
                    return d[name]
            if scope.kind == "comprehension" and name in f.vars:
                return f.vars[name]
            try:
                return G[name]
            except KeyError:
                pass
            try:
                return B[name]
            except KeyError:
                raise _unknown(name) from None
        return load_free

    def store_name(self, name, scope):
        G = self.G
        if scope.kind == "module" or name in scope.globals:
            def store_global(f, value):
                G[name] = value
            return store_global
        if name in scope.nonlocals:
            def store_nonlocal(f, value):
                for d in f.outer:
                    if name in d:
                        d[name] = value
                        return
                raise ScriptError("SyntaxError", f"no binding for nonlocal '{name}' found")
            return store_nonlocal

        def store_local(f, value):
            f.vars[name] = value
        return store_local

    def target(self, node, scope):
        """A closure store(frame, value) for an assignment target."""
        if isinstance(node, ast.Name):
            return self.store_name(node.id, scope)
        if isinstance(node, (ast.Tuple, ast.List)):
            stores = []
            star = None
            for i, elt in enumerate(node.elts):
                if isinstance(elt, ast.Starred):
                    star = i
                    stores.append(self.target(elt.value, scope))
                else:
                    stores.append(self.target(elt, scope))
            n = len(stores)

            def unpack(f, value):
                items = _unpack(value, n, star)
                for store, item in zip(stores, items):
                    store(f, item)
            return unpack
        if isinstance(node, ast.Subscript):
            container = self.expr(node.value, scope)
            key = self.subscript_key(node.slice, scope)
            line, column, text = self.pos(node)

            def store_item(f, value):
                c, k = container(f), key(f)
                try:
                    set_item(c, k, value)
                except (ScriptError, GradcliError) + NATIVE as exc:
                    raise located(exc, line, column, text) from None
            return store_item
        if isinstance(node, ast.Attribute):
            obj = self.expr(node.value, scope)
            name = node.attr

            def store_attr(f, value):
                set_attribute(obj(f), name, value)
            return store_attr
        if isinstance(node, ast.Starred):
            raise self.positions.error(node, "starred assignment target must be in a list or tuple")
        raise self.positions.error(node, f"cannot assign to {type(node).__name__}")

    # == expressions =================================================================================

_CURRENT: dict = {}  # frame id -> the exception its innermost running handler caught


def _unknown(name):
    if name in pyvalues.REFUSED:
        return pyvalues.refused(name)
    return ScriptError("NameError", f"name '{name}' is not defined")


def _unpack(value, n, star):
    items = pyvalues.materialize(value) if type(value) not in (list, tuple) else value
    if star is None:
        if len(items) != n:
            if len(items) > n:
                raise ScriptError("ValueError", f"too many values to unpack (expected {n})")
            raise ScriptError("ValueError", f"not enough values to unpack (expected {n}, got {len(items)})")
        return items
    after = n - star - 1
    if len(items) < n - 1:
        raise ScriptError("ValueError", f"not enough values to unpack (expected at least {n - 1}, got "
                          f"{len(items)})")
    return list(items[:star]) + [list(items[star:len(items) - after])] + list(items[len(items) - after:])


def _in_place(op):
    """x op= y: in place for tensors and lists (as Python's __iadd__), a new value otherwise."""
    from . import ops  # noqa: PLC0415
    from .tensor import STensor  # noqa: PLC0415
    tensor_op = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "pow": "pow",
                 "floordiv": "floordiv", "mod": "mod", "and": "and", "or": "or", "xor": "xor"}.get(op)

    def update(current, value):
        if type(current) is STensor and tensor_op is not None and \
                (type(value) is STensor or ops.is_number(value)):
            return ops.in_place(current, tensor_op, value)
        if type(current) is list and op == "add":
            from .attributes import _extend  # noqa: PLC0415
            _extend(current, value)
            return current
        return pyvalues.binary(op, current, value)
    return update
