"""Parity with PyTorch for torch.nn.functional's activations and losses and for the reductions
whose conventions differ between libraries, in float64.

Each case is a gradcli program, values for its inputs, and a reference written with torch.
Outputs, a backward pass with a random gradient, the Jacobian (reverse and forward mode), a JVP
with a random tangent and, for a scalar output, the Hessian must agree at rtol 1e-6 / atol 1e-9.
Activations are checked AT their kinks too, where the gradient is a convention: PyTorch 2.14's.

Class targets are given to gradcli as whole numbers in a float tensor (as `--at t=2` gives
them) and to torch as int64; they are never differentiated (not in --wrt).
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


pytestmark = pytest.mark.usefixtures("torch_float64")


_rng = np.random.default_rng(2024)


def r(*shape, lo=-1.5, hi=1.5):
    return _rng.uniform(lo, hi, size=shape)


def probabilities(*shape):
    e = np.exp(r(*shape))
    return e / e.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)


@dataclass
class Case:
    program: str
    ref: object  # ref(**differentiated tensors, **targets) -> {output name: tensor}
    values: dict  # differentiated inputs
    targets: dict = field(default_factory=dict)  # class indices (int64 in torch): not differentiated
    consts: dict = field(default_factory=dict)  # float inputs left out of --wrt
    skip: tuple = ()
    id: str = ""


CASES: list[Case] = []


def case(program, ref, targets=None, consts=None, skip=(), **values):
    CASES.append(Case(program, ref, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()},
                      {k: np.asarray(v, dtype=np.int64) for k, v in (targets or {}).items()},
                      {k: np.asarray(v, dtype=np.float64) for k, v in (consts or {}).items()},
                      tuple(skip)))


def out(fn):
    return lambda **t: {"out": fn(**t)}


# -- 1. activations: at random values, and at their kinks -----------------------------------------

SPREAD = r(3, 4) * 4  # across every kink's neighbourhood
ACTIVATIONS = [
    # (gradcli call of x, torch function of x, values at the kinks)
    ("F.gelu(x)", F.gelu, [0.0, 1.0, -2.0]),
    ("F.gelu(x, approximate='tanh')", lambda x: F.gelu(x, approximate="tanh"), [0.0, 1.0, -2.0]),
    ("F.silu(x)", F.silu, [0.0, -30.0, 30.0]),
    ("F.mish(x)", F.mish, [0.0, -30.0, 30.0]),
    ("F.elu(x)", F.elu, [0.0, -1.0, 800.0]),
    ("F.elu(x, alpha=2.0)", lambda x: F.elu(x, alpha=2.0), [0.0, -1.0, 1.0]),
    ("torch.selu(x)", torch.selu, [0.0, -1.0, 1.0]),
    ("F.celu(x, 2.0)", lambda x: F.celu(x, 2.0), [0.0, -1.0, 1.0]),
    ("F.leaky_relu(x)", F.leaky_relu, [0.0, -1.0, 1.0]),
    ("F.leaky_relu(x, negative_slope=0.2)", lambda x: F.leaky_relu(x, negative_slope=0.2), [0.0, -1.0]),
    ("F.softsign(x)", F.softsign, [0.0, -2.0, 3.0]),
    ("F.hardtanh(x)", F.hardtanh, [-1.0, 1.0, 0.0, -2.0, 2.0]),
    ("F.hardtanh(x, -0.5, 2.0)", lambda x: F.hardtanh(x, -0.5, 2.0), [-0.5, 2.0, 0.0, -1.0, 3.0]),
    ("F.relu6(x)", F.relu6, [0.0, 6.0, 3.0, -1.0, 7.0]),
    ("F.hardsigmoid(x)", F.hardsigmoid, [-3.0, 3.0, 0.0, -4.0, 4.0]),
    ("F.hardswish(x)", F.hardswish, [-3.0, 3.0, 0.0, -4.0, 4.0, -1.5]),
    ("F.softplus(x)", F.softplus, [0.0, 20.0, 20.5, 19.5, -30.0]),
    ("F.softplus(x, beta=2, threshold=10)", lambda x: F.softplus(x, beta=2, threshold=10),
     [5.0, 5.5, 4.5, -3.0, 0.0]),
    ("F.logsigmoid(x)", F.logsigmoid, [0.0, -800.0, 800.0, -30.0]),
    ("F.tanhshrink(x)", F.tanhshrink, [0.0, 1.0, -2.0]),
    ("F.softshrink(x)", F.softshrink, [-0.5, 0.5, 0.0, 1.0, -1.0]),
    ("F.softshrink(x, lambd=1.0)", lambda x: F.softshrink(x, lambd=1.0), [-1.0, 1.0, 0.0, 2.0]),
    ("F.hardshrink(x)", F.hardshrink, [-0.5, 0.5, 0.0, 1.0, -1.0]),
    ("x.hardshrink(1.0)", lambda x: x.hardshrink(1.0), [-1.0, 1.0, 0.0, 2.0]),
    ("F.threshold(x, 0.5, -2.0)", lambda x: F.threshold(x, 0.5, -2.0), [0.5, 0.6, 0.4]),
    ("torch.threshold(x, 0.0, 0.0)", lambda x: torch.threshold(x, 0.0, 0.0), [0.0, 1.0, -1.0]),
    ("F.relu(x)", F.relu, [0.0, 1.0, -1.0]),
    ("x.sigmoid()", lambda x: x.sigmoid(), [0.0, -800.0, 800.0]),
    ("torch.nn.functional.silu(x)", F.silu, [0.0]),
]

# PyTorch has no double backward for hardsigmoid, which its jvp (double backward) and its
# Hessian need; gradcli's forward-mode Jacobian is still checked against torch's Jacobian.
NO_DOUBLE_BACKWARD = {"F.hardsigmoid(x)": ["jvp", "hessian"]}

for _call, _fn, _kinks in ACTIVATIONS:
    _skip = NO_DOUBLE_BACKWARD.get(_call, [])
    case(f"out = {_call}", out(lambda x, f=_fn: f(x)), x=SPREAD, skip=_skip)
    case(f"out = {_call}", out(lambda x, f=_fn: f(x)), x=_kinks, skip=_skip)
    # the sum: its Hessian is the second derivative at each point (at the kinks too)
    case(f"out = {_call}.sum()", out(lambda x, f=_fn: f(x).sum()), x=_kinks, skip=_skip)

case("out = F.softmin(M, dim=1) * M", out(lambda M: F.softmin(M, dim=1) * M), M=r(3, 4))
case("out = (F.softmin(x, 0) * y).sum()", out(lambda x, y: (F.softmin(x, 0) * y).sum()), x=r(4), y=r(4))
case("out = F.glu(M, 0)", out(lambda M: F.glu(M, 0)), M=r(4, 3))
case("out = F.glu(M).sum()", out(lambda M: F.glu(M).sum()), M=r(3, 4))
case("out = F.mish(F.gelu(M) @ W).sum()", out(lambda M, W: F.mish(F.gelu(M) @ W).sum()),
     M=r(3, 4), W=r(4, 2))


# -- 2. losses ---------------------------------------------------------------------------------------

Z, P = r(4, 5), probabilities(4, 5)
T4 = [0, 4, 2, 2]
W5 = r(5, lo=0.2, hi=2.0)

for _reduction in ("mean", "sum", "none"):
    case(f"out = F.cross_entropy(z, t, reduction='{_reduction}')",
         out(lambda z, t, red=_reduction: F.cross_entropy(z, t, reduction=red)), z=Z, targets={"t": T4})
    case(f"out = F.cross_entropy(z, t, weight=w, reduction='{_reduction}')",
         out(lambda z, w, t, red=_reduction: F.cross_entropy(z, t, weight=w, reduction=red)),
         z=Z, consts={"w": W5}, targets={"t": T4})
    case(f"out = F.cross_entropy(z, p, reduction='{_reduction}')",
         out(lambda z, p, red=_reduction: F.cross_entropy(z, p, reduction=red)), z=Z, p=P)
    case(f"out = F.nll_loss(F.log_softmax(z, 1), t, weight=w, ignore_index=2, reduction='{_reduction}')",
         out(lambda z, w, t, red=_reduction: F.nll_loss(F.log_softmax(z, 1), t, weight=w, ignore_index=2,
                                                        reduction=red)), z=Z, consts={"w": W5}, targets={"t": T4})

case("out = F.cross_entropy(z, t)", out(lambda z, t: F.cross_entropy(z, t)), z=Z,
     targets={"t": [0, -100, 3, -100]})
case("out = F.cross_entropy(z, t, label_smoothing=0.15)",
     out(lambda z, t: F.cross_entropy(z, t, label_smoothing=0.15)), z=Z, targets={"t": T4})
case("out = F.cross_entropy(z, t, weight=w, label_smoothing=0.3, ignore_index=4)",
     out(lambda z, w, t: F.cross_entropy(z, t, weight=w, label_smoothing=0.3, ignore_index=4)),
     z=Z, consts={"w": W5}, targets={"t": T4})
case("out = F.cross_entropy(z, t, weight=w, label_smoothing=0.3, reduction='none')",
     out(lambda z, w, t: F.cross_entropy(z, t, weight=w, label_smoothing=0.3, reduction="none")),
     z=Z, consts={"w": W5}, targets={"t": [1, -100, 0, 4]})
case("out = F.cross_entropy(z, t, label_smoothing=0.2, reduction='sum')",
     out(lambda z, t: F.cross_entropy(z, t, label_smoothing=0.2, reduction="sum")), z=Z,
     targets={"t": T4})
case("out = F.cross_entropy(z, p, weight=w, label_smoothing=0.25)",
     out(lambda z, p, w: F.cross_entropy(z, p, weight=w, label_smoothing=0.25)), z=Z, p=P, w=W5)
# unbatched (C,) with a scalar class, and images (N, C, d1, d2)
case("out = F.cross_entropy(z, t)", out(lambda z, t: F.cross_entropy(z, t)), z=r(5), targets={"t": 3})
case("out = F.cross_entropy(z, t, label_smoothing=0.1, reduction='none')",
     out(lambda z, t: F.cross_entropy(z, t, label_smoothing=0.1, reduction="none")), z=r(5), targets={"t": 0})
case("out = F.cross_entropy(z, p)", out(lambda z, p: F.cross_entropy(z, p)), z=r(5), p=probabilities(5))
_T_IMG = [[[0, 2], [1, 1]], [[2, -100], [0, 2]]]
case("out = F.cross_entropy(z, t, weight=w)", out(lambda z, w, t: F.cross_entropy(z, t, weight=w)),
     z=r(2, 3, 2, 2), consts={"w": r(3, lo=0.5, hi=2.0)}, targets={"t": _T_IMG})
case("out = F.cross_entropy(z, t, reduction='none', label_smoothing=0.2)",
     out(lambda z, t: F.cross_entropy(z, t, reduction="none", label_smoothing=0.2)),
     z=r(2, 3, 2, 2), targets={"t": _T_IMG})
case("out = F.nll_loss(z, t)", out(lambda z, t: F.nll_loss(z, t)), z=r(2, 3, 2), targets={"t": [[0, 2], [1, 1]]})
case("out = F.nll_loss(z, t, reduction='none')", out(lambda z, t: F.nll_loss(z, t, reduction="none")),
     z=r(5), targets={"t": 1})
# the softmax classifier people write by hand, and the loss it equals
case("out = -F.log_softmax(z, dim=1)[0, 2] + F.cross_entropy(z[1:], t)",
     out(lambda z, t: -F.log_softmax(z, dim=1)[0, 2] + F.cross_entropy(z[1:], t)), z=Z,
     targets={"t": [4, 2, 0]})
case("out = F.cross_entropy(X @ W + b, t)", out(lambda X, W, b, t: F.cross_entropy(X @ W + b, t)),
     X=r(4, 3), W=r(3, 5), b=r(5), targets={"t": T4})

X01 = 1 / (1 + np.exp(-r(3, 4) * 2))
Y01 = 1 / (1 + np.exp(-r(3, 4) * 2))
for _reduction in ("mean", "sum", "none"):
    case(f"out = F.binary_cross_entropy(x, y, reduction='{_reduction}')",
         out(lambda x, y, red=_reduction: F.binary_cross_entropy(x, y, reduction=red)), x=X01, y=Y01)
    case(f"out = F.binary_cross_entropy_with_logits(z, y, reduction='{_reduction}')",
         out(lambda z, y, red=_reduction: F.binary_cross_entropy_with_logits(z, y, reduction=red)),
         z=r(3, 4) * 3, y=Y01)
case("out = F.binary_cross_entropy(x, y, weight=w)",
     out(lambda x, y, w: F.binary_cross_entropy(x, y, weight=w)), x=X01, y=Y01, consts={"w": r(3, 4)})
case("out = F.binary_cross_entropy(torch.sigmoid(z), y)",
     out(lambda z, y: F.binary_cross_entropy(torch.sigmoid(z), y)), z=r(3, 4), y=Y01)
# At the ends, PyTorch's gradient is (x - t) / max(x (1 - x), 1e-12), finite at 0 and 1; its
# double backward adds 1e-12 to x and 1 - x, so the Hessian there is PyTorch's own.
case("out = F.binary_cross_entropy(x, tensor([0., 1, 1, 0.3, 1, 0]), reduction='none')",
     out(lambda x: F.binary_cross_entropy(x, torch.tensor([0.0, 1, 1, 0.3, 1, 0]), reduction="none")),
     x=[0.0, 1.0, 1e-14, 0.5, 1e-50, 1.0], skip=["forward", "jvp"])
case("out = F.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=p)",
     out(lambda z, y, w, p: F.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=p)),
     z=r(3, 4) * 3, y=Y01, consts={"w": r(3, 4), "p": r(4, lo=0.2, hi=3.0)})
case("out = F.binary_cross_entropy_with_logits(z, y, pos_weight=p, reduction='none')",
     out(lambda z, y, p: F.binary_cross_entropy_with_logits(z, y, pos_weight=p, reduction="none")),
     z=[-800.0, 0.0, 800.0, 2.0], y=[1.0, 0.5, 0.0, 1.0], consts={"p": [2.0, 2.0, 2.0, 0.5]})

A, B = r(3, 4), r(3, 4)
B_TIES = A.copy()
B_TIES[0, 1] += 0.5
B_TIES[1, 2] -= 1.0
B_TIES[2, 3] += 2.0
for _reduction in ("mean", "sum", "none"):
    case(f"out = F.l1_loss(a, b, reduction='{_reduction}')",
         out(lambda a, b, red=_reduction: F.l1_loss(a, b, reduction=red)), a=A, b=B)
    case(f"out = F.mse_loss(a, b, reduction='{_reduction}')",
         out(lambda a, b, red=_reduction: F.mse_loss(a, b, reduction=red)), a=A, b=B)
    case(f"out = F.smooth_l1_loss(a, b, reduction='{_reduction}', beta=0.5)",
         out(lambda a, b, red=_reduction: F.smooth_l1_loss(a, b, reduction=red, beta=0.5)), a=A, b=B_TIES)
    case(f"out = F.huber_loss(a, b, reduction='{_reduction}', delta=1.0)",
         out(lambda a, b, red=_reduction: F.huber_loss(a, b, reduction=red, delta=1.0)), a=A, b=B_TIES)
# weights (PyTorch 2.14): mse and l1 average by the weights' sum, huber by the count
case("out = F.mse_loss(a, b, weight=w)", out(lambda a, b, w: F.mse_loss(a, b, weight=w)), a=A, b=B, w=r(3, 4))
case("out = F.l1_loss(a, b, weight=w)", out(lambda a, b, w: F.l1_loss(a, b, weight=w)), a=A, b=B, w=r(3, 4))
case("out = F.huber_loss(a, b, weight=w, delta=0.3)",
     out(lambda a, b, w: F.huber_loss(a, b, weight=w, delta=0.3)), a=A, b=B, w=r(3, 4))
case("out = F.smooth_l1_loss(a, b, beta=0.0)", out(lambda a, b: F.smooth_l1_loss(a, b, beta=0.0)), a=A, b=B)
case("out = F.mse_loss(a, b)", out(lambda a, b: F.mse_loss(a, b)), a=A, b=r(4))  # broadcast
case("out = F.l1_loss(a, b, size_average=False)", out(lambda a, b: F.l1_loss(a, b, size_average=False)),
     a=A, b=B)
case("out = F.mse_loss(a, b, reduce=False)", out(lambda a, b: F.mse_loss(a, b, reduce=False)), a=A, b=B)
# kinks: equal elements (l1), |d| at beta / delta exactly
case("out = F.l1_loss(a, b, reduction='none')", out(lambda a, b: F.l1_loss(a, b, reduction="none")),
     a=[1.0, 2.0, 3.0], b=[1.0, 0.0, 3.5])
case("out = F.smooth_l1_loss(a, b, beta=0.5, reduction='sum')",
     out(lambda a, b: F.smooth_l1_loss(a, b, beta=0.5, reduction="sum")), a=[1.0, 2.0, 0.0, 0.0],
     b=[1.5, 1.5, 0.0, 2.0])
case("out = F.huber_loss(a, b, delta=0.5, reduction='sum')",
     out(lambda a, b: F.huber_loss(a, b, delta=0.5, reduction="sum")), a=[1.0, 2.0, 0.0, 0.0],
     b=[1.5, 1.5, 0.0, 2.0])

LOGP = np.log(probabilities(3, 4))
Q = probabilities(3, 4)
Q0 = Q.copy()
Q0[0, 1] = Q0[2, 3] = 0.0
for _reduction in ("batchmean", "mean", "sum", "none"):
    case(f"out = F.kl_div(x, q, reduction='{_reduction}')",
         out(lambda x, q, red=_reduction: F.kl_div(x, q, reduction=red)), x=LOGP, q=Q)
case("out = F.kl_div(x, q, reduction='batchmean', log_target=True)",
     out(lambda x, q: F.kl_div(x, q, reduction="batchmean", log_target=True)), x=LOGP, q=np.log(Q))
case("out = F.kl_div(x, q, reduction='sum')",  # zeros in the target: xlogy's 0 log 0 = 0
     out(lambda x, q: F.kl_div(x, q, reduction="sum")), x=LOGP, consts={"q": Q0})
case("out = F.kl_div(F.log_softmax(z, 1), F.softmax(y, 1), reduction='batchmean')",
     out(lambda z, y: F.kl_div(F.log_softmax(z, 1), F.softmax(y, 1), reduction="batchmean")), z=r(3, 4), y=r(3, 4))

SIGNS = np.sign(r(3, 4)) + (r(3, 4) == 0)
case("out = F.soft_margin_loss(a, s)", out(lambda a, s: F.soft_margin_loss(a, s)), a=A * 3, consts={"s": SIGNS})
case("out = F.multilabel_soft_margin_loss(a, y, weight=w)",
     out(lambda a, y, w: F.multilabel_soft_margin_loss(a, y, weight=w)), a=A * 3, y=Y01, w=r(4))
case("out = F.poisson_nll_loss(a, k)", out(lambda a, k: F.poisson_nll_loss(a, k)), a=A, k=np.abs(B) * 3)
case("out = F.poisson_nll_loss(a, k, log_input=False, full=True, reduction='none')",
     out(lambda a, k: F.poisson_nll_loss(a, k, log_input=False, full=True, reduction="none")),
     a=np.abs(A) + 0.1, k=np.abs(B) * 3)
case("out = F.gaussian_nll_loss(a, b, v)", out(lambda a, b, v: F.gaussian_nll_loss(a, b, v)),
     a=A, b=B, v=r(3, 4, lo=0.2, hi=2.0))
case("out = F.gaussian_nll_loss(a, b, v, full=True, reduction='sum')",
     out(lambda a, b, v: F.gaussian_nll_loss(a, b, v, full=True, reduction="sum")), a=A, b=B, v=r(3, lo=0.2, hi=2.0))
case("out = F.gaussian_nll_loss(a, b, v, eps=0.5, reduction='none')",  # var below eps: floored value
     out(lambda a, b, v: F.gaussian_nll_loss(a, b, v, eps=0.5, reduction="none")), a=A, b=B,
     v=r(3, 1, lo=0.1, hi=1.0))
case("out = F.margin_ranking_loss(a, b, s, margin=0.2)",
     out(lambda a, b, s: F.margin_ranking_loss(a, b, s, margin=0.2)), a=A, b=B, s=SIGNS)
case("out = F.hinge_embedding_loss(a, s, margin=0.5, reduction='none')",
     out(lambda a, s: F.hinge_embedding_loss(a, s, margin=0.5, reduction="none")), a=A, s=SIGNS)
case("out = F.cosine_embedding_loss(a, b, s, margin=0.1)",
     out(lambda a, b, s: F.cosine_embedding_loss(a, b, s, margin=0.1)), a=A, b=B, s=[1.0, -1.0, -1.0])
case("out = F.triplet_margin_loss(a, b, c, margin=2.0)",
     out(lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=2.0)), a=A, b=B, c=r(3, 4))
case("out = F.triplet_margin_loss(a, b, c, margin=2.0, p=1, swap=True, reduction='none')",
     out(lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=2.0, p=1, swap=True, reduction="none")),
     a=A, b=B, c=r(3, 4))

# similarities and distances
case("out = F.cosine_similarity(a, b)", out(lambda a, b: F.cosine_similarity(a, b)), a=A, b=B)
case("out = F.cosine_similarity(a, b, dim=0)", out(lambda a, b: F.cosine_similarity(a, b, dim=0)), a=A, b=r(3, 1))
case("out = F.cosine_similarity(a, b, dim=-1, eps=0.5)",  # a norm below eps: floored value only
     out(lambda a, b: F.cosine_similarity(a, b, dim=-1, eps=0.5)), a=A * 0.1, b=B)
case("out = torch.cosine_similarity(x, y, dim=0)", out(lambda x, y: torch.cosine_similarity(x, y, dim=0)),
     x=r(4), y=r(4))
case("out = F.pairwise_distance(a, b)", out(lambda a, b: F.pairwise_distance(a, b)), a=A, b=B)
case("out = F.pairwise_distance(a, b, p=1, keepdim=True)",
     out(lambda a, b: F.pairwise_distance(a, b, p=1, keepdim=True)), a=A, b=B)
case("out = F.pairwise_distance(a, b, p=3.0, eps=0.0)", out(lambda a, b: F.pairwise_distance(a, b, p=3.0, eps=0.0)),
     a=A, b=r(4))
case("out = F.pairwise_distance(x, y)", out(lambda x, y: F.pairwise_distance(x, y)), x=r(4), y=r(4))
case("out = F.pairwise_distance(a, a * 1)", out(lambda a: F.pairwise_distance(a, a * 1)), a=A)  # equal rows
case("out = F.normalize(a)", out(lambda a: F.normalize(a)), a=A)
case("out = F.normalize(a, p=1, dim=0)", out(lambda a: F.normalize(a, p=1, dim=0)), a=A)
case("out = F.normalize(x, dim=0, eps=10.0)", out(lambda x: F.normalize(x, dim=0, eps=10.0)), x=r(4))


# -- 3. reductions: PyTorch's conventions (unprefixed names, torch., methods) --------------------------

Mr = r(4, 5)
MT = np.array([[3.0, 1, 2, 2, 5, 2], [0.5, 0.5, 0.5, 1, 2, 3]])  # ties at the medians
case("out = torch.var(M)", out(lambda M: torch.var(M)), M=Mr)
case("out = M.var(1)", out(lambda M: M.var(1)), M=Mr)
case("out = var(M, 0, keepdim=True) * M", out(lambda M: torch.var(M, 0, keepdim=True) * M), M=Mr)
case("out = torch.var(M, dim=(0, 1), correction=0)", out(lambda M: torch.var(M, dim=(0, 1), correction=0)), M=Mr)
case("out = torch.var(M, 1, False)", out(lambda M: torch.var(M, 1, False)), M=Mr)
case("out = M.var(unbiased=False)", out(lambda M: M.var(unbiased=False)), M=Mr)
case("out = torch.std(M)", out(lambda M: torch.std(M)), M=Mr)
case("out = M.std(0, keepdim=True)", out(lambda M: M.std(0, keepdim=True)), M=Mr)
case("out = torch.std(M, dim=1, correction=2)", out(lambda M: torch.std(M, dim=1, correction=2)), M=Mr)
# A constant: gradient 0, in PyTorch's reverse mode and gradcli's both; PyTorch's forward-mode
# rule for std divides by the zero std (NaN), so the JVP is left out.
case("out = torch.std(x)", out(lambda x: torch.std(x)), x=[2.0, 2.0, 2.0], skip=["jvp"])
case("v, m = torch.var_mean(M, 1)", lambda M: dict(zip(["v", "m"], torch.var_mean(M, 1))), M=Mr)
case("s, m = torch.std_mean(M, dim=0, correction=0)",
     lambda M: dict(zip(["s", "m"], torch.std_mean(M, dim=0, correction=0))), M=Mr)
case("out = torch.median(M)", out(lambda M: torch.median(M)), M=Mr)
case("out = torch.median(M)", out(lambda M: torch.median(M)), M=MT)  # ties share the gradient
case("out = M.median(1).values", out(lambda M: M.median(1).values), M=Mr)
case("v, i = torch.median(M, dim=0, keepdim=True); out = v * M + i",
     out(lambda M: torch.median(M, dim=0, keepdim=True)[0] * M + torch.median(M, 0, True)[1]), M=Mr)
case("out = torch.nanmedian(M, 1)[0]", out(lambda M: torch.nanmedian(M, 1)[0]), M=Mr)
for _interpolation in ("linear", "lower", "higher", "nearest", "midpoint"):
    case(f"out = torch.quantile(M, tensor([0.1, 0.5, 0.85]), dim=1, interpolation='{_interpolation}')",
         out(lambda M, i=_interpolation: torch.quantile(M, torch.tensor([0.1, 0.5, 0.85]), dim=1,
                                                        interpolation=i)), M=Mr)
case("out = torch.quantile(M, 0.3)", out(lambda M: torch.quantile(M, 0.3)), M=Mr)
case("out = M.quantile(0.6, 0, True)", out(lambda M: M.quantile(0.6, 0, True)), M=Mr)
case("out = torch.quantile(M, q, dim=0)", out(lambda M, q: torch.quantile(M, q, dim=0)), M=Mr, q=0.35)
case("out = torch.nanquantile(M, 0.4, dim=1, keepdim=True)",
     out(lambda M: torch.nanquantile(M, 0.4, dim=1, keepdim=True)), M=Mr)
case("out = torch.nansum(M, 1) + torch.nanmean(M, 0).sum()",
     out(lambda M: torch.nansum(M, 1) + torch.nanmean(M, 0).sum()), M=Mr)
case("out = M.mean(dim=(0, 1)) + M.sum((0, 1), keepdim=True)",
     out(lambda M: M.mean(dim=(0, 1)) + M.sum((0, 1), keepdim=True)), M=Mr)
case("out = torch.max(M, 1)[0] + torch.amax(M, dim=(0, 1)) + M.min(0).values.sum()",
     out(lambda M: torch.max(M, 1)[0] + torch.amax(M, dim=(0, 1)) + M.min(0).values.sum()), M=Mr)
case("out = torch.logsumexp(M, 1) * torch.round(M, decimals=1)[:, 0]",
     out(lambda M: torch.logsumexp(M, 1) * torch.round(M, decimals=1)[:, 0]), M=Mr)
case("out = torch.all(M > -1, dim=1) * M[:, 0] + torch.any(M > 1, 0).sum() + M.count_nonzero()",
     out(lambda M: torch.all(M > -1, dim=1) * M[:, 0] + torch.any(M > 1, 0).sum() + M.count_nonzero()), M=Mr)


for _i, _c in enumerate(CASES):
    _c.id = f"{_i:03d}:{_c.program[:70]}"


# -- the harness ------------------------------------------------------------------------------------

def _np(t):
    return np.zeros(()) if t is None else t.detach().numpy()


def _check(actual, expected, what):
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def _computation(c: Case) -> Computation:
    values = {**c.values, **c.consts, **{k: v.astype(np.float64) for k, v in c.targets.items()}}
    return Computation(c.program, values, wrt=list(c.values))


def _function(c: Case, names, outs):
    targets = {k: torch.tensor(v) for k, v in {**c.consts, **c.targets}.items()}

    def f(*xs):
        result = c.ref(**dict(zip(names, xs)), **targets)
        assert list(result) == outs, f"reference outputs {list(result)} != gradcli's {outs}"
        return tuple(result[n].to(torch.float64) if result[n].dtype != torch.float64 else result[n]
                     for n in outs)
    return f


def _random(seed, shapes):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, size=s) * rng.choice([-1.0, 1.0], size=s) for s in shapes]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_parity(c: Case):
    comp = _computation(c)
    names, outs = list(c.values), comp.output_names
    assert comp.wrt == names
    f = _function(c, names, outs)
    seed = zlib.crc32(c.program.encode())

    def primals():
        return tuple(torch.tensor(c.values[n]) for n in names)

    expected = f(*primals())
    got = comp.evaluate()
    for n, e in zip(outs, expected):
        _check(got["outputs"][n], _np(e), f"output {n}")

    leaves = [t.requires_grad_() for t in primals()]
    ys = f(*leaves)
    cot = _random(seed, [tuple(y.shape) for y in ys])
    pairs = [(y, torch.tensor(g)) for y, g in zip(ys, cot) if y.requires_grad]
    grads = torch.autograd.grad([y for y, _ in pairs], leaves, [g for _, g in pairs],
                                allow_unused=True) if pairs else [None] * len(leaves)
    back = comp.backward([dict(zip(outs, cot))])
    for n, leaf, g in zip(names, leaves, grads):
        _check(back["grad"][n], np.zeros(leaf.shape) if g is None else _np(g), f"grad {n}")

    jac = torch.autograd.functional.jacobian(f, primals())
    for mode in ("reverse",) if "forward" in c.skip else ("reverse", "forward"):
        blocks = comp.jacobian(mode=mode)["jacobian"]
        for i, o in enumerate(outs):
            for j, n in enumerate(names):
                _check(blocks[o][n], _np(jac[i][j]), f"{mode} jacobian[{o}][{n}]")

    if "jvp" not in c.skip:
        tangent = _random(seed + 1, [tuple(p.shape) for p in primals()])
        _, jvp = torch.autograd.functional.jvp(f, primals(), tuple(torch.tensor(t) for t in tangent))
        got = comp.jvp([dict(zip(names, tangent))])["jvp"]
        for o, e in zip(outs, jvp):
            _check(got[o], _np(e), f"jvp {o}")

    if len(outs) == 1 and comp.outputs[outs[0]].size == 1 and "hessian" not in c.skip:
        hess = torch.autograd.functional.hessian(lambda *xs: f(*xs)[0].reshape(()), primals())
        got = comp.hessian()["hessian"]
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                _check(got[a][b], _np(hess[i][j]), f"hessian[{a}][{b}]")


def test_corpus_size():
    assert len(CASES) >= 200


# -- through the command line, as a user writes it ------------------------------------------------------

def _arg(name, value):
    return f"{name}={json.dumps(np.asarray(value).tolist())}"


@pytest.mark.parametrize("program,z,t", [
    ("out = F.cross_entropy(z, t)", [1.0, 2.0, 0.5], 2),
    ("out = F.cross_entropy(z, t, label_smoothing=0.1)", [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], [2, 0]),
    ("out = torch.nn.functional.nll_loss(F.log_softmax(z, dim=-1), t)", [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]],
     [1, 2]),
])
def test_class_target_given_with_at(program, z, t):
    """--at t=2: a class index on the command line; the gradient and Hessian in z are PyTorch's,
    and t, given --wrt z, is not differentiated (null, PyTorch's None for an int64 tensor)."""
    got = cli_json("grad", program, "--at", _arg("z", z), "--at", _arg("t", t), "--wrt", "z")
    zt = torch.tensor(z, requires_grad=True)
    fn = {"out = F.cross_entropy(z, t)": lambda z: F.cross_entropy(z, torch.tensor(t)),
          "out = F.cross_entropy(z, t, label_smoothing=0.1)":
              lambda z: F.cross_entropy(z, torch.tensor(t), label_smoothing=0.1),
          "out = torch.nn.functional.nll_loss(F.log_softmax(z, dim=-1), t)":
              lambda z: F.nll_loss(F.log_softmax(z, dim=-1), torch.tensor(t))}[program]
    loss = fn(zt)
    loss.backward()
    _check(got["outputs"]["out"], _np(loss), "cli output")
    _check(got["grad"]["z"], _np(zt.grad), "cli grad z")
    assert got["grad"]["t"] is None
    hess = cli_json("hessian", program, "--at", _arg("z", z), "--at", _arg("t", t), "--wrt", "z")
    want = torch.autograd.functional.hessian(fn, torch.tensor(z))
    _check(hess["hessian"]["z"]["z"], _np(want), "cli hessian")
