"""An Okta export object as an `Editor`: its fields are the profile's attributes.

The SCIM resource is the readers' own Okta conversion of the object, and the edited object is
written back in the style of the original JSON (json_style.py). `is_okta` tells locate.py which
editor an element of a JSON input needs.
"""

from __future__ import annotations

from typing import Any

from scimguard.fix.editors import FlatEditor
from scimguard.fix.json_style import splice_json
from scimguard.records import Record
from scimguard.records.mapping import OKTA_ATTRIBUTES
from scimguard.records.okta import OktaConverter, is_okta_object


class OktaEditor(FlatEditor):
    """An Okta export object: the state is the object; fields are its profile attributes."""

    field_kind = "Okta profile attribute"

    def __init__(
        self, record: Record, start: int, end: int, obj: dict[str, Any], converter: OktaConverter
    ) -> None:
        super().__init__(record, start, end, obj)
        self.converter = converter

    def row(self, state: Any) -> dict[str, Any]:
        return dict(state["profile"])

    def all_fields(self, state: Any) -> dict[str, Any]:
        if is_okta_group(state):
            return {"name": "x", **{k: "x" for k in state["profile"]}}
        names = dict.fromkeys(OKTA_ATTRIBUTES, "x")
        mapping = self.converter.mapper
        for name in mapping.source_fields():
            names[name] = "x"
        names.update({k: "x" for k in state["profile"]})
        return names

    def build(self, row: dict[str, Any]) -> dict[str, Any]:
        # the reader's own conversion, without `id` and `status` (they are not profile fields)
        return self.converter.convert({"type": self.state.get("type"), "profile": row})

    def scim(self, state: Any) -> dict[str, Any]:
        return self.converter.convert(state)

    def set_field(self, state: Any, field: str, value: Any) -> None:
        state["profile"][field] = value

    def field_value(self, state: Any, field: str) -> Any:
        return state["profile"].get(field)

    def render(self, original: bytes) -> bytes:
        raw = original[self.start : self.end].decode("utf-8")
        return splice_json(raw, self.original_state, self.state).encode()


def is_okta_group(obj: dict[str, Any]) -> bool:
    return obj.get("type") in ("OKTA_GROUP", "APP_GROUP", "BUILT_IN")


def is_okta(obj: Any, input_format: str | None) -> bool:
    return isinstance(obj, dict) and (input_format == "okta" or is_okta_object(obj))
