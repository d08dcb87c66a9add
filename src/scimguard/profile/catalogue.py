"""The rule catalogue: codes, severities and the words shown to people.

This is the text behind `scimguard rules`, docs/rules/CODE.md (generated from it, and a test
keeps them equal) and every finding's default fix. Codes are a public contract (rules.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from scimguard.profile.findings import Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity | None  # None for diagnoses that come from the target
    title: str
    applies_to: str
    fires_when: str
    why: str
    fix: str
    bad: str = ""  # an example record (JSON) that fires it
    good: str = ""  # a close case that passes
    switch: str = ""


RULES: tuple[Rule, ...] = (
    Rule(
        "missing-required",
        E,
        "A required attribute is missing",
        "user: userName, name.givenName, name.familyName, displayName; group: displayName",
        "the attribute is absent or null. (An empty string is `empty-string`, not this.)",
        "AWS IAM Identity Center requires a first name, last name, username and display name "
        "for every user, and a display name for every group. Without them the user is not "
        "provisioned and the endpoint answers a bare 400.",
        "Fill the attribute in the identity provider. A missing display name can be derived "
        "from the first and last name.",
        '{"userName": "jane@example.com", "name": {"givenName": "Jane"}, '
        '"displayName": "Jane Doe"}',
        '{"userName": "jane@example.com", "name": {"givenName": "Jane", "familyName": "Doe"}, '
        '"displayName": "Jane Doe"}',
    ),
    Rule(
        "empty-string",
        E,
        "An empty string where null is meant",
        "any string value",
        'the value is `""`. Fields must be null or carry a literal value.',
        'AWS refuses `""` (it fails the minimum length of 1). Okta\'s connector sends an empty '
        "string for a mapped attribute that has no value.",
        "Leave the attribute out (null), or give it a value; for a required attribute, give it "
        "a value.",
        '{"userName": "jane@example.com", "title": ""}',
        '{"userName": "jane@example.com", "title": null}',
    ),
    Rule(
        "forbidden-character",
        E,
        "A character AWS has refused: < > ; : %",
        "any string value",
        "it contains one of `<` `>` `;` `:` `%`.",
        "The Okta knowledge-base article lists these characters as refused, and colon refusals "
        "are reported independently (ssosync #7, keycloak-scim2 #3). The current AWS regex "
        "allows them; the default stays strict.",
        "Remove or replace the character in the identity provider.",
        '{"displayName": "Sales: EMEA"}',
        '{"displayName": "Sales - EMEA"}',
        switch="allow_legacy_characters",
    ),
    Rule(
        "hidden-character",
        E,
        "An invisible or control character",
        "any string value",
        "it contains a code point of category Cc (except TAB, LF, CR in the multi-line "
        "attributes addresses[].streetAddress and any `formatted`), Cf (zero-width space, bidi "
        "marks and overrides, soft hyphen, BOM, tag characters, ...), Zl, Zp, Co, Cs or Cn, or a "
        "space separator (Zs) other than U+0020, U+00A0 and U+3000. Exempt: U+200C ZERO WIDTH "
        "NON-JOINER and U+200D ZERO WIDTH JOINER where RFC 5892 Appendix A (IDNA CONTEXTJ) "
        "allows them (after a virama; ZWNJ between joining letters, as in Persian), and U+200D "
        "inside an emoji ZWJ sequence.",
        "AWS validates every string against letters, marks, symbols, digits and punctuation "
        "(plus a few spaces). Invisible characters copied from documents or added by other "
        "directories (Google adds a zero-width space for mononyms) fail it, and nobody can see "
        "them in the identity provider.",
        "Retype the value, or delete the invisible character shown in the report.",
        '{"name": {"givenName": "Jane\\u200b", "familyName": "Doe"}}',
        '{"name": {"givenName": "Jane", "familyName": "Doe"}}',
    ),
    Rule(
        "whitespace-in-identifier",
        E,
        "Whitespace in userName or externalId",
        "userName, externalId",
        "it contains any whitespace (U+0020, TAB, LF, CR, U+00A0, U+3000, any Zs).",
        "The identifier regex of AWS has no whitespace at all.",
        "Remove the spaces; usernames are usually the email address.",
        '{"userName": "jane doe@example.com"}',
        '{"userName": "jane.doe@example.com"}',
    ),
    Rule(
        "too-long",
        E,
        "A value longer than AWS stores",
        "userName > 128, externalId > 256, any other string value > 1024 code points",
        "the value has more code points than the limit.",
        "The Identity Store behind SCIM limits lengths; longer values are refused.",
        "Shorten the value in the identity provider.",
        '{"userName": "' + "j" * 120 + '@example.com"}',
        '{"userName": "' + "j" * 116 + '@example.com"}',
    ),
    Rule(
        "multiple-values",
        E,
        "More than one email, phone number, address or role",
        "emails, phoneNumbers, addresses, roles",
        "the list has more than one element.",
        "AWS stores one value of each (`List attribute emails exceeds allowed limit of 1`). Two "
        "source attributes mapped onto one list (work and mobile phone) cause it.",
        "Map only one source attribute to the list, or keep only the primary element.",
        '{"emails": [{"value": "a@example.com", "primary": true}, {"value": "b@example.com"}]}',
        '{"emails": [{"value": "a@example.com", "primary": true}]}',
    ),
    Rule(
        "email-not-primary",
        E,
        "The email is not marked primary",
        "each element of emails",
        "`primary` is not `true`.",
        "The AWS developer guide requires the email to be marked primary.",
        'Set `"primary": true` on the email.',
        '{"emails": [{"value": "jane@example.com", "type": "work"}]}',
        '{"emails": [{"value": "jane@example.com", "type": "work", "primary": true}]}',
    ),
    Rule(
        "incomplete-address",
        E,
        "An address without all five parts",
        "each element of addresses",
        "an element carries at least one of streetAddress, locality, region, postalCode, "
        "country, and some of the five are absent, null, empty or whitespace only. An element "
        "with none of them (only type/primary, as ssosync sends) passes.",
        "The Okta article: when an address is sent, street address, city, state, zip code and "
        "country code must all be present, or the user or the change is not provisioned.",
        "Fill in the missing address parts, or stop mapping the address.",
        '{"addresses": [{"locality": "Berlin", "country": "DE"}]}',
        '{"addresses": [{"streetAddress": "1 Main St", "locality": "Springfield", '
        '"region": "IL", "postalCode": "62701", "country": "US"}]}',
        switch="require_complete_address",
    ),
    Rule(
        "unsupported-attribute",
        E,
        "An attribute AWS does not support",
        "user: password, photos, ims, x509Certificates, entitlements, groups; `display` of "
        "emails, phoneNumbers, addresses, roles; manager.displayName. Group: anything but "
        "displayName, externalId, members; `display` of members",
        "the attribute is present.",
        "The AWS developer guide lists these as not supported on create and update; group "
        "membership is set only through group PATCH.",
        "Stop mapping the attribute to AWS IAM Identity Center.",
        '{"userName": "jane@example.com", "password": "hunter2"}',
        '{"userName": "jane@example.com"}',
    ),
    Rule(
        "invalid-type",
        E,
        "A value of the wrong type",
        "any attribute",
        "`name` not an object, a multi-valued attribute not a list, a list element not an "
        "object, `active` not a boolean (the strings true/false are accepted for `active` only), "
        "`primary` not a boolean, a string attribute holding a number, object or list.",
        "AWS parses the body against its schema and refuses what does not fit.",
        "Send the value with the right JSON type.",
        '{"active": "yes"}',
        '{"active": "true"}',
    ),
    Rule(
        "duplicate-username",
        E,
        "Two users with the same userName",
        "user",
        "another record in the same input (or the target) has the same userName, compared "
        "case-insensitively.",
        "userName is unique and case-insensitive in AWS; the second create gets 409.",
        "Make the usernames unique in the identity provider (map userName to a unique "
        "attribute, usually the email).",
        '[{"userName": "jane@example.com"}, {"userName": "Jane@Example.com"}]',
        '[{"userName": "jane@example.com"}, {"userName": "jane.doe@example.com"}]',
    ),
    Rule(
        "duplicate-email",
        E,
        "Two users with the same primary email",
        "user",
        "another record has the same primary email, compared case-insensitively.",
        "The primary email must be unique in AWS; the second create gets 409.",
        "Give each user their own email address.",
        '[{"userName": "a", "emails": [{"value": "team@example.com", "primary": true}]}, '
        '{"userName": "b", "emails": [{"value": "TEAM@example.com", "primary": true}]}]',
        '[{"userName": "a", "emails": [{"value": "a@example.com", "primary": true}]}, '
        '{"userName": "b", "emails": [{"value": "b@example.com", "primary": true}]}]',
    ),
    Rule(
        "duplicate-external-id",
        E,
        "Two records with the same externalId",
        "user, group",
        "another record of the same kind has the same externalId (exact).",
        "externalId must be unique in AWS; the second create gets 409.",
        "Map externalId to the identity provider's immutable id.",
        '[{"userName": "a", "externalId": "00u1"}, {"userName": "b", "externalId": "00u1"}]',
        '[{"userName": "a", "externalId": "00u1"}, {"userName": "b", "externalId": "00U1"}]',
    ),
    Rule(
        "duplicate-group-name",
        E,
        "Two groups with the same name",
        "group",
        "another group has the same displayName, compared case-insensitively.",
        "Group names are unique in AWS (`Duplicate GroupDisplayName`, 409); Google and Entra "
        "allow duplicates.",
        "Rename one of the groups.",
        '[{"displayName": "Engineering", "members": []}, '
        '{"displayName": "engineering", "members": []}]',
        '[{"displayName": "Engineering", "members": []}, '
        '{"displayName": "Engineering EU", "members": []}]',
    ),
    Rule(
        "nested-group",
        E,
        "A group inside a group",
        "group",
        "a member value refers to a group.",
        "AWS IAM Identity Center groups contain users only.",
        "Flatten the group: add the inner group's users instead.",
        '{"displayName": "All", "members": [{"value": "g-eng", "type": "Group"}]}',
        '{"displayName": "All", "members": [{"value": "u-jane", "type": "User"}]}',
    ),
    Rule(
        "too-many-members",
        E,
        "More than 100 members in one group record",
        "group",
        "the record carries more than 100 members.",
        "AWS refuses a create or PATCH with more than 100 member changes in one request. "
        "`scimguard sync` splits memberships into requests of at most 100, so it does not block "
        "on this rule; other connectors send the record as it is.",
        "Create the group with at most 100 members and add the rest in later PATCH requests.",
        '{"displayName": "All", "members": ['
        + ", ".join(f'{{"value": "u{i}"}}' for i in range(101))
        + "]}",
        '{"displayName": "All", "members": ['
        + ", ".join(f'{{"value": "u{i}"}}' for i in range(100))
        + "]}",
    ),
    Rule(
        "blank-value",
        W,
        "Whitespace around a value",
        "any string value",
        "the value is whitespace only, or has leading or trailing whitespace.",
        "Accepted, but breaks matching and looks empty to people.",
        "Trim the value.",
        '{"displayName": " Jane Doe"}',
        '{"displayName": "Jane Doe"}',
    ),
    Rule(
        "unusual-space",
        W,
        "A no-break or ideographic space",
        "any string value",
        "it contains U+00A0 (no-break space) or U+3000 (ideographic space).",
        "Accepted, but breaks matching and sign-in.",
        "Replace it with a plain space.",
        '{"displayName": "Jane\\u00a0Doe"}',
        '{"displayName": "Jane Doe"}',
    ),
    Rule(
        "not-normalized",
        W,
        "Not in Unicode NFC",
        "any string value",
        "the value differs from its Unicode NFC form. The message says what differs: decomposed "
        "accents (a letter followed by a combining mark), or a character that NFC replaces (a "
        "composition exclusion such as U+0959, a CJK compatibility ideograph such as U+FA19).",
        "`José` typed with a combining accent looks identical but compares unequal. A character "
        "NFC replaces is a glyph a person chose: normalising it changes how the name is written.",
        "Store decomposed accents in the composed (NFC) form; leave a character NFC replaces as "
        "it is unless the person asks.",
        '{"name": {"givenName": "Jose\\u0301"}}',
        '{"name": {"givenName": "Jos\\u00e9"}}',
    ),
    Rule(
        "mixed-script",
        W,
        "Letters of different alphabets in one word",
        "any string value",
        "a word mixes Latin letters with Cyrillic or Greek ones.",
        "A look-alike letter (homoglyph) makes a name that looks right but matches nothing, "
        "or impersonates someone.",
        "Retype the word in one alphabet.",
        '{"name": {"givenName": "J\\u043ehn"}}',
        '{"name": {"givenName": "\\u0418\\u0432\\u0430\\u043d"}}',
    ),
    Rule(
        "address-omitted",
        W,
        "A partial address left out of what is sent",
        "each element of addresses that draws incomplete-address, under the switch "
        "incomplete_address = omit (check, sync, fix)",
        "the engine or `fix` left the partial address element out of the record; the finding "
        "keeps the element that was left out.",
        "AWS refuses a partial address (most of the world has no state or region). Rather than "
        "block the person, scimguard provisions them without the address and says so here, so "
        "that nothing is dropped silently.",
        "Fill in the missing address parts in the identity provider to send the address, or "
        "stop mapping the address. `--incomplete-address block` makes such a record a task "
        "instead.",
        '{"userName": "jane@example.com", "name": {"givenName": "Jane", "familyName": "Doe"}, '
        '"displayName": "Jane Doe", "addresses": [{"streetAddress": "Unter den Linden 1", '
        '"locality": "Berlin", "postalCode": "10117", "country": "DE"}]}',
        '{"userName": "jane@example.com", "name": {"givenName": "Jane", "familyName": "Doe"}, '
        '"displayName": "Jane Doe", "addresses": [{"streetAddress": "Unter den Linden 1", '
        '"locality": "Berlin", "region": "BE", "postalCode": "10117", "country": "DE"}]}',
        switch="incomplete_address",
    ),
    Rule(
        "confusable-duplicate",
        W,
        "Two records that look the same but differ to AWS",
        "user userName and primary email, group displayName",
        "two records' values differ as AWS compares them (case-insensitively, code point by code "
        "point) but are the same to a person: equal after NFKC case folding (`Nguyễn` in NFC and "
        "NFD, full-width `ｊａｎｅ`), or with the same UTS #39 confusable skeleton (`jane` with a "
        "Cyrillic `а`). Two pure-ASCII values are never compared by skeleton.",
        "AWS creates two accounts for one person, or lets one impersonate another.",
        "Keep one of the records; retype the other value in the usual form.",
        '[{"userName": "jane@example.com"}, {"userName": "j\\u0430ne@example.com"}]',
        '[{"userName": "jane@example.com"}, {"userName": "joan@example.com"}]',
    ),
    Rule(
        "stray-mark",
        W,
        "A variation selector or combining mark with nothing to attach to",
        "any string value",
        "a variation selector follows no character it can vary (U+FE0E/FE0F after anything but "
        "an emoji; U+FE00-FE0D after a space, control or mark; U+E0100-E01EF after anything but "
        "a CJK ideograph; U+180B-180D, U+180F after anything but a Mongolian letter), or a "
        "combining mark has no base (at the start of the value or after a space).",
        "Accepted, but it shows as a dotted circle or nothing, and makes two equal-looking "
        "values compare unequal. It is usually pasted by accident.",
        "Retype the value without the stray character.",
        '{"displayName": "Jane \\u0301Doe"}',
        '{"displayName": "Jane Do\\u00e9"}',
    ),
    Rule(
        "reserved-name",
        W,
        "A name AWS reserves",
        "user userName, group displayName",
        "it equals Administrator or AWSAdministrators (case-insensitive).",
        "The Identity Store reserves these names.",
        "Use another name.",
        '{"displayName": "AWSAdministrators", "members": []}',
        '{"displayName": "AWS Administrators EU", "members": []}',
    ),
    Rule(
        "empty-list",
        W,
        "An empty list",
        "emails, phoneNumbers, addresses, roles",
        "the list is empty.",
        "The Identity Store lists take one element; an empty one may be refused.",
        "Leave the attribute out instead.",
        '{"userName": "jane@example.com", "phoneNumbers": []}',
        '{"userName": "jane@example.com"}',
    ),
    Rule(
        "unknown-attribute",
        W,
        "An attribute AWS does not know",
        "user",
        "the attribute is not in the AWS IAM Identity Center schema (core User and the "
        "enterprise extension). Names are case-sensitive.",
        "AWS matches attribute names exactly (`ExternalID` was refused where `externalId` works).",
        "Check the spelling, or stop mapping the attribute.",
        '{"userName": "jane@example.com", "ExternalID": "00u1"}',
        '{"userName": "jane@example.com", "externalId": "00u1"}',
    ),
    Rule(
        "unknown-member",
        W,
        "A member that is not in the input",
        "group",
        "a member value matches no user in the same input (the target may still have it).",
        "A membership change for a user that does not exist fails.",
        "Provision the user first, or remove the member.",
        '{"displayName": "Sales", "members": [{"value": "nobody@example.com"}]}',
        '[{"userName": "jane@example.com"}, '
        '{"displayName": "Sales", "members": [{"value": "jane@example.com"}]}]',
    ),
    Rule(
        "manually-sourced",
        None,
        "A user or group made by hand on the AWS side",
        "target",
        "the target already holds a user or group with this userName/displayName that was not "
        "created through SCIM (no externalId, or another one); the create is refused.",
        "Users created in the AWS console or by AWS Control Tower collide with SCIM creates.",
        "Delete the manual copy in AWS, or let scimguard adopt it (`--adopt-manual`).",
    ),
    Rule(
        "target-conflict",
        None,
        "The target refused a duplicate",
        "target",
        "the target refused with 409 for another reason.",
        "Another resource in the target holds the same unique value.",
        "Look the conflicting resource up in the target and resolve the clash.",
    ),
    Rule(
        "target-rejected",
        None,
        "The target refused the record for a reason no rule explains",
        "target",
        "the target refused with 400 and no local rule explains it.",
        "The record and the raw response are kept for a person to look at.",
        "Read the response; quote its x-amzn-RequestId to AWS Support.",
    ),
    Rule(
        "target-unavailable",
        None,
        "The target did not answer",
        "target",
        "the target answered 429/5xx or did not answer, after all retries.",
        "A transient failure that outlasted the retries.",
        "Retry the task later.",
    ),
    Rule(
        "target-unauthorized",
        None,
        "The target refused the token",
        "target",
        "the target answered 401/403 (token wrong, expired or revoked).",
        "SCIM tokens of AWS IAM Identity Center expire after one year.",
        "Create a new access token in AWS IAM Identity Center and configure it.",
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def rule(code: str) -> Rule:
    return BY_CODE[code]
