"""`gradcli run FILE`: a PyTorch autograd script, run without PyTorch, printing what PyTorch prints.

--json: one document of the script's events instead (each print's text; each backward call with
the .grad of every leaf it reached). --explain: after the script's own output at each backward
call, the chain rule of that call, step by step (as `gradcli explain`).
"""
from __future__ import annotations

import sys
from typing import Annotated

import typer

from .options import Json, Precision

ScriptFile = Annotated[str, typer.Argument(metavar="FILE", help="the script to run (- = stdin)", show_default=False)]


def run(file: ScriptFile,
        json: Json = False,
        explain: Annotated[bool, typer.Option(
            "--explain", help="at each backward call, explain it step by step (as gradcli explain)")] = False,
        precision: Precision = 6):
    """Run a PyTorch autograd script without PyTorch: it prints what PyTorch would print."""
    from ..errors import GradcliError  # noqa: PLC0415
    from ..lang.script import runner  # noqa: PLC0415
    from .options import _read_text  # noqa: PLC0415
    text = _read_text(file, "run")
    script = runner.compile_script(text)
    from ..lang.script import events, runtime  # noqa: PLC0415
    if json:
        recorder = events.Recorder(script.globals)
        rt = runtime.Runtime(write=lambda s: None)
    else:
        recorder = _Explainer(script.globals, precision) if explain else None
        rt = runtime.Runtime(write=sys.stdout.write)
    rt.hooks = recorder
    try:
        runner.execute(script, rt)
    except GradcliError:
        if json:
            _write_events(recorder)
        sys.stdout.flush()  # what the script printed stays printed, before the error on stderr
        raise
    except BrokenPipeError:
        # `| head`: click would turn a closed pipe (an OSError with errno EPIPE) into exit 1; one
        # without errno passes through to the error funnel, which makes it exit 141
        raise BrokenPipeError from None
    try:
        if json:
            _write_events(recorder)
        sys.stdout.flush()
    except BrokenPipeError:
        raise BrokenPipeError from None


def _write_events(recorder) -> None:
    from ..io.render import to_json  # noqa: PLC0415
    doc = {"events": recorder.events,
           "stdout": "".join(e["text"] for e in recorder.events if e["kind"] == "print")}
    document, nonfinite = to_json(doc)
    if nonfinite:
        from ..core import backend  # noqa: PLC0415
        backend.warn('the result holds NaN or inf, written as "NaN", "Infinity", "-Infinity"')
    sys.stdout.write(document + "\n")


class _Explainer:
    """Explains each backward call as `gradcli explain` explains a program (run --explain)."""

    def __init__(self, globals_, precision):
        from ..lang.script.events import Recorder  # noqa: PLC0415
        self._recorder = Recorder(globals_)
        self.globals = globals_
        self.precision = precision

    def printed(self, text):
        pass

    def before_backward(self, outputs, gradients, nodes):
        from ..lang.script import runtime  # noqa: PLC0415
        from ..lang.script.computation import build  # noqa: PLC0415
        from ..views.explain import explain, text  # noqa: PLC0415
        comp = build(outputs, gradients, self.globals)
        result = explain(comp, None, self.precision)
        names = ", ".join(comp.outputs)
        head = f"── explain: {names}.backward() at line {runtime.RT.line} "
        runtime.RT.write(head + "─" * max(3, 78 - len(head)) + "\n" + text(result, self.precision) + "\n\n")

    def after_backward(self, outputs, leaves):
        pass
