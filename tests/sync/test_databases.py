"""Two databases, two names (issue 14, item 2): the same option and variable on every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from sqlalchemy import create_engine, inspect

from scimguard.cli import COMMANDS, main

SCIMGUARD = str(Path(sys.executable).with_name("scimguard"))
STATE = {"sync", "tasks", "console", "admin", "probe"}  # probe journals in the state
EMULATOR = {"serve", "tenant", "token", "manual"}


def leaves(group: click.Group, ctx: click.Context, prefix: str = ""):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from leaves(command, ctx, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_every_command_names_its_database_one_way():
    ctx = click.Context(main)
    seen = set()
    for path, command in leaves(main, ctx):
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        help_text = command.get_help(click.Context(command, info_name=path))
        top = path.split()[0]
        if top in STATE:
            assert "--state-db" in options and "--emulator-db" not in options, path
        elif top in EMULATOR:
            assert "--emulator-db" in options and "--state-db" not in options, path
        elif path == "db upgrade":
            assert {"--state-db", "--emulator-db"} <= options
        else:
            assert not options & {"--db", "--state-db", "--emulator-db"}, path
            continue
        seen.add(top)
        assert "--db" in options, path  # the old spelling still works
        assert "--db " not in help_text and "--db," not in help_text, path  # hidden alias
    assert seen == STATE | EMULATOR | {"db"}
    assert set(COMMANDS) >= seen


def run(args, cwd, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCIMGUARD_")}
    return subprocess.run(
        [SCIMGUARD, *args], cwd=cwd, env={**clean, **env}, capture_output=True, text=True
    )


def tables(path: Path) -> set[str]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_db_upgrade_migrates_whichever_it_is_pointed_at_or_both(tmp_path):
    both = run(["db", "upgrade"], tmp_path)
    assert both.returncode == 0, both.stderr
    assert "scimguard_emulator_version" in tables(tmp_path / ".scimguard" / "emulator.db")
    state = tables(tmp_path / ".scimguard" / "engine.db")
    assert {"scimguard_engine_version", "scimguard_console_version", "sync_tasks"} <= state
    only = run(["db", "upgrade", "--state-db", f"sqlite:///{tmp_path / 's.db'}"], tmp_path)
    assert only.returncode == 0 and "engine's state" in only.stdout
    assert not (tmp_path / "e.db").exists() and "sync_tasks" in tables(tmp_path / "s.db")
    emulator = run(["db", "upgrade", "--emulator-db", f"sqlite:///{tmp_path / 'e.db'}"], tmp_path)
    assert emulator.returncode == 0 and "emulator's store" in emulator.stdout
    assert "sync_tasks" not in tables(tmp_path / "e.db")
    # Pointed at the other kind: refused with the right option named, nothing added.
    wrong = run(["db", "upgrade", "--db", f"sqlite:///{tmp_path / 's.db'}"], tmp_path)
    assert wrong.returncode == 2 and "--state-db" in wrong.stderr
    assert "scimguard_emulator_version" not in tables(tmp_path / "s.db")
    from_env = run(["db", "upgrade"], tmp_path, SCIMGUARD_STATE_DB=f"sqlite:///{tmp_path / 'v.db'}")
    assert from_env.returncode == 0 and "sync_tasks" in tables(tmp_path / "v.db")


def test_the_state_is_found_by_option_variable_and_old_spellings(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.db'}"
    assert run(["db", "upgrade", "--state-db", url], tmp_path).returncode == 0
    from scimguard.sync.db import open_engine
    from scimguard.sync.tasks import file_task

    with open_engine(url).begin() as conn:
        file_task(
            conn,
            run_id=None,
            kind="user",
            record_key="k",
            display="someone@example.com",
            operation="create",
            state="blocked",
            rule="missing-required",
            request=None,
            response=None,
            findings=[],
            attempts=0,
            source=None,
            target_url="http://t",
        )
    for args, env in (
        (["--state-db", url], {}),
        (["--db", url], {}),
        ([], {"SCIMGUARD_STATE_DB": url}),
        ([], {"SCIMGUARD_DB": url}),
    ):
        listed = run(["tasks", "list", *args], tmp_path, **env)
        assert "someone@example.com" in listed.stdout, (args, env, listed.stderr)
    assert "No tasks." in run(["tasks", "list"], tmp_path).stdout  # the default is elsewhere
