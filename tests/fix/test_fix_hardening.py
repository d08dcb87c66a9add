"""Inputs that used to give fix a traceback: exit 2, a message naming file and line, no output."""

from __future__ import annotations

import base64
import json
import os
import random
import stat
from pathlib import Path

import pytest
from fix_samples import ZWSP, write

USER = {
    "userName": "a@x.com",
    "name": {"givenName": f"A{ZWSP}", "familyName": "B"},
    "displayName": "A B",
}


def _refused(run, source: Path, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    output = tmp_path / "out.file"
    result = run("fix", source, "-o", output)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert not output.exists()
    assert not Path(f"{output}.changes.csv").exists() and not Path(f"{output}.undo.json").exists()
    return result.output


def test_random_bytes(run, tmp_path: Path) -> None:
    data = random.Random(7).randbytes(4000)
    message = _refused(run, write(tmp_path / "noise.bin", data), tmp_path)
    assert f"{tmp_path / 'noise.bin'}:1:" in message


def test_csv_with_cr_only_line_endings(run, tmp_path: Path) -> None:
    data = f"login,firstName,lastName\rjane@x.com,Jane{ZWSP},Doe\r".encode()
    message = _refused(run, write(tmp_path / "mac.csv", data), tmp_path)
    assert f"{tmp_path / 'mac.csv'}:1:" in message and "CR" in message


def test_deeply_nested_json_array(run, tmp_path: Path) -> None:
    data = b"[" * 5000 + b"]" * 5000
    message = _refused(run, write(tmp_path / "deep.json", data), tmp_path)
    assert "deep.json:1:" in message


def test_deeply_nested_value_inside_a_user(run, tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    data = (
        f"[\n{json.dumps(USER)},\n" + '{"userName": "b@x.com", "x": ' + deep + "}\n]\n"
    ).encode()
    message = _refused(run, write(tmp_path / "deep.json", data), tmp_path)
    assert "deep.json:3:" in message and "nested too deeply" in message


def test_deeply_nested_json_line_is_left_alone(run, tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    data = (json.dumps(USER) + "\n" + '{"userName": "b@x.com", "x": ' + deep + "}\n").encode()
    source = write(tmp_path / "deep.jsonl", data)
    output = tmp_path / "out.jsonl"
    result = run("fix", source, "-o", output)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"{source}:2" in result.output  # the line the readers could not use
    lines = output.read_bytes().split(b"\n")
    assert json.loads(lines[0])["name"]["givenName"] == "A" and lines[1] == data.split(b"\n")[1]


def test_an_empty_file_writes_nothing(run, tmp_path: Path) -> None:
    for name, data in (("empty.json", b""), ("blank.csv", b"\n \n"), ("header.csv", b"login\n")):
        message = _refused(run, write(tmp_path / name, data), tmp_path)
        assert str(tmp_path / name) in message


def test_created_files_keep_the_input_permissions(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.jsonl", (json.dumps(USER) + "\n").encode())
    output = tmp_path / "out.jsonl"
    for mode in (0o644, 0o640):
        source.chmod(mode)
        for path in (output, Path(f"{output}.changes.csv"), Path(f"{output}.undo.json")):
            path.unlink(missing_ok=True)
        result = run("fix", source, "-o", output)
        assert result.exit_code == 0, result.output
        for path in (output, Path(f"{output}.changes.csv"), Path(f"{output}.undo.json")):
            assert stat.S_IMODE(os.stat(path).st_mode) == mode, (path, oct(mode))


def _undo_file(run, tmp_path: Path) -> tuple[Path, Path, dict]:  # type: ignore[type-arg]
    source = write(tmp_path / "users.jsonl", (json.dumps(USER) + "\n").encode())
    output = tmp_path / "out.jsonl"
    assert run("fix", source, "-o", output).exit_code == 0
    undo = Path(f"{output}.undo.json")
    return output, undo, json.loads(undo.read_text())


DAMAGE = {
    "bad base64": lambda d: d["patches"][0].update(original="@@not base64@@"),
    "offset a string": lambda d: d["patches"][0].update(offset="12"),
    "length negative": lambda d: d["patches"][0].update(length=-1),
    "patch a list": lambda d: d.update(patches=[[1, 2, "x"]]),
    "patches a number": lambda d: d.update(patches=5),
    "no patches": lambda d: d.pop("patches"),
    "no output hash": lambda d: d.pop("output_sha256"),
    "hash a number": lambda d: d.update(input_sha256=5),
    "no original": lambda d: d["patches"][0].pop("original"),
    "changes a string": lambda d: d.update(changes="x"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_undo_file(run, tmp_path: Path, damage: str) -> None:
    output, undo, document = _undo_file(run, tmp_path)
    before = output.read_bytes()
    DAMAGE[damage](document)
    undo.write_text(json.dumps(document))
    for extra in ((), ("--dry-run",)):
        result = run("fix", "--undo", undo, output, *extra)
        assert result.exit_code == 2, (damage, result.output)
        assert isinstance(result.exception, SystemExit), result.exception
        assert f"{undo}: the undo file is damaged" in result.output
    assert output.read_bytes() == before


@pytest.mark.parametrize(
    "text", ["", "[", "[]", "null", '{"format": 1}', "[" * 5000, base64.b64encode(b"x").decode()]
)
def test_an_undo_file_that_is_not_one(run, tmp_path: Path, text: str) -> None:
    output, undo, _document = _undo_file(run, tmp_path)
    undo.write_text(text)
    result = run("fix", "--undo", undo, output)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert str(undo) in result.output
