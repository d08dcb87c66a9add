"""pytest: the package's doctests (pyproject.toml's testpaths name src/scimguard).

Collected here rather than by `--doctest-modules`, which would take every module under tests/
as well: their conftest.py files (one a directory, no package) then clash by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule  # pytest has no public name for it


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> DoctestModule | None:
    """Every module of the package, for its doctests."""
    if file_path.suffix != ".py" or file_path.name == "conftest.py":
        return None
    if file_path.name == "env.py" and file_path.parent.name == "migrations":
        return None  # alembic's env.py runs only under alembic (it reads context.config)
    return DoctestModule.from_parent(parent, path=file_path)
