"""`sync` reads what `check` reads: console exports and files in other encodings (issue 15)."""

from __future__ import annotations

import json

from sync_helpers import run_cli

GOOGLE = (
    "First Name [Required],Last Name [Required],Email Address [Required],Password [Required],"
    "Org Unit Path [Required],Work Phone,Employee ID,Status [READ ONLY]\r\n"
    "Søren,Ørsted,soren@example.com,****,/,+45 5550 0100,E1,Active\r\n"
    "José,García,jose@example.com,****,/,,E2,Active\r\n"
)


def test_a_windows_1252_google_export_is_provisioned_with_its_letters(target, engine_db, tmp_path):
    path = tmp_path / "google.csv"
    path.write_bytes(GOOGLE.encode("cp1252"))
    args = ["sync", str(path), "--target", target.url, "--encoding", "windows-1252"]
    result = run_cli(args, target.token, engine_db)
    assert result.returncode == 0, result.stderr
    users = {u["userName"]: u for u in target.users()}
    assert set(users) == {"soren@example.com", "jose@example.com"}
    assert users["soren@example.com"]["name"]["familyName"] == "Ørsted"
    assert users["soren@example.com"]["displayName"] == "Søren Ørsted"
    assert users["jose@example.com"]["emails"][0]["value"] == "jose@example.com"
    # detected without the option too, and the second run changes nothing
    again = run_cli(["sync", str(path), "--target", target.url, "--json"], target.token, engine_db)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["unchanged"] == 2
