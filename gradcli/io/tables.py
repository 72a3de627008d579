"""Results as Rich tables for a person, laid out so that no number is ever cut.

A table cell that Rich squeezes shows `0.02…`: part of a number, which reads as a number.
So the layout is decided here, not left to Rich: values in sections wrap between elements
(never inside one); a matrix keeps its numbers whole and shows as many columns as fit the
console, with a note of those left out, and a shared power of ten when every entry needs an
exponent (`× 1e-05`, as PyTorch prints); a console too narrow for any table gets plain lines
that the terminal wraps. Every cell is `Text`, never markup: `[nan, 1]` is a value, not a style.

Big results are shown as what a person can take in, with a word on how to get all of it:
- a value of more than 60 numbers (a 500 x 10 data matrix), or an input longer than a few
  lines, is summarised: min, max, mean;
- a matrix wider or taller than the console is a picture (views/heatmap.py): its summary (shape,
  nonzeros, largest |entry|, norm), a heat map that fits the width, then the top-left corner that
  fits with whole numbers, and pointers to --json/--save and --svg/--png.
"""
from __future__ import annotations

import math

import numpy as np
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

MIN_TABLE_WIDTH = 40  # narrower than this, tables give way to plain lines
MAX_ROWS = 40  # matrix rows shown; --json or --save has all of them
PART_ROWS = 20  # rows of a big matrix's corner under its heat map (the picture has the rest)
HEAT_ROWS = 24  # lines of a heat map; more rows are drawn in blocks
INPUT_LINES = 4  # an input longer than this is summarised: the answer comes first
ELIDED = 60  # NumPy elides arrays beyond this many elements: those are summarised, inputs or not
MAX_LINES = 400  # a console too narrow for one column lists a big matrix's entries up to this many
EVERYTHING = "--json or --save FILE.npz"


def fmt_number(x: float, precision: int) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{precision}g}"


def format_value(value, precision: int = 6, width: int = 60) -> str:
    """A value as NumPy prints it, lines at most `width` wide where the elements allow."""
    if value is None:
        return "None (not differentiated)"
    arr = np.asarray(value)
    if arr.ndim == 0:
        return fmt_number(float(arr), precision)
    with np.printoptions(precision=precision, threshold=60, edgeitems=3, linewidth=max(width, 20),
                         floatmode="maxprec", suppress=False):
        return np.array2string(arr, separator=", ",
                               formatter={"float_kind": lambda x: fmt_number(float(x), precision)})


def _shape_text(value) -> str:
    return "" if value is None else str(tuple(np.shape(value))).replace(",)", ")")


def _table_width(widths: list[int]) -> int:
    """The width Rich gives a table of columns this wide: padding 1 each side, a border between
    and around (the default box, edges shown)."""
    return sum(w + 2 for w in widths) + len(widths) + 1


# -- sections: name, shape, value ----------------------------------------------------------------

def section(console, title: str, rows: dict, precision: int, key_header: str = "name",
            value_header: str = "value", max_lines: int | None = None,
            everything: str = EVERYTHING) -> None:
    """A table of name, shape, value. A value NumPy would elide (over 60 elements), or longer
    than `max_lines` lines, is summarised, with a note after the table naming the values and
    what has all of them (`everything`)."""
    console.print(Text(title, style="bold"))
    shapes = {name: _shape_text(value) for name, value in rows.items()}
    key_w = max([cell_len(key_header)] + [cell_len(n) for n in rows])
    shape_w = max([cell_len("shape")] + [cell_len(s) for s in shapes.values()])
    value_w = console.width - _table_width([key_w, shape_w, 0])
    narrow = console.width < MIN_TABLE_WIDTH or value_w < 12
    width = max(20, console.width - 4) if narrow else value_w
    texts, summarised = {}, []
    for name, value in rows.items():
        text = format_value(value, precision, width)
        if value is not None and _too_long(value, text, max_lines):
            text = summary_text(value, precision)
            summarised.append(name)
        texts[name] = text
    if narrow:
        for name, text in texts.items():  # plain lines: the terminal wraps, nothing is cut
            console.print(Text(f"{name} {shapes[name]}".rstrip() + ":"), soft_wrap=True)
            for line in text.split("\n"):
                console.print(Text("  " + line), soft_wrap=True)
    else:
        table = Table(show_header=True, header_style="bold")
        table.add_column(key_header, style="cyan", no_wrap=True, min_width=key_w)
        table.add_column("shape", justify="right", no_wrap=True, min_width=shape_w)
        table.add_column(value_header, overflow="fold")  # wraps at the spaces between elements
        for name, text in texts.items():
            table.add_row(Text(name), Text(shapes[name]), Text(text))
        console.print(table)
    if summarised:
        which = ", ".join(summarised)
        console.print(Text(f"{which}: too long to print, so summarised; {everything} has every value",
                           style="dim"))


def _too_long(value, text: str, max_lines: int | None) -> bool:
    return np.size(value) > ELIDED or (max_lines is not None and text.count("\n") + 1 > max_lines)


def summary_text(value, precision: int) -> str:
    """'min -2.9, max 3.1, mean 0.013' (NaNs counted apart); booleans as counts."""
    a = np.asarray(value)
    if a.size == 0:
        return "empty"
    if a.dtype == bool:
        true = int(np.count_nonzero(a))
        return f"{true:,} True, {a.size - true:,} False"
    a = a.astype(np.float64, copy=False)
    nan = np.isnan(a)
    count = int(np.count_nonzero(nan))
    if count == a.size:
        return f"all {a.size:,} NaN"
    real = a[~nan] if count else a
    with np.errstate(all="ignore"):  # a mean of +inf and -inf is NaN, as it should read
        parts = [f"min {fmt_number(float(real.min()), precision)}",
                 f"max {fmt_number(float(real.max()), precision)}",
                 f"mean {fmt_number(float(real.mean()), precision)}"]
    if count:
        parts.append(f"{count:,} NaN")
    return ", ".join(parts)


# -- a matrix: labelled rows and columns ---------------------------------------------------------

def shared_exponent(values: np.ndarray, precision: int) -> int:
    """The power of ten to factor out when the largest entry would print with an exponent
    (as %g does below 1e-4 or from 10**precision on); 0 when none is needed."""
    finite = np.abs(values[np.isfinite(values)])
    finite = finite[finite > 0]
    if finite.size == 0:
        return 0
    e = math.floor(math.log10(float(finite.max())))
    return e if e < -4 or e >= precision else 0


def matrix_table(title: str, matrix, rows: list, cols: list, precision: int, console,
                 max_rows: int = MAX_ROWS) -> None:
    """The matrix as a table when it fits the console; else a picture of it (see big_matrix)."""
    matrix = np.asarray(matrix, dtype=np.float64).reshape(len(rows), len(cols))
    if len(rows) > max_rows or _fitting_columns(matrix[:max_rows], rows[:max_rows], cols, precision,
                                                console.width) < len(cols):
        return big_matrix(title, matrix, rows, cols, precision, console)
    console.print(Text(title, style="bold"))
    _corner(matrix, rows, cols, precision, console)


def big_matrix(title: str, matrix, rows: list, cols: list, precision: int, console) -> None:
    """Too big for the console as numbers: the summary, a heat map that fits the width, the
    corner that fits with whole numbers, and what has all of it."""
    from ..views.heatmap import HeatMap, summary_line  # noqa: PLC0415
    console.print(Text(title, style="bold"))
    console.print(Text(summary_line(matrix, rows, cols)))
    if console.width >= MIN_TABLE_WIDTH:
        console.print(HeatMap(matrix, rows, cols, width=console.width, max_rows=HEAT_ROWS))
    shown_rows = min(len(rows), PART_ROWS)
    fit = _fitting_columns(matrix[:shown_rows], rows[:shown_rows], cols, precision, console.width)
    if fit or shown_rows * len(cols) <= MAX_LINES:  # else one entry a line would be a flood
        fit = _corner(matrix[:shown_rows], rows[:shown_rows], cols, precision, console,
                      heading="the top-left corner, whole numbers:")
    notes = []
    if 0 < fit < len(cols):
        left = len(cols) - fit
        shown = f"column {cols[0]}" if fit == 1 else f"columns {cols[0]} to {cols[fit - 1]}"
        notes.append(f"{shown} shown; {left} more ({cols[fit]}"
                     f"{' to ' + cols[-1] if left > 1 else ''}) do not fit")
    if shown_rows < len(rows):
        notes.append(f"rows {rows[0]} to {rows[shown_rows - 1]} shown; {len(rows) - shown_rows} more")
    if notes:
        console.print(Text(f"{len(rows)} x {len(cols)}: " + "; ".join(notes), style="dim"))
    # One pointer a line: an option and its FILE are never wrapped apart.
    console.print(Text(f"all of it: {EVERYTHING}", style="dim"))
    console.print(Text("as a picture: --svg FILE.svg or --png FILE.png", style="dim"))


def _fitting_columns(matrix, rows, cols, precision: int, width: int) -> int:
    """How many leading columns fit a table `width` wide, every number whole."""
    label_w = max([0] + [cell_len(r) for r in rows])
    candidates = min(len(cols), max(0, (width - _table_width([label_w])) // 4))
    exponent = shared_exponent(matrix, precision)
    scaled = matrix[:, :candidates] / 10.0 ** exponent if exponent else matrix[:, :candidates]
    widths, fit = [label_w], 0
    for j in range(candidates):
        w = max([cell_len(cols[j])] + [cell_len(fmt_number(float(v), precision)) for v in scaled[:, j]])
        if _table_width(widths + [w]) > width:
            break
        widths.append(w)
        fit += 1
    return fit


def _corner(matrix, rows, cols, precision, console, heading: str | None = None) -> int:
    """The leading columns that fit, as a table (a shared power of ten when every entry needs an
    exponent), or one entry per line when not even one column fits; returns the columns shown."""
    fit = _fitting_columns(matrix, rows, cols, precision, console.width)
    if fit == 0 and cols:
        _matrix_lines(matrix, rows, cols, precision, console)
        return len(cols)
    if heading:
        console.print(Text(heading))
    exponent = shared_exponent(matrix, precision)
    scaled = matrix[:, :fit] / 10.0 ** exponent if exponent else matrix[:, :fit]
    if exponent:  # on a line of its own, never wrapped: the factor must be read whole
        console.print(Text(f"every entry times 1e{exponent:+03d}:", style="bold"), soft_wrap=True)
    table = Table(header_style="bold")
    table.add_column("", style="cyan", no_wrap=True)
    for j in range(fit):
        table.add_column(Text(cols[j]), justify="right", no_wrap=True)
    for i in range(len(rows)):
        table.add_row(Text(rows[i]), *(Text(fmt_number(float(v), precision)) for v in scaled[i]))
    console.print(table)
    return fit


def _matrix_lines(matrix, rows, cols, precision, console) -> None:
    """Too narrow for one column beside the labels: one entry per line, whole."""
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            console.print(Text(f"{r}, {c}: {fmt_number(float(matrix[i, j]), precision)}"),
                          soft_wrap=True)


def sparse_table(result, precision, console, max_rows: int = MAX_ROWS) -> None:
    """The nonzeros of a sparse Jacobian or Hessian, one per line, labelled."""
    sparse, rows, cols = result["sparse"], result["rows"], result["cols"]
    m, n = sparse["shape"]
    count = len(sparse["value"])
    how = (f"mode {result['mode']}" if "mode" in result else _count(result["colours"], "colour")) + \
        ", " + _count(result["passes"], "pass")
    title = "Jacobian" if "mode" in result else "Hessian"
    console.print(Text(f"{title}, sparse: {count} nonzeros of {m} x {n}  ({how})", style="bold"))
    shown = slice(0, max_rows)  # only what is shown becomes Python objects: there may be millions
    entries = [(rows[int(i)], cols[int(j)], fmt_number(float(v), precision))
               for i, j, v in zip(sparse["row"][shown], sparse["col"][shown], sparse["value"][shown])]
    widths = [max([cell_len(h)] + [cell_len(e[k]) for e in entries])
              for k, h in enumerate(("row", "col", "value"))]
    if _table_width(widths) > console.width:
        for r, c, v in entries:
            console.print(Text(f"{r}, {c}: {v}"), soft_wrap=True)
    else:
        table = Table(header_style="bold")
        for header, w in zip(("row", "col", "value"), widths):
            table.add_column(header, style="cyan" if header != "value" else None, no_wrap=True,
                             min_width=w, justify="right" if header == "value" else "left")
        for entry in entries:
            table.add_row(*(Text(e) for e in entry))
        console.print(table)
    if count > max_rows:
        console.print(Text(f"showing {max_rows} of {count}; --json or --save FILE.npz has all of "
                           "them", style="dim"))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "es" if noun.endswith("s") else "s")


def layers(matrix, result, precision, console, max_layers: int = 8) -> None:
    """The Hessians of a tensor output's elements, one table each (the first few)."""
    for label, layer in list(zip(result["elements"], matrix))[:max_layers]:
        matrix_table(f"Hessian of {label}", layer, result["rows"], result["cols"], precision, console)
    if matrix.shape[0] > max_layers:
        console.print(Text(f"{matrix.shape[0]} output elements: showing {max_layers}; --json or "
                           "--save FILE.npz has all of them", style="dim"))


def derivative_section(result, precision, console) -> None:
    """One row per output and order: d^k out / d wrt^k."""
    wrt = result["wrt"]
    rows = {(f"d{name}/d{wrt}" if k == 0 else f"d^{k + 1} {name}/d{wrt}^{k + 1}"): values[k]
            for name, values in result["derivatives"].items() for k in range(result["order"])}
    section(console, f"derivatives in {wrt}, orders 1 to {result['order']}", rows, precision,
            "derivative")


# -- the whole result ----------------------------------------------------------------------------

def tables(result: dict, precision: int, console) -> None:
    if result.get("inputs"):
        section(console, "inputs", result["inputs"], precision, max_lines=INPUT_LINES,
                everything="--json")  # the values given: --save keeps the results only
    if result.get("outputs"):
        section(console, "outputs", result["outputs"], precision)
    if result.get("gradient"):
        section(console, "gradient (the vector v in v^T J)", result["gradient"], precision, "output")
    if "grad" in result:
        section(console, "gradients", result["grad"], precision, "input", "grad")
    if result.get("tangent"):
        section(console, "tangent (the vector v)", result["tangent"], precision, "input")
    if "jvp" in result:
        section(console, "Jacobian-vector product", result["jvp"], precision, "output", "J v")
    if "hvp" in result:
        section(console, "Hessian-vector product", result["hvp"], precision, "input", "H v")
    if "derivatives" in result:
        derivative_section(result, precision, console)
    if result.get("sparse") is not None:
        sparse_table(result, precision, console)
    if result.get("matrix") is not None and result.get("rows") is not None:
        title = "Hessian" if "hessian" in result else "Jacobian"
        extra = f"  (mode {result['mode']}, {_count(result['passes'], 'pass')})" if "mode" in result else ""
        matrix = np.asarray(result["matrix"])
        if matrix.ndim == 3:  # one Hessian per output element
            layers(matrix, result, precision, console)
        else:
            matrix_table(title + extra, matrix, result["rows"], result["cols"], precision, console)
    for line in result.get("_notes", []):
        console.print(line)
