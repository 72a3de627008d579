"""Special functions and the elementwise math NumPy and PyTorch add to the basics.

Forwards use SciPy's `scipy.special` (imported when a function first runs: start-up never pays
for it); on CuPy, `cupyx.scipy.special` where it has the function, else the host, explicitly.
Each derivative is written with Tensors and primitives -- gammaln' = digamma,
digamma' = polygamma(1, .), i0' = i1, erfinv' = sqrt(pi)/2 exp(erfinv^2) -- so every order of
derivative works. Where a derivative has no closed form (the incomplete gamma and beta functions
in their shape parameters, Student's t cdf in its degrees of freedom) it is an error that names
the argument, never a silent zero.
"""
from __future__ import annotations

import math

import numpy as np

from ...errors import GradcliError
from .. import backend
from ..tensor import PRIMITIVES, Tensor, apply, constant
from .elementwise import binary, cos, eq, exp, log, sin, sqrt, unary, where
from .table import _call, defop

SQRT_PI = math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2 * math.pi)


def _scipy_special():
    try:
        from scipy import special  # noqa: PLC0415 - heavy: only when a special function runs
    except ImportError:
        raise GradcliError("special functions need SciPy, which is not installed", kind="usage",
                           hint="pip install scipy") from None
    return special


def scipy_call(name: str, *arrays, **kwargs):
    """scipy.special.<name> on arrays of the current namespace, in the dtype of the float inputs
    (scipy's polygamma(n, x) gives float64 for a float32 x: the result follows x)."""
    xp = backend.xp
    floats = [a for a in arrays if hasattr(a, "dtype")]
    dtype = floats[-1].dtype
    if xp is np:
        return np.asarray(getattr(_scipy_special(), name)(*arrays, **kwargs), dtype=dtype)
    if getattr(xp, "__name__", "") == "cupy":
        try:
            import cupyx.scipy.special as cupy_special  # noqa: PLC0415
            fn = getattr(cupy_special, name)
        except (ImportError, AttributeError):
            fn = None
        if fn is not None:
            return xp.asarray(fn(*arrays, **kwargs), dtype=dtype)
    # Another namespace (the strict test backend): compute on the host, explicitly, and come back.
    host = [backend.to_numpy(a) if hasattr(a, "dtype") else a for a in arrays]
    out = getattr(_scipy_special(), name)(*host, **kwargs)
    host_dtype = [h for h in host if hasattr(h, "dtype")][-1].dtype
    return backend.from_numpy(np.asarray(out, dtype=host_dtype), dtype)  # onto the current device


def _special_unary(name, scipy_name, partial, *, saves=None, doc="", backward_name=None):
    return unary(name, lambda xp, x: scipy_call(scipy_name, x), partial, saves=saves, doc=doc,
                 backward_name=backward_name)


def _no_closed_form(function: str, argument: str, used_by: str = ""):
    def partial(ans, *inputs):
        raise GradcliError(f"{function}: the derivative in {argument} has no closed form, so gradcli "
                           f"cannot compute it{used_by}", kind="value",
                           hint=f"keep {argument} out of --wrt (or detach it): the derivatives in the "
                                "other arguments work")
    return partial


def _nonzero(x: Tensor) -> tuple[Tensor, Tensor]:
    """(x != 0 as a 0/1 mask, x with 1 where it is 0): for formulas with a removable 0/0."""
    zero = eq(x, constant(0.0, x))
    return 1 - zero, where(zero, constant(1.0, x), x)


gammaln = _call("gammaln")
digamma = _call("digamma")
i0, i1, i0e, i1e = _call("i0"), _call("i1"), _call("i0e"), _call("i1e")
betaln = _call("betaln")
erfcx = _call("erfcx")


def polygamma(n: int, x: Tensor) -> Tensor:
    return apply(PRIMITIVES["polygamma"], x, n=int(n))


# -- the gamma family ------------------------------------------------------------------------

_special_unary("gammaln", "gammaln", lambda ans, x: digamma(x), saves=("x",),
               backward_name="LgammaBackward0",
               doc="log|Gamma(x)|")
_special_unary("digamma", "digamma", lambda ans, x: polygamma(1, x), saves=("x",), doc="Gamma'/Gamma")
_special_unary("gamma", "gamma", lambda ans, x: ans * digamma(x), saves=("ans", "x"), doc="Gamma(x)")


def _polygamma_forward(xp, x, *, n):
    return scipy_call("polygamma", n, x)


def _polygamma_vjp(g, ans, x, *, n):
    return (g * polygamma(n + 1, x),)


def _polygamma_jvp(dots, ans, x, *, n):
    return dots[0] * polygamma(n + 1, x)


defop("polygamma", _polygamma_forward, vjp=_polygamma_vjp, jvp=_polygamma_jvp, elementwise=True,
      saves=("x",), doc="the n-th derivative of digamma")
binary("betaln", lambda xp, a, b: scipy_call("betaln", a, b),
       lambda ans, a, b: digamma(a) - digamma(a + b), lambda ans, a, b: digamma(b) - digamma(a + b),
       saves=("a", "b"), doc="log|B(a, b)|")
binary("beta", lambda xp, a, b: scipy_call("beta", a, b),
       lambda ans, a, b: ans * (digamma(a) - digamma(a + b)),
       lambda ans, a, b: ans * (digamma(b) - digamma(a + b)), saves=("ans", "a", "b"), doc="B(a, b)")


def _gamma_density(a: Tensor, x: Tensor) -> Tensor:
    """x^(a-1) e^-x / Gamma(a): d/dx of the regularized lower incomplete gamma function."""
    return x ** (a - 1.0) * exp(-x - gammaln(a))


_USED_BY_GAMMA = " (scipy.stats.gamma.cdf and poisson.cdf go through it)"
binary("gammainc", lambda xp, a, x: scipy_call("gammainc", a, x),
       _no_closed_form("gammainc(a, x)", "a", _USED_BY_GAMMA),
       lambda ans, a, x: _gamma_density(a, x), saves=("a", "x"),
       doc="the regularized lower incomplete gamma P(a, x)")
binary("gammaincc", lambda xp, a, x: scipy_call("gammaincc", a, x),
       _no_closed_form("gammaincc(a, x)", "a", _USED_BY_GAMMA),
       lambda ans, a, x: -_gamma_density(a, x), saves=("a", "x"),
       doc="the regularized upper incomplete gamma Q(a, x)")


def _beta_density(a: Tensor, b: Tensor, x: Tensor) -> Tensor:
    return x ** (a - 1.0) * (1.0 - x) ** (b - 1.0) * exp(-betaln(a, b))


_USED_BY_BETA = " (scipy.stats.beta.cdf goes through it)"
binary("betainc", lambda xp, a, b, x: scipy_call("betainc", a, b, x),
       _no_closed_form("betainc(a, b, x)", "a", _USED_BY_BETA),
       _no_closed_form("betainc(a, b, x)", "b", _USED_BY_BETA),
       lambda ans, a, b, x: _beta_density(a, b, x), saves=("a", "b", "x"),
       doc="the regularized incomplete beta I_x(a, b)")


def t_density(df: Tensor, t: Tensor) -> Tensor:
    """Student's t density with df degrees of freedom."""
    return exp(gammaln((df + 1.0) * 0.5) - gammaln(df * 0.5) - log(df * math.pi) * 0.5
               - (df + 1.0) * 0.5 * log(t * t / df + 1.0))


binary("stdtr", lambda xp, df, t: scipy_call("stdtr", df, t),
       _no_closed_form("stdtr(df, t)", "df", " (scipy.stats.t.cdf goes through it)"),
       lambda ans, df, t: t_density(df, t), saves=("df", "t"), doc="Student's t cdf")


# -- error functions and the normal distribution ---------------------------------------------------

_special_unary("erfc", "erfc", lambda ans, x: exp(-(x * x)) * (-2 / SQRT_PI), saves=("x",),
               doc="1 - erf(x)")
_special_unary("erfcx", "erfcx", lambda ans, x: 2.0 * x * ans - 2 / SQRT_PI,
               saves=("ans", "x"), doc="exp(x^2) erfc(x)")
_special_unary("erfinv", "erfinv", lambda ans, x: exp(ans * ans) * (SQRT_PI / 2), saves=("ans",),
               doc="the inverse of erf")
_special_unary("ndtr", "ndtr", lambda ans, x: exp(x * x * -0.5) * (1 / SQRT_2PI), saves=("x",),
               doc="the standard normal cdf")
_special_unary("log_ndtr", "log_ndtr", lambda ans, x: exp(x * x * -0.5 - ans) * (1 / SQRT_2PI),
               saves=("ans", "x"), doc="log of the standard normal cdf, accurate far into the tails")
_special_unary("ndtri", "ndtri", lambda ans, x: exp(ans * ans * 0.5) * SQRT_2PI, saves=("ans",),
               doc="the inverse of ndtr")


# -- modified Bessel functions of the first kind ----------------------------------------------------

def _i1_partial(ans, x):
    # i1'(x) = i0(x) - i1(x)/x, and 1/2 at 0 (PyTorch's value there)
    nonzero, safe = _nonzero(x)
    return where(nonzero, i0(x) - ans / safe, constant(0.5, x))


def _i1e_partial(ans, x):
    # i1e'(x) = i0e(x) - i1e(x) (sign(x) + 1/x), and 1/2 at 0
    nonzero, safe = _nonzero(x)
    return where(nonzero, i0e(x) - ans * (_sign(x) + 1.0 / safe), constant(0.5, x))


def _sign(x: Tensor) -> Tensor:
    return apply(PRIMITIVES["sign"], x)


_special_unary("i0", "i0", lambda ans, x: i1(x), saves=("x",), doc="I0, the modified Bessel function of order 0")
_special_unary("i1", "i1", _i1_partial, saves=("ans", "x"), doc="I1, the modified Bessel function of order 1")
_special_unary("i0e", "i0e", lambda ans, x: i1e(x) - _sign(x) * ans, saves=("ans", "x"), doc="exp(-|x|) I0(x)")
_special_unary("i1e", "i1e", _i1e_partial, saves=("ans", "x"), doc="exp(-|x|) I1(x)")


# -- elementwise math: inverse hyperbolics, exp2, cbrt, sinc, hypot, logaddexp ----------------------

unary("asinh", lambda xp, x: xp.asinh(x), lambda ans, x: 1 / sqrt(x * x + 1.0), saves=("x",))
unary("acosh", lambda xp, x: xp.acosh(x), lambda ans, x: 1 / sqrt(x * x - 1.0), saves=("x",))
unary("atanh", lambda xp, x: xp.atanh(x), lambda ans, x: 1 / (1.0 - x * x), saves=("x",))
unary("exp2", lambda xp, x: np.exp2(x) if xp is np else xp.pow(xp.full_like(x, 2.0), x),
      lambda ans, x: ans * math.log(2), saves=("ans",))
unary("cbrt", lambda xp, x: xp.sign(x) * xp.pow(xp.abs(x), 1.0 / 3.0) if xp is not np else np.cbrt(x),
      lambda ans, x: 1 / (ans * ans * 3.0), saves=("ans",))


def _sinc_forward(xp, x):
    """sin(pi x) / (pi x), 1 at 0: NumPy's and PyTorch's normalized sinc."""
    zero = x == 0
    px = math.pi * xp.where(zero, xp.ones_like(x), x)
    return xp.where(zero, xp.ones_like(x), xp.sin(px) / px)


def _sinc_partial(ans, x):
    # (cos(pi x) pi x - sin(pi x)) / (pi x^2), and 0 at 0 (PyTorch's value)
    nonzero, safe = _nonzero(x)
    px = safe * math.pi
    return where(nonzero, (cos(px) * px - sin(px)) / (px * safe), constant(0.0, x))


unary("sinc", _sinc_forward, _sinc_partial, saves=("x",))
binary("hypot", lambda xp, x, y: xp.hypot(x, y), lambda ans, x, y: x / ans, lambda ans, x, y: y / ans,
       saves=("ans", "x for x", "y for y"))
binary("logaddexp", lambda xp, x, y: xp.logaddexp(x, y), lambda ans, x, y: exp(x - ans),
       lambda ans, x, y: exp(y - ans), saves=("ans", "x for x", "y for y"))

__all__ = ["SQRT_2PI", "betaln", "digamma", "erfcx", "gammaln", "i0", "i0e", "i1", "i1e",
           "polygamma", "scipy_call", "t_density"]
