"""JSON arrays read with the compiled object finder give what the token-by-token reader gives."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimguard.records import json_reader, read_records

needs_split = pytest.mark.skipif(
    json_reader._split_objects is None, reason="records._split was not built here"
)

STRINGS = st.text(st.sampled_from([*'ab{}[]",:\\ \n\t', "é", "\u200b"]), max_size=8)
LEAVES = st.one_of(STRINGS, st.integers(-5, 5), st.booleans(), st.none())
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(STRINGS, inner, max_size=3)
    ),
    max_leaves=8,
)
ELEMENTS = st.one_of(
    st.fixed_dictionaries({"userName": STRINGS}, optional={"x": VALUES}),
    st.dictionaries(STRINGS, VALUES, max_size=3),
    LEAVES,  # not objects: reported
    st.lists(LEAVES, max_size=2),
)


def _read(path, split):
    saved = json_reader._split_objects
    json_reader._split_objects = split
    try:
        stream = read_records([str(path)], input_format="json")
        records = [(r.index, r.line, r.kind, r.resource) for r in stream]
        return records, [(p.line, p.message, p.skipped) for p in stream.problems]
    finally:
        json_reader._split_objects = saved


# tmp_path and monkeypatch are shared by the examples: each example rewrites what it uses.
SHARED_FIXTURES = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@needs_split
@settings(max_examples=300, deadline=None, suppress_health_check=SHARED_FIXTURES)
@given(
    st.lists(ELEMENTS, max_size=6),
    st.sampled_from([None, 2, "\t", 0]),
    st.sampled_from([1, 7, 64, 4 << 20]),
    st.sampled_from(["", "", "", "", "]", "}", "[", ",,", "{", '{"a": "b']),
)
def test_the_object_finder_reads_what_the_tokenizer_reads(
    tmp_path, monkeypatch, elements, indent, chunk, damage
):
    monkeypatch.setattr(json_reader, "CHUNK", chunk)  # elements across chunks
    text = json.dumps(elements, indent=indent, ensure_ascii=False)
    if damage:  # broken documents: the same problems, at the same lines
        cut = len(text) // 2
        text = text[:cut] + damage + text[cut:]
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8")
    assert _read(path, json_reader._split_objects) == _read(path, None)


@needs_split
def test_a_listresponse_and_nested_brackets_in_strings(tmp_path):
    users = [{"userName": f"u{i}", "title": 'a]}{[\\"b'} for i in range(50)]
    doc = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Resources": users}
    path = tmp_path / "list.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    fast, slow = _read(path, json_reader._split_objects), _read(path, None)
    assert fast == slow
    assert [r[3]["userName"] for r in fast[0]] == [f"u{i}" for i in range(50)]
