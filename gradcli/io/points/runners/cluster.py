"""--cluster ADDRESS: the job on Dask distributed, a partition per task.

`tcp://HOST:PORT` (or tls://) is an existing scheduler; `local[:N]` starts a local cluster of N
worker processes (default: one per core) for this run. The client plans the partitions (reading
only headers and footers), sends each task the program's text and the options (task.py), and
writes what comes back: NDJSON on stdout in input order, or with --save DIR a directory of part
files (`part-00000.parquet` ...) that pyarrow, pandas and Dask read as one table.

Nothing is lost: a part is written whole or not at all; a bad point stops the job after every
partition before it is written, naming file, partition and row; a worker that dies is replaced
and its task run again by Dask; --resume keeps the parts a previous run of the same job wrote.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys

from ....core import backend
from ....errors import GradcliError
from ..chunk import Source
from ..progress import Progress
from . import failed_error, nonfinite_warning, note
from .local import write_stdout
from .task import compute_partition, count_block, error_of, part_name

INSTALL = 'pip install "gradcli[dask]"'
MANIFEST = "_gradcli.json"  # a job's fingerprint in its --save directory (pyarrow skips _ names)
_PART = re.compile(r"^part-\d+\.(parquet|npz|ndjson)$")
_TEMPORARY = re.compile(r"^\.part-\d+\..*\.gradcli-.*\.tmp$")


def run_cluster(opts, compute, text: str, program, shared: dict, address: str) -> None:
    plain = getattr(compute, "plain", None)
    if plain is None:
        raise GradcliError("--cluster is not available for this command", kind="usage",
                           hint="eval, grad, backward, jacobian and jvp run on a cluster")
    if opts.points == "-":
        raise GradcliError("--cluster reads --points from a file (each worker reads its own part), "
                           "not stdin", kind="usage", hint="save the points to a file first")
    if opts.resume and not opts.save:
        raise GradcliError("--resume keeps the parts of a --save directory: give --save DIR too",
                           kind="usage")
    client, close = connect(address)
    logging.getLogger("distributed").setLevel(logging.ERROR)  # Dask's own chatter: not for users
    try:
        _run(client, opts, plain(), text, program, shared)
    finally:
        close()


def connect(address: str):
    """(a Dask client, a function that closes it and any cluster started for it)."""
    try:
        from dask.distributed import Client, LocalCluster  # noqa: PLC0415
    except ImportError:
        raise GradcliError("--cluster needs Dask distributed, which is not installed", kind="usage",
                           hint=INSTALL) from None
    local = re.fullmatch(r"local(?::(\d+))?", address.strip())
    if local:
        workers = int(local.group(1) or os.cpu_count() or 1)
        if workers < 1:
            raise GradcliError("--cluster local:N needs N of at least 1", kind="usage")
        import dask  # noqa: PLC0415
        dask.config.set({
            # Dask sets MALLOC_TRIM_THRESHOLD_ in its workers, which turns off glibc's adaptive
            # mmap threshold: every array of a batch (hundreds of kB) is then a fresh mmap and
            # page faults, and the same job runs up to 1.7x slower than in one process.
            "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
            # the statistical profiler samples the task's stack (with the GIL) every 10 ms
            "distributed.worker.profile.enabled": False,
        })
        if sys.platform.startswith("linux"):
            # Workers forked from this process inherit gradcli, NumPy and pyarrow already imported
            # (spawned ones import them again): a local cluster starts in about half the time.
            dask.config.set({"distributed.worker.multiprocessing-method": "fork"})
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)

        def close():
            client.close()
            cluster.close()
        return client, close
    if not re.match(r"^(tcp|tls|inproc|ucx)://", address):
        raise GradcliError(f"--cluster {address!r}: give tcp://HOST:PORT (a Dask scheduler) or "
                           "local[:N] (N worker processes here)", kind="usage")
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise GradcliError(f"--cluster {address}: cannot reach the scheduler ({exc})", kind="io",
                           hint="is `dask scheduler` running there?") from None
    return client, client.close


def _workers(client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def _run(client, opts, call: dict, text: str, program, shared: dict) -> None:
    from ..sources import partitions  # noqa: PLC0415
    columns = [n.strip() for n in opts.columns.split(",") if n.strip()] if opts.columns else None
    source = Source(opts.points, program, set(shared), columns)
    mode, planned = partitions.plan(source, opts.points, opts.chunk_size, _workers(client))
    if mode == "blocks":  # text: the workers count each block's lines first
        counted = client.gather(client.map(count_block, planned, pure=False))
        bad = next((b["error"] for b in counted if b.get("error")), None)
        if bad is not None:
            raise error_of(bad)
        planned = partitions.text_parts(counted)
    parts = planned
    save, extension = _destination(opts)
    job = {
        "text": text, "shared": shared, "call": call, "label": opts.points, "columns": columns,
        "options": {"wrt": opts.wrt, "output": opts.output, "dtype": opts.dtype, "seed": opts.seed,
                    "device": opts.device},
        "chunk_size": opts.chunk_size, "keep_going": opts.keep_going,
        "lines": not opts.save or opts.json, "save": save, "extension": extension,
        "parts": len(parts), "partitions_label": f"{len(parts):,}",
    }
    done = _prepare(save, job, opts, parts) if save is not None else set()
    todo = [k for k in range(len(parts)) if k not in done]
    futures = {client.submit(compute_partition, job, parts[k], k, pure=False): k for k in todo}
    total = sum(p["points"] for p in parts)
    progress = Progress(total, "points")
    results, first_error, next_k, points = {}, None, 0, 0
    failed, ignored, flags, saved = [], {n: None for n in source.ignored}, {"lines": False, "saved": False}, []
    messages: dict = {}
    try:
        from dask.distributed import as_completed  # noqa: PLC0415
        for future in as_completed(list(futures)):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a task that could not run at all
                raise _task_failed(exc) from None
            results[result["k"]] = result
            points += result["points"]
            progress.update(points, points)
            while next_k < len(parts) and (next_k in done or next_k in results):
                r = results.pop(next_k, None)
                next_k += 1
                if r is None:
                    continue
                if r["text"]:
                    write_stdout(r["text"])
                failed.extend(r["failed"])
                ignored.update(dict.fromkeys(r["ignored"]))
                messages.update(dict.fromkeys(r["messages"]))
                for key in flags:
                    flags[key] = flags[key] or r["nonfinite"][key]
                if r["written"]:
                    saved.append(r["summary"])
                if r["error"] is not None:
                    first_error = error_of(r["error"])
                    break
            if first_error is not None:
                break
    finally:
        for future in futures:
            future.cancel()
        progress.close()
        for message in messages:
            backend.warn(message)
        source.ignored = ignored
        if (said := source.note_ignored()) is not None:
            note(said)
        nonfinite_warning(flags["lines"], flags["saved"], opts.save)
    if save is not None:
        _tidy(save)
        _say(save, saved, len(done))
    if first_error is not None:
        raise first_error
    if failed:
        raise failed_error(len(failed), total, failed[0])


def _task_failed(exc: Exception) -> GradcliError:
    name = type(exc).__name__
    if isinstance(exc, ImportError):
        return GradcliError(f"--cluster: a worker cannot import gradcli ({exc})", kind="io",
                            hint="install gradcli (the same version) on every worker")
    return GradcliError(f"--cluster: a task failed on a worker: {name}: {str(exc)[:300]}", kind="io")


def _destination(opts) -> tuple[str | None, str]:
    """(the --save directory, the parts' extension): OUT.parquet -> OUT.parquet/part-*.parquet."""
    if not opts.save:
        return None, ""
    from ..sinks import EXTENSIONS, kind_of  # noqa: PLC0415
    kind = kind_of(opts.save)
    if kind == "parquet":
        from ..sources.parquet import pyarrow  # noqa: PLC0415
        pyarrow()  # the install hint now, not from every worker
    return opts.save.rstrip("/"), EXTENSIONS[kind]


def _fingerprint(job: dict, opts, parts: list) -> dict:
    """What makes two runs the same job: a part of one is a part of the other."""
    from .. import storage  # noqa: PLC0415
    files = sorted({p.get("file") or p.get("path") for p in parts})
    return {
        "program": job["text"], "call": job["call"], "options": job["options"],
        "shared": {k: repr(v) for k, v in sorted(job["shared"].items())},
        "columns": job["columns"], "keep_going": job["keep_going"], "chunk_size": job["chunk_size"],
        "points": opts.points, "parts": [[p["index"], p["points"]] for p in parts],
        "files": [[f, storage.size(f), storage.modified(f)] for f in files],
    }


def _prepare(save: str, job: dict, opts, parts: list) -> set:
    """Make the --save directory; with --resume, the parts already there (same job); without,
    the parts of an earlier run are removed (never other files)."""
    from .. import storage  # noqa: PLC0415
    if storage.exists(save) and not storage.is_directory(save):
        raise GradcliError(f"--save {save}: with --cluster this is a directory of parts, and a "
                           "file of that name exists", kind="usage", hint="remove it or pick another name")
    storage.makedirs(save)
    fingerprint = json.loads(json.dumps(_fingerprint(job, opts, parts), default=str))
    manifest = storage.join(save, MANIFEST)
    names = set(storage.listdir(save))
    wanted = {part_name(k, len(parts), job["extension"]): k for k in range(len(parts))}
    done: set = set()
    if opts.resume:
        before = storage.read_bytes(manifest)
        if before is not None and json.loads(before) != fingerprint:
            raise GradcliError(f"--resume: {save} holds the parts of another job (another program, "
                               "input or options)", kind="usage",
                               hint="run without --resume to start it again, or --save elsewhere")
        if before is not None:
            done = {k for name, k in wanted.items() if name in names}
    for name in names:
        if (_PART.match(name) and name not in done_names(done, wanted)) or _TEMPORARY.match(name):
            storage.remove(storage.join(save, name))
    with storage.atomic_write(manifest) as f:
        f.write(json.dumps(fingerprint, indent=1).encode())
    return done


def done_names(done: set, wanted: dict) -> set:
    return {name for name, k in wanted.items() if k in done}


def _tidy(save: str) -> None:
    """Temporaries a killed worker left behind (readers skip them; they are dropped anyway)."""
    from .. import storage  # noqa: PLC0415
    for name in storage.listdir(save):
        if _TEMPORARY.match(name):
            storage.remove(storage.join(save, name))


def _say(save: str, written: list, kept: int) -> None:
    """`gradcli: wrote out.parquet (8 parts, 3 kept from before, 5,000 points, 6 columns, 1.2 MB)`:
    the points are those computed by this run."""
    from ...files import count, say_wrote  # noqa: PLC0415
    from .. import storage  # noqa: PLC0415
    names = [n for n in storage.listdir(save) if _PART.match(n)]
    if not names:
        return
    what = [count(len(names), "part")] + ([f"{kept:,} kept from before"] if kept else [])
    what.append(count(sum(s.get("rows", 0) for s in written), "point"))
    for key, noun in (("arrays", "array"), ("columns", "column")):
        if written and key in written[0]:
            what.append(count(written[0][key], noun))
    say_wrote(save, what, sum(storage.size(storage.join(save, n)) for n in names))
