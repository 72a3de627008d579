"""`gradcli explain`: the chain rule, step by step, for one program at one point.

Two views of the same number:
(a) the vector-Jacobian product written out: v, J and every element of vᵀJ as
    its sum of products, e.g. [1 2] x [[8 2] [2 96]] = [1*8 + 2*2, 1*2 + 2*96] = [12 194];
(b) the backward pass node by node, in reverse topological order: each node's
    PyTorch-style backward name, its local derivative, the gradient it receives
    and what it sends to each input, with accumulation where a value is used twice.

The walk mirrors engine.backward (same rules, same un-broadcasting), but records
each step. Nodes are named after the program's variables where a variable holds
the node; other intermediates are t1, t2, ... in creation order.
"""
from __future__ import annotations

import math

import numpy as np

from ..core import backend, engine
from ..core.names import backward_name
from ..core.tensor import Tensor

# Text for each op's local derivative; {x}, {y}, {z} are the inputs' names, {ans} the node's.
LOCAL = {
    "add": ["1", "1"], "sub": ["1", "-1"], "mul": ["{y}", "{x}"], "div": ["1/{y}", "-{ans}/{y}"],
    "pow": ["{y}*{x}^({y}-1)", "{ans}*log({x})"], "neg": ["-1"], "exp": ["exp({x}) = {ans}"],
    "expm1": ["exp({x})"], "log": ["1/{x}"], "log1p": ["1/(1+{x})"], "log2": ["1/({x}*ln 2)"],
    "log10": ["1/({x}*ln 10)"], "sqrt": ["1/(2*sqrt({x}))"], "sin": ["cos({x})"],
    "cos": ["-sin({x})"], "tan": ["1 + tan({x})^2"], "asin": ["1/sqrt(1-{x}^2)"],
    "acos": ["-1/sqrt(1-{x}^2)"], "atan": ["1/(1+{x}^2)"], "sinh": ["cosh({x})"],
    "cosh": ["sinh({x})"], "tanh": ["1 - tanh({x})^2"], "abs": ["sign({x})"],
    "relu": ["1 where {x} > 0, else 0"], "sigmoid": ["s*(1-s), s = sigmoid({x})"],
    "softplus": ["sigmoid({x})"], "erf": ["2/sqrt(pi)*exp(-{x}^2)"],
    "maximum": ["1 where {x} > {y}, 1/2 at ties", "1 where {y} > {x}, 1/2 at ties"],
    "minimum": ["1 where {x} < {y}, 1/2 at ties", "1 where {y} < {x}, 1/2 at ties"],
    "atan2": ["{y}/({x}^2+{y}^2)", "-{x}/({x}^2+{y}^2)"],
    "where": ["none (a mask)", "1 where {x} != 0", "1 where {x} == 0"],
    "clamp": ["1 where {y} <= {x} <= {z}", "1 where {x} < {y}", "1 where {x} > {z}"],
    "matmul": ["g @ {y}ᵀ", "{x}ᵀ @ g"],
    "sum": ["g copied to every summed element"], "mean": ["g / n to every averaged element"],
    "prod": ["g * (product of the other elements)"],
    "amax": ["g to the maximum (shared among ties)"], "amin": ["g to the minimum (shared among ties)"],
    "norm": ["g * {x}/{ans}"], "logsumexp": ["g * softmax({x})"],
    "softmax": ["{ans} * (g - sum(g*{ans}))"], "log_softmax": ["g - softmax({x})*sum(g)"],
    "index": ["g written into zeros at the index"], "scatter": ["g read at the index"],
    "index_put": ["g with the written region zeroed", "g read at the written region"],
    "reshape": ["g reshaped back"], "permute": ["g with the axes permuted back"],
    "broadcast_to": ["g summed over the broadcast axes"], "sum_to": ["g broadcast back"],
    "cat": ["g's slice for each input"], "stack": ["g's slice for each input"],
    # steps (PyTorch's convention: no gradient through a step), division with rounding, casts
    "sign": ["0 (a step)"], "floor": ["0 (a step)"], "ceil": ["0 (a step)"],
    "round": ["0 (a step)"], "trunc": ["0 (a step)"],
    "remainder": ["1", "-floor({x}/{y})"], "fmod": ["1", "-trunc({x}/{y})"],
    "floor_divide": ["0 (a step)", "0 (a step)"], "astype": ["1 (g cast back to {x}'s dtype)"],
    "take": ["g added into zeros at the index"], "take_add": ["g read at the index"],
    "cumsum": ["the reversed cumulative sum of g"],
    "cumprod": ["sum over later k of g_k * {ans}_k / {x}_i (zeros handled apart)"],
    "binary_cross_entropy": ["({x}-{y}) / ({x}*(1-{x}))", "log(1-{x}) - log({x})"],
    # linear algebra (PyTorch's rules, in terms of the result)
    "inv": ["-{ans}ᵀ @ g @ {ans}ᵀ"], "det": ["g * {ans} * {x}⁻ᵀ"], "logabsdet": ["g * {x}⁻ᵀ"],
    "solve": ["-G @ {ans}ᵀ, G = {x}⁻ᵀ @ g", "G = {x}⁻ᵀ @ g"],
    "pinv": ["PyTorch's pseudo-inverse rule (three products with {ans})"],
    "cholesky": ["L⁻ᵀ Φ(Lᵀ g) L⁻¹, symmetrized (L = {ans}, Φ the lower half)"],
    "eigh": ["V (diag(g_λ) + F ∘ Vᵀg_V) Vᵀ, F_ij = 1/(λ_j - λ_i)"],
    "eig": ["V⁻ᴴ (diag(g_λ) + F ∘ Vᴴg_V) Vᴴ, F_ij = 1/(λ_j - λ_i)"],
    "svd": ["U (diag(g_S) + the U, V terms) Vh"], "svdvals": ["U diag(g) Vh"],
    "qr": ["(g_Q + Q copyltu(g_R Rᵀ - Qᵀ g_Q)) R⁻ᵀ (Q, R = {ans})"],
    # special functions
    "gammaln": ["digamma({x})"], "digamma": ["polygamma(1, {x})"], "gamma": ["{ans} * digamma({x})"],
    "polygamma": ["polygamma(n+1, {x})"],
    "betaln": ["digamma({x}) - digamma({x}+{y})", "digamma({y}) - digamma({x}+{y})"],
    "beta": ["{ans}*(digamma({x}) - digamma({x}+{y}))", "{ans}*(digamma({y}) - digamma({x}+{y}))"],
    "gammainc": ["none in closed form (refused)", "{y}^({x}-1) e^-{y} / Γ({x})"],
    "gammaincc": ["none in closed form (refused)", "-{y}^({x}-1) e^-{y} / Γ({x})"],
    "betainc": ["none in closed form (refused)", "none in closed form (refused)",
                "{z}^({x}-1) (1-{z})^({y}-1) / B({x}, {y})"],
    "stdtr": ["none in closed form (refused)", "the t density at {y}"],
    "erfc": ["-2/sqrt(pi)*exp(-{x}^2)"], "erfcx": ["2*{x}*{ans} - 2/sqrt(pi)"],
    "erfinv": ["sqrt(pi)/2*exp({ans}^2)"], "ndtr": ["exp(-{x}^2/2)/sqrt(2 pi)"],
    "log_ndtr": ["exp(-{x}^2/2)/sqrt(2 pi) / ndtr({x})"], "ndtri": ["sqrt(2 pi)*exp({ans}^2/2)"],
    "i0": ["i1({x})"], "i1": ["i0({x}) - i1({x})/{x}"], "i0e": ["i1e({x}) - sign({x})*{ans}"],
    "i1e": ["i0e({x}) - {ans}*(sign({x}) + 1/{x})"],
    "asinh": ["1/sqrt({x}^2+1)"], "acosh": ["1/sqrt({x}^2-1)"], "atanh": ["1/(1-{x}^2)"],
    "exp2": ["{ans} * ln 2"], "cbrt": ["1/(3*{ans}^2)"], "sinc": ["(cos(pi {x}) - {ans})/{x}"],
    "hypot": ["{x}/{ans}", "{y}/{ans}"], "logaddexp": ["exp({x}-{ans})", "exp({y}-{ans})"],
}
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@"}
MAX_TERMS = 200  # element-by-element products beyond this are summarized
MAX_MATRIX = 10 ** 6  # beyond this many Jacobian entries, part (a) shows v and vᵀJ only


# -- formatting --------------------------------------------------------------------------------

def num(x: float, precision: int = 6) -> str:
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{precision}g}"


def fmt(value, precision: int = 6, limit: int = 24) -> str:
    """[1 2], [[8 2] [2 96]]: NumPy-style, one line, short numbers."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        return num(a, precision)
    if a.size > limit:
        flat = ", ".join(num(v, precision) for v in a.reshape(-1)[:4])
        return f"<shape {a.shape}: {flat}, ...>"
    return _nested(a, precision)


def _nested(a: np.ndarray, precision: int) -> str:
    if a.ndim == 1:
        return "[" + " ".join(num(v, precision) for v in a) + "]"
    return "[" + " ".join(_nested(sub, precision) for sub in a) + "]"


def term(v: float, j: float, precision: int) -> str:
    def paren(x):
        s = num(x, precision)
        return f"({s})" if s.startswith("-") else s
    return f"{paren(v)}*{paren(j)}"


# -- (a) the product ---------------------------------------------------------------------------

def vjp_product(comp, seeds: dict, grad: dict, precision: int = 6) -> dict:
    """v, J and vᵀJ; J itself only when it is small enough to be worth writing out."""
    from ..io.render import labels  # noqa: PLC0415
    v = np.concatenate([np.asarray(seeds[n], dtype=np.float64).reshape(-1) for n in comp.outputs]) \
        if comp.outputs else np.zeros(0)
    m, n = v.size, sum(comp.inputs[name].size for name in comp.wrt)
    if m * n > MAX_MATRIX:  # the product is what backward computed, without the matrix
        product = np.concatenate([np.asarray(grad[name]).reshape(-1) for name in comp.wrt]) \
            if comp.wrt else np.zeros(0)
        return {"v": v, "matrix": None, "rows": labels(comp.outputs),
                "cols": labels({k: comp.inputs[k] for k in comp.wrt}), "terms": None, "product": product}
    jac = comp.jacobian("reverse")
    J = np.asarray(jac["matrix"], dtype=np.float64)
    product = v @ J if J.size else np.zeros(J.shape[1])
    terms = None
    if J.size <= MAX_TERMS:
        terms = [" + ".join(term(v[i], J[i, j], precision) for i in range(J.shape[0]))
                 for j in range(J.shape[1])]
    return {"v": v, "matrix": J, "rows": jac["rows"], "cols": jac["cols"], "terms": terms,
            "product": product}


def product_text(p: dict, precision: int = 6) -> str:
    matrix = "J" if p["matrix"] is None else fmt(p["matrix"], precision, MAX_TERMS)
    lhs = f"{fmt(p['v'], precision, MAX_TERMS)} x {matrix}"
    result = fmt(p["product"], precision, MAX_TERMS)
    if p["terms"] is None:
        return f"{lhs} = {result}"
    return f"{lhs} = [{', '.join(p['terms'])}] = {result}"


# -- (b) the backward pass ---------------------------------------------------------------------

class Names:
    """Program variable names for tensors; t1, t2, ... for the others; constants by value."""

    def __init__(self, comp):
        self.by_index: dict[int, str] = {}
        for name, t in list(comp.env.items()) + list(comp.inputs.items()) + list(comp.outputs.items()):
            if isinstance(t, Tensor):
                self.by_index[t.index] = name
        self.count = 0

    def of(self, t: Tensor) -> str:
        name = self.by_index.get(t.index)
        if name is None:
            if not t.requires_grad and t.size == 1:
                return num(backend.to_numpy(t.data).reshape(-1)[0])
            if not t.requires_grad:
                return f"const{list(t.shape)}"
            self.count += 1
            name = self.by_index[t.index] = f"t{self.count}"
        return name


def _index_text(idx) -> str:
    def one(i):
        if isinstance(i, slice):
            text = ("" if i.start is None else str(i.start)) + ":" + ("" if i.stop is None else str(i.stop))
            return text + (f":{i.step}" if i.step is not None else "")
        return "..." if i is Ellipsis else "None" if i is None else str(i)
    return ",".join(one(i) for i in idx)


def expression(t: Tensor, names: Names) -> str:
    args = [names.of(i) for i in t.inputs]
    if t.op.name == "index":
        return f"{args[0]}[{_index_text(t.params['idx'])}]"
    if t.op.name == "index_put":
        return f"{args[0]} with [{_index_text(t.params['idx'])}] = {args[1]}"
    symbol = SYMBOLS.get(t.op.name)
    if symbol and len(args) == 2:
        return f"{args[0]} {symbol} {args[1]}"
    return f"{t.op.name}({', '.join(args)})"


def local_text(t: Tensor, names: Names, k: int) -> str:
    templates = LOCAL.get(t.op.name)
    if templates is None or k >= len(templates):
        return f"the vjp rule of {t.op.name}"
    labels = [names.of(i) for i in t.inputs] + ["", "", ""]
    return templates[k].format(x=labels[0], y=labels[1], z=labels[2], ans=names.of(t))


def _array(t) -> np.ndarray:
    return backend.to_numpy(t.data) if isinstance(t, Tensor) else np.asarray(t, dtype=np.float64)


def backward_steps(comp, seeds: dict) -> tuple[list, dict]:
    """The backward pass as a list of steps, and the gradient of every differentiated input."""
    names = Names(comp)
    nodes = engine.graph(list(comp.outputs.values()))
    for t in nodes:  # number the intermediates in creation order, before the reverse walk
        names.of(t)
    grads: dict[int, Tensor] = {}
    for name, out in comp.outputs.items():
        if out.requires_grad:
            g = Tensor(backend.from_numpy(np.asarray(seeds[name], dtype=np.float64), comp.dtype))
            grads[out.index] = grads[out.index] + g if out.index in grads else g
    steps = []
    with engine.recording(False):
        for t in reversed(nodes):
            if t.op is None:
                continue
            g = grads.pop(t.index, None)
            if g is None:
                continue
            step = {"node": names.of(t), "expression": expression(t, names), "op": t.op.name,
                    "backward": backward_name(t), "shape": list(t.shape), "value": _array(t),
                    "incoming": _array(g), "sends": []}
            # Only the partials the backward pass uses: a constant exponent's rule (log of the
            # base) would run for nothing and warn of a NaN the program never makes.
            with engine._label(t.op.grad_label):  # warnings name the rule, as in backward
                partials = [p(t, *t.inputs) if inp.requires_grad else None
                            for p, inp in zip(t.op.partials, t.inputs)] if t.op.partials else None
                sent = engine.vjp_rule(t, g)
            for k, (inp, gi) in enumerate(zip(t.inputs, sent)):
                if gi is None or not inp.requires_grad:
                    continue
                gi = engine.fit(gi, inp.shape)
                send = {"to": names.of(inp), "local": local_text(t, names, k), "value": _array(gi)}
                if partials is not None and partials[k] is not None:
                    send["local_value"] = _array(partials[k])
                if inp.index in grads:
                    before = grads[inp.index]
                    grads[inp.index] = before + gi
                    send["accumulated"] = {"before": _array(before), "after": _array(grads[inp.index])}
                else:
                    grads[inp.index] = gi
                step["sends"].append(send)
            steps.append(step)
    grad = {}
    for name in comp.wrt:
        leaf = comp.inputs[name]
        g = grads.get(leaf.index)
        grad[name] = np.zeros(leaf.shape) if g is None else _array(engine.fit(g, leaf.shape))
    return steps, grad


def explain(comp, gradients=None, precision: int = 6) -> dict:
    seeds = comp.cotangents(gradients)
    result = comp.evaluate()
    result["gradient"] = seeds
    result["steps"], result["grad"] = backward_steps(comp, seeds)
    result["vjp"] = vjp_product(comp, seeds, result["grad"], precision)
    return result


# -- text --------------------------------------------------------------------------------------

def _wrap(label: str, text: str, width: int = 80, indent: int = 4) -> list[str]:
    import textwrap  # noqa: PLC0415
    first = " " * indent + label
    return textwrap.wrap(text, width=width, initial_indent=first,
                         subsequent_indent=" " * (indent + len(label)),
                         break_long_words=True, break_on_hyphens=False) or [first]


def _few(labels: list, limit: int = 12) -> str:
    if len(labels) <= limit:
        return ", ".join(labels)
    return ", ".join(labels[:limit // 2]) + f", ... ({len(labels)} in all), " + labels[-1]


def text(result: dict, precision: int = 6, width: int = 80) -> str:
    p = result["vjp"]
    lines = ["(a) the vector-Jacobian product  vᵀJ  (what out.backward(v) computes)", ""]
    rows, cols = _few(p["rows"]), _few(p["cols"])
    lines += _wrap("v  = ", f"{fmt(p['v'], precision, MAX_TERMS)}   (over {rows})", width)
    matrix = (f"{p['v'].size} x {len(p['cols'])}: too large to write out" if p["matrix"] is None
              else fmt(p["matrix"], precision, MAX_TERMS))
    lines += _wrap("J  = ", f"{matrix}   (rows {rows}; columns {cols})", width)
    lines += _wrap("vᵀJ = ", product_text(p, precision), width)
    lines += ["", "(b) the backward pass, node by node (reverse topological order)", ""]
    for n, step in enumerate(result["steps"], 1):
        head = f"{n:>2}. {step['node']} = {step['expression']}"
        tag = f"{step['backward']}  shape {tuple(step['shape'])}"
        lines.append(head + " " * max(2, width - len(head) - len(tag)) + tag if len(head) + len(tag) + 2 <= width
                     else head)
        if len(head) + len(tag) + 2 > width:
            lines.append("    " + tag)
        lines += _wrap("incoming gradient: ", fmt(step["incoming"], precision), width)
        for send in step["sends"]:
            local, sent = send["local"], fmt(send["value"], precision)
            if "local_value" in send:
                value = fmt(send["local_value"], precision)
                local += "" if value == local else f" = {value}"
                sent = f"{fmt(step['incoming'], precision)} * {value} = {sent}"
            lines += _wrap(f"to {send['to']}: ", f"local derivative {local}; sends {sent}",
                           width, indent=4)
            if "accumulated" in send:
                acc = send["accumulated"]
                lines += _wrap("", f"{send['to']} is used more than once: accumulated "
                               f"{fmt(acc['before'], precision)} + {fmt(send['value'], precision)} = "
                               f"{fmt(acc['after'], precision)}", width, indent=8)
    lines += ["", "gradients of the inputs (AccumulateGrad):"]
    for name, g in result["grad"].items():
        lines += _wrap(f"{name}.grad = ", fmt(g, precision), width)
    return "\n".join(lines)
