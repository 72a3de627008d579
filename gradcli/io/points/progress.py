"""Progress on stderr: a Rich bar, only when stderr is a terminal and the job outlasts a moment.
Nothing at all when stderr is a file or a pipe."""
from __future__ import annotations

import sys
import time


class Progress:
    """A Rich bar on stderr, only when stderr is a terminal and the job outlasts a moment."""

    DELAY = 1.0

    def __init__(self, total: int | None, unit: str):
        self.total, self.unit = total, unit
        self.enabled = _isatty(sys.stderr)
        self.started = time.monotonic()
        self.bar = None

    def update(self, done: int, points: int) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        if self.bar is None:
            if elapsed < self.DELAY:
                return
            self._start()
        rate = points / elapsed if elapsed > 0 else 0.0
        self.bar.update(self.task, completed=done, points=points, rate=rate)

    def _start(self) -> None:
        from rich.console import Console  # noqa: PLC0415 - only for a person watching
        from rich.progress import BarColumn, TextColumn, TimeRemainingColumn  # noqa: PLC0415
        from rich.progress import Progress as Bar
        self.bar = Bar(TextColumn("points"), BarColumn(), TextColumn("{task.fields[points]:,}"),
                       TextColumn("{task.fields[rate]:,.0f}/s"), TimeRemainingColumn(),
                       console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task("points", total=self.total, points=0, rate=0.0)
        self.bar.start()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

