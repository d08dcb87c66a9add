"""`check` on JSON lines screens them first; the report is the one of the record-by-record path."""

from __future__ import annotations

import io
import json

import pytest

from scimguard.check import JsonReport, run_check
from scimguard.profile import GROUP_URN, Profile, Switches
from scimguard.profile import screen as screen_module
from scimguard.profile.screen import make_screens
from scimguard.records import read_records


def _lines():
    for n in range(1, 2501):
        user = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"User{n}@example.com" if n % 3 else f"user{n}@example.com",
            "name": {"givenName": "José" if n % 7 == 0 else "Jane", "familyName": "Doe"},
            "displayName": f"Jane Doe {n}",
            "emails": [{"value": f"user{n}@example.com", "primary": True}],
            "externalId": f"ext-{n}",
            "id": f"id-{n}",
        }
        if n % 50 == 0:
            user["name"]["givenName"] = "Jane\u200b"
        if n % 97 == 0:
            user["userName"] = "USER1@example.com"  # duplicates record 1
        if n % 89 == 0:
            user["emails"][0]["value"] = "user5@example.com"  # duplicates record 5's email
        if n % 83 == 0:
            user["externalId"] = "ext-2"
        if n % 113 == 0:
            user["title"] = "Sales: EMEA"
        yield json.dumps(user, ensure_ascii=n % 5 == 0)  # some lines with \u escapes
        if n % 400 == 0:
            yield "{broken"
            yield '{"userName": "cut short",'  # truncated: the message must not depend on the path
        if n % 300 == 0:
            yield ""  # a blank line
        if n % 900 == 0:
            group = {"schemas": [GROUP_URN], "displayName": f"G{n}", "members": [{"value": "x"}]}
            yield json.dumps(group)
        if n % 700 == 0:  # two users on one line, as an array
            yield json.dumps([{**user, "userName": f"a{n}"}, {**user, "userName": f"b{n}"}])
        if n % 1000 == 0:
            okta = {"id": f"00u{n}", "status": "ACTIVE", "profile": {"login": f"okta{n}@x.com"}}
            yield json.dumps(okta)


def _report(paths, *, screened: bool) -> tuple[object, bytes]:
    out = io.BytesIO()
    stream = read_records(paths)
    records = stream if screened else iter(stream)  # a plain iterator is not screened
    summary = run_check(records, Profile(Switches()), JsonReport(out))
    doc = json.loads(out.getvalue())
    problems = doc.pop("input_errors")  # only a RecordStream has them (the plain run: none)
    return (summary.users, summary.groups, summary.errors, summary.warnings), doc, problems


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled-screen", "python-screen"])
def test_screened_report_equals_the_record_by_record_report(tmp_path, monkeypatch, compiled):
    if compiled and not screen_module.COMPILED:
        pytest.skip("the C screen was not built here")
    if not compiled:
        monkeypatch.setattr(screen_module, "_screen", None)
    (tmp_path / "a.jsonl").write_text("\r\n".join(_lines()) + "\r\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(
        "userName,name.givenName,name.familyName,displayName\nuser7@example.com,A,B,C\n"
    )
    (tmp_path / "c.jsonl").write_text("\n".join(list(_lines())[:300]), encoding="utf-8")
    elements = [line for line in list(_lines())[:900] if line.startswith(("{", "["))]
    elements[10:10] = ["42", '{"userName": 1e400}', '"text"']  # not objects; orjson refuses one
    (tmp_path / "d.json").write_text("[\n" + ",\n".join(elements) + "\n]\n", encoding="utf-8")
    listed = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]}
    listed["Resources"] = [json.loads(line) for line in elements[20:60] if line.startswith("{")]
    (tmp_path / "e.json").write_text(json.dumps(listed, indent=2), encoding="utf-8")
    names = ("a.jsonl", "b.csv", "c.jsonl", "d.json", "e.json")
    paths = [str(tmp_path / name) for name in names]
    kinds = [type(item).__name__ for item in read_records(paths).screened(make_screens())]
    assert kinds.count("ScreenedUsers") > 10 and kinds.count("Record") > 50
    runs = [item for item in read_records(paths[3:4]).screened(make_screens())]
    assert any(getattr(run, "lines", None) for run in runs)  # the array's users, screened
    screened = _report(paths, screened=True)
    plain = _report(paths, screened=False)
    assert screened[:2] == plain[:2]
    counts, doc, problems = screened
    # the problems, in order, are those of the record-by-record reader
    stream = read_records(paths)
    for _ in stream:
        pass
    assert problems == [p.to_dict() for p in stream.problems]
    in_array = [
        (p["source"].rsplit(":", 1)[-1], p["message"].split(" (")[0])
        for p in problems
        if "d.json" in p["source"]
    ]
    assert in_array == [
        ("12", "an element of the array is not a JSON object"),
        ("13", "not valid JSON"),  # in order, though the screen batches the elements
        ("14", "an element of the array is not a JSON object"),
        ("903", "the JSON structure is broken here"),  # the "{broken" element never closes
    ]
    rules = {f["rule"] for f in doc["findings"]}
    assert {"duplicate-username", "duplicate-email", "duplicate-external-id"} <= rules
    assert {"hidden-character", "forbidden-character"} <= rules
    # records after a blank line, a broken line and an array line keep their numbers and lines
    assert counts[1] == 2  # groups
    sources = {f["source"] for f in doc["findings"]}
    assert any(s.startswith(str(tmp_path / "c.jsonl")) for s in sources)


def test_without_the_extension_check_writes_the_same_report(tmp_path):
    """A machine without a C compiler: the package runs on the Python screen, same report."""
    import subprocess
    import sys

    path = tmp_path / "users.jsonl"
    path.write_text("\n".join(_lines()) + "\n", encoding="utf-8")

    def report(block_extension: bool) -> tuple[int, bytes]:
        blocker = "import sys; sys.modules['scimguard.profile._screen'] = None; "
        code = (
            (blocker if block_extension else "")
            + "from scimguard.profile import screen, duplicates, plain_values; "
            + "assert (screen._screen is None) == (duplicates._feed is None) "
            + f"== (plain_values._judge is None) == {block_extension}; "
            + "from scimguard.cli import main; main()"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, "check", str(path), "--format", "json"],
            capture_output=True,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr.decode()
        return done.returncode, done.stdout

    if not screen_module.COMPILED:
        pytest.skip("the C screen was not built here")
    compiled, python = report(False), report(True)
    assert compiled == python
    assert compiled[0] == 1 and b"duplicate-username" in compiled[1]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled-screen", "python-screen"])
@pytest.mark.parametrize("switches", [Switches(), Switches(require_complete_address=False)])
def test_the_international_corpus_reports_as_the_full_walk(
    tmp_path, monkeypatch, compiled, switches
):
    """Issue 21: users the screen passes with warned values (check's third answer) get the
    report of the record-by-record path, byte for byte: real names from 26 locales, every
    defect record, every legitimate record given each defect, as JSON lines and as an array."""
    import copy

    from corpora import RULE_DEFECTS, defect_users, legitimate_users

    if compiled and not screen_module.COMPILED:
        pytest.skip("the C screen was not built here")
    if not compiled:
        monkeypatch.setattr(screen_module, "_screen", None)
    legit = legitimate_users()
    users = [*legit, *(user for code, user in defect_users() if code)]
    for user in legit[::9]:  # every one, at the screen: tests/profile/test_screen_warned.py
        for _code, changes in RULE_DEFECTS:
            changed = copy.deepcopy(user)
            for key, value in changes.items():
                if key.startswith("name."):
                    changed["name"][key[5:]] = value
                elif value is None:
                    changed.pop(key, None)
                else:
                    changed[key] = value
            users.append(changed)
    texts = [json.dumps(user, ensure_ascii=n % 4 == 0) for n, user in enumerate(users)]
    (tmp_path / "a.jsonl").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (tmp_path / "b.json").write_text("[\n" + ",\n".join(texts) + "\n]\n", encoding="utf-8")
    for name in ("a.jsonl", "b.json"):
        paths = [str(tmp_path / name)]
        runs = [i for i in read_records(paths).screened(make_screens(switches, pass_warned=True))]
        warned = sum(len(run.warned) for run in runs if hasattr(run, "warned"))
        assert warned > 0.05 * len(users)  # the third answer is what is tested here
        outs = []
        for screened in (True, False):
            out = io.BytesIO()
            stream = read_records(paths)
            run_check(stream if screened else iter(stream), Profile(switches), JsonReport(out))
            outs.append(out.getvalue())
        assert outs[0] == outs[1]
        assert b"blank-value" in outs[0] and b"unusual-space" in outs[0]
