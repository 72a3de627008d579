"""The README stands alone (issue 13): nothing outside the repository, links that resolve,
and the worked example it prints is what gradcli prints."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_needs_nothing_outside_the_repository():
    assert "../shared" not in README and "SPEC.md" not in README
    assert "http://" not in README and "https://" not in README


def test_every_link_in_the_readme_is_a_file_of_the_repository():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).exists(), link
    # written by another helper at the same time: named, not linked, until both land
    assert '"docs/points.md"' in README and '"docs/scaling.md"' in README


def test_the_readme_names_every_command_and_exit_code():
    for command in ("eval", "backward", "grad", "jacobian", "jvp", "hessian", "derivative",
                    "check", "symbolic", "explain", "graph", "plot", "run"):
        assert f"| `{command}" in README, command
    for code in (0, 1, 2, 70, 130, 141, 143):
        assert f"| {code} |" in README
    assert "hessian [--tangent V] [--sparse]" in README
    assert "(negative steps too)" in " ".join(README.split())  # they work (see test below), not refused


def test_the_readmes_worked_examples_are_what_gradcli_prints():
    command = 'backward "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1"'
    line = README.split(f"$ gradcli {command} --at a0=2,a1=4 --gradient 1,2 --json\n", 1)[1]
    expected = line.splitlines()[0].strip()
    proc = cli("backward", "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1",
               "--at", "a0=2,a1=4", "--gradient", "1,2", "--json", check=True)
    assert proc.stdout.strip() == expected
    proc = cli("eval", "y = x[::-1]; z = x[x > 1]; w = x // 2 + x % 2", "--at", "x=[0,1,2,3]",
               "--json", check=True)
    assert '"y":[3.0,2.0,1.0,0.0]' in proc.stdout and '"z":[2.0,3.0]' in proc.stdout
    proc = cli("grad", "y = clamp(x, 0, 1)", "--at", "x=1", "--json", check=True)  # PyTorch 2.14
    assert '"grad":{"x":0.0}' in proc.stdout


def test_the_language_page_says_what_the_code_does():
    import numpy as np

    from gradcli.api import Computation
    text = " ".join((ROOT / "docs" / "language.md").read_text(encoding="utf-8").split())
    assert "give booleans" in text and "`dtype=` is honoured" in text
    assert "`x.float()` is float32" in text and "`//` and `%`" in text
    assert "accepted and ignored (`--dtype`" not in text  # dtype= used to be ignored
    out = Computation("m = x > 1; f = x.float() * 1; t = zeros(2, dtype=torch.float32); "
                      "i = x[[0, 2]]; k = x[x > 1]", {"x": "[0, 1, 2, 3]"}).evaluate()["outputs"]
    assert out["f"].dtype == np.float32 and out["t"].dtype == np.float32
    np.testing.assert_array_equal(out["m"], [0, 0, 1, 1])
    np.testing.assert_array_equal(out["i"], [0.0, 2.0])
    np.testing.assert_array_equal(out["k"], [2.0, 3.0])
