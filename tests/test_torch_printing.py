"""Tensors print as PyTorch prints them (gradcli/lang/script/printing.py), character for character.

The stored cases hold what PyTorch 2.14.1 printed for `repr(torch.tensor(values, dtype=...))`
(values built here with exact NumPy arithmetic, strings looked over by eye): they run
everywhere. Where torch is installed, the same cases are printed again by torch, and
randomized tensors (every dtype, 0-d to 4-d, empty, magnitudes that switch scientific
notation on, nan/inf/-0.0, huge ones that get summarized, random print options) are
compared with torch's own repr.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from gradcli.errors import GradcliError
from gradcli.lang.script.printing import (
    PrintOptions,
    dtype_name,
    format_parameter,
    format_size,
    format_tensor,
    set_printoptions,
)


def pattern(*shape) -> np.ndarray:
    """Irregular values from exact arithmetic (the same bits on every platform)."""
    n = math.prod(shape)
    return (((np.arange(n) * 7919) % 1000 - 500) / 37.0).reshape(shape)


@dataclass
class Case:
    id: str
    values: object
    dtype: str = "float32"
    requires_grad: bool = False
    grad_fn: str | None = None
    options: dict = field(default_factory=dict)
    default_dtype: str = "float32"


CASES = [
    Case("tutorial_grad", [12.0, 194.0]),
    Case("scalar_grad_fn", 16.5, grad_fn="MeanBackward0"),
    Case("ones_requires_grad", np.ones((2, 2)), requires_grad=True),
    Case("mul_grad_fn", pattern(2, 3), grad_fn="MulBackward0"),
    Case("float64", [1.5, -2.25], dtype="float64"),
    Case("float64_wraps_requires_grad", np.arange(10) / 3, dtype="float64", requires_grad=True),
    Case("float16", [0.1, 1000.5, -3.0], dtype="float16"),
    Case("bfloat16", [3.14159, -2.5, 100.0], dtype="bfloat16"),
    Case("int64", [[1, -20], [300, 4]], dtype="int64"),
    Case("int32", [7, -8, 9], dtype="int32"),
    Case("int16", [[1000], [-2]], dtype="int16"),
    Case("int8", [-128, 5, 127], dtype="int8"),
    Case("uint8", [0, 255, 17], dtype="uint8"),
    Case("bool", [True, False, True], dtype="bool"),
    Case("bool_scalar", False, dtype="bool"),
    Case("int_scalar", -42, dtype="int64"),
    Case("empty", np.zeros(0)),
    Case("empty_2d", np.zeros((0, 3))),
    Case("empty_int64", np.zeros(0), dtype="int64"),
    Case("empty_bool_2d", np.zeros((2, 0)), dtype="bool"),
    Case("empty_float64", np.zeros(0), dtype="float64"),
    Case("empty_requires_grad", np.zeros(0), requires_grad=True),
    Case("integer_valued", [1.0, 2.0, 3.0]),
    Case("integer_valued_negative", [-1.0, 20.0, 300.0]),
    Case("small_triggers_sci", [1e-5, 1.0]),
    Case("large_triggers_sci", [1e9, 1.0]),
    Case("ratio_triggers_sci", [0.001, 10.0]),
    Case("ratio_just_below", [0.01, 10.0]),
    Case("integer_sci", [1e10, -3e10]),
    Case("over_1e8", [123456789.0]),
    Case("zeros", [0.0, -0.0, 0.0]),
    Case("nonfinite", [np.nan, np.inf, -np.inf, -0.0, 1.5]),
    Case("nan_alone", [np.nan]),
    Case("inf_and_int", [np.inf, 2.0]),
    Case("nan_and_fraction", [0.5, np.nan]),
    Case("nonfinite_sci", [np.nan, 1e-7, 3.0]),
    Case("negative_zero_fraction", [-0.0, 0.25]),
    Case("summarized_vector", np.arange(2000.0)),
    Case("summarized_int", np.arange(1001), dtype="int64"),
    Case("summarized_matrix", pattern(100, 100)),
    Case("summarized_3d", pattern(5, 6, 7), dtype="float64",
         options={"threshold": 100, "edgeitems": 2}),
    Case("summarized_requires_grad", pattern(1200) * 1e-6, requires_grad=True),
    Case("wrapped_vector", pattern(30)),
    Case("wrapped_matrix", pattern(3, 12)),
    Case("wrapped_suffix_newline", pattern(14) * 1000, requires_grad=True),
    Case("3d", np.arange(24.0).reshape(2, 3, 4)),
    Case("4d", pattern(2, 1, 2, 2), grad_fn="MulBackward0"),
    Case("precision_2", pattern(5), options={"precision": 2}),
    Case("precision_0", [0.5, 1.5, 2.25], options={"precision": 0}),
    Case("precision_8_float64", [1 / 3, 2 / 3], dtype="float64", options={"precision": 8}),
    Case("sci_mode_true", [1.0, 2.0], options={"sci_mode": True}),
    Case("sci_mode_false", [1e-8, 1e8], options={"sci_mode": False}),
    Case("profile_short", pattern(3, 3), options={"profile": "short"}),
    Case("threshold_edgeitems", np.arange(12.0), options={"threshold": 10, "edgeitems": 2}),
    Case("linewidth_40", pattern(20), options={"linewidth": 40}),
    Case("edgeitems_0_vector", np.arange(10.0), options={"threshold": 5, "edgeitems": 0}),
    Case("edgeitems_0_matrix", pattern(4, 4), options={"threshold": 5, "edgeitems": 0}),
    Case("default_float64_shows_float32", [1.5, 2.0], default_dtype="float64"),
    Case("default_float64_hides_float64", [1.5, 2.0], dtype="float64", default_dtype="float64"),
    Case("default_float64_empty_float32", np.zeros(0), default_dtype="float64"),
]

# What PyTorch 2.14.1 printed for each case.
EXPECTED = {
    'tutorial_grad': 'tensor([ 12., 194.])',
    'scalar_grad_fn': 'tensor(16.5000, grad_fn=<MeanBackward0>)',
    'ones_requires_grad': (
        'tensor([[1., 1.],\n'
        '        [1., 1.]], requires_grad=True)'
    ),
    'mul_grad_fn': (
        'tensor([[-13.5135,  11.3243,   9.1351],\n'
        '        [  6.9459,   4.7568,   2.5676]], grad_fn=<MulBackward0>)'
    ),
    'float64': 'tensor([ 1.5000, -2.2500], dtype=torch.float64)',
    'float64_wraps_requires_grad': (
        'tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n'
        '        3.0000], dtype=torch.float64, requires_grad=True)'
    ),
    'float16': 'tensor([ 9.9976e-02,  1.0005e+03, -3.0000e+00], dtype=torch.float16)',
    'bfloat16': 'tensor([  3.1406,  -2.5000, 100.0000], dtype=torch.bfloat16)',
    'int64': (
        'tensor([[  1, -20],\n'
        '        [300,   4]])'
    ),
    'int32': 'tensor([ 7, -8,  9], dtype=torch.int32)',
    'int16': (
        'tensor([[1000],\n'
        '        [  -2]], dtype=torch.int16)'
    ),
    'int8': 'tensor([-128,    5,  127], dtype=torch.int8)',
    'uint8': 'tensor([  0, 255,  17], dtype=torch.uint8)',
    'bool': 'tensor([ True, False,  True])',
    'bool_scalar': 'tensor(False)',
    'int_scalar': 'tensor(-42)',
    'empty': 'tensor([])',
    'empty_2d': 'tensor([], size=(0, 3))',
    'empty_int64': 'tensor([], dtype=torch.int64)',
    'empty_bool_2d': 'tensor([], size=(2, 0), dtype=torch.bool)',
    'empty_float64': 'tensor([], dtype=torch.float64)',
    'empty_requires_grad': 'tensor([], requires_grad=True)',
    'integer_valued': 'tensor([1., 2., 3.])',
    'integer_valued_negative': 'tensor([ -1.,  20., 300.])',
    'small_triggers_sci': 'tensor([1.0000e-05, 1.0000e+00])',
    'large_triggers_sci': 'tensor([1.0000e+09, 1.0000e+00])',
    'ratio_triggers_sci': 'tensor([1.0000e-03, 1.0000e+01])',
    'ratio_just_below': 'tensor([1.0000e-02, 1.0000e+01])',
    'integer_sci': 'tensor([ 1.0000e+10, -3.0000e+10])',
    'over_1e8': 'tensor([1.2346e+08])',
    'zeros': 'tensor([0., -0., 0.])',
    'nonfinite': 'tensor([   nan,    inf,   -inf, -0.0000, 1.5000])',
    'nan_alone': 'tensor([nan])',
    'inf_and_int': 'tensor([inf, 2.])',
    'nan_and_fraction': 'tensor([0.5000,    nan])',
    'nonfinite_sci': 'tensor([       nan, 1.0000e-07, 3.0000e+00])',
    'negative_zero_fraction': 'tensor([-0.0000, 0.2500])',
    'summarized_vector': (
        'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n'
        '        1.9990e+03])'
    ),
    'summarized_int': 'tensor([   0,    1,    2,  ...,  998,  999, 1000])',
    'summarized_matrix': (
        'tensor([[-13.5135,  11.3243,   9.1351,  ...,  -9.6486, -11.8378,  13.0000],\n'
        '        [ 10.8108,   8.6216,   6.4324,  ..., -12.3514,  12.4865,  10.2973],\n'
        '        [  8.1081,   5.9189,   3.7297,  ...,  11.9730,   9.7838,   7.5946],\n'
        '        ...,\n'
        '        [ -5.4054,  -7.5946,  -9.7838,  ...,  -1.5405,  -3.7297,  -5.9189],\n'
        '        [ -8.1081, -10.2973, -12.4865,  ...,  -4.2432,  -6.4324,  -8.6216],\n'
        '        [-10.8108, -13.0000,  11.8378,  ...,  -6.9459,  -9.1351, -11.3243]])'
    ),
    'summarized_3d': (
        'tensor([[[-13.5135,  11.3243,  ...,   2.5676,   0.3784],\n'
        '         [ -1.8108,  -4.0000,  ..., -12.7568,  12.0811],\n'
        '         ...,\n'
        '         [  6.2703,   4.0811,  ...,  -4.6757,  -6.8649],\n'
        '         [ -9.0541, -11.2432,  ...,   7.0270,   4.8378]],\n'
        '\n'
        '        [[  2.6486,   0.4595,  ...,  -8.2973, -10.4865],\n'
        '         [-12.6757,  12.1622,  ...,   3.4054,   1.2162],\n'
        '         ...,\n'
        '         [ -4.5946,  -6.7838,  ...,  11.4865,   9.2973],\n'
        '         [  7.1081,   4.9189,  ...,  -3.8378,  -6.0270]],\n'
        '\n'
        '        ...,\n'
        '\n'
        '        [[  7.9459,   5.7568,  ...,  -3.0000,  -5.1892],\n'
        '         [ -7.3784,  -9.5676,  ...,   8.7027,   6.5135],\n'
        '         ...,\n'
        '         [  0.7027,  -1.4865,  ..., -10.2432, -12.4324],\n'
        '         [ 12.4054,  10.2162,  ...,   1.4595,  -0.7297]],\n'
        '\n'
        '        [[ -2.9189,  -5.1081,  ...,  13.1622,  10.9730],\n'
        '         [  8.7838,   6.5946,  ...,  -2.1622,  -4.3514],\n'
        '         ...,\n'
        '         [-10.1622, -12.3514,  ...,   5.9189,   3.7297],\n'
        '         [  1.5405,  -0.6486,  ...,  -9.4054, -11.5946]]], dtype=torch.float64)'
    ),
    'summarized_requires_grad': (
        'tensor([-1.3514e-05,  1.1324e-05,  9.1351e-06,  ..., -1.2351e-05,\n'
        '         1.2486e-05,  1.0297e-05], requires_grad=True)'
    ),
    'wrapped_vector': (
        'tensor([-13.5135,  11.3243,   9.1351,   6.9459,   4.7568,   2.5676,   0.3784,\n'
        '         -1.8108,  -4.0000,  -6.1892,  -8.3784, -10.5676, -12.7568,  12.0811,\n'
        '          9.8919,   7.7027,   5.5135,   3.3243,   1.1351,  -1.0541,  -3.2432,\n'
        '         -5.4324,  -7.6216,  -9.8108, -12.0000,  12.8378,  10.6486,   8.4595,\n'
        '          6.2703,   4.0811])'
    ),
    'wrapped_matrix': (
        'tensor([[-13.5135,  11.3243,   9.1351,   6.9459,   4.7568,   2.5676,   0.3784,\n'
        '          -1.8108,  -4.0000,  -6.1892,  -8.3784, -10.5676],\n'
        '        [-12.7568,  12.0811,   9.8919,   7.7027,   5.5135,   3.3243,   1.1351,\n'
        '          -1.0541,  -3.2432,  -5.4324,  -7.6216,  -9.8108],\n'
        '        [-12.0000,  12.8378,  10.6486,   8.4595,   6.2703,   4.0811,   1.8919,\n'
        '          -0.2973,  -2.4865,  -4.6757,  -6.8649,  -9.0541]])'
    ),
    'wrapped_suffix_newline': (
        'tensor([-13513.5137,  11324.3242,   9135.1348,   6945.9458,   4756.7568,\n'
        '          2567.5676,    378.3784,  -1810.8108,  -4000.0000,  -6189.1890,\n'
        '         -8378.3779, -10567.5674, -12756.7568,  12081.0811],\n'
        '       requires_grad=True)'
    ),
    '3d': (
        'tensor([[[ 0.,  1.,  2.,  3.],\n'
        '         [ 4.,  5.,  6.,  7.],\n'
        '         [ 8.,  9., 10., 11.]],\n'
        '\n'
        '        [[12., 13., 14., 15.],\n'
        '         [16., 17., 18., 19.],\n'
        '         [20., 21., 22., 23.]]])'
    ),
    '4d': (
        'tensor([[[[-13.5135,  11.3243],\n'
        '          [  9.1351,   6.9459]]],\n'
        '\n'
        '\n'
        '        [[[  4.7568,   2.5676],\n'
        '          [  0.3784,  -1.8108]]]], grad_fn=<MulBackward0>)'
    ),
    'precision_2': 'tensor([-13.51,  11.32,   9.14,   6.95,   4.76])',
    'precision_0': 'tensor([0, 2, 2])',
    'precision_8_float64': 'tensor([0.33333333, 0.66666667], dtype=torch.float64)',
    'sci_mode_true': 'tensor([1.0000e+00, 2.0000e+00])',
    'sci_mode_false': 'tensor([        0.0000, 100000000.0000])',
    'profile_short': (
        'tensor([[-13.51,  11.32,   9.14],\n'
        '        [  6.95,   4.76,   2.57],\n'
        '        [  0.38,  -1.81,  -4.00]])'
    ),
    'threshold_edgeitems': 'tensor([ 0.,  1.,  ..., 10., 11.])',
    'linewidth_40': (
        'tensor([-13.5135,  11.3243,   9.1351,\n'
        '          6.9459,   4.7568,   2.5676,\n'
        '          0.3784,  -1.8108,  -4.0000,\n'
        '         -6.1892,  -8.3784, -10.5676,\n'
        '        -12.7568,  12.0811,   9.8919,\n'
        '          7.7027,   5.5135,   3.3243,\n'
        '          1.1351,  -1.0541])'
    ),
    'edgeitems_0_vector': 'tensor([...], size=(10,))',
    'edgeitems_0_matrix': 'tensor([...], size=(4, 4))',
    'default_float64_shows_float32': 'tensor([1.5000, 2.0000], dtype=torch.float32)',
    'default_float64_hides_float64': 'tensor([1.5000, 2.0000])',
    'default_float64_empty_float32': 'tensor([], dtype=torch.float32)',
}


def _options(case: Case) -> PrintOptions:
    return set_printoptions(PrintOptions(), **case.options)


def _format(case: Case) -> str:
    return format_tensor(case.values, dtype=case.dtype, requires_grad=case.requires_grad,
                         grad_fn=case.grad_fn, options=_options(case),
                         default_dtype=case.default_dtype)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_stored_pytorch_output(case):
    assert _format(case) == EXPECTED[case.id]


def test_parameter_and_size():
    assert format_parameter(pattern(2, 3)) == (
        "Parameter containing:\n"
        "tensor([[-13.5135,  11.3243,   9.1351],\n"
        "        [  6.9459,   4.7568,   2.5676]], requires_grad=True)")
    assert format_parameter([1.0, 2.0], dtype="float64") == (
        "Parameter containing:\ntensor([1., 2.], dtype=torch.float64, requires_grad=True)")
    assert format_size((2, 3)) == "torch.Size([2, 3])"
    assert format_size(()) == "torch.Size([])"
    assert format_size([np.int64(0)]) == "torch.Size([0])"
    assert dtype_name("float64") == "torch.float64"


def test_device_suffix():
    assert format_tensor([1.0], device="cuda:0") == "tensor([1.], device='cuda:0')"
    assert format_tensor([1.0], device="cpu") == "tensor([1.])"


def test_set_printoptions_follows_pytorch():
    opts = set_printoptions(PrintOptions(), precision=2, sci_mode=True)
    assert (opts.precision, opts.sci_mode) == (2, True)
    # like torch.set_printoptions, a call that does not name sci_mode resets it
    again = set_printoptions(opts, linewidth=100)
    assert (again.precision, again.linewidth, again.sci_mode) == (2, 100, None)
    short = set_printoptions(again, profile="short")
    assert (short.precision, short.edgeitems, short.linewidth) == (2, 2, 80)
    full = set_printoptions(short, profile="full", precision=6)
    assert (full.precision, full.threshold, full.edgeitems) == (6, math.inf, 3)
    assert set_printoptions(full, profile="unknown") == full  # PyTorch ignores it too
    assert PrintOptions() == set_printoptions(full, profile="default")
    with pytest.raises(GradcliError, match="precision"):
        set_printoptions(PrintOptions(), precision="4")
    with pytest.raises(GradcliError, match="precision"):
        set_printoptions(PrintOptions(), precision=-1)
    with pytest.raises(GradcliError, match="between 0 and 100") as info:
        set_printoptions(PrintOptions(), precision=10 ** 9)  # a limit, not gigabytes of digits
    assert info.value.kind == "limit"
    with pytest.raises(GradcliError, match="unexpected keyword argument 'width'"):
        set_printoptions(PrintOptions(), width=3)


def test_unknown_dtype_is_a_clear_error():
    with pytest.raises(GradcliError, match="complex64"):
        format_tensor([1.0], dtype="complex64")


def test_any_array_api_array_prints():
    strict = pytest.importorskip("array_api_strict")
    assert format_tensor(strict.asarray([1.5, 2.0])) == "tensor([1.5000, 2.0000])"


def test_bfloat16_rounds_to_nearest_even():
    # 1 + 2**-8 lies halfway between bfloat16 neighbours 1 and 1 + 2**-7: it rounds to 1.
    assert format_tensor([1 + 2 ** -8, 1 + 3 * 2 ** -8], dtype="bfloat16") == \
        "tensor([1.0000, 1.0156], dtype=torch.bfloat16)"


# ------------------------------------------------------------------ against torch itself

def _torch():
    return pytest.importorskip("torch")


TORCH_DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16",
                "int8", "uint8", "bool")


@pytest.fixture
def torch_print():
    """torch's repr of a tensor under print options, its global options restored after."""
    torch = _torch()

    def show(t, options: dict, default_dtype: str = "float32") -> str:
        old = torch.get_default_dtype()
        torch.set_default_dtype(getattr(torch, default_dtype))
        torch.set_printoptions(profile="default")
        torch.set_printoptions(**options)
        try:
            return repr(t)
        finally:
            torch.set_printoptions(profile="default")
            torch.set_printoptions(sci_mode=None)
            torch.set_default_dtype(old)
    return show


def _torch_tensor(torch, values, dtype: str, requires_grad=False, grad_fn=None):
    t = torch.tensor(np.asarray(values, dtype=np.float64 if dtype in ("float16", "bfloat16")
                                else None)).to(getattr(torch, dtype))
    if grad_fn is None:
        return t.requires_grad_(requires_grad)
    leaf = t.detach().requires_grad_(True)
    made = {"MulBackward0": lambda: leaf * 1,
            "MeanBackward0": lambda: leaf.reshape(1).mean()}[grad_fn]()
    assert type(made.grad_fn).__name__ == grad_fn
    return made


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_stored_cases_against_torch(case, torch_print):
    torch = _torch()
    t = _torch_tensor(torch, case.values, case.dtype, case.requires_grad, case.grad_fn)
    assert torch_print(t, case.options, case.default_dtype) == _format(case)


def _random_values(rng, shape, dtype):
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype == "uint8":
        return rng.integers(0, 256, size=shape)
    if dtype.startswith("int"):
        top = {"int64": 10 ** int(rng.integers(1, 18)), "int32": 2 ** 31 - 1,
               "int16": 2 ** 15 - 1, "int8": 127}[dtype]
        return rng.integers(-top, top, size=shape)
    kind = rng.integers(0, 8)
    if kind == 0:
        return rng.normal(size=shape)
    if kind == 1:
        return rng.integers(-1000, 1000, size=shape).astype(float)
    if kind == 2:  # every element its own magnitude
        return rng.normal(size=shape) * 10.0 ** rng.integers(-12, 12, size=shape)
    if kind == 3:  # one magnitude for all
        return rng.normal(size=shape) * 10.0 ** float(rng.integers(-9, 12))
    if kind == 4:
        return np.round(rng.normal(size=shape) * 100, int(rng.integers(0, 5)))
    if kind == 5:
        return rng.choice([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, 2.5, -3.0, 1e9, 1e-5],
                          size=shape)
    if kind == 6:
        return rng.integers(-3, 3, size=shape) * 10.0 ** float(rng.integers(0, 12))
    return rng.uniform(0, 1, size=shape)


def _random_shape(rng):
    ndim = int(rng.integers(0, 5))
    roll = rng.random()
    if roll < 0.1:
        return tuple(int(d) for d in rng.choice([0, 1, 2, 3], size=max(ndim, 1)))
    if roll < 0.35:  # big enough to wrap lines and be summarized
        return tuple(int(d) for d in rng.integers(1, 60, size=min(max(ndim, 1), 2)))
    return tuple(int(d) for d in rng.integers(1, 7, size=ndim))


def _random_options(rng) -> dict:
    options = {}
    if rng.random() < 0.4:
        for name, choices in (("precision", [0, 1, 2, 3, 6, 8]),
                              ("threshold", [5, 10, 50, 100, 1000, math.inf]),
                              ("edgeitems", [0, 1, 2, 3, 4]), ("linewidth", [20, 40, 80, 120]),
                              ("sci_mode", [True, False, None]),
                              ("profile", ["default", "short", "full"])):
            if rng.random() < 0.35:
                options[name] = choices[int(rng.integers(0, len(choices)))]
    return options


@pytest.mark.parametrize("seed", range(6))
def test_random_tensors_against_torch(seed, torch_print):
    torch = _torch()
    rng = np.random.default_rng(seed)
    weights = np.array([.3, .15, .05, .05, .15, .05, .03, .03, .04, .15])
    for _ in range(150):
        dtype = str(rng.choice(TORCH_DTYPES, p=weights / weights.sum()))
        shape = _random_shape(rng)
        values = np.asarray(_random_values(rng, shape, dtype)).reshape(shape)
        floating = dtype in ("float32", "float64", "float16", "bfloat16")
        roll = rng.random()
        requires_grad = floating and roll < 0.3
        grad_fn = "MulBackward0" if dtype in ("float32", "float64") and 0.3 <= roll < 0.45 else None
        default_dtype = "float64" if rng.random() < 0.1 else "float32"
        options = _random_options(rng)
        t = _torch_tensor(torch, values, dtype, requires_grad, grad_fn)
        shown = t.detach().float().numpy() if dtype == "bfloat16" else t.detach().numpy()
        ours = format_tensor(shown, dtype=dtype, requires_grad=requires_grad, grad_fn=grad_fn,
                             options=set_printoptions(PrintOptions(), **options),
                             default_dtype=default_dtype)
        assert ours == torch_print(t, options, default_dtype), (dtype, shape, options)


def test_parameter_against_torch(torch_print):
    torch = _torch()
    p = torch.nn.Parameter(torch.tensor(pattern(3, 2), dtype=torch.float32))
    assert format_parameter(p.detach().numpy()) == torch_print(p, {})
    assert format_size((4, 0, 2)) == repr(torch.Size([4, 0, 2]))
