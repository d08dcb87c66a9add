"""The console's task pages name where each record is in its source, as `tasks show` does
(issue 15): file and row with the column behind the SCIM path for a CSV, file and line for
JSON lines; over a real sync into a real emulator, the console under uvicorn."""

from __future__ import annotations

import os
import re
import subprocess

import httpx
from console_helpers import JANE, SAM, SCIMGUARD, add_admin, serving, sign_in

from scimguard.console.app import create_app
from scimguard.console.db import open_engine
from scimguard.server.testing import running_emulator
from scimguard.sync import tasks as T


def _task(db_url: str, display: str) -> T.Task:
    (found,) = [t for t in T.list_tasks(open_engine(db_url)) if t.display == display]
    return found


def _page(db_url: str, path: str) -> str:
    add_admin(db_url)
    with serving(create_app(db_url)) as url, httpx.Client(base_url=url, timeout=60) as client:
        assert sign_in(client).status_code == 303
        response = client.get(path)
        assert response.status_code == 200, response.text
        return response.text


def test_task_pages_name_file_and_line_of_a_json_lines_source(synced):
    source = synced.directory.path.resolve()
    jane = _task(synced.db_url, JANE)
    add_admin(synced.db_url)
    with serving(create_app(synced.db_url)) as url, httpx.Client(base_url=url, timeout=60) as c:
        assert sign_in(c).status_code == 303
        html = c.get(f"/tasks/{jane.id}").text
        # Jane is the 4th line of users.jsonl; JSON has no column to name
        assert f'<dt>Source</dt><dd class="break"><code class="source">{source}:4</code>' in html
        where = html.split("<h2>Diagnosis</h2>")[1]
        assert re.search(
            rf'<code class="attr">name.givenName</code>.*?at <code>{re.escape(str(source))}:4'
            r"</code>",
            where,
            re.S,
        )
        sam = _task(synced.db_url, SAM)
        html = c.get(f"/tasks/{sam.id}").text
        located = html.split("Where, in the request sent:")[1]
        assert re.search(
            rf'<code class="attr">title</code>.*?at <code>{re.escape(str(source))}:5</code>',
            located,
            re.S,
        )
        listing = c.get("/tasks").text
        assert f"at <code>{source}:4</code>" in listing and f"at <code>{source}:5</code>" in listing


def test_task_page_names_row_and_column_of_a_csv_source(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'engine.db'}"
    people = tmp_path / "people.csv"  # Okta's People export: its own column names
    people.write_text(
        "Username,First name,Last name,Display name,Primary email\n"
        "ada@example.com,Ada,Lovelace,Ada Lovelace,ada@example.com\n"
        "bob@example.com,Bob,Smith\u200b,Bob Smith,bob@example.com\n",
        encoding="utf-8",
    )
    with running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        result = subprocess.run(
            [SCIMGUARD, "sync", str(people), "--target", emu.base_url(tenant)],
            env={**os.environ, "SCIMGUARD_DB": db_url, "SCIMGUARD_TARGET_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 1, result.stdout + result.stderr
    bob = _task(db_url, "bob@example.com")
    html = _page(db_url, f"/tasks/{bob.id}")
    place = f"{people.resolve()}:3"
    assert f'<code class="source">{place}</code>' in html
    # the column as the export names it, beside the SCIM path
    assert re.search(
        rf'<code class="attr">name.familyName</code>.*?at <code>{re.escape(place)} \(Last name\)'
        r"</code>",
        html,
        re.S,
    )
