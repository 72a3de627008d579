"""A start-up experiment, not part of gradcli: gradcli with typer's Pydantic coercion bypassed.

    .venv/bin/python bench/startup.py --launcher bench/typer_fastpath.py

Typer 0.29 coerces every option value through a Pydantic TypeAdapter, so a
plain `gradcli ... --json` imports Pydantic (~100 ms of start-up on this
machine, more than NumPy's own import costs beyond the interpreter). gradcli's options are
only str, int (with min/max), bool and list[str]; this launcher gives typer a
plain coercion for those (and leaves anything else to typer), then runs
gradcli's entry point. It measures what the same few lines in gradcli/cli.py
would save; cli.py is not changed by the benchmarks.
"""
from dataclasses import dataclass

from typer import _coercion
from typer import core as typer_core
from typer._click.exceptions import BadParameter

_typer_runtime_param = typer_core.build_runtime_param


@dataclass(frozen=True)
class PlainParam(_coercion.RuntimeParam):
    """str, int (min/max), bool and list[str] values, as typer's adapters would coerce them."""

    def _coerce_value(self, value, param, ctx):
        kind = self.annotation
        if kind is bool and isinstance(value, bool):
            return value
        if kind is str:
            return value if isinstance(value, str) else str(value)
        if kind is int:
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise BadParameter("Input should be a valid integer, unable to parse string as an "
                                   "integer", ctx=ctx, param=param) from None
            low, high = self.parameter_info.min, self.parameter_info.max
            if low is not None and number < low:
                raise BadParameter(f"Input should be greater than or equal to {low}", ctx=ctx, param=param)
            if high is not None and number > high:
                raise BadParameter(f"Input should be less than or equal to {high}", ctx=ctx, param=param)
            return number
        if kind == list[str]:
            return [v if isinstance(v, str) else str(v) for v in value]
        # anything unusual (a bool given as text): typer's own coercion
        descriptor = _coercion.resolve_type_descriptor(kind, self.parameter_info)
        return _typer_runtime_param(descriptor)._coerce_value(value, param, ctx)


def plain_runtime_param(descriptor):
    info = descriptor.parameter_info
    plain = (descriptor.file_annotation is None and info.parser is None and not info.clamp
             and (descriptor.annotation in (str, int, bool) or descriptor.annotation == list[str]))
    if plain:
        return PlainParam(annotation=descriptor.annotation, parameter_info=info)
    return _typer_runtime_param(descriptor)


typer_core.build_runtime_param = plain_runtime_param

if __name__ == "__main__":
    from gradcli.cli import entry
    entry()
