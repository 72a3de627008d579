"""The forward-mode and second-order commands: jvp and hessian (flags -> library -> render)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from .options import (
    At,
    ChunkSize,
    Device,
    Dtype,
    Inputs,
    Json,
    KeepGoing,
    Outputs,
    Points,
    Precision,
    ProgramFile,
    Programs,
    Save,
    Seed,
    Wrt,
    run,
)
from .plot import HeatPng, HeatSvg, heat_maps

Tangent = Annotated[Optional[list[str]], typer.Option(
    "--tangent", help="v in J v: flat over the --wrt inputs in order, nested for one input, or "
                      "NAME=VALUE per input (unnamed inputs: 0); repeated = summed")]


def jvp(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
        output: Outputs = None, wrt: Wrt = None, tangent: Tangent = None, json: Json = False,
        dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0, precision: Precision = 6,
        save: Save = None, points: Points = None, keep_going: KeepGoing = False,
        chunk_size: ChunkSize = None):
    """Jacobian-vector products J v (forward mode, one pass): key `jvp`."""
    run(locals(), lambda c: c.jvp(tangent))


def hessian(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
            output: Outputs = None, wrt: Wrt = None, tangent: Tangent = None,
            chunk_size: Annotated[Optional[int], typer.Option(
                "--chunk-size", min=1, help="seeds per pass (default: chosen to bound memory)")] = None,
            json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0,
            precision: Precision = 6, save: Save = None, svg: HeatSvg = None, png: HeatPng = None):
    """The Hessian of a scalar output (exact, forward over reverse); --tangent V: only H v, key `hvp`."""
    draw = heat_maps(svg, png)
    run(locals(), lambda c: draw(c.hessian(tangent, chunk=chunk_size)))
