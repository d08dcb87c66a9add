"""Rules on one whole resource: required attributes, types, lists, addresses, unknown names.

Walks a user or group once, calling `values.check_string` for every string it meets, so each
attribute is looked at exactly once. A group's half of the walk is in groups.py; the findings on
an attribute as a whole are worded in attribute_findings.py; `plain_values.plain_value` lets the
walk pass a plain value without building its path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scimguard.profile import schema
from scimguard.profile.attribute_findings import invalid_type, reserved, unknown, unsupported
from scimguard.profile.booleans import as_bool
from scimguard.profile.catalogue import E, W
from scimguard.profile.fast import is_plainly_valid_user
from scimguard.profile.findings import NO_SUGGESTION, Finding
from scimguard.profile.groups import GroupChecker
from scimguard.profile.plain_values import plain_value
from scimguard.profile.switches import Switches
from scimguard.profile.values import check_string, clean

# The string attributes the walk checks with required=True (their suggestion is never null).
_REQUIRED_STRINGS = frozenset(schema.REQUIRED_USER)
_MAX_KNOWN = 1 << 16  # (path, value) pairs whose findings check_values keeps


def _no_part(value: Any) -> bool:
    """An address part that counts as missing: absent, null, empty or whitespace only."""
    return value is None or (isinstance(value, str) and not value.strip())


def _bool_or(value: Any) -> Any:
    """The boolean a string `"true"`/`"false"` meant, as a suggestion."""
    meant = as_bool(value)
    return NO_SUGGESTION if meant is None else meant


class ResourceChecker:
    """Checks single users and groups against the profile's switches."""

    def __init__(self, switches: Switches) -> None:
        self.switches = switches
        # (path, value) -> its findings, for check_values: an export repeats its warned names,
        # and this skips building check_string's key (which hashes the switches) every time
        self._by_value: dict[tuple[str, str], tuple[Finding, ...]] = {}
        self.check_group = GroupChecker(self._string).check_group  # groups.py

    # --- strings ---------------------------------------------------------------------------

    def _string(
        self, path: str, value: Any, out: list[Finding], *, name: str, required: bool = False
    ) -> None:
        if plain_value(value, name):
            return
        if value is None:
            return
        if not isinstance(value, str):
            suggestion = (
                str(value)
                if isinstance(value, (int, float)) and not isinstance(value, bool)
                else NO_SUGGESTION
            )
            out.append(invalid_type(path, value, "a string", suggestion))
            return
        check_string(
            path,
            value,
            out,
            identifier=name in schema.IDENTIFIERS,
            maxlen=schema.MAX_LENGTH.get(name, schema.DEFAULT_MAX_LENGTH),
            required=required,
            switches=self.switches,
            multiline=name in schema.MULTILINE,
            uri=name in schema.URI_ATTRIBUTES,
        )

    # --- users -----------------------------------------------------------------------------

    def check_user(self, user: dict[str, Any]) -> list[Finding]:
        """Every single-record finding for a user; clean users leave through a fast path."""
        if is_plainly_valid_user(user, self.switches):
            return []
        return self.walk_user(user)

    def check_values(self, values: Iterable[tuple[str, str]]) -> list[Finding]:
        """The findings of a user the screen passed with warned values (screen.py): those of
        each (path, value), as the full walk names and judges them (`_string`)."""
        out: list[Finding] = []
        known = self._by_value
        for pair in values:
            found = known.get(pair)
            if found is None:
                path, value = pair
                name = path.rpartition(".")[2]  # "emails[0].value" -> "value"
                judged: list[Finding] = []
                self._string(path, value, judged, name=name, required=path in _REQUIRED_STRINGS)
                found = tuple(judged)
                if len(known) >= _MAX_KNOWN:
                    known.clear()
                known[pair] = found
            out.extend(found)
        return out

    def walk_user(self, user: dict[str, Any]) -> list[Finding]:
        """The full walk: the source of truth that the fast paths must agree with."""
        out: list[Finding] = []
        name_obj = None
        for key, value in user.items():
            if key in schema.SKIPPED:
                continue
            if key in schema.USER_STRINGS:
                if not plain_value(value, key):
                    required = key in ("userName", "displayName")
                    self._string(key, value, out, name=key, required=required)
            elif key == "name":
                name_obj = self._name(value, out)
            elif key in schema.MULTI_SUBS:
                self._multi(key, value, out)
            elif key == "active":
                if value is not None and as_bool(value) is None:
                    out.append(invalid_type(key, value, 'true or false (or "true"/"false")'))
            elif key == "profileUrl":
                self._string(key, value, out, name=key)
            elif key == schema.ENTERPRISE_URN:
                self._enterprise(value, out)
            elif key in schema.UNSUPPORTED_USER:
                why = (
                    "membership is set through the group"
                    if key == "groups"
                    else "AWS does not store it"
                )
                out.append(unsupported(key, value, why))
            else:
                out.append(unknown(key, value))
        self._required_user(user, name_obj, out)
        reserved("userName", user.get("userName"), out)
        return out

    def _name(self, value: Any, out: list[Finding]) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            out.append(invalid_type("name", value, "an object with givenName and familyName"))
            return None
        for sub, subvalue in value.items():
            if sub in schema.NAME_SUBS:
                if not plain_value(subvalue, sub):
                    required = sub in ("givenName", "familyName")
                    self._string(f"name.{sub}", subvalue, out, name=sub, required=required)
            else:
                out.append(unknown(f"name.{sub}", subvalue))
        return value

    def _multi(self, key: str, value: Any, out: list[Finding]) -> None:
        if value is None:
            return
        if isinstance(value, dict):
            out.append(invalid_type(key, value, "a list of objects", [value]))
            return
        if not isinstance(value, list):
            out.append(invalid_type(key, value, "a list of objects"))
            return
        if not value:
            out.append(
                Finding(
                    "empty-list",
                    W,
                    key,
                    value,
                    f"{key} is an empty list; AWS stores exactly one value or none.",
                    f"Leave {key} out instead of sending an empty list.",
                    None,
                )
            )
            return
        if len(value) > 1:
            keep = self._keep_one(key, value)
            out.append(
                Finding(
                    "multiple-values",
                    E,
                    key,
                    value,
                    f"{key} has {len(value)} values; AWS IAM Identity Center stores only one "
                    f"(it answers 'List attribute {key} exceeds allowed limit of 1').",
                    f"Keep only one of the {key} (the primary one), or map only one source "
                    "attribute to it.",
                    keep,
                )
            )
        allowed = schema.MULTI_SUBS[key]
        for index, element in enumerate(value):
            path = f"{key}[{index}]"
            if not isinstance(element, dict):
                out.append(invalid_type(path, element, "an object"))
                continue
            for sub, subvalue in element.items():
                if sub in allowed and sub != "primary" and plain_value(subvalue, sub):
                    continue  # the common case: no path to build
                subpath = f"{path}.{sub}"
                if sub == "primary":
                    if subvalue is not None and not isinstance(subvalue, bool):
                        out.append(
                            invalid_type(subpath, subvalue, "true or false", _bool_or(subvalue))
                        )
                elif sub == "display":
                    out.append(unsupported(subpath, subvalue, "the display sub-attribute"))
                elif sub in allowed:
                    self._string(subpath, subvalue, out, name=sub)
                else:
                    out.append(unknown(subpath, subvalue))
            primary = element.get("primary")
            if key == "emails" and primary is not True and not isinstance(primary, str):
                out.append(
                    Finding(
                        "email-not-primary",
                        E,
                        f"{path}.primary",
                        element.get("primary"),
                        f"The email {element.get('value')!r} is not marked as primary; AWS "
                        "requires the email to be the primary one.",
                        f'Set "primary": true on {path}.',
                        True,
                    )
                )
            if key == "addresses" and self.switches.require_complete_address:
                missing = [part for part in schema.ADDRESS_PARTS if _no_part(element.get(part))]
                # No part at all (only type/primary) is no address: ssosync sends
                # [{"type": "work"}] on every create, and AWS takes it (rules.md).
                if missing and len(missing) < len(schema.ADDRESS_PARTS):
                    labels = ", ".join(f"{schema.ADDRESS_PART_LABELS[p]} ({p})" for p in missing)
                    out.append(
                        Finding(
                            "incomplete-address",
                            E,
                            path,
                            element,
                            f"The address is missing {labels}. When an address is sent, AWS "
                            "needs street address, city, state, zip code and country code.",
                            "Fill in the missing address parts in the identity provider, or "
                            "stop mapping the address.",
                        )
                    )

    def _keep_one(self, key: str, values: list[Any]) -> Any:
        """The one element to keep: the primary one, else the first; only if it passes."""
        chosen = next(
            (v for v in values if isinstance(v, dict) and as_bool(v.get("primary")) is True),
            values[0],
        )
        if not isinstance(chosen, dict):
            return NO_SUGGESTION
        if key == "emails" and as_bool(chosen.get("primary")) is not True:
            chosen = {**chosen, "primary": True}
        probe: list[Finding] = []
        self._multi(key, [chosen], probe)
        return NO_SUGGESTION if probe else [chosen]

    def _enterprise(self, value: Any, out: list[Finding]) -> None:
        if value is None:
            return
        urn = schema.ENTERPRISE_URN
        if not isinstance(value, dict):
            out.append(invalid_type(urn, value, "an object"))
            return
        for sub, subvalue in value.items():
            if sub in schema.ENTERPRISE_STRINGS and plain_value(subvalue, sub):
                continue
            path = f"{urn}.{sub}"
            if sub in schema.ENTERPRISE_STRINGS:
                self._string(path, subvalue, out, name=sub)
            elif sub == "manager":
                self._manager(path, subvalue, out)
            else:
                out.append(unknown(path, subvalue))

    def _manager(self, path: str, value: Any, out: list[Finding]) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            out.append(invalid_type(path, value, "an object with a value"))
            return
        for sub, subvalue in value.items():
            subpath = f"{path}.{sub}"
            if sub in schema.MANAGER_SUBS:  # value, and $ref (a URI)
                self._string(subpath, subvalue, out, name=sub)
            elif sub == "displayName":
                out.append(unsupported(subpath, subvalue, "manager.displayName"))
            else:
                out.append(unknown(subpath, subvalue))

    def _required_user(
        self, user: dict[str, Any], name_obj: dict[str, Any] | None, out: list[Finding]
    ) -> None:
        for path in schema.REQUIRED_USER:
            if path.startswith("name."):
                value = name_obj.get(path[5:]) if name_obj else None
            else:
                value = user.get(path)
            if value is not None:
                continue
            out.append(
                Finding(
                    "missing-required",
                    E,
                    path,
                    None,
                    f"{_REQUIRED_LABEL[path]} ({path}) is missing. AWS IAM Identity Center needs "
                    "a first name, last name, username and display name for every user.",
                    _REQUIRED_FIX[path],
                    self._derive(path, user, name_obj),
                )
            )

    def _derive(self, path: str, user: dict[str, Any], name_obj: dict[str, Any] | None) -> Any:
        """A value for a missing required attribute, where one follows from the others."""
        candidate: Any = NO_SUGGESTION
        if path == "displayName" and name_obj:
            given, family = name_obj.get("givenName"), name_obj.get("familyName")
            if isinstance(given, str) and isinstance(family, str):
                parts = [
                    clean(p, identifier=False, switches=self.switches) for p in (given, family)
                ]
                if all(parts):
                    candidate = " ".join(parts)
        elif path == "userName":
            emails = user.get("emails")
            if isinstance(emails, list) and len(emails) == 1 and isinstance(emails[0], dict):
                email = emails[0].get("value")
                if isinstance(email, str) and email:
                    candidate = email
        if candidate is NO_SUGGESTION:
            return candidate
        probe: list[Finding] = []
        self._string(path, candidate, probe, name=path, required=True)
        return NO_SUGGESTION if probe else candidate


_REQUIRED_LABEL = {
    "userName": "The username",
    "name.givenName": "The first name",
    "name.familyName": "The last name",
    "displayName": "The display name",
}
_REQUIRED_FIX = {
    "userName": "Map userName to a unique attribute (usually the email address).",
    "name.givenName": "Fill in the first name in the identity provider.",
    "name.familyName": "Fill in the last name in the identity provider.",
    "displayName": "Fill in the display name (for example the first and last name).",
}
