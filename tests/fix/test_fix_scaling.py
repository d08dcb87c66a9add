"""fix is linear: a 20,000-user JSON array (non-ASCII names, one with a defect in 50) is fixed in
seconds. main at 2bfa366 recomputed every element's byte offset from the start of the file and
did not finish in 200 s; the bound here is 20x what this branch needs on a loaded 2-core VM."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

USERS = 20_000
BOUND = 30.0  # seconds of wall time for the whole command


def _users() -> list[dict]:  # type: ignore[type-arg]
    users = []
    for n in range(USERS):
        given = "Zoë" if n % 50 else "Zoë\u200b"
        users.append(
            {
                "userName": f"user{n}@corp.example",
                "name": {"givenName": given, "familyName": "Ørsted"},
                "displayName": f"Zoë Ørsted {n}",
                "emails": [{"value": f"user{n}@corp.example", "type": "work", "primary": True}],
            }
        )
    return users


@pytest.mark.parametrize("indent", [None, 2])
def test_a_big_json_array_is_fixed_in_linear_time(tmp_path: Path, indent) -> None:  # type: ignore[no-untyped-def]
    users = _users()
    source = tmp_path / "users.json"
    if indent is None:  # an element a line, as exports write them
        source.write_text(
            "[\n" + ",\n".join(json.dumps(u, ensure_ascii=False) for u in users) + "\n]\n"
        )
    else:
        source.write_text(json.dumps(users, indent=indent, ensure_ascii=False))
    output = tmp_path / "out.json"
    command = [sys.executable, "-c", "from scimguard.cli import main; main()",
               "fix", str(source), "-o", str(output)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, timeout=BOUND, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    fixed = json.loads(output.read_text())
    assert [u["name"]["givenName"] for u in fixed[:51:50]] == ["Zoë", "Zoë"]
    assert sum(u != f for u, f in zip(users, fixed, strict=True)) == USERS // 50
