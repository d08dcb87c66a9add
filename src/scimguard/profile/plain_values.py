"""Which values the full walk may pass without a closer look: the walk's per-value fast path.

`plain_value` answers as `values.plainly_valid_string` does: from the compiled judge when
profile/_screen.c was built, else with plain ASCII decided inline (the walk, resources.py, asks
it of every value). tests/profile/test_profile_fast.py holds both ways to the one answer.
"""

from __future__ import annotations

from typing import Any

from scimguard.profile import schema
from scimguard.profile.screen import make_value_judge
from scimguard.profile.values import SHORTEST_MAX, plainly_valid_string
from scimguard.text import PLAIN_ASCII

_IDENTIFIERS = schema.IDENTIFIERS


def plain_value(value: Any, name: str) -> bool:
    """A string the string rules pass: `plainly_valid_string`, with plain ASCII inlined.

    The walk asks this of every value before building its path: most values of a record that
    did not pass as a whole are still plain.
    """
    if type(value) is not str:
        return False
    if _judge is not None:
        return _judge(value, name in _IDENTIFIERS)
    if (
        0 < len(value) <= SHORTEST_MAX
        and value.isascii()
        and value[0] != " "
        and value[-1] != " "
        and not value.encode().translate(None, PLAIN_ASCII)
    ):
        return name not in _IDENTIFIERS or " " not in value
    return plainly_valid_string(value, identifier=name in _IDENTIFIERS)


_judge = make_value_judge()  # the same judgement, compiled (profile/_screen.c)
