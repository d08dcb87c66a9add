"""`fix` offers "drop the incomplete address" under `--incomplete-address omit` only."""

from __future__ import annotations

import json
from pathlib import Path

PARTIAL = {"streetAddress": "Calle Mayor 1", "locality": "Madrid", "country": "ES"}


def _user(n: int, **extra) -> dict:
    return {
        "userName": f"u{n}@example.com",
        "name": {"givenName": "Ana", "familyName": "Ruiz"},
        "displayName": "Ana Ruiz",
        "emails": [{"value": f"u{n}@example.com", "type": "work", "primary": True}],
        **extra,
    }


def test_fix_drops_the_incomplete_address_and_keeps_the_rest(run, tmp_path: Path) -> None:
    source = tmp_path / "users.jsonl"
    source.write_text(
        json.dumps(_user(1, addresses=[PARTIAL], title="Lead")) + "\n" + json.dumps(_user(2)) + "\n"
    )
    output = tmp_path / "out.jsonl"
    result = run("fix", source, "-o", output)
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in output.read_text().splitlines())
    assert "addresses" not in first and first["title"] == "Lead"
    assert second == _user(2)
    checked = json.loads(run("check", output, "--format", "json").stdout)
    assert checked["findings"] == []


def test_under_block_the_address_is_left_for_a_person(run, tmp_path: Path) -> None:
    source = tmp_path / "users.jsonl"
    source.write_text(json.dumps(_user(1, addresses=[PARTIAL])) + "\n")
    output = tmp_path / "out.jsonl"
    result = run("fix", source, "-o", output, "--incomplete-address", "block")
    assert result.exit_code == 1
    assert "incomplete-address" in result.output
    assert not output.exists() or json.loads(output.read_text())["addresses"] == [PARTIAL]
