"""Files by path or by URL: local paths through the OS, `s3://`, `gs://`, `file://` ... through
fsspec (where the filesystem's package is installed).

Writes are whole or absent. On a local disk (file:// included) a temporary in the target's
directory is renamed over it (files.atomic_file). An object store has no rename, but an object
appears whole or not at all: the data is written to a local temporary and put in one upload.
"""
from __future__ import annotations

import contextlib
import glob
import os

from ...errors import GradcliError

MAGIC = b"PAR1"  # the first (and last) four bytes of a Parquet file


def is_url(path: str) -> bool:
    return "://" in path


def filesystem(path: str):
    """(fsspec filesystem, its path) for a URL; (None, path) for a local path."""
    if not is_url(path):
        return None, path
    try:
        from fsspec.core import url_to_fs  # noqa: PLC0415
    except ImportError:
        raise GradcliError(f"{path}: reading or writing URLs needs fsspec", kind="usage",
                           hint='pip install "gradcli[dask]" (or fsspec, and s3fs/gcsfs for '
                                's3:// and gs://)') from None
    try:
        return url_to_fs(path)
    except (ImportError, ValueError) as exc:  # no package for the protocol: fsspec says which
        raise GradcliError(f"{path}: {exc}", kind="usage") from None


def local_path(path: str) -> str | None:
    """The local file a path or a file:// URL names; None for any other URL."""
    fs, inner = filesystem(path)
    if fs is None:
        return path
    if _is_local(fs):
        return inner
    return None


def _is_local(fs) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in ("file", "local")


def join(directory: str, name: str) -> str:
    return directory.rstrip("/") + "/" + name


def is_pattern(path: str) -> bool:
    return any(c in path for c in "*?[") and not exists(path)


def exists(path: str) -> bool:
    fs, inner = filesystem(path)
    return os.path.exists(inner) if fs is None else fs.exists(inner)


def is_directory(path: str) -> bool:
    fs, inner = filesystem(path)
    return os.path.isdir(inner) if fs is None else fs.isdir(inner)


def has_magic(path: str) -> bool:
    """Whether a file (local, or an object) starts with Parquet's magic bytes."""
    try:
        fp, _ = open_binary(path)
    except (OSError, GradcliError):
        return False
    with fp:
        return fp.read(4) == MAGIC


def open_binary(path: str):
    """(a binary file object, its size in bytes or None)."""
    fs, inner = filesystem(path)
    if fs is None:
        fp = open(inner, "rb")
        try:
            size = os.fstat(fp.fileno()).st_size
        except OSError:
            size = None
        return fp, size
    try:
        fp = fs.open(inner, "rb")
        return fp, fs.size(inner)
    except FileNotFoundError as exc:
        raise OSError(exc.errno or 2, "No such file or directory") from None


def read_range(path: str, start: int, stop: int) -> bytes:
    """Bytes [start, stop) of a file (a partition of a text file)."""
    fs, inner = filesystem(path)
    if fs is None:
        with open(inner, "rb") as fp:
            fp.seek(start)
            return fp.read(stop - start)
    return fs.cat_file(inner, start=start, end=stop)


def expand(path: str, suffixes: tuple) -> list[str]:
    """The files a directory (walked, in path order) or a glob names, as paths or URLs like the
    one given. A directory's files are those with one of `suffixes`, less hidden ones (`.x`, `_x`:
    temporaries and metadata, as pyarrow and Spark skip them)."""
    fs, inner = filesystem(path)
    if is_directory(path):
        if fs is None:
            found = [os.path.join(root, name) for root, dirs, names in os.walk(inner)
                     for name in names]
        else:
            found = list(fs.find(inner))
        base = inner.rstrip("/") + "/"
        found = [f for f in found if f.lower().endswith(suffixes)
                 and not any(part.startswith((".", "_")) for part in f[len(base):].split("/"))]
    elif fs is None:
        found = glob.glob(inner, recursive=True)
    else:
        found = list(fs.glob(inner))
    found = sorted(found)
    if fs is None:
        return found
    prefix = path[:path.index("://") + 3]
    return [f if is_url(f) else prefix + f for f in found]


def size(path: str) -> int:
    fs, inner = filesystem(path)
    return os.path.getsize(inner) if fs is None else fs.size(inner)


def modified(path: str) -> str:
    """The last change of a file, as text (part of a job's fingerprint); '' where unknown."""
    fs, inner = filesystem(path)
    try:
        if fs is None:
            return str(os.stat(inner).st_mtime_ns)
        return str(fs.modified(inner))
    except (OSError, NotImplementedError, AttributeError):
        return ""


def makedirs(path: str) -> None:
    fs, inner = filesystem(path)
    if fs is None:
        os.makedirs(inner, exist_ok=True)
    else:
        fs.makedirs(inner, exist_ok=True)


def listdir(path: str) -> list[str]:
    """The names in a directory (not paths); [] when it does not exist."""
    fs, inner = filesystem(path)
    try:
        if fs is None:
            return sorted(os.listdir(inner))
        return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(inner, detail=False))
    except FileNotFoundError:
        return []


def remove(path: str) -> None:
    fs, inner = filesystem(path)
    with contextlib.suppress(FileNotFoundError):
        if fs is None:
            os.unlink(inner)
        else:
            fs.rm_file(inner)


def read_bytes(path: str) -> bytes | None:
    fs, inner = filesystem(path)
    try:
        if fs is None:
            with open(inner, "rb") as f:
                return f.read()
        return fs.cat_file(inner)
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def atomic_write(path: str, option: str = "--save"):
    """A binary file whose contents appear at `path` whole, when the block ends normally."""
    from ..files import atomic_file  # noqa: PLC0415
    local = local_path(path)
    if local is not None:
        with atomic_file(local, option) as f:
            yield f
        return
    import tempfile  # noqa: PLC0415
    fs, inner = filesystem(path)
    with tempfile.NamedTemporaryFile(prefix=".gradcli-", suffix=".tmp") as f:
        yield f
        f.flush()
        try:  # one upload (put_file, not a stream whose close would commit a part on error)
            fs.put_file(f.name, inner)
        except OSError as exc:
            raise GradcliError(f"{option}: cannot write {path}: {exc.strerror or exc}", kind="io") from None
