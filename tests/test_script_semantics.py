"""PyTorch's semantics beyond the tutorials: dtype promotion, in-place rules and version counters,
views, error messages, nn and optim odds and ends. Each tests/semantics/NAME.py prints what real
PyTorch printed into NAME.out (addresses masked); with torch installed, the stored output is
checked against PyTorch itself too. Regenerate as the corpus is regenerated."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_script_corpus import normalize, run_gradcli, torch_outputs

CASES = sorted((Path(__file__).resolve().parent / "semantics").glob("*.py"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_gradcli_prints_what_pytorch_printed(path):
    assert normalize(run_gradcli(path)) == normalize(path.with_suffix(".out").read_text(encoding="utf-8"))


def test_stored_outputs_are_pytorchs():
    pytest.importorskip("torch")
    printed = torch_outputs(CASES)
    for path in CASES:
        assert normalize(printed[path.stem]) == path.with_suffix(".out").read_text(encoding="utf-8"), path.stem
