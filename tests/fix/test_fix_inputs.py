"""Inputs fix handles specially: groups, several records on one line, BOMs, unusable files."""

from __future__ import annotations

import json
from pathlib import Path

from fix_samples import ZWSP, write

from scimguard.fix import run_fix
from scimguard.profile import Profile

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _line(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def test_groups_are_fixed_without_making_two_groups_one(tmp_path: Path) -> None:
    data = b"".join(
        [
            _line({"schemas": [GROUP], "displayName": f"Eng{ZWSP}"}),
            _line({"schemas": [GROUP], "displayName": "eng", "description": "x"}),
            _line({"schemas": [GROUP], "displayName": " Ops "}),
        ]
    )
    source = write(tmp_path / "groups.jsonl", data)
    result = run_fix(str(source), Profile(), identifiers=True, warnings=True)  # names: identifiers
    lines = result.output_bytes.splitlines()
    assert json.loads(lines[0])["displayName"] == f"Eng{ZWSP}"  # "Eng" would clash with "eng"
    assert json.loads(lines[1]) == {"schemas": [GROUP], "displayName": "eng"}
    assert json.loads(lines[2])["displayName"] == "Ops"
    assert lines[2] == _line({"schemas": [GROUP], "displayName": "Ops"}).rstrip()  # compact kept
    reasons = {(i.ref.record, i.finding.rule): i.reason for i in result.leftovers}
    assert "duplicate" in reasons[(1, "hidden-character")]


def test_records_sharing_a_line_are_left_with_the_reason(tmp_path: Path) -> None:
    page = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "Resources": [{"userName": f"a{ZWSP}@x.com"}, {"userName": "b@x.com"}],
    }
    alone = {"userName": f"c{ZWSP}@x.com", "name": {"givenName": "C", "familyName": "D"}}
    data = _line(page) + _line(alone)
    source = write(tmp_path / "users.jsonl", data)
    result = run_fix(str(source), Profile(), identifiers=True)
    assert result.output_bytes.splitlines()[0] == data.splitlines()[0]
    assert json.loads(result.output_bytes.splitlines()[1])["userName"] == "c@x.com"
    shared = [i for i in result.leftovers if i.ref.record in (1, 2)]
    assert shared and all("shares its line" in i.reason for i in shared)


def test_a_byte_order_mark_is_kept(run, tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    user = {"userName": f"a{ZWSP}@x.com", "name": {"givenName": "A", "familyName": "B"}}
    source = write(tmp_path / "one.json", bom + json.dumps(user).encode())
    output = tmp_path / "out.json"
    result = run("fix", source, "-o", output, "--identifiers")
    assert result.exit_code == 0, result.output  # the BOM is not a lost record
    fixed = output.read_bytes()
    assert fixed.startswith(bom)
    assert json.loads(fixed[3:])["userName"] == "a@x.com"
    assert json.loads(fixed[3:])["displayName"] == "A B"  # derived from the name
    assert "note:" not in result.output  # nor a problem worth a note (issue 15)


def test_unusable_inputs_are_refused_with_exit_2(run, tmp_path: Path) -> None:
    utf16 = write(tmp_path / "u16.csv", "login\njane\n".encode("utf-16"))
    broken = write(tmp_path / "broken.json", b'[{"userName": "a"},\n')
    for source in (utf16, broken, tmp_path / "missing.csv", tmp_path):
        result = run("fix", source, "-o", tmp_path / "out.any")
        assert result.exit_code == 2, (source, result.output)
        assert "Traceback" not in result.output
    assert not (tmp_path / "out.any").exists()
    nowhere = run("fix", broken, "-o", tmp_path / "no" / "dir" / "out.json")
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.output


def test_okta_groups_are_fixed_in_their_profile_name(tmp_path: Path) -> None:
    groups = [
        {"id": "00g1", "type": "OKTA_GROUP", "profile": {"name": f"Eng{ZWSP}", "description": "d"}},
        {"id": "00g2", "type": "OKTA_GROUP", "profile": {"name": "Ops: EU"}},
    ]
    source = write(tmp_path / "groups.json", json.dumps(groups, indent=2).encode())
    result = run_fix(str(source), Profile(), input_format="okta", identifiers=True)
    fixed = json.loads(result.output_bytes)
    assert [g["profile"]["name"] for g in fixed] == ["Eng", "Ops EU"]
    assert fixed[0]["profile"]["description"] == "d" and fixed[0]["id"] == "00g1"
    assert {e.field for c in result.changes for e in c.edits} == {"name"}


def test_an_unreadable_element_does_not_shift_the_others(run, tmp_path: Path) -> None:
    data = (
        b"[\n"
        b'  {"userName": "a\\u200b@x.com", "name": {"givenName": "A", "familyName": "B"},'
        b' "displayName": "A B"},\n'
        b'  {"userName": "bad\\ud800", "displayName": "x"},\n'
        b'  {"userName": "c\\u200b@x.com", "name": {"givenName": "C", "familyName": "D"},'
        b' "displayName": "C D"}\n'
        b"]\n"
    )
    source = write(tmp_path / "users.json", data)
    output = tmp_path / "out.json"
    result = run("fix", source, "-o", output, "--identifiers")
    assert result.exit_code == 1  # a record could not be read
    assert "record not fixed" in result.output
    lines = output.read_bytes().split(b"\n")
    assert b'"userName": "a@x.com"' in lines[1]
    assert lines[2] == data.split(b"\n")[2]
    assert b'"userName": "c@x.com"' in lines[3]
