"""SIGINT and SIGTERM as one exception, and records that are written whole.

The CLI installs `install()` first thing: from then on Ctrl-C (SIGINT) and SIGTERM raise
`Interrupted`, which the CLI turns into exit 130 or 143 without a traceback, and which runs
every cleanup on the way (a --save temporary is removed). Inside `whole()` a signal waits until
the block ends, so that a record being written (an NDJSON chunk, a JSON document) is finished
before the run stops; a second signal does not wait (a reader that never reads cannot hold the
process forever).
"""
from __future__ import annotations

import contextlib
import signal
import sys


class Interrupted(BaseException):
    """A signal asked the run to stop. BaseException, as KeyboardInterrupt: `except Exception`
    must not swallow it; not a KeyboardInterrupt, so that Typer does not turn SIGTERM into 130."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum  # the shell's convention: 130 for SIGINT, 143 for SIGTERM


_pending: int | None = None  # a signal that arrived inside whole(), to raise at its end
_depth = 0


def _handler(signum, frame) -> None:
    global _pending
    if _depth and _pending is None:
        _pending = signum
        return
    raise Interrupted(signum)


def install() -> None:
    """SIGINT and SIGTERM raise Interrupted (the main thread of a process only)."""
    with contextlib.suppress(ValueError, OSError):  # not the main thread: leave the defaults
        signal.signal(signal.SIGINT, _handler)
        signal.signal(signal.SIGTERM, _handler)
        sys.unraisablehook = _redeliver(sys.unraisablehook)


def _redeliver(previous):
    """A signal that lands in code whose exceptions Python ignores (a weakref callback inside
    the import system, a __del__) would print "Exception ignored ... Traceback" and be lost:
    send it again instead, to be raised where the program goes on."""
    def hook(unraisable):
        exc = unraisable.exc_value
        if isinstance(exc, Interrupted):
            signal.raise_signal(exc.exit_code - 128)
            return
        previous(unraisable)
    return hook


def release() -> None:
    """As the process ends, with its output complete and its exit code known: a signal now
    changes nothing (and no handler runs while Python shuts down)."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


@contextlib.contextmanager
def whole():
    """Finish the block before stopping for a signal (once); then stop."""
    global _depth, _pending
    _depth += 1
    try:
        yield
    except BaseException:
        _pending = None if _depth == 1 else _pending  # the block's own error is the one to report
        raise
    finally:
        _depth -= 1
    if not _depth and _pending is not None:
        signum, _pending = _pending, None
        raise Interrupted(signum)
