"""PyTorch's CPU random numbers, bit for bit, in NumPy.

After `torch.manual_seed(N)` a script draws from PyTorch's default CPU generator: a
Mersenne twister (mt19937) seeded with the low 32 bits of N, and kernels that turn its
32-bit words into numbers. `Generator` replays both, so a seeded tutorial prints the
numbers PyTorch prints:

    rand / uniform_   one 32-bit word per float32 (its low 24 bits), one 64-bit word per
                      float64 (its low 53 bits; a 64-bit word is two 32-bit words, the
                      first one high), then `x * (to - from) + from` in the dtype.
    randn / normal_   fewer than 16 elements (or a 0-d tensor): Box-Muller in double, one
                      pair of 53-bit uniforms per two numbers, the sine half kept for the
                      next number (even in the next call; manual_seed forgets it).
                      16 or more: all the uniforms first, then Box-Muller on blocks of 16
                      (8 cosines, 8 sines); a size that is not a multiple of 16 draws 16
                      fresh uniforms and recomputes the last 16 numbers. float32 uses
                      PyTorch's AVX2 kernel: cephes-style log and sincos polynomials in
                      float32, replayed operation for operation.
    randint           `word % (high - low) + low`, a 64-bit word for ranges of 2**28 or more.
    randperm          a Fisher-Yates walk, one 32-bit word per swap.

The numbers are x86 PyTorch's (AVX2 and AVX-512 CPUs, where the kernels are built with
fused multiply-adds). On other CPUs (ARM) PyTorch itself gives other float32 normal
numbers for 16 elements or more, and may round the other kernels' last bit differently.

Pure NumPy: the twister's state update runs in a few vector steps per block of 624 words,
and the kernels on whole arrays, so 10^6 normal numbers take a fraction of a second.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ...errors import GradcliError

DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val

_N, _M = 624, 397
_MATRIX_A = np.uint32(0x9908B0DF)
_UPPER, _LOWER = np.uint32(0x80000000), np.uint32(0x7FFFFFFF)
_FLOAT_DTYPES = ("float32", "float64")
_INT_DTYPES = {"int64": np.int64, "int32": np.int32, "int16": np.int16, "int8": np.int8,
               "uint8": np.uint8}
_C_TYPE_NAMES = {"int64": "long", "int32": "int", "int16": "short", "int8": "signed char",
                 "uint8": "unsigned char", "float32": "float", "float64": "double"}


# ----------------------------------------------------------------------------- the engine

class _MersenneTwister:
    """mt19937 as PyTorch runs it: 32-bit words, served from blocks of 624."""

    def __init__(self, seed: int):
        state = [seed & 0xFFFFFFFF]
        for j in range(1, _N):  # the reference initialisation (Knuth's multiplier)
            prev = state[-1]
            state.append((1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF)
        self.state = np.array(state, dtype=np.uint32)
        self.words = np.empty(0, dtype=np.uint32)  # tempered words not served yet

    @staticmethod
    def _twist(old: np.ndarray, new: np.ndarray) -> None:
        """The state after `old` into `new`. Word i mixes old words i and i+1 (all old: one
        vector step) into word i+397, which is old for i < 227 and already new after."""
        y = (old[:-1] & _UPPER) | (old[1:] & _LOWER)
        mixed = (y >> np.uint32(1)) ^ ((old[1:] & np.uint32(1)) * _MATRIX_A)
        step = _N - _M
        np.bitwise_xor(old[_M:], mixed[:step], out=new[:step])
        np.bitwise_xor(new[:step], mixed[step:2 * step], out=new[step:2 * step])
        np.bitwise_xor(new[step:_N - 1 - step], mixed[2 * step:], out=new[2 * step:_N - 1])
        last = (int(old[-1]) & 0x80000000) | (int(new[0]) & 0x7FFFFFFF)
        new[-1] = int(new[_M - 1]) ^ (last >> 1) ^ (0x9908B0DF if last & 1 else 0)

    def draw32(self, n: int) -> np.ndarray:
        """The next n words, as uint32: new blocks are twisted one after the other, then
        tempered all at once."""
        if n > len(self.words):
            blocks = np.empty((-(-(n - len(self.words)) // _N), _N), dtype=np.uint32)
            prev = self.state
            for block in blocks:
                self._twist(prev, block)
                prev = block
            self.state = blocks[-1].copy()
            y = blocks.reshape(-1)
            y ^= y >> np.uint32(11)
            y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
            y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
            y ^= y >> np.uint32(18)
            self.words = np.concatenate([self.words, y])
        out, self.words = self.words[:n], self.words[n:]
        return out

    def draw64(self, n: int) -> np.ndarray:
        """The next n 64-bit words: each is two 32-bit words, the first one high."""
        w = self.draw32(2 * n).astype(np.uint64)
        return (w[0::2] << np.uint64(32)) | w[1::2]


# ----------------------------------------------------------------------- float32 helpers

def _f32(x) -> np.float32:
    return np.float32(x)


def _fma32(a, b, c, *, subnormals: bool = True) -> np.ndarray:
    """a * b + c rounded once to float32, as a fused multiply-add does.

    The product of two float32 values is exact in double, so the double sum is off by at
    most half a double ulp; rounding it to float32 is then exact unless it lands on a
    float32 tie (or in the subnormal range), where the exact sum decides: those few are
    redone with a sum rounded to odd, which rounds to float32 correctly. Callers whose
    results cannot be float32 subnormals say so (subnormals=False) and skip that check.
    """
    p = np.multiply(a, b, dtype=np.float64)
    s = np.add(p, c, dtype=np.float64)
    tie = (s.view(np.uint64) & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)
    if subnormals:
        tie |= (np.abs(s) < 2.0 ** -125) & (s != 0)  # float32 ties sit elsewhere there
    out = s.astype(np.float32)
    if tie.any():
        p, c = np.broadcast_arrays(p, np.asarray(c, np.float64))
        out[tie] = _round_to_odd_sum(p[tie], c[tie]).astype(np.float32)
    return out


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s, e with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p, e with p = fl(a * b) and p + e = a * b exactly (Dekker, Veltkamp's split)."""
    def split(x):
        t = x * 134217729.0  # 2**27 + 1
        hi = t - (t - x)
        return hi, x - hi
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _round_to_odd_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b rounded to odd: an inexact sum takes the neighbour whose last bit is 1."""
    s, e = _two_sum(a, b)
    even = (s.view(np.uint64) & np.uint64(1)) == 0
    fix = (e != 0) & even & np.isfinite(s)
    if np.any(fix):
        s = np.where(fix, np.nextafter(s, np.where(e > 0, np.inf, -np.inf)), s)
    return s


def _fma64(a, b, c) -> np.ndarray:
    """a * b + c rounded once in double (Boldo and Melquiond's emulation with rounding to odd)."""
    a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
    p, p_err = _two_product(a, b)
    s, s_err = _two_sum(c, p)
    return s + _round_to_odd_sum(s_err, p_err)


# cephes-style single-precision constants, as PyTorch's avx_mathfun.h declares them
_SQRTHF = _f32(0.707106781186547524)
_LOG_P = [_f32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                            -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                            2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_LOG_Q1, _LOG_Q2 = _f32(-2.12194440e-4), _f32(0.693359375)
_DP = [_f32(-0.78515625), _f32(-2.4187564849853515625e-4), _f32(-3.77489497744594108e-8)]
_SINCOF = [_f32(-1.9515295891E-4), _f32(8.3321608736E-3), _f32(-1.6666654611E-1)]
_COSCOF = [_f32(2.443315711809948E-005), _f32(-1.388731625493765E-003),
           _f32(4.166664568298827E-002)]
_FOPI = _f32(1.27323954473516)  # 4 / pi
_ONE, _HALF = _f32(1.0), _f32(0.5)


# The AVX2 build lets GCC contract `a * b` into the add or subtract that uses it (a fused
# multiply-add, one rounding); when two products meet in one add, the first one written
# is fused. `_fma` marks each place where that happens, checked against PyTorch's output.
# No intermediate here comes near float32's subnormals (the arguments are 1 - u and 2*pi*u
# for multiples u of 2**-24), so the fused steps skip that check.

def _fma(a, b, c) -> np.ndarray:
    return _fma32(a, b, c, subnormals=False)


def _log_avx2(x: np.ndarray) -> np.ndarray:
    """log of positive float32 values, step for step as PyTorch's log256_ps."""
    x = np.maximum(x, np.float32(np.finfo(np.float32).tiny))
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - np.int32(127)).astype(np.float32) + _ONE
    x = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    small = x < _SQRTHF
    tmp = np.where(small, x, np.float32(0.0))
    x = x - _ONE
    e = e - np.where(small, _ONE, np.float32(0.0))
    x = x + tmp
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = _fma(y, x, p)
    y = y * x
    y = _fma(y, z, e * _LOG_Q1)
    y = y - z * _HALF  # z * 0.5 is exact: fused or not, the same number
    x = x + y
    return _fma(e, _LOG_Q2, x)


def _sincos_avx2(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sin, cos) of non-negative float32 angles below 2**31, as PyTorch's sincos256_ps."""
    j = (x * _FOPI).astype(np.int32)  # truncation, as cvttps
    j = (j + np.int32(1)) & np.int32(~1)
    y = j.astype(np.float32)
    sin_flip = (j & 4) != 0
    swapped = (j & 2) != 0  # octants where the cosine polynomial gives the sine, and back
    cos_flip = ((j - 2) & 4) == 0
    for dp in _DP:  # extended-precision reduction: x - y * pi/4 in three parts
        x = _fma(y, dp, x)
    z = x * x
    c = np.full_like(x, _COSCOF[0])
    c = _fma(c, z, _COSCOF[1])
    c = _fma(c, z, _COSCOF[2])
    c = c * z
    c = _fma(c, z, -(z * _HALF))
    c = c + _ONE
    s = np.full_like(x, _SINCOF[0])
    s = _fma(s, z, _SINCOF[1])
    s = _fma(s, z, _SINCOF[2])
    s = s * z
    s = _fma(s, x, x)
    zero = np.float32(0.0)
    sin_from_s = np.where(swapped, zero, s)  # the kernel's masked halves, subtracted and added
    sin_from_c = np.where(swapped, c, zero)
    sine = sin_from_c + sin_from_s
    cosine = (c - sin_from_c) + (s - sin_from_s)
    sine = np.where(sin_flip, -sine, sine)
    cosine = np.where(cos_flip, -cosine, cosine)
    return sine, cosine


# ----------------------------------------------------------------------------- generator

class Generator:
    """PyTorch's default CPU generator: the same numbers for the same calls after the same seed.

    The numbers are those of PyTorch on x86 CPUs with AVX2 (AVX-512 ones included, as
    PyTorch keeps its normal kernel off AVX-512), where the kernels are compiled with fused
    multiply-adds: `x * (to - from) + from` and `z * std + mean` round once.
    """

    def __init__(self, seed: int = DEFAULT_SEED):
        self.manual_seed(seed)

    # seeding ----------------------------------------------------------------------------

    def manual_seed(self, seed) -> Generator:
        """torch.manual_seed: the seed goes through int() as PyTorch's does (1.5 seeds 1);
        integers in [-2**63, 2**64), negative ones wrapping to 64 bits. Only the low 32
        bits seed the twister; initial_seed() gives the whole seed back."""
        if not isinstance(seed, (int, float, str, np.integer, np.floating)):
            raise GradcliError("int() argument must be a string, a bytes-like object or a real "
                               f"number, not '{type(seed).__name__}'", kind="value")
        try:
            seed = int(seed)
        except (ValueError, OverflowError) as exc:
            raise GradcliError(str(exc), kind="value") from None
        if not -(2 ** 63) <= seed < 2 ** 64:
            raise GradcliError("Overflow when unpacking long long", kind="value")
        self._seed = seed % 2 ** 64
        self._mt = _MersenneTwister(self._seed)
        self._normal_cache: float | None = None  # the sine half of the last Box-Muller pair
        return self

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> tuple:
        """A snapshot for set_state (torch.get_rng_state's role; not its byte layout)."""
        mt = self._mt
        return self._seed, mt.state.copy(), mt.words.copy(), self._normal_cache

    def set_state(self, state: tuple) -> None:
        seed, twister_state, words, cache = state
        self._seed, self._normal_cache = seed, cache
        self._mt = _MersenneTwister(0)
        self._mt.state, self._mt.words = twister_state.copy(), words.copy()

    # uniform ----------------------------------------------------------------------------

    def rand(self, shape, dtype: str = "float32") -> np.ndarray:
        return self.uniform_(shape, 0.0, 1.0, dtype)

    def uniform_(self, shape, low, high, dtype: str = "float32") -> np.ndarray:
        """Tensor.uniform_(low, high): numbers in [low, high)."""
        shape, n = _shape(shape)
        _check_float(dtype, "uniform_")
        low, high = float(low), float(high)
        if not low <= high:
            raise GradcliError(f"uniform_ expects to return a [from, to) range, but found "
                               f"from={_num(low)} > to={_num(high)}", kind="value")
        return self._uniform(n, low, high, dtype).reshape(shape)

    def _uniform(self, n: int, low: float, high: float, dtype: str) -> np.ndarray:
        """uniform_real: the low 24 (float32) or 53 (float64) bits of a word, scaled to
        [0, 1), then `x * (to - from) + from` with the bounds in the dtype."""
        if dtype == "float32":
            x = (self._mt.draw32(n) & np.uint32(0xFFFFFF)).astype(np.float32) * _f32(2.0 ** -24)
            lo, hi = _f32(low), _f32(high)
            return x if (lo, hi) == (0, 1) else _fma32(x, hi - lo, lo)
        x = (self._mt.draw64(n) & np.uint64(2 ** 53 - 1)).astype(np.float64) * 2.0 ** -53
        return x if (low, high) == (0, 1) else _fma64(x, high - low, low)

    # normal -----------------------------------------------------------------------------

    def randn(self, shape, dtype: str = "float32") -> np.ndarray:
        return self.normal_(shape, 0.0, 1.0, dtype)

    def normal_(self, shape, mean, std, dtype: str = "float32") -> np.ndarray:
        """Tensor.normal_(mean, std)."""
        shape, n = _shape(shape)
        _check_float(dtype, "normal_")
        mean, std = float(mean), float(std)
        if not std >= 0.0:
            raise GradcliError(f"normal expects std >= 0.0, but found std {_num(std)}",
                               kind="value")
        if n < 16:  # the serial kernel, in double, rounded to the dtype at the end
            z = np.array([self._standard_normal() for _ in range(n)], dtype=np.float64)
            return _fma64(z, std, mean).astype(dtype).reshape(shape)
        if dtype == "float64":
            return self._normal_fill(n, _box_muller_f64, mean, std, dtype).reshape(shape)
        return self._normal_fill(n, _box_muller_avx2, _f32(mean), _f32(std), dtype).reshape(shape)

    def _standard_normal(self) -> float:
        """One number of the serial kernel: Box-Muller in double on two 53-bit uniforms,
        the sine half kept for the next call."""
        if self._normal_cache is not None:
            z, self._normal_cache = self._normal_cache, None
            return z
        u = self._uniform(2, 0.0, 1.0, "float64")
        radius = math.sqrt(-2.0 * math.log1p(-float(u[1])))
        theta = 2.0 * math.pi * float(u[0])
        self._normal_cache = radius * math.sin(theta)
        return radius * math.cos(theta)

    def _normal_fill(self, n: int, box_muller, mean, std, dtype: str) -> np.ndarray:
        """All n uniforms, Box-Muller on each block of 16, then, when 16 does not divide n,
        16 fresh uniforms for the last 16 numbers (they overwrite what was there)."""
        u = self._uniform(n, 0.0, 1.0, dtype)
        full = n // 16 * 16
        out = np.empty(n, dtype=dtype)
        out[:full] = box_muller(u[:full].reshape(-1, 16), mean, std).reshape(-1)
        if n % 16:
            tail = self._uniform(16, 0.0, 1.0, dtype)
            out[n - 16:] = box_muller(tail.reshape(1, 16), mean, std).reshape(-1)
        return out

    # integers ---------------------------------------------------------------------------

    def randint(self, low, high, shape, dtype: str = "int64") -> np.ndarray:
        """torch.randint(low, high, shape): integers in [low, high)."""
        shape, n = _shape(shape)
        low, high = int(low), int(high)
        if dtype not in _INT_DTYPES and dtype not in _FLOAT_DTYPES:
            raise GradcliError(f"randint: unsupported dtype {dtype!r}", kind="value")
        if low >= high:
            raise GradcliError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={high}", kind="value")
        if dtype in _INT_DTYPES:
            info = np.iinfo(_INT_DTYPES[dtype])
            for name, v in (("from", low), ("to - 1", high - 1)):
                if not info.min <= v <= info.max:
                    raise GradcliError(f"{name} is out of bounds for {_C_TYPE_NAMES[dtype]}",
                                       kind="value")
        if dtype in _FLOAT_DTYPES:
            low, high = _float_bounds(low, high, dtype)
        span = high - low
        wide = span >= 2 ** 28  # PyTorch takes 64-bit words from here on, to keep % fair
        words = self._mt.draw64(n) if wide else self._mt.draw32(n).astype(np.uint64)
        values = (words % np.uint64(span)).astype(np.int64) + np.int64(low)
        return values.astype(_INT_DTYPES.get(dtype, dtype)).reshape(shape)

    def randperm(self, n: int, dtype: str = "int64") -> np.ndarray:
        """torch.randperm(n): swap i with i + word % (n - i), for i = 0 .. n-2."""
        n = int(n)
        if n < 0:
            raise GradcliError(f"Trying to create tensor with negative dimension {n}: [{n}]",
                               kind="value")
        perm = np.arange(n, dtype=np.int64)
        if n > 1:
            jumps = self._mt.draw32(n - 1).astype(np.int64) % np.arange(n, 1, -1, dtype=np.int64)
            slots = memoryview(perm)  # each swap sees the earlier ones: a loop, on raw memory
            for i, z in enumerate(jumps.tolist()):
                j = i + z
                slots[i], slots[j] = slots[j], slots[i]
        return perm.astype(_INT_DTYPES.get(dtype, dtype))

    # layers -----------------------------------------------------------------------------

    def linear_init(self, in_features: int, out_features: int, bias: bool = True,
                    dtype: str = "float32") -> tuple:
        """nn.Linear's reset_parameters: kaiming_uniform_(a=sqrt(5)) on the (out, in) weight
        (skipped when it has no elements), then the bias uniform in +-1/sqrt(fan_in).
        Returns (weight, bias), bias None without one."""
        weight_shape = (int(out_features), int(in_features))
        fan_in = weight_shape[1]
        if 0 in weight_shape:
            weight = np.zeros(weight_shape, dtype=dtype)  # torch leaves it uninitialised
        else:
            a = math.sqrt(5)
            gain = math.sqrt(2.0 / (1 + a ** 2))  # calculate_gain("leaky_relu", a)
            bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in))
            weight = self.uniform_(weight_shape, -bound, bound, dtype)
        if not bias:
            return weight, None
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        return weight, self.uniform_((weight_shape[0],), -bound, bound, dtype)


# ---------------------------------------------------------------- the blocks of 16

def _box_muller_f64(blocks: np.ndarray, mean: float, std: float) -> np.ndarray:
    """normal_fill_16 in double: 8 cosines from u[j] and u[j+8], then the 8 sines."""
    log, cos, sin = _libm64()
    radius = np.sqrt(-2.0 * log(1.0 - blocks[:, :8]))
    theta = 2.0 * math.pi * blocks[:, 8:]
    return np.concatenate([_fma64(radius * cos(theta), std, mean),
                           _fma64(radius * sin(theta), std, mean)], axis=1)


@functools.cache
def _libm64() -> tuple:
    """log, cos and sin on float64 arrays giving what the C library gives (PyTorch calls it).

    NumPy calls the C library too, except where it has vector code of its own (some
    AVX-512 builds), which may differ in the last bit: a probe decides, and the fallback
    calls the C library through `math`, element by element.
    """
    probe = np.linspace(1e-3, 2 * math.pi, 4099)
    funcs = []
    for vector, scalar in ((np.log, math.log), (np.cos, math.cos), (np.sin, math.sin)):
        if np.array_equal(vector(probe), [scalar(v) for v in probe.tolist()]):
            funcs.append(vector)
        else:
            funcs.append(lambda x, f=scalar: np.reshape(
                np.fromiter(map(f, np.ravel(x).tolist()), np.float64, np.size(x)), np.shape(x)))
    return tuple(funcs)


def _box_muller_avx2(blocks: np.ndarray, mean: np.float32, std: np.float32) -> np.ndarray:
    """normal_fill_16_AVX2: radius and angle from u[j] and u[j+8] of each block, 8 cosines
    then 8 sines, each `n * std + mean` in one explicit FMA."""
    radius = np.sqrt(np.float32(-2.0) * _log_avx2(_ONE - blocks[:, :8]))  # 1-u: log of (0, 1]
    sine, cosine = _sincos_avx2(_f32(2.0 * math.pi) * blocks[:, 8:])
    return np.concatenate([_fma32(radius * cosine, std, mean),
                           _fma32(radius * sine, std, mean)], axis=1)


def _float_bounds(low: int, high: int, dtype: str) -> tuple[int, int]:
    """PyTorch's update_from/update_to: integer bounds the float dtype cannot hold exactly
    move inward to ones it can (a float32 randint below 2**32 - 10 tops out at 2**32 - 256)."""
    digits = 24 if dtype == "float32" else 53

    def rounded(v: int) -> int:
        return int(np.array(v, dtype=np.int64).astype(dtype))

    def step(v: int) -> int:
        return 1 << (abs(v).bit_length() - 1 - digits + 1)

    low_plus_1 = rounded(low + 1)
    if low_plus_1 < low:
        low = low_plus_1 + step(low + 1)
    high_minus_1 = rounded(high - 1)
    if high_minus_1 >= high:
        high = high_minus_1 - step(high - 1)
    if low >= high:
        raise GradcliError(f"random_ expects 'from' casted to dtype to be less than 'to' casted "
                           f"to dtype, but got from={low} >= to={high}", kind="value")
    return low, high


def _shape(shape) -> tuple[tuple[int, ...], int]:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(d) for d in shape)
    if any(d < 0 for d in shape):
        raise GradcliError(f"Trying to create tensor with negative dimension "
                           f"{min(shape)}: {list(shape)}", kind="value")
    return shape, math.prod(shape)


def _check_float(dtype: str, what: str) -> None:
    if dtype not in _FLOAT_DTYPES:
        raise GradcliError(f"{what}: expected a floating dtype (float32 or float64), got {dtype}",
                           kind="value")


def _num(v: float) -> str:
    return str(int(v)) if v == int(v) else repr(v)
