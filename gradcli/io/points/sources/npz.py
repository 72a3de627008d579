""".npz points: one array per input, keyed by input name, each with a leading points axis.
Members stored as they are stream like .npy files; a compressed one is held to the element
limit from the zip's directory, before a byte of it is inflated."""
from __future__ import annotations

import math

import numpy as np

from ....errors import GradcliError
from ..chunk import Chunk, Source
from .npy import ArrayReader, binary_chunk, numeric


def _check_member(info, where: str) -> float:
    """The element limit for a member's whole array: none when it is stored as it is (no bigger
    than the file); for a compressed one, the limit on a tensor, checked first here against the
    size the zip's central directory declares, before a byte of it is inflated."""
    import zipfile  # noqa: PLC0415

    from ....limits import MAX_ELEMENTS  # noqa: PLC0415
    if info.compress_type == zipfile.ZIP_STORED:
        return math.inf
    bound = MAX_ELEMENTS * 8 + (1 << 16)  # float64 data, and room for the .npy header
    if info.file_size > bound:
        raise GradcliError(f"{where}: inflates to {info.file_size:,} bytes ({info.compress_size:,} "
                           f"compressed), more than an array within the limit of {MAX_ELEMENTS:,} "
                           "elements", kind="limit", hint="save it uncompressed (numpy.savez), or "
                                                          "as NDJSON or CSV")
    return MAX_ELEMENTS


def open_readers(source: Source, archive) -> tuple[dict, int]:
    """({input name: ArrayReader}, points) for the members that are inputs."""
    where = f"--points {source.label}"
    members = {m[:-4]: m for m in archive.namelist() if m.endswith(".npy")}
    inputs = source.check_columns(members, where)
    missing = [n for n in source.required if n not in inputs]
    if missing:
        raise GradcliError(f"{where}: no array for the input {missing[0]!r}", kind="input")
    readers = {}
    for name in inputs:
        info = archive.getinfo(members[name])
        limit = _check_member(info, f"{where}:{name}")  # from the zip's directory: nothing inflated
        readers[name] = ArrayReader(archive.open(members[name]), f"{source.label}:{name}",
                                    info.file_size, limit)
    counts = {r.points for r in readers.values()}
    if len(counts) > 1:
        raise GradcliError(f"{where}: the arrays have different numbers of points "
                           f"({', '.join(f'{n}: {r.points}' for n, r in readers.items())})",
                           kind="shape")
    return readers, (counts.pop() if counts else 0)


def open_archive(source: Source, path_or_file):
    import zipfile  # noqa: PLC0415
    try:
        return zipfile.ZipFile(path_or_file)
    except zipfile.BadZipFile:
        raise GradcliError(f"--points {source.label}: not a valid .npz file", kind="value") from None


def chunks(source: Source, path_or_file, size: int | None, start: int = 0, stop: int | None = None):
    """Chunks of the points [start, stop) (a partition), or of all of them."""
    where = f"--points {source.label}"
    with open_archive(source, path_or_file) as archive:
        readers, total = open_readers(source, archive)
        source.total = total
        size = binary_chunk(size, max((r.row for r in readers.values()),
                                      key=lambda row: int(np.prod(row, dtype=object)), default=()),
                            source.steps)
        stop = total if stop is None else min(stop, total)
        for r in readers.values():
            r.skip(start)
        while start < stop:
            n = min(size, stop - start)
            chunk = Chunk(start, n, None, consumed=n)
            chunk.batches.append((range(n), {name: numeric(r.read(n), f"{where}: {name}")
                                             for name, r in readers.items()}))
            start += n
            yield chunk
