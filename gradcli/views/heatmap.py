"""Big matrices (Jacobians, Hessians) for a person: a summary, a heat map, the part that fits.

A 40 x 40 Jacobian does not fit 80 columns as numbers. What does fit:
- `summary`: shape, nonzeros, the largest |entry| and where, the Frobenius norm;
- `HeatMap`: a Rich renderable, one cell per entry when the matrix fits the width, else one
  character per block of entries (the block's largest |entry|; `·` where the block is all zero,
  so the same picture is the sparsity map), coloured by sign, shaded by magnitude, labelled with
  row and column ranges, with a legend;
- (the top-left corner that fits with every number whole is io/tables.py's, which lays out
  every table of numbers);
- `write_svg` / `write_png`: matplotlib's imshow on a diverging map centred on 0 with a colour bar,
  or coloured squares at the nonzeros (spy-style) for a large, very sparse matrix.
"""
from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from ..errors import GradcliError

# Shades by |entry| / max |entry|, largest first: magnitudes over decades stay visible
# (a linear scale would show a 1e-3 entry beside a 1 as nothing at all).
LEVELS = ((0.5, "█"), (0.1, "▓"), (0.01, "▒"), (0.0, "░"))
ZERO = "·"
POSITIVE, NEGATIVE = "red", "blue"  # as the files' diverging map (RdBu_r)
SPY_DENSITY = 0.05  # below this share of nonzeros (and 2,500 entries), files draw squares at nonzeros


def summary(matrix) -> dict:
    """{'shape', 'nonzeros', 'largest': {'value', 'row', 'col'} or None, 'norm'} (finite entries)."""
    a = np.asarray(matrix, dtype=np.float64)
    a = a.reshape(a.shape[0] if a.ndim else 1, -1) if a.ndim != 2 else a
    finite = np.where(np.isfinite(a), a, 0.0)
    largest = None
    if a.size and np.any(finite != 0):
        i, j = np.unravel_index(int(np.argmax(np.abs(finite))), a.shape)
        largest = {"value": float(a[i, j]), "row": int(i), "col": int(j)}
    return {"shape": [int(a.shape[0]), int(a.shape[1])],
            "nonzeros": int(np.count_nonzero(a)),  # NaN counts: it is not a structural zero
            "largest": largest,
            "norm": float(np.sqrt(np.sum(finite * finite)))}


def summary_line(matrix, rows=None, cols=None) -> str:
    """One line: '40 x 40, 118 nonzeros (7.4%), largest |entry| 96 at [3, 3] (out[3], a[3]), norm 1.2e+02'."""
    s = summary(matrix)
    m, n = s["shape"]
    share = f" ({100 * s['nonzeros'] / (m * n):.3g}%)" if m * n else ""
    text = f"{m} x {n}, {s['nonzeros']} nonzeros{share}"
    if s["largest"] is not None:
        big = s["largest"]
        where = f"[{big['row']}, {big['col']}]"
        if rows is not None and cols is not None:
            where += f" ({rows[big['row']]}, {cols[big['col']]})"
        text += f", largest |entry| {abs(big['value']):.6g} at {where}"
    return text + f", Frobenius norm {s['norm']:.6g}"


# -- the terminal heat map ------------------------------------------------------------------------

def _shade(value: float, scale: float) -> str:
    if value == 0 or scale == 0:
        return ZERO
    if not math.isfinite(value):
        return "?"
    ratio = abs(value) / scale
    return next(glyph for bound, glyph in LEVELS if ratio >= bound)


def _block_extremes(a: np.ndarray, row_edges, col_edges) -> np.ndarray:
    """For each block, its entry of largest |value| (signed), 0 where the block is all zero."""
    out = np.zeros((len(row_edges) - 1, len(col_edges) - 1))
    finite = np.where(np.isfinite(a), a, np.nan)
    for bi in range(len(row_edges) - 1):
        band = finite[row_edges[bi]:row_edges[bi + 1]]
        for bj in range(len(col_edges) - 1):
            block = band[:, col_edges[bj]:col_edges[bj + 1]]
            if block.size == 0:
                continue
            mags = np.abs(block)
            if np.all(np.isnan(mags)):
                out[bi, bj] = np.nan
                continue
            k = int(np.nanargmax(mags))
            out[bi, bj] = block.reshape(-1)[k]
    return out


def _edges(count: int, parts: int) -> list[int]:
    """Split range(count) into at most `parts` consecutive blocks of one size (the last may be
    smaller): uneven blocks would stretch some rows or columns of the picture."""
    step = -(-count // parts)
    return list(range(0, count, step)) + [count]


class HeatMap:
    """A Rich renderable: the matrix as coloured, shaded cells that fit `width` columns.

    rows/cols: labels of the rows and columns (else indices); max_rows: terminal lines for the
    cells, beyond which rows are drawn in blocks as the columns are.
    """

    def __init__(self, matrix, rows=None, cols=None, *, width: int = 80, max_rows: int = 40,
                 title: str | None = None):
        a = np.asarray(matrix, dtype=np.float64)
        self.matrix = a.reshape(a.shape[0] if a.ndim else 1, -1) if a.ndim != 2 else a
        self.rows, self.cols = rows, cols
        self.width, self.max_rows, self.title = max(20, width), max(4, max_rows), title

    def lines(self, color: bool) -> list:
        """The picture as Rich Text lines (plain glyphs carry sign and size without colour)."""
        from rich.text import Text  # noqa: PLC0415
        a = self.matrix
        m, n = a.shape
        finite = np.abs(a[np.isfinite(a)])
        scale = float(finite.max()) if finite.size else 0.0
        row_labels = self._row_labels()
        label_w = max((len(t) for t in row_labels), default=0)
        room = self.width - label_w - 3  # "label │cells│"
        cell = 2 if 2 * n <= room else 1
        if n * cell <= room:
            col_edges = list(range(n + 1))
        else:
            col_edges, cell = _edges(n, max(1, room)), 1
        if m <= self.max_rows:
            row_edges = list(range(m + 1))
        else:
            row_edges = _edges(m, self.max_rows)
            row_labels = self._row_labels(row_edges)
            label_w = max(len(t) for t in row_labels)
        blocked = len(col_edges) - 1 < n or len(row_edges) - 1 < m
        values = _block_extremes(a, row_edges, col_edges) if blocked else a
        out = []
        if self.title:
            out.append(Text(self.title, style="bold"))  # long lines wrap (between words), never cut
        out.append(Text(" " * (label_w + 2) + self._ruler(col_edges, cell)))
        for label, row in zip(row_labels, values):
            line = Text(label.rjust(label_w) + " │")
            run, run_style = "", None  # cells of one style as one span: a line of 70 cells
            for v in row:              # stays one or two escape codes, not 70
                glyph = _shade(float(v), scale)
                if color:
                    style = "dim" if glyph == ZERO else (POSITIVE if v > 0 else NEGATIVE)
                    if style != run_style and run:
                        line.append(run, style=run_style)
                        run = ""
                    run, run_style = run + glyph * cell, style
                elif cell == 2:  # no colour: the sign as the second character
                    line.append(glyph + (" " if glyph == ZERO else "+" if v > 0 else "-"))
                else:  # no colour, no room: the magnitude alone (the legend says where signs are)
                    line.append(glyph)
            if run:
                line.append(run, style=run_style)
            line.append("│")
            out.append(line)
        out.extend(Text(t, style="dim") for t in self._legend(blocked, row_edges, col_edges, cell, color))
        return out

    def _row_labels(self, edges=None) -> list[str]:
        m = self.matrix.shape[0]
        if edges is None:
            labels = [str(r) for r in self.rows] if self.rows is not None else [str(i) for i in range(m)]
            return [_fit(t, 14) for t in labels]
        return [f"{lo}-{hi - 1}" if hi - lo > 1 else str(lo) for lo, hi in pairwise(edges)]

    def _ruler(self, col_edges, cell) -> str:
        """Column indices every few characters: where they fall, which column starts there."""
        chars = (len(col_edges) - 1) * cell
        ruler = [" "] * chars
        pos = 0
        while pos < chars:
            text = str(col_edges[pos // cell])
            if pos + len(text) > chars:
                break
            ruler[pos:pos + len(text)] = text
            pos += max(len(text) + 2, 6)
            pos -= pos % cell
        return "".join(ruler)

    def _legend(self, blocked, row_edges, col_edges, cell, color) -> list[str]:
        m, n = self.matrix.shape
        shades = "  ".join(f"{g} ≥{bound:g}" if bound else f"{g} smaller" for bound, g in LEVELS)
        sign = ("red +, blue −" if color else
                "+/- after the shade: the sign" if cell == 2 else "signs: in colour, or --svg FILE")
        lines = [f"{ZERO} 0   {shades} of max |entry|", sign]
        if blocked:
            bh = max(b - a for a, b in pairwise(row_edges))
            bw = max(b - a for a, b in pairwise(col_edges))
            lines.append(f"each cell: a block of up to {bh} x {bw} entries, shaded by its "
                         "largest |entry|")
        lines.append(f"rows 0-{m - 1} down, columns 0-{n - 1} across (column numbers on top)")
        return lines

    def __rich_console__(self, console, options):
        width = min(self.width, options.max_width)
        if width != self.width:
            self.width = width
        yield from self.lines(console.color_system is not None and not console.no_color)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(0, width - 1)] + "…"


# -- files (matplotlib) ---------------------------------------------------------------------------

def write_svg(matrix, path: str, rows=None, cols=None, title: str | None = None) -> None:
    write_figure(matrix, path, "svg", rows, cols, title)


def write_png(matrix, path: str, rows=None, cols=None, title: str | None = None) -> None:
    write_figure(matrix, path, "png", rows, cols, title)


def write_figure(matrix, path: str, fmt: str, rows=None, cols=None, title: str | None = None,
                 *, coordinates=None) -> None:
    """The heat map to a file: diverging colours centred on 0, a colour bar, labelled axes.

    coordinates: (row, col, value, shape) of a sparse matrix, drawn without densifying it.
    """
    from .plot import pyplot, save_figure  # noqa: PLC0415 - one place knows how to get matplotlib
    plt = pyplot()
    if coordinates is None:
        a = np.asarray(matrix, dtype=np.float64)
        a = a.reshape(a.shape[0] if a.ndim else 1, -1) if a.ndim != 2 else a
        shape = a.shape
        r, c = np.nonzero(a)
        v = a[r, c]
        spy = a.size > 2500 and r.size < SPY_DENSITY * a.size
    else:
        r, c, v, shape = (np.asarray(coordinates[0], dtype=int), np.asarray(coordinates[1], dtype=int),
                          np.asarray(coordinates[2], dtype=np.float64), tuple(coordinates[3]))
        a, spy = None, True
    m, n = shape
    finite = np.abs(v[np.isfinite(v)])
    vmax = float(finite.max()) if finite.size else 1.0
    vmax = vmax or 1.0
    with plt.rc_context({"svg.fonttype": "none"}):
        side = min(9.0, 3.0 + 0.12 * max(m, n))
        fig, ax = plt.subplots(figsize=(side + 1.4, side), layout="constrained")
        cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.6")
        if spy:
            size = max(1.0, (300.0 / max(m, n)) ** 2)
            image = ax.scatter(c, r, c=v, cmap=cmap, vmin=-vmax, vmax=vmax, marker="s", s=size,
                               linewidths=0)
            ax.set_xlim(-0.5, n - 0.5)
            ax.set_ylim(m - 0.5, -0.5)
            ax.set_aspect("equal" if max(m, n) <= 20 * min(m, n) else "auto")
            ax.set_facecolor("white")
            ax.set_title((title + "\n" if title else "") + f"{r.size} nonzeros of {m} x {n}",
                         fontsize=11)
        else:
            image = ax.imshow(a, cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest",
                              aspect="equal" if max(m, n) <= 20 * min(m, n) else "auto")
            if title:
                ax.set_title(title, fontsize=11)
        _label_ticks(ax, rows, cols, m, n)
        ax.set_xlabel("column" + (" (input element)" if cols is not None else ""))
        ax.set_ylabel("row" + (" (output element)" if rows is not None else ""))
        fig.colorbar(image, ax=ax, shrink=0.8, label="entry (0 = white)")
        save_figure(fig, path, fmt)
    plt.close(fig)


def _label_ticks(ax, rows, cols, m, n) -> None:
    """Names at every row/column when few (a[0], out[1]), else matplotlib's own index ticks."""
    if cols is not None and n <= 30:
        ax.set_xticks(range(n), [str(t) for t in cols], rotation=90 if n > 6 else 0)
    if rows is not None and m <= 30:
        ax.set_yticks(range(m), [str(t) for t in rows])


def draw_result(result: dict, svg: str | None = None, png: str | None = None) -> dict:
    """The matrix of a jacobian/hessian result drawn to the files asked for; the result as it was."""
    import sys  # noqa: PLC0415
    if "hvp" in result:
        raise GradcliError("--svg/--png draw the Hessian matrix; with --tangent there is only H v",
                           kind="usage")
    what = "Hessian" if "hessian" in result else "Jacobian"
    rows, cols = result.get("rows"), result.get("cols")
    sparse = result.get("sparse")
    matrix = result.get("matrix")
    if matrix is not None and np.ndim(matrix) != 2:
        raise GradcliError("--svg/--png draw one matrix; this result has one per output element",
                           kind="usage", hint="pick a scalar output with --output NAME")
    for path, fmt in ((svg, "svg"), (png, "png")):
        if not path:
            continue
        if sparse is not None:
            write_figure(None, path, fmt, rows, cols, what, coordinates=(
                sparse["row"], sparse["col"], sparse["value"], sparse["shape"]))
        else:
            write_figure(matrix, path, fmt, rows, cols, f"{what} ({' x '.join(map(str, np.shape(matrix)))})")
        sys.stderr.write(f"gradcli: wrote {path}\n")
    return result
