"""The commands that compute at a point: eval, backward, grad, jacobian (flags -> library -> render)."""
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


def eval_(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
          output: Outputs = None, wrt: Wrt = None, json: Json = False, dtype: Dtype = "float64", device: Device = "cpu",
          seed: Seed = 0, precision: Precision = 6, save: Save = None, points: Points = None,
          keep_going: KeepGoing = False, chunk_size: ChunkSize = None):
    """Evaluate the program: its outputs."""
    run(locals(), lambda c: c.evaluate())


def backward(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
             output: Outputs = None, wrt: Wrt = None,
             gradient: Annotated[Optional[list[str]], typer.Option(
                 "--gradient", metavar="V",
                 help="v in out.backward(v): flat, nested or NAME=VALUE per output; repeated = accumulated")] = None,
             retain_grad: Annotated[Optional[str], typer.Option(
                 "--retain-grad", metavar="NAMES", help="comma list of intermediates whose gradients to report")] = None,
             json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0,
             precision: Precision = 6, save: Save = None, points: Points = None,
             keep_going: KeepGoing = False, chunk_size: ChunkSize = None):
    """out.backward(gradient): vector-Jacobian products for every input."""
    run(locals(), lambda c: c.backward(gradient, retain=retain_grad))


def grad(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
         output: Outputs = None, wrt: Wrt = None, json: Json = False, dtype: Dtype = "float64",
         device: Device = "cpu", seed: Seed = 0, precision: Precision = 6, save: Save = None,
         points: Points = None, keep_going: KeepGoing = False, chunk_size: ChunkSize = None):
    """The gradient of the one scalar output (several outputs: pick one with --output)."""
    run(locals(), lambda c: c.grad())


def jacobian(program: Programs = None, file: ProgramFile = None, at: At = None, inputs: Inputs = None,
             output: Outputs = None, wrt: Wrt = None,
             mode: Annotated[str, typer.Option(
                 "--mode", metavar="auto|reverse|forward",
                 help="reverse: a pass per output element; forward: per input element; auto: the fewer")] = "auto",
             chunk_size: Annotated[Optional[int], typer.Option(
                 "--chunk-size", metavar="N", min=1, help="seeds per pass (default: chosen to bound memory); "
                                             "with --points: points per chunk (default 4096)")] = None,
             sparse: Annotated[bool, typer.Option(
                 "--sparse", help="only the nonzeros, as coordinates, from coloured (compressed) seeds")] = False,
             json: Json = False, dtype: Dtype = "float64", device: Device = "cpu", seed: Seed = 0,
             precision: Precision = 6, save: Save = None, points: Points = None,
             keep_going: KeepGoing = False, svg: HeatSvg = None, png: HeatPng = None):
    """The full Jacobian of the outputs with respect to the inputs."""
    draw = heat_maps(svg, png, points)
    run(locals(), lambda c: draw(c.jacobian(mode, chunk=chunk_size, sparse=sparse)))
