"""The `.pyi` beside each C extension says what the compiled module holds.

mypy reads only the stubs, so a stub that drifts from its C file would type-check calls that
fail at run time; mypy's stubtest compares the two (signatures, names, the Screener type).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import scimguard
from scimguard.profile import screen as screen_module

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")  # as tests/conftest.py says


@pytest.mark.skipif(
    not screen_module.COMPILED and not IN_CI, reason="the C extensions were not built here"
)
def test_the_stubs_match_the_compiled_extensions():
    modules = ["scimguard.profile._screen", "scimguard.records._split", "scimguard.sync._exact"]
    # The stubs beside the package imported here (an editable install may point mypy elsewhere,
    # where stubtest would find no stub and check nothing)
    source_root = str(Path(scimguard.__file__).resolve().parents[1])
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", *modules],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "MYPYPATH": source_root},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 3 modules" in result.stdout
