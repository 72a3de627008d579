"""Files whole or absent, streams complete.

- `atomic_file(path)`: write a temporary file in the target's directory, fsync it, rename it
  over the target. Until the rename the old file (or nothing) is there; any failure (a full
  disk, a size limit, Ctrl-C, SIGTERM) removes the temporary. After SIGKILL only the
  temporary can be left, named `.NAME.gradcli-*.tmp`, never a torn target. Two jobs saving
  to one path each rename a whole file: the last one wins.
- `check_destination(path)`: the checks a save would fail, made before anything is computed.
- A device or a FIFO (`--save /dev/stdout`) is written in place: it cannot be renamed over.
- `complete_streams()`: stdout and stderr whose every write is complete. Python's own streams
  drop bytes on a partial write (PYTHONUNBUFFERED=1, a non-blocking pipe, a pipe closed by
  its reader mid-write); these loop until every byte is written, wait while a non-blocking
  pipe is full, and raise on a real error (EPIPE, ENOSPC) instead of going on.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys

from ..errors import GradcliError

# -- files whole or absent -------------------------------------------------------------------------


def _target(path: str, option: str) -> tuple[str, bool]:
    """(the file a save replaces, whether it is a regular file): a symlink's target (the link
    stays). A device or a FIFO (/dev/stdout, a named pipe) cannot be replaced: it is written."""
    if not path:
        raise GradcliError(f"{option}: the file name is empty", kind="usage",
                           hint=f"give {option} FILE.npz, or leave the option out")
    try:
        mode = os.stat(path).st_mode  # through symlinks: /dev/stdout is a link to a pipe
    except FileNotFoundError:
        return os.path.realpath(path), True
    except OSError as exc:
        raise _cannot(option, path, exc) from None
    if stat.S_ISDIR(mode):
        raise GradcliError(f"{option}: cannot write {path}: it is a directory", kind="io")
    if not stat.S_ISREG(mode):
        return path, False
    return os.path.realpath(path), True


def _cannot(option: str, path: str, exc: OSError) -> GradcliError:
    return GradcliError(f"{option}: cannot write {path}: {exc.strerror or exc}", kind="io")


def check_destination(path: str, option: str = "--save") -> None:
    """Fail now, before computing, where the save would fail later: an empty name, a missing or
    unwritable directory, a target that is a directory. A temporary file is made and removed:
    the one test that permissions, read-only mounts and quotas all answer."""
    real, regular = _target(path, option)
    if not regular:
        if not os.access(real, os.W_OK):
            raise GradcliError(f"{option}: cannot write {path}: permission denied", kind="io")
        return
    try:
        fd, tmp = _temporary(real, ".probe")
    except OSError as exc:
        raise _cannot(option, path, exc) from None
    os.close(fd)
    _unlink(tmp)


def _temporary(real: str, suffix: str = ".tmp") -> tuple[int, str]:
    import tempfile  # noqa: PLC0415
    directory, name = os.path.split(real)
    return tempfile.mkstemp(prefix=f".{name}.gradcli-", suffix=suffix, dir=directory or ".")


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _mode_for(real: str) -> int:
    """The new file's permissions: the old file's, or what open() would give (0666 less umask)."""
    try:
        return stat.S_IMODE(os.stat(real).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_file(path: str, option: str = "--save"):
    """A binary file object whose contents replace `path` only when the block ends normally."""
    real, regular = _target(path, option)
    if not regular:  # a device or a pipe: written in place, there is nothing to rename over
        try:
            with open(real, "wb") as f:
                yield f
        except OSError as exc:
            raise _cannot(option, path, exc) from None
        return
    try:
        fd, tmp = _temporary(real)
    except OSError as exc:
        raise _cannot(option, path, exc) from None
    done = False
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if hasattr(os, "fchmod"):  # mkstemp makes 0600: give it the mode open() would
                os.fchmod(f.fileno(), _mode_for(real))
            os.fsync(f.fileno())  # the data is on disk before the name points at it
        os.replace(tmp, real)
        done = True
        _fsync_directory(os.path.dirname(real) or ".")  # and the rename itself survives a crash
    except OSError as exc:
        raise _cannot(option, path, exc) from None
    finally:
        if not done:  # any failure, Ctrl-C and SIGTERM included: the temporary goes
            _unlink(tmp)


def _fsync_directory(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- streams complete ------------------------------------------------------------------------------


def write_all(fd: int, data) -> None:
    """Write every byte of data to fd: loop on partial writes, wait while a non-blocking pipe
    is full. Errors (EPIPE, ENOSPC, EIO) are raised as OSError; nothing is dropped silently."""
    view = memoryview(data).cast("B")
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            _wait_writable(fd)
            continue
        if n == 0:  # a write that writes nothing would loop forever
            raise OSError(errno.EIO, "the output accepts no more data")
        view = view[n:]


def _wait_writable(fd: int) -> None:
    import select  # noqa: PLC0415
    select.select([], [fd], [])


class CompleteWriter(io.RawIOBase):
    """The raw layer under stdout/stderr: every write() writes all it is given."""

    def __init__(self, fd: int):
        super().__init__()
        self.fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        write_all(self.fd, data)
        return memoryview(data).nbytes

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        try:
            return os.isatty(self.fd)
        except OSError:
            return False

    def close(self) -> None:  # the descriptor belongs to the process, not to this object
        super().close()


def _complete(stream):
    """The same descriptor, encoding and buffering, over a CompleteWriter."""
    raw = CompleteWriter(stream.fileno())
    return io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=1 << 16),
                            encoding=stream.encoding, errors=stream.errors,
                            line_buffering=getattr(stream, "line_buffering", False),
                            write_through=getattr(stream, "write_through", False))


def complete_streams() -> None:
    """Replace sys.stdout and sys.stderr with complete writers on the same descriptors
    (once; streams that are not real files, as under a test harness, are left alone)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(getattr(getattr(stream, "buffer", None), "raw", None),
                                        CompleteWriter):
            continue
        try:
            stream.flush()
            replacement = _complete(stream)
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            continue
        setattr(sys, name, replacement)


def silence(stream) -> None:
    """After a broken pipe or a full disk, let nothing more reach that descriptor: what is
    still buffered goes to /dev/null at exit instead of failing again (exit 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
