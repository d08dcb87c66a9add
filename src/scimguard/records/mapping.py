"""From flat source attributes (CSV columns, Okta profile attributes) to a SCIM resource.

The default follows Okta's AWS IAM Identity Center app: `login` -> `userName`, `email` ->
`emails[0]` (type work, primary), the address parts, two phone numbers, and the enterprise
extension. Any other column name is read as a SCIM path (`name.givenName`, `emails[0].value`,
`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`).

A `--mapping` TOML file overrides targets one by one: each key is a target SCIM path (quote it),
each value a source attribute name or a template such as `"{firstName} {lastName}"`; an empty
string stops sending that target:

    userName = "email"
    displayName = "{firstName} {lastName}"
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter" = "costCentre"
    title = ""
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scimguard.profile.schema import ENTERPRISE_URN
from scimguard.records.paths import PathError, Segment, compact, parse_path, set_path

EmptyCells = Literal["absent", "empty-string"]

# Okta profile attribute -> SCIM path, as Okta's AWS IAM Identity Center app maps them.
OKTA_ATTRIBUTES: dict[str, str] = {
    "login": "userName",
    "firstName": "name.givenName",
    "lastName": "name.familyName",
    "middleName": "name.middleName",
    "honorificPrefix": "name.honorificPrefix",
    "honorificSuffix": "name.honorificSuffix",
    "displayName": "displayName",
    "email": "emails[0].value",
    "streetAddress": "addresses[0].streetAddress",
    "city": "addresses[0].locality",
    "state": "addresses[0].region",
    "zipCode": "addresses[0].postalCode",
    "countryCode": "addresses[0].country",
    "primaryPhone": "phoneNumbers[0].value",
    "mobilePhone": "phoneNumbers[1].value",
    "title": "title",
    "locale": "locale",
    "timezone": "timezone",
    "preferredLanguage": "preferredLanguage",
    "nickName": "nickName",
    "userType": "userType",
    "employeeNumber": f"{ENTERPRISE_URN}:employeeNumber",
    "costCenter": f"{ENTERPRISE_URN}:costCenter",
    "organization": f"{ENTERPRISE_URN}:organization",
    "division": f"{ENTERPRISE_URN}:division",
    "department": f"{ENTERPRISE_URN}:department",
}

# Constants Okta's app sends beside a value it maps (only when the value itself is sent).
_COMPANIONS: dict[str, tuple[tuple[str, Any], ...]] = {
    "emails[0].value": (("emails[0].type", "work"), ("emails[0].primary", True)),
    "addresses[0].streetAddress": (("addresses[0].type", "work"),),
    "phoneNumbers[0].value": (("phoneNumbers[0].type", "work"),),
    "phoneNumbers[1].value": (("phoneNumbers[1].type", "mobile"),),
}

_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")
# A cell has no JSON type: "true"/"false" in a `primary` column is the boolean (a JSON
# string there is invalid-type, and a finding's severity never depends on the format).
_CELL_BOOLEANS = {"true": True, "false": False}


class MappingError(ValueError):
    """A mapping file that cannot be used (bad TOML, a target that is not a SCIM path)."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where a target's value comes from: one attribute, or a template of several."""

    attribute: str | None = None
    template: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        if self.template is not None:
            return tuple(_TEMPLATE_FIELD.findall(self.template))
        return (self.attribute,) if self.attribute else ()

    @classmethod
    def parse(cls, text: str) -> Source:
        if _TEMPLATE_FIELD.search(text):
            return cls(template=text)
        return cls(attribute=text)


@dataclass(slots=True)
class AttributeMapping:
    """Target SCIM path -> source. `None` source means "never send this target"."""

    targets: dict[str, Source | None] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> AttributeMapping:
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as exc:
            raise MappingError(f"{path}: cannot read the mapping file ({exc.strerror})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"{path}: not valid TOML ({exc})") from exc
        return cls.from_dict(data, origin=str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "mapping") -> AttributeMapping:
        targets: dict[str, Source | None] = {}
        for target, source in _flatten(data):
            try:
                parse_path(target)
            except PathError as exc:
                raise MappingError(f"{origin}: {exc}") from exc
            if not isinstance(source, str):
                raise MappingError(
                    f"{origin}: {target} = {source!r}: the source must be a string (an "
                    'attribute name or a template such as "{firstName} {lastName}")'
                )
            targets[target] = Source.parse(source) if source else None
        return cls(targets)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    """TOML tables read as dotted paths: `[name] givenName = "x"` is `name.givenName`."""
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from _flatten(value, path)
        else:
            yield path, value


class FieldMapper:
    """Builds SCIM resources from flat rows, for one set of source attribute names."""

    def __init__(
        self,
        columns: Iterable[str],
        mapping: AttributeMapping | None = None,
        *,
        empty_cells: EmptyCells = "absent",
        okta_only: bool = False,
    ) -> None:
        """`columns`: the source attribute names known up front (CSV header).

        `okta_only`: sources that are not Okta attribute names are dropped instead of being
        read as SCIM paths (an Okta profile holds many attributes the app does not map).
        """
        self.empty_cells = empty_cells
        targets: dict[str, Source | None] = {}
        for column in columns:
            target = OKTA_ATTRIBUTES.get(column)
            if target is None:
                if okta_only:
                    continue
                target = column
            targets.setdefault(target, Source(attribute=column))
        if mapping is not None:
            targets.update(mapping.targets)
        self.problems: list[str] = []
        self._plan: list[tuple[tuple[Segment, ...], Source, tuple]] = []
        for target, source in targets.items():
            if source is None:
                continue
            try:
                segments = parse_path(target)
            except PathError as exc:
                self.problems.append(str(exc))
                continue
            companions = tuple(
                (parse_path(path), value)
                for path, value in _COMPANIONS.get(target, ())
                if source.attribute in OKTA_ATTRIBUTES and path not in targets
            )
            self._plan.append((segments, source, companions))

    def source_fields(self) -> list[str]:
        """Every source attribute the mapping reads (template fields included), in order."""
        return [name for _segments, source, _companions in self._plan for name in source.fields]

    def build(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """One resource from one row; absent (None) values are left out."""
        resource: dict[str, Any] = {}
        empty_is_string = self.empty_cells == "empty-string"
        for segments, source, companions in self._plan:
            if source.template is None:
                value = row.get(source.attribute)  # type: ignore[arg-type]
                if value is None:
                    if not empty_is_string or source.attribute not in row:
                        continue
                    value = ""
            else:
                value = _fill(source.template, row)
                if value is None:
                    if not empty_is_string:
                        continue
                    value = ""
            if segments[-1][0] == "primary" and isinstance(value, str):
                value = _CELL_BOOLEANS.get(value.lower(), value)
            set_path(resource, segments, value)
            for companion_segments, constant in companions:
                set_path(resource, companion_segments, constant)
        return compact(resource)


def _fill(template: str, row: Mapping[str, Any]) -> str | None:
    """The template with its fields filled; None when every field is absent or empty."""
    seen_value = False

    def one(match: re.Match[str]) -> str:
        nonlocal seen_value
        value = row.get(match.group(1))
        if value is None or value == "":
            return ""
        seen_value = True
        return value if isinstance(value, str) else str(value)

    filled = _TEMPLATE_FIELD.sub(one, template)
    return filled if seen_value else None
