"""The array namespace the engine computes with.

Op rules receive `xp` (an Array-API namespace: NumPy 2, CuPy, or a strict
test namespace) and never import an array library themselves. Only this module
knows about CuPy.
"""
from __future__ import annotations

import math
import sys

import numpy as np

from .errors import GradcliError

xp = np  # the current namespace; `use()` swaps it
device = "cpu"


def use(name: str = "cpu") -> None:
    """Select the namespace for a device: 'cpu' (NumPy), 'cuda' / 'cuda:N' (CuPy)."""
    global xp, device
    if name == "cpu":
        xp, device = np, "cpu"
        return
    if name != "cuda" and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise GradcliError(f"unknown device {name!r}: use cpu, cuda or cuda:N", kind="usage")
    try:
        import cupy  # noqa: PLC0415 - optional, imported only when asked for
    except ImportError:
        raise GradcliError("--device cuda needs CuPy, which is not installed",
                           kind="device", hint='pip install "gradcli[gpu]"') from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception:  # CuPy raises its own runtime errors when no driver is present
        count = 0
    index = int(name[5:]) if ":" in name else 0
    if index >= count:
        raise GradcliError(f"--device {name}: no such CUDA GPU ({count} found)", kind="device")
    cupy.cuda.Device(index).use()
    xp, device = cupy, name


def use_namespace(namespace, name: str = "custom") -> None:
    """Compute with any Array-API namespace (the strict test backend uses this)."""
    global xp, device
    xp, device = namespace, name


def to_numpy(array) -> np.ndarray:
    """Copy a result back to the host, explicitly (the only place that does)."""
    if isinstance(array, np.ndarray):
        return array
    if hasattr(array, "get"):  # CuPy
        return array.get()
    return np.asarray(array.to_device("cpu") if hasattr(array, "to_device") else array)


def from_numpy(array: np.ndarray, dtype):
    return xp.asarray(array, dtype=dtype)


def dtype_of(name: str):
    return getattr(xp, name)


_erf_ufunc = None


def erf(x):
    """The error function, which the Array API lacks: CuPy's, SciPy's, or math.erf per element."""
    global _erf_ufunc
    if xp is not np:
        if hasattr(xp, "__name__") and xp.__name__ == "cupy":
            from cupyx.scipy.special import erf as cupy_erf  # noqa: PLC0415
            return cupy_erf(x)
        # A strict test namespace: compute on the host explicitly, then come back.
        return xp.asarray(erf_numpy(np.asarray(to_numpy(x))), dtype=x.dtype)
    return erf_numpy(x)


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
        self._old = np.seterr(all="call")
        self._old_call = np.seterrcall(self)
        return self

    def __exit__(self, *exc):
        np.seterr(**self._old)
        np.seterrcall(self._old_call)
        return False

    def messages(self) -> list[str]:
        return [f"{kind} in {label}: the result holds NaN or inf, as in NumPy and PyTorch"
                for label, kind in self.seen]


watch = FloatingPointWatch()


def warn(message: str) -> None:
    try:
        sys.stderr.write(f"gradcli: warning: {message}\n")
    except (OSError, ValueError):
        pass


def available_backends() -> list[str]:
    """'cpu (numpy X)', and 'cuda (cupy Y, N GPUs)' when CuPy finds a GPU."""
    found = [f"cpu (numpy {np.__version__})"]
    try:
        import cupy  # noqa: PLC0415
        count = cupy.cuda.runtime.getDeviceCount()
        found.append(f"cuda (cupy {cupy.__version__}, {count} GPU{'s' if count != 1 else ''})")
    except ImportError:
        found.append('cuda: not available (pip install "gradcli[gpu]")')
    except Exception as exc:  # CuPy present but no driver or no GPU
        found.append(f"cuda: not available ({type(exc).__name__})")
    return found
