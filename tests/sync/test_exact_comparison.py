"""The C quick comparison (sync/_exact.c) says "the same" exactly when canonical JSON forms
of both sides are equal (sync/diff.compared_form), and never for what JSON would not hold."""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scimguard.sync import diff
from scimguard.sync.diff import COMPARED_USER, compared_form

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")  # as tests/conftest.py says
same = diff.same_attributes
pytestmark = pytest.mark.skipif(
    same is None and not IN_CI, reason="the C comparison was not built here"
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, -1, 2**63 - 1]),
    st.sampled_from([0.0, -0.0, 1.0, 1.5]),
    st.sampled_from(["", "a", "A", "1", "true", "é", "e\u0301"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["value", "type", "primary"]), inner, max_size=3),
    ),
    max_leaves=8,
)
NAMES = st.sampled_from(["userName", "title", "active", "emails", "id", "meta", "nickName"])
RESOURCES = st.dictionaries(NAMES, VALUES, max_size=5)


@given(a=RESOURCES, b=RESOURCES)
@settings(max_examples=2000, deadline=None)
def test_the_same_exactly_when_the_canonical_forms_are(a, b):
    forms = compared_form(a, "user"), compared_form(b, "user")
    assert same(a, b, COMPARED_USER) == (None not in forms and forms[0] == forms[1])


@given(a=RESOURCES)
@settings(max_examples=300, deadline=None)
def test_a_resource_is_the_same_as_its_own_json_reading(a):
    import orjson

    echoed = orjson.loads(orjson.dumps(a))
    assert same(a, echoed, COMPARED_USER) is True
    assert same(a, {**echoed, "id": "t1", "meta": {}}, COMPARED_USER) is True  # not compared


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        math.inf,
        ("a",),
        [("a",)],
        {1: "x"},
        type("Text", (str,), {})("a"),
        type("Number", (int,), {})(1),
    ],
    ids=["nan", "inf", "tuple", "nested tuple", "number key", "str subclass", "int subclass"],
)
def test_what_json_would_not_hold_is_never_the_same(value):
    """Even against itself: only the full comparison may say such a value is unchanged."""
    assert same({"title": value}, {"title": value}, COMPARED_USER) is False


def test_types_count_and_presence_counts():
    assert same({"active": True}, {"active": 1}, COMPARED_USER) is False
    assert same({"title": 1}, {"title": 1.0}, COMPARED_USER) is False
    assert same({"title": 0.0}, {"title": -0.0}, COMPARED_USER) is False
    assert same({"title": None}, {}, COMPARED_USER) is False
    assert same({}, {"title": None}, COMPARED_USER) is False
    assert (
        same({"emails": [{"a": "x"}]}, {"emails": [{"a": "x", "b": None}]}, COMPARED_USER) is False
    )
    deep: object = "x"
    for _ in range(100):  # nested deeper than any resource: not judged here
        deep = [deep]
    assert same({"title": deep}, {"title": deep}, COMPARED_USER) is False


def test_wrong_arguments_raise():
    with pytest.raises(TypeError):
        same({}, {}, {"title"})  # type: ignore[arg-type]
