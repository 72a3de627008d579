"""gradcli plot: a function and its derivatives along one input (flags -> views.plot -> picture)."""
from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from .options import (
    At,
    Device,
    Dtype,
    Inputs,
    Json,
    Outputs,
    ProgramFile,
    Programs,
    Seed,
)


def plot(program: Programs = None, file: ProgramFile = None,
         over: Annotated[Optional[str], typer.Option(
             "--over", metavar="NAME=START:STOP[:N]",
             help="the input to sweep, from START to STOP in N samples (default 200; the terminal: "
                  "twice its width); START/STOP may be pi, -2*pi, 1e-3")] = None,
         at: At = None, inputs: Inputs = None, output: Outputs = None,
         order: Annotated[int, typer.Option(
             "--order", metavar="1|2", min=1, max=2, help="1: y and dy/dx; 2: also d²y/dx²")] = 1,
         svg: Annotated[Optional[str], typer.Option(
             "--svg", metavar="FILE.svg", help="draw to an SVG file (needs matplotlib)")] = None,
         png: Annotated[Optional[str], typer.Option(
             "--png", metavar="FILE.png", help="draw to a PNG file (needs matplotlib)")] = None,
         json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0):
    """Plot each scalar output and its derivatives along one input, the others fixed by --at."""
    from ..core import backend  # noqa: PLC0415
    from ..errors import GradcliError  # noqa: PLC0415
    from ..views import plot as views  # noqa: PLC0415
    from .options import Common, input_values, read_program  # noqa: PLC0415
    if over is None:
        raise GradcliError("plot needs --over NAME=START:STOP[:N]: the input to sweep",
                           kind="usage", hint='gradcli plot "y = sin(x)" --over x=-pi:pi')
    sweep = views.parse_over(over)
    if svg or png:
        views.pyplot()  # say that matplotlib is missing before computing anything
    draw_here = not (json or svg or png)
    width, height = _terminal_size()
    if draw_here and sweep.n is None:
        sweep = views.Sweep(sweep.name, sweep.start, sweep.stop, max(2, 2 * width))  # 2 dots a cell
    opts = Common(program=program, file=file, at=at, inputs=inputs)
    with backend.watch:
        samples = views.sample(read_program(opts), input_values(opts), sweep, order=order,
                               outputs=output, dtype=dtype, seed=seed, device=device)
    for message in backend.watch.messages():
        backend.warn(message)
    if samples.skipped:
        backend.warn(f"not plotted (not scalars): {', '.join(samples.skipped)}; --output picks "
                     "outputs")
    panels = views.layout(samples, _title(read_program(opts)))
    for path, fmt in ((svg, "svg"), (png, "png")):
        if path:
            views.write_figure(panels, samples.x, path, fmt)
            sys.stderr.write(f"gradcli: wrote {path}\n")
    if json:
        from ..io.render import to_json  # noqa: PLC0415
        text, nonfinite = to_json(samples.to_result())
        if nonfinite:
            backend.warn('the result holds NaN or inf, written as "NaN", "Infinity", "-Infinity"')
        sys.stdout.write(text + "\n")
    if draw_here:
        # one screen for one output; several outputs scroll, each still readable
        per_panel = max(14, min(28, (height - 2) // len(panels)))
        sys.stdout.write(views.terminal(panels, samples.x, width, per_panel, _color()))
    sys.stdout.flush()


def _title(text: str) -> str:
    """The program on one line, as the plot's title."""
    return "; ".join(line.strip() for line in text.replace(";", "\n").splitlines()
                     if line.strip() and not line.strip().startswith("#"))


def _terminal_size() -> tuple[int, int]:
    """COLUMNS/LINES, else the terminal's, else 80x24 (a pipe)."""
    import shutil  # noqa: PLC0415
    size = shutil.get_terminal_size((80, 24))
    return max(40, size.columns), max(16, size.lines)


def _color() -> bool:
    """Colour for a person at a terminal; never into a pipe or a file, nor with NO_COLOR set."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


# -- heat maps of jacobian/hessian: the options and the step after the result is computed ---------

HeatSvg = Annotated[Optional[str], typer.Option(
    "--svg", metavar="FILE.svg", help="also draw the matrix as a heat map to FILE (SVG; needs matplotlib)")]
HeatPng = Annotated[Optional[str], typer.Option(
    "--png", metavar="FILE.png", help="also draw the matrix as a heat map to FILE (PNG; needs matplotlib)")]


def heat_maps(svg: str | None, png: str | None, points: str | None = None):
    """result -> result, drawing its matrix to the files asked for (checked before computing)."""
    if not (svg or png):
        return lambda result: result
    from ..errors import GradcliError  # noqa: PLC0415
    from ..views import heatmap  # noqa: PLC0415
    from ..views import plot as views  # noqa: PLC0415
    if points is not None:
        raise GradcliError("--svg/--png draw one matrix: not with --points", kind="usage",
                           hint="--save FILE.npz keeps every point's matrix")
    views.pyplot()  # matplotlib missing: say so now, not after the computation
    return lambda result: heatmap.draw_result(result, svg, png)
