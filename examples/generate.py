"""Generate the example directory: an Okta-style CSV, SCIM JSON lines, an Okta export, groups.

Deterministic (fixed seed), so the committed files are reproducible:

    python examples/generate.py            # rewrites the files beside this script

About one record in six carries a defect that occurs in real exports (the Okta article, the AWS
notes): a missing last name, Google's zero-width space for mononyms, a colon in a title, a
partial address, a duplicate username differing in case, an empty string, a no-break space,
decomposed accents, a Cyrillic look-alike letter, two phone numbers, a non-primary email, a
password, a misspelt attribute, a nested group, and so on. The rest are clean, including the
close cases that must pass: O'Brien, Anne-Marie, José, 张伟, an emoji, a `+` in an email and
single-letter names.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261128
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"

FIRST = [
    "Jane",
    "John",
    "María",
    "José",
    "Zoë",
    "Anne-Marie",
    "Siobhán",
    "Björn",
    "Åsa",
    "Łukasz",
    "Nguyễn",
    "Aisha",
    "Kwame",
    "Priya",
    "Ravi",
    "Mei",
    "Hiroshi",
    "Olga",
    "Dmitri",
    "Fatima",
    "Liam",
    "Noah",
    "Emma",
    "Chloé",
    "Jürgen",
    "François",
    "Ingrid",
    "Mateo",
    "Sofía",
    "Ana",
]
LAST = [
    "Doe",
    "Smith",
    "García",
    "O'Brien",
    "Müller",
    "Ødegård",
    "Kowalski",
    "Okafor",
    "Patel",
    "Nakamura",
    "Ivanova",
    "Haddad",
    "Johnson",
    "Lefèvre",
    "Rossi",
    "Silva",
    "Andersson",
    "Van der Berg",
    "Nguyen",
    "Chen",
    "Mensah",
    "Dubois",
    "Schmidt",
    "Kim",
    "Cohen",
]
TITLES = [
    "Engineer",
    "Senior Engineer",
    "Account Executive",
    "Designer",
    "Analyst",
    "Support Specialist",
    "Product Manager",
    "Recruiter",
    "Controller",
    "SRE",
]
DEPARTMENTS = ["Engineering", "Sales", "Design", "Finance", "Support", "People", "Product"]
CITIES = [
    ("1 Main St", "Springfield", "IL", "62701", "US"),
    ("350 Fifth Avenue", "New York", "NY", "10118", "US"),
    ("Friedrichstraße 43", "Berlin", "BE", "10117", "DE"),
    ("12 Rue de Rivoli", "Paris", "IDF", "75004", "FR"),
    ("1-1 Marunouchi", "Tokyo", "13", "100-0005", "JP"),
    ("Calle Mayor 5", "Madrid", "MD", "28013", "ES"),
]

CSV_COLUMNS = [
    "login",
    "firstName",
    "lastName",
    "displayName",
    "email",
    "title",
    "department",
    "streetAddress",
    "city",
    "state",
    "zipCode",
    "countryCode",
    "primaryPhone",
    "mobilePhone",
    "employeeNumber",
]


def ascii_login(first: str, last: str, n: int) -> str:
    import unicodedata

    def fold(s: str) -> str:
        s = unicodedata.normalize("NFKD", s.replace("ø", "o").replace("Ø", "O").replace("Ł", "L"))
        return "".join(c for c in s if c.isascii() and (c.isalnum())).lower()

    return f"{fold(first)}.{fold(last)}{n}@example.com"


def clean_user(rng: random.Random, n: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    login = ascii_login(first, last, n)
    street, city, state, zip_code, country = rng.choice(CITIES)
    row = {
        "login": login,
        "firstName": first,
        "lastName": last,
        "displayName": f"{first} {last}",
        "email": login,
        "title": rng.choice(TITLES),
        "department": rng.choice(DEPARTMENTS),
        "streetAddress": street,
        "city": city,
        "state": state,
        "zipCode": zip_code,
        "countryCode": country,
        "primaryPhone": f"+1 555 {rng.randrange(1000, 9999)}",
        "mobilePhone": "",
        "employeeNumber": f"E{10000 + n}",
    }
    if rng.random() < 0.3:  # many directories map no address at all
        for key in ("streetAddress", "city", "state", "zipCode", "countryCode"):
            row[key] = ""
    return row


# Close cases that must pass every rule (they are in the CSV as clean users).
CLOSE_CASES = [
    {"firstName": "Seán", "lastName": "O'Brien"},
    {"firstName": "Anne-Marie", "lastName": "Smith-Jones"},
    {"firstName": "José", "lastName": "García"},
    {"firstName": "伟", "lastName": "张", "displayName": "张伟"},
    {"firstName": "J", "lastName": "K"},
    {"firstName": "Kai", "lastName": "Lee", "displayName": "Kai Lee 🚀"},
    {
        "firstName": "Plus",
        "lastName": "Address",
        "email": "plus+aws@example.com",
        "login": "plus+aws@example.com",
    },
]


def csv_defects(rng: random.Random) -> list[tuple[str, callable]]:  # type: ignore[valid-type]
    def missing_last(r):
        r["lastName"] = ""
        r["displayName"] = r["firstName"]

    def google_mononym(r):  # Google Workspace sends a zero-width space for an empty family name
        r["lastName"] = "\u200b"
        r["displayName"] = r["firstName"]

    def colon_title(r):
        r["title"] = "Sales: EMEA"

    def percent_dept(r):
        r["department"] = "R&D 100%"

    def partial_address(r):
        r["streetAddress"], r["state"], r["zipCode"] = "", "", ""
        r["city"], r["countryCode"] = "Berlin", "DE"

    def no_display(r):
        r["displayName"] = ""

    def space_in_login(r):
        r["login"] = r["login"].replace(".", " ", 1)

    def nbsp_name(r):
        r["displayName"] = r["firstName"] + "\u00a0" + r["lastName"]

    def trailing_space(r):
        r["firstName"] = r["firstName"] + " "

    def decomposed(r):
        r["firstName"] = "Jose\u0301"
        r["displayName"] = "Jose\u0301 " + r["lastName"]

    def homoglyph(r):
        r["firstName"] = "J\u043ehn"  # Cyrillic o
        r["displayName"] = "J\u043ehn " + r["lastName"]

    def two_phones(r):
        r["mobilePhone"] = f"+1 555 {rng.randrange(1000, 9999)}"

    def bidi(r):
        r["displayName"] = "\u202e" + r["displayName"]

    def too_long_title(r):
        r["title"] = "Principal " * 110

    def tab_in_login(r):
        r["login"] = r["login"] + "\t"

    return [
        ("missing last name", missing_last),
        ("zero-width space for a mononym", google_mononym),
        ("colon in title", colon_title),
        ("percent sign in department", percent_dept),
        ("partial address", partial_address),
        ("no display name", no_display),
        ("space in login", space_in_login),
        ("no-break space", nbsp_name),
        ("trailing space", trailing_space),
        ("decomposed accent", decomposed),
        ("Cyrillic look-alike", homoglyph),
        ("two phone numbers", two_phones),
        ("right-to-left override", bidi),
        ("title too long", too_long_title),
        ("tab in login", tab_in_login),
    ]


def write_csv(rng: random.Random, count: int) -> list[dict[str, str]]:
    rows = []
    defects = csv_defects(rng)
    for n in range(1, count + 1):
        row = clean_user(rng, n)
        if n <= len(CLOSE_CASES):
            case = CLOSE_CASES[n - 1]
            row.update(case)
            if "displayName" not in case:
                row["displayName"] = f"{row['firstName']} {row['lastName']}"
        elif rng.random() < 0.18:
            _label, apply = rng.choice(defects)
            apply(row)
        rows.append(row)
    # a duplicate username differing only in case, and a shared email
    rows[40]["login"] = rows[39]["login"].upper()
    rows[60]["email"] = rows[59]["email"]
    rows[80]["login"] = "Administrator"  # a reserved name
    with open(HERE / "okta-users.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def scim_user(rng: random.Random, n: int) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    login = ascii_login(first, last, 1000 + n)
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": f"ext-{n:05d}",
        "userName": login,
        "name": {"givenName": first, "familyName": last},
        "displayName": f"{first} {last}",
        "emails": [{"value": login, "type": "work", "primary": True}],
        "active": True,
        ENTERPRISE: {"department": rng.choice(DEPARTMENTS), "employeeNumber": f"S{n}"},
    }


def scim_defects() -> list:
    def not_primary(u):
        u["emails"][0].pop("primary")

    def password(u):
        u["password"] = "Winter2026!"

    def misspelt(u):
        u["ExternalID"] = u.pop("externalId")

    def active_yes(u):
        u["active"] = "yes"

    def email_display(u):
        u["emails"][0]["display"] = u["displayName"]

    def two_emails(u):
        u["emails"].append({"value": "alias-" + u["userName"], "type": "home"})

    def empty_title(u):
        u["title"] = ""

    def soft_hyphen(u):
        u["name"]["familyName"] = "Müller\u00adLüdenscheidt"

    def name_string(u):
        u["name"] = u["displayName"]

    def photos(u):
        u["photos"] = [{"value": "https://example.com/p.jpg"}]

    def manager_name(u):
        u[ENTERPRISE]["manager"] = {"value": "ext-00001", "displayName": "Jane Doe"}

    def empty_phones(u):
        u["phoneNumbers"] = []

    return [
        not_primary,
        password,
        misspelt,
        active_yes,
        email_display,
        two_emails,
        empty_title,
        soft_hyphen,
        name_string,
        photos,
        manager_name,
        empty_phones,
    ]


def write_jsonl(rng: random.Random, count: int) -> list[dict]:
    users = []
    defects = scim_defects()
    for n in range(1, count + 1):
        user = scim_user(rng, n)
        if n % 6 == 0:  # every defect at least once, in turn
            defects[(n // 6 - 1) % len(defects)](user)
        users.append(user)
    users[10]["externalId"] = users[9].get("externalId", "ext-00010")  # duplicate externalId
    users[13]["title"] = "Lead \u0301"  # a combining mark after a space: stray-mark
    with open(HERE / "scim-users.jsonl", "w", encoding="utf-8") as handle:
        for user in users:
            handle.write(json.dumps(user, ensure_ascii=False) + "\n")
    return users


def write_okta_export(rng: random.Random, count: int) -> None:
    users = []
    for n in range(1, count + 1):
        row = clean_user(rng, 5000 + n)
        profile = {k: v for k, v in row.items() if v != ""}
        profile["secondEmail"] = None
        status = "ACTIVE" if n % 17 else "SUSPENDED"
        if n % 11 == 0:
            profile["lastName"] = None  # missing in Okta
        if n % 19 == 0:
            profile["title"] = ""  # Okta's connector sends "" for a mapped, empty attribute
        if n % 13 == 0:
            profile["city"] = "München"
            profile.pop("streetAddress", None)
        users.append({"id": f"00u{n:017d}", "status": status, "profile": profile})
    (HERE / "okta-export.json").write_text(
        json.dumps(users, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def write_groups(csv_rows: list[dict[str, str]], scim_users: list[dict]) -> None:
    def members(names):
        return [{"value": name} for name in names]

    logins = [r["login"] for r in csv_rows]
    groups = [
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-eng",
            "displayName": "Engineering",
            "members": members(logins[0:25]),
        },
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-sales",
            "displayName": "Sales",
            "members": members(logins[25:40]),
        },
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-eng-2",
            "displayName": "engineering",
            "members": members(logins[40:45]),
        },  # duplicate name, differing in case
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-all",
            "displayName": "Everyone",
            "members": [{"value": "grp-eng", "type": "Group"}],
        },  # nested group
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-ops",
            "displayName": "Ops: On-call",
            "members": members(["former.employee@example.com"]),
        },  # colon, unknown member
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-admins",
            "displayName": "AWSAdministrators",
            "members": members(logins[45:47]),
        },
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-design",
            "displayName": "Design",
            "description": "Product design",
            "members": members(logins[47:55]),
        },
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-scim",
            "displayName": "SCIM users",
            "members": [{"value": u["externalId"]} for u in scim_users[:20] if "externalId" in u],
        },
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-design-2",
            "displayName": "D\u0435sign",
            "members": members(logins[55:57]),
        },  # a Cyrillic "е": looks like "Design" (confusable-duplicate, mixed-script)
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "grp-everyone",
            "displayName": "All staff",
            "members": members(logins[0:101]),
        },  # more than 100 members in one request
    ]
    (HERE / "groups.json").write_text(
        json.dumps(groups, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def main() -> None:
    rng = random.Random(SEED)
    csv_rows = write_csv(rng, 240)
    scim_users = write_jsonl(rng, 80)
    write_okta_export(rng, 40)
    write_groups(csv_rows, scim_users)


if __name__ == "__main__":
    main()
