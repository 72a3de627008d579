"""PyTorch's name for a graph node's backward function (`grad_fn`), where it depends on more than
the op: how a tensor was indexed, which operands of a power require grad, the ranks of a matmul,
whether a sum keeps some axes. `gradcli run` prints these names, and `explain` and `graph` show
them, so there is one table of them, here."""
from __future__ import annotations

import numpy as np

from .tensor import Tensor

# ops whose PyTorch name is not their own backward_name
_NAMES = {"reshape": "ViewBackward0", "broadcast_to": "ExpandBackward0", "amax": "MaxBackward1",
          "amin": "MinBackward1", "norm": "LinalgVectorNormBackward0", "where": "WhereBackward0",
          "maximum": "MaximumBackward0", "minimum": "MinimumBackward0", "logsumexp": "LogsumexpBackward0",
          "log_softmax": "LogSoftmaxBackward0", "softmax": "SoftmaxBackward0", "index_put": "CopySlices"}


def backward_name(node: Tensor) -> str:
    op = node.op
    name = op.name
    params = node.params or {}
    if name == "index":  # x[1:] slices, x[0] and x[:, 0] select, x[None] unsqueezes, x[idx] indexes
        last = "SelectBackward0"
        for item in params.get("idx", ()):
            if isinstance(item, np.ndarray):
                return "IndexBackward0"
            if isinstance(item, slice):
                if item != slice(None):
                    last = "SliceBackward0"
            elif item is None:
                last = "UnsqueezeBackward0"
            elif item is not Ellipsis:
                last = "SelectBackward0"
        return last
    if name in ("sum", "mean") and len(params.get("axes", ())) < node.inputs[0].nd:
        return op.backward_name[:-1] + "1"  # x.sum() is SumBackward0, x.sum(dim) SumBackward1
    if name == "pow":
        base, exponent = node.inputs
        if exponent.number is not None or not exponent.requires_grad and exponent.data.ndim == 0:
            return "PowBackward0" if base.requires_grad else "PowBackward2"
        return "PowBackward1" if base.requires_grad else "PowBackward2"
    if name == "sub" and not node.inputs[0].requires_grad and node.inputs[0].number is not None:
        return "RsubBackward1"
    if name == "matmul":
        nda, ndb = params.get("nda"), params.get("ndb")
        if nda == 1 and ndb == 1:
            return "DotBackward0"
        if nda == 2 and ndb == 1:
            return "MvBackward0"
        if nda > 2 or ndb > 2:
            return "UnsafeViewBackward0"
        return "MmBackward0"
    return _NAMES.get(name) or op.backward_name
