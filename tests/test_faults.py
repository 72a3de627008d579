"""Faults injected into real runs: files whole or absent, streams complete, signals, hostile files.

Each case runs `python -m gradcli` from this checkout in a child process and does to it what
the world does: a signal at a chosen moment (while a --save is being written, while NDJSON
streams, while Python is still importing), a size limit or a full disk, an address-space limit,
a non-blocking or closed pipe, a full stderr, two jobs saving to one path, and files built to
hurt (a .npz named .npy, headers that lie, a compressed bomb). What must hold afterwards: the
old file or a whole new one (never a torn one, never a temporary left behind), every byte of
the output or a non-zero exit with a message, the documented exit code, no traceback, and
bounded memory.

Fast enough for CI: the moments are found by polling (a temporary appearing, the first bytes
arriving), not by sleeping for long; the whole file takes well under a minute on 2 cores.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]  # the checkout under test: its gradcli is imported
ENV = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "80", "NO_COLOR": "1"}
ENV.pop("GRADCLI_DEBUG", None)
ENV.pop("PYTHONUNBUFFERED", None)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="signals, /dev/full, prlimit")


def gradcli(*args) -> list[str]:
    return [sys.executable, "-m", "gradcli", *map(str, args)]


def run(*args, env=None, timeout=120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(gradcli(*args), cwd=ROOT, env=env or ENV, capture_output=True,
                          timeout=timeout, check=False, **kw)


def start(*args, env=None, **kw) -> subprocess.Popen:
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(gradcli(*args), cwd=ROOT, env=env or ENV, **kw)


def inprocess(*args, stdin: bytes = b"") -> tuple[int, bytes, bytes]:
    """gradcli.cli.main(args) in this process, for the cases that need no real process (fast)."""
    import io

    from gradcli.cli import main
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        code = main([str(a) for a in args])
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    return code, out.getvalue().encode(), err.getvalue().encode()


def no_traceback(stderr: bytes) -> None:
    assert b"Traceback" not in stderr and b"internal error" not in stderr, stderr[-2000:]


def saved(path: Path) -> dict:
    """Every array of an .npz, read in full (zipfile checks each member's CRC)."""
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def temporaries(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.gradcli-*.tmp"))


@pytest.fixture
def old_file(tmp_path) -> Path:
    """A good .npz already at the target: it must survive every failure."""
    path = tmp_path / "result.npz"
    np.savez(path, **{"outputs/y": np.arange(5.0)})
    return path


def is_old(path: Path) -> bool:
    return set(saved(path)) == {"outputs/y"} and saved(path)["outputs/y"].tolist() == [0, 1, 2, 3, 4]


# ================================================================================================
# Files whole or absent
# ================================================================================================

BIG = "y = ones(4000000) * 2"  # 32 MB to save: long enough to be caught in the middle


def _caught_while_saving(path: Path, sig: int) -> tuple[subprocess.Popen, bool]:
    """Start a save over `path` and send `sig` once it is under way: a temporary has appeared
    (this code) or the target has changed (code that writes the target in place)."""
    before = path.stat()
    proc = start("eval", BIG, "--save", path, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        now = path.stat() if path.exists() else None
        if now is None or (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns) \
                or any(_size(t) > 1 << 20 for t in temporaries(path.parent)):
            proc.send_signal(sig)
            return proc, True
        time.sleep(0.0005)
    return proc, False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # renamed or removed meanwhile
        return 0


@pytest.mark.parametrize("sig, code", [(signal.SIGKILL, -9), (signal.SIGTERM, 143),
                                       (signal.SIGINT, 130)])
def test_a_signal_while_saving_leaves_the_old_file_or_the_new_one_whole(old_file, sig, code):
    for _ in range(3):  # a fast machine may finish before the signal: try again
        proc, caught = _caught_while_saving(old_file, sig)
        _, err = proc.communicate(timeout=60)
        if caught and proc.returncode == code:
            break
    assert caught and proc.returncode == code, (proc.returncode, err[-500:])
    no_traceback(err)
    contents = saved(old_file)  # whole, whichever it is
    assert is_old(old_file) or contents["outputs/y"].shape == (4000000,)
    if sig != signal.SIGKILL:  # a catchable signal: the temporary is removed on the way out
        assert temporaries(old_file.parent) == []


def test_a_size_limit_keeps_the_old_file(old_file):
    proc = subprocess.run(["prlimit", "--fsize=1000000", *gradcli("eval", BIG, "--save", old_file)],
                          cwd=ROOT, env=ENV, capture_output=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert b"--save: cannot write" in proc.stderr and b"File too large" in proc.stderr
    no_traceback(proc.stderr)
    assert is_old(old_file) and temporaries(old_file.parent) == []


def test_a_full_disk_keeps_the_old_file(tmp_path):
    """A 1 MB tmpfs in a private mount namespace (needs unshare and mount: root, or skipped)."""
    script = f"""
set -e
mount -t tmpfs -o size=1m tmpfs {tmp_path}/disk
{sys.executable} -c 'import numpy as np; np.savez("{tmp_path}/disk/r.npz", **{{"outputs/y": np.arange(5.0)}})'
set +e
{sys.executable} -m gradcli eval "y = ones(300000)" --save {tmp_path}/disk/r.npz
echo "rc=$?"
{sys.executable} -c 'import numpy as np; print("old", np.load("{tmp_path}/disk/r.npz")["outputs/y"].tolist())'
ls -a {tmp_path}/disk
"""
    (tmp_path / "disk").mkdir()
    try:
        proc = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=ROOT, env=ENV,
                              capture_output=True, text=True, timeout=120, check=False)
    except FileNotFoundError:
        pytest.skip("no unshare")
    if "rc=" not in proc.stdout:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()[-200:]}")
    assert "rc=2" in proc.stdout and "No space left on device" in proc.stderr, proc
    assert "old [0.0, 1.0, 2.0, 3.0, 4.0]" in proc.stdout
    assert ".gradcli-" not in proc.stdout  # no temporary left on the full disk


def test_two_jobs_saving_to_one_path_leave_one_whole_file(tmp_path):
    path = tmp_path / "shared.npz"
    for _ in range(2):
        jobs = [start("eval", f"y = ones(2000000) * {k}", "--save", path, stdout=subprocess.DEVNULL)
                for k in (1, 2)]
        for job in jobs:
            _, err = job.communicate(timeout=120)
            assert job.returncode == 0, err
        y = saved(path)["outputs/y"]  # whole: every member reads back with its CRC
        assert y.shape == (2000000,) and (np.all(y == 1) or np.all(y == 2))
    assert temporaries(tmp_path) == []


def test_points_save_keeps_every_result_before_a_bad_line(tmp_path):
    points = tmp_path / "p.ndjson"
    points.write_text('{"x": 1}\n{"x": 2}\n{"x": oops}\n{"x": 4}\n')
    out = tmp_path / "s.npz"
    proc = run("eval", "y = x * 10", "--points", points, "--save", out)
    assert proc.returncode == 2
    assert b"line 3" in proc.stderr
    no_traceback(proc.stderr)
    arrays = saved(out)
    assert arrays["index"].tolist() == [0, 1]
    assert arrays["outputs/y"].tolist() == [10.0, 20.0]


def test_an_unwritable_save_is_found_before_computing(tmp_path):
    # log(-1) warns while computing: the refusal comes first, so no warning is ever printed
    proc = run("eval", "y = log(x)", "--at", "x=-1", "--save", tmp_path / "no" / "dir" / "r.npz")
    assert proc.returncode == 2 and b"--save: cannot write" in proc.stderr
    assert b"invalid value" not in proc.stderr
    proc = run("eval", "y = log(x)", "--at", "x=-1", "--save", "")
    assert proc.returncode == 2 and b"--save: the file name is empty" in proc.stderr
    assert b"invalid value" not in proc.stderr


# ================================================================================================
# Streams complete
# ================================================================================================

def _points_file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "points.ndjson"
    path.write_text("".join(f'{{"x": {i % 97}.25}}\n' for i in range(n)))
    return path


@pytest.mark.parametrize("what", ["json", "ndjson"])
def test_a_non_blocking_pipe_gets_every_byte_unbuffered(tmp_path, what):
    """PYTHONUNBUFFERED=1 and O_NONBLOCK on stdout: Python's own streams drop what a partial
    write leaves over; every byte must arrive, or the run must fail."""
    args = ("eval", "y = ones(200000)", "--json") if what == "json" else \
        ("eval", "y = x * 2", "--points", _points_file(tmp_path, 30000))
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
    proc = start(*args, env={**ENV, "PYTHONUNBUFFERED": "1"}, stdout=w)
    os.close(w)
    time.sleep(0.5)  # let the writer fill the pipe and meet EAGAIN
    chunks = []
    while chunk := os.read(r, 1 << 16):
        chunks.append(chunk)
        time.sleep(0.0002)  # a slow reader
    os.close(r)
    _, err = proc.communicate(timeout=60)
    data = b"".join(chunks)
    assert proc.returncode == 0, err
    if what == "json":
        assert json.loads(data)["outputs"]["y"] == [1.0] * 200000
    else:
        lines = data.decode().splitlines()
        assert len(lines) == 30000 and data.endswith(b"\n")
        assert [json.loads(line)["index"] for line in lines] == list(range(30000))


CLOSED_PIPE = {
    "json": ("eval", "y = x * 2", "--at", "x=1", "--json"),
    "tables": ("jacobian", "y = x * 2", "--at", "x=1,2"),
    "ndjson": ("eval", "y = x * 2", "--points", "-"),
    "check": ("check", "y = x * x", "--at", "x=1,2"),
    "check-json": ("check", "y = x * x", "--at", "x=1,2", "--json"),
    "explain": ("explain", "y = (x * x).sum()", "--at", "x=1,2"),
    "graph": ("graph", "y = (x * x).sum()", "--at", "x=1,2"),
    "graph-json": ("graph", "y = (x * x).sum()", "--at", "x=1,2", "--json"),
    "graph-dot": ("graph", "y = (x * x).sum()", "--at", "x=1,2", "--dot"),
}


@pytest.mark.parametrize("what", list(CLOSED_PIPE))
def test_a_closed_pipe_is_exit_141_everywhere(what):
    """The reader is gone before the first byte (`| head -0`): as if killed by SIGPIPE."""
    r, w = os.pipe()
    os.close(r)
    stdin = subprocess.PIPE if what == "ndjson" else subprocess.DEVNULL
    proc = start(*CLOSED_PIPE[what], stdout=w, stdin=stdin)
    os.close(w)
    _, err = proc.communicate(input=b'{"x": 1}\n' * 10 if what == "ndjson" else None, timeout=60)
    assert proc.returncode == 141, (proc.returncode, err)
    assert err == b""


def test_a_full_stdout_is_exit_2_with_a_message():
    with open("/dev/full", "wb") as full:
        proc = start("eval", "y = x * 2", "--at", "x=1", "--json", stdout=full)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert b"cannot write the output: No space left on device" in err
    no_traceback(err)


def test_an_error_while_stderr_is_full_is_exit_2():
    with open("/dev/full", "wb") as full:
        proc = start("eval", "y = (", stderr=full)
        proc.communicate(timeout=60)
    assert proc.returncode == 2  # not Python's 120 for a failed flush at exit


@pytest.mark.parametrize("megabytes", [250, 500, 1000])
def test_large_json_under_an_address_space_limit(megabytes):
    """The JSON encoder once crashed (SIGSEGV) where it could not allocate; now the document is
    encoded a slice at a time, and memory that really runs out is exit 2 with a message."""
    proc = subprocess.run(["prlimit", f"--as={megabytes * 1000000}",
                           *gradcli("eval", "y = ones(10000000)", "--json")],
                          cwd=ROOT, env=ENV, capture_output=True, timeout=300, check=False)
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr[-300:])
    if proc.returncode == 0:
        assert len(proc.stdout) == 40000032 and proc.stdout.endswith(b"1.0]}}\n")
    else:
        assert b"out of memory" in proc.stderr and proc.stdout == b""


# ================================================================================================
# Signals
# ================================================================================================

def _stream_and_signal(points: Path, sig: int, delay: float) -> tuple[int, bytes, bytes]:
    """Stream NDJSON to a reader slower than the writer; send `sig` `delay` s after the first
    bytes arrive, while the writer is in the middle of a chunk."""
    proc = start("eval", "y = x * 2", "--points", points, "--chunk-size", "2000")
    chunks = []

    def read():
        while chunk := os.read(proc.stdout.fileno(), 1000):
            chunks.append(chunk)
            time.sleep(0.0002)
    reader = threading.Thread(target=read)
    reader.start()
    while not chunks and proc.poll() is None:
        time.sleep(0.001)
    time.sleep(delay)
    proc.send_signal(sig)
    reader.join(timeout=60)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, b"".join(chunks), err


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_streaming_ends_on_a_whole_record(tmp_path, sig, code):
    points = _points_file(tmp_path, 50000)
    for delay in (0.01, 0.05, 0.15):
        returncode, data, err = _stream_and_signal(points, sig, delay)
        assert returncode == code, err
        assert data.endswith(b"\n"), data[-200:]
        lines = data.decode().splitlines()
        assert [json.loads(line)["index"] for line in lines] == list(range(len(lines)))
        assert len(lines) % 2000 == 0 and len(lines) < 50000  # whole chunks, and it did stop
        no_traceback(err)


# Runs gradcli as its console script does (`from gradcli.cli import entry; entry()`), saying
# "go" on stderr as the import of gradcli's command line begins: a signal before that lands in
# Python's own start-up (the shell's business), after it in gradcli's code.
_STARTED = ("import os, sys\n"
            "def hook(event, args):\n"
            "    if event == 'import' and args[0] == 'gradcli.cli.main':\n"
            "        os.write(2, b'go\\n')\n"
            "sys.addaudithook(hook)\n"
            "from gradcli.cli import entry\n"
            "sys.argv[0] = 'gradcli'\n"
            "entry()\n")


def test_ctrl_c_while_starting_prints_no_traceback():
    started = time.monotonic()
    run("eval", "y = x * 2", "--at", "x=1", "--json")
    whole = time.monotonic() - started
    for k in range(10):
        delay = whole * k / 10 * 0.8  # over the imports, the run, and the end
        proc = subprocess.Popen([sys.executable, "-c", _STARTED, "eval", "y = x * 2", "--at", "x=1",
                                 "--json"], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stderr.read(3) == b"go\n", proc.stderr.read()
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, 130), (delay, proc.returncode, err)
        assert b"Traceback" not in err and b"KeyboardInterrupt" not in err, (delay, err)


# ================================================================================================
# Hostile files and options
# ================================================================================================

def _npy_header(shape, fortran=False, descr="<f8") -> bytes:
    text = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape!r}, }}"
    text += " " * (63 - (10 + len(text)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode()


def _hostile(d: Path) -> dict[str, Path]:
    files = {}
    np.savez(d / "real.npz", x=np.ones(3))
    files["npz-named-npy"] = (d / "real.npz").rename(d / "archive.npy")
    files["empty"] = d / "empty.npy"
    files["empty"].write_bytes(b"")
    files["huge-shape"] = d / "huge.npy"
    files["huge-shape"].write_bytes(_npy_header((2 ** 62, 2 ** 62)) + bytes(64))
    files["negative-shape"] = d / "negative.npy"
    files["negative-shape"].write_bytes(_npy_header((-5,)) + bytes(64))
    import io
    buf = io.BytesIO()
    np.save(buf, np.asfortranarray(np.arange(12.0).reshape(3, 4)))
    files["truncated-fortran"] = d / "fortran.npy"
    files["truncated-fortran"].write_bytes(buf.getvalue()[:-20])
    return files


HOSTILE = {
    "npz-named-npy": r"is a \.npz archive.*not a \.npy array",
    "empty": r"is empty, not a \.npy array",
    "huge-shape": r"over the limit|truncated",
    "negative-shape": r"negative size",
    "truncated-fortran": r"truncated",
}


@pytest.mark.parametrize("how", ["at", "points"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_npy_is_exit_2_with_a_message(tmp_path, name, how):
    path = _hostile(tmp_path)[name]
    args = ("eval", "y = x.sum()", "--at", f"x=@{path}") if how == "at" else \
        ("eval", "y = x * 2", "--points", path)
    code, out, err = inprocess(*args, "--json")
    assert code == 2 and out == b"", (code, err)
    message = json.loads(err)["error"]["message"]
    import re
    assert re.search(HOSTILE[name], message), message


@pytest.mark.parametrize("command", ["jacobian", "eval"])
def test_a_chunk_size_beyond_int64_is_exit_2(tmp_path, command):
    extra = ("--points", _points_file(tmp_path, 3)) if command == "eval" else ("--at", "x=1,2")
    for size in (2 ** 63, 2 ** 64, 10 ** 30):
        code, _out, err = inprocess(command, "y = x * 2", *extra, "--chunk-size", size)
        assert code == 2 and b"--chunk-size must be at most" in err, err
        no_traceback(err)


# Runs main() and reports the peak resident memory (VmHWM) of the process.
_PEAK = r"""
import sys
from gradcli.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
sys.stderr.write("\nPEAK_KB %s\n" % peak)
sys.exit(code)
"""


def peak_run(*args, timeout=300) -> tuple[subprocess.CompletedProcess, float]:
    proc = subprocess.run([sys.executable, "-c", _PEAK, *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, timeout=timeout, check=False)
    peak = [line for line in proc.stderr.decode().splitlines() if line.startswith("PEAK_KB")]
    return proc, int(peak[-1].split()[1]) / 1024 if peak else float("nan")


def _bomb(path: Path, shape: tuple) -> None:
    """A deflated .npz of zeros: a few MB on disk, hundreds of MB inflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open("x.npy", "w", force_zip64=True) as f:
        f.write(_npy_header(shape))
        block, left = bytes(1 << 24), int(np.prod(shape)) * 8
        while left:
            f.write(block[:min(left, len(block))])
            left -= min(left, len(block))


@pytest.mark.parametrize("shape", [(118_750_000,), (1, 118_750_000)])
def test_a_compressed_bomb_is_refused_from_its_headers(tmp_path, shape):
    bomb = tmp_path / "bomb.npz"
    _bomb(bomb, shape)
    assert bomb.stat().st_size < 5_000_000  # 950 MB of zeros, deflated (quickly: level 1)
    proc, peak = peak_run("eval", "y = x * 2", "--points", bomb)
    assert proc.returncode == 2 and proc.stdout == b"", proc.stderr[-500:]
    assert b"inflates to 950,000,128 bytes" in proc.stderr
    assert peak < 150, peak  # refused before anything is inflated (MB)
    print(f"bomb {shape}: peak {peak:.0f} MB")


@pytest.mark.parametrize("text, message", [
    ('{"x": 1, "x": 2}\n{"x": 3}\n', "line 1: the key 'x' appears twice"),
    ('{"x": 1}\n{"x": 2, "x": 3}\n{"x": 4}\n', "line 2: the key 'x' appears twice"),
    ('{"x": NaN}\n{"x": 3}\n', 'line 1: NaN is not JSON; write it as the string "NaN"'),
    ('{"x": 1}\n{"x": Infinity}\n', 'line 2: Infinity is not JSON'),
    ('{"x": 1}\n\n{"x": -Infinity}\n', 'line 3: -Infinity is not JSON'),
])
def test_points_are_as_strict_as_inputs(tmp_path, text, message):
    path = tmp_path / "p.ndjson"
    path.write_text(text)
    code, _out, err = inprocess("eval", "y = x * 2", "--points", path)
    assert code == 2 and message.encode() in err, err


def test_an_ndjson_file_with_a_byte_order_mark_is_ndjson(tmp_path):
    path = tmp_path / "bom.ndjson"
    path.write_bytes(b'\xef\xbb\xbf{"x": 1}\n{"x": 2}\n')
    for args in (("--points", path), ("--points", "-")):
        code, out, err = inprocess("eval", "y = x * 2", *args, stdin=path.read_bytes())
        assert code == 0, err
        assert [json.loads(line)["outputs"]["y"] for line in out.splitlines()] == [2.0, 4.0]


def test_a_long_program_with_points_keeps_memory_bounded(tmp_path):
    """The chunk shrinks with the program: 10,000 statements at 4,096 points held one value per
    statement and point at once (over 300 MB); now the points go through in smaller chunks."""
    program = tmp_path / "long.py"
    program.write_text("y = x\n" + "".join("y = y * x\n" if k % 2 else "y = y - x\n"
                                           for k in range(9999)))
    points = tmp_path / "p.ndjson"
    points.write_text("".join(f'{{"x": {1 + (k % 3) * 1e-9}}}\n' for k in range(4096)))
    proc, peak = peak_run("eval", "-f", program, "--points", points, timeout=600)
    assert proc.returncode == 0, proc.stderr[-500:]
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 4096 and json.loads(lines[0])["outputs"]["y"] == -4999.0
    assert peak < 250, peak
    print(f"10,000 statements x 4,096 points: peak {peak:.0f} MB")
