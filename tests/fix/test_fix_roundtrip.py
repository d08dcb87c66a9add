"""Fix then undo gives the input back byte for byte; a fixed file passes check but leftovers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fix_samples import (
    CSV_ROWS,
    USERS,
    check_findings,
    csv_bytes,
    json_bytes,
    jsonl_bytes,
    okta_bytes,
    write,
)

from scimguard.fix import run_fix
from scimguard.profile import Profile


def _listresponse() -> bytes:
    document = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(USERS),
        "Resources": USERS,
        "itemsPerPage": len(USERS),
    }
    return json.dumps(document, indent=2).encode()


INPUTS = {
    "users.csv": lambda: csv_bytes(CSV_ROWS),
    "users-lf-semicolon.csv": lambda: csv_bytes(CSV_ROWS, delimiter=";", ending="\n"),
    "users-bom.csv": lambda: b"\xef\xbb\xbf" + csv_bytes(CSV_ROWS, ending="\n"),
    "users.json": lambda: json_bytes(USERS),
    "users-compact.json": lambda: json_bytes(USERS, indent=None),
    "users-ascii.json": lambda: json.dumps(USERS, indent="\t").encode(),
    "users.jsonl": lambda: jsonl_bytes(USERS),
    "list.json": _listresponse,
    "okta.json": okta_bytes,
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_fix_then_undo_restores_the_input_byte_for_byte(run, tmp_path: Path, name: str) -> None:
    original = INPUTS[name]()
    source = write(tmp_path / name, original)
    output = tmp_path / f"fixed-{name}"
    result = run("fix", source, "-o", output)
    assert result.exit_code in (0, 1), result.output
    fixed = output.read_bytes()
    assert fixed != original, "the sample has fixable findings; something must change"
    assert source.read_bytes() == original, "the input is never modified"
    undo_file = Path(f"{output}.undo.json")
    assert undo_file.exists() and Path(f"{output}.changes.csv").exists()
    undone = run("fix", "--undo", undo_file, output)
    assert undone.exit_code == 0, undone.output
    assert output.read_bytes() == original


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_a_fixed_file_passes_check_except_the_listed_leftovers(
    run, tmp_path: Path, name: str
) -> None:
    source = write(tmp_path / name, INPUTS[name]())
    output = tmp_path / f"fixed-{name}"
    assert run("fix", source, "-o", output).exit_code in (0, 1)
    leftovers = run_fix(str(source), Profile()).leftovers
    listed = {(item.ref.record, item.finding.rule, item.finding.attribute) for item in leftovers}
    assert check_findings(run, output) == listed
    before = check_findings(run, source)
    assert len(listed) < len(before)


def test_untouched_csv_rows_are_kept_byte_for_byte(run, tmp_path: Path) -> None:
    original = csv_bytes(CSV_ROWS)
    source = write(tmp_path / "users.csv", original)
    output = tmp_path / "out.csv"
    run("fix", source, "-o", output)
    old_lines = original.split(b"\r\n")
    new_lines = output.read_bytes().split(b"\r\n")
    assert len(old_lines) == len(new_lines)
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    # header (0) and the clean row of ok@x.com (with its quoted comma) are untouched
    assert 0 not in changed
    assert b'"Note, with comma"' in output.read_bytes()
    assert all(b"ok@x.com" not in old_lines[i] for i in changed)
    assert changed, "rows with findings were fixed"


def test_json_keeps_unknown_attributes_and_key_order(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.json", json_bytes(USERS))
    output = tmp_path / "out.json"
    run("fix", source, "-o", output)
    fixed = json.loads(output.read_bytes())
    assert fixed[0]["x-custom"] == {"keep": [1, 2.5, None]}
    assert list(fixed[0]) == list(USERS[0])
    assert list(fixed[1])[: len(USERS[1]) - 1] == [k for k in USERS[1] if k != "password"]
    assert fixed[0]["name"]["givenName"] == "Jane"
    assert "password" not in fixed[1]


def test_undo_refuses_an_output_changed_since_the_fix(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.jsonl", jsonl_bytes(USERS))
    output = tmp_path / "out.jsonl"
    run("fix", source, "-o", output)
    edited = output.read_bytes() + b'{"userName": "late@x.com"}\n'
    output.write_bytes(edited)
    result = run("fix", "--undo", f"{output}.undo.json", output)
    assert result.exit_code == 2
    assert "changed since fix wrote it" in result.output
    assert output.read_bytes() == edited


def test_undo_twice_is_refused_and_keeps_the_restored_file(run, tmp_path: Path) -> None:
    original = csv_bytes(CSV_ROWS)
    source = write(tmp_path / "users.csv", original)
    output = tmp_path / "out.csv"
    run("fix", source, "-o", output)
    assert run("fix", "--undo", f"{output}.undo.json", output).exit_code == 0
    again = run("fix", "--undo", f"{output}.undo.json", output)
    assert again.exit_code == 2
    assert output.read_bytes() == original


def test_undo_dry_run_checks_without_writing(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    output = tmp_path / "out.csv"
    run("fix", source, "-o", output)
    fixed = output.read_bytes()
    checked = run("fix", "--undo", f"{output}.undo.json", output, "--dry-run")
    assert checked.exit_code == 0 and "can be restored" in checked.output
    assert output.read_bytes() == fixed
    output.write_bytes(fixed + b"x")
    refused = run("fix", "--undo", f"{output}.undo.json", output, "--dry-run")
    assert refused.exit_code == 2
    damaged = tmp_path / "damaged.undo.json"
    damaged.write_text("{}")
    assert run("fix", "--undo", damaged, output).exit_code == 2
    assert output.read_bytes() == fixed + b"x"


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    "name", ["okta-users.csv", "scim-users.jsonl", "okta-export.json", "groups.json"]
)
def test_the_examples_round_trip_and_pass_check_but_for_leftovers(
    run, tmp_path: Path, name: str
) -> None:
    source = EXAMPLES / name
    output = tmp_path / name
    result = run("fix", source, "-o", output, "--format", "json")
    document = json.loads(result.stdout)
    assert document["summary"]["changes"] > 0
    listed = {(i["record"], i["rule"], i["attribute"]) for i in document["leftovers"]}
    assert check_findings(run, output) == listed
    assert run("fix", "--undo", f"{output}.undo.json", output).exit_code == 0
    assert output.read_bytes() == source.read_bytes()
