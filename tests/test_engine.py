"""The engine on exact, hand-computed cases: SPEC section 5, kinks, index writes, deep graphs."""
from __future__ import annotations

import math

import numpy as np
import pytest

from gradcli.api import Computation

S2 = "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1"
COPY_SLICES = "b = zeros(1,2); b[0,0] = a[0,0]**2 + a[0,1]; b[0,1] = a[0,1]**3 + a[0,0]; out = 2*b"


def grad(program, values, **kw):
    gradients = kw.pop("gradients", None)
    retain = kw.pop("retain", None)
    return Computation(program, values, **kw).backward(gradients, retain=retain)


# -- SPEC section 5 ----------------------------------------------------------------------------

def test_tutorial_mean():
    r = grad("b = a + 3; c = b * 3; out = c.mean()", {"a": "[2,3]"})
    assert r["outputs"]["out"] == 16.5
    np.testing.assert_array_equal(r["grad"]["a"], [1.5, 1.5])


def test_two_outputs_jacobian():
    r = Computation(S2, {"a0": "2", "a1": "4"}).jacobian()
    np.testing.assert_array_equal(r["matrix"], [[8, 2], [2, 96]])
    assert r["rows"] == ["out0", "out1"] and r["cols"] == ["a0", "a1"]
    assert r["jacobian"]["out1"]["a1"] == 96


def test_two_outputs_backward_with_gradient():
    r = grad(S2, {"a0": "2", "a1": "4"}, gradients=["1,2"])
    assert r["grad"]["a0"] == 12 and r["grad"]["a1"] == 194
    assert r["gradient"] == {"out0": 1, "out1": 2}


def test_copy_slices():
    r = grad(COPY_SLICES, {"a": "[[2,4]]"}, gradients=["1,2"])
    np.testing.assert_array_equal(r["outputs"]["out"], [[16, 132]])
    np.testing.assert_array_equal(r["grad"]["a"], [[12, 194]])
    j = Computation(COPY_SLICES, {"a": "[[2,4]]"}).jacobian()
    np.testing.assert_array_equal(j["matrix"], [[8, 2], [2, 96]])
    assert j["rows"] == ["out[0,0]", "out[0,1]"] and j["cols"] == ["a[0,0]", "a[0,1]"]
    assert j["jacobian"]["out"]["a"].shape == (1, 2, 1, 2)


def test_mm():
    r = grad("out = mm(a, w)", {"a": "[[2,3],[1,2]]", "w": "ones(2,1)"}, gradients=["1,1"])
    np.testing.assert_array_equal(r["grad"]["w"], [[3], [5]])
    np.testing.assert_array_equal(r["grad"]["a"], [[1, 1], [1, 1]])


def test_wrt_subset_gives_none():
    r = grad("y = w*x + b", {"x": "2", "w": "0.5", "b": "-1"}, wrt="w,b")
    assert r["grad"]["w"] == 2 and r["grad"]["b"] == 1 and r["grad"]["x"] is None
    assert r["outputs"]["y"] == 0


def test_setitem_jacobian():
    p = "y = zeros(1,2); y[0,0] = x[0,0]**2 + 3*x[0,1]; y[0,1] = x[0,1]**2 + 2*x[0,0]"
    r = Computation(p, {"x": "[[2,3]]"}).jacobian()
    np.testing.assert_array_equal(r["outputs"]["y"], [[13, 13]])
    np.testing.assert_array_equal(r["matrix"], [[4, 3], [2, 6]])


def test_vector_gradient():
    r = grad("y = x*2", {"x": "[1,2,3]"}, gradients=["0.1,0.2,0.3"])
    np.testing.assert_allclose(r["grad"]["x"], [0.2, 0.4, 0.6], rtol=1e-15)


def test_repeated_gradient_accumulates():
    r = grad("z = (x*2).mean()", {"x": "[1,2,3]"}, gradients=["1", "1"])
    np.testing.assert_allclose(r["grad"]["x"], [4 / 3] * 3, rtol=1e-15)


def test_randn_inputs():
    r = grad("t = 2*x*x + b; y = t.sum()", {"x": "randn(3,4)", "b": "randn(3,4)"})
    np.testing.assert_allclose(r["grad"]["x"], 4 * r["inputs"]["x"], rtol=1e-15)
    np.testing.assert_array_equal(r["grad"]["b"], np.ones((3, 4)))
    assert not np.array_equal(r["inputs"]["x"], r["inputs"]["b"])  # two draws, not one


def test_squared_mean():
    r = grad("z = (x+2)*(x+2)*3; out = z.mean()", {"x": "ones(2,2)"})
    np.testing.assert_array_equal(r["grad"]["x"], np.full((2, 2), 4.5))
    assert r["outputs"]["out"] == 27


# -- kinks follow PyTorch ------------------------------------------------------------------------

@pytest.mark.parametrize("program,values,expected", [
    ("y = relu(x).sum()", "[-1, 0, 2]", [0, 0, 1]),
    ("y = abs(x).sum()", "[-1, 0, 2]", [-1, 0, 1]),
    ("y = x.max()", "[1, 3, 3]", [0, 0.5, 0.5]),
    ("y = x.min()", "[2, 2, 2, 2]", [0.25] * 4),
    ("y = amax(x, dim=1).sum()", "[[1, 1], [0, 2]]", [[0.5, 0.5], [0, 1]]),
    ("y = maximum(x, 1).sum()", "[0, 1, 2]", [0, 0.5, 1]),
    ("y = clamp(x, 0, 1).sum()", "[-1, 0, 0.5, 1, 2]", [0, 0, 1, 0, 0]),  # PyTorch 2.14
    ("y = sqrt(x * x + 0).sum() + norm(x * 0)", "[3, 4]", [1, 1]),
    ("y = norm(x)", "[0, 0]", [0, 0]),
    ("y = (x ** 2).sum()", "[0, -1]", [0, -2]),
    ("y = sign(x).sum() + floor(x).sum() + ceil(x).sum() + round(x).sum()", "[0.3, -1.7]", [0, 0]),
])
def test_kink_conventions(program, values, expected):
    np.testing.assert_array_equal(grad(program, {"x": values})["grad"]["x"], expected)


def test_non_differentiable_output_gives_zero_gradient():
    r = grad("y = floor(x) + (x > 0)", {"x": "[0.5, -2.5]"}, gradients=["1,1"])
    np.testing.assert_array_equal(r["grad"]["x"], [0, 0])
    j = Computation("y = floor(x) + sign(x)", {"x": "[0.5, -2.5]"}).jacobian()
    np.testing.assert_array_equal(j["matrix"], np.zeros((2, 2)))


def test_creation_functions_are_constants():
    r = grad("z = zeros(3) + ones(3) * 2 + arange(3) + eye(3)[0] + x; y = z.sum()", {"x": "[1,2,3]"})
    np.testing.assert_array_equal(r["outputs"]["y"], 0 + 6 + 3 + 1 + 6)
    np.testing.assert_array_equal(r["grad"]["x"], [1, 1, 1])


# -- statements ----------------------------------------------------------------------------------

def test_rebinding():
    r = grad("c = x * 2; c = c + 1; c = c * c", {"x": "3"})
    assert r["outputs"] == {"c": 49}
    assert r["grad"]["x"] == 2 * 7 * 2


def test_rebinding_an_input_keeps_the_input():
    # `c = c + 1` with c an input: the gradient is with respect to the value given, as in PyTorch.
    r = grad("c = c + 1; y = c * c", {"c": "1"})
    assert r["inputs"]["c"] == 1 and r["outputs"]["y"] == 4 and r["grad"]["c"] == 4
    r = grad("c = c * 3", {"c": "1"})
    assert r["outputs"] == {"c": 3} and r["grad"]["c"] == 3
    r = grad("x = x * 2; x += 1; y = x.sum()", {"x": "[1, 2]"})
    np.testing.assert_array_equal(r["inputs"]["x"], [1, 2])
    np.testing.assert_array_equal(r["grad"]["x"], [2, 2])
    j = Computation("c = c * 3; c[0] = c[1] * c[0]", {"c": "[1, 2]"}).jacobian()
    np.testing.assert_array_equal(j["outputs"]["c"], [18, 6])
    np.testing.assert_array_equal(j["matrix"], [[18, 9], [0, 3]])


def test_rebinding_a_requires_grad_tensor():
    r = grad("a = tensor([1., 2.], requires_grad=True); a = a * 2; y = (a * x).sum()", {"x": "3"})
    np.testing.assert_array_equal(r["inputs"]["a"], [1, 2])
    np.testing.assert_array_equal(r["grad"]["a"], [6, 6])
    assert r["grad"]["x"] == 6


def test_augmented_assignment():
    r = grad("y = x * 1; y += x; y *= x; y -= 1; y /= 2", {"x": "3"})
    assert r["outputs"]["y"] == (6 * 3 - 1) / 2
    assert r["grad"]["x"] == 2 * 3  # d/dx (2x^2 - 1)/2 = 2x


def test_index_assignment_overwrites_gradient_path():
    # b[0] is written twice: only the last value reaches the output (CopySlices).
    r = grad("b = x * 1; b[0] = x[1] * 5; b[0] = x[2] * 7; y = b.sum()", {"x": "[1,2,3]"})
    assert r["outputs"]["y"] == 21 + 2 + 3
    np.testing.assert_array_equal(r["grad"]["x"], [0, 1, 8])


def test_index_update_slice():
    r = grad("b = zeros(2, 3); b[:, 1] += x; b[1, :] *= 2; y = (b * b).sum()", {"x": "[1, 2]"})
    np.testing.assert_array_equal(r["grad"]["x"], [2, 16])


def test_detach_stops_gradient():
    r = grad("y = detach(x) * x + x.detach() ** 2", {"x": "3"})
    assert r["outputs"]["y"] == 18
    assert r["grad"]["x"] == 3


def test_requires_grad_tensor_is_an_input_with_default():
    p = "a = torch.tensor([2., 3.], requires_grad=True); out = (a * a).sum()"
    r = grad(p, {})
    np.testing.assert_array_equal(r["inputs"]["a"], [2, 3])
    np.testing.assert_array_equal(r["grad"]["a"], [4, 6])
    assert list(r["outputs"]) == ["out"]
    r = grad(p, {"a": "[5, 1]"})  # --at overrides the default
    np.testing.assert_array_equal(r["grad"]["a"], [10, 2])
    assert r["outputs"]["out"] == 26


def test_retain_grad_of_intermediates():
    r = grad("h = x * 3; g = h * h; y = g.sum()", {"x": "[1, 2]"}, retain="h,g")
    np.testing.assert_array_equal(r["grad"]["h"], [6, 12])
    np.testing.assert_array_equal(r["grad"]["g"], [1, 1])
    np.testing.assert_array_equal(r["grad"]["x"], [18, 36])


def test_named_gradients_per_output():
    r = grad(S2, {"a0": "2", "a1": "4"}, gradients=["out1=2", "out0=1"])
    assert r["grad"]["a0"] == 12 and r["grad"]["a1"] == 194


def test_output_selection_and_order():
    c = Computation(S2, {"a0": "2", "a1": "4"}, outputs="out1,b0")
    assert list(c.evaluate()["outputs"]) == ["out1", "b0"]
    np.testing.assert_array_equal(c.jacobian()["matrix"], [[2, 96], [4, 1]])


def test_broadcasting_gradients_are_summed():
    r = grad("y = (M * x + s).sum()", {"M": "ones(2, 3)", "x": "[1, 2, 3]", "s": "0"})
    np.testing.assert_array_equal(r["grad"]["x"], [2, 2, 2])
    np.testing.assert_array_equal(r["grad"]["M"], [[1, 2, 3], [1, 2, 3]])
    assert r["grad"]["s"] == 6


# -- deep graphs ---------------------------------------------------------------------------------

def test_500_term_sum():
    program = "y = " + " + ".join(f"{k} * x" for k in range(1, 501))
    r = grad(program, {"x": "2"})
    assert r["outputs"]["y"] == 2 * 500 * 501 / 2
    assert r["grad"]["x"] == 500 * 501 / 2


def test_5000_statement_chain():
    n = 5000
    program = "y = x\n" + "y = sin(y) * 0.9 + 0.1 * y\n" * n
    y, dy = 0.7, 1.0
    for _ in range(n):
        y, dy = math.sin(y) * 0.9 + 0.1 * y, (math.cos(y) * 0.9 + 0.1) * dy
    r = grad(program, {"x": "0.7"})
    assert r["outputs"]["y"] == pytest.approx(y, rel=1e-12)
    assert r["grad"]["x"] == pytest.approx(dy, rel=1e-9, abs=1e-300)


def test_deep_chain_with_nonvanishing_gradient():
    n = 3000
    program = "y = x\n" + "y = y + sin(y) * 0.001\n" * n
    y, dy = 0.5, 1.0
    for _ in range(n):
        y, dy = y + math.sin(y) * 0.001, dy * (1 + math.cos(y) * 0.001)
    r = grad(program, {"x": "0.5"})
    assert r["outputs"]["y"] == pytest.approx(y, rel=1e-12)
    assert r["grad"]["x"] == pytest.approx(dy, rel=1e-10)


# -- dtype ---------------------------------------------------------------------------------------

def test_float32():
    r = grad("y = (sin(x) * x).sum()", {"x": "[0.5, 1.5]"}, dtype="float32")
    assert r["grad"]["x"].dtype == np.float32 and r["outputs"]["y"].dtype == np.float32
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(r["grad"]["x"], np.cos(x) * x + np.sin(x), rtol=1e-6)
    j = Computation("y = x * x", {"x": "[1, 2]"}, dtype="float32").jacobian()
    assert j["matrix"].dtype == np.float32
    np.testing.assert_array_equal(j["matrix"], [[2, 0], [0, 4]])


def test_float64_default():
    r = grad("y = x / 3", {"x": "1"})
    assert r["grad"]["x"].dtype == np.float64 and r["grad"]["x"] == 1 / 3


def test_jacobian_modes_agree_and_count_passes():
    c = Computation("y = x[:2] * (M @ x)", {"x": "[1, 2, 3]", "M": "ones(2, 3)"})
    rev, fwd = c.jacobian(mode="reverse"), c.jacobian(mode="forward")
    np.testing.assert_array_equal(rev["matrix"], fwd["matrix"])
    assert rev["mode"] == "reverse" and fwd["mode"] == "forward"
    assert rev["passes"] == 1 and fwd["passes"] == 2
    assert c.jacobian(mode="reverse", chunk=1)["passes"] == 2
    assert c.jacobian(mode="forward", chunk=1)["passes"] == 9
