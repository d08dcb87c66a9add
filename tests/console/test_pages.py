"""The console's pages over an engine database filled by a real `scimguard sync` into a real
emulator: what each page shows, the actions, and that no page shows a token."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess

import httpx
import pytest
from console_helpers import JANE, SAM, SCIMGUARD, ZWSP, add_admin, csrf_of, serving, sign_in

from scimguard.console.app import create_app
from scimguard.console.db import open_engine
from scimguard.console.sessions import COOKIE
from scimguard.sync import tasks as T


@pytest.fixture
def console(synced):
    add_admin(synced.db_url)
    with serving(create_app(synced.db_url)) as url, httpx.Client(base_url=url, timeout=60) as c:
        assert sign_in(c).status_code == 303
        yield c


def _task(db_url: str, display: str) -> T.Task:
    found = [t for t in T.list_tasks(open_engine(db_url)) if t.display == display]
    assert len(found) == 1, [t.display for t in T.list_tasks(open_engine(db_url))]
    return found[0]


def _row(html: str, task_id: int) -> str:
    match = re.search(rf'<tr id="task-{task_id}".*?</tr>', html, re.S)
    assert match, f"task {task_id} is not on the page"
    return match.group(0)


def test_tasks_page_shows_okta_message_and_diagnosis_with_hidden_character(console, synced):
    jane = _task(synced.db_url, JANE)
    sam = _task(synced.db_url, SAM)
    assert jane.state == "blocked" and "hidden-character" in jane.rules
    assert sam.state == "failed"
    html = console.get("/tasks").text
    row = _row(html, jane.id)
    assert f'name="id" value="{jane.id}"' in row  # a checkbox per row
    assert "Automatic provisioning of user jane@example.com to app AWS IAM Identity Center" in row
    assert "hidden-character" in row and "name.givenName" in row
    # the value, with its zero-width space spelled out, never raw
    assert 'Jane<mark class="hc" title="ZERO WIDTH SPACE">&lt;U+200B&gt;</mark>' in row
    assert ZWSP not in html
    failed = _row(html, sam.id)
    assert "Errors reported by remote server" in failed and sam.rule in failed


def test_tasks_filters_by_state_and_rule(console, synced):
    jane = _task(synced.db_url, JANE)
    sam = _task(synced.db_url, SAM)
    only_failed = console.get("/tasks", params={"state": "failed"}).text
    assert f'id="task-{sam.id}"' in only_failed and f'id="task-{jane.id}"' not in only_failed
    by_rule = console.get("/tasks", params={"state": "all", "rule": "hidden-character"}).text
    assert f'id="task-{jane.id}"' in by_rule and f'id="task-{sam.id}"' not in by_rule
    groups = console.get("/tasks", params={"kind": "group"}).text
    assert '<tr id="task-' not in groups and "No task here" in groups


def test_task_detail_shows_request_response_findings_and_fix(console, synced):
    jane = _task(synced.db_url, JANE)
    html = console.get(f"/tasks/{jane.id}").text
    assert "Request" in html and "(not sent)" in html
    assert '&#34;givenName&#34;: &#34;Jane<mark class="hc"' in html
    assert "Suggested value:" in html and '<code class="value">Jane</code>' in html
    assert "Fix:" in html
    sam = _task(synced.db_url, SAM)
    html = console.get(f"/tasks/{sam.id}").text
    assert f"<code>{sam.response['status']}</code>" in html
    assert "POST /Users" in html
    # the target named only the rule; the console points at the attribute in the request
    where = html.split("Where, in the request sent:")[1]
    assert '<code class="attr">title</code>' in where and "R&amp;D: lab" in where
    assert console.get("/tasks/999999").status_code == 404


def test_dashboard_counts_what_the_sync_did(console, synced):
    html = console.get("/").text
    provisioned = len(synced.target_users())
    assert re.search(rf'id="count-users">{provisioned}<', html)
    assert re.search(r'id="count-groups">1<', html)
    assert re.search(r'id="count-failed">1<', html)
    assert re.search(r'id="count-blocked">1<', html)
    assert "hidden-character" in html and "Last runs" in html
    run = T.last_run(open_engine(synced.db_url))
    assert f"#{run.id}" in html and run.status in html


def test_users_page_lists_and_searches_what_the_engine_provisioned(console, synced):
    html = console.get("/users").text
    for n in (1, 2, 3):
        assert f"user{n}@example.com" in html
    assert JANE not in html  # never provisioned: it is a task, not a user
    one = console.get("/users", params={"q": "USER2"}).text
    assert "user2@example.com" in one and "user1@example.com" not in one
    assert "1 user" in one
    groups = console.get("/groups").text
    assert "Engineering" in groups and "grp-eng" in groups and "s-active" in groups
    assert "No group here" in console.get("/groups", params={"q": "sales"}).text


def test_dismiss_selected(console, synced):
    sam = _task(synced.db_url, SAM)
    token = csrf_of(console.get("/tasks").text)
    r = console.post("/tasks/dismiss", data={"csrf_token": token, "id": [str(sam.id)]})
    assert r.status_code == 303
    html = console.get(r.headers["location"]).text
    assert "Dismissed 1 task." in html and f'id="task-{sam.id}"' not in html
    assert T.get_task(open_engine(synced.db_url), sam.id).state == "dismissed"


def test_retry_selected_after_fixing_the_source(console, synced):
    jane = _task(synced.db_url, JANE)
    token = csrf_of(console.get("/tasks").text)
    # not fixed yet: the retry says it is still blocked
    r = console.post("/tasks/retry", data={"csrf_token": token, "id": [str(jane.id)]})
    html = console.get(r.headers["location"]).text
    assert re.search(rf'class="outcome" data-task="{jane.id}">.*?s-blocked', html, re.S)
    assert JANE not in synced.target_users()
    synced.directory.set(JANE, name={"givenName": "Jane", "familyName": "Doe"})
    r = console.post("/tasks/retry", data={"csrf_token": token, "id": [str(jane.id)]})
    html = console.get(r.headers["location"]).text
    assert "Retried 1 task: 1 succeeded." in html
    assert re.search(rf'class="outcome" data-task="{jane.id}">.*?s-succeeded', html, re.S)
    assert synced.target_users()[JANE]["name"]["givenName"] == "Jane"
    assert T.get_task(open_engine(synced.db_url), jane.id).state == "succeeded"


def test_inspector_shows_every_code_point_and_the_verdict(console):
    html = console.get(
        "/inspector", params={"value": "Jane" + ZWSP, "attribute": "name.givenName"}
    ).text
    assert 'id="verdict">Refused' in html
    assert "U+200B" in html and "ZERO WIDTH SPACE" in html and "<code>Cf</code>" in html
    assert html.count('class="cp') == 5
    ok = console.get("/inspector", params={"value": "Jane", "attribute": "userName"}).text
    assert 'id="verdict">Accepted<' in ok
    long = console.get("/inspector", params={"value": "a" * 3000 + ZWSP}).text
    assert "3001 code points (the first 2000 listed below)" in long
    assert long.count('class="cp') == 2000 and 'id="verdict">Refused' in long
    nbsp = console.get("/inspector", params={"value": "Ana\u00a0Maria"}).text
    assert "Accepted, with warnings" in nbsp and "unusual-space" in nbsp


def test_check_upload_gives_the_cli_report_and_its_csv(console, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "userName,name.givenName,name.familyName,displayName\n"
        "ok@example.com,Ok,Person,Ok Person\n"
        f"jane@example.com,Jane{ZWSP},Doe,Jane Doe\n"
        "bob@example.com,Bob,,Bob\n",
        encoding="utf-8",
    )
    page = console.get("/check").text
    r = console.post(
        "/check",
        data={"csrf_token": csrf_of(page), "require_complete_address": "1"},
        files={"file": ("people.csv", path.read_bytes(), "text/csv")},
    )
    assert r.status_code == 200
    assert "2 of 3 records would be refused" in r.text
    assert "hidden-character" in r.text and "missing-required" in r.text
    link = re.search(r'href="(/check/[^"]+\.csv)"', r.text).group(1)
    download = console.get(link)
    assert download.headers["content-type"].startswith("text/csv")
    cli = subprocess.run(
        [SCIMGUARD, "check", "--format", "csv", "--excel", "people.csv"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert cli.returncode == 1
    assert download.content == cli.stdout  # the download is for a spreadsheet: as --excel
    assert download.content.startswith(b"\xef\xbb\xbfrecord,source,location,column,")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {r["rule"] for r in rows} >= {"hidden-character", "missing-required"}
    # the report belongs to the session that made it
    with httpx.Client(base_url=str(console.base_url)) as other:
        sign_in(other)
        assert other.get(link).status_code == 404
        assert other.get(link, follow_redirects=False).status_code == 404


def test_check_form_chooses_what_a_partial_address_does(console, tmp_path):
    text = (
        "login,firstName,lastName,displayName,email,city,countryCode\n"
        "ana@example.com,Ana,Ruiz,Ana Ruiz,ana@example.com,Madrid,ES\n"
    )
    page = console.get("/check").text
    assert 'name="incomplete_address"' in page

    def post(choice):
        data = {"csrf_token": csrf_of(page), "require_complete_address": "1"}
        if choice:
            data["incomplete_address"] = choice
        return console.post("/check", data=data, files={"file": ("okta.csv", text, "text/csv")})

    omitted, blocked = (post(None).text.split('id="report"', 1)[1], post("block").text)
    assert "address-omitted" in omitted and ">incomplete-address<" not in omitted
    assert "would be refused" not in omitted
    assert 'value="omit" selected' not in blocked and 'value="block" selected' in blocked
    blocked = blocked.split('id="report"', 1)[1]
    assert ">incomplete-address<" in blocked and "1 of 1 record would be refused" in blocked


def test_check_says_what_is_wrong_with_an_unreadable_upload(console):
    token = csrf_of(console.get("/check").text)
    r = console.post(
        "/check",
        data={"csrf_token": token, "input_format": "jsonl"},
        files={"file": ("broken.jsonl", b'{"userName": "a@example.com"\n\xff\xfe\n', "x")},
    )
    assert r.status_code == 200 and "Traceback" not in r.text
    assert "Input problems" in r.text and "broken.jsonl:1" in r.text
    assert "record not checked" in r.text
    r = console.post("/check", data={"csrf_token": token})
    assert r.status_code == 200 and "Choose a file to check." in r.text


def test_no_page_shows_a_token(console, synced):
    """Neither the target's bearer token, nor the session cookie, nor the cookie secret."""
    from sqlalchemy import select

    from scimguard.console.tables import settings

    with open_engine(synced.db_url).connect() as conn:
        secret = conn.execute(select(settings.c.value)).scalar_one()
    cookie = console.cookies[COOKIE]
    pages = ["/", "/tasks", "/tasks?state=all", "/users", "/groups", "/inspector?value=x", "/check"]
    pages += [f"/tasks/{t.id}" for t in T.list_tasks(open_engine(synced.db_url))]
    for page in pages:
        r = console.get(page)
        assert r.status_code == 200, page
        for secret_text in (synced.token, cookie, secret):
            assert secret_text not in r.text, page
        assert "Bearer" not in r.text, page
    # the task store itself never kept the token either
    stored = json.dumps([t.to_dict() for t in T.list_tasks(open_engine(synced.db_url))])
    assert synced.token not in stored


@pytest.mark.postgres
def test_tasks_retry_and_dismiss_with_the_engine_on_postgresql(synced_pg):
    """The same flow with the engine's and the console's tables in PostgreSQL."""
    add_admin(synced_pg.db_url)
    jane = _task(synced_pg.db_url, JANE)
    sam = _task(synced_pg.db_url, SAM)
    with serving(create_app(synced_pg.db_url)) as url, httpx.Client(base_url=url) as console:
        assert sign_in(console).status_code == 303
        html = console.get("/tasks", params={"rule": "hidden-character"}).text
        assert 'Jane<mark class="hc" title="ZERO WIDTH SPACE">&lt;U+200B&gt;</mark>' in html
        assert f'id="task-{sam.id}"' not in html
        token = csrf_of(html)
        synced_pg.directory.set(JANE, name={"givenName": "Jane", "familyName": "Doe"})
        r = console.post("/tasks/retry", data={"csrf_token": token, "id": [str(jane.id)]})
        assert "Retried 1 task: 1 succeeded." in console.get(r.headers["location"]).text
        r = console.post("/tasks/dismiss", data={"csrf_token": token, "id": [str(sam.id)]})
        assert "Dismissed 1 task." in console.get(r.headers["location"]).text
        assert re.search(r'id="count-users">4<', console.get("/").text)
    assert synced_pg.target_users()[JANE]["name"]["givenName"] == "Jane"


def test_a_line_break_in_a_message_is_layout_and_a_hidden_character_is_spelled_out():
    """As `tasks show` prints it (text.visible_lines): never `<U+000A>` for a line break."""
    from scimguard.console.display import show_message

    html = str(show_message(f"The target said:\nJane{ZWSP} is refused"))
    assert html.startswith('The target said:<br>Jane<mark class="hc" title="ZERO WIDTH SPACE">')
    assert "U+000A" not in html and "\n" not in html
    assert str(show_message("<b>")) == "&lt;b&gt;"  # still escaped


def test_a_profile_file_sets_the_check_pages_defaults(tmp_path):
    """`console --profile FILE` (what `scimguard probe` wrote): the Check form starts with it."""
    from scimguard.profile.file import switches_of_file

    profile = tmp_path / "tenant.toml"
    profile.write_text(
        "[switches]\nallow-legacy-characters = true\nrequire-complete-address = false\n"
    )
    db_url = f"sqlite:///{tmp_path / 'engine.db'}"
    add_admin(db_url)
    app = create_app(db_url, switches=switches_of_file(profile))
    with serving(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        sign_in(c)
        page = c.get("/check").text
    assert re.search(r'name="allow_legacy_characters" value="1" checked', page)
    assert not re.search(r'name="require_complete_address" value="1" checked', page)
    bad = tmp_path / "bad.toml"
    bad.write_text("[switches]\nallow-legacy = true\n")
    cli = subprocess.run(
        [SCIMGUARD, "console", "--state-db", db_url, "--profile", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 2 and "allow-legacy" in cli.stderr and "line 2" in cli.stderr
