"""Encodings (issue 15, item 3): UTF-8 with or without BOM read silently, UTF-16 with BOM read,
anything else detected (charset-normalizer) and named; `--encoding` chooses; undecodable bytes
stay an input problem with file and line."""

from __future__ import annotations

import json
import subprocess
import sys

from scimguard.records import read_records

NAMES = [
    ("José", "García"),
    ("François", "Lefèvre"),
    ("Renée", "Müller"),
    ("Søren", "Ørsted"),
    ("Zoë", "Björk"),
    ("Ana", "Peña"),
    ("Jürgen", "Groß"),
    ("Chloé", "Dubois"),
]


def export_text(people: int = 40) -> str:
    """A Windows-made export: CRLF line ends, Western European names."""
    rows = ["login,firstName,lastName,displayName,email"]
    for i in range(people):
        first, last = NAMES[i % len(NAMES)]
        rows.append(f"u{i}@example.com,{first},{last},{first} {last},u{i}@example.com")
    return "\r\n".join(rows) + "\r\n"


def check_json(path, *options):
    command = [sys.executable, "-c", "from scimguard.cli import main; main()", "check"]
    result = subprocess.run(
        [*command, str(path), "--format", "json", *options], capture_output=True, text=True
    )
    return result.returncode, json.loads(result.stdout) if result.stdout else None, result.stderr


def names_of(stream):
    return [r.resource["name"]["familyName"] for r in stream]


def test_windows_1252_is_detected_named_and_read(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(export_text().encode("cp1252"))
    stream = read_records([str(path)])
    assert names_of(stream)[:8] == [last for _, last in NAMES]
    assert stream.problems == []
    assert stream.encodings == {str(path): "windows-1252"}
    code, report, _ = check_json(path)
    assert code == 0 and report["read_as"] == {str(path): "windows-1252"}
    assert report["input_errors"] == [] and report["summary"]["records"] == 40


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(export_text().encode("utf-16"))  # with its BOM (little-endian here)
    stream = read_records([str(path)])
    assert names_of(stream)[:8] == [last for _, last in NAMES]
    assert stream.problems == [] and stream.encodings == {str(path): "utf-16"}


def test_utf8_with_or_without_bom_is_silent(tmp_path):
    for name, data in (
        ("plain.csv", export_text().encode()),
        ("bom.csv", b"\xef\xbb\xbf" + export_text().encode()),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        stream = read_records([str(path)])
        assert names_of(stream)[:3] == ["García", "Lefèvre", "Müller"]
        assert stream.problems == [] and stream.encodings == {}
        code, report, _ = check_json(path)
        assert code == 0 and report["input_errors"] == [] and report["read_as"] == {}


def test_encoding_option_chooses(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(export_text().encode("cp1252"))
    # read as UTF-8 on purpose: each row with an accent is an input problem with its line
    code, report, _ = check_json(path, "--encoding", "utf-8")
    assert code == 2  # every row has an accent: not one record could be read
    lines = [p["source"] for p in report["input_errors"]]
    assert lines[0] == f"{path}:2" and len(lines) == 40
    assert "not valid UTF-8" in report["input_errors"][0]["message"]
    assert "--encoding" in report["input_errors"][0]["message"]
    # latin-1 decodes every byte: the names come out as in windows-1252 for these letters
    code, report, _ = check_json(path, "--encoding", "latin-1")
    assert code == 0 and report["read_as"] == {str(path): "iso8859-1"}
    code, report, stderr = check_json(path, "--encoding", "no-such-codec")
    assert code == 2 and "unknown encoding" in stderr


def test_undecodable_bytes_stay_an_input_problem_with_file_and_line(tmp_path):
    path = tmp_path / "users.csv"
    text = export_text().encode("cp1252")
    lines = text.split(b"\r\n")
    lines[5] = lines[5].replace(b"u4@", b"u4\x81@")  # 0x81: no character in windows-1252
    path.write_bytes(b"\r\n".join(lines))
    stream = read_records([str(path)], encoding="windows-1252")
    records = list(stream)
    assert len(records) == 39
    [problem] = stream.problems
    assert problem.file == str(path) and problem.line == 6 and problem.skipped
    assert "cannot be decoded as windows-1252" in problem.message


def test_fix_refuses_a_file_it_cannot_rewrite_in_its_own_bytes(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(
        export_text().replace("García", "Garc\u00eda\u200b").encode("cp1252", "ignore")
    )
    command = [sys.executable, "-c", "from scimguard.cli import main; main()", "fix"]
    result = subprocess.run(
        [*command, str(path), "-o", str(tmp_path / "out.csv")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "read as windows-1252" in result.stderr and "UTF-8 files only" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_a_large_windows_1252_export_keeps_its_letters(tmp_path):
    """Latin names fit windows-1250 as well as 1252 (where `Ø` would become `Ř`): 1252 wins."""
    path = tmp_path / "users.csv"
    path.write_bytes(export_text(50_000).encode("cp1252"))
    stream = read_records([str(path)])
    found = {r.resource["name"]["familyName"] for r in stream}
    assert found == {last for _, last in NAMES}
    assert stream.encodings == {str(path): "windows-1252"} and stream.problems == []
