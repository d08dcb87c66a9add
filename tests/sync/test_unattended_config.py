"""`scimguard sync --config FILE`, through the real CLI against the real emulator."""

from __future__ import annotations

import json

from sync_helpers import run_cli, user, write_jsonl

from scimguard.sync.db import open_engine
from scimguard.sync.tasks import list_tasks


def write_config(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_file_drives_the_run_with_relative_paths(target, engine_db, tmp_path):
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    bad = user(3)
    del bad["name"]["familyName"]
    write_jsonl(conf_dir / "users.jsonl", [user(1), user(2), bad])
    (conf_dir / "token").write_text(target.token + "\n", encoding="utf-8")
    config = write_config(
        conf_dir / "scimguard.toml",
        f"""# the engine of acme
sources = ["users.jsonl"]
target = "{target.url}"
token-file = "token"
db = "{engine_db}"
rate-writes = 20
max-removals = "5%"
concurrency = 4
""",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # No token in the environment and no --db: both come from the file.
    result = run_cli(
        ["sync", "--config", str(config), "--json"], None, "sqlite:///nowhere/x.db", cwd=elsewhere
    )
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["created"] == 2 and summary["blocked"] == 1
    assert sorted(u["userName"] for u in target.users()) == [
        "user1@example.com",
        "user2@example.com",
    ]
    (task,) = list_tasks(open_engine(engine_db))
    assert task.rule == "missing-required"


def test_the_command_line_wins_over_the_file(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "users.jsonl", [user(1)])
    other = write_jsonl(tmp_path / "other.jsonl", [user(7)])
    config = write_config(
        tmp_path / "c.toml",
        f'sources = ["{path}"]\ntarget = "http://127.0.0.1:9/nowhere/scim/v2"\n',
    )
    result = run_cli(
        ["sync", "--config", str(config), "--target", target.url, str(other), "--json"],
        target.token,
        engine_db,
    )
    assert result.returncode == 0, result.stderr
    assert [u["userName"] for u in target.users()] == ["user7@example.com"]


def _refused(tmp_path, engine_db, text: str) -> str:
    config = write_config(tmp_path / "scimguard.toml", text)
    result = run_cli(["sync", "--config", str(config)], "tok", engine_db)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def test_unknown_keys_and_bad_values_name_the_key_and_its_line(tmp_path, engine_db):
    err = _refused(tmp_path, engine_db, 'target = "http://x"\n\nrate-write = 5\n')
    assert "line 3" in err and "`rate-write`" in err and "Did you mean `rate-writes`" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\nrate-reads = "fast"\n')
    assert "line 2" in err and "`rate-reads`" in err and "fast" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\nrate-reads = -1\n')
    assert "line 2" in err and "more than 0" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\n\n\nmax-removals = "lots"\n')
    assert "line 4" in err and "`max-removals`" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\nmapping = "absent.toml"\n')
    assert "line 2" in err and "`mapping`" in err and "absent.toml" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\nsources = ["a.csv"]\n')
    assert "line 2" in err and "`sources`" in err and "a.csv: no such file" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\ndelete-missing = "yes"\n')
    assert "line 2" in err and "true or false" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\nevery = "often"\n')
    assert "line 2" in err and "`every`" in err and "not a duration" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\nconcurrency = 100000\n')
    assert "line 2" in err and "`concurrency`" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\n[okta]\norg = "x"\n')
    assert "`okta`" in err and "tables are not used" in err
    err = _refused(tmp_path, engine_db, 'target = "http://x"\nrate-reads = 1\nrate-reads = 2\n')
    assert "not valid TOML" in err and "line 3" in err


def test_secrets_are_refused_and_never_echoed(tmp_path, engine_db):
    secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.sig-123"
    err = _refused(tmp_path, engine_db, f'target = "http://x"\ntoken = "{secret}"\n')
    assert "line 2" in err and "`token`" in err and "secret never goes in the config" in err
    assert secret not in err
    err = _refused(tmp_path, engine_db, f'target = "http://x"\nokta-api-token = "{secret}"\n')
    assert "`okta-api-token`" in err and "secret" in err and secret not in err
    err = _refused(tmp_path, engine_db, f'target = "http://x"\ntoken-env = "{secret}"\n')
    assert "line 2" in err and "NAME of an environment variable" in err
    err = _refused(
        tmp_path, engine_db, 'target = "http://x"\ndb = "postgresql://eng:hunter2@db/state"\n'
    )
    assert "line 2" in err and "`db`" in err and "PGPASSWORD" in err and "hunter2" not in err


def test_an_unreadable_config_is_a_usage_error(tmp_path, engine_db):
    result = run_cli(["sync", "--config", str(tmp_path / "absent.toml")], "tok", engine_db)
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_the_example_of_the_docs_is_a_valid_config(tmp_path):
    import re
    from pathlib import Path

    import click

    from scimguard.cli.sync import sync_command
    from scimguard.unattended.config import load_config

    docs = Path(__file__).parents[2] / "docs" / "sync.md"
    (example,) = re.findall(
        r"```toml\n(# /etc/scimguard/scimguard.toml\n.*?)```", docs.read_text(), re.S
    )
    for name in ("mapping.toml", "users.csv", "groups.csv"):
        (tmp_path / name).write_text("", encoding="utf-8")
    path = tmp_path / "scimguard.toml"
    path.write_text(example, encoding="utf-8")
    values = load_config(click.Context(sync_command), path)
    assert values["target_url"].startswith("https://scim.")
    assert values["sources"] == [str(tmp_path / "users.csv"), str(tmp_path / "groups.csv")]
    assert values["every"] == 1800 and values["metrics_port"] == 9464
    assert values["max_removals"] == "5%" and values["adopt_manual"] is False


def test_an_okta_source_from_the_config_file(target, engine_db, tmp_path):
    from fake_okta import FakeOkta, okta_group, okta_user

    with FakeOkta(page_size=2) as okta:
        for i in range(4):
            okta.users.append(okta_user(f"00u{i}", f"user{i}@example.com", f"F{i}", f"L{i}"))
        okta.groups = [okta_group("00gA", "Engineering"), okta_group("00gB", "Sales")]
        okta.members = {"00gA": ["00u0", "00u1"], "00gB": ["00u3"]}
        config = write_config(
            tmp_path / "scimguard.toml",
            f'target = "{target.url}"\nokta-org = "{okta.url}"\nokta-group = ["Engineering"]\n',
        )
        result = run_cli(
            ["sync", "--config", str(config), "--json"],
            target.token,
            engine_db,
            env={"OKTA_API_TOKEN": okta.token},
        )
    assert result.returncode == 0, result.stderr
    assert sorted(u["userName"] for u in target.users()) == [
        "user0@example.com",
        "user1@example.com",
    ]
    assert [g["displayName"] for g in target.groups()] == ["Engineering"]


def test_durations_as_people_write_them():
    import pytest

    from scimguard.unattended.duration import parse_duration

    assert parse_duration("30m") == 1800 and parse_duration("2s") == 2
    assert parse_duration("1h30m") == 5400 and parse_duration("1d") == 86400
    assert (
        parse_duration("90") == 90 and parse_duration(15) == 15 and parse_duration("250ms") == 0.25
    )
    for bad in ("", "often", "1m30", "-5", "5x", True):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_format_json_in_the_file_prints_the_json_summary(target, engine_db, tmp_path):
    """`format = "json"` is the `--format` option, as every key is the option's long name."""
    path = write_jsonl(tmp_path / "users.jsonl", [user(1), user(2)])
    config = write_config(
        tmp_path / "scimguard.toml",
        f'sources = ["{path}"]\ntarget = "{target.url}"\nformat = "json"\n',
    )
    result = run_cli(["sync", "--config", str(config)], target.token, engine_db)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # one JSON document, no text plan around it
    assert summary["created"] == 2 and summary["exit_status"] == 0
    # the command line still wins
    text = run_cli(["sync", "--config", str(config), "--format", "text"], target.token, engine_db)
    assert text.returncode == 0, text.stderr
    assert not text.stdout.lstrip().startswith("{") and text.stdout.strip()
    err = _refused(tmp_path, engine_db, f'sources = ["{path}"]\n\nformat = "yaml"\n')
    assert "line 3" in err and "`format`" in err and "'yaml' is not one of" in err
