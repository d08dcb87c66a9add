"""Readers: every format, the Okta mapping, --mapping, empty cells, and broken input."""

from __future__ import annotations

import itertools
import json

import pytest

from scimguard.profile import ENTERPRISE_URN
from scimguard.records import (
    AttributeMapping,
    MappingError,
    UnusableInput,
    read_records,
)
from scimguard.records.inputs import detect_format
from scimguard.records.json_reader import read_json, read_jsonl

USER = {"userName": "jane@example.com", "name": {"givenName": "Jane", "familyName": "Doe"}}
GROUP = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Ops",
    "members": [{"value": "jane@example.com"}],
}


def read(path, **kwargs):
    stream = read_records([str(path)], **kwargs)
    records = list(stream)
    return records, stream.problems


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_json_array_with_line_numbers_and_kinds(tmp_path):
    text = "[\n" + ",\n".join(json.dumps(r) for r in (USER, GROUP, {"userName": "b"})) + "\n]\n"
    records, problems = read(write(tmp_path, "a.json", text))
    assert problems == []
    assert [(r.index, r.line, r.kind, r.key) for r in records] == [
        (1, 2, "user", "jane@example.com"),
        (2, 3, "group", "Ops"),
        (3, 4, "user", "b"),
    ]
    assert records[0].resource == USER


def test_pretty_printed_array_with_brackets_in_strings(tmp_path):
    data = [{"userName": "a]b{", "title": 'x "[" y'}, {"userName": "c", "x": [1, {"y": "}"}]}]
    records, problems = read(write(tmp_path, "a.json", json.dumps(data, indent=2)))
    assert problems == []
    assert [r.resource for r in records] == data
    assert [r.line for r in records] == [2, 6]


def test_list_response(tmp_path):
    doc = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 2,
        "Resources": [USER, GROUP],
    }
    records, problems = read(write(tmp_path, "page.json", json.dumps(doc, indent=1)))
    assert problems == []
    assert [r.kind for r in records] == ["user", "group"]
    assert records[1].resource == GROUP


def test_single_resource_document(tmp_path):
    records, problems = read(write(tmp_path, "one.json", json.dumps(USER, indent=2)))
    assert problems == [] and [r.resource for r in records] == [USER]


def test_jsonl_with_a_bad_line_reports_it_and_goes_on(tmp_path):
    text = json.dumps(USER) + "\n" + '{"userName": "broken\n' + "\n" + json.dumps(GROUP) + "\n"
    records, problems = read(write(tmp_path, "u.jsonl", text))
    assert [r.line for r in records] == [1, 4]
    assert [(p.line, p.skipped) for p in problems] == [(2, True)]
    assert "not valid JSON" in problems[0].message


def test_jsonl_line_that_is_not_an_object(tmp_path):
    records, problems = read(write(tmp_path, "u.jsonl", json.dumps(USER) + "\n42\n"))
    assert len(records) == 1
    assert problems[0].line == 2 and "not a JSON object" in problems[0].message


def test_undecodable_byte_in_jsonl(tmp_path):
    content = json.dumps(USER).encode() + b'\n{"userName": "j\xe9"}\n' + json.dumps(USER).encode()
    records, problems = read(write(tmp_path, "u.jsonl", content), encoding="utf-8")
    assert [r.line for r in records] == [1, 3]
    assert problems[0].line == 2 and "UTF-8" in problems[0].message
    # without --encoding, a file of ASCII and Latin letters is read as a Windows codepage
    records, problems = read(tmp_path / "u.jsonl")
    assert records[1].resource["userName"] == "j\u00e9" and problems == []


def test_bom_is_ignored_silently(tmp_path):
    """A UTF-8 BOM (Excel writes one) is no input problem (issue 15)."""
    path = write(tmp_path, "u.jsonl", b"\xef\xbb\xbf" + json.dumps(USER).encode())
    stream = read_records([str(path)])
    assert [r.resource for r in stream] == [USER]
    assert stream.problems == [] and stream.encodings == {}


def test_utf16_csv(tmp_path):
    content = "login,firstName,lastName\njosé@example.com,José,García\n".encode("utf-16")
    stream = read_records([str(write(tmp_path, "u.csv", content))])
    records = list(stream)
    assert records[0].resource["name"] == {"givenName": "José", "familyName": "García"}
    assert stream.problems == [] and list(stream.encodings.values()) == ["utf-16"]


def test_truncated_json_array(tmp_path):
    text = "[\n" + json.dumps(USER) + ",\n" + '{"userName": "cut'
    records, problems = read(write(tmp_path, "a.json", text))
    assert [r.resource for r in records] == [USER]
    assert problems and problems[-1].skipped


def test_broken_json_element_is_skipped(tmp_path):
    text = '[\n{"userName": "a"},\n{"userName": "b",},\n{"userName": "c"}\n]'
    records, problems = read(write(tmp_path, "a.json", text))
    assert [r.key for r in records] == ["a", "c"]
    assert problems[0].line == 3


def test_okta_csv_mapping(tmp_path):
    text = (
        "login,firstName,lastName,email,city,countryCode,primaryPhone,mobilePhone,department\n"
        "jane@example.com,Jane,Doe,jane@example.com,Berlin,DE,,+49 1,Sales\n"
    )
    [record], problems = read(write(tmp_path, "okta.csv", text))
    assert problems == []
    assert record.resource == {
        "userName": "jane@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": "jane@example.com", "type": "work", "primary": True}],
        "addresses": [{"locality": "Berlin", "country": "DE"}],
        "phoneNumbers": [{"value": "+49 1", "type": "mobile"}],
        ENTERPRISE_URN: {"department": "Sales"},
    }


def test_scim_path_csv_headers(tmp_path):
    text = (
        "userName,name.givenName,name.familyName,emails[0].value,emails[0].primary,"
        f"{ENTERPRISE_URN}:costCenter,{ENTERPRISE_URN}.division\n"
        "j@x.com,J,K,j@x.com,true,CC1,D1\n"
    )
    [record], _ = read(write(tmp_path, "scim.csv", text))
    assert record.resource == {
        "userName": "j@x.com",
        "name": {"givenName": "J", "familyName": "K"},
        "emails": [{"value": "j@x.com", "primary": True}],  # a cell's "true" is the boolean
        ENTERPRISE_URN: {"costCenter": "CC1", "division": "D1"},
    }


def test_empty_cells_absent_or_empty_string(tmp_path):
    path = write(tmp_path, "u.csv", "login,firstName,lastName,title\nj@x.com,J,,\n")
    [absent], _ = read(path)
    assert absent.resource == {"userName": "j@x.com", "name": {"givenName": "J"}}
    [empty], _ = read(path, empty_cells="empty-string")
    assert empty.resource == {
        "userName": "j@x.com",
        "name": {"givenName": "J", "familyName": ""},
        "title": "",
    }


def test_csv_wrong_field_count_and_bad_byte(tmp_path):
    content = (
        b"login,firstName,lastName\n"
        b"a@x.com,A,B\n"
        b"b@x.com,B\n"
        b"c@x.com,C\xe9,D\n"
        b'"d@x.com","D\nmulti",E\n'
        b"e@x.com,E,F\n"
    )
    records, problems = read(write(tmp_path, "u.csv", content), encoding="utf-8")
    assert [(r.line, r.key) for r in records] == [(2, "a@x.com"), (5, "d@x.com"), (7, "e@x.com")]
    assert [p.line for p in problems] == [3, 4]
    assert "2 fields" in problems[0].message and "0xE9" in problems[1].message


def test_semicolon_csv(tmp_path):
    [record], _ = read(write(tmp_path, "u.csv", "login;firstName;lastName\na@x.com;A;B\n"))
    assert record.resource["name"] == {"givenName": "A", "familyName": "B"}


def test_okta_export(tmp_path):
    export = [
        {
            "id": "00u1",
            "status": "SUSPENDED",
            "profile": {"login": "a@x.com", "firstName": "A", "lastName": None, "email": "a@x.com",
                        "secondEmail": None, "title": ""},
        },
        {"id": "00g1", "type": "OKTA_GROUP", "profile": {"name": "Ops", "description": "x"}},
    ]  # fmt: skip
    records, problems = read(write(tmp_path, "okta.json", json.dumps(export)))
    assert problems == []
    assert records[0].resource == {
        "userName": "a@x.com",
        "name": {"givenName": "A"},
        "emails": [{"value": "a@x.com", "type": "work", "primary": True}],
        "title": "",
        "externalId": "00u1",
        "active": False,
    }
    assert records[1].kind == "group"
    assert records[1].resource == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Ops",
        "externalId": "00g1",
    }


def test_mapping_file_overrides_targets(tmp_path):
    mapping = write(
        tmp_path,
        "m.toml",
        'userName = "email"\ndisplayName = "{firstName} {lastName}"\ntitle = ""\n'
        f'"{ENTERPRISE_URN}:costCenter" = "cc"\n',
    )
    loaded = AttributeMapping.load(mapping)
    csv_path = write(
        tmp_path, "u.csv", "login,email,firstName,lastName,title,cc\nL,e@x.com,A,B,T,9\n"
    )
    [record], _ = read(csv_path, mapping=loaded)
    assert record.resource["userName"] == "e@x.com"
    assert record.resource["displayName"] == "A B"
    assert "title" not in record.resource
    assert record.resource[ENTERPRISE_URN] == {"costCenter": "9"}


def test_bad_mapping_files(tmp_path):
    with pytest.raises(MappingError, match="not valid TOML"):
        AttributeMapping.load(write(tmp_path, "bad.toml", "userName = \n"))
    with pytest.raises(MappingError, match="not a SCIM attribute path"):
        AttributeMapping.load(write(tmp_path, "bad2.toml", '"emails[x].value" = "email"\n'))
    with pytest.raises(MappingError, match="must be a string"):
        AttributeMapping.load(write(tmp_path, "bad3.toml", "userName = 3\n"))


def test_missing_path_and_empty_directory(tmp_path):
    with pytest.raises(UnusableInput, match="no such file"):
        read_records([str(tmp_path / "nope.json")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UnusableInput, match="no input file"):
        read_records([str(tmp_path / "empty")])


def test_directory_reads_files_in_order_and_numbers_across_inputs(tmp_path):
    write(tmp_path, "b.jsonl", json.dumps(USER) + "\n")
    write(tmp_path, "a.csv", "login,firstName,lastName\nx@x.com,X,Y\n")
    write(tmp_path, "notes.txt", "not an input")
    records, _ = read(tmp_path)
    assert [(r.index, r.file.rsplit("/", 1)[-1], r.line) for r in records] == [
        (1, "a.csv", 2),
        (2, "b.jsonl", 1),
    ]


@pytest.mark.parametrize(
    "head,expected",
    [
        (b'[{"a": 1}]', "json"),
        (b'  \n[\n{"a": 1}\n]', "json"),
        (b'{"a": 1}\n{"a": 2}\n', "jsonl"),
        (b'{"a": 1}', "jsonl"),
        (b'{\n  "Resources": []\n}\n', "json"),
        (b"login,firstName\n", "csv"),
        (b'{"userName": "broken\n{"userName": "b"}\n', "jsonl"),
        (b'{"schemas": ["x"],\n  "Resources": []}\n', "json"),
    ],
)
def test_detect_format(head, expected):
    assert detect_format(head) == expected


def test_readers_stream(tmp_path):
    """Records come out before the input ends: nothing reads a whole file first."""

    def endless_array():
        yield b"[\n"
        for n in itertools.count():
            yield json.dumps({"userName": f"u{n}"}).encode() + b",\n"

    def endless_lines():
        for n in itertools.count():
            yield json.dumps({"userName": f"u{n}"}).encode() + b"\n"

    def problem(*args):
        raise AssertionError(args)

    first = list(itertools.islice(read_json(endless_array(), problem), 3))
    assert [obj["userName"] for _, obj in first] == ["u0", "u1", "u2"]
    first = list(itertools.islice(read_jsonl(endless_lines(), problem), 3))
    assert [line for line, _ in first] == [1, 2, 3]


def test_problems_are_capped_but_counted(tmp_path):
    write(tmp_path, "bad.jsonl", "{broken\n" * 1500)
    stream = read_records([str(tmp_path / "bad.jsonl")])
    assert list(stream) == []
    assert stream.problem_count == 1500 and stream.skipped == 1500
    assert len(stream.problems) == 1000


def test_okta_input_format_as_json_lines(tmp_path):
    lines = [
        {"id": "00u1", "status": "ACTIVE", "profile": {"login": "a@x.com", "firstName": "A"}},
        {"id": "00u2", "status": "DEPROVISIONED", "profile": {"login": "b@x.com"}},
    ]
    path = write(tmp_path, "okta.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    records, problems = read(path, input_format="okta")
    assert problems == []
    assert [(r.line, r.resource["externalId"], r.resource["active"]) for r in records] == [
        (1, "00u1", True),
        (2, "00u2", False),
    ]


def test_list_response_on_one_line_of_json_lines(tmp_path):
    page = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "Resources": [USER, GROUP],
    }
    path = write(tmp_path, "pages.jsonl", json.dumps(page) + "\n" + json.dumps(page) + "\n")
    records, _ = read(path)
    assert [(r.index, r.line, r.kind) for r in records] == [
        (1, 1, "user"),
        (2, 1, "group"),
        (3, 2, "user"),
        (4, 2, "group"),
    ]


def test_set_path_drops_unfilled_list_slots():
    from scimguard.records.paths import compact, parse_path, set_path

    resource: dict = {}
    set_path(resource, parse_path("phoneNumbers[1].value"), "+1 555")
    set_path(resource, parse_path("emails[0].value"), "a@x.com")
    set_path(resource, parse_path(f"{ENTERPRISE_URN}.manager.value"), "m1")
    assert compact(resource) == {
        "phoneNumbers": [{"value": "+1 555"}],
        "emails": [{"value": "a@x.com"}],
        ENTERPRISE_URN: {"manager": {"value": "m1"}},
    }


def test_array_elements_that_are_not_objects_are_reported(tmp_path):
    text = '[\n{"userName": "a"},\n42,\n"text",\n{"userName": "b"},\n[1, 2]\n]\n'
    records, problems = read(write(tmp_path, "a.json", text))
    assert [r.key for r in records] == ["a", "b"]
    assert [p.line for p in problems] == [3, 6]
    assert all("not a JSON object" in p.message and p.skipped for p in problems)
    assert "42" in problems[0].message and "text" in problems[0].message


@pytest.mark.parametrize("screened", [False, True], ids=["plain", "screened"])
def test_list_response_whose_key_is_written_with_escapes(tmp_path, screened):
    """`"R\\u0065sources"` is the key `Resources`: its records are read, not silently lost."""
    from scimguard.profile.screen import make_screens
    from scimguard.records.model import ScreenedUsers

    users = [{**USER, "userName": f"u{n}@example.com"} for n in range(3)]
    body = ",\n".join(json.dumps(user) for user in users)
    text = (
        '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],\n'
        f'"totalResults": 3,\n"R\\u0065sources": [\n{body}\n]\n}}\n'
    )
    stream = read_records([str(write(tmp_path, "page.json", text))])
    keys: list[str] = []
    lines: list[int] = []
    for item in stream.screened(make_screens()) if screened else stream:
        if isinstance(item, ScreenedUsers):
            keys += list(item.keys)
            lines += list(item.lines or [])
        else:
            keys.append(item.key)
            lines.append(item.line)
    assert stream.problems == []
    assert keys == [user["userName"] for user in users]
    assert lines == [4, 5, 6]  # each element's own line, as for a plain key


def test_truncated_json_line_names_the_column_on_its_line(tmp_path):
    records, problems = read(write(tmp_path, "u.jsonl", '{"userName": "a"}\n{"a":\n'))
    assert len(records) == 1
    assert [(p.line, p.message) for p in problems] == [
        (2, "not valid JSON (unexpected end of data at column 6)")
    ]


def test_broken_structure_names_the_bracket_as_written(tmp_path):
    records, problems = read(write(tmp_path, "u.json", '{\n "userName": "a",\n "x": [1,\n}\n'))
    assert records == []
    assert [(p.line, p.message) for p in problems] == [
        (4, "the JSON structure is broken here (unexpected `}`)")
    ]
