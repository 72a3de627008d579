"""The state of one script run: its budgets, where its output goes, its random generator.

One run at a time holds `RT` (scripts are run one after the other, never nested). Budgets:
- steps: every loop iteration draws one, every call of a script function CALL_STEPS;
- depth: nested calls of script functions (a recursion bomb ends here, clearly);
- work: every tensor made draws its number of elements (a loop of huge tensors ends here);
- sizes: strings, lists and integers a script builds stay below fixed sizes.
Running out is a GradcliError of kind "limit": a script cannot catch it.
"""
from __future__ import annotations

import sys

from . import dtypes
from .errors import limit

MAX_STEPS = 1_000_000  # loop iterations, and CALL_STEPS per call of a script function
CALL_STEPS = 4  # a call costs several times an iteration: a recursion bomb ends in seconds
MAX_DEPTH = 200  # nested script calls (Python's own default is 1,000 frames)
MAX_WORK = 2_000_000_000  # tensor elements made, all together (a polynomial fit of 2,000 steps: 1e8)
MAX_LENGTH = 10_000_000  # items of a list, characters of a string
MAX_INT_BITS = 100_000  # an integer a script computes (a float past this would be inf anyway)
MAX_FORMAT_WIDTH = 10_000  # width and precision in a format spec ('{:999999999}')


class Runtime:
    def __init__(self, write=None, *, steps=MAX_STEPS, depth=MAX_DEPTH, work=MAX_WORK):
        self.write = write if write is not None else sys.stdout.write
        self.steps = steps
        self.max_depth = depth
        self.depth = 0
        self.work = work
        self.default_float = dtypes.float32
        self.warned: set = set()
        self._generator = None
        self.print_options = None  # printing.PrintOptions, made on first use
        self.hooks = None  # events.Recorder when the run is observed (--json, --explain, -f)
        self.line = None  # the line of the statement running (for events)

    @property
    def generator(self):
        """PyTorch's default CPU generator, seeded as PyTorch seeds it when nothing else does."""
        if self._generator is None:
            from .random import Generator  # noqa: PLC0415 - only scripts that draw need it
            self._generator = Generator()
        return self._generator

    def warn(self, message: str) -> None:
        """A PyTorch UserWarning: to stderr, once per message (as Python's warnings do)."""
        if message in self.warned:
            return
        self.warned.add(message)
        try:
            sys.stdout.flush()
            sys.stderr.write(f"gradcli: warning: {message}\n")
        except (OSError, ValueError):
            pass


RT = Runtime()


def start(runtime: Runtime) -> None:
    global RT
    RT = runtime


def step() -> None:
    rt = RT
    rt.steps -= 1
    if rt.steps < 0:
        raise limit(f"the script ran more than {MAX_STEPS:,} steps (loop iterations, and calls at "
                    f"{CALL_STEPS} steps each): is a loop endless?")


def charge(elements: int) -> None:
    rt = RT
    rt.work -= elements
    if rt.work < 0:
        raise limit(f"the script made more than {MAX_WORK:,} tensor elements in all: "
                    "a loop over large tensors runs too long")


def check_length(n: int, what: str = "a sequence") -> None:
    if n > MAX_LENGTH:
        raise limit(f"{what} of {n:,} items is over the limit of {MAX_LENGTH:,}")
