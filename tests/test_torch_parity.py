"""Parity with PyTorch: every construct of SPEC section 1, checked against torch in float64.

Each case is a gradcli program, values for its inputs, and a reference written with torch
(never with gradcli). For every case the outputs, a backward pass with a random gradient,
the Jacobian (reverse and forward mode), a JVP with a random tangent and, for a scalar
output, the Hessian must agree at rtol 1e-6 / atol 1e-9. A sample also goes through the
command line's JSON.

Where PyTorch and the SPEC differ, the SPEC wins and the reference says so:
- `max(x, dim)` / `min(x, dim)`: PyTorch sends the gradient of the values to one index per
  slice; the SPEC shares it evenly among ties, as torch.amax does. Without ties they agree.
- `np.array([...])` / `np.asarray` of tensors stay differentiable (like `[...]`, or JAX's
  jnp.array); `torch.tensor([...])` is a constant, as in PyTorch.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest
from conftest import cli_json

from gradcli.api import Computation

torch = pytest.importorskip("torch")
F = torch.nn.functional
RTOL, ATOL = 1e-6, 1e-9
T64 = torch.float64


pytestmark = pytest.mark.usefixtures("torch_float64")


# -- values ------------------------------------------------------------------------------------

_rng = np.random.default_rng(1234)


def r(*shape, lo=-1.5, hi=1.5):
    """Random values away from nothing in particular (ties and zeros are cases of their own)."""
    return _rng.uniform(lo, hi, size=shape)


def pos(*shape):
    return r(*shape, lo=0.3, hi=2.0)


x3, y3, M33, A23, B34, T234 = r(3), r(3), r(3, 3), r(2, 3), r(3, 4), r(2, 3, 4)
P3 = pos(3)


@dataclass
class Case:
    program: str
    ref: object  # ref(**torch inputs) -> {output name: tensor}, in gradcli's output order
    values: dict
    defaults: dict = field(default_factory=dict)  # requires_grad tensors made by the program
    skip: tuple = ()  # checks left out, each with its reason where the case is made
    id: str = ""


CASES: list[Case] = []


def case(program, ref, defaults=None, skip=(), **values):
    CASES.append(Case(program, ref, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()},
                      defaults or {}, tuple(skip)))


def out(fn):
    """A reference of one output named `out`."""
    return lambda **t: {"out": fn(**t)}


# -- 1. elementwise functions: function form with each prefix, method form, kinks -----------------

# name -> (a gradcli value for the argument, the torch function)
UNARY = {
    "sin": (x3, torch.sin), "cos": (x3, torch.cos), "tan": (x3, torch.tan),
    "asin": (x3 * 0.6, torch.asin), "acos": (x3 * 0.6, torch.acos), "atan": (x3, torch.atan),
    "sinh": (x3, torch.sinh), "cosh": (x3, torch.cosh), "tanh": (x3, torch.tanh),
    "exp": (x3, torch.exp), "expm1": (x3, torch.expm1), "log": (P3, torch.log),
    "log1p": (P3, torch.log1p), "log2": (P3, torch.log2), "log10": (P3, torch.log10),
    "sqrt": (P3, torch.sqrt), "abs": (x3, torch.abs), "sign": (x3, torch.sign),
    "relu": (x3, torch.relu), "sigmoid": (x3, torch.sigmoid), "softplus": (x3, F.softplus),
    "erf": (x3, torch.erf), "floor": (x3 * 3, torch.floor), "ceil": (x3 * 3, torch.ceil),
}
PREFIX = {"relu": "F.", "sigmoid": "torch.", "softplus": "F.", "erf": "torch.special.",
          "floor": "np.", "ceil": "numpy.", "log1p": "np.", "expm1": "np.", "sign": "np.",
          "log10": "np.", "log2": "numpy.", "tanh": "F."}
NUMPY_NAMES = {"asin": "np.arcsin", "acos": "np.arccos", "atan": "np.arctan", "abs": "np.absolute"}

for _name, (_value, _fn) in UNARY.items():
    _prefix = PREFIX.get(_name, "torch.")
    case(f"out = {_prefix}{_name}(x) * y", out(lambda x, y, f=_fn: f(x) * y), x=_value, y=y3)
    _method = f"x.{_name}()" if _name != "softplus" else "F.softplus(x)"
    case(f"out = ({_method} * x).sum()", out(lambda x, f=_fn: (f(x) * x).sum()), x=_value)
    if _name in NUMPY_NAMES:
        case(f"out = {NUMPY_NAMES[_name]}(x)", out(lambda x, f=_fn: f(x)), x=_value)
case("out = F.softplus(M) @ x", out(lambda M, x: F.softplus(M) @ x), M=M33 * 30, x=x3)

# kinks at 0, as PyTorch: relu'(0) = 0, abs'(0) = 0, sign' = 0, sqrt'(0) = inf
Z = np.array([-1.5, 0.0, 2.0])
case("out = relu(x) * y", out(lambda x, y: torch.relu(x) * y), x=Z, y=y3)
case("out = x.relu().sum()", out(lambda x: x.relu().sum()), x=Z)
case("out = abs(x) * y", out(lambda x, y: torch.abs(x) * y), x=Z, y=y3)
case("out = (x.abs() ** 3).sum()", out(lambda x: (x.abs() ** 3).sum()), x=Z)
case("out = sign(x) * x", out(lambda x: torch.sign(x) * x), x=Z)
case("out = torch.sqrt(x)", out(lambda x: torch.sqrt(x)), x=np.array([0.0, 1.0, 4.0]))
case("out = torch.clamp(x, min=0)", out(lambda x: torch.clamp(x, min=0)), x=Z)
# An infinite gradient where a mask is 0 is stopped there (PyTorch selects, it does not multiply).
# Forward mode cannot: the zero tangent meets sqrt'(0) = inf after the mask (torch.func too).
case("out = sqrt(x.clamp(min=0)) + relu(x) ** 0.5 + sqrt(maximum(x, 0))",
     out(lambda x: torch.sqrt(x.clamp(min=0)) + torch.relu(x) ** 0.5
         + torch.sqrt(torch.maximum(x, torch.tensor(0.)))), x=[-1.0, 4.0, 0.5], skip=["forward"])
case("out = maximum(x, 0) + minimum(x, 0) * 2",
     out(lambda x: torch.maximum(x, torch.tensor(0.)) + torch.minimum(x, torch.tensor(0.)) * 2), x=Z)
case("out = torch.maximum(x, y)", out(lambda x, y: torch.maximum(x, y)), x=[1.0, 2.0, -3.0], y=[1.0, 0.5, -3.0])
case("out = torch.minimum(x, y) * x", out(lambda x, y: torch.minimum(x, y) * x),
     x=[1.0, 2.0, -3.0], y=[1.0, 0.5, -3.0])
case("out = np.maximum(x, y).sum() + np.fmin(x, y).sum()",
     out(lambda x, y: torch.maximum(x, y).sum() + torch.fmin(x, y).sum()),
     x=[1.0, 2.0, -3.0], y=[1.0, 0.5, 0.0])

# pow with tensor and number exponents, atan2
case("out = x ** y", out(lambda x, y: x ** y), x=P3, y=y3)
case("out = torch.pow(x, y) * x", out(lambda x, y: torch.pow(x, y) * x), x=P3, y=y3)
case("out = x.pow(2) + x.pow(3) - np.power(x, 4)",
     out(lambda x: x.pow(2) + x.pow(3) - torch.pow(x, 4)), x=x3)
case("out = 2 ** x + x ** 0.5 + x ** -1", out(lambda x: 2 ** x + x ** 0.5 + x ** -1), x=P3)
case("out = (M ** x).sum()", out(lambda M, x: (M ** x).sum()), M=pos(3, 3), x=x3)
case("out = s ** x", out(lambda s, x: s ** x), s=1.7, x=x3)
case("out = (x ** 2).sum()", out(lambda x: (x ** 2).sum()), x=Z)
case("out = x ** y", out(lambda x, y: x ** y), x=[0.0, 0.0, 2.0], y=[2.0, 1.5, 0.0])
case("out = torch.atan2(y, x)", out(lambda y, x: torch.atan2(y, x)), y=y3, x=x3)
case("out = torch.atan2(y, x) * 2", out(lambda y, x: torch.atan2(y, x) * 2),  # 0 at the origin
     y=[0.0, 0.0, 1.0], x=[0.0, 1.0, 0.0])
case("out = np.arctan2(y, x).sum() + y.atan2(x * 2).sum()",
     out(lambda y, x: torch.atan2(y, x).sum() + y.atan2(x * 2).sum()), y=y3, x=x3)

# arithmetic, broadcasting, unary minus, number literals and constants
case("out = x + M * y - M / (y.abs() + 1)", out(lambda x, M, y: x + M * y - M / (y.abs() + 1)),
     x=x3, M=M33, y=y3)
case("out = -x * 3 + +y / 2 - 1", out(lambda x, y: -x * 3 + +y / 2 - 1), x=x3, y=y3)
case("out = T * M[:, None] + x[:, None]", out(lambda T, M, x: T * M[:, None] + x[:, None]),
     T=T234, M=r(3), x=r(3))
case("out = A[:, :, None] * B[None] - s", out(lambda A, B, s: A[:, :, None] * B[None] - s),
     A=A23, B=B34, s=0.7)
case("out = s * pi + e * s ** 2 + torch.pi * np.e - math.pi",
     out(lambda s: s * torch.pi + torch.e * s ** 2 + torch.pi * torch.e - torch.pi), s=0.4)
case("out = 1 / x", out(lambda x: 1 / x), x=P3)

# where and comparisons (non-differentiable 0/1 masks)
case("out = torch.where(x > 0, x, y)", out(lambda x, y: torch.where(x > 0, x, y)), x=x3, y=y3)
case("out = where(x > y, x ** 2, y * x)", out(lambda x, y: torch.where(x > y, x ** 2, y * x)),
     x=x3, y=y3)
case("out = np.where(M >= 0.1, M, 0.)", out(lambda M: torch.where(M >= 0.1, M, torch.tensor(0.))),
     M=M33)
case("out = (x > 0) * x + (x <= y) * y + (x == y) * 1.0 + (x != y) * x",
     out(lambda x, y: (x > 0) * x + (x <= y) * y + (x == y) * 1.0 + (x != y) * x),
     x=[1.0, -2.0, 0.5], y=[1.0, 0.3, -0.5])
case("out = where(x < y, M, x * y)", out(lambda x, y, M: torch.where(x < y, M, x * y)),
     x=x3, y=y3, M=M33)

# clamp / clip
case("out = torch.clamp(x, -0.5, 0.5)", out(lambda x: torch.clamp(x, -0.5, 0.5)),
     x=[-0.5, 0.5, 0.2])
case("out = x.clamp(min=-0.2)", out(lambda x: x.clamp(min=-0.2)), x=x3)
case("out = x.clamp(max=0.3) * y", out(lambda x, y: x.clamp(max=0.3) * y), x=x3, y=y3)
case("out = torch.clamp(x, min=None, max=0.5)", out(lambda x: torch.clamp(x, min=None, max=0.5)),
     x=x3)
case("out = torch.clamp(M, max=None, min=-0.1).sum()",
     out(lambda M: torch.clamp(M, max=None, min=-0.1).sum()), M=M33)
case("out = np.clip(x, -1, 0.4)", out(lambda x: torch.clip(x, -1, 0.4)), x=x3)
case("out = x.clip(y - 0.5, y + 0.5)", out(lambda x, y: x.clip(y - 0.5, y + 0.5)), x=x3, y=y3)
case("out = torch.clamp(x, min=y)", out(lambda x, y: torch.clamp(x, min=y)), x=x3, y=y3)

# -- 2. reductions ----------------------------------------------------------------------------

case("out = x.sum()", out(lambda x: x.sum()), x=x3)
case("out = torch.sum(M, dim=0)", out(lambda M: torch.sum(M, dim=0)), M=M33)
case("out = M.sum(1, keepdim=True) * M", out(lambda M: M.sum(1, keepdim=True) * M), M=M33)
case("out = np.sum(T, axis=(0, 2))", out(lambda T: torch.sum(T, dim=(0, 2))), T=T234)
case("out = T.sum(dim=[-1, 0], keepdim=True)", out(lambda T: T.sum(dim=[-1, 0], keepdim=True)),
     T=T234)
case("out = np.sum(M, axis=-1, keepdims=True)", out(lambda M: torch.sum(M, dim=-1, keepdim=True)),
     M=M33)
case("out = x.mean()", out(lambda x: x.mean()), x=x3)
case("out = torch.mean(T, dim=(1, 2))", out(lambda T: torch.mean(T, dim=(1, 2))), T=T234)
case("out = np.mean(M, axis=0, keepdims=True)", out(lambda M: torch.mean(M, 0, keepdim=True)),
     M=M33)
case("out = M.mean(-1) @ x", out(lambda M, x: M.mean(-1) @ x), M=M33, x=x3)
case("out = x.prod()", out(lambda x: x.prod()), x=x3)
case("out = torch.prod(M, 1)", out(lambda M: torch.prod(M, 1)), M=M33)
case("out = (M.prod(0) * x).sum()", out(lambda M, x: (M.prod(0) * x).sum()),
     M=[[1.0, 0.0, 2.0], [3.0, 0.0, 0.0], [0.5, -1.0, 4.0]], x=x3)
case("out = M.prod(dim=0, keepdim=True)", out(lambda M: M.prod(dim=0, keepdim=True)),
     M=[[1.0, 0.0, 2.0], [3.0, 0.0, 0.0], [0.5, -1.0, 4.0]])
case("out = np.prod(x)", out(lambda x: torch.prod(x)), x=[2.0, 0.0, 3.0])
case("out = torch.logsumexp(M, dim=1)", out(lambda M: torch.logsumexp(M, dim=1)), M=M33)
case("out = T.logsumexp((0, 2), keepdim=True)", out(lambda T: T.logsumexp((0, 2), keepdim=True)),
     T=T234)
case("out = torch.logsumexp(x, 0)", out(lambda x: torch.logsumexp(x, 0)), x=x3)
case("out = torch.logsumexp(x * 1000, 0)", out(lambda x: torch.logsumexp(x * 1000, 0)), x=x3)

# max / min: ties share the gradient evenly; max(x, dim) is (values, indices)
TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [-1.0, 0.5, -4.0]])
case("out = x.max()", out(lambda x: x.max()), x=[1.0, 3.0, 3.0])
case("out = torch.max(M)", out(lambda M: torch.max(M)), M=TIES)
case("out = M.min() * 2", out(lambda M: M.min() * 2), M=[[1.0, -3.0], [-3.0, 2.0]])
case("out = torch.amax(M, dim=1)", out(lambda M: torch.amax(M, dim=1)), M=TIES)
case("out = M.amin(0, keepdim=True)", out(lambda M: M.amin(0, keepdim=True)), M=TIES)
case("out = np.max(M, axis=0)", out(lambda M: torch.amax(M, dim=0)), M=TIES)
case("out = np.amax(T, axis=(0, -1), keepdims=True)",
     out(lambda T: torch.amax(T, dim=(0, -1), keepdim=True)), T=T234)
case("out = np.min(M, axis=-1)", out(lambda M: torch.amin(M, dim=-1)), M=TIES)
case("out = M.max(dim=0).values", out(lambda M: M.max(dim=0).values), M=M33)
case("out = torch.max(M, 1)[0]", out(lambda M: torch.max(M, 1)[0]), M=M33)
case("out = torch.min(M, dim=1, keepdim=True)[0] * M",
     out(lambda M: torch.min(M, dim=1, keepdim=True)[0] * M), M=M33)
case("out = M.max(1).values", out(lambda M: torch.amax(M, 1)), M=TIES)  # SPEC: ties split evenly
case("v = M.max(1); out = v.values * 2", out(lambda M: torch.amax(M, 1) * 2), M=TIES)
case("out = torch.max(M, -1).indices + M.sum(1)",
     out(lambda M: torch.max(M, -1).indices.double() + M.sum(1)), M=M33)
case("out = M.min(0)[1] * M[0]", out(lambda M: M.min(0)[1].double() * M[0]), M=M33)
case("out = torch.max(x, y) + torch.min(x, y) * 2",
     out(lambda x, y: torch.max(x, y) + torch.min(x, y) * 2), x=[1.0, 2.0, -1.0], y=[1.0, -2.0, 3.0])

# norm with p, dim, keepdim
case("out = x.norm()", out(lambda x: x.norm()), x=x3)
case("out = torch.norm(M, dim=1)", out(lambda M: torch.norm(M, dim=1)), M=M33)
case("out = torch.norm(x, p=1)", out(lambda x: torch.norm(x, p=1)), x=x3)
case("out = x.norm(p=3)", out(lambda x: x.norm(p=3)), x=x3)
case("out = M.norm(2, 0, keepdim=True)", out(lambda M: M.norm(2, 0, keepdim=True)), M=M33)
case("out = torch.norm(M, p='fro')", out(lambda M: torch.norm(M, p="fro")), M=M33)
case("out = torch.norm(x, p=inf)", out(lambda x: torch.norm(x, p=float("inf"))), x=x3)
case("out = torch.norm(x, p=float('inf'))", out(lambda x: torch.norm(x, p=float("inf"))), x=x3)
case("out = torch.linalg.norm(x) + np.linalg.norm(M)",
     out(lambda x, M: torch.linalg.norm(x) + torch.linalg.norm(M)), x=x3, M=M33)
case("out = np.linalg.norm(M, axis=1)", out(lambda M: torch.linalg.norm(M, dim=1)), M=M33)
# PyTorch's Hessian of a norm at 0 is NaN (undefined); gradcli's is 0, like its gradient there.
case("out = torch.norm(x * 0) + x.sum()", out(lambda x: torch.norm(x * 0) + x.sum()), x=x3,
     skip=["hessian"])
case("out = torch.norm(T, dim=(1, 2))", out(lambda T: torch.norm(T, dim=(1, 2))), T=T234)

# softmax / log_softmax
case("out = torch.softmax(x, dim=0) * y", out(lambda x, y: torch.softmax(x, dim=0) * y), x=x3, y=y3)
case("out = F.softmax(M, dim=1)", out(lambda M: F.softmax(M, dim=1)), M=M33)
case("out = M.softmax(0) * M", out(lambda M: M.softmax(0) * M), M=M33)
case("out = F.log_softmax(M, dim=-1)", out(lambda M: F.log_softmax(M, dim=-1)), M=M33)
case("out = T.log_softmax(1).sum()", out(lambda T: T.log_softmax(1).sum()), T=T234)
case("out = (torch.log_softmax(x, 0) * y).sum()",
     out(lambda x, y: (torch.log_softmax(x, 0) * y).sum()), x=x3, y=y3)
case("out = F.softmax(T, dim=-2)[0]", out(lambda T: F.softmax(T, dim=-2)[0]), T=T234)

# learning: linear, mse_loss
case("out = F.linear(x, W, b)", out(lambda x, W, b: F.linear(x, W, b)), x=x3, W=A23, b=r(2))
case("out = F.linear(X, W)", out(lambda X, W: F.linear(X, W)), X=B34.T, W=A23)
case("out = F.linear(X, W, b).relu().sum()", out(lambda X, W, b: F.linear(X, W, b).relu().sum()),
     X=T234.reshape(2, 4, 3), W=r(5, 3), b=r(5))
case("out = F.mse_loss(p, t)", out(lambda p, t: F.mse_loss(p, t)), p=M33, t=r(3, 3))
case("out = F.mse_loss(p, t, reduction='sum')", out(lambda p, t: F.mse_loss(p, t, reduction="sum")),
     p=x3, t=y3)
case("out = F.mse_loss(p, t, reduction='none')",
     out(lambda p, t: F.mse_loss(p, t, reduction="none")), p=x3, t=y3)

# -- 3. linear algebra and shapes ---------------------------------------------------------------

case("out = x @ y", out(lambda x, y: x @ y), x=x3, y=y3)
case("out = M @ x", out(lambda M, x: M @ x), M=M33, x=x3)
case("out = x @ B", out(lambda x, B: x @ B), x=x3, B=B34)
case("out = A @ B", out(lambda A, B: A @ B), A=A23, B=B34)
case("out = torch.mm(A, B).sum()", out(lambda A, B: torch.mm(A, B).sum()), A=A23, B=B34)
case("out = torch.matmul(T, B.T)", out(lambda T, B: torch.matmul(T, B.T)), T=T234, B=B34)
case("out = T @ U", out(lambda T, U: T @ U), T=T234, U=r(2, 4, 2))
case("out = A @ U", out(lambda A, U: A @ U), A=A23, U=r(4, 3, 2))
case("out = x @ T2", out(lambda x, T2: x @ T2), x=x3, T2=r(2, 3, 4))
case("out = T @ v", out(lambda T, v: T @ v), T=T234, v=r(4))
case("out = (A @ B @ B.T @ A.T).trace()", out(lambda A, B: (A @ B @ B.T @ A.T).trace()),
     A=A23, B=B34)
case("out = torch.dot(x, y)", out(lambda x, y: torch.dot(x, y)), x=x3, y=y3)
case("out = x.dot(y) * x", out(lambda x, y: x.dot(y) * x), x=x3, y=y3)
case("out = np.dot(x, y) + np.inner(x, y)", out(lambda x, y: torch.dot(x, y) + torch.inner(x, y)),
     x=x3, y=y3)
case("out = torch.outer(x, v)", out(lambda x, v: torch.outer(x, v)), x=x3, v=r(4))
case("out = x.outer(y) @ y + np.outer(x, y).sum()",
     out(lambda x, y: x.outer(y) @ y + torch.outer(x, y).sum()), x=x3, y=y3)
case("out = torch.trace(M)", out(lambda M: torch.trace(M)), M=M33)
case("out = M.trace() * M", out(lambda M: M.trace() * M), M=M33)
case("out = torch.diag(x)", out(lambda x: torch.diag(x)), x=x3)
case("out = torch.diag(M) * x", out(lambda M, x: torch.diag(M) * x), M=M33, x=x3)
case("out = A.diag()", out(lambda A: A.diag()), A=A23)
case("out = B.T.diag()", out(lambda B: B.T.diag()), B=B34)
case("out = x.diag() @ M", out(lambda x, M: x.diag() @ M), x=x3, M=M33)
case("out = T.transpose(0, 2)", out(lambda T: T.transpose(0, 2)), T=T234)
case("out = torch.transpose(T, -1, 1) * 2", out(lambda T: torch.transpose(T, -1, 1) * 2), T=T234)
case("out = T.transpose(dim0=0, dim1=1)", out(lambda T: T.transpose(dim0=0, dim1=1)), T=T234)
case("out = A.T @ A", out(lambda A: A.T @ A), A=A23)
case("out = A.t() * 2 + torch.t(A)", out(lambda A: A.t() * 2 + torch.t(A)), A=A23)
case("out = np.transpose(T)", out(lambda T: T.permute(2, 1, 0)), T=T234)
case("out = T.permute(2, 0, 1)", out(lambda T: T.permute(2, 0, 1)), T=T234)
case("out = T.mT @ T", out(lambda T: T.mT @ T), T=T234)
case("out = T.reshape(4, -1)", out(lambda T: T.reshape(4, -1)), T=T234)
case("out = torch.reshape(T, (-1,))", out(lambda T: torch.reshape(T, (-1,))), T=T234)
case("out = T.view(2, 12) @ torch.ones(12)", out(lambda T: T.view(2, 12) @ torch.ones(12)), T=T234)
case("out = T.view(-1, 3, 2)", out(lambda T: T.view(-1, 3, 2)), T=T234)
case("out = x.view(3, 1) * y", out(lambda x, y: x.view(3, 1) * y), x=x3, y=y3)
case("out = T.flatten()", out(lambda T: T.flatten()), T=T234)
case("out = T.flatten(1)", out(lambda T: T.flatten(1)), T=T234)
case("out = torch.flatten(T, 0, 1)", out(lambda T: torch.flatten(T, 0, 1)), T=T234)
case("out = T.flatten(start_dim=1, end_dim=-1)", out(lambda T: T.flatten(start_dim=1, end_dim=-1)),
     T=T234)
case("out = x.reshape(1, 3, 1).squeeze()", out(lambda x: x.reshape(1, 3, 1).squeeze()), x=x3)
case("out = torch.squeeze(x.reshape(1, 3, 1), 0)", out(lambda x: torch.squeeze(x.reshape(1, 3, 1), 0)),
     x=x3)
case("out = x.reshape(1, 3, 1).squeeze(-1)", out(lambda x: x.reshape(1, 3, 1).squeeze(-1)), x=x3)
case("out = x.unsqueeze(1) * y", out(lambda x, y: x.unsqueeze(1) * y), x=x3, y=y3)
case("out = torch.unsqueeze(x, -1) - y.unsqueeze(0)",
     out(lambda x, y: torch.unsqueeze(x, -1) - y.unsqueeze(0)), x=x3, y=y3)
case("out = np.expand_dims(x, 0) @ M", out(lambda x, M: x.unsqueeze(0) @ M), x=x3, M=M33)
case("out = x.reshape(x.shape[0], 1) * M.view(M.shape[0], -1)",
     out(lambda x, M: x.reshape(3, 1) * M.view(3, -1)), x=x3, M=M33)

# cat / stack of lists and tuples
case("out = torch.cat([x, y])", out(lambda x, y: torch.cat([x, y])), x=x3, y=r(2))
case("out = torch.cat((M, A), dim=0)", out(lambda M, A: torch.cat((M, A), dim=0)), M=M33, A=A23)
case("out = np.concatenate([A, A * 2], axis=1)", out(lambda A: torch.cat([A, A * 2], dim=1)), A=A23)
case("out = torch.cat([T, T], -1)", out(lambda T: torch.cat([T, T], -1)), T=T234)
case("out = torch.concat([x, y * 2], 0)", out(lambda x, y: torch.cat([x, y * 2], 0)), x=x3, y=y3)
case("out = torch.stack([x, y])", out(lambda x, y: torch.stack([x, y])), x=x3, y=y3)
case("out = torch.stack((x, y), dim=1)", out(lambda x, y: torch.stack((x, y), dim=1)), x=x3, y=y3)
case("out = np.stack([M, M.T], axis=-1)", out(lambda M: torch.stack([M, M.T], dim=-1)), M=M33)
case("out = torch.stack([x[0] ** 2, x[1] * x[2]])",
     out(lambda x: torch.stack([x[0] ** 2, x[1] * x[2]])), x=x3)
case("b0 = a0 ** 2 + a1; b1 = a1 ** 3 + a0; out = [b0, b1 * b0]",
     lambda a0, a1: {"out": torch.stack([a0 ** 2 + a1, (a1 ** 3 + a0) * (a0 ** 2 + a1)])},
     a0=1.3, a1=-0.4)
case("out = [[x[0], x[1]], [x[2], x[0] * x[1]]]",
     out(lambda x: torch.stack([torch.stack([x[0], x[1]]), torch.stack([x[2], x[0] * x[1]])])), x=x3)
case("out = [x, y * 2] * x", out(lambda x, y: torch.stack([x, y * 2]) * x), x=x3, y=y3)

# -- 4. indexing, slicing, index assignment -------------------------------------------------------

case("out = x[0] * x[-1]", out(lambda x: x[0] * x[-1]), x=x3)
case("out = M[1] + M[:, 1] + M[-1, -2]", out(lambda M: M[1] + M[:, 1] + M[-1, -2]), M=M33)
case("out = x[1:3] * y[:2]", out(lambda x, y: x[1:3] * y[:2]), x=x3, y=y3)
case("out = v[::2] + v[1::2]", out(lambda v: v[::2] + v[1::2]), v=r(6))
case("out = v[-3:] * v[:-3]", out(lambda v: v[-3:] * v[:-3]), v=r(6))
case("out = v[-5:-1:3]", out(lambda v: v[-5:-1:3]), v=r(6))
case("out = T[:, 1, ::2] * T[-1, :2, 1:3].sum()",
     out(lambda T: T[:, 1, ::2] * T[-1, :2, 1:3].sum()), T=T234)
case("out = T[..., 0] + T[1, ...].sum(-1)", out(lambda T: T[..., 0] + T[1, ...].sum(-1)), T=T234)
case("out = x[None, :] * x[:, None]", out(lambda x: x[None, :] * x[:, None]), x=x3)
case("out = M[1][2] * M[0, 1:]", out(lambda M: M[1][2] * M[0, 1:]), M=M33)
case("out = M[0:2, 1:]", out(lambda M: M[0:2, 1:]), M=M33)
case("out = x[5:] .sum() + x[1:100].sum()", out(lambda x: x[5:].sum() + x[1:100].sum()), x=x3)


def _copy_slices(a):
    b = torch.zeros(1, 2)
    b[0, 0] = a[0, 0] ** 2 + a[0, 1]
    b[0, 1] = a[0, 1] ** 3 + a[0, 0]
    return {"out": 2 * b}


case("b = zeros(1, 2); b[0, 0] = a[0, 0]**2 + a[0, 1]; b[0, 1] = a[0, 1]**3 + a[0, 0]; out = 2*b",
     _copy_slices, a=[[2.0, 4.0]])


def _rows(x, s):
    b = torch.zeros(2, 3)
    b[0] = x
    b[1, :] = 2 * x
    b[:, 1] = s
    b[1, 2] = x[0] * s
    return {"b": b}


case("b = torch.zeros(2, 3); b[0] = x; b[1, :] = 2 * x; b[:, 1] = s; b[1, 2] = x[0] * s",
     _rows, x=x3, s=0.9)


def _broadcast_rhs(M, x, y):
    c = M * 1
    c[1:, :2] = x[:2]
    c[0] = y[0]
    c[:, 2] += y
    c[2] *= x
    c[1, 1] -= y[2]
    c[..., 0] /= 2
    return {"c": c}


case("c = M * 1; c[1:, :2] = x[:2]; c[0] = y[0]; c[:, 2] += y; c[2] *= x; c[1, 1] -= y[2]; "
     "c[..., 0] /= 2", _broadcast_rhs, M=M33, x=x3, y=y3)


def _into_input(x):
    x, x0 = x.clone(), x.clone()  # torch cannot write into a tensor its graph still reads
    x[0] = 0
    x[-1] = x0[1] * x0[-1]
    return {"x": x}


case("x[0] = 0; x[-1] = x[1] * x[-1]", _into_input, x=x3)


def _unit_rows(x, M):
    b = torch.zeros(2, 3)
    b[0] = M[1:2] * x
    b[:, 1] = x[None, None, :2]
    return {"b": b}


case("b = torch.zeros(2, 3); b[0] = M[1:2] * x; b[:, 1] = x[None, None, :2]", _unit_rows, x=x3, M=M33)


def _slice_write(v, w):
    b = v * 1
    b[::2] = w * 3
    b0 = b.clone()
    b[1:4] = b0[1:4] * b0[:3]
    return {"out": b.sum() * b[0]}


case("b = v * 1; b[::2] = w * 3; b[1:4] = b[1:4] * b[:3]; out = b.sum() * b[0]", _slice_write,
     v=r(6), w=r(3))

# -- 5. statements: updates, rebinding, several outputs, requires_grad, detach -------------------


def _updates(x, y):
    c = x * 2
    c = c + y
    c = c * x
    c = c - 1
    c = c / (y.abs() + 1)
    return {"c": c}


case("c = x * 2; c += y; c *= x; c -= 1; c /= y.abs() + 1", _updates, x=x3, y=y3)
case("x += 1; x *= x", lambda x: {"x": (x + 1) * (x + 1)}, x=x3)
case("c = x + 1; c = c * c; out = c.sum()", out(lambda x: ((x + 1) * (x + 1)).sum()), x=x3)
case("b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1",
     lambda a0, a1: {"out0": 2 * (a0 ** 2 + a1), "out1": 2 * (a1 ** 3 + a0)}, a0=2.0, a1=4.0)
case("u = x.sin(); v = u * y; w = v.sum(); z = u.exp()",
     lambda x, y: {"w": (x.sin() * y).sum(), "z": x.sin().exp()}, x=x3, y=y3)
case("y = w * x + b", lambda w, x, b: {"y": w * x + b}, x=2.0, w=0.5, b=-1.0)
case("e = c - d; out = e * e", lambda c, d: {"out": (c - d) ** 2}, c=x3, d=y3)
case("a = torch.tensor([2., 3.], requires_grad=True); b = a * a; out = b.sum() * x",
     lambda a, x: {"out": (a * a).sum() * x}, defaults={"a": [2.0, 3.0]}, x=1.5)
case("W = torch.ones(2, 3, requires_grad=True); out = (W @ x).tanh()",
     lambda W, x: {"out": (W @ x).tanh()}, W=A23, x=x3)
case("out = x.detach() * x + torch.detach(y) * y + x.data * y",
     out(lambda x, y: x.detach() * x + torch.detach(y) * y + x.data * y), x=x3, y=y3)
case("t = 2 * x * x + b; y = t.sum()", lambda x, b: {"y": (2 * x * x + b).sum()},
     x=r(3, 4), b=r(3, 4))
case("z = (x + 2) * (x + 2) * 3; out = z.mean()", out(lambda x: ((x + 2) * (x + 2) * 3).mean()),
     x=np.ones((2, 2)))
case("b = a + 3; c = b * 3; out = c.mean()", out(lambda a: ((a + 3) * 3).mean()), a=[2.0, 3.0])
case("out = mm(a, w)", out(lambda a, w: torch.mm(a, w)), a=[[2.0, 3.0], [1.0, 2.0]], w=np.ones((2, 1)))
case("out = torch.tensor([x[0] * 2, x[1]]) * x[:2]",
     out(lambda x: torch.tensor([x[0].item() * 2, x[1].item()]) * x[:2]), x=x3)
case("out = np.array([x[0] * 2, x[1]]) * x[:2]",
     out(lambda x: torch.stack([x[0] * 2, x[1]]) * x[:2]), x=x3)
case("out = x.sum().item() * x", out(lambda x: x.sum().item() * x), x=x3)

# -- 6. creation functions as constants ----------------------------------------------------------

case("out = torch.zeros(2, 3, dtype=torch.float64) + A", out(lambda A: torch.zeros(2, 3) + A), A=A23)
case("out = torch.ones_like(x) * x + torch.zeros_like(x)",
     out(lambda x: torch.ones_like(x) * x + torch.zeros_like(x)), x=x3)
case("out = torch.full((2, 3), 1.5) * A + np.full((3,), 2.0)",
     out(lambda A: torch.full((2, 3), 1.5) * A + torch.full((3,), 2.0)), A=A23)
case("out = torch.full([3], 2.) @ x", out(lambda x: torch.full([3], 2.) @ x), x=x3)
case("out = torch.eye(3) @ M + np.eye(3, 2) @ v", out(lambda M, v: torch.eye(3) @ M + torch.eye(3, 2) @ v),
     M=M33, v=r(2))
case("out = torch.arange(3.) * x + torch.arange(0, 1, 0.25).sum()",
     out(lambda x: torch.arange(3.) * x + torch.arange(0, 1, 0.25).sum()), x=x3)
case("out = np.arange(1, 7).reshape(2, 3) * A", out(lambda A: torch.arange(1, 7).reshape(2, 3) * A),
     A=A23)
case("out = torch.arange(start=1, end=10, step=3) * x",
     out(lambda x: torch.arange(start=1, end=10, step=3) * x), x=x3)
case("out = torch.linspace(0, 1, steps=5)[1:4] * x + np.linspace(0, 1, num=3)",
     out(lambda x: torch.linspace(0, 1, steps=5)[1:4] * x + torch.linspace(0, 1, 3)), x=x3)
case("out = torch.tensor([[1., 2.], [3., 4.]]) @ v", out(lambda v: torch.tensor([[1., 2.], [3., 4.]]) @ v),
     v=r(2))
case("out = torch.ones(2, 2) * torch.ones((2, 1)) * s", out(lambda s: torch.ones(2, 2) * torch.ones(2, 1) * s),
     s=0.3)


# -- 7. PyTorch forms beyond the SPEC's list that programs written for PyTorch use -----------------

case("out = torch.diag(x, 1) + torch.diag(x, -1).T", out(lambda x: torch.diag(x, 1) + torch.diag(x, -1).T),
     x=x3)
case("out = torch.diag(M, -1) * M.diag(diagonal=1)", out(lambda M: torch.diag(M, -1) * M.diag(diagonal=1)),
     M=M33)
case("out = torch.diag(B, 2)", out(lambda B: torch.diag(B, 2)), B=B34)
case("out = torch.linalg.norm(M, ord=1) + np.linalg.norm(M, inf)",
     out(lambda M: torch.linalg.norm(M, ord=1) + torch.linalg.norm(M, float("inf"))), M=M33)
case("out = torch.linalg.norm(A, -1) * np.linalg.norm(A, ord=-inf)",
     out(lambda A: torch.linalg.norm(A, -1) * torch.linalg.norm(A, ord=-float("inf"))), A=A23)
case("out = torch.linalg.norm(T, dim=(0, 2))", out(lambda T: torch.linalg.norm(T, dim=(0, 2))), T=T234)
case("out = np.linalg.norm(x, 3) + torch.linalg.norm(T)",
     out(lambda x, T: torch.linalg.norm(x, 3) + torch.linalg.norm(T)), x=x3, T=T234)
case("out = torch.linalg.norm(M, 'fro', dim=(1, 0), keepdim=True)",
     out(lambda M: torch.linalg.norm(M, "fro", dim=(1, 0), keepdim=True)), M=M33)
case("out = torch.linalg.matrix_norm(T, ord=1)", out(lambda T: torch.linalg.matrix_norm(T, ord=1)), T=T234)
case("out = torch.linalg.vector_norm(T, ord=3, dim=(0, 1))",
     out(lambda T: torch.linalg.vector_norm(T, ord=3, dim=(0, 1))), T=T234)
case("out = torch.norm(x, p=3) * x", out(lambda x: torch.norm(x, p=3) * x), x=[0.0, -0.7, 1.1])
# PyTorch's Hessian is NaN here, as for the 2-norm above, and so is torch.autograd.functional.jvp
# (a double backward); its Jacobian is [1, 1, 1], and gradcli's J v agrees with that Jacobian.
case("out = torch.norm(x * 0, p=3) + x.sum()", out(lambda x: torch.norm(x * 0, p=3) + x.sum()), x=x3,
     skip=["hessian", "jvp"])
case("out = torch.norm(x, 0) * x", out(lambda x: torch.norm(x, 0) * x), x=[0.0, -0.7, 1.1])
case("out = M.sum(0, True) * M + torch.mean(M, 1, True)",
     out(lambda M: M.sum(0, True) * M + torch.mean(M, 1, True)), M=M33)
case("out = torch.max(M, 1, True)[0] * torch.norm(M, 2, 0, True)",
     out(lambda M: torch.max(M, 1, True)[0] * torch.norm(M, 2, 0, True)), M=M33)
case("out = F.softmax(T)", out(lambda T: F.softmax(T, dim=0)), T=T234)  # PyTorch's implicit dim
case("out = F.log_softmax(M) * M", out(lambda M: F.log_softmax(M, dim=1) * M), M=M33)
case("out = torch.bmm(T, U)", out(lambda T, U: torch.bmm(T, U)), T=T234, U=r(2, 4, 3))
case("out = torch.mv(A, x) + A.mv(x)", out(lambda A, x: torch.mv(A, x) + A.mv(x)), A=A23, x=x3)
case("out = x * x.size(0) + M.size()[1] * M.numel() + T.dim()",
     out(lambda x, M, T: x * x.size(0) + M.size()[1] * M.numel() + T.dim()), x=x3, M=M33, T=T234)
case("n = x.shape[0]; out = x.reshape(n, 1) * x[:n - 1]",
     out(lambda x: x.reshape(3, 1) * x[:2]), x=x3)
case("out = torch.clamp_min(x, 0.1) + x.clamp_max(-0.1)",
     out(lambda x: torch.clamp_min(x, 0.1) + x.clamp_max(-0.1)), x=x3)
case("out = torch.full_like(x, 2.5) * x", out(lambda x: torch.full_like(x, 2.5) * x), x=x3)
case("out = M.argmax(dim=1) * x + torch.argmin(M) * x",
     out(lambda M, x: M.argmax(dim=1) * x + torch.argmin(M) * x), M=M33, x=x3)
case("v, i = torch.max(M, 1); out = v * i", out(lambda M: torch.max(M, 1)[0] * torch.max(M, 1)[1]),
     M=M33)
case("values, indices = M.min(dim=0, keepdim=True); out = values * M + indices",
     out(lambda M: M.min(dim=0, keepdim=True).values * M + M.min(dim=0, keepdim=True).indices), M=M33)
case("a, b = x[0], x[1] * y; c = a * b",
     lambda x, y: {"c": x[0] * (x[1] * y)}, x=x3, y=y3)
case("n, m = A.shape; out = A.reshape(m, n) @ x[:n]",
     out(lambda A, x: A.reshape(3, 2) @ x[:2]), A=A23, x=x3)
case("out = torch.fmax(x, y) * torch.fmin(y, x)", out(lambda x, y: torch.fmax(x, y) * torch.fmin(y, x)),
     x=[1.0, 2.0, -3.0], y=[1.0, 0.5, -3.0])
case("out = (x > 0).float() * x + (x < 0).double() * y",
     out(lambda x, y: (x > 0).float() * x + (x < 0).double() * y), x=x3, y=y3)
case("out = torch.square(x) + torch.rsqrt(x.abs()) + torch.reciprocal(y)",
     out(lambda x, y: torch.square(x) + torch.rsqrt(x.abs()) + torch.reciprocal(y)), x=x3, y=P3)

case("out = torch.add(x, y, alpha=2) - torch.sub(y, x, alpha=s)",
     out(lambda x, y, s: torch.add(x, y, alpha=2) - (y - s * x)), x=x3, y=y3, s=0.3)
case("out = s.sum(0) * s.mean(-1, keepdim=True) + torch.max(s, 0)[0] + s.logsumexp(0) + s.norm(dim=0)",
     out(lambda s: s.sum(0) * s.mean(-1, keepdim=True) + torch.max(s, 0)[0] + s.logsumexp(0)
         + s.norm(dim=0)), s=0.7)


for _i, _c in enumerate(CASES):
    _c.id = f"{_i:03d}:{_c.program[:60]}"


# -- the harness ---------------------------------------------------------------------------------

def _torch_inputs(c: Case, names):
    values = {**c.defaults, **c.values}
    return [torch.tensor(np.asarray(values[n], dtype=np.float64)) for n in names]


def _np(t):
    return np.zeros(()) if t is None else t.detach().numpy()


def _check(actual, expected, what):
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def _function(c: Case, names, outs):
    def f(*xs):
        result = c.ref(**dict(zip(names, xs)))
        assert list(result) == outs, f"reference outputs {list(result)} != gradcli's {outs}"
        return tuple(result[n] for n in outs)
    return f


def _random(seed, shapes):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, size=s) * rng.choice([-1.0, 1.0], size=s) for s in shapes]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_parity(c: Case):
    comp = Computation(c.program, c.values)
    names, outs = comp.wrt, comp.output_names
    f = _function(c, names, outs)
    seed = zlib.crc32(c.program.encode())

    # outputs
    expected = f(*_torch_inputs(c, names))
    got = comp.evaluate()
    for n, e in zip(outs, expected):
        _check(got["outputs"][n], _np(e), f"output {n}")
    for n in names:  # requires_grad defaults and given values are reported as used
        _check(got["inputs"][n], {**c.defaults, **c.values}[n], f"input {n}")

    # backward with a random gradient
    leaves = [t.requires_grad_() for t in _torch_inputs(c, names)]
    ys = f(*leaves)
    cot = _random(seed, [tuple(y.shape) for y in ys])
    pairs = [(y, torch.tensor(g)) for y, g in zip(ys, cot) if y.requires_grad]
    grads = torch.autograd.grad([y for y, _ in pairs], leaves, [g for _, g in pairs],
                                allow_unused=True) if pairs else [None] * len(leaves)
    back = comp.backward([dict(zip(outs, cot))])
    for n, leaf, g in zip(names, leaves, grads):
        _check(back["grad"][n], np.zeros(leaf.shape) if g is None else _np(g), f"grad {n}")

    # the Jacobian, both modes
    jac = torch.autograd.functional.jacobian(f, tuple(_torch_inputs(c, names)))
    # Where a partial is infinite (sqrt'(0)), 0 * inf = NaN lands in the rows of a reverse pass and
    # in the columns of a forward pass: torch's forward mode differs from its reverse mode there too.
    finite = all(np.isfinite(_np(b)).all() for row in jac for b in row)
    for mode in ("reverse", "forward") if finite and "forward" not in c.skip else ("reverse",):
        blocks = comp.jacobian(mode=mode)["jacobian"]
        for i, o in enumerate(outs):
            for j, n in enumerate(names):
                _check(blocks[o][n], _np(jac[i][j]), f"{mode} jacobian[{o}][{n}]")

    # a JVP with a random tangent
    primals = tuple(_torch_inputs(c, names))
    tangent = _random(seed + 1, [tuple(p.shape) for p in primals])
    if "jvp" not in c.skip:
        _, jvp = torch.autograd.functional.jvp(f, primals, tuple(torch.tensor(t) for t in tangent))
        got = comp.jvp([dict(zip(names, tangent))])["jvp"]
        for o, e in zip(outs, jvp):
            _check(got[o], _np(e), f"jvp {o}")

    # the Hessian of a scalar output
    if len(outs) == 1 and comp.outputs[outs[0]].size == 1 and "hessian" not in c.skip:
        hess = torch.autograd.functional.hessian(lambda *xs: f(*xs)[0].reshape(()), primals)
        got = comp.hessian()["hessian"]
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                _check(got[a][b], _np(hess[i][j]), f"hessian[{a}][{b}]")


@pytest.mark.parametrize("program,values,wrt", [
    ("y = w*x + b", {"x": 2.0, "w": 0.5, "b": -1.0}, ["w", "b"]),
    ("out = (F.linear(X, W, b).tanh() ** 2).mean()", {"X": B34.T, "W": A23, "b": r(2)}, ["b", "W"]),
])
def test_parity_wrt_subset(program, values, wrt):
    """--wrt: the other inputs are constants, their gradient null (PyTorch's None)."""
    comp = Computation(program, values, wrt=wrt)
    ts = {n: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=n in wrt)
          for n, v in values.items()}
    y = {"y": lambda: ts["w"] * ts["x"] + ts["b"],
         "out": lambda: (F.linear(ts["X"], ts["W"], ts["b"]).tanh() ** 2).mean()}[comp.output_names[0]]()
    y.backward()
    grad = comp.backward()["grad"]
    for n, t in ts.items():
        if n in wrt:
            _check(grad[n], _np(t.grad), f"grad {n}")
        else:
            assert grad[n] is None and t.grad is None
    assert comp.jacobian()["cols"][0].startswith(wrt[0])


def test_corpus_size():
    assert len(CASES) >= 150
    assert len(CLI_SAMPLE) == len(CLI_PROGRAMS)


# -- through the command line's JSON ------------------------------------------------------------

# outputs of one and several names, scalar and tensor inputs, index writes, max pairs, unpacking
CLI_PROGRAMS = [
    "out = torch.sin(x) * y", "out = F.relu(x) * y", "out = np.mean(M, axis=0, keepdims=True)",
    "out = M.min(0)[1] * M[0]", "out = F.mse_loss(p, t)", "out = torch.matmul(T, B.T)",
    "b = zeros(1, 2); b[0, 0] = a[0, 0]**2 + a[0, 1]; b[0, 1] = a[0, 1]**3 + a[0, 0]; out = 2*b",
    "c = x * 2; c += y; c *= x; c -= 1; c /= y.abs() + 1", "x[0] = 0; x[-1] = x[1] * x[-1]",
    "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1",
    "a = torch.tensor([2., 3.], requires_grad=True); b = a * a; out = b.sum() * x",
    "out = torch.linalg.norm(T, dim=(0, 2))", "a, b = x[0], x[1] * y; c = a * b",
]
CLI_SAMPLE = [i for i, c in enumerate(CASES) if c.program in CLI_PROGRAMS]


def _arg(name, value):
    return f"{name}={json.dumps(np.asarray(value).tolist())}"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("index", CLI_SAMPLE)
def test_parity_cli(index):
    c = CASES[index]
    comp = Computation(c.program, c.values)
    names, outs = comp.wrt, comp.output_names
    f = _function(c, names, outs)
    at = [a for n, v in c.values.items() for a in ("--at", _arg(n, v))]
    cot = _random(7, [tuple(comp.outputs[o].shape) for o in outs])
    gradients = [a for o, g in zip(outs, cot) for a in ("--gradient", _arg(o, g))]
    got = cli_json("backward", c.program, *at, *gradients)

    leaves = [t.requires_grad_() for t in _torch_inputs(c, names)]
    ys = f(*leaves)
    for o, y in zip(outs, ys):
        _check(got["outputs"][o], _np(y), f"cli output {o}")
    pairs = [(y, torch.tensor(g)) for y, g in zip(ys, cot) if y.requires_grad]
    grads = torch.autograd.grad([y for y, _ in pairs], leaves, [g for _, g in pairs],
                                allow_unused=True) if pairs else [None] * len(leaves)
    for n, leaf, g in zip(names, leaves, grads):
        _check(got["grad"][n], np.zeros(leaf.shape) if g is None else _np(g), f"cli grad {n}")

    got = cli_json("jacobian", c.program, *at)
    primals = tuple(_torch_inputs(c, names))
    jac = torch.autograd.functional.jacobian(f, primals)
    for i, o in enumerate(outs):
        for j, n in enumerate(names):
            _check(got["jacobian"][o][n], _np(jac[i][j]), f"cli jacobian[{o}][{n}]")

    tangent = _random(8, [tuple(p.shape) for p in primals])
    got = cli_json("jvp", c.program, *at, *[a for n, t in zip(names, tangent)
                                            for a in ("--tangent", _arg(n, t))])
    _, jvp = torch.autograd.functional.jvp(f, primals, tuple(torch.tensor(t) for t in tangent))
    for o, e in zip(outs, jvp):
        _check(got["jvp"][o], _np(e), f"cli jvp {o}")

    if len(outs) == 1 and comp.outputs[outs[0]].size == 1:
        got = cli_json("grad", c.program, *at)
        ys = f(*[t.requires_grad_() for t in primals])
        grads = torch.autograd.grad(ys[0], primals, allow_unused=True)
        for n, p, g in zip(names, primals, grads):
            _check(got["grad"][n], np.zeros(p.shape) if g is None else _np(g), f"cli grad {n}")
        primals = tuple(_torch_inputs(c, names))
        got = cli_json("hessian", c.program, *at)
        hess = torch.autograd.functional.hessian(lambda *xs: f(*xs)[0].reshape(()), primals)
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                _check(got["hessian"][a][b], _np(hess[i][j]), f"cli hessian[{a}][{b}]")


def test_max_with_a_dim_gives_int64_indices(capsys):
    """torch.max(x, dim).indices is int64 (printed and written as integers), like argmax."""
    torch = pytest.importorskip("torch")
    from gradcli.cli import main
    M = [[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]]
    assert main(["eval", "v, i = torch.max(M, 1); w = M.min(dim=0).indices; out = i", "--at",
                 f"M={M}", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    values, indices = torch.max(torch.tensor(M), 1)
    assert doc["outputs"]["out"] == indices.tolist() and indices.dtype == torch.int64
    assert doc["outputs"]["w"] == torch.tensor(M).min(dim=0).indices.tolist()
    assert all(isinstance(i, int) for i in doc["outputs"]["out"] + doc["outputs"]["w"])
