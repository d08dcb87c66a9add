"""CSV headers of the exports admins hold, and the one message when a header maps to too little.

Besides SCIM paths and Okta attribute names (`mapping.OKTA_ATTRIBUTES`), a CSV header may be
the export of a directory's own admin console; each is mapped as AWS IAM Identity Center's own
integration for that directory maps the attribute (docs/check.md has the table):

- Okta's People export: the display names of Okta's base profile (`Username`, `First name`,
  `Primary email`, ...), mapped like the attributes they name;
- Google Workspace's admin console user export (`First Name [Required]`, ...), mapped as AWS's
  automatic provisioning from Google Workspace does: primary email as userName and email, the
  display name made of first and last name;
- Microsoft Entra ID's "Download users" CSV (`userPrincipalName`, `givenName`, ...), mapped as
  the default attribute mappings of Entra's "AWS IAM Identity Center" gallery app.

Header names are matched case-insensitively, spaces around them ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

from scimguard.profile.schema import (
    ENTERPRISE_STRINGS,
    ENTERPRISE_URN,
    MULTI_VALUED,
    NAME_SUBS,
    REQUIRED_USER,
    UNSUPPORTED_USER,
    USER_STRINGS,
)

# Okta's People export names each base-profile attribute by its display name.
OKTA_EXPORT: dict[str, str] = {
    "Username": "login",
    "First name": "firstName",
    "Last name": "lastName",
    "Middle name": "middleName",
    "Honorific prefix": "honorificPrefix",
    "Honorific suffix": "honorificSuffix",
    "Primary email": "email",
    "Title": "title",
    "Display name": "displayName",
    "Nickname": "nickName",
    "Mobile phone": "mobilePhone",
    "Primary phone": "primaryPhone",
    "Street address": "streetAddress",
    "City": "city",
    "State": "state",
    "Zip code": "zipCode",
    "Country code": "countryCode",
    "Preferred language": "preferredLanguage",
    "Locale": "locale",
    "Time zone": "timezone",
    "User type": "userType",
    "Employee number": "employeeNumber",
    "Cost center": "costCenter",
    "Organization": "organization",
    "Division": "division",
    "Department": "department",
}

GOOGLE_FIRST = "First Name [Required]"
GOOGLE_LAST = "Last Name [Required]"
# Google Workspace admin console export -> SCIM paths (AWS's Google Workspace provisioning).
GOOGLE_EXPORT: dict[str, tuple[str, ...]] = {
    "Email Address [Required]": ("userName", "emails[0].value"),
    GOOGLE_FIRST: ("name.givenName",),
    GOOGLE_LAST: ("name.familyName",),
    "Work Phone": ("phoneNumbers[0].value",),
    "Mobile Phone": ("phoneNumbers[1].value",),
    "Employee ID": (f"{ENTERPRISE_URN}:employeeNumber",),
    "Employee Title": ("title",),
    "Employee Type": ("userType",),
    "Department": (f"{ENTERPRISE_URN}:department",),
    "Cost Center": (f"{ENTERPRISE_URN}:costCenter",),
}

# Entra ID "Download users" -> SCIM paths, as the default attribute mappings of Entra's "AWS IAM
# Identity Center" gallery app (its provisioning tutorial lists the targets). Its externalId
# comes from mailNickname, which the download does not hold: objectId is not sent.
ENTRA_EXPORT: dict[str, tuple[str, ...]] = {
    "userPrincipalName": ("userName",),
    "displayName": ("displayName",),
    "surname": ("name.familyName",),
    "givenName": ("name.givenName",),
    "mail": ("emails[0].value",),
    "jobTitle": ("title",),
    "department": (f"{ENTERPRISE_URN}:department",),
    "accountEnabled": ("active",),
    "streetAddress": ("addresses[0].streetAddress",),
    "city": ("addresses[0].locality",),
    "state": ("addresses[0].region",),
    "postalCode": ("addresses[0].postalCode",),
    "country": ("addresses[0].country",),
    "telephoneNumber": ("phoneNumbers[0].value",),  # the app maps no mobile number
    "employeeId": (f"{ENTERPRISE_URN}:employeeNumber",),
}

# The same companions as Okta's app sends: type work/mobile, the one email primary.
_TYPES = {
    "emails[0].value": (("emails[0].type", "work"), ("emails[0].primary", True)),
    "addresses[0].streetAddress": (("addresses[0].type", "work"),),
    "phoneNumbers[0].value": (("phoneNumbers[0].type", "work"),),
    "phoneNumbers[1].value": (("phoneNumbers[1].type", "mobile"),),
}


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


_OKTA_EXPORT = {_fold(k): v for k, v in OKTA_EXPORT.items()}
_BY_HEADER: dict[str, tuple[str, ...]] = {
    **{_fold(k): v for k, v in ENTRA_EXPORT.items()},
    **{_fold(k): v for k, v in GOOGLE_EXPORT.items()},
}


def okta_name(header: str) -> str | None:
    """The Okta attribute a People-export header names (`Last name` -> `lastName`)."""
    return _OKTA_EXPORT.get(_fold(header))


def export_targets(header: str) -> tuple[str, ...]:
    """The SCIM paths a Google Workspace or Entra ID export header maps to (none: unknown)."""
    return _BY_HEADER.get(_fold(header), ())


def companions(target: str) -> tuple[tuple[str, object], ...]:
    return _TYPES.get(target, ())


def is_scim_path(header: str) -> bool:
    """A header naming an attribute of AWS's user schema (so it maps to something)."""
    head = header.split(".", 1)[0].split("[", 1)[0]
    if header.startswith(ENTERPRISE_URN):
        return header[len(ENTERPRISE_URN) + 1 :].split(".")[0] in (ENTERPRISE_STRINGS | {"manager"})
    if head == "name":
        return header[5:].split(".")[0] in NAME_SUBS
    # attributes AWS refuses (`password`) are sent too, so that check says so
    known = head in USER_STRINGS or head in MULTI_VALUED or head in UNSUPPORTED_USER
    return known or head in ("active", "schemas", "id", "profileUrl", "manager")


def unmapped_message(
    file: str, headers: Iterable[str], unmapped: Iterable[str], missing: Iterable[str]
) -> str:
    """The one error for a CSV whose columns fill no required attribute, with a --mapping
    example built from its own headers (they are the likeliest sources)."""
    unmapped = list(unmapped)
    missing = list(missing)
    headers = list(headers)
    nothing = ", ".join(repr(h) for h in unmapped) or "none"
    pool = iter(unmapped or headers)
    chosen: dict[str, str] = {}
    for target in missing:
        if target != "displayName":
            chosen[target] = next(pool, "COLUMN")
    example = [f'{target} = "{source}"' for target, source in chosen.items()]
    if "displayName" in missing:
        given = chosen.get("name.givenName", "FIRST")
        family = chosen.get("name.familyName", "LAST")
        example.append(f'displayName = "{{{given}}} {{{family}}}"')
    return (
        f"{file}: no column maps to {', '.join(missing)} (required by AWS IAM Identity Center); "
        f"columns that map to nothing: {nothing}. Name the source of each in a --mapping TOML "
        f"file, e.g. {'; '.join(example)} (see docs/check.md for the recognised headers)"
    )


def missing_required(targets: Iterable[str]) -> list[str]:
    """The required user attributes that the mapped targets neither fill nor let be derived.

    displayName follows from given and family name, userName from the one email: `check`
    suggests those values, so their absence is a finding per record, not an unusable file.
    """
    mapped = set(targets)
    missing = [path for path in REQUIRED_USER if path not in mapped]
    derivable = set()
    if "name.givenName" in mapped and "name.familyName" in mapped:
        derivable.add("displayName")
    if "emails[0].value" in mapped:
        derivable.add("userName")
    if all(path in derivable for path in missing):
        return []
    return missing
