"""A function and its derivatives along one input: the samples, and the pictures drawn from them.

The picture is the one a calculus student draws by hand: y against x, with dy/dx (and d²y/dx²)
on the same axes, a zero line, labelled axes and a legend. Every sample comes from ONE batched
evaluation: the swept input is a Tensor with a lead axis of N points (as `--points` batches),
so the program runs once for all N, and each derivative is one more pass: forward mode with a
tangent of ones for dy/dx, forward over reverse for d²y/dx².

Drawing is in three parts: `layout` (what to draw: series, limits, ticks, breaks; pure NumPy),
`terminal` (plotext) and `write_figure` (matplotlib, an optional extra). Both renderers draw
the same layout, so the terminal and the file tell the same story.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import GradcliError

MAX_SAMPLES = 1_000_000
DEFAULT_SAMPLES = 200
PLOT_HINT = 'pip install "gradcli[plot]"'
_NAME = re.compile(r"[^\W\d]\w*\Z")
_SUPERSCRIPT = {1: "", 2: "²", 3: "³"}


@dataclass(frozen=True)
class Sweep:
    """--over NAME=START:STOP[:N]; n None: the caller chooses (the terminal fits its width)."""
    name: str
    start: float
    stop: float
    n: int | None = None


class _NoRandom:
    """START and STOP are numbers: a random one would make the plot change from run to run."""

    def __getattr__(self, name):
        raise GradcliError("--over: START and STOP must be numbers, not random values", kind="usage")


def parse_over(spec: str) -> Sweep:
    """'x=-3:3' or 'x=-pi:pi:400' -> Sweep; START and STOP may be `pi`, `-2*pi`, `1e-3`."""
    from ..io.values import parse_value  # noqa: PLC0415
    from ..lang.functions import Context  # noqa: PLC0415
    usage = (f"--over expects NAME=START:STOP[:N], e.g. x=-3:3 or x=-pi:pi:400; got {spec!r}")
    name, eq, rest = spec.partition("=")
    name = name.strip()
    parts = rest.split(":")
    if not eq or not _NAME.match(name) or len(parts) not in (2, 3):
        raise GradcliError(usage, kind="usage")
    ends = []
    for part, what in zip(parts[:2], ("START", "STOP")):
        if not part.strip():
            raise GradcliError(f"{usage} ({what} is empty)", kind="usage")
        value = parse_value(part, Context(np.float64, _NoRandom()), what=f"--over {what}")
        if value.size != 1 or not math.isfinite(float(value.reshape(-1)[0])):
            raise GradcliError(f"--over: {what} must be one finite number, got {part.strip()!r}",
                               kind="usage")
        ends.append(float(value.reshape(-1)[0]))
    start, stop = ends
    if not start < stop:
        raise GradcliError(f"--over: START must be less than STOP, got {start:g}:{stop:g}",
                           kind="usage", hint=f"--over {name}={stop:g}:{start:g}")
    n = None
    if len(parts) == 3:
        text = parts[2].strip()
        if not text.isdigit() or not 2 <= int(text) <= MAX_SAMPLES:
            raise GradcliError(f"--over: N is the number of samples, a whole number from 2 to "
                               f"{MAX_SAMPLES:,}; got {text!r}", kind="usage")
        n = int(text)
    return Sweep(name, start, stop, n)


# -- sampling ------------------------------------------------------------------------------------

@dataclass
class Samples:
    """y and its derivatives at N points along one input; the other inputs fixed."""
    sweep: Sweep  # n filled in
    x: np.ndarray
    outputs: dict[str, np.ndarray]  # output -> (N,)
    derivatives: dict[str, dict[int, np.ndarray]]  # output -> order -> (N,)
    fixed: dict[str, np.ndarray] = field(default_factory=dict)  # the other inputs' values
    skipped: list[str] = field(default_factory=list)  # outputs that are not scalars

    def to_result(self) -> dict:
        """The JSON document (docs/plot.md): keys over, inputs, x, outputs, derivatives."""
        s = self.sweep
        return {"over": {"name": s.name, "start": s.start, "stop": s.stop, "n": s.n},
                "inputs": self.fixed, "x": self.x, "outputs": self.outputs,
                "derivatives": {name: {str(k): v for k, v in orders.items()}
                                for name, orders in self.derivatives.items()}}


def sample(program, values: dict, sweep: Sweep, *, order: int = 1, outputs=None,
           dtype: str = "float64", seed: int = 0, device: str = "cpu") -> Samples:
    """Evaluate the program at sweep.n points along sweep.name, and differentiate along it."""
    from ..api import DTYPES  # noqa: PLC0415
    from ..core import backend, engine  # noqa: PLC0415
    from ..core.tensor import Tensor  # noqa: PLC0415
    from ..io.points import BatchComputation  # noqa: PLC0415 - the same batching as --points
    from ..lang.program import Program  # noqa: PLC0415
    if order not in (1, 2):
        raise GradcliError(f"--order must be 1 or 2, got {order}", kind="usage")
    if dtype not in DTYPES:
        raise GradcliError(f"--dtype must be float64 or float32, got {dtype!r}", kind="usage")
    program = program if isinstance(program, Program) else Program(program)
    if sweep.name not in program.inputs:
        inputs = ", ".join(program.input_names) or "none"
        raise GradcliError(f"--over: {sweep.name!r} is not an input of the program (inputs: "
                           f"{inputs})", kind="input")
    n = sweep.n or DEFAULT_SAMPLES
    sweep = Sweep(sweep.name, sweep.start, sweep.stop, n)
    backend.use(device)
    dt = backend.dtype_of(dtype)
    x = np.linspace(sweep.start, sweep.stop, n)
    values = dict(values)
    values[sweep.name] = Tensor(backend.from_numpy(x, dt), 0)  # a scalar input, N points on a lead axis
    c = BatchComputation(program, values, n, wrt=[sweep.name], outputs=outputs, dtype=dtype,
                         seed=seed, device=device)
    scalars = {name: t for name, t in c.outputs.items() if t.size == 1}
    skipped = [name for name in c.outputs if name not in scalars]
    if not scalars:
        shapes = ", ".join(f"{name} {c.outputs[name].shape}" for name in skipped)
        raise GradcliError(f"plot draws scalar outputs; the program's are not ({shapes})",
                           kind="shape", hint="reduce one (y = f(x).sum()), or pick a scalar "
                                              "with --output NAME")
    if outputs is not None and skipped:
        raise GradcliError(f"--output: {skipped[0]!r} has shape {c.outputs[skipped[0]].shape}; "
                           "plot draws scalar outputs", kind="shape")
    leaf = c.inputs[sweep.name]
    ones = Tensor(backend.xp.ones((n,), dtype=dt), 0)

    def along(t) -> np.ndarray:
        if t is None:  # does not depend on x
            return np.zeros(n)
        return np.broadcast_to(np.asarray(backend.to_numpy(t.data), dtype=np.float64).reshape(-1),
                               (n,)).copy()

    names = list(scalars)
    derivatives = {name: {} for name in names}
    for name, d in zip(names, engine.jvp(list(scalars.values()), [leaf], [ones])):
        derivatives[name][1] = along(d)
    if order == 2:
        for name, out in scalars.items():
            g = engine.gradient_graph(out, [leaf])[0] if out.requires_grad else None
            dd = engine.jvp([engine.fit(g, leaf.shape)], [leaf], [ones])[0] if g is not None else None
            derivatives[name][2] = along(dd)
    fixed = {k: backend.to_numpy(t.data) for k, t in c.inputs.items() if k != sweep.name}
    return Samples(sweep, x, {name: along(t) for name, t in scalars.items()}, derivatives,
                   fixed, skipped)


# -- what to draw ---------------------------------------------------------------------------------

def derivative_label(output: str, over: str, k: int) -> str:
    """y, dy/dx, d²y/dx²: the names a calculus student writes."""
    if k == 0:
        return output
    return f"d{_SUPERSCRIPT.get(k, f'^{k}')}{output}/d{over}{_SUPERSCRIPT.get(k, f'^{k}')}"


@dataclass
class Panel:
    """One output and its derivatives on one pair of axes."""
    title: str
    xlabel: str
    series: list[tuple[str, np.ndarray]]  # (label, y) in drawing order
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    xticks: list[float]
    yticks: list[float]


def layout(samples: Samples, title: str = "") -> list[Panel]:
    """One panel per scalar output: limits robust to poles (1/x), nice ticks, a legend corner."""
    s = samples.sweep
    fixed = ", ".join(f"{k}={_short(v)}" for k, v in samples.fixed.items())
    xlabel = s.name + (f"   ({fixed})" if fixed else "")
    panels = []
    for name, y in samples.outputs.items():
        series = [(derivative_label(name, s.name, 0), y)]
        series += [(derivative_label(name, s.name, k), d)
                   for k, d in sorted(samples.derivatives[name].items())]
        ylim = y_limits([v for _, v in series])
        heading = title if title and len(samples.outputs) == 1 else name
        panels.append(Panel(heading, xlabel, series, (s.start, s.stop), ylim,
                            nice_ticks(s.start, s.stop, 7), nice_ticks(*ylim, 5)))
    return panels


def _short(value) -> str:
    arr = np.asarray(value)
    if arr.size == 1:
        return f"{float(arr.reshape(-1)[0]):.4g}"
    return f"<{'x'.join(map(str, arr.shape))}>"


def y_limits(arrays) -> tuple[float, float]:
    """The y range to show: every finite value, unless a few of them (near a pole, as 1/x at 0)
    would squash the rest into a line; then the middle 80% of the values and as much again on
    each side."""
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.zeros(0)
    if finite.size == 0:
        return -1.0, 1.0
    q_lo, q_hi = (float(v) for v in np.quantile(finite, [0.1, 0.9]))
    spread = q_hi - q_lo
    lo, hi = max(float(finite.min()), q_lo - spread), min(float(finite.max()), q_hi + spread)
    if lo > 0 and lo < 0.5 * hi:  # include the zero line when it is near
        lo = 0.0
    if hi < 0 and hi > 0.5 * lo:
        hi = 0.0
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):  # a constant: centre it
        pad = max(abs(lo) * 0.1, 1.0)
        return lo - pad, hi + pad
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def breaks(y: np.ndarray, ylim: tuple[float, float]) -> np.ndarray:
    """Where the line from point i-1 to point i must not be drawn: at NaN/inf, and across a pole
    (consecutive points off the plot on opposite sides, as 1/x at 0)."""
    lo, hi = ylim
    bad = ~np.isfinite(y)
    cut = np.zeros(y.shape, dtype=bool)
    cut[1:] = bad[1:] | bad[:-1]
    above, below = y > hi, y < lo
    cut[1:] |= (above[1:] & below[:-1]) | (below[1:] & above[:-1])
    return cut


def nice_ticks(lo: float, hi: float, count: int) -> list[float]:
    """About `count` round positions (1, 2, 2.5, 5 times a power of ten) within [lo, hi]."""
    span = hi - lo
    if not span > 0 or not math.isfinite(span):
        return [lo]
    raw = span / max(1, count - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    # the round step whose number of ticks comes closest to the count asked for
    step = min((m * power for m in (0.5, 1, 2, 2.5, 5, 10)),
               key=lambda st: (abs(math.floor(hi / st) - math.ceil(lo / st) + 1 - count), -st))
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * step:
        value = k * step
        ticks.append(0.0 if abs(value) < 1e-12 * step else value)
        k += 1
    return ticks


def tick_labels(ticks: list[float]) -> list[str]:
    """Short labels that tell the ticks apart: 0.5, 2, 1e+06, never -0."""
    if len(ticks) < 2:
        return [f"{t:.3g}" for t in ticks]
    big = max(abs(t) for t in ticks)
    if big >= 1e5 or big < 1e-3:
        return [f"{t:.3g}" for t in ticks]
    # the fewest decimals that write every tick exactly: 2.5 steps need one more than 5 steps
    decimals = next((d for d in range(7) if all(abs(t * 10 ** d - round(t * 10 ** d)) < 1e-6
                                                for t in ticks)), 6)
    return [f"{t:.{decimals}f}" if t else "0" for t in ticks]


def legend_corner(x, ys, xlim, ylim, width: float, height: float) -> str:
    """The corner of the axes where a legend box (width, height: fractions of the axes) covers
    the fewest sample points; upper right on a tie, as people look there first."""
    u = (np.asarray(x) - xlim[0]) / (xlim[1] - xlim[0])
    best, fewest = "upper right", None
    for corner in ("upper right", "upper left", "lower right", "lower left"):
        top, right = corner.startswith("upper"), corner.endswith("right")
        in_x = (u >= 1 - width) if right else (u <= width)
        count = 0
        for y in ys:
            with np.errstate(invalid="ignore"):
                v = (y - ylim[0]) / (ylim[1] - ylim[0])
                in_y = (v >= 1 - height) if top else (v <= height)
            count += int(np.count_nonzero(in_x & in_y))
        if fewest is None or count < fewest:
            best, fewest = corner, count
    return best


# -- the terminal (plotext) -----------------------------------------------------------------------

MARKERS = ("hd", "braille", "·")  # y, dy/dx, d²y/dx²: told apart without colour too


def terminal(panels: list[Panel], x: np.ndarray, width: int, height: int, color: bool) -> str:
    """The panels as text, each `width` columns wide at most and `height` rows high."""
    import plotext  # noqa: PLC0415 - only the terminal picture needs it
    figure = plotext.figure
    plotext.terminal.limit(False, False)  # the size asked for: the caller measured the terminal
    texts = []
    for panel in panels:
        figure.clear()
        figure.plot_size(width, height)
        figure.theme("simple" if color else "colorless")
        lo, hi = panel.ylim
        if lo < 0 < hi:  # the zero line, first so that the curves draw over it; a signal in grey,
            # as plotext's own line() paints a white band behind it on a dark terminal
            zero = figure.signal(list(panel.xlim), [0.0, 0.0], marker=plotext.marker(
                "─", pixel=plotext.pixel(foreground=8)) if color else "─")
            zero.lines()
            figure.draw(zero)
        for (label, y), marker in zip(panel.series, MARKERS):
            keep = np.isfinite(y)
            xs, ys = x[keep], y[keep]  # plotext cuts what lies outside the limits
            # a dropped (non-finite) point cuts the line to the next kept one: breaks() says so
            cut_kept = breaks(y, panel.ylim)[keep]
            signal = figure.signal([float(v) for v in xs], [float(v) for v in ys], marker=marker)
            signal.label(label)
            signal.lines()
            for i in np.flatnonzero(cut_kept):
                signal.line(int(i), False)
            figure.draw(signal)
        figure.ruler("x").lim(*panel.xlim)
        figure.ruler("y").lim(lo, hi)
        figure.ruler("x").ticks(panel.xticks, tick_labels(panel.xticks))
        figure.ruler("y").ticks(panel.yticks, tick_labels(panel.yticks))
        # plotext's legend box: the labels with a marker and a border, a blank row around each
        box_w = (max(len(label) for label, _ in panel.series) + 6) / max(1, width - 8)
        box_h = (2 * len(panel.series) + 3) / max(1, height - 5)
        below = box_w > 0.3 or box_h > 0.6  # a box would hide the plot: one line under it instead
        if below:
            figure.legend(active=False)
        else:
            corner = legend_corner(x, [y for _, y in panel.series], panel.xlim, panel.ylim,
                                   box_w, box_h)
            top, right = corner.startswith("upper"), corner.endswith("right")
            figure.legend(x=panel.xlim[1] if right else panel.xlim[0], y=hi if top else lo,
                          ha="right" if right else "left", va="top" if top else "bottom",
                          relative=True)
        figure.title(fit_text(panel.title, width - 2))
        figure.label(fit_text(panel.xlabel, width - 2), axis="x")
        text = figure.build().string(colorless=not color).rstrip("\n")
        if below:
            text += "\n" + _legend_line(panel, width, color)
        texts.append(text)
    figure.clear()
    return "\n\n".join(_trim(t) for t in texts) + "\n"


def _legend_line(panel: Panel, width: int, color: bool) -> str:
    """'▚ y   ⢕ dy/dx   · d²y/dx²' in the curves' colours (plotext's first three), centred."""
    samples = ("▚", "⢕", "·")
    parts = [f"{mark} {label}" for mark, (label, _) in zip(samples, panel.series)]
    line = fit_text("   ".join(parts), width)
    pad = " " * max(0, (width - len(line)) // 2)
    if not color or line != "   ".join(parts):
        return pad + line
    colours = (12, 10, 9)  # the "simple" theme's sequence: blue, green, red
    return pad + "   ".join(f"\x1b[38;5;{c}m{mark}\x1b[0m {label}" for c, mark, (label, _)
                           in zip(colours, samples, panel.series))


def _trim(text: str) -> str:
    """plotext pads every row to the full width with spaces: trailing spaces only wrap badly."""
    return "\n".join(line.rstrip() for line in text.split("\n"))


def fit_text(text: str, width: int) -> str:
    """Text cut to a width with an ellipsis (plotext drops a title that does not fit)."""
    return text if len(text) <= width else text[:max(0, width - 1)] + "…"


# -- files (matplotlib) ---------------------------------------------------------------------------

def pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or exit 2 with the install hint."""
    try:
        import matplotlib  # noqa: PLC0415
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        raise GradcliError("--svg and --png draw with matplotlib, which is not installed",
                           kind="usage", hint=PLOT_HINT) from None
    return plt


def write_figure(panels: list[Panel], x: np.ndarray, path: str, fmt: str) -> None:
    """The panels stacked, one per output, sharing x, written whole (temporary + rename)."""
    plt = pyplot()
    with plt.rc_context({"svg.fonttype": "none"}):  # SVG text stays text: searchable, selectable
        fig, axes = plt.subplots(len(panels), 1, figsize=(7, 3.6 * len(panels)), squeeze=False,
                                 sharex=True, layout="constrained")
        _draw_panels(axes[:, 0], panels, x)
        save_figure(fig, path, fmt)
    plt.close(fig)


def _draw_panels(axes, panels: list[Panel], x: np.ndarray) -> None:
    styles = ("-", "--", ":")
    for ax, panel in zip(axes, panels):
        for (label, y), style in zip(panel.series, styles):
            shown = np.where(np.isfinite(y), y, np.nan)
            shown[breaks(y, panel.ylim)] = np.nan  # matplotlib does not join across NaN
            ax.plot(x, shown, style, label=label, linewidth=1.6)
        ax.axhline(0, color="0.5", linewidth=0.8, zorder=0)
        ax.set_xlim(*panel.xlim)
        ax.set_ylim(*panel.ylim)
        ax.set_title(panel.title)
        ax.set_ylabel(panel.series[0][0])
        ax.grid(True, color="0.9")
        ax.legend(loc="best")  # matplotlib finds the emptiest place itself
    axes[-1].set_xlabel(panels[-1].xlabel)


def save_figure(fig, path: str, fmt: str) -> None:
    """Write a figure to a temporary file beside `path`, then rename: whole or absent."""
    import os  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(prefix=".gradcli-", suffix="." + fmt, dir=folder)
    except OSError as exc:
        raise GradcliError(f"--{fmt}: cannot write {path}: {exc.strerror or exc}", kind="io") from None
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format=fmt, **({"metadata": {"Date": None}} if fmt == "svg" else {}))
        os.replace(temporary, path)
    except OSError as exc:
        raise GradcliError(f"--{fmt}: cannot write {path}: {exc.strerror or exc}", kind="io") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
