"""Big results for a person (issue 13): pictures and summaries, never a cut number.

- A Jacobian or Hessian bigger than the terminal: its summary line (shape, nonzeros, largest
  |entry|, norm), a heat map that fits the width, the top-left corner with whole numbers, and
  where to get all of it (--json/--save) or a picture (--svg/--png). Small ones: a plain table.
- An input, output or gradient of more than 60 numbers (a 500 x 10 data matrix) is summarised
  (min, max, mean), with a note of what has every value.

Checked at 80 and 120 columns, with and without colour; expected values are NumPy's.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from gradcli.cli import main

ANSI = re.compile(r"\x1b\[[0-9;]*m")
NUMBER = re.compile(r"-?(?:\d+\.?\d*(?:e[-+]\d+)?|nan|inf)")


def run(monkeypatch, capsys, argv, columns=80, color=False):
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR" if color else "NO_COLOR", "1")
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _plain(text: str) -> str:
    return ANSI.sub("", text)


def _body_rows(text: str, prefix: str) -> list[list[str]]:
    """The cells of table body lines whose label starts with `prefix`."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if cells[0].startswith(prefix):
                rows.append(cells)
    return rows


X30 = np.arange(30.0)
SUM = X30.sum()
# y = sin(x) * x.sum():  dy_i/dx_j = sin(x_i) + [i == j] cos(x_i) * sum(x)
J30 = np.sin(X30)[:, None] + np.diag(np.cos(X30) * SUM)


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("columns", [80, 120])
def test_a_big_jacobian_is_a_summary_a_heat_map_and_the_corner_that_fits(monkeypatch, capsys,
                                                                          columns, color):
    raw = run(monkeypatch, capsys, ["jacobian", "y = sin(x) * x.sum()", "--at", "x=arange(30.)"],
              columns, color)
    assert ("\x1b[" in raw) == color
    out = _plain(raw)
    assert all(len(line) <= columns for line in out.splitlines()), max(map(len, out.splitlines()))
    assert "…" not in out
    words = " ".join(out.split())  # the summary may wrap at 80 columns (between words)

    # the summary: shape, nonzeros, largest |entry| and where, norm
    i, j = np.unravel_index(np.argmax(np.abs(J30)), J30.shape)
    share = 100 * np.count_nonzero(J30) / J30.size
    assert f"30 x 30, {np.count_nonzero(J30)} nonzeros ({share:.3g}%)" in words
    assert f"largest |entry| {abs(J30[i, j]):.6g} at [{i}, {j}] (y[{i}], x[{j}])" in words
    assert f"Frobenius norm {np.linalg.norm(J30):.6g}" in words

    # the heat map: one line per (block of) rows between rules, and its legend
    cells = [line for line in out.splitlines() if re.match(r"^\s*[\dy][^│]*│[^│]+│$", line)]
    assert 10 <= len(cells) <= 30
    assert "of max |entry|" in out
    assert ("red +, blue −" in out) == color

    # the corner: whole numbers, each equal to its entry to the digits shown
    body = _body_rows(out, "y[")
    assert 1 <= len(body) <= 20
    shown_cols = len(body[0]) - 1
    assert 2 <= shown_cols < 30
    for r, row in enumerate(body):
        for c, cell in enumerate(row[1:]):
            assert NUMBER.fullmatch(cell), cell
            assert float(cell) == pytest.approx(J30[r, c], rel=1e-5, abs=1e-12)
    assert f"columns x[0] to x[{shown_cols - 1}] shown; {30 - shown_cols} more" in words
    assert "all of it: --json or --save FILE.npz" in out
    assert "as a picture: --svg FILE.svg or --png FILE.png" in out


@pytest.mark.parametrize("precision", [3, 17])
def test_the_corner_keeps_every_digit_asked_for(monkeypatch, capsys, precision):
    x = np.linspace(0.1, 3.0, 40)
    out = run(monkeypatch, capsys, ["jacobian", "y = exp(x) * x.mean()", "--at", "x=linspace(0.1,3,40)",
                                    "--precision", precision], 80)
    jac = np.diag(np.exp(x) * x.mean()) + np.exp(x)[:, None] / 40
    assert all(len(line) <= 80 for line in out.splitlines())
    body = _body_rows(out, "y[")
    assert body and len(body[0]) > 1
    digits = []
    for r, row in enumerate(body):
        for c, cell in enumerate(row[1:]):
            assert NUMBER.fullmatch(cell), cell
            assert float(cell) == pytest.approx(jac[r, c], rel=max(10.0 ** (1 - precision), 1e-14))
            digits.append(len(cell.split("e")[0].replace("-", "").replace(".", "").lstrip("0")))
    assert max(digits) == precision  # whole: as many significant digits as asked for


def test_wider_terminals_show_more_of_the_corner(monkeypatch, capsys):
    argv = ["jacobian", "y = sin(x) * x.sum()", "--at", "x=arange(30.)"]
    shown = [len(_body_rows(run(monkeypatch, capsys, argv, columns)[:], "y[")[0])
             for columns in (80, 120)]
    assert shown[1] > shown[0]


def test_a_small_matrix_keeps_its_plain_table(monkeypatch, capsys):
    out = run(monkeypatch, capsys, ["jacobian", "b0 = a0**2 + a1; b1 = a1**3 + a0",
                                    "--at", "a0=2,a1=4"])
    assert "nonzeros" not in out and "max |entry|" not in out and "--svg" not in out
    body = _body_rows(out.split("Jacobian", 1)[1], "b")
    assert [[float(c) for c in row[1:]] for row in body] == [[4.0, 1.0], [1.0, 48.0]]


def test_a_big_hessian_is_a_picture_too(monkeypatch, capsys):
    x = np.linspace(0.5, 2.0, 45)
    at = "x=linspace(0.5,2.0,45)"
    out = run(monkeypatch, capsys, ["hessian", "f = (x[1:] * x[:-1]**2).sum()", "--at", at])
    h = np.zeros((45, 45))  # f = sum x_{i+1} x_i^2
    for k in range(44):
        h[k, k] += 2 * x[k + 1]
        h[k, k + 1] += 2 * x[k]
        h[k + 1, k] += 2 * x[k]
    assert f"45 x 45, {np.count_nonzero(h)} nonzeros" in " ".join(out.split())
    assert "each cell: a block of up to" in out  # 45 rows are drawn in blocks
    assert all(len(line) <= 80 for line in out.splitlines())
    for r, row in enumerate(_body_rows(out, "x[")):
        for c, cell in enumerate(row[1:]):
            assert float(cell) == pytest.approx(h[r, c], rel=1e-5)


def _summary(a) -> str:
    return f"min {a.min():.6g}, max {a.max():.6g}, mean {a.mean():.6g}"


@pytest.mark.parametrize("columns", [80, 120])
def test_a_data_matrix_is_summarised_not_printed(monkeypatch, capsys, tmp_path, columns):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((500, 10))
    path = tmp_path / "X.csv"
    np.savetxt(path, X, delimiter=",", header=",".join(f"c{k}" for k in range(10)), comments="")
    w = np.linspace(-1, 2, 10)
    out = run(monkeypatch, capsys, ["grad", "loss = ((X @ w - 1)**2).mean()", "--at", f"X=@{path}",
                                    "--at", "w=linspace(-1,2,10)"], columns)
    assert all(len(line) <= columns for line in out.splitlines())
    assert len(out.splitlines()) < 40  # not 500 rows of data before the answer
    words = " ".join(out.split())
    assert _summary(X) in words
    assert "X: too long to print, so summarised; --json has every value" in words
    r = X @ w - 1
    assert f"{np.mean(r * r):.6g}" in out
    grad_X = np.outer(2 * r / 500, w)
    assert _summary(grad_X) in words
    assert "X: too long to print, so summarised; --json or --save FILE.npz has every value" in words
    grad_w = 2 * X.T @ r / 500  # small: printed in full
    shown = [float(t) for t in NUMBER.findall(out.split("gradients", 1)[1].split("│ w ", 1)[1])]
    np.testing.assert_allclose(shown[1:11], grad_w, rtol=1e-5)  # after the shape (10)


def test_big_outputs_are_summarised(monkeypatch, capsys):
    out = run(monkeypatch, capsys, ["eval", "y = x * 2; p = x > 40", "--at", "x=arange(100.)"])
    words = " ".join(out.split())
    assert _summary(np.arange(100.0) * 2) in words
    assert _summary((np.arange(100.0) > 40).astype(float)) in words  # 0.59 of them
    assert "y, p: too long to print, so summarised" in words
