"""Losses, activations and statistics without PyTorch: each checked against independent NumPy
(or SciPy) math, the np. spellings against NumPy itself, PyTorch 2.14's kink conventions as the
numbers it gives, and every refusal as a clear error (exit 2 through the command line).

tests/test_torch_parity_nn.py checks the same functions against PyTorch where it is installed.
"""
from __future__ import annotations

import numpy as np
import pytest
from conftest import cli, cli_json

from gradcli.api import Computation
from gradcli.errors import GradcliError

RNG = np.random.default_rng(7)
M = RNG.standard_normal((4, 5))
X = RNG.standard_normal(6)


def run(program, **values):
    """The outputs of a program, and the gradient of its one output's sum."""
    comp = Computation(program, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()})
    outs = comp.evaluate()["outputs"]
    out = outs[comp.output_names[0]]
    grads = comp.backward([{comp.output_names[0]: np.ones(np.shape(out))}])["grad"]
    return out, grads


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                               rtol=tol, atol=tol)


def log_softmax(z, axis):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


# -- var and std: np.var ddof=0 vs torch.var / x.var() correction=1 ---------------------------------

@pytest.mark.parametrize("program,want", [
    ("out = np.var(M)", lambda: np.var(M)),
    ("out = numpy.var(M, axis=0)", lambda: np.var(M, axis=0)),
    ("out = np.var(M, 1, ddof=1)", lambda: np.var(M, 1, ddof=1)),
    ("out = np.var(M, axis=(0, 1), keepdims=True)", lambda: np.var(M, axis=(0, 1), keepdims=True)),
    ("out = np.std(M, axis=1, ddof=2)", lambda: np.std(M, axis=1, ddof=2)),
    ("out = jnp.std(M)", lambda: np.std(M)),
    ("out = torch.var(M)", lambda: np.var(M, ddof=1)),
    ("out = var(M)", lambda: np.var(M, ddof=1)),
    ("out = M.var()", lambda: np.var(M, ddof=1)),
    ("out = M.var(1)", lambda: np.var(M, 1, ddof=1)),
    ("out = torch.var(M, 0, unbiased=False)", lambda: np.var(M, 0)),
    ("out = torch.var(M, False)", lambda: np.var(M)),
    ("out = torch.var(M, 1, True, True)", lambda: np.var(M, 1, ddof=1, keepdims=True)),
    ("out = torch.var(M, dim=0, correction=3)", lambda: np.var(M, 0, ddof=3)),
    ("out = M.std(dim=1, keepdim=True)", lambda: np.std(M, 1, ddof=1, keepdims=True)),
    ("out = torch.std(M, correction=0)", lambda: np.std(M)),
])
def test_var_std_conventions(program, want):
    got, _ = run(program, M=M)
    close(got, want())
    assert np.shape(got) == np.shape(want())


def test_var_gradient_is_two_deviations_over_the_divisor():
    n = X.size
    for program, divisor in [("out = np.var(x)", n), ("out = torch.var(x)", n - 1),
                             ("out = x.var(correction=2)", n - 2)]:
        _, grad = run(program, x=X)
        close(grad["x"], 2 * (X - X.mean()) / divisor)
    _, grad = run("out = np.std(x, ddof=1)", x=X)
    close(grad["x"], (X - X.mean()) / ((n - 1) * np.std(X, ddof=1)))


def test_std_of_a_constant_has_gradient_zero_and_var_of_too_few_is_nan():
    _, grad = run("out = torch.std(x)", x=[2.0, 2.0, 2.0])
    close(grad["x"], [0.0, 0.0, 0.0])
    with np.errstate(all="ignore"):
        got, _ = run("out = torch.var(x)", x=[3.0])
    assert np.isnan(got)


def test_var_mean_and_std_mean_unpack():
    comp = Computation("v, m = torch.var_mean(M, 1); s, n = torch.std_mean(M, dim=0, correction=0)",
                       {"M": M})
    outs = comp.evaluate()["outputs"]
    close(outs["v"], np.var(M, 1, ddof=1))
    close(outs["m"], M.mean(1))
    close(outs["s"], np.std(M, 0))
    close(outs["n"], M.mean(0))


# -- median and quantile ----------------------------------------------------------------------------

def test_median_torch_is_the_lower_middle_numpy_the_mean_of_the_middles():
    x = np.array([4.0, 1.0, 3.0, 2.0])
    got, grad = run("out = torch.median(x)", x=x)
    assert got == 2.0
    close(grad["x"], [0, 0, 0, 1])
    got, grad = run("out = np.median(x)", x=x)
    assert got == np.median(x) == 2.5
    close(grad["x"], [0, 0, 0.5, 0.5])


def test_torch_median_shares_the_gradient_among_ties_but_median_with_dim_picks_one():
    x = np.array([3.0, 1, 2, 2, 5, 2])
    got, grad = run("out = torch.median(x)", x=x)
    assert got == 2.0
    close(grad["x"], [0, 0, 1 / 3, 1 / 3, 0, 1 / 3])
    comp = Computation("v, i = torch.median(x, 0)", {"x": x})
    outs = comp.evaluate()["outputs"]
    assert outs["v"] == 2.0 and x[int(outs["i"])] == 2.0
    grad = comp.backward([{"v": 1.0, "i": 0.0}])["grad"]["x"]
    assert sorted(grad) == [0, 0, 0, 0, 0, 1] and x[np.argmax(grad)] == 2.0


@pytest.mark.parametrize("program,want", [
    ("out = np.median(M, axis=1)", lambda: np.median(M, axis=1)),
    ("out = np.median(M, axis=(0, 1), keepdims=True)", lambda: np.median(M, axis=(0, 1), keepdims=True)),
    ("out = torch.median(M, 0).values", lambda: np.sort(M, 0)[(M.shape[0] - 1) // 2]),
    ("out = M.median(dim=1, keepdim=True)[0]", lambda: np.sort(M, 1)[:, [(M.shape[1] - 1) // 2]]),
    ("out = torch.median(M, 0).indices", lambda: np.argsort(M, 0, kind="stable")[(M.shape[0] - 1) // 2]),
    ("out = np.quantile(M, 0.3)", lambda: np.quantile(M, 0.3)),
    ("out = np.quantile(M, [0.1, 0.5, 0.95], axis=0)", lambda: np.quantile(M, [0.1, 0.5, 0.95], axis=0)),
    ("out = np.quantile(M, 0.4, axis=1, keepdims=True, method='nearest')",
     lambda: np.quantile(M, 0.4, axis=1, keepdims=True, method="nearest")),
    ("out = np.percentile(M, [25, 75], axis=1, method='midpoint')",
     lambda: np.percentile(M, [25, 75], axis=1, method="midpoint")),
    ("out = torch.quantile(M, tensor([0.2, 0.7]), dim=1, keepdim=True, interpolation='lower')",
     lambda: np.quantile(M, [0.2, 0.7], axis=1, keepdims=True, method="lower")),
    ("out = M.quantile(0.85, dim=0, interpolation='higher')", lambda: np.quantile(M, 0.85, axis=0, method="higher")),
])
def test_median_and_quantile_values(program, want):
    got, _ = run(program, M=M)
    assert np.shape(got) == np.shape(want())
    close(got, want())


def test_quantile_gradient_is_the_interpolation_weights_and_q_is_differentiable():
    x = np.array([1.0, 4.0, 2.0, 8.0])  # sorted: 1, 2, 4, 8; q = 0.3 sits at 0.9 between 1 and 2
    comp = Computation("out = torch.quantile(x, q)", {"x": x, "q": 0.3})
    got = comp.evaluate()["outputs"]["out"]
    close(got, np.quantile(x, 0.3))
    grad = comp.backward()["grad"]
    close(grad["x"], [0.1, 0, 0.9, 0])
    close(grad["q"], (2.0 - 1.0) * 3)  # (x_above - x_below) * (n - 1)


def test_nan_conventions():
    m = M.copy()
    m[1, 2] = np.nan
    with np.errstate(all="ignore"):
        for program, want in [("out = np.median(M, 1)", np.median(m, 1)),
                              ("out = np.nanmedian(M, 1)", np.nanmedian(m, 1)),
                              ("out = np.quantile(M, 0.3, axis=1)", np.quantile(m, 0.3, axis=1)),
                              ("out = np.nanquantile(M, 0.3, axis=1)", np.nanquantile(m, 0.3, axis=1)),
                              ("out = np.nansum(M, 0)", np.nansum(m, 0)),
                              ("out = np.nanmean(M, axis=1)", np.nanmean(m, axis=1)),
                              ("out = torch.nanmedian(M)", np.sort(m[~np.isnan(m)])[(m.size - 2) // 2])]:
            got, _ = run(program, M=m)
            np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True, err_msg=program)
        _, grad = run("out = torch.nansum(M)", M=m)
    assert grad["M"][1, 2] == 0 and (np.delete(grad["M"].ravel(), 7) == 1).all()


# -- the rest of the reductions ---------------------------------------------------------------------

def test_counts_truth_and_round():
    got, _ = run("out = count_nonzero(M > 0, dim=0)", M=M)
    close(got, np.count_nonzero(M > 0, axis=0))
    got, _ = run("out = np.all(M > -1, axis=1) + 2 * torch.any(M > 1, 0)[0]", M=M)
    close(got, np.all(M > -1, axis=1) + 2 * np.any(M > 1, 0)[0])
    got, _ = run("out = all(x) * 2 + any(x * 0)", x=[1.0, np.nan, 0.0])
    assert got == 1.0  # not all (a zero), but any: NaN is true in both libraries
    halves = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 2.675, 1234.5])
    for program, want in [("out = round(x)", np.round(halves)), ("out = np.round(x, 2)", np.round(halves, 2)),
                          ("out = torch.round(x, decimals=-1)", np.round(halves, -1)),
                          ("out = np.around(x, decimals=1)", np.round(halves, 1)),
                          ("out = x.round(decimals=2)", np.round(halves, 2))]:
        got, grad = run(program, x=halves)
        np.testing.assert_array_equal(got, want, err_msg=program)
        assert not np.any(grad["x"]), program


def test_scipy_logsumexp_with_weights_and_sign():
    b = RNG.standard_normal((4, 5))
    comp = Computation("out = scipy.special.logsumexp(M, axis=1, b=b * b)", {"M": M, "b": b})
    close(comp.evaluate()["outputs"]["out"], np.log((b * b * np.exp(M)).sum(1)))
    w = b * b * np.exp(M)
    close(comp.backward([{"out": np.ones(4)}])["grad"]["M"], w / w.sum(1, keepdims=True))
    comp = Computation("r, s = special.logsumexp(M, axis=0, b=b, return_sign=True)", {"M": M, "b": b})
    outs = comp.evaluate()["outputs"]
    total = (b * np.exp(M)).sum(0)
    close(outs["r"], np.log(np.abs(total)))
    close(outs["s"], np.sign(total))
    # a zero weight leaves its term out, however large (SciPy)
    got, _ = run("out = scipy.special.logsumexp(x, b=tensor([1., 0, 1]))", x=[0.0, 1000.0, 0.0])
    close(got, np.log(2.0))
    scipy_special = pytest.importorskip("scipy.special")
    close(Computation("out = scipy.special.logsumexp(M, b=b, keepdims=True)",
                      {"M": M, "b": np.abs(b)}).evaluate()["outputs"]["out"],
          scipy_special.logsumexp(M, b=np.abs(b), keepdims=True))


# -- losses, by independent math ----------------------------------------------------------------------

Z = RNG.standard_normal((4, 5))
T = np.array([0.0, 4.0, 2.0, 2.0])


def test_cross_entropy_class_indices():
    lp = log_softmax(Z, 1)
    picked = lp[np.arange(4), T.astype(int)]
    got, grad = run("out = F.cross_entropy(z, t)", z=Z, t=T)
    close(got, -picked.mean())
    onehot = np.eye(5)[T.astype(int)]
    close(grad["z"], (np.exp(lp) - onehot) / 4)
    assert not np.any(grad["t"])  # a class index is never differentiated
    w = np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    got, _ = run("out = F.cross_entropy(z, t, weight=w)", z=Z, t=T, w=w)
    close(got, -(w[T.astype(int)] * picked).sum() / w[T.astype(int)].sum())
    got, _ = run("out = F.cross_entropy(z, tensor([0., -100, 2, -100]), reduction='none')", z=Z)
    close(got, [-lp[0, 0], 0.0, -lp[2, 2], 0.0])
    with np.errstate(all="ignore"):
        got, _ = run("out = F.cross_entropy(z, tensor([-100., -100, -100, -100]))", z=Z)
    assert np.isnan(got)  # nothing left to average: NaN, as in PyTorch


def test_cross_entropy_label_smoothing_and_probabilities():
    lp = log_softmax(Z, 1)
    eps, n = 0.2, 5
    nll = -lp[np.arange(4), T.astype(int)]
    got, _ = run("out = F.cross_entropy(z, t, label_smoothing=0.2)", z=Z, t=T)
    close(got, ((1 - eps) * nll + eps / n * -lp.sum(1)).mean())
    p = np.exp(log_softmax(RNG.standard_normal((4, 5)), 1))
    got, grad = run("out = F.cross_entropy(z, p)", z=Z, p=p)
    close(got, -(p * lp).sum() / 4)
    close(grad["p"], -lp / 4)  # class probabilities are differentiable
    got, _ = run("out = F.cross_entropy(z, p, label_smoothing=0.2)", z=Z, p=p)
    close(got, -((p * (1 - eps) + eps / n) * lp).sum() / 4)


def test_cross_entropy_unbatched_and_spatial():
    z = RNG.standard_normal(5)
    got, _ = run("out = F.cross_entropy(z, t)", z=z, t=3.0)
    close(got, -log_softmax(z, 0)[3])
    z4 = RNG.standard_normal((2, 3, 2, 2))
    t4 = np.array([[[0, 2], [1, 1]], [[2, 0], [0, 2]]])
    lp = log_softmax(z4, 1)
    picked = np.take_along_axis(lp, t4[:, None], axis=1)[:, 0]
    got, _ = run("out = F.cross_entropy(z, t, reduction='none')", z=z4, t=t4.astype(float))
    close(got, -picked)


def test_nll_loss_and_the_hand_written_classifier_agree():
    lp = log_softmax(Z, 1)
    program = "out = F.nll_loss(F.log_softmax(z, 1), t) - F.cross_entropy(z, t)"
    got, grad = run(program, z=Z, t=T)
    close(got, 0.0)
    close(grad["z"], np.zeros_like(Z), 1e-15)
    got, _ = run("out = F.nll_loss(F.log_softmax(z, 1), t, ignore_index=2, reduction='sum')", z=Z, t=T)
    close(got, -(lp[0, 0] + lp[1, 4]))


def test_binary_cross_entropy_and_with_logits():
    x = 1 / (1 + np.exp(-Z))
    y = np.exp(log_softmax(RNG.standard_normal((4, 5)), 1))
    want = -(y * np.log(x) + (1 - y) * np.log(1 - x))
    got, grad = run("out = F.binary_cross_entropy(x, y, reduction='none')", x=x, y=y)
    close(got, want)
    close(grad["x"], (x - y) / (x * (1 - x)), 1e-10)
    got, grad = run("out = F.binary_cross_entropy_with_logits(z, y, reduction='sum')", z=Z, y=y)
    close(got, want.sum(), 1e-11)
    close(grad["z"], x - y)
    pw = np.array([2.0, 0.5, 1.0, 3.0, 1.0])
    got, _ = run("out = F.binary_cross_entropy_with_logits(z, y, pos_weight=w)", z=Z, y=y, w=pw)
    close(got, (-(pw * y * np.log(x) + (1 - y) * np.log(1 - x))).mean(), 1e-11)


def test_binary_cross_entropy_at_the_ends_follows_pytorch():
    """log is clamped at -100; the gradient is (x - t) / max(x (1 - x), 1e-12), PyTorch's."""
    got, grad = run("out = F.binary_cross_entropy(x, tensor([0., 1, 1, 1, 0]), reduction='none')",
                    x=[0.0, 1.0, 1e-14, 0.0, 1.0])
    close(got, [0.0, 0.0, -np.log(1e-14), 100.0, 100.0])
    close(grad["x"], [0.0, 0.0, (1e-14 - 1) / 1e-12, -1e12, 1e12], 1e-9)


def test_regression_losses():
    a, b = Z, RNG.standard_normal((4, 5))
    d = a - b
    for program, want in [
        ("out = F.l1_loss(a, b)", np.abs(d).mean()),
        ("out = F.mse_loss(a, b, reduction='sum')", (d * d).sum()),
        ("out = F.mse_loss(a, b, weight=b * b)", (d * d * b * b).sum() / (b * b).sum()),
        ("out = F.smooth_l1_loss(a, b, beta=0.5)",
         np.where(np.abs(d) < 0.5, 0.5 * d * d / 0.5, np.abs(d) - 0.25).mean()),
        ("out = F.huber_loss(a, b, delta=0.5, reduction='none')",
         np.where(np.abs(d) < 0.5, 0.5 * d * d, 0.5 * (np.abs(d) - 0.25))),
        ("out = F.huber_loss(a, b, weight=b * b)",
         (np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5) * b * b).mean()),
        ("out = F.soft_margin_loss(a, b)", np.log1p(np.exp(-a * b)).mean()),
        ("out = F.poisson_nll_loss(a, b * b)", (np.exp(a) - b * b * a).mean()),
        ("out = F.gaussian_nll_loss(a, b, b * b + 0.5)",
         (0.5 * (np.log(b * b + 0.5) + d * d / (b * b + 0.5))).mean()),
        ("out = F.l1_loss(a, b, size_average=False)", np.abs(d).sum()),
        ("out = F.l1_loss(a, b, reduce=False)", np.abs(d)),
    ]:
        got, _ = run(program, a=a, b=b)
        close(got, want, 1e-11)


def test_kl_div_reductions():
    lp = log_softmax(Z, 1)
    q = np.exp(log_softmax(RNG.standard_normal((4, 5)), 1))
    q[0, 1] = 0.0  # 0 log 0 = 0
    terms = np.where(q > 0, q * np.log(np.where(q > 0, q, 1)), 0) - q * lp
    for reduction, want in [("batchmean", terms.sum() / 4), ("sum", terms.sum()),
                            ("mean", terms.mean()), ("none", terms)]:
        got, grad = run(f"out = F.kl_div(x, q, reduction='{reduction}')", x=lp, q=q)
        close(got, want)
        assert np.isfinite(grad["q"]).all()
    got, _ = run("out = F.kl_div(x, q, reduction='sum', log_target=True)", x=lp, q=np.log(q + 0.1))
    close(got, (np.exp(np.log(q + 0.1)) * (np.log(q + 0.1) - lp)).sum())


def test_similarities_and_distances():
    a, b = Z, RNG.standard_normal((4, 5))
    got, _ = run("out = F.cosine_similarity(a, b)", a=a, b=b)
    close(got, (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))
    got, _ = run("out = F.pairwise_distance(a, b, p=1)", a=a, b=b)
    close(got, np.abs(a - b + 1e-6).sum(1))
    got, grad = run("out = F.normalize(a, dim=0).sum()", a=a)
    n = np.linalg.norm(a, axis=0)
    close(got, (a / n).sum())
    close(grad["a"], 1 / n - a * a.sum(0) / n ** 3)
    # a zero row: the norm is floored at eps for its value, no NaN anywhere
    got, grad = run("out = F.cosine_similarity(a, b)", a=np.zeros((2, 3)), b=np.ones((2, 3)))
    close(got, [0.0, 0.0])
    assert np.isfinite(grad["a"]).all() and np.isfinite(grad["b"]).all()


# -- activations: PyTorch 2.14's values and gradients at the kinks --------------------------------------

@pytest.mark.parametrize("call,x,value,grad", [
    ("F.relu6(x)", [0.0, 6.0, 3.0], [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]),
    ("F.hardtanh(x, -1.0, 2.0)", [-1.0, 2.0, 0.0], [-1.0, 2.0, 0.0], [0.0, 0.0, 1.0]),
    ("F.hardsigmoid(x)", [-3.0, 3.0, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1 / 6]),
    ("F.hardswish(x)", [-3.0, 3.0, 0.0], [0.0, 3.0, 0.0], [0.0, 1.0, 0.5]),
    ("F.elu(x, alpha=2.0)", [0.0, -1.0], [0.0, 2 * np.expm1(-1)], [2.0, 2 * np.exp(-1)]),
    ("F.celu(x, 2.0)", [0.0], [0.0], [1.0]),
    ("F.leaky_relu(x, 0.2)", [0.0, -1.0], [0.0, -0.2], [0.2, 0.2]),
    ("F.softshrink(x)", [-0.5, 0.5, 1.0], [0.0, 0.0, 0.5], [0.0, 0.0, 1.0]),
    ("F.hardshrink(x)", [-0.5, 0.5, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]),
    ("F.threshold(x, 0.5, -2.0)", [0.5, 0.6], [-2.0, 0.6], [0.0, 1.0]),
    ("F.softplus(x, beta=2, threshold=10)", [5.0, 6.0], [np.log1p(np.exp(10.0)) / 2, 6.0],
     [1 / (1 + np.exp(-10.0)), 1.0]),
    ("F.softsign(x)", [0.0, 1.0], [0.0, 0.5], [1.0, 0.25]),
    ("F.gelu(x)", [0.0], [0.0], [0.5]),
    ("F.silu(x)", [0.0], [0.0], [0.5]),
    ("F.mish(x)", [0.0], [0.0], [0.6]),
    ("F.logsigmoid(x)", [-800.0, 800.0], [-800.0, 0.0], [1.0, 0.0]),
    ("F.elu(x)", [800.0, -800.0], [800.0, -1.0], [1.0, 0.0]),
])
def test_activation_kinks(call, x, value, grad):
    got, g = run(f"out = {call}", x=x)
    close(got, value)
    close(g["x"], grad)


def test_gelu_and_friends_by_formula():
    from math import erf
    x = np.linspace(-4, 4, 17)
    phi = np.array([0.5 * (1 + erf(v / np.sqrt(2))) for v in x])
    close(run("out = F.gelu(x)", x=x)[0], x * phi)
    inner = np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)
    close(run("out = F.gelu(x, approximate='tanh')", x=x)[0], 0.5 * x * (1 + np.tanh(inner)))
    s = 1 / (1 + np.exp(-x))
    close(run("out = F.silu(x) + F.swish(x)", x=x)[0], 2 * x * s)
    close(run("out = F.selu(x)", x=x)[0],
          1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)))
    close(run("out = F.glu(x[:16])", x=x)[0], x[:8] * (1 / (1 + np.exp(-x[8:16]))))
    close(run("out = F.softmin(x, 0)", x=x)[0], np.exp(-x) / np.exp(-x).sum())
    close(run("out = F.tanhshrink(x)", x=x)[0], x - np.tanh(x))


# -- refusals: each a clear message, never a traceback ----------------------------------------------------

@pytest.mark.parametrize("program,values,message", [
    ("out = F.cross_entropy(z, t)", {"z": Z, "t": [0.0, 5.0, 1.0, 1.0]}, "target 5 is out of bounds"),
    ("out = F.cross_entropy(z, t)", {"z": Z, "t": [0.0, 1.5, 1.0, 1.0]}, "whole numbers"),
    ("out = F.cross_entropy(z, t)", {"z": Z, "t": [0.0, 1.0]}, "need shape (4,)"),
    ("out = F.cross_entropy(z, t, label_smoothing=1.5)", {"z": Z, "t": T}, "label_smoothing"),
    ("out = F.cross_entropy(z, t, reduction='avg')", {"z": Z, "t": T}, "reduction must be"),
    ("out = F.cross_entropy(z, t, weight=tensor([1., 2]))", {"z": Z, "t": T}, "one number per class"),
    ("out = F.cross_entropy(z, z * 0, ignore_index=1)", {"z": Z}, "ignore_index is not supported"),
    ("out = F.binary_cross_entropy(x, x)", {"x": [0.5, 1.2]}, "between 0 and 1"),
    ("out = F.binary_cross_entropy(x, y)", {"x": [0.5, 0.2], "y": [1.0]}, "must be the input's"),
    ("out = F.relu6(x, inplace=True)", {"x": [1.0]}, "inplace=True is not supported"),
    ("out = F.hardtanh(x, 2.0, 1.0)", {"x": [1.0]}, "must not be less than"),
    ("out = F.glu(x)", {"x": [1.0, 2.0, 3.0]}, "even size"),
    ("out = F.gelu(x, approximate='fast')", {"x": [1.0]}, "approximate must be"),
    ("out = F.elu(x, alpha=x)", {"x": [1.0]}, "alpha must be a number"),
    ("out = torch.quantile(x, 1.5)", {"x": [1.0, 2.0]}, "q must be in [0, 1]"),
    ("out = np.quantile(x, 0.5, method='weibull')", {"x": [1.0, 2.0]}, "interpolation must be one of"),
    ("out = torch.var(x, correction=1, unbiased=True)", {"x": [1.0, 2.0]}, "not both"),
    ("out = np.var(x, ddof=1, correction=1)", {"x": [1.0, 2.0]}, "not both"),
    ("out = x.gelu()", {"x": [1.0]}, "unknown method .gelu()"),
])
def test_refusals(program, values, message):
    with pytest.raises(GradcliError) as info:
        Computation(program, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}).evaluate()
    assert message in info.value.message


def test_command_line_class_target():
    """--at t=2 is a class index; a bad one is exit 2 with the message, never a traceback."""
    got = cli_json("grad", "out = F.cross_entropy(z, t)", "--at", "z=[1.0,2.0,0.5],t=2", "--wrt", "z")
    lp = log_softmax(np.array([1.0, 2.0, 0.5]), 0)
    close(got["outputs"]["out"], -lp[2])
    close(got["grad"]["z"], np.exp(lp) - [0, 0, 1])
    assert got["grad"]["t"] is None
    proc = cli("eval", "out = F.cross_entropy(z, t)", "--at", "z=[1.0,2.0,0.5],t=3")
    assert proc.returncode == 2 and "out of bounds" in proc.stderr and "Traceback" not in proc.stderr


def test_empty_inputs_give_nan_or_a_clear_error():
    """Empty slices: NaN (var, median, mean), -inf (logsumexp), as the libraries give; an
    index of the median along an empty dim does not exist (PyTorch refuses it too)."""
    empty = np.zeros(0)
    with np.errstate(all="ignore"):
        for program in ["out = torch.var(x)", "out = np.std(x)", "out = x.mean()", "out = np.median(x)",
                        "out = torch.median(x)"]:
            got, grad = run(program, x=empty)
            assert np.isnan(got) and grad["x"].shape == (0,), program
        got, _ = run("out = scipy.special.logsumexp(x, b=x)", x=empty)
        assert got == -np.inf
    with pytest.raises(GradcliError, match="has size 0"):
        run("out = torch.median(x, 0).values", x=empty)
