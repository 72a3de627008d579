"""The batch computation: a chunk of points through the graph as ONE batch.

Every per-point input is a leaf whose data carries a leading points axis (a lead axis, see
tensor.py), so a chunk costs a handful of NumPy calls per op, not a Python loop per point.
Inputs given with --at stay unbatched and are shared by every point. A batch that fails is
recomputed point by point without lead axes, so one bad point costs nothing to its neighbours.
Jacobians per point: the seeds carry two lead axes (seed rows, points), in passes of as many
rows as fit the memory bound, as engine.jacobian_* do.
"""
from __future__ import annotations

import numpy as np

from ...api import Computation, _sizes
from ...core import backend, engine
from ...core.tensor import Tensor
from ...errors import GradcliError
from ...lang.program import Program
from ..render import labels
from .chunk import PER_POINT, Chunk, Source, located


class BatchComputation(Computation):
    """A Computation whose per-point inputs arrive as Tensors with a leading points axis.

    Everything else (--at values, --wrt, --output, --gradient, --tangent) is the
    single-point Computation's; results are then given a points axis throughout.
    """

    def __init__(self, program, values, points: int, **kw):
        self.points = points
        super().__init__(program, values, **kw)

    def _array(self, name, value):
        return value if isinstance(value, Tensor) else super()._array(name, value)

    def _leaf(self, name, value):
        if isinstance(value, Tensor) and value.lead:
            return Tensor(value.data, value.nd, requires_grad=name in self.wrt)
        return super()._leaf(name, value)

    def jacobian(self, mode: str = "auto", chunk: int | None = None, sparse: bool = False) -> dict:
        """Per point; --chunk-size counts points here, so the seeds per pass are chosen to fit."""
        if sparse:
            raise GradcliError("--sparse is not available with --points", kind="usage")
        outs, ins, mode = self.dense_jacobian_plan(mode)
        blocks, passes = _batched_jacobian(outs, ins, self.points, mode)
        result = self.evaluate()
        result["jacobian"] = {o: dict(zip(self.wrt, row)) for o, row in zip(self.outputs, blocks)}
        p = self.points
        result["matrix"] = np.concatenate(
            [np.concatenate([b.reshape(p, o.size, i.size) for b, i in zip(row, ins)], axis=2)
             for row, o in zip(blocks, outs)], axis=1) if ins and outs else np.zeros((p, *_sizes(outs, ins)))
        result["rows"] = labels(self.outputs)
        result["cols"] = labels({k: self.inputs[k] for k in self.wrt})
        result["mode"] = mode
        result["passes"] = passes
        return result


def _with_points(data, nd: int, points: int, lead: int = 1):
    """An array with exactly `lead` lead axes, the last of size `points` (broadcast if absent)."""
    arr = backend.to_numpy(data)
    have = arr.ndim - nd
    if have < lead:
        arr = arr.reshape((1,) * (lead - have) + arr.shape)
    return np.broadcast_to(arr, arr.shape[:lead - 1] + (points,) + arr.shape[lead:])


def _batched_jacobian(outs, ins, points: int, mode: str):
    """Blocks (points,) + out.shape + in.shape; seeds carry the lead axes (seed rows, points)."""
    xp = backend.xp
    seeded, other = (ins, outs) if mode == "forward" else (outs, ins)
    largest = max((t.size for t in engine.graph(outs)), default=1)
    step = max(1, engine.CHUNK_ELEMENTS // max(1, largest * points))
    blocks = [[np.zeros((points, o.size, i.size)) for i in ins] for o in outs]
    passes = 0
    for k, t in enumerate(seeded):
        for start in range(0, t.size, step):
            stop = min(t.size, start + step)
            unit = engine._identity_seeds(t, start, stop).data  # (rows,) + t.shape
            unit = xp.reshape(unit, (stop - start, 1) + t.shape)
            seeds = [None] * len(seeded)
            seeds[k] = Tensor(xp.broadcast_to(unit, (stop - start, points) + t.shape), t.nd)
            if mode == "forward":
                products = engine.jvp(outs, ins, seeds)
            else:
                grads = engine.backward(outs, seeds)
                products = [grads.get(i.index) for i in ins]
            passes += 1
            for j, (u, d) in enumerate(zip(other, products)):
                if d is None:
                    continue
                d = _with_points(engine.fit(d, u.shape).data, u.nd, points, lead=2)
                d = np.moveaxis(d.reshape(stop - start, points, u.size), 0, 2)  # points, u, rows
                if mode == "forward":
                    blocks[j][k][:, :, start:stop] = d
                else:
                    blocks[k][j][:, start:stop, :] = np.swapaxes(d, 1, 2)
    return [[b.reshape((points,) + o.shape + i.shape) for b, i in zip(row, ins)]
            for row, o in zip(blocks, outs)], passes


def _to_points(result: dict, c: Computation, points: int) -> dict:
    """Give every per-point array its points axis (values that do not vary are broadcast)."""
    for key in ("inputs", "outputs", "grad", "jvp", "hvp"):
        for name, value in (result.get(key) or {}).items():
            if value is not None:
                t = c.env[name]
                result[key][name] = _with_points(value, t.nd, points)
    return result


class Runner:
    """Computes the batches of a chunk: as one batch each, or point by point when that fails."""

    def __init__(self, program: Program, shared: dict, compute, opts):
        self.program, self.shared, self.compute = program, shared, compute
        self.kw = dict(wrt=opts.wrt, outputs=opts.output, dtype=opts.dtype, seed=opts.seed,
                       device=opts.device)
        backend.use(opts.device)
        self.dtype = backend.dtype_of(opts.dtype) if opts.dtype in ("float64", "float32") else None

    def batch(self, columns: dict, points: int) -> dict:
        values = dict(self.shared)
        for name, arr in columns.items():
            values[name] = Tensor(backend.from_numpy(arr, self.dtype, what=f"the input {name}"),
                                  arr.ndim - 1)
        c = BatchComputation(self.program, values, points, **self.kw)
        return self._own(_to_points(self.compute(c), c, points))

    def _own(self, result: dict) -> dict:
        """Name the inputs whose values are the points' own (not --at's): saved as points/NAME."""
        result["_points"] = [n for n in result.get("inputs") or {} if n not in self.shared]
        return result

    def one(self, columns: dict, i: int) -> dict:
        """One point without lead axes: the fallback that trusts nothing about batching."""
        values = dict(self.shared)
        values.update({name: np.asarray(arr[i]) for name, arr in columns.items()})
        c = Computation(self.program, values, **self.kw)
        result = self.compute(c)
        for key in PER_POINT:
            result[key] = _add_axis(result.get(key))
        return self._own(result)

    def run(self, chunk: Chunk, source: Source) -> list:
        """[(positions, result)] for the good points; failures go into chunk.errors."""
        done = []
        for positions, columns in chunk.batches:
            try:
                done.append((positions, self.batch(columns, len(positions))))
                continue
            except (GradcliError, ValueError, IndexError, TypeError):
                pass  # find out which points fail, and why, one at a time
            for i, pos in enumerate(positions):
                try:
                    done.append(([pos], self.one(columns, i)))
                except GradcliError as exc:
                    chunk.errors[pos] = located(exc, source.where(chunk, pos))
        return done


def _add_axis(value):
    if isinstance(value, dict):
        return {k: _add_axis(v) for k, v in value.items()}
    if value is None:
        return None
    return np.asarray(backend.to_numpy(value))[None]

