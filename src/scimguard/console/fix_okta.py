"""A task's record fixed in Okta: the user read again, the change checked, one partial update.

The SCIM attribute of each finding is traced back to the Okta profile attribute it is mapped
from (`okta_source_of`: Okta's app defaults and the run's `--mapping`); an attribute made from
a template (`{firstName} {lastName}`) or from nothing cannot be written back and is refused
with the reason. The changed profile is converted again exactly as the sync converts it and
checked by the run's profile: each fixed rule must be gone and no new one may appear. Then the
changed attributes, and only they, go to Okta in one `POST /api/v1/users/{id}`, so either all
of a task's changes are made or none is.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from scimguard.console.fixing import (
    MISSING,
    Edit,
    FixPlan,
    by_attribute,
    first_edit,
    touches_identifier,
)
from scimguard.profile import Profile, Severity
from scimguard.records import AttributeMapping, MappingError
from scimguard.records.mapping import okta_source_of
from scimguard.sources.http import ApiError
from scimguard.sources.okta import OktaClient, converter
from scimguard.sources.okta_write import OktaWriteError, OktaWriter
from scimguard.sync.tasks import Task

TOKEN_ENV = "OKTA_API_TOKEN"  # the same variable the sync reads Okta with


def _token() -> str | None:
    return os.environ.get(TOKEN_ENV, "").strip() or None


def plan_okta(task: Task, profile: Profile, chosen: dict[str, Any]) -> tuple[FixPlan, Any]:
    """(plan, the Okta user as read now) for a task whose record comes from Okta."""
    spec = task.source or {}
    uid = spec.get("id")
    plan = FixPlan(task, "okta", f"Okta {spec.get('org', '')}, user {uid}")
    token = _token()
    if not token:
        plan.problem = f"{TOKEN_ENV} is not set for the console: it cannot read or write Okta"
        return plan, None
    if not isinstance(uid, str) or not spec.get("org"):
        plan.problem = "the task does not say which Okta user its record is"
        return plan, None
    try:
        mapping = AttributeMapping.load(spec["mapping"]) if spec.get("mapping") else None
        conv = converter(spec)
    except MappingError as exc:
        plan.problem = str(exc)
        return plan, None
    client = OktaClient(spec["org"], token)
    try:
        user = client.get(f"/api/v1/users/{quote(uid, safe='')}").json()
    except (ApiError, ValueError) as exc:
        plan.problem = f"the user could not be read from Okta: {exc}"
        return plan, None
    finally:
        client.close()
    if not isinstance(user, dict) or not isinstance(user.get("profile"), dict):
        plan.problem = "Okta answered with no user profile"
        return plan, None
    resource = conv.convert(user)
    grouped = by_attribute(profile.check(resource, "user"))
    for attribute, found in grouped.items():
        edit = first_edit(attribute, found, chosen)
        plan.edits.append(edit)
        source = okta_source_of(mapping, attribute)
        if source is None:
            edit.refused = f"no Okta attribute is mapped to {attribute}: fix the mapping"
        elif source.attribute is None:
            fields = ", ".join(source.fields)
            edit.refused = (
                f"{attribute} is made from the template {source.template!r}, not from one Okta "
                f"attribute, so it cannot be written back: change {fields} instead"
            )
        else:
            edit.field = source.attribute
    for edit in plan.edits:
        if edit.ready:
            _validate(edit, user, conv, profile, grouped)
    return plan, user


def _changed(user: dict[str, Any], edits: list[Edit]) -> dict[str, Any]:
    profile = dict(user["profile"])
    for edit in edits:
        profile[edit.field] = edit.after
    return {**user, "profile": profile}


def _validate(edit: Edit, user: dict[str, Any], conv: Any, profile: Profile, grouped: dict) -> None:
    """Refuse the edit unless the record, changed so, no longer breaks the rules it fixes and
    breaks no rule it did not break before."""
    if edit.after is not None and not isinstance(edit.after, str):
        edit.refused = "only a text value (or leaving the attribute out) can be written to Okta"
        return
    before = conv.convert(user)
    after = conv.convert(_changed(user, [edit]))
    was = {(f.rule, f.attribute) for found in grouped.values() for f in found}
    for f in profile.check(after, "user"):
        if f.attribute == edit.attribute and f.rule in edit.rules:
            edit.refused = f"after the change, {f.rule} still fires: {f.message}"
            return
        if (f.rule, f.attribute) not in was and f.severity is Severity.ERROR:
            edit.refused = f"the change would break {f.rule} on {f.attribute}: {f.message}"
            return
    edit.identifier = touches_identifier(before, after, "user")


def apply_okta(plan: FixPlan, user: dict[str, Any]) -> str:
    """Send the plan's ready edits in one partial update; raises OktaWriteError (nothing
    changed) when Okta refuses."""
    edits = plan.ready
    changes = {e.field: e.after for e in edits if e.field}
    spec = plan.task.source or {}
    token = _token()
    if not token:
        raise OktaWriteError(None, summary=f"{TOKEN_ENV} is not set")
    with OktaWriter(spec["org"], token) as writer:
        writer.update_profile(user["id"], changes)
    names = ", ".join(sorted(changes))
    return f"Okta user {user['id']}: {names} updated"


__all__ = ["MISSING", "OktaWriteError", "apply_okta", "plan_okta"]
