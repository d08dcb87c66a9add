"""The default mappings build records AWS can take: one phone, one email, one address."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimguard.profile import Profile, Severity
from scimguard.profile.omission import omit_incomplete_addresses
from scimguard.records import OKTA_ATTRIBUTES, FieldMapper
from scimguard.records.okta import OktaConverter
from scimguard.records.paths import compact, parse_path, set_path

PROFILE = Profile()  # the default switches: incomplete_address = omit


def okta(**profile) -> dict:
    base = {"login": "ana@example.com", "firstName": "Ana", "lastName": "Ruiz"}
    return {"id": "00u1", "status": "ACTIVE", "profile": {**base, **profile}}


def test_primary_phone_is_sent_as_work_and_mobile_only_without_it() -> None:
    convert = OktaConverter().convert
    both = convert(okta(primaryPhone="+34 91 000 0000", mobilePhone="+34 600 000 000"))
    assert both["phoneNumbers"] == [{"value": "+34 91 000 0000", "type": "work"}]
    mobile = convert(okta(primaryPhone=None, mobilePhone="+34 600 000 000"))
    assert mobile["phoneNumbers"] == [{"value": "+34 600 000 000", "type": "mobile"}]
    assert "phoneNumbers" not in convert(okta(primaryPhone=None, mobilePhone=None))


def test_an_empty_primary_phone_sent_as_empty_string_falls_back_to_the_mobile() -> None:
    convert = OktaConverter(empty_cells="empty-string").convert
    resource = convert(okta(primaryPhone=None, mobilePhone="+34 600"))
    assert resource["phoneNumbers"] == [{"value": "+34 600", "type": "mobile"}]


def test_scim_path_columns_of_two_elements_send_one_and_say_so() -> None:
    columns = ["userName", "phoneNumbers[0].value", "phoneNumbers[1].value", "emails[0].value"]
    mapper = FieldMapper(columns)
    assert len(mapper.notices) == 1 and "phoneNumbers[0], phoneNumbers[1]" in mapper.notices[0]
    row = {"userName": "a", "phoneNumbers[0].value": "1", "phoneNumbers[1].value": "2"}
    assert mapper.build({**row, "emails[0].value": "a@x.org"}) == {
        "userName": "a",
        "phoneNumbers": [{"value": "1"}],
        "emails": [{"value": "a@x.org", "primary": True}],
    }
    assert mapper.build({**row, "phoneNumbers[0].value": None})["phoneNumbers"] == [{"value": "2"}]
    primary = FieldMapper(["emails[0].value", "emails[1].value", "emails[1].primary"])
    built = primary.build(
        {"emails[0].value": "a@x.org", "emails[1].value": "b@x.org", "emails[1].primary": "true"}
    )
    # a CSV cell "true" in a primary column is the boolean (profile, second edition)
    assert built["emails"] == [{"value": "b@x.org", "primary": True}]


def test_the_okta_csv_headers_draw_no_notice() -> None:
    assert FieldMapper(list(OKTA_ATTRIBUTES)).notices == []


# --- the property: acceptable values in, a record AWS takes out ---------------------------------

_CHARS = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])


def acceptable(attribute: str) -> st.SearchStrategy[str]:
    """Strings the profile accepts as `attribute` on their own (no error finding).

    On its own: the required attributes a probe lacks, and a lone address part (a partial
    address by construction), are not the value's fault.
    """
    segments = parse_path(attribute)

    def alone(value: str) -> bool:
        probe: dict = {}
        set_path(probe, segments, value)
        return not any(
            f.severity is Severity.ERROR and f.rule not in _NOT_THE_VALUE
            for f in PROFILE.check_user(compact(probe))
        )

    return st.text(_CHARS, min_size=1, max_size=12).filter(alone)


_NOT_THE_VALUE = {"missing-required", "incomplete-address"}


def _errors(resource: dict) -> list:
    findings = PROFILE.check_user(resource)
    _sent, findings = omit_incomplete_addresses(PROFILE, resource, findings)
    return [f for f in findings if f.severity is Severity.ERROR]


_REQUIRED = ("login", "firstName", "lastName", "displayName")
_OPTIONAL = [name for name in OKTA_ATTRIBUTES if name not in _REQUIRED]


@st.composite
def okta_profiles(draw: st.DrawFn) -> dict:
    chosen = draw(st.lists(st.sampled_from(_OPTIONAL), unique=True))
    names = [*_REQUIRED, *chosen]
    return {name: draw(acceptable(OKTA_ATTRIBUTES[name])) for name in names}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(okta_profiles(), st.sampled_from(["ACTIVE", "SUSPENDED", "DEPROVISIONED"]))
def test_okta_users_of_acceptable_values_are_taken(profile: dict, status: str) -> None:
    resource = OktaConverter().convert({"id": "00u1", "status": status, "profile": profile})
    assert _errors(resource) == []


_SCIM_COLUMNS = [
    "phoneNumbers[0].value",
    "phoneNumbers[0].type",
    "phoneNumbers[1].value",
    "phoneNumbers[1].type",
    "emails[0].value",
    "emails[1].value",
    "addresses[0].streetAddress",
    "addresses[0].locality",
    "addresses[0].country",
    "addresses[1].locality",
    "addresses[1].region",
    "addresses[1].postalCode",
    "roles[0].value",
    "roles[1].value",
    "title",
]


@st.composite
def scim_rows(draw: st.DrawFn) -> dict:
    chosen = draw(st.lists(st.sampled_from(_SCIM_COLUMNS), unique=True))
    row = {"userName": draw(acceptable("userName"))}
    row["name.givenName"] = draw(acceptable("name.givenName"))
    row["name.familyName"] = draw(acceptable("name.familyName"))
    row["displayName"] = draw(acceptable("displayName"))
    for column in chosen:
        row[column] = draw(st.none() | acceptable(column))
    return row


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(scim_rows())
def test_scim_path_rows_of_acceptable_values_are_taken(row: dict) -> None:
    resource = FieldMapper(list(row)).build(row)
    assert _errors(resource) == []
