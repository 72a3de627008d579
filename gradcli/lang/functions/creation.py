"""Creation: constants, ranges, and rand/randn seeded by --seed."""
from __future__ import annotations

import math

from ...core import backend
from ...core.tensor import (
    FLOATING,
    PRIMITIVES,
    Tensor,
    apply,
    astype,
    category,
    check_size,
)
from .base import Table, _fail, _int, _no_more, _shape, to_tensor
from .dtypes import resolve

TABLE = Table()
register = TABLE.register


def _creation(fill):
    def impl(ctx, *args, **kwargs):
        size = kwargs.pop("size", None)
        kwargs.pop("requires_grad", None)
        dtype = resolve(kwargs.pop("dtype", None))
        kwargs.pop("device", None)
        shape = _shape(args if size is None else (size,), fill.__name__)
        _no_more(fill.__name__, (), kwargs)
        if dtype is not None and fill in (rand, randn) and category(dtype) != FLOATING:
            _fail(f"{fill.__name__}: dtype must be a float dtype")
        return _made(ctx, fill(ctx, shape), dtype)
    return impl


def _made(ctx, array, dtype=None) -> Tensor:
    """A host array as a constant of `dtype` (default: the program's float dtype)."""
    return Tensor(backend.from_numpy(array, ctx.dtype if dtype is None else dtype))


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


register("zeros", _creation(zeros), ["out = zeros(2, 3) + sum(x)", "out = zeros((3,)) * x",
                                     "out = zeros(3, dtype=torch.float32) + x * s"],
         method=False, creates=True)
register("ones", _creation(ones), ["out = ones(3) * x", "out = ones([3, 3]) @ x",
                                   "out = x[ones(2, dtype=torch.long)] * 2"],
         method=False, creates=True)
register("rand", _creation(rand), ["out = rand(3) * x"], method=False, creates=True)
register("randn", _creation(randn), ["out = randn(3, 3) @ x"], method=False, creates=True)


def _like(value):
    def impl(ctx, x, **kwargs):
        """zeros_like(x) and friends: x's shape and, unless dtype= says otherwise, its dtype."""
        x = to_tensor(ctx, x)
        dtype = resolve(kwargs.pop("dtype", None))
        kwargs.pop("requires_grad", None)
        kwargs.pop("device", None)
        _no_more("like", (), kwargs)
        import numpy as np  # noqa: PLC0415
        return _made(ctx, np.full(x.shape, value), x.dtype if dtype is None else dtype)
    return impl


def _full_like(ctx, x, fill_value, **kwargs):
    if isinstance(fill_value, Tensor):
        _fail("full_like: the fill value must be a number")
    return _like(float(fill_value))(ctx, x, **kwargs)


register("full_like", _full_like, ["out = full_like(x, 2.5) * x"], creates=True)
register("zeros_like", _like(0.0), ["out = zeros_like(x) + x"], creates=True)
register("ones_like", _like(1.0), ["out = ones_like(x) * x"], creates=True)


def _full(ctx, size, fill_value, **kwargs):
    kwargs.pop("requires_grad", None)
    kwargs.pop("device", None)
    dtype = resolve(kwargs.pop("dtype", None))
    _no_more("full", (), kwargs)
    import numpy as np  # noqa: PLC0415
    if isinstance(fill_value, Tensor):
        _fail("full: the fill value must be a number")
    return _made(ctx, np.full(_shape((size,), "full"), float(fill_value)), dtype)


def _eye(ctx, n, m=None, **kwargs):
    kwargs.pop("requires_grad", None)
    kwargs.pop("device", None)
    dtype = resolve(kwargs.pop("dtype", None))
    _no_more("eye", (), kwargs, allowed=("M", "k"))
    m = kwargs.get("M", m)
    n = _int(n, "eye: n")
    m = n if m is None else _int(m, "eye: m")
    if n < 0 or m < 0:
        _fail(f"eye: sizes must not be negative, got ({n}, {m})", "shape")
    check_size((n, m), "eye")
    import numpy as np  # noqa: PLC0415
    return _made(ctx, np.eye(n, m, _int(kwargs.get("k", 0), "eye: k")), dtype)


def _arange(ctx, *args, **kwargs):
    import numpy as np  # noqa: PLC0415
    kwargs.pop("requires_grad", None)
    kwargs.pop("device", None)
    dtype = resolve(kwargs.pop("dtype", None))
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
    return _made(ctx, np.arange(start, end, step, dtype=np.float64), dtype)


def _linspace(ctx, start, end, steps=50, **kwargs):
    """linspace(start, end, steps): numbers, or tensors (zero-dimensional, as torch.linspace
    takes them) that the result depends on: start + i * (end - start) / (steps - 1)."""
    import numpy as np  # noqa: PLC0415
    kwargs.pop("requires_grad", None)
    kwargs.pop("device", None)
    dtype = resolve(kwargs.pop("dtype", None))
    steps = _int(kwargs.pop("num", steps), "linspace: steps")
    endpoint = kwargs.pop("endpoint", True)
    _no_more("linspace", (), kwargs)
    check_size((steps,), "linspace")
    if steps < 0:
        _fail("linspace: steps must not be negative")
    if not isinstance(start, Tensor) and not isinstance(end, Tensor):
        return _made(ctx, np.linspace(float(start), float(end), steps, endpoint=bool(endpoint)), dtype)
    return _linspace_of(ctx, to_tensor(ctx, start), to_tensor(ctx, end), steps, bool(endpoint), dtype)


def _linspace_of(ctx, start: Tensor, end: Tensor, steps: int, endpoint: bool, dtype) -> Tensor:
    """The tensor form, as PyTorch computes it: from the start for the first half, back from the
    end for the second, so that both ends are exact."""
    import numpy as np  # noqa: PLC0415
    for t, what in ((start, "start"), (end, "end")):
        if t.nd:
            _fail(f"linspace: {what} must be a number or a zero-dimensional tensor, got shape "
                  f"{t.shape}", "shape")
    intervals = steps - 1 if endpoint else steps
    i = np.arange(steps, dtype=np.float64)
    first = i < steps // 2 if endpoint else np.ones(steps, dtype=bool)
    step = (end - start) / _made(ctx, np.asarray(float(max(intervals, 1))))
    from_start = start + _made(ctx, i) * step
    from_end = end - _made(ctx, intervals - i) * step
    out = apply(PRIMITIVES["where"], Tensor(backend.from_numpy(first, backend.dtype_of("bool"))),
                from_start, from_end)
    return out if dtype is None else astype(out, dtype)


def _tensor(ctx, data, **kwargs):
    kwargs.pop("requires_grad", None)
    dtype = resolve(kwargs.pop("dtype", None))
    kwargs.pop("device", None)
    _no_more("tensor", (), kwargs)
    # torch.tensor(t) and torch.tensor([a, b]) copy values without history (a constant).
    value = apply(PRIMITIVES["detach"], _data(ctx, data))
    return value if dtype is None else astype(value, dtype)


def _data(ctx, data) -> Tensor:
    """A list of booleans is a boolean tensor (a mask), as in PyTorch and NumPy; numbers take
    the float dtype (ints included: the SPEC's rule)."""
    return bools(data) if all_bools(data) else to_tensor(ctx, data)


def bools(data) -> Tensor:
    import numpy as np  # noqa: PLC0415
    return Tensor(backend.from_numpy(np.array(data, dtype=bool), backend.dtype_of("bool")))


def all_bools(value) -> bool:
    stack, seen = [value], False
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, bool):
            seen = True
        else:
            return False
    return seen


def _array(ctx, data, **kwargs):
    """np.array / np.asarray / torch.as_tensor keep the gradient: [a, b] is stacked, as a list
    literal is (NumPy has no autograd of its own to follow; JAX's jnp.array is differentiable)."""
    dtype = resolve(kwargs.pop("dtype", None))
    kwargs.pop("device", None)
    kwargs.pop("copy", None)
    _no_more("array", (), kwargs)
    value = _data(ctx, data)
    return value if dtype is None else astype(value, dtype)


register("full", _full, ["out = full((3,), 2.5) * x"], method=False, creates=True)
register("eye", _eye, ["out = eye(3) @ x", "out = eye(3, 3) * M", "out = np.eye(3, k=1) @ x"],
         method=False, creates=True)
register("arange", _arange, ["out = arange(3) * x", "out = arange(1, 4) * x",
                             "out = arange(0, 3, 1) * x"], method=False, creates=True)
register("linspace", _linspace, ["out = linspace(0, 1, 3) * x", "out = linspace(s, 1.0, 3) * x",
                                 "out = torch.linspace(x[0], x[1] * 2, steps=4) * s",
                                 "out = np.linspace(s, x[2], 3, endpoint=False) + y"], method=False)
register("tensor", _tensor, ["out = tensor([1., 2., 3.]) * x", "out = tensor([[1, 2, 3]]) @ x",
                             "out = x[tensor([True, False, True])] * y[tensor([0, 2], dtype=torch.int64)]"],
         aliases=["FloatTensor", "DoubleTensor", "Tensor"], method=False, creates=True)
register("array", _array, ["out = array([x[0] * 2, x[1]]) * y[:2]", "out = asarray(x) * y"],
         aliases=["asarray", "as_tensor"], method=False)
