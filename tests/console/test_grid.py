"""The Check page's grid: accept one suggestion, all of a rule, or a typed value; download the
fixed file (it passes `check`), its change log and its undo file (it gives back the upload)."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urlencode

from console_helpers import SCIMGUARD, ZWSP, csrf_of

ZWJ = "\u200d"
EXPORT = (
    "userName,name.givenName,name.familyName,displayName\n"
    f"ann@example.com,Ann{ZWSP},Lee,Ann Lee\n"
    f"ben@example.com,Ben,Ng{ZWSP},Ben Ng\n"
    "cat@example.com,Cat,Ray,Cat Ray\n"
    f"dan@example.com,Dan{ZWSP},Fox,Dan Fox\n"
).encode()


def _checked(c, data: bytes = EXPORT, name: str = "export.csv") -> str:
    token = csrf_of(c.get("/check").text)
    r = c.post("/check", data={"csrf_token": token}, files={"file": (name, data, "text/csv")})
    assert r.status_code == 200, r.text
    return r.text


def _grid_fields(page: str) -> tuple[str, list[tuple[str, str]]]:
    form = re.search(
        r'<form method="post" action="(/check/[^"]+/fix)" id="grid-form">(.*?)</form>', page, re.S
    )
    assert form, "no grid on the page"
    fields = []
    for tag in re.findall(r"<input[^>]*>", form.group(2)):
        name = re.search(r'name="([^"]*)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            continue
        fields.append((name, value.group(1) if value else ""))
    return form.group(1), fields


def _post(c, url: str, fields: list[tuple[str, str]]):
    return c.post(
        url,
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def _check(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SCIMGUARD, "check", str(path)], capture_output=True, text=True, timeout=60
    )


def test_accept_all_of_a_rule_and_the_fixed_file_passes_check(signed_in, tmp_path):
    page = _checked(signed_in)
    assert 'id="accept-hidden-character"' in page and "Accept all hidden-character (3)" in page
    url, fields = _grid_fields(page)
    r = _post(signed_in, url, [*fields, ("rule", "hidden-character")])
    assert r.status_code == 200, r.text
    assert "3 changes made (hidden-character)" in r.text and "no error left" in r.text
    fixed = signed_in.get(url.replace("/fix", "/fixed"))
    assert fixed.status_code == 200 and "export.fixed.csv" in fixed.headers["content-disposition"]
    out = tmp_path / "export.fixed.csv"
    out.write_bytes(fixed.content)
    assert ZWSP.encode() not in fixed.content and fixed.content.count(b"\n") == 5
    assert _check(out).returncode == 0
    log = signed_in.get(url.replace("/fix", "/changes.csv")).text
    assert log.count(",applied,") == 3 and "/tmp" not in log and "scimguard-grid-" not in log
    undo = signed_in.get(url.replace("/fix", "/undo.json"))
    assert "scimguard-grid-" not in undo.text
    undo_path = tmp_path / "export.fixed.csv.undo.json"
    undo_path.write_bytes(undo.content)
    back = subprocess.run(
        [SCIMGUARD, "fix", "--undo", str(undo_path), str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert back.returncode == 0, back.stderr
    assert out.read_bytes() == EXPORT  # the upload, byte for byte


def test_accept_one_row_and_edit_another(signed_in):
    page = _checked(signed_in)
    url, fields = _grid_fields(page)
    fields = [(k, "Benjamin-Ng" if k == "s:2:name.familyName" else v) for k, v in fields]
    r = _post(signed_in, url, [*fields, ("a:1:name.givenName", "1"), ("a:2:name.familyName", "1")])
    assert "2 changes made" in r.text and "1 error left" in r.text  # Dan's, not ticked
    fixed = signed_in.get(url.replace("/fix", "/fixed")).content.decode()
    assert "ann@example.com,Ann,Lee" in fixed and "ben@example.com,Ben,Benjamin-Ng" in fixed
    assert f"Dan{ZWSP}" in fixed


def test_a_typed_value_that_breaks_a_rule_is_not_applied(signed_in):
    page = _checked(signed_in)
    url, fields = _grid_fields(page)
    fields = [(k, "A<n>n" if k == "s:1:name.givenName" else v) for k, v in fields]
    r = _post(signed_in, url, [*fields, ("a:1:name.givenName", "1")])
    assert "0 changes made" in r.text and 'class="skipped"' in r.text
    assert "forbidden-character" in r.text


def test_the_grid_is_the_sessions_own_and_needs_csrf(signed_in, console_url):
    import httpx
    from console_helpers import sign_in

    page = _checked(signed_in)
    url, fields = _grid_fields(page)
    no_csrf = [(k, v) for k, v in fields if k != "csrf_token"]
    assert _post(signed_in, url, [*no_csrf, ("rule", "hidden-character")]).status_code == 403
    with httpx.Client(base_url=console_url, timeout=30) as other:
        assert _post(other, url, [*fields, ("rule", "hidden-character")]).status_code == 403
        assert sign_in(other).status_code == 303  # another session: not its upload
        token = csrf_of(other.get("/check").text)
        theirs = [(k, token if k == "csrf_token" else v) for k, v in fields]
        assert _post(other, url, [*theirs, ("rule", "hidden-character")]).status_code == 404
