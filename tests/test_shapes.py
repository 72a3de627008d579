"""The shape, indexing, sorting and dtype functions: the known traps, second order, and dtypes.

- Where NumPy and PyTorch give one name two meanings, each spelling follows its own library;
  every such trap has a test of its own, with values computed independently by NumPy.
- Every sample program of the families added here is checked to second order: the Hessian of a
  weighted sum of its outputs (forward over reverse) against central differences of its gradient.
- Integer and boolean tensors: what promotes to what, what is reported how, what is an index.
"""
from __future__ import annotations

import json
import zlib

import numpy as np
import pytest
from conftest import cli, cli_json, sample_values

from gradcli.api import Computation
from gradcli.core import backend, engine, ops
from gradcli.core.ops.index import positions
from gradcli.core.tensor import Tensor
from gradcli.errors import GradcliError
from gradcli.lang.functions import division, indexing, joining, logic, sequences, shapes
from gradcli.lang.program import Program

rng = np.random.default_rng(7)
V6 = rng.uniform(-2, 2, 6)
R64 = rng.uniform(-2, 2, (6, 4))
T234 = rng.uniform(-2, 2, (2, 3, 4))


def outputs(program, **values):
    values = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
    return Computation(program, values).evaluate()["outputs"]


def output(program, **values):
    (value,) = outputs(program, **values).values()
    return value


def error(program, **values) -> GradcliError:
    with pytest.raises(GradcliError) as info:
        Computation(program, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()})
    return info.value


# -- the known traps, each following its own library -------------------------------------------

def test_trap_torch_split_cuts_pieces_of_a_size_numpy_split_a_number_of_pieces():
    pieces = outputs("a, b = torch.split(v, 4)", v=V6)
    np.testing.assert_array_equal(pieces["a"], V6[:4])
    np.testing.assert_array_equal(pieces["b"], V6[4:])
    pieces = outputs("a, b = np.split(v, 2)", v=V6)
    np.testing.assert_array_equal(pieces["a"], np.split(V6, 2)[0])
    np.testing.assert_array_equal(pieces["b"], np.split(V6, 2)[1])
    assert pieces["a"].shape == (3,)
    with pytest.raises(GradcliError, match="equal sections"):
        Computation("a = np.split(v, 4)[0]", {"v": V6})  # 6 is not 4 equal pieces


def test_trap_a_list_is_sizes_in_torch_split_but_cut_positions_in_numpy():
    np.testing.assert_array_equal(output("out = torch.split(v, [1, 5])[1]", v=V6), V6[1:6])
    np.testing.assert_array_equal(output("out = np.split(v, [1, 5])[1]", v=V6), np.split(V6, [1, 5])[1])
    np.testing.assert_array_equal(output("out = np.split(v, [1, 5])[1]", v=V6), V6[1:5])
    assert error("out = torch.split(v, [1, 2])[0]", v=V6).kind == "shape"  # sizes must add up


def test_trap_tensor_repeat_is_numpy_tile_and_numpy_repeat_is_repeat_interleave():
    a = R64[:2, :3]
    np.testing.assert_array_equal(output("out = a.repeat(2, 2)", a=a), np.tile(a, (2, 2)))
    np.testing.assert_array_equal(output("out = np.tile(a, 2)", a=a), np.tile(a, 2))
    np.testing.assert_array_equal(output("out = np.repeat(a, 2)", a=a), np.repeat(a, 2))
    np.testing.assert_array_equal(output("out = a.repeat_interleave(2, dim=1)", a=a), np.repeat(a, 2, axis=1))
    np.testing.assert_array_equal(output("out = repeat_interleave(a, 2)", a=a), np.repeat(a, 2))
    assert not np.array_equal(np.tile(V6, 2), np.repeat(V6, 2))  # the two really differ


def test_trap_remainder_takes_the_divisors_sign_fmod_the_dividends():
    x, y = np.array([5.5, -5.5, 5.5, -5.5]), np.array([2.0, 2.0, -2.0, -2.0])
    np.testing.assert_allclose(output("out = x % y", x=x, y=y), [1.5, 0.5, -0.5, -1.5])
    np.testing.assert_allclose(output("out = torch.remainder(x, y)", x=x, y=y), np.remainder(x, y))
    np.testing.assert_allclose(output("out = np.mod(x, y)", x=x, y=y), np.mod(x, y))
    np.testing.assert_allclose(output("out = torch.fmod(x, y)", x=x, y=y), [1.5, -1.5, 1.5, -1.5])
    np.testing.assert_allclose(output("out = x // y", x=x, y=y), np.floor_divide(x, y))


def test_remainder_and_fmod_gradients_follow_pytorch():
    x, y = np.array([5.5, -5.5, 7.0]), np.array([2.0, 2.0, -3.0])
    grad = Computation("out = (x % y).sum()", {"x": x, "y": y}).backward()["grad"]
    np.testing.assert_array_equal(grad["x"], [1, 1, 1])
    np.testing.assert_array_equal(grad["y"], -np.floor(x / y))  # [-2, 3, 3]
    grad = Computation("out = fmod(x, y).sum()", {"x": x, "y": y}).backward()["grad"]
    np.testing.assert_array_equal(grad["y"], -np.trunc(x / y))  # [-2, 2, 2]
    grad = Computation("out = (x // y).sum() + x.sum()", {"x": x, "y": y}).backward()["grad"]
    np.testing.assert_array_equal(grad["x"], [1, 1, 1])  # floor division: a step, gradient zero
    np.testing.assert_array_equal(grad["y"], [0, 0, 0])


def test_integer_division_and_remainder_stay_integers():
    result = outputs("n = x.shape[0] // 2; r = 7 % 3; q = -7 // 2; i = tensor([5, 7], dtype=torch.long) % 3",
                     x=V6)
    assert result["n"] == 3 and result["r"] == 1 and result["q"] == -4
    assert result["i"].dtype.kind == "i" and result["i"].tolist() == [2, 1]


def test_trap_f_pad_starts_at_the_last_dimension_np_pad_at_the_first():
    a = R64[:2, :3]
    padded = output("out = F.pad(a, (1, 2))", a=a)
    np.testing.assert_array_equal(padded, np.pad(a, ((0, 0), (1, 2))))
    padded = output("out = F.pad(a, (1, 2, 3, 0))", a=a)
    np.testing.assert_array_equal(padded, np.pad(a, ((3, 0), (1, 2))))
    padded = output("out = np.pad(a, (1, 2))", a=a)
    np.testing.assert_array_equal(padded, np.pad(a, (1, 2)))
    assert padded.shape == (5, 6)


def test_trap_np_diagonal_works_over_the_first_two_axes():
    got = output("out = np.diagonal(t)", t=T234)
    np.testing.assert_array_equal(got, np.diagonal(T234))
    assert got.shape == (4, 2)  # the first two axes (2, 3) give a diagonal of 2, at the end
    got = output("out = torch.diagonal(t, 0, -2, -1)", t=T234)
    np.testing.assert_array_equal(got, np.diagonal(T234, 0, -2, -1))
    assert got.shape == (2, 3)


def test_trap_rollaxis_is_not_moveaxis():
    rolled = output("out = np.rollaxis(t, 0, 2)", t=T234)
    moved = output("out = np.moveaxis(t, 0, 2)", t=T234)
    np.testing.assert_array_equal(rolled, np.rollaxis(T234, 0, 2))
    np.testing.assert_array_equal(moved, np.moveaxis(T234, 0, 2))
    assert rolled.shape == (3, 2, 4) and moved.shape == (3, 4, 2)


def test_trap_torch_chunk_of_six_rows_in_four_gives_three_chunks():
    result = outputs("n = len(torch.chunk(r, 4)); last = torch.chunk(r, 4)[-1]", r=R64)
    assert result["n"] == 3
    np.testing.assert_array_equal(result["last"], R64[4:])
    assert "out of range" in error("out = torch.chunk(r, 4)[3]", r=R64).message
    sizes = [a.shape[0] for a in np.array_split(R64, 4)]
    assert sizes == [2, 2, 1, 1]  # what np.array_split does instead
    np.testing.assert_array_equal(output("out = np.array_split(r, 4)[3]", r=R64), np.array_split(R64, 4)[3])


def test_trap_mixed_advanced_indexing_orders_axes_as_pytorch_in_a_program():
    # An integer among index arrays: PyTorch selects with it first; NumPy counts it as an array,
    # and arrays apart from each other put their axis first.
    got = output("out = t[0, :, [1, 3]]", t=T234)
    assert got.shape == (3, 2)
    np.testing.assert_array_equal(got, T234[0][:, [1, 3]])
    assert T234[0, :, [1, 3]].shape == (2, 3)  # NumPy's own order
    where = positions(T234.shape, (0, slice(None), np.array([1, 3])), "numpy")
    np.testing.assert_array_equal(T234.reshape(-1)[where], T234[0, :, [1, 3]])
    where = positions(T234.shape, (0, slice(None), np.array([1, 3])), "torch")
    np.testing.assert_array_equal(T234.reshape(-1)[where], got)


def test_results_are_tuples_to_unpack_or_to_index():
    result = outputs("a, b = torch.split(x, 2); c = torch.split(x, 2)[0]; d = x.chunk(2)[1]; "
                     "e, f, g = x.unbind(0)", x=[1.0, 2.0, 3.0])
    assert result["a"].tolist() == [1.0, 2.0] and result["b"].tolist() == [3.0]
    assert result["c"].tolist() == [1.0, 2.0] and result["d"].tolist() == [3.0]
    assert result["e"] == 1.0 and result["f"] == 2.0 and result["g"] == 3.0
    assert "2 pieces" in error("a = torch.split(x, 2)[2]", x=[1.0, 2.0, 3.0]).message
    err = error("parts = np.array_split(x, 2)", x=[1.0, 2.0, 3.0])
    assert "not one tensor" in err.message and "parts[0]" in err.message


def test_trap_torch_equal_is_one_truth_np_equal_elementwise():
    x = np.array([1.0, 2.0])
    assert output("out = torch.equal(x, x * 1)", x=x) == 1
    assert output("out = torch.equal(x, x[:1])", x=x) == 0
    assert output("out = np.equal(x, x * 1)", x=x).tolist() == [1, 1]


def test_trap_float_is_float32_as_in_pytorch():
    x = np.array([0.1, 1 / 3])
    got = output("out = x.float()", x=x)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, x.astype(np.float32))
    assert output("out = x.double()", x=x).dtype == np.float64
    assert output("out = x.float() * x", x=x).dtype == np.float64  # dimensioned float64 wins
    assert output("out = x.float() * 2.0", x=x).dtype == np.float32  # a number does not


def test_trap_diag_keyword_follows_each_library():
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(output("out = np.diag(x, k=1)", x=x), np.diag(x, k=1))
    np.testing.assert_array_equal(output("out = torch.diag(x, diagonal=-1)", x=x), np.diag(x, -1))


# -- second order, every sample of the families added here ------------------------------------------

FAMILIES = (shapes, joining, sequences, indexing, logic, division)
SECOND_ORDER = [(name, text) for family in FAMILIES for name, fn in family.TABLE.functions.items()
                for text in fn.samples]


def _weighted_gradient(c: Computation, weights: dict) -> np.ndarray:
    grad = c.backward([weights])["grad"]
    return np.concatenate([np.ravel(grad[n]) for n in c.wrt])


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name,text", SECOND_ORDER, ids=[f"{n}:{t[6:]}" for n, t in SECOND_ORDER])
def test_second_order(name, text):
    """d/dx of the gradient of sum(w * out): forward over reverse against central differences."""
    program = Program(text)
    values = sample_values(program.input_names, zlib.crc32(text.encode()))
    c = Computation(program, values)
    weights = {n: np.linspace(0.5, 1.5, max(t.size, 1)).reshape(t.shape) for n, t in c.outputs.items()}
    loss = None
    for n, out in c.outputs.items():
        if not out.requires_grad:
            continue
        w = Tensor(backend.from_numpy(weights[n], c.dtype))
        term = ops.reduce("sum", out * w, tuple(range(-out.nd, 0)), False)
        loss = term if loss is None else loss + term
    if loss is None:
        pytest.skip("no output depends on an input")
    leaves = c.wrt_leaves()
    grads = [engine.fit(g, leaf.shape) if g is not None else Tensor(np.zeros(leaf.shape))
             for g, leaf in zip(engine.gradient_graph(loss, leaves), leaves)]
    blocks, _ = engine.jacobian_forward(grads, leaves)
    hessian = np.concatenate([np.concatenate([b.reshape(g.size, leaf.size) for b, leaf in zip(row, leaves)],
                                             axis=1) for row, g in zip(blocks, grads)], axis=0)
    eps, columns = 1e-5, []
    for name_ in c.wrt:
        base = np.asarray(values[name_], dtype=np.float64)
        for i in range(base.size):
            up, down = dict(values), dict(values)
            u, d = base.copy().reshape(-1), base.copy().reshape(-1)
            u[i] += eps
            d[i] -= eps
            up[name_], down[name_] = u.reshape(base.shape), d.reshape(base.shape)
            columns.append((_weighted_gradient(Computation(program, up), weights)
                            - _weighted_gradient(Computation(program, down), weights)) / (2 * eps))
    want = np.stack(columns, axis=1)
    np.testing.assert_allclose(hessian, want, rtol=1e-4, atol=1e-5, err_msg=text)


def test_cumprod_hessian_is_exact_at_zeros():
    """One zero, two zeros, all zeros: the Hessian of sum(w * cumprod(x)) by hand."""
    w = np.array([0.3, -1.2, 0.7, 2.0, 0.5])
    for x in ([0.0, 2.5, -0.5, 1.5, 2.0], [1.5, 0.0, 2.5, 0.0, -2.0], [0.0, 0.0, 0.0, 0.0, 0.0]):
        x = np.asarray(x)
        got = Computation("out = (cumprod(x, 0) * w).sum()", {"x": x, "w": w}, wrt="x").hessian()["matrix"]
        want = np.zeros((5, 5))
        for a in range(5):
            for b in range(5):
                if a == b:
                    continue
                for m in range(max(a, b), 5):  # d^2/dx_a dx_b of w_m prod_{j<=m} x_j
                    want[a, b] += w[m] * np.prod([x[j] for j in range(m + 1) if j not in (a, b)])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=str(x))


# -- integer and boolean tensors ------------------------------------------------------------------

def test_comparisons_give_booleans_reported_as_zero_and_one():
    doc = cli_json("eval", "m = x > 1.5; n = (x > 1.5).sum(); i = argmax(x)", "--at", "x=1,2,3")
    assert doc["outputs"] == {"m": [0, 1, 1], "n": 2, "i": 2}
    assert all(isinstance(v, int) for v in doc["outputs"]["m"])
    proc = cli("eval", "m = x > 1.5", "--at", "x=1,2,3")
    assert proc.returncode == 0 and "[0, 1, 1]" in proc.stdout


def test_a_boolean_output_has_a_zero_jacobian_of_numbers():
    doc = cli_json("jacobian", "m = x > 1.5", "--at", "x=1,2")
    assert doc["matrix"] == [[0.0, 0.0], [0.0, 0.0]]


def test_masks_in_arithmetic_keep_the_gradients_dtype():
    c = Computation("out = ((x > 0) * x + where(x < 0, x, 0.) * (x != 0)).sum()",
                    {"x": np.array([-1.0, 2.0, 0.5])}, dtype="float32")
    result = c.backward()
    assert result["outputs"]["out"].dtype == np.float32
    assert result["grad"]["x"].dtype == np.float32
    np.testing.assert_array_equal(result["grad"]["x"], [1, 1, 1])


def test_promotion_follows_pytorch():
    got = outputs("a = tensor([1, 2], dtype=torch.long) + 1; b = tensor([1, 2], dtype=torch.long) / 2; "
                  "c = tensor([1, 2], dtype=torch.long) * 1.5; d = (x > 0) + (x > 1); "
                  "e = tensor([1, 2], dtype=torch.int32) + tensor(3, dtype=torch.long); "
                  "f = zeros(2, dtype=torch.float32) + x; g = zeros(2, dtype=torch.float32) + s",
                  x=[0.5, 2.0], s=1.0)
    assert got["a"].dtype == np.int64 and got["a"].tolist() == [2, 3]
    assert got["b"].dtype == np.float64 and got["b"].tolist() == [0.5, 1.0]
    assert got["c"].dtype == np.float64
    assert got["d"].dtype == np.int64 and got["d"].tolist() == [1, 1]  # booleans add as 0/1 ints
    assert got["e"].dtype == np.int32  # a 0-d tensor does not widen a dimensioned one
    assert got["f"].dtype == np.float64 and got["g"].dtype == np.float32


def test_dtype_in_a_creation_is_honoured():
    doc = cli_json("eval", "y = torch.ones(2, dtype=torch.float32) * 0.1")
    assert doc["outputs"]["y"] == [float(np.float32(0.1))] * 2
    got = outputs("a = torch.zeros(2, dtype=torch.int64); b = torch.full((2,), 3, dtype=torch.int32); "
                  "c = torch.arange(3, dtype=torch.long); d = np.eye(2, dtype=np.float32); "
                  "e = torch.tensor([1, 2], dtype=torch.bool)")
    assert [got[k].dtype for k in "abcd"] == [np.int64, np.int32, np.int64, np.float32]
    assert got["e"].tolist() == [1, 1]


def test_casts():
    got = outputs("a = x.long(); b = x.int(); c = x.bool(); d = x.to(torch.int64); e = x.astype('int32'); "
                  "f = x.type(torch.float32); g = (x > 0).to(x)", x=[-1.7, 0.0, 2.5])
    assert got["a"].tolist() == [-1, 0, 2] and got["a"].dtype == np.int64  # truncates, as PyTorch
    assert got["b"].dtype == np.int32 and got["c"].tolist() == [1, 0, 1]
    assert got["d"].dtype == np.int64 and got["e"].dtype == np.int32 and got["f"].dtype == np.float32
    assert got["g"].dtype == np.float64 and got["g"].tolist() == [0.0, 0.0, 1.0]
    grad = Computation("out = (x.float() * 3).sum() + x.long().sum()", {"x": np.array([0.5, 1.5])}).backward()
    np.testing.assert_array_equal(grad["grad"]["x"], [3.0, 3.0])  # through float32, none through long
    assert grad["grad"]["x"].dtype == np.float64


@pytest.mark.parametrize("t", ["2", "2.0", "-1"])
def test_a_whole_number_input_indexes(t):
    doc = cli_json("grad", "out = -log_softmax(z, 0)[t]", "--at", "z=1,2,3", "--at", f"t={t}", "--wrt", "z")
    z = np.array([1.0, 2.0, 3.0])
    p = np.exp(z) / np.exp(z).sum()
    k = int(float(t))
    want = p.copy()
    want[k] -= 1
    np.testing.assert_allclose(doc["grad"]["z"], want, rtol=1e-12)
    np.testing.assert_allclose(doc["outputs"]["out"], -np.log(p[k]), rtol=1e-12)


def test_class_targets_as_a_vector():
    z = rng.uniform(-1, 1, (4, 3))
    t = np.array([2.0, 0.0, 1.0, 1.0])
    c = Computation("loss = -log_softmax(z, 1)[arange(4), t].mean()", {"z": z, "t": t}, wrt="z")
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    np.testing.assert_allclose(c.evaluate()["outputs"]["loss"], -logp[np.arange(4), t.astype(int)].mean())
    want = np.exp(logp)
    want[np.arange(4), t.astype(int)] -= 1
    np.testing.assert_allclose(c.backward()["grad"]["z"], want / 4, rtol=1e-12)


@pytest.mark.parametrize("program,values,match", [
    ("out = x[t]", {"x": [1, 2, 3], "t": 1.5}, "whole numbers, got 1.5"),
    ("out = x[t]", {"x": [1, 2, 3], "t": 3}, "out of range"),
    ("out = x[[0, 5]]", {"x": [1, 2, 3]}, "out of range"),
    ("out = x[x > 0]", {"x": [[1, 2], [3, 4]]}, None),
    ("out = x[tensor([True, False])]", {"x": [1, 2, 3]}, "boolean index"),
    ("out = x[x.sum() > 0]", {"x": [1, 2, 3]}, "single True or False"),
    ("out = torch.gather(x, 0, tensor([-1]))", {"x": [1, 2, 3]}, "out of range"),
    ("out = x['a']", {"x": [1, 2, 3]}, "indices must be"),
])
def test_index_errors(program, values, match):
    if match is None:
        assert output(program, **values).tolist() == [1, 2, 3, 4]
        return
    err = error(program, **values)
    assert err.kind in ("index", "shape") and match in err.message, err.message
    assert err.line == 1


def test_index_errors_through_the_command_line_exit_2():
    proc = cli("eval", "out = x[t]", "--at", "x=1,2,3", "--at", "t=7", "--json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert json.loads(proc.stderr)["error"]["kind"] == "index"


def test_index_assignment_with_arrays_and_masks():
    x = np.array([1.0, -2.0, 3.0, -4.0])
    got = outputs("y = x * 1; y[x < 0] = 0; z = x * 1; z[[0, 0, 3]] = v", x=x, v=[5.0, 6.0, 7.0])
    np.testing.assert_array_equal(got["y"], [1, 0, 3, 0])
    np.testing.assert_array_equal(got["z"], [6, -2, 3, 7])  # a repeated index: the last write wins
    c = Computation("z = x * 1; z[[0, 0, 3]] = v * 1; out = (z * w).sum()",
                    {"x": x, "v": np.array([5.0, 6.0, 7.0]), "w": np.array([1.0, 2.0, 3.0, 4.0])}, wrt="x,v")
    grad = c.backward()["grad"]
    np.testing.assert_array_equal(grad["x"], [0, 2, 3, 0])  # none to the overwritten elements
    np.testing.assert_array_equal(grad["v"], [0, 1, 4])  # the value that was written gets it


def test_gather_gradient_is_a_scatter_add():
    x = np.array([1.0, 2.0, 3.0])
    grad = Computation("out = (torch.gather(x, 0, tensor([2, 0, 2, 2])) * w).sum()",
                       {"x": x, "w": np.array([1.0, 10.0, 100.0, 1000.0])}, wrt="x").backward()["grad"]
    np.testing.assert_array_equal(grad["x"], [10, 0, 1101])


def test_sort_ties_keep_their_order_and_their_gradients():
    x = np.array([2.0, 1.0, 2.0, 0.0])
    c = Computation("v, i = torch.sort(x, descending=True); out = (v * w).sum()",
                    {"x": x, "w": np.array([1.0, 2.0, 3.0, 4.0])}, wrt="x", outputs="out,i")
    assert c.evaluate()["outputs"]["i"].tolist() == [0, 2, 1, 3]
    c = Computation(c.program, {"x": x, "w": np.array([1.0, 2.0, 3.0, 4.0])}, wrt="x", outputs="out")
    np.testing.assert_array_equal(c.backward()["grad"]["x"], [1, 3, 2, 4])


def test_indexing_per_point_with_points(tmp_path):
    lines = [{"z": [1, 2, 3], "t": 2}, {"z": [3, 1, 0], "t": 0}, {"z": [0, 5, 1], "t": 1}]
    path = tmp_path / "points.ndjson"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    proc = cli("grad", "out = -log_softmax(z, 0)[t] + z[z > 0.5].sum()", "--wrt", "z", "--points", path)
    assert proc.returncode == 0, proc.stderr
    for line, text in zip(lines, proc.stdout.splitlines()):
        z, t = np.asarray(line["z"], float), line["t"]
        p = np.exp(z) / np.exp(z).sum()
        want = p.copy()
        want[t] -= 1
        want += z > 0.5
        np.testing.assert_allclose(json.loads(text)["grad"]["z"], want, rtol=1e-12)


def test_linspace_with_a_tensor_end_computes_and_differentiates():
    doc = cli_json("grad", "y = linspace(x, 1.0, 3).sum()", "--at", "x=0.5")
    assert doc["outputs"]["y"] == pytest.approx(0.5 + 0.75 + 1.0)
    assert doc["grad"]["x"] == pytest.approx(1.5)  # d/dx of x + (x + 1)/2 + 1


def test_where_forms():
    got = outputs("a = torch.where(condition=x > 0, input=x, other=y); b = np.where(x > 0, x=1.0, y=y); "
                  "c = torch.where(x > 0)[0]; d = x[np.where(x > 0)]", x=[1.0, -1.0, 2.0], y=[5.0, 6.0, 7.0])
    assert got["a"].tolist() == [1, 6, 2] and got["b"].tolist() == [1, 6, 1]
    assert got["c"].tolist() == [0, 2] and got["d"].tolist() == [1, 2]
    assert "needs both x and y" in error("out = where(x > 0, x)", x=[1.0]).message
