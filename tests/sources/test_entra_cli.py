"""`scimguard check --entra-tenant` and `sync --entra-tenant`, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from entra_helpers import fake_tenant, fill

from scimguard.server.testing import running_emulator


def run(args: list[str], fake, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full = {
        **os.environ,
        "SSL_CERT_FILE": str(fake.cert_path),
        "REQUESTS_CA_BUNDLE": str(fake.cert_path),
        "ENTRA_CLIENT_ID": fake.client_id,
        "ENTRA_CLIENT_SECRET": fake.secret,
        "ENTRA_GRAPH_URL": fake.graph_url,
        "ENTRA_AUTHORITY_URL": fake.url,
        "SCIMGUARD_STATE_DB": f"sqlite:///{tmp_path / 'engine.db'}",
        **env,
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("scimguard")), *args],
        capture_output=True,
        text=True,
        env={k: v for k, v in full.items() if v != ""},
        timeout=240,
    )


@pytest.fixture
def tenant(tmp_path, monkeypatch):
    with fake_tenant(tmp_path, monkeypatch, page_size=10) as fake:
        fill(fake, 25, groups=2)
        fake.users["u-00003"]["surname"] = "Doe\u200b"  # a hidden character
        yield fake


def test_check_reads_a_live_directory_and_reports_its_findings(tenant, tmp_path):
    result = run(["check", "--entra-tenant", tenant.tenant, "--format", "json"], tenant, tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["users"] == 25 and report["summary"]["groups"] == 2
    hidden = [f for f in report["findings"] if f["rule"] == "hidden-character"]
    assert [(f["key"], f["attribute"]) for f in hidden] == [
        ("user3@contoso.example", "name.familyName")
    ]
    assert "25 users read" in result.stderr  # progress on stderr
    assert not tenant.graph_requests("/v1.0/users/delta")  # check keeps no cursor


def test_check_of_a_partial_read_says_so_and_fails(tenant, tmp_path):
    tenant.fail_users_page = 2
    result = run(["check", "--entra-tenant", tenant.tenant, "--format", "json"], tenant, tmp_path)
    assert result.returncode == 1
    assert "source problem: Microsoft Graph failed on GET /v1.0/users after" in result.stderr
    assert "serviceNotAvailable" in result.stderr
    report = json.loads(result.stdout)  # the JSON report lists it too, as a CI job reads it
    (problem,) = report["input_errors"]
    assert "serviceNotAvailable" in problem["message"] and problem["skipped"] is True
    assert problem["source"] == "Entra ID tenant " + tenant.tenant


def test_sync_provisions_the_tenant_and_files_the_defective_as_a_task(tenant, tmp_path):
    with running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as emu:
        scim_tenant, token = emu.create_tenant()
        args = ["sync", "--entra-tenant", tenant.tenant, "--target", emu.base_url(scim_tenant)]
        result = run([*args, "--json"], tenant, tmp_path, SCIMGUARD_TARGET_TOKEN=token)
        assert result.returncode == 1, result.stderr  # 1: some records are tasks
        summary = json.loads(result.stdout)
        assert summary["created"] == 24 + 2 and summary["blocked"] == 1
        assert "source problem" not in result.stderr
        assert "Entra: 25 users read" in result.stderr  # progress on stderr
        tenant.requests.clear()
        again = run([*args, "--json"], tenant, tmp_path, SCIMGUARD_TARGET_TOKEN=token)
        assert json.loads(again.stdout)["created"] == 0
        assert [r.split("?", 1)[0] for r in tenant.requests] == [
            "/v1.0/users/delta",
            "/v1.0/groups/delta",
        ]


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"ENTRA_CLIENT_ID": ""}, "--entra-client-id ID or ENTRA_CLIENT_ID"),
        ({"ENTRA_CLIENT_SECRET": ""}, "ENTRA_CLIENT_SECRET, or the path"),
    ],
)
def test_missing_settings_are_usage_errors(tenant, tmp_path, env, said):
    result = run(["check", "--entra-tenant", tenant.tenant], tenant, tmp_path, **env)
    assert result.returncode == 2
    assert said in result.stderr and "Traceback" not in result.stderr


def test_paths_and_a_tenant_together_are_refused(tenant, tmp_path):
    result = run(["check", "--entra-tenant", tenant.tenant, "users.csv"], tenant, tmp_path)
    assert result.returncode == 2 and "not both" in result.stderr
