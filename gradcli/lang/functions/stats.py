"""scipy.stats distributions: scipy.stats.norm.logpdf(x, loc, scale), stats.t.cdf(x, df),
jax.scipy.stats.dirichlet.logpdf(x, alpha), ...

Arguments as SciPy spells them: the point (x; k for a count; q for a probability), the shape
parameters (t: df; gamma: a; beta: a, b; poisson: mu; dirichlet: alpha; multivariate_normal:
mean, cov), then loc and scale, positional or by keyword. Every density is a composite of
primitives, so it differentiates in all its arguments to any order -- except where a cdf has no
closed-form derivative in a shape parameter (gamma's a, beta's a and b, t's df): that is an error
naming the argument, raised only if that derivative is asked for.

Outside the support a density is 0 (log-density -inf), as in SciPy, with a zero gradient there.
"""
from __future__ import annotations

import math

from ...core import backend, ops
from ...core.ops import decompositions as dec
from ...core.ops import linalg as la
from ...core.ops import special as sp
from ...core.tensor import PRIMITIVES, Tensor, apply, constant
from ...errors import GradcliError
from .base import Table, _fail, to_tensor

TABLE = Table()
LOG_2PI = math.log(2 * math.pi)


def register(name, impl, samples):
    TABLE.register(f"stats.{name}", impl, samples, library="scipy")


def _arguments(name, args, kwargs, params, point="x"):
    """{param: value} from SciPy's positional-or-keyword signature (point, *shapes, loc, scale)."""
    names = (point,) + params
    if len(args) > len(names):
        _fail(f"stats.{name}() takes at most {len(names)} arguments ({', '.join(names)}), "
              f"got {len(args)}")
    values = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names:
            _fail(f"stats.{name}() got an unexpected keyword {key}= (it takes {', '.join(names)})")
        if key in values:
            _fail(f"stats.{name}() got {key} twice")
        values[key] = value
    return values


def _op(name, *xs):
    return apply(PRIMITIVES[name], *xs)


def _where(cond, a, b):
    return _op("where", cond, a, b)


def _standardized(ctx, v):
    """(x - loc) / scale and log(scale), from v holding x and maybe loc and scale."""
    x = to_tensor(ctx, v["x"])
    loc = to_tensor(ctx, v.get("loc", 0.0))
    scale = to_tensor(ctx, v.get("scale", 1.0))
    return (x - loc) / scale, ops.log(scale), scale


def _guarded(inside: Tensor, value_at, safe_z: Tensor, outside: float):
    """value_at(z) where inside, `outside` elsewhere: the formula never sees the points where it is
    undefined (no false warnings), and the gradient there is 0."""
    return _where(inside, value_at(safe_z), constant(outside, safe_z))


def _safe(z: Tensor, inside: Tensor, fill: float = 0.5) -> Tensor:
    return _where(inside, z, constant(fill, z))


def _xlogy(x: Tensor, y: Tensor, log=ops.log) -> Tensor:
    """x log(y), 0 where x == 0 (scipy.special.xlogy)."""
    zero = constant(0.0, y)
    at_zero = _op("eq", x, zero)
    safe_y = _where(at_zero, constant(1.0, y), y)
    return _where(at_zero, zero, x * log(safe_y))


def _log1p(t: Tensor) -> Tensor:
    return _op("log1p", t)


def _exp(t: Tensor) -> Tensor:
    return ops.exp(t)


def _density(logpdf):
    """pdf = exp(logpdf)."""
    def impl(ctx, *args, **kwargs):
        return _exp(logpdf(ctx, *args, **kwargs))
    return impl


# -- norm ----------------------------------------------------------------------------------

def _norm_logpdf(ctx, *args, **kwargs):
    z, log_scale, _ = _standardized(ctx, _arguments("norm.logpdf", args, kwargs, ("loc", "scale")))
    return z * z * -0.5 - log_scale - 0.5 * LOG_2PI


def _norm_cdf_with(fn, sign):
    def impl(ctx, *args, **kwargs):
        z, _, _ = _standardized(ctx, _arguments("norm.cdf", args, kwargs, ("loc", "scale")))
        return _op(fn, z if sign > 0 else -z)
    return impl


def _norm_ppf(ctx, *args, **kwargs):
    v = _arguments("norm.ppf", args, kwargs, ("loc", "scale"), point="q")
    q = to_tensor(ctx, v["q"])
    return to_tensor(ctx, v.get("loc", 0.0)) + to_tensor(ctx, v.get("scale", 1.0)) * _op("ndtri", q)


register("norm.logpdf", _norm_logpdf, ["out = scipy.stats.norm.logpdf(x, y, s.abs() + 0.5)",
                                       "out = stats.norm.logpdf(M, loc=x) * N",
                                       "out = jax.scipy.stats.norm.logpdf(x)"])
register("norm.pdf", _density(_norm_logpdf), ["out = stats.norm.pdf(x, y, scale=s.abs() + 0.5)"])
register("norm.cdf", _norm_cdf_with("ndtr", 1), ["out = stats.norm.cdf(x, y, s.abs() + 0.5)",
                                                 "out = scipy.stats.norm.cdf(M * 3)"])
register("norm.logcdf", _norm_cdf_with("log_ndtr", 1), ["out = stats.norm.logcdf(x * 5, y, 2.)"])
register("norm.sf", _norm_cdf_with("ndtr", -1), ["out = stats.norm.sf(x, loc=y)"])
register("norm.logsf", _norm_cdf_with("log_ndtr", -1), ["out = stats.norm.logsf(M * 4, x)"])
register("norm.ppf", _norm_ppf, ["out = stats.norm.ppf(sigmoid(x), y, s.abs() + 0.5)"])


# -- t ---------------------------------------------------------------------------------------

def _t_logpdf(ctx, *args, **kwargs):
    v = _arguments("t.logpdf", args, kwargs, ("df", "loc", "scale"))
    if "df" not in v:
        _fail("stats.t.logpdf needs df, the degrees of freedom")
    df = to_tensor(ctx, v["df"])
    z, log_scale, _ = _standardized(ctx, v)
    return (sp.gammaln((df + 1.0) * 0.5) - sp.gammaln(df * 0.5) - ops.log(df * math.pi) * 0.5
            - (df + 1.0) * 0.5 * _log1p(z * z / df) - log_scale)


def _t_cdf(ctx, *args, **kwargs):
    v = _arguments("t.cdf", args, kwargs, ("df", "loc", "scale"))
    if "df" not in v:
        _fail("stats.t.cdf needs df, the degrees of freedom")
    z, _, _ = _standardized(ctx, v)
    return _op("stdtr", to_tensor(ctx, v["df"]), z)


register("t.logpdf", _t_logpdf, ["out = stats.t.logpdf(x, y.abs() + 1, s, 2.)",
                                 "out = scipy.stats.t.logpdf(M, df=3.5, scale=x.abs() + 0.5)"])
register("t.pdf", _density(_t_logpdf), ["out = stats.t.pdf(x, 4., y)"])
register("t.cdf", _t_cdf, ["out = stats.t.cdf(x, 3., y, s.abs() + 0.5)", "out = stats.t.cdf(M * 3, df=1.)"])


# -- gamma -----------------------------------------------------------------------------------

def _gamma_logpdf(ctx, *args, **kwargs):
    v = _arguments("gamma.logpdf", args, kwargs, ("a", "loc", "scale"))
    if "a" not in v:
        _fail("stats.gamma.logpdf needs a, the shape")
    a = to_tensor(ctx, v["a"])
    z, log_scale, _ = _standardized(ctx, v)
    inside = _op("ge", z, constant(0.0, z))
    return _guarded(inside, lambda t: _xlogy(a - 1.0, t) - t - sp.gammaln(a), _safe(z, inside),
                    -math.inf) - log_scale


def _gamma_cdf(ctx, *args, **kwargs):
    v = _arguments("gamma.cdf", args, kwargs, ("a", "loc", "scale"))
    if "a" not in v:
        _fail("stats.gamma.cdf needs a, the shape")
    a = to_tensor(ctx, v["a"])
    z, _, _ = _standardized(ctx, v)
    inside = _op("gt", z, constant(0.0, z))
    return _guarded(inside, lambda t: _op("gammainc", a, t), _safe(z, inside), 0.0)


register("gamma.logpdf", _gamma_logpdf, ["out = stats.gamma.logpdf(x.abs(), y.abs() + 0.5)",
                                         "out = stats.gamma.logpdf(M, 2.5, loc=x - 1.5, scale=s.abs() + 1)"])
register("gamma.pdf", _density(_gamma_logpdf), ["out = scipy.stats.gamma.pdf(x.abs() + 0.1, a=3.)"])
register("gamma.cdf", _gamma_cdf, ["out = stats.gamma.cdf(x.abs(), 2., scale=y.abs() + 0.5)",
                                   "out = stats.gamma.cdf(M + 0.1, 1.5, x)"])


# -- beta ------------------------------------------------------------------------------------

def _beta_args(name, ctx, args, kwargs):
    v = _arguments(name, args, kwargs, ("a", "b", "loc", "scale"))
    if "a" not in v or "b" not in v:
        _fail(f"stats.{name} needs a and b, the shapes")
    z, log_scale, _ = _standardized(ctx, v)
    return to_tensor(ctx, v["a"]), to_tensor(ctx, v["b"]), z, log_scale


def _beta_logpdf(ctx, *args, **kwargs):
    a, b, z, log_scale = _beta_args("beta.logpdf", ctx, args, kwargs)
    inside = _op("ge", z, constant(0.0, z)) * _op("le", z, constant(1.0, z))
    return _guarded(inside, lambda t: _xlogy(a - 1.0, t) + _xlogy(b - 1.0, -t, _log1p)
                    - sp.betaln(a, b), _safe(z, inside), -math.inf) - log_scale


def _beta_cdf(ctx, *args, **kwargs):
    a, b, z, _ = _beta_args("beta.cdf", ctx, args, kwargs)
    inside = _op("gt", z, constant(0.0, z)) * _op("lt", z, constant(1.0, z))
    above = _op("ge", z, constant(1.0, z))
    return _where(above, constant(1.0, z),
                  _guarded(inside, lambda t: _op("betainc", a, b, t), _safe(z, inside), 0.0))


register("beta.logpdf", _beta_logpdf, ["out = stats.beta.logpdf(sigmoid(x), y.abs() + 0.5, s.abs() + 1)",
                                       "out = stats.beta.logpdf(M, 2., 3., loc=-0.5, scale=2.5)"])
register("beta.pdf", _density(_beta_logpdf), ["out = stats.beta.pdf(sigmoid(x), a=2., b=y.abs() + 1)"])
register("beta.cdf", _beta_cdf, ["out = stats.beta.cdf(sigmoid(x), 2., 3.) * y",
                                 "out = stats.beta.cdf(M, 0.5, 0.5, loc=-0.2, scale=1.6)"])


# -- poisson ----------------------------------------------------------------------------------

def _poisson_args(name, ctx, args, kwargs):
    v = _arguments(name, args, kwargs, ("mu", "loc"), point="k")
    if "mu" not in v:
        _fail(f"stats.{name} needs mu, the mean")
    k = to_tensor(ctx, v["k"]) - to_tensor(ctx, v.get("loc", 0.0))
    return k, to_tensor(ctx, v["mu"])


def _poisson_logpmf(ctx, *args, **kwargs):
    """xlogy(k, mu) - gammaln(k + 1) - mu at counts k >= 0; -inf elsewhere (SciPy). The derivative
    in k is that of this formula (as torch.distributions.Poisson.log_prob and JAX give it)."""
    k, mu = _poisson_args("poisson.logpmf", ctx, args, kwargs)
    count = _op("eq", _op("floor", k), k) * _op("ge", k, constant(0.0, k))
    return _guarded(count, lambda t: _xlogy(t, mu) - sp.gammaln(t + 1.0) - mu, _safe(k, count, 0.0),
                    -math.inf)


def _poisson_cdf(ctx, *args, **kwargs):
    """P(K <= k) = gammaincc(floor(k) + 1, mu): differentiable in mu."""
    k, mu = _poisson_args("poisson.cdf", ctx, args, kwargs)
    inside = _op("ge", k, constant(0.0, k))
    return _guarded(inside, lambda t: _op("gammaincc", _op("floor", t) + 1.0, mu), _safe(k, inside, 0.0),
                    0.0)


_COUNTS = "tensor([0., 2., 5.])"
register("poisson.logpmf", _poisson_logpmf, [f"out = stats.poisson.logpmf({_COUNTS}, x.abs() + 0.5)",
                                             "out = stats.poisson.logpmf(3., M.abs() + 0.1, loc=1.)"])
register("poisson.pmf", _density(_poisson_logpmf), [f"out = stats.poisson.pmf({_COUNTS}, mu=x.abs() * 4)"])
register("poisson.cdf", _poisson_cdf, [f"out = stats.poisson.cdf({_COUNTS}, x.abs() + 0.5)",
                                       "out = scipy.stats.poisson.cdf(2.5, M.abs() * 3)"])


# -- dirichlet --------------------------------------------------------------------------------

def _dirichlet_point(ctx, x: Tensor, alpha: Tensor) -> Tensor:
    """x with its components on axis 0 (SciPy's layout: (k,) or (k, n)); k - 1 components are
    completed with 1 - their sum. Checked to lie on the simplex, as SciPy does."""
    k = alpha.shape[-1]
    if alpha.nd != 1:
        _fail(f"stats.dirichlet: alpha must be a vector, got shape {alpha.shape}")
    if x.nd not in (1, 2) or x.shape[0] not in (k, k - 1):
        raise GradcliError(f"stats.dirichlet: x must have {k} or {k - 1} components on its first "
                           f"axis (SciPy's layout: (k,) or (k, n)), got shape {x.shape}", kind="shape")
    if x.shape[0] == k - 1:
        rest = 1.0 - ops.reduce("sum", x, (-x.nd,), True)
        x = ops.cat([x, rest], -x.nd)
    xp = backend.xp
    host = backend.to_numpy(xp.stack([xp.min(x.data), xp.max(x.data),
                                      xp.max(xp.abs(xp.sum(x.data, axis=-x.nd) - 1))]))
    tolerance = max(1e-9, 64 * float(xp.finfo(x.dtype).eps))  # SciPy's 1e-9, and float32's rounding
    if host[0] < 0 or host[1] > 1 or host[2] > tolerance:
        raise GradcliError("stats.dirichlet: x must lie on the simplex (entries in [0, 1] summing to "
                           f"1 along the first axis); the sums are off by up to {host[2]:.3g}",
                           kind="value")
    return x


def _dirichlet_logpdf(ctx, *args, **kwargs):
    v = _arguments("dirichlet.logpdf", args, kwargs, ("alpha",))
    if "alpha" not in v:
        _fail("stats.dirichlet.logpdf needs alpha")
    alpha = to_tensor(ctx, v["alpha"])
    x = _dirichlet_point(ctx, to_tensor(ctx, v["x"]), alpha)
    a = alpha if x.nd == 1 else ops.reshape(alpha, (alpha.shape[0], 1))
    log_b = (ops.reduce("sum", sp.gammaln(alpha), (-1,), False)
             - sp.gammaln(ops.reduce("sum", alpha, (-1,), False)))
    return ops.reduce("sum", _xlogy(a - 1.0, x), (-x.nd,), False) - log_b


register("dirichlet.logpdf", _dirichlet_logpdf,
         ["out = stats.dirichlet.logpdf(softmax(x), y.abs() + 0.5)",
          "out = stats.dirichlet.logpdf(softmax(M, dim=0), alpha=x.abs() + 1)",
          "out = jax.scipy.stats.dirichlet.logpdf(softmax(x)[:2], tensor([1.5, 2., 0.7]))"])
register("dirichlet.pdf", _density(_dirichlet_logpdf),
         ["out = stats.dirichlet.pdf(softmax(x), y.abs() + 1)"])


# -- multivariate_normal ------------------------------------------------------------------------

def _mvn_logpdf(ctx, *args, **kwargs):
    """x (..., k) with the components on the LAST axis (SciPy's layout here), mean (k,), cov a
    number, a vector (the diagonal) or a k x k matrix (symmetric positive definite). With a scalar
    mean and cov the dimension is 1 and every element of x is a point, as in SciPy."""
    for key in ("allow_singular",):
        if kwargs.pop(key, False):
            _fail("stats.multivariate_normal: allow_singular=True is not supported")
    v = _arguments("multivariate_normal.logpdf", args, kwargs, ("mean", "cov"))
    x = to_tensor(ctx, v["x"])
    mean = to_tensor(ctx, v.get("mean", 0.0))
    cov = to_tensor(ctx, v.get("cov", 1.0))
    # The dimension is the mean's or the covariance's; with both scalars it is 1 (SciPy).
    k = mean.shape[-1] if mean.nd else (cov.shape[-1] if cov.nd else 1)
    if k == 1 and x.nd and x.shape[-1] != 1:  # one-dimensional: each element of x is a point
        x = ops.reshape(x, x.shape + (1,))
    if x.nd == 0 or x.shape[-1] != k:
        raise GradcliError(f"stats.multivariate_normal: x of shape {x.shape} does not have the "
                           f"dimension {k} on its last axis", kind="shape")
    d = x - mean
    if cov.nd <= 1:  # a variance per component
        var = ops.broadcast_to(cov, (k,))
        maha = ops.reduce("sum", d * d / var, (-1,), False)
        logdet = ops.reduce("sum", ops.log(var), (-1,), False)
    else:
        if cov.shape != (k, k):
            raise GradcliError(f"stats.multivariate_normal: cov must be {k} x {k}, got {cov.shape}",
                               kind="shape")
        low = dec.cholesky(cov)
        z = la.solve(low, ops.reshape(d, d.shape + (1,)))
        maha = ops.reduce("sum", z * z, (-2, -1), False)
        logdet = ops.reduce("sum", ops.log(la.diagonal(low)), (-1,), False) * 2.0
    return (maha + logdet + k * LOG_2PI) * -0.5


_COV = "M @ M.T + eye(3)"
register("multivariate_normal.logpdf", _mvn_logpdf,
         [f"out = stats.multivariate_normal.logpdf(x, y, {_COV})",
          f"out = stats.multivariate_normal.logpdf(M, mean=x, cov={_COV})",
          "out = scipy.stats.multivariate_normal.logpdf(x, cov=y.abs() + 0.5)",
          "out = stats.multivariate_normal.logpdf(x, 0.5, s * s + 1)"])
register("multivariate_normal.pdf", _density(_mvn_logpdf),
         [f"out = stats.multivariate_normal.pdf(x * 0.3, y, {_COV})"])
