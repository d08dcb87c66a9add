"""`fix`'s change log is opened in a spreadsheet: its cells cannot run (issue 15, item 4)."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def test_change_log_cells_are_spreadsheet_safe(run, tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    source.write_text(
        'login,firstName,lastName,displayName\na@x.org,A,B,"=HYPERLINK(""http://evil"")\u200b"\n',
        encoding="utf-8",
    )
    output = tmp_path / "out.csv"
    result = run("fix", source, "-o", output)
    assert result.exit_code in (0, 1), result.output
    log = Path(f"{output}.changes.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(log)))
    [row] = [r for r in rows if r["attribute"] == "displayName"]
    assert row["old_value"] == "'" + '=HYPERLINK("http://evil")\u200b'
    assert row["new_value"].startswith("'=HYPERLINK")
    # the fixed file itself is data, not a report: its value is not escaped
    assert 'a@x.org,A,B,"=HYPERLINK(' in output.read_text(encoding="utf-8")


def test_the_json_report_keeps_raw_values(run, tmp_path: Path) -> None:
    import json

    source = tmp_path / "users.csv"
    source.write_text(
        'login,firstName,lastName,displayName\na@x.org,A,B,"@cmd\u200b"\n', encoding="utf-8"
    )
    result = run("fix", source, "-o", tmp_path / "out.csv", "--format", "json")
    document = json.loads(result.stdout)
    assert document["summary"]["fields_changed"] == 1
    assert "@cmd\u200b" in result.stdout and "'@cmd" not in result.stdout
