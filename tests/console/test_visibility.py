"""What a new user found missing: paged Users and Groups, hand-made target users listed and
marked, spaces HTML would swallow made visible, no server path on the Check page, the
Okta-style message once per group of identical messages."""

from __future__ import annotations

import re

from scimguard.console.db import open_engine
from scimguard.console.display import show
from scimguard.profile import Finding, Severity
from scimguard.sync import tasks as T
from scimguard.sync.recorder import Outcome, Recorder

TARGET = "http://127.0.0.1:9/scim/v2"


def _own_users(db_url: str, n: int) -> None:
    recorder = Recorder(open_engine(db_url), TARGET, None, Outcome())
    for i in range(n):
        name = f"person{i:04d}@example.com"
        recorder.own(
            "user", f"ext-{i}", f"id-{i}", external_id=f"ext-{i}", name=name, name_lower=name
        )
    recorder.flush()


def _manual_task(db_url: str, user_name: str) -> int:
    finding = Finding(
        "manually-sourced",
        Severity.ERROR,
        "userName",
        user_name,
        f"The target already holds a user {user_name!r} (id 9) with no externalId.",
        "",
    )
    recorder = Recorder(open_engine(db_url), TARGET, None, Outcome())
    recorder.task(
        "user", f"ext-{user_name}", user_name, "create", "blocked", "manually-sourced",
        [finding], None, None, None,
    )  # fmt: skip
    recorder.flush()
    return recorder.outcome.task_ids[0]


def test_users_are_paged_to_the_last_one_and_searchable(signed_in, console_db):
    _own_users(console_db, 450)
    first = signed_in.get("/users").text
    assert "450 users: 1–200 shown, page 1 of 3" in first
    assert "person0000@example.com" in first and "person0200@example.com" not in first
    seen = set(re.findall(r"person\d{4}@example\.com", first))
    page = first
    while match := re.search(r'href="(/users\?[^"]+)" id="next"', page):
        page = signed_in.get(match.group(1).replace("&amp;", "&")).text
        seen |= set(re.findall(r"person\d{4}@example\.com", page))
    assert len(seen) == 450  # every user reachable, none only "the first 500"
    assert "page 3 of 3" in page and 'id="previous"' in page
    found = signed_in.get("/users", params={"q": "PERSON04"}).text
    assert "50 users: 1–50" not in found and "50 users" in found  # one page: no pager text
    assert 'id="next"' not in found


def test_hand_made_target_users_are_listed_and_marked(signed_in, console_db):
    _own_users(console_db, 2)
    task_id = _manual_task(console_db, "tom@example.com")
    html = signed_in.get("/users").text
    row = re.search(r'<tr class="resource manual-row" data-task="(\d+)">.*?</tr>', html, re.S)
    assert row and int(row.group(1)) == task_id
    assert "tom@example.com" in row.group(0) and "s-manually-sourced" in row.group(0)
    assert f'href="/tasks/{task_id}"' in row.group(0)
    assert "manual-row" not in signed_in.get("/users", params={"q": "nobody"}).text
    assert "manual-row" not in signed_in.get("/groups").text


def test_spaces_html_would_swallow_are_marked():
    assert str(show("  Tom")).count('class="sp"') == 2 and str(show("  Tom")).endswith("Tom")
    assert str(show("Tom ")).count('class="sp"') == 1
    assert str(show("Tom  Lee")).count('class="sp"') == 2  # a run HTML would collapse
    assert 'class="sp"' not in str(show("Tom Lee"))  # one inner space is what it looks like
    assert str(show('{\n  "a": 1\n}', keep_newlines=True)).count("sp") == 0  # <pre> layout


def test_a_leading_space_shows_on_the_task_page(signed_in, console_db):
    recorder = Recorder(open_engine(console_db), TARGET, None, Outcome())
    recorder.task(
        "user", "ext-tom", "  Tom", "create", "blocked", "leading-trailing-whitespace",
        [], None, None, None,
    )  # fmt: skip
    recorder.flush()
    html = signed_in.get(f"/tasks/{recorder.outcome.task_ids[0]}").text
    assert re.search(r'<span class="rec">(<mark class="sp"[^>]*>\u2423</mark>){2}Tom</span>', html)


def test_the_okta_message_is_shown_once_per_group(signed_in, console_db):
    engine = open_engine(console_db)
    recorder = Recorder(engine, TARGET, None, Outcome())
    for name in ("a@example.com", "b@example.com", "c@example.com"):
        recorder.task(
            "user", f"ext-{name}", name, "create", "blocked", "hidden-character",
            [], None, None, None,
        )  # fmt: skip
    recorder.task(
        "user", "ext-d", "d@example.com", "update", "blocked", "hidden-character",
        [], None, None, None,
    )  # fmt: skip
    recorder.flush()
    html = signed_in.get("/tasks").text
    ids = {t.display: t.id for t in T.list_tasks(engine)}
    shown = html.count('class="okta">Automatic provisioning of user')
    assert shown == 2  # the three creates once, the update once
    newest_create = ids["c@example.com"]  # the list is newest first
    for name in ("a@example.com", "b@example.com"):
        row = re.search(rf'<tr id="task-{ids[name]}".*?</tr>', html, re.S)
        assert row and f"Same message as #{newest_create}" in row.group(0)


def test_the_check_page_never_shows_the_server_path(signed_in):
    page = signed_in.get("/check").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = (
        'userName,name.givenName,name.familyName,emails[type eq "work"].value\n'
        "a@b.example,A,B,a@b.example\na@b.example,A,B,a@b.example\n"
    )
    r = signed_in.post(
        "/check",
        data={"csrf_token": token},
        files={"file": ("dupes.csv", data.encode(), "text/csv")},
    )
    assert r.status_code == 200
    assert "is also used by record 2" in r.text and "dupes.csv:3" in r.text
    assert "scimguard-check-" not in r.text and "/tmp" not in r.text
    download = re.search(r'href="(/check/[^"]+\.csv)"', r.text).group(1)
    csv_text = signed_in.get(download).text
    assert "dupes.csv:3" in csv_text and "scimguard-check-" not in csv_text
