"""A script as the other commands see it: its first `out.backward(v)` call as the output and the
gradient, its leaves as the inputs (`gradcli backward -f script.py`, `jacobian`, `explain`...).

`ScriptComputation` is gradcli.api.Computation over the graph the script recorded, so every
result (backward, jacobian, jvp, hessian, explain) is computed by the same code as for a pure
program; only where the values came from differs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...api import Computation, _names, _SeededRng
from ...errors import GradcliError
from ..functions import Context
from . import runtime
from .events import Recorder, Stop, leaves_of, tensor_names
from .runner import compile_script, execute


@dataclass
class _ScriptProgram:
    """What Computation asks of a program, for a script: the names it binds, its inputs. A script
    cannot be run again at other input values (finite differences, --points): that is refused."""
    bindings: list = field(default_factory=list)
    inputs: dict = field(default_factory=dict)

    def run(self, *args, **kwargs):
        raise GradcliError("this command evaluates the program again at other input values, which a "
                           "PyTorch script cannot do (it makes its own values): use backward, grad, "
                           "jacobian, jvp, hessian or explain with -f, or gradcli run", kind="usage")


class ScriptComputation(Computation):
    def __init__(self, outputs: dict, inputs: dict, env: dict, gradient=None, wrt=None, seed: int = 0):
        first = next(iter(outputs.values()))
        self.dtype = first.data.dtype
        self._host_inputs = {}
        self._host_dtype = np.dtype(self.dtype)
        self.ctx = Context(self.dtype, _SeededRng(seed))
        self.env = env
        self.output_names = list(outputs)
        self.outputs = outputs
        self.script_gradient = gradient  # the v of the script's out.backward(v), or None
        wanted = _names(wrt)
        if wanted:
            unknown = [n for n in wanted if n not in inputs]
            if unknown:
                raise GradcliError(f"--wrt: {unknown[0]!r} is not a leaf of the script's backward call "
                                   f"(leaves: {', '.join(inputs) or 'none'})", kind="input")
            inputs = {n: inputs[n] for n in wanted}
        self.inputs = inputs
        self.wrt = list(inputs)
        self.program = _ScriptProgram(list(env), inputs)

    def _script_gradients(self, gradients):
        if gradients or self.script_gradient is None:
            return gradients
        return [{self.output_names[0]: self.script_gradient}]

    def cotangents(self, gradients) -> dict:
        return super().cotangents(self._script_gradients(gradients))

    def backward(self, gradients=None, retain=None) -> dict:
        return super().backward(self._script_gradients(gradients), retain)


class _FirstBackward(Recorder):
    """Ends the script at its first backward call, keeping what that call was given."""

    def before_backward(self, outputs, gradients, nodes) -> None:
        self.outputs, self.gradients = outputs, gradients
        raise Stop


def from_script(text: str, *, wrt=None, seed: int = 0) -> ScriptComputation:
    """Run the script (its prints discarded) up to its first backward call."""
    script = compile_script(text)
    recorder = _FirstBackward(script.globals)
    rt = runtime.Runtime(write=lambda s: None)
    rt.hooks = recorder
    try:
        execute(script, rt)
    except Stop:
        pass
    if not hasattr(recorder, "outputs"):
        raise GradcliError("the script calls no .backward(): there is no output to differentiate "
                           "(run it with `gradcli run` to see what it prints)", kind="usage")
    return build(recorder.outputs, recorder.gradients, script.globals, wrt=wrt, seed=seed)


def build(outputs, gradients, globals_: dict, *, wrt=None, seed: int = 0) -> ScriptComputation:
    """A Computation of one backward call: outputs, their gradient (None for a scalar), the leaves."""
    from .tensor import STensor  # noqa: PLC0415
    names = tensor_names(globals_)
    out = {}
    for k, s in enumerate(outputs):
        name = names.get(s.t.index) or ("out" if len(outputs) == 1 else f"out{k}")
        out[name] = s.t
    inputs = {}
    for k, node in enumerate(leaves_of(outputs)):
        inputs[names.get(node.index) or f"leaf{k}"] = node
    env = {name: value.t for name, value in globals_.items() if type(value) is STensor}
    gradient = None
    if gradients and gradients[0] is not None:
        gradient = np.asarray(gradients[0].t.data, dtype=np.float64)
    return ScriptComputation(out, inputs, env, gradient, wrt=wrt, seed=seed)
