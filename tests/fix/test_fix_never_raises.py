"""fix never raises on any input: it fixes, or refuses with FixInputError/UnusableInput (exit 2).

Random bytes, structured JSON (array, JSON lines, ListResponse, odd values and nesting) and
CSV (quotes, line breaks, delimiters, CR). Whenever fix writes an output, the undo document
restores the input byte for byte. Plus a stress test of nested input at many depths.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimguard.cli import main
from scimguard.fix import FixInputError, run_fix, undo_document
from scimguard.fix.keys import identifiers
from scimguard.fix.undo import restore
from scimguard.profile import Profile
from scimguard.records import UnusableInput, read_records

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = ["a", "Jo", " ", "\u200b", "\u200d", "\u3000", "e\u0301", "\ufa19", ":", ";", '"', ",",
          "\n", "\r", "\t", "\\", "{", "[", "@", "\x00", "\ud7ff", "\U0001f469"]  # fmt: skip
KEYS = ["userName", "externalId", "displayName", "name", "givenName", "familyName", "emails",
        "value", "primary", "title", "members", "Resources", "schemas", "profile", "login",
        "addresses", "active", "x"]  # fmt: skip
text = st.lists(st.sampled_from(PIECES), max_size=5).map("".join)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), text
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
resources = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)


def _fix_or_refuse(name: str, data: bytes, **options: object) -> None:
    """Run fix on `data`; a clean refusal is fine, anything else fails the test. When fix
    writes an output, undo restores the input, and without --identifiers no record's
    identifiers (as the readers build the record) differ between input and output."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            result = run_fix(str(path), Profile(), **options)  # type: ignore[arg-type]
        except (FixInputError, UnusableInput) as exc:
            assert str(exc)  # a message for the person
            return
        document = undo_document(result, "in", "out")
        assert restore(document, result.output_bytes, "undo", "out") == data
        if not options.get("identifiers"):
            out = Path(tmp) / f"out-{name}"
            out.write_bytes(result.output_bytes)
            before = [identifiers(r.resource, r.kind) for r in read_records([str(path)])]
            after = [identifiers(r.resource, r.kind) for r in read_records([str(out)])]
            assert before == after


@SETTINGS
@given(st.binary(max_size=600), st.sampled_from(["in.csv", "in.json", "in.jsonl", "in.bin"]))
def test_random_bytes(data: bytes, name: str) -> None:
    _fix_or_refuse(name, data)


@SETTINGS
@given(
    st.lists(st.one_of(resources, values), max_size=5),
    st.sampled_from(["array", "lines", "list-response", "one"]),
    st.sampled_from([None, 1, 2, "\t"]),
    st.booleans(),
)
def test_structured_json(items, shape: str, indent, options: bool) -> None:  # type: ignore[no-untyped-def]
    if shape == "lines":
        data = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()
    elif shape == "list-response":
        page = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "Resources": items,
        }
        data = json.dumps(page, indent=indent, ensure_ascii=False).encode()
    elif shape == "one":
        data = json.dumps(items[0] if items else {}, indent=indent).encode()
    else:
        data = json.dumps(items, indent=indent, ensure_ascii=False).encode()
    _fix_or_refuse("in.jsonl" if shape == "lines" else "in.json", data, warnings=options,
                   identifiers=options)  # fmt: skip


@SETTINGS
@given(
    st.lists(st.lists(text, min_size=1, max_size=6), min_size=1, max_size=5),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(
        [
            ["login", "firstName", "lastName", "email"],
            ["userName", "name.givenName", "emails[0].value"],
        ]
    ),
)
def test_structured_csv(rows, delimiter: str, ending: str, header) -> None:  # type: ignore[no-untyped-def]
    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [delimiter.join(header)] + [delimiter.join(cell(v) for v in row) for row in rows]
    _fix_or_refuse("in.csv", (ending.join(lines) + ending).encode("utf-8", "surrogatepass"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.sampled_from(["in.csv", "in.json", "in.jsonl"]))
def test_the_command_never_shows_a_traceback(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp) / name, Path(tmp) / "out"
        source.write_bytes(data)
        result = CliRunner().invoke(main, ["fix", str(source), "-o", str(output)])
        assert isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (0, 1, 2)
        assert output.exists() == (result.exit_code != 2)  # exit 2 writes nothing


def _nested(depth: int, opener: str) -> str:
    closer = "]" if opener == "[" else "}"
    inner = "1" if opener == "[" else '"x": 1'
    if opener == "{":
        return '{"x": ' * depth + "1" + "}" * depth
    return opener * depth + inner + closer * depth


@pytest.mark.parametrize("depth", [10, 100, 500, 1000, 3000, 100_000])
@pytest.mark.parametrize("opener", ["[", "{"])
@pytest.mark.parametrize("shape", ["array", "lines", "list-response"])
def test_nested_input_stress(tmp_path: Path, depth: int, opener: str, shape: str) -> None:
    fixable = {"userName": "a@x.com", "name": {"givenName": "A\u200b", "familyName": "B"}}
    deep = '{"userName": "b@x.com", "x": ' + _nested(depth, opener) + "}"
    first = json.dumps(fixable)
    if shape == "lines":
        name, data = "in.jsonl", f"{first}\n{deep}\n"
    elif shape == "array":
        name, data = "in.json", f"[\n{first},\n{deep}\n]\n"
    else:
        name, data = "in.json", f'{{"schemas": ["x"],\n "Resources": [\n{first},\n{deep}\n]}}\n'
    source = tmp_path / name
    source.write_text(data)
    output = tmp_path / "out"
    commands = [
        ["fix", str(source), "-o", str(output), "--warnings"],  # drops the unknown attribute
        ["fix", str(source), "--dry-run", "--format", "json", "--warnings"],
        ["fix", str(source), "--dry-run", "--diff", "changes", "--warnings"],
        *(["check", str(source), "--format", fmt] for fmt in ("json", "csv", "text")),
    ]
    for command in commands:
        result = CliRunner().invoke(main, command)
        assert isinstance(result.exception, SystemExit), (command, result.exception)
        assert result.exit_code in (0, 1, 2), result.output
    fixed = CliRunner().invoke(main, ["fix", str(source), "-o", str(output)])
    if fixed.exit_code == 2:
        assert f"{source}:" in fixed.output  # the file, and the line where it is
    else:  # the fixable user was fixed, the deep one kept byte for byte or left as it was
        out = output.read_text()
        assert '"givenName": "A"' in out and _nested(depth, opener) in out
