"""Issue 13, items 5 and 6: proxy headers trusted only when configured; upload caps counted on
the bytes received; an empty or unreadable upload is an error on the page, as in the CLI.

The proxy tests run `scimguard console` itself (a subprocess), since the fix is in how the
command starts uvicorn; the upload tests use a real console over uvicorn in a thread.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from console_helpers import SCIMGUARD, add_admin, console_process, csrf_of

from scimguard.console.db import open_engine
from scimguard.console.limits import MAX_UPLOAD
from scimguard.console.sessions import COOKIE
from scimguard.console.tables import reports

WRONG = "not the password at all"


def _attempt(client: httpx.Client, n: int, forwarded_for: str | None) -> httpx.Response:
    page = client.get("/signin")
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/signin",
        data={"csrf_token": csrf_of(page.text), "username": f"guess{n}", "password": WRONG},
        headers=headers,
    )


@pytest.fixture
def engine_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'engine.db'}"
    add_admin(url)
    return url


def test_forwarded_for_cannot_escape_the_address_lock_by_default(engine_db):
    with console_process(engine_db) as url, httpx.Client(base_url=url, timeout=30) as c:
        for n in range(10):  # ten usernames, ten claimed addresses, one real address
            assert _attempt(c, n, f"198.51.100.{n}").status_code == 401, n
        r = _attempt(c, 99, "198.51.100.99")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_forwarded_headers_are_trusted_from_a_configured_proxy(engine_db):
    args = ["--forwarded-allow-ips", "127.0.0.1"]
    with console_process(engine_db, args=args) as url, httpx.Client(base_url=url, timeout=30) as c:
        for n in range(10):
            assert _attempt(c, n, "203.0.113.7").status_code == 401, n
        assert _attempt(c, 10, "203.0.113.7").status_code == 429  # that client is locked
        assert _attempt(c, 11, "203.0.113.8").status_code == 401  # another one is not
        # X-Forwarded-Proto from the proxy: the session cookie is marked Secure
        page = c.get("/signin")
        r = c.post(
            "/signin",
            data={"csrf_token": csrf_of(page.text), "username": "admin",
                  "password": "correct horse battery staple"},
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )  # fmt: skip
        assert r.status_code == 303, r.text
        session = [v for v in r.headers.get_list("set-cookie") if v.startswith(COOKIE + "=")]
        assert "secure" in [p.strip().lower() for p in session[0].split(";")]


def test_forwarded_allow_ips_must_be_addresses(engine_db):
    r = subprocess.run(
        [SCIMGUARD, "console", "--db", engine_db, "--forwarded-allow-ips", "proxy.example"],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )
    assert r.returncode == 2
    assert "'proxy.example' is not an IP address or network" in r.stderr


# --- uploads ----------------------------------------------------------------------------------


def _multipart(boundary: str, token: str, body: Iterator[bytes]) -> Iterator[bytes]:
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    yield from body
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_chunked_upload_over_the_cap_is_refused_while_it_arrives(signed_in, console_db):
    token = csrf_of(signed_in.get("/check").text)
    sent = 0
    chunk = b"userName,name.givenName\n" + b"x" * (1024 * 1024 - 24)
    total = MAX_UPLOAD + 20 * len(chunk)

    def file_bytes() -> Iterator[bytes]:
        nonlocal sent
        while sent < total:
            sent += len(chunk)
            yield chunk

    boundary = "scimguardtestboundary"
    try:  # no Content-Length: httpx sends a generator chunked
        r = signed_in.post(
            "/check",
            content=_multipart(boundary, token, file_bytes()),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        r = None  # the server stopped reading and closed: refused, as the test wants
    if r is not None:
        assert r.status_code == 413, r.text[:200]
        assert "the limit is 50 MB" in r.text
    assert sent > MAX_UPLOAD  # the cap was passed without any Content-Length to go by
    with open_engine(console_db).connect() as conn:
        assert conn.execute(reports.select()).first() is None
    assert signed_in.get("/check").status_code == 200  # and the console carries on


def test_a_declared_length_over_the_cap_is_refused_before_reading(signed_in):
    token = csrf_of(signed_in.get("/check").text)
    r = signed_in.post(
        "/check",
        data={"csrf_token": token},
        files={"file": ("big.csv", b"x" * (MAX_UPLOAD + 70 * 1024), "text/csv")},
    )
    assert r.status_code == 413 and "too large" in r.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty.csv is empty: there is nothing to check."),
        # a header row that names nothing known: the one message of the header check
        (b"x" * 1_000_000, "no column maps to userName, name.givenName"),
        (os.urandom(3000), "Not a single record could be read from empty.csv."),
    ],
)
def test_an_empty_or_unreadable_upload_is_an_error_on_the_page(signed_in, content, message):
    token = csrf_of(signed_in.get("/check").text)
    r = signed_in.post(
        "/check", data={"csrf_token": token}, files={"file": ("empty.csv", content, "text/csv")}
    )
    assert r.status_code == 200 and "Traceback" not in r.text
    assert 'id="check-error"' in r.text and message in r.text
    assert "would be accepted" not in r.text and "Download the report" not in r.text
