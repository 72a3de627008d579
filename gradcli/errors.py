"""One exception family for everything a user can get wrong, and the exit codes.

Library code raises `GradcliError` (with a source position where there is one);
only the CLI turns it into a message and an exit code.
"""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1  # a check that ran and found a mismatch
    USAGE = 2  # bad usage or bad input of any kind


class GradcliError(Exception):
    """A problem with the user's program, values or options.

    kind: a short stable word for scripts ("syntax", "name", "shape", "input",
    "gradient", "limit", "usage", "value", "io", ...).
    line/column: 1-based position in the program text, when the problem has one.
    """

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, kind: str = "usage", line: int | None = None,
                 column: int | None = None, source: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.line = line
        self.column = column
        self.source = source  # the text of the offending line, for the caret display
        self.hint = hint

    def at(self, line: int | None, column: int | None, source: str | None) -> "GradcliError":
        """Attach a position unless one is already known (innermost wins)."""
        if self.line is None:
            self.line, self.column, self.source = line, column, source
        return self

    def to_dict(self) -> dict:
        err = {"kind": self.kind, "message": self.message, "line": self.line, "column": self.column}
        if self.hint:
            err["hint"] = self.hint
        return {"error": err}

    def render(self) -> str:
        """The human message: 'error: ...', then the statement with a caret under the column."""
        where = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        lines = [f"gradcli: error: {self.message}{where}"]
        if self.source is not None and self.column is not None:
            text = self.source.expandtabs(1)
            # Long statements are cut to a window around the column so the caret stays readable.
            start = max(0, self.column - 60)
            shown = text[start:start + 100]
            prefix = "..." if start else ""
            lines.append("    " + prefix + shown)
            lines.append("    " + " " * (len(prefix) + self.column - 1 - start) + "^")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class CheckFailed(GradcliError):
    """`gradcli check` ran and found a mismatch: exit 1, not a usage error."""

    exit_code = ExitCode.CHECK_FAILED

    def __init__(self, message: str, **kw):
        super().__init__(message, kind="check", **kw)
