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
from .attributes import del_attribute, del_item, get_attribute, get_item, set_attribute, set_item
from .errors import DEBUG, NATIVE, ScriptError, from_gradcli, from_native, runtime_error
from .objects import BREAK, CONTINUE, RETURN, Frame, ScriptFunction
from .pyvalues import truth

BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "floordiv",
          ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul", ast.LShift: "lshift",
          ast.RShift: "rshift", ast.BitAnd: "and", ast.BitOr: "or", ast.BitXor: "xor"}
COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne",
           ast.Is: "is", ast.IsNot: "is_not", ast.In: "in", ast.NotIn: "not_in"}
UNARY = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert", ast.Not: "not"}

_binary = pyvalues.binary
_compare = pyvalues.compare


def _located(exc, line, column, source):
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


def _assigned_names(body) -> tuple[set, set, set]:
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


class Compiler:
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
                raise _located(exc, *where[i]) from None
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
        local_names, declared_global, declared_nonlocal = _assigned_names(body_nodes)
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

        generator = _yields(body_nodes)

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
                    raise _located(exc, line, column, text) from None
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
                    raise _located(exc, line, column, text) from None
            return run_one
        steps = tuple(steps)

        def run(f):
            value = first(f)
            for op, right, line, column, text in steps:
                b = right(f)
                try:
                    value = _binary(op, value, b)
                except (ScriptError, GradcliError, RecursionError) + NATIVE as exc:
                    raise _located(exc, line, column, text) from None
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
                    raise _located(exc, line, column, text) from None
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
                raise _located(exc, line, column, text) from None
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
                raise _located(exc, line, column, text) from None
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
        return lambda f: set(items(f))

    def e_Dict(self, node, scope):
        pairs = [(self.expr(k, scope) if k is not None else None, self.expr(v, scope))
                 for k, v in zip(node.keys, node.values)]

        def run(f):
            out = {}
            for k, v in pairs:
                if k is None:
                    out.update(pyvalues._to_dict(v(f)))
                else:
                    out[k(f)] = v(f)
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
        return lambda f: set(items(f))

    def e_DictComp(self, node, scope):
        def element(inner):
            k, v = self.expr(node.key, inner), self.expr(node.value, inner)
            return lambda frame: (k(frame), v(frame))
        items = self._comprehension(node, scope, element)
        return lambda f: dict(items(f))

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
                    raise _located(exc, line, column, text) from None
            return run_method
        callee = self.expr(func, scope)

        def run(f):
            fn = callee(f)
            args, kwargs = arguments(f)
            try:
                return invoke(fn, args, kwargs)
            except (ScriptError, GradcliError, RecursionError) + NATIVE as exc:
                raise _located(exc, line, column, text) from None
        return run


def _yields(body) -> bool:
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
        return _binary(op, current, value)
    return update
