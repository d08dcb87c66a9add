"""Fixtures for `scimguard fix`: a CLI runner (the samples are in fix_samples.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from scimguard.cli import main


@pytest.fixture
def run():  # type: ignore[no-untyped-def]
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args], input=input)

    return invoke
