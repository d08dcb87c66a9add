"""The whole loop in Chromium: a blocked task is fixed at its source with *Apply suggested fix*
and goes through. From Okta (a local fake of the Users API, which records the partial updates
it receives): exactly the one changed attribute is sent; a read-only token is said on the page
and nothing changes. From a CSV file: the file is fixed through fix's engine and its undo file
restores the original bytes. The Check page's grid accepts every suggestion of one rule and the
downloaded file passes `check`. The review page is docs/screenshots/fix.png (README)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from console_helpers import (
    ADMIN,
    PASSWORD,
    SCIMGUARD,
    ZWSP,
    add_admin,
    console_process,
    screenshot,
)
from fix_helpers import JANE_OKTA, OKTA_READ_ONLY, csv_bytes, csv_loop, okta_loop

from scimguard.console.db import open_engine
from scimguard.sync import tasks as T

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDE = {"width": 1280, "height": 900}


def _task_id(db_url: str, display: str) -> int:
    (task,) = [t for t in T.list_tasks(open_engine(db_url)) if t.display == display]
    return task.id


def _open(chromium, base: str, path: str):
    context = chromium.new_context(viewport=WIDE, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + path)
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base + path) + "$"))
    return context, page, errors


def test_okta_task_fixed_from_the_tasks_list_and_retried(chromium, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    with okta_loop(tmp_path, monkeypatch.setenv) as loop:
        add_admin(loop.db_url)
        jane = _task_id(loop.db_url, JANE_OKTA)
        with console_process(loop.db_url) as base:
            context, page, errors = _open(chromium, base, "/tasks")
            page.check(f"#tick-{jane}")
            page.click("#fix-selected")
            row = page.locator(f"#plan-{jane} tr.edit[data-attribute='name.givenName']")
            expect(row.locator("del.before mark.hc")).to_have_text("<U+200B>")
            expect(row.locator("ins.after")).to_have_text("Jane")
            expect(row).to_contain_text("source field firstName")
            screenshot(page, "fix.png", tmp_path)
            page.click("#apply-fix")
            page.wait_for_url(re.compile(rf"/tasks/{jane}$"))
            expect(page.locator(".notice")).to_contain_text("retried: succeeded")
            expect(page.locator("h1 .badge")).to_have_text("succeeded")
            applied = page.locator("#applied tr.applied")
            expect(applied).to_have_count(1)
            expect(applied).to_contain_text(ADMIN)
            expect(applied.locator("mark.hc")).to_have_text("<U+200B>")  # the value before
            assert errors == []
            context.close()
        assert loop.okta.updates == [("00u2", {"profile": {"firstName": "Jane"}})]
        assert T.get_task(open_engine(loop.db_url), jane).state == "succeeded"


def test_okta_read_only_token_is_said_and_the_task_stays_open(chromium, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    with okta_loop(tmp_path, monkeypatch.setenv) as loop:
        add_admin(loop.db_url)
        jane = _task_id(loop.db_url, JANE_OKTA)
        monkeypatch.setenv("OKTA_API_TOKEN", OKTA_READ_ONLY)
        with console_process(loop.db_url) as base:
            context, page, _ = _open(chromium, base, f"/tasks/{jane}")
            page.click("#apply-suggested")
            page.click("#apply-fix")
            page.wait_for_url(re.compile(rf"/tasks/{jane}$"))
            notice = page.locator(".notice.error")
            expect(notice).to_contain_text("403 E0000006")
            expect(notice).to_contain_text("without write permission")
            expect(page.locator("h1 .badge")).to_have_text("blocked")
            expect(page.locator("#applied")).to_have_count(0)
            context.close()
        assert loop.okta.updates == []


def test_csv_task_fixed_from_its_page_and_undone_byte_for_byte(chromium, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    with csv_loop(tmp_path, monkeypatch.setenv) as loop:
        add_admin(loop.db_url)
        tom = _task_id(loop.db_url, "tom@example.com")
        with console_process(loop.db_url) as base:
            context, page, errors = _open(chromium, base, f"/tasks/{tom}")
            page.click("#apply-suggested")
            row = page.locator(f"#plan-{tom} tr.edit[data-attribute='name.givenName']")
            expect(row.locator("del.before mark.hc")).to_have_text("<U+200B>")
            page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scroll
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
            page.set_viewport_size(WIDE)
            page.click("#apply-fix")
            page.wait_for_url(re.compile(rf"/tasks/{tom}$"))
            expect(page.locator(".notice")).to_contain_text("retried: succeeded")
            expect(page.locator(".notice")).to_contain_text("undo file")
            expect(page.locator("#applied tr.applied")).to_contain_text("name.givenName")
            assert errors == []
            context.close()
        assert T.get_task(open_engine(loop.db_url), tom).state == "succeeded"
        assert loop.csv_path.read_bytes() != csv_bytes()
        (undo_file,) = tmp_path.glob("people.csv.console-*.undo.json")
        undone = subprocess.run(
            [SCIMGUARD, "fix", "--undo", str(undo_file), str(loop.csv_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert undone.returncode == 0, undone.stderr
        assert loop.csv_path.read_bytes() == csv_bytes()


def test_grid_accepts_every_suggestion_of_a_rule_and_the_download_passes_check(
    chromium, console_url, tmp_path
):
    from playwright.sync_api import expect

    export = tmp_path / "export.csv"
    original = (
        "userName,name.givenName,name.familyName,displayName\n"
        f"ann@example.com,Ann{ZWSP},Lee,Ann Lee\n"
        f"ben@example.com,Ben,Ng{ZWSP},Ben Ng\n"
        "cat@example.com,Cat,Ray,Cat Ray\n"
    ).encode()
    export.write_bytes(original)
    context, page, errors = _open(chromium, console_url, "/check")
    page.set_input_files("#file", str(export))
    page.click("#run-check")
    cells = page.locator("#grid tr.cell[data-rule='hidden-character']")
    expect(cells).to_have_count(2)
    expect(cells.first.locator("input.edit-value")).to_have_value("Ann")
    page.screenshot(path=str(tmp_path / "grid-1280.png"), full_page=True)
    page.click("#accept-hidden-character")
    expect(page.locator("#grid-verdict")).to_contain_text("2 changes made (hidden-character)")
    expect(page.locator("#grid-verdict")).to_contain_text("no error left")
    with page.expect_download() as info:
        page.click("#download-fixed")
    fixed = tmp_path / info.value.suggested_filename
    info.value.save_as(fixed)
    assert fixed.name == "export.fixed.csv"
    checked = subprocess.run(
        [SCIMGUARD, "check", str(fixed)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout
    with page.expect_download() as info:
        page.click("#download-undo")
    undo_file = tmp_path / info.value.suggested_filename
    info.value.save_as(undo_file)
    with page.expect_download() as info:
        page.click("#download-changes")
    log = Path(info.value.path()).read_text(encoding="utf-8")
    assert log.count(",applied,") == 2
    undone = subprocess.run(
        [SCIMGUARD, "fix", "--undo", str(undo_file), str(fixed)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert undone.returncode == 0, undone.stderr
    assert fixed.read_bytes() == original
    assert errors == []
    context.close()
