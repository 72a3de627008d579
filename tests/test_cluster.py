"""--points --cluster on a real local Dask cluster (2 worker processes, started here once for the
module): the same results as one process, in order, bad rows, --keep-going, --resume, a worker
killed mid-job."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from gradcli.cli import main

distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

RNG = np.random.default_rng(42)
PROGRAM = "f = x * sin(y) + exp(x) / (1 + y * y)"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def cluster():
    """A scheduler and 2 worker processes (one thread each), shared by the module's tests."""
    import logging

    from dask.distributed import Client, LocalCluster
    local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                         silence_logs=logging.ERROR)
    client = Client(local)
    yield local.scheduler_address, client
    client.close()
    local.close()


def gradcli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The same 3,000 points in every format (text blocks, row groups and slices: several
    partitions each)."""
    d = tmp_path_factory.mktemp("points")
    x, y = RNG.normal(size=3000), RNG.normal(size=3000)
    (d / "p.ndjson").write_text("".join(json.dumps({"x": a, "y": b}) + "\n"
                                        for a, b in zip(x.tolist(), y.tolist())))
    (d / "p.csv").write_text("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist())))
    np.save(d / "p.npy", np.stack([x, y], axis=1))
    pq.write_table(pa.table({"x": x, "y": y}), d / "p.parquet", row_group_size=400)
    return d, x, y


@pytest.mark.parametrize("name", ["p.ndjson", "p.csv", "p.npy", "p.parquet"])
def test_stdout_is_byte_for_byte_the_single_process_output(cluster, capsys, data, name):
    address, _ = cluster
    path = str(data[0] / name)
    code, single, _ = gradcli(capsys, "grad", PROGRAM, "--points", path, "--chunk-size", "500")
    assert code == 0
    code, spread, err = gradcli(capsys, "grad", PROGRAM, "--points", path, "--cluster", address,
                                "--chunk-size", "500")
    assert code == 0, err
    assert spread == single
    assert [json.loads(line)["index"] for line in spread.splitlines()] == list(range(3000))
    x, y = data[1], data[2]  # and the values are the formula's
    expected = x * np.sin(y) + np.exp(x) / (1 + y * y)
    np.testing.assert_allclose([json.loads(line)["outputs"]["f"] for line in spread.splitlines()],
                               expected, rtol=1e-13)


def test_save_parquet_is_a_directory_of_parts_read_as_one_table(cluster, capsys, data, tmp_path):
    address, _ = cluster
    path = str(data[0] / "p.parquet")
    single, spread = tmp_path / "single.parquet", tmp_path / "spread.parquet"
    assert gradcli(capsys, "grad", PROGRAM, "--points", path, "--save", str(single))[0] == 0
    code, out, err = gradcli(capsys, "grad", PROGRAM, "--points", path, "--cluster", address,
                             "--save", str(spread))
    assert code == 0 and out == ""
    assert f"gradcli: wrote {spread} (8 parts, 3,000 points, 6 columns" in err
    parts = sorted(p.name for p in spread.iterdir() if not p.name.startswith("_"))
    assert parts == [f"part-{k:05d}.parquet" for k in range(8)]
    table, expected = pq.read_table(spread), pq.read_table(single)
    assert table.equals(expected, check_metadata=False)  # value for value, in order
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(spread)
    np.testing.assert_array_equal(frame["index"].to_numpy(), np.arange(3000))
    np.testing.assert_array_equal(frame["grad.x"].to_numpy(), expected["grad.x"].to_numpy())


def test_npz_and_ndjson_parts(cluster, capsys, data, tmp_path):
    address, _ = cluster
    path = str(data[0] / "p.npy")
    code, single, _ = gradcli(capsys, "grad", PROGRAM, "--points", path)
    assert code == 0
    out = tmp_path / "out.npz"
    assert gradcli(capsys, "grad", PROGRAM, "--points", path, "--cluster", address, "--save", str(out),
                   "--chunk-size", "1000")[0] == 0
    files = sorted(out.glob("part-*.npz"))
    assert len(files) == 3
    joined = {}
    for f in files:
        with np.load(f) as z:
            for k in z.files:
                joined.setdefault(k, []).append(z[k])
    rows = [json.loads(line) for line in single.splitlines()]
    np.testing.assert_array_equal(np.concatenate(joined["index"]), np.arange(3000))
    np.testing.assert_array_equal(np.concatenate(joined["grad/y"]), [r["grad"]["y"] for r in rows])
    nd = tmp_path / "out.ndjson"
    assert gradcli(capsys, "grad", PROGRAM, "--points", path, "--cluster", address, "--save", str(nd),
                   "--chunk-size", "1000")[0] == 0
    assert "".join(p.read_text() for p in sorted(nd.glob("part-*.ndjson"))) == single


def test_a_bad_row_in_a_middle_partition(cluster, capsys, data, tmp_path):
    address, _ = cluster
    lines = (data[0] / "p.ndjson").read_text().splitlines(keepends=True)
    lines[1700] = '{"x": 1.0, "y": oops}\n'
    bad = tmp_path / "bad.ndjson"
    bad.write_text("".join(lines))
    code, single, _ = gradcli(capsys, "grad", PROGRAM, "--points", str(bad))
    code2, spread, err2 = gradcli(capsys, "grad", PROGRAM, "--points", str(bad), "--cluster", address)
    assert code == code2 == 2
    assert spread == single and len(spread.splitlines()) == 1700  # every point before it
    assert f"--points {bad} line 1701 (partition " in err2 and "not valid JSON" in err2
    # --keep-going: an error line in its place, everything else written, exit 2 at the end
    code, single, _ = gradcli(capsys, "grad", PROGRAM, "--points", str(bad), "--keep-going")
    code2, spread, err = gradcli(capsys, "grad", PROGRAM, "--points", str(bad), "--cluster", address,
                                 "--keep-going")
    assert code == code2 == 2 and spread == single
    assert "1 of 3,000 points failed (the first: index 1700)" in err
    assert json.loads(spread.splitlines()[1700])["error"]["kind"] == "value"
    # with --save: the parts already written are whole, the bad one is absent
    out = tmp_path / "out.parquet"
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", str(bad), "--cluster", address,
                           "--save", str(out))
    assert code == 2
    for part in out.glob("part-*.parquet"):
        table = pq.read_table(part)
        assert 1700 not in table["index"].to_pylist()
        assert table.num_rows > 0


def test_resume_keeps_the_parts_already_written(cluster, capsys, data, tmp_path):
    address, _ = cluster
    path = str(data[0] / "p.parquet")
    out = tmp_path / "out.parquet"
    assert gradcli(capsys, "grad", PROGRAM, "--points", path, "--cluster", address,
                   "--save", str(out))[0] == 0
    whole = pq.read_table(out)
    # a crash took two parts (and left a temporary): --resume computes only those
    (out / "part-00002.parquet").unlink()
    (out / "part-00005.parquet").unlink()
    (out / ".part-00005.parquet.gradcli-x.tmp").write_bytes(b"torn")
    kept = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")}
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", path, "--cluster", address,
                           "--save", str(out), "--resume")
    assert code == 0
    assert "(8 parts, 6 kept from before, 800 points" in err
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet") if p.name in kept} == kept
    assert not list(out.glob(".*.tmp"))
    assert pq.read_table(out).equals(whole)
    # another job in the same directory: refused, nothing touched
    code, _, err = gradcli(capsys, "grad", "f = x * y", "--points", path, "--cluster", address,
                           "--save", str(out), "--resume")
    assert code == 2 and "another job" in err
    assert pq.read_table(out).equals(whole)


def test_file_urls_in_and_out(cluster, capsys, data, tmp_path):
    pytest.importorskip("fsspec")
    address, _ = cluster
    path = data[0] / "p.csv"
    out = tmp_path / "url.parquet"
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", path.as_uri(), "--cluster", address,
                           "--save", out.as_uri())
    assert code == 0, err
    code, single, _ = gradcli(capsys, "grad", PROGRAM, "--points", str(path))
    rows = [json.loads(line) for line in single.splitlines()]
    table = pq.read_table(out)
    assert table["grad.y"].to_pylist() == [r["grad"]["y"] for r in rows]


def test_usage_errors(cluster, capsys, data):
    address, _ = cluster
    path = str(data[0] / "p.npy")
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", path, "--cluster", "nowhere")
    assert code == 2 and "tcp://HOST:PORT" in err
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", path, "--resume")
    assert code == 2 and "--resume needs --cluster" in err
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", path, "--cluster", address, "--resume")
    assert code == 2 and "give --save DIR" in err


def test_cluster_from_the_environment(cluster, capsys, data, monkeypatch, tmp_path):
    address, _ = cluster
    path = str(data[0] / "p.npy")
    monkeypatch.setenv("GRADCLI_CLUSTER", address)
    out = tmp_path / "env.parquet"
    code, _, err = gradcli(capsys, "eval", PROGRAM, "--points", path, "--save", str(out))
    assert code == 0 and (out / "part-00000.parquet").exists() and "1 part," in err


def test_a_worker_killed_mid_job_is_retried_and_the_result_is_complete(cluster, data, tmp_path):
    address, client = cluster
    n = 24_000
    x = RNG.normal(size=(n, 2))
    np.save(tmp_path / "many.npy", x)
    chain = "\n".join(["a = x"] + [f"a = sin(a) * y + cos(a * {k}) / (1 + a * a)" for k in range(1, 16)]
                      + ["f = a"])
    out = tmp_path / "out.parquet"
    argv = [sys.executable, "-m", "gradcli", "grad", chain, "--points", str(tmp_path / "many.npy"),
            "--cluster", address, "--save", str(out), "--chunk-size", "1000"]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = next(iter(client.run(os.getpid).values()))
    os.kill(victim, signal.SIGKILL)  # mid-job: the other parts are still being computed
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert "24 parts, " in err.decode()
    table = pq.read_table(out)
    np.testing.assert_array_equal(table["index"].to_numpy(), np.arange(n))
    # the same values one process computes, for a sample of the points
    sample = tmp_path / "sample.npy"
    np.save(sample, x[::997])
    code = subprocess.run([sys.executable, "-m", "gradcli", "grad", chain, "--points", str(sample),
                           "--save", str(tmp_path / "one.parquet")], cwd=ROOT, capture_output=True, check=False).returncode
    assert code == 0
    one = pq.read_table(tmp_path / "one.parquet")
    np.testing.assert_array_equal(table["grad.x"].to_numpy()[::997], one["grad.x"].to_numpy())
    client.wait_for_workers(2, timeout=60)  # the nanny started a new one
