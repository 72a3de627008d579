"""--points from Parquet and --save to Parquet (pyarrow), --columns, the points' values in the
.npz, and the `gradcli: wrote ...` line of every --save."""
from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

from gradcli.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

RNG = np.random.default_rng(15)
PROGRAM = "f = x * sin(y) + exp(x) / (1 + y * y)"


def gradcli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def expected_grad(x, y):
    """d/dx and d/dy of PROGRAM, by hand (independent of the engine)."""
    f = x * np.sin(y) + np.exp(x) / (1 + y * y)
    gx = np.sin(y) + np.exp(x) / (1 + y * y)
    gy = x * np.cos(y) - np.exp(x) * 2 * y / (1 + y * y) ** 2
    return f, gx, gy


@pytest.fixture
def xy(tmp_path):
    x, y = RNG.normal(size=50), RNG.normal(size=50)
    ids = np.arange(1000, 1050)
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"id": ids, "x": x, "y": y}), path, row_group_size=16)
    return path, x, y


def test_parquet_points_match_npy_and_the_formula(tmp_path, capsys, xy):
    path, x, y = xy
    code, out, err = gradcli(capsys, "grad", PROGRAM, "--points", str(path))
    assert code == 0
    rows = lines(out)
    assert [r["index"] for r in rows] == list(range(50))
    f, gx, gy = expected_grad(x, y)
    np.testing.assert_allclose([r["outputs"]["f"] for r in rows], f, rtol=1e-13)
    np.testing.assert_allclose([r["grad"]["x"] for r in rows], gx, rtol=1e-13)
    np.testing.assert_allclose([r["grad"]["y"] for r in rows], gy, rtol=1e-12, atol=1e-15)
    # the same points from .npy give the same bytes
    np.save(tmp_path / "p.npy", np.stack([x, y], axis=1))
    code, same, _ = gradcli(capsys, "grad", PROGRAM, "--points", str(tmp_path / "p.npy"))
    assert code == 0 and same == out
    # a column that is no input: one note, and --columns silences it
    assert err.count("gradcli: note:") == 1 and "ignored a column that is not an input: id" in err
    code, picked, err = gradcli(capsys, "grad", PROGRAM, "--points", str(path), "--columns", "x,y")
    assert code == 0 and picked == out and "note" not in err


def test_a_directory_and_a_glob_read_as_one_table_in_path_order(tmp_path, capsys):
    x = RNG.normal(size=30)
    folder = tmp_path / "data"
    folder.mkdir()
    for k in range(3):  # written out of order: read in path order
        pq.write_table(pa.table({"x": x[10 * (2 - k):10 * (3 - k)]}), folder / f"part-{2 - k}.parquet")
    (folder / "_SUCCESS").write_text("")  # Spark's marker: skipped
    code, out, _ = gradcli(capsys, "eval", "f = x * x", "--points", str(folder))
    assert code == 0
    np.testing.assert_allclose([r["outputs"]["f"] for r in lines(out)], x * x, rtol=1e-15)
    code, globbed, _ = gradcli(capsys, "eval", "f = x * x", "--points", str(folder / "part-*.parquet"))
    assert code == 0 and globbed == out


def test_save_parquet_columns_are_the_ndjson_keys(tmp_path, capsys, xy):
    path, x, y = xy
    save = tmp_path / "out.parquet"
    code, out, err = gradcli(capsys, "grad", PROGRAM, "--points", str(path), "--columns", "x,y",
                             "--save", str(save))
    assert code == 0 and out == ""
    assert re.search(r"gradcli: wrote .*out\.parquet \(50 points, 6 columns, [\d.]+ kB\)", err)
    table = pq.read_table(save)
    assert table.column_names == ["index", "inputs.x", "inputs.y", "outputs.f", "grad.x", "grad.y"]
    f, _, gy = expected_grad(x, y)
    np.testing.assert_array_equal(table["index"].to_numpy(), np.arange(50))
    np.testing.assert_array_equal(table["inputs.x"].to_numpy(), x)
    np.testing.assert_allclose(table["outputs.f"].to_numpy(), f, rtol=1e-13)
    np.testing.assert_allclose(table["grad.y"].to_numpy(), gy, rtol=1e-12, atol=1e-15)
    # value for value what NDJSON says
    code, text, _ = gradcli(capsys, "grad", PROGRAM, "--points", str(path), "--columns", "x,y")
    rows = lines(text)
    assert table["grad.x"].to_pylist() == [r["grad"]["x"] for r in rows]


def test_vector_inputs_are_fixed_size_list_columns(tmp_path, capsys):
    v = RNG.normal(size=(20, 3))
    w = np.array([0.5, -1.0, 2.0])
    path = tmp_path / "v.parquet"
    pq.write_table(pa.table({"v": pa.FixedSizeListArray.from_arrays(pa.array(v.ravel()), 3)}), path)
    save = tmp_path / "g.parquet"
    code, _, _ = gradcli(capsys, "grad", "f = (v * v * w).sum()", "--points", str(path),
                         f"--at=w={w.tolist()}", "--save", str(save))
    assert code == 0
    table = pq.read_table(save)
    assert pa.types.is_fixed_size_list(table.schema.field("grad.v").type)
    np.testing.assert_allclose(np.array(table["grad.v"].to_pylist()), 2 * v * w, rtol=1e-15)
    # plain (variable) lists of one length read the same
    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"v": v.tolist()}), plain)
    save2 = tmp_path / "g2.parquet"
    code, _, _ = gradcli(capsys, "grad", "f = (v * v * w).sum()", "--points", str(plain),
                         f"--at=w={w.tolist()}", "--save", str(save2))
    assert code == 0
    assert pq.read_table(save2)["grad.v"].to_pylist() == table["grad.v"].to_pylist()


def test_a_null_is_a_bad_row_named_by_file_and_row(tmp_path, capsys):
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"x": pa.array([1.0, 2.0, None, 4.0])}), path)
    code, out, err = gradcli(capsys, "eval", "f = x + 1", "--points", str(path))
    assert code == 2
    assert [r["outputs"]["f"] for r in lines(out)] == [2.0, 3.0]
    assert f"{path} row 2" in err
    code, out, _ = gradcli(capsys, "eval", "f = x + 1", "--points", str(path), "--keep-going")
    assert code == 2
    rows = lines(out)
    assert [r.get("outputs", {}).get("f") for r in rows] == [2.0, 3.0, None, 5.0]
    assert rows[2]["index"] == 2 and "error" in rows[2]


def test_columns_that_are_not_inputs_are_ignored_in_every_format(tmp_path, capsys):
    csv = tmp_path / "p.csv"
    csv.write_text("label,x\na,1.5\nb,2.0\n")
    code, out, err = gradcli(capsys, "eval", "f = 2 * x", "--points", str(csv))
    assert code == 0 and "label" in err and "note" in err  # (the CSV reader refuses text in an input)
    assert [r["outputs"]["f"] for r in lines(out)] == [3.0, 4.0]
    nd = tmp_path / "p.ndjson"
    nd.write_text('{"id": "a", "x": 1.5}\n{"id": "b", "x": 2}\n')
    code, out, err = gradcli(capsys, "eval", "f = 2 * x", "--points", str(nd))
    assert code == 0 and err.count("note") == 1 and "id" in err
    code, _, err = gradcli(capsys, "eval", "f = 2 * x", "--points", str(nd), "--columns", "q")
    assert code == 2 and "--columns" in err


def test_the_npz_holds_the_points_and_save_says_what_it_wrote(tmp_path, capsys, xy):
    path, x, y = xy
    save = tmp_path / "out.npz"
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", str(path), "--columns", "x,y",
                           "--save", str(save))
    assert code == 0
    with np.load(save) as f:
        np.testing.assert_array_equal(f["points/x"], x)
        np.testing.assert_array_equal(f["points/y"], y)
        count = len(f.files)
    size = save.stat().st_size
    assert re.search(rf"gradcli: wrote .*out\.npz \(50 points, {count} arrays, [\d.]+ kB\)", err)
    assert f"{size / 1000:.1f} kB" in err
    # a single point's --save says it too
    one = tmp_path / "one.npz"
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--at", "x=1,y=2", "--save", str(one), "--json")
    assert code == 0
    with np.load(one) as f:
        count = len(f.files)
    assert f"gradcli: wrote {one} ({count} arrays, {one.stat().st_size} B)" in err


def test_cluster_options_need_points(capsys):
    code, _, err = gradcli(capsys, "grad", "f = x", "--at", "x=1", "--columns", "x")
    assert code == 2 and "--columns applies to --points" in err
    code, _, err = gradcli(capsys, "grad", "f = x", "--at", "x=1", "--cluster", "local:1")
    assert code == 2 and "--cluster applies to --points" in err


def test_without_the_packages_exit_2_says_what_to_install(tmp_path, capsys, monkeypatch, xy):
    path, _, _ = xy
    np.save(tmp_path / "p.npy", np.ones((3, 2)))
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed: import fails
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", str(path))
    assert code == 2 and 'pip install "gradcli[parquet]"' in err
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", str(tmp_path / "p.npy"),
                           "--save", str(tmp_path / "o.parquet"))
    assert code == 2 and 'pip install "gradcli[parquet]"' in err
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    code, _, err = gradcli(capsys, "grad", PROGRAM, "--points", str(tmp_path / "p.npy"),
                           "--cluster", "local:2")
    assert code == 2 and 'pip install "gradcli[dask]"' in err
