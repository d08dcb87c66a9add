"""`serve` refuses exactly what `check` predicts, for every record of both corpora of
tests/corpora.py (real names from 26 locales; one record per category and per rule)."""

from __future__ import annotations

import httpx
import pytest

from corpora import defect_groups, defect_users, legitimate_users
from scimguard.check import check_resources
from scimguard.profile import BY_CODE, Profile, Severity, Switches, kind_of
from scimguard.server.testing import running_emulator

CROSS_RECORD = {"duplicate-username", "duplicate-email", "duplicate-external-id"}


@pytest.mark.slow
def test_serve_refuses_exactly_what_check_predicts_on_the_corpora(sqlite_url):
    records = (
        legitimate_users()
        + [user for _code, user in defect_users()]
        + [group for _code, group in defect_groups()]
    )
    predicted: dict[int, list[str]] = {n: [] for n in range(1, len(records) + 1)}
    # The emulator refuses a partial address as AWS does: predict what is sent as it is (block),
    # not what the engine would send after leaving the address out (omit, the default).
    as_sent = Profile(Switches(incomplete_address="block"))
    for ref, finding in check_resources(records, as_sent).findings:
        if finding.severity is Severity.ERROR:
            assert finding.rule not in CROSS_RECORD, (ref, finding)  # keys are distinct
            predicted[ref.record].append(finding.rule)
    refused = 0
    with running_emulator(sqlite_url, quotas=False) as emu:
        tenant, token = emu.create_tenant()
        base = emu.base_url(tenant)
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for number, record in enumerate(records, start=1):
                endpoint = "/Groups" if kind_of(record) == "group" else "/Users"
                response = client.post(base + endpoint, json=record)
                expected = list(dict.fromkeys(predicted[number]))
                if expected:
                    refused += 1
                    assert response.status_code == 400, (record, response.text)
                    assert response.headers["X-Scimguard-Rule"].split(",") == expected, record
                else:
                    assert response.status_code == 201, (record, response.text)
    defects = defect_users() + defect_groups()
    # every defect whose code is an error was refused, and no legitimate record was
    assert refused == sum(
        1 for code, _r in defects if code and BY_CODE[code].severity is Severity.ERROR
    )
