"""`gradcli graph`: the computation graph as a Rich tree, Graphviz DOT, JSON or SVG.

Two sources give the same kind of graph (a list of `Node`s, inputs before the nodes that read
them), so every picture below draws either:
- `from_computation`: the recorded Tensors of an evaluated program (engine.graph), with each
  op's PyTorch backward name and shape. Inputs given no value were evaluated as the scalar 1.0;
  the shapes of everything they reach are then unknown, and shown as `?`.
- `graphsource.from_program`: the program's text alone, for when placeholder scalars cannot
  run it (`mm(a, w)`): the structure as written, without shapes or backward names.

Nodes are named as `explain` names them: program variables where a variable holds the node,
t1, t2, ... otherwise. Leaves say whether they require grad (PyTorch's AccumulateGrad).
Constants feeding an op are shown too, dimmed, so that `2 * b` reads as it was written.

The tree starts at each output and descends into inputs; a node reached a second time (a value
used twice) is shown once in full and then as a reference. SVG is rendered by Graphviz's `dot`
program when it is installed.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field

from ..errors import GradcliError


@dataclass(eq=False)
class Node:
    index: int  # creation order: a node's inputs have smaller indices
    name: str
    op: str | None = None  # None: a leaf (an input) or a constant
    backward: str | None = None  # PyTorch's backward function; None when unknown or a leaf
    expression: str | None = None
    shape: tuple | None = None  # None: unknown (no value for an input it depends on)
    requires_grad: bool = True
    inputs: list = field(default_factory=list)  # the Nodes it reads, small constants included
    value: str | None = None  # a constant's value, as text

    @property
    def leaf(self) -> bool:
        return self.op is None


@dataclass
class Graph:
    nodes: list  # the nodes that require grad, in creation order
    outputs: dict  # output name -> Node (outputs that require no grad are left out)
    shapes_known: bool = True
    source: str = "values"  # "values": recorded by evaluating; "text": read from the program
    placeholders: list = field(default_factory=list)  # inputs evaluated as the scalar 1.0


# -- a recorded computation -> Graph ----------------------------------------------------------------

def from_computation(comp, placeholders=()) -> Graph:
    """The recorded graph of the outputs; `placeholders`: inputs that were given the scalar 1.0
    for want of a value, whose shapes (and those of all they reach) are therefore unknown."""
    from ..core import engine  # noqa: PLC0415
    from ..core.names import backward_name  # noqa: PLC0415
    from .explain import Names, expression, fmt  # noqa: PLC0415
    names = Names(comp)
    tensors = engine.graph(list(comp.outputs.values()))
    for t in tensors:  # t1, t2, ... in creation order
        names.of(t)
    unknown = {comp.inputs[n].index for n in placeholders if n in comp.inputs}
    made: dict[int, Node] = {}

    def constant(t) -> Node:
        if t.index not in made:
            made[t.index] = Node(t.index, names.of(t), shape=tuple(t.shape), requires_grad=False,
                                 value=fmt(t.data, 6, 6))
        return made[t.index]

    for t in tensors:
        inputs = [made[i.index] if i.requires_grad else constant(i)
                  for i in t.inputs if i.requires_grad or i.size <= 6]
        if any(i.index in unknown for i in t.inputs if i.requires_grad):
            unknown.add(t.index)
        shape = None if t.index in unknown else tuple(t.shape)
        if t.op is None:
            made[t.index] = Node(t.index, names.of(t), backward="AccumulateGrad", shape=shape)
        else:
            made[t.index] = Node(t.index, names.of(t), t.op.name, backward_name(t),
                                 expression(t, names), shape, inputs=inputs)
    outputs = {name: made[t.index] for name, t in comp.outputs.items()
               if t is not None and t.index in made}
    return Graph([made[t.index] for t in tensors], outputs, shapes_known=not unknown,
                 placeholders=list(placeholders))


# -- the pictures -------------------------------------------------------------------------------------

def shape_text(node: Node) -> str:
    return "?" if node.shape is None else str(node.shape)


def describe(node: Node) -> dict:
    shape = None if node.shape is None else list(node.shape)
    if node.leaf:
        kind = "leaf, requires_grad" if node.requires_grad else "constant"
        return {"name": node.name, "op": None, "backward": node.backward if node.requires_grad else None,
                "shape": shape, "leaf": True, "requires_grad": node.requires_grad, "kind": kind}
    return {"name": node.name, "op": node.op, "backward": node.backward,
            "expression": node.expression, "shape": shape, "leaf": False,
            "requires_grad": node.requires_grad, "kind": "op"}


def as_data(graph: Graph) -> dict:
    """The JSON document: nodes, edges between nodes that require grad, outputs; `shapes_known`
    false (and a node's `shape` null) where inputs had no values."""
    return {"nodes": [describe(n) for n in graph.nodes],
            "edges": [[i.name, n.name] for n in graph.nodes for i in n.inputs if i.requires_grad],
            "outputs": list(graph.outputs), "shapes_known": graph.shapes_known,
            "source": graph.source}


def caveat(graph: Graph) -> str | None:
    """One line saying what the picture cannot know, or None."""
    missing = ", ".join(graph.placeholders)
    if graph.source == "text":
        return f"read from the text (no --at for {missing}): shapes (?) and backward names need values"
    if not graph.shapes_known:
        return f"shape ?: unknown without --at for {missing} (drawn with the scalar 1.0)"
    return None


# A tree deeper than this is unreadable, and Rich draws every ancestor's guide on every line
# (quadratic in depth): 3,000 chained statements took 16 s. Deeper graphs are listed instead.
MAX_TREE_DEPTH = 100


def depth(graph: Graph) -> int:
    """The longest path from an output to a leaf, in nodes."""
    level: dict[int, int] = {}
    for n in graph.nodes:  # creation order: inputs before the nodes that read them
        level[n.index] = 1 + max((level.get(i.index, 0) for i in n.inputs if i.requires_grad), default=0)
    return max(level.values(), default=0)


def _op_text(n: Node) -> str:
    """`c = b * 3  MulBackward0  shape (2,)`, the parts the source knows."""
    parts = [f"{n.name} = {n.expression}"]
    if n.backward:
        parts.append(n.backward)
    parts.append(f"shape {shape_text(n)}")
    return "  ".join(parts)


def _leaf_text(n: Node) -> str:
    if n.requires_grad:
        return f"{n.name}  AccumulateGrad  leaf, requires_grad  shape {shape_text(n)}"
    if n.value is None:  # a constant read from the text: its text is its value
        return f"{n.name}  constant"
    text = n.value if n.name == n.value else f"{n.name} = {n.value}"
    return f"{text}  constant  shape {shape_text(n)}"


def listing(graph: Graph) -> str:
    """One line per node, outputs first (reverse topological order, as backward visits them)."""
    lines = ["computation graph, one node per line (outputs first, each node's inputs below it)"]
    note = caveat(graph)
    if note:
        lines.append(note)
    for n in reversed(graph.nodes):
        lines.append(_leaf_text(n) if n.leaf else _op_text(n))
    return "\n".join(lines) + "\n"


def tree(graph: Graph):
    """A Rich Tree per output (under one root)."""
    from rich.text import Text  # noqa: PLC0415
    from rich.tree import Tree  # noqa: PLC0415
    title = Text("computation graph (outputs at the top, inputs at the leaves)")
    note = caveat(graph)
    if note:
        title.append("\n" + note, style="dim")
    root = Tree(title)
    shown: set[int] = set()

    def label(n: Node) -> Text:
        if n.leaf and n.requires_grad:
            text = Text(n.name, style="bold")
            text.append("  " + _leaf_text(n)[len(n.name) + 2:])
            return text
        if n.leaf:
            return Text(_leaf_text(n), style="dim")
        text = Text(n.name, style="bold")
        text.append(f" = {n.expression}")
        if n.backward:
            text.append("  ")
            text.append(n.backward, style="cyan")
        text.append(f"  shape {shape_text(n)}")
        return text

    # An explicit stack, not recursion: deep programs make deep graphs.
    for out in graph.outputs.values():
        stack = [(out, root)]
        while stack:
            n, parent = stack.pop()
            if n.index in shown and not n.leaf:
                parent.add(Text(f"{n.name} (shown above)", style="dim"))
                continue
            branch = parent.add(label(n))
            shown.add(n.index)
            for inp in reversed(n.inputs):
                stack.append((inp, branch))
    return root


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(graph: Graph) -> str:
    """Graphviz DOT: data flows down, from the inputs to the outputs."""
    outputs = {n.index for n in graph.outputs.values()}
    lines = ["digraph gradcli {", '  graph [rankdir=TB, fontname="Helvetica"];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];']
    for n in graph.nodes:
        shape = "?" if n.shape is None else ("x".join(map(str, n.shape)) or "scalar")
        if n.leaf:
            text, color = f"{n.name}\n{shape}\nleaf, requires_grad", "lightblue"
        else:
            text = "\n".join([f"{n.name} = {n.expression}"] + ([n.backward] if n.backward else [])
                             + [shape])
            color = "darkolivegreen1" if n.index in outputs else "lightgrey"
        lines.append(f"  n{n.index} [label={_quote(text)}, fillcolor={color}];")
    for n in graph.nodes:
        for inp in n.inputs:
            if inp.requires_grad:
                lines.append(f"  n{inp.index} -> n{n.index};")
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
