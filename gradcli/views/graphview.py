"""`gradcli graph`: the recorded computation graph as a Rich tree, Graphviz DOT, or SVG.

Nodes are the recorded Tensors (engine.graph), named like `explain` names them:
program variables where a variable holds the node, t1, t2, ... otherwise. Each
shows its op, PyTorch-style backward name and shape; leaves show whether they
require grad (PyTorch's AccumulateGrad). Constants feeding an op are shown too,
dimmed, so that `2 * b` reads as it was written.

The tree starts at each output and descends into inputs; a node reached a second
time (a value used twice) is shown once in full and then as a reference.
SVG is rendered by Graphviz's `dot` program when it is installed.
"""
from __future__ import annotations

import shutil
import subprocess

from ..core import engine
from ..errors import GradcliError
from .explain import Names, backward_name, expression, fmt


def nodes(comp) -> tuple[list, Names]:
    names = Names(comp)
    graph = engine.graph(list(comp.outputs.values()))
    for t in graph:
        names.of(t)
    return graph, names


def describe(t, names: Names) -> dict:
    if t.op is None:
        kind = "leaf, requires_grad" if t.requires_grad else "constant"
        return {"name": names.of(t), "op": None, "backward": "AccumulateGrad" if t.requires_grad else None,
                "shape": list(t.shape), "leaf": True, "requires_grad": t.requires_grad, "kind": kind}
    return {"name": names.of(t), "op": t.op.name, "backward": backward_name(t),
            "expression": expression(t, names), "shape": list(t.shape), "leaf": False,
            "requires_grad": t.requires_grad, "kind": "op"}


def as_data(comp) -> dict:
    graph, names = nodes(comp)
    out = {"nodes": [describe(t, names) for t in graph],
           "edges": [[names.of(i), names.of(t)] for t in graph for i in t.inputs if i.requires_grad],
           "outputs": list(comp.outputs)}
    return out


# A tree deeper than this is unreadable, and Rich draws every ancestor's guide on every line
# (quadratic in depth): 3,000 chained statements took 16 s. Deeper graphs are listed instead.
MAX_TREE_DEPTH = 100


def depth(comp) -> int:
    """The longest path from an output to a leaf, in nodes."""
    graph, _ = nodes(comp)
    level: dict[int, int] = {}
    for t in graph:  # creation order: inputs before the nodes that read them
        level[t.index] = 1 + max((level.get(i.index, 0) for i in t.inputs), default=0)
    return max(level.values(), default=0)


def listing(comp) -> str:
    """One line per node, outputs first (reverse topological order, as backward visits them)."""
    graph, names = nodes(comp)
    lines = ["computation graph, one node per line (outputs first, each node's inputs below it)"]
    for t in reversed(graph):
        d = describe(t, names)
        if t.op is None:
            lines.append(f"{d['name']}  {d['backward'] or 'constant'}  shape {tuple(d['shape'])}")
        else:
            lines.append(f"{d['name']} = {d['expression']}  {d['backward']}  shape {tuple(d['shape'])}")
    return "\n".join(lines) + "\n"


def tree(comp):
    """A Rich Tree per output (under one root)."""
    from rich.markup import escape  # noqa: PLC0415
    from rich.tree import Tree  # noqa: PLC0415
    _, names = nodes(comp)
    root = Tree("computation graph (outputs at the top, inputs at the leaves)")
    shown: set[int] = set()

    def label(t) -> str:
        d = describe(t, names)
        shape = tuple(d["shape"])
        if t.op is None and t.requires_grad:
            return f"[bold]{escape(d['name'])}[/]  AccumulateGrad  leaf, requires_grad  shape {shape}"
        if t.op is None:
            value = fmt(t.data, 6, 6)
            text = value if d["name"] == value else f"{d['name']} = {value}"
            return f"[dim]{escape(text)}  constant  shape {shape}[/]"
        return (f"[bold]{escape(d['name'])}[/] = {escape(d['expression'])}  "
                f"[cyan]{d['backward']}[/]  shape {shape}")

    # An explicit stack, not recursion: deep programs make deep graphs.
    for out in comp.outputs.values():
        stack = [(out, root)]
        while stack:
            t, parent = stack.pop()
            if t.index in shown and t.op is not None:
                parent.add(f"[dim]{escape(names.of(t))} (shown above)[/]")
                continue
            branch = parent.add(label(t))
            shown.add(t.index)
            if t.op is not None:
                for inp in reversed(t.inputs):
                    if inp.requires_grad or inp.size <= 6:
                        stack.append((inp, branch))
    return root


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(comp) -> str:
    """Graphviz DOT: data flows down, from the inputs to the outputs."""
    graph, names = nodes(comp)
    outputs = {t.index for t in comp.outputs.values()}
    lines = ["digraph gradcli {", '  graph [rankdir=TB, fontname="Helvetica"];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];']
    for t in graph:
        d = describe(t, names)
        shape = "x".join(map(str, d["shape"])) or "scalar"
        if t.op is None:
            text, color = f"{d['name']}\n{shape}\nleaf, requires_grad", "lightblue"
        else:
            text = f"{d['name']} = {d['expression']}\n{d['backward']}\n{shape}"
            color = "darkolivegreen1" if t.index in outputs else "lightgrey"
        lines.append(f"  n{t.index} [label={_quote(text)}, fillcolor={color}];")
    for t in graph:
        for inp in t.inputs:
            if inp.requires_grad:
                lines.append(f"  n{inp.index} -> n{t.index};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg(dot_text: str, path: str) -> None:
    program = shutil.which("dot")
    if program is None:
        raise GradcliError("--svg needs Graphviz's `dot` program, which is not installed",
                           kind="usage", hint="install Graphviz: apt-get install graphviz (Debian, "
                           "Ubuntu), dnf install graphviz (Fedora), brew install graphviz (macOS); "
                           "or print the DOT text with --dot")
    try:
        subprocess.run([program, "-Tsvg", "-o", path], input=dot_text.encode("utf-8"),
                       check=True, capture_output=True, timeout=120)
    except subprocess.CalledProcessError as exc:
        message = exc.stderr.decode("utf-8", "replace").strip()
        raise GradcliError(f"--svg: dot failed: {message}", kind="io") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GradcliError(f"--svg: cannot run dot: {exc}", kind="io") from None
