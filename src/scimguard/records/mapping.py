"""From flat source attributes (CSV columns, Okta profile attributes) to a SCIM resource.

The default follows Okta's AWS IAM Identity Center app (`login` -> `userName`, `email` ->
`emails[0]` (type work, primary), the address parts, the enterprise extension), with one
difference: AWS takes one element of each multi-valued attribute, so the default mapping builds
one. `primaryPhone` is sent as the phone number (type work); `mobilePhone` (type mobile) only
when there is no `primaryPhone`. Any other column name is read as a SCIM path (`name.givenName`,
`emails[0].value`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`);
where such columns fill two elements of one list (`phoneNumbers[0].value` and
`phoneNumbers[1].value`), a row sends one: the element marked primary, else the first filled
one (`keep_one`). The one email sent is marked primary when no column says otherwise.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scimguard.errors import MappingError, PathError
from scimguard.profile.booleans import as_bool
from scimguard.profile.schema import ENTERPRISE_URN
from scimguard.records import headers
from scimguard.records.paths import Segment, compact, parse_path, set_path

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
    "mobilePhone": "phoneNumbers[1].value",  # a fallback: see `keep_one`
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

# AWS takes at most one element of these lists (rule `multiple-values`).
SINGLE_VALUED_LISTS = ("emails", "phoneNumbers", "addresses", "roles")
# Sub-attributes that do not make an element "filled": the mapping adds them as constants.
_CONSTANT_SUBS = frozenset({"type", "primary"})


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
        # why: tomllib only when a mapping file is given (most runs of `check` have none)
        import tomllib

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
        recognised: set[str] = set(OKTA_ATTRIBUTES)  # sources whose companions are sent
        self.unmapped: list[str] = []  # columns that map to no attribute AWS knows
        columns = list(columns)
        for column in columns:
            found = _targets_of(column, okta_only)
            if found is None:
                continue
            if not found:  # not sent, as AWS's integrations send no unmapped attribute
                self.unmapped.append(column)
                continue
            if found != (column,):  # a recognised name, not a SCIM path
                recognised.add(column)
            for target in found:
                targets.setdefault(target, Source(attribute=column))
        if not okta_only:
            _google_display_name(columns, targets)
        if mapping is not None:
            targets.update(mapping.targets)
        self.sources: dict[str, tuple[str, ...]] = {
            target: source.fields for target, source in targets.items() if source is not None
        }
        self.problems: list[str] = []
        self.notices: list[str] = []  # what the mapping does to the columns (not a problem)
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
                if source.attribute in recognised and path not in targets
            )
            self._plan.append((segments, source, companions))
        self.notices.extend(_two_value_notices(self._plan))
        used = set(self.source_fields())
        ignored = [c for c in self.unmapped if c not in used]
        if ignored:
            self.notices.append(
                "columns not sent (they name no attribute AWS IAM Identity Center takes; map "
                "one with --mapping): " + ", ".join(ignored)
            )

    def missing_required(self) -> list[str]:
        """Required user attributes no column fills (nor lets be derived); see `headers`."""
        return headers.missing_required(self.sources)

    def source_fields(self) -> list[str]:
        """Every source attribute the mapping reads (template fields included), in order."""
        return [name for _segments, source, _companions in self._plan for name in source.fields]

    def build(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """One resource from one row; absent (None) values are left out."""
        resource: dict[str, Any] = {}
        empty_is_string = self.empty_cells == "empty-string"
        for segments, source, companions in self._plan:
            if source.template is None:
                # ignored: a Source without a template has an attribute (Source's docstring)
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
        return keep_one(compact(resource))


def _targets_of(column: str, okta_only: bool) -> tuple[str, ...] | None:
    """The targets of a source attribute: () when it maps to nothing AWS knows, None when it is
    dropped silently (an Okta profile holds many attributes the app does not map)."""
    target = OKTA_ATTRIBUTES.get(column)
    if target is not None:
        return (target,)
    if okta_only:
        return None
    okta = headers.okta_name(column)
    if okta is not None:
        return (OKTA_ATTRIBUTES[okta],)
    found = headers.export_targets(column)
    if found:
        return found
    return (column,) if headers.is_scim_path(column) else ()


def _google_display_name(columns: list[str], targets: dict[str, Source | None]) -> None:
    """AWS's Google Workspace provisioning sends "first last" as the display name."""
    folded = {" ".join(c.split()).casefold(): c for c in columns}
    first = folded.get(headers.GOOGLE_FIRST.casefold())
    last = folded.get(headers.GOOGLE_LAST.casefold())
    if first and last and "displayName" not in targets:
        targets["displayName"] = Source(template=f"{{{first}}} {{{last}}}")


def _filled(element: Any) -> bool:
    """An element that carries a value of its own (not only the mapping's type/primary)."""
    if not isinstance(element, dict):
        return element is not None
    return any(v is not None and v != "" for k, v in element.items() if k not in _CONSTANT_SUBS)


def keep_one(resource: dict[str, Any]) -> dict[str, Any]:
    """One element per list AWS takes one of: the primary filled one, else the first filled one.

    Why: a flat source (Okta's `primaryPhone` and `mobilePhone`, or CSV columns
    `phoneNumbers[0].value` and `phoneNumbers[1].value`) describes one person's contacts; AWS
    refuses the record that sends two (`multiple-values`), so the mapping chooses, in the order
    the columns are numbered. The one email is marked primary when nothing said otherwise (AWS
    requires it: `email-not-primary`).
    """
    for key in SINGLE_VALUED_LISTS:
        values = resource.get(key)
        if not isinstance(values, list) or not values:
            continue
        if len(values) > 1:
            filled = [v for v in values if _filled(v)] or values[:1]
            chosen = next(
                (v for v in filled if isinstance(v, dict) and as_bool(v.get("primary")) is True),
                filled[0],
            )
            resource[key] = values = [chosen]
        element = values[0]
        if key == "emails" and isinstance(element, dict) and "primary" not in element:
            element["primary"] = True
    return resource


def _two_value_notices(plan: list[tuple[tuple[Segment, ...], Source, tuple]]) -> list[str]:
    """A notice for each list the columns fill twice (Okta's default phones excepted)."""
    indexes: dict[str, set[int]] = {}
    for segments, source, _companions in plan:
        name, index = segments[0]
        if name in SINGLE_VALUED_LISTS and index is not None and source.attribute != "mobilePhone":
            indexes.setdefault(name, set()).add(index)
    notices = []
    for name, found in indexes.items():
        if len(found) > 1:
            elements = ", ".join(f"{name}[{i}]" for i in sorted(found))
            notices.append(
                f"columns fill {len(found)} elements of {name} ({elements}); AWS takes one, so "
                "each row sends one: the element marked primary, else the first filled one"
            )
    return notices


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


def okta_source_of(mapping: AttributeMapping | None, target: str) -> Source | None:
    """The Okta profile attribute (or template) behind a SCIM path, as `OktaConverter` maps it:
    Okta's app defaults, overridden by `mapping`. None when nothing maps to the path (or the
    mapping stops sending it). Used to write a fix back to Okta: only a `Source` with an
    `attribute` can be inverted; a template (`{firstName} {lastName}`) cannot."""
    try:
        wanted = parse_path(target)
    except PathError:
        return None
    targets: dict[str, Source | None] = {
        path: Source(attribute=name) for name, path in OKTA_ATTRIBUTES.items()
    }
    if mapping is not None:
        targets.update(mapping.targets)
    for path, source in targets.items():
        try:
            if parse_path(path) == wanted:
                return source
        except PathError:
            continue
    return None
