"""`scimguard check`, `rules` and `inspect` through the real command line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scimguard import rules_doc
from scimguard.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "userName": "jane@example.com",
    "name": {"givenName": "Jane", "familyName": "Doe"},
    "displayName": "Jane Doe",
    "emails": [{"value": "jane@example.com", "type": "work", "primary": True}],
}
FINDING_KEYS = [
    "record", "source", "location", "column", "kind", "key", "rule", "severity", "attribute",
    "value", "message", "fix", "suggested_value",
]  # fmt: skip


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def write_jsonl(path, resources):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in resources))
    return str(path)


def test_json_report_shape_and_exit_1(tmp_path):
    bad = {
        **GOOD,
        "userName": "bob@example.com",
        "name": {"givenName": "Bob\u200b"},
        "emails": [{"value": "bob@example.com", "primary": True}],
    }
    path = write_jsonl(tmp_path / "u.jsonl", [GOOD, bad])
    result = run("check", path, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["profile"] == "aws-identity-center"
    assert doc["summary"] == {
        "records": 2,
        "users": 2,
        "groups": 0,
        "records_with_errors": 1,
        "errors": 2,
        "warnings": 0,
    }
    assert doc["input_errors"] == []
    rules = sorted(f["rule"] for f in doc["findings"])
    assert rules == ["hidden-character", "missing-required"]
    for finding in doc["findings"]:
        assert list(finding) == FINDING_KEYS
        assert finding["record"] == 2 and finding["source"] == f"{path}:2"
        assert finding["kind"] == "user" and finding["key"] == "bob@example.com"
    hidden = next(f for f in doc["findings"] if f["rule"] == "hidden-character")
    assert hidden["value"] == "Bob\u200b" and hidden["suggested_value"] == "Bob"


def test_clean_input_exits_0(tmp_path):
    result = run("check", write_jsonl(tmp_path / "u.jsonl", [GOOD]), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


def test_fail_on_warning(tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [{**GOOD, "displayName": "Jane Doe "}])
    assert run("check", path, "--format", "json").exit_code == 0
    assert run("check", path, "--format", "json", "--fail-on", "warning").exit_code == 1


def test_csv_report_one_row_per_finding(tmp_path):
    resources = [{**GOOD, "title": ""}, {**GOOD, "userName": "x y", "emails": []}]
    result = run("check", write_jsonl(tmp_path / "u.jsonl", resources), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    as_json = json.loads(run("check", str(tmp_path / "u.jsonl"), "--format", "json").stdout)
    assert list(rows[0]) == FINDING_KEYS
    assert [(int(r["record"]), r["rule"]) for r in rows] == [
        (f["record"], f["rule"]) for f in as_json["findings"]
    ]
    assert len(rows) == len(as_json["findings"]) >= 3


def test_text_report_groups_by_record_and_shows_hidden_characters(tmp_path):
    bad = {
        **GOOD,
        "userName": "bob@example.com",
        "name": {"givenName": "Jane\u200b", "familyName": "Doe"},
        "emails": [{"value": "bob@example.com", "primary": True}],
    }
    result = run("check", write_jsonl(tmp_path / "u.jsonl", [GOOD, bad]), "--format", "text")
    assert result.exit_code == 1
    out = result.stdout
    assert out.splitlines()[0].startswith("Checked 2 records (2 users, 0 groups)")
    assert "Jane<U+200B ZERO WIDTH SPACE>" in out
    assert "record 2 · user “bob@example.com”" in out
    assert "record 1 " not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "\x1b[" not in out  # no colour codes when not on a terminal


def test_switches(tmp_path):
    resource = {**GOOD, "title": "Sales: EMEA", "addresses": [{"locality": "Berlin"}]}
    path = write_jsonl(tmp_path / "u.jsonl", [resource])
    rules = {
        f["rule"] for f in json.loads(run("check", path, "--format", "json").stdout)["findings"]
    }
    assert rules == {"forbidden-character", "address-omitted"}  # default: --incomplete-address omit
    blocked = run("check", path, "--format", "json", "--incomplete-address", "block")
    findings = json.loads(blocked.stdout)["findings"]
    assert {f["rule"] for f in findings} == {"forbidden-character", "incomplete-address"}
    omitted = json.loads(run("check", path, "--format", "json").stdout)["findings"]
    [note] = [f for f in omitted if f["rule"] == "address-omitted"]
    assert note["severity"] == "warning" and note["value"] == {"locality": "Berlin"}
    relaxed = run(
        "check", path, "--format", "json", "--allow-legacy-characters",
        "--no-require-complete-address",
    )  # fmt: skip
    assert relaxed.exit_code == 0 and json.loads(relaxed.stdout)["findings"] == []


def test_csv_input_mapping_and_empty_cells(tmp_path):
    (tmp_path / "u.csv").write_text(
        "login,firstName,lastName,email,title\njane@example.com,Jane,Doe,jane@example.com,\n"
    )
    (tmp_path / "m.toml").write_text('displayName = "{firstName} {lastName}"\n')
    path, mapping = str(tmp_path / "u.csv"), str(tmp_path / "m.toml")
    plain = json.loads(run("check", path, "--format", "json").stdout)
    assert [f["rule"] for f in plain["findings"]] == ["missing-required"]
    assert plain["findings"][0]["suggested_value"] == "Jane Doe"
    mapped = run("check", path, "--format", "json", "--mapping", mapping)
    assert mapped.exit_code == 0
    empty = json.loads(
        run("check", path, "--format", "json", "--mapping", mapping, "--empty-cells",
            "empty-string").stdout
    )  # fmt: skip
    assert [(f["rule"], f["attribute"]) for f in empty["findings"]] == [("empty-string", "title")]


def test_broken_input_is_reported_and_the_rest_checked(tmp_path):
    path = tmp_path / "u.jsonl"
    path.write_bytes(
        json.dumps(GOOD).encode()
        + b"\n{not json\n"
        + json.dumps({**GOOD, "userName": "b@example.com", "emails": None, "title": ""}).encode()
    )
    result = run("check", str(path), "--format", "json")
    assert result.exit_code == 1  # a record could not be checked
    doc = json.loads(result.stdout)
    assert doc["summary"]["records"] == 2
    assert doc["input_errors"] == [
        {"source": f"{path}:2", "message": doc["input_errors"][0]["message"], "skipped": True}
    ]
    assert "not valid JSON" in doc["input_errors"][0]["message"]
    assert [f["source"] for f in doc["findings"]] == [f"{path}:3"]
    assert "Traceback" not in result.output


def test_bom_alone_does_not_fail(tmp_path):
    path = tmp_path / "u.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    result = run("check", str(path), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["input_errors"] == []  # a BOM is no input problem


def test_nothing_usable_exits_2(tmp_path):
    path = tmp_path / "u.jsonl"
    path.write_bytes(b"{nope\n{nope either\n")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert len(json.loads(result.stdout)["input_errors"]) == 2


def test_empty_input_exits_2(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "header.csv").write_text("login,firstName,lastName\n")
    for name in ("empty.jsonl", "header.csv"):
        result = CliRunner().invoke(main, ["check", str(tmp_path / name), "--format", "json"])
        assert result.exit_code == 2, name
        assert json.loads(result.stdout)["summary"]["records"] == 0


def test_nul_and_binary_garbage_in_csv(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(b"login,firstName,lastName\nj@x.com,Ja\x00ne,Doe\n\x89PNG\xff\xfe,a,b\n")
    result = run("check", str(path), "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [f["rule"] for f in doc["findings"] if f["attribute"] == "name.givenName"] == [
        "hidden-character"
    ]
    assert [e["source"] for e in doc["input_errors"]] == [f"{path}:3"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["check", "/nonexistent/users.csv"], "no such file"),
        (["check", "x.json", "--input-format", "xml"], "xml"),
        (["check", "-", "-"], "only once"),
    ],
)
def test_unusable_invocation_exits_2(args, message, tmp_path):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_mapping_exits_2(tmp_path):
    (tmp_path / "m.toml").write_text("userName = [\n")
    path = write_jsonl(tmp_path / "u.jsonl", [GOOD])
    result = CliRunner().invoke(main, ["check", path, "--mapping", str(tmp_path / "m.toml")])
    assert result.exit_code == 2 and "not valid TOML" in result.output


def test_stdin_in_a_real_process(tmp_path):
    lines = json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "userName": "JANE@example.com"}) + "\n"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from scimguard.cli import main; main()",
            "check",
            "-",
            "--format",
            "json",
        ],
        input=lines.encode(),
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    dupes = [f for f in doc["findings"] if f["rule"] == "duplicate-username"]
    assert [f["source"] for f in dupes] == ["-:1", "-:2"]
    assert proc.stderr == b""  # no progress bar when stderr is not a terminal


def test_default_format_is_json_when_not_a_terminal(tmp_path):
    result = run("check", write_jsonl(tmp_path / "u.jsonl", [GOOD]))
    assert json.loads(result.stdout)["summary"]["records"] == 1


def test_examples_directory(tmp_path):
    result = run("check", str(ROOT / "examples"), "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    assert doc["input_errors"] == []
    assert doc["summary"]["records"] >= 300 and doc["summary"]["groups"] >= 5
    fired = {f["rule"] for f in doc["findings"]}
    from scimguard.profile import RULES

    local = {r.code for r in RULES if r.severity is not None}
    blocked = run(
        "check", str(ROOT / "examples"), "--format", "json", "--incomplete-address", "block"
    )
    fired_blocked = {f["rule"] for f in json.loads(blocked.stdout)["findings"]}
    assert fired_blocked == fired - {"address-omitted"} | {"incomplete-address"}
    # the examples show every rule the checker can report (under either value of the switch)
    assert fired | fired_blocked == local
    clean = doc["summary"]["records"] - doc["summary"]["records_with_errors"]
    assert clean > doc["summary"]["records_with_errors"]


# --- rules ---------------------------------------------------------------------------------


def test_rules_list_and_one_rule():
    listing = run("rules")
    assert listing.exit_code == 0
    from scimguard.profile import RULES

    for rule in RULES:
        assert rule.code in listing.stdout
    one = run("rules", "hidden-character")
    assert one.exit_code == 0
    assert one.stdout.strip() == rules_doc.render(rules_doc.get("hidden-character")).strip()
    assert "U+200B ZERO WIDTH SPACE" in one.stdout  # the example finding, computed
    unknown = CliRunner().invoke(main, ["rules", "no-such-rule"])
    assert unknown.exit_code == 2


def test_committed_rule_docs_equal_the_generated_ones(tmp_path):
    docs = ROOT / "docs" / "rules"
    generated = rules_doc.generated()
    committed = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.md")}
    assert committed == generated, "run: scimguard rules --write-docs docs/rules"
    result = run("rules", "--write-docs", str(tmp_path / "out"))
    assert result.exit_code == 0
    written = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.md")}
    assert written == generated


# --- inspect -------------------------------------------------------------------------------


def test_inspect_shows_every_code_point_with_verdicts():
    result = run("inspect", "Ja\u200bne:")
    assert result.exit_code == 1
    out = result.stdout
    assert "U+200B" in out and "ZERO WIDTH SPACE" in out and "Cf" in out
    assert "hidden-character" in out and "forbidden-character" in out
    assert "U+004A" in out and "LATIN CAPITAL LETTER J" in out


def test_inspect_json_and_attribute():
    result = run("inspect", "jane doe", "--attribute", "userName", "--json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [p["verdict"] for p in doc["code_points"]] == ["ok"] * 4 + [
        "whitespace-in-identifier"
    ] + ["ok"] * 3
    assert [f["rule"] for f in doc["findings"]] == ["whitespace-in-identifier"]
    ok = run("inspect", "jane doe", "--attribute", "displayName", "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["findings"] == []


def test_inspect_stdin_and_close_cases():
    result = run("inspect", "--stdin", "--json", input="张伟 🚀\n")
    doc = json.loads(result.stdout)
    assert result.exit_code == 0
    assert doc["value"] == "张伟 🚀"
    assert {p["verdict"] for p in doc["code_points"]} == {"ok"}
    assert CliRunner().invoke(main, ["inspect"]).exit_code == 2


# --- demo ----------------------------------------------------------------------------------


def test_demo_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "scimguard.demo", "--no-serve"],  # the console step serves forever
        capture_output=True,
        timeout=240,
        cwd=ROOT,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "would be refused" in proc.stdout
    assert "findings by rule" in proc.stdout


def test_text_report_lists_input_problems(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("login,firstName,lastName,displayName\na@x.com,A,B,A B\nshort,row\n")
    result = run("check", str(path), "--format", "text")
    assert result.exit_code == 1
    assert "Input problems (1 record not checked)" in result.stdout
    assert f"{path}:3" in result.stdout and "2 fields" in result.stdout
    assert "could not be read" in result.stdout


def test_no_progress_bar_without_a_terminal(tmp_path):
    from scimguard.cli.check import _progress
    from scimguard.records import read_records

    path = write_jsonl(tmp_path / "u.jsonl", [GOOD])
    assert _progress(read_records([path])) is None  # pytest captures stderr: not a terminal
