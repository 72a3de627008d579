"""PyTorch's eager autograd over the core engine: .backward(), .grad, autograd.grad, grad modes.

The core records every op whose inputs require grad (`gradcli.core.tensor.apply`), and
`gradcli.core.engine.backward` differentiates the recorded graph. What PyTorch adds on top,
this module keeps:
- the `.grad` of each leaf (LEAVES finds a leaf's script tensor from its core node) and its
  accumulation, in place, across backward calls;
- saved tensors: which tensors a node needs for its backward, at which version (an in-place
  change after that is PyTorch's error), and whether the graph was freed by a backward
  without retain_graph (a second backward through such a node is PyTorch's error);
- PyTorch's names for graph nodes (grad_fn), and `grad_fn.next_functions`;
- grad modes (no_grad, enable_grad, set_grad_enabled) as the core's recording switch;
- custom `torch.autograd.Function` classes, whose backward is the script's own.
"""
from __future__ import annotations

import weakref

import numpy as np

from ...core import engine
from ...core import tensor as core
from ...core.names import backward_name
from ...core.tensor import Op, Tensor, apply, constant, graph
from . import dtypes, runtime
from .errors import ScriptError, runtime_error
from .tensor import Size, STensor, wrap

LEAVES: "weakref.WeakValueDictionary[int, STensor]" = weakref.WeakValueDictionary()
RETAINED: "weakref.WeakValueDictionary[int, STensor]" = weakref.WeakValueDictionary()
# t.register_hook(fn) on a leaf: node index -> {handle id: fn}. Each fn sees the leaf's whole
# gradient before it reaches .grad (or autograd.grad's result); a result that is not None
# replaces it, as PyTorch's tensor hooks do.
HOOKS: dict[int, dict[int, object]] = {}


class RemovableHandle:
    """What register_hook returns: handle.remove() takes the hook away."""

    script_type_name = "RemovableHandle"

    def __init__(self, index: int, key: int):
        self.index, self.key = index, key

    def remove(self) -> None:
        HOOKS.get(self.index, {}).pop(self.key, None)

    def script_getattr(self, name):
        from . import objects  # noqa: PLC0415
        if name == "remove":
            return objects.BoundNative("remove", RemovableHandle.remove, self)
        raise ScriptError("AttributeError", f"'RemovableHandle' object has no attribute '{name}'")

    def script_repr(self):
        from .show import address  # noqa: PLC0415
        return f"<torch.utils.hooks.RemovableHandle object at {address(self)}>"


def register_hook(s: STensor, fn) -> RemovableHandle:
    hooks = HOOKS.setdefault(s.t.index, {})
    key = max(hooks, default=-1) + 1
    hooks[key] = fn
    return RemovableHandle(s.t.index, key)


def _run_hooks(s: STensor, g: Tensor) -> Tensor:
    """The leaf's gradient after its hooks (each may return a replacement)."""
    hooks = HOOKS.get(s.t.index)
    if not hooks:
        return g
    from . import objects  # noqa: PLC0415
    g = engine.fit(g, s.t.data.shape) if g.shape != s.t.data.shape else g
    value = wrap(g, s.dtype) if g.requires_grad else _fresh(g.data, s)
    for fn in list(hooks.values()):
        out = objects.invoke(fn, [value], {})
        if out is not None:
            if type(out) is not STensor:
                raise ScriptError("TypeError", "hook returned an object that is not a Tensor or None")
            value = out
    return value.t


class NodeInfo:
    """What PyTorch keeps on a graph node that the core does not: saved tensors, a name."""

    __slots__ = ("ref", "saved", "freed", "name")

    def __init__(self, node):
        self.ref = weakref.ref(node)
        self.saved = ()  # (script tensor, its version when saved, saved as the node's output)
        self.freed = False
        self.name = None


NODES: dict[int, NodeInfo] = {}
_PRUNE_AT = [50_000]


def info(node: Tensor) -> NodeInfo:
    found = NODES.get(node.index)
    if found is None:
        if len(NODES) >= _PRUNE_AT[0]:
            _prune()
        found = NODES[node.index] = NodeInfo(node)
    return found


def _prune() -> None:
    """Forget nodes no graph holds any more (a loop that never calls backward makes many)."""
    for index in [i for i, n in NODES.items() if n.ref() is None]:
        del NODES[index]
    _PRUNE_AT[0] = max(50_000, 2 * len(NODES))


def name_node(s: STensor, name: str) -> STensor:
    """Give a result PyTorch's node name where the core op's own name differs (t() is TBackward0)."""
    if s.t.op is not None:
        info(s.t).name = name
    return s


# -- saved tensors ------------------------------------------------------------------------------

def _rg(inputs, j) -> bool:
    s = inputs[j] if j < len(inputs) else None
    return type(s) is STensor and s.t.requires_grad


def _mul_saves(inputs):  # MulBackward0 keeps each factor for the other's gradient
    return tuple(i for i, other in ((0, 1), (1, 0)) if _rg(inputs, other)), False


def _div_saves(inputs):
    return ((0, 1) if _rg(inputs, 1) else (1,)), False


def _first(inputs):
    return (0,), False


def _output(inputs):
    return (), True


def _first_and_output(inputs):
    return (0,), True


def _matmul_saves(inputs):
    return _mul_saves(inputs)


def _nothing(inputs):
    return (), False


# Which tensors each core op saves for its backward, as PyTorch's derivative formulas do:
# an in-place change of one of them before the backward is an error; of anything else, not.
SAVES = {
    "add": _nothing, "sub": _nothing, "neg": _nothing, "sum": _nothing, "mean": _nothing,
    "reshape": _nothing, "broadcast_to": _nothing, "sum_to": _nothing, "permute": _nothing,
    "index": _nothing, "scatter": _nothing, "index_put": _nothing, "cat": _nothing,
    "stack": _nothing, "to_copy": _nothing,
    "mul": _mul_saves, "div": _div_saves, "matmul": _matmul_saves, "pow": _first,
    "exp": _output, "expm1": _output, "tanh": _output, "sigmoid": _output, "sqrt": _output,
    "relu": _output, "softmax": _output, "log_softmax": _output,
    "amax": _first_and_output, "amin": _first_and_output, "norm": _first_and_output,
    "logsumexp": _first_and_output, "prod": _first_and_output,
}


def record(result: STensor, inputs) -> STensor:
    """Note the tensors result's node saves (inputs: the script tensors the op was given)."""
    node = result.t
    if node.op is None:
        return result
    rule = SAVES.get(node.op.name)
    if rule is None:
        which, output = tuple(range(len(inputs))), True
    else:
        which, output = rule(inputs)
    # A Python number an op saves (x * 2 keeps the 2) has no version, but it is freed all the same.
    # A composite (nll_loss is index, neg, mean) passes the script's inputs, not its last op's:
    # the positions the rule names that do not exist are dropped.
    saved = [(inputs[i], inputs[i].vc[0], False, i) if type(inputs[i]) is STensor else (None, 0, False, i)
             for i in which if i < len(inputs)]
    if output:
        saved.append((result, 0, True, None))
    if saved:
        info(node).saved = tuple(saved)
    return result


def _modified(s: STensor, version: int, as_output: bool, node: Tensor) -> ScriptError:
    legacy = dtypes.LEGACY_NAME.get(s.dtype, "Tensor")
    shape = ", ".join(str(d) for d in s.t.data.shape)
    what = f"[torch.{legacy} [{shape}]]"
    source = node if as_output else s.t
    if source.op is not None:
        what += f", which is output 0 of {_short(node_name(source))},"
    return runtime_error(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what} is at version {s.vc[0]}; expected version {version} instead. Hint: enable "
        "anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _short(name: str) -> str:
    """'ExpBackward0' -> 'Exp': how PyTorch names the node in its in-place error."""
    head, sep, tail = name.rpartition("Backward")
    return head if sep and tail.isdigit() else name


FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
         "after they have already been freed). Saved intermediate values of the graph are freed when "
         "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
         "through the graph a second time or if you need to access saved tensors after calling "
         "backward.")


def _check(nodes) -> None:
    for node in nodes:
        if node.op is None:
            continue
        found = NODES.get(node.index)
        if found is None or not found.saved:
            continue
        if found.freed:
            raise runtime_error(FREED)
        for s, version, as_output, _ in found.saved:
            if s is not None and s.vc[0] != version:
                raise _modified(s, version, as_output, node)


def _free(nodes) -> None:
    for node in nodes:
        found = NODES.get(node.index) if node.op is not None else None
        if found is not None and found.saved:
            found.freed = True


# -- node names -----------------------------------------------------------------------------------

def node_name(node: Tensor) -> str:
    found = NODES.get(node.index)
    if found is not None and found.name is not None:
        return found.name
    return backward_name(node)


class GradFn:
    """What `t.grad_fn` gives a script: the node's name and its next_functions."""

    __slots__ = ("node", "__weakref__")

    def __init__(self, node: Tensor):
        self.node = node

    def name(self) -> str:
        return node_name(self.node)

    @property
    def next_functions(self) -> tuple:
        inputs = self.node.inputs
        if node_name(self.node) in _SCALAR_ARGUMENT:  # x ** 2: the 2 is an argument, not an input
            inputs = [i for i in inputs if i.requires_grad or i.number is None]
        return tuple((function_of(inp), 0) for inp in inputs)

    def script_getattr(self, attr):
        if attr.startswith("_saved_"):
            return _saved(self.node, attr[len("_saved_"):])
        return _node_attribute(self, attr)


# Nodes whose Python-number operand PyTorch takes as an argument rather than as a tensor input.
_SCALAR_ARGUMENT = {"PowBackward0", "PowBackward2", "RsubBackward1"}
_SAVED_NAMES = {"self": 0, "other": 1, "exponent": 1, "mat2": 1, "input": 0}


def _saved(node, what):
    """grad_fn._saved_self / _saved_other / _saved_result: what the node keeps for backward."""
    from .errors import attribute_error  # noqa: PLC0415
    found = NODES.get(node.index)
    entries = found.saved if found is not None else ()
    if found is not None and found.freed:
        raise runtime_error(FREED)
    for s, version, as_output, index in entries:
        if what == "result" and as_output:
            return STensor(Tensor(s.t.data), s.dtype)  # a new tensor object, as PyTorch's
        if not as_output and index == _SAVED_NAMES.get(what):
            if s is None:
                inp = node.inputs[index]
                return inp.number if inp.number is not None else STensor(Tensor(inp.data), _dtype_of(inp))
            return s
    raise attribute_error(f"'{node_name(node)}' object has no attribute '_saved_{what}'")


def _dtype_of(t):
    return dtypes.of_numpy(t.data.dtype)


class AccumulateGrad:
    """The node that stores a leaf's gradient in its .grad."""

    __slots__ = ("node", "__weakref__")

    def __init__(self, node: Tensor):
        self.node = node

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    @property
    def variable(self):
        return LEAVES.get(self.node.index)

    def script_getattr(self, attr):
        if attr == "variable":
            return self.variable
        return _node_attribute(self, attr)


def _node_attribute(fn, attr):
    from .errors import attribute_error  # noqa: PLC0415
    from .objects import Native  # noqa: PLC0415
    if attr == "name":
        return Native("name", fn.name, "built-in method")
    if attr == "next_functions":
        return fn.next_functions
    if attr == "metadata":
        return {}
    raise attribute_error(f"'{fn.name()}' object has no attribute '{attr}'")


_FUNCTIONS: "weakref.WeakValueDictionary[int, object]" = weakref.WeakValueDictionary()


def function_of(node: Tensor):
    """The grad_fn object of a core node (the same object each time, as PyTorch's)."""
    if not node.requires_grad:
        return None
    found = _FUNCTIONS.get(node.index)
    if found is None:
        found = GradFn(node) if node.op is not None else AccumulateGrad(node)
        _FUNCTIONS[node.index] = found
    return found


# -- backward -----------------------------------------------------------------------------------

def _seeds(outputs, gradients) -> list[Tensor]:
    seeds = []
    for i, (s, g) in enumerate(zip(outputs, gradients)):
        if not s.t.requires_grad:
            raise runtime_error(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if s.t.data.size != 1:
                raise runtime_error("grad can be implicitly created only for scalar outputs")
            seeds.append(Tensor(np.ones(s.t.data.shape, dtype=s.t.data.dtype)))
            continue
        if type(g) is not STensor:
            raise ScriptError("TypeError", f"gradients can be either Tensors or None, but got "
                              f"{type(g).__name__}")
        if g.t.data.shape != s.t.data.shape:
            raise runtime_error(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                f"{size_text(g.t.data.shape)} and output[{i}] has a shape of "
                                f"{size_text(s.t.data.shape)}.")
        data = g.t
        if data.data.dtype != s.t.data.dtype:
            data = Tensor(data.data.astype(s.t.data.dtype))
        seeds.append(data)
    return seeds


def size_text(shape) -> str:
    return f"torch.Size([{', '.join(str(d) for d in shape)}])"


def _as_list(value, what: str) -> list:
    if type(value) is STensor:
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None:
        return []
    raise ScriptError("TypeError", f"{what} must be a Tensor or a sequence of Tensors")


def backward(outputs, gradients=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """torch.autograd.backward / t.backward(): accumulate into the .grad of the leaves."""
    outputs = _as_list(outputs, "tensors")
    gradients = _as_list(gradients, "grad_tensors") if gradients is not None else [None] * len(outputs)
    if len(gradients) != len(outputs):
        raise runtime_error(f"got {len(gradients)} tensors and {len(outputs)} gradients")
    create_graph = bool(create_graph)
    retain = create_graph if retain_graph is None else bool(retain_graph)
    seeds = _seeds(outputs, gradients)
    roots = [s.t for s in outputs]
    nodes = graph(roots)
    _check(nodes)
    if create_graph:
        runtime.RT.warn(
            "UserWarning: Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using autograd.grad when "
            "creating the graph to avoid this. If you have to use this function, make sure to reset the .grad "
            "fields of your parameters to None after use to break the cycle and avoid the leak.")
    wanted = None
    if inputs is not None:
        wanted = {s.t.index for s in _as_list(inputs, "inputs")}
    kept = [s for s in _retained(nodes) if wanted is None or s.t.index in wanted]
    hooks = runtime.RT.hooks
    if hooks is not None:
        hooks.before_backward(outputs, gradients, nodes)
    grads = engine.backward(roots, seeds, create_graph=create_graph, keep=[s.t for s in kept])
    leaves = []
    for node in nodes:
        if node.op is None and node.requires_grad and (wanted is None or node.index in wanted):
            owner = LEAVES.get(node.index)
            g = grads.get(node.index)
            if owner is not None and g is not None:
                accumulate(owner, _run_hooks(owner, g), create_graph)
                leaves.append(owner)
    for s in kept:
        g = grads.get(s.t.index)
        if g is not None:
            accumulate(s, g, create_graph)
    if not retain:
        _free(nodes)
    if hooks is not None:
        hooks.after_backward(outputs, leaves)


def _retained(nodes) -> list[STensor]:
    if not RETAINED:
        return []
    found = []
    for node in nodes:
        s = RETAINED.get(node.index) if node.op is not None else None
        if s is not None and s.t is node:
            found.append(s)
    return found


def accumulate(owner: STensor, g: Tensor, create_graph: bool) -> None:
    """owner.grad += g, in place as PyTorch does (a fresh tensor the first time)."""
    shape = owner.t.data.shape
    if g.shape != shape:
        g = engine.fit(g, shape)
    dtype = owner.t.data.dtype
    if create_graph:
        g = _cast(g, dtype)
        if owner.grad is None:
            if g.requires_grad:  # PyTorch copies the first gradient into .grad: a CopyBackwards node
                from .methods import CLONE  # noqa: PLC0415
                owner.grad = name_node(wrap(apply(CLONE, g), owner.dtype), "CopyBackwards")
            else:
                owner.grad = _fresh(g.data, owner)
        else:
            owner.grad = wrap(apply(core.PRIMITIVES["add"], owner.grad.t, g), owner.dtype)
        return
    data = g.data
    if owner.grad is None:
        owner.grad = _fresh(data, owner)
        return
    current = owner.grad.t.data
    if owner.grad.t.op is None and type(current) is np.ndarray and current.flags.writeable \
            and current.shape == shape:
        np.add(current, data, out=current, casting="unsafe")
        owner.grad.vc[0] += 1
    else:
        owner.grad = _fresh(current + data.astype(dtype), owner)


def zero_grad(p: STensor, set_to_none: bool = True) -> None:
    """Module.zero_grad / Optimizer.zero_grad for one parameter: .grad to None, or zeroed in place
    (a change of version, as PyTorch counts it)."""
    if p.grad is None:
        return
    if set_to_none:
        p.grad = None
    else:
        p.grad.t.data[...] = 0
        p.grad.vc[0] += 1


def _cast(g: Tensor, dtype) -> Tensor:
    from .tensor import cast_core  # noqa: PLC0415
    return cast_core(g, dtype)


def _fresh(data, owner: STensor) -> STensor:
    array = np.array(data, dtype=owner.t.data.dtype, copy=True)
    return wrap(Tensor(array), owner.dtype)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: the gradients as a tuple, nothing accumulated into .grad."""
    single = type(inputs) is STensor
    outputs = _as_list(outputs, "outputs")
    inputs = _as_list(inputs, "inputs")
    gradients = _as_list(grad_outputs, "grad_outputs") if grad_outputs is not None else [None] * len(outputs)
    create_graph = bool(create_graph)
    retain = create_graph if retain_graph is None else bool(retain_graph)
    for s in inputs:
        if type(s) is not STensor or not s.t.requires_grad:
            raise runtime_error("One of the differentiated Tensors does not require grad")
    seeds = _seeds(outputs, gradients)
    roots = [s.t for s in outputs]
    nodes = graph(roots)
    _check(nodes)
    grads = engine.backward(roots, seeds, create_graph=create_graph,
                            keep=[s.t for s in inputs if s.t.op is not None])
    result = []
    for i, s in enumerate(inputs):
        g = grads.get(s.t.index)
        if g is None:
            if allow_unused or materialize_grads:
                result.append(None if not materialize_grads else
                              wrap(Tensor(np.zeros(s.t.data.shape, s.t.data.dtype)), s.dtype))
                continue
            raise runtime_error(f"The differentiated Tensor at index {i} appears to not have been used "
                                "in the graph. Set allow_unused=True if this is the desired behavior."
                                if not single else
                                "One of the differentiated Tensors appears to not have been used in "
                                "the graph. Set allow_unused=True if this is the desired behavior.")
        g = engine.fit(g, s.t.data.shape) if g.shape != s.t.data.shape else g
        if s.t.op is None:
            g = _run_hooks(s, g)
        g = _cast(g, s.t.data.dtype)
        result.append(wrap(g, s.dtype) if g.requires_grad else _fresh(g.data, s))
    if not retain:
        _free(nodes)
    return tuple(result)


# -- grad modes -------------------------------------------------------------------------------

def grad_enabled() -> bool:
    return core.recording


def set_grad_enabled(flag: bool) -> None:
    core.recording = bool(flag)


class GradMode:
    """torch.no_grad(), enable_grad(), set_grad_enabled(b), inference_mode(): context managers,
    and decorators (`@torch.no_grad()`); set_grad_enabled(b) also takes effect at once."""

    __slots__ = ("enabled", "previous", "name")

    def __init__(self, enabled: bool, name: str, immediate: bool = False):
        self.enabled = bool(enabled)
        self.name = name
        self.previous = core.recording
        if immediate:
            core.recording = self.enabled

    def enter(self):
        self.previous = core.recording
        core.recording = self.enabled
        return None

    def exit(self) -> None:
        core.recording = self.previous


# -- custom autograd.Function -----------------------------------------------------------------------

CUSTOM = "a custom autograd.Function"  # the doc of the ops Cls.apply makes


class FunctionCtx:
    """The ctx a custom Function's forward and backward share."""

    __slots__ = ("saved", "attrs", "needs_input_grad", "__weakref__")

    def __init__(self, needs):
        self.saved = ()
        self.attrs = {}
        self.needs_input_grad = needs

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and type(t) is not STensor:
                raise ScriptError("TypeError", "save_for_backward can only save variables, but "
                                  f"argument {tensors.index(t)} is of type {type(t).__name__}")
        self.saved = tuple(tensors)

    @property
    def saved_tensors(self) -> tuple:
        return self.saved

    def script_getattr(self, name):
        from .objects import BoundNative  # noqa: PLC0415
        if name == "save_for_backward":
            return BoundNative(name, FunctionCtx.save_for_backward, self)
        if name in ("saved_tensors", "saved_variables"):
            return self.saved
        if name == "needs_input_grad":
            return self.needs_input_grad
        if name in ("mark_dirty", "mark_non_differentiable", "set_materialize_grads"):
            return BoundNative(name, lambda ctx, *args: None, self)
        if name in self.attrs:
            return self.attrs[name]
        raise ScriptError("AttributeError", f"'FunctionCtx' object has no attribute '{name}'")

    def script_setattr(self, name, value):
        self.attrs[name] = value


def function_apply(cls_name: str, forward, backward, call, args, kwargs):
    """Cls.apply(*args): the script's forward without recording, then one node whose VJP is the
    script's backward. call(f, args) runs a script function."""
    tensors = [a for a in args if type(a) is STensor]
    ctx = FunctionCtx(tuple(type(a) is STensor and a.t.requires_grad for a in args))
    previous = core.recording
    core.recording = False
    try:
        out = call(forward, [ctx, *args], kwargs)
    finally:
        core.recording = previous
    if not previous or not any(t.t.requires_grad for t in tensors):
        return out
    if type(out) is not STensor:
        raise runtime_error(f"{cls_name}.forward must return one Tensor for gradcli (got "
                            f"{type(out).__name__}); several outputs are not supported")
    positions = [i for i, a in enumerate(args) if type(a) is STensor]

    def vjp(g, ans, *inputs):
        grads = call(backward, [ctx, wrap(g, out.dtype)], {})
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(args):
            raise runtime_error(f"function {cls_name}Backward returned an incorrect number of gradients "
                                f"(expected {len(args)}, got {len(grads)})")
        result = []
        for i in positions:
            gi = grads[i]
            result.append(None if gi is None else gi.t if type(gi) is STensor else
                          constant(float(gi), g))
        return tuple(result)

    def jvp(dots, ans, *inputs):
        from ...errors import GradcliError  # noqa: PLC0415
        raise GradcliError(f"the custom autograd.Function {cls_name} has no forward-mode derivative: "
                           "use reverse mode", kind="usage")

    op = Op(cls_name, None, vjp=vjp, jvp=jvp, backward_name=f"{cls_name}Backward", doc=CUSTOM)
    node = Tensor(out.t.data)
    node.requires_grad = True
    node.op = op
    node.inputs = tuple(t.t for t in tensors)
    node.params = {}
    result = STensor(node, out.dtype)
    saved = [(s, s.vc[0], False, i) for i, s in enumerate(ctx.saved) if type(s) is STensor]
    if saved:
        info(node).saved = tuple(saved)
    return result


__all__ = ["LEAVES", "RETAINED", "GradFn", "GradMode", "Size", "backward", "grad", "node_name"]
