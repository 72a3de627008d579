"""`python -m gradcli`: the console entry point."""
try:
    from .cli import entry
except KeyboardInterrupt:  # Ctrl-C while loading, before the CLI's own handlers: no traceback
    raise SystemExit(130) from None

entry()
