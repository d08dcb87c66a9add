"""Every rule: one case that fires and a close case that must not fire."""

from __future__ import annotations

import json

import pytest
from profile_cases import VALID_USER, named, rules_of, user

from scimguard.profile import BY_CODE, ENTERPRISE_URN, RULES, Profile, Switches

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def group(**attrs):
    return {"schemas": [GROUP], **attrs}


def test_the_valid_user_passes_every_rule():
    assert Profile().check(VALID_USER) == []


@pytest.mark.parametrize(
    "given,family,display,email",
    [
        ("Seán", "O'Brien", "Seán O'Brien", "sean.obrien@example.com"),  # apostrophe
        ("Anne-Marie", "Smith-Jones", "Anne-Marie Smith-Jones", "am@example.com"),  # hyphen
        ("José", "García", "José García", "jose@example.com"),  # precomposed accents
        ("伟", "张", "张伟", "zhang.wei@example.com"),  # CJK
        ("Kai", "Lee", "Kai Lee 🚀", "kai@example.com"),  # an emoji
        ("Plus", "Address", "Plus Address", "plus+aws@example.com"),  # + in an email
        ("J", "K", "J K", "jk@example.com"),  # single-letter names
    ],
)
def test_close_cases_pass_every_rule(given, family, display, email):
    resource = named(
        given,
        family,
        displayName=display,
        userName=email,
        emails=[{"value": email, "type": "work", "primary": True}],
    )
    assert Profile().check(resource) == []


# (rule, a record that fires it, a close record that must not) -- single-record rules.
CASES = [
    ("missing-required", named(family=None), named(family="K")),
    ("missing-required", user(displayName=None), user(displayName="J")),
    ("missing-required", group(members=[]), group(displayName="Ops", members=[])),
    ("empty-string", user(title=""), user(title=None)),
    ("empty-string", named(family=""), named(family="O'Neil")),
    ("forbidden-character", user(title="Sales: EMEA"), user(title="Sales - EMEA")),
    ("forbidden-character", user(title="100% remote"), user(title="Remote (full)")),
    ("forbidden-character", user(displayName="<Jane>"), user(displayName="Jane & Co")),
    ("hidden-character", named(given="Jane\u200b"), named(given="José")),
    ("hidden-character", user(displayName="\u202eJane"), user(displayName="张伟")),
    ("hidden-character", user(displayName="Jane\u00adDoe"), user(displayName="Jane-Doe")),
    ("hidden-character", user(displayName="Jane\u2003Doe"), user(displayName="Jane Doe 🚀")),
    ("hidden-character", user(userName="jane@example.com\t"), user(title="Line Tab")),
    (
        "hidden-character",
        user(title="Line\tTab"),
        user(addresses=[{**VALID_USER["addresses"][0], "streetAddress": "1 Main St\nFloor 2"}]),
    ),
    (
        "hidden-character",
        user(profileUrl="https://x.example/\u200bjane"),
        user(profileUrl="https://x.example/~jane?a=1%20b"),
    ),
    (
        "hidden-character",
        named(given="a\u200cb"),
        named(given="\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
    ),
    (
        "hidden-character",
        user(displayName="Jane\u200dDoe"),
        user(displayName="Dev \U0001f469\u200d\U0001f4bb"),
    ),
    ("whitespace-in-identifier", user(userName="jane doe@x.com"), user(userName="j+d@x.com")),
    ("whitespace-in-identifier", user(externalId="00u 1"), user(externalId="00u-1")),
    ("too-long", user(userName="a" * 129), user(userName="a" * 128)),
    ("too-long", user(userName="张" * 129), user(userName="张" * 128)),
    ("too-long", user(externalId="x" * 257), user(externalId="x" * 256)),
    ("too-long", user(title="t" * 1025), user(title="t" * 1024)),
    (
        "multiple-values",
        user(phoneNumbers=[{"value": "1", "type": "work"}, {"value": "2", "type": "mobile"}]),
        user(phoneNumbers=[{"value": "1", "type": "work"}]),
    ),
    (
        "email-not-primary",
        user(emails=[{"value": "jane.doe@example.com", "type": "work"}]),
        user(emails=[{"value": "jane.doe@example.com", "primary": True}]),
    ),
    (
        "invalid-type",
        user(emails=[{"value": "jane.doe@example.com", "primary": "true"}]),
        user(emails=[{"value": "jane.doe@example.com", "primary": True}]),
    ),
    ("empty-string", user(profileUrl=""), user(profileUrl="https://x.example/jane")),
    (
        "too-many-members",
        group(displayName="All", members=[{"value": f"u{i}"} for i in range(101)]),
        group(displayName="All", members=[{"value": f"u{i}"} for i in range(100)]),
    ),
    (
        "unsupported-attribute",
        group(displayName="All", members=[{"value": "u1", "display": "Jane"}]),
        group(displayName="All", members=[{"value": "u1", "$ref": "https://x.example/Users/u1"}]),
    ),
    ("stray-mark", user(displayName="\u0301Jane"), user(displayName="Jos\u00e9")),
    ("stray-mark", user(displayName="Jane\ufe0f"), user(displayName="Love \u2764\ufe0f")),
    ("stray-mark", user(title="\u845b\U000e0100 x\U000e0100"), user(title="\u845b\U000e0100")),
    (
        "incomplete-address",
        user(
            addresses=[
                {
                    "locality": " ",
                    "streetAddress": "1 Main St",
                    "region": "IL",
                    "postalCode": "1",
                    "country": "US",
                }
            ]
        ),
        user(addresses=[{"type": "work"}]),
    ),
    (
        "incomplete-address",
        user(addresses=[{"locality": "Berlin", "country": "DE"}]),
        user(addresses=None),
    ),
    ("unsupported-attribute", user(password="hunter2"), user(roles=[{"value": "admin"}])),
    (
        "unsupported-attribute",
        user(emails=[{"value": "jane.doe@example.com", "primary": True, "display": "Jane"}]),
        user(emails=[{"value": "jane.doe@example.com", "primary": True, "type": "work"}]),
    ),
    (
        "unsupported-attribute",
        user(**{ENTERPRISE_URN: {"manager": {"value": "m1", "displayName": "Boss"}}}),
        user(**{ENTERPRISE_URN: {"manager": {"value": "m1"}}}),
    ),
    (
        "unsupported-attribute",
        group(displayName="Ops", description="x", members=[]),
        group(displayName="Ops", externalId="g1", members=[]),
    ),
    ("invalid-type", user(active="yes"), user(active="TRUE")),
    ("invalid-type", user(name="Jane Doe"), named("Jane", "Doe")),
    ("invalid-type", user(title=42), user(title="42")),
    ("invalid-type", user(emails={"value": "a@b.c", "primary": True}), user()),
    (
        "nested-group",
        group(displayName="All", members=[{"value": "g1", "type": "Group"}]),
        group(displayName="All", members=[{"value": "jane.doe@example.com", "type": "User"}]),
    ),
    ("blank-value", user(displayName=" Jane Doe"), user(displayName="Jane Doe")),
    ("blank-value", user(title="   "), user(title="Engineer")),
    ("unusual-space", user(displayName="Jane\u00a0Doe"), user(displayName="Jane Doe")),
    ("unusual-space", user(displayName="张\u3000伟"), user(displayName="张伟")),
    ("not-normalized", named(given="Jose\u0301"), named(given="Jos\u00e9")),
    ("mixed-script", named(given="J\u043ehn"), named(given="Иван")),
    ("mixed-script", user(displayName="Jane D\u043ee"), user(displayName="Jane Иванова")),
    ("reserved-name", user(userName="Administrator"), user(userName="administrator2")),
    (
        "reserved-name",
        group(displayName="awsadministrators", members=[]),
        group(displayName="AWS Administrators EU", members=[]),
    ),
    ("empty-list", user(phoneNumbers=[]), user(phoneNumbers=None)),
    ("unknown-attribute", user(ExternalID="00u1"), user(externalId="00u1")),
    ("unknown-attribute", named(nickname="JD"), named(nickName="JD")),
]


@pytest.mark.parametrize("rule,fires,close", CASES, ids=[c[0] for c in CASES])
def test_rule_fires_and_close_case_does_not(rule, fires, close):
    assert rule in BY_CODE
    assert rule in rules_of(fires)
    assert rule not in rules_of(close)


def test_every_local_rule_has_a_firing_case():
    covered = {rule for rule, _, _ in CASES} | {
        "confusable-duplicate",  # test_profile_second_edition.py
        "duplicate-username",
        "duplicate-email",
        "duplicate-external-id",
        "duplicate-group-name",
        "unknown-member",
        "address-omitted",  # test_partial_addresses_are_omitted_with_a_warning
    }
    local = {r.code for r in RULES if r.severity is not None}
    assert local <= covered


@pytest.mark.parametrize("rule", [r for r in RULES if r.bad], ids=lambda r: r.code)
def test_catalogue_examples(rule):
    """The examples shown by `scimguard rules CODE` do what they say."""

    def resources(text):
        data = json.loads(text)
        return data if isinstance(data, list) else [data]

    switches = Switches(
        incomplete_address="omit" if rule.switch == "incomplete_address" else "block"
    )
    assert rule.code in rules_of(*resources(rule.bad), switches=switches)
    assert rule.code not in rules_of(*resources(rule.good), switches=switches)


def test_switch_allow_legacy_characters():
    resource = user(title="Sales: EMEA <100%>")
    assert "forbidden-character" in rules_of(resource)
    assert "forbidden-character" not in rules_of(
        resource, switches=Switches(allow_legacy_characters=True)
    )


def test_switch_require_complete_address():
    resource = user(addresses=[{"locality": "Berlin", "country": "DE"}])
    assert "incomplete-address" in rules_of(
        resource, switches=Switches(require_complete_address=True, incomplete_address="block")
    )
    assert "incomplete-address" not in rules_of(
        resource, switches=Switches(require_complete_address=False, incomplete_address="block")
    )
    # with partial addresses accepted there is nothing to omit
    assert rules_of(resource, switches=Switches(require_complete_address=False)) == set()


def test_partial_addresses_are_omitted_with_a_warning():
    """`incomplete_address = omit` (the default): the element is left out, the value kept."""
    from scimguard.check import check_resources

    partial = {"locality": "Berlin", "country": "DE", "type": "work"}
    complete = VALID_USER["addresses"][0]
    for addresses in ([partial], [partial, complete]):
        report = check_resources([user(addresses=addresses)], Profile())
        [(_ref, finding)] = report.findings
        assert finding.rule == "address-omitted"
        assert finding.severity.value == "warning"
        assert finding.attribute == "addresses[0]" and finding.value == partial
        assert "state (region)" in finding.message
        assert finding.has_suggestion and finding.suggested_value is None
    from scimguard.profile.omission import omit_incomplete_addresses

    profile = Profile()
    both = user(addresses=[partial, complete])
    sent, findings = omit_incomplete_addresses(profile, both, profile.check_user(both))
    assert sent["addresses"] == [complete] and both["addresses"] == [partial, complete]
    assert [f.rule for f in findings] == ["address-omitted"]
    alone = user(addresses=[partial])
    sent, _ = omit_incomplete_addresses(profile, alone, profile.check_user(alone))
    assert "addresses" not in sent
    # a hidden character elsewhere is still an error once the address is left out
    bad = named(given="Ja\u200bne", addresses=[partial])
    sent, findings = omit_incomplete_addresses(profile, bad, profile.check_user(bad))
    assert {f.rule for f in findings} == {"hidden-character", "address-omitted"}


def test_hidden_character_message_names_code_point_and_position():
    [finding] = [
        f for f in Profile().check(named(given="Ja\u200bne")) if f.rule == "hidden-character"
    ]
    assert "U+200B ZERO WIDTH SPACE" in finding.message
    assert "position 3" in finding.message
    assert finding.attribute == "name.givenName"
    assert finding.suggested_value == "Jane"


def test_missing_display_name_is_derived_from_the_name():
    [finding] = Profile().check(named("José", "García", displayName=None))
    assert finding.rule == "missing-required"
    assert finding.suggested_value == "José García"


def test_empty_string_suggests_null_for_optional_attributes():
    [finding] = Profile().check(user(title=""))
    assert finding.rule == "empty-string"
    assert finding.has_suggestion and finding.suggested_value is None
    assert finding.to_dict()["suggested_value"] is None
