"""The whole job in this process: chunks read, computed and written one after another."""
from __future__ import annotations

import sys

from ....core import backend
from ....errors import GradcliError
from ...interrupts import whole
from ..batch import Runner
from ..output import Output
from ..progress import Progress
from ..sinks import open_sink
from ..sources import open_source
from . import failed_error, nonfinite_warning, note, say_saved


def write_stdout(text: str) -> None:
    with whole():  # Ctrl-C or SIGTERM: this chunk's lines are finished first, never torn
        sys.stdout.write(text)
        sys.stdout.flush()


def run_local(opts, compute, program, shared: dict) -> None:
    source, chunks = open_source(opts.points, program, set(shared), opts.chunk_size,
                                 _columns(opts))
    runner = Runner(program, shared, compute, opts)
    sink = open_sink(opts.save) if opts.save else None
    output = Output(write_stdout, sink, lines=not opts.save or opts.json, keep_going=opts.keep_going)
    progress = Progress(source.total, "bytes" if source.total is not None else "points")
    done, finished = 0, False
    try:
        with backend.watch:
            for chunk in chunks:
                results = runner.run(chunk, source)
                stop = output.chunk(chunk, results)
                done += chunk.consumed
                progress.update(done, output.points)
                if stop is not None:
                    raise stop
        finished = True
    except GradcliError:
        # A bad line (or any bad input) stops the run: the results before it are kept, in the
        # saved file as on stdout, and the error names the line.
        finished = True
        if sink is not None:
            _commit(sink, opts.save)
        raise
    finally:
        if sink is not None and not finished:
            sink.discard()  # a signal, a closed pipe: no file, the target is left as it was
        progress.close()
        for message in backend.watch.messages():
            backend.warn(message)
        if (ignored := source.note_ignored()) is not None:
            note(ignored)
        flags = output.nonfinite
        nonfinite_warning(flags["lines"], flags["saved"], opts.save)  # said even when an error stops
    if sink is not None:
        _commit(sink, opts.save)
    if output.failed:
        raise failed_error(len(output.failed), output.points, output.failed[0])


def _commit(sink, path: str) -> None:
    sink.close()
    summary = sink.summary()
    if summary.get("rows"):
        say_saved(path, summary)


def _columns(opts):
    spec = getattr(opts, "columns", None)
    if not spec:
        return None
    return [n.strip() for n in spec.split(",") if n.strip()]
