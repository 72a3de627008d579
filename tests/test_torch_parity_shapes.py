"""Parity of the shape, indexing, sorting and dtype functions with PyTorch and NumPy.

Each case is a gradcli program, values for its inputs, and references written with torch or
NumPy (never with gradcli):
- a torch reference: outputs, a backward pass with a random gradient, the Jacobian in both
  modes, a JVP and, for a scalar output, the Hessian must agree with torch's (float64);
- a NumPy reference: the outputs must equal NumPy's, dtype kind included (the gradients of the
  NumPy spellings are checked against central differences by tests/test_ops.py, and here
  against torch where torch has the same function).
Where a name means different things in the two libraries (split, repeat, pad, diagonal...),
each spelling is checked against its own library.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest

from gradcli.api import Computation

torch = pytest.importorskip("torch")
F = torch.nn.functional
RTOL, ATOL = 1e-6, 1e-9

_rng = np.random.default_rng(2024)


def r(*shape):
    return _rng.uniform(-1.5, 1.5, size=shape)


x3, y3, v6, M33, A23, B34, T234 = r(3), r(3), r(6), r(3, 3), r(2, 3), r(3, 4), r(2, 3, 4)
R64 = r(6, 4)


@dataclass
class Case:
    program: str
    values: dict
    torch_ref: object = None  # torch_ref(**torch tensors) -> {output: tensor}
    numpy_ref: object = None  # numpy_ref(**arrays) -> {output: array}
    skip: tuple = ()
    id: str = ""
    extra: dict = field(default_factory=dict)


CASES: list[Case] = []


def case(program, torch_ref=None, numpy_ref=None, skip=(), **values):
    CASES.append(Case(program, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()},
                      torch_ref, numpy_ref, tuple(skip)))


def out(fn):
    return lambda **t: {"out": fn(**t)}


# -- 1. advanced indexing, index assignment ------------------------------------------------------

I02 = [0, 2]
case("out = x[[0, 2]] * 2", out(lambda x: x[[0, 2]] * 2), out(lambda x: x[[0, 2]] * 2), x=x3)
case("out = M[[2, 0, 2]]", out(lambda M: M[[2, 0, 2]]), out(lambda M: M[[2, 0, 2]]), M=M33)
case("out = M[:, [1, 1]] * M[[0, 2, 2], :1]", out(lambda M: M[:, [1, 1]] * M[[0, 2, 2], :1]),
     out(lambda M: M[:, [1, 1]] * M[[0, 2, 2], :1]), M=M33)
case("out = M[[0, 1], [2, 0]]", out(lambda M: M[[0, 1], [2, 0]]), out(lambda M: M[[0, 1], [2, 0]]), M=M33)
case("out = T[[1, 0], :, [3, 3]]", out(lambda T: T[[1, 0], :, [3, 3]]),
     out(lambda T: T[[1, 0], :, [3, 3]]), T=T234)  # separated arrays: their axis goes first
case("out = T[:, [[0, 1], [2, 2]], 1:3]", out(lambda T: T[:, [[0, 1], [2, 2]], 1:3]),
     out(lambda T: T[:, [[0, 1], [2, 2]], 1:3]), T=T234)
# an integer among arrays: PyTorch selects first (shape (2, 2)); NumPy puts the arrays first (2, 2)
case("out = T[1, 1:, [1, 3]]", out(lambda T: T[1, 1:, [1, 3]]), T=T234)
case("out = x[x > 0] * 3", out(lambda x: x[x > 0] * 3), out(lambda x: x[x > 0] * 3), x=x3)
case("out = M[M > 0.2].sum()", out(lambda M: M[M > 0.2].sum()), M=M33)
case("out = M[M[:, 0] > -10]", out(lambda M: M[M[:, 0] > -10]), M=M33)
case("out = T[T.sum(-1) > 0]", out(lambda T: T[T.sum(-1) > 0]), out(lambda T: T[T.sum(-1) > 0]), T=T234)
case("out = M[[True, False, True], 1:]", out(lambda M: M[[True, False, True], 1:]), M=M33)
case("out = log_softmax(z, 0)[t]", out(lambda z, t: torch.log_softmax(z, 0)[int(t)]), z=x3, t=2.0,
     skip=["t"])
case("out = -log_softmax(Z, 1)[arange(3), t].mean()",
     out(lambda Z, t: -torch.log_softmax(Z, 1)[torch.arange(3), t.long()].mean()),
     Z=M33, t=[2.0, 0.0, 1.0], skip=["t"])
case("out = x[i]", out(lambda x, i: x[i.long()]), x=v6, i=[[5.0, 0.0], [-1.0, 3.0]], skip=["i"])


def _mask_write(x):
    y = x * 1
    y[y > 0] = 0.5
    return {"y": y}


def _index_write(M, v):
    b = M * 1
    b[[0, 2]] = v
    b[:, [1]] += 1
    return {"b": b}


def _mask_value(x, w):
    y = x * 2
    y[x < 0] = w[x < 0]
    return {"y": y}


def _repeated_add(x, v):
    y = x * 1
    y[[1, 1, 2]] += v  # read, add, write: a repeated index is written once (no accumulation)
    return {"y": y}


case("y = x * 1; y[y > 0] = 0.5", _mask_write, x=x3)
case("b = M * 1; b[[0, 2]] = v; b[:, [1]] += 1", _index_write, M=M33, v=x3)
case("y = x * 2; y[x < 0] = w[x < 0]", _mask_value, x=x3, w=y3)
case("y = x * 1; y[[1, 1, 2]] += v", _repeated_add, x=v6, v=[0.5, 0.5, 2.0],
     skip=["grad"])  # torch's gradient of the repeated value slots is unspecified

# -- 2. gather and friends -----------------------------------------------------------------------

G = [[0, 0], [2, 1], [1, 1]]
case("out = torch.gather(M, 1, tensor(G))".replace("G", str(G)),
     out(lambda M: torch.gather(M, 1, torch.tensor(G))), M=M33)
case("out = M.gather(0, tensor([[2, 1, 0], [0, 0, 0]]))",
     out(lambda M: M.gather(0, torch.tensor([[2, 1, 0], [0, 0, 0]]))), M=M33)
case("out = torch.take_along_dim(M, tensor([[1], [0], [2]]), 1)",
     out(lambda M: torch.take_along_dim(M, torch.tensor([[1], [0], [2]]), 1)),
     out(lambda M: np.take_along_axis(M, np.array([[1], [0], [2]]), 1)), M=M33)
case("out = np.take_along_axis(M, np.argsort(M, axis=0), axis=0)",
     out(lambda M: torch.take_along_dim(M, torch.argsort(M, dim=0, stable=True), 0)),
     out(lambda M: np.take_along_axis(M, np.argsort(M, axis=0, kind="stable"), axis=0)), M=M33)
case("out = torch.index_select(M, 0, tensor([2, 0, 2]))",
     out(lambda M: torch.index_select(M, 0, torch.tensor([2, 0, 2]))), M=M33)
case("out = torch.take(M, tensor([[0, 8], [-1, 4]]))",
     out(lambda M: torch.take(M, torch.tensor([[0, 8], [-1, 4]]))), M=M33)
case("out = np.take(M, [2, 0, 0], axis=1)", out(lambda M: M[:, [2, 0, 0]]),
     out(lambda M: np.take(M, [2, 0, 0], axis=1)), M=M33)
case("out = np.take(M, [[1, 5]])", out(lambda M: M.reshape(-1)[torch.tensor([[1, 5]])]),
     out(lambda M: np.take(M, [[1, 5]])), M=M33)
case("out = M.index_add(0, tensor([0, 2, 0]), N)",
     out(lambda M, N: M.index_add(0, torch.tensor([0, 2, 0]), N)), M=M33, N=r(3, 3))
case("out = M.scatter_add(1, tensor([[0, 0], [2, 1], [1, 1]]), N)",
     out(lambda M, N: M.scatter_add(1, torch.tensor([[0, 0], [2, 1], [1, 1]]), N)), M=M33, N=r(3, 2))
case("out = M.masked_fill(M > 0, 0.5)", out(lambda M: M.masked_fill(M > 0, 0.5)), M=M33)
case("out = masked_select(M, x > 0)", out(lambda M, x: torch.masked_select(M, x > 0)), M=M33, x=x3)
case("out = torch.select(T, 1, -1)", out(lambda T: torch.select(T, 1, -1)), T=T234)
case("out = M[torch.nonzero(M > 0, as_tuple=True)]",
     out(lambda M: M[torch.nonzero(M > 0, as_tuple=True)]), M=M33)
case("out = M[np.nonzero(M > 0)]", numpy_ref=out(lambda M: M[np.nonzero(M > 0)]), M=M33)
case("out = torch.nonzero(M > 0)", out(lambda M: torch.nonzero(M > 0)), M=M33)
case("out = torch.where(M > 0)[1]", out(lambda M: torch.where(M > 0)[1]), M=M33)
case("out = torch.where(condition=M > 0, input=M, other=x)",
     out(lambda M, x: torch.where(M > 0, M, x)), M=M33, x=x3)
case("out = np.where(M > 0, x=M, y=0.5)", numpy_ref=out(lambda M: np.where(M > 0, M, 0.5)), M=M33)
case("out = np.select([x < -0.5, x < 0.5], [x * 2, x ** 2], 7.0)",
     numpy_ref=out(lambda x: np.select([x < -0.5, x < 0.5], [x * 2, x ** 2], 7.0)), x=x3)

# -- 3. comparisons, logic, dtypes -----------------------------------------------------------------

case("out = (x > 0) * x + (x <= y) * y", out(lambda x, y: (x > 0) * x + (x <= y) * y), x=x3, y=y3)
case("out = x > y", out(lambda x, y: x > y), out(lambda x, y: x > y), x=x3, y=y3)
case("out = logical_xor(x > 0, y > 0)", out(lambda x, y: torch.logical_xor(x > 0, y > 0)),
     out(lambda x, y: np.logical_xor(x > 0, y > 0)), x=x3, y=y3)
case("out = isfinite(x / (x > 0))", out(lambda x: torch.isfinite(x / (x > 0))), x=x3)
case("out = argmax(M, 1)", out(lambda M: torch.argmax(M, 1)), out(lambda M: np.argmax(M, 1)), M=M33)
case("out = (x > 0).sum()", out(lambda x: (x > 0).sum()), out(lambda x: (x > 0).sum()), x=x3)
case("out = torch.zeros(3, dtype=torch.float32) + x", out(lambda x: torch.zeros(3, dtype=torch.float32) + x),
     x=x3)
case("out = x.float() * y", out(lambda x, y: x.float() * y), x=x3, y=y3)
case("out = (x.float() * 2).sum()", out(lambda x: (x.float() * 2).sum()), x=x3)
case("out = x.to(torch.float32) * torch.ones(3, dtype=torch.float32)",
     out(lambda x: x.to(torch.float32) * torch.ones(3, dtype=torch.float32)), x=x3)
case("out = x.long()", out(lambda x: (x * 3).long() * 0 + x.long()), x=x3 * 3)
case("out = tensor([1, 2]) // 2 + tensor([5, 7], dtype=torch.long) // 2 + tensor([5, 7], dtype=torch.long) % 3",
     out(lambda: torch.tensor([1., 2.]) // 2 + torch.tensor([5, 7]) // 2 + torch.tensor([5, 7]) % 3),
     skip=["grad"])
case("out = arange(4, dtype=torch.int64) / 2", out(lambda: torch.arange(4) / 2), skip=["grad"])
# torch.linspace does not differentiate its tensor ends; gradcli does, computing as torch does:
# from the start for the first half, back from the end for the second.
_i5 = torch.arange(5.0)


def _linspace(s, x):
    step = (x[0] - s) / 4
    return torch.where(_i5 < 2, s + _i5 * step, x[0] - (4 - _i5) * step)


case("out = linspace(s, x[0], 5)", out(_linspace), s=0.3, x=x3)
case("out = torch.linspace(0.3, 1.7, 5) * x[0]", out(lambda x: torch.linspace(0.3, 1.7, 5) * x[0]), x=x3)

# -- 4. % and //, remainder, fmod -----------------------------------------------------------------

P3 = np.array([0.7, 1.3, 2.1])
case("out = x % y", out(lambda x, y: x % y), out(lambda x, y: x % y), x=x3 * 3, y=P3 * [1, -1, 1])
case("out = torch.remainder(x, 0.7) * y", out(lambda x, y: torch.remainder(x, 0.7) * y), x=x3 * 3, y=y3)
case("out = torch.fmod(x, y)", out(lambda x, y: torch.fmod(x, y)), out(lambda x, y: np.fmod(x, y)),
     x=x3 * 3, y=P3 * [1, -1, 1])
case("out = (x // y) * x", out(lambda x, y: torch.floor_divide(x, y).detach() * x),
     out(lambda x, y: (x // y) * x), x=x3 * 3, y=P3 * [1, -1, 1])
case("out = np.mod(x, -0.8)", numpy_ref=out(lambda x: np.mod(x, -0.8)), x=x3 * 3)

# -- 5. joining and cutting -----------------------------------------------------------------------

case("out = torch.hstack([x, y])", out(lambda x, y: torch.hstack([x, y])), out(lambda x, y: np.hstack([x, y])),
     x=x3, y=y3)
case("out = np.hstack([M, A.T])", out(lambda M, A: torch.hstack([M, A.T])),
     out(lambda M, A: np.hstack([M, A.T])), M=M33, A=A23)
case("out = torch.vstack([x, M])", out(lambda x, M: torch.vstack([x, M])), out(lambda x, M: np.vstack([x, M])),
     x=x3, M=M33)
case("out = np.row_stack([x, y])", out(lambda x, y: torch.vstack([x, y])), x=x3, y=y3)
case("out = torch.column_stack([x, M, y])", out(lambda x, M, y: torch.column_stack([x, M, y])),
     out(lambda x, M, y: np.column_stack([x, M, y])), x=x3, M=M33, y=y3)
case("out = torch.dstack([M, M * 2])", out(lambda M: torch.dstack([M, M * 2])),
     out(lambda M: np.dstack([M, M * 2])), M=M33)
case("out = np.dstack([x, y])", out(lambda x, y: torch.dstack([x, y])), out(lambda x, y: np.dstack([x, y])),
     x=x3, y=y3)
case("out = np.append(M, x)", out(lambda M, x: torch.cat([M.reshape(-1), x])), out(lambda M, x: np.append(M, x)),
     M=M33, x=x3)
case("out = np.append(M, A, axis=0)", out(lambda M, A: torch.cat([M, A])), out(lambda M, A: np.append(M, A, axis=0)),
     M=M33, A=A23)
case("out = torch.split(v, 4)[1]", out(lambda v: torch.split(v, 4)[1]), v=v6)  # sizes 4, 2
case("out = np.split(v, 2)[1]", out(lambda v: torch.tensor_split(v, 2)[1]),
     out(lambda v: np.split(v, 2)[1]), v=v6)  # 2 pieces of 3
case("out = torch.split(v, [1, 5])[1]", out(lambda v: torch.split(v, [1, 5])[1]), v=v6)  # sizes
case("out = np.split(v, [1, 5])[1]", out(lambda v: v[1:5]), out(lambda v: np.split(v, [1, 5])[1]),
     v=v6)  # cut positions
case("a, b = torch.split(R, 3, dim=0); out = a * b", out(lambda R: torch.split(R, 3)[0] * torch.split(R, 3)[1]),
     R=R64)
case("out = np.array_split(v, 4)[0]", out(lambda v: torch.tensor_split(v, 4)[0]),
     out(lambda v: np.array_split(v, 4)[0]), v=v6)
case("out = np.array_split(v, 4)[3]", numpy_ref=out(lambda v: np.array_split(v, 4)[3]), v=v6)
case("out = torch.tensor_split(R, [1, 4], dim=0)[1]", out(lambda R: torch.tensor_split(R, [1, 4], dim=0)[1]),
     R=R64)
case("out = np.hsplit(R, 2)[1]", out(lambda R: torch.hsplit(R, 2)[1]), out(lambda R: np.hsplit(R, 2)[1]), R=R64)
case("out = torch.vsplit(R, [2])[1]", out(lambda R: torch.vsplit(R, [2])[1]), out(lambda R: np.vsplit(R, [2])[1]),
     R=R64)
case("out = np.dsplit(T, [1, 3])[1]", out(lambda T: torch.dsplit(T, [1, 3])[1]),
     out(lambda T: np.dsplit(T, [1, 3])[1]), T=T234)
case("out = torch.chunk(R, 4)[2]", out(lambda R: torch.chunk(R, 4)[2]), R=R64)  # 3 chunks of 2 rows
case("out = len(torch.chunk(R, 4)) * R", out(lambda R: len(torch.chunk(R, 4)) * R), R=R64)
case("a, b, c = torch.unbind(M, 1); out = a * b - c", out(lambda M: M[:, 0] * M[:, 1] - M[:, 2]), M=M33)

# -- 6. flips, rolls, rotations, repeats -------------------------------------------------------------

case("out = torch.flip(T, [0, 2])", out(lambda T: torch.flip(T, [0, 2])), T=T234)
case("out = np.flip(T)", out(lambda T: torch.flip(T, [0, 1, 2])), out(lambda T: np.flip(T)), T=T234)
case("out = np.fliplr(A) * torch.flipud(A)", out(lambda A: torch.fliplr(A) * torch.flipud(A)),
     out(lambda A: np.fliplr(A) * np.flipud(A)), A=A23)
case("out = torch.roll(T, 2)", out(lambda T: torch.roll(T, 2)), out(lambda T: np.roll(T, 2)), T=T234)
case("out = torch.roll(T, (1, -1), (0, 2))", out(lambda T: torch.roll(T, (1, -1), (0, 2))),
     out(lambda T: np.roll(T, (1, -1), (0, 2))), T=T234)
case("out = torch.rot90(A)", out(lambda A: torch.rot90(A)), out(lambda A: np.rot90(A)), A=A23)
case("out = np.rot90(T, 3, axes=(2, 0))", out(lambda T: torch.rot90(T, 3, (2, 0))),
     out(lambda T: np.rot90(T, 3, axes=(2, 0))), T=T234)
case("out = A.repeat(2, 3)", out(lambda A: A.repeat(2, 3)), out(lambda A: np.tile(A, (2, 3))), A=A23)
case("out = x.repeat(2, 1, 2)", out(lambda x: x.repeat(2, 1, 2)), x=x3)
case("out = np.tile(A, 2)", out(lambda A: torch.tile(A, (2,))), out(lambda A: np.tile(A, 2)), A=A23)
case("out = np.repeat(A, 2)", out(lambda A: torch.repeat_interleave(A, 2)), out(lambda A: np.repeat(A, 2)), A=A23)
case("out = torch.repeat_interleave(A, tensor([1, 0, 3]), dim=1)",
     out(lambda A: torch.repeat_interleave(A, torch.tensor([1, 0, 3]), dim=1)),
     out(lambda A: np.repeat(A, [1, 0, 3], axis=1)), A=A23)

# -- 7. triangles, diagonals, swaps ----------------------------------------------------------------

case("out = torch.triu(M, 1) + torch.tril(M, diagonal=-1) * 2",
     out(lambda M: torch.triu(M, 1) + torch.tril(M, diagonal=-1) * 2),
     out(lambda M: np.triu(M, 1) + np.tril(M, -1) * 2), M=M33)
case("out = torch.triu(T)", out(lambda T: torch.triu(T)), out(lambda T: np.triu(T)), T=T234)
case("out = np.tril(x, k=1)", numpy_ref=out(lambda x: np.tril(x, k=1)), x=x3)
case("out = torch.diagonal(T)", out(lambda T: torch.diagonal(T)), out(lambda T: np.diagonal(T)), T=T234)
case("out = T.diagonal(1, 1, 2)", out(lambda T: T.diagonal(1, 1, 2)), out(lambda T: np.diagonal(T, 1, 1, 2)),
     T=T234)
case("out = np.diagonal(T, offset=-1, axis1=2, axis2=1)", out(lambda T: torch.diagonal(T, -1, 2, 1)),
     out(lambda T: np.diagonal(T, offset=-1, axis1=2, axis2=1)), T=T234)
case("out = np.diag(x, k=1) + np.diag(x, -1)", out(lambda x: torch.diag(x, 1) + torch.diag(x, -1)),
     out(lambda x: np.diag(x, k=1) + np.diag(x, -1)), x=x3)
case("out = np.diag(B, k=1)", out(lambda B: torch.diag(B, 1)), out(lambda B: np.diag(B, k=1)), B=B34)
case("out = torch.swapaxes(T, 0, 2)", out(lambda T: torch.swapaxes(T, 0, 2)),
     out(lambda T: np.swapaxes(T, 0, 2)), T=T234)
case("out = torch.movedim(T, 0, -1)", out(lambda T: torch.movedim(T, 0, -1)),
     out(lambda T: np.moveaxis(T, 0, -1)), T=T234)
case("out = np.moveaxis(T, [0, 1], [2, 0])", out(lambda T: torch.movedim(T, (0, 1), (2, 0))),
     out(lambda T: np.moveaxis(T, [0, 1], [2, 0])), T=T234)
case("out = np.rollaxis(T, 2)", out(lambda T: T.permute(2, 0, 1)), out(lambda T: np.rollaxis(T, 2)), T=T234)
case("out = np.rollaxis(T, 0, 2)", out(lambda T: T.permute(1, 0, 2)), out(lambda T: np.rollaxis(T, 0, 2)),
     T=T234)
case("out = torch.atleast_3d(x) * 2", out(lambda x: torch.atleast_3d(x) * 2),
     out(lambda x: np.atleast_3d(x) * 2), x=x3)
case("out = np.atleast_2d(s) * M", out(lambda s, M: torch.atleast_2d(s) * M),
     out(lambda s, M: np.atleast_2d(s) * M), s=0.7, M=M33)

# -- 8. sorting, scans, differences ----------------------------------------------------------------

TIE = np.array([[0.5, -1.0, 0.5, 2.0], [1.0, 1.0, -3.0, 1.0], [0.0, 2.5, -0.5, 0.0]])
case("out = torch.sort(R, 1).values", out(lambda R: torch.sort(R, 1).values),
     out(lambda R: np.sort(R, 1)), R=R64)
case("v, i = torch.sort(B, 0, descending=True); out = v * 2 + i",
     out(lambda B: torch.sort(B, dim=0, descending=True, stable=True)[0] * 2
         + torch.sort(B, dim=0, descending=True, stable=True)[1]), B=TIE)
case("out = sort(B, stable=True)[1]", out(lambda B: torch.sort(B, stable=True)[1]), B=TIE)
case("out = np.sort(B, axis=None)", out(lambda B: torch.sort(B.reshape(-1)).values),
     out(lambda B: np.sort(B, axis=None)), B=TIE)
case("out = np.argsort(B, axis=0)", numpy_ref=out(lambda B: np.argsort(B, axis=0, kind="stable")), B=TIE)
case("out = torch.topk(R, 2, dim=0).values", out(lambda R: torch.topk(R, 2, dim=0).values), R=R64)
case("out = torch.topk(R, 3, largest=False)[0]", out(lambda R: torch.topk(R, 3, largest=False)[0]), R=R64)
case("out = torch.kthvalue(R, 2, 0).values", out(lambda R: torch.kthvalue(R, 2, 0).values), R=R64)
case("out = torch.cumsum(T, 1)", out(lambda T: torch.cumsum(T, 1)), out(lambda T: np.cumsum(T, 1)), T=T234)
case("out = np.cumsum(M)", out(lambda M: torch.cumsum(M.reshape(-1), 0)), out(lambda M: np.cumsum(M)), M=M33)
case("out = torch.cumprod(B, 1)", out(lambda B: torch.cumprod(B, 1)), out(lambda B: np.cumprod(B, 1)), B=TIE)
case("out = (torch.cumprod(B, 1) * W).sum()", out(lambda B, W: (torch.cumprod(B, 1) * W).sum()),
     B=TIE, W=r(3, 4))  # zeros: once, twice, at the end; exact gradients and Hessian
case("out = torch.diff(T, dim=1)", out(lambda T: torch.diff(T, dim=1)), out(lambda T: np.diff(T, axis=1)),
     T=T234)
case("out = np.diff(x, n=2, prepend=y)", out(lambda x, y: torch.diff(x, n=2, prepend=y)),
     out(lambda x, y: np.diff(x, n=2, prepend=y)), x=x3, y=y3)

# -- 9. padding, expanding, narrowing, nan_to_num -----------------------------------------------------

case("out = F.pad(A, (1, 2))", out(lambda A: F.pad(A, (1, 2))), out(lambda A: np.pad(A, ((0, 0), (1, 2)))), A=A23)
case("out = F.pad(T, (1, 0, 0, 2), value=s)", out(lambda T, s: F.pad(T, (1, 0, 0, 2), value=float(s))),
     T=T234, s=0.3, skip=["s"])
case("out = F.pad(T, (2, 1), mode='reflect')", out(lambda T: F.pad(T, (2, 1), mode="reflect")),
     out(lambda T: np.pad(T, ((0, 0), (0, 0), (2, 1)), mode="reflect")), T=T234)
case("out = F.pad(T, (1, 2, 2, 0), mode='replicate')", out(lambda T: F.pad(T, (1, 2, 2, 0), mode="replicate")),
     out(lambda T: np.pad(T, ((0, 0), (2, 0), (1, 2)), mode="edge")), T=T234)
case("out = F.pad(T, (3, 1), mode='circular')", out(lambda T: F.pad(T, (3, 1), mode="circular")),
     out(lambda T: np.pad(T, ((0, 0), (0, 0), (3, 1)), mode="wrap")), T=T234)
case("out = F.pad(T, (-1, 1, 1, -1))", out(lambda T: F.pad(T, (-1, 1, 1, -1))), T=T234)
case("out = np.pad(A, ((1, 0), (2, 1)), constant_values=2.0)",
     numpy_ref=out(lambda A: np.pad(A, ((1, 0), (2, 1)), constant_values=2.0)), A=A23)
case("out = np.pad(x, 2, mode='symmetric')", numpy_ref=out(lambda x: np.pad(x, 2, mode="symmetric")), x=x3)
case("out = x.expand(2, 3) * A", out(lambda x, A: x.expand(2, 3) * A), x=x3, A=A23)
case("out = A[:1].expand_as(A) + A.narrow(1, 1, 2).sum()",
     out(lambda A: A[:1].expand_as(A) + A.narrow(1, 1, 2).sum()), A=A23)
case("out = T.view_as(R) * R", out(lambda T, R: T.view_as(R) * R), T=T234, R=r(6, 4))
case("out = T.unflatten(2, (2, -1))", out(lambda T: T.unflatten(2, (2, -1))), T=T234)
case("out = np.expand_dims(A, (0, 3))", out(lambda A: A.reshape(1, 2, 3, 1)),
     out(lambda A: np.expand_dims(A, (0, 3))), A=A23)
case("out = nan_to_num(x + log(tensor([-1., 0., 2.])), nan=0.5) * y",
     out(lambda x, y: torch.nan_to_num(x + torch.log(torch.tensor([-1., 0., 2.])), nan=0.5) * y),
     x=x3, y=y3)

for _i, _c in enumerate(CASES):
    _c.id = f"{_i:03d}:{_c.program[:60]}"


# -- the harness ---------------------------------------------------------------------------------

def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _check(actual, expected, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64), rtol=RTOL,
                               atol=ATOL, err_msg=what)


def _kind(a) -> str:
    """'f' floating, 'i' integer (booleans are reported as 0/1 integers)."""
    kind = np.asarray(a).dtype.kind
    return "i" if kind in "iub" else "f"


def _torch_values(c: Case, names):
    return [torch.tensor(c.values[n]) for n in names]


def _random(seed, shapes):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, size=s) * rng.choice([-1.0, 1.0], size=s) for s in shapes]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("c", [c for c in CASES if c.numpy_ref], ids=[c.id for c in CASES if c.numpy_ref])
def test_numpy_values(c: Case):
    got = Computation(c.program, c.values).evaluate()["outputs"]
    with np.errstate(all="ignore"):
        want = c.numpy_ref(**c.values)
    assert list(got) == list(want)
    for name in want:
        _check(got[name], want[name], f"output {name}")
        assert _kind(got[name]) == _kind(want[name]), f"{name}: {got[name].dtype} vs {np.asarray(want[name]).dtype}"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("c", [c for c in CASES if c.torch_ref], ids=[c.id for c in CASES if c.torch_ref])
def test_torch_parity(c: Case):
    wrt = [n for n in c.values if n not in c.skip]
    comp = Computation(c.program, c.values, wrt=wrt or None)
    names, outs = comp.wrt if wrt else [], comp.output_names
    fixed = {n: torch.tensor(c.values[n]) for n in c.values if n not in names}

    def f(*xs):
        result = c.torch_ref(**dict(zip(names, xs)), **fixed)
        assert list(result) == outs, f"reference outputs {list(result)} != gradcli's {outs}"
        return tuple(result[n] for n in outs)

    expected = f(*_torch_values(c, names))
    got = comp.evaluate()["outputs"]
    for n, e in zip(outs, expected):
        _check(got[n], _np(e), f"output {n}")
        assert _kind(got[n]) == _kind(_np(e)), f"output {n}: {got[n].dtype} vs torch {e.dtype}"
    if not names or "grad" in c.skip:
        return
    seed = zlib.crc32(c.program.encode())
    floating = [n for n, e in zip(outs, expected) if e.is_floating_point()]

    # backward with a random gradient
    leaves = [t.requires_grad_() for t in _torch_values(c, names)]
    ys = f(*leaves)
    cot = _random(seed, [tuple(y.shape) for y in ys])
    pairs = [(y, torch.tensor(g)) for y, g in zip(ys, cot) if y.requires_grad]
    grads = torch.autograd.grad([y for y, _ in pairs], leaves, [g for _, g in pairs],
                                allow_unused=True) if pairs else [None] * len(leaves)
    back = comp.backward([{o: g for o, g in zip(outs, cot)}])
    for n, leaf, g in zip(names, leaves, grads):
        _check(back["grad"][n], np.zeros(leaf.shape) if g is None else _np(g), f"grad {n}")
    if floating != outs:
        return

    # the Jacobian, both modes, and a JVP
    primals = tuple(_torch_values(c, names))
    jac = torch.autograd.functional.jacobian(f, primals)
    for mode in ("reverse", "forward"):
        blocks = comp.jacobian(mode=mode)["jacobian"]
        for i, o in enumerate(outs):
            for j, n in enumerate(names):
                _check(blocks[o][n], _np(jac[i][j]), f"{mode} jacobian[{o}][{n}]")
    tangent = _random(seed + 1, [tuple(p.shape) for p in primals])
    _, jvp = torch.autograd.functional.jvp(f, primals, tuple(torch.tensor(t) for t in tangent))
    got = comp.jvp([dict(zip(names, tangent))])["jvp"]
    for o, e in zip(outs, jvp):
        _check(got[o], _np(e), f"jvp {o}")

    # the Hessian of a scalar output
    if len(outs) == 1 and comp.outputs[outs[0]].size == 1:
        hess = torch.autograd.functional.hessian(lambda *xs: f(*xs)[0].reshape(()), primals)
        got = comp.hessian()["hessian"]
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                _check(got[a][b], _np(hess[i][j]), f"hessian[{a}][{b}]")


def test_corpus_size():
    assert len([c for c in CASES if c.torch_ref]) >= 100
    assert len([c for c in CASES if c.numpy_ref]) >= 60
