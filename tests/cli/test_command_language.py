"""One command language (issue 15, item 6): every option has help text, `-V` is `--version`,
rule codes are validated case-insensitively with a did-you-mean."""

from __future__ import annotations

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
