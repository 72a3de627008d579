"""Who computes the points: this process (local.py), or a Dask cluster (cluster.py, --cluster;
task.py is what a worker runs).

Both read with the same sources, compute with the same batch computation and write with the
same Output and sinks; they differ only in where the partitions go. `run_points` picks one and
says, once the run is over, what the whole job came to: warnings, columns that were ignored,
the file written, and how many points failed.
"""
from __future__ import annotations

import os
import sys

from ....errors import GradcliError

CLUSTER_ENV = "GRADCLI_CLUSTER"


def run_points(opts, compute, text: str, shared: dict) -> None:
    """Stream the results of `compute` (as for one point) for every point of --points."""
    if opts.points == "-" and (opts.file == "-" or opts.inputs == "-"):
        raise GradcliError("--points - and -f -/--inputs - cannot both read stdin", kind="usage")
    from ....api import unknown_input  # noqa: PLC0415
    from ....lang.program import Program  # noqa: PLC0415
    program = Program(text).given(shared)
    for name in shared:
        if name not in program.inputs:
            raise unknown_input(program, name)
    cluster = cluster_address(opts)
    if cluster is None:
        if getattr(opts, "resume", False):
            raise GradcliError("--resume needs --cluster: it skips the parts a cluster job has "
                               "already written", kind="usage",
                               hint="--cluster local:1 runs in one worker process, in parts")
        from .local import run_local  # noqa: PLC0415
        return run_local(opts, compute, program, shared)
    from .cluster import run_cluster  # noqa: PLC0415
    return run_cluster(opts, compute, text, program, shared, cluster)


def cluster_address(opts) -> str | None:
    """--cluster, else GRADCLI_CLUSTER (for pipelines), else None: this process."""
    address = getattr(opts, "cluster", None)
    if address is None:
        address = os.environ.get(CLUSTER_ENV) or None
    return address


def note(message: str) -> None:
    try:
        sys.stderr.write(f"gradcli: note: {message}\n")
    except (OSError, ValueError):
        pass


def nonfinite_warning(lines: bool, saved: bool, save: str | None) -> None:
    from ....core import backend  # noqa: PLC0415
    where = []
    if lines:
        where.append('written as "NaN", "Infinity", "-Infinity"')
    if saved:
        where.append(f"{save} holds them as they are")
    if where:
        backend.warn(f"the result holds NaN or inf ({'; '.join(where)})")


def failed_error(failed: int, points: int, first: int) -> GradcliError:
    return GradcliError(f"{failed:,} of {points:,} points failed (the first: index {first})",
                        kind="points")


def say_saved(path: str, summary: dict, parts: int | None = None, nbytes: int | None = None) -> None:
    """`gradcli: wrote out.parquet (1,000 rows, 6 columns, 41.2 kB)`."""
    from ...files import count, say_wrote  # noqa: PLC0415
    what = [count(parts, "part")] if parts is not None else []
    what.append(count(summary.get("rows", 0), "point"))
    if "arrays" in summary:
        what.append(count(summary["arrays"], "array"))
    if "columns" in summary:
        what.append(count(summary["columns"], "column"))
    if nbytes is None:  # a URL: its size as the filesystem says it
        from .. import storage  # noqa: PLC0415
        try:
            nbytes = storage.size(path)
        except (OSError, GradcliError, NotImplementedError):
            nbytes = None
    say_wrote(path, what, nbytes)
