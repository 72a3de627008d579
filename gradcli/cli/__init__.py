"""The command line: flags -> library -> render. Errors become exit codes in one place (main)."""
from .main import entry, main

__all__ = ["entry", "main"]
