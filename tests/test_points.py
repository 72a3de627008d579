"""--points: batched results equal single-point results, in order, and nothing is lost."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from gradcli.cli import main

RNG = np.random.default_rng(7)


def gradcli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ndjson(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def write_ndjson(path, points) -> str:
    path.write_text("".join(json.dumps({k: np.asarray(v).tolist() for k, v in p.items()}) + "\n"
                            for p in points))
    return str(path)


def at_args(values: dict) -> list[str]:
    return [f"--at={k}={json.dumps(np.asarray(v).tolist())}" for k, v in values.items()]


def assert_same(batched: dict, single: dict) -> None:
    """Same keys; same numbers (to rounding: a batch may sum in another order)."""
    assert list(batched) == ["index"] + list(single)
    for key, value in single.items():
        if isinstance(value, (str, int)) or key in ("rows", "cols", "gradient", "tangent"):
            assert batched[key] == value, key
        elif isinstance(value, dict):
            assert batched[key].keys() == value.keys(), key
            for name, v in value.items():
                if isinstance(v, dict):
                    for inner, w in v.items():
                        np.testing.assert_allclose(batched[key][name][inner], w, rtol=1e-12, atol=1e-14)
                elif v is None:
                    assert batched[key][name] is None
                else:
                    np.testing.assert_allclose(batched[key][name], v, rtol=1e-12, atol=1e-14)
        else:
            np.testing.assert_allclose(batched[key], value, rtol=1e-12, atol=1e-14)


# (command and options, program, per-point input shapes, shared --at values)
CASES = [
    (["grad"], "out = sin(x)*y + z**2 - exp(x*z)/(1 + y*y)", {"x": (), "y": (), "z": ()}, {}),
    (["grad", "--wrt", "x"], "out = (x * w).sum() + x.mean() * s", {"x": (3,), "s": ()},
     {"w": [0.5, -1.0, 2.0]}),
    (["backward", "--gradient", "1,2"], "y = mm(A, w); out = y.flatten()", {"A": (2, 3)},
     {"w": [[1.0], [2.0], [-1.0]]}),
    (["backward"], "out = x.T @ M @ x", {"M": (3, 3)}, {"x": [1.0, -2.0, 0.5]}),
    (["jacobian"], "b = zeros(1, 2); b[0, 0] = a[0, 0]**2 + a[0, 1]; b[0, 1] = a[0, 1]**3 + a[0, 0]; "
                   "out = 2*b", {"a": (1, 2)}, {}),
    (["jacobian", "--mode", "forward"], "b = zeros(1, 2); b[0, 0] = a[0, 0]**2 + a[0, 1]; "
                                        "b[0, 1] = a[0, 1]**3 + a[0, 0]; out = 2*b", {"a": (1, 2)}, {}),
    (["jacobian"], "out = softmax(x * t, 0)", {"x": (4,)}, {"t": 1.5}),
    (["jacobian", "--mode", "forward"], "n = x.norm(); out = x / n + stack([x, x]).sum(0)",
     {"x": (3,)}, {}),
    (["jacobian"], "out = linear(x, W, b).relu()", {"x": (3,), "b": (2,)},
     {"W": [[1.0, 2.0, -1.0], [0.5, -0.5, 1.0]]}),
    (["jacobian"], "out = cat([x[1:], y * 2]).logsumexp(0) * where(x > 0, x, -x)[0]",
     {"x": (3,), "y": (2,)}, {}),
    (["eval"], "m = M.max(1); out = m.prod() + M.sum(0).min()", {"M": (2, 3)}, {}),
    (["jvp", "--tangent", "1,0,-1"], "out = [x * y, y / z, atan2(x, z)]", {"x": (), "y": (), "z": ()}, {}),
]


@pytest.mark.parametrize("command,program,shapes,shared", CASES,
                         ids=[f"{c[0][0]}-{i}" for i, c in enumerate(CASES)])
def test_batched_equals_single_point(tmp_path, capsys, command, program, shapes, shared):
    points = [{k: RNG.uniform(-1.5, 1.5, size=s) for k, s in shapes.items()} for _ in range(5)]
    path = write_ndjson(tmp_path / "p.ndjson", points)
    code, out, err = gradcli(capsys, *command, program, "--points", path, *at_args(shared))
    assert (code, err) == (0, "")
    results = ndjson(out)
    assert [r["index"] for r in results] == list(range(5))
    for point, result in zip(points, results):
        code, single, _ = gradcli(capsys, *command, program, "--json", *at_args({**shared, **point}))
        assert code == 0
        assert_same(result, json.loads(single))


def test_gradient_matches_the_formula(tmp_path, capsys):
    """Independent of the engine: d/dx (x*y + sin z) = y, d/dy = x, d/dz = cos z."""
    xyz = RNG.normal(size=(300, 3))
    np.save(tmp_path / "p.npy", xyz)
    code, out, _ = gradcli(capsys, "grad", "out = x*y + sin(z)", "--points", str(tmp_path / "p.npy"),
                           "--chunk-size", "64")
    assert code == 0
    results = ndjson(out)
    grads = np.array([[r["grad"][k] for k in "xyz"] for r in results])
    np.testing.assert_allclose(grads, np.stack([xyz[:, 1], xyz[:, 0], np.cos(xyz[:, 2])], 1), rtol=1e-15)
    assert [r["index"] for r in results] == list(range(300))


def test_shapes_that_differ_are_grouped_and_kept_in_order(tmp_path, capsys):
    points = [{"x": RNG.normal(size=(2 + i % 3,))} for i in range(11)]
    path = write_ndjson(tmp_path / "p.ndjson", points)
    code, out, _ = gradcli(capsys, "grad", "out = (x * x).sum() / x.shape[0]", "--points", path,
                           "--chunk-size", "4")
    assert code == 0
    results = ndjson(out)
    assert [r["index"] for r in results] == list(range(11))
    for point, r in zip(points, results):
        np.testing.assert_allclose(r["grad"]["x"], 2 * point["x"] / point["x"].size, rtol=1e-15)


def big_file(tmp_path, bad_line: int | None, n: int = 1000) -> str:
    lines = [json.dumps({"x": float(i), "y": 0.5}) for i in range(n)]
    if bad_line is not None:
        lines[bad_line - 1] = '{"x": 1.0, "y": '  # cut off mid-object
    path = tmp_path / "p.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("chunk", ["64", "4096"])
def test_a_malformed_line_stops_after_every_earlier_result(tmp_path, capsys, chunk):
    code, out, err = gradcli(capsys, "grad", "out = x * y", "--points", big_file(tmp_path, 501),
                             "--chunk-size", chunk)
    assert code == 2
    results = ndjson(out)
    assert len(results) == 500 and results[-1]["index"] == 499 and results[-1]["grad"]["x"] == 0.5
    assert "line 501" in err and "not valid JSON" in err


def test_keep_going_writes_an_error_object_and_goes_on(tmp_path, capsys):
    code, out, err = gradcli(capsys, "grad", "out = x * y", "--points", big_file(tmp_path, 501),
                             "--keep-going", "--chunk-size", "128")
    assert code == 2
    results = ndjson(out)
    assert len(results) == 1000 and [r["index"] for r in results] == list(range(1000))
    errors = [r for r in results if "error" in r]
    assert len(errors) == 1 and errors[0]["index"] == 500 and errors[0]["line"] == 501
    assert "line 501" in errors[0]["error"]["message"]
    assert results[999]["outputs"]["out"] == 999 * 0.5
    assert "1 of 1,000 points failed" in err


def test_a_missing_input_names_its_line(tmp_path, capsys):
    path = tmp_path / "p.ndjson"
    path.write_text('{"x": 1, "y": 2}\n\n{"x": 3}\n{"x": 4, "y": 5}\n')
    code, out, err = gradcli(capsys, "grad", "out = x * y", "--points", str(path))
    assert code == 2 and len(ndjson(out)) == 1
    assert "line 3" in err and "'y'" in err
    # ... unless --at gives it to every point
    code, out, _ = gradcli(capsys, "grad", "out = x * y", "--points", str(path), "--at", "y=10")
    assert code == 0
    assert [r["outputs"]["out"] for r in ndjson(out)] == [2.0, 30.0, 20.0]  # the file wins over --at


def test_a_point_that_fails_to_compute_is_reported_alone(tmp_path, capsys):
    path = write_ndjson(tmp_path / "p.ndjson", [{"x": [1.0, 2.0]}, {"x": [1.0, 2.0, 3.0]}, {"x": [3.0, 4.0]}])
    code, out, err = gradcli(capsys, "eval", "out = x * w", "--at", "w=[1, 2]", "--points", path,
                             "--keep-going")
    assert code == 2
    results = ndjson(out)
    assert results[0]["outputs"]["out"] == [1.0, 4.0] and results[2]["outputs"]["out"] == [3.0, 8.0]
    assert results[1]["error"]["kind"] == "shape" and results[1]["line"] == 2


def test_csv_npz_and_save(tmp_path, capsys):
    xyz = RNG.normal(size=(50, 3))
    csv = tmp_path / "p.csv"
    csv.write_text("x,y,z\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in xyz.tolist()))
    np.savez(tmp_path / "p.npz", x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2])
    program = "out = x * exp(y) - z**3"
    code, out, _ = gradcli(capsys, "grad", program, "--points", str(csv))
    assert code == 0
    from_csv = ndjson(out)
    save = str(tmp_path / "out.npz")
    code, out, _ = gradcli(capsys, "grad", program, "--points", str(tmp_path / "p.npz"), "--save", save,
                           "--chunk-size", "16")
    assert code == 0 and out == ""
    with np.load(save) as saved:
        assert saved["index"].tolist() == list(range(50))
        expected = {"x": np.exp(xyz[:, 1]), "y": xyz[:, 0] * np.exp(xyz[:, 1]), "z": -3 * xyz[:, 2] ** 2}
        for name, value in expected.items():
            np.testing.assert_allclose(saved[f"grad/{name}"], value, rtol=1e-14)
            np.testing.assert_allclose([r["grad"][name] for r in from_csv], value, rtol=1e-14)
        assert saved["outputs/out"].shape == (50,)


def test_save_keeps_a_points_axis_on_jacobians(tmp_path, capsys):
    x = RNG.normal(size=(7, 3))
    np.save(tmp_path / "x.npy", x)
    save = str(tmp_path / "j.npz")
    code, _, _ = gradcli(capsys, "jacobian", "out = x * x.sum()", "--points", str(tmp_path / "x.npy"),
                         "--save", save)
    assert code == 0
    with np.load(save) as saved:
        expected = np.eye(3)[None] * x.sum(1)[:, None, None] + x[:, :, None]
        np.testing.assert_allclose(saved["jacobian/out/x"], expected, rtol=1e-14)
        np.testing.assert_allclose(saved["matrix"], expected, rtol=1e-14)


def test_torch_vmap_grad_agrees(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    xyz = RNG.normal(size=(100, 3))
    np.save(tmp_path / "p.npy", xyz)
    code, out, _ = gradcli(capsys, "grad", "out = tanh(x * y) + log1p(z * z) * sigmoid(x)",
                           "--points", str(tmp_path / "p.npy"))
    assert code == 0
    ours = np.array([[r["grad"][k] for k in "xyz"] for r in ndjson(out)])

    def f(p):
        return torch.tanh(p[0] * p[1]) + torch.log1p(p[2] * p[2]) * torch.sigmoid(p[0])
    theirs = torch.func.vmap(torch.func.grad(f))(torch.tensor(xyz)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)  # tanh(1-t^2) rounds differently


def test_stdin_and_a_quiet_stderr():
    """Through the installed entry point: stdin input, and nothing on stderr when not a terminal."""
    lines = "".join(json.dumps({"x": i / 7}) + "\n" for i in range(20))
    proc = subprocess.run([sys.executable, "-m", "gradcli", "grad", "out = x**3", "--points", "-"],
                          input=lines, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""
    assert [json.loads(l)["grad"]["x"] for l in proc.stdout.splitlines()] == \
        pytest.approx([3 * (i / 7) ** 2 for i in range(20)], rel=1e-15)


def test_progress_bar_only_for_a_terminal(monkeypatch):
    from gradcli.io.points import progress
    bar = progress.Progress(100, "points")
    assert not bar.enabled  # pytest's stderr is no terminal
    monkeypatch.setattr(progress, "_isatty", lambda stream: True)
    monkeypatch.setattr(progress.Progress, "DELAY", 0.0)
    bar = progress.Progress(100, "points")
    bar.update(50, 50)
    assert bar.bar is not None
    bar.close()


# -- the fast paths: one json.loads per chunk, one string per chunk, .npz buffered in memory ----

def test_chunk_parse_takes_only_lines_that_are_one_whole_object():
    from gradcli.io.points.sources.ndjson import parse_one_object_per_line as parse
    assert parse(['{"x": 1}\n', '{"x": 2.5, "y": -3}\n', '{"y":1e300}']) == \
        [{"x": 1}, {"x": 2.5, "y": -3}, {"y": 1e300}]
    for texts in (['{"x": 1\n', '"y": 2}\n'],  # one object over two lines: valid only when joined
                  ['{"x": 1}, {"x": 2}\n', '{"x": 3}\n'],  # two objects on one line
                  ['{"x": 1,\n', '"y": 2}\n', '{"x": 3}, {"y": 4}\n'],  # both, counts balanced
                  ['{"x": 1}\n', '\n', '{"x": 2}\n'],  # a blank line
                  [' {"x": 1}\n', '{"x": 2}\n'],  # padding: left to the line parser
                  ['{"x": "}"}\n'],  # a brace in a string
                  ['{"x": 1}\n', '{"x": }\n'],  # malformed
                  ['[1, 2]\n']):
        assert parse(texts) is None, texts


def test_fast_and_line_by_line_parsing_write_the_same_text(tmp_path, capsys):
    """Compact lines take the chunk parser; padded ones the line parser: same output, byte for byte."""
    xyz = RNG.normal(size=(40, 3)) * 10.0 ** RNG.integers(-8, 8, size=(40, 3))
    compact = "".join(f'{{"x":{x!r},"y":{y!r},"z":{z!r}}}\n' for x, y, z in xyz.tolist())
    # different key orders and spacing, padding, \r\n endings and a blank line
    padded = "".join(f' {{ "z" : {z!r}, "x":{x!r} , "y":{y!r} }}\r\n' for x, y, z in xyz.tolist()[:20])
    padded += "\n" + "".join(f'{{"y":{y!r},"z":{z!r},"x":{x!r}}}\n' for x, y, z in xyz.tolist()[20:])
    outs = []
    for i, text in enumerate((compact, padded)):
        path = tmp_path / f"p{i}.ndjson"
        path.write_bytes(text.encode())
        code, out, _ = gradcli(capsys, "grad", "out = sin(x) * y + exp(z / 1e8) * x", "--points", str(path),
                               "--chunk-size", "16")
        assert code == 0
        outs.append(out)
    assert outs[0] == outs[1]
    assert [r["inputs"]["x"] for r in ndjson(outs[0])] == xyz[:, 0].tolist()


def test_each_line_is_the_single_point_json_text(tmp_path, capsys):
    """Byte for byte: shortest round-trip floats, "NaN"/"Infinity" strings, the same keys in order."""
    points = [{"x": 0.1, "y": 2.0}, {"x": -1.0, "y": 0.0}, {"x": 1e-7, "y": 3.0}, {"x": 1e22, "y": -2.5}]
    path = write_ndjson(tmp_path / "p.ndjson", points)
    program = "out = log(x) * y + x / y"
    code, out, err = gradcli(capsys, "grad", program, "--points", path)
    assert code == 0 and '"NaN"' in out and "Infinity" in out and "NaN or inf" in err
    for i, (point, line) in enumerate(zip(points, out.splitlines())):
        code, single, _ = gradcli(capsys, "grad", program, "--json", *at_args(point))
        assert line == f'{{"index":{i},' + single.strip()[1:]


def test_save_spills_to_temporary_files_past_its_buffer(tmp_path, capsys, monkeypatch):
    from gradcli.io.points.sinks.npz import NpzWriter
    xyz = RNG.normal(size=(300, 3))
    np.save(tmp_path / "p.npy", xyz)
    saved = {}
    for buffer in (NpzWriter.BUFFER, 0):
        monkeypatch.setattr(NpzWriter, "BUFFER", buffer)
        save = str(tmp_path / f"out{buffer}.npz")
        code, _, _ = gradcli(capsys, "grad", "out = x * y * sin(z)", "--points", str(tmp_path / "p.npy"),
                             "--save", save, "--chunk-size", "64")
        assert code == 0
        with np.load(save) as f:
            saved[buffer] = {k: f[k] for k in f.files}
    memory, spilled = saved.values()
    assert list(memory) == list(spilled) == ["index", "points/x", "points/y", "points/z", "outputs/out",
                                             "grad/x", "grad/y", "grad/z"]
    np.testing.assert_array_equal(memory["points/y"], xyz[:, 1])  # the points' own values
    for key in memory:
        np.testing.assert_array_equal(memory[key], spilled[key])
    np.testing.assert_array_equal(memory["index"], np.arange(300))
    np.testing.assert_allclose(memory["grad/z"], xyz[:, 0] * xyz[:, 1] * np.cos(xyz[:, 2]), rtol=1e-15)


def test_names_that_differ_between_lines_are_grouped(tmp_path, capsys):
    """A chunk whose lines give different names (one also gives the shared w) keeps its order."""
    path = tmp_path / "p.ndjson"
    path.write_text('{"x": 1, "w": 2}\n{"x": 3}\n{"w": 5, "x": 4}\n{"x": 6}\n')
    code, out, _ = gradcli(capsys, "grad", "out = x * w", "--points", str(path), "--at", "w=10")
    assert code == 0
    results = ndjson(out)
    assert [r["outputs"]["out"] for r in results] == [2.0, 30.0, 20.0, 60.0]
    assert [r["grad"]["x"] for r in results] == [2.0, 10.0, 5.0, 10.0]
    # as many names on each line, but not the same names: grouped too
    path.write_text('{"x": 1, "w": 2}\n{"x": 3, "s": 1}\n{"w": 5, "x": 4}\n')
    code, out, _ = gradcli(capsys, "eval", "out = x * w + s", "--points", str(path), "--at", "w=10,s=0.5")
    assert code == 0
    assert [r["outputs"]["out"] for r in ndjson(out)] == [2.5, 31.0, 20.5]


@pytest.mark.parametrize("keep_going", [False, True])
def test_nothing_is_lost_at_full_size(tmp_path, keep_going):
    """The issue's own case: 1,000,000 lines, line 500,001 malformed, through the real command
    with stdout a file: exactly 500,000 results, or all 999,999 and one error object."""
    n, bad = 1_000_000, 500_001
    good = '{"x": 2.0, "y": 0.5}\n'
    source = tmp_path / "points.ndjson"
    source.write_text(good * (bad - 1) + '{"x": 1.0, "y": \n' + good * (n - bad))
    out_path = tmp_path / "out.ndjson"
    argv = [sys.executable, "-m", "gradcli", "grad", "out = x * y", "--points", str(source)]
    with open(out_path, "w") as out:
        done = subprocess.run(argv + (["--keep-going"] if keep_going else []), stdout=out,
                              stderr=subprocess.PIPE, text=True, timeout=600)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    text = out_path.read_text()
    lines = text.splitlines()
    assert len(lines) == (n if keep_going else bad - 1) and text.endswith("\n")
    assert json.loads(lines[bad - 2]) == {"index": bad - 2, "inputs": {"x": 2.0, "y": 0.5},
                                          "outputs": {"out": 1.0}, "grad": {"x": 0.5, "y": 2.0}}
    errors = [line for line in lines if '"error"' in line]
    if keep_going:
        assert len(errors) == 1 and json.loads(errors[0])["line"] == bad
        assert json.loads(lines[-1])["index"] == n - 1
    else:
        assert errors == []
        assert f"line {bad}: not valid JSON" in done.stderr
