"""The commands that show the mathematics: symbolic, explain, check, graph.

JSON documents (--json), beyond the shared `inputs`/`outputs`:
- symbolic: "format" ("sympy" or "latex"), "symbols" {input: names}, "outputs" {name: formula},
  "jacobian" {out: {in: formulas shaped out.shape + in.shape}}, "matrix", "rows", "cols";
  with values (--at, or defaults): "inputs", "values" (the formulas evaluated),
  "autograd" (the engine's outputs and matrix), "max_abs_error", "agree".
- explain: "gradient", "vjp" {"v", "matrix", "rows", "cols", "terms", "product", "text"},
  "steps" [{node, expression, op, backward, shape, value, incoming, sends: [{to, local,
  local_value?, value, accumulated?: {before, after}}]}], "grad".
- check: "ok", "method", "eps", "atol", "rtol", "jacobian_entries", "max_abs_error",
  "comparisons" [{name, ok, entries, failed, max_abs_error}], "worst" [{comparison, entry,
  autograd, reference, abs_error, ok}].
- graph: "nodes" [{name, op, backward, shape, leaf, requires_grad, ...}], "edges" [[from, to]],
  "outputs".

Registered on the Typer app by cli/app.py. Each command is thin: options -> a library module -> text or JSON. SymPy is
imported by `symbolic` only, Graphviz is run by `graph --svg` only.
"""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from ..errors import GradcliError
from .options import (
    At,
    Device,
    Dtype,
    Inputs,
    Json,
    Outputs,
    Precision,
    ProgramFile,
    Programs,
    Seed,
    Wrt,
    _common,
    computation,
    input_values,
    read_program,
)

Gradient = Annotated[Optional[list[str]], typer.Option(
    "--gradient", metavar="V", help="v in out.backward(v): flat, nested or NAME=VALUE (default 1 for a scalar)")]


def _emit_json(doc: dict) -> None:
    from ..core import backend  # noqa: PLC0415
    from ..io.render import to_json  # noqa: PLC0415
    text, nonfinite = to_json(doc)
    if nonfinite:
        backend.warn('the result holds NaN or inf, written as "NaN", "Infinity", "-Infinity"')
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _warnings() -> None:
    from ..core import backend  # noqa: PLC0415
    for message in backend.watch.messages():
        backend.warn(message)


def _console():
    from rich.console import Console  # noqa: PLC0415
    return Console(highlight=False)


# -- symbolic ------------------------------------------------------------------------------------

def symbolic(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
             output: Outputs = None, wrt: Wrt = None,
             latex: Annotated[bool, typer.Option("--latex", help="LaTeX instead of pretty text")] = False,
             json: Json = False, seed: Seed = 0, precision: Precision = 6):
    """The outputs and every derivative as formulas (SymPy); with --at, checked against autograd.

    Inputs are scalars unless --at gives them a shape; tensor elements become
    symbols a[0,1] (a_{0,1} in LaTeX). Up to 400 elements per tensor.
    """
    from ..api import _names  # noqa: PLC0415
    from ..core import backend  # noqa: PLC0415
    from ..lang.program import Program  # noqa: PLC0415
    from ..views import symbolic as sym  # noqa: PLC0415 - SymPy is loaded here and nowhere else
    opts = _common(locals())
    prog = Program(read_program(opts))
    comp = None
    with backend.watch:
        if opts.at or opts.inputs or all(i.default is not None for i in prog.inputs.values()):
            comp = computation(opts)
            prog = comp.program  # as the values see it: `--at e=2` makes e an input
        shapes = {n: t.shape for n, t in comp.inputs.items()} if comp else {}
        wrt_names = comp.wrt if comp else (_names(opts.wrt) or prog.input_names)
        for name in wrt_names:
            if name not in prog.inputs:
                raise GradcliError(f"--wrt: {name!r} is not an input of the program", kind="input")
        out_names = comp.output_names if comp else (_names(opts.output) or prog.default_outputs)
        try:
            result = sym.symbolic(prog, shapes, wrt_names, out_names)
        except GradcliError as exc:
            if comp is None and exc.kind in ("shape", "index"):
                exc.hint = "without --at every input is a scalar; give --at values for their shapes"
            raise
        doc = _symbolic_doc(result, latex)
        if comp is not None:
            doc.update(_symbolic_values(sym, result, comp))
    _warnings()
    if json:
        _emit_json(doc)
    else:
        _symbolic_text(sym, result, doc, latex, precision)
    if comp is not None and not doc["agree"]:
        backend.warn(f"the formulas and autograd differ by up to {doc['max_abs_error']:.3g} here")


def _strings(array, render) -> object:
    import numpy as np  # noqa: PLC0415
    a = np.asarray(array, dtype=object)
    out = np.vectorize(render, otypes=[object])(a) if a.size else a
    return out.tolist() if a.ndim else render(a[()])


def _symbolic_doc(result: dict, latex: bool) -> dict:
    import sympy as sp  # noqa: PLC0415
    symbols = [s for arr in result["symbols"].values() for s in arr.reshape(-1)]
    names = _latex_names(symbols)
    render = (lambda e: sp.latex(e, symbol_names=names)) if latex else (lambda e: str(e))
    return {
        "format": "latex" if latex else "sympy",
        "symbols": {n: _strings(a, render) for n, a in result["symbols"].items()},
        "outputs": {n: _strings(a, render) for n, a in result["outputs"].items()},
        "jacobian": {o: {i: _strings(b, render) for i, b in row.items()}
                     for o, row in result["jacobian"].items()},
        "matrix": [[render(result["matrix"][r, c]) for c in range(result["matrix"].cols)]
                   for r in range(result["matrix"].rows)],
        "rows": result["rows"], "cols": result["cols"],
    }


def _latex_names(symbols) -> dict:
    from ..views.symbolic import latex_names  # noqa: PLC0415
    return latex_names(symbols)


def _symbolic_values(sym, result: dict, comp) -> dict:
    """Each formula evaluated at the --at point, beside autograd's value."""
    import numpy as np  # noqa: PLC0415
    values = {n: np.asarray(v) for n, v in comp._inputs_dict().items()}
    subs = sym.substitutions(result["symbols"], values)
    formula_outputs = {n: np.vectorize(lambda e: sym.evaluate_at(e, subs), otypes=[float])(a)
                       if a.size else np.zeros(a.shape) for n, a in result["outputs"].items()}
    M = result["matrix"]
    formula_matrix = np.array([[sym.evaluate_at(M[r, c], subs) for c in range(M.cols)]
                               for r in range(M.rows)], dtype=float).reshape(M.rows, M.cols)
    auto = comp.jacobian("reverse") if comp.wrt else comp.evaluate()
    auto_matrix = np.asarray(auto.get("matrix", np.zeros((M.rows, 0))), dtype=float)
    errors = [np.abs(np.asarray(formula_outputs[n], dtype=float) - auto["outputs"][n]).reshape(-1)
              for n in formula_outputs]
    errors.append(np.abs(formula_matrix - auto_matrix).reshape(-1))
    flat = np.concatenate(errors) if errors else np.zeros(0)
    both_nan = np.concatenate([np.isnan(np.asarray(formula_outputs[n], dtype=float)).reshape(-1)
                               & np.isnan(auto["outputs"][n]).reshape(-1) for n in formula_outputs]
                              + [(np.isnan(formula_matrix) & np.isnan(auto_matrix)).reshape(-1)])
    flat = np.where(both_nan, 0.0, flat)
    flat = np.where(np.isnan(flat), np.inf, flat)
    scale = np.concatenate([np.abs(auto["outputs"][n]).reshape(-1) for n in formula_outputs]
                           + [np.abs(auto_matrix).reshape(-1)])
    max_err = float(flat.max()) if flat.size else 0.0
    agree = bool(np.all(flat <= 1e-9 * (1 + np.nan_to_num(scale, posinf=0.0))))
    return {"inputs": values,
            "values": {"outputs": formula_outputs, "matrix": formula_matrix},
            "autograd": {"outputs": auto["outputs"], "matrix": auto_matrix},
            "max_abs_error": max_err, "agree": agree}


def _display(array):
    """An object array as something SymPy prints well: an expression, a Matrix, an N-d Array."""
    import sympy as sp  # noqa: PLC0415
    if array.ndim == 0:
        return array[()]
    if array.ndim == 1:
        return sp.Matrix([list(array)])
    if array.ndim == 2:
        return sp.Matrix(array.tolist())
    return sp.Array(array.tolist())


def _symbolic_text(sym, result: dict, doc: dict, latex: bool, precision: int) -> None:
    import shutil  # noqa: PLC0415

    import sympy as sp  # noqa: PLC0415
    width = max(40, min(shutil.get_terminal_size((80, 24)).columns, 200))
    unicode = (sys.stdout.encoding or "").lower().replace("-", "") in ("utf8", "utf16", "utf32")
    symbols = [s for arr in result["symbols"].values() for s in arr.reshape(-1)]
    names = sym.latex_names(symbols)

    def show(expr) -> str:
        if latex:
            return sp.latex(expr, symbol_names=names)
        return sp.pretty(expr, use_unicode=unicode, num_columns=width)

    def block(title: str, expr) -> list[str]:
        text = show(expr)
        if "\n" not in text and len(title) + len(text) + 3 <= width:
            return [f"{title} = {text}"]
        return [f"{title} =", *("    " + line for line in text.split("\n"))]

    partial = "∂" if unicode else "d"
    lines = ["outputs:"]
    for name, array in result["outputs"].items():
        lines += block("  " + name, _display(array))
    derivatives = []
    for oname, row in result["jacobian"].items():
        for iname, b in row.items():
            if b.ndim <= 2:  # higher blocks read better as rows of the Jacobian below
                derivatives += block(f"  {partial}{oname}/{partial}{iname}", _display(b))
    pairs = [b for row in result["jacobian"].values() for b in row.values()]
    if len(pairs) == 1 and pairs[0].ndim == 2:
        derivatives = []  # the same matrix as the Jacobian below
    if derivatives:
        lines += ["", "derivatives:", *derivatives]
    lines += ["", f"Jacobian (rows: {', '.join(result['rows'])}; columns: {', '.join(result['cols'])}):"]
    lines += ["    " + line for line in show(result["matrix"]).split("\n")]
    sys.stdout.write("\n".join(lines) + "\n")
    if "values" in doc:
        _values_table(doc, precision)
    sys.stdout.flush()


def _values_table(doc: dict, precision: int) -> None:
    import numpy as np  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415
    table = Table(title="at the given point: formula vs autograd", title_justify="left")
    for col in ("value", "formula", "autograd", "|difference|"):
        table.add_column(col, justify="left" if col == "value" else "right")

    def add(label, a, b):
        table.add_row(label, f"{a:.{precision}g}", f"{b:.{precision}g}",
                      "0" if a == b else f"{abs(a - b):.2g}")
    for name, value in doc["values"]["outputs"].items():
        flat_f = np.asarray(value, dtype=float).reshape(-1)
        flat_a = np.asarray(doc["autograd"]["outputs"][name], dtype=float).reshape(-1)
        shape = np.shape(value)
        for k, idx in enumerate(np.ndindex(*shape)):
            add(name + (f"[{','.join(map(str, idx))}]" if shape else ""), flat_f[k], flat_a[k])
    F, A = doc["values"]["matrix"], doc["autograd"]["matrix"]
    for r, row in enumerate(doc["rows"]):
        for c, col in enumerate(doc["cols"]):
            add(f"d {row} / d {col}", F[r, c], A[r, c])
    console = _console()
    console.print(table)
    console.print("the formulas agree with autograd" if doc["agree"] else
                  f"the formulas and autograd DIFFER (max {doc['max_abs_error']:.3g})")


# -- explain -------------------------------------------------------------------------------------

def explain(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
            output: Outputs = None, wrt: Wrt = None, gradient: Gradient = None, json: Json = False,
            dtype: Dtype = "float64", seed: Seed = 0, precision: Precision = 6):
    """The chain rule step by step: vᵀJ element by element, then the backward pass node by node."""
    from ..core import backend, engine  # noqa: PLC0415
    from ..views.explain import explain as run_explain  # noqa: PLC0415
    from ..views.explain import text
    opts = _common(locals())
    with backend.watch:
        with engine.keeping_values():  # it shows every node's value, read by a rule or not
            comp = computation(opts)
        result = run_explain(comp, gradient, precision)
    _warnings()
    if json:
        doc = dict(result)
        doc["vjp"] = {**result["vjp"], "text": _product_text(result, precision)}
        _emit_json(doc)
    else:
        sys.stdout.write(text(result, precision) + "\n")
        sys.stdout.flush()


def _product_text(result, precision):
    from ..views.explain import product_text  # noqa: PLC0415
    return product_text(result["vjp"], precision)


# -- check ---------------------------------------------------------------------------------------

def check(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
          output: Outputs = None, wrt: Wrt = None,
          eps: Annotated[float, typer.Option("--eps", metavar="H", help="finite-difference step")] = 1e-6,
          atol: Annotated[float, typer.Option("--atol", metavar="TOL", help="absolute tolerance")] = 1e-5,
          rtol: Annotated[float, typer.Option("--rtol", metavar="TOL", help="relative tolerance")] = 1e-3,
          json: Json = False, seed: Seed = 0, precision: Precision = 6):
    """Autograd against central finite differences in float64 (like torch.autograd.gradcheck).

    Exit 0 when they agree, 1 with the worst entries when they do not.
    """
    from ..core import backend  # noqa: PLC0415
    from ..views.checking import check as run_check  # noqa: PLC0415
    from ..views.checking import failure, tables
    if not eps > 0:
        raise GradcliError(f"--eps must be positive, got {eps}", kind="usage")
    opts = _common(locals())
    opts.dtype = "float64"  # finite differences need the precision
    with backend.watch:
        result = run_check(computation(opts), eps=eps, atol=atol, rtol=rtol, seed=seed)
    backend.watch.messages()  # overflow at a perturbed point is expected, not news
    if json:
        _emit_json(result)
    else:
        tables(result, precision, _console())
        sys.stdout.flush()
    if not result["ok"]:
        raise failure(result)


# -- graph ---------------------------------------------------------------------------------------

def graph(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
          output: Outputs = None, wrt: Wrt = None,
          dot: Annotated[bool, typer.Option("--dot", help="print Graphviz DOT instead of a tree")] = False,
          svg: Annotated[Optional[str], typer.Option(
              "--svg", metavar="FILE.svg", help="render to FILE.svg with Graphviz's dot program")] = None,
          json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0):
    """The computation graph: ops, PyTorch backward names, shapes, leaves.

    Without --at values the structure is still drawn: inputs are evaluated as the scalar 1.0
    (shapes shown as ?), or, where a program needs real shapes (mm(a, w)), read from its text.
    """
    from ..core import backend  # noqa: PLC0415
    from ..lang.program import Program  # noqa: PLC0415
    from ..views import graphview  # noqa: PLC0415
    opts = _common(locals())
    values = input_values(opts)
    prog = Program(read_program(opts)).given(values)
    missing = [n for n, i in prog.inputs.items() if i.default is None and n not in values]
    with backend.watch:
        drawn = _recorded_graph(opts, values, missing)
        if drawn is None:  # placeholder scalars cannot run it: the structure from the text
            from ..api import _names  # noqa: PLC0415
            from ..views.graphsource import from_program  # noqa: PLC0415
            drawn = from_program(prog, _names(opts.wrt), _names(opts.output), missing)
        dot_text = graphview.dot(drawn) if (dot or svg) else None
    backend.watch.messages()  # the placeholder values may overflow; only shapes matter here
    if svg:
        graphview.svg(dot_text, svg)
        sys.stderr.write(f"gradcli: wrote {svg}\n")
    if json:
        _emit_json(graphview.as_data(drawn))
    elif dot:
        sys.stdout.write(dot_text)
    elif not svg and graphview.depth(drawn) > graphview.MAX_TREE_DEPTH:
        sys.stdout.write(graphview.listing(drawn))
    elif not svg:
        _console().print(graphview.tree(drawn))
    sys.stdout.flush()


# Errors that a placeholder scalar can cause and a value of the right shape would not.
_SHAPE_KINDS = ("shape", "index", "argument", "value")


def _recorded_graph(opts, values: dict, missing: list):
    """The graph recorded by evaluating, with the scalar 1.0 for each input without a value;
    None when those placeholders cannot run the program (it needs their real shapes)."""
    from ..api import Computation  # noqa: PLC0415
    from ..views import graphview  # noqa: PLC0415
    try:
        comp = Computation(read_program(opts), {**values, **{n: "1" for n in missing}}, wrt=opts.wrt,
                           outputs=opts.output, dtype=opts.dtype, seed=opts.seed, device=opts.device)
    except GradcliError as exc:
        if missing and exc.kind in _SHAPE_KINDS:
            return None
        raise
    return graphview.from_computation(comp, missing)
