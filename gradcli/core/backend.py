"""The array namespace the engine computes with.

Op rules receive `xp` (an Array-API namespace: NumPy 2, CuPy, or a strict
test namespace) and never import an array library themselves. Only this module
knows about CuPy.
"""
from __future__ import annotations

import contextlib
import math
import sys

import numpy as np

from ..errors import GradcliError

xp = np  # the current namespace; `use()` swaps it
device = "cpu"


def use(name: str = "cpu") -> None:
    """Select the namespace for a device: 'cpu' (NumPy), 'cuda' / 'cuda:N' (CuPy).

    Asking again for the device already selected changes nothing, so a namespace
    chosen with `use_namespace` stays in force for a Computation given its name.
    """
    global xp, device
    if name == device:
        return
    if name == "cpu":
        xp, device = np, "cpu"
        return
    if name != "cuda" and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise GradcliError(f"unknown device {name!r}: use cpu, cuda or cuda:N", kind="usage")
    cupy, broken = _import_cupy()
    if cupy is None:
        raise GradcliError(f"--device {name} needs CuPy, which " +
                           (f"is installed but cannot be loaded ({broken})" if broken else
                            "is not installed"),
                           kind="device", hint='pip install "gradcli[gpu]" (or use --device cpu)')
    count, why = gpu_count(cupy)
    if count == 0:
        raise GradcliError(f"--device {name}: CuPy is installed but no CUDA GPU was found"
                           + (f" ({why})" if why else ""),
                           kind="device", hint="use --device cpu, or check the driver with nvidia-smi")
    index = int(name[5:]) if ":" in name else 0
    if index >= count:
        raise GradcliError(f"--device {name}: no such GPU ({count} found: "
                           f"{', '.join(f'cuda:{i}' for i in range(count))})", kind="device")
    cupy.cuda.Device(index).use()
    xp, device = cupy, name


def _import_cupy():
    """(cupy, "") when it loads; (None, "") when it is not installed; (None, why) when broken."""
    try:
        import cupy  # noqa: PLC0415 - optional, imported only when a GPU is asked for
    except ImportError as exc:
        missing = exc.name == "cupy" or exc.name is None and "cupy" in str(exc)
        return None, "" if missing else f"{type(exc).__name__}: {exc}"[:200]
    return cupy, ""


def gpu_count(cupy) -> tuple[int, str]:
    """How many GPUs CuPy sees, and why none when it sees none (no driver, no device...)."""
    try:
        return int(cupy.cuda.runtime.getDeviceCount()), ""
    except Exception as exc:  # CuPy raises its own runtime errors when no driver is present
        return 0, f"{type(exc).__name__}: {exc}".strip()[:200]


def use_namespace(namespace, name: str = "custom") -> None:
    """Compute with any Array-API namespace (for tests: the strict backend; not a CLI choice)."""
    global xp, device
    xp, device = namespace, name


@contextlib.contextmanager
def host():
    """Compute with NumPy for a while: values given on the command line are made on the host
    and moved to the device once, by `from_numpy`, instead of made there and copied back."""
    global xp, device
    old = xp, device
    xp, device = np, "cpu"
    try:
        yield
    finally:
        xp, device = old


def to_numpy(array) -> np.ndarray:
    """Copy a result back to the host, explicitly: the only device-to-host copy there is."""
    if isinstance(array, np.ndarray):
        return array
    if isinstance(array, (np.generic, float, int)):  # NumPy's reductions give scalars
        return np.asarray(array)
    if hasattr(array, "get"):  # CuPy
        return array.get()
    # Any other Array-API array: DLPack, asking for a copy on the CPU where needed.
    try:
        return np.from_dlpack(array, device="cpu")
    except (TypeError, BufferError):
        return np.from_dlpack(array)


def from_numpy(array: np.ndarray, dtype, what: str | None = None):
    """A host array moved to the current device with the given dtype (the host-to-device copy).

    The cast is named for floating-point warnings (1e300 overflows float32): `what` says
    whose value it is."""
    old = watch.label_override
    watch.label_override = f"the cast of {what or 'a value'} to {np.dtype(dtype).name}" \
        if xp is np else old
    try:
        return xp.asarray(array, dtype=dtype)
    finally:
        watch.label_override = old


def dtype_of(name: str):
    return getattr(xp, name)


_erf_ufunc = None


def erf(x):
    """The error function, which the Array API lacks: CuPy's, SciPy's, or math.erf per element."""
    if xp is np:
        return erf_numpy(x)
    if getattr(xp, "__name__", "") == "cupy":
        from cupyx.scipy.special import erf as cupy_erf  # noqa: PLC0415
        return cupy_erf(x)
    # Another namespace (the strict test backend): compute on the host, explicitly, and come back.
    return xp.asarray(erf_numpy(to_numpy(x)), dtype=x.dtype, device=x.device)


def erf_numpy(x):
    global _erf_ufunc
    try:
        from scipy.special import erf as scipy_erf  # noqa: PLC0415 - optional, exact and fast
        return scipy_erf(x)
    except ImportError:
        if _erf_ufunc is None:
            _erf_ufunc = np.frompyfunc(math.erf, 1, 1)
        return np.asarray(_erf_ufunc(x), dtype=np.asarray(x).dtype)


class FloatingPointWatch:
    """Turns NumPy floating-point warnings into one stderr warning per operation.

    The engine names what it is doing (`label`) before each primitive; NumPy's
    error callback then knows which operation produced the NaN or inf.
    """

    def __init__(self):
        self.label = "?"
        self.label_override = None  # set by the engine while it runs a rule
        self.seen: dict[tuple[str, str], None] = {}  # ordered, deduplicated

    def __call__(self, kind: str, flag: int) -> None:
        self.seen[(self.label_override or self.label, kind)] = None

    def __enter__(self):
        self.seen = {}  # one watch, one computation: a command run in-process starts clean
        # Underflow is not watched (NumPy's default too): exp(-1000) is 0 exactly as in PyTorch,
        # the right answer in float64, not a NaN or inf to warn of.
        self._old = np.seterr(all="call", under="ignore")
        self._old_call = np.seterrcall(self)
        return self

    def __exit__(self, *exc):
        np.seterr(**self._old)
        np.seterrcall(self._old_call)
        return False

    def note(self, message: str) -> None:
        """A warning a rule gives in its own words (a derivative undefined at this point), once."""
        self.seen[(message, None)] = None

    def messages(self) -> list[str]:
        """The warnings so far, handed over once (a caller that ignores them discards them)."""
        seen, self.seen = self.seen, {}
        return [label if kind is None else
                f"{kind} in {label}: {_EFFECT.get(kind, 'NaN or inf')}, as in NumPy and PyTorch"
                for label, kind in seen]


# What each kind of floating-point error leaves in the values (said of the operation, which
# is true even where a later `where` discards the value).
_EFFECT = {"invalid value": "it gives NaN", "divide by zero": "it gives inf or -inf",
           "overflow": "it gives inf or -inf"}


watch = FloatingPointWatch()


def device_warnings(result: dict) -> list[str]:
    """Off the CPU, NumPy's floating-point callback sees nothing, so the operation that made a
    NaN or inf cannot be named; say at least that the result holds one, and how to find it."""
    if xp is np:
        return []
    stack = [result]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.isfinite(value).all():
            return [f"the result holds NaN or inf, as in NumPy and PyTorch (on {device} the operation "
                    "that made it is not tracked: --device cpu names it)"]
    return []


def warn(message: str) -> None:
    try:
        sys.stderr.write(f"gradcli: warning: {message}\n")
    except (OSError, ValueError):
        pass


def available_backends() -> list[str]:
    """'cpu (numpy X)', and 'cuda (cupy Y, N GPUs)' or why CUDA is not available."""
    found = [f"cpu (numpy {np.__version__})"]
    cupy, broken = _import_cupy()
    if cupy is None:
        found.append(f"cuda: not available, CuPy cannot be loaded ({broken})" if broken else
                     'cuda: not available, CuPy is not installed (pip install "gradcli[gpu]")')
        return found
    count, why = gpu_count(cupy)
    if count:
        found.append(f"cuda (cupy {cupy.__version__}, {count} GPU{'s' if count != 1 else ''})")
    else:
        found.append(f"cuda: not available, CuPy {cupy.__version__} found no GPU"
                     + (f" ({why})" if why else ""))
    return found
