"""--points DATA: one program at many points, read, computed and written in chunks.

    sources/   where points come from, one module per format (ndjson, csv, npy, npz, parquet),
               each turning a file into Chunks; partitions.py splits a file for a cluster
    batch.py   a chunk through the graph as ONE batch (BatchComputation, Runner)
    output.py  a chunk's results in input order: NDJSON on stdout and/or a sink
    sinks/     --save files, one module per format (npz, ndjson, parquet), each whole or absent
    runners/   who computes: this process (local.py) or a Dask cluster (cluster.py, task.py)
    progress.py, storage.py (local paths and fsspec URLs)

A new format is one module in sources/ or sinks/; a new engine one module in runners/.
"""
from __future__ import annotations

from .batch import BatchComputation  # noqa: F401 - the batching views/plot.py shares
from .runners import run_points  # noqa: F401
