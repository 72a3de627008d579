"""torch.func as scripts use it: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap.

Each transform returns a function that scripts call and compose. `grad(grad(f))(x)` works: a
transform differentiates an alias of its argument, and where that argument already takes part in
an outer transform's graph (it requires grad), the inner gradient is built with create_graph, so
what it returns still depends on the outer input. The Jacobian transforms and hessian compute their
matrices at once (reverse, forward, forward-over-reverse) and refuse to be nested.

vmap maps by calling the function on each slice along `in_dims` and stacking the results along
`out_dims`: the numbers of PyTorch's batching rules for the pure functions torch.func accepts.
"""
from __future__ import annotations

import numpy as np

from ...core import engine
from ...core import tensor as core
from ...core.tensor import Tensor, apply
from . import autograd
from .dtypes import FLOATING
from .errors import ScriptError, runtime_error, type_error
from .gradapi import functional_hessian, functional_jvp
from .namespaces import Namespace
from .objects import Native, invoke
from .tensor import STensor, wrap


def _argnums(argnums, count: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in nums:
        if not isinstance(n, int) or not -count <= n < count:
            raise runtime_error(f"Got argnums={argnums!r} for a function of {count} positional arguments")
    return tuple(n % count for n in nums)


def _alias(s) -> STensor:
    """The argument as the transform's own variable: an alias in the outer graph when it is part of
    one (nested transforms), else a fresh leaf that requires grad."""
    if type(s) is not STensor:
        raise type_error(f"expected a Tensor as the differentiated argument, got {type(s).__name__}")
    if s.dtype.category != FLOATING:
        raise runtime_error("only Tensors of floating point dtype can be differentiated")
    if s.t.requires_grad:
        from .methods import CLONE  # noqa: PLC0415
        return wrap(apply(CLONE, s.t), s.dtype)
    leaf = STensor(Tensor(np.array(s.t.data)), s.dtype)
    leaf.t.requires_grad = True
    return leaf


def _call(func, args, kwargs):
    previous = core.recording
    core.recording = True
    try:
        return invoke(func, args, kwargs)
    finally:
        core.recording = previous


def _gradients(out, variables, nested: bool) -> list[STensor]:
    grads = autograd.grad([out], variables, create_graph=nested, retain_graph=nested, allow_unused=True)
    return [g if g is not None else wrap(Tensor(np.zeros_like(v.t.data)), v.dtype)
            for g, v in zip(grads, variables)]


def _detach(value):
    if type(value) is STensor:
        return wrap(Tensor(np.array(value.t.data)), value.dtype)
    if isinstance(value, (tuple, list)):
        return type(value)(_detach(v) for v in value)
    return value


def grad_and_value(func, argnums=0, has_aux=False):
    def transformed(*args, **kwargs):
        args = list(args)
        nums = _argnums(argnums, len(args))
        nested = any(type(args[n]) is STensor and args[n].t.requires_grad for n in nums)
        variables = [_alias(args[n]) for n in nums]
        for n, v in zip(nums, variables):
            args[n] = v
        out = _call(func, args, kwargs)
        aux = None
        if has_aux:
            if not isinstance(out, tuple) or len(out) != 2:
                raise runtime_error("grad_and_value(f)(*args): output of function f should be a tuple: "
                                    "(output, aux) if has_aux is True")
            out, aux = out
        if type(out) is not STensor or out.t.data.size != 1 or out.t.data.ndim != 0:
            got = f"tensor with {out.t.data.ndim} dims" if type(out) is STensor else type(out).__name__
            raise runtime_error(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                                f"got {got}. Maybe you wanted to use the vjp or jacrev APIs instead?")
        grads = _gradients(out, variables, nested)
        if not nested:
            grads, out, aux = _detach(grads), _detach(out), _detach(aux)
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        return (g, (out, aux)) if has_aux else (g, out)
    return Native("grad_and_value", transformed)


def grad(func, argnums=0, has_aux=False):
    inner = grad_and_value(func, argnums, has_aux).fn

    def transformed(*args, **kwargs):
        g, value = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return Native("grad", transformed)


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn): vjp_fn(v) is the tuple of vᵀJ, one per primal."""
    nested = any(type(p) is STensor and p.t.requires_grad for p in primals)
    variables = [_alias(p) for p in primals]
    out = _call(func, variables, {})
    aux = None
    if has_aux:
        out, aux = out

    def vjp_fn(*cotangents):
        outs = [out] if type(out) is STensor else list(out)
        cots = list(cotangents[0]) if len(cotangents) == 1 and type(out) is not STensor else list(cotangents)
        grads = autograd.grad(outs, variables, cots, retain_graph=True, create_graph=nested,
                              allow_unused=True)
        grads = [g if g is not None else wrap(Tensor(np.zeros_like(v.t.data)), v.dtype)
                 for g, v in zip(grads, variables)]
        return tuple(grads if nested else _detach(grads))
    shown = out if nested else _detach(out)
    fn = Native("vjp_fn", vjp_fn)
    return (shown, fn, _detach(aux)) if has_aux else (shown, fn)


def jvp(func, primals, tangents, has_aux=False):
    """(func(*primals), J t) by forward mode."""
    if has_aux:
        raise runtime_error("gradcli: torch.func.jvp(has_aux=True) is not supported yet")
    primals, tangents = tuple(primals), tuple(tangents)
    _flat(primals, "jvp")
    return functional_jvp(func, primals, tangents)


def _flat(args, name: str) -> None:
    if any(type(a) is STensor and a.t.requires_grad for a in args):
        raise runtime_error(f"gradcli: torch.func.{name} inside another transform (or of a tensor that "
                            "requires grad) is not supported yet; grad and vjp nest")


def _jacobian(mode: str):
    def transform(func, argnums=0, has_aux=False):
        if has_aux:
            raise runtime_error(f"gradcli: torch.func.{mode}(has_aux=True) is not supported yet")

        def transformed(*args, **kwargs):
            args = list(args)
            nums = _argnums(argnums, len(args))
            _flat([args[n] for n in nums], mode)
            variables = [_alias(args[n]) for n in nums]
            for n, v in zip(nums, variables):
                args[n] = v
            out = _call(func, args, kwargs)
            outs = [out] if type(out) is STensor else list(out)
            leaves = [v.t for v in variables]
            roots = [o.t for o in outs]
            found = (engine.jacobian_reverse if mode == "jacrev" else engine.jacobian_forward)(roots, leaves)
            blocks = found[0]
            rows = []
            for o, row in zip(outs, blocks):
                rows.append([wrap(Tensor(np.asarray(b, dtype=o.t.data.dtype).reshape(o.t.data.shape + v.t.data.shape)),
                                  o.dtype) for b, v in zip(row, variables)])
            per_out = [row[0] if isinstance(argnums, int) else tuple(row) for row in rows]
            return per_out[0] if type(out) is STensor else tuple(per_out)
        return Native(mode, transformed)
    return transform


def hessian(func, argnums=0):
    def transformed(*args, **kwargs):
        args = list(args)
        nums = _argnums(argnums, len(args))
        _flat([args[n] for n in nums], "hessian")

        def of_differentiated(*xs):
            full = list(args)
            for n, x in zip(nums, xs):
                full[n] = x
            return invoke(func, full, kwargs)
        h = functional_hessian(Native("f", of_differentiated), tuple(args[n] for n in nums))
        return h[0][0] if isinstance(argnums, int) else h
    return Native("hessian", transformed)


def vmap(modules):
    torch = modules("torch")

    def transform(func, in_dims=0, out_dims=0, randomness="error", chunk_size=None):
        def transformed(*args, **kwargs):
            dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
            if len(dims) != len(args):
                raise _value_error(f"vmap(f, in_dims={in_dims!r}, ...)(<inputs>): in_dims is not compatible "
                                  f"with the structure of `inputs`")
            for a, d in zip(args, dims):
                if d is not None and type(a) is STensor and not -a.t.data.ndim <= d < a.t.data.ndim:
                    n = a.t.data.ndim
                    raise _value_error(f"vmap({_name(func)}, in_dims={in_dims!r}, ...)(<inputs>): Got in_dim={d} "
                                       f"for some input, but that input is a Tensor of dimensionality {n} so "
                                       f"expected in_dim to satisfy -{n} <= in_dim < {n}.")
            sizes = {a.t.data.shape[d] for a, d in zip(args, dims) if d is not None and type(a) is STensor}
            if len(sizes) != 1:
                raise _value_error("vmap: Expected all tensors to have the same size in the mapped dimension, "
                                  f"got sizes {sorted(sizes)} for the mapped dimension" if sizes else
                                  "vmap: at least one input must be mapped over (got in_dims all None)")
            (size,) = sizes
            select = torch.script_getattr("select")
            results = []
            for i in range(size):
                sliced = [invoke(select, [a, d, i], {}) if d is not None else a for a, d in zip(args, dims)]
                results.append(invoke(func, sliced, kwargs))
            stack = torch.script_getattr("stack")
            if type(results[0]) is STensor:
                return invoke(stack, [results, out_dims], {})
            parts = list(zip(*results))
            outs = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(parts)
            return tuple(invoke(stack, [list(p), d], {}) for p, d in zip(parts, outs))
        return Native("vmap", transformed)
    return transform


def _name(func) -> str:
    return getattr(func, "name", None) or type(func).__name__


def _value_error(message: str) -> ScriptError:
    return ScriptError("ValueError", message)


def func_namespace(modules) -> Namespace:
    natives = {"grad": grad, "grad_and_value": grad_and_value, "vjp": vjp, "jvp": jvp,
               "jacrev": _jacobian("jacrev"), "jacfwd": _jacobian("jacfwd"), "hessian": hessian,
               "vmap": vmap(modules)}
    return Namespace("torch.func", {name: Native(name, fn) for name, fn in natives.items()})
