"""What a cluster worker runs: one partition, from plain data to plain data.

The job is the program's text, the --at values (arrays), the computation's method and its
arguments, and the options; the worker rebuilds the program from the text (nothing pickled but
text, numbers and arrays), reads its partition with the same source modules, computes each chunk
as one batch and writes with the same Output and sinks as one process does. Its part file is
written whole or not at all (a temporary renamed over it), so a worker killed mid-task leaves no
part behind, and Dask runs the task again elsewhere.
"""
from __future__ import annotations

from types import SimpleNamespace

from ....errors import GradcliError


def part_name(k: int, parts: int, extension: str) -> str:
    """part-00000.parquet ...: names that sort in input order."""
    return f"part-{k:0{max(5, len(str(parts - 1)))}d}{extension}"


class _Call:
    """The computation's method, called by name (a closure cannot cross the wire)."""

    def __init__(self, plain: dict):
        self.plain = plain

    def __call__(self, computation):
        return getattr(computation, self.plain["method"])(*self.plain["args"], **self.plain["kwargs"])


def count_block(block: dict) -> dict:
    """The first phase for text: a block's true bounds, lines and points."""
    from ..sources.partitions import count_block as count  # noqa: PLC0415
    try:
        return count(block)
    except GradcliError as exc:
        return dict(block, error=_plain_error(exc), lines=0, points=0, start=0, stop=0)


def compute_partition(job: dict, part: dict, k: int) -> dict:
    """Compute partition k; returns its NDJSON text (when stdout carries it), counts, failures,
    notes and the first error (a bad point without --keep-going), all as plain data."""
    from ....core import backend  # noqa: PLC0415
    from ....lang.program import Program  # noqa: PLC0415
    from ..batch import Runner  # noqa: PLC0415
    from ..chunk import Source  # noqa: PLC0415
    from ..output import Output  # noqa: PLC0415
    from ..sinks import open_sink  # noqa: PLC0415
    from ..sources import partitions  # noqa: PLC0415

    texts: list = []
    shared = job["shared"]
    sink = path = None
    error = None
    output = None
    source = None
    try:
        program = Program(job["text"]).given(shared)
        source = Source(job["label"], program, set(shared), job["columns"])
        runner = Runner(program, shared, _Call(job["call"]), SimpleNamespace(**job["options"]))
        if job["save"] is not None:
            from .. import storage  # noqa: PLC0415
            path = storage.join(job["save"], part_name(k, job["parts"], job["extension"]))
            sink = open_sink(path)
        output = Output(texts.append, sink, lines=job["lines"], keep_going=job["keep_going"])
        with backend.watch:
            for chunk in partitions.chunks(source, part, job["chunk_size"]):
                stop = output.chunk(chunk, runner.run(chunk, source))
                if stop is not None:
                    error = stop
                    break
        messages = backend.watch.messages()
    except GradcliError as exc:
        error, messages = exc, []
    if sink is not None:
        if error is None:
            sink.close()  # the part appears whole
        else:
            sink.discard()  # an incomplete part is no part: --resume computes it again
    summary = sink.summary() if sink is not None and error is None else {}
    return {
        "k": k,
        "text": "".join(texts),
        "points": output.points if output is not None else 0,
        "failed": output.failed if output is not None else [],
        "nonfinite": output.nonfinite if output is not None else {"lines": False, "saved": False},
        "ignored": list(source.ignored) if source is not None else [],
        "messages": list(messages),
        "error": None if error is None else _plain_error(error, k, job["partitions_label"]),
        "summary": summary,
        "written": path if summary.get("rows") else None,
    }


def _plain_error(exc: GradcliError, k: int | None = None, label: str | None = None) -> dict:
    """The error as data, with its partition named after the place in the file."""
    message = exc.message
    if k is not None:
        where, sep, rest = message.partition(": ")
        partition = f"partition {k} of {label}"
        message = f"{where} ({partition}): {rest}" if sep and where.startswith("--points ") \
            else f"{partition}: {message}"
    return {"message": message, "kind": exc.kind, "hint": exc.hint}


def error_of(plain: dict) -> GradcliError:
    return GradcliError(plain["message"], kind=plain["kind"], hint=plain.get("hint"))
