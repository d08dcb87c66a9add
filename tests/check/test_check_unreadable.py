"""check on inputs that cannot be read: a whole JSON report or none, every input named."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scimguard.cli import main

USER = {"userName": "a@x.com", "name": {"givenName": "A", "familyName": "B"}, "displayName": "A B"}


def _check(*paths: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["check", "--format", "json", *map(str, paths)])


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.jsonl"
    path.write_text(json.dumps(USER) + "\n")
    return path


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
def test_a_read_error_half_way_is_an_input_error_in_a_whole_report(good: Path) -> None:
    # /proc/self/mem opens as a regular file and fails with EIO on the first read
    result = _check(good, "/proc/self/mem")
    assert isinstance(result.exception, SystemExit)  # no traceback
    document = json.loads(result.stdout)  # the whole document, not a half-written one
    assert document["summary"]["records"] == 1
    (error,) = document["input_errors"]
    assert error == {
        "source": "/proc/self/mem",
        "message": "reading stopped: Input/output error",
        "skipped": True,
    }
    assert result.exit_code == 1  # a record may be lost


def test_a_file_that_cannot_be_opened_is_named_and_the_others_are_read(
    good: Path, tmp_path: Path
) -> None:
    locked = tmp_path / "locked.jsonl"
    locked.write_text(json.dumps(USER) + "\n")
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("running as root: permissions do not stop a read")
    result = _check(good, locked)
    document = json.loads(result.stdout)
    assert [e["source"] for e in document["input_errors"]] == [str(locked)]
    assert "Permission denied" in document["input_errors"][0]["message"]
    assert result.exit_code == 1


def test_an_empty_file_next_to_another_is_reported(good: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    result = _check(good, empty)
    document = json.loads(result.stdout)
    assert document["summary"]["records"] == 1
    assert [e["source"] for e in document["input_errors"]] == [str(empty)]
    assert "empty" in document["input_errors"][0]["message"]
    assert result.exit_code == 1


def test_an_empty_directory_member_is_reported(good: Path, tmp_path: Path) -> None:
    (tmp_path / "blank.csv").write_text("\n  \n")
    document = json.loads(_check(tmp_path).stdout)
    assert [e["source"] for e in document["input_errors"]] == [str(tmp_path / "blank.csv")]


def test_an_empty_file_alone_names_the_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    result = _check(empty)
    assert result.exit_code == 2
    assert json.loads(result.stdout)["summary"]["records"] == 0
    assert f"error: {empty}: the file is empty" in result.stderr
