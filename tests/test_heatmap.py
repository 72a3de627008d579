"""Big matrices for a person: summary, terminal heat map, the part that fits, files."""
from __future__ import annotations

import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from conftest import ENV, cli

from gradcli.views import heatmap

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def banded(m: int, n: int, seed: int = 0) -> np.ndarray:
    """A sparse matrix with entries over several decades, both signs, and a known largest one."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(m, n)) * (rng.random((m, n)) < 0.1) * 10.0 ** rng.integers(-4, 2, (m, n))
    a[np.arange(min(m, n)), np.arange(min(m, n))] = 2.0
    a[m // 2, n // 3] = -1234.5
    return a


def render(renderable, width: int, color: bool = False) -> str:
    from rich.console import Console
    console = Console(width=width, force_terminal=color, color_system="truecolor" if color else None,
                      highlight=False, file=io.StringIO())
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def test_summary():
    a = banded(30, 20)
    s = heatmap.summary(a)
    assert s["shape"] == [30, 20] and s["nonzeros"] == np.count_nonzero(a)
    assert s["largest"] == {"value": -1234.5, "row": 15, "col": 6}
    assert s["norm"] == pytest.approx(np.linalg.norm(a))
    assert heatmap.summary(np.zeros((2, 3))) == {"shape": [2, 3], "nonzeros": 0, "largest": None,
                                                 "norm": 0.0}
    nan = heatmap.summary(np.array([[np.nan, 3.0], [-4.0, 0.0]]))
    assert nan["largest"] == {"value": -4.0, "row": 1, "col": 0} and nan["norm"] == 5.0
    line = heatmap.summary_line(a, [f"y[{i}]" for i in range(30)], [f"x[{j}]" for j in range(20)])
    assert "30 x 20" in line and "1234.5 at [15, 6] (y[15], x[6])" in line


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("shape", [(6, 6), (40, 40), (300, 500), (1000, 3)])
@pytest.mark.parametrize("color", [False, True])
def test_heat_map_fits_the_width(width, shape, color):
    a = banded(*shape)
    rows = [f"out[{i}]" for i in range(shape[0])]
    text = ANSI.sub("", render(heatmap.HeatMap(a, rows, None, width=width, title="Jacobian"),
                               width, color))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    grid = [line for line in lines if "│" in line]
    assert 1 <= len(grid) <= 40
    assert "· 0" in text and "rows 0-" in text  # the legend
    if color:
        assert "red +, blue −" in text
    blocked = shape[1] * 1 > width - 12 or shape[0] > 40
    assert ("each cell: a block" in text) == blocked


def test_heat_map_cells_say_sign_and_magnitude():
    a = np.array([[2.0, -2.0, 0.0], [0.5, -0.05, 1e-5]])
    text = render(heatmap.HeatMap(a, ["r0", "r1"], None, width=80), 80)
    grid = [line.split("│")[1] for line in text.splitlines() if line.count("│") == 2]
    assert grid == ["█+█-· ", "▓+▒-░+"]  # 0.5/2 >= 10%, 0.05/2 >= 1%, 1e-5/2 smaller
    coloured = render(heatmap.HeatMap(a, ["r0", "r1"], None, width=80), 80, color=True)
    assert "\x1b[31m██" in coloured and "\x1b[34m██" in coloured  # red positive, blue negative


def test_sparsity_map_by_blocks():
    a = np.zeros((400, 400))
    a[np.arange(400), np.arange(400)] = 1.0  # the identity: only diagonal blocks are nonzero
    text = render(heatmap.HeatMap(a, width=80, max_rows=20), 80)
    grid = [line.split("│")[1] for line in text.splitlines() if line.count("│") == 2]
    assert len(grid) == 20
    for i, row in enumerate(grid):
        marked = [j for j, ch in enumerate(row) if ch != "·"]
        # each band of 20 rows has its nonzeros in the columns of the same 20 indices
        assert marked and all(abs(j * 400 / len(row) - i * 20) < 30 for j in marked)
    assert "0-19" in text and "380-399" in text


def test_write_svg_has_labels_and_a_colour_bar(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "h.svg"
    a = np.array([[2.0, -1.0], [-1.0, 4.0]])
    heatmap.write_svg(a, str(path), ["x[0]", "x[1]"], ["x[0]", "x[1]"], "Hessian")
    root = ET.parse(path).getroot()
    texts = {"".join(t.itertext()).strip() for t in root.iter() if t.tag.endswith("text")}
    assert {"Hessian", "x[0]", "x[1]", "row (output element)", "column (input element)",
            "entry (0 = white)"} <= texts
    assert any(t.tag.endswith("image") for t in root.iter())  # imshow's raster


def test_write_png_spy_style_for_sparse(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "s.png"
    a = np.zeros((200, 200))
    a[np.arange(200), np.arange(200)] = np.linspace(-1, 1, 200)
    heatmap.write_png(a, str(path), title="Jacobian")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_jacobian_and_hessian_write_heat_maps(tmp_path):
    pytest.importorskip("matplotlib")
    svg, png = tmp_path / "j.svg", tmp_path / "h.png"
    proc = cli("jacobian", "y = sin(x) * x.sum()", "--at", "x=[1,2,3]", "--svg", svg, "--json")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {svg}" in proc.stderr and '"matrix"' in proc.stdout
    assert "Jacobian (3 x 3)" in svg.read_text()
    proc = cli("hessian", "y = (x**3).sum()", "--at", "x=[1,2]", "--png", png)
    assert proc.returncode == 0, proc.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    proc = cli("jacobian", "y = x[1:] - x[:-1]", "--at", "x=randn(300)", "--sparse", "--png", png)
    assert proc.returncode == 0, proc.stderr


def test_heat_map_files_refuse_points_and_explain_missing_matplotlib(tmp_path):
    proc = cli("jacobian", "y = x*2", "--points", "-", "--svg", tmp_path / "j.svg",
               input='{"x": 1}\n')
    assert proc.returncode == 2 and "not with --points" in proc.stderr
    script = ("import sys; sys.modules['matplotlib'] = None\n"
              "from gradcli.cli.main import main\n"
              "sys.exit(main(['hessian', 'y = x**2', '--at', 'x=1', '--png', 'never.png']))")
    proc = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path,  # this checkout's gradcli, from elsewhere
                          env={**ENV, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert proc.returncode == 2 and 'pip install "gradcli[plot]"' in proc.stderr
    assert not (tmp_path / "never.png").exists()
