""".npz results: every per-point array of the results with a leading points axis, "index", and
the points' own values (`points/NAME`, the inputs each point gave). Arrays grow chunk by chunk,
in memory up to BUFFER bytes and in temporary files beyond (bounded memory), and go into the
.npz (uncompressed, like np.savez) when the run ends: whole or not at all.
"""
from __future__ import annotations

import numpy as np

from ....errors import GradcliError


class _SavedArray:
    """One array of the .npz, growing chunk by chunk: kept in memory, or in a temporary file
    once the writer's buffer is full (so memory stays bounded however many points come)."""

    def __init__(self, dtype, shape: tuple):
        self.dtype, self.shape, self.count = dtype, shape, 0
        self.blocks: list = []
        self.file = None

    def add(self, arr: np.ndarray) -> None:
        self.count += arr.shape[0]
        if self.file is None:
            self.blocks.append(arr)
        else:
            self.file.write(_bytes(arr))

    def spill(self) -> None:
        import tempfile  # noqa: PLC0415
        self.file = tempfile.TemporaryFile()
        for block in self.blocks:
            self.file.write(_bytes(block))
        self.blocks = []

    def copy_to(self, f) -> None:
        for block in self.blocks:
            f.write(_bytes(block))
        if self.file is not None:
            self.file.seek(0)
            while block := self.file.read(1 << 24):
                f.write(block)
            self.file.close()


def _bytes(arr: np.ndarray) -> memoryview:
    """The bytes of a C-contiguous array, without copying them."""
    return memoryview(arr.reshape(-1).view(np.uint8))


class NpzWriter:
    """Every per-point array of the results, with a leading points axis, "index", and the
    points' own values (points/NAME)."""

    BUFFER = 128 << 20

    def __init__(self, path: str):
        self.path = path
        self.parts: dict[str, _SavedArray] = {}
        self.buffered = 0  # bytes held in memory; None once everything goes to temporary files
        self.nonfinite = False  # whether a saved value is NaN or inf (said on stderr)
        self.closed = False

    def add(self, result: dict, indices) -> None:
        arrays = {"index": indices}
        inputs = result.get("inputs") or {}
        for name in result.get("_points", ()):
            arrays[f"points/{name}"] = inputs[name]
        for key in ("outputs", "grad", "jvp", "hvp"):
            for name, value in (result.get(key) or {}).items():
                if value is not None:
                    arrays[f"{key}/{name}"] = value
        for a, row in (result.get("jacobian") or {}).items():
            for b, value in row.items():
                arrays[f"jacobian/{a}/{b}"] = value
        if result.get("matrix") is not None:
            arrays["matrix"] = result["matrix"]
        for key, arr in arrays.items():
            arr = np.ascontiguousarray(arr)
            if arr.dtype.kind == "f" and not self.nonfinite and not np.isfinite(arr).all():
                self.nonfinite = True
            part = self.parts.get(key)
            if part is None:
                part = self.parts[key] = _SavedArray(arr.dtype, arr.shape[1:])
                if self.buffered is None:
                    part.spill()
            elif part.shape != arr.shape[1:]:
                raise GradcliError(f"--save: {key} has shape {arr.shape[1:]} at point {indices[0]} but "
                                   f"{part.shape} before; points of different shapes need NDJSON output "
                                   "(leave out --save)", kind="shape")
            part.add(arr)
            if self.buffered is not None:
                self.buffered += arr.nbytes
        if self.buffered is not None and self.buffered > self.BUFFER:
            for part in self.parts.values():
                part.spill()
            self.buffered = None

    def close(self) -> None:
        """Write the .npz: whole or not at all (a temporary renamed over the target). With no
        point saved (the first point was bad) the target is left as it was."""
        import zipfile  # noqa: PLC0415

        from .. import storage  # noqa: PLC0415
        if not self.parts or self.closed:
            return
        self.closed = True
        fmt = np.lib.format
        try:
            with storage.atomic_write(self.path) as out, \
                    zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                for key, part in self.parts.items():
                    with archive.open(key + ".npy", "w", force_zip64=True) as f:
                        fmt.write_array_header_2_0(f, {"descr": fmt.dtype_to_descr(part.dtype),
                                                        "fortran_order": False,
                                                        "shape": (part.count,) + tuple(part.shape)})
                        part.copy_to(f)
        except OSError as exc:
            raise GradcliError(f"--save: cannot write {self.path}: {exc.strerror or exc}", kind="io") from None

    def discard(self) -> None:
        """Drop what was gathered (the temporary files go with it): nothing is written."""
        for part in self.parts.values():
            if part.file is not None:
                part.file.close()
        self.parts = {}

    def summary(self) -> dict:
        return {"rows": self.parts["index"].count if "index" in self.parts else 0,
                "arrays": len(self.parts)}
