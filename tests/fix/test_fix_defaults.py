"""fix is safe by default: errors only, no identifier changed, no accepted character removed,
no glyph changed; each suggestion it leaves is listed with why (report and change log)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fix_corpus import corpus_users
from fix_samples import ZWSP, csv_bytes, json_bytes, jsonl_bytes, write

from scimguard.fix import run_fix
from scimguard.profile import Profile

CSV_HEADER = ["login", "firstName", "lastName", "displayName", "email", "title", "locale"]


def _csv(users: list[dict]) -> bytes:  # type: ignore[type-arg]
    rows = [CSV_HEADER] + [
        [
            u["userName"],
            u["name"]["givenName"],
            u["name"]["familyName"],
            u["displayName"],
            u["emails"][0]["value"],
            u["title"],
            u["locale"],
        ]
        for u in users
    ]
    return csv_bytes(rows)


FORMATS = {
    "users.csv": _csv,
    "users.json": json_bytes,
    "users.jsonl": jsonl_bytes,
    "compact.json": lambda users: json_bytes(users, indent=None),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize("options", [{}, {"warnings": True}])
def test_legitimate_names_are_left_byte_for_byte(tmp_path: Path, name: str, options) -> None:  # type: ignore[no-untyped-def]
    users = corpus_users()
    # the profile's second edition accepts every name of the corpus, joiners included
    assert [u for u in users if Profile().errors(u, "user")] == []
    clean = users
    if options:  # what --warnings is asked to change: U+3000 to a space, NFD composed
        clean = [
            u
            for u in clean
            if u["locale"] != "vi-nfd" and "\u3000" not in json.dumps(u, ensure_ascii=False)
        ]
    source = write(tmp_path / name, FORMATS[name](clean))
    result = run_fix(str(source), Profile(), **options)
    assert result.changes == []
    assert result.output_bytes == source.read_bytes()


def test_the_joiner_names_are_in_the_corpus() -> None:
    displays = {u["displayName"] for u in corpus_users()}
    assert any("\u200c" in d for d in displays) and any("\u200d" in d for d in displays)
    assert any("\u3000" in d for d in displays) and any("\ufa19" in d for d in displays)


def _user(**fields: object) -> dict:  # type: ignore[type-arg]
    user = {
        "userName": "jane@x.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "displayName": "Jane Doe",
        "emails": [{"value": "jane@x.com", "type": "work", "primary": True}],
    }
    user.update(fields)
    return user


def _fix_one(tmp_path: Path, user: dict, **options: object):  # type: ignore[no-untyped-def, type-arg]
    source = write(tmp_path / "one.jsonl", jsonl_bytes([user]))
    result = run_fix(str(source), Profile(), **options)  # type: ignore[arg-type]
    return result, json.loads(result.output_bytes)


def _reasons(result) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    return {(i.finding.rule, i.finding.attribute): i.reason for i in result.leftovers}


def test_an_identifier_is_not_rewritten_without_identifiers(tmp_path: Path) -> None:
    user = _user(userName="bad user@corp.example", externalId=f"00u1{ZWSP}")
    user["emails"][0]["value"] = f"jane@x.com{ZWSP}"
    result, fixed = _fix_one(tmp_path, user)
    assert fixed == user and result.changes == []
    reasons = _reasons(result)
    for rule, attribute in (
        ("whitespace-in-identifier", "userName"),
        ("hidden-character", "externalId"),
        ("hidden-character", "emails[0].value"),
    ):
        assert "--identifiers" in reasons[(rule, attribute)], reasons
        assert "sync matches on" in reasons[(rule, attribute)]
    result, fixed = _fix_one(tmp_path, user, identifiers=True)
    assert fixed["userName"] == "baduser@corp.example"
    assert fixed["externalId"] == "00u1" and fixed["emails"][0]["value"] == "jane@x.com"


def test_an_identifier_is_not_rewritten_through_a_csv_column(run, tmp_path: Path) -> None:
    rows = [CSV_HEADER[:5], ["bad user@corp.example", "Bo", "Em", "Bo Em", "bo@x.com"]]
    source = write(tmp_path / "users.csv", csv_bytes(rows))
    output = tmp_path / "out.csv"
    result = run("fix", source, "-o", output)
    assert result.exit_code == 1  # the error is left for a person
    assert output.read_bytes() == source.read_bytes()
    assert "--identifiers" in result.output
    assert run("fix", source, "-o", output, "--identifiers").exit_code == 0
    assert b"baduser@corp.example" in output.read_bytes()


def test_warnings_only_with_warnings(tmp_path: Path) -> None:
    user = _user(title=" Boss ", nickName="Ja\u00a0ne")
    result, fixed = _fix_one(tmp_path, user)
    assert fixed == user
    assert "--warnings" in _reasons(result)[("blank-value", "title")]
    _result, fixed = _fix_one(tmp_path, user, warnings=True)
    assert fixed["title"] == "Boss" and fixed["nickName"] == "Ja ne"


def test_an_error_fix_leaves_what_only_a_warning_flags(tmp_path: Path) -> None:
    # ZWSP is an error; U+3000 and the trailing space are warnings: only the ZWSP goes
    user = _user(displayName=f"山田\u3000太郎{ZWSP} ")
    result, fixed = _fix_one(tmp_path, user)
    assert fixed["displayName"] == "山田\u3000太郎 "
    assert [c.rules for c in result.changes] == [("hidden-character",)]
    reasons = _reasons(result)
    assert "--warnings" in reasons[("unusual-space", "displayName")]
    _result, fixed = _fix_one(tmp_path, user, warnings=True)
    assert fixed["displayName"] == "山田 太郎"


def test_a_character_the_profile_accepts_is_never_removed(tmp_path: Path) -> None:
    # the suggestion also folds the double space, which no rule flags: it is kept
    user = _user(displayName=f"Anne  Marie{ZWSP}", title="a  b\u2003c")
    _result, fixed = _fix_one(tmp_path, user, warnings=True)
    assert fixed["displayName"] == "Anne  Marie"
    assert fixed["title"] == "a  b c"  # the EM SPACE (hidden) becomes a space, nothing else


def test_nfc_only_where_no_glyph_changes(tmp_path: Path) -> None:
    decomposed = "Nguye\u0302\u0303n"
    user = _user(
        name={"givenName": f"{decomposed}{ZWSP}", "familyName": "\ufa19\u5bb0"},
        displayName="\u0959\u0940",  # DEVANAGARI LETTER QA: a composition exclusion
    )
    result, fixed = _fix_one(tmp_path, user)
    assert fixed["name"]["givenName"] == decomposed  # the error fixed, the accents left
    assert fixed["name"]["familyName"] == "\ufa19\u5bb0" and fixed["displayName"] == "\u0959\u0940"
    result, fixed = _fix_one(tmp_path, user, warnings=True)
    assert fixed["name"]["givenName"] == "Nguyễn"  # composed: the same glyphs
    assert fixed["name"]["familyName"] == "\ufa19\u5bb0"  # U+FA19 is not U+795E to a person
    assert fixed["displayName"] == "\u0959\u0940"
    # the profile (second edition) offers no suggestion where NFC changes a glyph; the
    # leftover says so, and its finding names the character
    reasons = _reasons(result)
    assert reasons[("not-normalized", "name.familyName")].startswith("no safe suggestion")
    messages = {(i.finding.rule, i.finding.attribute): i.finding.message for i in result.leftovers}
    assert "U+FA19" in messages[("not-normalized", "name.familyName")]
    assert "U+0959" in messages[("not-normalized", "displayName")]
    assert "changes a glyph" in messages[("not-normalized", "displayName")]


def test_skipped_suggestions_are_in_the_change_log_and_the_report(run, tmp_path: Path) -> None:
    user = _user(userName=f"jane@x.com{ZWSP}", title=" Boss ")
    user["name"]["givenName"] = f"Jane{ZWSP}"
    source = write(tmp_path / "users.jsonl", jsonl_bytes([user]))
    output = tmp_path / "out.jsonl"
    result = run("fix", source, "-o", output)
    log = list(csv.DictReader(io.StringIO(Path(f"{output}.changes.csv").read_text())))
    by_status = {(r["status"], r["attribute"], r["rule"]): r for r in log}
    assert set(by_status) == {
        ("applied", "name.givenName", "hidden-character"),
        ("skipped", "userName", "hidden-character"),
        ("skipped", "title", "blank-value"),
    }
    skipped = by_status[("skipped", "userName", "hidden-character")]
    assert skipped["old_value"] == f"jane@x.com{ZWSP}" and skipped["new_value"] == "jane@x.com"
    assert "--identifiers" in skipped["reason"]
    assert "--warnings" in by_status[("skipped", "title", "blank-value")]["reason"]
    assert by_status[("applied", "name.givenName", "hidden-character")]["reason"] == ""
    assert "--identifiers" in result.output and "--warnings" in result.output
    report = json.loads(run("fix", source, "--dry-run", "--format", "json").stdout)
    reasons = {(i["rule"], i["attribute"]): i["reason"] for i in report["leftovers"]}
    assert "--identifiers" in reasons[("hidden-character", "userName")]
