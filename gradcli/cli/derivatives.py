"""The forward-mode and higher-order commands: jvp, hessian, derivative (flags -> library -> render)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..limits import MAX_ORDER
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
    "--tangent", metavar="V", help="v in J v: flat over the --wrt inputs in order, nested for one "
                                   "input, or NAME=VALUE per input (unnamed inputs: 0); repeated = summed")]
HessianTangent = Annotated[Optional[list[str]], typer.Option(
    "--tangent", metavar="V", help="give H v (the Hessian-vector product, key hvp) instead of the "
                                   "matrix, without forming it: v flat over the --wrt inputs, or "
                                   "NAME=VALUE per input (unnamed inputs: 0)")]


def jvp(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
        output: Outputs = None, wrt: Wrt = None, tangent: Tangent = None, json: Json = False,
        dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0, precision: Precision = 6,
        save: Save = None, points: Points = None, keep_going: KeepGoing = False,
        chunk_size: ChunkSize = None):
    """Jacobian-vector products J v (forward mode, one pass): key `jvp`."""
    run(locals(), lambda c: c.jvp(tangent))


def hessian(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
            output: Outputs = None, wrt: Wrt = None, tangent: HessianTangent = None,
            sparse: Annotated[bool, typer.Option(
                "--sparse", help="only the nonzeros, as coordinates, from a symmetric (star) colouring "
                                 "of the Hessian's pattern (one scalar output)")] = False,
            chunk_size: Annotated[Optional[int], typer.Option(
                "--chunk-size", metavar="N", min=1, help="seeds per pass (default: chosen to bound memory)")] = None,
            json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0,
            precision: Precision = 6, save: Save = None, svg: HeatSvg = None, png: HeatPng = None):
    """The Hessian (exact, forward over reverse): of a scalar output, or of each element of tensor
    outputs; --sparse: its nonzeros; --tangent V: only H v, key `hvp`."""
    draw = heat_maps(svg, png)
    run(locals(), lambda c: draw(c.hessian(tangent, chunk=chunk_size, sparse=sparse)))


def derivative(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
               output: Outputs = None, wrt: Wrt = None,
               order: Annotated[int, typer.Option(
                   "--order", metavar="N", min=1, help=f"the highest order (1 to {MAX_ORDER}); every order up "
                                                "to it is reported")] = 1,
               json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0,
               precision: Precision = 6, save: Save = None):
    """Derivatives of order 1..N in one input (a scalar, or elementwise over a tensor): key
    `derivatives`, {output: [f', f'', ...]}."""
    run(locals(), lambda c: c.derivative(order))
