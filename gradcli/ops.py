"""THE op table: every primitive's forward, and its derivative, side by side.

Conventions (the spec for this table):
- `forward(xp, *arrays, **params)` computes on arrays of the namespace `xp`.
  Arrays may carry lead (batch) axes in front of the logical ones, so forwards
  address logical axes from the end; params that depend on logical rank
  (`nd`, negative `axes`) are filled in by the helper functions below.
- Elementwise ops give `partials`: one function per input, `(ans, *inputs) ->
  d ans / d input` as a Tensor, or a number (1 and -1 pass the gradient through),
  or None (no gradient). VJP (`g * partial`) and JVP (`sum(dot * partial)`)
  both follow from it; un-broadcasting happens once, in the engine.
- Other ops give `vjp(g, ans, *inputs, **params) -> one entry per input` and
  `jvp(dots, ans, *inputs, **params) -> tangent`, where `dots` holds a tangent
  or None (zero) per input.
- Rules are written with Tensors and these primitives only, so a backward pass
  can itself be differentiated (Hessians).
- Kinks follow PyTorch: relu'(0) = 0, abs'(0) = 0, max/min share ties evenly.
- `temporary(t)` marks a tensor a rule made and reads once: in a first-order pass the
  next op may write into its memory (`1 - temporary(ans * ans)`: one array, not two).
"""
from __future__ import annotations

import math

from .tensor import PRIMITIVES, Op, Tensor, apply, check_size, constant, mask, temporary


def defop(name, forward, **rules) -> Op:
    op = Op(name, forward, **rules)
    PRIMITIVES[name] = op
    return op


def _call(name):
    def call(*args, **params):
        return apply(PRIMITIVES[name], *args, **params)
    call.__name__ = name
    return call


# ------------------------------------------------------------------------------------------
# Elementwise, one input. partial: d ans / d x.
# ------------------------------------------------------------------------------------------

def unary(name, forward, partial=None, *, backward_name=None, doc=""):
    """An elementwise op of one input; partial=None means a zero gradient (floor, sign...)."""
    if partial is None:
        return defop(name, forward, elementwise=True, differentiable=False, doc=doc)
    return defop(name, forward, partials=(partial,), backward_name=backward_name, doc=doc)


neg = _call("neg")
exp = _call("exp")
log = _call("log")
sqrt = _call("sqrt")
sin = _call("sin")
cos = _call("cos")
sinh = _call("sinh")
cosh = _call("cosh")
sign = _call("sign")
sigmoid = _call("sigmoid")


def _sigmoid(xp, x):
    # exp of -|x| never overflows; both branches are exact where they are chosen.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


unary("neg", lambda xp, x: -x, lambda ans, x: -1)
unary("exp", lambda xp, x: xp.exp(x), lambda ans, x: ans)
unary("expm1", lambda xp, x: xp.expm1(x), lambda ans, x: ans + 1)
unary("log", lambda xp, x: xp.log(x), lambda ans, x: 1 / x)
unary("log1p", lambda xp, x: xp.log1p(x), lambda ans, x: 1 / (x + 1))
unary("log2", lambda xp, x: xp.log2(x), lambda ans, x: 1 / (x * math.log(2)))
unary("log10", lambda xp, x: xp.log10(x), lambda ans, x: 1 / (x * math.log(10)))
unary("sqrt", lambda xp, x: xp.sqrt(x), lambda ans, x: 0.5 / ans)
unary("sin", lambda xp, x: xp.sin(x), lambda ans, x: cos(x))
unary("cos", lambda xp, x: xp.cos(x), lambda ans, x: -sin(x))
unary("tan", lambda xp, x: xp.tan(x), lambda ans, x: temporary(ans * ans) + 1)
unary("asin", lambda xp, x: xp.asin(x), lambda ans, x: 1 / sqrt(1 - x * x))
unary("acos", lambda xp, x: xp.acos(x), lambda ans, x: -1 / sqrt(1 - x * x))
unary("atan", lambda xp, x: xp.atan(x), lambda ans, x: 1 / temporary(temporary(x * x) + 1))
unary("sinh", lambda xp, x: xp.sinh(x), lambda ans, x: cosh(x))
unary("cosh", lambda xp, x: xp.cosh(x), lambda ans, x: sinh(x))
unary("tanh", lambda xp, x: xp.tanh(x), lambda ans, x: 1 - temporary(ans * ans))
unary("abs", lambda xp, x: xp.abs(x), lambda ans, x: sign(x))  # sign(0) = 0: abs'(0) = 0


def selecting(name, forward, *partials, ties=False, doc=""):
    """An elementwise op whose partials are masks (relu, clamp, maximum, minimum).

    The gradient is selected where the mask is nonzero, not multiplied by it: an infinite or NaN
    gradient where an input lost gives 0 there, as PyTorch's masked backward does
    (sqrt(x.clamp(min=0)) at x < 0). ties: the mask may hold 1/2, which scales what passes.
    """
    def select(g, p):
        zero = constant(0.0, g)
        return where(p, g * p if ties else g, zero)

    def vjp(g, ans, *xs):
        return tuple(select(g, p(ans, *xs)) if x.requires_grad and p is not None else None
                     for p, x in zip(partials, xs))

    def jvp(dots, ans, *xs):
        terms = [select(d, p(ans, *xs)) for p, d in zip(partials, dots) if d is not None and p is not None]
        return None if not terms else terms[0] if len(terms) == 1 else sum(terms[1:], terms[0])
    return defop(name, forward, vjp=vjp, jvp=jvp, elementwise=True, doc=doc)


selecting("relu", lambda xp, x: xp.where(x > 0, x, xp.zeros_like(x)),
          lambda ans, x: mask(x, lambda d: d > 0))  # relu'(0) = 0
unary("sigmoid", _sigmoid, lambda ans, x: ans * temporary(1 - ans))
unary("softplus", lambda xp, x: xp.logaddexp(xp.zeros_like(x), x), lambda ans, x: sigmoid(x))
unary("erf", lambda xp, x: _erf(x),
      lambda ans, x: exp(-(x * x)) * (2 / math.sqrt(math.pi)))
unary("sign", lambda xp, x: xp.sign(x))
unary("floor", lambda xp, x: xp.floor(x))
unary("ceil", lambda xp, x: xp.ceil(x))
unary("round", lambda xp, x: xp.round(x))


def _erf(x):
    from . import backend  # noqa: PLC0415 - the Array API has no erf; the backend finds one
    return backend.erf(x)


# ------------------------------------------------------------------------------------------
# Elementwise, several inputs (broadcasting). One partial per input.
# ------------------------------------------------------------------------------------------

def binary(name, forward, *partials, differentiable=True, backward_name=None, doc=""):
    if not differentiable:
        return defop(name, forward, elementwise=True, differentiable=False, doc=doc)
    return defop(name, forward, partials=partials, backward_name=backward_name, doc=doc)


gt = _call("gt")
eq = _call("eq")
lt = _call("lt")
ge = _call("ge")
le = _call("le")
where = _call("where")


def _pow_dx(ans, x, y):
    if y.number is not None:
        c = y.number  # a constant exponent: the common x**2 gets its cheap derivative
        if c == 0:
            return None
        if c == 1:
            return 1
        if c == 2:
            return x * 2.0
        return temporary(x ** (c - 1)) * c
    # d/dx x**y = y * x**(y-1), zero where y == 0 (PyTorch's convention)
    return where(eq(y, constant(0.0, y)), constant(0.0, y), y * x ** (y - 1))


def _pow_dy(ans, x, y):
    # d/dy x**y = x**y * log(x), zero where x == 0 and y >= 0 (PyTorch's convention)
    zero = constant(0.0, x)
    at_zero = eq(x, zero) * ge(y, zero)
    safe_x = where(at_zero, constant(1.0, x), x)
    return where(at_zero, zero, ans * log(safe_x))


def _tie(a, b):
    """d max(a, b) / d a: 1 where a wins, 1/2 at a tie (PyTorch's convention)."""
    return gt(a, b) + eq(a, b) * 0.5


binary("add", lambda xp, x, y: x + y, lambda ans, x, y: 1, lambda ans, x, y: 1)
binary("sub", lambda xp, x, y: x - y, lambda ans, x, y: 1, lambda ans, x, y: -1)
binary("mul", lambda xp, x, y: x * y, lambda ans, x, y: y, lambda ans, x, y: x)
binary("div", lambda xp, x, y: x / y, lambda ans, x, y: 1 / y, lambda ans, x, y: temporary(-ans) / y)
binary("pow", lambda xp, x, y: x ** y, _pow_dx, _pow_dy)
selecting("maximum", lambda xp, x, y: xp.maximum(x, y), lambda ans, x, y: _tie(x, y),
          lambda ans, x, y: _tie(y, x), ties=True)
selecting("minimum", lambda xp, x, y: xp.minimum(x, y), lambda ans, x, y: _tie(y, x),
          lambda ans, x, y: _tie(x, y), ties=True)
def _over_r2(num, y, x):
    """num / (x^2 + y^2), and 0 at the origin: atan2's gradient there, as PyTorch gives it."""
    r2 = x * x + y * y
    origin = eq(r2, constant(0.0, r2))
    return where(origin, constant(0.0, r2), num / where(origin, constant(1.0, r2), r2))


binary("atan2", lambda xp, y, x: xp.atan2(y, x), lambda ans, y, x: _over_r2(x, y, x),
       lambda ans, y, x: _over_r2(-y, y, x))
for _name, _fn in [("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                   ("ge", "greater_equal"), ("eq", "equal"), ("ne", "not_equal")]:
    binary(_name, lambda xp, x, y, _fn=_fn: xp.astype(getattr(xp, _fn)(x, y), x.dtype),
           differentiable=False, doc="a 0/1 mask: no gradient")

selecting("where", lambda xp, c, x, y: xp.where(c != 0, x, y),
          None,  # the condition is a mask: no gradient
          lambda ans, c, x, y: ne(c, constant(0.0, c)),
          lambda ans, c, x, y: eq(c, constant(0.0, c)))
selecting("clamp", lambda xp, x, lo, hi: xp.minimum(xp.maximum(x, lo), hi),
          lambda ans, x, lo, hi: ge(x, lo) * le(x, hi),  # inclusive at the bounds, as PyTorch
          lambda ans, x, lo, hi: lt(x, lo),
          lambda ans, x, lo, hi: gt(x, hi) * ge(hi, lo))
ne = _call("ne")


# ------------------------------------------------------------------------------------------
# Shape ops. `nd` is the logical rank of the input; lead axes pass through untouched.
# ------------------------------------------------------------------------------------------

def reshape(x: Tensor, shape: tuple) -> Tensor:
    shape = tuple(int(d) for d in shape)
    if shape == x.shape:
        return x
    return apply(PRIMITIVES["reshape"], x, shape=shape, nd=x.nd)


def broadcast_to(x: Tensor, shape: tuple) -> Tensor:
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return apply(PRIMITIVES["broadcast_to"], x, shape=shape, nd=x.nd)


def sum_to(x: Tensor, shape: tuple) -> Tensor:
    """Sum a gradient down to the shape it was broadcast from (right-aligned)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return apply(PRIMITIVES["sum_to"], x, shape=shape, nd=x.nd)


def permute(x: Tensor, perm: tuple) -> Tensor:
    return apply(PRIMITIVES["permute"], x, perm=tuple(perm))


def _lead_shape(a, nd):
    return tuple(a.shape[:a.ndim - nd])


def _broadcast_forward(xp, a, *, shape, nd):
    lead = _lead_shape(a, nd)
    a = xp.reshape(a, lead + (1,) * (len(shape) - nd) + tuple(a.shape[len(lead):]))
    return xp.broadcast_to(a, lead + shape)


def _sum_to_forward(xp, a, *, shape, nd):
    lead = _lead_shape(a, nd)
    logical = a.shape[len(lead):]
    extra = nd - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, d in enumerate(shape)
                                       if d == 1 and logical[extra + i] != 1)
    if axes:
        a = xp.sum(a, axis=tuple(len(lead) + i for i in axes), keepdims=True)
    return xp.reshape(a, lead + shape)


def _permute_forward(xp, a, *, perm):
    lead = a.ndim - len(perm)
    return xp.permute_dims(a, tuple(range(lead)) + tuple(lead + p for p in perm))


def _inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


defop("reshape", lambda xp, a, *, shape, nd: xp.reshape(a, _lead_shape(a, nd) + shape),
      vjp=lambda g, ans, x, **p: (reshape(g, x.shape),),
      jvp=lambda dots, ans, x, *, shape, nd: reshape(dots[0], shape),
      backward_name="ViewBackward0")
defop("broadcast_to", _broadcast_forward,
      vjp=lambda g, ans, x, **p: (sum_to(g, x.shape),),
      jvp=lambda dots, ans, x, *, shape, nd: broadcast_to(dots[0], shape),
      backward_name="ExpandBackward0")
defop("sum_to", _sum_to_forward,
      vjp=lambda g, ans, x, **p: (broadcast_to(g, x.shape),),
      jvp=lambda dots, ans, x, *, shape, nd: sum_to(dots[0], shape),
      backward_name="SumToBackward0")
defop("permute", _permute_forward,
      vjp=lambda g, ans, x, *, perm: (permute(g, _inverse(perm)),),
      jvp=lambda dots, ans, x, *, perm: permute(dots[0], perm),
      backward_name="PermuteBackward0")


# -- indexing ------------------------------------------------------------------------------

def index(x: Tensor, idx: tuple) -> Tensor:
    return apply(PRIMITIVES["index"], x, idx=idx, nd=x.nd)


def scatter(g: Tensor, idx: tuple, shape: tuple) -> Tensor:
    """Zeros of `shape` with g written at idx: the transpose of indexing."""
    return apply(PRIMITIVES["scatter"], g, idx=idx, shape=tuple(shape), nd=g.nd)


def index_put(x: Tensor, v: Tensor, idx: tuple) -> Tensor:
    """x with x[idx] = v, as a new tensor (PyTorch's CopySlices)."""
    return apply(PRIMITIVES["index_put"], x, v, idx=idx, nd=x.nd, nd_v=v.nd)


def _key(lead: int, idx: tuple) -> tuple:
    """The full index of a batched array: lead axes whole, then idx, then a trailing `...`.

    The Array API (CuPy too, strictly) wants every axis accounted for; NumPy adds the `...`.
    """
    tail = () if any(i is Ellipsis for i in idx) else (Ellipsis,)
    return (slice(None),) * lead + idx + tail


def _scatter_forward(xp, a, *, idx, shape, nd):
    lead = _lead_shape(a, nd)
    out = xp.zeros(lead + shape, dtype=a.dtype)
    out[_key(len(lead), idx)] = a
    return out


def _index_put_forward(xp, a, v, *, idx, nd, nd_v):
    lead_a, lead_v = a.ndim - nd, v.ndim - nd_v
    if lead_v > lead_a:  # a batched value written into an unbatched tensor
        a = xp.broadcast_to(a, tuple(v.shape[:lead_v]) + tuple(a.shape))
    out = xp.asarray(a, copy=True)
    where_ = _key(out.ndim - nd, idx)
    region = out[where_]
    if lead_v:  # line the value's lead axes up with the region's
        rank = region.ndim - (out.ndim - nd)
        if nd_v < rank:
            v = xp.reshape(v, tuple(v.shape[:lead_v]) + (1,) * (rank - nd_v) + tuple(v.shape[lead_v:]))
        if lead_v < out.ndim - nd:
            v = xp.reshape(v, (1,) * (out.ndim - nd - lead_v) + tuple(v.shape))
    out[where_] = v
    return out


defop("index", lambda xp, a, *, idx, nd: a[_key(a.ndim - nd, idx)],
      vjp=lambda g, ans, x, *, idx, nd: (scatter(g, idx, x.shape),),
      jvp=lambda dots, ans, x, *, idx, nd: index(dots[0], idx),
      backward_name="SelectBackward0")
defop("scatter", _scatter_forward,
      vjp=lambda g, ans, x, *, idx, shape, nd: (index(g, idx),),
      jvp=lambda dots, ans, x, *, idx, shape, nd: scatter(dots[0], idx, shape),
      backward_name="IndexBackward0")
defop("index_put", _index_put_forward,
      vjp=lambda g, ans, x, v, *, idx, nd, nd_v: (index_put(g, constant(0.0, g), idx), index(g, idx)),
      jvp=lambda dots, ans, x, v, *, idx, nd, nd_v: index_put(
          dots[0] if dots[0] is not None else zeros_like(x),
          dots[1] if dots[1] is not None else constant(0.0, v), idx),
      backward_name="CopySlices")


def zeros_like(x: Tensor) -> Tensor:
    from . import backend  # noqa: PLC0415
    return Tensor(backend.xp.zeros(x.shape, dtype=x.dtype), x.nd)


# -- joining -------------------------------------------------------------------------------

def _common_lead(xp, arrays, nds):
    """Broadcast every array to the longest lead so that concat sees one batch shape."""
    leads = [a.ndim - nd for a, nd in zip(arrays, nds)]
    big = max(range(len(arrays)), key=lambda i: leads[i])
    lead_shape = tuple(arrays[big].shape[:leads[big]])
    return [a if lead == len(lead_shape) else xp.broadcast_to(a, lead_shape + tuple(a.shape[lead:]))
            for a, lead in zip(arrays, leads)]


def cat(tensors, axis: int) -> Tensor:
    """Join along an existing axis (negative, counted from the end)."""
    return apply(PRIMITIVES["cat"], *tensors, axis=axis, nds=tuple(t.nd for t in tensors))


def stack(tensors, axis: int) -> Tensor:
    """Join along a new axis (negative, counted from the end of the result)."""
    return apply(PRIMITIVES["stack"], *tensors, axis=axis, nds=tuple(t.nd for t in tensors))


def _cat_vjp(g, ans, *xs, axis, nds):
    grads, start = [], 0
    pos = g.nd + axis
    for x in xs:
        n = x.shape[axis]
        grads.append(index(g, (slice(None),) * pos + (slice(start, start + n),)))
        start += n
    return tuple(grads)


def _stack_vjp(g, ans, *xs, axis, nds):
    pos = g.nd + axis
    return tuple(index(g, (slice(None),) * pos + (i,)) for i in range(len(xs)))


def _dense(dots, xs):
    return [d if d is not None else zeros_like(x) for d, x in zip(dots, xs)]


defop("cat", lambda xp, *arrays, axis, nds: xp.concat(_common_lead(xp, arrays, nds), axis=axis),
      vjp=_cat_vjp, jvp=lambda dots, ans, *xs, axis, nds: cat(_dense(dots, xs), axis),
      backward_name="CatBackward0")
defop("stack", lambda xp, *arrays, axis, nds: xp.stack(_common_lead(xp, arrays, nds), axis=axis),
      vjp=_stack_vjp, jvp=lambda dots, ans, *xs, axis, nds: stack(_dense(dots, xs), axis),
      backward_name="StackBackward0")


# ------------------------------------------------------------------------------------------
# Reductions. `axes` is a tuple of negative logical axes; `keepdims` as in NumPy.
# ------------------------------------------------------------------------------------------

def _kept(t: Tensor, x: Tensor, axes, keepdims) -> Tensor:
    """A reduced tensor with its reduced axes put back as 1s, then broadcast to x's shape."""
    if not keepdims:
        shape = list(x.shape)
        for a in axes:
            shape[a] = 1
        t = reshape(t, tuple(shape))
    return broadcast_to(t, x.shape)


def _count(x: Tensor, axes) -> int:
    n = 1
    for a in axes:
        n *= x.shape[a]
    return n


def reduce(name: str, x: Tensor, axes: tuple, keepdims: bool) -> Tensor:
    return apply(PRIMITIVES[name], x, axes=tuple(axes), keepdims=bool(keepdims))


def _extremum_mask(ans, x, axes, keepdims):
    """Where x attains its max/min, normalized so that ties share the gradient evenly."""
    hit = eq(x, _kept(ans, x, axes, keepdims))
    return hit / _kept(reduce("sum", hit, axes, True), x, axes, True)


def _prod_others(ans, x, axes, keepdims):
    """d prod / d x_i = product of the other elements, exact also where x has zeros."""
    zero, one, two = constant(0.0, x), constant(1.0, x), constant(2.0, x)
    is_zero = eq(x, zero)
    nonzero_x = where(is_zero, one, x)
    prod_nonzero = _kept(reduce("prod", nonzero_x, axes, True), x, axes, True)
    zeros = _kept(reduce("sum", is_zero, axes, True), x, axes, True)
    # The sum of the slice's zeros is 0, but its derivative is 1 at each zero: written with it,
    # the product of the zeros keeps its own derivative, so the Hessian is exact there too.
    zero_sum = _kept(reduce("sum", where(is_zero, x, zero), axes, True), x, axes, True)
    # x_i nonzero: prod_nonzero / x_i times the zeros' product (1 with none, x_k with one, else 0)
    at_nonzero = prod_nonzero / nonzero_x * where(eq(zeros, zero), one,
                                                  where(eq(zeros, one), zero_sum, zero))
    # x_i a zero: prod_nonzero times the other zeros' product (1, x_l with one other, else 0)
    at_zero = prod_nonzero * where(eq(zeros, one), one, where(eq(zeros, two), zero_sum - x, zero))
    return where(is_zero, at_zero, at_nonzero)


def _safe_div(a, b):
    zero = constant(0.0, b)
    nonzero = ne(b, zero)
    return where(nonzero, a / where(nonzero, b, constant(1.0, b)), zero)


def _logsumexp(xp, x, *, axes, keepdims):
    m = xp.max(x, axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    out = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axes)


def reduction(name, forward, weight, *, backward_name=None):
    """A reduction whose derivative is a weighted sum: d ans = sum(weight * d x) over the axes.

    weight(ans, x, axes, keepdims) is a Tensor the shape of x.
    """
    def vjp(g, ans, x, *, axes, keepdims):
        return (_kept(g, x, axes, keepdims) * weight(ans, x, axes, keepdims),)

    def jvp(dots, ans, x, *, axes, keepdims):
        return reduce("sum", dots[0] * weight(ans, x, axes, keepdims), axes, keepdims)

    return defop(name, forward, vjp=vjp, jvp=jvp, backward_name=backward_name)


def _sum_vjp(g, ans, x, *, axes, keepdims):
    return (_kept(g, x, axes, keepdims),)


defop("sum", lambda xp, x, *, axes, keepdims: xp.sum(x, axis=axes, keepdims=keepdims),
      vjp=_sum_vjp, jvp=lambda dots, ans, x, **p: reduce("sum", dots[0], **p))
defop("mean", lambda xp, x, *, axes, keepdims: xp.mean(x, axis=axes, keepdims=keepdims),
      vjp=lambda g, ans, x, *, axes, keepdims: (_kept(g * (1.0 / _count(x, axes)), x, axes, keepdims),),
      jvp=lambda dots, ans, x, **p: reduce("mean", dots[0], **p))
reduction("prod", lambda xp, x, *, axes, keepdims: xp.prod(x, axis=axes, keepdims=keepdims),
          _prod_others)
reduction("amax", lambda xp, x, *, axes, keepdims: xp.max(x, axis=axes, keepdims=keepdims),
          _extremum_mask)
reduction("amin", lambda xp, x, *, axes, keepdims: xp.min(x, axis=axes, keepdims=keepdims),
          _extremum_mask)
reduction("norm", lambda xp, x, *, axes, keepdims: xp.sqrt(xp.sum(x * x, axis=axes, keepdims=keepdims)),
          lambda ans, x, axes, keepdims: _safe_div(x, _kept(ans, x, axes, keepdims)),
          backward_name="NormBackward1")  # d|x| = x/|x|, and 0 at x = 0 as in PyTorch
reduction("logsumexp", _logsumexp,
          lambda ans, x, axes, keepdims: exp(x - _kept(ans, x, axes, keepdims)))


# -- softmax along one axis ----------------------------------------------------------------

def _softmax(xp, x, *, axis):
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(g, ans, x, *, axis):
    return (ans * (g - reduce("sum", g * ans, (axis,), True)),)


def _log_softmax_vjp(g, ans, x, *, axis):
    return (g - exp(ans) * reduce("sum", g, (axis,), True),)


defop("softmax", _softmax, vjp=_softmax_vjp,
      jvp=lambda dots, ans, x, *, axis: _softmax_vjp(dots[0], ans, x, axis=axis)[0])
defop("log_softmax", lambda xp, x, *, axis: x - _logsumexp(xp, x, axes=(axis,), keepdims=True),
      vjp=_log_softmax_vjp,
      jvp=lambda dots, ans, x, *, axis: dots[0] - reduce("sum", exp(ans) * dots[0], (axis,), True),
      backward_name="LogSoftmaxBackward0")


# ------------------------------------------------------------------------------------------
# Matrix product, with NumPy/PyTorch's rules for 1-D operands and batched stacks.
# ------------------------------------------------------------------------------------------

def matmul(a: Tensor, b: Tensor) -> Tensor:
    if a.nd == 0 or b.nd == 0:
        raise _shape_error("matmul: both arguments need at least one dimension, got "
                           f"shapes {a.shape} and {b.shape}")
    inner_b = b.shape[-2] if b.nd > 1 else b.shape[-1]
    if a.shape[-1] != inner_b:
        raise _shape_error(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                           f"({a.shape[-1]} != {inner_b})")
    rows = a.shape[-2] if a.nd > 1 else 1
    cols = b.shape[-1] if b.nd > 1 else 1
    check_size((rows, cols), "matmul")
    return apply(PRIMITIVES["matmul"], a, b, nda=a.nd, ndb=b.nd)


def _shape_error(message):
    from .errors import GradcliError  # noqa: PLC0415
    return GradcliError(message, kind="shape")


def _insert_ones(xp, a, lead, count):
    return xp.reshape(a, tuple(a.shape[:lead]) + (1,) * count + tuple(a.shape[lead:]))


def _swap_last(xp, a):
    return xp.permute_dims(a, tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2))


def _one_product(xp, a, b):
    """a @ b, as ONE matrix product when a stack of matrices meets a single matrix.

    NumPy multiplies a stack item by item: a batch of B seeds through an n x n matrix
    would be B matrix-vector products, each reading the whole matrix. Laid side by side,
    the stack's rows make one (B*m, n) x (n, p) product that BLAS runs at full speed.
    """
    if a.ndim > 2 and b.ndim == 2:  # (..., m, n) @ (n, p): the rows of every item, together
        out = xp.matmul(xp.reshape(a, (-1, a.shape[-1])), b)
        return xp.reshape(out, tuple(a.shape[:-1]) + (b.shape[-1],))
    if a.ndim == 2 and b.ndim > 2:  # (m, n) @ (..., n, p): a @ b_i = (b_i^T a^T)^T
        rows = xp.reshape(_swap_last(xp, b), (-1, b.shape[-2]))  # (... * p, n)
        out = xp.matmul(rows, _swap_last(xp, a))  # (... * p, m)
        return _swap_last(xp, xp.reshape(out, tuple(b.shape[:-2]) + (b.shape[-1], a.shape[-2])))
    return xp.matmul(a, b)


def _matmul_forward(xp, a, b, *, nda, ndb):
    if nda == 1:
        a = xp.expand_dims(a, axis=-2)
    if ndb == 1:
        b = xp.expand_dims(b, axis=-1)
    na, nb = max(nda, 2), max(ndb, 2)
    lead_a, lead_b = a.ndim - na, b.ndim - nb
    if lead_a and na < nb:  # keep stacked matrix axes apart from lead axes
        a = _insert_ones(xp, a, lead_a, nb - na)
    if lead_b and nb < na:
        b = _insert_ones(xp, b, lead_b, na - nb)
    out = _one_product(xp, a, b)
    if ndb == 1:
        out = xp.squeeze(out, axis=-1)
    if nda == 1:
        out = xp.squeeze(out, axis=-1 if ndb == 1 else -2)
    return out


def mT(x: Tensor) -> Tensor:
    """Swap the last two axes."""
    perm = list(range(x.nd))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return permute(x, perm)


def _unsqueeze(x: Tensor, axis: int) -> Tensor:
    shape = list(x.shape)
    shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
    return reshape(x, tuple(shape))


def _matmul_vjp(g, ans, a, b, *, nda, ndb):
    a2 = a if nda > 1 else _unsqueeze(a, -2)
    b2 = b if ndb > 1 else _unsqueeze(b, -1)
    if ndb == 1:
        g = _unsqueeze(g, -1)
    if nda == 1:
        g = _unsqueeze(g, -2)
    ga = gb = None
    if a.requires_grad:
        ga = matmul(g, mT(b2))
        ga = reshape(ga, ga.shape[:-2] + a.shape[-1:]) if nda == 1 else ga
    if b.requires_grad:
        gb = matmul(mT(a2), g)
        gb = reshape(gb, gb.shape[:-1]) if ndb == 1 else gb
    return ga, gb


def _matmul_jvp(dots, ans, a, b, *, nda, ndb):
    terms = []
    if dots[0] is not None:
        terms.append(matmul(dots[0], b))
    if dots[1] is not None:
        terms.append(matmul(a, dots[1]))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


defop("matmul", _matmul_forward, vjp=_matmul_vjp, jvp=_matmul_jvp, backward_name="MmBackward0")


# ------------------------------------------------------------------------------------------
# Value passes, gradient stops.
# ------------------------------------------------------------------------------------------

defop("detach", lambda xp, x: x, differentiable=False)
