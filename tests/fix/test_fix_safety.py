"""Fixes touch only attributes with a finding, never create duplicates, and map back to fields."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fix_samples import CSV_ROWS, USERS, ZWSP, check_findings, csv_bytes, json_bytes, write

from scimguard.fix import run_fix
from scimguard.fix.editors import leaves, under
from scimguard.profile import Profile
from scimguard.records import AttributeMapping
from scimguard.records.paths import parse_path


def _rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    delimiter = (
        ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    )
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _log(path: Path) -> list[dict[str, str]]:
    """The applied rows of a change log."""
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return [row for row in rows if row["status"] == "applied"]


def test_csv_fixes_touch_only_cells_of_attributes_with_a_finding(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    output = tmp_path / "out.csv"
    run("fix", source, "-o", output)
    before, after = _rows(source.read_bytes()), _rows(output.read_bytes())
    header = before[0]
    assert after[0] == header and len(after) == len(before)
    changed = {
        (r, header[c])
        for r in range(1, len(before))
        for c in range(len(header))
        if before[r][c] != after[r][c]
    }
    log = _log(Path(f"{output}.changes.csv"))
    assert changed == {(int(row["record"]), row["field"]) for row in log}
    findings = check_findings(run, source)
    for row in log:
        attribute = parse_path(row["attribute"])
        assert any(
            record == int(row["record"]) and under(attribute, parse_path(path))
            for record, _rule, path in findings
        ), row
        r = int(row["record"])
        assert before[r][header.index(row["field"])] == row["old_value"]
        assert after[r][header.index(row["field"])] == row["new_value"]


def test_json_fixes_touch_only_attributes_with_a_finding(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.json", json_bytes(USERS))
    output = tmp_path / "out.json"
    run("fix", source, "-o", output)
    findings = check_findings(run, source)
    fixed = json.loads(output.read_bytes())
    touched = 0
    for record, (old, new) in enumerate(zip(USERS, fixed, strict=True), 1):
        a, b = leaves(old), leaves(new)
        for path in set(a) | set(b):
            if a.get(path, "absent") != b.get(path, "absent"):
                touched += 1
                assert any(
                    r == record and under(path, parse_path(attr)) for r, _rule, attr in findings
                ), (record, path)
    assert touched >= 5


def test_rule_limits_the_fixes(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    output = tmp_path / "out.csv"
    result = run("fix", source, "-o", output, "--rule", "hidden-character")
    log = _log(Path(f"{output}.changes.csv"))
    assert [(r["record"], r["field"], r["rule"]) for r in log] == [
        ("1", "firstName", "hidden-character")
    ]
    assert "not selected (--rule)" in result.output
    assert "Head: Ops" in output.read_text(encoding="utf-8")
    two = run(
        "fix", source, "-o", output, "--rule", "hidden-character", "--rule", "blank-value",
        "--warnings",
    )  # fmt: skip
    assert two.exit_code in (0, 1)
    rules = {r["rule"] for r in _log(Path(f"{output}.changes.csv"))}
    assert rules == {"hidden-character", "blank-value"}


def test_unknown_rule_is_a_usage_error(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    result = run("fix", source, "-o", tmp_path / "out.csv", "--rule", "no-such-rule")
    assert result.exit_code == 2
    assert "no-such-rule" in result.output
    assert not (tmp_path / "out.csv").exists()


def test_fixes_never_create_duplicates(run, tmp_path: Path) -> None:
    rows = [
        ["login", "firstName", "lastName", "email", "displayName"],
        [f"jane@x.com{ZWSP}", "Jane", "Doe", "jane.doe@x.com", "Jane Doe"],
        ["jane@x.com", "Jane", "Roe", "jane@x.com", "Jane Roe"],
        [f"a{ZWSP}@x.com", "A", "One", "a1@x.com", "A One"],
        [f"a@x.com{ZWSP}", "A", "Two", "a2@x.com", "A Two"],
        ["bo@x.com", "Bo", "Em", f"shared@x.com{ZWSP}", "Bo Em"],
        ["cy@x.com", "Cy", "Em", "SHARED@x.com", "Cy Em"],
    ]
    source = write(tmp_path / "dups.csv", csv_bytes(rows))
    output = tmp_path / "out.csv"
    result = run("fix", source, "-o", output, "--identifiers")
    fixed = _rows(output.read_bytes())
    logins = [row[0].lower() for row in fixed[1:]]
    emails = [row[3].lower() for row in fixed[1:]]
    assert len(set(logins)) == len(logins)
    assert len(set(emails)) == len(emails)
    assert fixed[1][0] == f"jane@x.com{ZWSP}"  # its fix would duplicate record 2
    assert fixed[5][3] == f"shared@x.com{ZWSP}"  # would duplicate record 6's email
    assert sorted([fixed[3][0], fixed[4][0]]) == sorted(["a@x.com", f"a@x.com{ZWSP}"])
    assert "duplicate" in result.output
    after = check_findings(run, output)
    assert not any(rule.startswith("duplicate-") for _r, rule, _a in after)


def test_dry_run_writes_nothing_and_prints_a_diff(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("fix", source, "-o", tmp_path / "out.csv", "--dry-run", "--warnings")
    assert result.exit_code in (0, 1), result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    # the removed character is spelled out: the two lines do not look the same
    assert "-jane@x.com,Jane<U+200B ZERO WIDTH SPACE>,Doe" in result.stdout
    assert ZWSP not in result.stdout
    assert "+jane@x.com,Jane,Doe,jane@x.com,Jane Doe,Boss,Eng" in result.stdout
    assert "would change" in result.stderr
    listing = run("fix", source, "--dry-run", "--diff", "changes")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert "<U+200B ZERO WIDTH SPACE>" in listing.stdout
    assert "name.givenName at " in listing.stdout and ".csv:2 (firstName) [" in listing.stdout


def test_output_must_not_be_the_input(run, tmp_path: Path) -> None:
    original = csv_bytes(CSV_ROWS)
    source = write(tmp_path / "users.csv", original)
    same = run("fix", source, "-o", source)
    assert same.exit_code == 2 and "never changes its input" in same.output
    (tmp_path / "link.csv").symlink_to(source)
    linked = run("fix", source, "-o", tmp_path / "link.csv")
    assert linked.exit_code == 2
    missing = run("fix", source)
    assert missing.exit_code == 2
    assert source.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "users.csv"]


def test_template_values_are_left_over_with_the_reason(tmp_path: Path) -> None:
    rows = [
        ["login", "firstName", "lastName", "email", "team", "site"],
        ["jane@x.com", "Jane", "Doe", "jane@x.com", "Eng", "Paris"],
        ["bo@x.com", f"Bo{ZWSP}", "Em", "bo@x.com", "Ops", "Lyon"],
    ]
    source = write(tmp_path / "users.csv", csv_bytes(rows))
    mapping = AttributeMapping.from_dict(
        {"displayName": "{firstName} {lastName}", "title": "{team}: {site}"}
    )
    result = run_fix(str(source), Profile(), mapping=mapping)
    reasons = {
        (i.ref.record, i.finding.rule, i.finding.attribute): i.reason for i in result.leftovers
    }
    assert "template" in reasons[(1, "forbidden-character", "title")]
    assert "team, site" in reasons[(1, "forbidden-character", "title")]
    # the first name is a plain column: fixed there, which also repairs the templated displayName
    assert [(c.record, c.attribute, c.new) for c in result.changes] == [(2, "name.givenName", "Bo")]
    assert not any(key[0] == 2 and key[2] == "displayName" for key in reasons)
    assert b"Bo,Em" in result.output_bytes


def test_mapping_writes_into_the_mapped_column(tmp_path: Path) -> None:
    rows = [
        ["login_mail", "given", "family", "display"],
        [f"jane@x.com{ZWSP}", "Jane", "Doe ", "Jane Doe"],
    ]
    source = write(tmp_path / "users.csv", csv_bytes(rows))
    mapping = AttributeMapping.from_dict(
        {
            "userName": "login_mail",
            "name.givenName": "given",
            "name.familyName": "family",
            "displayName": "display",
        }
    )
    result = run_fix(str(source), Profile(), mapping=mapping, warnings=True, identifiers=True)
    fields = {(c.attribute, e.field, e.new) for c in result.changes for e in c.edits}
    assert ("userName", "login_mail", "jane@x.com") in fields
    assert ("name.familyName", "family", "Doe") in fields
    assert result.output_bytes.split(b"\r\n")[1] == b"jane@x.com,Jane,Doe,Jane Doe"


def test_empty_cells_sent_as_empty_strings_cannot_be_dropped(tmp_path: Path) -> None:
    rows = [
        ["login", "firstName", "lastName", "email", "displayName", "title"],
        ["jane@x.com", "Jane", "Doe", "jane@x.com", "Jane Doe", ""],
    ]
    source = write(tmp_path / "users.csv", csv_bytes(rows))
    result = run_fix(str(source), Profile(), empty_cells="empty-string")
    assert result.changes == []
    assert result.output_bytes == source.read_bytes()
    (item,) = [i for i in result.leftovers if i.finding.rule == "empty-string"]
    assert item.finding.attribute == "title"
    assert "cannot express" in item.reason


@pytest.mark.parametrize("indent", [None, 2])
def test_okta_export_profile_attributes_are_fixed_in_place(tmp_path: Path, indent) -> None:  # type: ignore[no-untyped-def]
    objects = [
        {
            "id": "00u1",
            "status": "ACTIVE",
            "profile": {
                "login": "j@x.com",
                "firstName": "J",
                "lastName": f"D{ZWSP}",
                "email": "j@x.com",
                "extra": [1, 2],
            },
            "_links": {"self": {"href": "https://x"}},
        }
    ]
    source = write(tmp_path / "okta.json", json.dumps(objects, indent=indent).encode())
    result = run_fix(str(source), Profile())
    fixed = json.loads(result.output_bytes)
    assert fixed[0]["profile"]["lastName"] == "D"
    assert fixed[0]["profile"]["displayName"] == "J D"
    assert fixed[0]["_links"] == objects[0]["_links"] and fixed[0]["id"] == "00u1"
    assert fixed[0]["profile"]["extra"] == [1, 2]
    assert {e.field for c in result.changes for e in c.edits} == {"lastName", "displayName"}


def test_unsupported_columns_are_not_emptied_but_left_over(tmp_path: Path) -> None:
    rows = [
        ["userName", "name.givenName", "name.familyName", "displayName", "password"],
        ["jane@x.com", "Jane", "Doe", "Jane Doe", "hunter2"],
    ]
    source = write(tmp_path / "users.csv", csv_bytes(rows))
    result = run_fix(str(source), Profile())
    assert result.output_bytes == source.read_bytes()
    (item,) = result.leftovers
    assert (item.finding.rule, item.finding.attribute) == ("unsupported-attribute", "password")
    assert "stop mapping it" in item.reason


def test_json_report_lists_changes_and_leftovers(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.json", json_bytes(USERS))
    output = tmp_path / "out.json"
    result = run("fix", source, "-o", output, "--format", "json")
    document = json.loads(result.stdout)
    assert document["output"] == str(output)
    assert document["summary"]["changes"] == len(document["changes"]) > 0
    listed = {(i["record"], i["rule"], i["attribute"]) for i in document["leftovers"]}
    assert listed == check_findings(run, output)
    assert all(i["reason"] for i in document["leftovers"])
    interactive = run("fix", source, "-o", output, "--format", "json", "--interactive")
    assert interactive.exit_code == 2


def test_a_changed_row_keeps_the_bytes_of_its_other_cells(tmp_path: Path) -> None:
    data = (
        "login;firstName;lastName;email;displayName\r\n"
        f'"jane@x.com";"Jane{ZWSP}";"Doe";jane@x.com;"Jane ""JD"" Doe"\r\n'
        f"bo@x.com;Bo{ZWSP};Em;bo@x.com;Bo Em\r\n"
    ).encode()
    source = write(tmp_path / "users.csv", data)
    result = run_fix(str(source), Profile())
    assert result.output_bytes.decode().split("\r\n")[1:3] == [
        '"jane@x.com";"Jane";"Doe";jane@x.com;"Jane ""JD"" Doe"',
        "bo@x.com;Bo;Em;bo@x.com;Bo Em",
    ]


def test_dry_run_diff_shows_every_changed_invisible_character(run, tmp_path: Path) -> None:
    """No pair of `-`/`+` lines of the default diff prints the same: a no-break space, a
    zero-width space and a trailing space all show; tabs that indent JSON stay tabs."""
    rows = [
        ["login", "firstName", "lastName", "email", "displayName", "title"],
        ["jane@x.com", f"Jane{ZWSP}", "Doe", "jane@x.com", "Jane Doe", "Boss"],
        ["amy@x.com", "Amy", "Lee", "amy@x.com", "Amy Lee", "Head "],
    ]
    source = write(tmp_path / "users.csv", csv_bytes(rows))
    result = run("fix", source, "--dry-run", "--warnings")
    assert result.exit_code in (0, 1), result.output
    changed = [
        line
        for line in result.stdout.splitlines()
        if line[:1] in "-+" and not line.startswith(("---", "+++"))
    ]
    minus = [line[1:] for line in changed if line[0] == "-"]
    plus = [line[1:] for line in changed if line[0] == "+"]
    assert minus and len(minus) == len(plus)
    assert not set(minus) & set(plus), changed
    assert "jane@x.com,Jane<U+200B ZERO WIDTH SPACE>,Doe,jane@x.com,Jane Doe,Boss" in minus
    assert "amy@x.com,Amy,Lee,amy@x.com,Amy Lee,Head<U+0020 SPACE>" in minus
    assert "amy@x.com,Amy,Lee,amy@x.com,Amy Lee,Head" in plus

    users = [{"userName": "jane@x.com", "name": {"givenName": f"Jane{ZWSP}", "familyName": "D"}}]
    indented = write(
        tmp_path / "users.json", json.dumps(users, indent="\t", ensure_ascii=False).encode()
    )
    shown = run("fix", indented, "--dry-run").stdout
    assert '-\t\t\t"givenName": "Jane<U+200B ZERO WIDTH SPACE>",' in shown
    assert '+\t\t\t"givenName": "Jane",' in shown
