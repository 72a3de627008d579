"""Special functions: scipy.special.X, special.X, torch.special.X, torch.X (torch.lgamma,
torch.digamma, torch.polygamma(n, x)...) and jax.scipy.special.X. Values are SciPy's; the
derivatives are in core/ops/special.py.
"""
from __future__ import annotations

import math

from ...core import ops
from ...core.ops import special as sp
from ...core.tensor import PRIMITIVES, Tensor, apply
from .base import Table, _describe, _fail, _int, _no_more, to_tensor

TABLE = Table()
register = TABLE.register


def _unary(name):
    op = PRIMITIVES[name]

    def impl(ctx, x, **kwargs):
        _no_more(name, (), kwargs)
        return apply(op, to_tensor(ctx, x))
    return impl


def _binary(name):
    op = PRIMITIVES[name]

    def impl(ctx, a, b, **kwargs):
        _no_more(name, (), kwargs)
        return apply(op, to_tensor(ctx, a), to_tensor(ctx, b))
    return impl


_POSITIVE = "x.abs() + 0.5"
for _name, _aliases, _samples in [
        ("gammaln", ["lgamma"], [f"out = gammaln({_POSITIVE}) * y", "out = torch.lgamma(M * 3 - 1.1)",
                                 "out = scipy.special.gammaln(M + 2)"]),
        ("digamma", ["psi"], [f"out = digamma({_POSITIVE}) * y", "out = special.psi(M + 0.2)",
                              "out = torch.special.digamma(x * 2 + 3.1)"]),
        ("gamma", [], [f"out = scipy.special.gamma({_POSITIVE}) * y", "out = special.gamma(M * 0.3 - 1.5)"]),
        ("erfc", [], ["out = erfc(x) * y", "out = torch.special.erfc(M * 2)"]),
        ("erfcx", [], ["out = special.erfcx(x) * y", "out = torch.special.erfcx(M * 4)"]),
        ("erfinv", [], ["out = erfinv(x * 0.7) * y", "out = torch.special.erfinv(M * 0.7)"]),
        ("ndtr", [], ["out = special.ndtr(x) * y", "out = torch.special.ndtr(M * 3)"]),
        ("log_ndtr", [], ["out = special.log_ndtr(x * 4) * y", "out = torch.special.log_ndtr(-M * 20)"]),
        ("ndtri", [], ["out = special.ndtri(x.abs() * 0.7) * y", "out = torch.special.ndtri(M * 0.6)"]),
        ("i0", [], ["out = i0(x) * y", "out = torch.special.i0(M * 3)", "out = np.i0(x)"]),
        ("i0e", [], ["out = special.i0e(x * 2) * y", "out = torch.special.i0e(M - 1)"]),
        ("i1", [], ["out = special.i1(x) * y", "out = torch.special.i1(M * 2)", "out = special.i1(x - x) * x"]),
        ("i1e", [], ["out = special.i1e(x * 3) * y", "out = torch.special.i1e(M - x)"])]:
    register(_name, _unary(_name), _samples, aliases=_aliases)


def _polygamma(ctx, n, x, **kwargs):
    """polygamma(n, x); the method x.polygamma(n) has the tensor first, as in PyTorch."""
    _no_more("polygamma", (), kwargs)
    if isinstance(n, Tensor) and not isinstance(x, Tensor):
        n, x = x, n
    if isinstance(n, Tensor):
        _fail("polygamma: the order n must be an integer, not a tensor")
    n = _int(n, "polygamma: n")
    if n < 0:
        _fail(f"polygamma: the order n must not be negative, got {n}")
    return sp.polygamma(n, to_tensor(ctx, x))


def _multigammaln(ctx, a, d, **kwargs):
    """log of the multivariate gamma function: d(d-1)/4 log(pi) + sum_j gammaln(a + (1 - j)/2)."""
    _no_more("multigammaln", (), kwargs)
    a = to_tensor(ctx, a)
    d = _int(d, "multigammaln: d (torch's p)")
    if d < 1:
        _fail(f"multigammaln: d must be at least 1, got {d}")
    total = sp.gammaln(a)
    for j in range(2, d + 1):
        total = total + sp.gammaln(a + (1 - j) / 2)
    return total + d * (d - 1) / 4 * math.log(math.pi)


register("polygamma", _polygamma, ["out = polygamma(1, x.abs() + 0.5) * y", "out = special.polygamma(2, M + 1)",
                                   "out = (x.abs() + 1).polygamma(3)"])
register("multigammaln", _multigammaln, ["out = special.multigammaln(x.abs() + 2, 3) * y",
                                         "out = torch.special.multigammaln(M + 1, 2)"])
register("betaln", _binary("betaln"), ["out = betaln(x.abs() + 0.5, y.abs() + 1)",
                                       "out = special.betaln(M + 1, x.abs() * 3)"])
register("beta", _binary("beta"), ["out = special.beta(x.abs() + 0.5, y.abs() + 1)",
                                   "out = special.beta(M + 0.5, s + 2)"])


def _incomplete(name):
    """scipy.special.gammainc(a, x) and torch.special.gammainc(a, x) (torch.igamma): regularized,
    differentiable in x only (PyTorch raises for a too)."""
    op = PRIMITIVES[name]

    def impl(ctx, a, x, **kwargs):
        _no_more(name, (), kwargs)
        return apply(op, to_tensor(ctx, a), to_tensor(ctx, x))
    return impl


register("gammainc", _incomplete("gammainc"), ["out = special.gammainc(tensor([0.5, 1.5, 2.5]), M.abs()) * y",
                                               "out = special.gammainc(3., x.abs() + 0.1)"],
         aliases=["igamma"])
register("gammaincc", _incomplete("gammaincc"), ["out = torch.special.gammaincc(2., M.abs() * 3)"],
         aliases=["igammac"])


def _betainc(ctx, a, b, x, **kwargs):
    _no_more("betainc", (), kwargs)
    return apply(PRIMITIVES["betainc"], to_tensor(ctx, a), to_tensor(ctx, b), to_tensor(ctx, x))


register("betainc", _betainc, ["out = special.betainc(2., 3., sigmoid(x)) * y",
                                "out = special.betainc(0.5, 1.5, sigmoid(M))"])


def _stdtr(ctx, df, t, **kwargs):
    _no_more("stdtr", (), kwargs)
    if isinstance(df, str):
        _fail(f"stdtr: df must be a number or a tensor, got {_describe(df)}")
    return apply(PRIMITIVES["stdtr"], to_tensor(ctx, df), to_tensor(ctx, t))


register("stdtr", _stdtr, ["out = special.stdtr(3., x) * y", "out = special.stdtr(1.5, M * 4)"])


def _scipy_softmax(log: bool):
    """scipy.special.softmax / log_softmax(x, axis=None): over ALL elements unless an axis is given
    (PyTorch's softmax takes one dim)."""
    name = "log_softmax" if log else "softmax"

    def impl(ctx, x, axis=None, **kwargs):
        _no_more(name, (), kwargs)
        x = to_tensor(ctx, x)
        if axis is None:
            flat = ops.reshape(x, (max(x.size, 1),) if x.nd else (1,))
            return ops.reshape(apply(PRIMITIVES[name], flat, axis=-1), x.shape)
        if isinstance(axis, (tuple, list)):
            _fail(f"special.{name}: a tuple of axes is not supported (give one axis, or None)")
        axis = _int(axis, f"special.{name}: axis")
        if not -max(x.nd, 1) <= axis < max(x.nd, 1):
            _fail(f"special.{name}: axis {axis} is out of range for shape {x.shape}")
        return apply(PRIMITIVES[name], x, axis=axis - x.nd if axis >= 0 else axis)
    return impl


register("softmax", _scipy_softmax(False), ["out = scipy.special.softmax(M) * N",
                                            "out = special.softmax(x, axis=0) * y"], library="scipy")
register("log_softmax", _scipy_softmax(True), ["out = scipy.special.log_softmax(M) * N",
                                               "out = special.log_softmax(M, axis=1) * N"],
         library="scipy")
