"""The source seam: built-ins registered, a third-party source plugs in, failures are problems."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

import scimguard.sources as sources
from scimguard.sources import (
    ReadContext,
    Source,
    SourceError,
    SourceRecord,
    describe,
    read_all,
    register,
    registered,
    source_for,
)
from scimguard.sources.base import _REGISTRY, state_key


class HrSource:
    """A source another package could ship: records from the spec itself, state remembered."""

    type = "test-hr"

    def read(self, spec: Any, context: ReadContext) -> tuple[list[SourceRecord], list[str]]:
        seen = context.state.load(state_key(spec, "name")) or 0
        context.state.save(state_key(spec, "name"), seen + 1)
        context.progress(f"read {len(spec['people'])} people")
        records = [
            SourceRecord("user", {"userName": p, "externalId": f"hr-{p}"}, dict(spec))
            for p in spec["people"]
        ]
        return records, [] if seen == 0 else [f"read {seen} times before"]

    def describe(self, spec: Any) -> str:
        return f"HR {spec['name']}"


class DictState:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def load(self, key: str) -> Any:
        return self.values.get(key)

    def save(self, key: str, value: Any) -> None:
        self.values[key] = value


@pytest.fixture
def hr_source():
    source = register(HrSource())
    yield source
    _REGISTRY.pop("test-hr", None)


def test_files_and_okta_are_registered_on_import():
    assert {"file", "okta"} <= set(registered())
    for source in registered().values():
        assert isinstance(source, Source)


def test_a_third_party_source_plugs_in_with_state_and_progress(hr_source):
    spec = {"type": "test-hr", "name": "acme", "people": ["ana", "bo"]}
    state, lines = DictState(), []
    context = ReadContext(state=state, progress=lines.append)
    first = read_all([spec], context=context)
    assert [r.name for r in first.users] == ["ana", "bo"] and first.complete
    assert lines == ["read 2 people"]
    assert state.values == {"test-hr:acme": 1}
    second = read_all([spec], context=context)  # the state reached the source
    assert second.problems == ["read 1 times before"] and not second.complete
    assert describe(spec) == "HR acme"


def test_an_unknown_type_is_a_problem_of_the_read_not_a_crash(tmp_path: Path):
    good = tmp_path / "users.jsonl"
    good.write_text(
        json.dumps(
            {"userName": "ana", "name": {"givenName": "A", "familyName": "B"}, "displayName": "A B"}
        )
        + "\n"
    )
    snapshot = read_all([{"type": "nope"}, sources.file_spec(str(good))])
    assert [r.name for r in snapshot.users] == ["ana"]
    assert len(snapshot.problems) == 1 and "unknown source type 'nope'" in snapshot.problems[0]
    assert "file" in snapshot.problems[0] and "okta" in snapshot.problems[0]  # names the known
    with pytest.raises(SourceError, match="has no type"):
        source_for({"path": "x"})


def test_an_object_that_is_not_a_source_is_refused():
    class Half:
        type = "half"

        def read(self, spec: Any, context: ReadContext) -> Any:
            return [], []

    with pytest.raises(TypeError, match="not a Source"):
        register(Half())  # type: ignore[arg-type]
    assert "half" not in registered()


def test_the_snapshot_types_are_a_leaf():
    tree = ast.parse(Path(sources.snapshot.__file__).read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module] + [
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    ]
    assert not [m for m in imported if m.startswith("scimguard")], imported


def test_the_engine_keeps_a_source_state_across_openings(tmp_path: Path):
    from scimguard.sync.db import open_engine
    from scimguard.sync.source_state import EngineSourceState

    url = f"sqlite:///{tmp_path / 'engine.db'}"
    state = EngineSourceState(open_engine(url))
    assert state.load("entra:t1") is None
    state.save("entra:t1", {"deltaLink": "https://graph/x?$deltatoken=1", "users": {"a": 1}})
    state.save("entra:t1", {"deltaLink": "https://graph/x?$deltatoken=2", "users": {}})
    again = EngineSourceState(open_engine(url))
    assert again.load("entra:t1") == {"deltaLink": "https://graph/x?$deltatoken=2", "users": {}}
