"""gradcli: a command-line gradient calculator.

The Python API (the CLI is a thin layer over it):

    >>> from gradcli import Computation
    >>> Computation("y = x**2", {"x": "3"}).backward()["grad"]["x"]
    array(6.)
"""
__version__ = "0.1.0"

__all__ = ["Computation", "Program", "GradcliError", "__version__"]


def __getattr__(name):
    # Lazy: `gradcli --version` and the CLI's start-up should not pay for what they don't use.
    if name == "Computation":
        from .api import Computation
        return Computation
    if name == "Program":
        from .lang.program import Program
        return Program
    if name == "GradcliError":
        from .errors import GradcliError
        return GradcliError
    raise AttributeError(name)
