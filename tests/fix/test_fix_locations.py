"""`fix` names each change where the admin finds it (issue 15, item 1): file and row with the
column for CSV, file and line for JSON, the Okta user id for an Okta export; the SCIM path
stays beside it, in the change log, the JSON report and the text listings."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from fix_samples import CSV_ROWS, USERS, csv_bytes, jsonl_bytes, okta_bytes, write


def _log(output: Path) -> list[dict[str, str]]:
    text = Path(f"{output}.changes.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_changes_name_file_row_and_column_beside_the_scim_path(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    output = tmp_path / "out.csv"
    result = run("fix", source, "-o", output)  # errors only: the warnings are skipped
    assert result.exit_code in (0, 1), result.output
    rows = _log(output)
    applied = {(r["attribute"], r["location"]) for r in rows if r["status"] == "applied"}
    assert ("name.givenName", f"{source}:2 (firstName)") in applied  # jane, row 2
    assert ("title", f"{source}:3 (title)") in applied  # bob's `Head: Ops`, row 3
    # a suggestion left out is placed by the mapping, as check's report places it
    skipped = {(r["attribute"], r["location"]) for r in rows if r["status"] == "skipped"}
    assert ("title", f"{source}:2 (title)") in skipped  # jane's ` Boss `: a warning
    assert all(r["source"] == r["location"].split(" ")[0] for r in rows)

    document = json.loads(run("fix", source, "--dry-run", "--warnings", "--format", "json").stdout)
    (jane,) = [
        c for c in document["changes"] if c["record"] == 1 and c["rules"] == ["hidden-character"]
    ]
    assert jane["location"] == f"{source}:2 (firstName)"
    assert jane["fields"] == [
        {
            "attribute": "name.givenName",
            "field": "firstName",
            "location": f"{source}:2 (firstName)",
            "old": "Jane\u200b",
            "new": "Jane",
        }
    ]
    (bob,) = [
        item
        for item in document["leftovers"]
        if item["attribute"] == "name.familyName" and item["record"] == 2
    ]
    assert (bob["location"], bob["column"]) == (f"{source}:3 (lastName)", "lastName")

    listing = run("fix", source, "--dry-run", "--diff", "changes", "--warnings").stdout
    assert (
        f"record 1 \u201cjane@x.com\u201d name.givenName at {source}:2 (firstName) "
        "[hidden-character]: \u201cJane<U+200B ZERO WIDTH SPACE>\u201d -> \u201cJane\u201d"
    ) in listing
    summary = run("fix", source, "-o", tmp_path / "again.csv").output
    assert f"record 2 \u201cbob@x.com\u201d name.familyName at {source}:3 (lastName) = " in summary


def test_json_lines_changes_name_file_and_line(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.jsonl", jsonl_bytes(USERS))
    output = tmp_path / "out.jsonl"
    result = run("fix", source, "-o", output, "--warnings")
    assert result.exit_code in (0, 1), result.output
    rows = [r for r in _log(output) if r["status"] == "applied"]
    by_attribute = {r["attribute"]: r["location"] for r in rows}
    # no column in SCIM JSON: the field is the SCIM path, the place is the line
    assert by_attribute["name.givenName"] == f"{source}:1"
    assert by_attribute["title"] == f"{source}:4"  # dee's no-break space, line 4
    undo = json.loads(Path(f"{output}.undo.json").read_text(encoding="utf-8"))
    (jane,) = [c for c in undo["changes"] if c["attribute"] == "name.givenName"]
    assert jane["location"] == f"{source}:1" and jane["fields"][0]["location"] == f"{source}:1"


def test_okta_export_changes_name_the_profile_attribute_and_okta_user_id(
    run, tmp_path: Path
) -> None:
    source = write(tmp_path / "okta.json", okta_bytes())
    output = tmp_path / "out.json"
    result = run("fix", source, "-o", output, "--warnings")
    assert result.exit_code in (0, 1), result.output
    applied = {(r["attribute"], r["location"]) for r in _log(output) if r["status"] == "applied"}
    assert ("name.givenName", f"{source}:2 (firstName), Okta user 00u1") in applied
    assert ("title", f"{source}:2 (title), Okta user 00u1") in applied  # `Boss `
    assert ("title", f"{source}:16 (title), Okta user 00u2") in applied  # `x;y`, the 2nd object


def test_the_interactive_prompt_names_the_place(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    result = run("fix", source, "-o", tmp_path / "out.csv", "--interactive", input="q\n")
    assert f"  name.givenName at {source}:2 (firstName)\n" in result.output
