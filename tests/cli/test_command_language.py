"""One command language (issue 15, item 6): every option has help text, `-V` is `--version`,
rule codes are validated case-insensitively with a did-you-mean."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from scimguard import __version__
from scimguard.cli import COMMANDS, main


def walk(command: click.Command, ctx: click.Context, path: tuple[str, ...]):
    yield path, command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, click.Context(sub, parent=ctx, info_name=name), (*path, name))


def every_command():
    ctx = click.Context(main, info_name="scimguard")
    return list(walk(main, ctx, ()))


def test_the_walk_reaches_every_command():
    names = {path[0] for path, _ in every_command() if path}
    assert names == set(COMMANDS)
    assert len(every_command()) > len(COMMANDS)  # the groups' sub-commands too


def test_every_option_has_help_text():
    missing = []
    for path, command in every_command():
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help:
                missing.append(f"scimguard {' '.join(path)} {param.opts[0]}")
    assert missing == []


def test_every_help_page_renders():
    """Each --help through the real command line (exit 0, the options listed)."""
    runner = CliRunner()
    for path, command in every_command():
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[0] in result.output, (path, param.opts[0])


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag):
    result = subprocess.run(
        [sys.executable, "-c", "from scimguard.cli import main; main()", flag],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and __version__ in result.stdout


def test_rules_code_is_case_insensitive_with_a_did_you_mean():
    runner = CliRunner()
    exact = runner.invoke(main, ["rules", "hidden-character"])
    upper = runner.invoke(main, ["rules", "HIDDEN-CHARACTER"])
    assert upper.exit_code == 0 and upper.output == exact.output and "hidden" in exact.output
    typo = runner.invoke(main, ["rules", "forbiden-character"])
    assert typo.exit_code == 2
    assert "did you mean forbidden-character" in typo.output
    nothing = runner.invoke(main, ["rules", "zzzz"])
    assert nothing.exit_code == 2 and "no rule 'zzzz'" in nothing.output


def test_rule_options_are_validated(tmp_path):
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'tasks.db'}"
    typo = runner.invoke(main, ["tasks", "list", "--rule", "forbiden-character", "--db", db])
    assert typo.exit_code == 2 and "did you mean forbidden-character" in typo.output
    users = tmp_path / "u.jsonl"
    users.write_text('{"userName": "a"}\n', encoding="utf-8")
    fix = runner.invoke(main, ["fix", str(users), "--rule", "Hiden-Character", "--dry-run"])
    assert fix.exit_code == 2 and "did you mean hidden-character" in fix.output


def _option(command: click.Command, flag: str) -> click.Option | None:
    return next((p for p in command.params if isinstance(p, click.Option) and flag in p.opts), None)


def test_one_output_switch_with_json_as_a_hidden_alias():
    """Every command that prints data takes --format (text, json, and csv where it applies);
    --json survives only as a hidden alias of --format json (docs/command-language.md)."""
    with_format = []
    for path, command in every_command():
        fmt, alias = _option(command, "--format"), _option(command, "--json")
        if fmt is None and alias is None:
            continue
        name = " ".join(path)
        assert fmt is not None and not fmt.hidden, name
        assert isinstance(fmt.type, click.Choice) and "json" in fmt.type.choices, name
        assert alias is not None and alias.hidden, f"{name}: --json is not a hidden alias"
        with_format.append(name)
    # each command that printed JSON before still does
    for name in ("check", "fix", "inspect", "sync", "tasks list", "tasks show", "tenant create"):
        assert name in with_format


def test_json_is_format_json_and_they_cannot_disagree():
    runner = CliRunner()
    by_format = runner.invoke(main, ["inspect", "Jane\u200b", "--format", "json"])
    by_alias = runner.invoke(main, ["inspect", "Jane\u200b", "--json"])
    assert by_format.exit_code == by_alias.exit_code == 1  # 1: the value has an error
    assert by_format.output == by_alias.output
    assert json.loads(by_format.output)["findings"]
    text = runner.invoke(main, ["inspect", "Jane\u200b", "--format", "text"])
    assert (
        text.exit_code == 1 and text.output == runner.invoke(main, ["inspect", "Jane\u200b"]).output
    )
    assert not text.output.startswith("{")
    for args in (["--json", "--format", "text"], ["--format", "text", "--json"]):
        both = runner.invoke(main, ["inspect", "Jane", *args])
        assert (
            both.exit_code == 2 and "--json means --format json, not --format text" in both.output
        )
    same = runner.invoke(main, ["inspect", "Jane", "--json", "--format", "json"])
    assert (
        same.exit_code == 0
        and same.output == runner.invoke(main, ["inspect", "Jane", "--json"]).output
    )


def test_quota_and_rate_say_how_they_differ():
    """`serve --quota-*` is what the emulator enforces, `sync --rate-*` the pace a client keeps:
    different ideas, different names, each --help pointing at the other."""
    commands = dict(every_command())
    for kind in ("writes", "reads"):
        quota = _option(commands[("serve",)], f"--quota-{kind}")
        rate = _option(commands[("sync",)], f"--rate-{kind}")
        assert quota is not None and rate is not None
        assert f"sync --rate-{kind}" in (quota.help or "")
        assert f"serve --quota-{kind}" in (rate.help or "")


def test_shell_completion_as_documented():
    """docs/command-language.md: `_SCIMGUARD_COMPLETE=bash_complete` completes commands."""
    env = {"COMP_WORDS": "scimguard tas", "COMP_CWORD": "1", "_SCIMGUARD_COMPLETE": "bash_complete"}
    result = CliRunner().invoke(main, [], env=env, prog_name="scimguard")
    assert "plain,tasks" in result.output


def test_databases_and_tenants_have_one_name_each():
    """A database option is --state-db or --emulator-db, a tenant is --tenant, everywhere.

    A source's own directory keeps the source's word: `--entra-tenant` names an Entra ID
    tenant (a directory read from), not an emulator tenant, and is the one exception."""
    source_terms = {"--entra-tenant"}
    for path, command in every_command():
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            longs = [o for o in param.opts if o.startswith("--")]
            if any("db" in o or "database" in o for o in longs):
                assert longs[0] in ("--state-db", "--emulator-db"), (path, longs)
            if any("tenant" in o for o in longs) and longs[0] not in source_terms:
                assert longs[0] == "--tenant", (path, longs)
