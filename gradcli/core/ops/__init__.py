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
- `saves` declares whose data the rules (VJP and JVP) read, PyTorch's saved tensors: the
  forward's argument names and "ans", each plain ("x") or read only for some inputs' gradients
  ("y for x": mul reads y when x needs a gradient). A recorded node keeps the other inputs
  without their data, so what no rule reads is freed in the forward pass. Shapes, dtypes and
  `.number` are always there. No declaration (None) keeps everything.
  tests/test_saved.py poisons each op's undeclared data and checks that nothing changes.
"""
from __future__ import annotations

from ..tensor import PRIMITIVES  # the table itself: name -> Op
from .elementwise import (
                          binary,
                          cos,
                          cosh,
                          eq,
                          exp,
                          ge,
                          gt,
                          le,
                          log,
                          lt,
                          ne,
                          neg,
                          selecting,
                          sigmoid,
                          sign,
                          sin,
                          sinh,
                          sqrt,
                          unary,
                          where,
)
from . import activations  # noqa: F401 - registers its primitives in the table
from .index import gather, put, take, take_add
from .linalg import matmul, mT
from . import decompositions, einsum, special  # noqa: F401 - their primitives join the table
from .reduce import reduce, reduction
from .scan import cumprod, cumsum, flip
from .shape import (
                          broadcast_to,
                          cat,
                          index,
                          index_put,
                          permute,
                          reshape,
                          scatter,
                          stack,
                          sum_to,
                          zeros_like,
)
from .table import defop

__all__ = ["PRIMITIVES", "binary", "broadcast_to", "cat", "cos", "cosh", "cumprod", "cumsum", "defop", "eq",
           "exp", "flip", "gather",
           "ge", "gt", "index", "index_put", "le", "log", "lt", "mT", "matmul", "ne", "neg", "permute",
           "put", "reduce", "reduction", "reshape", "scatter", "selecting", "sigmoid", "sign", "sin",
           "sinh", "sqrt", "stack", "sum_to", "take", "take_add", "unary", "where", "zeros_like"]
