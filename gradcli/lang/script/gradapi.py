"""torch.autograd as scripts import it: Variable, grad, backward, custom Function classes, the
anomaly switches (accepted, no more), and torch.autograd.functional (jacobian, vjp, jvp, hessian,
hvp, vhp)."""
from __future__ import annotations

import numpy as np

from ...core import tensor as core
from ...core.tensor import Tensor
from . import autograd, dtypes
from .creation import autograd_leaf
from .dtypes import FLOATING
from .errors import ScriptError, runtime_error, type_error
from .namespaces import Namespace
from .objects import Native, NativeClass
from .tensor import STensor, wrap
from .torchlib import AnomalyMode, _grad_mode_class, _natives, set_grad_enabled

# -- torch.autograd ------------------------------------------------------------------------------------------

def variable(data, requires_grad=False, volatile=False):
    """Variable(t, requires_grad=...): a new leaf over t's memory, as PyTorch's legacy wrapper."""
    if type(data) is not STensor:
        raise type_error(f"Variable data has to be a tensor, but got {type(data).__name__}")
    s = STensor(Tensor(data.t.data), data.dtype)
    if requires_grad:
        autograd_leaf(s)
    return s


def _function_apply(cls, args, kwargs):
    from . import objects  # noqa: PLC0415
    parts = []
    for name in ("forward", "backward"):
        fn = cls.lookup(name) if type(cls) is objects.ScriptClass else None
        if type(fn) is objects.StaticMethod:
            fn = fn.func
        if fn is None:
            raise ScriptError("NotImplementedError", f"You must implement the {name} function for custom "
                              "autograd.Function.")
        parts.append(fn)
    return autograd.function_apply(cls.name, parts[0], parts[1], objects.invoke, list(args), kwargs)


FUNCTION_CLASS = NativeClass("Function", "torch.autograd.function", None,
                             attrs={"apply": lambda cls: Native("apply", lambda *a, **k: _function_apply(cls, a, k))})


def _autograd_backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
                       inputs=None):
    autograd.backward(tensors, grad_tensors if grad_tensors is not None else grad_variables, retain_graph,
                      create_graph, inputs)


# -- torch.autograd.functional --------------------------------------------------------------------------

def _as_inputs(inputs):
    single = type(inputs) is STensor
    items = (inputs,) if single else tuple(inputs)
    for t in items:
        if type(t) is not STensor:
            raise type_error(f"The inputs given to jacobian must be either a Tensor or a tuple of Tensors but "
                             f"the value at index 0 has type {type(t).__name__}.")
    leaves = tuple(autograd_copy(t) for t in items)
    return single, leaves


def autograd_copy(t: STensor) -> STensor:
    s = STensor(Tensor(np.array(t.t.data)), t.dtype)
    s.t.requires_grad = t.dtype.category == FLOATING
    return s


def _call_function(func, leaves):
    from . import objects  # noqa: PLC0415
    previous = core.recording
    core.recording = True
    try:
        out = objects.invoke(func, list(leaves), {})
    finally:
        core.recording = previous
    single = type(out) is STensor
    outs = (out,) if single else tuple(out)
    return single, outs


def _shape_result(blocks, single_out, single_in):
    rows = [tuple(row) for row in blocks]
    if single_out and single_in:
        return rows[0][0]
    if single_out:
        return rows[0]
    if single_in:
        return tuple(row[0] for row in rows)
    return tuple(rows)


def functional_jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
                        strategy="reverse-mode"):
    from ...core import engine  # noqa: PLC0415
    single_in, leaves = _as_inputs(inputs)
    single_out, outs = _call_function(func, leaves)
    blocks = []
    for out in outs:
        row = []
        for leaf_ in leaves:
            if not out.t.requires_grad:
                row.append(np.zeros(out.t.data.shape + leaf_.t.data.shape, dtype=out.t.data.dtype))
                continue
            (block,), = engine.jacobian_reverse([out.t], [leaf_.t])[0]
            row.append(np.asarray(block, dtype=out.t.data.dtype))
        blocks.append([wrap(Tensor(b), dtypes.of_numpy(b.dtype)) for b in row])
    return _shape_result(blocks, single_out, single_in)


def functional_vjp(func, inputs, v=None, create_graph=False, strict=False):
    single_in, leaves = _as_inputs(inputs)
    single_out, outs = _call_function(func, leaves)
    vs = None if v is None else ([v] if type(v) is STensor else list(v))
    grads = autograd.grad(list(outs), list(leaves), vs, allow_unused=True)
    grads = tuple(g if g is not None else wrap(Tensor(np.zeros_like(l.t.data)), l.dtype)
                  for g, l in zip(grads, leaves))
    detached = tuple(STensor(Tensor(o.t.data), o.dtype) for o in outs)
    return (detached[0] if single_out else detached, grads[0] if single_in else grads)


def functional_hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
                       outer_jacobian_strategy="reverse-mode"):
    from ...core import engine  # noqa: PLC0415
    single_in, leaves = _as_inputs(inputs)
    _, outs = _call_function(func, leaves)
    out = outs[0]
    if out.t.data.size != 1:
        raise runtime_error("The function given to hessian should return a single element Tensor")
    grads = engine.gradient_graph(out.t, [l.t for l in leaves])
    grads = [engine.fit(g, l.t.data.shape) if g is not None else Tensor(np.zeros_like(l.t.data))
             for g, l in zip(grads, leaves)]
    blocks, _ = engine.jacobian_forward(grads, [l.t for l in leaves])
    rows = [[wrap(Tensor(np.asarray(b, dtype=out.t.data.dtype)), out.dtype) for b in row] for row in blocks]
    return _shape_result(rows, single_in, single_in)


def _vectors(v, leaves, what: str) -> list:
    """v as one tensor per input, shaped like it (PyTorch's check, with its words)."""
    vs = [v] if type(v) is STensor else list(v or ())
    if v is None or len(vs) != len(leaves):
        if v is None and all(l.t.data.size == 1 for l in leaves):
            return [np.ones_like(l.t.data) for l in leaves]
        raise runtime_error("The vector v can only be None if the input to the user-provided function "
                            "is a single element." if v is None else
                            f"v is a tuple of invalid length: should be {len(leaves)} but got {len(vs)}.")
    for i, (t, l) in enumerate(zip(vs, leaves)):
        if type(t) is not STensor or t.t.data.shape != l.t.data.shape:
            raise runtime_error(f"Mismatch in shape for {what} {i}: expected {tuple(l.t.data.shape)}.")
    return [np.asarray(t.t.data, dtype=l.t.data.dtype) for t, l in zip(vs, leaves)]


def _detached(outs, single):
    detached = tuple(STensor(Tensor(np.array(o.t.data)), o.dtype) for o in outs)
    return detached[0] if single else detached


def functional_jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v) by forward mode."""
    from ...core import engine  # noqa: PLC0415
    _, leaves = _as_inputs(inputs)
    tangents = _vectors(v, leaves, "v")
    single_out, outs = _call_function(func, leaves)
    dots = engine.jvp([o.t for o in outs], [l.t for l in leaves],
                      [Tensor(t) for t in tangents])
    result = tuple(wrap(Tensor(np.zeros_like(o.t.data) if d is None else
                               np.asarray(engine.fit(d, o.t.data.shape).data, dtype=o.t.data.dtype)),
                        o.dtype) for d, o in zip(dots, outs))
    return (_detached(outs, single_out), result[0] if single_out else result)


def _hessian_product(name: str, func, inputs, v):
    """vᵀH (vhp) or H v (hvp) of a function with one scalar output: reverse over reverse."""
    from ...core import engine  # noqa: PLC0415
    single_in, leaves = _as_inputs(inputs)
    vectors = _vectors(v, leaves, "v")
    _, outs = _call_function(func, leaves)
    out = outs[0]
    if len(outs) != 1 or out.t.data.size != 1:
        raise runtime_error(f"The function given to {name} should return a single element Tensor")
    grads = engine.gradient_graph(out.t, [l.t for l in leaves])
    pairs = [(engine.fit(g, l.t.data.shape), Tensor(vec)) for g, l, vec in zip(grads, leaves, vectors)
             if g is not None]
    products = {}
    if pairs:
        # vᵀ H = d(g · v)/dx; the Hessian of a twice-differentiable function is symmetric, so
        # H v is the same numbers (PyTorch computes hvp with a double backward too).
        roots = [g for g, _ in pairs]
        products = engine.backward(roots, [vec for _, vec in pairs])
    result = tuple(wrap(Tensor(np.asarray(engine.fit(products[l.t.index], l.t.data.shape).data,
                                          dtype=l.t.data.dtype)
                               if l.t.index in products else np.zeros_like(l.t.data)), l.dtype)
                   for l in leaves)
    return (_detached(outs, True), result[0] if single_in else result)


def functional_vhp(func, inputs, v=None, create_graph=False, strict=False):
    return _hessian_product("vhp", func, inputs, v)


def functional_hvp(func, inputs, v=None, create_graph=False, strict=False):
    return _hessian_product("hvp", func, inputs, v)


def autograd_namespace(modules) -> Namespace:
    anomaly = AnomalyMode()
    attrs = _natives({"grad": autograd.grad, "backward": _autograd_backward,
                      "set_detect_anomaly": lambda mode=True, check_nan=True: anomaly})
    attrs.update({"Variable": NativeClass("Variable", "torch.autograd.variable", variable,
                                          check=lambda v: type(v) is STensor),
                  "Function": FUNCTION_CLASS,
                  "detect_anomaly": NativeClass("detect_anomaly", "torch.autograd", lambda *a, **k: anomaly),
                  "no_grad": _grad_mode_class("no_grad", False),
                  "enable_grad": _grad_mode_class("enable_grad", True),
                  "set_grad_enabled": Native("set_grad_enabled", set_grad_enabled),
                  "functional": Namespace("torch.autograd.functional", _natives({
                      "jacobian": functional_jacobian, "vjp": functional_vjp, "jvp": functional_jvp,
                      "hessian": functional_hessian, "hvp": functional_hvp,
                      "vhp": functional_vhp}))})
    return Namespace("torch.autograd", attrs)
