"""Every script in examples/ runs, and gives the result its `# expect:` lines state."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ENV, strict_loads

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.sh"))
EXPECT = re.compile(r"#\s*expect:\s*(\S+)\s*==\s*(.+?)\s*$")
SCALED = re.compile(r"^(-?[\d.]+)\s*\*\s*(\S+)$")  # "4 * inputs.x", "1 * ones"


def get(doc, path: str):
    for part in path.split("."):
        doc = doc[part]
    return doc


def expectations(script: Path) -> list[tuple[str, str]]:
    return [m.groups() for m in map(EXPECT.match, script.read_text().splitlines()) if m]


def test_there_are_examples():
    assert len(SCRIPTS) >= 11  # every SPEC section 5 row
    for script in SCRIPTS:
        assert expectations(script), f"{script.name} states no expected result"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example(script):
    # `gradcli` resolves to the one installed next to this Python, as a user's shell would find it.
    env = {**ENV, "PATH": os.path.dirname(sys.executable) + os.pathsep + ENV.get("PATH", "")}
    proc = subprocess.run(["bash", str(script), "--json"], capture_output=True, text=True, env=env,
                          timeout=60, cwd=EXAMPLES.parent, check=False)
    assert proc.returncode == 0, proc.stderr
    doc = strict_loads(proc.stdout)
    for path, want in expectations(script):
        got = get(doc, path)
        scaled = SCALED.match(want)
        if want == "null":
            assert got is None, path
        elif scaled:
            factor, other = float(scaled.group(1)), scaled.group(2)
            ref = np.ones(np.shape(got)) if other == "ones" else np.asarray(get(doc, other))
            np.testing.assert_allclose(got, factor * ref, rtol=1e-15, err_msg=path)
        else:
            want = json.loads(want)
            if isinstance(want, list) and want and isinstance(want[0], str):
                assert got == want, path
            else:
                np.testing.assert_allclose(got, want, rtol=1e-15, atol=0, err_msg=path)
