"""The multi-process check writes exactly the report of the serial one."""

from __future__ import annotations

import io
import json

from scimguard.check import JsonReport, run_check
from scimguard.check_parallel import run_check_parallel
from scimguard.profile import Profile, Switches
from scimguard.records import read_records


def _lines():
    for n in range(1, 3001):
        user = {
            "userName": f"user{n}@example.com",
            "name": {"givenName": "José" if n % 7 == 0 else "Jane", "familyName": "Doe"},
            "displayName": f"Jane Doe {n}",
            "emails": [{"value": f"user{n}@example.com", "primary": True}],
            "externalId": f"ext-{n}",
        }
        if n % 50 == 0:
            user["name"]["givenName"] = "Jane\u200b"
        if n % 97 == 0:
            user["userName"] = "USER1@example.com"  # duplicates record 1
        if n % 113 == 0:
            user["title"] = "Sales: EMEA"
        yield json.dumps(user, ensure_ascii=False)
        if n % 400 == 0:
            yield "{broken"
            yield '{"userName": "cut short",'  # truncated: the message must not depend on the path
        if n % 900 == 0:
            yield json.dumps({"displayName": f"Group {n}", "members": [{"value": f"ext-{n}"}]})
        if n % 1000 == 0:
            okta = {"id": f"00u{n}", "status": "ACTIVE", "profile": {"login": f"okta{n}@x.com"}}
            yield json.dumps(okta)


def test_parallel_report_is_identical(tmp_path, monkeypatch):
    from scimguard import check_parallel

    monkeypatch.setattr(check_parallel, "CHUNK_BYTES", 4096)  # many chunks, lines across them
    path = tmp_path / "users.jsonl"
    path.write_text("\n".join(_lines()) + "\n", encoding="utf-8")
    profile = Profile(Switches())
    serial_out, parallel_out = io.BytesIO(), io.BytesIO()
    serial = run_check(read_records([str(path)]), profile, JsonReport(serial_out))
    parallel = run_check_parallel(
        read_records([str(path)]), profile, JsonReport(parallel_out), workers=2
    )
    assert parallel == serial
    assert parallel_out.getvalue() == serial_out.getvalue()
    doc = json.loads(parallel_out.getvalue())
    assert doc["summary"]["groups"] == 3 and len(doc["input_errors"]) == 14
    assert {f["rule"] for f in doc["findings"]} >= {
        "hidden-character",
        "duplicate-username",
        "forbidden-character",
        "missing-required",
    }
