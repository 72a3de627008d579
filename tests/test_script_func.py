"""torch.func, torch.autograd.functional and tensor hooks in `gradcli run`: the errors and edges
the corpus script (tests/scripts/notes_torch_func.py) does not reach, each with PyTorch's words or
a clear refusal, and values computed independently."""
from __future__ import annotations

import pytest

from gradcli.errors import GradcliError
from gradcli.lang.script.runner import run


def printed(script: str) -> str:
    out: list[str] = []
    run("import torch\nfrom torch.func import grad, jacrev, jvp, vmap, hessian\n" + script, write=out.append)
    return "".join(out)


def fails(script: str) -> str:
    with pytest.raises(GradcliError) as info:
        printed(script)
    return str(info.value)


def test_nested_grad_gives_higher_derivatives():
    # d^3/dx^3 x^4 = 24 x; at x = 2: 48
    assert printed("print(grad(grad(grad(lambda t: t ** 4)))(torch.tensor(2.0)).item())") == "48.0\n"


def test_per_sample_gradients_by_vmap_of_grad():
    text = printed("w = torch.tensor([1.0, -1.0])\nX = torch.tensor([[1.0, 2.0], [3.0, 5.0]])\n"
                   "g = vmap(grad(lambda w, x: (x @ w) ** 2), in_dims=(None, 0))(w, X)\n"
                   "print(g.tolist())")
    # d/dw (x.w)^2 = 2 (x.w) x: rows 2*(-1)*[1, 2] and 2*(-2)*[3, 5]
    assert text == "[[-2.0, -4.0], [-12.0, -20.0]]\n"


@pytest.mark.parametrize("script, words", [
    ("grad(lambda t: t * 2)(torch.tensor([1.0, 2.0]))", "Expected f(*args) to return a scalar Tensor"),
    ("grad(lambda t: t * 2)(torch.tensor(1))", "floating point"),
    ("vmap(torch.sin)(torch.tensor(1.0))", "Got in_dim=0 for some input"),
    ("vmap(torch.add)(torch.ones(2), torch.ones(3))", "same size in the mapped dimension"),
    ("jvp(lambda t: (t, t), (torch.tensor(1.0),), (torch.tensor(1.0),), has_aux=True)", "has_aux"),
    ("x = torch.ones(2, requires_grad=True)\njacrev(lambda t: t * 2)(x)", "not supported yet"),
    ("x = torch.ones(2, requires_grad=True)\ny = x * 2\ny.register_hook(lambda g: g)", "not a leaf"),
    ("torch.ones(2).register_hook(lambda g: g)", "doesn't require gradient"),
])
def test_refusals_say_why(script, words):
    assert words in fails(script)


def test_a_leaf_hook_sees_and_replaces_the_gradient():
    text = printed("w = torch.tensor([1.0, -2.0], requires_grad=True)\n"
                   "h = w.register_hook(lambda g: g * 10)\n(w * w).sum().backward()\nprint(w.grad.tolist())\n"
                   "h.remove()\nw.grad = None\n(w * w).sum().backward()\nprint(w.grad.tolist())")
    assert text == "[20.0, -40.0]\n[2.0, -4.0]\n"


def test_hvp_is_the_hessian_times_v():
    # f = x0^2 x1 + x1^3: H = [[2 x1, 2 x0], [2 x0, 6 x1]]; at (1, 2), v = (1, 1): [4 + 2, 2 + 12]
    text = printed("from torch.autograd.functional import hvp\n"
                   "_, p = hvp(lambda t: t[0] ** 2 * t[1] + t[1] ** 3, torch.tensor([1.0, 2.0]), "
                   "torch.tensor([1.0, 1.0]))\nprint(p.tolist())")
    assert text == "[6.0, 14.0]\n"
