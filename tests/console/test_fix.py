"""*Apply suggested fix* over HTTP: a blocked task's record fixed at its source (a local fake
of Okta's Users API, or a CSV file), then retried, in one step; every refusal leaves the task
open with the reason shown and nothing half-applied."""

from __future__ import annotations

import html as htmllib
import json
import re
import subprocess
from urllib.parse import urlencode

import httpx
import pytest
from console_helpers import SCIMGUARD, ZWSP, add_admin, csrf_of, serving, sign_in
from fix_helpers import CSV_HEADER, JANE_OKTA, OKTA_READ_ONLY, csv_bytes, csv_loop, okta_loop

from scimguard.console.app import create_app
from scimguard.console.db import open_engine
from scimguard.sync import tasks as T

pytestmark = pytest.mark.slow


def _console(loop):
    add_admin(loop.db_url)
    return serving(create_app(loop.db_url))


def _task(db_url: str, display: str) -> T.Task:
    (task,) = [t for t in T.list_tasks(open_engine(db_url)) if t.display == display]
    return task


def form_of(page: str) -> list[tuple[str, str]]:
    """The fields a browser would send from the fix form as it stands (ticked boxes only)."""
    form = re.search(
        r'<form method="post" action="/tasks/fix" id="fix-form">(.*?)</form>', page, re.S
    )
    assert form, "no fix form on the page"
    fields = []
    for tag in re.findall(r"<input[^>]*>", form.group(1)):
        name = re.search(r'name="([^"]*)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) == "checkbox" and " checked" not in tag:
            continue
        fields.append(
            (htmllib.unescape(name.group(1)), htmllib.unescape(value.group(1) if value else ""))
        )
    return fields


def post(c: httpx.Client, url: str, fields: list[tuple[str, str]]) -> httpx.Response:
    """POST fields in order, repeated names kept (as a browser sends a form)."""
    body = urlencode(fields)
    return c.post(url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def _flash(c: httpx.Client, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return c.get(response.headers["location"]).text


@pytest.fixture
def okta(tmp_path, monkeypatch):
    with okta_loop(tmp_path, monkeypatch.setenv) as loop:
        yield loop


def test_okta_fix_sends_only_the_changed_attribute_and_the_task_goes_through(okta):
    jane = _task(okta.db_url, JANE_OKTA)
    assert jane.state == "blocked"
    with _console(okta) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{jane.id}/fix").text
        row = re.search(r'<tr class="edit" data-attribute="name.givenName">.*?</tr>', page, re.S)
        assert row, page
        assert "&lt;U+200B&gt;" in row.group(
            0
        ) and "source field <code>firstName</code>" in row.group(0)
        assert '<ins class="after"><code class="value">Jane</code></ins>' in row.group(0)
        html = _flash(c, post(c, "/tasks/fix", form_of(page)))
        assert "retried: succeeded" in html, html
        assert okta.okta.updates == [("00u2", {"profile": {"firstName": "Jane"}})]
        assert T.get_task(open_engine(okta.db_url), jane.id).state == "succeeded"
        applied = re.search(r'<section class="card" id="applied">.*?</section>', html, re.S)
        assert applied and "admin" in applied.group(0) and "name.givenName" in applied.group(0)
        assert "&lt;U+200B&gt;" in applied.group(0)  # the before value, hidden character shown
        assert html.count('id="applied"') == 1  # in the page, once; never in its <title>
        assert re.search(rf"<title>Task {jane.id} · scimguard console</title>", html), html[:400]
    users = httpx.get(
        okta.target + "/Users", headers={"Authorization": f"Bearer {okta.token}"}
    ).json()["Resources"]
    assert [u["name"]["givenName"] for u in users if u["userName"] == JANE_OKTA] == ["Jane"]


def test_a_read_only_okta_token_is_said_and_nothing_changes(okta, monkeypatch):
    jane = _task(okta.db_url, JANE_OKTA)
    monkeypatch.setenv("OKTA_API_TOKEN", OKTA_READ_ONLY)
    with _console(okta) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{jane.id}/fix").text
        html = _flash(c, post(c, "/tasks/fix", form_of(page)))
        assert "403 E0000006" in html and "without write permission" in html
        assert "You do not have permission to perform the requested action" in html
        assert 'class="card" id="applied"' not in html  # nothing recorded as applied
    assert okta.okta.updates == []
    assert T.get_task(open_engine(okta.db_url), jane.id).state == "blocked"


def test_okta_rate_limit_is_waited_out(okta):
    jane = _task(okta.db_url, JANE_OKTA)
    okta.okta.throttle_writes = 1  # the first POST: 429 with X-Rate-Limit-Reset one second on
    with _console(okta) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{jane.id}/fix").text
        html = _flash(c, post(c, "/tasks/fix", form_of(page)))
        assert "retried: succeeded" in html
    assert okta.okta.write_attempts == 2 and okta.okta.rate_limited >= 1
    assert okta.okta.updates == [("00u2", {"profile": {"firstName": "Jane"}})]


def test_an_okta_validation_error_leaves_the_task_open(okta):
    jane = _task(okta.db_url, JANE_OKTA)
    with _console(okta) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{jane.id}/fix").text
        okta.okta.users[1]["profile"]["login"] = "not-an-email"  # Okta refuses the profile now
        html = _flash(c, post(c, "/tasks/fix", form_of(page)))
        assert "400 E0000001" in html and "Username must be in the form of an email" in html
    assert okta.okta.updates == []
    assert T.get_task(open_engine(okta.db_url), jane.id).state == "blocked"


def test_a_template_mapped_attribute_is_refused_with_the_reason(tmp_path, monkeypatch):
    with okta_loop(
        tmp_path, monkeypatch.setenv, 'displayName = "{firstName} {lastName}"\n'
    ) as loop:
        jane = _task(loop.db_url, JANE_OKTA)
        with _console(loop) as url, httpx.Client(base_url=url, timeout=120) as c:
            assert sign_in(c).status_code == 303
            page = c.get(f"/tasks/{jane.id}/fix").text
            row = re.search(r'<tr class="edit" data-attribute="displayName">.*?</tr>', page, re.S)
            assert row and "made from the template" in htmllib.unescape(row.group(0))
            assert "change firstName, lastName instead" in row.group(0)
            assert " checked" not in row.group(0)  # refused: not ticked, not sent
            html = _flash(c, post(c, "/tasks/fix", form_of(page)))
            assert "retried: succeeded" in html, html  # the first name fixes both
        assert loop.okta.updates == [("00u2", {"profile": {"firstName": "Jane"}})]


def test_fix_writes_need_a_session_and_the_csrf_token(okta):
    jane = _task(okta.db_url, JANE_OKTA)
    with _console(okta) as url, httpx.Client(base_url=url, timeout=60) as c:
        anonymous = c.post(
            "/tasks/fix", data={"id": str(jane.id), f"use:{jane.id}:name.givenName": "1"}
        )
        assert anonymous.status_code == 403
        assert c.get(f"/tasks/{jane.id}/fix").status_code == 303  # to the sign-in page
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{jane.id}/fix").text
        fields = [(k, v) for k, v in form_of(page) if k != "csrf_token"]
        assert post(c, "/tasks/fix", fields).status_code == 403
        assert post(c, "/tasks/fix/preview", fields).status_code == 403
        wrong = [*fields, ("csrf_token", "x" * 40)]
        assert post(c, "/tasks/fix", wrong).status_code == 403
    assert okta.okta.updates == []


@pytest.fixture
def csv_source(tmp_path, monkeypatch):
    with csv_loop(tmp_path, monkeypatch.setenv) as loop:
        yield loop


def test_csv_fix_goes_through_the_engine_with_change_log_and_undo(csv_source, tmp_path):
    tom = _task(csv_source.db_url, "tom@example.com")
    original = csv_bytes()
    with _console(csv_source) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{tom.id}/fix").text
        assert "source field <code>name.givenName</code>" not in page  # the column is the path
        html = _flash(c, post(c, "/tasks/fix", form_of(page)))
        assert "retried: succeeded" in html, html
    fixed = csv_source.csv_path.read_bytes()
    assert fixed == original.replace(f"Tom{ZWSP},".encode(), b"Tom,")  # only that cell
    (undo_file,) = tmp_path.glob("people.csv.console-*.undo.json")
    (log_file,) = tmp_path.glob("people.csv.console-*.changes.csv")
    log = log_file.read_text(encoding="utf-8")
    assert "name.givenName" in log and "applied" in log and "hidden-character" in log
    assert T.get_task(open_engine(csv_source.db_url), tom.id).state == "succeeded"
    undone = subprocess.run(
        [SCIMGUARD, "fix", "--undo", str(undo_file), str(csv_source.csv_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert undone.returncode == 0, undone.stderr
    assert csv_source.csv_path.read_bytes() == original  # byte for byte


def test_a_typed_value_is_checked_before_it_is_saved(csv_source):
    tom = _task(csv_source.db_url, "tom@example.com")
    with _console(csv_source) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{tom.id}/fix").text
        key = f"v:{tom.id}:name.givenName"
        bad = [(k, "T<o>m" if k == key else v) for k, v in form_of(page)]
        checked = post(c, "/tasks/fix/preview", bad)
        assert checked.status_code == 200
        assert "forbidden-character" in checked.text or "still fires" in checked.text
        html = _flash(c, post(c, "/tasks/fix", bad))
        assert "nothing" in html.lower() or "name.givenName:" in html
        assert csv_source.csv_path.read_bytes() == csv_bytes()  # nothing written
        assert T.get_task(open_engine(csv_source.db_url), tom.id).state == "blocked"
        good = [(k, "Thomas" if k == key else v) for k, v in form_of(page)]
        html = _flash(c, post(c, "/tasks/fix", good))
        assert "retried: succeeded" in html, html
    assert b"Thomas,Ray" in csv_source.csv_path.read_bytes()


def test_a_changed_source_since_the_review_is_refused(csv_source):
    tom = _task(csv_source.db_url, "tom@example.com")
    with _console(csv_source) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{tom.id}/fix").text
        edited = csv_bytes().replace(f"Tom{ZWSP},".encode(), f"Tim{ZWSP},".encode())
        csv_source.csv_path.write_bytes(edited)
        html = _flash(c, post(c, "/tasks/fix", form_of(page)))
        assert "changed at the source since the review" in html
    assert csv_source.csv_path.read_bytes() == edited


def test_the_review_names_the_okta_attribute_and_json_of_before(okta):
    jane = _task(okta.db_url, JANE_OKTA)
    with _console(okta) as url, httpx.Client(base_url=url, timeout=60) as c:
        assert sign_in(c).status_code == 303
        token = csrf_of(c.get("/tasks").text)
        page = c.post("/tasks/fix/preview", data={"csrf_token": token, "id": [str(jane.id)]})
        assert page.status_code == 200
        before = dict(form_of(page.text))[f"b:{jane.id}:name.givenName"]
        assert json.loads(before) == "Jane" + ZWSP


def test_a_missing_value_is_typed_and_a_selection_is_fixed_in_one_step(csv_source):
    tom = _task(csv_source.db_url, "tom@example.com")
    max_ = _task(csv_source.db_url, "max@example.com")
    with _console(csv_source) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        token = csrf_of(c.get("/tasks").text)
        page = c.post(
            "/tasks/fix/preview", data={"csrf_token": token, "id": [str(tom.id), str(max_.id)]}
        ).text
        row = re.search(r'<tr class="edit" data-attribute="name.familyName">.*?</tr>', page, re.S)
        assert row and 'placeholder="type a value"' in row.group(0)
        key = f"v:{max_.id}:name.familyName"
        fields = [(k, "Power" if k == key else v) for k, v in form_of(page)]
        html = _flash(c, post(c, "/tasks/fix", fields))
        assert (
            f"#{tom.id}: fixed name.givenName" in html
            and f"#{max_.id}: fixed name.familyName" in html
        )
        assert html.count("retried: succeeded") == 2, html
    data = csv_source.csv_path.read_bytes()
    assert b"max@example.com,Max,Power,Max" in data and f"Tom{ZWSP}".encode() not in data
    assert len(list(csv_source.csv_path.parent.glob("people.csv.console-*.undo.json"))) == 2


def test_a_task_the_target_refused_is_fixed_by_what_the_target_refuses(synced):
    """Sam's title has a colon: the run allowed it (--allow-legacy-characters), the target
    refused it. The review checks with the defaults, which say what the target refused."""
    from console_helpers import SAM

    sam = _task(synced.db_url, SAM)
    assert sam.state == "failed"
    with _console(synced) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert sign_in(c).status_code == 303
        page = c.get(f"/tasks/{sam.id}/fix").text
        row = re.search(r'<tr class="edit" data-attribute="title">.*?</tr>', page, re.S)
        assert row and "forbidden-character" in row.group(0), page
        html = _flash(c, post(c, "/tasks/fix", form_of(page)))
        assert "retried: succeeded" in html, html
    title = synced.target_users()[SAM]["title"]
    assert ":" not in title and title.startswith("R&D")
    lines = synced.directory.path.read_text(encoding="utf-8").splitlines()
    (record,) = [json.loads(line) for line in lines if SAM in line and "userName" in line]
    assert record["title"] == title  # fixed at the source, sent as fixed


def test_an_identifier_changes_only_when_confirmed(tmp_path, monkeypatch):
    zed = f"zed{ZWSP}@example.com"
    data = (CSV_HEADER + f"{zed},Zed,Orr,Zed Orr,zed@example.com,e-zed\r\n").encode()
    with csv_loop(tmp_path, monkeypatch.setenv, data) as loop:
        task = _task(loop.db_url, zed)
        with _console(loop) as url, httpx.Client(base_url=url, timeout=120) as c:
            assert sign_in(c).status_code == 303
            page = c.get(f"/tasks/{task.id}/fix").text
            row = re.search(r'<tr class="edit" data-attribute="userName">.*?</tr>', page, re.S)
            assert row and "changes an identifier sync matches on" in row.group(0), page
            assert f'name="confirm:{task.id}"' in page
            fields = form_of(page)  # the confirmation box is not ticked
            html = _flash(c, post(c, "/tasks/fix", fields))
            assert "tick the confirmation" in html
            assert loop.csv_path.read_bytes() == data  # nothing written
            html = _flash(c, post(c, "/tasks/fix", [*fields, (f"confirm:{task.id}", "1")]))
            assert "retried: succeeded" in html, html
        assert loop.csv_path.read_bytes() == data.replace(zed.encode(), b"zed@example.com")
