"""Seeded random numbers are PyTorch's, bit for bit (gradcli/lang/script/random.py).

Without torch: values PyTorch 2.14.1 gave after `torch.manual_seed(N)` (stored below, as
exact floats and as SHA-256 digests of long mixed streams), the Mersenne twister checked
against NumPy's own mt19937 and the C++ standard's reference output, and properties of
PyTorch's kernels (the Box-Muller cache, the recomputed tail of 16). With torch: random
sequences of calls (rand, randn, uniform_, normal_, randint, randperm, nn.Linear's
initialisation; float32 and float64; 0-d, empty, odd sizes, sizes around 16) for several
seeds, compared bit for bit.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from gradcli.errors import GradcliError
from gradcli.lang.script.random import DEFAULT_SEED, Generator, _MersenneTwister

SEEDS = [0, 1, 42, 2 ** 32 + 5, DEFAULT_SEED]

# What PyTorch 2.14.1 gave for each call right after torch.manual_seed(0).
AFTER_SEED_0 = {
    "rand(5)": [0.49625658988952637, 0.7682217955589294, 0.08847743272781372,
                0.13203048706054688, 0.30742281675338745],
    "rand(3, float64)": [0.9700530018065531, 0.707819864399788, 0.45938294312745087],
    "randn(5)": [1.5409960746765137, -0.293428897857666, -2.1787893772125244,
                 0.5684312582015991, -1.0845223665237427],
    "randn(3, float64)": [1.5409961082440433, -0.2934289057609464, -2.1787893820745574],
    "randn(16)[:4]": [-1.1258398294448853, -1.152360200881958, -0.2505785822868347,
                      -0.4338788092136383],
    "randn(17)[-4:]": [1.586334228515625, 0.946298360824585, -0.843676745891571,
                       0.9318265914916992],
    "randint(0, 10, (8,))": [4, 9, 3, 0, 3, 9, 7, 3],
    "randint(-2**40, 2**40, (3,))": [-358231004625, -593374360384, 291447657211],
    "randperm(8)": [4, 0, 7, 3, 2, 5, 1, 6],
    "Linear(3, 2)": [-0.004322517663240433, 0.3097158372402191, -0.4751853346824646,
                     -0.4248946011066437, -0.2223689705133438, 0.15482072532176971,
                     -0.011439144611358643, 0.45777493715286255],
    "uniform_((4,), -0.5, 2.0)": [0.7406414747238159, 1.420554518699646, -0.2788064181804657,
                                  -0.1699237823486328],
    "normal_((4,), 1.5, 0.25)": [1.8852490186691284, 1.4266427755355835, 0.9553026556968689,
                                 1.6421078443527222],
    "normal_((16,), 1.5, 0.25)[:4]": [1.218540072441101, 1.2119100093841553,
                                      1.437355399131775, 1.3915302753448486],
}

# torch.rand(3) after torch.manual_seed(seed); the default seed is also a fresh generator's.
RAND3 = {
    1: [0.7576315999031067, 0.2793108820915222, 0.40306925773620605],
    42: [0.8822692632675171, 0.9150039553642273, 0.38286375999450684],
    2 ** 32 + 5: [0.8302518725395203, 0.12611091136932373, 0.9074696898460388],
    DEFAULT_SEED: [0.267295241355896, 0.8725283145904541, 0.3352888226509094],
    -1: [0.9937993884086609, 0.5713063478469849, 0.5700080394744873],
}

# SHA-256 (first 32 hex digits) of the little-endian bytes of each part of `_mixed_stream`.
STREAM_DIGESTS = {
    0: ["43678415636bbad8707b907c2158b274", "debae4f3bba9de4293d046ba4500042d",
        "bfdfda9d23ea6957f438239060a6aab4", "74a83540292356a0648236a24684d6bf",
        "ef0a95da001a5a4524da4fc72261321d", "e4fcb51fb3c81c859c0cf00993ec3d42",
        "bfd031121fa5e19026e48ddc52db5ac1", "c29479d6e01159e5e9196fcb8b708027",
        "f8a80fd77f1326cd86935d0a8769beaa"],
    42: ["13b35fb427f5f8d71b856b1b58bdb07f", "4af231571192839a6dfbd3e5b08fbabc",
         "81b59cbe7f7d565aafe162244ec2f4dc", "078b8a0bace1e07004e08d1a35d66b59",
         "28e3088929dc16e3641d6d973632110d", "9767fdd904e9c92acb9dadf733430a80",
         "f84307d5ed60d47c159c94735317b582", "0a94362c7ac815c76b6dc00666da0c13",
         "aa71cefe567a81800707ea46baaa5de3"],
}
RANDN_1E6_SEED_0 = "46aae2c14787e5720c4957c44b05d9a0"


def _digest(array: np.ndarray) -> str:
    little = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"))
    return hashlib.sha256(little.tobytes()).hexdigest()[:32]


def _mixed_stream(g: Generator) -> list[np.ndarray]:
    """torch.randn(1000), rand(777, float64), randn(15), randn(33, float64),
    randint(-5, 2**30, (100,)), empty(1001).uniform_(-3, 7), empty(100).normal_(-2, 0.5),
    randperm(500), randn(3, 5, 7), one after the other (integers as float64)."""
    return [g.randn((1000,)), g.rand((777,), "float64"), g.randn((15,)),
            g.randn((33,), "float64"), g.randint(-5, 2 ** 30, (100,)).astype(np.float64),
            g.uniform_((1001,), -3, 7), g.normal_((100,), -2, 0.5),
            g.randperm(500).astype(np.float64), g.randn((3, 5, 7))]


def _after_seed_0(call: str) -> list:
    g = Generator(0)
    out = {
        "rand(5)": lambda: g.rand((5,)),
        "rand(3, float64)": lambda: g.rand((3,), "float64"),
        "randn(5)": lambda: g.randn((5,)),
        "randn(3, float64)": lambda: g.randn((3,), "float64"),
        "randn(16)[:4]": lambda: g.randn((16,))[:4],
        "randn(17)[-4:]": lambda: g.randn((17,))[-4:],
        "randint(0, 10, (8,))": lambda: g.randint(0, 10, (8,)),
        "randint(-2**40, 2**40, (3,))": lambda: g.randint(-2 ** 40, 2 ** 40, (3,)),
        "randperm(8)": lambda: g.randperm(8),
        "Linear(3, 2)": lambda: np.concatenate([p.reshape(-1) for p in g.linear_init(3, 2)]),
        "uniform_((4,), -0.5, 2.0)": lambda: g.uniform_((4,), -0.5, 2.0),
        "normal_((4,), 1.5, 0.25)": lambda: g.normal_((4,), 1.5, 0.25),
        "normal_((16,), 1.5, 0.25)[:4]": lambda: g.normal_((16,), 1.5, 0.25)[:4],
    }[call]()
    return out.tolist()


# ------------------------------------------------------------------ stored PyTorch values

@pytest.mark.parametrize("call", list(AFTER_SEED_0))
def test_first_values_after_manual_seed_0(call):
    ours = _after_seed_0(call)
    assert ours == AFTER_SEED_0[call]  # exact: float32 values are exact in a Python float


@pytest.mark.parametrize("seed", list(RAND3))
def test_rand_after_other_seeds(seed):
    values = Generator(seed).rand((3,))
    assert values.dtype == np.float32
    assert values.tolist() == RAND3[seed]


def test_a_new_generator_has_pytorchs_default_seed():
    g = Generator()
    assert g.initial_seed() == DEFAULT_SEED == 67280421310721
    assert g.rand((3,)).tolist() == RAND3[DEFAULT_SEED]


@pytest.mark.parametrize("seed", sorted(STREAM_DIGESTS))
def test_long_mixed_streams(seed):
    parts = _mixed_stream(Generator(seed))
    assert [_digest(p) for p in parts] == STREAM_DIGESTS[seed]


def test_a_million_normal_numbers():
    # About 0.2 s of CPU; speed is measured, not asserted (shared machines vary too much).
    assert _digest(Generator(0).randn((10 ** 6,))) == RANDN_1E6_SEED_0


# ----------------------------------------------------------- the engine, independently

def test_twister_matches_the_reference_mt19937():
    # The C++ standard: the 10000th output of a default-constructed std::mt19937 (seed 5489).
    assert int(Generator(5489)._mt.draw32(10000)[-1]) == 4123659995


@pytest.mark.parametrize("seed", [0, 1, 5489, 2 ** 32 - 1])
def test_twister_matches_numpys_mt19937(seed):
    legacy = np.random.RandomState(seed).get_state()  # init_genrand(seed), as PyTorch seeds
    ours = _MersenneTwister(seed)
    assert np.array_equal(ours.state, legacy[1])
    reference = np.random.MT19937()
    reference.state = {"bit_generator": "MT19937", "state": {"key": legacy[1], "pos": 624}}
    words = np.concatenate([ours.draw32(n) for n in (1, 623, 624, 5000, 0, 3)])
    assert np.array_equal(words, reference.random_raw(len(words)))


def test_draw64_puts_the_first_word_high():
    a, b = Generator(3), Generator(3)
    w = a._mt.draw32(4).astype(np.uint64)
    assert b._mt.draw64(2).tolist() == [int(w[0]) << 32 | int(w[1]), int(w[2]) << 32 | int(w[3])]


def test_only_the_low_32_bits_of_the_seed_seed_the_stream():
    g = Generator(2 ** 32 + 5)
    assert g.initial_seed() == 2 ** 32 + 5
    assert g.randn((40,)).tolist() == Generator(5).randn((40,)).tolist()
    assert Generator(-1).initial_seed() == 2 ** 64 - 1
    assert Generator(7.9).initial_seed() == 7 and Generator(True).initial_seed() == 1  # int()


# --------------------------------------------------------------- PyTorch's kernels' rules

def test_serial_normals_keep_the_sine_for_the_next_call():
    one_by_one = Generator(7)
    first, second = one_by_one.randn(()), one_by_one.randn((1,))
    assert [float(first), float(second[0])] == Generator(7).randn((2,)).tolist()
    # manual_seed forgets the kept number
    g = Generator(7)
    g.randn(())
    g.manual_seed(7)
    assert float(g.randn(())) == float(first)


def test_blocks_of_16_recompute_the_tail_from_fresh_uniforms():
    # randn(17): block 0 from u[0:16], then 16 fresh uniforms redo the numbers 1..16.
    sixteen, seventeen = Generator(3).randn((16,)), Generator(3).randn((17,))
    assert seventeen[0] == sixteen[0]
    assert not np.array_equal(seventeen[1:], sixteen[1:])
    g = Generator(3)
    g.rand((17,))  # the 17 uniforms of the first pass
    redo = g.randn((16,))  # the next 16 uniforms, through the same kernel
    assert np.array_equal(seventeen[1:], redo)


def test_a_saved_state_replays_the_stream():
    g = Generator(9)
    g.randn((3,))  # leaves a kept sine
    saved = g.get_state()
    first = [g.randn((2,)), g.rand((700,)), g.randint(0, 5, (3,))]
    g.set_state(saved)
    again = [g.randn((2,)), g.rand((700,)), g.randint(0, 5, (3,))]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert g.initial_seed() == 9


def test_shapes_dtypes_and_empty_draws():
    g = Generator(0)
    assert g.rand(()).shape == () and g.rand(()).dtype == np.float32
    assert g.randn((2, 0, 3)).shape == (2, 0, 3)
    assert g.randn(4, "float64").dtype == np.float64
    assert g.randint(0, 3, (2, 2), "int32").dtype == np.int32
    assert g.randperm(0).tolist() == [] and g.randperm(1).tolist() == [0]
    before = Generator(0)
    before.rand((0,))
    assert before.rand((2,)).tolist() == Generator(0).rand((2,)).tolist()  # empty draws nothing


def test_distributions_look_right():
    g = Generator(11)
    n = g.randn((200_000,))
    assert abs(n.mean()) < 0.01 and abs(n.std() - 1) < 0.01
    u = g.uniform_((100_000,), -2, 3)
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.02
    k = g.randint(-3, 4, (70_000,))
    assert set(np.unique(k).tolist()) == set(range(-3, 4))
    assert sorted(g.randperm(1000).tolist()) == list(range(1000))
    w, b = g.linear_init(50, 7)
    assert w.shape == (7, 50) and b.shape == (7,)
    assert np.abs(w).max() <= 1 / math.sqrt(50) and np.abs(b).max() <= 1 / math.sqrt(50)
    w, b = g.linear_init(4, 2, bias=False)
    assert b is None


@pytest.mark.parametrize("call, message", [
    (lambda g: g.randint(5, 5, (2,)),
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
    (lambda g: g.randint(0, 300, (2,), "uint8"), "to - 1 is out of bounds for unsigned char"),
    (lambda g: g.randint(-1, 3, (2,), "uint8"), "from is out of bounds for unsigned char"),
    (lambda g: g.uniform_((2,), 1, 0),
     "uniform_ expects to return a [from, to) range, but found from=1 > to=0"),
    (lambda g: g.normal_((2,), 0, -1), "normal expects std >= 0.0, but found std -1"),
    (lambda g: g.randn((-1, 2)), "Trying to create tensor with negative dimension -1: [-1, 2]"),
    (lambda g: g.randperm(-1), "Trying to create tensor with negative dimension -1: [-1]"),
    (lambda g: g.manual_seed(2 ** 64), "Overflow when unpacking long long"),
    (lambda g: g.manual_seed(float("nan")), "cannot convert float NaN to integer"),
    (lambda g: g.manual_seed(None), "not 'NoneType'"),
    (lambda g: g.rand((2,), "int64"), "floating dtype"),
])
def test_errors_carry_pytorchs_messages(call, message):
    with pytest.raises(GradcliError) as info:
        call(Generator(0))
    assert message in info.value.message


# ------------------------------------------------------------------ against torch itself

def _torch():
    return pytest.importorskip("torch")


TORCH_DTYPES = ("float32", "float64", "int64", "int32", "int16", "int8", "uint8")


@pytest.fixture
def torch_rng():
    """torch with its global generator restored after the test."""
    torch = _torch()
    with torch.random.fork_rng(devices=[]):
        yield torch


def _same(ours: np.ndarray, theirs) -> bool:
    theirs = theirs.detach().numpy()
    return (ours.shape == theirs.shape and ours.dtype == theirs.dtype
            and ours.tobytes() == theirs.tobytes())


def _random_call(rng, torch, g: Generator):
    """One random call, made on both sides: (description, ours, torch's)."""
    kind = int(rng.integers(0, 7))
    dtype = ("float32", "float64")[int(rng.integers(0, 2))]
    tdtype = getattr(torch, dtype)
    shape = tuple(int(d) for d in rng.choice([0, 1, 2, 3, 5, 7, 15, 16, 17, 33],
                                             size=int(rng.integers(0, 4))))
    if rng.random() < 0.15:
        shape = (int(rng.integers(1, 3000)),)
    what = f"{kind} {dtype} {shape}"
    if kind == 0:
        return what, g.rand(shape, dtype), torch.rand(shape, dtype=tdtype)
    if kind == 1:
        return what, g.randn(shape, dtype), torch.randn(shape, dtype=tdtype)
    if kind == 2:
        low, high = sorted(float(v) for v in rng.normal(size=2) * 3)
        return (f"{what} uniform_({low}, {high})", g.uniform_(shape, low, high, dtype),
                torch.empty(shape, dtype=tdtype).uniform_(low, high))
    if kind == 3:
        mean, std = float(rng.normal() * 3), float(abs(rng.normal()) * 2)
        return (f"{what} normal_({mean}, {std})", g.normal_(shape, mean, std, dtype),
                torch.empty(shape, dtype=tdtype).normal_(mean, std))
    if kind == 4:
        low = int(rng.integers(-100, 100))
        high = low + int(rng.choice([1, 2, 10, 1000, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32,
                                     2 ** 33 + 7, 2 ** 40]))
        fitting = [d for d in TORCH_DTYPES if d.startswith("float")
                   or np.iinfo(d).min <= low and high - 1 <= np.iinfo(d).max]
        int_dtype = str(rng.choice(fitting))
        return (f"{what} randint({low}, {high}, {int_dtype})",
                g.randint(low, high, shape, int_dtype),
                torch.randint(low, high, shape, dtype=getattr(torch, int_dtype)))
    if kind == 5:
        n = int(rng.choice([0, 1, 2, 5, 100, 1000]))
        return f"randperm({n})", g.randperm(n), torch.randperm(n)
    fan_in, fan_out = int(rng.integers(1, 40)), int(rng.integers(1, 20))
    bias = bool(rng.integers(0, 2))
    layer = torch.nn.Linear(fan_in, fan_out, bias=bias)
    weight, b = g.linear_init(fan_in, fan_out, bias)
    ours = np.concatenate([weight.reshape(-1)] + ([b] if bias else []))
    theirs = torch.cat([layer.weight.reshape(-1)] + ([layer.bias] if bias else []))
    return f"Linear({fan_in}, {fan_out}, bias={bias})", ours, theirs


@pytest.mark.parametrize("seed", SEEDS + [-1, 2 ** 63 + 17])
def test_random_call_sequences_against_torch(seed, torch_rng):
    torch = torch_rng
    torch.manual_seed(seed)
    g = Generator(seed)
    assert g.initial_seed() == torch.initial_seed()
    rng = np.random.default_rng(abs(seed) % 997)
    for step in range(60):
        what, ours, theirs = _random_call(rng, torch, g)
        assert _same(ours, theirs), f"seed {seed}, call {step}: {what}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_size_around_the_blocks_of_16(dtype, torch_rng):
    torch = torch_rng
    torch.manual_seed(5)
    g = Generator(5)
    for n in list(range(50)) + [255, 256, 257, 1000, 1023, 1024, 1025]:
        assert _same(g.randn((n,), dtype), torch.randn(n, dtype=getattr(torch, dtype))), n
        assert _same(g.normal_((n,), 0.25, 3.5, dtype),
                     torch.empty(n, dtype=getattr(torch, dtype)).normal_(0.25, 3.5)), n


def test_a_long_float32_normal_stream(torch_rng):
    torch = torch_rng
    torch.manual_seed(123)
    g = Generator(123)
    assert _same(g.randn((300_001,)), torch.randn(300_001))
    assert _same(g.normal_((65_536,), -7.5, 0.001), torch.empty(65_536).normal_(-7.5, 0.001))


def test_linear_layers_in_float64_and_in_a_row(torch_rng):
    torch = torch_rng
    torch.manual_seed(0)
    g = Generator(0)
    for fan_in, fan_out in [(1, 1), (3, 1), (784, 10), (10, 784), (2, 3)]:
        layer = torch.nn.Linear(fan_in, fan_out)
        weight, bias = g.linear_init(fan_in, fan_out)
        assert _same(weight, layer.weight) and _same(bias, layer.bias)
    layer = torch.nn.Linear(5, 4, dtype=torch.float64)
    weight, bias = g.linear_init(5, 4, dtype="float64")
    assert _same(weight, layer.weight) and _same(bias, layer.bias)
    assert _same(g.rand((3,)), torch.rand(3))  # and the stream goes on in step


def test_a_fresh_torch_generator_is_ours(torch_rng):
    torch = torch_rng
    theirs = torch.Generator()
    g = Generator()
    assert g.initial_seed() == theirs.initial_seed()
    assert _same(g.randn((20,)), torch.randn(20, generator=theirs))


@pytest.mark.parametrize("call, torch_call", [
    (lambda g: g.randint(5, 5, (2,)), lambda t: t.randint(5, 5, (2,))),
    (lambda g: g.randint(0, 300, (2,), "uint8"), lambda t: t.randint(0, 300, (2,), dtype=t.uint8)),
    (lambda g: g.uniform_((2,), 1, 0), lambda t: t.empty(2).uniform_(1, 0)),
    (lambda g: g.normal_((2,), 0, -1), lambda t: t.empty(2).normal_(0, -1)),
    (lambda g: g.randn((-1, 2)), lambda t: t.randn(-1, 2)),
    (lambda g: g.randperm(-1), lambda t: t.randperm(-1)),
    (lambda g: g.manual_seed(2 ** 64), lambda t: t.manual_seed(2 ** 64)),
    (lambda g: g.manual_seed(float("inf")), lambda t: t.manual_seed(float("inf"))),
    (lambda g: g.manual_seed([1]), lambda t: t.manual_seed([1])),
])
def test_error_messages_are_torchs(call, torch_call, torch_rng):
    torch = torch_rng
    with pytest.raises(Exception) as theirs:
        torch_call(torch)
    with pytest.raises(GradcliError) as ours:
        call(Generator(0))
    assert ours.value.message == str(theirs.value).splitlines()[0]
