"""Parity for linear algebra, einsum and friends, the newer elementwise math, special functions and
scipy.stats: values against NumPy and SciPy (always), gradients against PyTorch (where installed).

Part 1 (no PyTorch needed): each program's outputs equal NumPy's/SciPy's own function at the same
values, and each convention follows its library (np.dot of stacks, np.linalg.solve's NumPy 2 rule,
np.trace over the first axes, torch.svd's V, scipy's upper Cholesky factor...).

Part 2 (PyTorch): each program against a reference written with torch in float64 -- outputs, a
backward pass with a random gradient, the Jacobian (reverse and forward mode), a JVP and, for a
scalar output, the Hessian. The statistics go against torch.distributions, which differentiates
in every parameter.

Part 3: where a derivative is undefined or has no closed form, an error or a warning, never a
silent NaN; and PyTorch's errors where PyTorch raises.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import cli

from gradcli.api import Computation
from gradcli.core import backend
from gradcli.errors import GradcliError
from gradcli.lang.program import Program

scipy = pytest.importorskip("scipy")
from scipy import linalg as scipy_linalg  # noqa: E402
from scipy import signal, special, stats  # noqa: E402

RTOL, ATOL = 1e-6, 1e-9
_rng = np.random.default_rng(20261129)


def r(*shape, lo=-1.5, hi=1.5):
    return _rng.uniform(lo, hi, size=shape)


def pos(*shape, lo=0.3, hi=2.0):
    return _rng.uniform(lo, hi, size=shape)


x3, y3, z4 = r(3), r(3), r(4)
A33, B33, C23, D34, T234 = r(3, 3), r(3, 3), r(2, 3), r(3, 4), r(2, 3, 4)
P3, Q3 = pos(3), pos(3)
WELL = A33 + 3 * np.eye(3)  # well conditioned
SPD = A33 @ A33.T + np.eye(3)
SYM = A33 + A33.T
STACK = r(2, 3, 3) + 3 * np.eye(3)
PROB = pos(3, lo=0.1, hi=0.9)


def run(program: str, **values) -> dict:
    return Computation(program, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}).evaluate()["outputs"]


def out(program: str, **values) -> np.ndarray:
    return run(program, **values)["out"]


def close(got, want, rtol=1e-10, atol=1e-12):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# -- part 1: values and conventions against NumPy and SciPy -------------------------------------

VALUES = [
    # products
    ("out = np.dot(T, D)", dict(T=T234, D=D34.T), lambda T, D: np.dot(T, D)),
    ("out = np.dot(T, z)", dict(T=T234, z=z4), lambda T, z: np.dot(T, z)),
    ("out = np.dot(A, T)", dict(A=A33, T=T234), lambda A, T: np.dot(A, T)),
    ("out = np.inner(C, A)", dict(C=C23, A=A33), lambda C, A: np.inner(C, A)),
    ("out = np.inner(T, D)", dict(T=T234, D=D34), lambda T, D: np.inner(T, D)),
    ("out = np.vdot(A, B)", dict(A=A33, B=B33), lambda A, B: np.vdot(A, B)),
    ("out = np.tensordot(T, D, axes=([1, 2], [0, 1]))", dict(T=T234, D=D34),
     lambda T, D: np.tensordot(T, D, axes=([1, 2], [0, 1]))),
    ("out = np.tensordot(T, D.T, 1)", dict(T=T234, D=D34), lambda T, D: np.tensordot(T, D.T, 1)),
    ("out = np.einsum('ijk,kl->jil', T, D.T)", dict(T=T234, D=D34), lambda T, D: np.einsum("ijk,kl->jil", T, D.T)),
    ("out = np.einsum('ii->i', A)", dict(A=A33), lambda A: np.einsum("ii->i", A)),
    ("out = np.einsum('ii', A)", dict(A=A33), lambda A: np.einsum("ii", A)),
    ("out = np.einsum('...ij,...jk', T, D)", dict(T=T234, D=D34.T), lambda T, D: np.einsum("...ij,...jk", T, D)),
    ("out = np.einsum('i...,i...->...', T, T)", dict(T=T234), lambda T: np.einsum("i...,i...->...", T, T)),
    ("out = np.einsum('ij,ij,ij->', A, B, A)", dict(A=A33, B=B33), lambda A, B: np.einsum("ij,ij,ij->", A, B, A)),
    ("out = np.einsum('bij,bjk->bik', S, S)", dict(S=STACK), lambda S: np.einsum("bij,bjk->bik", S, S)),
    ("out = np.einsum('ba,ac', C, D)", dict(C=C23, D=D34), lambda C, D: np.einsum("ba,ac", C, D)),
    ("out = np.kron(C, A)", dict(C=C23, A=A33), lambda C, A: np.kron(C, A)),
    ("out = np.kron(x, C)", dict(x=x3, C=C23), lambda x, C: np.kron(x, C)),
    ("out = np.cross(x, y)", dict(x=x3, y=y3), lambda x, y: np.cross(x, y)),
    ("out = np.cross(A, x)", dict(A=A33, x=x3), lambda A, x: np.cross(A, x)),
    ("out = np.cross(A, B, axis=0)", dict(A=A33, B=B33), lambda A, B: np.cross(A, B, axis=0)),
    ("out = np.outer(x, z)", dict(x=x3, z=z4), lambda x, z: np.outer(x, z)),
    ("out = np.linalg.multi_dot([C, A, D])", dict(C=C23, A=A33, D=D34), lambda C, A, D: np.linalg.multi_dot([C, A, D])),
    ("out = np.trace(T)", dict(T=T234), lambda T: np.trace(T)),
    ("out = np.trace(T, 1, axis1=1, axis2=2)", dict(T=T234), lambda T: np.trace(T, 1, axis1=1, axis2=2)),
    ("out = np.trace(A, -1)", dict(A=A33), lambda A: np.trace(A, -1)),
    ("out = np.linalg.trace(T)", dict(T=T234), lambda T: np.linalg.trace(T)),
    ("out = trace(A, offset=2)", dict(A=A33), lambda A: np.trace(A, 2)),
    ("out = np.convolve(x, z)", dict(x=x3, z=z4), lambda x, z: np.convolve(x, z)),
    ("out = np.convolve(x, z, 'same')", dict(x=x3, z=z4), lambda x, z: np.convolve(x, z, "same")),
    ("out = np.convolve(z, x, 'valid')", dict(x=x3, z=z4), lambda x, z: np.convolve(z, x, "valid")),
    ("out = scipy.signal.convolve(D, C)", dict(D=D34, C=C23), lambda D, C: signal.convolve(D, C)),
    ("out = scipy.signal.convolve(C, D, 'same')", dict(D=D34, C=C23), lambda D, C: signal.convolve(C, D, "same")),
    ("out = scipy.signal.convolve(D, C, mode='valid')", dict(D=D34, C=C23), lambda D, C: signal.convolve(D, C, "valid")),
    # inverses, determinants, solves
    ("out = np.linalg.inv(S)", dict(S=STACK), lambda S: np.linalg.inv(S)),
    ("out = scipy.linalg.inv(W)", dict(W=WELL), lambda W: scipy_linalg.inv(W)),
    ("out = np.linalg.det(S)", dict(S=STACK), lambda S: np.linalg.det(S)),
    ("s, out = np.linalg.slogdet(S)", dict(S=STACK), lambda S: np.linalg.slogdet(S)[1]),
    ("out = np.linalg.slogdet(A)[0]", dict(A=A33), lambda A: np.linalg.slogdet(A)[0]),
    ("out = np.linalg.solve(W, x)", dict(W=WELL, x=x3), lambda W, x: np.linalg.solve(W, x)),
    ("out = np.linalg.solve(S, D)", dict(S=STACK, D=D34), lambda S, D: np.linalg.solve(S, D)),
    ("out = np.linalg.solve(S, V[..., None])[..., 0]", dict(S=STACK, V=C23),
     lambda S, V: np.linalg.solve(S, V[..., None])[..., 0]),
    ("out = scipy.linalg.solve(W, D)", dict(W=WELL, D=D34), lambda W, D: scipy_linalg.solve(W, D)),
    ("out = scipy.linalg.solve_triangular(W, D, trans=1, lower=True)", dict(W=WELL, D=D34),
     lambda W, D: scipy_linalg.solve_triangular(W, D, trans=1, lower=True)),
    ("c, low = scipy.linalg.cho_factor(P); out = scipy.linalg.cho_solve((c, low), x)", dict(P=SPD, x=x3),
     lambda P, x: scipy_linalg.cho_solve(scipy_linalg.cho_factor(P), x)),
    ("out = np.linalg.pinv(C)", dict(C=C23), lambda C: np.linalg.pinv(C)),
    ("out = np.linalg.pinv(D.T)", dict(D=D34), lambda D: np.linalg.pinv(D.T)),
    ("out = np.linalg.matrix_power(W, -3)", dict(W=WELL), lambda W: np.linalg.matrix_power(W, -3)),
    ("out = np.linalg.matrix_power(A, 0)", dict(A=A33), lambda A: np.linalg.matrix_power(A, 0)),
    ("out = np.linalg.matrix_rank(outer(x, y) + outer(y, x))", dict(x=x3, y=y3),
     lambda x, y: float(np.linalg.matrix_rank(np.outer(x, y) + np.outer(y, x)))),
    ("out = np.linalg.cond(A)", dict(A=A33), lambda A: np.linalg.cond(A)),
    ("out = np.linalg.cond(A, 1)", dict(A=A33), lambda A: np.linalg.cond(A, 1)),
    # decompositions
    ("out = np.linalg.cholesky(P)", dict(P=SPD), lambda P: np.linalg.cholesky(P)),
    ("out = scipy.linalg.cholesky(P)", dict(P=SPD), lambda P: scipy_linalg.cholesky(P)),
    ("out = scipy.linalg.cholesky(P, lower=True)", dict(P=SPD), lambda P: scipy_linalg.cholesky(P, lower=True)),
    ("out = np.linalg.eigh(A)[0]", dict(A=A33), lambda A: np.linalg.eigh(A)[0]),  # reads the lower triangle
    ("out = np.linalg.eigh(A, UPLO='U')[1]", dict(A=A33), lambda A: np.linalg.eigh(A, UPLO="U")[1]),
    ("out = np.linalg.eigvalsh(S)", dict(S=STACK), lambda S: np.linalg.eigvalsh(S)),
    ("out = scipy.linalg.eigh(P)[1]", dict(P=SPD), lambda P: scipy_linalg.eigh(P)[1]),
    ("out = np.linalg.eig(W @ W.T)[0]", dict(W=WELL), lambda W: np.linalg.eig(W @ W.T)[0]),
    ("out = np.linalg.svd(C)[0]", dict(C=C23), lambda C: np.linalg.svd(C)[0]),
    ("out = np.linalg.svd(C)[2]", dict(C=C23), lambda C: np.linalg.svd(C)[2]),
    ("out = np.linalg.svd(D, full_matrices=False)[2]", dict(D=D34),
     lambda D: np.linalg.svd(D, full_matrices=False)[2]),
    ("out = np.linalg.svd(S, compute_uv=False)", dict(S=STACK), lambda S: np.linalg.svd(S, compute_uv=False)),
    ("out = svd(D.T)[2]", dict(D=D34), lambda D: np.linalg.svd(D.T, full_matrices=False)[2].T),  # torch.svd: V
    ("out = np.linalg.qr(D.T)[0]", dict(D=D34), lambda D: np.linalg.qr(D.T)[0]),
    ("out = np.linalg.qr(D.T, mode='complete')[0]", dict(D=D34), lambda D: np.linalg.qr(D.T, mode="complete")[0]),
    ("out = np.linalg.qr(C, mode='r')", dict(C=C23), lambda C: np.linalg.qr(C, mode="r")),
    ("out = scipy.linalg.qr(D.T)[1]", dict(D=D34), lambda D: scipy_linalg.qr(D.T)[1]),
    ("out = np.linalg.norm(A, 'nuc') + np.linalg.norm(A, 2) * np.linalg.norm(B, -2)", dict(A=A33, B=B33),
     lambda A, B: np.linalg.norm(A, "nuc") + np.linalg.norm(A, 2) * np.linalg.norm(B, -2)),
    ("out = np.linalg.norm(T, 2, axis=(0, 2))", dict(T=T234), lambda T: np.linalg.norm(T, 2, axis=(0, 2))),
    ("out = np.linalg.norm(T, 'nuc', axis=(2, 1), keepdims=True)", dict(T=T234),
     lambda T: np.linalg.norm(T, "nuc", axis=(2, 1), keepdims=True)),
    # elementwise math
    ("out = np.arcsinh(x) + np.arccosh(p + 1) + np.arctanh(x / 2)", dict(x=x3, p=P3),
     lambda x, p: np.arcsinh(x) + np.arccosh(p + 1) + np.arctanh(x / 2)),
    ("out = np.exp2(x) + np.cbrt(x) + np.sinc(x) + np.fabs(x)", dict(x=x3),
     lambda x: np.exp2(x) + np.cbrt(x) + np.sinc(x) + np.fabs(x)),
    ("out = np.sinc(x * 0)", dict(x=x3), lambda x: np.sinc(x * 0)),
    ("out = np.deg2rad(x) + np.rad2deg(y) + np.radians(x) + np.degrees(y)", dict(x=x3, y=y3),
     lambda x, y: np.deg2rad(x) + np.rad2deg(y) + np.radians(x) + np.degrees(y)),
    ("out = np.hypot(A, x) + np.logaddexp(A, y) + np.logaddexp2(A, x)", dict(A=A33, x=x3, y=y3),
     lambda A, x, y: np.hypot(A, x) + np.logaddexp(A, y) + np.logaddexp2(A, x)),
    ("out = special.xlogy(x, p) + special.xlog1py(y, p) + special.xlogy(x * 0, p * 0)", dict(x=x3, y=y3, p=P3),
     lambda x, y, p: special.xlogy(x, p) + special.xlog1py(y, p) + special.xlogy(0 * x, 0 * p)),
    ("out = special.expit(x) + special.logit(q) + special.log_expit(y)", dict(x=x3, y=y3, q=PROB),
     lambda x, y, q: special.expit(x) + special.logit(q) + special.log_expit(y)),
    # special functions
    ("out = scipy.special.softmax(A) + special.log_softmax(A, axis=0)", dict(A=A33),
     lambda A: special.softmax(A) + special.log_softmax(A, axis=0)),
    ("out = special.gammaln(x * 3) + special.gamma(x * 3)", dict(x=x3),
     lambda x: special.gammaln(x * 3) + special.gamma(x * 3)),
    ("out = special.digamma(x * 3) + special.psi(p) + special.polygamma(3, p)", dict(x=x3, p=P3),
     lambda x, p: special.digamma(x * 3) + special.psi(p) + special.polygamma(3, p)),
    ("out = special.multigammaln(p + 2, 4)", dict(p=P3), lambda p: special.multigammaln(p + 2, 4)),
    ("out = special.erfc(x) + special.erfcx(x) + special.erfinv(x / 2)", dict(x=x3),
     lambda x: special.erfc(x) + special.erfcx(x) + special.erfinv(x / 2)),
    ("out = special.ndtr(x) + special.log_ndtr(x * 20) + special.ndtri(q)", dict(x=x3, q=PROB),
     lambda x, q: special.ndtr(x) + special.log_ndtr(x * 20) + special.ndtri(q)),
    ("out = special.i0(x) + special.i0e(x) + special.i1(x) + special.i1e(x)", dict(x=x3 * 5),
     lambda x: special.i0(x) + special.i0e(x) + special.i1(x) + special.i1e(x)),
    ("out = special.betaln(p, q) + special.beta(p, q)", dict(p=P3, q=Q3),
     lambda p, q: special.betaln(p, q) + special.beta(p, q)),
    ("out = special.gammainc(p, q) + special.gammaincc(q, p) + special.betainc(p, q, r)",
     dict(p=P3, q=Q3, r=PROB), lambda p, q, r: special.gammainc(p, q) + special.gammaincc(q, p)
     + special.betainc(p, q, r)),
    ("out = special.stdtr(p * 3, x)", dict(p=P3, x=x3), lambda p, x: special.stdtr(p * 3, x)),
    # statistics
    ("out = stats.norm.logpdf(x, y, p) + stats.norm.pdf(x, loc=y) + stats.norm.cdf(x, y, p)",
     dict(x=x3, y=y3, p=P3), lambda x, y, p: stats.norm.logpdf(x, y, p) + stats.norm.pdf(x, loc=y)
     + stats.norm.cdf(x, y, p)),
    ("out = stats.norm.logcdf(x * 30) + stats.norm.sf(x, scale=p) + stats.norm.logsf(x * 30) + stats.norm.ppf(q)",
     dict(x=x3, p=P3, q=PROB), lambda x, p, q: stats.norm.logcdf(x * 30) + stats.norm.sf(x, scale=p)
     + stats.norm.logsf(x * 30) + stats.norm.ppf(q)),
    ("out = stats.t.logpdf(x, p, y, q) + stats.t.pdf(x, df=p) + stats.t.cdf(x, p, scale=q)",
     dict(x=x3, y=y3, p=P3, q=Q3), lambda x, y, p, q: stats.t.logpdf(x, p, y, q) + stats.t.pdf(x, df=p)
     + stats.t.cdf(x, p, scale=q)),
    ("out = stats.gamma.logpdf(x, p, loc=-1, scale=q)", dict(x=x3, p=P3, q=Q3),
     lambda x, p, q: stats.gamma.logpdf(x, p, loc=-1, scale=q)),
    ("out = stats.gamma.pdf(x, p) + stats.gamma.cdf(x, p, scale=q)", dict(x=x3, p=P3, q=Q3),
     lambda x, p, q: stats.gamma.pdf(x, p) + stats.gamma.cdf(x, p, scale=q)),
    ("out = stats.beta.logpdf(x, p, q, loc=-1.5, scale=3)", dict(x=x3, p=P3, q=Q3),
     lambda x, p, q: stats.beta.logpdf(x, p, q, loc=-1.5, scale=3)),
    ("out = stats.beta.pdf(r, p, q) + stats.beta.cdf(x, p, q)", dict(x=x3, r=PROB, p=P3, q=Q3),
     lambda x, r, p, q: stats.beta.pdf(r, p, q) + stats.beta.cdf(x, p, q)),
    ("out = stats.poisson.logpmf(k, p) + stats.poisson.pmf(k, q, loc=1) + stats.poisson.cdf(k + 0.5, p)",
     dict(k=np.array([0.0, 3.0, 2.5]), p=P3, q=Q3), lambda k, p, q: stats.poisson.logpmf(k, p)
     + stats.poisson.pmf(k, q, loc=1) + stats.poisson.cdf(k + 0.5, p)),
    ("out = stats.dirichlet.logpdf(r, p) + stats.dirichlet.pdf(r[:2], p)", dict(r=PROB / PROB.sum(), p=P3),
     lambda r, p: stats.dirichlet.logpdf(r, p) + stats.dirichlet.pdf(r[:2], p)),
    ("out = stats.dirichlet.logpdf(softmax(C, 0), p[:2])", dict(C=C23, p=P3),
     lambda C, p: stats.dirichlet.logpdf(np.exp(C) / np.exp(C).sum(0), p[:2])),
    ("out = stats.multivariate_normal.logpdf(D.T, x, P)", dict(D=D34, x=x3, P=SPD),
     lambda D, x, P: stats.multivariate_normal.logpdf(D.T, x, P)),
    ("out = stats.multivariate_normal.pdf(x, y, p)", dict(x=x3, y=y3, p=P3),
     lambda x, y, p: stats.multivariate_normal.pdf(x, y, p)),
    ("out = stats.multivariate_normal.logpdf(x)", dict(x=x3), lambda x: stats.multivariate_normal.logpdf(x)),
]


@pytest.mark.parametrize("program, values, reference", VALUES, ids=[v[0][:70] for v in VALUES])
def test_values_follow_numpy_and_scipy(program, values, reference):
    with np.errstate(all="ignore"):
        want = reference(**values)
    close(out(program, **values), want)


def test_jax_spellings_are_scipy_and_numpy():
    assert out("out = jax.scipy.special.gammaln(p)", p=P3) == pytest.approx(special.gammaln(P3))
    close(out("out = jax.scipy.stats.norm.logpdf(x, 0.5, 2.)", x=x3), stats.norm.logpdf(x3, 0.5, 2.0))
    close(out("out = jnp.linalg.det(A) + jax.numpy.linalg.slogdet(A)[1]", A=A33),
          np.linalg.det(A33) + np.linalg.slogdet(A33)[1])
    close(out("out = jnp.dot(T, D)", T=T234, D=D34.T), np.dot(T234, D34.T))


def test_np_solve_refuses_a_stack_of_vectors_with_the_numpy2_hint():
    with pytest.raises(GradcliError, match="stack of matrices in NumPy 2") as err:
        out("out = np.linalg.solve(S, V)", S=STACK, V=C23)
    assert err.value.kind == "shape" and "b[..., None]" in err.value.hint
    # torch.linalg.solve takes the same batch of vectors as it is
    close(out("out = torch.linalg.solve(S, V)", S=STACK, V=C23),
          np.linalg.solve(STACK, C23[..., None])[..., 0])


def test_torch_dot_is_1d_only_and_np_dot_is_numpys():
    with pytest.raises(GradcliError, match="1D tensors expected, but got 2D and 2D"):
        out("out = torch.dot(A, B)", A=A33, B=B33)
    close(out("out = np.dot(A, B)", A=A33, B=B33), A33 @ B33)
    with pytest.raises(GradcliError, match="1D tensors expected"):
        out("out = torch.vdot(A, B)", A=A33, B=B33)
    with pytest.raises(GradcliError, match="not aligned"):
        out("out = np.dot(T, A)", T=T234, A=A33)


def test_torch_trace_wants_a_matrix_and_np_trace_takes_stacks():
    with pytest.raises(GradcliError, match="expected a matrix"):
        out("out = torch.trace(T)", T=T234)
    close(out("out = np.trace(T)", T=T234), np.trace(T234))


def test_legacy_svd_returns_v_and_linalg_svd_returns_vh():
    u, s, vh = np.linalg.svd(C23, full_matrices=False)
    v_legacy = run("U, S, V = torch.svd(C)", C=C23)["V"]
    vh_linalg = run("U, S, Vh = torch.linalg.svd(C, full_matrices=False)", C=C23)["Vh"]
    close(v_legacy, vh.T)
    close(vh_linalg, vh)
    assert run("U, S, Vh = torch.linalg.svd(C)", C=C23)["Vh"].shape == (3, 3)  # full by default


def test_cholesky_triangles_by_library():
    low = np.linalg.cholesky(SPD)
    close(out("out = torch.linalg.cholesky(P)", P=SPD), low)
    close(out("out = torch.cholesky(P, upper=True)", P=SPD), low.T)
    close(out("out = scipy.linalg.cholesky(P)", P=SPD), low.T)


def test_norm_defaults_by_library():
    # torch.norm(A) and np.linalg.norm(A) are Frobenius; ord=2 of a matrix is spectral in NumPy and
    # torch.linalg, but torch.norm(A, p=2) is the vector 2-norm of all entries.
    fro, spectral = np.linalg.norm(A33), np.linalg.norm(A33, 2)
    assert out("out = torch.norm(A)", A=A33) == pytest.approx(fro)
    assert out("out = np.linalg.norm(A)", A=A33) == pytest.approx(fro)
    assert out("out = np.linalg.norm(A, 2)", A=A33) == pytest.approx(spectral)
    assert out("out = torch.linalg.norm(A, 2)", A=A33) == pytest.approx(spectral)
    assert out("out = torch.norm(A, p=2)", A=A33) == pytest.approx(fro)
    assert out("out = torch.norm(A, p='nuc')", A=A33) == pytest.approx(np.linalg.norm(A33, "nuc"))


# -- part 3: undefined derivatives, no closed form, PyTorch's errors -------------------------------

def _warnings_of(program, values, what="backward"):
    with backend.watch:
        c = Computation(program, values, outputs=["out"])
        result = c.backward() if what == "backward" else c.jacobian()
        messages = backend.watch.messages()
    return result, messages


def test_repeated_eigenvalues_warn_when_the_vectors_gradient_is_undefined():
    a = np.diag([2.0, 2.0, 5.0])
    result, messages = _warnings_of("L, V = linalg.eigh(A); out = (V[:, 0] * V[:, 1]).sum() + V[0, 0]", {"A": a})
    assert any("eigenvalues repeat" in m for m in messages), messages
    assert not np.isfinite(result["grad"]["A"]).all()  # as PyTorch: inf/NaN, said on stderr
    # the eigenvalues alone are differentiable there: no warning, a finite gradient
    result, messages = _warnings_of("L, V = linalg.eigh(A); out = (L * L).sum()", {"A": a})
    assert not any("repeat" in m for m in messages), messages
    close(result["grad"]["A"], 2 * a)


def test_singular_matrix_log_det_warns_and_det_uses_the_cofactor():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    result, messages = _warnings_of("out = linalg.slogdet(A)[1]", {"A": singular})
    assert any("singular" in m for m in messages), messages
    result, messages = _warnings_of("out = linalg.det(A)", {"A": singular})
    close(result["grad"]["A"], [[4.0, -2.0], [-2.0, 1.0]])  # the cofactor matrix, as PyTorch
    assert not messages


def test_full_svd_extra_columns_warn():
    result, messages = _warnings_of("U, S, Vh = linalg.svd(C); out = Vh[2].sum()", {"C": C23})
    assert any("full_matrices" in m for m in messages), messages


def test_no_closed_form_is_an_error_naming_the_argument():
    c = Computation("out = stats.gamma.cdf(x, a).sum()", {"x": P3, "a": Q3})
    with pytest.raises(GradcliError, match=r"derivative in a has no closed form") as err:
        c.backward()
    assert "--wrt" in err.value.hint
    grad = Computation("out = stats.gamma.cdf(x, a).sum()", {"x": P3, "a": Q3}, wrt=["x"]).backward()["grad"]
    close(grad["x"], stats.gamma.pdf(P3, Q3), rtol=1e-9)
    with pytest.raises(GradcliError, match=r"in df"):
        Computation("out = stats.t.cdf(x, df)", {"x": x3, "df": P3}).jacobian()
    with pytest.raises(GradcliError, match=r"betainc\(a, b, x\): the derivative in b"):
        Computation("out = special.betainc(2., b, x)", {"b": P3, "x": PROB}).jvp({"b": P3, "x": PROB})


@pytest.mark.parametrize("program, values, message", [
    ("out = linalg.inv(A)", {"A": [[1.0, 2.0], [2.0, 4.0]]}, "singular"),
    ("out = linalg.solve(A, x)", {"A": [[1.0, 2.0], [2.0, 4.0]], "x": [1.0, 1.0]}, "singular"),
    ("out = linalg.cholesky(A)", {"A": [[1.0, 2.0], [2.0, 1.0]]}, "not positive-definite"),
    ("out = linalg.eig(A)[0]", {"A": [[0.0, -1.0], [1.0, 0.0]]}, "complex eigenvalues"),
    ("out = linalg.det(A)", {"A": C23}, "square"),
    ("out = einsum('ij,jk->ik', A, A)", {"A": C23}, "sizes 3 and 2"),
    ("out = stats.dirichlet.logpdf(x, p)", {"x": [0.2, 0.3, 0.1], "p": [1.0, 2.0, 3.0]}, "simplex"),
    ("Q, R = linalg.qr(D, mode='complete'); out = Q.sum() + R.sum()", {"D": D34.T}, None),
])
def test_errors_are_clear(program, values, message):
    values = {k: np.asarray(v) for k, v in values.items()}
    if message is None:  # complete QR of a tall matrix: evaluates, but is not differentiable
        with pytest.raises(GradcliError, match="not differentiable"):
            Computation(program, values).backward()
        return
    with pytest.raises(GradcliError, match=message):
        Computation(program, values).evaluate()


def test_cli_exit_codes_and_warnings():
    proc = cli("backward", "L, V = linalg.eigh(A); out = V[0, 0] * V[1, 1]", "--at", "A=[[1,0],[0,1]]",
               "--output", "out", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "eigenvalues repeat" in proc.stderr
    proc = cli("eval", "out = torch.dot(A, A)", "--at", "A=[[1,2],[3,4]]", "--json")
    assert proc.returncode == 2 and "1D tensors expected" in proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1])["error"]["kind"] == "shape"
    proc = cli("grad", "out = stats.gamma.cdf(x, a)", "--at", "x=1.5,a=2", "--wrt", "x", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["grad"]["x"] == pytest.approx(stats.gamma.pdf(1.5, 2.0))


def test_small_programs_do_not_import_scipy():
    """Linear algebra runs on NumPy alone: SciPy is imported only when a special function runs."""
    import subprocess
    import sys
    code = ("import sys; from gradcli.cli import main; "
            "main(['eval', 'out = linalg.det(A) + einsum(\\'ii\\', A) + np.dot(A, A).sum()', "
            "'--at', 'A=[[1,2],[3,4]]', '--json']); "
            "sys.stderr.write(str('scipy' in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stderr.strip().endswith("False"), done.stderr


# -- part 2: gradients against PyTorch ------------------------------------------------------------

@dataclass
class Case:
    program: str
    ref: object  # ref(**torch inputs) -> {output name: tensor}
    values: dict
    skip: tuple = ()
    id: str = ""


CASES: list[Case] = []


def case(program, ref, skip=(), **values):
    CASES.append(Case(program, ref, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()},
                      tuple(skip)))


def o(fn):
    return lambda **t: {"out": fn(**t)}


def _torch():
    return pytest.importorskip("torch")


def _cases():
    """Built lazily: the references need torch, which may be missing (part 1 still runs)."""
    if CASES:
        return CASES
    try:
        import torch
    except ImportError:
        return []
    F = torch.nn.functional
    la = torch.linalg
    sp_ = torch.special
    eye = lambda n: torch.eye(n, dtype=torch.float64)  # noqa: E731

    # linear algebra
    case("out = torch.linalg.inv(W)", o(lambda W: la.inv(W)), W=WELL)
    case("out = torch.inverse(S) @ x", o(lambda S, x: torch.inverse(S) @ x), S=STACK, x=x3)
    case("out = torch.linalg.det(A)", o(lambda A: la.det(A)), A=A33)
    case("out = torch.det(S)", o(lambda S: torch.det(S)), S=STACK)
    case("out = linalg.det(stack([x, y, x - 2 * y]))", o(lambda x, y: la.det(torch.stack([x, y, x - 2 * y]))),
         skip=("hessian",), x=x3, y=y3)  # PyTorch's SVD formula; its double backward differs in rounding
    case("out = torch.linalg.slogdet(A)[1] * torch.linalg.slogdet(A)[0]",
         o(lambda A: la.slogdet(A)[1] * la.slogdet(A)[0]), A=A33)
    case("out = torch.logdet(A @ A.T + eye(3))", o(lambda A: torch.logdet(A @ A.T + eye(3))), A=A33)
    case("out = torch.linalg.solve(S, V)", o(lambda S, V: la.solve(S, V)), S=STACK, V=C23)
    case("out = torch.linalg.solve(W, D)", o(lambda W, D: la.solve(W, D)), W=WELL, D=D34)
    case("out = torch.linalg.solve(W, D.T, left=False)", o(lambda W, D: la.solve(W, D.T, left=False)),
         W=WELL, D=D34)
    case("out = np.linalg.solve(S, V.unsqueeze(-1))[..., 0]",
         o(lambda S, V: la.solve(S, V.unsqueeze(-1))[..., 0]), S=STACK, V=C23)
    case("out = torch.linalg.solve_triangular(W, D, upper=True)",
         o(lambda W, D: la.solve_triangular(W, D, upper=True)), W=WELL, D=D34)
    case("out = torch.linalg.solve_triangular(S, C.T, upper=False, unitriangular=True)",
         o(lambda S, C: la.solve_triangular(S, C.T, upper=False, unitriangular=True)), S=STACK, C=C23)
    case("out = torch.cholesky_solve(D, torch.linalg.cholesky(A @ A.T + eye(3)))",
         o(lambda D, A: torch.cholesky_solve(D, la.cholesky(A @ A.T + eye(3)))), D=D34, A=A33)
    case("out = torch.linalg.pinv(C)", o(lambda C: la.pinv(C)), C=C23)
    case("out = torch.linalg.pinv(D.T) @ x", o(lambda D, x: la.pinv(D.T) @ x), D=D34, x=z4)
    case("out = torch.linalg.matrix_power(A, 3) + torch.matrix_power(W, -2)",
         o(lambda A, W: la.matrix_power(A, 3) + torch.matrix_power(W, -2)), A=A33, W=WELL)
    case("out = torch.linalg.cholesky(A @ A.T + eye(3))", o(lambda A: la.cholesky(A @ A.T + eye(3))), A=A33)
    case("out = torch.linalg.cholesky(S @ S.mT, upper=True)", o(lambda S: la.cholesky(S @ S.mT, upper=True)),
         S=STACK)
    case("out = torch.cholesky(A @ A.T + eye(3)) @ x", o(lambda A, x: la.cholesky(A @ A.T + eye(3)) @ x),
         A=A33, x=x3)
    case("L, V = torch.linalg.eigh(A + A.T); out = L", o(lambda A: la.eigh(A + A.T)[0]), A=A33)
    case("L, V = torch.linalg.eigh(A + A.T); out = V * V", o(lambda A: la.eigh(A + A.T)[1] ** 2), A=A33)
    case("L, V = torch.linalg.eigh(S @ S.mT); out = V[..., :1] @ V[..., :1].mT * L[..., :1, None]",
         o(lambda S: (lambda L, V: V[..., :1] @ V[..., :1].mT * L[..., :1, None])(*la.eigh(S @ S.mT))), S=STACK)
    case("out = torch.linalg.eigvalsh(A + A.T, UPLO='U')", o(lambda A: la.eigvalsh(A + A.T, UPLO="U")), A=A33)
    case("L, V = torch.linalg.eig(W @ W.T + A); out = (V * V) @ L",
         o(lambda W, A: (lambda L, V: (V.abs() ** 2) @ L.real)(*la.eig(W @ W.T + A))), W=WELL, A=A33 * 0.1)
    case("out = torch.linalg.eigvals(W @ W.T + A).sum()",
         o(lambda W, A: la.eigvals(W @ W.T + A).real.sum()), W=WELL, A=A33 * 0.1)
    case("U, S, Vh = torch.linalg.svd(A, full_matrices=False); out = S",
         o(lambda A: la.svd(A, full_matrices=False)[1]), A=A33)
    case("U, S, Vh = torch.linalg.svd(C, full_matrices=False); out = U[:, :1] @ Vh[:1] * S[0]",
         o(lambda C: (lambda U, S, Vh: U[:, :1] @ Vh[:1] * S[0])(*la.svd(C, full_matrices=False))), C=C23)
    case("U, S, Vh = torch.linalg.svd(D.T, full_matrices=False); out = U * U",
         o(lambda D: la.svd(D.T, full_matrices=False)[0] ** 2), D=D34)
    case("U, S, V = torch.svd(D); out = (V * V) @ S",
         o(lambda D: (lambda U, S, V: (V ** 2) @ S)(*torch.svd(D))), D=D34)
    case("U, S, Vh = torch.linalg.svd(C); out = (U * U).sum(0) * S",
         o(lambda C: (lambda U, S, Vh: (U ** 2).sum(0) * S)(*la.svd(C))), C=C23)
    case("out = torch.linalg.svdvals(S)", o(lambda S: la.svdvals(S)), S=STACK)
    case("out = torch.linalg.matrix_norm(A, 'nuc') + torch.linalg.matrix_norm(B, 2)",
         o(lambda A, B: la.matrix_norm(A, "nuc") + la.matrix_norm(B, 2)), A=A33, B=B33)
    case("out = torch.linalg.norm(T, -2, dim=(0, 2))", o(lambda T: la.norm(T, -2, dim=(0, 2))), T=T234)
    case("out = torch.norm(A, p='nuc')", o(lambda A: torch.norm(A, p="nuc")), A=A33)
    case("out = torch.linalg.cond(A)", o(lambda A: la.cond(A)), A=A33)
    case("Q, R = torch.linalg.qr(A); out = Q * R", o(lambda A: (lambda Q, R: Q * R)(*la.qr(A))), A=A33)
    case("Q, R = torch.linalg.qr(D.T); out = Q @ R[:, :2]", o(lambda D: (lambda Q, R: Q @ R[:, :2])(*la.qr(D.T))),
         D=D34)
    case("Q, R = torch.linalg.qr(D); out = R * Q.sum()", o(lambda D: (lambda Q, R: R * Q.sum())(*la.qr(D))), D=D34)
    case("Q, R = torch.linalg.qr(C, mode='complete'); out = Q @ R",
         o(lambda C: (lambda Q, R: Q @ R)(*la.qr(C, mode="complete"))), C=C23)
    case("Q, R = torch.qr(S); out = Q.sum(-1) + R.sum(-2)",
         o(lambda S: (lambda Q, R: Q.sum(-1) + R.sum(-2))(*la.qr(S))), S=STACK)
    # products
    case("out = torch.einsum('ij,jk->ik', C, D)", o(lambda C, D: torch.einsum("ij,jk->ik", C, D)), C=C23, D=D34)
    case("out = torch.einsum('bij,bjk', [S, S])", o(lambda S: torch.einsum("bij,bjk", [S, S])), S=STACK)
    case("out = torch.einsum('ii->i', A) + torch.einsum('ii', B)",
         o(lambda A, B: torch.einsum("ii->i", A) + torch.einsum("ii", B)), A=A33, B=B33)
    case("out = torch.einsum('...jk,k->...j', T, z)", o(lambda T, z: torch.einsum("...jk,k->...j", T, z)), T=T234, z=z4)
    case("out = torch.einsum('i,j,ij', x, y, A)", o(lambda x, y, A: torch.einsum("i,j,ij", x, y, A)), x=x3, y=y3, A=A33)
    case("out = np.einsum('ijk,jk->i', T, D)", o(lambda T, D: torch.einsum("ijk,jk->i", T, D)), T=T234, D=D34)
    case("out = torch.tensordot(T, D, dims=([1, 2], [0, 1]))",
         o(lambda T, D: torch.tensordot(T, D, dims=([1, 2], [0, 1]))), T=T234, D=D34)
    case("out = torch.tensordot(C, T, 1)", o(lambda C, T: torch.tensordot(C, T, 1)), C=r(3, 2), T=T234)
    case("out = torch.kron(C, A)", o(lambda C, A: torch.kron(C, A)), C=C23, A=A33)
    case("out = torch.linalg.cross(A, B) + torch.cross(A, B, dim=0)",
         o(lambda A, B: la.cross(A, B) + torch.cross(A, B, dim=0)), A=A33, B=B33)
    case("out = torch.inner(T, D)", o(lambda T, D: torch.inner(T, D)), T=T234, D=D34)
    case("out = np.dot(T, D)", o(lambda T, D: torch.tensordot(T, D, dims=([2], [0]))), T=T234, D=D34.T)
    case("out = np.dot(A, T)", o(lambda A, T: torch.tensordot(A, T, dims=([1], [1]))), A=A33, T=T234)
    case("out = np.vdot(A, B) * x", o(lambda A, B, x: torch.vdot(A.reshape(-1), B.reshape(-1)) * x),
         A=A33, B=B33, x=x3)
    case("out = np.trace(T, 1)", o(lambda T: torch.diagonal(T, 1, 0, 1).sum(-1)), T=T234)
    case("out = torch.trace(A) * torch.linalg.vecdot(A, B)", o(lambda A, B: torch.trace(A) * la.vecdot(A, B)),
         A=A33, B=B33)
    case("out = torch.linalg.multi_dot([C, A, D])", o(lambda C, A, D: la.multi_dot([C, A, D])), C=C23, A=A33, D=D34)
    case("out = np.convolve(z, x)", o(lambda z, x: F.conv1d(z[None, None], x.flip(0)[None, None], padding=2)[0, 0]),
         z=z4, x=x3)
    case("out = np.convolve(z, x, 'valid')", o(lambda z, x: F.conv1d(z[None, None], x.flip(0)[None, None])[0, 0]),
         z=z4, x=x3)
    case("out = scipy.signal.convolve(D, C)",
         o(lambda D, C: F.conv2d(D[None, None], C.flip(0, 1)[None, None], padding=(1, 2))[0, 0]), D=D34, C=C23)
    # elementwise math
    case("out = torch.asinh(x) + torch.acosh(p + 1) + torch.atanh(x / 2)",
         o(lambda x, p: torch.asinh(x) + torch.acosh(p + 1) + torch.atanh(x / 2)), x=x3, p=P3)
    case("out = torch.exp2(x) + torch.special.exp2(y) * np.cbrt(p)",
         o(lambda x, y, p: torch.exp2(x) + torch.special.exp2(y) * p ** (1 / 3)), x=x3, y=y3, p=P3)
    case("out = torch.sinc(x) + torch.special.sinc(A)", o(lambda x, A: torch.sinc(x) + torch.special.sinc(A)),
         x=x3, A=A33)
    case("out = torch.hypot(A, x) + torch.logaddexp(A, y) + torch.logaddexp2(A, x)",
         o(lambda A, x, y: torch.hypot(A, x) + torch.logaddexp(A, y) + torch.logaddexp2(A, x)),
         A=A33, x=x3, y=y3)
    case("out = torch.xlogy(x, p) + torch.special.xlog1py(y, p)",
         o(lambda x, y, p: torch.xlogy(x, p) + sp_.xlog1py(y, p)), x=x3, y=y3, p=P3)
    case("out = torch.xlogy(x * 0, p)", o(lambda x, p: torch.xlogy(x * 0, p)), x=x3, p=P3)
    case("out = torch.logit(q) + torch.logit(x, eps=0.2) + torch.special.expit(y)",
         o(lambda q, x, y: torch.logit(q) + torch.logit(x, eps=0.2) + sp_.expit(y)), q=PROB, x=x3, y=y3)
    case("out = torch.deg2rad(x) + torch.rad2deg(y) + np.fabs(x)",
         o(lambda x, y: torch.deg2rad(x) + torch.rad2deg(y) + torch.abs(x)), x=x3, y=y3)
    # special functions
    case("out = torch.lgamma(x * 3) + torch.special.gammaln(p)",
         o(lambda x, p: torch.lgamma(x * 3) + sp_.gammaln(p)), x=x3, p=P3)
    case("out = torch.digamma(p) + torch.special.psi(q) + torch.polygamma(2, p) + p.polygamma(1)",
         o(lambda p, q: torch.digamma(p) + sp_.psi(q) + torch.polygamma(2, p) + p.polygamma(1)), p=P3, q=Q3)
    case("out = torch.special.multigammaln(p + 1, 3)", o(lambda p: sp_.multigammaln(p + 1, 3)), p=P3)
    case("out = torch.special.erfc(x) + torch.special.erfcx(y) + torch.erfinv(x / 2)",
         o(lambda x, y: sp_.erfc(x) + sp_.erfcx(y) + torch.erfinv(x / 2)), x=x3, y=y3)
    case("out = torch.special.ndtr(x) + torch.special.log_ndtr(y * 10) + torch.special.ndtri(q)",
         o(lambda x, y, q: sp_.ndtr(x) + sp_.log_ndtr(y * 10) + sp_.ndtri(q)), x=x3, y=y3, q=PROB)
    case("out = torch.i0(x) + torch.special.i0e(y) + torch.special.i1(x) + torch.special.i1e(y)",
         o(lambda x, y: torch.i0(x) + sp_.i0e(y) + sp_.i1(x) + sp_.i1e(y)), x=x3 * 3, y=y3 * 3)
    case("out = special.betaln(p, q)", o(lambda p, q: torch.lgamma(p) + torch.lgamma(q) - torch.lgamma(p + q)),
         p=P3, q=Q3)
    case("out = torch.special.gammainc(q, p) + torch.special.gammaincc(q, p)",
         o(lambda q, p: sp_.gammainc(q.detach(), p) + sp_.gammaincc(q.detach(), p)),
         skip=("wrt q",), p=P3, q=Q3)
    # statistics, against torch.distributions
    D_ = torch.distributions
    case("out = stats.norm.logpdf(x, y, p) + stats.norm.cdf(x, y, p)",
         o(lambda x, y, p: D_.Normal(y, p).log_prob(x) + D_.Normal(y, p).cdf(x)), x=x3, y=y3, p=P3)
    case("out = stats.t.logpdf(x, p, y, q)", o(lambda x, p, y, q: D_.StudentT(p, y, q).log_prob(x)),
         x=x3, p=P3, y=y3, q=Q3)
    case("out = stats.gamma.logpdf(p, q, scale=x.abs() + 0.5)",
         o(lambda p, q, x: D_.Gamma(q, 1 / (x.abs() + 0.5)).log_prob(p)), p=P3, q=Q3, x=x3)
    case("out = stats.gamma.pdf(p, q)", o(lambda p, q: D_.Gamma(q, torch.ones(3, dtype=p.dtype)).log_prob(p).exp()),
         p=P3, q=Q3)
    case("out = stats.beta.logpdf(r, p, q)", o(lambda r, p, q: D_.Beta(p, q).log_prob(r)), r=PROB, p=P3, q=Q3)
    case("out = stats.poisson.logpmf(tensor([0., 3., 2.]), p)",
         o(lambda p: D_.Poisson(p).log_prob(torch.tensor([0.0, 3.0, 2.0], dtype=p.dtype))), p=P3)
    case("out = stats.dirichlet.logpdf(softmax(x), p)",
         o(lambda x, p: D_.Dirichlet(p).log_prob(torch.softmax(x, 0))), x=x3, p=P3)
    case("out = stats.multivariate_normal.logpdf(D.T, x, A @ A.T + eye(3))",
         o(lambda D, x, A: D_.MultivariateNormal(x, A @ A.T + eye(3)).log_prob(D.T)), D=D34, x=x3, A=A33)
    case("out = stats.multivariate_normal.logpdf(x, y, p)",
         o(lambda x, y, p: D_.MultivariateNormal(y, torch.diag(p)).log_prob(x)), x=x3, y=y3, p=P3)
    for i, c in enumerate(CASES):
        c.id = f"{i:03d}:{c.program[:60]}"
    return CASES


def _ids():
    return [c.id for c in _cases()] or ["no-torch"]


def _np(t):
    return np.zeros(()) if t is None else t.detach().numpy()


def _check(actual, expected, what):
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def _random(seed, shapes):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, size=s) * rng.choice([-1.0, 1.0], size=s) for s in shapes]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("index", range(len(_cases()) or 1), ids=_ids())
def test_parity_with_pytorch(index):
    torch = _torch()
    c = _cases()[index]
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        _parity(torch, c)
    finally:
        torch.set_default_dtype(old)


def _parity(torch, c: Case):
    wrt = [n for n in Program(c.program).input_names if f"wrt {n}" not in c.skip]
    comp = Computation(c.program, c.values, wrt=wrt)
    names = list(c.values)
    seed = zlib.crc32(c.program.encode())

    def f(*xs):
        return (c.ref(**dict(zip(names, xs)))["out"],)

    def tensors(grad=False):
        return [torch.tensor(c.values[n], requires_grad=grad and n in wrt) for n in names]

    got = comp.evaluate()["outputs"]
    _check(got["out"], _np(f(*tensors())[0]), "output")

    leaves = tensors(grad=True)
    (y,) = f(*leaves)
    cot = _random(seed, [tuple(y.shape)])[0]
    grads = torch.autograd.grad([y], [t for t in leaves if t.requires_grad], [torch.tensor(cot)],
                                allow_unused=True)
    back = comp.backward([{"out": cot}])["grad"]
    for n, g in zip([n for n in names if n in wrt], grads):
        _check(back[n], np.zeros(c.values[n].shape) if g is None else _np(g), f"grad {n}")

    def f_wrt(*ws):
        full = dict(zip(names, tensors()))
        full.update(zip(wrt, ws))
        return f(*[full[n] for n in names])

    primals = tuple(torch.tensor(c.values[n]) for n in wrt)
    jac = torch.autograd.functional.jacobian(f_wrt, primals)
    for mode in ("reverse", "forward"):
        blocks = comp.jacobian(mode=mode)["jacobian"]["out"]
        for j, n in enumerate(wrt):
            _check(blocks[n], _np(jac[0][j]), f"{mode} jacobian[{n}]")

    tangent = _random(seed + 1, [tuple(p.shape) for p in primals])
    _, jvp = torch.autograd.functional.jvp(f_wrt, primals, tuple(torch.tensor(t) for t in tangent))
    _check(comp.jvp([dict(zip(wrt, tangent))])["jvp"]["out"], _np(jvp[0]), "jvp")

    if comp.outputs["out"].size == 1 and "hessian" not in c.skip:
        hess = torch.autograd.functional.hessian(lambda *ws: f_wrt(*ws)[0].reshape(()), primals)
        got = comp.hessian()["hessian"]
        for i, a in enumerate(wrt):
            for j, b in enumerate(wrt):
                _check(got[a][b], _np(hess[i][j]), f"hessian[{a}][{b}]")


def test_parity_corpus_size():
    if not _cases():
        pytest.skip("PyTorch is not installed")
    assert len(_cases()) >= 80
