"""Creation: constants, ranges, and rand/randn seeded by --seed."""
from __future__ import annotations

import math

from ...core.tensor import PRIMITIVES, Tensor, apply, check_size
from .base import Table, _eye_np, _fail, _int, _new, _no_more, _shape, to_tensor

TABLE = Table()
register = TABLE.register


def _creation(fill):
    def impl(ctx, *args, **kwargs):
        size = kwargs.pop("size", None)
        kwargs.pop("requires_grad", None)
        kwargs.pop("dtype", None)
        kwargs.pop("device", None)
        shape = _shape(args if size is None else (size,), fill.__name__)
        _no_more(fill.__name__, (), kwargs)
        return _new(ctx, fill(ctx, shape))
    return impl


def zeros(ctx, shape):
    import numpy as np  # noqa: PLC0415
    return np.zeros(shape)


def ones(ctx, shape):
    import numpy as np  # noqa: PLC0415
    return np.ones(shape)


def rand(ctx, shape):
    return ctx.rng.random(shape)


def randn(ctx, shape):
    return ctx.rng.standard_normal(shape)


register("zeros", _creation(zeros), ["out = zeros(2, 3) + sum(x)", "out = zeros((3,)) * x"],
         method=False, creates=True)
register("ones", _creation(ones), ["out = ones(3) * x", "out = ones([3, 3]) @ x"],
         method=False, creates=True)
register("rand", _creation(rand), ["out = rand(3) * x"], method=False, creates=True)
register("randn", _creation(randn), ["out = randn(3, 3) @ x"], method=False, creates=True)


def _like(value):
    def impl(ctx, x, **kwargs):
        x = to_tensor(ctx, x)
        import numpy as np  # noqa: PLC0415
        return _new(ctx, np.full(x.shape, value))
    return impl


def _full_like(ctx, x, fill_value, **kwargs):
    kwargs.pop("dtype", None)
    kwargs.pop("requires_grad", None)
    _no_more("full_like", (), kwargs)
    if isinstance(fill_value, Tensor):
        _fail("full_like: the fill value must be a number")
    return _like(float(fill_value))(ctx, x)


register("full_like", _full_like, ["out = full_like(x, 2.5) * x"], creates=True)
register("zeros_like", _like(0.0), ["out = zeros_like(x) + x"], creates=True)
register("ones_like", _like(1.0), ["out = ones_like(x) * x"], creates=True)


def _full(ctx, size, fill_value, **kwargs):
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    import numpy as np  # noqa: PLC0415
    if isinstance(fill_value, Tensor):
        _fail("full: the fill value must be a number")
    return _new(ctx, np.full(_shape((size,), "full"), float(fill_value)))


def _eye(ctx, n, m=None, **kwargs):
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    n = _int(n, "eye: n")
    m = n if m is None else _int(m, "eye: m")
    if n < 0 or m < 0:
        _fail(f"eye: sizes must not be negative, got ({n}, {m})", "shape")
    check_size((n, m), "eye")
    return _new(ctx, _eye_np(n, m))


def _arange(ctx, *args, **kwargs):
    import numpy as np  # noqa: PLC0415
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    start, end, step = 0.0, None, kwargs.pop("step", 1.0)
    if "end" in kwargs or "stop" in kwargs:
        end = kwargs.pop("end", kwargs.pop("stop", None))
        start = kwargs.pop("start", args[0] if args else 0.0)
    elif len(args) == 1:
        end = args[0]
    elif len(args) >= 2:
        start, end = args[0], args[1]
        if len(args) > 2:
            step = args[2]
    if end is None or any(not isinstance(v, (int, float)) for v in (start, end, step)):
        _fail("arange needs numbers: arange(end) or arange(start, end, step)")
    if step == 0:
        _fail("arange: step must not be zero")
    count = max(0, math.ceil((end - start) / step)) if math.isfinite((end - start) / step) else -1
    if count < 0:
        _fail("arange: the range must be finite", "limit")
    check_size((count,), "arange")
    return _new(ctx, np.arange(start, end, step, dtype=np.float64))


def _linspace(ctx, start, end, steps=50, **kwargs):
    import numpy as np  # noqa: PLC0415
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    steps = _int(kwargs.pop("num", steps), "linspace: steps")
    check_size((steps,), "linspace")
    if steps < 0:
        _fail("linspace: steps must not be negative")
    return _new(ctx, np.linspace(float(start), float(end), steps))


def _tensor(ctx, data, **kwargs):
    kwargs.pop("requires_grad", None)
    kwargs.pop("dtype", None)
    kwargs.pop("device", None)
    _no_more("tensor", (), kwargs)
    # torch.tensor(t) and torch.tensor([a, b]) copy values without history (a constant).
    return apply(PRIMITIVES["detach"], to_tensor(ctx, data))


def _array(ctx, data, **kwargs):
    """np.array / np.asarray / torch.as_tensor keep the gradient: [a, b] is stacked, as a list
    literal is (NumPy has no autograd of its own to follow; JAX's jnp.array is differentiable)."""
    kwargs.pop("dtype", None)
    kwargs.pop("device", None)
    kwargs.pop("copy", None)
    _no_more("array", (), kwargs)
    return to_tensor(ctx, data)


register("full", _full, ["out = full((3,), 2.5) * x"], method=False, creates=True)
register("eye", _eye, ["out = eye(3) @ x", "out = eye(3, 3) * M"], method=False, creates=True)
register("arange", _arange, ["out = arange(3) * x", "out = arange(1, 4) * x",
                             "out = arange(0, 3, 1) * x"], method=False, creates=True)
register("linspace", _linspace, ["out = linspace(0, 1, 3) * x"], method=False, creates=True)
register("tensor", _tensor, ["out = tensor([1., 2., 3.]) * x", "out = tensor([[1, 2, 3]]) @ x"],
         aliases=["FloatTensor", "DoubleTensor", "Tensor"], method=False, creates=True)
register("array", _array, ["out = array([x[0] * 2, x[1]]) * y[:2]", "out = asarray(x) * y"],
         aliases=["asarray", "as_tensor"], method=False)
