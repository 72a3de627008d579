"""The command line: flags -> library -> render. Errors become exit codes in one place (main)."""
try:
    from .main import entry, main
except KeyboardInterrupt:  # Ctrl-C while the console script loads this: exit 130, no traceback
    raise SystemExit(130) from None

__all__ = ["entry", "main"]
