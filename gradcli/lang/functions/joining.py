"""Joining and cutting: hstack, vstack, column_stack, dstack, append; split and its kin; pad.

Cutting returns a tuple of tensors, as PyTorch and NumPy do: `a, b = torch.split(x, 2)` and
`torch.split(x, 2)[0]` both work. The libraries disagree on what a number means here, and each
name follows the library it is called through:
- torch.split(x, 2) cuts pieces of size 2; np.split(x, 2) cuts 2 equal pieces;
- a list is the pieces' sizes in torch.split, the cut positions in np.split, np.array_split,
  torch.tensor_split and the h/v/dsplit of both;
- torch.chunk(x, n) makes pieces of ceil(size / n): 6 rows in 4 chunks are 3 chunks of 2.
"""
from __future__ import annotations

import itertools
import math

from ...core import ops
from ...core.tensor import Tensor, astype, check_size
from .arguments import dim_of, int_list, whole_int
from .base import Table, _fail, _no_more, to_tensor
from .shapes import at_least

TABLE = Table()
register = TABLE.register


# -- joining ------------------------------------------------------------------------------------------

def _tensors(ctx, tensors, name) -> list[Tensor]:
    if not isinstance(tensors, (list, tuple)) or not tensors:
        _fail(f"{name} needs a list of tensors, like {name}([a, b])")
    return [to_tensor(ctx, t) for t in tensors]


def _join(items, axis: int, name: str) -> Tensor:
    """cat along a non-negative axis, with a message that names the function."""
    first = items[0]
    for t in items[1:]:
        if t.nd != first.nd or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape))
                                   if i != axis):
            _fail(f"{name}: shapes {first.shape} and {t.shape} do not fit along dim {axis}", "shape")
    shape = list(first.shape)
    shape[axis] = sum(t.shape[axis] for t in items)
    check_size(shape, name)
    return ops.cat(items, axis - first.nd)


def _hstack(ctx, tensors, **kwargs):
    """Along the second dim, or the first for 1-D tensors (np.hstack, torch.hstack)."""
    _no_more("hstack", (), kwargs)
    items = [at_least(t, 1) for t in _tensors(ctx, tensors, "hstack")]
    return _join(items, 0 if items[0].nd == 1 else 1, "hstack")


def _vstack(ctx, tensors, **kwargs):
    """Rows on rows: 1-D tensors become rows first (np.vstack / row_stack, torch.vstack)."""
    _no_more("vstack", (), kwargs)
    return _join([at_least(t, 2) for t in _tensors(ctx, tensors, "vstack")], 0, "vstack")


def _column_stack(ctx, tensors, **kwargs):
    """Columns side by side: 1-D tensors (and numbers) become columns (n, 1) first."""
    _no_more("column_stack", (), kwargs)
    items = []
    for t in _tensors(ctx, tensors, "column_stack"):
        items.append(ops.reshape(t, (t.size, 1)) if t.nd < 2 else t)
    return _join(items, 1, "column_stack")


def _dstack(ctx, tensors, **kwargs):
    """Along the third dim: (n,) is (1, n, 1) and (m, n) is (m, n, 1) first."""
    _no_more("dstack", (), kwargs)
    return _join([at_least(t, 3) for t in _tensors(ctx, tensors, "dstack")], 2, "dstack")


def _append(ctx, arr, values, axis=None):
    """np.append(arr, values, axis=None): both flattened and joined, or joined along axis."""
    arr, values = to_tensor(ctx, arr), to_tensor(ctx, values)
    if axis is None:
        return ops.cat([ops.reshape(arr, (arr.size,)), ops.reshape(values, (values.size,))], -1)
    if arr.nd != values.nd:
        _fail(f"append: arr and values need the same number of dimensions with an axis, got "
              f"shapes {arr.shape} and {values.shape}", "shape")
    return _join([arr, values], dim_of(arr, axis, "append: axis"), "append")


register("hstack", _hstack, ["out = hstack([x, y * 2])", "out = np.hstack((M, N[:, :1]))",
                             "out = hstack([s, x])"], method=False)
register("vstack", _vstack, ["out = vstack([x, y])", "out = np.vstack([M, x]) * 2"],
         aliases=["row_stack"], method=False)
register("column_stack", _column_stack, ["out = column_stack([x, y])", "out = np.column_stack((M, x))"],
         method=False)
register("dstack", _dstack, ["out = dstack([x, y])", "out = np.dstack((M, N * 2))"], method=False)
register("append", _append, ["out = np.append(M, x)", "out = np.append(M, M[:1] * 2, axis=0)",
                             "out = append(x, s)"], method=False)


# -- cutting -------------------------------------------------------------------------------------------

def _pieces(x: Tensor, axis: int, bounds: list[int]) -> tuple:
    """The pieces of x between consecutive bounds along axis (clipped to the size, as NumPy)."""
    n = x.shape[axis]
    before = (slice(None),) * axis
    out = []
    for start, stop in itertools.pairwise(bounds):
        start, stop = min(max(start, 0), n), min(max(stop, 0), n)
        out.append(ops.index(x, before + (slice(start, max(start, stop)),)))
    return tuple(out)


def _cuts(indices: list[int], n: int) -> list[int]:
    """Cut positions (negative from the end) as bounds 0, c1, c2, ..., n."""
    return [0] + [i + n if i < 0 else i for i in indices] + [n]


def _even(n: int, count: int, name: str, exact: bool) -> list[int]:
    """Bounds of `count` pieces: equal (np.split: exact), or the first n % count one larger."""
    if count <= 0:
        _fail(f"{name}: the number of sections must be positive, got {count}")
    if exact and n % count:
        _fail(f"{name}: {n} cannot be split into {count} equal sections (np.array_split allows "
              "unequal ones)", "shape")
    size, extra = divmod(n, count)
    bounds, at = [0], 0
    for i in range(count):
        at += size + (1 if i < extra else 0)
        bounds.append(at)
    return bounds


def _sections_or_cuts(x, axis, spec, name, exact):
    """NumPy's indices_or_sections: a number of pieces, or a list of cut positions."""
    n = x.shape[axis]
    if isinstance(spec, (list, tuple)) or (isinstance(spec, Tensor) and spec.nd == 1):
        return _pieces(x, axis, _cuts(int_list(spec, f"{name}: indices"), n))
    return _pieces(x, axis, _even(n, whole_int(spec, f"{name}: sections"), name, exact))


def _torch_split(ctx, x, split_size_or_sections, *args, **kwargs):
    """torch.split(x, size, dim=0): pieces of `size` (the last may be smaller); a list: the sizes."""
    x = to_tensor(ctx, x)
    dim = kwargs.pop("dim", args[0] if args else 0)
    kwargs.pop("split_size", None)
    _no_more("split", args[1:], kwargs, allowed=())
    axis = _axis(x, dim, "split")
    n = x.shape[axis]
    spec = split_size_or_sections
    if isinstance(spec, (list, tuple)) or (isinstance(spec, Tensor) and spec.nd == 1):
        sizes = int_list(spec, "split: sizes")
        if sum(sizes) != n or any(s < 0 for s in sizes):
            _fail(f"split: sizes {tuple(sizes)} do not add up to the dimension's {n} (torch.split "
                  "takes sizes; np.split takes cut positions)", "shape")
        bounds = [0]
        for s in sizes:
            bounds.append(bounds[-1] + s)
        return _pieces(x, axis, bounds)
    size = whole_int(spec, "split: size")
    if size <= 0 and n:
        _fail(f"split: the size of a piece must be positive, got {size}")
    return _pieces(x, axis, list(range(0, n, size)) + [n] if n else [0, 0])


def _axis(x, dim, name):
    if x.nd == 0:
        _fail(f"{name} needs a tensor with at least one dimension", "shape")
    return dim_of(x, dim, f"{name}: dim")


def _np_split(exact):
    name = "split" if exact else "array_split"

    def impl(ctx, x, indices_or_sections, *args, **kwargs):
        """np.split(ary, n_or_indices, axis=0) (n equal pieces, or cut positions);
        np.array_split: n pieces that may differ by one."""
        x = to_tensor(ctx, x)
        axis = kwargs.pop("axis", kwargs.pop("dim", args[0] if args else 0))
        _no_more(name, args[1:], kwargs, allowed=())
        return _sections_or_cuts(x, _axis(x, axis, name), indices_or_sections, name, exact)
    return impl


def _directional(name, axis, least):
    def impl(ctx, x, indices_or_sections):
        """hsplit (dim 1, or 0 for 1-D), vsplit (dim 0), dsplit (dim 2): np.split's rules."""
        x = to_tensor(ctx, x)
        if x.nd < least:
            _fail(f"{name} needs at least {least} dimension{'s' if least > 1 else ''}, got shape "
                  f"{x.shape}", "shape")
        return _sections_or_cuts(x, 0 if name == "hsplit" and x.nd == 1 else axis,
                                 indices_or_sections, name, True)
    return impl


def _chunk(ctx, x, chunks, *args, **kwargs):
    """torch.chunk(x, chunks, dim=0): pieces of ceil(size / chunks), so possibly fewer pieces."""
    x = to_tensor(ctx, x)
    dim = kwargs.pop("dim", args[0] if args else 0)
    _no_more("chunk", args[1:], kwargs, allowed=())
    count = whole_int(chunks, "chunk: chunks")
    if count <= 0:
        _fail(f"chunk: chunks must be positive, got {count}")
    axis = _axis(x, dim, "chunk")
    n = x.shape[axis]
    size = math.ceil(n / count) if n else 0
    if not size:
        return _pieces(x, axis, [0] * (count + 1))
    return _pieces(x, axis, list(range(0, n, size)) + [n])


def _unbind(ctx, x, *args, **kwargs):
    """torch.unbind(x, dim=0): every slice along dim, that dim removed."""
    x = to_tensor(ctx, x)
    dim = kwargs.pop("dim", args[0] if args else 0)
    _no_more("unbind", args[1:], kwargs, allowed=())
    axis = _axis(x, dim, "unbind")
    return tuple(ops.index(x, (slice(None),) * axis + (i,)) for i in range(x.shape[axis]))


register("split", _torch_split, ["a, b = torch.split(x, 2); out = a * b[0]",
                                 "out = M.split([1, 2], dim=1)[1] * 2",
                                 "out = split(M, 2, 1)[0] * torch.split(M, 2, 1)[1].sum()"])
register("split", _np_split(True), ["a, b, c = np.split(x, 3); out = a * b + c",
                                    "out = np.split(M, [1], axis=1)[1] * 2",
                                    "out = np.split(x, [1, 5])[1] * 2"], library="numpy")
register("array_split", _np_split(False), ["out = np.array_split(M, 2, axis=1)[0] * 2",
                                           "out = array_split(x, 2)[1] + s"], method=False)
register("tensor_split", _np_split(False), ["out = torch.tensor_split(M, [1], dim=0)[1] * 2",
                                            "out = x.tensor_split(2)[0] * 2"])
register("hsplit", _directional("hsplit", 1, 1), ["out = hsplit(M, [2])[0] * 2",
                                                  "out = np.hsplit(x, 3)[2] * x"])
register("vsplit", _directional("vsplit", 0, 2), ["out = vsplit(M, 3)[1] * x"])
register("dsplit", _directional("dsplit", 2, 3), ["out = np.dsplit(M.reshape(1, 3, 3), [1])[1] * 2"])
register("chunk", _chunk, ["out = chunk(x, 2)[0] * 2", "out = M.chunk(2, dim=1)[1] * 2",
                           "a, b = torch.chunk(M, 3, 0)[1:]; out = a * b"])
register("unbind", _unbind, ["a, b, c = unbind(M); out = a * b + c",
                             "out = M.unbind(1)[2] * x"])


# -- padding -------------------------------------------------------------------------------------------

def _pad_axis(x: Tensor, axis: int, before: int, after: int, mode: str, value) -> Tensor:
    """x padded along one non-negative axis; a negative amount crops (F.pad)."""
    n = x.shape[axis]
    keep = (slice(None),) * axis
    if before < 0 or after < 0:  # crop first, then pad what is left
        x = ops.index(x, keep + (slice(max(-before, 0), n - max(-after, 0)),))
        before, after = max(before, 0), max(after, 0)
        n = x.shape[axis]
    if not before and not after:
        return x

    def part(sl):
        return ops.index(x, keep + (sl,))

    if mode == "constant":
        def block(k):
            shape = x.shape[:axis] + (k,) + x.shape[axis + 1:]
            return ops.broadcast_to(value, shape)
        left, right = block(before), block(after)
    elif mode in ("reflect", "symmetric"):
        edge = 1 if mode == "reflect" else 0
        if before > n - edge or after > n - edge:
            _fail(f"pad: {mode} padding of {max(before, after)} needs a dimension of more than that "
                  f"(size {n})", "shape")
        left = ops.flip(part(slice(edge, edge + before)), axis - x.nd)
        right = ops.flip(part(slice(n - edge - after, n - edge)), axis - x.nd)
    elif mode in ("replicate", "edge"):
        if n == 0:
            _fail("pad: cannot replicate the edge of an empty dimension", "shape")
        left = _repeat_slice(part(slice(0, 1)), axis, before)
        right = _repeat_slice(part(slice(n - 1, n)), axis, after)
    elif mode in ("circular", "wrap"):
        if before > n or after > n:
            _fail(f"pad: circular padding of {max(before, after)} is more than the size {n}", "shape")
        left, right = part(slice(n - before, n)), part(slice(0, after))
    else:
        _fail(f"pad: mode {mode!r} is not supported (constant, reflect, replicate, circular; "
              "NumPy's edge, wrap, symmetric)")
    pieces = [p for p, k in ((left, before), (x, n), (right, after)) if k]
    return ops.cat(pieces, axis - x.nd) if len(pieces) > 1 else pieces[0]


def _repeat_slice(piece: Tensor, axis: int, count: int) -> Tensor:
    shape = piece.shape[:axis] + (count,) + piece.shape[axis + 1:]
    return ops.broadcast_to(piece, shape)


def _fill(ctx, x, value) -> Tensor:
    return astype(to_tensor(ctx, 0.0 if value is None else value), x.dtype)


def _torch_pad(ctx, x, pad, mode="constant", value=None):
    """F.pad(input, pad, mode='constant', value=0): pad holds (before, after) pairs starting at
    the LAST dimension: (1, 2) pads the last dim, (1, 2, 3, 4) the last two."""
    x = to_tensor(ctx, x)
    amounts = int_list(pad, "pad: pad")
    if len(amounts) % 2 or len(amounts) // 2 > x.nd:
        _fail(f"pad: the pad needs pairs for at most {x.nd} dimensions, got {tuple(amounts)}", "shape")
    fill = _fill(ctx, x, value)
    for i in range(len(amounts) // 2):
        axis = x.nd - 1 - i
        x = _pad_axis(x, axis, amounts[2 * i], amounts[2 * i + 1], mode, fill)
    return x


def _np_pad(ctx, x, pad_width, mode="constant", **kwargs):
    """np.pad(array, pad_width, mode='constant', constant_values=0): pad_width is one amount,
    one (before, after) pair, or a pair per dimension starting at the FIRST."""
    x = to_tensor(ctx, x)
    value = kwargs.pop("constant_values", 0)
    _no_more("pad", (), kwargs, allowed=())
    widths = _widths(pad_width, x.nd)
    fill = _fill(ctx, x, value)
    for axis, (before, after) in enumerate(widths):
        if before < 0 or after < 0:
            _fail("pad: np.pad widths must not be negative", "shape")
        x = _pad_axis(x, axis, before, after, mode, fill)
    return x


def _widths(spec, nd) -> list[tuple[int, int]]:
    if isinstance(spec, (int, float, Tensor)) and not isinstance(spec, bool):
        k = whole_int(spec, "pad: pad_width")
        return [(k, k)] * nd
    if isinstance(spec, (list, tuple)) and spec and all(not isinstance(p, (list, tuple)) for p in spec):
        pair = int_list(spec, "pad: pad_width")
        if len(pair) == 1:
            return [(pair[0], pair[0])] * nd
        if len(pair) == 2:
            return [(pair[0], pair[1])] * nd
    elif isinstance(spec, (list, tuple)) and len(spec) in (1, nd):
        rows = [int_list(p, "pad: pad_width") for p in spec]
        if all(len(r) in (1, 2) for r in rows):
            rows = [(r[0], r[-1]) for r in rows]
            return rows * nd if len(rows) == 1 else rows
    _fail(f"pad: pad_width must be a number, a (before, after) pair or one pair per dimension "
          f"({nd}), got {spec!r}", "shape")


register("pad", _torch_pad, ["out = F.pad(x, (1, 2)) * 2", "out = F.pad(M, (1, 0, 0, 2), value=s)",
                             "out = F.pad(M, [1, 1], mode='reflect') * 2",
                             "out = F.pad(M.reshape(1, 3, 3), (1, 1, 2, 0), mode='replicate')",
                             "out = F.pad(x.reshape(1, 1, 3), (2, 1), mode='circular') * 2",
                             "out = F.pad(M, (-1, 1)) * 2"], method=False)
register("pad", _np_pad, ["out = np.pad(x, 1) * 2", "out = np.pad(M, ((1, 0), (0, 2)), constant_values=s)",
                          "out = np.pad(M, (1, 2), mode='edge')", "out = np.pad(x, 2, mode='symmetric')",
                          "out = np.pad(M, [(1, 1), (2, 2)], 'wrap') * 2",
                          "out = np.pad(x, (2, 1), 'reflect') * 2"], library="numpy")
