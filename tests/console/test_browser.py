"""End to end in Chromium: a real sync into the emulator left tasks; an admin fixes Jane's
first name at the source, ticks her task and clicks Retry Selected; dismisses another; uses the
inspector; uploads a file to Check. Screenshots at 1280 and 390 pixels wide (the README's
docs/screenshots/tasks.png comes from here)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from console_helpers import (
    ADMIN,
    JANE,
    PASSWORD,
    SAM,
    SCIMGUARD,
    ZWSP,
    add_admin,
    console_process,
    htmx_swapped,
    screenshot,
)

from scimguard.console.db import open_engine
from scimguard.sync import tasks as T

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


def _sign_in(page, base: str, path: str = "/tasks") -> None:
    page.goto(base + path)
    assert "/signin" in page.url  # no session: the sign-in page, remembering where to go
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base + path) + "$"))


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth).slice(-3).map(e => e.tagName + '.' + e.className + ' '"
        " + (e.getAttribute('name') || e.id || ''))"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px: {wide}"


def _task_id(db_url: str, display: str) -> int:
    (task,) = [t for t in T.list_tasks(open_engine(db_url)) if t.display == display]
    return task.id


@pytest.fixture
def live(synced):
    add_admin(synced.db_url)
    with console_process(synced.db_url) as url:  # `scimguard console`, as an admin starts it
        yield synced, url


def test_fix_tick_retry_dismiss_inspect_and_check(chromium, live, tmp_path):
    from playwright.sync_api import expect

    synced, base = live
    jane, sam = _task_id(synced.db_url, JANE), _task_id(synced.db_url, SAM)
    context = chromium.new_context(viewport=WIDE, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []  # script errors and Content-Security-Policy refusals
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, base)

    # Tasks: Jane's task, refused for a zero-width space, shown as <U+200B>
    row = page.locator(f"#task-{jane}")
    expect(row).to_contain_text("hidden-character")
    expect(row).to_contain_text("Automatic provisioning of user jane@example.com")
    expect(row.locator("mark.hc")).to_have_text("<U+200B>")
    expect(page.locator(f"#task-{sam}")).to_contain_text("Errors reported by remote server")
    screenshot(page, "tasks.png", tmp_path)
    _no_sideways_scroll(page)

    # the detail of the task: request, findings, suggested fix
    page.click(f"#task-{jane} a.task-link")
    expect(page.locator("h1")).to_contain_text(f"Task #{jane}")
    expect(page.locator("pre.body").first).to_contain_text("<U+200B>")
    expect(page.locator("ul.findings")).to_contain_text("Suggested value:")
    page.screenshot(path=str(tmp_path / "task-1280.png"), full_page=True)
    page.go_back()

    # filters apply as they change (htmx), and the address follows
    htmx_swapped(page, lambda: page.select_option("select[name=state]", "failed"))
    expect(page.locator(f"#task-{jane}")).to_have_count(0)
    expect(page.locator(f"#task-{sam}")).to_be_visible()
    page.wait_for_url(re.compile(r"state=failed"))
    htmx_swapped(page, lambda: page.select_option("select[name=state]", "open"))
    expect(page.locator(f"#task-{jane}")).to_be_visible()

    # the select-all box ticks every open task, and unticks them
    page.check("#tick-all")
    expect(page.locator(f"#tick-{sam}")).to_be_checked()
    expect(page.locator(f"#tick-{jane}")).to_be_checked()
    page.uncheck("#tick-all")
    expect(page.locator(f"#tick-{sam}")).not_to_be_checked()

    # fix the record at its source, tick it, Retry Selected, see it succeed
    synced.directory.set(JANE, name={"givenName": "Jane", "familyName": "Doe"})
    page.check(f"#tick-{jane}")
    page.click("#retry")
    outcome = page.locator(f'tr.outcome[data-task="{jane}"]')
    expect(outcome).to_contain_text("succeeded")
    expect(page.locator(".notice")).to_contain_text("1 succeeded")
    expect(page.locator(f"#task-{jane}")).to_have_count(0)  # no longer open
    assert synced.target_users()[JANE]["name"]["givenName"] == "Jane"

    # dismiss another
    page.check(f"#tick-{sam}")
    page.click("#dismiss")
    expect(page.locator(".notice")).to_contain_text("Dismissed 1 task.")
    expect(page.locator(f"#task-{sam}")).to_have_count(0)
    assert T.get_task(open_engine(synced.db_url), sam).state == "dismissed"

    # the inspector answers as you type (htmx), code point by code point
    page.click("nav >> text=Inspector")
    page.fill("#value", "Jane" + ZWSP)
    expect(page.locator("#verdict")).to_have_text("Refused")
    cp = page.locator("tr.cp").nth(4)
    expect(cp).to_contain_text("U+200B")
    expect(cp).to_contain_text("ZERO WIDTH SPACE")
    expect(cp).to_contain_text("hidden-character")
    page.select_option("#attribute", "userName")
    page.fill("#value", "jane@example.com")
    expect(page.locator("#verdict")).to_have_text("Accepted")
    page.fill("#value", "Jane" + ZWSP)
    expect(page.locator("#verdict")).to_have_text("Refused")
    page.screenshot(path=str(tmp_path / "inspector-1280.png"), full_page=True)

    # Check: upload an export, read the report, download it as CSV
    export = tmp_path / "export.csv"
    export.write_text(
        "userName,name.givenName,name.familyName,displayName\n"
        f"ann@example.com,Ann{ZWSP},Lee,Ann Lee\n"
        "ben@example.com,Ben,Ng,Ben Ng\n",
        encoding="utf-8",
    )
    page.click("nav >> text=Check")
    page.set_input_files("#file", str(export))
    page.click("#run-check")
    expect(page.locator("#check-verdict")).to_contain_text("1 of 2 records would be refused")
    expect(page.locator("section.record")).to_contain_text("hidden-character")
    with page.expect_download() as info:
        page.click("#download")
    # the same bytes as `check --format csv --excel`: a UTF-8 BOM for Excel, CRLF rows
    downloaded = Path(info.value.path()).read_bytes().decode("utf-8")
    cli = subprocess.run(
        [SCIMGUARD, "check", "--format", "csv", "--excel", "export.csv"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert downloaded == cli.stdout.decode("utf-8") and "hidden-character" in downloaded
    assert downloaded.startswith("\ufeff")
    page.screenshot(path=str(tmp_path / "check-1280.png"), full_page=True)
    assert errors == []
    context.close()


def test_pages_fit_390_pixels_and_work_without_javascript(chromium, live, tmp_path):
    from playwright.sync_api import expect

    synced, base = live
    sam = _task_id(synced.db_url, SAM)
    context = chromium.new_context(viewport=NARROW, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, base)
    expect(page.locator(f"#task-{sam}")).to_be_visible()
    screenshot(page, "tasks-390.png", tmp_path)
    _no_sideways_scroll(page)
    for path in ["/", f"/tasks/{sam}", "/users", "/inspector?value=Jane%E2%80%8B", "/check"]:
        page.goto(base + path)
        expect(page.locator("h1")).to_be_visible()
        _no_sideways_scroll(page)
        page.screenshot(path=str(tmp_path / f"{path.strip('/').split('?')[0] or 'home'}.png"))
    # the core flows are plain forms: filter, tick and dismiss with JavaScript off
    page.goto(base + "/tasks")
    page.select_option("select[name=state]", "failed")
    page.click(".filters button[type=submit]")
    assert "state=failed" in page.url
    page.check(f"#tick-{sam}")
    page.click("#dismiss")
    expect(page.locator(".notice")).to_contain_text("Dismissed 1 task.")
    assert "state=failed" in page.url  # back to the same filtered list
    assert T.get_task(open_engine(synced.db_url), sam).state == "dismissed"
    # sign out ends it
    page.click("button:has-text('Sign out')")
    page.goto(base + "/tasks")
    assert "/signin" in page.url
    context.close()
