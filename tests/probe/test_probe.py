"""`scimguard probe` against the emulator started with each combination of its switches.

The probe must recover exactly the switches the emulator runs with, leave no user behind
(also after a SIGKILL and `--cleanup`), stop at a 401, and write a profile file that
`check` accepts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from scimguard.cli import main
from scimguard.profile.file import load_profile_file
from scimguard.server.testing import running_emulator

PREFIX = "scimguard-probe-test"


def users_of(base_url: str, token: str) -> list[dict]:
    r = httpx.get(f"{base_url}/Users?count=100", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return r.json()["Resources"]


def probe(tmp_path: Path, url: str, token: str, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "probe",
            "--target",
            url,
            "--state-db",
            f"sqlite:///{tmp_path / 'engine.db'}",
            "--rate-writes",
            "1000",
            "--rate-reads",
            "1000",
            *args,
        ],
        env={"SCIMGUARD_TARGET_TOKEN": token},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("detail", ["generic", "specific"])
@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("complete", [True, False])
def test_the_probe_recovers_the_emulators_switches_and_leaves_nothing(
    tmp_path, detail, legacy, complete
):
    switches = {"allow_legacy_characters": legacy, "require_complete_address": complete}
    with running_emulator(
        f"sqlite:///{tmp_path / 'emu.db'}", quotas=False, detail=detail, switches=switches
    ) as emu:
        tenant, token = emu.create_tenant()
        url = emu.base_url(tenant)
        profile_path = tmp_path / "tenant.toml"
        code, out, _err = probe(
            tmp_path,
            url,
            token,
            "--i-understand-this-writes",
            "--prefix",
            PREFIX,
            "--write-profile",
            str(profile_path),
            "--format",
            "json",
        )
        report = json.loads(out)
        assert report["switches"]["allow_legacy_characters"] is legacy
        assert report["switches"]["require_complete_address"] is complete
        assert report["left_behind"] == [] and report["stopped"] is None
        assert users_of(url, token) == []
        saved = load_profile_file(profile_path)
        assert saved["allow_legacy_characters"] is legacy
        assert saved["require_complete_address"] is complete
        control = next(p for p in report["probes"] if p["id"] == "control")
        assert control["tenant"]["refused"] is False and control["agrees"] is True
        # The defaults are the strict readings: the run differs exactly when a switch is lenient.
        differs = set(report["differences"])
        assert any(d.startswith("legacy-") for d in differs) == legacy
        assert ("address-partial" in differs) == (not complete)
        assert code == (1 if differs else 0)
        if detail == "specific":
            partial = next(p for p in report["probes"] if p["id"] == "address-partial")
            if complete:  # the emulator names the rule it applied
                assert "address" in json.dumps(partial["evidence"][-1]["body"]).lower()


def test_the_written_profile_makes_check_agree_with_the_tenant(tmp_path):
    with running_emulator(
        f"sqlite:///{tmp_path / 'emu.db'}",
        quotas=False,
        switches={"allow_legacy_characters": True, "require_complete_address": True},
    ) as emu:
        tenant, token = emu.create_tenant()
        profile_path = tmp_path / "tenant.toml"
        probe(
            tmp_path,
            emu.base_url(tenant),
            token,
            "--i-understand-this-writes",
            "--write-profile",
            str(profile_path),
        )
    users = tmp_path / "users.jsonl"
    users.write_text(
        json.dumps(
            {
                "userName": "ana",
                "displayName": "Ops: Ana",
                "name": {"givenName": "Ana", "familyName": "B"},
            }
        )
        + "\n"
    )
    runner = CliRunner()
    strict = runner.invoke(main, ["check", str(users)])
    calibrated = runner.invoke(main, ["check", str(users), "--profile", str(profile_path)])
    assert strict.exit_code == 1 and "forbidden-character" in strict.stdout
    assert calibrated.exit_code == 0, calibrated.stdout
    # an option on the command line still wins over the file
    overridden = runner.invoke(
        main, ["check", str(users), "--profile", str(profile_path), "--no-allow-legacy-characters"]
    )
    assert overridden.exit_code in (1, 2)


def test_a_bad_profile_file_names_its_line_and_key(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text("[switches]\nallow-legacy-characters = true\nrequire-complete-adress = false\n")
    users = tmp_path / "u.jsonl"
    users.write_text("{}\n")
    result = CliRunner().invoke(main, ["check", str(users), "--profile", str(bad)])
    assert result.exit_code == 2
    assert "line 3" in result.stderr and "require-complete-adress" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_probe_refuses_to_write_without_consent_or_with_a_risky_prefix(tmp_path):
    with running_emulator(f"sqlite:///{tmp_path / 'emu.db'}", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        url = emu.base_url(tenant)
        code, _out, err = probe(tmp_path, url, token)
        assert code == 2 and "--i-understand-this-writes" in err
        code, _out, err = probe(
            tmp_path, url, token, "--i-understand-this-writes", "--prefix", "jane"
        )
        assert code == 2 and "prefix" in err
        assert users_of(url, token) == []


def test_a_401_stops_the_probe_at_once(tmp_path):
    with running_emulator(f"sqlite:///{tmp_path / 'emu.db'}", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        code, out, _err = probe(
            tmp_path,
            emu.base_url(tenant),
            "wrong-token",
            "--i-understand-this-writes",
            "--format",
            "json",
        )
        report = json.loads(out)
        assert code == 3 and "401" in report["stopped"]
        assert len(report["probes"]) == 1  # no second request after the refusal
        assert users_of(emu.base_url(tenant), token) == []


def test_cleanup_removes_what_a_killed_probe_left_behind(tmp_path):
    with running_emulator(f"sqlite:///{tmp_path / 'emu.db'}", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        url = emu.base_url(tenant)
        state = f"sqlite:///{tmp_path / 'engine.db'}"
        env = {
            **os.environ,
            "SCIMGUARD_TARGET_TOKEN": token,
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from scimguard.cli import main; main()",
                "probe",
                "--target",
                url,
                "--state-db",
                state,
                "--i-understand-this-writes",
                "--rate-writes",
                "2",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(users_of(url, token)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert len(users_of(url, token)) >= 3  # the kill left users behind
        code, out, _err = probe(tmp_path, url, token, "--cleanup")
        assert code == 0 and "Nothing left behind" in out
        assert users_of(url, token) == []
