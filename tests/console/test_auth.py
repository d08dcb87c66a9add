"""Sign-in, sessions, CSRF and the sign-in backoff, over a real socket."""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest
from console_helpers import ADMIN, PASSWORD, SCIMGUARD, csrf_of, sign_in
from sqlalchemy import inspect, select

from scimguard.console.db import open_engine
from scimguard.console.sessions import COOKIE
from scimguard.console.tables import admins, sessions, settings
from scimguard.sync import tasks as T

PAGES = [
    "/",
    "/tasks",
    "/tasks/1",
    "/users",
    "/groups",
    "/inspector?value=x",
    "/check",
    "/check/some-report.csv",
]
ACTIONS = ["/tasks/retry", "/tasks/dismiss", "/signout", "/check"]


def _file_task(db_url: str, key: str = "u1") -> int:
    engine = open_engine(db_url)
    with engine.begin() as conn:
        return T.file_task(
            conn,
            run_id=None,
            kind="user",
            record_key=key,
            display=f"{key}@example.com",
            operation="create",
            state="failed",
            rule="target-rejected",
            request={"method": "POST", "path": "/Users", "body": {"userName": key}},
            response={"status": 400, "body": {"detail": "no"}, "request_id": "r"},
            findings=[],
            attempts=1,
            source=None,
            target_url="http://127.0.0.1:9/scim/v2",
        )


def test_every_page_and_action_needs_a_session(client):
    for page in PAGES:
        r = client.get(page)
        assert r.status_code == 303, page
        assert r.headers["location"].startswith("/signin?next="), page
        # htmx requests are told where to go instead of getting the sign-in page as a fragment
        r = client.get(page, headers={"HX-Request": "true"})
        assert r.status_code == 401 and r.headers["HX-Redirect"].startswith("/signin"), page
    for action in ACTIONS:
        r = client.post(action, data={"id": "1", "csrf_token": "anything"})
        assert r.status_code == 403, action
    # a forged or tampered cookie is no session either
    client.cookies.set(COOKIE, "forged.value.here")
    assert client.get("/tasks").status_code == 303


def test_sign_in_leads_to_the_page_asked_for(client):
    r = client.get("/tasks?state=failed")
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and 'name="next" value="/tasks?state=failed"' in page.text
    r = client.post(
        "/signin",
        data={
            "csrf_token": csrf_of(page.text),
            "username": ADMIN.upper(),  # usernames ignore case
            "password": PASSWORD,
            "next": "/tasks?state=failed",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/tasks?state=failed"
    assert client.get("/tasks?state=failed").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_sign_in_never_sends_elsewhere(client, target):
    page = client.get("/signin")
    r = client.post(
        "/signin",
        data={
            "csrf_token": csrf_of(page.text),
            "username": ADMIN,
            "password": PASSWORD,
            "next": target,
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_session_cookie_is_signed_httponly_samesite_and_stored_hashed(client, console_db):
    r = sign_in(client)
    assert r.status_code == 303
    set_cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(COOKIE + "="))
    flags = [part.strip().lower() for part in set_cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    value = client.cookies[COOKIE]
    engine = open_engine(console_db)
    with engine.connect() as conn:
        stored = [tuple(row) for row in conn.execute(select(sessions))]
        secret = conn.execute(select(settings.c.value)).scalar_one()
    assert len(stored) == 1
    assert all(value not in str(col) for col in stored[0])
    session_id = value.split(".")[0]
    assert all(session_id not in str(col) for col in stored[0])
    # the signature matters: change one character of it and the session is gone. Not the last
    # character: its low bits are base64 padding that decoding ignores (A-D decode alike), which
    # made this test fail one run in sixteen.
    at = value.rindex(".") + 1
    tampered = value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1 :]
    with httpx.Client(base_url=str(client.base_url)) as other:
        other.cookies.set(COOKIE, tampered)
        assert other.get("/").status_code == 303
        other.cookies.set(COOKIE, value)
        assert other.get("/").status_code == 200
    for page in ["/", "/tasks", "/inspector", "/users"]:
        html = client.get(page).text
        assert value not in html and secret not in html


def test_post_without_csrf_token_is_refused(signed_in, console_db):
    task_id = _file_task(console_db)
    engine = open_engine(console_db)
    r = signed_in.post("/tasks/dismiss", data={"id": str(task_id)})
    assert r.status_code == 403
    r = signed_in.post("/tasks/dismiss", data={"id": str(task_id), "csrf_token": "wrong"})
    assert r.status_code == 403
    assert T.get_task(engine, task_id).state == "failed"
    r = signed_in.post("/signout", data={})
    assert r.status_code == 403
    assert signed_in.get("/").status_code == 200  # still signed in
    # a token from another session does not do either
    with httpx.Client(base_url=str(signed_in.base_url)) as other:
        sign_in(other)
        foreign = csrf_of(other.get("/tasks").text)
    assert foreign != csrf_of(signed_in.get("/tasks").text)
    r = signed_in.post("/tasks/dismiss", data={"id": str(task_id), "csrf_token": foreign})
    assert r.status_code == 403
    assert T.get_task(engine, task_id).state == "failed"
    # with the page's own token (form field, or the header htmx sends) it works
    token = csrf_of(signed_in.get("/tasks").text)
    r = signed_in.post("/tasks/dismiss", data={"id": str(task_id)}, headers={"X-CSRF-Token": token})
    assert r.status_code == 303
    assert T.get_task(engine, task_id).state == "dismissed"


def test_sign_in_form_needs_its_csrf_token(client):
    r = client.post("/signin", data={"username": ADMIN, "password": PASSWORD})
    assert r.status_code == 403 and COOKIE not in r.cookies
    client.get("/signin")  # sets the sign-in cookie, but the form field is still missing
    r = client.post("/signin", data={"username": ADMIN, "password": PASSWORD})
    assert r.status_code == 403 and COOKIE not in r.cookies
    assert client.get("/").status_code == 303


def test_sign_out_ends_the_session(signed_in):
    cookie = signed_in.cookies[COOKIE]
    token = csrf_of(signed_in.get("/").text)
    r = signed_in.post("/signout", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    with httpx.Client(base_url=str(signed_in.base_url)) as replay:
        replay.cookies.set(COOKIE, cookie)  # the old cookie, replayed
        assert replay.get("/").status_code == 303


def test_repeated_failed_sign_ins_are_slowed_down(client):
    for _ in range(3):  # the first few are only refused
        r = sign_in(client, password="wrong password!")
        assert r.status_code == 401 and "Wrong username or password" in r.text
    r = sign_in(client, password="wrong password!")
    assert r.status_code == 429
    wait = int(r.headers["Retry-After"])
    assert wait >= 1
    # while locked, even the right password is refused, without being looked at
    r = sign_in(client)
    assert r.status_code == 429 and COOKIE not in client.cookies
    time.sleep(wait + 0.2)
    r = sign_in(client)
    assert r.status_code == 303 and COOKIE in client.cookies
    # success clears the count: one more mistake is only refused, not locked
    with httpx.Client(base_url=str(client.base_url)) as other:
        assert sign_in(other, password="wrong again!!").status_code == 401


def test_failed_sign_ins_from_one_address_are_slowed_down_across_usernames(client):
    for n in range(10):
        r = sign_in(client, username=f"nobody{n}", password="guess guess guess")
        assert r.status_code == 401, n
    r = sign_in(client, username="someone-else", password="guess guess guess")
    assert r.status_code == 429
    r = sign_in(client)  # the address is locked, whatever the username
    assert r.status_code == 429


def test_admin_create_hashes_with_argon2id_and_never_shows_the_password(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'engine.db'}"
    secret = "a long enough password 42"
    run = subprocess.run(
        [SCIMGUARD, "admin", "create", "--db", db_url, "--username", "Ops", "--password-stdin"],
        input=secret + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert secret not in run.stdout + run.stderr
    with open_engine(db_url).connect() as conn:
        row = conn.execute(select(admins)).one()
    assert row.username == "ops"
    assert row.password_hash.startswith("$argon2id$") and secret not in row.password_hash
    again = subprocess.run(
        [SCIMGUARD, "admin", "create", "--db", db_url, "--username", "ops", "--password-stdin"],
        input=secret + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    short = subprocess.run(
        [SCIMGUARD, "admin", "create", "--db", db_url, "--username", "x", "--password-stdin"],
        input="short\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode == 2 and "at least 12 characters" in short.stderr


def test_admin_create_asks_for_the_password_twice(tmp_path):
    from click.testing import CliRunner

    from scimguard.cli import main

    db_url = f"sqlite:///{tmp_path / 'engine.db'}"
    secret = "typed twice, the same"
    result = CliRunner().invoke(
        main,
        ["admin", "create", "--db", db_url, "--username", "ann"],
        input=f"{secret}\nnot the same at all\n{secret}\n{secret}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert secret not in result.output
    with open_engine(db_url).connect() as conn:
        assert conn.execute(select(admins.c.username)).scalar_one() == "ann"


def _console_tables(url: str) -> set[str]:
    return set(inspect(open_engine(url)).get_table_names())


def test_console_tables_live_in_the_engine_database_with_their_own_chain(tmp_path):
    url = f"sqlite:///{tmp_path / 'engine.db'}"
    names = _console_tables(url)
    assert {"console_admins", "console_sessions", "scimguard_console_version"} <= names
    assert {"sync_tasks", "scimguard_engine_version"} <= names


@pytest.mark.postgres
def test_console_on_postgresql(postgres_url):
    """The console's tables, accounts and pages over a PostgreSQL engine database."""
    names = _console_tables(postgres_url)
    assert {"console_admins", "console_sessions", "scimguard_console_version"} <= names
    from scimguard.console.accounts import authenticate, create_admin

    engine = open_engine(postgres_url)
    admin_id = create_admin(engine, "pg", "postgres password!")
    assert authenticate(engine, "PG", "postgres password!", "127.0.0.1").admin_id == admin_id
    assert authenticate(engine, "pg", "wrong password!!", "127.0.0.1").admin_id is None
    from console_helpers import add_admin, serving

    from scimguard.console.app import create_app

    add_admin(postgres_url)
    with serving(create_app(postgres_url)) as url, httpx.Client(base_url=url) as client:
        assert sign_in(client).status_code == 303
        assert client.get("/tasks").status_code == 200
        assert "users provisioned" in client.get("/").text


def test_values_from_records_are_escaped(signed_in, console_db):
    """A record is data from outside: whatever it holds is shown, never run."""
    evil = '<img src=x onerror="alert(1)">'
    engine = open_engine(console_db)
    with engine.begin() as conn:
        task_id = T.file_task(
            conn,
            run_id=None,
            kind="user",
            record_key="evil",
            display=evil,
            operation="create",
            state="failed",
            rule="forbidden-character",
            request={"method": "POST", "path": "/Users", "body": {"displayName": evil}},
            response={"status": 400, "body": {"detail": "<script>alert(2)</script>"}},
            findings=[
                {
                    "rule": "forbidden-character",
                    "severity": "error",
                    "attribute": "displayName",
                    "value": evil,
                    "message": f"It contains {evil}",
                    "fix": "Remove <, >.",
                    "suggested_value": "img src=x",
                }
            ],
            attempts=1,
            source=None,
            target_url="http://127.0.0.1:9/scim/v2",
        )
    for page in ["/tasks", f"/tasks/{task_id}"]:
        html = signed_in.get(page).text
        assert "<img src=x" not in html and "<script>alert(2)" not in html, page
        assert "&lt;img src=x onerror=" in html, page


def test_console_command_says_when_the_database_cannot_be_opened(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    run = subprocess.run(
        [SCIMGUARD, "console", "--db", f"sqlite:///{blocker}/engine.db", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "cannot open the database" in run.stderr and "Traceback" not in run.stderr


def test_idle_and_old_sessions_end(signed_in, console_db):
    from datetime import timedelta

    from sqlalchemy import update

    from scimguard.console.db import now

    engine = open_engine(console_db)
    assert signed_in.get("/").status_code == 200
    with engine.begin() as conn:  # three hours without a request
        conn.execute(update(sessions).values(last_seen_at=now() - timedelta(hours=3)))
    assert signed_in.get("/").status_code == 303
    with engine.connect() as conn:
        assert conn.execute(select(sessions)).first() is None  # and it is gone
    assert sign_in(signed_in).status_code == 303
    with engine.begin() as conn:  # active all along, but started thirteen hours ago
        conn.execute(update(sessions).values(created_at=now() - timedelta(hours=13)))
    assert signed_in.get("/").status_code == 303


def test_admin_password_changes_the_password(tmp_path):
    from click.testing import CliRunner

    from scimguard.cli import main
    from scimguard.console.accounts import authenticate, create_admin

    db_url = f"sqlite:///{tmp_path / 'engine.db'}"
    engine = open_engine(db_url)
    create_admin(engine, "ann", "the first password")
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["admin", "password", "--db", db_url, "--username", "ANN", "--password-stdin"],
        input="the second password\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate(engine, "ann", "the first password", "10.0.0.1").admin_id is None
    assert authenticate(engine, "ann", "the second password", "10.0.0.2").admin_id is not None
    missing = runner.invoke(
        main,
        ["admin", "password", "--db", db_url, "--username", "bob", "--password-stdin"],
        input="whatever password\n",
    )
    assert missing.exit_code == 2 and "no admin named 'bob'" in missing.output
