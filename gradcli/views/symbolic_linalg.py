"""`gradcli symbolic` for linear algebra, special functions, statistics and the newer elementwise
math: what SymPy can write as a formula, and, for the rest, why not.

Translated: inverses, determinants, solves, Cholesky factors and matrix powers of small matrices
(SymPy's Matrix), products (dot, inner, einsum, tensordot, kron, cross, convolve), traces, the
gamma family, error functions, Bessel functions, the incomplete gamma and beta functions, and the
normal, t, gamma, beta and poisson densities. Not translated, each with its reason: the
eigen-, singular value and QR decompositions, pseudo-inverses, ranks, and the distributions whose
formulas need them.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..errors import GradcliError
from .sympy_arrays import arr, elementwise, refuse_keywords, wrap

# Matrices larger than this make formulas no one can read (a 5 x 5 determinant has 120 terms).
MAX_MATRIX = 4


def _shape_error(message):
    return GradcliError(message, kind="shape")


def _each_matrix(x, fn, name):
    """fn on every matrix of a stack (..., n, m) -> a stack of the results."""
    x = arr(x)
    if x.ndim < 2:
        raise _shape_error(f"{name}: expected a matrix, got shape {x.shape}")
    if max(x.shape[-2:]) > MAX_MATRIX:
        raise GradcliError(f"symbolic: {name} of a {x.shape[-2]} x {x.shape[-1]} matrix is too large "
                           f"a formula (at most {MAX_MATRIX} x {MAX_MATRIX})", kind="limit",
                           hint="eval, jacobian and check handle it numerically")
    results = [fn(sp.Matrix(x[idx].tolist())) for idx in np.ndindex(*x.shape[:-2])]
    first = results[0]
    if isinstance(first, sp.MatrixBase):
        out = np.empty(x.shape[:-2] + first.shape, dtype=object)
        for idx, r in zip(np.ndindex(*x.shape[:-2]), results):
            out[idx] = np.array(r.tolist(), dtype=object).reshape(first.shape)
        return arr(out)
    out = np.empty(x.shape[:-2], dtype=object)
    for idx, r in zip(np.ndindex(*x.shape[:-2]), results):
        out[idx] = r
    return arr(out)


def _square(name):
    def check(m):
        if m.rows != m.cols:
            raise _shape_error(f"{name}: A must be square, got {m.rows} x {m.cols}")
        return m
    return check


def _inv(a, **kwargs):
    return _each_matrix(a, lambda m: _square("linalg.inv")(m).inv(), "linalg.inv")


def _det(a, **kwargs):
    return _each_matrix(a, lambda m: _square("linalg.det")(m).det(), "linalg.det")


def _slogdet(a, **kwargs):
    d = _det(a)
    return elementwise(sp.sign, d), elementwise(lambda v: sp.log(sp.Abs(v)), d)


def _logdet(a, **kwargs):
    return elementwise(sp.log, _det(a))


def _solve(a, b, **kwargs):
    a, b = arr(a), arr(b)
    if kwargs.get("left") is False:
        raise GradcliError("symbolic: linalg.solve(left=False) has no translation", kind="symbolic")
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    inverse = _inv(a)
    if vector:
        return wrap(np.matmul(inverse, b[..., None])[..., 0])
    return wrap(np.matmul(inverse, b))


def _numpy_solve(a, b, **kwargs):
    a, b = arr(a), arr(b)
    inverse = _inv(a)
    return wrap(np.matmul(inverse, b[..., None])[..., 0] if b.ndim == 1 else np.matmul(inverse, b))


def _cholesky_with(default_upper):
    def impl(a, *args, upper=None, lower=None, **kwargs):
        if args:
            upper = args[0]
        up = default_upper if upper is None and lower is None else (
            bool(upper) if upper is not None else not bool(lower))
        # The symmetric part: its value is A's for a symmetric A, and its derivatives split between
        # the two triangles as PyTorch's symmetric gradient does.
        low = _each_matrix(a, lambda m: ((_square("linalg.cholesky")(m) + m.T) / 2).cholesky(hermitian=False),
                           "linalg.cholesky")
        return arr(np.swapaxes(low, -1, -2)) if up else low
    return impl


def _matrix_power(a, n, **kwargs):
    return _each_matrix(a, lambda m: _square("matrix_power")(m) ** int(n), "matrix_power")


# -- products -----------------------------------------------------------------------------------

def _torch_dot(a, b, **kwargs):
    a, b = arr(a), arr(b)
    if a.ndim != 1 or b.ndim != 1:
        raise _shape_error(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return wrap(np.dot(a, b))


def _numpy_call(fn):
    def impl(*args, **kwargs):
        try:
            return wrap(fn(*[arr(a) for a in args], **kwargs))
        except ValueError as exc:
            raise _shape_error(f"{fn.__name__}: {exc}") from None
    return impl


def _einsum(subscripts, *operands, **kwargs):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    try:
        return wrap(np.einsum(subscripts, *[arr(o) for o in operands]))
    except ValueError as exc:
        raise _shape_error(f"einsum: {exc}") from None


def _tensordot(a, b, axes=2, dims=None):
    axes = axes if dims is None else dims
    return wrap(np.tensordot(arr(a), arr(b), axes))


def _cross_with(default_axis):
    def impl(a, b, *args, dim=None, axis=None, **kwargs):
        chosen = args[0] if args else (dim if dim is not None else axis)
        a, b = arr(a), arr(b)
        if chosen is None:
            chosen = default_axis if default_axis is not None else next(
                (i for i, n in enumerate(a.shape) if n == 3), -1)
        return wrap(np.cross(a, b, axis=chosen))
    return impl


def _trace_with(torch_style):
    def impl(x, offset=0, axis1=0, axis2=1, **kwargs):
        x = arr(x)
        if torch_style:
            if x.ndim != 2:
                raise _shape_error(f"trace: expected a matrix, but got shape {x.shape}")
            return wrap(np.trace(x, offset))
        return wrap(np.trace(x, offset, axis1, axis2))
    return impl


def _linalg_trace(x, offset=0, **kwargs):
    return wrap(np.trace(arr(x), offset, -2, -1))


def _convolve_with(same_as_first):
    def impl(a, v, mode="full", **kwargs):
        a, v = arr(a), arr(v)
        if a.ndim != 1 or v.ndim != 1:
            raise GradcliError("symbolic: convolve has a translation for 1-D operands only",
                               kind="symbolic")
        full = np.convolve(a, v, "full")
        if mode == "full":
            return wrap(full)
        n = a.size if same_as_first and mode == "same" else (
            max(a.size, v.size) if mode == "same" else max(a.size, v.size) - min(a.size, v.size) + 1)
        start = (full.size - n) // 2
        return wrap(full[start:start + n])
    return impl


# -- elementwise math and special functions ---------------------------------------------------------

def _unary(fn):
    def impl(x, **kwargs):
        refuse_keywords(kwargs)
        return elementwise(fn, x)
    return impl


def _binary(fn):
    def impl(x, y, **kwargs):
        refuse_keywords(kwargs)
        return elementwise(fn, x, y)
    return impl


class lgamma(sp.Function):
    """log|Γ(x)|: PyTorch's lgamma and SciPy's gammaln, real where Γ(x) < 0.

    SymPy's loggamma is complex there (log Γ(x) of a negative Γ), so a formula built on it would have
    no value where PyTorch has one; the derivative is the same digamma either way."""

    def fdiff(self, argindex=1):
        return sp.polygamma(0, self.args[0])

    def _eval_evalf(self, prec):
        return sp.log(sp.Abs(sp.gamma(self.args[0])))._eval_evalf(prec)

    def _latex(self, printer):
        return rf"\ln\left|\Gamma\left({printer._print(self.args[0])}\right)\right|"


SQRT2 = sp.sqrt(2)


def _ndtr(v):
    return (1 + sp.erf(v / SQRT2)) / 2


def _polygamma(n, x=None, **kwargs):
    if isinstance(x, int) and not isinstance(n, int):  # the method x.polygamma(n)
        n, x = x, n
    return elementwise(lambda v: sp.polygamma(int(n), v), x)


def _multigammaln(a, d, **kwargs):
    d = int(d)
    return elementwise(lambda v: d * (d - 1) * sp.log(sp.pi) / 4
                       + sum(lgamma(v + sp.Rational(1 - j, 2)) for j in range(1, d + 1)), a)


def _logit(x, eps=None, **kwargs):
    if eps is not None:
        raise GradcliError("symbolic: logit(eps=) clamps, which has no formula", kind="symbolic")
    return elementwise(lambda v: sp.log(v / (1 - v)), x)


def _cbrt(v):
    return sp.sign(v) * sp.Abs(v) ** sp.Rational(1, 3)


# -- statistics --------------------------------------------------------------------------------

def _params(args, kwargs, names):
    values = dict(zip(names, args))
    values.update(kwargs)
    return values


def _z(v):
    x, loc, scale = arr(v["x"]), arr(v.get("loc", 0)), arr(v.get("scale", 1))
    return wrap((x - loc) / scale), arr(scale)


def _norm(kind):
    def impl(*args, **kwargs):
        v = _params(args, kwargs, ("x", "loc", "scale"))
        z, scale = _z(v)
        if kind == "logpdf":
            return wrap(elementwise(lambda t: -t ** 2 / 2 - sp.log(2 * sp.pi) / 2, z)
                        - elementwise(sp.log, scale))
        if kind == "pdf":
            return wrap(elementwise(lambda t: sp.exp(-t ** 2 / 2) / sp.sqrt(2 * sp.pi), z) / scale)
        fn = {"cdf": _ndtr, "logcdf": lambda t: sp.log(_ndtr(t)), "sf": lambda t: _ndtr(-t),
              "logsf": lambda t: sp.log(_ndtr(-t))}[kind]
        return elementwise(fn, z)
    return impl


def _t_logpdf(*args, **kwargs):
    v = _params(args, kwargs, ("x", "df", "loc", "scale"))
    z, scale = _z(v)
    return wrap(elementwise(lambda t, df: sp.loggamma((df + 1) / 2) - sp.loggamma(df / 2)
                           - sp.log(df * sp.pi) / 2 - (df + 1) / 2 * sp.log(1 + t ** 2 / df),
                           z, arr(v["df"])) - elementwise(sp.log, scale))


def _gamma_logpdf(*args, **kwargs):
    v = _params(args, kwargs, ("x", "a", "loc", "scale"))
    z, scale = _z(v)
    return wrap(elementwise(lambda t, a: sp.Piecewise(((a - 1) * sp.log(t) - t - sp.loggamma(a), t >= 0),
                                                      (-sp.oo, True)), z, arr(v["a"]))
                - elementwise(sp.log, scale))


def _beta_logpdf(*args, **kwargs):
    v = _params(args, kwargs, ("x", "a", "b", "loc", "scale"))
    z, scale = _z(v)
    return wrap(elementwise(lambda t, a, b: sp.Piecewise(
        ((a - 1) * sp.log(t) + (b - 1) * sp.log(1 - t) - sp.log(sp.beta(a, b)), (t >= 0) & (t <= 1)),
        (-sp.oo, True)), z, arr(v["a"]), arr(v["b"])) - elementwise(sp.log, scale))


def _poisson_logpmf(*args, **kwargs):
    v = _params(args, kwargs, ("k", "mu", "loc"))
    k = wrap(arr(v["k"]) - arr(v.get("loc", 0)))
    return elementwise(lambda t, mu: t * sp.log(mu) - sp.loggamma(t + 1) - mu, k, arr(v["mu"]))


def _exp_of(logpdf):
    return lambda *args, **kwargs: elementwise(sp.exp, logpdf(*args, **kwargs))


def _decomposition(what):
    return f"{what}: no closed form a reader could use, beyond the smallest matrices"


TABLE = {
    # linear algebra
    "linalg.inv": _inv, "inverse": _inv, "linalg.det": _det, "det": _det,
    "linalg.slogdet": _slogdet, "slogdet": _slogdet, "logdet": _logdet,
    "linalg.solve": _solve, "numpy.linalg.solve": _numpy_solve, "scipy.linalg.solve": _numpy_solve,
    "linalg.cholesky": _cholesky_with(False), "cholesky": _cholesky_with(False),
    "scipy.linalg.cholesky": _cholesky_with(True),
    "linalg.matrix_power": _matrix_power, "matrix_power": _matrix_power,
    "dot": _torch_dot, "vdot": _torch_dot, "numpy.dot": _numpy_call(np.dot),
    "numpy.vdot": lambda a, b: wrap(np.dot(arr(a).reshape(-1), arr(b).reshape(-1))),
    "inner": _numpy_call(np.inner), "kron": _numpy_call(np.kron), "einsum": _einsum,
    "tensordot": _tensordot, "cross": _cross_with(None), "numpy.cross": _cross_with(-1),
    "linalg.cross": _cross_with(-1),
    "linalg.vecdot": lambda a, b, dim=-1, axis=None: wrap(np.sum(arr(a) * arr(b),
                                                                 axis=dim if axis is None else axis)),
    "linalg.multi_dot": lambda ts: wrap(np.linalg.multi_dot([arr(t) for t in ts])),
    "trace": _trace_with(True), "numpy.trace": _trace_with(False), "linalg.trace": _linalg_trace,
    "numpy.convolve": _convolve_with(False), "scipy.signal.convolve": _convolve_with(True),
    # elementwise math
    "asinh": _unary(sp.asinh), "acosh": _unary(sp.acosh), "atanh": _unary(sp.atanh),
    "exp2": _unary(lambda v: 2 ** v), "cbrt": _unary(_cbrt), "sinc": _unary(lambda v: sp.sinc(sp.pi * v)),
    "fabs": _unary(sp.Abs), "deg2rad": _unary(lambda v: v * sp.pi / 180),
    "rad2deg": _unary(lambda v: v * 180 / sp.pi),
    "hypot": _binary(lambda a, b: sp.sqrt(a ** 2 + b ** 2)),
    "logaddexp": _binary(lambda a, b: sp.log(sp.exp(a) + sp.exp(b))),
    "logaddexp2": _binary(lambda a, b: sp.log(2 ** a + 2 ** b, 2)),
    "xlogy": _binary(lambda a, b: a * sp.log(b)), "xlog1py": _binary(lambda a, b: a * sp.log(1 + b)),
    "expit": _unary(lambda v: 1 / (1 + sp.exp(-v))), "logit": _logit,
    "log_expit": _unary(lambda v: -sp.log(1 + sp.exp(-v))),
    # special functions
    "gammaln": _unary(lgamma), "digamma": _unary(sp.digamma), "gamma": _unary(sp.gamma),
    "polygamma": _polygamma, "multigammaln": _multigammaln,
    "betaln": _binary(lambda a, b: lgamma(a) + lgamma(b) - lgamma(a + b)),
    "beta": _binary(sp.beta), "erfc": _unary(sp.erfc), "erfinv": _unary(sp.erfinv),
    "erfcx": _unary(lambda v: sp.exp(v ** 2) * sp.erfc(v)), "ndtr": _unary(_ndtr),
    "log_ndtr": _unary(lambda v: sp.log(_ndtr(v))), "ndtri": _unary(lambda v: SQRT2 * sp.erfinv(2 * v - 1)),
    "i0": _unary(lambda v: sp.besseli(0, v)), "i1": _unary(lambda v: sp.besseli(1, v)),
    "i0e": _unary(lambda v: sp.exp(-sp.Abs(v)) * sp.besseli(0, v)),
    "i1e": _unary(lambda v: sp.exp(-sp.Abs(v)) * sp.besseli(1, v)),
    "gammainc": _binary(lambda a, v: sp.lowergamma(a, v) / sp.gamma(a)),
    "gammaincc": _binary(lambda a, v: sp.uppergamma(a, v) / sp.gamma(a)),
    "betainc": lambda a, b, v: elementwise(lambda p, q, t: sp.betainc_regularized(p, q, 0, t), a, b, v),
    # statistics
    "scipy.stats.norm.logpdf": _norm("logpdf"), "scipy.stats.norm.pdf": _norm("pdf"),
    "scipy.stats.norm.cdf": _norm("cdf"), "scipy.stats.norm.logcdf": _norm("logcdf"),
    "scipy.stats.norm.sf": _norm("sf"), "scipy.stats.norm.logsf": _norm("logsf"),
    "scipy.stats.t.logpdf": _t_logpdf, "scipy.stats.t.pdf": _exp_of(_t_logpdf),
    "scipy.stats.gamma.logpdf": _gamma_logpdf, "scipy.stats.gamma.pdf": _exp_of(_gamma_logpdf),
    "scipy.stats.beta.logpdf": _beta_logpdf, "scipy.stats.beta.pdf": _exp_of(_beta_logpdf),
    "scipy.stats.poisson.logpmf": _poisson_logpmf, "scipy.stats.poisson.pmf": _exp_of(_poisson_logpmf),
}

UNSUPPORTED = {
    "linalg.eigh": _decomposition("an eigendecomposition"),
    "scipy.linalg.eigh": _decomposition("an eigendecomposition"),
    "linalg.eigvalsh": _decomposition("an eigendecomposition"),
    "linalg.eig": _decomposition("an eigendecomposition"),
    "linalg.eigvals": _decomposition("an eigendecomposition"),
    "linalg.svd": _decomposition("a singular value decomposition"),
    "svd": _decomposition("a singular value decomposition"),
    "linalg.svdvals": _decomposition("a singular value decomposition"),
    "linalg.qr": _decomposition("a QR decomposition (its signs are LAPACK's choice)"),
    "scipy.linalg.qr": _decomposition("a QR decomposition (its signs are LAPACK's choice)"),
    "qr": _decomposition("a QR decomposition (its signs are LAPACK's choice)"),
    "linalg.pinv": "a pseudo-inverse depends on the rank, which a formula cannot decide",
    "numpy.linalg.pinv": "a pseudo-inverse depends on the rank, which a formula cannot decide",
    "pinverse": "a pseudo-inverse depends on the rank, which a formula cannot decide",
    "linalg.matrix_rank": "a rank is a count, decided by a tolerance",
    "linalg.cond": "a condition number needs singular values",
    "stdtr": "Student's t cdf has no elementary formula in SymPy",
    "scipy.stats.t.cdf": "Student's t cdf has no elementary formula in SymPy",
    "scipy.stats.gamma.cdf": "the incomplete gamma function is written per element; use "
                             "special.gammainc(a, x) for its formula",
    "scipy.stats.beta.cdf": "the incomplete beta function is written per element; use "
                            "special.betainc(a, b, x) for its formula",
    "scipy.stats.poisson.cdf": "a cdf of counts is a sum up to floor(k), which a formula cannot take",
    "scipy.stats.norm.ppf": "the inverse normal cdf is written as ndtri; use special.ndtri",
    "scipy.stats.dirichlet.logpdf": "a density checked on the simplex; write it with gammaln and log",
    "scipy.stats.dirichlet.pdf": "a density checked on the simplex; write it with gammaln and log",
    "scipy.stats.multivariate_normal.logpdf": "it needs a Cholesky factor of the covariance",
    "scipy.stats.multivariate_normal.pdf": "it needs a Cholesky factor of the covariance",
}
