"""The Python API: a program bound to values, and what can be computed from it.

    >>> import gradcli
    >>> c = gradcli.Computation("b = a + 3; c = b * 3; out = c.mean()", {"a": "[2, 3]"})
    >>> c.backward()["grad"]["a"]
    array([1.5, 1.5])

Results are plain dicts keyed like the JSON of SPEC section 3, holding NumPy
arrays; the CLI only renders them.
"""
from __future__ import annotations

import numpy as np

from .core import backend, engine
from .core.tensor import Tensor
from .errors import GradcliError
from .io.render import labels
from .io.values import fit_shape, from_json, parse_value, split_named, split_top_level
from .lang.functions import Context
from .lang.program import Program
from .limits import MAX_ELEMENTS

DTYPES = ("float64", "float32")


def _names(spec) -> list[str] | None:
    """'a,b' or ['a', 'b,c'] -> ['a', 'b', 'c']."""
    if spec is None:
        return None
    items = [spec] if isinstance(spec, str) else list(spec)
    names = [n.strip() for item in items for n in item.split(",") if n.strip()]
    return names or None


class _SeededRng:
    """numpy.random, made on first use: importing it costs start-up time most programs never need."""

    def __init__(self, seed: int):
        self._seed, self._rng = seed, None

    def __getattr__(self, name):
        if self._rng is None:
            self._rng = np.random.default_rng(self._seed)
        return getattr(self._rng, name)


def unknown_input(program: Program, name: str) -> GradcliError:
    """A value given for a name that is not an input: say why, and what the inputs are."""
    return GradcliError(f"unknown input {name!r}: the program's inputs are "
                        f"{', '.join(program.inputs) or 'none'}; {program.why_not_input(name)}",
                        kind="input")


def _sizes(outs, ins) -> tuple[int, int]:
    """The Jacobian's rows and columns: output elements, wrt input elements."""
    return sum(o.size for o in outs), sum(i.size for i in ins)


class Computation:
    """A program with values for its inputs, evaluated once; derivatives on demand."""

    def __init__(self, program: str | Program, values: dict | None = None, *, wrt=None, outputs=None,
                 dtype: str = "float64", seed: int = 0, device: str = "cpu"):
        if dtype not in DTYPES:
            raise GradcliError(f"--dtype must be float64 or float32, got {dtype!r}", kind="usage")
        backend.use(device)
        values = dict(values or {})
        program = program if isinstance(program, Program) else Program(program)
        self.program = program.given(values)  # `--at e=2`: e is an input, not Euler's number
        self.dtype = backend.dtype_of(dtype)
        self._host_inputs: dict[int, np.ndarray] = {}  # leaf index -> its value, kept on the host
        self._host_dtype = np.dtype(dtype)
        self.ctx = Context(self.dtype, _SeededRng(seed))
        inputs = self.program.input_names
        unknown = [n for n in values if n not in self.program.inputs]
        if unknown:
            raise unknown_input(self.program, unknown[0])
        self.wrt = _names(wrt) or list(inputs)
        for name in self.wrt:
            if name not in self.program.inputs:
                raise GradcliError(f"--wrt: {name!r} is not an input of the program (inputs: "
                                   f"{', '.join(inputs) or 'none'})", kind="input")
        leaves = {name: self._leaf(name, self._array(name, value)) for name, value in values.items()}
        made = dict(leaves)  # the input leaves themselves: `c = c + 1` may re-bind an input's name

        def leaf(name, t):
            made[name] = self._leaf(name, t)
            return made[name]
        self.env = self.program.run(leaves, self.ctx, leaf=leaf)
        self.inputs = {name: made[name] for name in inputs}
        self.output_names = _names(outputs) or self.program.default_outputs
        targets = list(dict.fromkeys(s.target for s in self.program.statements))
        for name in self.output_names:
            if name not in self.env or name not in targets:
                raise GradcliError(f"--output: {name!r} is not bound by the program (outputs can be "
                                   f"{', '.join(targets)})", kind="input")
        self.outputs = {name: self.env[name] for name in self.output_names}

    # -- inputs -------------------------------------------------------------------------------
    def _array(self, name: str, value) -> np.ndarray:
        what = f"--at {name}"
        if isinstance(value, str):
            arr = parse_value(value, self.ctx, what=what)
        elif isinstance(value, np.ndarray) or np.isscalar(value):
            arr = np.asarray(value, dtype=np.float64)
        else:
            arr = from_json(value, what)
        default = self.program.inputs[name].default
        if default is not None and arr.ndim == 1:
            shape = self._default_shape(name)
            arr = fit_shape(arr, shape, what) if shape and arr.size == int(np.prod(shape)) else arr
        from .core.tensor import check_size  # noqa: PLC0415
        check_size(arr.shape, what)
        return arr

    def _default_shape(self, name: str):
        try:
            value = self.program.evaluate(self.program.inputs[name].default.code, {}, self.ctx)
            from .lang.functions import to_tensor  # noqa: PLC0415
            return to_tensor(self.ctx, value).shape
        except GradcliError:
            return None

    def _leaf(self, name: str, value) -> Tensor:
        data = value.data if isinstance(value, Tensor) else \
            backend.from_numpy(value, self.dtype, what=f"the input {name}")
        if isinstance(data, np.ndarray) and data.ndim == 0:
            data = data[()]  # a NumPy scalar, as NumPy's 0-d arithmetic returns: several times faster
        leaf = Tensor(data, None, requires_grad=name in self.wrt)
        if backend.xp is not np and isinstance(value, np.ndarray):
            # the inputs are reported with the results: keep them here rather than copy them back
            self._host_inputs[leaf.index] = value.astype(self._host_dtype, copy=False)
        return leaf

    # -- results ------------------------------------------------------------------------------
    def _inputs_dict(self):
        host = self._host_inputs
        return {n: host[t.index] if t.index in host else backend.to_numpy(t.data)
                for n, t in self.inputs.items()}

    def _outputs_dict(self):
        return {n: _number_array(backend.to_numpy(t.data)) for n, t in self.outputs.items()}

    def evaluate(self) -> dict:
        return {"inputs": self._inputs_dict(), "outputs": self._outputs_dict()}

    def cotangents(self, gradients) -> dict[str, np.ndarray]:
        """--gradient specs (text, arrays, or {output: value}) summed per output."""
        outs = self.outputs
        total = {name: np.zeros(t.shape) for name, t in outs.items()}
        if not gradients:
            big = [(n, t.shape) for n, t in outs.items() if t.size != 1]
            if big:
                name, shape = big[0]
                raise GradcliError(
                    "grad can be implicitly created only for scalar outputs",
                    kind="gradient",
                    hint=f"the output {name!r} has shape {shape} ({int(np.prod(shape))} elements): "
                         f"reduce it ({name}.sum()), give v in `backward --gradient V` for vᵀJ "
                         "(out.backward(gradient)), or use `jacobian` for every row")
            return {name: np.ones(t.shape) for name, t in outs.items()}
        for spec in gradients:
            for name, arr in self._gradient_parts(spec):
                total[name] = total[name] + arr
        return total

    def _gradient_parts(self, spec):
        outs = self.outputs
        if isinstance(spec, dict):
            return [(n, self._one_gradient(n, v)) for n, v in spec.items()]
        if isinstance(spec, str):
            name, text = split_named(spec)
            if name is not None:
                return [(name, self._one_gradient(name, text))]
            if len(split_top_level(text)) > 1:
                text = "[" + text + "]"
            arr = parse_value(text, self.ctx, what="--gradient")
        else:
            arr = np.asarray(spec, dtype=np.float64)
        sizes = [t.size for t in outs.values()]
        if len(outs) == 1:
            (name, t), = outs.items()
            return [(name, fit_shape(arr, t.shape, "--gradient") if arr.size == t.size
                     else self._size_error(arr))]
        if arr.size != sum(sizes):
            self._size_error(arr)
        flat, parts, start = arr.reshape(-1), [], 0
        for (name, t), n in zip(outs.items(), sizes):
            parts.append((name, flat[start:start + n].reshape(t.shape)))
            start += n
        return parts

    def _one_gradient(self, name, value) -> np.ndarray:
        if name not in self.outputs:
            raise GradcliError(f"--gradient {name}=...: {name!r} is not an output (outputs: "
                               f"{', '.join(self.outputs)})", kind="gradient")
        if isinstance(value, str):
            if len(split_top_level(value)) > 1:
                value = "[" + value + "]"
            arr = parse_value(value, self.ctx, what=f"--gradient {name}")
        else:
            arr = np.asarray(value, dtype=np.float64)
        shape = self.outputs[name].shape
        if arr.size != int(np.prod(shape)):
            raise GradcliError(f"--gradient {name}: expected {int(np.prod(shape))} values (shape "
                               f"{shape}), got {arr.size}", kind="gradient")
        return arr.reshape(shape)

    def _size_error(self, arr):
        sizes = ", ".join(f"{n}: {t.size}" for n, t in self.outputs.items())
        total = sum(t.size for t in self.outputs.values())
        raise GradcliError(f"--gradient has {arr.size} values, but the outputs have {total} "
                           f"({sizes})", kind="gradient")

    def grad(self) -> dict:
        """The gradient of the one scalar output: `gradcli grad`. Several outputs are refused
        rather than summed: d(z + s)/dx is not what anyone asking for "the gradient" means."""
        self._scalar_output("grad")
        return self.backward(None)

    def _require_grad(self) -> None:
        """PyTorch's error for out.backward() on an output that no differentiated input reaches.

        An output computed from one through an op with a zero derivative (floor, sign, round)
        has a grad_fn in PyTorch and a zero gradient, so the program's dataflow decides, not
        only whether the engine recorded the output."""
        wrt = set(self.wrt)
        reached = None
        for k, (name, out) in enumerate(self.outputs.items()):
            if out.requires_grad:
                continue
            reached = self._dataflow() if reached is None else reached
            if reached.get(name, set()) & wrt:
                continue
            if not self.program.inputs:
                why = "the program has no inputs: every value is a constant"
            elif not self.wrt:
                why = "no input is differentiated"
            else:
                why = (f"the output {name!r} does not depend on the differentiated inputs "
                       f"({', '.join(self.wrt)})")
            raise GradcliError(f"element {k} of tensors does not require grad and does not have a "
                               f"grad_fn ({why})", kind="gradient",
                               hint="differentiate an input the output depends on (--wrt), or make "
                                    "one with requires_grad=True; pick outputs with --output")

    def _dataflow(self) -> dict[str, set]:
        """For each name, the inputs its final binding is computed from (by the program text)."""
        inputs = self.program.inputs
        reached: dict[str, set] = {}
        for stmt in self.program.statements:
            sources: set = set()
            for name, _, _ in stmt.reads:
                sources |= reached.get(name, {name} if name in inputs else set())
            if stmt.target in inputs and inputs[stmt.target].default is stmt:
                sources.add(stmt.target)  # a requires_grad=True tensor: an input of its own
            reached[stmt.target] = sources
        return reached

    def backward(self, gradients=None, retain=None) -> dict:
        """out.backward(gradient): the VJP for every input (None for constants)."""
        self._require_grad()
        seeds = self.cotangents(gradients)
        for n in _names(retain) or []:  # checked before the lookup: an unknown name is not a bug
            if n not in self.program.bindings and n not in self.program.inputs:
                raise GradcliError(f"--retain-grad: {n!r} is not bound by the program", kind="input")
        retained = {n: self.env[n] for n in (_names(retain) or [])}
        outs = list(self.outputs.values())
        cot = [Tensor(backend.from_numpy(seeds[n], self.dtype)) for n in self.outputs]
        grads = engine.backward(outs, cot, keep=list(retained.values()))
        grad = {}
        for name, leaf in list(self.inputs.items()) + list(retained.items()):
            if name in grad:
                continue
            if not leaf.requires_grad:
                grad[name] = None
                continue
            g = grads.get(leaf.index)
            grad[name] = np.zeros(leaf.shape) if g is None else \
                backend.to_numpy(engine.fit(g, leaf.shape).data)
        result = self.evaluate()
        result["grad"] = grad
        if gradients:
            result["gradient"] = seeds
        return result

    def wrt_leaves(self) -> list[Tensor]:
        return [self.inputs[n] for n in self.wrt]

    def dense_jacobian_plan(self, mode: str) -> tuple[list, list, str]:
        """The outputs, the wrt leaves and the mode to run (auto: forward when the inputs have
        fewer elements than the outputs), once the dense Jacobian is known to fit the limit."""
        outs, ins = list(self.outputs.values()), self.wrt_leaves()
        m, n = _sizes(outs, ins)
        if m * n > MAX_ELEMENTS:
            raise GradcliError(f"the Jacobian would have {m:,} x {n:,} = {m * n:,} elements, over "
                               f"the limit of {MAX_ELEMENTS:,}", kind="limit")
        if mode not in ("auto", "reverse", "forward"):
            raise GradcliError(f"--mode must be auto, reverse or forward, got {mode!r}", kind="usage")
        if mode == "auto":
            mode = "forward" if n < m else "reverse"
        return outs, ins, mode

    def jacobian(self, mode: str = "auto", chunk: int | None = None, sparse: bool = False) -> dict:
        if sparse:  # only the nonzeros are stored: the dense size limit does not apply
            return self.sparse_jacobian(mode, chunk)
        outs, ins, mode = self.dense_jacobian_plan(mode)
        run = engine.jacobian_forward if mode == "forward" else engine.jacobian_reverse
        blocks, passes = run(outs, ins, chunk=chunk)
        result = self.evaluate()
        blocks = _to_host(blocks)  # each block crosses from the device once
        result["jacobian"] = {o: dict(zip(self.wrt, row)) for o, row in zip(self.outputs, blocks)}
        result["matrix"] = np.concatenate(
            [np.concatenate([b.reshape(o.size, i.size) for b, i in zip(row, ins)], axis=1)
             for row, o in zip(blocks, outs)], axis=0) if ins and outs else np.zeros(_sizes(outs, ins))
        result["rows"] = labels(self.outputs)
        result["cols"] = labels({k: self.inputs[k] for k in self.wrt})
        result["mode"] = mode
        result["passes"] = passes
        return result

    def sparse_jacobian(self, mode: str = "auto", chunk: int | None = None) -> dict:
        """The Jacobian's structural nonzeros as coordinates, from compressed (coloured) seeds."""
        if mode not in ("auto", "reverse", "forward"):
            raise GradcliError(f"--mode must be auto, reverse or forward, got {mode!r}", kind="usage")
        rows, cols, values, shape, mode, passes = engine.jacobian_sparse(
            list(self.outputs.values()), self.wrt_leaves(), mode=mode, chunk=chunk)
        result = self.evaluate()
        result["sparse"] = {"shape": list(shape), "row": rows, "col": cols, "value": values}
        result["rows"] = labels(self.outputs)
        result["cols"] = labels({k: self.inputs[k] for k in self.wrt})
        result["mode"] = mode
        result["passes"] = passes
        return result

    # -- forward mode and second order ----------------------------------------------------------
    def tangents(self, specs) -> dict[str, np.ndarray]:
        """--tangent specs (flat over the wrt inputs, nested for one input, NAME=VALUE, or
        {input: value}) summed per wrt input; inputs not named get a zero tangent."""
        leaves = {n: self.inputs[n] for n in self.wrt}
        if not specs:
            if sum(t.size for t in leaves.values()) == 1:  # as torch.autograd.functional.jvp
                return {n: np.ones(t.shape) for n, t in leaves.items()}
            raise GradcliError("jvp needs a tangent: give --tangent with one value per element of "
                               f"the inputs ({', '.join(f'{n}: {t.size}' for n, t in leaves.items())})",
                               kind="usage")
        total = {n: np.zeros(t.shape) for n, t in leaves.items()}
        for spec in [specs] if isinstance(specs, (str, dict)) else specs:
            for name, arr in self._tangent_parts(spec, leaves):
                total[name] = total[name] + arr
        return total

    def _tangent_parts(self, spec, leaves):
        what = "--tangent"
        if isinstance(spec, dict):
            items = list(spec.items())
        elif isinstance(spec, str) and split_named(spec)[0] is not None:
            items = [split_named(spec)]
        else:
            if isinstance(spec, str):
                text = "[" + spec + "]" if len(split_top_level(spec)) > 1 else spec
                arr = parse_value(text, self.ctx, what=what)
            else:
                arr = np.asarray(spec, dtype=np.float64)
            total = sum(t.size for t in leaves.values())
            if arr.size != total:
                sizes = ", ".join(f"{n}: {t.size}" for n, t in leaves.items())
                raise GradcliError(f"{what} has {arr.size} values, but the differentiated inputs "
                                   f"have {total} ({sizes})", kind="value")
            flat, parts, start = arr.reshape(-1), [], 0
            for name, t in leaves.items():
                parts.append((name, flat[start:start + t.size].reshape(t.shape)))
                start += t.size
            return parts
        parts = []
        for name, value in items:
            if name not in leaves:
                raise GradcliError(f"{what} {name}=...: {name!r} is not a differentiated input "
                                   f"(--wrt: {', '.join(leaves) or 'none'})", kind="value")
            if isinstance(value, str):
                text = "[" + value + "]" if len(split_top_level(value)) > 1 else value
                arr = parse_value(text, self.ctx, what=f"{what} {name}")
            else:
                arr = np.asarray(value, dtype=np.float64)
            shape = leaves[name].shape
            if arr.size != leaves[name].size:
                raise GradcliError(f"{what} {name}: expected {leaves[name].size} values (shape "
                                   f"{shape}), got {arr.size}", kind="value")
            parts.append((name, arr.reshape(shape)))
        return parts

    def _tangent_tensors(self, tangents: dict) -> list[Tensor]:
        return [Tensor(backend.from_numpy(tangents[n], self.dtype)) for n in self.wrt]

    def jvp(self, tangents=None) -> dict:
        """The Jacobian-vector product J v of every output, one forward pass."""
        v = self.tangents(tangents)
        outs = list(self.outputs.values())
        dots = engine.jvp(outs, self.wrt_leaves(), self._tangent_tensors(v))
        result = self.evaluate()
        result["tangent"] = v
        result["jvp"] = {n: np.zeros(o.shape) if d is None else
                         backend.to_numpy(engine.fit(d, o.shape).data)
                         for (n, o), d in zip(self.outputs.items(), dots)}
        return result

    def _scalar_output(self, command: str = "hessian") -> tuple[str, Tensor]:
        if len(self.outputs) != 1:
            raise GradcliError(f"{command} needs one scalar output, the program has "
                               f"{len(self.outputs)} ({', '.join(self.outputs)})", kind="usage",
                               hint="pick one with --output NAME")
        (name, out), = self.outputs.items()
        if out.size != 1 and command == "grad":  # PyTorch's words for out.backward() of a vector
            raise GradcliError("grad can be implicitly created only for scalar outputs: "
                               f"{name!r} has shape {out.shape} ({out.size} elements)",
                               kind="gradient", hint=f"differentiate {name}.sum(), or give v with "
                               "backward --gradient V, or get every row with jacobian")
        if out.size != 1:
            raise GradcliError(f"{command} needs a scalar output, {name!r} has shape {out.shape} "
                               f"({out.size} elements)", kind="usage",
                               hint="reduce it (e.g. .sum()) or use jacobian")
        return name, out

    def _gradient_tensors(self, out: Tensor, seed: Tensor | None = None) -> list[Tensor]:
        """The gradient as recorded Tensors; a constant zero where it does not depend on the input.

        seed: the cotangent of out (default 1: out is a scalar), e.g. picking one element.
        """
        leaves = self.wrt_leaves()
        if not out.requires_grad:
            grads = [None] * len(leaves)
        elif seed is None:
            grads = engine.gradient_graph(out, leaves)
        else:
            found = engine.backward([out], [seed], create_graph=True)
            grads = [found.get(leaf.index) for leaf in leaves]
        return [Tensor(backend.xp.zeros(leaf.shape, dtype=self.dtype)) if g is None else
                engine.fit(g, leaf.shape) for g, leaf in zip(grads, leaves)]

    def hessian(self, tangent=None, chunk: int | None = None, sparse: bool = False,
                colouring: bool | None = None) -> dict:
        """Forward over reverse: J of the recorded gradient (exact). With a tangent: H v only.

        A scalar output gives `hessian[a][b]` (a.shape + b.shape) and the n x n `matrix`; a
        tensor output, or several outputs, `hessian[out][a][b]` (out.shape + a.shape + b.shape,
        as torch.func.hessian) and a (output elements, n, n) `matrix` labelled by `elements`.
        sparse: only the structural nonzeros, from a star colouring (scalar output).
        colouring: for the dense matrix, use the colouring too (None: when the pattern is
        sparse enough to pay for itself).
        """
        if tangent is not None or sparse:
            _, out = self._scalar_output("hessian --tangent" if tangent is not None else "hessian --sparse")
            if tangent is not None:
                return self._hvp(out, tangent)
            return self.sparse_hessian(chunk)
        if len(self.outputs) != 1 or next(iter(self.outputs.values())).size != 1:
            return self._output_hessians(chunk)
        _, out = self._scalar_output()
        leaves = self.wrt_leaves()
        n = sum(leaf.size for leaf in leaves)
        _check_dense(n * n, "Hessian", f"{n:,} x {n:,}")
        matrix, passes = self._dense_hessian(out, leaves, chunk, colouring)
        result = self.evaluate()
        result["hessian"] = _blocks(matrix, leaves, self.wrt)
        result["matrix"] = matrix
        result["rows"] = result["cols"] = labels({k: self.inputs[k] for k in self.wrt})
        result["passes"] = passes
        return result

    def _hvp(self, out: Tensor, tangent) -> dict:
        leaves = self.wrt_leaves()
        grads = self._gradient_tensors(out)
        v = self.tangents(tangent)
        dots = engine.jvp(grads, leaves, self._tangent_tensors(v))
        result = self.evaluate()
        result["tangent"] = v
        result["hvp"] = {n: np.zeros(leaf.shape) if d is None else
                         backend.to_numpy(engine.fit(d, leaf.shape).data)
                         for n, leaf, d in zip(self.wrt, leaves, dots)}
        return result

    def _dense_hessian(self, out: Tensor, leaves, chunk, colouring, seed=None) -> tuple[np.ndarray, int]:
        """The n x n Hessian on the host, and the passes it took."""
        grads = self._gradient_tensors(out, seed)
        n = sum(leaf.size for leaf in leaves)
        pattern = None
        if colouring or (colouring is None and n >= COLOURING_FROM and out.requires_grad):
            from .core import hessian_sparsity  # noqa: PLC0415
            try:  # a pattern denser than this cannot save enough passes to pay for itself
                pattern = hessian_sparsity.pattern(out, leaves, budget=MAX_ELEMENTS if colouring
                                                   else n * n // 8, strict=bool(colouring))
            except hessian_sparsity.TooDense:
                pattern = None
        if pattern is not None:
            colour = hessian_sparsity.colour(pattern)
            if colouring or (int(colour.max(initial=-1)) + 1) * 4 <= n:
                rows, cols, values, _, passes = engine.hessian_sparse(
                    out, grads, leaves, chunk=chunk, pattern=pattern, colour=colour)
                matrix = np.zeros((n, n), dtype=self._host_dtype)
                matrix[rows, cols] = values
                return matrix, passes
        matrix, passes = engine.hessian_forward(grads, leaves, chunk=chunk)
        return backend.to_numpy(matrix), passes

    def sparse_hessian(self, chunk: int | None = None) -> dict:
        """The Hessian's structural nonzeros as coordinates (both triangles), from H S with one
        seed per colour of a star colouring."""
        _, out = self._scalar_output("hessian --sparse")
        leaves = self.wrt_leaves()
        grads = self._gradient_tensors(out)
        if out.requires_grad:
            rows, cols, values, colours, passes = engine.hessian_sparse(out, grads, leaves, chunk=chunk)
        else:  # a constant: nothing to colour
            rows = cols = np.zeros(0, dtype=np.int64)
            values, colours, passes = np.zeros(0), 0, 0
        n = sum(leaf.size for leaf in leaves)
        result = self.evaluate()
        result["sparse"] = {"shape": [n, n], "row": rows, "col": cols, "value": values}
        result["rows"] = result["cols"] = labels({k: self.inputs[k] for k in self.wrt})
        result["colours"] = colours
        result["passes"] = passes
        return result

    def _output_hessians(self, chunk: int | None) -> dict:
        """The Hessian of every element of every output: out.shape + a.shape + b.shape per block."""
        leaves = self.wrt_leaves()
        n = sum(leaf.size for leaf in leaves)
        m = sum(o.size for o in self.outputs.values())
        _check_dense(m * n * n, "Hessian", f"{m:,} output elements x {n:,} x {n:,}")
        stack = np.zeros((m, n, n), dtype=self._host_dtype)
        passes, k = 0, 0
        for out in self.outputs.values():
            for e in range(out.size):
                onehot = np.zeros(out.size)
                onehot[e] = 1.0
                seed = Tensor(backend.from_numpy(onehot.reshape(out.shape), self.dtype))
                stack[k], p = self._dense_hessian(out, leaves, chunk, False, seed)
                passes += p
                k += 1
        result = self.evaluate()
        result["hessian"], start = {}, 0
        for name, out in self.outputs.items():
            part = stack[start:start + out.size]
            result["hessian"][name] = {a: {b: block.reshape(out.shape + block.shape[1:])
                                           for b, block in row.items()}
                                       for a, row in _blocks(part, leaves, self.wrt).items()}
            start += out.size
        result["matrix"] = stack
        result["elements"] = labels(self.outputs)
        result["rows"] = result["cols"] = labels({k: self.inputs[k] for k in self.wrt})
        result["passes"] = passes
        return result


    # -- derivatives of higher order in one variable --------------------------------------------
    def derivative(self, order: int = 1) -> dict:
        """f', f'', ..., f^(order) of every output in one input: a scalar, or elementwise over a
        tensor (each output element depends on at most one of its elements)."""
        from .limits import MAX_ORDER  # noqa: PLC0415
        if not 1 <= int(order) <= MAX_ORDER:
            raise GradcliError(f"--order must be between 1 and {MAX_ORDER}, got {order}", kind="usage")
        if len(self.wrt) != 1:
            raise GradcliError(f"derivative differentiates in one input, got {len(self.wrt)} "
                               f"({', '.join(self.wrt) or 'none'})", kind="usage",
                               hint="pick one with --wrt NAME")
        x = self.wrt_leaves()[0]
        outs = list(self.outputs.values())
        if x.size > 1:
            self._check_elementwise(x, outs)
        found = engine.derivatives(outs, x, int(order))
        result = self.evaluate()
        result["wrt"] = self.wrt[0]
        result["order"] = int(order)
        result["derivatives"] = {
            name: np.stack([np.zeros(out.shape) if d is None else backend.to_numpy(d.data) for d in row])
            for (name, out), row in zip(self.outputs.items(), found)}
        return result

    def _check_elementwise(self, x: Tensor, outs) -> None:
        """Refuse outputs whose elements depend on several elements of x: the derivative in "x"
        is then a Jacobian (and higher), not one number per element."""
        from .core import sparsity  # noqa: PLC0415
        pattern = sparsity.pattern(outs, [x])
        counts = np.diff(pattern.indptr)
        if counts.size and counts.max() > 1:
            row = int(np.argmax(counts > 1))
            element = labels(self.outputs)[row]
            reads = pattern.indices[pattern.indptr[row]:pattern.indptr[row + 1]]
            names = labels({self.wrt[0]: x})
            shown = ", ".join(names[int(j)] for j in reads[:4]) + (", ..." if reads.size > 4 else "")
            raise GradcliError(
                f"derivative works elementwise: each output element must depend on at most one "
                f"element of {self.wrt[0]}, but {element} depends on {reads.size} ({shown})",
                kind="usage", hint="use jacobian or hessian for derivatives in several variables")


# A dense Hessian of this many input elements or more first looks at its sparsity pattern. The look
# costs about 3 ms of CPU on a small program; a dense Hessian of fewer elements costs no more than
# that (Rosenbrock: at 128 elements the look was a loss, at 256 a 1.5x gain, at 1,000 a 4.7x one).
COLOURING_FROM = 256


def _check_dense(elements: int, what: str, shape: str) -> None:
    if elements > MAX_ELEMENTS:
        raise GradcliError(f"the {what} would have {shape} = {elements:,} elements, over the "
                           f"limit of {MAX_ELEMENTS:,}", kind="limit",
                           hint="--sparse gives its nonzeros; --tangent V the Hessian-vector "
                                "product without the matrix")


def _blocks(matrix: np.ndarray, leaves, names) -> dict:
    """The blocks hessian[a][b] (lead axes of matrix kept) of an (..., n, n) matrix."""
    lead = matrix.shape[:-2]
    offsets = np.concatenate([[0], np.cumsum([leaf.size for leaf in leaves])]).tolist()
    return {a: {b: matrix[..., offsets[i]:offsets[i + 1], offsets[j]:offsets[j + 1]].reshape(
                    lead + la.shape + lb.shape)
                for j, (b, lb) in enumerate(zip(names, leaves))}
            for i, (a, la) in enumerate(zip(names, leaves))}


def _to_host(blocks) -> list[list[np.ndarray]]:
    """Blocks on the host; those of an integer or boolean output (all zeros) as floats."""
    return [[_floating(backend.to_numpy(b)) for b in row] for row in blocks]


def _number_array(arr: np.ndarray) -> np.ndarray:
    """Booleans are reported as the numbers 0 and 1 (JSON has no place for true in a tensor)."""
    return arr.astype(np.int64) if arr.dtype == bool else arr


def _floating(arr: np.ndarray) -> np.ndarray:
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)
