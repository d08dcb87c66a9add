"""Sample inputs for `scimguard fix` in every format, and helpers to look at results."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from scimguard.records import read_records

ZWSP = "\u200b"
NBSP = "\u00a0"

# An Okta-style CSV: a hidden character, blank values, a colon, a missing last name, a
# decomposed accent, a row that is fine, a quoted field with a newline, CRLF endings.
CSV_ROWS = [
    ["login", "firstName", "lastName", "email", "displayName", "title", "department"],
    ["jane@x.com", f"Jane{ZWSP}", "Doe", "jane@x.com", "Jane Doe", " Boss ", "Eng"],
    ["bob@x.com", "Bob", "", "bob@x.com", "Bob B", "Head: Ops", "Ops"],
    ["rene@x.com", "Rene\u0301", "Dupont", "rene@x.com", "Rene Dupont", "Chef", "R&D"],
    # a quoted field; a newline is a hidden-character in a title since the second edition
    ["ok@x.com", "Ok", "Fine", "ok@x.com", "Ok Fine", "Note, with comma", "QA"],
    ["amy@x.com", f"Amy{NBSP}Lee", "Lee", "amy@x.com", "Amy Lee", "", "Sales"],
]


def csv_bytes(
    rows: list[list[str]], delimiter: str = ",", ending: str = "\r\n", quote_all: bool = False
) -> bytes:
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(buffer, delimiter=delimiter, lineterminator=ending, quoting=quoting).writerows(rows)
    return buffer.getvalue().encode()


USERS: list[dict[str, Any]] = [
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jane@x.com",
        "name": {"givenName": f"Jane{ZWSP}", "familyName": "Doe"},
        "displayName": "Jane Doe",
        "emails": [
            {"value": "jane@x.com", "type": "work", "primary": True},
            {"value": "jane@home.example", "type": "home"},
        ],
        "x-custom": {"keep": [1, 2.5, None]},
    },
    {
        "userName": "bob@x.com",
        "externalId": "00u1",
        "name": {"givenName": "Bob", "familyName": "B"},
        "emails": [{"value": "bob@x.com", "display": "Bob", "primary": True}],
        "password": "secret",
        "title": "a: b",
    },
    {
        "userName": "carl@x.com",
        "name": {"givenName": "Carl", "familyName": ""},
        "displayName": "Carl",
        "addresses": [{"streetAddress": "1 Main St", "locality": "Town"}],
    },
    {
        "userName": "dee@x.com",
        "name": {"givenName": "Dee", "familyName": "Ok"},
        "displayName": "Dee Ok",
        "title": f"Lead{NBSP}Dev",
    },
]


def json_bytes(resources: list[dict[str, Any]], indent: int | None = 2) -> bytes:
    return json.dumps(resources, indent=indent, ensure_ascii=False).encode() + b"\n"


def jsonl_bytes(resources: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in resources)


def okta_bytes() -> bytes:
    objects = [
        {
            "id": "00u1",
            "status": "ACTIVE",
            "created": "2024-01-01T00:00:00.000Z",
            "profile": {
                "login": "jane@x.com",
                "firstName": f"Jane{ZWSP}",
                "lastName": "Doe",
                "email": "jane@x.com",
                "displayName": "Jane Doe",
                "title": "Boss ",
                "favouriteColour": "blue",
            },
        },
        {
            "id": "00u2",
            "status": "SUSPENDED",
            "profile": {
                "login": "kim@x.com",
                "firstName": "Kim",
                "lastName": "Park",
                "email": "kim@x.com",
                "title": "x;y",
            },
        },
    ]
    return json.dumps(objects, indent=4).encode()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def resources(path: Path, **options: Any) -> list[dict[str, Any]]:
    return [r.resource for r in read_records([str(path)], **options)]


def check_findings(run, path: Path, *extra: str) -> set[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    """(record, rule, attribute) of every finding `scimguard check` reports for a file."""
    result = run("check", "--format", "json", *extra, path)
    assert result.exit_code in (0, 1), result.output
    document = json.loads(result.stdout)
    return {(f["record"], f["rule"], f["attribute"]) for f in document["findings"]}
