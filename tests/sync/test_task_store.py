"""The task store: migrations, one open task per record, dismissal, counts, Okta messages."""

from __future__ import annotations

from sqlalchemy import inspect

from scimguard.sync import tasks as T
from scimguard.sync.db import open_engine


def _file(engine, key="u1", state="failed", status=400, body=None, rule="target-rejected"):
    with engine.begin() as conn:
        return T.file_task(
            conn,
            run_id=None,
            kind="user",
            record_key=key,
            display=f"{key}@example.com",
            operation="create",
            state=state,
            rule=rule,
            request={"method": "POST", "path": "/Users", "body": body or {"userName": key}},
            response=None
            if status is None
            else {
                "status": status,
                "body": {
                    "detail": "Request is unparsable, syntactically incorrect, or violates schema."
                },
                "request_id": "req-1",
            },
            findings=[
                {
                    "rule": rule,
                    "severity": "error",
                    "attribute": "name.familyName",
                    "value": None,
                    "message": "The last name is missing.",
                    "fix": "Fill it in.",
                    "suggested_value": None,
                }
            ],
            attempts=1,
            source={"type": "file", "path": "users.json"},
            target_url="http://target",
        )


def test_migrations_create_tables_with_own_version_table(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    names = set(inspect(engine).get_table_names())
    assert {"sync_runs", "sync_tasks", "sync_resources", "scimguard_engine_version"} <= names
    open_engine(f"sqlite:///{tmp_path / 'engine.db'}")  # idempotent


def test_one_open_task_per_record_and_listing(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'e.db'}")
    first = _file(engine, "u1")
    again = _file(engine, "u1", rule="missing-required")
    other = _file(engine, "u2", state="blocked", status=None)
    assert first == again
    assert T.get_task(engine, first).attempts == 2  # every try, across runs
    assert other != first
    assert [t.id for t in T.list_tasks(engine)] == [other, first]
    assert [t.id for t in T.list_tasks(engine, state="blocked")] == [other]
    assert [t.id for t in T.list_tasks(engine, rule="missing-required")] == [first]
    counts = T.task_counts(engine)
    assert counts == {"failed": 1, "blocked": 1, "succeeded": 0, "dismissed": 0}
    assert T.open_task_ids(engine) == [first, other]


def test_dismiss_sticks_while_the_request_is_the_same(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'e.db'}")
    tid = _file(engine, "u1")
    assert T.dismiss_tasks(engine, [tid]) == 1
    assert _file(engine, "u1") == tid
    assert T.get_task(engine, tid).state == "dismissed"
    _file(engine, "u1", body={"userName": "u1", "title": "changed"})
    assert T.get_task(engine, tid).state == "failed"


def test_okta_message_reads_like_okta_then_diagnosis(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'e.db'}")
    task = T.get_task(engine, _file(engine, "jane", rule="missing-required"))
    message = T.okta_message(task)
    assert message.startswith(
        "Automatic provisioning of user jane@example.com to app AWS IAM Identity Center failed: "
        "Error while creating user jane@example.com: Bad Request. Errors reported by remote "
        "server: Request is unparsable, syntactically incorrect, or violates schema."
    )
    assert "missing-required (name.familyName): The last name is missing." in message
    blocked = T.get_task(engine, _file(engine, "bob", state="blocked", status=None))
    assert "Not sent" in T.okta_message(blocked)
    assert task.to_dict()["response"]["request_id"] == "req-1"
