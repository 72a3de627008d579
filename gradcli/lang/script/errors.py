"""What a script can raise and catch: Python's exception classes, by name.

A `ScriptError` is an exception *inside* the script: `try: ... except RuntimeError as e:` can
catch it, and uncaught it becomes the message PyTorch would print, with the script line and a
caret (`to_gradcli`). Limits (steps, depth, sizes) are GradcliErrors of kind "limit" instead:
a script can never catch them, so a loop cannot swallow its own budget.
"""
from __future__ import annotations

import os

from ...errors import GradcliError

# GRADCLI_DEBUG=1: a Python exception of gradcli's own code inside a script keeps its traceback
# (as the __cause__ of the script's exception), to find bugs of the interpreter itself.
DEBUG = bool(os.environ.get("GRADCLI_DEBUG"))

# Each class and its base: `except LookupError` catches an IndexError, as in Python.
HIERARCHY = {
    "BaseException": None, "Exception": "BaseException", "ArithmeticError": "Exception",
    "ZeroDivisionError": "ArithmeticError", "OverflowError": "ArithmeticError",
    "AssertionError": "Exception", "AttributeError": "Exception", "LookupError": "Exception",
    "IndexError": "LookupError", "KeyError": "LookupError", "NameError": "Exception",
    "UnboundLocalError": "NameError", "RuntimeError": "Exception",
    "NotImplementedError": "RuntimeError", "RecursionError": "RuntimeError",
    "TypeError": "Exception", "ValueError": "Exception", "StopIteration": "Exception",
    "ImportError": "Exception", "ModuleNotFoundError": "ImportError",
}

# Python exceptions our own native code may raise on a script's behalf (len(5), [1][3], 1/0):
# they mean what they say, so they become the script's exception of the same name.
NATIVE = (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError,
          AttributeError, AssertionError, NotImplementedError)


class ScriptError(Exception):
    """An exception raised in a script: its Python class name, its message, where it happened."""

    def __init__(self, type_name: str, message: str = "", *, args=None):
        super().__init__(message)
        self.type_name = type_name
        self.message = message
        self.args_ = args if args is not None else ((message,) if message != "" else ())
        self.line = None
        self.column = None

    def at(self, line, column):
        if self.line is None:
            self.line, self.column = line, column
        return self

    def is_a(self, name: str) -> bool:
        kind = self.type_name
        while kind is not None:
            if kind == name:
                return True
            kind = HIERARCHY.get(kind)
        return False

    def __str__(self):
        if self.type_name == "KeyError" and len(self.args_) == 1:
            return repr(self.args_[0])  # str(KeyError('a')) is "'a'"
        return self.message


def runtime_error(message: str) -> ScriptError:
    return ScriptError("RuntimeError", message)


def type_error(message: str) -> ScriptError:
    return ScriptError("TypeError", message)


def value_error(message: str) -> ScriptError:
    return ScriptError("ValueError", message)


def index_error(message: str) -> ScriptError:
    return ScriptError("IndexError", message)


def attribute_error(message: str) -> ScriptError:
    return ScriptError("AttributeError", message)


def from_native(exc: BaseException) -> ScriptError:
    """A Python exception raised by native code on the script's behalf, as the script's own."""
    name = type(exc).__name__
    if name not in HIERARCHY:
        name = next((base.__name__ for base in type(exc).__mro__ if base.__name__ in HIERARCHY),
                    "RuntimeError")
    if isinstance(exc, KeyError) and exc.args:
        return ScriptError("KeyError", str(exc.args[0]), args=exc.args)
    return ScriptError(name, str(exc), args=exc.args)


def from_gradcli(exc: GradcliError) -> BaseException:
    """gradcli's own errors (a shape mismatch in an op) are RuntimeErrors to the script, as
    PyTorch's are; limits stay uncatchable."""
    if exc.kind == "limit":
        return exc
    return ScriptError("RuntimeError", exc.message)


def limit(message: str) -> GradcliError:
    return GradcliError(message, kind="limit")


def to_gradcli(exc: ScriptError, source) -> GradcliError:
    """The uncaught exception as gradcli reports it: `RuntimeError: message`, line and caret."""
    text = str(exc)
    message = f"{exc.type_name}: {text}" if text else exc.type_name
    return GradcliError(message, kind="script", line=exc.line, column=exc.column,
                        source=source.line(exc.line) if exc.line is not None else None)
