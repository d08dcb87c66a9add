"""`check` on the corpora of tests/corpora.py: real names pass in every format, every defect is
found with its documented code (rules.md, second edition)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from corpora import (
    defect_groups,
    defect_users,
    legitimate_users,
    surrogate_user,
    write_formats,
)
from scimguard.check import check_resources
from scimguard.cli import main
from scimguard.profile import Profile, Switches

FORMATS = ("jsonl", "array", "list-response", "csv", "okta")


@pytest.fixture(scope="module")
def corpus():
    return legitimate_users()


@pytest.fixture(scope="module")
def corpus_files(corpus, tmp_path_factory):
    return write_formats(corpus, tmp_path_factory.mktemp("corpus"))


BLOCK = Profile(Switches(incomplete_address="block"))


def _check(path, *extra: str) -> dict:
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_the_corpus_covers_the_locales_and_shapes(corpus):
    scripts = "".join(u["displayName"] for u in corpus)
    for sample in ("\u200c", "\u200d", "\u2019", "ʻ", "\U00020bb7", "\U0001f469", "\u3000"):
        assert sample in scripts
    assert len(corpus) > 700


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_error_on_any_legitimate_record_in_any_format(fmt, corpus, corpus_files):
    doc = _check(corpus_files[fmt])
    assert doc["input_errors"] == []
    assert doc["summary"]["records"] == len(corpus)
    errors = [
        (f["source"], f["rule"], f["attribute"])
        for f in doc["findings"]
        if f["severity"] == "error"
    ]
    assert errors == []


def test_legitimate_warnings_are_as_many_in_every_format(corpus, corpus_files):
    """About 8% of the corpus carries a legitimate warning; the format changes none of them."""
    counts = {}
    for fmt in FORMATS:
        doc = _check(corpus_files[fmt])
        counts[fmt] = sorted((f["record"], f["rule"], f["attribute"]) for f in doc["findings"])
    assert all(found == counts["jsonl"] for found in counts.values()), counts
    warned = {record for record, _rule, _attribute in counts["jsonl"]}
    assert 0.04 * len(corpus) < len(warned) < 0.15 * len(corpus)


def test_the_warnings_of_the_hand_picked_shapes(corpus):
    report = check_resources(corpus, Profile())
    by_value: dict[str, set[str]] = {}
    for _ref, finding in report.findings:
        by_value.setdefault(str(finding.value), set()).add(finding.rule)
    assert by_value["Nguye\u0302\u0303n"] == {"not-normalized"}
    assert by_value["山田\u3000太郎"] == {"unusual-space"}
    assert by_value["최 \ufa19\uc218"] == {"not-normalized"}
    assert "Siobhán O\u2019Brien" not in by_value
    assert "محمد\u200cرضا" not in by_value
    assert "Ada \U0001f469\u200d\U0001f4bb" not in by_value


def test_not_normalized_says_what_differs():
    users = [
        {"userName": "a", "displayName": "Nguye\u0302\u0303n"},
        {"userName": "b", "displayName": "\ufa19"},
        {"userName": "c", "displayName": "\u0959"},
    ]
    messages = [
        f.message
        for _ref, f in check_resources(users, Profile()).findings
        if f.rule == "not-normalized"
    ]
    assert "decomposed characters" in messages[0] and "NFC replaces" not in messages[0]
    assert "CJK compatibility ideograph" in messages[1]
    assert "composition exclusion" in messages[2]


def test_every_defect_is_flagged_with_its_documented_code_in_process():
    cases = [*defect_users(), surrogate_user()]
    cases += defect_groups()
    # `block`: the defect corpus asks for incomplete-address itself, not its omission
    report = check_resources([resource for _code, resource in cases], BLOCK)
    found: dict[int, set[str]] = {}
    for ref, finding in report.findings:
        found.setdefault(ref.record, set()).add(finding.rule)
    for record, (code, resource) in enumerate(cases, start=1):
        if code:
            assert code in found.get(record, set()), (code, resource)
        else:  # a letter, digit, punctuation or symbol: nothing to say
            assert found.get(record, set()) == set(), resource


def test_every_defect_is_flagged_with_its_documented_code_by_the_cli(tmp_path):
    cases = defect_users() + defect_groups()
    path = tmp_path / "defects.jsonl"
    path.write_text(
        "".join(json.dumps(resource, ensure_ascii=False) + "\n" for _c, resource in cases),
        encoding="utf-8",
    )
    doc = _check(path, "--incomplete-address", "block")
    assert doc["input_errors"] == []
    found: dict[int, set[str]] = {}
    for finding in doc["findings"]:
        found.setdefault(finding["record"], set()).add(finding["rule"])
    for record, (code, resource) in enumerate(cases, start=1):
        if code:
            assert code in found.get(record, set()), (code, resource)
        else:
            assert found.get(record, set()) == set(), resource


def test_confusable_duplicates_are_reported_on_every_record_involved():
    users = [
        {"userName": "jane@example.com", "displayName": "Jane"},
        {"userName": "j\u0430ne@example.com", "displayName": "Jane"},  # Cyrillic а
        {"userName": "ｊａｎｅ@example.com", "displayName": "Jane"},  # full width
        {"userName": "Nguye\u0302\u0303n@example.com", "displayName": "N"},
        {"userName": "Nguyễn@example.com", "displayName": "N"},
        {"userName": "rn@example.com", "displayName": "R"},  # two ASCII values: not compared
        {"userName": "m@example.com", "displayName": "M"},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Design"},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "D\u0435sign"},
    ]
    related = {
        ref.record: set(f.related)
        for ref, f in check_resources(users, Profile()).findings
        if f.rule == "confusable-duplicate"
    }
    assert related == {1: {2, 3}, 2: {1, 3}, 3: {1, 2}, 4: {5}, 5: {4}, 8: {9}, 9: {8}}
